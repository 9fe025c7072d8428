"""The results table: endpoint lock, run history and run items."""

from __future__ import annotations

import math
from decimal import Decimal
from typing import Any

from botocore.exceptions import ClientError

from recommender.adapters.aws import client, error_code
from recommender.models import FleetRecord, RunRecord

LOCK_KEY = "LOCK"
# How long a lock stays held for a job that was asked to stop and is still stopping: the next run
# waits for that job to end, and at the latest for this long.
DRAIN_SECONDS = 3600
HISTORY_SCAN_LIMIT = 50
# On-demand prices change rarely: the Price List API's answers are kept a week, under their own
# partition (the TTL attribute removes them after that).
PRICES_KEY = "(prices)"
PRICE_TTL_SECONDS = 7 * 24 * 3600
# Pages of the endpoint's history Publish reads at most to find the previous completed run.
PREVIOUS_RUN_MAX_PAGES = 5
# Fleet runs' records, one partition: `FLEET#<startedAt>#<fleet execution name>`, newest last.
FLEET_KEY = "(fleet)"
# Pages of an endpoint's history read at most to find the run of one execution.
RUN_OF_EXECUTION_MAX_PAGES = 5
# The sparse index of run items by job type (only run items carry jobType; infra/store.py).
JOB_TYPE_INDEX = "byJobType"

# Low-level client with hand-written (de)serialisation: the resource API is deprecated and heavy
# to import; these few shapes are all the table holds.


def to_attr(value: Any) -> dict[str, Any]:
    """Python value -> DynamoDB attribute (numbers as N, never strings or floats)."""
    if isinstance(value, bool):
        return {"BOOL": value}
    if isinstance(value, int | float | Decimal):
        if isinstance(value, float) and not math.isfinite(value):
            raise ValueError("NaN and infinity cannot be stored; drop them first")
        return {"N": str(value)}
    if isinstance(value, str):
        return {"S": value}
    if isinstance(value, dict):
        return {"M": {k: to_attr(v) for k, v in value.items() if v is not None}}
    if isinstance(value, list | tuple):
        return {"L": [to_attr(v) for v in value]}
    if value is None:
        return {"NULL": True}
    raise TypeError(f"cannot store {type(value).__name__}")


def from_attr(attr: dict[str, Any]) -> Any:
    ((kind, value),) = attr.items()
    if kind == "N":
        number = Decimal(value)
        return int(number) if number == number.to_integral_value() else float(number)
    if kind == "M":
        return {k: from_attr(v) for k, v in value.items()}
    if kind == "L":
        return [from_attr(v) for v in value]
    if kind == "NULL":
        return None
    return value


def to_item(values: dict[str, Any]) -> dict[str, Any]:
    return {k: to_attr(v) for k, v in values.items() if v is not None}


def from_item(item: dict[str, Any]) -> dict[str, Any]:
    return {k: from_attr(v) for k, v in item.items()}


# A run item's own attributes, not the run record's.
INTERNAL_ATTRIBUTES = ("runKey", "notifiedAt")


def record_from_item(item: dict[str, Any]) -> RunRecord:
    """The run record of a decoded run item (`from_item`)."""
    return RunRecord.model_validate({k: v for k, v in item.items() if k not in INTERNAL_ATTRIBUTES})


class Store:
    def __init__(self, table_name: str) -> None:
        self.table = table_name
        self.db = client("dynamodb")

    # ------------------------------------------------------------------ lock
    # SageMaker endpoint names are case-insensitive (`Demo-Endpoint` and `demo-endpoint` are one
    # endpoint), so the lock lives under the lower-cased name.
    @staticmethod
    def lock_key(endpoint: str) -> dict[str, Any]:
        return to_item({"endpointName": endpoint.lower(), "runKey": LOCK_KEY})

    def acquire_lock(
        self, endpoint: str, *, owner: str, job_name: str, now: int, expires_at: int
    ) -> dict[str, Any] | None:
        """Take the endpoint lock; None on success, else the holder's lock item.

        The condition checks expiry itself: TTL deletion may lag expiry by days.
        """
        return self._put_lock(
            endpoint,
            {"owner": owner, "jobName": job_name, "acquiredAt": now, "expiresAt": expires_at},
            condition="attribute_not_exists(runKey) OR expiresAt < :now OR #owner = :me",
            values={":now": to_attr(now)},
        )

    def take_over_drained(
        self, endpoint: str, held: dict[str, Any], *, owner: str, job_name: str, now: int, expires_at: int
    ) -> dict[str, Any] | None:
        """Take a lock its holder left draining, once its job is known to have ended; None on
        success, else the lock item as it is now (someone else moved first)."""
        return self._put_lock(
            endpoint,
            {"owner": owner, "jobName": job_name, "acquiredAt": now, "expiresAt": expires_at},
            condition="#owner = :holder AND draining = :job",
            values={":holder": to_attr(held["owner"]), ":job": to_attr(held["draining"])},
        )

    def _put_lock(
        self, endpoint: str, lock: dict[str, Any], *, condition: str, values: dict[str, Any]
    ) -> dict[str, Any] | None:
        try:
            self.db.put_item(
                TableName=self.table,
                Item={**self.lock_key(endpoint), **to_item(lock)},
                ConditionExpression=condition,
                ExpressionAttributeNames={"#owner": "owner"},
                ExpressionAttributeValues={":me": to_attr(lock["owner"]), **values} if ":me" in condition else values,
                ReturnValuesOnConditionCheckFailure="ALL_OLD",
            )
        except ClientError as exc:
            if error_code(exc) == "ConditionalCheckFailedException":
                held: dict[str, Any] = exc.response.get("Item") or {}  # type: ignore[assignment]
                return from_item(held)
            raise
        return None

    def release_lock(self, endpoint: str, owner: str) -> bool:
        """Release the lock if `owner` holds it; False when someone else (or nobody) does."""
        try:
            self.db.delete_item(
                TableName=self.table,
                Key=self.lock_key(endpoint),
                ConditionExpression="#owner = :me",
                ExpressionAttributeNames={"#owner": "owner"},
                ExpressionAttributeValues={":me": to_attr(owner)},
            )
        except ClientError as exc:
            if error_code(exc) == "ConditionalCheckFailedException":
                return False
            raise
        return True

    def drain_lock(self, endpoint: str, owner: str, job_name: str, until: int) -> bool:
        """Keep the lock while `job_name`, asked to stop, is still stopping: the next run may take
        it only once that job has ended (or at `until`). False when `owner` does not hold it."""
        try:
            self.db.update_item(
                TableName=self.table,
                Key=self.lock_key(endpoint),
                UpdateExpression="SET draining = :job, expiresAt = :until",
                ConditionExpression="#owner = :me",
                ExpressionAttributeNames={"#owner": "owner"},
                ExpressionAttributeValues={":me": to_attr(owner), ":job": to_attr(job_name), ":until": to_attr(until)},
            )
        except ClientError as exc:
            if error_code(exc) == "ConditionalCheckFailedException":
                return False
            raise
        return True

    # ------------------------------------------------------------------ history
    def shortest_completed_duration(self, endpoint: str, job_type: str) -> int | None:
        """Shortest duration of the newest completed runs of this endpoint and job type."""
        return self._shortest_duration(
            KeyConditionExpression="endpointName = :e AND begins_with(runKey, :run)",
            FilterExpression="#status = :done AND jobType = :type AND attribute_exists(durationSeconds)",
            values={":e": to_attr(endpoint), ":type": to_attr(job_type)},
        )

    def account_shortest_completed_duration(self, job_type: str) -> int | None:
        """Shortest duration of the account's newest completed runs of this job type, any endpoint:
        the prior of an endpoint's first run.

        One Query on the `byJobType` index (jobType, runKey): run keys start with the run's start
        time, so the newest runs come first whatever the number of endpoints; one read per run,
        nothing to maintain (the index is fed by the run items Publish and Record Failure write).
        The shortest, not a typical duration: another endpoint's job may be shorter or longer, and
        waking early costs a few polls where waking late costs lag.
        """
        return self._shortest_duration(
            IndexName=JOB_TYPE_INDEX,
            KeyConditionExpression="jobType = :type AND begins_with(runKey, :run)",
            FilterExpression="#status = :done AND attribute_exists(durationSeconds)",
            values={":type": to_attr(job_type)},
        )

    def _shortest_duration(self, *, values: dict[str, Any], **query: Any) -> int | None:
        """The shortest `durationSeconds` among the newest completed run items a query finds."""
        page = self.db.query(
            TableName=self.table,
            ProjectionExpression="durationSeconds",
            ExpressionAttributeNames={"#status": "status"},
            ExpressionAttributeValues={":run": to_attr("RUN#"), ":done": to_attr("COMPLETED"), **values},
            ScanIndexForward=False,
            Limit=HISTORY_SCAN_LIMIT,
            **query,
        )
        durations = [int(from_attr(item["durationSeconds"])) for item in page.get("Items", [])]
        return min(durations) if durations else None

    def previous_completed_run(
        self, endpoint: str, job_type: str, *, before: str, max_pages: int = PREVIOUS_RUN_MAX_PAGES
    ) -> dict[str, Any] | None:
        """The newest COMPLETED run of this endpoint and job type whose run key sorts before
        `before` (run keys start with the run's start time), with its `runKey` and
        `currentEndpoint`; None when none is found within `max_pages` pages.

        A Query of the endpoint's run items newest first; the filter keeps completed runs of the
        job type (a filter cannot name the sort key: the earlier-than test is made here).
        """
        token: dict[str, Any] | None = None
        for _ in range(max_pages):
            page = self.db.query(
                TableName=self.table,
                KeyConditionExpression="endpointName = :e AND begins_with(runKey, :run)",
                FilterExpression="#status = :done AND jobType = :type",
                ProjectionExpression="runKey, currentEndpoint",
                ExpressionAttributeNames={"#status": "status"},
                ExpressionAttributeValues={
                    ":e": to_attr(endpoint),
                    ":run": to_attr("RUN#"),
                    ":done": to_attr("COMPLETED"),
                    ":type": to_attr(job_type),
                },
                ScanIndexForward=False,
                Limit=HISTORY_SCAN_LIMIT,
                **({"ExclusiveStartKey": token} if token else {}),
            )
            for item in page.get("Items", []):
                found = from_item(item)
                if str(found["runKey"]) < before:
                    return found
            token = page.get("LastEvaluatedKey")
            if not token:
                return None
        return None

    # ------------------------------------------------------------------ runs
    def get_run(self, endpoint: str, run_key: str) -> dict[str, Any] | None:
        found = self.db.get_item(
            TableName=self.table,
            Key=to_item({"endpointName": endpoint, "runKey": run_key}),
            ConsistentRead=True,
        )
        return from_item(found["Item"]) if "Item" in found else None

    def put_run(self, record: RunRecord, *, overwrite_status: set[str]) -> bool:
        """Write the run item; False (nothing written) when the recorded run must be kept.

        An existing item is replaced only when its status is in `overwrite_status` and it was not
        notified yet, so a retried step never rewrites a finished, announced run, and a late
        failure report never replaces a different outcome.
        """
        values = {"runKey": record.run_key, **record.wire()}
        condition = "attribute_not_exists(runKey)"
        extra: dict[str, Any] = {}
        if overwrite_status:
            statuses = sorted(overwrite_status)
            placeholders = ", ".join(f":s{i}" for i in range(len(statuses)))
            condition += f" OR (#status IN ({placeholders}) AND attribute_not_exists(notifiedAt))"
            extra = {
                "ExpressionAttributeNames": {"#status": "status"},
                "ExpressionAttributeValues": {f":s{i}": to_attr(s) for i, s in enumerate(statuses)},
            }
        try:
            self.db.put_item(TableName=self.table, Item=to_item(values), ConditionExpression=condition, **extra)
        except ClientError as exc:
            if error_code(exc) == "ConditionalCheckFailedException":
                return False
            raise
        return True

    def run_of_execution(
        self, endpoint: str, execution_arn: str, *, max_pages: int = RUN_OF_EXECUTION_MAX_PAGES
    ) -> RunRecord | None:
        """The run item an execution wrote for `endpoint` (newest first, within `max_pages` pages)."""
        start: dict[str, Any] | None = None
        for _ in range(max_pages):
            page = self.db.query(
                TableName=self.table,
                KeyConditionExpression="endpointName = :e AND begins_with(runKey, :run)",
                FilterExpression="executionArn = :arn",
                ExpressionAttributeValues={
                    ":e": to_attr(endpoint),
                    ":run": to_attr("RUN#"),
                    ":arn": to_attr(execution_arn),
                },
                ScanIndexForward=False,
                **({"ExclusiveStartKey": start} if start else {}),
            )
            for item in page.get("Items", []):
                return record_from_item(from_item(item))
            start = page.get("LastEvaluatedKey")
            if not start:
                return None
        return None

    @staticmethod
    def fleet_key(record: FleetRecord) -> str:
        return f"FLEET#{record.started_at}#{record.fleet_name}"

    def put_fleet(self, record: FleetRecord) -> bool:
        """Write the fleet run's record; False (nothing written) when it was notified already: a
        Summarize Fleet retried after its notification went out keeps the first story."""
        try:
            self.db.put_item(
                TableName=self.table,
                Item=to_item({"endpointName": FLEET_KEY, "runKey": self.fleet_key(record), **record.wire()}),
                ConditionExpression="attribute_not_exists(notifiedAt)",
            )
        except ClientError as exc:
            if error_code(exc) == "ConditionalCheckFailedException":
                return False
            raise
        return True

    # ------------------------------------------------------------------ prices
    def cached_price(self, region: str, instance_type: str, now: int) -> float | None:
        """The Price List API's hourly price of `instance_type` in `region`, if read within a week."""
        found = self.db.get_item(
            TableName=self.table,
            Key=to_item({"endpointName": PRICES_KEY, "runKey": f"PRICE#{region}#{instance_type}"}),
        )
        item = from_item(found["Item"]) if "Item" in found else None
        if not item or int(item.get("expiresAt", 0)) <= now:
            return None
        return float(item["perHour"])

    def put_price(self, region: str, instance_type: str, per_hour: float, now: int) -> None:
        self.db.put_item(
            TableName=self.table,
            Item=to_item(
                {
                    "endpointName": PRICES_KEY,
                    "runKey": f"PRICE#{region}#{instance_type}",
                    "perHour": per_hour,
                    "source": "price-list",
                    "fetchedAt": now,
                    "expiresAt": now + PRICE_TTL_SECONDS,
                }
            ),
        )

    def mark_notified(self, endpoint: str, run_key: str, at: str) -> None:
        self.db.update_item(
            TableName=self.table,
            Key=to_item({"endpointName": endpoint, "runKey": run_key}),
            UpdateExpression="SET notifiedAt = if_not_exists(notifiedAt, :at)",
            ExpressionAttributeValues={":at": to_attr(at)},
        )
