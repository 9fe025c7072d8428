"""The SNS message: JSON run record for programs, readable text for email, filterable attributes."""

from __future__ import annotations

import json

from recommender.logic.notification import build
from recommender.models import EndpointSnapshot, RunRecord
from recommender.steps.publish import completed_record
from tests.conftest import load_fixture

EXECUTION = "arn:aws:states:us-east-1:123456789012:execution:Workflow:run-1"


def completed() -> RunRecord:
    return completed_record(
        load_fixture("describe_job_existing_endpoint_api_shape.json"),
        endpoint_name="endpoint-name",
        job_name="job-name",
        started_at="2022-10-04T22:35:00Z",
        snapshot=EndpointSnapshot(variant_name="AllTraffic", instance_type="ml.m5.xlarge", instance_count=1),
        execution_arn=EXECUTION,
        trigger="schedule:weekly",
    )


def test_json_protocols_carry_the_run_record_and_console_links() -> None:
    record = completed()
    message = json.loads(build(record, "us-east-1").message)
    assert set(message) == {"default", "sqs", "lambda", "https", "email"}
    document = json.loads(message["default"])
    assert message["sqs"] == message["lambda"] == message["https"] == message["default"]
    assert {k: v for k, v in document.items() if k != "consoleUrl"} == record.wire()
    assert document["recommendations"][0]["costPerInference"] == 7.456940238625975e-06
    assert EXECUTION in document["consoleUrl"]["execution"]
    assert "job-name" in document["consoleUrl"]["job"]


def test_subject_and_attributes() -> None:
    note = build(completed(), "us-east-1")
    assert note.subject == "Inference recommendation COMPLETED: endpoint-name"
    assert note.attributes == {
        "endpointName": {"DataType": "String", "StringValue": "endpoint-name"},
        "status": {"DataType": "String", "StringValue": "COMPLETED"},
        "jobType": {"DataType": "String", "StringValue": "Default"},
    }


def test_subject_at_most_100_characters() -> None:
    record = RunRecord(endpoint_name="e" * 63, status="TIMED_OUT", job_name="j", started_at="2026-01-01T00:00:00Z")
    assert len(build(record, "us-east-1").subject) <= 100


def test_email_reads_as_a_summary() -> None:
    text = json.loads(build(completed(), "us-east-1").message)["email"]
    assert "Inference Recommender run COMPLETED for endpoint endpoint-name" in text
    assert "Current endpoint: ml.m5.xlarge x1 (variant AllTraffic): max 184 invocations/min" in text
    assert " 1  ml.g4dn.xlarge" in text
    assert " 2  ml.c5.xlarge" in text
    assert "Best choice: #1 ml.g4dn.xlarge x1 at $0.7360/hour" in text
    assert "8.94x the current maximum throughput, 1,141 ms faster model latency" in text
    assert "TS_DEFAULT_WORKERS_PER_MODEL=4" in text


def test_failure_email_lists_violations_and_advice() -> None:
    record = RunRecord(
        endpoint_name="ep",
        status="REJECTED",
        job_name="j",
        started_at="2026-01-01T00:00:00Z",
        failure_reason="Endpoint is not eligible",
        violations=["endpoint status is Updating, it must be InService"],
    )
    note = build(record, "us-east-1")
    text = json.loads(note.message)["email"]
    assert "What happened: Endpoint is not eligible" in text
    assert "  - endpoint status is Updating, it must be InService" in text
    assert "Fix the problems listed" in text
    assert note.attributes["jobType"]["StringValue"] == "unknown"
