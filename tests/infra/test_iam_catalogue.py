"""Every IAM permission of the synthesized templates against the Service Authorization Reference.

`policy_sentry` bundles the reference as data: for each action, the resource ARN formats it
supports (`resource_arn_format`, with ${Partition}/${Region}/${Account}/${Name} placeholders), or
"*" alone when it has no resource-level permissions. For every Allow statement of every identity
policy (role inline policies, AWS::IAM::Policy), this proves:

- an action with resource-level permissions is granted only on resources that can match one of its
  formats (a grant on an ARN of another shape never matches a request: it is dead, or worse, the
  action is denied when the code calls it);
- an action without resource-level permissions is granted on "*" (IAM authorizes it against "*":
  any narrower resource makes every call AccessDenied);
- "*" is granted only to such actions.

Resource policies (key, topic, queue policies) and trust policies are out of scope: their "*"
means "this resource" or they have no actions of the caller's.
"""

from __future__ import annotations

from collections import deque
from functools import cache
from typing import Any

import pytest
from policy_sentry.querying.actions import get_action_data

from tests.infra.support import PLACEHOLDER_PSEUDO, Synthesized, resources

ACCOUNT = PLACEHOLDER_PSEUDO["AWS::AccountId"]
REGION = PLACEHOLDER_PSEUDO["AWS::Region"]
# What CloudFormation returns for Ref / GetAtt of each resource type the policies reference, as an
# ARN (or name) of the right shape. A type missing here fails the test: add its shape.
SHAPES: dict[tuple[str, str], str] = {
    ("AWS::IAM::Role", "Arn"): f"arn:aws:iam::{ACCOUNT}:role/{{}}",
    ("AWS::Lambda::Function", "Arn"): f"arn:aws:lambda:{REGION}:{ACCOUNT}:function:{{}}",
    ("AWS::DynamoDB::Table", "Arn"): f"arn:aws:dynamodb:{REGION}:{ACCOUNT}:table/{{}}",
    ("AWS::SNS::Topic", "Ref"): f"arn:aws:sns:{REGION}:{ACCOUNT}:{{}}",
    ("AWS::SNS::Topic", "TopicArn"): f"arn:aws:sns:{REGION}:{ACCOUNT}:{{}}",
    ("AWS::SQS::Queue", "Arn"): f"arn:aws:sqs:{REGION}:{ACCOUNT}:{{}}",
    ("AWS::KMS::Key", "Arn"): f"arn:aws:kms:{REGION}:{ACCOUNT}:key/{{}}",
    ("AWS::Logs::LogGroup", "Arn"): f"arn:aws:logs:{REGION}:{ACCOUNT}:log-group:{{}}:*",
    ("AWS::StepFunctions::StateMachine", "Ref"): f"arn:aws:states:{REGION}:{ACCOUNT}:stateMachine:{{}}",
    ("AWS::StepFunctions::StateMachine", "Name"): "{}",
    ("AWS::Events::Rule", "Arn"): f"arn:aws:events:{REGION}:{ACCOUNT}:rule/{{}}",
}
# Actions granted on "*" although they support resource-level permissions, each with its reason.
# (Empty: every such grant is scoped.)
WILDCARD_EXCEPTIONS: dict[str, str] = {}

# Pattern tokens: a literal character, ANY (any string) or SEGMENT (any string without ':').
ANY, SEGMENT = object(), object()


@pytest.fixture(params=["default_synth", "sample_synth"])
def synth(request: pytest.FixtureRequest) -> Synthesized:
    synthesized: Synthesized = request.getfixturevalue(request.param)
    return synthesized


def as_list(value: Any) -> list[Any]:
    return value if isinstance(value, list) else [value]


def concrete(template: dict[str, Any], node: Any) -> str | None:
    """A policy resource as text: tokens become ARNs of their type's shape; None for AWS::NoValue."""
    if isinstance(node, str):
        return node
    if "Ref" in node:
        name = node["Ref"]
        if name == "AWS::NoValue":
            return None
        if name in PLACEHOLDER_PSEUDO:
            return PLACEHOLDER_PSEUDO[name]
        return SHAPES[(template["Resources"][name]["Type"], "Ref")].format(name)
    if "Fn::GetAtt" in node:
        logical, attribute = node["Fn::GetAtt"]
        kind = template["Resources"][logical]["Type"]
        assert (kind, attribute) in SHAPES, f"no ARN shape for {kind}.{attribute}: add it to SHAPES"
        return SHAPES[(kind, attribute)].format(logical)
    if "Fn::Select" in node:  # a name split out of an ARN: {"Fn::Select": [i, {"Fn::Split": [d, arn]}]}
        index, (split,) = node["Fn::Select"][0], node["Fn::Select"][1].values()
        delimiter, source = split
        return str(concrete(template, source)).split(delimiter)[index]
    delimiter, parts = node["Fn::Join"]
    rendered = [concrete(template, part) for part in parts]
    return str(delimiter).join(part for part in rendered if part is not None)


def statements(template: dict[str, Any]) -> list[tuple[str, dict[str, Any]]]:
    """(owner, statement) for every statement of every identity policy."""
    found = []
    for logical, body in resources(template, "AWS::IAM::Policy").items():
        found += [(logical, s) for s in body["Properties"]["PolicyDocument"]["Statement"]]
    for logical, body in resources(template, "AWS::IAM::Role").items():
        for policy in body["Properties"].get("Policies", []):
            found += [(f"{logical}/{policy['PolicyName']}", s) for s in policy["PolicyDocument"]["Statement"]]
    return found


@cache
def formats(action: str) -> frozenset[str]:
    """The resource ARN formats of `action` (a wildcard action: of every action it names)."""
    service, name = action.split(":")
    data = get_action_data(service, name)
    rows = data.get(service, []) if data else []
    assert rows, f"{action} is not in the Service Authorization Reference"
    return frozenset(row["resource_arn_format"] for row in rows)


def actions_named(action: str) -> list[str]:
    """`action` itself, or each action a wildcard such as kms:GenerateDataKey* stands for."""
    if "*" not in action:
        return [action]
    service, name = action.split(":")
    rows = get_action_data(service, name).get(service, [])
    return sorted({row["action"] for row in rows})


def resource_pattern(resource: str) -> list[object]:
    return [ANY if char == "*" else char for char in resource]


def format_pattern(arn_format: str) -> list[object]:
    tokens: list[object] = []
    rest = arn_format
    while rest:
        if rest.startswith("${"):
            name, rest = rest[2:].split("}", 1)
            # Partition, region and account never contain ':'; names may (log streams, paths).
            tokens.append(SEGMENT if name in {"Partition", "Region", "Account"} else ANY)
        else:
            tokens.append(rest[0])
            rest = rest[1:]
    return tokens


def could_match_both(a: list[object], b: list[object]) -> bool:
    """Whether some ARN matches both patterns (a resource with `*`, a format with placeholders)."""
    seen = {(0, 0)}
    queue = deque([(0, 0)])
    while queue:
        i, j = queue.popleft()
        if (i, j) == (len(a), len(b)):
            return True
        moves = []
        if i < len(a) and a[i] is ANY:
            moves.append((i + 1, j))  # the resource's * matches nothing more
        if j < len(b) and b[j] in (ANY, SEGMENT):
            moves.append((i, j + 1))  # the placeholder matches nothing more
        if i < len(a) and j < len(b):
            x, y = a[i], b[j]
            if x is ANY and y not in (ANY, SEGMENT):
                moves.append((i, j + 1))  # the resource's * takes the format's literal
            elif y in (ANY, SEGMENT) and x is not ANY:
                if not (y is SEGMENT and x == ":"):
                    moves.append((i + 1, j))  # the placeholder takes the resource's literal
            elif x == y:
                moves.append((i + 1, j + 1))
        for move in moves:
            if move not in seen:
                seen.add(move)
                queue.append(move)
    return False


def fits(resource: str, arn_formats: frozenset[str]) -> bool:
    return any(
        could_match_both(resource_pattern(resource), format_pattern(arn_format))
        for arn_format in arn_formats
        if arn_format != "*"
    )


def problems(template: dict[str, Any]) -> list[str]:
    found = []
    for owner, statement in statements(template):
        if statement["Effect"] != "Allow":
            continue
        granted = [r for r in (concrete(template, node) for node in as_list(statement["Resource"])) if r is not None]
        for pattern in as_list(statement["Action"]):
            for action in actions_named(pattern):
                supported = formats(action)
                resource_level = supported - {"*"}
                for resource in granted:
                    if resource == "*":
                        if resource_level and action not in WILDCARD_EXCEPTIONS:
                            found.append(f"{owner}: {action} supports resource-level permissions but is granted on *")
                    elif not resource_level:
                        found.append(
                            f"{owner}: {action} has no resource-level permissions: grant it on *, not {resource}"
                        )
                    elif not fits(resource, resource_level):
                        found.append(f"{owner}: {action} on {resource} fits none of {sorted(resource_level)}")
    return found


def test_every_permission_fits_the_service_authorization_reference(synth: Synthesized) -> None:
    assert statements(synth.template)
    assert problems(synth.template) == []


def test_list_job_steps_is_granted_on_star_in_its_own_statement(synth: Synthesized) -> None:
    granted = [
        (owner, statement)
        for owner, statement in statements(synth.template)
        if "sagemaker:ListInferenceRecommendationsJobSteps" in as_list(statement["Action"])
    ]
    # Check (a FAILED job's reasons) and Publish (the benchmarks that failed inside a COMPLETED job).
    assert sorted(owner.split("Role")[0] for owner, _ in granted) == ["FunctionsCheck", "FunctionsPublish"]
    assert [statement for _, statement in granted] == [
        {
            "Sid": "ListJobStepsHasNoResourceLevelPermissions",
            "Action": "sagemaker:ListInferenceRecommendationsJobSteps",
            "Effect": "Allow",
            "Resource": "*",
        }
    ] * 2


# ------------------------------------------------------------------------------ the checker itself
JOB_FORMAT = frozenset({"arn:${Partition}:sagemaker:${Region}:${Account}:inference-recommendations-job/${Name}"})


@pytest.mark.parametrize(
    ("resource", "expected"),
    [
        (f"arn:aws:sagemaker:{REGION}:{ACCOUNT}:inference-recommendations-job/ir-orchestrator-*", True),
        (f"arn:aws:sagemaker:*:{ACCOUNT}:inference-recommendations-job/*", True),
        (f"arn:aws:sagemaker:{REGION}:{ACCOUNT}:endpoint/*", False),
        # A trailing * cannot make the account absorb the resource type: ':' ends the account.
        (f"arn:aws:sagemaker:{REGION}:{ACCOUNT}:endpoint/x-*:inference-recommendations-job/y", False),
        (f"arn:aws:sqs:{REGION}:{ACCOUNT}:inference-recommendations-job/x", False),
    ],
)
def test_fits_matches_formats_with_wildcards(resource: str, expected: bool) -> None:
    assert fits(resource, JOB_FORMAT) is expected


def test_checker_catches_a_scoped_grant_of_an_action_without_resource_level_permissions() -> None:
    job = f"arn:aws:sagemaker:{REGION}:{ACCOUNT}:inference-recommendations-job/ir-orchestrator-*"
    template = {
        "Resources": {
            "Policy": {
                "Type": "AWS::IAM::Policy",
                "Properties": {
                    "PolicyDocument": {
                        "Statement": [
                            {
                                "Effect": "Allow",
                                "Action": [
                                    "sagemaker:DescribeInferenceRecommendationsJob",
                                    "sagemaker:ListInferenceRecommendationsJobSteps",
                                ],
                                "Resource": job,
                            },
                            {"Effect": "Allow", "Action": "sagemaker:DescribeEndpoint", "Resource": "*"},
                            {"Effect": "Allow", "Action": "sns:Publish", "Resource": job},
                        ]
                    }
                },
            }
        }
    }
    assert problems(template) == [
        f"Policy: sagemaker:ListInferenceRecommendationsJobSteps has no resource-level permissions: grant it on *, "
        f"not {job}",
        "Policy: sagemaker:DescribeEndpoint supports resource-level permissions but is granted on *",
        f"Policy: sns:Publish on {job} fits none of ['arn:${{Partition}}:sns:${{Region}}:${{Account}}:${{TopicName}}']",
    ]
