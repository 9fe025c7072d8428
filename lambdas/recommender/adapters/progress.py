"""The job's benchmarks as ListInferenceRecommendationsJobSteps lists them (the wait schedule's
progress; `logic/polling.py`)."""

from __future__ import annotations

from datetime import datetime
from typing import Any

from recommender.adapters.aws import client
from recommender.logic.polling import Progress
from recommender.models import parse_time

DONE_STEP_STATUSES = frozenset({"COMPLETED", "FAILED"})


def benchmark_steps(job_name: str) -> list[dict[str, Any]]:
    """Every BENCHMARK step of the job (all pages)."""
    steps: list[dict[str, Any]] = []
    token: str | None = None
    while True:
        page = client("sagemaker").list_inference_recommendations_job_steps(
            JobName=job_name, StepType="BENCHMARK", **({"NextToken": token} if token else {})
        )
        steps += page.get("Steps", [])
        token = page.get("NextToken")
        if not token:
            return steps


def progress_of(steps: list[dict[str, Any]], *, started_at: datetime) -> Progress:
    """k of n benchmarks done, with the first start and the latest end the service reports
    (`InvocationStartTime` / `InvocationEndTime`), as seconds since the run started."""
    done = [step for step in steps if step.get("Status") in DONE_STEP_STATUSES]

    def seconds(step: dict[str, Any], key: str) -> float | None:
        value = (step.get("InferenceBenchmark") or {}).get(key)
        return None if value is None else (parse_time(value) - started_at).total_seconds()

    starts = [s for s in (seconds(step, "InvocationStartTime") for step in steps) if s is not None]
    ends = [s for s in (seconds(step, "InvocationEndTime") for step in done) if s is not None]
    return Progress(
        done=len(done),
        total=len(steps),
        began=min(starts) if starts else None,
        # A done benchmark without an end time: its end is only known to be before this check.
        last_done=max(ends) if ends and len(ends) == len(done) else None,
    )
