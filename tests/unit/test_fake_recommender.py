"""The fake Inference Recommender behaves like the real API, on a simulated clock."""

from __future__ import annotations

import math
import time
from collections.abc import Iterator
from datetime import UTC, datetime, timedelta
from typing import Any

import boto3
import pytest
from botocore.exceptions import ClientError
from moto import mock_aws
from mypy_boto3_sagemaker import SageMakerClient

from simulator.clock import DEFAULT_START, SimulatedClock
from simulator.fake_recommender import FakeInferenceRecommender, install, uninstall

ACCOUNT = "123456789012"
ENDPOINT = "my-endpoint"
ROLE_ARN = f"arn:aws:iam::{ACCOUNT}:role/recommender-job-role"
PACKAGE_ARN = f"arn:aws:sagemaker:us-east-1:{ACCOUNT}:model-package/my-group/3"


@pytest.fixture
def aws(monkeypatch: pytest.MonkeyPatch) -> Iterator[None]:
    for name in ("AWS_ACCESS_KEY_ID", "AWS_SECRET_ACCESS_KEY", "AWS_SECURITY_TOKEN", "AWS_SESSION_TOKEN"):
        monkeypatch.setenv(name, "testing")
    monkeypatch.setenv("AWS_DEFAULT_REGION", "us-east-1")
    with mock_aws():
        yield


@pytest.fixture
def clock(aws: None) -> Iterator[SimulatedClock]:
    with SimulatedClock() as simulated:
        yield simulated


@pytest.fixture
def fake(aws: None) -> Iterator[FakeInferenceRecommender]:
    recommender = install()
    yield recommender
    uninstall()


@pytest.fixture
def sagemaker(aws: None) -> SageMakerClient:
    """A client and an InService endpoint: one ml.m5.large variant with two instances."""
    client: SageMakerClient = boto3.client("sagemaker", region_name="us-east-1")
    client.create_model(
        ModelName="my-model",
        ExecutionRoleArn=f"arn:aws:iam::{ACCOUNT}:role/model-role",
        PrimaryContainer={"Image": f"{ACCOUNT}.dkr.ecr.us-east-1.amazonaws.com/model:1"},
    )
    client.create_endpoint_config(
        EndpointConfigName="my-config",
        ProductionVariants=[
            {
                "VariantName": "AllTraffic",
                "ModelName": "my-model",
                "InstanceType": "ml.m5.large",
                "InitialInstanceCount": 2,
            }
        ],
    )
    client.create_endpoint(EndpointName=ENDPOINT, EndpointConfigName="my-config")
    return client


def create_job(client: SageMakerClient, name: str = "job-1", endpoint: str = ENDPOINT) -> str:
    response = client.create_inference_recommendations_job(
        JobName=name,
        JobType="Default",
        RoleArn=ROLE_ARN,
        InputConfig={"ModelPackageVersionArn": PACKAGE_ARN, "Endpoints": [{"EndpointName": endpoint}]},
        JobDescription="weekly right-sizing check",
        StoppingConditions={"MaxInvocations": 300},
    )
    return response["JobArn"]


def status(client: SageMakerClient, name: str = "job-1") -> str:
    return client.describe_inference_recommendations_job(JobName=name)["Status"]


def error_code(info: pytest.ExceptionInfo[ClientError]) -> str:
    return str(info.value.response["Error"]["Code"])


@pytest.mark.usefixtures("fake")
def test_job_goes_pending_in_progress_completed_with_results(sagemaker: SageMakerClient, clock: SimulatedClock) -> None:
    arn = create_job(sagemaker)
    assert arn == f"arn:aws:sagemaker:us-east-1:{ACCOUNT}:inference-recommendations-job/job-1"

    pending = sagemaker.describe_inference_recommendations_job(JobName="job-1")
    assert pending["Status"] == "PENDING"
    assert pending["CreationTime"] == DEFAULT_START
    assert pending["JobDescription"] == "weekly right-sizing check"
    assert pending["InputConfig"] == {"ModelPackageVersionArn": PACKAGE_ARN, "Endpoints": [{"EndpointName": ENDPOINT}]}
    assert pending["StoppingConditions"] == {"MaxInvocations": 300}
    assert "CompletionTime" not in pending
    assert "InferenceRecommendations" not in pending

    clock.advance(59)
    assert status(sagemaker) == "PENDING"
    clock.advance(1)
    running = sagemaker.describe_inference_recommendations_job(JobName="job-1")
    assert running["Status"] == "IN_PROGRESS"
    assert running["LastModifiedTime"] == DEFAULT_START + timedelta(seconds=60)
    clock.advance(2700 - 60 - 1)
    assert status(sagemaker) == "IN_PROGRESS"
    clock.advance(1)

    done = sagemaker.describe_inference_recommendations_job(JobName="job-1")
    assert done["Status"] == "COMPLETED"
    assert done["CompletionTime"] == done["LastModifiedTime"] == DEFAULT_START + timedelta(seconds=2700)
    assert "FailureReason" not in done
    # The endpoint runs 2 x ml.m5.large: recommendations are other types, one instance each
    # (InitialInstanceCount 1: MaxInvocations per instance per minute, CostPerHour one instance's).
    recommendations = done["InferenceRecommendations"]
    assert [r["EndpointConfiguration"]["InstanceType"] for r in recommendations] == [
        "ml.c5.xlarge",
        "ml.m5.xlarge",
        "ml.g4dn.xlarge",
    ]
    assert [(r["Metrics"]["CostPerHour"], r["Metrics"]["MaxInvocations"]) for r in recommendations] == [
        (0.204, 320),
        (0.23, 300),
        (0.736, 1645),
    ]
    previous_end = DEFAULT_START + timedelta(seconds=60)  # IN_PROGRESS from then on
    for recommendation in recommendations:
        config, metrics = recommendation["EndpointConfiguration"], recommendation["Metrics"]
        assert config["VariantName"] == "AllTraffic"
        assert config["InitialInstanceCount"] == 1
        assert config["EndpointName"].startswith("sm-epc-job-1-")
        assert "ServerlessConfig" not in config  # real-time endpoints only
        assert metrics["CostPerInference"] == pytest.approx(metrics["CostPerHour"] / (metrics["MaxInvocations"] * 60))
        assert recommendation["ModelConfiguration"]["EnvironmentParameters"][0]["ValueType"] == "string"
        # The benchmarks ran one after the other while the job was IN_PROGRESS.
        assert previous_end == recommendation["InvocationStartTime"] < recommendation["InvocationEndTime"]
        previous_end = recommendation["InvocationEndTime"]
    assert previous_end == done["CompletionTime"]
    assert len({r["RecommendationId"] for r in recommendations}) == 3
    # Optional metrics: present, NaN ("not available"; moto writes the bare JSON token NaN and
    # botocore reads it back as a float NaN), absent.
    first, second, third = (r["Metrics"] for r in recommendations)
    optional = {"CpuUtilization", "MemoryUtilization", "ModelSetupTime"}
    assert optional <= set(first)
    assert not any(math.isnan(first[name]) for name in optional)
    assert optional <= set(second)
    assert math.isnan(second["MemoryUtilization"])
    assert not optional & set(third)
    # The benchmarked endpoint's own figures, per instance too ("for the instance", InferenceMetrics).
    assert done["EndpointPerformances"] == [
        {"Metrics": {"MaxInvocations": 140, "ModelLatency": 680}, "EndpointInfo": {"EndpointName": ENDPOINT}}
    ]

    steps = sagemaker.list_inference_recommendations_job_steps(JobName="job-1", StepType="BENCHMARK")["Steps"]
    assert [step["Status"] for step in steps] == ["COMPLETED"] * 3
    assert steps[0]["JobName"] == "job-1"
    benchmark = steps[0]["InferenceBenchmark"]
    assert benchmark["Metrics"]["MaxInvocations"] == recommendations[0]["Metrics"]["MaxInvocations"]
    assert benchmark["InvocationStartTime"] == recommendations[0]["InvocationStartTime"]


def test_results_are_deterministic(
    fake: FakeInferenceRecommender, sagemaker: SageMakerClient, clock: SimulatedClock
) -> None:
    create_job(sagemaker, "job-1")
    create_job(sagemaker, "job-2")
    clock.advance(2700)
    first, second = fake.jobs()
    assert [r["Metrics"]["CostPerHour"] for r in first.recommendations] == [0.204, 0.23, 0.736]
    assert [r["Metrics"] for r in first.recommendations][:2] == [r["Metrics"] for r in second.recommendations][:2]


def test_planned_recommendations_are_returned_verbatim_with_nan(
    fake: FakeInferenceRecommender, sagemaker: SageMakerClient, clock: SimulatedClock
) -> None:
    planned: list[dict[str, Any]] = [
        {
            "RecommendationId": "rec-1",
            "Metrics": {"CostPerHour": 0.23, "MaxInvocations": 320, "ModelLatency": 540, "CpuUtilization": math.nan},
            "EndpointConfiguration": {"EndpointName": "sm-epc-2", "VariantName": "v", "InstanceType": "ml.c5.xlarge"},
            "ModelConfiguration": {
                "EnvironmentParameters": [{"Key": "OMP_NUM_THREADS", "ValueType": "string", "Value": "2"}]
            },
        }
    ]
    fake.plan(duration_seconds=600, recommendations=planned)
    create_job(sagemaker)
    clock.advance(600)
    [recommendation] = sagemaker.describe_inference_recommendations_job(JobName="job-1")["InferenceRecommendations"]
    assert recommendation["RecommendationId"] == "rec-1"
    assert recommendation["EndpointConfiguration"]["InstanceType"] == "ml.c5.xlarge"
    assert math.isnan(recommendation["Metrics"]["CpuUtilization"])


def test_failed_job_reports_failed_benchmark_steps(
    fake: FakeInferenceRecommender, sagemaker: SageMakerClient, clock: SimulatedClock
) -> None:
    fake.plan("FAILED", duration_seconds=1800, failure_reason="Benchmarks failed.", failed_steps=2)
    create_job(sagemaker)
    clock.advance(600)
    assert status(sagemaker) == "IN_PROGRESS"
    running = sagemaker.list_inference_recommendations_job_steps(JobName="job-1", StepType="BENCHMARK")["Steps"]
    assert [step["Status"] for step in running] == ["IN_PROGRESS"] * 3
    clock.advance(1200)

    failed = sagemaker.describe_inference_recommendations_job(JobName="job-1")
    assert failed["Status"] == "FAILED"
    assert failed["FailureReason"] == "Benchmarks failed."
    assert failed["CompletionTime"] == DEFAULT_START + timedelta(seconds=1800)
    assert "InferenceRecommendations" not in failed
    assert "EndpointPerformances" not in failed

    steps = sagemaker.list_inference_recommendations_job_steps(JobName="job-1", StepType="BENCHMARK", Status="FAILED")[
        "Steps"
    ]
    assert [step["InferenceBenchmark"]["EndpointConfiguration"]["InstanceType"] for step in steps] == [
        "ml.c5.xlarge",
        "ml.m5.xlarge",
    ]
    for step in steps:
        assert step["StepType"] == "BENCHMARK"
        assert step["Status"] == "FAILED"
        instance_type = step["InferenceBenchmark"]["EndpointConfiguration"]["InstanceType"]
        assert instance_type in step["InferenceBenchmark"]["FailureReason"]
        assert "Metrics" not in step["InferenceBenchmark"]
    [completed] = sagemaker.list_inference_recommendations_job_steps(JobName="job-1", Status="COMPLETED")["Steps"]
    assert completed["InferenceBenchmark"]["Metrics"]["MaxInvocations"] == 1645


def test_stop_goes_stopping_then_stopped(
    fake: FakeInferenceRecommender, sagemaker: SageMakerClient, clock: SimulatedClock
) -> None:
    create_job(sagemaker)
    clock.advance(120)
    sagemaker.stop_inference_recommendations_job(JobName="job-1")
    stopping = sagemaker.describe_inference_recommendations_job(JobName="job-1")
    assert stopping["Status"] == "STOPPING"
    assert stopping["LastModifiedTime"] == DEFAULT_START + timedelta(seconds=120)
    assert "CompletionTime" not in stopping
    clock.advance(29)
    sagemaker.stop_inference_recommendations_job(JobName="job-1")  # a second stop changes nothing
    assert status(sagemaker) == "STOPPING"
    clock.advance(1)

    stopped = sagemaker.describe_inference_recommendations_job(JobName="job-1")
    assert stopped["Status"] == "STOPPED"
    assert stopped["CompletionTime"] == DEFAULT_START + timedelta(seconds=150)
    assert "InferenceRecommendations" not in stopped
    clock.advance(3600)  # the planned completion never comes
    assert status(sagemaker) == "STOPPED"
    with pytest.raises(ClientError) as info:
        sagemaker.stop_inference_recommendations_job(JobName="job-1")
    assert error_code(info) == "ValidationException"

    fake.stop_delay_seconds = 5
    create_job(sagemaker, "job-2")
    sagemaker.stop_inference_recommendations_job(JobName="job-2")  # still PENDING
    clock.advance(5)
    assert status(sagemaker, "job-2") == "STOPPED"


def test_stopping_a_completed_job_is_a_validation_error(
    fake: FakeInferenceRecommender, sagemaker: SageMakerClient, clock: SimulatedClock
) -> None:
    fake.plan(duration_seconds=300)
    create_job(sagemaker)
    clock.advance(300)
    with pytest.raises(ClientError) as info:
        sagemaker.stop_inference_recommendations_job(JobName="job-1")
    assert error_code(info) == "ValidationException"
    assert "COMPLETED" in info.value.response["Error"]["Message"]
    assert status(sagemaker) == "COMPLETED"


@pytest.mark.usefixtures("fake")
def test_create_errors(sagemaker: SageMakerClient) -> None:
    create_job(sagemaker)
    with pytest.raises(sagemaker.exceptions.ResourceInUse) as in_use:
        create_job(sagemaker)
    assert in_use.value.response["ResponseMetadata"]["HTTPStatusCode"] == 400

    with pytest.raises(ClientError) as missing_endpoint:
        create_job(sagemaker, "job-2", endpoint="no-such-endpoint")
    assert error_code(missing_endpoint) == "ValidationException"
    assert "no-such-endpoint" in missing_endpoint.value.response["Error"]["Message"]
    assert [
        job["JobName"] for job in sagemaker.list_inference_recommendations_jobs()["InferenceRecommendationsJobs"]
    ] == ["job-1"]


def test_concurrent_job_limit(
    fake: FakeInferenceRecommender, sagemaker: SageMakerClient, clock: SimulatedClock
) -> None:
    fake.max_active_jobs = 1
    create_job(sagemaker)
    with pytest.raises(sagemaker.exceptions.ResourceLimitExceeded):
        create_job(sagemaker, "job-2")
    clock.advance(2700)
    create_job(sagemaker, "job-2")  # job-1 finished: room again
    assert status(sagemaker, "job-2") == "PENDING"


@pytest.mark.usefixtures("fake")
def test_unknown_job_is_resource_not_found(sagemaker: SageMakerClient) -> None:
    with pytest.raises(sagemaker.exceptions.ResourceNotFound):
        sagemaker.describe_inference_recommendations_job(JobName="nope")
    with pytest.raises(sagemaker.exceptions.ResourceNotFound):
        sagemaker.stop_inference_recommendations_job(JobName="nope")
    with pytest.raises(sagemaker.exceptions.ResourceNotFound):
        sagemaker.list_inference_recommendations_job_steps(JobName="nope")


@pytest.mark.usefixtures("fake")
def test_jobs_are_kept_per_region(sagemaker: SageMakerClient) -> None:
    create_job(sagemaker)
    other_region: SageMakerClient = boto3.client("sagemaker", region_name="us-west-2")
    with pytest.raises(other_region.exceptions.ResourceNotFound):
        other_region.describe_inference_recommendations_job(JobName="job-1")
    assert other_region.list_inference_recommendations_jobs()["InferenceRecommendationsJobs"] == []


@pytest.mark.usefixtures("fake")
def test_list_filters_sorts_and_pages(sagemaker: SageMakerClient, clock: SimulatedClock) -> None:
    for name in ("nightly-a", "nightly-b", "weekly-a"):  # created 60 s apart
        clock.advance(60)
        create_job(sagemaker, name)
    sagemaker.stop_inference_recommendations_job(JobName="nightly-b")

    def names(**kwargs: Any) -> list[str]:
        jobs = sagemaker.list_inference_recommendations_jobs(**kwargs)["InferenceRecommendationsJobs"]
        return [job["JobName"] for job in jobs]

    assert names() == ["weekly-a", "nightly-b", "nightly-a"]  # newest first by default
    assert names(SortBy="Name", SortOrder="Ascending") == ["nightly-a", "nightly-b", "weekly-a"]
    assert names(NameContains="nightly") == ["nightly-b", "nightly-a"]
    assert names(StatusEquals="STOPPING") == ["nightly-b"]
    assert names(StatusEquals="IN_PROGRESS") == ["nightly-a"]
    assert names(StatusEquals="PENDING") == ["weekly-a"]
    assert names(CreationTimeAfter=DEFAULT_START + timedelta(seconds=90)) == ["weekly-a", "nightly-b"]

    first = sagemaker.list_inference_recommendations_jobs(MaxResults=2)
    assert [job["JobName"] for job in first["InferenceRecommendationsJobs"]] == ["weekly-a", "nightly-b"]
    second = sagemaker.list_inference_recommendations_jobs(MaxResults=2, NextToken=first["NextToken"])
    assert [job["JobName"] for job in second["InferenceRecommendationsJobs"]] == ["nightly-a"]
    assert "NextToken" not in second
    summary = second["InferenceRecommendationsJobs"][0]
    assert summary["ModelPackageVersionArn"] == PACKAGE_ARN
    assert summary["RoleArn"] == ROLE_ARN


def test_plans_by_endpoint_and_once(
    fake: FakeInferenceRecommender, sagemaker: SageMakerClient, clock: SimulatedClock
) -> None:
    sagemaker.create_endpoint(EndpointName="other-endpoint", EndpointConfigName="my-config")
    fake.plan("STOPPED", duration_seconds=100)
    fake.plan("COMPLETED", duration_seconds=200, endpoint_name="other-endpoint")
    fake.plan("FAILED", duration_seconds=300, once=True)
    fake.plan("FAILED", duration_seconds=400, once=True, endpoint_name="other-endpoint")

    create_job(sagemaker, "a")  # first catch-all one-shot plan
    create_job(sagemaker, "b", endpoint="other-endpoint")  # its own one-shot plan
    create_job(sagemaker, "c")  # one-shot plans used up: the standing catch-all plan
    create_job(sagemaker, "d", endpoint="other-endpoint")  # the endpoint's standing plan
    assert [(job.name, job.plan.outcome, job.plan.duration_seconds) for job in fake.jobs()] == [
        ("a", "FAILED", 300),
        ("b", "FAILED", 400),
        ("c", "STOPPED", 100),
        ("d", "COMPLETED", 200),
    ]
    clock.advance(100)
    assert status(sagemaker, "c") == "STOPPED"


def test_calls_are_recorded(fake: FakeInferenceRecommender, sagemaker: SageMakerClient) -> None:
    create_job(sagemaker)
    with pytest.raises(sagemaker.exceptions.ResourceNotFound):
        sagemaker.describe_inference_recommendations_job(JobName="nope")
    sagemaker.stop_inference_recommendations_job(JobName="job-1")
    assert [name for name, _ in fake.calls] == [
        "CreateInferenceRecommendationsJob",
        "DescribeInferenceRecommendationsJob",
        "StopInferenceRecommendationsJob",
    ]
    assert fake.calls[0][1]["InputConfig"]["Endpoints"] == [{"EndpointName": ENDPOINT}]
    assert fake.calls[0][1]["RoleArn"] == ROLE_ARN
    assert fake.calls[2][1] == {"JobName": "job-1"}
    fake.reset()
    assert fake.calls == []
    assert fake.jobs() == []


def test_install_is_idempotent_and_uninstall_restores_moto(
    fake: FakeInferenceRecommender, sagemaker: SageMakerClient
) -> None:
    assert install() is fake
    create_job(sagemaker)
    assert status(sagemaker) == "PENDING"
    fake.uninstall()
    with pytest.raises(NotImplementedError, match="describe_inference_recommendations_job"):
        sagemaker.describe_inference_recommendations_job(JobName="job-1")
    assert install() is not fake  # a fresh fake, without the old jobs
    with pytest.raises(sagemaker.exceptions.ResourceNotFound):
        sagemaker.describe_inference_recommendations_job(JobName="job-1")


def test_mock_aws_resets_the_jobs(monkeypatch: pytest.MonkeyPatch) -> None:
    for name in ("AWS_ACCESS_KEY_ID", "AWS_SECRET_ACCESS_KEY"):
        monkeypatch.setenv(name, "testing")
    with install() as fake:
        with mock_aws():
            client = boto3.client("sagemaker", region_name="us-east-1")
            client.create_inference_recommendations_job(
                JobName="job-1",
                JobType="Default",
                RoleArn=ROLE_ARN,
                InputConfig={"ModelPackageVersionArn": PACKAGE_ARN},
            )
            assert [job.name for job in fake.jobs()] == ["job-1"]
        with mock_aws():
            assert fake.jobs() == []


def test_clock_moves_every_time_source() -> None:
    start = datetime(2026, 1, 2, 3, 4, 5, tzinfo=UTC)
    with SimulatedClock(start) as clock:
        assert clock.now() == start
        assert time.time() == clock.time() == start.timestamp()
        later = clock.advance(7200.5)
        assert later == start + timedelta(seconds=7200.5)
        assert datetime.now(UTC) == later
        assert datetime.utcnow() == later.replace(tzinfo=None)  # moto's own utcnow() is built on this
        assert time.time() == later.timestamp()
        with pytest.raises(ValueError, match="forward"):
            clock.advance(-1)
    assert not clock.running
    assert abs(time.time() - datetime.now(UTC).timestamp()) < 5
    with pytest.raises(RuntimeError):
        clock.now()


def test_clock_takes_naive_datetimes_as_utc() -> None:
    with SimulatedClock(datetime(2026, 1, 2, 3, 0)) as clock:
        assert clock.now() == datetime(2026, 1, 2, 3, 0, tzinfo=UTC)


# ------------------------------------------------------------------------------ what create refuses
def advanced_job(client: SageMakerClient, name: str = "load-test", **overrides: Any) -> str:
    """An Advanced job (load test) on the existing endpoint, as the load test page describes one."""
    input_config: dict[str, Any] = {
        "ModelPackageVersionArn": PACKAGE_ARN,
        "Endpoints": [{"EndpointName": ENDPOINT}],
        "JobDurationInSeconds": 7200,
        "TrafficPattern": {
            "TrafficType": "PHASES",
            "Phases": [{"InitialNumberOfUsers": 1, "SpawnRate": 1, "DurationInSeconds": 120}],
        },
        "ResourceLimit": {"MaxNumberOfTests": 10, "MaxParallelOfTests": 2},
        **overrides.pop("InputConfig", {}),
    }
    request: dict[str, Any] = {
        "JobName": name,
        "JobType": "Advanced",
        "RoleArn": ROLE_ARN,
        "InputConfig": {k: v for k, v in input_config.items() if v is not None},
        "StoppingConditions": {
            "MaxInvocations": 300,
            "ModelLatencyThresholds": [{"Percentile": "P95", "ValueInMilliseconds": 100}],
        },
        **overrides,
    }
    created = client.create_inference_recommendations_job(**{k: v for k, v in request.items() if v is not None})
    return str(created["JobArn"])


def validation_message(info: pytest.ExceptionInfo[ClientError]) -> str:
    assert error_code(info) == "ValidationException"
    assert info.value.response["ResponseMetadata"]["HTTPStatusCode"] == 400
    return str(info.value.response["Error"]["Message"])


@pytest.mark.usefixtures("fake")
def test_requests_are_checked_against_the_whole_service_model(sagemaker: SageMakerClient) -> None:
    """botocore lets `max`, `pattern` and `enum` through; the service (and the fake) do not."""
    with pytest.raises(ClientError) as info:
        sagemaker.create_inference_recommendations_job(
            JobName="job-1",
            JobType="Default",
            RoleArn=ROLE_ARN,
            InputConfig={"ModelPackageVersionArn": PACKAGE_ARN, "Endpoints": [{"EndpointName": ENDPOINT}]},
            JobDescription="x" * 129,
        )
    message = validation_message(info)
    assert message.startswith("1 validation error detected: Value '")
    assert "at 'JobDescription' failed to satisfy constraint: Member must have length less than or equal to 128" in (
        message
    )
    with pytest.raises(ClientError) as two:
        sagemaker.create_inference_recommendations_job(
            JobName="job_1",  # no underscores in job names
            JobType="Default",
            RoleArn=ROLE_ARN,
            InputConfig={"ModelPackageVersionArn": PACKAGE_ARN, "JobDurationInSeconds": 18001},
        )
    message = validation_message(two)
    assert message.startswith("2 validation errors detected: ")
    assert "at 'JobName' failed to satisfy constraint: Member must satisfy regular expression pattern" in message
    assert "at 'InputConfig.JobDurationInSeconds'" in message
    assert sagemaker.list_inference_recommendations_jobs()["InferenceRecommendationsJobs"] == []


@pytest.mark.usefixtures("fake")
@pytest.mark.parametrize("status", ["Creating", "Updating", "Failed", "OutOfService"])
def test_the_endpoint_must_be_in_service(sagemaker: SageMakerClient, status: str) -> None:
    from simulator.seed import set_endpoint_status

    set_endpoint_status(ENDPOINT, status)
    with pytest.raises(ClientError) as info:
        create_job(sagemaker)
    assert validation_message(info) == (
        f"Endpoint {ENDPOINT} is in {status} status. "
        "The endpoint must be InService to be benchmarked by Inference Recommender."
    )


@pytest.mark.usefixtures("fake")
def test_the_endpoint_must_have_exactly_one_variant(sagemaker: SageMakerClient) -> None:
    variant = {"ModelName": "my-model", "InstanceType": "ml.m5.large", "InitialInstanceCount": 1}
    sagemaker.create_endpoint_config(
        EndpointConfigName="two-variants",
        ProductionVariants=[{"VariantName": "A", **variant}, {"VariantName": "B", **variant}],  # type: ignore[list-item]
    )
    sagemaker.create_endpoint(EndpointName="two-variants", EndpointConfigName="two-variants")
    with pytest.raises(ClientError) as info:
        create_job(sagemaker, endpoint="two-variants")
    assert validation_message(info) == (
        "Endpoint two-variants has 2 production variants. "
        "Inference Recommender supports endpoints with exactly one production variant."
    )


@pytest.mark.parametrize(
    ("overrides", "expected"),
    [
        (
            {"InputConfig": {"TrafficPattern": None}},
            ["InputConfig.TrafficPattern is required for Advanced (load test) jobs."],
        ),
        ({"StoppingConditions": None}, ["StoppingConditions is required for Advanced (load test) jobs."]),
        (
            {"InputConfig": {"Endpoints": None}},
            [
                "InputConfig.EndpointConfigurations is required for Advanced (load test) jobs that do not "
                "benchmark an existing endpoint (InputConfig.Endpoints)."
            ],
        ),
        (
            {"InputConfig": {"TrafficPattern": {"TrafficType": "STAIRS"}}},
            ["InputConfig.TrafficPattern.Stairs is required when TrafficType is STAIRS."],
        ),
        (
            {
                "InputConfig": {
                    "JobDurationInSeconds": 600,
                    "TrafficPattern": {
                        "TrafficType": "PHASES",
                        "Phases": [
                            {"InitialNumberOfUsers": 4, "SpawnRate": 1, "DurationInSeconds": 120},
                            {"InitialNumberOfUsers": 1, "SpawnRate": 5, "DurationInSeconds": 60},
                            {"InitialNumberOfUsers": 1, "SpawnRate": 0, "DurationInSeconds": 900},
                        ],
                    },
                }
            },
            [
                # SpawnRate 5 passes: the documentation gives it no maximum (API_Phase).
                "InputConfig.TrafficPattern.Phases[0].InitialNumberOfUsers must be between 1 and 3, got 4.",
                "InputConfig.TrafficPattern.Phases[1].DurationInSeconds must be between 120 and 3600, got 60.",
                "InputConfig.TrafficPattern.Phases[2].DurationInSeconds (900) must not exceed "
                "JobDurationInSeconds (600).",
            ],
        ),
    ],
    ids=["no-traffic-pattern", "no-stopping-conditions", "no-endpoint-nor-configurations", "stairs", "phases"],
)
@pytest.mark.usefixtures("fake")
def test_advanced_jobs_follow_the_load_test_documentation(
    sagemaker: SageMakerClient, overrides: dict[str, Any], expected: list[str]
) -> None:
    with pytest.raises(ClientError) as info:
        advanced_job(sagemaker, **overrides)
    count = len(expected)
    assert validation_message(info) == (
        f"{count} validation error{'s' if count > 1 else ''} detected: {'; '.join(expected)}"
    )


def test_advanced_jobs_benchmark_the_instance_types_they_name(
    fake: FakeInferenceRecommender, sagemaker: SageMakerClient, clock: SimulatedClock
) -> None:
    advanced_job(sagemaker, "on-endpoint")  # an existing endpoint: configurations optional
    advanced_job(
        sagemaker,
        "on-package",
        InputConfig={
            "Endpoints": None,
            "EndpointConfigurations": [{"InstanceType": "ml.c6i.xlarge"}, {"InstanceType": "ml.r5.xlarge"}],
        },
    )
    clock.advance(2700)
    on_package = sagemaker.describe_inference_recommendations_job(JobName="on-package")
    assert on_package["JobType"] == "Advanced"
    assert [r["EndpointConfiguration"]["InstanceType"] for r in on_package["InferenceRecommendations"]] == [
        "ml.c6i.xlarge",
        "ml.r5.xlarge",
    ]
    assert "EndpointPerformances" not in on_package
    on_endpoint = sagemaker.describe_inference_recommendations_job(JobName="on-endpoint")
    assert len(on_endpoint["InferenceRecommendations"]) == 3
    assert on_endpoint["EndpointPerformances"][0]["EndpointInfo"] == {"EndpointName": ENDPOINT}


def test_completed_job_with_failed_benchmarks(
    fake: FakeInferenceRecommender, sagemaker: SageMakerClient, clock: SimulatedClock
) -> None:
    fake.plan(duration_seconds=1200, failed_benchmarks=2, step_failure_reason="Out of memory on this instance.")
    create_job(sagemaker)
    clock.advance(1200)

    done = sagemaker.describe_inference_recommendations_job(JobName="job-1")
    assert done["Status"] == "COMPLETED"
    assert "FailureReason" not in done
    # Only the benchmark that succeeded has a recommendation.
    assert [r["EndpointConfiguration"]["InstanceType"] for r in done["InferenceRecommendations"]] == ["ml.c5.xlarge"]
    failed = sagemaker.list_inference_recommendations_job_steps(JobName="job-1", Status="FAILED")["Steps"]
    assert [
        (
            step["InferenceBenchmark"]["EndpointConfiguration"]["InstanceType"],
            step["InferenceBenchmark"]["FailureReason"],
        )
        for step in failed
    ] == [("ml.m5.xlarge", "Out of memory on this instance."), ("ml.g4dn.xlarge", "Out of memory on this instance.")]
    [succeeded] = sagemaker.list_inference_recommendations_job_steps(JobName="job-1", Status="COMPLETED")["Steps"]
    assert succeeded["InferenceBenchmark"]["Metrics"]["MaxInvocations"] == 320

    fake.plan(duration_seconds=600, failed_benchmarks=5)  # never all of them
    create_job(sagemaker, "job-2")
    clock.advance(600)
    assert len(sagemaker.describe_inference_recommendations_job(JobName="job-2")["InferenceRecommendations"]) == 1


@pytest.mark.usefixtures("fake")
def test_scaling_configuration_recommendation(sagemaker: SageMakerClient, clock: SimulatedClock) -> None:
    """GetScalingConfigurationRecommendation: the model's whole response, figures from the
    recommendation's per-instance MaxInvocations, the target utilization and the objective."""
    create_job(sagemaker)
    clock.advance(2700)
    [first, second, _] = sagemaker.describe_inference_recommendations_job(JobName="job-1")["InferenceRecommendations"]

    answer = sagemaker.get_scaling_configuration_recommendation(
        InferenceRecommendationsJobName="job-1",
        RecommendationId=first["RecommendationId"],
        TargetCpuUtilizationPerCore=80,
        ScalingPolicyObjective={"MinInvocationsPerMinute": 100, "MaxInvocationsPerMinute": 700},
    )
    # ml.c5.xlarge: 320 per instance per minute; at 80 %: a target of 256; ceil(100/256), ceil(700/256).
    assert {key: value for key, value in answer.items() if key != "ResponseMetadata"} == {
        "InferenceRecommendationsJobName": "job-1",
        "RecommendationId": first["RecommendationId"],
        "TargetCpuUtilizationPerCore": 80,
        "ScalingPolicyObjective": {"MinInvocationsPerMinute": 100, "MaxInvocationsPerMinute": 700},
        "Metric": {"InvocationsPerInstance": 256, "ModelLatency": 540},
        "DynamicScalingConfiguration": {
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
                        "TargetValue": 256.0,
                    }
                }
            ],
        },
    }

    # By the recommendation's (benchmark) endpoint name; default utilization 50 %, no objective.
    by_endpoint = sagemaker.get_scaling_configuration_recommendation(
        InferenceRecommendationsJobName="job-1", EndpointName=second["EndpointConfiguration"]["EndpointName"]
    )
    assert by_endpoint["TargetCpuUtilizationPerCore"] == 50
    assert "ScalingPolicyObjective" not in by_endpoint
    assert "RecommendationId" not in by_endpoint
    assert by_endpoint["Metric"]["InvocationsPerInstance"] == 150  # ml.m5.xlarge: 300 x 50 %
    scaling = by_endpoint["DynamicScalingConfiguration"]
    assert (scaling["MinCapacity"], scaling["MaxCapacity"]) == (1, 1)
    assert scaling["ScalingPolicies"][0]["TargetTracking"]["TargetValue"] == 150.0

    high = sagemaker.get_scaling_configuration_recommendation(
        InferenceRecommendationsJobName="job-1",
        RecommendationId=first["RecommendationId"],
        ScalingPolicyObjective={"MinInvocationsPerMinute": 161, "MaxInvocationsPerMinute": 100},
    )["DynamicScalingConfiguration"]
    assert (high["MinCapacity"], high["MaxCapacity"]) == (2, 2)  # ceil(161/160); never below the minimum


def test_scaling_configuration_recommendation_errors(
    fake: FakeInferenceRecommender, sagemaker: SageMakerClient, clock: SimulatedClock
) -> None:
    with pytest.raises(ClientError) as unknown_job:
        sagemaker.get_scaling_configuration_recommendation(InferenceRecommendationsJobName="nope", RecommendationId="x")
    assert error_code(unknown_job) == "ResourceNotFound"

    fake.plan(duration_seconds=1200, failed_benchmarks=1)
    create_job(sagemaker)
    with pytest.raises(ClientError) as running:
        sagemaker.get_scaling_configuration_recommendation(
            InferenceRecommendationsJobName="job-1", RecommendationId="x"
        )
    assert "is PENDING" in validation_message(running)

    clock.advance(1200)
    steps = sagemaker.list_inference_recommendations_job_steps(JobName="job-1", Status="FAILED")["Steps"]
    failed_endpoint = steps[0]["InferenceBenchmark"]["EndpointConfiguration"]["EndpointName"]
    for request in (
        {"RecommendationId": "job-1-09-unknown"},
        {"EndpointName": failed_endpoint},  # a failed benchmark has no recommendation
        {},
    ):
        with pytest.raises(ClientError) as refused:
            sagemaker.get_scaling_configuration_recommendation(InferenceRecommendationsJobName="job-1", **request)  # type: ignore[arg-type]
        validation_message(refused)

    with pytest.raises(ClientError) as invalid:
        sagemaker.get_scaling_configuration_recommendation(
            InferenceRecommendationsJobName="job-1", RecommendationId="x", TargetCpuUtilizationPerCore=101
        )
    assert "at 'TargetCpuUtilizationPerCore' failed to satisfy constraint" in validation_message(invalid)
    assert [name for name, _ in fake.calls].count("GetScalingConfigurationRecommendation") == 6
