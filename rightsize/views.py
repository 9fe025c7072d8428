"""What the CLI prints for people: tables and summaries (rich). The summary of one run is the email's
text (recommender.logic.notification), so the terminal and the inbox say the same thing."""

from __future__ import annotations

from typing import Any

from rich import box
from rich.console import Console
from rich.table import Table

from recommender.logic.notification import console_urls, duration_text, email_text, subject_line
from recommender.models import Recommendation, RunRecord
from rightsize.progress import FleetProgress, Progress

# Columns of the console when output is not a terminal: tables print at their own width below it.
PIPE_WIDTH = 1000


def money(value: float | None) -> str:
    if value is None:
        return "-"
    text = f"${abs(value):,.2f}"
    return f"-{text}" if round(value, 2) < 0 else text  # -0.004 is $0.00, never -$0.00


def number(value: float | None, unit: str = "") -> str:
    if value is None:
        return "-"
    text = f"{value:,.0f}" if float(value).is_integer() or abs(value) >= 100 else f"{value:,.1f}"
    return f"{text}{unit}"


def savings(record: RunRecord) -> str:
    verdict = record.verdict
    if verdict is None or verdict.monthly_savings is None:
        return "-"
    percent = f" ({verdict.savings_percent:g} %)" if verdict.savings_percent is not None else ""
    return f"{money(verdict.monthly_savings)}/mo{percent}"


def verdict_text(record: RunRecord) -> str:
    verdict = record.verdict
    if verdict is None:
        return "-"
    if not verdict.instance_type:
        return verdict.decision
    count = "" if verdict.instance_count is None else f" x{verdict.instance_count}"
    return f"{verdict.decision} {verdict.instance_type}{count}"


def execution_name(record: RunRecord) -> str:
    return record.execution_arn.rsplit(":", 1)[-1] if record.execution_arn else "-"


def summary(record: RunRecord, region: str) -> str:
    """The run as its notification tells it: the subject line, then the email."""
    return f"{subject_line(record)}\n\n{email_text(record, console_urls(record, region))}"


def history_table(endpoint: str, runs: list[RunRecord]) -> Table:
    table = Table(title=f"Runs of {endpoint}, newest first", title_justify="left", box=box.SIMPLE_HEAD)
    for column, justify in (
        ("#", "right"),
        ("started (UTC)", "left"),
        ("status", "left"),
        ("job", "left"),
        ("verdict", "left"),
        ("saves", "right"),
        ("regression", "left"),
        ("took", "right"),
        ("execution", "left"),
    ):
        table.add_column(column, justify=justify, no_wrap=True)  # type: ignore[arg-type]
    for index, record in enumerate(runs, start=1):
        table.add_row(
            str(index),
            record.started_at.replace("T", " ").removesuffix("Z"),
            record.status,
            record.job_type or "-",
            verdict_text(record),
            savings(record),
            "yes" if record.regression else "",
            duration_text(record.duration_seconds) if record.duration_seconds is not None else "-",
            execution_name(record),
        )
    return table


def progress_line(progress: Progress) -> str:
    parts = [f"{progress.status}", f"state {progress.state or 'starting'}"]
    if progress.job_name:
        parts.append(f"job {progress.job_status or 'starting'}")
    parts += [f"checks {progress.checks}", f"elapsed {duration_text(int(progress.elapsed_seconds))}"]
    if progress.next_check:
        parts.append(f"next check {progress.next_check.strftime('%H:%M:%S')} UTC")
    return " | ".join(parts)


def fleet_line(progress: FleetProgress) -> str:
    total = "?" if progress.endpoints is None else str(progress.endpoints)
    running = progress.started - progress.succeeded - progress.failed
    return (
        f"{progress.status} | endpoints {total} | running {running} | done {progress.succeeded} | "
        f"failed {progress.failed} | elapsed {duration_text(int(progress.elapsed_seconds))}"
    )


def executions_table(executions: list[dict[str, Any]]) -> Table:
    table = Table(title="Recent executions, newest first", title_justify="left", box=box.SIMPLE_HEAD)
    for column in ("execution", "status", "started (UTC)", "stopped (UTC)"):
        table.add_column(column)
    for execution in executions:
        stopped = execution.get("stopDate")
        table.add_row(
            execution["name"],
            execution["status"],
            execution["startDate"].strftime("%Y-%m-%d %H:%M:%S"),
            stopped.strftime("%Y-%m-%d %H:%M:%S") if stopped else "-",
        )
    return table


# ------------------------------------------------------------------ compare
def comparison(first: RunRecord, second: RunRecord) -> dict[str, Any]:
    """What changed from `first` to `second`: the current endpoint's throughput and latency, the
    target's monthly cost, the verdict, and each instance type both runs benchmarked."""

    def change(before: float | None, after: float | None) -> dict[str, Any]:
        delta = None if before is None or after is None else round(after - before, 6)
        # Relative to the size of the first figure: from -100 to +50 is +150 %, an improvement.
        percent = None if delta is None or not before else round(100 * delta / abs(before), 1)
        return {"before": before, "after": after, "change": delta, "changePercent": percent}

    def current(record: RunRecord, attribute: str) -> float | None:
        return getattr(record.current_endpoint, attribute) if record.current_endpoint else None

    def by_type(record: RunRecord) -> dict[str, Recommendation]:
        return {r.instance_type: r for r in record.recommendations or [] if r.instance_type}

    first_types, second_types = by_type(first), by_type(second)
    candidates = {}
    for instance_type in sorted(first_types.keys() | second_types.keys()):
        a, b = first_types.get(instance_type), second_types.get(instance_type)
        candidates[instance_type] = {
            name: change(getattr(a, attribute, None), getattr(b, attribute, None))
            for name, attribute in (
                ("maxInvocations", "max_invocations"),
                ("modelLatencyMs", "model_latency_ms"),
                ("costPerHour", "cost_per_hour"),
                ("monthlyCost", "monthly_cost"),
            )
        }
    return {
        "before": {"runKey": first.run_key, "startedAt": first.started_at, "status": first.status},
        "after": {"runKey": second.run_key, "startedAt": second.started_at, "status": second.status},
        "current": {
            "maxInvocations": change(current(first, "max_invocations"), current(second, "max_invocations")),
            "modelLatencyMs": change(current(first, "model_latency_ms"), current(second, "model_latency_ms")),
        },
        "targetMonthlyCost": change(
            first.target_endpoint.monthly_cost if first.target_endpoint else None,
            second.target_endpoint.monthly_cost if second.target_endpoint else None,
        ),
        "verdict": {"before": verdict_text(first), "after": verdict_text(second)},
        "monthlySavings": change(
            first.verdict.monthly_savings if first.verdict else None,
            second.verdict.monthly_savings if second.verdict else None,
        ),
        "candidates": candidates,
    }


def comparison_table(found: dict[str, Any]) -> Table:
    before, after = found["before"], found["after"]
    table = Table(
        title=f"{before['startedAt']} ({before['status']}) -> {after['startedAt']} ({after['status']})",
        title_justify="left",
        box=box.SIMPLE_HEAD,
    )
    for column, justify in (("figure", "left"), ("before", "right"), ("after", "right"), ("change", "right")):
        table.add_column(column, justify=justify)  # type: ignore[arg-type]

    def row(label: str, figures: dict[str, Any], unit: str = "") -> None:
        dollars = label.endswith("($)")
        show = money if dollars else (lambda value: number(value, unit))
        delta = figures["change"]
        if delta is None:
            change = "-"
        elif dollars:
            change = f"{delta:+,.2f}"
        else:  # four significant digits, never in scientific notation (+12,345, not +1.234e+04)
            change = f"{delta:+,.0f}{unit}" if abs(delta) >= 1000 else f"{delta:+,.4g}{unit}"
        if figures["changePercent"] is not None:  # rounded to 0.1: +10 %, +1,234.5 %, never +1.2e+06 %
            change += f" ({figures['changePercent']:+,.1f}".removesuffix(".0") + " %)"
        table.add_row(label, show(figures["before"]), show(figures["after"]), change)

    row("current: max invocations/min per instance", found["current"]["maxInvocations"])
    row("current: model latency", found["current"]["modelLatencyMs"], " ms")
    row("target: monthly cost ($)", found["targetMonthlyCost"])
    table.add_row("verdict", found["verdict"]["before"], found["verdict"]["after"], "")
    row("monthly savings ($)", found["monthlySavings"])
    for instance_type, figures in found["candidates"].items():
        row(f"{instance_type}: max invocations/min", figures["maxInvocations"])
        row(f"{instance_type}: model latency", figures["modelLatencyMs"], " ms")
        row(f"{instance_type}: monthly cost ($)", figures["monthlyCost"])
    return table


def print_table(table: Table) -> None:
    """The table on stdout, without the padding rich adds to the console's width."""
    out = console()
    with out.capture() as captured:
        out.print(table)
    print("\n".join(line.rstrip() for line in captured.get().splitlines()))


def console(*, stderr: bool = False) -> Console:
    """Wide enough for the tables when output is not a terminal (a pipe, a test, the simulator): a
    row is never cut there (80-character execution names make the history wider than 200)."""
    return Console(stderr=stderr, width=None if _is_tty(stderr) else PIPE_WIDTH, highlight=False, soft_wrap=False)


def _is_tty(stderr: bool) -> bool:
    import sys

    stream = sys.stderr if stderr else sys.stdout
    return bool(getattr(stream, "isatty", lambda: False)())
