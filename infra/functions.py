"""Functions: the five Lambda steps, their shared defaults, and each one's own least-privilege role."""

from __future__ import annotations

from aws_cdk import Aws, Duration, RemovalPolicy, Stack
from aws_cdk import aws_dynamodb as dynamodb
from aws_cdk import aws_iam as iam
from aws_cdk import aws_lambda as lambda_
from aws_cdk import aws_logs as logs
from aws_cdk import aws_sns as sns
from aws_cdk import aws_sqs as sqs
from constructs import Construct

from infra import LAMBDAS_DIR
from infra.config import RecommenderConfig
from infra.nag import acknowledge, acknowledge_wildcards, skip_checkov
from recommender.adapters.aws import STEP_TIMEOUT_SECONDS

SERVICE_NAME = "inference-recommender-orchestrator"
METRICS_NAMESPACE = "InferenceRecommenderOrchestrator"
# How long the endpoint lock outlives a run's deadline (lambdas/recommender/settings.py).
LOCK_GRACE_SECONDS = 900
# AWS-managed layer version 36 is Powertools for AWS Lambda (Python) 3.31.1, the version pinned in
# requirements.lock; it also carries pydantic and aws-xray-sdk. Bump both together.
POWERTOOLS_LAYER_VERSION = 36
POWERTOOLS_LAYER_ARN = (
    f"arn:aws:lambda:{Aws.REGION}:017000801446:layer:AWSLambdaPowertoolsPythonV3-python314-arm64:"
    f"{POWERTOOLS_LAYER_VERSION}"
)
# The newest Python runtime that both Lambda and the pinned aws-cdk-lib know (cdk-nag's
# Serverless-LambdaLatestVersion checks exactly that, so a CDK upgrade may ask for a bump here).
RUNTIME = lambda_.Runtime.PYTHON_3_14
LOG_RETENTION = logs.RetentionDays.THREE_MONTHS
SYNCHRONOUS_ONLY = (
    "Invoked synchronously by Step Functions only: the state machine's Retry/Catch handle its "
    "errors, a Lambda dead-letter queue would never receive anything."
)
# What the steps may do with the table (the lock item, run items, the history query).
TABLE_ACTIONS = (
    "dynamodb:BatchGetItem",
    "dynamodb:BatchWriteItem",
    "dynamodb:ConditionCheckItem",
    "dynamodb:DeleteItem",
    "dynamodb:DescribeTable",
    "dynamodb:GetItem",
    "dynamodb:PutItem",
    "dynamodb:Query",
    "dynamodb:Scan",
    "dynamodb:UpdateItem",
)
# Why the checkov checks that cannot apply to these functions are suppressed (skip_checkov).
LOGS_ENCRYPTION = (
    "CloudWatch Logs encrypts every log group at rest with service-managed keys; these logs carry no "
    "execution data or secrets, and a customer-managed key would make retained logs unreadable once "
    "the stack (and its key) is deleted."
)
NO_VPC = (
    "The steps call only public AWS service APIs (SageMaker, DynamoDB, SNS, CloudWatch) and reach no "
    "private resource: a VPC would only add NAT gateways or interface endpoints."
)
NO_RESERVED_CONCURRENCY = (
    "Invoked only by this state machine (one invocation per running step, bounded by the executions); "
    "reserved concurrency would be taken from the account's pool and fails deployment in accounts at the "
    "minimum unreserved concurrency (10)."
)
ENVIRONMENT_ENCRYPTION = (
    "The environment holds only resource names, ARNs and settings, no secrets: Lambda's default "
    "encryption at rest (AWS-managed key) is enough, a customer-managed key would add grants for nothing."
)


def function_environment(
    config: RecommenderConfig, *, table_name: str, topic_arn: str, job_role_arn: str
) -> dict[str, str]:
    """The environment of every step (validated by `recommender.settings.Settings` at cold start)."""
    return {
        "TABLE_NAME": table_name,
        "TOPIC_ARN": topic_arn,
        "JOB_ROLE_ARN": job_role_arn,
        "JOB_NAME_PREFIX": config.job_name_prefix,
        "POLL_INITIAL_SECONDS": str(config.poll_initial_seconds),
        "POLL_MAX_SECONDS": str(config.poll_max_seconds),
        "MAX_RUN_HOURS": f"{config.max_run_hours:g}",
        "LIVE_TRAFFIC_LOOKBACK_MINUTES": str(config.live_traffic_lookback_minutes),
        "LIVE_TRAFFIC_MAX_INVOCATIONS": str(config.live_traffic_max_invocations),
        "LOCK_GRACE_SECONDS": str(LOCK_GRACE_SECONDS),
        "REGRESSION_THROUGHPUT_DROP_PERCENT": f"{config.regression_throughput_drop_percent:g}",
        "REGRESSION_LATENCY_RISE_PERCENT": f"{config.regression_latency_rise_percent:g}",
        "TRAFFIC_LOOKBACK_DAYS": str(config.traffic_lookback_days),
        "TARGET_UTILIZATION": f"{config.target_utilization:g}",
        "LATENCY_TOLERANCE_PERCENT": f"{config.latency_tolerance_percent:g}",
        "FLEET_MAX_CONCURRENT_JOBS": str(config.fleet_max_concurrent_jobs),
        "POWERTOOLS_SERVICE_NAME": SERVICE_NAME,
        "POWERTOOLS_METRICS_NAMESPACE": METRICS_NAMESPACE,
        "POWERTOOLS_LOG_LEVEL": "INFO",
        "TRACE_AWS_CALLS": "true" if config.trace_aws_calls else "false",
    }


class Functions(Construct):
    """`self.validate`, `self.start`, `self.check`, `self.publish`, `self.record_failure`; and the
    fleet state machine's `self.select_endpoints`, `self.summarize_fleet`."""

    def __init__(
        self,
        scope: Construct,
        construct_id: str,
        *,
        config: RecommenderConfig,
        table: dynamodb.ITable,
        topic: sns.ITopic,
        job_role: iam.IRole,
        dead_letter_queue: sqs.IQueue,
    ) -> None:
        super().__init__(scope, construct_id)
        self._stack = Stack.of(self)
        self.all: dict[str, lambda_.Function] = {}  # every step by its construct id
        self._roles: dict[str, iam.Role] = {}
        self._environment = function_environment(
            config, table_name=table.table_name, topic_arn=topic.topic_arn, job_role_arn=job_role.role_arn
        )
        self._layer = lambda_.LayerVersion.from_layer_version_arn(self, "Powertools", POWERTOOLS_LAYER_ARN)
        self._code = lambda_.Code.from_asset(str(LAMBDAS_DIR), exclude=["**/__pycache__", "**/*.pyc"])
        self._log_removal = RemovalPolicy.RETAIN if config.retain_data else RemovalPolicy.DESTROY
        job_prefix = config.job_name_prefix

        # ---------------------------------------------------------------- Validate Endpoint
        self.validate = self._function("Validate", "validate", "Validates the input and the endpoint's eligibility")
        # One statement per resource type: each action is authorized against its own type only
        # (the Service Authorization Reference; tests/infra/test_iam_catalogue.py checks it).
        for action, kind in (
            ("sagemaker:DescribeEndpoint", "endpoint"),
            ("sagemaker:DescribeEndpointConfig", "endpoint-config"),
            ("sagemaker:DescribeModel", "model"),
        ):
            self._allow(
                self.validate,
                [action],
                [self._sagemaker_arn(kind, "*")],
                reason="Validate describes whichever endpoint, endpoint config and model the execution input "
                "names (known only at run time), in this account and region.",
            )
        self._allow(
            self.validate,
            ["sagemaker:DescribeModelPackage"],
            [self._sagemaker_arn("model-package", "*")],
            reason="Validate checks whichever model package version the input names (group/version).",
        )
        self._allow(
            self.validate,
            ["application-autoscaling:DescribeScalableTargets", "cloudwatch:GetMetricData"],
            ["*"],
            reason="DescribeScalableTargets and GetMetricData have no resource-level permissions "
            "(read-only: the autoscaling and live-traffic eligibility checks).",
        )
        acknowledge(self.validate, SYNCHRONOUS_ONLY, "Serverless-LambdaDLQ")

        # ---------------------------------------------------------------- Start Job
        self.start = self._function("Start", "start", "Takes the endpoint lock and starts the job")
        # Describe: a retried Start finds its own job, and a lock left draining is taken over once
        # the stopped job has ended. Stop: the job of an execution aborted while Start ran.
        self._allow_jobs(
            self.start,
            job_prefix,
            [
                "sagemaker:CreateInferenceRecommendationsJob",
                "sagemaker:DescribeInferenceRecommendationsJob",
                "sagemaker:StopInferenceRecommendationsJob",
            ],
        )
        self.start.add_to_role_policy(
            iam.PolicyStatement(
                actions=["iam:PassRole"],
                resources=[job_role.role_arn],
                conditions={"StringEquals": {"iam:PassedToService": "sagemaker.amazonaws.com"}},
            )
        )
        self._grant_table(self.start, table)  # the lock item and the run history query
        acknowledge(self.start, SYNCHRONOUS_ONLY, "Serverless-LambdaDLQ")

        # ---------------------------------------------------------------- Check Job
        self.check = self._function("Check", "check", "Polls the job; stops it at the deadline")
        self._allow_jobs(
            self.check,
            job_prefix,
            ["sagemaker:DescribeInferenceRecommendationsJob", "sagemaker:StopInferenceRecommendationsJob"],
        )
        # No resource-level permissions (Service Authorization Reference): IAM authorizes it against
        # "*" only, so a grant scoped to job ARNs denies every call (each FAILED job would then be
        # recorded as an AccessDenied ERROR instead of its failed benchmarks).
        self._allow_list_job_steps(self.check, "the failure reasons of a failed job's benchmarks")
        acknowledge(self.check, SYNCHRONOUS_ONLY, "Serverless-LambdaDLQ")

        # ---------------------------------------------------------------- Publish Results
        self.publish = self._function("Publish", "publish", "Stores and notifies the recommendations")
        # Describe: the results; the scaling configuration the service recommends for the verdict.
        self._allow_jobs(
            self.publish,
            job_prefix,
            ["sagemaker:DescribeInferenceRecommendationsJob", "sagemaker:GetScalingConfigurationRecommendation"],
        )
        self._allow_list_job_steps(self.publish, "the benchmarks that failed inside a COMPLETED job")
        self._grant_table(self.publish, table)
        self._grant_publish(self.publish, topic)
        self._allow(
            self.publish,
            ["cloudwatch:GetMetricData", "pricing:GetProducts"],
            ["*"],
            reason="GetMetricData and the Price List API's GetProducts have no resource-level permissions "
            "(read-only: the endpoint's observed traffic and its instance type's on-demand price, for the verdict).",
        )
        acknowledge(self.publish, SYNCHRONOUS_ONLY, "Serverless-LambdaDLQ")

        # ---------------------------------------------------------------- Record Failure
        # Also invoked asynchronously by the clean-up rule: its own retries exhausted, the event
        # lands in the dead-letter queue (alarmed) instead of vanishing.
        self.record_failure = self._function(
            "RecordFailure",
            "record_failure",
            "Records and notifies a failed run, stops its job, frees the lock",
            dead_letter_queue=dead_letter_queue,
        )
        # Describe (is it still running?) and stop; the failure reasons came with the error.
        self._allow_jobs(
            self.record_failure,
            job_prefix,
            ["sagemaker:DescribeInferenceRecommendationsJob", "sagemaker:StopInferenceRecommendationsJob"],
        )
        self._grant_table(self.record_failure, table)
        self._grant_publish(self.record_failure, topic)

        # ---------------------------------------------------------------- Select Endpoints (fleet)
        self.select_endpoints = self._function(
            "SelectEndpoints", "select_endpoints", "Selects a fleet's endpoints and their child runs"
        )
        self._allow(
            self.select_endpoints,
            ["sagemaker:ListEndpoints"],
            ["*"],
            sid="ListEndpointsHasNoResourceLevelPermissions",
            reason="sagemaker:ListEndpoints has no resource-level permissions (read-only: the fleet's endpoints).",
        )
        self._allow(
            self.select_endpoints,
            ["sagemaker:ListTags"],
            [self._sagemaker_arn("endpoint", "*")],
            reason="A fleet selects endpoints by their tags and reads the model package tag of each: any "
            "endpoint of this account and region (known only at run time), tags only.",
        )
        self._allow(
            self.select_endpoints,
            ["servicequotas:ListServiceQuotas"],
            ["*"],
            sid="ListServiceQuotasHasNoResourceLevelPermissions",
            reason="servicequotas:ListServiceQuotas has no resource-level permissions (read-only: the "
            "account's quota of concurrent Inference Recommender jobs caps a fleet). Its dependent actions "
            "are other services' account limits, none of SageMaker's.",
        )
        acknowledge(self.select_endpoints, SYNCHRONOUS_ONLY, "Serverless-LambdaDLQ")

        # ---------------------------------------------------------------- Summarize Fleet (fleet)
        self.summarize_fleet = self._function(
            "SummarizeFleet", "summarize_fleet", "Records and notifies a fleet run's summary"
        )
        self._grant_table(self.summarize_fleet, table)  # the children's run items, the fleet item
        self._grant_publish(self.summarize_fleet, topic)
        acknowledge(self.summarize_fleet, SYNCHRONOUS_ONLY, "Serverless-LambdaDLQ")

    def _function(
        self, construct_id: str, module: str, description: str, *, dead_letter_queue: sqs.IQueue | None = None
    ) -> lambda_.Function:
        """One step with the shared defaults, its own role and its own log group."""
        scope = Construct(self, construct_id)
        role = iam.Role(
            scope,
            "Role",
            assumed_by=iam.ServicePrincipal("lambda.amazonaws.com"),
            description=f"{construct_id} step of the Inference Recommender orchestrator",
        )
        log_group = logs.LogGroup(scope, "Logs", retention=LOG_RETENTION, removal_policy=self._log_removal)
        function = lambda_.Function(
            scope,
            "Function",
            description=description,
            code=self._code,
            handler=f"recommender.handlers.{module}.lambda_handler",
            runtime=RUNTIME,
            architecture=lambda_.Architecture.ARM_64,
            layers=[self._layer],
            memory_size=256,
            # Sized to the AWS client's retry budget (recommender.adapters.aws): a step never
            # outlives its timeout inside botocore's own retries.
            timeout=Duration.seconds(STEP_TIMEOUT_SECONDS),
            tracing=lambda_.Tracing.ACTIVE,
            logging_format=lambda_.LoggingFormat.JSON,
            log_group=log_group,
            role=role,
            environment=self._environment,
            dead_letter_queue=dead_letter_queue,
        )
        log_group.grant_write(role)
        skip_checkov(log_group, "CKV_AWS_158", LOGS_ENCRYPTION)
        skip_checkov(function, "CKV_AWS_117", NO_VPC)
        skip_checkov(function, "CKV_AWS_115", NO_RESERVED_CONCURRENCY)
        skip_checkov(function, "CKV_AWS_173", ENVIRONMENT_ENCRYPTION)
        if dead_letter_queue is None:
            skip_checkov(function, "CKV_AWS_116", SYNCHRONOUS_ONLY)
        self.all[construct_id] = function
        self._roles[function.node.path] = role
        acknowledge(
            role,
            "X-Ray (active tracing) has no resource-level permissions: xray:PutTraceSegments and "
            "xray:PutTelemetryRecords are granted on '*' by the Lambda service integration.",
            "AwsSolutions-IAM5[Resource::*]",
        )
        return function

    def _sagemaker_arn(self, resource: str, name: str) -> str:
        return self._stack.format_arn(service="sagemaker", resource=resource, resource_name=name)

    def _allow(
        self,
        function: lambda_.Function,
        actions: list[str],
        resources: list[str],
        *,
        reason: str,
        sid: str | None = None,
    ) -> None:
        # A sid keeps the statement apart (the policy minimizer merges only statements without one).
        statement = iam.PolicyStatement(sid=sid, actions=actions, resources=resources)
        function.add_to_role_policy(statement)
        acknowledge_wildcards(self._roles[function.node.path], reason, statement)

    def _allow_list_job_steps(self, function: lambda_.Function, why: str) -> None:
        self._allow(
            function,
            ["sagemaker:ListInferenceRecommendationsJobSteps"],
            ["*"],
            sid="ListJobStepsHasNoResourceLevelPermissions",
            reason="sagemaker:ListInferenceRecommendationsJobSteps has no resource-level permissions (Service "
            f"Authorization Reference): it is granted on '*' alone, in its own statement (read-only: {why}).",
        )

    def _allow_jobs(self, function: lambda_.Function, prefix: str, actions: list[str]) -> None:
        # SageMaker may lower-case names in ARNs: allow both spellings of the prefix, nothing wider.
        names = sorted({f"{prefix}-*", f"{prefix.lower()}-*"})
        self._allow(
            function,
            actions,
            [self._sagemaker_arn("inference-recommendations-job", name) for name in names],
            reason=f"Jobs are named per run ('{prefix}-<execution digest>-<endpoint>'): only this prefix's jobs.",
        )

    def _grant_table(self, function: lambda_.Function, table: dynamodb.ITable) -> None:
        # grant_read_write_data's item actions, without its stream actions (GetRecords,
        # GetShardIterator): they are authorized against stream ARNs and the table has no stream.
        table.grant(function, *TABLE_ACTIONS)
        # The grant covers the table's indexes too (`<table ARN>/index/*`): Start queries the
        # sparse byJobType index for the account's runs of a job type (the wait schedule's prior).
        table_id = self._stack.get_logical_id(table.node.default_child)  # type: ignore[arg-type]
        acknowledge(
            self._roles[function.node.path],
            "The table grant includes its own indexes (<table ARN>/index/*): the byJobType index is "
            "queried for the account's earlier runs of a job type; no other table is reachable.",
            f"AwsSolutions-IAM5[Resource::<{table_id}.Arn>/index/*]",
        )

    def _grant_publish(self, function: lambda_.Function, topic: sns.ITopic) -> None:
        topic.grant_publish(function)
        acknowledge(
            self._roles[function.node.path],
            "Publishing to the KMS-encrypted topic needs kms:GenerateDataKey* (the topic grant's own "
            "action set), on the topic's key only.",
            "AwsSolutions-IAM5[Action::kms:GenerateDataKey*]",
        )
