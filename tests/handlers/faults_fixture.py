"""The handler tier's fault injector: `simulator.faults.FaultInjector` on the handlers' own cached
clients (`recommender.adapters.aws.client`), as the offline stack's `OfflineStack.fault` uses it.

Import the fixtures in a test module that needs them::

    from tests.handlers.faults_fixture import backoff_fixture, faults_fixture  # noqa: F401

then take ``faults`` as a test argument and script faults with ``faults.fault(service, operation,
name, times)`` or ``faults.throttle(service, operation, times)``. botocore's retry backoff (random,
with jitter) is recorded in ``backoff.slept`` rather than slept: no real time passes, and the
simulated clock stays where the test put it, so timestamps stay deterministic.
"""

from __future__ import annotations

import time
from collections.abc import Iterator
from typing import Any

import botocore.endpoint
import pytest

from simulator.faults import FaultInjector
from tests.handlers.support import World


class Backoff:
    """`time` for botocore's endpoint: its retry backoff is recorded, not slept."""

    def __init__(self) -> None:
        self.slept: list[float] = []

    def __getattr__(self, name: str) -> Any:
        return getattr(time, name)

    def sleep(self, seconds: float) -> None:
        self.slept.append(seconds)


def record_backoff(monkeypatch: pytest.MonkeyPatch) -> Backoff:
    """botocore's retry backoff recorded instead of slept, for the rest of the test."""
    recorder = Backoff()
    monkeypatch.setattr(botocore.endpoint, "time", recorder)
    return recorder


@pytest.fixture(name="backoff")
def backoff_fixture(monkeypatch: pytest.MonkeyPatch) -> Backoff:
    return record_backoff(monkeypatch)


@pytest.fixture(name="faults")
def faults_fixture(world: World, backoff: Backoff) -> Iterator[FaultInjector]:
    """Faults on the handlers' clients of this test's world (created on first use, then cached)."""
    from recommender.adapters import aws

    with FaultInjector(aws.client) as injector:
        yield injector
