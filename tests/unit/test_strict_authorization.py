"""What the strict world authorizes for every AWS call the Lambda code makes: action, resource ARN
(from the Service Authorization Reference's formats), implied authorizations and context."""

from __future__ import annotations

from typing import Any

import pytest

from simulator.strict.authorization import (
    OPERATIONS,
    Authorization,
    Environment,
    StrictWorldGap,
    arn_formats,
    authorizations,
    iam_prefix,
)

ACCOUNT = "123456789012"
REGION = "us-east-1"
SM = f"arn:aws:sagemaker:{REGION}:{ACCOUNT}"
TOPIC = f"arn:aws:sns:{REGION}:{ACCOUNT}:ir-orchestrator-notifications"
KEY = f"arn:aws:kms:{REGION}:{ACCOUNT}:key/1234abcd-12ab-34cd-56ef-1234567890ab"
ROLE = f"arn:aws:iam::{ACCOUNT}:role/ir-orchestrator-job-role"
ENV = Environment(account=ACCOUNT, region=REGION, topic_key=lambda topic: KEY if topic == TOPIC else None)
JOB = "ir-orchestrator-0123456789abcdef-Demo-Endpoint"


def needed(service: str, operation: str, **params: Any) -> list[tuple[str, str]]:
    return [(a.action, a.resource) for a in authorizations(service, operation, params, ENV)]


@pytest.mark.parametrize(
    ("service", "operation", "params", "expected"),
    [
        pytest.param(
            "sagemaker",
            "DescribeEndpoint",
            {"EndpointName": "Demo-Endpoint"},
            [("sagemaker:DescribeEndpoint", f"{SM}:endpoint/demo-endpoint")],
            id="describe-endpoint-lower-cased",
        ),
        pytest.param(
            "sagemaker",
            "DescribeEndpointConfig",
            {"EndpointConfigName": "demo-config"},
            [("sagemaker:DescribeEndpointConfig", f"{SM}:endpoint-config/demo-config")],
            id="describe-endpoint-config",
        ),
        pytest.param(
            "sagemaker",
            "DescribeModel",
            {"ModelName": "Demo-Model"},
            [("sagemaker:DescribeModel", f"{SM}:model/demo-model")],
            id="describe-model",
        ),
        pytest.param(
            "sagemaker",
            "DescribeModelPackage",
            {"ModelPackageName": "arn:aws:sagemaker:eu-west-1:210987654321:model-package/Fraud/3"},
            [("sagemaker:DescribeModelPackage", "arn:aws:sagemaker:eu-west-1:210987654321:model-package/fraud/3")],
            id="describe-model-package-by-arn",
        ),
        pytest.param(
            "sagemaker",
            "DescribeModelPackage",
            {"ModelPackageName": "unversioned"},
            [("sagemaker:DescribeModelPackage", f"{SM}:model-package/unversioned")],
            id="describe-model-package-by-name",
        ),
        pytest.param(
            "sagemaker",
            "CreateInferenceRecommendationsJob",
            {"JobName": JOB, "JobType": "Default", "RoleArn": ROLE, "InputConfig": {}},
            [
                ("sagemaker:CreateInferenceRecommendationsJob", f"{SM}:inference-recommendations-job/{JOB.lower()}"),
                ("iam:PassRole", ROLE),
            ],
            id="create-job-passes-its-role",
        ),
        pytest.param(
            "sagemaker",
            "CreateInferenceRecommendationsJob",
            {"JobName": JOB, "JobType": "Default", "RoleArn": ROLE, "InputConfig": {}, "Tags": [{"Key": "k"}]},
            [
                ("sagemaker:CreateInferenceRecommendationsJob", f"{SM}:inference-recommendations-job/{JOB.lower()}"),
                ("iam:PassRole", ROLE),
                ("sagemaker:AddTags", f"{SM}:inference-recommendations-job/{JOB.lower()}"),
            ],
            id="create-job-with-tags",
        ),
        pytest.param(
            "sagemaker",
            "DescribeInferenceRecommendationsJob",
            {"JobName": JOB},
            [("sagemaker:DescribeInferenceRecommendationsJob", f"{SM}:inference-recommendations-job/{JOB.lower()}")],
            id="describe-job",
        ),
        pytest.param(
            "sagemaker",
            "StopInferenceRecommendationsJob",
            {"JobName": JOB},
            [("sagemaker:StopInferenceRecommendationsJob", f"{SM}:inference-recommendations-job/{JOB.lower()}")],
            id="stop-job",
        ),
        pytest.param(
            "sagemaker",
            "ListInferenceRecommendationsJobSteps",
            {"JobName": JOB, "StepType": "BENCHMARK", "Status": "FAILED"},
            [("sagemaker:ListInferenceRecommendationsJobSteps", "*")],
            id="list-job-steps-has-no-resource-level-permissions",
        ),
        pytest.param(
            "sagemaker",
            "GetScalingConfigurationRecommendation",
            {"InferenceRecommendationsJobName": JOB, "RecommendationId": "r"},
            [("sagemaker:GetScalingConfigurationRecommendation", f"{SM}:inference-recommendations-job/{JOB.lower()}")],
            id="scaling-recommendation",
        ),
        pytest.param(
            "application-autoscaling",
            "DescribeScalableTargets",
            {"ServiceNamespace": "sagemaker", "ResourceIds": ["endpoint/e/variant/v"]},
            [("application-autoscaling:DescribeScalableTargets", "*")],
            id="describe-scalable-targets",
        ),
        pytest.param(
            "cloudwatch",
            "GetMetricData",
            {"MetricDataQueries": []},
            [("cloudwatch:GetMetricData", "*")],
            id="get-metric-data-monitoring-is-cloudwatch",
        ),
        *[
            pytest.param(
                "dynamodb",
                operation,
                {"TableName": "ir-orchestrator-runs"},
                [(f"dynamodb:{operation}", f"arn:aws:dynamodb:{REGION}:{ACCOUNT}:table/ir-orchestrator-runs")],
                id=f"dynamodb-{operation}",
            )
            for operation in ("PutItem", "GetItem", "Query", "DeleteItem", "UpdateItem")
        ],
        pytest.param(
            "dynamodb",
            "Query",
            {"TableName": "runs", "IndexName": "byStatus"},
            [("dynamodb:Query", f"arn:aws:dynamodb:{REGION}:{ACCOUNT}:table/runs/index/byStatus")],
            id="dynamodb-query-index",
        ),
        pytest.param(
            "dynamodb",
            "GetItem",
            {"TableName": f"arn:aws:dynamodb:eu-west-1:{ACCOUNT}:table/runs"},
            [("dynamodb:GetItem", f"arn:aws:dynamodb:eu-west-1:{ACCOUNT}:table/runs")],
            id="dynamodb-table-by-arn",
        ),
        pytest.param(
            "sns",
            "Publish",
            {"TopicArn": TOPIC, "Message": "m"},
            [("sns:Publish", TOPIC), ("kms:GenerateDataKey", KEY), ("kms:Decrypt", KEY)],
            id="publish-to-an-encrypted-topic-needs-its-key",
        ),
        pytest.param(
            "sns",
            "Publish",
            {"TopicArn": f"arn:aws:sns:{REGION}:{ACCOUNT}:plain", "Message": "m"},
            [("sns:Publish", f"arn:aws:sns:{REGION}:{ACCOUNT}:plain")],
            id="publish-to-a-plain-topic",
        ),
        pytest.param(
            "stepfunctions",
            "DescribeExecution",
            {"executionArn": f"arn:aws:states:{REGION}:{ACCOUNT}:execution:ir-orchestrator:run-1"},
            [("states:DescribeExecution", f"arn:aws:states:{REGION}:{ACCOUNT}:execution:ir-orchestrator:run-1")],
            id="describe-execution",
        ),
    ],
)
def test_authorizations(service: str, operation: str, params: dict[str, Any], expected: list[tuple[str, str]]) -> None:
    assert needed(service, operation, **params) == expected


def test_pass_role_carries_the_service_it_is_passed_to() -> None:
    params = {"JobName": JOB, "JobType": "Default", "RoleArn": ROLE, "InputConfig": {}}
    own, pass_role = authorizations("sagemaker", "CreateInferenceRecommendationsJob", params, ENV)
    assert own.context == {}
    assert pass_role == Authorization(
        "iam:PassRole", ROLE, {"iam:PassedToService": "sagemaker.amazonaws.com"}, implied=True
    )


def test_kms_refusals_on_publish_are_reported_by_sns() -> None:
    _publish, *kms = authorizations("sns", "Publish", {"TopicArn": TOPIC, "Message": "m"}, ENV)
    assert {a.denied for a in kms} == {("KMSAccessDenied", 400)}


def test_an_unknown_operation_fails_loudly() -> None:
    with pytest.raises(StrictWorldGap, match=r"does not know sagemaker:DeleteEndpoint; add it"):
        authorizations("sagemaker", "DeleteEndpoint", {"EndpointName": "e"}, ENV)


def test_publish_to_a_phone_number_is_not_guessed() -> None:
    with pytest.raises(StrictWorldGap):
        authorizations("sns", "Publish", {"PhoneNumber": "+15555550100", "Message": "m"}, ENV)


@pytest.mark.parametrize(
    ("service", "prefix"),
    [
        ("sagemaker", "sagemaker"),
        ("cloudwatch", "cloudwatch"),
        ("application-autoscaling", "application-autoscaling"),
        ("stepfunctions", "states"),
        ("dynamodb", "dynamodb"),
        ("sns", "sns"),
        ("pricing", "pricing"),
    ],
)
def test_iam_prefixes(service: str, prefix: str) -> None:
    assert iam_prefix(service) == prefix


@pytest.mark.parametrize(("service", "operation"), sorted(OPERATIONS))
def test_every_mapped_action_is_in_the_reference(service: str, operation: str) -> None:
    arn_formats(f"{iam_prefix(service)}:{operation}")  # raises for an action IAM does not know
