"""The SNS message: JSON for programs, plain text for people, attributes for filter policies.

Size: SNS takes at most 256 KB per message, attributes included. The JSON document is sent once,
as `default` (SNS gives it to every protocol without a member of its own: SQS, Lambda, HTTPS),
beside the `email` text. A run whose message would still be too large is summarised: the
lowest-ranked recommendations are left out (`recommendationsOmitted` says how many) and the
document names where the whole record is stored (`endpointName` + `runKey` in the table).
"""

from __future__ import annotations

import json
from dataclasses import dataclass
from typing import Any

from recommender.logic.failure import ADVICE
from recommender.models import Recommendation, RunRecord

SUBJECT_MAX = 100
SNS_MESSAGE_MAX_BYTES = 262_144  # message + attributes (+ subject, counted for safety)


@dataclass(frozen=True)
class Notification:
    subject: str
    message: str  # MessageStructure=json document
    attributes: dict[str, dict[str, str]]


def console_urls(record: RunRecord, region: str) -> dict[str, str]:
    urls = {}
    if record.execution_arn:
        urls["execution"] = (
            f"https://{region}.console.aws.amazon.com/states/home?region={region}"
            f"#/v2/executions/details/{record.execution_arn}"
        )
    if record.job_arn:
        urls["job"] = (
            f"https://{region}.console.aws.amazon.com/sagemaker/home?region={region}"
            f"#/inference-recommender/jobs/{record.job_name}"
        )
    return urls


def subject_line(record: RunRecord) -> str:
    """The verdict when the run reached one, else the status: `Right-size my-endpoint: ml.c6i.xlarge
    saves $412/month`, `Right-size my-endpoint: keep ml.m5.xlarge x2`, `Inference recommendation
    FAILED: my-endpoint`."""
    verdict = record.verdict
    # The endpoint the verdict is about (the production endpoint when a staging copy was benchmarked).
    endpoint = record.target_endpoint.endpoint_name if record.target_endpoint else record.endpoint_name
    if verdict and verdict.decision == "CHANGE" and verdict.instance_type:
        if verdict.monthly_savings is not None and verdict.monthly_savings > 0:
            what = f"{verdict.instance_type} saves ${verdict.monthly_savings:,.0f}/month"
        else:
            what = f"change to {verdict.instance_type} x{verdict.instance_count}"
        return f"Right-size {endpoint}: {what}"[:SUBJECT_MAX]
    if verdict and verdict.decision == "KEEP" and verdict.instance_type:
        return f"Right-size {endpoint}: keep {verdict.instance_type} x{verdict.instance_count}"[:SUBJECT_MAX]
    return f"Inference recommendation {record.status}: {record.endpoint_name}"[:SUBJECT_MAX]


def build(record: RunRecord, region: str) -> Notification:
    subject = subject_line(record)
    attributes = {
        name: {"DataType": "String", "StringValue": value}
        for name, value in (
            ("kind", "run"),  # fleet summaries are "fleet" (recommender.logic.fleet)
            ("endpointName", record.endpoint_name),
            ("status", record.status),
            ("jobType", record.job_type or "unknown"),
            ("regression", "true" if record.regression else "false"),
            ("verdict", record.verdict.decision if record.verdict else "UNKNOWN"),
        )
    }
    overhead = len(subject.encode()) + sum(len(k) + len(json.dumps(v)) for k, v in attributes.items())
    recommendations = record.recommendations or []
    keep = len(recommendations)
    while True:
        message = _message(record, region, keep)
        if len(message.encode()) + overhead <= SNS_MESSAGE_MAX_BYTES or keep == 0:
            break
        keep //= 2  # halving finds a size that fits in a few tries whatever the job returned
    return Notification(subject=subject, message=message, attributes=attributes)


def _message(record: RunRecord, region: str, keep: int) -> str:
    """The MessageStructure=json document with the first `keep` recommendations."""
    total = len(record.recommendations or [])
    shown = record.model_copy(update={"recommendations": (record.recommendations or [])[:keep]}) if total else record
    urls = console_urls(record, region)
    document: dict[str, Any] = {**shown.wire(), "runKey": record.run_key, "consoleUrl": urls}
    if keep < total:
        document["recommendationsOmitted"] = total - keep + (record.recommendations_omitted or 0)
    return json.dumps(
        {"default": json.dumps(document, separators=(",", ":")), "email": email_text(shown, urls, total=total)}
    )


def _num(value: float | None, fmt: str = "{:,.0f}") -> str:
    return "n/a" if value is None else fmt.format(value)


def _table(recs: list[Recommendation]) -> list[str]:
    header = (
        f"{'#':>2}  {'instance':<18}{'count':>5}  {'$/hour':>8}  {'$/1M inf.':>10}  "
        f"{'inv/min/inst':>12}  {'latency ms':>10}"
    )
    rows = [header, "-" * len(header)]
    for rec in recs:
        per_million = None if rec.cost_per_inference is None else rec.cost_per_inference * 1e6
        rows.append(
            f"{rec.rank:>2}  {rec.instance_type or 'n/a':<18}{_num(rec.instance_count):>5}  "
            f"{_num(rec.cost_per_hour, '{:.4f}'):>8}  {_num(per_million, '{:.2f}'):>10}  "
            f"{_num(rec.max_invocations):>12}  {_num(rec.model_latency_ms):>10}"
        )
    return rows


def duration_text(seconds: int) -> str:
    """One way to write a duration everywhere: `45 min`, `1 h 5 min`, `2 min 5 s`, `0 s`."""
    hours, rest = divmod(max(0, seconds), 3600)
    minutes, secs = divmod(rest, 60)
    parts = [f"{hours} h" if hours else "", f"{minutes} min" if minutes else "", f"{secs} s" if secs else ""]
    return " ".join(part for part in parts if part) or "0 s"


def _decision(record: RunRecord) -> list[str]:
    """The verdict first, with the figures it rests on and where each came from."""
    verdict = record.verdict
    if verdict is None:
        return []
    if verdict.decision == "CHANGE":
        head = f"Verdict: CHANGE to {verdict.instance_type} x{verdict.instance_count}"
        if verdict.monthly_savings is not None:
            word = "saving" if verdict.monthly_savings >= 0 else "costing"
            head += f", {word} ${abs(verdict.monthly_savings):,.2f}/month"
            if verdict.savings_percent is not None:
                head += f" ({abs(verdict.savings_percent):g} %)"
    elif verdict.decision == "KEEP":
        head = f"Verdict: KEEP the current endpoint ({verdict.instance_type} x{verdict.instance_count})"
    else:
        head = "Verdict: UNKNOWN"
    lines = [head, f"Why: {verdict.reason}"]
    traffic, prices = record.traffic, record.prices
    if traffic:
        lines.append(
            f"Observed traffic (CloudWatch, {traffic.window_days} days): peak {_num(traffic.peak_per_minute)}, "
            f"p95 {_num(traffic.p95_per_minute)}, mean {_num(traffic.mean_per_minute, '{:,.1f}')} invocations/min"
        )
    if prices and prices.current_per_hour is not None and record.target_endpoint:
        lines.append(
            f"Current cost: ${_num(record.target_endpoint.monthly_cost, '{:,.2f}')}/month "
            f"(${prices.current_per_hour:g}/hour per instance, {prices.source}, on demand, 730 h)"
        )
    return [*lines, *scaling_text(record), ""]


def scaling_text(record: RunRecord) -> list[str]:
    """`Autoscaling (the service's recommendation): min 1, max 3 instances, target 820 invocations
    per instance per minute; to apply:` and the two `aws application-autoscaling` lines."""
    from recommender.logic.scaling import INVOCATIONS_PER_INSTANCE, cli_line

    found = record.scaling
    if found is None:
        return []
    what = (
        "invocations per instance per minute"
        if found.metric == INVOCATIONS_PER_INSTANCE
        else f"{found.metric} per instance"
    )
    return [
        f"Autoscaling (the service's recommendation): min {found.min_capacity}, max {found.max_capacity} "
        f"instances, target {found.target_value:,.0f} {what}; to apply:",
        *(f"  {cli_line(request)}" for request in found.requests),
    ]


def email_text(record: RunRecord, urls: dict[str, str], *, total: int | None = None) -> str:
    """A summary a person can act on without opening the console.

    `total`: how many recommendations the run has when `record` carries only the first ones.
    """
    lines = [f"Inference Recommender run {record.status} for endpoint {record.endpoint_name}", ""]
    if record.job_arn:
        job = f"Job {record.job_name}" + (f" ({record.job_type})" if record.job_type else "")
    else:
        job = "No Inference Recommender job was started"
    lines.append(f"{job}; trigger {record.trigger or 'unknown'}")
    timing = f"Started {record.started_at}"
    if record.finished_at:
        timing += f", finished {record.finished_at}"
    if record.duration_seconds is not None:
        timing += f" ({duration_text(record.duration_seconds)})"
    lines += [timing, ""]
    if record.regression:  # an alert: above the decision, where it cannot be missed
        lines += [regression_text(record), ""]
    lines += _decision(record)
    current = record.current_endpoint
    if current:
        target = record.target_endpoint
        # A staging copy benchmarked for another endpoint: "current" is the target's (the verdict's).
        staged = target is not None and target.endpoint_name.lower() != record.endpoint_name.lower()
        label = f"Benchmarked endpoint {record.endpoint_name}" if staged else "Current endpoint"
        lines.append(
            f"{label}: {current.instance_type or 'n/a'} x{_num(current.instance_count)} "
            f"(variant {current.variant_name or 'n/a'}): "
            f"max {_num(current.max_invocations)} invocations/min per instance, "
            f"model latency {_num(current.model_latency_ms)} ms"
        )
    if record.recommendations:
        lines += ["", "Recommendations, cheapest per inference first:", *_table(record.recommendations)]
    shown = len(record.recommendations or [])
    if total is not None and total > shown:
        lines.append(f"... and {total - shown} more, lower-ranked, in the run record (too many for one message)")
    if record.recommendations_omitted:
        lines.append(
            f"... and {record.recommendations_omitted} more, lower-ranked, not stored (too many for one DynamoDB item)"
        )
    lines += _verdict(record)
    if record.failed_benchmarks:
        lines += ["", "Benchmarks that failed (no recommendation for them):"]
        lines += [f"  {failed.instance_type or 'n/a'}: {failed.reason}" for failed in record.failed_benchmarks]
    if record.status != "COMPLETED":
        if lines[-1]:  # one blank line between sections, never two
            lines.append("")
        lines.append(f"What happened: {record.failure_reason or 'unknown'}")
        lines += [f"  - {violation}" for violation in record.violations or []]
        lines += ["", ADVICE[record.status]]
    if urls:
        lines += ["", *(f"{name.capitalize()}: {url}" for name, url in urls.items())]
    return "\n".join(lines) + "\n"


def regression_text(record: RunRecord) -> str:
    """`Regression since <previous run>: throughput -12 %, latency +25 %` (the figures beyond their
    threshold only)."""
    found = record.regression
    if found is None:
        return ""
    figures = []
    if found.throughput_drop_percent is not None:
        figures.append(f"throughput -{found.throughput_drop_percent:g} %")
    if found.latency_rise_percent is not None:
        figures.append(f"latency +{found.latency_rise_percent:g} %")
    started, _, job = found.previous_run_key.removeprefix("RUN#").partition("#")
    previous = f"the run of {started} (job {job})" if job else started
    return f"Regression since {previous}: {', '.join(figures)}"


def _verdict(record: RunRecord) -> list[str]:
    if not (record.comparison and record.recommendations):
        return []
    comp = record.comparison
    chosen = next((r for r in record.recommendations if r.rank == comp.rank), None)
    if chosen is None:
        return []
    out = [
        "",
        f"Cheapest per inference: #{comp.rank} {chosen.instance_type} x{_num(chosen.instance_count)} "
        f"at ${_num(chosen.cost_per_hour, '{:.4f}')}/hour",
    ]
    changes: list[str] = []
    if comp.throughput_ratio is not None:
        changes.append(f"{comp.throughput_ratio:.2f}x the current maximum throughput")
    if comp.latency_delta_ms is not None:
        word = "faster" if comp.latency_delta_ms < 0 else "slower"
        changes.append(f"{abs(comp.latency_delta_ms):,.0f} ms {word} model latency")
    if changes:
        out.append("Compared with the current endpoint: " + ", ".join(changes) + ".")
    if chosen.environment:
        settings = ", ".join(f"{k}={v}" for k, v in chosen.environment.items())
        out.append(f"Serving settings: {settings}")
    if record.best:
        out.append(
            f"Highest throughput: #{record.best.highest_throughput}; lowest latency: #{record.best.lowest_latency}."
        )
    return out
