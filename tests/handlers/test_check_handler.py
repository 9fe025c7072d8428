"""Check Job against the fake Inference Recommender on a simulated clock."""

from __future__ import annotations

import contextlib
from collections.abc import Iterator
from typing import Any

import pytest
from aws_lambda_powertools.utilities.typing import LambdaContext
from botocore.exceptions import ClientError, ConnectionClosedError, EndpointConnectionError, ReadTimeoutError
from botocore.stub import Stubber

from recommender.adapters import aws
from recommender.errors import JobFailed, JobStopped, JobTimedOut, TransientAwsError
from recommender.handlers import check
from simulator.clock import SimulatedClock
from tests.handlers.support import DEADLINE, MAX_CHECKS, START, STOP, Steps, World


def polls(
    state: dict[str, Any], clock: SimulatedClock, context: LambdaContext, until: str = "COMPLETED"
) -> Iterator[tuple[float, dict[str, Any]]]:
    """Wait/Check as the state machine does: (seconds since start, poll) after each check."""
    for _ in range(MAX_CHECKS):
        if state["poll"]["status"] == until:
            break
        clock.advance(state["poll"]["nextWaitSeconds"])
        state = check.lambda_handler(state, context)
        yield (clock.now() - START).total_seconds(), state["poll"]
    assert state["poll"]["status"] == until, f"not {until} after {MAX_CHECKS} checks: {state['poll']}"


def test_pending_in_progress_completed_without_history(
    world: World, steps: Steps, clock: SimulatedClock, lambda_context: LambdaContext
) -> None:
    # Three benchmarks one after the other from 300 s: done at 700, 1100 and 1500 s.
    world.fake.plan(duration_seconds=1500, pending_seconds=300)
    state = steps.started()

    seen = list(polls(state, clock, lambda_context))

    assert seen == [
        (60, {"status": "PENDING", "checks": 1, "nextWaitSeconds": 120}),
        (180, {"status": "PENDING", "checks": 2, "nextWaitSeconds": 120}),
        (300, {"status": "IN_PROGRESS", "checks": 3, "nextWaitSeconds": 120}),
        (420, {"status": "IN_PROGRESS", "checks": 4, "nextWaitSeconds": 120}),
        (540, {"status": "IN_PROGRESS", "checks": 5, "nextWaitSeconds": 120}),
        (660, {"status": "IN_PROGRESS", "checks": 6, "nextWaitSeconds": 120}),
        # 1 of 3 done, 400 s after the first began at 300 s: the end is due at 1500 s; sleep
        # until pollInitialSeconds before it.
        (780, {"status": "IN_PROGRESS", "checks": 7, "nextWaitSeconds": 1500 - 60 - 780}),
        (1440, {"status": "IN_PROGRESS", "checks": 8, "nextWaitSeconds": 120}),
        # Noticed 60 s after it finished, with 9 checks instead of 13 (every 120 s).
        (1560, {"status": "COMPLETED", "checks": 9, "nextWaitSeconds": 120}),
    ]


def test_check_keeps_the_rest_of_the_state(
    world: World, steps: Steps, clock: SimulatedClock, lambda_context: LambdaContext
) -> None:
    state = steps.started()
    clock.advance(60)
    checked = check.lambda_handler(state, lambda_context)
    assert {k: v for k, v in checked.items() if k != "poll"} == {k: v for k, v in state.items() if k != "poll"}


def test_with_history_few_checks_close_to_completion(
    world: World, steps: Steps, clock: SimulatedClock, lambda_context: LambdaContext
) -> None:
    world.put_item(
        {
            "endpointName": {"S": "demo-endpoint"},
            "runKey": {"S": "RUN#2026-11-18T03:00:00Z#ir-orchestrator-0123456789abcdef-demo-endpoint"},
            "status": {"S": "COMPLETED"},
            "jobName": {"S": "ir-orchestrator-0123456789abcdef-demo-endpoint"},
            "jobType": {"S": "Default"},
            "startedAt": {"S": "2026-11-18T03:00:00Z"},
            "durationSeconds": {"N": "2700"},
        }
    )
    world.fake.plan(duration_seconds=2760)  # a minute slower than last week
    state = steps.started()
    assert state["poll"]["nextWaitSeconds"] == 2640

    seen = list(polls(state, clock, lambda_context))

    assert seen == [
        (2640, {"status": "IN_PROGRESS", "checks": 1, "nextWaitSeconds": 60, "historySeconds": 2700}),
        (2700, {"status": "IN_PROGRESS", "checks": 2, "nextWaitSeconds": 60, "historySeconds": 2700}),
        (2760, {"status": "COMPLETED", "checks": 3, "nextWaitSeconds": 60, "historySeconds": 2700}),
    ]


def test_failed_job_raises_with_the_reasons(
    world: World, steps: Steps, clock: SimulatedClock, lambda_context: LambdaContext
) -> None:
    world.fake.plan(
        "FAILED",
        duration_seconds=1800,
        failure_reason="Benchmarks failed: no benchmark completed.",
        failed_steps=2,
    )
    state = steps.started()

    with pytest.raises(JobFailed) as info:
        list(polls(state, clock, lambda_context))

    message = str(info.value)
    assert "Benchmarks failed: no benchmark completed." in message
    assert state["jobName"] in message
    # Each failed benchmark's reason, with its instance type (ListInferenceRecommendationsJobSteps).
    for instance_type in ("ml.c5.xlarge", "ml.g4dn.xlarge"):
        assert (
            f"Benchmark on {instance_type} failed: the model container did not pass the /ping health check" in message
        )
    assert "ml.c6i.xlarge" not in message  # that benchmark completed
    # Its done benchmarks FAILED, without times: no estimate, so polled every 120 s and noticed
    # within one poll interval.
    assert (clock.now() - START).total_seconds() == 1800 + 60


def test_job_failing_while_pending(
    world: World, steps: Steps, clock: SimulatedClock, lambda_context: LambdaContext
) -> None:
    world.fake.plan("FAILED", duration_seconds=30, pending_seconds=60, failure_reason="Role cannot be assumed.")
    state = steps.started()
    clock.advance(60)
    with pytest.raises(JobFailed, match="Role cannot be assumed"):
        check.lambda_handler(state, lambda_context)


def test_stopped_job(world: World, steps: Steps, clock: SimulatedClock, lambda_context: LambdaContext) -> None:
    world.fake.plan("STOPPED", duration_seconds=900)
    state = steps.started()

    with pytest.raises(JobStopped, match="STOPPED"):
        list(polls(state, clock, lambda_context))

    assert world.calls(STOP) == []  # the workflow did not stop it


def test_stopped_outside_the_workflow(
    world: World, steps: Steps, clock: SimulatedClock, lambda_context: LambdaContext
) -> None:
    state = steps.started()
    clock.advance(60)
    world.sagemaker.stop_inference_recommendations_job(JobName=state["jobName"])

    stopping = check.lambda_handler(state, lambda_context)  # STOPPING is still running
    assert stopping["poll"]["status"] == "STOPPING"
    clock.advance(stopping["poll"]["nextWaitSeconds"])
    with pytest.raises(JobStopped, match="STOPPED"):
        check.lambda_handler(stopping, lambda_context)


def test_job_that_no_longer_exists(
    world: World, steps: Steps, clock: SimulatedClock, lambda_context: LambdaContext
) -> None:
    state = steps.started()
    world.fake.reset()  # the job is gone (deleted)
    clock.advance(60)
    with pytest.raises(JobStopped, match="DELETED"):
        check.lambda_handler(state, lambda_context)


def test_deadline_stops_the_job(
    world: World, steps: Steps, clock: SimulatedClock, lambda_context: LambdaContext
) -> None:
    world.fake.plan(duration_seconds=8 * 3600)  # longer than MAX_RUN_HOURS (6)
    state = steps.started()
    assert state["deadline"] == DEADLINE
    clock.advance(6 * 3600 - 500)  # skip the uneventful hours: the last few polls before the deadline
    state = check.lambda_handler(state, lambda_context)

    with pytest.raises(JobTimedOut) as info:
        list(polls(state, clock, lambda_context))

    # The wait schedule woke up exactly at the deadline, not up to a poll interval later.
    assert clock.now() == START.replace(hour=9)
    assert world.calls(STOP) == [{"JobName": state["jobName"]}]
    assert world.job_status(state["jobName"]) == "STOPPING"
    assert DEADLINE in str(info.value)


def test_last_wait_before_the_deadline_is_shortened(
    world: World, steps: Steps, clock: SimulatedClock, lambda_context: LambdaContext
) -> None:
    world.fake.plan(duration_seconds=8 * 3600)
    state = steps.started()
    clock.advance(6 * 3600 - 45)
    checked = check.lambda_handler(state, lambda_context)
    assert checked["poll"]["status"] == "IN_PROGRESS"
    assert checked["poll"]["nextWaitSeconds"] == 45
    assert world.calls(STOP) == []


def test_completed_at_the_deadline_is_not_stopped(
    world: World, steps: Steps, clock: SimulatedClock, lambda_context: LambdaContext
) -> None:
    world.fake.plan(duration_seconds=6 * 3600)
    state = steps.started()
    clock.advance(6 * 3600 + 10)
    assert check.lambda_handler(state, lambda_context)["poll"]["status"] == "COMPLETED"
    assert world.calls(STOP) == []


def _unreachable(exc: Exception) -> Any:
    """A before-send handler that fails the call as botocore does when the network gives out."""

    def fail(**_: Any) -> None:
        raise exc

    return fail


OUTAGES = [
    pytest.param(("ThrottlingException", 400), id="throttled"),
    pytest.param(("InternalFailure", 500), id="5xx"),
    pytest.param(("ServiceUnavailable", 503), id="503"),
    pytest.param(EndpointConnectionError(endpoint_url="https://api.sagemaker.us-east-1.amazonaws.com"), id="no-route"),
    pytest.param(ReadTimeoutError(endpoint_url="https://api.sagemaker.us-east-1.amazonaws.com"), id="read-timeout"),
    pytest.param(ConnectionClosedError(endpoint_url="https://api.sagemaker.us-east-1.amazonaws.com"), id="closed"),
]


@contextlib.contextmanager
def _outage(fault: Any, times: int) -> Iterator[None]:
    """The next `times` describes of the handlers' own (cached) client fail with `fault`."""
    client = aws.client("sagemaker")
    if isinstance(fault, tuple):
        code, http_status = fault
        with Stubber(client) as stubber:
            for _ in range(times):
                stubber.add_client_error(
                    "describe_inference_recommendations_job",
                    service_error_code=code,
                    service_message="Rate exceeded",
                    http_status_code=http_status,
                )
            yield
            stubber.assert_no_pending_responses()
        return
    event = "before-send.sagemaker.DescribeInferenceRecommendationsJob"
    client.meta.events.register_first(event, _unreachable(fault), unique_id="outage")
    try:
        yield
    finally:
        client.meta.events.unregister(event, unique_id="outage")


@pytest.mark.parametrize("fault", OUTAGES)
def test_an_unreachable_service_keeps_the_run_alive(
    steps: Steps, clock: SimulatedClock, lambda_context: LambdaContext, fault: Any
) -> None:
    # A multi-hour job must not fail because SageMaker could not be asked for a few minutes: the
    # check keeps the last known status and asks again later, backing off to pollMaxSeconds.
    state = steps.started()
    clock.advance(state["poll"]["nextWaitSeconds"])
    state = check.lambda_handler(state, lambda_context)
    assert state["poll"]["status"] == "IN_PROGRESS"
    waits = []
    with _outage(fault, times=3):
        for _ in range(3):
            state = check.lambda_handler(state, lambda_context)
            waits.append(state["poll"]["nextWaitSeconds"])
            clock.advance(waits[-1])
    assert state["poll"]["status"] == "IN_PROGRESS"  # the last known status, kept
    assert state["poll"]["unreachable"] == 3
    assert state["poll"]["checks"] == 4
    assert waits == [60, 120, 120]  # pollInitialSeconds doubling up to pollMaxSeconds
    # Reachable again: the count is cleared and the job followed as before.
    state = check.lambda_handler(state, lambda_context)
    assert state["poll"]["status"] == "IN_PROGRESS"
    assert "unreachable" not in state["poll"]


def test_unreachable_at_the_deadline_times_out(
    world: World, steps: Steps, clock: SimulatedClock, lambda_context: LambdaContext
) -> None:
    world.fake.plan(duration_seconds=8 * 3600)
    state = steps.started()
    clock.advance(6 * 3600 - 30)
    no_route = EndpointConnectionError(endpoint_url="https://api.sagemaker.us-east-1.amazonaws.com")
    with _outage(no_route, times=1):
        state = check.lambda_handler(state, lambda_context)
        assert state["poll"]["nextWaitSeconds"] == 30  # never past the deadline
        clock.advance(30)
        with pytest.raises(JobTimedOut, match="could not be checked"):
            check.lambda_handler(state, lambda_context)
    assert world.calls(STOP) == [{"JobName": state["jobName"]}]


def test_other_client_errors_are_not_retryable(
    world: World, steps: Steps, clock: SimulatedClock, lambda_context: LambdaContext
) -> None:
    state = steps.started()
    with Stubber(aws.client("sagemaker")) as stubber:
        stubber.add_client_error(
            "describe_inference_recommendations_job", service_error_code="AccessDeniedException", http_status_code=403
        )
        with pytest.raises(ClientError) as info:
            check.lambda_handler(state, lambda_context)
    assert not isinstance(info.value, TransientAwsError)
    assert info.value.response["Error"]["Code"] == "AccessDeniedException"


def test_a_validation_error_on_describe_is_not_a_missing_job(
    world: World, steps: Steps, clock: SimulatedClock, lambda_context: LambdaContext
) -> None:
    # Only ResourceNotFound (the operation's one modelled error) means "no such job"; reading any
    # ValidationException as "missing" ended runs as STOPPED while their job still ran.
    state = steps.started()
    clock.advance(60)
    with Stubber(aws.client("sagemaker")) as stubber:
        stubber.add_client_error(
            "describe_inference_recommendations_job", service_error_code="ValidationException", http_status_code=400
        )
        with pytest.raises(ClientError) as info:
            check.lambda_handler(state, lambda_context)
    assert not isinstance(info.value, JobStopped)
    assert info.value.response["Error"]["Code"] == "ValidationException"
    assert world.job_status(state["jobName"]) != "STOPPING"


def test_a_deleted_job_is_reported_stopped(
    world: World, steps: Steps, clock: SimulatedClock, lambda_context: LambdaContext
) -> None:
    state = steps.started()
    clock.advance(60)
    with Stubber(aws.client("sagemaker")) as stubber:
        stubber.add_client_error(
            "describe_inference_recommendations_job", service_error_code="ResourceNotFound", http_status_code=400
        )
        with pytest.raises(JobStopped, match="DELETED"):
            check.lambda_handler(state, lambda_context)


def test_log_keys_do_not_leak_between_invocations(
    world: World, steps: Steps, clock: SimulatedClock, lambda_context: LambdaContext
) -> None:
    from recommender.handlers import record_failure
    from recommender.observability import logger
    from tests.handlers.support import caught

    steps.started()  # appends endpointName, jobName and execution to the log keys
    assert logger.get_current_keys().get("jobName")
    # The next invocation of a warm environment is about a run with no job at all.
    record_failure.lambda_handler(caught({"endpointName": 7}, ValueError("bad input"), name="run-9"), lambda_context)
    keys = logger.get_current_keys()
    assert "jobName" not in keys
    assert keys.get("execution", "").endswith(":run-9")


def test_progress_unavailable_falls_back_to_the_schedule(
    world: World, steps: Steps, clock: SimulatedClock, lambda_context: LambdaContext
) -> None:
    # Benchmarks done at 700, 1100 and 1500 s. Listing them fails at 780 s (after botocore's
    # attempts): the check is not lost, it waits as without progress; the next one uses progress.
    world.fake.plan(duration_seconds=1500, pending_seconds=300)
    state = steps.started()
    clock.advance(780 - (clock.now() - START).total_seconds())
    client = aws.client("sagemaker")
    event = "before-send.sagemaker.ListInferenceRecommendationsJobSteps"
    client.meta.events.register_first(
        event, _unreachable(ReadTimeoutError(endpoint_url="https://api.sagemaker.us-east-1.amazonaws.com")), "steps"
    )
    try:
        state = check.lambda_handler(state, lambda_context)
    finally:
        client.meta.events.unregister(event, unique_id="steps")
    assert state["poll"]["status"] == "IN_PROGRESS"
    assert state["poll"]["nextWaitSeconds"] == 120  # as without progress
    clock.advance(120)
    state = check.lambda_handler(state, lambda_context)
    assert state["poll"]["nextWaitSeconds"] == 1500 - 60 - 900


def test_a_long_first_run_sleeps_through_its_benchmarks(
    world: World, steps: Steps, clock: SimulatedClock, lambda_context: LambdaContext
) -> None:
    # A 2-hour job of 3 benchmarks and no history anywhere: polling every 120 s until the first
    # benchmark is done (2480 s), then a sleep until shortly before the estimated end; noticed
    # within a minute.
    world.fake.plan(duration_seconds=7200, pending_seconds=120)
    state = steps.started()
    seen = list(polls(state, clock, lambda_context))
    finished_after = seen[-1][0] - 7200
    assert 0 <= finished_after <= 60
    assert len(seen) <= 61 // 2  # a fixed 120 s schedule: 61 checks
