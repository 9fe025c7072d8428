"""Job role: the IAM role the Inference Recommender job runs with (Start Job passes it)."""

from __future__ import annotations

from typing import Any

from aws_cdk import ArnFormat, Stack
from aws_cdk import aws_iam as iam
from constructs import Construct

from infra.nag import acknowledge_wildcards

SAGEMAKER = "sagemaker.amazonaws.com"


class JobRole(Construct):
    """`self.role`: the configured `jobRoleArn`, or a role made for benchmarking existing endpoints.

    The Inference Recommender documentation attaches AmazonSageMakerFullAccess. Benchmarking an
    existing endpoint needs much less: the job reads the model package, creates, invokes and deletes
    endpoints (with their endpoint configs and models) on the instance types it tries, pulls the
    serving images, reads the model artifacts and sample payload from S3 and writes logs and metrics.
    Bring your own role (jobRoleArn) for artifacts in other buckets, customer-managed KMS keys or VPCs.
    """

    def __init__(self, scope: Construct, construct_id: str, *, role_arn: str | None) -> None:
        super().__init__(scope, construct_id)
        if role_arn:
            # Not mutable: this stack must not attach policies to a role it does not own.
            self.role: iam.IRole = iam.Role.from_role_arn(self, "Configured", role_arn, mutable=False)
            return
        stack = Stack.of(self)
        role = iam.Role(
            self,
            "Role",
            # Confused-deputy protection: SageMaker may assume the role only on behalf of this
            # account's resources in this region. SourceArn is any SageMaker resource here, not only
            # inference-recommendations-job/*: the role also runs the models and endpoints the job
            # creates (CreateModel passes it), and SageMaker assumes it for those with the model's or
            # endpoint's ARN as the source.
            assumed_by=iam.ServicePrincipal(
                SAGEMAKER,
                conditions={
                    "StringEquals": {"aws:SourceAccount": stack.account},
                    "ArnLike": {"aws:SourceArn": f"arn:{stack.partition}:sagemaker:{stack.region}:{stack.account}:*"},
                },
            ),
            description="Runs Inference Recommender jobs started by the orchestrator",
        )
        self.role = role

        def sagemaker_arn(resource: str) -> str:
            return stack.format_arn(service="sagemaker", resource=resource, resource_name="*")

        def allow(
            actions: list[str], resources: list[str], why: str | None = None, conditions: dict[str, Any] | None = None
        ) -> None:
            statement = iam.PolicyStatement(actions=actions, resources=resources, conditions=conditions)
            role.add_to_policy(statement)
            if why:  # the reason for this statement's wildcards
                acknowledge_wildcards(role, why, statement)

        # One statement per resource type: each action is authorized against its own types only
        # (CreateEndpoint against the endpoint and its endpoint config), per the Service
        # Authorization Reference (tests/infra/test_iam_catalogue.py checks it).
        generated = (
            "The job load-tests the user's endpoint (any name) and creates, invokes and deletes the models, "
            "endpoint configs and endpoints of the instance types it tries, named by the service itself "
            "(no documented pattern): this account and region only."
        )
        for kind, actions in (
            ("model", ["CreateModel", "DescribeModel", "DeleteModel"]),
            (
                "endpoint-config",
                ["CreateEndpointConfig", "DescribeEndpointConfig", "DeleteEndpointConfig", "CreateEndpoint"],
            ),
            ("endpoint", ["CreateEndpoint", "DescribeEndpoint", "InvokeEndpoint", "DeleteEndpoint"]),
        ):
            allow([f"sagemaker:{action}" for action in [*actions, "AddTags"]], [sagemaker_arn(kind)], generated)
        allow(
            ["sagemaker:DescribeModelPackage"],
            [sagemaker_arn("model-package")],
            "The job reads whichever model package version the execution names (this account and region).",
        )
        allow(
            ["ecr:BatchGetImage", "ecr:GetDownloadUrlForLayer", "ecr:BatchCheckLayerAvailability"],
            [f"arn:{stack.partition}:ecr:{stack.region}:*:repository/*"],
            "The serving images may live in AWS-owned registries (Deep Learning Containers): repositories "
            "of this region, any registry account.",
        )
        allow(
            [
                "ecr:GetAuthorizationToken",
                "cloudwatch:PutMetricData",
                "cloudwatch:GetMetricData",
                "cloudwatch:GetMetricStatistics",
                "cloudwatch:ListMetrics",
            ],
            ["*"],
            "ecr:GetAuthorizationToken and the CloudWatch metric actions have no resource-level permissions.",
        )
        allow(
            ["s3:GetObject"],
            [f"arn:{stack.partition}:s3:::{bucket}/*" for bucket in ("*sagemaker*", "*SageMaker*", "*Sagemaker*")],
            "The model artifacts and sample payload may be in any bucket: read-only, and only the bucket "
            "names AmazonSageMakerFullAccess allows (set jobRoleArn for others).",
        )
        allow(
            ["logs:CreateLogGroup", "logs:CreateLogStream", "logs:PutLogEvents", "logs:DescribeLogStreams"],
            [
                stack.format_arn(
                    service="logs", resource="log-group", resource_name=name, arn_format=ArnFormat.COLON_RESOURCE_NAME
                )
                for name in ("/aws/sagemaker/*", "/aws/sagemaker/*:log-stream:*")
            ],
            "The endpoints the job creates log to /aws/sagemaker/Endpoints/<generated name>.",
        )
        # The models the job creates run with this role.
        allow(["iam:PassRole"], [role.role_arn], conditions={"StringEquals": {"iam:PassedToService": SAGEMAKER}})
