"""Check a request (or part of one) against an AWS service model, as strictly as the service does.

botocore's client-side validation checks required members, types and `min` only; the services also
enforce `max`, `pattern` and `enum`, and reject what botocore lets through. This module checks all
of them, nested all the way down, and reports one message per violation in the services' own
style (the member path as written on the wire, the rule):

    Value 'xxxx...' at 'JobDescription' failed to satisfy constraint: Member must have length less
    than or equal to 128

Patterns are the model's Java regular expressions, matched in full with Python's `re`; the few that
Python cannot compile are skipped and listed in `UNCOMPILABLE_PATTERNS`. Blobs and timestamps
accept what botocore accepts.

The Validate step uses it for the execution input's pass-through fields; the strict offline world
(simulator/strict) for every request the steps send. botocore only: it ships in the Lambda asset.
"""

from __future__ import annotations

import functools
import math
import re
from collections.abc import Mapping
from datetime import datetime
from decimal import Decimal
from typing import Any

from botocore.model import ListShape, MapShape, ServiceModel, Shape, StructureShape
from botocore.utils import parse_to_aware_datetime

from recommender.adapters.aws import session

# Patterns of the service models that Python's `re` cannot compile (Java-only syntax such as
# `\p{L}`): each is reported here once and not enforced.
UNCOMPILABLE_PATTERNS: set[str] = set()

_MAX_RENDERED = 256  # characters of a value quoted in a message

# Limits the services document and enforce but their published models do not carry.
DOCUMENTED_LIMITS: dict[tuple[str, str], dict[str, float]] = {
    # API_RecommendationJobInputConfig: "The maximum value is 18,000 seconds" (the model: min 1 only).
    ("sagemaker", "JobDurationInSeconds"): {"max": 18000},
}


class _Found(list[str]):
    """The violations found so far, and the service whose model is walked."""

    def __init__(self, service: str) -> None:
        super().__init__()
        self.service = service

    def limits(self, shape: Shape) -> tuple[float | None, float | None]:
        documented = DOCUMENTED_LIMITS.get((self.service, shape.name), {})
        return (
            documented.get("min", shape.metadata.get("min")),
            documented.get("max", shape.metadata.get("max")),
        )


@functools.cache
def service_model(service: str) -> ServiceModel:
    model: ServiceModel = session().get_service_model(service)
    return model


def shape_violations(service: str, shape_name: str, value: Any, path: str = "") -> list[str]:
    """Every violation of `service`'s shape `shape_name` by `value`; `path` prefixes member paths."""
    shape = service_model(service).shape_for(shape_name)
    found = _Found(service)
    _check(shape, value, path, found, set())
    return list(found)


def request_violations(service: str, operation: str, params: Mapping[str, Any]) -> list[str]:
    """Every violation of `operation`'s input shape by the request parameters `params`."""
    input_shape = service_model(service).operation_model(operation).input_shape
    if input_shape is None:
        return [f"Value '{_render(k)}' at '{k}' failed to satisfy constraint: Member is not known" for k in params]
    found = _Found(service)
    _check(input_shape, params, "", found, set())
    return list(found)


@functools.cache
def compiled(pattern: str) -> re.Pattern[str] | None:
    """The model's (Java) pattern compiled by Python for full matches, or None (recorded in
    `UNCOMPILABLE_PATTERNS`) when it cannot be."""
    try:
        return re.compile(python_pattern(pattern))
    except re.error:
        UNCOMPILABLE_PATTERNS.add(pattern)
        return None


# Java regex constructs the models use that Python's `re` spells differently.
_SURROGATE_PAIR = re.compile(r"\\u(d[89ab][0-9a-f]{2})\\u(d[c-f][0-9a-f]{2})", re.IGNORECASE)
_CHARACTER_CLASS = re.compile(r"\[(?!\^)((?:\\.|[^\]\\])*)\]")
_PROPERTY = re.compile(r"\\p\{(\w+)\}")
# Unicode categories as Python can match them: letters (word characters that are neither digits
# nor `_`), numbers (decimal digits) and separators (the Zs, Zl and Zp characters, listed).
_PROPERTIES = {
    "L": r"[^\W\d_]",
    "N": r"\d",
    "Nd": r"\d",
    "Z": "[\u0020\u00a0\u1680\u2000-\u200a\u2028\u2029\u202f\u205f\u3000]",
    "Zs": "[\u0020\u00a0\u1680\u2000-\u200a\u202f\u205f\u3000]",
}


def python_pattern(pattern: str) -> str:
    """A Java pattern in Python's syntax: UTF-16 surrogate pairs as code points, and the Unicode
    categories `\\p{L}`, `\\p{N}`, `\\p{Z}` (also inside a non-negated character class)."""

    def pair(match: re.Match[str]) -> str:
        high, low = int(match[1], 16), int(match[2], 16)
        return f"\\U{0x10000 + ((high - 0xD800) << 10) + (low - 0xDC00):08x}"

    def category(match: re.Match[str]) -> str:
        return _PROPERTIES.get(match[1], match[0])

    def character_class(match: re.Match[str]) -> str:
        body = match[1]
        names = _PROPERTY.findall(body)
        if not names or any(name not in _PROPERTIES for name in names):
            return match[0]
        rest = _PROPERTY.sub("", body)
        alternatives = [_PROPERTIES[name] for name in names] + ([f"[{rest}]"] if rest else [])
        return "(?:" + "|".join(alternatives) + ")"

    translated = _SURROGATE_PAIR.sub(pair, pattern)
    translated = _CHARACTER_CLASS.sub(character_class, translated)
    return _PROPERTY.sub(category, translated)


# --------------------------------------------------------------------------- the walk
def _check(shape: Shape, value: Any, path: str, found: _Found, active: set[int]) -> None:
    kind = shape.type_name
    if kind in {"structure", "list", "map"}:
        # A value that contains itself would never end: report it once.
        if id(value) in active:
            found.append(_violation(None, path, "Member must not contain itself"))
            return
        active.add(id(value))
        try:
            if kind == "structure":
                _structure(shape, value, path, found, active)  # type: ignore[arg-type]
            elif kind == "list":
                _list(shape, value, path, found, active)  # type: ignore[arg-type]
            else:
                _map(shape, value, path, found, active)  # type: ignore[arg-type]
        finally:
            active.discard(id(value))
        return
    if kind == "string":
        _string(shape, value, path, found)
    elif kind in {"integer", "long"}:
        if isinstance(value, bool) or not isinstance(value, int):
            found.append(_violation(value, path, f"Member must be of type {kind}"))
        else:
            _range(shape, value, path, found)
    elif kind in {"float", "double"}:
        if isinstance(value, bool) or not isinstance(value, int | float | Decimal):
            found.append(_violation(value, path, f"Member must be of type {kind}"))
        elif isinstance(value, float) and not math.isfinite(value):
            found.append(_violation(value, path, "Member must be a finite number"))
        else:
            _range(shape, value, path, found)
    elif kind == "boolean":
        if not isinstance(value, bool):
            found.append(_violation(value, path, "Member must be of type boolean"))
    elif kind == "blob":
        if not (isinstance(value, bytes | bytearray | str) or hasattr(value, "read")):
            found.append(_violation(value, path, "Member must be of type blob"))
    elif kind == "timestamp" and not _timestamp(value):
        found.append(_violation(value, path, "Member must be of type timestamp"))
    # `document` (and anything newer) holds any JSON value.


def _structure(shape: StructureShape, value: Any, path: str, found: _Found, active: set[int]) -> None:
    if not isinstance(value, Mapping):
        found.append(_violation(value, path, "Member must be of type structure"))
        return
    members = shape.members
    required = set(shape.required_members)
    for name, member in members.items():
        member_path = _join(path, member.serialization.get("name", name))
        if name not in value or value[name] is None:
            if name in required:
                found.append(_violation(None, member_path, "Member must not be null"))
            continue
        _check(member, value[name], member_path, found, active)
    for name in value:
        if name not in members:
            found.append(
                _violation(value[name], _join(path, str(name)), f"Member must be a known member of {shape.name}")
            )
    if shape.metadata.get("union"):
        present = [name for name in members if value.get(name) is not None]
        if len(present) != 1:
            found.append(_violation(value, path or shape.name, f"Member must set exactly one of {', '.join(members)}"))


def _list(shape: ListShape, value: Any, path: str, found: _Found, active: set[int]) -> None:
    if not isinstance(value, list | tuple):
        found.append(_violation(value, path, "Member must be of type list"))
        return
    _length(shape, value, len(value), path, found)
    for index, item in enumerate(value):
        _check(shape.member, item, f"{path}[{index}]", found, active)


def _map(shape: MapShape, value: Any, path: str, found: _Found, active: set[int]) -> None:
    if not isinstance(value, Mapping):
        found.append(_violation(value, path, "Member must be of type map"))
        return
    _length(shape, value, len(value), path, found)
    for key, item in value.items():
        key_problems = _Found(found.service)
        _check(shape.key, key, "", key_problems, active)
        for problem in key_problems:
            rule = problem.split("failed to satisfy constraint: ", 1)[-1]
            found.append(_violation(key, path, f"Map keys must satisfy constraint: [{rule}]"))
        _check(shape.value, item, _join(path, str(key)), found, active)


def _string(shape: Shape, value: Any, path: str, found: _Found) -> None:
    if not isinstance(value, str):
        found.append(_violation(value, path, "Member must be of type string"))
        return
    # Java counts UTF-16 code units: a character outside the BMP counts twice.
    _length(shape, value, len(value.encode("utf-16-le")) // 2, path, found)
    pattern = shape.metadata.get("pattern")
    if pattern:
        regex = compiled(pattern)
        if regex is not None and regex.fullmatch(value) is None:
            found.append(_violation(value, path, f"Member must satisfy regular expression pattern: {pattern}"))
    enum = shape.metadata.get("enum")
    if enum and value not in enum:
        found.append(_violation(value, path, f"Member must satisfy enum value set: [{', '.join(enum)}]"))


def _length(shape: Shape, value: Any, length: int, path: str, found: _Found) -> None:
    low, high = found.limits(shape)
    if low is not None and length < low:
        found.append(_violation(value, path, f"Member must have length greater than or equal to {_number(low)}"))
    if high is not None and length > high:
        found.append(_violation(value, path, f"Member must have length less than or equal to {_number(high)}"))


def _range(shape: Shape, value: float | Decimal, path: str, found: _Found) -> None:
    low, high = found.limits(shape)
    if low is not None and value < low:
        found.append(_violation(value, path, f"Member must have value greater than or equal to {_number(low)}"))
    if high is not None and value > high:
        found.append(_violation(value, path, f"Member must have value less than or equal to {_number(high)}"))


def _timestamp(value: Any) -> bool:
    """What botocore's serializers accept: a datetime, or text / epoch seconds it can parse."""
    if isinstance(value, datetime):
        return True
    if isinstance(value, bool) or not isinstance(value, str | int | float):
        return False
    try:
        parse_to_aware_datetime(value)  # type: ignore[arg-type]  # also takes epoch numbers
    except (ValueError, TypeError, OverflowError):
        return False
    return True


# --------------------------------------------------------------------------- messages
def _violation(value: Any, path: str, rule: str) -> str:
    shown = "null" if value is None else f"'{_render(value)}'"
    return f"Value {shown} at '{path}' failed to satisfy constraint: {rule}"


def _render(value: Any) -> str:
    """The value as the services print it (Java's toString), cut to a readable length."""
    text = _java(value)
    return text if len(text) <= _MAX_RENDERED else text[: _MAX_RENDERED - 1] + "…"


def _java(value: Any) -> str:
    if value is None:
        return "null"
    if isinstance(value, bool):
        return "true" if value else "false"
    if isinstance(value, str):
        return value
    if isinstance(value, Mapping):
        return "{" + ", ".join(f"{_java(k)}={_java(v)}" for k, v in value.items()) + "}"
    if isinstance(value, list | tuple):
        return "[" + ", ".join(_java(v) for v in value) + "]"
    return str(value)


def _number(limit: float) -> str:
    return str(int(limit)) if float(limit).is_integer() else str(limit)


def _join(path: str, name: str) -> str:
    return f"{path}.{name}" if path else name
