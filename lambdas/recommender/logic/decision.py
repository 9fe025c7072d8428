"""What a completed run concludes: size every recommendation for the observed traffic, price it,
and decide whether to change the target endpoint (design.md, "Decision (round 2)").

Pure: no AWS, no pydantic. Plain frozen dataclasses in, frozen dataclasses out; the caller maps
them to and from the run record.

Formulas (the README states them):

- instances for a rate R per minute = max(1, ceil(R / (MaxInvocations x targetUtilization))),
  `MaxInvocations` being per instance per minute, as Inference Recommender reports it. None when
  `MaxInvocations` is unknown or not positive (never zero instances, never a division error).
  The division is done in decimal on the numbers as written (`Decimal(str(x))`), so a rate exactly
  at capacity (e.g. 2.1 per minute on 3 x 0.7) needs one instance, not two because of binary noise.
- monthly cost = instances x costPerHour x 730 (None when either is unknown), in USD.
- the verdict: among the candidates whose instances-for-peak are known, whose latency is within
  the bound and whose price is known, the cheapest monthly cost (ties: lower latency, then lower
  rank). CHANGE when it is cheaper than the current endpoint, or when the current endpoint cannot
  serve the peak; KEEP otherwise; UNKNOWN when the inputs are missing (each case its own reason).
"""

from __future__ import annotations

import math
from collections.abc import Sequence
from dataclasses import dataclass
from decimal import Decimal
from typing import Literal

HOURS_PER_MONTH = 730
DecisionKind = Literal["CHANGE", "KEEP", "UNKNOWN"]


@dataclass(frozen=True)
class Candidate:
    """One recommendation. `cost_per_hour` is per instance (the service's CostPerHour divided by
    the recommendation's InitialInstanceCount when that is not 1); `max_invocations_per_instance`
    is the service's MaxInvocations (per instance per minute)."""

    rank: int
    instance_type: str | None
    cost_per_hour: float | None
    max_invocations_per_instance: float | None
    model_latency_ms: float | None


@dataclass(frozen=True)
class Current:
    """The target endpoint as it runs: its instances, its measured latency, the on-demand price of
    one of its instances (None when unknown) and, when benchmarked, its MaxInvocations per
    instance per minute (None: whether it serves the peak is unknown)."""

    instance_type: str | None
    instance_count: int | None
    model_latency_ms: float | None
    price_per_hour: float | None
    max_invocations_per_instance: float | None = None


@dataclass(frozen=True)
class Traffic:
    """Invocations per minute of the target endpoint over the observed window. All zero with
    `minutes_with_data` 0 is a valid idle endpoint (sized for the minimum of one instance); no
    measurement at all is `None` where a `Traffic` is expected."""

    mean: float
    p95: float
    peak: float
    minutes_with_data: int


@dataclass(frozen=True)
class Policy:
    """`target_utilization` in (0, 1]: the share of MaxInvocations planned for;
    `latency_tolerance_percent` >= 0: how much slower than the current endpoint a candidate may be;
    `max_model_latency_ms`: an absolute bound that replaces the tolerance when given."""

    target_utilization: float = 0.7
    latency_tolerance_percent: float = 10
    max_model_latency_ms: float | None = None

    def __post_init__(self) -> None:
        if not 0 < self.target_utilization <= 1:
            raise ValueError(f"target utilization must be in (0, 1], got {self.target_utilization}")
        if self.latency_tolerance_percent < 0:
            raise ValueError(f"latency tolerance must be >= 0 percent, got {self.latency_tolerance_percent}")
        if self.max_model_latency_ms is not None and self.max_model_latency_ms <= 0:
            raise ValueError(f"max model latency must be > 0 ms, got {self.max_model_latency_ms}")


@dataclass(frozen=True)
class CandidateSizing:
    """A candidate at the observed traffic (None where unknown). `monthly_cost` is at
    `instances_for_peak`, rounded to cents; `latency_delta_ms` is candidate minus current."""

    rank: int
    instance_type: str | None
    instances_for_peak: int | None
    instances_for_p95: int | None
    monthly_cost: float | None
    latency_delta_ms: float | None
    within_latency_bound: bool


@dataclass(frozen=True)
class CurrentSizing:
    """The current endpoint: its monthly cost at its instance count (cents; None without a price or
    count) and whether it serves the peak at the target utilization (None when unknown)."""

    monthly_cost: float | None
    serves_peak: bool | None


@dataclass(frozen=True)
class Verdict:
    """CHANGE names the chosen candidate (rank, type, instances for the peak) and, when the current
    cost is known, the monthly savings (USD, cents; negative when the change is needed to serve the
    peak and costs more) and their percent of the current cost (0.1). KEEP names the current type
    and count. UNKNOWN names nothing. Absent (None) when unknown or not applicable."""

    decision: DecisionKind
    rank: int | None
    instance_type: str | None
    instance_count: int | None
    monthly_savings: float | None
    savings_percent: float | None
    reason: str


@dataclass(frozen=True)
class Decision:
    """Everything the run record needs: the sizing of each candidate (input order), the current
    endpoint's, the latency bound applied (None: latency was no constraint) and the verdict."""

    candidates: tuple[CandidateSizing, ...]
    current: CurrentSizing
    latency_bound_ms: float | None
    verdict: Verdict


def _decimal(value: float) -> Decimal:
    return Decimal(str(value))


def instances_for(rate_per_minute: float, max_invocations: float | None, target_utilization: float) -> int | None:
    """max(1, ceil(rate / (max_invocations x target_utilization))); None when `max_invocations` is
    unknown or not positive. Exact at capacity (decimal arithmetic on the numbers as written)."""
    if max_invocations is None or not math.isfinite(max_invocations) or max_invocations <= 0:
        return None
    if not 0 < target_utilization <= 1:
        raise ValueError(f"target utilization must be in (0, 1], got {target_utilization}")
    rate = max(_decimal(rate_per_minute), Decimal(0))
    needed = rate / (_decimal(max_invocations) * _decimal(target_utilization))
    return max(1, int(needed.to_integral_value(rounding="ROUND_CEILING")))


def monthly_cost(instances: int | None, cost_per_hour: float | None) -> float | None:
    """instances x cost_per_hour x 730, in USD rounded to cents; None when either is unknown."""
    if instances is None or cost_per_hour is None or not math.isfinite(cost_per_hour):
        return None
    return float(round(instances * _decimal(cost_per_hour) * HOURS_PER_MONTH, 2))


def latency_bound(current: Current, policy: Policy) -> float | None:
    """The highest acceptable model latency (ms): the policy's maximum when given, else the current
    latency plus the tolerance; None (no constraint) when neither is known."""
    if policy.max_model_latency_ms is not None:
        return policy.max_model_latency_ms
    if current.model_latency_ms is None:
        return None
    return float(_decimal(current.model_latency_ms) * (1 + _decimal(policy.latency_tolerance_percent) / 100))


def serves_peak(current: Current, traffic: Traffic | None, target_utilization: float) -> bool | None:
    """Whether max_invocations x count x target_utilization >= peak; None when any is unknown."""
    per_instance = current.max_invocations_per_instance
    if traffic is None or current.instance_count is None or per_instance is None or per_instance <= 0:
        return None
    capacity = _decimal(per_instance) * current.instance_count * _decimal(target_utilization)
    return capacity >= _decimal(traffic.peak)


def size_candidate(
    candidate: Candidate, current: Current, traffic: Traffic | None, policy: Policy, bound: float | None
) -> CandidateSizing:
    """One candidate at the observed traffic (instances, cost, latency against the current one)."""
    per_instance = candidate.max_invocations_per_instance
    utilization = policy.target_utilization
    for_peak = instances_for(traffic.peak, per_instance, utilization) if traffic else None
    for_p95 = instances_for(traffic.p95, per_instance, utilization) if traffic else None
    delta = None
    if candidate.model_latency_ms is not None and current.model_latency_ms is not None:
        delta = float(round(_decimal(candidate.model_latency_ms) - _decimal(current.model_latency_ms), 3))
    within = bound is None or (candidate.model_latency_ms is not None and candidate.model_latency_ms <= bound)
    return CandidateSizing(
        rank=candidate.rank,
        instance_type=candidate.instance_type,
        instances_for_peak=for_peak,
        instances_for_p95=for_p95,
        monthly_cost=monthly_cost(for_peak, candidate.cost_per_hour),
        latency_delta_ms=delta,
        within_latency_bound=within,
    )


def _unknown(reason: str) -> Verdict:
    return Verdict("UNKNOWN", None, None, None, None, None, reason)


def _bound_text(bound: float | None, policy: Policy) -> str:
    if bound is None:
        return "latency not a constraint (current latency unknown and no maxModelLatencyMs)"
    if policy.max_model_latency_ms is not None:
        return f"latency <= {bound:g} ms (maxModelLatencyMs)"
    return f"latency <= {bound:g} ms (current + {policy.latency_tolerance_percent:g}%)"


def _verdict(
    *,
    sized: Sequence[CandidateSizing],
    latencies: dict[int, float | None],
    current: Current,
    now: CurrentSizing,
    traffic: Traffic | None,
    policy: Policy,
    bound: float | None,
) -> Verdict:
    if traffic is None:
        return _unknown("no traffic measurement for the target endpoint: cannot size the recommendations")
    constraint = _bound_text(bound, policy)
    if not sized:
        return _unknown("no recommendations to choose from")
    sizable = [s for s in sized if s.instances_for_peak is not None]
    if not sizable:
        return _unknown("no recommendation reports MaxInvocations: cannot size any for the peak")
    bounded = [s for s in sizable if s.within_latency_bound]
    if not bounded:
        return _unknown(f"no recommendation meets the latency bound ({constraint})")
    priced = [s for s in bounded if s.monthly_cost is not None]
    if not priced:
        return _unknown(f"no price for any recommendation within the bound ({constraint})")

    def order(s: CandidateSizing) -> tuple[float, float, int]:
        latency = latencies.get(s.rank)
        return (s.monthly_cost or 0.0, math.inf if latency is None else latency, s.rank)

    best = min(priced, key=order)
    assert best.monthly_cost is not None
    assert best.instances_for_peak is not None
    choice = (
        f"rank {best.rank} {best.instance_type} x{best.instances_for_peak} at ${best.monthly_cost:,.2f}/month "
        f"for a peak of {traffic.peak:g}/min at {policy.target_utilization:g} utilization; {constraint}"
    )
    if traffic.minutes_with_data == 0:
        choice += "; no invocations in the window: sized for the minimum of one instance"
    savings = percent = None
    if now.monthly_cost is not None:
        savings = round(now.monthly_cost - best.monthly_cost, 2)
        percent = round(savings / now.monthly_cost * 100, 1) if now.monthly_cost > 0 else None

    def change(why: str) -> Verdict:
        return Verdict("CHANGE", best.rank, best.instance_type, best.instances_for_peak, savings, percent, why)

    if now.serves_peak is False:
        return change(
            f"the current {current.instance_type} x{current.instance_count} cannot serve the peak "
            f"of {traffic.peak:g}/min at {policy.target_utilization:g} utilization; {choice}"
        )
    if now.monthly_cost is None or savings is None:
        return _unknown(
            f"no price for the current {current.instance_type} x{current.instance_count}: cannot compare with {choice}"
        )
    if savings > 0:
        return change(f"{choice}: saves ${savings:,.2f}/month against ${now.monthly_cost:,.2f}/month now")
    serving = " (whether it serves the peak is unknown)" if now.serves_peak is None else ""
    return Verdict(
        "KEEP",
        None,
        current.instance_type,
        current.instance_count,
        None,
        None,
        f"the current {current.instance_type} x{current.instance_count} at ${now.monthly_cost:,.2f}/month"
        f"{serving} is not more expensive than the cheapest alternative, {choice}",
    )


def decide(
    candidates: Sequence[Candidate], current: Current, traffic: Traffic | None, policy: Policy | None = None
) -> Decision:
    """Size and price every candidate for `traffic`, the current endpoint too, and conclude.

    `traffic` None means no measurement (verdict UNKNOWN); zero traffic is valid (one instance).
    Candidates keep their input order in the result; the verdict's tie-break is lower cost, then
    lower latency (unknown last), then lower rank. Costs are compared in cents.
    """
    policy = policy or Policy()
    bound = latency_bound(current, policy)
    sized = tuple(size_candidate(c, current, traffic, policy, bound) for c in candidates)
    now = CurrentSizing(
        monthly_cost=monthly_cost(current.instance_count, current.price_per_hour),
        serves_peak=serves_peak(current, traffic, policy.target_utilization),
    )
    latencies = {c.rank: c.model_latency_ms for c in candidates}
    verdict = _verdict(
        sized=sized, latencies=latencies, current=current, now=now, traffic=traffic, policy=policy, bound=bound
    )
    return Decision(candidates=sized, current=now, latency_bound_ms=bound, verdict=verdict)
