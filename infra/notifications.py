"""Notifications: the KMS-encrypted, TLS-only SNS topic every run result and alarm goes to."""

from __future__ import annotations

from collections.abc import Sequence

from aws_cdk import Duration, RemovalPolicy, Stack
from aws_cdk import aws_iam as iam
from aws_cdk import aws_kms as kms
from aws_cdk import aws_sns as sns
from aws_cdk import aws_sns_subscriptions as subscriptions
from aws_cdk import aws_sqs as sqs
from constructs import Construct

CLOUDWATCH = "cloudwatch.amazonaws.com"


class Notifications(Construct):
    """`self.topic` (encrypted with `self.key`) with the configured email subscriptions."""

    def __init__(
        self, scope: Construct, construct_id: str, *, emails: Sequence[str], dead_letter_queue: sqs.IQueue
    ) -> None:
        super().__init__(scope, construct_id)
        stack = Stack.of(self)
        self.key = kms.Key(
            self,
            "Key",
            description="Encrypts the Inference Recommender orchestrator's notification topic",
            enable_key_rotation=True,
            # Only messages in flight are encrypted with it: nothing stored outlives the stack.
            removal_policy=RemovalPolicy.DESTROY,
            pending_window=Duration.days(7),
        )
        self.topic = sns.Topic(
            self,
            "Topic",
            display_name="Inference Recommender runs",
            master_key=self.key,
            enforce_ssl=True,
        )
        # CloudWatch alarms publish to the topic: SNS encrypts with the publisher's access, so the
        # alarm service needs the key; and the topic policy (which enforce_ssl makes explicit, so
        # SNS's default owner-account policy no longer applies) must let it publish.
        # Confused-deputy protection: only alarms of this account and region may have CloudWatch
        # use the key (the same conditions as the topic policy below).
        alarms_of_this_account = {
            "ArnLike": {"aws:SourceArn": f"arn:{stack.partition}:cloudwatch:{stack.region}:{stack.account}:alarm:*"},
            "StringEquals": {"aws:SourceAccount": stack.account},
        }
        self.key.add_to_resource_policy(
            iam.PolicyStatement(
                principals=[iam.ServicePrincipal(CLOUDWATCH)],
                actions=["kms:Decrypt", "kms:GenerateDataKey*"],
                resources=["*"],  # in a key policy "*" means this key
                conditions=alarms_of_this_account,
            )
        )
        self.topic.add_to_resource_policy(
            iam.PolicyStatement(
                principals=[iam.ServicePrincipal(CLOUDWATCH)],
                actions=["sns:Publish"],
                resources=[self.topic.topic_arn],
                conditions=alarms_of_this_account,
            )
        )
        for email in emails:
            self.topic.add_subscription(subscriptions.EmailSubscription(email, dead_letter_queue=dead_letter_queue))
