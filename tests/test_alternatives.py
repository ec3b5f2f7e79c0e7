"""utils.alternatives: edits work on copies, and the derived quantities follow the edit."""

import matplotlib

matplotlib.use("Agg")

import pandas as pd
import pytest

from utils import alternatives as alt
from utils import casedata, swimmer


@pytest.fixture(scope="module")
def data():
    return casedata.load_all()


@pytest.fixture(scope="module")
def anthracycline(data):
    """The (therapy_id, agent) of the one anthracycline dose in the data."""
    row = data.doses[data.doses["agent"].isin(["doxorubicin", "epirubicin"])].iloc[0]
    return row["therapy_id"], row["agent"]


def test_no_edit_returns_an_equal_copy(data, anthracycline):
    before = data.therapy_lines.copy()
    lines = alt.edited_lines(data.therapy_lines, alt.LineEdit(anthracycline[0]))
    pd.testing.assert_frame_equal(lines, before)
    assert lines is not data.therapy_lines
    assert alt.LineEdit(anthracycline[0]).is_reported


def test_shift_moves_both_ends_and_marks_the_line(data, anthracycline):
    therapy_id = anthracycline[0]
    before = data.therapy_lines.set_index("therapy_id").loc[therapy_id]
    lines = alt.edited_lines(data.therapy_lines, alt.LineEdit(therapy_id, shift_days=30)).set_index("therapy_id")
    assert lines.loc[therapy_id, "start_day"] == before["start_day"] + 30
    assert lines.loc[therapy_id, "end_day"] == before["end_day"] + 30
    assert lines.loc[therapy_id, "regimen"].endswith("(edited)")
    assert data.therapy_lines.set_index("therapy_id").loc[therapy_id, "start_day"] == before["start_day"]  # original untouched


def test_duration_and_removal(data, anthracycline):
    therapy_id = anthracycline[0]
    lines = alt.edited_lines(data.therapy_lines, alt.LineEdit(therapy_id, shift_days=7, duration_days=42)).set_index("therapy_id")
    assert lines.loc[therapy_id, "end_day"] - lines.loc[therapy_id, "start_day"] == 42
    removed = alt.edited_lines(data.therapy_lines, alt.LineEdit(therapy_id, removed=True))
    assert therapy_id not in set(removed["therapy_id"]) and len(removed) == len(data.therapy_lines) - 1


def test_edited_line_is_drawn_as_edited(data, anthracycline):
    lines = alt.edited_lines(data.therapy_lines, alt.LineEdit(anthracycline[0], shift_days=14))
    rows = swimmer.swimmer_rows(lines, data.events, "akagi2021").set_index("therapy_ids")
    assert rows.loc[anthracycline[0], "lane"].endswith("(edited)")


def test_bad_edits_are_named(data):
    with pytest.raises(alt.EditError, match="no line 'XX-T99' in therapy_lines"):
        alt.edited_lines(data.therapy_lines, alt.LineEdit("XX-T99"))
    therapy_id = data.therapy_lines["therapy_id"].iloc[0]
    with pytest.raises(alt.EditError, match="duration_days must be 0 or more"):
        alt.edited_lines(data.therapy_lines, alt.LineEdit(therapy_id, duration_days=-1))


def test_cumulative_comparison_by_hand(data, anthracycline):
    therapy_id, agent = anthracycline
    printed = data.doses.set_index(["therapy_id", "agent"]).loc[(therapy_id, agent)]
    table = alt.cumulative_comparison(data.therapy_lines, data.doses, data.dose_references,
                                      alt.LineEdit(therapy_id, cycles=2, reduction_percent=0), agent)
    assert table.loc["cumulative dose (mg/m²)", "edited"] == pytest.approx(2 * printed["dose"] * printed["administrations_per_cycle"])
    assert table.loc["cumulative dose (mg/m²)", "as reported"] > 0
    first_threshold = [q for q in table.index if q.startswith("% of")][0]
    value = float(first_threshold.split(" mg/m²")[0].split()[-1])
    assert table.loc[first_threshold, "edited"] == round(100 * 2 * printed["dose"] / value)
    removed = alt.cumulative_comparison(data.therapy_lines, data.doses, data.dose_references, alt.LineEdit(therapy_id, removed=True), agent)
    assert removed.loc["cumulative dose (mg/m²)", "edited"] == 0


def test_cumulative_needs_reported_cycles(data):
    fixed = data.doses[data.doses["dose_unit"] == "mg"].iloc[0]
    with pytest.raises(alt.EditError, match="reports no number of cycles"):
        alt.cumulative_comparison(data.therapy_lines, data.doses, data.dose_references,
                                  alt.LineEdit(fixed["therapy_id"]), fixed["agent"])


def test_dose_intensity_comparison_follows_the_reduction(data, anthracycline):
    therapy_id, agent = anthracycline
    table = alt.dose_intensity_comparison(data.therapy_lines, data.doses, alt.LineEdit(therapy_id, reduction_percent=50))
    printed = data.doses.set_index(["therapy_id", "agent"]).loc[(therapy_id, agent)]
    expected = printed["dose"] * 0.5 * printed["administrations_per_cycle"] * 7 / printed["cycle_days"]
    assert table.loc[f"{agent} per week (mg/m²)", "edited"] == pytest.approx(round(expected, 2))


def test_fixed_dose_at_a_weight(data):
    fixed = data.doses[data.doses["dose_unit"] == "mg"].iloc[0]
    # Mosteller BSA at 180 cm and 80 kg is exactly 2 m2
    assert alt.fixed_dose_at(data.doses, fixed["therapy_id"], fixed["agent"], 80, 180) == pytest.approx(fixed["dose"] / 2)
    per_m2 = data.doses[data.doses["dose_unit"] == "mg/m2"].iloc[0]
    with pytest.raises(alt.EditError, match="not as a fixed dose in mg"):
        alt.fixed_dose_at(data.doses, per_m2["therapy_id"], per_m2["agent"], 80, 180)


def test_cumulative_and_intensity_name_the_printed_unit_of_the_dose():
    from utils import vocabulary
    doses = pd.DataFrame({"case_id": ["x"], "therapy_id": ["XX-T01"], "agent": ["drug_kg"], "dose": [6.0], "loading_dose": [8.0],
                          "dose_unit": ["mg/kg"], "administrations_per_cycle": [1], "cycle_days": [21],
                          "reduction_percent": [None], "printed": ["6 mg/kg"]})
    lines = pd.DataFrame({"case_id": ["x"], "therapy_id": ["XX-T01"], "cycles": [3], "start_day": [0], "end_day": [63]})
    refs = pd.DataFrame({"reference_id": ["R1"], "agent": ["drug_kg"], "kind": ["cumulative_threshold"], "value": [100.0],
                         "unit": ["mg/m2"], "meaning": ["m"], "source_id": ["s"], "schedule": ["lifetime"]})
    label = vocabulary.label("dose_unit", "mg/kg")
    table = alt.cumulative_comparison(lines, doses, refs, alt.LineEdit("XX-T01"), "drug_kg", readings=())
    assert list(table.index) == [f"cumulative dose ({label})"] and "mg/m2" not in table.index[0]
    assert table.iloc[0]["as reported"] == pytest.approx(8 + 6 + 6)
    with pytest.raises(alt.EditError, match="R1 \\(drug_kg\\) is in mg/m2, but XX-T01/drug_kg is printed in mg/kg"):
        alt.cumulative_comparison(lines, doses, refs, alt.LineEdit("XX-T01"), "drug_kg", readings=("drug_kg",))
    intensity = alt.dose_intensity_comparison(lines, doses, alt.LineEdit("XX-T01"))
    assert list(intensity.index) == [f"drug_kg per week ({label})"]
