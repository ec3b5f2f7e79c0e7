"""utils.ihc: receptor calls at every ASCO/CAP threshold, HER2 categories, subtype, panel reading,
the views of casedata/ihc.csv, the marker-panel figure and the notebook-02 widget (headless)."""

import math

import matplotlib
import pandas as pd
import pytest

matplotlib.use("Agg")

from utils import casedata, ihc, ihc_views, plots  # noqa: E402


@pytest.fixture(scope="module")
def data():
    return casedata.load_all()


# ER and PR -------------------------------------------------------------------------------
@pytest.mark.parametrize(("percent", "status"), [
    (0, "negative"), (0.5, "negative"), (0.9, "negative"), (0.99, "negative"),
    (1, "low positive"), (1.0, "low positive"), (5, "low positive"), (10, "low positive"),
    (10.01, "positive"), (10.1, "positive"), (11, "positive"), (100, "positive"),
])
def test_receptor_status_at_every_threshold(percent, status):
    assert ihc.receptor_status(percent) == status


@pytest.mark.parametrize(("bad", "message"), [
    (-0.1, r"-0\.1 is outside 0-100"), (100.1, r"100\.1 is outside 0-100"),
    ("5", r"'5' is not a number"), (None, r"None is not a number"), (True, r"True is not a number"),
    (math.nan, r"is NaN"),
])
def test_receptor_status_names_the_bad_value_and_what_was_expected(bad, message):
    with pytest.raises(ValueError, match=rf"{message}.*expected a percentage"):
        ihc.receptor_status(bad)


@pytest.mark.parametrize(("result", "status", "percent"), [
    ("35%", "positive", 35.0), (" 0.5 % ", "negative", 0.5), (10, "low positive", 10.0), (0.9, "negative", 0.9),
])
def test_read_receptor_from_a_percentage(result, status, percent):
    call = ihc.read_receptor("ER", result)
    assert (call.status, call.percent, call.missing) == (status, percent, ())
    assert call.positive is (status != "negative")


def test_a_bare_positive_keeps_the_subtype_but_says_the_percentage_is_missing():
    call = ihc.read_receptor("ER", "Positive")
    assert call.status == "positive" and call.percent is None and call.positive is True
    assert "percentage not reported" in call.missing[0] and "1-10 %" in call.missing[0]
    assert call.label == "ER positive (% not reported)"


def test_a_bare_negative_says_a_low_positive_could_hide_behind_it():
    call = ihc.read_receptor("PR", "negative")
    assert call.status == "negative" and call.positive is False
    assert "fewer than 1 %" in call.missing[0] and "low-positive" in call.missing[0]


@pytest.mark.parametrize("result", [None, "not tested"])
def test_not_tested_receptor(result):
    call = ihc.read_receptor("ER", result)
    assert call.status == "not tested" and call.positive is None and call.label == "ER not tested"


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
    ("0", "not done", "negative", False, "HER2 0 (IHC 0)"),
    ("0", "not amplified", "negative", False, "HER2 0 (IHC 0)"),
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
    ("4+", "not done", r"HER2 IHC score '4\+' is not understood; expected one of 0, 1\+, 2\+, 3\+"),
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
    assert "IHC 0, 1+ and 2+" in call.missing[0] and "DESTINY-Breast04" in call.missing[0]


def test_read_her2_other_printed_forms():
    assert ihc.read_her2("positive").status == "positive"
    assert ihc.read_her2(None).status == "not tested"
    assert ihc.read_her2("not tested").positive is None
    assert ihc.read_her2("2+", "not amplified").her2_low is True
    assert ihc.read_her2("negative", "not amplified").status == "negative"
    with pytest.raises(ValueError, match=r"'negative' with an amplified ISH result is contradictory"):
        ihc.read_her2("negative", "amplified")


# Subtype and PD-L1 -----------------------------------------------------------------------------------
def panel_subtype(er, pr, her2, ish="not done"):
    return ihc.subtype(ihc.read_receptor("ER", er), ihc.read_receptor("PR", pr), ihc.read_her2(her2, ish))


@pytest.mark.parametrize(("er", "pr", "her2", "ish", "expected"), [
    (90, 50, "0", "not done", "HR+/HER2-"),
    (1, 0, "1+", "not done", "HR+/HER2-"),  # ER-low still counts as HR+
    (0.9, 0, "1+", "not done", "triple-negative"),
    (0, 10.1, "0", "not done", "HR+/HER2-"),  # PR alone is enough
    (0, 0, "3+", "not done", "HR-/HER2+"),
    (50, 0, "3+", "not done", "HR+/HER2+"),
    (50, 0, "2+", "amplified", "HR+/HER2+"),
    (0, 0, "2+", "not amplified", "triple-negative"),
    (0, 0, "2+", "not done", "undetermined"),
    ("negative", "negative", "negative", "not done", "triple-negative"),
    ("positive", "negative", "negative", "not done", "HR+/HER2-"),
    ("positive", None, None, "not done", "undetermined"),  # HER2 not tested
    (None, "negative", "0", "not done", "undetermined"),  # HR status undecided
    (None, "positive", "0", "not done", "HR+/HER2-"),
])
def test_subtype(er, pr, her2, ish, expected):
    assert panel_subtype(er, pr, her2, ish) == expected
    assert expected in ihc.SUBTYPES


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
    assert list(receptors["ASCO/CAP 2020 call"]) == ["negative", "low positive", "low positive", "positive"]
    her2 = ihc.her2_rules_table().set_index(["IHC score", "ISH"])
    assert her2.loc[("2+", "not done"), "HER2 status"] == "equivocal"
    assert her2.loc[("2+", "not done"), "HER2-low"] == "not yet known"
    assert list(her2["HER2-low"]).count("yes") == 2


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
    assert "HER2-low status unknown" in evidence
    assert any("HER2 IHC score not reported" in m for m in reading.missing)
    assert reading.as_dict()["her2"]["status"] == "negative"


def test_cps_at_10_changes_the_keynote355_reading():
    below = " ".join(ihc.interpret_panel({**TNBC_LIKE, "PD-L1": 9.9}).evidence)
    at = " ".join(ihc.interpret_panel({**TNBC_LIKE, "PD-L1": 10}).evidence)
    assert "outside the CPS >= 10 group" in below and "PD-L1 CPS >= 10: the group" in at


def test_er_low_positive_tumour_is_hr_positive_with_a_caveat():
    reading = ihc.interpret_panel({"ER": 5, "PR": 0, "HER2": "1+", "pan-CK": "positive"})
    assert reading.subtype == "HR+/HER2-" and reading.her2.her2_low is True
    evidence = " ".join(reading.evidence)
    assert "low positive (1-10 %)" in evidence and "DESTINY-Breast04" in evidence and "PALOMA" in evidence


def test_pr_gap_does_not_change_the_subtype_when_er_is_positive():
    reading = ihc.interpret_panel({"ER": "positive", "pan-CK": "positive"})
    assert reading.subtype == "undetermined"  # HER2 not tested on this specimen
    assert any(m.startswith("PR not tested on this specimen: it cannot change the subtype") for m in reading.missing)
    assert "HER2 not tested on this specimen." in reading.missing


def test_keratin_negative_panel_sends_the_work_up_elsewhere():
    reading = ihc.interpret_panel({"pan-CK": "negative", "MUM1": "positive"})
    assert "carcinoma is not supported" in reading.origin[0]
    assert "haematolymphoid" in reading.next_markers[0]


def test_a_positive_origin_marker_needs_no_further_marker():
    reading = ihc.interpret_panel({"pan-CK": "positive", "ER": 0, "PR": 0, "HER2": "0", "TRPS1": "positive"})
    assert reading.next_markers == () and any(line.startswith("TRPS1 positive") for line in reading.origin)


@pytest.mark.parametrize(("ck7", "ck20", "fragment"), [
    ("positive", "positive", "CK7+/CK20+"), ("negative", "positive", "colorectal pattern"),
    ("negative", "negative", "CK7-/CK20-"), ("positive", None, "Only one of CK7 and CK20"),
])
def test_ck7_ck20_patterns(ck7, ck20, fragment):
    origin = " ".join(ihc.interpret_panel({"CK7": ck7, "CK20": ck20}).origin)
    assert fragment in origin


@pytest.mark.parametrize(("results", "message"), [
    ({"CK5": "positive"}, r"unknown marker\(s\) 'CK5'; expected any of: pan-CK"),
    ({"CK7": "weak"}, r"CK7 result 'weak' is not understood; expected 'positive', 'negative' or None"),
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
    assert (calls != "not tested").sum().sum() == len(data.ihc)
    assert ((texts == "") == (calls == "not tested")).all().all()


def test_coverage_table_counts_what_was_tested(data):
    table = ihc_views.coverage_table(data.ihc)
    assert table["markers tested"].sum() == len(data.ihc)
    assert list(table["specimen"])[:2] == ["breast primary", "bone marrow"]  # clinical order within a case
    assert (table["of which with a percentage or score"] <= table["ER/PR/HER2 results"]).all()


def test_primary_subtypes_agree_with_cases_csv(data):
    table = ihc_views.subtype_table(data.ihc)
    primaries = table[table["specimen"] == "breast primary"].set_index("case_id")["subtype"]
    curated = data.cases.set_index("case_id")["subtype"].astype(str)
    assert primaries.to_dict() == curated.to_dict()


def test_receptor_course_shows_what_was_not_retested(data):
    course = ihc_views.receptor_course(data.ihc).set_index(["case_id", "marker"])["primary vs marrow"]
    assert course.loc[("akagi2021", "ER")] == "concordant (primary and marrow)"
    assert course.loc[("akagi2021", "HER2")] == "not retested in the marrow"
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
    tested = set(data.ihc.loc[data.ihc["method"].astype(str) == "ihc", "marker"].astype(str))
    assert tested <= set(patterns.index)
    assert set(patterns["source_id"]) <= set(data.sources["source_id"])


# Figure ---------------------------------------------------------------------------------------------
def test_marker_panel_figure_is_titled_and_labelled(data):
    plots.use_course_style()
    figure = plots.marker_panel(*ihc_views.panel_matrix(data.ihc))
    ax = figure.axes[0]
    assert ax.get_title() and ax.get_xlabel() == "marker" and ax.get_ylabel() == "case · specimen"
    assert len(ax.get_legend().get_texts()) == len(plots.PANEL_STYLE)
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
    assert box.values()["ER"] == 35.0 and box.values()["pan-CK"] == "not tested" and box.values()["HER2 ISH"] == "not done"


def test_explorer_rejects_an_unreadable_reported_value():
    with pytest.raises(ValueError, match=r"ER result 'weak' is not understood"):
        ihc_views.panel_explorer({"ER": "weak"}, show=lambda text: None)
