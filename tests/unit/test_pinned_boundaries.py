"""Exactly-at values: the wait schedule's back-off and windows, the job name's lengths (issue 11).

Each expected figure is worked out by hand in the comment beside it; a policy is chosen so that no
other rule (the cap, the deadline) hides the one under test.
"""

from __future__ import annotations

import hashlib
from datetime import UTC, datetime

import pytest

from recommender.logic.naming import job_name
from recommender.logic.polling import PollPolicy, _checks_to_deadline, next_wait
from recommender.models import EndpointSnapshot, ExecutionInput, ExecutionRef, PollState, RunState
from recommender.steps.check import unreachable
from tests.unit.support import settings

FAR = 10**6


def wait(policy: PollPolicy, *, checks: int = 0, elapsed: float = 0, history: int | None = None) -> int:
    return next_wait(policy, elapsed=elapsed, checks=checks, history_seconds=history, seconds_to_deadline=FAR)


# ------------------------------------------------------------------------------ back-off without history
def test_the_back_off_doubles_up_to_the_cap() -> None:
    # 10 s doubling: 10, 20, 40, 80; the cap (80) reached exactly at the fourth wait, then held.
    # A policy whose cap is 8x `initial`: tripling (10, 30, 90 -> 80) would differ at the second wait.
    policy = PollPolicy(initial=10, maximum=80)
    assert [wait(policy, checks=checks) for checks in range(7)] == [10, 20, 40, 80, 80, 80, 80]


def test_the_back_off_below_a_cap_that_is_not_a_power_of_two_multiple() -> None:
    # 10, 20, 40, 80, then 160 > 100: the cap.
    policy = PollPolicy(initial=10, maximum=100)
    assert [wait(policy, checks=checks) for checks in range(6)] == [10, 20, 40, 80, 100, 100]


def test_the_exponent_stops_at_16() -> None:
    # 1 s doubling with a cap far away: 2**16 = 65,536 s from the 16th check on, never 2**17.
    policy = PollPolicy(initial=1, maximum=10**9)
    assert [wait(policy, checks=checks) for checks in (15, 16, 17, 40)] == [32_768, 65_536, 65_536, 65_536]


def test_the_worst_case_count_follows_the_same_doubling() -> None:
    # No history, 10 s doubling to 80, deadline 1000 s: checks at 10, 30, 70 (waits 10, 20, 40),
    # then every 80 s: 70 + 80k >= 1000 for k = ceil(930 / 80) = 12. 3 + 12 = 15 checks.
    policy = PollPolicy(initial=10, maximum=80)
    assert _checks_to_deadline(policy, 1000.0, None) == 15
    now, checks = 0, 0
    while now < 1000 and checks < 100:  # the schedule itself, for the same count
        now += next_wait(policy, elapsed=now, checks=checks, history_seconds=None, seconds_to_deadline=1000 - now)
        checks += 1
    assert checks == 15


# ------------------------------------------------------------------------------ with history
POLICY = PollPolicy(initial=60, maximum=120)


@pytest.mark.parametrize(
    ("elapsed", "expected"),
    [
        (2639, 1),  # 1 s before waking (2700 - 60 = 2640): sleep that second
        (2640, 60),  # exactly at the wake-up: poll every `initial` seconds (never a 0 -> 1 s wait)
        (3374, 60),  # within 25 % of the typical 2700 s
        (3375, 120),  # exactly 1.25 x 2700 = 3375: past the window, `maximum`
        (3376, 120),
    ],
)
def test_the_history_windows_at_their_edges(elapsed: int, expected: int) -> None:
    assert wait(POLICY, checks=30, elapsed=elapsed, history=2700) == expected


def test_a_history_of_zero_seconds_is_no_history() -> None:
    # No history at check 3: min(120, 60 * 2**3) = 120, at check 0: 60. A 1 s history: past its
    # wake-up (1 - 60 < 0) and within 1.25 s of the start: every `initial` seconds, 60.
    assert wait(POLICY, checks=3, history=0) == 120
    assert wait(POLICY, checks=0, history=0) == 60  # the back-off's first wait, not `maximum`
    assert wait(POLICY, checks=3, history=None) == 120
    assert wait(POLICY, checks=3, history=1) == 60


def test_the_worst_case_count_with_history_at_the_window_edge() -> None:
    # History 200 s, 10/80 policy, deadline 1000: sleep to 190 (1 check), every 10 s until
    # 1.25 x 200 = 250: 6 checks (200, ..., 250), then every 80 s: 250 + 80k >= 1000 for k = 10.
    assert _checks_to_deadline(PollPolicy(initial=10, maximum=80), 1000.0, 200) == 1 + 6 + 10


# ------------------------------------------------------------------------------ SageMaker unreachable
def unreachable_waits(failures_before: list[int], *, initial: int, maximum: int) -> list[int]:
    cfg = settings(
        TABLE_NAME="t", JOB_NAME_PREFIX="ir", POLL_INITIAL_SECONDS=initial, POLL_MAX_SECONDS=maximum, MAX_RUN_HOURS=24
    )
    state = RunState(
        execution=ExecutionRef(
            id="arn:aws:states:us-east-1:123456789012:execution:m:run-1",
            name="run-1",
            start_time="2026-11-25T03:00:00Z",
        ),
        request=ExecutionInput.parse(
            {
                "endpointName": "ep",
                "modelPackageVersionArn": "arn:aws:sagemaker:us-east-1:123456789012:model-package/g/1",
            }
        ),
        endpoint=EndpointSnapshot(variant_name="AllTraffic", instance_type="ml.m5.xlarge", instance_count=1),
        job_name="ir-0123456789abcdef-ep",
        started_at="2026-11-25T03:00:00Z",
        deadline="2026-11-26T03:00:00Z",
    )
    now = datetime(2026, 11, 25, 4, 0, tzinfo=UTC)
    waits = []
    for failures in failures_before:
        poll = PollState(status="IN_PROGRESS", checks=5, next_wait_seconds=1, unreachable=failures or None)
        after = unreachable(state, poll, cfg=cfg, now=now, cause=RuntimeError("no route"))
        assert after.poll is not None
        assert after.poll.unreachable == failures + 1
        assert after.poll.checks == 6
        waits.append(after.poll.next_wait_seconds)
    return waits


def test_unreachable_backs_off_by_doubling_to_the_cap() -> None:
    # 10 s doubling, cap 80: 10, 20, 40, 80, 80 (tripling would give 10, 30, 80).
    assert unreachable_waits([0, 1, 2, 3, 4], initial=10, maximum=80) == [10, 20, 40, 80, 80]
    # The exponent stops at 16 (2**16 x 10 s is past any cap of 3600 s: the cap).
    assert unreachable_waits([16, 17, 40], initial=10, maximum=3600) == [3600, 3600, 3600]


# ------------------------------------------------------------------------------ job names
ARN = "arn:aws:states:us-east-1:123456789012:execution:RecommenderWorkflow:run-1"
AT = "2026-11-25T03:00:00Z"
DIGEST = hashlib.sha256(f"{ARN}#{AT}".encode()).hexdigest()[:16]


def test_a_job_name_of_exactly_64_characters() -> None:
    # "ir-orchestrator-" + 16 hex digits + "-" = 33 characters: 31 of the endpoint name fit.
    assert job_name("ir-orchestrator", ARN, AT, "a" * 31) == f"ir-orchestrator-{DIGEST}-" + "a" * 31
    assert len(job_name("ir-orchestrator", ARN, AT, "a" * 31)) == 64
    # One more character is cut; a cut right after a hyphen drops the hyphen.
    assert job_name("ir-orchestrator", ARN, AT, "a" * 32) == f"ir-orchestrator-{DIGEST}-" + "a" * 31
    assert job_name("ir-orchestrator", ARN, AT, "a" * 30 + "-b") == f"ir-orchestrator-{DIGEST}-" + "a" * 30


def test_a_head_of_exactly_40_characters_is_the_longest() -> None:
    # 23-character prefix + "-" + 16 hex digits = 40: allowed; 24 characters: refused.
    assert job_name("p" * 23, ARN, AT, "") == "p" * 23 + "-" + DIGEST
    assert job_name("p" * 23, ARN, AT, "ep") == "p" * 23 + "-" + DIGEST + "-ep"
    with pytest.raises(ValueError, match=r"job name prefix 'p{24}' is too long: prefix \+ digest must fit in 40"):
        job_name("p" * 24, ARN, AT, "ep")
