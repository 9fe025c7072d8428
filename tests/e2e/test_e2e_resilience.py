"""Retries, concurrency and clean-up: AWS calls answered with the services' real faults, a Start
step retried after its job was created, two executions racing for one endpoint, and an aborted
execution cleaned up by the EventBridge rule's event."""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

import pytest

from recommender.adapters.aws import TOTAL_ATTEMPTS
from simulator.faults import ServiceFault, botocore_retries, fault_named, throttling_fault
from simulator.offline import OfflineStack
from tests.e2e.support import (
    LOOP,
    Observed,
    assert_notifies,
    describe,
    failed_attempts,
    held_at_next_wait,
    mark,
    observe,
    retried_in_place,
    run_input,
    scenario,
    seed_eligible,
    started_at,
    status_change_event,
    wait_until,
)

SUCCESS_PATH = "Validate Endpoint -> Start Job -> ({loop}) x{polls} -> Publish Results -> Done"
# The handlers' clients make TOTAL_ATTEMPTS attempts per call (botocore standard mode) before giving up.
BOTOCORE_ATTEMPTS = TOTAL_ATTEMPTS
JOB_MINUTES = 10
# Publish Results flushes its (empty) metrics when it fails on a throttled call; Powertools warns.
pytestmark = pytest.mark.filterwarnings("ignore:No application metrics to publish:UserWarning")


def assert_one_completed_run(observed: Observed) -> dict[str, Any]:
    """The run succeeded with one job, one run item, one notification, and freed its endpoint."""
    assert observed.status == "SUCCEEDED", observed.execution.get("cause")
    assert observed.path == SUCCESS_PATH.format(loop=LOOP, polls=observed.polls)
    assert len({params["JobName"] for params in observed.calls_to("CreateInferenceRecommendationsJob")}) == 1
    assert observed.lock is None
    assert len(observed.items) == 1
    item = observed.item
    assert item["status"] == "COMPLETED"
    assert "notifiedAt" in item
    assert_notifies(observed.notification, item)
    return item


# ------------------------------------------------------------------------------ faults
@dataclass(frozen=True)
class FaultCase:
    service: str
    operation: str
    fault: str  # a simulator.faults catalogue name: what the service (or the network) really does
    times: int
    retried_state: str | None  # the state the state machine retries, when the step gives up

    @property
    def botocore_retries(self) -> bool:
        return botocore_retries(self.service, self.operation, fault_named(self.service, self.fault))


FAULTS = {
    # Within botocore's own attempts: the step never sees it.
    "sagemaker-describe-job": FaultCase(
        "sagemaker", "DescribeInferenceRecommendationsJob", "ThrottlingException", BOTOCORE_ATTEMPTS - 1, None
    ),
    "sagemaker-describe-job-read-timeout": FaultCase(
        "sagemaker", "DescribeInferenceRecommendationsJob", "ReadTimeoutError", BOTOCORE_ATTEMPTS - 1, None
    ),
    # Past botocore's attempts: the step fails with TransientAwsError and the state machine retries it.
    "dynamodb-put-item": FaultCase(
        "dynamodb", "PutItem", "ProvisionedThroughputExceededException", BOTOCORE_ATTEMPTS + 1, "Start Job"
    ),
    "sns-publish": FaultCase("sns", "Publish", "Throttled", BOTOCORE_ATTEMPTS + 1, "Publish Results"),
    # botocore never retries SNS's KMSThrottling (400, in no retry list): the step's first call fails.
    "sns-publish-kms-throttling": FaultCase("sns", "Publish", "KMSThrottling", 1, "Publish Results"),
}


def test_the_cases_use_the_services_real_codes() -> None:
    throttled = ("sagemaker-describe-job", "dynamodb-put-item", "sns-publish")
    for name in throttled:
        assert FAULTS[name].fault == throttling_fault(FAULTS[name].service).name
    assert [name for name, case in FAULTS.items() if not case.botocore_retries] == ["sns-publish-kms-throttling"]


@pytest.fixture(scope="module")
def faulted(world: OfflineStack, request: pytest.FixtureRequest) -> tuple[FaultCase, Observed]:
    case = FAULTS[request.param]
    endpoint = f"faulted-{request.param}"
    execution_input = seed_eligible(world, endpoint)
    world.fault(case.service, case.operation, case.fault, case.times)
    observed = run_input(world, scenario("completed", endpoint), execution_input, job_minutes=JOB_MINUTES)
    return case, observed


@pytest.mark.parametrize("faulted", list(FAULTS), indirect=True)
def test_faulted_calls_are_retried_until_the_run_succeeds(
    world: OfflineStack, faulted: tuple[FaultCase, Observed]
) -> None:
    case, observed = faulted
    assert world.faults_left()[(case.service, case.operation)] == 0  # every fault was met
    assert observed.status == "SUCCEEDED", observed.execution.get("cause")
    assert observed.path == SUCCESS_PATH.format(loop=LOOP, polls=observed.polls)
    failed = [i for i in observed.invocations if i.errored]
    if case.retried_state is None:
        assert failed == []
        assert failed_attempts(observed.history) == []
        return
    # The step gave up (after botocore's attempts, or at once for what botocore does not retry),
    # said so, and the state machine ran it again.
    (invocation,) = failed
    assert invocation.result["errorType"] == "TransientAwsError"
    fault = fault_named(case.service, case.fault)
    assert isinstance(fault, ServiceFault)
    tail = f"(reached max retries: {BOTOCORE_ATTEMPTS - 1})" if case.botocore_retries else f": {fault.message}"
    assert (
        f"({fault.reported_code}) when calling the {case.operation} operation {tail}".replace(" :", ":")
        in (invocation.result["errorMessage"])
    )
    assert failed_attempts(observed.history) == [(case.retried_state, "TransientAwsError")]
    assert retried_in_place(observed.history, case.retried_state)
    assert observed.states.count(case.retried_state) == 1


@pytest.mark.parametrize("faulted", list(FAULTS), indirect=True)
def test_faulted_run_leaves_one_job_one_item_and_one_notification(faulted: tuple[FaultCase, Observed]) -> None:
    _, observed = faulted
    assert len(observed.calls_to("CreateInferenceRecommendationsJob")) == 1
    assert_one_completed_run(observed)


def test_check_outlives_sagemaker_unreachable_past_botocore(world: OfflineStack) -> None:
    """SageMaker cannot be reached for longer than botocore's attempts: Check Job keeps the last
    known status and asks again later (no failed step, no state machine retry), and the run ends
    as if nothing happened."""
    endpoint = "e2e-sagemaker-unreachable"
    execution_input = seed_eligible(world, endpoint)
    world.fault("sagemaker", "DescribeInferenceRecommendationsJob", "EndpointConnectionError", BOTOCORE_ATTEMPTS + 1)
    observed = run_input(world, scenario("completed", endpoint), execution_input, job_minutes=JOB_MINUTES)

    assert world.faults_left()[("sagemaker", "DescribeInferenceRecommendationsJob")] == 0
    assert [i for i in observed.invocations if i.errored] == []
    assert failed_attempts(observed.history) == []
    assert_one_completed_run(observed)


# ------------------------------------------------------------------------------ Start retried
def test_start_retried_after_its_job_was_created_continues_with_that_job(world: OfflineStack) -> None:
    """Start Job creates the job, then its history query stays throttled past botocore's attempts:
    the state machine runs the whole step again, which must find its own job, not create another."""
    endpoint = "e2e-start-retried"
    execution_input = seed_eligible(world, endpoint)
    world.throttle("dynamodb", "Query", BOTOCORE_ATTEMPTS)
    observed = run_input(world, scenario("completed", endpoint), execution_input, job_minutes=JOB_MINUTES)

    item = assert_one_completed_run(observed)
    job_name = item["jobName"]
    assert failed_attempts(observed.history) == [("Start Job", "TransientAwsError")]
    assert retried_in_place(observed.history, "Start Job")
    starts = [i for i in observed.invocations if i.handler.startswith("recommender.handlers.start")]
    assert [i.errored for i in starts] == [True, False]
    assert "when calling the Query operation" in starts[0].result["errorMessage"]
    # The retry asked for the same job again, got ResourceInUse, described it and took it as its own.
    assert observed.calls[:3] == [
        ("CreateInferenceRecommendationsJob", observed.calls[0][1]),
        ("CreateInferenceRecommendationsJob", observed.calls[0][1]),
        ("DescribeInferenceRecommendationsJob", {"JobName": job_name}),
    ]
    assert observed.calls[0][1]["JobName"] == job_name
    (job,) = [j for j in world.fake.jobs() if j.request["InputConfig"]["Endpoints"] == [{"EndpointName": endpoint}]]
    assert job.name == job_name
    assert starts[1].result["jobArn"] == job.arn == item["jobArn"]


# ------------------------------------------------------------------------------ one endpoint, two runs
def test_two_executions_at_once_create_one_job_and_refuse_the_other(world: OfflineStack) -> None:
    endpoint = "e2e-busy"
    execution_input = seed_eligible(world, endpoint)
    world.fake.plan(duration_seconds=5 * 3600, endpoint_name=endpoint)  # still running when checked
    since = mark(world)
    arns = [world.start_execution(execution_input), world.start_execution(execution_input)]

    wait_until(lambda: any(describe(world, arn)["status"] != "RUNNING" for arn in arns), what="a run ended")
    (refused_arn,) = [arn for arn in arns if describe(world, arn)["status"] != "RUNNING"]
    (holder_arn,) = [arn for arn in arns if arn != refused_arn]
    refused_execution = describe(world, refused_arn)
    # The refused run did not release the lock, neither through its catch nor through the clean-up
    # rule's event for its FAILED execution: the other run still holds it.
    assert describe(world, holder_arn)["status"] == "RUNNING"
    lock = world.lock_item(endpoint)
    assert lock is not None
    assert lock["owner"] == holder_arn
    world.invoke_function("record_failure", status_change_event(refused_execution))
    assert describe(world, holder_arn)["status"] == "RUNNING"
    assert world.lock_item(endpoint) == lock

    world.clock.advance(5 * 3600)  # the holder's job completes: its next check sees it
    holder = observe(world, world.wait_for(holder_arn), endpoint, since)
    refused = observe(world, refused_execution, endpoint, since)
    # One job, created by the run holding the lock; nothing stopped.
    (create,) = holder.calls_to("CreateInferenceRecommendationsJob")
    assert holder.calls_to("StopInferenceRecommendationsJob") == []
    holder_item = holder.item
    assert create["JobName"] == holder_item["jobName"] == lock["jobName"]

    assert refused.status == "FAILED"
    assert refused.execution["error"] == "EndpointBusy"
    assert refused.path == "Validate Endpoint -> Start Job -> Record Failure -> Run Failed"
    refused_item = refused.item
    assert refused_item["status"] == "REJECTED"
    assert refused_item["failureReason"].startswith(
        f"endpoint {endpoint} is busy: execution {holder_arn} (job {holder_item['jobName']}) holds its lock until "
    )
    assert refused_item["jobName"] != holder_item["jobName"]
    assert "jobArn" not in refused_item

    assert holder.status == "SUCCEEDED"
    assert holder_item["status"] == "COMPLETED"
    assert holder.lock is None  # released by its owner at the end
    assert len(holder.items) == 2
    # One notification per run (the clean-up event added none).
    by_status = {n["attributes"]["status"]: n for n in holder.notifications}
    assert len(holder.notifications) == 2
    assert_notifies(by_status["REJECTED"], refused_item)
    assert_notifies(by_status["COMPLETED"], holder_item)


# ------------------------------------------------------------------------------ aborted execution
def test_aborted_execution_is_cleaned_up_from_the_status_change_event(world: OfflineStack) -> None:
    endpoint = "e2e-aborted"
    execution_input = seed_eligible(world, endpoint)
    world.fake.plan(duration_seconds=5 * 3600, endpoint_name=endpoint)
    since = mark(world)
    with held_at_next_wait(world) as waiting:
        arn = world.start_execution(execution_input)
        wait_until(waiting.is_set, what="the execution's first Wait For Job")
        world.sfn.stop_execution(executionArn=arn)
    aborted = world.wait_for(arn)
    assert aborted["status"] == "ABORTED"

    # Nothing in the state machine ran on abort: the job still runs and the lock is held.
    (create,) = [p for n, p in world.fake.calls[since.calls :] if n == "CreateInferenceRecommendationsJob"]
    job_name = create["JobName"]
    (job,) = [j for j in world.fake.jobs() if j.name == job_name]
    assert job.status() == "IN_PROGRESS"
    lock = world.lock_item(endpoint)
    assert lock is not None
    assert lock["owner"] == arn
    assert world.run_items(endpoint) == []

    event = status_change_event(aborted)
    answer = world.invoke_function("record_failure", event)
    started = started_at(aborted)
    assert answer == {"status": "ABORTED", "endpointName": endpoint, "runKey": f"RUN#{started}#{job_name}"}

    observed = observe(world, aborted, endpoint, since)
    assert observed.states == ["Validate Endpoint", "Start Job", "Wait For Job"]
    assert observed.calls_to("StopInferenceRecommendationsJob") == [{"JobName": job_name}]
    assert job.status() == "STOPPING"
    # Held for the stopping job only: the next run on this endpoint waits until it has stopped.
    assert observed.lock is not None
    assert observed.lock["draining"] == job_name
    item = observed.item
    assert len(observed.items) == 1
    assert item["status"] == "ABORTED"
    assert item["jobName"] == job_name
    assert item["jobArn"] == job.arn
    assert item["jobType"] == "Default"
    assert item["modelPackageVersionArn"] == execution_input["modelPackageVersionArn"]
    assert item["trigger"] == "manual"
    assert item["startedAt"] == started
    assert item["failureReason"] == f"the execution was aborted; job {job_name} was asked to stop"
    assert_notifies(observed.notification, item)
    assert "The execution was stopped; its job was stopped" in observed.notification["bodies"]["email"]

    # EventBridge delivers at least once: the same event again changes nothing.
    again = mark(world)
    assert world.invoke_function("record_failure", event) == answer
    assert world.run_items(endpoint) == observed.items
    assert world.published()[again.published :] == []
    assert [name for name, _ in world.fake.calls[again.calls :]] == ["DescribeInferenceRecommendationsJob"]
    assert (world.lock_item(endpoint) or {}).get("draining") == job_name  # the job is still stopping
    # Once it has stopped, a late delivery of the event frees the endpoint.
    world.clock.advance(world.fake.stop_delay_seconds)
    assert job.status() == "STOPPED"
    assert world.invoke_function("record_failure", event) == answer
    assert world.lock_item(endpoint) is None
