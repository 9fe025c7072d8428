"""boto3 clients (created once per execution environment) and transient-error translation."""

from __future__ import annotations

import functools
from collections.abc import Callable
from typing import Any, ParamSpec, TypeVar

import botocore.session
from botocore.config import Config
from botocore.exceptions import ClientError, ReadTimeoutError
from botocore.exceptions import ConnectionError as NetworkError

from recommender.errors import TransientAwsError

# Standard mode retries throttling and 5xx with backoff (max_attempts: 4 retries, 5 attempts in all);
# past that the state machine's retrier
# (which has jitter and a longer horizon) takes over through TransientAwsError.
CLIENT_CONFIG = Config(retries={"mode": "standard", "max_attempts": 4}, connect_timeout=5, read_timeout=20)
TRANSIENT_CODES = frozenset(
    {
        "Throttling",
        "ThrottlingException",
        "ThrottledException",
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
        "KMSThrottlingException",
    }
)

P = ParamSpec("P")
R = TypeVar("R")


@functools.cache
def session() -> botocore.session.Session:
    return botocore.session.get_session()


@functools.cache
def client(service: str) -> Any:
    """One client per service per execution environment (reused across invocations).

    botocore rather than boto3: these steps use low-level clients only, and importing boto3 also
    imports s3transfer, which nearly doubles the cold-start import time.
    """
    return session().create_client(service, config=CLIENT_CONFIG)


def region() -> str:
    return str(client("sagemaker").meta.region_name)


def error_code(exc: ClientError) -> str:
    return str(exc.response.get("Error", {}).get("Code", ""))


def is_transient(exc: Exception) -> bool:
    if isinstance(exc, ConnectionError | ReadTimeoutError):
        return True
    if isinstance(exc, ClientError):
        status = exc.response.get("ResponseMetadata", {}).get("HTTPStatusCode", 0)
        return error_code(exc) in TRANSIENT_CODES or status >= 500
    return False


def transient_as_retryable(func: Callable[P, R]) -> Callable[P, R]:
    """Re-raise throttling / 5xx / network errors as `TransientAwsError` for the state machine."""

    @functools.wraps(func)
    def wrapper(*args: P.args, **kwargs: P.kwargs) -> R:
        try:
            return func(*args, **kwargs)
        except (ClientError, NetworkError, ReadTimeoutError) as exc:
            if is_transient(exc):
                raise TransientAwsError(f"transient AWS error, retry later: {exc}") from exc
            raise

    return wrapper
