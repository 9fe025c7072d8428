"""A fake AWS Price List Query API (`pricing:GetProducts`) for the offline world.

moto has no Price List service. `install(session)` answers `GetProducts` on every client the
session creates afterwards (the steps' own session, as the strict world hooks it), in the API's
exact shape: `FormatVersion` and `PriceList` entries that are JSON documents in strings, with the
product attributes and on-demand terms the real-time hosting products carry (`regionCode`,
`instanceName`, `component: Hosting`, usage type `<prefix>-Host:<instance type>`, an hourly USD
price dimension). Filters are applied as the API applies `TERM_MATCH`; pages of `MaxResults`
(default 100) with a `NextToken` offset.

The prices are those the fake Inference Recommender bills (`simulator.fake_recommender`), the
same in every region, and `FakePriceList.prices` can be changed by a test (a missing entry is a
product the API does not list).
"""

from __future__ import annotations

import hashlib
import json
from typing import Any

from botocore.awsrequest import AWSResponse, HTTPHeaders

from simulator.fake_recommender import instance_prices
from simulator.faults import FAULT_HEADER, _Raw

EVENT = "before-send.pricing.GetProducts"


class FakePriceList:
    """The products the fake API lists: (region, instance type) -> USD per hour."""

    def __init__(self, regions: tuple[str, ...] = ("us-east-1",)) -> None:
        self.prices: dict[tuple[str, str], float] = {
            (region, instance): price for region in regions for instance, price in instance_prices().items()
        }
        self.calls: list[dict[str, Any]] = []

    def install(self, session: Any) -> None:
        """Answer GetProducts for every client `session` creates from now on."""
        session.register(EVENT, self._answer, unique_id="offline-price-list")

    def products(self, filters: list[dict[str, str]]) -> list[str]:
        wanted = {f["Field"]: f["Value"] for f in filters if f.get("Type") == "TERM_MATCH"}
        entries = []
        for (region, instance), price in sorted(self.prices.items()):
            attributes = {
                "regionCode": region,
                "instanceName": instance,
                "component": "Hosting",
                "servicecode": "AmazonSageMaker",
                "usagetype": f"{_usage_prefix(region)}-Host:{instance}",
                "operation": "RunInstance",
            }
            if all(attributes.get(field) == value for field, value in wanted.items()):
                entries.append(json.dumps(_product(attributes, price)))
        return entries

    def _answer(self, request: Any, **_: Any) -> AWSResponse:
        params = json.loads(request.body or b"{}")
        self.calls.append(params)
        entries = self.products(params.get("Filters") or [])
        start = int(params.get("NextToken") or 0)
        end = start + int(params.get("MaxResults") or 100)
        body: dict[str, Any] = {"FormatVersion": "aws_v1", "PriceList": entries[start:end]}
        if end < len(entries):
            body["NextToken"] = str(end)
        request.headers[FAULT_HEADER] = "price-list"  # answered here: moto must not also see it
        headers = HTTPHeaders.from_dict({"Content-Type": "application/x-amz-json-1.1"})
        return AWSResponse(str(request.url), 200, headers, _Raw(json.dumps(body).encode()))


def _usage_prefix(region: str) -> str:
    return {"us-east-1": "USE1", "us-west-2": "USW2", "eu-west-1": "EU"}.get(region, region.upper())


def _product(attributes: dict[str, str], price: float) -> dict[str, Any]:
    digest = hashlib.sha256(f"{attributes['regionCode']}/{attributes['instanceName']}".encode()).hexdigest()
    sku = digest[:16].upper()
    return {
        "product": {"productFamily": "ML Instance", "attributes": attributes, "sku": sku},
        "serviceCode": "AmazonSageMaker",
        "terms": {
            "OnDemand": {
                f"{sku}.JRTCKXETXF": {
                    "priceDimensions": {
                        f"{sku}.JRTCKXETXF.6YS6EN2CT7": {
                            "unit": "Hrs",
                            "pricePerUnit": {"USD": f"{price:.10f}"},
                            "description": f"${price} per {attributes['instanceName']} hosting hour",
                        }
                    },
                    "sku": sku,
                    "termAttributes": {},
                }
            }
        },
    }
