"""What an Advanced job (a load test) requires beyond the API model, from the documentation.

The service model makes every member of a load test optional; the documentation does not. Both
the Validate step (before a lock or a job exists) and the offline fake service (simulator/) check
requests with this one definition:

- "Load tests require that you also specify a traffic pattern and stopping conditions" (Run a
  custom load test, docs.aws.amazon.com/sagemaker/latest/dg/inference-recommender-load-test.html):
  `InputConfig.TrafficPattern` and `StoppingConditions`;
- the traffic pattern: `TrafficType` PHASES with `Phases`, or STAIRS with `Stairs` ("Specify either
  the stairs or phases traffic pattern", API_Stairs);
- each phase (API_Phase): `InitialNumberOfUsers` "should be between 1 and 3"; `DurationInSeconds`
  "for custom load tests ... between 120 and 3600" and "should not exceed JobDurationInSeconds".
  `SpawnRate` has no documented maximum (minimum 0, in the model);
- benchmarking a model package without an existing endpoint: the instances to load-test in
  `InputConfig.EndpointConfigurations`. With an existing endpoint (`InputConfig.Endpoints`, what
  this project always sends) they are optional.

Not enforced, because no page states it: `ResourceLimit` (optional everywhere).
"""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

PHASE_USERS = (1, 3)
PHASE_SECONDS = (120, 3600)


def advanced_violations(request: Mapping[str, Any]) -> list[str]:
    """Every documented rule a CreateInferenceRecommendationsJob request of JobType Advanced breaks."""
    found: list[str] = []
    input_config: Mapping[str, Any] = request.get("InputConfig") or {}
    pattern = input_config.get("TrafficPattern")
    if pattern is None:
        found.append("InputConfig.TrafficPattern is required for Advanced (load test) jobs.")
    if request.get("StoppingConditions") is None:
        found.append("StoppingConditions is required for Advanced (load test) jobs.")
    if not input_config.get("Endpoints") and not input_config.get("EndpointConfigurations"):
        found.append(
            "InputConfig.EndpointConfigurations is required for Advanced (load test) jobs "
            "that do not benchmark an existing endpoint (InputConfig.Endpoints)."
        )
    if pattern is None:
        return found
    traffic_type = pattern.get("TrafficType", "PHASES")
    if traffic_type == "PHASES" and not pattern.get("Phases"):
        found.append("InputConfig.TrafficPattern.Phases is required when TrafficType is PHASES.")
    if traffic_type == "STAIRS" and not pattern.get("Stairs"):
        found.append("InputConfig.TrafficPattern.Stairs is required when TrafficType is STAIRS.")
    job_seconds = input_config.get("JobDurationInSeconds")
    for index, phase in enumerate(pattern.get("Phases") or []):
        where = f"InputConfig.TrafficPattern.Phases[{index}]"
        for member, (low, high) in (("InitialNumberOfUsers", PHASE_USERS), ("DurationInSeconds", PHASE_SECONDS)):
            value = phase.get(member)
            if isinstance(value, int) and not low <= value <= high:
                found.append(f"{where}.{member} must be between {low} and {high}, got {value}.")
        seconds = phase.get("DurationInSeconds")
        if isinstance(seconds, int) and isinstance(job_seconds, int) and seconds > job_seconds:
            found.append(f"{where}.DurationInSeconds ({seconds}) must not exceed JobDurationInSeconds ({job_seconds}).")
    return found
