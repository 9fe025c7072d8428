"""The operator CLI (`rightsize`) against the deployed stack offline: found by its name and region
from the CloudFormation outputs, as it finds a real one. Every command's happy path, its --json,
its exit codes and the one-line errors."""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

import boto3
import pytest
from click.testing import CliRunner, Result

from infra.application import STACK_NAME
from recommender.adapters.api_model import request_violations
from recommender.models import RunRecord
from rightsize import cli
from rightsize.stack import DEFAULT_STACK
from simulator.offline import REGION, OfflineStack
from tests.e2e.support import held_at_next_wait, run, scenario, seed_eligible, wait_until

GLOBAL = ["--stack", STACK_NAME, "--region", REGION]


@pytest.fixture(autouse=True)
def api_checked(monkeypatch: pytest.MonkeyPatch) -> list[str]:
    """Every request the CLI sends is checked against the full service model (lengths, patterns,
    enums, ranges), as the strict world checks the functions' requests: moto checks none of it."""
    checked: list[str] = []
    real_session = boto3.Session

    def check(params: Any, model: Any, **_: Any) -> None:
        violations = request_violations(model.service_model.service_name, model.name, params)
        assert not violations, f"rightsize sent a request AWS refuses: {model.name}: {violations}"
        checked.append(model.name)

    def session(*args: Any, **kwargs: Any) -> Any:
        created = real_session(*args, **kwargs)
        created.events.register("before-parameter-build", check, unique_id="rightsize-api-model")
        return created

    monkeypatch.setattr(boto3, "Session", session)
    return checked


def test_the_cli_requests_are_checked(history: tuple[str, list[dict[str, Any]]], api_checked: list[str]) -> None:
    endpoint, _ = history
    assert rightsize("history", endpoint).exit_code == 0
    assert api_checked == ["DescribeStacks", "Query"]


def rightsize(*arguments: str, stdin: str | None = None) -> Result:
    return CliRunner().invoke(cli.main, [*GLOBAL, *arguments], input=stdin, catch_exceptions=False)


def one_error_line(result: Result) -> str:
    """The error a failed command printed: exactly one line on stderr, no traceback."""
    lines = result.stderr.strip().splitlines()
    assert len(lines) == 1, result.stderr
    assert "Traceback" not in result.output
    assert lines[0].startswith("error: ")
    return lines[0]


@pytest.fixture(scope="module")
def history(world: OfflineStack) -> tuple[str, list[dict[str, Any]]]:
    """An endpoint with two completed runs, the second slower (a regression): (endpoint, executions)."""
    endpoint = "e2e-cli-history"
    chosen = scenario("completed", endpoint)
    _execution_input, first = run(world, chosen)
    world.fake.plan(endpoint_name=endpoint, once=True, endpoint_metrics={"MaxInvocations": 240, "ModelLatency": 700})
    _, second = run(world, chosen)
    assert first.status == second.status == "SUCCEEDED"
    return endpoint, [first.execution, second.execution]


def test_the_default_stack_is_the_one_the_app_deploys() -> None:
    assert DEFAULT_STACK == STACK_NAME


def test_run_validates_starts_follows_and_prints_the_result(world: OfflineStack) -> None:
    document = seed_eligible(world, "e2e-cli-run")
    before = len(world.fake.jobs())

    result = rightsize(
        "run", "e2e-cli-run", "--model-package", document["modelPackageVersionArn"], "--interval", "0.05"
    )

    assert result.exit_code == 0, result.output
    lines = result.stdout.splitlines()
    assert lines[0].startswith("Started ")
    assert lines[0].endswith(f"on e2e-cli-run (stack {STACK_NAME}, {REGION})")
    progress = [line for line in lines if line.startswith(("RUNNING | ", "SUCCEEDED | "))]
    # Every line before the last is RUNNING (a run that ends before the first refresh has none).
    assert all(line.startswith("RUNNING | state ") for line in progress[:-1])
    # One line per change (not a terminal), checks never going back (how many it sees depends on timing).
    checks = [int(line.split("| checks ")[1].split()[0]) for line in progress]
    assert checks == sorted(checks)
    assert len(progress) == len(set(progress))
    assert progress[-1].startswith("SUCCEEDED | state Done | job COMPLETED | checks ")
    assert "Execution SUCCEEDED" in lines
    assert "Inference Recommender run COMPLETED for endpoint e2e-cli-run" in lines
    assert any(line.startswith("Verdict: ") for line in lines)
    assert len(world.fake.jobs()) == before + 1


def test_run_sends_every_input_key_it_is_given(world: OfflineStack, tmp_path: Path) -> None:
    document = seed_eligible(world, "e2e-cli-keys")
    stopping = tmp_path / "stopping.json"
    stopping.write_text(json.dumps({"MaxInvocations": 300}))
    pattern = {
        "TrafficType": "PHASES",
        "Phases": [{"InitialNumberOfUsers": 1, "SpawnRate": 1, "DurationInSeconds": 120}],
    }

    result = rightsize(
        "run",
        "e2e-cli-keys",
        "--model-package",
        document["modelPackageVersionArn"],
        "--job-type",
        "Advanced",
        "--job-duration-in-seconds",
        "7200",
        "--traffic-pattern",
        json.dumps(pattern),
        "--stopping-conditions",
        f"@{stopping}",
        "--max-model-latency-ms",
        "650.5",
        "--job-description",
        "from the CLI",
        "--no-wait",
    )

    assert result.exit_code == 0, result.output
    name = result.stdout.splitlines()[0].split()[1]
    assert result.stdout.splitlines()[-1] == f"Follow it: rightsize status {name}"
    arn = world.deployment.state_machine_arn.replace(":stateMachine:", ":execution:") + f":{name}"
    sent = json.loads(world.sfn.describe_execution(executionArn=arn)["input"])
    assert sent == {
        "endpointName": "e2e-cli-keys",
        "modelPackageVersionArn": document["modelPackageVersionArn"],
        "jobType": "Advanced",
        "jobDurationInSeconds": 7200,
        "trafficPattern": pattern,
        "stoppingConditions": {"MaxInvocations": 300},
        "maxModelLatencyMs": 650.5,
        "jobDescription": "from the CLI",
    }
    world.wait_for(arn)


def test_bad_input_is_refused_before_anything_starts(world: OfflineStack) -> None:
    executions = len(world.sfn.list_executions(stateMachineArn=world.deployment.state_machine_arn)["executions"])

    result = rightsize(
        "run",
        "bad_name",
        "--model-package",
        "my-model",
    )

    assert result.exit_code == 2
    problems = [line for line in result.stderr.splitlines() if line.startswith("  - ")]
    assert [p.split(":")[0] for p in problems] == [
        "  - endpointName",
        "  - modelPackageVersionArn",
    ]
    assert result.stderr.splitlines()[-1] == "error: the run was not started: 2 problem(s) in its input (above)"
    after = world.sfn.list_executions(stateMachineArn=world.deployment.state_machine_arn)["executions"]
    assert len(after) == executions


def test_a_json_option_that_is_not_json_is_one_line() -> None:
    result = rightsize("run", "e2e-x", "--model-package", "arn", "--resource-limit", "{nope")
    assert result.exit_code == 2
    assert one_error_line(result).startswith("error: --resourceLimit: not JSON (")


def test_status_and_stop_a_running_execution(world: OfflineStack) -> None:
    document = seed_eligible(world, "e2e-cli-stop")
    with held_at_next_wait(world) as held:
        started = rightsize("run", "e2e-cli-stop", "--model-package", document["modelPackageVersionArn"], "--no-wait")
        assert started.exit_code == 0, started.output
        name = started.stdout.splitlines()[0].split()[1]
        wait_until(held.is_set, what="the execution waiting for its job")

        status = rightsize("status", name, "--json")
        assert status.exit_code == 0, status.output
        found = json.loads(status.stdout)
        assert (found["status"], found["input"]["endpointName"]) == ("RUNNING", "e2e-cli-stop")
        assert found["state"] == "Wait For Job"
        assert found["nextCheckAt"] is not None

        by_endpoint = json.loads(rightsize("status", "e2e-cli-stop", "--json").stdout)
        assert by_endpoint["running"]["owner"] == found["executionArn"]

        stopped = rightsize("stop", name)
        assert stopped.exit_code == 0, stopped.output
        assert stopped.stdout.startswith(f"Stopped {name}")
    execution = world.wait_for(found["executionArn"])
    assert execution["status"] == "ABORTED"
    again = rightsize("stop", name)
    assert again.exit_code == 1
    assert one_error_line(again) == f"error: execution {name} is ABORTED, not running: nothing to stop"


def test_status_lists_recent_executions(history: tuple[str, list[dict[str, Any]]]) -> None:
    result = rightsize("status", "--json", "--limit", "3")
    assert result.exit_code == 0, result.output
    listed = json.loads(result.stdout)
    assert len(listed) == 3
    assert {"name", "executionArn", "status", "startDate", "stopDate"} == set(listed[0])
    table = rightsize("status")
    assert table.stdout.splitlines()[0] == "Recent executions, newest first"


def test_history_is_newest_first_and_paginated(history: tuple[str, list[dict[str, Any]]]) -> None:
    endpoint, executions = history
    result = rightsize("history", endpoint, "--json")
    assert result.exit_code == 0, result.output
    document = json.loads(result.stdout)
    runs = document["runs"]
    assert [r["executionArn"] for r in runs] == [e["executionArn"] for e in reversed(executions)]
    assert document["nextKey"] is None
    assert runs[0]["regression"]["throughputDropPercent"] == 20

    first_page = rightsize("history", endpoint, "--limit", "1")
    assert first_page.exit_code == 0
    assert first_page.stdout.splitlines()[0] == f"Runs of {endpoint}, newest first"
    more = first_page.stdout.splitlines()[-1]
    assert more.startswith(f"More: rightsize history {endpoint} --limit 1 --after 'RUN#")
    after = more.split("--after ")[1].strip("'")
    second_page = json.loads(rightsize("history", endpoint, "--limit", "1", "--after", after, "--json").stdout)
    assert [r["executionArn"] for r in second_page["runs"]] == [executions[0]["executionArn"]]


def test_show_finds_a_run_by_endpoint_position_or_execution(
    world: OfflineStack, history: tuple[str, list[dict[str, Any]]]
) -> None:
    endpoint, executions = history
    stored = [
        RunRecord.model_validate({k: v for k, v in item.items() if k not in ("runKey", "notifiedAt")})
        for item in world.run_items(endpoint)
    ]
    newest = json.loads(rightsize("show", endpoint, "--json").stdout)
    assert newest == stored[0].wire() | {"runKey": stored[0].run_key}
    second = json.loads(rightsize("show", f"{endpoint}~2", "--json").stdout)
    assert second["executionArn"] == executions[0]["executionArn"]
    by_name = json.loads(rightsize("show", executions[0]["name"], "--json").stdout)
    assert by_name == second
    by_arn = json.loads(rightsize("show", executions[1]["executionArn"], "--json").stdout)
    assert by_arn == newest

    text = rightsize("show", endpoint)
    assert text.exit_code == 0
    assert f"Inference Recommender run COMPLETED for endpoint {endpoint}" in text.stdout
    assert "throughput -20 %, latency +25 %" in text.stdout


@pytest.mark.parametrize(
    ("reference", "message"),
    [
        (
            "e2e-cli-history~9",
            "error: endpoint e2e-cli-history has 2 run(s), not 9: see `rightsize history e2e-cli-history`",
        ),
        ("e2e-cli-nothing", "error: e2e-cli-nothing is neither an endpoint with runs nor an execution of stack"),
    ],
)
def test_show_of_a_run_that_does_not_exist_is_one_line(
    history: tuple[str, list[dict[str, Any]]], reference: str, message: str
) -> None:
    result = rightsize("show", reference)
    assert result.exit_code == 1
    assert one_error_line(result).startswith(message)


def test_compare_says_what_changed(history: tuple[str, list[dict[str, Any]]]) -> None:
    endpoint, _ = history
    result = rightsize("compare", f"{endpoint}~2", endpoint, "--json")
    assert result.exit_code == 0, result.output
    found = json.loads(result.stdout)
    assert found["current"]["maxInvocations"] == {"before": 300, "after": 240, "change": -60, "changePercent": -20.0}
    assert found["current"]["modelLatencyMs"] == {"before": 560, "after": 700, "change": 140, "changePercent": 25.0}
    assert set(found["candidates"]) == {"ml.c5.xlarge", "ml.g4dn.xlarge", "ml.c6i.xlarge"}
    assert found["candidates"]["ml.c5.xlarge"]["maxInvocations"]["change"] == 0
    table = rightsize("compare", f"{endpoint}~2", endpoint)
    assert any(
        line.split()[:4] == ["current:", "max", "invocations/min", "per"] and "-60 (-20 %)" in line
        for line in table.stdout.splitlines()
    )


def test_check_input_is_offline_and_says_0_or_1(tmp_path: Path) -> None:
    good = tmp_path / "good.json"
    good.write_text(
        json.dumps(
            {
                "endpointName": "my-endpoint",
                "modelPackageVersionArn": "arn:aws:sagemaker:us-east-1:123456789012:model-package/my-models/3",
            }
        )
    )
    bad = tmp_path / "bad.json"
    bad.write_text(json.dumps({"endpointName": "my-endpoint", "jobType": "Fast"}))
    broken = tmp_path / "broken.json"
    broken.write_text("{")
    # No stack, no credentials: check-input never calls AWS.
    offline = ["--stack", "does-not-exist", "--profile", "no-such-profile"]

    valid = CliRunner().invoke(cli.main, [*offline, "check-input", str(good)])
    assert (valid.exit_code, valid.stdout) == (0, f"{good}: a valid execution input\n")
    invalid = CliRunner().invoke(cli.main, [*offline, "check-input", str(bad), "--json"])
    assert invalid.exit_code == 1
    report = json.loads(invalid.stdout)
    assert report["valid"] is False
    assert [p.split(":")[0] for p in report["problems"]] == ["modelPackageVersionArn", "jobType"]
    not_json = CliRunner().invoke(cli.main, [*offline, "check-input", str(broken)])
    assert not_json.exit_code == 1
    assert not_json.stdout.splitlines()[1].startswith("  - not JSON: ")
    piped = CliRunner().invoke(cli.main, [*offline, "check-input", "-"], input=good.read_text())
    assert piped.exit_code == 0


def test_report_writes_a_self_contained_page(history: tuple[str, list[dict[str, Any]]], tmp_path: Path) -> None:
    endpoint, _ = history
    target = tmp_path / "report.html"
    result = rightsize("report", endpoint, "-o", str(target))
    assert result.exit_code == 0, result.output
    assert result.stdout.startswith(f"Wrote {target} (2 runs, ")
    page = target.read_text()
    assert endpoint in page
    assert 'src="http' not in page


@pytest.mark.parametrize(
    "command", [["history", "e2e-cli-never"], ["report", "e2e-cli-never"], ["status", "e2e-cli-never"]]
)
def test_an_endpoint_without_runs_is_one_line(command: list[str]) -> None:
    result = rightsize(*command)
    assert result.exit_code == 1
    assert one_error_line(result) == (
        f"error: no runs of endpoint e2e-cli-never in stack {STACK_NAME}: start one with `rightsize run e2e-cli-never`"
    )


def test_a_stack_that_is_not_there_is_one_line(world: OfflineStack) -> None:
    missing = CliRunner().invoke(cli.main, ["--stack", "nope", "--region", REGION, "history", "x"])
    assert missing.exit_code == 1
    assert one_error_line(missing) == (
        f"error: stack nope not found in {REGION}: deploy it (`make deploy`), "
        "or pass --stack / --region where it is deployed"
    )
    elsewhere = CliRunner().invoke(cli.main, ["--region", "eu-west-3", "history", "x"])
    assert one_error_line(elsewhere).startswith(f"error: stack {STACK_NAME} not found in eu-west-3: ")


def test_missing_credentials_and_profiles_are_one_line(
    world: OfflineStack, monkeypatch: pytest.MonkeyPatch, tmp_path: Path
) -> None:
    for variable in ("AWS_ACCESS_KEY_ID", "AWS_SECRET_ACCESS_KEY", "AWS_SESSION_TOKEN", "AWS_PROFILE"):
        monkeypatch.delenv(variable, raising=False)
    monkeypatch.setenv("AWS_SHARED_CREDENTIALS_FILE", str(tmp_path / "none"))
    monkeypatch.setenv("AWS_CONFIG_FILE", str(tmp_path / "none"))
    monkeypatch.setenv("AWS_EC2_METADATA_DISABLED", "true")
    monkeypatch.delenv("AWS_CONTAINER_CREDENTIALS_FULL_URI", raising=False)
    monkeypatch.delenv("AWS_CONTAINER_CREDENTIALS_RELATIVE_URI", raising=False)
    no_credentials = rightsize("history", "x")
    assert no_credentials.exit_code == 1
    assert one_error_line(no_credentials).startswith("error: no AWS credentials found: run `aws configure`")
    no_profile = CliRunner().invoke(cli.main, ["--profile", "ghost", "history", "x"])
    assert no_profile.exit_code == 1
    assert "ghost" in one_error_line(no_profile)
    monkeypatch.delenv("AWS_DEFAULT_REGION", raising=False)
    monkeypatch.delenv("AWS_REGION", raising=False)
    no_region = CliRunner().invoke(cli.main, ["history", "x"])
    assert (
        one_error_line(no_region)
        == "error: no AWS region: pass --region, set AWS_REGION, or give your profile a region"
    )


def test_ctrl_c_detaches_and_leaves_the_run_going(world: OfflineStack, monkeypatch: pytest.MonkeyPatch) -> None:
    document = seed_eligible(world, "e2e-cli-detach")

    def interrupted(*_: Any, **__: Any) -> None:
        raise KeyboardInterrupt

    monkeypatch.setattr(cli, "follow", interrupted)
    result = rightsize("run", "e2e-cli-detach", "--model-package", document["modelPackageVersionArn"])
    assert result.exit_code == cli.EXIT_DETACHED
    name = result.stdout.splitlines()[0].split()[1]
    assert (
        f"Detached; the run goes on. Follow it: rightsize status {name}; stop it: rightsize stop {name}"
        in result.stdout
    )
    arn = world.deployment.state_machine_arn.replace(":stateMachine:", ":execution:") + f":{name}"
    assert world.wait_for(arn)["status"] == "SUCCEEDED"


@pytest.mark.parametrize("command", ["", *sorted(cli.main.commands), "fleet run", "fleet status"])
def test_every_command_has_help_with_examples(command: str) -> None:
    result = CliRunner().invoke(cli.main, [*command.split(), "--help"])
    assert result.exit_code == 0
    assert result.stdout.startswith(f"Usage: main {command}".rstrip())
    assert "\n  Examples:\n    rightsize " in result.stdout
