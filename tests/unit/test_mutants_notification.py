"""The notification's text where mutation testing found it unpinned (make mutation, issue 11)."""

from __future__ import annotations

from recommender.logic.notification import email_text, regression_text, scaling_text
from recommender.logic.scaling import from_answer
from recommender.models import Recommendation, Regression, RunRecord

RECORD = RunRecord.model_validate(
    {
        "endpointName": "demo-endpoint",
        "status": "COMPLETED",
        "jobName": "job-name",
        "executionArn": "arn:aws:states:us-east-1:123456789012:execution:Workflow:run-1",
        "startedAt": "2026-11-25T03:00:00Z",
    }
)


def test_no_regression_no_text() -> None:
    assert regression_text(RECORD) == ""


def test_a_previous_run_without_a_job_is_named_by_its_start() -> None:
    found = Regression(throughput_drop_percent=12, previous_run_key="RUN#2026-11-18T03:00:00Z")
    assert regression_text(RECORD.model_copy(update={"regression": found})) == (
        "Regression since 2026-11-18T03:00:00Z: throughput -12 %"
    )


def test_the_cost_per_million_is_the_cost_per_inference_times_a_million_exactly() -> None:
    # $0.012 per inference: 12,000.00 per million, to the cent (a factor off by one millionth shows).
    rec = Recommendation(rank=1, instance_type="ml.p4d.24xlarge", instance_count=1, cost_per_inference=0.012)
    lines = email_text(RECORD.model_copy(update={"recommendations": [rec]}), {}).splitlines()
    [row] = [line for line in lines if line.startswith(" 1  ml.p4d.24xlarge")]
    assert row.split() == ["1", "ml.p4d.24xlarge", "1", "n/a", "12000.00", "n/a", "n/a"]


def test_a_metric_other_than_invocations_is_named() -> None:
    answer = {
        "DynamicScalingConfiguration": {
            "MinCapacity": 1,
            "MaxCapacity": 4,
            "ScalingPolicies": [
                {
                    "TargetTracking": {
                        "MetricSpecification": {"Customized": {"MetricName": "CPUUtilization"}},
                        "TargetValue": 50,
                    }
                }
            ],
        }
    }
    scaling = from_answer(answer, endpoint_name="demo-endpoint", variant_name="AllTraffic")
    [head, *_] = scaling_text(RECORD.model_copy(update={"scaling": scaling}))
    assert head == (
        "Autoscaling (the service's recommendation): min 1, max 4 instances, target 50 CPUUtilization per instance; "
        "to apply:"
    )
