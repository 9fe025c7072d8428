"""Named situations the offline stack is run in (used by `make simulate`, the e2e tests, the bench)."""

from __future__ import annotations

import re
import time
from collections.abc import Callable
from dataclasses import dataclass, field, replace
from datetime import timedelta
from typing import Any

import boto3

from recommender.errors import InvalidExecutionInput
from recommender.models import ExecutionInput
from simulator import seed
from simulator.fake_recommender import Outcome
from simulator.offline import ACCOUNT, REGION, OfflineStack

# The parts of a model package version ARN the product's input model already accepted.
_PACKAGE_ARN = re.compile(
    r"arn:(?P<partition>[^:]+):sagemaker:(?P<region>[^:]+):(?P<account>[0-9]{12}):"
    r"model-package/(?P<group>[^/]+)/(?P<version>[0-9]+)"
)

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
    # The production endpoint the verdict is about (the input's targetEndpointName): the same
    # model as `endpoint`, which is then the staging copy that is benchmarked.
    target: seed.EndpointSpec | None = None
    # One-minute Invocations of the target (else of the endpoint) over the window before the run.
    traffic: seed.DailyTraffic | None = None
    # What the benchmarked endpoint measures in this run ({"MaxInvocations", "ModelLatency"}),
    # instead of its instance type's profile.
    endpoint_metrics: dict[str, float] | None = None
    # Runs completed on the same endpoint before this one, each by what the endpoint measured in
    # it (None: its instance type's profile): the history a regression is found against.
    earlier_runs: tuple[dict[str, float] | None, ...] = ()
    days_between_runs: float = 0  # simulated days from the end of one earlier run to the next run


# The production endpoint of the right-size scenarios: four of the staging copy's instances.
PRODUCTION = seed.EndpointSpec(name="demo-endpoint-prod", instance_count=4)

SCENARIOS = {
    s.name: s
    for s in (
        Scenario(
            "right-size",
            "a staging copy benchmarked for production endpoint demo-endpoint-prod (ml.m5.xlarge x4, two weeks "
            "of traffic with a daily shape): the verdict, its savings and the autoscaling to apply",
            target=PRODUCTION,
            traffic=seed.DailyTraffic(),
        ),
        Scenario(
            "regression",
            "as right-size, after an earlier run: the endpoint now serves 25% fewer invocations, 40% slower",
            target=PRODUCTION,
            traffic=seed.DailyTraffic(),
            earlier_runs=(None,),
            endpoint_metrics={"MaxInvocations": 225, "ModelLatency": 784},
        ),
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
    notes: list[str] = field(default_factory=list)  # what was seeded or changed for a given input


@dataclass(frozen=True)
class Prepared:
    """A person's own execution input, made ready to run: what is sent and one line per thing
    seeded or changed for it."""

    execution_input: Any
    notes: list[str]


def prepare(world: OfflineStack, scenario: Scenario) -> dict[str, Any]:
    """Seed the scenario's endpoint, model package, scaling and traffic; return its execution input."""
    endpoint = _seed_endpoint(world, scenario)
    package = seed.seed_model_package(
        boto3.client("sagemaker", region_name=REGION),
        f"{endpoint}-models",
        complete_metadata=scenario.complete_model_package,
    )
    if scenario.replace_input is not None:
        return dict(scenario.replace_input)
    target = {"targetEndpointName": _seed_target(world, scenario)} if scenario.target else {}
    return {"endpointName": endpoint, "modelPackageVersionArn": package, **target, **scenario.input_fields}


def _seed_traffic(world: OfflineStack, scenario: Scenario, endpoint: str) -> None:
    """The scenario's daily traffic on `endpoint`, from its window before the first run to two hours
    after the last run starts (ahead of the clock, as far as PutMetricData accepts), so the endpoint
    keeps serving while a job of up to two hours runs, in every run of the scenario."""
    assert scenario.traffic is not None
    spread = timedelta(days=len(scenario.earlier_runs) * scenario.days_between_runs)
    extra_days = -(-spread // timedelta(days=1))  # whole days, rounded up
    traffic = replace(scenario.traffic, days=scenario.traffic.days + extra_days)
    end = world.clock.now() + spread + timedelta(hours=2)
    seed.seed_daily_traffic(boto3.client("cloudwatch", region_name=REGION), endpoint, traffic, end)


def _seed_target(world: OfflineStack, scenario: Scenario) -> str:
    """The scenario's production endpoint, serving the benchmarked endpoint's model, with its traffic."""
    assert scenario.target is not None
    sagemaker = boto3.client("sagemaker", region_name=REGION)
    spec = replace(scenario.target, model_data=scenario.endpoint.model_data)
    if not seed.endpoint_exists(sagemaker, spec.name):
        seed.seed_endpoint(sagemaker, spec)
        if scenario.traffic:
            _seed_traffic(world, scenario, spec.name)
    return spec.name


def _seed_endpoint(world: OfflineStack, scenario: Scenario) -> str:
    """The scenario's endpoint with its scaling and traffic; return its name."""
    endpoint = seed.seed_endpoint(boto3.client("sagemaker", region_name=REGION), scenario.endpoint)
    if scenario.autoscaling:
        seed.seed_autoscaling(boto3.client("application-autoscaling", region_name=REGION), endpoint)
    if scenario.traffic and not scenario.target:
        _seed_traffic(world, scenario, endpoint)
    if scenario.live_invocations:
        seed.seed_traffic(
            boto3.client("cloudwatch", region_name=REGION),
            endpoint,
            scenario.live_invocations,
            world.clock.now() - timedelta(minutes=5),
        )
    return endpoint


def prepare_input(world: OfflineStack, scenario: Scenario, execution_input: Any) -> Prepared:
    """Seed what a person's own execution input names, so that any valid input runs end to end:
    its endpoint (the scenario's kind of endpoint, scaling and traffic, under the input's name) and
    its model package version (the group and versions up to it, metadata as the scenario has it).

    Validity is the product's own (`ExecutionInput.parse`, what the Validate step runs first): an
    input it refuses is sent as is, seeding nothing, and the run shows the REJECTED path. What the
    input names is never renamed, with one exception: the offline world is one account and region,
    and the stack reads model packages of its own account and region only, so a package ARN of
    another account or region is seeded and sent with the world's (said in the notes).
    """
    try:
        request = ExecutionInput.parse(execution_input)
    except InvalidExecutionInput:
        return Prepared(execution_input, ["Seeded nothing: not a valid execution input, sent as is"])
    notes = []
    sagemaker = boto3.client("sagemaker", region_name=REGION)
    endpoint = request.endpoint_name
    if seed.endpoint_exists(sagemaker, endpoint):
        notes.append(f"Endpoint {endpoint}: already in the offline world")
    else:
        spec = replace(scenario.endpoint, name=endpoint)
        _seed_endpoint(world, replace(scenario, endpoint=spec))
        notes.append(
            f"Seeded endpoint {endpoint}: {spec.instance_type} x{spec.instance_count} "
            f"(the kind of endpoint of scenario {scenario.name})"
        )
    asked = request.model_package_version_arn
    parts = _PACKAGE_ARN.fullmatch(asked)
    if parts is None:  # the input model accepted it, so this is a simulator bug
        raise ValueError(f"cannot read model package ARN {asked}")
    group, version = parts["group"], int(parts["version"])
    if version > seed.MAX_SEEDED_VERSION:
        notes.append(
            f"Seeded no model package: version {version} would take {version} registrations "
            f"(at most {seed.MAX_SEEDED_VERSION} offline); sent as is"
        )
        return Prepared(execution_input, notes)
    local = seed.seed_model_package_version(
        sagemaker, group, version, complete_metadata=scenario.complete_model_package
    )
    versions = "version 1" if version == 1 else f"versions 1-{version}"
    notes.append(f"Seeded model package group {group}, {versions}")
    if local == asked:
        return Prepared(execution_input, notes)
    notes.append(
        f"Sent modelPackageVersionArn {local} instead of {asked}: the offline world is account {ACCOUNT} "
        f"in {REGION}, and the stack reads model packages of its own account and region only"
    )
    return Prepared({**execution_input, "modelPackageVersionArn": local}, notes)


# Starts `count` executions of one input at once and returns describe_execution of each once it
# has ended (in start order). The default sends them straight to Step Functions; `make simulate`
# sends them through the operator CLI (simulator/operator.py).
Runner = Callable[[Any, int], list[dict[str, Any]]]


def execute(
    world: OfflineStack,
    scenario: Scenario,
    execution_input: Any,
    *,
    job_minutes: float | None = None,
    progress: Callable[[OfflineStack], None] | None = None,
    runner: Runner | None = None,
) -> RunResult:
    """Plan the job the service will run, run the scenario's earlier runs one after the other
    (`days_between_runs` apart), then start its executions at once and wait for them all."""
    endpoint = execution_input.get("endpointName") if isinstance(execution_input, dict) else None
    seconds = (job_minutes or scenario.job_minutes) * 60
    started_real, started_sim = time.monotonic(), world.clock.now()

    def straight(document: Any, count: int) -> list[dict[str, Any]]:
        return _wait(world, [world.start_execution(document) for _ in range(count)], started_real, progress)

    start = runner or straight
    described = []
    for metrics in scenario.earlier_runs:
        world.fake.plan(duration_seconds=seconds, endpoint_metrics=metrics, once=True)
        described += start(execution_input, 1)
        world.clock.advance(scenario.days_between_runs * 86400)
    world.fake.plan(
        outcome=scenario.outcome,
        duration_seconds=seconds,
        endpoint_name=endpoint if isinstance(endpoint, str) else None,
        endpoint_metrics=scenario.endpoint_metrics,
    )
    described += start(execution_input, scenario.executions)
    return RunResult(
        scenario=scenario,
        endpoint=endpoint if isinstance(endpoint, str) else "",
        execution_input=execution_input,
        executions=described,
        real_seconds=time.monotonic() - started_real,
        simulated_seconds=(world.clock.now() - started_sim).total_seconds(),
    )


def _wait(
    world: OfflineStack,
    arns: list[str],
    started_real: float,
    progress: Callable[[OfflineStack], None] | None,
) -> list[dict[str, Any]]:
    """describe_execution of each execution once it has ended (at most 300 s of real time in all)."""
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
    return described


def run(
    world: OfflineStack,
    scenario: Scenario,
    *,
    job_minutes: float | None = None,
    execution_input: Any = None,
    progress: Callable[[OfflineStack], None] | None = None,
    runner: Runner | None = None,
) -> RunResult:
    """Seed the scenario and run it; with `execution_input`, seed what that input names instead
    (`prepare_input`) and run it."""
    options: dict[str, Any] = {"job_minutes": job_minutes, "progress": progress, "runner": runner}
    if execution_input is None:
        return execute(world, scenario, prepare(world, scenario), **options)
    prepared = prepare_input(world, scenario, execution_input)
    result = execute(world, scenario, prepared.execution_input, **options)
    result.notes = prepared.notes
    return result
