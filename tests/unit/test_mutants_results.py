"""Parsing and sizing the run where mutation testing found them unpinned (make mutation, issue 11):
an item's size estimate, texts that are empty or not text, environment parameters without a value,
a free inference ranked first; and storing a run (what is asked of the table, what is returned)."""

from __future__ import annotations

import json
from typing import Any

import pytest

from recommender.logic.results import _text, fit_item, item_bytes, parse_recommendations
from recommender.models import Recommendation, RunRecord
from recommender.steps.reporting import store_run

RECORD = RunRecord.model_validate(
    {
        "endpointName": "demo-endpoint",
        "status": "COMPLETED",
        "jobName": "job-name",
        "startedAt": "2026-11-25T03:00:00Z",
    }
)


def test_an_items_size_is_its_json_plus_its_key() -> None:
    compact = json.dumps(RECORD.wire(), separators=(",", ":")).encode()
    assert item_bytes(RECORD) == len(compact) + len("RUN#2026-11-25T03:00:00Z#job-name")


@pytest.mark.parametrize(("value", "text"), [("a", "a"), ("", None), (None, None), (5, None), (["a"], None)])
def test_only_non_empty_text_is_text(value: Any, text: str | None) -> None:
    assert _text(value) == text


def test_an_environment_parameter_without_a_value_is_empty() -> None:
    job = {
        "InferenceRecommendations": [
            {
                "ModelConfiguration": {
                    "EnvironmentParameters": [{"Key": "A", "ValueType": "String"}, {"Value": "no key"}]
                }
            }
        ]
    }
    [rec] = parse_recommendations(job)
    assert rec.environment == {"A": ""}


def test_a_free_inference_ranks_before_a_cheap_one() -> None:
    job = {
        "InferenceRecommendations": [
            {"EndpointConfiguration": {"InstanceType": "ml.c5.large"}, "Metrics": {"CostPerInference": 0.5}},
            {"EndpointConfiguration": {"InstanceType": "ml.t2.medium"}, "Metrics": {"CostPerInference": 0.0}},
        ]
    }
    assert [(rec.rank, rec.instance_type) for rec in parse_recommendations(job)] == [
        (1, "ml.t2.medium"),
        (2, "ml.c5.large"),
    ]


class Table:
    """The two calls store_run makes, with what it asked."""

    def __init__(self, accepted: bool) -> None:
        self.accepted = accepted
        self.asked: list[set[str]] = []

    def put_run(self, record: RunRecord, *, overwrite_status: set[str]) -> bool:
        self.asked.append(overwrite_status)
        return self.accepted

    def get_run(self, endpoint: str, run_key: str) -> dict[str, Any] | None:
        return None


def test_a_stored_run_is_new_and_not_yet_notified() -> None:
    table = Table(accepted=True)
    assert store_run(RECORD, store=table, overwrite_status={"COMPLETED"}) == (RECORD, False)  # type: ignore[arg-type]
    assert table.asked == [{"COMPLETED"}]


def test_a_refused_write_of_a_run_the_table_no_longer_has_is_not_notified_yet() -> None:
    # The conditional put refused (another outcome was recorded), then the item is gone (TTL, a reset).
    table = Table(accepted=False)
    assert store_run(RECORD, store=table, overwrite_status=set()) == (RECORD, False)  # type: ignore[arg-type]


# ------------------------------------------------------------------------------ a record too large for one item
def with_recommendations(count: int) -> RunRecord:
    recs = [
        Recommendation(rank=i + 1, instance_type=f"ml.c5.{i}xlarge", recommendation_id="r" * 40) for i in range(count)
    ]
    return RECORD.model_copy(update={"recommendations": recs})


def cut_to(record: RunRecord, keep: int) -> RunRecord:
    recs = record.recommendations or []
    return record.model_copy(update={"recommendations": recs[:keep], "recommendations_omitted": len(recs) - keep})


@pytest.mark.parametrize("keep", [0, 1, 3, 5, 6])
def test_a_record_keeps_the_most_recommendations_that_fit_to_the_byte(keep: int) -> None:
    record = with_recommendations(7)
    fitted = fit_item(record, item_bytes(cut_to(record, keep)))  # a budget of exactly that size
    assert (len(fitted.recommendations or []), fitted.recommendations_omitted) == (keep, 7 - keep)
    assert item_bytes(fitted) == item_bytes(cut_to(record, keep))


def test_a_record_of_exactly_the_budget_is_whole() -> None:
    record = with_recommendations(7)
    assert fit_item(record, item_bytes(record)) is record


def test_the_omitted_count_is_measured_with_the_recommendations_it_replaces() -> None:
    """A recommendation can be smaller than the count that replaces it: `{"rank":3,"environment":{}}`
    and its comma are 29 bytes, `"recommendationsOmitted":1097` and its comma 30. Measured without
    the count, a third recommendation would seem to fit where it does not."""
    record = RECORD.model_copy(update={"recommendations": [Recommendation(rank=i + 1) for i in range(1100)]})
    budget = item_bytes(cut_to(record, 2))
    fitted = fit_item(record, budget)
    assert (len(fitted.recommendations or []), fitted.recommendations_omitted) == (2, 1098)
    assert item_bytes(fitted) <= budget
