"""The notification's text where mutation testing found it unpinned (make mutation, issue 11)."""

from __future__ import annotations

import json
from typing import Any

import pytest

from recommender.logic import notification
from recommender.logic.notification import Notification, build, email_text, regression_text, scaling_text, subject_line
from recommender.logic.scaling import from_answer
from recommender.models import (
    Comparison,
    CurrentEndpoint,
    FailedBenchmark,
    Prices,
    Recommendation,
    Regression,
    RunRecord,
    TargetEndpoint,
    Verdict,
)

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


def test_the_cost_per_million_is_the_cost_per_inference_times_a_million_exactly() -> None:
    # $0.012 per inference: 12,000.00 per million, to the cent (a factor off by one millionth shows).
    rec = Recommendation(rank=1, instance_type="ml.p4d.24xlarge", instance_count=1, cost_per_inference=0.012)
    lines = email_text(RECORD.model_copy(update={"recommendations": [rec]}), {}).splitlines()
    [row] = [line for line in lines if line.startswith(" 1  ml.p4d.24xlarge")]
    assert row.split() == ["1", "ml.p4d.24xlarge", "1", "n/a", "12000.00", "n/a", "n/a"]


def test_a_metric_other_than_invocations_is_named() -> None:
    answer = {
        "DynamicScalingConfiguration": {
            "MinCapacity": 1,
            "MaxCapacity": 4,
            "ScalingPolicies": [
                {
                    "TargetTracking": {
                        "MetricSpecification": {"Customized": {"MetricName": "CPUUtilization"}},
                        "TargetValue": 50,
                    }
                }
            ],
        }
    }
    scaling = from_answer(answer, endpoint_name="demo-endpoint", variant_name="AllTraffic")
    [head, *_] = scaling_text(RECORD.model_copy(update={"scaling": scaling}))
    assert head == (
        "Autoscaling (the service's recommendation): min 1, max 4 instances, target 50 CPUUtilization per instance; "
        "to apply:"
    )


# ------------------------------------------------------------------------------ the subject and the verdict's words
def verdict(savings: float) -> RunRecord:
    change = Verdict(
        decision="CHANGE", rank=1, instance_type="ml.c6i.xlarge", instance_count=2, monthly_savings=savings, reason="r"
    )
    return RECORD.model_copy(update={"verdict": change})


@pytest.mark.parametrize(
    ("savings", "subject", "head"),
    [
        (0, "Right-size demo-endpoint: change to ml.c6i.xlarge x2", "saving $0.00/month"),
        (0.5, "Right-size demo-endpoint: ml.c6i.xlarge saves $0/month", "saving $0.50/month"),
        (1, "Right-size demo-endpoint: ml.c6i.xlarge saves $1/month", "saving $1.00/month"),
        (-0.5, "Right-size demo-endpoint: change to ml.c6i.xlarge x2", "costing $0.50/month"),
    ],
)
def test_savings_of_zero_are_no_saving_in_the_subject_and_any_positive_amount_is(
    savings: float, subject: str, head: str
) -> None:
    record = verdict(savings)
    assert subject_line(record) == subject
    assert f"Verdict: CHANGE to ml.c6i.xlarge x2, {head}" in email_text(record, {}).splitlines()


def test_a_target_endpoint_without_prices_has_no_cost_line() -> None:
    record = verdict(10).model_copy(
        update={"target_endpoint": TargetEndpoint(endpoint_name="demo-endpoint", monthly_cost=100)}
    )
    assert not [line for line in email_text(record, {}).splitlines() if line.startswith("Current cost")]
    priced = record.model_copy(update={"prices": Prices(current_per_hour=0.25, source="price-list")})
    assert (
        "Current cost: $100.00/month ($0.25/hour per instance, price-list, on demand, 730 h)"
        in email_text(priced, {}).splitlines()
    )


# ------------------------------------------------------------------------------ what is unknown reads n/a
def test_unknown_instance_types_and_variants_read_n_a() -> None:
    record = RECORD.model_copy(
        update={
            "status": "FAILED",
            "failure_reason": "every benchmark failed",
            "current_endpoint": CurrentEndpoint(),
            "failed_benchmarks": [FailedBenchmark(reason="out of capacity")],
        }
    )
    lines = email_text(record, {}).splitlines()
    assert (
        "Current endpoint: n/a xn/a (variant n/a): max n/a invocations/min per instance, model latency n/a ms" in lines
    )
    # The failure section follows the failed benchmarks after exactly one blank line.
    at = lines.index("  n/a: out of capacity")
    assert lines[at - 1] == "Benchmarks that failed (no recommendation for them):"
    assert lines[at + 1 : at + 3] == ["", "What happened: every benchmark failed"]


# ------------------------------------------------------------------------------ recommendations left out
@pytest.mark.parametrize("omitted", [1, 2])
def test_recommendations_the_stored_record_left_out_are_counted_apart(omitted: int) -> None:
    """Left out of the DynamoDB item (results.fit_item): not in the run record, and the email (the
    CLI's `show` too, which passes no total) says so."""
    rec = Recommendation(rank=1, instance_type="ml.c5.xlarge", instance_count=1)
    record = RECORD.model_copy(update={"recommendations": [rec], "recommendations_omitted": omitted})
    lines = [line for line in email_text(record, {}).splitlines() if line.startswith("... and")]
    assert lines == [f"... and {omitted} more, lower-ranked, not stored (too many for one DynamoDB item)"]
    lines = [line for line in email_text(record, {}, total=1 + omitted).splitlines() if line.startswith("... and")]
    assert lines == [
        f"... and {omitted} more, lower-ranked, in the run record (too many for one message)",
        f"... and {omitted} more, lower-ranked, not stored (too many for one DynamoDB item)",
    ]
    assert not [line for line in email_text(RECORD, {}).splitlines() if line.startswith("... and")]


# ------------------------------------------------------------------------------ build: the SNS size budget to the byte
REGION = "us-east-1"


def eight() -> RunRecord:
    recs = [
        Recommendation(rank=i, instance_type="ml.c5.xlarge", instance_count=1, cost_per_hour=0.204 + i / 1000)
        for i in range(1, 9)
    ]
    return RECORD.model_copy(update={"recommendations": recs, "recommendations_omitted": 3})


def overhead(note: Notification) -> int:
    """The subject and the attributes, counted against SNS's 256 KB as build counts them."""
    return len(note.subject.encode()) + sum(len(k) + len(json.dumps(v)) for k, v in note.attributes.items())


def sent(record: RunRecord, budget: int, monkeypatch: pytest.MonkeyPatch) -> tuple[Notification, dict[str, Any]]:
    monkeypatch.setattr(notification, "SNS_MESSAGE_MAX_BYTES", budget)
    note = build(record, REGION)
    return note, json.loads(json.loads(note.message)["default"])


def test_overhead_is_the_subject_and_every_attribute_name_and_value(monkeypatch: pytest.MonkeyPatch) -> None:
    """The margin build leaves beside the message, found from build alone: the smallest budget that
    still sends all eight recommendations, less the message's own size."""
    record = eight()
    note = build(record, REGION)
    size = len(note.message.encode())
    low, high = size, size + 10_000  # whole at high, not whole at low (a margin is kept)
    assert len(sent(record, low, monkeypatch)[1]["recommendations"]) < 8
    while high - low > 1:
        middle = (low + high) // 2
        whole = len(sent(record, middle, monkeypatch)[1]["recommendations"]) == 8
        low, high = (low, middle) if whole else (middle, high)
    margin = high - size
    assert margin == len(note.subject) + sum(
        len(name) + len(json.dumps(value)) for name, value in note.attributes.items()
    )
    assert margin > 2 * sum(len(name) for name in note.attributes)  # what a sign error would take away


def exact_budget(record: RunRecord) -> int:
    whole = build(record, REGION)
    return len(whole.message.encode()) + overhead(whole)


def test_a_message_of_exactly_the_budget_is_sent_whole(monkeypatch: pytest.MonkeyPatch) -> None:
    record = eight()
    whole = build(record, REGION)
    note, document = sent(record, exact_budget(record), monkeypatch)
    assert note == whole
    assert len(document["recommendations"]) == 8
    assert document["recommendationsOmitted"] == 3  # the stored record's own


def test_one_byte_over_the_budget_halves_the_recommendations(monkeypatch: pytest.MonkeyPatch) -> None:
    record = eight()
    _, document = sent(record, exact_budget(record) - 1, monkeypatch)
    assert [r["rank"] for r in document["recommendations"]] == [1, 2, 3, 4]
    # The 4 left out here and the 3 the stored record had already left out.
    assert document["recommendationsOmitted"] == 7


def test_the_email_says_which_were_left_out_of_the_message_and_which_were_never_stored(
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    record = eight()
    note, _ = sent(record, exact_budget(record) - 1, monkeypatch)
    assert [line for line in json.loads(note.message)["email"].splitlines() if line.startswith("... and")] == [
        "... and 4 more, lower-ranked, in the run record (too many for one message)",
        "... and 3 more, lower-ranked, not stored (too many for one DynamoDB item)",
    ]


def test_halving_keeps_the_most_that_fit(monkeypatch: pytest.MonkeyPatch) -> None:
    record = eight()
    monkeypatch.setattr(notification, "SNS_MESSAGE_MAX_BYTES", 10**9)
    half = build(record.model_copy(update={"recommendations": record.recommendations[:4]}), REGION)  # type: ignore[index]
    # Four of eight, with "4 more" where the whole has none: the budget is the four's size plus that.
    note, document = sent(record, len(half.message.encode()) + overhead(half) + 200, monkeypatch)
    assert len(document["recommendations"]) == 4
    assert len(note.message.encode()) + overhead(note) <= notification.SNS_MESSAGE_MAX_BYTES
    _, document = sent(record, len(half.message.encode()) + overhead(half) - 200, monkeypatch)
    assert len(document["recommendations"]) == 2


def test_a_message_too_large_even_with_one_recommendation_keeps_none(monkeypatch: pytest.MonkeyPatch) -> None:
    one = RECORD.model_copy(update={"recommendations": eight().recommendations[:1]})  # type: ignore[index]
    _, document = sent(one, exact_budget(one) - 1, monkeypatch)
    assert document["recommendations"] == []
    assert document["recommendationsOmitted"] == 1


def test_a_record_without_recommendations_sends_none_and_omits_none() -> None:
    document = json.loads(json.loads(build(RECORD, REGION).message)["default"])
    assert "recommendations" not in document
    assert "recommendationsOmitted" not in document


def test_the_json_document_is_compact() -> None:
    default = json.loads(build(eight(), REGION).message)["default"]
    assert default == json.dumps(json.loads(default), separators=(",", ":"))


# ------------------------------------------------------------------------------ the chosen recommendation
def compared(rank: int, **environment: str) -> RunRecord:
    recs = [
        Recommendation(
            rank=1, instance_type="ml.c5.xlarge", instance_count=1, cost_per_hour=0.204, environment=environment
        ),
        Recommendation(rank=2, instance_type="ml.c6i.xlarge", instance_count=1, cost_per_hour=0.204),
    ]
    return RECORD.model_copy(update={"recommendations": recs, "comparison": Comparison(rank=rank)})


def test_a_comparison_of_a_rank_not_listed_adds_no_choice() -> None:
    """The record kept fewer recommendations than the comparison's rank (a record cut to fit)."""
    lines = email_text(compared(9), {}).splitlines()
    assert not [line for line in lines if line.startswith(("Cheapest per inference", "Serving settings"))]


def test_serving_settings_are_the_chosen_recommendations_and_only_when_it_has_some() -> None:
    lines = email_text(compared(1, OMP_NUM_THREADS="2"), {}).splitlines()
    assert "Cheapest per inference: #1 ml.c5.xlarge x1 at $0.2040/hour" in lines
    assert "Serving settings: OMP_NUM_THREADS=2" in lines  # with or without a current endpoint
    with_current = compared(1).model_copy(update={"current_endpoint": CurrentEndpoint(instance_type="ml.m5.xlarge")})
    assert not [line for line in email_text(with_current, {}).splitlines() if line.startswith("Serving settings")]
