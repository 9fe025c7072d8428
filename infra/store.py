"""Results store: one DynamoDB table for run history and the per-endpoint lock (README: Run record)."""

from __future__ import annotations

from aws_cdk import RemovalPolicy
from aws_cdk import aws_dynamodb as dynamodb
from constructs import Construct

from infra.nag import skip_checkov

JOB_TYPE_INDEX = "byJobType"  # lambdas/recommender/adapters/store.py


class ResultsStore(Construct):
    """`self.table`: endpointName (S) + runKey (S), on demand, PITR, TTL on the lock's expiresAt;
    the sparse index `byJobType` (jobType + runKey) holds the run items only (the lock has no
    jobType): Start Job reads the account's newest runs of a job type from it, for the first run
    of an endpoint (README: The wait schedule)."""

    def __init__(self, scope: Construct, construct_id: str, *, retain: bool) -> None:
        super().__init__(scope, construct_id)
        # dynamodb.Table, not TableV2: the offline runner (moto's CloudFormation) knows
        # AWS::DynamoDB::Table but not AWS::DynamoDB::GlobalTable.
        self.table = dynamodb.Table(
            self,
            "Table",
            partition_key=dynamodb.Attribute(name="endpointName", type=dynamodb.AttributeType.STRING),
            sort_key=dynamodb.Attribute(name="runKey", type=dynamodb.AttributeType.STRING),
            billing_mode=dynamodb.BillingMode.PAY_PER_REQUEST,
            point_in_time_recovery_specification=dynamodb.PointInTimeRecoverySpecification(
                point_in_time_recovery_enabled=True
            ),
            # Only the LOCK item carries expiresAt: an abandoned lock disappears on its own.
            time_to_live_attribute="expiresAt",
            encryption=dynamodb.TableEncryption.AWS_MANAGED,
            # The run history is the product: keep it when the stack goes unless told otherwise.
            removal_policy=RemovalPolicy.RETAIN if retain else RemovalPolicy.DESTROY,
        )
        self.table.add_global_secondary_index(
            index_name=JOB_TYPE_INDEX,
            partition_key=dynamodb.Attribute(name="jobType", type=dynamodb.AttributeType.STRING),
            sort_key=dynamodb.Attribute(name="runKey", type=dynamodb.AttributeType.STRING),
            # Only what the history query reads: each run item is copied as a few bytes.
            projection_type=dynamodb.ProjectionType.INCLUDE,
            non_key_attributes=["status", "durationSeconds"],
        )
        skip_checkov(
            self.table,
            "CKV_AWS_119",
            "Encrypted at rest with the AWS-managed DynamoDB key (SSE with KMS, aws/dynamodb): the run "
            "history holds recommendations and ARNs, no secrets or personal data; a customer-managed "
            "key would add cost and a key whose deletion destroys the retained history.",
        )
