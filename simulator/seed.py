"""Seed moto with SageMaker endpoints, model packages, scaling targets and traffic.

Used by the handler tests, the end-to-end tests and `make simulate`, so every tier describes the
same kinds of endpoints the same way.
"""

from __future__ import annotations

import math
import random
from dataclasses import dataclass
from datetime import datetime, timedelta
from typing import Any

IMAGE = "763104351884.dkr.ecr.us-east-1.amazonaws.com/pytorch-inference:2.1.0-cpu-py310"
MODEL_DATA = "s3://demo-models/model.tar.gz"
ROLE = "arn:aws:iam::123456789012:role/demo-sagemaker-execution"


@dataclass(frozen=True)
class EndpointSpec:
    """What kind of endpoint to create; the defaults make an eligible one."""

    name: str = "demo-endpoint"
    instance_type: str = "ml.m5.xlarge"
    instance_count: int = 1
    variants: int = 1
    serverless: bool = False
    async_inference: bool = False
    multi_model: bool = False
    managed_instance_scaling: bool = False
    model_data: str = MODEL_DATA  # another value: another model


def seed_endpoint(sagemaker: Any, spec: EndpointSpec = EndpointSpec()) -> str:
    """Create model, endpoint config and endpoint; return the endpoint name."""
    container: dict[str, Any] = {"Image": IMAGE, "ModelDataUrl": spec.model_data}
    if spec.multi_model:
        container["Mode"] = "MultiModel"
    model_name = f"{spec.name}-model"
    sagemaker.create_model(ModelName=model_name, PrimaryContainer=container, ExecutionRoleArn=ROLE)
    variants = []
    for i in range(spec.variants):
        variant: dict[str, Any] = {
            "VariantName": "AllTraffic" if i == 0 else f"Variant{i + 1}",
            "ModelName": model_name,
        }
        if spec.serverless:
            variant["ServerlessConfig"] = {"MemorySizeInMB": 2048, "MaxConcurrency": 5}
        else:
            variant.update(InstanceType=spec.instance_type, InitialInstanceCount=spec.instance_count)
        if spec.managed_instance_scaling:
            variant["ManagedInstanceScaling"] = {"Status": "ENABLED", "MinInstanceCount": 1, "MaxInstanceCount": 2}
        variants.append(variant)
    config: dict[str, Any] = {"EndpointConfigName": f"{spec.name}-config", "ProductionVariants": variants}
    if spec.async_inference:
        config["AsyncInferenceConfig"] = {"OutputConfig": {"S3OutputPath": "s3://demo-async/out/"}}
    sagemaker.create_endpoint_config(**config)
    sagemaker.create_endpoint(EndpointName=spec.name, EndpointConfigName=f"{spec.name}-config")
    return spec.name


def seed_model_package(sagemaker: Any, group: str = "demo-models", *, complete_metadata: bool = True) -> str:
    """Register a model package group and its first version; return the version's ARN."""
    sagemaker.create_model_package_group(ModelPackageGroupName=group)
    return _register_version(sagemaker, group, complete_metadata=complete_metadata)


# Versions are numbered by the service, one by one: version N needs N registrations.
MAX_SEEDED_VERSION = 1000


def seed_model_package_version(sagemaker: Any, group: str, version: int, *, complete_metadata: bool = True) -> str:
    """Make sure version `version` of `group` exists (creating the group and the versions up to it,
    as registering them one by one would); return its ARN. Versions already there are kept."""
    if not 1 <= version <= MAX_SEEDED_VERSION:
        raise ValueError(f"version {version} is outside 1-{MAX_SEEDED_VERSION}")
    if not _exists(sagemaker.describe_model_package_group, ModelPackageGroupName=group):
        sagemaker.create_model_package_group(ModelPackageGroupName=group)
    arns: list[str] = []
    kwargs: dict[str, Any] = {"ModelPackageGroupName": group, "MaxResults": 100}
    while True:
        listed = sagemaker.list_model_packages(**kwargs)
        arns += [str(summary["ModelPackageArn"]) for summary in listed["ModelPackageSummaryList"]]
        if not listed.get("NextToken"):
            break
        kwargs["NextToken"] = listed["NextToken"]
    for number in range(len(arns) + 1, version + 1):
        arn = _register_version(sagemaker, group, complete_metadata=complete_metadata)
        if not arn.endswith(f"/{number}"):
            raise RuntimeError(f"registered {arn}, expected version {number}")
        arns.append(arn)
    return next(arn for arn in arns if arn.endswith(f"/{version}"))


def endpoint_exists(sagemaker: Any, name: str) -> bool:
    return _exists(sagemaker.describe_endpoint, EndpointName=name)


def _exists(describe: Any, **kwargs: Any) -> bool:
    from botocore.exceptions import ClientError

    try:
        describe(**kwargs)
    except ClientError as exc:
        if exc.response["Error"]["Code"] in {"ValidationException", "ResourceNotFound"}:
            return False
        raise
    return True


def _register_version(sagemaker: Any, group: str, *, complete_metadata: bool) -> str:
    metadata: dict[str, Any] = (
        {
            "Domain": "COMPUTER_VISION",
            "Task": "IMAGE_CLASSIFICATION",
            "SamplePayloadUrl": "s3://demo-models/payload.tar.gz",
        }
        if complete_metadata
        else {}
    )
    # Inference Recommender needs the framework and its version on every container.
    container = {"Image": IMAGE, "ModelDataUrl": MODEL_DATA}
    if complete_metadata:
        container |= {"Framework": "PYTORCH", "FrameworkVersion": "2.1"}
    created = sagemaker.create_model_package(
        ModelPackageGroupName=group,
        ModelApprovalStatus="Approved",
        InferenceSpecification={
            "Containers": [container],
            "SupportedContentTypes": ["application/x-image"],
            "SupportedResponseMIMETypes": ["application/json"],
            "SupportedRealtimeInferenceInstanceTypes": ["ml.m5.xlarge", "ml.c5.xlarge", "ml.g4dn.xlarge"],
        },
        **metadata,
    )
    return str(created["ModelPackageArn"])


def seed_autoscaling(autoscaling: Any, endpoint: str, variant: str = "AllTraffic") -> None:
    autoscaling.register_scalable_target(
        ServiceNamespace="sagemaker",
        ResourceId=f"endpoint/{endpoint}/variant/{variant}",
        ScalableDimension="sagemaker:variant:DesiredInstanceCount",
        MinCapacity=1,
        MaxCapacity=4,
    )


def seed_traffic(cloudwatch: Any, endpoint: str, invocations: float, at: datetime, variant: str = "AllTraffic") -> None:
    """Record `invocations` for the endpoint at `at` (as SageMaker's own metric would)."""
    cloudwatch.put_metric_data(
        Namespace="AWS/SageMaker",
        MetricData=[
            {
                "MetricName": "Invocations",
                "Dimensions": [{"Name": "EndpointName", "Value": endpoint}, {"Name": "VariantName", "Value": variant}],
                "Timestamp": at,
                "Value": invocations,
                "Unit": "None",
            }
        ],
    )


@dataclass(frozen=True)
class DailyTraffic:
    """Invocations per minute with a daily shape: a trough at night, a peak in the afternoon (UTC),
    quieter weekends, and a few percent of deterministic noise (the same every run)."""

    peak: float = 700.0  # per minute, weekdays at `peak_hour`
    trough: float = 120.0  # per minute, weekdays twelve hours from the peak
    peak_hour: float = 15.0
    weekend_factor: float = 0.6
    noise: float = 0.05
    # Days of history before `end`: one more than the default lookback (14), so a run's window is
    # covered whenever in the next day it is read.
    days: int = 15

    def per_minute(self, end: datetime, seed: str) -> list[tuple[datetime, float]]:
        """(minute, invocations) of every minute of the `days` days before `end`, oldest first."""
        noise = random.Random(seed)
        last = end.replace(second=0, microsecond=0)
        minutes = []
        for back in range(self.days * 1440, 0, -1):
            at = last - timedelta(minutes=back)
            hour = at.hour + at.minute / 60
            shape = (1 + math.cos(2 * math.pi * (hour - self.peak_hour) / 24)) / 2
            value = self.trough + (self.peak - self.trough) * shape
            if at.weekday() >= 5:
                value *= self.weekend_factor
            value *= 1 + noise.uniform(-self.noise, self.noise)
            minutes.append((at, float(round(value))))
        return minutes


def seed_daily_traffic(
    cloudwatch: Any, endpoint: str, traffic: DailyTraffic, end: datetime, variant: str = "AllTraffic"
) -> list[tuple[datetime, float]]:
    """Record `traffic` for the endpoint's variant as SageMaker would (one-minute `Invocations`
    sums, 1,000 datapoints a request, the PutMetricData limit); return what was recorded."""
    minutes = traffic.per_minute(end, f"{endpoint}/{variant}")
    dimensions = [{"Name": "EndpointName", "Value": endpoint}, {"Name": "VariantName", "Value": variant}]
    data = [
        {"MetricName": "Invocations", "Dimensions": dimensions, "Timestamp": at, "Value": value, "Unit": "None"}
        for at, value in minutes
    ]
    for first in range(0, len(data), 1000):
        cloudwatch.put_metric_data(Namespace="AWS/SageMaker", MetricData=data[first : first + 1000])
    return minutes


def set_endpoint_status(endpoint: str, status: str, account: str = "123456789012", region: str = "us-east-1") -> None:
    """moto creates endpoints InService; this moves one to another status."""
    from moto.sagemaker.models import sagemaker_backends

    sagemaker_backends[account][region].endpoints[endpoint].endpoint_status = status
