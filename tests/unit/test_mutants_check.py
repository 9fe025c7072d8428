"""Check Job's pure parts where mutation testing found them unpinned (make mutation, issue 11): the
failure text whole, a stop at the deadline that fails transiently or not, and the one-second floor
of the wait when the deadline is less than two seconds away."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta
from typing import Any

import pytest
from botocore.exceptions import ClientError

from recommender.errors import JobTimedOut
from recommender.models import EndpointSnapshot, ExecutionInput, ExecutionRef, PollState, RunState
from recommender.steps import check
from tests.unit.support import settings

JOB = "ir-orchestrator-0123456789abcdef-demo-endpoint"
DEADLINE = datetime(2026, 11, 25, 9, tzinfo=UTC)
STATE = RunState(
    execution=ExecutionRef(
        id="arn:aws:states:us-east-1:123456789012:execution:m:run-1", name="run-1", start_time="2026-11-25T03:00:00Z"
    ),
    request=ExecutionInput.parse(
        {
            "endpointName": "demo-endpoint",
            "modelPackageVersionArn": "arn:aws:sagemaker:us-east-1:123456789012:model-package/g/1",
        }
    ),
    endpoint=EndpointSnapshot(variant_name="AllTraffic", instance_type="ml.m5.xlarge", instance_count=1),
    job_name=JOB,
    started_at="2026-11-25T03:00:00Z",
    deadline="2026-11-25T09:00:00Z",
)
POLL = PollState(status="IN_PROGRESS", checks=4, next_wait_seconds=60)
CFG = settings()
THROTTLED = ClientError({"Error": {"Code": "ThrottlingException", "Message": "Rate exceeded"}}, "DescribeJob")


def client_error(code: str, operation: str) -> ClientError:
    return ClientError({"Error": {"Code": code, "Message": code}}, operation)


@pytest.mark.parametrize(
    ("reason", "benchmarks", "text"),
    [
        (None, [], f"job {JOB} failed: no reason given by the service"),
        ("", [], f"job {JOB} failed: no reason given by the service"),
        (
            "Benchmarks failed.",
            ["ml.c5.xlarge: out of memory", "ml.m5.large: timed out"],
            f"job {JOB} failed: Benchmarks failed.; failed benchmark ml.c5.xlarge: out of memory; "
            "failed benchmark ml.m5.large: timed out",
        ),
    ],
)
def test_failure_text(reason: str | None, benchmarks: list[str], text: str, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setattr(check.sagemaker, "failed_step_reasons", lambda job_name: benchmarks)
    assert check.failure_text(JOB, reason) == text


def stop_raising(error: Exception) -> Any:
    def stop_job(job_name: str) -> None:
        raise error

    return stop_job


def test_a_stop_refused_transiently_at_the_deadline_still_times_the_run_out(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setattr(check.sagemaker, "stop_job", stop_raising(client_error("ThrottlingException", "StopJob")))
    with pytest.raises(JobTimedOut) as info:
        check.unreachable(STATE, POLL, cfg=CFG, now=DEADLINE, cause=THROTTLED)
    assert str(info.value) == (
        f"job {JOB} could not be checked at the run's deadline 2026-11-25T09:00:00Z (maxRunHours 6; SageMaker "
        f"unreachable: {THROTTLED}); it was asked to stop"
    )


def test_a_stop_refused_for_good_at_the_deadline_is_raised(monkeypatch: pytest.MonkeyPatch) -> None:
    denied = client_error("AccessDeniedException", "StopJob")
    monkeypatch.setattr(check.sagemaker, "stop_job", stop_raising(denied))
    with pytest.raises(ClientError) as info:
        check.unreachable(STATE, POLL, cfg=CFG, now=DEADLINE, cause=THROTTLED)
    assert info.value is denied


@pytest.mark.parametrize(("seconds_left", "wait"), [(0.5, 1), (1.5, 1), (2.5, 2), (61, 60)])
def test_the_wait_before_the_deadline_is_at_least_one_second(seconds_left: float, wait: int) -> None:
    found = check.unreachable(STATE, POLL, cfg=CFG, now=DEADLINE - timedelta(seconds=seconds_left), cause=THROTTLED)
    assert found.poll == PollState(status="IN_PROGRESS", checks=5, next_wait_seconds=wait, unreachable=1)


# ------------------------------------------------------------------------------ check() itself
NOW = datetime(2026, 11, 25, 3, 30, tzinfo=UTC)


def answering(status: str, monkeypatch: pytest.MonkeyPatch) -> list[str]:
    """SageMaker answers `status`; returns the jobs whose benchmark steps were listed."""
    listed: list[str] = []
    monkeypatch.setattr(check.sagemaker, "describe_job", lambda job_name: {"Status": status})

    def benchmark_steps(job_name: str) -> list[dict[str, Any]]:
        listed.append(job_name)
        return []

    monkeypatch.setattr(check.progress, "benchmark_steps", benchmark_steps)
    return listed


@pytest.mark.parametrize("status", ["PENDING", "IN_PROGRESS", "STOPPING"])
def test_a_state_without_a_poll_yet_is_checked_as_pending_at_the_first_wait(
    status: str, monkeypatch: pytest.MonkeyPatch
) -> None:
    answering(status, monkeypatch)
    poll = check.check(STATE, cfg=CFG, now=NOW).poll
    assert poll is not None
    assert (poll.status, poll.checks, poll.unreachable) == (status, 1, None)


def test_an_unreachable_first_check_keeps_the_pending_status(monkeypatch: pytest.MonkeyPatch) -> None:
    def describe_job(job_name: str) -> None:
        raise THROTTLED

    monkeypatch.setattr(check.sagemaker, "describe_job", describe_job)
    poll = check.check(STATE, cfg=CFG, now=NOW).poll
    assert poll == PollState(status="PENDING", checks=1, next_wait_seconds=CFG.poll_initial_seconds, unreachable=1)


def test_unreachable_at_the_deadline_names_the_cause(monkeypatch: pytest.MonkeyPatch) -> None:
    def describe_job(job_name: str) -> None:
        raise THROTTLED

    monkeypatch.setattr(check.sagemaker, "describe_job", describe_job)
    monkeypatch.setattr(check.sagemaker, "stop_job", lambda job_name: None)
    with pytest.raises(JobTimedOut) as info:
        check.check(STATE.model_copy(update={"poll": POLL}), cfg=CFG, now=DEADLINE)
    assert f"SageMaker unreachable: {THROTTLED}" in str(info.value)
    assert info.value.__cause__ is THROTTLED


def test_completion_clears_the_unreachable_count(monkeypatch: pytest.MonkeyPatch) -> None:
    answering("COMPLETED", monkeypatch)
    after_outage = STATE.model_copy(update={"poll": POLL.model_copy(update={"unreachable": 3})})
    poll = check.check(after_outage, cfg=CFG, now=NOW).poll
    assert poll == POLL.model_copy(update={"status": "COMPLETED", "checks": 5, "unreachable": None})


@pytest.mark.parametrize(("status", "listed"), [("PENDING", False), ("STOPPING", False), ("IN_PROGRESS", True)])
def test_benchmarks_are_listed_only_while_the_job_runs(
    status: str, listed: bool, monkeypatch: pytest.MonkeyPatch
) -> None:
    """One ListInferenceRecommendationsJobSteps call a check while IN_PROGRESS, none before."""
    calls = answering(status, monkeypatch)
    check.check(STATE.model_copy(update={"poll": POLL}), cfg=CFG, now=NOW)
    assert calls == ([JOB] if listed else [])
