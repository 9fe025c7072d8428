"""Validate Endpoint: the execution input and every eligibility rule."""

from __future__ import annotations

from datetime import datetime, timedelta

from recommender.adapters import sagemaker
from recommender.errors import EndpointNotEligible, InvalidExecutionInput
from recommender.logic.eligibility import TrafficRule, endpoint_violations, model_package_violations, target_violations
from recommender.logic.job_request import job_members
from recommender.logic.load_test import advanced_violations
from recommender.logic.naming import job_name
from recommender.models import (
    EndpointSnapshot,
    ExecutionInput,
    RunState,
    TargetSnapshot,
    WorkflowEvent,
    iso,
    parse_time,
)
from recommender.settings import Settings

# Pass-through fields and the SageMaker API shapes they must match.
PASS_THROUGH_SHAPES = {
    "traffic_pattern": ("trafficPattern", "TrafficPattern"),
    "stopping_conditions": ("stoppingConditions", "RecommendationJobStoppingConditions"),
    "resource_limit": ("resourceLimit", "RecommendationJobResourceLimit"),
}


def parse_request(raw: object) -> ExecutionInput:
    """The execution input, including the pass-through fields' API shapes (in full: required
    members, types, lengths, ranges, patterns, enums, nested); every problem at once."""
    from recommender.adapters.api_model import shape_violations  # only the Validate step needs it

    request = ExecutionInput.parse(raw)
    problems = []
    for attribute, (wire_name, shape) in PASS_THROUGH_SHAPES.items():
        value = getattr(request, attribute)
        if value is not None:
            problems += [
                f"{wire_name}: does not match the API's {shape} shape: {violation}"
                for violation in shape_violations("sagemaker", shape, value)
            ]
    if request.job_type == "Advanced":
        problems += [_input_names(line) for line in advanced_violations(job_members(request))]
    if problems:
        raise InvalidExecutionInput(problems)
    return request


# The API members of a load test and the execution input's names for them.
INPUT_NAMES = (
    ("InputConfig.TrafficPattern", "trafficPattern"),
    ("InputConfig.JobDurationInSeconds", "jobDurationInSeconds"),
    ("JobDurationInSeconds", "jobDurationInSeconds"),
    ("StoppingConditions", "stoppingConditions"),
)


def _input_names(line: str) -> str:
    for api_name, input_name in INPUT_NAMES:
        line = line.replace(api_name, input_name)
    return line


def validate(event: WorkflowEvent, *, cfg: Settings, now: datetime) -> RunState:
    request = parse_request(event.input)
    facts = sagemaker.endpoint_facts(
        request.endpoint_name,
        lookback_minutes=cfg.live_traffic_lookback_minutes,
        count_invocations=not request.allow_live_traffic,
        now=now,
    )
    traffic = TrafficRule(
        lookback_minutes=cfg.live_traffic_lookback_minutes,
        max_invocations=cfg.live_traffic_max_invocations,
        allowed=request.allow_live_traffic,
    )
    violations = endpoint_violations(facts, traffic) + model_package_violations(
        request.model_package_version_arn, sagemaker.model_package_facts(request.model_package_version_arn)
    )
    target = None
    if request.target_endpoint_name and request.target_endpoint_name.lower() != request.endpoint_name.lower():
        target_facts = sagemaker.serving_facts(request.target_endpoint_name)
        violations += target_violations(sagemaker.serving_facts(request.endpoint_name), target_facts)
        if target_facts.exists and len(target_facts.variants) == 1:
            variant_name, instance_type, count, _ = target_facts.variants[0]
            target = TargetSnapshot(
                endpoint_name=target_facts.name,
                variant_name=variant_name,
                instance_type=instance_type,
                instance_count=count,
            )
    if violations:
        raise EndpointNotEligible(violations, subject=f"endpoint {request.endpoint_name}")
    variant = facts.variants[0]
    started = parse_time(event.execution.start_time)
    return RunState(
        execution=event.execution,
        request=request,
        endpoint=EndpointSnapshot(
            variant_name=variant.name,
            instance_type=variant.instance_type or "unknown",
            instance_count=variant.instance_count or 0,
        ),
        job_name=job_name(cfg.job_name_prefix, event.execution.id, iso(started), request.endpoint_name),
        started_at=iso(started),
        deadline=iso(started + timedelta(seconds=cfg.max_run_seconds)),
        target=target,
    )
