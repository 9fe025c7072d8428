"""The CreateInferenceRecommendationsJob request Start Job builds, against the API's own limits."""

from __future__ import annotations

import pytest

from recommender.adapters.api_model import request_violations
from recommender.logic.job_request import job_members
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


# ------------------------------------------------------------------ Advanced jobs (load tests)
PHASES = {"TrafficType": "PHASES", "Phases": [{"InitialNumberOfUsers": 1, "SpawnRate": 1, "DurationInSeconds": 120}]}
STOPPING = {"MaxInvocations": 300, "ModelLatencyThresholds": [{"Percentile": "P95", "ValueInMilliseconds": 100}]}


def advanced(**fields: object) -> dict[str, object]:
    return {"endpointName": "e", "modelPackageVersionArn": PACKAGE, "jobType": "Advanced", **fields}


@pytest.mark.parametrize(
    ("fields", "violations"),
    [
        ({}, ["trafficPattern is required", "stoppingConditions is required"]),
        ({"trafficPattern": PHASES}, ["stoppingConditions is required"]),
        ({"stoppingConditions": STOPPING}, ["trafficPattern is required"]),
        (
            {"trafficPattern": {"TrafficType": "STAIRS"}, "stoppingConditions": STOPPING},
            ["trafficPattern.Stairs is required when TrafficType is STAIRS"],
        ),
        (
            {
                "trafficPattern": {
                    "TrafficType": "PHASES",
                    "Phases": [{"InitialNumberOfUsers": 4, "DurationInSeconds": 119}],
                },
                "stoppingConditions": STOPPING,
            },
            [
                "trafficPattern.Phases[0].InitialNumberOfUsers must be between 1 and 3, got 4",
                "trafficPattern.Phases[0].DurationInSeconds must be between 120 and 3600, got 119",
            ],
        ),
        (
            {"trafficPattern": PHASES, "stoppingConditions": STOPPING, "jobDurationInSeconds": 60},
            ["trafficPattern.Phases[0].DurationInSeconds (120) must not exceed jobDurationInSeconds (60)"],
        ),
    ],
    ids=["nothing", "no-stopping", "no-traffic", "stairs-without-stairs", "phase-limits", "phase-past-job"],
)
def test_advanced_jobs_need_what_the_load_test_documentation_says(
    fields: dict[str, object], violations: list[str]
) -> None:
    from recommender.errors import InvalidExecutionInput
    from recommender.steps.validate import parse_request

    with pytest.raises(InvalidExecutionInput) as info:
        parse_request(advanced(**fields))
    assert len(info.value.violations) == len(violations)
    for found, expected in zip(info.value.violations, violations, strict=True):
        assert found.startswith(expected)


def test_a_documented_load_test_passes() -> None:
    from recommender.steps.validate import parse_request

    request = parse_request(advanced(trafficPattern=PHASES, stoppingConditions=STOPPING, jobDurationInSeconds=7200))
    assert request.job_type == "Advanced"


# ------------------------------------------------------------------ the job's members, one definition
def test_a_default_jobs_members_benchmark_the_endpoint_with_its_model_package() -> None:
    request = ExecutionInput.parse({"endpointName": "demo-endpoint", "modelPackageVersionArn": PACKAGE})
    assert job_members(request) == {
        "JobType": "Default",
        "InputConfig": {"ModelPackageVersionArn": PACKAGE, "Endpoints": [{"EndpointName": "demo-endpoint"}]},
    }


def test_an_advanced_jobs_members_carry_every_load_test_member_given() -> None:
    limit = {"MaxNumberOfTests": 4, "MaxParallelOfTests": 2}
    request = ExecutionInput.parse(
        advanced(trafficPattern=PHASES, stoppingConditions=STOPPING, jobDurationInSeconds=7200, resourceLimit=limit)
    )
    members = job_members(request)
    assert members == {
        "JobType": "Advanced",
        "InputConfig": {
            "ModelPackageVersionArn": PACKAGE,
            "Endpoints": [{"EndpointName": "e"}],
            "JobDurationInSeconds": 7200,
            "TrafficPattern": PHASES,
            "ResourceLimit": limit,
        },
        "StoppingConditions": STOPPING,
    }
    # What Start Job sends: the same members, with the job's name, role and description.
    sent = create_request(
        state(
            "e",
            jobType="Advanced",
            resourceLimit=limit,
            trafficPattern=PHASES,
            stoppingConditions=STOPPING,
            jobDurationInSeconds=7200,
        ),
        ROLE,
    )
    assert {key: sent[key] for key in members} == members
