"""Regression: the current endpoint's throughput and latency against the previous completed run."""

from __future__ import annotations

import pytest

from recommender.logic.regression import detect
from recommender.models import CurrentEndpoint, Regression

PREVIOUS = "RUN#2026-11-18T03:00:00Z#ir-orchestrator-0123456789abcdef-demo"


def endpoint(max_invocations: float | None, latency: float | None) -> CurrentEndpoint:
    return CurrentEndpoint(max_invocations=max_invocations, model_latency_ms=latency)


@pytest.mark.parametrize(
    ("previous", "current", "expected"),
    [
        # (maxInvocations, modelLatencyMs) before and now; thresholds: drop 10 %, rise 20 %.
        ((300, 500), (300, 500), None),  # unchanged
        ((300, 500), (270, 600), None),  # exactly at both thresholds: not a regression
        ((300, 500), (264, 500), (12, None)),  # throughput -12 %
        ((300, 500), (300, 625), (None, 25)),  # latency +25 %
        ((300, 500), (264, 625), (12, 25)),  # both
        ((300, 500), (400, 300), None),  # better on both: rises in throughput, drops in latency
        ((300, 500), (330, 650), (None, 30)),  # faster but slower to answer
        ((300, 500), (200, 400), (33.3, None)),  # rounded to one decimal
        # A figure missing on either side says nothing about it.
        ((None, 500), (100, 500), None),
        ((300, None), (300, 900), None),
        ((300, 500), (None, 900), (None, 80)),
        ((300, 500), (100, None), (66.7, None)),
        ((0, 0), (100, 100), None),  # nothing to compare a change with
    ],
)
def test_regression_table(
    previous: tuple[float | None, float | None],
    current: tuple[float | None, float | None],
    expected: tuple[float | None, float | None] | None,
) -> None:
    found = detect(
        endpoint(*current),
        endpoint(*previous),
        previous_run_key=PREVIOUS,
        throughput_drop_percent=10,
        latency_rise_percent=20,
    )
    if expected is None:
        assert found is None
    else:
        assert found == Regression(
            throughput_drop_percent=expected[0], latency_rise_percent=expected[1], previous_run_key=PREVIOUS
        )


def test_no_previous_run_or_no_current_figures_no_regression() -> None:
    kwargs = {"previous_run_key": PREVIOUS, "throughput_drop_percent": 10.0, "latency_rise_percent": 20.0}
    assert detect(endpoint(100, 900), None, **kwargs) is None  # type: ignore[arg-type]
    assert detect(None, endpoint(100, 900), **kwargs) is None  # type: ignore[arg-type]


def test_thresholds_are_the_configured_ones() -> None:
    found = detect(
        endpoint(290, 510),
        endpoint(300, 500),
        previous_run_key=PREVIOUS,
        throughput_drop_percent=1,
        latency_rise_percent=1.5,
    )
    assert found is not None
    assert found.wire() == {"throughputDropPercent": 3.3, "latencyRisePercent": 2, "previousRunKey": PREVIOUS}
