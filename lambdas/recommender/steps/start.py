"""Start Job: take the endpoint lock and create the Inference Recommender job (idempotently)."""

from __future__ import annotations

from datetime import datetime
from typing import Any

from botocore.exceptions import ClientError

from recommender.adapters import sagemaker, workflow
from recommender.adapters.aws import error_code
from recommender.adapters.store import DRAIN_SECONDS, Store
from recommender.errors import EndpointBusy, JobConflict, JobSlotUnavailable, JobStopped, JobTimedOut
from recommender.logic.job_request import job_members
from recommender.logic.polling import PollPolicy, next_wait
from recommender.models import PollState, RunState, iso, parse_time
from recommender.settings import Settings

JOB_DESCRIPTION_MAX = 128  # RecommendationJobDescription
# A job found under this run's name was created by this run only if it is not older than the run
# (with some tolerance for clock skew between Step Functions and SageMaker).
CLOCK_SKEW_SECONDS = 300


def default_description(endpoint: str, trigger: str) -> str:
    """What the job is, within the API's 128 characters whatever the endpoint and schedule names."""
    text = f"Right-sizing check of {endpoint} ({trigger})"
    return text if len(text) <= JOB_DESCRIPTION_MAX else text[: JOB_DESCRIPTION_MAX - 3] + "..."


def create_request(state: RunState, role_arn: str) -> dict[str, Any]:
    """CreateInferenceRecommendationsJob parameters for this run."""
    req = state.request
    return {
        "JobName": state.job_name,
        "RoleArn": role_arn,
        "JobDescription": req.job_description or default_description(req.endpoint_name, req.trigger),
        **job_members(req),
    }


def is_ours(job: dict[str, Any], request: dict[str, Any], started_at: str) -> bool:
    """A job found under this run's name is ours when it benchmarks what this run asked for and was
    created after this run started (never an older run's job under a reused execution name)."""
    config = job.get("InputConfig") or {}
    created = job.get("CreationTime")
    return (
        created is not None
        and (parse_time(created) - parse_time(started_at)).total_seconds() >= -CLOCK_SKEW_SECONDS
        and job.get("JobType") == request["JobType"]
        and config.get("ModelPackageVersionArn") == request["InputConfig"]["ModelPackageVersionArn"]
        and config.get("Endpoints") == request["InputConfig"]["Endpoints"]
    )


def take_lock(state: RunState, *, cfg: Settings, store: Store, now: datetime) -> None:
    """The endpoint lock for this run, or EndpointBusy naming who holds it and until when.

    A lock left draining by a run whose job was asked to stop is taken over once that job has
    ended: until then the endpoint is still under load.
    """
    endpoint = state.request.endpoint_name
    owner, at = state.execution.id, int(now.timestamp())
    expires_at = int(parse_time(state.deadline).timestamp()) + cfg.lock_grace_seconds
    holder = store.acquire_lock(endpoint, owner=owner, job_name=state.job_name, now=at, expires_at=expires_at)
    if holder is not None and holder.get("draining"):
        draining = str(holder["draining"])
        job = sagemaker.describe_job(draining)
        status = str(job["Status"]) if job else "DELETED"
        if status in sagemaker.NOT_ENDED_JOB_STATUSES:
            raise EndpointBusy(
                f"endpoint {endpoint} is busy: job {draining} of execution {holder.get('owner')} was asked to "
                f"stop and is still {status}; try again once it has stopped"
            )
        holder = store.take_over_drained(
            endpoint, holder, owner=owner, job_name=state.job_name, now=at, expires_at=expires_at
        )
    if holder is not None:
        expires = holder.get("expiresAt")  # every lock written has one; an item edited by hand may not
        until = "with no expiry" if expires is None else f"until {iso(parse_time(float(expires)))}"
        raise EndpointBusy(
            f"endpoint {endpoint} is busy: execution {holder.get('owner')} (job {holder.get('jobName')}) "
            f"holds its lock {until}; try again after that run ends"
        )


def abandon_if_execution_ended(state: RunState, *, store: Store, now: datetime) -> None:
    """Stop the job and leave the lock draining when this run's execution ended while Start ran.

    An abort (or the state machine's timeout) does not stop a running Lambda: the clean-up may
    already have recorded the run before the job existed, so nothing else would ever stop it.
    Checking after the job exists closes the gap: a later abort finds the job and stops it.
    """
    status = workflow.execution_status(state.execution.id)
    if status == "RUNNING":
        return
    stopping = sagemaker.stop_job(state.job_name)
    store.drain_lock(
        state.request.endpoint_name, state.execution.id, state.job_name, int(now.timestamp()) + DRAIN_SECONDS
    )
    raise JobStopped(
        f"execution {state.execution.name} is {status}: job {state.job_name} "
        + ("was asked to stop" if stopping else "had already ended")
    )


def no_slot(state: RunState, exc: ClientError, *, now: datetime) -> JobSlotUnavailable | JobTimedOut:
    """`ResourceLimitExceeded`: wait for a slot (the state machine retries), until the deadline."""
    message = str(exc.response.get("Error", {}).get("Message") or exc)
    if now >= parse_time(state.deadline):
        return JobTimedOut(
            f"no Inference Recommender job slot became free before the run's deadline {state.deadline} "
            f"(the service: {message}); no job was created"
        )
    return JobSlotUnavailable(
        f"the account runs as many Inference Recommender jobs as its quota allows (the service: {message}); "
        f"waiting for a slot until {state.deadline}"
    )


def start(state: RunState, *, cfg: Settings, store: Store, now: datetime) -> RunState:
    endpoint = state.request.endpoint_name
    deadline = parse_time(state.deadline)
    take_lock(state, cfg=cfg, store=store, now=now)
    request = create_request(state, cfg.job_role_arn)
    try:
        job_arn = sagemaker.create_job(request)
    except ClientError as exc:
        code = error_code(exc)
        if code == "ResourceLimitExceeded":
            raise no_slot(state, exc, now=now) from exc
        if code != "ResourceInUse":
            raise
        # A retry after the job was created: continue with it when it is ours.
        existing = sagemaker.describe_job(state.job_name)
        if existing is None or not is_ours(existing, request, state.started_at):
            raise JobConflict(f"a job named {state.job_name} exists and was not started by this run") from exc
        job_arn = str(existing["JobArn"])
    abandon_if_execution_ended(state, store=store, now=now)
    # The endpoint's own runs; for its first run, the account's runs of the job type (any endpoint).
    history = store.shortest_completed_duration(endpoint, state.request.job_type)
    if history is None:
        history = store.account_shortest_completed_duration(state.request.job_type)
    started = parse_time(state.started_at)
    wait = next_wait(
        PollPolicy(cfg.poll_initial_seconds, cfg.poll_max_seconds),
        elapsed=(now - started).total_seconds(),
        checks=0,
        history_seconds=history,
        seconds_to_deadline=(deadline - now).total_seconds(),
    )
    poll = PollState(status="PENDING", checks=0, next_wait_seconds=wait, history_seconds=history)
    return state.model_copy(update={"job_arn": job_arn, "poll": poll})
