"""The e2e tier: the synthesized app deployed offline (simulator.offline.OfflineStack) and driven
through its real state machine.

The app is synthesized once per session (`default_synth`, tests/conftest.py, shared with the infra
tier). Deploying a world costs a few seconds, so the tier shares one world per worker process
(package scope: this directory is a package so that the world, its moto mock and its frozen clock
end with the tier's last test, before other tiers run). Tests stay independent: each uses endpoints
of its own, reads only what happened since it began (tests/e2e/support.py), and must leave no
execution running and no fault pending (`_leaves_the_world_settled`).

The world is strict (simulator/strict, set up by OfflineStack): each function's requests are
checked against the service models and authorized as its own role from the deployed template. A
test that meets a request the strict world cannot check (an operation it does not know) fails.
"""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path

import pytest

from infra.application import STACK_NAME
from simulator.offline import OfflineStack
from tests.infra.support import Synthesized


@pytest.fixture(scope="session")
def cdk_out(default_synth: Synthesized) -> Path:
    """The synthesized cloud assembly (template and assets)."""
    return Path(default_synth.template_path).parent


@pytest.fixture(scope="package")
def world(cdk_out: Path) -> Iterator[OfflineStack]:
    with OfflineStack(cdk_out, STACK_NAME) as deployed:
        yield deployed


@pytest.fixture(autouse=True)
def _leaves_the_world_settled(world: OfflineStack) -> Iterator[None]:
    """A test must not leave an execution running or a fault pending for the next test of the
    module; if it does (a failed assertion midway), clean up and report it."""
    yield
    running = [
        execution["executionArn"]
        for page in world.sfn.get_paginator("list_executions").paginate(
            stateMachineArn=world.deployment.state_machine_arn, statusFilter="RUNNING"
        )
        for execution in page["executions"]
    ]
    for arn in running:
        world.sfn.stop_execution(executionArn=arn)
    for arn in running:
        world.wait_for(arn)
    pending = {key: left for key, left in world.faults_left().items() if left}
    world.clear_faults()
    gaps = list(world.strict.gaps)
    world.strict.gaps.clear()
    assert not running, f"the test left executions running: {running}"
    assert not pending, f"the test left throttling faults unused: {pending}"
    assert not gaps, f"the strict world could not check: {gaps}"
