"""What the handler tests share: the deployment's constants, event builders, and readers of moto's state.

The handlers are called exactly as Lambda calls them (`<module>.lambda_handler(event, context)`),
with the event shapes the state machine sends (infra/workflow.py):

- Validate Endpoint: ``{"input": <execution input>, "execution": {"id", "name", "startTime"}}``;
- Start Job / Check Job / Publish Results: the previous step's output (the RunState wire dict);
- Record Failure: ``{"execution": <$$.Execution>, "input": <$$.Execution.Input>, "state": <the state
  at the failure plus the Catch's ``error``>}``, or the EventBridge "Step Functions Execution Status
  Change" event.
"""

from __future__ import annotations

import functools
import hashlib
import json
from dataclasses import dataclass
from datetime import UTC, datetime
from typing import Any

import boto3
from mypy_boto3_application_autoscaling import ApplicationAutoScalingClient
from mypy_boto3_cloudwatch import CloudWatchClient
from mypy_boto3_dynamodb import DynamoDBClient
from mypy_boto3_sagemaker import SageMakerClient
from mypy_boto3_sqs import SQSClient

from simulator.clock import SimulatedClock
from simulator.fake_quotas import FakeServiceQuotas
from simulator.fake_recommender import FakeInferenceRecommender
from simulator.seed import EndpointSpec
from simulator.strict import StrictWorld

ACCOUNT = "123456789012"
REGION = "us-east-1"
TABLE_NAME = "ir-orchestrator-runs"
TOPIC_NAME = "ir-orchestrator-notifications"
QUEUE_NAME = "ir-orchestrator-subscriber"
JOB_ROLE_ARN = f"arn:aws:iam::{ACCOUNT}:role/ir-orchestrator-job-role"
JOB_NAME_PREFIX = "ir-orchestrator"
STATE_MACHINE_ARN = f"arn:aws:states:{REGION}:{ACCOUNT}:stateMachine:ir-orchestrator"
NAMESPACE = "InferenceRecommenderOrchestrator"
LOCK_GRACE_SECONDS = 900  # the Settings default: a lock outlives the run's deadline by 15 minutes

# The simulated clock starts at the execution's start (to the second); Step Functions gives
# `$$.Execution.StartTime` with milliseconds.
START = datetime(2026, 11, 25, 3, 0, 0, tzinfo=UTC)
START_TIME = "2026-11-25T03:00:00.123Z"
START_MS = int(START.timestamp() * 1000) + 123
STARTED_AT = "2026-11-25T03:00:00Z"
DEADLINE = "2026-11-25T09:00:00Z"  # START + MAX_RUN_HOURS (6)

ENDPOINT = "demo-endpoint"
# The most Wait/Check rounds a test follows before it fails instead of hanging: a run at these
# settings (60/120 s, 6 h) makes ~200 checks at most (logic/polling.py `worst_case_checks`).
MAX_CHECKS = 1000
ENDPOINT_SPEC = EndpointSpec(name=ENDPOINT, instance_type="ml.m5.xlarge", instance_count=2)
STOP = "StopInferenceRecommendationsJob"
# An Advanced run's load test, as the execution input gives it.
ADVANCED_LOAD_TEST: dict[str, Any] = {
    "jobType": "Advanced",
    "jobDurationInSeconds": 7200,
    "trafficPattern": {
        "TrafficType": "PHASES",
        "Phases": [{"InitialNumberOfUsers": 1, "SpawnRate": 1, "DurationInSeconds": 120}],
    },
    "stoppingConditions": {"MaxInvocations": 300},
}

ENVIRONMENT = {
    "TABLE_NAME": TABLE_NAME,
    "JOB_ROLE_ARN": JOB_ROLE_ARN,
    "JOB_NAME_PREFIX": JOB_NAME_PREFIX,
    "POLL_INITIAL_SECONDS": "60",
    "POLL_MAX_SECONDS": "120",
    "MAX_RUN_HOURS": "6",
    "LIVE_TRAFFIC_LOOKBACK_MINUTES": "60",
    "LIVE_TRAFFIC_MAX_INVOCATIONS": "0",
    "POWERTOOLS_METRICS_NAMESPACE": NAMESPACE,
    "POWERTOOLS_SERVICE_NAME": "test",
    "AWS_DEFAULT_REGION": REGION,
    "AWS_ACCESS_KEY_ID": "testing",
    "AWS_SECRET_ACCESS_KEY": "testing",
    "AWS_SECURITY_TOKEN": "testing",
    "AWS_SESSION_TOKEN": "testing",
}


def execution_arn(name: str = "run-1") -> str:
    return f"arn:aws:states:{REGION}:{ACCOUNT}:execution:ir-orchestrator:{name}"


def execution(name: str = "run-1") -> dict[str, str]:
    """`$$.Execution` as the Validate payload carries it."""
    return {"id": execution_arn(name), "name": name, "startTime": START_TIME}


def expected_job_name(name: str = "run-1", endpoint: str = ENDPOINT, started_at: str = STARTED_AT) -> str:
    """The documented naming scheme, computed independently of recommender.logic.naming."""
    digest = hashlib.sha256(f"{execution_arn(name)}#{started_at}".encode()).hexdigest()[:16]
    return f"{JOB_NAME_PREFIX}-{digest}-{endpoint}"


def run_key(job_name: str, started_at: str = STARTED_AT) -> str:
    return f"RUN#{started_at}#{job_name}"


def caught(state: Any, exc: BaseException, name: str = "run-1") -> dict[str, Any]:
    """Record Failure's payload from a Catch (infra/workflow.py).

    The execution and its input (the context object) beside the state at the failure, which the
    Catch extended with the Lambda error (ResultPath `$.error`). `state` is the run state after
    Validate; when Validate itself failed it is the raw execution input, and the state Record
    Failure sees holds only the error (Validate's Catch and the "Validation Failed" Pass state).
    """
    cause = {"errorMessage": str(exc), "errorType": type(exc).__name__, "requestId": "r-1", "stackTrace": []}
    error = {"Error": type(exc).__name__, "Cause": json.dumps(cause)}
    if isinstance(state, dict) and "request" in state:
        return {"execution": execution(name), "input": state["request"], "state": {**state, "error": error}}
    return {"execution": execution(name), "input": state, "state": {"error": error}}


def status_change(
    status: str,
    execution_input: dict[str, Any],
    *,
    name: str = "run-1",
    stopped_at: datetime | None = None,
    error: str | None = None,
    cause: str | None = None,
) -> dict[str, Any]:
    """The EventBridge "Step Functions Execution Status Change" event for a finished execution."""
    stop = stopped_at or START
    return {
        "version": "0",
        "id": "7b3a54a6-0000-0000-0000-000000000000",
        "detail-type": "Step Functions Execution Status Change",
        "source": "aws.states",
        "account": ACCOUNT,
        "time": stop.strftime("%Y-%m-%dT%H:%M:%SZ"),
        "region": REGION,
        "resources": [execution_arn(name)],
        "detail": {
            "executionArn": execution_arn(name),
            "stateMachineArn": STATE_MACHINE_ARN,
            "name": name,
            "status": status,
            "startDate": START_MS,
            "stopDate": int(stop.timestamp() * 1000),
            "input": json.dumps(execution_input),
            "output": None,
            "error": error,
            "cause": cause,
        },
    }


# --------------------------------------------------------------------------- DynamoDB (raw)
def attr_value(attr: dict[str, Any]) -> Any:
    """A raw DynamoDB attribute as plain Python (numbers parsed from their N strings)."""
    ((kind, value),) = attr.items()
    if kind == "N":
        number = float(value)
        return int(number) if number.is_integer() else number
    if kind == "M":
        return {k: attr_value(v) for k, v in value.items()}
    if kind == "L":
        return [attr_value(v) for v in value]
    if kind == "NULL":
        return None
    return value


def plain(item: dict[str, Any]) -> dict[str, Any]:
    return {k: attr_value(v) for k, v in item.items()}


def number_types(attr: dict[str, Any]) -> set[str]:
    """Every attribute type used for the leaves of `attr` (to prove numbers are N)."""
    ((kind, value),) = attr.items()
    if kind == "M":
        return set().union(*(number_types(v) for v in value.values())) if value else set()
    if kind == "L":
        return set().union(*(number_types(v) for v in value)) if value else set()
    return {kind}


@functools.cache
def shared_client(session: boto3.session.Session, service: str) -> Any:
    return session.client(service)  # type: ignore[call-overload]


@dataclass(frozen=True)
class Notification:
    """One SNS message as the SQS subscriber received it (RawMessageDelivery false)."""

    subject: str
    attributes: dict[str, str]
    body: dict[str, Any]  # the `sqs` member of the MessageStructure=json message, parsed


@dataclass
class World:
    """The moto account the handlers run against, with readers for what they did."""

    sagemaker: SageMakerClient
    dynamodb: DynamoDBClient
    sqs: SQSClient
    queue_url: str
    topic_arn: str
    package_arn: str
    fake: FakeInferenceRecommender
    session: boto3.session.Session
    strict: StrictWorld  # every call the handlers made, as IAM evaluated it (simulator/strict)
    service_quotas: FakeServiceQuotas  # what Service Quotas lists for SageMaker (no job quota unless set)

    def cloudwatch(self) -> CloudWatchClient:
        return shared_client(self.session, "cloudwatch")

    def autoscaling(self) -> ApplicationAutoScalingClient:
        return shared_client(self.session, "application-autoscaling")

    def input(self, **overrides: Any) -> dict[str, Any]:
        """An execution input for the seeded endpoint and model package."""
        return {"endpointName": ENDPOINT, "modelPackageVersionArn": self.package_arn, **overrides}

    def validate_event(self, execution_input: Any = None, name: str = "run-1") -> dict[str, Any]:
        return {"input": self.input() if execution_input is None else execution_input, "execution": execution(name)}

    # -- DynamoDB
    def raw_item(self, endpoint: str, key: str) -> dict[str, Any] | None:
        found = self.dynamodb.get_item(
            TableName=TABLE_NAME, Key={"endpointName": {"S": endpoint}, "runKey": {"S": key}}, ConsistentRead=True
        )
        return dict(found["Item"]) if "Item" in found else None

    def item(self, endpoint: str, key: str) -> dict[str, Any] | None:
        raw = self.raw_item(endpoint, key)
        return plain(raw) if raw is not None else None

    def lock(self, endpoint: str = ENDPOINT) -> dict[str, Any] | None:
        """The endpoint's lock item (under the lower-cased name: endpoint names ignore case)."""
        return self.item(endpoint.lower(), "LOCK")

    def runs(self, endpoint: str = ENDPOINT) -> list[dict[str, Any]]:
        page = self.dynamodb.query(
            TableName=TABLE_NAME,
            KeyConditionExpression="endpointName = :e AND begins_with(runKey, :run)",
            ExpressionAttributeValues={":e": {"S": endpoint}, ":run": {"S": "RUN#"}},
        )
        return [plain(item) for item in page["Items"]]

    def put_item(self, item: dict[str, Any]) -> None:
        self.dynamodb.put_item(TableName=TABLE_NAME, Item=item)

    # -- SNS through the SQS subscription
    def notifications(self) -> list[Notification]:
        """Every message delivered to the subscriber since the last call (drains the queue)."""
        received: list[Notification] = []
        while True:
            page = self.sqs.receive_message(QueueUrl=self.queue_url, MaxNumberOfMessages=10, WaitTimeSeconds=0)
            messages = page.get("Messages", [])
            if not messages:
                return received
            for message in messages:
                envelope = json.loads(message["Body"])
                received.append(
                    Notification(
                        subject=envelope.get("Subject", ""),
                        attributes={k: v["Value"] for k, v in envelope.get("MessageAttributes", {}).items()},
                        body=json.loads(envelope["Message"]),
                    )
                )
                self.sqs.delete_message(QueueUrl=self.queue_url, ReceiptHandle=message["ReceiptHandle"])

    def published_documents(self) -> list[dict[str, str]]:
        """The MessageStructure=json documents as published to the topic (all protocol keys)."""
        from moto.sns.models import sns_backends

        topic = sns_backends[ACCOUNT][REGION].topics[self.topic_arn]
        return [json.loads(message) for _, message, *_ in topic.sent_notifications]

    # -- the fake Inference Recommender
    def calls(self, operation: str) -> list[dict[str, Any]]:
        """Parameters of every call of `operation` the fake received (failed ones included)."""
        return [params for name, params in self.fake.calls if name == operation]

    def job_status(self, job_name: str) -> str:
        return self.sagemaker.describe_inference_recommendations_job(JobName=job_name)["Status"]


class Steps:
    """Runs earlier steps of a run the way the state machine would, to set up the step under test.

    Handlers are imported on first use: Powertools reads its environment when they are imported.
    """

    def __init__(self, world: World, context: Any) -> None:
        self.world = world
        self.context = context

    def validate(self, execution_input: Any = None, name: str = "run-1") -> dict[str, Any]:
        from recommender.handlers import validate

        return validate.lambda_handler(self.world.validate_event(execution_input, name), self.context)

    def start(self, state: dict[str, Any]) -> dict[str, Any]:
        from recommender.handlers import start

        return start.lambda_handler(state, self.context)

    def check(self, state: dict[str, Any]) -> dict[str, Any]:
        from recommender.handlers import check

        return check.lambda_handler(state, self.context)

    def started(self, execution_input: Any = None, name: str = "run-1") -> dict[str, Any]:
        """Validate then Start: the state the first Wait receives."""
        return self.start(self.validate(execution_input, name))

    def completed(self, clock: SimulatedClock, name: str = "run-1") -> dict[str, Any]:
        """Validate, Start, then Wait/Check until the job is COMPLETED: the state Publish receives."""
        state = self.started(name=name)
        assert state["poll"] is not None
        for _ in range(MAX_CHECKS):
            if state["poll"]["status"] == "COMPLETED":
                break
            clock.advance(state["poll"]["nextWaitSeconds"])
            state = self.check(state)
        assert state["poll"]["status"] == "COMPLETED", f"not COMPLETED after {MAX_CHECKS} checks: {state['poll']}"
        return state
