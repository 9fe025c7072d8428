"""What several unit tests build the same way: the Lambda settings and the service's scaling answer."""

from __future__ import annotations

from typing import Any

from recommender.settings import Settings

SETTINGS: dict[str, Any] = {
    "TABLE_NAME": "runs",
    "TOPIC_ARN": "arn:aws:sns:us-east-1:123456789012:runs",
    "JOB_ROLE_ARN": "arn:aws:iam::123456789012:role/job",
    "JOB_NAME_PREFIX": "ir-orchestrator",
    "POLL_INITIAL_SECONDS": 60,
    "POLL_MAX_SECONDS": 900,
    "MAX_RUN_HOURS": 6,
    "LIVE_TRAFFIC_LOOKBACK_MINUTES": 60,
    "LIVE_TRAFFIC_MAX_INVOCATIONS": 0,
}


def settings(**overrides: Any) -> Settings:
    """The functions' environment as Settings reads it, with some variables changed."""
    return Settings.model_validate({**SETTINGS, **overrides})


# GetScalingConfigurationRecommendation's DynamicScalingConfiguration, as the service documents it.
SCALING_CONFIGURATION: dict[str, Any] = {
    "MinCapacity": 1,
    "MaxCapacity": 3,
    "ScaleInCooldown": 300,
    "ScaleOutCooldown": 60,
    "ScalingPolicies": [
        {
            "TargetTracking": {
                "MetricSpecification": {
                    "Predefined": {"PredefinedMetricType": "SageMakerVariantInvocationsPerInstance"}
                },
                "TargetValue": 820.0,
            }
        }
    ],
}
