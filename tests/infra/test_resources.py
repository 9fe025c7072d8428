"""The store, the topic, the dead-letter queue, the functions and the stack's outputs."""

from __future__ import annotations

from pathlib import Path

import pytest
from aws_cdk.assertions import Match, Template

from infra.functions import POWERTOOLS_LAYER_VERSION
from recommender.settings import ENV_KEYS, Settings
from tests.infra.support import Synthesized, logical_id, properties, resources

STEPS = {
    "Validate": "recommender.handlers.validate.lambda_handler",
    "Start": "recommender.handlers.start.lambda_handler",
    "Check": "recommender.handlers.check.lambda_handler",
    "Publish": "recommender.handlers.publish.lambda_handler",
    "RecordFailure": "recommender.handlers.record_failure.lambda_handler",
    # The fleet state machine's (infra/fleet.py).
    "SelectEndpoints": "recommender.handlers.select_endpoints.lambda_handler",
    "SummarizeFleet": "recommender.handlers.summarize_fleet.lambda_handler",
}
SECURE_TRANSPORT_DENIED = Match.object_like(
    {"Effect": "Deny", "Condition": {"Bool": {"aws:SecureTransport": "false"}}, "Principal": Match.any_value()}
)


# ------------------------------------------------------------------------------------ store
def test_table_keys_billing_recovery_ttl_and_encryption(default_template: Template) -> None:
    default_template.resource_count_is("AWS::DynamoDB::Table", 1)
    default_template.resource_count_is("AWS::DynamoDB::GlobalTable", 0)  # moto's CloudFormation lacks it
    default_template.has_resource_properties(
        "AWS::DynamoDB::Table",
        {
            "KeySchema": [
                {"AttributeName": "endpointName", "KeyType": "HASH"},
                {"AttributeName": "runKey", "KeyType": "RANGE"},
            ],
            "AttributeDefinitions": Match.array_equals(
                [
                    {"AttributeName": "endpointName", "AttributeType": "S"},
                    {"AttributeName": "runKey", "AttributeType": "S"},
                    {"AttributeName": "jobType", "AttributeType": "S"},
                ]
            ),
            # Sparse (run items only carry jobType): the account's newest runs of a job type.
            "GlobalSecondaryIndexes": [
                {
                    "IndexName": "byJobType",
                    "KeySchema": [
                        {"AttributeName": "jobType", "KeyType": "HASH"},
                        {"AttributeName": "runKey", "KeyType": "RANGE"},
                    ],
                    "Projection": {"ProjectionType": "INCLUDE", "NonKeyAttributes": ["status", "durationSeconds"]},
                }
            ],
            "BillingMode": "PAY_PER_REQUEST",
            "PointInTimeRecoverySpecification": {"PointInTimeRecoveryEnabled": True},
            "TimeToLiveSpecification": {"AttributeName": "expiresAt", "Enabled": True},
            "SSESpecification": {"SSEEnabled": True},
        },
    )


def test_table_is_retained_unless_retain_data_is_false(default_template: Template, sample_template: Template) -> None:
    default_template.has_resource("AWS::DynamoDB::Table", {"DeletionPolicy": "Retain", "UpdateReplacePolicy": "Retain"})
    sample_template.has_resource("AWS::DynamoDB::Table", {"DeletionPolicy": "Delete"})


# ------------------------------------------------------------------------------------ notifications
def test_topic_is_encrypted_with_a_rotating_customer_managed_key(default_synth: Synthesized) -> None:
    template = default_synth.template
    key = logical_id(template, "AWS::KMS::Key", "NotificationsKey")
    assert properties(template, "AWS::SNS::Topic", "NotificationsTopic")["KmsMasterKeyId"] == {
        "Fn::GetAtt": [key, "Arn"]
    }
    assert properties(template, "AWS::KMS::Key", "NotificationsKey")["EnableKeyRotation"] is True


def test_topic_policy_denies_plain_http_and_lets_only_this_accounts_alarms_publish(default_template: Template) -> None:
    default_template.has_resource_properties(
        "AWS::SNS::TopicPolicy",
        {
            "PolicyDocument": {
                "Statement": Match.array_with(
                    [
                        SECURE_TRANSPORT_DENIED,
                        Match.object_like(
                            {
                                "Effect": "Allow",
                                "Action": "sns:Publish",
                                "Principal": {"Service": "cloudwatch.amazonaws.com"},
                                "Condition": {
                                    "ArnLike": {"aws:SourceArn": Match.any_value()},
                                    "StringEquals": {"aws:SourceAccount": {"Ref": "AWS::AccountId"}},
                                },
                            }
                        ),
                    ]
                )
            }
        },
    )


def test_alarms_may_use_the_topic_key(default_template: Template) -> None:
    default_template.has_resource_properties(
        "AWS::KMS::Key",
        {
            "KeyPolicy": {
                "Statement": Match.array_with(
                    [
                        Match.object_like(
                            {
                                "Action": ["kms:Decrypt", "kms:GenerateDataKey*"],
                                "Principal": {"Service": "cloudwatch.amazonaws.com"},
                            }
                        )
                    ]
                )
            }
        },
    )


def test_one_email_subscription_per_address_with_a_dead_letter_queue(
    default_template: Template, sample_synth: Synthesized
) -> None:
    default_template.resource_count_is("AWS::SNS::Subscription", 0)
    subscriptions = resources(sample_synth.template, "AWS::SNS::Subscription").values()
    queue = logical_id(sample_synth.template, "AWS::SQS::Queue", "DeadLettersQueue")
    assert sorted(s["Properties"]["Endpoint"] for s in subscriptions) == [
        "ml-platform@example.com",
        "oncall@example.com",
    ]
    for subscription in subscriptions:
        assert subscription["Properties"]["Protocol"] == "email"
        assert subscription["Properties"]["RedrivePolicy"] == {"deadLetterTargetArn": {"Fn::GetAtt": [queue, "Arn"]}}


# ------------------------------------------------------------------------------------ dead letters
def test_dead_letter_queue_is_encrypted_and_tls_only(default_template: Template) -> None:
    default_template.resource_count_is("AWS::SQS::Queue", 1)
    default_template.has_resource_properties(
        "AWS::SQS::Queue", {"SqsManagedSseEnabled": True, "MessageRetentionPeriod": 14 * 24 * 3600}
    )
    default_template.has_resource_properties(
        "AWS::SQS::QueuePolicy", {"PolicyDocument": {"Statement": Match.array_with([SECURE_TRANSPORT_DENIED])}}
    )


# ------------------------------------------------------------------------------------ functions
@pytest.mark.parametrize(("step", "handler"), STEPS.items())
def test_each_step_has_the_shared_defaults(default_synth: Synthesized, step: str, handler: str) -> None:
    template = default_synth.template
    function = properties(template, "AWS::Lambda::Function", f"Functions{step}Function")
    assert function["Handler"] == handler
    assert function["Runtime"] == "python3.14"
    assert function["Architectures"] == ["arm64"]
    assert function["TracingConfig"] == {"Mode": "Active"}
    assert function["MemorySize"] >= 256
    assert 10 <= function["Timeout"] <= 900
    (layer,) = function["Layers"]
    assert layer == {
        "Fn::Join": [
            "",
            [
                "arn:aws:lambda:",
                {"Ref": "AWS::Region"},
                f":017000801446:layer:AWSLambdaPowertoolsPythonV3-python314-arm64:{POWERTOOLS_LAYER_VERSION}",
            ],
        ]
    }
    # Its own role and its own log group, with a retention.
    assert function["Role"] == {"Fn::GetAtt": [logical_id(template, "AWS::IAM::Role", f"Functions{step}Role"), "Arn"]}
    log_group = logical_id(template, "AWS::Logs::LogGroup", f"Functions{step}Logs")
    assert function["LoggingConfig"] == {"LogFormat": "JSON", "LogGroup": {"Ref": log_group}}
    assert template["Resources"][log_group]["Properties"]["RetentionInDays"] > 0


def test_functions_share_one_asset_of_the_lambdas_directory(default_synth: Synthesized) -> None:
    functions = resources(default_synth.template, "AWS::Lambda::Function").values()
    assert len(functions) == len(STEPS)
    assert len({f["Properties"]["Code"]["S3Key"] for f in functions}) == 1
    metadata = {f["Metadata"]["aws:asset:path"] for f in functions}
    assert len(metadata) == 1


def test_asset_holds_the_package_without_bytecode(default_synth: Synthesized) -> None:
    functions = resources(default_synth.template, "AWS::Lambda::Function").values()
    asset = Path(default_synth.template_path).parent / next(iter(functions))["Metadata"]["aws:asset:path"]
    files = {p.relative_to(asset).as_posix() for p in asset.rglob("*") if p.is_file()}
    assert "recommender/handlers/validate.py" in files
    assert not [f for f in files if f.endswith(".pyc") or "__pycache__" in f]


def test_aws_call_tracing_is_opt_in(default_synth: Synthesized, sample_synth: Synthesized) -> None:
    for synth, expected in ((default_synth, "false"), (sample_synth, "true")):
        for step in STEPS:
            variables = properties(synth.template, "AWS::Lambda::Function", f"Functions{step}Function")["Environment"]
            assert variables["Variables"]["TRACE_AWS_CALLS"] == expected, step


def test_every_function_gets_the_environment_the_code_reads(default_synth: Synthesized) -> None:
    template = default_synth.template
    expected = {
        "TABLE_NAME": {"Ref": logical_id(template, "AWS::DynamoDB::Table", "ResultsTable")},
        "TOPIC_ARN": {"Ref": logical_id(template, "AWS::SNS::Topic", "NotificationsTopic")},
        "JOB_ROLE_ARN": {"Fn::GetAtt": [logical_id(template, "AWS::IAM::Role", "JobRole"), "Arn"]},
        "JOB_NAME_PREFIX": "ir-orchestrator",
        "POLL_INITIAL_SECONDS": "60",
        "POLL_MAX_SECONDS": "120",
        "MAX_RUN_HOURS": "6",
        "LIVE_TRAFFIC_LOOKBACK_MINUTES": "60",
        "LIVE_TRAFFIC_MAX_INVOCATIONS": "0",
        "LOCK_GRACE_SECONDS": "900",
        "REGRESSION_THROUGHPUT_DROP_PERCENT": "10",
        "REGRESSION_LATENCY_RISE_PERCENT": "20",
        "TRAFFIC_LOOKBACK_DAYS": "14",
        "TARGET_UTILIZATION": "0.7",
        "LATENCY_TOLERANCE_PERCENT": "10",
        "FLEET_MAX_CONCURRENT_JOBS": "10",
        "POWERTOOLS_SERVICE_NAME": "inference-recommender-orchestrator",
        "POWERTOOLS_METRICS_NAMESPACE": "InferenceRecommenderOrchestrator",
        "POWERTOOLS_LOG_LEVEL": "INFO",
        "TRACE_AWS_CALLS": "false",
    }
    for step in STEPS:
        environment = properties(template, "AWS::Lambda::Function", f"Functions{step}Function")["Environment"]
        assert environment["Variables"] == expected, step
    # Every key the code validates at cold start is set, and what is set passes that validation.
    assert set(ENV_KEYS) <= set(expected)
    settings = Settings.model_validate(
        {key: value if isinstance(value, str) else "x" for key, value in expected.items()}
    )
    assert settings.max_run_seconds == 6 * 3600


def test_the_configuration_reaches_the_environment(sample_synth: Synthesized) -> None:
    environment = properties(sample_synth.template, "AWS::Lambda::Function", "FunctionsStartFunction")["Environment"]
    variables = environment["Variables"]
    assert variables["JOB_ROLE_ARN"] == "arn:aws:iam::123456789012:role/InferenceRecommenderJob"
    assert variables["JOB_NAME_PREFIX"] == "Rightsize"
    assert (variables["POLL_INITIAL_SECONDS"], variables["POLL_MAX_SECONDS"], variables["MAX_RUN_HOURS"]) == (
        "30",
        "300",
        "3",
    )
    assert (variables["LIVE_TRAFFIC_LOOKBACK_MINUTES"], variables["LIVE_TRAFFIC_MAX_INVOCATIONS"]) == ("120", "10")
    assert (variables["REGRESSION_THROUGHPUT_DROP_PERCENT"], variables["REGRESSION_LATENCY_RISE_PERCENT"]) == (
        "15",
        "12.5",
    )


def test_a_configured_job_role_replaces_the_stacks_own(sample_synth: Synthesized) -> None:
    roles = resources(sample_synth.template, "AWS::IAM::Role")
    assert not [logical for logical in roles if logical.startswith("JobRole")]


def test_record_failure_async_invocations_end_in_the_dead_letter_queue(default_synth: Synthesized) -> None:
    template = default_synth.template
    queue = logical_id(template, "AWS::SQS::Queue", "DeadLettersQueue")
    function = properties(template, "AWS::Lambda::Function", "FunctionsRecordFailureFunction")
    assert function["DeadLetterConfig"] == {"TargetArn": {"Fn::GetAtt": [queue, "Arn"]}}


def test_outputs_name_the_state_machine_topic_and_table(default_template: Template) -> None:
    outputs = default_template.to_json()["Outputs"]
    assert {"StateMachineArn", "TopicArn", "TableName"} <= set(outputs)
    assert outputs["TopicArn"]["Value"]["Ref"].startswith("NotificationsTopic")
    assert outputs["TableName"]["Value"]["Ref"].startswith("ResultsTable")
    assert outputs["StateMachineArn"]["Value"]["Ref"].startswith("WorkflowStateMachine")
