"""Failure status mapping and reasons recovered from a Catch's Cause."""

from __future__ import annotations

import json

import pytest

from recommender.errors import EndpointNotEligible, JobFailed
from recommender.logic.failure import error_message, reason_and_violations, status_for


@pytest.mark.parametrize(
    ("error", "execution_status", "expected"),
    [
        ("InvalidExecutionInput", None, "REJECTED"),
        ("EndpointNotEligible", None, "REJECTED"),
        ("EndpointBusy", None, "REJECTED"),
        ("JobFailed", None, "FAILED"),
        ("JobStopped", None, "STOPPED"),
        ("JobTimedOut", None, "TIMED_OUT"),
        ("JobTimedOut", "FAILED", "TIMED_OUT"),
        ("JobSlotUnavailable", None, "TIMED_OUT"),  # the slot wait's retries ran out
        ("States.Timeout", None, "ERROR"),
        ("KeyError", None, "ERROR"),
        (None, "ABORTED", "ABORTED"),
        (None, "TIMED_OUT", "TIMED_OUT"),
        (None, "FAILED", "ERROR"),
    ],
)
def test_status_for(error: str | None, execution_status: str | None, expected: str) -> None:
    assert status_for(error, execution_status) == expected


def lambda_cause(exc: Exception) -> str:
    """The Cause Step Functions builds from a Lambda function's unhandled exception."""
    return json.dumps({"errorMessage": str(exc), "errorType": type(exc).__name__, "stackTrace": ["..."]})


def test_violations_recovered_from_a_catch() -> None:
    exc = EndpointNotEligible(["first problem", "second problem"], subject="endpoint ep")
    reason, violations = reason_and_violations("EndpointNotEligible", lambda_cause(exc))
    assert reason == "Endpoint is not eligible for an Inference Recommender job: endpoint ep"
    assert violations == ["first problem", "second problem"]


def test_plain_reason() -> None:
    reason, violations = reason_and_violations("JobFailed", lambda_cause(JobFailed("job x failed: boom")))
    assert (reason, violations) == ("job x failed: boom", [])


def test_non_json_cause_and_missing_cause() -> None:
    assert error_message("Execution timed out") == "Execution timed out"
    assert reason_and_violations("States.Timeout", None) == ("States.Timeout", [])
    assert reason_and_violations(None, None) == ("unknown error", [])
