"""Runs refused before any job exists: every kind of ineligible endpoint, and bad execution input.

Each one must fail at the first step, be recorded REJECTED with every violation, be notified, and
never reach the Inference Recommender service (no job, not even a describe).
"""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any

import pytest

from simulator import scenarios, seed
from simulator.offline import OfflineStack
from tests.e2e.support import (
    Observed,
    assert_notifies,
    mark,
    observe,
    run_input,
    scenario,
    started_at,
    status_change_event,
)

REJECTED_PATH = "Validate Endpoint -> Validation Failed -> Record Failure -> Run Failed"
INVALID_ENDPOINT_KEY = "(invalid input)"  # where runs without a usable endpoint name are recorded
PACKAGE_ARN = "arn:aws:sagemaker:us-east-1:123456789012:model-package/{}-models/1"


def assert_rejected(observed: Observed, error: str) -> dict[str, Any]:
    """Failed at Validate, recorded REJECTED and notified; nothing asked of the service, no lock."""
    assert observed.status == "FAILED"
    assert observed.execution["error"] == error
    assert observed.path == REJECTED_PATH
    assert observed.calls == []  # no job created, nothing described or stopped
    assert observed.lock is None
    item = observed.item
    assert item["status"] == "REJECTED"
    assert item["startedAt"] == started_at(observed.execution)
    assert item["trigger"] == "manual"
    for absent in ("jobArn", "currentEndpoint", "recommendations", "best", "comparison"):
        assert absent not in item
    # The execution's own error carries the same violations as the record (one per line).
    for violation in item["violations"]:
        assert f"\n- {violation}" in observed.error_message
    assert_notifies(observed.notification, item)
    return item


# ------------------------------------------------------------------------------ ineligible endpoints
@dataclass(frozen=True)
class Ineligible:
    """An endpoint breaking some eligibility rules, and a telling part of each expected violation."""

    expected: tuple[str, ...]
    endpoint: dict[str, Any] = field(default_factory=dict)  # EndpointSpec fields
    scenario: dict[str, Any] = field(default_factory=dict)  # Scenario fields
    status: str | None = None  # the endpoint's status, when not InService
    seeded: bool = True


INELIGIBLE = {
    "autoscaling": Ineligible(
        ("variant 'AllTraffic' is registered with Application Auto Scaling",),
        scenario={"autoscaling": True},
    ),
    "multi-model": Ineligible(
        ("endpoint hosts a multi-model container",),
        endpoint={"multi_model": True},
    ),
    "serverless": Ineligible(
        ("variant 'AllTraffic' is serverless; only real-time instance variants qualify",),
        endpoint={"serverless": True},
    ),
    "live-traffic": Ineligible(
        ("endpoint served 1250 invocations in the last 60 minutes (limit 0)", '"allowLiveTraffic": true'),
        scenario={"live_invocations": 1250},
    ),
    "not-in-service": Ineligible(("endpoint status is Updating, it must be InService",), status="Updating"),
    "model-package-metadata": Ineligible(
        ("model package lacks Domain, Task, SamplePayloadUrl",),
        scenario={"complete_model_package": False},
    ),
    "burstable-instance": Ineligible(
        ("runs on burstable ml.t2.medium, which Inference Recommender does not support",),
        endpoint={"instance_type": "ml.t2.medium"},
    ),
    "two-variants": Ineligible(
        ("endpoint has 2 production variants; Inference Recommender needs exactly one",),
        endpoint={"variants": 2},
    ),
    "async-inference": Ineligible(
        ("endpoint uses asynchronous inference",),
        endpoint={"async_inference": True},
    ),
    "managed-instance-scaling": Ineligible(
        ("variant 'AllTraffic' has managed instance scaling enabled",),
        endpoint={"managed_instance_scaling": True},
    ),
    "missing-endpoint-and-package": Ineligible(
        ("endpoint 'ineligible-missing-endpoint-and-package' does not exist", "model package arn:aws:sagemaker:"),
        seeded=False,
    ),
}


def one_violation_each(expected: tuple[str, ...], violations: list[str]) -> bool:
    """Each expected fragment in its own violation, in order, and no other violation."""
    return len(violations) == len(expected) and all(
        fragment in violation for fragment, violation in zip(expected, violations, strict=True)
    )


@pytest.mark.parametrize("kind", list(INELIGIBLE))
def test_ineligible_endpoint_is_rejected_without_a_job(world: OfflineStack, kind: str) -> None:
    case = INELIGIBLE[kind]
    endpoint = f"ineligible-{kind}"
    chosen = scenario("completed", endpoint, endpoint_changes=case.endpoint, **case.scenario)
    if case.seeded:
        execution_input = scenarios.prepare(world, chosen)
    else:
        execution_input = {"endpointName": endpoint, "modelPackageVersionArn": PACKAGE_ARN.format(endpoint)}
    if case.status:
        seed.set_endpoint_status(endpoint, case.status)
    observed = run_input(world, chosen, execution_input)

    item = assert_rejected(observed, "EndpointNotEligible")
    if kind == "live-traffic":  # one violation, two parts of it worth checking
        assert len(item["violations"]) == 1
        assert all(fragment in item["violations"][0] for fragment in case.expected)
    else:
        assert one_violation_each(case.expected, item["violations"]), item["violations"]
    assert item["endpointName"] == endpoint
    assert item["failureReason"] == f"Endpoint is not eligible for an Inference Recommender job: endpoint {endpoint}"
    assert item["jobType"] == "Default"
    assert item["modelPackageVersionArn"] == execution_input["modelPackageVersionArn"]


def test_every_broken_rule_is_reported_at_once(world: OfflineStack) -> None:
    endpoint = "ineligible-everything"
    chosen = scenario("ineligible", endpoint)  # t2, multi-model, autoscaling, incomplete package
    observed = run_input(world, chosen, scenarios.prepare(world, chosen))

    item = assert_rejected(observed, "EndpointNotEligible")
    assert one_violation_each(
        (
            "burstable ml.t2.medium",
            "registered with Application Auto Scaling",
            "multi-model container",
            "model package lacks Domain, Task, SamplePayloadUrl",
        ),
        item["violations"],
    ), item["violations"]
    email = observed.notification["bodies"]["email"]
    assert "Nothing was started. Fix the problems listed and start a new execution." in email


# ------------------------------------------------------------------------------ bad input
@dataclass(frozen=True)
class BadInput:
    execution_input: Any
    expected: tuple[str, ...]  # a telling part of each violation, in order
    recorded_under: str
    job_type: str | None  # as recorded (absent when the input's is not a job type)


BAD_INPUT = {
    "typo-and-bad-values": BadInput(
        scenarios.SCENARIOS["bad-input"].replace_input,
        (
            "endpointName: required",
            "modelPackageVersionArn: must be a versioned model package ARN",
            "jobType: Input should be 'Default' or 'Advanced'",
            "endpointname: unknown key (allowed keys: allowLiveTraffic, endpointName,",
        ),
        INVALID_ENDPOINT_KEY,
        None,
    ),
    "advanced-field-on-a-default-job": BadInput(
        {
            "endpointName": "bad-input-advanced-field",
            "modelPackageVersionArn": PACKAGE_ARN.format("bad-input-advanced-field"),
            "trafficPattern": {"TrafficType": "PHASES", "Phases": [{"InitialNumberOfUsers": 1}]},
        },
        ("trafficPattern only valid with jobType Advanced",),
        "bad-input-advanced-field",
        "Default",
    ),
    "pass-through-field-off-the-api-shape": BadInput(
        {
            "endpointName": "bad-input-api-shape",
            "modelPackageVersionArn": PACKAGE_ARN.format("bad-input-api-shape"),
            "jobType": "Advanced",
            "resourceLimit": {"MaxNumberOfTests": "ten"},
        },
        (
            "resourceLimit: does not match the API's RecommendationJobResourceLimit shape: Value 'ten' at "
            "'MaxNumberOfTests' failed to satisfy constraint: Member must be of type integer",
            # a load test also needs these (the load test documentation)
            "trafficPattern is required for Advanced (load test) jobs",
            "stoppingConditions is required for Advanced (load test) jobs",
        ),
        "bad-input-api-shape",
        "Advanced",
    ),
    "job-longer-than-the-service-allows": BadInput(
        {
            "endpointName": "bad-input-duration",
            "modelPackageVersionArn": PACKAGE_ARN.format("bad-input-duration"),
            "jobType": "Advanced",
            "jobDurationInSeconds": 18_001,
        },
        ("jobDurationInSeconds: Input should be less than or equal to 18000",),
        "bad-input-duration",
        "Advanced",
    ),
}


@pytest.mark.parametrize("case", list(BAD_INPUT))
def test_bad_input_is_rejected_without_a_job(world: OfflineStack, case: str) -> None:
    bad = BAD_INPUT[case]
    chosen = scenario("bad-input", f"bad-input-{case}"[:63])
    observed = run_input(world, chosen, bad.execution_input)

    item = assert_rejected(observed, "InvalidExecutionInput")
    assert item["endpointName"] == bad.recorded_under
    assert item["failureReason"] == "Invalid execution input"
    assert one_violation_each(bad.expected, item["violations"]), item["violations"]
    assert item.get("jobType") == bad.job_type
    assert item.get("modelPackageVersionArn") == bad.execution_input.get("modelPackageVersionArn")


@pytest.mark.parametrize("execution_input", ["my-endpoint", ["my-endpoint"]], ids=["string", "list"])
def test_input_that_is_not_an_object_is_rejected_and_recorded(world: OfflineStack, execution_input: Any) -> None:
    since = mark(world)
    ended = run_input(world, scenario("bad-input", "bad-input-not-an-object"), execution_input).execution
    # As deployed, the clean-up rule also hands every FAILED execution to Record Failure.
    world.invoke_function("record_failure", status_change_event(ended))
    observed = observe(world, ended, INVALID_ENDPOINT_KEY, since)

    item = assert_rejected(observed, "InvalidExecutionInput")
    kind = type(execution_input).__name__
    assert item["violations"] == [f"the execution input must be a JSON object, got {kind}"]
