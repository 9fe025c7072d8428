"""The state machine: states, edges, payloads, retries, catches, timeout, logging; the clean-up rule."""

from __future__ import annotations

import json
from typing import Any

import pytest
from aws_cdk.assertions import Capture, Match, Template

from recommender.adapters.aws import STEP_TIMEOUT_SECONDS
from tests.infra.support import Synthesized, definition, join, logical_id, properties, resources

TRANSIENT = [
    "Lambda.ServiceException",
    "Lambda.AWSLambdaException",
    "Lambda.SdkClientException",
    "Lambda.TooManyRequestsException",
    "TransientAwsError",
    "States.Timeout",
    "Sandbox.Timedout",
    "Lambda.Unknown",
]
DOMAIN_ERRORS = {
    "InvalidExecutionInput",
    "EndpointNotEligible",
    "EndpointBusy",
    "JobFailed",
    "JobStopped",
    "JobTimedOut",
    "JobConflict",
}
EXECUTION = {"id.$": "$$.Execution.Id", "name.$": "$$.Execution.Name", "startTime.$": "$$.Execution.StartTime"}
TASKS = {
    "Validate Endpoint": "Validate",
    "Start Job": "Start",
    "Check Job": "Check",
    "Publish Results": "Publish",
    "Record Failure": "RecordFailure",
}


@pytest.fixture(scope="module")
def states(default_synth: Synthesized) -> dict[str, Any]:
    parsed: dict[str, Any] = json.loads(definition(default_synth.template))
    return dict(parsed["States"])


def test_definition_is_the_validate_start_poll_publish_loop(default_template: Template) -> None:
    captured = Capture()
    default_template.has_resource_properties("AWS::StepFunctions::StateMachine", {"DefinitionString": captured})
    loop = Match.serialized_json(
        Match.object_like(
            {
                "StartAt": "Validate Endpoint",
                "States": Match.object_like(
                    {
                        "Validate Endpoint": Match.object_like({"Next": "Start Job"}),
                        "Validation Failed": {
                            "Type": "Pass",
                            "Parameters": {"error.$": "$"},
                            "Next": "Record Failure",
                        },
                        "Start Job": Match.object_like({"Next": "Wait For Job"}),
                        "Wait For Job": {"Type": "Wait", "SecondsPath": "$.poll.nextWaitSeconds", "Next": "Check Job"},
                        "Check Job": Match.object_like({"Next": "Job Finished?"}),
                        "Job Finished?": {
                            "Type": "Choice",
                            "Choices": [
                                {"Variable": "$.poll.status", "StringEquals": "COMPLETED", "Next": "Publish Results"}
                            ],
                            "Default": "Wait For Job",
                        },
                        "Publish Results": Match.object_like({"Next": "Done"}),
                        "Done": {"Type": "Succeed"},
                        "Record Failure": Match.object_like({"Next": "Run Failed", "ResultPath": "$.recorded"}),
                        "Run Failed": {"Type": "Fail", "ErrorPath": "$.error.Error", "CausePath": "$.error.Cause"},
                    }
                ),
            }
        )
    )
    result = loop.test(join(captured.as_object()))
    assert not result.has_failed(), result.render_mismatch()


def test_no_other_states_exist(states: dict[str, Any]) -> None:
    assert set(states) == {*TASKS, "Wait For Job", "Job Finished?", "Done", "Validation Failed", "Run Failed"}


@pytest.mark.parametrize(("state", "step"), TASKS.items())
def test_each_task_invokes_its_own_function(
    default_synth: Synthesized, states: dict[str, Any], state: str, step: str
) -> None:
    function = logical_id(default_synth.template, "AWS::Lambda::Function", f"Functions{step}Function")
    # payload_response_only: the function's ARN is the resource, its result is the state's result.
    assert states[state]["Type"] == "Task"
    assert states[state]["Resource"] == f"<{function}.Arn>"


def test_validate_gets_the_raw_input_and_the_execution(states: dict[str, Any]) -> None:
    assert states["Validate Endpoint"]["Parameters"] == {"input.$": "$$.Execution.Input", "execution": EXECUTION}
    assert "ResultPath" not in states["Validate Endpoint"]  # its result replaces the state


@pytest.mark.parametrize("state", ["Start Job", "Check Job", "Publish Results"])
def test_later_steps_get_the_whole_state_and_replace_it(states: dict[str, Any], state: str) -> None:
    assert "Parameters" not in states[state]  # no Parameters: the task's input is the state ($)
    assert "InputPath" not in states[state]
    assert "ResultPath" not in states[state]


def test_record_failure_gets_the_execution_beside_the_failed_state(states: dict[str, Any]) -> None:
    assert states["Record Failure"]["Parameters"] == {
        "execution": EXECUTION,
        "input.$": "$$.Execution.Input",
        "state.$": "$",
    }
    assert states["Record Failure"]["ResultPath"] == "$.recorded"  # $.error stays for the Fail state


TRANSIENT_RETRIER = {
    "ErrorEquals": TRANSIENT,
    "IntervalSeconds": 2,
    "BackoffRate": 2,
    "MaxAttempts": 6,
    "MaxDelaySeconds": 60,
    "JitterStrategy": "FULL",
}


@pytest.mark.parametrize("state", [name for name in TASKS if name != "Start Job"])
def test_one_jittered_retrier_for_transient_errors_only(states: dict[str, Any], state: str) -> None:
    assert states[state]["Retry"] == [TRANSIENT_RETRIER]
    retried = {error for retrier in states[state]["Retry"] for error in retrier["ErrorEquals"]}
    assert not retried & (DOMAIN_ERRORS | {"States.ALL", "States.TaskFailed"})


def test_start_job_also_waits_for_a_job_slot_until_past_the_deadline(
    states: dict[str, Any], default_synth: Synthesized
) -> None:
    transient, slot = states["Start Job"]["Retry"]
    assert transient == TRANSIENT_RETRIER
    assert slot == {
        "ErrorEquals": ["JobSlotUnavailable"],
        "IntervalSeconds": 60,
        "BackoffRate": 2,
        "MaxAttempts": slot["MaxAttempts"],
        "MaxDelaySeconds": 600,
        "JitterStrategy": "FULL",
    }
    # Enough attempts to outlast maxRunHours (6 h by default) even if every jittered delay were a
    # quarter of the 600 s cap: Start Job, not the retrier, ends the wait (TIMED_OUT at the deadline).
    assert slot["MaxAttempts"] * 150 >= 6 * 3600
    # Every other domain error is final.
    assert not set(transient["ErrorEquals"]) & DOMAIN_ERRORS


@pytest.mark.parametrize("state", ["Start Job", "Check Job", "Publish Results"])
def test_every_step_catches_everything_into_record_failure(states: dict[str, Any], state: str) -> None:
    assert states[state]["Catch"] == [
        {"ErrorEquals": ["States.ALL"], "ResultPath": "$.error", "Next": "Record Failure"}
    ]


def test_validate_catches_everything_keeping_only_the_error(states: dict[str, Any]) -> None:
    # The raw input may be a string or a list, which `$.error` cannot extend: keep the error alone
    # and let the Pass state shape it like the other Catches' states.
    assert states["Validate Endpoint"]["Catch"] == [
        {"ErrorEquals": ["States.ALL"], "ResultPath": "$", "Next": "Validation Failed"}
    ]


def test_record_failure_itself_has_no_catch(states: dict[str, Any]) -> None:
    # If it still fails after its retries, the execution fails and the clean-up rule records it.
    assert "Catch" not in states["Record Failure"]


def test_standard_machine_with_timeout_logging_and_tracing(default_synth: Synthesized) -> None:
    template = default_synth.template
    machine = properties(template, "AWS::StepFunctions::StateMachine", "WorkflowStateMachine")
    assert machine["StateMachineType"] == "STANDARD"
    assert machine["TracingConfiguration"] == {"Enabled": True}
    log_group = logical_id(template, "AWS::Logs::LogGroup", "WorkflowLogs")
    assert machine["LoggingConfiguration"] == {
        "Destinations": [{"CloudWatchLogsLogGroup": {"LogGroupArn": {"Fn::GetAtt": [log_group, "Arn"]}}}],
        "IncludeExecutionData": False,
        "Level": "ALL",
    }
    assert template["Resources"][log_group]["Properties"]["RetentionInDays"] > 0
    assert json.loads(definition(template))["TimeoutSeconds"] == (6 + 1) * 3600


def test_timeout_follows_max_run_hours(sample_synth: Synthesized) -> None:
    assert json.loads(definition(sample_synth.template))["TimeoutSeconds"] == (3 + 1) * 3600


def test_state_stays_small_no_result_is_appended(states: dict[str, Any]) -> None:
    # Only Catch ($.error) and Record Failure ($.recorded) add to the state; every other result replaces it.
    paths = {name: state.get("ResultPath") for name, state in states.items() if state["Type"] == "Task"}
    assert paths == {**dict.fromkeys(TASKS), "Record Failure": "$.recorded"}


def test_clean_up_rule_sends_dead_executions_to_record_failure(default_synth: Synthesized) -> None:
    template = default_synth.template
    machine = logical_id(template, "AWS::StepFunctions::StateMachine", "WorkflowStateMachine")
    record_failure = logical_id(template, "AWS::Lambda::Function", "FunctionsRecordFailureFunction")
    queue = logical_id(template, "AWS::SQS::Queue", "DeadLettersQueue")
    rule = properties(template, "AWS::Events::Rule", "CleanupRule")
    assert rule["EventPattern"] == {
        "source": ["aws.states"],
        "detail-type": ["Step Functions Execution Status Change"],
        "detail": {"status": ["FAILED", "TIMED_OUT", "ABORTED"], "stateMachineArn": [{"Ref": machine}]},
    }
    assert rule["State"] == "ENABLED"
    (target,) = rule["Targets"]
    assert target["Arn"] == {"Fn::GetAtt": [record_failure, "Arn"]}
    assert not {"Input", "InputPath", "InputTransformer"} & set(target)  # the event as is
    assert target["RetryPolicy"]["MaximumRetryAttempts"] > 0
    assert target["DeadLetterConfig"] == {"Arn": {"Fn::GetAtt": [queue, "Arn"]}}


def test_only_the_clean_up_rule_may_invoke_record_failure(
    default_template: Template, default_synth: Synthesized
) -> None:
    template = default_synth.template
    default_template.resource_count_is("AWS::Lambda::Permission", 1)
    default_template.has_resource_properties(
        "AWS::Lambda::Permission",
        {
            "Action": "lambda:InvokeFunction",
            "Principal": "events.amazonaws.com",
            "FunctionName": {
                "Fn::GetAtt": [logical_id(template, "AWS::Lambda::Function", "FunctionsRecordFailureFunction"), "Arn"]
            },
            "SourceArn": {"Fn::GetAtt": [logical_id(template, "AWS::Events::Rule", "CleanupRule"), "Arn"]},
        },
    )


def test_rule_may_dead_letter_into_the_queue(default_template: Template, default_synth: Synthesized) -> None:
    rule = logical_id(default_synth.template, "AWS::Events::Rule", "CleanupRule")
    default_template.has_resource_properties(
        "AWS::SQS::QueuePolicy",
        {
            "PolicyDocument": {
                "Statement": Match.array_with(
                    [
                        Match.object_like(
                            {
                                "Action": "sqs:SendMessage",
                                "Principal": {"Service": "events.amazonaws.com"},
                                "Condition": {"ArnEquals": {"aws:SourceArn": {"Fn::GetAtt": [rule, "Arn"]}}},
                            }
                        )
                    ]
                )
            }
        },
    )


# ------------------------------------------------------------------------------ step timeouts
def test_every_function_times_out_after_the_aws_clients_retry_budget(default_synth: Synthesized) -> None:
    functions = resources(default_synth.template, "AWS::Lambda::Function")
    assert len(functions) == len(TASKS) + 2  # and the fleet's Select Endpoints and Summarize Fleet
    assert {body["Properties"]["Timeout"] for body in functions.values()} == {STEP_TIMEOUT_SECONDS}
    assert STEP_TIMEOUT_SECONDS > 60  # botocore's retries alone could outlast the old 60 s


def test_every_task_waits_a_little_longer_than_its_function(default_template: Template) -> None:
    captured = Capture()
    default_template.has_resource_properties("AWS::StepFunctions::StateMachine", {"DefinitionString": captured})
    task = Match.object_like({"Type": "Task", "TimeoutSeconds": STEP_TIMEOUT_SECONDS + 30})
    tasks = Match.serialized_json(Match.object_like({"States": Match.object_like(dict.fromkeys(TASKS, task))}))
    result = tasks.test(join(captured.as_object()))
    assert not result.has_failed(), result.render_mismatch()


@pytest.mark.parametrize("error", ["States.Timeout", "Sandbox.Timedout", "Lambda.Unknown"])
def test_a_timed_out_step_is_retried_not_caught(states: dict[str, Any], error: str) -> None:
    for name in TASKS:
        retrier = states[name]["Retry"][0]
        assert error in retrier["ErrorEquals"], name
        assert retrier["MaxAttempts"] > 0
