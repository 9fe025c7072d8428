"""The CreateInferenceRecommendationsJob request Start Job builds, against the API's own limits."""

from __future__ import annotations

import pytest

from recommender.adapters.api_model import request_violations
from recommender.logic.naming import job_name
from recommender.models import EndpointSnapshot, ExecutionInput, ExecutionRef, RunState
from recommender.steps.start import JOB_DESCRIPTION_MAX, create_request, default_description

ROLE = "arn:aws:iam::123456789012:role/ir-orchestrator-job-role"
PACKAGE = "arn:aws:sagemaker:us-east-1:123456789012:model-package/g/1"


def state(endpoint: str, trigger: str = "manual", **extra: object) -> RunState:
    execution = ExecutionRef(
        id="arn:aws:states:us-east-1:123456789012:execution:m:run-1", name="run-1", start_time="2026-11-25T03:00:00Z"
    )
    request = ExecutionInput.parse(
        {"endpointName": endpoint, "modelPackageVersionArn": PACKAGE, "trigger": trigger, **extra}
    )
    return RunState(
        execution=execution,
        request=request,
        endpoint=EndpointSnapshot(variant_name="AllTraffic", instance_type="ml.m5.xlarge", instance_count=1),
        job_name=job_name("ir-orchestrator", execution.id, "2026-11-25T03:00:00Z", endpoint),
        started_at="2026-11-25T03:00:00Z",
        deadline="2026-11-25T09:00:00Z",
    )


@pytest.mark.parametrize(
    ("endpoint", "trigger"),
    [
        ("e", "manual"),
        ("demo-endpoint", "schedule:weekly"),
        ("e" * 63, "manual"),
        ("e" * 63, "schedule:" + "s" * 64),  # the longest of both: 161 characters before the fix
    ],
)
def test_default_description_fits_the_api(endpoint: str, trigger: str) -> None:
    request = create_request(state(endpoint, trigger), ROLE)
    assert len(request["JobDescription"]) <= JOB_DESCRIPTION_MAX
    assert request["JobDescription"].startswith(f"Right-sizing check of {endpoint}")
    assert request_violations("sagemaker", "CreateInferenceRecommendationsJob", request) == []


def test_short_descriptions_are_whole_and_long_ones_say_they_were_cut() -> None:
    assert default_description("demo", "manual") == "Right-sizing check of demo (manual)"
    cut = default_description("e" * 63, "schedule:" + "s" * 64)
    assert len(cut) == JOB_DESCRIPTION_MAX
    assert cut.endswith("...")


def test_a_given_description_is_kept() -> None:
    request = create_request(state("demo", jobDescription="d" * 128), ROLE)
    assert request["JobDescription"] == "d" * 128
