"""The observed traffic (adapters/traffic.py): CloudWatch Invocations per minute, every page read."""

from __future__ import annotations

import math
from collections.abc import Iterator
from datetime import UTC, datetime, timedelta
from typing import Any

import boto3
import pytest
from botocore.stub import Stubber
from moto import mock_aws

from recommender.adapters import aws, traffic
from recommender.logic.decision import Traffic

ENDPOINT = "prod-endpoint"
VARIANT = "AllTraffic"
NOW = datetime(2026, 3, 15, 12, 0, 42, tzinfo=UTC)  # mid-minute: the window ends at 12:00:00


@pytest.fixture
def fresh_clients(monkeypatch: pytest.MonkeyPatch) -> Iterator[None]:
    for name in ("AWS_ACCESS_KEY_ID", "AWS_SECRET_ACCESS_KEY", "AWS_SECURITY_TOKEN", "AWS_SESSION_TOKEN"):
        monkeypatch.setenv(name, "testing")
    monkeypatch.setenv("AWS_DEFAULT_REGION", "us-east-1")
    aws.client.cache_clear()
    aws.session.cache_clear()
    yield
    aws.client.cache_clear()
    aws.session.cache_clear()


@pytest.fixture
def cloudwatch(fresh_clients: None) -> Iterator[Any]:
    with mock_aws():
        yield boto3.client("cloudwatch", region_name="us-east-1")


def put_minutes(cloudwatch: Any, points: dict[datetime, float], variant: str = VARIANT) -> None:
    data = [
        {
            "MetricName": "Invocations",
            "Dimensions": [{"Name": "EndpointName", "Value": ENDPOINT}, {"Name": "VariantName", "Value": variant}],
            "Timestamp": stamp,
            "Value": value,
            "Unit": "None",
        }
        for stamp, value in points.items()
    ]
    for first in range(0, len(data), 1000):  # PutMetricData takes at most 1,000 values
        cloudwatch.put_metric_data(Namespace="AWS/SageMaker", MetricData=data[first : first + 1000])


@pytest.mark.parametrize(
    ("values", "percentile", "expected"),
    [
        ([], 95, 0.0),
        ([7.0], 95, 7.0),
        ([float(v) for v in range(1, 101)], 95, 95.0),  # rank ceil(0.95 x 100) = 95
        ([float(v) for v in range(1, 21)], 95, 19.0),  # rank 19 of 20
        ([float(v) for v in range(1, 22)], 95, 20.0),  # rank ceil(19.95) = 20 of 21
        ([5.0, 1.0, 3.0], 100, 5.0),
        ([5.0, 1.0, 3.0], 1, 1.0),
        ([float(v) for v in range(1, 1441)], 95, 1368.0),  # 0.95 x 1,440 exactly, no binary noise
        ([float(v) for v in range(1, 101)], 7, 7.0),  # 0.07 x 100 is 7.000000000000001 in binary
    ],
)
def test_nearest_rank(values: list[float], percentile: float, expected: float) -> None:
    assert traffic.nearest_rank(values, percentile) == expected


def test_window_is_whole_minutes_in_utc() -> None:
    start, end = traffic.window(14, NOW)
    assert end == datetime(2026, 3, 15, 12, 0, tzinfo=UTC)
    assert end - start == timedelta(days=14)
    assert traffic.window(1, NOW.replace(tzinfo=None))[1] == end  # naive means UTC
    with pytest.raises(ValueError, match="at least one day"):
        traffic.window(0, NOW)


def test_zeros_count_in_the_mean_and_p95() -> None:
    start = datetime(2026, 3, 14, tzinfo=UTC)
    # 100 busy minutes out of a 1,440-minute day
    minutes = {start + timedelta(minutes=i): float(i + 1) for i in range(100)}
    summary = traffic.summarize(ENDPOINT, VARIANT, 1, minutes)
    assert summary.minutes_with_data == 100
    assert summary.mean_per_minute == pytest.approx(5050 / 1440)
    assert summary.p95_per_minute == 28.0  # rank 1,368 of 1,440: 1,340 zeros, then 1..100
    assert summary.peak_per_minute == 100.0
    assert summary.traffic() == Traffic(mean=summary.mean_per_minute, p95=28.0, peak=100.0, minutes_with_data=100)


def test_idle_endpoint_is_zero_traffic_not_unknown() -> None:
    summary = traffic.summarize(ENDPOINT, VARIANT, 14, {})
    assert (summary.minutes_with_data, summary.mean_per_minute, summary.p95_per_minute, summary.peak_per_minute) == (
        0,
        0.0,
        0.0,
        0.0,
    )
    assert summary.window_minutes == 20_160


def daily_shape(start: datetime, days: int) -> dict[datetime, float]:
    """Busy days, quiet nights: 0 from 00:00 to 05:59 (no datapoints), a sine-shaped day after."""
    points = {}
    for minute in range(days * 1440):
        hour = (minute % 1440) / 60
        if hour >= 6:
            points[start + timedelta(minutes=minute)] = float(round(100 + 80 * math.sin((hour - 6) / 18 * math.pi)))
    return points


def test_daily_shape_from_cloudwatch(cloudwatch: Any) -> None:
    start, end = traffic.window(2, NOW)
    points = daily_shape(start, 2)
    put_minutes(cloudwatch, points)
    # noise that must not count: another variant, and minutes outside the window
    put_minutes(cloudwatch, {start + timedelta(hours=12): 10_000.0}, variant="Shadow")
    put_minutes(cloudwatch, {start - timedelta(minutes=1): 10_000.0, end: 10_000.0})

    observed = traffic.observed_traffic(ENDPOINT, VARIANT, days=2, now=NOW)

    every_minute = sorted([*points.values(), *[0.0] * (2880 - len(points))])
    assert observed.minutes_with_data == len(points) == 2160  # 18 busy hours a day
    assert observed.mean_per_minute == pytest.approx(sum(points.values()) / 2880)
    assert observed.p95_per_minute == every_minute[math.ceil(0.95 * 2880) - 1]
    assert observed.peak_per_minute == 180.0
    assert (observed.endpoint_name, observed.variant_name, observed.window_days, observed.source) == (
        ENDPOINT,
        VARIANT,
        2,
        "cloudwatch",
    )


def test_no_datapoints_is_an_idle_endpoint(cloudwatch: Any) -> None:
    observed = traffic.observed_traffic(ENDPOINT, VARIANT, days=14, now=NOW)
    assert observed.traffic() == Traffic(mean=0.0, p95=0.0, peak=0.0, minutes_with_data=0)


def test_every_page_is_read(fresh_clients: None) -> None:
    start, end = traffic.window(14, NOW)
    client = aws.client("cloudwatch")
    query = {
        "Id": "invocations",
        "MetricStat": {
            "Metric": {
                "Namespace": "AWS/SageMaker",
                "MetricName": "Invocations",
                "Dimensions": [
                    {"Name": "EndpointName", "Value": ENDPOINT},
                    {"Name": "VariantName", "Value": VARIANT},
                ],
            },
            "Period": 60,
            "Stat": "Sum",
        },
        "ReturnData": True,
    }
    expected: dict[str, Any] = {
        "MetricDataQueries": [query],
        "StartTime": start,
        "EndTime": end,
        "ScanBy": "TimestampAscending",
    }

    def page(offset: int, count: int, value: float, token: str | None) -> dict[str, Any]:
        stamps = [start + timedelta(minutes=offset + i) for i in range(count)]
        result = {
            "Id": "invocations",
            "Label": "Invocations",
            "Timestamps": stamps,
            "Values": [value] * count,
            "StatusCode": "PartialData" if token else "Complete",
        }
        return {"MetricDataResults": [result], **({"NextToken": token} if token else {})}

    with Stubber(client) as stub:
        stub.add_response("get_metric_data", page(0, 10_000, 1.0, "t1"), expected)
        stub.add_response("get_metric_data", page(10_000, 10_000, 2.0, "t2"), {**expected, "NextToken": "t1"})
        stub.add_response("get_metric_data", page(20_000, 160, 50.0, None), {**expected, "NextToken": "t2"})
        observed = traffic.observed_traffic(ENDPOINT, VARIANT, days=14, now=NOW)
        stub.assert_no_pending_responses()

    assert observed.minutes_with_data == 20_160
    assert observed.peak_per_minute == 50.0
    assert observed.mean_per_minute == pytest.approx((10_000 + 20_000 + 8_000) / 20_160)
    assert observed.p95_per_minute == 2.0  # rank 19,152: within the 2.0 minutes
