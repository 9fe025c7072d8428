"""Parsing a completed job into the run record's parts (fixtures from the service documentation)."""

from __future__ import annotations

import math
from datetime import UTC, datetime

import botocore.session
import pytest

from recommender.logic.results import compare, parse_current_endpoint, parse_recommendations, pick_best
from recommender.models import EndpointSnapshot, FailedBenchmark
from recommender.steps.publish import completed_record
from simulator.fake_recommender import EndpointSnapshot as FakeEndpoint
from simulator.fake_recommender import generate_recommendations
from tests.conftest import load_fixture

DOC = "describe_job_existing_endpoint_doc_example.json"
API = "describe_job_existing_endpoint_api_shape.json"
SNAPSHOT = EndpointSnapshot(variant_name="AllTraffic", instance_type="ml.m5.xlarge", instance_count=1)


@pytest.mark.parametrize("fixture", [DOC, API])
def test_documented_values_parse_exactly(fixture: str) -> None:
    job = load_fixture(fixture)
    recs = parse_recommendations(job)
    g4dn = next(r for r in recs if r.instance_type == "ml.g4dn.xlarge")
    assert g4dn.instance_count == 1
    assert g4dn.cost_per_hour == 0.7360000014305115  # exactly as the service sent it
    assert g4dn.cost_per_inference == 7.456940238625975e-06
    assert g4dn.max_invocations == 1645
    assert g4dn.model_latency_ms == 171
    assert g4dn.environment == {"TS_DEFAULT_WORKERS_PER_MODEL": "4"}
    current = parse_current_endpoint(job, SNAPSHOT)
    assert (current.max_invocations, current.model_latency_ms) == (184, 1312)
    assert (current.variant_name, current.instance_type, current.instance_count) == ("AllTraffic", "ml.m5.xlarge", 1)


def test_doc_example_has_one_recommendation() -> None:
    assert len(parse_recommendations(load_fixture(DOC))) == 1


def test_nan_metrics_are_absent_and_present_ones_kept() -> None:
    job = load_fixture(API)
    assert math.isnan(job["InferenceRecommendations"][1]["Metrics"]["MemoryUtilization"])
    c5 = next(r for r in parse_recommendations(job) if r.instance_type == "ml.c5.xlarge")
    assert c5.memory_utilization is None
    assert c5.cpu_utilization == 71.5
    assert c5.model_setup_time_sec == 0
    assert "memoryUtilization" not in c5.wire()
    assert c5.wire()["modelSetupTimeSec"] == 0


def test_ranked_by_cost_per_inference_unknown_last() -> None:
    job = {
        "InferenceRecommendations": [
            {"Metrics": {"CostPerInference": 3e-6}, "EndpointConfiguration": {"InstanceType": "a"}},
            {"Metrics": {"CostPerInference": float("nan")}, "EndpointConfiguration": {"InstanceType": "b"}},
            {"Metrics": {"CostPerInference": 1e-6}, "EndpointConfiguration": {"InstanceType": "c"}},
        ]
    }
    assert [(r.rank, r.instance_type) for r in parse_recommendations(job)] == [(1, "c"), (2, "a"), (3, "b")]


def test_best_by_each_criterion_and_comparison() -> None:
    job = load_fixture(API)
    recs = parse_recommendations(job)
    # ml.g4dn.xlarge: 7.46e-6 $/inference beats ml.c5.xlarge's 1.2e-5 though its hour costs more.
    assert [r.instance_type for r in recs] == ["ml.g4dn.xlarge", "ml.c5.xlarge"]
    best = pick_best(recs)
    assert (best.cheapest_per_inference, best.highest_throughput, best.lowest_latency) == (1, 1, 1)
    comparison = compare(recs, best, parse_current_endpoint(job, SNAPSHOT))
    assert comparison is not None
    assert comparison.rank == 1
    assert comparison.throughput_ratio == round(1645 / 184, 4)
    assert comparison.latency_delta_ms == 171 - 1312


def test_best_differs_per_criterion() -> None:
    job = {
        "InferenceRecommendations": [
            {"Metrics": {"CostPerInference": 1e-6, "MaxInvocations": 100, "ModelLatency": 50}},
            {"Metrics": {"CostPerInference": 2e-6, "MaxInvocations": 900, "ModelLatency": 80}},
            {"Metrics": {"CostPerInference": 3e-6, "MaxInvocations": 500, "ModelLatency": 10}},
        ]
    }
    best = pick_best(parse_recommendations(job))
    assert (best.cheapest_per_inference, best.highest_throughput, best.lowest_latency) == (1, 2, 3)


def test_no_recommendations_no_comparison() -> None:
    recs = parse_recommendations({"InferenceRecommendations": []})
    best = pick_best(recs)
    assert best.cheapest_per_inference is None
    assert compare(recs, best, parse_current_endpoint({}, None)) is None


def test_completed_record_times_and_duration() -> None:
    job = load_fixture(API)
    record = completed_record(
        job, endpoint_name="endpoint-name", job_name="job-name", started_at="2022-10-04T22:35:00Z", snapshot=SNAPSHOT
    )
    assert record.finished_at == "2022-10-04T22:56:48Z"  # CompletionTime 1664924208.291
    assert record.duration_seconds == 21 * 60 + 48
    assert record.job_type == "Default"
    assert record.model_package_version_arn.endswith("model-package/my-group/1")  # type: ignore[union-attr]
    assert record.run_key == "RUN#2022-10-04T22:35:00Z#job-name"


# ------------------------------------------------------------------------------ every field the service returns
@pytest.mark.parametrize(("fixture", "recommendation_id"), [(DOC, None), (API, "rec-1")])
def test_identifiers_and_the_benchmarked_endpoint_are_kept(fixture: str, recommendation_id: str | None) -> None:
    g4dn = next(r for r in parse_recommendations(load_fixture(fixture)) if r.instance_type == "ml.g4dn.xlarge")
    assert (g4dn.recommendation_id, g4dn.endpoint_name, g4dn.variant_name) == (
        recommendation_id,  # the documentation's example prints none
        "sm-endpoint-name",
        "variant-name",
    )
    wire = g4dn.wire()
    assert (wire["endpointName"], wire["variantName"]) == ("sm-endpoint-name", "variant-name")
    assert wire.get("recommendationId") == recommendation_id
    # What the service did not return is absent, never zero or empty.
    for absent in ("serverless", "compilationJobName", "inferenceSpecificationName", "invocationStartTime"):
        assert absent not in wire


def test_every_recommendation_member_of_the_api_model_is_parsed() -> None:
    job = {
        "InferenceRecommendations": [
            {
                "RecommendationId": "rec-9",
                "Metrics": {
                    "CostPerHour": 0.5,
                    "CostPerInference": 2e-6,
                    "MaxInvocations": 400,
                    "ModelLatency": 90,
                    "CpuUtilization": 41.5,
                    "MemoryUtilization": 12.25,
                    "ModelSetupTime": 240,
                },
                "EndpointConfiguration": {
                    "EndpointName": "sm-epc-9",
                    "VariantName": "AllTraffic",
                    "ServerlessConfig": {"MemorySizeInMB": 2048, "MaxConcurrency": 5},
                },
                "ModelConfiguration": {
                    "InferenceSpecificationName": "gpu-spec",
                    "CompilationJobName": "neo-job-1",
                    "EnvironmentParameters": [{"Key": "A", "ValueType": "string", "Value": "1"}],
                },
                "InvocationStartTime": datetime(2026, 11, 25, 3, 10, 0, 500000, tzinfo=UTC),
                "InvocationEndTime": 1795593600.0,  # epoch seconds (the JSON wire form)
            }
        ]
    }
    # Every member of RecommendationMetrics in botocore's model is read.
    shape = botocore.session.get_session().get_service_model("sagemaker").shape_for("RecommendationMetrics")
    assert set(getattr(shape, "members", {})) == {
        "CostPerHour",
        "CostPerInference",
        "MaxInvocations",
        "ModelLatency",
        "CpuUtilization",
        "MemoryUtilization",
        "ModelSetupTime",
    }
    (rec,) = parse_recommendations(job)
    assert rec.wire() == {
        "rank": 1,
        "recommendationId": "rec-9",
        "endpointName": "sm-epc-9",
        "variantName": "AllTraffic",
        "serverless": {"MemorySizeInMB": 2048, "MaxConcurrency": 5},
        "compilationJobName": "neo-job-1",
        "inferenceSpecificationName": "gpu-spec",
        "costPerHour": 0.5,
        "costPerInference": 2e-6,
        "maxInvocations": 400,
        "modelLatencyMs": 90,
        "cpuUtilization": 41.5,
        "memoryUtilization": 12.25,
        "modelSetupTimeSec": 240,
        "environment": {"A": "1"},
        "invocationStartTime": "2026-11-25T03:10:00Z",
        "invocationEndTime": "2026-11-25T08:00:00Z",
    }


def test_the_fakes_results_parse_in_full() -> None:
    endpoint = FakeEndpoint(name="demo", variant_name="AllTraffic", instance_type="ml.m5.xlarge", instance_count=1)
    start = datetime(2026, 11, 25, 3, 0, tzinfo=UTC).timestamp()
    generated = generate_recommendations("ir-job", endpoint, started_at=start, finished_at=start + 2700)
    recs = parse_recommendations({"InferenceRecommendations": generated})
    by_type = {r.instance_type: r for r in recs}
    first = by_type["ml.c5.xlarge"]
    assert first.recommendation_id == "ir-job-01-c5.xlarge"
    assert (first.endpoint_name, first.variant_name) == ("sm-epc-ir-job-1", "AllTraffic")
    assert (first.invocation_start_time, first.invocation_end_time) == ("2026-11-25T03:00:00Z", "2026-11-25T03:15:00Z")
    assert all(r.recommendation_id and r.invocation_start_time and r.invocation_end_time for r in recs)
    assert all(r.serverless is None for r in recs)  # the fake benchmarks real-time instances only


def test_a_completed_record_carries_its_failed_benchmarks() -> None:
    record = completed_record(
        load_fixture(API),
        endpoint_name="endpoint-name",
        job_name="job-name",
        started_at="2022-10-04T22:35:00Z",
        snapshot=SNAPSHOT,
        failed_benchmarks=[FailedBenchmark(instance_type="ml.p3.2xlarge", reason="ping timed out")],
    )
    assert record.wire()["failedBenchmarks"] == [{"instanceType": "ml.p3.2xlarge", "reason": "ping timed out"}]
    none = completed_record(
        load_fixture(API), endpoint_name="e", job_name="j", started_at="2022-10-04T22:35:00Z", snapshot=SNAPSHOT
    )
    assert "failedBenchmarks" not in none.wire()
