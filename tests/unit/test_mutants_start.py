"""Start Job's pure parts where mutation testing found them unpinned (make mutation, issue 11): the
service's message quoted when no job slot is free (and at exactly the deadline), and a job found
under the run's name created exactly at the clock-skew allowance before the run started."""

from __future__ import annotations

from datetime import UTC, datetime
from typing import Any

from botocore.exceptions import ClientError

from recommender.errors import JobSlotUnavailable, JobTimedOut
from recommender.models import EndpointSnapshot, ExecutionInput, ExecutionRef, RunState
from recommender.steps.start import CLOCK_SKEW_SECONDS, is_ours, no_slot

PACKAGE = "arn:aws:sagemaker:us-east-1:123456789012:model-package/g/1"
STATE = RunState(
    execution=ExecutionRef(
        id="arn:aws:states:us-east-1:123456789012:execution:m:run-1", name="run-1", start_time="2026-11-25T03:00:00Z"
    ),
    request=ExecutionInput.parse({"endpointName": "demo-endpoint", "modelPackageVersionArn": PACKAGE}),
    endpoint=EndpointSnapshot(variant_name="AllTraffic", instance_type="ml.m5.xlarge", instance_count=1),
    job_name="ir-orchestrator-0123456789abcdef-demo-endpoint",
    started_at="2026-11-25T03:00:00Z",
    deadline="2026-11-25T09:00:00Z",
)
QUOTA = "You have reached the limit of Number of concurrent inference recommendations jobs: 10"


def limit_exceeded(error: dict[str, Any]) -> ClientError:
    return ClientError({"Error": error}, "CreateInferenceRecommendationsJob")  # type: ignore[typeddict-item]


def test_waiting_for_a_slot_quotes_the_service() -> None:
    found = no_slot(
        STATE,
        limit_exceeded({"Code": "ResourceLimitExceeded", "Message": QUOTA}),
        now=datetime(2026, 11, 25, 8, 59, 59, tzinfo=UTC),
    )
    assert isinstance(found, JobSlotUnavailable)
    assert str(found) == (
        "the account runs as many Inference Recommender jobs as its quota allows (the service: "
        f"{QUOTA}); waiting for a slot until 2026-11-25T09:00:00Z"
    )


def test_at_exactly_the_deadline_the_run_times_out_quoting_the_service() -> None:
    found = no_slot(
        STATE,
        limit_exceeded({"Code": "ResourceLimitExceeded", "Message": QUOTA}),
        now=datetime(2026, 11, 25, 9, tzinfo=UTC),
    )
    assert isinstance(found, JobTimedOut)
    assert str(found) == (
        "no Inference Recommender job slot became free before the run's deadline 2026-11-25T09:00:00Z "
        f"(the service: {QUOTA}); no job was created"
    )


def test_without_a_message_the_error_itself_is_quoted() -> None:
    exc = limit_exceeded({"Code": "ResourceLimitExceeded"})
    found = no_slot(STATE, exc, now=datetime(2026, 11, 25, 3, tzinfo=UTC))
    assert str(found) == (
        "the account runs as many Inference Recommender jobs as its quota allows (the service: "
        "An error occurred (ResourceLimitExceeded) when calling the CreateInferenceRecommendationsJob operation: "
        "Unknown); waiting for a slot until 2026-11-25T09:00:00Z"
    )


def test_a_response_without_an_error_member_is_quoted_as_the_error() -> None:
    exc = ClientError({}, "CreateInferenceRecommendationsJob")
    found = no_slot(STATE, exc, now=datetime(2026, 11, 25, 3, tzinfo=UTC))
    assert str(found) == (
        "the account runs as many Inference Recommender jobs as its quota allows (the service: "
        "An error occurred (Unknown) when calling the CreateInferenceRecommendationsJob operation: "
        "Unknown); waiting for a slot until 2026-11-25T09:00:00Z"
    )


REQUEST = {
    "JobType": "Default",
    "InputConfig": {"ModelPackageVersionArn": PACKAGE, "Endpoints": [{"EndpointName": "demo-endpoint"}]},
}


def job(created: str) -> dict[str, Any]:
    return {"JobType": "Default", "CreationTime": created, "InputConfig": REQUEST["InputConfig"]}


def test_a_job_created_within_the_clock_skew_before_the_run_is_ours() -> None:
    assert CLOCK_SKEW_SECONDS == 300
    assert is_ours(job("2026-11-25T02:55:00Z"), REQUEST, "2026-11-25T03:00:00Z")  # exactly 300 s before
    assert not is_ours(job("2026-11-25T02:54:59Z"), REQUEST, "2026-11-25T03:00:00Z")
