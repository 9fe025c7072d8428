"""The fleet at scale: the synthesized stack deployed offline on the discrete-event clock
(`OfflineStack(timeline=True)`), where executions that run side by side wait side by side.

A package of its own: its world (its own moto mock and clock) ends with the package's last test,
before the e2e tier's world, which runs on the plain clock, is set up.
"""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path

import pytest

from infra.application import STACK_NAME
from simulator.offline import OfflineStack
from tests.infra.support import Synthesized


@pytest.fixture(scope="package")
def timeline_world(default_synth: Synthesized) -> Iterator[OfflineStack]:
    with OfflineStack(Path(default_synth.template_path).parent, STACK_NAME, timeline=True) as deployed:
        yield deployed
