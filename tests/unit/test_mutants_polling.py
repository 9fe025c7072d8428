"""The worst-case count of checks (recommender.logic.polling) where mutation testing found it pinned
by its maximum only (make mutation, issue 11): the closed-form count of every single history is the
schedule's own count, and the longest histories count for the maximum."""

from __future__ import annotations

import pytest

from recommender.logic.polling import PollPolicy, _checks_to_deadline, next_wait, worst_case_checks

MAX_CHECKS = 100_000


def scheduled_checks(policy: PollPolicy, deadline: int, history: int | None) -> int:
    """Checks `next_wait` schedules, each step taking no time, up to the one at the deadline."""
    now, checks = 0.0, 0
    while checks < MAX_CHECKS:
        now += next_wait(
            policy, elapsed=now, checks=checks, history_seconds=history, seconds_to_deadline=deadline - now
        )
        checks += 1
        if now >= deadline:
            return checks
    raise AssertionError(f"the deadline ({deadline} s) not reached after {MAX_CHECKS} checks")


@pytest.mark.parametrize(
    ("policy", "deadline"),
    [
        (PollPolicy(initial=10, maximum=80), 1000),
        (PollPolicy(initial=10, maximum=80), 25),  # the back-off meets the deadline before the cap
        (PollPolicy(initial=60, maximum=120), 3600),
        (PollPolicy(initial=7, maximum=100), 301),
        (PollPolicy(initial=1, maximum=3), 40),
        (PollPolicy(initial=2, maximum=2), 2),
        (PollPolicy(initial=30, maximum=45), 100),
    ],
)
def test_each_history_counts_what_the_schedule_does(policy: PollPolicy, deadline: int) -> None:
    for history in [None, 0, *range(1, deadline + policy.initial + 3)]:
        assert _checks_to_deadline(policy, float(deadline), history) == scheduled_checks(policy, deadline, history), (
            history
        )


def test_the_count_doubles_no_further_than_the_schedule() -> None:
    # 1 s doubling with the cap far away: from the 16th check on every wait is 2**16 s, never 2**17.
    policy = PollPolicy(initial=1, maximum=10**6)
    assert _checks_to_deadline(policy, 400_000.0, None) == scheduled_checks(policy, 400_000, None) == 22


@pytest.mark.parametrize(
    ("policy", "deadline", "worst"),
    [
        # Every 2 s, a 2 s deadline: no history checks once (at 2 s); a 3 s history sleeps to 1 s
        # and checks again at the deadline: 2, the longest histories' count.
        (PollPolicy(initial=2, maximum=2), 2, 2),
        (PollPolicy(initial=3, maximum=3), 5, 3),
    ],
)
def test_the_longest_histories_count(policy: PollPolicy, deadline: int, worst: int) -> None:
    assert worst_case_checks(policy, deadline) == worst
    assert worst == max(
        scheduled_checks(policy, deadline, history) for history in [None, *range(1, deadline + policy.initial + 1)]
    )
