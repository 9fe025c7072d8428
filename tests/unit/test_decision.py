"""The decision rules (logic/decision.py), one table per rule."""

from __future__ import annotations

from typing import Any

import pytest

from recommender.logic.decision import (
    Candidate,
    Current,
    Policy,
    Traffic,
    decide,
    instances_for,
    latency_bound,
    monthly_cost,
    serves_peak,
)


def cand(
    rank: int,
    instance_type: str = "ml.c5.large",
    cost: float | None = 0.1,
    max_inv: float | None = 100,
    latency: float | None = 10,
) -> Candidate:
    return Candidate(rank, instance_type, cost, max_inv, latency)


def cur(
    count: int | None = 2,
    price: float | None = 0.2,
    latency: float | None = 10,
    max_inv: float | None = 100,
    instance_type: str = "ml.m5.large",
) -> Current:
    return Current(instance_type, count, latency, price, max_inv)


def traffic(peak: float, p95: float | None = None, mean: float | None = None, minutes: int = 20_160) -> Traffic:
    return Traffic(mean=mean if mean is not None else peak / 4, p95=p95 if p95 is not None else peak / 2,
                   peak=peak, minutes_with_data=minutes)  # fmt: skip


@pytest.mark.parametrize(
    ("rate", "max_inv", "utilization", "expected"),
    [
        (0, 100, 0.7, 1),  # zero traffic: the minimum, one instance
        (1, 100, 0.7, 1),
        (70, 100, 0.7, 1),  # exactly at capacity
        (70.5, 100, 0.7, 2),  # just above: rounds up
        (71, 100, 1.0, 1),  # utilization 1: the whole MaxInvocations
        (140, 100, 0.7, 2),
        (141, 100, 0.7, 3),
        (2.1, 3, 0.7, 1),  # 3 x 0.7 is 2.0999999999999996 in binary: must not round up
        (6.3, 3, 0.7, 3),  # 6.3 / 2.1 is 3.0000000000000004 in binary
        (0.3, 0.1, 1.0, 3),  # 0.3 / 0.1 is 2.9999999999999996 in binary
        (1000, 100, 0.5, 20),  # utilization halves the capacity
        (1000, 100, 0.7, 15),  # 1000 / 70 = 14.29
        (5, None, 0.7, None),  # MaxInvocations missing
        (5, 0, 0.7, None),  # zero: never a division error
        (5, -3, 0.7, None),
        (5, float("nan"), 0.7, None),
    ],
)
def test_instances_for(rate: float, max_inv: float | None, utilization: float, expected: int | None) -> None:
    assert instances_for(rate, max_inv, utilization) == expected


@pytest.mark.parametrize(
    ("instances", "price", "expected"),
    [(1, 0.115, 83.95), (3, 0.23, 503.7), (2, 1.0, 1460.0), (None, 0.1, None), (2, None, None), (0, 0.5, 0.0)],
)
def test_monthly_cost(instances: int | None, price: float | None, expected: float | None) -> None:
    assert monthly_cost(instances, price) == expected


@pytest.mark.parametrize(
    ("current", "policy", "expected"),
    [
        (cur(latency=10), Policy(), 11.0),  # current + 10 %
        (cur(latency=10), Policy(latency_tolerance_percent=0), 10.0),
        (cur(latency=20), Policy(latency_tolerance_percent=25), 25.0),
        (cur(latency=10), Policy(max_model_latency_ms=50), 50),  # the input's maximum wins
        (cur(latency=None), Policy(max_model_latency_ms=50), 50),
        (cur(latency=None), Policy(), None),  # no constraint
    ],
)
def test_latency_bound(current: Current, policy: Policy, expected: float | None) -> None:
    assert latency_bound(current, policy) == expected


@pytest.mark.parametrize(
    ("current", "peak", "expected"),
    [
        (cur(count=2, max_inv=100), 140, True),  # exactly at 2 x 100 x 0.7
        (cur(count=2, max_inv=100), 140.5, False),
        (cur(count=1, max_inv=3), 2.1, True),  # binary noise must not make it fail
        (cur(count=2, max_inv=None), 10, None),
        (cur(count=None, max_inv=100), 10, None),
        (cur(count=2, max_inv=0), 10, None),
    ],
)
def test_serves_peak(current: Current, peak: float, expected: bool | None) -> None:
    assert serves_peak(current, traffic(peak), 0.7) is expected


def test_serves_peak_unknown_without_traffic() -> None:
    assert serves_peak(cur(), None, 0.7) is None


@pytest.mark.parametrize(
    "kwargs",
    [{"target_utilization": 0}, {"target_utilization": 1.2}, {"latency_tolerance_percent": -1},
     {"max_model_latency_ms": 0}],
)  # fmt: skip
def test_policy_rejects_nonsense(kwargs: dict[str, float]) -> None:
    with pytest.raises(ValueError, match="must be"):
        Policy(**kwargs)


def test_sizing_peak_vs_p95_and_latency_delta() -> None:
    decision = decide([cand(1, max_inv=100, cost=0.1, latency=12.5)], cur(latency=10), traffic(peak=300, p95=100))
    (sized,) = decision.candidates
    assert (sized.instances_for_peak, sized.instances_for_p95) == (5, 2)  # 300/70 -> 5, 100/70 -> 2
    assert sized.monthly_cost == 365.0  # at the peak's instances: 5 x 0.1 x 730
    assert sized.latency_delta_ms == 2.5
    assert sized.within_latency_bound is False  # 12.5 > 11
    assert decision.latency_bound_ms == 11.0


def test_current_sizing() -> None:
    decision = decide([cand(1)], cur(count=3, price=0.23, max_inv=100), traffic(peak=300))
    assert decision.current.monthly_cost == 503.7
    assert decision.current.serves_peak is False  # 3 x 100 x 0.7 = 210 < 300
    assert decide([cand(1)], cur(price=None), traffic(peak=10)).current.monthly_cost is None


# (candidates, current, traffic, policy, expected (decision, rank, type, count, savings, percent), reason words)
VERDICT_ROWS = [
    pytest.param(
        [cand(1, "ml.c5.large", cost=0.1), cand(2, "ml.c5.xlarge", cost=0.2)],
        cur(count=2, price=0.2),
        traffic(peak=100),
        Policy(),
        ("CHANGE", 1, "ml.c5.large", 2, 146.0, 50.0),  # 2 x 0.1 x 730 = 146 vs 292
        ["saves $146.00/month"],
        id="cheaper-candidate",
    ),
    pytest.param(
        [cand(1, cost=0.1, max_inv=50), cand(2, "ml.c5.xlarge", cost=0.15, max_inv=200)],
        cur(count=2, price=0.2),
        traffic(peak=140, p95=10),
        Policy(),
        ("CHANGE", 2, "ml.c5.xlarge", 1, 182.5, 62.5),  # rank 1 needs 4 for the peak (438), rank 2 one (109.5)
        ["rank 2"],
        id="sized-for-peak-not-p95",
    ),
    pytest.param(
        [cand(1, cost=0.2, max_inv=100)],
        cur(count=3, price=0.2, max_inv=None),
        traffic(peak=100),
        Policy(target_utilization=0.5),
        ("CHANGE", 1, "ml.c5.large", 2, 146.0, 33.3),  # 100 / (100 x 0.5) = 2 instances: 292 vs 438
        ["0.5 utilization"],
        id="utilization-half",
    ),
    pytest.param(
        [cand(1, cost=0.2, max_inv=100)],
        cur(count=3, price=0.2, max_inv=None),
        traffic(peak=100),
        Policy(target_utilization=0.25),
        ("KEEP", None, "ml.m5.large", 3, None, None),  # 100 / 25 = 4 instances: 584 vs 438
        [],
        id="utilization-quarter",
    ),
    pytest.param(
        [cand(1, cost=0.2)],
        cur(count=2, price=0.2),
        traffic(peak=140),  # exactly 2 x 100 x 0.7: two instances, same cost
        Policy(),
        ("KEEP", None, "ml.m5.large", 2, None, None),
        ["not more expensive"],
        id="same-cost-keeps",
    ),
    pytest.param(
        [cand(1, cost=0.3, max_inv=100)],
        cur(count=1, price=0.2, max_inv=100),
        traffic(peak=140),
        Policy(),
        ("CHANGE", 1, "ml.c5.large", 2, -292.0, -200.0),  # needs 2 x 0.3: dearer, but the current cannot serve
        ["cannot serve the peak"],
        id="current-cannot-serve-peak",
    ),
    pytest.param(
        [cand(1, cost=0.3, max_inv=100)],
        cur(count=1, price=None, max_inv=100),
        traffic(peak=140),
        Policy(),
        ("CHANGE", 1, "ml.c5.large", 2, None, None),  # no current price: savings unknown, change still needed
        ["cannot serve the peak"],
        id="cannot-serve-without-price",
    ),
    pytest.param(
        [cand(1, cost=0.1)],
        cur(count=1, price=None),
        traffic(peak=10),
        Policy(),
        ("UNKNOWN", None, None, None, None, None),
        ["no price for the current"],
        id="no-current-price",
    ),
    pytest.param(
        [cand(1, cost=None), cand(2, cost=None)],
        cur(),
        traffic(peak=10),
        Policy(),
        ("UNKNOWN", None, None, None, None, None),
        ["no price for any recommendation"],
        id="no-candidate-price",
    ),
    pytest.param(
        [cand(1)],
        cur(),
        None,
        Policy(),
        ("UNKNOWN", None, None, None, None, None),
        ["no traffic measurement"],
        id="no-traffic",
    ),
    pytest.param(
        [cand(1, cost=0.1)],
        cur(count=2, price=0.2),
        Traffic(mean=0, p95=0, peak=0, minutes_with_data=0),
        Policy(),
        ("CHANGE", 1, "ml.c5.large", 1, 219.0, 75.0),  # idle: one instance, 73 vs 292
        ["minimum of one instance"],
        id="zero-traffic-one-instance",
    ),
    pytest.param(
        [cand(1, max_inv=None), cand(2, max_inv=0)],
        cur(),
        traffic(peak=10),
        Policy(),
        ("UNKNOWN", None, None, None, None, None),
        ["MaxInvocations"],
        id="no-max-invocations",
    ),
    pytest.param(
        [cand(1, max_inv=None, cost=0.01), cand(2, cost=0.1)],
        cur(count=2, price=0.2),
        traffic(peak=10),
        Policy(),
        ("CHANGE", 2, "ml.c5.large", 1, 219.0, 75.0),  # the unsizable one is skipped however cheap
        [],
        id="unsizable-skipped",
    ),
    pytest.param(
        [cand(1, latency=11.5), cand(2, latency=None)],
        cur(latency=10),
        traffic(peak=10),
        Policy(),
        ("UNKNOWN", None, None, None, None, None),
        ["latency bound", "11 ms (current + 10%)"],
        id="none-within-tolerance",
    ),
    pytest.param(
        [cand(1, cost=0.05, latency=11.5), cand(2, cost=0.1, latency=11)],
        cur(count=1, price=0.2, latency=10),
        traffic(peak=10),
        Policy(),
        ("CHANGE", 2, "ml.c5.large", 1, 73.0, 50.0),  # rank 1 is cheaper but slower than 11 ms
        ["current + 10%"],
        id="tolerance-excludes-cheapest",
    ),
    pytest.param(
        [cand(1, cost=0.05, latency=11.5), cand(2, cost=0.1, latency=11)],
        cur(count=1, price=0.2, latency=10),
        traffic(peak=10),
        Policy(max_model_latency_ms=12),
        ("CHANGE", 1, "ml.c5.large", 1, 109.5, 75.0),  # the given maximum replaces the tolerance
        ["(maxModelLatencyMs)"],
        id="max-latency-given",
    ),
    pytest.param(
        [cand(1, cost=0.05, latency=500), cand(2, cost=0.1, latency=None)],
        cur(count=1, price=0.2, latency=None),
        traffic(peak=10),
        Policy(),
        ("CHANGE", 1, "ml.c5.large", 1, 109.5, 75.0),  # current latency unknown: no constraint, said so
        ["latency not a constraint"],
        id="unknown-current-latency",
    ),
    pytest.param(
        [cand(1, "a", cost=0.1, latency=9), cand(2, "b", cost=0.1, latency=8), cand(3, "c", cost=0.1, latency=8)],
        cur(count=1, price=0.2),
        traffic(peak=10),
        Policy(),
        ("CHANGE", 2, "b", 1, 73.0, 50.0),  # same cost: lower latency, then lower rank
        [],
        id="ties",
    ),
    pytest.param(
        [],
        cur(),
        traffic(peak=10),
        Policy(),
        ("UNKNOWN", None, None, None, None, None),
        ["no recommendations"],
        id="no-candidates",
    ),
    pytest.param(
        [cand(1, cost=0.0999)],
        cur(count=1, price=0.1),
        traffic(peak=10),
        Policy(),
        ("CHANGE", 1, "ml.c5.large", 1, 0.07, 0.1),  # rounded to cents and 0.1 %
        [],
        id="rounding",
    ),
    pytest.param(
        [cand(1, cost=0.1)],
        cur(count=2, price=0.2, max_inv=None),
        traffic(peak=10),
        Policy(),
        ("CHANGE", 1, "ml.c5.large", 1, 219.0, 75.0),  # serving unknown does not block a cheaper change
        [],
        id="current-serving-unknown",
    ),
    pytest.param(
        [cand(1, cost=0.5)],
        cur(count=1, price=0.2, max_inv=None),
        traffic(peak=10),
        Policy(),
        ("KEEP", None, "ml.m5.large", 1, None, None),
        ["whether it serves the peak is unknown"],
        id="keep-serving-unknown",
    ),
]


VERDICTS = [pytest.param(row.values, id=row.id) for row in VERDICT_ROWS]


@pytest.mark.parametrize("row", VERDICTS)
def test_verdict(row: tuple[Any, ...]) -> None:
    candidates, current, observed, policy, expected, words = row
    verdict = decide(candidates, current, observed, policy).verdict
    got = (
        verdict.decision,
        verdict.rank,
        verdict.instance_type,
        verdict.instance_count,
        verdict.monthly_savings,
        verdict.savings_percent,
    )
    assert got == expected, verdict.reason
    for word in words:
        assert word in verdict.reason
