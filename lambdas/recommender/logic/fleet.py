"""Fleet runs: which endpoints a fleet input selects, the child run each gets, and the fleet's
summary. Pure: the Select Endpoints and Summarize Fleet steps feed it what AWS answered."""

from __future__ import annotations

import hashlib
from collections.abc import Iterable, Mapping
from dataclasses import dataclass, field
from typing import Any

from recommender.models import FleetInput, FleetItem, FleetRun, FleetSkip, RunRecord

# The endpoint tag that names the model package version an endpoint serves (fleets read it).
MODEL_PACKAGE_TAG = "rightsize:model-package-version-arn"
# Step Functions execution names: 1-80 characters.
EXECUTION_NAME_MAX = 80
CHILD_DIGEST_CHARS = 12


@dataclass(frozen=True)
class EndpointListing:
    """One endpoint as ListEndpoints and ListTags describe it."""

    name: str
    status: str
    tags: Mapping[str, str] = field(default_factory=dict)


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
                failure_reason=record.failure_reason if record else None,
            )
        )
    return lines


def total_savings(runs: list[FleetRun]) -> float:
    """Monthly savings if every CHANGE verdict that saves were applied (changes that cost more are
    forced by a target that cannot serve its peak: not savings)."""
    return round(
        sum(run.monthly_savings or 0 for run in runs if run.decision == "CHANGE" and (run.monthly_savings or 0) > 0),
        2,
    )
