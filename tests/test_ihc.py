"""utils.ihc: receptor calls at every ASCO/CAP threshold, HER2 categories, subtype, panel reading,
the views of casedata/ihc.csv, the marker-panel figure and the notebook-02 widget (headless)."""

import math

import matplotlib
import pandas as pd
import pytest

matplotlib.use("Agg")

from utils import casedata, ihc, ihc_views, plots, vocabulary  # noqa: E402


@pytest.fixture(scope="module")
def data():
    return casedata.load_all()


# ER and PR -------------------------------------------------------------------------------
# ASCO/CAP 2020: both negative below 1 % and positive from 1 %; ER 1-10 % is reported as
# ER Low Positive (a subset of positive); PR has no low category.
@pytest.mark.parametrize(("percent", "er", "pr"), [
    (0, "negative", "negative"), (0.5, "negative", "negative"), (0.9, "negative", "negative"),
    (0.99, "negative", "negative"),
    (1, "low positive", "positive"), (1.0, "low positive", "positive"), (5, "low positive", "positive"),
    (9.9, "low positive", "positive"), (10, "low positive", "positive"),
    (10.01, "positive", "positive"), (10.1, "positive", "positive"), (11, "positive", "positive"),
    (100, "positive", "positive"),
])
def test_receptor_status_at_every_threshold_for_er_and_pr(percent, er, pr):
    assert ihc.receptor_status(percent, "ER") == er
    assert ihc.receptor_status(percent, "PR") == pr


def test_pr_has_no_low_positive_category():
    assert {ihc.receptor_status(p / 10, "PR") for p in range(0, 1001)} == {"negative", "positive"}


@pytest.mark.parametrize("marker", ["ER", "PR"])
@pytest.mark.parametrize(("bad", "message"), [
    (-0.1, r"-0\.1 is outside 0-100"), (100.1, r"100\.1 is outside 0-100"),
    ("5", r"'5' is not a number"), (None, r"None is not a number"), (True, r"True is not a number"),
    (math.nan, r"is NaN"),
])
def test_receptor_status_names_the_bad_value_and_what_was_expected(marker, bad, message):
    with pytest.raises(ValueError, match=rf"{marker} percent {message}.*expected a percentage"):
        ihc.receptor_status(bad, marker)


@pytest.mark.parametrize("marker", ["HER2", "er", ""])
def test_receptor_status_needs_er_or_pr(marker):
    with pytest.raises(ValueError, match=rf"marker {marker!r} is not a hormone receptor; expected 'ER' or 'PR'"):
        ihc.receptor_status(5, marker)


@pytest.mark.parametrize(("marker", "result", "status", "percent"), [
    ("ER", "35%", "positive", 35.0), ("ER", " 0.5 % ", "negative", 0.5), ("ER", 10, "low positive", 10.0),
    ("ER", 0.9, "negative", 0.9), ("ER", "1%", "low positive", 1.0), ("ER", 10.1, "positive", 10.1),
    ("PR", 0.9, "negative", 0.9), ("PR", "1%", "positive", 1.0), ("PR", 5, "positive", 5.0),
    ("PR", 10, "positive", 10.0), ("PR", 10.1, "positive", 10.1),
])
def test_read_receptor_from_a_percentage(marker, result, status, percent):
    call = ihc.read_receptor(marker, result)
    assert (call.status, call.percent, call.missing) == (status, percent, ())
    assert call.positive is (status != "negative")


def test_er_low_positive_is_a_subset_of_positive():
    call = ihc.read_receptor("ER", 5)
    assert call.status == "low positive" and call.positive is True and call.label == "ER low positive (5%)"


def test_a_bare_er_positive_keeps_the_subtype_but_says_the_percentage_is_missing():
    call = ihc.read_receptor("ER", "Positive")
    assert call.status == "positive" and call.percent is None and call.positive is True
    assert "percentage not reported" in call.missing[0] and "ER Low Positive result (1-10 %)" in call.missing[0]
    assert call.label == "ER positive (% not reported)"


def test_a_bare_pr_positive_says_pr_has_no_low_category():
    call = ihc.read_receptor("PR", "positive")
    assert call.positive is True and "no low category" in call.missing[0] and "1-10" not in call.missing[0]


def test_a_bare_er_negative_says_an_er_low_result_could_hide_behind_it():
    call = ihc.read_receptor("ER", "negative")
    assert call.status == "negative" and call.positive is False
    assert "fewer than 1 %" in call.missing[0] and "ER Low Positive result (1-10 %)" in call.missing[0]


def test_a_bare_pr_negative_says_a_result_of_1_percent_could_hide_behind_it():
    call = ihc.read_receptor("PR", "negative")
    assert call.status == "negative" and call.positive is False
    assert "fewer than 1 %" in call.missing[0] and "1 % or more" in call.missing[0] and "low" not in call.missing[0]


@pytest.mark.parametrize("result", [None, "not reported", "not tested", " Not Reported "])
def test_a_receptor_without_a_result_is_not_reported(result):
    call = ihc.read_receptor("ER", result)
    assert call.status == "not reported" and call.positive is None and call.label == "ER not reported"
    assert call.missing == ("ER not reported for this specimen.",)


@pytest.mark.parametrize(("marker", "result", "message"), [
    ("HER2", "positive", r"marker 'HER2' is not a hormone receptor; expected 'ER' or 'PR'"),
    ("ER", "weak", r"ER result 'weak' is not understood; expected a percentage"),
    ("PR", 120, r"PR percent 120 is outside 0-100"),
])
def test_read_receptor_rejects_bad_input(marker, result, message):
    with pytest.raises(ValueError, match=message):
        ihc.read_receptor(marker, result)


# HER2 -----------------------------------------------------------------------------------------
@pytest.mark.parametrize(("score", "ish", "status", "her2_low", "category"), [
    ("0 (null)", "not done", "negative", False, "HER2-null (IHC 0, no membrane staining)"),
    ("0 (ultralow)", "not amplified", "negative", False, "HER2-ultralow (IHC 0, faint staining in <= 10 % of cells)"),
    ("1+", "not done", "negative", True, "HER2-low (IHC 1+)"),
    ("1+", "not amplified", "negative", True, "HER2-low (IHC 1+)"),
    ("2+", "not done", "equivocal", None, "HER2 equivocal (IHC 2+): ISH needed"),
    ("2+", None, "equivocal", None, "HER2 equivocal (IHC 2+): ISH needed"),
    ("2+", "not amplified", "negative", True, "HER2-low (IHC 2+, ISH not amplified)"),
    ("2+", "amplified", "positive", False, "HER2-positive (IHC 2+, ISH amplified)"),
    ("3+", "not done", "positive", False, "HER2-positive (IHC 3+)"),
    ("3+", "amplified", "positive", False, "HER2-positive (IHC 3+)"),
])
def test_her2_category_for_every_score(score, ish, status, her2_low, category):
    call = ihc.her2_category(score, ish)
    assert (call.status, call.her2_low, call.category) == (status, her2_low, category)
    assert call.notes == ()


@pytest.mark.parametrize(("score", "ultralow", "category"), [
    ("0", None, "HER2 0 (IHC 0, null or ultralow not said)"),
    (0, None, "HER2 0 (IHC 0, null or ultralow not said)"),
    ("0 (null)", False, "HER2-null (IHC 0, no membrane staining)"),
    ("null", False, "HER2-null (IHC 0, no membrane staining)"),
    ("0 (ultralow)", True, "HER2-ultralow (IHC 0, faint staining in <= 10 % of cells)"),
    (" 0  (Ultralow) ", True, "HER2-ultralow (IHC 0, faint staining in <= 10 % of cells)"),
    ("ultralow", True, "HER2-ultralow (IHC 0, faint staining in <= 10 % of cells)"),
    ("1+", None, "HER2-low (IHC 1+)"),
])
def test_ihc_0_splits_into_null_and_ultralow(score, ultralow, category):
    call = ihc.her2_category(score)
    assert (call.status, call.ultralow, call.category) == ("negative", ultralow, category)
    assert bool(call.missing) == (ultralow is None and category.startswith("HER2 0"))


def test_a_bare_ihc_0_says_what_is_missing_and_why():
    call = ihc.her2_category("0")
    assert "up to 10 %" in call.missing[0] and "DESTINY-Breast06" in call.missing[0]


@pytest.mark.parametrize(("percent", "score"), [
    (0, "0 (null)"), (0.1, "0 (ultralow)"), (1, "0 (ultralow)"), (10, "0 (ultralow)"), (10.01, "1+"), (60, "1+"),
])
def test_faint_incomplete_staining_at_the_0_and_10_percent_boundaries(percent, score):
    assert ihc.her2_zero_reading(percent) == score


@pytest.mark.parametrize("percent", [-0.1, 100.1, float("nan"), "5%"])
def test_her2_zero_reading_rejects_impossible_percentages(percent):
    with pytest.raises(ValueError, match="faint, incomplete membrane staining"):
        ihc.her2_zero_reading(percent)


@pytest.mark.parametrize(("result", "group"), [
    ("0 (null)", "none (HER2-null)"), ("0 (ultralow)", "DESTINY-Breast06"), ("0", "not known: null or ultralow not said"),
    ("1+", "DESTINY-Breast04 and -06"), ("negative", "not known: IHC score not reported"),
    ("3+", "HER2-positive: HER2-directed therapy"), ("2+", "not yet known: ISH needed"), (None, "not known: HER2 not reported"),
])
def test_tdxd_evidence_group_of_every_her2_reading(result, group):
    assert ihc.tdxd_evidence_group(ihc.read_her2(result)) == group


def test_equivocal_her2_says_ish_is_missing():
    call = ihc.her2_category("2+")
    assert call.positive is None and "in situ hybridisation" in call.missing[0]


@pytest.mark.parametrize(("score", "ish"), [("3+", "not amplified"), ("1+", "amplified"), ("0", "amplified")])
def test_discordant_ihc_and_ish_are_flagged(score, ish):
    call = ihc.her2_category(score, ish)
    assert call.status == "positive" and "disagree" in call.notes[0]


@pytest.mark.parametrize(("score", "expected"), [(0, "0"), (1, "1+"), (2, "2+"), (3, "3+"), (" 2+ ", "2+")])
def test_her2_scores_as_integers_or_padded_text(score, expected):
    assert ihc.her2_category(score).score == expected


@pytest.mark.parametrize(("score", "ish", "message"), [
    ("4+", "not done", r"HER2 IHC score '4\+' is not understood; expected one of 0, 0 \(null\), 0 \(ultralow\), 1\+, 2\+, 3\+"),
    ("1", "not done", r"HER2 IHC score '1' is not understood"),
    (2.5, "not done", r"HER2 IHC score 2\.5 is not understood"),
    (True, "not done", r"HER2 IHC score True is not understood"),
    ("2+", "equivocal", r"HER2 ISH result 'equivocal' is not understood; expected one of not done, not amplified, amplified"),
])
def test_her2_category_rejects_bad_input(score, ish, message):
    with pytest.raises(ValueError, match=message):
        ihc.her2_category(score, ish)


def test_a_bare_her2_negative_says_0_versus_1_plus_is_missing_and_why():
    call = ihc.read_her2("negative")
    assert call.status == "negative" and call.her2_low is None and call.score is None
    assert "IHC 0 (null or ultralow), 1+ and 2+" in call.missing[0] and "DESTINY-Breast04" in call.missing[0]
    assert "DESTINY-Breast06" in call.missing[0] and "in that setting only HER2-null is left out" in call.missing[0]
    # the setting is part of the claim: after chemotherapy, or in HR-negative disease, ultralow is outside as well
    assert "after endocrine therapy and before any chemotherapy for metastatic disease" in call.missing[0]
    assert "after chemotherapy for metastatic disease or in HR-negative disease HER2-ultralow is left out too" in call.missing[0]


def test_read_her2_other_printed_forms():
    assert ihc.read_her2("positive").status == "positive"
    assert ihc.read_her2(None).status == "not reported"
    assert ihc.read_her2("not reported").positive is None
    assert ihc.read_her2("not tested").category == "HER2 not reported"
    assert ihc.read_her2("2+", "not amplified").her2_low is True
    assert ihc.read_her2("negative", "not amplified").status == "negative"
    with pytest.raises(ValueError, match=r"'negative' with an amplified ISH result is contradictory"):
        ihc.read_her2("negative", "amplified")


def test_an_ish_call_without_an_ihc_score_states_the_guideline_rule_without_overstating_it():
    amplified = ihc.read_her2(None, "amplified")
    assert amplified.status == "positive" and len(amplified.missing) == 1
    # the IHC score cannot change a positive final ISH call, and the message says so rather than asking for it
    assert amplified.missing[0].startswith("HER2 IHC score not reported; it does not change a positive call")
    assert "ASCO/CAP 2018, affirmed 2023" in amplified.missing[0] and "final ISH call" in amplified.missing[0]
    negative = ihc.read_her2("not reported", "not amplified")
    assert negative.status == "negative" and negative.her2_low is None
    # one message, not two overlapping "IHC score not reported" ones
    assert len(negative.missing) == 1 and negative.missing[0].count("IHC score not reported") == 1
    text = negative.missing[0]
    assert "final ISH call (for ISH groups 2-4, made after the concurrent IHC review" in text
    assert "HER2-low or -ultralow from HER2-null" in text and "DESTINY-Breast06" in text
    for call in (amplified, negative):  # ISH does not decide "on its own" for groups 2-4
        assert "on its own" not in call.missing[0]


# Subtype and PD-L1 -----------------------------------------------------------------------------------
def panel_subtype(er, pr, her2, ish="not done"):
    return ihc.subtype(ihc.read_receptor("ER", er), ihc.read_receptor("PR", pr), ihc.read_her2(her2, ish))


@pytest.mark.parametrize(("er", "pr", "her2", "ish", "expected"), [
    (90, 50, "0", "not done", "HR+/HER2-"),
    (1, 0, "1+", "not done", "HR+/HER2-"),  # ER Low Positive still counts as HR+
    (10, 0.9, "0", "not done", "HR+/HER2-"),
    (0.9, 0, "1+", "not done", "triple-negative"),
    (0.9, 0.9, "0", "not done", "triple-negative"),
    (0, 1, "0", "not done", "HR+/HER2-"),  # PR alone is enough, from 1 %
    (0, 10.1, "0", "not done", "HR+/HER2-"),
    (0, 0, "3+", "not done", "HR-/HER2+"),
    (50, 0, "3+", "not done", "HR+/HER2+"),
    (50, 0, "2+", "amplified", "HR+/HER2+"),
    (0, 0, "2+", "not amplified", "triple-negative"),
    (0, 0, "2+", "not done", "undetermined"),
    ("negative", "negative", "negative", "not done", "triple-negative"),
    ("positive", "negative", "negative", "not done", "HR+/HER2-"),
    ("positive", None, None, "not done", "undetermined"),  # HER2 not reported
    (None, "negative", "0", "not done", "undetermined"),  # HR status undecided
    (None, "positive", "0", "not done", "HR+/HER2-"),
])
def test_subtype(er, pr, her2, ish, expected):
    assert panel_subtype(er, pr, her2, ish) == expected
    assert expected in (*vocabulary.allowed("cases", "subtype"), ihc.UNDETERMINED)


def test_subtype_rejects_raw_values():
    with pytest.raises(ValueError, match=r"'positive' is not a ReceptorCall"):
        ihc.subtype("positive", ihc.read_receptor("PR", 0), ihc.read_her2("0"))


@pytest.mark.parametrize(("cps", "group"), [
    (0, "CPS < 1"), (0.9, "CPS < 1"), (1, "1 <= CPS < 10"), (3, "1 <= CPS < 10"), (9.9, "1 <= CPS < 10"),
    (10, "CPS >= 10"), (100, "CPS >= 10"), ("CPS 3", "1 <= CPS < 10"), ("12", "CPS >= 10"),
])
def test_pdl1_group_at_the_keynote355_cutoffs(cps, group):
    assert ihc.pdl1_group(cps) == group


@pytest.mark.parametrize(("bad", "message"), [
    (-1, r"PD-L1 CPS -1 is outside 0-100"), (101, r"PD-L1 CPS 101 is outside 0-100"),
    ("high", r"PD-L1 CPS 'high' is not understood"), (None, r"PD-L1 CPS None is not a number"),
])
def test_pdl1_group_rejects_bad_input(bad, message):
    with pytest.raises(ValueError, match=message):
        ihc.pdl1_group(bad)


def test_rule_tables_apply_the_same_functions():
    receptors = ihc.receptor_rules_table((0.9, 1, 10, 10.1))
    assert list(receptors["ER (ASCO/CAP 2020)"]) == [
        "negative", "positive, reported as ER Low Positive", "positive, reported as ER Low Positive", "positive"]
    assert list(receptors["PR (ASCO/CAP 2020)"]) == ["negative", "positive", "positive", "positive"]
    assert list(receptors["counts as HR-positive"]) == ["no", "yes", "yes", "yes"]
    her2 = ihc.her2_rules_table().set_index(["IHC score", "ISH"])
    assert her2.loc[("2+", "not done"), "HER2 status"] == "equivocal"
    column = "T-DXd trial evidence (HR+ disease)"
    assert her2.loc[("2+", "not done"), column] == "not yet known: ISH needed"
    assert list(her2[column]).count("DESTINY-Breast04 and -06") == 2
    assert her2.loc[("0 (ultralow)", "not done"), column] == "DESTINY-Breast06"
    assert her2.loc[("0 (null)", "not done"), column] == "none (HER2-null)"


# Panel interpretation -----------------------------------------------------------------------------------
TNBC_LIKE = {"pan-CK": "positive", "CK7": "positive", "CK20": "negative", "MUM1": "negative", "ER": "negative",
             "PR": "negative", "HER2": "negative", "PD-L1": 3, "BRCA1/2": "no mutation detected"}


def test_interpret_a_triple_negative_marrow_panel():
    reading = ihc.interpret_panel(TNBC_LIKE)
    assert reading.subtype == "triple-negative" and reading.pdl1 == "1 <= CPS < 10"
    origin = " ".join(reading.origin)
    assert "pan-CK positive" in origin and "CK7+/CK20-" in origin and "MUM1 negative" in origin
    assert any(m.startswith("TRPS1") for m in reading.next_markers)
    evidence = " ".join(reading.evidence)
    assert "KEYNOTE-355" in evidence and "OlympiAD" in evidence and "ASCENT" in evidence
    assert "HER2-low status unknown: whether DESTINY-Breast04 applies" in evidence and "ultralow" not in evidence
    assert any("HER2 IHC score not reported" in m for m in reading.missing)
    assert reading.as_dict()["her2"]["status"] == "negative"


def test_cps_at_10_changes_the_keynote355_reading():
    below = " ".join(ihc.interpret_panel({**TNBC_LIKE, "PD-L1": 9.9}).evidence)
    at = " ".join(ihc.interpret_panel({**TNBC_LIKE, "PD-L1": 10}).evidence)
    assert "outside the CPS >= 10 group" in below and "PD-L1 CPS >= 10: the group" in at


def test_er_low_tumour_keeps_the_triple_negative_evidence_flagged():
    reading = ihc.interpret_panel({**TNBC_LIKE, "ER": 5, "HER2": "1+"})
    assert reading.subtype == "HR+/HER2-" and reading.her2.her2_low is True
    evidence = " ".join(reading.evidence)
    assert "ER Low Positive (1-10 %)" in evidence and "Neither body of trial evidence" in evidence
    assert "PALOMA" in evidence and "DESTINY-Breast04" in evidence
    assert "Trial definition excluded ER-low" in evidence and "ER and PR below 1 %" in evidence
    assert "KEYNOTE-355" in evidence and "ASCENT" in evidence and "OlympiAD" in evidence
    assert "hormone-receptor-negative cohort was small (58 patients)" in evidence
    assert reading.next_markers[0].startswith("TRPS1")  # receptor positivity this weak does not settle the origin


@pytest.mark.parametrize(("er", "pr"), [(10.1, 0), (50, 0), (5, 5), (0, 5)])
def test_other_hormone_receptor_positive_tumours_get_only_the_hr_positive_evidence(er, pr):
    evidence = " ".join(ihc.interpret_panel({**TNBC_LIKE, "ER": er, "PR": pr}).evidence)
    assert "PALOMA" in evidence and "KEYNOTE-355" not in evidence and "ASCENT" not in evidence
    assert "ER Low Positive" not in evidence


def test_ascent_line_states_the_entry_criterion():
    evidence = " ".join(ihc.interpret_panel(TNBC_LIKE).evidence)
    assert "at least two chemotherapy regimens for advanced disease" in evidence and "within 12 months" in evidence


def test_destiny_breast04_cohort_note_only_for_hormone_receptor_negative_disease():
    tn = " ".join(ihc.interpret_panel({**TNBC_LIKE, "HER2": "1+"}).evidence)
    hr = " ".join(ihc.interpret_panel({**TNBC_LIKE, "ER": 60, "HER2": "1+"}).evidence)
    assert "published 2022" in tn and "58 patients" in tn
    assert "published 2022" in hr and "58 patients" not in hr


def test_pr_gap_does_not_change_the_subtype_when_er_is_positive():
    reading = ihc.interpret_panel({"ER": "positive", "pan-CK": "positive"})
    assert reading.subtype == "undetermined"  # HER2 not reported for this specimen
    assert any(m.startswith("PR not reported for this specimen: it cannot change the subtype") for m in reading.missing)
    assert "HER2 not reported for this specimen." in reading.missing


def test_keratin_negative_panel_sends_the_work_up_elsewhere():
    reading = ihc.interpret_panel({"pan-CK": "negative", "MUM1": "positive"})
    assert "carcinoma is not supported" in reading.origin[0]
    assert "haematolymphoid" in reading.next_markers[0]


def test_a_positive_origin_marker_needs_no_further_marker():
    reading = ihc.interpret_panel({"pan-CK": "positive", "ER": 0, "PR": 0, "HER2": "0", "TRPS1": "positive"})
    assert reading.next_markers == () and any(line.startswith("TRPS1 positive") for line in reading.origin)


def test_origin_markers_carry_their_specificity_caveats():
    origin = " ".join(ihc.interpret_panel({"pan-CK": "positive", "TRPS1": "positive", "GATA3": "positive"}).origin)
    assert "not breast-specific" in origin and "salivary" in origin and "sarcomas" in origin
    assert "T cells also stain" in origin
    suggestions = " ".join(ihc.interpret_panel(TNBC_LIKE).next_markers)
    assert "not breast-specific" in suggestions and "T cells" in suggestions


@pytest.mark.parametrize(("ck7", "ck20", "fragment"), [
    ("positive", "positive", "CK7+/CK20+"), ("negative", "positive", "colorectal pattern"),
    ("negative", "negative", "CK7-/CK20-"), ("positive", None, "Only one of CK7 and CK20"),
])
def test_ck7_ck20_patterns(ck7, ck20, fragment):
    origin = " ".join(ihc.interpret_panel({"CK7": ck7, "CK20": ck20}).origin)
    assert fragment in origin


@pytest.mark.parametrize(("results", "message"), [
    ({"CK5": "positive"}, r"unknown marker\(s\) 'CK5'; expected any of: pan-CK"),
    ({"CK7": "weak"}, r"CK7 result 'weak' is not understood; expected 'positive', 'negative' or None \(not reported\)"),
    ({"BRCA1/2": "negative"}, r"BRCA1/2 result 'negative' is not understood; expected one of mutation detected"),
    (["ER"], r"results must be a mapping"),
])
def test_interpret_panel_rejects_bad_input(results, message):
    with pytest.raises(ValueError, match=message):
        ihc.interpret_panel(results)


def test_explain_markdown_leads_with_the_subtype():
    text = ihc.explain_markdown(ihc.interpret_panel(TNBC_LIKE))
    assert text.startswith("**Subtype: triple-negative**")
    for heading in ("Where the cells come from", "What is missing", "Marker to add", "not a recommendation"):
        assert heading in text


# Views of casedata/ihc.csv -----------------------------------------------------------------------------------
def test_tidy_table_keeps_every_row_with_its_locator(data):
    tidy = ihc_views.tidy_table(data.ihc)
    assert len(tidy) == len(data.ihc)
    assert tidy.columns[-1] == "source_locator" and tidy["source_locator"].str.len().min() > 10
    assert set(tidy["call"]) <= set(ihc_views.CALLS)


def test_panel_matrix_has_one_cell_per_case_specimen_and_marker(data):
    calls, texts = ihc_views.panel_matrix(data.ihc)
    pairs = data.ihc[["case_id", "specimen"]].astype(str).drop_duplicates()
    assert calls.shape == (len(pairs), len(ihc_views.MARKER_ORDER)) and texts.shape == calls.shape
    assert (calls != "not reported").sum().sum() == len(data.ihc)
    assert ((texts == "") == (calls == "not reported")).all().all()


def test_coverage_table_counts_what_was_reported(data):
    table = ihc_views.coverage_table(data.ihc)
    assert table["markers reported"].sum() == len(data.ihc)
    assert list(table["specimen"])[:2] == ["breast primary", "bone marrow"]  # clinical order within a case
    assert (table["of which with a percentage or score"] <= table["ER/PR/HER2 results"]).all()


def test_coverage_summary_states_the_counts_of_the_table(data):
    table = ihc_views.coverage_table(data.ihc)
    text = ihc_views.coverage_summary(data.ihc)
    assert f"Of the {table['ER/PR/HER2 results'].sum()} ER, PR and HER2 results" in text
    scored = table['of which with a percentage or score'].sum()
    assert f"{scored} {'carries' if scored == 1 else 'carry'} a percentage" in text
    assert "akagi2021: breast primary" in text and "tested" not in text


def test_specimen_table_keeps_every_result_and_its_locator(data):
    table = ihc_views.specimen_table(data.ihc)
    pairs = data.ihc[["case_id", "specimen"]].astype(str).drop_duplicates()
    assert len(table) == len(pairs) and list(table.columns)[-1] == "source_locator"
    assert table["results as reported"].str.count(";").sum() + len(table) == len(data.ihc)
    for locator in data.ihc["source_locator"].astype(str):
        assert table["source_locator"].str.contains(locator, regex=False).any()


def test_primary_subtypes_agree_with_cases_csv(data):
    table = ihc_views.subtype_table(data.ihc)
    primaries = table[table["specimen"] == "breast primary"].set_index("case_id")["subtype"]
    curated = data.cases.set_index("case_id")["subtype"].astype(str)
    assert primaries.to_dict() == curated.to_dict()


def test_receptor_course_shows_what_was_not_reported(data):
    table = ihc_views.receptor_course(data.ihc)
    course = table.set_index(["case_id", "marker"])["primary vs marrow"]
    assert course.loc[("akagi2021", "ER")] == "concordant (primary and marrow)"
    assert course.loc[("akagi2021", "HER2")] == "not reported for the marrow"
    assert not table.astype(str).apply(lambda column: column.str.contains("tested")).any().any()
    assert course.loc[("tnbc2025", "HER2")] == "concordant (primary and marrow)"


def test_receptor_course_names_a_conversion():
    fake = pd.DataFrame({
        "case_id": ["x", "x"], "specimen": ["breast_primary", "bone_marrow"], "marker": ["ER", "ER"],
        "result": ["positive", "negative"], "result_value": [float("nan")] * 2, "source_locator": ["a", "b"]})
    assert ihc_views.receptor_course(fake).iloc[0]["primary vs marrow"] == "conversion: positive in the primary, negative in the marrow"


def test_case_panel_reads_numbers_where_printed(data):
    panel = ihc_views.case_panel(data.ihc, "tnbc2025", ["bone_marrow", "not_stated"])
    assert isinstance(panel["PD-L1"], float) and panel["ER"] == "negative"
    assert ihc.interpret_panel(panel).subtype == "triple-negative"


@pytest.mark.parametrize(("case_id", "specimens", "message"), [
    ("nobody", "bone_marrow", r"case_id 'nobody' is not in the ihc table"),
    ("tnbc2025", "liver", r"specimen\(s\) 'liver' unknown"),
    ("tnbc2025", ["breast_primary", "bone_marrow"], r"ER appears on more than one"),
])
def test_case_panel_rejects_bad_input(data, case_id, specimens, message):
    with pytest.raises(ValueError, match=message):
        ihc_views.case_panel(data.ihc, case_id, specimens)


def test_views_name_missing_columns():
    with pytest.raises(ValueError, match=r"lacks column\(s\) .*source_locator"):
        ihc_views.tidy_table(pd.DataFrame({"case_id": [], "specimen": [], "marker": [], "result": [], "result_value": []}))


def test_result_call_rejects_unknown_text():
    with pytest.raises(ValueError, match=r"HER2 result 'equivocal' is not understood"):
        ihc_views.result_call("HER2", "equivocal")


def test_every_ihc_marker_has_a_cited_pattern(data):
    patterns = data.marker_patterns.set_index("marker")
    reported = set(data.ihc.loc[data.ihc["method"].astype(str) == "ihc", "marker"].astype(str))
    assert reported <= set(patterns.index)
    assert set(patterns["source_id"]) <= set(data.sources["source_id"])


def test_marker_patterns_keep_the_receptor_rules_and_the_caveats(data):
    patterns = data.marker_patterns.set_index("marker")
    assert "ER Low Positive" in patterns.loc["ER", "breast_carcinoma"]
    assert "no low" in patterns.loc["PR", "breast_carcinoma"] and "low positive" not in patterns.loc["PR", "breast_carcinoma"].lower()
    assert "salivary" in patterns.loc["TRPS1", "other_tumours"] and "T cells" in patterns.loc["GATA3", "other_tumours"]
    assert set(patterns.loc[["CK7", "CK20"], "marker_class"]) == {"epithelial"}  # a keratin pattern, not an organ marker
    assert set(patterns.loc[list(ihc.ORIGIN_MARKERS), "marker_class"]) == {"site_of_origin"}
    sources = set(data.sources["source_id"])
    for source_id in ("lennartz2024_trps1", "bachert2024_trps1"):
        assert source_id in sources and source_id in patterns.loc["TRPS1", "source_locator"]


# Figure ---------------------------------------------------------------------------------------------
def test_marker_panel_figure_is_titled_and_labelled(data):
    plots.use_course_style()
    figure = ihc_views.marker_panel_figure(data.ihc)
    ax = figure.axes[0]
    assert ax.get_title() and ax.get_xlabel() == "marker" and ax.get_ylabel() == "case · specimen"
    legend = [text.get_text() for text in ax.get_legend().get_texts()]
    assert len(legend) == len(plots.PANEL_STYLE) and "not reported" in legend and "not tested" not in legend
    matplotlib.pyplot.close(figure)


def test_marker_panel_rejects_unknown_categories():
    with pytest.raises(ValueError, match=r"unknown cell categories \['maybe'\]"):
        plots.marker_panel(pd.DataFrame([["maybe"]], index=["a"], columns=["ER"]))


# Widget (headless: setting a control's value fires its observers without a kernel) --------------------
@pytest.fixture
def tnbc_explorer(data):
    shown = []
    reported = ihc_views.case_panel(data.ihc, "tnbc2025", ["bone_marrow", "not_stated"])
    return ihc_views.panel_explorer(reported, show=shown.append), shown


def test_explorer_starts_as_reported(tnbc_explorer):
    box, shown = tnbc_explorer
    assert len(shown) == 1 and shown[0].startswith("**Subtype: triple-negative**")
    assert box.values()["ER"] == "negative" and box.values()["PD-L1"] == 3.0
    assert "BRCA1/2" not in box.controls and "OlympiAD" in shown[0]  # reported markers without a control still count


def test_explorer_redraws_on_change_and_resets(tnbc_explorer):
    box, shown = tnbc_explorer
    box.controls["ER"].value = 50.0
    assert shown[-1].startswith("**Subtype: HR+/HER2-**")
    box.controls["HER2"].value = "2+"
    assert shown[-1].startswith("**Subtype: undetermined**") and "ISH needed" in shown[-1]
    box.controls["HER2 ISH"].value = "amplified"
    assert shown[-1].startswith("**Subtype: HR+/HER2+**")
    box.controls["PD-L1"].value = 10.0
    box.controls["HER2"].value = "negative"  # with ISH still 'amplified': contradictory, shown rather than raised
    assert shown[-1].startswith("**These choices contradict each other:**") and "amplified" in shown[-1]
    box.reset_button.click()
    assert box.values() == box.reported and shown[-1] == shown[0]


def test_explorer_offers_ihc_0_null_and_ultralow_and_starts_from_the_reported_word(tnbc_explorer):
    box, shown = tnbc_explorer
    values = [value for _, value in ihc_views.HER2_CHOICES]
    assert {"0", "0 (null)", "0 (ultralow)", "1+"} <= set(values) and box.values()["HER2"] == "negative"
    assert box.controls["HER2"].options[0] == ("negative (score not given)", "negative")  # no '(as reported)' entry added
    box.controls["ER"].value = 50.0
    box.controls["HER2"].value = "0 (ultralow)"
    assert "HER2-ultralow, HR+: DESTINY-Breast06" in shown[-1] and "exploratory" in shown[-1]
    box.controls["HER2"].value = "0 (null)"
    assert "HER2-null (no membrane staining): outside" in shown[-1]
    box.controls["ER"].value = "negative"
    box.controls["HER2"].value = "0 (ultralow)"
    assert shown[-1].startswith("**Subtype: triple-negative**") and "enrolled HR+ disease only" in shown[-1]


@pytest.mark.parametrize("label_value", ihc_views.HER2_CHOICES, ids=lambda choice: choice[0])
def test_every_her2_choice_gives_a_reading(tnbc_explorer, label_value):
    box, shown = tnbc_explorer
    box.controls["HER2"].value = label_value[1]
    assert shown[-1].startswith("**Subtype:") and "contradict" not in shown[-1]


def test_explorer_is_built_on_the_shared_wiring_layer(tnbc_explorer):
    from utils.widgets import Explorer

    box, _ = tnbc_explorer
    assert isinstance(box, Explorer) and set(box.controls) == set(ihc_views.EXPLORER_CONTROLS)


def test_explorer_adds_a_reported_value_missing_from_its_choices():
    choices = ihc_views.explorer_choices("ER", 35.0)
    assert choices[0] == ("35% (as reported)", 35.0)
    assert ihc_views.explorer_choices("ER", "negative") == list(ihc_views.RECEPTOR_CHOICES)
    shown = []
    box = ihc_views.panel_explorer({"ER": 35.0, "HER2": "1+"}, show=shown.append)
    assert box.values()["ER"] == 35.0 and box.values()["pan-CK"] == "not reported" and box.values()["HER2 ISH"] == "not done"


def test_explorer_rejects_an_unreadable_reported_value():
    with pytest.raises(ValueError, match=r"ER result 'weak' is not understood"):
        ihc_views.panel_explorer({"ER": "weak"}, show=lambda text: None)


def test_explorer_er_low_keeps_both_bodies_of_evidence(tnbc_explorer):
    box, shown = tnbc_explorer
    box.controls["ER"].value = 5.0
    assert shown[-1].startswith("**Subtype: HR+/HER2-**")
    assert "Neither body of trial evidence" in shown[-1] and "Trial definition excluded ER-low" in shown[-1]
    assert "PALOMA" in shown[-1] and "KEYNOTE-355" in shown[-1]
    box.controls["PR"].value = 5.0  # PR positive: no longer an ER-low-only tumour
    assert "KEYNOTE-355" not in shown[-1] and "PR positive (5%)" in shown[-1]


@pytest.mark.parametrize(("her2", "expected", "absent"), [
    ("0 (ultralow)", "HER2-ultralow, HR+: DESTINY-Breast06", "DESTINY-Breast04 (published 2022) tested"),
    ("1+", "HER2-low, HR+: DESTINY-Breast06", "HER2-ultralow"),
    ("0 (null)", "HER2-null (no membrane staining): outside", "DESTINY-Breast06"),
    ("0", "whether DESTINY-Breast04 or DESTINY-Breast06 applies cannot be judged until whether IHC 0 was null or ultralow",
     "HER2-null"),
    ("negative", "whether DESTINY-Breast04 or DESTINY-Breast06 applies cannot be judged until the IHC score", "HER2-null"),
])
def test_hr_positive_evidence_follows_the_low_end_of_her2(her2, expected, absent):
    evidence = " ".join(ihc.interpret_panel({**TNBC_LIKE, "ER": 60, "HER2": her2}).evidence)
    assert expected in evidence and absent not in evidence


def test_ultralow_in_hormone_receptor_negative_disease_has_no_trial():
    evidence = " ".join(ihc.interpret_panel({**TNBC_LIKE, "HER2": "0 (ultralow)"}).evidence)
    assert "DESTINY-Breast06 enrolled HR+ disease only" in evidence


def test_hr_positive_evidence_names_the_biomarkers_and_right_choice():
    evidence = " ".join(ihc.interpret_panel({**TNBC_LIKE, "ER": 60}).evidence)
    for name in ("ESR1", "EMERALD", "PIK3CA", "AKT1", "PTEN", "SOLAR-1", "CAPItello-291", "INAVO120", "RIGHT Choice",
                 "ABC 6 and 7", "ESMO living guideline", "PALOMA-2"):
        assert name in evidence
    assert "ABC 4" not in evidence and "ABC 5" not in evidence
    # RIGHT Choice: longer PFS than combination chemotherapy; its blood-count entry criteria are not claimed
    assert "longer progression-free survival than combination chemotherapy" in evidence
    assert "could not be confirmed" in evidence and "adequate marrow function" not in evidence
    assert "no significant overall-survival gain" in evidence  # PALOMA-2 final analysis


def test_the_missing_her2_score_asks_for_a_recent_sample_of_the_metastasis():
    assert "recent sample of the metastasis" in ihc.read_her2("negative").missing[0]


def test_ultralow_evidence_is_called_exploratory():
    evidence = " ".join(ihc.interpret_panel({**TNBC_LIKE, "ER": 60, "HER2": "0 (ultralow)"}).evidence)
    assert "exploratory" in evidence and "before any chemotherapy for metastatic disease" in evidence
    assert "Once chemotherapy for metastatic disease has been given, no trial covers ultralow" in evidence


# First-line TROP2 antibody-drug conjugates in triple-negative disease, sorted by the CPS -----------------------------
CPS_BELOW_10 = ("ASCENT-03", "TROPION-Breast02", "below 10, so no PD-1/PD-L1 inhibitor", "longer progression-free and overall survival")


@pytest.mark.parametrize("cps", [0, 0.9, 1, 3, 9.9])
def test_untreated_triple_negative_below_cps_10_points_to_ascent03_and_tropion_breast02(cps):
    evidence = ihc.interpret_panel({**TNBC_LIKE, "PD-L1": cps}).evidence
    text = " ".join(evidence)
    assert all(phrase in text for phrase in CPS_BELOW_10)
    assert f"CPS {cps:g} (below 10" in text and "overall survival immature" in text
    assert "ASCENT-04" not in text
    assert "marrow failure was not checked" in text and "neutropenia and diarrhoea" in text
    first_line = next(i for i, line in enumerate(evidence) if line.startswith("Untreated triple-negative disease"))
    pretreated = next(i for i, line in enumerate(evidence) if line.startswith("Pretreated triple-negative disease: ASCENT"))
    assert first_line == pretreated - 1  # the first-line evidence comes just before ASCENT's


@pytest.mark.parametrize("cps", [10, 10.5, 50, 100])
def test_untreated_triple_negative_at_cps_10_or_more_points_to_ascent04(cps):
    text = " ".join(ihc.interpret_panel({**TNBC_LIKE, "PD-L1": cps}).evidence)
    assert "Untreated triple-negative disease, CPS >= 10: in ASCENT-04 (published 2026)" in text
    assert "with pembrolizumab gave longer progression-free survival than chemotherapy with pembrolizumab" in text
    assert "ASCENT-03" not in text and "TROPION-Breast02" not in text
    assert "marrow failure was not checked" in text


def test_untreated_triple_negative_without_a_cps_names_both_routes():
    text = " ".join(ihc.interpret_panel({**TNBC_LIKE, "PD-L1": None}).evidence)
    assert "the CPS also decides which first-line trial" in text
    assert "ASCENT-04 (with pembrolizumab, CPS >= 10)" in text and "ASCENT-03 and TROPION-Breast02" in text


def test_first_line_conjugate_evidence_is_borrowed_for_er_low_and_absent_for_hr_positive():
    er_low = " ".join(ihc.interpret_panel({**TNBC_LIKE, "ER": 5}).evidence)
    assert "Trial definition excluded ER-low" in er_low and "ASCENT-03" in er_low
    for er in (10.1, 60):
        hr_positive = " ".join(ihc.interpret_panel({**TNBC_LIKE, "ER": er}).evidence)
        assert "ASCENT-03" not in hr_positive and "TROPION-Breast02" not in hr_positive and "ASCENT-04" not in hr_positive


def test_hr_positive_evidence_gives_both_sides_of_first_line_cdk46_survival_and_both_oral_serds():
    evidence = " ".join(ihc.interpret_panel({**TNBC_LIKE, "ER": 60}).evidence)
    assert "PALOMA-2, palbociclib, which excluded relapse on or soon after an adjuvant aromatase inhibitor" in evidence
    assert "MONALEESA-2, ribociclib: longer overall survival" in evidence
    assert "PALOMA-3, palbociclib with fulvestrant: longer progression-free survival, overall-survival gain not significant" in evidence
    assert "elacestrant in EMERALD, imlunestrant in EMBER-3" in evidence


# DESTINY-Breast06 line of therapy: no chemotherapy for metastatic disease, and two endocrine lines (or early
# progression on first-line endocrine therapy with a CDK4/6 inhibitor; an early adjuvant relapse counts as a line).
@pytest.mark.parametrize(("endocrine", "chemo", "flags", "fits"), [
    (0, 0, {}, False), (1, 0, {}, False), (2, 0, {}, True), (3, 0, {}, True),
    (2, 1, {}, False), (5, 1, {}, False), (0, 1, {}, False),
    (1, 0, {"early_progression_on_first_line_cdk46": True}, True),
    (1, 1, {"early_progression_on_first_line_cdk46": True}, False),
    (1, 0, {"adjuvant_relapse_within_24_months": True}, True),
    (0, 0, {"adjuvant_relapse_within_24_months": True}, False),
    (1, 1, {"adjuvant_relapse_within_24_months": True}, False),
])
def test_destiny_breast06_line_check_at_every_boundary(endocrine, chemo, flags, fits):
    check = ihc.destiny_breast06_line_check(endocrine, chemo, **flags)
    assert (check.fits, check.endocrine_lines, check.chemotherapy_lines) == (fits, endocrine, chemo)
    assert check.reason.startswith(f"{endocrine} endocrine and {chemo} chemotherapy line(s)")
    assert ("inside DESTINY-Breast06" in check.reason) is fits
    assert check.reason.endswith(ihc.DB06_OTHER_CRITERIA) and "bone marrow function" in check.reason


def test_destiny_breast06_line_check_names_chemotherapy_as_the_reason_it_is_outside():
    assert "before any chemotherapy for metastatic disease" in ihc.destiny_breast06_line_check(3, 1).reason


@pytest.mark.parametrize(("endocrine", "chemo", "message"), [
    (-1, 0, r"endocrine_lines -1 is not understood; expected a whole number"),
    (1.5, 0, r"endocrine_lines 1\.5 is not understood"),
    (True, 0, r"endocrine_lines True is not understood"),
    (2, "0", r"chemotherapy_lines '0' is not understood"),
])
def test_destiny_breast06_line_check_rejects_bad_counts(endocrine, chemo, message):
    with pytest.raises(ValueError, match=message):
        ihc.destiny_breast06_line_check(endocrine, chemo)


def test_early_progression_needs_a_first_endocrine_line():
    with pytest.raises(ValueError, match=r"early_progression_on_first_line_cdk46 is True but endocrine_lines is 0"):
        ihc.destiny_breast06_line_check(0, 0, early_progression_on_first_line_cdk46=True)


def test_akagi2021_sits_in_destiny_breast06_line_of_therapy_at_her_marrow_relapse(data):
    lines = data.therapy_lines.query("case_id == 'akagi2021' and setting == 'metastatic'")
    expected = lines[(lines["start_day"] < 0) & lines["category"].isin(["endocrine", "chemotherapy"])]
    before = ihc_views.metastatic_lines_before(data.therapy_lines, "akagi2021", 0)
    assert list(before["therapy_id"]) == list(expected["therapy_id"]) and set(before["category"]) == {"endocrine"}
    assert (before["start_day"] < 0).all() and before["source_locator"].str.len().min() > 10
    at_relapse = ihc_views.destiny_breast06_position(data.therapy_lines, "akagi2021", 0)
    assert (at_relapse.fits, at_relapse.endocrine_lines, at_relapse.chemotherapy_lines) == (True, len(expected), 0)
    first_chemo = lines[(lines["category"] == "chemotherapy") & (lines["start_day"] >= 0)].sort_values("start_day").iloc[0]
    after_ac = ihc_views.destiny_breast06_position(data.therapy_lines, "akagi2021", int(first_chemo["start_day"]) + 1)
    assert (after_ac.fits, after_ac.chemotherapy_lines) == (False, 1)


def test_tnbc2025_has_no_metastatic_line_before_day_0(data):
    assert ihc_views.metastatic_lines_before(data.therapy_lines, "tnbc2025", 0).empty
    assert ihc_views.destiny_breast06_position(data.therapy_lines, "tnbc2025", 0).fits is False


@pytest.mark.parametrize(("case_id", "columns", "message"), [
    ("nobody", None, r"case_id 'nobody' is not in the therapy_lines table"),
    ("akagi2021", ["case_id", "line"], r"the therapy_lines table lacks column\(s\) category"),
])
def test_metastatic_lines_before_rejects_bad_input(data, case_id, columns, message):
    table = data.therapy_lines if columns is None else data.therapy_lines[columns]
    with pytest.raises(ValueError, match=message):
        ihc_views.metastatic_lines_before(table, case_id, 0)


def test_the_unknown_low_end_names_ultralow_only_where_destiny_breast06_could_apply():
    hr_positive = " ".join(ihc.interpret_panel({**TNBC_LIKE, "ER": 60}).evidence)
    triple_negative = " ".join(ihc.interpret_panel({**TNBC_LIKE, "HER2": "0"}).evidence)
    assert "HER2-low and ultralow status unknown: whether DESTINY-Breast04 or DESTINY-Breast06" in hr_positive
    assert "HER2 IHC 0: outside DESTINY-Breast04" in triple_negative and "enrolled HR+ disease only" in triple_negative
    assert "status unknown" not in triple_negative


@pytest.mark.parametrize(("cps", "expected"), [
    ("CPS 3", "CPS 3 (below 10, so no PD-1/PD-L1 inhibitor)"), (9.99, "CPS 9.99 (below 10"),
    (10, "CPS >= 10: in ASCENT-04"), ("10", "CPS >= 10: in ASCENT-04"),
    (None, "the CPS also decides"), ("not reported", "the CPS also decides"),
])
def test_first_line_adc_evidence_reads_a_printed_cps(cps, expected):
    assert expected in ihc.first_line_adc_evidence(cps)


@pytest.mark.parametrize(("cps", "message"), [(-1, "outside 0-100"), (101, "outside 0-100"), ("high", "not understood")])
def test_first_line_adc_evidence_refuses_an_impossible_cps(cps, message):
    with pytest.raises(ValueError, match=message):
        ihc.first_line_adc_evidence(cps)
