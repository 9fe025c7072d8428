"""The wait schedule, with and without history, and with the job's progress."""

from __future__ import annotations

import random
from datetime import UTC, datetime, timedelta
from typing import Any

import pytest

from recommender.adapters.progress import progress_of
from recommender.logic.polling import PollPolicy, Progress, estimated_end, next_wait, worst_case_checks

POLICY = PollPolicy(initial=60, maximum=120)
FAR = 10**6
# The most checks a simulated run may make before the test fails instead of hanging (the longest
# here: every 10 s for 24 h, 8,641 checks).
MAX_CHECKS = 100_000


def simulate(job_seconds: int, history: int | None, deadline: int = FAR) -> tuple[int, int]:
    """(checks, lag in seconds) until a job of `job_seconds` is seen complete."""
    now, checks = 0, 0
    while checks < MAX_CHECKS:
        now += next_wait(
            POLICY, elapsed=now, checks=checks, history_seconds=history, seconds_to_deadline=deadline - now
        )
        checks += 1
        if now >= job_seconds:
            return checks, now - job_seconds
    raise AssertionError(f"a {job_seconds} s job not seen complete after {MAX_CHECKS} checks")


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


# ------------------------------------------------------------------------------ progress
@pytest.mark.parametrize(
    ("progress", "elapsed", "end"),
    [
        (None, 900, None),
        (Progress(done=0, total=3, began=60), 900, None),  # nothing done: no rate yet
        (Progress(done=0, total=0), 900, None),  # nothing listed
        (Progress(done=1, total=3, began=60, last_done=940), 1000, 60 + 880 * 3),
        (Progress(done=2, total=3, began=60, last_done=1820), 1900, 60 + 1760 * 3 / 2),
        (Progress(done=1, total=4, began=None, last_done=500), 600, 2000),  # no start: the run's
        (Progress(done=1, total=4, began=60, last_done=None), 600, None),  # no end: no estimate
        (Progress(done=3, total=3, began=60, last_done=2690), 2695, 2695),  # all done: ending now
        # Noisy: more done than listed; times before the run or after the check; end before start.
        (Progress(done=5, total=3, began=60, last_done=900), 1000, 1000),
        (Progress(done=1, total=2, began=-500, last_done=400), 500, 800),
        (Progress(done=1, total=2, began=100, last_done=5000), 500, 100 + 400 * 2),
        (Progress(done=1, total=2, began=400, last_done=300), 500, None),
        (Progress(done=-1, total=2, began=0, last_done=300), 500, None),
        (Progress(done=1, total=0, began=60, last_done=300), 500, None),  # done but none listed: noise
        (Progress(done=1, total=1, began=60, last_done=300), 500, 500),  # the only benchmark done
    ],
)
def test_estimated_end(progress: Progress | None, elapsed: float, end: float | None) -> None:
    assert estimated_end(progress, elapsed=elapsed) == end


@pytest.mark.parametrize(
    ("history", "checks", "elapsed", "progress", "wait"),
    [
        # No history: sleep until pollInitialSeconds before the estimated end (2700 s).
        (None, 8, 1000, Progress(done=1, total=3, began=60, last_done=940), 2700 - 60 - 1000),
        # 0 done or all done: the schedule without progress.
        (None, 8, 1000, Progress(done=0, total=3, began=60), 120),
        (None, 0, 1000, Progress(done=0, total=3, began=60), 60),
        (None, 8, 2690, Progress(done=3, total=3, began=60, last_done=2690), 120),
        (2700, 3, 2700, Progress(done=3, total=3, began=60, last_done=2690), 60),
        # An estimate close by never shortens a wait: at least the schedule's.
        (None, 8, 2600, Progress(done=2, total=3, began=60, last_done=1820), 120),
        # History too short for this job (overrun window): progress says it has long to go.
        (1200, 30, 1500, Progress(done=1, total=3, began=60, last_done=1400), 60 + 1340 * 3 - 60 - 1500),
        (1200, 5, 1260, Progress(done=1, total=3, began=60, last_done=1250), 60 + 1190 * 3 - 60 - 1260),
        # Noisy progress (the end before now): the schedule without progress.
        (2700, 5, 2650, Progress(done=1, total=3, began=2000, last_done=1000), 60),
    ],
)
def test_progress_lengthens_the_wait(
    history: int | None, checks: int, elapsed: float, progress: Progress, wait: int
) -> None:
    got = next_wait(
        POLICY, elapsed=elapsed, checks=checks, history_seconds=history, seconds_to_deadline=FAR, progress=progress
    )
    assert got == wait


def test_progress_never_waits_past_the_deadline_and_waits_whole_seconds() -> None:
    progress = Progress(done=1, total=10, began=0, last_done=1000.7)
    assert (
        next_wait(POLICY, elapsed=1001, checks=5, history_seconds=None, seconds_to_deadline=300, progress=progress)
        == 300
    )
    wait = next_wait(POLICY, elapsed=1001, checks=5, history_seconds=None, seconds_to_deadline=FAR, progress=progress)
    assert isinstance(wait, int)
    assert wait == 10007 - 60 - 1001  # 8946.0 s, as a whole number
    assert (
        next_wait(POLICY, elapsed=1001, checks=5, history_seconds=None, seconds_to_deadline=0.1, progress=progress) == 1
    )


def simulate_sequential(job: int, pending: int, benchmarks: int, history: int | None) -> tuple[int, int]:
    """(checks, lag) for a job whose benchmarks run one after the other after `pending` seconds."""
    span = (job - pending) / benchmarks
    now, checks = 0.0, 0
    while checks < MAX_CHECKS:
        done = sum(1 for i in range(benchmarks) if pending + span * (i + 1) <= now)
        progress = (
            Progress(done=done, total=benchmarks, began=pending, last_done=pending + span * done if done else None)
            if pending <= now < job
            else None
        )
        now += next_wait(
            POLICY, elapsed=now, checks=checks, history_seconds=history, seconds_to_deadline=FAR, progress=progress
        )
        checks += 1
        if now >= job:
            return checks, int(now - job)
    raise AssertionError(f"a {job} s job not seen complete after {MAX_CHECKS} checks")


@pytest.mark.parametrize("job", [2700, 2760, 2819, 7200, 7319])
def test_progress_finds_a_first_run_within_a_minute_in_few_checks(job: int) -> None:
    blind_checks, _ = simulate(job, None)
    checks, lag = simulate_sequential(job, 60, 3, None)
    assert lag <= POLICY.maximum - POLICY.initial
    assert checks <= blind_checks // 2


def test_progress_of_the_listed_steps() -> None:
    start = datetime(2026, 1, 1, tzinfo=UTC)

    def step(status: str, begin: int | None = None, end: int | None = None) -> dict[str, Any]:
        times = {"InvocationStartTime": start + timedelta(seconds=begin)} if begin is not None else {}
        if end is not None:
            times["InvocationEndTime"] = start + timedelta(seconds=end)
        return {"StepType": "BENCHMARK", "Status": status, "InferenceBenchmark": times}

    assert progress_of([], started_at=start) == Progress(done=0, total=0)
    listed = [step("COMPLETED", 60, 940), step("FAILED", 940, 1820), step("IN_PROGRESS", 1820)]
    assert progress_of(listed, started_at=start) == Progress(done=2, total=3, began=60, last_done=1820)
    # A done benchmark without an end time (a FAILED one): the latest end is unknown, no estimate.
    listed = [step("COMPLETED", 60, 940), step("COMPLETED"), step("IN_PROGRESS")]
    assert progress_of(listed, started_at=start) == Progress(done=2, total=3, began=60, last_done=None)


# ------------------------------------------------------------------------------ worst case
def brute_force_checks(
    policy: PollPolicy,
    deadline: int,
    history: int | None,
    step_seconds: float = 0,
    progress: Any = None,
) -> int:
    """Checks of a run whose job never finishes: Start's wait, then one per Check until the one at
    the deadline (which stops the job), each step taking `step_seconds`; `progress(now)` is what
    each Check learns of the benchmarks (Start knows none)."""
    now, checks = 0.0, 0
    wait = next_wait(policy, elapsed=now, checks=0, history_seconds=history, seconds_to_deadline=deadline - now)
    while checks < MAX_CHECKS:
        now += wait + step_seconds
        checks += 1
        if now >= deadline:
            return checks
        wait = next_wait(
            policy,
            elapsed=now,
            checks=checks,
            history_seconds=history,
            seconds_to_deadline=deadline - now,
            progress=progress(now) if progress else None,
        )
    raise AssertionError(f"the deadline ({deadline} s) not reached after {MAX_CHECKS} checks")


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


def noisy_progress(seed: int) -> Any:
    """Whatever the service may report: counts and times at random, often nonsense."""
    rng = random.Random(seed)

    def progress(now: float) -> Progress | None:
        if rng.random() < 0.2:
            return None
        total = rng.randint(0, 6)
        return Progress(
            done=rng.randint(-1, total + 1),
            total=total,
            began=rng.choice([None, rng.uniform(-100, now + 100)]),
            last_done=rng.choice([None, rng.uniform(-100, now + 100)]),
        )

    return progress


@pytest.mark.parametrize(
    ("policy", "deadline"),
    [
        (PollPolicy(initial=60, maximum=120), 3600),
        (PollPolicy(initial=10, maximum=300), 2000),
        (PollPolicy(initial=30, maximum=45), 1801),
        (PollPolicy(initial=10, maximum=10), 900),
    ],
)
def test_progress_never_adds_checks_to_the_worst_case(policy: PollPolicy, deadline: int) -> None:
    """`worst_case_checks` ignores progress (the synth-time 25,000-event bound): with any progress,
    sensible or noisy, a run makes at most that many checks."""
    worst = worst_case_checks(policy, deadline)
    for history in (None, 1, 45, policy.initial, 600, deadline // 2, deadline):
        for seed in range(5):
            assert brute_force_checks(policy, deadline, history, progress=noisy_progress(seed)) <= worst
        # Sequential benchmarks that never finish the job: an estimate that keeps moving.
        steady = lambda now: Progress(done=max(1, int(now // 300)), total=int(now // 300) + 2, began=0, last_done=now)  # noqa: E731
        assert brute_force_checks(policy, deadline, history, 1.5, progress=steady) <= worst
