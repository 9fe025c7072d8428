"""Regression detection where mutation testing found it unpinned (make mutation, issue 11): figures
below 1, the rounding that decides "exactly at the threshold", one decimal of the latency rise."""

from __future__ import annotations

from recommender.logic.regression import detect
from recommender.models import CurrentEndpoint, Regression

PREVIOUS = "RUN#2026-11-18T03:00:00Z#ir-orchestrator-0123456789abcdef-demo"
THRESHOLDS = {"previous_run_key": PREVIOUS, "throughput_drop_percent": 10.0, "latency_rise_percent": 20.0}


def endpoint(max_invocations: float | None, latency: float | None) -> CurrentEndpoint:
    return CurrentEndpoint(max_invocations=max_invocations, model_latency_ms=latency)


def test_a_figure_between_0_and_1_is_compared() -> None:
    # 0.5 ms -> 1 ms is +100 %; only a figure of 0 (or less) has nothing to compare a change with.
    found = detect(endpoint(None, 1.0), endpoint(None, 0.5), **THRESHOLDS)  # type: ignore[arg-type]
    assert found == Regression(latency_rise_percent=100, previous_run_key=PREVIOUS)
    found = detect(endpoint(None, 2.0), endpoint(None, 1.0), **THRESHOLDS)  # type: ignore[arg-type]
    assert found == Regression(latency_rise_percent=100, previous_run_key=PREVIOUS)


def test_a_change_within_a_millionth_of_a_percent_of_the_threshold_is_at_it() -> None:
    # -10.0000004 %: rounded to 6 decimals it is exactly the 10 % threshold, so not beyond it.
    assert detect(endpoint(8_999_999.96, None), endpoint(10_000_000, None), **THRESHOLDS) is None  # type: ignore[arg-type]
    # -10.000002 % is beyond it.
    found = detect(endpoint(8_999_999.8, None), endpoint(10_000_000, None), **THRESHOLDS)  # type: ignore[arg-type]
    assert found == Regression(throughput_drop_percent=10, previous_run_key=PREVIOUS)


def test_the_latency_rise_has_one_decimal() -> None:
    # 300 -> 400 ms: +33.333... %
    found = detect(endpoint(None, 400), endpoint(None, 300), **THRESHOLDS)  # type: ignore[arg-type]
    assert found is not None
    assert found.latency_rise_percent == 33.3
    assert found.throughput_drop_percent is None
