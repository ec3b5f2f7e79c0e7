"""utils.grading: CTCAE v5.0 grades at every boundary, flags, and the cytopenia label."""

import pandas as pd
import pytest

from utils import casedata, grading

# (value, expected grade) around every threshold, with LLNs of 12.0 g/dL, 150 and 4.0 x10^9/L.
HEMOGLOBIN = [(12.0, 0), (11.99, 1), (10.0, 1), (9.99, 2), (8.0, 2), (7.99, 3), (3.0, 3)]
PLATELETS = [(150, 0), (149.9, 1), (75, 1), (74.9, 2), (50, 2), (49.9, 3), (25, 3), (24.9, 4), (0, 4)]
WBC = [(4.0, 0), (3.99, 1), (3.0, 1), (2.99, 2), (2.0, 2), (1.99, 3), (1.0, 3), (0.99, 4)]
# Neutrophil count decreased, with an LLN of 2.0 x10^9/L: grade 1 down to 1.5, 2 to 1.0, 3 to 0.5, 4 below.
NEUTROPHILS = [(2.0, 0), (1.99, 1), (1.5, 1), (1.49, 2), (1.0, 2), (0.99, 3), (0.5, 3), (0.49, 4), (0.0, 4)]


@pytest.mark.parametrize(("value", "grade"), HEMOGLOBIN)
def test_anaemia_grade(value, grade):
    assert grading.ctcae_grade("hemoglobin", value, lln=12.0) == grade


@pytest.mark.parametrize(("value", "grade"), PLATELETS)
def test_platelet_grade(value, grade):
    assert grading.ctcae_grade("platelets", value, lln=150) == grade


@pytest.mark.parametrize(("value", "grade"), WBC)
def test_white_cell_grade(value, grade):
    assert grading.ctcae_grade("wbc", value, lln=4.0) == grade


@pytest.mark.parametrize(("value", "grade"), NEUTROPHILS)
def test_neutrophil_grade(value, grade):
    assert grading.ctcae_grade("neutrophils", value, lln=2.0) == grade


# CTCAE v6.0 (July 2025): neutrophils graded from 1.5 regardless of the LLN, down to 0.1; platelet grade 4 below 10.
NEUTROPHILS_V6 = [(2.0, 0), (1.5, 0), (1.49, 1), (1.0, 1), (0.99, 2), (0.5, 2), (0.49, 3), (0.1, 3), (0.09, 4)]
PLATELETS_V6 = [(150, 0), (149.9, 1), (75, 1), (74.9, 2), (50, 2), (49.9, 3), (10, 3), (9.9, 4), (0, 4)]


@pytest.mark.parametrize(("value", "grade"), NEUTROPHILS_V6)
def test_neutrophil_grade_v6(value, grade):
    assert grading.ctcae_grade("neutrophils", value, lln=2.0, version="6.0") == grade


def test_v6_neutrophil_grade_1_does_not_start_at_the_lln():
    assert grading.ctcae_grade("neutrophils", 1.45, lln=1.4, version="6.0") == 1
    assert grading.ctcae_grade("neutrophils", 1.45, lln=1.4, version="5.0") == 0


@pytest.mark.parametrize(("value", "grade"), PLATELETS_V6)
def test_platelet_grade_v6(value, grade):
    assert grading.ctcae_grade("platelets", value, lln=150, version="6.0") == grade


@pytest.mark.parametrize(("analyte", "table"), [("hemoglobin", HEMOGLOBIN), ("wbc", WBC)])
def test_v6_keeps_the_anaemia_and_white_cell_thresholds(analyte, table):
    lln = table[0][0]
    assert [grading.ctcae_grade(analyte, v, lln, version="6.0") for v, _ in table] == [g for _, g in table]


def test_unknown_ctcae_version():
    with pytest.raises(ValueError, match="unknown CTCAE version '4.03'"):
        grading.ctcae_grade("platelets", 40, lln=150, version="4.03")


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


# Febrile neutropenia: IDSA 2010 (management) and CTCAE v5.0 (reporting) differ at 38.3 °C and in the ANC limit.
@pytest.mark.parametrize(("temperature", "sustained", "anc", "expected_fall", "rule", "verdict"), [
    (38.3, False, 0.49, False, "IDSA 2010", "febrile neutropenia"),  # one reading of 38.3 is enough for IDSA
    (38.3, False, 0.49, False, "CTCAE v5.0", "neutropenia without fever"),  # CTCAE needs more than 38.3
    (38.31, False, 0.49, False, "CTCAE v5.0", "febrile neutropenia"),
    (38.2, False, 0.3, False, "IDSA 2010", "neutropenia without fever"),
    (38.0, True, 0.3, False, "IDSA 2010", "febrile neutropenia"),  # 38.0 sustained over an hour
    (37.9, True, 0.3, False, "IDSA 2010", "neutropenia without fever"),
    (38.0, True, 0.3, False, "CTCAE v5.0", "febrile neutropenia"),
    (38.6, False, 0.5, False, "IDSA 2010", "fever without neutropenia"),  # IDSA: below 0.5, so 0.5 is not
    (38.6, False, 0.5, True, "IDSA 2010", "febrile neutropenia"),  # expected to fall below 0.5 within 48 h
    (38.6, False, 0.5, True, "CTCAE v5.0", "febrile neutropenia"),  # CTCAE: below 1.0
    (38.6, False, 0.99, False, "CTCAE v5.0", "febrile neutropenia"),
    (38.6, False, 1.0, True, "CTCAE v5.0", "fever without neutropenia"),  # CTCAE ignores an expected fall
    (38.6, False, None, False, "IDSA 2010", "fever, ANC unknown"),
    (37.0, False, None, False, "IDSA 2010", "no fever; ANC unknown"),
    (37.0, False, 3.0, False, "IDSA 2010", "neither"),
])
def test_febrile_neutropenia_definitions_at_their_boundaries(temperature, sustained, anc, expected_fall, rule, verdict):
    check = grading.febrile_neutropenia(temperature, anc, sustained_over_1_hour=sustained,
                                        anc_expected_to_fall=expected_fall, rule=rule)
    assert check.verdict == verdict
    assert check.fever == verdict.startswith(("febrile", "fever"))


def test_fever_with_unknown_anc_is_managed_as_febrile_neutropenia():
    check = grading.febrile_neutropenia(38.6, None)
    assert check.neutropenia is None and "manage as febrile neutropenia" in check.explanation
    assert "within the hour" in check.explanation


@pytest.mark.parametrize(("kwargs", "message"), [
    ({"temperature_c": 101.3, "anc": 0.4}, "not a body temperature; expected degrees Celsius"),
    ({"temperature_c": 38.6, "anc": -0.1}, "ANC -0.1 is impossible"),
    ({"temperature_c": 38.6, "anc": 0.4, "rule": "NCCN"}, "unknown febrile neutropenia rule 'NCCN'"),
])
def test_febrile_neutropenia_rejects_bad_input(kwargs, message):
    with pytest.raises(ValueError, match=message):
        grading.febrile_neutropenia(**kwargs)


def test_every_febrile_neutropenia_rule_cites_a_listed_source():
    sources = set(casedata.load("sources")["source_id"])
    assert {rule.source_id for rule in grading.FEBRILE_NEUTROPENIA_RULES.values()} <= sources


def test_grades_by_version_at_the_boundaries_that_moved():
    values = pd.DataFrame({"analyte": ["platelets"] * 4 + ["neutrophils"] * 5 + ["hemoglobin", "ldh"],
                           "value_std": [25.0, 24.9, 10.0, 9.9, 1.8, 1.5, 0.5, 0.1, 0.09, 7.9, 300.0],
                           "day": range(11)})
    table = grading.grades_by_version(values, {"platelets": 150.0, "neutrophils": 2.0, "hemoglobin": 12.0})
    assert "ldh" not in set(table["analyte"]) and list(table["day"]) == list(range(10))  # other columns kept
    assert table["CTCAE v5.0"].tolist() == [3, 4, 4, 4, 1, 1, 3, 4, 4, 3]
    assert table["CTCAE v6.0"].tolist() == [3, 3, 3, 4, 0, 0, 2, 3, 4, 3]


def test_grades_by_version_leaves_out_counts_without_an_lln_and_refuses_unknown_versions():
    values = pd.DataFrame({"analyte": ["platelets", "wbc"], "value_std": [17.0, 2.5]})
    table = grading.grades_by_version(values, {"platelets": 150.0}, versions=("6.0",))
    assert table["analyte"].tolist() == ["platelets"] and table.columns[-1] == "CTCAE v6.0" and "CTCAE v5.0" not in table
    with pytest.raises(ValueError, match=r"unknown CTCAE version\(s\) \['4.03'\]"):
        grading.grades_by_version(values, {"platelets": 150.0}, versions=("4.03",))


def test_febrile_neutropenia_by_rule_shows_where_the_definitions_disagree():
    table = grading.febrile_neutropenia_by_rule([
        {"temperature_c": 38.3, "anc": 0.4},  # IDSA: 38.3 or more; CTCAE: above 38.3
        {"temperature_c": 38.1, "anc": 0.8, "sustained_over_1_hour": True},  # CTCAE: ANC below 1.0
        {"temperature_c": 38.6, "anc": None},
        {"temperature_c": 38.4, "anc": 0.8, "anc_expected_to_fall": True},
    ])
    assert table["IDSA 2010"].tolist() == ["febrile neutropenia", "fever without neutropenia", "fever, ANC unknown",
                                           "febrile neutropenia"]
    assert table["CTCAE v5.0"].tolist() == ["neutropenia without fever", "febrile neutropenia", "fever, ANC unknown",
                                            "febrile neutropenia"]
    assert table["ANC (10^9/L)"].tolist() == [0.4, 0.8, "not reported", 0.8]
    assert table["sustained over 1 h"].tolist() == [False, True, False, False]
    only_idsa = grading.febrile_neutropenia_by_rule([{"temperature_c": 38.3, "anc": 0.4}], rules=("IDSA 2010",))
    assert "CTCAE v5.0" not in only_idsa


@pytest.mark.parametrize(("scenario", "message"), [
    ({"temperature_c": 38.6}, r"scenario 1: unknown keys \[\], missing keys \['anc'\]"),
    ({"temperature_c": 38.6, "anc": 0.4, "fever": True}, r"scenario 1: unknown keys \['fever'\]"),
])
def test_febrile_neutropenia_by_rule_names_a_malformed_scenario(scenario, message):
    with pytest.raises(ValueError, match=message):
        grading.febrile_neutropenia_by_rule([scenario])
