"""Runs that succeed: Default and Advanced jobs, live traffic explicitly allowed, and a scheduled
run whose polling is informed by the endpoint's previous run."""

from __future__ import annotations

import math
from typing import Any

from simulator.offline import ACCOUNT, REGION, OfflineStack
from simulator.scenarios import ADVANCED_FIELDS
from tests.e2e.support import (
    LOOP,
    Observed,
    after,
    assert_notifies,
    job_role_arn,
    run,
    run_input,
    scenario,
    started_at,
)

DEFAULT_JOB_SECONDS = 45 * 60
SUCCESS_PATH = "Validate Endpoint -> Start Job -> ({loop}) x{polls} -> Publish Results -> Done"


def the_job(world: OfflineStack, observed: Observed) -> Any:
    """The one fake job this run created."""
    (create,) = observed.calls_to("CreateInferenceRecommendationsJob")
    (job,) = [job for job in world.fake.jobs() if job.name == create["JobName"]]
    return job


def assert_succeeded(observed: Observed) -> None:
    assert observed.status == "SUCCEEDED", observed.execution.get("cause")
    assert observed.path == SUCCESS_PATH.format(loop=LOOP, polls=observed.polls)
    assert not [i for i in observed.invocations if i.errored]
    assert observed.lock is None  # released by Publish Results


def test_default_job_runs_to_a_stored_and_notified_recommendation(world: OfflineStack) -> None:
    endpoint = "e2e-default"
    execution_input, observed = run(world, scenario("completed", endpoint))

    assert_succeeded(observed)
    # Without history the poll interval doubles up to pollMaxSeconds: never more polls than a
    # fixed 120-second schedule, and the result is noticed within 120 s.
    assert observed.figures.polls <= math.ceil(DEFAULT_JOB_SECONDS / 120)
    assert observed.figures.lag_seconds is not None
    assert 0 <= observed.figures.lag_seconds <= 120

    # What the service was asked: one job for this endpoint, with the deployment's job role.
    job = the_job(world, observed)
    (create,) = observed.calls_to("CreateInferenceRecommendationsJob")
    assert create == {
        "JobName": job.name,
        "JobType": "Default",
        "RoleArn": job_role_arn(world),
        "InputConfig": {
            "ModelPackageVersionArn": execution_input["modelPackageVersionArn"],
            "Endpoints": [{"EndpointName": endpoint}],
        },
        "JobDescription": f"Right-sizing check of {endpoint} (manual)",
    }
    assert job.name.startswith("ir-orchestrator-")
    assert job.name.endswith(f"-{endpoint}")
    # Then only status checks: one per poll and one by Publish Results, which also lists the
    # benchmarks that failed inside the completed job (none here). Nothing stopped.
    assert observed.operations() == {
        "CreateInferenceRecommendationsJob",
        "DescribeInferenceRecommendationsJob",
        "ListInferenceRecommendationsJobSteps",
        # Publish Results: the service's autoscaling advice for the CHANGE verdict.
        "GetScalingConfigurationRecommendation",
    }
    assert len(observed.calls_to("DescribeInferenceRecommendationsJob")) == observed.polls + 1
    failed_steps = [c for c in observed.calls_to("ListInferenceRecommendationsJobSteps") if c.get("Status") == "FAILED"]
    assert len(failed_steps) == 1  # Publish Results' (Check Job reads the steps' progress)

    started = started_at(observed.execution)
    item = observed.item
    assert len(observed.items) == 1
    decision = ("targetEndpoint", "traffic", "prices", "verdict", "scaling")
    parts = ("currentEndpoint", "recommendations", "best", "comparison", *decision)
    assert {k: v for k, v in item.items() if k not in parts} == {
        "runKey": f"RUN#{started}#{job.name}",
        "endpointName": endpoint,
        "status": "COMPLETED",
        "jobName": job.name,
        "jobArn": job.arn,
        "jobType": "Default",
        "modelPackageVersionArn": execution_input["modelPackageVersionArn"],
        "executionArn": observed.arn,
        "trigger": "manual",
        "startedAt": started,
        "finishedAt": after(started, DEFAULT_JOB_SECONDS),
        "durationSeconds": DEFAULT_JOB_SECONDS,
        "notifiedAt": item["notifiedAt"],
    }
    assert item["finishedAt"] <= item["notifiedAt"] <= after(item["finishedAt"], 121)
    assert item["currentEndpoint"] == {
        "variantName": "AllTraffic",
        "instanceType": "ml.m5.xlarge",
        "instanceCount": 1,
        "maxInvocations": 300,
        "modelLatencyMs": 560,
        "monthlyCost": 167.9,  # $0.23 (the Price List API) x 730 h
    }
    # The decision at the endpoint's own traffic (none here: one instance of anything serves it).
    assert item["targetEndpoint"] == {
        "endpointName": endpoint,
        "variantName": "AllTraffic",
        "instanceType": "ml.m5.xlarge",
        "instanceCount": 1,
        "monthlyCost": 167.9,
    }
    assert item["prices"] == {"currentPerHour": 0.23, "source": "price-list"}
    assert (item["traffic"]["peakPerMinute"], item["traffic"]["windowDays"]) == (0, 14)
    verdict = item["verdict"]
    # c6i and c5 both cost $0.204 x 730 = $148.92 a month; c6i is faster (480 ms against 540 ms).
    assert {k: v for k, v in verdict.items() if k != "reason"} == {
        "decision": "CHANGE",
        "rank": 2,
        "instanceType": "ml.c6i.xlarge",
        "instanceCount": 1,
        "monthlySavings": 18.98,
        "savingsPercent": 11.3,
    }
    recommendations = item["recommendations"]
    # The service's scaling configuration for c6i (360 per instance per minute, a target of 180 at
    # 50 %) at the observed traffic (none: 1 to 1), through the Publish role (strict world).
    (asked,) = observed.calls_to("GetScalingConfigurationRecommendation")
    assert asked["ScalingPolicyObjective"] == {"MinInvocationsPerMinute": 1, "MaxInvocationsPerMinute": 1}
    assert asked["RecommendationId"] == next(r["recommendationId"] for r in recommendations if r["rank"] == 2)
    scaling = item["scaling"]
    assert {k: v for k, v in scaling.items() if k != "requests"} == {
        "minCapacity": 1,
        "maxCapacity": 1,
        "scaleInCooldown": 300,
        "scaleOutCooldown": 60,
        "targetValue": 180,
        "metric": "SageMakerVariantInvocationsPerInstance",
    }
    assert [r["parameters"]["ResourceId"] for r in scaling["requests"]] == [
        f"endpoint/{endpoint}/variant/AllTraffic"
    ] * 2
    assert [r["rank"] for r in recommendations] == [1, 2, 3]
    assert [r["costPerInference"] for r in recommendations] == sorted(r["costPerInference"] for r in recommendations)
    assert {r["instanceType"] for r in recommendations} == {"ml.c5.xlarge", "ml.g4dn.xlarge", "ml.c6i.xlarge"}
    for recommendation in recommendations:
        assert recommendation["instanceCount"] == 1
        assert recommendation["environment"] == {
            "OMP_NUM_THREADS": "4",
            "TS_DEFAULT_WORKERS_PER_MODEL": "4",
        }
    # The service reported ml.g4dn.xlarge's memory utilization as NaN and no optional metric at all
    # for ml.c6i.xlarge: both stored as absent; ml.c5.xlarge's are all there.
    by_type = {r["instanceType"]: r for r in recommendations}
    optional = {"cpuUtilization", "memoryUtilization", "modelSetupTimeSec"}
    assert optional & set(by_type["ml.g4dn.xlarge"]) == {"cpuUtilization", "modelSetupTimeSec"}
    assert not optional & set(by_type["ml.c6i.xlarge"])
    assert optional <= set(by_type["ml.c5.xlarge"])
    assert item["best"] == {"cheapestPerInference": 1, "highestThroughput": 1, "lowestLatency": 1}
    assert item["comparison"]["rank"] == 1
    assert item["comparison"]["instanceType"] == recommendations[0]["instanceType"] == "ml.g4dn.xlarge"
    assert item["comparison"]["latencyDeltaMs"] == 171 - 560

    document = assert_notifies(observed.notification, item)
    assert document["consoleUrl"]["job"].startswith(f"https://{REGION}.console.aws.amazon.com/sagemaker/")
    email = observed.notification["bodies"]["email"]
    assert "Recommendations, cheapest per inference first:" in email
    assert "Cheapest per inference: #1 ml.g4dn.xlarge x1" in email
    assert "Autoscaling (the service's recommendation): min 1, max 1 instances, target 180 invocations" in email
    assert "  aws application-autoscaling put-scaling-policy " in email


def test_advanced_job_request_carries_role_package_endpoint_and_advanced_fields(world: OfflineStack) -> None:
    endpoint = "e2e-advanced"
    execution_input, observed = run(
        world,
        scenario("completed-advanced", endpoint),
        job_minutes=30,
        jobDescription="weekly right-sizing check",
    )

    assert_succeeded(observed)
    job = the_job(world, observed)
    (create,) = observed.calls_to("CreateInferenceRecommendationsJob")
    role = job_role_arn(world)
    assert create == {
        "JobName": job.name,
        "JobType": "Advanced",
        "RoleArn": role,
        "InputConfig": {
            "ModelPackageVersionArn": execution_input["modelPackageVersionArn"],
            "Endpoints": [{"EndpointName": endpoint}],
            "JobDurationInSeconds": ADVANCED_FIELDS["jobDurationInSeconds"],
            "TrafficPattern": ADVANCED_FIELDS["trafficPattern"],
            "ResourceLimit": ADVANCED_FIELDS["resourceLimit"],
        },
        "StoppingConditions": ADVANCED_FIELDS["stoppingConditions"],
        "JobDescription": "weekly right-sizing check",
    }
    # The role is the one the stack creates for jobs, never one a caller could choose.
    (job_role,) = [
        physical
        for logical, (kind, physical) in world.deployment.resources.items()
        if kind == "AWS::IAM::Role" and logical.startswith("JobRole")
    ]
    assert role == f"arn:aws:iam::{ACCOUNT}:role/{job_role}"

    item = observed.item
    assert item["status"] == "COMPLETED"
    assert item["jobType"] == "Advanced"
    assert item["jobArn"] == job.arn
    assert item["durationSeconds"] == 30 * 60
    document = assert_notifies(observed.notification, item)
    assert document["jobType"] == "Advanced"
    assert f"Job {job.name} (Advanced); trigger manual" in observed.notification["bodies"]["email"]


def test_live_traffic_is_benchmarked_when_the_input_allows_it(world: OfflineStack) -> None:
    endpoint = "e2e-live-allowed"
    _, observed = run(world, scenario("live-traffic", endpoint), job_minutes=10, allowLiveTraffic=True)

    assert_succeeded(observed)
    assert len(observed.calls_to("CreateInferenceRecommendationsJob")) == 1
    assert observed.item["status"] == "COMPLETED"
    assert "violations" not in observed.item
    assert_notifies(observed.notification, observed.item)


def test_scheduled_run_waits_for_the_previous_runs_duration(world: OfflineStack) -> None:
    endpoint = "e2e-weekly"
    chosen = scenario("completed", endpoint)
    execution_input, first = run(world, chosen)
    second = run_input(world, chosen, {**execution_input, "trigger": "schedule:weekly"})

    assert_succeeded(first)
    assert_succeeded(second)
    # Start read the endpoint's history: the previous Default run took 45 minutes, so the first
    # wait ends one initial poll interval (60 s) before that (a second earlier when the execution
    # started within a second: startedAt is kept to the second).
    (start,) = [i for i in second.invocations if i.handler.startswith("recommender.handlers.start")]
    assert start.result["poll"]["historySeconds"] == DEFAULT_JOB_SECONDS
    assert DEFAULT_JOB_SECONDS - 61 <= start.result["poll"]["nextWaitSeconds"] <= DEFAULT_JOB_SECONDS - 60
    # The first run had no history: every 120 s until its first benchmark was done, then one sleep
    # until shortly before the end its progress foretold (not the 23 polls of every 120 s). The
    # second sleeps straight to the end and is noticed within a minute.
    assert 8 <= first.figures.polls <= 12
    assert first.figures.lag_seconds is not None
    assert 0 <= first.figures.lag_seconds <= 60
    assert second.figures.polls <= 3
    assert second.figures.lag_seconds is not None
    assert 0 <= second.figures.lag_seconds <= 60

    assert [item["executionArn"] for item in second.items] == [second.arn, first.arn]  # newest first
    assert first.item["trigger"] == "manual"
    item = second.item
    assert item["trigger"] == "schedule:weekly"
    assert item["status"] == "COMPLETED"
    assert item["durationSeconds"] == DEFAULT_JOB_SECONDS
    assert_notifies(second.notification, item)
    assert "; trigger schedule:weekly\n" in second.notification["bodies"]["email"]
    assert len(second.calls_to("CreateInferenceRecommendationsJob")) == 1
    assert second.item["jobName"] != first.item["jobName"]


def test_a_slower_rerun_is_flagged_and_failed_benchmarks_are_recorded(world: OfflineStack) -> None:
    """Run 2 of an endpoint measures it slower than run 1 (beyond 10 % / 20 %), and one of its
    benchmarks failed inside the COMPLETED job: both are in the record and the notification."""
    endpoint = "e2e-regression"
    chosen = scenario("completed", endpoint)
    execution_input, first = run(world, chosen)
    assert_succeeded(first)
    assert first.notification["attributes"]["regression"] == "false"
    # ml.m5.xlarge measures 300 invocations/min and 560 ms; now 240 (-20 %) and 700 ms (+25 %).
    world.fake.plan(
        endpoint_name=endpoint,
        once=True,
        failed_benchmarks=1,
        step_failure_reason="The model container did not pass /ping.",
        endpoint_metrics={"MaxInvocations": 240, "ModelLatency": 700},
    )

    second = run_input(world, chosen, execution_input)

    assert_succeeded(second)
    item = second.item
    assert item["regression"] == {
        "throughputDropPercent": 20,
        "latencyRisePercent": 25,
        "previousRunKey": first.item["runKey"],
    }
    assert item["failedBenchmarks"] == [
        {"instanceType": "ml.c6i.xlarge", "reason": "The model container did not pass /ping."}
    ]
    assert "ml.c6i.xlarge" not in [r["instanceType"] for r in item["recommendations"]]
    document = assert_notifies(second.notification, item)
    assert document["regression"] == item["regression"]
    assert second.notification["attributes"]["regression"] == "true"
    email = second.notification["bodies"]["email"]
    assert "throughput -20 %, latency +25 %" in email
    assert "  ml.c6i.xlarge: The model container did not pass /ping." in email
