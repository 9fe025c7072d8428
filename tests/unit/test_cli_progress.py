"""rightsize.progress: where a running execution is, read from its history (pure: no AWS).

Every value is asserted whole (the wire dicts, the Progress and FleetProgress objects), so a changed
state name, key, default or boundary shows.
"""

from __future__ import annotations

import dataclasses
import json
import os
import time
from collections.abc import Iterator
from datetime import UTC, datetime, timedelta, timezone
from typing import Any

import pytest

from rightsize import progress
from rightsize.progress import CHECK_STATE, WAIT_STATE, FleetProgress, Progress, read, read_fleet

START = datetime(2026, 11, 25, 10, 0, 0, tzinfo=UTC)
PLUS_TWO = timezone(timedelta(hours=2))


@pytest.fixture
def local_time_not_utc() -> Iterator[None]:
    """Local time 5 h 30 min ahead of UTC (a POSIX TZ string: no tz database needed), so treating a
    naive datetime as local time instead of UTC shows."""
    before = os.environ.get("TZ")
    os.environ["TZ"] = "XST-05:30"
    time.tzset()
    try:
        yield
    finally:
        if before is None:
            del os.environ["TZ"]
        else:
            os.environ["TZ"] = before
        time.tzset()


def at(seconds: float) -> datetime:
    return START + timedelta(seconds=seconds)


def entered(name: str, seconds: float) -> dict[str, Any]:
    return {"timestamp": at(seconds), "type": "TaskStateEntered", "stateEnteredEventDetails": {"name": name}}


def exited(name: str, seconds: float, output: Any) -> dict[str, Any]:
    text = output if isinstance(output, str) else json.dumps(output)
    return {
        "timestamp": at(seconds),
        "type": "TaskStateExited",
        "stateExitedEventDetails": {"name": name, "output": text},
    }


def execution(status: str = "RUNNING", *, stop: datetime | None = None, start: datetime = START) -> dict[str, Any]:
    described: dict[str, Any] = {"executionArn": "arn:aws:states:x:1:execution:sm:e", "status": status}
    described["startDate"] = start
    if stop is not None:
        described["stopDate"] = stop
    return described


# ----------------------------------------------------------------------------- the state names
def test_state_names() -> None:
    assert (CHECK_STATE, WAIT_STATE) == ("Check Job", "Wait For Job")


# ----------------------------------------------------------------------------- read
def waiting_history() -> list[dict[str, Any]]:
    """Validate, Start Job, two checks with a wait after each; the second check's output has no job
    name, an empty status and no next wait, so the earlier ones stand."""
    return [
        {"timestamp": at(0), "type": "ExecutionStarted", "executionStartedEventDetails": {"input": "{}"}},
        entered("Validate", 1),
        exited("Validate", 2, {"request": {}}),
        entered("Start Job", 3),
        exited("Start Job", 5, {"jobName": "job-a"}),
        entered(CHECK_STATE, 10),
        exited(CHECK_STATE, 11, {"jobName": "job-a", "poll": {"status": "IN_PROGRESS", "nextWaitSeconds": 60}}),
        entered(WAIT_STATE, 12),
        exited(WAIT_STATE, 72, {"jobName": "job-a", "poll": {"status": "IN_PROGRESS", "nextWaitSeconds": 60}}),
        entered(CHECK_STATE, 73),
        exited(CHECK_STATE, 74, {"jobName": "", "poll": {"status": "", "checks": 2}}),
        entered(WAIT_STATE, 75),
    ]


def test_read_a_running_execution_waiting_for_the_job() -> None:
    found = read(execution(), waiting_history(), now=at(90.75))
    assert found == Progress(
        status="RUNNING",
        state=WAIT_STATE,
        job_name="job-a",
        job_status="IN_PROGRESS",
        checks=2,
        started=START,
        elapsed_seconds=90.75,
        next_check=at(135),
    )
    assert found.wire() == {
        "status": "RUNNING",
        "state": "Wait For Job",
        "jobName": "job-a",
        "jobStatus": "IN_PROGRESS",
        "checks": 2,
        "startedAt": "2026-11-25T10:00:00Z",
        "elapsedSeconds": 91,
        "nextCheckAt": "2026-11-25T10:02:15Z",
    }


def test_read_the_latest_job_name_status_and_wait_win() -> None:
    events = [
        entered(CHECK_STATE, 10),
        exited(CHECK_STATE, 11, {"jobName": "job-a", "poll": {"status": "PENDING", "nextWaitSeconds": 30}}),
        entered(WAIT_STATE, 12),
        exited(WAIT_STATE, 42, {}),
        entered(CHECK_STATE, 43),
        exited(CHECK_STATE, 44, {"jobName": "job-b", "poll": {"status": "IN_PROGRESS", "nextWaitSeconds": 120}}),
        entered(WAIT_STATE, 45),
    ]
    found = read(execution(), events, now=at(50))
    assert (found.job_name, found.job_status, found.checks, found.next_check) == ("job-b", "IN_PROGRESS", 2, at(165))


def test_read_a_wait_of_zero_seconds_is_due_when_the_wait_began() -> None:
    events = [
        entered(CHECK_STATE, 10),
        exited(CHECK_STATE, 11, {"poll": {"status": "IN_PROGRESS", "nextWaitSeconds": 0}}),
        entered(WAIT_STATE, 12),
    ]
    found = read(execution(), events, now=at(13))
    assert found.next_check == at(12)
    assert found.wire()["nextCheckAt"] == "2026-11-25T10:00:12Z"


def test_read_a_wait_without_a_known_wait_has_no_next_check() -> None:
    events = [entered(CHECK_STATE, 10), exited(CHECK_STATE, 11, {"poll": {"status": "IN_PROGRESS"}})]
    events.append(entered(WAIT_STATE, 12))
    found = read(execution(), events, now=at(20))
    assert found == Progress("RUNNING", WAIT_STATE, None, "IN_PROGRESS", 1, START, 20.0, None)
    assert found.wire()["nextCheckAt"] is None


def test_read_in_another_state_than_the_wait_has_no_next_check() -> None:
    events = [
        entered(CHECK_STATE, 10),
        exited(CHECK_STATE, 11, {"jobName": "job-a", "poll": {"status": "IN_PROGRESS", "nextWaitSeconds": 60}}),
        entered(WAIT_STATE, 12),
        exited(WAIT_STATE, 72, {}),
        entered(CHECK_STATE, 73),
    ]
    found = read(execution(), events, now=at(74))
    assert found == Progress("RUNNING", CHECK_STATE, "job-a", "IN_PROGRESS", 2, START, 74.0, None)


def test_read_a_stopped_execution_ends_at_its_stop_and_has_no_next_check() -> None:
    events = waiting_history()
    found = read(execution("ABORTED", stop=at(100)), events, now=at(5000))
    assert found == Progress("ABORTED", WAIT_STATE, "job-a", "IN_PROGRESS", 2, START, 100.0, None)
    assert found.wire() == {
        "status": "ABORTED",
        "state": "Wait For Job",
        "jobName": "job-a",
        "jobStatus": "IN_PROGRESS",
        "checks": 2,
        "startedAt": "2026-11-25T10:00:00Z",
        "elapsedSeconds": 100,
        "nextCheckAt": None,
    }


def test_read_a_stop_date_of_another_zone_counts_in_utc() -> None:
    found = read(execution("SUCCEEDED", stop=datetime(2026, 11, 25, 12, 1, 0, tzinfo=PLUS_TWO)), [], now=at(9999))
    assert found.elapsed_seconds == 60.0


def test_read_before_any_state() -> None:
    found = read(execution(), [], now=at(3))
    assert found == Progress("RUNNING", None, None, None, 0, START, 3.0, None)
    assert found.wire() == {
        "status": "RUNNING",
        "state": None,
        "jobName": None,
        "jobStatus": None,
        "checks": 0,
        "startedAt": "2026-11-25T10:00:00Z",
        "elapsedSeconds": 3,
        "nextCheckAt": None,
    }


def test_read_elapsed_is_never_negative() -> None:
    assert read(execution(), [], now=at(-30)).elapsed_seconds == 0.0
    assert read(execution("FAILED", stop=at(-1)), [], now=at(10)).elapsed_seconds == 0.0


def test_read_status_is_text() -> None:
    described = execution()
    described["status"] = 7
    assert read(described, [], now=at(0)).status == "7"


@pytest.mark.parametrize(
    ("output", "why"),
    [
        ("not json", "not JSON"),
        ("[1, 2]", "JSON but not an object"),
        ('"IN_PROGRESS"', "a JSON string"),
        (None, "no output"),
        ({"jobName": "job-b", "poll": "COMPLETED"}, "poll not an object"),
        ({"jobName": "job-b", "poll": ["COMPLETED", 5]}, "poll a list"),
        ({"jobName": "job-b", "poll": None}, "poll null"),
    ],
)
def test_read_outputs_without_a_poll_object_leave_status_and_wait(output: Any, why: str) -> None:
    events = [
        entered(CHECK_STATE, 10),
        exited(CHECK_STATE, 11, {"jobName": "job-a", "poll": {"status": "PENDING", "nextWaitSeconds": 45}}),
        entered(WAIT_STATE, 12),
    ]
    if output is None:
        events.append({"timestamp": at(13), "stateExitedEventDetails": {"name": WAIT_STATE}})
    else:
        events.append(exited(WAIT_STATE, 13, output))
    found = read(execution(), events, now=at(20))
    job_name = "job-b" if isinstance(output, dict) else "job-a"
    assert found == Progress("RUNNING", WAIT_STATE, job_name, "PENDING", 1, START, 20.0, at(57)), why


def test_read_an_exit_without_details_changes_nothing() -> None:
    events = [
        entered(CHECK_STATE, 10),
        exited(CHECK_STATE, 11, {"jobName": "job-a", "poll": {"status": "PENDING", "nextWaitSeconds": 45}}),
        entered(WAIT_STATE, 12),
        {"timestamp": at(13), "stateExitedEventDetails": {}},
        {"timestamp": at(14), "stateExitedEventDetails": None},
    ]
    found = read(execution(), events, now=at(20))
    assert found == Progress("RUNNING", WAIT_STATE, "job-a", "PENDING", 1, START, 20.0, at(57))


def test_read_counts_only_check_states() -> None:
    events = [entered(name, i) for i, name in enumerate(["Validate", CHECK_STATE, WAIT_STATE, CHECK_STATE, "Check"])]
    events.append(entered(CHECK_STATE, 9))
    found = read(execution(), events, now=at(10))
    assert (found.checks, found.state) == (3, CHECK_STATE)


def test_read_converts_every_moment_to_utc() -> None:
    start = datetime(2026, 11, 25, 12, 0, 0, tzinfo=PLUS_TWO)  # 10:00 UTC
    events = [
        entered(CHECK_STATE, 10),
        exited(CHECK_STATE, 11, {"poll": {"status": "PENDING", "nextWaitSeconds": 30.5}}),
        {
            "timestamp": datetime(2026, 11, 25, 12, 0, 12, tzinfo=PLUS_TWO),
            "stateEnteredEventDetails": {"name": WAIT_STATE},
        },
    ]
    found = read(execution(start=start), events, now=datetime(2026, 11, 25, 12, 0, 20, tzinfo=PLUS_TWO))
    assert found.started == START
    assert found.started.tzinfo is UTC
    assert found.next_check == at(42.5)
    assert found.next_check is not None
    assert found.next_check.tzinfo is UTC
    assert found.elapsed_seconds == 20.0
    assert found.wire()["startedAt"] == "2026-11-25T10:00:00Z"
    assert found.wire()["nextCheckAt"] == "2026-11-25T10:00:42Z"


def test_read_naive_moments_are_utc(local_time_not_utc: None) -> None:
    naive = datetime(2026, 11, 25, 10, 0, 0)
    found = read(execution(start=naive), [], now=datetime(2026, 11, 25, 10, 0, 30))
    assert (found.started, found.elapsed_seconds) == (START, 30.0)
    assert found.started.tzinfo is UTC


def test_read_without_now_uses_the_current_utc_time(local_time_not_utc: None) -> None:
    found = read(execution(start=datetime.now(UTC) - timedelta(seconds=30)), [])
    assert 30.0 <= found.elapsed_seconds < 60.0


# ----------------------------------------------------------------------------- helpers
@pytest.mark.parametrize(
    ("text", "expected"),
    [
        ('{"jobName": "a", "poll": {"status": "X"}}', {"jobName": "a", "poll": {"status": "X"}}),
        ("{}", {}),
        ("[1]", {}),
        ("3", {}),
        ("null", {}),
        ("not json", {}),
        ("", {}),
        (None, {}),
        (b'{"a": 1}', {}),  # only text is read, though json.loads would take bytes
        ({"a": 1}, {}),
    ],
)
def test_json(text: Any, expected: dict[str, Any]) -> None:
    assert progress._json(text) == expected


def test_utc_of_an_aware_moment_converts(local_time_not_utc: None) -> None:
    converted = progress._utc(datetime(2026, 11, 25, 12, 0, 0, tzinfo=PLUS_TWO))
    assert converted == START
    assert converted.tzinfo is UTC
    assert (converted.hour, converted.minute) == (10, 0)


def test_utc_of_a_naive_moment_is_that_moment_in_utc(local_time_not_utc: None) -> None:
    converted = progress._utc(datetime(2026, 11, 25, 10, 0, 0))
    assert converted == START
    assert converted.tzinfo is UTC


def test_utc_of_a_utc_moment_is_itself() -> None:
    assert progress._utc(START) == START
    assert progress._utc(START).tzinfo is UTC


def test_iso_is_utc_to_the_second(local_time_not_utc: None) -> None:
    assert progress._iso(datetime(2026, 1, 2, 5, 4, 3, 999_999, tzinfo=PLUS_TWO)) == "2026-01-02T03:04:03Z"
    assert progress._iso(START) == "2026-11-25T10:00:00Z"


def test_progress_wire_rounds_elapsed() -> None:
    found = Progress("SUCCEEDED", "Publish", "job-z", "COMPLETED", 4, START, 59.4, None)
    assert found.wire() == {
        "status": "SUCCEEDED",
        "state": "Publish",
        "jobName": "job-z",
        "jobStatus": "COMPLETED",
        "checks": 4,
        "startedAt": "2026-11-25T10:00:00Z",
        "elapsedSeconds": 59,
        "nextCheckAt": None,
    }
    assert isinstance(found.wire()["elapsedSeconds"], int)


# ----------------------------------------------------------------------------- read_fleet
def fleet_history() -> list[dict[str, Any]]:
    return [
        {"timestamp": at(0), "type": "ExecutionStarted"},
        entered("Select Endpoints", 1),
        exited("Select Endpoints", 2, {"items": []}),
        {"timestamp": at(3), "type": "MapStateStarted", "mapStateStartedEventDetails": {"length": 4}},
        entered("Run Endpoint", 4),
        entered("Run Endpoint", 4),
        entered("Run Endpoint", 5),
        entered("Child Done", 60),
        entered("Child Done", 61),
        entered("Child Failed", 62),
        entered("Summarize", 63),
        {"timestamp": at(64), "stateEnteredEventDetails": {}},
        {"timestamp": at(64), "stateEnteredEventDetails": {"name": "run endpoint"}},
    ]


def test_read_fleet_running() -> None:
    found = read_fleet(execution(), fleet_history(), now=at(90.5))
    assert found == FleetProgress("RUNNING", 4, 3, 2, 1, 90.5)
    assert found.wire() == {
        "status": "RUNNING",
        "endpoints": 4,
        "started": 3,
        "succeeded": 2,
        "failed": 1,
        "elapsedSeconds": 90,  # round half to even
    }


def test_read_fleet_stopped_ends_at_its_stop() -> None:
    found = read_fleet(execution("SUCCEEDED", stop=at(120.6)), fleet_history(), now=at(9999))
    assert found == FleetProgress("SUCCEEDED", 4, 3, 2, 1, 120.6)
    assert found.wire()["elapsedSeconds"] == 121


def test_read_fleet_before_the_map() -> None:
    found = read_fleet(execution(), [entered("Select Endpoints", 1)], now=at(2))
    assert found == FleetProgress("RUNNING", None, 0, 0, 0, 2.0)
    assert found.wire() == {
        "status": "RUNNING",
        "endpoints": None,
        "started": 0,
        "succeeded": 0,
        "failed": 0,
        "elapsedSeconds": 2,
    }


@pytest.mark.parametrize(
    ("details", "endpoints"), [({}, 0), ({"inputDetails": {}}, 0), ({"length": 0}, 0), ({"length": 12}, 12)]
)
def test_read_fleet_map_length(details: dict[str, Any], endpoints: int) -> None:
    events = [{"timestamp": at(1), "mapStateStartedEventDetails": details}]
    assert read_fleet(execution(), events, now=at(2)).endpoints == endpoints


def test_read_fleet_the_last_map_start_counts() -> None:
    events = [
        {"timestamp": at(1), "mapStateStartedEventDetails": {"length": 2}},
        {"timestamp": at(2), "mapStateStartedEventDetails": {"length": 5}},
    ]
    assert read_fleet(execution(), events, now=at(3)).endpoints == 5


def test_read_fleet_elapsed_is_never_negative_and_status_is_text() -> None:
    described = execution()
    described["status"] = 3
    assert read_fleet(described, [], now=at(-5)) == FleetProgress("3", None, 0, 0, 0, 0.0)


def test_read_fleet_converts_to_utc(local_time_not_utc: None) -> None:
    start = datetime(2026, 11, 25, 12, 0, 0, tzinfo=PLUS_TWO)
    assert read_fleet(execution(start=start), [], now=at(30)).elapsed_seconds == 30.0
    assert read_fleet(execution(start=datetime(2026, 11, 25, 10, 0, 0)), [], now=at(30)).elapsed_seconds == 30.0
    stop = datetime(2026, 11, 25, 12, 0, 45, tzinfo=PLUS_TWO)
    assert read_fleet(execution("FAILED", start=start, stop=stop), [], now=at(99)).elapsed_seconds == 45.0


def test_read_fleet_without_now_uses_the_current_utc_time(local_time_not_utc: None) -> None:
    found = read_fleet(execution(start=datetime.now(UTC) - timedelta(seconds=30)), [])
    assert 30.0 <= found.elapsed_seconds < 60.0


def test_fleet_wire_rounds_elapsed() -> None:
    assert FleetProgress("ABORTED", None, 0, 0, 0, 0.4).wire() == {
        "status": "ABORTED",
        "endpoints": None,
        "started": 0,
        "succeeded": 0,
        "failed": 0,
        "elapsedSeconds": 0,
    }


def test_progress_and_fleet_progress_are_frozen() -> None:
    found = Progress("RUNNING", None, None, None, 0, START, 0.0, None)
    with pytest.raises(dataclasses.FrozenInstanceError, match="cannot assign to field 'status'"):
        setattr(found, "status", "FAILED")  # noqa: B010
    fleet = FleetProgress("RUNNING", None, 0, 0, 0, 0.0)
    with pytest.raises(dataclasses.FrozenInstanceError, match="cannot assign to field 'failed'"):
        setattr(fleet, "failed", 1)  # noqa: B010
