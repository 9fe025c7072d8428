"""The service-model check: every constraint of the model (and the few documented beside it), one
message per violation, in the services' own words, on the real botocore models."""

from __future__ import annotations

from datetime import UTC, datetime
from decimal import Decimal
from typing import Any

import pytest
from botocore.model import Shape

from recommender.adapters.api_model import (
    UNCOMPILABLE_PATTERNS,
    compiled,
    python_pattern,
    request_violations,
    service_model,
    shape_violations,
)

ROLE = "arn:aws:iam::123456789012:role/job-role"
PACKAGE = "arn:aws:sagemaker:us-east-1:123456789012:model-package/my-group/3"
CONSTRAINT = "failed to satisfy constraint: "

# Every operation the Lambda code calls (and the ones the lead is adding): the patterns of every
# shape reachable from their inputs must be enforceable.
PROJECT_OPERATIONS = {
    "sagemaker": [
        "DescribeEndpoint",
        "DescribeEndpointConfig",
        "DescribeModel",
        "DescribeModelPackage",
        "CreateInferenceRecommendationsJob",
        "DescribeInferenceRecommendationsJob",
        "StopInferenceRecommendationsJob",
        "ListInferenceRecommendationsJobSteps",
        "GetScalingConfigurationRecommendation",
    ],
    "application-autoscaling": ["DescribeScalableTargets"],
    "cloudwatch": ["GetMetricData"],
    "dynamodb": ["PutItem", "GetItem", "Query", "DeleteItem", "UpdateItem"],
    "sns": ["Publish"],
    "stepfunctions": ["DescribeExecution"],
    "pricing": ["GetProducts"],
}


def job_request(**overrides: Any) -> dict[str, Any]:
    request: dict[str, Any] = {
        "JobName": "ir-orchestrator-0123456789abcdef-demo-endpoint",
        "JobType": "Default",
        "RoleArn": ROLE,
        "JobDescription": "weekly right-sizing check",
        "InputConfig": {"ModelPackageVersionArn": PACKAGE, "Endpoints": [{"EndpointName": "demo-endpoint"}]},
    }
    request.update(overrides)
    return request


def input_config(**overrides: Any) -> dict[str, Any]:
    return {"ModelPackageVersionArn": PACKAGE, "Endpoints": [{"EndpointName": "demo-endpoint"}], **overrides}


def phases(**phase: Any) -> dict[str, Any]:
    return {
        "TrafficType": "PHASES",
        "Phases": [{"InitialNumberOfUsers": 1, "SpawnRate": 1, "DurationInSeconds": 120, **phase}],
    }


def test_a_valid_request_has_no_violation() -> None:
    assert request_violations("sagemaker", "CreateInferenceRecommendationsJob", job_request()) == []


@pytest.mark.parametrize(
    ("overrides", "expected"),
    [
        pytest.param(
            {"JobDescription": "x" * 129},
            f"Value '{'x' * 129}' at 'JobDescription' {CONSTRAINT}Member must have length less than or equal to 128",
            id="description-129",
        ),
        pytest.param(
            {"JobName": "ir_orchestrator"},
            f"Value 'ir_orchestrator' at 'JobName' {CONSTRAINT}Member must satisfy regular expression pattern: "
            "[a-zA-Z0-9](-*[a-zA-Z0-9]){0,63}",
            id="name-underscore",
        ),
        pytest.param(
            {"JobName": "a" * 65},
            [
                f"Value '{'a' * 65}' at 'JobName' {CONSTRAINT}Member must have length less than or equal to 64",
                f"Value '{'a' * 65}' at 'JobName' {CONSTRAINT}Member must satisfy regular expression pattern: "
                "[a-zA-Z0-9](-*[a-zA-Z0-9]){0,63}",
            ],
            id="name-65",
        ),
        pytest.param(
            {"JobType": "Fast"},
            f"Value 'Fast' at 'JobType' {CONSTRAINT}Member must satisfy enum value set: [Default, Advanced]",
            id="job-type-enum",
        ),
        pytest.param(
            {"InputConfig": input_config(Endpoints=[{"EndpointName": "a"}, {"EndpointName": "b"}])},
            f"Value '[{{EndpointName=a}}, {{EndpointName=b}}]' at 'InputConfig.Endpoints' {CONSTRAINT}"
            "Member must have length less than or equal to 1",
            id="two-endpoints",
        ),
        pytest.param(
            {"InputConfig": input_config(JobDurationInSeconds=18001)},
            f"Value '18001' at 'InputConfig.JobDurationInSeconds' {CONSTRAINT}"
            "Member must have value less than or equal to 18000",
            id="duration-18001",
        ),
        pytest.param(
            {"InputConfig": input_config(JobDurationInSeconds=0)},
            f"Value '0' at 'InputConfig.JobDurationInSeconds' {CONSTRAINT}"
            "Member must have value greater than or equal to 1",
            id="duration-0",
        ),
        pytest.param(
            {"InputConfig": input_config(TrafficPattern=phases(InitialNumberOfUsers=0))},
            f"Value '0' at 'InputConfig.TrafficPattern.Phases[0].InitialNumberOfUsers' {CONSTRAINT}"
            "Member must have value greater than or equal to 1",
            id="nested-list-member-range",
        ),
        pytest.param(
            {"InputConfig": input_config(TrafficPattern=phases(SpawnRate="1"))},
            f"Value '1' at 'InputConfig.TrafficPattern.Phases[0].SpawnRate' {CONSTRAINT}Member must be of type integer",
            id="nested-type",
        ),
        pytest.param(
            {"InputConfig": input_config(TrafficPattern=phases(SpawnRate=True))},
            f"Value 'true' at 'InputConfig.TrafficPattern.Phases[0].SpawnRate' {CONSTRAINT}"
            "Member must be of type integer",
            id="bool-is-not-an-integer",
        ),
        pytest.param(
            {"InputConfig": {**input_config(), "Typo": 1}},
            f"Value '1' at 'InputConfig.Typo' {CONSTRAINT}"
            "Member must be a known member of RecommendationJobInputConfig",
            id="unknown-member",
        ),
        pytest.param(
            {"RoleArn": None},
            f"Value null at 'RoleArn' {CONSTRAINT}Member must not be null",
            id="required-none",
        ),
        pytest.param(
            {"StoppingConditions": {"ModelLatencyThresholds": [{"Percentile": "P95", "ValueInMilliseconds": 1}] * 2}},
            f"Value '[{{Percentile=P95, ValueInMilliseconds=1}}, {{Percentile=P95, ValueInMilliseconds=1}}]' at "
            f"'StoppingConditions.ModelLatencyThresholds' {CONSTRAINT}Member must have length less than or equal to 1",
            id="list-max",
        ),
    ],
)
def test_create_job_constraints(overrides: dict[str, Any], expected: str | list[str]) -> None:
    found = request_violations("sagemaker", "CreateInferenceRecommendationsJob", job_request(**overrides))
    assert found == ([expected] if isinstance(expected, str) else expected)


def test_every_violation_is_reported_once() -> None:
    request = job_request(JobDescription="x" * 129, JobName="bad_name", JobType="Fast")
    request["InputConfig"] = input_config(JobDurationInSeconds=18001)
    del request["RoleArn"]
    found = request_violations("sagemaker", "CreateInferenceRecommendationsJob", request)
    assert [message.split("' at '")[-1].split("'")[0] for message in found if "' at '" in message] == [
        "JobName",
        "JobType",
        "InputConfig.JobDurationInSeconds",
        "JobDescription",
    ]
    assert f"Value null at 'RoleArn' {CONSTRAINT}Member must not be null" in found
    assert len(found) == 5


def test_shape_violations_prefix_the_path() -> None:
    found = shape_violations("sagemaker", "TrafficPattern", phases(DurationInSeconds=0), "trafficPattern")
    assert found == [
        f"Value '0' at 'trafficPattern.Phases[0].DurationInSeconds' {CONSTRAINT}"
        "Member must have value greater than or equal to 1"
    ]
    assert shape_violations("sagemaker", "RecommendationJobResourceLimit", {"MaxNumberOfTests": 10}) == []
    assert shape_violations("sagemaker", "TrafficPattern", ["not", "an", "object"]) == [
        f"Value '[not, an, object]' at '' {CONSTRAINT}Member must be of type structure"
    ]


def test_a_value_that_contains_itself_ends() -> None:
    looped: dict[str, Any] = {"S": "x"}
    looped["M"] = {"a": looped}
    found = request_violations("dynamodb", "PutItem", {"TableName": "runs", "Item": {"k": looped}})
    assert any("Member must not contain itself" in message for message in found)


@pytest.mark.parametrize(
    ("params", "expected"),
    [
        pytest.param({"TableName": "runs", "Item": {"k": {"S": "v"}}}, [], id="valid"),
        pytest.param(
            {"TableName": "", "Item": {"k": {"S": "v"}}},
            [f"Value '' at 'TableName' {CONSTRAINT}Member must have length greater than or equal to 1"],
            id="table-name-empty",
        ),
        pytest.param(
            {"TableName": "runs", "Item": {"k": {"Q": "v"}}},
            [f"Value 'v' at 'Item.k.Q' {CONSTRAINT}Member must be a known member of AttributeValue"],
            id="unknown-attribute-type",
        ),
        pytest.param(
            {"TableName": "runs", "Item": {"k": {"N": 3}}},
            [f"Value '3' at 'Item.k.N' {CONSTRAINT}Member must be of type string"],
            id="number-as-int",
        ),
        pytest.param(
            {"TableName": "runs", "Item": {"k": {"L": [{"M": {"n": {"BOOL": "yes"}}}]}}},
            [f"Value 'yes' at 'Item.k.L[0].M.n.BOOL' {CONSTRAINT}Member must be of type boolean"],
            id="deep-nesting",
        ),
        pytest.param(
            {"TableName": "runs", "Item": {"k": {"B": b"\x00"}, "t": {"S": "v"}}, "ReturnValues": "EVERYTHING"},
            [
                f"Value 'EVERYTHING' at 'ReturnValues' {CONSTRAINT}"
                "Member must satisfy enum value set: [NONE, ALL_OLD, UPDATED_OLD, ALL_NEW, UPDATED_NEW]"
            ],
            id="enum",
        ),
    ],
)
def test_dynamodb_put_item(params: dict[str, Any], expected: list[str]) -> None:
    assert request_violations("dynamodb", "PutItem", params) == expected


@pytest.mark.parametrize(
    ("params", "expected"),
    [
        pytest.param({"TopicArn": "arn:aws:sns:us-east-1:123456789012:t", "Message": "m"}, [], id="valid"),
        pytest.param(
            {"Message": "m", "MessageAttributes": {"status": {"StringValue": "FAILED"}}},
            [f"Value null at 'MessageAttributes.status.DataType' {CONSTRAINT}Member must not be null"],
            id="map-value-required",
        ),
        pytest.param(
            {"Message": "m", "Subject": 7},
            [f"Value '7' at 'Subject' {CONSTRAINT}Member must be of type string"],
            id="type",
        ),
        pytest.param(
            {"Message": "m", "MessageAttributes": {"k": {"DataType": "Binary", "BinaryValue": "text is a blob too"}}},
            [],
            id="blob-accepts-what-botocore-accepts",
        ),
    ],
)
def test_sns_publish(params: dict[str, Any], expected: list[str]) -> None:
    assert request_violations("sns", "Publish", params) == expected


@pytest.mark.parametrize(
    ("value", "valid"),
    [
        (datetime(2026, 1, 1, tzinfo=UTC), True),
        ("2026-01-01T00:00:00Z", True),
        (1767225600, True),
        (1767225600.5, True),
        ("yesterday", False),
        (True, False),
        ([2026], False),
    ],
)
def test_timestamps_accept_what_botocore_accepts(value: Any, valid: bool) -> None:
    params = {
        "MetricDataQueries": [{"Id": "q", "Expression": "SUM(METRICS())"}],
        "StartTime": value,
        "EndTime": datetime(2026, 1, 2, tzinfo=UTC),
    }
    found = request_violations("cloudwatch", "GetMetricData", params)
    assert found == (
        [] if valid else [f"Value '{_java(value)}' at 'StartTime' {CONSTRAINT}Member must be of type timestamp"]
    )


def _java(value: Any) -> str:
    if value is True:
        return "true"
    if isinstance(value, list):
        return "[" + ", ".join(map(str, value)) + "]"
    return str(value)


def test_numbers_accept_decimal_and_check_ranges() -> None:
    params = {"ServiceNamespace": "sagemaker", "MaxResults": Decimal(3)}
    assert request_violations("application-autoscaling", "DescribeScalableTargets", params) == [
        f"Value '3' at 'MaxResults' {CONSTRAINT}Member must be of type integer"
    ]
    assert request_violations("application-autoscaling", "DescribeScalableTargets", {"ServiceNamespace": "x"}) == [
        f"Value 'x' at 'ServiceNamespace' {CONSTRAINT}Member must satisfy enum value set: "
        + "["
        + ", ".join(service_model("application-autoscaling").shape_for("ServiceNamespace").metadata["enum"])
        + "]"
    ]


def test_map_keys_are_checked() -> None:
    found = shape_violations("sagemaker", "EnvironmentMap", {"1bad": "v", "GOOD": "v"}, "Environment")
    assert found == [
        f"Value '1bad' at 'Environment' {CONSTRAINT}Map keys must satisfy constraint: "
        "[Member must satisfy regular expression pattern: [a-zA-Z_][a-zA-Z0-9_]*]"
    ]


def test_list_members_are_checked() -> None:
    tags = [{"Key": "", "Value": "v"}]
    assert request_violations("sagemaker", "CreateInferenceRecommendationsJob", job_request(Tags=tags)) == [
        f"Value '' at 'Tags[0].Key' {CONSTRAINT}Member must have length greater than or equal to 1"
    ]


def test_long_values_are_cut_in_messages() -> None:
    message, _pattern = request_violations("sagemaker", "DescribeEndpoint", {"EndpointName": "e" * 1000})
    assert message.startswith("Value 'eeee")
    assert "…' at 'EndpointName'" in message
    assert len(message) < 400


def _reachable_patterns(shape: Shape, seen: set[str]) -> list[str]:
    if shape.name in seen:
        return []
    seen.add(shape.name)
    found = [shape.metadata["pattern"]] if shape.metadata.get("pattern") else []
    if shape.type_name == "structure":
        for member in shape.members.values():  # type: ignore[attr-defined]
            found += _reachable_patterns(member, seen)
    elif shape.type_name == "list":
        found += _reachable_patterns(shape.member, seen)  # type: ignore[attr-defined]
    elif shape.type_name == "map":
        found += _reachable_patterns(shape.key, seen) + _reachable_patterns(shape.value, seen)  # type: ignore[attr-defined]
    return found


@pytest.mark.parametrize(
    ("service", "operation"),
    [(service, operation) for service, operations in PROJECT_OPERATIONS.items() for operation in operations],
)
def test_every_pattern_the_project_meets_compiles(service: str, operation: str) -> None:
    input_shape = service_model(service).operation_model(operation).input_shape
    assert input_shape is not None
    patterns = _reachable_patterns(input_shape, set())
    assert [pattern for pattern in patterns if compiled(pattern) is None] == []
    assert not UNCOMPILABLE_PATTERNS.intersection(patterns)


@pytest.mark.parametrize(
    ("java", "text", "matches"),
    [
        (r"([\p{L}\p{Z}\p{N}_.:/=+\-@]*)", "héllo wörld 42:_", True),
        (r"([\p{L}\p{Z}\p{N}_.:/=+\-@]*)", "a#b", False),
        (r"[\u0020-\uD7FF\uE000-\uFFFD\uD800\uDC00-\uDBFF\uDFFF\r\n\t]*", "emoji 😀 ok\n", True),
        (r"[\u0020-\uD7FF\uE000-\uFFFD\uD800\uDC00-\uDBFF\uDFFF\r\n\t]*", "bell \x07", False),
        (r"\p{L}+", "Straße", True),
    ],
)
def test_java_patterns_in_python(java: str, text: str, matches: bool) -> None:
    regex = compiled(java)
    assert regex is not None, python_pattern(java)
    assert (regex.fullmatch(text) is not None) is matches


def test_a_pattern_python_cannot_compile_is_reported_once_and_skipped() -> None:
    pattern = r"[^\p{Cntrl}]+"
    assert compiled(pattern) is None
    assert compiled(pattern) is None
    assert pattern in UNCOMPILABLE_PATTERNS
