"""rightsize.views: what the CLI prints for people (pure: no AWS).

Tables are rendered by `views.print_table` (a pipe: 1000 columns, no colour) and compared whole, line
by line: column order, headers, justification, title and the rule under the header.
"""

from __future__ import annotations

import sys
from collections.abc import Callable
from datetime import UTC, datetime
from typing import Any

import pytest
from rich import box
from rich.table import Table

from recommender.models import RunRecord
from rightsize import views
from rightsize.progress import FleetProgress, Progress

START = datetime(2026, 11, 25, 10, 0, 0, tzinfo=UTC)
ARN = "arn:aws:states:us-east-1:123456789012:execution:ir-orchestrator:run-1"
JOB_ARN = "arn:aws:sagemaker:us-east-1:123456789012:inference-recommendations-job/job-1"


def rule(width: int) -> str:
    """The line rich's SIMPLE_HEAD box draws under the header."""
    return " " + "\u2500" * width


def record(**fields: Any) -> RunRecord:
    wire: dict[str, Any] = {
        "endpointName": "ep",
        "status": "COMPLETED",
        "jobName": "job-1",
        "startedAt": "2026-11-25T03:00:00Z",
    }
    wire.update(fields)
    return RunRecord.model_validate(wire)


def verdict(decision: str = "CHANGE", reason: str = "r", **fields: Any) -> dict[str, Any]:
    return {"decision": decision, "reason": reason, **fields}


def printed(capsys: pytest.CaptureFixture[str], table: Any) -> list[str]:
    views.print_table(table)
    out = capsys.readouterr().out
    assert out.endswith("\n")
    return out[:-1].split("\n")


# ----------------------------------------------------------------------------- money, number
@pytest.mark.parametrize(
    ("value", "text"),
    [
        (None, "-"),
        (0, "$0.00"),
        (0.0, "$0.00"),
        (1234.5, "$1,234.50"),
        (1234567.891, "$1,234,567.89"),
        (0.005, "$0.01"),
        (-3, "-$3.00"),  # the sign before the dollar
        (-0.3, "-$0.30"),  # below a dollar, still negative
        (-0.004, "$0.00"),  # rounds to zero: no sign
    ],
)
def test_money(value: float | None, text: str) -> None:
    assert views.money(value) == text


@pytest.mark.parametrize(
    ("value", "unit", "text"),
    [
        (None, "", "-"),
        (None, " ms", "-"),
        (0, "", "0"),
        (0.0, "", "0"),
        (5, "", "5"),
        (5.0, "", "5"),
        (5, " ms", "5 ms"),
        (12.34, "", "12.3"),
        (12.34, " ms", "12.3 ms"),
        (0.25, "", "0.2"),
        (99.5, "", "99.5"),
        (99.94, "", "99.9"),
        (100.5, "", "100"),  # from 100 on: whole numbers (half to even)
        (100.7, "", "101"),
        (1234.56, "", "1,235"),
        (1234567.0, "", "1,234,567"),
        (-12.34, "", "-12.3"),
        (-150.25, "", "-150"),
        (-100.5, " ms", "-100 ms"),
    ],
)
def test_number(value: float | None, unit: str, text: str) -> None:
    assert views.number(value, unit) == text


def test_number_default_unit_is_none() -> None:
    assert views.number(5) == "5"
    assert views.number(2.5) == "2.5"


# ----------------------------------------------------------------------------- run cells
@pytest.mark.parametrize(
    ("fields", "text"),
    [
        ({}, "-"),
        ({"verdict": verdict("KEEP", instanceType="ml.m5.xlarge", instanceCount=2)}, "-"),
        ({"verdict": verdict(monthlySavings=1234.5)}, "$1,234.50/mo"),
        ({"verdict": verdict(monthlySavings=0, savingsPercent=0)}, "$0.00/mo (0 %)"),
        ({"verdict": verdict(monthlySavings=1234.5, savingsPercent=12.5)}, "$1,234.50/mo (12.5 %)"),
        ({"verdict": verdict(monthlySavings=100, savingsPercent=33.333333)}, "$100.00/mo (33.3333 %)"),
        ({"verdict": verdict(monthlySavings=-12.5, savingsPercent=-4)}, "-$12.50/mo (-4 %)"),
    ],
)
def test_savings(fields: dict[str, Any], text: str) -> None:
    assert views.savings(record(**fields)) == text


@pytest.mark.parametrize(
    ("fields", "text"),
    [
        ({}, "-"),
        ({"verdict": verdict("CHANGE", instanceType="ml.c6i.xlarge", instanceCount=2)}, "CHANGE ml.c6i.xlarge x2"),
        ({"verdict": verdict("KEEP", instanceType="ml.m5.xlarge", instanceCount=4)}, "KEEP ml.m5.xlarge x4"),
        ({"verdict": verdict("KEEP", instanceType="ml.m5.xlarge")}, "KEEP ml.m5.xlarge"),
        ({"verdict": verdict("UNKNOWN")}, "UNKNOWN"),
        ({"verdict": verdict("CHANGE", instanceCount=3)}, "CHANGE"),
        ({"verdict": verdict("KEEP", instanceType="", instanceCount=3)}, "KEEP"),
    ],
)
def test_verdict_text(fields: dict[str, Any], text: str) -> None:
    assert views.verdict_text(record(**fields)) == text


@pytest.mark.parametrize(
    ("arn", "name"),
    [
        (None, "-"),
        ("", "-"),
        (ARN, "run-1"),
        ("arn:aws:states:us-east-1:1:execution:sm:a:b", "b"),
        ("plain-name", "plain-name"),
    ],
)
def test_execution_name(arn: str | None, name: str) -> None:
    assert views.execution_name(record(executionArn=arn)) == name


# ----------------------------------------------------------------------------- summary
def test_summary_of_a_run_without_a_job() -> None:
    bare = record(status="FAILED", jobName="job-2", startedAt="2026-11-24T03:00:00Z", durationSeconds=0)
    assert views.summary(bare, "eu-west-1") == (
        "Inference recommendation FAILED: ep\n"
        "\n"
        "Inference Recommender run FAILED for endpoint ep\n"
        "\n"
        "No Inference Recommender job was started; trigger unknown\n"
        "Started 2026-11-24T03:00:00Z (0 s)\n"
        "\n"
        "What happened: unknown\n"
        "\n"
        "The job failed. Fix the cause named above (often the model package, its sample payload or the job role) "
        "and start a new execution.\n"
    )


def test_summary_of_a_stored_record_that_left_recommendations_out_says_how_many() -> None:
    """`rightsize show` of a run larger than one DynamoDB item (the record kept its best two)."""
    recs = [{"rank": rank, "instanceType": "ml.c5.xlarge", "instanceCount": 1} for rank in (1, 2)]
    lines = views.summary(record(recommendations=recs, recommendationsOmitted=5), "eu-west-1").splitlines()
    assert lines[-1] == "... and 5 more, lower-ranked, not stored (too many for one DynamoDB item)"
    assert lines[-2].split() == ["2", "ml.c5.xlarge", "1", "n/a", "n/a", "n/a", "n/a"]


def full_record(**verdict_fields: Any) -> RunRecord:
    """A COMPLETED Default run with a regression and a CHANGE verdict that saves $1,234.50 (12.5 %)."""
    return record(
        jobArn=JOB_ARN,
        jobType="Default",
        executionArn=ARN,
        durationSeconds=2700,
        regression={"throughputDropPercent": 20, "previousRunKey": "RUN#x#y"},
        verdict=verdict(
            instanceType="ml.c6i.xlarge", instanceCount=2, monthlySavings=1234.5, savingsPercent=12.5, **verdict_fields
        ),
    )


def test_summary_is_the_subject_then_the_email_with_the_regions_console_links() -> None:
    full = full_record(reason="cheaper")
    assert views.summary(full, "eu-west-1") == (
        "Right-size ep: ml.c6i.xlarge saves $1,234/month\n"
        "\n"
        "Inference Recommender run COMPLETED for endpoint ep\n"
        "\n"
        "Job job-1 (Default); trigger unknown\n"
        "Started 2026-11-25T03:00:00Z (45 min)\n"
        "\n"
        "Regression since the run of x (job y): throughput -20 %\n"
        "\n"
        "Verdict: CHANGE to ml.c6i.xlarge x2, saving $1,234.50/month (12.5 %)\n"
        "Why: cheaper\n"
        "\n"
        "\n"
        "Execution: https://eu-west-1.console.aws.amazon.com/states/home?region=eu-west-1"
        f"#/v2/executions/details/{ARN}\n"
        "Job: https://eu-west-1.console.aws.amazon.com/sagemaker/home?region=eu-west-1"
        "#/inference-recommender/jobs/job-1\n"
    )


# ----------------------------------------------------------------------------- history_table
def test_history_table(capsys: pytest.CaptureFixture[str]) -> None:
    full = full_record()
    bare = record(status="FAILED", jobName="job-2", startedAt="2026-11-24T03:00:00Z", durationSeconds=0)
    assert printed(capsys, views.history_table("ep", [full, bare])) == [
        "Runs of ep, newest first",
        "",
        "  #   started (UTC)         status      job       verdict                                   saves"
        "   regression     took   execution",
        rule(131),
        "  1   2026-11-25 03:00:00   COMPLETED   Default   CHANGE ml.c6i.xlarge x2   $1,234.50/mo (12.5 %)"
        "   yes          45 min   run-1",
        "  2   2026-11-24 03:00:00   FAILED      -         -                                             -"
        "                   0 s   -",
        "",
    ]


def test_history_table_numbers_right_aligned_past_nine(capsys: pytest.CaptureFixture[str]) -> None:
    runs = [record(startedAt=f"2026-11-{25 - i:02d}T0{i}:00:00Z", status="FAILED") for i in range(10)]
    runs[0] = record(
        jobType="Advanced",
        verdict=verdict("KEEP", instanceType="ml.m5.xlarge", instanceCount=4),
        durationSeconds=3725,
    )
    runs[1] = record(verdict=verdict("UNKNOWN", monthlySavings=0), durationSeconds=59, executionArn="")
    runs[2] = record(
        verdict=verdict(instanceType="ml.c5.xlarge", instanceCount=1, monthlySavings=-12.5),
        executionArn="arn:aws:states:us-east-1:1:execution:sm:e-3",
    )
    head = "   #   started (UTC)         status      job        verdict                       saves   regression"
    assert printed(capsys, views.history_table("demo-endpoint", runs)) == [
        "Runs of demo-endpoint, newest first",
        "",
        head + "            took   execution",
        rule(128),
        "   1   2026-11-25 03:00:00   COMPLETED   Advanced   "
        "KEEP ml.m5.xlarge x4              -                1 h 2 min 5 s   -",
        "   2   2026-11-25 03:00:00   COMPLETED   -          "
        "UNKNOWN                    $0.00/mo                         59 s   -",
        "   3   2026-11-25 03:00:00   COMPLETED   -          "
        "CHANGE ml.c5.xlarge x1   -$12.50/mo                            -   e-3",
        "   4   2026-11-22 03:00:00   FAILED      -          "
        "-                                 -                            -   -",
        "   5   2026-11-21 04:00:00   FAILED      -          "
        "-                                 -                            -   -",
        "   6   2026-11-20 05:00:00   FAILED      -          "
        "-                                 -                            -   -",
        "   7   2026-11-19 06:00:00   FAILED      -          "
        "-                                 -                            -   -",
        "   8   2026-11-18 07:00:00   FAILED      -          "
        "-                                 -                            -   -",
        "   9   2026-11-17 08:00:00   FAILED      -          "
        "-                                 -                            -   -",
        "  10   2026-11-16 09:00:00   FAILED      -          "
        "-                                 -                            -   -",
        "",
    ]


def test_history_table_of_no_runs(capsys: pytest.CaptureFixture[str]) -> None:
    assert printed(capsys, views.history_table("ep", [])) == [
        "Runs of ep, newest first",
        "",
        "  #   started (UTC)   status   job   verdict   saves   regression   took   execution",
        rule(84),
        "",
    ]


def test_history_table_rows_are_whole_in_a_pipe(capsys: pytest.CaptureFixture[str]) -> None:
    """Piped (`rightsize history ... | grep`), a row is one whole line: an 80-character execution name
    (Step Functions' limit, which fleet children's names reach) and a long verdict are not cut."""
    name = "n" * 80
    wide = record(
        verdict=verdict(
            "CHANGE", instanceType="ml.c6i.xlarge", instanceCount=12, monthlySavings=12345.5, savingsPercent=12.5
        ),
        durationSeconds=3725,
        executionArn=f"arn:aws:states:us-east-1:123456789012:execution:ir-orchestrator:{name}",
    )
    lines = printed(capsys, views.history_table("ep", [wide]))
    assert len(lines) == 6
    assert lines[4] == (
        "  1   2026-11-25 03:00:00   COMPLETED   -     CHANGE ml.c6i.xlarge x12   $12,345.50/mo (12.5 %)"
        f"                1 h 2 min 5 s   {name}"
    )
    assert len(lines[4]) > 200
    assert "\u2026" not in "".join(lines)


# ----------------------------------------------------------------------------- progress and fleet lines
@pytest.mark.parametrize(
    ("found", "line"),
    [
        (
            Progress("RUNNING", None, None, None, 0, START, 0.0, None),
            "RUNNING | state starting | checks 0 | elapsed 0 s",
        ),
        (
            Progress("RUNNING", "Start Job", "job-a", None, 0, START, 59.9, None),
            "RUNNING | state Start Job | job starting | checks 0 | elapsed 59 s",
        ),
        (
            Progress(
                "RUNNING", "Wait For Job", "job-a", "IN_PROGRESS", 2, START, 90.75, datetime(2026, 11, 25, 10, 2, 5)
            ),
            "RUNNING | state Wait For Job | job IN_PROGRESS | checks 2 | elapsed 1 min 30 s | next check 10:02:05 UTC",
        ),
        (
            Progress("SUCCEEDED", "Publish", "", "COMPLETED", 7, START, 3725.5, None),
            "SUCCEEDED | state Publish | checks 7 | elapsed 1 h 2 min 5 s",
        ),
        (
            Progress("FAILED", "", None, "FAILED", 1, START, 3600.0, None),
            "FAILED | state starting | checks 1 | elapsed 1 h",
        ),
        (
            Progress("RUNNING", "Check Job", "job-a", "", 3, START, 61.0, datetime(2026, 11, 25, 9, 8, 7, tzinfo=UTC)),
            "RUNNING | state Check Job | job starting | checks 3 | elapsed 1 min 1 s | next check 09:08:07 UTC",
        ),
    ],
)
def test_progress_line(found: Progress, line: str) -> None:
    assert views.progress_line(found) == line


@pytest.mark.parametrize(
    ("found", "line"),
    [
        (
            FleetProgress("RUNNING", None, 0, 0, 0, 0.0),
            "RUNNING | endpoints ? | running 0 | done 0 | failed 0 | elapsed 0 s",
        ),
        (
            FleetProgress("RUNNING", 0, 0, 0, 0, 5.9),
            "RUNNING | endpoints 0 | running 0 | done 0 | failed 0 | elapsed 5 s",
        ),
        (
            FleetProgress("RUNNING", 12, 10, 3, 2, 3725.0),
            "RUNNING | endpoints 12 | running 5 | done 3 | failed 2 | elapsed 1 h 2 min 5 s",
        ),
        (
            FleetProgress("SUCCEEDED", 4, 4, 1, 3, 120.0),
            "SUCCEEDED | endpoints 4 | running 0 | done 1 | failed 3 | elapsed 2 min",
        ),
    ],
)
def test_fleet_line(found: FleetProgress, line: str) -> None:
    assert views.fleet_line(found) == line


# ----------------------------------------------------------------------------- executions_table
def test_executions_table(capsys: pytest.CaptureFixture[str]) -> None:
    executions = [
        {
            "name": "a-long-execution-name",
            "status": "SUCCEEDED",
            "startDate": datetime(2026, 11, 25, 3, 0, 0, tzinfo=UTC),
            "stopDate": datetime(2026, 11, 25, 3, 45, 7, tzinfo=UTC),
        },
        {"name": "b", "status": "RUNNING", "startDate": datetime(2026, 11, 26, 3, 0, 0, tzinfo=UTC)},
        {"name": "c", "status": "RUNNING", "startDate": datetime(2026, 11, 26, 3, 0, 0), "stopDate": None},
    ]
    assert printed(capsys, views.executions_table(executions)) == [
        "Recent executions, newest first",
        "",
        "  execution               status      started (UTC)         stopped (UTC)",
        rule(79),
        "  a-long-execution-name   SUCCEEDED   2026-11-25 03:00:00   2026-11-25 03:45:07",
        "  b                       RUNNING     2026-11-26 03:00:00   -",
        "  c                       RUNNING     2026-11-26 03:00:00   -",
        "",
    ]


def test_executions_table_of_none(capsys: pytest.CaptureFixture[str]) -> None:
    assert printed(capsys, views.executions_table([])) == [
        "Recent executions, newest first",
        "",
        "  execution   status   started (UTC)   stopped (UTC)",
        rule(52),
        "",
    ]


# ----------------------------------------------------------------------------- comparison
def none_change(before: float | None = None, after: float | None = None) -> dict[str, Any]:
    return {"before": before, "after": after, "change": None, "changePercent": None}


def first_run() -> RunRecord:
    return record(
        currentEndpoint={"maxInvocations": 300, "modelLatencyMs": 560},
        targetEndpoint={"endpointName": "prod", "monthlyCost": 2000},
        verdict=verdict(instanceType="ml.c6i.xlarge", instanceCount=2, monthlySavings=1000, savingsPercent=50),
        recommendations=[
            {
                "rank": 1,
                "instanceType": "ml.c6i.xlarge",
                "maxInvocations": 360,
                "modelLatencyMs": 480,
                "costPerHour": 0.204,
                "monthlyCost": 297.84,
            },
            {
                "rank": 2,
                "instanceType": "ml.c5.xlarge",
                "maxInvocations": 320,
                "modelLatencyMs": 540,
                "costPerHour": 0.204,
                "monthlyCost": 297.84,
            },
            # Serverless: no instance type, so no candidate.
            {"rank": 3, "maxInvocations": 999, "modelLatencyMs": 5, "costPerHour": 1, "monthlyCost": 1},
        ],
    )


def second_run() -> RunRecord:
    return record(
        status="FAILED",
        startedAt="2026-11-26T03:00:00Z",
        jobName="job-2",
        currentEndpoint={"maxInvocations": 330, "modelLatencyMs": 500},
        targetEndpoint={"endpointName": "prod", "monthlyCost": 2100},
        verdict=verdict("KEEP", instanceType="ml.m5.xlarge", instanceCount=4),
        recommendations=[
            {
                "rank": 1,
                "instanceType": "ml.c6i.xlarge",
                "maxInvocations": 400,
                "modelLatencyMs": 470,
                "costPerHour": 0.214,
                "monthlyCost": 312.44,
            },
            {
                "rank": 2,
                "instanceType": "ml.g4dn.xlarge",
                "maxInvocations": 1645,
                "modelLatencyMs": 171,
                "costPerHour": 0.736,
                "monthlyCost": 1074.56,
            },
        ],
    )


def test_comparison_of_two_runs() -> None:
    assert views.comparison(first_run(), second_run()) == {
        "before": {
            "runKey": "RUN#2026-11-25T03:00:00Z#job-1",
            "startedAt": "2026-11-25T03:00:00Z",
            "status": "COMPLETED",
        },
        "after": {"runKey": "RUN#2026-11-26T03:00:00Z#job-2", "startedAt": "2026-11-26T03:00:00Z", "status": "FAILED"},
        "current": {
            "maxInvocations": {"before": 300, "after": 330, "change": 30, "changePercent": 10.0},
            "modelLatencyMs": {"before": 560, "after": 500, "change": -60, "changePercent": -10.7},
        },
        "targetMonthlyCost": {"before": 2000, "after": 2100, "change": 100, "changePercent": 5.0},
        "verdict": {"before": "CHANGE ml.c6i.xlarge x2", "after": "KEEP ml.m5.xlarge x4"},
        "monthlySavings": none_change(1000, None),
        "candidates": {
            "ml.c5.xlarge": {
                "maxInvocations": none_change(320, None),
                "modelLatencyMs": none_change(540, None),
                "costPerHour": none_change(0.204, None),
                "monthlyCost": none_change(297.84, None),
            },
            "ml.c6i.xlarge": {
                "maxInvocations": {"before": 360, "after": 400, "change": 40, "changePercent": 11.1},
                "modelLatencyMs": {"before": 480, "after": 470, "change": -10, "changePercent": -2.1},
                "costPerHour": {"before": 0.204, "after": 0.214, "change": 0.01, "changePercent": 4.9},
                "monthlyCost": {"before": 297.84, "after": 312.44, "change": 14.6, "changePercent": 4.9},
            },
            "ml.g4dn.xlarge": {
                "maxInvocations": none_change(None, 1645),
                "modelLatencyMs": none_change(None, 171),
                "costPerHour": none_change(None, 0.736),
                "monthlyCost": none_change(None, 1074.56),
            },
        },
    }


def test_comparison_candidates_are_sorted_by_instance_type() -> None:
    found = views.comparison(second_run(), first_run())
    assert list(found["candidates"]) == ["ml.c5.xlarge", "ml.c6i.xlarge", "ml.g4dn.xlarge"]
    assert found["candidates"]["ml.c5.xlarge"]["maxInvocations"] == none_change(None, 320)
    assert found["candidates"]["ml.g4dn.xlarge"]["costPerHour"] == none_change(0.736, None)


def test_comparison_rounding_zero_and_negative_bases() -> None:
    first = record(
        currentEndpoint={"maxInvocations": 0, "modelLatencyMs": 4},
        targetEndpoint={"endpointName": "prod", "monthlyCost": 1},
        verdict=verdict("UNKNOWN", monthlySavings=-100),
        recommendations=[{"rank": 1, "instanceType": "ml.t2.medium", "maxInvocations": 3, "costPerHour": 0.05}],
    )
    second = record(
        jobName="job-2",
        currentEndpoint={"maxInvocations": 5},
        targetEndpoint={"endpointName": "prod", "monthlyCost": 2.23456789},
        verdict=verdict("CHANGE", monthlySavings=50, savingsPercent=5),
        recommendations=[{"rank": 1, "instanceType": "ml.t2.medium", "maxInvocations": 3, "costPerHour": 0.05}],
    )
    assert views.comparison(first, second) == {
        "before": {
            "runKey": "RUN#2026-11-25T03:00:00Z#job-1",
            "startedAt": "2026-11-25T03:00:00Z",
            "status": "COMPLETED",
        },
        "after": {
            "runKey": "RUN#2026-11-25T03:00:00Z#job-2",
            "startedAt": "2026-11-25T03:00:00Z",
            "status": "COMPLETED",
        },
        "current": {
            # From zero: a change, but no percentage of nothing.
            "maxInvocations": {"before": 0, "after": 5, "change": 5, "changePercent": None},
            "modelLatencyMs": none_change(4, None),
        },
        # To six decimals; the percentage to one.
        "targetMonthlyCost": {"before": 1, "after": 2.23456789, "change": 1.234568, "changePercent": 123.5},
        "verdict": {"before": "UNKNOWN", "after": "CHANGE"},
        "monthlySavings": {"before": -100, "after": 50, "change": 150, "changePercent": 150.0},
        "candidates": {
            "ml.t2.medium": {
                "maxInvocations": {"before": 3, "after": 3, "change": 0, "changePercent": 0.0},
                "modelLatencyMs": none_change(),
                "costPerHour": {"before": 0.05, "after": 0.05, "change": 0.0, "changePercent": 0.0},
                "monthlyCost": none_change(),
            }
        },
    }


def test_comparison_of_runs_without_figures() -> None:
    first = record(status="FAILED")
    second = record(status="REJECTED", startedAt="2026-11-26T03:00:00Z", recommendations=[])
    assert views.comparison(first, second) == {
        "before": {"runKey": "RUN#2026-11-25T03:00:00Z#job-1", "startedAt": "2026-11-25T03:00:00Z", "status": "FAILED"},
        "after": {
            "runKey": "RUN#2026-11-26T03:00:00Z#job-1",
            "startedAt": "2026-11-26T03:00:00Z",
            "status": "REJECTED",
        },
        "current": {"maxInvocations": none_change(), "modelLatencyMs": none_change()},
        "targetMonthlyCost": none_change(),
        "verdict": {"before": "-", "after": "-"},
        "monthlySavings": none_change(),
        "candidates": {},
    }


def test_comparison_one_side_without_figures() -> None:
    found = views.comparison(record(), second_run())
    assert found["current"] == {
        "maxInvocations": none_change(None, 330),
        "modelLatencyMs": none_change(None, 500),
    }
    assert found["targetMonthlyCost"] == none_change(None, 2100)
    assert found["monthlySavings"] == none_change()
    assert found["verdict"] == {"before": "-", "after": "KEEP ml.m5.xlarge x4"}
    assert list(found["candidates"]) == ["ml.c6i.xlarge", "ml.g4dn.xlarge"]
    reverse = views.comparison(first_run(), record())
    assert reverse["current"]["maxInvocations"] == none_change(300, None)
    assert reverse["targetMonthlyCost"] == none_change(2000, None)
    assert reverse["monthlySavings"] == none_change(1000, None)


# ----------------------------------------------------------------------------- comparison_table
def test_comparison_table(capsys: pytest.CaptureFixture[str]) -> None:
    found = views.comparison(first_run(), second_run())
    assert printed(capsys, views.comparison_table(found)) == [
        "2026-11-25T03:00:00Z (COMPLETED) -> 2026-11-26T03:00:00Z (FAILED)",
        "",
        "  figure                                     "
        "                  before                  after             change",
        rule(111),
        "  current: max invocations/min per instance  "
        "                     300                    330        +30 (+10 %)",
        "  current: model latency                     "
        "                  560 ms                 500 ms   -60 ms (-10.7 %)",
        "  target: monthly cost ($)                   "
        "               $2,000.00              $2,100.00     +100.00 (+5 %)",
        "  verdict                                     CHANGE ml.c6i.xlarge x2   KEEP ml.m5.xlarge x4",
        "  monthly savings ($)                        "
        "               $1,000.00                      -                  -",
        "  ml.c5.xlarge: max invocations/min          "
        "                     320                      -                  -",
        "  ml.c5.xlarge: model latency                "
        "                  540 ms                      -                  -",
        "  ml.c5.xlarge: monthly cost ($)             "
        "                 $297.84                      -                  -",
        "  ml.c6i.xlarge: max invocations/min         "
        "                     360                    400      +40 (+11.1 %)",
        "  ml.c6i.xlarge: model latency               "
        "                  480 ms                 470 ms    -10 ms (-2.1 %)",
        "  ml.c6i.xlarge: monthly cost ($)            "
        "                 $297.84                $312.44    +14.60 (+4.9 %)",
        "  ml.g4dn.xlarge: max invocations/min        "
        "                       -                  1,645                  -",
        "  ml.g4dn.xlarge: model latency              "
        "                       -                 171 ms                  -",
        "  ml.g4dn.xlarge: monthly cost ($)           "
        "                       -              $1,074.56                  -",
        "",
    ]


def test_comparison_table_without_figures(capsys: pytest.CaptureFixture[str]) -> None:
    found = views.comparison(record(), record())
    assert printed(capsys, views.comparison_table(found)) == [
        "2026-11-25T03:00:00Z (COMPLETED) -> 2026-11-25T03:00:00Z (COMPLETED)",
        "",
        "  figure                                      before   after   change",
        rule(69),
        "  current: max invocations/min per instance        -       -        -",
        "  current: model latency                           -       -        -",
        "  target: monthly cost ($)                         -       -        -",
        "  verdict                                          -       -",
        "  monthly savings ($)                              -       -        -",
        "",
    ]


@pytest.mark.parametrize(
    ("before", "after", "change"),
    [
        (1000, 13345, "+12,345 (+1,234.5 %)"),  # never +1.234e+04
        (20000, 10000, "-10,000 (-50 %)"),  # never -1e+04
        (100, 1099.5, "+999.5 (+999.5 %)"),  # below a thousand: four significant digits
        (100, 1100, "+1,000 (+1,000 %)"),  # a thousand: whole, with its separator (the percentage too)
        (2, 1.5, "-0.5 (-25 %)"),
        (0.01, 10000, "+10,000 (+99,999,900 %)"),  # never +1e+08 %
    ],
)
def test_comparison_table_changes_are_never_in_scientific_notation(
    capsys: pytest.CaptureFixture[str], before: float, after: float, change: str
) -> None:
    found = views.comparison(
        record(currentEndpoint={"maxInvocations": before}), record(currentEndpoint={"maxInvocations": after})
    )
    [row] = [line for line in printed(capsys, views.comparison_table(found)) if "max invocations" in line]
    assert row.endswith(f"   {change}")


def test_comparison_table_signs_zero_and_percent_without_change(capsys: pytest.CaptureFixture[str]) -> None:
    found = {
        "before": {"startedAt": "a", "status": "COMPLETED"},
        "after": {"startedAt": "b", "status": "STOPPED"},
        "current": {
            "maxInvocations": {"before": 100, "after": 1334.5, "change": 1234.5, "changePercent": 1234.5},
            "modelLatencyMs": {"before": 5, "after": 5, "change": 0, "changePercent": 0.0},
        },
        "targetMonthlyCost": {"before": 10, "after": 10, "change": 0, "changePercent": 0.0},
        "verdict": {"before": "KEEP", "after": "UNKNOWN"},
        "monthlySavings": {"before": -100, "after": 50, "change": 150, "changePercent": None},
        "candidates": {
            "ml.x": {
                "maxInvocations": {"before": 1, "after": 2, "change": 0.123456, "changePercent": None},
                "modelLatencyMs": {"before": 1, "after": 2, "change": -1.5, "changePercent": -33.333},
                "costPerHour": {"before": 1, "after": 2, "change": 1, "changePercent": 100.0},
                "monthlyCost": {"before": 1.5, "after": 0.25, "change": -1.255, "changePercent": -83.7},
            }
        },
    }
    assert printed(capsys, views.comparison_table(found)) == [
        "a (COMPLETED) -> b (STOPPED)",
        "",
        "  figure                                        before     after                change",
        rule(86),
        "  current: max invocations/min per instance        100     1,334   +1,234 (+1,234.5 %)",
        "  current: model latency                          5 ms      5 ms          +0 ms (+0 %)",
        "  target: monthly cost ($)                      $10.00    $10.00          +0.00 (+0 %)",
        "  verdict                                         KEEP   UNKNOWN",
        "  monthly savings ($)                         -$100.00    $50.00               +150.00",
        "  ml.x: max invocations/min                          1         2               +0.1235",
        "  ml.x: model latency                             1 ms      2 ms     -1.5 ms (-33.3 %)",
        "  ml.x: monthly cost ($)                         $1.50     $0.25       -1.25 (-83.7 %)",
        "",
    ]


# ----------------------------------------------------------------------------- print_table, console
def test_print_table_strips_the_padding_of_every_line(capsys: pytest.CaptureFixture[str]) -> None:
    table = views.executions_table([])
    out = views.console()
    with out.capture() as captured:
        out.print(table)
    raw = captured.get().splitlines()
    assert any(line != line.rstrip() for line in raw)  # rich pads; print_table must not
    views.print_table(table)
    assert capsys.readouterr().out == "\n".join(line.rstrip() for line in raw) + "\n"


class Stream:
    def __init__(self, tty: Any) -> None:
        self.tty = tty

    def isatty(self) -> Any:
        return self.tty

    def write(self, text: str) -> int:
        return len(text)

    def flush(self) -> None:
        return None


@pytest.mark.parametrize(
    ("stdout", "stderr", "expected"),
    [
        (Stream(True), Stream(False), (True, False)),
        (Stream(False), Stream(True), (False, True)),
        (Stream(True), Stream(True), (True, True)),
        (Stream(False), Stream(False), (False, False)),
        (object(), object(), (False, False)),
        (Stream(1), Stream(""), (True, False)),
        (Stream(0), Stream("yes"), (False, True)),
    ],
)
def test_is_tty(monkeypatch: pytest.MonkeyPatch, stdout: Any, stderr: Any, expected: tuple[bool, bool]) -> None:
    monkeypatch.setattr(sys, "stdout", stdout)
    monkeypatch.setattr(sys, "stderr", stderr)
    found = (views._is_tty(False), views._is_tty(True))
    assert found == expected
    assert all(type(value) is bool for value in found)


@pytest.mark.parametrize(
    ("stdout", "stderr", "widths"),
    [
        (Stream(True), Stream(False), (77, 1000)),
        (Stream(False), Stream(True), (1000, 77)),
        (Stream(True), Stream(True), (77, 77)),
        (Stream(False), Stream(False), (1000, 1000)),
        (object(), object(), (1000, 1000)),
    ],
)
def test_console_width_is_the_terminals_or_1000(
    monkeypatch: pytest.MonkeyPatch, stdout: Any, stderr: Any, widths: tuple[int, int]
) -> None:
    monkeypatch.setenv("COLUMNS", "77")
    monkeypatch.setenv("LINES", "25")
    monkeypatch.setattr(sys, "stdout", stdout)
    monkeypatch.setattr(sys, "stderr", stderr)
    out, err = views.console(), views.console(stderr=True)
    assert (out.width, err.width) == widths
    assert (out.stderr, err.stderr) == (False, True)
    assert (out.file, err.file) == (stdout, stderr)


def test_console_neither_highlights_nor_soft_wraps() -> None:
    for out in (views.console(), views.console(stderr=True)):
        assert out.soft_wrap is False
        assert out.render_str("took 12 s, {'a': 1} at 10.0.0.1").spans == []


# ----------------------------------------------------------------------------- the tables as built
@pytest.mark.parametrize(
    ("build", "title", "columns"),
    [
        (
            lambda: views.history_table("ep", []),
            "Runs of ep, newest first",
            [
                ("#", "right", True),
                ("started (UTC)", "left", True),
                ("status", "left", True),
                ("job", "left", True),
                ("verdict", "left", True),
                ("saves", "right", True),
                ("regression", "left", True),
                ("took", "right", True),
                ("execution", "left", True),
            ],
        ),
        (
            lambda: views.executions_table([]),
            "Recent executions, newest first",
            [
                ("execution", "left", False),
                ("status", "left", False),
                ("started (UTC)", "left", False),
                ("stopped (UTC)", "left", False),
            ],
        ),
        (
            lambda: views.comparison_table(views.comparison(record(), record())),
            "2026-11-25T03:00:00Z (COMPLETED) -> 2026-11-25T03:00:00Z (COMPLETED)",
            [
                ("figure", "left", False),
                ("before", "right", False),
                ("after", "right", False),
                ("change", "right", False),
            ],
        ),
    ],
)
def test_tables_are_declared_left_titled_with_justified_columns(
    build: Callable[[], Table], title: str, columns: list[tuple[str, str, bool]]
) -> None:
    """What the rendering cannot show (a left-justified cell or title is padded, then stripped).
    Built in the test, not at collection: a mutation run collects once, then applies each mutant."""
    table = build()
    assert (table.title, table.title_justify, table.box) == (title, "left", box.SIMPLE_HEAD)
    assert [(column.header, column.justify, column.no_wrap) for column in table.columns] == columns
