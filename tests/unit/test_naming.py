"""Deterministic job names: the service's rule, 64 characters, distinct within the first 40."""

from __future__ import annotations

import pytest

from recommender.logic.naming import JOB_NAME_RE, job_name

ARN = "arn:aws:states:us-east-1:123456789012:execution:RecommenderWorkflow:{}"


def test_stable_for_one_execution() -> None:
    assert job_name("ir-orchestrator", ARN.format("a"), "my-endpoint") == job_name(
        "ir-orchestrator", ARN.format("a"), "my-endpoint"
    )


def test_distinct_executions_distinct_within_40_characters() -> None:
    names = {job_name("ir-orchestrator", ARN.format(i), "e" * 63)[:40] for i in range(2000)}
    assert len(names) == 2000


@pytest.mark.parametrize("endpoint", ["e", "my-endpoint", "a" * 63, "a--b", "x" + "-" * 40 + "y"])
def test_length_and_pattern(endpoint: str) -> None:
    name = job_name("ir-orchestrator", ARN.format("run-1"), endpoint)
    assert len(name) <= 64
    assert JOB_NAME_RE.fullmatch(name)
    assert name.startswith("ir-orchestrator-")


def test_cut_never_ends_in_a_hyphen() -> None:
    # The cut at 64 lands right after a hyphen for this endpoint name.
    name = job_name("p", ARN.format("x"), "a" * 44 + "-b")
    assert not name.endswith("-")
    assert JOB_NAME_RE.fullmatch(name)


def test_without_endpoint_name() -> None:
    name = job_name("p", ARN.format("x"), "")
    assert JOB_NAME_RE.fullmatch(name)
    assert len(name) == len("p-") + 16


def test_prefix_too_long_for_the_distinct_part() -> None:
    with pytest.raises(ValueError, match="too long"):
        job_name("p" * 24, ARN.format("x"), "e")
