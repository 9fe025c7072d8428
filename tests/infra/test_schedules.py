"""Schedules from the sample configuration: expression, input, retries, dead letters, their role."""

from __future__ import annotations

import json

from aws_cdk.assertions import Template

from tests.infra.support import SAMPLE_CONTEXT, Synthesized, actions, logical_id, on, permissions, resources


def test_no_schedules_no_scheduler_resources(default_template: Template) -> None:
    for kind in ("AWS::Scheduler::Schedule", "AWS::Scheduler::ScheduleGroup"):
        default_template.resource_count_is(kind, 0)


def test_one_schedule_per_entry_in_the_stacks_own_group(sample_synth: Synthesized) -> None:
    template = sample_synth.template
    schedules = {
        s["Properties"]["Name"]: s["Properties"] for s in resources(template, "AWS::Scheduler::Schedule").values()
    }
    assert set(schedules) == {"weekly-fraud", "daily.search_v2", "weekly-fraud-fleet"}
    group = template["Resources"][logical_id(template, "AWS::Scheduler::ScheduleGroup", "SchedulesGroup")]
    for schedule in schedules.values():
        assert schedule["GroupName"] == group["Properties"]["Name"]
        assert schedule["State"] == "ENABLED"
        assert schedule["FlexibleTimeWindow"] == {"Mode": "OFF"}
    assert schedules["weekly-fraud"]["ScheduleExpression"] == "cron(0 3 ? * MON *)"
    assert schedules["weekly-fraud"]["ScheduleExpressionTimezone"] == "Europe/Paris"
    assert schedules["daily.search_v2"]["ScheduleExpression"] == "rate(1 day)"


def test_each_schedule_starts_the_state_machine_with_its_input_and_trigger(sample_synth: Synthesized) -> None:
    template = sample_synth.template
    machine = logical_id(template, "AWS::StepFunctions::StateMachine", "WorkflowStateMachine")
    fleet = logical_id(template, "AWS::StepFunctions::StateMachine", "FleetStateMachine")
    role = logical_id(template, "AWS::IAM::Role", "SchedulesRole")
    queue = logical_id(template, "AWS::SQS::Queue", "DeadLettersQueue")
    configured = {entry["name"]: entry.get("input") or entry["fleet"] for entry in SAMPLE_CONTEXT["schedules"]}
    fleets = {entry["name"] for entry in SAMPLE_CONTEXT["schedules"] if "fleet" in entry}
    assert fleets == {"weekly-fraud-fleet"}
    for schedule in resources(template, "AWS::Scheduler::Schedule").values():
        name, target = schedule["Properties"]["Name"], schedule["Properties"]["Target"]
        assert target["Arn"] == {"Ref": fleet if name in fleets else machine}
        assert target["RoleArn"] == {"Fn::GetAtt": [role, "Arn"]}
        assert json.loads(target["Input"]) == {**configured[name], "trigger": f"schedule:{name}"}
        assert target["RetryPolicy"]["MaximumRetryAttempts"] > 0
        assert 60 <= target["RetryPolicy"]["MaximumEventAgeInSeconds"] <= 86_400
        assert target["DeadLetterConfig"] == {"Arn": {"Fn::GetAtt": [queue, "Arn"]}}


def test_schedules_role_may_only_start_this_state_machine(sample_synth: Synthesized) -> None:
    template = sample_synth.template
    role = logical_id(template, "AWS::IAM::Role", "SchedulesRole")
    trust = template["Resources"][role]["Properties"]["AssumeRolePolicyDocument"]["Statement"]
    assert trust == [
        {
            "Action": "sts:AssumeRole",
            "Effect": "Allow",
            "Principal": {"Service": "scheduler.amazonaws.com"},
            "Condition": {"StringEquals": {"aws:SourceAccount": {"Ref": "AWS::AccountId"}}},
        }
    ]
    allowed = permissions(template, "SchedulesRole")
    machine = logical_id(template, "AWS::StepFunctions::StateMachine", "WorkflowStateMachine")
    fleet = logical_id(template, "AWS::StepFunctions::StateMachine", "FleetStateMachine")
    queue = logical_id(template, "AWS::SQS::Queue", "DeadLettersQueue")
    # Start the workflow and the fleet (a fleet schedule); hand undeliverable events to the
    # dead-letter queue; nothing else.
    assert actions(allowed) == {"states:StartExecution", "sqs:SendMessage"}
    assert on(allowed, "states:StartExecution") == {f"<{machine}>", f"<{fleet}>"}
    assert on(allowed, "sqs:SendMessage") == {f"<{queue}.Arn>"}
