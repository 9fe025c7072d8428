"""How long to wait before the next job status check.

Inference Recommender publishes no completion event, so the workflow polls; every poll is a few
state transitions and a Lambda invocation. Two regimes:

- no history: start at `initial` seconds and double up to `maximum`: the worst lag between job
  completion and notification is `maximum`;
- history (earlier completed runs of the same endpoint and job type): sleep until shortly
  (`initial` seconds) before the shortest earlier duration, then poll every `initial` seconds
  while the job is within 25 % of that duration, then fall back to `maximum`. A weekly job is
  noticed within `initial` seconds of finishing with a handful of polls. The history is the
  endpoint's own; a first run on an endpoint uses the account's runs of the same job type instead
  (Start Job reads both, see `adapters/store.py`).

And the job's own progress, once a benchmark has finished (`Progress`, from
ListInferenceRecommendationsJobSteps): k of n benchmarks done, the k-th ending t seconds after the
first began, puts the end at about t*n/k after that start; the check sleeps until `initial` seconds
before it. Progress only ever lengthens the wait the regime above chose, never shortens it: every
wait stays at least the regime's, so `worst_case_checks` (which ignores progress) still bounds the
checks whatever the service reports.

Waits never run past the run's deadline, so the deadline is acted on in time.
"""

from __future__ import annotations

from dataclasses import dataclass

OVERRUN_WINDOW = 1.25  # past this multiple of the typical duration, history stops being a guide


@dataclass(frozen=True)
class PollPolicy:
    initial: int
    maximum: int


@dataclass(frozen=True)
class Progress:
    """The job's benchmarks at a check: `done` (COMPLETED or FAILED) of `total`; `began` and
    `last_done`: seconds since the run started at which the first benchmark started and the latest
    finished one ended (None when the service did not say: then the run's start; and no estimate
    without the end)."""

    done: int
    total: int
    began: float | None = None
    last_done: float | None = None


def estimated_end(progress: Progress | None, *, elapsed: float) -> float | None:
    """Seconds since the run started at which the job should end, from its progress; None when it
    says nothing (no benchmark done yet, nothing listed, no end time, or times that make no sense).

    Noisy input is clamped, never trusted: counts beyond the total, times before the run or after
    the check. All benchmarks done means the job is ending now.
    """
    if progress is None or progress.total <= 0 or progress.done <= 0:
        return None
    total = progress.total
    done = min(progress.done, total)
    if done == total:
        return elapsed
    if progress.last_done is None:
        # When the k-th ended is unknown (FAILED benchmarks carry no times): the check's own time
        # would overestimate the end by the detection delay times n/k, and sleep past it.
        return None
    began = min(max(progress.began or 0.0, 0.0), elapsed)
    last = min(max(progress.last_done, began), elapsed)
    if last <= began:
        return None
    return began + (last - began) * total / done


def next_wait(
    policy: PollPolicy,
    *,
    elapsed: float,
    checks: int,
    history_seconds: int | None,
    seconds_to_deadline: float,
    progress: Progress | None = None,
) -> int:
    """Seconds to wait before the next check.

    `elapsed`: seconds since the run started; `checks`: checks done so far; `history_seconds`:
    shortest earlier run duration, or None; `seconds_to_deadline`: time left before the deadline;
    `progress`: the job's benchmarks at this check, if known.
    """
    if history_seconds is not None and history_seconds > 0:
        wake_at = history_seconds - policy.initial
        if elapsed < wake_at:
            wait = wake_at - elapsed
        elif elapsed < history_seconds * OVERRUN_WINDOW:
            wait = policy.initial
        else:
            wait = policy.maximum
    else:
        wait = min(policy.maximum, policy.initial * 2 ** min(checks, 16))
    end = estimated_end(progress, elapsed=elapsed)
    if end is not None:  # sleep until shortly before the estimated end; never less than above
        wait = max(wait, end - policy.initial - elapsed)
    # Step Functions needs a whole, positive number; wake up at the deadline at the latest.
    return max(1, int(min(wait, max(seconds_to_deadline, 1))))


def _ceil(value: float) -> int:
    return -int(-value // 1)


def _checks_to_deadline(policy: PollPolicy, deadline: float, history_seconds: int | None) -> int:
    """Checks `next_wait` schedules from the run's start to `deadline` (the last one at the deadline).

    The clock starts at 0 and each check takes no time: time spent in a step only moves the clock
    forward, and every wait is a non-decreasing function of it (or of the check count alone), so
    this is the most checks a real run can make. Each phase is counted in closed form.
    """
    t, checks = 0.0, 0
    if history_seconds is not None and history_seconds > 0:
        wake_at = history_seconds - policy.initial
        if t < wake_at:  # one long sleep until shortly before the typical duration
            t, checks = min(float(wake_at), deadline), 1
        window_end = min(history_seconds * OVERRUN_WINDOW, deadline)
        if t < window_end:  # every `initial` seconds within the overrun window
            steps = _ceil((window_end - t) / policy.initial)
            t, checks = min(t + steps * policy.initial, deadline), checks + steps
    else:
        while t < deadline:  # the back-off from `initial` to `maximum` (at most 17 waits)
            wait = min(policy.maximum, policy.initial * 2 ** min(checks, 16))
            if wait >= policy.maximum:
                break
            t, checks = min(t + wait, deadline), checks + 1
    if t < deadline:  # every `maximum` seconds until the deadline
        checks += _ceil((deadline - t) / policy.maximum)
    return checks


def worst_case_checks(policy: PollPolicy, deadline_seconds: float) -> int:
    """The most checks `next_wait` can schedule before a run's deadline, over both regimes.

    No history; and every history duration that can change the schedule: 1 s up to the deadline
    plus `initial` (a longer history means one sleep straight to the deadline). The count includes
    the check at the deadline, the one that stops the job. Bounded: one closed-form count per
    history second. Progress is left out: it only lengthens waits, so it never adds checks.
    """
    deadline = float(deadline_seconds)
    worst = _checks_to_deadline(policy, deadline, None)
    for history in range(1, _ceil(deadline) + policy.initial + 1):
        worst = max(worst, _checks_to_deadline(policy, deadline, history))
    return worst
