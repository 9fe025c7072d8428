"""The discrete-event clock (simulator/timeline.py): waits that run side by side overlap, time moves
only while every thread is blocked, and a thread released from a `threading` wait runs before the
clock jumps. Plain threads, no moto; every join is bounded, so a broken clock fails, not hangs."""

from __future__ import annotations

import threading
import time
from collections.abc import Callable, Iterator
from datetime import UTC, datetime

import pytest

from simulator.bench_fleet import idle_slot_seconds, peak_overlap
from simulator.clock import SimulatedClock
from simulator.timeline import HandOffLock, Timeline

START = datetime(2026, 11, 25, 3, 0, tzinfo=UTC)
BOUND_SECONDS = 20.0  # real seconds any of these scenarios may take before it counts as hung


@pytest.fixture
def timeline() -> Iterator[Timeline]:
    with SimulatedClock(START) as clock:
        line = Timeline(clock).start()
        try:
            yield line
        finally:
            line.stop()


def elapsed(timeline: Timeline) -> float:
    return timeline.clock.time() - START.timestamp()


def run_all(*targets: Callable[[], None]) -> None:
    """Run the targets in threads that begin together: the test's own thread is outside the
    simulation (as the driver of a fleet is), so none may start sleeping before all exist."""
    gate = threading.Event()

    def gated(target: Callable[[], None]) -> Callable[[], None]:
        def body() -> None:
            assert gate.wait(timeout=BOUND_SECONDS)
            target()

        return body

    threads = [threading.Thread(target=gated(target), daemon=True) for target in targets]
    for thread in threads:
        thread.start()
    gate.set()
    for thread in threads:
        thread.join(timeout=BOUND_SECONDS)
    assert not any(thread.is_alive() for thread in threads), "the timeline never woke a sleeper"


def test_waits_side_by_side_overlap_and_wake_in_order(timeline: Timeline) -> None:
    woke: list[tuple[str, float]] = []

    def sleeper(name: str, seconds: float) -> Callable[[], None]:
        def body() -> None:
            timeline.sleep(seconds)
            woke.append((name, elapsed(timeline)))

        return body

    run_all(sleeper("ten minutes", 600), sleeper("five minutes", 300), sleeper("an hour", 3600))

    assert woke == [("five minutes", 300), ("ten minutes", 600), ("an hour", 3600)]
    assert elapsed(timeline) == 3600  # not 4,500: the waits overlapped
    assert timeline.jumps == 3


def test_a_thread_released_by_another_runs_before_the_clock_moves_on(timeline: Timeline) -> None:
    """A sets an event after 30 s; B, waiting on it, then sleeps 20 s; C sleeps 100 s. B must wake at
    50 s: the clock may not jump to C's 100 s while B is released but not yet asleep."""
    ready = threading.Event()
    woke: dict[str, float] = {}

    def a() -> None:
        timeline.sleep(30)
        ready.set()

    def b() -> None:
        assert ready.wait(timeout=BOUND_SECONDS)
        timeline.sleep(20)
        woke["b"] = elapsed(timeline)

    def c() -> None:
        timeline.sleep(100)
        woke["c"] = elapsed(timeline)

    run_all(a, b, c)

    assert woke == {"b": 50, "c": 100}


def test_a_join_and_a_lock_count_as_blocked_and_as_released(timeline: Timeline) -> None:
    """A thread joining a sleeper, and one waiting for a lock a sleeper holds, let the clock move;
    each goes on at the instant it is released."""
    lock = HandOffLock()
    woke: dict[str, float] = {}

    def holder() -> None:
        lock.acquire()
        try:
            timeline.sleep(40)
        finally:
            lock.release()

    def joiner() -> None:
        worker = threading.Thread(target=lambda: timeline.sleep(70), daemon=True)
        worker.start()
        worker.join(timeout=BOUND_SECONDS)
        woke["joiner"] = elapsed(timeline)

    def locker() -> None:
        timeline.sleep(1)  # the holder takes the lock first
        lock.acquire()
        try:
            woke["locker"] = elapsed(timeline)
            timeline.sleep(5)
        finally:
            lock.release()

    run_all(holder, joiner, locker)

    assert woke == {"locker": 40, "joiner": 70}
    assert elapsed(timeline) == 70


def test_a_watcher_of_executions_holds_the_clock_until_it_has_seen_the_end(timeline: Timeline) -> None:
    """A `.sync` watcher polls for its child; the child ends at 60 s. The watcher must see that end
    before the clock jumps to the next sleeper (600 s)."""
    child_done = threading.Event()
    woke: dict[str, float] = {}

    def child() -> None:
        timeline.sleep(60)
        child_done.set()
        timeline.execution_ended()

    def watcher() -> None:
        for _ in range(100):  # bounded: the child ends once
            if child_done.is_set():
                break
            timeline.await_execution_end(0.5)
        woke["watcher"] = elapsed(timeline)
        timeline.sleep(5)
        woke["after"] = elapsed(timeline)

    def later() -> None:
        timeline.sleep(600)

    run_all(child, watcher, later)

    assert woke == {"watcher": 60, "after": 65}


def test_a_zero_wait_does_not_block(timeline: Timeline) -> None:
    timeline.sleep(0)
    timeline.sleep(-1)
    assert elapsed(timeline) == 0


@pytest.mark.parametrize(
    ("lifetimes", "peak"),
    [
        ([], 0),
        ([(0, 10), (10, 20)], 1),  # an end frees its slot for a start at the same instant
        ([(0, 10), (5, 15), (6, 7), (9, 20)], 3),
    ],
)
def test_peak_overlap(lifetimes: list[tuple[float, float]], peak: int) -> None:
    assert peak_overlap(lifetimes) == peak


def test_idle_slot_seconds_counts_free_slots_until_the_last_start() -> None:
    # Quota 2. Jobs: [0, 100], [0, 120], [130, 230], [150, 250]. Between the first start and the last
    # start (150): one slot free 100-130 (30), two free 120-130 (10 more), one free 130-150 (20).
    lifetimes = [(0.0, 100.0), (0.0, 120.0), (130.0, 230.0), (150.0, 250.0)]
    assert idle_slot_seconds(lifetimes, quota=2) == 30 + 10 + 20
    assert idle_slot_seconds([], quota=2) == 0
    # Back to back: no idle slot.
    assert idle_slot_seconds([(0.0, 10.0), (10.0, 20.0)], quota=1) == 0


def test_a_watcher_that_looked_just_before_its_child_ended_is_asked_to_look_again(timeline: Timeline) -> None:
    """moto's `.sync` task describes its child, then waits: a child ending between the two is not
    an end the watcher waits for. The clock must not jump (to 600 s) before it has looked again."""
    child_done = threading.Event()
    looked_running = threading.Event()
    woke: dict[str, float] = {}

    def child() -> None:
        assert looked_running.wait(timeout=BOUND_SECONDS)
        child_done.set()
        timeline.execution_ended()  # before the watcher waits: it will not see this end

    def watcher() -> None:
        first = True
        for _ in range(100):  # bounded: the child ends once
            if child_done.is_set():
                break
            if first:
                looked_running.set()
                assert child_done.wait(timeout=BOUND_SECONDS)  # it ends right after the look
                first = False
            timeline.await_execution_end(0.5)
        woke["watcher"] = elapsed(timeline)

    def later() -> None:
        timeline.sleep(600)

    run_all(child, watcher, later)

    assert woke == {"watcher": 0}


def test_a_thread_started_late_by_the_scheduler_starts_before_the_clock_moves(
    timeline: Timeline, monkeypatch: pytest.MonkeyPatch
) -> None:
    """Until a new thread runs, `threading.enumerate()` does not list it; on busy CPUs that takes
    milliseconds. Its starter, waiting in `Thread.start`, is not blocked: the clock must not jump past
    an instant the new thread has not yet asked for (here 50 ms late, every run; it woke at 71 s
    instead of 70 s under a loaded machine before the starter counted as running)."""
    bootstrap = threading.Thread._bootstrap  # type: ignore[attr-defined]
    late = {"Worker"}

    def slow_bootstrap(self: threading.Thread) -> None:
        if self.name in late:
            time.sleep(0.05)
        bootstrap(self)

    monkeypatch.setattr(threading.Thread, "_bootstrap", slow_bootstrap)
    woke: dict[str, float] = {}

    def starter() -> None:
        worker = threading.Thread(target=lambda: timeline.sleep(70), daemon=True, name="Worker")
        worker.start()
        worker.join(timeout=BOUND_SECONDS)
        woke["starter"] = elapsed(timeline)

    def early() -> None:
        timeline.sleep(1)
        woke["early"] = elapsed(timeline)

    run_all(starter, early)

    assert woke == {"early": 1, "starter": 70}
