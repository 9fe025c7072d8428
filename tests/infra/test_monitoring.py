"""Alarms notify the topic; the dashboard shows per-endpoint results next to execution outcomes."""

from __future__ import annotations

import json
from typing import Any

from tests.infra.support import Synthesized, join, logical_id, resources


def alarms(synth: Synthesized) -> dict[str, dict[str, Any]]:
    return {
        logical: body["Properties"] for logical, body in resources(synth.template, "AWS::CloudWatch::Alarm").items()
    }


def test_every_alarm_notifies_the_topic(default_synth: Synthesized) -> None:
    topic = logical_id(default_synth.template, "AWS::SNS::Topic", "NotificationsTopic")
    found = alarms(default_synth)
    assert len(found) == 3 + 7 * 2 + 1 + 1  # outcomes, errors and throttles of 7 functions, dead letters, regression
    for alarm in found.values():
        assert alarm["AlarmActions"] == [{"Ref": topic}]
        assert alarm["Threshold"] == 1
        assert alarm["ComparisonOperator"] == "GreaterThanOrEqualToThreshold"
        assert alarm["TreatMissingData"] == "notBreaching"


def test_execution_outcome_alarms(default_synth: Synthesized) -> None:
    machine = logical_id(default_synth.template, "AWS::StepFunctions::StateMachine", "WorkflowStateMachine")
    watched = {
        a["MetricName"]
        for a in alarms(default_synth).values()
        if a.get("Namespace") == "AWS/States"
        and a["Dimensions"] == [{"Name": "StateMachineArn", "Value": {"Ref": machine}}]
    }
    assert watched == {"ExecutionsFailed", "ExecutionsTimedOut", "ExecutionsAborted"}


def test_errors_and_throttles_alarm_per_function(default_synth: Synthesized) -> None:
    template = default_synth.template
    functions = {logical for logical, body in template["Resources"].items() if body["Type"] == "AWS::Lambda::Function"}
    watched = {
        (a["MetricName"], a["Dimensions"][0]["Value"]["Ref"])
        for a in alarms(default_synth).values()
        if a.get("Namespace") == "AWS/Lambda"
    }
    assert watched == {(metric, f) for metric in ("Errors", "Throttles") for f in functions}


def test_dead_letters_alarm(default_synth: Synthesized) -> None:
    queue = logical_id(default_synth.template, "AWS::SQS::Queue", "DeadLettersQueue")
    (alarm,) = [a for a in alarms(default_synth).values() if a.get("Namespace") == "AWS/SQS"]
    assert alarm["MetricName"] == "ApproximateNumberOfMessagesVisible"
    assert alarm["Dimensions"] == [{"Name": "QueueName", "Value": {"Fn::GetAtt": [queue, "QueueName"]}}]


def test_regression_alarm_watches_every_endpoints_regression_metric(default_synth: Synthesized) -> None:
    (alarm,) = [a for a in alarms(default_synth).values() if "Metrics" in a]
    (query,) = alarm["Metrics"]
    # A Metrics Insights query: every endpoint and job type Publish Results reports, one alarm.
    assert query["Expression"] == 'SELECT MAX(Regression) FROM "InferenceRecommenderOrchestrator"'
    assert query["Period"] == 300
    assert query["ReturnData"] is True
    assert "regressionThroughputDropPercent" in alarm["AlarmDescription"]


def test_dashboard_searches_the_publish_metrics_beside_execution_outcomes(default_synth: Synthesized) -> None:
    (dashboard,) = resources(default_synth.template, "AWS::CloudWatch::Dashboard").values()
    widgets = json.loads(join(dashboard["Properties"]["DashboardBody"]))["widgets"]
    metrics = [m for w in widgets for m in w.get("properties", {}).get("metrics", [])]
    searches = {m[0]["expression"] for m in metrics if isinstance(m[0], dict)}
    assert searches == {
        f"SEARCH('Namespace=\"InferenceRecommenderOrchestrator\" MetricName=\"{name}\"', 'Maximum', 21600)"
        for name in ("CurrentMaxInvocations", "CurrentModelLatency", "BestCostPerInference", "RunDurationSeconds")
    }
    outcomes = {m[1] for m in metrics if m[0] == "AWS/States"}
    assert outcomes == {f"Executions{outcome}" for outcome in ("Started", "Succeeded", "Failed", "TimedOut", "Aborted")}
