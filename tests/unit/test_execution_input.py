"""The execution input contract: every bad field named with its rule, all at once."""

from __future__ import annotations

from typing import Any

import pytest

from recommender.errors import InvalidExecutionInput, violations_from_message
from recommender.models import ExecutionInput
from tests.conftest import valid_input


def violations(raw: Any) -> list[str]:
    with pytest.raises(InvalidExecutionInput) as caught:
        ExecutionInput.parse(raw)
    # The message carries the same list (that is how Record Failure gets it back from a Catch).
    assert violations_from_message(str(caught.value)) == caught.value.violations
    return caught.value.violations


def test_minimal_input_gets_defaults() -> None:
    parsed = ExecutionInput.parse(valid_input())
    assert parsed.job_type == "Default"
    assert parsed.allow_live_traffic is False
    assert parsed.trigger == "manual"
    assert parsed.wire() == {**valid_input(), "jobType": "Default", "allowLiveTraffic": False, "trigger": "manual"}


def test_full_advanced_input_round_trips() -> None:
    raw = valid_input(
        jobType="Advanced",
        jobDescription="weekly right-sizing check",
        allowLiveTraffic=True,
        jobDurationInSeconds=7200,
        trafficPattern={"TrafficType": "PHASES", "Phases": [{"InitialNumberOfUsers": 1, "SpawnRate": 1}]},
        stoppingConditions={"MaxInvocations": 300},
        resourceLimit={"MaxNumberOfTests": 10, "MaxParallelOfTests": 2},
        trigger="schedule:weekly-check",
    )
    assert ExecutionInput.parse(raw).wire() == raw


@pytest.mark.parametrize(
    ("raw", "expected"),
    [
        ({"modelPackageVersionArn": valid_input()["modelPackageVersionArn"]}, "endpointName: required"),
        ({"endpointName": "my-endpoint"}, "modelPackageVersionArn: required"),
        (valid_input(endpointName=7), "endpointName: Input should be a valid string"),
        (valid_input(endpointName="my_endpoint"), "endpointName: must be a SageMaker endpoint name"),
        (valid_input(endpointName="my-endpoint\n"), "endpointName: must be a SageMaker endpoint name"),
        (valid_input(endpointName="-leading"), "endpointName: must be a SageMaker endpoint name"),
        (valid_input(endpointName="a" * 64), "endpointName: must be a SageMaker endpoint name"),
        (valid_input(endpointName=""), "endpointName: must be a SageMaker endpoint name"),
        (
            valid_input(modelPackageVersionArn="arn:aws:sagemaker:us-east-1:123456789012:model-package/my-group"),
            "modelPackageVersionArn: must be a versioned model package ARN",
        ),
        (
            valid_input(modelPackageVersionArn=valid_input()["modelPackageVersionArn"] + "\n"),
            "modelPackageVersionArn: must be a versioned model package ARN",
        ),
        (valid_input(jobType="Fast"), "jobType: Input should be 'Default' or 'Advanced'"),
        (valid_input(allowLiveTraffic="true"), "allowLiveTraffic: Input should be a valid boolean"),
        (valid_input(jobDurationInSeconds=0), "jobDurationInSeconds: Input should be greater than or equal to 1"),
        (valid_input(jobDurationInSeconds=18001), "jobDurationInSeconds: Input should be less than or equal to 18000"),
        (valid_input(jobDurationInSeconds="60"), "jobDurationInSeconds: Input should be a valid integer"),
        (valid_input(jobDescription="x" * 129), "jobDescription: String should have at most 128 characters"),
        (
            valid_input(trigger="cron"),
            'trigger: must be "manual", "schedule:<schedule name>" or "fleet:<fleet execution name>"',
        ),
        (valid_input(endpointname="typo"), "endpointname: unknown key (allowed keys: allowLiveTraffic"),
        (valid_input(endpoint_name="my-endpoint"), "endpoint_name: unknown key"),
        (valid_input(roleArn="arn:aws:iam::123456789012:role/x"), "roleArn: unknown key"),
        (valid_input(trafficPattern={"TrafficType": "PHASES"}), "trafficPattern only valid with jobType Advanced"),
        (valid_input(resourceLimit={"MaxNumberOfTests": 1}), "resourceLimit only valid with jobType Advanced"),
        (valid_input(stoppingConditions={"MaxInvocations": 1}), "stoppingConditions only valid with jobType Advanced"),
    ],
)
def test_each_rule_names_field_and_rule(raw: dict[str, Any], expected: str) -> None:
    found = violations(raw)
    assert any(v.startswith(expected) for v in found), found


def test_durations_at_the_bounds_are_valid() -> None:
    assert ExecutionInput.parse(valid_input(jobDurationInSeconds=1)).job_duration_in_seconds == 1
    assert ExecutionInput.parse(valid_input(jobDurationInSeconds=18000)).job_duration_in_seconds == 18000


def test_all_problems_reported_together() -> None:
    found = violations({"endpointName": "bad name", "jobType": "Fast", "extra": 1})
    assert len(found) == 4
    assert {v.split(":")[0] for v in found} == {"endpointName", "modelPackageVersionArn", "jobType", "extra"}


@pytest.mark.parametrize("raw", [None, [], "my-endpoint", 3])
def test_non_object_input(raw: Any) -> None:
    assert violations(raw) == [f"the execution input must be a JSON object, got {type(raw).__name__}"]
