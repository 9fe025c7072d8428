"""Turn a completed DescribeInferenceRecommendationsJob response into run-record parts."""

from __future__ import annotations

import json
from collections.abc import Mapping
from typing import Any

from recommender.models import (
    Best,
    Comparison,
    CurrentEndpoint,
    EndpointSnapshot,
    Recommendation,
    RunRecord,
    finite,
    iso,
    parse_time,
)

# DynamoDB items are at most 400 KB (names and values, UTF-8). The estimate below (the item as
# compact JSON) counts more than DynamoDB does (quotes, punctuation); the margin covers the keys
# and the bookkeeping attributes written later (notifiedAt).
ITEM_MAX_BYTES = 400 * 1024
ITEM_BUDGET_BYTES = ITEM_MAX_BYTES - 16 * 1024


def item_bytes(record: RunRecord) -> int:
    """An upper estimate of the record's DynamoDB item size."""
    return len(json.dumps(record.wire(), separators=(",", ":")).encode()) + len(record.run_key)


def fit_item(record: RunRecord, budget: int = ITEM_BUDGET_BYTES) -> RunRecord:
    """The record, or, when too large for one item, the record without its lowest-ranked
    recommendations (`recommendationsOmitted` says how many were left out)."""
    recs = record.recommendations or []
    if item_bytes(record) <= budget or not recs:
        return record
    low, high = 0, len(recs)  # the most recommendations that still fit lies in [low, high)
    while high - low > 1:
        middle = (low + high) // 2
        candidate = record.model_copy(
            update={"recommendations": recs[:middle], "recommendations_omitted": len(recs) - middle}
        )
        low, high = (middle, high) if item_bytes(candidate) <= budget else (low, middle)
    return record.model_copy(update={"recommendations": recs[:low], "recommendations_omitted": len(recs) - low})


def _int(value: Any) -> int | None:
    number = finite(value)
    return int(number) if number is not None else None


def _text(value: Any) -> str | None:
    return value if isinstance(value, str) and value else None


def _time(value: Any) -> str | None:
    """A timestamp (datetime from botocore, epoch seconds or ISO text) as ISO-8601 UTC."""
    if value is None or isinstance(value, bool):
        return None
    try:
        return iso(parse_time(value))
    except (TypeError, ValueError, OverflowError, OSError):
        return None


def _serverless(value: Any) -> dict[str, Any] | None:
    """The ServerlessConfig as the API gives it (numbers only, unknown ones left out)."""
    if not isinstance(value, Mapping):
        return None
    kept = {str(k): finite(v) for k, v in value.items() if finite(v) is not None}
    return kept or None


def parse_recommendations(job: Mapping[str, Any]) -> list[Recommendation]:
    """Recommendations ranked by cost per inference (unknown cost last; ties keep service order).

    Everything the service returns per recommendation is kept (absent when unknown).
    """
    parsed = []
    for item in job.get("InferenceRecommendations") or []:
        metrics = item.get("Metrics") or {}
        config = item.get("EndpointConfiguration") or {}
        model = item.get("ModelConfiguration") or {}
        environment = model.get("EnvironmentParameters") or []
        parsed.append(
            {
                "recommendation_id": _text(item.get("RecommendationId")),
                "endpoint_name": _text(config.get("EndpointName")),
                "variant_name": _text(config.get("VariantName")),
                "instance_type": config.get("InstanceType"),
                "instance_count": _int(config.get("InitialInstanceCount")),
                "serverless": _serverless(config.get("ServerlessConfig")),
                "compilation_job_name": _text(model.get("CompilationJobName")),
                "inference_specification_name": _text(model.get("InferenceSpecificationName")),
                "invocation_start_time": _time(item.get("InvocationStartTime")),
                "invocation_end_time": _time(item.get("InvocationEndTime")),
                "cost_per_hour": finite(metrics.get("CostPerHour")),
                "cost_per_inference": finite(metrics.get("CostPerInference")),
                "max_invocations": finite(metrics.get("MaxInvocations")),
                "model_latency_ms": finite(metrics.get("ModelLatency")),
                "cpu_utilization": finite(metrics.get("CpuUtilization")),
                "memory_utilization": finite(metrics.get("MemoryUtilization")),
                "model_setup_time_sec": finite(metrics.get("ModelSetupTime")),
                "environment": {str(p["Key"]): str(p.get("Value", "")) for p in environment if "Key" in p},
            }
        )
    order = sorted(
        range(len(parsed)),
        key=lambda i: (parsed[i]["cost_per_inference"] is None, parsed[i]["cost_per_inference"] or 0.0, i),
    )
    return [Recommendation(rank=rank, **parsed[i]) for rank, i in enumerate(order, start=1)]


def parse_current_endpoint(job: Mapping[str, Any], snapshot: EndpointSnapshot | None) -> CurrentEndpoint:
    """The benchmarked endpoint: its own description plus `EndpointPerformances` metrics.

    Accepts `EndpointInfo` (the API model) and `EndpointConfiguration` (the documentation's
    example) as the key naming the endpoint.
    """
    endpoint_name = ((job.get("InputConfig") or {}).get("Endpoints") or [{}])[0].get("EndpointName")
    performances = job.get("EndpointPerformances") or []
    chosen: Mapping[str, Any] = {}
    for performance in performances:
        info = performance.get("EndpointInfo") or performance.get("EndpointConfiguration") or {}
        if info.get("EndpointName") == endpoint_name or len(performances) == 1:
            chosen = performance
            break
    metrics = chosen.get("Metrics") or {}
    return CurrentEndpoint(
        variant_name=snapshot.variant_name if snapshot else None,
        instance_type=snapshot.instance_type if snapshot else None,
        instance_count=snapshot.instance_count if snapshot else None,
        max_invocations=finite(metrics.get("MaxInvocations")),
        model_latency_ms=finite(metrics.get("ModelLatency")),
    )


def _best_rank(recs: list[Recommendation], attribute: str, *, highest: bool) -> int | None:
    known = [r for r in recs if getattr(r, attribute) is not None]
    if not known:
        return None
    sign = -1 if highest else 1
    return min(known, key=lambda r: (sign * getattr(r, attribute), r.rank)).rank


def pick_best(recs: list[Recommendation]) -> Best:
    return Best(
        cheapest_per_inference=_best_rank(recs, "cost_per_inference", highest=False),
        highest_throughput=_best_rank(recs, "max_invocations", highest=True),
        lowest_latency=_best_rank(recs, "model_latency_ms", highest=False),
    )


def compare(recs: list[Recommendation], best: Best, current: CurrentEndpoint) -> Comparison | None:
    """The cheapest-per-inference recommendation against the current endpoint."""
    if best.cheapest_per_inference is None:
        return None
    chosen = recs[best.cheapest_per_inference - 1]
    ratio = None
    if chosen.max_invocations is not None and current.max_invocations:
        ratio = finite(round(chosen.max_invocations / current.max_invocations, 4))
    delta = None
    if chosen.model_latency_ms is not None and current.model_latency_ms is not None:
        delta = finite(round(chosen.model_latency_ms - current.model_latency_ms, 3))
    return Comparison(
        rank=chosen.rank, instance_type=chosen.instance_type, throughput_ratio=ratio, latency_delta_ms=delta
    )
