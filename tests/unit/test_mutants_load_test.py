"""The documented rules of an Advanced job's load test (recommender.logic.load_test), where mutation
testing found them unpinned (make mutation, issue 11): the default traffic type, the STAIRS pattern,
the exact messages, and the limits themselves being allowed."""

from __future__ import annotations

from typing import Any

import pytest

from recommender.logic.load_test import advanced_violations

PHASES_REQUIRED = "InputConfig.TrafficPattern.Phases is required when TrafficType is PHASES."
STAIRS_REQUIRED = "InputConfig.TrafficPattern.Stairs is required when TrafficType is STAIRS."


def request(pattern: dict[str, Any], **input_config: Any) -> dict[str, Any]:
    return {
        "JobType": "Advanced",
        "InputConfig": {"Endpoints": [{"EndpointName": "demo-endpoint"}], "TrafficPattern": pattern, **input_config},
        "StoppingConditions": {"MaxInvocations": 300},
    }


def test_a_pattern_without_a_traffic_type_is_phases() -> None:
    assert advanced_violations(request({})) == [PHASES_REQUIRED]
    assert advanced_violations(request({"Phases": []})) == [PHASES_REQUIRED]


def test_phases_of_an_explicit_phases_pattern() -> None:
    assert advanced_violations(request({"TrafficType": "PHASES"})) == [PHASES_REQUIRED]
    phase = {"InitialNumberOfUsers": 1, "SpawnRate": 1, "DurationInSeconds": 120}
    assert advanced_violations(request({"TrafficType": "PHASES", "Phases": [phase]})) == []


@pytest.mark.parametrize(
    ("pattern", "expected"),
    [
        ({"TrafficType": "STAIRS"}, [STAIRS_REQUIRED]),
        ({"TrafficType": "STAIRS", "Stairs": {"DurationInSeconds": 120, "NumberOfSteps": 2, "UsersPerStep": 1}}, []),
        # Stairs is the member's name; a pattern carrying another key has none.
        ({"TrafficType": "STAIRS", "stairs": {"NumberOfSteps": 2}}, [STAIRS_REQUIRED]),
        ({"TrafficType": "STAIRS", "STAIRS": {"NumberOfSteps": 2}}, [STAIRS_REQUIRED]),
    ],
)
def test_stairs(pattern: dict[str, Any], expected: list[str]) -> None:
    assert advanced_violations(request(pattern)) == expected


def test_a_phase_exactly_at_the_upper_limits_and_as_long_as_the_job() -> None:
    phase = {"InitialNumberOfUsers": 3, "SpawnRate": 1, "DurationInSeconds": 3600}
    assert advanced_violations(request({"TrafficType": "PHASES", "Phases": [phase]}, JobDurationInSeconds=3600)) == []


def test_a_phase_past_the_upper_limits_and_longer_than_the_job() -> None:
    phase = {"InitialNumberOfUsers": 4, "SpawnRate": 1, "DurationInSeconds": 3601}
    where = "InputConfig.TrafficPattern.Phases[0]"
    assert advanced_violations(request({"TrafficType": "PHASES", "Phases": [phase]}, JobDurationInSeconds=3600)) == [
        f"{where}.InitialNumberOfUsers must be between 1 and 3, got 4.",
        f"{where}.DurationInSeconds must be between 120 and 3600, got 3601.",
        f"{where}.DurationInSeconds (3601) must not exceed JobDurationInSeconds (3600).",
    ]
