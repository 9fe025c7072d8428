"""The offline Price List API: GetProducts in the API's shape, TERM_MATCH filters, pages, and only
for clients of the session it is installed on."""

from __future__ import annotations

import json
from collections.abc import Iterator
from typing import Any

import botocore.session
import pytest
from moto import mock_aws

from simulator.fake_pricing import FakePriceList


@pytest.fixture
def session(monkeypatch: pytest.MonkeyPatch) -> Iterator[Any]:
    for key, value in {
        "AWS_ACCESS_KEY_ID": "x",
        "AWS_SECRET_ACCESS_KEY": "x",
        "AWS_DEFAULT_REGION": "us-east-1",
    }.items():
        monkeypatch.setenv(key, value)
    with mock_aws():
        yield botocore.session.get_session()


def hosting(region: str, instance: str) -> list[dict[str, str]]:
    return [
        {"Type": "TERM_MATCH", "Field": "regionCode", "Value": region},
        {"Type": "TERM_MATCH", "Field": "instanceName", "Value": instance},
        {"Type": "TERM_MATCH", "Field": "component", "Value": "Hosting"},
    ]


def test_one_hosting_product_per_region_and_instance(session: Any) -> None:
    fake = FakePriceList(regions=("us-east-1", "eu-west-1"))
    fake.install(session)
    client = session.create_client("pricing", region_name="us-east-1")
    answer = client.get_products(ServiceCode="AmazonSageMaker", Filters=hosting("eu-west-1", "ml.m5.xlarge"))
    [entry] = answer["PriceList"]
    document = json.loads(entry)  # a JSON document in a string, as the API returns it
    assert document["product"]["attributes"]["usagetype"] == "EU-Host:ml.m5.xlarge"
    [term] = document["terms"]["OnDemand"].values()
    [dimension] = term["priceDimensions"].values()
    assert (dimension["unit"], dimension["pricePerUnit"]["USD"]) == ("Hrs", "0.2300000000")
    assert answer["FormatVersion"] == "aws_v1"
    assert fake.calls[-1]["ServiceCode"] == "AmazonSageMaker"


def test_unlisted_products_and_pages(session: Any) -> None:
    fake = FakePriceList()
    fake.install(session)
    client = session.create_client("pricing", region_name="us-east-1")
    assert (
        client.get_products(ServiceCode="AmazonSageMaker", Filters=hosting("us-east-1", "ml.p5.48xlarge"))["PriceList"]
        == []
    )
    every = [{"Type": "TERM_MATCH", "Field": "regionCode", "Value": "us-east-1"}]
    first = client.get_products(ServiceCode="AmazonSageMaker", Filters=every, MaxResults=2)
    assert len(first["PriceList"]) == 2
    rest = client.get_products(
        ServiceCode="AmazonSageMaker", Filters=every, MaxResults=100, NextToken=first["NextToken"]
    )
    assert "NextToken" not in rest
    assert len(first["PriceList"]) + len(rest["PriceList"]) == len(fake.prices)


def test_the_project_adapter_reads_it(session: Any, monkeypatch: pytest.MonkeyPatch) -> None:
    from recommender.adapters import aws, prices

    aws.client.cache_clear()
    monkeypatch.setattr(aws, "session", lambda: session)
    fake = FakePriceList()
    fake.install(session)
    fake.prices[("us-east-1", "ml.c5.xlarge")] = 0.25
    try:
        assert prices.hourly_price("ml.c5.xlarge", "us-east-1") == (0.25, "price-list")
        assert prices.hourly_price("ml.c5.xlarge", "eu-west-1") == (None, "unknown")
    finally:
        aws.client.cache_clear()
