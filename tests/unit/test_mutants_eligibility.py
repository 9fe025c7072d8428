"""The target endpoint's rules (recommender.logic.eligibility.target_violations), message by message,
where mutation testing found them pinned by their beginnings only (make mutation, issue 11)."""

from __future__ import annotations

import pytest

from recommender.logic.eligibility import ServingFacts, target_violations

MODEL = ("image|s3://models/a.tar.gz",)
STAGING = ServingFacts(name="staging", exists=True, variants=[("AllTraffic", "ml.m5.xlarge", 1, MODEL)])


def serving(*variants: tuple[str, str | None, int | None, tuple[str, ...] | None]) -> ServingFacts:
    return ServingFacts(name="prod", exists=True, variants=list(variants))


@pytest.mark.parametrize(
    ("target", "violation"),
    [
        (
            ServingFacts(name="prod", exists=False, variants=[]),
            "targetEndpointName: endpoint 'prod' does not exist in this account and region",
        ),
        (
            serving(("A", "ml.c5.xlarge", 1, MODEL), ("B", "ml.c5.xlarge", 1, MODEL)),
            "targetEndpointName: endpoint 'prod' has 2 production variants; the verdict sizes exactly one",
        ),
        (
            serving(("AllTraffic", "ml.c5.xlarge", 1, None)),
            "targetEndpointName: endpoint 'prod': the model of its variant no longer exists",
        ),
        (
            serving(("AllTraffic", "ml.c5.xlarge", 1, ("image|s3://models/b.tar.gz",))),
            "targetEndpointName: endpoint 'prod' serves another model than endpoint 'staging' (container image, "
            "model data or model package differ): the benchmark says nothing about it",
        ),
    ],
    ids=["missing", "two-variants", "model-gone", "another-model"],
)
def test_each_message_whole(target: ServingFacts, violation: str) -> None:
    assert target_violations(STAGING, target) == [violation]
