"""The HTML report (`rightsize report`): the verdict on top, the charts' figures, every run, the
failed ones; escaping, self-containment and absent figures.

`demo_history()` is the README's right-size scenario (demo-endpoint, a staging copy, benchmarked for
demo-endpoint-prod) preceded by weeks of earlier runs; the browser test draws it too. Its completed
runs are concluded by the decision module itself, so every figure is one the workflow would store.
"""

from __future__ import annotations

import hashlib
import html
import json
import random
import re
from collections.abc import Sequence
from datetime import UTC, datetime, timedelta
from html.parser import HTMLParser
from typing import Any

import pytest
from markupsafe import escape

from recommender.logic import decision
from recommender.logic.scaling import cli_line, from_answer
from recommender.models import RunRecord, iso
from rightsize import report
from rightsize.report import Point, dominates, pareto_frontier

GENERATED = datetime(2026, 11, 26, 9, 30, tzinfo=UTC)
ACCOUNT = "123456789012"
REGION = "us-east-1"
STACK = "InferenceRecommenderOrchestrator"
BENCHMARKED = "demo-endpoint"
TARGET = "demo-endpoint-prod"
README_STARTED = datetime(2026, 11, 25, 3, 0, tzinfo=UTC)
README_JOB = "ir-orchestrator-6c7eb46356a83370-demo-endpoint"
# (instance type, max invocations/min per instance, cost per hour, model latency ms): the README's.
README_CANDIDATES = [
    ("ml.g4dn.xlarge", 1645, 0.736, 171),
    ("ml.c6i.xlarge", 360, 0.204, 480),
    ("ml.c5.xlarge", 320, 0.204, 540),
]


# --------------------------------------------------------------------------- run records
def _clean(value: Any) -> Any:
    """The wire form: absent, never null."""
    if isinstance(value, dict):
        return {k: _clean(v) for k, v in value.items() if v is not None}
    if isinstance(value, list):
        return [_clean(v) for v in value]
    return value


def _job_name(started: datetime) -> str:
    if started == README_STARTED:
        return README_JOB
    return f"ir-orchestrator-{hashlib.sha256(iso(started).encode()).hexdigest()[:16]}-{BENCHMARKED}"


def _common(started: datetime, status: str, duration: int, *, job: bool = True) -> dict[str, Any]:
    name = _job_name(started)
    return {
        "endpointName": BENCHMARKED,
        "status": status,
        "jobName": name,
        "startedAt": iso(started),
        "jobArn": f"arn:aws:sagemaker:{REGION}:{ACCOUNT}:inference-recommendations-job/{name}" if job else None,
        "jobType": "Default",
        "modelPackageVersionArn": f"arn:aws:sagemaker:{REGION}:{ACCOUNT}:model-package/demo-model/3",
        "executionArn": f"arn:aws:states:{REGION}:{ACCOUNT}:execution:ir-orchestrator:{name}",
        "trigger": "manual" if started == README_STARTED else "schedule:weekly-demo-endpoint",
        "finishedAt": iso(started + timedelta(seconds=duration)),
        "durationSeconds": duration,
    }


def completed(
    started: datetime,
    *,
    candidates: Sequence[tuple[str, float, float, float]] = README_CANDIDATES,
    current: tuple[float, float] = (300, 560),
    target_count: int = 4,
    price: float = 0.23,
    traffic: tuple[float, float, float] = (734, 693, 363.22008928571427),
    duration: int = 2700,
    regression: dict[str, Any] | None = None,
    scaling: tuple[int, int, int] | None = (3, 5, 180),
) -> dict[str, Any]:
    """A COMPLETED run's wire dict, concluded by `decision.decide` as the Publish step does."""
    throughput, latency = current
    peak, p95, mean = traffic
    concluded = decision.decide(
        [decision.Candidate(rank, kind, cost, thr, lat) for rank, (kind, thr, cost, lat) in enumerate(candidates, 1)],
        decision.Current("ml.m5.xlarge", target_count, latency, price, throughput),
        decision.Traffic(mean=mean, p95=p95, peak=peak, minutes_with_data=20160),
    )
    verdict = concluded.verdict
    recommendations = [
        {
            "rank": rank,
            "endpointName": f"{BENCHMARKED}-ir-{rank}",
            "variantName": "AllTraffic",
            "instanceType": kind,
            "instanceCount": 1,
            "costPerHour": cost,
            "costPerInference": cost / 60 / thr,
            "maxInvocations": thr,
            "modelLatencyMs": lat,
            "instancesForPeak": sized.instances_for_peak,
            "instancesForP95": sized.instances_for_p95,
            "monthlyCost": sized.monthly_cost,
            "latencyDeltaMs": sized.latency_delta_ms,
        }
        for rank, ((kind, thr, cost, lat), sized) in enumerate(zip(candidates, concluded.candidates, strict=True), 1)
    ]
    scaled = None
    if verdict.decision == "CHANGE" and scaling:
        low, high, target_value = scaling
        answer = {
            "DynamicScalingConfiguration": {
                "MinCapacity": low,
                "MaxCapacity": high,
                "ScaleInCooldown": 300,
                "ScaleOutCooldown": 60,
                "ScalingPolicies": [
                    {
                        "TargetTracking": {
                            "MetricSpecification": {
                                "Predefined": {"PredefinedMetricType": "SageMakerVariantInvocationsPerInstance"}
                            },
                            "TargetValue": target_value,
                        }
                    }
                ],
            }
        }
        found = from_answer(answer, endpoint_name=TARGET, variant_name="AllTraffic")
        scaled = found.wire() if found else None
    return _clean(
        {
            **_common(started, "COMPLETED", duration),
            "currentEndpoint": {
                "variantName": "AllTraffic",
                "instanceType": "ml.m5.xlarge",
                "instanceCount": 1,
                "maxInvocations": throughput,
                "modelLatencyMs": latency,
                "monthlyCost": concluded.current.monthly_cost,
            },
            "recommendations": recommendations,
            "regression": regression,
            "targetEndpoint": {
                "endpointName": TARGET,
                "variantName": "AllTraffic",
                "instanceType": "ml.m5.xlarge",
                "instanceCount": target_count,
                "monthlyCost": concluded.current.monthly_cost,
            },
            "traffic": {
                "endpointName": TARGET,
                "windowDays": 14,
                "minutesWithData": 20160,
                "meanPerMinute": mean,
                "p95PerMinute": p95,
                "peakPerMinute": peak,
                "source": "cloudwatch",
            },
            "prices": {"currentPerHour": price, "source": "price-list"},
            "verdict": {
                "decision": verdict.decision,
                "rank": verdict.rank,
                "instanceType": verdict.instance_type,
                "instanceCount": verdict.instance_count,
                "monthlySavings": verdict.monthly_savings,
                "savingsPercent": verdict.savings_percent,
                "reason": verdict.reason,
            },
            "scaling": scaled,
        }
    )


def failed(
    started: datetime,
    *,
    status: str = "FAILED",
    reason: str = "Benchmarks failed.",
    violations: list[str] | None = None,
    duration: int = 1500,
) -> dict[str, Any]:
    wire = _common(started, status, duration, job=status != "REJECTED")
    if status == "REJECTED":
        wire["jobType"] = None
    return _clean({**wire, "failureReason": reason, "violations": violations})


def regressed(previous: datetime, *, throughput: float | None, latency: float | None) -> dict[str, Any]:
    return {
        "throughputDropPercent": throughput,
        "latencyRisePercent": latency,
        "previousRunKey": f"RUN#{iso(previous)}#{_job_name(previous)}",
    }


def records(*wires: dict[str, Any]) -> list[RunRecord]:
    return [RunRecord.model_validate(wire) for wire in wires]


def week(n: int) -> datetime:
    """The run `n` weeks before the README's run (Wednesdays, 03:00 UTC)."""
    return README_STARTED - timedelta(weeks=n)


# Before the model was compiled for CPUs: the c6i and c5 outside the latency bound.
SLOW_CPU = [("ml.g4dn.xlarge", 1600, 0.736, 176), ("ml.c6i.xlarge", 330, 0.204, 655), ("ml.c5.xlarge", 300, 0.204, 712)]
BUSY = (
    "endpoint served 1204 invocations in the last 60 minutes (limit 0); benchmarking live endpoints slows "
    'them and skews results. Use a copy of the endpoint, or set "allowLiveTraffic": true'
)


def demo_history() -> list[RunRecord]:
    """Nine weeks of demo-endpoint, newest first. The production copy ran ml.m5.xlarge x2 while the
    CPU candidates were too slow (KEEP); its traffic outgrew two instances (CHANGE at a cost); it
    was scaled to four (CHANGE to the GPU instance); a regression of the model's build; a failed
    job; a run refused on a busy endpoint; then the README's run: CHANGE to ml.c6i.xlarge x3."""
    slow_cpu = SLOW_CPU
    return records(
        completed(README_STARTED),
        completed(week(1), current=(305, 552), candidates=README_CANDIDATES, traffic=(720, 690, 355.8), duration=2880),
        failed(
            week(2),
            reason=f"job {_job_name(week(2))} failed: Benchmarks failed.; failed benchmark ml.g4dn.xlarge: "
            "the container did not pass the ping health check within 600 seconds",
        ),
        failed(
            week(3) + timedelta(hours=6),
            status="REJECTED",
            reason=f"Endpoint is not eligible for an Inference Recommender job: endpoint {BENCHMARKED}",
            violations=[BUSY],
            duration=2,
        ),
        completed(
            week(3),
            current=(225, 784),
            candidates=[
                ("ml.g4dn.xlarge", 1580, 0.736, 190),
                ("ml.c6i.xlarge", 335, 0.204, 620),
                ("ml.c5.xlarge", 295, 0.204, 690),
            ],
            traffic=(650, 611, 322.4),
            regression=regressed(week(4), throughput=25, latency=40),
            duration=3120,
        ),
        completed(week(4), current=(300, 560), candidates=slow_cpu, traffic=(610, 577, 301.7), scaling=(1, 2, 820)),
        completed(
            week(5),
            current=(300, 555),
            candidates=slow_cpu,
            target_count=2,
            traffic=(520, 488, 251.3),
            scaling=(1, 2, 820),
        ),
        completed(week(6), current=(305, 550), candidates=slow_cpu, target_count=2, traffic=(412, 381, 203.9)),
        completed(week(7), current=(310, 545), candidates=slow_cpu, target_count=2, traffic=(390, 352, 190.4)),
    )


def demo_page(runs: Sequence[RunRecord] | None = None, endpoint: str = BENCHMARKED) -> str:
    return report.render(
        endpoint, demo_history() if runs is None else runs, generated_at=GENERATED, stack=STACK, region=REGION
    )


def chart_figure(page: str, chart_id: str) -> dict[str, Any]:
    """The figure the page draws into `chart_id` (its embedded JSON)."""
    found = re.search(rf'<script type="application/json" data-chart="{chart_id}">(.*?)</script>', page, re.S)
    assert found, f"no figure for {chart_id}"
    figure: dict[str, Any] = json.loads(found.group(1))
    return figure


def trace(figure: dict[str, Any], name: str) -> dict[str, Any]:
    matches = [t for t in figure["data"] if t.get("name") == name]
    assert len(matches) == 1, [t.get("name") for t in figure["data"]]
    return matches[0]


def section(page: str, name: str) -> str:
    found = re.search(rf'<section id="{name}">(.*?)</section>', page, re.S)
    assert found, name
    return found.group(1)


def text_of(fragment: str) -> str:
    """Visible text: tags removed, entities read, whitespace collapsed."""
    words = re.sub(r"\s+", " ", re.sub(r"<[^>]+>", " ", fragment)).strip()
    return html.unescape(re.sub(r" ([.,;)])", r"\1", words))


# --------------------------------------------------------------------------- the data itself
def test_demo_history_ends_with_the_readme_decision() -> None:
    newest = demo_history()[0]
    assert newest.verdict is not None
    assert (newest.verdict.decision, newest.verdict.instance_type, newest.verdict.instance_count) == (
        "CHANGE",
        "ml.c6i.xlarge",
        3,
    )
    assert (newest.verdict.monthly_savings, newest.verdict.savings_percent) == (224.84, 33.5)
    assert [r.monthly_cost for r in newest.recommendations or []] == [537.28, 446.76, 595.68]
    assert newest.target_endpoint is not None
    assert newest.target_endpoint.monthly_cost == 671.6


# --------------------------------------------------------------------------- the Pareto frontier
def test_frontier_of_the_readme_run_is_c6i_then_g4dn() -> None:
    points = [
        Point("ml.g4dn.xlarge", 1645, 0.736),
        Point("ml.c6i.xlarge", 360, 0.204),
        Point("ml.c5.xlarge", 320, 0.204),  # the c6i serves more for the same price
        Point("current ml.m5.xlarge", 300, 0.23, current=True),  # the c6i serves more for less
    ]
    assert [p.label for p in pareto_frontier(points)] == ["ml.c6i.xlarge", "ml.g4dn.xlarge"]


def test_frontier_ties() -> None:
    cheap = Point("cheap", 100, 0.1)
    same_cost_less_throughput = Point("slower", 90, 0.1)
    same_throughput_more_cost = Point("pricier", 100, 0.2)
    twin = Point("twin", 100, 0.1)
    fast = Point("fast", 500, 0.5)
    frontier = pareto_frontier([fast, same_throughput_more_cost, cheap, same_cost_less_throughput, twin])
    # Equal points do not dominate each other; a tie on one axis loses on the other.
    assert [p.label for p in frontier] == ["cheap", "twin", "fast"]
    assert dominates(cheap, same_cost_less_throughput)
    assert dominates(cheap, same_throughput_more_cost)
    assert not dominates(cheap, twin)
    assert not dominates(twin, cheap)
    assert not dominates(fast, cheap)


def test_frontier_of_one_point_and_of_none() -> None:
    only = Point("only", 10, 1.0)
    assert pareto_frontier([only]) == [only]
    assert pareto_frontier([]) == []


def test_frontier_is_every_point_when_each_trades_cost_for_throughput() -> None:
    ladder = [Point(f"p{i}", 100 * i, 0.1 * i) for i in range(5, 0, -1)]
    assert [p.label for p in pareto_frontier(ladder)] == ["p1", "p2", "p3", "p4", "p5"]


# --------------------------------------------------------------------------- header and verdict
def test_header_names_the_endpoint_stack_region_time_and_run_count() -> None:
    header = text_of(demo_page().split("</header>")[0].split("<header>")[1])
    assert header == (
        f"Right-sizing report: {BENCHMARKED} stack {STACK} region {REGION} generated 2026-11-26T09:30:00Z "
        "9 runs, 7 completed"
    )


def test_the_verdict_and_its_figures_lead_the_page() -> None:
    page = demo_page()
    verdict = text_of(section(page, "verdict"))
    assert verdict.startswith("CHANGE CHANGE to ml.c6i.xlarge x3 saves $224.84/month (33.5 %) rank 2 ml.c6i.xlarge x3")
    assert (
        "rank 2 ml.c6i.xlarge x3 at $446.76/month for a peak of 734/min at 0.7 utilization; latency <= 616 ms "
        "(current + 10%): saves $224.84/month against $671.60/month now" in verdict
    )
    assert (
        "Target endpoint demo-endpoint-prod ml.m5.xlarge x4 (variant AllTraffic) $671.60/month now "
        "benchmarked on demo-endpoint" in verdict
    )
    assert (
        "Observed traffic peak 734/min p95 693/min, mean 363.2/min observed in CloudWatch on demo-endpoint-prod "
        "over 14 days (20,160 minutes with data)" in verdict
    )
    assert "Price $0.23/hour per instance source: AWS Price List, on demand" in verdict
    assert (
        "min 3, max 5 instances, target 180 invocations per instance per minute, scale-in cooldown 300 s, "
        "scale-out cooldown 60 s" in verdict
    )
    assert f"From the run of 2026-11-25 03:00 UTC, job {README_JOB}." in verdict
    assert "Regression" not in verdict  # the newest run did not regress
    # Top to bottom: verdict, charts, all runs, the runs that did not complete.
    assert page.index('id="verdict"') < page.index('id="charts"') < page.index('id="runs"') < page.index('id="failed"')


def test_the_autoscaling_commands_are_the_scaling_modules_lines() -> None:
    newest = demo_history()[0]
    assert newest.scaling is not None
    lines = [cli_line(request) for request in newest.scaling.requests]
    assert lines[0] == (
        "aws application-autoscaling register-scalable-target --service-namespace sagemaker --resource-id "
        "endpoint/demo-endpoint-prod/variant/AllTraffic --scalable-dimension sagemaker:variant:DesiredInstanceCount "
        "--min-capacity 3 --max-capacity 5"
    )
    commands = re.findall(r'<pre class="command">(.*?)</pre>', demo_page(), re.S)
    assert commands == [str(escape(line)) for line in lines]
    assert "&#39;{&#34;TargetValue&#34;:180," in commands[1]


def test_a_regression_of_the_verdicts_run_is_an_alert() -> None:
    runs = [r for r in demo_history() if r.started_at <= iso(week(3))]  # the regressed run is the newest
    verdict = section(demo_page(runs), "verdict")
    alert = re.search(r'<div class="alert" role="alert">(.*?)</div>', verdict, re.S)
    assert alert
    assert alert.group(1) == (
        f"Regression since the run of {iso(week(4))} (job {_job_name(week(4))}): throughput -25 %, latency +40 %"
    )
    assert "the current ml.m5.xlarge x4 cannot serve the peak of 650/min at 0.7 utilization" in verdict


def test_a_keep_verdict_has_no_savings_and_no_autoscaling() -> None:
    runs = records(
        completed(week(7), current=(310, 545), candidates=SLOW_CPU, target_count=2, traffic=(390, 352, 190.4))
    )
    # The CPU candidates are too slow, the g4dn x1 ($537.28) costs more than m5 x2 ($335.80): KEEP.
    verdict = section(demo_page(runs), "verdict")
    assert 'class="card verdict KEEP"' in verdict
    assert text_of(verdict).startswith("KEEP KEEP ml.m5.xlarge x2 the current ml.m5.xlarge x2 at $335.80/month")
    assert 'class="savings' not in verdict
    assert "Autoscaling" not in verdict
    assert "application-autoscaling" not in verdict


def test_an_unknown_verdict_says_why_and_what_is_missing() -> None:
    wire = completed(README_STARTED)
    wire.pop("traffic")
    wire.pop("scaling")
    for rec in wire["recommendations"]:
        for key in ("instancesForPeak", "instancesForP95", "monthlyCost"):
            rec.pop(key)
    reason = "no traffic measurement for the target endpoint: cannot size the recommendations"
    wire["verdict"] = {"decision": "UNKNOWN", "reason": reason}
    page = demo_page(records(wire))
    verdict = text_of(section(page, "verdict"))
    assert verdict.startswith(f"UNKNOWN No decision {reason} Target endpoint demo-endpoint-prod")
    assert "Observed traffic not observed" in verdict
    assert "saves" not in verdict
    assert "Autoscaling" not in verdict
    monthly = chart_figure(page, "chart-monthly")
    assert monthly["data"][0]["x"] == []  # nothing sized: no bar, and none at zero
    assert "Instances needed and monthly cost at the observed traffic" in page
    assert "the instances the observed traffic needs" in text_of(section(page, "charts"))
    row = re.findall(r"<tr>(.*?)</tr>", section(page, "runs"), re.S)[1]
    assert "UNKNOWN" in text_of(row)


def test_a_change_that_costs_more_says_so() -> None:
    runs = records(
        completed(week(5), current=(300, 555), target_count=2, traffic=(520, 488, 251.3), scaling=None),
    )
    verdict = text_of(section(demo_page(runs), "verdict"))
    # m5 x2 serves 2 x 300 x 0.7 = 420 < 520/min: the cheapest change, c6i x3 at $446.76, costs more.
    assert "CHANGE to ml.c6i.xlarge x3 costs $110.96/month more (33 %)" in verdict
    assert "cannot serve the peak of 520/min" in verdict


def test_the_verdict_comes_from_the_newest_completed_run_that_has_one() -> None:
    without = completed(README_STARTED + timedelta(days=1))
    for key in ("verdict", "scaling", "traffic", "prices"):
        without.pop(key)
    runs = [*records(without), *demo_history()]
    page = demo_page(runs)
    assert f"From the run of 2026-11-25 03:00 UTC, job {README_JOB}." in text_of(section(page, "verdict"))
    # The charts are the newest completed run's, verdict or not.
    assert "Charts of the newest completed run (2026-11-26 03:00 UTC" in text_of(section(page, "charts"))


# --------------------------------------------------------------------------- charts
def test_cost_chart_places_each_recommendation_the_current_endpoint_and_the_frontier() -> None:
    figure = chart_figure(demo_page(), "chart-cost")
    recommendations = trace(figure, "recommendations")
    assert recommendations["x"] == [1645, 360, 320]
    assert recommendations["y"] == [0.736, 0.204, 0.204]
    assert recommendations["text"] == ["ml.g4dn.xlarge", "ml.c6i.xlarge", "ml.c5.xlarge"]
    current = trace(figure, "current endpoint")
    assert (current["x"], current["y"], current["text"]) == ([300], [0.23], ["current ml.m5.xlarge"])
    assert current["marker"]["symbol"] == "star"
    frontier = trace(figure, "Pareto frontier")
    assert (frontier["x"], frontier["y"], frontier["mode"]) == ([360, 1645], [0.204, 0.736], "lines")
    # Each point labelled by its instance type, at its place; the three close ones apart.
    labels = [(a["text"], a["x"], a["y"], a["ay"]) for a in figure["layout"]["annotations"]]
    assert labels == [
        ("ml.g4dn.xlarge", 1645, 0.736, -24),
        ("ml.c6i.xlarge", 360, 0.204, -50),  # up and to the right
        ("ml.c5.xlarge", 320, 0.204, 28),
        ("current ml.m5.xlarge", 300, 0.23, -24),
    ]


def test_labels_of_close_points_take_different_places() -> None:
    crowd = [Point(f"p{i}", 300 + i, 0.2) for i in range(4)]
    far = Point("far", 1600, 0.7)
    offsets = report.label_offsets([*crowd, far])
    assert offsets[:4] == [(0, -24), (0, 28), (40, -50), (40, 54)]
    assert offsets[4] == (0, -24)  # nobody near it
    assert report.label_offsets([]) == []


def test_cost_chart_is_per_instance() -> None:
    wire = completed(README_STARTED)
    wire["recommendations"][0].update(instanceCount=2, costPerHour=1.472)  # two g4dn, priced together
    figure = report.cost_chart(records(wire)[0]).figure
    assert list(figure.data[1].y) == [0.736, 0.204, 0.204]


def test_cost_chart_leaves_out_a_price_of_another_instance_type() -> None:
    wire = completed(README_STARTED)
    wire["targetEndpoint"]["instanceType"] = "ml.m5.2xlarge"  # the price is of the target's type
    chart = report.cost_chart(records(wire)[0])
    assert list(chart.figure.data[2].x) == []
    assert chart.left_out == ["current ml.m5.xlarge"]


def test_latency_chart_has_the_current_endpoint_and_each_recommendation() -> None:
    bars = chart_figure(demo_page(), "chart-latency")["data"][0]
    assert bars["type"] == "bar"
    assert bars["x"] == ["current<br>ml.m5.xlarge", "#1<br>ml.g4dn.xlarge", "#2<br>ml.c6i.xlarge", "#3<br>ml.c5.xlarge"]
    assert bars["y"] == [560, 171, 480, 540]
    colours = report.COLOURS
    assert bars["marker"]["color"] == [
        colours["current"],
        colours["candidate"],
        colours["CHANGE"],
        colours["candidate"],
    ]


def test_monthly_chart_has_instances_for_the_peak_and_the_targets_cost_as_reference() -> None:
    figure = chart_figure(demo_page(), "chart-monthly")
    bars = figure["data"][0]
    assert bars["x"] == ["#1<br>ml.g4dn.xlarge", "#2<br>ml.c6i.xlarge", "#3<br>ml.c5.xlarge"]
    assert bars["y"] == [537.28, 446.76, 595.68]
    assert bars["text"] == ["1 x ml.g4dn.xlarge", "3 x ml.c6i.xlarge", "4 x ml.c5.xlarge"]
    (line,) = figure["layout"]["shapes"]
    assert (line["y0"], line["y1"], line["xref"], line["yref"]) == (671.6, 671.6, "x domain", "y")
    assert figure["layout"]["annotations"][0]["text"] == "now: ml.m5.xlarge x4, $671.60/month"


def test_history_chart_is_every_completed_run_oldest_first() -> None:
    figure = chart_figure(demo_page(), "chart-history")
    dates = [iso(week(n)).replace("T", " ").removesuffix("Z") for n in (7, 6, 5, 4, 3, 1, 0)]
    throughput = trace(figure, "throughput")
    assert (throughput["x"], throughput["y"]) == (dates, [310, 305, 300, 300, 225, 305, 300])
    latency = trace(figure, "latency")
    assert latency["y"] == [545, 550, 555, 560, 784, 552, 560]
    cost = trace(figure, "target monthly cost")
    assert cost["y"] == [335.8, 335.8, 335.8, 671.6, 671.6, 671.6, 671.6]
    keep, change = trace(figure, "verdict KEEP"), trace(figure, "verdict CHANGE")
    assert keep["x"] == dates[:2]
    assert change["x"] == dates[2:]
    assert keep["marker"]["color"] == report.COLOURS["KEEP"]
    assert change["marker"]["color"] == report.COLOURS["CHANGE"]
    assert change["text"] == ["CHANGE"] * 5
    # The regression: a ring on the throughput and the latency, a dotted line across the three rows.
    rings = [t for t in figure["data"] if t.get("name") == "regression"]
    assert [(t["x"], t["y"]) for t in rings] == [([dates[4]], [225]), ([dates[4]], [784])]
    assert [s["x0"] for s in figure["layout"]["shapes"]] == [dates[4]] * 3
    assert "Regression since the run of" in rings[0]["customdata"][0]


def test_history_of_fifty_runs_keeps_the_verdict_in_colour_not_text() -> None:
    runs = fifty_runs()
    page = demo_page(runs)
    figure = chart_figure(page, "chart-history")
    changes = trace(figure, "verdict CHANGE")
    assert changes["mode"] == "markers"
    completed_count = sum(r.status == "COMPLETED" for r in runs)
    assert len(trace(figure, "throughput")["x"]) == completed_count
    assert figure["data"][0]["x"] == sorted(figure["data"][0]["x"])


def test_absent_figures_are_left_out_never_zero() -> None:
    wire = completed(README_STARTED)
    wire["recommendations"].append({"rank": 4, "instanceType": "ml.r5.xlarge", "instanceCount": 1})
    del wire["recommendations"][1]["modelLatencyMs"]
    del wire["currentEndpoint"]["maxInvocations"]
    del wire["targetEndpoint"]["monthlyCost"]
    older = completed(week(1))
    del older["currentEndpoint"]["modelLatencyMs"]
    page = demo_page(records(wire, older))
    cost = chart_figure(page, "chart-cost")
    assert trace(cost, "recommendations")["x"] == [1645, 360, 320]  # no r5: neither throughput nor price
    assert trace(cost, "current endpoint")["x"] == []
    assert trace(cost, "Pareto frontier")["x"] == [360, 1645]
    latency = chart_figure(page, "chart-latency")["data"][0]
    assert latency["x"] == ["current<br>ml.m5.xlarge", "#1<br>ml.g4dn.xlarge", "#3<br>ml.c5.xlarge"]
    assert 0 not in latency["y"]
    monthly = chart_figure(page, "chart-monthly")
    assert monthly["data"][0]["x"] == ["#1<br>ml.g4dn.xlarge", "#2<br>ml.c6i.xlarge", "#3<br>ml.c5.xlarge"]
    assert "shapes" not in monthly["layout"]
    history = chart_figure(page, "chart-history")
    assert trace(history, "throughput")["y"] == [300]  # the newest has none
    assert trace(history, "latency")["y"] == [560]  # the older has none
    assert trace(history, "target monthly cost")["y"] == [671.6]
    charts = text_of(section(page, "charts"))
    assert "Not shown, figure unknown: #4 ml.r5.xlarge, current ml.m5.xlarge." in charts
    assert "Not shown, figure unknown: #2 ml.c6i.xlarge, #4 ml.r5.xlarge." in charts
    assert "Not shown, figure unknown: #4 ml.r5.xlarge, the target endpoint's monthly cost." in charts
    assert "$0.00" not in page


# --------------------------------------------------------------------------- all runs, failed runs
def test_runs_table_lists_every_run_newest_first() -> None:
    shuffled = demo_history()
    random.Random(7).shuffle(shuffled)
    rows = re.findall(r"<tr>(.*?)</tr>", section(demo_page(shuffled), "runs"), re.S)[1:]
    cells = [text_of(row) for row in rows]
    assert cells == [
        "2026-11-25 03:00 UTC COMPLETED Default CHANGE to ml.c6i.xlarge x3 saves $224.84/month (33.5 %) 45 min "
        "execution · job",
        "2026-11-18 03:00 UTC COMPLETED Default CHANGE to ml.c6i.xlarge x3 saves $224.84/month (33.5 %) 48 min "
        "execution · job",
        "2026-11-11 03:00 UTC FAILED Default 25 min execution · job",
        "2026-11-04 09:00 UTC REJECTED 2 s execution",
        "2026-11-04 03:00 UTC COMPLETED regression Default CHANGE to ml.c6i.xlarge x3 saves $224.84/month (33.5 %) "
        "52 min execution · job",
        "2026-10-28 03:00 UTC COMPLETED Default CHANGE to ml.g4dn.xlarge x1 saves $134.32/month (20 %) 45 min "
        "execution · job",
        "2026-10-21 03:00 UTC COMPLETED Default CHANGE to ml.g4dn.xlarge x1 costs $201.48/month more (60 %) 45 min "
        "execution · job",
        "2026-10-14 03:00 UTC COMPLETED Default KEEP ml.m5.xlarge x2 45 min execution · job",
        "2026-10-07 03:00 UTC COMPLETED Default KEEP ml.m5.xlarge x2 45 min execution · job",
    ]
    job = f"https://{REGION}.console.aws.amazon.com/sagemaker/home?region={REGION}#/inference-recommender/jobs/"
    assert f'<a href="{job}{README_JOB}" rel="noopener noreferrer">job</a>' in rows[0]


def test_failed_runs_show_their_reason_and_violations() -> None:
    failed_section = section(demo_page(), "failed")
    rows = re.findall(r"<tr>(.*?)</tr>", failed_section, re.S)[1:]
    assert len(rows) == 2
    assert text_of(rows[0]) == (
        f"2026-11-11 03:00 UTC FAILED {_job_name(week(2))} job {_job_name(week(2))} failed: Benchmarks failed.; "
        "failed benchmark ml.g4dn.xlarge: the container did not pass the ping health check within 600 seconds"
    )
    assert "<li>" not in rows[0]
    assert re.findall(r"<li>(.*?)</li>", rows[1]) == [str(escape(BUSY))]
    assert text_of(rows[1]).startswith(
        "2026-11-04 09:00 UTC REJECTED "
        f"{_job_name(week(3) + timedelta(hours=6))} Endpoint is not eligible for an Inference Recommender job"
    )


def test_only_failed_runs_say_there_is_nothing_to_chart() -> None:
    runs = records(failed(week(1), violations=["model package demo-model/3 does not exist"]), failed(week(2)))
    page = demo_page(runs)
    assert text_of(section(page, "verdict")) == "No completed run has a verdict yet."
    assert text_of(section(page, "charts")) == "No completed run yet: nothing to chart."
    assert "data-chart=" not in page
    assert "9 runs" not in page
    assert "2 runs, 0 completed" in text_of(page.split("</header>")[0])
    assert len(re.findall(r"<tr>", section(page, "failed"))) == 3
    assert "<li>model package demo-model/3 does not exist</li>" in section(page, "failed")


def test_no_runs_at_all() -> None:
    page = demo_page([])
    assert "0 runs, 0 completed" in text_of(page.split("</header>")[0])
    assert text_of(section(page, "runs")) == "All runs No runs yet."
    assert text_of(section(page, "failed")) == "Runs that did not complete No runs yet."
    assert text_of(section(page, "charts")) == "No completed run yet: nothing to chart."


# --------------------------------------------------------------------------- safety
HOSTILE = "<script>alert(1)</script>"


def test_everything_from_the_record_is_escaped() -> None:
    wire = completed(README_STARTED)
    wire["verdict"]["reason"] = HOSTILE
    wire["recommendations"][0]["instanceType"] = "<img src=x onerror=alert(2)>"
    wire["targetEndpoint"]["endpointName"] = '"><script>alert(3)</script>'
    bad = failed(week(1), reason=HOSTILE, violations=["<b onmouseover=alert(4)>x</b>"])
    page = report.render(
        "<svg onload=alert(5)>", records(wire, bad), generated_at=GENERATED, stack="<i>stack</i>", region=REGION
    )
    for raw in ("alert(1)</script>", "<img src=x", "<script>alert(3)", "<b onmouseover", "<svg onload", "<i>stack"):
        assert raw not in page
    assert '<p class="reason">&lt;script&gt;alert(1)&lt;/script&gt;</p>' in page
    assert "<title>Right-sizing report: &lt;svg onload=alert(5)&gt;</title>" in page
    assert "<li>&lt;b onmouseover=alert(4)&gt;x&lt;/b&gt;</li>" in page
    # In the charts' JSON: no character that could end its element; plotly shows the text as written.
    cost = chart_figure(page, "chart-cost")
    assert trace(cost, "recommendations")["text"][0] == "&lt;img src=x onerror=alert(2)&gt;"
    assert cost["layout"]["annotations"][0]["text"] == "&lt;img src=x onerror=alert(2)&gt;"
    scripts = re.findall(r"<script[^>]*>", page)
    assert scripts == ["<script>"] + [f'<script type="application/json" data-chart="{c}">' for c in CHART_IDS] + [
        "<script>"
    ]


CHART_IDS = ["chart-cost", "chart-latency", "chart-monthly", "chart-history"]


class Resources(HTMLParser):
    """Every tag that would fetch something, and every anchor."""

    def __init__(self) -> None:
        super().__init__()
        self.fetches: list[tuple[str, str]] = []
        self.anchors: list[str] = []
        self.tags: list[str] = []

    def handle_starttag(self, tag: str, attrs: list[tuple[str, str | None]]) -> None:
        self.tags.append(tag)
        values = dict(attrs)
        if tag == "a":
            self.anchors.append(values.get("href") or "")
            return
        for name in ("src", "href", "srcset", "data", "poster"):
            if values.get(name):
                self.fetches.append((tag, values[name] or ""))


def test_the_page_is_self_contained() -> None:
    page = demo_page()
    parser = Resources()
    parser.feed(page)
    assert parser.fetches == []  # no script, style, font, image or frame from anywhere
    assert "link" not in parser.tags
    assert "img" not in parser.tags
    assert re.findall(r"<(?:script|link|img|iframe|source|embed|object)\b[^>]*\b(?:src|href|data)\s*=", page) == []
    assert "@import" not in page
    assert "url(http" not in page
    assert all(a.startswith(f"https://{REGION}.console.aws.amazon.com/") for a in parser.anchors)
    assert len(parser.anchors) == 2 * 8 + 1  # execution and job of each run, execution only when REJECTED
    # plotly.js once, inline, and every chart drawn by it from its JSON.
    assert page.count("* plotly.js v") == 1
    assert page.count("Plotly.newPlot(") == 1
    assert re.findall(r'<div class="plot" id="([^"]+)"></div>', page) == CHART_IDS


# --------------------------------------------------------------------------- a long history
def fifty_runs() -> list[RunRecord]:
    """Fifty weekly runs: every seventh FAILED, a regression every eleventh, traffic growing."""
    wires = []
    for n in range(50):
        started = week(n)
        if n % 7 == 3:
            wires.append(failed(started, reason=f"job {_job_name(started)} failed: Benchmarks failed."))
            continue
        throughput = 300 - (75 if n % 11 == 5 else 0) + n % 4
        wires.append(
            completed(
                started,
                current=(throughput, 560 + 3 * (n % 5) + (224 if n % 11 == 5 else 0)),
                traffic=(734 - 6 * n, 693 - 6 * n, 363 - 3 * n),
                regression=regressed(week(n + 1), throughput=25, latency=40) if n % 11 == 5 else None,
            )
        )
    return records(*wires)


def test_fifty_runs_are_all_listed() -> None:
    runs = fifty_runs()
    page = demo_page(runs)
    rows = re.findall(r"<tr>", section(page, "runs"))
    assert len(rows) == 51
    assert len(re.findall(r"<tr>", section(page, "failed"))) == 1 + sum(r.status == "FAILED" for r in runs)
    assert "50 runs, 43 completed" in text_of(page.split("</header>")[0])
    history = chart_figure(page, "chart-history")
    assert len(history["layout"]["shapes"]) == 3 * sum(1 for r in runs if r.regression)


@pytest.mark.parametrize("order", ["newest first", "oldest first"])
def test_order_of_the_input_does_not_matter(order: str) -> None:
    runs = demo_history()
    given = runs if order == "newest first" else list(reversed(runs))
    assert demo_page(given) == demo_page(runs)
