"""Regression: the current endpoint measured worse than in the previous COMPLETED run.

Pure: the figures of two runs of the same endpoint and job type in, the regression (or None) out.
Throughput is the current endpoint's `maxInvocations`, latency its `modelLatencyMs`; a figure
counts only beyond its threshold (exactly at the threshold is not a regression), and a figure
missing on either side says nothing.
"""

from __future__ import annotations

from recommender.models import CurrentEndpoint, Regression, finite


def _change_percent(before: float | None, now: float | None) -> float | None:
    """(now - before) / before in percent; None when either is unknown or `before` is not positive."""
    if before is None or now is None or before <= 0:
        return None
    # Rounded: the float noise of the division must not put a change exactly at a threshold over it.
    return round((now - before) / before * 100, 6)


def detect(
    current: CurrentEndpoint | None,
    previous: CurrentEndpoint | None,
    *,
    previous_run_key: str,
    throughput_drop_percent: float,
    latency_rise_percent: float,
) -> Regression | None:
    """The figures beyond their threshold, with the run they are measured against; None if none."""
    if current is None or previous is None:
        return None
    throughput = _change_percent(previous.max_invocations, current.max_invocations)
    latency = _change_percent(previous.model_latency_ms, current.model_latency_ms)
    drop = -throughput if throughput is not None and -throughput > throughput_drop_percent else None
    rise = latency if latency is not None and latency > latency_rise_percent else None
    if drop is None and rise is None:
        return None
    return Regression(
        throughput_drop_percent=finite(round(drop, 1)) if drop is not None else None,
        latency_rise_percent=finite(round(rise, 1)) if rise is not None else None,
        previous_run_key=previous_run_key,
    )
