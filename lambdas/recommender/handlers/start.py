"""Lambda handler: Start Job."""

from __future__ import annotations

from datetime import UTC, datetime
from typing import Any

from aws_lambda_powertools.utilities.typing import LambdaContext

from recommender.adapters.aws import transient_as_retryable
from recommender.adapters.store import Store
from recommender.models import RunState
from recommender.observability import correlate, logger, traced
from recommender.settings import settings
from recommender.steps.start import start


@logger.inject_lambda_context(clear_state=True)
@traced
@transient_as_retryable
def lambda_handler(event: dict[str, Any], context: LambdaContext) -> dict[str, Any]:
    state = RunState.model_validate(event)
    correlate(execution=state.execution.id, endpointName=state.request.endpoint_name, jobName=state.job_name)
    cfg = settings()
    result = start(state, cfg=cfg, store=Store(cfg.table_name), now=datetime.now(UTC))
    logger.info("job started", extra={"jobArn": result.job_arn, "poll": result.poll and result.poll.wire()})
    return result.wire()
