"""`make simulate ARGS="--input FILE"`: a person's own execution input runs end to end offline.

The simulator seeds what a valid input names (the endpoint, the model package version) and sends
it; an input the product refuses is sent as is and shows the REJECTED path.
"""

from __future__ import annotations

import copy
from dataclasses import replace
from typing import Any

import boto3

from simulator import seed
from simulator.offline import REGION, OfflineStack
from simulator.scenarios import SCENARIOS, run
from tests.e2e.support import LOOP, mark, observe

WORLD_NOTE = (
    "the offline world is account 123456789012 in us-east-1, and the stack reads model packages of its own account "
    "and region only"
)


def sagemaker() -> Any:
    return boto3.client("sagemaker", region_name=REGION)


def test_the_readme_example_input_completes(world: OfflineStack) -> None:
    """The README's input names an endpoint and a eu-west-1 model package version: both are seeded,
    and the package ARN is sent with the world's region (said in one line)."""
    readme_input = {
        "endpointName": "fraud-detector",
        "modelPackageVersionArn": "arn:aws:sagemaker:eu-west-1:123456789012:model-package/fraud/3",
    }
    written = copy.deepcopy(readme_input)
    local = "arn:aws:sagemaker:us-east-1:123456789012:model-package/fraud/3"
    since = mark(world)

    result = run(world, SCENARIOS["completed"], execution_input=readme_input)

    assert readme_input == written  # what the person wrote is not changed in place
    assert result.notes == [
        "Seeded endpoint fraud-detector: ml.m5.xlarge x1 (the kind of endpoint of scenario completed)",
        "Seeded model package group fraud, versions 1-3",
        f"Sent modelPackageVersionArn {local} instead of {readme_input['modelPackageVersionArn']}: {WORLD_NOTE}",
    ]
    assert result.execution_input == {**readme_input, "modelPackageVersionArn": local}
    (execution,) = result.executions
    observed = observe(world, execution, "fraud-detector", since)
    assert observed.status == "SUCCEEDED"
    assert observed.path.endswith(f"x{observed.polls} -> Publish Results -> Done")
    assert LOOP in observed.path
    assert observed.item["status"] == "COMPLETED"
    assert observed.item["modelPackageVersionArn"] == local
    assert observed.calls_to("CreateInferenceRecommendationsJob")[0]["InputConfig"]["ModelPackageVersionArn"] == local


def test_an_input_of_the_worlds_region_is_sent_exactly_as_written(world: OfflineStack) -> None:
    own_input = {
        "endpointName": "custom-same-region",
        "modelPackageVersionArn": "arn:aws:sagemaker:us-east-1:123456789012:model-package/custom-same-region/1",
        "jobDescription": "my own input",
    }
    since = mark(world)

    result = run(world, SCENARIOS["completed"], execution_input=own_input, job_minutes=30)

    assert result.notes == [
        "Seeded endpoint custom-same-region: ml.m5.xlarge x1 (the kind of endpoint of scenario completed)",
        "Seeded model package group custom-same-region, version 1",
    ]
    assert result.execution_input is own_input
    (execution,) = result.executions
    observed = observe(world, execution, "custom-same-region", since)
    assert observed.status == "SUCCEEDED"
    assert observed.item["durationSeconds"] == 30 * 60


def test_the_scenario_decides_the_kind_of_endpoint_the_input_names(world: OfflineStack) -> None:
    own_input = {
        "endpointName": "custom-ineligible",
        "modelPackageVersionArn": "arn:aws:sagemaker:us-east-1:123456789012:model-package/custom-ineligible/2",
    }
    since = mark(world)

    result = run(world, SCENARIOS["ineligible"], execution_input=own_input)

    assert result.notes[0] == (
        "Seeded endpoint custom-ineligible: ml.t2.medium x1 (the kind of endpoint of scenario ineligible)"
    )
    (execution,) = result.executions
    observed = observe(world, execution, "custom-ineligible", since)
    assert observed.execution["error"] == "EndpointNotEligible"
    assert observed.item["status"] == "REJECTED"
    assert any("Application Auto Scaling" in violation for violation in observed.item["violations"])


def test_an_existing_endpoint_is_used_as_it_is(world: OfflineStack) -> None:
    seed.seed_endpoint(sagemaker(), seed.EndpointSpec(name="custom-existing"))
    own_input = {
        "endpointName": "custom-existing",
        "modelPackageVersionArn": "arn:aws:sagemaker:us-east-1:123456789012:model-package/custom-existing/1",
    }

    result = run(world, replace(SCENARIOS["completed"], autoscaling=True), execution_input=own_input)

    assert result.notes[0] == "Endpoint custom-existing: already in the offline world"
    assert result.executions[0]["status"] == "SUCCEEDED"  # no scaling target was added to it


def test_an_invalid_input_is_sent_as_is_and_rejected(world: OfflineStack) -> None:
    typo = {
        "endpointName": "custom-typo",
        "modelPackageVersionArn": "arn:aws:sagemaker:us-east-1:123456789012:model-package/custom-typo/1",
        "jobtype": "Advanced",
    }
    since = mark(world)

    result = run(world, SCENARIOS["completed"], execution_input=typo)

    assert result.notes == ["Seeded nothing: not a valid execution input, sent as is"]
    assert result.execution_input is typo
    assert not seed.endpoint_exists(sagemaker(), "custom-typo")
    (execution,) = result.executions
    observed = observe(world, execution, "custom-typo", since)
    assert observed.execution["error"] == "InvalidExecutionInput"
    assert observed.item["status"] == "REJECTED"


def test_an_input_that_is_not_an_object_is_sent_as_is(world: OfflineStack) -> None:
    since = mark(world)

    result = run(world, SCENARIOS["completed"], execution_input=["custom-list"])

    assert result.execution_input == ["custom-list"]
    (execution,) = result.executions
    observed = observe(world, execution, "(invalid input)", since)
    assert observed.execution["error"] == "InvalidExecutionInput"
    assert observed.notification["attributes"]["status"] == "REJECTED"


def test_a_version_too_far_to_register_is_not_seeded(world: OfflineStack) -> None:
    far = {
        "endpointName": "custom-far-version",
        "modelPackageVersionArn": "arn:aws:sagemaker:us-east-1:123456789012:model-package/custom-far/5000",
    }

    result = run(world, SCENARIOS["completed"], execution_input=far)

    assert result.notes[1] == (
        "Seeded no model package: version 5000 would take 5000 registrations (at most 1000 offline); sent as is"
    )
    assert result.executions[0]["error"] == "EndpointNotEligible"
