"""Helpers of the infra tier: synthesize once, read resources, permissions and the state machine."""

from __future__ import annotations

import json
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from aws_cdk import Validations
from cdk_nag import AwsSolutionsChecks, ServerlessChecks

from infra.application import CLI_CONTEXT, STACK_NAME, build_app, cdk_json
from infra.config import CONTEXT_KEY
from infra.nag import render

SAMPLE_CONTEXT: dict[str, Any] = json.loads((Path(__file__).parent / "sample_context.json").read_text())


@dataclass(frozen=True)
class Synthesized:
    """One synthesized configuration: the template, where it is, and what cdk-nag said about it."""

    template: dict[str, Any]
    template_path: str
    # Findings nobody acknowledged: {"rule", "severity", "paths"}.
    violations: list[dict[str, Any]]
    # Every acknowledgement in the tree: {"path", "rule", "reason"}.
    acknowledgments: list[dict[str, str]]


def synthesize(config: dict[str, Any] | None, outdir: Path) -> Synthesized:
    """Synthesize the app as `make synth` does, with `config` (None: no `recommender` key at all),
    then run both cdk-nag packs over the tree the way the synth-time plugin does."""
    context = {**CLI_CONTEXT, **{k: v for k, v in cdk_json()["context"].items() if k != CONTEXT_KEY}}
    if config is not None:
        context[CONTEXT_KEY] = config
    app = build_app(context, str(outdir), nag=False)
    stack = app.synth().get_stack_by_name(STACK_NAME)
    violations = [
        {
            "rule": violation.rule_name,
            "severity": str(violation.severity),
            "paths": [resource.construct_path for resource in violation.violating_resources],
        }
        for pack in (AwsSolutionsChecks(), ServerlessChecks())
        for violation in pack.validate_scope(app).violations
    ]
    acknowledgments = [
        {"path": construct.node.path, "rule": rule.removeprefix("Annotation::"), "reason": reason}
        for construct in app.node.find_all()
        for entry in construct.node.metadata
        if entry.type == Validations.ACKNOWLEDGED_RULES_METADATA_KEY
        for rule, reason in entry.data.items()
    ]
    return Synthesized(stack.template, str(outdir / stack.template_file), violations, acknowledgments)


# ------------------------------------------------------------------------------ template reading
def resources(template: dict[str, Any], kind: str) -> dict[str, dict[str, Any]]:
    """Resources of one type by logical id."""
    return {logical: body for logical, body in template["Resources"].items() if body["Type"] == kind}


def logical_id(template: dict[str, Any], kind: str, prefix: str) -> str:
    """The one resource of `kind` whose logical id is `prefix` + the CDK's hash."""
    found = [logical for logical in resources(template, kind) if logical[:-8] == prefix]
    assert len(found) == 1, f"{kind} {prefix}*: {found}"
    return found[0]


def properties(template: dict[str, Any], kind: str, prefix: str) -> dict[str, Any]:
    return dict(template["Resources"][logical_id(template, kind, prefix)]["Properties"])


@dataclass(frozen=True)
class Permission:
    action: str
    resource: str  # rendered like cdk-nag does: <Logical.Arn>, <AWS::Region>
    condition: str | None  # the statement's Condition as sorted JSON


def permissions(template: dict[str, Any], role_prefix: str) -> set[Permission]:
    """Every (action, resource, condition) the role's attached policies allow."""
    role = logical_id(template, "AWS::IAM::Role", role_prefix)
    allowed = set()
    for policy in resources(template, "AWS::IAM::Policy").values():
        if {"Ref": role} not in policy["Properties"]["Roles"]:
            continue
        for statement in policy["Properties"]["PolicyDocument"]["Statement"]:
            assert statement["Effect"] == "Allow"
            condition = json.dumps(statement["Condition"], sort_keys=True) if "Condition" in statement else None
            for action in _as_list(statement["Action"]):
                for resource in _as_list(statement["Resource"]):
                    allowed.add(Permission(action, render(resource), condition))
    return allowed


def actions(allowed: set[Permission]) -> set[str]:
    return {permission.action for permission in allowed}


def on(allowed: set[Permission], action: str) -> set[str]:
    """The resources an action is allowed on."""
    return {permission.resource for permission in allowed if permission.action == action}


# The stack's two state machines: the single-endpoint workflow and the fleet over it (infra/fleet.py).
WORKFLOW = "WorkflowStateMachine"
FLEET = "FleetStateMachine"


def state_machine(template: dict[str, Any], which: str = WORKFLOW) -> dict[str, Any]:
    """The state machine whose logical id starts with `which` (WORKFLOW or FLEET)."""
    (machine,) = [
        resource
        for logical, resource in resources(template, "AWS::StepFunctions::StateMachine").items()
        if logical.startswith(which)
    ]
    return machine


def definition(template: dict[str, Any], which: str = WORKFLOW) -> str:
    """A state machine's definition as JSON text, function ARNs rendered as <Logical.Arn>."""
    return join(state_machine(template, which)["Properties"]["DefinitionString"])


def join(node: Any) -> str:
    """An Fn::Join of strings, Refs and GetAtts as text: <Logical> and <Logical.Attribute>."""
    if isinstance(node, str):
        return node
    if "Ref" in node:
        return f"<{node['Ref']}>"
    if "Fn::GetAtt" in node:
        return "<{}.{}>".format(*node["Fn::GetAtt"])
    if "Fn::Select" in node:  # a name split out of an ARN: <Logical.Name>
        split = node["Fn::Select"][1]["Fn::Split"]
        return f"<{split[1]['Ref']}.Name>"
    delimiter, parts = node["Fn::Join"]
    return str(delimiter).join(join(part) for part in parts)


def _as_list(value: Any) -> list[Any]:
    return value if isinstance(value, list) else [value]


# ------------------------------------------------------------------------------ concrete rendering
# Placeholder values for the template's tokens, for the checkers that need real-looking text.
PLACEHOLDER_PSEUDO = {
    "AWS::Partition": "aws",
    "AWS::Region": "us-east-1",
    "AWS::AccountId": "123456789012",
    "AWS::URLSuffix": "amazonaws.com",
    "AWS::StackName": STACK_NAME,
}


def concrete(template: dict[str, Any], node: Any) -> str:
    """An Fn::Join of strings, Refs and GetAtts as concrete text: pseudo parameters get placeholder
    values, `GetAtt <function>.Arn` a Lambda function ARN named after the logical id (the shape
    the service gives it), any other Ref / GetAtt `<logical>-<attribute>`."""
    if isinstance(node, str):
        return node
    if "Ref" in node:
        return PLACEHOLDER_PSEUDO.get(node["Ref"], node["Ref"])
    if "Fn::GetAtt" in node:
        logical, attribute = node["Fn::GetAtt"]
        kind = template["Resources"][logical]["Type"]
        if (kind, attribute) == ("AWS::Lambda::Function", "Arn"):
            return "arn:aws:lambda:us-east-1:123456789012:function:" + logical
        return f"{logical}-{attribute}"
    delimiter, parts = node["Fn::Join"]
    return str(delimiter).join(concrete(template, part) for part in parts)


def concrete_definition(template: dict[str, Any], which: str = WORKFLOW) -> dict[str, Any]:
    """A state machine's definition as the service would see it, with placeholder ARNs."""
    machine = state_machine(template, which)
    parsed: dict[str, Any] = json.loads(concrete(template, machine["Properties"]["DefinitionString"]))
    return parsed
