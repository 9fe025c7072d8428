"""The wait schedule, with and without history."""

from __future__ import annotations

import pytest

from recommender.logic.polling import PollPolicy, next_wait, worst_case_checks

POLICY = PollPolicy(initial=60, maximum=120)
FAR = 10**6


def simulate(job_seconds: int, history: int | None, deadline: int = FAR) -> tuple[int, int]:
    """(checks, lag in seconds) until a job of `job_seconds` is seen complete."""
    now, checks = 0, 0
    while True:
        now += next_wait(
            POLICY, elapsed=now, checks=checks, history_seconds=history, seconds_to_deadline=deadline - now
        )
        checks += 1
        if now >= job_seconds:
            return checks, now - job_seconds


def test_no_history_backs_off_from_initial_to_maximum() -> None:
    waits = []
    for checks in range(5):
        waits.append(next_wait(POLICY, elapsed=0, checks=checks, history_seconds=None, seconds_to_deadline=FAR))
    assert waits == [60, 120, 120, 120, 120]


def test_no_history_lag_bounded_by_maximum() -> None:
    for job in (300, 2700, 2701, 7200, 7259):
        _, lag = simulate(job, None)
        assert lag <= POLICY.maximum


def test_history_sleeps_until_shortly_before_the_typical_duration() -> None:
    assert next_wait(POLICY, elapsed=5, checks=0, history_seconds=2700, seconds_to_deadline=FAR) == 2700 - 60 - 5


def test_history_then_polls_every_initial_seconds() -> None:
    assert next_wait(POLICY, elapsed=2650, checks=1, history_seconds=2700, seconds_to_deadline=FAR) == 60
    assert next_wait(POLICY, elapsed=3300, checks=9, history_seconds=2700, seconds_to_deadline=FAR) == 60


def test_history_falls_back_to_maximum_when_the_job_overruns() -> None:
    assert next_wait(POLICY, elapsed=2700 * 1.25 + 1, checks=20, history_seconds=2700, seconds_to_deadline=FAR) == 120


def test_history_finds_a_similar_job_within_initial_seconds_in_few_checks() -> None:
    for job in (2700, 2760, 3000):
        checks, lag = simulate(job, 2700)
        assert lag <= POLICY.initial
        assert checks <= 2 + (job - 2640) // 60
    checks, _ = simulate(2700, 2700)
    assert checks <= 3  # against 23 for a fixed 120-second schedule


def test_never_waits_past_the_deadline() -> None:
    assert next_wait(POLICY, elapsed=0, checks=0, history_seconds=7200, seconds_to_deadline=500) == 500
    assert next_wait(POLICY, elapsed=0, checks=3, history_seconds=None, seconds_to_deadline=0.2) == 1


# ------------------------------------------------------------------------------ worst case
def brute_force_checks(policy: PollPolicy, deadline: int, history: int | None, step_seconds: float = 0) -> int:
    """Checks of a run whose job never finishes: Start's wait, then one per Check until the one at
    the deadline (which stops the job), each step taking `step_seconds`."""
    now, checks = 0.0, 0
    wait = next_wait(policy, elapsed=now, checks=0, history_seconds=history, seconds_to_deadline=deadline - now)
    while True:
        now += wait + step_seconds
        checks += 1
        if now >= deadline:
            return checks
        wait = next_wait(
            policy, elapsed=now, checks=checks, history_seconds=history, seconds_to_deadline=deadline - now
        )


@pytest.mark.parametrize(
    ("policy", "deadline"),
    [
        (PollPolicy(initial=60, maximum=120), 3600),
        (PollPolicy(initial=10, maximum=10), 900),
        (PollPolicy(initial=10, maximum=300), 2000),
        (PollPolicy(initial=30, maximum=45), 1801),
        (PollPolicy(initial=100, maximum=3600), 5000),
        (PollPolicy(initial=3600, maximum=3600), 10000),
    ],
)
def test_worst_case_checks_is_the_brute_force_maximum(policy: PollPolicy, deadline: int) -> None:
    histories: list[int | None] = [None, *range(1, deadline + policy.initial + 50)]
    by_history = {history: brute_force_checks(policy, deadline, history) for history in histories}
    assert worst_case_checks(policy, deadline) == max(by_history.values())


def test_worst_case_checks_bounds_runs_whose_steps_take_time() -> None:
    policy = PollPolicy(initial=20, maximum=60)
    worst = worst_case_checks(policy, 1200)
    for history in (None, 5, 20, 300, 900, 1200):
        for step in (0.3, 1.7, 7):
            assert brute_force_checks(policy, 1200, history, step) <= worst


def test_worst_case_checks_of_the_defaults_and_of_a_tight_schedule() -> None:
    # Defaults (60/120 s, 6 h): mostly every 120 s, plus the 60 s window of a very short history.
    assert 180 <= worst_case_checks(PollPolicy(initial=60, maximum=120), 6 * 3600) <= 200
    # Every 10 s for 24 h: 8,640 checks, one more when a short history (e.g. 11 s: a first sleep
    # of 1 s) shifts the grid off the deadline.
    assert worst_case_checks(PollPolicy(initial=10, maximum=10), 24 * 3600) == 8641
    policy, deadline = PollPolicy(initial=10, maximum=10), 24 * 3600
    assert brute_force_checks(policy, deadline, None) == 8640
    assert brute_force_checks(policy, deadline, 11) == 8641
