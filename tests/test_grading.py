"""utils.grading: CTCAE v5.0 grades at every boundary, flags, and the cytopenia label."""

import pandas as pd
import pytest

from utils import casedata, grading

# (value, expected grade) around every threshold, with LLNs of 12.0 g/dL, 150 and 4.0 x10^9/L.
HEMOGLOBIN = [(12.0, 0), (11.99, 1), (10.0, 1), (9.99, 2), (8.0, 2), (7.99, 3), (3.0, 3)]
PLATELETS = [(150, 0), (149.9, 1), (75, 1), (74.9, 2), (50, 2), (49.9, 3), (25, 3), (24.9, 4), (0, 4)]
WBC = [(4.0, 0), (3.99, 1), (3.0, 1), (2.99, 2), (2.0, 2), (1.99, 3), (1.0, 3), (0.99, 4)]


@pytest.mark.parametrize(("value", "grade"), HEMOGLOBIN)
def test_anaemia_grade(value, grade):
    assert grading.ctcae_grade("hemoglobin", value, lln=12.0) == grade


@pytest.mark.parametrize(("value", "grade"), PLATELETS)
def test_platelet_grade(value, grade):
    assert grading.ctcae_grade("platelets", value, lln=150) == grade


@pytest.mark.parametrize(("value", "grade"), WBC)
def test_white_cell_grade(value, grade):
    assert grading.ctcae_grade("wbc", value, lln=4.0) == grade


def test_grade_depends_on_the_lln_only_at_grade_one():
    assert grading.ctcae_grade("wbc", 4.1, lln=4.5) == 1
    assert grading.ctcae_grade("wbc", 4.1, lln=3.3) == 0
    assert grading.ctcae_grade("wbc", 2.5, lln=3.3) == grading.ctcae_grade("wbc", 2.5, lln=4.5) == 2


@pytest.mark.parametrize(("analyte", "value", "lln", "message"), [
    ("ldh", 254, 124, "no CTCAE v5.0 grading for 'ldh'"),
    ("platelets", -1, 150, "must be positive"),
    ("platelets", 10, 0, "must be positive"),
])
def test_bad_grading_input(analyte, value, lln, message):
    with pytest.raises(ValueError, match=message):
        grading.ctcae_grade(analyte, value, lln)


@pytest.mark.parametrize(("value", "lower", "upper", "expected"), [
    (3.2, 3.3, 8.6, "low"), (3.3, 3.3, 8.6, "normal"), (8.6, 3.3, 8.6, "normal"), (8.7, 3.3, 8.6, "high"),
    (36, None, 35, "high"), (35, float("nan"), 35, "normal"),
])
def test_flag(value, lower, upper, expected):
    assert grading.flag(value, lower, upper) == expected


@pytest.mark.parametrize(("low", "label"), [
    ({"hemoglobin": False, "platelets": False, "wbc": False}, "no cytopenia"),
    ({"hemoglobin": True, "platelets": False, "wbc": False}, "isolated anaemia"),
    ({"hemoglobin": False, "platelets": True, "wbc": False}, "isolated thrombocytopenia"),
    ({"hemoglobin": True, "platelets": True, "wbc": False}, "bicytopenia"),
    ({"hemoglobin": True, "platelets": True, "wbc": True}, "pancytopenia"),
])
def test_cytopenia_label(low, label):
    assert grading.classify_cytopenia(low).label == label


def test_cytopenia_needs_all_three_lineages():
    with pytest.raises(ValueError, match="missing: wbc"):
        grading.classify_cytopenia({"hemoglobin": True, "platelets": True})


def test_flag_labs_uses_the_chosen_source_and_prefers_the_female_range():
    data = casedata.load_all()
    labs = data.labs[(data.labs["case_id"] == "akagi2021") & (data.labs["day"] == 0)]
    flagged = grading.flag_labs(labs, data.reference_ranges, "jccls2019").set_index("analyte")
    ranges = data.reference_ranges.query("source_id == 'jccls2019'").set_index("analyte")
    hb_lower = ranges.loc["hemoglobin", "lower"]
    assert flagged.loc["hemoglobin", "reference_range"].startswith(f"{hb_lower:g}-")
    for analyte in ("hemoglobin", "platelets", "wbc"):
        value = flagged.loc[analyte, "value_std"]
        lower = ranges.loc[analyte, "lower"]
        assert flagged.loc[analyte, "ctcae_v5_grade"] == grading.ctcae_grade(analyte, value, lower)
        assert flagged.loc[analyte, "flag"] == grading.flag(value, lower, ranges.loc[analyte, "upper"])
    assert flagged.loc["cea", "flag"] == "" and pd.isna(flagged.loc["cea", "ctcae_v5_grade"])


def test_flag_labs_unknown_source():
    data = casedata.load_all()
    with pytest.raises(ValueError, match="no reference ranges from source 'who'"):
        grading.flag_labs(data.labs, data.reference_ranges, "who")


def test_cytopenia_at_needs_all_three_counts():
    data = casedata.load_all()
    labs = data.labs
    tnbc = grading.flag_labs(labs[labs["case_id"] == "tnbc2025"], data.reference_ranges, "hoffbrand_eh")
    assert grading.cytopenia_at(tnbc) is None
    akagi = grading.flag_labs(labs[(labs["case_id"] == "akagi2021") & (labs["day"] == 0)], data.reference_ranges, "hoffbrand_eh")
    expected = grading.classify_cytopenia({a: f == "low" for a, f in zip(akagi["analyte"], akagi["flag"]) if a in grading.CYTOPENIA_NAMES})
    assert grading.cytopenia_at(akagi) == expected
