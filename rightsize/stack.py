"""A deployed stack, found by name from its CloudFormation outputs, and what the CLI reads from it:
executions (Step Functions) and run records (the results table).

Every AWS error a person can meet becomes a `CliError`: one line that says what to do.
"""

from __future__ import annotations

import json
from collections.abc import Iterator
from dataclasses import dataclass
from typing import Any

from botocore.exceptions import (
    BotoCoreError,
    ClientError,
    EndpointConnectionError,
    NoCredentialsError,
    NoRegionError,
    PartialCredentialsError,
    ProfileNotFound,
)

from recommender.models import RunRecord

# The stack name infra/application.py deploys (`cdk deploy`).
DEFAULT_STACK = "InferenceRecommenderOrchestrator"
# The outputs infra/stack.py declares (FleetStateMachineArn: stacks deployed since fleet runs exist).
OUTPUTS = ("StateMachineArn", "TableName", "TopicArn")
FLEET_OUTPUT = "FleetStateMachineArn"
CREDENTIAL_CODES = frozenset(
    {
        "ExpiredToken",
        "ExpiredTokenException",
        "InvalidClientTokenId",
        "UnrecognizedClientException",
        "SignatureDoesNotMatch",
    }
)


class CliError(Exception):
    """A problem the person can fix: printed as one line, no traceback."""

    def __init__(self, message: str, exit_code: int = 1) -> None:
        super().__init__(message)
        self.exit_code = exit_code


def explain(exc: Exception, *, region: str | None, doing: str) -> CliError:
    """The one line for an AWS error met while `doing` something."""
    if isinstance(exc, NoCredentialsError | PartialCredentialsError):
        return CliError(
            "no AWS credentials found: run `aws configure` (or `aws sso login`), set AWS_PROFILE, or pass --profile"
        )
    if isinstance(exc, ProfileNotFound):
        return CliError(f"{exc}: check --profile / AWS_PROFILE against ~/.aws/config")
    if isinstance(exc, NoRegionError):
        return CliError("no AWS region: pass --region, set AWS_REGION, or give your profile a region")
    if isinstance(exc, EndpointConnectionError):
        return CliError(f"cannot reach AWS in region {region!r} while {doing}: check the region name and your network")
    if isinstance(exc, ClientError):
        error = exc.response.get("Error", {})
        code, message = str(error.get("Code", "")), str(error.get("Message", ""))
        if code in CREDENTIAL_CODES:
            return CliError(
                f"AWS refused your credentials ({code}): refresh them (`aws sso login`) or pick another profile"
            )
        if code in {"AccessDenied", "AccessDeniedException"}:
            needed = message.rsplit(" is not authorized to perform: ", maxsplit=1)[-1]
            return CliError(f"access denied while {doing}: your role needs {needed}")
        return CliError(f"AWS error while {doing}: {code}: {message}")
    if isinstance(exc, BotoCoreError):
        return CliError(f"AWS error while {doing}: {exc}")
    return CliError(f"unexpected error while {doing}: {exc}")


@dataclass
class Stack:
    """The stack's resources and the clients to reach them."""

    name: str
    region: str
    state_machine_arn: str
    table_name: str
    topic_arn: str
    session: Any
    fleet_state_machine_arn: str | None = None

    # ------------------------------------------------------------------ finding it
    @classmethod
    def connect(cls, name: str = DEFAULT_STACK, *, region: str | None = None, profile: str | None = None) -> Stack:
        import boto3  # here, not at import: `rightsize --help` and `check-input` need no AWS SDK

        try:
            session = boto3.Session(profile_name=profile, region_name=region)
        except ProfileNotFound as exc:
            raise explain(exc, region=region, doing="reading your AWS profile") from None
        where = session.region_name
        if not where:
            raise explain(NoRegionError(), region=None, doing="")
        try:
            found = session.client("cloudformation").describe_stacks(StackName=name)["Stacks"]
        except ClientError as exc:
            error = exc.response.get("Error", {})
            if error.get("Code") == "ValidationError" and "does not exist" in str(error.get("Message")):
                raise CliError(
                    f"stack {name} not found in {where}: deploy it (`make deploy`), or pass --stack / --region "
                    "where it is deployed"
                ) from None
            raise explain(exc, region=where, doing=f"looking for stack {name}") from None
        except BotoCoreError as exc:
            raise explain(exc, region=where, doing=f"looking for stack {name}") from None
        outputs = {o["OutputKey"]: o["OutputValue"] for o in found[0].get("Outputs") or []}
        missing = [key for key in OUTPUTS if key not in outputs]
        if missing:
            raise CliError(
                f"stack {name} in {where} has no output {', '.join(missing)}: it is not an Inference Recommender "
                f"orchestrator stack (status {found[0].get('StackStatus')}); pass --stack with the right name"
            )
        return cls(
            name=name,
            region=where,
            state_machine_arn=outputs["StateMachineArn"],
            table_name=outputs["TableName"],
            topic_arn=outputs["TopicArn"],
            session=session,
            fleet_state_machine_arn=outputs.get(FLEET_OUTPUT),
        )

    def client(self, service: str) -> Any:
        return self.session.client(service, region_name=self.region)

    def call(self, service: str, operation: str, doing: str, **params: Any) -> Any:
        """One API call; its errors as one line."""
        try:
            return getattr(self.client(service), operation)(**params)
        except (BotoCoreError, ClientError) as exc:
            raise explain(exc, region=self.region, doing=doing) from None

    # ------------------------------------------------------------------ executions
    def execution_arn(self, reference: str, machine: str | None = None) -> str:
        """An execution ARN from an ARN or an execution name of `machine` (default: the workflow)."""
        if reference.startswith("arn:"):
            return reference
        prefix = (machine or self.state_machine_arn).replace(":stateMachine:", ":execution:", 1)
        return f"{prefix}:{reference}"

    @property
    def fleet_machine(self) -> str:
        """The fleet state machine's ARN, or why there is none."""
        if not self.fleet_state_machine_arn:
            raise CliError(
                f"stack {self.name} has no {FLEET_OUTPUT} output: it predates fleet runs; update it (`make deploy`)"
            )
        return self.fleet_state_machine_arn

    def describe_execution(self, reference: str, machine: str | None = None) -> dict[str, Any]:
        arn = self.execution_arn(reference, machine)
        try:
            return dict(self.client("stepfunctions").describe_execution(executionArn=arn))
        except ClientError as exc:
            if exc.response.get("Error", {}).get("Code") in {"ExecutionDoesNotExist", "InvalidArn"}:
                raise CliError(
                    f"no execution {reference} in stack {self.name} ({self.region}): "
                    "`rightsize status` lists the recent ones"
                ) from None
            raise explain(exc, region=self.region, doing=f"reading execution {reference}") from None
        except BotoCoreError as exc:
            raise explain(exc, region=self.region, doing=f"reading execution {reference}") from None

    def history(self, execution_arn: str) -> list[dict[str, Any]]:
        """The execution's events, oldest first, every page."""
        events: list[dict[str, Any]] = []
        token: str | None = None
        while True:
            page = self.call(
                "stepfunctions",
                "get_execution_history",
                "reading the execution's history",
                executionArn=execution_arn,
                maxResults=1000,
                **({"nextToken": token} if token else {}),
            )
            events += page["events"]
            token = page.get("nextToken")
            if not token:
                return events

    def recent_executions(self, limit: int, machine: str | None = None) -> list[dict[str, Any]]:
        page = self.call(
            "stepfunctions",
            "list_executions",
            "listing executions",
            stateMachineArn=machine or self.state_machine_arn,
            maxResults=limit,
        )
        return list(page["executions"])

    def fleet_record(self, fleet_name: str, started_at: str) -> Any:
        """The fleet run's record (None until Summarize Fleet wrote it)."""
        from recommender.adapters.store import FLEET_KEY, from_item
        from recommender.models import FleetRecord

        item = self.call(
            "dynamodb",
            "get_item",
            f"reading fleet run {fleet_name}",
            TableName=self.table_name,
            Key={"endpointName": {"S": FLEET_KEY}, "runKey": {"S": f"FLEET#{started_at}#{fleet_name}"}},
        ).get("Item")
        if not item:
            return None
        values = {k: v for k, v in from_item(item).items() if k not in ("endpointName", "runKey", "notifiedAt")}
        return FleetRecord.model_validate(values)

    # ------------------------------------------------------------------ run records
    def runs(self, endpoint: str, *, limit: int, after: str | None = None) -> tuple[list[RunRecord], str | None]:
        """Up to `limit` runs of the endpoint, newest first, after run key `after`; and the run key
        to continue from (None when there are no more)."""
        found: list[RunRecord] = []
        start: dict[str, Any] | None = {"endpointName": {"S": endpoint}, "runKey": {"S": after}} if after else None
        while len(found) < limit:
            page = self.call(
                "dynamodb",
                "query",
                f"reading the runs of {endpoint}",
                TableName=self.table_name,
                KeyConditionExpression="endpointName = :e AND begins_with(runKey, :run)",
                ExpressionAttributeValues={":e": {"S": endpoint}, ":run": {"S": "RUN#"}},
                ScanIndexForward=False,
                Limit=limit - len(found),
                **({"ExclusiveStartKey": start} if start else {}),
            )
            found += [record_of(item) for item in page.get("Items", [])]
            start = page.get("LastEvaluatedKey")
            if not start:
                return found, None
        return found, str(start["runKey"]["S"]) if start else None

    def iter_runs(self, endpoint: str, page_size: int = 100) -> Iterator[RunRecord]:
        after = None
        while True:
            runs, after = self.runs(endpoint, limit=page_size, after=after)
            yield from runs
            if after is None:
                return

    def lock(self, endpoint: str) -> dict[str, Any] | None:
        from recommender.adapters.store import LOCK_KEY, from_item

        item = self.call(
            "dynamodb",
            "get_item",
            f"reading the lock of {endpoint}",
            TableName=self.table_name,
            Key={"endpointName": {"S": endpoint.lower()}, "runKey": {"S": LOCK_KEY}},
            ConsistentRead=True,
        ).get("Item")
        return from_item(item) if item else None


def record_of(item: dict[str, Any]) -> RunRecord:
    """The run record in a run item (the table's own keys left out)."""
    from recommender.adapters.store import from_item, record_from_item

    return record_from_item(from_item(item))


def execution_input(execution: dict[str, Any]) -> dict[str, Any]:
    """The execution's input as a dict ({} when it is not a JSON object)."""
    try:
        value = json.loads(execution.get("input") or "{}")
    except ValueError:
        return {}
    return value if isinstance(value, dict) else {}
