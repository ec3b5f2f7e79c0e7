"""Recovery measures of utils.labs and the lab charts and explorer of utils.lab_charts (notebook 04).

Measures are checked on synthetic series worked out by hand; the curated data are used
only through their own rows, never through typed-in patient values.
"""

import math

import matplotlib
import pandas as pd
import pytest

from utils import casedata, grading, lab_charts, labs, units

matplotlib.use("Agg")


@pytest.fixture(scope="module")
def data():
    return casedata.load_all()


@pytest.fixture(scope="module")
def lln(data):
    return grading.lower_limits(data.reference_ranges, "hoffbrand_eh")


def synthetic(rows, case_id="x"):
    """A labs table from (analyte, day, value_std[, precision]) tuples."""
    records = []
    for row in rows:
        analyte, day, value = row[:3]
        precision = row[3] if len(row) > 3 else "exact"
        records.append({"case_id": case_id, "day": day, "day_precision": precision, "analyte": analyte,
                        "value": value, "unit": units.STANDARD_UNITS[analyte], "value_std": value,
                        "unit_std": units.STANDARD_UNITS[analyte], "printed": f"{value:g}", "source_locator": f"row {day}"})
    return pd.DataFrame(records)


PLATELETS = synthetic([("platelets", 0, 80.0), ("platelets", 10, 20.0), ("platelets", 20, 20.0, "approximate"),
                       ("platelets", 30, 60.0, "approximate"), ("platelets", 50, 160.0), ("cea", 0, 40.0), ("cea", 50, 10.0)])


# Errors name what was wrong --------------------------------------------------------------------


def test_series_names_an_unknown_case_and_lists_the_known_ones():
    with pytest.raises(ValueError, match=r"unknown case 'nobody'.*cases with values: x"):
        labs.series(PLATELETS, "nobody", "platelets")


def test_series_names_an_unknown_analyte_and_lists_the_known_ones():
    with pytest.raises(ValueError, match=r"unknown analyte 'ferritin'; expected one of: hemoglobin, platelets"):
        labs.series(PLATELETS, "x", "ferritin")


def test_series_keeps_its_message_for_a_known_analyte_without_values():
    with pytest.raises(ValueError, match="no wbc values for x"):
        labs.series(PLATELETS, "x", "wbc")


def test_window_without_values_names_the_measured_days():
    with pytest.raises(ValueError, match=r"x has no platelets value between day 11 and day 19; measured days: \[0, 10, 20, 30, 50\]"):
        labs.lowest_stated(PLATELETS, "x", "platelets", 11, 19)


def test_window_the_wrong_way_round():
    with pytest.raises(ValueError, match=r"day_to \(5\) is before day_from \(10\)"):
        labs.lowest_stated(PLATELETS, "x", "platelets", 10, 5)


# Lowest stated value and change from it -------------------------------------------------------------


def test_lowest_stated_is_the_earliest_of_equally_low_stated_values():
    low = labs.lowest_stated(PLATELETS, "x", "platelets")
    assert (low["day"], low["value_std"], low["day_precision"]) == (10, 20.0, "exact")


def test_lowest_stated_within_a_window():
    assert labs.lowest_stated(PLATELETS, "x", "platelets", 30, None)["day"] == 30
    assert labs.lowest_stated(PLATELETS, "x", "platelets", None, 5)["day"] == 0


def test_change_from_lowest_by_hand():
    table = labs.change_from_lowest(PLATELETS, "x", "platelets")
    assert table["day"].tolist() == [10, 20, 30, 50]
    assert table["days_after_lowest"].tolist() == [0, 10, 20, 40]
    assert table["change"].tolist() == [0.0, 0.0, 40.0, 140.0]
    assert table["percent"].tolist() == pytest.approx([0.0, 0.0, 200.0, 700.0])
    assert table["day_precision"].tolist() == ["exact", "approximate", "approximate", "exact"]


def test_change_from_a_lowest_value_of_zero_has_no_percentage():
    table = labs.change_from_lowest(synthetic([("wbc", 0, 0.0), ("wbc", 5, 1.5)]), "x", "wbc")
    assert table["change"].tolist() == [0.0, 1.5] and table["percent"].isna().all()


# First stated value above a threshold ---------------------------------------------------------------


def test_first_day_above_brackets_the_crossing_between_stated_days():
    found = labs.first_day_above(PLATELETS, "x", "platelets", 50)
    assert found == labs.FirstAbove(day=30, day_precision="approximate", value=60.0, last_below_day=20, start_day=10)
    assert found.days_after_start == 20


def test_first_day_above_counts_a_value_equal_to_the_threshold():
    assert labs.first_day_above(PLATELETS, "x", "platelets", 60).day == 30


def test_first_day_above_from_a_chosen_start():
    found = labs.first_day_above(PLATELETS, "x", "platelets", 50, start_day=0)
    assert found.day == 0 and found.last_below_day is None and found.days_after_start == 0


def test_first_day_above_is_none_when_no_stated_value_reaches_it():
    assert labs.first_day_above(PLATELETS, "x", "platelets", 500) is None
    assert labs.first_day_above(PLATELETS, "x", "platelets", 100, day_to=40) is None


def test_first_day_above_returns_only_stated_days():
    """No interpolation: the answer is always a day that has a stated value."""
    stated = set(PLATELETS.loc[PLATELETS["analyte"] == "platelets", "day"])
    for threshold in (21, 25, 40, 59, 61, 100, 159):
        found = labs.first_day_above(PLATELETS, "x", "platelets", threshold)
        assert found.day in stated and found.last_below_day in stated


@pytest.mark.parametrize("bad", [0, -5, math.nan, math.inf, "50", True, None])
def test_first_day_above_rejects_a_threshold_that_is_not_a_positive_number(bad):
    with pytest.raises(ValueError, match=r"threshold must be a positive number in the standard unit of platelets"):
        labs.first_day_above(PLATELETS, "x", "platelets", bad)


# Percent change ---------------------------------------------------------------------------------------


def test_percent_change_by_hand():
    assert labs.percent_change(PLATELETS, "x", "cea", 0, 50) == pytest.approx(-75.0)
    assert labs.percent_change(PLATELETS, "x", "platelets", 10, 50) == pytest.approx(700.0)


def test_percent_change_needs_stated_values_on_both_days():
    with pytest.raises(ValueError, match=r"x has no cea value on day\(s\) \[30\]; measured days: \[0, 50\]"):
        labs.percent_change(PLATELETS, "x", "cea", 0, 30)


def test_percent_change_from_zero_is_refused():
    with pytest.raises(ValueError, match="is 0, so a percentage change is undefined"):
        labs.percent_change(synthetic([("wbc", 0, 0.0), ("wbc", 5, 1.5)]), "x", "wbc", 0, 5)


def test_percent_change_table_leaves_out_analytes_not_stated_on_both_days():
    table = labs.percent_change_table(PLATELETS, "x", 0, 50)
    assert table["analyte"].tolist() == ["platelets", "cea"]
    assert table["percent"].tolist() == pytest.approx([100.0, -75.0])
    with pytest.raises(ValueError, match=r"no analyte among \['cea'\] is stated on both day 10 and day 50"):
        labs.percent_change_table(PLATELETS, "x", 10, 50, ["cea"])
    with pytest.raises(ValueError, match="unknown analyte 'psa'"):
        labs.percent_change_table(PLATELETS, "x", 0, 50, ["psa"])


# Recovery table --------------------------------------------------------------------------------------


def test_recovery_table_by_hand():
    table = labs.recovery_table(PLATELETS, "x", ["platelets"], {"platelets": 150.0})
    row = table.iloc[0]
    assert (row["lowest_stated_day"], row["lowest_stated"], row["last_day"], row["last"], row["change_from_lowest"]) == (10, 20.0, 50, 160.0, 140.0)
    assert row["first_at_or_above_lln"] == 50 and row["crossed_between"] == "day 30 and day 50"


def test_recovery_table_says_when_the_lln_is_not_reached():
    row = labs.recovery_table(PLATELETS, "x", ["platelets"], {"platelets": 150.0}, day_to=40).iloc[0]
    assert pd.isna(row["first_at_or_above_lln"]) and row["crossed_between"] == "not reached in the stated values"


def test_recovery_table_needs_an_lln_for_every_analyte():
    with pytest.raises(ValueError, match=r"no lower limit of normal given for 'platelets'; lln has: wbc"):
        labs.recovery_table(PLATELETS, "x", ["platelets"], {"wbc": 4.0})


def test_recovery_table_on_the_curated_data_uses_their_own_rows(data, lln):
    table = labs.recovery_table(data.labs, "akagi2021", list(labs.COUNTS), lln)
    for _, row in table.iterrows():
        own = labs.series(data.labs, "akagi2021", row["analyte"])
        assert row["lowest_stated"] == own["value_std"].min() and row["last"] == own["value_std"].iloc[-1]


# Grade steps, time to thresholds, values below transfusion thresholds -------------------------------


def test_ctcae_steps_are_the_grade_floors_then_the_lln():
    assert labs.ctcae_steps("platelets", 150) == {"grade 3 or better (>= 25)": 25.0, "grade 2 or better (>= 50)": 50.0,
                                                 "grade 1 or better (>= 75)": 75.0, "normal (>= LLN 150)": 150.0}
    assert list(labs.ctcae_steps("hemoglobin", 12)) == ["grade 2 or better (>= 8)", "grade 1 or better (>= 10)", "normal (>= LLN 12)"]


@pytest.mark.parametrize(("analyte", "lln", "message"), [
    ("cea", 5.0, r"no CTCAE v5.0 grading for 'cea'"),
    ("platelets", 0, r"lower limit of normal must be a positive number"),
    ("platelets", "150", r"lower limit of normal must be a positive number"),
])
def test_ctcae_steps_rejects_bad_input(analyte, lln, message):
    with pytest.raises(ValueError, match=message):
        labs.ctcae_steps(analyte, lln)


def test_time_to_thresholds_by_hand():
    table = labs.time_to_thresholds(PLATELETS, "x", "platelets", {"low": 25, "high": 150, "never": 500})
    assert table["first_day"].tolist()[:2] == [30, 50] and pd.isna(table["first_day"].iloc[2])
    assert table["last_below_day"].tolist()[:2] == [20, 30] and table["days_after_lowest"].tolist()[:2] == [20, 40]
    assert table["crossed_between"].tolist() == ["day 20 and day 30", "day 30 and day 50", "not reached in the stated values"]


def test_a_threshold_met_by_the_lowest_stated_value_is_not_called_never_crossed():
    """0 days after the lowest stated value means 'no stated value below it', not 'the count never fell below it'."""
    table = labs.time_to_thresholds(PLATELETS, "x", "platelets", {"low": 15})
    row = table.iloc[0]
    assert row["days_after_lowest"] == 0 and pd.isna(row["last_below_day"])
    assert row["crossed_between"] == "already at or above at the lowest stated value"
    assert labs.recovery_table(PLATELETS, "x", ["platelets"], {"platelets": 15.0}).iloc[0]["crossed_between"] == \
        "already at or above at the lowest stated value"


def test_below_thresholds_compares_every_stated_value_with_the_thresholds_that_apply():
    thresholds = pd.DataFrame({"threshold_id": ["T1", "T2", "T3"], "case_id": [pd.NA, "x", "y"],
                               "analyte": ["platelets", "platelets", "platelets"], "below": [10.0, 30_000.0, 50.0],
                               "unit": ["10^9/L", "/μl", "10^9/L"], "source_id": ["g", "x", "y"]})
    table = labs.below_thresholds(synthetic([("platelets", 0, 9.0), ("platelets", 5, 30.0)]), thresholds, "x")
    assert table["threshold_id"].tolist() == ["T1", "T1", "T2", "T2"]  # T3 belongs to another case
    assert table["threshold"].tolist() == [10.0, 10.0, 30.0, 30.0]  # 30 000/μl converted to 30 x 10^9/L
    assert table["below"].tolist() == [True, False, True, False]  # a value equal to the threshold is not below it


def test_below_thresholds_names_an_unknown_unit():
    thresholds = pd.DataFrame({"threshold_id": ["T1"], "case_id": [pd.NA], "analyte": ["platelets"], "below": [10.0],
                               "unit": ["per drop"], "source_id": ["g"]})
    with pytest.raises(units.UnitError, match=r"unknown unit 'per drop'"):
        labs.below_thresholds(PLATELETS, thresholds, "x")


# Units -------------------------------------------------------------------------------------------------


def test_unit_check_reconverts_every_printed_count(data):
    table = labs.unit_check(data.labs)
    counts = data.labs[data.labs["analyte"].isin(labs.COUNTS)]
    assert len(table) == len(counts) and table["agrees"].all()
    per_microlitre = table[table["unit"] == "/μl"]
    assert (per_microlitre["factor"] == 1e-3).all() and (per_microlitre["unit_std"] == "10^9/L").all()


def test_unit_check_names_an_unknown_unit():
    bad = synthetic([("platelets", 0, 80.0)]).assign(unit="lakh/mm3")
    with pytest.raises(units.UnitError, match=r"unknown unit 'lakh/mm3'"):
        labs.unit_check(bad)


# The view behind the chart and the widget ------------------------------------------------------------


def view(data, case_id, analytes=labs.COUNTS + labs.MARKERS, thresholds=None):
    chosen = lab_charts.applicable_thresholds(data.labs, data.transfusion_thresholds, case_id) if thresholds is None else thresholds
    return lab_charts.lab_view(data.labs, data.therapy_lines, data.transfusion_thresholds, case_id, analytes, chosen)


def test_view_holds_exactly_the_stated_values(data):
    for case_id in data.cases["case_id"]:
        shown = view(data, case_id)
        own = data.labs[(data.labs["case_id"] == case_id) & data.labs["analyte"].isin(shown.analytes)]
        assert len(shown.points) == len(own)
        assert sorted(zip(shown.points["analyte"], shown.points["day"], shown.points["value_std"])) == \
            sorted(zip(own["analyte"].astype(str), own["day"], own["value_std"]))


def test_view_names_the_analytes_without_values_instead_of_filling_them(data):
    shown = view(data, "tnbc2025")
    stated = set(data.labs.loc[data.labs["case_id"] == "tnbc2025", "analyte"].astype(str))
    assert set(shown.missing) == set(labs.COUNTS + labs.MARKERS) - stated
    assert all(f"no {a} value is stated" in " ".join(shown.notes) for a in shown.missing)


def test_view_says_when_a_report_states_no_transfusion_threshold(data):
    with_threshold = set(data.transfusion_thresholds["case_id"].dropna())
    for case_id in data.cases["case_id"]:
        note = f"the {case_id} report states no transfusion threshold"
        assert (note in view(data, case_id).notes) == (case_id not in with_threshold)


def test_applicable_thresholds_are_own_or_guideline_on_stated_analytes(data):
    table = data.transfusion_thresholds.set_index("threshold_id")
    for case_id in data.cases["case_id"]:
        stated = set(data.labs.loc[data.labs["case_id"] == case_id, "analyte"].astype(str))
        for threshold_id in lab_charts.applicable_thresholds(data.labs, data.transfusion_thresholds, case_id):
            owner = table.at[threshold_id, "case_id"]
            assert (pd.isna(owner) or owner == case_id) and table.at[threshold_id, "analyte"] in stated


def test_view_keeps_only_metastatic_lines_with_their_precision(data):
    shown = view(data, "akagi2021")
    rows = data.therapy_lines.set_index("therapy_id").loc[shown.lines["therapy_id"]]
    assert (rows["setting"] == "metastatic").all()
    assert shown.lines["start_precision"].tolist() == rows["start_precision"].tolist()
    first, last = shown.day_range
    assert first <= shown.points["day"].min() and last >= shown.points["day"].max()


@pytest.mark.parametrize(("case_id", "analytes", "thresholds", "message"), [
    ("nobody", ["platelets"], [], r"unknown case 'nobody'"),
    ("akagi2021", ["platelets", "ferritin"], [], r"unknown analyte 'ferritin'"),
    ("akagi2021", [], [], r"choose at least one analyte"),
    ("akagi2021", ["platelets"], ["TT-99"], r"unknown threshold 'TT-99'; expected any of: TT-01"),
])
def test_view_rejects_bad_choices(data, case_id, analytes, thresholds, message):
    with pytest.raises(ValueError, match=message):
        lab_charts.lab_view(data.labs, data.therapy_lines, data.transfusion_thresholds, case_id, analytes, thresholds)


def test_view_refuses_another_reports_threshold(data):
    rows = data.transfusion_thresholds.dropna(subset=["case_id"])
    row = rows.iloc[0]
    other = next(c for c in data.cases["case_id"] if c != row["case_id"])
    with pytest.raises(ValueError, match=rf"threshold {row['threshold_id']} is the one stated in the {row['case_id']} report; it does not apply to {other}"):
        view(data, other, thresholds=[row["threshold_id"]])


def test_view_refuses_a_threshold_on_an_analyte_without_values(data):
    stated = set(data.labs.loc[data.labs["case_id"] == "tnbc2025", "analyte"].astype(str))
    row = data.transfusion_thresholds[data.transfusion_thresholds["case_id"].isna()
                                      & ~data.transfusion_thresholds["analyte"].isin(stated)].iloc[0]
    with pytest.raises(ValueError, match=rf"threshold {row['threshold_id']} is for {row['analyte']}, which has no stated values for tnbc2025"):
        view(data, "tnbc2025", thresholds=[row["threshold_id"]])


def test_view_refuses_a_threshold_on_an_analyte_not_chosen(data):
    with pytest.raises(ValueError, match=r"threshold TT-02 is for platelets, which is not among the chosen analytes"):
        view(data, "akagi2021", analytes=["hemoglobin"], thresholds=["TT-02"])


def test_view_names_a_threshold_in_an_unknown_unit(data):
    bad = data.transfusion_thresholds.copy()
    bad["unit"] = bad["unit"].astype(str)
    bad.loc[bad["threshold_id"] == "TT-02", "unit"] = "mmol/L"
    with pytest.raises(units.UnitError, match=r"unknown unit 'mmol/L'"):
        lab_charts.lab_view(data.labs, data.therapy_lines, bad, "akagi2021", ["platelets"], ["TT-02"])


def test_view_converts_a_threshold_to_the_standard_unit(data):
    per_microlitre = data.transfusion_thresholds.copy()
    per_microlitre["unit"] = per_microlitre["unit"].astype(str)
    per_microlitre["below"] = per_microlitre["below"].astype(float)
    mask = per_microlitre["threshold_id"] == "TT-02"
    expected = float(per_microlitre.loc[mask, "below"].iloc[0])
    per_microlitre.loc[mask, "below"] = expected * 1000
    per_microlitre.loc[mask, "unit"] = "/μl"
    shown = lab_charts.lab_view(data.labs, data.therapy_lines, per_microlitre, "akagi2021", ["platelets"], ["TT-02"])
    assert shown.thresholds["below_std"].tolist() == [expected] and shown.thresholds["unit_std"].tolist() == ["10^9/L"]


def test_describe_names_what_is_missing(data):
    text = lab_charts.describe(view(data, "tnbc2025"))
    assert text.startswith("**tnbc2025**") and "no hemoglobin value is stated" in text


# The figure draws only stated values ------------------------------------------------------------------


def test_chart_draws_points_only_on_stated_values_and_hollow_when_approximate(data, lln):
    import matplotlib.pyplot as plt
    from matplotlib.collections import PathCollection

    shown = view(data, "akagi2021")
    fig = lab_charts.lab_chart(shown, lln)
    counts = [a for a in shown.analytes if a in labs.COUNTS and a not in shown.missing]
    assert len(fig.axes) == 1 + len(counts) + 1
    drawn = []
    for ax in fig.axes:
        for collection in ax.collections:
            if isinstance(collection, PathCollection):
                (x, y), = collection.get_offsets()
                face = collection.get_facecolors()[0]
                drawn.append((int(x), float(y), tuple(face[:3]) == (1.0, 1.0, 1.0)))
        for line in ax.get_lines():  # dotted connectors pass only through stated points
            if line.get_linestyle() == ":":
                stated = set(zip(shown.points["day"], shown.points["value_std"]))
                assert set(zip(line.get_xdata(), line.get_ydata())) <= stated
    expected = sorted((int(r["day"]), float(r["value_std"]), r["day_precision"] == "approximate") for _, r in shown.points.iterrows())
    assert sorted(drawn) == expected
    plt.close(fig)


def test_chart_says_when_no_marker_value_is_stated(data, lln):
    import matplotlib.pyplot as plt

    fig = lab_charts.lab_chart(view(data, "tnbc2025"), lln)
    texts = " ".join(t.get_text() for ax in fig.axes for t in ax.texts)
    assert "no tumour-marker value stated in the report text" in texts and "no value stated after day" in texts
    plt.close(fig)


def test_chart_needs_an_lln_for_every_count(data):
    with pytest.raises(ValueError, match=r"no lower limit of normal given for 'platelets'"):
        lab_charts.lab_chart(view(data, "tnbc2025"), {"hemoglobin": 11.5})


# The widget, headless ------------------------------------------------------------------------------------


@pytest.fixture()
def explorer(data, lln):
    shown = []
    box = lab_charts.lab_explorer(data.labs, data.therapy_lines, data.transfusion_thresholds, lln, "akagi2021",
                                  show=shown.append)
    return box, shown


def test_explorer_starts_as_reported(explorer, data):
    box, shown = explorer
    assert len(shown) == 1 and isinstance(shown[0], lab_charts.LabView)
    assert shown[0].case_id == "akagi2021" and shown[0].analytes == tuple(a for _, a in lab_charts.ANALYTE_CHOICES)
    assert shown[0].points.equals(view(data, "akagi2021").points)
    assert list(box.values()["show_thresholds"]) == lab_charts.applicable_thresholds(data.labs, data.transfusion_thresholds, "akagi2021")


def test_explorer_threshold_lines_follow_the_case(explorer, data):
    box, shown = explorer
    box.controls["case_id"].value = "tnbc2025"  # the lines that apply to tnbc2025 replace akagi2021's
    expected = lab_charts.applicable_thresholds(data.labs, data.transfusion_thresholds, "tnbc2025")
    assert list(box.values()["show_thresholds"]) == expected and "TT-01" in expected and "TT-03" not in expected
    assert isinstance(shown[-1], lab_charts.LabView) and shown[-1].case_id == "tnbc2025"
    assert shown[-1].thresholds["threshold_id"].tolist() == expected


def test_explorer_shows_a_clear_message_for_choices_that_do_not_fit(explorer):
    box, shown = explorer
    box.controls["case_id"].value = "tnbc2025"
    box.controls["show_thresholds"].value = ("TT-03",)  # a haemoglobin threshold; tnbc2025 has no haemoglobin value
    assert isinstance(shown[-1], str) and shown[-1].startswith("**These choices do not fit together:**")
    assert "hemoglobin" in shown[-1] and "tnbc2025" in shown[-1]
    box.controls["show_thresholds"].value = ("TT-01",)
    assert isinstance(shown[-1], lab_charts.LabView) and shown[-1].case_id == "tnbc2025"
    assert shown[-1].thresholds["threshold_id"].tolist() == ["TT-01"]


def test_explorer_analyte_choice_and_reset(explorer):
    box, shown = explorer
    box.controls["analytes"].value = ("cea",)  # the platelet and haemoglobin thresholds no longer have a panel
    assert isinstance(shown[-1], str) and "is not among the chosen analytes" in shown[-1]
    box.controls["show_thresholds"].value = ()
    assert set(shown[-1].points["analyte"]) == {"cea"} and shown[-1].thresholds.empty
    box.reset_button.click()
    assert box.values() == box.reported and isinstance(shown[-1], lab_charts.LabView)
    assert shown[-1].points.equals(shown[0].points)


def test_explorer_is_built_on_the_shared_wiring_layer(explorer):
    from utils.widgets import Explorer

    box, _ = explorer
    assert isinstance(box, Explorer) and set(box.controls) == {"case_id", "analytes", "show_thresholds"}


# Connectors break at a relapse ---------------------------------------------------------------------------


@pytest.mark.parametrize(("days", "breaks", "runs"), [
    ([0, 10, 20], [], [[0, 1, 2]]),
    ([0, 10, 20], [15], [[0, 1], [2]]),
    ([0, 10, 20], [20], [[0, 1], [2]]),  # a value stated on the day of the relapse belongs to the new episode
    ([0, 10, 20], [10, 20], [[0], [1], [2]]),
    ([0, 10, 20], [0, 25, -5], [[0, 1, 2]]),  # breaks outside the gaps change nothing
    ([5], [5], [[0]]),
    ([], [3], []),
])
def test_connector_segments_by_hand(days, breaks, runs):
    assert lab_charts.connector_segments(days, breaks) == runs


def test_connector_segments_need_days_in_order():
    with pytest.raises(ValueError, match=r"days must be in ascending order"):
        lab_charts.connector_segments([10, 0], [])


def test_connector_breaks_take_the_relapse_events_of_the_case_only():
    events = pd.DataFrame({"case_id": ["x", "x", "x", "y", "x"], "event_id": ["E1", "E2", "E3", "E4", "E5"],
                           "day": [50, 20, 30, 40, None], "kind": ["relapse", "relapse", "progression", "relapse", "relapse"]})
    assert lab_charts.connector_breaks(events, "x") == ((20, "E2"), (50, "E1"))
    assert lab_charts.connector_breaks(events, "x", kinds=("progression",)) == ((30, "E3"),)
    with pytest.raises(ValueError, match=r"events table lacks column\(s\) \['kind'\]"):
        lab_charts.connector_breaks(events.drop(columns="kind"), "x")


def test_view_with_events_records_the_relapses_of_the_curated_data(data):
    relapses = data.events[(data.events["case_id"] == "akagi2021") & (data.events["kind"] == "relapse")]
    assert len(relapses) >= 1  # the curated second marrow relapse
    shown = lab_charts.lab_view(data.labs, data.therapy_lines, data.transfusion_thresholds, "akagi2021", labs.COUNTS,
                                events=data.events)
    assert shown.breaks == tuple((int(r["day"]), r["event_id"]) for _, r in relapses.sort_values("day").iterrows())
    for day, event_id in shown.breaks:
        assert f"no connector is drawn across the relapse on day {day} ({event_id})" in shown.notes
    assert view(data, "akagi2021").breaks == ()  # the older call, without events
    assert "no events table given, so connectors are not broken at relapses" in view(data, "akagi2021").notes
    assert "relapse on day" in lab_charts.describe(shown)


def _connectors(fig):
    return [line for ax in fig.axes for line in ax.get_lines() if line.get_linestyle() == ":"]


def test_chart_draws_no_connector_across_a_relapse(data, lln):
    import matplotlib.pyplot as plt

    analytes = labs.COUNTS + labs.MARKERS
    chosen = lab_charts.applicable_thresholds(data.labs, data.transfusion_thresholds, "akagi2021")
    shown = lab_charts.lab_view(data.labs, data.therapy_lines, data.transfusion_thresholds, "akagi2021", analytes, chosen,
                                events=data.events)
    assert shown.breaks
    fig = lab_charts.lab_chart(shown, lln)
    for line in _connectors(fig):
        days = list(line.get_xdata())
        for a, b in zip(days, days[1:]):
            assert not any(a < d <= b for d, _ in shown.breaks), f"connector from day {a} to day {b} crosses a relapse"
    with_breaks = sum(len(line.get_xdata()) - 1 for line in _connectors(fig))
    plt.close(fig)
    fig = lab_charts.lab_chart(view(data, "akagi2021"), lln)  # without events: one connector more per analyte spanning it
    without = sum(len(line.get_xdata()) - 1 for line in _connectors(fig))
    plt.close(fig)
    spanning = sum(1 for a in set(shown.points["analyte"])
                   for days in [sorted(shown.points.loc[shown.points["analyte"] == a, "day"])]
                   for x, y in zip(days, days[1:]) if any(x < d <= y for d, _ in shown.breaks))
    assert spanning > 0 and without - with_breaks == spanning


def test_chart_marks_each_relapse_and_names_its_event(data, lln):
    import matplotlib.pyplot as plt

    shown = lab_charts.lab_view(data.labs, data.therapy_lines, data.transfusion_thresholds, "akagi2021", ["hemoglobin"],
                                events=data.events)
    fig = lab_charts.lab_chart(shown, lln)
    texts = " ".join(t.get_text() for ax in fig.axes for t in ax.texts)
    for day, event_id in shown.breaks:
        assert f"relapse ({event_id})" in texts
        assert any(line.get_linestyle() == "-." and list(line.get_xdata()) == [day, day] for line in fig.axes[1].get_lines())
    plt.close(fig)


def test_a_relapse_diagnosed_clinically_is_labelled_so(data, lln):
    import matplotlib.pyplot as plt

    events = pd.DataFrame({"case_id": ["x", "x"], "event_id": ["E1", "E2"], "day": [10, 20], "kind": ["relapse"] * 2,
                           "description": ["relapse shown by a marrow biopsy", "relapse (a Clinical Diagnosis): no biopsy"]})
    assert lab_charts.clinical_diagnoses(events, ["E1", "E2"]) == ("E2",)
    assert lab_charts.clinical_diagnoses(events, ["E1"]) == ()
    assert lab_charts.clinical_diagnoses(events.drop(columns="description"), ["E2"]) == ()
    shown = lab_charts.lab_view(data.labs, data.therapy_lines, data.transfusion_thresholds, "akagi2021", ["hemoglobin"],
                                events=data.events)
    curated = data.events[data.events["event_id"].isin([e for _, e in shown.breaks])]
    said = curated["description"].str.lower().str.contains("clinical diagnosis")
    assert set(shown.clinical_breaks) == set(curated.loc[said, "event_id"]) and shown.clinical_breaks  # AK-E16
    for day, event_id in shown.breaks:
        if event_id in shown.clinical_breaks:
            assert f"the relapse on day {day} ({event_id}) was a clinical diagnosis, not shown by a biopsy" in shown.notes
    fig = lab_charts.lab_chart(shown, lln)
    texts = " ".join(t.get_text() for ax in fig.axes for t in ax.texts)
    for event_id in shown.clinical_breaks:
        assert f"clinically diagnosed relapse ({event_id})" in texts
    legend = [t.get_text() for legend in fig.legends for t in legend.get_texts()]
    assert "relapse (clinically diagnosed, no biopsy): no connector across it" in legend
    plt.close(fig)


def test_the_legend_names_each_guideline_by_version(data, lln):
    import matplotlib.pyplot as plt

    assert lab_charts.guideline_legend_label(["metcalf2025_aabb_ictmg"]) == "guideline transfusion threshold (AABB/ICTMG 2025)"
    assert lab_charts.guideline_legend_label(["carson2023_aabb", "metcalf2025_aabb_ictmg", "carson2023_aabb"]) == (
        "guideline transfusion threshold (AABB 2023, AABB/ICTMG 2025)")
    assert lab_charts.guideline_legend_label(["new_guideline"]) == "guideline transfusion threshold (new_guideline)"
    assert lab_charts.guideline_legend_label([]) == "guideline transfusion threshold"
    for source_id in data.transfusion_thresholds.loc[data.transfusion_thresholds["case_id"].isna(), "source_id"]:
        assert source_id in lab_charts.GUIDELINE_SHORT_NAMES, f"{source_id} has no short name for the legend"
    shown = view(data, "tnbc2025")
    fig = lab_charts.lab_chart(shown, lln)
    labels = [t.get_text() for legend in fig.legends for t in legend.get_texts()]
    assert "guideline transfusion threshold (AABB/ICTMG 2025)" in labels
    plt.close(fig)


# Therapy track: labels, assumed days, edges ---------------------------------------------------------------


@pytest.mark.parametrize(("agents", "line", "assumed", "label"), [
    ("doxorubicin;cyclophosphamide", 3, False, "L3: AC"),
    ("tegafur;gimeracil;oteracil", 7, False, "L7: S-1"),
    ("paclitaxel", 1, True, "L1: paclitaxel*"),
    ("fulvestrant;toremifene", 1, False, "L1: fulvestrant + toremifene"),
    ("a;b;c", 2, False, "L2: a"),
    (None, None, False, "best supportive care"),
])
def test_line_label(agents, line, assumed, label):
    row = pd.Series({"agents": agents, "line": line, "regimen": "best supportive care", "assumed": assumed})
    assert lab_charts.line_label(row) == label


def test_count_lines_counts_a_line_given_in_parts_once():
    lines = pd.DataFrame({"line": [3, 3, 4, pd.NA]})
    assert lab_charts.count_lines(lines) == (3, 4)


def test_view_marks_lines_whose_day_was_placed_by_assumption(data):
    shown = view(data, "tnbc2025")
    basis = data.therapy_lines.set_index("therapy_id").loc[shown.lines["therapy_id"], "timing_basis"].fillna("")
    assert shown.lines["assumed"].tolist() == basis.str.contains("by assumption").tolist()
    assert shown.lines["assumed"].any()  # the paclitaxel-eribulin switch of tnbc2025 is placed by assumption
    assert any("placed by assumption" in note for note in shown.notes)


def test_therapy_edges_are_dashed_when_approximate_and_carry_no_width(data, lln):
    import matplotlib.pyplot as plt

    shown = view(data, "akagi2021")
    fig = lab_charts.lab_chart(shown, lln)
    edges = {}
    for line in fig.axes[0].get_lines():
        x = line.get_xdata()[0]
        edges.setdefault(float(x), set()).add(line.get_linestyle())
    for _, row in shown.lines.iterrows():
        for day, precision in ((row["start_day"], row["start_precision"]), (row["end_day"], row["end_precision"])):
            if pd.notna(day):
                assert ("--" if precision == "approximate" else "-") in edges[float(day)]
    spans = [p for p in fig.axes[0].patches]  # one band per line of more than a day, exactly from start to end
    multi_day = shown.lines[shown.lines["end_day"].fillna(shown.lines["start_day"]) > shown.lines["start_day"]]
    assert len(spans) == len(multi_day)
    plt.close(fig)


def test_explorer_breaks_connectors_when_given_events(data, lln):
    shown = []
    lab_charts.lab_explorer(data.labs, data.therapy_lines, data.transfusion_thresholds, lln, "akagi2021",
                            show=shown.append, events=data.events)
    assert shown[-1].breaks == lab_charts.connector_breaks(data.events, "akagi2021")


# Threshold lines are described with analyte, unit, whose rule and population -------------------------------


def test_threshold_lines_name_analyte_unit_owner_and_population():
    thresholds = pd.DataFrame([
        {"threshold_id": "T-own", "case_id": "x", "analyte": "platelets", "below": 20.0, "unit": "10^9/L",
         "action": "transfused whenever below", "source_id": "x", "source_locator": "s"},
        {"threshold_id": "T-g", "case_id": pd.NA, "analyte": "platelets", "below": 10000.0, "unit": "/μl",
         "action": "guideline: prophylactic, in non-bleeding adults (strong recommendation); see also 2",
         "source_id": "g2099", "source_locator": "s"}])
    assert lab_charts.threshold_label("T-g", True, "g2099", "platelets", 10.0, "10^9/L", thresholds.loc[1, "action"]) == (
        "T-g (guideline, g2099): platelets below 10 ×10^9/L; prophylactic, in non-bleeding adults; see also 2")
    assert lab_charts.threshold_label("T-own", False, "x", "hemoglobin", 7.0, "g/dL", "transfused whenever below") == (
        "T-own (this report's own threshold): haemoglobin below 7 g/dL; transfused whenever below")
    assert lab_charts.threshold_population(None) == "action not stated"


def test_describe_lists_each_threshold_line_with_its_unit_and_a_yardstick_heading(data):
    thresholds = data.transfusion_thresholds
    shown = view(data, "tnbc2025")
    text = lab_charts.describe(shown)
    assert "that apply" not in text and "a yardstick, not an indication for this patient" in text
    assert len(shown.thresholds)
    for row in shown.thresholds.itertuples():
        source = thresholds[thresholds["threshold_id"] == row.threshold_id].iloc[0]
        whose = "this report's own threshold" if pd.notna(source["case_id"]) else "guideline, "
        line = next(line for line in text.splitlines() if line.startswith(f"    - {row.threshold_id} ("))
        assert whose in line and f"below {row.below_std:g} " in line and (row.unit_std.split("^")[-1] in line)
        assert lab_charts.threshold_population(source["action"]).split()[0] in line


# Labels that never collide, and the explorer's compact chart (issue 17) -------------------------------------------
def assert_texts_apart(fig, what: str) -> None:
    """No two drawn texts of ``fig`` share any area, and none reaches past the canvas (in the style of
    tests/test_any_case_a.py assert_no_overlap, over every text the figure draws)."""
    import itertools

    fig.canvas.draw()
    renderer = fig.canvas.get_renderer()
    boxes = [(t.get_text(), t.get_window_extent(renderer)) for t in lab_charts.drawn_texts(fig)]
    assert len(boxes) > 10, f"{what}: only {len(boxes)} texts found; the collector is not looking"
    for (a, box_a), (b, box_b) in itertools.combinations(boxes, 2):
        assert not box_a.overlaps(box_b), f"{what}: {a!r} and {b!r} overlap"
    canvas = fig.bbox
    for text, box in boxes:
        assert canvas.x0 - 1 <= box.x0 and box.x1 <= canvas.x1 + 1 and canvas.y0 - 1 <= box.y0 and box.y1 <= canvas.y1 + 1, (
            f"{what}: {text!r} reaches past the canvas")


@pytest.mark.parametrize("explorer", [False, True], ids=["notebook", "explorer"])
@pytest.mark.parametrize("case_id", ["akagi2021", "tnbc2025"])
def test_chart_labels_never_overlap(data, lln, case_id, explorer):
    import matplotlib.pyplot as plt

    from utils import plots

    plots.use_course_style()
    chosen = lab_charts.applicable_thresholds(data.labs, data.transfusion_thresholds, case_id)
    shown = lab_charts.lab_view(data.labs, data.therapy_lines, data.transfusion_thresholds, case_id, labs.COUNTS + labs.MARKERS,
                                chosen, events=data.events)
    fig = lab_charts.lab_chart(shown, lln, case_ids=data.cases["case_id"], explorer=explorer)
    assert_texts_apart(fig, f"{case_id} ({'explorer' if explorer else 'notebook'})")
    texts = [t.get_text() for ax in fig.axes for t in ax.texts]
    for threshold_id in chosen:  # every threshold line keeps its label
        assert any(t.startswith(f"{threshold_id} <") for t in texts), (threshold_id, texts)
    values = {f"{v:g}" for v in shown.points["value_std"]}
    if explorer:  # the explorer lists the values in a table instead of labelling them
        assert not values & set(texts)
    else:
        assert len(values & set(texts)) >= 0.8 * len(values)  # a label with no free place may be left out, rarely
    plt.close(fig)


def test_explorer_chart_fits_beside_the_controls_with_text_large_enough(data, lln):
    from utils.widgets import FIGURE_PX, MIN_TEXT_PX, WIDGET_DPI

    chosen = lab_charts.applicable_thresholds(data.labs, data.transfusion_thresholds, "akagi2021")
    shown = lab_charts.lab_view(data.labs, data.therapy_lines, data.transfusion_thresholds, "akagi2021", labs.COUNTS + labs.MARKERS,
                                chosen, events=data.events)
    fig = lab_charts.lab_chart(shown, lln, case_ids=data.cases["case_id"], explorer=True)
    width, height = fig.get_size_inches() * fig.dpi
    assert fig.dpi == WIDGET_DPI and round(width) == FIGURE_PX[0] and height <= FIGURE_PX[1]
    fig.canvas.draw()
    smallest = min(t.get_fontsize() * fig.dpi / 72 for t in lab_charts.drawn_texts(fig))
    assert smallest >= MIN_TEXT_PX


def test_explorer_reading_is_described_and_tabulated(data, lln):
    from PIL import Image
    import io

    chosen = lab_charts.applicable_thresholds(data.labs, data.transfusion_thresholds, "akagi2021")
    shown = lab_charts.lab_view(data.labs, data.therapy_lines, data.transfusion_thresholds, "akagi2021", labs.COUNTS + labs.MARKERS,
                                chosen, events=data.events)
    reading = lab_charts.explorer_reading(shown, lln, data.cases["case_id"])
    assert Image.open(io.BytesIO(reading.png)).size[0] == 680
    values, lines = reading.tables
    assert len(values) == len(shown.points) and list(values["value"]) != [] and set(values["analyte"]) >= {"platelets", "CEA"}
    assert list(lines["threshold line"]) == list(shown.thresholds["label"])
    assert reading.alt.startswith("Chart of akagi2021's stated haemoglobin, platelets, white cells, CEA and CA 15-3")
    assert "threshold lines TT-02, TT-03" in reading.alt and "no value stated for CA 125" in reading.alt


def test_explorer_offers_every_analyte_and_threshold_as_a_check_box(explorer, data):
    from utils.widgets import CheckboxGroup

    box, shown = explorer
    analytes, lines = box.controls["analytes"], box.controls["show_thresholds"]
    assert isinstance(analytes, CheckboxGroup) and isinstance(lines, CheckboxGroup)
    assert [b.description for b in analytes.boxes] == [label for label, _ in lab_charts.ANALYTE_CHOICES]
    assert len(lines.boxes) == len(data.transfusion_thresholds) and all(b.description for b in lines.boxes)
    assert [b.value for b in lines.boxes] == [t in box.reported["show_thresholds"] for _, t in lines.options]
    analytes.boxes[-1].value = False  # a click on "CA 125" takes it out of the reading
    assert "ca125" not in analytes.value and "ca125" not in shown[-1].analytes and "cea" in shown[-1].analytes
    box.controls["analytes"].value = ("cea",)  # a value set from code checks the boxes
    assert [b.value for b in analytes.boxes] == [a == "cea" for _, a in lab_charts.ANALYTE_CHOICES]
    box.reset_button.click()
    assert all(b.value for b in analytes.boxes) and box.values() == box.reported


def test_every_grade_band_is_labelled_beside_its_panel(data):
    # bands too close on screen share a label ("G3-4"); none may be left out (a grade-4 count beside "G3" misleads)
    import re

    lln = grading.lower_limits(data.reference_ranges, "hoffbrand_eh")
    for explorer in (False, True):
        view = lab_charts.lab_view(data.labs, data.therapy_lines, data.transfusion_thresholds, "akagi2021",
                                   ("hemoglobin", "platelets", "wbc"), [], events=data.events)
        fig = lab_charts.lab_chart(view, lln, "t", case_ids=data.cases["case_id"], explorer=explorer)
        fig.canvas.draw()
        for ax, analyte in zip(fig.axes[1:4], ("hemoglobin", "platelets", "wbc")):
            covered = set()
            for text in ax.texts:
                match = re.fullmatch(r"G(\d)(?:-(\d))?", text.get_text())
                if match:
                    low = int(match.group(1))
                    covered |= set(range(low, int(match.group(2) or low) + 1))
            grades = set(range(len(grading.CTCAE_V5[analyte][1]) + 2))  # grade 0 (from the LLN), 1 .. the last bound
            assert covered == grades, (explorer, analyte, sorted(covered))
