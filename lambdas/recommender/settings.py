"""The functions' environment, validated once at cold start (never read os.environ elsewhere)."""

from __future__ import annotations

import os
from functools import cache

from pydantic import BaseModel, ConfigDict, Field


class Settings(BaseModel):
    """Every function gets the same environment from the stack's Functions construct."""

    model_config = ConfigDict(frozen=True, extra="ignore")

    table_name: str = Field(alias="TABLE_NAME", min_length=1)
    topic_arn: str = Field(alias="TOPIC_ARN", min_length=1)
    job_role_arn: str = Field(alias="JOB_ROLE_ARN", min_length=1)
    job_name_prefix: str = Field(alias="JOB_NAME_PREFIX", pattern=r"^[a-zA-Z0-9](-*[a-zA-Z0-9]){0,19}$")
    poll_initial_seconds: int = Field(alias="POLL_INITIAL_SECONDS", ge=10, le=3600)
    poll_max_seconds: int = Field(alias="POLL_MAX_SECONDS", ge=10, le=3600)
    max_run_hours: float = Field(alias="MAX_RUN_HOURS", gt=0, le=24)
    live_traffic_lookback_minutes: int = Field(alias="LIVE_TRAFFIC_LOOKBACK_MINUTES", ge=1, le=10080)
    live_traffic_max_invocations: int = Field(alias="LIVE_TRAFFIC_MAX_INVOCATIONS", ge=0)
    # How long a lock outlives the run's deadline before another run may take it over.
    lock_grace_seconds: int = Field(default=900, alias="LOCK_GRACE_SECONDS", ge=0)
    # A completed run is a regression when the current endpoint's throughput fell / latency rose
    # by more than this against the previous completed run of the same endpoint and job type.
    regression_throughput_drop_percent: float = Field(
        default=10, alias="REGRESSION_THROUGHPUT_DROP_PERCENT", gt=0, le=100
    )
    regression_latency_rise_percent: float = Field(default=20, alias="REGRESSION_LATENCY_RISE_PERCENT", gt=0, le=1000)
    # The decision: the traffic window (CloudWatch keeps one-minute points for 15 days), the share
    # of a recommendation's measured per-instance maximum to plan for, and how much slower than the
    # current endpoint a recommendation may be when the input sets no maxModelLatencyMs.
    traffic_lookback_days: int = Field(default=14, alias="TRAFFIC_LOOKBACK_DAYS", ge=1, le=15)
    target_utilization: float = Field(default=0.7, alias="TARGET_UTILIZATION", gt=0, le=1)
    latency_tolerance_percent: float = Field(default=10, alias="LATENCY_TOLERANCE_PERCENT", ge=0, le=1000)
    # Fleet runs: child runs at once when the fleet input sets no maxConcurrentJobs (the account's
    # concurrent Inference Recommender job quota).
    fleet_max_concurrent_jobs: int = Field(default=10, alias="FLEET_MAX_CONCURRENT_JOBS", ge=1, le=1000)
    metrics_namespace: str = Field(default="InferenceRecommenderOrchestrator", alias="POWERTOOLS_METRICS_NAMESPACE")

    @property
    def max_run_seconds(self) -> int:
        return int(self.max_run_hours * 3600)


ENV_KEYS = tuple(field.alias for field in Settings.model_fields.values() if field.alias)


@cache
def settings() -> Settings:
    """Read and validate the environment once per execution environment."""
    return Settings.model_validate({key: os.environ[key] for key in ENV_KEYS if key in os.environ})
