"""The pytest plugin of a mutation run (loaded by `pytest_add_cli_args` in pyproject's [tool.mutmut]).

mutmut runs pytest once per mutant, each run a new session with its own temporary directory. The
handler tier's `default_synth` caches the synthesized app in that directory, so every mutant tested
by a handler test would synthesize the app again (seconds, and a node process in a forked worker).
Here the synthesis is cached for the whole mutation run instead, in mutants/synth-cache/ (rebuilt
with mutants/ by every fresh run): the first session synthesizes, in mutmut's main process while it
collects which tests reach which function, with no mutant active; every mutant reads it from disk.
The template is the handler tier's environment, not what it tests (the infra tier is not run here).

It also orders a mutant's tests so that the one that fails comes early (mutmut stops at the first
failure): first the tests that killed earlier mutants of the same function (most mutants of a
function fall to the same test), then the unit tier's before the handler tier's, each tier's fastest
first (the durations mutmut measured). A unit test costs milliseconds where a handler test builds a
world (moto, the strict IAM world) first. The order decides no result: a survivor runs them all.

And botocore's JSON files (service models, endpoint rules) are parsed once per process, not once
per new session: every handler test's clients are new sessions, each of which parsed the same
models again (about 17 files a test, SageMaker's megabytes among them). mutmut forks every
mutant's run from its main process after that process ran the whole selection once ("clean
tests"), so each run starts with every model parsed.
"""

from __future__ import annotations

import dataclasses
import fcntl
import functools
import hashlib
import json
import os
import signal
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest

CACHE_DIR = "synth-cache"
# A test running a mutant gets this long (seconds: the floor plus a multiple of its own measured
# duration) before the run ends as a timeout (exit status 36, which mutmut reads as "timeout").
# mutmut's own timeout is for the whole run of a mutant's tests, scaled for the slowest case: a
# mutant that loops forever (fit_item's binary search, a polling loop) would hold a worker for 15
# to 30 minutes; here it is stopped in about a minute.
TEST_TIMEOUT_FLOOR_SECONDS = 60.0
TEST_TIMEOUT_FACTOR = 10.0
MUTMUT_TIMEOUT_STATUS = 36
# mutants/killers/<function>.txt: the tests that killed mutants of that function, one a line.
KILLERS_DIR = "killers"


def pytest_configure() -> None:
    _cache_synthesis()
    _cache_kms_key_material()
    _cache_botocore_json()


def _cache_synthesis() -> None:
    from tests.infra import support

    original = support.synthesize
    if getattr(original, "cached_for_mutation", False):
        return

    def synthesize(config: dict[str, Any] | None, outdir: Path) -> support.Synthesized:
        # mutmut runs the tests from mutants/: the cache lives there.
        cache = Path.cwd() / CACHE_DIR
        cache.mkdir(exist_ok=True)
        key = hashlib.sha256(json.dumps(config, sort_keys=True).encode()).hexdigest()[:16]
        result = cache / f"{key}.json"
        with (cache / f"{key}.lock").open("w") as lock:
            fcntl.flock(lock, fcntl.LOCK_EX)
            if not result.exists():
                synthesized = original(config, cache / f"cdk.out.{key}")
                result.write_text(json.dumps(dataclasses.asdict(synthesized)))
        return support.Synthesized(**json.loads(result.read_text()))

    synthesize.cached_for_mutation = True  # type: ignore[attr-defined]
    support.synthesize = synthesize


def pytest_collection_modifyitems(items: list[pytest.Item]) -> None:
    durations = _durations()
    killers = {nodeid: rank for rank, nodeid in enumerate(_killers(_function_under_test()))}
    items.sort(
        key=lambda item: (
            killers.get(item.nodeid, len(killers)),
            item.nodeid.startswith("tests/handlers/"),
            durations.get(item.nodeid, 0.0),
        )
    )


@pytest.hookimpl(hookwrapper=True)
def pytest_runtest_protocol(item: pytest.Item) -> Iterator[None]:
    """A mutant that makes a test loop forever ends the run as a timeout, within a minute or so."""
    if _function_under_test() is None:
        yield
        return
    limit = TEST_TIMEOUT_FLOOR_SECONDS + TEST_TIMEOUT_FACTOR * _durations().get(item.nodeid, 0.0)

    def expired(signum: int, frame: Any) -> None:
        os._exit(MUTMUT_TIMEOUT_STATUS)

    previous = signal.signal(signal.SIGALRM, expired)
    signal.setitimer(signal.ITIMER_REAL, limit)
    try:
        yield
    finally:
        signal.setitimer(signal.ITIMER_REAL, 0)
        signal.signal(signal.SIGALRM, previous)


def pytest_runtest_logreport(report: pytest.TestReport) -> None:
    """The test that killed a mutant goes first for the next mutants of the same function."""
    function = _function_under_test()
    if function is None or not report.failed:
        return
    path = _killers_path(function)
    path.parent.mkdir(exist_ok=True)
    with path.open("a") as listing:
        fcntl.flock(listing, fcntl.LOCK_EX)
        listing.write(f"{report.nodeid}\n")


def _function_under_test() -> str | None:
    """The mutated function of this session (`recommender.steps.check.x_unreachable`), if any."""
    name = os.environ.get("MUTANT_UNDER_TEST", "")
    return name.rsplit("__mutmut_", 1)[0] if "__mutmut_" in name else None


def _killers_path(function: str) -> Path:
    return Path.cwd() / KILLERS_DIR / f"{function}.txt"


def _killers(function: str | None) -> list[str]:
    """The tests that killed mutants of this function so far, the latest first (each once)."""
    if function is None or not _killers_path(function).exists():
        return []
    found = _killers_path(function).read_text().split()
    return list(dict.fromkeys(reversed(found)))


_DURATIONS: dict[str, float] = {}


def _durations() -> dict[str, float]:
    """Each test's duration as mutmut measured it (mutants/mutmut-stats.json), read once it exists:
    a fresh run's first sessions come before mutmut has written it."""
    stats = Path.cwd() / "mutmut-stats.json"
    if not _DURATIONS and stats.exists():
        measured = json.loads(stats.read_text())["duration_by_test"]
        _DURATIONS.update({str(name): float(seconds) for name, seconds in measured.items()})
    return _DURATIONS


def _cache_botocore_json() -> None:
    """One parse per process of each botocore data file. Loaders merge their extras into a model in
    place (botocore's deep merge: the same extras give the same model however often merged), and
    no caller changes a model otherwise."""
    from botocore import loaders

    if getattr(loaders.JSONFileLoader.load_file, "parsed_once", False):
        return
    original = loaders.JSONFileLoader.load_file
    reader = loaders.JSONFileLoader()  # it keeps no state of its own

    @functools.cache
    def parsed(file_path: str) -> Any:
        return original(reader, file_path)

    def load_file(self: loaders.JSONFileLoader, file_path: str) -> Any:
        return parsed(file_path)

    load_file.parsed_once = True  # type: ignore[attr-defined]
    loaders.JSONFileLoader.load_file = load_file  # type: ignore[method-assign]


def _cache_kms_key_material() -> None:
    """moto makes an RSA key (~0.1 s of CPU, seconds on busy CPUs) for every KMS key, a symmetric one
    included; each handler test's world creates one (the topic's key). Its bits are never used
    here, so one key per key spec serves the whole run."""
    from moto.kms import models

    if not isinstance(models.generate_private_key, functools._lru_cache_wrapper):
        models.generate_private_key = functools.cache(models.generate_private_key)
