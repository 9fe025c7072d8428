"""What Publish Results and Record Failure share: store the run, then notify it once.

The two are separate so the endpoint lock can be freed between them: a notification SNS refuses
(throttled, key disabled, denied) must never keep the endpoint locked.
"""

from __future__ import annotations

from datetime import datetime

from recommender.adapters import notifier
from recommender.adapters.store import Store, record_from_item
from recommender.logic import notification
from recommender.logic.results import fit_item
from recommender.models import RunRecord, iso


def store_run(record: RunRecord, *, store: Store, overwrite_status: set[str]) -> tuple[RunRecord, bool]:
    """Write the run unless a different outcome is already recorded.

    Returns the record as stored (a duplicate or late failure report keeps the first story; a
    record too large for one item loses its lowest-ranked recommendations) and whether it was
    already notified.
    """
    record = fit_item(record)
    if store.put_run(record, overwrite_status=overwrite_status):
        return record, False
    existing = store.get_run(record.endpoint_name, record.run_key) or {}
    if not existing:
        return record, False
    return record_from_item(existing), bool(existing.get("notifiedAt"))


def notify_once(stored: RunRecord, *, notified: bool, store: Store, topic_arn: str, region: str, now: datetime) -> None:
    """Publish the run unless it was notified already.

    At-least-once: `notifiedAt` is set after SNS accepted the message, so only a crash between the
    two calls repeats it.
    """
    if notified:
        return
    notifier.publish(topic_arn, notification.build(stored, region))
    store.mark_notified(stored.endpoint_name, stored.run_key, iso(now))
