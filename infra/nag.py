"""cdk-nag 3.x acknowledgements, written next to the code that causes each finding."""

from __future__ import annotations

import json
from typing import Any

from aws_cdk import Acknowledgment, CfnResource, Stack, Validations
from aws_cdk import aws_iam as iam
from constructs import IConstruct


def acknowledge(scope: IConstruct, reason: str, *rule_ids: str) -> None:
    """Acknowledge findings (bare rule ids, e.g. `AwsSolutions-SQS3`) on `scope` and its children."""
    Validations.of(scope).acknowledge(*(Acknowledgment(id=rule_id, reason=reason) for rule_id in rule_ids))


def skip_checkov(scope: IConstruct, check_id: str, reason: str) -> None:
    """Suppress one checkov check on `scope`'s CloudFormation resource, with its reason.

    checkov reads `Metadata.checkov.skip: [{id, comment}]` of the resource; each call adds one entry.
    """
    resource = scope if isinstance(scope, CfnResource) else scope.node.default_child
    if not isinstance(resource, CfnResource):
        raise TypeError(f"{scope.node.path} has no CloudFormation resource to carry a checkov suppression")
    current = resource.get_metadata("checkov") or {}
    skips = [entry for entry in current.get("skip", []) if entry["id"] != check_id]
    resource.add_metadata("checkov", {"skip": [*skips, {"id": check_id, "comment": reason}]})


def acknowledge_wildcards(scope: IConstruct, reason: str, *statements: iam.PolicyStatement) -> None:
    """Acknowledge the AwsSolutions-IAM5 findings of these statements' wildcards, one id each.

    Only the wildcards of the statements given are acknowledged: a wildcard added later by other
    code still fails the check until someone writes its reason.
    """
    ids = [f"AwsSolutions-IAM5[{finding}]" for statement in statements for finding in _wildcards(scope, statement)]
    acknowledge(scope, reason, *dict.fromkeys(ids))


def lambda_invoke_findings(scope: IConstruct, *functions: Any) -> list[str]:
    """IAM5 ids of `<function ARN>:*`, which `LambdaInvoke` always grants (any version or alias)."""
    stack = Stack.of(scope)
    return [f"AwsSolutions-IAM5[Resource::<{stack.get_logical_id(fn.node.default_child)}.Arn>:*]" for fn in functions]


def _wildcards(scope: IConstruct, statement: iam.PolicyStatement) -> list[str]:
    resolved = Stack.of(scope).resolve(statement.to_statement_json())
    actions = [f"Action::{a}" for a in _as_list(resolved.get("Action")) if "*" in a]
    resources = [f"Resource::{flat}" for r in _as_list(resolved.get("Resource")) if "*" in (flat := render(r))]
    return actions + resources


def _as_list(value: Any) -> list[Any]:
    if value is None:
        return []
    return value if isinstance(value, list) else [value]


def render(node: Any) -> str:
    """cdk-nag's rendering of a CloudFormation value in finding ids (utils/flatten-cfn-reference)."""
    if isinstance(node, str):
        return node.replace("${", "<").replace("}", ">")
    if "Fn::Join" in node:
        delimiter, items = node["Fn::Join"]
        return str(delimiter).join(render(item) for item in items)
    if "Fn::Sub" in node:
        return render(node["Fn::Sub"])
    if "Fn::GetAtt" in node:
        resource, attribute = node["Fn::GetAtt"]
        return f"<{render(resource)}.{render(attribute)}>"
    if "Ref" in node:
        return f"<{render(node['Ref'])}>"
    if "Fn::Select" in node:  # cdk-nag writes other intrinsics as compact JSON
        return json.dumps(node, separators=(",", ":"))
    raise ValueError(f"cannot render {node!r} as a cdk-nag finding id")
