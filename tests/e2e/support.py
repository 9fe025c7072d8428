"""What the e2e tests share: named endpoints, running an execution, and reading everything it did.

Each test uses its own endpoint name in a world (an `OfflineStack`) shared by the tests of its
module, and reads only what happened since it began (`Mark`): the world's records (fake calls,
SNS publishes, Lambda invocations) are append-only and the tests of one module run one at a time.
"""

from __future__ import annotations

import contextlib
import functools
import json
import threading
import time
import uuid
from collections.abc import Iterable, Iterator
from dataclasses import dataclass, field, replace
from datetime import datetime, timedelta
from typing import Any

import boto3
import pytest

from recommender.models import iso
from simulator import report, scenarios
from simulator.offline import ACCOUNT, REGION, OfflineStack
from simulator.scenarios import SCENARIOS, Scenario

LOOP = " -> ".join(report.LOOP)
# Keys of the run item that are the table's own (not part of the run record sent to subscribers).
TABLE_ONLY = ("runKey", "notifiedAt")
STATUS_CHANGE = "Step Functions Execution Status Change"


def scenario(base: str, endpoint: str, **changes: Any) -> Scenario:
    """A scenario of simulator.scenarios on an endpoint of its own (the world is shared)."""
    original = SCENARIOS[base]
    spec = replace(original.endpoint, name=endpoint, **changes.pop("endpoint_changes", {}))
    return replace(original, endpoint=spec, **changes)


def seed_eligible(world: OfflineStack, endpoint: str) -> dict[str, Any]:
    """An eligible endpoint and model package; the minimal execution input for them."""
    return scenarios.prepare(world, scenario("completed", endpoint))


def environment(world: OfflineStack, step: str = "start") -> dict[str, str]:
    """A deployed function's environment variables."""
    configuration = boto3.client("lambda", region_name=REGION).get_function_configuration(
        FunctionName=world.deployment.function_for(step)
    )
    return dict(configuration["Environment"]["Variables"])


def job_role_arn(world: OfflineStack) -> str:
    """The role the deployment gives jobs: the functions' JOB_ROLE_ARN."""
    return environment(world)["JOB_ROLE_ARN"]


@contextlib.contextmanager
def configured(world: OfflineStack, **variables: str) -> Iterator[None]:
    """The functions' environment changed (as a redeploy with other cdk.json values would), then
    restored for the module's next tests."""
    before = environment(world)
    world.configure(**variables)
    try:
        yield
    finally:
        world.configure(**{key: before[key] for key in variables})


def describe(world: OfflineStack, execution_arn: str) -> dict[str, Any]:
    return dict(world.sfn.describe_execution(executionArn=execution_arn))


@contextlib.contextmanager
def held_at_next_wait(world: OfflineStack) -> Iterator[threading.Event]:
    """Hold the next Wait state any execution enters until the block ends; yields the event that
    is set once one is held there.

    An execution spends nearly all its life in Wait states, and that is where a person stopping it
    would find it. Stopping one offline while a Lambda task runs instead trips a race in moto's
    interpreter (the execution ends FAILED, "'dict' object has no attribute 'region'"), so tests that
    stop an execution hold it at a Wait first. Waits advance the simulated clock from the
    execution's thread: the gate is that call.
    """
    reached, release = threading.Event(), threading.Event()
    tester, advance = threading.current_thread(), world.clock.advance

    def gated(seconds: float) -> Any:
        if threading.current_thread() is not tester and not reached.is_set():
            reached.set()
            release.wait(timeout=60)
        return advance(seconds)

    with pytest.MonkeyPatch.context() as patch:
        patch.setattr(world.clock, "advance", gated)
        try:
            yield reached
        finally:
            release.set()


def wait_until(condition: Any, timeout: float = 30.0, what: str = "condition") -> None:
    """Wait (real time) until `condition()` is true."""
    deadline = time.monotonic() + timeout
    while not condition():
        if time.monotonic() > deadline:
            raise TimeoutError(f"{what} not reached after {timeout}s")
        time.sleep(0.01)


# ------------------------------------------------------------------------------ observing
@dataclass(frozen=True)
class Mark:
    """Where the world's append-only records stood when a test began."""

    calls: int
    published: int
    invocations: int


def mark(world: OfflineStack) -> Mark:
    return Mark(len(world.fake.calls), len(world.published()), len(world.invocations))


@dataclass
class Observed:
    """One execution and everything that happened in the world since `Mark`."""

    world: OfflineStack = field(repr=False)
    execution: dict[str, Any]  # describe_execution
    history: list[dict[str, Any]]
    items: list[dict[str, Any]]  # the run items of the endpoint's partition, newest first
    notifications: list[dict[str, Any]]
    calls: list[tuple[str, dict[str, Any]]]  # fake Inference Recommender calls
    invocations: list[Any]
    lock: dict[str, Any] | None

    @property
    def arn(self) -> str:
        return str(self.execution["executionArn"])

    @property
    def states(self) -> list[str]:
        return [e["stateEnteredEventDetails"]["name"] for e in self.history if "stateEnteredEventDetails" in e]

    @property
    def polls(self) -> int:
        return self.states.count("Check Job")

    @functools.cached_property
    def figures(self) -> report.RunFigures:
        """Polls, transitions, invocations and lag (simulator.report; reads the history again)."""
        return report.figures(self.world, self.execution)

    @property
    def status(self) -> str:
        return str(self.execution["status"])

    @property
    def path(self) -> str:
        return report.path(self.states)

    @property
    def item(self) -> dict[str, Any]:
        """This execution's run item (exactly one)."""
        mine = [item for item in self.items if item.get("executionArn") == self.arn]
        assert len(mine) == 1, f"run items of {self.arn}: {mine}"
        return mine[0]

    @property
    def notification(self) -> dict[str, Any]:
        """The one notification published since the mark."""
        assert len(self.notifications) == 1, [n["subject"] for n in self.notifications]
        return self.notifications[0]

    @property
    def error_message(self) -> str:
        """The `errorMessage` inside the execution's cause (the failing step's exception)."""
        cause = self.execution.get("cause") or ""
        return str(json.loads(cause)["errorMessage"]) if cause.startswith("{") else cause

    def calls_to(self, operation: str) -> list[dict[str, Any]]:
        return [params for name, params in self.calls if name == operation]

    def operations(self) -> set[str]:
        return {name for name, _ in self.calls}


def observe(world: OfflineStack, execution: dict[str, Any], endpoint: str, since: Mark) -> Observed:
    arn = execution["executionArn"]
    return Observed(
        world=world,
        execution=execution,
        history=world.history(arn),
        items=world.run_items(endpoint),
        notifications=world.published()[since.published :],
        calls=world.fake.calls[since.calls :],
        invocations=world.invocations[since.invocations :],
        lock=world.lock_item(endpoint),
    )


def run(
    world: OfflineStack, chosen: Scenario, *, job_minutes: float | None = None, **input_changes: Any
) -> tuple[dict[str, Any], Observed]:
    """Seed the scenario, run its (changed) input through the state machine, observe the result."""
    execution_input = scenarios.prepare(world, chosen)
    execution_input.update(input_changes)
    return execution_input, run_input(world, chosen, execution_input, job_minutes=job_minutes)


def run_input(
    world: OfflineStack, chosen: Scenario, execution_input: Any, *, job_minutes: float | None = None
) -> Observed:
    since = mark(world)
    result = scenarios.execute(world, chosen, execution_input, job_minutes=job_minutes)
    (execution,) = result.executions
    endpoint = execution_input.get("endpointName") if isinstance(execution_input, dict) else None
    return observe(world, execution, endpoint if isinstance(endpoint, str) else "(invalid input)", since)


# ------------------------------------------------------------------------------ history
def failed_attempts(history: Iterable[dict[str, Any]]) -> list[tuple[str, str]]:
    """(state, error) of every failed Lambda attempt, in order."""
    state, failed = "", []
    for event in history:
        if "stateEnteredEventDetails" in event:
            state = event["stateEnteredEventDetails"]["name"]
        if event["type"] == "LambdaFunctionFailed":
            failed.append((state, event["lambdaFunctionFailedEventDetails"]["error"]))
    return failed


def retried_in_place(history: list[dict[str, Any]], state: str) -> bool:
    """Whether `state` failed an attempt and the state machine ran it again without leaving it:
    the retrier's signature (a catch would leave the state for Record Failure)."""
    current = ""
    for index, event in enumerate(history):
        if "stateEnteredEventDetails" in event:
            current = event["stateEnteredEventDetails"]["name"]
        if current == state and event["type"] == "LambdaFunctionFailed":
            following = [e["type"] for e in history[index + 1 :] if e["type"].startswith(("Lambda", "TaskState"))]
            return following[:3] == ["LambdaFunctionScheduled", "LambdaFunctionStarted", "LambdaFunctionSucceeded"]
    return False


# ------------------------------------------------------------------------------ contracts
def record_of(item: dict[str, Any]) -> dict[str, Any]:
    """The run record inside a run item (what JSON subscribers receive, minus consoleUrl)."""
    return {key: value for key, value in item.items() if key not in TABLE_ONLY}


def assert_notifies(notification: dict[str, Any], item: dict[str, Any]) -> dict[str, Any]:
    """The notification announces exactly the stored run: subject, filter attributes, one JSON
    document for every programmatic protocol, a readable email. Returns the JSON document."""
    status, endpoint = item["status"], item["endpointName"]
    verdict = item.get("verdict") or {}
    if verdict.get("decision") in {"CHANGE", "KEEP"}:
        target = (item.get("targetEndpoint") or {}).get("endpointName", endpoint)
        assert notification["subject"].startswith(f"Right-size {target}: ")
        assert verdict["instanceType"] in notification["subject"]
    else:
        assert notification["subject"] == f"Inference recommendation {status}: {endpoint}"
    assert notification["attributes"] == {
        "kind": "run",
        "endpointName": endpoint,
        "status": status,
        "jobType": item.get("jobType", "unknown"),
        "regression": "true" if "regression" in item else "false",
        "verdict": verdict.get("decision", "UNKNOWN"),
    }
    bodies = notification["bodies"]
    # One JSON document: SNS delivers `default` to SQS, Lambda and HTTPS subscribers alike.
    assert set(bodies) == {"default", "email"}
    document: dict[str, Any] = json.loads(bodies["default"])
    urls = document.pop("consoleUrl")
    assert document.pop("runKey") == item["runKey"]  # where the whole record is stored
    assert document == record_of(item)
    assert urls["execution"].endswith(f"#/v2/executions/details/{item['executionArn']}")
    if "jobArn" in item:
        assert urls["job"].endswith(f"#/inference-recommender/jobs/{item['jobName']}")
    else:
        assert "job" not in urls
    email = bodies["email"]
    assert email.startswith(f"Inference Recommender run {status} for endpoint {endpoint}\n")
    if status != "COMPLETED":
        assert f"What happened: {item['failureReason']}" in email
        for violation in item.get("violations", []):
            assert f"  - {violation}\n" in email
    return document | {"consoleUrl": urls}


def started_at(execution: dict[str, Any]) -> str:
    return iso(execution["startDate"])


def after(timestamp: str, seconds: float) -> str:
    return iso(datetime.fromisoformat(timestamp.replace("Z", "+00:00")) + timedelta(seconds=seconds))


def status_change_event(execution: dict[str, Any]) -> dict[str, Any]:
    """The EventBridge "Step Functions Execution Status Change" event of an ended execution, as the
    clean-up rule delivers it to Record Failure."""
    started, stopped = execution["startDate"], execution.get("stopDate") or execution["startDate"]
    return {
        "version": "0",
        "id": str(uuid.uuid4()),
        "detail-type": STATUS_CHANGE,
        "source": "aws.states",
        "account": ACCOUNT,
        "time": iso(stopped),
        "region": REGION,
        "resources": [execution["executionArn"]],
        "detail": {
            "executionArn": execution["executionArn"],
            "stateMachineArn": execution["stateMachineArn"],
            "name": execution["name"],
            "status": execution["status"],
            "startDate": int(started.timestamp() * 1000),
            "stopDate": int(stopped.timestamp() * 1000),
            "input": execution["input"],
            "output": None,
            "error": execution.get("error"),
            "cause": execution.get("cause"),
        },
    }
