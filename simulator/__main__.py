"""`make simulate`: the synthesized stack, deployed offline in moto, running one scenario end to end.

make simulate                                   # a Default job that completes
make simulate ARGS="--scenario failed"          # see --list for all scenarios
make simulate ARGS="--input my-input.json --job-minutes 90"
"""

from __future__ import annotations

import argparse
import json
import logging
import sys
import time
import warnings
from pathlib import Path
from typing import Any

from recommender.errors import violations_from_message
from simulator import report
from simulator.offline import OfflineStack
from simulator.scenarios import SCENARIOS, RunResult, run
from simulator.synth import STACK_NAME, synthesize

RULE = "-" * 78


def main(argv: list[str] | None = None) -> int:
    args = _parse(argv)
    if args.list:
        for scenario in SCENARIOS.values():
            print(f"{scenario.name:<20}{scenario.summary}")
        return 0
    logging.disable(logging.ERROR)  # moto's own chatter (skipped resource types are listed below)
    warnings.simplefilter("ignore")
    scenario = SCENARIOS[args.scenario]
    execution_input = json.loads(Path(args.input).read_text()) if args.input else None

    step("Synthesizing the CDK app (app.py -> cdk.out)")
    started = time.monotonic()
    cdk_out = synthesize(force=args.synth)
    done(f"{time.monotonic() - started:.1f} s")

    step("Deploying the template into moto (CloudFormation, Lambda, Step Functions, DynamoDB, SNS)")
    started = time.monotonic()
    with OfflineStack(cdk_out, STACK_NAME) as world:
        done(f"{time.monotonic() - started:.1f} s, {len(world.deployment.resources)} resources")
        if world.skipped:
            kinds = sorted(set(world.skipped.values()))
            print(f"  not deployable offline, left out: {len(world.skipped)} ({', '.join(kinds)})")
        job_minutes = args.job_minutes or scenario.job_minutes
        print(f"\nScenario {scenario.name}: {scenario.summary}; simulated job length {job_minutes:g} min")
        result = run(world, scenario, job_minutes=args.job_minutes, execution_input=execution_input, progress=_progress)
        _clear_progress()
        _print_result(world, result)
    return 0


def _parse(argv: list[str] | None) -> argparse.Namespace:
    parser = argparse.ArgumentParser(prog="make simulate ARGS=...", description=__doc__.splitlines()[0])
    parser.add_argument("--scenario", default="completed", choices=sorted(SCENARIOS), help="default: completed")
    parser.add_argument("--input", help="a JSON execution input to send instead of the scenario's")
    parser.add_argument("--job-minutes", type=float, help="simulated length of the Inference Recommender job")
    parser.add_argument("--list", action="store_true", help="list the scenarios and exit")
    parser.add_argument("--synth", action="store_true", help="synthesize even if cdk.out is up to date")
    return parser.parse_args(argv)


def step(text: str) -> None:
    print(f"> {text} ...", end="", flush=True)


def done(text: str) -> None:
    print(f" done ({text})")


def _progress(world: OfflineStack) -> None:
    if not sys.stdout.isatty():
        return
    elapsed = world.clock.now() - world.clock_started
    jobs = world.fake.jobs()
    status = jobs[-1].status() if jobs else "not started"
    last = world.invocations[-1].handler.split(".")[2] if world.invocations else "-"
    line = f"  simulated +{report.duration(elapsed.total_seconds())} | last step: {last} | job {status}"
    print(f"\r{line:<78}", end="", flush=True)


def _clear_progress() -> None:
    if sys.stdout.isatty():
        print(f"\r{'':<78}\r", end="")


def _print_result(world: OfflineStack, result: RunResult) -> None:
    for index, execution in enumerate(result.executions, start=1):
        figures = report.figures(world, execution)
        title = f"Execution {index} of {len(result.executions)}" if len(result.executions) > 1 else "Execution"
        print(f"\n{title}: {execution['status']}  ({execution['executionArn'].rsplit(':', 1)[-1]})")
        print(RULE)
        print(f"States:   {report.path(figures.states)}")
        print(
            f"Polls:    {figures.polls} job checks over {report.duration(figures.simulated_seconds)} simulated "
            f"({result.real_seconds:.1f} s real); {figures.transitions} state transitions, "
            f"{figures.invocations} Lambda invocations"
        )
        if figures.lag_seconds is not None:
            print(f"Lag:      notification {figures.lag_seconds:.0f} s after the job completed")
        if execution.get("error"):
            message = _message(execution.get("cause"))
            problems = violations_from_message(message)
            detail = f" ({len(problems)} problems: see violations below)" if problems else ""
            print(f"Error:    {execution['error']}: {message.splitlines()[0] if message else ''}{detail}")
    endpoint = result.endpoint if result.endpoint and not result.scenario.replace_input else "(invalid input)"
    items = world.run_items(endpoint)
    print(f"\nRun item in DynamoDB ({world.deployment.table_name}, newest of {len(items)} for {endpoint})")
    print(RULE)
    print(json.dumps(items[0], indent=2) if items else "(none)")
    lock = world.lock_item(endpoint)
    print(f"Endpoint lock: {'held by ' + str(lock.get('owner')) if lock else 'free'}")
    for note in world.published():
        bodies: dict[str, Any] = note["bodies"]
        print(f"\nNotification as an email subscriber gets it\n{RULE}\nSubject: {note['subject']}\n")
        print(bodies["email"])
        print(f"Notification as a JSON subscriber (SQS, Lambda) gets it\n{RULE}")
        print(f"Message attributes: {json.dumps(note['attributes'])}")
        print(json.dumps(json.loads(bodies["sqs"]), indent=2))


def _message(cause: Any) -> str:
    """The readable message in an execution's cause (a Lambda error's JSON, or plain text)."""
    if not cause:
        return ""
    try:
        parsed = json.loads(cause)
    except ValueError:
        return str(cause)
    return str(parsed.get("errorMessage", cause)) if isinstance(parsed, dict) else str(cause)


if __name__ == "__main__":
    sys.exit(main())
