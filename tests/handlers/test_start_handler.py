"""Start Job against moto and the fake Inference Recommender: lock, job request, idempotency."""

from __future__ import annotations

from typing import Any

import pytest
from aws_lambda_powertools.utilities.typing import LambdaContext

from recommender.errors import EndpointBusy, JobConflict, JobSlotUnavailable, JobStopped, JobTimedOut
from recommender.handlers import start
from recommender.models import parse_time
from simulator.clock import SimulatedClock
from simulator.seed import EndpointSpec, seed_endpoint
from tests.handlers.support import (
    ACCOUNT,
    ENDPOINT,
    JOB_ROLE_ARN,
    LOCK_GRACE_SECONDS,
    REGION,
    START,
    Steps,
    World,
    execution_arn,
    expected_job_name,
    run_key,
)

CREATE = "CreateInferenceRecommendationsJob"
DEADLINE_EPOCH = int(START.timestamp()) + 6 * 3600


def test_creates_one_job_with_the_right_request(world: World, steps: Steps, lambda_context: LambdaContext) -> None:
    state = steps.validate()

    started = start.lambda_handler(state, lambda_context)

    job_name = expected_job_name()
    [request] = world.calls(CREATE)
    assert request == {
        "JobName": job_name,
        "JobType": "Default",
        "RoleArn": JOB_ROLE_ARN,
        "InputConfig": {
            "ModelPackageVersionArn": world.package_arn,
            "Endpoints": [{"EndpointName": ENDPOINT}],
        },
        "JobDescription": f"Right-sizing check of {ENDPOINT} (manual)",
    }
    [job] = world.fake.jobs()
    assert job.name == job_name
    assert (
        started["jobArn"] == job.arn == f"arn:aws:sagemaker:{REGION}:{ACCOUNT}:inference-recommendations-job/{job_name}"
    )
    # Without history: the first wait is pollInitialSeconds.
    assert started["poll"] == {"status": "PENDING", "checks": 0, "nextWaitSeconds": 60}
    # Everything Validate produced is carried on unchanged.
    assert {k: v for k, v in started.items() if k not in ("jobArn", "poll")} == state


def test_writes_the_endpoint_lock(world: World, steps: Steps, lambda_context: LambdaContext) -> None:
    start.lambda_handler(steps.validate(), lambda_context)

    lock = world.raw_item(ENDPOINT, "LOCK")
    assert lock is not None
    assert lock["owner"] == {"S": execution_arn()}
    assert lock["jobName"] == {"S": expected_job_name()}
    assert lock["expiresAt"] == {"N": str(DEADLINE_EPOCH + LOCK_GRACE_SECONDS)}  # a number, for the TTL
    assert lock["acquiredAt"] == {"N": str(int(START.timestamp()))}


def test_advanced_fields_are_passed_through(world: World, steps: Steps, lambda_context: LambdaContext) -> None:
    traffic = {
        "TrafficType": "PHASES",
        "Phases": [{"InitialNumberOfUsers": 2, "SpawnRate": 2, "DurationInSeconds": 300}],
    }
    stopping = {"MaxInvocations": 300, "ModelLatencyThresholds": [{"Percentile": "P95", "ValueInMilliseconds": 100}]}
    limit = {"MaxNumberOfTests": 10, "MaxParallelOfTests": 2}
    state = steps.validate(
        world.input(
            jobType="Advanced",
            jobDescription="quarterly sizing",
            jobDurationInSeconds=7200,
            trafficPattern=traffic,
            stoppingConditions=stopping,
            resourceLimit=limit,
        )
    )

    start.lambda_handler(state, lambda_context)

    [request] = world.calls(CREATE)
    assert request["JobType"] == "Advanced"
    assert request["JobDescription"] == "quarterly sizing"
    assert request["RoleArn"] == JOB_ROLE_ARN
    assert request["InputConfig"] == {
        "ModelPackageVersionArn": world.package_arn,
        "Endpoints": [{"EndpointName": ENDPOINT}],
        "JobDurationInSeconds": 7200,
        "TrafficPattern": traffic,
        "ResourceLimit": limit,
    }
    assert request["StoppingConditions"] == stopping


def _completed_run(
    world: World,
    job_type: str,
    duration: int,
    *,
    started_at: str,
    status: str = "COMPLETED",
    endpoint: str = ENDPOINT,
) -> None:
    job_name = f"ir-orchestrator-earlier{duration}-{endpoint}"
    world.put_item(
        {
            "endpointName": {"S": endpoint},
            "runKey": {"S": run_key(job_name, started_at)},
            "status": {"S": status},
            "jobName": {"S": job_name},
            "jobType": {"S": job_type},
            "startedAt": {"S": started_at},
            "durationSeconds": {"N": str(duration)},
        }
    )


def test_history_sets_the_first_wait(
    world: World, steps: Steps, clock: SimulatedClock, lambda_context: LambdaContext
) -> None:
    _completed_run(world, "Default", 2700, started_at="2026-11-18T03:00:00Z")
    _completed_run(world, "Default", 1200, started_at="2026-11-11T03:00:00Z", status="FAILED")  # not a guide
    _completed_run(world, "Advanced", 600, started_at="2026-11-04T03:00:00Z")  # another job type
    state = steps.validate()
    clock.advance(30)  # Start runs 30 s into the execution

    started = start.lambda_handler(state, lambda_context)

    # Wake a pollInitialSeconds before the shortest earlier duration, counted from the run's start.
    assert started["poll"] == {
        "status": "PENDING",
        "checks": 0,
        "nextWaitSeconds": 2700 - 60 - 30,
        "historySeconds": 2700,
    }


def test_a_first_run_uses_the_accounts_runs_of_the_job_type(
    world: World, steps: Steps, lambda_context: LambdaContext
) -> None:
    # This endpoint has never run; others have (one Query on the byJobType index, any endpoint).
    _completed_run(world, "Default", 2700, started_at="2026-11-18T03:00:00Z", endpoint="other-endpoint")
    _completed_run(world, "Default", 2400, started_at="2026-11-17T03:00:00Z", endpoint="third-endpoint")
    _completed_run(world, "Default", 600, started_at="2026-11-16T03:00:00Z", endpoint="x", status="FAILED")
    _completed_run(world, "Advanced", 900, started_at="2026-11-15T03:00:00Z", endpoint="other-endpoint")
    started = start.lambda_handler(steps.validate(), lambda_context)
    assert started["poll"]["historySeconds"] == 2400
    assert started["poll"]["nextWaitSeconds"] == 2400 - 60


def test_the_endpoints_own_runs_come_before_the_accounts(
    world: World, steps: Steps, lambda_context: LambdaContext
) -> None:
    _completed_run(world, "Default", 3000, started_at="2026-11-18T03:00:00Z")
    _completed_run(world, "Default", 900, started_at="2026-11-17T03:00:00Z", endpoint="other-endpoint")
    started = start.lambda_handler(steps.validate(), lambda_context)
    assert started["poll"]["historySeconds"] == 3000


def test_no_run_anywhere_in_the_account_means_no_history(
    world: World, steps: Steps, lambda_context: LambdaContext
) -> None:
    _completed_run(world, "Advanced", 900, started_at="2026-11-17T03:00:00Z", endpoint="other-endpoint")
    started = start.lambda_handler(steps.validate(), lambda_context)
    assert "historySeconds" not in started["poll"]
    assert started["poll"]["nextWaitSeconds"] == 60


def test_history_takes_the_shortest_earlier_run(world: World, steps: Steps, lambda_context: LambdaContext) -> None:
    _completed_run(world, "Default", 2700, started_at="2026-11-18T03:00:00Z")
    _completed_run(world, "Default", 1800, started_at="2026-11-11T03:00:00Z")
    started = start.lambda_handler(steps.validate(), lambda_context)
    assert started["poll"]["historySeconds"] == 1800
    assert started["poll"]["nextWaitSeconds"] == 1800 - 60


def test_lock_contention(world: World, steps: Steps, lambda_context: LambdaContext) -> None:
    first = steps.started(name="run-1")
    second = steps.validate(name="run-2")

    with pytest.raises(EndpointBusy) as info:
        start.lambda_handler(second, lambda_context)

    # The message tells a person who holds the endpoint and until when.
    assert execution_arn("run-1") in str(info.value)
    assert first["jobName"] in str(info.value)
    assert len(world.calls(CREATE)) == 1
    assert [job.name for job in world.fake.jobs()] == [first["jobName"]]
    lock = world.lock()
    assert lock is not None
    assert lock["owner"] == execution_arn("run-1")


def test_other_endpoints_are_not_locked(world: World, steps: Steps, lambda_context: LambdaContext) -> None:
    seed_endpoint(world.sagemaker, EndpointSpec(name="other-endpoint"))
    steps.started(name="run-1")
    other = start.lambda_handler(
        steps.validate(world.input(endpointName="other-endpoint"), name="run-2"), lambda_context
    )
    assert other["jobArn"].endswith(expected_job_name("run-2", "other-endpoint"))
    assert len(world.fake.jobs()) == 2


@pytest.mark.parametrize(("expires_in", "taken_over"), [(-1, True), (0, False), (3600, False)])
def test_lock_expiry(
    world: World, steps: Steps, lambda_context: LambdaContext, expires_in: int, taken_over: bool
) -> None:
    """A lock past its own expiresAt is free even if TTL has not deleted it yet (TTL lags by days)."""
    stale_owner = execution_arn("crashed-run")
    world.put_item(
        {
            "endpointName": {"S": ENDPOINT},
            "runKey": {"S": "LOCK"},
            "owner": {"S": stale_owner},
            "jobName": {"S": "ir-orchestrator-0000000000000000-demo-endpoint"},
            "acquiredAt": {"N": str(int(START.timestamp()) - 30_000)},
            "expiresAt": {"N": str(int(START.timestamp()) + expires_in)},
        }
    )
    state = steps.validate()

    if taken_over:
        started = start.lambda_handler(state, lambda_context)
        assert started["jobArn"].endswith(expected_job_name())
        lock = world.lock()
        assert lock is not None
        assert (lock["owner"], lock["expiresAt"]) == (execution_arn(), DEADLINE_EPOCH + LOCK_GRACE_SECONDS)
    else:
        with pytest.raises(EndpointBusy, match="crashed-run"):
            start.lambda_handler(state, lambda_context)
        assert world.calls(CREATE) == []
        lock = world.lock()
        assert lock is not None
        assert lock["owner"] == stale_owner


def test_retried_after_the_job_was_created(
    world: World, steps: Steps, clock: SimulatedClock, lambda_context: LambdaContext
) -> None:
    """Lambda timed out after CreateInferenceRecommendationsJob succeeded; the state machine retries."""
    state = steps.validate()
    first = start.lambda_handler(state, lambda_context)
    clock.advance(5)

    again = start.lambda_handler(state, lambda_context)

    assert [job.name for job in world.fake.jobs()] == [state["jobName"]]
    assert again["jobArn"] == first["jobArn"]
    assert again["poll"]["status"] == "PENDING"
    assert len(world.calls(CREATE)) == 2  # the retry's create was refused (ResourceInUse)
    lock = world.lock()
    assert lock is not None
    assert lock["owner"] == execution_arn()


@pytest.mark.parametrize("difference", ["endpoint", "model package", "job type"])
def test_a_job_with_this_name_that_is_not_ours(
    world: World, steps: Steps, lambda_context: LambdaContext, difference: str
) -> None:
    state = steps.validate()
    seed_endpoint(world.sagemaker, EndpointSpec(name="someone-elses"))
    endpoint = "someone-elses" if difference == "endpoint" else ENDPOINT
    package = world.package_arn[:-1] + "2" if difference == "model package" else world.package_arn
    input_config: dict[str, Any] = {"ModelPackageVersionArn": package, "Endpoints": [{"EndpointName": endpoint}]}
    load_test: dict[str, Any] = {}
    if difference == "job type":  # a load test needs a traffic pattern and stopping conditions
        input_config["TrafficPattern"] = {
            "TrafficType": "PHASES",
            "Phases": [{"InitialNumberOfUsers": 1, "SpawnRate": 1, "DurationInSeconds": 120}],
        }
        load_test["StoppingConditions"] = {"MaxInvocations": 300}
    world.sagemaker.create_inference_recommendations_job(
        JobName=state["jobName"],
        JobType="Advanced" if difference == "job type" else "Default",
        RoleArn=JOB_ROLE_ARN,
        InputConfig=input_config,  # type: ignore[arg-type]
        **load_test,
    )

    with pytest.raises(JobConflict, match=state["jobName"]):
        start.lambda_handler(state, lambda_context)

    [job] = world.fake.jobs()
    assert job.request["InputConfig"]["ModelPackageVersionArn"] == package  # the other job is untouched


def _quota_used_up(world: World) -> None:
    """One slot in the account, taken by another job that runs for a day."""
    world.fake.max_active_jobs = 1
    world.fake.plan(duration_seconds=24 * 3600, once=True)
    world.sagemaker.create_inference_recommendations_job(
        JobName="someone-elses-job",
        JobType="Default",
        RoleArn=JOB_ROLE_ARN,
        InputConfig={"ModelPackageVersionArn": world.package_arn},
    )


def test_a_used_up_job_quota_means_waiting_for_a_slot(
    world: World, steps: Steps, lambda_context: LambdaContext
) -> None:
    _quota_used_up(world)
    state = steps.validate()

    with pytest.raises(JobSlotUnavailable) as info:
        start.lambda_handler(state, lambda_context)

    assert str(info.value).startswith(
        "the account runs as many Inference Recommender jobs as its quota allows (the service: "
    )
    assert str(info.value).endswith(f"waiting for a slot until {state['deadline']}")
    assert [job.name for job in world.fake.jobs()] == ["someone-elses-job"]
    assert len(world.calls(CREATE)) == 2  # the other job's and the refused one
    # The run keeps the endpoint while it waits: the retry takes its own lock again.
    lock = world.lock(state["request"]["endpointName"])
    assert lock is not None
    assert lock["owner"] == state["execution"]["id"]

    # A slot frees: the retried step creates the job.
    world.fake.max_active_jobs = None
    done = start.lambda_handler(state, lambda_context)
    assert done["jobArn"].endswith(f"/{state['jobName']}")


def test_no_slot_by_the_deadline_times_the_run_out(
    world: World, steps: Steps, clock: SimulatedClock, lambda_context: LambdaContext
) -> None:
    _quota_used_up(world)
    state = steps.validate()
    clock.advance((parse_time(state["deadline"]) - clock.now()).total_seconds())

    with pytest.raises(JobTimedOut) as info:
        start.lambda_handler(state, lambda_context)

    assert str(info.value).startswith(
        f"no Inference Recommender job slot became free before the run's deadline {state['deadline']} (the service: "
    )
    assert str(info.value).endswith("); no job was created")


def test_endpoint_names_differing_in_case_share_one_lock(
    world: World, steps: Steps, lambda_context: LambdaContext
) -> None:
    # SageMaker endpoint names are case-insensitive: Demo-Endpoint is demo-endpoint.
    first = steps.started(name="run-1")
    second = steps.validate(name="run-2")
    second["request"]["endpointName"] = ENDPOINT.title()  # "Demo-Endpoint"

    with pytest.raises(EndpointBusy, match=first["jobName"]):
        start.lambda_handler(second, lambda_context)
    assert len(world.fake.jobs()) == 1


def test_aborted_while_start_ran_stops_the_job_it_created(
    world: World, steps: Steps, clock: SimulatedClock, lambda_context: LambdaContext
) -> None:
    """The execution was aborted while Start's Lambda ran (an abort does not stop a running
    Lambda): the clean-up already recorded the run, before the job existed. Start must stop it."""
    state = steps.validate()
    sfn = world.session.client("stepfunctions")
    machine = sfn.list_state_machines()["stateMachines"][0]["stateMachineArn"]
    sfn.start_execution(stateMachineArn=machine, name="run-1")
    sfn.stop_execution(executionArn=execution_arn())

    with pytest.raises(JobStopped, match="execution run-1 is ABORTED"):
        start.lambda_handler(state, lambda_context)

    [job] = world.fake.jobs()
    assert world.calls("StopInferenceRecommendationsJob") == [{"JobName": job.name}]
    assert world.job_status(job.name) == "STOPPING"
    lock = world.lock()  # held for the stopping job only: the next run waits for it to stop
    assert lock is not None
    assert lock["draining"] == job.name
    clock.advance(60)
    steps.started(name="run-2")  # stopped now: the endpoint is free again


def test_a_reused_execution_name_never_adopts_the_old_job(
    world: World, steps: Steps, clock: SimulatedClock, lambda_context: LambdaContext
) -> None:
    """Step Functions allows a Standard execution name again 90 days after it ended. The old run's
    COMPLETED job must not be adopted (it would be republished with a negative duration)."""
    old_start = "2026-08-01T03:00:00Z"
    old_name = expected_job_name(started_at=old_start)
    world.sagemaker.create_inference_recommendations_job(
        JobName=old_name,
        JobType="Default",
        RoleArn=JOB_ROLE_ARN,
        InputConfig={"ModelPackageVersionArn": world.package_arn, "Endpoints": [{"EndpointName": ENDPOINT}]},
    )
    state = steps.validate()  # the same execution name, started now
    assert state["jobName"] == expected_job_name() != old_name

    started = start.lambda_handler(state, lambda_context)

    assert started["jobArn"].endswith(expected_job_name())
    assert [job.name for job in world.fake.jobs()] == [old_name, expected_job_name()]


def test_a_job_under_this_name_older_than_the_run_is_not_ours(
    world: World, steps: Steps, clock: SimulatedClock, lambda_context: LambdaContext
) -> None:
    state = steps.validate()
    world.sagemaker.create_inference_recommendations_job(
        JobName=state["jobName"],
        JobType="Default",
        RoleArn=JOB_ROLE_ARN,
        InputConfig={"ModelPackageVersionArn": world.package_arn, "Endpoints": [{"EndpointName": ENDPOINT}]},
    )
    late = {**state, "startedAt": "2026-11-25T04:00:00Z"}  # the run began an hour after that job
    clock.advance(3600)

    with pytest.raises(JobConflict, match=state["jobName"]):
        start.lambda_handler(late, lambda_context)
