"""A discrete-event clock for executions that run at the same time (`OfflineStack(timeline=True)`).

The default offline seam advances the simulated clock by every Wait state it meets: right for one
execution at a time, wrong for a fleet, where ten children wait side by side and their waits must
overlap, not add up. Here a waiting thread instead registers when it wants to wake and blocks; when
every thread of the simulation is blocked (asleep until an instant, waiting for a child execution
to end, or parked in a `threading` primitive that another of them will release), the clock jumps to
the earliest wake-up and wakes the threads due then. Time therefore moves only while nothing can
happen before the next wake-up: the order and the overlap of events are the real ones, and a
15-hour fleet runs in minutes.

How "every thread is blocked" is known, exactly: each simulation thread's innermost Python frame
(from `sys._current_frames`) is a wait nobody has released yet. While the timeline runs,
`threading.Condition`'s `wait` and `notify` are the standard library's own code plus one line each:
`notify` marks the waiters it releases, so a thread released but not yet scheduled counts as running
(under load that can take many milliseconds, and a jump then would be too early). A thread in
`Thread.join` waits while the joined thread still runs; one in `HandOffLock.acquire` while another
holds the lock; one in `Thread.start` runs (the new thread is not listed until it begins). Each
sleeper must not be due yet and each `.sync` watcher must have seen the latest execution end. On
top, nothing may happen (no request, no Lambda call, no sleep) across a few observations a
millisecond apart. Last, a `.sync` watcher looks at its child before it waits, so a child that ended
in between would be missed until the next end; before every jump each watcher looks once more, and
the clock moves only when that round changed nothing.
"""

from __future__ import annotations

import contextlib
import sys
import threading
import time
from collections.abc import Callable
from types import FrameType
from typing import Any

from simulator.clock import SimulatedClock

QUIET_OBSERVATIONS = 3  # consecutive observations of "all blocked, nothing happened" before a jump
OBSERVATION_GAP_SECONDS = 0.001  # real time between observations


class HandOffLock:
    """A lock that knows whether it is held: a thread waiting for it is blocked while the owner holds
    it, and runnable from the moment the owner lets go (not only once it has the lock)."""

    def __init__(self) -> None:
        self._lock = threading.Lock()
        self.owner: int | None = None

    def acquire(self) -> None:
        self._lock.acquire()
        self.owner = threading.get_ident()

    def release(self) -> None:
        self.owner = None
        self._lock.release()


_released: set[Any] = set()  # Condition waiters released by notify, until their thread runs


def _condition_wait(self: Any, timeout: float | None = None) -> bool:
    """`threading.Condition.wait` (CPython 3.11-3.13), forgetting its release once it runs."""
    if not self._is_owned():
        raise RuntimeError("cannot wait on un-acquired lock")
    waiter = threading._allocate_lock()  # type: ignore[attr-defined]
    waiter.acquire()
    self._waiters.append(waiter)
    saved_state = self._release_save()
    gotit = False
    try:
        if timeout is None:
            waiter.acquire()
            gotit = True
        elif timeout > 0:
            gotit = waiter.acquire(True, timeout)
        else:
            gotit = waiter.acquire(False)
        return gotit
    finally:
        _released.discard(waiter)
        self._acquire_restore(saved_state)
        if not gotit:
            with contextlib.suppress(ValueError):
                self._waiters.remove(waiter)


def _condition_notify(self: Any, n: int = 1) -> None:
    """`threading.Condition.notify`, marking each waiter it releases."""
    if not self._is_owned():
        raise RuntimeError("cannot notify on un-acquired lock")
    waiters = self._waiters
    while waiters and n > 0:
        waiter = waiters[0]
        _released.add(waiter)
        try:
            waiter.release()
        except RuntimeError:
            pass
        else:
            n -= 1
        with contextlib.suppress(ValueError):
            waiters.remove(waiter)


class Timeline:
    """The discrete-event clock: `sleep` for Wait states and retry back-offs, `await_execution_end`
    for `.sync` integrations; `start()` runs the thread that moves the clock."""

    def __init__(self, clock: SimulatedClock) -> None:
        self.clock = clock
        self._condition = threading.Condition()
        self._sleepers: dict[int, float] = {}  # thread ident -> epoch seconds it wakes at
        self._watchers: dict[int, tuple[int, int]] = {}  # thread ident -> (ends, pokes) it has seen
        self._ends = 0
        self._pokes = 0  # rounds in which every watcher looks at its child again
        self._activity = 0
        self._excluded: set[int] = set()
        self._mover: threading.Thread | None = None
        self._running = False
        self.jumps = 0
        self._originals: tuple[Any, Any] | None = None

    # ------------------------------------------------------------------ used by the seams
    def touch(self) -> None:
        """Something happened (a request, a Lambda call): the simulation is not quiet."""
        self._activity += 1

    def sleep(self, seconds: float) -> None:
        """Block the calling thread until the simulated clock reaches now + ``seconds``."""
        if seconds <= 0:
            return
        me = threading.get_ident()
        with self._condition:
            wake = self.clock.time() + seconds
            self._sleepers[me] = wake
            self._activity += 1
            try:
                while self.clock.time() < wake:
                    self._condition.wait()
            finally:
                del self._sleepers[me]
                self._activity += 1

    def await_execution_end(self, _seconds: float = 0.0) -> None:
        """Block until some execution ends, or until the clock is about to move (what a `.sync`
        integration polls for): its poll interval is real time in moto, and would let the clock run
        past the child's end. The caller looked at its child before calling: a child that ended in
        between is found in the round of looks the clock asks for before it moves."""
        me = threading.get_ident()
        with self._condition:
            seen = (self._ends, self._pokes)
            self._watchers[me] = seen
            self._activity += 1
            try:
                while (self._ends, self._pokes) == seen and self._running:
                    self._condition.wait()
            finally:
                del self._watchers[me]
                self._activity += 1

    def execution_ended(self) -> None:
        with self._condition:
            self._ends += 1
            self._activity += 1
            self._condition.notify_all()

    # ------------------------------------------------------------------ the clock's own thread
    def start(self) -> Timeline:
        """Run the clock's thread. The calling thread (the driver) and the threads already running stay
        outside the simulation: the driver may start executions and wait for them in real time, but
        it is not waited for, so start work from it only while nothing sleeps on the timeline
        (before a run, or after it ends)."""
        self._running = True
        self._originals = (threading.Condition.wait, threading.Condition.notify)
        threading.Condition.wait = _condition_wait  # type: ignore[method-assign]
        threading.Condition.notify = _condition_notify  # type: ignore[method-assign]
        # Outside the simulation: the driver (it waits in real time) and every thread already
        # running (a test session's jsii kernel reader, say), which no execution waits for.
        self._excluded = {threading.get_ident(), *(thread.ident for thread in threading.enumerate() if thread.ident)}
        self._mover = threading.Thread(target=self._move, name="timeline", daemon=True)
        self._mover.start()
        return self

    def stop(self) -> None:
        with self._condition:
            self._running = False
            self._condition.notify_all()
        if self._mover is not None:
            self._mover.join(timeout=5)
        if self._originals is not None:
            threading.Condition.wait, threading.Condition.notify = self._originals  # type: ignore[method-assign]
            self._originals = None

    def _move(self) -> None:
        assert self._mover is not None
        self._excluded.add(threading.get_ident())
        quiet, seen = 0, -1
        looked: tuple[frozenset[tuple[int, float]], frozenset[int], int] | None = None
        while self._running:
            time.sleep(OBSERVATION_GAP_SECONDS)
            activity = self._activity
            if not self._sleepers or not self._all_blocked():
                quiet = 0
                continue
            quiet = quiet + 1 if activity == seen else 1
            seen = activity
            if quiet < QUIET_OBSERVATIONS:
                continue
            with self._condition:
                if not self._sleepers or activity != self._activity:
                    quiet = 0
                    continue
                # Before a jump, every watcher looks at its child once more; the clock moves only
                # when such a round changed nothing (no child found ended, no new sleeper).
                state = (frozenset(self._sleepers.items()), frozenset(self._watchers), self._ends)
                if self._watchers and state != looked:
                    looked = state
                    self._pokes += 1
                    self._activity += 1
                    self._condition.notify_all()
                    quiet = 0
                    continue
                looked = None
                ahead = min(self._sleepers.values()) - self.clock.time()
                if ahead > 0:
                    self.clock.advance(ahead)
                    self.jumps += 1
                self._activity += 1
                self._condition.notify_all()
            quiet = 0

    def _all_blocked(self) -> bool:
        frames = sys._current_frames()
        now = self.clock.time()
        current = (self._ends, self._pokes)
        for thread in threading.enumerate():
            ident = thread.ident
            if ident is None or ident in self._excluded:
                continue
            frame = frames.get(ident)
            if frame is None or not _waits(frame, frames, ident):
                return False
            if self._sleepers.get(ident, float("inf")) <= now or self._watchers.get(ident, current) != current:
                return False
        return True


def _in_thread_start(frame: FrameType) -> bool:
    """Whether this wait is `Thread.start` waiting for the new thread to begin. Until it does, the
    new thread is not in `threading.enumerate()`: counting its starter as blocked would let the
    clock jump before the new thread has asked for anything (under load, many milliseconds)."""
    caller = frame.f_back
    while caller is not None:
        if caller.f_code is threading.Thread.start.__code__:
            return True
        if caller.f_code is not threading.Event.wait.__code__:
            return False
        caller = caller.f_back
    return False


def _waits(frame: FrameType, frames: dict[int, FrameType], ident: int) -> bool:
    """Whether this innermost frame is a wait nobody has released yet."""
    code = frame.f_code
    if code is _condition_wait.__code__:
        if _in_thread_start(frame):
            return False  # a thread it started is about to run (and may not be listed yet): not blocked
        local = frame.f_locals
        waiter = local.get("waiter")
        return waiter is not None and not local.get("gotit") and waiter not in _released
    if code is threading.Thread._wait_for_tstate_lock.__code__:  # type: ignore[attr-defined]
        joined = frame.f_locals.get("self")
        return joined is not None and joined.ident in frames
    if code is HandOffLock.acquire.__code__:
        lock = frame.f_locals.get("self")
        return lock is not None and lock.owner not in (None, ident)  # its own: it has just got it
    return False


def timed(sleep: Callable[[float], object]) -> Any:
    """A stand-in for the `time` module whose `sleep` is ``sleep`` (everything else is time's)."""

    class _Time:
        def __getattr__(self, name: str) -> Any:
            return getattr(time, name)

        @staticmethod
        def sleep(seconds: float) -> None:
            sleep(seconds)

    return _Time()
