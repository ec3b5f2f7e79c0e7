"""utils.labs and utils.summary."""

import pytest

from utils import casedata, labs, summary


@pytest.fixture(scope="module")
def data():
    return casedata.load_all()


def test_series_is_in_day_order_with_locators(data):
    platelets = labs.series(data.labs, "akagi2021", "platelets")
    assert platelets["day"].is_monotonic_increasing
    assert platelets["source_locator"].notna().all()


def test_change_per_day_uses_measured_values_only(data):
    platelets = labs.series(data.labs, "tnbc2025", "platelets").set_index("day")["value_std"]
    first, last = platelets.index[0], platelets.index[-1]
    expected = (platelets[last] - platelets[first]) / (last - first)
    assert labs.change_per_day(data.labs, "tnbc2025", "platelets", first, last) == pytest.approx(expected)
    with pytest.raises(ValueError, match="no platelets value on day"):
        labs.change_per_day(data.labs, "tnbc2025", "platelets", first, first + 1)


def test_change_per_day_by_hand():
    import pandas as pd
    table = pd.DataFrame({"case_id": ["x", "x"], "analyte": ["platelets"] * 2, "day": [0, 4], "day_precision": ["exact"] * 2,
                          "value_std": [100.0, 20.0], "unit_std": ["10^9/L"] * 2, "printed": ["", ""], "source_locator": ["a", "b"]})
    assert labs.change_per_day(table, "x", "platelets", 0, 4) == -20.0


def test_unknown_series():
    with pytest.raises(ValueError, match="no ca125 values for akagi2021"):
        labs.series(casedata.load("labs"), "akagi2021", "ca125")


@pytest.mark.parametrize(("days", "survival", "expected"), [(0, 10, 100.0), (4, 10, 60.0), (5, 10, 50.0), (10, 10, 0.0), (12, 10, 0.0)])
def test_count_if_production_stopped(days, survival, expected):
    assert labs.count_if_production_stopped(100.0, days, survival) == pytest.approx(expected)


def test_count_if_production_stopped_rejects_nonsense():
    with pytest.raises(ValueError):
        labs.count_if_production_stopped(100.0, 4, 0)


@pytest.mark.parametrize(("start", "end", "survival", "expected"), [
    (100.0, 100.0, 10, 0.0), (100.0, 50.0, 10, 5.0), (100.0, 0.0, 10, 10.0), (9.0, 4.5, 120, 60.0)])
def test_days_to_fall_if_production_stopped(start, end, survival, expected):
    assert labs.days_to_fall_if_production_stopped(start, end, survival) == pytest.approx(expected)
    # the inverse of count_if_production_stopped
    assert labs.count_if_production_stopped(start, expected, survival) == pytest.approx(end)


@pytest.mark.parametrize(("start", "end", "survival"), [(100.0, 101.0, 10), (100.0, -1.0, 10), (0.0, 0.0, 10), (100.0, 50.0, 0)])
def test_days_to_fall_rejects_nonsense(start, end, survival):
    with pytest.raises(ValueError, match="need survival_days > 0"):
        labs.days_to_fall_if_production_stopped(start, end, survival)


def test_red_cells_outlive_platelets():
    assert min(labs.RED_CELL_SURVIVAL_DAYS) > 10 * max(labs.PLATELET_SURVIVAL_DAYS)


@pytest.mark.parametrize(("day", "cycles", "expected"), [
    (100, None, (1, 1, 0, False)),  # the dosing day is day 1
    (107, None, (1, 8, 7, False)),
    (120, None, (1, 21, 20, False)),  # the last day of cycle 1
    (121, None, (2, 1, 0, False)),  # the next dose
    (142, 3, (3, 1, 0, False)),  # the third and last dose
    (162, 3, (3, 21, 20, False)),  # the last day of the last cycle
    (163, 3, (3, 22, 21, True)),  # past the end of the last cycle
    (250, 3, (3, 109, 108, True)),
    (250, None, (8, 4, 3, False)),
])
def test_cycle_position(day, cycles, expected):
    found = labs.cycle_position(day, 100, 21, cycles)
    assert (found.cycle, found.day_of_cycle, found.days_after_last_dose, found.after_last_cycle) == expected


@pytest.mark.parametrize(("args", "message"), [
    ((99, 100, 21), "before the first dose"), ((100, 100, 0), "cycle_days must be at least 1"),
    ((100, 100, 21, 0), "cycles must be at least 1")])
def test_cycle_position_rejects_nonsense(args, message):
    with pytest.raises(ValueError, match=message):
        labs.cycle_position(*args)


def test_stated_on_day_lists_the_printed_values_and_the_missing_ones(data):
    relapse_day = int(data.events.query("case_id == 'akagi2021' and kind == 'relapse'")["day"].iloc[0])
    table = labs.stated_on_day(data.labs, "akagi2021", relapse_day)
    own = data.labs[(data.labs["case_id"] == "akagi2021") & (data.labs["day"] == relapse_day)]
    printed = table[table["status"] == "printed"]
    assert sorted(printed["analyte"]) == sorted(own["analyte"].astype(str))
    assert printed["source_locator"].notna().all()
    missing = table[table["status"] == "not printed"]
    assert {"wbc", "neutrophils"} <= set(missing["analyte"])  # no white count and no ANC that day
    assert missing["printed"].isna().all() and missing["value_std"].isna().all()
    assert not (data.labs["analyte"].astype(str) == "neutrophils").any()  # neither report prints an ANC on any day
    empty = labs.stated_on_day(data.labs, "akagi2021", -12345, expected=["platelets"])
    assert empty["status"].tolist() == ["not printed"]
    with pytest.raises(ValueError, match="unknown analyte"):
        labs.stated_on_day(data.labs, "akagi2021", relapse_day, expected=["anc"])
    with pytest.raises(ValueError, match="unknown case"):
        labs.stated_on_day(data.labs, "nobody", relapse_day)


def test_presentation_table_has_one_column_per_case(data):
    table = summary.presentation_table(data)
    assert list(table.columns) == list(data.cases["case_id"])
    assert table.loc["marrow metastasis"].tolist() == [v.replace("_", " ") for v in data.cases["bmm_presentation"]]
    lines_before = data.therapy_lines[(data.therapy_lines["start_day"] < 0) & data.therapy_lines["line"].notna()]
    for case_id in table.columns:
        count = int((lines_before["case_id"] == case_id).sum())
        assert table.at["metastatic lines before", case_id].startswith("none" if count == 0 else f"{count}:")


def test_discrepancy_markdown_shows_both_statements_with_locators(data):
    row = data.discrepancies.set_index("discrepancy_id").loc["AK-02"]
    text = summary.discrepancy_markdown(data.discrepancies, "AK-02")
    for field in summary.DISCREPANCY_FIELDS:
        assert str(row[field]) in text
    assert "Why:" not in text and str(row["rationale"]) in summary.discrepancy_markdown(data.discrepancies, "AK-02", True)
    with pytest.raises(ValueError, match=r"discrepancy_id 'AK-99' is not in the discrepancies table"):
        summary.discrepancy_markdown(data.discrepancies, "AK-99")


def test_printed_counts_counts_every_case_and_analyte_with_zeros(data):
    table = labs.printed_counts(data.labs, day_to=0, cases=data.cases["case_id"])
    assert list(table.index) == list(data.cases["case_id"]) and list(table.columns) == list(labs.GRADED_COUNTS)
    for case_id in table.index:
        for analyte in table.columns:
            own = data.labs[(data.labs["case_id"] == case_id) & (data.labs["analyte"] == analyte) & (data.labs["day"] <= 0)]
            assert table.at[case_id, analyte] == len(own)
    assert (table["neutrophils"] == 0).all()  # neither report prints an ANC


def test_printed_counts_by_hand_at_the_window_edges():
    import pandas as pd
    table = pd.DataFrame({"case_id": ["x", "x", "x", "y"], "analyte": ["platelets", "platelets", "wbc", "platelets"],
                          "day": [-3, 0, 1, 0]})
    counts = labs.printed_counts(table, analytes=("platelets", "wbc", "neutrophils"), day_from=-3, day_to=0)
    assert counts.loc["x"].tolist() == [2, 0, 0] and counts.loc["y"].tolist() == [1, 0, 0]
    assert labs.printed_counts(table, analytes=("wbc",), day_from=1).loc["x", "wbc"] == 1
    assert labs.printed_counts(table, analytes=("wbc",), day_from=2).to_numpy().sum() == 0
    assert list(labs.printed_counts(table, cases=["z", "x"]).index) == ["z", "x"]
    assert labs.printed_counts(table, cases=["z"]).loc["z"].sum() == 0
    with pytest.raises(ValueError, match="unknown analyte 'anc'"):
        labs.printed_counts(table, analytes=("anc",))
    with pytest.raises(ValueError, match=r"day_to \(-1\) is before day_from \(0\)"):
        labs.printed_counts(table, day_from=0, day_to=-1)


def test_presentation_table_says_no_symptoms_of_cytopenia_only_when_none_is_recorded(data):
    table = summary.presentation_table(data)
    for case_id in table.columns:
        own = data.events[(data.events["case_id"] == case_id) & (data.events["kind"] == "symptom") & (data.events["day"] <= 0)]
        expected = "; ".join(own["description"]) if len(own) else summary.NO_SYMPTOMS
        assert table.at["symptoms", case_id] == expected
    assert summary.NO_SYMPTOMS == "no symptoms of cytopenia recorded"
    assert summary.NO_SYMPTOMS in table.loc["symptoms"].tolist()  # tnbc2025 has no symptom event
