"""Dead letters: one queue for everything delivered asynchronously that could not be delivered."""

from __future__ import annotations

from aws_cdk import Duration, RemovalPolicy
from aws_cdk import aws_sqs as sqs
from constructs import Construct

from infra.nag import acknowledge


class DeadLetters(Construct):
    """`self.queue`: schedules, the clean-up rule, Record Failure's async invocations and the
    topic's subscriptions send what they could not deliver here (one alarm watches it)."""

    def __init__(self, scope: Construct, construct_id: str) -> None:
        super().__init__(scope, construct_id)
        self.queue = sqs.Queue(
            self,
            "Queue",
            # SQS-managed keys: the senders (Scheduler, EventBridge, SNS, Lambda) need no KMS grants.
            encryption=sqs.QueueEncryption.SQS_MANAGED,
            enforce_ssl=True,
            retention_period=Duration.days(14),
            removal_policy=RemovalPolicy.DESTROY,
        )
        acknowledge(
            self.queue,
            "This queue is itself the dead-letter queue (of the schedules, the clean-up rule, Record "
            "Failure's async invocations and the topic's subscriptions): a queue behind it would only "
            "move the problem; the DeadLetters alarm makes people look at its messages.",
            "Serverless-SQSRedrivePolicy",
        )
