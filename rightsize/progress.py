"""Where a running execution is, read from its history: the state it is in, the job's status as the
last check saw it, the checks so far, and when the next one is due."""

from __future__ import annotations

import json
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta
from typing import Any

CHECK_STATE = "Check Job"
WAIT_STATE = "Wait For Job"


@dataclass(frozen=True)
class Progress:
    status: str  # the execution's: RUNNING, SUCCEEDED, FAILED, TIMED_OUT, ABORTED
    state: str | None  # the state it is in (or ended in)
    job_name: str | None
    job_status: str | None  # as the last check saw it
    checks: int
    started: datetime
    elapsed_seconds: float
    next_check: datetime | None  # while waiting for the job

    def wire(self) -> dict[str, Any]:
        return {
            "status": self.status,
            "state": self.state,
            "jobName": self.job_name,
            "jobStatus": self.job_status,
            "checks": self.checks,
            "startedAt": _iso(self.started),
            "elapsedSeconds": round(self.elapsed_seconds),
            "nextCheckAt": _iso(self.next_check) if self.next_check else None,
        }


def read(execution: dict[str, Any], events: list[dict[str, Any]], *, now: datetime | None = None) -> Progress:
    """The progress of `execution` (describe_execution) from its history events (oldest first)."""
    started = _utc(execution["startDate"])
    ended = execution.get("stopDate")
    moment = _utc(ended) if ended else _utc(now or datetime.now(UTC))
    state, entered = None, started
    job_name = job_status = None
    checks = 0
    next_wait: float | None = None
    for event in events:
        if "stateEnteredEventDetails" in event:
            state = event["stateEnteredEventDetails"]["name"]
            entered = _utc(event["timestamp"])
            checks += state == CHECK_STATE
        exited = event.get("stateExitedEventDetails")
        if exited:
            output = _json(exited.get("output"))
            job_name = output.get("jobName") or job_name
            poll = output.get("poll")
            if isinstance(poll, dict):
                job_status = poll.get("status") or job_status
                next_wait = poll.get("nextWaitSeconds", next_wait)
    next_check = None
    if not ended and state == WAIT_STATE and next_wait is not None:
        next_check = entered + timedelta(seconds=float(next_wait))
    return Progress(
        status=str(execution["status"]),
        state=state,
        job_name=job_name,
        job_status=job_status,
        checks=checks,
        started=started,
        elapsed_seconds=max(0.0, (moment - started).total_seconds()),
        next_check=next_check,
    )


def _json(text: Any) -> dict[str, Any]:
    try:
        value = json.loads(text) if isinstance(text, str) else {}
    except ValueError:
        return {}
    return value if isinstance(value, dict) else {}


def _utc(moment: datetime) -> datetime:
    return moment.astimezone(UTC) if moment.tzinfo else moment.replace(tzinfo=UTC)


def _iso(moment: datetime) -> str:
    return moment.astimezone(UTC).strftime("%Y-%m-%dT%H:%M:%SZ")


@dataclass(frozen=True)
class FleetProgress:
    """A fleet execution's children, from its history: how many, started, done, failed."""

    status: str
    endpoints: int | None  # known once the Map has started
    started: int
    succeeded: int
    failed: int
    elapsed_seconds: float

    def wire(self) -> dict[str, Any]:
        return {
            "status": self.status,
            "endpoints": self.endpoints,
            "started": self.started,
            "succeeded": self.succeeded,
            "failed": self.failed,
            "elapsedSeconds": round(self.elapsed_seconds),
        }


def read_fleet(
    execution: dict[str, Any], events: list[dict[str, Any]], *, now: datetime | None = None
) -> FleetProgress:
    """The progress of a fleet execution (describe_execution) from its history events."""
    started = _utc(execution["startDate"])
    ended = execution.get("stopDate")
    moment = _utc(ended) if ended else _utc(now or datetime.now(UTC))
    endpoints = None
    counts = {"Run Endpoint": 0, "Child Done": 0, "Child Failed": 0}
    for event in events:
        details = event.get("mapStateStartedEventDetails")
        if details is not None:
            endpoints = int(details.get("length", 0))
        entered = event.get("stateEnteredEventDetails")
        if entered and entered.get("name") in counts:
            counts[entered["name"]] += 1
    return FleetProgress(
        status=str(execution["status"]),
        endpoints=endpoints,
        started=counts["Run Endpoint"],
        succeeded=counts["Child Done"],
        failed=counts["Child Failed"],
        elapsed_seconds=max(0.0, (moment - started).total_seconds()),
    )
