"""Record Failure: where every failed run ends, from a Catch or from the execution-status event.

Stops the job if it still runs, writes the run with its status and reason, notifies once and
frees the lock. Both paths may report the same run: the first report wins, the second only
makes sure the job is stopped and the lock is free.
"""

from __future__ import annotations

import json
from dataclasses import dataclass
from datetime import datetime
from typing import Any

from recommender.adapters import sagemaker
from recommender.adapters.store import DRAIN_SECONDS, Store
from recommender.logic.failure import NO_JOB_ERRORS, reason_and_violations, status_for
from recommender.logic.naming import job_name as derive_job_name
from recommender.models import (
    NAME_RE,
    CaughtFailure,
    ExecutionStatusDetail,
    RunRecord,
    iso,
    parse_time,
)
from recommender.steps.reporting import notify_once, store_run

# Partition key for runs whose input had no usable endpoint name (not a valid endpoint name).
INVALID_ENDPOINT_KEY = "(invalid input)"


@dataclass(frozen=True)
class Failure:
    """A failed run, whichever path reported it."""

    execution_arn: str
    started_at: str
    request: dict[str, Any]  # the execution input as far as it is known (maybe invalid)
    error_name: str | None
    cause: str | None
    execution_status: str | None = None
    job_name: str | None = None


def from_catch(caught: CaughtFailure) -> Failure:
    return Failure(
        execution_arn=caught.execution.id,
        started_at=caught.execution.started_at,
        request=caught.request,
        error_name=caught.error.error,
        cause=caught.error.cause,
        job_name=caught.job_name,
    )


def from_event(detail: ExecutionStatusDetail) -> Failure:
    try:
        raw = json.loads(detail.input) if detail.input else {}
    except ValueError:
        raw = {}
    return Failure(
        execution_arn=detail.execution_arn,
        started_at=iso(parse_time(detail.start_date / 1000)),
        request=raw if isinstance(raw, dict) else {},
        error_name=detail.error,
        cause=detail.cause,
        execution_status=detail.status,
    )


def _text(value: Any) -> str | None:
    return value if isinstance(value, str) else None


def record_failure(
    failure: Failure, *, store: Store, prefix: str, topic_arn: str, region: str, now: datetime
) -> RunRecord:
    requested = _text(failure.request.get("endpointName"))
    endpoint = requested if requested and NAME_RE.fullmatch(requested) else None
    job = failure.job_name or derive_job_name(prefix, failure.execution_arn, failure.started_at, endpoint or "")
    status = status_for(failure.error_name, failure.execution_status)
    reason, violations = reason_and_violations(failure.error_name, failure.cause)
    if failure.execution_status in {"ABORTED", "TIMED_OUT"} and not failure.cause:
        reason = f"the execution was {failure.execution_status.lower().replace('_', ' ')}"

    job_arn, job_type, job_running = None, _text(failure.request.get("jobType", "Default")), False
    if endpoint and failure.error_name not in NO_JOB_ERRORS:
        described = sagemaker.describe_job(job)
        if described:
            job_arn, job_type = described.get("JobArn"), described.get("JobType", job_type)
            job_running = described.get("Status") in sagemaker.NOT_ENDED_JOB_STATUSES
            if described.get("Status") in sagemaker.ACTIVE_JOB_STATUSES and sagemaker.stop_job(job):
                reason = f"{reason.rstrip('.')}; job {job} was asked to stop"

    finished = parse_time(now)
    record = RunRecord(
        endpoint_name=endpoint or INVALID_ENDPOINT_KEY,
        status=status,
        job_name=job,
        job_arn=job_arn,
        job_type="Advanced" if job_type == "Advanced" else "Default" if job_type == "Default" else None,
        model_package_version_arn=_text(failure.request.get("modelPackageVersionArn")),
        execution_arn=failure.execution_arn,
        trigger=_text(failure.request.get("trigger")) or "manual",
        started_at=failure.started_at,
        finished_at=iso(finished),
        duration_seconds=max(0, int((finished - parse_time(failure.started_at)).total_seconds())),
        failure_reason=reason,
        violations=violations or None,
    )
    stored, notified = store_run(record, store=store, overwrite_status=set())
    # Free the endpoint before notifying (SNS refusing the message must not keep it locked), but
    # not while the job is still stopping: the next run would load-test the endpoint beside it.
    if endpoint and job_running:
        store.drain_lock(endpoint, failure.execution_arn, job, int(finished.timestamp()) + DRAIN_SECONDS)
    elif endpoint:
        store.release_lock(endpoint, failure.execution_arn)
    notify_once(stored, notified=notified, store=store, topic_arn=topic_arn, region=region, now=now)
    return stored
