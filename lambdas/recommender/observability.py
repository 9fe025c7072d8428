"""Powertools Logger and Metrics, and the optional Tracer, one instance each per environment.

The functions run with Lambda active tracing, so every invocation has its X-Ray segment either
way. Powertools' Tracer adds a subsegment per AWS call, but it imports the X-Ray SDK, which builds
its own botocore client at import: measured at ~230 ms per cold start, close to a bare
`import boto3`. It is therefore opt-in (`traceAwsCalls` in cdk.json -> TRACE_AWS_CALLS=true).
"""

from __future__ import annotations

import os
from collections.abc import Callable
from typing import Any, TypeVar

from aws_lambda_powertools import Logger, Metrics

logger = Logger()
metrics = Metrics()
# Read here rather than in Settings: it decides what is imported, before any handler runs.
TRACE_AWS_CALLS = os.environ.get("TRACE_AWS_CALLS", "false").lower() == "true"

Handler = TypeVar("Handler", bound=Callable[..., Any])


def traced(handler: Handler) -> Handler:
    """Wrap the handler in Powertools' Tracer when AWS-call tracing is on; otherwise unchanged."""
    if not TRACE_AWS_CALLS:
        return handler
    from aws_lambda_powertools import Tracer

    return Tracer().capture_lambda_handler(handler)  # type: ignore[return-value]


def correlate(**keys: str | None) -> None:
    """Add correlation keys (endpointName, jobName, execution) to every following log line."""
    logger.append_keys(**{k: v for k, v in keys.items() if v})
