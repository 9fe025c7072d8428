"""The eligibility rules for benchmarking an existing endpoint (design.md), as pure functions.

The adapter gathers `EndpointFacts` with describe calls; `violations()` checks every rule and
returns every violation, each written so a person knows what to change.
"""

from __future__ import annotations

from dataclasses import dataclass, field


@dataclass(frozen=True)
class VariantFacts:
    name: str
    instance_type: str | None
    instance_count: int | None
    serverless: bool = False
    managed_instance_scaling: bool = False
    model_name: str | None = None


@dataclass(frozen=True)
class ModelPackageFacts:
    exists: bool
    status: str | None = None
    has_domain: bool = False
    has_task: bool = False
    has_sample_payload: bool = False
    # Every container of InferenceSpecification names its Framework and FrameworkVersion.
    has_framework: bool = False
    has_framework_version: bool = False


@dataclass(frozen=True)
class EndpointFacts:
    name: str
    exists: bool
    status: str | None = None
    variants: list[VariantFacts] = field(default_factory=list)
    shadow_variant_count: int = 0
    async_inference: bool = False
    autoscaled_variants: list[str] = field(default_factory=list)
    multi_model: bool = False
    invocations: float | None = None  # summed over the look-back window; None when not asked
    missing_config: str | None = None  # the endpoint's config name, when the config was deleted
    missing_models: list[str] = field(default_factory=list)  # variants' models that were deleted


@dataclass(frozen=True)
class ServingFacts:
    """An endpoint's variants and what each serves: (variant, instance type, count, model identity:
    per container its model package, else image + model data; None when the model is gone)."""

    name: str
    exists: bool
    variants: list[tuple[str, str | None, int | None, tuple[str, ...] | None]]
    missing_config: str | None = None  # the endpoint config it names was deleted: no variants known


# What to do about an endpoint whose endpoint config was deleted (the benchmarked one or the target).
CONFIG_GONE = "update the endpoint to an existing endpoint config"


@dataclass(frozen=True)
class TrafficRule:
    lookback_minutes: int
    max_invocations: int
    allowed: bool  # the input's allowLiveTraffic


def endpoint_violations(facts: EndpointFacts, traffic: TrafficRule) -> list[str]:
    """Every endpoint rule that `facts` break."""
    if not facts.exists:
        return [f"endpoint {facts.name!r} does not exist in this account and region"]
    found: list[str] = []
    if facts.status != "InService":
        found.append(f"endpoint status is {facts.status}, it must be InService")
    if facts.missing_config:
        found.append(f"endpoint config {facts.missing_config!r} of the endpoint no longer exists; {CONFIG_GONE}")
    for model in facts.missing_models:
        found.append(f"model {model!r} of the endpoint no longer exists; update the endpoint to an existing model")
    if len(facts.variants) != 1 and not facts.missing_config:  # without its config, the variants are unknown
        found.append(f"endpoint has {len(facts.variants)} production variants; Inference Recommender needs exactly one")
    if facts.shadow_variant_count:
        found.append(f"endpoint has {facts.shadow_variant_count} shadow variant(s); remove shadow testing first")
    for variant in facts.variants:
        if variant.serverless:
            found.append(f"variant {variant.name!r} is serverless; only real-time instance variants qualify")
        if variant.managed_instance_scaling:
            found.append(f"variant {variant.name!r} has managed instance scaling enabled; disable it first")
        if variant.instance_type and variant.instance_type.startswith("ml.t2."):
            found.append(
                f"variant {variant.name!r} runs on burstable {variant.instance_type}, "
                "which Inference Recommender does not support"
            )
    if facts.async_inference:
        found.append("endpoint uses asynchronous inference; only real-time endpoints qualify")
    for variant_name in facts.autoscaled_variants:
        found.append(
            f"variant {variant_name!r} is registered with Application Auto Scaling; "
            "deregister the scalable target for the duration of the job"
        )
    if facts.multi_model:
        found.append("endpoint hosts a multi-model container; only single-model endpoints qualify")
    if not traffic.allowed and facts.invocations is not None and facts.invocations > traffic.max_invocations:
        found.append(
            f"endpoint served {facts.invocations:g} invocations in the last {traffic.lookback_minutes} minutes "
            f"(limit {traffic.max_invocations}); benchmarking live endpoints slows them and skews results. "
            'Use a copy of the endpoint, or set "allowLiveTraffic": true'
        )
    return found


def model_package_violations(arn: str, facts: ModelPackageFacts) -> list[str]:
    """Every model package rule that `facts` break (jobs without these fail after ~30 minutes)."""
    if not facts.exists:
        return [f"model package {arn} does not exist"]
    found = []
    if facts.status != "Completed":
        found.append(f"model package status is {facts.status}, it must be Completed")
    missing = [
        name
        for name, present in (
            ("Domain", facts.has_domain),
            ("Task", facts.has_task),
            ("SamplePayloadUrl", facts.has_sample_payload),
            ("Framework", facts.has_framework),
            ("FrameworkVersion", facts.has_framework_version),
        )
        if not present
    ]
    if missing:
        found.append(
            f"model package lacks {', '.join(missing)}; register the version with them "
            "(Framework and FrameworkVersion on every container of InferenceSpecification; "
            "the job would fail after 25-30 minutes without)"
        )
    return found


def target_violations(benchmarked: ServingFacts, target: ServingFacts) -> list[str]:
    """What makes `target` (the input's targetEndpointName) unusable as the endpoint the verdict
    is about: it must exist, have one variant, and serve the model the benchmarked endpoint serves
    (the benchmark measures that model; another model's figures say nothing about it)."""
    where = f"targetEndpointName: endpoint {target.name!r}"
    if not target.exists:
        return [f"{where} does not exist in this account and region"]
    if target.missing_config:
        return [f"{where}: its endpoint config {target.missing_config!r} no longer exists; {CONFIG_GONE}"]
    if len(target.variants) != 1:
        return [f"{where} has {len(target.variants)} production variants; the verdict sizes exactly one"]
    served = target.variants[0][3]
    if served is None:
        return [f"{where}: the model of its variant no longer exists"]
    benchmarked_models = {variant[3] for variant in benchmarked.variants if variant[3] is not None}
    # Nothing to compare with when the benchmarked endpoint's config or model is gone: its own rules say so.
    if benchmarked_models and served not in benchmarked_models:
        return [
            f"{where} serves another model than endpoint {benchmarked.name!r} (container image, model data "
            "or model package differ): the benchmark says nothing about it"
        ]
    return []
