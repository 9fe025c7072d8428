"""Record Failure's reading of an EventBridge event where mutation testing found it unpinned (make
mutation, issue 11): an event without the execution's input, and an input that is not an object."""

from __future__ import annotations

import pytest

from recommender.models import ExecutionStatusDetail
from recommender.steps.record_failure import Failure, from_event

ARN = "arn:aws:states:us-east-1:123456789012:execution:ir-orchestrator:run-1"


def detail(execution_input: str | None) -> ExecutionStatusDetail:
    return ExecutionStatusDetail.model_validate(
        {
            "executionArn": ARN,
            "name": "run-1",
            "status": "FAILED",
            "startDate": 1795575600000,  # 2026-11-25T03:00:00Z
            "input": execution_input,
            "error": "States.Runtime",
            "cause": "boom",
        }
    )


@pytest.mark.parametrize("execution_input", [None, "", "not json", "[1, 2]", '"text"', "null"])
def test_an_input_that_is_not_an_object_is_no_input(execution_input: str | None) -> None:
    assert from_event(detail(execution_input)) == Failure(
        execution_arn=ARN,
        started_at="2026-11-25T03:00:00Z",
        request={},
        error_name="States.Runtime",
        cause="boom",
        execution_status="FAILED",
    )


def test_an_object_input_is_the_request() -> None:
    assert from_event(detail('{"endpointName": "demo-endpoint"}')).request == {"endpointName": "demo-endpoint"}
