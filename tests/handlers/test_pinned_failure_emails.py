"""What people read of a failed run, as Record Failure publishes it (issue 11): the email's header,
job and timing lines, the console links (JSON and email), a zero duration for an instant rejection."""

from __future__ import annotations

import pytest
from aws_lambda_powertools.utilities.typing import LambdaContext

from recommender.errors import EndpointNotEligible, JobFailed
from recommender.handlers import record_failure, validate
from simulator.clock import SimulatedClock
from simulator.seed import EndpointSpec, seed_endpoint
from tests.handlers.support import ENDPOINT, REGION, Steps, World, caught, execution_arn, expected_job_name

EXECUTION_URL = (
    f"https://{REGION}.console.aws.amazon.com/states/home?region={REGION}#/v2/executions/details/{execution_arn()}"
)


def job_url(job_name: str) -> str:
    return (
        f"https://{REGION}.console.aws.amazon.com/sagemaker/home?region={REGION}#/inference-recommender/jobs/{job_name}"
    )


def test_a_failed_jobs_email_and_links(
    world: World, steps: Steps, clock: SimulatedClock, lambda_context: LambdaContext
) -> None:
    world.fake.plan("FAILED", duration_seconds=1500, failure_reason="All benchmarks failed.", failed_steps=1)
    state = steps.started(world.input(trigger="schedule:weekly"))
    clock.advance(1560)  # the job failed at 1500 s; the check that saw it ran at 26 min
    with pytest.raises(JobFailed) as info:
        steps.check(state)

    record_failure.lambda_handler(caught(state, info.value), lambda_context)

    job = state["jobName"]
    [message] = world.notifications()
    assert message.body["consoleUrl"] == {"execution": EXECUTION_URL, "job": job_url(job)}
    [document] = world.published_documents()
    lines = document["email"].splitlines()
    assert lines[:6] == [
        f"Inference Recommender run FAILED for endpoint {ENDPOINT}",
        "",
        f"Job {job} (Default); trigger schedule:weekly",
        "Started 2026-11-25T03:00:00Z, finished 2026-11-25T03:26:00Z (26 min)",
        "",
        f"What happened: {info.value}",
    ]
    assert lines[-2:] == [f"Execution: {EXECUTION_URL}", f"Job: {job_url(job)}"]


def test_an_instant_rejection_lasts_zero_seconds_and_links_its_execution_only(
    world: World, lambda_context: LambdaContext
) -> None:
    """Rejected in the same second it started (the clock has not moved; the execution's start time
    has milliseconds, 03:00:00.123, the run's start is to the second)."""
    spec = EndpointSpec(name="burst-endpoint", instance_type="ml.t2.medium")
    seed_endpoint(world.sagemaker, spec)
    execution_input = world.input(endpointName=spec.name)
    with pytest.raises(EndpointNotEligible) as info:
        validate.lambda_handler(world.validate_event(execution_input), lambda_context)

    record_failure.lambda_handler(caught(execution_input, info.value), lambda_context)

    [item] = world.runs(spec.name)
    assert (item["startedAt"], item["finishedAt"], item["durationSeconds"]) == (
        "2026-11-25T03:00:00Z",
        "2026-11-25T03:00:00Z",
        0,
    )
    [message] = world.notifications()
    assert message.body["consoleUrl"] == {"execution": EXECUTION_URL}  # no job, no job page
    [document] = world.published_documents()
    lines = document["email"].splitlines()
    assert lines[:6] == [
        "Inference Recommender run REJECTED for endpoint burst-endpoint",
        "",
        "No Inference Recommender job was started; trigger manual",
        "Started 2026-11-25T03:00:00Z, finished 2026-11-25T03:00:00Z (0 s)",
        "",
        "What happened: Endpoint is not eligible for an Inference Recommender job: endpoint burst-endpoint",
    ]
    assert expected_job_name(endpoint=spec.name) not in document["email"]
    assert lines[-1] == f"Execution: {EXECUTION_URL}"
