"""Notebook 06's explorers: origins, scenarios and the three views, tested without a kernel."""

import re

import matplotlib

matplotlib.use("Agg")

import ipywidgets as widgets
import numpy as np
import pandas as pd
import pytest

from utils import casedata, explorers, origins, plots, scenarios, survival
from utils.casedata import DAYS_PER_MONTH
from utils.fastfigure import FastFigure


@pytest.fixture(scope="module")
def data():
    plots.use_course_style()
    return casedata.load_all()


@pytest.fixture(scope="module")
def views(data):
    return {"origin": explorers.OriginView(data), "treatment": explorers.TreatmentView(data), "survival": explorers.SurvivalView(data)}


# Origins ----------------------------------------------------------------------------------------
def test_origin_days_come_from_milestones_and_the_first_line(data):
    marks = data.events[data.events["milestone"] == "primary_diagnosis"].set_index("case_id")["day"]
    for case_id in ("akagi2021", "tnbc2025"):
        assert origins.origin_day(data.events, data.therapy_lines, case_id, "primary_diagnosis")[0] == marks[case_id]
        assert origins.origin_day(data.events, data.therapy_lines, case_id, "bmm_diagnosis")[0] == 0
        first = origins.first_therapy_after_bmm(data.therapy_lines, case_id)
        assert first["category"] in ("chemotherapy", "endocrine") and first["start_day"] >= 0
        assert origins.origin_day(data.events, data.therapy_lines, case_id, "first_therapy_after_bmm")[0] == first["start_day"]


def test_survival_from_an_earlier_origin_is_longer_by_exactly_the_gap(data):
    for case_id in ("akagi2021", "tnbc2025"):
        from_bmm = origins.survival_from(data.cases, data.events, data.therapy_lines, case_id, "bmm_diagnosis")
        from_primary = origins.survival_from(data.cases, data.events, data.therapy_lines, case_id, "primary_diagnosis")
        gap = -origins.origin_day(data.events, data.therapy_lines, case_id, "primary_diagnosis")[0] / DAYS_PER_MONTH
        assert from_primary["months"] == pytest.approx(from_bmm["months"] + gap, abs=0.11)
        assert from_primary["event"] == from_bmm["event"]


def test_censoring_is_kept_whatever_the_origin(data):
    alive = data.cases.loc[data.cases["vital_status"] == "alive", "case_id"].iloc[0]
    for origin in origins.ORIGIN_CHOICES:
        assert origins.survival_from(data.cases, data.events, data.therapy_lines, alive, origin)["event"] == 0


def test_intervals_are_signed_months_from_the_origin(data):
    table = origins.intervals(data.events, data.therapy_lines, "akagi2021", "first_distant_metastasis")
    start = origins.origin_day(data.events, data.therapy_lines, "akagi2021", "first_distant_metastasis")[0]
    assert list(table["months"]) == [round((d - start) / DAYS_PER_MONTH, 1) for d in table["day"]]
    assert (table["months"] < 0).any() and (table["months"] > 0).any()


def test_cohort_clocks_flag_a_different_origin(data):
    table = origins.cohort_clocks(data.literature_survival, {"akagi2021": "primary_diagnosis", "tnbc2025": "bmm_diagnosis"})
    akagi, tnbc = table.columns[-2], table.columns[-1]
    stated = table["time_origin"] != "not stated"
    assert set(table.loc[stated, akagi]) == {"different clock"}
    assert "same clock" in set(table.loc[stated, tnbc])
    assert set(table.loc[~stated, tnbc]) <= {"clock not stated"}


def test_unknown_origin_is_named(data):
    with pytest.raises(ValueError, match="unknown time origin 'birth'"):
        origins.origin_day(data.events, data.therapy_lines, "akagi2021", "birth")


# Scenarios --------------------------------------------------------------------------------------
def test_scenario_by_hand():
    result = scenarios.scenario(20, 0.5, 120)
    assert result.scenario_median == pytest.approx(40)
    # S_new(t) = S_ref(t) ** HR under proportional constant hazards
    assert np.allclose(result.scenario, result.reference ** 0.5)
    assert result.reference[0] == 1.0


def test_cases_on_curves_use_their_own_time_and_status():
    times = pd.DataFrame({"case_id": ["a", "b"], "months": [40.0, 20.0], "event": [1, 0]})
    placed = scenarios.cases_on_curves(times, scenarios.scenario(20, 1.0, 60))
    assert list(placed["P(T >= months), reference model"]) == [0.25, 0.5]
    assert list(placed["status"]) == ["died", "alive at last contact (censored)"]


def test_scenario_choices_come_from_the_data(data):
    medians = scenarios.reference_medians(data.literature_survival)
    assert len(medians) == len(data.literature_survival)
    presets = scenarios.hazard_ratio_choices(data.hazard_ratios)
    assert presets["none (hazard ratio 1.0)"] == 1.0
    assert sorted(list(presets.values())[1:]) == sorted(data.hazard_ratios["hazard_ratio"])


def test_bad_scenarios_are_refused():
    with pytest.raises(ValueError, match="horizon_months must be positive"):
        scenarios.scenario(19, 1.0, 0)
    with pytest.raises(ValueError, match="hazard ratio must be a positive"):
        scenarios.scenario(19, -1.0, 60)


# FastFigure -------------------------------------------------------------------------------------
def test_fast_figure_changes_with_its_dynamic_artists_only():
    import matplotlib.pyplot as plt

    fig, ax = plt.subplots(figsize=(3, 2), dpi=50)
    ax.set_xlim(0, 1)
    fast = FastFigure(fig)
    fast.update(ax.plot([0, 1], [0, 1], color="black", animated=True))
    first = fast.png()
    fast.update(ax.plot([0, 1], [1, 0], color="black", animated=True))
    assert fast.png() != first
    fast.update(ax.plot([0, 1], [0, 1], color="black", animated=True))
    assert fast.png() == first  # deterministic: same artists, same bytes
    with pytest.raises(ValueError, match="not created with animated=True"):
        fast.update(ax.plot([0, 1], [0, 0]))


# The views --------------------------------------------------------------------------------------
def test_origin_view_readout_follows_the_origin(views, data):
    view = views["origin"]
    as_reported = view.callback(akagi2021="bmm_diagnosis", tnbc2025="bmm_diagnosis")
    moved = view.callback(akagi2021="primary_diagnosis", tnbc2025="bmm_diagnosis")
    followup = survival.case_row(survival.time_to_event(data.cases, data.events), "akagi2021")["months"]
    assert f"akagi2021: {followup:g} months from diagnosis of marrow metastasis" in as_reported.readout
    assert "akagi2021" in moved.readout and "from primary diagnosis" in moved.readout
    assert moved.png != as_reported.png
    assert view.callback(akagi2021="bmm_diagnosis", tnbc2025="bmm_diagnosis").png == as_reported.png
    assert view.callback().png == as_reported.png  # a case left out starts at the marrow diagnosis


def test_treatment_view_recomputes_the_cumulative_dose(views, data):
    view = views["treatment"]
    reported = view.callback("AK-T06")
    assert "as reported" in reported.readout
    cumulative = reported.tables[0].set_index("quantity")
    assert cumulative.loc["cumulative dose (mg/m²)", "edited"] == cumulative.loc["cumulative dose (mg/m²)", "as reported"]
    fewer = view.callback("AK-T06", cycles=2, reduction_percent=0)
    table = fewer.tables[0].set_index("quantity")
    printed = data.doses.set_index(["therapy_id", "agent"]).loc[("AK-T06", "doxorubicin"), "dose"]
    assert table.loc["cumulative dose (mg/m²)", "edited"] == pytest.approx(2 * printed)
    assert "length set to 2 cycles" in fewer.readout
    assert fewer.png != reported.png


def test_treatment_view_fixed_dose_follows_weight(views):
    view = views["treatment"]
    light = view.callback("TN-T06", weight_kg=50, height_cm=160).tables[-1]
    heavy = view.callback("TN-T06", weight_kg=75, height_cm=160).tables[-1]
    column = [c for c in light.columns if c.startswith("MODEL")][0]
    assert light[column].iloc[0] > heavy[[c for c in heavy.columns if c.startswith("MODEL")][0]].iloc[0]


def test_treatment_view_never_changes_the_loaded_tables(views, data):
    before = data.therapy_lines.copy()
    views["treatment"].callback("AK-T06", shift_days=28, removed=True)
    pd.testing.assert_frame_equal(data.therapy_lines, before)


def test_survival_view_median_and_hazard_ratio(views):
    view = views["survival"]
    reference = next(iter(view.medians))
    median = view.medians[reference]
    result = view.callback(reference, 12, 0.5)
    assert f"reference median {median:g} months" in result.readout
    assert f"scenario median is {median / 0.5:.1f} months" in result.readout
    own = view.callback(explorers.OWN_MEDIAN, 10, 1.0)
    assert "reference median 10 months" in own.readout
    refused = view.callback("no such series", 10, 1.0)  # shown as the reading, never raised (issue 18)
    assert refused.readout.startswith("Not shown: reference series: found 'no such series'") and not refused.png
    with pytest.raises(ValueError, match="unknown reference"):
        view.median("no such series", 10)


def test_widget_redraws_on_change_and_resets(data, monkeypatch):
    view = explorers.SurvivalView(data)
    calls = []
    real = view.callback
    monkeypatch.setattr(view, "callback", lambda **values: calls.append(values) or real(**values))
    box = view.widget()
    assert calls[-1]["hazard_ratio"] == 1.0  # drawn once as reported
    box.controls["hazard_ratio"].value = 0.81
    assert calls[-1]["hazard_ratio"] == 0.81
    preset = box.find("published HR")
    preset.value = min(preset.options, key=lambda option: option[1])[1]
    assert box.controls["hazard_ratio"].value == preset.value  # a published HR sets the slider
    box.reset_button.click()
    assert box.controls["hazard_ratio"].value == 1.0 and preset.value == 1.0
    assert calls[-1]["hazard_ratio"] == 1.0


@pytest.mark.parametrize("view_name, values", [
    ("origin", {"akagi2021": "first_distant_metastasis", "tnbc2025": "first_therapy_after_bmm"}),
    ("treatment", {"therapy_id": "TN-T01", "shift_days": -7, "length_change_days": 14}),
    ("survival", {"reference": explorers.OWN_MEDIAN, "own_median_months": 30.0, "hazard_ratio": 1.5}),
])
def test_every_callback_returns_a_png_and_a_readout(views, view_name, values):
    result = views[view_name].callback(**values)
    assert result.png.startswith(b"\x89PNG") and result.readout and result.tables


def test_image_explorer_shows_the_reading_in_widget_values(data):
    box = explorers.SurvivalView(data).widget()
    assert 'class="readout"' in box.readout.value and "hazard ratio 1.00" in box.readout.value
    first_image = bytes(box.image.value)
    assert first_image.startswith(b"\x89PNG")
    box.controls["hazard_ratio"].value = 0.5
    assert "hazard ratio 0.50" in box.readout.value and bytes(box.image.value) != first_image
    assert "<table" in box.tables.value
    box.reset()
    assert bytes(box.image.value) == first_image


# Layout, names and pictures for a projector, a phone and a screen reader (issue 17) ----------------------------
@pytest.fixture(scope="module")
def built(views, data):
    """Every explorer of the course, as its notebook builds it."""
    from utils import grading, ihc_views, lab_charts

    lln = grading.lower_limits(data.reference_ranges, "hoffbrand_eh")
    return {
        **{name: view.widget() for name, view in views.items()},
        "lab": lab_charts.lab_explorer(data.labs, data.therapy_lines, data.transfusion_thresholds, lln, "akagi2021",
                                       events=data.events, case_ids=data.cases["case_id"]),
        "ihc": ihc_views.case_panel_explorer(data.ihc, "tnbc2025", ("bone_marrow", "not_stated"), case_ids=data.cases["case_id"]),
    }


def test_controls_make_a_column_beside_the_reading_that_wraps_on_a_phone(built):
    from utils.widgets import COLUMN_WIDTH, CheckboxGroup

    for name, box in built.items():
        heading, body, tables = box.children
        assert body is box.body and body.layout.flex_flow == "row wrap", name  # side by side, stacked when narrow
        assert body.children == (box.column, box.reading) and box.column.layout.flex == f"1 1 {COLUMN_WIDTH[0]}"
        assert box.column.layout.max_width == f"min({COLUMN_WIDTH[1]}, 100%)" and box.reading.layout.min_width == "0"
        assert box.reading.children == (box.readout, box.image) and tables is box.tables
        column = box.column.children
        assert column[-1] is box.reset_button and set(map(id, box.controls.values())) <= set(map(id, column))
        for control in column[:-1]:  # no control wider than its column, so slider readouts stay in view
            assert control.layout.width == "auto" and control.layout.max_width == "100%", (name, control.description)
            if not isinstance(control, CheckboxGroup):
                assert control.style.description_width == "min(12em, 47%)"
        assert box.image.layout.max_width == "100%" and box.image.layout.align_self == "flex-start"  # never stretched
        assert box.reset_button.layout.width == "auto" and box.reset_button.layout.align_self == "flex-start"


def test_every_control_has_a_name(built):
    from utils.widgets import CheckboxGroup

    for name, box in built.items():
        for control in box.column.children[:-1]:
            assert control.description.strip(), (name, control)
            if isinstance(control, CheckboxGroup):
                assert all(b.description.strip() for b in control.boxes)
                assert control.children[0].value == control.description  # the group's visible label
    unnamed = widgets.IntSlider(value=1)  # a control built without a description is named by its key
    assert explorers.explorer("T", {"cycles": unnamed}, render=lambda cycles: None) and unnamed.description == "cycles"


def _drawn_text_px(fig):
    from utils.lab_charts import drawn_texts

    fig.canvas.draw()
    return drawn_texts(fig)


@pytest.mark.parametrize("view_name, values", [
    ("origin", {"akagi2021": "primary_diagnosis"}),
    ("treatment", {"therapy_id": "AK-T06", "shift_days": 14, "cycles": 4}),
    ("treatment", {"therapy_id": "TN-T01", "removed": True}),
    ("survival", {"reference": explorers.OWN_MEDIAN, "own_median_months": 30.0, "hazard_ratio": 0.5}),
])
def test_explorer_figures_fit_beside_the_controls_and_their_text_is_large_enough(views, view_name, values):
    import io
    import itertools

    from PIL import Image

    from utils.widgets import FIGURE_PX, MIN_TEXT_PX, WIDGET_DPI

    view = views[view_name]
    result = view.callback(**values)
    fig = {"origin": lambda: view.figure.fig, "survival": lambda: view.figure.fig,
           "treatment": lambda: view.panels[view.case_of(values.get("therapy_id"))][0].fig}[view_name]()
    width, height = Image.open(io.BytesIO(result.png)).size
    assert fig.dpi == WIDGET_DPI and width == FIGURE_PX[0] and height <= FIGURE_PX[1], (width, height)
    texts = _drawn_text_px(fig)
    assert min(t.get_fontsize() * fig.dpi / 72 for t in texts) >= MIN_TEXT_PX
    renderer = fig.canvas.get_renderer()
    boxes = [(t.get_text(), t.get_window_extent(renderer)) for t in texts]
    for (a, box_a), (b, box_b) in itertools.combinations(boxes, 2):
        assert not box_a.overlaps(box_b), f"{a!r} and {b!r} overlap"
    for text, box in boxes:
        assert box.x0 >= -1 and box.y0 >= -1 and box.x1 <= fig.bbox.x1 + 1 and box.y1 <= fig.bbox.y1 + 1, f"{text!r} is cut"


def test_the_picture_is_described_by_the_current_reading(built):
    survival, origin, lab, ihc = built["survival"], built["origin"], built["lab"], built["ihc"]
    assert survival.image.get_state()["description"] == ""  # lets ipywidgets 8.1 turn the tooltip into the img title
    assert survival.image.tooltip.startswith("MODEL survival curves") and "hazard ratio 1.00" in survival.image.tooltip
    survival.controls["hazard_ratio"].value = 0.5
    reference = float(re.search(r"reference median ([\d.]+) months", survival.image.tooltip).group(1))
    # the MODEL's curves are exponential: halving the hazard doubles the median
    assert "hazard ratio 0.50" in survival.image.tooltip and f"median {reference / 0.5:.1f} months" in survival.image.tooltip
    survival.controls["hazard_ratio"].value = float("nan")  # refused: no picture, no description
    assert survival.image.tooltip is None and survival.image.layout.display == "none"
    survival.reset()
    assert "hazard ratio 1.00" in survival.image.tooltip
    origin.controls["akagi2021"].value = "primary_diagnosis"
    assert "akagi2021 from primary diagnosis" in origin.image.tooltip
    origin.reset()
    assert origin.image.tooltip.endswith("months from diagnosis of marrow metastasis")  # one clock for all: said once
    assert lab.image.tooltip.startswith("Chart of akagi2021's stated haemoglobin")  # its words: test_lab_recovery.py
    assert ihc.image.tooltip is None and not ihc.image.value  # a reading in words has no picture to describe


def test_the_treatment_picture_says_what_the_edit_did(built):
    box = built["treatment"]
    assert box.image.tooltip.endswith("AK-T06 in the copy: as reported")
    box.controls["shift_days"].value = 14
    box.controls["removed"].value = True
    assert box.image.tooltip.endswith("AK-T06 in the copy: removed, moved by +14 days")
    box.reset()


def test_a_stored_reading_carries_its_description(views, monkeypatch):
    shown = []
    monkeypatch.setattr(explorers, "display", shown.append)
    explorers.show(views["survival"].callback(next(iter(views["survival"].medians)), 12.0, 1.0))
    image = [item for item in shown if item.__class__.__name__ == "Image"][0]
    assert image.alt.startswith("MODEL survival curves") and image._repr_png_()[1] == {"alt": image.alt}


def test_importing_the_course_modules_makes_no_widget():
    # A widget made at import lands in the widget state of every page that imports the module (a casebook
    # page with no explorer), with a random model id, so its stored outputs would change on every run.
    import subprocess
    import sys

    code = ("import warnings; warnings.simplefilter('ignore'); import ipywidgets as w; "
            "import utils.widgets, utils.explorers, utils.lab_charts, utils.ihc_views, utils.casebook; "
            "print(len(w.Widget.widgets))")
    made = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, check=True).stdout.strip()
    assert made == "0", f"{made} widget(s) made on import"
