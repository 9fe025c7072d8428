"""Fleet runs where mutation testing found them unpinned (make mutation, issue 11): the child
execution name's cut, Select Endpoints going on past a listed name it does not keep, a failure
reason of exactly the summary's limit, savings under a dollar in the subject, verdict cells."""

from __future__ import annotations

import json
from datetime import UTC, datetime

import pytest

from recommender.logic.fleet import child_name, email_text, notification, subject, summarize, total_savings
from recommender.logic.notification import SNS_MESSAGE_MAX_BYTES
from recommender.models import ExecutionRef, FleetItem, FleetRecord, FleetRun, FleetSelection, FleetSkip, RunRecord
from recommender.steps import fleet as fleet_steps
from tests.unit.support import settings

PACKAGE = "arn:aws:sagemaker:us-east-1:123456789012:model-package/fraud-models/3"
FLEET = ExecutionRef(
    id="arn:aws:states:us-east-1:123456789012:execution:ir-orchestrator-fleet:weekly",
    name="weekly",
    start_time="2026-11-25T03:00:00Z",
)
CFG = settings()


def test_the_cut_fleet_name_loses_its_trailing_hyphens_only() -> None:
    # 80 characters at most: the first 67 of the fleet's name, "-", 12 of the digest. The cut ends in
    # "X-": the hyphen goes (no "--" in the name), the X stays.
    name = child_name("a" * 65 + "X-" + "tail-of-the-name", "fraud-a")
    assert name == "a" * 65 + "X-d5c20683f6a2"
    # Only the end is cut: a leading hyphen stays.
    assert child_name("-weekly-", "fraud-a") == "-weekly-99d202833bc4"


def test_select_goes_on_past_a_listed_name_that_only_contains_the_prefix(monkeypatch: pytest.MonkeyPatch) -> None:
    # ListEndpoints' NameContains also answers names with the prefix inside; they come in any order.
    listed = [
        ("a-fraud-x", "arn:aws:sagemaker:us-east-1:123456789012:endpoint/a-fraud-x", "InService"),
        ("fraud-b", "arn:aws:sagemaker:us-east-1:123456789012:endpoint/fraud-b", "InService"),
    ]
    monkeypatch.setattr(fleet_steps.sagemaker, "list_endpoints", lambda name_contains=None: listed)
    monkeypatch.setattr(fleet_steps.sagemaker, "tags_of", lambda arn: {})

    selection = fleet_steps.select_endpoints(
        {"namePrefix": "fraud-", "modelPackages": {"fraud-b": PACKAGE}, "maxConcurrentJobs": 2}, FLEET, cfg=CFG
    )

    assert [item.endpoint_name for item in selection.items] == ["fraud-b"]
    assert selection.skipped == []
    assert (selection.max_concurrency, selection.concurrency_source) == (2, "input")


def failed_run(reason: str) -> RunRecord:
    return RunRecord.model_validate(
        {
            "endpointName": "fraud-a",
            "status": "FAILED",
            "jobName": "job-a",
            "executionArn": FLEET.id,
            "startedAt": "2026-11-25T03:00:00Z",
            "failureReason": reason,
        }
    )


def test_a_failure_reason_of_exactly_300_characters_is_whole_and_a_longer_one_cut() -> None:
    item = FleetItem(endpoint_name="fraud-a", child_name="weekly-0123", input={})
    [exact] = summarize([(item, "FAILED", failed_run("r" * 300))])
    assert exact.failure_reason == "r" * 300
    [longer] = summarize([(item, "FAILED", failed_run("r" * 301))])
    assert longer.failure_reason == "r" * 299 + "…"


def fleet_record(runs: list[FleetRun], savings: float) -> FleetRecord:
    return FleetRecord(
        fleet_name="weekly",
        execution_arn=FLEET.id,
        started_at="2026-11-25T03:00:00Z",
        finished_at="2026-11-25T05:00:00Z",
        trigger="schedule:weekly",
        runs=runs,
        skipped=[],
        total_monthly_savings=savings,
        max_concurrency=2,
    )


def test_savings_under_a_dollar_are_in_the_subject() -> None:
    run = FleetRun(endpoint_name="a", child_name="c", execution_status="SUCCEEDED", decision="CHANGE")
    assert subject(fleet_record([run], 0.8)) == "Fleet weekly: 1 runs, 1 CHANGE, saves $1/month"
    assert subject(fleet_record([run], 0)) == "Fleet weekly: 1 runs, 1 CHANGE"


def test_a_verdict_cell_names_the_instances_only_with_a_decision_and_an_instance_type() -> None:
    runs = [
        FleetRun(
            endpoint_name="keep", child_name="c1", execution_status="SUCCEEDED", status="COMPLETED", decision="KEEP"
        ),
        FleetRun(
            endpoint_name="typed",
            child_name="c2",
            execution_status="SUCCEEDED",
            status="COMPLETED",
            instance_type="ml.m5.large",
        ),
        FleetRun(
            endpoint_name="change",
            child_name="c3",
            execution_status="SUCCEEDED",
            status="COMPLETED",
            decision="CHANGE",
            instance_type="ml.c5.xlarge",
            instance_count=2,
            monthly_savings=120.5,
        ),
    ]
    lines = email_text(fleet_record(runs, 120.5)).splitlines()
    assert f"{'keep':<40} {'COMPLETED':<10} {'KEEP':<28} {'-':>14}" in lines
    assert f"{'typed':<40} {'COMPLETED':<10} {'-':<28} {'-':>14}" in lines
    assert f"{'change':<40} {'COMPLETED':<10} {'CHANGE ml.c5.xlarge x2':<28} {'120.50':>14}" in lines


# ------------------------------------------------------------------------------ the fleet's one message
LIMIT = SNS_MESSAGE_MAX_BYTES - 2048  # the message's own budget: attributes and subject fit in the rest


def big_fleet(runs: int, first_child_chars: int, skipped: int = 0) -> FleetRecord:
    """Failed runs with 300-character reasons; the first child's name sets the size to the byte (it is
    in the JSON only, once)."""
    return fleet_record(
        [
            FleetRun(
                endpoint_name=f"ep-{i:04d}",
                child_name="c" * first_child_chars if i == 0 else f"child-{i:04d}",
                execution_status="FAILED",
                status="FAILED",
                failure_reason="r" * 300,
            )
            for i in range(runs)
        ],
        0,
    ).model_copy(update={"skipped": [FleetSkip(endpoint_name=f"s-{i:04d}", reason="x" * 100) for i in range(skipped)]})


def whole_size(record: FleetRecord) -> int:
    """The size of the message carrying every run and skipped endpoint."""
    document = json.dumps(record.wire(), separators=(",", ":"))
    email = email_text(record, runs_shown=len(record.runs), skipped_shown=len(record.skipped))
    return len(json.dumps({"default": document, "email": email}).encode())


def exactly_at_the_limit() -> FleetRecord:
    runs = next(n for n in range(250, 400) if whole_size(big_fleet(n + 1, 10)) > LIMIT)
    record = big_fleet(runs, 10 + LIMIT - whole_size(big_fleet(runs, 10)))
    assert whole_size(record) == LIMIT
    return record


def test_the_json_is_compact() -> None:
    record = big_fleet(2, 5, skipped=1)
    assert json.loads(notification(record).message)["default"] == json.dumps(record.wire(), separators=(",", ":"))


def test_a_message_of_exactly_the_budget_carries_every_run() -> None:
    record = exactly_at_the_limit()
    document = json.loads(json.loads(notification(record).message)["default"])
    assert len(document["runs"]) == len(record.runs)
    assert "runsOmitted" not in document


def test_one_byte_more_and_half_the_runs_are_left_out() -> None:
    at_limit = exactly_at_the_limit()
    record = big_fleet(len(at_limit.runs), len(at_limit.runs[0].child_name) + 1)
    message = notification(record).message
    document = json.loads(json.loads(message)["default"])
    assert len(message.encode()) <= LIMIT
    assert document["runsOmitted"] == len(record.runs) - len(record.runs) // 2
    assert len(document["runs"]) == len(record.runs) // 2


def test_as_many_runs_as_skipped_endpoints_and_too_large_is_cut_too() -> None:
    record = big_fleet(300, 10, skipped=300)
    assert whole_size(record) > LIMIT
    message = notification(record).message
    assert len(message.encode()) <= LIMIT
    assert json.loads(json.loads(message)["default"])["runsOmitted"] == 150


# ------------------------------------------------------------------------------ Summarize Fleet's statuses
class NoRuns:
    """The store as Summarize Fleet uses it: no run records, the fleet item written."""

    def run_of_execution(self, endpoint: str, execution_arn: str) -> None:
        return None

    def put_fleet(self, record: FleetRecord) -> bool:
        return False  # stored before: not announced again


def test_a_child_result_without_a_status_counts_as_failed() -> None:
    selection = FleetSelection(
        fleet_name="weekly",
        execution_arn=FLEET.id,
        started_at="2026-11-25T03:00:00Z",
        trigger="manual",
        items=[FleetItem(endpoint_name=name, child_name=f"weekly-{name}", input={}) for name in ("a", "b", "c")],
        skipped=[],
        max_concurrency=2,
        concurrency_source="config",
    )
    record = fleet_steps.summarize_fleet(
        selection,
        [{"childName": "weekly-a", "executionStatus": "SUCCEEDED"}, {"childName": "weekly-b"}],
        child_state_machine_arn="arn:aws:states:us-east-1:123456789012:stateMachine:ir-orchestrator",
        cfg=CFG,
        store=NoRuns(),  # type: ignore[arg-type]
        now=datetime(2026, 11, 25, 5, tzinfo=UTC),
    )
    assert [(run.endpoint_name, run.execution_status) for run in record.runs] == [
        ("a", "SUCCEEDED"),
        ("b", "FAILED"),  # without executionStatus (both of the Map's paths set it): not a success
        ("c", "UNKNOWN"),  # no result at all
    ]


def test_total_savings_count_every_saving_change_to_the_cent() -> None:
    runs = [
        FleetRun(
            endpoint_name="a", child_name="a", execution_status="SUCCEEDED", decision="CHANGE", monthly_savings=1.234
        ),
        FleetRun(
            endpoint_name="b", child_name="b", execution_status="SUCCEEDED", decision="CHANGE", monthly_savings=0.5
        ),
        FleetRun(
            endpoint_name="c", child_name="c", execution_status="SUCCEEDED", decision="CHANGE", monthly_savings=2.347
        ),
        # Not savings: a change that costs more, a KEEP, a change without a figure.
        FleetRun(
            endpoint_name="d", child_name="d", execution_status="SUCCEEDED", decision="CHANGE", monthly_savings=-9
        ),
        FleetRun(endpoint_name="e", child_name="e", execution_status="SUCCEEDED", decision="KEEP", monthly_savings=7),
        FleetRun(endpoint_name="f", child_name="f", execution_status="SUCCEEDED", decision="CHANGE"),
    ]
    assert total_savings(runs) == 4.08  # 1.234 + 0.5 + 2.347 = 4.081


def test_a_fleet_stored_before_its_cap_had_a_source_says_nothing_of_one() -> None:
    record = fleet_record([], 0)
    assert record.concurrency_source is None
    assert email_text(record).splitlines()[0] == (
        "Fleet run weekly: 0 runs (0 completed), 0 endpoints skipped; at most 2 jobs at once"
    )
    quota = record.model_copy(update={"concurrency_source": "service-quotas"})
    assert (
        email_text(quota)
        .splitlines()[0]
        .startswith("Fleet run weekly: 0 runs (0 completed), 0 endpoints skipped; at most 2 jobs at once (")
    )
