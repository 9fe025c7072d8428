"""Record Failure: from a Catch and from the execution-status event; stop, record, notify, unlock, once."""

from __future__ import annotations

import json
from datetime import timedelta
from typing import Any

import pytest
from aws_lambda_powertools.utilities.typing import LambdaContext
from botocore.exceptions import ClientError
from botocore.stub import Stubber

from recommender.adapters import aws
from recommender.adapters.aws import TOTAL_ATTEMPTS
from recommender.errors import (
    EndpointBusy,
    EndpointNotEligible,
    InvalidExecutionInput,
    JobConflict,
    JobFailed,
    TransientAwsError,
)
from recommender.handlers import publish, record_failure, start, validate
from simulator.clock import SimulatedClock
from simulator.faults import FaultInjector
from simulator.seed import EndpointSpec, seed_endpoint
from tests.handlers.faults_fixture import backoff_fixture, faults_fixture  # noqa: F401  # fixtures
from tests.handlers.support import (
    ENDPOINT,
    JOB_ROLE_ARN,
    START,
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


def only_run(world: World, endpoint: str = ENDPOINT) -> dict[str, Any]:
    [item] = world.runs(endpoint)
    return item


def assert_draining(world: World, job_name: str, clock: SimulatedClock) -> None:
    """The lock outlives the run while its job, asked to stop, is still stopping (for an hour at most)."""
    lock = world.lock()
    assert lock is not None
    assert lock["draining"] == job_name
    assert lock["expiresAt"] == int(clock.now().timestamp()) + 3600


# --------------------------------------------------------------------------- rejected runs
def test_catch_of_endpoint_not_eligible(world: World, clock: SimulatedClock, lambda_context: LambdaContext) -> None:
    spec = EndpointSpec(name="shared-endpoint", instance_type="ml.t2.medium", multi_model=True)
    seed_endpoint(world.sagemaker, spec)
    execution_input = world.input(endpointName=spec.name, trigger="schedule:nightly")
    with pytest.raises(EndpointNotEligible) as info:
        validate.lambda_handler(world.validate_event(execution_input), lambda_context)
    clock.advance(2)

    result = record_failure.lambda_handler(caught(execution_input, info.value), lambda_context)

    key = run_key(expected_job_name(endpoint=spec.name))
    assert result == {"status": "REJECTED", "endpointName": spec.name, "runKey": key}
    item = only_run(world, spec.name)
    assert item["violations"] == info.value.violations
    assert item["violations"] == [
        "variant 'AllTraffic' runs on burstable ml.t2.medium, which Inference Recommender does not support",
        "endpoint hosts a multi-model container; only single-model endpoints qualify",
    ]
    assert item["failureReason"] == (
        "Endpoint is not eligible for an Inference Recommender job: endpoint shared-endpoint"
    )
    assert {k: item[k] for k in ("status", "jobName", "executionArn", "trigger", "modelPackageVersionArn")} == {
        "status": "REJECTED",
        "jobName": expected_job_name(endpoint=spec.name),
        "executionArn": execution_arn(),
        "trigger": "schedule:nightly",
        "modelPackageVersionArn": world.package_arn,
    }
    assert (item["startedAt"], item["finishedAt"], item["durationSeconds"]) == (
        STARTED_AT,
        "2026-11-25T03:00:02Z",
        2,
    )
    assert "jobArn" not in item
    assert world.fake.calls == []  # no job to describe or stop

    [message] = world.notifications()
    assert message.subject == "Inference recommendation REJECTED: shared-endpoint"
    assert message.attributes["status"] == "REJECTED"
    assert message.body["violations"] == item["violations"]
    [document] = world.published_documents()
    email = document["email"]
    for violation in item["violations"]:
        assert f"  - {violation}" in email.splitlines()
    assert "Nothing was started. Fix the problems listed and start a new execution." in email


def test_catch_of_invalid_input_with_an_unusable_endpoint_name(world: World, lambda_context: LambdaContext) -> None:
    raw = {"endpointName": "not a valid name!", "modelPackageVersionArn": world.package_arn, "colour": "blue"}
    with pytest.raises(InvalidExecutionInput) as info:
        validate.lambda_handler(world.validate_event(raw), lambda_context)

    result = record_failure.lambda_handler(caught(raw, info.value), lambda_context)

    head = expected_job_name(endpoint="x").removesuffix("-x")  # no endpoint name to add
    assert result == {"status": "REJECTED", "endpointName": "(invalid input)", "runKey": run_key(head)}
    item = only_run(world, "(invalid input)")
    assert item["violations"] == info.value.violations
    assert any(v.startswith("endpointName: ") for v in item["violations"])
    assert any(v.startswith("colour: unknown key") for v in item["violations"])
    assert item["failureReason"] == "Invalid execution input"
    assert world.fake.calls == []
    [message] = world.notifications()
    assert message.subject == "Inference recommendation REJECTED: (invalid input)"
    assert message.attributes["endpointName"] == "(invalid input)"


def test_catch_of_invalid_input_with_a_usable_endpoint_name(world: World, lambda_context: LambdaContext) -> None:
    raw = {"endpointName": ENDPOINT, "jobType": "Fast"}
    with pytest.raises(InvalidExecutionInput) as info:
        validate.lambda_handler(world.validate_event(raw), lambda_context)

    record_failure.lambda_handler(caught(raw, info.value), lambda_context)

    item = only_run(world)
    assert item["status"] == "REJECTED"
    assert sorted(item["violations"]) == sorted(info.value.violations)
    assert len(item["violations"]) == 2  # jobType and the missing modelPackageVersionArn
    assert "jobType" not in item  # "Fast" is not a job type
    assert world.runs("(invalid input)") == []


def test_advanced_shape_violations_survive_the_catch(world: World, lambda_context: LambdaContext) -> None:
    """A pass-through field with several shape errors: the record keeps every one of them."""
    traffic = {"TrafficType": "PHASES", "Phases": [{"InitialNumberOfUsers": "one", "SpawnRate": "two"}]}
    raw = world.input(jobType="Advanced", trafficPattern=traffic)
    with pytest.raises(InvalidExecutionInput) as info:
        validate.lambda_handler(world.validate_event(raw), lambda_context)
    reported = " ".join(info.value.violations)
    assert "InitialNumberOfUsers" in reported
    assert "SpawnRate" in reported

    record_failure.lambda_handler(caught(raw, info.value), lambda_context)

    stored = " ".join(only_run(world)["violations"])
    assert "InitialNumberOfUsers" in stored
    assert "SpawnRate" in stored


def test_catch_of_endpoint_busy_keeps_the_other_lock(
    world: World, steps: Steps, clock: SimulatedClock, lambda_context: LambdaContext
) -> None:
    holder = steps.started(name="run-1")
    clock.advance(60)
    second = steps.validate(name="run-2")
    with pytest.raises(EndpointBusy) as info:
        start.lambda_handler(second, lambda_context)

    result = record_failure.lambda_handler(caught(second, info.value, name="run-2"), lambda_context)

    assert result["status"] == "REJECTED"
    assert result["runKey"] == run_key(expected_job_name("run-2"))
    lock = world.lock()
    assert lock is not None
    assert lock["owner"] == execution_arn("run-1")  # the running execution keeps the endpoint
    assert world.calls(STOP) == []
    assert world.job_status(holder["jobName"]) == "IN_PROGRESS"
    [item] = [run for run in world.runs() if run["executionArn"] == execution_arn("run-2")]
    assert item["status"] == "REJECTED"
    assert execution_arn("run-1") in item["failureReason"]
    assert "jobArn" not in item
    assert len(world.notifications()) == 1


# --------------------------------------------------------------------------- failed jobs
def test_catch_of_a_failed_job(
    world: World, steps: Steps, clock: SimulatedClock, lambda_context: LambdaContext
) -> None:
    world.fake.plan("FAILED", duration_seconds=1500, failure_reason="All benchmarks failed.", failed_steps=3)
    state = steps.started()
    clock.advance(1500)
    with pytest.raises(JobFailed) as info:
        steps.check(state)
    stops_before = len(world.calls(STOP))

    result = record_failure.lambda_handler(caught(state, info.value), lambda_context)

    assert result == {"status": "FAILED", "endpointName": ENDPOINT, "runKey": run_key(state["jobName"])}
    item = only_run(world)
    assert item["status"] == "FAILED"
    assert item["failureReason"] == str(info.value)
    assert "All benchmarks failed." in item["failureReason"]
    assert "ml.c6i.xlarge" in item["failureReason"]  # every failed benchmark's reason
    assert item["jobArn"] == state["jobArn"]
    assert item["jobType"] == "Default"
    assert item["durationSeconds"] == 1500
    assert "violations" not in item
    assert len(world.calls(STOP)) == stops_before == 0  # it had already ended
    assert world.lock() is None
    [message] = world.notifications()
    assert message.subject == f"Inference recommendation FAILED: {ENDPOINT}"
    assert message.attributes == {
        "kind": "run",
        "endpointName": ENDPOINT,
        "status": "FAILED",
        "jobType": "Default",
        "regression": "false",  # on every message, for filter policies
        "verdict": "UNKNOWN",  # a failed run reaches no decision
    }
    assert message.body["failureReason"] == item["failureReason"]


@pytest.mark.parametrize(
    ("error", "status"),
    [
        (JobFailed("job is IN_PROGRESS, not COMPLETED"), "FAILED"),
        (TransientAwsError("transient AWS error, retry later: Rate exceeded"), "ERROR"),
        (RuntimeError("Task timed out after 30.00 seconds"), "ERROR"),
        (RuntimeError("The container ran out of memory."), "ERROR"),  # a sentence: no ".;" after it
    ],
    ids=["job-failed", "retries-exhausted", "unexpected", "unexpected-sentence"],
)
def test_catch_while_the_job_still_runs_stops_it(
    world: World,
    steps: Steps,
    clock: SimulatedClock,
    lambda_context: LambdaContext,
    *,
    error: Exception,
    status: str,
) -> None:
    state = steps.started()
    clock.advance(600)
    state = steps.check(state)
    assert state["poll"]["status"] == "IN_PROGRESS"

    result = record_failure.lambda_handler(caught(state, error), lambda_context)

    assert result["status"] == status
    assert world.calls(STOP) == [{"JobName": state["jobName"]}]
    assert world.job_status(state["jobName"]) == "STOPPING"
    item = only_run(world)
    assert item["failureReason"] == f"{str(error).rstrip('.')}; job {state['jobName']} was asked to stop"
    assert ".;" not in item["failureReason"]
    assert item["jobArn"] == state["jobArn"]
    assert_draining(world, state["jobName"], clock)
    assert len(world.notifications()) == 1


def test_catch_of_a_job_conflict_leaves_the_other_job_alone(
    world: World, steps: Steps, clock: SimulatedClock, lambda_context: LambdaContext
) -> None:
    state = steps.validate()
    other_package = world.package_arn[:-1] + "2"
    world.sagemaker.create_inference_recommendations_job(
        JobName=state["jobName"],
        JobType="Default",
        RoleArn=JOB_ROLE_ARN,
        InputConfig={"ModelPackageVersionArn": other_package, "Endpoints": [{"EndpointName": ENDPOINT}]},
    )
    with pytest.raises(JobConflict) as info:
        start.lambda_handler(state, lambda_context)
    clock.advance(120)

    record_failure.lambda_handler(caught(state, info.value), lambda_context)

    # The job under this name is not this run's: it must not be stopped nor reported as this run's.
    assert world.calls(STOP) == []
    assert world.job_status(state["jobName"]) == "IN_PROGRESS"
    item = only_run(world)
    assert "jobArn" not in item
    assert world.lock() is None  # this run's own lock is released


# --------------------------------------------------------------------------- execution status events
@pytest.mark.parametrize(("execution_status", "words"), [("ABORTED", "aborted"), ("TIMED_OUT", "timed out")])
def test_execution_ended_while_the_job_runs(
    world: World,
    steps: Steps,
    clock: SimulatedClock,
    lambda_context: LambdaContext,
    *,
    execution_status: str,
    words: str,
) -> None:
    execution_input = world.input(jobType="Default", trigger="schedule:weekly")
    state = steps.started(execution_input)
    clock.advance(900)
    assert world.job_status(state["jobName"]) == "IN_PROGRESS"

    result = record_failure.lambda_handler(
        status_change(execution_status, execution_input, stopped_at=clock.now()), lambda_context
    )

    assert result == {"status": execution_status, "endpointName": ENDPOINT, "runKey": run_key(state["jobName"])}
    assert world.calls(STOP) == [{"JobName": state["jobName"]}]
    assert world.job_status(state["jobName"]) == "STOPPING"
    assert_draining(world, state["jobName"], clock)
    item = only_run(world)
    assert item["status"] == execution_status
    assert item["failureReason"] == f"the execution was {words}; job {state['jobName']} was asked to stop"
    assert (item["jobArn"], item["jobType"], item["trigger"]) == (state["jobArn"], "Default", "schedule:weekly")
    assert (item["startedAt"], item["durationSeconds"]) == (STARTED_AT, 900)
    [message] = world.notifications()
    assert message.attributes == {
        "kind": "run",
        "endpointName": ENDPOINT,
        "status": execution_status,
        "jobType": "Default",
        "regression": "false",
        "verdict": "UNKNOWN",
    }


def test_aborted_before_any_job_existed(world: World, lambda_context: LambdaContext) -> None:
    result = record_failure.lambda_handler(status_change("ABORTED", world.input(jobType="Default")), lambda_context)

    assert result["status"] == "ABORTED"
    assert [name for name, _ in world.fake.calls] == ["DescribeInferenceRecommendationsJob"]
    item = only_run(world)
    assert item["failureReason"] == "the execution was aborted"
    assert "jobArn" not in item


def test_aborted_default_run_keeps_its_job_type(
    world: World, steps: Steps, clock: SimulatedClock, lambda_context: LambdaContext
) -> None:
    """Most inputs leave jobType out: the run is still a Default one, for records and filter policies."""
    execution_input = world.input()  # no jobType: Default by the input contract
    state = steps.started(execution_input)
    assert state["request"]["jobType"] == "Default"
    clock.advance(300)

    record_failure.lambda_handler(status_change("ABORTED", execution_input, stopped_at=clock.now()), lambda_context)

    assert only_run(world).get("jobType") == "Default"
    [message] = world.notifications()
    assert message.attributes["jobType"] == "Default"


def test_failure_recorded_twice(
    world: World, steps: Steps, clock: SimulatedClock, lambda_context: LambdaContext
) -> None:
    """The Catch records the failure; the execution then fails and the status-change rule reports it too."""
    world.fake.plan("FAILED", duration_seconds=1500)
    execution_input = world.input()
    state = steps.started(execution_input)
    clock.advance(1500)
    with pytest.raises(JobFailed) as info:
        steps.check(state)
    catch_output = caught(state, info.value)
    first = record_failure.lambda_handler(catch_output, lambda_context)
    [recorded] = world.runs()
    clock.advance(600)  # EventBridge delivers later, with its own view of the failure

    again = record_failure.lambda_handler(
        status_change(
            "FAILED",
            execution_input,
            stopped_at=clock.now(),
            error=catch_output["state"]["error"]["Error"],
            cause=catch_output["state"]["error"]["Cause"],
        ),
        lambda_context,
    )

    assert again == first
    assert world.runs() == [recorded]  # first story kept: finishedAt, duration, reason
    assert recorded["finishedAt"] == "2026-11-25T03:25:00Z"
    assert len(world.notifications()) == 1
    assert world.calls(STOP) == []


def test_first_story_kept_when_its_notification_failed(
    world: World, steps: Steps, clock: SimulatedClock, lambda_context: LambdaContext, faults: FaultInjector
) -> None:
    """SNS throttled Record Failure in the Catch path until its retries ran out, so the execution failed
    with TransientAwsError. The status-change event then tells another story (ERROR): the run keeps
    the Catch's (FAILED), and that story is the one notified, once."""
    world.fake.plan("FAILED", duration_seconds=1500, failure_reason="Model container crashed.")
    execution_input = world.input(jobType="Default")
    state = steps.started(execution_input)
    clock.advance(1500)
    with pytest.raises(JobFailed) as info:
        steps.check(state)
    # SNS's real throttling answer (Throttled, 429) to every attempt botocore makes.
    faults.fault("sns", "Publish", "Throttled", times=TOTAL_ATTEMPTS)
    with pytest.raises(TransientAwsError, match=r"\(Throttled\) when calling the Publish operation \(reached max"):
        record_failure.lambda_handler(caught(state, info.value), lambda_context)
    assert faults.faults_left() == {("sns", "Publish"): 0}  # botocore retried it by itself
    [stored] = world.runs()
    assert (stored["status"], "notifiedAt" in stored) == ("FAILED", False)
    clock.advance(120)
    cause = json.dumps({"errorMessage": "transient AWS error, retry later: Rate exceeded"})

    result = record_failure.lambda_handler(
        status_change("FAILED", execution_input, stopped_at=clock.now(), error="TransientAwsError", cause=cause),
        lambda_context,
    )

    assert result["status"] == "FAILED"
    [item] = world.runs()
    assert item["status"] == "FAILED"
    assert "Model container crashed." in item["failureReason"]
    assert item["finishedAt"] == stored["finishedAt"]
    [message] = world.notifications()
    assert message.attributes["status"] == "FAILED"
    assert message.body["failureReason"] == item["failureReason"]
    assert world.lock() is None


def test_late_failure_never_replaces_a_completed_run(
    world: World, steps: Steps, clock: SimulatedClock, lambda_context: LambdaContext
) -> None:
    """Publish succeeded but its Lambda was reported as timed out: the Catch must not rewrite the run."""
    state = steps.completed(clock)
    publish.lambda_handler(state, lambda_context)
    [completed] = world.runs()
    world.notifications()
    clock.advance(30)

    timed_out = {"execution": state["execution"], "state": {**state, "error": {"Error": "States.Timeout"}}}
    result = record_failure.lambda_handler(timed_out, lambda_context)

    assert result["status"] == "COMPLETED"
    assert world.runs() == [completed]
    assert world.notifications() == []
    assert world.calls(STOP) == []


def test_event_for_a_failure_without_a_catch(
    world: World, steps: Steps, clock: SimulatedClock, lambda_context: LambdaContext
) -> None:
    """E.g. Record Failure itself failed in the Catch path: the event is the only report."""
    execution_input = world.input(jobType="Default")
    state = steps.started(execution_input)
    clock.advance(timedelta(minutes=20).total_seconds())
    cause = json.dumps({"errorMessage": "Unable to import module", "errorType": "Runtime.ImportModuleError"})

    result = record_failure.lambda_handler(
        status_change(
            "FAILED", execution_input, stopped_at=clock.now(), error="Runtime.ImportModuleError", cause=cause
        ),
        lambda_context,
    )

    assert result["status"] == "ERROR"
    assert world.calls(STOP) == [{"JobName": state["jobName"]}]
    item = only_run(world)
    assert item["failureReason"] == f"Unable to import module; job {state['jobName']} was asked to stop"
    assert_draining(world, state["jobName"], clock)
    assert len(world.notifications()) == 1
    assert (START + timedelta(minutes=20)).strftime("%Y-%m-%dT%H:%M:%SZ") == item["finishedAt"]


# --------------------------------------------------------------------------- the lock after a failure
def test_the_next_run_waits_until_the_stopped_job_has_stopped(
    world: World, steps: Steps, clock: SimulatedClock, lambda_context: LambdaContext
) -> None:
    """A run that failed with its job still running asks it to stop; the job is STOPPING for a
    while, load-testing the endpoint. The next run must not start beside it."""
    world.fake.stop_delay_seconds = 300
    state = steps.started()
    clock.advance(600)
    record_failure.lambda_handler(caught(state, JobFailed("the model crashed")), lambda_context)
    assert world.job_status(state["jobName"]) == "STOPPING"

    clock.advance(60)
    with pytest.raises(EndpointBusy, match=f"job {state['jobName']} of execution .* is still STOPPING"):
        steps.started(name="run-2")
    assert len(world.fake.jobs()) == 1  # no second job

    clock.advance(300)  # STOPPED now: the next run takes the lock over
    second = steps.started(name="run-2")
    assert world.job_status(second["jobName"]) == "PENDING"
    lock = world.lock()
    assert lock is not None
    assert lock["owner"] == execution_arn("run-2")
    assert "draining" not in lock


@pytest.mark.parametrize(
    ("code", "http_status"), [("Throttled", 429), ("KMSDisabled", 400), ("AuthorizationError", 403)]
)
def test_a_refused_failure_notification_never_keeps_the_endpoint_locked(
    world: World, steps: Steps, clock: SimulatedClock, lambda_context: LambdaContext, *, code: str, http_status: int
) -> None:
    world.fake.plan("FAILED", duration_seconds=600, failure_reason="Model container crashed.")
    state = steps.started()
    clock.advance(700)
    assert world.job_status(state["jobName"]) == "FAILED"
    with Stubber(aws.client("sns")) as stubber:
        stubber.add_client_error("publish", service_error_code=code, http_status_code=http_status)
        with pytest.raises((TransientAwsError, ClientError)):
            record_failure.lambda_handler(caught(state, JobFailed("job failed")), lambda_context)
    assert world.lock() is None  # recorded, the job ended: the endpoint is free whatever SNS said
    item = only_run(world)
    assert item["status"] == "FAILED"
    assert "notifiedAt" not in item
