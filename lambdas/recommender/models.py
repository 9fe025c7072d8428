"""Models of every boundary: execution input, step states, run record, notification.

One definition each; the handlers, the CDK config (schedule inputs), the simulator and the tests
all import them from here. Wire names are camelCase (the console, DynamoDB and SNS contracts in the
README); Python attributes are snake_case.
"""

from __future__ import annotations

import math
import re
from collections.abc import Callable
from datetime import UTC, datetime
from typing import Any, Literal

from pydantic import (
    BaseModel,
    ConfigDict,
    Field,
    StrictBool,
    StrictFloat,
    StrictInt,
    StrictStr,
    ValidationError,
    field_validator,
    model_validator,
)
from pydantic.alias_generators import to_camel

from recommender.errors import InvalidExecutionInput

# SageMaker name rule (endpoints): the API's pattern and its length limit (63 characters, hyphens
# included, which the pattern alone does not bound); full match, so "name\n" is rejected.
NAME_RE = re.compile(r"(?=[a-zA-Z0-9-]{1,63}\Z)[a-zA-Z0-9](-*[a-zA-Z0-9]){0,62}")
MODEL_PACKAGE_VERSION_ARN_RE = re.compile(
    r"arn:aws[a-z-]*:sagemaker:[a-z0-9-]+:[0-9]{12}:model-package/[a-zA-Z0-9](-*[a-zA-Z0-9]){0,62}/[1-9][0-9]*"
)
# EventBridge Scheduler schedule names: 1-64 of [0-9a-zA-Z-_.].
# A fleet's child runs name their fleet execution (fleet:<execution name>, at most 80 characters).
TRIGGER_RE = re.compile(r"manual|schedule:[0-9a-zA-Z_.-]{1,64}|fleet:[0-9a-zA-Z_-]{1,80}")
MAX_JOB_DURATION_SECONDS = 18_000
JobType = Literal["Default", "Advanced"]
# A measured figure: an integer when whole, else a float (see `finite`).
Number = int | float
RunStatus = Literal["COMPLETED", "FAILED", "STOPPED", "TIMED_OUT", "REJECTED", "ABORTED", "ERROR"]
ADVANCED_ONLY_FIELDS = ("trafficPattern", "stoppingConditions", "resourceLimit")


class Wire(BaseModel):
    """camelCase on the wire, snake_case in Python; unknown keys are errors."""

    # defer_build: a step builds the validators of the models it uses on first use, not at import
    # of every model of the workflow (half the cold-start import time of this module).
    model_config = ConfigDict(
        alias_generator=to_camel, populate_by_name=True, extra="forbid", frozen=True, defer_build=True
    )

    def wire(self) -> dict[str, Any]:
        """JSON-able dict with wire names, unknown values left out."""
        return self.model_dump(by_alias=True, exclude_none=True, mode="json")


# --------------------------------------------------------------------------- execution input
class ExecutionInput(Wire):
    """What people type into the console and schedules send (see the README)."""

    # camelCase only: `endpoint_name` is as unknown as a typo.
    model_config = ConfigDict(**{**Wire.model_config, "populate_by_name": False})

    endpoint_name: StrictStr
    model_package_version_arn: StrictStr
    job_type: JobType = "Default"
    job_description: StrictStr | None = Field(default=None, max_length=128)
    allow_live_traffic: StrictBool = False
    job_duration_in_seconds: StrictInt | None = Field(default=None, ge=1, le=MAX_JOB_DURATION_SECONDS)
    # Passed through in the API's own PascalCase shapes; checked against the SageMaker service
    # model by the Validate step, so a bad shape is rejected before a lock or a job exists.
    traffic_pattern: dict[str, Any] | None = None
    stopping_conditions: dict[str, Any] | None = None
    resource_limit: dict[str, Any] | None = None
    trigger: StrictStr = "manual"
    # The endpoint being right-sized (default: the benchmarked one, often its staging copy): its
    # traffic and its instances are the "current" side of the verdict.
    target_endpoint_name: StrictStr | None = None
    # The verdict's latency bound (ms); default: the current latency + latencyTolerancePercent.
    max_model_latency_ms: StrictInt | StrictFloat | None = Field(default=None, gt=0)

    @field_validator("endpoint_name")
    @classmethod
    def _endpoint_name(cls, value: str) -> str:
        if not NAME_RE.fullmatch(value):
            raise ValueError(
                "must be a SageMaker endpoint name: 1-63 letters, digits and inner hyphens "
                "(^[a-zA-Z0-9](-*[a-zA-Z0-9]){0,62}$)"
            )
        return value

    @field_validator("target_endpoint_name")
    @classmethod
    def _target_endpoint_name(cls, value: str | None) -> str | None:
        if value is not None and not NAME_RE.fullmatch(value):
            raise ValueError("must be a SageMaker endpoint name (^[a-zA-Z0-9](-*[a-zA-Z0-9]){0,62}$)")
        return value

    @field_validator("model_package_version_arn")
    @classmethod
    def _model_package(cls, value: str) -> str:
        if not MODEL_PACKAGE_VERSION_ARN_RE.fullmatch(value):
            raise ValueError(
                "must be a versioned model package ARN "
                "(arn:aws:sagemaker:<region>:<account>:model-package/<group>/<version>)"
            )
        return value

    @field_validator("trigger")
    @classmethod
    def _trigger(cls, value: str) -> str:
        if not TRIGGER_RE.fullmatch(value):
            raise ValueError('must be "manual", "schedule:<schedule name>" or "fleet:<fleet execution name>"')
        return value

    @model_validator(mode="after")
    def _advanced_only(self) -> ExecutionInput:
        if self.job_type != "Advanced":
            present = [name for name in ADVANCED_ONLY_FIELDS if getattr(self, _snake(name)) is not None]
            if present:
                raise ValueError(f"{', '.join(present)} only valid with jobType Advanced")
        return self

    @classmethod
    def parse(cls, raw: Any) -> ExecutionInput:
        """Validate raw input; raise `InvalidExecutionInput` naming every bad field and its rule."""
        if not isinstance(raw, dict):
            raise InvalidExecutionInput([f"the execution input must be a JSON object, got {type(raw).__name__}"])
        try:
            return cls.model_validate(raw)
        except ValidationError as exc:
            raise InvalidExecutionInput(describe_validation_error(exc, lambda _loc: wire_keys(cls))) from None


def _snake(camel: str) -> str:
    return re.sub(r"([A-Z])", lambda m: "_" + m.group(1).lower(), camel)


def describe_validation_error(exc: ValidationError, allowed_keys: Callable[[tuple[int | str, ...]], str]) -> list[str]:
    """One line per problem: the field's path as written on the wire (`a.b[0].c`) and its rule.

    `allowed_keys(loc)` lists the keys valid where an unknown key `loc` was found.
    """
    lines = []
    for err in exc.errors():
        loc = tuple(err["loc"])
        path = "".join(f"[{part}]" if isinstance(part, int) else f".{part}" for part in loc).lstrip(".")
        if err["type"] == "extra_forbidden":
            lines.append(f"{path}: unknown key (allowed keys: {allowed_keys(loc)})")
        elif err["type"] == "missing":
            lines.append(f"{path}: required")
        else:
            message = err["msg"].removeprefix("Value error, ")
            lines.append(f"{path}: {message}" if path else message)
    return lines


def wire_keys(model: type[BaseModel]) -> str:
    """The model's wire names, sorted, for "allowed keys" messages."""
    return ", ".join(sorted(field.alias or name for name, field in model.model_fields.items()))


# --------------------------------------------------------------------------- step states
class ExecutionRef(Wire):
    """The Step Functions execution (from the context object `$$.Execution`)."""

    id: str  # the execution ARN
    name: str
    start_time: str

    @property
    def started_at(self) -> str:
        """Start time as an ISO-8601 UTC string to the second: the run's `startedAt`."""
        return iso(parse_time(self.start_time))


class WorkflowEvent(Wire):
    """The Validate step's payload: the raw execution input and the execution."""

    input: Any = None
    execution: ExecutionRef


class EndpointSnapshot(Wire):
    variant_name: str
    instance_type: str
    instance_count: int


class TargetSnapshot(Wire):
    """The endpoint being right-sized when it is not the benchmarked one (`targetEndpointName`)."""

    endpoint_name: str
    variant_name: str
    instance_type: str | None = None
    instance_count: int | None = None


class PollState(Wire):
    status: str
    checks: int = 0
    next_wait_seconds: int
    # Shortest duration of earlier completed runs of this endpoint and job type, if any.
    history_seconds: int | None = None
    # Consecutive checks that could not reach SageMaker (throttled, 5xx, network) after retries.
    unreachable: int | None = None


class RunState(Wire):
    """The state carried between steps after Validate (a few hundred bytes)."""

    execution: ExecutionRef
    request: ExecutionInput
    endpoint: EndpointSnapshot
    job_name: str
    started_at: str
    deadline: str
    job_arn: str | None = None
    poll: PollState | None = None
    target: TargetSnapshot | None = None


class StepError(BaseModel):
    """What a Catch puts at `$.error`."""

    model_config = ConfigDict(populate_by_name=True, frozen=True, defer_build=True)
    error: str = Field(alias="Error")
    cause: str | None = Field(default=None, alias="Cause")


class CaughtFailure(BaseModel):
    """Record Failure's payload from a Catch: the execution and its input (context object) and
    the state at the failure, which carries the Catch's `error` (ResultPath `$.error`).

    The state is a RunState after Validate, and just `{"error": ...}` when Validate failed (the raw
    input need not even be an object), so it is read leniently here.
    """

    model_config = ConfigDict(populate_by_name=True, extra="forbid", frozen=True, defer_build=True)
    execution: ExecutionRef
    input: Any = None
    state: dict[str, Any]

    @property
    def error(self) -> StepError:
        return StepError.model_validate(self.state.get("error") or {"Error": "Unknown"})

    @property
    def request(self) -> dict[str, Any]:
        """The execution input as far as it is known: validated after Validate, raw before."""
        validated = self.state.get("request")
        if isinstance(validated, dict):
            return validated
        return self.input if isinstance(self.input, dict) else {}

    @property
    def job_name(self) -> str | None:
        name = self.state.get("jobName")
        return name if isinstance(name, str) else None


class ExecutionStatusDetail(BaseModel):
    """`detail` of the EventBridge "Step Functions Execution Status Change" event."""

    model_config = ConfigDict(populate_by_name=True, extra="ignore", frozen=True, defer_build=True)
    execution_arn: str = Field(alias="executionArn")
    name: str
    status: str
    start_date: int = Field(alias="startDate")  # epoch milliseconds
    input: str | None = None
    error: str | None = None
    cause: str | None = None


# --------------------------------------------------------------------------- run record
class CurrentEndpoint(Wire):
    variant_name: str | None = None
    instance_type: str | None = None
    instance_count: int | None = None
    max_invocations: Number | None = None
    model_latency_ms: Number | None = None
    # At its instance count and the on-demand price of its instance type (730 hours a month).
    monthly_cost: Number | None = None


class Recommendation(Wire):
    """One `InferenceRecommendation`: everything the service returns for it (absent when unknown)."""

    rank: int
    recommendation_id: str | None = None
    # EndpointConfiguration: the endpoint and variant the service benchmarked on, what it recommends.
    endpoint_name: str | None = None
    variant_name: str | None = None
    instance_type: str | None = None
    instance_count: int | None = None
    serverless: dict[str, Any] | None = None  # the API's own ServerlessConfig shape, when present
    # ModelConfiguration.
    compilation_job_name: str | None = None
    inference_specification_name: str | None = None
    # RecommendationMetrics, every member of the API model.
    cost_per_hour: Number | None = None
    cost_per_inference: Number | None = None
    max_invocations: Number | None = None
    model_latency_ms: Number | None = None
    cpu_utilization: Number | None = None
    memory_utilization: Number | None = None
    model_setup_time_sec: Number | None = None
    environment: dict[str, str] = Field(default_factory=dict)
    invocation_start_time: str | None = None  # ISO-8601 UTC
    invocation_end_time: str | None = None
    # Sized for the target endpoint's observed traffic (logic/decision.py).
    instances_for_peak: int | None = None
    instances_for_p95: int | None = None
    monthly_cost: Number | None = None  # instances for the peak x cost per hour per instance x 730
    latency_delta_ms: Number | None = None  # its model latency - the current endpoint's


class FailedBenchmark(Wire):
    """A benchmark step that failed (ListInferenceRecommendationsJobSteps, StepType BENCHMARK)."""

    instance_type: str | None = None
    reason: str


class Regression(Wire):
    """The current endpoint measured worse than in the previous COMPLETED run of the same endpoint
    and job type; only the figures beyond their threshold are set."""

    throughput_drop_percent: Number | None = None  # max invocations, (previous - now) / previous
    latency_rise_percent: Number | None = None  # model latency, (now - previous) / previous
    previous_run_key: str


class TargetEndpoint(Wire):
    """The endpoint being right-sized (the benchmarked one; its traffic and instances)."""

    endpoint_name: str
    variant_name: str | None = None
    instance_type: str | None = None
    instance_count: int | None = None
    monthly_cost: Number | None = None


class TrafficSummary(Wire):
    """The target endpoint's `Invocations` per minute over the look-back window (CloudWatch)."""

    endpoint_name: str
    window_days: int
    minutes_with_data: int
    mean_per_minute: Number
    p95_per_minute: Number
    peak_per_minute: Number
    source: Literal["cloudwatch"] = "cloudwatch"


class Prices(Wire):
    """The on-demand hourly price of the target endpoint's instance type, and where it came from."""

    current_per_hour: Number | None = None
    source: Literal["price-list", "recommendation", "unknown"]


class Verdict(Wire):
    """What to do: CHANGE to a recommendation, KEEP the current endpoint, or UNKNOWN (and why)."""

    decision: Literal["CHANGE", "KEEP", "UNKNOWN"]
    rank: int | None = None
    instance_type: str | None = None
    instance_count: int | None = None
    monthly_savings: Number | None = None
    savings_percent: Number | None = None
    reason: str


class ScalingRequest(Wire):
    """One ready `application-autoscaling` request: the operation and its parameters (the API's own
    PascalCase shape, checked against the service model by the tests)."""

    operation: Literal["RegisterScalableTarget", "PutScalingPolicy"]
    parameters: dict[str, Any]


class Scaling(Wire):
    """The service's `GetScalingConfigurationRecommendation` answer for the verdict's recommendation,
    at the observed traffic, and the requests that apply it to the target endpoint's variant."""

    min_capacity: int
    max_capacity: int
    scale_in_cooldown: int | None = None
    scale_out_cooldown: int | None = None
    target_value: Number  # of `metric`, per instance (invocations per instance per minute)
    metric: str  # the predefined metric type (SageMakerVariantInvocationsPerInstance) or a metric name
    requests: list[ScalingRequest]


class Best(Wire):
    """Ranks of the best recommendation by each criterion."""

    cheapest_per_inference: int | None = None
    highest_throughput: int | None = None
    lowest_latency: int | None = None


class Comparison(Wire):
    """The cheapest-per-inference recommendation against the current endpoint."""

    rank: int
    instance_type: str | None = None
    throughput_ratio: Number | None = None  # recommended max invocations / current
    latency_delta_ms: Number | None = None  # recommended latency - current (negative = faster)


class RunRecord(Wire):
    """One run as stored in DynamoDB (plus its keys) and sent to JSON subscribers."""

    endpoint_name: str
    status: RunStatus
    job_name: str
    started_at: str
    job_arn: str | None = None
    job_type: JobType | None = None
    model_package_version_arn: str | None = None
    execution_arn: str | None = None
    trigger: str | None = None
    finished_at: str | None = None
    duration_seconds: int | None = None
    current_endpoint: CurrentEndpoint | None = None
    recommendations: list[Recommendation] | None = None
    best: Best | None = None
    comparison: Comparison | None = None
    failure_reason: str | None = None
    violations: list[str] | None = None
    # Lowest-ranked recommendations left out to keep the item within DynamoDB's 400 KB.
    recommendations_omitted: int | None = None
    # Benchmarks that failed inside a COMPLETED job (they have no recommendation).
    failed_benchmarks: list[FailedBenchmark] | None = None
    regression: Regression | None = None
    # The decision (COMPLETED runs): sized at the target endpoint's observed traffic.
    target_endpoint: TargetEndpoint | None = None
    traffic: TrafficSummary | None = None
    prices: Prices | None = None
    verdict: Verdict | None = None
    # Autoscaling for a CHANGE verdict (the service's recommendation), absent when unknown.
    scaling: Scaling | None = None

    @property
    def run_key(self) -> str:
        return run_key(self.started_at, self.job_name)


# --------------------------------------------------------------------------- fleet runs
FLEET_CHILD_KEYS = (
    "jobType",
    "jobDescription",
    "allowLiveTraffic",
    "jobDurationInSeconds",
    "trafficPattern",
    "stoppingConditions",
    "resourceLimit",
    "maxModelLatencyMs",
)


class FleetInput(Wire):
    """A fleet run's input: which endpoints (exactly one of `tags`, `namePrefix`, `endpoints`), the
    model package of each (`modelPackages`, else the endpoint's tag), and what every child run gets."""

    model_config = ConfigDict(**{**Wire.model_config, "populate_by_name": False})

    tags: dict[StrictStr, StrictStr] | None = Field(default=None, min_length=1)
    name_prefix: StrictStr | None = Field(default=None, min_length=1, max_length=63)
    endpoints: list[StrictStr] | None = Field(default=None, min_length=1, max_length=10_000)
    model_packages: dict[StrictStr, StrictStr] = Field(default_factory=dict)
    job_type: JobType = "Default"
    job_description: StrictStr | None = Field(default=None, max_length=128)
    allow_live_traffic: StrictBool | None = None
    job_duration_in_seconds: StrictInt | None = Field(default=None, ge=1, le=MAX_JOB_DURATION_SECONDS)
    traffic_pattern: dict[str, Any] | None = None
    stopping_conditions: dict[str, Any] | None = None
    resource_limit: dict[str, Any] | None = None
    max_model_latency_ms: StrictInt | StrictFloat | None = Field(default=None, gt=0)
    trigger: StrictStr = "manual"
    # Child runs at once (default: the configured fleetMaxConcurrentJobs, the job quota).
    max_concurrent_jobs: StrictInt | None = Field(default=None, ge=1, le=1000)

    @model_validator(mode="after")
    def _one_selector(self) -> FleetInput:
        given = [name for name in ("tags", "namePrefix", "endpoints") if getattr(self, _snake(name)) is not None]
        if len(given) != 1:
            raise ValueError(f"give exactly one of tags, namePrefix, endpoints (got {', '.join(given) or 'none'})")
        return self

    @field_validator("name_prefix")
    @classmethod
    def _name_prefix(cls, value: str | None) -> str | None:
        # Sent as ListEndpoints' NameContains, which refuses anything else (as endpoint names do).
        if value is not None and not re.fullmatch(r"[a-zA-Z0-9-]+", value):
            raise ValueError("must be the start of a SageMaker endpoint name: letters, digits and hyphens only")
        return value

    @field_validator("model_packages")
    @classmethod
    def _packages(cls, value: dict[str, str]) -> dict[str, str]:
        bad = sorted(name for name, arn in value.items() if not MODEL_PACKAGE_VERSION_ARN_RE.fullmatch(arn))
        if bad:
            raise ValueError(f"not versioned model package ARNs for {', '.join(bad)}")
        return value

    @field_validator("trigger")
    @classmethod
    def _trigger(cls, value: str) -> str:
        if not re.fullmatch(r"manual|schedule:[0-9a-zA-Z_.-]{1,64}", value):
            raise ValueError('must be "manual" or "schedule:<schedule name>"')
        return value

    def child_fields(self) -> dict[str, Any]:
        """What every child run's execution input carries besides its endpoint and model package."""
        values = self.model_dump(by_alias=True, exclude_none=True, mode="json")
        return {key: values[key] for key in FLEET_CHILD_KEYS if key in values}

    @classmethod
    def parse(cls, raw: Any) -> FleetInput:
        """Validate raw input; raise `InvalidExecutionInput` naming every bad field and its rule."""
        if not isinstance(raw, dict):
            raise InvalidExecutionInput([f"the fleet input must be a JSON object, got {type(raw).__name__}"])
        try:
            return cls.model_validate(raw)
        except ValidationError as exc:
            raise InvalidExecutionInput(describe_validation_error(exc, lambda _loc: wire_keys(cls))) from None


class FleetItem(Wire):
    """One child run: the endpoint, its child execution's name and its execution input."""

    endpoint_name: str
    child_name: str
    input: dict[str, Any]


class FleetSkip(Wire):
    endpoint_name: str
    reason: str


# Where a fleet's cap came from: its input, the account's quota in Service Quotas, or the
# configured `fleetMaxConcurrentJobs`.
ConcurrencySource = Literal["input", "service-quotas", "config"]


class FleetSelection(Wire):
    """Select Endpoints' result: what the Map runs, at most `max_concurrency` at once."""

    fleet_name: str
    execution_arn: str
    started_at: str
    trigger: str
    items: list[FleetItem]
    skipped: list[FleetSkip]
    max_concurrency: int
    concurrency_source: ConcurrencySource


class FleetRun(Wire):
    """One child run in the fleet's summary."""

    endpoint_name: str
    child_name: str
    execution_status: str  # the child execution's: SUCCEEDED, FAILED, ...
    status: RunStatus | None = None  # its run record's
    decision: Literal["CHANGE", "KEEP", "UNKNOWN"] | None = None
    instance_type: str | None = None
    instance_count: int | None = None
    monthly_savings: Number | None = None
    failure_reason: str | None = None


class FleetRecord(Wire):
    """A fleet run as stored (partition `(fleet)`) and sent to subscribers."""

    fleet_name: str
    execution_arn: str
    started_at: str
    finished_at: str
    trigger: str
    runs: list[FleetRun]
    skipped: list[FleetSkip]
    total_monthly_savings: Number  # if every CHANGE verdict that saves were applied
    max_concurrency: int
    concurrency_source: ConcurrencySource | None = None  # absent from fleet items stored before it


def run_key(started_at: str, job_name: str) -> str:
    return f"RUN#{started_at}#{job_name}"


# --------------------------------------------------------------------------- time helpers
def parse_time(value: str | datetime | float) -> datetime:
    """ISO-8601 (with Z or offset), datetime, or epoch seconds -> aware UTC datetime."""
    if isinstance(value, datetime):
        moment = value
    elif isinstance(value, int | float):
        moment = datetime.fromtimestamp(value, UTC)
    else:
        moment = datetime.fromisoformat(value.replace("Z", "+00:00"))
    return moment.replace(tzinfo=UTC) if moment.tzinfo is None else moment.astimezone(UTC)


def iso(moment: datetime) -> str:
    """ISO-8601 UTC to the second, e.g. 2026-11-25T03:00:00Z."""
    return moment.astimezone(UTC).strftime("%Y-%m-%dT%H:%M:%SZ")


def finite(value: Any) -> Number | None:
    """The service's number, or None for absent / NaN / infinite ("not available").

    Whole numbers are integers, so a figure reads the same everywhere (`300`, never `300.0` in
    the message and `300` in the record: DynamoDB gives whole numbers back as integers). Other
    values are kept exactly as the service sent them.
    """
    if isinstance(value, bool) or not isinstance(value, int | float) or not math.isfinite(value):
        return None
    return int(value) if float(value).is_integer() and abs(value) < 2**53 else float(value)
