"""Branches the other tests never take (issue 11): several `EndpointPerformances`, a metric missing on
either side of the comparison, a `Cause` that is JSON but not a Lambda error."""

from __future__ import annotations

from typing import Any

import pytest

from recommender.logic.failure import error_message, reason_and_violations
from recommender.logic.results import compare, parse_current_endpoint, pick_best
from recommender.models import Comparison, CurrentEndpoint, EndpointSnapshot, Recommendation

SNAPSHOT = EndpointSnapshot(variant_name="AllTraffic", instance_type="ml.m5.xlarge", instance_count=2)


# ------------------------------------------------------------------------------ EndpointPerformances
def performance(key: str, name: str, max_invocations: int, latency: int) -> dict[str, Any]:
    return {key: {"EndpointName": name}, "Metrics": {"MaxInvocations": max_invocations, "ModelLatency": latency}}


def job(benchmarked: str, *performances: dict[str, Any]) -> dict[str, Any]:
    return {"InputConfig": {"Endpoints": [{"EndpointName": benchmarked}]}, "EndpointPerformances": list(performances)}


@pytest.mark.parametrize("key", ["EndpointInfo", "EndpointConfiguration"])
@pytest.mark.parametrize(("benchmarked", "figures"), [("ep-a", (100, 10)), ("ep-b", (200, 20)), ("ep-c", (300, 30))])
def test_the_benchmarked_endpoints_entry_among_several(key: str, benchmarked: str, figures: tuple[int, int]) -> None:
    found = parse_current_endpoint(
        job(
            benchmarked,
            performance(key, "ep-a", 100, 10),
            performance(key, "ep-b", 200, 20),
            performance(key, "ep-c", 300, 30),
        ),
        SNAPSHOT,
    )
    assert found == CurrentEndpoint(
        variant_name="AllTraffic",
        instance_type="ml.m5.xlarge",
        instance_count=2,
        max_invocations=figures[0],
        model_latency_ms=figures[1],
    )


def test_entries_under_either_key_in_one_job() -> None:
    entries = (performance("EndpointConfiguration", "ep-a", 100, 10), performance("EndpointInfo", "ep-b", 200, 20))
    assert parse_current_endpoint(job("ep-a", *entries), None) == CurrentEndpoint(
        max_invocations=100, model_latency_ms=10
    )
    assert parse_current_endpoint(job("ep-b", *entries), None) == CurrentEndpoint(
        max_invocations=200, model_latency_ms=20
    )


def test_an_entry_naming_another_endpoint() -> None:
    # The only entry is taken whatever it names; among several, none that names another endpoint.
    alone = job("ep-x", performance("EndpointInfo", "ep-a", 100, 10))
    assert parse_current_endpoint(alone, None) == CurrentEndpoint(max_invocations=100, model_latency_ms=10)
    two = job("ep-x", performance("EndpointInfo", "ep-a", 100, 10), performance("EndpointInfo", "ep-b", 200, 20))
    assert parse_current_endpoint(two, None) == CurrentEndpoint()
    assert parse_current_endpoint(job("ep-x"), None) == CurrentEndpoint()


# ------------------------------------------------------------------------------ compare()
def compared(chosen: dict[str, float | None], current: CurrentEndpoint) -> Comparison | None:
    recs = [Recommendation(rank=1, instance_type="ml.c6i.xlarge", cost_per_inference=1e-6, **chosen)]
    return compare(recs, pick_best(recs), current)


@pytest.mark.parametrize(
    ("recommended", "current", "ratio"),
    [
        (400, 200, 2),  # 400 / 200
        (300, 400, 0.75),
        (1000, 3, 333.3333),  # rounded to 4 decimals
        (None, 200, None),  # missing on the recommendation's side
        (400, None, None),  # missing on the current side
        (400, 0, None),  # nothing to divide by
        (None, None, None),
    ],
)
def test_throughput_ratio_needs_both_figures(
    recommended: float | None, current: float | None, ratio: float | None
) -> None:
    found = compared({"max_invocations": recommended}, CurrentEndpoint(max_invocations=current))
    assert found == Comparison(rank=1, instance_type="ml.c6i.xlarge", throughput_ratio=ratio)


@pytest.mark.parametrize(
    ("recommended", "current", "delta"),
    [
        (40, 50, -10),  # 40 - 50: faster
        (75.5, 50, 25.5),  # slower
        (50, 50, 0),
        (1.0004, 1, 0),  # rounded to 3 decimals
        (None, 50, None),  # missing on the recommendation's side
        (40, None, None),  # missing on the current side
        (0, 0, 0),  # zero is a figure, not a missing one
        (None, None, None),
    ],
)
def test_latency_delta_needs_both_figures(
    recommended: float | None, current: float | None, delta: float | None
) -> None:
    found = compared({"model_latency_ms": recommended}, CurrentEndpoint(model_latency_ms=current))
    assert found == Comparison(rank=1, instance_type="ml.c6i.xlarge", latency_delta_ms=delta)


# ------------------------------------------------------------------------------ Causes
@pytest.mark.parametrize(
    "cause",
    [
        '{"error": "States.TaskFailed", "cause": "boom"}',  # JSON, but no errorMessage
        '{"errorMessage": 42}',  # an errorMessage that is not text
        '{"errorMessage": null}',
        '["first", "second"]',
        '"a JSON string"',
        "42",
        "null",
    ],
)
def test_a_json_cause_that_is_not_a_lambda_error_is_read_as_it_is(cause: str) -> None:
    assert error_message(cause) == cause
    assert reason_and_violations("States.TaskFailed", cause) == (cause, [])


def test_a_lambda_error_cause_gives_its_message() -> None:
    cause = '{"errorMessage": "job j failed: boom", "errorType": "JobFailed", "stackTrace": []}'
    assert error_message(cause) == "job j failed: boom"
    # An empty message says nothing: the error's name is the reason.
    assert reason_and_violations("JobFailed", '{"errorMessage": ""}') == ("JobFailed", [])
    assert error_message("") == ""
