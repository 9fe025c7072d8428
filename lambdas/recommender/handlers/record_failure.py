"""Lambda handler: Record Failure (from a Catch, or from the execution-status EventBridge rule)."""

from __future__ import annotations

from datetime import UTC, datetime
from typing import Any

from aws_lambda_powertools.utilities.typing import LambdaContext

from recommender.adapters.aws import region, transient_as_retryable
from recommender.adapters.store import Store
from recommender.models import CaughtFailure, ExecutionStatusDetail
from recommender.observability import correlate, logger, traced
from recommender.settings import settings
from recommender.steps.record_failure import from_catch, from_event, record_failure

STATUS_CHANGE = "Step Functions Execution Status Change"


@logger.inject_lambda_context(clear_state=True)
@traced
@transient_as_retryable
def lambda_handler(event: dict[str, Any], context: LambdaContext) -> dict[str, Any]:
    if event.get("detail-type") == STATUS_CHANGE:
        failure = from_event(ExecutionStatusDetail.model_validate(event["detail"]))
    else:
        failure = from_catch(CaughtFailure.model_validate(event))
    correlate(execution=failure.execution_arn, endpointName=str(failure.request.get("endpointName", "")))
    cfg = settings()
    record = record_failure(
        failure,
        store=Store(cfg.table_name),
        prefix=cfg.job_name_prefix,
        topic_arn=cfg.topic_arn,
        region=region(),
        now=datetime.now(UTC),
    )
    logger.info("failure recorded", extra={"status": record.status, "reason": record.failure_reason})
    return {"status": record.status, "endpointName": record.endpoint_name, "runKey": record.run_key}
