"""boto3 clients (created once per execution environment) and transient-error translation."""

from __future__ import annotations

import contextvars
import functools
import time
from collections.abc import Callable
from typing import Any, ParamSpec, TypeVar

import botocore.session
from botocore.config import Config
from botocore.exceptions import ClientError, HTTPClientError
from botocore.exceptions import ConnectionError as NetworkError

from recommender.errors import TransientAwsError

# botocore's network failures: connection errors (endpoint unreachable, connect timeout, proxy,
# SSL) and HTTP client errors (read timeout, connection closed mid-response).
NETWORK_ERRORS = (NetworkError, HTTPClientError)

# Standard mode retries throttling, 5xx and network errors with backoff; past that the state
# machine's retrier (jitter, a longer horizon) takes over through TransientAwsError. The numbers
# bound what one call can cost, so a step never outlives its Lambda timeout inside botocore.
CONNECT_TIMEOUT_SECONDS = 3
READ_TIMEOUT_SECONDS = 10
TOTAL_ATTEMPTS = 4
MAX_BACKOFF_SECONDS = 20  # botocore standard mode: rand(0, 1) * min(2 ** attempt, 20) between attempts
CLIENT_CONFIG = Config(
    retries={"mode": "standard", "total_max_attempts": TOTAL_ATTEMPTS},
    connect_timeout=CONNECT_TIMEOUT_SECONDS,
    read_timeout=READ_TIMEOUT_SECONDS,
)
# The worst one call can take: every attempt times out, with the longest backoff between them.
CALL_BUDGET_SECONDS = TOTAL_ATTEMPTS * (CONNECT_TIMEOUT_SECONDS + READ_TIMEOUT_SECONDS) + sum(
    min(2**attempt, MAX_BACKOFF_SECONDS) for attempt in range(TOTAL_ATTEMPTS - 1)
)
# The Lambda timeout of every step (infra/functions.py): room for three worst-case calls. A call is
# not started with less than CALL_BUDGET_SECONDS left (`guard_time_left`): the step ends with
# TransientAwsError and the state machine retries it, instead of Lambda killing it mid-retry.
STEP_TIMEOUT_SECONDS = 3 * CALL_BUDGET_SECONDS
# Error codes that mean "try again later" (throttling, capacity, 5xx-like), across the services used.
TRANSIENT_CODES = frozenset(
    {
        "Throttling",
        "ThrottlingException",
        "ThrottledException",
        "Throttled",  # SNS (HTTP 429)
        "TooManyRequestsException",
        "RequestLimitExceeded",
        "ProvisionedThroughputExceededException",
        "RequestThrottled",
        "RequestThrottledException",
        "LimitExceededException",
        "InternalFailure",
        "InternalServerError",
        "ServiceUnavailable",
        "ServiceUnavailableException",
        "InternalError",
        "KMSThrottling",  # SNS, when KMS throttles the topic's key
        "KMSThrottlingException",  # KMS itself
    }
)

P = ParamSpec("P")
R = TypeVar("R")


# When the running invocation must be finished (time.monotonic()), from the Lambda context.
_invocation_deadline: contextvars.ContextVar[float | None] = contextvars.ContextVar("deadline", default=None)


@functools.cache
def session() -> botocore.session.Session:
    created = botocore.session.get_session()
    created.register("before-call", guard_time_left, unique_id="recommender-guard-time-left")
    return created


def guard_time_left(model: Any = None, **_: Any) -> None:
    """Refuse to start a call that might not finish, with its retries, before Lambda's timeout."""
    deadline = _invocation_deadline.get()
    if deadline is None:
        return
    left = deadline - time.monotonic()
    if left < CALL_BUDGET_SECONDS:
        name = getattr(model, "name", "an AWS call")
        raise TransientAwsError(
            f"{left:.0f} s left in this invocation, less than the {CALL_BUDGET_SECONDS} s {name} may take "
            "with its retries: the step ends here and the state machine tries it again"
        )


@functools.cache
def client(service: str, region: str | None = None) -> Any:
    """One client per service (and region, default the function's) per execution environment,
    reused across invocations.

    botocore rather than boto3: these steps use low-level clients only, and importing boto3 also
    imports s3transfer, which nearly doubles the cold-start import time.
    """
    return session().create_client(service, region_name=region, config=CLIENT_CONFIG)


def region() -> str:
    return str(client("sagemaker").meta.region_name)


def error_code(exc: ClientError) -> str:
    return str(exc.response.get("Error", {}).get("Code", ""))


def is_transient(exc: BaseException) -> bool:
    """Throttling, 5xx and network errors (botocore's own `ConnectionError` family, which the
    builtin `ConnectionError` is not) that outlasted botocore's retries: worth trying again."""
    if isinstance(exc, (*NETWORK_ERRORS, TransientAwsError)):
        return True
    if isinstance(exc, ClientError):
        status = exc.response.get("ResponseMetadata", {}).get("HTTPStatusCode", 0)
        return error_code(exc) in TRANSIENT_CODES or status >= 500
    return False


def transient_as_retryable(func: Callable[P, R]) -> Callable[P, R]:
    """Re-raise throttling / 5xx / network errors as `TransientAwsError` for the state machine, and
    keep every AWS call of the invocation within its Lambda timeout (`guard_time_left`)."""

    @functools.wraps(func)
    def wrapper(*args: P.args, **kwargs: P.kwargs) -> R:
        context = args[1] if len(args) > 1 else kwargs.get("context")
        remaining = getattr(context, "get_remaining_time_in_millis", None)
        token = _invocation_deadline.set(time.monotonic() + remaining() / 1000 if callable(remaining) else None)
        try:
            return func(*args, **kwargs)
        except (ClientError, *NETWORK_ERRORS) as exc:
            if is_transient(exc):
                raise TransientAwsError(f"transient AWS error, retry later: {exc}") from exc
            raise
        finally:
            _invocation_deadline.reset(token)

    return wrapper
