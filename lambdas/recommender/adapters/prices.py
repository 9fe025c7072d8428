"""On-demand hourly price of a SageMaker real-time hosting instance (USD), for the run record's
`prices` (design.md, "Decision (round 2)").

Sources, in order (`hourly_price`):

1. The AWS Price List Query API, `pricing:GetProducts` (no resource-level permissions: granted on
   `*`). The API answers only in us-east-1, eu-central-1 and ap-south-1 (botocore's endpoint data
   for `api.pricing`), whatever the region of the endpoint being priced: the client is pinned to
   us-east-1 and the region goes into the filters. Filters (all `TERM_MATCH`):
   `regionCode` = the endpoint's region, `instanceName` = the instance type (`ml.m5.large`),
   `component` = `Hosting` (real-time inference; training, notebooks, processing and Studio are
   other components of the same instance names). Attribute names as used against the live API by
   awslabs/llmeter (`llmeter/callbacks/cost/providers/sagemaker.py`,
   `SageMakerRTEndpointCompute.fetch_sm_hosting_od_price`: `{"component": "Hosting",
   "instanceName": ...}` + `regionCode`, unit `Hrs`); SageMaker hosting products carry
   `productFamily` "ML Instance" and a usage type `<region prefix>-Host:<instance type>`
   (e.g. `USE1-Host:ml.m5.xlarge`, the usage type Cost Explorer bills real-time endpoints under).
   Each `PriceList` entry is a JSON document as a string; the price is
   `terms.OnDemand.*.priceDimensions.*.pricePerUnit.USD` of the dimension whose unit is `Hrs`.
   When several products match with different prices, the one whose usage type ends with
   `Host:<instance type>` wins; still ambiguous, no price (never a guess).
2. A recommendation of the same instance type: its CostPerHour / InitialInstanceCount (the
   service's own price for the benchmarked configuration).
3. Otherwise None, source "unknown".

No caching here (the caller caches in the table).
"""

from __future__ import annotations

import json
import math
from collections.abc import Iterable, Iterator, Mapping
from typing import Any, Literal, Protocol

from botocore.exceptions import ClientError

from recommender.adapters.aws import client, is_transient

PRICING_REGION = "us-east-1"
# The regions the Price List Query API has endpoints in (botocore endpoints.json, `api.pricing`).
PRICING_API_REGIONS = ("us-east-1", "eu-central-1", "ap-south-1")
SERVICE_CODE = "AmazonSageMaker"
HOSTING_COMPONENT = "Hosting"
HOURLY_UNIT = "hrs"
PriceSource = Literal["price-list", "recommendation", "unknown"]


class PricedRecommendation(Protocol):
    """What the fallback reads of a recommendation (`recommender.models.Recommendation` fits)."""

    @property
    def instance_type(self) -> str | None: ...

    @property
    def instance_count(self) -> int | None: ...

    @property
    def cost_per_hour(self) -> float | None: ...


def pricing_client() -> Any:
    """The Price List client, in us-east-1, cached like every other client of the steps
    (`recommender.adapters.aws.client`: the project's session, its time guard and hooks)."""
    return client("pricing", PRICING_REGION)


def price_list_filters(instance_type: str, region: str) -> list[dict[str, str]]:
    """GetProducts filters for the real-time hosting product of `instance_type` in `region`."""
    return [
        {"Type": "TERM_MATCH", "Field": "regionCode", "Value": region},
        {"Type": "TERM_MATCH", "Field": "instanceName", "Value": instance_type},
        {"Type": "TERM_MATCH", "Field": "component", "Value": HOSTING_COMPONENT},
    ]


def _products(instance_type: str, region: str) -> Iterator[Mapping[str, Any]]:
    token: str | None = None
    while True:
        page = pricing_client().get_products(
            ServiceCode=SERVICE_CODE,
            Filters=price_list_filters(instance_type, region),
            FormatVersion="aws_v1",
            **({"NextToken": token} if token else {}),
        )
        for entry in page.get("PriceList") or []:
            product = json.loads(entry) if isinstance(entry, str) else entry
            if isinstance(product, Mapping):
                yield product
        token = page.get("NextToken")
        if not token:
            return


def _hourly_usd(product: Mapping[str, Any]) -> set[float]:
    """The on-demand USD prices per hour of one product (usually exactly one)."""
    found = set()
    for term in ((product.get("terms") or {}).get("OnDemand") or {}).values():
        for dimension in (term.get("priceDimensions") or {}).values():
            if str(dimension.get("unit", "")).lower() != HOURLY_UNIT:
                continue
            try:
                price = float((dimension.get("pricePerUnit") or {})["USD"])
            except (KeyError, TypeError, ValueError):
                continue
            if math.isfinite(price) and price > 0:
                found.add(price)
    return found


def price_list_price(instance_type: str, region: str) -> float | None:
    """The on-demand hourly USD price of one `instance_type` real-time hosting instance in
    `region` from the Price List API; None when no product (or no unambiguous price) matches."""
    every: set[float] = set()
    hosting: set[float] = set()
    for product in _products(instance_type, region):
        attributes = (product.get("product") or {}).get("attributes") or {}
        if attributes.get("instanceName", instance_type) != instance_type:
            continue
        if attributes.get("regionCode", region) != region:
            continue
        prices = _hourly_usd(product)
        every |= prices
        if str(attributes.get("usagetype", "")).endswith(f"Host:{instance_type}"):
            hosting |= prices
    for candidates in (every, hosting):
        if len(candidates) == 1:
            return next(iter(candidates))
    return None


def price_from_recommendations(instance_type: str, recommendations: Iterable[PricedRecommendation]) -> float | None:
    """A recommendation of the same instance type: its CostPerHour / InitialInstanceCount (the
    first with both known, count >= 1); None when there is none."""
    for recommendation in recommendations:
        if recommendation.instance_type != instance_type:
            continue
        cost, count = recommendation.cost_per_hour, recommendation.instance_count
        if cost is None or not math.isfinite(cost) or cost <= 0 or count is None or count < 1:
            continue
        return float(cost) / count
    return None


def hourly_price(
    instance_type: str, region: str, recommendations: Iterable[PricedRecommendation] = ()
) -> tuple[float | None, PriceSource]:
    """The on-demand hourly USD price of one instance and where it came from: the Price List
    API first, then a recommendation of the same type, else (None, "unknown").

    A Price List error that retrying cannot fix (access denied, validation) falls back to the
    recommendations; a transient one (throttling, 5xx, network) is raised for the state machine's
    retrier, like every other call of the steps.
    """
    try:
        listed = price_list_price(instance_type, region)
    except ClientError as exc:
        if is_transient(exc):
            raise
        listed = None
    if listed is not None:
        return listed, "price-list"
    fallback = price_from_recommendations(instance_type, recommendations)
    if fallback is not None:
        return fallback, "recommendation"
    return None, "unknown"
