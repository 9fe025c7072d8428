"""Which run status a failure gets, and the reason a person reads."""

from __future__ import annotations

import json

from recommender.errors import violations_from_message
from recommender.models import RunStatus

# Error names are the exception class names in recommender.errors (the Catch's `Error`).
STATUS_BY_ERROR: dict[str, RunStatus] = {
    "InvalidExecutionInput": "REJECTED",
    "EndpointNotEligible": "REJECTED",
    "EndpointBusy": "REJECTED",
    "JobFailed": "FAILED",
    "JobStopped": "STOPPED",
    "JobTimedOut": "TIMED_OUT",
    # Start Job's retries while waiting for a job slot ran out (the run's deadline): no job exists.
    "JobSlotUnavailable": "TIMED_OUT",
}
STATUS_BY_EXECUTION: dict[str, RunStatus] = {"ABORTED": "ABORTED", "TIMED_OUT": "TIMED_OUT"}
# Failures after which no job of this run can exist (nothing to stop). JobConflict: the job under
# this run's name belongs to someone else; it must not be touched.
NO_JOB_ERRORS = frozenset(
    {"InvalidExecutionInput", "EndpointNotEligible", "EndpointBusy", "JobConflict", "JobSlotUnavailable"}
)
ADVICE: dict[RunStatus, str] = {
    "REJECTED": "Nothing was started. Fix the problems listed and start a new execution.",
    "FAILED": "The job failed. Fix the cause named above (often the model package, its sample payload "
    "or the job role) and start a new execution.",
    "STOPPED": "The job was stopped outside this workflow. Start a new execution when the endpoint is free.",
    "TIMED_OUT": "The run passed maxRunHours and its job was stopped. Raise maxRunHours, or use a "
    "shorter Advanced job (fewer tests, a shorter traffic pattern).",
    "ABORTED": "The execution was stopped; its job was stopped and the endpoint lock released.",
    "ERROR": "An unexpected error ended the run; its job was stopped and the endpoint lock released. "
    "See the execution's event history and the function logs.",
    "COMPLETED": "",
}


def status_for(error_name: str | None, execution_status: str | None = None) -> RunStatus:
    if execution_status in STATUS_BY_EXECUTION:
        return STATUS_BY_EXECUTION[execution_status]
    return STATUS_BY_ERROR.get(error_name or "", "ERROR")


def error_message(cause: str | None) -> str:
    """The readable message inside a Step Functions `Cause` (a Lambda error's JSON, or text)."""
    if not cause:
        return ""
    try:
        parsed = json.loads(cause)
    except ValueError:
        return cause
    if isinstance(parsed, dict) and isinstance(parsed.get("errorMessage"), str):
        return str(parsed["errorMessage"])
    return cause


def reason_and_violations(error_name: str | None, cause: str | None) -> tuple[str, list[str]]:
    """(failureReason, violations) for the run record; violations only for rejected input/endpoints."""
    message = error_message(cause)
    violations = violations_from_message(message)
    reason = message.splitlines()[0] if violations else message
    if not reason:
        reason = error_name or "unknown error"
    return reason, violations
