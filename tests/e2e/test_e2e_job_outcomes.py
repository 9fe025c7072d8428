"""Jobs that do not complete: FAILED (with each failed benchmark's reason), STOPPED outside the
workflow, and still running at the run's deadline (stopped by the workflow, TIMED_OUT)."""

from __future__ import annotations

from typing import Any

import pytest

from recommender.models import iso, parse_time
from simulator.offline import OfflineStack
from tests.e2e.support import (
    LOOP,
    Observed,
    after,
    assert_notifies,
    configured,
    mark,
    run,
    scenario,
    started_at,
    status_change_event,
)

FAILURE_REASON = "2 of 3 benchmarks failed; see ListInferenceRecommendationsJobSteps."
STEP_FAILURE_REASON = "CUDA error: out of memory while loading the model (container exited with code 137)"


def failed_path(observed: Observed) -> str:
    """Polled until the job ended, then the catch: Record Failure and the Fail state. One poll
    when Start slept straight to the job's end (the account's earlier runs of the job type)."""
    loop = f"({LOOP}) x{observed.polls - 1} -> " if observed.polls > 1 else ""
    return f"Validate Endpoint -> Start Job -> {loop}Wait For Job -> Check Job -> Record Failure -> Run Failed"


def assert_failed_run(observed: Observed, error: str, status: str, *, stopping: bool = False) -> dict[str, Any]:
    """`stopping`: the job was asked to stop and was still stopping when the run ended."""
    assert observed.status == "FAILED"
    assert observed.execution["error"] == error
    assert observed.path == failed_path(observed)
    (create,) = observed.calls_to("CreateInferenceRecommendationsJob")
    if stopping:  # held for the stopping job only: the next run waits until it has stopped
        assert observed.lock is not None
        assert observed.lock["draining"] == create["JobName"]
    else:
        assert observed.lock is None  # released by Record Failure
    item = observed.item
    assert len(observed.items) == 1
    assert item["status"] == status
    assert item["jobName"] == create["JobName"]
    assert item["jobArn"].endswith(f":inference-recommendations-job/{create['JobName']}")
    assert item["jobType"] == "Default"
    assert item["trigger"] == "manual"
    assert item["startedAt"] == started_at(observed.execution)
    assert item["failureReason"] == observed.error_message
    assert "violations" not in item
    assert "recommendations" not in item
    assert_notifies(observed.notification, item)
    return item


@pytest.fixture(scope="module")
def failed(world: OfflineStack) -> Observed:
    endpoint = "e2e-failed"
    world.fake.plan(
        outcome="FAILED",
        duration_seconds=30 * 60,
        failure_reason=FAILURE_REASON,
        failed_steps=2,
        step_failure_reason=STEP_FAILURE_REASON,
        endpoint_name=endpoint,
        once=True,  # before the scenario's own plan for the endpoint
    )
    return run(world, scenario("failed", endpoint))[1]


def test_failed_job_is_recorded_with_each_failed_benchmarks_reason(failed: Observed) -> None:
    item = assert_failed_run(failed, "JobFailed", "FAILED")
    job = item["jobName"]
    # The endpoint runs ml.m5.xlarge: the service benchmarked the three other candidates and the
    # first two failed.
    assert item["failureReason"] == (
        f"job {job} failed: {FAILURE_REASON}; "
        f"failed benchmark ml.c5.xlarge: {STEP_FAILURE_REASON}; "
        f"failed benchmark ml.g4dn.xlarge: {STEP_FAILURE_REASON}"
    )
    # Check's progress reads (IN_PROGRESS), then the failed benchmarks' reasons.
    listed = failed.calls_to("ListInferenceRecommendationsJobSteps")
    assert listed[-1] == {"JobName": job, "StepType": "BENCHMARK", "Status": "FAILED"}
    assert all(call == {"JobName": job, "StepType": "BENCHMARK"} for call in listed[:-1])
    assert failed.calls_to("StopInferenceRecommendationsJob") == []  # it had ended already
    # Noticed after the job failed (30 min) at a check of the adaptive schedule. Which check depends
    # on what the shared world holds when this test runs: other endpoints' earlier runs give Start an
    # account prior, and the job's benchmark progress moves the wake-up (tests/unit/test_polling.py
    # and `make bench` pin the schedule itself); never later than pollMaxSeconds past the end the
    # progress foretells or the prior's window: within an hour, far from the 6-hour deadline.
    assert 30 * 60 <= item["durationSeconds"] <= 60 * 60  # at 30 min exactly: a check at the prior
    email = failed.notification["bodies"]["email"]
    assert "The job failed. Fix the cause named above" in email


def test_clean_up_event_for_the_failed_execution_changes_nothing(world: OfflineStack, failed: Observed) -> None:
    """The clean-up rule also delivers FAILED executions: already recorded by the catch, so Record
    Failure neither records nor notifies again, and stops nothing."""
    since = mark(world)
    event = status_change_event(failed.execution)
    answer = world.invoke_function("record_failure", event)

    assert answer == {"status": "FAILED", "endpointName": "e2e-failed", "runKey": failed.item["runKey"]}
    assert world.run_items("e2e-failed") == failed.items
    assert world.published()[since.published :] == []
    assert {name for name, _ in world.fake.calls[since.calls :]} <= {"DescribeInferenceRecommendationsJob"}
    assert world.lock_item("e2e-failed") is None


def test_job_stopped_outside_the_workflow_is_recorded_stopped(world: OfflineStack) -> None:
    _, observed = run(world, scenario("stopped", "e2e-stopped"))

    item = assert_failed_run(observed, "JobStopped", "STOPPED")
    assert item["failureReason"] == (
        f"job {item['jobName']} is STOPPED: it was stopped or deleted outside this workflow"
    )
    assert observed.calls_to("StopInferenceRecommendationsJob") == []  # not by this workflow
    assert "The job was stopped outside this workflow." in observed.notification["bodies"]["email"]


def test_job_running_at_the_deadline_is_stopped_and_timed_out(world: OfflineStack) -> None:
    # maxRunHours 1 instead of the default 6: the same path with a sixth of the polls.
    with configured(world, MAX_RUN_HOURS="1"):
        _, observed = run(world, scenario("timed-out", "e2e-timed-out"), job_minutes=90)

    item = assert_failed_run(observed, "JobTimedOut", "TIMED_OUT", stopping=True)
    job = item["jobName"]
    started = started_at(observed.execution)
    deadline = after(started, 3600)
    # Waits never run past the deadline: the last check is at the deadline itself.
    assert item["finishedAt"] == deadline
    assert item["durationSeconds"] == 3600
    assert item["failureReason"] == (
        f"job {job} was still IN_PROGRESS at the run's deadline {deadline} (maxRunHours 1); it was asked to stop"
    )
    # Check Job asked the service to stop the job, once; Record Failure saw it stopping.
    assert observed.calls_to("StopInferenceRecommendationsJob") == [{"JobName": job}]
    (fake_job,) = [j for j in world.fake.jobs() if j.name == job]
    assert fake_job.stop_requested_at is not None
    assert iso(parse_time(fake_job.stop_requested_at)) == deadline
    assert fake_job.status() in {"STOPPING", "STOPPED"}
    assert "The run passed maxRunHours and its job was stopped." in observed.notification["bodies"]["email"]
