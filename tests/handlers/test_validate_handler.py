"""Validate Endpoint against moto: the execution input and every eligibility rule."""

from __future__ import annotations

from datetime import timedelta
from typing import Any

import pytest
from aws_lambda_powertools.utilities.typing import LambdaContext
from moto.sagemaker.models import sagemaker_backends

from recommender.errors import EndpointNotEligible, InvalidExecutionInput
from recommender.handlers import validate
from simulator.clock import SimulatedClock
from simulator.seed import (
    IMAGE,
    MODEL_DATA,
    EndpointSpec,
    seed_autoscaling,
    seed_endpoint,
    seed_traffic,
    set_endpoint_status,
)
from tests.handlers.support import (
    ACCOUNT,
    DEADLINE,
    ENDPOINT,
    REGION,
    START_TIME,
    STARTED_AT,
    World,
    execution,
    execution_arn,
    expected_job_name,
)


def rejected(world: World, context: LambdaContext, execution_input: Any) -> EndpointNotEligible:
    with pytest.raises(EndpointNotEligible) as info:
        validate.lambda_handler(world.validate_event(execution_input), context)
    assert world.fake.calls == []  # nothing was created, described or stopped
    return info.value


def invalid(world: World, context: LambdaContext, execution_input: Any) -> InvalidExecutionInput:
    with pytest.raises(InvalidExecutionInput) as info:
        validate.lambda_handler(world.validate_event(execution_input), context)
    assert world.fake.calls == []
    assert world.runs() == []  # Validate writes nothing: Record Failure records the rejection
    return info.value


def test_eligible_endpoint_gives_the_run_state(world: World, lambda_context: LambdaContext) -> None:
    execution_input = world.input(jobDescription="weekly right-sizing check", trigger="schedule:weekly-demo")

    state = validate.lambda_handler(world.validate_event(execution_input), lambda_context)

    assert state == {
        "execution": {"id": execution_arn(), "name": "run-1", "startTime": START_TIME},
        "request": {
            "endpointName": ENDPOINT,
            "modelPackageVersionArn": world.package_arn,
            "jobType": "Default",
            "jobDescription": "weekly right-sizing check",
            "allowLiveTraffic": False,
            "trigger": "schedule:weekly-demo",
        },
        "endpoint": {"variantName": "AllTraffic", "instanceType": "ml.m5.xlarge", "instanceCount": 2},
        "jobName": expected_job_name(),
        "startedAt": STARTED_AT,
        "deadline": DEADLINE,  # the execution's start + MAX_RUN_HOURS (6)
    }
    assert world.fake.calls == []


def test_job_name_is_deterministic_per_execution(world: World, lambda_context: LambdaContext) -> None:
    first = validate.lambda_handler(world.validate_event(), lambda_context)
    again = validate.lambda_handler(world.validate_event(), lambda_context)
    other = validate.lambda_handler(world.validate_event(name="run-2"), lambda_context)

    assert first["jobName"] == again["jobName"] == expected_job_name("run-1")
    assert other["jobName"] == expected_job_name("run-2") != first["jobName"]
    # The part that tells runs apart sits inside the 40 characters the service keeps.
    assert first["jobName"][:40] != other["jobName"][:40]


def test_deadline_follows_the_execution_start_not_the_clock(
    world: World, clock: SimulatedClock, lambda_context: LambdaContext
) -> None:
    clock.advance(90)  # Validate retried a minute and a half after the execution started
    state = validate.lambda_handler(world.validate_event(), lambda_context)
    assert (state["startedAt"], state["deadline"]) == (STARTED_AT, DEADLINE)


# --------------------------------------------------------------------------- ineligible endpoints
def test_missing_endpoint(world: World, lambda_context: LambdaContext) -> None:
    error = rejected(world, lambda_context, world.input(endpointName="no-such-endpoint"))
    assert error.violations == ["endpoint 'no-such-endpoint' does not exist in this account and region"]
    assert "no-such-endpoint" in str(error)


def test_deleted_endpoint_config_is_a_rejection_not_an_error(world: World, lambda_context: LambdaContext) -> None:
    # An endpoint keeps serving after its config is deleted, but nothing can be created from it:
    # DescribeEndpointConfig answers ValidationException ("Could not find endpoint configuration").
    world.sagemaker.delete_endpoint_config(EndpointConfigName=f"{ENDPOINT}-config")
    error = rejected(world, lambda_context, world.input())
    assert error.violations == [
        f"endpoint config '{ENDPOINT}-config' of the endpoint no longer exists; "
        "update the endpoint to an existing endpoint config"
    ]


def test_deleted_model_is_a_rejection_not_an_error(world: World, lambda_context: LambdaContext) -> None:
    world.sagemaker.delete_model(ModelName=f"{ENDPOINT}-model")
    error = rejected(world, lambda_context, world.input())
    assert error.violations == [
        f"model '{ENDPOINT}-model' of the endpoint no longer exists; update the endpoint to an existing model"
    ]


@pytest.mark.parametrize("status", ["Updating", "Creating", "Failed"])
def test_endpoint_not_in_service(world: World, lambda_context: LambdaContext, status: str) -> None:
    set_endpoint_status(ENDPOINT, status, ACCOUNT, REGION)
    error = rejected(world, lambda_context, world.input())
    assert error.violations == [f"endpoint status is {status}, it must be InService"]


@pytest.mark.parametrize(
    ("spec", "violation"),
    [
        pytest.param(
            EndpointSpec(name="two-variants", variants=2),
            "endpoint has 2 production variants; Inference Recommender needs exactly one",
            id="two-variants",
        ),
        pytest.param(
            EndpointSpec(name="serverless", serverless=True),
            "variant 'AllTraffic' is serverless; only real-time instance variants qualify",
            id="serverless",
        ),
        pytest.param(
            EndpointSpec(name="async", async_inference=True),
            "endpoint uses asynchronous inference; only real-time endpoints qualify",
            id="async",
        ),
        pytest.param(
            EndpointSpec(name="managed-scaling", managed_instance_scaling=True),
            "variant 'AllTraffic' has managed instance scaling enabled; disable it first",
            id="managed-instance-scaling",
        ),
        pytest.param(
            EndpointSpec(name="multi-model", multi_model=True),
            "endpoint hosts a multi-model container; only single-model endpoints qualify",
            id="multi-model",
        ),
        pytest.param(
            EndpointSpec(name="burstable", instance_type="ml.t2.medium"),
            "variant 'AllTraffic' runs on burstable ml.t2.medium, which Inference Recommender does not support",
            id="ml-t2",
        ),
    ],
)
def test_ineligible_endpoint_kind(
    world: World, lambda_context: LambdaContext, spec: EndpointSpec, violation: str
) -> None:
    seed_endpoint(world.sagemaker, spec)
    error = rejected(world, lambda_context, world.input(endpointName=spec.name))
    assert error.violations == [violation]
    assert str(error).startswith(f"Endpoint is not eligible for an Inference Recommender job: endpoint {spec.name}\n")


def test_autoscaling_target(world: World, lambda_context: LambdaContext) -> None:
    seed_autoscaling(world.autoscaling(), ENDPOINT)
    error = rejected(world, lambda_context, world.input())
    assert error.violations == [
        "variant 'AllTraffic' is registered with Application Auto Scaling; "
        "deregister the scalable target for the duration of the job"
    ]


def test_autoscaling_of_another_endpoint_does_not_count(world: World, lambda_context: LambdaContext) -> None:
    seed_autoscaling(world.autoscaling(), "other-endpoint")
    state = validate.lambda_handler(world.validate_event(), lambda_context)
    assert state["jobName"] == expected_job_name()


def test_live_traffic_above_the_threshold(world: World, clock: SimulatedClock, lambda_context: LambdaContext) -> None:
    seed_traffic(world.cloudwatch(), ENDPOINT, 42, clock.now() - timedelta(minutes=5))
    error = rejected(world, lambda_context, world.input())
    assert error.violations == [
        "endpoint served 42 invocations in the last 60 minutes (limit 0); benchmarking live endpoints slows "
        'them and skews results. Use a copy of the endpoint, or set "allowLiveTraffic": true'
    ]


def test_live_traffic_allowed_by_the_input(world: World, clock: SimulatedClock, lambda_context: LambdaContext) -> None:
    seed_traffic(world.cloudwatch(), ENDPOINT, 42, clock.now() - timedelta(minutes=5))
    state = validate.lambda_handler(world.validate_event(world.input(allowLiveTraffic=True)), lambda_context)
    assert state["request"]["allowLiveTraffic"] is True
    assert state["endpoint"]["instanceType"] == "ml.m5.xlarge"


def test_traffic_older_than_the_look_back_does_not_count(
    world: World, clock: SimulatedClock, lambda_context: LambdaContext
) -> None:
    cloudwatch = world.cloudwatch()
    seed_traffic(cloudwatch, ENDPOINT, 500, clock.now() - timedelta(minutes=90))
    seed_traffic(cloudwatch, "other-endpoint", 500, clock.now() - timedelta(minutes=5))
    state = validate.lambda_handler(world.validate_event(), lambda_context)
    assert state["jobName"] == expected_job_name()


def test_missing_model_package(world: World, lambda_context: LambdaContext) -> None:
    arn = f"arn:aws:sagemaker:{REGION}:{ACCOUNT}:model-package/demo-models/7"
    error = rejected(world, lambda_context, world.input(modelPackageVersionArn=arn))
    assert error.violations == [f"model package {arn} does not exist"]


FRAMEWORK = {"Framework": "PYTORCH", "FrameworkVersion": "2.1"}


def _package(
    world: World, group: str, *, containers: list[dict[str, str]] | None = None, metadata: dict[str, str] | None = None
) -> str:
    world.sagemaker.create_model_package_group(ModelPackageGroupName=group)
    specification: Any = {
        "Containers": containers or [{"Image": IMAGE, "ModelDataUrl": MODEL_DATA, **FRAMEWORK}],
        "SupportedContentTypes": ["application/x-image"],
        "SupportedResponseMIMETypes": ["application/json"],
    }
    created = world.sagemaker.create_model_package(
        ModelPackageGroupName=group,
        ModelApprovalStatus="Approved",
        InferenceSpecification=specification,
        **(metadata or {}),  # type: ignore[arg-type]
    )
    return created["ModelPackageArn"]


@pytest.mark.parametrize(
    ("metadata", "missing"),
    [
        ({}, "Domain, Task, SamplePayloadUrl"),
        ({"Domain": "COMPUTER_VISION", "Task": "IMAGE_CLASSIFICATION"}, "SamplePayloadUrl"),
        ({"Task": "IMAGE_CLASSIFICATION", "SamplePayloadUrl": "s3://demo-models/payload.tar.gz"}, "Domain"),
        ({"Domain": "COMPUTER_VISION", "SamplePayloadUrl": "s3://demo-models/payload.tar.gz"}, "Task"),
    ],
    ids=["none", "no-sample-payload", "no-domain", "no-task"],
)
def test_model_package_lacking_metadata(
    world: World, lambda_context: LambdaContext, metadata: dict[str, str], missing: str
) -> None:
    arn = _package(world, "partial-models", metadata=metadata)
    error = rejected(world, lambda_context, world.input(modelPackageVersionArn=arn))
    assert error.violations == [
        f"model package lacks {missing}; register the version with them (Framework and FrameworkVersion on "
        "every container of InferenceSpecification; the job would fail after 25-30 minutes without)"
    ]


COMPLETE = {"Domain": "COMPUTER_VISION", "Task": "IMAGE_CLASSIFICATION", "SamplePayloadUrl": "s3://m/payload.tar.gz"}


@pytest.mark.parametrize(
    ("containers", "missing"),
    [
        ([{"Image": IMAGE, "ModelDataUrl": MODEL_DATA}], "Framework, FrameworkVersion"),
        ([{"Image": IMAGE, "ModelDataUrl": MODEL_DATA, "Framework": "PYTORCH"}], "FrameworkVersion"),
        ([{"Image": IMAGE, "ModelDataUrl": MODEL_DATA, "FrameworkVersion": "2.1"}], "Framework"),
        (  # every container needs both
            [{"Image": IMAGE, "ModelDataUrl": MODEL_DATA, **FRAMEWORK}, {"Image": IMAGE, "Framework": "PYTORCH"}],
            "FrameworkVersion",
        ),
    ],
    ids=["neither", "no-version", "no-framework", "second-container"],
)
def test_model_package_without_its_framework(
    world: World, lambda_context: LambdaContext, containers: list[dict[str, str]], missing: str
) -> None:
    # The service needs both on InferenceSpecification.Containers[] (prerequisites page); without
    # them the job fails after the load test started.
    arn = _package(world, "no-framework-models", containers=containers, metadata=COMPLETE)
    error = rejected(world, lambda_context, world.input(modelPackageVersionArn=arn))
    assert len(error.violations) == 1
    assert error.violations[0].startswith(f"model package lacks {missing}; register the version with them")


def test_model_package_not_completed(world: World, lambda_context: LambdaContext) -> None:
    [package] = [p for p in sagemaker_backends[ACCOUNT][REGION].model_packages.values() if p.arn == world.package_arn]
    package.model_package_status = "InProgress"
    error = rejected(world, lambda_context, world.input())
    assert error.violations == ["model package status is InProgress, it must be Completed"]


def test_every_violation_is_reported_at_once(
    world: World, clock: SimulatedClock, lambda_context: LambdaContext
) -> None:
    spec = EndpointSpec(name="everything-wrong", instance_type="ml.t2.large", variants=2, async_inference=True)
    seed_endpoint(world.sagemaker, spec)
    seed_autoscaling(world.autoscaling(), spec.name, "Variant2")
    seed_traffic(world.cloudwatch(), spec.name, 7, clock.now() - timedelta(minutes=1))
    set_endpoint_status(spec.name, "Updating", ACCOUNT, REGION)
    package = _package(world, "bare-models")

    error = rejected(world, lambda_context, world.input(endpointName=spec.name, modelPackageVersionArn=package))

    assert error.violations == [
        "endpoint status is Updating, it must be InService",
        "endpoint has 2 production variants; Inference Recommender needs exactly one",
        "variant 'AllTraffic' runs on burstable ml.t2.large, which Inference Recommender does not support",
        "variant 'Variant2' runs on burstable ml.t2.large, which Inference Recommender does not support",
        "endpoint uses asynchronous inference; only real-time endpoints qualify",
        "variant 'Variant2' is registered with Application Auto Scaling; "
        "deregister the scalable target for the duration of the job",
        "endpoint served 7 invocations in the last 60 minutes (limit 0); benchmarking live endpoints slows "
        'them and skews results. Use a copy of the endpoint, or set "allowLiveTraffic": true',
        "model package lacks Domain, Task, SamplePayloadUrl; register the version with them (Framework and "
        "FrameworkVersion on every container of InferenceSpecification; the job would fail after 25-30 minutes "
        "without)",
    ]
    # The message lists them one per line, which is how Record Failure reads them back.
    assert str(error).splitlines()[1:] == [f"- {v}" for v in error.violations]


def test_missing_endpoint_and_missing_package_together(world: World, lambda_context: LambdaContext) -> None:
    arn = f"arn:aws:sagemaker:{REGION}:{ACCOUNT}:model-package/nowhere/1"
    error = rejected(world, lambda_context, world.input(endpointName="gone", modelPackageVersionArn=arn))
    assert error.violations == [
        "endpoint 'gone' does not exist in this account and region",
        f"model package {arn} does not exist",
    ]


# --------------------------------------------------------------------------- bad input
@pytest.mark.parametrize(
    ("execution_input", "expected"),
    [
        pytest.param({"modelPackageVersionArn": "PACKAGE"}, ["endpointName: required"], id="missing-endpoint"),
        pytest.param({"endpointName": ENDPOINT}, ["modelPackageVersionArn: required"], id="missing-package"),
        pytest.param(
            {"endpointName": "demo-endpoint\n", "modelPackageVersionArn": "PACKAGE"},
            ["endpointName: must be a SageMaker endpoint name"],
            id="trailing-newline",
        ),
        pytest.param(
            {"endpointName": "demo_endpoint", "modelPackageVersionArn": "PACKAGE"},
            ["endpointName: must be a SageMaker endpoint name"],
            id="underscore",
        ),
        pytest.param(
            {"endpointName": ENDPOINT, "modelPackageVersionArn": "PACKAGE", "endpointname": "typo"},
            ["endpointname: unknown key"],
            id="unknown-key",
        ),
        pytest.param(
            {"endpointName": ENDPOINT, "modelPackageVersionArn": "PACKAGE", "jobRoleArn": "arn:aws:iam::1:role/x"},
            ["jobRoleArn: unknown key"],
            id="no-role-in-input",
        ),
        pytest.param(
            {
                "endpointName": ENDPOINT,
                "modelPackageVersionArn": f"arn:aws:sagemaker:{REGION}:{ACCOUNT}:model-package-group/demo-models",
            },
            ["modelPackageVersionArn: must be a versioned model package ARN"],
            id="unversioned-package",
        ),
        pytest.param(
            {"endpointName": ENDPOINT, "modelPackageVersionArn": "PACKAGE", "jobType": "Quick"},
            ["jobType: "],
            id="job-type",
        ),
        pytest.param(
            {"endpointName": ENDPOINT, "modelPackageVersionArn": "PACKAGE", "jobDurationInSeconds": 18001},
            ["jobDurationInSeconds: "],
            id="duration-too-long",
        ),
        pytest.param(
            {"endpointName": ENDPOINT, "modelPackageVersionArn": "PACKAGE", "jobDurationInSeconds": 0},
            ["jobDurationInSeconds: "],
            id="duration-zero",
        ),
        pytest.param(
            {"endpointName": ENDPOINT, "modelPackageVersionArn": "PACKAGE", "allowLiveTraffic": "yes"},
            ["allowLiveTraffic: "],
            id="bool-as-string",
        ),
        pytest.param(
            {"endpointName": ENDPOINT, "modelPackageVersionArn": "PACKAGE", "resourceLimit": {"MaxNumberOfTests": 2}},
            ["resourceLimit only valid with jobType Advanced"],
            id="advanced-only-field-on-default",
        ),
        pytest.param(
            {"endpointName": "bad name", "modelPackageVersionArn": 3, "colour": "blue"},
            [
                "endpointName: must be a SageMaker endpoint name",
                "modelPackageVersionArn: ",
                "colour: unknown key",
            ],
            id="several-at-once",
        ),
    ],
)
def test_bad_input_names_each_field(
    world: World, lambda_context: LambdaContext, execution_input: dict[str, Any], expected: list[str]
) -> None:
    if execution_input.get("modelPackageVersionArn") == "PACKAGE":
        execution_input = {**execution_input, "modelPackageVersionArn": world.package_arn}
    error = invalid(world, lambda_context, execution_input)
    assert len(error.violations) == len(expected), error.violations
    for violation, start in zip(sorted(error.violations), sorted(expected), strict=True):
        assert violation.startswith(start), (violation, start)


@pytest.mark.parametrize("raw", [["demo-endpoint"], "demo-endpoint", None, 42], ids=["list", "string", "null", "int"])
def test_input_that_is_not_an_object(world: World, lambda_context: LambdaContext, raw: Any) -> None:
    with pytest.raises(InvalidExecutionInput) as info:
        validate.lambda_handler({"input": raw, "execution": execution()}, lambda_context)
    assert info.value.violations == [f"the execution input must be a JSON object, got {type(raw).__name__}"]
    assert world.fake.calls == []


LOAD_TEST = {
    "trafficPattern": {
        "TrafficType": "PHASES",
        "Phases": [{"InitialNumberOfUsers": 1, "SpawnRate": 1, "DurationInSeconds": 120}],
    },
    "stoppingConditions": {"MaxInvocations": 300},
}


@pytest.mark.parametrize(
    ("field", "value", "shape"),
    [
        pytest.param(
            "trafficPattern",
            {"TrafficType": "PHASES", "Phases": [{"InitialNumberOfUsers": "one", "SpawnRate": 1}]},
            "TrafficPattern",
            id="traffic-pattern-wrong-type",
        ),
        pytest.param(
            "trafficPattern",
            {"TrafficType": "PHASES", "Phases": [{"Users": 1}]},
            "TrafficPattern",
            id="traffic-pattern-unknown-member",
        ),
        pytest.param(
            "stoppingConditions",
            {"MaxInvocations": "300"},
            "RecommendationJobStoppingConditions",
            id="stopping-conditions",
        ),
        pytest.param(
            "resourceLimit",
            {"MaxNumberOfTests": 10, "MaxParallel": 2},
            "RecommendationJobResourceLimit",
            id="resource-limit",
        ),
    ],
)
def test_advanced_fields_must_have_the_api_shape(
    world: World, lambda_context: LambdaContext, field: str, value: dict[str, Any], shape: str
) -> None:
    # Otherwise a complete load test (a traffic pattern and stopping conditions are required).
    error = invalid(world, lambda_context, world.input(jobType="Advanced", **{**LOAD_TEST, field: value}))
    [violation] = error.violations
    assert violation.startswith(f"{field}: does not match the API's {shape} shape: ")


def test_every_shape_error_of_a_field_is_reported(world: World, lambda_context: LambdaContext) -> None:
    traffic = {"TrafficType": "PHASES", "Phases": [{"InitialNumberOfUsers": "one", "SpawnRate": "two"}]}
    error = invalid(
        world, lambda_context, world.input(**{**LOAD_TEST, "jobType": "Advanced", "trafficPattern": traffic})
    )
    reported = "\n".join(error.violations)
    assert "Phases[0].InitialNumberOfUsers" in reported
    assert "Phases[0].SpawnRate" in reported
    assert all(v.startswith("trafficPattern: ") for v in error.violations)


def test_well_shaped_advanced_input_passes_through(world: World, lambda_context: LambdaContext) -> None:
    advanced = {
        "jobType": "Advanced",
        "jobDurationInSeconds": 7200,
        "trafficPattern": {
            "TrafficType": "PHASES",
            "Phases": [{"InitialNumberOfUsers": 1, "SpawnRate": 1, "DurationInSeconds": 120}],
        },
        "stoppingConditions": {
            "MaxInvocations": 300,
            "ModelLatencyThresholds": [{"Percentile": "P95", "ValueInMilliseconds": 100}],
        },
        "resourceLimit": {"MaxNumberOfTests": 10, "MaxParallelOfTests": 2},
    }
    state = validate.lambda_handler(world.validate_event(world.input(**advanced)), lambda_context)
    assert {k: state["request"][k] for k in advanced} == advanced


def test_a_variant_whose_instances_cannot_be_read_is_named_unknown(world: World, lambda_context: LambdaContext) -> None:
    """Neither the config's variant nor the endpoint's summary says the instance type or count (a
    shape the service does not document for a provisioned variant): the run goes on, and the
    snapshot says `unknown` and 0 rather than guessing."""
    backend = sagemaker_backends[ACCOUNT][REGION]
    for variant in backend.endpoint_configs[f"{ENDPOINT}-config"].production_variants:
        variant.pop("InstanceType", None)
        variant.pop("InitialInstanceCount", None)
    for variant in backend.endpoints[ENDPOINT].production_variants:
        variant.pop("CurrentInstanceCount", None)
    state = validate.lambda_handler(world.validate_event(world.input()), lambda_context)
    assert state["endpoint"] == {"variantName": "AllTraffic", "instanceType": "unknown", "instanceCount": 0}
