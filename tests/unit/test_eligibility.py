"""Each eligibility rule alone, several together, and the model package rules."""

from __future__ import annotations

from dataclasses import replace
from typing import Any

import pytest

from recommender.logic.eligibility import (
    EndpointFacts,
    ModelPackageFacts,
    ServingFacts,
    TrafficRule,
    VariantFacts,
    endpoint_violations,
    model_package_violations,
    target_violations,
)

VARIANT = VariantFacts(name="AllTraffic", instance_type="ml.m5.xlarge", instance_count=1, model_name="m")
GOOD = EndpointFacts(name="ep", exists=True, status="InService", variants=[VARIANT], invocations=0)
TRAFFIC = TrafficRule(lookback_minutes=60, max_invocations=10, allowed=False)
PACKAGE_OK = ModelPackageFacts(
    exists=True,
    status="Completed",
    has_domain=True,
    has_task=True,
    has_sample_payload=True,
    has_framework=True,
    has_framework_version=True,
)
ARN = "arn:aws:sagemaker:us-east-1:123456789012:model-package/g/1"


def test_eligible_endpoint_has_no_violations() -> None:
    assert endpoint_violations(GOOD, TRAFFIC) == []
    assert model_package_violations(ARN, PACKAGE_OK) == []


@pytest.mark.parametrize(
    ("facts", "expected"),
    [
        (EndpointFacts(name="ep", exists=False), "endpoint 'ep' does not exist"),
        (replace(GOOD, status="Updating"), "endpoint status is Updating, it must be InService"),
        (replace(GOOD, variants=[VARIANT, replace(VARIANT, name="B")]), "endpoint has 2 production variants"),
        (replace(GOOD, variants=[]), "endpoint has 0 production variants"),
        (replace(GOOD, shadow_variant_count=1), "endpoint has 1 shadow variant(s)"),
        (replace(GOOD, variants=[replace(VARIANT, serverless=True)]), "variant 'AllTraffic' is serverless"),
        (replace(GOOD, async_inference=True), "endpoint uses asynchronous inference"),
        (replace(GOOD, autoscaled_variants=["AllTraffic"]), "variant 'AllTraffic' is registered with Application"),
        (replace(GOOD, missing_config="ep-config"), "endpoint config 'ep-config' of the endpoint no longer exists"),
        (replace(GOOD, missing_models=["m"]), "model 'm' of the endpoint no longer exists"),
        (
            replace(GOOD, variants=[replace(VARIANT, managed_instance_scaling=True)]),
            "variant 'AllTraffic' has managed instance scaling enabled",
        ),
        (replace(GOOD, multi_model=True), "endpoint hosts a multi-model container"),
        (replace(GOOD, invocations=11), "endpoint served 11 invocations in the last 60 minutes (limit 10)"),
        (
            replace(GOOD, variants=[replace(VARIANT, instance_type="ml.t2.medium")]),
            "variant 'AllTraffic' runs on burstable ml.t2.medium",
        ),
    ],
)
def test_each_rule_alone(facts: EndpointFacts, expected: str) -> None:
    found = endpoint_violations(facts, TRAFFIC)
    assert len(found) == 1, found
    assert found[0].startswith(expected)


def test_traffic_at_threshold_allowed_and_override() -> None:
    assert endpoint_violations(replace(GOOD, invocations=10), TRAFFIC) == []
    assert endpoint_violations(replace(GOOD, invocations=10_000), replace(TRAFFIC, allowed=True)) == []


def test_burstable_rule_is_t2_only() -> None:
    assert endpoint_violations(replace(GOOD, variants=[replace(VARIANT, instance_type="ml.t3.medium")]), TRAFFIC) == []


def test_several_together_all_reported() -> None:
    facts = replace(
        GOOD,
        status="Failed",
        variants=[replace(VARIANT, instance_type="ml.t2.large"), replace(VARIANT, name="B", serverless=True)],
        async_inference=True,
        autoscaled_variants=["AllTraffic", "B"],
        multi_model=True,
        invocations=500,
    )
    found = endpoint_violations(facts, TRAFFIC)
    assert len(found) == 9  # status, count, burstable, serverless, async, 2 x autoscaling, multi-model, traffic
    assert any("burstable" in v for v in found)
    assert any("serverless" in v for v in found)
    assert sum("Application Auto Scaling" in v for v in found) == 2


@pytest.mark.parametrize(
    ("facts", "expected"),
    [
        (ModelPackageFacts(exists=False), [f"model package {ARN} does not exist"]),
        (replace(PACKAGE_OK, status="Failed"), ["model package status is Failed, it must be Completed"]),
        (replace(PACKAGE_OK, has_domain=False), ["model package lacks Domain; register"]),
        (replace(PACKAGE_OK, has_task=False), ["model package lacks Task; register"]),
        (replace(PACKAGE_OK, has_sample_payload=False), ["model package lacks SamplePayloadUrl; register"]),
        (replace(PACKAGE_OK, has_framework=False), ["model package lacks Framework; register"]),
        (replace(PACKAGE_OK, has_framework_version=False), ["model package lacks FrameworkVersion; register"]),
        (
            replace(PACKAGE_OK, has_framework=False, has_framework_version=False),
            ["model package lacks Framework, FrameworkVersion; register"],
        ),
        (
            replace(PACKAGE_OK, status="Pending", has_domain=False, has_task=False, has_sample_payload=False),
            ["model package status is Pending", "model package lacks Domain, Task, SamplePayloadUrl;"],
        ),
    ],
)
def test_model_package_rules(facts: ModelPackageFacts, expected: list[str]) -> None:
    found = model_package_violations(ARN, facts)
    assert len(found) == len(expected)
    for line, prefix in zip(found, expected, strict=True):
        assert line.startswith(prefix)


# ------------------------------------------------------------------ instance type of a variant
@pytest.mark.parametrize(
    ("spec", "live", "expected"),
    [
        # The type is on the endpoint config's variant; the endpoint's summary has no instance type.
        ({"InstanceType": "ml.m5.xlarge", "InitialInstanceCount": 1}, {"CurrentInstanceCount": 3}, ("ml.m5.xlarge", 3)),
        ({"InstanceType": "ml.m5.xlarge", "InitialInstanceCount": 2}, {}, ("ml.m5.xlarge", 2)),
        # Instance pools: the live pool with the most instances, else the config's first pool.
        (
            {"InstancePools": [{"InstanceType": "ml.c5.xlarge", "Priority": 1}, {"InstanceType": "ml.m5.xlarge"}]},
            {
                "CurrentInstanceCount": 4,
                "InstancePools": [
                    {"InstanceType": "ml.c5.xlarge", "CurrentInstanceCount": 1},
                    {"InstanceType": "ml.m5.xlarge", "CurrentInstanceCount": 3},
                ],
            },
            ("ml.m5.xlarge", 4),
        ),
        (
            {"InstancePools": [{"InstanceType": "ml.c5.xlarge", "Priority": 1}], "InitialInstanceCount": 1},
            {},
            ("ml.c5.xlarge", 1),
        ),
        ({"ServerlessConfig": {"MemorySizeInMB": 2048, "MaxConcurrency": 5}}, {}, (None, None)),
    ],
    ids=["config-type-live-count", "config-type-initial-count", "busiest-live-pool", "first-config-pool", "serverless"],
)
def test_instance_type_and_count(
    spec: dict[str, Any], live: dict[str, Any], expected: tuple[str | None, int | None]
) -> None:
    from recommender.adapters.sagemaker import _instances

    assert _instances({"VariantName": "AllTraffic", **spec}, live) == expected


# ------------------------------------------------------------------ the target endpoint
def serving(name: str, *variants: tuple[str, str | None, int | None, tuple[str, ...] | None]) -> ServingFacts:
    return ServingFacts(name=name, exists=True, variants=list(variants))


MODEL = ("image|s3://models/a.tar.gz",)
STAGING = serving("staging", ("AllTraffic", "ml.m5.xlarge", 1, MODEL))


@pytest.mark.parametrize(
    ("target", "violation"),
    [
        (serving("prod", ("AllTraffic", "ml.c5.xlarge", 4, MODEL)), None),
        (ServingFacts(name="prod", exists=False, variants=[]), "targetEndpointName: endpoint 'prod' does not exist"),
        (
            serving("prod", ("A", "ml.c5.xlarge", 1, MODEL), ("B", "ml.c5.xlarge", 1, MODEL)),
            "targetEndpointName: endpoint 'prod' has 2 production variants",
        ),
        (serving("prod", ("AllTraffic", "ml.c5.xlarge", 1, None)), "targetEndpointName: endpoint 'prod': the model"),
        (
            serving("prod", ("AllTraffic", "ml.c5.xlarge", 1, ("image|s3://models/b.tar.gz",))),
            "targetEndpointName: endpoint 'prod' serves another model than endpoint 'staging'",
        ),
    ],
    ids=["same-model", "missing", "two-variants", "model-gone", "another-model"],
)
def test_target_endpoint_rules(target: ServingFacts, violation: str | None) -> None:
    found = target_violations(STAGING, target)
    if violation is None:
        assert found == []
    else:
        [only] = found
        assert only.startswith(violation)


def test_a_target_whose_endpoint_config_is_gone_cannot_be_sized() -> None:
    target = ServingFacts(name="prod", exists=True, variants=[], missing_config="prod-config")
    assert target_violations(STAGING, target) == [
        "targetEndpointName: endpoint 'prod': its endpoint config 'prod-config' no longer exists; "
        "update the endpoint to an existing endpoint config"
    ]


@pytest.mark.parametrize(
    "benchmarked",
    [
        ServingFacts(name="staging", exists=True, variants=[], missing_config="staging-config"),
        serving("staging", ("AllTraffic", "ml.m5.xlarge", 1, None)),
    ],
    ids=["config-gone", "model-gone"],
)
def test_a_benchmarked_endpoint_whose_model_is_unknown_blames_no_target(benchmarked: ServingFacts) -> None:
    """Its own rules name what is gone; there is no model to compare the target's with."""
    assert target_violations(benchmarked, serving("prod", ("AllTraffic", "ml.c5.xlarge", 4, MODEL))) == []
