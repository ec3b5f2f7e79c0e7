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
