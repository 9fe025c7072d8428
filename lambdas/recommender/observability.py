"""Powertools Logger, Tracer and Metrics, one instance each per execution environment."""

from __future__ import annotations

from aws_lambda_powertools import Logger, Metrics, Tracer

logger = Logger()
tracer = Tracer()
metrics = Metrics()


def correlate(**keys: str | None) -> None:
    """Add correlation keys (endpointName, jobName, execution) to every following log line."""
    logger.append_keys(**{k: v for k, v in keys.items() if v})
