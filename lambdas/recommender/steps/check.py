"""Check Job: follow the job's status, decide the next wait, enforce the deadline."""

from __future__ import annotations

from datetime import datetime

from recommender.adapters import progress, sagemaker
from recommender.adapters.aws import is_transient
from recommender.errors import JobFailed, JobStopped, JobTimedOut
from recommender.logic.polling import PollPolicy, Progress, next_wait
from recommender.models import PollState, RunState, parse_time
from recommender.settings import Settings


def failure_text(job_name: str, reason: str | None) -> str:
    """The service's FailureReason plus each failed benchmark's reason."""
    lines = [f"job {job_name} failed: {reason or 'no reason given by the service'}"]
    lines += [f"failed benchmark {r}" for r in sagemaker.failed_step_reasons(job_name)]
    return "; ".join(lines)


def job_progress(state: RunState) -> Progress | None:
    """The job's benchmark progress, or None when SageMaker cannot say right now (throttled, 5xx,
    unreachable): progress only lengthens waits, so the schedule without it is always safe."""
    try:
        steps = progress.benchmark_steps(state.job_name)
    except Exception as exc:
        if not is_transient(exc):
            raise
        return None
    return progress.progress_of(steps, started_at=parse_time(state.started_at))


def check(state: RunState, *, cfg: Settings, now: datetime) -> RunState:
    poll = state.poll or PollState(status="PENDING", next_wait_seconds=cfg.poll_initial_seconds)
    checks = poll.checks + 1
    deadline = parse_time(state.deadline)
    try:
        job = sagemaker.describe_job(state.job_name)
    except Exception as exc:
        if not is_transient(exc):
            raise
        return unreachable(state, poll, cfg=cfg, now=now, cause=exc)
    status = str(job["Status"]) if job else "DELETED"
    if status == "COMPLETED":
        update = {"status": status, "checks": checks, "unreachable": None}
        return state.model_copy(update={"poll": poll.model_copy(update=update)})
    if status == "FAILED":
        raise JobFailed(failure_text(state.job_name, (job or {}).get("FailureReason")))
    if status in sagemaker.STOPPED_JOB_STATUSES:
        raise JobStopped(f"job {state.job_name} is {status}: it was stopped or deleted outside this workflow")
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
        # Benchmarks are listed only while they run (none while PENDING).
        progress=job_progress(state) if status == "IN_PROGRESS" else None,
    )
    update = {"status": status, "checks": checks, "next_wait_seconds": wait, "unreachable": None}
    return state.model_copy(update={"poll": poll.model_copy(update=update)})


def unreachable(state: RunState, poll: PollState, *, cfg: Settings, now: datetime, cause: Exception) -> RunState:
    """SageMaker could not be asked (still throttled, 5xx or unreachable after every retry).

    A multi-hour job must not fail for a brief outage: keep the last known status and ask again
    later, backing off up to `pollMaxSeconds`, until the deadline. At the deadline the run ends
    TIMED_OUT as usual (the stop is attempted; Record Failure tries again).
    """
    deadline = parse_time(state.deadline)
    if now >= deadline:
        try:
            sagemaker.stop_job(state.job_name)
        except Exception as exc:
            if not is_transient(exc):
                raise
        raise JobTimedOut(
            f"job {state.job_name} could not be checked at the run's deadline {state.deadline} "
            f"(maxRunHours {cfg.max_run_hours:g}; SageMaker unreachable: {cause}); it was asked to stop"
        ) from cause
    failures = (poll.unreachable or 0) + 1
    backoff = min(cfg.poll_max_seconds, cfg.poll_initial_seconds * 2 ** min(failures - 1, 16))
    wait = max(1, int(min(backoff, (deadline - now).total_seconds())))
    update = {"checks": poll.checks + 1, "next_wait_seconds": wait, "unreachable": failures}
    return state.model_copy(update={"poll": poll.model_copy(update=update)})
