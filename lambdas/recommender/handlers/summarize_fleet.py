"""Lambda handler: Summarize Fleet (the fleet state machine's last step)."""

from __future__ import annotations

from datetime import UTC, datetime
from typing import Any

from aws_lambda_powertools.utilities.typing import LambdaContext

from recommender.adapters.aws import transient_as_retryable
from recommender.adapters.store import Store
from recommender.models import FleetSelection
from recommender.observability import correlate, logger, traced
from recommender.settings import settings
from recommender.steps.fleet import summarize_fleet


@logger.inject_lambda_context(clear_state=True)
@traced
@transient_as_retryable
def lambda_handler(event: dict[str, Any], context: LambdaContext) -> dict[str, Any]:
    """`event`: the selection (Select Endpoints' result), `results` (the Map's) and the child state
    machine's ARN (from the definition)."""
    selection = FleetSelection.model_validate(event["selection"])
    correlate(execution=selection.execution_arn)
    cfg = settings()
    record = summarize_fleet(
        selection,
        list(event.get("results") or []),
        child_state_machine_arn=str(event["childStateMachineArn"]),
        cfg=cfg,
        store=Store(cfg.table_name),
        now=datetime.now(UTC),
    )
    logger.info("fleet summarized", extra={"runs": len(record.runs), "savings": record.total_monthly_savings})
    return {
        "fleetName": record.fleet_name,
        "runs": len(record.runs),
        "totalMonthlySavings": record.total_monthly_savings,
    }
