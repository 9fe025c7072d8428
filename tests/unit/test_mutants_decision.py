"""The decision's rules where mutation testing found them unpinned (make mutation, issue 11): the
reasons of every UNKNOWN verdict whole, the latency delta's rounding and absence, the tie-breaks on
a free candidate and on an unknown latency, savings to the cent, no percentage of a zero cost, the
KEEP reason with and without knowing whether the current endpoint serves the peak; and the scaling
objective's bounds for figures that are not finite."""

from __future__ import annotations

import math

import pytest

from recommender.logic.decision import (
    Candidate,
    Current,
    Policy,
    Traffic,
    decide,
    instances_for,
    monthly_cost,
    serves_peak,
    size_candidate,
)
from recommender.logic.scaling import objective

TRAFFIC = Traffic(mean=50, p95=80, peak=100, minutes_with_data=600)
# 1 x $0.20: $146.00 a month; 200/min at 0.7 utilization = 140/min >= a peak of 100.
CURRENT = Current("ml.m5.xlarge", 1, 10.0, 0.2, 200)


def candidate(
    rank: int, cost: float | None = 0.1, max_inv: float | None = 200, latency: float | None = 10
) -> Candidate:
    return Candidate(rank, f"ml.c5.{rank}xlarge", cost, max_inv, latency)


def test_a_latency_delta_to_the_microsecond_and_none_when_unknown() -> None:
    policy = Policy()
    assert size_candidate(candidate(1, latency=10.12345), CURRENT, TRAFFIC, policy, None).latency_delta_ms == 0.123
    assert size_candidate(candidate(1, latency=None), CURRENT, TRAFFIC, policy, None).latency_delta_ms is None


@pytest.mark.parametrize(
    ("candidates", "current", "reason"),
    [
        ([], CURRENT, "no recommendations to choose from"),
        (
            [candidate(1, max_inv=None)],
            CURRENT,
            "no recommendation reports MaxInvocations: cannot size any for the peak",
        ),
        (
            [candidate(1, latency=500)],
            Current("ml.m5.xlarge", 1, None, None),  # no latency of its own and no maxModelLatencyMs
            "no price for the current ml.m5.xlarge x1: cannot compare with rank 1 ml.c5.1xlarge x1 at $73.00/month "
            "for a peak of 100/min at 0.7 utilization; "
            "latency not a constraint (current latency unknown and no maxModelLatencyMs)",
        ),
    ],
)
def test_unknown_verdicts_say_why_whole(candidates: list[Candidate], current: Current, reason: str) -> None:
    verdict = decide(candidates, current, TRAFFIC).verdict
    assert (verdict.decision, verdict.reason) == ("UNKNOWN", reason)


def test_a_free_candidate_is_the_cheapest() -> None:
    # $0/hour is a price (0.0, not unknown): it beats $0.001 (x1: $0.73 a month), less than a dollar.
    verdict = decide([candidate(1, cost=0.001), candidate(2, cost=0.0)], CURRENT, TRAFFIC).verdict
    assert (verdict.rank, verdict.monthly_savings, verdict.savings_percent) == (2, 146.0, 100.0)


def test_at_the_same_cost_a_known_latency_beats_an_unknown_one() -> None:
    # No latency bound (the current latency is unknown): both candidates are in, the tie is on cost.
    unbounded = Current("ml.m5.xlarge", 1, None, 0.2, 200)
    verdict = decide([candidate(1, latency=None), candidate(2, latency=9)], unbounded, TRAFFIC).verdict
    assert verdict.rank == 2


def test_an_idle_window_is_sized_for_one_instance_and_says_so() -> None:
    idle = Traffic(mean=0, p95=0, peak=0, minutes_with_data=0)
    verdict = decide([candidate(1)], CURRENT, idle).verdict
    assert verdict.reason == (
        "rank 1 ml.c5.1xlarge x1 at $73.00/month for a peak of 0/min at 0.7 utilization; "
        "latency <= 11 ms (current + 10%); no invocations in the window: sized for the minimum of one instance: "
        "saves $73.00/month against $146.00/month now"
    )


def test_savings_are_rounded_to_the_cent() -> None:
    # $0.1234/hour x 730 = $90.082 a month: $146.00 - $90.082 = $55.918, saved $55.92 (38.3 %).
    verdict = decide([candidate(1, cost=0.1234)], CURRENT, TRAFFIC).verdict
    assert (verdict.decision, verdict.monthly_savings, verdict.savings_percent) == ("CHANGE", 55.92, 38.3)


@pytest.mark.parametrize(
    ("price", "savings", "percent"),
    [
        (0.0, -73.0, None),  # a free current endpoint: no percentage of nothing
        (0.001, -72.27, -9900.0),  # $0.73 a month: a percentage even below a dollar
    ],
)
def test_no_percentage_of_a_zero_cost(price: float, savings: float, percent: float | None) -> None:
    # 1 x 100/min at 0.7 = 70/min: the current endpoint cannot serve the peak, whatever it costs.
    weak = Current("ml.m5.xlarge", 1, 10.0, price, 100)
    verdict = decide([candidate(1)], weak, TRAFFIC).verdict
    assert (verdict.decision, verdict.monthly_savings, verdict.savings_percent) == ("CHANGE", savings, percent)


@pytest.mark.parametrize(
    ("max_invocations", "serving"),
    [(200, ""), (None, " (whether it serves the peak is unknown)")],
)
def test_keep_says_whether_serving_the_peak_is_unknown(max_invocations: float | None, serving: str) -> None:
    current = Current("ml.m5.xlarge", 1, 10.0, 0.05, max_invocations)  # $36.50 a month
    verdict = decide([candidate(1)], current, TRAFFIC).verdict
    assert verdict.reason == (
        f"the current ml.m5.xlarge x1 at $36.50/month{serving} is not more expensive than the cheapest "
        "alternative, rank 1 ml.c5.1xlarge x1 at $73.00/month for a peak of 100/min at 0.7 utilization; "
        "latency <= 11 ms (current + 10%)"
    )


@pytest.mark.parametrize(
    ("mean", "peak", "bounds"),
    [
        (math.nan, 10.2, (1, 11)),  # no mean: at least one a minute
        (5.4, math.inf, (5, 5)),  # no finite peak: the mean
        (math.nan, math.nan, (1, 1)),
    ],
)
def test_the_scaling_objective_of_figures_that_are_not_finite(
    mean: float, peak: float, bounds: tuple[int, int]
) -> None:
    assert objective(mean, peak) == bounds


@pytest.mark.parametrize(
    "fields",
    [
        {"target_utilization": 1},  # all of MaxInvocations
        {"target_utilization": 0.01},
        {"latency_tolerance_percent": 0},  # no slower than now
        {"latency_tolerance_percent": 0.5},
        {"max_model_latency_ms": 0.5},  # under a millisecond is a bound too
    ],
)
def test_policies_at_their_bounds_are_valid(fields: dict[str, float]) -> None:
    policy = Policy(**fields)
    assert {name: getattr(policy, name) for name in fields} == fields


@pytest.mark.parametrize(
    ("fields", "message"),
    [
        ({"target_utilization": 0}, r"^target utilization must be in \(0, 1\], got 0$"),
        ({"target_utilization": 1.01}, r"^target utilization must be in \(0, 1\], got 1.01$"),
        ({"latency_tolerance_percent": -0.1}, r"^latency tolerance must be >= 0 percent, got -0.1$"),
        ({"max_model_latency_ms": 0}, r"^max model latency must be > 0 ms, got 0$"),
    ],
)
def test_policies_out_of_bounds_are_refused_with_the_rule(fields: dict[str, float], message: str) -> None:
    with pytest.raises(ValueError, match=message):
        Policy(**fields)


@pytest.mark.parametrize("utilization", [0, 1.5, -1])
def test_sizing_refuses_a_utilization_outside_0_to_1(utilization: float) -> None:
    with pytest.raises(ValueError, match=rf"^target utilization must be in \(0, 1\], got {utilization}$"):
        instances_for(100, 50, utilization)


def test_sizing_at_full_utilization() -> None:
    assert instances_for(100, 50, 1) == 2


def test_a_monthly_cost_is_rounded_to_the_cent() -> None:
    assert monthly_cost(1, 0.0001) == 0.07  # 0.073


def test_an_endpoint_under_one_invocation_a_minute_per_instance_is_sized_too() -> None:
    slow = Current("ml.m5.xlarge", 1, 10.0, 0.2, 0.5)
    assert serves_peak(slow, Traffic(mean=0.1, p95=0.2, peak=0.3, minutes_with_data=60), 1.0) is True
    assert serves_peak(slow, Traffic(mean=0.1, p95=0.2, peak=0.6, minutes_with_data=60), 1.0) is False
