"""Publish Results: parse the completed job, store the run, notify, emit metrics, free the lock."""

from __future__ import annotations

from datetime import datetime
from typing import Any

from recommender.adapters import prices, sagemaker, traffic
from recommender.adapters.store import Store
from recommender.errors import JobFailed
from recommender.logic import decision, regression
from recommender.logic.results import compare, parse_current_endpoint, parse_recommendations, pick_best
from recommender.models import (
    CurrentEndpoint,
    EndpointSnapshot,
    FailedBenchmark,
    Prices,
    RunRecord,
    RunState,
    TargetEndpoint,
    TargetSnapshot,
    TrafficSummary,
    Verdict,
    finite,
    iso,
    parse_time,
)
from recommender.settings import Settings
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


def with_decision(
    record: RunRecord,
    *,
    observed: traffic.ObservedTraffic | None,
    price: tuple[float | None, prices.PriceSource],
    policy: decision.Policy,
    target: TargetSnapshot | None = None,
) -> RunRecord:
    """The record sized and priced at the target endpoint's observed traffic, with its verdict
    (pure: the traffic and the price were read by the caller).

    The target is the benchmarked endpoint unless the input named another (`target`): its
    instances are then the "current" side, with the benchmark's figures for its instance type (the
    benchmarked endpoint's own when the types match, else a recommendation of that type's).
    """
    current = record.current_endpoint or CurrentEndpoint()
    recommendations = record.recommendations or []
    per_hour, source = price
    side = _current_side(record, target)
    candidates = [
        decision.Candidate(
            rank=rec.rank,
            instance_type=rec.instance_type,
            # The service prices the benchmarked configuration; per instance for the sizing.
            cost_per_hour=rec.cost_per_hour / rec.instance_count
            if rec.cost_per_hour is not None and rec.instance_count
            else None,
            max_invocations_per_instance=rec.max_invocations,
            model_latency_ms=rec.model_latency_ms,
        )
        for rec in recommendations
    ]
    concluded = decision.decide(
        candidates,
        decision.Current(
            instance_type=side.instance_type,
            instance_count=side.instance_count,
            model_latency_ms=side.model_latency_ms,
            price_per_hour=per_hour,
            max_invocations_per_instance=side.max_invocations,
        ),
        observed.traffic() if observed else None,
        policy,
    )
    sized = {s.rank: s for s in concluded.candidates}
    updated = [
        rec.model_copy(
            update={
                "instances_for_peak": sized[rec.rank].instances_for_peak,
                "instances_for_p95": sized[rec.rank].instances_for_p95,
                "monthly_cost": finite(sized[rec.rank].monthly_cost),
                "latency_delta_ms": finite(sized[rec.rank].latency_delta_ms),
            }
        )
        for rec in recommendations
    ]
    current_cost = finite(concluded.current.monthly_cost)
    verdict = concluded.verdict
    return record.model_copy(
        update={
            "recommendations": updated or record.recommendations,
            # The benchmarked endpoint's cost, when it is the one being right-sized.
            "current_endpoint": current.model_copy(update={"monthly_cost": current_cost})
            if target is None
            else current,
            "target_endpoint": TargetEndpoint(
                endpoint_name=target.endpoint_name if target else record.endpoint_name,
                variant_name=side.variant_name,
                instance_type=side.instance_type,
                instance_count=side.instance_count,
                monthly_cost=current_cost,
            ),
            "traffic": TrafficSummary(
                endpoint_name=observed.endpoint_name,
                window_days=observed.window_days,
                minutes_with_data=observed.minutes_with_data,
                mean_per_minute=finite(observed.mean_per_minute) or 0,
                p95_per_minute=finite(observed.p95_per_minute) or 0,
                peak_per_minute=finite(observed.peak_per_minute) or 0,
            )
            if observed
            else None,
            "prices": Prices(current_per_hour=finite(per_hour), source=source),
            "verdict": Verdict(
                decision=verdict.decision,
                rank=verdict.rank,
                instance_type=verdict.instance_type,
                instance_count=verdict.instance_count,
                monthly_savings=finite(verdict.monthly_savings),
                savings_percent=finite(verdict.savings_percent),
                reason=verdict.reason,
            ),
        }
    )


def _current_side(record: RunRecord, target: TargetSnapshot | None) -> CurrentEndpoint:
    """The endpoint being right-sized, with the benchmark's figures for its instance type."""
    current = record.current_endpoint or CurrentEndpoint()
    if target is None or target.instance_type == current.instance_type:
        measured = current
    else:
        same_type = [r for r in record.recommendations or [] if r.instance_type == target.instance_type]
        measured = (
            CurrentEndpoint(
                max_invocations=same_type[0].max_invocations, model_latency_ms=same_type[0].model_latency_ms
            )
            if same_type
            else CurrentEndpoint()
        )
    if target is None:
        return current
    return CurrentEndpoint(
        variant_name=target.variant_name,
        instance_type=target.instance_type,
        instance_count=target.instance_count,
        max_invocations=measured.max_invocations,
        model_latency_ms=measured.model_latency_ms,
    )


def decide_run(
    record: RunRecord,
    *,
    cfg: Settings,
    region: str,
    now: datetime,
    max_latency_ms: float | None,
    store: Store,
    target: TargetSnapshot | None = None,
) -> RunRecord:
    """Read the target endpoint's traffic and price (the Price List API's answer cached in the
    table for a week), then size, price and conclude."""
    side = _current_side(record, target)
    name = target.endpoint_name if target else record.endpoint_name
    observed = (
        traffic.observed_traffic(name, side.variant_name, days=cfg.traffic_lookback_days, now=now)
        if side.variant_name
        else None
    )
    price: tuple[float | None, prices.PriceSource] = (None, "unknown")
    if side.instance_type:
        epoch = int(now.timestamp())
        cached = store.cached_price(region, side.instance_type, epoch)
        if cached is not None:
            price = (cached, "price-list")
        else:
            price = prices.hourly_price(side.instance_type, region, record.recommendations or [])
            if price[1] == "price-list" and price[0] is not None:
                store.put_price(region, side.instance_type, price[0], epoch)
    policy = decision.Policy(
        target_utilization=cfg.target_utilization,
        latency_tolerance_percent=cfg.latency_tolerance_percent,
        max_model_latency_ms=max_latency_ms,
    )
    return with_decision(record, observed=observed, price=price, policy=policy, target=target)


def with_scaling(record: RunRecord) -> RunRecord:
    """The record with `scaling` for a CHANGE verdict: the service's scaling configuration for the
    verdict's recommendation at the observed traffic (min: the mean per minute, max: the peak), as
    ready requests for the target endpoint's variant. A refusal (ValidationException,
    ResourceNotFound) is logged and leaves `scaling` absent; other errors propagate."""
    from recommender.logic import scaling
    from recommender.observability import logger

    verdict, target, observed = record.verdict, record.target_endpoint, record.traffic
    if verdict is None or verdict.decision != "CHANGE" or not (target and target.variant_name and observed):
        return record
    chosen = next((r for r in record.recommendations or [] if r.rank == verdict.rank), None)
    if chosen is None or not chosen.recommendation_id:
        return record
    low, high = scaling.objective(observed.mean_per_minute, observed.peak_per_minute)
    try:
        answer = sagemaker.scaling_recommendation(
            record.job_name, chosen.recommendation_id, min_per_minute=low, max_per_minute=high
        )
    except sagemaker.ScalingRefused as refused:
        logger.warning(
            "no scaling recommendation", extra={"recommendationId": chosen.recommendation_id, "reason": str(refused)}
        )
        return record
    found = scaling.from_answer(answer, endpoint_name=target.endpoint_name, variant_name=target.variant_name)
    return record.model_copy(update={"scaling": found}) if found else record


def publish(state: RunState, *, cfg: Settings, store: Store, region: str, now: datetime) -> RunRecord:
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
        throughput_drop_percent=cfg.regression_throughput_drop_percent,
        latency_rise_percent=cfg.regression_latency_rise_percent,
    )
    record = decide_run(
        record,
        cfg=cfg,
        region=region,
        now=now,
        max_latency_ms=state.request.max_model_latency_ms,
        store=store,
        target=state.target,
    )
    record = with_scaling(record)
    stored, notified = store_run(record, store=store, overwrite_status={"COMPLETED"})
    # The run is recorded and its job has ended: free the endpoint before notifying.
    store.release_lock(state.request.endpoint_name, state.execution.id)
    notify_once(stored, notified=notified, store=store, topic_arn=cfg.topic_arn, region=region, now=now)
    return stored
