"""Job names where mutation testing found them unpinned (make mutation, issue 11): only hyphens are
cut from the end, and a name breaking the service's rule says which."""

from __future__ import annotations

import pytest

from recommender.logic.naming import job_name

ARN = "arn:aws:states:us-east-1:123456789012:execution:m:run-1"
AT = "2026-11-25T03:00:00Z"


def test_a_name_ending_in_x_keeps_it() -> None:
    assert job_name("ir-orchestrator", ARN, AT, "demo-X") == "ir-orchestrator-609085685c8b99f5-demo-X"


def test_a_name_breaking_the_rule_is_named_in_the_error() -> None:
    with pytest.raises(ValueError, match="breaks the service's name rule") as info:
        job_name("ir-orchestrator", ARN, AT, "bad_name")
    assert str(info.value) == "job name 'ir-orchestrator-609085685c8b99f5-bad_name' breaks the service's name rule"
