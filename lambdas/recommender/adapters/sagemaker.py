"""SageMaker, Application Auto Scaling and CloudWatch calls behind small functions."""

from __future__ import annotations

from datetime import datetime, timedelta
from typing import Any

from botocore.exceptions import ClientError

from recommender.adapters.aws import client, error_code
from recommender.logic.eligibility import EndpointFacts, ModelPackageFacts, ServingFacts, VariantFacts
from recommender.models import FailedBenchmark

# Inference Recommender job statuses, grouped by what they mean for the endpoint.
ACTIVE_JOB_STATUSES = frozenset({"PENDING", "IN_PROGRESS"})  # running: can be asked to stop
NOT_ENDED_JOB_STATUSES = frozenset({*ACTIVE_JOB_STATUSES, "STOPPING"})  # the endpoint is still under load
STOPPED_JOB_STATUSES = frozenset({"STOPPED", "DELETING", "DELETED"})  # ended without results


def _missing(exc: ClientError) -> bool:
    # DescribeEndpoint & co. answer a missing resource with ValidationException ("Could not find").
    return error_code(exc) in {"ValidationException", "ResourceNotFound"} and (
        any(words in str(exc).lower() for words in ("not find", "not exist", "not found"))
        or error_code(exc) == "ResourceNotFound"
    )


def _endpoint_and_config(name: str) -> tuple[dict[str, Any] | None, dict[str, Any] | None]:
    """DescribeEndpoint and DescribeEndpointConfig: (None, None) when the endpoint does not exist,
    (endpoint, None) when its config was deleted after it was created (the endpoint still serves)."""
    sagemaker = client("sagemaker")
    try:
        endpoint = sagemaker.describe_endpoint(EndpointName=name)
    except ClientError as exc:
        if _missing(exc):
            return None, None
        raise
    try:
        config = sagemaker.describe_endpoint_config(EndpointConfigName=endpoint["EndpointConfigName"])
    except ClientError as exc:
        if _missing(exc):
            return dict(endpoint), None
        raise
    return dict(endpoint), dict(config)


def endpoint_facts(name: str, *, lookback_minutes: int, count_invocations: bool, now: datetime) -> EndpointFacts:
    """Describe the endpoint, its config, model, scaling and recent traffic."""
    endpoint, config = _endpoint_and_config(name)
    if endpoint is None:
        return EndpointFacts(name=name, exists=False)
    if config is None:  # nothing can be created from the endpoint without it (the job needs it)
        status = endpoint.get("EndpointStatus")
        return EndpointFacts(name=name, exists=True, status=status, missing_config=endpoint["EndpointConfigName"])
    live = {v["VariantName"]: v for v in endpoint.get("ProductionVariants") or []}
    variants = []
    for spec in config.get("ProductionVariants") or []:
        current = live.get(spec["VariantName"], {})
        scaling = current.get("ManagedInstanceScaling") or spec.get("ManagedInstanceScaling") or {}
        instance_type, instance_count = _instances(spec, current)
        variants.append(
            VariantFacts(
                name=spec["VariantName"],
                instance_type=instance_type,
                instance_count=instance_count,
                serverless=bool(spec.get("ServerlessConfig") or current.get("CurrentServerlessConfig")),
                managed_instance_scaling=scaling.get("Status") == "ENABLED",
                model_name=spec.get("ModelName"),
            )
        )
    models = {v.model_name: _model(v.model_name) for v in variants if v.model_name}
    shadows = max(
        len(endpoint.get("ShadowProductionVariants") or []), len(config.get("ShadowProductionVariants") or [])
    )
    return EndpointFacts(
        name=name,
        exists=True,
        status=endpoint.get("EndpointStatus"),
        variants=variants,
        shadow_variant_count=shadows,
        async_inference=bool(config.get("AsyncInferenceConfig")),
        autoscaled_variants=_autoscaled(name, [v.name for v in variants]),
        multi_model=any(_multi_model(model) for model in models.values() if model),
        missing_models=sorted(name for name, model in models.items() if model is None),
        invocations=_invocations(name, [v.name for v in variants], lookback_minutes, now)
        if count_invocations
        else None,
    )


def _autoscaled(endpoint: str, variant_names: list[str]) -> list[str]:
    if not variant_names:
        return []
    ids = {f"endpoint/{endpoint}/variant/{v}": v for v in variant_names}
    found = client("application-autoscaling").describe_scalable_targets(
        ServiceNamespace="sagemaker", ResourceIds=list(ids)
    )
    return sorted({ids[t["ResourceId"]] for t in found.get("ScalableTargets", []) if t["ResourceId"] in ids})


def _instances(spec: dict[str, Any], current: dict[str, Any]) -> tuple[str | None, int | None]:
    """The variant's instance type and count.

    The type is on the endpoint config's variant (the endpoint's `ProductionVariantSummary` has
    no instance type), or, for a variant on instance pools, on its pools: the live pool with the
    most instances (its summary has counts), else the config's first pool.
    """
    count = current.get("CurrentInstanceCount", spec.get("InitialInstanceCount"))
    if spec.get("InstanceType"):
        return str(spec["InstanceType"]), count
    live_pools = [p for p in current.get("InstancePools") or [] if p.get("InstanceType")]
    if live_pools:
        busiest = max(live_pools, key=lambda p: p.get("CurrentInstanceCount") or 0)
        return str(busiest["InstanceType"]), count
    pools = [p for p in spec.get("InstancePools") or [] if p.get("InstanceType")]
    return (str(pools[0]["InstanceType"]) if pools else None), count


def _model(model_name: str) -> dict[str, Any] | None:
    """The model's description, or None when it was deleted."""
    try:
        return dict(client("sagemaker").describe_model(ModelName=model_name))
    except ClientError as exc:
        if _missing(exc):
            return None
        raise


def serving_facts(name: str) -> ServingFacts:
    """The endpoint's variants with their instances and the identity of the model each serves
    (per container: the model package, else image + model data; None when the model is gone)."""
    endpoint, config = _endpoint_and_config(name)
    if endpoint is None:
        return ServingFacts(name=name, exists=False, variants=[])
    if config is None:  # its instances and models cannot be known
        return ServingFacts(
            name=str(endpoint.get("EndpointName", name)),
            exists=True,
            variants=[],
            missing_config=str(endpoint["EndpointConfigName"]),
        )
    live = {v["VariantName"]: v for v in endpoint.get("ProductionVariants") or []}
    variants = []
    for spec in config.get("ProductionVariants") or []:
        instance_type, count = _instances(spec, live.get(spec["VariantName"], {}))
        model = _model(spec["ModelName"]) if spec.get("ModelName") else None
        variants.append((str(spec["VariantName"]), instance_type, count, model_identity(model) if model else None))
    return ServingFacts(name=str(endpoint.get("EndpointName", name)), exists=True, variants=variants)


def model_identity(model: dict[str, Any]) -> tuple[str, ...]:
    """What a model serves, container by container: its model package, else its image and model data."""
    containers = [model.get("PrimaryContainer") or {}, *(model.get("Containers") or [])]
    return tuple(str(c.get("ModelPackageName") or f"{c.get('Image')}|{c.get('ModelDataUrl')}") for c in containers if c)


def _multi_model(model: dict[str, Any]) -> bool:
    containers = [model.get("PrimaryContainer") or {}, *(model.get("Containers") or [])]
    return any(c.get("Mode") == "MultiModel" for c in containers)


def invocations_stat(endpoint: str, variant: str, period_seconds: int) -> dict[str, Any]:
    """The `MetricStat` of a variant's `AWS/SageMaker` `Invocations`, summed per period (the
    live-traffic check here, the observed traffic in adapters/traffic.py)."""
    dimensions = [{"Name": "EndpointName", "Value": endpoint}, {"Name": "VariantName", "Value": variant}]
    metric = {"Namespace": "AWS/SageMaker", "MetricName": "Invocations", "Dimensions": dimensions}
    return {"Metric": metric, "Period": period_seconds, "Stat": "Sum"}


def _invocations(endpoint: str, variant_names: list[str], lookback_minutes: int, now: datetime) -> float:
    if not variant_names:
        return 0.0
    queries = [
        {"Id": f"v{i}", "MetricStat": invocations_stat(endpoint, variant, lookback_minutes * 60)}
        for i, variant in enumerate(variant_names)
    ]
    result = client("cloudwatch").get_metric_data(
        MetricDataQueries=queries, StartTime=now - timedelta(minutes=lookback_minutes), EndTime=now
    )
    return float(sum(sum(r.get("Values") or []) for r in result.get("MetricDataResults", [])))


def model_package_facts(arn: str) -> ModelPackageFacts:
    try:
        package = client("sagemaker").describe_model_package(ModelPackageName=arn)
    except ClientError as exc:
        if _missing(exc):
            return ModelPackageFacts(exists=False)
        raise
    containers = (package.get("InferenceSpecification") or {}).get("Containers") or []
    return ModelPackageFacts(
        exists=True,
        status=package.get("ModelPackageStatus"),
        has_domain=bool(package.get("Domain")),
        has_task=bool(package.get("Task")),
        has_sample_payload=bool(package.get("SamplePayloadUrl")),
        has_framework=bool(containers) and all(c.get("Framework") for c in containers),
        has_framework_version=bool(containers) and all(c.get("FrameworkVersion") for c in containers),
    )


def create_job(request: dict[str, Any]) -> str:
    return str(client("sagemaker").create_inference_recommendations_job(**request)["JobArn"])


def describe_job(job_name: str) -> dict[str, Any] | None:
    """The job's description, or None when no such job exists.

    Only `ResourceNotFound` (the operation's one modelled error) means "no such job"; any other
    error, a `ValidationException` included, is raised: reading it as "missing" would end a run
    that still has a job running.
    """
    try:
        return dict(client("sagemaker").describe_inference_recommendations_job(JobName=job_name))
    except ClientError as exc:
        if error_code(exc) == "ResourceNotFound":
            return None
        raise


def stop_job(job_name: str) -> bool:
    """Ask the service to stop the job; False when it had already finished."""
    try:
        client("sagemaker").stop_inference_recommendations_job(JobName=job_name)
    except ClientError as exc:
        if error_code(exc) in {"ValidationException", "ResourceNotFound"}:
            return False
        raise
    return True


def failed_benchmarks(job_name: str) -> list[FailedBenchmark]:
    """The job's failed benchmarks, each with its instance type and the service's reason (all pages).

    A FAILED job's steps say why it failed; a COMPLETED job's say which instance types are missing
    from its recommendations.
    """
    found = []
    token: str | None = None
    while True:
        page = client("sagemaker").list_inference_recommendations_job_steps(
            JobName=job_name, StepType="BENCHMARK", Status="FAILED", **({"NextToken": token} if token else {})
        )
        for step in page.get("Steps", []):
            benchmark = step.get("InferenceBenchmark") or {}
            reason = benchmark.get("FailureReason")
            instance = (benchmark.get("EndpointConfiguration") or {}).get("InstanceType")
            if reason:
                found.append(FailedBenchmark(instance_type=instance or None, reason=reason))
        token = page.get("NextToken")
        if not token:
            return found


def failed_step_reasons(job_name: str) -> list[str]:
    """The failure reasons of the job's failed benchmarks, most useful to a person."""
    return [
        f"{failed.instance_type}: {failed.reason}" if failed.instance_type else failed.reason
        for failed in failed_benchmarks(job_name)
    ]


class ScalingRefused(Exception):
    """The service would not recommend a scaling configuration (the job or the recommendation is
    unknown to it, or the job is not COMPLETED): the run goes on without one."""


def scaling_recommendation(
    job_name: str, recommendation_id: str, *, min_per_minute: int, max_per_minute: int
) -> dict[str, Any]:
    """GetScalingConfigurationRecommendation for one recommendation of a COMPLETED job, with the
    traffic it must serve as the objective (invocations per minute, whole numbers >= 1).

    Raises `ScalingRefused` for the service's refusals (`ValidationException`, `ResourceNotFound`);
    any other error (throttling, 5xx, access) is raised as it is, like every other call.
    """
    try:
        answer = client("sagemaker").get_scaling_configuration_recommendation(
            InferenceRecommendationsJobName=job_name,
            RecommendationId=recommendation_id,
            ScalingPolicyObjective={
                "MinInvocationsPerMinute": min_per_minute,
                "MaxInvocationsPerMinute": max_per_minute,
            },
        )
    except ClientError as exc:
        if error_code(exc) in {"ValidationException", "ResourceNotFound"}:
            raise ScalingRefused(f"{error_code(exc)}: {exc.response.get('Error', {}).get('Message', exc)}") from exc
        raise
    return dict(answer)


def list_endpoints(name_contains: str | None = None) -> list[tuple[str, str, str]]:
    """(name, ARN, status) of every endpoint in the account and region (`NameContains` narrows the
    listing when given), every page."""
    found: list[tuple[str, str, str]] = []
    token: str | None = None
    while True:
        page = client("sagemaker").list_endpoints(
            MaxResults=100,
            **({"NameContains": name_contains} if name_contains else {}),
            **({"NextToken": token} if token else {}),
        )
        found += [(str(e["EndpointName"]), str(e["EndpointArn"]), str(e["EndpointStatus"])) for e in page["Endpoints"]]
        token = page.get("NextToken")
        if not token:
            return found


def tags_of(arn: str) -> dict[str, str]:
    """The resource's tags, every page."""
    tags: dict[str, str] = {}
    token: str | None = None
    while True:
        page = client("sagemaker").list_tags(ResourceArn=arn, MaxResults=100, **({"NextToken": token} if token else {}))
        tags.update({str(tag["Key"]): str(tag["Value"]) for tag in page.get("Tags") or []})
        token = page.get("NextToken")
        if not token:
            return tags
