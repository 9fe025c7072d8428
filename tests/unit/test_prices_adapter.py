"""Instance prices (adapters/prices.py): the Price List API through a botocore Stubber (moto has no
`pricing` service), the recommendation fallback, and their combination."""

from __future__ import annotations

import json
from collections.abc import Iterator
from typing import Any

import pytest
from botocore.exceptions import ClientError
from botocore.stub import Stubber

from recommender.adapters import aws, prices
from recommender.models import Recommendation

REGION = "eu-west-1"
TYPE = "ml.m5.large"


@pytest.fixture
def stub(monkeypatch: pytest.MonkeyPatch) -> Iterator[Stubber]:
    for name in ("AWS_ACCESS_KEY_ID", "AWS_SECRET_ACCESS_KEY"):
        monkeypatch.setenv(name, "testing")
    monkeypatch.setenv("AWS_DEFAULT_REGION", REGION)
    aws.session.cache_clear()
    aws.client.cache_clear()
    client = prices.pricing_client()
    assert client.meta.region_name == "us-east-1"  # the API answers in us-east-1 whatever the endpoint's region
    with Stubber(client) as stubber:
        yield stubber
        stubber.assert_no_pending_responses()
    aws.client.cache_clear()
    aws.session.cache_clear()


def product(
    usd: str | None = "0.1280000000",
    *,
    instance: str = TYPE,
    region: str = REGION,
    usagetype: str | None = None,
    unit: str = "Hrs",
) -> str:
    """One PriceList entry as the API returns it: a JSON document in a string."""
    price_per_unit = {"USD": usd} if usd is not None else {"CNY": "1.0"}
    return json.dumps(
        {
            "product": {
                "productFamily": "ML Instance",
                "attributes": {
                    "regionCode": region,
                    "location": "EU (Ireland)",
                    "servicecode": "AmazonSageMaker",
                    "usagetype": usagetype or f"EU-Host:{instance}",
                    "operation": "RunInstance",
                    "instanceName": instance,
                    "component": "Hosting",
                    "vCpu": "2",
                },
                "sku": "ABCDEFGHIJKLMNOP",
            },
            "serviceCode": "AmazonSageMaker",
            "terms": {
                "OnDemand": {
                    "ABCDEFGHIJKLMNOP.JRTCKXETXF": {
                        "priceDimensions": {
                            "ABCDEFGHIJKLMNOP.JRTCKXETXF.6YS6EN2CT7": {
                                "unit": unit,
                                "endRange": "Inf",
                                "description": f"$0.128 per Hosting {instance} in EU (Ireland)",
                                "appliesTo": [],
                                "rateCode": "ABCDEFGHIJKLMNOP.JRTCKXETXF.6YS6EN2CT7",
                                "beginRange": "0",
                                "pricePerUnit": price_per_unit,
                            }
                        },
                        "sku": "ABCDEFGHIJKLMNOP",
                        "effectiveDate": "2026-03-01T00:00:00Z",
                        "offerTermCode": "JRTCKXETXF",
                        "termAttributes": {},
                    }
                }
            },
            "version": "20260301000000",
            "publicationDate": "2026-03-01T00:00:00Z",
        }
    )


def request(token: str | None = None) -> dict[str, Any]:
    return {
        "ServiceCode": "AmazonSageMaker",
        "Filters": [
            {"Type": "TERM_MATCH", "Field": "regionCode", "Value": REGION},
            {"Type": "TERM_MATCH", "Field": "instanceName", "Value": TYPE},
            {"Type": "TERM_MATCH", "Field": "component", "Value": "Hosting"},
        ],
        "FormatVersion": "aws_v1",
        **({"NextToken": token} if token else {}),
    }


def answer(*entries: str, token: str | None = None) -> dict[str, Any]:
    return {"FormatVersion": "aws_v1", "PriceList": list(entries), **({"NextToken": token} if token else {})}


def rec(rank: int, instance_type: str | None, cost: float | None, count: int | None = 1) -> Recommendation:
    return Recommendation(rank=rank, instance_type=instance_type, cost_per_hour=cost, instance_count=count)


RECOMMENDATIONS = [rec(1, "ml.c5.large", 0.102), rec(2, TYPE, 0.25, count=2), rec(3, TYPE, 0.3)]


@pytest.mark.parametrize(
    ("pages", "expected"),
    [
        pytest.param([answer(product())], 0.128, id="one-product"),
        pytest.param([answer(token="t1"), answer(token="t2"), answer(product())], 0.128, id="every-page-read"),
        pytest.param([answer()], None, id="no-product"),
        pytest.param([answer(product(unit="Quantity"))], None, id="not-hourly"),
        pytest.param([answer(product(usd=None))], None, id="no-usd"),
        pytest.param([answer(product(usd="0.0000000000"))], None, id="zero-is-no-price"),
        pytest.param([answer(product(), product())], 0.128, id="same-price-twice"),
        pytest.param(
            [answer(product("0.5", usagetype="EU-Host-Other:ml.m5.large"), product())], 0.128, id="host-usage-type-wins"
        ),
        pytest.param(
            [answer(product("0.5", usagetype="EU-Host-Other:ml.m5.large"), product("0.6", usagetype="x"))],
            None,
            id="ambiguous-no-guess",
        ),
        pytest.param([answer(product("9.9", instance="ml.m5.xlarge"), product())], 0.128, id="other-type-ignored"),
        pytest.param([answer(product("9.9", region="us-east-1"), product())], 0.128, id="other-region-ignored"),
    ],
)
def test_price_list(stub: Stubber, pages: list[dict[str, Any]], expected: float | None) -> None:
    token = None
    for page in pages:
        stub.add_response("get_products", page, request(token))
        token = page.get("NextToken")
    assert prices.price_list_price(TYPE, REGION) == expected


@pytest.mark.parametrize(
    ("recommendations", "expected"),
    [
        (RECOMMENDATIONS, 0.125),  # the first of the type: 0.25 for 2 instances
        ([rec(1, TYPE, None), rec(2, TYPE, 0.3, count=None), rec(3, TYPE, 0.3, count=0), rec(4, TYPE, 0.2)], 0.2),
        ([rec(1, "ml.c5.large", 0.1)], None),
        ([], None),
        ([rec(1, TYPE, 0)], None),
    ],
)
def test_price_from_recommendations(recommendations: list[Recommendation], expected: float | None) -> None:
    assert prices.price_from_recommendations(TYPE, recommendations) == expected


def test_price_list_first(stub: Stubber) -> None:
    stub.add_response("get_products", answer(product()), request())
    assert prices.hourly_price(TYPE, REGION, RECOMMENDATIONS) == (0.128, "price-list")


def test_recommendation_when_the_list_has_none(stub: Stubber) -> None:
    stub.add_response("get_products", answer(), request())
    assert prices.hourly_price(TYPE, REGION, RECOMMENDATIONS) == (0.125, "recommendation")


def test_unknown_when_neither(stub: Stubber) -> None:
    stub.add_response("get_products", answer(), request())
    assert prices.hourly_price(TYPE, REGION) == (None, "unknown")


def test_refused_price_list_falls_back(stub: Stubber) -> None:
    stub.add_client_error("get_products", "AccessDeniedException", "not authorized", 400, expected_params=request())
    assert prices.hourly_price(TYPE, REGION, RECOMMENDATIONS) == (0.125, "recommendation")


def test_throttling_is_raised_for_the_retrier(stub: Stubber) -> None:
    stub.add_client_error("get_products", "ThrottlingException", "slow down", 400, expected_params=request())
    with pytest.raises(ClientError, match="ThrottlingException"):
        prices.hourly_price(TYPE, REGION, RECOMMENDATIONS)


def test_filters_name_the_hosting_product() -> None:
    assert prices.price_list_filters("ml.g5.xlarge", "ap-south-1") == [
        {"Type": "TERM_MATCH", "Field": "regionCode", "Value": "ap-south-1"},
        {"Type": "TERM_MATCH", "Field": "instanceName", "Value": "ml.g5.xlarge"},
        {"Type": "TERM_MATCH", "Field": "component", "Value": "Hosting"},
    ]
