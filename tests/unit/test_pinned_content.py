"""What people read, to the character (issue 11): the email of a completed run, every figure of its
recommendation table, the failure emails' header, job and timing lines, "faster" and "slower".

Every expected line is written out by hand from the record's figures (the format rules are in the
comments), never copied from the output.
"""

from __future__ import annotations

import json

import pytest

from recommender.logic.failure import ADVICE
from recommender.logic.notification import build
from recommender.models import (
    Best,
    Comparison,
    CurrentEndpoint,
    FailedBenchmark,
    Prices,
    Recommendation,
    RunRecord,
    RunStatus,
    TargetEndpoint,
    TrafficSummary,
    Verdict,
)

REGION = "us-east-1"
JOB = "ir-orchestrator-0123456789abcdef-fraud-scorer"
JOB_ARN = f"arn:aws:sagemaker:us-east-1:123456789012:inference-recommendations-job/{JOB}"
EXECUTION = "arn:aws:states:us-east-1:123456789012:execution:ir-orchestrator:run-7"
EXECUTION_URL = (
    "Execution: https://us-east-1.console.aws.amazon.com/states/home?region=us-east-1"
    f"#/v2/executions/details/{EXECUTION}"
)
JOB_URL = (
    f"Job: https://us-east-1.console.aws.amazon.com/sagemaker/home?region=us-east-1#/inference-recommender/jobs/{JOB}"
)


def email(record: RunRecord) -> str:
    return str(json.loads(build(record, REGION).message)["email"])


def completed() -> RunRecord:
    return RunRecord(
        endpoint_name="fraud-scorer",
        status="COMPLETED",
        job_name=JOB,
        job_arn=JOB_ARN,
        job_type="Default",
        execution_arn=EXECUTION,
        trigger="schedule:weekly",
        started_at="2026-11-25T03:00:00Z",
        finished_at="2026-11-25T04:05:07Z",
        duration_seconds=3907,
        current_endpoint=CurrentEndpoint(
            variant_name="AllTraffic",
            instance_type="ml.m5.xlarge",
            instance_count=2,
            max_invocations=300,
            model_latency_ms=560,
            monthly_cost=335.8,
        ),
        recommendations=[
            Recommendation(
                rank=1,
                instance_type="ml.c6i.xlarge",
                instance_count=1,
                cost_per_hour=0.204,
                cost_per_inference=1.234e-5,
                max_invocations=1645.4,
                model_latency_ms=171,
                environment={"OMP_NUM_THREADS": "2", "TS_DEFAULT_WORKERS_PER_MODEL": "4"},
            ),
            Recommendation(
                rank=2,
                instance_type="ml.g4dn.xlarge",
                instance_count=3,
                cost_per_hour=2.208,
                cost_per_inference=2.5e-5,
                max_invocations=12345.6,
                model_latency_ms=80.4,
            ),
            Recommendation(rank=3),  # the service gave nothing: every column reads n/a
        ],
        best=Best(cheapest_per_inference=1, highest_throughput=2, lowest_latency=2),
        comparison=Comparison(rank=1, instance_type="ml.c6i.xlarge", throughput_ratio=5.4847, latency_delta_ms=-389),
        failed_benchmarks=[FailedBenchmark(instance_type="ml.p3.2xlarge", reason="ping timed out")],
        target_endpoint=TargetEndpoint(
            endpoint_name="fraud-scorer",
            variant_name="AllTraffic",
            instance_type="ml.m5.xlarge",
            instance_count=2,
            monthly_cost=335.8,
        ),
        traffic=TrafficSummary(
            endpoint_name="fraud-scorer",
            window_days=14,
            minutes_with_data=20160,
            mean_per_minute=120.46,
            p95_per_minute=300.4,
            peak_per_minute=1410,
        ),
        prices=Prices(current_per_hour=0.23, source="price-list"),
        verdict=Verdict(
            decision="CHANGE",
            rank=1,
            instance_type="ml.c6i.xlarge",
            instance_count=1,
            monthly_savings=186.88,
            savings_percent=55.7,
            reason="ml.c6i.xlarge x1 serves the peak at 70 % of its measured maximum",
        ),
    )


# The table's columns: rank >2, instance <18, count >5, $/hour >8 (4 decimals), $/1M inferences >10
# (cost per inference x 1,000,000, 2 decimals), inv/min/inst >12 and latency ms >10 (thousands
# separated, no decimals), two spaces between columns but after the instance.
TABLE = [
    " #  instance          count    $/hour   $/1M inf.  inv/min/inst  latency ms",
    "-" * 75,
    # 0.204 $/h; 1.234e-5 $ x 1e6 = 12.34 $; 1645.4 -> 1,645; 171 ms.
    " 1  ml.c6i.xlarge         1    0.2040       12.34         1,645         171",
    # 2.208 $/h; 2.5e-5 $ x 1e6 = 25.00 $; 12345.6 -> 12,346; 80.4 -> 80 ms.
    " 2  ml.g4dn.xlarge        3    2.2080       25.00        12,346          80",
    " 3  n/a                 n/a       n/a         n/a           n/a         n/a",
]


def test_the_email_of_a_completed_run_line_by_line() -> None:
    assert email(completed()).splitlines() == [
        "Inference Recommender run COMPLETED for endpoint fraud-scorer",
        "",
        f"Job {JOB} (Default); trigger schedule:weekly",
        "Started 2026-11-25T03:00:00Z, finished 2026-11-25T04:05:07Z (1 h 5 min 7 s)",  # 3907 s
        "",
        "Verdict: CHANGE to ml.c6i.xlarge x1, saving $186.88/month (55.7 %)",
        "Why: ml.c6i.xlarge x1 serves the peak at 70 % of its measured maximum",
        "Observed traffic (CloudWatch, 14 days): peak 1,410, p95 300, mean 120.5 invocations/min",
        "Current cost: $335.80/month ($0.23/hour per instance, price-list, on demand, 730 h)",
        "",
        "Current endpoint: ml.m5.xlarge x2 (variant AllTraffic): max 300 invocations/min per instance, "
        "model latency 560 ms",
        "",
        "Recommendations, cheapest per inference first:",
        *TABLE,
        "",
        "Cheapest per inference: #1 ml.c6i.xlarge x1 at $0.2040/hour",
        "Compared with the current endpoint: 5.48x the current maximum throughput, 389 ms faster model latency.",
        "Serving settings: OMP_NUM_THREADS=2, TS_DEFAULT_WORKERS_PER_MODEL=4",
        "Highest throughput: #2; lowest latency: #2.",
        "",
        "Benchmarks that failed (no recommendation for them):",
        "  ml.p3.2xlarge: ping timed out",
        # A COMPLETED run: no "What happened", no advice.
        "",
        EXECUTION_URL,
        JOB_URL,
    ]
    assert email(completed()).endswith("\n")


def test_every_figure_of_the_table() -> None:
    lines = email(completed()).splitlines()
    start = lines.index("Recommendations, cheapest per inference first:") + 1
    assert lines[start : start + len(TABLE)] == TABLE


@pytest.mark.parametrize(
    ("cost_per_inference", "column"),
    [
        (7.456940238625975e-06, "7.46"),  # the documentation's g4dn figure: 7.457 $ per million
        (4e-9, "0.00"),  # 0.004 $ per million
        (0.001, "1000.00"),  # no thousands separator in this column
    ],
)
def test_the_cost_per_million_inferences_column(cost_per_inference: float, column: str) -> None:
    record = completed()
    first = (record.recommendations or [])[0].model_copy(update={"cost_per_inference": cost_per_inference})
    lines = email(record.model_copy(update={"recommendations": [first]})).splitlines()
    [row] = [line for line in lines if line.startswith(" 1  ml.c6i.xlarge")]
    assert row[39:49] == f"{column:>10}"


@pytest.mark.parametrize(
    ("delta", "words"),
    [
        (-389, "389 ms faster model latency"),
        (-1389.6, "1,390 ms faster model latency"),
        (25.6, "26 ms slower model latency"),
        (1200, "1,200 ms slower model latency"),
        (0, "0 ms slower model latency"),  # not faster: the same latency reads "0 ms slower"
    ],
)
def test_faster_and_slower(delta: float, words: str) -> None:
    record = completed()
    comparison = Comparison(rank=1, instance_type="ml.c6i.xlarge", throughput_ratio=0.5, latency_delta_ms=delta)
    lines = email(record.model_copy(update={"comparison": comparison})).splitlines()
    assert f"Compared with the current endpoint: 0.50x the current maximum throughput, {words}." in lines


def test_a_comparison_with_one_figure() -> None:
    record = completed()
    only_latency = Comparison(rank=1, instance_type="ml.c6i.xlarge", latency_delta_ms=12)
    lines = email(record.model_copy(update={"comparison": only_latency})).splitlines()
    assert "Compared with the current endpoint: 12 ms slower model latency." in lines
    neither = Comparison(rank=1, instance_type="ml.c6i.xlarge")
    lines = email(record.model_copy(update={"comparison": neither})).splitlines()
    assert not [line for line in lines if line.startswith("Compared with")]
    assert "Cheapest per inference: #1 ml.c6i.xlarge x1 at $0.2040/hour" in lines


# ------------------------------------------------------------------------------ failure emails
def test_the_email_of_a_failed_job_line_by_line() -> None:
    record = RunRecord(
        endpoint_name="fraud-scorer",
        status="FAILED",
        job_name=JOB,
        job_arn=JOB_ARN,
        job_type="Advanced",
        execution_arn=EXECUTION,
        trigger="manual",
        started_at="2026-11-25T03:00:00Z",
        finished_at="2026-11-25T03:25:00Z",
        duration_seconds=1500,
        failure_reason=f"job {JOB} failed: All benchmarks failed.",
    )
    assert email(record) == "\n".join(
        [
            "Inference Recommender run FAILED for endpoint fraud-scorer",
            "",
            f"Job {JOB} (Advanced); trigger manual",
            "Started 2026-11-25T03:00:00Z, finished 2026-11-25T03:25:00Z (25 min)",  # 1500 s
            "",
            f"What happened: job {JOB} failed: All benchmarks failed.",
            "",
            "The job failed. Fix the cause named above (often the model package, its sample payload or the job "
            "role) and start a new execution.",
            "",
            EXECUTION_URL,
            JOB_URL,
            "",
        ]
    )


def test_the_email_of_a_rejected_run_line_by_line() -> None:
    # No job, no trigger, not finished: the header says so; only the execution has a console page.
    record = RunRecord(
        endpoint_name="fraud-scorer",
        status="REJECTED",
        job_name=JOB,
        execution_arn=EXECUTION,
        started_at="2026-11-25T03:00:00Z",
        failure_reason="Endpoint is not eligible for an Inference Recommender job: endpoint fraud-scorer",
        violations=["endpoint status is Updating, it must be InService", "variant 'B' has no instances"],
    )
    assert email(record).splitlines() == [
        "Inference Recommender run REJECTED for endpoint fraud-scorer",
        "",
        "No Inference Recommender job was started; trigger unknown",
        "Started 2026-11-25T03:00:00Z",
        "",
        "What happened: Endpoint is not eligible for an Inference Recommender job: endpoint fraud-scorer",
        "  - endpoint status is Updating, it must be InService",
        "  - variant 'B' has no instances",
        "",
        "Nothing was started. Fix the problems listed and start a new execution.",
        "",
        EXECUTION_URL,
    ]


def test_a_failure_without_a_reason_or_console_pages() -> None:
    record = RunRecord(
        endpoint_name="ep",
        status="ERROR",
        job_name="j",
        job_arn="arn:aws:sagemaker:us-east-1:123456789012:inference-recommendations-job/j",
        started_at="2026-11-25T03:00:00Z",
        finished_at="2026-11-25T03:00:09Z",
        duration_seconds=9,
    )
    assert email(record).splitlines() == [
        "Inference Recommender run ERROR for endpoint ep",
        "",
        "Job j; trigger unknown",  # no job type: nothing in brackets
        "Started 2026-11-25T03:00:00Z, finished 2026-11-25T03:00:09Z (9 s)",
        "",
        "What happened: unknown",
        "",
        "An unexpected error ended the run; its job was stopped and the endpoint lock released. See the "
        "execution's event history and the function logs.",
        "",
        "Job: https://us-east-1.console.aws.amazon.com/sagemaker/home?region=us-east-1#/inference-recommender/jobs/j",
    ]


@pytest.mark.parametrize("status", ["FAILED", "STOPPED", "TIMED_OUT", "REJECTED", "ABORTED", "ERROR"])
def test_every_failure_email_ends_with_its_advice_and_a_completed_one_with_none(status: RunStatus) -> None:
    record = RunRecord(
        endpoint_name="ep", status=status, job_name="j", started_at="2026-11-25T03:00:00Z", failure_reason="r"
    )
    lines = email(record).splitlines()
    assert lines[-3:] == ["What happened: r", "", ADVICE[status]]
    done = email(record.model_copy(update={"status": "COMPLETED"})).splitlines()
    assert done == [
        "Inference Recommender run COMPLETED for endpoint ep",
        "",
        "No Inference Recommender job was started; trigger unknown",
        "Started 2026-11-25T03:00:00Z",
        "",
    ]
