"""Fleet runs through the deployed stack: the fleet state machine selects endpoints by tag, runs the
single-endpoint workflow once per endpoint as child executions (at most maxConcurrentJobs at once),
tolerates a child that fails, and ends in one record and one notification."""

from __future__ import annotations

import json
from typing import Any

import boto3
import pytest
from botocore.exceptions import ClientError

from recommender.logic.fleet import MODEL_PACKAGE_TAG, child_name
from simulator.offline import REGION, OfflineStack
from tests.e2e.support import held_at_next_wait, seed_eligible, wait_until

TEAM = {"Key": "team", "Value": "e2e-fleet"}


def tagged_endpoint(world: OfflineStack, name: str, *, package_tag: bool = True, team: dict[str, str] = TEAM) -> str:
    execution_input = seed_eligible(world, name)
    sagemaker = boto3.client("sagemaker", region_name=REGION)
    arn = sagemaker.describe_endpoint(EndpointName=name)["EndpointArn"]
    tags: list[Any] = [team]
    if package_tag:
        tags.append({"Key": MODEL_PACKAGE_TAG, "Value": execution_input["modelPackageVersionArn"]})
    sagemaker.add_tags(ResourceArn=arn, Tags=tags)
    return name


def max_overlap(intervals: list[tuple[float, float]]) -> int:
    """The most intervals open at one instant."""
    events = sorted([(start, 1) for start, _ in intervals] + [(end, -1) for _, end in intervals])
    running = peak = 0
    for _, change in events:
        running += change
        peak = max(peak, running)
    return peak


def test_a_fleet_runs_each_tagged_endpoint_within_the_cap_and_sums_up(world: OfflineStack) -> None:
    names = [tagged_endpoint(world, f"e2e-fleet-{i}") for i in range(1, 5)]
    untagged = tagged_endpoint(world, "e2e-fleet-nopackage", package_tag=False)
    tagged_endpoint(world, "e2e-other-team", team={"Key": "team", "Value": "someone-else"})
    world.fake.plan("FAILED", duration_seconds=1200, endpoint_name="e2e-fleet-3", once=True)
    jobs_before = {job.name for job in world.fake.jobs()}

    execution = world.sfn.start_execution(
        stateMachineArn=world.deployment.fleet_state_machine_arn,
        name="e2e-fleet-run",
        input=json.dumps({"tags": {"team": "e2e-fleet"}, "maxConcurrentJobs": 2}),
    )
    described = world.wait_for(execution["executionArn"], timeout=300)

    assert described["status"] == "SUCCEEDED", described.get("cause")
    output = json.loads(described["output"])
    assert output == {"fleetName": "e2e-fleet-run", "runs": 4, "totalMonthlySavings": output["totalMonthlySavings"]}
    # One child execution per endpoint, named for the fleet execution and the endpoint.
    children = [
        e
        for e in world.sfn.list_executions(stateMachineArn=world.deployment.state_machine_arn)["executions"]
        if e["name"] in {child_name("e2e-fleet-run", name) for name in names}
    ]
    assert len(children) == 4
    assert sorted(e["status"] for e in children) == ["FAILED", "SUCCEEDED", "SUCCEEDED", "SUCCEEDED"]
    # Exactly one job per endpoint, never more than two running at once.
    jobs = [job for job in world.fake.jobs() if job.name not in jobs_before]
    assert sorted(job.request["InputConfig"]["Endpoints"][0]["EndpointName"] for job in jobs) == names
    assert max_overlap([(job.created_at, job.timeline()[-1][0]) for job in jobs]) <= 2
    # Each child ran as a person would have started it, naming its fleet.
    inputs = [json.loads(world.sfn.describe_execution(executionArn=e["executionArn"])["input"]) for e in children]
    assert {i["trigger"] for i in inputs} == {"fleet:e2e-fleet-run"}

    # The fleet's record and its one notification.
    table = boto3.client("dynamodb", region_name=REGION)
    (item,) = table.query(
        TableName=world.deployment.table_name,
        KeyConditionExpression="endpointName = :f",
        ExpressionAttributeValues={":f": {"S": "(fleet)"}},
    )["Items"]
    assert item["runKey"]["S"].startswith("FLEET#")
    assert item["runKey"]["S"].endswith("#e2e-fleet-run")
    fleet_notes = [n for n in world.published() if n["attributes"].get("kind") == "fleet"]
    (note,) = fleet_notes
    document: dict[str, Any] = json.loads(note["bodies"]["default"])
    runs = {run["endpointName"]: run for run in document["runs"]}
    assert set(runs) == set(names)
    assert runs["e2e-fleet-3"]["status"] == "FAILED"
    assert runs["e2e-fleet-3"]["executionStatus"] == "FAILED"
    assert runs["e2e-fleet-3"]["failureReason"]
    assert {runs[name]["status"] for name in names if name != "e2e-fleet-3"} == {"COMPLETED"}
    assert document["skipped"] == [
        {
            "endpointName": untagged,
            "reason": f"no model package: tag the endpoint {MODEL_PACKAGE_TAG}=<model package version ARN> "
            "or name it in the input's modelPackages",
        }
    ]
    assert document["maxConcurrency"] == 2
    savings = sum(
        r["monthlySavings"] for r in runs.values() if r.get("decision") == "CHANGE" and r["monthlySavings"] > 0
    )
    assert document["totalMonthlySavings"] == round(savings, 2) == output["totalMonthlySavings"]
    assert note["subject"].startswith("Fleet e2e-fleet-run: 4 runs, ")
    assert note["attributes"] == {"kind": "fleet", "status": "COMPLETED", "fleetName": "e2e-fleet-run"}
    assert "e2e-fleet-3" in note["bodies"]["email"]

    # Summarize Fleet retried (a transient error after its notification): the same record, no
    # second notification.
    (summarized,) = [i for i in world.invocations if i.handler.startswith("recommender.handlers.summarize_fleet")]
    again = boto3.client("lambda", region_name=REGION).invoke(
        FunctionName=world.deployment.function_for("summarize_fleet"), Payload=json.dumps(summarized.event)
    )
    assert json.loads(again["Payload"].read()) == output
    assert len([n for n in world.published() if n["attributes"].get("kind") == "fleet"]) == 1
    (stored,) = table.query(
        TableName=world.deployment.table_name,
        KeyConditionExpression="endpointName = :f",
        ExpressionAttributeValues={":f": {"S": "(fleet)"}},
    )["Items"]
    assert "notifiedAt" in stored


def test_the_cli_runs_a_fleet_and_prints_its_summary(world: OfflineStack) -> None:
    from click.testing import CliRunner

    from rightsize import cli

    names = [tagged_endpoint(world, f"e2e-clifleet-{i}", team={"Key": "team", "Value": "cli-fleet"}) for i in (1, 2)]
    stack = ["--stack", "InferenceRecommenderOrchestrator", "--region", REGION]

    result = CliRunner().invoke(
        cli.main,
        [*stack, "fleet", "run", "--tag", "team=cli-fleet", "--name", "e2e-cli-fleet", "--interval", "0.05"],
        catch_exceptions=False,
    )

    assert result.exit_code == 0, result.output
    lines = result.stdout.splitlines()
    assert lines[0] == f"Started fleet e2e-cli-fleet (stack InferenceRecommenderOrchestrator, {REGION})"
    assert any(line.startswith("SUCCEEDED | endpoints 2 | running 0 | done 2 | failed 0 | ") for line in lines)
    assert (
        "Fleet run e2e-cli-fleet: 2 runs (2 completed), 0 endpoints skipped; at most 10 jobs at once"
        " (fleetMaxConcurrentJobs)" in lines
    )
    for name in names:
        assert any(line.startswith(name) and " COMPLETED " in line for line in lines)

    status = CliRunner().invoke(cli.main, [*stack, "fleet", "status", "e2e-cli-fleet", "--json"])
    assert status.exit_code == 0, status.output
    found = json.loads(status.stdout)
    assert (found["status"], found["endpoints"], found["succeeded"], found["failed"]) == ("SUCCEEDED", 2, 2, 0)
    assert [run["endpointName"] for run in found["record"]["runs"]] == names

    listed = CliRunner().invoke(cli.main, [*stack, "fleet", "status", "--json"])
    assert "e2e-cli-fleet" in {e["name"] for e in json.loads(listed.stdout)}


def test_the_cli_refuses_a_fleet_input_before_starting_anything(world: OfflineStack) -> None:
    from click.testing import CliRunner

    from rightsize import cli

    before = world.sfn.list_executions(stateMachineArn=world.deployment.fleet_state_machine_arn)["executions"]
    result = CliRunner().invoke(cli.main, ["--region", REGION, "fleet", "run", "--tag", "team=x", "--prefix", "x"])
    assert result.exit_code == 2
    assert "give exactly one of tags, namePrefix, endpoints (got tags, namePrefix)" in result.stderr
    assert result.stderr.splitlines()[-1].startswith("error: the fleet was not started: ")
    packages = CliRunner().invoke(
        cli.main, ["--region", REGION, "fleet", "run", "--tag", "team=x", "--model-package", "a=b"]
    )
    assert packages.exit_code == 2
    assert "  - modelPackages: not versioned model package ARNs for a" in packages.stderr.splitlines()
    malformed = CliRunner().invoke(cli.main, ["--region", REGION, "fleet", "run", "--tag", "team"])
    assert malformed.exit_code == 2
    assert malformed.stderr.strip() == "error: --tag 'team': expected KEY=VALUE"
    after = world.sfn.list_executions(stateMachineArn=world.deployment.fleet_state_machine_arn)["executions"]
    assert len(after) == len(before)


def test_a_retried_child_start_finds_its_child_and_never_starts_a_second(world: OfflineStack) -> None:
    """Run Endpoint starts its child under a name fixed by the fleet execution and the endpoint: a
    retried start (the first start's answer lost) with the same name and input finds the running
    child (StartExecution is idempotent for them); once the child has ended, the same start is
    refused (ExecutionAlreadyExists), so no retry can run an endpoint twice in one fleet."""
    name = tagged_endpoint(world, "e2e-fleet-retry", team={"Key": "team", "Value": "e2e-fleet-retry"})
    fleet_name = "e2e-fleet-retry-run"
    child_arn = (
        world.deployment.state_machine_arn.replace(":stateMachine:", ":execution:", 1)
        + f":{child_name(fleet_name, name)}"
    )
    jobs_before = {job.name for job in world.fake.jobs()}
    with held_at_next_wait(world) as held:
        fleet = world.sfn.start_execution(
            stateMachineArn=world.deployment.fleet_state_machine_arn,
            name=fleet_name,
            input=json.dumps({"tags": {"team": "e2e-fleet-retry"}}),
        )
        wait_until(held.is_set, what="the child waiting for its job")
        child = world.sfn.describe_execution(executionArn=child_arn)
        assert child["status"] == "RUNNING"

        again = world.sfn.start_execution(
            stateMachineArn=world.deployment.state_machine_arn, name=child["name"], input=child["input"]
        )

        assert again["executionArn"] == child_arn
    assert world.wait_for(fleet["executionArn"], timeout=300)["status"] == "SUCCEEDED"
    assert world.sfn.describe_execution(executionArn=child_arn)["status"] == "SUCCEEDED"
    with pytest.raises(ClientError) as refused:
        world.sfn.start_execution(
            stateMachineArn=world.deployment.state_machine_arn, name=child["name"], input=child["input"]
        )
    assert refused.value.response["Error"]["Code"] == "ExecutionAlreadyExists"
    jobs = [job for job in world.fake.jobs() if job.name not in jobs_before]
    assert [job.request["InputConfig"]["Endpoints"][0]["EndpointName"] for job in jobs] == [name]
