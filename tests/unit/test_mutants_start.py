"""Start Job's pure parts where mutation testing found them unpinned (make mutation, issue 11): the
service's message quoted when no job slot is free (and at exactly the deadline), and a job found
under the run's name created exactly at the clock-skew allowance before the run started."""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import UTC, datetime
from typing import Any

import pytest
from botocore.exceptions import ClientError

from recommender.adapters.store import DRAIN_SECONDS
from recommender.errors import EndpointBusy, JobSlotUnavailable, JobStopped, JobTimedOut
from recommender.models import EndpointSnapshot, ExecutionInput, ExecutionRef, RunState
from recommender.steps import start
from recommender.steps.start import CLOCK_SKEW_SECONDS, JOB_DESCRIPTION_MAX, default_description, is_ours, no_slot
from tests.unit.support import settings

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
CFG = settings()
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


# ------------------------------------------------------------------------------ the job's description
@pytest.mark.parametrize(("length", "cut"), [(127, False), (128, False), (129, True)])
def test_a_description_of_up_to_128_characters_is_whole(length: int, cut: bool) -> None:
    head = len(default_description("", "manual"))
    text = default_description("e" * (length - head), "manual")
    assert len(text) == min(length, JOB_DESCRIPTION_MAX)
    assert text.endswith("...") == cut


# ------------------------------------------------------------------------------ the endpoint lock
NOW = datetime(2026, 11, 25, 3, 0, 5, tzinfo=UTC)
AT = int(NOW.timestamp())
EXPIRES = int(datetime(2026, 11, 25, 9, tzinfo=UTC).timestamp()) + CFG.lock_grace_seconds
OWNER = STATE.execution.id
OTHER = "arn:aws:states:us-east-1:123456789012:execution:m:run-0"


@dataclass
class Locks:
    """The store as take_lock and abandon_if_execution_ended use it: what it answers, what it was asked."""

    holder: dict[str, Any] | None = None
    after_take_over: dict[str, Any] | None = None
    calls: list[tuple[Any, ...]] = field(default_factory=list)

    def acquire_lock(self, endpoint: str, **kwargs: Any) -> dict[str, Any] | None:
        self.calls.append(("acquire_lock", endpoint, kwargs))
        return self.holder

    def take_over_drained(self, endpoint: str, holder: dict[str, Any], **kwargs: Any) -> dict[str, Any] | None:
        self.calls.append(("take_over_drained", endpoint, holder, kwargs))
        return self.after_take_over

    def drain_lock(self, endpoint: str, owner: str, job_name: str, until: int) -> bool:
        self.calls.append(("drain_lock", endpoint, owner, job_name, until))
        return True


LOCK_ARGS = {"owner": OWNER, "job_name": STATE.job_name, "now": AT, "expires_at": EXPIRES}


def locked(store: Locks) -> None:
    start.take_lock(STATE, cfg=CFG, store=store, now=NOW)  # type: ignore[arg-type]


def test_the_lock_is_asked_for_until_the_deadline_and_its_grace() -> None:
    store = Locks()
    locked(store)
    assert store.calls == [("acquire_lock", "demo-endpoint", LOCK_ARGS)]


@pytest.mark.parametrize(
    ("held", "until"),
    [({"expiresAt": EXPIRES}, "until 2026-11-25T09:15:00Z"), ({}, "with no expiry")],
    ids=["expiring", "no-expiry"],
)
def test_a_held_lock_names_its_holder_and_when_it_expires(held: dict[str, Any], until: str) -> None:
    with pytest.raises(EndpointBusy) as info:
        locked(Locks(holder={"owner": OTHER, "jobName": "job-0", **held}))
    assert str(info.value) == (
        f"endpoint demo-endpoint is busy: execution {OTHER} (job job-0) holds its lock {until}; "
        "try again after that run ends"
    )


DRAINING = {"owner": OTHER, "jobName": "job-0", "draining": "job-0", "expiresAt": EXPIRES}


@pytest.mark.parametrize(
    "job", [{"Status": "STOPPED"}, {"Status": "COMPLETED"}, None], ids=["stopped", "completed", "gone"]
)
def test_a_lock_draining_for_an_ended_job_is_taken_over(
    job: dict[str, Any] | None, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setattr(start.sagemaker, "describe_job", lambda name: job)
    store = Locks(holder=DRAINING)
    locked(store)
    assert store.calls[1:] == [("take_over_drained", "demo-endpoint", DRAINING, LOCK_ARGS)]


def test_a_lock_draining_for_a_job_still_stopping_is_busy(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setattr(start.sagemaker, "describe_job", lambda name: {"Status": "STOPPING"})
    store = Locks(holder=DRAINING)
    with pytest.raises(EndpointBusy) as info:
        locked(store)
    assert str(info.value) == (
        f"endpoint demo-endpoint is busy: job job-0 of execution {OTHER} was asked to stop and is still STOPPING; "
        "try again once it has stopped"
    )
    assert [call[0] for call in store.calls] == ["acquire_lock"]


def test_a_take_over_lost_to_another_run_names_that_run(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setattr(start.sagemaker, "describe_job", lambda name: {"Status": "STOPPED"})
    winner = {
        "owner": "arn:aws:states:us-east-1:123456789012:execution:m:run-2",
        "jobName": "job-2",
        "expiresAt": EXPIRES,
    }
    with pytest.raises(EndpointBusy) as info:
        locked(Locks(holder=DRAINING, after_take_over=winner))
    assert "execution arn:aws:states:us-east-1:123456789012:execution:m:run-2 (job job-2)" in str(info.value)


# ------------------------------------------------------------------------------ an execution that ended while Start ran
@pytest.mark.parametrize(
    ("stopping", "said"), [(True, "was asked to stop"), (False, "had already ended")], ids=["stopped", "ended"]
)
def test_an_ended_execution_stops_its_job_and_leaves_the_lock_draining_an_hour(
    stopping: bool, said: str, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setattr(start.workflow, "execution_status", lambda arn: "ABORTED")
    monkeypatch.setattr(start.sagemaker, "stop_job", lambda name: stopping)
    store = Locks()
    with pytest.raises(JobStopped) as info:
        start.abandon_if_execution_ended(STATE, store=store, now=NOW)  # type: ignore[arg-type]
    assert str(info.value) == f"execution run-1 is ABORTED: job {STATE.job_name} {said}"
    assert store.calls == [("drain_lock", "demo-endpoint", OWNER, STATE.job_name, AT + DRAIN_SECONDS)]
    assert DRAIN_SECONDS == 3600
