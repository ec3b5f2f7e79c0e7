"""Every control of every explorer refuses what it cannot draw (issue 18, item 7), tested without a kernel.

:data:`CONTROLS` is the inventory: each control of the explorers of notebooks 02 (IHC panel),
04 (lab course) and 06 (time origin, treatment timeline, survival scenario), with the bad values
it must refuse: NaN, +inf, -inf, a huge number, a negative number where none is possible, and
values its widget never offers. Each is passed to the plain callback (the explorer's ``render``),
every other control as reported; the reading must then say what was refused, naming the
control and the value found, and draw nothing. :func:`test_the_inventory_lists_every_control`
keeps the inventory complete: a new control fails it until its bad values are listed here.
"""

import dataclasses
import math
from typing import NamedTuple

import matplotlib

matplotlib.use("Agg")

import pandas as pd
import pytest

from tests.test_explorers import data, views  # noqa: F401  (the shared fixtures: loaded data, the three views of 06)
from utils import casedata, explorers, ihc_views, lab_charts
from utils.controls import REFUSED

NAN, INF = math.nan, math.inf
#: Non-finite and huge numbers: refused by every control.
NOT_FINITE = [NAN, INF, -INF, 1e300, -1e300]
#: Bad values of a control that chooses among named options.
BAD_CHOICES = [*NOT_FINITE, -1.0, None, "no such choice"]


class Selection(NamedTuple):
    """A bad value of a multiple choice, and the element of it the message must name."""

    value: object
    found: object


def bad_selections(good: str) -> list[Selection]:
    """Bad values of a multiple choice (lab analytes, threshold lines) of which ``good`` is an option."""
    return [Selection(NAN, NAN), Selection(1e300, 1e300), Selection(None, None), Selection((NAN,), NAN),
            Selection((good, INF), INF), Selection((good, -INF), -INF), Selection(("no such choice",), "no such choice")]


CONTROLS: list[tuple[str, str, list]] = [
    *[("origin", case_id, BAD_CHOICES) for case_id in casedata.load("cases")["case_id"]],  # one control per case of cases.csv
    ("treatment", "therapy_id", [*BAD_CHOICES, "AK-T01"]),  # AK-T01 exists but is adjuvant: not offered
    ("treatment", "shift_days", [*NOT_FINITE, 85, -85, 3.5, "7"]),
    ("treatment", "length_change_days", [*NOT_FINITE, 169, -169, 2.5]),
    ("treatment", "removed", [NAN, INF, -INF, 1e300, -1.0, None, "yes"]),
    ("treatment", "cycles", [*NOT_FINITE, -1.0, 0, 13, 2.5, "six"]),
    ("treatment", "reduction_percent", [*NOT_FINITE, -1.0, 51, 100, "half"]),
    ("treatment", "weight_kg", [*NOT_FINITE, -1.0, 0.0, 500.0]),
    ("treatment", "height_cm", [*NOT_FINITE, -1.0, 0.0, 250.0]),
    ("survival", "reference", BAD_CHOICES),
    ("survival", "own_median_months", [*NOT_FINITE, -1.0, 0.0, 61.0]),
    ("survival", "hazard_ratio", [*NOT_FINITE, -1.0, 0.0, 5.0]),
    *[("ihc", key, [*BAD_CHOICES, 101.0]) for key in ihc_views.EXPLORER_CONTROLS],
    ("lab", "case_id", BAD_CHOICES),
    ("lab", "analytes", bad_selections("hemoglobin")),
    ("lab", "show_thresholds", [*bad_selections("TT-01"), Selection(("TT-99",), "TT-99")]),
]
NOTEBOOK_06 = ("origin", "treatment", "survival")


def _cases():
    for explorer, control, bad_values in CONTROLS:
        for bad in bad_values:
            value, found = bad if isinstance(bad, Selection) else (bad, bad)
            yield pytest.param(explorer, control, value, found, id=f"{explorer}-{control}-{value!r}")


@pytest.fixture(scope="module")
def boxes(data, views):
    """Every explorer's widget; the notebook-02 and 04 ones pass their readings to a list instead of showing them."""
    shown: list = []
    reported = ihc_views.case_panel(data.ihc, "tnbc2025", ["bone_marrow", "not_stated"])
    built = {name: view.widget() for name, view in views.items()}
    built["ihc"] = ihc_views.panel_explorer(reported, show=shown.append)
    built["lab"] = lab_charts.lab_explorer(data.labs, data.therapy_lines, data.transfusion_thresholds, {}, "akagi2021",
                                           show=shown.append, events=data.events)
    return built, shown


def reading(views, boxes, explorer: str, **changed):
    """What the explorer shows with ``changed`` controls and the others as reported: (text, drawn?)."""
    built, shown = boxes
    values = {**built[explorer].reported, **changed}
    if explorer in NOTEBOOK_06:
        result = views[explorer].callback(**values)
        return result.readout, bool(result.png or result.tables)
    shown.clear()
    built[explorer].render(**values)
    assert len(shown) == 1, f"{explorer}: one render showed {len(shown)} readings"  # this render's reading, not an earlier one
    return (shown[0], False) if isinstance(shown[0], str) else ("", True)


def control_name(boxes, explorer: str, control: str) -> str:
    """The control's name as its widget shows it, without a unit in brackets."""
    return boxes[0][explorer].controls[control].description.split(" (")[0]


def test_the_inventory_lists_every_control(boxes):
    listed = {(explorer, control) for explorer, control, _ in CONTROLS}
    present = {(explorer, control) for explorer, box in boxes[0].items() for control in box.controls}
    assert listed == present


@pytest.mark.parametrize(("explorer", "control", "value", "found"), list(_cases()))
def test_every_control_refuses_what_it_cannot_draw(views, boxes, explorer, control, value, found):
    text, drawn = reading(views, boxes, explorer, **{control: value})
    assert REFUSED in text and not drawn, f"{explorer}.{control}={value!r} was not refused: {text[:200]!r}"
    assert control_name(boxes, explorer, control) in text and repr(found) in text and "expected" in text, text


def _edges():
    """The two ends of every numeric control of notebook 06, as its widget offers them."""
    for explorer, control in [("treatment", "shift_days"), ("treatment", "length_change_days"), ("treatment", "weight_kg"),
                              ("treatment", "height_cm"), ("survival", "own_median_months"), ("survival", "hazard_ratio"),
                              ("treatment", "cycles"), ("treatment", "reduction_percent")]:
        for end in ("low", "high"):
            yield pytest.param(explorer, control, end, id=f"{explorer}-{control}-{end}")


@pytest.mark.parametrize(("explorer", "control", "end"), list(_edges()))
def test_both_ends_of_every_range_are_drawn(views, boxes, explorer, control, end):
    widget = boxes[0][explorer].controls[control]
    if hasattr(widget, "min"):
        value = widget.min if end == "low" else widget.max
    else:
        numbers = [v for v in (option[1] if isinstance(option, tuple) else option for option in widget.options) if not isinstance(v, str)]
        value = min(numbers) if end == "low" else max(numbers)
    changed = {control: value, "therapy_id": "TN-T06"} if explorer == "treatment" else {control: value}
    if control == "own_median_months":
        changed["reference"] = explorers.OWN_MEDIAN
    text, drawn = reading(views, boxes, explorer, **changed)
    assert drawn and REFUSED not in text, text


@pytest.mark.parametrize(("control", "good"), [("hazard_ratio", 0.81), ("own_median_months", 12.0)])
def test_a_nan_on_a_live_slider_is_said_and_the_picture_withdrawn(data, control, good):
    box = explorers.SurvivalView(data).widget()
    box.controls["reference"].value = explorers.OWN_MEDIAN
    box.controls[control].value = NAN  # an ipywidgets FloatSlider takes NaN without complaint
    assert REFUSED in box.readout.value and "nan" in box.readout.value
    assert box.image.layout.display == "none" and box.tables.value == ""
    box.controls[control].value = good
    assert REFUSED not in box.readout.value and box.image.layout.display == ""


def test_a_nan_weight_is_refused_even_for_a_line_without_a_fixed_dose(data):
    box = explorers.TreatmentView(data).widget("AK-T06")
    box.controls["weight_kg"].value = NAN
    assert REFUSED in box.readout.value and "weight" in box.readout.value and box.image.layout.display == "none"


def test_sliders_reach_every_value_the_data_hold(data):
    """A published hazard ratio or a first weight outside the usual slider range widens it, never clamped silently."""
    hazard_ratios = pd.concat([data.hazard_ratios, data.hazard_ratios.iloc[[0]].assign(trial="WIDE", hazard_ratio=2.6)])
    weights = data.observations.copy()
    first = weights[weights["quantity"] == "body_weight"].sort_values("day").index[0]
    weights.loc[first, "value"] = 92.0
    wide = dataclasses.replace(data, hazard_ratios=hazard_ratios, observations=weights)
    survival = explorers.SurvivalView(wide).widget()
    preset = survival.find("published HR")
    preset.value = 2.6
    assert survival.controls["hazard_ratio"].value == 2.6 and "hazard ratio 2.60" in survival.readout.value
    treatment = explorers.TreatmentView(wide).widget("TN-T06")
    assert treatment.controls["weight_kg"].value == 92.0 and "92 kg" in treatment.tables.value


def test_a_line_shortened_below_zero_days_is_clamped_and_the_reading_says_so(views, data):
    line = data.therapy_lines.set_index("therapy_id").loc["AK-T13"]
    result = views["treatment"].callback("AK-T13", length_change_days=-168)
    assert f"{int(line['end_day'] - line['start_day'])} days" in result.readout and "set to 0 days" in result.readout
    assert result.png.startswith(b"\x89PNG")


def test_cycles_or_a_reduction_for_a_line_without_doses_change_nothing_and_say_so(views):
    result = views["treatment"].callback("AK-T12", cycles=4, reduction_percent=20)
    assert result.readout.startswith("AK-T12: as reported") and "no dose for AK-T12" in result.readout
