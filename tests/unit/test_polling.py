"""The wait schedule, with and without history."""

from __future__ import annotations

from recommender.logic.polling import PollPolicy, next_wait

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
