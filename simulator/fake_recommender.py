"""A fake SageMaker Inference Recommender, grafted onto moto's SageMaker.

moto 5.2.5 models SageMaker models, endpoint configs and endpoints, but has no Inference
Recommender operations. `install()` adds them to
`moto.sagemaker.responses.SageMakerResponse` as methods named after the snake_case action (which
is how `BaseResponse.call_action` dispatches), so every boto3 client inside `mock_aws` (tests,
Lambda handlers run in-process) reaches this fake:

    CreateInferenceRecommendationsJob, DescribeInferenceRecommendationsJob,
    StopInferenceRecommendationsJob, ListInferenceRecommendationsJobs,
    ListInferenceRecommendationsJobSteps, GetScalingConfigurationRecommendation

moto parses requests and serializes responses from botocore's model, so the wire shapes are the
real ones (a response key that is not in the model would be dropped silently).

What the fake enforces at create, like the service:

- the request against the whole service model (max, pattern, enum, unknown members, nested: botocore's
  client checks only required members, types and min), through
  `recommender.adapters.api_model.request_violations`; one ValidationException lists them all;
- the benchmarked endpoint: it exists, is `InService` (moto creates endpoints InService: set the
  backend object's `endpoint_status` to test others) and has exactly one production variant
  ("You can only have one variant on your endpoint", Get an inference recommendation for an
  existing endpoint, docs.aws.amazon.com/sagemaker/latest/dg/inference-recommender-existing-endpoint.html);
- Advanced jobs (load tests) as "Run a custom load test"
  (docs.aws.amazon.com/sagemaker/latest/dg/inference-recommender-load-test.html) and the API
  reference's `Phase` / `Stairs` / `TrafficPattern` pages state them (see `advanced_violations`).

Results follow `DescribeInferenceRecommendationsJobResponse` and the documentation's examples
(../shared/fixtures): each recommendation is one instance (`InitialInstanceCount: 1`, so
`MaxInvocations` is per instance per minute and `CostPerHour` one instance's price), with a
`RecommendationId`, the endpoint and variant the service benchmarked on, `InvocationStartTime` /
`InvocationEndTime`; optional metrics are present on the first, NaN ("not available") on the
second, absent on the third; never `ServerlessConfig` (real-time only). `EndpointPerformances`
carries the benchmarked endpoint under `EndpointInfo` (the API model's name; the documentation's
example prints `EndpointConfiguration`), per instance too ("for the instance", `InferenceMetrics`).
A COMPLETED job may have FAILED benchmarks (`plan(failed_benchmarks=n)`): they are listed by
ListInferenceRecommendationsJobSteps with their reasons and have no recommendation.

A job's status is a pure function of `time.time()` (drive it with
`simulator.clock.SimulatedClock`): PENDING for `pending_seconds`, IN_PROGRESS until
`duration_seconds` after creation, then the planned outcome. A stop request turns a running job
STOPPING, then STOPPED `stop_delay_seconds` later. Jobs live in a moto `BackendDict` (one store per
account and region), so `mock_aws` resets them together with the rest of moto.
"""

from __future__ import annotations

import copy
import math
import threading
import time
from collections.abc import Callable
from dataclasses import dataclass, field
from datetime import UTC, datetime
from types import TracebackType
from typing import Any, Literal, Self

from botocore.utils import parse_to_aware_datetime
from moto.core.base_backend import BackendDict, BaseBackend
from moto.core.responses import ActionResult, EmptyResult
from moto.sagemaker.exceptions import SagemakerClientError
from moto.sagemaker.models import SageMakerModelBackend, sagemaker_backends
from moto.sagemaker.responses import SageMakerResponse
from moto.utilities.utils import get_partition

from recommender.logic.load_test import advanced_violations

Outcome = Literal["COMPLETED", "FAILED", "STOPPED"]
TERMINAL_STATUSES = frozenset({"COMPLETED", "FAILED", "STOPPED"})
DEFAULT_FAILURE_REASON = "All benchmarks failed. See ListInferenceRecommendationsJobSteps for each benchmark's reason."
Json = dict[str, Any]

# API operation name -> SageMakerResponse method name (moto dispatches on the snake_case action).
OPERATIONS = {
    "CreateInferenceRecommendationsJob": "create_inference_recommendations_job",
    "DescribeInferenceRecommendationsJob": "describe_inference_recommendations_job",
    "StopInferenceRecommendationsJob": "stop_inference_recommendations_job",
    "ListInferenceRecommendationsJobs": "list_inference_recommendations_jobs",
    "ListInferenceRecommendationsJobSteps": "list_inference_recommendations_job_steps",
    "GetScalingConfigurationRecommendation": "get_scaling_configuration_recommendation",
}
# GetScalingConfigurationRecommendation: what the fake answers (see `scaling_configuration`).
DEFAULT_TARGET_CPU_UTILIZATION_PER_CORE = 50
SCALE_IN_COOLDOWN_SECONDS = 300
SCALE_OUT_COOLDOWN_SECONDS = 60
SCALING_METRIC = "SageMakerVariantInvocationsPerInstance"


# Error codes exactly as in botocore's sagemaker model (`errors` of each operation), plus the
# generic ValidationException every AWS JSON service may return.
class ValidationError(SagemakerClientError):
    code = "ValidationException"


class ResourceInUseError(SagemakerClientError):
    code = "ResourceInUse"


class ResourceNotFoundError(SagemakerClientError):
    code = "ResourceNotFound"


class ResourceLimitExceededError(SagemakerClientError):
    code = "ResourceLimitExceeded"


@dataclass(frozen=True)
class JobPlan:
    """How the jobs this plan applies to behave (see `FakeInferenceRecommender.plan`)."""

    outcome: Outcome = "COMPLETED"
    duration_seconds: float = 2700.0
    pending_seconds: float = 60.0
    failure_reason: str = DEFAULT_FAILURE_REASON
    failed_steps: int = 1
    step_failure_reason: str | None = None
    failed_benchmarks: int = 0  # COMPLETED jobs: this many benchmarks (the last ones) failed
    endpoint_name: str | None = None
    recommendations: list[Json] | None = None
    # The benchmarked endpoint's own InferenceMetrics (MaxInvocations, ModelLatency), replacing
    # its instance type's profile: a slower or faster current endpoint.
    endpoint_metrics: Json | None = None
    once: bool = False


@dataclass(frozen=True)
class EndpointSnapshot:
    """The benchmarked endpoint as it was when the job was created."""

    name: str
    variant_name: str
    instance_type: str | None
    instance_count: int
    status: str = "InService"
    variant_count: int = 1


# Per instance: (USD per hour, max invocations per minute, model latency ms, vCPUs). Prices are
# us-east-1 on-demand; the load figures are plausible, made up, and fixed so results are stable.
_PROFILES: dict[str, tuple[float, int, int, int]] = {
    "ml.c5.large": (0.102, 150, 640, 2),
    "ml.c5.xlarge": (0.204, 320, 540, 4),
    "ml.c6i.xlarge": (0.204, 360, 480, 4),
    "ml.m5.large": (0.115, 140, 680, 2),
    "ml.m5.xlarge": (0.23, 300, 560, 4),
    "ml.g4dn.xlarge": (0.736, 1645, 171, 4),
}
_CANDIDATES = ("ml.c5.xlarge", "ml.m5.xlarge", "ml.g4dn.xlarge", "ml.c6i.xlarge")


def instance_prices() -> dict[str, float]:
    """USD per hour of each instance type the fake knows (the prices it bills recommendations at)."""
    return {instance: profile[0] for instance, profile in _PROFILES.items()}


def _profile(instance_type: str | None) -> tuple[float, int, int, int]:
    return _PROFILES.get(instance_type or "", (0.28, 200, 800, 4))


def generate_recommendations(
    job_name: str,
    endpoint: EndpointSnapshot | None,
    *,
    instance_types: list[str] | None = None,
    started_at: float | None = None,
    finished_at: float | None = None,
) -> list[Json]:
    """Deterministic recommendations, one per benchmarked instance type, each for one instance.

    Default jobs benchmark three instance types other than the endpoint's own; Advanced jobs the
    `EndpointConfigurations` instance types they name (`instance_types`). Optional metrics:
    present on the first, `MemoryUtilization` NaN on the second ("NaN indicates that the value is
    not available"), `CpuUtilization` / `MemoryUtilization` / `ModelSetupTime` absent on the third.
    The benchmarks share the job's run (`started_at`..`finished_at`) one after the other.
    """
    current = endpoint.instance_type if endpoint else None
    types = instance_types or [t for t in _CANDIDATES if t != current][:3]
    start = started_at if started_at is not None else 0.0
    span = max(0.0, (finished_at if finished_at is not None else start) - start) / max(1, len(types))
    recommendations = []
    for index, instance_type in enumerate(types):
        price, invocations, latency, vcpus = _profile(instance_type)
        metrics: Json = {
            "CostPerHour": price,
            "CostPerInference": price / (invocations * 60),
            "MaxInvocations": invocations,
            "ModelLatency": latency,
        }
        if index % 3 == 0:
            metrics.update(CpuUtilization=62.5 - 7.5 * index, MemoryUtilization=35.0 + 5.0 * index)
            metrics["ModelSetupTime"] = 180 + 60 * index
        elif index % 3 == 1:
            metrics.update(
                CpuUtilization=62.5 - 7.5 * index, MemoryUtilization=math.nan, ModelSetupTime=180 + 60 * index
            )
        recommendation: Json = {
            "RecommendationId": f"{job_name[:40]}-{index + 1:02d}-{instance_type.removeprefix('ml.')}",
            "Metrics": metrics,
            "EndpointConfiguration": {
                # The service benchmarks on endpoints it creates, named after the job (truncated).
                "EndpointName": f"sm-epc-{job_name[:40]}-{index + 1}",
                "VariantName": endpoint.variant_name if endpoint else "AllTraffic",
                "InstanceType": instance_type,
                "InitialInstanceCount": 1,
            },
            "ModelConfiguration": {
                "EnvironmentParameters": [
                    {"Key": "OMP_NUM_THREADS", "ValueType": "string", "Value": str(vcpus)},
                    {"Key": "TS_DEFAULT_WORKERS_PER_MODEL", "ValueType": "string", "Value": str(vcpus)},
                ]
            },
        }
        if started_at is not None:
            recommendation["InvocationStartTime"] = _timestamp(start + span * index)
            recommendation["InvocationEndTime"] = _timestamp(start + span * (index + 1))
        recommendations.append(recommendation)
    return recommendations


def _timestamp(epoch: float) -> datetime:
    return datetime.fromtimestamp(epoch, UTC)


def _without_none(values: Json) -> Json:
    return {key: value for key, value in values.items() if value is not None}


@dataclass
class FakeJob:
    """One recommendation job; its status is derived from the time asked about."""

    name: str
    arn: str
    request: Json
    plan: JobPlan
    created_at: float
    endpoint: EndpointSnapshot | None
    recommendations: list[Json] = field(repr=False)
    stop_requested_at: float | None = None
    stop_delay_seconds: float = 30.0

    def timeline(self) -> list[tuple[float, str]]:
        """The (epoch seconds, status) transitions, in order."""
        start, plan = self.created_at, self.plan
        events = [(start, "PENDING")]
        if plan.pending_seconds < plan.duration_seconds:
            events.append((start + plan.pending_seconds, "IN_PROGRESS"))
        events.append((start + plan.duration_seconds, plan.outcome))
        if self.stop_requested_at is not None:
            stop = self.stop_requested_at
            events = [event for event in events if event[0] <= stop]
            events += [(stop, "STOPPING"), (stop + self.stop_delay_seconds, "STOPPED")]
        return events

    def state(self, now: float | None = None) -> tuple[float, str]:
        """(time of the last transition, status) at ``now`` (default: `time.time()`)."""
        now = time.time() if now is None else now
        events = self.timeline()
        return next((event for event in reversed(events) if event[0] <= now), events[0])

    def status(self, now: float | None = None) -> str:
        """The status at ``now`` (default: `time.time()`)."""
        return self.state(now)[1]

    def _common(self, now: float) -> Json:
        changed_at, status = self.state(now)
        return _without_none(
            {
                "JobName": self.name,
                "JobDescription": self.request.get("JobDescription"),
                "JobType": self.request["JobType"],
                "JobArn": self.arn,
                "RoleArn": self.request["RoleArn"],
                "Status": status,
                "CreationTime": _timestamp(self.created_at),
                "LastModifiedTime": _timestamp(changed_at),
                "CompletionTime": _timestamp(changed_at) if status in TERMINAL_STATUSES else None,
                "FailureReason": self.plan.failure_reason if status == "FAILED" else None,
            }
        )

    def summary(self, now: float) -> Json:
        """The `ListInferenceRecommendationsJobs` entry."""
        input_config = self.request["InputConfig"]
        extra = {
            "ModelName": input_config.get("ModelName"),
            "ModelPackageVersionArn": input_config.get("ModelPackageVersionArn"),
        }
        # JobDescription is a required member of the list entry.
        return {"JobDescription": "", **self._common(now), **_without_none(extra)}

    def _failed_benchmarks(self, status: str) -> set[int]:
        """Indexes of the benchmarks that failed, for a job in `status`."""
        count = len(self.recommendations)
        if status == "FAILED":
            return set(range(min(max(self.plan.failed_steps, 1), count)))
        if status == "COMPLETED":  # the last ones; at least one benchmark succeeds
            return set(range(count - min(self.plan.failed_benchmarks, count - 1), count))
        return set()

    def describe(self, now: float) -> Json:
        """The `DescribeInferenceRecommendationsJob` response."""
        response = self._common(now)
        response["InputConfig"] = self.request["InputConfig"]
        if "StoppingConditions" in self.request:
            response["StoppingConditions"] = self.request["StoppingConditions"]
        if response["Status"] == "COMPLETED":
            failed = self._failed_benchmarks("COMPLETED")
            response["InferenceRecommendations"] = [
                r for index, r in enumerate(self.recommendations) if index not in failed
            ]
            if self.endpoint:
                # InferenceMetrics: "The expected maximum number of requests per minute for the instance."
                _, invocations, latency, _ = _profile(self.endpoint.instance_type)
                metrics = {"MaxInvocations": invocations, "ModelLatency": latency, **(self.plan.endpoint_metrics or {})}
                response["EndpointPerformances"] = [
                    {"Metrics": metrics, "EndpointInfo": {"EndpointName": self.endpoint.name}}
                ]
        return response

    def recommendation(self, recommendation_id: str | None, endpoint_name: str | None) -> Json | None:
        """The COMPLETED job's recommendation with this id and/or benchmark endpoint name (a failed
        benchmark has none), or None."""
        failed = self._failed_benchmarks("COMPLETED")
        for index, recommendation in enumerate(self.recommendations):
            if index in failed:
                continue
            benchmarked = (recommendation.get("EndpointConfiguration") or {}).get("EndpointName")
            if recommendation_id is not None and recommendation.get("RecommendationId") != recommendation_id:
                continue
            if endpoint_name is not None and benchmarked != endpoint_name:
                continue
            return recommendation
        return None

    def benchmark_end(self, index: int) -> float:
        """When benchmark `index` finishes: one after the other over the IN_PROGRESS span, as the
        recommendations' InvocationStartTime / InvocationEndTime say (the last at the job's end)."""
        count = max(1, len(self.recommendations))
        begin = self.created_at + min(self.plan.pending_seconds, self.plan.duration_seconds)
        return begin + (self.created_at + self.plan.duration_seconds - begin) * (index + 1) / count

    def steps(self, now: float) -> list[Json]:
        """The BENCHMARK steps, one per recommended configuration (none while PENDING).

        While the job is IN_PROGRESS, a benchmark whose end has passed is COMPLETED (FAILED when
        the planned outcome fails it) with its results; the others are IN_PROGRESS.
        """
        status = self.status(now)
        if status == "PENDING":
            return []
        finished = status in ("COMPLETED", "FAILED")
        failed = self._failed_benchmarks(self.plan.outcome if status == "IN_PROGRESS" else status)
        steps = []
        for index, recommendation in enumerate(self.recommendations):
            benchmark: Json = {
                "EndpointConfiguration": recommendation["EndpointConfiguration"],
                "ModelConfiguration": recommendation["ModelConfiguration"],
            }
            ended = finished or (status == "IN_PROGRESS" and self.benchmark_end(index) <= now)
            step_status = status
            if ended and index in failed:
                step_status = "FAILED"
                instance_type = recommendation["EndpointConfiguration"].get("InstanceType", "the instance")
                benchmark["FailureReason"] = self.plan.step_failure_reason or (
                    f"Benchmark on {instance_type} failed: the model container did not pass "
                    "the /ping health check within 600 seconds."
                )
            elif ended:  # the benchmarks that did finish
                step_status = "COMPLETED"
                metrics = recommendation.get("Metrics", {})
                benchmark["Metrics"] = metrics
                benchmark["EndpointMetrics"] = {
                    "MaxInvocations": metrics.get("MaxInvocations", 0),
                    "ModelLatency": metrics.get("ModelLatency", 0),
                }
                for key in ("InvocationStartTime", "InvocationEndTime"):
                    if key in recommendation:
                        benchmark[key] = recommendation[key]
            steps.append(
                {
                    "StepType": "BENCHMARK",
                    "JobName": self.name,
                    "Status": step_status,
                    "InferenceBenchmark": benchmark,
                }
            )
        return steps


class InferenceRecommenderBackend(BaseBackend):
    """The jobs of one account and region."""

    def __init__(self, region_name: str, account_id: str) -> None:
        super().__init__(region_name, account_id)
        self.jobs: dict[str, FakeJob] = {}


# A BackendDict registers itself with moto on first use, so `mock_aws` start/stop resets it too.
recommender_backends = BackendDict(InferenceRecommenderBackend, "sagemaker")


def _stores() -> list[InferenceRecommenderBackend]:
    return [store for account in recommender_backends.values() for store in account.values()]


def _page(items: list[Json], params: Json) -> tuple[list[Json], str | None]:
    """Minimal paging: the token is the offset of the next item."""
    try:
        start = int(params.get("NextToken") or 0)
    except ValueError:
        raise ValidationError("Invalid NextToken.") from None
    end = start + (params.get("MaxResults") or 100)
    return items[start:end], (str(end) if end < len(items) else None)


class FakeInferenceRecommender:
    """Control side of the fake: script outcomes, read jobs and recorded calls.

    Get it from `install()`. Attributes: `calls` (every fake operation as
    ``(OperationName, request params)``, failed ones included), `stop_delay_seconds` (STOPPING ->
    STOPPED, default 30), `max_active_jobs` (create fails with ResourceLimitExceeded when that
    many jobs are not finished; None = no limit).
    """

    def __init__(self) -> None:
        self.calls: list[tuple[str, Json]] = []
        self.stop_delay_seconds = 30.0
        self.max_active_jobs: int | None = None
        self._plans: list[JobPlan] = []
        # Step Functions executions run in moto threads: keep check-then-insert atomic.
        self._lock = threading.RLock()

    def plan(
        self,
        outcome: Outcome = "COMPLETED",
        duration_seconds: float = 2700.0,
        failure_reason: str = DEFAULT_FAILURE_REASON,
        endpoint_name: str | None = None,
        recommendations: list[Json] | None = None,
        *,
        pending_seconds: float = 60.0,
        failed_steps: int = 1,
        step_failure_reason: str | None = None,
        failed_benchmarks: int = 0,
        endpoint_metrics: Json | None = None,
        once: bool = False,
    ) -> JobPlan:
        """Script the jobs created from now on.

        ``endpoint_name=None`` matches jobs for any endpoint. ``recommendations`` (API-shaped
        `InferenceRecommendation` dicts) replace the generated ones. A FAILED job has
        ``failed_steps`` failed benchmarks (at least one); a COMPLETED one ``failed_benchmarks``
        (the last ones, never all: they have no recommendation, and their steps say why).
        ``endpoint_metrics`` (``{"MaxInvocations": .., "ModelLatency": ..}``) replaces what the
        benchmarked endpoint measures (`EndpointPerformances`), e.g. a slower current endpoint.
        ``once=True`` plans are used by a single job each, in the order given, before any standing
        plan; among standing plans the newest wins. Endpoint-specific plans beat catch-all ones.
        Without a plan jobs complete after 45 minutes.
        """
        job_plan = JobPlan(
            outcome=outcome,
            duration_seconds=duration_seconds,
            pending_seconds=pending_seconds,
            failure_reason=failure_reason,
            failed_steps=failed_steps,
            step_failure_reason=step_failure_reason,
            failed_benchmarks=failed_benchmarks,
            endpoint_metrics=dict(endpoint_metrics) if endpoint_metrics else None,
            endpoint_name=endpoint_name,
            recommendations=copy.deepcopy(recommendations),
            once=once,
        )
        with self._lock:
            self._plans.append(job_plan)
        return job_plan

    def jobs(self) -> list[FakeJob]:
        """Every job in every account and region, oldest first."""
        found = [job for store in _stores() for job in store.jobs.values()]
        return sorted(found, key=lambda job: job.created_at)

    def reset(self) -> None:
        """Forget plans, calls and jobs, and restore the default settings."""
        with self._lock:
            self.calls.clear()
            self._plans.clear()
            self.stop_delay_seconds, self.max_active_jobs = 30.0, None
            for store in _stores():
                store.jobs.clear()

    def uninstall(self) -> None:
        """Remove the fake operations from moto (same as the module's `uninstall()`)."""
        uninstall()

    def __enter__(self) -> Self:
        return self

    def __exit__(
        self, exc_type: type[BaseException] | None, exc: BaseException | None, tb: TracebackType | None
    ) -> None:
        self.uninstall()

    # -- operations: (account, region, parsed request) -> response -------------------------------

    def create_inference_recommendations_job(self, account: str, region: str, params: Json) -> ActionResult:
        from recommender.adapters.api_model import request_violations

        violations = request_violations("sagemaker", "CreateInferenceRecommendationsJob", params)
        if violations:
            raise ValidationError(_validation_message(violations))
        name, input_config = params["JobName"], params["InputConfig"]
        now = time.time()
        with self._lock:
            jobs = recommender_backends[account][region].jobs
            if name in jobs:
                raise ResourceInUseError(f"Inference recommendations job {name} already exists.")
            if not (input_config.get("ModelPackageVersionArn") or input_config.get("ModelName")):
                raise ValidationError("InputConfig must contain ModelPackageVersionArn or ModelName.")
            advanced = advanced_violations(params) if params["JobType"] == "Advanced" else []
            if advanced:
                raise ValidationError(_validation_message(advanced))
            endpoint = _snapshot(sagemaker_backends[account][region], input_config.get("Endpoints") or [])
            if endpoint is not None:
                _check_endpoint(endpoint)
            active = sum(job.status(now) not in TERMINAL_STATUSES for job in jobs.values())
            if self.max_active_jobs is not None and active >= self.max_active_jobs:
                raise ResourceLimitExceededError(
                    f"The account-level service limit 'Number of concurrent inference recommendations jobs' "
                    f"is {self.max_active_jobs} jobs, with current utilization of {active} jobs."
                )
            job_plan = self._take_plan(endpoint.name if endpoint else None)
            instance_types = [
                str(config["InstanceType"])
                for config in input_config.get("EndpointConfigurations") or []
                if config.get("InstanceType")
            ]
            job = FakeJob(
                name=name,
                arn=f"arn:{get_partition(region)}:sagemaker:{region}:{account}:inference-recommendations-job/{name}",
                request=params,
                plan=job_plan,
                created_at=now,
                endpoint=endpoint,
                recommendations=copy.deepcopy(job_plan.recommendations)
                if job_plan.recommendations is not None
                else generate_recommendations(
                    name,
                    endpoint,
                    instance_types=instance_types or None,
                    started_at=now + min(job_plan.pending_seconds, job_plan.duration_seconds),
                    finished_at=now + job_plan.duration_seconds,
                ),
            )
            jobs[name] = job
        return ActionResult({"JobArn": job.arn})

    def describe_inference_recommendations_job(self, account: str, region: str, params: Json) -> ActionResult:
        return ActionResult(self._job(account, region, params["JobName"]).describe(time.time()))

    def stop_inference_recommendations_job(self, account: str, region: str, params: Json) -> ActionResult:
        job, now = self._job(account, region, params["JobName"]), time.time()
        with self._lock:
            status = job.status(now)
            if status in TERMINAL_STATUSES:
                raise ValidationError(f"Inference recommendations job {job.name} is {status} and cannot be stopped.")
            if status != "STOPPING":  # stopping twice changes nothing
                job.stop_requested_at, job.stop_delay_seconds = now, self.stop_delay_seconds
        return EmptyResult()

    def list_inference_recommendations_jobs(self, account: str, region: str, params: Json) -> ActionResult:
        now = time.time()
        summaries = [job.summary(now) for job in recommender_backends[account][region].jobs.values()]
        # moto's parser hands timestamps over as naive UTC datetimes.
        filters: dict[str, Callable[[Json, Any], bool]] = {
            "StatusEquals": lambda s, v: s["Status"] == v,
            "NameContains": lambda s, v: v in s["JobName"],
            "ModelNameEquals": lambda s, v: s.get("ModelName") == v,
            "ModelPackageVersionArnEquals": lambda s, v: s.get("ModelPackageVersionArn") == v,
            "CreationTimeAfter": lambda s, v: s["CreationTime"] > parse_to_aware_datetime(v),
            "CreationTimeBefore": lambda s, v: s["CreationTime"] < parse_to_aware_datetime(v),
            "LastModifiedTimeAfter": lambda s, v: s["LastModifiedTime"] > parse_to_aware_datetime(v),
            "LastModifiedTimeBefore": lambda s, v: s["LastModifiedTime"] < parse_to_aware_datetime(v),
        }
        for key, keep in filters.items():
            if params.get(key) is not None:
                summaries = [s for s in summaries if keep(s, params[key])]
        sort_key = {"Name": "JobName", "Status": "Status"}.get(params.get("SortBy", ""), "CreationTime")
        summaries.sort(key=lambda s: s[sort_key], reverse=params.get("SortOrder", "Descending") == "Descending")
        page, token = _page(summaries, params)
        return ActionResult(_without_none({"InferenceRecommendationsJobs": page, "NextToken": token}))

    def list_inference_recommendations_job_steps(self, account: str, region: str, params: Json) -> ActionResult:
        steps = self._job(account, region, params["JobName"]).steps(time.time())
        steps = [
            step
            for step in steps
            if params.get("Status") in (None, step["Status"]) and params.get("StepType") in (None, step["StepType"])
        ]
        page, token = _page(steps, params)
        return ActionResult(_without_none({"Steps": page, "NextToken": token}))

    def get_scaling_configuration_recommendation(self, account: str, region: str, params: Json) -> ActionResult:
        from recommender.adapters.api_model import request_violations

        violations = request_violations("sagemaker", "GetScalingConfigurationRecommendation", params)
        if violations:
            raise ValidationError(_validation_message(violations))
        job = self._job(account, region, params["InferenceRecommendationsJobName"])
        status = job.status(time.time())
        if status != "COMPLETED":
            raise ValidationError(
                f"Inference recommendations job {job.name} is {status}: "
                "scaling recommendations are only available for COMPLETED jobs."
            )
        recommendation_id, endpoint_name = params.get("RecommendationId"), params.get("EndpointName")
        if recommendation_id is None and not endpoint_name:
            raise ValidationError("One of RecommendationId or EndpointName must be specified.")
        recommendation = job.recommendation(recommendation_id, endpoint_name or None)
        if recommendation is None:
            which = f"RecommendationId {recommendation_id}" if recommendation_id is not None else ""
            which += (" and " if which and endpoint_name else "") + (
                f"EndpointName {endpoint_name}" if endpoint_name else ""
            )
            raise ValidationError(f"Could not find a recommendation with {which} in job {job.name}.")
        return ActionResult(scaling_configuration(params, recommendation))

    # -- helpers ---------------------------------------------------------------------------------

    def _job(self, account: str, region: str, name: str) -> FakeJob:
        job = recommender_backends[account][region].jobs.get(name)
        if job is None:
            raise ResourceNotFoundError(f"Inference recommendations job {name} does not exist.")
        return job

    def _take_plan(self, endpoint_name: str | None) -> JobPlan:
        def ranked(once: bool) -> list[JobPlan]:
            plans = [p for p in self._plans if p.once == once]
            if not once:
                plans.reverse()  # standing plans: the newest wins
            specific = [p for p in plans if endpoint_name is not None and p.endpoint_name == endpoint_name]
            return specific + [p for p in plans if p.endpoint_name is None]

        chosen = next(iter(ranked(True) + ranked(False)), JobPlan())
        if chosen.once:
            self._plans = [p for p in self._plans if p is not chosen]
        return chosen


def scaling_configuration(params: Json, recommendation: Json) -> Json:
    """The `GetScalingConfigurationRecommendation` response for one recommendation (pure).

    The fake's figures, deterministic (the service does not publish its own): with
    P = the recommendation's `MaxInvocations` (per instance per minute: every recommendation is
    one instance) and u = `TargetCpuUtilizationPerCore` / 100 (default 50 %),

    - `TargetValue` = P x u invocations per instance per minute (target tracking on the
      predefined `SageMakerVariantInvocationsPerInstance`); `Metric.InvocationsPerInstance` is it
      rounded down, `Metric.ModelLatency` the recommendation's `ModelLatency`;
    - `MinCapacity` = max(1, ceil(MinInvocationsPerMinute / TargetValue)),
      `MaxCapacity` = max(MinCapacity, ceil(MaxInvocationsPerMinute / TargetValue)); without a
      `ScalingPolicyObjective` (or a member of it) 1 for that bound;
    - `ScaleInCooldown` 300 s, `ScaleOutCooldown` 60 s.

    The request's fields are echoed (`TargetCpuUtilizationPerCore` with its default applied).
    """
    metrics = recommendation.get("Metrics") or {}
    per_instance = float(metrics.get("MaxInvocations") or 0)
    utilization = int(params.get("TargetCpuUtilizationPerCore") or DEFAULT_TARGET_CPU_UTILIZATION_PER_CORE)
    target = per_instance * utilization / 100
    objective = params.get("ScalingPolicyObjective") or {}

    def instances(rate: Any) -> int:
        return max(1, math.ceil(rate / target)) if rate and target > 0 else 1

    min_capacity = instances(objective.get("MinInvocationsPerMinute"))
    max_capacity = max(min_capacity, instances(objective.get("MaxInvocationsPerMinute")))
    latency = metrics.get("ModelLatency")
    return _without_none(
        {
            "InferenceRecommendationsJobName": params["InferenceRecommendationsJobName"],
            "RecommendationId": params.get("RecommendationId"),
            "EndpointName": params.get("EndpointName"),
            "TargetCpuUtilizationPerCore": utilization,
            "ScalingPolicyObjective": objective or None,
            "Metric": _without_none(
                {
                    "InvocationsPerInstance": math.floor(target),
                    "ModelLatency": int(latency)
                    if isinstance(latency, int | float) and math.isfinite(latency)
                    else None,
                }
            ),
            "DynamicScalingConfiguration": {
                "MinCapacity": min_capacity,
                "MaxCapacity": max_capacity,
                "ScaleInCooldown": SCALE_IN_COOLDOWN_SECONDS,
                "ScaleOutCooldown": SCALE_OUT_COOLDOWN_SECONDS,
                "ScalingPolicies": [
                    {
                        "TargetTracking": {
                            "MetricSpecification": {"Predefined": {"PredefinedMetricType": SCALING_METRIC}},
                            "TargetValue": target,
                        }
                    }
                ],
            },
        }
    )


def _snapshot(sagemaker: SageMakerModelBackend, endpoints: list[Json]) -> EndpointSnapshot | None:
    """Read the endpoint's variant from moto (ValidationException if it does not exist)."""
    if not endpoints:
        return None
    name = endpoints[0]["EndpointName"]
    endpoint = sagemaker.endpoints.get(name)
    if endpoint is None:
        raise ValidationError(f"Could not find endpoint '{name}'.")
    config = sagemaker.endpoint_configs.get(endpoint.endpoint_config_name)
    # The endpoint config carries InstanceType; moto's endpoint only keeps the variant's counts.
    variants = config.production_variants if config else endpoint.production_variants
    variant = variants[0]
    return EndpointSnapshot(
        name=name,
        variant_name=variant["VariantName"],
        instance_type=variant.get("InstanceType"),
        instance_count=int(variant.get("InitialInstanceCount") or variant.get("CurrentInstanceCount") or 1),
        status=str(endpoint.endpoint_status),
        variant_count=len(variants),
    )


def _check_endpoint(endpoint: EndpointSnapshot) -> None:
    """What the service checks on the endpoint it is asked to benchmark (ValidationException)."""
    if endpoint.status != "InService":
        raise ValidationError(
            f"Endpoint {endpoint.name} is in {endpoint.status} status. "
            "The endpoint must be InService to be benchmarked by Inference Recommender."
        )
    if endpoint.variant_count != 1:
        raise ValidationError(
            f"Endpoint {endpoint.name} has {endpoint.variant_count} production variants. "
            "Inference Recommender supports endpoints with exactly one production variant."
        )


def _validation_message(violations: list[str]) -> str:
    """The services' ValidationException text for one or more violations."""
    count = len(violations)
    return f"{count} validation error{'s' if count > 1 else ''} detected: {'; '.join(violations)}"


class _Installed:
    """Holds the installed fake (one per process: SageMakerResponse is patched process-wide)."""

    fake: FakeInferenceRecommender | None = None


def _make_handler(operation: str, action: str) -> Callable[[SageMakerResponse], ActionResult]:
    def handler(response: SageMakerResponse) -> ActionResult:
        fake = _Installed.fake
        if fake is None:  # uninstalled while a reference to the method survived
            raise RuntimeError(f"{action}: the fake Inference Recommender is not installed")
        params = copy.deepcopy(dict(response._get_params()))
        fake.calls.append((operation, copy.deepcopy(params)))
        result: ActionResult = getattr(fake, action)(response.current_account, response.region, params)
        return result

    handler.__name__ = handler.__qualname__ = action
    return handler


def install() -> FakeInferenceRecommender:
    """Add the Inference Recommender operations to moto's SageMaker (idempotent).

    Returns the one `FakeInferenceRecommender`; a second call returns the same object unchanged.
    """
    if _Installed.fake is None:
        _Installed.fake = FakeInferenceRecommender()
        for operation, action in OPERATIONS.items():
            setattr(SageMakerResponse, action, _make_handler(operation, action))
    return _Installed.fake


def uninstall() -> None:
    """Remove the operations again (moto then answers them as it did before) and drop all jobs."""
    for action in OPERATIONS.values():
        if action in vars(SageMakerResponse):
            delattr(SageMakerResponse, action)
    if _Installed.fake is not None:
        _Installed.fake.reset()
    _Installed.fake = None
