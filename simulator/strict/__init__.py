"""The strict offline world: requests checked against the service models and each function's IAM
role from the synthesized template, as AWS would (see `world.py`)."""

from simulator.strict.authorization import Environment, StrictWorldGap
from simulator.strict.template import Identity, identities
from simulator.strict.world import LOG_VARIABLE, EvaluatedCall, StrictWorld

__all__ = ["LOG_VARIABLE", "Environment", "EvaluatedCall", "Identity", "StrictWorld", "StrictWorldGap", "identities"]
