"""The `recommender` context: defaults, the sample, and bad values that must fail synth by name."""

from __future__ import annotations

import copy
import json
import os
import shutil
import subprocess
import sys
from pathlib import Path
from typing import Any

import pytest

from infra.application import build_app, cdk_json
from infra.config import (
    CONTEXT_KEY,
    EVENTS_PER_CHECK,
    HISTORY_EVENT_LIMIT,
    OTHER_STATES_EVENTS,
    RETRY_HEADROOM_EVENTS,
    RETRY_MAX_ATTEMPTS,
    ConfigError,
    RecommenderConfig,
    check_context_keys,
    slot_wait_attempts,
)
from recommender.logic.polling import PollPolicy, worst_case_checks
from tests.infra.support import SAMPLE_CONTEXT, Synthesized, definition

PROJECT_DIR = Path(__file__).resolve().parents[2]

ENDPOINT_INPUT = {
    "endpointName": "fraud-detector",
    "modelPackageVersionArn": "arn:aws:sagemaker:us-east-1:123456789012:model-package/fraud/3",
}


def with_schedule(**entry: Any) -> dict[str, Any]:
    schedule = {"name": "weekly", "expression": "rate(7 days)", "input": dict(ENDPOINT_INPUT)} | entry
    return {"schedules": [schedule]}


def test_a_fleet_schedule_is_checked_as_a_fleet_input() -> None:
    fleet = {"tags": {"team": "fraud"}, "maxConcurrentJobs": 5}
    config = RecommenderConfig.from_context(with_schedule(input=None, fleet=fleet))
    (schedule,) = config.schedules
    assert schedule.is_fleet
    assert schedule.target_input == {**fleet, "trigger": "schedule:weekly"}
    for entry, problem in (
        ({"fleet": {"tags": {"team": "fraud"}}}, "give exactly one of input (one endpoint) and fleet"),
        ({"input": None}, "give exactly one of input (one endpoint) and fleet"),
        (
            {"input": None, "fleet": {"namePrefix": "x", "tags": {"a": "b"}}},
            "schedules[0].fleet: not a valid fleet input",
        ),
        ({"input": None, "fleet": {"namePrefix": "x", "trigger": "manual"}}, "must not set trigger"),
        ({"input": None, "fleet": {"namePrefix": "x", "jobType": "Fast"}}, "jobType"),
    ):
        with pytest.raises(ConfigError) as raised:
            RecommenderConfig.from_context(with_schedule(**entry))
        assert problem in str(raised.value), entry


def test_empty_context_gives_the_documented_defaults() -> None:
    empty: dict[str, Any] | None
    for empty in (None, {}):
        config = RecommenderConfig.from_context(empty)
        assert config.job_role_arn is None
        assert config.notification_emails == ()
        assert config.schedules == ()
        assert (config.poll_initial_seconds, config.poll_max_seconds) == (60, 120)
        assert config.max_run_hours == 6
        assert config.max_run_seconds == 6 * 3600
        assert (config.live_traffic_lookback_minutes, config.live_traffic_max_invocations) == (60, 0)
        assert config.job_name_prefix == "ir-orchestrator"
        assert config.retain_data is True


def test_cdk_json_holds_a_valid_config() -> None:
    assert RecommenderConfig.from_context(cdk_json()["context"][CONTEXT_KEY]) == RecommenderConfig.from_context({})


def test_sample_context_is_read_into_a_frozen_config() -> None:
    config = RecommenderConfig.from_context(SAMPLE_CONTEXT)
    assert config.job_role_arn == "arn:aws:iam::123456789012:role/InferenceRecommenderJob"
    assert config.notification_emails == ("ml-platform@example.com", "oncall@example.com")
    assert [s.name for s in config.schedules] == ["weekly-fraud", "daily.search_v2", "weekly-fraud-fleet"]
    assert config.schedules[0].timezone == "Europe/Paris"
    assert config.schedules[1].timezone is None
    assert (config.poll_initial_seconds, config.poll_max_seconds, config.max_run_hours) == (30, 300, 3)
    assert config.job_name_prefix == "Rightsize"
    assert config.retain_data is False
    with pytest.raises(ValueError, match="frozen"):
        config.max_run_hours = 12  # type: ignore[misc]


def test_a_schedule_sends_its_input_plus_its_trigger() -> None:
    (schedule,) = RecommenderConfig.from_context(with_schedule(name="weekly.fraud_1")).schedules
    assert schedule.target_input == {**ENDPOINT_INPUT, "trigger": "schedule:weekly.fraud_1"}
    assert schedule.input is not None
    assert "trigger" not in schedule.input


def test_context_given_as_a_json_string_on_the_command_line() -> None:
    config = RecommenderConfig.from_context(json.dumps({"maxRunHours": 2.5}))
    assert config.max_run_seconds == 9000


@pytest.mark.parametrize(
    "expression",
    [
        "rate(1 minute)",
        "rate(15 minutes)",
        "rate(12 hours)",
        "rate(7 days)",
        "cron(0 3 ? * MON *)",
        "cron(0/30 8-18 ? * MON-FRI *)",
        "cron(15 10 1 * ? 2027)",
        "cron(0 12 L * ? *)",
        "cron(0 9 ? * 2#1 *)",
        "at(2027-01-31T09:00:00)",
    ],
)
def test_valid_schedule_expressions(expression: str) -> None:
    (schedule,) = RecommenderConfig.from_context(with_schedule(expression=expression)).schedules
    assert schedule.expression == expression


BAD_CONTEXTS = [
    # (context, what the message must name)
    ({"pollIntervalSeconds": 30}, "pollIntervalSeconds: unknown key"),
    ({"job_role_arn": "arn:aws:iam::123456789012:role/x"}, "job_role_arn: unknown key"),
    (with_schedule(enabled=False), "schedules[0].enabled: unknown key"),
    (with_schedule(expression="rate(0 minutes)"), "schedules[0].expression"),
    (with_schedule(expression="rate(2 weeks)"), "schedules[0].expression"),
    (with_schedule(expression="cron(0 3 * * MON)"), "schedules[0].expression: 'cron(0 3 * * MON)': cron needs 6"),
    (with_schedule(expression="cron(0 3 * * MON *)"), "exactly one of day-of-month and day-of-week"),
    (with_schedule(expression="cron(0 3 ? * MON * *)"), "schedules[0].expression"),
    (with_schedule(expression="at(2027-02-30T09:00:00)"), "not a valid date"),
    (with_schedule(expression="every monday"), "schedules[0].expression"),
    (with_schedule(timezone="Mars/Olympus_Mons"), "schedules[0].timezone"),
    (with_schedule(name="weekly fraud"), "schedules[0].name"),
    (with_schedule(name="x" * 65), "schedules[0].name"),
    (
        with_schedule(input={"modelPackageVersionArn": ENDPOINT_INPUT["modelPackageVersionArn"]}),
        "endpointName: required",
    ),
    (with_schedule(input={**ENDPOINT_INPUT, "endpointname": "typo"}), "endpointname: unknown key"),
    (with_schedule(input={**ENDPOINT_INPUT, "endpointName": "bad_name"}), "schedules[0].input"),
    (with_schedule(input={**ENDPOINT_INPUT, "trigger": "manual"}), "schedules[0].input: must not set trigger"),
    (with_schedule(input={**ENDPOINT_INPUT, "resourceLimit": {}}), "only valid with jobType Advanced"),
    # The pass-through fields against the whole API model, and what a load test needs, at synth:
    (
        with_schedule(
            input={
                **ENDPOINT_INPUT,
                "jobType": "Advanced",
                "trafficPattern": {"TrafficType": "RAMP", "Phases": [{"InitialNumberOfUsers": 1}]},
                "stoppingConditions": {"MaxInvocations": 300},
            }
        ),
        "Value 'RAMP' at 'TrafficType' failed to satisfy constraint: Member must satisfy enum value set",
    ),
    (
        with_schedule(
            input={
                **ENDPOINT_INPUT,
                "jobType": "Advanced",
                "trafficPattern": {"TrafficType": "PHASES", "Phases": [{"InitialNumberOfUsers": 1}]},
                "stoppingConditions": {
                    "ModelLatencyThresholds": [{"Percentile": "P95", "ValueInMilliseconds": 100}] * 2
                },
            }
        ),
        "'ModelLatencyThresholds' failed to satisfy constraint: Member must have length less than or equal to 1",
    ),
    (
        with_schedule(input={**ENDPOINT_INPUT, "jobType": "Advanced"}),
        "trafficPattern is required for Advanced (load test) jobs",
    ),
    (with_schedule(input=["not", "an", "object"]), "schedules[0].input"),
    ({"schedules": [with_schedule()["schedules"][0]] * 2}, "schedule names must be unique: weekly"),
    ({"schedules": [{"name": "weekly"}]}, "schedules[0].expression: required"),
    ({"pollInitialSeconds": 300, "pollMaxSeconds": 120}, "pollMaxSeconds (120) must be >= pollInitialSeconds"),
    ({"pollInitialSeconds": "60"}, "pollInitialSeconds"),
    ({"pollInitialSeconds": 5}, "pollInitialSeconds"),
    ({"pollMaxSeconds": True}, "pollMaxSeconds"),
    ({"maxRunHours": 0}, "maxRunHours"),
    ({"maxRunHours": 25}, "maxRunHours"),
    ({"liveTrafficLookbackMinutes": 0}, "liveTrafficLookbackMinutes"),
    ({"liveTrafficMaxInvocations": -1}, "liveTrafficMaxInvocations"),
    ({"regressionThroughputDropPercent": 0}, "regressionThroughputDropPercent"),
    ({"regressionThroughputDropPercent": 100.5}, "regressionThroughputDropPercent"),
    ({"regressionThroughputDropPercent": "10"}, "regressionThroughputDropPercent"),
    ({"regressionLatencyRisePercent": -5}, "regressionLatencyRisePercent"),
    ({"regressionLatencyRisePercent": 1001}, "regressionLatencyRisePercent"),
    ({"jobNamePrefix": "ir_orchestrator"}, "jobNamePrefix"),
    ({"jobNamePrefix": "-ir"}, "jobNamePrefix"),
    ({"jobNamePrefix": "a" * 21}, "jobNamePrefix"),
    ({"jobRoleArn": "InferenceRecommenderJob"}, "jobRoleArn: must be an IAM role ARN"),
    ({"notificationEmails": ["oncall@example.com", "oncall"]}, "notificationEmails: not email addresses: oncall"),
    ({"notificationEmails": "oncall@example.com"}, "notificationEmails"),
    ({"retainData": "yes"}, "retainData"),
    ([], "recommender: must be a JSON object"),
    ("{not json", "recommender: not a JSON object"),
]


@pytest.mark.parametrize(("context", "named"), BAD_CONTEXTS)
def test_bad_context_fails_naming_the_key(context: Any, named: str) -> None:
    with pytest.raises(ConfigError) as raised:
        RecommenderConfig.from_context(copy.deepcopy(context))
    assert named in str(raised.value)


def test_every_problem_is_reported_at_once() -> None:
    with pytest.raises(ConfigError) as raised:
        RecommenderConfig.from_context({"colour": "red", "maxRunHours": 0, **with_schedule(expression="daily")})
    message = str(raised.value)
    assert "colour: unknown key" in message
    assert "maxRunHours" in message
    assert "schedules[0].expression" in message


def test_bad_context_fails_the_app_before_anything_is_built() -> None:
    context = {**cdk_json()["context"], CONTEXT_KEY: {"maxRunHour": 4}}
    with pytest.raises(ConfigError, match=r"maxRunHour: unknown key \(allowed keys: jobRoleArn, "):
        build_app(context, nag=False)


# ------------------------------------------------------------------------------ cron field ranges
@pytest.mark.parametrize(
    "expression",
    [
        "cron(59 23 31 12 ? 2199)",
        "cron(0 0 1 1 ? 1970)",
        "cron(0,15,30,45 8-18/2 ? JAN-DEC SUN-SAT *)",
        "cron(*/5 * ? * 1-7 2027-2030)",
        "cron(0 3 LW * ? *)",
        "cron(0 3 15W * ? *)",
        "cron(0 3 ? * 6L *)",
        "cron(0 3 ? * MON#5 *)",
        "cron(0 3 1-31/2 jan,Feb ? *)",
    ],
)
def test_cron_values_in_range_pass(expression: str) -> None:
    (schedule,) = RecommenderConfig.from_context(with_schedule(expression=expression)).schedules
    assert schedule.expression == expression


@pytest.mark.parametrize(
    ("expression", "field", "bad"),
    [
        ("cron(75 3 ? * MON *)", "minutes", "'75'"),
        ("cron(0,15,60 3 ? * MON *)", "minutes", "'60'"),
        ("cron(0/0 3 ? * MON *)", "minutes", "step '0'"),
        ("cron(0 24 ? * MON *)", "hours", "'24'"),
        ("cron(0 8-25 ? * MON *)", "hours", "'25'"),
        ("cron(0 3 0 * ? *)", "day-of-month", "'0'"),
        ("cron(0 3 32 * ? *)", "day-of-month", "'32'"),
        ("cron(0 3 40W * ? *)", "day-of-month", "'40'"),
        ("cron(0 3 ? 13 MON *)", "month", "'13'"),
        ("cron(0 3 ? JAN-DEK MON *)", "month", "'DEK'"),
        ("cron(0 3 ? * 8 *)", "day-of-week", "'8'"),
        ("cron(0 3 ? * 0 *)", "day-of-week", "'0'"),
        ("cron(0 3 ? * MON-FRY *)", "day-of-week", "'FRY'"),
        ("cron(0 3 ? * 2#6 *)", "day-of-week", "'#' must be 1-5"),
        ("cron(0 3 ? * MON 1969)", "year", "'1969'"),
        ("cron(0 3 ? * MON 2030-2200)", "year", "'2200'"),
    ],
)
def test_cron_values_out_of_range_fail_naming_the_field(expression: str, field: str, bad: str) -> None:
    with pytest.raises(ConfigError) as raised:
        RecommenderConfig.from_context(with_schedule(expression=expression))
    message = str(raised.value)
    assert f"schedules[0].expression: '{expression}': bad {field} field" in message
    assert bad in message


# ------------------------------------------------------------------------------ execution history
def test_poll_settings_whose_history_exceeds_the_limit_fail_with_the_arithmetic() -> None:
    with pytest.raises(ConfigError) as raised:
        RecommenderConfig.from_context({"pollInitialSeconds": 10, "pollMaxSeconds": 10, "maxRunHours": 24})
    message = str(raised.value)
    # 24 h of checks every 10 s (one more when a short history shifts the grid): 8,641 checks; and
    # the attempts of a wait for a job slot as long as the run (584 x 3 events).
    slot = slot_wait_attempts(24 * 3600) * 3
    assert slot == 584 * 3
    overhead = OTHER_STATES_EVENTS + RETRY_HEADROOM_EVENTS + slot
    total = 8641 * EVENTS_PER_CHECK + overhead
    assert f"8641 checks x 9 events per check + {overhead}" in message
    assert f"waiting for a job slot {slot})" in message
    assert f"= {total} history events > 25000" in message
    assert "raise pollMaxSeconds" in message
    assert "lower maxRunHours" in message


def test_the_suggested_changes_fit() -> None:
    with pytest.raises(ConfigError) as raised:
        RecommenderConfig.from_context({"pollInitialSeconds": 10, "pollMaxSeconds": 10, "maxRunHours": 24})
    message = str(raised.value)
    wait = int(message.split("raise pollMaxSeconds (to about ")[1].split(")", maxsplit=1)[0])
    hours = float(message.split("lower maxRunHours (to about ")[1].split(")", maxsplit=1)[0])
    RecommenderConfig.from_context({"pollInitialSeconds": 10, "pollMaxSeconds": wait, "maxRunHours": 24})
    RecommenderConfig.from_context({"pollInitialSeconds": 10, "pollMaxSeconds": 10, "maxRunHours": hours})


@pytest.mark.parametrize(
    "context",
    [
        {},  # the defaults: 60 / 120 s, 6 h
        SAMPLE_CONTEXT,
        {"pollInitialSeconds": 10, "pollMaxSeconds": 60, "maxRunHours": 24},
        {"pollInitialSeconds": 10, "pollMaxSeconds": 10, "maxRunHours": 7},
    ],
)
def test_poll_settings_within_the_history_limit_pass(context: dict[str, Any]) -> None:
    config = RecommenderConfig.from_context(copy.deepcopy(context))
    policy = PollPolicy(config.poll_initial_seconds, config.poll_max_seconds)
    checks = worst_case_checks(policy, config.max_run_seconds)
    slot = slot_wait_attempts(config.max_run_seconds) * 3
    assert checks * EVENTS_PER_CHECK + OTHER_STATES_EVENTS + RETRY_HEADROOM_EVENTS + slot <= HISTORY_EVENT_LIMIT


def test_retry_headroom_matches_the_definitions_retriers(default_synth: Synthesized) -> None:
    states = json.loads(definition(default_synth.template))["States"]
    retriers = [retrier for state in states.values() for retrier in state.get("Retry", [])]
    slot = [retrier for retrier in retriers if retrier["ErrorEquals"] == ["JobSlotUnavailable"]]
    assert {retrier["MaxAttempts"] for retrier in retriers if retrier not in slot} == {RETRY_MAX_ATTEMPTS}
    # The slot wait has its own attempts, counted in full in the history budget (_history_fits).
    assert [retrier["MaxAttempts"] for retrier in slot] == [slot_wait_attempts(6 * 3600)]


# ------------------------------------------------------------------------------ misspelled context key
@pytest.mark.parametrize("key", ["recomender", "Recommender", "recommenders", "RECOMMENDER", "recommnder"])
def test_a_misspelled_recommender_key_fails_naming_both(key: str) -> None:
    context = {**cdk_json()["context"]}
    context[key] = context.pop(CONTEXT_KEY)
    with pytest.raises(ConfigError) as raised:
        build_app(context, nag=False)
    assert f"context key `{key}`" in str(raised.value)
    assert "did you mean `recommender`?" in str(raised.value)


def test_a_misspelled_key_passed_by_the_cli_fails_too(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("CDK_CONTEXT_JSON", json.dumps({"recomender": {"maxRunHours": 2}}))
    with pytest.raises(ConfigError, match="context key `recomender`"):
        build_app({CONTEXT_KEY: {}}, nag=False)


def test_cdk_feature_flags_and_other_keys_are_not_mistaken_for_it() -> None:
    # cdk.json's own context: dozens of @aws-cdk/... flags next to `recommender`.
    check_context_keys(cdk_json()["context"])
    check_context_keys(["aws:cdk:enable-path-metadata", "@aws-cdk/core:recommender", "acknowledged-issue-numbers"])


# ------------------------------------------------------------------------------ python app.py
def run_app_with_cdk_json(tmp_path: Path, text: str) -> subprocess.CompletedProcess[str]:
    """`python app.py` in a copy of the project whose cdk.json is `text` (the real one stays as is)."""
    shutil.copy(PROJECT_DIR / "app.py", tmp_path / "app.py")
    shutil.copytree(PROJECT_DIR / "infra", tmp_path / "infra", ignore=shutil.ignore_patterns("__pycache__"))
    (tmp_path / "lambdas").symlink_to(PROJECT_DIR / "lambdas")
    (tmp_path / "cdk.json").write_text(text)
    environment = {k: v for k, v in os.environ.items() if not k.startswith("CDK_")}
    return subprocess.run(
        [sys.executable, "app.py"], cwd=tmp_path, env=environment, capture_output=True, text=True, check=False
    )


@pytest.mark.parametrize(
    ("text", "says"),
    [
        ('{"app": "python app.py", "context": {', "cdk.json is not valid JSON"),
        ("", "cdk.json is not valid JSON"),
        ("[1, 2]", "cdk.json must hold a JSON object"),
    ],
)
def test_app_on_a_broken_cdk_json_prints_one_line_and_fails(tmp_path: Path, text: str, says: str) -> None:
    done = run_app_with_cdk_json(tmp_path, text)
    assert done.returncode != 0
    assert "Traceback" not in done.stderr
    lines = done.stderr.strip().splitlines()
    assert len(lines) == 1, done.stderr
    assert lines[0].startswith("error: ")
    assert says in lines[0]
    assert not (tmp_path / "cdk.out").exists()
