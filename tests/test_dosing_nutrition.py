"""utils.dosing and utils.nutrition: formulas against hand-computed values, and bad input named."""

import math

import pandas as pd
import pytest

from utils import casedata, dosing, nutrition


@pytest.fixture(scope="module")
def data():
    return casedata.load_all()


# Body-surface area ----------------------------------------------------------------------------
def test_mosteller_by_hand():
    # sqrt(180 * 80 / 3600) = sqrt(4) = 2
    assert dosing.bsa_mosteller(180, 80) == pytest.approx(2.0)
    assert dosing.bsa_mosteller(150, 54) == pytest.approx(math.sqrt(150 * 54 / 3600))


def test_dubois_by_hand():
    # 0.007184 * 70**0.425 * 170**0.725, computed separately: 1.8097 m2
    assert dosing.bsa_dubois(170, 70) == pytest.approx(0.007184 * 70**0.425 * 170**0.725)
    assert dosing.bsa_dubois(170, 70) == pytest.approx(1.81, abs=0.005)


def test_the_two_formulas_agree_within_a_few_percent_for_an_average_adult():
    assert dosing.bsa_dubois(165, 65) == pytest.approx(dosing.bsa_mosteller(165, 65), rel=0.03)


@pytest.mark.parametrize("height, weight, message", [
    (160, -70, "weight -70 kg is outside the adult range 20 to 300 kg"),
    (160, 0, "weight 0 kg is outside the adult range"),
    (16, 70, "height 16 cm is outside the adult range 100 to 230 cm"),
    (float("nan"), 70, "height nan cm is outside"),
])
def test_impossible_body_measures_are_refused(height, weight, message):
    for formula in dosing.BSA_FORMULAS.values():
        with pytest.raises(dosing.DoseError, match=message):
            formula(height, weight)


# Doses ------------------------------------------------------------------------------------------
def test_dose_per_m2_and_back():
    assert dosing.dose_mg(80, 1.6) == pytest.approx(128)
    assert dosing.dose_per_m2(128, 1.6) == pytest.approx(80)


@pytest.mark.parametrize("call", [
    lambda: dosing.dose_mg(-80, 1.6),
    lambda: dosing.dose_mg(80, 0),
    lambda: dosing.dose_per_m2(0, 1.6),
])
def test_non_positive_doses_and_areas_are_refused(call):
    with pytest.raises(dosing.DoseError, match="must be a positive number"):
        call()


def test_reduction_and_cumulative_dose():
    assert dosing.reduced(100, 25) == pytest.approx(75)
    assert dosing.reduced(100, 0) == 100
    assert dosing.cumulative_dose(50, 6) == pytest.approx(300)
    assert dosing.cumulative_dose(50, 6, reduction_percent=10) == pytest.approx(270)
    assert dosing.cumulative_dose(50, 0) == 0


@pytest.mark.parametrize("reduction", [-5, 100, 120])
def test_impossible_reductions_are_refused(reduction):
    with pytest.raises(dosing.DoseError, match="reduction_percent must be from 0"):
        dosing.reduced(100, reduction)


def test_cycles_must_be_a_whole_number():
    with pytest.raises(dosing.DoseError, match="administrations must be a whole number"):
        dosing.cumulative_dose(50, 2.5)
    with pytest.raises(dosing.DoseError, match="administrations must be a whole number"):
        dosing.cumulative_dose(50, -1)


def test_dose_intensity_per_week():
    # 10 mg on days 1 and 8 of a 21-day cycle: 20 mg per 3 weeks
    assert dosing.dose_intensity_per_week(10, 2, 21) == pytest.approx(20 / 3)
    assert dosing.dose_intensity_per_week(10, 1, 7, reduction_percent=50) == pytest.approx(5)


# Against the curated doses ----------------------------------------------------------------------
def test_cumulative_for_line_uses_printed_dose_stated_reduction_and_reported_cycles(data):
    row = data.doses[data.doses["agent"] == "doxorubicin"].iloc[0]
    line = data.therapy_lines[data.therapy_lines["therapy_id"] == row["therapy_id"]].iloc[0]
    expected = row["dose"] * (1 - row["reduction_percent"] / 100) * row["administrations_per_cycle"] * int(line["cycles"])
    assert dosing.cumulative_for_line(data.doses, data.therapy_lines, row["therapy_id"], "doxorubicin") == pytest.approx(expected)
    # what-if arguments override the data
    assert dosing.cumulative_for_line(data.doses, data.therapy_lines, row["therapy_id"], "doxorubicin",
                                      cycles=1, reduction_percent=0) == pytest.approx(row["dose"])


def test_cumulative_for_a_line_without_reported_cycles_needs_an_assumption(data):
    row = data.doses[data.doses["agent"] == "eribulin"].iloc[0]
    with pytest.raises(dosing.DoseError, match="reports no number of cycles; pass cycles="):
        dosing.cumulative_for_line(data.doses, data.therapy_lines, row["therapy_id"], "eribulin")
    assert dosing.cumulative_for_line(data.doses, data.therapy_lines, row["therapy_id"], "eribulin", cycles=2) == pytest.approx(
        row["dose"] * row["administrations_per_cycle"] * 2)


def test_unknown_dose_row_and_unknown_unit(data):
    with pytest.raises(dosing.DoseError, match="no dose for AK-T06/epirubicin in doses.csv; known:"):
        dosing.printed_dose(data.doses, "AK-T06", "epirubicin")
    bad = data.doses.copy()
    bad["dose_unit"] = bad["dose_unit"].astype(str)
    bad.loc[0, "dose_unit"] = "mcg/kg"
    with pytest.raises(dosing.DoseError, match="unknown dose unit 'mcg/kg'"):
        dosing.printed_dose(bad, bad.loc[0, "therapy_id"], bad.loc[0, "agent"])


def test_fixed_dose_table_is_labelled_and_computed():
    table = dosing.fixed_dose_per_m2_table(100, [180, 150], [80])
    assert table.index.name == "assumed height"
    assert table.loc["180 cm", "80 kg"] == pytest.approx(50.0)  # BSA 2.0 m2
    with pytest.raises(dosing.DoseError, match="unknown BSA formula 'Haycock'"):
        dosing.fixed_dose_per_m2_table(100, [170], [70], formula="Haycock")


# Nutrition --------------------------------------------------------------------------------------
def test_weight_loss_and_bmi_by_hand():
    assert nutrition.percent_weight_loss(80, 60) == pytest.approx(25)
    assert nutrition.percent_weight_loss(60, 66) == pytest.approx(-10)
    assert nutrition.bmi(64, 160) == pytest.approx(25)
    assert nutrition.height_for_bmi(64, 25) == pytest.approx(160)


def test_negative_weight_is_refused():
    with pytest.raises(dosing.DoseError, match="before_kg -70 kg is outside the adult range"):
        nutrition.percent_weight_loss(-70, 50)
    with pytest.raises(dosing.DoseError, match="weight -1 kg is outside"):
        nutrition.bmi(-1, 160)


def statuses(table):
    return dict(zip(table["kind"] + ": " + table["criterion"], table["status"]))


def test_one_major_criterion_is_high_risk():
    criteria = nutrition.refeeding_criteria(weight_loss_percent=20, loss_window_months=4)
    assert statuses(criteria)["major: weight loss above 15 % within 3-6 months"] == "met"
    assert nutrition.refeeding_high_risk(criteria)


def test_two_minor_criteria_are_high_risk_one_is_not():
    one = nutrition.refeeding_criteria(bmi_value=17.5)
    assert not nutrition.refeeding_high_risk(one)
    two = nutrition.refeeding_criteria(bmi_value=17.5, alcohol_or_listed_drugs=True)
    assert nutrition.refeeding_high_risk(two)


def test_boundaries_are_strict():
    at = statuses(nutrition.refeeding_criteria(bmi_value=16.0, weight_loss_percent=15.0, loss_window_months=6, days_little_intake=10))
    assert at["major: BMI below 16 kg/m2"] == "not met"
    assert at["minor: BMI below 18.5 kg/m2"] == "met"
    assert at["major: weight loss above 15 % within 3-6 months"] == "not met"
    assert at["minor: weight loss above 10 % within 3-6 months"] == "met"
    assert at["major: little or no intake for more than 10 days"] == "not met"


def test_unknown_facts_stay_unknown_and_a_long_window_does_not_count():
    table = nutrition.refeeding_criteria(weight_loss_percent=30, loss_window_months=7.5)
    assert set(table["status"]) == {"unknown"}
    assert not nutrition.refeeding_high_risk(table)


# Reading a printed dose against the references --------------------------------------------------
def synthetic_references():
    return pd.DataFrame({
        "reference_id": ["R1", "R2", "R3", "R4"],
        "agent": ["drug_a", "drug_a", "drug_b", "drug_b"],
        "kind": ["standard_dose", "cumulative_threshold", "standard_dose", "cumulative_threshold"],
        "value": [50.0, 400.0, 100.0, 1000.0],
        "meaning": ["std a", "limit a", "std b", "limit b"],
    })


def test_anthracycline_readings_by_hand():
    table = dosing.anthracycline_readings(100, 20, 5, synthetic_references(), agents=("drug_a", "drug_b"))
    a, b = table.iloc[0], table.iloc[1]
    assert a["read as"] == "drug_a" and a["printed dose, % of standard"] == 200
    assert a["cumulative dose (mg/m2)"] == pytest.approx(400)  # 5 x 80
    assert a["cumulative, % of threshold"] == 100
    assert b["printed dose, % of standard"] == 100 and b["cumulative, % of threshold"] == 40
    assert b["what the threshold means"] == "limit b (R4)"


def test_missing_reference_is_named():
    with pytest.raises(dosing.DoseError, match="dose_references.csv has no cumulative_threshold for 'drug_c'"):
        dosing.references(synthetic_references(), "drug_c", "cumulative_threshold")


def test_running_total():
    assert dosing.cumulative_by_administration(10, 3, reduction_percent=50) == pytest.approx([5, 10, 15])
    assert dosing.cumulative_by_administration(10, 0) == []


def test_the_curated_references_cover_both_anthracyclines(data):
    for agent in ("doxorubicin", "epirubicin"):
        assert len(dosing.references(data.dose_references, agent, "cumulative_threshold")) >= 1
        assert len(dosing.references(data.dose_references, agent, "standard_dose")) == 1


def test_dose_charts_draw_what_they_are_given():
    import matplotlib

    matplotlib.use("Agg")
    from utils import dose_charts

    refs = synthetic_references()
    fig = dose_charts.cumulative_chart([80, 160], refs[refs["kind"] == "cumulative_threshold"], "t")
    labels = fig.axes[0].get_legend_handles_labels()[1]
    assert labels == ["cumulative dose delivered", "drug_a 400 mg/m2 (R2)", "drug_b 1000 mg/m2 (R4)"]
    fig = dose_charts.fixed_dose_chart(100, [180], [80], refs[refs["kind"] == "standard_dose"], "drug")
    line = fig.axes[0].get_lines()[0]
    assert list(line.get_ydata()) == pytest.approx([50.0])  # 100 mg over 2.0 m2
    assert "assumed heights" in fig.axes[0].get_title()


def test_a_reading_needs_exactly_one_standard_dose():
    refs = pd.concat([synthetic_references(), pd.DataFrame({
        "reference_id": ["R5"], "agent": ["drug_a"], "kind": ["standard_dose"], "value": [20.0], "meaning": ["weekly a"]})])
    with pytest.raises(dosing.DoseError, match=r"2 standard doses for 'drug_a' \(R5 \(20 mg/m2\), R1 \(50 mg/m2\)\)"):
        dosing.anthracycline_readings(100, 20, 5, refs, agents=("drug_a", "drug_b"))


# Schedules ----------------------------------------------------------------------------------------
@pytest.mark.parametrize("text, days, cycle, short", [
    ("weekly", (1,), 7, "weekly"),
    (" Weekly ", (1,), 7, "weekly"),
    ("every 21 days (AC)", (1,), 21, "every 21 days"),
    ("every 14 days", (1,), 14, "every 14 days"),
    ("days 1 and 8 of a 21-day cycle", (1, 8), 21, "days 1, 8 of 21"),
    ("days 1, 8 and 15 of a 28-day cycle", (1, 8, 15), 28, "days 1, 8, 15 of 28"),
    ("day 1 of a 21-day cycle", (1,), 21, "every 21 days"),
])
def test_schedules_are_read(text, days, cycle, short):
    schedule = dosing.parse_schedule(text)
    assert schedule == dosing.Schedule(days, cycle)
    assert schedule.administrations_per_cycle == len(days)
    assert schedule.short == short


@pytest.mark.parametrize("text, message", [
    ("lifetime", "is not one of"),
    ("twice weekly", "is not one of"),
    ("days 1, 8 and 29 of a 28-day cycle", "must rise from day 1 and fit in the cycle"),
    ("days 8 and 1 of a 21-day cycle", "must rise from day 1"),
    ("days 0 and 8 of a 21-day cycle", "must rise from day 1"),
    ("every 0 days", "must rise from day 1 and fit in the cycle"),
])
def test_unreadable_schedules_are_named(text, message):
    with pytest.raises(dosing.DoseError, match=message):
        dosing.parse_schedule(text)


def test_planned_dose_per_week_by_hand():
    assert dosing.per_week(80, dosing.parse_schedule("weekly")) == pytest.approx(80)
    assert dosing.per_week(90, dosing.parse_schedule("days 1, 8 and 15 of a 28-day cycle")) == pytest.approx(67.5)  # 270 / 4
    assert dosing.per_week(60, dosing.parse_schedule("every 21 days")) == pytest.approx(20)


def test_every_curated_standard_dose_has_a_readable_schedule(data):
    standards = data.dose_references[data.dose_references["kind"] == "standard_dose"]
    for _, row in standards.iterrows():
        dosing.parse_schedule(row["schedule"])


def test_weekly_paclitaxel_has_both_standard_schedules(data):
    table = dosing.standards_table(data.dose_references, "paclitaxel")
    assert list(table["reference"]) == ["DR-01", "DR-11"]
    assert list(table["schedule"]) == ["weekly", "days 1, 8, 15 of 28"]
    assert list(table["source"]) == ["seidman2008", "miller2007_e2100"]
    for _, row in table.iterrows():  # planned per week = dose x doses per cycle x 7 / cycle days
        expected = row["dose per administration (mg/m2)"] * row["doses per cycle"] * 7 / row["cycle (days)"]
        assert row["planned dose per week (mg/m2)"] == pytest.approx(expected, abs=0.01)


def scheduled_references():
    return pd.DataFrame({"reference_id": ["S1", "S2"], "agent": ["drug_a", "drug_a"], "kind": ["standard_dose"] * 2,
                         "value": [40.0, 60.0], "schedule": ["weekly", "days 1, 8 and 15 of a 28-day cycle"],
                         "meaning": ["a weekly", "a three of four"], "source_id": ["x", "y"]})


def test_standard_labels_name_dose_schedule_and_reference():
    refs = scheduled_references()
    assert dosing.standard_label(refs.iloc[1]) == "drug_a 60 mg/m2, days 1, 8, 15 of 28 (S2)"
    assert dosing.standard_label(refs.iloc[1], schedule=False) == "drug_a 60 mg/m2 (S2)"
    odd = refs.iloc[0].copy()
    odd["schedule"] = "as tolerated"
    assert dosing.standard_label(odd) == "drug_a 40 mg/m2, as tolerated (S1)"
    assert dosing.standard_label(synthetic_references().iloc[0]) == "drug_a 50 mg/m2 (R1)"  # no schedule column


def test_fixed_dose_against_standards_by_hand():
    # 100 mg over 2.0 m2 (180 cm, 80 kg) = 50 mg/m2 per dose
    table = dosing.fixed_dose_against_standards(100, [180], [80], scheduled_references())
    assert table.loc["180 cm", "80 kg (mg/m2)"] == pytest.approx(50)
    assert table.loc["180 cm", "80 kg, % of drug_a 40 (S1)"] == 125
    assert table.loc["180 cm", "80 kg, % of drug_a 60 (S2)"] == 83
    # per week: weekly 50 against 40 (weekly) and 45 (60 x 3 / 4)
    weekly = dosing.fixed_dose_against_standards(100, [180], [80], scheduled_references(), per_week_of=(1, 7))
    assert weekly.loc["180 cm", "80 kg, % of drug_a 40 (S1) per week"] == 125
    assert weekly.loc["180 cm", "80 kg, % of drug_a 60 (S2) per week"] == 111


# Count-based retreatment rule -------------------------------------------------------------------
@pytest.mark.parametrize("counts, verdict, reasons", [
    ({"neutrophils": 1.51, "platelets": 100.1}, dosing.RULE_MET, ()),
    ({"neutrophils": 1.5, "platelets": 150}, dosing.RULE_WAIT, ("neutrophils 1.5 not above 1.5",)),
    ({"neutrophils": 2.0, "platelets": 100}, dosing.RULE_WAIT, ("platelets 100 not above 100",)),
    ({"neutrophils": 0.4, "platelets": 20}, dosing.RULE_WAIT, ("neutrophils 0.4 not above 1.5", "platelets 20 not above 100")),
    ({"platelets": 150}, dosing.RULE_UNKNOWN, ("neutrophils not printed",)),
    ({"neutrophils": None, "platelets": 150}, dosing.RULE_UNKNOWN, ("neutrophils not printed",)),
    ({"neutrophils": float("nan"), "platelets": 150}, dosing.RULE_UNKNOWN, ("neutrophils not printed",)),
    ({"platelets": 92}, dosing.RULE_WAIT, ("platelets 92 not above 100", "neutrophils not printed")),
    ({}, dosing.RULE_UNKNOWN, ("neutrophils not printed", "platelets not printed")),
])
def test_the_paclitaxel_count_rule_at_its_boundaries(counts, verdict, reasons):
    assert dosing.retreatment_verdict(counts) == dosing.RetreatmentVerdict(verdict, reasons)


def test_negative_counts_are_refused():
    with pytest.raises(dosing.DoseError, match="platelets count must be a number of 0 or more"):
        dosing.retreatment_verdict({"neutrophils": 2.0, "platelets": -5})


def test_retreatment_table_on_the_printed_counts(data):
    tnbc = dosing.retreatment_table(data.labs, "tnbc2025")
    assert set(tnbc["what the rule says"]) == {dosing.RULE_WAIT}
    assert tnbc["neutrophils (10^9/L)"].isna().all()  # no ANC printed
    akagi = dosing.retreatment_table(data.labs, "akagi2021").set_index("day")
    assert akagi.loc[0, "what the rule says"] == dosing.RULE_WAIT
    platelets = data.labs.query("case_id == 'akagi2021' and analyte == 'platelets'").set_index("day")["value_std"]
    recovered = [day for day, value in platelets.items() if value >= dosing.PACLITAXEL_RETREATMENT["platelets"]]
    assert recovered and not (data.labs.query("case_id == 'akagi2021'")["analyte"] == "neutrophils").any()
    for day in recovered:  # platelets recovered, ANC never printed: the rule cannot be applied
        assert akagi.loc[day, "what the rule says"] == dosing.RULE_UNKNOWN
        assert akagi.loc[day, "why"] == "neutrophils not printed"
    with pytest.raises(dosing.DoseError, match="'nobody' has no printed neutrophils or platelets count"):
        dosing.retreatment_table(data.labs, "nobody")


def test_fixed_dose_chart_tells_two_standards_of_one_drug_apart():
    import matplotlib

    matplotlib.use("Agg")
    from utils import dose_charts

    fig = dose_charts.fixed_dose_chart(100, [180], [80], scheduled_references(), "drug_a")
    labels = fig.axes[0].get_legend_handles_labels()[1]
    assert labels[1:] == ["standard: drug_a 40 mg/m2, weekly (S1)", "standard: drug_a 60 mg/m2, days 1, 8, 15 of 28 (S2)"]


# Each case's own weights --------------------------------------------------------------------------
def test_height_for_bmi_refuses_impossible_input():
    with pytest.raises(dosing.DoseError, match="weight -45 kg is outside"):
        nutrition.height_for_bmi(-45, 18.5)
    with pytest.raises(dosing.DoseError, match="target_bmi must be positive"):
        nutrition.height_for_bmi(45, 0)


def test_stated_weights_and_weight_change_read_each_cases_own_rows(data):
    obs = data.observations
    assert nutrition.body_weight is dosing.body_weight
    for case_id in data.cases["case_id"]:
        own = obs[(obs["case_id"] == case_id) & (obs["quantity"] == "body_weight")].sort_values("day")
        table = nutrition.stated_weights(obs, case_id)
        assert list(table["value"]) == list(own["value"]) and set(table["case_id"]) <= {case_id}
        change = nutrition.weight_change(obs, case_id)
        if len(own) < 2:
            assert change is None
            continue
        assert (change.first.kg, change.last.kg) == (own["value"].iloc[0], own["value"].iloc[-1])
        assert change.days == own["day"].iloc[-1] - own["day"].iloc[0]
        assert change.percent_loss == pytest.approx(nutrition.percent_weight_loss(own["value"].iloc[0], own["value"].iloc[-1]))


def test_weight_change_by_hand():
    obs = pd.DataFrame({"case_id": ["a", "a", "a", "b"], "day": [90, 0, 30, 0], "quantity": ["body_weight"] * 4,
                        "value": [60.0, 80.0, 70.0, 50.0], "unit": ["kg"] * 4})
    change = nutrition.weight_change(obs, "a")
    assert (change.first.kg, change.last.kg, change.days) == (80, 60, 90)
    assert change.percent_loss == pytest.approx(25)
    assert nutrition.weight_change(obs, "b") is None  # one weight: no change to state
    assert nutrition.stated_weights(obs, "c").empty


def test_retreatment_verdict_reads_pandas_na_as_not_printed_and_numpy_numbers_as_numbers():
    import numpy as np

    verdict = dosing.retreatment_verdict({"neutrophils": pd.NA, "platelets": np.int64(150)})
    assert verdict.verdict == dosing.RULE_UNKNOWN and verdict.reasons == ("neutrophils not printed",)
    assert dosing.retreatment_verdict({"neutrophils": np.float64(2.0), "platelets": np.int64(150)}).verdict == dosing.RULE_MET
    with pytest.raises(dosing.DoseError, match="must be a number"):
        dosing.retreatment_verdict({"neutrophils": float("inf"), "platelets": 150})
