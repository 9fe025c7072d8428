"""Fleet runs where mutation testing found them unpinned (make mutation, issue 11): the child
execution name's cut, and Select Endpoints going on past a listed name it does not keep."""

from __future__ import annotations

import pytest

from recommender.logic.fleet import child_name
from recommender.models import ExecutionRef
from recommender.settings import Settings
from recommender.steps import fleet as fleet_steps

PACKAGE = "arn:aws:sagemaker:us-east-1:123456789012:model-package/fraud-models/3"
FLEET = ExecutionRef(
    id="arn:aws:states:us-east-1:123456789012:execution:ir-orchestrator-fleet:weekly",
    name="weekly",
    start_time="2026-11-25T03:00:00Z",
)
CFG = Settings.model_validate(
    {
        "TABLE_NAME": "runs",
        "TOPIC_ARN": "arn:aws:sns:us-east-1:123456789012:runs",
        "JOB_ROLE_ARN": "arn:aws:iam::123456789012:role/job",
        "JOB_NAME_PREFIX": "ir-orchestrator",
        "POLL_INITIAL_SECONDS": 60,
        "POLL_MAX_SECONDS": 900,
        "MAX_RUN_HOURS": 6,
        "LIVE_TRAFFIC_LOOKBACK_MINUTES": 60,
        "LIVE_TRAFFIC_MAX_INVOCATIONS": 0,
    }
)


def test_the_cut_fleet_name_loses_its_trailing_hyphens_only() -> None:
    # 80 characters at most: the first 67 of the fleet's name, "-", 12 of the digest. The cut ends in
    # "X-": the hyphen goes (no "--" in the name), the X stays.
    name = child_name("a" * 65 + "X-" + "tail-of-the-name", "fraud-a")
    assert name == "a" * 65 + "X-d5c20683f6a2"
    # Only the end is cut: a leading hyphen stays.
    assert child_name("-weekly-", "fraud-a") == "-weekly-99d202833bc4"


def test_select_goes_on_past_a_listed_name_that_only_contains_the_prefix(monkeypatch: pytest.MonkeyPatch) -> None:
    # ListEndpoints' NameContains also answers names with the prefix inside; they come in any order.
    listed = [
        ("a-fraud-x", "arn:aws:sagemaker:us-east-1:123456789012:endpoint/a-fraud-x", "InService"),
        ("fraud-b", "arn:aws:sagemaker:us-east-1:123456789012:endpoint/fraud-b", "InService"),
    ]
    monkeypatch.setattr(fleet_steps.sagemaker, "list_endpoints", lambda name_contains=None: listed)
    monkeypatch.setattr(fleet_steps.sagemaker, "tags_of", lambda arn: {})

    selection = fleet_steps.select_endpoints(
        {"namePrefix": "fraud-", "modelPackages": {"fraud-b": PACKAGE}, "maxConcurrentJobs": 2}, FLEET, cfg=CFG
    )

    assert [item.endpoint_name for item in selection.items] == ["fraud-b"]
    assert selection.skipped == []
    assert (selection.max_concurrency, selection.concurrency_source) == (2, "input")
