"""rightsize: run, follow and read Inference Recommender right-sizing runs of a deployed stack.

It talks to the stack with your normal AWS credentials, profile and region, and finds it by name
(default InferenceRecommenderOrchestrator) from its CloudFormation outputs. Input is checked with
the same model as the workflow's Validate step; read commands take --json for machines.

Exit codes: 0 done; 1 an AWS or data problem (one line on stderr says what to do); 2 bad usage or
bad input; 130 detached with Ctrl-C (the run goes on).
"""

from __future__ import annotations

import contextlib
import functools
import json
import sys
import time
import typing
import uuid
from collections.abc import Callable, Iterator
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

import click

from recommender.errors import InvalidExecutionInput
from recommender.models import ExecutionInput, RunRecord
from rightsize import progress as progress_of
from rightsize import views
from rightsize.stack import DEFAULT_STACK, CliError, Stack, execution_input

FINISHED = ("SUCCEEDED", "FAILED", "TIMED_OUT", "ABORTED")
EXIT_DETACHED = 130
# The execution input's own keys that `run` takes as its arguments.
POSITIONAL_KEYS = ("endpointName", "modelPackageVersionArn")
INVALID_ENDPOINT_KEY = "(invalid input)"  # where Record Failure files runs without a usable name


class Context:
    """The global options, and the stack found from them on first use."""

    def __init__(self, stack: str, region: str | None, profile: str | None) -> None:
        self.stack_name, self.region, self.profile = stack, region, profile
        self._stack: Stack | None = None

    @property
    def stack(self) -> Stack:
        if self._stack is None:
            self._stack = Stack.connect(self.stack_name, region=self.region, profile=self.profile)
        return self._stack


pass_context = click.make_pass_decorator(Context)


def failing_cleanly(command: Callable[..., Any]) -> Callable[..., Any]:
    """CliError -> one line on stderr and its exit code, never a traceback."""

    @functools.wraps(command)
    def wrapper(*args: Any, **kwargs: Any) -> Any:
        try:
            return command(*args, **kwargs)
        except CliError as exc:
            click.echo(f"error: {exc}", err=True)
            sys.exit(exc.exit_code)

    return wrapper


def json_option(command: Callable[..., Any]) -> Callable[..., Any]:
    return click.option("--json", "as_json", is_flag=True, help="Print JSON (for scripts) instead of tables.")(command)


def emit(value: Any) -> None:
    click.echo(json.dumps(value, indent=2, default=str))


@click.group(
    help=__doc__,
    epilog="""\b
Examples:
  rightsize run my-endpoint --model-package arn:aws:sagemaker:us-east-1:123456789012:model-package/my-models/3
  rightsize status
  rightsize history my-endpoint
  rightsize show my-endpoint --json
  rightsize compare my-endpoint~2 my-endpoint
  rightsize report my-endpoint -o report.html
  rightsize --stack my-stack --region eu-west-1 --profile ml-platform history my-endpoint
""",
    context_settings={"help_option_names": ["-h", "--help"], "max_content_width": 100},
)
@click.option(
    "--stack",
    default=DEFAULT_STACK,
    show_default=True,
    envvar="RIGHTSIZE_STACK",
    help="Name of the deployed stack (env RIGHTSIZE_STACK).",
)
@click.option("--region", envvar="AWS_REGION", help="AWS region of the stack (default: your profile's).")
@click.option("--profile", envvar="AWS_PROFILE", help="AWS named profile (default: your default credentials).")
@click.version_option(package_name="inference-recommender-orchestrator", prog_name="rightsize")
@click.pass_context
def main(ctx: click.Context, stack: str, region: str | None, profile: str | None) -> None:
    ctx.obj = Context(stack, region, profile)


# ------------------------------------------------------------------------------ run
def _input_options(command: Callable[..., Any]) -> Callable[..., Any]:
    """One option per execution-input key (but the two arguments), from the contract itself."""
    for name, field in reversed(list(ExecutionInput.model_fields.items())):
        key = str(field.alias or name)
        if key in POSITIONAL_KEYS:
            continue
        flag = "--" + "".join(f"-{c.lower()}" if c.isupper() else c for c in key)
        described = _FIELD_HELP.get(key, "")
        kind = _option_kind(field.annotation)
        if kind is bool:
            command = click.option(flag, key, is_flag=True, default=None, help=described)(command)
        elif kind is dict:
            command = click.option(
                flag, key, metavar="JSON|@FILE", help=f"{described} (the SageMaker API's shape, as JSON)"
            )(command)
        elif isinstance(kind, tuple):
            command = click.option(flag, key, type=click.Choice(kind), help=described)(command)
        else:
            command = click.option(flag, key, type=kind, help=described)(command)
    return command


_FIELD_HELP = {
    "jobType": "Default (about 45 min, the service picks instance types) or Advanced (your load test).",
    "jobDescription": "Description of the Inference Recommender job (at most 128 characters).",
    "allowLiveTraffic": "Benchmark even if the endpoint serves live traffic.",
    "jobDurationInSeconds": "Advanced: how long the load test may run (seconds).",
    "trafficPattern": "Advanced: TrafficPattern.",
    "stoppingConditions": "Advanced: RecommendationJobStoppingConditions.",
    "resourceLimit": "Advanced: RecommendationJobResourceLimit.",
    "trigger": 'Who started the run: "manual" or "schedule:<name>".',
    "targetEndpointName": "The production endpoint the verdict is about (default: ENDPOINT itself).",
    "maxModelLatencyMs": "Latency bound of the verdict, in ms (default: the current latency + tolerance).",
}


def _option_kind(annotation: Any) -> Any:
    """bool, int, float, str, dict, or a tuple of choices, for an execution-input field's type."""
    args = [arg for arg in typing.get_args(annotation) if arg is not type(None)] or [annotation]
    kinds = set()
    for arg in args:
        origin = typing.get_origin(arg)
        if origin is typing.Literal:
            return tuple(typing.get_args(arg))
        base = typing.get_args(arg)[0] if origin is typing.Annotated else arg
        if typing.get_origin(base) is dict or base is dict:
            return dict
        kinds.add(base)
    if kinds == {bool}:
        return bool
    if kinds == {int}:
        return int
    if kinds <= {int, float}:
        return float
    return str


def _json_value(key: str, text: str) -> Any:
    source = text
    if text.startswith("@"):
        try:
            source = Path(text[1:]).read_text(encoding="utf-8")
        except OSError as exc:
            raise CliError(f"--{key}: cannot read {text[1:]}: {exc.strerror or exc}", exit_code=2) from None
    try:
        return json.loads(source)
    except ValueError as exc:
        raise CliError(f"--{key}: not JSON ({exc})", exit_code=2) from None


def build_input(endpoint: str, model_package: str, options: dict[str, Any]) -> dict[str, Any]:
    """The execution input from the arguments (what `run` sends)."""
    document: dict[str, Any] = {"endpointName": endpoint, "modelPackageVersionArn": model_package}
    for key, value in options.items():
        if value is None:
            continue
        kind = _option_kind(ExecutionInput.model_fields[_field_name(key)].annotation)
        document[key] = _json_value(key, value) if kind is dict else value
    return document


def _field_name(key: str) -> str:
    return next(name for name, field in ExecutionInput.model_fields.items() if (field.alias or name) == key)


def validate_input(document: Any) -> list[str]:
    """Every problem the Validate step would reject the input for, before it looks at the endpoint."""
    from recommender.steps.validate import parse_request

    try:
        parse_request(document)
    except InvalidExecutionInput as exc:
        return list(exc.violations)
    return []


@main.command(
    epilog="""\b
Examples:
  rightsize run my-endpoint-staging \\
      --model-package arn:aws:sagemaker:us-east-1:123456789012:model-package/my-models/3 \\
      --target-endpoint-name my-endpoint
  rightsize run my-endpoint --model-package ARN --job-type Advanced --job-duration-in-seconds 7200 \\
      --traffic-pattern @pattern.json --stopping-conditions '{"MaxInvocations": 300}'
  rightsize run my-endpoint --model-package ARN --no-wait
"""
)
@click.argument("endpoint")
@click.option("--model-package", required=True, metavar="ARN", help="Model package version ARN the endpoint serves.")
@_input_options
@click.option("--name", help="Execution name (default: generated); the same name twice is refused by Step Functions.")
@click.option("--no-wait", is_flag=True, help="Start the run and return (follow it with `rightsize status`).")
@click.option(
    "--interval", type=click.FloatRange(min=0.01), default=10.0, show_default=True, help="Seconds between refreshes."
)
@pass_context
@failing_cleanly
def run(  # noqa: PLR0917 (click passes every option by keyword, the context first)
    ctx: Context,
    endpoint: str,
    model_package: str,
    name: str | None,
    no_wait: bool,
    interval: float,
    **options: Any,
) -> None:
    """Start a run on ENDPOINT and follow it to its result.

    The input is validated first with the workflow's own model (every problem listed, nothing
    started). Ctrl-C detaches: the run goes on (`rightsize stop EXECUTION` stops it).
    """
    document = build_input(endpoint, model_package, options)
    problems = validate_input(document)
    if problems:
        for problem in problems:
            click.echo(f"  - {problem}", err=True)
        raise CliError(f"the run was not started: {len(problems)} problem(s) in its input (above)", exit_code=2)
    stack = ctx.stack
    started = stack.call(
        "stepfunctions",
        "start_execution",
        "starting the execution",
        stateMachineArn=stack.state_machine_arn,
        input=json.dumps(document),
        # As the console does: a UUID unless the person names it.
        name=name or str(uuid.uuid4()),
    )
    arn = started["executionArn"]
    out = views.console()
    out.print(f"Started {arn.rsplit(':', 1)[-1]} on {endpoint} (stack {stack.name}, {stack.region})")
    if no_wait:
        out.print(f"Follow it: rightsize status {arn.rsplit(':', 1)[-1]}")
        return
    try:
        execution = follow(stack, arn, interval=interval)
    except KeyboardInterrupt:
        out.print(
            f"\nDetached; the run goes on. Follow it: rightsize status {arn.rsplit(':', 1)[-1]}; "
            f"stop it: rightsize stop {arn.rsplit(':', 1)[-1]}"
        )
        sys.exit(EXIT_DETACHED)
    out.print(f"Execution {execution['status']}")
    record = run_of_execution(stack, execution)
    if record is None:
        raise CliError(f"execution {execution['status']} without a run record: see `rightsize status {arn}`")
    click.echo(views.summary(record, stack.region))
    if execution["status"] != "SUCCEEDED":
        sys.exit(1)


def follow(stack: Stack, arn: str, *, interval: float) -> dict[str, Any]:
    """Show the progress until the execution ends (a live line on a terminal, a line per change
    otherwise); its last description."""
    from rich.live import Live

    out = views.console()
    with Live(console=out, refresh_per_second=4, transient=True) if out.is_terminal else _nothing() as live:
        last = ""
        while True:
            execution = stack.describe_execution(arn)
            line = views.progress_line(progress_of.read(execution, stack.history(arn)))
            if live is not None:
                live.update(line)
            elif line != last:
                out.print(line, markup=False)
            last = line
            if execution["status"] in FINISHED:
                if live is not None:
                    out.print(line, markup=False)
                return execution
            time.sleep(interval)


@contextlib.contextmanager
def _nothing() -> Iterator[None]:
    yield None


def run_of_execution(stack: Stack, execution: dict[str, Any]) -> RunRecord | None:
    """The run record an execution wrote (None while it runs, or if none was written)."""
    document = execution_input(execution)
    endpoint = document.get("endpointName")
    key = endpoint if isinstance(endpoint, str) and endpoint else INVALID_ENDPOINT_KEY
    for checked, record in enumerate(stack.iter_runs(key)):
        if record.execution_arn == execution["executionArn"]:
            return record
        if checked >= 500:
            return None
    return None


# ------------------------------------------------------------------------------ status / stop
@main.command(
    epilog="""\b
Examples:
  rightsize status                 # the recent executions
  rightsize status 0f4b2c1e-...    # one execution (name or ARN): state, job, checks, next check
  rightsize status my-endpoint     # is a run going on for the endpoint, and its newest run
"""
)
@click.argument("target", required=False, metavar="[EXECUTION|ENDPOINT]")
@click.option("--limit", type=click.IntRange(1, 1000), default=10, show_default=True, help="Executions to list.")
@json_option
@pass_context
@failing_cleanly
def status(ctx: Context, target: str | None, limit: int, as_json: bool) -> None:
    """Where runs stand: recent executions, one execution, or one endpoint."""
    stack = ctx.stack
    out = views.console()
    if target is None:
        executions = stack.recent_executions(limit)
        if as_json:
            emit([_execution_summary(e) for e in executions])
        else:
            views.print_table(views.executions_table(executions))
        return
    if target.startswith("arn:") or _looks_like_execution(stack, target):
        execution = stack.describe_execution(target)
        found = progress_of.read(execution, stack.history(execution["executionArn"]))
        document = {"executionArn": execution["executionArn"], "input": execution_input(execution), **found.wire()}
        if as_json:
            emit(document)
        else:
            out.print(f"Execution {execution['name']} on {document['input'].get('endpointName', '-')}")
            out.print(views.progress_line(found))
        return
    lock = stack.lock(target)
    runs, _ = stack.runs(target, limit=1)
    if not runs and not lock:
        raise no_runs(stack, target)
    running = {"owner": lock.get("owner"), "jobName": lock.get("jobName")} if lock else None
    if as_json:
        emit({"endpointName": target, "running": running, "newest": runs[0].wire() if runs else None})
        return
    out.print(f"{target}: " + (f"a run is going on (execution {running['owner']})" if running else "no run going on"))
    if runs:
        newest = runs[0]
        out.print(
            f"Newest run: {newest.started_at} {newest.status}, verdict {views.verdict_text(newest)}, "
            f"saves {views.savings(newest)} (rightsize show {views.execution_name(newest)})",
            markup=False,
        )


def _looks_like_execution(stack: Stack, name: str) -> bool:
    """An execution of the stack's state machine by that name exists."""
    try:
        stack.describe_execution(name)
    except CliError:
        return False
    return True


def _execution_summary(execution: dict[str, Any]) -> dict[str, Any]:
    return {
        "name": execution["name"],
        "executionArn": execution["executionArn"],
        "status": execution["status"],
        "startDate": execution["startDate"].isoformat(),
        "stopDate": execution["stopDate"].isoformat() if execution.get("stopDate") else None,
    }


@main.command(
    epilog="""\b
Examples:
  rightsize stop 0f4b2c1e-6c1d-4f53-9f43-d3a1c2b4e5f6
  rightsize stop arn:aws:states:us-east-1:123456789012:execution:<state machine>:<name>
"""
)
@click.argument("execution")
@pass_context
@failing_cleanly
def stop(ctx: Context, execution: str) -> None:
    """Stop a running execution (its job is stopped and the endpoint freed by the workflow)."""
    stack = ctx.stack
    described = stack.describe_execution(execution)
    if described["status"] != "RUNNING":
        raise CliError(f"execution {described['name']} is {described['status']}, not running: nothing to stop")
    stack.call(
        "stepfunctions",
        "stop_execution",
        "stopping the execution",
        executionArn=described["executionArn"],
        error="StoppedByOperator",
        cause="Stopped with `rightsize stop`",
    )
    click.echo(f"Stopped {described['name']}: the workflow stops its job and frees the endpoint")


# ------------------------------------------------------------------------------ history / show / compare
@main.command(
    epilog="""\b
Examples:
  rightsize history my-endpoint
  rightsize history my-endpoint --limit 50 --after 'RUN#2026-11-01T03:00:00Z#ir-orchestrator-...'
  rightsize history my-endpoint --json | jq '.runs[].verdict'
"""
)
@click.argument("endpoint")
@click.option("--limit", type=click.IntRange(1, 1000), default=20, show_default=True, help="Runs per page.")
@click.option("--after", metavar="RUN_KEY", help="Continue after this run key (printed at the end of a page).")
@json_option
@pass_context
@failing_cleanly
def history(ctx: Context, endpoint: str, limit: int, after: str | None, as_json: bool) -> None:
    """The runs of ENDPOINT, newest first, a page at a time."""
    stack = ctx.stack
    runs, next_key = stack.runs(endpoint, limit=limit, after=after)
    if not runs and after is None:
        raise no_runs(stack, endpoint)
    if as_json:
        emit({"endpointName": endpoint, "runs": [r.wire() | {"runKey": r.run_key} for r in runs], "nextKey": next_key})
        return
    out = views.console()
    views.print_table(views.history_table(endpoint, runs))
    if next_key:
        out.print(f"More: rightsize history {endpoint} --limit {limit} --after '{next_key}'", markup=False)


def no_runs(stack: Stack, endpoint: str) -> CliError:
    return CliError(f"no runs of endpoint {endpoint} in stack {stack.name}: start one with `rightsize run {endpoint}`")


def resolve_run(stack: Stack, reference: str) -> RunRecord:
    """A run from: an execution ARN or name, ENDPOINT (its newest run) or ENDPOINT~N (N-th newest)."""
    endpoint, _, nth = reference.partition("~")
    if nth:
        if not nth.isdigit() or int(nth) < 1:
            raise CliError(f"{reference}: N in ENDPOINT~N counts from 1 (the newest run)", exit_code=2)
        runs, _ = stack.runs(endpoint, limit=int(nth))
        if len(runs) < int(nth):
            raise CliError(f"endpoint {endpoint} has {len(runs)} run(s), not {nth}: see `rightsize history {endpoint}`")
        return runs[int(nth) - 1]
    if not reference.startswith("arn:"):
        runs, _ = stack.runs(reference, limit=1)
        if runs:
            return runs[0]
        if not _looks_like_execution(stack, reference):
            raise CliError(
                f"{reference} is neither an endpoint with runs nor an execution of stack {stack.name}: "
                "see `rightsize status` and `rightsize history ENDPOINT`"
            )
    execution = stack.describe_execution(reference)
    record = run_of_execution(stack, execution)
    if record is None:
        raise CliError(
            f"execution {execution['name']} is {execution['status']} and has no run record yet: "
            f"`rightsize status {execution['name']}` follows it"
        )
    return record


RUN_FORMS = "RUN: an execution name or ARN, ENDPOINT (its newest run) or ENDPOINT~N (its N-th newest)."


@main.command(
    epilog=f"""\b
{RUN_FORMS}
Examples:
  rightsize show my-endpoint
  rightsize show my-endpoint~2 --json
  rightsize show 0f4b2c1e-6c1d-4f53-9f43-d3a1c2b4e5f6
"""
)
@click.argument("run_reference", metavar="RUN")
@json_option
@pass_context
@failing_cleanly
def show(ctx: Context, run_reference: str, as_json: bool) -> None:
    """One run in full: the verdict, traffic, prices, autoscaling and every recommendation."""
    stack = ctx.stack
    record = resolve_run(stack, run_reference)
    if as_json:
        emit(record.wire() | {"runKey": record.run_key})
        return
    click.echo(views.summary(record, stack.region))


@main.command(
    epilog=f"""\b
{RUN_FORMS}
Examples:
  rightsize compare my-endpoint~2 my-endpoint
  rightsize compare my-endpoint~2 my-endpoint --json
"""
)
@click.argument("before", metavar="RUN")
@click.argument("after", metavar="RUN")
@json_option
@pass_context
@failing_cleanly
def compare(ctx: Context, before: str, after: str, as_json: bool) -> None:
    """Two runs side by side: what changed in throughput, latency, cost and the verdict."""
    stack = ctx.stack
    found = views.comparison(resolve_run(stack, before), resolve_run(stack, after))
    if as_json:
        emit(found)
        return
    views.print_table(views.comparison_table(found))


# ------------------------------------------------------------------------------ check-input / report
@main.command(
    "check-input",
    epilog="""\b
Examples:
  rightsize check-input my-input.json && echo valid
  rightsize check-input my-input.json --json
""",
)
@click.argument("file", type=click.Path(dir_okay=False, path_type=Path, allow_dash=True))
@json_option
@failing_cleanly
def check_input(file: Path, as_json: bool) -> None:
    """Validate an execution-input JSON file offline (exit 0 valid, 1 not), as the Validate step would
    before it looks at the endpoint."""
    try:
        text = sys.stdin.read() if str(file) == "-" else file.read_text(encoding="utf-8")
    except (OSError, UnicodeDecodeError) as exc:
        raise CliError(f"{file}: cannot be read ({getattr(exc, 'strerror', None) or exc})") from None
    try:
        document = json.loads(text)
    except ValueError as exc:
        problems = [f"not JSON: {exc}"]
    else:
        problems = validate_input(document)
    if as_json:
        emit({"file": str(file), "valid": not problems, "problems": problems})
    elif problems:
        click.echo(f"{file}: {len(problems)} problem(s)")
        for problem in problems:
            click.echo(f"  - {problem}")
    else:
        click.echo(f"{file}: a valid execution input")
    if problems:
        sys.exit(1)


@main.command(
    epilog="""\b
Examples:
  rightsize report my-endpoint                 # writes my-endpoint-report.html
  rightsize report my-endpoint -o /tmp/r.html --limit 100
"""
)
@click.argument("endpoint")
@click.option("-o", "--output", type=click.Path(dir_okay=False, path_type=Path), help="HTML file to write.")
@click.option("--limit", type=click.IntRange(1, 5000), default=200, show_default=True, help="Newest runs to include.")
@pass_context
@failing_cleanly
def report(ctx: Context, endpoint: str, output: Path | None, limit: int) -> None:
    """A self-contained HTML report of ENDPOINT: the verdict and savings, cost vs throughput with the
    frontier, latency, sizing at the observed traffic, the history, and failed runs."""
    from rightsize import report as html

    stack = ctx.stack
    runs, _ = stack.runs(endpoint, limit=limit)
    if not runs:
        raise no_runs(stack, endpoint)
    target = output or Path(f"{endpoint}-report.html")
    page = html.render(endpoint, runs, generated_at=datetime.now(UTC), stack=stack.name, region=stack.region)
    try:
        target.write_text(page, encoding="utf-8")
    except OSError as exc:
        raise CliError(f"cannot write {target}: {exc.strerror or exc}") from None
    click.echo(f"Wrote {target} ({len(runs)} runs, {len(page.encode()) / 1024:,.0f} KiB)")


# ------------------------------------------------------------------------------ fleet
@main.group(
    epilog="""\b
Examples:
  rightsize fleet run --tag team=fraud
  rightsize fleet run --prefix fraud- --model-package fraud-a=arn:aws:sagemaker:...:model-package/fraud/3
  rightsize fleet run --endpoint fraud-a --endpoint fraud-b --max-concurrent-jobs 2 --no-wait
  rightsize fleet status
  rightsize fleet status weekly-fraud-2026-11-30 --json
"""
)
def fleet() -> None:
    """Fleet runs: every endpoint of a team (by tag, name prefix or list), within the job quota."""


def _pairs(values: tuple[str, ...], option: str) -> dict[str, str]:
    found = {}
    for value in values:
        key, sep, item = value.partition("=")
        if not sep or not key or not item:
            raise CliError(f"{option} {value!r}: expected KEY=VALUE", exit_code=2)
        found[key] = item
    return found


@fleet.command(
    "run",
    epilog="""\b
Examples:
  rightsize fleet run --tag team=fraud
  rightsize fleet run --tag team=fraud --tag env=prod --job-type Advanced --job-duration-in-seconds 3600 \\
      --traffic-pattern @pattern.json --stopping-conditions '{"MaxInvocations": 300}'
  rightsize fleet run --prefix search- --max-concurrent-jobs 3 --no-wait
""",
)
@click.option("--tag", "tags", multiple=True, metavar="KEY=VALUE", help="Select endpoints with this tag (all given).")
@click.option("--prefix", help="Select endpoints whose name starts with this.")
@click.option("--endpoint", "endpoints", multiple=True, metavar="NAME", help="Select this endpoint (repeatable).")
@click.option(
    "--model-package",
    "packages",
    multiple=True,
    metavar="ENDPOINT=ARN",
    help="Model package version of an endpoint (else its tag rightsize:model-package-version-arn).",
)
@click.option("--max-concurrent-jobs", type=click.IntRange(1, 1000), help="Child runs at once (default: the stack's).")
@click.option("--job-type", type=click.Choice(["Default", "Advanced"]), help="Every child run's job type.")
@click.option("--job-description", help="Every child run's job description.")
@click.option("--allow-live-traffic", is_flag=True, default=None, help="Benchmark endpoints that serve live traffic.")
@click.option("--job-duration-in-seconds", type=int, help="Advanced: the load test's length.")
@click.option("--traffic-pattern", metavar="JSON|@FILE", help="Advanced: TrafficPattern (the API's shape).")
@click.option("--stopping-conditions", metavar="JSON|@FILE", help="Advanced: RecommendationJobStoppingConditions.")
@click.option("--resource-limit", metavar="JSON|@FILE", help="Advanced: RecommendationJobResourceLimit.")
@click.option("--max-model-latency-ms", type=float, help="Every verdict's latency bound, in ms.")
@click.option("--name", help="Fleet execution name (default: fleet-<UTC time>).")
@click.option("--no-wait", is_flag=True, help="Start the fleet and return (follow it with `rightsize fleet status`).")
@click.option(
    "--interval", type=click.FloatRange(min=0.01), default=30.0, show_default=True, help="Seconds between refreshes."
)
@pass_context
@failing_cleanly
def fleet_run(  # noqa: PLR0917 (one option per fleet-input key; click passes them by keyword)
    ctx: Context,
    tags: tuple[str, ...],
    prefix: str | None,
    endpoints: tuple[str, ...],
    packages: tuple[str, ...],
    max_concurrent_jobs: int | None,
    name: str | None,
    no_wait: bool,
    interval: float,
    **shared: Any,
) -> None:
    """Run every selected endpoint, at most --max-concurrent-jobs at once, and print the fleet's
    summary: each run's verdict, the total monthly savings, the endpoints skipped and why."""
    from recommender.models import FleetInput

    document: dict[str, Any] = {}
    if tags:
        document["tags"] = _pairs(tags, "--tag")
    if prefix is not None:
        document["namePrefix"] = prefix
    if endpoints:
        document["endpoints"] = list(endpoints)
    if packages:
        document["modelPackages"] = _pairs(packages, "--model-package")
    if max_concurrent_jobs is not None:
        document["maxConcurrentJobs"] = max_concurrent_jobs
    keys = {
        "job_type": "jobType",
        "job_description": "jobDescription",
        "allow_live_traffic": "allowLiveTraffic",
        "job_duration_in_seconds": "jobDurationInSeconds",
        "max_model_latency_ms": "maxModelLatencyMs",
    }
    for option, key in keys.items():
        if shared.get(option) is not None:
            document[key] = shared[option]
    for option, key in (
        ("traffic_pattern", "trafficPattern"),
        ("stopping_conditions", "stoppingConditions"),
        ("resource_limit", "resourceLimit"),
    ):
        if shared.get(option) is not None:
            document[key] = _json_value(key, shared[option])
    try:
        FleetInput.parse(document)
    except InvalidExecutionInput as exc:
        for problem in exc.violations:
            click.echo(f"  - {problem}", err=True)
        raise CliError(
            f"the fleet was not started: {len(exc.violations)} problem(s) in its input (above)", exit_code=2
        ) from None
    stack = ctx.stack
    machine = stack.fleet_machine
    fleet_name = name or datetime.now(UTC).strftime("fleet-%Y-%m-%dT%H-%M-%SZ")
    started = stack.call(
        "stepfunctions",
        "start_execution",
        "starting the fleet",
        stateMachineArn=machine,
        name=fleet_name,
        input=json.dumps(document),
    )
    out = views.console()
    out.print(f"Started fleet {fleet_name} (stack {stack.name}, {stack.region})", markup=False)
    if no_wait:
        out.print(f"Follow it: rightsize fleet status {fleet_name}", markup=False)
        return
    try:
        execution = _follow_fleet(stack, started["executionArn"], interval=interval)
    except KeyboardInterrupt:
        out.print(f"\nDetached; the fleet goes on. Follow it: rightsize fleet status {fleet_name}", markup=False)
        sys.exit(EXIT_DETACHED)
    summary = _fleet_summary(stack, execution)
    if summary is None:
        raise CliError(f"fleet {fleet_name} ended {execution['status']} without a summary: `rightsize fleet status`")
    click.echo(summary)


def _follow_fleet(stack: Stack, arn: str, *, interval: float) -> dict[str, Any]:
    out, last = views.console(), ""
    while True:
        execution = stack.describe_execution(arn)
        line = views.fleet_line(progress_of.read_fleet(execution, stack.history(arn)))
        if line != last:
            out.print(line, markup=False)
            last = line
        if execution["status"] in FINISHED:
            return execution
        time.sleep(interval)


def _fleet_summary(stack: Stack, execution: dict[str, Any]) -> str | None:
    from recommender.logic.fleet import email_text
    from recommender.models import iso, parse_time

    record = stack.fleet_record(execution["name"], iso(parse_time(execution["startDate"])))
    return None if record is None else email_text(record)


@fleet.command(
    "status",
    epilog="""\b
Examples:
  rightsize fleet status                       # the recent fleet runs
  rightsize fleet status fleet-2026-11-30T04-00-00Z
  rightsize fleet status fleet-2026-11-30T04-00-00Z --json
""",
)
@click.argument("fleet_name", required=False, metavar="[FLEET]")
@click.option("--limit", type=click.IntRange(1, 1000), default=10, show_default=True, help="Fleet runs to list.")
@json_option
@pass_context
@failing_cleanly
def fleet_status(ctx: Context, fleet_name: str | None, limit: int, as_json: bool) -> None:
    """Recent fleet runs, or one fleet run: its children's progress, then its summary."""
    from recommender.models import iso, parse_time

    stack = ctx.stack
    machine = stack.fleet_machine
    if fleet_name is None:
        executions = stack.recent_executions(limit, machine)
        if as_json:
            emit([_execution_summary(e) for e in executions])
        else:
            views.print_table(views.executions_table(executions))
        return
    execution = stack.describe_execution(fleet_name, machine)
    found = progress_of.read_fleet(execution, stack.history(execution["executionArn"]))
    record = stack.fleet_record(execution["name"], iso(parse_time(execution["startDate"])))
    if as_json:
        emit({"fleetName": execution["name"], **found.wire(), "record": record.wire() if record else None})
        return
    click.echo(views.fleet_line(found))
    if record is not None:
        from recommender.logic.fleet import email_text

        click.echo("\n" + email_text(record))


if __name__ == "__main__":  # `python -m rightsize.cli`; the console script calls `main` itself
    main()
