"""Least privilege: every action each role may take, on what, under which condition."""

from __future__ import annotations

import json

from tests.infra.support import Permission, Synthesized, actions, logical_id, on, permissions, properties

ARN = "arn:<AWS::Partition>:{service}:<AWS::Region>:<AWS::AccountId>:{resource}"
DESCRIBE_ENDPOINT = {"sagemaker:DescribeEndpoint", "sagemaker:DescribeEndpointConfig", "sagemaker:DescribeModel"}
STOP_JOB = {"sagemaker:DescribeInferenceRecommendationsJob", "sagemaker:StopInferenceRecommendationsJob"}
JOB_ACTIONS = STOP_JOB | {"sagemaker:ListInferenceRecommendationsJobSteps"}
TRACING = {"xray:PutTraceSegments", "xray:PutTelemetryRecords"}
LOGGING = {"logs:CreateLogStream", "logs:PutLogEvents"}
PUBLISH = {"sns:Publish", "kms:Decrypt", "kms:GenerateDataKey*"}
PASSED_TO_SAGEMAKER = json.dumps({"StringEquals": {"iam:PassedToService": "sagemaker.amazonaws.com"}})


def sagemaker(resource: str) -> str:
    return ARN.format(service="sagemaker", resource=resource)


def jobs(*names: str) -> set[str]:
    return {sagemaker(f"inference-recommendations-job/{name}") for name in names}


def table_actions(allowed: set[Permission]) -> set[str]:
    return {a for a in actions(allowed) if a.startswith("dynamodb:")}


def assert_common(template: dict, step: str, allowed: set[Permission]) -> None:
    """Tracing on '*' (X-Ray has no resource-level permissions), logs to its own log group only."""
    for action in TRACING:
        assert on(allowed, action) == {"*"}
    log_group = logical_id(template, "AWS::Logs::LogGroup", f"Functions{step}Logs")
    for action in LOGGING:
        assert on(allowed, action) == {f"<{log_group}.Arn>"}


def assert_table_read_write(template: dict, allowed: set[Permission]) -> None:
    table = logical_id(template, "AWS::DynamoDB::Table", "ResultsTable")
    assert {"dynamodb:GetItem", "dynamodb:PutItem", "dynamodb:UpdateItem", "dynamodb:DeleteItem", "dynamodb:Query"} <= (
        table_actions(allowed)
    )
    for action in table_actions(allowed):
        # The table and its indexes (Start reads the byJobType index; the grant covers them all).
        assert on(allowed, action) == {f"<{table}.Arn>", f"<{table}.Arn>/index/*"}, action


def assert_publishes(template: dict, allowed: set[Permission]) -> None:
    topic = logical_id(template, "AWS::SNS::Topic", "NotificationsTopic")
    key = logical_id(template, "AWS::KMS::Key", "NotificationsKey")
    assert on(allowed, "sns:Publish") == {f"<{topic}>"}
    assert on(allowed, "kms:GenerateDataKey*") == on(allowed, "kms:Decrypt") == {f"<{key}.Arn>"}


def test_validate_only_describes(default_synth: Synthesized) -> None:
    template = default_synth.template
    allowed = permissions(template, "FunctionsValidateRole")
    assert (
        actions(allowed)
        == DESCRIBE_ENDPOINT
        | {
            "sagemaker:DescribeModelPackage",
            "application-autoscaling:DescribeScalableTargets",
            "cloudwatch:GetMetricData",
        }
        | TRACING
        | LOGGING
    )
    # Each describe action on its own resource type only (what IAM authorizes it against).
    assert on(allowed, "sagemaker:DescribeEndpoint") == {sagemaker("endpoint/*")}
    assert on(allowed, "sagemaker:DescribeEndpointConfig") == {sagemaker("endpoint-config/*")}
    assert on(allowed, "sagemaker:DescribeModel") == {sagemaker("model/*")}
    assert on(allowed, "sagemaker:DescribeModelPackage") == {sagemaker("model-package/*")}
    assert on(allowed, "application-autoscaling:DescribeScalableTargets") == {"*"}
    assert on(allowed, "cloudwatch:GetMetricData") == {"*"}
    assert_common(template, "Validate", allowed)


def test_start_creates_jobs_of_its_prefix_and_passes_only_the_job_role(default_synth: Synthesized) -> None:
    template = default_synth.template
    allowed = permissions(template, "FunctionsStartRole")
    assert (
        actions(allowed) - table_actions(allowed)
        == {
            "sagemaker:CreateInferenceRecommendationsJob",
            "sagemaker:DescribeInferenceRecommendationsJob",
            # the job of an execution aborted while Start ran
            "sagemaker:StopInferenceRecommendationsJob",
            "iam:PassRole",
            "states:DescribeExecution",
        }
        | TRACING
        | LOGGING
    )
    for action in (
        "sagemaker:CreateInferenceRecommendationsJob",
        "sagemaker:DescribeInferenceRecommendationsJob",
        "sagemaker:StopInferenceRecommendationsJob",
    ):
        assert on(allowed, action) == jobs("ir-orchestrator-*")
    job_role = logical_id(template, "AWS::IAM::Role", "JobRole")
    (pass_role,) = [p for p in allowed if p.action == "iam:PassRole"]
    assert pass_role == Permission("iam:PassRole", f"<{job_role}.Arn>", PASSED_TO_SAGEMAKER)
    assert_table_read_write(template, allowed)
    assert_common(template, "Start", allowed)


def test_start_passes_the_configured_job_role(sample_synth: Synthesized) -> None:
    allowed = permissions(sample_synth.template, "FunctionsStartRole")
    (pass_role,) = [p for p in allowed if p.action == "iam:PassRole"]
    assert pass_role.resource == "arn:aws:iam::123456789012:role/InferenceRecommenderJob"
    assert pass_role.condition == PASSED_TO_SAGEMAKER


def test_check_only_watches_and_stops_jobs_of_its_prefix(default_synth: Synthesized) -> None:
    allowed = permissions(default_synth.template, "FunctionsCheckRole")
    assert actions(allowed) == JOB_ACTIONS | TRACING | LOGGING
    for action in STOP_JOB:
        assert on(allowed, action) == jobs("ir-orchestrator-*")
    # No resource-level permissions: IAM authorizes it against "*" only (test_iam_catalogue.py).
    assert on(allowed, "sagemaker:ListInferenceRecommendationsJobSteps") == {"*"}
    assert_common(default_synth.template, "Check", allowed)


def test_publish_reads_the_job_writes_the_table_and_publishes(default_synth: Synthesized) -> None:
    template = default_synth.template
    allowed = permissions(template, "FunctionsPublishRole")
    assert (
        actions(allowed) - table_actions(allowed)
        == {
            "sagemaker:DescribeInferenceRecommendationsJob",
            "sagemaker:ListInferenceRecommendationsJobSteps",
            # the autoscaling advice for a CHANGE verdict
            "sagemaker:GetScalingConfigurationRecommendation",
            # the verdict: the endpoint's observed traffic and its instance type's price
            "cloudwatch:GetMetricData",
            "pricing:GetProducts",
        }
        | PUBLISH
        | TRACING
        | LOGGING
    )
    assert on(allowed, "sagemaker:DescribeInferenceRecommendationsJob") == jobs("ir-orchestrator-*")
    assert on(allowed, "sagemaker:GetScalingConfigurationRecommendation") == jobs("ir-orchestrator-*")
    # The benchmarks that failed inside a COMPLETED job; no resource-level permissions: "*" only.
    assert on(allowed, "sagemaker:ListInferenceRecommendationsJobSteps") == {"*"}
    assert on(allowed, "cloudwatch:GetMetricData") == on(allowed, "pricing:GetProducts") == {"*"}
    assert_table_read_write(template, allowed)
    assert_publishes(template, allowed)
    assert_common(template, "Publish", allowed)


def test_record_failure_stops_jobs_records_publishes_and_dead_letters(default_synth: Synthesized) -> None:
    template = default_synth.template
    allowed = permissions(template, "FunctionsRecordFailureRole")
    assert actions(allowed) - table_actions(allowed) == STOP_JOB | PUBLISH | TRACING | LOGGING | {"sqs:SendMessage"}
    for action in STOP_JOB:
        assert on(allowed, action) == jobs("ir-orchestrator-*")
    queue = logical_id(template, "AWS::SQS::Queue", "DeadLettersQueue")
    assert on(allowed, "sqs:SendMessage") == {f"<{queue}.Arn>"}
    assert_table_read_write(template, allowed)
    assert_publishes(template, allowed)
    assert_common(template, "RecordFailure", allowed)


def test_job_actions_follow_the_configured_prefix_in_both_spellings(sample_synth: Synthesized) -> None:
    allowed = permissions(sample_synth.template, "FunctionsCheckRole")
    assert on(allowed, "sagemaker:StopInferenceRecommendationsJob") == jobs("Rightsize-*", "rightsize-*")


def test_nothing_is_granted_with_an_action_wildcard_beyond_the_kms_grant(default_synth: Synthesized) -> None:
    template = default_synth.template
    for role in ("FunctionsValidateRole", "FunctionsStartRole", "FunctionsCheckRole", "FunctionsPublishRole"):
        assert {a for a in actions(permissions(template, role)) if "*" in a} <= {"kms:GenerateDataKey*"}, role


def test_each_function_has_its_own_role(default_synth: Synthesized) -> None:
    functions = [
        body["Properties"]["Role"]["Fn::GetAtt"][0]
        for body in default_synth.template["Resources"].values()
        if body["Type"] == "AWS::Lambda::Function"
    ]
    assert len(set(functions)) == len(functions) == 7  # five steps, and the fleet's two


def test_job_role_can_benchmark_an_existing_endpoint_and_nothing_more(default_synth: Synthesized) -> None:
    template = default_synth.template
    role = logical_id(template, "AWS::IAM::Role", "JobRole")
    trust = template["Resources"][role]["Properties"]["AssumeRolePolicyDocument"]["Statement"]
    assert [s["Principal"] for s in trust] == [{"Service": "sagemaker.amazonaws.com"}]
    assert "ManagedPolicyArns" not in template["Resources"][role]["Properties"]  # not AmazonSageMakerFullAccess
    allowed = permissions(template, "JobRole")
    endpoint_lifecycle = {
        f"sagemaker:{verb}{kind}"
        for verb in ("Create", "Describe", "Delete")
        for kind in ("Model", "EndpointConfig", "Endpoint")
    } | {"sagemaker:InvokeEndpoint", "sagemaker:AddTags"}
    assert actions(allowed) == endpoint_lifecycle | {
        "sagemaker:DescribeModelPackage",
        "ecr:GetAuthorizationToken",
        "ecr:BatchGetImage",
        "ecr:GetDownloadUrlForLayer",
        "ecr:BatchCheckLayerAvailability",
        "s3:GetObject",
        "logs:CreateLogGroup",
        "logs:CreateLogStream",
        "logs:PutLogEvents",
        "logs:DescribeLogStreams",
        "cloudwatch:PutMetricData",
        "cloudwatch:GetMetricData",
        "cloudwatch:GetMetricStatistics",
        "cloudwatch:ListMetrics",
        "iam:PassRole",
    }
    # Each action on the resource types IAM authorizes it against (CreateEndpoint: the endpoint and
    # its endpoint config; AddTags: whatever the job creates).
    kinds = {"Model": {"model/*"}, "EndpointConfig": {"endpoint-config/*"}, "Endpoint": {"endpoint/*"}}
    kinds_of = {
        **{
            f"sagemaker:{verb}{kind}": names
            for verb in ("Describe", "Delete", "Create")
            for kind, names in kinds.items()
        },
        "sagemaker:CreateEndpoint": {"endpoint-config/*", "endpoint/*"},
        "sagemaker:InvokeEndpoint": {"endpoint/*"},
        "sagemaker:AddTags": {"model/*", "endpoint-config/*", "endpoint/*"},
    }
    for action in endpoint_lifecycle:
        assert on(allowed, action) == {sagemaker(name) for name in kinds_of[action]}, action
    assert on(allowed, "s3:GetObject") == {
        f"arn:<AWS::Partition>:s3:::{bucket}/*" for bucket in ("*sagemaker*", "*SageMaker*", "*Sagemaker*")
    }
    assert on(allowed, "logs:PutLogEvents") == {
        ARN.format(service="logs", resource="log-group:/aws/sagemaker/*"),
        ARN.format(service="logs", resource="log-group:/aws/sagemaker/*:log-stream:*"),
    }
    (pass_role,) = [p for p in allowed if p.action == "iam:PassRole"]
    assert pass_role == Permission("iam:PassRole", f"<{role}.Arn>", PASSED_TO_SAGEMAKER)


FLEET_FUNCTIONS = ("FunctionsSelectEndpoints", "FunctionsSummarizeFleet")


def test_state_machine_may_only_invoke_its_five_functions(default_synth: Synthesized) -> None:
    template = default_synth.template
    allowed = permissions(template, "WorkflowStateMachineRole")
    functions = [
        logical
        for logical, body in template["Resources"].items()
        if body["Type"] == "AWS::Lambda::Function" and not logical.startswith(FLEET_FUNCTIONS)
    ]
    assert len(functions) == 5
    assert on(allowed, "lambda:InvokeFunction") == {f"<{f}.Arn>" for f in functions} | {
        f"<{f}.Arn>:*" for f in functions
    }
    assert {a.split(":")[0] for a in actions(allowed)} == {"lambda", "logs", "xray"}


def test_the_fleet_may_invoke_its_two_functions_and_run_the_workflow_only(default_synth: Synthesized) -> None:
    template = default_synth.template
    allowed = permissions(template, "FleetStateMachineRole")
    invoked = {
        logical
        for logical, body in template["Resources"].items()
        if logical.startswith(FLEET_FUNCTIONS) and body["Type"] == "AWS::Lambda::Function"
    }
    assert len(invoked) == 2
    assert on(allowed, "lambda:InvokeFunction") == {f"<{f}.Arn>" for f in invoked} | {f"<{f}.Arn>:*" for f in invoked}
    workflow = logical_id(template, "AWS::StepFunctions::StateMachine", "WorkflowStateMachine")
    # startExecution.sync:2: start the workflow, follow and stop its executions, nothing else.
    assert on(allowed, "states:StartExecution") == {f"<{workflow}>"}
    name = json.dumps({"Fn::Select": [6, {"Fn::Split": [":", {"Ref": workflow}]}]}, separators=(",", ":"))
    executions = f"arn:<AWS::Partition>:states:<AWS::Region>:<AWS::AccountId>:execution:{name}*"
    assert on(allowed, "states:DescribeExecution") == on(allowed, "states:StopExecution") == {executions}
    rule = (
        "arn:<AWS::Partition>:events:<AWS::Region>:<AWS::AccountId>:"
        "rule/StepFunctionsGetEventsForStepFunctionsExecutionRule"
    )
    assert (
        on(allowed, "events:PutTargets")
        == on(allowed, "events:PutRule")
        == on(allowed, "events:DescribeRule")
        == {rule}
    )
    assert {a.split(":")[0] for a in actions(allowed)} == {"lambda", "logs", "xray", "states", "events"}


def test_start_reads_only_the_executions_of_this_state_machine(default_synth: Synthesized) -> None:
    template = default_synth.template
    machine = logical_id(template, "AWS::StepFunctions::StateMachine", "WorkflowStateMachine")
    start_role = logical_id(template, "AWS::IAM::Role", "FunctionsStartRole")
    # Its own policy: the role's default policy cannot name the machine (machine -> function -> role policy).
    policy = properties(template, "AWS::IAM::Policy", "WorkflowStartReadsItsExecution")
    assert policy["Roles"] == [{"Ref": start_role}]
    assert policy["PolicyDocument"]["Statement"] == [
        {
            "Action": "states:DescribeExecution",
            "Effect": "Allow",
            "Resource": {
                "Fn::Join": [
                    "",
                    [
                        "arn:",
                        {"Ref": "AWS::Partition"},
                        ":states:",
                        {"Ref": "AWS::Region"},
                        ":",
                        {"Ref": "AWS::AccountId"},
                        ":execution:",
                        {"Fn::GetAtt": [machine, "Name"]},
                        ":*",
                    ],
                ]
            },
        }
    ]
    allowed = permissions(template, "FunctionsStartRole")
    assert on(allowed, "states:DescribeExecution") == {
        ARN.format(service="states", resource=f"execution:<{machine}.Name>:*")
    }
    # No other role may describe executions.
    for role in ("Validate", "Check", "Publish", "RecordFailure"):
        assert "states:DescribeExecution" not in actions(permissions(template, f"Functions{role}Role")), role


def test_the_execution_wildcard_is_acknowledged_with_its_reason(default_synth: Synthesized) -> None:
    machine = logical_id(default_synth.template, "AWS::StepFunctions::StateMachine", "WorkflowStateMachine")
    rule = (
        "AwsSolutions-IAM5[Resource::arn:<AWS::Partition>:states:<AWS::Region>:<AWS::AccountId>:execution:"
        f"<{machine}.Name>:*]"
    )
    (acknowledged,) = [a for a in default_synth.acknowledgments if a["rule"] == rule]
    assert acknowledged["path"].endswith("/Workflow/StartReadsItsExecution")
    assert "this state machine" in acknowledged["reason"]
