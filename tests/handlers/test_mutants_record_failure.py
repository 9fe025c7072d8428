"""Record Failure where mutation testing found it unpinned (make mutation, issue 11): the job the
caught state names, the job type of an input without one and of the job SageMaker describes, a
failure without a cause, and only the reason's trailing dots cut before "job ... was asked to stop"."""

from __future__ import annotations

import pytest
from aws_lambda_powertools.utilities.typing import LambdaContext

from recommender.errors import InvalidExecutionInput, JobFailed, JobTimedOut
from recommender.handlers import record_failure, validate
from simulator.clock import SimulatedClock
from tests.handlers.support import (
    ADVANCED_LOAD_TEST,
    ENDPOINT,
    STOP,
    Steps,
    World,
    caught,
    expected_job_name,
    run_key,
    status_change,
)


def test_the_job_the_caught_state_names_is_the_runs(world: World, steps: Steps, lambda_context: LambdaContext) -> None:
    """Not the name derived again from the execution: the state's (e.g. named under an earlier prefix)."""
    state = steps.started()
    named = expected_job_name("run-404")
    state["jobName"] = named

    result = record_failure.lambda_handler(caught(state, JobFailed(f"job {named} is missing")), lambda_context)

    assert result == {"status": "FAILED", "endpointName": ENDPOINT, "runKey": run_key(named)}
    [item] = world.runs()
    assert item["jobName"] == named
    assert "jobArn" not in item  # SageMaker knows no job of that name


def test_invalid_input_without_a_job_type_is_a_default_run(world: World, lambda_context: LambdaContext) -> None:
    raw = {"endpointName": ENDPOINT, "modelPackageVersionArn": "not-an-arn"}
    with pytest.raises(InvalidExecutionInput) as info:
        validate.lambda_handler(world.validate_event(raw), lambda_context)

    record_failure.lambda_handler(caught(raw, info.value), lambda_context)

    [item] = world.runs()
    assert (item["status"], item["jobType"]) == ("REJECTED", "Default")


def test_the_job_sagemaker_describes_gives_the_job_type(
    world: World, steps: Steps, clock: SimulatedClock, lambda_context: LambdaContext
) -> None:
    """The event's input says nothing of the job type; the job found under the run's name does."""
    advanced = world.input(**ADVANCED_LOAD_TEST)
    state = steps.started(advanced)
    clock.advance(300)
    without_type = {key: value for key, value in advanced.items() if key not in ADVANCED_LOAD_TEST}

    record_failure.lambda_handler(status_change("ABORTED", without_type, stopped_at=clock.now()), lambda_context)

    [item] = world.runs()
    assert (item["status"], item["jobType"], item["jobArn"]) == ("ABORTED", "Advanced", state["jobArn"])


def test_a_failure_without_a_cause_is_named_by_its_error(
    world: World, clock: SimulatedClock, lambda_context: LambdaContext
) -> None:
    result = record_failure.lambda_handler(
        status_change("FAILED", world.input(), stopped_at=clock.now(), error="States.Runtime", cause=None),
        lambda_context,
    )

    assert result["status"] == "ERROR"
    [item] = world.runs()
    assert item["failureReason"] == "States.Runtime"


def test_only_the_trailing_dots_of_the_reason_are_cut(
    world: World, steps: Steps, clock: SimulatedClock, lambda_context: LambdaContext
) -> None:
    state = steps.started()
    clock.advance(600)
    state = steps.check(state)
    assert state["poll"]["status"] == "IN_PROGRESS"

    record_failure.lambda_handler(caught(state, JobTimedOut("the run passed step X.")), lambda_context)

    assert world.calls(STOP) == [{"JobName": state["jobName"]}]
    [item] = world.runs()
    assert item["failureReason"] == f"the run passed step X; job {state['jobName']} was asked to stop"
