"""The target endpoint's observed traffic: CloudWatch `AWS/SageMaker` `Invocations` per minute.

One GetMetricData query (dimensions EndpointName + VariantName, Period 60, Stat Sum) over the
last `days` days, read to the last page (NextToken). A 14-day window is 20,160 one-minute points,
within the 100,800 datapoints CloudWatch returns per call, but the pages are followed anyway: a
longer window, or a service that pages earlier, must not silently truncate the traffic.
CloudWatch keeps one-minute data for 15 days; beyond that the oldest minutes come back empty
(and count as minutes without data).

Statistics, over the whole window of `days x 1440` minutes:

- `mean`: the sum of the invocations divided by the number of minutes in the window, minutes
  without a datapoint counting as zero. SageMaker publishes no datapoint for a minute without
  invocations, so "no datapoint" means "no traffic"; averaging only the minutes with data would
  overstate the load of a bursty endpoint.
- `p95`: nearest rank over all the window's minutes (zeros included): the value at rank
  ceil(0.95 x N) of the N minutes sorted ascending.
- `peak`: the busiest minute (0 when none had data).
- `minutes_with_data`: minutes with a datapoint (an idle endpoint has 0: valid, sized for the
  minimum of one instance by logic/decision.py).
"""

from __future__ import annotations

import math
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta
from decimal import ROUND_CEILING, Decimal
from typing import Any

from recommender.adapters.aws import client
from recommender.adapters.sagemaker import invocations_stat
from recommender.logic.decision import Traffic

PERIOD_SECONDS = 60
MINUTES_PER_DAY = 1440
QUERY_ID = "invocations"
SOURCE = "cloudwatch"


@dataclass(frozen=True)
class ObservedTraffic:
    """Invocations per minute of one endpoint variant over the window (the run record's `traffic`)."""

    endpoint_name: str
    variant_name: str
    window_days: int
    window_minutes: int
    minutes_with_data: int
    mean_per_minute: float
    p95_per_minute: float
    peak_per_minute: float
    source: str = SOURCE

    def traffic(self) -> Traffic:
        """The figures logic/decision.py sizes for."""
        return Traffic(
            mean=self.mean_per_minute,
            p95=self.p95_per_minute,
            peak=self.peak_per_minute,
            minutes_with_data=self.minutes_with_data,
        )


def window(days: int, now: datetime) -> tuple[datetime, datetime]:
    """[start, end) of the last `days` days, on whole minutes (UTC): the running minute is left out."""
    if days < 1:
        raise ValueError(f"the traffic window must be at least one day, got {days}")
    moment = now if now.tzinfo else now.replace(tzinfo=UTC)
    end = moment.astimezone(UTC).replace(second=0, microsecond=0)
    return end - timedelta(days=days), end


def per_minute(endpoint: str, variant: str, start: datetime, end: datetime) -> dict[datetime, float]:
    """Invocations of each minute in [start, end) that has a datapoint, all pages read."""
    query: dict[str, Any] = {
        "Id": QUERY_ID,
        "MetricStat": invocations_stat(endpoint, variant, PERIOD_SECONDS),
        "ReturnData": True,
    }
    found: dict[datetime, float] = {}
    token: str | None = None
    while True:
        page = client("cloudwatch").get_metric_data(
            MetricDataQueries=[query],
            StartTime=start,
            EndTime=end,
            ScanBy="TimestampAscending",
            **({"NextToken": token} if token else {}),
        )
        for result in page.get("MetricDataResults") or []:
            if result.get("Id") != QUERY_ID:
                continue
            for stamp, value in zip(result.get("Timestamps") or [], result.get("Values") or [], strict=False):
                minute = stamp.astimezone(UTC).replace(second=0, microsecond=0)
                if start <= minute < end and math.isfinite(value):
                    found[minute] = found.get(minute, 0.0) + float(value)
        token = page.get("NextToken")
        if not token:
            return found


def nearest_rank(values: list[float], percentile: float) -> float:
    """The nearest-rank percentile: the value at rank ceil(p/100 x N) of the values sorted (0 when empty)."""
    if not values:
        return 0.0
    ordered = sorted(values)
    # In decimal: 0.95 x 1,440 must be rank 1,368, whatever the binary noise of the product.
    exact = Decimal(str(percentile)) * len(ordered) / 100
    rank = min(len(ordered), max(1, int(exact.to_integral_value(rounding=ROUND_CEILING))))
    return ordered[rank - 1]


def summarize(endpoint: str, variant: str, days: int, minutes: dict[datetime, float]) -> ObservedTraffic:
    """Mean, p95 and peak over all `days x 1440` minutes (those without data count as zero)."""
    total = days * MINUTES_PER_DAY
    values = list(minutes.values())
    every_minute = values + [0.0] * max(0, total - len(values))
    return ObservedTraffic(
        endpoint_name=endpoint,
        variant_name=variant,
        window_days=days,
        window_minutes=total,
        minutes_with_data=len(values),
        mean_per_minute=sum(values) / total,
        p95_per_minute=nearest_rank(every_minute, 95),
        peak_per_minute=max(values, default=0.0),
    )


def observed_traffic(endpoint: str, variant: str, *, days: int, now: datetime) -> ObservedTraffic:
    """The variant's `Invocations` per minute over the last `days` whole days before `now`.

    Needs `cloudwatch:GetMetricData` (no resource-level permissions: granted on `*`).
    """
    start, end = window(days, now)
    return summarize(endpoint, variant, days, per_minute(endpoint, variant, start, end))
