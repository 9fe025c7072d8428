"""Publish Results: the run item in DynamoDB, the SNS notification, metrics, and the lock."""

from __future__ import annotations

import json
import math
from datetime import UTC, datetime
from typing import Any

import pytest
from aws_lambda_powertools.utilities.typing import LambdaContext
from botocore.exceptions import ClientError
from botocore.stub import Stubber

from recommender.adapters import aws
from recommender.errors import TransientAwsError
from recommender.handlers import publish
from recommender.models import iso
from simulator.clock import SimulatedClock
from tests.handlers.support import (
    ENDPOINT,
    MAX_CHECKS,
    NAMESPACE,
    REGION,
    STARTED_AT,
    TABLE_NAME,
    Steps,
    World,
    execution_arn,
    run_key,
)

NUMERIC = (
    "rank",
    "instanceCount",
    "costPerHour",
    "costPerInference",
    "maxInvocations",
    "modelLatencyMs",
    "cpuUtilization",
    "memoryUtilization",
    "modelSetupTimeSec",
)


@pytest.fixture
def completed(world: World, steps: Steps, clock: SimulatedClock) -> dict[str, Any]:
    """A run whose job (2 x ml.m5.xlarge endpoint, fake's default plan: 45 min) just completed."""
    state = steps.completed(clock)
    # How many checks it took is the wait schedule's business (tests/handlers/test_check_handler.py).
    assert state["poll"]["status"] == "COMPLETED"
    return state


def test_run_item(world: World, completed: dict[str, Any], lambda_context: LambdaContext) -> None:
    result = publish.lambda_handler(completed, lambda_context)

    key = run_key(completed["jobName"])
    assert result == {"status": "COMPLETED", "endpointName": ENDPOINT, "runKey": key}
    [item] = world.runs()
    notified_at = item.pop("notifiedAt")
    assert notified_at == "2026-11-25T03:46:00Z"  # the check after completion (the job ended at 03:45)
    recommendations = item.pop("recommendations")
    assert item == {
        "endpointName": ENDPOINT,
        "runKey": key,
        "status": "COMPLETED",
        "jobName": completed["jobName"],
        "jobArn": completed["jobArn"],
        "jobType": "Default",
        "modelPackageVersionArn": world.package_arn,
        "executionArn": execution_arn(),
        "trigger": "manual",
        "startedAt": STARTED_AT,
        "finishedAt": "2026-11-25T03:45:00Z",
        "durationSeconds": 2700,
        # The endpoint's own description plus the job's EndpointPerformances (ml.m5.xlarge x2; the
        # service reports MaxInvocations per instance).
        "currentEndpoint": {
            "variantName": "AllTraffic",
            "instanceType": "ml.m5.xlarge",
            "instanceCount": 2,
            "maxInvocations": 300,
            "modelLatencyMs": 560,
            "monthlyCost": 335.8,  # 2 x $0.23 (the price list) x 730 h
        },
        # g4dn is the cheapest per inference, the fastest and the highest-throughput option.
        "best": {"cheapestPerInference": 1, "highestThroughput": 1, "lowestLatency": 1},
        "comparison": {"rank": 1, "instanceType": "ml.g4dn.xlarge", "throughputRatio": 5.4833, "latencyDeltaMs": -389},
        # The decision, at the endpoint's own traffic: none in this world, so one instance of
        # each candidate serves it; c6i and c5 cost the same ($0.204 x 730), c6i is faster.
        "targetEndpoint": {
            "endpointName": ENDPOINT,
            "variantName": "AllTraffic",
            "instanceType": "ml.m5.xlarge",
            "instanceCount": 2,
            "monthlyCost": 335.8,
        },
        "traffic": {
            "endpointName": ENDPOINT,
            "windowDays": 14,
            "minutesWithData": 0,
            "meanPerMinute": 0,
            "p95PerMinute": 0,
            "peakPerMinute": 0,
            "source": "cloudwatch",
        },
        "prices": {"currentPerHour": 0.23, "source": "price-list"},
        "verdict": {
            "decision": "CHANGE",
            "rank": 2,
            "instanceType": "ml.c6i.xlarge",
            "instanceCount": 1,
            "monthlySavings": 186.88,  # 335.80 - 148.92
            "savingsPercent": 55.7,
            "reason": item["verdict"]["reason"],
        },
        # The service's scaling configuration for the verdict's recommendation (c6i: 360 per
        # instance per minute, at 50 % a target of 180) at the observed traffic (none: 1 to 1).
        "scaling": {
            "minCapacity": 1,
            "maxCapacity": 1,
            "scaleInCooldown": 300,
            "scaleOutCooldown": 60,
            "targetValue": 180,
            "metric": "SageMakerVariantInvocationsPerInstance",
            "requests": item["scaling"]["requests"],  # tests/unit/test_scaling.py
        },
    }
    assert item["verdict"]["reason"]  # says why, in words (tested in tests/unit/test_decision.py)
    # Best first by cost per inference (the service listed them c5, g4dn, c6i).
    assert [(r["rank"], r["instanceType"]) for r in recommendations] == [
        (1, "ml.g4dn.xlarge"),
        (2, "ml.c6i.xlarge"),
        (3, "ml.c5.xlarge"),
    ]
    costs = [r["costPerInference"] for r in recommendations]
    assert costs == sorted(costs)
    # Recommendations are for one instance (InitialInstanceCount 1), as the service makes them.
    job_name = completed["jobName"]
    assert recommendations[0] == {
        "rank": 1,
        # Everything the service returned for it: its id, the endpoint and variant it benchmarked
        # on, and when (the fake's second benchmark of three, between 03:01 and 03:45).
        "recommendationId": f"{job_name[:40]}-02-g4dn.xlarge",
        "endpointName": f"sm-epc-{job_name[:40]}-2",
        "variantName": "AllTraffic",
        "invocationStartTime": "2026-11-25T03:15:40Z",
        "invocationEndTime": "2026-11-25T03:30:20Z",
        "instanceType": "ml.g4dn.xlarge",
        "instanceCount": 1,
        "costPerHour": 0.736,
        "costPerInference": pytest.approx(0.736 / (1645 * 60)),
        "maxInvocations": 1645,
        "modelLatencyMs": 171,
        "cpuUtilization": 55,
        "modelSetupTimeSec": 240,
        "environment": {"OMP_NUM_THREADS": "4", "TS_DEFAULT_WORKERS_PER_MODEL": "4"},
        # Sized for the observed traffic (none: the minimum, one instance) and priced for 730 h.
        "instancesForPeak": 1,
        "instancesForP95": 1,
        "monthlyCost": 537.28,
        "latencyDeltaMs": -389,
    }
    assert [(r["monthlyCost"], r["latencyDeltaMs"]) for r in recommendations[1:]] == [(148.92, -80), (148.92, -20)]
    # The service reported g4dn's MemoryUtilization as NaN: stored as absent, not as a string or 0;
    # c6i's optional metrics were absent altogether; c5's all present.
    assert not {"cpuUtilization", "memoryUtilization", "modelSetupTimeSec"} & set(recommendations[1])
    assert (recommendations[2]["cpuUtilization"], recommendations[2]["memoryUtilization"]) == (62.5, 35)
    assert recommendations[2]["modelSetupTimeSec"] == 180


def test_failed_benchmarks_of_a_completed_job_are_stored_and_mailed(
    world: World, steps: Steps, clock: SimulatedClock, lambda_context: LambdaContext
) -> None:
    """A COMPLETED job whose last benchmark failed: the missing recommendation is explained."""
    world.fake.plan(failed_benchmarks=1, step_failure_reason="The model container did not pass /ping.")
    state = steps.completed(clock)

    publish.lambda_handler(state, lambda_context)

    [item] = world.runs()
    # The fake's three benchmarks: c5, g4dn, c6i; the last one failed and has no recommendation.
    assert [r["instanceType"] for r in item["recommendations"]] == ["ml.g4dn.xlarge", "ml.c5.xlarge"]
    assert item["failedBenchmarks"] == [
        {"instanceType": "ml.c6i.xlarge", "reason": "The model container did not pass /ping."}
    ]
    assert world.calls("ListInferenceRecommendationsJobSteps")[-1] == {
        "JobName": state["jobName"],
        "StepType": "BENCHMARK",
        "Status": "FAILED",
    }
    [document] = world.published_documents()
    assert json.loads(document["default"])["failedBenchmarks"] == item["failedBenchmarks"]
    lines = document["email"].splitlines()
    assert "Benchmarks that failed (no recommendation for them):" in lines
    assert "  ml.c6i.xlarge: The model container did not pass /ping." in lines


def test_no_failed_benchmarks_no_attribute(
    world: World, completed: dict[str, Any], lambda_context: LambdaContext
) -> None:
    publish.lambda_handler(completed, lambda_context)
    [item] = world.runs()
    assert "failedBenchmarks" not in item
    assert "Benchmarks that failed" not in world.published_documents()[0]["email"]


def test_numbers_are_stored_as_dynamodb_numbers(
    world: World, completed: dict[str, Any], lambda_context: LambdaContext
) -> None:
    publish.lambda_handler(completed, lambda_context)

    raw = world.raw_item(ENDPOINT, run_key(completed["jobName"]))
    assert raw is not None
    assert raw["durationSeconds"] == {"N": "2700"}
    for name in ("instanceCount", "maxInvocations", "modelLatencyMs"):
        assert set(raw["currentEndpoint"]["M"][name]) == {"N"}
    for recommendation in raw["recommendations"]["L"]:
        fields = recommendation["M"]
        for name in NUMERIC:
            if name in fields:
                assert set(fields[name]) == {"N"}, name
                assert math.isfinite(float(fields[name]["N"]))
        assert fields["environment"] == {
            "M": {"OMP_NUM_THREADS": {"S": "4"}, "TS_DEFAULT_WORKERS_PER_MODEL": {"S": "4"}}
        }
    for name in ("cheapestPerInference", "highestThroughput", "lowestLatency"):
        assert set(raw["best"]["M"][name]) == {"N"}
    assert {name: set(value) for name, value in raw["comparison"]["M"].items()} == {
        "rank": {"N"},
        "instanceType": {"S"},
        "throughputRatio": {"N"},
        "latencyDeltaMs": {"N"},
    }


def test_notification(world: World, completed: dict[str, Any], lambda_context: LambdaContext) -> None:
    publish.lambda_handler(completed, lambda_context)

    [message] = world.notifications()
    # The verdict leads: c6i x1 at $148.92 a month instead of 2 x m5 at $335.80.
    assert message.subject == f"Right-size {ENDPOINT}: ml.c6i.xlarge saves $187/month"
    assert message.attributes == {
        "kind": "run",
        "endpointName": ENDPOINT,
        "status": "COMPLETED",
        "jobType": "Default",
        "regression": "false",  # the endpoint's first run: nothing to compare with
        "verdict": "CHANGE",
    }
    [item] = world.runs()
    stored = {k: v for k, v in item.items() if k != "notifiedAt"}
    body = dict(message.body)
    console = body.pop("consoleUrl")
    assert body == stored  # the JSON for programs is the run record, field for field (keys included)
    assert console == {
        "execution": f"https://{REGION}.console.aws.amazon.com/states/home?region={REGION}"
        f"#/v2/executions/details/{execution_arn()}",
        "job": f"https://{REGION}.console.aws.amazon.com/sagemaker/home?region={REGION}"
        f"#/inference-recommender/jobs/{completed['jobName']}",
    }


def test_email_is_a_readable_summary(world: World, completed: dict[str, Any], lambda_context: LambdaContext) -> None:
    publish.lambda_handler(completed, lambda_context)

    [document] = world.published_documents()
    assert set(document) == {"default", "email"}  # SNS gives `default` to SQS, Lambda and HTTPS alike
    email = document["email"]
    assert not email.lstrip().startswith("{")
    lines = email.splitlines()
    assert lines[0] == f"Inference Recommender run COMPLETED for endpoint {ENDPOINT}"
    assert f"Job {completed['jobName']} (Default); trigger manual" in lines
    assert "Started 2026-11-25T03:00:00Z, finished 2026-11-25T03:45:00Z (45 min)" in lines
    assert (
        "Current endpoint: ml.m5.xlarge x2 (variant AllTraffic): max 300 invocations/min per instance, "
        "model latency 560 ms"
    ) in lines
    table = [line.split()[1] for line in lines if line[:2].strip() in {"1", "2", "3"}]
    assert table == ["ml.g4dn.xlarge", "ml.c6i.xlarge", "ml.c5.xlarge"]
    assert "Cheapest per inference: #1 ml.g4dn.xlarge x1 at $0.7360/hour" in lines
    assert (
        "Compared with the current endpoint: 5.48x the current maximum throughput, 389 ms faster model latency."
        in lines
    )
    assert f"Execution: https://{REGION}.console.aws.amazon.com/states/home?region={REGION}" in email


def test_lock_released(world: World, completed: dict[str, Any], lambda_context: LambdaContext) -> None:
    assert world.lock() is not None
    publish.lambda_handler(completed, lambda_context)
    assert world.lock() is None


def test_metrics(
    world: World, completed: dict[str, Any], lambda_context: LambdaContext, capsys: pytest.CaptureFixture[str]
) -> None:
    capsys.readouterr()
    publish.lambda_handler(completed, lambda_context)

    blobs = []
    for line in capsys.readouterr().out.splitlines():
        if line.startswith("{") and '"_aws"' in line:
            blobs.append(json.loads(line))
    [emf] = blobs
    [directive] = emf["_aws"]["CloudWatchMetrics"]
    assert directive["Namespace"] == NAMESPACE
    assert {m["Name"] for m in directive["Metrics"]} == {
        "CurrentMaxInvocations",
        "CurrentModelLatency",
        "RunDurationSeconds",
        "Regression",
        "BestCostPerInference",
    }
    assert {"EndpointName", "JobType"} <= set(directive["Dimensions"][0])
    assert (emf["EndpointName"], emf["JobType"]) == (ENDPOINT, "Default")
    # Powertools writes each metric's values as a list.
    assert emf["CurrentMaxInvocations"] == [300]
    assert emf["CurrentModelLatency"] == [560]
    assert emf["RunDurationSeconds"] == [2700]
    assert emf["BestCostPerInference"] == [pytest.approx(0.736 / (1645 * 60))]
    assert emf["Regression"] == [0]  # 1 when the run regressed (alarmed)


def test_retried_publish_writes_once_and_notifies_once(
    world: World, completed: dict[str, Any], clock: SimulatedClock, lambda_context: LambdaContext
) -> None:
    first = publish.lambda_handler(completed, lambda_context)
    [before] = world.runs()
    clock.advance(30)

    again = publish.lambda_handler(completed, lambda_context)

    assert again == first
    assert world.runs() == [before]  # not rewritten: notifiedAt and every field as they were
    assert len(world.notifications()) == 1
    assert world.lock() is None


@pytest.mark.parametrize(("status", "rewritten"), [("COMPLETED", True), ("FAILED", False)], ids=["completed", "failed"])
def test_an_unannounced_completed_item_is_rewritten_and_any_other_outcome_kept(
    world: World, completed: dict[str, Any], lambda_context: LambdaContext, *, status: str, rewritten: bool
) -> None:
    """An earlier attempt stored this run's COMPLETED item and stopped before SNS (an older record:
    no recommendations yet): the retry rewrites it and announces the new one. A failure recorded
    for the same run (Record Failure) is a different outcome: kept, and announced as it is."""
    key = run_key(completed["jobName"])
    earlier = {
        "endpointName": ENDPOINT,
        "runKey": key,
        "status": status,
        "jobName": completed["jobName"],
        "startedAt": STARTED_AT,
        "executionArn": execution_arn(),
    }
    world.put_item({name: {"S": value} for name, value in earlier.items()})

    result = publish.lambda_handler(completed, lambda_context)

    assert result == {"status": status, "endpointName": ENDPOINT, "runKey": key}
    [item] = world.runs()
    [message] = world.notifications()
    stored = {k: v for k, v in item.items() if k != "notifiedAt"}
    assert ("recommendations" in stored) == rewritten
    if not rewritten:
        assert stored == earlier
    body = dict(message.body)
    body.pop("consoleUrl")
    assert body == stored  # what was announced is what is stored


@pytest.mark.filterwarnings("ignore:No application metrics to publish")  # the failed attempt emits none
@pytest.mark.parametrize(
    ("code", "http_status", "retried"),
    [
        ("Throttled", 429, True),
        ("KMSThrottling", 400, True),
        ("KMSDisabled", 400, False),
        ("KMSAccessDenied", 400, False),
        ("AuthorizationError", 403, False),
        ("InvalidParameter", 400, False),
    ],
)
def test_a_refused_notification_never_keeps_the_endpoint_locked(
    world: World,
    completed: dict[str, Any],
    clock: SimulatedClock,
    lambda_context: LambdaContext,
    *,
    code: str,
    http_status: int,
    retried: bool,
) -> None:
    """SNS refused the message after the item was written: the lock is free at once; a transient
    refusal is retried by the state machine and notifies once, a final one is not retried."""
    with Stubber(aws.client("sns")) as stubber:
        stubber.add_client_error("publish", service_error_code=code, http_status_code=http_status)
        with pytest.raises(TransientAwsError if retried else ClientError) as info:
            publish.lambda_handler(completed, lambda_context)
    assert isinstance(info.value, TransientAwsError) == retried
    [written] = world.runs()
    assert written["status"] == "COMPLETED"
    assert "notifiedAt" not in written
    assert world.lock() is None  # the next run need not wait for SNS
    if not retried:
        return
    clock.advance(5)

    publish.lambda_handler(completed, lambda_context)

    [item] = world.runs()
    assert item["notifiedAt"] == "2026-11-25T03:46:05Z"
    assert len(world.notifications()) == 1
    assert world.lock() is None


def test_ranking_and_best_with_planned_results(
    world: World, steps: Steps, clock: SimulatedClock, lambda_context: LambdaContext
) -> None:
    """Cheapest, fastest and highest-throughput are different recommendations; one has no cost."""

    def recommendation(instance_type: str, **metrics: float) -> dict[str, Any]:
        return {
            "RecommendationId": f"rec-{instance_type}",
            "Metrics": metrics,
            "EndpointConfiguration": {
                "EndpointName": f"sm-epc-{instance_type}",
                "VariantName": "AllTraffic",
                "InstanceType": instance_type,
                "InitialInstanceCount": 1,
            },
            "ModelConfiguration": {
                "EnvironmentParameters": [{"Key": "OMP_NUM_THREADS", "ValueType": "string", "Value": "2"}]
            },
        }

    world.fake.plan(
        duration_seconds=1200,
        recommendations=[
            recommendation(
                "ml.c5.xlarge", CostPerHour=0.2, CostPerInference=8e-6, MaxInvocations=400, ModelLatency=300
            ),
            recommendation("ml.r5.xlarge", CostPerHour=0.3, MaxInvocations=3000, ModelLatency=250),
            recommendation(
                "ml.g4dn.xlarge", CostPerHour=0.7, CostPerInference=5.8e-6, MaxInvocations=2000, ModelLatency=200
            ),
            recommendation(
                "ml.inf1.xlarge", CostPerHour=0.3, CostPerInference=5.9e-6, MaxInvocations=900, ModelLatency=90
            ),
        ],
    )
    state = steps.completed(clock)

    publish.lambda_handler(state, lambda_context)

    [item] = world.runs()
    assert [(r["rank"], r["instanceType"]) for r in item["recommendations"]] == [
        (1, "ml.g4dn.xlarge"),
        (2, "ml.inf1.xlarge"),
        (3, "ml.c5.xlarge"),
        (4, "ml.r5.xlarge"),  # no cost per inference: last
    ]
    assert "costPerInference" not in item["recommendations"][3]
    assert item["best"] == {"cheapestPerInference": 1, "highestThroughput": 4, "lowestLatency": 2}
    assert item["comparison"] == {
        "rank": 1,
        "instanceType": "ml.g4dn.xlarge",
        "throughputRatio": round(2000 / 300, 4),
        "latencyDeltaMs": 200 - 560,
    }
    assert item["durationSeconds"] == 1200


# ------------------------------------------------------------------------------ regression
def later_run(steps: Steps, clock: SimulatedClock, name: str) -> dict[str, Any]:
    """Another execution started now (the helpers' executions all start at 03:00): its COMPLETED state."""
    from recommender.handlers import validate

    event = steps.world.validate_event(None, name)
    event["execution"]["startTime"] = iso(datetime.now(UTC))
    state = steps.start(validate.lambda_handler(event, steps.context))
    for _ in range(MAX_CHECKS):
        if state["poll"]["status"] == "COMPLETED":
            break
        clock.advance(state["poll"]["nextWaitSeconds"])
        state = steps.check(state)
    assert state["poll"]["status"] == "COMPLETED", f"not COMPLETED after {MAX_CHECKS} checks: {state['poll']}"
    return state


def emitted(capsys: pytest.CaptureFixture[str]) -> dict[str, Any]:
    [emf] = [json.loads(line) for line in capsys.readouterr().out.splitlines() if '"_aws"' in line]
    return emf


def test_a_slower_second_run_is_flagged(
    world: World,
    completed: dict[str, Any],
    clock: SimulatedClock,
    lambda_context: LambdaContext,
    capsys: pytest.CaptureFixture[str],
) -> None:
    """Run 1 measured the endpoint at 300 invocations/min and 560 ms; run 2 at 240 and 700:
    throughput -20 % (> 10 %), latency +25 % (> 20 %)."""
    publish.lambda_handler(completed, lambda_context)
    first = run_key(completed["jobName"])
    assert emitted(capsys)["Regression"] == [0]  # no earlier run: nothing to compare with
    [message] = world.notifications()
    assert message.attributes["regression"] == "false"
    clock.advance(3600)
    world.fake.plan(endpoint_metrics={"MaxInvocations": 240, "ModelLatency": 700})
    second = later_run(Steps(world, lambda_context), clock, "run-2")

    publish.lambda_handler(second, lambda_context)

    newest = world.runs()[-1]
    assert newest["jobName"] == second["jobName"]
    assert newest["regression"] == {"throughputDropPercent": 20, "latencyRisePercent": 25, "previousRunKey": first}
    assert emitted(capsys)["Regression"] == [1]
    [message] = world.notifications()  # the queue hands each message out once
    assert message.attributes == {
        "kind": "run",
        "endpointName": ENDPOINT,
        "status": "COMPLETED",
        "jobType": "Default",
        "regression": "true",
        "verdict": message.attributes["verdict"],
    }
    assert message.body["regression"] == newest["regression"]
    [_, document] = world.published_documents()
    assert (
        f"Regression since the run of {STARTED_AT} (job {completed['jobName']}): throughput -20 %, latency +25 %"
        in document["email"].splitlines()
    )


def test_within_the_thresholds_or_another_job_type_is_no_regression(
    world: World, completed: dict[str, Any], clock: SimulatedClock, lambda_context: LambdaContext
) -> None:
    publish.lambda_handler(completed, lambda_context)
    clock.advance(3600)
    # -10 % throughput and +20 % latency: exactly at the thresholds.
    world.fake.plan(endpoint_metrics={"MaxInvocations": 270, "ModelLatency": 672})
    publish.lambda_handler(later_run(Steps(world, lambda_context), clock, "run-2"), lambda_context)

    assert [("regression" in item) for item in world.runs()] == [False, False]
    assert [m.attributes["regression"] for m in world.notifications()] == ["false", "false"]


def test_only_completed_runs_count_and_only_earlier_ones(
    world: World, completed: dict[str, Any], clock: SimulatedClock, lambda_context: LambdaContext
) -> None:
    """The previous run is the newest earlier COMPLETED run of the endpoint and job type."""
    publish.lambda_handler(completed, lambda_context)
    first = run_key(completed["jobName"])
    table, later = world.dynamodb, "RUN#2026-11-25T03:30:00Z#ir-orchestrator-ffffffffffffffff-demo-endpoint"
    # A failed run in between, and an Advanced one: neither is what run 2 is compared with.
    for key, status, job_type in ((later, "FAILED", "Default"), (later + "-adv", "COMPLETED", "Advanced")):
        table.put_item(
            TableName=TABLE_NAME,
            Item={
                "endpointName": {"S": ENDPOINT},
                "runKey": {"S": key},
                "status": {"S": status},
                "jobType": {"S": job_type},
                "currentEndpoint": {"M": {"maxInvocations": {"N": "9999"}, "modelLatencyMs": {"N": "1"}}},
            },
        )
    clock.advance(3600)
    world.fake.plan(endpoint_metrics={"MaxInvocations": 100})
    publish.lambda_handler(later_run(Steps(world, lambda_context), clock, "run-2"), lambda_context)

    assert world.runs()[-1]["regression"] == {"throughputDropPercent": 66.7, "previousRunKey": first}


def test_a_change_verdict_stores_the_services_scaling_advice(
    world: World, completed: dict[str, Any], lambda_context: LambdaContext
) -> None:
    publish.lambda_handler(completed, lambda_context)

    [item] = world.runs()
    [call] = world.calls("GetScalingConfigurationRecommendation")
    # The verdict's recommendation (rank 2, c6i) and the observed traffic (none: at least 1 a minute).
    assert call == {
        "InferenceRecommendationsJobName": completed["jobName"],
        "RecommendationId": f"{completed['jobName'][:40]}-03-c6i.xlarge",
        "ScalingPolicyObjective": {"MinInvocationsPerMinute": 1, "MaxInvocationsPerMinute": 1},
    }
    resource = f"endpoint/{ENDPOINT}/variant/AllTraffic"
    assert [(r["operation"], r["parameters"]["ResourceId"]) for r in item["scaling"]["requests"]] == [
        ("RegisterScalableTarget", resource),
        ("PutScalingPolicy", resource),
    ]
    email = world.published_documents()[0]["email"]
    assert (
        "Autoscaling (the service's recommendation): min 1, max 1 instances, "
        "target 180 invocations per instance per minute; to apply:"
    ) in email
    assert (
        f"  aws application-autoscaling register-scalable-target --service-namespace sagemaker --resource-id {resource}"
        in email
    )
    assert "  aws application-autoscaling put-scaling-policy --policy-name " in email


@pytest.mark.parametrize(("code", "message"), [("ValidationException", "not COMPLETED"), ("ResourceNotFound", "gone")])
def test_a_refused_scaling_recommendation_leaves_it_absent_and_the_run_completed(
    world: World,
    completed: dict[str, Any],
    lambda_context: LambdaContext,
    monkeypatch: pytest.MonkeyPatch,
    *,
    code: str,
    message: str,
) -> None:
    from simulator import fake_recommender

    error = (
        fake_recommender.ValidationError if code == "ValidationException" else fake_recommender.ResourceNotFoundError
    )

    def refuse(*_args: Any) -> Any:
        raise error(message)

    monkeypatch.setattr(world.fake, "get_scaling_configuration_recommendation", refuse)

    result = publish.lambda_handler(completed, lambda_context)

    assert result["status"] == "COMPLETED"
    [item] = world.runs()
    assert item["verdict"]["decision"] == "CHANGE"
    assert "scaling" not in item
    assert "Autoscaling" not in world.published_documents()[0]["email"]
    assert world.lock() is None


@pytest.mark.filterwarnings("ignore:No application metrics to publish")
@pytest.mark.filterwarnings("ignore:Exception\\(Throttled\\):UserWarning")
def test_a_throttled_scaling_recommendation_is_retried_like_every_call(
    world: World, completed: dict[str, Any], lambda_context: LambdaContext, monkeypatch: pytest.MonkeyPatch
) -> None:
    from simulator import fake_recommender

    class Throttled(fake_recommender.SagemakerClientError):
        code = "ThrottlingException"

    def throttle(*_args: Any) -> Any:
        raise Throttled("Rate exceeded")

    monkeypatch.setattr(world.fake, "get_scaling_configuration_recommendation", throttle)
    with pytest.raises(TransientAwsError):
        publish.lambda_handler(completed, lambda_context)
    assert world.runs() == []
