"""Start Job: take the endpoint lock and create the Inference Recommender job (idempotently)."""

from __future__ import annotations

from datetime import datetime
from typing import Any

from botocore.exceptions import ClientError

from recommender.adapters import sagemaker
from recommender.adapters.aws import error_code
from recommender.adapters.store import Store
from recommender.errors import EndpointBusy, JobConflict, JobFailed
from recommender.logic.polling import PollPolicy, next_wait
from recommender.models import PollState, RunState, iso, parse_time
from recommender.settings import Settings


def create_request(state: RunState, role_arn: str) -> dict[str, Any]:
    """CreateInferenceRecommendationsJob parameters for this run."""
    req = state.request
    input_config: dict[str, Any] = {
        "ModelPackageVersionArn": req.model_package_version_arn,
        "Endpoints": [{"EndpointName": req.endpoint_name}],
    }
    optional_input = {
        "JobDurationInSeconds": req.job_duration_in_seconds,
        "TrafficPattern": req.traffic_pattern,
        "ResourceLimit": req.resource_limit,
    }
    input_config.update({k: v for k, v in optional_input.items() if v is not None})
    request: dict[str, Any] = {
        "JobName": state.job_name,
        "JobType": req.job_type,
        "RoleArn": role_arn,
        "InputConfig": input_config,
        "JobDescription": req.job_description or f"Right-sizing check of {req.endpoint_name} ({req.trigger})",
    }
    if req.stopping_conditions is not None:
        request["StoppingConditions"] = req.stopping_conditions
    return request


def is_ours(job: dict[str, Any], request: dict[str, Any]) -> bool:
    """A job found under this run's name is ours when it benchmarks what this run asked for."""
    config = job.get("InputConfig") or {}
    return (
        job.get("JobType") == request["JobType"]
        and config.get("ModelPackageVersionArn") == request["InputConfig"]["ModelPackageVersionArn"]
        and config.get("Endpoints") == request["InputConfig"]["Endpoints"]
    )


def start(state: RunState, *, cfg: Settings, store: Store, now: datetime) -> RunState:
    endpoint = state.request.endpoint_name
    deadline = parse_time(state.deadline)
    holder = store.acquire_lock(
        endpoint,
        owner=state.execution.id,
        job_name=state.job_name,
        now=int(now.timestamp()),
        expires_at=int(deadline.timestamp()) + cfg.lock_grace_seconds,
    )
    if holder is not None:
        until = iso(parse_time(float(holder.get("expiresAt", 0))))
        raise EndpointBusy(
            f"endpoint {endpoint} is busy: execution {holder.get('owner')} (job {holder.get('jobName')}) "
            f"holds its lock until {until}; try again after that run ends"
        )
    request = create_request(state, cfg.job_role_arn)
    try:
        job_arn = sagemaker.create_job(request)
    except ClientError as exc:
        code = error_code(exc)
        if code == "ResourceLimitExceeded":
            raise JobFailed(f"the account's Inference Recommender limits are reached: {exc}") from exc
        if code != "ResourceInUse":
            raise
        # A retry after the job was created: continue with it when it is ours.
        existing = sagemaker.describe_job(state.job_name)
        if existing is None or not is_ours(existing, request):
            raise JobConflict(f"a job named {state.job_name} exists and was not started by this run") from exc
        job_arn = str(existing["JobArn"])
    history = store.shortest_completed_duration(endpoint, state.request.job_type)
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
