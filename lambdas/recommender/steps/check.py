"""Check Job: follow the job's status, decide the next wait, enforce the deadline."""

from __future__ import annotations

from datetime import datetime

from recommender.adapters import sagemaker
from recommender.errors import JobFailed, JobStopped, JobTimedOut
from recommender.logic.polling import PollPolicy, next_wait
from recommender.models import PollState, RunState, parse_time
from recommender.settings import Settings

RUNNING = frozenset({"PENDING", "IN_PROGRESS", "STOPPING"})
STOPPED = frozenset({"STOPPED", "DELETING", "DELETED"})


def failure_text(job_name: str, reason: str | None) -> str:
    """The service's FailureReason plus each failed benchmark's reason."""
    lines = [f"job {job_name} failed: {reason or 'no reason given by the service'}"]
    lines += [f"failed benchmark {r}" for r in sagemaker.failed_step_reasons(job_name)]
    return "; ".join(lines)


def check(state: RunState, *, cfg: Settings, now: datetime) -> RunState:
    poll = state.poll or PollState(status="PENDING", next_wait_seconds=cfg.poll_initial_seconds)
    job = sagemaker.describe_job(state.job_name)
    status = str(job["Status"]) if job else "DELETED"
    checks = poll.checks + 1
    if status == "COMPLETED":
        return state.model_copy(update={"poll": poll.model_copy(update={"status": status, "checks": checks})})
    if status == "FAILED":
        raise JobFailed(failure_text(state.job_name, (job or {}).get("FailureReason")))
    if status in STOPPED:
        raise JobStopped(f"job {state.job_name} is {status}: it was stopped or deleted outside this workflow")
    deadline = parse_time(state.deadline)
    if now >= deadline:
        sagemaker.stop_job(state.job_name)
        raise JobTimedOut(
            f"job {state.job_name} was still {status} at the run's deadline {state.deadline} "
            f"(maxRunHours {cfg.max_run_hours:g}); it was asked to stop"
        )
    wait = next_wait(
        PollPolicy(cfg.poll_initial_seconds, cfg.poll_max_seconds),
        elapsed=(now - parse_time(state.started_at)).total_seconds(),
        checks=checks,
        history_seconds=poll.history_seconds,
        seconds_to_deadline=(deadline - now).total_seconds(),
    )
    updated = poll.model_copy(update={"status": status, "checks": checks, "next_wait_seconds": wait})
    return state.model_copy(update={"poll": updated})
