"""What Publish Results and Record Failure share: store the run, notify once, free the lock."""

from __future__ import annotations

from datetime import datetime

from recommender.adapters import notifier
from recommender.adapters.store import Store
from recommender.logic import notification
from recommender.models import RunRecord, iso

INTERNAL_ATTRIBUTES = ("runKey", "notifiedAt")


def record_from_item(item: dict[str, object]) -> RunRecord:
    return RunRecord.model_validate({k: v for k, v in item.items() if k not in INTERNAL_ATTRIBUTES})


def store_and_notify(
    record: RunRecord,
    *,
    store: Store,
    topic_arn: str,
    region: str,
    now: datetime,
    overwrite_status: set[str],
) -> RunRecord:
    """Write the run (unless a different outcome is already recorded) and notify exactly once.

    Returns the record as stored: a duplicate or late failure report keeps the first story.
    Notification is at-least-once: `notifiedAt` is set after SNS accepted the message, so only a
    crash between the two can repeat it.
    """
    if store.put_run(record, overwrite_status=overwrite_status):
        stored, notified = record, False
    else:
        existing = store.get_run(record.endpoint_name, record.run_key) or {}
        stored = record_from_item(existing) if existing else record
        notified = bool(existing.get("notifiedAt"))
    if not notified:
        notifier.publish(topic_arn, notification.build(stored, region))
        store.mark_notified(stored.endpoint_name, stored.run_key, iso(now))
    return stored
