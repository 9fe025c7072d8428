"""Autoscaling advice: the service's answer as ready application-autoscaling requests, and the email."""

from __future__ import annotations

from typing import Any

import pytest

from recommender.adapters.api_model import request_violations
from recommender.logic import notification, scaling
from recommender.models import RunRecord, Scaling, Verdict
from tests.unit.support import SCALING_CONFIGURATION

ANSWER: dict[str, Any] = {
    "InferenceRecommendationsJobName": "ir-orchestrator-0123-my-endpoint",
    "RecommendationId": "ir-orchestrator-0123-my-endpoint-01-c5.xlarge",
    "TargetCpuUtilizationPerCore": 50,
    "ScalingPolicyObjective": {"MinInvocationsPerMinute": 400, "MaxInvocationsPerMinute": 2200},
    "Metric": {"InvocationsPerInstance": 820, "ModelLatency": 540},
    "DynamicScalingConfiguration": SCALING_CONFIGURATION,
}


def test_the_answer_becomes_ready_requests_valid_for_application_autoscaling() -> None:
    found = scaling.from_answer(ANSWER, endpoint_name="prod-endpoint", variant_name="AllTraffic")
    assert found is not None
    assert found.wire() == {
        "minCapacity": 1,
        "maxCapacity": 3,
        "scaleInCooldown": 300,
        "scaleOutCooldown": 60,
        "targetValue": 820,
        "metric": "SageMakerVariantInvocationsPerInstance",
        "requests": [
            {
                "operation": "RegisterScalableTarget",
                "parameters": {
                    "ServiceNamespace": "sagemaker",
                    "ResourceId": "endpoint/prod-endpoint/variant/AllTraffic",
                    "ScalableDimension": "sagemaker:variant:DesiredInstanceCount",
                    "MinCapacity": 1,
                    "MaxCapacity": 3,
                },
            },
            {
                "operation": "PutScalingPolicy",
                "parameters": {
                    "PolicyName": "prod-endpoint-AllTraffic-target-tracking",
                    "ServiceNamespace": "sagemaker",
                    "ResourceId": "endpoint/prod-endpoint/variant/AllTraffic",
                    "ScalableDimension": "sagemaker:variant:DesiredInstanceCount",
                    "PolicyType": "TargetTrackingScaling",
                    "TargetTrackingScalingPolicyConfiguration": {
                        "TargetValue": 820,
                        "PredefinedMetricSpecification": {
                            "PredefinedMetricType": "SageMakerVariantInvocationsPerInstance"
                        },
                        "ScaleInCooldown": 300,
                        "ScaleOutCooldown": 60,
                    },
                },
            },
        ],
    }
    for request in found.requests:
        assert request_violations("application-autoscaling", request.operation, request.parameters) == []


def test_a_customized_metric_is_applied_with_the_variant_dimensions() -> None:
    answer = {
        "DynamicScalingConfiguration": {
            "MinCapacity": 2,
            "MaxCapacity": 4,
            "ScalingPolicies": [
                {
                    "TargetTracking": {
                        "MetricSpecification": {
                            "Customized": {
                                "MetricName": "CPUUtilization",
                                "Namespace": "/aws/sagemaker/Endpoints",
                                "Statistic": "Average",
                            }
                        },
                        "TargetValue": 62.5,
                    }
                }
            ],
        }
    }
    found = scaling.from_answer(answer, endpoint_name="e", variant_name="v")
    assert found is not None
    assert (found.metric, found.target_value, found.scale_in_cooldown) == ("CPUUtilization", 62.5, None)
    for request in found.requests:
        assert request_violations("application-autoscaling", request.operation, request.parameters) == []
    assert "62.5" in " ".join(notification.scaling_text(record(found)))


@pytest.mark.parametrize(
    "config",
    [{}, {"MinCapacity": 1, "MaxCapacity": 2}, {"MinCapacity": 1, "ScalingPolicies": [{"TargetTracking": {}}]}],
)
def test_an_answer_without_capacities_or_target_is_no_advice(config: dict[str, Any]) -> None:
    assert scaling.from_answer({"DynamicScalingConfiguration": config}, endpoint_name="e", variant_name="v") is None


def test_objective_is_whole_numbers_at_least_one() -> None:
    assert scaling.objective(0.2, 0.4) == (1, 1)
    assert scaling.objective(402.6, 2150.2) == (403, 2151)
    assert scaling.objective(50, 10) == (50, 50)


def record(found: Scaling) -> RunRecord:
    return RunRecord(
        endpoint_name="prod-endpoint",
        status="COMPLETED",
        job_name="ir-orchestrator-0123-my-endpoint",
        started_at="2026-11-25T03:00:00Z",
        verdict=Verdict(decision="CHANGE", rank=1, instance_type="ml.c5.xlarge", instance_count=1, reason="cheaper"),
        scaling=found,
    )


def test_the_email_shows_the_advice_and_two_cli_lines() -> None:
    found = scaling.from_answer(ANSWER, endpoint_name="prod-endpoint", variant_name="AllTraffic")
    assert found is not None
    text = notification.email_text(record(found), {})
    lines = text.splitlines()
    start = lines.index(
        "Autoscaling (the service's recommendation): min 1, max 3 instances, "
        "target 820 invocations per instance per minute; to apply:"
    )
    assert lines[start + 1 : start + 3] == [
        "  aws application-autoscaling register-scalable-target --service-namespace sagemaker "
        "--resource-id endpoint/prod-endpoint/variant/AllTraffic "
        "--scalable-dimension sagemaker:variant:DesiredInstanceCount --min-capacity 1 --max-capacity 3",
        "  aws application-autoscaling put-scaling-policy --policy-name prod-endpoint-AllTraffic-target-tracking "
        "--service-namespace sagemaker --resource-id endpoint/prod-endpoint/variant/AllTraffic "
        "--scalable-dimension sagemaker:variant:DesiredInstanceCount --policy-type TargetTrackingScaling "
        "--target-tracking-scaling-policy-configuration "
        '\'{"TargetValue":820,"PredefinedMetricSpecification":{"PredefinedMetricType":'
        '"SageMakerVariantInvocationsPerInstance"},"ScaleInCooldown":300,"ScaleOutCooldown":60}\'',
    ]
    assert "Autoscaling" not in notification.email_text(record(found).model_copy(update={"scaling": None}), {})
