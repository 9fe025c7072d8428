"""Step Functions: the status of the step's own execution."""

from __future__ import annotations

from recommender.adapters.aws import client


def execution_status(execution_arn: str) -> str:
    """RUNNING, SUCCEEDED, FAILED, TIMED_OUT, ABORTED or PENDING_REDRIVE."""
    return str(client("stepfunctions").describe_execution(executionArn=execution_arn)["status"])
