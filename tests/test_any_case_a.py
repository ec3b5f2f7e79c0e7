"""Issue 15, part A: a case added as CSV rows reaches every case-level figure, table and explorer of notebooks 01, 03, 06.

The fictional fixture case (``tests/fixtures/fictional_case``, case ``fictional2099``: HER2-positive, anti-HER2 and
conjugate lines, doses per kg with loading doses, a carboplatin AUC) is merged into a temporary copy of casedata/
once per module; the builders the notebooks call are then run on it and checked without pixels: the case is in
the titles, tick labels, legends, tables and dropdowns; no two cases share a (colour, marker) pair; a published case
keeps its style; text is not cut or overlapping; the explorers accept the new case and its controls follow it.
A sparse copy (the fixture case without treatment lines or a first distant metastasis) checks that a case with
only its milestones is drawn too.
"""

import dataclasses
import itertools

import matplotlib

matplotlib.use("Agg")

import matplotlib.pyplot as plt
import pandas as pd
import pytest

from tests.fixture_data import FIXTURE_CASE, PUBLISHED, cases, merged, published  # noqa: F401 (shared fixtures)
from utils import casedata, dosing, explorers, origins, plots, summary, swimmer, timeline, vocabulary
from utils.controls import REFUSED



@pytest.fixture(scope="module")
def sparse(merged):
    """The merged data with the fixture case reduced to its required milestones (no lines, doses, first metastasis)."""
    events = merged.events[~((merged.events["case_id"] == FIXTURE_CASE) & (merged.events["milestone"] == "first_distant_metastasis"))]
    return dataclasses.replace(merged, events=events.reset_index(drop=True),
                               therapy_lines=merged.therapy_lines[merged.therapy_lines["case_id"] != FIXTURE_CASE].reset_index(drop=True),
                               doses=merged.doses[merged.doses["case_id"] != FIXTURE_CASE].reset_index(drop=True))


def test_the_fixture_case_is_merged_after_the_published_ones(merged, cases):
    assert cases[: len(PUBLISHED)] == list(PUBLISHED) and FIXTURE_CASE in cases
    assert len(cases) == len(set(cases)) >= 3


def hex_colour(colour) -> str:
    return matplotlib.colors.to_hex(colour).lower()


def assert_no_overlap(texts, what: str) -> None:
    """No two drawn texts share any area (labels that collide fail)."""
    fig = texts[0].figure
    fig.canvas.draw()  # lay out legends and labels where they will be shown
    renderer = fig.canvas.get_renderer()
    boxes = [(t.get_text(), t.get_window_extent(renderer)) for t in texts if t.get_text()]
    for (a, box_a), (b, box_b) in itertools.combinations(boxes, 2):
        assert not box_a.overlaps(box_b), f"{what}: {a!r} and {b!r} overlap"


def assert_inside(texts, what: str) -> None:
    """Every drawn text lies inside its figure's canvas (nothing cut at an edge)."""
    fig = texts[0].figure
    fig.canvas.draw()  # lay out legends and labels where they will be shown
    renderer = fig.canvas.get_renderer()
    canvas = fig.bbox
    for t in texts:
        if t.get_text():
            box = t.get_window_extent(renderer)
            assert box.x0 >= canvas.x0 - 1 and box.x1 <= canvas.x1 + 1, f"{what}: {t.get_text()!r} is cut at the edge"


# Case styles ------------------------------------------------------------------------------------------
def test_no_two_cases_share_a_colour_and_marker_and_a_published_case_keeps_its_style(merged, published, cases):
    styles = plots.case_styles(merged.cases["case_id"])
    pairs = [(s.colour, s.marker) for s in styles.values()]
    assert len(set(pairs)) == len(pairs) == len(cases)
    before = plots.case_styles(published.cases["case_id"])
    for case_id in PUBLISHED:
        assert styles[case_id] == before[case_id]
    many = plots.case_styles([f"case{i}" for i in range(20)])
    assert len({(s.colour, s.marker, s.linestyle) for s in many.values()}) == 20


@pytest.mark.parametrize(("n", "noun", "words"), [(1, "case", "one case"), (2, "case", "two cases"), (3, "history", "three histories"),
                                                  (11, "case", "11 cases")])
def test_titles_count_the_cases(n, noun, words):
    assert plots.count_cases(n, noun) == words
    with pytest.raises(ValueError, match="cannot be negative"):
        plots.count_cases(-1)


# Notebook 01: presentation table, grade ladder; milestone chart --------------------------------------
def test_presentation_table_has_a_column_for_every_case(merged, cases):
    table = summary.presentation_table(merged)
    assert list(table.columns) == cases
    fixture = merged.cases.set_index("case_id").loc[FIXTURE_CASE]
    assert table.at["subtype of the primary", FIXTURE_CASE] == fixture["subtype"]


def test_presentation_table_says_not_recorded_for_a_missing_first_metastasis(sparse):
    table = summary.presentation_table(sparse)
    assert table.at["years from first distant metastasis", FIXTURE_CASE] == "not recorded"
    assert table.at["metastatic lines before", FIXTURE_CASE] == "none"
    assert table.at["years from first distant metastasis", "akagi2021"] != "not recorded"


def test_grade_ladder_shows_every_case_in_its_style_without_colliding_labels(merged, cases):
    before = merged.labs[merged.labs["day"] <= 0]
    from utils import grading
    flagged = grading.flag_labs(before, merged.reference_ranges, "hoffbrand_eh")
    lln = grading.lower_limits(merged.reference_ranges, "hoffbrand_eh")
    fig = plots.grade_ladder(flagged, lln, "title", case_ids=merged.cases["case_id"])
    styles = plots.case_styles(cases)
    shown = [c for c in cases if c in set(flagged["case_id"])]
    assert FIXTURE_CASE in shown
    for ax in fig.axes:
        labels = ax.get_xticklabels()
        assert [t.get_text() for t in labels] == shown
        assert [hex_colour(t.get_color()) for t in labels] == [styles[c].colour.lower() for c in shown]
        assert_no_overlap(labels, ax.get_ylabel())
        for collection in ax.collections:  # each case's points: its colour at its own column
            x = {round(float(px)) for px, _ in collection.get_offsets()}
            if len(x) == 1:
                case_id = shown[x.pop()]
                assert hex_colour(collection.get_facecolor()[0]) == styles[case_id].colour.lower()
    drawn = sorted(round(float(y), 6) for ax in fig.axes for c in ax.collections for _, y in c.get_offsets())
    graded = flagged[flagged["analyte"].isin(lln) & flagged["analyte"].isin(list(grading.CTCAE_V5))].dropna(subset=["value_std"])
    assert drawn == sorted(round(float(v), 6) for v in graded["value_std"])
    plt.close(fig)


def test_grade_ladder_refuses_a_case_missing_from_case_ids():
    values = pd.DataFrame({"case_id": ["a", "b"], "day": [0, 0], "analyte": ["platelets"] * 2, "value_std": [90.0, 20.0]})
    with pytest.raises(ValueError, match="case\\(s\\) b in the data are not in case_ids"):
        plots.grade_ladder(values, {"platelets": 150.0}, "title", case_ids=["a"])


def test_milestone_chart_has_a_row_per_case_in_case_order_and_counts_them(merged, published, cases):
    three = plots.milestone_chart(timeline.milestones(merged.events), case_ids=merged.cases["case_id"])
    two = plots.milestone_chart(timeline.milestones(published.events), case_ids=published.cases["case_id"])
    ax = three.axes[0]
    assert [t.get_text() for t in ax.get_yticklabels()] == cases
    assert ax.get_title() == f"The {plots.count_cases(len(cases))} at a glance"
    assert two.axes[0].get_title() == f"The {plots.count_cases(len(PUBLISHED))} at a glance"
    assert three.get_figheight() > two.get_figheight()
    styles = plots.case_styles(cases)
    lines = [line for line in ax.get_lines() if len(set(line.get_ydata())) == 1 and line.get_ydata()[0] in range(len(cases))]
    assert [(hex_colour(line.get_color()), line.get_linestyle()) for line in lines] == [
        (styles[c].colour.lower(), "-") for c in cases]
    plt.close(three)
    plt.close(two)


# Notebook 03: swimmer charts ---------------------------------------------------------------------------
def test_swimmer_figure_draws_every_case_in_its_style_with_the_new_categories(merged, cases):
    fig = swimmer.swimmer_figure(merged.therapy_lines, merged.events, merged.cases["case_id"])
    axes = fig.axes
    styles = plots.case_styles(cases)
    assert [ax.get_title(loc="left") for ax in axes] == cases
    assert [hex_colour(ax._left_title.get_color()) for ax in axes] == [styles[c].colour.lower() for c in cases]
    legend = [t.get_text() for t in fig.legends[0].get_texts()]
    fixture_categories = merged.therapy_lines.loc[merged.therapy_lines["case_id"] == FIXTURE_CASE, "category"]
    for category in fixture_categories:
        assert vocabulary.label("category", category) in legend
    assert len(legend) == len(set(legend))
    fixture_lanes = [t.get_text() for t in axes[cases.index(FIXTURE_CASE)].get_yticklabels()]
    assert any("trastuzumab deruxtecan" in lane for lane in fixture_lanes)
    for ax in axes:
        assert_inside(ax.get_yticklabels(), ax.get_title(loc="left"))  # the longest lane label is not cut
    assert_no_overlap(fig.legends[0].get_texts(), "legend")
    plt.close(fig)


def test_swimmer_figure_grows_with_the_cases_and_keeps_published_styles(merged, published):
    three = swimmer.swimmer_figure(merged.therapy_lines, merged.events, merged.cases["case_id"])
    two = swimmer.swimmer_figure(published.therapy_lines, published.events, published.cases["case_id"])
    assert three.get_figheight() > two.get_figheight()
    for a, b in zip(two.axes, three.axes):  # the published panels come first and look the same
        assert a.get_title(loc="left") == b.get_title(loc="left") and a._left_title.get_color() == b._left_title.get_color()
    one = swimmer.swimmer_figure(merged.therapy_lines, merged.events, ["tnbc2025"], styles=plots.case_styles(merged.cases["case_id"]))
    assert one.axes[0]._left_title.get_color() == three.axes[1]._left_title.get_color()  # a subset keeps the cases.csv styles
    with pytest.raises(ValueError, match="no style for case"):
        swimmer.swimmer_figure(merged.therapy_lines, merged.events, [FIXTURE_CASE], styles=plots.case_styles(PUBLISHED))
    for fig in (three, two, one):
        plt.close(fig)


def test_a_case_without_treatment_lines_gets_its_milestone_lane(sparse, cases):
    assert swimmer.swimmer_rows(sparse.therapy_lines, sparse.events, FIXTURE_CASE).empty
    fig = swimmer.swimmer_figure(sparse.therapy_lines, sparse.events, sparse.cases["case_id"])
    ax = fig.axes[cases.index(FIXTURE_CASE)]
    assert [t.get_text() for t in ax.get_yticklabels()] == ["milestones"]
    assert any(t.get_text() == "no treatment line in the data" for t in ax.texts)
    plt.close(fig)
    with pytest.raises(ValueError, match="no therapy lines for case 'nobody'"):
        swimmer.swimmer_rows(sparse.therapy_lines, sparse.events, "nobody")


# Notebook 06: the explorers ------------------------------------------------------------------------------
@pytest.fixture(scope="module")
def views(merged):
    return {"origin": explorers.OriginView(merged), "treatment": explorers.TreatmentView(merged),
            "survival": explorers.SurvivalView(merged)}


def test_origin_explorer_has_one_control_per_case_of_cases_csv(views, cases):
    view = views["origin"]
    box = view.widget()
    assert list(box.controls) == cases
    assert box.controls[FIXTURE_CASE].description == f"{FIXTURE_CASE} origin"
    assert [t.get_text() for t in view.ax.get_yticklabels()] == cases
    title = view.ax.get_title() or view.ax.figure.get_suptitle()  # an axes title, or the figure's above the controls' panels
    assert title.startswith(f"The same {plots.count_cases(len(cases), 'history')}")
    reading = view.callback()
    for case_id in cases:
        assert f"{case_id}: " in reading.readout
        assert any(column.startswith(case_id) for column in reading.tables[0].columns)
    moved = view.callback(**{FIXTURE_CASE: "primary_diagnosis"})
    assert f"{FIXTURE_CASE}: " in moved.readout and "from primary diagnosis" in moved.readout and moved.png != reading.png
    box.controls[FIXTURE_CASE].value = "first_distant_metastasis"
    assert "from first distant metastasis" in box.readout.value and REFUSED not in box.readout.value


def test_origin_explorer_refuses_a_name_that_is_no_case_and_an_origin_a_case_cannot_place(sparse, views):
    assert REFUSED in views["origin"].callback(nobody="bmm_diagnosis").readout
    view = explorers.OriginView(sparse)
    assert view.options[FIXTURE_CASE] == ["primary_diagnosis", "bmm_diagnosis"]
    assert origins.available_origins(sparse.events, sparse.therapy_lines, "akagi2021") == list(origins.ORIGIN_CHOICES)
    refused = view.callback(**{FIXTURE_CASE: "first_therapy_after_bmm"})
    assert refused.readout.startswith(REFUSED) and f"{FIXTURE_CASE} origin" in refused.readout and not refused.png
    drawn = view.callback(**{FIXTURE_CASE: "primary_diagnosis"})
    assert drawn.png.startswith(b"\x89PNG") and FIXTURE_CASE in drawn.readout


def test_treatment_explorer_offers_the_new_lines_and_reads_doses_per_kg(views, merged):
    view = views["treatment"]
    offered = [therapy_id for _, therapy_id in explorers.line_options(merged)]
    fixture_lines = merged.therapy_lines.query("case_id == @FIXTURE_CASE and start_day >= 0 and setting != 'supportive'")
    assert set(fixture_lines["therapy_id"]) <= set(offered)
    per_kg = merged.doses.query("case_id == @FIXTURE_CASE and dose_unit == 'mg/kg'").iloc[0]
    line = merged.therapy_lines.set_index("therapy_id").loc[per_kg["therapy_id"]]
    weight = dosing.body_weight(merged.observations, FIXTURE_CASE, day=int(line["start_day"])).kg
    reading = view.callback(per_kg["therapy_id"])
    assert reading.readout.startswith(f"{per_kg['therapy_id']}: as reported") and reading.png.startswith(b"\x89PNG")
    table = [t for t in reading.tables if "printed dose (mg/kg)" in t.columns][0].set_index("agent")
    column = f"MODEL: mg per administration at {weight:g} kg"
    assert table.at[per_kg["agent"], column] == pytest.approx(per_kg["dose"] * weight, abs=0.05)
    intensity = [t for t in reading.tables if "quantity" in t.columns][-1]
    assert f"{per_kg['agent']} per week (mg/kg)" in set(intensity["quantity"])


def test_treatment_explorer_weight_follows_the_case_of_the_chosen_line(views, merged):
    view = views["treatment"]
    stated = dosing.body_weight(merged.observations, FIXTURE_CASE).kg
    fixture_line = next(t for _, t in explorers.line_options(merged) if t.startswith(merged.cases.set_index("case_id").at[FIXTURE_CASE, "row_prefix"]))
    box = view.widget("AK-T06")
    assert dosing.body_weight(merged.observations, "akagi2021") is None
    assert box.controls["weight_kg"].value == explorers.TreatmentView.ASSUMED_WEIGHT_KG  # akagi2021 states no weight
    box.controls["therapy_id"].value = fixture_line
    assert box.controls["weight_kg"].value == stated
    tnbc = dosing.body_weight(merged.observations, "tnbc2025", day=int(merged.therapy_lines.set_index("therapy_id").at["TN-T06", "start_day"])).kg
    box.controls["therapy_id"].value = "TN-T06"
    assert box.controls["weight_kg"].value == tnbc and f"{tnbc:g} kg" in box.tables.value
    later = dosing.stated_measures(merged.observations, "tnbc2025")[-1]
    assert f"-> {later.kg:g} kg by day {later.day}" in view.callback("TN-T06").readout  # her weight fell after the line began
    box.reset()
    assert box.controls["therapy_id"].value == "AK-T06" and box.controls["weight_kg"].value == explorers.TreatmentView.ASSUMED_WEIGHT_KG
    assert view.weight_range.low <= min(stated, tnbc) and view.weight_range.high >= max(stated, tnbc)


def test_treatment_explorer_says_a_weight_is_assumed_and_an_auc_needs_a_gfr(merged):
    # the fixture's carboplatin line is adjuvant (not offered); moved after day 0 in a copy, the explorer must read its AUC
    auc = merged.doses.query("dose_unit == 'AUC'").iloc[0]
    lines = merged.therapy_lines.copy()
    at = lines.index[lines["therapy_id"] == auc["therapy_id"]][0]
    lines.loc[at, ["start_day", "end_day", "setting"]] = [10, 100, "metastatic"]
    observations = merged.observations[~((merged.observations["case_id"] == FIXTURE_CASE) & (merged.observations["quantity"] == "body_weight"))]
    view = explorers.TreatmentView(dataclasses.replace(merged, therapy_lines=lines, observations=observations))
    reading = view.callback(auc["therapy_id"])
    assert f"{auc['agent']} is dosed to a target AUC" in reading.readout and "needs the GFR" in reading.readout
    per_kg = merged.doses.query("case_id == @FIXTURE_CASE and dose_unit == 'mg/kg'").iloc[0]
    assumed = view.callback(per_kg["therapy_id"])
    assert f"{FIXTURE_CASE}'s report states no weight" in assumed.readout and "is an assumption" in assumed.readout


def _fixture_line_with(merged, unit):
    dose = merged.doses.query("case_id == @FIXTURE_CASE and dose_unit == @unit")
    return dose, merged.therapy_lines.set_index("therapy_id").loc[dose["therapy_id"].iloc[0]]


def test_treatment_explorer_shows_a_loading_dose_in_mg_and_no_per_m2_for_a_flat_drug(views, merged):
    flat, line = _fixture_line_with(merged, "mg")
    reading = views["treatment"].callback(line.name)
    weight = dosing.body_weight(merged.observations, FIXTURE_CASE, day=int(line["start_day"]))
    height = dosing.body_height(merged.observations, FIXTURE_CASE, day=int(line["start_day"]))
    per_kg = [t for t in reading.tables if "printed dose (mg/kg)" in t.columns][0].set_index("agent")
    loading = per_kg.loc[per_kg["loading dose (mg/kg)"] != "none"]
    assert not loading.empty
    column = f"MODEL: loading dose in mg at {weight.kg:g} kg"
    for agent, row in loading.iterrows():
        assert row[column] == pytest.approx(row["loading dose (mg/kg)"] * weight.kg, abs=0.05)
    fixed = [t for t in reading.tables if "printed dose (mg)" in t.columns][0].set_index("agent")
    model = [c for c in fixed.columns if c.startswith("MODEL: mg/m2")][0]
    assert f"{height.cm:g} cm (stated for day {height.day})" in model and "assumed" not in model
    for agent in fixed.index:
        has_standard = not dosing.per_m2_standards(merged.dose_references, agent).empty
        assert (fixed.at[agent, model] == explorers.NO_PER_M2) is (not has_standard), agent
    assert explorers.NO_PER_M2 in set(fixed[model])  # the fixture's pertuzumab: no per-m2 standard recorded
    assert any(fixed["loading dose (mg)"] != "none")


def test_treatment_explorer_starts_at_the_stated_height_and_says_an_assumed_one(views, merged):
    view = views["treatment"]
    _, line = _fixture_line_with(merged, "mg")
    stated = dosing.body_height(merged.observations, FIXTURE_CASE, day=int(line["start_day"]))
    assert view.line_height(line.name) == stated.cm
    assert dosing.body_height(merged.observations, "tnbc2025") is None
    assert view.line_height("TN-T06") == explorers.TreatmentView.ASSUMED_HEIGHT_CM
    box = view.widget("TN-T06")
    assert box.controls["height_cm"].value == explorers.TreatmentView.ASSUMED_HEIGHT_CM
    box.controls["therapy_id"].value = line.name
    assert box.controls["height_cm"].value == stated.cm
    moved = view.callback(line.name, height_cm=stated.cm + 6)
    fixed = [t for t in moved.tables if "printed dose (mg)" in t.columns][0]
    assert any(c.endswith(f"an assumed {stated.cm + 6:g} cm") for c in fixed.columns)
    tnbc = [t for t in view.callback("TN-T06").tables if "printed dose (mg)" in t.columns][0]
    assert any(f"an assumed {explorers.TreatmentView.ASSUMED_HEIGHT_CM:g} cm" in c for c in tnbc.columns)


def test_a_percentage_reduction_of_an_anti_her2_line_carries_a_caveat(views, merged):
    view = views["treatment"]
    _, line = _fixture_line_with(merged, "mg/kg")
    assert str(line["category"]) in explorers.TreatmentView.NOT_REDUCED_BY_PERCENT
    assert "MODEL caveat" not in view.callback(line.name).readout
    reduced = view.callback(line.name, reduction_percent=20).readout
    assert "MODEL caveat" in reduced and "not dose-reduced in practice" in reduced and "dose level" in reduced
    assert "MODEL caveat" not in view.callback("AK-T06", reduction_percent=20).readout  # chemotherapy: no caveat


def test_survival_explorer_marks_every_case(views, cases):
    # each case is named beside its marks in its own colour (the legend gives the outcome marks, not the cases)
    view = views["survival"]
    reading = view.callback(next(iter(view.medians)), 12.0, 1.0)
    styles = plots.case_styles(cases)
    names = {t.get_text(): hex_colour(t.get_color()) for t in view.ax.texts if t.get_text() in cases}
    assert names == {c: styles[c].colour.lower() for c in cases}
    legend = [t.get_text() for t in view.ax.get_legend().get_texts()]
    assert "died" in legend and any(text.startswith("alive at last contact") for text in legend)
    assert list(reading.tables[0]["case"]) == cases


def test_every_explorer_accepts_the_new_case_in_its_widget(views, merged):
    boxes = {name: view.widget() for name, view in views.items() if name != "treatment"}
    boxes["treatment"] = views["treatment"].widget(next(t for _, t in explorers.line_options(merged) if t.startswith("FX-")))
    for name, box in boxes.items():
        assert REFUSED not in box.readout.value, name
        assert bytes(box.image.value).startswith(b"\x89PNG"), name
    assert FIXTURE_CASE in boxes["survival"].tables.value and FIXTURE_CASE in boxes["origin"].tables.value


def test_milestones_keep_the_order_of_cases_csv_so_a_chart_without_case_ids_keeps_the_styles(merged, cases):
    table = timeline.milestones(merged.events)
    assert list(dict.fromkeys(table["case_id"])) == cases  # not alphabetical: fictional2099 comes last, as in cases.csv
    fig = plots.milestone_chart(table)
    assert [t.get_text() for t in fig.axes[0].get_yticklabels()] == cases
    plt.close(fig)


def test_doses_in_mg_cover_every_case_in_its_own_units(merged, published, sparse):
    table = summary.doses_in_mg(merged)
    with_doses = [c for c in merged.cases["case_id"] if c in set(merged.doses["case_id"])]
    assert list(dict.fromkeys(table.index)) == with_doses and FIXTURE_CASE in with_doses
    own = table.loc[[FIXTURE_CASE]].set_index("agent")
    fixture_doses = merged.doses[merged.doses["case_id"] == FIXTURE_CASE].set_index("agent")
    for agent, dose in fixture_doses.iterrows():
        if dose["dose_unit"] == "mg/kg":  # a dose per kg reads per kg, and in mg at the weight the case states
            line = merged.therapy_lines.set_index("therapy_id").loc[dose["therapy_id"]]
            weight = dosing.body_weight(merged.observations, FIXTURE_CASE, day=int(line["start_day"])).kg
            assert own.at[agent, "mg per kg"] == dose["dose"]
            assert own.at[agent, "mg per administration"] == pytest.approx(dose["dose"] * weight)
        if dose["dose_unit"] == "AUC":  # an AUC needs a GFR, which is not given
            assert pd.isna(own.at[agent, "mg per administration"]) and "GFR" in own.at[agent, "note"]
    assert list(dict.fromkeys(summary.doses_in_mg(published).index)) == [c for c in PUBLISHED if c in set(published.doses["case_id"])]
    assert FIXTURE_CASE not in summary.doses_in_mg(sparse).index  # a case without doses has no rows
    assert dosing.body_weight(merged.observations, "akagi2021") is None
