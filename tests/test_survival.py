"""utils.survival and utils.survival_plots: constant-hazard model, time-to-event tables, censoring."""

import math

import matplotlib
import matplotlib.pyplot as plt
import numpy as np
import pandas as pd
import pytest

from utils import casedata, survival, survival_plots
from utils.casedata import DAYS_PER_MONTH

matplotlib.use("Agg")


@pytest.fixture(scope="module")
def data():
    return casedata.load_all()


def events(rows):
    return pd.DataFrame(rows, columns=["case_id", "milestone", "day", "day_precision"])


def cases(rows):
    return pd.DataFrame(rows, columns=["case_id", "vital_status"])


SYNTHETIC_EVENTS = events([
    ["x", "primary_diagnosis", -3044, "approximate"],
    ["x", "first_distant_metastasis", -913, "approximate"],
    ["x", "bmm_diagnosis", 0, "exact"],
    ["x", "death", 609, "exact"],
    ["x", None, 100, "exact"],
    ["y", "primary_diagnosis", -10, "exact"],
    ["y", "first_distant_metastasis", -10, "exact"],
    ["y", "bmm_diagnosis", 0, "exact"],
    ["y", "last_contact", 304, "exact"],
])
SYNTHETIC_CASES = cases([["x", "dead"], ["y", "alive"]])


# Constant-hazard model, against values computed by hand -----------------------------
@pytest.mark.parametrize(("t", "median", "expected"), [
    (0, 20, 1.0), (20, 20, 0.5), (40, 20, 0.25), (60, 20, 0.125), (8, 8, 0.5), (4, 8, 2 ** -0.5),
])
def test_exponential_survival_by_hand(t, median, expected):
    assert survival.exponential_survival(t, median) == pytest.approx(expected)


def test_exponential_survival_takes_arrays_for_curves():
    curve = survival.exponential_survival(np.array([0.0, 10.0, 20.0]), 10)
    assert isinstance(curve, np.ndarray)
    assert curve == pytest.approx([1.0, 0.5, 0.25])


@pytest.mark.parametrize(("surviving", "median", "expected"), [(0.5, 20, 20.0), (0.25, 20, 40.0), (1.0, 7.0, 0.0), (0.125, 2, 6.0)])
def test_time_at_survival_inverts_the_curve(surviving, median, expected):
    assert survival.exponential_time_at_survival(surviving, median) == pytest.approx(expected)
    assert survival.exponential_survival(expected, median) == pytest.approx(surviving)


def test_hazard_and_hazard_ratio_by_hand():
    assert survival.hazard_from_median(10) == pytest.approx(math.log(2) / 10)
    assert survival.median_with_hazard_ratio(19, 0.81) == pytest.approx(19 / 0.81)
    assert survival.median_with_hazard_ratio(10, 2) == pytest.approx(5.0)
    # The new median is where the curve with the multiplied hazard halves.
    hazard = survival.hazard_from_median(19) * 0.81
    assert math.exp(-hazard * survival.median_with_hazard_ratio(19, 0.81)) == pytest.approx(0.5)


@pytest.mark.parametrize("median", [-19, 0, float("nan"), float("inf")])
def test_bad_median_is_rejected_with_a_clear_message(median):
    with pytest.raises(ValueError, match="median survival must be a positive, finite number of months"):
        survival.exponential_survival(10, median)
    with pytest.raises(ValueError, match="median survival must be a positive"):
        survival.median_with_hazard_ratio(median, 0.8)


def test_other_bad_model_inputs():
    with pytest.raises(TypeError, match="median must be a number"):
        survival.exponential_survival(10, "19")
    with pytest.raises(ValueError, match="times must be months from the origin"):
        survival.exponential_survival(-1, 19)
    with pytest.raises(ValueError, match="surviving must be a fraction"):
        survival.exponential_time_at_survival(0, 19)
    with pytest.raises(ValueError, match="hazard ratio must be a positive"):
        survival.median_with_hazard_ratio(19, 0)


# Time-to-event table: events, censoring, origins --------------------------------------
def test_time_to_event_marks_death_as_event_and_last_contact_as_censored():
    table = survival.time_to_event(SYNTHETIC_CASES, SYNTHETIC_EVENTS).set_index("case_id")
    assert table.loc["x", "event"] == 1 and table.loc["x", "end"] == "death"
    assert table.loc["y", "event"] == 0 and table.loc["y", "end"] == "last_contact"
    assert table.loc["x", "months"] == pytest.approx(609 / DAYS_PER_MONTH, abs=0.05)
    assert table.loc["y", "months"] == pytest.approx(10.0, abs=0.05)
    assert table.loc["x", "precision"] == "exact"


def test_time_from_an_earlier_origin_adds_the_time_before_bmm():
    table = survival.times_from_origins(SYNTHETIC_CASES, SYNTHETIC_EVENTS).set_index("case_id")
    assert table.loc["x", "primary_diagnosis"] == pytest.approx((609 + 3044) / DAYS_PER_MONTH, abs=0.05)
    assert table.loc["x", "first_distant_metastasis"] == pytest.approx((609 + 913) / DAYS_PER_MONTH, abs=0.05)
    assert table.loc["x", "time_before_bmm"] == pytest.approx(3044 / DAYS_PER_MONTH, abs=0.1)
    assert "lead_time" not in table, "the column was renamed: it is time already lived, not lead time"
    assert table.loc["y", "event"] == 0
    # Precision per origin: x's primary diagnosis is approximate, her marrow diagnosis and death exact.
    assert table.loc["x", "primary_diagnosis_precision"] == "approximate"
    assert table.loc["x", "bmm_diagnosis_precision"] == "exact"
    assert table.loc["y", "first_distant_metastasis_precision"] == "exact"
    origin = survival.time_to_event(SYNTHETIC_CASES, SYNTHETIC_EVENTS, "primary_diagnosis").set_index("case_id")
    assert origin.loc["x", "precision"] == "approximate"


def test_unknown_origin_and_unknown_case_are_named():
    with pytest.raises(ValueError, match="unknown time origin 'relapse'; expected one of: bmm_diagnosis"):
        survival.time_to_event(SYNTHETIC_CASES, SYNTHETIC_EVENTS, "relapse")
    table = survival.time_to_event(SYNTHETIC_CASES, SYNTHETIC_EVENTS)
    with pytest.raises(KeyError, match="unknown case 'z'; cases in the table: x, y"):
        survival.case_row(table, "z")
    assert survival.case_row(table, "y")["event"] == 0


def test_inconsistent_follow_up_is_rejected():
    with pytest.raises(ValueError, match="vital_status 'alive' in cases.csv but follow-up ends with 'death'"):
        survival.time_to_event(cases([["x", "alive"]]), SYNTHETIC_EVENTS[SYNTHETIC_EVENTS["case_id"] == "x"])
    no_end = SYNTHETIC_EVENTS[(SYNTHETIC_EVENTS["case_id"] == "x") & (SYNTHETIC_EVENTS["milestone"] != "death")]
    with pytest.raises(ValueError, match="case x needs exactly one of death, last_contact, found none"):
        survival.time_to_event(cases([["x", "dead"]]), no_end)
    with pytest.raises(ValueError, match="case z has no 'bmm_diagnosis' milestone"):
        survival.time_to_event(cases([["z", "dead"]]), SYNTHETIC_EVENTS)


def test_curated_cases_agree_with_cases_csv(data):
    table = survival.time_to_event(data.cases, data.events).set_index("case_id")
    for row in data.cases.itertuples():
        assert table.loc[row.case_id, "months"] == pytest.approx(row.followup_months, abs=1.0)
        assert table.loc[row.case_id, "event"] == (1 if row.vital_status == "dead" else 0)
    assert set(table["event"]) == {0, 1}, "one curated case died and one is censored"


# Kaplan-Meier through lifelines, with censoring ----------------------------------------
def test_kaplan_meier_with_censoring_by_hand():
    # 4 patients: deaths at 2 and 6, censored at 4 and 8. S = 3/4 after 2; 3/4 * 1/2 = 3/8 after 6.
    fitter = survival.kaplan_meier([2, 4, 6, 8], [1, 0, 1, 0], "hand")
    assert fitter.predict(3) == pytest.approx(0.75)
    assert fitter.predict(7) == pytest.approx(0.375)
    summary = survival.km_summary(fitter)
    assert summary == {"label": "hand", "n": 4, "events": 2, "median": 6.0, "ci_low": summary["ci_low"], "ci_high": math.inf}


def test_censoring_is_not_a_death():
    as_death = survival.km_summary(survival.kaplan_meier([2, 4, 6, 8], [1, 1, 1, 1], "all deaths"))
    censored = survival.km_summary(survival.kaplan_meier([2, 4, 6, 8], [1, 0, 1, 0], "censored"))
    assert as_death["median"] == 4.0 and censored["median"] == 6.0


def test_kaplan_meier_rejects_bad_input():
    with pytest.raises(ValueError, match="same, non-zero number"):
        survival.kaplan_meier([1, 2], [1], "x")
    with pytest.raises(ValueError, match="events must be 1 \\(death\\) or 0 \\(censored\\)"):
        survival.kaplan_meier([1, 2], [1, 2], "x")
    with pytest.raises(ValueError, match="durations must be times from the origin"):
        survival.kaplan_meier([-1, 2], [1, 1], "x")


def test_single_case_series_keeps_missing_outcomes_visible(data):
    own = survival.time_to_event(data.cases, data.events)
    series = survival.single_case_series(data.literature_survival, own)
    published = data.literature_survival[data.literature_survival["design"] == "case_report"]
    assert len(series) == len(own) + len(published)
    unknown = published["outcome_status"].isna().sum()
    assert (series["outcome"] == "not stated").sum() == unknown
    for choice, kept in [("censored", len(series)), ("death", len(series)), ("excluded", len(series) - unknown)]:
        durations, flags = survival.km_inputs(series, choice)
        assert len(durations) == kept
    _, as_death = survival.km_inputs(series, "death")
    _, as_censored = survival.km_inputs(series, "censored")
    assert as_death.sum() - as_censored.sum() == unknown
    with pytest.raises(ValueError, match="unknown_as must be"):
        survival.km_inputs(series, "ignore")


def test_gbsg2_is_loaded_in_months():
    table = survival.gbsg2_months()
    assert len(table) == 686
    assert table["months"].iloc[0] == pytest.approx(table["time"].iloc[0] / DAYS_PER_MONTH)
    assert set(table["event"]) == {0, 1}
    assert set(table["hormonal_therapy"]) == {"tamoxifen", "no tamoxifen"}


# Published series --------------------------------------------------------------------
@pytest.mark.parametrize(("text", "expected"), [
    ("diagnosis of bone marrow metastasis", "bmm_diagnosis"), ("diagnosis of bone marrow involvement", "bmm_diagnosis"),
    ("start of treatment", "treatment_start"), (None, "not_stated"), (float("nan"), "not_stated"), ("", "not_stated"),
    ("first relapse", "other"),
])
def test_classify_time_origin(text, expected):
    assert survival.classify_time_origin(text) == expected


def literature(rows):
    columns = ["study_id", "subgroup", "design", "n", "median_os_months", "ci_low", "ci_high", "range_low", "range_high",
               "time_origin", "population", "outcome_status", "source_locator"]
    return pd.DataFrame(rows, columns=columns)


def test_forest_table_prefers_the_ci_then_the_range():
    table = survival.forest_table(literature([
        ["a", "all", "cohort", 10, 8.0, 5.0, 12.0, 1.0, 40.0, "diagnosis of bone marrow metastasis", "p", None, "l"],
        ["b", "all", "cohort", 20, 9.0, None, None, 2.0, 50.0, None, "p", None, "l"],
        ["b", "sub", "cohort", None, 4.0, None, None, None, None, None, "p", None, "l"],
        ["c", "all", "case_report", 1, 44.0, None, None, None, None, None, "p", None, "l"],
    ]))
    assert list(table["interval"]) == ["95% CI", "range", "none"]
    assert list(table["label"]) == ["a", "b", "b: sub"]
    assert (table.loc[0, "low"], table.loc[1, "high"]) == (5.0, 50.0)
    assert list(table["origin_class"]) == ["bmm_diagnosis", "not_stated", "not_stated"]
    assert pd.isna(table.loc[2, "n"])
    with pytest.raises(ValueError, match="design must be"):
        survival.forest_table(literature([]), "trial")


def test_cohort_comparison_by_hand_and_for_a_censored_case():
    forest = survival.forest_table(literature([
        ["a", "all", "cohort", 10, 20.0, None, None, None, None, "diagnosis of bone marrow metastasis", "p", None, "l"],
        ["b", "all", "cohort", 10, 10.0, None, None, None, None, None, "p", None, "l"],
    ]))
    own = pd.DataFrame({"case_id": ["dead", "alive"], "origin": "bmm_diagnosis", "months": [40.0, 10.0], "event": [1, 0]})
    table = survival.cohort_comparison(forest, own).set_index(["cohort", "case_id"])
    assert table.loc[("a", "dead"), "p_at_least"] == 0.25
    assert table.loc[("b", "alive"), "p_at_least"] == 0.5
    assert table.loc[("b", "alive"), "case_status"].startswith("alive at last contact")
    assert table.loc[("a", "dead"), "same_origin"] and not table.loc[("b", "dead"), "same_origin"]
    with pytest.raises(ValueError, match="no cases"):
        survival.cohort_comparison(forest, own.iloc[0:0])


def test_counts_near_diagnosis_shows_every_count_in_the_window(data):
    near = survival.counts_near_diagnosis(data.labs, "platelets", 14)
    expected = data.labs[(data.labs["analyte"] == "platelets") & data.labs["day"].between(-14, 0)]
    assert len(near) == len(expected)
    assert near["day"].between(-14, 0).all()
    with pytest.raises(ValueError, match="no ca125 values between day -1 and day 0"):
        survival.counts_near_diagnosis(data.labs.iloc[0:0], "ca125", 1)
    with pytest.raises(ValueError, match="days_before must be 0 or more"):
        survival.counts_near_diagnosis(data.labs, "platelets", -1)


def test_median_ci_probabilities_by_hand():
    forest = survival.forest_table(literature([
        ["a", "all", "cohort", 10, 10.0, 5.0, 20.0, None, None, "diagnosis of bone marrow metastasis", "p", None, "l"],
        ["b", "all", "cohort", 20, 9.0, None, None, 2.0, 50.0, None, "p", None, "l"],
    ]))
    own = pd.DataFrame({"case_id": ["k"], "origin": "bmm_diagnosis", "months": [10.0], "event": [1]})
    table = survival.median_ci_probabilities(forest, own)
    assert list(table["cohort"]) == ["a"], "a range is not a CI of the median and is left out"
    row = table.iloc[0]
    # 10 months with medians 5, 10 and 20: 2^-2, 2^-1, 2^-0.5.
    assert (row["p_at_ci_low"], row["p_at_median"], row["p_at_ci_high"]) == (0.25, 0.5, round(2 ** -0.5, 3))
    assert row["p_at_ci_low"] <= row["p_at_median"] <= row["p_at_ci_high"]
    with pytest.raises(ValueError, match="no series with a 95% CI"):
        survival.median_ci_probabilities(forest.iloc[1:], own)
    with pytest.raises(ValueError, match="no cases"):
        survival.median_ci_probabilities(forest, own.iloc[0:0])


def test_median_ci_probabilities_bracket_the_curated_comparison(data):
    forest = survival.forest_table(data.literature_survival)
    own = survival.time_to_event(data.cases, data.events)
    spread = survival.median_ci_probabilities(forest, own)
    assert set(spread["cohort"]) == set(forest.loc[forest["interval"] == "95% CI", "label"])
    point = survival.cohort_comparison(forest, own).set_index(["cohort", "case_id"])["p_at_least"]
    for row in spread.itertuples():
        assert row.p_at_median == point[(row.cohort, row.case_id)]
        assert row.p_at_ci_low <= row.p_at_median <= row.p_at_ci_high


# Published prognostic factors: cut-offs applied to measured values -------------------
FACTOR = pd.Series({"factor_id": "PF-99", "study_id": "s", "factor": "platelets at diagnosis", "analyte": "platelets",
                    "comparison": "below", "threshold": 50.0, "unit": "10^9/L", "timing": "at diagnosis",
                    "association": "shorter survival", "analysis": "univariate"})


def counts(rows):
    return pd.DataFrame(rows, columns=["case_id", "day", "value_std", "unit_std"])


def test_flag_cutoff_is_strict_and_follows_the_comparison():
    table = counts([["a", 0, 49.0, "10^9/L"], ["a", -2, 50.0, "10^9/L"], ["b", -5, 80.0, "10^9/L"]])
    flagged = survival.flag_cutoff(table, FACTOR)
    assert survival.cutoff_column(FACTOR) == "below s cut-off"
    assert list(flagged["below s cut-off"]) == [True, False, False], "a value equal to the cut-off is not below it"
    above = survival.flag_cutoff(table, FACTOR.copy().replace({"below": "above"}))
    assert list(above["above s cut-off"]) == [False, False, True]
    assert "below s cut-off" not in table, "the input table is not changed"


def test_flag_cutoff_rejects_another_unit_or_comparison():
    with pytest.raises(ValueError, match="PF-99 is in 10\\^9/L, but the counts are in /uL"):
        survival.flag_cutoff(counts([["a", 0, 49000.0, "/uL"]]), FACTOR)
    with pytest.raises(ValueError, match="comparison must be 'below' or 'above'"):
        survival.flag_cutoff(counts([["a", 0, 49.0, "10^9/L"]]), FACTOR.copy().replace({"below": "near"}))


def test_cutoff_by_case_names_the_group_and_the_value_nearest_day_0():
    table = counts([["a", -7, 90.0, "10^9/L"], ["a", -3, 20.0, "10^9/L"], ["b", 0, 30.0, "10^9/L"], ["c", -1, 60.0, "10^9/L"]])
    by_case = survival.cutoff_by_case(survival.flag_cutoff(table, FACTOR), FACTOR).set_index("case_id")
    assert list(by_case["group"]) == ["depends on which value", "adverse group", "other group"]
    assert by_case.loc["a", "values"] == 2 and by_case.loc["a", "on adverse side"] == 1
    assert by_case.loc["a", "nearest day"] == -3 and bool(by_case.loc["a", "nearest on adverse side"])
    assert not by_case.loc["c", "nearest on adverse side"]
    with pytest.raises(ValueError, match="no 'below s cut-off' column"):
        survival.cutoff_by_case(table, FACTOR)


def test_curated_factor_is_applied_from_its_data_row(data):
    factor = survival.prognostic_factor(data.prognostic_factors, "PF-01")
    text = survival.describe_factor(factor)
    assert f"{factor['threshold']:g} {factor['unit']}" in text and factor["study_id"] in text
    flagged = survival.counts_against_factor(data.labs, factor, 14)
    column = survival.cutoff_column(factor)
    expected = flagged["value_std"] < factor["threshold"] if factor["comparison"] == "below" else flagged["value_std"] > factor["threshold"]
    assert flagged[column].tolist() == expected.tolist()
    assert len(flagged) == len(survival.counts_near_diagnosis(data.labs, str(factor["analyte"]), 14))
    by_case = survival.cutoff_by_case(flagged, factor)
    assert set(by_case["case_id"]) == set(flagged["case_id"])
    with pytest.raises(KeyError, match="unknown prognostic factor 'PF-00'; factors in the table: "):
        survival.prognostic_factor(data.prognostic_factors, "PF-00")


# Prognosis in words: scenarios from a median (MODELS) -------------------------------------
def test_kiely_multiples_and_shares_alive_are_the_published_ones():
    # Kiely et al. 2011: worst case 0.25 x median (90% still alive), lower typical 0.5 (75%),
    # upper typical 2 (25%), best case 3 (10%).
    expected = {"worst case": (0.90, 0.25), "lower typical": (0.75, 0.5), "upper typical": (0.25, 2.0), "best case": (0.10, 3.0)}
    assert list(survival.PROGNOSIS_SCENARIOS) == list(expected)
    for name, (alive, multiple) in expected.items():
        assert survival.PROGNOSIS_SCENARIOS[name] == {"alive": alive, "kiely_multiple": multiple}
        assert survival.scenario_multiple(name) == multiple


@pytest.mark.parametrize(("scenario", "expected"), [
    ("worst case", math.log2(1 / 0.9)), ("lower typical", math.log2(4 / 3)), ("upper typical", 2.0), ("best case", math.log2(10)),
])
def test_constant_hazard_multiple_is_where_the_curve_reaches_the_share_alive(scenario, expected):
    multiple = survival.scenario_multiple(scenario, "constant_hazard")
    assert multiple == pytest.approx(expected)
    share = survival.PROGNOSIS_SCENARIOS[scenario]["alive"]
    assert survival.exponential_survival(multiple * 7.0, 7.0) == pytest.approx(share)


def test_the_two_models_agree_on_the_upper_typical_case_and_differ_most_on_the_worst():
    table = survival.scenario_multiples().set_index("scenario")
    kiely, model = table["multiple of the median (Kiely 2011)"], table["multiple of the median (constant-hazard model)"]
    assert kiely["upper typical"] == model["upper typical"] == 2.0
    assert model["worst case"] == 0.15 and kiely["worst case"] == 0.25
    assert (model / kiely)["worst case"] == min(model / kiely)
    assert table["share still alive"].tolist() == [0.9, 0.75, 0.25, 0.1]


def test_prognosis_scenarios_by_hand_with_and_without_a_ci():
    plain = survival.prognosis_scenarios(8)
    assert plain["scenario"].tolist() == list(survival.PROGNOSIS_SCENARIOS)
    assert plain["months"].tolist() == [2.0, 4.0, 16.0, 24.0]
    assert "months at CI low" not in plain
    with_ci = survival.prognosis_scenarios(8, 4, 12).set_index("scenario")
    assert with_ci["months at CI low"].tolist() == [1.0, 2.0, 8.0, 12.0]
    assert with_ci["months at CI high"].tolist() == [3.0, 6.0, 24.0, 36.0]
    model = survival.prognosis_scenarios(10, method="constant_hazard").set_index("scenario")["months"]
    assert model.tolist() == [1.5, 4.2, 20.0, 33.2]


def test_prognosis_scenarios_of_the_curated_ci_bracket_the_median(data):
    forest = survival.forest_table(data.literature_survival).set_index("label")
    niu = forest.loc["niu2023"]
    table = survival.prognosis_scenarios(niu["median"], niu["low"], niu["high"])
    assert (table["months at CI low"] <= table["months"]).all() and (table["months"] <= table["months at CI high"]).all()
    assert table.set_index("scenario").at["upper typical", "months"] == pytest.approx(round(2 * niu["median"], 1))


@pytest.mark.parametrize(("args", "message"), [
    ((8, 4, None), "both 95% confidence limits"),
    ((8, None, 12), "both 95% confidence limits"),
    ((8, 9, 12), "must lie within its confidence limits"),
    ((8, 4, 7), "must lie within its confidence limits"),
    ((0,), "positive, finite"),
    ((8, 0, 12), "positive, finite"),
])
def test_prognosis_scenarios_reject_bad_limits(args, message):
    with pytest.raises(ValueError, match=message):
        survival.prognosis_scenarios(*args)


def test_bad_scenario_or_method_is_named():
    with pytest.raises(ValueError, match="unknown scenario 'median'"):
        survival.scenario_multiple("median")
    with pytest.raises(ValueError, match="method must be one of kiely2011, constant_hazard"):
        survival.prognosis_scenarios(8, method="weibull")


def test_prognosis_table_has_one_row_per_series_from_the_curated_medians(data):
    forest = survival.forest_table(data.literature_survival)
    whole = forest[forest["subgroup"] == "all"]
    table = survival.prognosis_table(whole)
    assert table["series"].tolist() == whole["label"].tolist()
    columns = ["worst case", "typical from", "typical to", "best case"]
    for (_, row), median in zip(table.iterrows(), whole["median"]):
        assert row[columns].tolist() == [round(m * median, 1) for m in (0.25, 0.5, 2, 3)]
    with pytest.raises(ValueError, match="no published series"):
        survival.prognosis_table(whole.iloc[0:0])


@pytest.mark.parametrize(("months", "expected"), [
    (0.1, "about 1 week"), (0.5, "about 2 weeks"), (0.99, "about 4 weeks"),
    (1.0, "about 1 month"), (1.49, "about 1 month"), (1.5, "about 2 months"), (2.5, "about 3 months"),
    (23.49, "about 23 months"), (23.5, "about 2 years"), (24, "about 2 years"), (26.99, "about 2 years"),
    (27, "about 2.5 years"), (57, "about 5 years"),
])
def test_time_in_words_at_every_threshold(months, expected):
    assert survival.time_in_words(months) == expected


@pytest.mark.parametrize("months", [0, -1, float("nan"), float("inf"), True, "3"])
def test_time_in_words_rejects_what_is_not_a_time(months):
    with pytest.raises(ValueError, match="positive, finite"):
        survival.time_in_words(months)


def test_prognosis_words_by_hand():
    assert survival.prognosis_words(8) == (
        "Of ten people in a situation like yours, about one lives less than about 2 months; "
        "about half live between about 4 months and about 16 months; about one lives longer than about 2 years.")
    assert survival.prognosis_words(3).startswith("Of ten people in a situation like yours, about one lives less than about 3 weeks;")
    assert survival.prognosis_words(10, "constant_hazard").endswith(  # 1.5, 4.2, 20.0 and 33.2 months
        "less than about 2 months; about half live between about 4 months and about 20 months; "
        "about one lives longer than about 3 years.")


# Figures: fixed size, deterministic --------------------------------------------------
def _png(fig) -> bytes:
    import io

    buffer = io.BytesIO()
    fig.savefig(buffer, format="png", metadata={"Software": None})
    plt.close(fig)
    return buffer.getvalue()


def test_figures_are_deterministic(data):
    own = survival.time_to_event(data.cases, data.events)
    forest = survival.forest_table(data.literature_survival)
    fitter = survival.kaplan_meier([2, 4, 6, 8], [1, 0, 1, 0], "hand")
    makers = [
        lambda: survival_plots.forest_plot(forest, own, "forest"),
        lambda: survival_plots.km_plot([fitter], "km", "months"),
        lambda: survival_plots.exponential_plot({"a": 19.0, "b": 7.6}, own, "MODEL"),
        lambda: survival_plots.origin_chart(survival.times_from_origins(data.cases, data.events), "origins"),
    ]
    for make in makers:
        first, second = make(), make()
        assert first.get_size_inches().tolist() == second.get_size_inches().tolist()
        assert _png(first) == _png(second)


# The single-case reading of notebook 05b, on synthetic series -------------------------------------------------


def _single_cases(rows):
    return pd.DataFrame([{"case": c, "months": m, "outcome": o, "time_origin": "x", "source": "cases.csv and events.csv"}
                         for c, m, o in rows])


def _whole_forest():
    literature = pd.DataFrame([
        {"study_id": s, "subgroup": "all", "design": "cohort", "n": 10, "median_os_months": m, "ci_low": None,
         "ci_high": None, "range_low": None, "range_high": None, "time_origin": "BMM diagnosis", "population": "p"}
        for s, m in (("c1", 6.0), ("c2", 12.0))])
    return survival.forest_table(literature)


def test_single_case_reading_when_the_median_is_not_reached():
    series = _single_cases([("a", 2.0, "dead"), ("b", 5.0, "alive"), ("c", 9.0, "alive"), ("d", 12.0, "alive")])
    d, e = survival.km_inputs(series, "censored")
    fitter = survival.kaplan_meier(d, e, "mostly alive")
    assert math.isinf(survival.km_summary(fitter)["median"])
    text = survival.single_case_reading(series, fitter, _whole_forest())
    assert "inf" not in text
    assert "**Kaplan-Meier median**: not reached (the curve stays above 50 %) (95% CI " in text
    assert "; 1 death)." in text  # singular
    assert "cannot be compared with a cohort median" in text and "longer than" not in text


def test_step_sizes_grow_only_after_a_censored_patient_leaves_the_risk_set():
    fitter = survival.kaplan_meier([1, 2, 3, 4], [1, 1, 1, 1], "no censoring")
    steps = survival.step_sizes(fitter)
    assert np.allclose(steps["drop"], 0.25) and (steps["censored_before"] == 0).all()
    series = _single_cases([("a", 1.0, "dead"), ("b", 2.0, "alive"), ("c", 3.0, "dead"), ("d", 4.0, "dead")])
    d, e = survival.km_inputs(series, "censored")
    fitter = survival.kaplan_meier(d, e, "one censored")
    steps = survival.step_sizes(fitter)
    # by hand: 1 - 1/4 = 0.75; at 3 months 2 at risk: drop 0.75/2 = 0.375; at 4 months 1 at risk: drop 0.375
    assert np.allclose(steps["drop"], [0.25, 0.375, 0.375]) and list(steps["censored_before"]) == [0, 1, 1]
    text = survival.single_case_reading(series, fitter, _whole_forest())
    assert "exactly 1/4 (25 percentage points)" in text
    assert "after b censored at 2 months, the death at 3 months drops it by 37.5 percentage points" in text
    assert "(1 death among 2 patients at risk)" in text and "3 deaths)." in text
    none_censored = _single_cases([("a", 1.0, "dead"), ("b", 2.0, "dead")])
    d, e = survival.km_inputs(none_censored, "censored")
    text = survival.single_case_reading(none_censored, survival.kaplan_meier(d, e, "x"), _whole_forest())
    assert "no patient is censored before a death, so every step is 1/2" in text


def test_single_case_reading_refuses_a_series_that_is_not_the_fit():
    series = _single_cases([("a", 2.0, "dead"), ("b", 5.0, "dead"), ("c", 9.0, "alive")])
    d, e = survival.km_inputs(series.iloc[:2], "censored")
    with pytest.raises(ValueError, match="series holds 3 patients but the fit 2"):
        survival.single_case_reading(series, survival.kaplan_meier(d, e, "part"), _whole_forest())
