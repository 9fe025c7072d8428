"""Module-level tables the mutation tool never changes (it mutates function bodies only), one
table-driven test each (issue 11): every entry is pinned, through the behaviour it drives where
there is one, so a changed, added or dropped entry fails here.

The rows come from the contract (the README, the API model), not from the constants themselves.
"""

from __future__ import annotations

import inspect
import re
from typing import Any, get_args

import botocore.session
import pytest
from botocore.exceptions import ClientError

from recommender import errors
from recommender.adapters import aws, progress, sagemaker
from recommender.logic.failure import ADVICE, NO_JOB_ERRORS, STATUS_BY_ERROR, STATUS_BY_EXECUTION, status_for
from recommender.logic.naming import JOB_NAME_RE
from recommender.models import MODEL_PACKAGE_VERSION_ARN_RE, NAME_RE, TRIGGER_RE, RunStatus
from recommender.steps.validate import INPUT_NAMES, _input_names

# ------------------------------------------------------------------------------ errors -> statuses
# Every error class the functions raise (the Catch's `Error`), and a few names Step Functions and
# Lambda give: the run status it gets, and whether the run can have a job (to describe and stop).
ERRORS: list[tuple[str, RunStatus, bool]] = [
    ("InvalidExecutionInput", "REJECTED", False),
    ("EndpointNotEligible", "REJECTED", False),
    ("EndpointBusy", "REJECTED", False),
    ("JobFailed", "FAILED", True),
    ("JobStopped", "STOPPED", True),
    ("JobTimedOut", "TIMED_OUT", True),
    ("JobSlotUnavailable", "TIMED_OUT", False),  # the slot wait ran out: no job was created
    ("JobConflict", "ERROR", False),  # the job under this name is someone else's: never touched
    ("TransientAwsError", "ERROR", True),
    ("RecommenderError", "ERROR", True),
    ("States.Timeout", "ERROR", True),
    ("States.TaskFailed", "ERROR", True),
    ("Runtime.ImportModuleError", "ERROR", True),
    ("KeyError", "ERROR", True),
]


@pytest.mark.parametrize(("error", "status", "may_have_a_job"), ERRORS, ids=[row[0] for row in ERRORS])
def test_each_error_gets_its_status_and_job_handling(error: str, status: RunStatus, may_have_a_job: bool) -> None:
    assert status_for(error) == status
    assert status_for(error, "FAILED") == status  # a FAILED execution: the error decides
    assert (error not in NO_JOB_ERRORS) is may_have_a_job


def test_the_error_table_covers_every_error_class_and_nothing_else() -> None:
    classes = {
        name
        for name, value in vars(errors).items()
        if inspect.isclass(value) and issubclass(value, errors.RecommenderError) and not name.startswith("_")
    }
    named = {row[0] for row in ERRORS}
    assert classes <= named
    assert set(STATUS_BY_ERROR) <= classes  # no entry for a name nothing raises
    assert classes >= NO_JOB_ERRORS


@pytest.mark.parametrize(
    ("execution_status", "status"),
    [
        ("ABORTED", "ABORTED"),
        ("TIMED_OUT", "TIMED_OUT"),
        ("FAILED", "ERROR"),  # a failed execution: its error decides (none here)
        ("SUCCEEDED", "ERROR"),
        ("RUNNING", "ERROR"),
        ("PENDING_REDRIVE", "ERROR"),
    ],
)
def test_each_execution_status_gets_its_status(execution_status: str, status: RunStatus) -> None:
    assert status_for(None, execution_status) == status
    # An aborted or timed-out execution wins over the error it carries; any other status does not.
    expected = status if execution_status in {"ABORTED", "TIMED_OUT"} else "FAILED"
    assert status_for("JobFailed", execution_status) == expected


def test_the_execution_table_covers_step_functions_statuses_only() -> None:
    model = botocore.session.get_session().get_service_model("stepfunctions")
    assert set(STATUS_BY_EXECUTION) <= set(model.shape_for("ExecutionStatus").enum)  # type: ignore[attr-defined]
    assert STATUS_BY_EXECUTION == {"ABORTED": "ABORTED", "TIMED_OUT": "TIMED_OUT"}


# ------------------------------------------------------------------------------ advice
ADVICE_TEXTS: list[tuple[RunStatus, str]] = [
    ("REJECTED", "Nothing was started. Fix the problems listed and start a new execution."),
    (
        "FAILED",
        "The job failed. Fix the cause named above (often the model package, its sample payload or the job role) "
        "and start a new execution.",
    ),
    ("STOPPED", "The job was stopped outside this workflow. Start a new execution when the endpoint is free."),
    (
        "TIMED_OUT",
        "The run passed maxRunHours and its job was stopped. Raise maxRunHours, or use a shorter Advanced job "
        "(fewer tests, a shorter traffic pattern).",
    ),
    ("ABORTED", "The execution was stopped; its job was stopped and the endpoint lock released."),
    (
        "ERROR",
        "An unexpected error ended the run; its job was stopped and the endpoint lock released. See the "
        "execution's event history and the function logs.",
    ),
    ("COMPLETED", ""),  # a completed run's email has no advice section
]


@pytest.mark.parametrize(("status", "text"), ADVICE_TEXTS, ids=[row[0] for row in ADVICE_TEXTS])
def test_the_advice_for_each_status(status: RunStatus, text: str) -> None:
    assert ADVICE[status] == text


def test_every_status_has_advice() -> None:
    assert set(ADVICE) == set(get_args(RunStatus)) == {row[0] for row in ADVICE_TEXTS}


# ------------------------------------------------------------------------------ job and step statuses
# Every RecommendationJobStatus of the API model: (can be asked to stop, still loads the endpoint,
# ended without results).
JOB_STATUSES = [
    ("PENDING", True, True, False),
    ("IN_PROGRESS", True, True, False),
    ("STOPPING", False, True, False),
    ("COMPLETED", False, False, False),
    ("FAILED", False, False, False),
    ("STOPPED", False, False, True),
    ("DELETING", False, False, True),
    ("DELETED", False, False, True),
]


@pytest.mark.parametrize(("status", "active", "not_ended", "stopped"), JOB_STATUSES, ids=[r[0] for r in JOB_STATUSES])
def test_each_job_status_is_sorted(status: str, active: bool, not_ended: bool, stopped: bool) -> None:
    assert (status in sagemaker.ACTIVE_JOB_STATUSES) is active
    assert (status in sagemaker.NOT_ENDED_JOB_STATUSES) is not_ended
    assert (status in sagemaker.STOPPED_JOB_STATUSES) is stopped
    # A benchmark step (same enum) counts as done once it COMPLETED or FAILED.
    assert (status in progress.DONE_STEP_STATUSES) is (status in {"COMPLETED", "FAILED"})


def test_the_job_status_table_is_the_api_models() -> None:
    model = botocore.session.get_session().get_service_model("sagemaker")
    enum = set(model.shape_for("RecommendationJobStatus").enum)  # type: ignore[attr-defined]
    assert {row[0] for row in JOB_STATUSES} == enum
    assert enum >= sagemaker.NOT_ENDED_JOB_STATUSES | sagemaker.STOPPED_JOB_STATUSES | progress.DONE_STEP_STATUSES


# ------------------------------------------------------------------------------ transient AWS errors
TRANSIENT = [
    "Throttling",
    "ThrottlingException",
    "ThrottledException",
    "Throttled",
    "TooManyRequestsException",
    "RequestLimitExceeded",
    "ProvisionedThroughputExceededException",
    "RequestThrottled",
    "RequestThrottledException",
    "LimitExceededException",
    "InternalFailure",
    "InternalServerError",
    "ServiceUnavailable",
    "ServiceUnavailableException",
    "InternalError",
    "KMSThrottling",
    "KMSThrottlingException",
]
FINAL = ["ValidationException", "AccessDeniedException", "ResourceNotFound", "ResourceLimitExceeded", "KMSDisabled"]


def client_error(code: str, status: int = 400) -> ClientError:
    response: Any = {"Error": {"Code": code, "Message": "m"}, "ResponseMetadata": {"HTTPStatusCode": status}}
    return ClientError(response, "Op")


@pytest.mark.parametrize(("code", "transient"), [(c, True) for c in TRANSIENT] + [(c, False) for c in FINAL])
def test_each_error_code_is_transient_or_final(code: str, transient: bool) -> None:
    assert aws.is_transient(client_error(code)) is transient
    assert aws.is_transient(client_error(code, 503)) is True  # any 5xx is worth another try


def test_the_transient_codes_are_exactly_these() -> None:
    assert set(TRANSIENT) == aws.TRANSIENT_CODES


# ------------------------------------------------------------------------------ regexes
def full(pattern: re.Pattern[str], text: str) -> bool:
    return pattern.fullmatch(text) is not None


@pytest.mark.parametrize(
    ("text", "valid"),
    [
        ("a", True),
        ("A9", True),
        ("a-b", True),
        ("a--b", True),  # runs of hyphens between characters
        ("a" * 63, True),
        ("a" * 64, False),  # 63 characters at most
        ("a" + "-b" * 31, True),  # 63 characters, hyphens included
        ("a" + "-b" * 32, False),  # 65: hyphens count (SageMaker's EndpointName: at most 63)
        ("a-" + "b" * 61, True),  # 63
        ("a-" + "b" * 62, False),  # 64
        ("a" + "-b" * 62, False),
        ("-a", False),
        ("a-", False),
        ("a_b", False),
        ("a.b", False),
        ("a b", False),
        ("é", False),
        ("", False),
        ("a\n", False),
    ],
)
def test_the_sagemaker_name_rule(text: str, valid: bool) -> None:
    assert full(NAME_RE, text) is valid


@pytest.mark.parametrize(
    ("text", "valid"),
    [
        ("a" * 64, True),  # a job name may be one character longer than an endpoint name
        ("a" * 65, False),
        ("ir-orchestrator-0123456789abcdef-ep", True),
        ("ir--x", True),
        ("-ir", False),
        ("ir-", False),
        ("ir_x", False),
        ("", False),
    ],
)
def test_the_job_name_rule(text: str, valid: bool) -> None:
    assert full(JOB_NAME_RE, text) is valid


ARN = "arn:aws:sagemaker:us-east-1:123456789012:model-package/my-group/1"


@pytest.mark.parametrize(
    ("text", "valid"),
    [
        (ARN, True),
        ("arn:aws-cn:sagemaker:cn-north-1:123456789012:model-package/my-group/1", True),
        ("arn:aws-us-gov:sagemaker:us-gov-west-1:123456789012:model-package/my-group/1", True),
        ("arn:aws:sagemaker:us-east-1:123456789012:model-package/my-group/10", True),
        ("arn:aws:sagemaker:us-east-1:123456789012:model-package/g--1/2", True),
        ("arn:aws:sagemaker:us-east-1:123456789012:model-package/" + "g" * 63 + "/1", True),
        ("arn:aws:sagemaker:us-east-1:123456789012:model-package/" + "g" * 64 + "/1", False),
        ("arn:aws:sagemaker:us-east-1:123456789012:model-package/my-group/0", False),
        ("arn:aws:sagemaker:us-east-1:123456789012:model-package/my-group/01", False),
        ("arn:aws:sagemaker:us-east-1:123456789012:model-package/my-group", False),  # no version
        ("arn:aws:sagemaker:us-east-1:123456789012:model-package-group/my-group", False),
        ("arn:aws:sagemaker:us-east-1:12345678901:model-package/my-group/1", False),  # 11 digits
        ("arn:aws:sagemaker:US-EAST-1:123456789012:model-package/my-group/1", False),
        ("arn:aws:sagemaker:us-east-1:123456789012:model-package/my_group/1", False),
        ("arn:aws:s3:us-east-1:123456789012:model-package/my-group/1", False),
        ("arn:azure:sagemaker:us-east-1:123456789012:model-package/my-group/1", False),
    ],
)
def test_the_model_package_version_arn_rule(text: str, valid: bool) -> None:
    assert full(MODEL_PACKAGE_VERSION_ARN_RE, text) is valid


@pytest.mark.parametrize(
    ("text", "valid"),
    [
        ("manual", True),
        ("Manual", False),
        ("manually", False),
        ("schedule:weekly", True),
        ("schedule:a.b_c-D9", True),
        ("schedule:" + "x" * 64, True),
        ("schedule:" + "x" * 65, False),
        ("schedule:", False),
        ("schedule:a b", False),
        ("schedule:a/b", False),
        ("fleet:weekly-fraud_2", True),
        ("fleet:" + "x" * 80, True),
        ("fleet:" + "x" * 81, False),
        ("fleet:", False),
        ("fleet:a.b", False),  # execution names have no dots
        ("cron", False),
        ("", False),
    ],
)
def test_the_trigger_rule(text: str, valid: bool) -> None:
    assert full(TRIGGER_RE, text) is valid


# ------------------------------------------------------------------------------ load-test names
@pytest.mark.parametrize(
    ("api", "input_name"),
    [
        ("InputConfig.TrafficPattern is required", "trafficPattern is required"),
        ("InputConfig.JobDurationInSeconds: 60", "jobDurationInSeconds: 60"),
        ("JobDurationInSeconds: 60", "jobDurationInSeconds: 60"),
        ("StoppingConditions is required", "stoppingConditions is required"),
        (
            "InputConfig.TrafficPattern.Phases[0].DurationInSeconds (4000) exceeds InputConfig.JobDurationInSeconds",
            "trafficPattern.Phases[0].DurationInSeconds (4000) exceeds jobDurationInSeconds",
        ),
        ("InputConfig.Endpoints is required", "InputConfig.Endpoints is required"),  # no input name: as it is
    ],
)
def test_each_load_test_member_is_named_as_the_input_names_it(api: str, input_name: str) -> None:
    assert _input_names(api) == input_name


def test_the_load_test_names_are_these() -> None:
    assert dict(INPUT_NAMES) == {
        "InputConfig.TrafficPattern": "trafficPattern",
        "InputConfig.JobDurationInSeconds": "jobDurationInSeconds",
        "JobDurationInSeconds": "jobDurationInSeconds",
        "StoppingConditions": "stoppingConditions",
    }
