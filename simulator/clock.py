"""A simulated wall clock for offline runs: time only moves when the test says so.

`SimulatedClock` wraps a `time_machine` traveller with ``tick=False``. While it runs,
`time.time()`, `datetime.now()`, `datetime.utcnow()` and friends return the simulated instant in
every module (moto, the Lambda handlers, the fake Inference Recommender), because time-machine
patches them at the C level rather than per import. `time.monotonic()` is left alone, so real
timeouts can still be measured with it.
"""

from __future__ import annotations

import time
from datetime import UTC, datetime, timedelta
from types import TracebackType
from typing import Self

import time_machine

DEFAULT_START = datetime(2026, 11, 25, 3, 0, 0, tzinfo=UTC)


class SimulatedClock:
    """A frozen clock that only moves through `advance`.

    Use it as a context manager (``with SimulatedClock(at) as clock:``) or call `start` / `stop`.
    A naive ``at`` is taken as UTC.
    """

    def __init__(self, at: datetime = DEFAULT_START) -> None:
        self._at = at
        self._travel: time_machine.travel | None = None
        self._traveller: time_machine.Traveller | None = None

    @property
    def running(self) -> bool:
        """Whether the clock currently replaces the system clock."""
        return self._traveller is not None

    def start(self, at: datetime | None = None) -> Self:
        """Freeze time at ``at`` (default: the instant given to the constructor)."""
        if self.running:
            raise RuntimeError("SimulatedClock is already running")
        at = at or self._at
        # time-machine treats a naive datetime as local time; the simulation is UTC throughout.
        self._travel = time_machine.travel(at if at.tzinfo else at.replace(tzinfo=UTC), tick=False)
        self._traveller = self._travel.start()
        return self

    def stop(self) -> None:
        """Give the real clock back (no-op when not running)."""
        if self._travel is not None:
            self._travel.stop()
        self._travel = self._traveller = None

    def now(self) -> datetime:
        """The simulated instant, timezone-aware UTC."""
        self._require_running()
        return datetime.now(UTC)

    def time(self) -> float:
        """The simulated instant as epoch seconds (what `time.time()` returns everywhere)."""
        self._require_running()
        return time.time()

    def advance(self, seconds: float) -> datetime:
        """Move time forward by ``seconds`` and return the new instant."""
        if seconds < 0:
            raise ValueError("a simulated clock only moves forward")
        self._require_running().shift(timedelta(seconds=seconds))
        return self.now()

    def _require_running(self) -> time_machine.Traveller:
        if self._traveller is None:
            raise RuntimeError("SimulatedClock is not running: call start() or use it as a context manager")
        return self._traveller

    def __enter__(self) -> Self:
        return self.start()

    def __exit__(
        self,
        exc_type: type[BaseException] | None,
        exc: BaseException | None,
        tb: TracebackType | None,
    ) -> None:
        self.stop()
