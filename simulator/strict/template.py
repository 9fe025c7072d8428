"""Each Lambda function's identity, read from the synthesized template: its role and every
identity-based policy that applies to it, with the intrinsics resolved against the world's actual
resources (`Ref`, `Fn::GetAtt`, `Fn::Join`, `Fn::Sub`, `Fn::Select`, `Fn::Split`, the pseudo
parameters)."""

from __future__ import annotations

import re
from collections.abc import Callable, Mapping
from dataclasses import dataclass
from typing import Any

from simulator.strict.iam import UnsupportedPolicy

# (logical id, attribute or None for Ref) -> the value in this world
Resolve = Callable[[str, str | None], str]


@dataclass(frozen=True)
class Identity:
    """Who a function's calls come from: its execution role and that role's policies."""

    handler: str  # the handler module, e.g. recommender.handlers.check
    function_name: str
    role_name: str
    role_arn: str
    account: str
    policies: tuple[Mapping[str, Any], ...]
    partition: str = "aws"

    @property
    def session_arn(self) -> str:
        """The assumed-role session ARN AWS names in access-denied messages."""
        return f"arn:{self.partition}:sts::{self.account}:assumed-role/{self.role_name}/{self.function_name}"


def identities(
    template: Mapping[str, Any], resolve: Resolve, *, account: str, region: str, partition: str = "aws"
) -> dict[str, Identity]:
    """Every Lambda function of the template by its handler module."""
    resources: Mapping[str, Any] = template["Resources"]
    pseudo = {
        "AWS::AccountId": account,
        "AWS::Region": region,
        "AWS::Partition": partition,
        "AWS::URLSuffix": "amazonaws.com",
        "AWS::StackName": str(template.get("StackName", "offline")),
    }
    value = _Resolver(resources, resolve, pseudo)
    found: dict[str, Identity] = {}
    for logical, body in resources.items():
        if body.get("Type") != "AWS::Lambda::Function":
            continue
        properties = body.get("Properties", {})
        handler = str(properties["Handler"]).rsplit(".", 1)[0]
        role_logical = _logical_of(properties.get("Role"))
        if role_logical is None or resources.get(role_logical, {}).get("Type") != "AWS::IAM::Role":
            raise UnsupportedPolicy(f"{logical}: its role is not a role of the template ({properties.get('Role')!r})")
        found[handler] = Identity(
            handler=handler,
            function_name=resolve(logical, None),
            role_name=resolve(role_logical, None),
            role_arn=resolve(role_logical, "Arn"),
            account=account,
            policies=tuple(value(document) for document in _role_documents(resources, role_logical)),
            partition=partition,
        )
    return found


def _logical_of(reference: Any) -> str | None:
    if isinstance(reference, Mapping):
        if "Fn::GetAtt" in reference:
            target = reference["Fn::GetAtt"]
            return str(target[0] if isinstance(target, list) else target.split(".", 1)[0])
        if "Ref" in reference:
            return str(reference["Ref"])
    return None


def _role_documents(resources: Mapping[str, Any], role_logical: str) -> list[Any]:
    """The role's inline policies, the AWS::IAM::Policy resources naming it, and its managed
    policies (those of the template only: an AWS-managed policy is not known offline)."""
    role = resources[role_logical].get("Properties", {})
    documents = [policy["PolicyDocument"] for policy in role.get("Policies", [])]
    for logical, body in resources.items():
        if body.get("Type") not in {"AWS::IAM::Policy", "AWS::IAM::ManagedPolicy"}:
            continue
        properties = body.get("Properties", {})
        attached = role_logical in {_logical_of(r) for r in properties.get("Roles", [])}
        managed_logicals = {_logical_of(arn) for arn in role.get("ManagedPolicyArns", [])}
        if attached or (body["Type"] == "AWS::IAM::ManagedPolicy" and logical in managed_logicals):
            documents.append(properties["PolicyDocument"])
    for arn in role.get("ManagedPolicyArns", []):
        managed = _logical_of(arn)
        if managed is None or resources.get(managed, {}).get("Type") != "AWS::IAM::ManagedPolicy":
            raise UnsupportedPolicy(f"{role_logical}: managed policy {arn!r} is not in the template")
    if role.get("PermissionsBoundary"):
        raise UnsupportedPolicy(f"{role_logical}: permissions boundaries are not evaluated")
    return documents


class _Resolver:
    """Resolves the intrinsic functions of a template value."""

    def __init__(self, resources: Mapping[str, Any], resolve: Resolve, pseudo: Mapping[str, str]) -> None:
        self.resources = resources
        self.resolve = resolve
        self.pseudo = pseudo

    def __call__(self, node: Any) -> Any:
        if isinstance(node, list):
            return [self(item) for item in node]
        if not isinstance(node, Mapping):
            return node
        if len(node) == 1:
            ((name, argument),) = node.items()
            if name == "Ref":
                return self._ref(str(argument))
            if name == "Fn::GetAtt":
                logical, attribute = argument if isinstance(argument, list) else argument.split(".", 1)
                return self.resolve(str(logical), str(attribute))
            if name == "Fn::Join":
                separator, items = argument
                return str(separator).join(str(self(item)) for item in self(items))
            if name == "Fn::Sub":
                return self._sub(argument)
            if name == "Fn::Select":
                index, items = argument
                return self(items)[int(self(index))]
            if name == "Fn::Split":
                separator, text = argument
                return str(self(text)).split(str(separator))
            if name.startswith("Fn::") or name == "Condition":
                raise UnsupportedPolicy(f"intrinsic {name} in a policy")
        return {key: self(value) for key, value in node.items()}

    def _ref(self, name: str) -> str:
        if name in self.pseudo:
            return self.pseudo[name]
        if name.startswith("AWS::"):
            raise UnsupportedPolicy(f"pseudo parameter {name}")
        return self.resolve(name, None)

    def _sub(self, argument: Any) -> str:
        text, variables = (argument, {}) if isinstance(argument, str) else (argument[0], argument[1])
        values = {key: str(self(value)) for key, value in variables.items()}

        def replace(match: re.Match[str]) -> str:
            name = match[1]
            if name.startswith("!"):
                return "${" + name[1:] + "}"
            if name in values:
                return values[name]
            if "." in name and not name.startswith("AWS::"):
                logical, attribute = name.split(".", 1)
                return self.resolve(logical, attribute)
            return self._ref(name)

        return re.sub(r"\$\{([^}]+)\}", replace, str(text))
