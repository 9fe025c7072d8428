"""`rightsize report`: one endpoint's runs as a self-contained HTML page (pure: no AWS calls).

Top to bottom: the verdict of the newest COMPLETED run that has one, with its savings, traffic,
price and autoscaling advice; the charts of the newest COMPLETED run and the history of every
COMPLETED run (plotly); every run; the runs that did not complete. The page opens with no network:
plotly.js is embedded once, each chart is its figure as JSON drawn by `Plotly.newPlot`, the styles
are inline, and nothing is fetched (the only links are anchors to the AWS console).

A figure the record does not have (None) is left out of its chart and named under it; it is never
drawn as zero.
"""

from __future__ import annotations

import functools
import html
from collections.abc import Iterable, Sequence
from dataclasses import dataclass, field
from datetime import datetime
from pathlib import Path
from typing import Any

# plotly ships no type information (no stubs, no py.typed).
import plotly.graph_objects as go
import plotly.io as pio
from jinja2 import Environment, FileSystemLoader, StrictUndefined, select_autoescape
from markupsafe import Markup
from plotly.offline import get_plotlyjs
from plotly.subplots import make_subplots

from recommender.logic.notification import console_urls, duration_text, regression_text
from recommender.logic.scaling import INVOCATIONS_PER_INSTANCE, cli_line
from recommender.models import Recommendation, RunRecord, iso, parse_time

TEMPLATES = Path(__file__).resolve().parent / "templates"
# One colour per meaning, the same in the page's styles (report.html.j2) and in the charts.
COLOURS = {
    "CHANGE": "#c2410c",
    "KEEP": "#15803d",
    "UNKNOWN": "#6b7280",
    "candidate": "#2563eb",
    "current": "#7c3aed",
    "frontier": "#0f766e",
    "regression": "#dc2626",
    "target": "#111827",
}
PRICE_SOURCES = {
    "price-list": "AWS Price List, on demand",
    "recommendation": "the benchmark's own price for this instance type, on demand",
    "unknown": "unknown: no on-demand price was found",
}
# Marker text on the history chart up to this many runs; beyond, the verdict is in colour and hover.
HISTORY_TEXT_MAX_RUNS = 16


# --------------------------------------------------------------------------- the Pareto frontier
@dataclass(frozen=True)
class Point:
    """One configuration on the cost/throughput chart: per instance, per minute and per hour."""

    label: str
    throughput: float  # max invocations per minute per instance
    cost_per_hour: float  # per instance, on demand
    current: bool = False


def dominates(better: Point, other: Point) -> bool:
    """At least the throughput for at most the cost, and strictly better in one of them."""
    return (
        better.throughput >= other.throughput
        and better.cost_per_hour <= other.cost_per_hour
        and (better.throughput > other.throughput or better.cost_per_hour < other.cost_per_hour)
    )


def pareto_frontier(points: Iterable[Point]) -> list[Point]:
    """The points no other point dominates, by throughput then cost (a line from cheap to fast).

    Equal points do not dominate each other: both stay on the frontier.
    """
    candidates = list(points)
    kept = [p for p in candidates if not any(dominates(q, p) for q in candidates)]
    return sorted(kept, key=lambda p: (p.throughput, p.cost_per_hour, p.label))


# --------------------------------------------------------------------------- figures of a run
def per_instance_cost(rec: Recommendation) -> float | None:
    """The service's CostPerHour is for the recommended instance count; per instance, as the
    decision sizes it (unknown without a count)."""
    if rec.cost_per_hour is None or not rec.instance_count:
        return None
    return float(rec.cost_per_hour) / rec.instance_count


def rec_label(rec: Recommendation) -> str:
    """`#2 ml.c6i.xlarge`: unique in a run (the rank), readable (the instance type)."""
    kind = rec.instance_type or ("serverless" if rec.serverless else "n/a")
    return f"#{rec.rank} {kind}"


def _tick(label: str) -> str:
    """A category label on two lines (`#2` / `ml.c6i.xlarge`), shown as written."""
    head, _, tail = label.partition(" ")
    return f"{_plot_text(head)}<br>{_plot_text(tail)}" if tail else _plot_text(head)


def current_label(run: RunRecord) -> str:
    current = run.current_endpoint
    kind = current.instance_type if current and current.instance_type else "n/a"
    return f"current {kind}"


def current_price_per_hour(run: RunRecord) -> float | None:
    """The on-demand price of one instance of the benchmarked endpoint, when the run's price is of
    its instance type (the price is the target endpoint's, which may run another type)."""
    if run.prices is None or run.prices.current_per_hour is None:
        return None
    target, current = run.target_endpoint, run.current_endpoint
    if target and current and target.instance_type and target.instance_type != current.instance_type:
        return None
    return float(run.prices.current_per_hour)


def _plot_text(value: str) -> str:
    """Text for plotly, which reads a few HTML tags in labels: shown as written, never as markup."""
    return html.escape(value, quote=False)


@dataclass
class Chart:
    """One chart of the page: its element id, heading, figure and what it had to leave out."""

    id: str
    title: str
    figure: go.Figure
    caption: str = ""
    left_out: list[str] = field(default_factory=list)
    wide: bool = False  # the page's full width (else half of it)

    @property
    def json(self) -> Markup:
        """The figure as JSON safe inside `<script type="application/json">` (no `<`, `>`, `&`)."""
        text = pio.to_json(self.figure, validate=False, engine="json")
        safe = text.replace("&", "\\u0026").replace("<", "\\u003c").replace(">", "\\u003e")
        # Escaped above: no character of it can end the element or start markup.
        return Markup(safe)


def _layout(fig: go.Figure, *, height: int, **extra: Any) -> go.Figure:
    fig.update_layout(
        template="plotly_white",
        height=height,
        margin={"l": 64, "r": 24, "t": 16, "b": 56},
        font={"family": "system-ui, -apple-system, 'Segoe UI', Roboto, sans-serif", "size": 12},
        legend={"orientation": "h", "yanchor": "bottom", "y": 1.02, "xanchor": "left", "x": 0},
        hoverlabel={"font": {"size": 12}},
        **extra,
    )
    return fig


def cost_chart(run: RunRecord) -> Chart:
    """Cost per hour against max invocations per minute, per instance: each recommendation, the
    current endpoint, and the Pareto frontier through the points none beats on both."""
    points: list[Point] = []
    left_out: list[str] = []
    for rec in run.recommendations or []:
        cost = per_instance_cost(rec)
        if rec.max_invocations is None or cost is None:
            left_out.append(rec_label(rec))
            continue
        points.append(Point(rec.instance_type or rec_label(rec), float(rec.max_invocations), cost))
    current = run.current_endpoint
    price = current_price_per_hour(run)
    if current and current.max_invocations is not None and price is not None:
        points.append(Point(current_label(run), float(current.max_invocations), price, current=True))
    else:
        left_out.append(current_label(run))
    frontier = pareto_frontier(points)
    candidates = [p for p in points if not p.current]
    mine = [p for p in points if p.current]
    hover = "%{text}<br>%{x:,.0f} invocations/min per instance<br>%{y:$,.3f}/hour<extra></extra>"
    fig = go.Figure()
    fig.add_trace(
        go.Scatter(
            name="Pareto frontier",
            x=[p.throughput for p in frontier],
            y=[p.cost_per_hour for p in frontier],
            mode="lines",
            line={"color": COLOURS["frontier"], "dash": "dash", "width": 2},
            hoverinfo="skip",
        )
    )
    fig.add_trace(
        go.Scatter(
            name="recommendations",
            x=[p.throughput for p in candidates],
            y=[p.cost_per_hour for p in candidates],
            text=[_plot_text(p.label) for p in candidates],
            mode="markers",
            marker={"size": 11, "color": COLOURS["candidate"], "line": {"width": 1, "color": "white"}},
            hovertemplate=hover,
        )
    )
    fig.add_trace(
        go.Scatter(
            name="current endpoint",
            x=[p.throughput for p in mine],
            y=[p.cost_per_hour for p in mine],
            text=[_plot_text(p.label) for p in mine],
            mode="markers",
            marker={"size": 17, "symbol": "star", "color": COLOURS["current"], "line": {"width": 1, "color": "white"}},
            hovertemplate=hover,
        )
    )
    for point, (ax, ay) in zip(points, label_offsets(points), strict=True):
        fig.add_annotation(
            x=point.throughput,
            y=point.cost_per_hour,
            text=_plot_text(point.label),
            showarrow=True,
            arrowhead=0,
            arrowwidth=1,
            arrowcolor="#9ca3af",
            standoff=6,
            ax=ax,
            ay=ay,
            font={"size": 11, "color": COLOURS["current"] if point.current else "#1f2937"},
            bgcolor="rgba(255,255,255,0.85)",
        )
    _layout(
        fig,
        height=400,
        xaxis={"title": {"text": "max invocations per minute per instance"}, "rangemode": "tozero"},
        yaxis={"title": {"text": "cost per hour per instance (USD)"}, "rangemode": "tozero", "tickprefix": "$"},
    )
    _pad_axes(fig, points)
    return Chart(
        id="chart-cost",
        title="Cost against throughput",
        figure=fig,
        caption="Per instance, as benchmarked. The dashed line joins the configurations no other one beats "
        "on both cost and throughput.",
        left_out=left_out,
        wide=True,
    )


# Label offsets in pixels (plotly: negative y is above the point), tried in this order.
LABEL_OFFSETS = [(0, -24), (0, 28), (40, -50), (40, 54), (-40, -76), (-40, 80), (0, -102), (0, 106)]


def label_offsets(points: Sequence[Point]) -> list[tuple[int, int]]:
    """Where each point's label goes: above it, unless a neighbour's label is there already; points
    closer than 8 % of the throughput axis and 15 % of the cost axis are neighbours, and take the
    next free place (below, then further out in turn)."""
    if not points:
        return []
    x_span = max(p.throughput for p in points) or 1.0
    y_span = max(p.cost_per_hour for p in points) or 1.0
    placed: list[tuple[Point, int]] = []
    chosen: dict[int, int] = {}
    for index, point in sorted(enumerate(points), key=lambda item: (item[1].throughput, item[1].cost_per_hour)):
        near = {
            slot
            for other, slot in placed
            if abs(other.throughput - point.throughput) < 0.08 * x_span
            and abs(other.cost_per_hour - point.cost_per_hour) < 0.15 * y_span
        }
        slot = next((i for i in range(len(LABEL_OFFSETS)) if i not in near), len(placed) % len(LABEL_OFFSETS))
        placed.append((point, slot))
        chosen[index] = slot
    return [LABEL_OFFSETS[chosen[i]] for i in range(len(points))]


def _pad_axes(fig: go.Figure, points: Sequence[Point]) -> None:
    """Room around the outermost points for their labels."""
    if not points:
        return
    x_high = max(p.throughput for p in points)
    y_high = max(p.cost_per_hour for p in points)
    fig.update_xaxes(range=[0, x_high * 1.12 or 1])
    fig.update_yaxes(range=[0, y_high * 1.18 or 1])


def latency_chart(run: RunRecord) -> Chart:
    """Model latency of each recommendation and of the current endpoint."""
    names: list[str] = []
    values: list[float] = []
    colours: list[str] = []
    left_out: list[str] = []
    current = run.current_endpoint
    if current and current.model_latency_ms is not None:
        names.append(current_label(run))
        values.append(float(current.model_latency_ms))
        colours.append(COLOURS["current"])
    else:
        left_out.append(current_label(run))
    for rec in run.recommendations or []:
        if rec.model_latency_ms is None:
            left_out.append(rec_label(rec))
            continue
        names.append(rec_label(rec))
        values.append(float(rec.model_latency_ms))
        colours.append(_chosen_colour(run, rec))
    fig = go.Figure(
        go.Bar(
            x=[_tick(name) for name in names],
            y=values,
            marker={"color": colours},
            text=[f"{value:,.0f} ms" for value in values],
            textposition="outside",
            cliponaxis=False,
            customdata=[_plot_text(name) for name in names],
            hovertemplate="%{customdata}<br>%{y:,.0f} ms<extra></extra>",
        )
    )
    _layout(
        fig,
        height=400,
        showlegend=False,
        xaxis={"type": "category", "tickangle": 0 if len(names) <= 8 else -30},
        yaxis={"title": {"text": "model latency (ms)"}, "rangemode": "tozero"},
    )
    if values:
        fig.update_yaxes(range=[0, max(values) * 1.15 or 1])
    return Chart(
        id="chart-latency",
        title="Model latency",
        figure=fig,
        caption="As measured by the job; the current endpoint in violet, the verdict's choice in its colour.",
        left_out=left_out,
    )


def _chosen_colour(run: RunRecord, rec: Recommendation) -> str:
    verdict = run.verdict
    if verdict and verdict.decision == "CHANGE" and verdict.rank == rec.rank:
        return COLOURS["CHANGE"]
    return COLOURS["candidate"]


def monthly_chart(run: RunRecord) -> Chart:
    """What each recommendation costs a month with the instances the observed peak needs, against
    what the target endpoint costs now."""
    names: list[str] = []
    values: list[float] = []
    texts: list[str] = []
    colours: list[str] = []
    hovers: list[str] = []
    left_out: list[str] = []
    for rec in run.recommendations or []:
        if rec.monthly_cost is None:
            left_out.append(rec_label(rec))
            continue
        names.append(rec_label(rec))
        values.append(float(rec.monthly_cost))
        count = "?" if rec.instances_for_peak is None else str(rec.instances_for_peak)
        texts.append(_plot_text(f"{count} x {rec.instance_type or 'n/a'}"))
        colours.append(_chosen_colour(run, rec))
        p95 = "n/a" if rec.instances_for_p95 is None else str(rec.instances_for_p95)
        hovers.append(f"instances for the peak: {count}, for the p95: {p95}")
    fig = go.Figure(
        go.Bar(
            x=[_tick(name) for name in names],
            y=values,
            text=texts,
            textposition="inside",
            textangle=0,
            insidetextanchor="end",
            textfont={"color": "white"},
            marker={"color": colours},
            customdata=[[_plot_text(name), hover] for name, hover in zip(names, hovers, strict=True)],
            hovertemplate="%{customdata[0]}<br>%{y:$,.2f}/month<br>%{customdata[1]}<extra></extra>",
        )
    )
    target = run.target_endpoint
    ceiling = max(values, default=0.0)
    if target and target.monthly_cost is not None:
        now = float(target.monthly_cost)
        ceiling = max(ceiling, now)
        what = f"{target.instance_type or 'n/a'} x{target.instance_count or '?'}"
        fig.add_hline(
            y=now,
            line={"color": COLOURS["target"], "dash": "dot", "width": 2},
            annotation={
                "text": _plot_text(f"now: {what}, {_money(now)}/month"),
                "xanchor": "right",
                "x": 1,
                "yanchor": "bottom",
                "font": {"color": COLOURS["target"]},
                "bgcolor": "rgba(255,255,255,0.85)",
            },
        )
    else:
        left_out.append("the target endpoint's monthly cost")
    _layout(
        fig,
        height=400,
        showlegend=False,
        xaxis={"type": "category", "tickangle": 0 if len(names) <= 8 else -30},
        yaxis={"title": {"text": "monthly cost (USD)"}, "rangemode": "tozero", "tickprefix": "$"},
    )
    fig.update_yaxes(range=[0, ceiling * 1.15 or 1])
    peak = run.traffic.peak_per_minute if run.traffic else None
    at = f"the observed peak of {_rate(peak)}/min" if peak is not None else "the observed traffic"
    return Chart(
        id="chart-monthly",
        title="Instances needed and monthly cost at the observed traffic",
        figure=fig,
        caption=f"Each bar: the instances {at} needs at the target utilization, on demand, 730 hours; "
        "the dotted line: the target endpoint as it runs now.",
        left_out=left_out,
    )


def history_chart(completed: Sequence[RunRecord]) -> Chart:
    """Every COMPLETED run, oldest first: the benchmarked endpoint's throughput and latency, the
    target's monthly cost with each run's verdict, and the regressions."""
    runs = sorted(completed, key=lambda r: parse_time(r.started_at))
    fig = make_subplots(
        rows=3,
        cols=1,
        shared_xaxes=True,
        vertical_spacing=0.09,
        subplot_titles=(
            "throughput of the current endpoint (max invocations/min per instance)",
            "model latency of the current endpoint (ms)",
            "target endpoint's monthly cost (USD), marked by the run's verdict",
        ),
    )
    fig.update_annotations(font={"size": 12, "color": "#374151"})
    left_out: list[str] = []

    def series(row: int, name: str, value: Any, colour: str, unit: str) -> None:
        shown = [(r, value(r)) for r in runs if value(r) is not None]
        left_out.extend(f"{name} of the run of {r.started_at}" for r in runs if value(r) is None)
        fig.add_trace(
            go.Scatter(
                name=name,
                x=[_when(r) for r, _ in shown],
                y=[float(v) for _, v in shown],
                mode="lines+markers",
                line={"color": colour, "width": 2},
                marker={"size": 7},
                hovertemplate=f"%{{x}}<br>%{{y:,.0f}} {unit}<extra>{name}</extra>",
            ),
            row=row,
            col=1,
        )
        regressed = [(r, v) for r, v in shown if r.regression]
        fig.add_trace(
            go.Scatter(
                name="regression",
                legendgroup="regression",
                showlegend=row == 1 and bool(regressed),
                x=[_when(r) for r, _ in regressed],
                y=[float(v) for _, v in regressed],
                mode="markers",
                marker={"size": 15, "symbol": "circle-open", "color": COLOURS["regression"], "line": {"width": 3}},
                customdata=[_plot_text(regression_text(r)) for r, _ in regressed],
                hovertemplate="%{customdata}<extra></extra>",
            ),
            row=row,
            col=1,
        )

    def throughput(r: RunRecord) -> Any:
        return r.current_endpoint.max_invocations if r.current_endpoint else None

    def latency(r: RunRecord) -> Any:
        return r.current_endpoint.model_latency_ms if r.current_endpoint else None

    def cost(r: RunRecord) -> Any:
        return r.target_endpoint.monthly_cost if r.target_endpoint else None

    series(1, "throughput", throughput, COLOURS["candidate"], "invocations/min per instance")
    series(2, "latency", latency, COLOURS["current"], "ms")
    priced = [r for r in runs if cost(r) is not None]
    left_out.extend(f"target monthly cost of the run of {r.started_at}" for r in runs if cost(r) is None)
    fig.add_trace(
        go.Scatter(
            name="target monthly cost",
            x=[_when(r) for r in priced],
            y=[float(cost(r)) for r in priced],
            mode="lines",
            line={"color": "#9ca3af", "width": 2},
            hoverinfo="skip",
            showlegend=False,
        ),
        row=3,
        col=1,
    )
    for decision in ("CHANGE", "KEEP", "UNKNOWN"):
        marked = [r for r in priced if (r.verdict.decision if r.verdict else "UNKNOWN") == decision]
        if not marked:
            continue
        fig.add_trace(
            go.Scatter(
                name=f"verdict {decision}",
                x=[_when(r) for r in marked],
                y=[float(cost(r)) for r in marked],
                mode="markers+text" if len(runs) <= HISTORY_TEXT_MAX_RUNS else "markers",
                text=[decision] * len(marked),
                textposition="top center",
                textfont={"color": COLOURS[decision], "size": 10},
                marker={"size": 10, "color": COLOURS[decision], "line": {"width": 1, "color": "white"}},
                customdata=[_plot_text(_verdict_hover(r)) for r in marked],
                hovertemplate="%{x}<br>now %{y:$,.2f}/month<br>%{customdata}<extra></extra>",
            ),
            row=3,
            col=1,
        )
    costs = [float(cost(r)) for r in priced]
    if costs:
        fig.update_yaxes(range=[0, max(costs) * 1.3], row=3, col=1)
    # A dotted line at each regression across the three rows, in one layout update (add_vline
    # revalidates the figure's shapes on every call: about 90 ms a line).
    fig.update_layout(
        shapes=[
            {
                "type": "line",
                "xref": axis,
                "yref": f"{axis.replace('x', 'y')} domain",
                "x0": _when(r),
                "x1": _when(r),
                "y0": 0,
                "y1": 1,
                "line": {"color": COLOURS["regression"], "width": 1, "dash": "dot"},
            }
            for r in runs
            if r.regression
            for axis in ("x", "x2", "x3")
        ]
    )
    _layout(fig, height=640)
    # The legend under the dates: above, it would crowd the first row's title.
    fig.update_layout(margin={"t": 28, "b": 40}, legend={"y": -0.1, "yanchor": "top"})
    fig.update_yaxes(rangemode="tozero")
    fig.update_yaxes(tickprefix="$", row=3, col=1)
    fig.update_xaxes(type="date")
    return Chart(
        id="chart-history",
        title=f"History of {len(runs)} completed run{'s' if len(runs) != 1 else ''}",
        figure=fig,
        caption="Red rings and dotted lines: a regression of the current endpoint against the run before.",
        left_out=left_out,
        wide=True,
    )


def _verdict_hover(run: RunRecord) -> str:
    verdict = run.verdict
    if verdict is None:
        return "no verdict"
    return f"{_verdict_headline(run)}; {_savings_text(run) or 'no savings figure'}"


# --------------------------------------------------------------------------- formatting
def _money(value: float | None) -> str:
    return "n/a" if value is None else f"${value:,.2f}"


def _rate(value: float | None) -> str:
    """Invocations per minute: whole when whole, else one decimal."""
    if value is None:
        return "n/a"
    return f"{value:,.0f}" if float(value).is_integer() else f"{value:,.1f}"


def _when(run: RunRecord) -> str:
    """The run's start as plotly reads a date (UTC, no zone suffix)."""
    return parse_time(run.started_at).strftime("%Y-%m-%d %H:%M:%S")


def _started(run: RunRecord) -> str:
    return parse_time(run.started_at).strftime("%Y-%m-%d %H:%M UTC")


def _verdict_headline(run: RunRecord) -> str:
    verdict = run.verdict
    if verdict is None:
        return ""
    what = f"{verdict.instance_type or 'n/a'} x{verdict.instance_count if verdict.instance_count else '?'}"
    if verdict.decision == "CHANGE":
        return f"CHANGE to {what}"
    if verdict.decision == "KEEP":
        return f"KEEP {what}" if verdict.instance_type else "KEEP the current endpoint"
    return "UNKNOWN"


def _savings_text(run: RunRecord) -> str:
    """`saves $224.84/month (33.5 %)`, `costs $80.30/month more (12 %)`, or empty when unknown."""
    verdict = run.verdict
    if verdict is None or verdict.monthly_savings is None:
        return ""
    amount = float(verdict.monthly_savings)
    percent = f" ({abs(verdict.savings_percent):g} %)" if verdict.savings_percent is not None else ""
    if amount >= 0:
        return f"saves {_money(amount)}/month{percent}"
    return f"costs {_money(-amount)}/month more{percent}"


# --------------------------------------------------------------------------- the page
@dataclass(frozen=True)
class RunRow:
    run: RunRecord
    started: str
    verdict: str
    savings: str
    duration: str
    links: dict[str, str]


@functools.cache
def _environment() -> Environment:
    env = Environment(
        loader=FileSystemLoader(TEMPLATES),
        autoescape=select_autoescape(enabled_extensions=("html", "j2"), default_for_string=True),
        undefined=StrictUndefined,
        trim_blocks=True,
        lstrip_blocks=True,
        keep_trailing_newline=True,
    )
    env.filters.update(money=_money, rate=_rate)
    return env


@functools.cache
def _plotly_js() -> Markup:
    source = get_plotlyjs()
    if "</script" in source.lower():  # would end the inline element early
        raise RuntimeError("plotly.js contains '</script': it cannot be embedded inline")
    return Markup(source)


def render(endpoint: str, runs: Sequence[RunRecord], *, generated_at: datetime, stack: str, region: str) -> str:
    """The self-contained HTML report of one endpoint's runs (newest first)."""
    ordered = sorted(runs, key=lambda r: parse_time(r.started_at), reverse=True)
    completed = [r for r in ordered if r.status == "COMPLETED"]
    decided = next((r for r in completed if r.verdict is not None), None)
    latest = completed[0] if completed else None
    charts = (
        [cost_chart(latest), latency_chart(latest), monthly_chart(latest), history_chart(completed)] if latest else []
    )
    scaling = decided.scaling if decided else None
    context = {
        "endpoint": endpoint,
        "stack": stack,
        "region": region,
        "generated": iso(generated_at),
        "runs": ordered,
        "completed_count": len(completed),
        "decided": decided,
        "decided_started": _started(decided) if decided else "",
        "headline": (_verdict_headline(decided) if decided.verdict.decision != "UNKNOWN" else "No decision")
        if decided and decided.verdict
        else "",
        "savings": _savings_text(decided) if decided else "",
        "regression": regression_text(decided) if decided and decided.regression else "",
        "price_source": PRICE_SOURCES[decided.prices.source] if decided and decided.prices else "",
        "scaling": scaling,
        "scaling_metric": (
            "invocations per instance per minute"
            if scaling and scaling.metric == INVOCATIONS_PER_INSTANCE
            else f"{scaling.metric} per instance"
            if scaling
            else ""
        ),
        "scaling_lines": [cli_line(request) for request in scaling.requests] if scaling else [],
        "latest": latest,
        "latest_started": _started(latest) if latest else "",
        "charts": charts,
        "rows": [_row(r, region) for r in ordered],
        "failed": [_row(r, region) for r in ordered if r.status != "COMPLETED"],
        "colours": COLOURS,
        "plotly_js": _plotly_js(),
    }
    return _environment().get_template("report.html.j2").render(context)


def _row(run: RunRecord, region: str) -> RunRow:
    return RunRow(
        run=run,
        started=_started(run),
        verdict=_verdict_headline(run),
        savings=_savings_text(run),
        duration=duration_text(run.duration_seconds) if run.duration_seconds is not None else "",
        links=console_urls(run, region),
    )
