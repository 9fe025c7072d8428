"""The SNS message: JSON run record for programs, readable text for email, filterable attributes."""

from __future__ import annotations

import json

import pytest

from recommender.logic.notification import SNS_MESSAGE_MAX_BYTES, build, duration_text
from recommender.logic.results import ITEM_MAX_BYTES, fit_item, item_bytes
from recommender.models import EndpointSnapshot, Recommendation, Regression, RunRecord
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
    # One JSON copy: SNS gives `default` to every protocol without a member of its own (SQS,
    # Lambda, HTTPS), so repeating it per protocol only multiplied the message size.
    assert set(message) == {"default", "email"}
    document = json.loads(message["default"])
    assert {k: v for k, v in document.items() if k not in {"consoleUrl", "runKey"}} == record.wire()
    assert document["runKey"] == record.run_key
    assert document["recommendations"][0]["costPerInference"] == 7.456940238625975e-06
    assert EXECUTION in document["consoleUrl"]["execution"]
    assert "job-name" in document["consoleUrl"]["job"]


def test_subject_and_attributes() -> None:
    note = build(completed(), "us-east-1")
    assert note.subject == "Inference recommendation COMPLETED: endpoint-name"
    assert note.attributes == {
        "kind": {"DataType": "String", "StringValue": "run"},  # fleet summaries are "fleet"
        "endpointName": {"DataType": "String", "StringValue": "endpoint-name"},
        "status": {"DataType": "String", "StringValue": "COMPLETED"},
        "jobType": {"DataType": "String", "StringValue": "Default"},
        "regression": {"DataType": "String", "StringValue": "false"},
        "verdict": {"DataType": "String", "StringValue": "UNKNOWN"},  # no decision in this record
    }


def test_subject_at_most_100_characters() -> None:
    record = RunRecord(endpoint_name="e" * 63, status="TIMED_OUT", job_name="j", started_at="2026-01-01T00:00:00Z")
    assert len(build(record, "us-east-1").subject) <= 100


def test_email_reads_as_a_summary() -> None:
    text = json.loads(build(completed(), "us-east-1").message)["email"]
    assert "Inference Recommender run COMPLETED for endpoint endpoint-name" in text
    assert "Current endpoint: ml.m5.xlarge x1 (variant AllTraffic): max 184 invocations/min per instance" in text
    assert " 1  ml.g4dn.xlarge" in text
    assert " 2  ml.c5.xlarge" in text
    assert "Cheapest per inference: #1 ml.g4dn.xlarge x1 at $0.7360/hour" in text
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
    # Sections are one blank line apart: the header, what happened, the advice, the links.
    assert "\n\n\n" not in text
    lines = text.splitlines()
    assert lines[lines.index("What happened: Endpoint is not eligible") - 1] == ""
    assert lines[lines.index("What happened: Endpoint is not eligible") - 2].startswith("Started 2026-01-01T00:00:00Z")


def _many_recommendations(count: int) -> RunRecord:
    environment = {f"SETTING_{i}": "x" * 60 for i in range(16)}  # ~1.5 KB per recommendation, as seen
    recs = [
        Recommendation(
            rank=i + 1,
            instance_type="ml.c5.xlarge",
            instance_count=1,
            cost_per_hour=0.204,
            cost_per_inference=1e-5 + i * 1e-9,
            max_invocations=320,
            model_latency_ms=540,
            environment=environment,
        )
        for i in range(count)
    ]
    return completed().model_copy(update={"recommendations": recs})


@pytest.mark.parametrize("count", [10, 400, 3000])
def test_message_stays_within_the_sns_limit_whatever_the_job_returned(count: int) -> None:
    record = _many_recommendations(count)
    note = build(record, "us-east-1")
    size = len(note.message.encode()) + len(note.subject) + len(json.dumps(note.attributes))
    assert size <= SNS_MESSAGE_MAX_BYTES
    document = json.loads(json.loads(note.message)["default"])
    email = json.loads(note.message)["email"]
    if count == 10:  # small runs are sent whole
        assert len(document["recommendations"]) == 10
        assert "recommendationsOmitted" not in document
        assert "more, lower-ranked" not in email
    else:  # large ones keep the best and say what was left out and where the rest is
        kept = len(document["recommendations"])
        assert 0 < kept < count
        assert document["recommendationsOmitted"] == count - kept
        assert [r["rank"] for r in document["recommendations"]] == list(range(1, kept + 1))
        assert (document["endpointName"], document["runKey"]) == (record.endpoint_name, record.run_key)
        assert f"... and {count - kept} more, lower-ranked, in the run record" in email


def test_item_stays_within_the_dynamodb_limit() -> None:
    small = _many_recommendations(10)
    assert fit_item(small) == small
    large = _many_recommendations(3000)
    fitted = fit_item(large)
    assert item_bytes(fitted) < ITEM_MAX_BYTES
    kept = len(fitted.recommendations or [])
    assert 0 < kept < 3000
    assert fitted.recommendations_omitted == 3000 - kept
    # as many as fit: one more would not
    one_more = large.model_copy(update={"recommendations": (large.recommendations or [])[: kept + 1]})
    assert item_bytes(one_more) > item_bytes(fitted)
    assert fitted.recommendations == (large.recommendations or [])[:kept]


@pytest.mark.parametrize(
    ("seconds", "text"),
    [
        (0, "0 s"),
        (5, "5 s"),
        (60, "1 min"),
        (125, "2 min 5 s"),
        (2700, "45 min"),
        (3900, "1 h 5 min"),
        (7205, "2 h 5 s"),
    ],
)
def test_one_duration_format(seconds: int, text: str) -> None:
    assert duration_text(seconds) == text


def test_rejected_email_names_no_job_and_an_instant_duration() -> None:
    record = RunRecord(
        endpoint_name="ep",
        status="REJECTED",
        job_name="ir-orchestrator-0123456789abcdef-ep",
        started_at="2026-01-01T00:00:00Z",
        finished_at="2026-01-01T00:00:00Z",
        duration_seconds=0,
        trigger="manual",
        failure_reason="Invalid execution input",
    )
    text = json.loads(build(record, "us-east-1").message)["email"]
    assert "No Inference Recommender job was started; trigger manual" in text
    assert "ir-orchestrator-0123456789abcdef-ep" not in text
    assert "Started 2026-01-01T00:00:00Z, finished 2026-01-01T00:00:00Z (0 s)" in text
    assert ".;" not in text


def test_completed_email_names_its_job_and_duration() -> None:
    record = completed().model_copy(update={"job_arn": "arn:aws:sagemaker:us-east-1:1:inference-recommendations-job/j"})
    text = json.loads(build(record, "us-east-1").message)["email"]
    assert "Job job-name (Default); trigger schedule:weekly" in text
    assert "What happened" not in text  # no advice section on a COMPLETED email


def test_whole_numbers_read_the_same_in_the_message_and_the_stored_record() -> None:
    from recommender.adapters.store import from_item, to_item

    record = completed()
    document = json.loads(json.loads(build(record, "us-east-1").message)["default"])
    stored = from_item(to_item(record.wire()))
    assert document["currentEndpoint"] == stored["currentEndpoint"]
    assert document["recommendations"] == stored["recommendations"]


def test_a_regression_is_an_attribute_and_a_line_of_the_email() -> None:
    previous = "RUN#2026-11-18T03:00:00Z#ir-orchestrator-0123456789abcdef-demo"
    record = completed().model_copy(
        update={
            "regression": Regression(throughput_drop_percent=12, latency_rise_percent=25, previous_run_key=previous)
        }
    )
    note = build(record, "us-east-1")
    assert note.attributes["regression"] == {"DataType": "String", "StringValue": "true"}
    lines = json.loads(note.message)["email"].splitlines()
    alert = (
        "Regression since the run of 2026-11-18T03:00:00Z (job ir-orchestrator-0123456789abcdef-demo): "
        "throughput -12 %, latency +25 %"
    )
    assert alert in lines
    # An alert: right under the job's timing, above the decision and the measurements.
    assert lines.index(alert) == next(i for i, line in enumerate(lines) if line.startswith("Started ")) + 2
    only_latency = record.model_copy(
        update={"regression": Regression(latency_rise_percent=30.5, previous_run_key=previous)}
    )
    (line,) = [
        line
        for line in json.loads(build(only_latency, "us-east-1").message)["email"].splitlines()
        if line.startswith("Regression since")
    ]
    assert line.endswith("ir-orchestrator-0123456789abcdef-demo): latency +30.5 %")


# ------------------------------------------------------------------ the verdict leads
def decided(decision: str, **verdict: object) -> RunRecord:
    from recommender.models import Prices, TargetEndpoint, TrafficSummary, Verdict

    return completed().model_copy(
        update={
            "verdict": Verdict.model_validate({"decision": decision, "reason": "the reason", **verdict}),
            "traffic": TrafficSummary(
                endpoint_name="endpoint-name",
                window_days=14,
                minutes_with_data=20160,
                mean_per_minute=120.5,
                p95_per_minute=300,
                peak_per_minute=410,
            ),
            "prices": Prices(current_per_hour=0.23, source="price-list"),
            "target_endpoint": TargetEndpoint(
                endpoint_name="endpoint-name", instance_type="ml.m5.xlarge", instance_count=2, monthly_cost=335.8
            ),
        }
    )


@pytest.mark.parametrize(
    ("record", "subject", "verdict_line"),
    [
        (
            decided(
                "CHANGE",
                rank=2,
                instanceType="ml.c6i.xlarge",
                instanceCount=1,
                monthlySavings=412.4,
                savingsPercent=55.7,
            ),
            "Right-size endpoint-name: ml.c6i.xlarge saves $412/month",
            "Verdict: CHANGE to ml.c6i.xlarge x1, saving $412.40/month (55.7 %)",
        ),
        (  # forced: the current endpoint cannot serve the peak, the change costs more
            decided("CHANGE", rank=1, instanceType="ml.g4dn.xlarge", instanceCount=3, monthlySavings=-1276.2),
            "Right-size endpoint-name: change to ml.g4dn.xlarge x3",
            "Verdict: CHANGE to ml.g4dn.xlarge x3, costing $1,276.20/month",
        ),
        (
            decided("KEEP", instanceType="ml.m5.xlarge", instanceCount=2),
            "Right-size endpoint-name: keep ml.m5.xlarge x2",
            "Verdict: KEEP the current endpoint (ml.m5.xlarge x2)",
        ),
        (
            decided("UNKNOWN"),
            "Inference recommendation COMPLETED: endpoint-name",
            "Verdict: UNKNOWN",
        ),
    ],
    ids=["change", "change-forced", "keep", "unknown"],
)
def test_the_verdict_leads_the_subject_the_email_and_the_attributes(
    record: RunRecord, subject: str, verdict_line: str
) -> None:
    note = build(record, "us-east-1")
    assert note.subject == subject
    assert note.attributes["verdict"] == {"DataType": "String", "StringValue": record.verdict.decision}  # type: ignore[union-attr]
    email = json.loads(note.message)["email"].splitlines()
    first = email.index(verdict_line)
    assert first < email.index(next(line for line in email if line.startswith("Current endpoint:")))
    assert email[first + 1] == "Why: the reason"
    assert "Observed traffic (CloudWatch, 14 days): peak 410, p95 300, mean 120.5 invocations/min" in email
    assert "Current cost: $335.80/month ($0.23/hour per instance, price-list, on demand, 730 h)" in email
    document = json.loads(json.loads(note.message)["default"])
    assert document["verdict"]["decision"] == record.verdict.decision  # type: ignore[union-attr]


def test_runs_without_a_verdict_say_unknown_in_the_attribute() -> None:
    record = RunRecord(endpoint_name="ep", status="FAILED", job_name="j", started_at="2026-01-01T00:00:00Z")
    note = build(record, "us-east-1")
    assert note.attributes["verdict"]["StringValue"] == "UNKNOWN"
    assert note.subject == "Inference recommendation FAILED: ep"
    assert "Verdict" not in json.loads(note.message)["email"]


def test_a_staging_copy_is_named_as_the_benchmarked_endpoint_not_the_current_one() -> None:
    from recommender.models import TargetEndpoint

    record = decided("CHANGE", rank=2, instanceType="ml.c6i.xlarge", instanceCount=3, monthlySavings=224.84)
    staged = record.model_copy(
        update={
            "target_endpoint": TargetEndpoint(
                endpoint_name="endpoint-name-prod", instance_type="ml.m5.xlarge", instance_count=4, monthly_cost=671.6
            )
        }
    )
    note = build(staged, "us-east-1")
    assert note.subject == "Right-size endpoint-name-prod: ml.c6i.xlarge saves $225/month"
    lines = json.loads(note.message)["email"].splitlines()
    (line,) = [line for line in lines if line.startswith(("Current endpoint", "Benchmarked endpoint"))]
    assert line.startswith("Benchmarked endpoint endpoint-name: ml.m5.xlarge x1 (variant AllTraffic): max 184 ")
    # The same endpoint named as its own target (any case) is the current one.
    itself = record.model_copy(
        update={"target_endpoint": record.target_endpoint.model_copy(update={"endpoint_name": "ENDPOINT-NAME"})}  # type: ignore[union-attr]
    )
    assert any(
        line.startswith("Current endpoint: ")
        for line in json.loads(build(itself, "us-east-1").message)["email"].splitlines()
    )
