"""IAM policy evaluation, as IAM does it for identity-based policies.

An explicit Deny wins; otherwise the request is allowed when any statement allows it (its `Action`
or `NotAction` matches, case-insensitively, with `*` and `?` wildcards; its `Resource` or
`NotResource` matches, case-sensitively; every condition holds); otherwise it is implicitly denied.

Conditions: the string and ARN operators (`StringEquals`, `StringNotEquals`, `StringEqualsIgnoreCase`,
`StringNotEqualsIgnoreCase`, `StringLike`, `StringNotLike`, `ArnEquals`, `ArnLike`, `ArnNotEquals`,
`ArnNotLike`), `Bool` and `Null`, each with its `...IfExists` form. Anything else (numeric and date
operators, `ForAnyValue:` / `ForAllValues:` sets, policy variables) raises `UnsupportedPolicy`: the
strict world never guesses an allow.
"""

from __future__ import annotations

import functools
import re
from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass, field
from enum import Enum
from typing import Any


class UnsupportedPolicy(Exception):
    """A policy construct this evaluator does not implement."""


class Decision(Enum):
    ALLOWED = "allowed"
    EXPLICIT_DENY = "explicit deny"
    IMPLICIT_DENY = "implicit deny"


@dataclass(frozen=True)
class AuthorizationRequest:
    """One IAM authorization: the action, the resource ARN (`*` for actions without resource-level
    permissions) and the request context (condition keys, case-insensitive names)."""

    action: str
    resource: str
    context: Mapping[str, str | Sequence[str]] = field(default_factory=dict)


def evaluate(policies: Iterable[Mapping[str, Any]], request: AuthorizationRequest) -> Decision:
    """The decision of identity-based policy documents on one request."""
    allowed = False
    context = {key.lower(): value for key, value in request.context.items()}
    for document in policies:
        for statement in _statements(document):
            if not _applies(statement, request, context):
                continue
            effect = statement.get("Effect")
            if effect == "Deny":
                return Decision.EXPLICIT_DENY
            if effect != "Allow":
                raise UnsupportedPolicy(f"statement effect {effect!r}")
            allowed = True
    return Decision.ALLOWED if allowed else Decision.IMPLICIT_DENY


def _statements(document: Mapping[str, Any]) -> list[Mapping[str, Any]]:
    statements = document.get("Statement", [])
    return [statements] if isinstance(statements, Mapping) else list(statements)


def _as_list(value: Any) -> list[Any]:
    return list(value) if isinstance(value, list | tuple) else [value]


def _applies(statement: Mapping[str, Any], request: AuthorizationRequest, context: Mapping[str, Any]) -> bool:
    if "Principal" in statement or "NotPrincipal" in statement:
        raise UnsupportedPolicy("a Principal in an identity-based policy")
    if "Action" in statement:
        if not any(wildcard_match(p, request.action, ignore_case=True) for p in _as_list(statement["Action"])):
            return False
    elif "NotAction" in statement:
        if any(wildcard_match(p, request.action, ignore_case=True) for p in _as_list(statement["NotAction"])):
            return False
    else:
        raise UnsupportedPolicy("a statement without Action or NotAction")
    if "Resource" in statement:
        if not any(_resource_match(p, request.resource) for p in _as_list(statement["Resource"])):
            return False
    elif "NotResource" in statement:
        if any(_resource_match(p, request.resource) for p in _as_list(statement["NotResource"])):
            return False
    else:
        raise UnsupportedPolicy("a statement without Resource or NotResource")
    return all(
        condition_holds(operator, key, values, context)
        for operator, block in (statement.get("Condition") or {}).items()
        for key, values in block.items()
    )


def _resource_match(pattern: Any, resource: str) -> bool:
    if not isinstance(pattern, str):
        raise UnsupportedPolicy(f"an unresolved resource {pattern!r}")
    if "${" in pattern:
        raise UnsupportedPolicy(f"policy variables in {pattern!r}")
    return wildcard_match(pattern, resource)


@functools.cache
def _wildcard(pattern: str, ignore_case: bool) -> re.Pattern[str]:
    body = "".join(".*" if c == "*" else "." if c == "?" else re.escape(c) for c in pattern)
    return re.compile(body, re.IGNORECASE | re.DOTALL if ignore_case else re.DOTALL)


def wildcard_match(pattern: str, value: str, *, ignore_case: bool = False) -> bool:
    """IAM's wildcard match: `*` any run of characters, `?` one character, the whole value."""
    return _wildcard(pattern, ignore_case).fullmatch(value) is not None


def arn_match(pattern: str, value: str) -> bool:
    """`ArnLike`: the six colon-separated parts matched one by one (the last may hold colons)."""
    pattern_parts, value_parts = pattern.split(":", 5), value.split(":", 5)
    if len(pattern_parts) != 6 or len(value_parts) != 6:
        return False
    return all(wildcard_match(p, v) for p, v in zip(pattern_parts, value_parts, strict=True))


def _string_equals(pattern: str, value: str) -> bool:
    return pattern == value


def _string_equals_ignore_case(pattern: str, value: str) -> bool:
    return pattern.lower() == value.lower()


def _string_like(pattern: str, value: str) -> bool:
    return wildcard_match(pattern, value)


def _bool(pattern: str, value: str) -> bool:
    return pattern.lower() == value.lower()


_POSITIVE = {
    "StringEquals": _string_equals,
    "StringEqualsIgnoreCase": _string_equals_ignore_case,
    "StringLike": _string_like,
    "ArnEquals": arn_match,
    "ArnLike": arn_match,
    "Bool": _bool,
}
_NEGATED = {
    "StringNotEquals": _string_equals,
    "StringNotEqualsIgnoreCase": _string_equals_ignore_case,
    "StringNotLike": _string_like,
    "ArnNotEquals": arn_match,
    "ArnNotLike": arn_match,
}


def condition_holds(operator: str, key: str, expected: Any, context: Mapping[str, Any]) -> bool:
    """One condition (operator, key, policy values) against the request context (lower-case keys)."""
    if ":" in operator and operator.split(":", 1)[0] in {"ForAnyValue", "ForAllValues"}:
        raise UnsupportedPolicy(f"condition set operator {operator}")
    if "${" in key:
        raise UnsupportedPolicy(f"policy variables in condition key {key}")
    patterns = [str(v).lower() if isinstance(v, bool) else v for v in _as_list(expected)]
    if any(not isinstance(p, str) for p in patterns):
        raise UnsupportedPolicy(f"an unresolved condition value in {operator} {key}: {expected!r}")
    present = key.lower() in context
    values = [str(v) for v in _as_list(context.get(key.lower()))] if present else []
    if operator == "Null":
        return (patterns == ["true"]) is not present
    if_exists = operator.endswith("IfExists")
    base = operator.removesuffix("IfExists")
    if base in _POSITIVE:
        if not present:
            return if_exists
        match = _POSITIVE[base]
        return any(match(p, v) for p in patterns for v in values)
    if base in _NEGATED:
        if not present:
            return True
        match = _NEGATED[base]
        return not any(match(p, v) for p in patterns for v in values)
    raise UnsupportedPolicy(f"condition operator {operator}")
