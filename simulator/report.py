"""Figures of a finished run, read from the execution history and the simulator's records; and the
command-line conventions `make simulate` and `make bench` share."""

from __future__ import annotations

import argparse
from collections.abc import Callable
from dataclasses import dataclass
from typing import Any, NoReturn

from simulator.offline import OfflineStack

LOOP = ("Wait For Job", "Check Job", "Job Finished?")
# Standard workflow pricing (us-east-1): state transitions and arm64 Lambda.
PRICE_PER_TRANSITION = 0.025 / 1000
PRICE_PER_GB_SECOND_ARM = 0.0000133334
PRICE_PER_REQUEST = 0.20 / 1_000_000


@dataclass(frozen=True)
class RunFigures:
    status: str
    states: list[str]
    transitions: int
    polls: int
    invocations: int
    lambda_gb_seconds: float
    simulated_seconds: float
    lag_seconds: float | None  # job completion -> notification published

    @property
    def cost_usd(self) -> float:
        return (
            self.transitions * PRICE_PER_TRANSITION
            + self.lambda_gb_seconds * PRICE_PER_GB_SECOND_ARM
            + self.invocations * PRICE_PER_REQUEST
        )


def figures(world: OfflineStack, execution: dict[str, Any]) -> RunFigures:
    arn = execution["executionArn"]
    history = world.history(arn)
    states = [e["stateEnteredEventDetails"]["name"] for e in history if "stateEnteredEventDetails" in e]
    started = execution["startDate"]
    stopped = execution.get("stopDate") or started
    mine = [i for i in world.invocations if _belongs(i.event, arn)]
    memory = memory_by_function(world)
    gb_seconds = sum(memory.get(i.function, 256) / 1024 * max(1.0, i.duration_ms) / 1000 for i in mine)
    job_name = next(
        (i.result.get("jobName") for i in mine if isinstance(i.result, dict) and i.result.get("jobName")), None
    )
    lag = None
    publish = [i for i in mine if i.handler.startswith("recommender.handlers.publish") and not i.errored]
    job = next((j for j in world.fake.jobs() if j.name == job_name), None)
    if publish and job:
        completed_at = job.timeline()[-1][0]
        lag = publish[-1].at.timestamp() - completed_at
    return RunFigures(
        status=execution["status"],
        states=states,
        transitions=len(states),
        polls=states.count("Check Job"),
        invocations=len(mine),
        lambda_gb_seconds=gb_seconds,
        simulated_seconds=(stopped - started).total_seconds(),
        lag_seconds=lag,
    )


def _belongs(event: Any, execution_arn: str) -> bool:
    if not isinstance(event, dict):
        return False
    execution = event.get("execution") or {}
    return isinstance(execution, dict) and execution.get("id") == execution_arn


def memory_by_function(world: OfflineStack) -> dict[str, int]:
    import boto3

    client = boto3.client("lambda", region_name="us-east-1")
    return {
        name: int(client.get_function(FunctionName=name)["Configuration"]["MemorySize"])
        for name in world.deployment.functions.values()
    }


def path(states: list[str]) -> str:
    """States in order, with the poll loop folded: `(Wait For Job -> Check Job -> Job Finished?) x23`."""
    out: list[str] = []
    i = 0
    while i < len(states):
        loops = 0
        while tuple(states[i : i + 3]) == LOOP:
            loops += 1
            i += 3
        if loops:
            out.append(f"({' -> '.join(LOOP)}) x{loops}")
            continue
        out.append(states[i])
        i += 1
    return " -> ".join(out)


def duration(seconds: float) -> str:
    """The notification's way of writing a duration (one format everywhere people read one)."""
    from recommender.logic.notification import duration_text

    return duration_text(round(seconds))


# ---------------------------------------------------------------------- command lines
class UsageParser(argparse.ArgumentParser):
    """argparse for `make simulate` / `make bench`: a usage mistake is one line on stderr, exit
    code 2 (argparse's), naming the command as people type it."""

    def __init__(self, command: str, **kwargs: Any) -> None:
        super().__init__(prog=f"{command} ARGS=...", **kwargs)
        self.command = command

    def error(self, message: str) -> NoReturn:
        self.exit(USAGE_ERROR, f"{self.command}: error: {message} (see ARGS=--help)\n")


USAGE_ERROR = 2  # a mistake in the command line or in a file it names
RUN_ERROR = 1  # the project cannot be synthesized or deployed


def whole_number(low: int, high: int | None = None) -> Callable[[str], int]:
    """An argparse type: a whole number in [low, high]."""

    def parse(text: str) -> int:
        try:
            value = int(text)
        except ValueError:
            raise argparse.ArgumentTypeError(f"{text!r} is not a whole number") from None
        if value < low or (high is not None and value > high):
            bounds = f">= {low}" if high is None else f"from {low} to {high}"
            raise argparse.ArgumentTypeError(f"must be {bounds}, got {value}")
        return value

    return parse
