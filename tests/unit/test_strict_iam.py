"""IAM evaluation of the strict world: actions, resources, wildcards, conditions, explicit deny."""

from __future__ import annotations

from typing import Any

import pytest

from simulator.strict.iam import (
    AuthorizationRequest,
    Decision,
    UnsupportedPolicy,
    arn_match,
    condition_holds,
    evaluate,
    wildcard_match,
)

JOB = "arn:aws:sagemaker:us-east-1:123456789012:inference-recommendations-job/ir-orchestrator-abc-demo"
ROLE = "arn:aws:iam::123456789012:role/job-role"


def policy(*statements: dict[str, Any]) -> dict[str, Any]:
    return {"Version": "2012-10-17", "Statement": list(statements)}


def allow(action: Any, resource: Any = "*", **extra: Any) -> dict[str, Any]:
    return {"Effect": "Allow", "Action": action, "Resource": resource, **extra}


def deny(action: Any, resource: Any = "*", **extra: Any) -> dict[str, Any]:
    return {"Effect": "Deny", "Action": action, "Resource": resource, **extra}


def decide(statements: list[dict[str, Any]], action: str, resource: str, **context: str) -> Decision:
    return evaluate([policy(*statements)], AuthorizationRequest(action, resource, context))


@pytest.mark.parametrize(
    ("statements", "action", "resource", "expected"),
    [
        pytest.param([], "sagemaker:DescribeEndpoint", "*", Decision.IMPLICIT_DENY, id="nothing-allowed"),
        pytest.param(
            [allow("sagemaker:DescribeInferenceRecommendationsJob", JOB)],
            "sagemaker:DescribeInferenceRecommendationsJob",
            JOB,
            Decision.ALLOWED,
            id="exact",
        ),
        pytest.param(
            [allow("SageMaker:describeinferenceRECOMMENDATIONSjob", JOB)],
            "sagemaker:DescribeInferenceRecommendationsJob",
            JOB,
            Decision.ALLOWED,
            id="action-case-insensitive",
        ),
        pytest.param(
            [allow("sagemaker:Describe*", "arn:aws:sagemaker:us-east-1:123456789012:*")],
            "sagemaker:DescribeInferenceRecommendationsJob",
            JOB,
            Decision.ALLOWED,
            id="action-and-resource-wildcards",
        ),
        pytest.param(
            [allow("sagemaker:Describe?ndpoint", "*")],
            "sagemaker:DescribeEndpoint",
            "arn:aws:sagemaker:us-east-1:123456789012:endpoint/demo",
            Decision.ALLOWED,
            id="question-mark",
        ),
        pytest.param(
            [allow("sagemaker:DescribeInferenceRecommendationsJob", JOB.replace("ir-orchestrator", "IR-Orchestrator"))],
            "sagemaker:DescribeInferenceRecommendationsJob",
            JOB,
            Decision.IMPLICIT_DENY,
            id="resource-case-sensitive",
        ),
        pytest.param(
            [allow("sagemaker:ListInferenceRecommendationsJobSteps", JOB.rsplit("/", 1)[0] + "/ir-orchestrator-*")],
            "sagemaker:ListInferenceRecommendationsJobSteps",
            "*",
            Decision.IMPLICIT_DENY,
            id="no-resource-level-permissions-need-star",
        ),
        pytest.param(
            [allow("sagemaker:ListInferenceRecommendationsJobSteps")],
            "sagemaker:ListInferenceRecommendationsJobSteps",
            "*",
            Decision.ALLOWED,
            id="star-for-star",
        ),
        pytest.param(
            [allow("sagemaker:*"), deny("sagemaker:StopInferenceRecommendationsJob", JOB)],
            "sagemaker:StopInferenceRecommendationsJob",
            JOB,
            Decision.EXPLICIT_DENY,
            id="explicit-deny-wins",
        ),
        pytest.param(
            [allow("sagemaker:*"), deny("sagemaker:StopInferenceRecommendationsJob", JOB)],
            "sagemaker:DescribeInferenceRecommendationsJob",
            JOB,
            Decision.ALLOWED,
            id="deny-of-another-action",
        ),
        pytest.param(
            [{"Effect": "Allow", "NotAction": "iam:*", "Resource": "*"}],
            "sagemaker:DescribeEndpoint",
            "*",
            Decision.ALLOWED,
            id="not-action-allows-the-rest",
        ),
        pytest.param(
            [{"Effect": "Allow", "NotAction": ["iam:*", "sts:*"], "Resource": "*"}],
            "iam:PassRole",
            ROLE,
            Decision.IMPLICIT_DENY,
            id="not-action-excludes",
        ),
        pytest.param(
            [{"Effect": "Allow", "Action": "sns:Publish", "NotResource": "arn:aws:sns:*:*:secret-*"}],
            "sns:Publish",
            "arn:aws:sns:us-east-1:123456789012:secret-topic",
            Decision.IMPLICIT_DENY,
            id="not-resource",
        ),
        pytest.param(
            [
                allow(
                    ["dynamodb:GetItem", "dynamodb:PutItem"],
                    ["arn:aws:dynamodb:*:*:table/other", "arn:aws:dynamodb:*:*:table/runs"],
                )
            ],
            "dynamodb:PutItem",
            "arn:aws:dynamodb:us-east-1:123456789012:table/runs",
            Decision.ALLOWED,
            id="lists",
        ),
    ],
)
def test_decisions(statements: list[dict[str, Any]], action: str, resource: str, expected: Decision) -> None:
    assert decide(statements, action, resource) is expected


PASS_ROLE = allow("iam:PassRole", ROLE, Condition={"StringEquals": {"iam:PassedToService": "sagemaker.amazonaws.com"}})


@pytest.mark.parametrize(
    ("statement", "context", "expected"),
    [
        pytest.param(
            PASS_ROLE, {"iam:PassedToService": "sagemaker.amazonaws.com"}, Decision.ALLOWED, id="passed-to-sagemaker"
        ),
        pytest.param(
            PASS_ROLE, {"iam:PassedToService": "lambda.amazonaws.com"}, Decision.IMPLICIT_DENY, id="passed-elsewhere"
        ),
        pytest.param(PASS_ROLE, {}, Decision.IMPLICIT_DENY, id="key-missing"),
        pytest.param(
            PASS_ROLE, {"IAM:PASSEDTOSERVICE": "sagemaker.amazonaws.com"}, Decision.ALLOWED, id="key-case-insensitive"
        ),
        pytest.param(
            allow(
                "iam:PassRole",
                ROLE,
                Condition={"StringEqualsIfExists": {"iam:PassedToService": "sagemaker.amazonaws.com"}},
            ),
            {},
            Decision.ALLOWED,
            id="if-exists-missing",
        ),
        pytest.param(
            allow("iam:PassRole", ROLE, Condition={"StringLike": {"iam:PassedToService": "sagemaker.*"}}),
            {"iam:PassedToService": "sagemaker.amazonaws.com"},
            Decision.ALLOWED,
            id="string-like",
        ),
        pytest.param(
            allow(
                "iam:PassRole",
                ROLE,
                Condition={
                    "StringEquals": {"aws:SourceAccount": "123456789012"},
                    "ArnLike": {"aws:SourceArn": "arn:aws:states:us-east-1:123456789012:stateMachine:*"},
                },
            ),
            {
                "aws:SourceAccount": "123456789012",
                "aws:SourceArn": "arn:aws:states:us-east-1:123456789012:stateMachine:m",
            },
            Decision.ALLOWED,
            id="source-account-and-arn",
        ),
        pytest.param(
            allow("iam:PassRole", ROLE, Condition={"ArnLike": {"aws:SourceArn": "arn:aws:states:*:123456789012:*"}}),
            {"aws:SourceArn": "arn:aws:states:us-east-1:210987654321:stateMachine:m"},
            Decision.IMPLICIT_DENY,
            id="arn-like-other-account",
        ),
        pytest.param(
            allow(
                "iam:PassRole",
                ROLE,
                Condition={"ArnEquals": {"aws:SourceArn": "arn:aws:states:us-east-1:1:stateMachine:m"}},
            ),
            {"aws:SourceArn": "arn:aws:states:us-east-1:1:stateMachine:m"},
            Decision.ALLOWED,
            id="arn-equals",
        ),
        pytest.param(
            allow("iam:PassRole", ROLE, Condition={"ArnLikeIfExists": {"aws:SourceArn": "arn:aws:states:*"}}),
            {},
            Decision.ALLOWED,
            id="arn-like-if-exists",
        ),
        pytest.param(
            deny(
                "iam:PassRole", "*", Condition={"StringNotEquals": {"iam:PassedToService": "sagemaker.amazonaws.com"}}
            ),
            {"iam:PassedToService": "ec2.amazonaws.com"},
            Decision.EXPLICIT_DENY,
            id="conditional-deny-applies",
        ),
    ],
)
def test_conditions(statement: dict[str, Any], context: dict[str, str], expected: Decision) -> None:
    statements = [statement] if statement["Effect"] == "Allow" else [allow("iam:PassRole", ROLE), statement]
    assert decide(statements, "iam:PassRole", ROLE, **context) is expected


@pytest.mark.parametrize(
    "condition",
    [
        {"NumericLessThan": {"aws:MultiFactorAuthAge": "3600"}},
        {"DateGreaterThan": {"aws:CurrentTime": "2020-01-01T00:00:00Z"}},
        {"ForAnyValue:StringEquals": {"aws:TagKeys": ["a"]}},
        {"IpAddress": {"aws:SourceIp": "10.0.0.0/8"}},
    ],
)
def test_an_unsupported_operator_is_an_error_not_an_allow(condition: dict[str, Any]) -> None:
    with pytest.raises(UnsupportedPolicy):
        decide([allow("sagemaker:*", "*", Condition=condition)], "sagemaker:DescribeEndpoint", "*")


@pytest.mark.parametrize(
    "statement",
    [
        allow("sns:Publish", {"Fn::GetAtt": ["Topic", "Arn"]}),
        allow("sns:Publish", "arn:aws:sns:*:*:${aws:username}"),
        {"Effect": "Allow", "Action": "sns:Publish"},
        {"Effect": "Allow", "Action": "sns:Publish", "Resource": "*", "Principal": "*"},
    ],
)
def test_what_cannot_be_evaluated_is_an_error(statement: dict[str, Any]) -> None:
    with pytest.raises(UnsupportedPolicy):
        decide([statement], "sns:Publish", "arn:aws:sns:us-east-1:123456789012:t")


def test_wildcards_and_arns() -> None:
    assert wildcard_match("arn:aws:s3:::*SageMaker*/*", "arn:aws:s3:::my-SageMaker-bucket/a/b")
    assert not wildcard_match("arn:aws:s3:::*SageMaker*/*", "arn:aws:s3:::my-sagemaker-bucket/a")
    assert wildcard_match("a.b[c]", "a.b[c]")  # regex characters are literal
    assert not wildcard_match("a.b", "axb")
    assert arn_match(
        "arn:aws:states:*:123456789012:stateMachine:*", "arn:aws:states:eu-west-1:123456789012:stateMachine:m"
    )
    assert not arn_match("arn:aws:states:*:123456789012:stateMachine:*", "not-an-arn")


def test_null_condition() -> None:
    assert condition_holds("Null", "aws:SourceArn", "true", {})
    assert not condition_holds("Null", "aws:SourceArn", "true", {"aws:sourcearn": "x"})
    assert condition_holds("Null", "aws:SourceArn", "false", {"aws:sourcearn": "x"})
