"""Issue 15, part B: a case added as CSV rows reaches every case-level figure, table and explorer of notebooks
02, 04, 05a and 05b.

The fictional fixture case (``tests/fixtures/fictional_case``, case ``fictional2099``: HER2 3+ on the primary, HER2
ISH amplified, GATA3 and TRPS1 on the marrow, counts in G/L, alive at last contact) is merged into a temporary copy
of casedata/ once per module. The builders the notebooks call are run on it and checked without pixels: the case
is in the titles, tick labels, texts, tables and dropdowns; no two cases share a (colour, marker) pair; a published
case keeps its style; labels at the top of the model figure never overlap; the explorers accept the new case and
their other controls follow it; numbers the prose of 05b states come from code and follow the data. A sparse copy
(the fixture case without labs and IHC rows) checks that a case with only its milestones is shown too.
"""

import dataclasses

import matplotlib

matplotlib.use("Agg")

import matplotlib.pyplot as plt
import pandas as pd
import pytest

from tests.fixture_data import FIXTURE_CASE, PUBLISHED, cases, merged, published  # noqa: F401 (shared fixtures)
from utils import casedata, grading, ihc, ihc_views, lab_charts, labs, plots, survival, survival_plots



@pytest.fixture(scope="module")
def sparse(merged):
    """The merged data with the fixture case left without any lab value or IHC result (only events are required)."""
    return dataclasses.replace(merged, labs=merged.labs[merged.labs["case_id"] != FIXTURE_CASE].reset_index(drop=True),
                               ihc=merged.ihc[merged.ihc["case_id"] != FIXTURE_CASE].reset_index(drop=True))


@pytest.fixture(scope="module")
def lln(merged):
    return grading.lower_limits(merged.reference_ranges, "hoffbrand_eh")


@pytest.fixture(scope="module")
def own(merged):
    return survival.time_to_event(merged.cases, merged.events)


@pytest.fixture(scope="module")
def forest(merged):
    return survival.forest_table(merged.literature_survival)


def texts(fig) -> list[str]:
    """Every text of a figure: titles, tick labels, texts, legend entries, suptitle."""
    found = [t.get_text() for t in fig.findobj(matplotlib.text.Text)]
    return [t for t in found if t]


def test_the_fixture_case_is_merged_and_comes_last(cases):
    assert cases[: len(PUBLISHED)] == list(PUBLISHED) and cases[-1] == FIXTURE_CASE and len(cases) == len(PUBLISHED) + 1


# Notebook 02: IHC ------------------------------------------------------------------------------------------
def test_panel_matrix_shows_every_case_in_case_order_and_the_new_markers(merged, cases):
    calls, cell_texts = ihc_views.panel_matrix(merged.ihc, cases)
    order = list(dict.fromkeys(label.split(" · ")[0] for label in calls.index))
    assert order == cases
    assert list(calls.columns) == list(ihc_views.MARKER_ORDER)
    assert {"GATA3", "TRPS1", "mammaglobin", "SOX10", "HER2 ISH"} <= set(calls.columns)
    marrow = f"{FIXTURE_CASE} · bone marrow"
    assert calls.loc[marrow, "TRPS1"] == "positive" and calls.loc[marrow, "GATA3"] == "positive"
    assert calls.loc[marrow, "HER2 ISH"] == "positive" and cell_texts.loc[marrow, "HER2 ISH"] == "amp."


def test_her2_3_plus_and_amplified_ish_read_as_positive(merged, cases):
    calls, cell_texts = ihc_views.panel_matrix(merged.ihc, cases)
    primary = f"{FIXTURE_CASE} · breast primary"
    assert calls.loc[primary, "HER2"] == "positive" and cell_texts.loc[primary, "HER2"] == "3+"
    assert [ihc_views.result_call("HER2", r) for r in ("3+", "1+", "0", "2+")] == ["positive", "negative", "negative", "value"]
    alone = ihc.read_her2(None, "amplified")
    assert alone.status == "positive" and alone.positive and "ISH amplified" in alone.category
    assert ihc.read_her2(None, "not amplified").status == "negative" and ihc.read_her2(None).status == "not reported"
    subtypes = ihc_views.subtype_table(merged.ihc, cases).query("case_id == @FIXTURE_CASE").set_index("specimen")
    assert subtypes.loc["breast primary", "HER2"] == "HER2-positive (IHC 3+)"
    assert subtypes.loc["bone marrow", "HER2"].startswith("HER2-positive (ISH amplified")


def test_panel_figure_names_every_case(merged, cases):
    fig = ihc_views.marker_panel_figure(merged.ihc, cases)
    ticks = [t.get_text() for t in fig.axes[0].get_yticklabels()]
    assert {t.split(" · ")[0] for t in ticks} == set(cases)
    assert {"TRPS1", "HER2 ISH"} <= {t.get_text() for t in fig.axes[0].get_xticklabels()}
    plt.close(fig)


def test_ihc_tables_follow_case_order_and_name_the_new_case(merged, cases):
    assert list(dict.fromkeys(ihc_views.specimen_table(merged.ihc, cases)["case_id"])) == cases
    assert list(dict.fromkeys(ihc_views.subtype_table(merged.ihc, cases)["case_id"])) == cases
    course = ihc_views.receptor_course(merged.ihc, cases)
    assert list(dict.fromkeys(course["case_id"])) == cases
    assert set(course.loc[course["case_id"] == FIXTURE_CASE, "marker"]) == {"ER", "PR", "HER2", "HER2 ISH"}
    with_ish = set(merged.ihc.loc[merged.ihc["marker"] == "HER2 ISH", "case_id"])
    assert set(course.loc[course["marker"] == "HER2 ISH", "case_id"]) == with_ish  # only where reported
    summary = ihc_views.coverage_summary(merged.ihc, cases)
    own = merged.ihc[merged.ihc["case_id"] == FIXTURE_CASE]["specimen"].astype(str).value_counts()
    assert f"fictional2099: breast primary {own['breast_primary']}, bone marrow {own['bone_marrow']}" in summary
    scored = int(ihc_views.coverage_table(merged.ihc, cases)["of which with a percentage or score"].sum())
    assert f"{scored} {'carries' if scored == 1 else 'carry'} a percentage or an IHC score" in summary
    assert scored >= 1  # at least the HER2 3+ of the fixture's primary


def test_a_case_without_ihc_still_has_a_row_and_a_reading(sparse, cases):
    calls, _ = ihc_views.panel_matrix(sparse.ihc, cases)
    assert (calls.loc[f"{FIXTURE_CASE} · {ihc_views.NOTHING_REPORTED}"] == "not reported").all()
    assert f"{FIXTURE_CASE}: none" in ihc_views.coverage_summary(sparse.ihc, cases)
    assert ihc_views.specimen_choices(sparse.ihc, FIXTURE_CASE) == [(ihc_views.NOTHING_REPORTED, ())]
    shown = []
    box = ihc_views.case_panel_explorer(sparse.ihc, "tnbc2025", ("bone_marrow", "not_stated"), case_ids=cases, show=shown.append)
    box.controls["case_id"].value = FIXTURE_CASE
    assert FIXTURE_CASE in shown[-1] and "**Subtype: undetermined**" in shown[-1]


def test_a_table_order_that_misses_a_case_is_refused(merged):
    with pytest.raises(ValueError, match="fictional2099 in the data are not in case_ids"):
        ihc_views.panel_matrix(merged.ihc, list(PUBLISHED))


def test_panel_explorer_offers_every_case_and_follows_the_chosen_case_and_specimen(merged, cases):
    shown = []
    box = ihc_views.case_panel_explorer(merged.ihc, "tnbc2025", ("bone_marrow", "not_stated"), case_ids=cases,
                                        show=shown.append)
    assert list(box.controls["case_id"].options) == cases and shown[-1].startswith("*tnbc2025, bone marrow + specimen not stated:*")
    assert "**Subtype: triple-negative**" in shown[-1]
    box.controls["case_id"].value = FIXTURE_CASE  # the specimen menu and every marker follow the case
    assert [value for _, value in box.controls["specimens"].options] == [("breast_primary",), ("bone_marrow",)]
    assert box.values()["HER2"] == "3+" and box.values()["ER"] == "negative" and box.values()["TRPS1"] == "not reported"
    assert shown[-1].startswith(f"*{FIXTURE_CASE}, breast primary:*") and "HER2-positive (IHC 3+)" in shown[-1]
    box.controls["specimens"].value = ("bone_marrow",)
    assert box.values()["HER2 ISH"] == "amplified" and box.values()["TRPS1"] == "positive" and box.values()["HER2"] == "not reported"
    assert "HER2-positive (ISH amplified" in shown[-1]
    box.controls["HER2 ISH"].value = "not amplified"  # a what-if on the new case
    assert "HER2-negative (ISH not amplified" in shown[-1]
    box.reset_button.click()
    assert box.values() == box.reported and shown[-1] == shown[0]


# Notebook 04: labs -----------------------------------------------------------------------------------------
def test_lab_explorer_offers_every_case_and_its_thresholds_follow(merged, cases, lln):
    shown = []
    box = lab_charts.lab_explorer(merged.labs, merged.therapy_lines, merged.transfusion_thresholds, lln, "akagi2021",
                                  show=shown.append, events=merged.events, case_ids=cases)
    assert list(box.controls["case_id"].options) == cases
    box.controls["case_id"].value = FIXTURE_CASE
    expected = lab_charts.applicable_thresholds(merged.labs, merged.transfusion_thresholds, FIXTURE_CASE)
    assert list(box.values()["show_thresholds"]) == expected and "TT-01" not in expected  # tnbc2025's own line is not hers
    view = shown[-1]
    assert isinstance(view, lab_charts.LabView) and view.case_id == FIXTURE_CASE
    assert set(view.points["analyte"]) == {"platelets", "hemoglobin", "wbc"}
    # G/L is giga per litre: 42 G/L is 42 x 10^9/L
    assert view.points.query("analyte == 'platelets' and day == 0")["value_std"].item() == 42


def test_lab_explorer_reads_a_case_without_labs_as_such(sparse, cases, lln):
    shown = []
    box = lab_charts.lab_explorer(sparse.labs, sparse.therapy_lines, sparse.transfusion_thresholds, lln, "akagi2021",
                                  show=shown.append, events=sparse.events, case_ids=cases)
    box.controls["case_id"].value = FIXTURE_CASE
    assert isinstance(shown[-1], str) and "states no laboratory value" in shown[-1] and box.values()["show_thresholds"] == ()


def test_lab_chart_draws_each_case_in_its_own_style(merged, cases, lln):
    styles = plots.case_styles(cases)
    for case_id in cases:
        view = lab_charts.lab_view(merged.labs, merged.therapy_lines, merged.transfusion_thresholds, case_id, labs.COUNTS,
                                   events=merged.events)
        fig = lab_charts.lab_chart(view, lln, case_ids=cases)
        assert case_id in fig._suptitle.get_text()
        legend = fig.legends[0]
        first = legend.legend_handles[0]
        assert first.get_marker() == styles[case_id].marker
        assert matplotlib.colors.same_color(first.get_color(), styles[case_id].colour)
        plt.close(fig)
    with pytest.raises(ValueError, match="not in case_ids"):
        lab_charts.lab_chart(view, lln, case_ids=list(PUBLISHED))


def test_no_two_cases_share_a_colour_and_marker_and_published_cases_keep_theirs(cases):
    styles = plots.case_styles(cases)
    pairs = [(s.colour, s.marker) for s in styles.values()]
    assert len(set(pairs)) == len(cases)
    assert plots.case_styles(PUBLISHED) == {c: styles[c] for c in PUBLISHED}


# Notebooks 05a and 05b: survival -------------------------------------------------------------------------
def test_time_to_event_has_every_case_in_case_order(own, cases, merged):
    assert list(own["case_id"]) == cases
    fixture = own.set_index("case_id").loc[FIXTURE_CASE]
    assert fixture["event"] == 0 and fixture["months"] == float(merged.cases.set_index("case_id").at[FIXTURE_CASE, "followup_months"])


def test_forest_plot_has_a_row_per_case_in_its_colour(merged, own, forest, cases):
    fig = survival_plots.forest_plot(forest, own, f"... and the {len(own)} cases", case_ids=cases)
    ax = fig.axes[0]
    ticks = [t.get_text() for t in ax.get_yticklabels()]
    assert [t for t in ticks if t.startswith("case ")] == [f"case {c}" for c in cases]
    styles = plots.case_styles(cases)
    status = [t.get_color() for t in ax.texts if "months ·" in t.get_text()]
    assert len(status) == len(cases)
    assert {matplotlib.colors.to_hex(c) for c in status} == {s.colour.lower() for s in styles.values()}
    plt.close(fig)


def test_exponential_plot_names_every_case_without_overlapping_labels(own, forest, cases):
    medians = forest.set_index("label").loc[["kopp2011", "niu2023"], "median"].to_dict()
    fig = survival_plots.exponential_plot(medians, own, "MODEL", case_ids=cases)
    ax = fig.axes[0]
    labels = [t for t in ax.texts if t.get_text() in cases]
    assert sorted(t.get_text() for t in labels) == sorted(cases)
    renderer = fig.canvas.get_renderer()
    boxes = [t.get_window_extent(renderer) for t in labels]
    for i, a in enumerate(boxes):
        for b in boxes[i + 1:]:
            assert not a.overlaps(b), "two case labels overlap"
    # the model curves never take a case's colour
    curve_colours = {matplotlib.colors.to_hex(line.get_color()) for line in ax.get_lines() if len(line.get_xdata()) > 2}
    assert not curve_colours & {s.colour.lower() for s in plots.case_styles(cases).values()}
    plt.close(fig)


def test_label_rows_keep_labels_apart():
    assert survival_plots.label_rows([8.2, 38.0, 13.1], 10.0) == [0, 0, 1]
    assert survival_plots.label_rows([1.0, 2.0, 3.0], 5.0) == [0, 1, 2]
    assert survival_plots.label_rows([], 5.0) == []
    with pytest.raises(ValueError, match="width must be positive"):
        survival_plots.label_rows([1.0], 0)


def test_origin_chart_grows_with_the_cases(merged, cases, published):
    fig = survival_plots.origin_chart(survival.times_from_origins(merged.cases, merged.events), "origins", case_ids=cases)
    ticks = [t.get_text().split("\n")[0] for t in fig.axes[0].get_yticklabels()]
    assert ticks == cases
    two = survival_plots.origin_chart(survival.times_from_origins(published.cases, published.events), "origins")
    assert fig.get_figheight() > two.get_figheight()
    legend = fig.axes[0].get_legend()
    renderer = fig.canvas.get_renderer()
    assert not legend.get_window_extent(renderer).overlaps(fig.axes[0].get_window_extent(renderer))  # below the axis
    plt.close(fig)
    plt.close(two)


def test_single_case_km_reading_counts_the_patients_it_holds(merged, own, forest, published):
    series = survival.single_case_series(merged.literature_survival, own)
    assert FIXTURE_CASE in set(series["case"])
    durations, events = survival.km_inputs(series, "censored")
    fitter = survival.kaplan_meier(durations, events, "pahouja_case censored")
    text = survival.single_case_reading(series, fitter, forest)
    n = len(series)
    assert f"{n} patients" in text and f"1/{n}" in text and FIXTURE_CASE in text
    assert f"{survival.km_summary(fitter)['median']:g} months" in text
    # on the published data, the same sentences give the published numbers: the prose can never silently disagree
    own_published = survival.time_to_event(published.cases, published.events)
    series_published = survival.single_case_series(published.literature_survival, own_published)
    d, e = survival.km_inputs(series_published, "censored")
    text_published = survival.single_case_reading(series_published, survival.kaplan_meier(d, e, "p"), forest)
    assert f"{len(series_published)} patients" in text_published and FIXTURE_CASE not in text_published
    assert len(series_published) == n - 1


def test_single_case_reading_says_when_the_median_is_not_above_every_cohort(forest):
    series = pd.DataFrame({"case": ["a", "b", "c"], "months": [1.0, 2.0, 3.0], "outcome": ["dead", "dead", "dead"],
                           "time_origin": "x", "source": "cases.csv and events.csv"})
    d, e = survival.km_inputs(series, "censored")
    text = survival.single_case_reading(series, survival.kaplan_meier(d, e, "short"), forest)
    whole = int((forest["subgroup"] == "all").sum())
    assert f"longer than the median of 0 of the {whole} whole cohorts" in text


def test_survival_figures_refuse_a_case_order_that_misses_a_case(own, forest):
    with pytest.raises(ValueError, match="fictional2099 in the data are not in case_ids"):
        survival_plots.forest_plot(forest, own, "forest", case_ids=list(PUBLISHED))
