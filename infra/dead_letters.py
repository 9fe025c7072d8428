"""Dead letters: one queue for everything delivered asynchronously that could not be delivered."""

from __future__ import annotations

from aws_cdk import Duration, RemovalPolicy
from aws_cdk import aws_sqs as sqs
from constructs import Construct

from infra.nag import acknowledge, skip_checkov


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
        skip_checkov(
            self.queue,
            "CKV_AWS_27",
            "Encrypted at rest with SQS-managed keys (SSE-SQS, SqsManagedSseEnabled); checkov only "
            "recognises KmsMasterKeyId. A KMS key would need grants for every sender (Scheduler, "
            "EventBridge, SNS, Lambda) for no gain on messages that only say what failed.",
        )
