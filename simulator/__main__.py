"""`make simulate`: the synthesized stack, deployed offline in moto, running one scenario end to end.

make simulate                                   # right-size: a staging copy benchmarked for production
make simulate ARGS="--scenario failed"          # see --list for all scenarios
make simulate ARGS="--input my-input.json --job-minutes 90"

Exit codes: 0 the run was simulated (whatever its outcome), 1 the app could not be synthesized or
deployed offline (the reason on stderr), 2 a mistake in the options or the --input file (one line).
"""

from __future__ import annotations

import argparse
import contextlib
import json
import logging
import math
import sys
import time
import warnings
from dataclasses import replace
from pathlib import Path
from typing import Any

from recommender.errors import violations_from_message
from recommender.models import MAX_JOB_DURATION_SECONDS, NAME_RE
from recommender.steps.record_failure import INVALID_ENDPOINT_KEY
from simulator import report
from simulator.offline import OfflineStack
from simulator.operator import OperatorRunner, echo, invoke
from simulator.scenarios import SCENARIOS, RunResult, run
from simulator.synth import STACK_NAME, SynthError, synthesize

RULE = "-" * 78
# What the endpoint measured in the runs before the scenario's, with --report (None: its instance
# type's profile): a history that drifts, so the report's history chart has a story.
REPORT_HISTORY: tuple[dict[str, float] | None, ...] = (
    {"MaxInvocations": 320, "ModelLatency": 530},
    {"MaxInvocations": 310, "ModelLatency": 545},
    None,
    {"MaxInvocations": 295, "ModelLatency": 575},
)
# A job load-tests for at most jobDurationInSeconds (18000 s, 5 h) and spends time setting up the
# endpoints it tries on top of that: twice the load test is as long as a job can plausibly last.
MAX_JOB_MINUTES = 2 * MAX_JOB_DURATION_SECONDS // 60


def main(argv: list[str] | None = None) -> int:
    args = parser().parse_args(argv)
    if args.list:
        for scenario in SCENARIOS.values():
            print(f"{scenario.name:<20}{scenario.summary}")
        return 0
    logging.disable(logging.ERROR)  # moto's own chatter (skipped resource types are listed below)
    warnings.simplefilter("ignore")
    scenario = SCENARIOS[args.scenario]

    step("Synthesizing the CDK app (app.py -> cdk.out)")
    started = time.monotonic()
    try:
        cdk_out = synthesize(force=args.synth)
    except SynthError as exc:
        print(" failed", flush=True)
        print(exc, file=sys.stderr)
        return report.RUN_ERROR
    done(f"{time.monotonic() - started:.1f} s")

    step("Deploying the template into moto (CloudFormation, Lambda, Step Functions, DynamoDB, SNS)")
    started = time.monotonic()
    with contextlib.ExitStack() as exits:
        try:
            world = exits.enter_context(OfflineStack(cdk_out, STACK_NAME))
        except RuntimeError as exc:  # the deployment refused: a stale or broken cdk.out
            print(" failed", flush=True)
            print(f"error: offline deployment failed: {exc} (try ARGS=--synth)", file=sys.stderr)
            return report.RUN_ERROR
        done(f"{time.monotonic() - started:.1f} s, {len(world.deployment.resources)} resources")
        if world.skipped:
            kinds = sorted(set(world.skipped.values()))
            print(f"  not deployable offline, left out: {len(world.skipped)} ({', '.join(kinds)})")
        job_minutes = args.job_minutes or scenario.job_minutes
        print(f"\nScenario {scenario.name}: {scenario.summary}; simulated job length {job_minutes:g} min")
        if args.input is not None:
            print(f"Input from {args.input.path}")
        if args.report is not None:
            scenario = replace(
                scenario,
                earlier_runs=REPORT_HISTORY + scenario.earlier_runs,
                days_between_runs=scenario.days_between_runs or 7,
            )
            print(f"  for the report: {len(REPORT_HISTORY)} earlier runs first, a week apart")
        print("\nWhat a person runs and sees (the operator CLI, against the offline stack):")
        result = run(
            world,
            scenario,
            job_minutes=args.job_minutes,
            execution_input=args.input.value if args.input is not None else None,
            runner=OperatorRunner(world),
        )
        for note in result.notes:
            print(f"  {note}")
        _print_figures(world, result)
        endpoint = result.endpoint if NAME_RE.fullmatch(result.endpoint) else None
        if endpoint:
            echo(["history", endpoint])
            invoke("history", endpoint)
            if len(result.executions) > 1:
                echo(["compare", f"{endpoint}~2", endpoint])
                invoke("compare", f"{endpoint}~2", endpoint)
        if args.raw:
            _print_raw(world, result)
        if args.report is not None and endpoint:
            echo(["report", endpoint, "-o", str(args.report)])
            invoke("report", endpoint, "-o", str(args.report))
    return 0


class InputFile:
    """The --input option: a file holding one JSON document (any JSON: an invalid execution input
    is sent as is and shows the REJECTED path)."""

    def __init__(self, path: str, value: Any) -> None:
        self.path, self.value = path, value

    @classmethod
    def read(cls, path: str) -> InputFile:
        try:
            text = Path(path).read_text(encoding="utf-8")
        except FileNotFoundError:
            raise argparse.ArgumentTypeError(f"{path}: no such file") from None
        except IsADirectoryError:
            raise argparse.ArgumentTypeError(f"{path}: is a directory, not a file") from None
        except PermissionError:
            raise argparse.ArgumentTypeError(f"{path}: permission denied") from None
        except UnicodeDecodeError:
            raise argparse.ArgumentTypeError(f"{path}: not UTF-8 text (expected a JSON execution input)") from None
        except OSError as exc:
            raise argparse.ArgumentTypeError(f"{path}: cannot be read ({exc.strerror or exc})") from None
        if not text.strip():
            raise argparse.ArgumentTypeError(f"{path}: the file is empty (expected a JSON execution input)")
        try:
            value = json.loads(text)
        except json.JSONDecodeError as exc:
            raise argparse.ArgumentTypeError(
                f"{path}: not JSON ({exc.msg} at line {exc.lineno} column {exc.colno})"
            ) from None
        return cls(path, value)


def job_minutes(text: str) -> float:
    """The --job-minutes option: more than 0, at most MAX_JOB_MINUTES."""
    try:
        value = float(text)
    except ValueError:
        raise argparse.ArgumentTypeError(f"{text!r} is not a number of minutes") from None
    if math.isnan(value) or value <= 0:
        raise argparse.ArgumentTypeError(f"must be more than 0 minutes, got {text}")
    if value > MAX_JOB_MINUTES:
        raise argparse.ArgumentTypeError(
            f"must be at most {MAX_JOB_MINUTES} minutes, got {text}: an Inference Recommender job load-tests "
            f"for at most {MAX_JOB_DURATION_SECONDS // 3600} h (jobDurationInSeconds <= {MAX_JOB_DURATION_SECONDS}) "
            "plus the time it sets up endpoints"
        )
    return value


def parser() -> argparse.ArgumentParser:
    """The command line of `make simulate`."""
    parser = report.UsageParser(
        "make simulate",
        description=__doc__.split("\n\n", 1)[0],
        epilog=__doc__.rsplit("\n\n", 1)[1],
    )
    parser.add_argument(
        "--scenario",
        default="right-size",
        choices=sorted(SCENARIOS),
        metavar="NAME",
        help=f"the situation to simulate: the endpoint, the job's outcome and length; one of {', '.join(SCENARIOS)} "
        "(default: right-size; --list says what each is)",
    )
    parser.add_argument(
        "--input",
        type=InputFile.read,
        metavar="FILE",
        help="a JSON file holding your own execution input, sent instead of the scenario's. The endpoint and "
        "model package version it names are seeded (as the scenario's kind of endpoint) when the input is "
        "valid; an invalid one is sent as is (the REJECTED path)",
    )
    parser.add_argument(
        "--job-minutes",
        type=job_minutes,
        metavar="MINUTES",
        help=f"simulated length of the Inference Recommender job, more than 0 and at most {MAX_JOB_MINUTES} "
        "(default: the scenario's)",
    )
    parser.add_argument(
        "--report",
        type=Path,
        metavar="FILE",
        help="also write the HTML report of the endpoint (`rightsize report`) to FILE, after "
        f"{len(REPORT_HISTORY)} earlier runs a week apart so that its history has points",
    )
    parser.add_argument(
        "--raw",
        action="store_true",
        help="also print the run item as stored in DynamoDB and each notification as SNS delivers it",
    )
    parser.add_argument("--list", action="store_true", help="list the scenarios and exit")
    parser.add_argument("--synth", action="store_true", help="synthesize even if cdk.out is up to date")
    return parser


def step(text: str) -> None:
    print(f"> {text} ...", end="", flush=True)


def done(text: str) -> None:
    print(f" done ({text})")


def _print_figures(world: OfflineStack, result: RunResult) -> None:
    """What only the simulator knows: the path through the states, the polls and the lag."""
    print(f"\nBehind the scenes (the simulator's figures)\n{RULE}")
    for index, execution in enumerate(result.executions, start=1):
        figures = report.figures(world, execution)
        name = execution["executionArn"].rsplit(":", 1)[-1]
        print(f"Execution {index} of {len(result.executions)}: {execution['status']} ({name})")
        print(f"  States:   {report.path(figures.states)}")
        print(
            f"  Polls:    {figures.polls} job checks over {report.duration(figures.simulated_seconds)} simulated; "
            f"{figures.transitions} state transitions, {figures.invocations} Lambda invocations"
        )
        if figures.lag_seconds is not None:
            print(f"  Lag:      notification {figures.lag_seconds:.0f} s after the job completed")
        if execution.get("error"):
            message = _message(execution.get("cause"))
            problems = violations_from_message(message)
            detail = f" ({len(problems)} problems: see violations below)" if problems else ""
            print(f"  Error:    {execution['error']}: {message.splitlines()[0] if message else ''}{detail}")
    print(f"Real time: {result.real_seconds:.1f} s for {report.duration(result.simulated_seconds)} simulated")


def _print_raw(world: OfflineStack, result: RunResult) -> None:
    # Where the run item is: Record Failure files an input without a usable endpoint name apart.
    endpoint = result.endpoint if NAME_RE.fullmatch(result.endpoint) else INVALID_ENDPOINT_KEY
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
        print(json.dumps(json.loads(bodies["default"]), indent=2))


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
