"""Fleet runs: which endpoints a fleet input selects, the child run each gets, and the fleet's
summary. Pure: the Select Endpoints and Summarize Fleet steps feed it what AWS answered."""

from __future__ import annotations

import hashlib
import json
import re
from collections.abc import Iterable, Mapping
from dataclasses import dataclass, field
from typing import Any

from recommender.logic.notification import SNS_MESSAGE_MAX_BYTES, SUBJECT_MAX, Notification
from recommender.models import FleetInput, FleetItem, FleetRecord, FleetRun, FleetSkip, RunRecord

# The endpoint tag that names the model package version an endpoint serves (fleets read it).
MODEL_PACKAGE_TAG = "rightsize:model-package-version-arn"
# Step Functions execution names: 1-80 characters.
EXECUTION_NAME_MAX = 80
CHILD_DIGEST_CHARS = 12
# A run's failure reason in the fleet's summary, at most (the child's own run record keeps it all):
# a fleet's record of ~500 runs (the inline Map's bound, README) stays within DynamoDB's 400 KB item.
FAILURE_REASON_MAX = 300
# The Service Quotas quota of concurrent Inference Recommender jobs, known by its name (the
# service's ResourceLimitExceeded message quotes "Number of concurrent inference recommendations
# jobs"), and the most a fleet runs at once whatever it says (FleetInput.maxConcurrentJobs' bound).
# Not "concurrent load tests per inference recommendations job", another quota of the listing.
JOB_QUOTA_NAME = re.compile(r"\bconcurrent\s+inference\s+recommend(?:er|ations?)\s+jobs\b", re.IGNORECASE)
JOB_QUOTA_MAX = 1000
QUOTA_SOURCE_TEXT = {"input": "the fleet input", "service-quotas": "Service Quotas", "config": "fleetMaxConcurrentJobs"}


@dataclass(frozen=True)
class EndpointListing:
    """One endpoint as ListEndpoints and ListTags describe it."""

    name: str
    status: str
    tags: Mapping[str, str] = field(default_factory=dict)


def is_job_quota(quota_name: str) -> bool:
    """Whether a Service Quotas quota of SageMaker is the concurrent Inference Recommender jobs one."""
    return JOB_QUOTA_NAME.search(quota_name) is not None


def child_name(fleet_execution_name: str, endpoint: str) -> str:
    """The child execution's name: the same for the same fleet execution and endpoint (a retried
    start finds its child instead of starting a second), distinct across endpoints, at most 80
    characters: `<fleet execution name, cut>-<digest of both>`."""
    digest = hashlib.sha256(f"{fleet_execution_name}#{endpoint.lower()}".encode()).hexdigest()[:CHILD_DIGEST_CHARS]
    head = fleet_execution_name[: EXECUTION_NAME_MAX - CHILD_DIGEST_CHARS - 1].rstrip("-")
    return f"{head}-{digest}"


def _selected(request: FleetInput, endpoint: EndpointListing) -> bool:
    if request.endpoints is not None:
        return endpoint.name.lower() in {name.lower() for name in request.endpoints}
    if request.name_prefix is not None:
        return endpoint.name.startswith(request.name_prefix)
    return all(endpoint.tags.get(key) == value for key, value in (request.tags or {}).items())


def select(
    request: FleetInput, endpoints: Iterable[EndpointListing], *, fleet_execution_name: str
) -> tuple[list[FleetItem], list[FleetSkip]]:
    """The child runs of the selected endpoints (name order), and the selected or named endpoints
    that get none, each with its reason."""
    found = {endpoint.name.lower(): endpoint for endpoint in endpoints}
    items: list[FleetItem] = []
    skipped: list[FleetSkip] = []
    for name in sorted(request.endpoints or []):
        if name.lower() not in found:
            skipped.append(FleetSkip(endpoint_name=name, reason="no such endpoint in this account and region"))
    for endpoint in sorted(found.values(), key=lambda e: e.name):
        if not _selected(request, endpoint):
            continue
        if endpoint.status != "InService":
            skipped.append(FleetSkip(endpoint_name=endpoint.name, reason=f"endpoint status is {endpoint.status}"))
            continue
        package = request.model_packages.get(endpoint.name) or endpoint.tags.get(MODEL_PACKAGE_TAG)
        if not package:
            skipped.append(
                FleetSkip(
                    endpoint_name=endpoint.name,
                    reason=f"no model package: tag the endpoint {MODEL_PACKAGE_TAG}=<model package version ARN> "
                    "or name it in the input's modelPackages",
                )
            )
            continue
        child_input: dict[str, Any] = {
            "endpointName": endpoint.name,
            "modelPackageVersionArn": package,
            **request.child_fields(),
            "trigger": f"fleet:{fleet_execution_name}",
        }
        items.append(
            FleetItem(
                endpoint_name=endpoint.name,
                child_name=child_name(fleet_execution_name, endpoint.name),
                input=child_input,
            )
        )
    return items, skipped


def summarize(runs: list[tuple[FleetItem, str, RunRecord | None]]) -> list[FleetRun]:
    """One line per child: its execution status, and from its run record the run's status, verdict
    and monthly savings (absent when the child wrote none)."""
    lines = []
    for item, execution_status, record in runs:
        verdict = record.verdict if record else None
        lines.append(
            FleetRun(
                endpoint_name=item.endpoint_name,
                child_name=item.child_name,
                execution_status=execution_status,
                status=record.status if record else None,
                decision=verdict.decision if verdict else None,
                instance_type=verdict.instance_type if verdict else None,
                instance_count=verdict.instance_count if verdict else None,
                monthly_savings=verdict.monthly_savings if verdict else None,
                failure_reason=_cut(record.failure_reason) if record else None,
            )
        )
    return lines


def _cut(reason: str | None) -> str | None:
    if reason is None or len(reason) <= FAILURE_REASON_MAX:
        return reason
    return reason[: FAILURE_REASON_MAX - 1] + "…"


def total_savings(runs: list[FleetRun]) -> float:
    """Monthly savings if every CHANGE verdict that saves were applied (changes that cost more are
    forced by a target that cannot serve its peak: not savings)."""
    return round(
        sum(run.monthly_savings or 0 for run in runs if run.decision == "CHANGE" and (run.monthly_savings or 0) > 0),
        2,
    )


def subject(record: FleetRecord) -> str:
    """`Fleet <name>: 12 runs, 5 CHANGE, saves $1,234/month` (at most 100 characters)."""
    changes = sum(run.decision == "CHANGE" for run in record.runs)
    saves = f", saves ${record.total_monthly_savings:,.0f}/month" if record.total_monthly_savings > 0 else ""
    return f"Fleet {record.fleet_name}: {len(record.runs)} runs, {changes} CHANGE{saves}"[:SUBJECT_MAX]


def email_text(record: FleetRecord, *, runs_shown: int | None = None, skipped_shown: int | None = None) -> str:
    """The fleet's summary as a readable table: one line per run, then the skipped endpoints (the
    first `runs_shown` / `skipped_shown` of them when given, with a line saying how many more)."""
    completed = sum(run.status == "COMPLETED" for run in record.runs)
    lines = [
        f"Fleet run {record.fleet_name}: {len(record.runs)} runs ({completed} completed), "
        f"{len(record.skipped)} endpoints skipped; at most {record.max_concurrency} jobs at once"
        + (f" ({QUOTA_SOURCE_TEXT[record.concurrency_source]})" if record.concurrency_source else ""),
        f"Started {record.started_at}, finished {record.finished_at}; trigger {record.trigger}",
        "",
        f"Savings if every CHANGE verdict were applied: ${record.total_monthly_savings:,.2f}/month",
        "",
        f"{'endpoint':<40} {'run':<10} {'verdict':<28} {'saves $/month':>14}",
        "-" * 95,
    ]
    runs = record.runs[:runs_shown]
    for run in runs:
        verdict: str = run.decision or "-"
        if run.decision and run.instance_type:
            verdict = f"{run.decision} {run.instance_type} x{run.instance_count}"
        saves = f"{run.monthly_savings:,.2f}" if run.monthly_savings is not None else "-"
        lines.append(f"{run.endpoint_name:<40} {run.status or run.execution_status:<10} {verdict:<28} {saves:>14}")
        if run.failure_reason:
            lines.append(f"    {run.failure_reason[:FAILURE_REASON_MAX]}")
    if len(runs) < len(record.runs):
        lines.append(_left_out(record, "runs", [run.endpoint_name for run in record.runs[len(runs) :]]))
    if record.skipped:
        skipped = record.skipped[:skipped_shown]
        lines += ["", "Skipped:"]
        lines += [f"  {skip.endpoint_name}: {skip.reason}" for skip in skipped]
        if len(skipped) < len(record.skipped):
            left = [skip.endpoint_name for skip in record.skipped[len(skipped) :]]
            lines.append(_left_out(record, "skipped endpoints", left))
    return "\n".join(lines) + "\n"


def _left_out(record: FleetRecord, what: str, names: list[str]) -> str:
    return (
        f"... and {len(names)} more {what} ({names[0]} to {names[-1]}), left out of this message by its size "
        f"limit: `rightsize fleet status {record.fleet_name}` and the fleet's record (partition (fleet)) have them all"
    )


def notification(record: FleetRecord) -> Notification:
    """One SNS message for the fleet: the record as JSON (`default`), the table (`email`); the
    attribute `kind` = `fleet` sets it apart from the per-endpoint messages (`kind` = `run`).

    Too large for one message, it carries the first runs (then the first skipped endpoints) that
    fit, and says how many it leaves out: `runsOmitted` / `skippedOmitted` in the JSON, a line in
    the table (the stored record has them all)."""
    attributes = {
        name: {"DataType": "String", "StringValue": value}
        for name, value in (("kind", "fleet"), ("status", "COMPLETED"), ("fleetName", record.fleet_name))
    }
    runs, skipped = len(record.runs), len(record.skipped)
    while True:
        document = record.model_copy(update={"runs": record.runs[:runs], "skipped": record.skipped[:skipped]}).wire()
        if runs < len(record.runs):
            document["runsOmitted"] = len(record.runs) - runs
        if skipped < len(record.skipped):
            document["skippedOmitted"] = len(record.skipped) - skipped
        email = email_text(record, runs_shown=runs, skipped_shown=skipped)
        message = json.dumps({"default": json.dumps(document, separators=(",", ":")), "email": email})
        if len(message.encode()) <= SNS_MESSAGE_MAX_BYTES - 2048 or runs == skipped == 0:
            return Notification(subject=subject(record), message=message, attributes=attributes)
        # Halving what is left finds a size that fits in a few tries: runs first, then skipped.
        if runs:
            runs //= 2
        else:
            skipped //= 2
