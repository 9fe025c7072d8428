"""Lambda handler: Validate Endpoint."""

from __future__ import annotations

from datetime import UTC, datetime
from typing import Any

from aws_lambda_powertools.utilities.typing import LambdaContext

from recommender.adapters.aws import transient_as_retryable
from recommender.models import WorkflowEvent
from recommender.observability import correlate, logger, traced
from recommender.settings import settings
from recommender.steps.validate import validate


@logger.inject_lambda_context(clear_state=True)
@traced
@transient_as_retryable
def lambda_handler(event: dict[str, Any], context: LambdaContext) -> dict[str, Any]:
    workflow = WorkflowEvent.model_validate(event)
    raw = workflow.input if isinstance(workflow.input, dict) else {}
    correlate(execution=workflow.execution.id, endpointName=str(raw.get("endpointName", "")))
    state = validate(workflow, cfg=settings(), now=datetime.now(UTC))
    correlate(jobName=state.job_name)
    logger.info("endpoint eligible", extra={"endpoint": state.endpoint.wire()})
    return state.wire()
