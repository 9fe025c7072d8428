"""Branches the other handler tests never take (issue 11): Publish on a job that is missing or not
COMPLETED, a failed Advanced run, an EventBridge FAILED event with a known error name, several
invalid pass-through fields at once."""

from __future__ import annotations

import json

import pytest
from aws_lambda_powertools.utilities.typing import LambdaContext

from recommender.errors import EndpointBusy, InvalidExecutionInput, JobFailed
from recommender.handlers import publish, record_failure, start, validate
from simulator.clock import SimulatedClock
from tests.handlers.support import (
    ADVANCED_LOAD_TEST,
    ENDPOINT,
    STARTED_AT,
    STOP,
    Steps,
    World,
    caught,
    execution_arn,
    expected_job_name,
    run_key,
    status_change,
)


def lambda_cause(exc: Exception) -> str:
    return json.dumps({"errorMessage": str(exc), "errorType": type(exc).__name__, "stackTrace": []})


# ------------------------------------------------------------------------------ Publish, not COMPLETED
@pytest.mark.filterwarnings("ignore:No application metrics to publish")  # it fails before any metric
def test_publish_refuses_a_job_that_does_not_exist(world: World, steps: Steps, lambda_context: LambdaContext) -> None:
    state = steps.started()
    missing = expected_job_name("run-404")  # this prefix, so the role may describe it; never created
    state["jobName"] = missing

    with pytest.raises(JobFailed) as info:
        publish.lambda_handler(state, lambda_context)

    assert str(info.value) == f"job {missing} is missing, not COMPLETED"
    assert world.runs() == []
    assert world.notifications() == []
    lock = world.lock()
    assert lock is not None  # freed by Record Failure, which the Catch runs next
    assert lock["owner"] == execution_arn()


@pytest.mark.filterwarnings("ignore:No application metrics to publish")
@pytest.mark.parametrize(
    ("outcome", "seconds", "status"),
    [("COMPLETED", 120, "PENDING"), ("COMPLETED", 600, "IN_PROGRESS"), ("FAILED", 2000, "FAILED")],
)
def test_publish_refuses_a_job_that_is_not_completed(
    world: World,
    steps: Steps,
    clock: SimulatedClock,
    lambda_context: LambdaContext,
    *,
    outcome: str,
    seconds: int,
    status: str,
) -> None:
    world.fake.plan(outcome, duration_seconds=1500, pending_seconds=300)  # type: ignore[arg-type]
    state = steps.started()
    clock.advance(seconds)
    assert world.job_status(state["jobName"]) == status

    with pytest.raises(JobFailed) as info:
        publish.lambda_handler(state, lambda_context)

    assert str(info.value) == f"job {state['jobName']} is {status}, not COMPLETED"
    assert world.runs() == []  # no COMPLETED record for a job that is not
    assert world.notifications() == []
    assert world.calls(STOP) == []


# ------------------------------------------------------------------------------ a failed Advanced run
def test_a_failed_advanced_run_is_recorded_as_advanced(
    world: World, steps: Steps, clock: SimulatedClock, lambda_context: LambdaContext
) -> None:
    world.fake.plan("FAILED", duration_seconds=1800, failure_reason="Load test failed.")
    execution_input = world.input(**ADVANCED_LOAD_TEST)
    state = steps.started(execution_input)
    clock.advance(1800)
    with pytest.raises(JobFailed) as info:
        steps.check(state)

    result = record_failure.lambda_handler(caught(state, info.value), lambda_context)

    assert result == {"status": "FAILED", "endpointName": ENDPOINT, "runKey": run_key(state["jobName"])}
    [item] = world.runs()
    assert (item["status"], item["jobType"], item["jobArn"]) == ("FAILED", "Advanced", state["jobArn"])
    [message] = world.notifications()
    assert message.attributes["jobType"] == "Advanced"
    assert message.body["jobType"] == "Advanced"
    [document] = world.published_documents()
    assert f"Job {state['jobName']} (Advanced); trigger manual" in document["email"].splitlines()


def test_an_advanced_run_that_never_started_a_job_keeps_its_job_type(
    world: World, steps: Steps, clock: SimulatedClock, lambda_context: LambdaContext
) -> None:
    """Rejected before any job (the endpoint busy): the job type is the input's."""
    steps.started(name="run-1")
    clock.advance(60)
    second = steps.validate(world.input(**ADVANCED_LOAD_TEST), name="run-2")
    with pytest.raises(EndpointBusy) as info:
        start.lambda_handler(second, lambda_context)

    record_failure.lambda_handler(caught(second, info.value, name="run-2"), lambda_context)

    [item] = [run for run in world.runs() if run["executionArn"] == execution_arn("run-2")]
    assert (item["status"], item["jobType"]) == ("REJECTED", "Advanced")
    assert "jobArn" not in item
    [message] = world.notifications()
    assert message.attributes["jobType"] == "Advanced"


# ------------------------------------------------------------------------------ EventBridge, FAILED
def test_a_failed_execution_event_with_a_known_error_name(
    world: World, steps: Steps, clock: SimulatedClock, lambda_context: LambdaContext
) -> None:
    """The event is the only report (no Catch ran): its error name decides the status (FAILED, not
    ERROR), its cause the reason, as a Catch's would."""
    world.fake.plan("FAILED", duration_seconds=600)
    execution_input = world.input()
    state = steps.started(execution_input)
    clock.advance(900)
    assert world.job_status(state["jobName"]) == "FAILED"
    error, status = JobFailed(f"job {state['jobName']} failed: the model crashed"), "FAILED"

    result = record_failure.lambda_handler(
        status_change(
            "FAILED",
            execution_input,
            stopped_at=clock.now(),
            error=type(error).__name__,
            cause=lambda_cause(error),
        ),
        lambda_context,
    )

    assert result == {"status": status, "endpointName": ENDPOINT, "runKey": run_key(state["jobName"])}
    [item] = world.runs()
    assert item["status"] == status
    assert item["failureReason"] == f"job {state['jobName']} failed: the model crashed"
    assert (item["jobArn"], item["jobType"]) == (state["jobArn"], "Default")
    assert (item["startedAt"], item["finishedAt"], item["durationSeconds"]) == (
        STARTED_AT,
        "2026-11-25T03:15:00Z",
        900,
    )
    assert world.calls(STOP) == []  # the job had ended
    assert world.lock() is None
    [message] = world.notifications()
    assert message.attributes["status"] == status


# ------------------------------------------------------------------------------ input
@pytest.mark.parametrize("field", ["endpointName", "targetEndpointName"])
def test_an_endpoint_name_longer_than_63_characters_is_invalid_input(
    world: World, lambda_context: LambdaContext, field: str
) -> None:
    """The name rule's pattern lets hyphens through beyond 63 characters; SageMaker refuses such a
    name (EndpointName: at most 63), so it is the input that is invalid, before any AWS call."""
    long_name = "a" + "-b" * 40  # 81 characters, 41 of them letters
    with pytest.raises(InvalidExecutionInput) as info:
        validate.lambda_handler(world.validate_event(world.input(**{field: long_name})), lambda_context)
    [violation] = info.value.violations
    assert violation.startswith(f"{field}: must be a SageMaker endpoint name")
    assert world.strict.calls == []  # nothing asked of AWS


# ------------------------------------------------------------------------------ pass-through fields
def test_every_invalid_pass_through_field_is_reported_together(world: World, lambda_context: LambdaContext) -> None:
    execution_input = world.input(
        **{
            **ADVANCED_LOAD_TEST,
            "stoppingConditions": {"MaxInvocations": "300"},
            "resourceLimit": {"MaxNumberOfTests": 0},
        }
    )
    with pytest.raises(InvalidExecutionInput) as info:
        validate.lambda_handler(world.validate_event(execution_input), lambda_context)

    assert info.value.violations == [
        "stoppingConditions: does not match the API's RecommendationJobStoppingConditions shape: "
        "Value '300' at 'MaxInvocations' failed to satisfy constraint: Member must be of type integer",
        "resourceLimit: does not match the API's RecommendationJobResourceLimit shape: "
        "Value '0' at 'MaxNumberOfTests' failed to satisfy constraint: Member must have value greater than or "
        "equal to 1",
    ]
    assert world.fake.calls == []
