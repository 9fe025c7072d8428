"""Lambda handler: Publish Results."""

from __future__ import annotations

from datetime import UTC, datetime
from typing import Any

from aws_lambda_powertools.metrics import MetricUnit
from aws_lambda_powertools.utilities.typing import LambdaContext

from recommender.adapters.aws import region, transient_as_retryable
from recommender.adapters.store import Store
from recommender.models import RunRecord, RunState
from recommender.observability import correlate, logger, metrics, traced
from recommender.settings import settings
from recommender.steps.publish import publish


def emit_metrics(record: RunRecord) -> None:
    """Per-endpoint figures for the dashboard (CloudWatch embedded metric format)."""
    metrics.add_dimension(name="EndpointName", value=record.endpoint_name)
    metrics.add_dimension(name="JobType", value=record.job_type or "Default")
    current = record.current_endpoint
    figures: list[tuple[str, float | None, MetricUnit]] = [
        ("CurrentMaxInvocations", current.max_invocations if current else None, MetricUnit.Count),
        ("CurrentModelLatency", current.model_latency_ms if current else None, MetricUnit.Milliseconds),
        ("RunDurationSeconds", record.duration_seconds, MetricUnit.Seconds),
    ]
    # 1 when the current endpoint measured worse than in the previous completed run (alarmed).
    figures.append(("Regression", 1 if record.regression else 0, MetricUnit.Count))
    if record.best and record.best.cheapest_per_inference and record.recommendations:
        cheapest = record.recommendations[record.best.cheapest_per_inference - 1]
        figures.append(("BestCostPerInference", cheapest.cost_per_inference, MetricUnit.NoUnit))
    for name, value, unit in figures:
        if value is not None:
            metrics.add_metric(name=name, unit=unit, value=float(value))


@logger.inject_lambda_context(clear_state=True)
@traced
@metrics.log_metrics
@transient_as_retryable
def lambda_handler(event: dict[str, Any], context: LambdaContext) -> dict[str, Any]:
    state = RunState.model_validate(event)
    correlate(execution=state.execution.id, endpointName=state.request.endpoint_name, jobName=state.job_name)
    cfg = settings()
    record = publish(state, cfg=cfg, store=Store(cfg.table_name), region=region(), now=datetime.now(UTC))
    emit_metrics(record)
    logger.info("run published", extra={"status": record.status, "runKey": record.run_key})
    return {"status": record.status, "endpointName": record.endpoint_name, "runKey": record.run_key}
