"""What IAM authorizes for each AWS call the project makes: the action, the resource ARN(s) built
from the request, the implied authorizations, the condition keys.

The ARN formats come from the Service Authorization Reference (`policy_sentry`'s copy): the
resource types each action supports and their `arn:${Partition}:...:${Name}` formats, filled from
the request. An action without resource-level permissions is authorized on `*`. SageMaker names
its resources in ARNs in lower case (the ARNs it returns and authorizes are lower-cased), so its
names are lower-cased here too.

An operation not in `OPERATIONS` is a `StrictWorldGap`: a new AWS call cannot slip through
unchecked; add it here.
"""

from __future__ import annotations

import functools
import re
from collections.abc import Callable, Mapping
from dataclasses import dataclass, field
from typing import Any

from recommender.adapters.api_model import service_model


class StrictWorldGap(Exception):
    """Something the strict world does not know how to check: a test error, never an AWS error."""


@dataclass(frozen=True)
class Environment:
    """Where the call is made, and what the world knows about its resources."""

    account: str
    region: str
    partition: str = "aws"
    topic_key: Callable[[str], str | None] = lambda _topic: None  # SNS topic ARN -> its KMS key ARN


@dataclass(frozen=True)
class Authorization:
    """One authorization a call needs; `denied` names the error when it is refused (None: the
    service's own access-denied error for the call)."""

    action: str
    resource: str
    context: Mapping[str, str] = field(default_factory=dict)
    denied: tuple[str, int] | None = None  # (error code, HTTP status)
    implied: bool = False


# IAM's service prefix where it differs from the model's signing name / endpoint prefix.
_IAM_PREFIX = {"monitoring": "cloudwatch"}


@functools.cache
def iam_prefix(service: str) -> str:
    metadata = service_model(service).metadata
    name = str(metadata.get("signingName") or metadata["endpointPrefix"])
    return _IAM_PREFIX.get(name, name)


@functools.cache
def arn_formats(action: str) -> tuple[str, ...]:
    """The ARN formats of the resource types `action` supports (empty: no resource-level permissions)."""
    from policy_sentry.querying.actions import get_action_data

    prefix, name = action.split(":", 1)
    rows = get_action_data(prefix, name).get(prefix) or []
    if not rows:
        raise StrictWorldGap(f"the Service Authorization Reference does not know {action}")
    return tuple(dict.fromkeys(r["resource_arn_format"] for r in rows if r["resource_arn_format"] != "*"))


_VARIABLE = re.compile(r"\$\{(\w+)\}")


def resource_arn(action: str, env: Environment, **names: str) -> str:
    """The ARN `action` is authorized on, from the format whose name variables are exactly `names`
    (`Region` / `Account` among them override the caller's, for resources named by ARN)."""
    formats = arn_formats(action)
    if not formats:
        return "*"
    values = {"Partition": env.partition, "Region": env.region, "Account": env.account, **names}
    wanted = set(names) - {"Region", "Account", "Partition"}
    for candidate in formats:
        variables = set(_VARIABLE.findall(candidate)) - {"Region", "Account", "Partition"}
        if variables == wanted:
            return _VARIABLE.sub(lambda m: values[m[1]], candidate)
    raise StrictWorldGap(f"no ARN format of {action} takes {sorted(wanted)}: {formats}")


def parse_arn(arn: str) -> dict[str, str]:
    parts = arn.split(":", 5)
    if len(parts) != 6 or parts[0] != "arn":
        raise ValueError(f"not an ARN: {arn}")
    return {"Partition": parts[1], "Service": parts[2], "Region": parts[3], "Account": parts[4], "Resource": parts[5]}


# --------------------------------------------------------------------------- the operations
Rule = Callable[[str, Mapping[str, Any], Environment], list[Authorization]]


def _sagemaker_named(variable: str, param: str) -> Rule:
    """A SageMaker action on the resource its request names (lower-cased, as SageMaker does)."""

    def rule(action: str, params: Mapping[str, Any], env: Environment) -> list[Authorization]:
        return [Authorization(action, resource_arn(action, env, **{variable: str(params[param]).lower()}))]

    return rule


def _model_package(action: str, params: Mapping[str, Any], env: Environment) -> list[Authorization]:
    name = str(params["ModelPackageName"])
    if name.startswith("arn:"):
        arn = parse_arn(name)
        package = arn["Resource"].removeprefix("model-package/").lower()
        located = {"Region": arn["Region"], "Account": arn["Account"]}
        return [Authorization(action, resource_arn(action, env, ModelPackageName=package, **located))]
    return [Authorization(action, resource_arn(action, env, ModelPackageName=name.lower()))]


def _create_job(action: str, params: Mapping[str, Any], env: Environment) -> list[Authorization]:
    job = resource_arn(action, env, InferenceRecommendationsJobName=str(params["JobName"]).lower())
    needed = [
        Authorization(action, job),
        # The job runs as RoleArn: the caller passes that role to SageMaker.
        Authorization(
            "iam:PassRole",
            str(params["RoleArn"]),
            {"iam:PassedToService": "sagemaker.amazonaws.com"},
            implied=True,
        ),
    ]
    if params.get("Tags"):
        needed.append(Authorization("sagemaker:AddTags", job, implied=True))
    return needed


def _job(action: str, params: Mapping[str, Any], env: Environment) -> list[Authorization]:
    name = params.get("JobName") or params.get("InferenceRecommendationsJobName")
    return [Authorization(action, resource_arn(action, env, InferenceRecommendationsJobName=str(name).lower()))]


def _no_resource(action: str, params: Mapping[str, Any], env: Environment) -> list[Authorization]:
    arn = resource_arn(action, env)
    if arn != "*":
        raise StrictWorldGap(f"{action} has resource-level permissions ({arn}): map its resource")
    return [Authorization(action, arn)]


def _table(action: str, params: Mapping[str, Any], env: Environment) -> list[Authorization]:
    table = str(params["TableName"])
    names: dict[str, str] = {}
    if table.startswith("arn:"):
        arn = parse_arn(table)
        table = arn["Resource"].removeprefix("table/")
        names = {"Region": arn["Region"], "Account": arn["Account"]}
    if params.get("IndexName"):
        names["IndexName"] = str(params["IndexName"])
    return [Authorization(action, resource_arn(action, env, TableName=table, **names))]


def _publish(action: str, params: Mapping[str, Any], env: Environment) -> list[Authorization]:
    if "TopicArn" not in params:
        raise StrictWorldGap("sns:Publish to a TargetArn or PhoneNumber: the strict world knows topics only; add it")
    topic = parse_arn(str(params["TopicArn"]))
    needed = [
        Authorization(
            action,
            resource_arn(action, env, TopicName=topic["Resource"], Region=topic["Region"], Account=topic["Account"]),
        )
    ]
    key = env.topic_key(str(params["TopicArn"]))
    if key:
        # SNS encrypts the message with the topic's key on the publisher's behalf: the publisher
        # needs the key too, and SNS reports the refusal as KMSAccessDenied.
        for kms_action in ("kms:GenerateDataKey", "kms:Decrypt"):
            needed.append(Authorization(kms_action, key, denied=("KMSAccessDenied", 400), implied=True))
    return needed


def _execution(action: str, params: Mapping[str, Any], env: Environment) -> list[Authorization]:
    arn = parse_arn(str(params["executionArn"]))
    _kind, machine, execution = arn["Resource"].split(":", 2)
    names = {"StateMachineName": machine, "ExecutionId": execution, "Region": arn["Region"], "Account": arn["Account"]}
    return [Authorization(action, resource_arn(action, env, **names))]


def _tagged(action: str, params: Mapping[str, Any], env: Environment) -> list[Authorization]:
    """ListTags: authorized on the resource whose tags are read (its ARN is the request's)."""
    return [Authorization(action, str(params["ResourceArn"]))]


# (botocore service name, operation) -> rule
OPERATIONS: dict[tuple[str, str], Rule] = {
    ("sagemaker", "DescribeEndpoint"): _sagemaker_named("EndpointName", "EndpointName"),
    ("sagemaker", "DescribeEndpointConfig"): _sagemaker_named("EndpointConfigName", "EndpointConfigName"),
    ("sagemaker", "DescribeModel"): _sagemaker_named("ModelName", "ModelName"),
    ("sagemaker", "DescribeModelPackage"): _model_package,
    ("sagemaker", "CreateInferenceRecommendationsJob"): _create_job,
    ("sagemaker", "DescribeInferenceRecommendationsJob"): _job,
    ("sagemaker", "StopInferenceRecommendationsJob"): _job,
    ("sagemaker", "GetScalingConfigurationRecommendation"): _job,
    ("sagemaker", "ListInferenceRecommendationsJobSteps"): _no_resource,
    ("sagemaker", "ListEndpoints"): _no_resource,
    ("sagemaker", "ListTags"): _tagged,
    ("application-autoscaling", "DescribeScalableTargets"): _no_resource,
    ("cloudwatch", "GetMetricData"): _no_resource,
    ("cloudwatch", "GetMetricStatistics"): _no_resource,
    ("cloudwatch", "PutMetricData"): _no_resource,
    ("dynamodb", "PutItem"): _table,
    ("dynamodb", "GetItem"): _table,
    ("dynamodb", "Query"): _table,
    ("dynamodb", "DeleteItem"): _table,
    ("dynamodb", "UpdateItem"): _table,
    ("sns", "Publish"): _publish,
    ("stepfunctions", "DescribeExecution"): _execution,
    ("pricing", "GetProducts"): _no_resource,
    ("service-quotas", "ListServiceQuotas"): _no_resource,
}


def authorizations(service: str, operation: str, params: Mapping[str, Any], env: Environment) -> list[Authorization]:
    """Every authorization the call needs, the call's own action first."""
    rule = OPERATIONS.get((service, operation))
    if rule is None:
        raise StrictWorldGap(
            f"the strict world does not know {service}:{operation}; add it to simulator/strict/authorization.py"
        )
    return rule(f"{iam_prefix(service)}:{operation}", params, env)
