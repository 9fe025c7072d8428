"""The pytest plugin of a mutation run (loaded by `pytest_add_cli_args` in pyproject's [tool.mutmut]).

mutmut runs pytest once per mutant, each run a new session with its own temporary directory. The
handler tier's `default_synth` caches the synthesized app in that directory, so every mutant tested
by a handler test would synthesize the app again (seconds, and a node process in a forked worker).
Here the synthesis is cached for the whole mutation run instead, in mutants/synth-cache/ (rebuilt
with mutants/ by every fresh run): the first session synthesizes, in mutmut's main process while it
collects which tests reach which function, with no mutant active; every mutant reads it from disk.
The template is the handler tier's environment, not what it tests (the infra tier is not run here).

It also runs the unit tier's tests of a mutant before the handler tier's, and each tier's fastest
first (the durations mutmut measured): mutmut stops at the first failure, and a unit test costs
milliseconds where a handler test builds a world (moto, the strict IAM world) first.

And botocore's JSON files (service models, endpoint rules) are parsed once per process, not once
per new session: every handler test's clients are new sessions, each of which parsed the same
models again (about 17 files a test, SageMaker's megabytes among them). Loaded by the fork server's
warm-up (mutation/warm_up.py), they serve every mutant's run.
"""

from __future__ import annotations

import dataclasses
import fcntl
import functools
import hashlib
import json
from pathlib import Path
from typing import Any

import pytest

CACHE_DIR = "synth-cache"


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
    items.sort(key=lambda item: (item.nodeid.startswith("tests/handlers/"), durations.get(item.nodeid, 0.0)))


@functools.cache
def _durations() -> dict[str, float]:
    """Each test's duration as mutmut measured it (mutants/mutmut-stats.json; none before it has)."""
    stats = Path.cwd() / "mutmut-stats.json"
    if not stats.exists():
        return {}
    return {str(name): float(seconds) for name, seconds in json.loads(stats.read_text())["duration_by_test"].items()}


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
