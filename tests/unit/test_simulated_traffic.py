"""The offline world's traffic: the daily shape `make simulate` seeds, and the one-pass
GetMetricData seam (the same answers as moto's own, where moto is right)."""

from __future__ import annotations

import random
from collections.abc import Iterator
from datetime import UTC, datetime, timedelta
from typing import Any

import boto3
import pytest
from moto import mock_aws

from simulator import fast_metrics
from simulator.seed import DailyTraffic, seed_daily_traffic

END = datetime(2026, 11, 25, 3, 0, tzinfo=UTC)  # a Wednesday


@pytest.fixture
def cloudwatch() -> Iterator[Any]:
    with mock_aws():
        yield boto3.client("cloudwatch", region_name="us-east-1")


def test_the_daily_shape_peaks_in_the_afternoon_and_rests_at_night_and_on_weekends() -> None:
    traffic = DailyTraffic(peak=700, trough=120, peak_hour=15, weekend_factor=0.6, noise=0.05, days=14)
    minutes = traffic.per_minute(END, "prod/AllTraffic")
    assert len(minutes) == 14 * 1440
    assert minutes[0][0] == END - timedelta(days=14)
    assert minutes[-1][0] == END - timedelta(minutes=1)
    by_time = dict(minutes)
    weekday = datetime(2026, 11, 24, tzinfo=UTC)  # Tuesday
    assert 700 * 0.95 <= by_time[weekday.replace(hour=15)] <= 700 * 1.05
    assert 120 * 0.95 <= by_time[weekday.replace(hour=3)] <= 120 * 1.05
    saturday = datetime(2026, 11, 21, 15, tzinfo=UTC)
    assert 700 * 0.6 * 0.95 <= by_time[saturday] <= 700 * 0.6 * 1.05
    assert all(value == round(value) and value > 0 for _, value in minutes)
    # Deterministic per endpoint/variant, different between them.
    assert traffic.per_minute(END, "prod/AllTraffic") == minutes
    assert traffic.per_minute(END, "other/AllTraffic") != minutes


def test_seeded_traffic_is_sagemakers_invocations_metric(cloudwatch: Any) -> None:
    seeded = seed_daily_traffic(cloudwatch, "prod", DailyTraffic(days=1), END)
    assert len(seeded) == 1440
    metrics = cloudwatch.list_metrics(Namespace="AWS/SageMaker")["Metrics"]  # moto: one per datapoint
    assert {
        (metric["MetricName"], tuple(sorted((d["Name"], d["Value"]) for d in metric["Dimensions"])))
        for metric in metrics
    } == {("Invocations", (("EndpointName", "prod"), ("VariantName", "AllTraffic")))}


def _queries() -> list[dict[str, Any]]:
    def stat(query_id: str, name: str, dimensions: list[dict[str, str]], period: int, kind: str, **more: Any) -> Any:
        metric = {"Namespace": "AWS/SageMaker", "MetricName": name, "Dimensions": dimensions}
        return {"Id": query_id, "MetricStat": {"Metric": metric, "Period": period, "Stat": kind, **more}}

    prod = [{"Name": "EndpointName", "Value": "prod"}, {"Name": "VariantName", "Value": "AllTraffic"}]
    return [
        stat("sum", "Invocations", prod, 60, "Sum"),
        stat("avg5", "Invocations", prod, 300, "Average"),
        stat("max", "Invocations", prod, 3600, "Maximum"),
        stat("count", "Invocations", prod, 60, "SampleCount", Unit="None"),
        stat("other", "ModelLatency", prod, 60, "Sum"),
        {**stat("hidden", "Invocations", prod, 60, "Minimum"), "ReturnData": False},
    ]


@pytest.mark.parametrize("scan_by", ["TimestampAscending", "TimestampDescending"])
def test_the_one_pass_answers_as_moto_does(cloudwatch: Any, scan_by: str) -> None:
    noise = random.Random(7)
    prod = [{"Name": "EndpointName", "Value": "prod"}, {"Name": "VariantName", "Value": "AllTraffic"}]
    data = [
        {
            "MetricName": name,
            "Dimensions": prod,
            "Timestamp": END - timedelta(seconds=noise.randrange(0, 6 * 3600)),
            "Value": float(noise.randrange(0, 1000)),
            "Unit": "None",
        }
        for name in ("Invocations", "ModelLatency")
        for _ in range(400)
    ]
    for first in range(0, len(data), 200):
        cloudwatch.put_metric_data(Namespace="AWS/SageMaker", MetricData=data[first : first + 200])
    request = {
        "MetricDataQueries": _queries(),
        "StartTime": END - timedelta(hours=5, seconds=30),
        "EndTime": END - timedelta(minutes=17),
        "ScanBy": scan_by,
    }
    by_moto = cloudwatch.get_metric_data(**request)["MetricDataResults"]
    fast_metrics.install()
    try:
        by_one_pass = cloudwatch.get_metric_data(**request)["MetricDataResults"]
    finally:
        fast_metrics.uninstall()
    assert [result["Id"] for result in by_one_pass] == ["sum", "avg5", "max", "count", "other"]
    assert all(result["Values"] for result in by_one_pass)
    assert by_one_pass == by_moto


def test_a_query_matches_its_namespace_too_and_its_dimensions_in_any_order(cloudwatch: Any) -> None:
    dimensions = [{"Name": "EndpointName", "Value": "prod"}, {"Name": "VariantName", "Value": "AllTraffic"}]
    for namespace in ("AWS/SageMaker", "Custom/Other"):
        cloudwatch.put_metric_data(
            Namespace=namespace,
            MetricData=[
                {
                    "MetricName": "Invocations",
                    "Dimensions": dimensions,
                    "Timestamp": END - timedelta(minutes=5),
                    "Value": 10.0,
                }
            ],
        )
    query = {
        "Id": "q",
        "MetricStat": {
            "Metric": {"Namespace": "AWS/SageMaker", "MetricName": "Invocations", "Dimensions": dimensions[::-1]},
            "Period": 60,
            "Stat": "Sum",
        },
    }
    fast_metrics.install()
    try:
        (result,) = cloudwatch.get_metric_data(
            MetricDataQueries=[query], StartTime=END - timedelta(hours=1), EndTime=END
        )["MetricDataResults"]
    finally:
        fast_metrics.uninstall()
    assert result["Values"] == [10.0]  # moto alone: nothing (the order), or 20.0 (both namespaces)


def test_a_reversed_window_is_refused_as_moto_refuses_it(cloudwatch: Any) -> None:
    fast_metrics.install()
    try:
        with pytest.raises(cloudwatch.exceptions.ClientError, match="EndTime must be greater than StartTime"):
            cloudwatch.get_metric_data(
                MetricDataQueries=_queries()[:1], StartTime=END, EndTime=END - timedelta(hours=1)
            )
    finally:
        fast_metrics.uninstall()
