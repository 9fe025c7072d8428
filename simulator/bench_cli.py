"""The operator CLI's speed, for `make bench`: start-up (`rightsize --help` in a fresh process) and
`rightsize report` over 50 runs of history, read from the offline stack's table.

The history: one run of the right-size scenario through the real state machine, then its run item
copied 49 times a week apart (each a run record the CLI reads back through the same query and model),
with the current endpoint's throughput and latency drifting so the charts have 50 distinct points.
"""

from __future__ import annotations

import contextlib
import io
import shutil
import statistics
import subprocess
import sys
import tempfile
import time
from datetime import timedelta
from pathlib import Path
from typing import Any

import boto3

from recommender.adapters.store import to_item
from recommender.models import iso, parse_time, run_key
from rightsize.stack import Stack
from simulator.offline import REGION, OfflineStack
from simulator.operator import invoke
from simulator.scenarios import SCENARIOS, execute, prepare
from simulator.synth import STACK_NAME

HISTORY_RUNS = 50


def startup_seconds(runs: int) -> float:
    """Median wall time of `rightsize --help` in a fresh process."""
    command = shutil.which("rightsize", path=str(Path(sys.executable).parent)) or "rightsize"
    times = []
    for _ in range(runs):
        started = time.perf_counter()
        subprocess.run([command, "--help"], check=True, capture_output=True)
        times.append(time.perf_counter() - started)
    return statistics.median(times)


def seed_history(world: OfflineStack, endpoint: str, count: int) -> None:
    """`count - 1` copies of the endpoint's newest run item, a week apart before it."""
    table = world.deployment.table_name
    dynamodb = boto3.client("dynamodb", region_name=REGION)
    (newest,) = world.run_items(endpoint)[:1]
    for weeks in range(1, count):
        started = iso(parse_time(newest["startedAt"]) - timedelta(weeks=weeks))
        copy: dict[str, Any] = {**newest, "startedAt": started, "runKey": run_key(started, newest["jobName"])}
        current = dict(copy["currentEndpoint"])
        current["maxInvocations"] = round(current["maxInvocations"] * (1 + 0.01 * ((weeks * 7) % 11 - 5)))
        current["modelLatencyMs"] = round(current["modelLatencyMs"] * (1 + 0.015 * ((weeks * 5) % 9 - 4)))
        copy["currentEndpoint"] = current
        dynamodb.put_item(TableName=table, Item=to_item(copy))


def report(world: OfflineStack, runs: int) -> list[str]:
    """The CLI's figures, as lines of `make bench`'s output."""
    scenario = SCENARIOS["right-size"]
    execution_input = prepare(world, scenario)
    execute(world, scenario, execution_input)
    endpoint = execution_input["endpointName"]
    seed_history(world, endpoint, HISTORY_RUNS)
    times, size = [], 0
    with tempfile.TemporaryDirectory() as folder:
        target = Path(folder) / "report.html"
        for _ in range(runs):
            started = time.perf_counter()
            with contextlib.redirect_stdout(io.StringIO()):  # its one line, "Wrote ..."
                code = invoke("report", endpoint, "-o", str(target))
            times.append(time.perf_counter() - started)
            if code:
                raise RuntimeError(f"rightsize report exited {code}")
            size = target.stat().st_size
    stack = Stack.connect(STACK_NAME, region=REGION)
    reads = []
    for _ in range(runs):
        started = time.perf_counter()
        stack.runs(endpoint, limit=HISTORY_RUNS)
        reads.append(time.perf_counter() - started)
    total, read = statistics.median(times), statistics.median(reads)
    return [
        f"rightsize --help (fresh process, median of {runs}):          {startup_seconds(runs):.2f} s",
        f"rightsize report, {HISTORY_RUNS} runs of history (median of {runs}): {total:.2f} s, "
        f"{size / 1024 / 1024:.1f} MiB; of which reading the {HISTORY_RUNS} run items (moto's DynamoDB Query "
        f"and the records' validation) {read:.2f} s, rendering and writing {total - read:.2f} s",
    ]
