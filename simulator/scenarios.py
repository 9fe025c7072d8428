"""Named situations the offline stack is run in (used by `make simulate`, the e2e tests, the bench)."""

from __future__ import annotations

import time
from collections.abc import Callable
from dataclasses import dataclass, field
from datetime import timedelta
from typing import Any

import boto3

from simulator import seed
from simulator.fake_recommender import Outcome
from simulator.offline import REGION, OfflineStack

ADVANCED_FIELDS: dict[str, Any] = {
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


@dataclass(frozen=True)
class Scenario:
    name: str
    summary: str
    endpoint: seed.EndpointSpec = field(default_factory=seed.EndpointSpec)
    job_type: str = "Default"
    outcome: Outcome = "COMPLETED"
    job_minutes: float = 45
    input_fields: dict[str, Any] = field(default_factory=dict)
    replace_input: dict[str, Any] | None = None  # sent as is (bad input)
    autoscaling: bool = False
    live_invocations: float = 0
    complete_model_package: bool = True
    executions: int = 1  # started at once on the same endpoint


SCENARIOS = {
    s.name: s
    for s in (
        Scenario("completed", "a Default job that completes"),
        Scenario(
            "completed-advanced",
            "an Advanced job (custom traffic pattern, stopping conditions, limits) that completes",
            job_type="Advanced",
            job_minutes=120,
            input_fields={"jobType": "Advanced", **ADVANCED_FIELDS},
        ),
        Scenario("failed", "a job whose benchmarks fail", outcome="FAILED", job_minutes=30),
        Scenario("stopped", "a job stopped outside the workflow", outcome="STOPPED", job_minutes=20),
        Scenario("timed-out", "a job still running at the run's deadline (maxRunHours)", job_minutes=8 * 60),
        Scenario(
            "ineligible",
            "an endpoint that breaks several rules (autoscaling, multi-model, burstable instance)",
            endpoint=seed.EndpointSpec(instance_type="ml.t2.medium", multi_model=True),
            autoscaling=True,
            complete_model_package=False,
        ),
        Scenario("live-traffic", "an endpoint serving production traffic", live_invocations=1250),
        Scenario(
            "bad-input",
            "an execution input with a typo and a bad name",
            replace_input={"endpointname": "demo-endpoint", "modelPackageVersionArn": "my-model", "jobType": "Fast"},
        ),
        Scenario("busy", "two executions started at once on the same endpoint", executions=2),
    )
}


@dataclass
class RunResult:
    scenario: Scenario
    endpoint: str
    execution_input: Any
    executions: list[dict[str, Any]]  # describe_execution of each, in start order
    real_seconds: float
    simulated_seconds: float


def prepare(world: OfflineStack, scenario: Scenario) -> dict[str, Any]:
    """Seed the scenario's endpoint, model package, scaling and traffic; return its execution input."""
    sagemaker = boto3.client("sagemaker", region_name=REGION)
    endpoint = seed.seed_endpoint(sagemaker, scenario.endpoint)
    package = seed.seed_model_package(
        sagemaker, f"{endpoint}-models", complete_metadata=scenario.complete_model_package
    )
    if scenario.autoscaling:
        seed.seed_autoscaling(boto3.client("application-autoscaling", region_name=REGION), endpoint)
    if scenario.live_invocations:
        seed.seed_traffic(
            boto3.client("cloudwatch", region_name=REGION),
            endpoint,
            scenario.live_invocations,
            world.clock.now() - timedelta(minutes=5),
        )
    if scenario.replace_input is not None:
        return dict(scenario.replace_input)
    return {"endpointName": endpoint, "modelPackageVersionArn": package, **scenario.input_fields}


def execute(
    world: OfflineStack,
    scenario: Scenario,
    execution_input: Any,
    *,
    job_minutes: float | None = None,
    progress: Callable[[OfflineStack], None] | None = None,
) -> RunResult:
    """Plan the job the service will run, start the scenario's executions and wait for them."""
    endpoint = execution_input.get("endpointName") if isinstance(execution_input, dict) else None
    world.fake.plan(
        outcome=scenario.outcome,
        duration_seconds=(job_minutes or scenario.job_minutes) * 60,
        endpoint_name=endpoint if isinstance(endpoint, str) else None,
    )
    started_real, started_sim = time.monotonic(), world.clock.now()
    arns = [world.start_execution(execution_input) for _ in range(scenario.executions)]
    described = []
    for arn in arns:
        while True:
            try:
                described.append(world.wait_for(arn, timeout=0.25))
                break
            except TimeoutError:
                if progress:
                    progress(world)
                if time.monotonic() - started_real > 300:
                    raise
    return RunResult(
        scenario=scenario,
        endpoint=endpoint if isinstance(endpoint, str) else "",
        execution_input=execution_input,
        executions=described,
        real_seconds=time.monotonic() - started_real,
        simulated_seconds=(world.clock.now() - started_sim).total_seconds(),
    )


def run(
    world: OfflineStack,
    scenario: Scenario,
    *,
    job_minutes: float | None = None,
    execution_input: Any = None,
    progress: Callable[[OfflineStack], None] | None = None,
) -> RunResult:
    """Seed the scenario and run it (with `execution_input` instead of the scenario's, if given)."""
    prepared = prepare(world, scenario)
    chosen = prepared if execution_input is None else execution_input
    return execute(world, scenario, chosen, job_minutes=job_minutes, progress=progress)
