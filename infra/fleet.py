"""Fleet runs: a second state machine that runs the single-endpoint workflow once per selected
endpoint, as child executions, at most `maxConcurrency` at once (Step Functions' own Map), and ends
in one summary.

Select Endpoints -> Run Each Endpoint (Map: Run Endpoint, startExecution.sync:2 -> Child Done |
Child Failed) -> Summarize Fleet -> Fleet Done. A child that fails is caught in its iteration:
a failed endpoint never fails the fleet.
"""

from __future__ import annotations

from aws_cdk import Duration, Stack
from aws_cdk import aws_stepfunctions as sfn
from aws_cdk import aws_stepfunctions_tasks as tasks
from constructs import Construct

from infra.functions import Functions
from infra.nag import acknowledge, lambda_invoke_findings, render
from infra.workflow import lambda_step, state_machine_logs

# A fleet waits for its children: 7 days covers 20 waves of 6-hour runs (200 endpoints, 10 at once).
FLEET_TIMEOUT = Duration.days(7)


class Fleet(Construct):
    """`self.state_machine`: the fleet workflow over `child` (the single-endpoint state machine)."""

    def __init__(
        self,
        scope: Construct,
        construct_id: str,
        *,
        functions: Functions,
        child: sfn.StateMachine,
        retain_logs: bool,
    ) -> None:
        super().__init__(scope, construct_id)
        execution = {
            "id": sfn.JsonPath.string_at("$$.Execution.Id"),
            "name": sfn.JsonPath.string_at("$$.Execution.Name"),
            "startTime": sfn.JsonPath.string_at("$$.Execution.StartTime"),
        }
        select = lambda_step(
            self,
            "Select Endpoints",
            functions.select_endpoints,
            payload=sfn.TaskInput.from_object(
                {"input": sfn.JsonPath.object_at("$$.Execution.Input"), "execution": execution}
            ),
        )
        # The child execution's name is stable per fleet execution and endpoint (Select Endpoints):
        # a retried start finds the running child instead of starting a second one.
        run_child = tasks.StepFunctionsStartExecution(
            self,
            "Run Endpoint",
            state_machine=child,
            integration_pattern=sfn.IntegrationPattern.RUN_JOB,
            name=sfn.JsonPath.string_at("$.childName"),
            input=sfn.TaskInput.from_json_path_at("$.input"),
            result_selector={"executionStatus": sfn.JsonPath.string_at("$.Status")},
            result_path="$.child",
        )
        done = sfn.Pass(
            self,
            "Child Done",
            parameters={
                "endpointName": sfn.JsonPath.string_at("$.endpointName"),
                "childName": sfn.JsonPath.string_at("$.childName"),
                "executionStatus": sfn.JsonPath.string_at("$.child.executionStatus"),
            },
        )
        failed = sfn.Pass(
            self,
            "Child Failed",
            parameters={
                "endpointName": sfn.JsonPath.string_at("$.endpointName"),
                "childName": sfn.JsonPath.string_at("$.childName"),
                "executionStatus": "FAILED",
                "error": sfn.JsonPath.string_at("$.failure.Error"),
            },
        )
        run_child.add_catch(failed, errors=[sfn.Errors.ALL], result_path="$.failure")
        each = sfn.Map(
            self,
            "Run Each Endpoint",
            items_path="$.items",
            max_concurrency_path="$.maxConcurrency",
            result_path="$.results",
        )
        each.item_processor(run_child.next(done))
        summarize = lambda_step(
            self,
            "Summarize Fleet",
            functions.summarize_fleet,
            payload=sfn.TaskInput.from_object(
                {
                    "selection": {
                        key: sfn.JsonPath.string_at(f"$.{key}")
                        for key in ("fleetName", "executionArn", "startedAt", "trigger", "concurrencySource")
                    }
                    | {
                        "items": sfn.JsonPath.list_at("$.items"),
                        "skipped": sfn.JsonPath.list_at("$.skipped"),
                        "maxConcurrency": sfn.JsonPath.number_at("$.maxConcurrency"),
                    },
                    "results": sfn.JsonPath.list_at("$.results"),
                    "childStateMachineArn": child.state_machine_arn,
                }
            ),
        )
        log_group = state_machine_logs(self, "fleet-", retain_logs=retain_logs)
        self.state_machine = sfn.StateMachine(
            self,
            "StateMachine",
            comment="Runs the Inference Recommender workflow on every endpoint of a fleet, within the job quota",
            state_machine_type=sfn.StateMachineType.STANDARD,
            definition_body=sfn.DefinitionBody.from_chainable(
                select.next(each).next(summarize).next(sfn.Succeed(self, "Fleet Done"))
            ),
            timeout=FLEET_TIMEOUT,
            tracing_enabled=True,
            logs=sfn.LogOptions(destination=log_group, level=sfn.LogLevel.ALL, include_execution_data=False),
        )
        acknowledge(
            self.state_machine.role,
            "startExecution.sync:2 needs states:DescribeExecution and states:StopExecution on the child's "
            "executions ('execution:<child state machine>:*', names known only at run time) and the managed "
            "EventBridge rule StepFunctionsGetEventsForStepFunctionsExecutionRule; LambdaInvoke grants "
            "'<function ARN>:*' (versions and aliases of the step's own function); log delivery and X-Ray "
            "have no resource-level permissions.",
            "AwsSolutions-IAM5[Resource::*]",
            child_executions_finding(child),
            *lambda_invoke_findings(self, functions.select_endpoints, functions.summarize_fleet),
        )


def child_executions_finding(child: sfn.StateMachine) -> str:
    """The cdk-nag finding of startExecution.sync:2's grant on the child's executions, as cdk-nag
    renders it (`execution:<child state machine name>*`, the name split out of its ARN)."""
    machine = Stack.of(child).get_logical_id(child.node.default_child)  # type: ignore[arg-type]
    name = render({"Fn::Select": [6, {"Fn::Split": [":", {"Ref": machine}]}]})
    return f"AwsSolutions-IAM5[Resource::arn:<AWS::Partition>:states:<AWS::Region>:<AWS::AccountId>:execution:{name}*]"
