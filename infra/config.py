"""The `recommender` context of cdk.json, read once into a frozen, validated config object.

Every key has a default, so `cdk synth` works with an empty context. A bad value fails synth with
a `ConfigError` whose message names each bad key (camelCase, as written in cdk.json) and its rule.
Schedule inputs are checked by `recommender.models.ExecutionInput`: the model the Validate step
uses, so a schedule that synthesizes is a schedule whose executions get past input validation.
"""

from __future__ import annotations

import difflib
import json
import re
import zoneinfo
from collections.abc import Iterable
from datetime import datetime
from functools import cache
from typing import Any

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
from recommender.logic.polling import PollPolicy, worst_case_checks
from recommender.models import FleetInput, describe_validation_error
from recommender.steps.validate import parse_request

CONTEXT_KEY = "recommender"

SCHEDULE_NAME_RE = re.compile(r"[0-9a-zA-Z_.-]{1,64}")
# Job names are "<prefix>-<execution digest>-<endpoint>"; the prefix also scopes the IAM job actions.
JOB_NAME_PREFIX_RE = re.compile(r"[a-zA-Z0-9](-*[a-zA-Z0-9]){0,19}")
ROLE_ARN_RE = re.compile(r"arn:aws[a-z-]*:iam::[0-9]{12}:role/[\w+=,.@/-]{1,512}")
EMAIL_RE = re.compile(r"[^@\s]+@[^@\s]+\.[^@\s]+")
RATE_RE = re.compile(r"rate\([1-9][0-9]* (minutes?|hours?|days?)\)")
CRON_RE = re.compile(r"cron\(([^()]*)\)")
AT_RE = re.compile(r"at\((\d{4}-\d\d-\d\dT\d\d:\d\d:\d\d)\)")
# EventBridge Scheduler cron fields: minutes hours day-of-month month day-of-week year.
CRON_FIELDS = (
    ("minutes", r"[0-9,*/-]+"),
    ("hours", r"[0-9,*/-]+"),
    ("day-of-month", r"[0-9,*/?LW-]+"),
    ("month", r"[0-9A-Za-z,*/-]+"),
    ("day-of-week", r"[0-9A-Za-z,*?#/-]+"),
    ("year", r"[0-9,*/-]+"),
)
# Execution history (Step Functions Standard): at most 25,000 events per execution. The poll loop
# (Wait -> Check Job -> Job Finished?) adds 9 per check: WaitStateEntered/Exited, TaskStateEntered,
# TaskScheduled, TaskStarted, TaskSucceeded, TaskStateExited, ChoiceStateEntered/Exited.
HISTORY_EVENT_LIMIT = 25_000
EVENTS_PER_CHECK = 9
# Everything else on the longest path: ExecutionStarted, Validate / Start / Publish or Record
# Failure (5 events each), Validation Failed (2), Done or Run Failed (2), the execution's end (1),
# rounded up.
OTHER_STATES_EVENTS = 25
# Each retried attempt adds TaskScheduled, TaskStarted and TaskFailed / TaskTimedOut; room for 25
# steps exhausting their whole retrier (RETRY_MAX_ATTEMPTS, infra/workflow.py) in one execution.
RETRY_MAX_ATTEMPTS = 6
RETRY_HEADROOM_EVENTS = 25 * RETRY_MAX_ATTEMPTS * 3
# Waiting for an Inference Recommender job slot (Start Job's JobSlotUnavailable, infra/workflow.py):
# the first retry after a minute, doubling to at most 10 minutes between attempts.
SLOT_WAIT_FIRST_SECONDS = 60
SLOT_WAIT_MAX_SECONDS = 600
EVENTS_PER_RETRY = 3


def slot_wait_attempts(max_run_seconds: int) -> int:
    """Attempts that outlast the run's deadline even when full jitter draws every delay at half its
    mean (a quarter of the cap): the deadline, not the attempts, ends the wait."""
    return 8 + -(-max_run_seconds // (SLOT_WAIT_MAX_SECONDS // 4))


EXPRESSION_HELP = "use rate(<n> minutes|hours|days), cron(<6 fields>) or at(yyyy-mm-ddThh:mm:ss)"


class ConfigError(ValueError):
    """The `recommender` context is invalid; the message names every bad key and its rule."""


def check_schedule_expression(expression: str) -> None:
    """Raise `ValueError` unless `expression` is an EventBridge Scheduler rate/cron/at expression."""
    if RATE_RE.fullmatch(expression):
        return
    if match := AT_RE.fullmatch(expression):
        try:
            datetime.fromisoformat(match.group(1))
        except ValueError:
            raise ValueError(f"{expression!r}: not a valid date and time") from None
        return
    if match := CRON_RE.fullmatch(expression):
        fields = match.group(1).split()
        if len(fields) != len(CRON_FIELDS):
            raise ValueError(f"{expression!r}: cron needs 6 fields (minutes hours day-of-month month day-of-week year)")
        for value, (name, pattern) in zip(fields, CRON_FIELDS, strict=True):
            if not re.fullmatch(pattern, value):
                raise ValueError(f"{expression!r}: bad {name} field {value!r}")
            if problem := _cron_field_problem(name, value):
                raise ValueError(f"{expression!r}: bad {name} field {value!r}: {problem}")
        if (fields[2] == "?") == (fields[4] == "?"):
            raise ValueError(f"{expression!r}: exactly one of day-of-month and day-of-week must be '?'")
        return
    raise ValueError(f"{expression!r} is not a schedule expression: {EXPRESSION_HELP}")


# The values each cron field takes (EventBridge Scheduler cron expressions), and its names.
CRON_RANGES: dict[str, tuple[int, int]] = {
    "minutes": (0, 59),
    "hours": (0, 23),
    "day-of-month": (1, 31),
    "month": (1, 12),
    "day-of-week": (1, 7),
    "year": (1970, 2199),
}
MONTHS = ("JAN", "FEB", "MAR", "APR", "MAY", "JUN", "JUL", "AUG", "SEP", "OCT", "NOV", "DEC")
WEEKDAYS = ("SUN", "MON", "TUE", "WED", "THU", "FRI", "SAT")
CRON_NAMES: dict[str, dict[str, int]] = {
    "month": {name: number for number, name in enumerate(MONTHS, 1)},
    "day-of-week": {name: number for number, name in enumerate(WEEKDAYS, 1)},
}


def _cron_value(field: str, text: str) -> int | None:
    """The number a cron value stands for (a name for month / day-of-week), None if it is neither."""
    if text.isdigit():
        return int(text)
    return CRON_NAMES.get(field, {}).get(text.upper())


def _cron_field_problem(field: str, value: str) -> str | None:
    """What is wrong with one cron field's values (lists, ranges, steps, L / W / #), or None."""
    low, high = CRON_RANGES[field]
    allowed = f"{low}-{high}"
    if field in CRON_NAMES:
        names = list(CRON_NAMES[field])
        allowed += f" or {names[0]}-{names[-1]}"
    for item in value.split(","):
        base, _, step = item.partition("/")
        if "/" in item and not (step.isdigit() and int(step) >= 1):
            return f"step {step!r} of {item!r} must be a whole number >= 1"
        if base in {"*", "?"}:
            continue
        if field == "day-of-month" and (base in {"L", "LW"} or re.fullmatch(r"\d+W", base)):
            base = base.rstrip("W") if base not in {"L", "LW"} else str(low)
        elif field == "day-of-week" and (base == "L" or re.fullmatch(r"\w+L", base)):
            base = base[:-1] or str(low)
        elif field == "day-of-week" and "#" in base:
            base, _, nth = base.partition("#")
            if not (nth.isdigit() and 1 <= int(nth) <= 5):
                return f"{item!r}: the week in the month after '#' must be 1-5"
        for end in base.split("-"):
            number = _cron_value(field, end)
            if number is None or not low <= number <= high:
                return f"{end!r} is out of range (allowed: {allowed})"
    return None


@cache
def _time_zones() -> frozenset[str]:
    return frozenset(zoneinfo.available_timezones())


class _Context(BaseModel):
    """camelCase keys as in cdk.json; unknown keys are errors (a typo must not be ignored)."""

    model_config = ConfigDict(alias_generator=to_camel, populate_by_name=False, extra="forbid", frozen=True)


class ScheduleConfig(_Context):
    """One EventBridge Scheduler schedule that starts an execution."""

    name: StrictStr
    expression: StrictStr
    timezone: StrictStr | None = None
    # Exactly one: a single-endpoint run's execution input, or a fleet run's input (infra/fleet.py).
    input: dict[str, Any] | None = None
    fleet: dict[str, Any] | None = None

    @field_validator("name")
    @classmethod
    def _name(cls, value: str) -> str:
        if not SCHEDULE_NAME_RE.fullmatch(value):
            raise ValueError("must be 1-64 letters, digits, '-', '_' or '.'")
        return value

    @field_validator("expression")
    @classmethod
    def _expression(cls, value: str) -> str:
        check_schedule_expression(value)
        return value

    @field_validator("timezone")
    @classmethod
    def _timezone(cls, value: str | None) -> str | None:
        zones = _time_zones()
        if value is not None and zones and value not in zones:
            raise ValueError(f"{value!r} is not an IANA time zone (e.g. Europe/Paris, UTC)")
        return value

    @field_validator("input")
    @classmethod
    def _input(cls, value: dict[str, Any] | None) -> dict[str, Any] | None:
        if value is None:
            return None
        if "trigger" in value:
            raise ValueError("must not set trigger: the schedule sets it to schedule:<name>")
        try:
            parse_request(value)  # the Validate step's own check, API shapes of pass-through fields included
        except InvalidExecutionInput as exc:
            raise ValueError("not a valid execution input: " + "; ".join(exc.violations)) from None
        return value

    @field_validator("fleet")
    @classmethod
    def _fleet(cls, value: dict[str, Any] | None) -> dict[str, Any] | None:
        if value is None:
            return None
        if "trigger" in value:
            raise ValueError("must not set trigger: the schedule sets it to schedule:<name>")
        try:
            FleetInput.parse(value)  # the Select Endpoints step's own check
        except InvalidExecutionInput as exc:
            raise ValueError("not a valid fleet input: " + "; ".join(exc.violations)) from None
        return value

    @model_validator(mode="after")
    def _input_or_fleet(self) -> ScheduleConfig:
        if (self.input is None) == (self.fleet is None):
            raise ValueError("give exactly one of input (one endpoint) and fleet (a fleet run)")
        return self

    @property
    def is_fleet(self) -> bool:
        return self.fleet is not None

    @property
    def target_input(self) -> dict[str, Any]:
        """What each execution receives: the input (or the fleet's) plus `trigger = schedule:<name>`."""
        return {**(self.input or self.fleet or {}), "trigger": f"schedule:{self.name}"}


class RecommenderConfig(_Context):
    """The deployment's settings (README: Configuration)."""

    job_role_arn: StrictStr | None = None
    notification_emails: tuple[StrictStr, ...] = ()
    schedules: tuple[ScheduleConfig, ...] = ()
    # Same bounds as recommender.settings.Settings, so a config that synthesizes also boots.
    poll_initial_seconds: StrictInt = Field(default=60, ge=10, le=3600)
    poll_max_seconds: StrictInt = Field(default=120, ge=10, le=3600)
    max_run_hours: StrictInt | StrictFloat = Field(default=6, gt=0, le=24)
    live_traffic_lookback_minutes: StrictInt = Field(default=60, ge=1, le=10080)
    live_traffic_max_invocations: StrictInt = Field(default=0, ge=0)
    job_name_prefix: StrictStr = "ir-orchestrator"
    # Regression alert thresholds, percent (same bounds as recommender.settings.Settings).
    regression_throughput_drop_percent: StrictInt | StrictFloat = Field(default=10, gt=0, le=100)
    regression_latency_rise_percent: StrictInt | StrictFloat = Field(default=20, gt=0, le=1000)
    # The decision (README "The decision"): CloudWatch keeps one-minute points for 15 days.
    traffic_lookback_days: StrictInt = Field(default=14, ge=1, le=15)
    target_utilization: StrictInt | StrictFloat = Field(default=0.7, gt=0, le=1)
    latency_tolerance_percent: StrictInt | StrictFloat = Field(default=10, ge=0, le=1000)
    # Fleet runs: child runs at once unless the fleet input says (the account's concurrent
    # Inference Recommender job quota; same bounds as recommender.settings.Settings).
    fleet_max_concurrent_jobs: StrictInt = Field(default=10, ge=1, le=1000)
    retain_data: StrictBool = True
    # Powertools Tracer (X-Ray subsegments per AWS call) costs ~230 ms of cold start; opt-in.
    trace_aws_calls: StrictBool = False

    @field_validator("job_role_arn")
    @classmethod
    def _role(cls, value: str | None) -> str | None:
        if value is not None and not ROLE_ARN_RE.fullmatch(value):
            raise ValueError("must be an IAM role ARN (arn:aws:iam::<account>:role/<name>)")
        return value

    @field_validator("notification_emails")
    @classmethod
    def _emails(cls, value: tuple[str, ...]) -> tuple[str, ...]:
        bad = [email for email in value if not EMAIL_RE.fullmatch(email)]
        if bad:
            raise ValueError(f"not email addresses: {', '.join(bad)}")
        return value

    @field_validator("schedules")
    @classmethod
    def _unique(cls, value: tuple[ScheduleConfig, ...]) -> tuple[ScheduleConfig, ...]:
        names = [schedule.name for schedule in value]
        duplicates = sorted({name for name in names if names.count(name) > 1})
        if duplicates:
            raise ValueError(f"schedule names must be unique: {', '.join(duplicates)}")
        return value

    @field_validator("job_name_prefix")
    @classmethod
    def _prefix(cls, value: str) -> str:
        if not JOB_NAME_PREFIX_RE.fullmatch(value):
            raise ValueError("must be 1-20 letters, digits and inner hyphens (^[a-zA-Z0-9](-*[a-zA-Z0-9]){0,19}$)")
        return value

    @model_validator(mode="after")
    def _poll_bounds(self) -> RecommenderConfig:
        if self.poll_max_seconds < self.poll_initial_seconds:
            raise ValueError(
                f"pollMaxSeconds ({self.poll_max_seconds}) must be >= pollInitialSeconds ({self.poll_initial_seconds})"
            )
        return self

    @model_validator(mode="after")
    def _history_fits(self) -> RecommenderConfig:
        if self.poll_max_seconds < self.poll_initial_seconds:
            return self  # reported by _poll_bounds
        checks = worst_case_checks(PollPolicy(self.poll_initial_seconds, self.poll_max_seconds), self.max_run_seconds)
        # A run may wait for a job slot before it polls; both share the deadline, and counting both in
        # full keeps the bound safe.
        slot_events = slot_wait_attempts(self.max_run_seconds) * EVENTS_PER_RETRY
        overhead = OTHER_STATES_EVENTS + RETRY_HEADROOM_EVENTS + slot_events
        total = checks * EVENTS_PER_CHECK + overhead
        if total > HISTORY_EVENT_LIMIT:
            room = (HISTORY_EVENT_LIMIT - overhead) // EVENTS_PER_CHECK  # checks that fit
            # Checks grow about linearly with the deadline and fall with the longest wait.
            hours = int(self.max_run_hours * room / checks * 10) / 10
            wait = min(3600, -(-self.poll_max_seconds * checks // room))
            raise ValueError(
                f"pollInitialSeconds {self.poll_initial_seconds}, pollMaxSeconds {self.poll_max_seconds} and "
                f"maxRunHours {self.max_run_hours:g} allow up to {checks} job checks per run: "
                f"{checks} checks x {EVENTS_PER_CHECK} events per check + {overhead} (other states "
                f"{OTHER_STATES_EVENTS}, retries headroom {RETRY_HEADROOM_EVENTS}, waiting for a job slot "
                f"{slot_events}) = {total} history events "
                f"> {HISTORY_EVENT_LIMIT}, the Step Functions limit per execution (the run would fail "
                f"before its deadline); at most {room} checks fit: raise pollMaxSeconds (to about {wait}) "
                f"or lower maxRunHours (to about {hours:g})"
            )
        return self

    @property
    def max_run_seconds(self) -> int:
        return int(self.max_run_hours * 3600)

    @classmethod
    def from_context(cls, raw: Any) -> RecommenderConfig:
        """Validate the context value (absent, a JSON object, or a JSON string from `cdk -c`)."""
        if raw is None:
            raw = {}
        if isinstance(raw, str):
            try:
                raw = json.loads(raw)
            except json.JSONDecodeError as exc:
                raise ConfigError(f"{CONTEXT_KEY}: not a JSON object ({exc})") from None
        if not isinstance(raw, dict):
            raise ConfigError(f"{CONTEXT_KEY}: must be a JSON object, got {type(raw).__name__}")
        try:
            return cls.model_validate(raw)
        except ValidationError as exc:
            lines = "\n".join(f"  - {line}" for line in describe_validation_error(exc, _allowed_keys))
            raise ConfigError(f"invalid `{CONTEXT_KEY}` context (cdk.json):\n{lines}") from None


def check_context_keys(keys: Iterable[str]) -> None:
    """Fail on a context key that looks like a misspelled `recommender` (its settings would be
    ignored silently: the app would deploy the defaults). CDK's own keys (`@aws-cdk/...` feature
    flags, `aws:cdk:...`, anything with ':' or '/') are left alone."""
    for key in keys:
        if key == CONTEXT_KEY or key.startswith("@") or ":" in key or "/" in key:
            continue
        if key.lower() == CONTEXT_KEY or difflib.SequenceMatcher(None, key.lower(), CONTEXT_KEY).ratio() >= 0.8:
            raise ConfigError(
                f"context key `{key}` (cdk.json or -c): did you mean `{CONTEXT_KEY}`? The configuration is read "
                f"from `{CONTEXT_KEY}` only; rename the key"
            )


def _allowed_keys(loc: tuple[int | str, ...]) -> str:
    model: type[_Context] = ScheduleConfig if loc[0] == "schedules" else RecommenderConfig
    return ", ".join(to_camel(name) for name in model.model_fields)
