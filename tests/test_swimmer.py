"""utils.swimmer: the rows behind the swimmer chart follow the data, and the chart draws them."""

import matplotlib

matplotlib.use("Agg")

import pandas as pd
import pytest

from utils import casedata, swimmer


@pytest.fixture(scope="module")
def data():
    return casedata.load_all()


def test_every_therapy_row_becomes_one_bar(data):
    for case_id in ("akagi2021", "tnbc2025"):
        rows = swimmer.swimmer_rows(data.therapy_lines, data.events, case_id)
        own = data.therapy_lines[data.therapy_lines["case_id"] == case_id]
        assert sorted(rows["therapy_ids"]) == sorted(own["therapy_id"])


def test_days_are_the_data_days_and_open_ends_run_to_the_end_of_followup(data):
    rows = swimmer.swimmer_rows(data.therapy_lines, data.events, "tnbc2025").set_index("therapy_ids")
    lines = data.therapy_lines.set_index("therapy_id")
    end = swimmer.end_of_followup(data.events, "tnbc2025")
    for therapy_id, row in rows.iterrows():
        assert row["start_day"] == lines.loc[therapy_id, "start_day"]
        if pd.isna(lines.loc[therapy_id, "end_day"]):
            assert row["open_end"] and row["end_day"] == end
        else:
            assert not row["open_end"] and row["end_day"] == lines.loc[therapy_id, "end_day"]


def test_anticancer_lanes_come_first_in_time_order(data):
    rows = swimmer.swimmer_rows(data.therapy_lines, data.events, "akagi2021")
    kinds = list(rows["kind"])
    assert kinds == sorted(kinds)  # "anticancer" < "supportive"
    anticancer = rows[rows["kind"] == "anticancer"]
    assert list(anticancer["start_day"]) == sorted(anticancer["start_day"])


def test_precision_flags_and_single_doses_on_synthetic_lines(data):
    lines = data.therapy_lines[data.therapy_lines["case_id"] == "tnbc2025"].copy().reset_index(drop=True)
    lines.loc[0, ["start_precision", "end_precision"]] = ["exact", "exact"]
    lines.loc[1, "end_day"] = lines.loc[1, "start_day"]
    lines.loc[1, "cycles"] = pd.NA
    rows = swimmer.swimmer_rows(lines, data.events, "tnbc2025").set_index("therapy_ids")
    assert not rows.loc[lines.loc[0, "therapy_id"], "approximate"]
    # the same start and end day is a date without a duration, unless exactly one cycle was given
    assert rows.loc[lines.loc[1, "therapy_id"], "duration_unknown"]
    assert not rows.loc[lines.loc[1, "therapy_id"], "single_dose"]
    lines.loc[1, "cycles"] = 1
    rows = swimmer.swimmer_rows(lines, data.events, "tnbc2025").set_index("therapy_ids")
    assert rows.loc[lines.loc[1, "therapy_id"], "single_dose"]
    assert not rows.loc[lines.loc[1, "therapy_id"], "duration_unknown"]


def test_ongoing_differs_from_an_unreported_end(data):
    rows = swimmer.swimmer_rows(data.therapy_lines, data.events, "tnbc2025")
    lines = data.therapy_lines.set_index("therapy_id")
    for _, row in rows[rows["open_end"]].iterrows():
        assert row["ongoing"] == (lines.loc[row["therapy_ids"], "reason_stopped"] == "ongoing")
    assert rows["ongoing"].any() and (rows["open_end"] & ~rows["ongoing"]).any()


def test_notes_name_response_and_reason(data):
    lines = data.therapy_lines[data.therapy_lines["case_id"] == "akagi2021"].copy()
    first = lines.index[lines["setting"] == "metastatic"][0]
    lines.loc[first, "response"] = "partial_response"
    lines.loc[first, "reason_stopped"] = "toxicity"
    rows = swimmer.swimmer_rows(lines, data.events, "akagi2021").set_index("therapy_ids")
    assert rows.loc[lines.loc[first, "therapy_id"], "note"] == "PR · stop: toxicity"


def test_unknown_case_and_missing_start_are_named(data):
    cases = ", ".join(sorted(set(data.therapy_lines["case_id"])))
    with pytest.raises(ValueError, match=f"no therapy lines for case 'smith2019'; cases: {cases}$"):
        swimmer.swimmer_rows(data.therapy_lines, data.events, "smith2019")
    lines = data.therapy_lines.copy()
    lines.loc[lines.index[0], "start_day"] = pd.NA
    with pytest.raises(ValueError, match="has no start_day"):
        swimmer.swimmer_rows(lines, data.events, str(lines.loc[lines.index[0], "case_id"]))


def test_window_keeps_only_overlapping_rows(data):
    rows = swimmer.swimmer_rows(data.therapy_lines, data.events, "akagi2021")
    shown = swimmer.in_window(rows, (0, 40))
    assert (shown["end_day"] >= 0).all()
    assert len(shown) < len(rows)


def test_the_figure_has_one_panel_per_case_and_a_lane_per_label(data):
    fig = swimmer.swimmer_figure(data.therapy_lines, data.events, ["akagi2021", "tnbc2025"])
    axes = fig.axes
    assert [ax.get_title(loc="left") for ax in axes] == ["akagi2021", "tnbc2025"]
    for ax, case_id in zip(axes, ["akagi2021", "tnbc2025"]):
        lanes = swimmer.swimmer_rows(data.therapy_lines, data.events, case_id)["lane"].unique()
        assert [t.get_text() for t in ax.get_yticklabels()] == ["milestones", *lanes]
    zoomed = swimmer.swimmer_figure(data.therapy_lines, data.events, ["akagi2021"], window_months=(0, 40))
    assert "not shown" in zoomed._suptitle.get_text()
