"""The `recommender` context: defaults, the sample, and bad values that must fail synth by name."""

from __future__ import annotations

import copy
import json
from typing import Any

import pytest

from infra.application import build_app, cdk_json
from infra.config import CONTEXT_KEY, ConfigError, RecommenderConfig
from tests.infra.support import SAMPLE_CONTEXT

ENDPOINT_INPUT = {
    "endpointName": "fraud-detector",
    "modelPackageVersionArn": "arn:aws:sagemaker:us-east-1:123456789012:model-package/fraud/3",
}


def with_schedule(**entry: Any) -> dict[str, Any]:
    schedule = {"name": "weekly", "expression": "rate(7 days)", "input": dict(ENDPOINT_INPUT)} | entry
    return {"schedules": [schedule]}


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
    assert [s.name for s in config.schedules] == ["weekly-fraud", "daily.search_v2"]
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
