"""Deterministic job names: the service's rule, 64 characters, distinct within the first 40."""

from __future__ import annotations

import pytest

from recommender.logic.naming import JOB_NAME_RE, job_name

ARN = "arn:aws:states:us-east-1:123456789012:execution:RecommenderWorkflow:{}"
AT = "2026-11-25T03:00:00Z"


def test_stable_for_one_execution() -> None:
    assert job_name("ir-orchestrator", ARN.format("a"), AT, "my-endpoint") == job_name(
        "ir-orchestrator", ARN.format("a"), AT, "my-endpoint"
    )


def test_distinct_executions_distinct_within_40_characters() -> None:
    names = {job_name("ir-orchestrator", ARN.format(i), AT, "e" * 63)[:40] for i in range(2000)}
    assert len(names) == 2000


@pytest.mark.parametrize("endpoint", ["e", "my-endpoint", "a" * 63, "a--b", "x" + "-" * 40 + "y"])
def test_length_and_pattern(endpoint: str) -> None:
    name = job_name("ir-orchestrator", ARN.format("run-1"), AT, endpoint)
    assert len(name) <= 64
    assert JOB_NAME_RE.fullmatch(name)
    assert name.startswith("ir-orchestrator-")


def test_cut_never_ends_in_a_hyphen() -> None:
    # The cut at 64 lands right after a hyphen for this endpoint name.
    name = job_name("p", ARN.format("x"), AT, "a" * 44 + "-b")
    assert not name.endswith("-")
    assert JOB_NAME_RE.fullmatch(name)


def test_without_endpoint_name() -> None:
    name = job_name("p", ARN.format("x"), AT, "")
    assert JOB_NAME_RE.fullmatch(name)
    assert len(name) == len("p-") + 16


def test_prefix_too_long_for_the_distinct_part() -> None:
    with pytest.raises(ValueError, match="too long"):
        job_name("p" * 24, ARN.format("x"), AT, "e")


def test_a_reused_execution_name_gets_a_new_job_name() -> None:
    # Step Functions lets a Standard execution name be reused 90 days after the first run ended:
    # same ARN, another start. The new run must not find (and adopt) the old run's job.
    first = job_name("ir-orchestrator", ARN.format("weekly"), "2026-08-01T03:00:00Z", "my-endpoint")
    again = job_name("ir-orchestrator", ARN.format("weekly"), "2026-11-25T03:00:00Z", "my-endpoint")
    assert first != again
    assert first[:40] != again[:40]


def test_a_head_of_exactly_40_characters_is_allowed() -> None:
    prefix = "p" * (40 - 1 - 16)  # prefix + "-" + 16 hex digits = 40
    name = job_name(prefix, ARN.format("x"), AT, "e")
    assert len(name.rsplit("-", 1)[0]) == 40
    with pytest.raises(ValueError, match="too long"):
        job_name(prefix + "p", ARN.format("x"), AT, "e")
