"""Autoscaling advice: the service's scaling configuration as ready `application-autoscaling`
requests, and as the CLI lines a person can paste (pure)."""

from __future__ import annotations

import json
import math
import re
import shlex
from typing import Any

from recommender.models import Scaling, ScalingRequest, finite

NAMESPACE = "sagemaker"
DIMENSION = "sagemaker:variant:DesiredInstanceCount"
INVOCATIONS_PER_INSTANCE = "SageMakerVariantInvocationsPerInstance"


def objective(mean_per_minute: float, peak_per_minute: float) -> tuple[int, int]:
    """(min, max) invocations per minute for the service: the mean (rounded, at least 1) and the
    peak (rounded up, at least the min)."""
    low = max(1, round(mean_per_minute)) if math.isfinite(mean_per_minute) else 1
    high = max(low, math.ceil(peak_per_minute)) if math.isfinite(peak_per_minute) else low
    return low, high


def resource_id(endpoint_name: str, variant_name: str) -> str:
    return f"endpoint/{endpoint_name}/variant/{variant_name}"


def from_answer(answer: dict[str, Any], *, endpoint_name: str, variant_name: str) -> Scaling | None:
    """The `GetScalingConfigurationRecommendation` answer applied to the endpoint's variant, or
    None when it has no capacities or no target-tracking policy."""
    config = answer.get("DynamicScalingConfiguration") or {}
    low, high = config.get("MinCapacity"), config.get("MaxCapacity")
    tracking = next(
        (p["TargetTracking"] for p in config.get("ScalingPolicies") or [] if (p.get("TargetTracking") or {})),
        None,
    )
    target = finite(tracking.get("TargetValue")) if tracking else None
    if not isinstance(low, int) or not isinstance(high, int) or tracking is None or target is None:
        return None
    spec = tracking.get("MetricSpecification") or {}
    policy: dict[str, Any] = {"TargetValue": target}
    if (spec.get("Customized") or {}).get("MetricName"):
        custom = spec["Customized"]
        metric = str(custom["MetricName"])
        policy["CustomizedMetricSpecification"] = {
            **{key: custom[key] for key in ("MetricName", "Namespace", "Statistic") if custom.get(key)},
            "Dimensions": [
                {"Name": "EndpointName", "Value": endpoint_name},
                {"Name": "VariantName", "Value": variant_name},
            ],
        }
    else:
        metric = str((spec.get("Predefined") or {}).get("PredefinedMetricType") or INVOCATIONS_PER_INSTANCE)
        policy["PredefinedMetricSpecification"] = {"PredefinedMetricType": metric}
    scale_in, scale_out = config.get("ScaleInCooldown"), config.get("ScaleOutCooldown")
    if isinstance(scale_in, int):
        policy["ScaleInCooldown"] = scale_in
    if isinstance(scale_out, int):
        policy["ScaleOutCooldown"] = scale_out
    target_of = {
        "ServiceNamespace": NAMESPACE,
        "ResourceId": resource_id(endpoint_name, variant_name),
        "ScalableDimension": DIMENSION,
    }
    return Scaling(
        min_capacity=low,
        max_capacity=max(low, high),
        scale_in_cooldown=scale_in if isinstance(scale_in, int) else None,
        scale_out_cooldown=scale_out if isinstance(scale_out, int) else None,
        target_value=target,
        metric=metric,
        requests=[
            ScalingRequest(
                operation="RegisterScalableTarget",
                parameters={**target_of, "MinCapacity": low, "MaxCapacity": max(low, high)},
            ),
            ScalingRequest(
                operation="PutScalingPolicy",
                parameters={
                    "PolicyName": f"{endpoint_name}-{variant_name}-target-tracking"[:256],
                    **target_of,
                    "PolicyType": "TargetTrackingScaling",
                    "TargetTrackingScalingPolicyConfiguration": policy,
                },
            ),
        ],
    )


def _kebab(name: str) -> str:
    return re.sub(r"(?<!^)([A-Z])", r"-\1", name).lower()


def cli_line(request: ScalingRequest) -> str:
    """`aws application-autoscaling <operation> --<parameter> <value> ...` (structures as JSON)."""
    words = ["aws", "application-autoscaling", _kebab(request.operation)]
    for name, value in request.parameters.items():
        text = json.dumps(value, separators=(",", ":")) if isinstance(value, dict | list) else str(value)
        words += [f"--{_kebab(name)}", shlex.quote(text)]
    return " ".join(words)
