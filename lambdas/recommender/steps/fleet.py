"""The fleet state machine's steps: Select Endpoints (which endpoints, each child run's input, how
many at once) and Summarize Fleet (one record and one notification for the whole fleet)."""

from __future__ import annotations

from datetime import datetime
from typing import Any

from recommender.adapters import notifier, quotas, sagemaker
from recommender.adapters.store import FLEET_KEY, Store
from recommender.logic import fleet
from recommender.models import ExecutionRef, FleetInput, FleetItem, FleetRecord, FleetSelection, RunRecord, iso
from recommender.settings import Settings


def select_endpoints(raw_input: Any, execution: ExecutionRef, *, cfg: Settings) -> FleetSelection:
    """The fleet input's endpoints, read from SageMaker: ListEndpoints (narrowed by the name
    prefix), and ListTags for the endpoints whose tags decide (tag selection, model package tag)."""
    request = FleetInput.parse(raw_input)
    listed = sagemaker.list_endpoints(request.name_prefix)
    wanted = {name.lower() for name in request.endpoints or []}
    listings = []
    for name, arn, status in listed:
        if request.name_prefix is not None and not name.startswith(request.name_prefix):
            continue
        if request.endpoints is not None and name.lower() not in wanted:
            continue
        needs_tags = request.tags is not None or name not in request.model_packages
        listings.append(fleet.EndpointListing(name, status, sagemaker.tags_of(arn) if needs_tags else {}))
    items, skipped = fleet.select(request, listings, fleet_execution_name=execution.name)
    return FleetSelection(
        fleet_name=execution.name,
        execution_arn=execution.id,
        started_at=execution.started_at,
        trigger=request.trigger,
        items=items,
        skipped=skipped,
        **_concurrency(request, cfg),
    )


def _concurrency(request: FleetInput, cfg: Settings) -> dict[str, Any]:
    """The fleet's cap: its input's, else the account's quota in Service Quotas, else the config's."""
    if request.max_concurrent_jobs is not None:
        return {"max_concurrency": request.max_concurrent_jobs, "concurrency_source": "input"}
    quota = quotas.concurrent_job_quota()
    if quota is not None:
        return {"max_concurrency": quota, "concurrency_source": "service-quotas"}
    return {"max_concurrency": cfg.fleet_max_concurrent_jobs, "concurrency_source": "config"}


def summarize_fleet(
    selection: FleetSelection,
    results: list[dict[str, Any]],
    *,
    child_state_machine_arn: str,
    cfg: Settings,
    store: Store,
    now: datetime,
) -> FleetRecord:
    """Each child's outcome (the Map's results: `executionStatus` per child) with its run record,
    stored under `(fleet)` and announced once."""
    status_by_child = {str(result.get("childName")): str(result.get("executionStatus", "FAILED")) for result in results}
    prefix = child_state_machine_arn.replace(":stateMachine:", ":execution:", 1)
    runs: list[tuple[FleetItem, str, RunRecord | None]] = []
    for item in selection.items:
        run = store.run_of_execution(item.endpoint_name, f"{prefix}:{item.child_name}")
        runs.append((item, status_by_child.get(item.child_name, "UNKNOWN"), run))
    lines = fleet.summarize(runs)
    record = FleetRecord(
        fleet_name=selection.fleet_name,
        execution_arn=selection.execution_arn,
        started_at=selection.started_at,
        finished_at=iso(now),
        trigger=selection.trigger,
        runs=lines,
        skipped=selection.skipped,
        total_monthly_savings=fleet.total_savings(lines),
        max_concurrency=selection.max_concurrency,
        concurrency_source=selection.concurrency_source,
    )
    # Notified once: `notifiedAt` is set after SNS accepted the message (as for run items).
    if store.put_fleet(record):
        notifier.publish(cfg.topic_arn, fleet.notification(record))
        store.mark_notified(FLEET_KEY, store.fleet_key(record), iso(now))
    return record
