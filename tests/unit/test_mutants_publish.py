"""Publish's pure steps where mutation testing found them unpinned (make mutation, issue 11): the run
sized and concluded at the observed traffic (`with_decision`) whole, with a policy that is not the
default and a recommendation without an instance count; a target endpoint of another instance type
measured by the benchmark's figures for that type (`_current_side`); no traffic measured; and a
regression looked for only when the run has a job type and a current endpoint (`with_regression`).

Every figure below is worked out by hand in the comments: 730 hours a month, per-instance prices.
"""

from __future__ import annotations

from datetime import UTC, datetime
from typing import Any

import pytest

from recommender.adapters.traffic import ObservedTraffic
from recommender.logic import decision
from recommender.models import CurrentEndpoint, RunRecord, TargetSnapshot
from recommender.steps import publish
from recommender.steps.publish import _current_side, with_decision, with_regression
from tests.unit.support import settings

CURRENT: dict[str, Any] = {
    "variantName": "AllTraffic",
    "instanceType": "ml.m5.xlarge",
    "instanceCount": 2,
    "maxInvocations": 1000,
    "modelLatencyMs": 100,
}
RECORD = RunRecord.model_validate(
    {
        "endpointName": "demo-endpoint",
        "status": "COMPLETED",
        "jobName": "job-name",
        "jobType": "Default",
        "executionArn": "arn:aws:states:us-east-1:123456789012:execution:Workflow:run-1",
        "startedAt": "2026-11-25T03:00:00Z",
        "currentEndpoint": CURRENT,
        "recommendations": [
            # $0.40/hour for 2 instances: $0.20 per instance.
            {"rank": 1, "instanceType": "ml.c6i.xlarge", "instanceCount": 2, "costPerHour": 0.4,
             "maxInvocations": 1500, "modelLatencyMs": 90},
            # No count: no per-instance price, no monthly cost.
            {"rank": 2, "instanceType": "ml.c5.large", "costPerHour": 0.1,
             "maxInvocations": 800, "modelLatencyMs": 105},
        ],
    }
)  # fmt: skip
OBSERVED = ObservedTraffic(
    endpoint_name="demo-endpoint",
    variant_name="AllTraffic",
    window_days=14,
    window_minutes=20160,
    minutes_with_data=20000,
    mean_per_minute=300.5,
    p95_per_minute=900.25,
    peak_per_minute=1500.0,
)
HALF = decision.Policy(target_utilization=0.5)  # not the default 0.7: the policy must reach the decision


def test_the_run_sized_priced_and_concluded_whole() -> None:
    found = with_decision(RECORD, observed=OBSERVED, price=(0.23, "price-list"), policy=HALF).wire()

    # The current endpoint: 2 x $0.23 x 730 = $335.80 a month; 2 x 1000 x 0.5 = 1000/min < a peak of 1500.
    assert found["currentEndpoint"] == {**CURRENT, "monthlyCost": 335.8}
    assert found["targetEndpoint"] == {
        "endpointName": "demo-endpoint",
        "variantName": "AllTraffic",
        "instanceType": "ml.m5.xlarge",
        "instanceCount": 2,
        "monthlyCost": 335.8,
    }
    sized = [
        {key: rec.get(key) for key in ("rank", "instancesForPeak", "instancesForP95", "monthlyCost", "latencyDeltaMs")}
        for rec in found["recommendations"]
    ]
    assert sized == [
        # 1500 x 0.5 = 750/min an instance: 1500 / 750 = 2 for the peak, 900.25 / 750 -> 2 for p95;
        # 2 x $0.20 x 730 = $292; 90 - 100 ms.
        {"rank": 1, "instancesForPeak": 2, "instancesForP95": 2, "monthlyCost": 292, "latencyDeltaMs": -10},
        # 800 x 0.5 = 400/min: 1500 / 400 -> 4, 900.25 / 400 -> 3; no price; 105 - 100 ms.
        {"rank": 2, "instancesForPeak": 4, "instancesForP95": 3, "monthlyCost": None, "latencyDeltaMs": 5},
    ]
    assert found["traffic"] == {
        "endpointName": "demo-endpoint",
        "windowDays": 14,
        "minutesWithData": 20000,
        "meanPerMinute": 300.5,
        "p95PerMinute": 900.25,
        "peakPerMinute": 1500,
        "source": "cloudwatch",
    }
    assert found["prices"] == {"currentPerHour": 0.23, "source": "price-list"}
    assert found["verdict"] == {
        "decision": "CHANGE",
        "rank": 1,
        "instanceType": "ml.c6i.xlarge",
        "instanceCount": 2,
        "monthlySavings": 43.8,  # 335.80 - 292.00
        "savingsPercent": 13,  # 43.8 / 335.8 = 13.04 %
        "reason": "the current ml.m5.xlarge x2 cannot serve the peak of 1500/min at 0.5 utilization; "
        "rank 1 ml.c6i.xlarge x2 at $292.00/month for a peak of 1500/min at 0.5 utilization; "
        "latency <= 110 ms (current + 10%)",
    }


def test_a_quiet_endpoint_keeps_its_traffic_figures_and_zero_only_where_unknown() -> None:
    quiet = ObservedTraffic(
        endpoint_name="demo-endpoint",
        variant_name="AllTraffic",
        window_days=7,
        window_minutes=10080,
        minutes_with_data=0,
        mean_per_minute=float("nan"),  # no datapoint: not a number, stored as 0
        p95_per_minute=0.5,
        peak_per_minute=2.0,
    )
    found = with_decision(RECORD, observed=quiet, price=(0.23, "price-list"), policy=HALF).wire()
    assert found["traffic"] == {
        "endpointName": "demo-endpoint",
        "windowDays": 7,
        "minutesWithData": 0,
        "meanPerMinute": 0,
        "p95PerMinute": 0.5,
        "peakPerMinute": 2,
        "source": "cloudwatch",
    }


def test_another_target_endpoint_is_measured_by_the_benchmarks_figures_for_its_type() -> None:
    target = TargetSnapshot(
        endpoint_name="prod-endpoint", variant_name="Blue", instance_type="ml.c5.large", instance_count=3
    )
    found = with_decision(RECORD, observed=None, price=(0.1, "recommendation"), policy=HALF, target=target).wire()

    # The benchmarked endpoint is not the one priced: its record keeps no monthly cost.
    assert found["currentEndpoint"] == CURRENT
    # 3 x $0.10 x 730 = $219.
    assert found["targetEndpoint"] == {
        "endpointName": "prod-endpoint",
        "variantName": "Blue",
        "instanceType": "ml.c5.large",
        "instanceCount": 3,
        "monthlyCost": 219,
    }
    # Latency against ml.c5.large's own 105 ms (rank 2), not the benchmarked endpoint's 100 ms.
    assert [(rec["rank"], rec.get("latencyDeltaMs")) for rec in found["recommendations"]] == [(1, -15), (2, 0)]
    # No traffic measured: nothing to size for.
    assert "traffic" not in found
    assert found["verdict"] == {
        "decision": "UNKNOWN",
        "reason": "no traffic measurement for the target endpoint: cannot size the recommendations",
    }
    assert found["prices"] == {"currentPerHour": 0.1, "source": "recommendation"}


# ------------------------------------------------------------------------------ the side being right-sized
def record_with(recommendations: list[dict[str, Any]] | None) -> RunRecord:
    return RECORD.model_copy(
        update={"recommendations": None}
        if recommendations is None
        else {
            "recommendations": RunRecord.model_validate(
                {**RECORD.wire(), "recommendations": recommendations}
            ).recommendations
        }
    )


def test_without_a_target_the_side_is_the_benchmarked_endpoint() -> None:
    assert _current_side(RECORD, None) == RECORD.current_endpoint


def test_a_target_of_the_benchmarked_type_takes_the_benchmarked_figures() -> None:
    target = TargetSnapshot(endpoint_name="prod", variant_name="Blue", instance_type="ml.m5.xlarge", instance_count=5)
    assert _current_side(RECORD, target) == CurrentEndpoint(
        variant_name="Blue", instance_type="ml.m5.xlarge", instance_count=5, max_invocations=1000, model_latency_ms=100
    )


def test_a_target_of_another_type_takes_the_first_recommendation_of_that_type() -> None:
    record = record_with(
        [
            {"rank": 1, "instanceType": "ml.c6i.xlarge", "maxInvocations": 1500, "modelLatencyMs": 90},
            {"rank": 2, "instanceType": "ml.c5.large", "maxInvocations": 800, "modelLatencyMs": 105},
            {"rank": 3, "instanceType": "ml.c5.large", "maxInvocations": 700, "modelLatencyMs": 120},
        ]
    )
    target = TargetSnapshot(endpoint_name="prod", variant_name="Blue", instance_type="ml.c5.large", instance_count=3)
    assert _current_side(record, target) == CurrentEndpoint(
        variant_name="Blue", instance_type="ml.c5.large", instance_count=3, max_invocations=800, model_latency_ms=105
    )


@pytest.mark.parametrize(
    "recommendations",
    [None, [], [{"rank": 1, "instanceType": "ml.c6i.xlarge", "maxInvocations": 1500, "modelLatencyMs": 90}]],
)
def test_a_target_of_a_type_nobody_benchmarked_has_no_figures(recommendations: list[dict[str, Any]] | None) -> None:
    target = TargetSnapshot(endpoint_name="prod", variant_name="Blue", instance_type="ml.g5.xlarge", instance_count=1)
    assert _current_side(record_with(recommendations), target) == CurrentEndpoint(
        variant_name="Blue", instance_type="ml.g5.xlarge", instance_count=1
    )


# ------------------------------------------------------------------------------ regression
class PreviousRuns:
    """The one store call with_regression makes, answered with a run measured much better."""

    def __init__(self) -> None:
        self.asked: list[tuple[str, str | None]] = []

    def previous_completed_run(self, endpoint: str, job_type: str | None, *, before: str) -> dict[str, Any]:
        self.asked.append((endpoint, job_type))
        return {
            "runKey": "RUN#2026-11-18T03:00:00Z#job-0",
            "currentEndpoint": {"maxInvocations": 4000, "modelLatencyMs": 10},
        }


def regression_of(record: RunRecord, store: PreviousRuns) -> RunRecord:
    return with_regression(record, store=store, throughput_drop_percent=10, latency_rise_percent=10)  # type: ignore[arg-type]


def test_a_regression_is_found_against_the_previous_run() -> None:
    store = PreviousRuns()
    found = regression_of(RECORD, store)
    assert store.asked == [("demo-endpoint", "Default")]
    assert found.wire()["regression"] == {
        "throughputDropPercent": 75,  # 4000 -> 1000
        "latencyRisePercent": 900,  # 10 -> 100 ms
        "previousRunKey": "RUN#2026-11-18T03:00:00Z#job-0",
    }


@pytest.mark.parametrize("missing", ["job_type", "current_endpoint"])
def test_no_job_type_or_no_current_endpoint_looks_for_nothing(missing: str) -> None:
    store = PreviousRuns()
    record = RECORD.model_copy(update={missing: None})
    assert regression_of(record, store) is record
    assert store.asked == []


def test_no_regression_returns_the_record_itself() -> None:
    class SameAsBefore(PreviousRuns):
        def previous_completed_run(self, endpoint: str, job_type: str | None, *, before: str) -> dict[str, Any]:
            return {"runKey": "RUN#2026-11-18T03:00:00Z#job-0", "currentEndpoint": CURRENT}

    assert regression_of(RECORD, SameAsBefore()) is RECORD


# ------------------------------------------------------------------------------ decide_run's reads
class Prices:
    """The price cache in the table: what decide_run reads and writes of it."""

    def __init__(self, cached: float | None = None) -> None:
        self.cached = cached
        self.put: list[tuple[str, str, float, int]] = []

    def cached_price(self, region: str, instance_type: str, now: int) -> float | None:
        return self.cached

    def put_price(self, region: str, instance_type: str, per_hour: float, now: int) -> None:
        self.put.append((region, instance_type, per_hour, now))


NOW = datetime(2026, 11, 25, 9, 0, tzinfo=UTC)


@pytest.fixture
def reads(monkeypatch: pytest.MonkeyPatch) -> dict[str, list[Any]]:
    """Traffic and Price List answers decide_run gets, with what it asked."""
    asked: dict[str, list[Any]] = {"traffic": [], "price": []}

    def observed_traffic(endpoint: str, variant: str, *, days: int, now: datetime) -> ObservedTraffic:
        asked["traffic"].append((endpoint, variant, days, now))
        return OBSERVED

    def hourly_price(instance_type: str, region: str, recommendations: Any = ()) -> tuple[float | None, str]:
        asked["price"].append((instance_type, region, recommendations))
        return asked.get("answer", [(0.23, "price-list")])[0]

    monkeypatch.setattr(publish.traffic, "observed_traffic", observed_traffic)
    monkeypatch.setattr(publish.prices, "hourly_price", hourly_price)
    return asked


def decided(record: RunRecord, store: Prices, **changes: Any) -> RunRecord:
    cfg = settings(TARGET_UTILIZATION=0.5, LATENCY_TOLERANCE_PERCENT=20, TRAFFIC_LOOKBACK_DAYS=7)
    arguments: dict[str, Any] = {"cfg": cfg, "region": "eu-west-1", "now": NOW, "max_latency_ms": None, **changes}
    return publish.decide_run(record, store=store, **arguments)  # type: ignore[arg-type]


def test_decide_run_reads_the_traffic_and_the_price_list_and_caches_the_price(reads: dict[str, list[Any]]) -> None:
    store = Prices()
    found = decided(RECORD, store)
    assert reads["traffic"] == [("demo-endpoint", "AllTraffic", 7, NOW)]
    assert reads["price"] == [("ml.m5.xlarge", "eu-west-1", RECORD.recommendations)]
    assert store.put == [("eu-west-1", "ml.m5.xlarge", 0.23, int(NOW.timestamp()))]
    assert found.verdict is not None
    # The settings' policy: 0.5 utilization, current + 20 % latency.
    assert found.verdict.reason == (
        "the current ml.m5.xlarge x2 cannot serve the peak of 1500/min at 0.5 utilization; "
        "rank 1 ml.c6i.xlarge x2 at $292.00/month for a peak of 1500/min at 0.5 utilization; "
        "latency <= 120 ms (current + 20%)"
    )


def test_decide_run_takes_the_runs_latency_bound(reads: dict[str, list[Any]]) -> None:
    found = decided(RECORD, Prices(), max_latency_ms=95)
    assert found.verdict is not None
    assert found.verdict.reason.endswith("latency <= 95 ms (maxModelLatencyMs)")


def test_a_cached_price_is_neither_asked_for_nor_cached_again(reads: dict[str, list[Any]]) -> None:
    store = Prices(cached=0.25)
    found = decided(RECORD, store)
    assert reads["price"] == []
    assert store.put == []
    assert found.prices is not None
    assert found.wire()["prices"] == {"currentPerHour": 0.25, "source": "price-list"}


@pytest.mark.parametrize("answer", [(0.3, "recommendation"), (None, "price-list"), (None, "unknown")])
def test_only_a_price_list_price_is_cached(reads: dict[str, list[Any]], answer: tuple[float | None, str]) -> None:
    reads["answer"] = [answer]
    store = Prices()
    found = decided(RECORD, store)
    assert store.put == []
    assert found.wire()["prices"] == {
        k: v for k, v in (("currentPerHour", answer[0]), ("source", answer[1])) if v is not None
    }


def test_a_run_without_recommendations_asks_the_price_list_with_none(reads: dict[str, list[Any]]) -> None:
    decided(RECORD.model_copy(update={"recommendations": None}), Prices())
    assert reads["price"] == [("ml.m5.xlarge", "eu-west-1", [])]


def test_no_variant_no_traffic_and_no_instance_type_no_price(reads: dict[str, list[Any]]) -> None:
    record = RECORD.model_copy(update={"current_endpoint": CurrentEndpoint(instance_count=2)})
    found = decided(record, Prices())
    assert reads == {"traffic": [], "price": []}
    assert found.wire()["prices"] == {"source": "unknown"}
    assert "traffic" not in found.wire()


# ------------------------------------------------------------------------------ with_scaling's refusals
@pytest.mark.parametrize(
    "changes",
    [
        {"traffic": None},  # a CHANGE, but no traffic to scale for
        {"target_endpoint": None},
    ],
)
def test_a_change_without_traffic_or_target_variant_gets_no_scaling_advice(changes: dict[str, Any]) -> None:
    record = with_decision(RECORD, observed=OBSERVED, price=(0.23, "price-list"), policy=HALF)
    assert record.verdict is not None
    assert record.verdict.decision == "CHANGE"
    chosen = [rec.model_copy(update={"recommendation_id": "rec-1"}) for rec in record.recommendations or []]
    refused = record.model_copy(update={"recommendations": chosen, **changes})
    assert publish.with_scaling(refused) is refused


@pytest.fixture
def scaling_calls(monkeypatch: pytest.MonkeyPatch) -> list[tuple[Any, ...]]:
    """GetScalingConfigurationRecommendation as with_scaling calls it: each call kept, then refused."""
    calls: list[tuple[Any, ...]] = []

    def refuse(job_name: str, recommendation_id: str, *, min_per_minute: int, max_per_minute: int) -> dict[str, Any]:
        calls.append((job_name, recommendation_id, min_per_minute, max_per_minute))
        raise publish.sagemaker.ScalingRefused("ValidationException: the job is not COMPLETED")

    monkeypatch.setattr(publish.sagemaker, "scaling_recommendation", refuse)
    return calls


def change_with(**changes: Any) -> RunRecord:
    """A CHANGE to rank 1 at the observed traffic, its recommendation with an id unless changed."""
    record = with_decision(RECORD, observed=OBSERVED, price=(0.23, "price-list"), policy=HALF)
    with_ids = [rec.model_copy(update={"recommendation_id": f"rec-{rec.rank}"}) for rec in record.recommendations or []]
    return record.model_copy(update={"recommendations": with_ids, **changes})


def test_no_verdict_no_scaling_advice(scaling_calls: list[tuple[Any, ...]]) -> None:
    record = change_with(verdict=None)
    assert publish.with_scaling(record) is record
    assert scaling_calls == []


def test_a_verdict_for_a_rank_no_recommendation_has_gets_no_advice(scaling_calls: list[tuple[Any, ...]]) -> None:
    record = change_with()
    assert record.verdict is not None
    other = record.model_copy(update={"verdict": record.verdict.model_copy(update={"rank": 7})})
    assert publish.with_scaling(other) is other
    assert scaling_calls == []


def test_a_recommendation_without_an_id_gets_no_advice(scaling_calls: list[tuple[Any, ...]]) -> None:
    record = change_with()
    no_ids = record.model_copy(
        update={
            "recommendations": [
                rec.model_copy(update={"recommendation_id": None}) for rec in record.recommendations or []
            ]
        }
    )
    assert publish.with_scaling(no_ids) is no_ids
    assert scaling_calls == []


def test_a_refused_scaling_recommendation_is_logged_and_leaves_the_record(
    scaling_calls: list[tuple[Any, ...]], monkeypatch: pytest.MonkeyPatch
) -> None:
    from recommender.observability import logger

    warned: list[tuple[str, dict[str, Any]]] = []
    monkeypatch.setattr(logger, "warning", lambda message, *, extra: warned.append((message, extra)))
    record = change_with()
    assert publish.with_scaling(record) is record
    # The objective: the mean (300.5 -> 300) and the peak (1500) per minute.
    assert scaling_calls == [("job-name", "rec-1", 300, 1500)]
    assert warned == [
        (
            "no scaling recommendation",
            {"recommendationId": "rec-1", "reason": "ValidationException: the job is not COMPLETED"},
        )
    ]


# ------------------------------------------------------------------------------ the record of a COMPLETED job
@pytest.mark.parametrize(
    ("times", "finished_at", "duration"),
    [
        # CompletionTime when the service gives it, even with a later LastModifiedTime.
        (
            {
                "CompletionTime": datetime(2026, 11, 25, 3, 45, tzinfo=UTC),
                "LastModifiedTime": datetime(2026, 11, 25, 4, 0, tzinfo=UTC),
            },
            "2026-11-25T03:45:00Z",
            2700,
        ),
        # Else LastModifiedTime (a COMPLETED job's last change is its completion).
        ({"LastModifiedTime": datetime(2026, 11, 25, 4, 0, tzinfo=UTC)}, "2026-11-25T04:00:00Z", 3600),
        ({}, None, None),
    ],
)
def test_a_completed_jobs_end_and_duration(
    times: dict[str, datetime], finished_at: str | None, duration: int | None
) -> None:
    job: dict[str, Any] = {
        "JobArn": "arn:aws:sagemaker:us-east-1:123456789012:inference-recommendations-job/job-name",
        "JobType": "Default",
        "Status": "COMPLETED",
        "InferenceRecommendations": [],
        **times,
    }
    record = publish.completed_record(
        job, endpoint_name="demo-endpoint", job_name="job-name", started_at="2026-11-25T03:00:00Z", snapshot=None
    )
    assert (record.finished_at, record.duration_seconds) == (finished_at, duration)


def test_an_answer_without_a_usable_configuration_leaves_the_record_itself(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setattr(publish.sagemaker, "scaling_recommendation", lambda *args, **kwargs: {})
    record = change_with()
    assert publish.with_scaling(record) is record
