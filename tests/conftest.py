"""Shared test fixtures: fixtures from shared/, a Lambda context, environment for the steps, and the
synthesized app (once per test session, for the infra and e2e tiers)."""

from __future__ import annotations

import dataclasses
import fcntl
import json
import os
from dataclasses import dataclass
from pathlib import Path
from typing import TYPE_CHECKING, Any

import pytest

if TYPE_CHECKING:
    from tests.infra.support import Synthesized

# The CDK (jsii) prints an end-of-life banner for Node 20 on every synth otherwise.
os.environ.setdefault("JSII_SILENCE_WARNING_END_OF_LIFE_NODE_VERSION", "20")

FIXTURES = Path(__file__).resolve().parents[2] / "shared" / "fixtures"
LOCAL_FIXTURES = Path(__file__).resolve().parent / "fixtures"


def load_fixture(name: str) -> dict[str, Any]:
    """A DescribeInferenceRecommendationsJob response from shared/fixtures (tests/fixtures copy as fallback)."""
    path = FIXTURES / name if (FIXTURES / name).exists() else LOCAL_FIXTURES / name
    data: dict[str, Any] = json.loads(path.read_text())
    return data


@dataclass
class FakeLambdaContext:
    function_name: str = "test-function"
    memory_limit_in_mb: int = 256
    invoked_function_arn: str = "arn:aws:lambda:us-east-1:123456789012:function:test-function"
    aws_request_id: str = "00000000-0000-0000-0000-000000000000"

    def get_remaining_time_in_millis(self) -> int:
        # A fresh invocation of a step: its whole Lambda timeout ahead (infra/functions.py).
        from recommender.adapters.aws import STEP_TIMEOUT_SECONDS

        return STEP_TIMEOUT_SECONDS * 1000


@pytest.fixture
def lambda_context() -> FakeLambdaContext:
    return FakeLambdaContext()


def valid_input(**overrides: Any) -> dict[str, Any]:
    base: dict[str, Any] = {
        "endpointName": "my-endpoint",
        "modelPackageVersionArn": "arn:aws:sagemaker:us-east-1:123456789012:model-package/my-group/3",
    }
    base.update(overrides)
    return base


# ------------------------------------------------------------------------------ synthesized app
def synthesized_once(tmp_path_factory: pytest.TempPathFactory, name: str, config: dict[str, Any] | None) -> Synthesized:
    """The app synthesized with `config` (None: no `recommender` context at all), once per session.

    Synth (with the cdk-nag packs) takes seconds, so the result is cached in the session's temporary
    directory behind a file lock: however many xdist workers ask for a configuration, it is
    synthesized by exactly one of them and read from disk by the others. The CDK is imported here,
    not at the top, so tiers that never synthesize do not pay for its import.
    """
    from tests.infra.support import Synthesized, synthesize

    base = tmp_path_factory.getbasetemp()
    # Under xdist each worker has its own basetemp inside the session's directory.
    shared = base.parent if os.environ.get("PYTEST_XDIST_WORKER") else base
    cache = shared / f"infra-{name}.json"
    with (shared / f"infra-{name}.lock").open("w") as lock:
        fcntl.flock(lock, fcntl.LOCK_EX)
        if not cache.exists():
            result = synthesize(config, shared / f"cdk.out.{name}")
            cache.write_text(json.dumps(dataclasses.asdict(result)))
    return Synthesized(**json.loads(cache.read_text()))


@pytest.fixture(scope="session")
def default_synth(tmp_path_factory: pytest.TempPathFactory) -> Synthesized:
    """Synthesized with no `recommender` context at all: every default (the stack creates the job role).

    Its directory (`Path(default_synth.template_path).parent`) is a complete cloud assembly, assets
    included: the e2e tier deploys it offline.
    """
    return synthesized_once(tmp_path_factory, "default", None)
