"""utils.dosing for any case: every printed unit (mg/m2, mg, mg/kg, carboplatin AUC), loading doses,
one case's doses in absolute terms, and each case's own stated weight and height.

Expected values are worked by hand from synthetic rows, or read from casedata (never typed patient values).
"""

import math

import matplotlib
import pandas as pd
import pytest

from tests.fixture_data import FIXTURE_CASE, merged, published  # noqa: F401 (shared fixtures)
from utils import casedata, dosing, vocabulary

matplotlib.use("Agg")


@pytest.fixture(scope="module")
def data(published):
    return published


@pytest.fixture(scope="module")
def three_cases(merged):
    """casedata/ with the fictional fixture case appended (the session's shared copy, its verdict cached in a temporary folder)."""
    return merged


# The units come from the data package -----------------------------------------------------------
def test_dose_units_are_the_enum_of_the_data_package():
    assert dosing.DOSE_UNITS == dosing.dose_units() == vocabulary.allowed("doses", "dose_unit")
    from utils.dosing import DOSE_UNITS

    assert DOSE_UNITS == dosing.DOSE_UNITS
    with pytest.raises(AttributeError, match="has no attribute 'DOSE_UNIT'"):
        dosing.DOSE_UNIT
    for unit in (dosing.PER_M2, dosing.PER_KG, dosing.FLAT, dosing.AUC):
        assert unit in dosing.DOSE_UNITS


def test_a_unit_added_to_the_enum_without_a_conversion_says_so(monkeypatch):
    monkeypatch.setattr(dosing, "dose_units", lambda: (*vocabulary.allowed("doses", "dose_unit"), "mg/day"))
    with pytest.raises(dosing.DoseError, match="no conversion to mg is known for the dose unit 'mg/day'"):
        dosing.dose_mg(10, unit="mg/day")
    with pytest.raises(dosing.DoseError, match="unknown dose unit 'mcg'"):
        dosing.dose_mg(10, unit="mcg")


# mg/kg ------------------------------------------------------------------------------------------
def test_weight_based_dose_by_hand():
    assert dosing.dose_mg(6, unit="mg/kg", weight_kg=60) == pytest.approx(360)
    assert dosing.dose_mg(5.4, unit="mg/kg", weight_kg=50.5) == pytest.approx(272.7)


@pytest.mark.parametrize("weight", [20, 300, 20.0])
def test_weight_based_dose_takes_the_ends_of_the_adult_range(weight):
    assert dosing.dose_mg(2, unit="mg/kg", weight_kg=weight) == pytest.approx(2 * weight)


@pytest.mark.parametrize("weight, message", [
    (19.9, "weight 19.9 kg is outside the adult range 20 to 300 kg"),
    (300.5, "weight 300.5 kg is outside the adult range"),
    (-60, "weight -60 kg is outside"),
    ("60", "weight '60' kg is outside"),
])
def test_weight_based_dose_refuses_impossible_weights(weight, message):
    with pytest.raises(dosing.DoseError, match=message):
        dosing.dose_mg(6, unit="mg/kg", weight_kg=weight)


@pytest.mark.parametrize("kwargs, message", [
    ({"unit": "mg/kg"}, r"a dose in mg/kg needs the body weight \(weight_kg\)"),
    ({"unit": "mg/m2"}, r"a dose in mg/m2 needs the body-surface area \(bsa_m2\)"),
    ({"unit": "AUC"}, r"needs a GFR \(or creatinine clearance\)"),
    ({"unit": "mg/kg", "weight_kg": float("nan")}, "needs the body weight"),
])
def test_a_missing_measure_is_named(kwargs, message):
    with pytest.raises(dosing.DoseError, match=message):
        dosing.dose_mg(6, **kwargs)


def test_the_old_per_m2_call_and_a_flat_dose_are_unchanged():
    assert dosing.dose_mg(80, 1.6) == pytest.approx(128)
    assert dosing.dose_mg(120, unit="mg") == 120.0
    assert dosing.dose_mg(120, 1.6, unit="mg", weight_kg=60) == 120.0  # a flat dose ignores the body


# Carboplatin by AUC (Calvert) -------------------------------------------------------------------
def test_calvert_by_hand():
    assert dosing.calvert_dose(5, 90).mg == pytest.approx(5 * (90 + 25))
    assert dosing.calvert_dose(2, 40).mg == pytest.approx(130)
    assert dosing.calvert_dose(5, 0).mg == pytest.approx(125)  # non-renal clearance only
    assert dosing.dose_mg(6, unit="AUC", gfr_ml_min=100) == pytest.approx(750)


@pytest.mark.parametrize("gfr, used, capped", [
    (124.9, 124.9, False),
    (125, 125, False),
    (125.1, 125, True),
    (200, 125, True),
])
def test_the_gfr_is_capped_at_125(gfr, used, capped):
    dose = dosing.calvert_dose(6, gfr)
    assert dose.gfr_used_ml_min == pytest.approx(used)
    assert dose.capped is capped
    assert dose.mg == pytest.approx(6 * (used + 25))
    assert dose.mg <= 6 * 150  # the maximum: target AUC x 150 mg


def test_the_cap_can_be_lifted_for_a_measured_gfr():
    assert dosing.calvert_dose(6, 200, cap_gfr=False).mg == pytest.approx(6 * 225)
    assert dosing.dose_mg(6, unit="AUC", gfr_ml_min=200, cap_gfr=False) == pytest.approx(6 * 225)


@pytest.mark.parametrize("auc, gfr, message", [
    (5, None, r"needs a GFR \(or creatinine clearance\) in mL/min; none was given"),
    (5, float("nan"), r"needs a GFR \(or creatinine clearance\)"),
    (5, pd.NA, r"needs a GFR \(or creatinine clearance\)"),
    (5, -1, "GFR must be a number of 0 mL/min or more, got -1"),
    (5, "90", "GFR must be a number of 0 mL/min or more, got '90'"),
    (5, float("inf"), "GFR must be a number of 0 mL/min or more"),
    (0, 90, "target AUC must be a positive number, got 0"),
    (-2, 90, "target AUC must be a positive number"),
])
def test_calvert_refuses_what_it_cannot_use(auc, gfr, message):
    with pytest.raises(dosing.DoseError, match=message):
        dosing.calvert_dose(auc, gfr)


# Loading doses ----------------------------------------------------------------------------------
def test_a_loading_dose_is_the_first_administration_only():
    assert dosing.administration_doses(6, 4, loading_dose=8) == pytest.approx([8, 6, 6, 6])
    assert dosing.administration_doses(6, 1, loading_dose=8) == pytest.approx([8])
    assert dosing.administration_doses(6, 0, loading_dose=8) == []
    assert dosing.cumulative_dose(6, 4, loading_dose=8) == pytest.approx(26)
    assert dosing.cumulative_by_administration(6, 3, loading_dose=8) == pytest.approx([8, 14, 20])


def test_the_stated_reduction_applies_to_the_loading_dose_too():
    # 10 % off every administration: 7.2 + 5.4 + 5.4
    assert dosing.cumulative_dose(6, 3, reduction_percent=10, loading_dose=8) == pytest.approx(18)


@pytest.mark.parametrize("loading", [None, float("nan"), pd.NA])
def test_a_blank_loading_dose_changes_nothing(loading):
    assert dosing.cumulative_dose(50, 6, 10, loading) == pytest.approx(dosing.cumulative_dose(50, 6, 10))


@pytest.mark.parametrize("loading", [0, -8, "8"])
def test_an_impossible_loading_dose_is_refused(loading):
    with pytest.raises(dosing.DoseError, match="loading_dose must be a positive number"):
        dosing.cumulative_dose(6, 3, loading_dose=loading)


def test_whole_numbers_of_any_integer_type_count_administrations():
    import numpy as np

    assert dosing.cumulative_dose(10, np.int64(3)) == pytest.approx(30)
    with pytest.raises(dosing.DoseError, match="administrations must be a whole number"):
        dosing.cumulative_dose(10, True)


def synthetic_doses():
    """One line with a loading dose in mg/kg, an AUC, a flat dose with a loading dose, a reduced dose per m2."""
    return pd.DataFrame({
        "case_id": ["x"] * 4 + ["y"],
        "therapy_id": ["XX-T02", "XX-T01", "XX-T02", "XX-T01", "YY-T01"],
        "agent": ["drug_kg", "drug_auc", "drug_flat", "drug_m2", "other"],
        "dose": [6.0, 5.0, 420.0, 100.0, 1.0],
        "loading_dose": [8.0, None, 840.0, None, None],
        "dose_unit": ["mg/kg", "AUC", "mg", "mg/m2", "mg"],
        "administrations_per_cycle": [1, 1, 1, 3, 1],
        "cycle_days": [21, 21, 21, 21, 7],
        "reduction_percent": [None, None, None, 20.0, None],
        "printed": ["kg as printed", "auc as printed", "flat as printed", "m2 as printed", "y"],
    })


def synthetic_lines():
    return pd.DataFrame({"case_id": ["x", "x", "y"], "therapy_id": ["XX-T01", "XX-T02", "YY-T01"], "cycles": [4, None, 1]})


def test_cumulative_for_a_line_counts_the_printed_loading_dose():
    doses, lines = synthetic_doses(), synthetic_lines()
    assert dosing.cumulative_for_line(doses, lines, "XX-T02", "drug_kg", cycles=3) == pytest.approx(8 + 6 + 6)
    # a dose without a loading dose: as before, dose x reduction x administrations
    assert dosing.cumulative_for_line(doses, lines, "XX-T01", "drug_m2") == pytest.approx(100 * 0.8 * 3 * 4)


def test_cumulative_for_a_published_line_is_unchanged_by_the_loading_column(data):
    row = data.doses[data.doses["dose_unit"] == "mg/m2"].iloc[0]
    assert pd.isna(row["loading_dose"])
    without = data.doses.drop(columns=["loading_dose"])
    assert dosing.cumulative_for_line(data.doses, data.therapy_lines, row["therapy_id"], row["agent"], cycles=3) == \
        pytest.approx(dosing.cumulative_for_line(without, data.therapy_lines, row["therapy_id"], row["agent"], cycles=3))


def test_printed_doses_in_every_unit_are_accepted():
    doses = synthetic_doses()
    for _, row in doses.iterrows():
        assert dosing.printed_dose(doses, row["therapy_id"], row["agent"])["dose_unit"] == row["dose_unit"]


# One case's doses in absolute terms --------------------------------------------------------------
def table_of(**kwargs):
    table = dosing.case_dose_table(synthetic_doses(), synthetic_lines(), "x", **kwargs)
    return table.set_index("agent")


def test_case_dose_table_has_the_stated_columns_in_line_order():
    table = dosing.case_dose_table(synthetic_doses(), synthetic_lines(), "x")
    assert tuple(table.columns) == dosing.CASE_DOSE_COLUMNS
    assert list(table["therapy_id"]) == ["XX-T01", "XX-T01", "XX-T02", "XX-T02"]  # therapy_lines order, then doses order
    assert list(table["agent"]) == ["drug_auc", "drug_m2", "drug_kg", "drug_flat"]
    assert list(table["as printed"]) == ["auc as printed", "m2 as printed", "kg as printed", "flat as printed"]
    assert list(table["unit"]) == [vocabulary.label("dose_unit", u) for u in ("AUC", "mg/m2", "mg/kg", "mg")]


def test_case_dose_table_by_hand_with_every_measure():
    # 180 cm and 80 kg: Mosteller BSA 2.0 m2; GFR 100 mL/min
    table = table_of(weight_kg=80, height_cm=180, gfr_ml_min=100)
    kg, auc, flat, m2 = (table.loc[a] for a in ("drug_kg", "drug_auc", "drug_flat", "drug_m2"))
    assert kg["loading dose"] == 8 and kg["loading dose (mg)"] == pytest.approx(640)
    assert kg["mg per administration"] == pytest.approx(480)
    assert kg["mg per kg"] == pytest.approx(6)
    assert math.isnan(kg["mg per m2"])  # a dose per kg has no per-m2 reading
    assert kg["mg per week"] == pytest.approx(480 / 3, abs=0.01)
    assert auc["mg per administration"] == pytest.approx(5 * 125) and math.isnan(auc["mg per m2"])
    assert "Calvert, GFR 100 mL/min" in auc["note"] and "capped" not in auc["note"]
    assert flat["loading dose (mg)"] == pytest.approx(840)
    # mg per kg only for a dose printed per kg; a flat dose per m2 only as labelled arithmetic
    assert math.isnan(flat["mg per kg"]) and math.isnan(m2["mg per kg"]) and math.isnan(auc["mg per kg"])
    assert flat["mg per m2"] == pytest.approx(210) and "arithmetic only" in flat["note"]
    assert "arithmetic only" not in m2["note"] and "arithmetic only" not in kg["note"]
    assert set(table["weight used (kg, day stated)"]) == {"80 (given)"}
    assert m2["reduction (%)"] == 20 and m2["mg per administration"] == pytest.approx(160)  # 100 x 0.8 x 2.0
    assert m2["mg per m2"] == pytest.approx(80) and m2["mg per week"] == pytest.approx(160 * 3 / 3)
    assert "after the stated 20 % reduction" in m2["note"]
    assert not table["note"].str.contains("left blank").any()


def test_case_dose_table_notes_a_capped_gfr():
    auc = table_of(gfr_ml_min=160).loc["drug_auc"]
    assert auc["mg per administration"] == pytest.approx(5 * 150)
    assert "GFR 160 mL/min capped at 125" in auc["note"]


def test_missing_body_data_leaves_blanks_with_reasons_never_an_exception():
    table = table_of()
    kg, auc, flat, m2 = (table.loc[a] for a in ("drug_kg", "drug_auc", "drug_flat", "drug_m2"))
    assert math.isnan(kg["mg per administration"]) and math.isnan(kg["loading dose (mg)"])
    assert kg["mg per kg"] == 6  # a dose per kg still reads per kg
    assert "no body weight: mg per administration, loading dose (mg), mg per week left blank" in kg["note"]
    assert (table["weight used (kg, day stated)"] == "").all()
    assert math.isnan(auc["mg per administration"]) and "no GFR (or creatinine clearance)" in auc["note"]
    assert flat["mg per administration"] == 420 and math.isnan(flat["mg per m2"]) and math.isnan(flat["mg per kg"])
    assert flat["mg per week"] == pytest.approx(140)  # a flat dose needs no body data
    assert m2["mg per m2"] == pytest.approx(80)  # a dose per m2 still reads per m2, after the reduction
    assert "no height and weight for a BSA" in m2["note"]


def test_a_weight_without_a_height_gives_what_a_weight_allows():
    table = table_of(weight_kg=60)
    assert table.loc["drug_kg", "mg per administration"] == pytest.approx(360)
    assert math.isnan(table.loc["drug_kg", "mg per m2"])
    assert math.isnan(table.loc["drug_flat", "mg per m2"]) and "no height for a BSA: mg per m2 left blank" in table.loc["drug_flat", "note"]
    assert math.isnan(table.loc["drug_m2", "mg per administration"]) and "no height for a BSA" in table.loc["drug_m2", "note"]


def test_a_case_with_no_doses_gives_an_empty_table_with_the_columns():
    for case in ("nobody", "z"):
        table = dosing.case_dose_table(synthetic_doses(), synthetic_lines(), case, weight_kg=60)
        assert table.empty and tuple(table.columns) == dosing.CASE_DOSE_COLUMNS


@pytest.mark.parametrize("kwargs, message", [
    ({"weight_kg": 0}, "weight 0 kg is outside the adult range"),
    ({"height_cm": 80}, "height 80 cm is outside the adult range"),
    ({"gfr_ml_min": -5}, "GFR must be a number of 0 mL/min or more"),
    ({"bsa_formula": "Haycock"}, "unknown BSA formula 'Haycock'"),
])
def test_impossible_measures_are_refused_not_blanked(kwargs, message):
    with pytest.raises(dosing.DoseError, match=message):
        dosing.case_dose_table(synthetic_doses(), synthetic_lines(), "x", **kwargs)


def test_a_dose_of_a_line_the_case_does_not_have_is_named():
    lines = synthetic_lines()[lambda t: t["therapy_id"] != "XX-T02"]
    with pytest.raises(dosing.DoseError, match="doses of x name therapy lines that therapy_lines does not give for x: XX-T02"):
        dosing.case_dose_table(synthetic_doses(), lines, "x")
    with pytest.raises(dosing.DoseError, match="doses has no column dose_unit"):
        dosing.case_dose_table(synthetic_doses().drop(columns=["dose_unit"]), synthetic_lines(), "x")


def test_case_dose_table_on_every_published_case(data):
    lines = data.therapy_lines.set_index("therapy_id")
    for case_id in data.cases["case_id"]:
        own = data.doses[data.doses["case_id"] == case_id]
        table = dosing.case_dose_table(data.doses, data.therapy_lines, case_id, observations=data.observations)
        assert len(table) == len(own)
        assert sorted(table["agent"]) == sorted(own["agent"])
        for _, row in table.iterrows():
            printed = own[own["agent"] == row["agent"]].iloc[0]
            if printed["dose_unit"] != "mg/kg":
                assert math.isnan(row["mg per kg"])
            # each line at the weight stated on or before its own start, never a later one
            weight = dosing.body_weight(data.observations, case_id, day=int(lines.at[row["therapy_id"], "start_day"]))
            if weight is None:
                assert row["weight used (kg, day stated)"] == ""
            else:
                assert row["weight used (kg, day stated)"].startswith(f"{weight.kg:g} (day {weight.day}")
                assert weight.day <= lines.at[row["therapy_id"], "start_day"]


# Each line at the weight stated by its start -----------------------------------------------------
def losing_weight():
    """Case x states 70 kg on day 0 (approximate), 52 kg on day 200 and a height of 160 cm on day 0."""
    return pd.DataFrame({
        "case_id": ["x", "x", "x", "y"], "day": [0, 200, 0, 0],
        "day_precision": ["approximate", "approximate", "exact", "exact"],
        "quantity": ["body_weight", "body_weight", "body_height", "body_weight"],
        "value": [70.0, 52.0, 160.0, 99.0], "unit": ["kg", "kg", "cm", "kg"], "source_locator": ["w0", "w200", "h0", "y"],
    })


def lines_starting(starts):
    lines = synthetic_lines()
    return lines.assign(start_day=[starts["XX-T01"], starts["XX-T02"], 0])


def test_each_line_uses_the_weight_stated_by_its_own_start():
    table = dosing.case_dose_table(synthetic_doses(), lines_starting({"XX-T01": 120, "XX-T02": 300}), "x",
                                   observations=losing_weight()).set_index("agent")
    # XX-T01 starts on day 120: 70 kg (day 0) is the last stated by then, and the note names the later 52 kg
    assert table.at["drug_m2", "weight used (kg, day stated)"] == "70 (day 0, approximate)"
    bsa_70 = dosing.bsa_mosteller(160, 70)
    assert table.at["drug_m2", "mg per administration"] == pytest.approx(80 * bsa_70, abs=0.01)
    assert ("weight at this line's start (day 120) not stated; 70 kg on day 0 (approximate) -> 52 kg by day 200 (approximate)"
            in table.at["drug_m2", "note"])
    # XX-T02 starts on day 300: the 52 kg stated on day 200, and no later weight to warn about
    assert table.at["drug_kg", "weight used (kg, day stated)"] == "52 (day 200, approximate)"
    assert table.at["drug_kg", "mg per administration"] == pytest.approx(6 * 52)
    assert table.at["drug_kg", "loading dose (mg)"] == pytest.approx(8 * 52)
    assert "->" not in table.at["drug_kg", "note"]


def test_a_line_starting_on_the_day_of_a_weight_still_names_a_later_different_one():
    table = dosing.case_dose_table(synthetic_doses(), lines_starting({"XX-T01": 0, "XX-T02": 0}), "x",
                                   observations=losing_weight()).set_index("agent")
    assert "weight stated at this line's start, 70 kg on day 0 (approximate) -> 52 kg by day 200 (approximate)" in table.at["drug_kg", "note"]


def test_a_line_before_every_stated_weight_is_left_blank_never_given_a_later_weight():
    table = dosing.case_dose_table(synthetic_doses(), lines_starting({"XX-T01": -400, "XX-T02": 10}), "x",
                                   observations=losing_weight()).set_index("agent")
    m2 = table.loc["drug_m2"]
    assert m2["weight used (kg, day stated)"] == "" and math.isnan(m2["mg per administration"])
    assert "no body weight of x is stated on or before day -400; the first is 70 kg, stated for day 0 (approximate)" in m2["note"]
    assert "no height and weight for a BSA: mg per administration, mg per week left blank" in m2["note"]
    assert table.at["drug_kg", "mg per administration"] == pytest.approx(6 * 70)  # the later line has its weight


def test_a_weight_given_overrides_the_stated_ones_for_every_line():
    table = dosing.case_dose_table(synthetic_doses(), lines_starting({"XX-T01": 120, "XX-T02": 300}), "x",
                                   weight_kg=75, observations=losing_weight())
    assert set(table["weight used (kg, day stated)"]) == {"75 (given)"}
    assert not table["note"].str.contains("->").any()


def test_why_not_stated_names_the_first_later_weight_or_its_absence():
    obs = losing_weight()
    assert dosing.why_not_stated(obs, "x", day=-5) == "no body weight of x is stated on or before day -5; the first is 70 kg, stated for day 0 (approximate)"
    assert dosing.why_not_stated(obs, "x", day=0) == "" and dosing.why_not_stated(obs, "x") == ""
    assert dosing.why_not_stated(obs, "z") == "the report of z states no body weight"
    assert dosing.why_not_stated(obs, "x", day=-1, quantity=dosing.BODY_HEIGHT).startswith("no body height of x")
    with pytest.raises(dosing.DoseError, match="unknown body measure 'heart_rate'"):
        dosing.why_not_stated(obs, "x", quantity="heart_rate")


def test_per_m2_standards_find_a_drug_by_its_name_or_form(data):
    assert not dosing.per_m2_standards(data.dose_references, "paclitaxel").empty
    eribulin = dosing.per_m2_standards(data.dose_references, "eribulin")
    assert len(eribulin) == 2 and eribulin["agent"].str.startswith("eribulin ").all()
    assert dosing.per_m2_standards(data.dose_references, "pertuzumab").empty
    assert dosing.per_m2_standards(data.dose_references, "erib").empty  # a prefix of a word is not the drug


def test_case_dose_table_on_the_fictional_third_case(three_cases):
    weight = dosing.body_weight(three_cases.observations, FIXTURE_CASE)
    height = dosing.body_height(three_cases.observations, FIXTURE_CASE)
    assert weight is not None and height is not None
    table = dosing.case_dose_table(three_cases.doses, three_cases.therapy_lines, FIXTURE_CASE,
                                   weight_kg=weight.kg, height_cm=height.cm)
    own = three_cases.doses[three_cases.doses["case_id"] == FIXTURE_CASE]
    assert len(table) == len(own) and len(own) > 0
    for _, printed in own.iterrows():
        row = table[(table["therapy_id"] == printed["therapy_id"]) & (table["agent"] == printed["agent"])].iloc[0]
        unit = printed["dose_unit"]
        if unit == "AUC":
            assert math.isnan(row["mg per administration"]) and "GFR" in row["note"]
            continue
        reduction = 0 if pd.isna(printed["reduction_percent"]) else printed["reduction_percent"]
        given = printed["dose"] * (1 - reduction / 100)
        bsa = dosing.bsa_mosteller(height.cm, weight.kg)
        expected = {"mg": given, "mg/kg": given * weight.kg, "mg/m2": given * bsa}[unit]
        assert row["mg per administration"] == pytest.approx(expected, abs=0.01)
        if not pd.isna(printed["loading_dose"]):
            assert row["loading dose"] == printed["loading_dose"]
            assert row["loading dose (mg)"] == pytest.approx(expected * printed["loading_dose"] / printed["dose"], abs=0.01)


# Each case's own weight and height -------------------------------------------------------------
def observations():
    return pd.DataFrame({
        "case_id": ["a", "a", "a", "b", "a"],
        "day": [-30, 100, 0, 0, 0],
        "day_precision": ["exact", "approximate", "exact", "exact", "exact"],
        "quantity": ["body_weight", "body_weight", "body_weight", "body_weight", "heart_rate"],
        "value": [70.0, 60.0, 66.0, 90.0, 100.0],
        "unit": ["kg", "kg", "kg", "kg", "beats/min"],
        "source_locator": ["loc -30", "loc 100", "loc 0", "loc b", "loc hr"],
    })


@pytest.mark.parametrize("day, kg, stated_day", [
    (None, 70, -30),  # the first stated weight
    (-30, 70, -30),   # on the day
    (-1, 70, -30),
    (0, 66, 0),
    (99, 66, 0),      # the nearest before
    (100, 60, 100),
    (5000, 60, 100),
    (0.5, 66, 0),
])
def test_body_weight_is_the_nearest_stated_on_or_before_the_day(day, kg, stated_day):
    weight = dosing.body_weight(observations(), "a", day=day)
    assert weight.kg == kg and weight.day == stated_day
    assert weight.source_locator == f"loc {stated_day}"
    assert weight.row["value"] == kg


def test_body_weight_before_every_stated_weight_is_none_never_a_later_one():
    assert dosing.body_weight(observations(), "a", day=-100) is None
    assert dosing.body_weight(observations(), "a", day=-31) is None
    assert dosing.body_weight(observations(), "a").day == -30  # day None: the first stated, as documented
    assert "the first is 70 kg, stated for day -30 (exact)" in dosing.why_not_stated(observations(), "a", day=-100)


def test_body_weight_never_takes_another_cases_weight():
    assert dosing.body_weight(observations(), "c") is None
    assert dosing.body_weight(observations(), "b").kg == 90
    only_b = observations()[lambda t: t["case_id"] == "b"]
    assert dosing.body_weight(only_b, "a", day=0) is None


def test_body_weight_label_and_kind():
    weight = dosing.body_weight(observations(), "a", day=100)
    assert weight.label == "60 kg, stated for day 100 (approximate)"
    with pytest.raises(dosing.DoseError, match="not cm"):
        weight.cm


@pytest.mark.parametrize("change, message", [
    ({"unit": "lb"}, "a body weight on day 100 is in 'lb', not kg \\(loc 100\\)"),
    ({"value": 5.0}, "a body weight on day 100 5 kg is outside the adult range"),
])
def test_a_stated_weight_in_the_wrong_unit_or_range_is_refused(change, message):
    obs = observations()
    for column, value in change.items():
        obs.loc[1, column] = value
    with pytest.raises(dosing.DoseError, match=message):
        dosing.body_weight(obs, "a")


@pytest.mark.parametrize("day", [float("nan"), "day 3", float("inf")])
def test_a_day_that_is_not_a_number_is_refused(day):
    with pytest.raises(dosing.DoseError, match="day must be a finite number of days"):
        dosing.body_weight(observations(), "a", day=day)


def test_body_weight_on_the_published_cases_reads_each_cases_own_rows(data):
    obs = data.observations
    for case_id in data.cases["case_id"]:
        own = obs[(obs["case_id"] == case_id) & (obs["quantity"] == "body_weight")].sort_values("day")
        weight = dosing.body_weight(obs, case_id)
        if own.empty:
            assert weight is None
        else:
            assert weight.kg == own["value"].iloc[0] and weight.day == own["day"].iloc[0]
            assert weight.source_locator == own["source_locator"].iloc[0]
            last = dosing.body_weight(obs, case_id, day=int(own["day"].max()))
            assert last.kg == own["value"].iloc[-1]


def test_body_height_reads_heights_only(three_cases):
    obs = three_cases.observations
    own = obs[(obs["case_id"] == FIXTURE_CASE) & (obs["quantity"] == "body_height")]
    height = dosing.body_height(obs, FIXTURE_CASE)
    assert height.cm == own["value"].iloc[0] and height.unit == "cm"
    assert dosing.body_height(observations(), "a") is None


# Other units in the references and charts ------------------------------------------------------
def unit_references():
    return pd.DataFrame({
        "reference_id": ["K1", "K2", "M1"], "agent": ["drug_k", "drug_k", "drug_m"], "kind": ["standard_dose"] * 3,
        "value": [6.0, 8.0, 50.0], "unit": ["mg/kg", "mg/kg", "mg/m2"],
        "schedule": ["every 21 days", "every 21 days", "weekly"], "meaning": ["k", "k load", "m"], "source_id": ["s"] * 3,
    })


def test_standards_in_mg_per_kg_keep_their_unit():
    table = dosing.standards_table(unit_references(), "drug_k")
    assert "dose per administration (mg/kg)" in table.columns and "planned dose per week (mg/kg)" in table.columns
    assert table["planned dose per week (mg/kg)"].iloc[0] == pytest.approx(2.0)
    assert dosing.standard_label(unit_references().iloc[0]) == "drug_k 6 mg/kg, every 21 days (K1)"


def test_mixed_units_or_a_per_kg_standard_against_a_fixed_dose_per_m2_are_refused():
    refs = unit_references()
    refs.loc[1, "unit"] = "mg"
    with pytest.raises(dosing.DoseError, match="standard doses of 'drug_k' are in different units"):
        dosing.standards_table(refs, "drug_k")
    with pytest.raises(dosing.DoseError, match="compares doses per m2, but K1 \\(drug_k\\) is in mg/kg"):
        dosing.fixed_dose_against_standards(100, [170], [70], unit_references().iloc[:1])


def test_the_cumulative_chart_names_the_unit_and_refuses_a_mismatch():
    from utils import dose_charts

    thresholds = pd.DataFrame({"reference_id": ["T1"], "agent": ["drug_k"], "kind": ["cumulative_threshold"],
                               "value": [100.0], "unit": ["mg/kg"], "meaning": ["t"]})
    fig = dose_charts.cumulative_chart(dosing.cumulative_by_administration(6, 3, loading_dose=8), thresholds, "t", unit="mg/kg")
    ax = fig.axes[0]
    assert ax.get_ylabel() == "cumulative dose (mg/kg)"
    assert ax.get_legend_handles_labels()[1] == ["cumulative dose delivered", "drug_k 100 mg/kg (T1)"]
    assert list(ax.lines[0].get_ydata()) == pytest.approx([0, 8, 14, 20])
    with pytest.raises(dosing.DoseError, match="threshold T1 is in mg/kg, the doses in mg/m2"):
        dose_charts.cumulative_chart([1.0], thresholds, "t")


def test_the_fixed_dose_chart_draws_every_weight_and_standard():
    from utils import dose_charts

    standards = pd.DataFrame({"reference_id": [f"S{i}" for i in range(5)], "agent": ["d"] * 5, "kind": ["standard_dose"] * 5,
                              "value": [40.0, 45.0, 50.0, 55.0, 60.0], "unit": ["mg/m2"] * 5, "schedule": ["weekly"] * 5})
    weights = [45, 55, 65, 75, 85, 95, 105]
    fig = dose_charts.fixed_dose_chart(100, [160, 170], weights, standards, "d")
    labels = fig.axes[0].get_legend_handles_labels()[1]
    assert labels[:len(weights)] == [f"at {w} kg" for w in weights]
    assert labels[len(weights):] == [f"standard: d {v:g} mg/m2, weekly (S{i})" for i, v in enumerate(standards["value"])]
    with pytest.raises(dosing.DoseError, match="S0 is in mg/kg"):
        dose_charts.fixed_dose_chart(100, [160], [60], standards.assign(unit="mg/kg"), "d")
