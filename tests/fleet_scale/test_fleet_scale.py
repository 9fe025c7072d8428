"""A fleet on the discrete-event clock, measured as `make bench` measures its fleet row
(simulator/bench_fleet.py), at a size the suite can afford: the waves take the time the quota
allows and no more, the quota is never exceeded, and a failing tenth is neither lost nor run twice."""

from __future__ import annotations

import pytest

from simulator import bench_fleet
from simulator.offline import OfflineStack

QUOTA = 3
JOB_SECONDS = 45 * 60.0


@pytest.fixture(scope="module")
def names(timeline_world: OfflineStack) -> list[str]:
    timeline_world.fake.max_active_jobs = QUOTA  # the service's ResourceLimitExceeded past the quota
    timeline_world.service_quotas.concurrent_jobs = QUOTA  # what Service Quotas says of it
    return bench_fleet.seed_fleet(10)


def test_a_clean_fleet_takes_its_waves_within_the_quota(timeline_world: OfflineStack, names: list[str]) -> None:
    row = bench_fleet.run_fleet(timeline_world, "clean", names, quota=QUOTA, job_seconds=JOB_SECONDS, fail_one_in=None)

    assert row.fleet_status == "SUCCEEDED"
    assert row.children == {"SUCCEEDED": 10}
    assert (row.jobs_created, row.endpoints_with_more_than_one_job, row.runs_recorded) == (10, 0, 10)
    assert (row.cap, row.cap_source) == (QUOTA, "service-quotas")  # the fleet input named no cap
    assert row.peak_running_jobs == QUOTA
    assert row.slot_waits == 0
    # 4 waves of 45 minutes: never faster than the quota allows, never slower than the target.
    assert row.waves == 4
    assert row.ideal_seconds <= row.simulated_seconds <= row.target_seconds
    # Each handover of a slot costs at most one poll interval.
    assert row.idle_slot_seconds <= row.handovers * bench_fleet.POLL_MAX_SECONDS, row.lifetimes


def test_a_failing_tenth_is_recorded_once_and_never_stops_the_fleet(
    timeline_world: OfflineStack, names: list[str]
) -> None:
    row = bench_fleet.run_fleet(
        timeline_world, "one-in-ten-fail", names, quota=QUOTA, job_seconds=JOB_SECONDS, fail_one_in=10
    )

    assert row.fleet_status == "SUCCEEDED"
    assert row.children == {"SUCCEEDED": 9, "FAILED": 1}
    assert (row.runs_recorded, row.runs_failed_recorded) == (10, 1)
    assert (row.jobs_created, row.endpoints_with_more_than_one_job) == (10, 0)
    assert row.peak_running_jobs <= QUOTA
    assert row.slot_waits == 0
    assert row.simulated_seconds <= row.target_seconds
