"""Publish Results: parse the completed job, store the run, notify, emit metrics, free the lock."""

from __future__ import annotations

from datetime import datetime
from typing import Any

from recommender.adapters import sagemaker
from recommender.adapters.store import Store
from recommender.errors import JobFailed
from recommender.logic import regression
from recommender.logic.results import compare, parse_current_endpoint, parse_recommendations, pick_best
from recommender.models import (
    CurrentEndpoint,
    EndpointSnapshot,
    FailedBenchmark,
    RunRecord,
    RunState,
    iso,
    parse_time,
)
from recommender.steps.reporting import notify_once, store_run


def completed_record(
    job: dict[str, Any],
    *,
    endpoint_name: str,
    job_name: str,
    started_at: str,
    snapshot: EndpointSnapshot | None,
    execution_arn: str | None = None,
    trigger: str | None = None,
    failed_benchmarks: list[FailedBenchmark] | None = None,
) -> RunRecord:
    """The run record of a COMPLETED job (pure: the same job always gives the same record)."""
    recommendations = parse_recommendations(job)
    current = parse_current_endpoint(job, snapshot)
    best = pick_best(recommendations)
    finished = job.get("CompletionTime") or job.get("LastModifiedTime")
    finished_at = iso(parse_time(finished)) if finished else None
    duration = int((parse_time(finished_at) - parse_time(started_at)).total_seconds()) if finished_at else None
    return RunRecord(
        endpoint_name=endpoint_name,
        status="COMPLETED",
        job_name=job_name,
        job_arn=job.get("JobArn"),
        job_type=job.get("JobType"),
        model_package_version_arn=(job.get("InputConfig") or {}).get("ModelPackageVersionArn"),
        execution_arn=execution_arn,
        trigger=trigger,
        started_at=started_at,
        finished_at=finished_at,
        duration_seconds=duration,
        current_endpoint=current,
        recommendations=recommendations,
        best=best,
        comparison=compare(recommendations, best, current),
        failed_benchmarks=failed_benchmarks or None,
    )


def with_regression(
    record: RunRecord, *, store: Store, throughput_drop_percent: float, latency_rise_percent: float
) -> RunRecord:
    """The record with `regression` when its current endpoint measured worse than in the previous
    COMPLETED run of the same endpoint and job type (beyond the thresholds)."""
    if record.job_type is None or record.current_endpoint is None:
        return record
    previous = store.previous_completed_run(record.endpoint_name, record.job_type, before=record.run_key)
    if not previous or not isinstance(previous.get("currentEndpoint"), dict):
        return record
    found = regression.detect(
        record.current_endpoint,
        CurrentEndpoint.model_validate(previous["currentEndpoint"]),
        previous_run_key=str(previous["runKey"]),
        throughput_drop_percent=throughput_drop_percent,
        latency_rise_percent=latency_rise_percent,
    )
    return record.model_copy(update={"regression": found}) if found else record


def publish(
    state: RunState,
    *,
    store: Store,
    topic_arn: str,
    region: str,
    now: datetime,
    throughput_drop_percent: float = 10,
    latency_rise_percent: float = 20,
) -> RunRecord:
    job = sagemaker.describe_job(state.job_name)
    if not job or job.get("Status") != "COMPLETED":
        raise JobFailed(f"job {state.job_name} is {job.get('Status') if job else 'missing'}, not COMPLETED")
    record = completed_record(
        job,
        endpoint_name=state.request.endpoint_name,
        job_name=state.job_name,
        started_at=state.started_at,
        snapshot=state.endpoint,
        execution_arn=state.execution.id,
        trigger=state.request.trigger,
        failed_benchmarks=sagemaker.failed_benchmarks(state.job_name),
    )
    record = with_regression(
        record,
        store=store,
        throughput_drop_percent=throughput_drop_percent,
        latency_rise_percent=latency_rise_percent,
    )
    stored, notified = store_run(record, store=store, overwrite_status={"COMPLETED"})
    # The run is recorded and its job has ended: free the endpoint before notifying.
    store.release_lock(state.request.endpoint_name, state.execution.id)
    notify_once(stored, notified=notified, store=store, topic_arn=topic_arn, region=region, now=now)
    return stored
