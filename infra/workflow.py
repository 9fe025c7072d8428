"""Workflow: the Standard state machine that validates, starts, polls, publishes and records failures."""

from __future__ import annotations

from aws_cdk import ArnFormat, Aws, Duration, Fn, RemovalPolicy, Stack
from aws_cdk import aws_iam as iam
from aws_cdk import aws_lambda as lambda_
from aws_cdk import aws_logs as logs
from aws_cdk import aws_stepfunctions as sfn
from aws_cdk import aws_stepfunctions_tasks as tasks
from constructs import Construct

from infra.config import SLOT_WAIT_FIRST_SECONDS, SLOT_WAIT_MAX_SECONDS, slot_wait_attempts
from infra.functions import LOG_RETENTION, LOGS_ENCRYPTION, Functions
from infra.nag import acknowledge, acknowledge_wildcards, lambda_invoke_findings, skip_checkov
from recommender.adapters.aws import STEP_TIMEOUT_SECONDS

# Transient failures only: Lambda's own service errors and throttling, and the steps' TransientAwsError
# (an AWS call still throttled / 5xx after botocore's retries). The domain errors of
# lambdas/recommender/errors.py (InvalidExecutionInput, EndpointNotEligible, EndpointBusy, JobFailed,
# JobStopped, JobTimedOut, JobConflict) are final and go straight to the catch.
TRANSIENT_ERRORS = [
    "Lambda.ServiceException",
    "Lambda.AWSLambdaException",
    "Lambda.SdkClientException",
    "Lambda.TooManyRequestsException",
    "TransientAwsError",
    # A timed-out step is retried like any transient error (the steps are idempotent). Which name
    # Step Functions reports depends on who timed out: the task's own TimeoutSeconds gives
    # States.Timeout (not matched by States.TaskFailed); Lambda ending a function at its timeout
    # gives the invocation's error type, Sandbox.Timedout (Lambda troubleshooting guide), or
    # Lambda.Unknown when the payload names none (Step Functions best practices, "Handle Lambda
    # service exceptions": unhandled errors including function timeouts and out-of-memory).
    "States.Timeout",
    "Sandbox.Timedout",
    "Lambda.Unknown",
]
# A task waits a little longer than its function may run (Lambda's timeout, plus up to 10 s of
# init and the invocation's own latency), so Lambda's timeout is the one that normally fires.
TASK_TIMEOUT_MARGIN_SECONDS = 30
TASK_TIMEOUT_SECONDS = STEP_TIMEOUT_SECONDS + TASK_TIMEOUT_MARGIN_SECONDS
LOG_GROUP_PREFIX = "/aws/vendedlogs/states/"
# One hour past the run's deadline: the Check step stops the job at maxRunHours; this timeout is
# only the backstop (and the clean-up rule handles a TIMED_OUT execution).
TIMEOUT_MARGIN_SECONDS = 3600


class Workflow(Construct):
    """`self.state_machine`: Validate Endpoint -> Start Job -> (Wait For Job -> Check Job)* -> Publish Results."""

    def __init__(
        self, scope: Construct, construct_id: str, *, functions: Functions, max_run_seconds: int, retain_logs: bool
    ) -> None:
        super().__init__(scope, construct_id)
        # The execution as Step Functions knows it: the steps name runs and locks after it.
        execution = {
            "id": sfn.JsonPath.execution_id,
            "name": sfn.JsonPath.execution_name,
            "startTime": sfn.JsonPath.execution_start_time,
        }
        # Record Failure gets the execution and its input (from the context object: the state may
        # no longer hold it) beside the state at the failure, which the Catch extended with `error`;
        # its result is kept apart so the Fail state still finds the error and cause.
        record_failure = self._invoke(
            "Record Failure",
            functions.record_failure,
            payload=sfn.TaskInput.from_object(
                {
                    "execution": execution,
                    "input": sfn.JsonPath.object_at("$$.Execution.Input"),
                    "state": sfn.JsonPath.object_at("$"),
                }
            ),
            result_path="$.recorded",
        )
        record_failure.next(sfn.Fail(self, "Run Failed", error_path="$.error.Error", cause_path="$.error.Cause"))
        # Validate's state is the raw execution input, which need not be a JSON object (a Catch
        # cannot add `$.error` to a string): its Catch keeps only the error, and this Pass state
        # gives it the shape every other Catch produces.
        validation_failed = sfn.Pass(self, "Validation Failed", parameters={"error": sfn.JsonPath.object_at("$")}).next(
            record_failure
        )
        # Validate receives the raw input and the execution, and returns the small run state that
        # every later step receives whole and returns updated (its result replaces the state).
        validate = self._invoke(
            "Validate Endpoint",
            functions.validate,
            payload=sfn.TaskInput.from_object(
                {"input": sfn.JsonPath.object_at("$$.Execution.Input"), "execution": execution}
            ),
        )
        start = self._invoke("Start Job", functions.start)
        # The account's concurrent-job quota is used up: wait for a slot, with backoff and jitter (many
        # runs may be waiting: a fleet), until the run's deadline; Start Job itself ends the run
        # TIMED_OUT at the deadline, so the attempts only need to outlast it.
        start.add_retry(
            errors=["JobSlotUnavailable"],
            interval=Duration.seconds(SLOT_WAIT_FIRST_SECONDS),
            backoff_rate=2,
            max_delay=Duration.seconds(SLOT_WAIT_MAX_SECONDS),
            max_attempts=slot_wait_attempts(max_run_seconds),
            jitter_strategy=sfn.JitterType.FULL,
        )
        wait = sfn.Wait(self, "Wait For Job", time=sfn.WaitTime.seconds_path("$.poll.nextWaitSeconds"))
        check = self._invoke("Check Job", functions.check)
        publish = self._invoke("Publish Results", functions.publish)
        finished = (
            sfn.Choice(self, "Job Finished?")
            .when(sfn.Condition.string_equals("$.poll.status", "COMPLETED"), publish.next(sfn.Succeed(self, "Done")))
            .otherwise(wait)
        )
        validate.add_catch(validation_failed, errors=[sfn.Errors.ALL], result_path="$")
        for task in (start, check, publish):
            task.add_catch(record_failure, errors=[sfn.Errors.ALL], result_path="$.error")

        log_group = state_machine_logs(self, "", retain_logs=retain_logs)
        self.state_machine = sfn.StateMachine(
            self,
            "StateMachine",
            comment="Runs a SageMaker Inference Recommender job against an existing endpoint",
            state_machine_type=sfn.StateMachineType.STANDARD,
            definition_body=sfn.DefinitionBody.from_chainable(
                validate.next(start).next(wait).next(check).next(finished)
            ),
            timeout=Duration.seconds(max_run_seconds + TIMEOUT_MARGIN_SECONDS),
            tracing_enabled=True,
            # ALL levels, but never the execution data: the inputs and results stay out of the logs.
            logs=sfn.LogOptions(destination=log_group, level=sfn.LogLevel.ALL, include_execution_data=False),
        )
        # Start Job reads its own execution's status (an abort while it runs must stop the job it
        # creates). Its role's default policy cannot name the state machine (the machine depends on
        # the function, which depends on that policy): a policy of its own, attached to the role.
        # Only this state machine's executions: "execution:<name>:<execution id>".
        stack = Stack.of(self)
        describe_own_execution = iam.PolicyStatement(
            actions=["states:DescribeExecution"],
            resources=[
                stack.format_arn(
                    service="states",
                    resource="execution",
                    resource_name=f"{self.state_machine.state_machine_name}:*",
                    arn_format=ArnFormat.COLON_RESOURCE_NAME,
                )
            ],
        )
        start_role = functions.start.role
        assert start_role is not None  # every step has its own role (infra/functions.py)
        self.start_reads_its_execution = iam.Policy(
            self, "StartReadsItsExecution", statements=[describe_own_execution], roles=[start_role]
        )
        acknowledge_wildcards(
            self.start_reads_its_execution,
            "Start Job describes the execution that runs it, whose id is known only at run time: "
            "'execution:<this state machine's name>:*' is every execution of this state machine, no other.",
            describe_own_execution,
        )
        acknowledge(
            self.state_machine.role,
            "LambdaInvoke grants lambda:InvokeFunction on '<function ARN>:*' (any version or alias of "
            "the step's own function); log delivery and X-Ray (tracing) actions have no resource-level "
            "permissions and are granted on '*' by the Step Functions integration.",
            "AwsSolutions-IAM5[Resource::*]",
            *lambda_invoke_findings(self, *functions.all.values()),
        )

    def _invoke(
        self,
        name: str,
        function: lambda_.IFunction,
        *,
        payload: sfn.TaskInput | None = None,
        result_path: str | None = None,
    ) -> tasks.LambdaInvoke:
        return lambda_step(self, name, function, payload=payload, result_path=result_path)


def state_machine_logs(scope: Construct, infix: str, *, retain_logs: bool) -> logs.LogGroup:
    """A state machine's log group, `/aws/vendedlogs/states/<stack name>-<infix><stack id>`.

    Under /aws/vendedlogs/states/: Step Functions delivers logs through CloudWatch Logs' vended log
    delivery, which adds each log group to one account-wide resource policy (5,120 characters);
    names under this prefix are covered by a single wildcard entry instead. The stack's unique id
    ends the name: a log group retained by an earlier deployment (retainData) never collides with
    the next one's.
    """
    stack_uuid = Fn.select(2, Fn.split("/", Aws.STACK_ID))
    log_group = logs.LogGroup(
        scope,
        "Logs",
        log_group_name=f"{LOG_GROUP_PREFIX}{Aws.STACK_NAME}-{infix}{stack_uuid}",
        retention=LOG_RETENTION,
        removal_policy=RemovalPolicy.RETAIN if retain_logs else RemovalPolicy.DESTROY,
    )
    skip_checkov(log_group, "CKV_AWS_158", LOGS_ENCRYPTION)
    return log_group


def lambda_step(
    scope: Construct,
    name: str,
    function: lambda_.IFunction,
    *,
    payload: sfn.TaskInput | None = None,
    result_path: str | None = None,
) -> tasks.LambdaInvoke:
    """A Lambda step given the whole state (unless told) whose result replaces it (unless told), with
    one retrier, for transient errors only."""
    task = tasks.LambdaInvoke(
        scope,
        name,
        lambda_function=function,
        # No payload: with payload_response_only the task then passes the whole state ($).
        payload=payload,
        payload_response_only=True,
        # The CDK's own retrier would shadow ours (first match wins) and has no jitter.
        retry_on_service_exceptions=False,
        result_path=result_path,
        task_timeout=sfn.Timeout.duration(Duration.seconds(TASK_TIMEOUT_SECONDS)),
    )
    task.add_retry(
        errors=TRANSIENT_ERRORS,
        interval=Duration.seconds(2),
        backoff_rate=2,
        max_attempts=6,
        max_delay=Duration.seconds(60),
        jitter_strategy=sfn.JitterType.FULL,
    )
    return task
