"""Fleet runs, pure: the input contract, which endpoints it selects, each child's name and input,
the skipped ones and why, and the summary's savings."""

from __future__ import annotations

from typing import Any

import pytest

from recommender.errors import InvalidExecutionInput
from recommender.logic.fleet import MODEL_PACKAGE_TAG, EndpointListing, child_name, select, summarize, total_savings
from recommender.models import FleetInput, FleetItem, RunRecord

PACKAGE = "arn:aws:sagemaker:us-east-1:123456789012:model-package/fraud-models/3"
OTHER = "arn:aws:sagemaker:us-east-1:123456789012:model-package/fraud-models/4"
FLEET = "weekly-fraud-2026-11-25"


def endpoints() -> list[EndpointListing]:
    return [
        EndpointListing("fraud-a", "InService", {"team": "fraud", MODEL_PACKAGE_TAG: PACKAGE}),
        EndpointListing("fraud-b", "InService", {"team": "fraud"}),  # no package tag
        EndpointListing("fraud-c", "Updating", {"team": "fraud", MODEL_PACKAGE_TAG: PACKAGE}),
        EndpointListing("search-a", "InService", {"team": "search", MODEL_PACKAGE_TAG: OTHER}),
        EndpointListing("fraud-d", "InService", {"team": "fraud", "env": "prod", MODEL_PACKAGE_TAG: PACKAGE}),
    ]


def fleet(**fields: Any) -> FleetInput:
    return FleetInput.parse(fields)


def test_selection_by_tags_needs_every_tag() -> None:
    items, skipped = select(fleet(tags={"team": "fraud"}), endpoints(), fleet_execution_name=FLEET)
    assert [item.endpoint_name for item in items] == ["fraud-a", "fraud-d"]
    assert [(s.endpoint_name, s.reason.split(":")[0]) for s in skipped] == [
        ("fraud-b", "no model package"),
        ("fraud-c", "endpoint status is Updating"),
    ]
    narrower, _ = select(fleet(tags={"team": "fraud", "env": "prod"}), endpoints(), fleet_execution_name=FLEET)
    assert [item.endpoint_name for item in narrower] == ["fraud-d"]


def test_selection_by_prefix_and_by_list() -> None:
    by_prefix, _ = select(fleet(namePrefix="search-"), endpoints(), fleet_execution_name=FLEET)
    assert [item.endpoint_name for item in by_prefix] == ["search-a"]
    listed, skipped = select(fleet(endpoints=["FRAUD-A", "search-a", "gone"]), endpoints(), fleet_execution_name=FLEET)
    assert [item.endpoint_name for item in listed] == ["fraud-a", "search-a"]
    assert [(s.endpoint_name, s.reason) for s in skipped] == [("gone", "no such endpoint in this account and region")]


def test_the_input_mapping_beats_the_tag_and_fills_in_for_a_missing_one() -> None:
    items, skipped = select(
        fleet(tags={"team": "fraud"}, modelPackages={"fraud-a": OTHER, "fraud-b": PACKAGE}),
        endpoints(),
        fleet_execution_name=FLEET,
    )
    packages = {item.endpoint_name: item.input["modelPackageVersionArn"] for item in items}
    assert packages == {"fraud-a": OTHER, "fraud-b": PACKAGE, "fraud-d": PACKAGE}
    assert [s.endpoint_name for s in skipped] == ["fraud-c"]


def test_each_child_gets_the_shared_fields_and_names_its_fleet() -> None:
    request = fleet(tags={"team": "fraud"}, jobType="Advanced", jobDurationInSeconds=3600, maxModelLatencyMs=250)
    items, _ = select(request, endpoints(), fleet_execution_name=FLEET)
    assert items[0].input == {
        "endpointName": "fraud-a",
        "modelPackageVersionArn": PACKAGE,
        "jobType": "Advanced",
        "jobDurationInSeconds": 3600,
        "maxModelLatencyMs": 250,
        "trigger": f"fleet:{FLEET}",
    }


def test_child_names_are_stable_distinct_and_within_80_characters() -> None:
    assert child_name(FLEET, "fraud-a") == child_name(FLEET, "FRAUD-A")  # endpoint names ignore case
    assert child_name(FLEET, "fraud-a") != child_name(FLEET, "fraud-b")
    assert child_name(FLEET, "fraud-a") != child_name(FLEET + "x", "fraud-a")
    long = child_name("f" * 80, "e" * 63)
    assert len(long) == 80
    assert long.startswith("f" * 67 + "-")


@pytest.mark.parametrize(
    ("raw", "problem"),
    [
        ({}, "give exactly one of tags, namePrefix, endpoints (got none)"),
        (
            {"tags": {"a": "b"}, "namePrefix": "x"},
            "give exactly one of tags, namePrefix, endpoints (got tags, namePrefix)",
        ),
        ({"tags": {}}, "tags"),
        ({"endpoints": []}, "endpoints"),
        ({"namePrefix": "x", "modelPackages": {"x": "my-model"}}, "not versioned model package ARNs for x"),
        ({"namePrefix": "x", "trigger": "fleet:nested"}, 'must be "manual" or "schedule:<schedule name>"'),
        ({"namePrefix": "x", "maxConcurrentJobs": 0}, "maxConcurrentJobs"),
        ({"namePrefix": "x", "endpointName": "x"}, "endpointName"),
    ],
)
def test_bad_fleet_inputs_name_the_field_and_rule(raw: dict[str, Any], problem: str) -> None:
    with pytest.raises(InvalidExecutionInput) as raised:
        FleetInput.parse(raw)
    assert problem in str(raised.value)


def record(status: str, decision: str | None = None, savings: float | None = None) -> RunRecord:
    verdict: dict[str, Any] = {"decision": decision, "reason": "r", "instanceType": "ml.c6i.xlarge", "instanceCount": 2}
    if savings is not None:
        verdict["monthlySavings"] = savings
    return RunRecord.model_validate(
        {
            "endpointName": "e",
            "status": status,
            "jobName": "j",
            "startedAt": "2026-11-25T03:00:00Z",
            **({"verdict": verdict} if decision else {}),
            **({"failureReason": "it failed"} if status != "COMPLETED" else {}),
        }
    )


def test_the_summary_totals_only_the_savings_of_change_verdicts() -> None:
    def item(name: str) -> FleetItem:
        return FleetItem(endpoint_name=name, child_name=f"c-{name}", input={})

    runs = summarize(
        [
            (item("a"), "SUCCEEDED", record("COMPLETED", "CHANGE", 224.84)),
            (item("b"), "SUCCEEDED", record("COMPLETED", "CHANGE", -100.0)),  # forced: costs more
            (item("c"), "SUCCEEDED", record("COMPLETED", "KEEP")),
            (item("d"), "FAILED", record("FAILED")),
            (item("e"), "FAILED", None),  # the child wrote no record
            (item("f"), "SUCCEEDED", record("COMPLETED", "CHANGE", 75.16)),
        ]
    )
    assert total_savings(runs) == 300.0
    assert [(r.endpoint_name, r.status, r.decision) for r in runs] == [
        ("a", "COMPLETED", "CHANGE"),
        ("b", "COMPLETED", "CHANGE"),
        ("c", "COMPLETED", "KEEP"),
        ("d", "FAILED", None),
        ("e", None, None),
        ("f", "COMPLETED", "CHANGE"),
    ]
    assert runs[3].failure_reason == "it failed"
    assert runs[4].execution_status == "FAILED"
