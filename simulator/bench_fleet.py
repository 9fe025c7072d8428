"""The fleet row of `make bench`: one fleet run over many endpoints, within the job quota, measured
on the deployed stack offline, on the discrete-event clock (`OfflineStack(timeline=True)`).

The fake Inference Recommender enforces the quota as the service does (`ResourceLimitExceeded`
once `quota` jobs are unfinished), every job takes the same time, and the fleet state machine runs
the single-endpoint workflow once per endpoint. Two fleets: a clean one, timed against the ideal
(ceil(endpoints / quota) waves of one job length), and one where a random tenth of the jobs fail,
checked for lost and duplicated runs.
"""

from __future__ import annotations

import json
import math
import random
import time
from collections import Counter
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import boto3

from simulator import report, seed
from simulator.offline import REGION, OfflineStack

TEAM = "bench-fleet"
POLL_MAX_SECONDS = 120  # the workflow's default longest poll interval (cdk.json pollMaxSeconds)


@dataclass(frozen=True)
class FleetFigures:
    label: str
    endpoints: int
    quota: int
    job_seconds: float
    fleet_status: str
    simulated_seconds: float
    wall_seconds: float
    jobs_created: int
    endpoints_with_more_than_one_job: int
    peak_running_jobs: int
    idle_slot_seconds: float  # quota slots left empty while endpoints were still waiting to start
    handovers: int  # jobs that started in a slot another job had freed
    slot_waits: int  # Start attempts answered ResourceLimitExceeded (retried, never a failure)
    children: Counter[str]  # child execution status -> count
    runs_recorded: int  # endpoints in the fleet record
    runs_failed_recorded: int
    transitions: int  # fleet + children
    cost_usd: float  # fleet + children: transitions, Lambda GB-seconds and requests
    lifetimes: list[tuple[float, float]]  # each job's creation and end, seconds after the fleet started
    cap: int  # what the fleet ran at once
    cap_source: str  # where that came from: input, service-quotas or config

    @property
    def waves(self) -> int:
        return math.ceil(self.endpoints / self.quota)

    @property
    def ideal_seconds(self) -> float:
        return self.waves * self.job_seconds

    @property
    def target_seconds(self) -> float:
        """Within 5 % of the ideal plus one poll interval per wave (the issue's target)."""
        return self.ideal_seconds * 1.05 + self.waves * POLL_MAX_SECONDS


def seed_fleet(endpoints: int) -> list[str]:
    """`endpoints` eligible endpoints of one team, each tagged with its model package version."""
    from recommender.logic.fleet import MODEL_PACKAGE_TAG

    sagemaker = boto3.client("sagemaker", region_name=REGION)
    package = seed.seed_model_package(sagemaker, f"{TEAM}-models")
    names = []
    for index in range(endpoints):
        name = seed.seed_endpoint(sagemaker, seed.EndpointSpec(name=f"{TEAM}-{index:03d}"))
        arn = sagemaker.describe_endpoint(EndpointName=name)["EndpointArn"]
        sagemaker.add_tags(
            ResourceArn=arn, Tags=[{"Key": "team", "Value": TEAM}, {"Key": MODEL_PACKAGE_TAG, "Value": package}]
        )
        names.append(name)
    return names


def run_fleet(
    world: OfflineStack, label: str, names: list[str], *, quota: int, job_seconds: float, fail_one_in: int | None
) -> FleetFigures:
    """Start one fleet over `names` and measure it (jobs made by this fleet only)."""
    rng = random.Random(f"{label}-{len(names)}")  # the same endpoints fail on every run of the bench
    failing = set(rng.sample(names, len(names) // fail_one_in)) if fail_one_in else set()
    for name in sorted(failing):
        world.fake.plan("FAILED", duration_seconds=rng.uniform(600, job_seconds), endpoint_name=name, once=True)
    world.fake.plan("COMPLETED", duration_seconds=job_seconds)
    jobs_before = {job.name for job in world.fake.jobs()}
    invocations_before = len(world.invocations)
    fleet_name = f"{TEAM}-{label}"

    started = time.monotonic()
    execution = world.sfn.start_execution(
        stateMachineArn=world.deployment.fleet_state_machine_arn,
        name=fleet_name,
        input=json.dumps({"tags": {"team": TEAM}}),  # the cap: the account's quota, from Service Quotas
    )
    described = world.wait_for(execution["executionArn"], timeout=3600)
    wall = time.monotonic() - started

    jobs = [job for job in world.fake.jobs() if job.name not in jobs_before]
    per_endpoint = Counter(str(job.request["InputConfig"]["Endpoints"][0]["EndpointName"]) for job in jobs)
    lifetimes = sorted((job.created_at, job.timeline()[-1][0]) for job in jobs)
    children = _children(world, fleet_name)
    record = _fleet_record(world, fleet_name)
    invocations = world.invocations[invocations_before:]
    memory = report.memory_by_function(world)
    child_figures = [report.figures(world, child) for child in children]
    fleet_transitions = len(world.states_entered(execution["executionArn"]))
    fleet_gb_seconds = sum(
        memory.get(i.function, 256) / 1024 * max(1.0, i.duration_ms) / 1000
        for i in invocations
        if i.handler.startswith(("recommender.handlers.select_endpoints", "recommender.handlers.summarize_fleet"))
    )
    transitions = fleet_transitions + sum(f.transitions for f in child_figures)
    cost = (
        sum(f.cost_usd for f in child_figures)
        + fleet_transitions * report.PRICE_PER_TRANSITION
        + fleet_gb_seconds * report.PRICE_PER_GB_SECOND_ARM
        + 2 * report.PRICE_PER_REQUEST
    )
    runs = record.get("runs", [])
    fleet_start = described["startDate"].timestamp()
    return FleetFigures(
        label=label,
        endpoints=len(names),
        quota=quota,
        job_seconds=job_seconds,
        fleet_status=described["status"],
        simulated_seconds=(described["stopDate"] - described["startDate"]).total_seconds(),
        wall_seconds=wall,
        jobs_created=len(jobs),
        endpoints_with_more_than_one_job=sum(1 for count in per_endpoint.values() if count > 1),
        peak_running_jobs=peak_overlap(lifetimes),
        idle_slot_seconds=idle_slot_seconds(lifetimes, quota),
        handovers=max(0, len(jobs) - quota),
        slot_waits=sum(
            1
            for i in invocations
            if i.handler.startswith("recommender.handlers.start")
            and i.errored
            and i.result.get("errorType") == "JobSlotUnavailable"
        ),
        children=Counter(child["status"] for child in children),
        runs_recorded=len(runs),
        runs_failed_recorded=sum(1 for run in runs if run.get("status") == "FAILED"),
        transitions=transitions,
        cost_usd=cost,
        lifetimes=[(start - fleet_start, end - fleet_start) for start, end in lifetimes],
        cap=int(record.get("maxConcurrency", 0)),
        cap_source=str(record.get("concurrencySource")),
    )


def peak_overlap(lifetimes: list[tuple[float, float]]) -> int:
    """The most jobs running at one instant (a job's end frees its slot before a start at that instant)."""
    events = sorted([(start, 1) for start, _ in lifetimes] + [(end, -1) for _, end in lifetimes])
    running = peak = 0
    for _, change in events:
        running += change
        peak = max(peak, running)
    return peak


def idle_slot_seconds(lifetimes: list[tuple[float, float]], quota: int) -> float:
    """Slot-seconds left empty between the first job's start and the last job's start: while some
    endpoint was still waiting for its job, each free slot counts."""
    if not lifetimes:
        return 0.0
    first, last = lifetimes[0][0], max(start for start, _ in lifetimes)
    events = sorted([(start, 1) for start, _ in lifetimes] + [(end, -1) for _, end in lifetimes if end < last])
    idle, running, at = 0.0, 0, first
    for instant, change in events:
        idle += max(0, quota - running) * (min(instant, last) - at)
        at, running = min(instant, last), running + change
    return idle


def _children(world: OfflineStack, fleet_name: str) -> list[dict[str, Any]]:
    from recommender.logic.fleet import child_name

    names = {child_name(fleet_name, f"{TEAM}-{i:03d}") for i in range(1000)}
    found = []
    for page in world.sfn.get_paginator("list_executions").paginate(stateMachineArn=world.deployment.state_machine_arn):
        found += [e for e in page["executions"] if e["name"] in names]
    return [dict(world.sfn.describe_execution(executionArn=e["executionArn"])) for e in found]


def _fleet_record(world: OfflineStack, fleet_name: str) -> dict[str, Any]:
    from recommender.adapters.store import from_item

    items = boto3.client("dynamodb", region_name=REGION).query(
        TableName=world.deployment.table_name,
        KeyConditionExpression="endpointName = :f",
        ExpressionAttributeValues={":f": {"S": "(fleet)"}},
    )["Items"]
    records = [from_item(item) for item in items]
    return next((r for r in records if r.get("fleetName") == fleet_name), {})


def measure(cdk_out: Path, stack_name: str, endpoints: int, quota: int, job_minutes: float) -> list[FleetFigures]:
    """A clean fleet and a fleet with one job in ten failing, on one deployment."""
    with OfflineStack(cdk_out, stack_name, timeline=True) as world:
        world.fake.max_active_jobs = quota  # the service refuses more (ResourceLimitExceeded)
        world.service_quotas.concurrent_jobs = quota  # and Service Quotas says so
        names = seed_fleet(endpoints)
        return [
            run_fleet(world, "clean", names, quota=quota, job_seconds=job_minutes * 60, fail_one_in=None),
            run_fleet(world, "one-in-ten-fail", names, quota=quota, job_seconds=job_minutes * 60, fail_one_in=10),
        ]


def table(rows: list[FleetFigures]) -> list[str]:
    lines = []
    for row in rows:
        hours = row.simulated_seconds / 3600
        over = row.simulated_seconds - row.ideal_seconds
        lines += [
            f"{row.label}: {row.endpoints} endpoints, quota {row.quota}, {row.job_seconds / 60:.0f}-minute jobs",
            f"  fleet {row.fleet_status}; children {dict(sorted(row.children.items()))}; "
            f"record lists {row.runs_recorded} runs ({row.runs_failed_recorded} FAILED)",
            f"  simulated time {hours:.2f} h vs ideal {row.ideal_seconds / 3600:.2f} h "
            f"({row.waves} waves x {row.job_seconds / 60:.0f} min): {over / 60:+.1f} min, "
            f"{100 * over / row.ideal_seconds:+.2f} % "
            f"(target <= {row.target_seconds / 3600:.2f} h: 5 % + one {POLL_MAX_SECONDS} s poll per wave)",
            f"  cap {row.cap} ({row.cap_source}); peak jobs running {row.peak_running_jobs} (quota {row.quota}); "
            f"slot waits (ResourceLimitExceeded) "
            f"{row.slot_waits}",
            f"  idle slot time {row.idle_slot_seconds / 60:.1f} slot-min over {row.handovers} handovers "
            f"({row.idle_slot_seconds / max(1, row.handovers):.0f} s each)",
            f"  jobs created {row.jobs_created}, endpoints with more than one job "
            f"{row.endpoints_with_more_than_one_job}",
            f"  state transitions {row.transitions} ({row.transitions / row.endpoints:.1f} per endpoint), "
            f"cost ${row.cost_usd:.4f} (${row.cost_usd / row.endpoints:.5f} per endpoint)",
            f"  wall time {row.wall_seconds:.0f} s",
        ]
    return lines
