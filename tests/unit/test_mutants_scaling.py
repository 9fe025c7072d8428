"""The scaling advice (recommender.logic.scaling.from_answer) where mutation testing found it
unpinned (make mutation, issue 11): answers it must refuse, a customized metric's specification
whole, a predefined metric other than the default, cooldowns that are not whole seconds, and the
policy name's limit."""

from __future__ import annotations

import copy
from typing import Any

import pytest

from recommender.logic.scaling import from_answer
from tests.unit.support import SCALING_CONFIGURATION


def answer(**changes: Any) -> dict[str, Any]:
    config = copy.deepcopy(SCALING_CONFIGURATION)
    config.update(changes)
    return {"DynamicScalingConfiguration": config}


def tracking(metric_specification: dict[str, Any], target: Any = 820.0) -> list[dict[str, Any]]:
    return [{"TargetTracking": {"MetricSpecification": metric_specification, "TargetValue": target}}]


@pytest.mark.parametrize(
    "changes",
    [
        {"MinCapacity": None},
        {"MinCapacity": 1.5},
        {"MaxCapacity": None},
        {"ScalingPolicies": tracking({"Predefined": {"PredefinedMetricType": "X"}}, target=None)},
        {"ScalingPolicies": tracking({"Predefined": {"PredefinedMetricType": "X"}}, target=float("nan"))},
        {"ScalingPolicies": []},
    ],
    ids=["no-min", "fractional-min", "no-max", "no-target", "nan-target", "no-policy"],
)
def test_answers_without_what_a_policy_needs_give_none(changes: dict[str, Any]) -> None:
    assert from_answer(answer(**changes), endpoint_name="prod", variant_name="AllTraffic") is None


def policy_of(found: Any) -> dict[str, Any]:
    put = found.requests[1]
    assert put.operation == "PutScalingPolicy"
    config: dict[str, Any] = put.parameters["TargetTrackingScalingPolicyConfiguration"]
    return config


def test_a_customized_metric_is_kept_with_the_endpoints_dimensions() -> None:
    custom = {"MetricName": "CPUUtilization", "Namespace": "/aws/sagemaker/Endpoints", "Statistic": "Average"}
    found = from_answer(
        answer(ScalingPolicies=tracking({"Customized": custom}, target=50)), endpoint_name="prod", variant_name="A"
    )
    assert found is not None
    assert found.metric == "CPUUtilization"
    assert policy_of(found) == {
        "TargetValue": 50,
        "CustomizedMetricSpecification": {
            "MetricName": "CPUUtilization",
            "Namespace": "/aws/sagemaker/Endpoints",
            "Statistic": "Average",
            "Dimensions": [{"Name": "EndpointName", "Value": "prod"}, {"Name": "VariantName", "Value": "A"}],
        },
        "ScaleInCooldown": 300,
        "ScaleOutCooldown": 60,
    }


def test_members_a_customized_metric_lacks_are_left_out() -> None:
    found = from_answer(
        answer(ScalingPolicies=tracking({"Customized": {"MetricName": "CPUUtilization"}})),
        endpoint_name="prod",
        variant_name="A",
    )
    assert found is not None
    assert policy_of(found)["CustomizedMetricSpecification"] == {
        "MetricName": "CPUUtilization",
        "Dimensions": [{"Name": "EndpointName", "Value": "prod"}, {"Name": "VariantName", "Value": "A"}],
    }


@pytest.mark.parametrize(
    ("specification", "metric"),
    [
        (
            {"Predefined": {"PredefinedMetricType": "SageMakerVariantConcurrentRequestsPerModelHighResolution"}},
            "SageMakerVariantConcurrentRequestsPerModelHighResolution",
        ),
        ({"Predefined": {}}, "SageMakerVariantInvocationsPerInstance"),
        ({}, "SageMakerVariantInvocationsPerInstance"),
    ],
)
def test_the_predefined_metric_is_the_answers(specification: dict[str, Any], metric: str) -> None:
    found = from_answer(answer(ScalingPolicies=tracking(specification)), endpoint_name="prod", variant_name="A")
    assert found is not None
    assert found.metric == metric
    assert policy_of(found)["PredefinedMetricSpecification"] == {"PredefinedMetricType": metric}


def test_cooldowns_that_are_not_whole_seconds_are_left_out() -> None:
    found = from_answer(answer(ScaleInCooldown=300.5, ScaleOutCooldown="60"), endpoint_name="prod", variant_name="A")
    assert found is not None
    assert (found.scale_in_cooldown, found.scale_out_cooldown) == (None, None)
    assert "ScaleInCooldown" not in policy_of(found)
    assert "ScaleOutCooldown" not in policy_of(found)


def test_the_policy_name_is_cut_to_the_apis_256_characters() -> None:
    found = from_answer(answer(), endpoint_name="e" * 250, variant_name="AllTraffic")
    assert found is not None
    name = found.requests[1].parameters["PolicyName"]
    assert name == ("e" * 250 + "-AllTraffic-target-tracking")[:256]
    assert len(name) == 256
