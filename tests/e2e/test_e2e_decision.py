"""The right-size scenario through the deployed stack: a staging copy is benchmarked for a
production endpoint with two weeks of daily traffic, and the decision is priced and sized at that
traffic (what `make simulate` shows by default)."""

from __future__ import annotations

from dataclasses import replace
from datetime import datetime, timedelta

from recommender.adapters.traffic import summarize, window
from simulator.offline import OfflineStack
from simulator.scenarios import PRODUCTION, SCENARIOS
from tests.e2e.support import LOOP, assert_notifies, run, scenario

# ml.m5.xlarge on demand in us-east-1 (the fake Price List's price) for 730 hours.
M5_XLARGE_MONTH = 0.23 * 730


def test_the_decision_is_sized_and_priced_at_the_production_traffic(world: OfflineStack) -> None:
    production = replace(PRODUCTION, name="e2e-right-size-prod")
    chosen = replace(scenario("right-size", "e2e-right-size"), target=production)
    seeded_until = world.clock.now() + timedelta(hours=2)  # where scenarios seed traffic up to

    execution_input, observed = run(world, chosen)

    assert observed.status == "SUCCEEDED", observed.execution.get("cause")
    assert observed.path == f"Validate Endpoint -> Start Job -> ({LOOP}) x{observed.polls} -> Publish Results -> Done"
    assert execution_input["targetEndpointName"] == "e2e-right-size-prod"
    item = observed.item
    # The traffic is what CloudWatch holds for the production variant, every page of the window read.
    published = datetime.fromisoformat(item["notifiedAt"].replace("Z", "+00:00"))
    start, end = window(14, published)
    assert chosen.traffic is not None
    seeded = dict(chosen.traffic.per_minute(seeded_until, "e2e-right-size-prod/AllTraffic"))
    expected = summarize(
        "e2e-right-size-prod", "AllTraffic", 14, {at: v for at, v in seeded.items() if start <= at < end}
    )
    assert expected.minutes_with_data == 14 * 1440  # every minute of the window has traffic
    assert item["traffic"] == {
        "endpointName": "e2e-right-size-prod",
        "windowDays": 14,
        "minutesWithData": expected.minutes_with_data,
        "meanPerMinute": expected.mean_per_minute,
        "p95PerMinute": expected.p95_per_minute,
        "peakPerMinute": expected.peak_per_minute,
        "source": "cloudwatch",
    }
    # The comparison is with the production endpoint, four instances at the list price.
    assert item["targetEndpoint"] == {
        "endpointName": "e2e-right-size-prod",
        "variantName": "AllTraffic",
        "instanceType": "ml.m5.xlarge",
        "instanceCount": 4,
        "monthlyCost": round(4 * M5_XLARGE_MONTH, 2),
    }
    assert item["prices"] == {"currentPerHour": 0.23, "source": "price-list"}
    # Every candidate is sized for the observed peak at 70 % of its per-instance maximum.
    peak = expected.peak_per_minute
    for recommendation in item["recommendations"]:
        per_instance = recommendation["maxInvocations"] * 0.7
        count = recommendation["instancesForPeak"]
        assert (count - 1) * per_instance < peak <= count * per_instance, recommendation
        assert recommendation["monthlyCost"] == round(count * recommendation["costPerHour"] * 730, 2)
    # The verdict: the cheapest that serves the peak within the latency bound (all do here).
    cheapest = min(item["recommendations"], key=lambda r: r["monthlyCost"])
    verdict = item["verdict"]
    assert (verdict["decision"], verdict["instanceType"], verdict["instanceCount"]) == (
        "CHANGE",
        cheapest["instanceType"],
        cheapest["instancesForPeak"],
    )
    assert verdict["monthlySavings"] == round(item["targetEndpoint"]["monthlyCost"] - cheapest["monthlyCost"], 2)
    # The service's autoscaling advice is for the production endpoint, from the verdict's count.
    scaling = item["scaling"]
    assert scaling["minCapacity"] == verdict["instanceCount"] <= scaling["maxCapacity"]
    register = scaling["requests"][0]["parameters"]
    assert register["ResourceId"] == "endpoint/e2e-right-size-prod/variant/AllTraffic"
    document = assert_notifies(observed.notification, item)
    assert document["verdict"] == verdict
    assert observed.notification["attributes"]["verdict"] == "CHANGE"
    assert observed.notification["subject"] == (
        f"Right-size e2e-right-size-prod: {cheapest['instanceType']} saves ${verdict['monthlySavings']:,.0f}/month"
    )


def test_the_right_size_scenarios_benchmark_a_staging_copy_of_production() -> None:
    for name in ("right-size", "regression"):
        chosen = SCENARIOS[name]
        assert chosen.target is not None
        assert chosen.traffic is not None
        assert chosen.target.model_data == chosen.endpoint.model_data  # the same model
        assert chosen.target.instance_count > chosen.endpoint.instance_count
