"""The strict world on the Lambda code's own session: the model check, IAM per function role from a
template, the services' own refusals, the record of every evaluated call, and its loud gaps."""

from __future__ import annotations

import json
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import boto3
import pytest
from botocore.exceptions import ClientError, ParamValidationError
from moto import mock_aws

from recommender.adapters import aws
from recommender.adapters import sagemaker as sagemaker_adapter
from recommender.adapters.store import Store
from simulator.fake_recommender import install, uninstall
from simulator.strict import LOG_VARIABLE, StrictWorld, StrictWorldGap, identities
from simulator.strict.iam import UnsupportedPolicy
from simulator.strict.worlds import for_handler_tier

ACCOUNT = "123456789012"
REGION = "us-east-1"
JOB_ROLE = f"arn:aws:iam::{ACCOUNT}:role/job-role"
PREFIX_JOBS = {
    "Fn::Sub": "arn:${AWS::Partition}:sagemaker:${AWS::Region}:${AWS::AccountId}:inference-recommendations-job/ir-*"
}


def _function(handler: str, role: str) -> dict[str, Any]:
    return {
        "Type": "AWS::Lambda::Function",
        "Properties": {
            "Handler": f"recommender.handlers.{handler}.lambda_handler",
            "Role": {"Fn::GetAtt": [role, "Arn"]},
            "Environment": {
                "Variables": {
                    "TABLE_NAME": {"Ref": "Table"},
                    "TOPIC_ARN": {"Ref": "Topic"},
                    "JOB_ROLE_ARN": {"Fn::GetAtt": ["JobRole", "Arn"]},
                }
            },
        },
    }


def _allow(actions: Any, resources: Any, **extra: Any) -> dict[str, Any]:
    return {"Effect": "Allow", "Action": actions, "Resource": resources, **extra}


TEMPLATE: dict[str, Any] = {
    "Resources": {
        "Table": {"Type": "AWS::DynamoDB::Table"},
        "Key": {"Type": "AWS::KMS::Key"},
        "Topic": {"Type": "AWS::SNS::Topic", "Properties": {"KmsMasterKeyId": {"Fn::GetAtt": ["Key", "Arn"]}}},
        "JobRole": {"Type": "AWS::IAM::Role"},
        # Start: create and describe jobs of the prefix, pass the job role to SageMaker only.
        "StartRole": {
            "Type": "AWS::IAM::Role",
            "Properties": {
                "Policies": [
                    {
                        "PolicyName": "jobs",
                        "PolicyDocument": {
                            "Statement": [
                                _allow(
                                    [
                                        "sagemaker:CreateInferenceRecommendationsJob",
                                        "sagemaker:DescribeInferenceRecommendationsJob",
                                    ],
                                    PREFIX_JOBS,
                                ),
                                _allow(
                                    "iam:PassRole",
                                    {"Fn::GetAtt": ["JobRole", "Arn"]},
                                    Condition={"StringEquals": {"iam:PassedToService": "sagemaker.amazonaws.com"}},
                                ),
                            ]
                        },
                    }
                ]
            },
        },
        "Start": _function("start", "StartRole"),
        # Check: describe jobs of the prefix; list steps granted on job ARNs (the action has no
        # resource-level permissions: refused), no stop, no table.
        "CheckRole": {"Type": "AWS::IAM::Role"},
        "CheckPolicy": {
            "Type": "AWS::IAM::Policy",
            "Properties": {
                "Roles": [{"Ref": "CheckRole"}],
                "PolicyDocument": {
                    "Statement": [
                        _allow(
                            [
                                "sagemaker:DescribeInferenceRecommendationsJob",
                                "sagemaker:ListInferenceRecommendationsJobSteps",
                            ],
                            PREFIX_JOBS,
                        ),
                        {"Effect": "Deny", "Action": "cloudwatch:*", "Resource": "*"},
                        _allow("cloudwatch:GetMetricData", "*"),
                    ]
                },
            },
        },
        "Check": _function("check", "CheckRole"),
        # Publish: the table and the topic, but not the topic's key.
        "PublishRole": {"Type": "AWS::IAM::Role"},
        "PublishPolicy": {
            "Type": "AWS::IAM::Policy",
            "Properties": {
                "Roles": [{"Ref": "PublishRole"}],
                "PolicyDocument": {
                    "Statement": [
                        _allow("sns:Publish", {"Ref": "Topic"}),
                        _allow(["dynamodb:GetItem", "dynamodb:PutItem"], {"Fn::GetAtt": ["Table", "Arn"]}),
                    ]
                },
            },
        },
        "Publish": _function("publish", "PublishRole"),
        # Record Failure: nothing at all.
        "RecordFailureRole": {"Type": "AWS::IAM::Role"},
        "RecordFailure": _function("record_failure", "RecordFailureRole"),
    }
}


class Tier:
    def __init__(self, strict: StrictWorld, topic_arn: str, key_arn: str) -> None:
        self.strict = strict
        self.topic_arn = topic_arn
        self.key_arn = key_arn


@pytest.fixture
def tier(monkeypatch: pytest.MonkeyPatch, tmp_path: Path) -> Iterator[Tier]:
    for name, value in {
        "AWS_ACCESS_KEY_ID": "testing",
        "AWS_SECRET_ACCESS_KEY": "testing",
        "AWS_SESSION_TOKEN": "testing",
        "AWS_DEFAULT_REGION": REGION,
        LOG_VARIABLE: str(tmp_path / "calls.jsonl"),
    }.items():
        monkeypatch.setenv(name, value)
    aws.client.cache_clear()
    aws.session.cache_clear()
    with mock_aws():
        install()
        try:
            seeding = boto3.session.Session(region_name=REGION)
            key_arn = seeding.client("kms").create_key()["KeyMetadata"]["Arn"]
            topic_arn = seeding.client("sns").create_topic(Name="runs", Attributes={"KmsMasterKeyId": key_arn})[
                "TopicArn"
            ]
            seeding.client("dynamodb").create_table(
                TableName="runs",
                KeySchema=[
                    {"AttributeName": "endpointName", "KeyType": "HASH"},
                    {"AttributeName": "runKey", "KeyType": "RANGE"},
                ],
                AttributeDefinitions=[
                    {"AttributeName": "endpointName", "AttributeType": "S"},
                    {"AttributeName": "runKey", "AttributeType": "S"},
                ],
                BillingMode="PAY_PER_REQUEST",
            )
            environment = {"TABLE_NAME": "runs", "TOPIC_ARN": topic_arn, "JOB_ROLE_ARN": JOB_ROLE}
            strict = for_handler_tier(TEMPLATE, environment, account=ACCOUNT, region=REGION)
            strict.install(aws.session())
            yield Tier(strict, topic_arn, key_arn)
        finally:
            uninstall()
            aws.client.cache_clear()
            aws.session.cache_clear()


def _session(role: str, function: str) -> str:
    return f"arn:aws:sts::{ACCOUNT}:assumed-role/{role}/{function}"


def job_request(**overrides: Any) -> dict[str, Any]:
    return {
        "JobName": "ir-0123456789abcdef-demo",
        "JobType": "Default",
        "RoleArn": JOB_ROLE,
        "InputConfig": {"ModelPackageVersionArn": f"arn:aws:sagemaker:{REGION}:{ACCOUNT}:model-package/g/1"},
        **overrides,
    }


def test_an_allowed_call_reaches_the_service_and_is_recorded(tier: Tier) -> None:
    with tier.strict.running("recommender.handlers.check"):
        assert sagemaker_adapter.describe_job("ir-0123456789abcdef-demo") is None  # no such job: the fake answered
    (call,) = tier.strict.calls
    assert call.function == "Check"
    assert call.action == "sagemaker:DescribeInferenceRecommendationsJob"
    assert (
        call.resource == f"arn:aws:sagemaker:{REGION}:{ACCOUNT}:inference-recommendations-job/ir-0123456789abcdef-demo"
    )
    assert call.allowed


def test_a_missing_permission_fails_as_sagemaker_refuses(tier: Tier) -> None:
    with tier.strict.running("recommender.handlers.check"), pytest.raises(ClientError) as refused:
        sagemaker_adapter.stop_job("ir-0123456789abcdef-demo")
    error = refused.value.response
    assert error["Error"]["Code"] == "AccessDeniedException"
    assert error["ResponseMetadata"]["HTTPStatusCode"] == 400
    assert refused.value.operation_name == "StopInferenceRecommendationsJob"
    job = f"arn:aws:sagemaker:{REGION}:{ACCOUNT}:inference-recommendations-job/ir-0123456789abcdef-demo"
    assert error["Error"]["Message"] == (
        f"User: {_session('CheckRole', 'Check')} is not authorized to perform: "
        f"sagemaker:StopInferenceRecommendationsJob on resource: {job} because no identity-based policy allows "
        "the sagemaker:StopInferenceRecommendationsJob action"
    )
    assert [(c.action, c.allowed) for c in tier.strict.denied()] == [
        ("sagemaker:StopInferenceRecommendationsJob", False)
    ]


def test_a_grant_on_arns_does_not_cover_an_action_without_resource_level_permissions(tier: Tier) -> None:
    with tier.strict.running("recommender.handlers.check"), pytest.raises(ClientError) as refused:
        sagemaker_adapter.failed_step_reasons("ir-0123456789abcdef-demo")
    assert refused.value.response["Error"]["Message"] == (
        f"User: {_session('CheckRole', 'Check')} is not authorized to perform: "
        "sagemaker:ListInferenceRecommendationsJobSteps because no identity-based policy allows the "
        "sagemaker:ListInferenceRecommendationsJobSteps action"
    )


def test_an_explicit_deny_wins_and_cloudwatch_answers_403(tier: Tier) -> None:
    from datetime import UTC, datetime

    with tier.strict.running("recommender.handlers.check"), pytest.raises(ClientError) as refused:
        aws.client("cloudwatch").get_metric_data(
            MetricDataQueries=[{"Id": "q", "Expression": "SUM(METRICS())"}],
            StartTime=datetime(2026, 1, 1, tzinfo=UTC),
            EndTime=datetime(2026, 1, 2, tzinfo=UTC),
        )
    error = refused.value.response
    assert (error["Error"]["Code"], error["ResponseMetadata"]["HTTPStatusCode"]) == ("AccessDenied", 403)
    assert error["Error"]["Message"].endswith("with an explicit deny in an identity-based policy")
    assert tier.strict.calls[-1].decision == "explicit deny"


def test_create_job_passes_its_role_to_sagemaker(tier: Tier) -> None:
    with tier.strict.running("recommender.handlers.start"):
        arn = sagemaker_adapter.create_job(job_request())
    assert arn.endswith("inference-recommendations-job/ir-0123456789abcdef-demo")
    assert [(c.action, c.resource, c.allowed) for c in tier.strict.calls] == [
        ("sagemaker:CreateInferenceRecommendationsJob", arn, True),
        ("iam:PassRole", JOB_ROLE, True),
    ]


def test_passing_another_role_is_refused(tier: Tier) -> None:
    other = f"arn:aws:iam::{ACCOUNT}:role/admin"
    with tier.strict.running("recommender.handlers.start"), pytest.raises(ClientError) as refused:
        sagemaker_adapter.create_job(job_request(RoleArn=other))
    assert refused.value.response["Error"]["Code"] == "AccessDeniedException"
    assert f"iam:PassRole on resource: {other}" in refused.value.response["Error"]["Message"]


def test_the_model_check_rejects_an_over_long_job_description(tier: Tier) -> None:
    description = "x" * 129
    with tier.strict.running("recommender.handlers.start"), pytest.raises(ClientError) as refused:
        sagemaker_adapter.create_job(job_request(JobDescription=description, JobType="Fast"))
    error = refused.value.response
    assert (error["Error"]["Code"], error["ResponseMetadata"]["HTTPStatusCode"]) == ("ValidationException", 400)
    assert error["Error"]["Message"] == (
        "2 validation errors detected: "
        "Value 'Fast' at 'JobType' failed to satisfy constraint: "
        "Member must satisfy enum value set: [Default, Advanced]; "
        f"Value '{description}' at 'JobDescription' failed to satisfy constraint: "
        "Member must have length less than or equal to 128"
    )
    assert tier.strict.calls == []  # refused before authorization, as the service does
    assert tier.strict.validation_failures[0][:2] == ("Start", "CreateInferenceRecommendationsJob")


def test_what_botocore_rejects_is_left_to_botocore(tier: Tier) -> None:
    with tier.strict.running("recommender.handlers.start"), pytest.raises(ParamValidationError):
        aws.client("sagemaker").describe_inference_recommendations_job()
    assert tier.strict.calls == []


def test_publishing_without_the_topic_key_is_kms_access_denied(tier: Tier) -> None:
    with tier.strict.running("recommender.handlers.publish"), pytest.raises(ClientError) as refused:
        aws.client("sns").publish(TopicArn=tier.topic_arn, Message="m")
    error = refused.value.response
    assert (error["Error"]["Code"], error["ResponseMetadata"]["HTTPStatusCode"]) == ("KMSAccessDenied", 400)
    assert error["Error"]["Message"].startswith(
        f"User: {_session('PublishRole', 'Publish')} is not authorized to perform: kms:GenerateDataKey on resource: "
        f"{tier.key_arn} because no identity-based policy allows the kms:GenerateDataKey action (Service: AWSKMS;"
    )
    assert [(c.action, c.allowed) for c in tier.strict.calls] == [("sns:Publish", True), ("kms:GenerateDataKey", False)]


def test_publishing_without_sns_publish_is_an_authorization_error(tier: Tier) -> None:
    with tier.strict.running("recommender.handlers.record_failure"), pytest.raises(ClientError) as refused:
        aws.client("sns").publish(TopicArn=tier.topic_arn, Message="m")
    error = refused.value.response
    assert (error["Error"]["Code"], error["ResponseMetadata"]["HTTPStatusCode"]) == ("AuthorizationError", 403)
    assert f"perform: SNS:Publish on resource: {tier.topic_arn}" in error["Error"]["Message"]
    assert type(refused.value).__name__ == "AuthorizationErrorException"  # the client's modeled class


def test_dynamodb_refusal_and_the_table_arn(tier: Tier) -> None:
    with tier.strict.running("recommender.handlers.publish"):
        assert Store("runs").get_run("demo", "LOCK") is None
    with tier.strict.running("recommender.handlers.publish"), pytest.raises(ClientError) as refused:
        Store("runs").release_lock("demo", "me")
    assert refused.value.response["Error"]["Code"] == "AccessDeniedException"
    assert f"dynamodb:DeleteItem on resource: arn:aws:dynamodb:{REGION}:{ACCOUNT}:table/runs" in str(refused.value)


def test_every_evaluated_call_is_logged(tier: Tier, tmp_path: Path) -> None:
    with tier.strict.running("recommender.handlers.check"):
        sagemaker_adapter.describe_job("ir-1")
        with pytest.raises(ClientError):
            sagemaker_adapter.stop_job("ir-1")
    lines = [json.loads(line) for line in (tmp_path / "calls.jsonl").read_text().splitlines()]
    assert [(line["function"], line["action"], line["allowed"]) for line in lines] == [
        ("Check", "sagemaker:DescribeInferenceRecommendationsJob", True),
        ("Check", "sagemaker:StopInferenceRecommendationsJob", False),
    ]


def test_a_call_outside_any_function_is_a_gap(tier: Tier) -> None:
    with pytest.raises(StrictWorldGap, match="outside any handler invocation"):
        sagemaker_adapter.describe_job("ir-1")
    assert tier.strict.gaps


def test_an_operation_the_world_does_not_know_is_a_gap(tier: Tier) -> None:
    with (
        tier.strict.running("recommender.handlers.check"),
        pytest.raises(StrictWorldGap, match="DeleteEndpoint; add it"),
    ):
        aws.client("sagemaker").delete_endpoint(EndpointName="demo")
    assert "DeleteEndpoint" in tier.strict.gaps[0]


def test_an_unknown_handler_is_a_gap(tier: Tier) -> None:
    with pytest.raises(StrictWorldGap), tier.strict.running("recommender.handlers.nothing"):
        pass


# --------------------------------------------------------------------------- reading the template
def _resolve(logical: str, attribute: str | None) -> str:
    return f"{logical}.{attribute}" if attribute else f"ref-{logical}"


SUBSTITUTED = "arn:${AWS::Partition}:s:${AWS::Region}:${AWS::AccountId}:${Thing}/${Thing.Name}"


def test_intrinsics_are_resolved() -> None:
    template = {
        "Resources": {
            "Role": {
                "Type": "AWS::IAM::Role",
                "Properties": {
                    "Policies": [
                        {
                            "PolicyName": "p",
                            "PolicyDocument": {
                                "Statement": [
                                    {
                                        "Effect": "Allow",
                                        "Action": "s:A",
                                        "Resource": [
                                            {"Fn::Sub": SUBSTITUTED},
                                            {"Fn::Sub": ["${X}-${!Literal}", {"X": {"Ref": "Thing"}}]},
                                            {"Fn::Join": ["", [{"Fn::GetAtt": ["Thing", "Arn"]}, ":*"]]},
                                            {"Fn::Select": [1, {"Fn::Split": [":", "a:b:c"]}]},
                                        ],
                                    }
                                ]
                            },
                        }
                    ]
                },
            },
            "F": {
                "Type": "AWS::Lambda::Function",
                "Properties": {"Handler": "m.h", "Role": {"Fn::GetAtt": ["Role", "Arn"]}},
            },
        }
    }
    (identity,) = identities(template, _resolve, account=ACCOUNT, region=REGION).values()
    assert identity.policies[0]["Statement"][0]["Resource"] == [
        f"arn:aws:s:{REGION}:{ACCOUNT}:ref-Thing/Thing.Name",
        "ref-Thing-${Literal}",
        "Thing.Arn:*",
        "b",
    ]
    assert identity.session_arn == f"arn:aws:sts::{ACCOUNT}:assumed-role/ref-Role/ref-F"


def test_an_aws_managed_policy_is_not_guessed() -> None:
    template = {
        "Resources": {
            "Role": {
                "Type": "AWS::IAM::Role",
                "Properties": {"ManagedPolicyArns": ["arn:aws:iam::aws:policy/ReadOnlyAccess"]},
            },
            "F": {
                "Type": "AWS::Lambda::Function",
                "Properties": {"Handler": "m.h", "Role": {"Fn::GetAtt": ["Role", "Arn"]}},
            },
        }
    }
    with pytest.raises(UnsupportedPolicy, match="ReadOnlyAccess"):
        identities(template, _resolve, account=ACCOUNT, region=REGION)


def test_a_managed_policy_of_the_template_applies() -> None:
    document = {"Statement": [{"Effect": "Allow", "Action": "s:A", "Resource": "*"}]}
    template = {
        "Resources": {
            "Managed": {"Type": "AWS::IAM::ManagedPolicy", "Properties": {"PolicyDocument": document}},
            "Role": {"Type": "AWS::IAM::Role", "Properties": {"ManagedPolicyArns": [{"Ref": "Managed"}]}},
            "F": {
                "Type": "AWS::Lambda::Function",
                "Properties": {"Handler": "m.h", "Role": {"Fn::GetAtt": ["Role", "Arn"]}},
            },
        }
    }
    (identity,) = identities(template, _resolve, account=ACCOUNT, region=REGION).values()
    assert identity.policies == (document,)
