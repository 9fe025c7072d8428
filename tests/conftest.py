"""Shared test fixtures: fixtures from shared/, a Lambda context, environment for the steps."""

from __future__ import annotations

import json
import os
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import pytest

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
        return 30_000


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
