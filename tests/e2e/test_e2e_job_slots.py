"""The account's concurrent Inference Recommender jobs at their quota (`ResourceLimitExceeded` at
Start): a run waits for a slot with backoff, and never ends FAILED for it."""

from __future__ import annotations

from collections.abc import Iterator
from datetime import timedelta
from typing import Any

import boto3
import pytest

from recommender.models import parse_time
from simulator.fake_recommender import TERMINAL_STATUSES
from simulator.offline import REGION, OfflineStack
from tests.e2e.support import LOOP, failed_attempts, run, scenario, seed_eligible

BLOCKER_ROLE = "arn:aws:iam::123456789012:role/someone-else"


@pytest.fixture
def one_slot(world: OfflineStack) -> Iterator[None]:
    """The account may run one job at a time; the test takes that slot first (`take_the_slot`).
    Jobs that other tests of the shared world left running or stopping are let end first (the
    longest any test plans is 10 hours: at most a simulated day)."""
    for _ in range(144):
        now = world.clock.now().timestamp()
        if not any(job.status(now) not in TERMINAL_STATUSES for job in world.fake.jobs()):
            break
        world.clock.advance(600)
    else:
        pytest.fail("jobs of earlier tests still running after a simulated day")
    world.fake.max_active_jobs = 1
    try:
        yield
    finally:
        world.fake.max_active_jobs = None


def take_the_slot(world: OfflineStack, job: str, *, hours: float) -> None:
    """Another team's job on an endpoint of its own, running for `hours`."""
    execution_input = seed_eligible(world, f"{job}-endpoint")
    world.fake.plan(duration_seconds=hours * 3600, endpoint_name=f"{job}-endpoint", once=True)
    boto3.client("sagemaker", region_name=REGION).create_inference_recommendations_job(
        JobName=job,
        JobType="Default",
        RoleArn=BLOCKER_ROLE,
        InputConfig={
            "ModelPackageVersionArn": execution_input["modelPackageVersionArn"],
            "Endpoints": [{"EndpointName": execution_input["endpointName"]}],
        },
    )


def slot_waits(history: list[dict[str, Any]]) -> int:
    return sum(1 for state, error in failed_attempts(history) if (state, error) == ("Start Job", "JobSlotUnavailable"))


@pytest.mark.usefixtures("one_slot")
def test_a_run_waits_for_a_slot_then_completes(world: OfflineStack) -> None:
    chosen = scenario("completed", "e2e-slot-wait")
    take_the_slot(world, "e2e-slot-blocker", hours=2)
    started = world.clock.now()

    _, observed = run(world, chosen)

    assert observed.status == "SUCCEEDED", observed.execution.get("cause")
    assert observed.path == f"Validate Endpoint -> Start Job -> ({LOOP}) x{observed.polls} -> Publish Results -> Done"
    waits = slot_waits(observed.history)
    assert waits >= 4  # 1 + 2 + 4 + 8 minutes at most before the two hours are up, then 10 at most
    # Every refused create named this run's job; the one that went through came after the blocker ended.
    creates = observed.calls_to("CreateInferenceRecommendationsJob")
    assert len(creates) == waits + 1
    assert {call["JobName"] for call in creates} == {observed.item["jobName"]}
    blocker = next(job for job in world.fake.jobs() if job.name == "e2e-slot-blocker")
    ended = blocker.timeline()[-1][0]
    job = next(job for job in world.fake.jobs() if job.name == observed.item["jobName"])
    assert job.created_at >= ended
    # No slot was wasted: the job started within the longest wait (10 min) of the slot freeing.
    assert job.created_at - ended <= 600
    assert observed.item["status"] == "COMPLETED"
    assert (world.clock.now() - started).total_seconds() > 2 * 3600


@pytest.mark.usefixtures("one_slot")
def test_no_slot_before_the_deadline_ends_the_run_timed_out_not_failed(world: OfflineStack) -> None:
    chosen = scenario("completed", "e2e-slot-never")
    take_the_slot(world, "e2e-slot-hog", hours=10)

    _, observed = run(world, chosen)

    assert observed.status == "FAILED"  # the execution: it ends in Run Failed after Record Failure
    assert observed.path == "Validate Endpoint -> Start Job -> Record Failure -> Run Failed"
    item = observed.item
    assert item["status"] == "TIMED_OUT"
    deadline = (parse_time(item["startedAt"]) + timedelta(hours=6)).strftime("%Y-%m-%dT%H:%M:%SZ")  # maxRunHours
    assert item["failureReason"].startswith(
        f"no Inference Recommender job slot became free before the run's deadline {deadline} (the service: "
    )
    assert "jobArn" not in item  # no job was created, none is stopped
    assert slot_waits(observed.history) > 10
    assert observed.lock is None
    assert observed.notification["attributes"]["status"] == "TIMED_OUT"
    assert [job.name for job in world.fake.jobs() if job.name.endswith("e2e-slot-never")] == []
