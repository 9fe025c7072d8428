"""Typed errors of the workflow (their names are a contract, hence no "Error" suffix).

Step Functions sees a raised exception as `{"Error": <class name>, "Cause": <JSON with
errorMessage>}`, and the state machine's Retry/Catch name these classes, so the class names are
a contract: never rename one without changing the state machine and the README.

The message is what a person reads in the console and in the notification. For errors that carry
several violations, the message lists them one per line behind "- ", and `violations_from_message`
reads them back: that round trip is how the failure step recovers the list from a Catch.
"""

from __future__ import annotations

VIOLATION_BULLET = "- "


class RecommenderError(Exception):
    """Base class of the workflow's errors."""


class _ViolationsError(RecommenderError):
    headline = "Request rejected"

    def __init__(self, violations: list[str], subject: str = "") -> None:
        self.violations = list(violations)
        head = f"{self.headline}: {subject}" if subject else self.headline
        super().__init__("\n".join([head, *(VIOLATION_BULLET + v for v in self.violations)]))


class InvalidExecutionInput(_ViolationsError):
    """The execution input breaks the contract; every bad field is named with its rule."""

    headline = "Invalid execution input"


class EndpointNotEligible(_ViolationsError):
    """The endpoint breaks one or more eligibility rules; all of them are listed."""

    headline = "Endpoint is not eligible for an Inference Recommender job"


class EndpointBusy(RecommenderError):
    """Another execution holds the endpoint's lock."""


class JobFailed(RecommenderError):
    """The Inference Recommender job ended FAILED; the message carries the service's reasons."""


class JobStopped(RecommenderError):
    """The job ended STOPPED or DELETED without this workflow asking for it."""


class JobTimedOut(RecommenderError):
    """The run passed its deadline (`maxRunHours`); the job was asked to stop."""


class JobSlotUnavailable(RecommenderError):
    """The account runs as many Inference Recommender jobs as its quota allows (the service's
    `ResourceLimitExceeded`): the state machine retries Start Job with backoff until a slot frees or
    the run's deadline passes (infra/workflow.py, `SLOT_WAIT`)."""


class JobConflict(RecommenderError):
    """A job with this run's name exists but was not started by this run."""


class TransientAwsError(RecommenderError):
    """An AWS call was throttled or hit a 5xx after botocore's own retries.

    The state machine retries this one (with backoff and jitter); every other class here is final.
    """


def violations_from_message(message: str) -> list[str]:
    """Read back the violations that `_ViolationsError` put in its message."""
    return [line[len(VIOLATION_BULLET) :] for line in message.splitlines() if line.startswith(VIOLATION_BULLET)]
