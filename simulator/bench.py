"""`make bench`: what polling costs and how late notifications are, measured on the real
state machine offline, next to the fixed schedules people use today; plus cold-start figures.

For each job (a 45-minute Default job, a 2-hour Advanced job) and each schedule, runs are swept
over job lengths around the nominal one (+0 ... +119 s) so the worst-case lag shows, not a lucky
phase. "1 earlier run" means the endpoint already has one completed run of the nominal length;
"first run, account history" that another endpoint of the account has (this endpoint has none).
Then the operator CLI: its start-up and its report over 50 runs (simulator/bench_cli.py). Last, a
fleet: 200 endpoints within a job quota of 10, 45-minute jobs, on the discrete-event clock, once
clean and once with a tenth of the jobs failing (simulator/bench_fleet.py).
"""

from __future__ import annotations

import argparse
import logging
import statistics
import sys
import warnings
from contextlib import nullcontext
from dataclasses import dataclass, replace
from pathlib import Path
from unittest import mock

from simulator import bench_cli, bench_fleet, coldstart, report
from simulator.offline import REGION, OfflineStack
from simulator.scenarios import SCENARIOS, Scenario, execute, prepare
from simulator.seed import EndpointSpec
from simulator.synth import STACK_NAME, SynthError, synthesize

JOBS = (("Default 45 min", "completed", 45.0), ("Advanced 2 h", "completed-advanced", 120.0))
OFFSETS = (0, 15, 30, 45, 59, 75, 90, 119)  # seconds added to the nominal job length


@dataclass(frozen=True)
class Schedule:
    label: str
    env: dict[str, str]
    history: bool
    account_history: bool = False  # one completed run on another endpoint, none on this one
    progress: bool = True  # the fixed schedules people use never read the job's progress


SCHEDULES = (
    Schedule("adaptive, no history", {}, history=False),
    Schedule("adaptive, first run, account history", {}, history=False, account_history=True),
    Schedule("adaptive, 1 earlier run", {}, history=True),
    Schedule(
        "fixed 120 s (SageMaker SDK)", {"POLL_INITIAL_SECONDS": "120", "POLL_MAX_SECONDS": "120"}, False, progress=False
    ),
    Schedule(
        "fixed 300 s (IR notebooks)", {"POLL_INITIAL_SECONDS": "300", "POLL_MAX_SECONDS": "300"}, False, progress=False
    ),
)


@dataclass(frozen=True)
class Row:
    job: str
    schedule: str
    polls: float
    transitions: float
    invocations: float
    lag_nominal: float
    lag_worst: float
    cost: float


def forget_runs(world: OfflineStack, endpoints: list[str]) -> None:
    """Delete these endpoints' run items: every sample starts from an account without history
    (an earlier sample's run would otherwise be the next one's account history)."""
    import boto3

    ddb = boto3.client("dynamodb", region_name=REGION)
    for endpoint in endpoints:
        for item in world.run_items(endpoint):
            key = {"endpointName": {"S": endpoint}, "runKey": {"S": str(item["runKey"])}}
            ddb.delete_item(TableName=world.deployment.table_name, Key=key)


def measure(cdk_out: Path, job_label: str, scenario: Scenario, minutes: float, schedule: Schedule) -> Row:
    samples: list[report.RunFigures] = []
    from recommender.steps import check

    without_progress = mock.patch.object(check, "job_progress", return_value=None)
    with OfflineStack(cdk_out, STACK_NAME) as world, without_progress if not schedule.progress else nullcontext():
        if schedule.env:
            world.configure(**schedule.env)
        for index, offset in enumerate(OFFSETS):
            # A fresh endpoint per sample: history is per endpoint and job type.
            sample = replace(scenario, endpoint=EndpointSpec(name=f"bench-{index}"))
            execution_input = prepare(world, sample)
            if schedule.history:
                execute(world, sample, execution_input, job_minutes=minutes)
            other = replace(scenario, endpoint=EndpointSpec(name=f"bench-other-{index}"))
            if schedule.account_history:
                execute(world, other, prepare(world, other), job_minutes=minutes)
            result = execute(world, sample, execution_input, job_minutes=minutes + offset / 60)
            figures = report.figures(world, result.executions[-1])
            forget_runs(world, [sample.endpoint.name, other.endpoint.name])
            if figures.status != "SUCCEEDED" or figures.lag_seconds is None:
                raise RuntimeError(f"{job_label} / {schedule.label}: run ended {figures.status}")
            samples.append(figures)
    nominal = samples[0]
    return Row(
        job=job_label,
        schedule=schedule.label,
        polls=statistics.mean(s.polls for s in samples),
        transitions=statistics.mean(s.transitions for s in samples),
        invocations=statistics.mean(s.invocations for s in samples),
        lag_nominal=nominal.lag_seconds or 0.0,
        lag_worst=max(s.lag_seconds or 0.0 for s in samples),
        cost=statistics.mean(s.cost_usd for s in samples),
    )


def table(rows: list[Row]) -> list[str]:
    head = (
        f"{'job':<16}{'schedule':<38}{'polls':>7}{'transitions':>13}{'invocations':>13}"
        f"{'lag s':>8}{'worst lag s':>13}{'cost/run $':>12}"
    )
    lines = [head, "-" * len(head)]
    for row in rows:
        lines.append(
            f"{row.job:<16}{row.schedule:<38}{row.polls:>7.1f}{row.transitions:>13.1f}{row.invocations:>13.1f}"
            f"{row.lag_nominal:>8.0f}{row.lag_worst:>13.0f}{row.cost:>12.5f}"
        )
    return lines


def parser() -> argparse.ArgumentParser:
    """The command line of `make bench`: every value is checked here, before any measurement."""
    parser = report.UsageParser("make bench", description=__doc__.split("\n\n", 1)[0])
    parser.add_argument(
        "--runs",
        type=report.whole_number(1),
        default=7,
        metavar="N",
        help="fresh interpreters started per cold-start (import time) median, at least 1 (default: 7)",
    )
    parser.add_argument(
        "--only",
        choices=SECTIONS,
        action="append",
        metavar="SECTION",
        help=f"measure only this section (repeatable; one of {', '.join(SECTIONS)}; default: all)",
    )
    parser.add_argument(
        "--fleet-endpoints",
        type=report.whole_number(1, 1000),
        default=200,
        metavar="N",
        help="endpoints in the fleet row, 1-1000 (default: 200)",
    )
    parser.add_argument(
        "--fleet-quota",
        type=report.whole_number(1, 100),
        default=10,
        metavar="N",
        help="concurrent Inference Recommender jobs the fleet row's account allows, 1-100 (default: 10)",
    )
    return parser


SECTIONS = ("polling", "coldstart", "cli", "fleet")


def main(argv: list[str] | None = None) -> int:
    args = parser().parse_args(argv)
    sections = set(args.only or SECTIONS)
    logging.disable(logging.ERROR)
    warnings.simplefilter("ignore")
    try:
        cdk_out = synthesize()
    except SynthError as exc:
        print(exc, file=sys.stderr)
        return report.RUN_ERROR
    if "polling" in sections:
        rows = []
        for job_label, scenario_name, minutes in JOBS:
            for schedule in SCHEDULES:
                print(f"  measuring {job_label} / {schedule.label} ...", file=sys.stderr, flush=True)
                rows.append(measure(cdk_out, job_label, SCENARIOS[scenario_name], minutes, schedule))
        print(f"Polling, lag and orchestration cost per run (means over job lengths nominal +{OFFSETS} s)")
        print("\n".join(table(rows)))
        print(
            "\ncost: Standard transitions at $0.025 per 1,000 + arm64 Lambda GB-seconds at the configured memory "
            "(durations measured in-process on this machine) + $0.20 per 1M requests"
        )
    if "coldstart" in sections:
        print("\nCold start")
        print("\n".join(coldstart.report(args.runs)))
    if "cli" in sections:
        print("\nOperator CLI")
        with OfflineStack(cdk_out, STACK_NAME) as world:
            print("\n".join(bench_cli.report(world, args.runs)))
    if "fleet" in sections:
        print(f"  measuring a fleet of {args.fleet_endpoints} endpoints ...", file=sys.stderr, flush=True)
        fleets = bench_fleet.measure(cdk_out, STACK_NAME, args.fleet_endpoints, args.fleet_quota, job_minutes=45)
        print("\nFleet runs (discrete-event clock; cost: the same prices, fleet and children)")
        print("\n".join(bench_fleet.table(fleets)))
    return 0


if __name__ == "__main__":
    sys.exit(main())
