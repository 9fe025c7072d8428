"""The pytest plugin of a mutation run (loaded by `pytest_add_cli_args` in pyproject's [tool.mutmut]).

mutmut runs pytest once per mutant, each run a new session with its own temporary directory. The
handler tier's `default_synth` caches the synthesized app in that directory, so every mutant tested
by a handler test would synthesize the app again (seconds, and a node process in a forked worker).
Here the synthesis is cached for the whole mutation run instead, in mutants/synth-cache/ (rebuilt
with mutants/ by every fresh run): the first session synthesizes, in mutmut's main process while it
collects which tests reach which function, with no mutant active; every mutant reads it from disk.
The template is the handler tier's environment, not what it tests (the infra tier is not run here).

It also runs the unit tier's tests of a mutant before the handler tier's: mutmut stops at the first
failure, and a unit test costs milliseconds where a handler test builds a world (moto, the strict
IAM world) first.
"""

from __future__ import annotations

import dataclasses
import fcntl
import hashlib
import json
from pathlib import Path
from typing import Any

import pytest

CACHE_DIR = "synth-cache"


def pytest_configure() -> None:
    _cache_synthesis()
    _cache_kms_key_material()


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
    items.sort(key=lambda item: item.nodeid.startswith("tests/handlers/"))


def _cache_kms_key_material() -> None:
    """moto makes an RSA key (~0.1 s of CPU, seconds on busy CPUs) for every KMS key, a symmetric one
    included; each handler test's world creates one (the topic's key). Its bits are never used
    here, so one key per key spec serves the whole run."""
    import functools

    from moto.kms import models

    if not isinstance(models.generate_private_key, functools._lru_cache_wrapper):
        models.generate_private_key = functools.cache(models.generate_private_key)
