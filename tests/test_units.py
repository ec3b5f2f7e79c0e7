"""utils.units: recognising printed units and converting to standard units."""

import pytest

from utils import units


@pytest.mark.parametrize(
    ("value", "unit", "analyte", "expected"),
    [
        (4100, "/μl", "wbc", 4.1),          # Greek mu, as in the akagi2021 text
        (4100, "/µL", "wbc", 4.1),          # micro sign
        (92000, "/uL", "platelets", 92.0),
        (5900, "/mm3", "platelets", 5.9),
        (92, "× 10^9/L", "platelets", 92.0),
        (92, "x10^9/l", "platelets", 92.0),
        (150, "10^3/μL", "platelets", 150.0),
        (68, "g/L", "hemoglobin", 6.8),
        (6.8, "g/dl", "hemoglobin", 6.8),
        (254, "U/l", "ldh", 254.0),
        (27.8, "ng/ml", "cea", 27.8),
        (27.8, "μg/L", "cea", 27.8),
        (70.5, "U/ml", "ca15_3", 70.5),
        (35, "kU/L", "ca125", 35.0),
    ],
)
def test_to_standard_converts(value, unit, analyte, expected):
    converted, unit_std = units.to_standard(value, unit, analyte)
    assert converted == expected
    assert unit_std == units.STANDARD_UNITS[analyte]


def test_unknown_unit_is_named():
    with pytest.raises(units.UnitError, match=r"unknown unit 'mg/furlong'"):
        units.to_standard(1, "mg/furlong", "hemoglobin")


def test_unit_that_does_not_fit_the_analyte():
    with pytest.raises(units.UnitError, match=r"'/μl' measures 10\^9/L, which does not fit hemoglobin"):
        units.to_standard(6.8, "/μl", "hemoglobin")


def test_unknown_analyte():
    with pytest.raises(units.UnitError, match=r"unknown analyte 'ferritin'"):
        units.standard_unit("ferritin")


def test_every_analyte_has_a_possible_range_and_a_standard_unit_with_a_conversion():
    assert set(units.POSSIBLE_RANGE) == set(units.STANDARD_UNITS)
    reachable = {std for std, _ in units.CONVERSIONS.values()}
    assert set(units.STANDARD_UNITS.values()) <= reachable


@pytest.mark.parametrize(("value", "possible"), [(0.0, True), (25.0, True), (25.1, False), (-0.1, False), (68.0, False)])
def test_possible_range_of_hemoglobin(value, possible):
    assert units.is_possible(value, "hemoglobin") is possible


def test_agrees_tolerates_only_rounding_error():
    assert units.agrees(4.1, 4100 * 1e-3)
    assert not units.agrees(4.1, 4.2)


def test_capital_g_per_litre_is_a_cell_count_and_small_g_is_grams():
    """European reports print counts in G/L (giga per litre); g/L is grams per litre (haemoglobin)."""
    assert units.to_standard(150, "G/L", "platelets") == (150.0, "10^9/L")
    assert units.to_standard(3.2, "Gpt/l", "wbc") == (3.2, "10^9/L")
    assert units.to_standard(98, "g/L", "hemoglobin") == (9.8, "g/dL")
    with pytest.raises(units.UnitError, match=r"written G/L, with a capital G"):
        units.to_standard(150, "g/L", "platelets")
    with pytest.raises(units.UnitError, match="does not fit hemoglobin"):
        units.to_standard(98, "G/L", "hemoglobin")
