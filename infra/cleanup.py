"""Clean-up: records executions that die where no Catch runs (timeout, abort, a failed catch)."""

from __future__ import annotations

from aws_cdk import Duration
from aws_cdk import aws_events as events
from aws_cdk import aws_events_targets as targets
from aws_cdk import aws_lambda as lambda_
from aws_cdk import aws_sqs as sqs
from aws_cdk import aws_stepfunctions as sfn
from constructs import Construct


class Cleanup(Construct):
    """`self.rule`: FAILED / TIMED_OUT / ABORTED executions of this state machine -> Record Failure.

    Record Failure receives the EventBridge event as is, stops the job if it still runs, records
    and notifies the run, and frees the endpoint lock. A FAILED execution whose failure was already
    recorded by the state machine's catch is recognised and left alone. EventBridge delivery is
    best-effort, hence the lock's own expiry (expiresAt) as the last backstop.
    """

    def __init__(
        self,
        scope: Construct,
        construct_id: str,
        *,
        state_machine: sfn.IStateMachine,
        record_failure: lambda_.IFunction,
        dead_letter_queue: sqs.IQueue,
    ) -> None:
        super().__init__(scope, construct_id)
        self.rule = events.Rule(
            self,
            "Rule",
            description="Records failed, timed-out and aborted Inference Recommender runs",
            event_pattern=events.EventPattern(
                source=["aws.states"],
                detail_type=["Step Functions Execution Status Change"],
                detail={
                    "status": ["FAILED", "TIMED_OUT", "ABORTED"],
                    "stateMachineArn": [state_machine.state_machine_arn],
                },
            ),
        )
        self.rule.add_target(
            targets.LambdaFunction(
                record_failure,
                retry_attempts=8,
                max_event_age=Duration.hours(2),
                dead_letter_queue=dead_letter_queue,
            )
        )
