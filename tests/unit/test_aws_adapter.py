"""Which AWS failures the steps treat as transient, and the time guard that keeps a step within its
Lambda timeout."""

from __future__ import annotations

import time
from typing import Any

import pytest
from botocore.exceptions import (
    ClientError,
    ConnectionClosedError,
    ConnectTimeoutError,
    EndpointConnectionError,
    ReadTimeoutError,
)

from recommender.adapters import aws
from recommender.errors import TransientAwsError

URL = "https://sns.us-east-1.amazonaws.com"


def client_error(code: str, status: int) -> ClientError:
    response: Any = {"Error": {"Code": code, "Message": "m"}, "ResponseMetadata": {"HTTPStatusCode": status}}
    return ClientError(response, "Op")


@pytest.mark.parametrize(
    ("exc", "transient"),
    [
        # SNS: throttling of the topic and of its KMS key; the key or the caller refused (final).
        (client_error("Throttled", 429), True),
        (client_error("KMSThrottling", 400), True),
        (client_error("KMSDisabled", 400), False),
        (client_error("KMSAccessDenied", 400), False),
        (client_error("AuthorizationError", 403), False),
        (client_error("InvalidParameter", 400), False),
        # DynamoDB and SageMaker throttling, 5xx of any service
        (client_error("ProvisionedThroughputExceededException", 400), True),
        (client_error("ThrottlingException", 400), True),
        (client_error("InternalServerError", 500), True),
        (client_error("SomethingNew", 503), True),
        (client_error("ValidationException", 400), False),
        (client_error("ConditionalCheckFailedException", 400), False),
        # botocore's network errors: neither is the builtin ConnectionError
        (EndpointConnectionError(endpoint_url=URL), True),
        (ConnectTimeoutError(endpoint_url=URL), True),
        (ReadTimeoutError(endpoint_url=URL), True),
        (ConnectionClosedError(endpoint_url=URL), True),
        (TransientAwsError("already translated"), True),
        (ValueError("a bug"), False),
    ],
)
def test_transient(exc: Exception, transient: bool) -> None:
    assert aws.is_transient(exc) is transient


@pytest.mark.parametrize(
    "exc",
    [
        client_error("Throttled", 429),
        EndpointConnectionError(endpoint_url=URL),
        ReadTimeoutError(endpoint_url=URL),
        ConnectionClosedError(endpoint_url=URL),
    ],
)
def test_handlers_turn_transient_errors_into_the_retried_error(exc: Exception) -> None:
    @aws.transient_as_retryable
    def handler(event: Any, context: Any) -> None:
        raise exc

    with pytest.raises(TransientAwsError):
        handler({}, None)


def test_final_errors_pass_through_unchanged() -> None:
    error = client_error("KMSDisabled", 400)

    @aws.transient_as_retryable
    def handler(event: Any, context: Any) -> None:
        raise error

    with pytest.raises(ClientError) as info:
        handler({}, None)
    assert info.value is error


def test_the_client_retry_budget_fits_the_step_timeout() -> None:
    # every attempt timing out, the longest backoff between them
    attempts = aws.TOTAL_ATTEMPTS
    worst = attempts * (aws.CONNECT_TIMEOUT_SECONDS + aws.READ_TIMEOUT_SECONDS) + sum(
        min(2**i, 20) for i in range(attempts - 1)
    )
    assert worst == aws.CALL_BUDGET_SECONDS
    assert aws.STEP_TIMEOUT_SECONDS >= 2 * aws.CALL_BUDGET_SECONDS
    config: Any = aws.CLIENT_CONFIG
    assert (config.connect_timeout, config.read_timeout) == (aws.CONNECT_TIMEOUT_SECONDS, aws.READ_TIMEOUT_SECONDS)
    assert config.retries == {"mode": "standard", "total_max_attempts": attempts}


class _Context:
    def __init__(self, remaining_seconds: float) -> None:
        self._until = time.monotonic() + remaining_seconds

    def get_remaining_time_in_millis(self) -> int:
        return int((self._until - time.monotonic()) * 1000)


@pytest.mark.parametrize(
    ("remaining", "refused"), [(aws.CALL_BUDGET_SECONDS - 1, True), (aws.CALL_BUDGET_SECONDS + 5, False)]
)
def test_no_call_starts_that_could_outlive_the_invocation(
    monkeypatch: pytest.MonkeyPatch, *, remaining: float, refused: bool
) -> None:
    monkeypatch.setenv("AWS_DEFAULT_REGION", "us-east-1")
    monkeypatch.setenv("AWS_ACCESS_KEY_ID", "testing")
    monkeypatch.setenv("AWS_SECRET_ACCESS_KEY", "testing")
    aws.client.cache_clear()
    aws.session.cache_clear()
    sent: list[str] = []

    def record(**kwargs: Any) -> Any:
        sent.append(kwargs["event_name"].rsplit(".", 1)[1])
        raise RuntimeError("sent")  # stop here: only whether the call was started matters

    aws.client("sns").meta.events.register("before-send.sns.Publish", record)

    @aws.transient_as_retryable
    def handler(event: Any, context: Any) -> None:
        aws.client("sns").publish(TopicArn="arn:aws:sns:us-east-1:123456789012:t", Message="m")

    try:
        if refused:
            with pytest.raises(TransientAwsError, match=r"less than the \d+ s Publish may take"):
                handler({}, _Context(remaining))
            assert sent == []
        else:
            with pytest.raises(RuntimeError, match="sent"):
                handler({}, _Context(remaining))
            assert sent == ["Publish"]
    finally:
        aws.client.cache_clear()
        aws.session.cache_clear()


def test_outside_an_invocation_nothing_is_refused() -> None:
    aws.guard_time_left(model=None)  # no deadline known: no opinion
