"""The notification's text where mutation testing found it unpinned (make mutation, issue 11)."""

from __future__ import annotations

from recommender.logic.notification import regression_text
from recommender.models import Regression, RunRecord

RECORD = RunRecord.model_validate(
    {
        "endpointName": "demo-endpoint",
        "status": "COMPLETED",
        "jobName": "job-name",
        "executionArn": "arn:aws:states:us-east-1:123456789012:execution:Workflow:run-1",
        "startedAt": "2026-11-25T03:00:00Z",
    }
)


def test_no_regression_no_text() -> None:
    assert regression_text(RECORD) == ""


def test_a_previous_run_without_a_job_is_named_by_its_start() -> None:
    found = Regression(throughput_drop_percent=12, previous_run_key="RUN#2026-11-18T03:00:00Z")
    assert regression_text(RECORD.model_copy(update={"regression": found})) == (
        "Regression since 2026-11-18T03:00:00Z: throughput -12 %"
    )
