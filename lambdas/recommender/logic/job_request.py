"""What a run's job benchmarks and how: the members of its CreateInferenceRecommendationsJob request
that come from the execution input. One definition: Validate checks them before a lock or a job
exists (logic/load_test.py's rules), Start Job sends them."""

from __future__ import annotations

from typing import Any

from recommender.models import ExecutionInput


def job_members(req: ExecutionInput) -> dict[str, Any]:
    """JobType, InputConfig (the endpoint benchmarked, its model package, the load test's members
    when given) and StoppingConditions when given."""
    input_config: dict[str, Any] = {
        "ModelPackageVersionArn": req.model_package_version_arn,
        "Endpoints": [{"EndpointName": req.endpoint_name}],
    }
    optional_input = {
        "JobDurationInSeconds": req.job_duration_in_seconds,
        "TrafficPattern": req.traffic_pattern,
        "ResourceLimit": req.resource_limit,
    }
    input_config.update({k: v for k, v in optional_input.items() if v is not None})
    members: dict[str, Any] = {"JobType": req.job_type, "InputConfig": input_config}
    if req.stopping_conditions is not None:
        members["StoppingConditions"] = req.stopping_conditions
    return members
