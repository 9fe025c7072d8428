"""Lambda handler: Select Endpoints (the fleet state machine's first step)."""

from __future__ import annotations

from typing import Any

from aws_lambda_powertools.utilities.typing import LambdaContext

from recommender.adapters.aws import transient_as_retryable
from recommender.models import WorkflowEvent
from recommender.observability import correlate, logger, traced
from recommender.settings import settings
from recommender.steps.fleet import select_endpoints


@logger.inject_lambda_context(clear_state=True)
@traced
@transient_as_retryable
def lambda_handler(event: dict[str, Any], context: LambdaContext) -> dict[str, Any]:
    workflow = WorkflowEvent.model_validate(event)
    correlate(execution=workflow.execution.id)
    selection = select_endpoints(workflow.input, workflow.execution, cfg=settings())
    logger.info(
        "endpoints selected",
        extra={
            "runs": len(selection.items),
            "skipped": len(selection.skipped),
            "maxConcurrency": selection.max_concurrency,
        },
    )
    return selection.wire()
