"""The infra tier synthesizes each configuration once per test session.

Synth (with the cdk-nag packs) takes seconds, so the result is cached in the session's temporary
directory behind a file lock: however many xdist workers run these tests, each configuration is
synthesized by exactly one of them and read from disk by the others.
"""

from __future__ import annotations

import dataclasses
import fcntl
import json
import os
from pathlib import Path

import pytest
from aws_cdk.assertions import Template

from tests.infra.support import SAMPLE_CONTEXT, Synthesized, synthesize

CONFIGS = {"default": None, "sample": SAMPLE_CONTEXT}


def _synthesized_once(tmp_path_factory: pytest.TempPathFactory, name: str) -> Synthesized:
    base = tmp_path_factory.getbasetemp()
    # Under xdist each worker has its own basetemp inside the session's directory.
    shared = base.parent if os.environ.get("PYTEST_XDIST_WORKER") else base
    cache = shared / f"infra-{name}.json"
    with (shared / f"infra-{name}.lock").open("w") as lock:
        fcntl.flock(lock, fcntl.LOCK_EX)
        if not cache.exists():
            result = synthesize(CONFIGS[name], shared / f"cdk.out.{name}")
            cache.write_text(json.dumps(dataclasses.asdict(result)))
    return Synthesized(**json.loads(cache.read_text()))


@pytest.fixture(scope="session")
def default_synth(tmp_path_factory: pytest.TempPathFactory) -> Synthesized:
    """Synthesized with no `recommender` context at all: every default (the stack creates the job role)."""
    return _synthesized_once(tmp_path_factory, "default")


@pytest.fixture(scope="session")
def sample_synth(tmp_path_factory: pytest.TempPathFactory) -> Synthesized:
    """Synthesized with tests/infra/sample_context.json: every key set (schedules, emails, job role ARN)."""
    return _synthesized_once(tmp_path_factory, "sample")


@pytest.fixture(scope="session")
def default_template(default_synth: Synthesized) -> Template:
    return Template.from_json(default_synth.template)


@pytest.fixture(scope="session")
def sample_template(sample_synth: Synthesized) -> Template:
    return Template.from_json(sample_synth.template)


@pytest.fixture(scope="session")
def project_dir() -> Path:
    return Path(__file__).resolve().parents[2]
