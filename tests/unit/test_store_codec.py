"""DynamoDB attribute conversion: numbers stay numbers, NaN never reaches the table."""

from __future__ import annotations

from decimal import Decimal

import pytest

from recommender.adapters.store import from_item, to_attr, to_item


def test_round_trip_keeps_types() -> None:
    values = {
        "s": "x",
        "i": 3,
        "f": 7.456940238625975e-06,
        "b": True,
        "m": {"a": [1, 2.5, "z"], "skip": None},
        "l": [{"k": "v"}],
    }
    item = to_item(values)
    assert item["i"] == {"N": "3"}
    assert item["f"] == {"N": "7.456940238625975e-06"}
    assert "skip" not in item["m"]["M"]
    assert from_item(item) == {**values, "m": {"a": [1, 2.5, "z"]}}


def test_float_precision_survives() -> None:
    assert Decimal(to_attr(0.7360000014305115)["N"]) == Decimal("0.7360000014305115")


@pytest.mark.parametrize("bad", [float("nan"), float("inf")])
def test_nan_rejected(bad: float) -> None:
    with pytest.raises(ValueError, match="NaN"):
        to_attr(bad)
