"""How long to wait before the next job status check.

Inference Recommender publishes no completion event, so the workflow polls; every poll is a few
state transitions and a Lambda invocation. Two regimes:

- no history: start at `initial` seconds and double up to `maximum`: the worst lag between job
  completion and notification is `maximum`;
- history (earlier completed runs of the same endpoint and job type): sleep until shortly
  (`initial` seconds) before the shortest earlier duration, then poll every `initial` seconds
  while the job is within 25 % of that duration, then fall back to `maximum`. A weekly job is
  noticed within `initial` seconds of finishing with a handful of polls.

Waits never run past the run's deadline, so the deadline is acted on in time.
"""

from __future__ import annotations

from dataclasses import dataclass

OVERRUN_WINDOW = 1.25  # past this multiple of the typical duration, history stops being a guide


@dataclass(frozen=True)
class PollPolicy:
    initial: int
    maximum: int


def next_wait(
    policy: PollPolicy,
    *,
    elapsed: float,
    checks: int,
    history_seconds: int | None,
    seconds_to_deadline: float,
) -> int:
    """Seconds to wait before the next check.

    `elapsed`: seconds since the run started; `checks`: checks done so far; `history_seconds`:
    shortest earlier run duration, or None; `seconds_to_deadline`: time left before the deadline.
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
    # Step Functions needs a whole, positive number; wake up at the deadline at the latest.
    return max(1, int(min(wait, max(seconds_to_deadline, 1))))
