"""The three "what if?" explorers of notebook 06: time origin, treatment timeline, survival scenario.

Each explorer is a *view* built once from the curated data. Its :meth:`callback` takes the
control values and returns a :class:`~utils.widgets.Rendering` (a one-line readout, a PNG, tables,
and a short description of the picture made from the same values, which becomes the image's
title and alt text); the widget made by :func:`utils.widgets.explorer` only shows it. The
callbacks are what ``make bench`` times and what the tests call without a kernel.

The figures are drawn for the explorer's layout (:mod:`utils.widgets`): :data:`~utils.widgets.FIGURE_PX`
wide and at most that tall, at :data:`~utils.widgets.WIDGET_DPI` in :func:`~utils.widgets.explorer_style`,
so that their smallest text is 15 px on screen. To keep the lanes wide in that room, the treatment
explorer leaves out the swimmer chart's column of notes (response and reason stopped; notebook 03
shows them) and shortens long lane labels (:func:`_short_lane`). The survival explorer marks each
case in its own colour and marker (:func:`utils.plots.case_styles`), filled if she died and hollow
if she was alive at last contact.

The clinical logic lives in plain functions elsewhere (:mod:`utils.origins`,
:mod:`utils.alternatives`, :mod:`utils.scenarios`); here it is only wired and drawn. Figures
are drawn once with their fixed parts, and each callback draws only what changed
(:class:`utils.fastfigure.FastFigure`), so a redraw takes milliseconds rather than tenths of a
second. Nothing here changes the curated tables: edits work on copies, and *Back to as
reported* restores the controls.

Every callback checks every control value before it computes or draws (:mod:`utils.controls`:
NaN, +inf, -inf, a value outside the range or not among the options is **refused**); a refused
value, or an edit the data cannot support, gives a reading that starts with "Not shown:", names
the control, the value found and what was expected, and has no picture and no tables. The
controls and what each callback accepts (a slider moved by hand is clamped to its ends by
ipywidgets, and shows the clamped value):

========================  ==================  ===================================================
control                   widget              callback accepts (anything else is refused)
========================  ==================  ===================================================
origin, one per case      dropdown            a key of :data:`utils.origins.ORIGIN_CHOICES` that the
of cases.csv                                  case's data can place (a case left out: marrow
                                              diagnosis; a name that is no case is refused)
line                      dropdown            a line of :func:`line_options`
move by (days)            slider -84..84      a whole number of days, -84 to 84
lengthen by (days)        slider -168..168    a whole number of days, -168 to 168; a line
                                              shortened below 0 days is **clamped** to 0 and
                                              the reading says so
remove the line           check box           True or False
cycles                    dropdown            as reported, or a whole number from 1 to 12
dose reduction (%)        dropdown            as reported, or 0 to 50 %
weight (kg)               slider              40 to 80 kg, widened to take every weight a case
                                              states; starts at the weight the chosen line's
                                              case states (60 kg, called an assumption, if none)
height (cm)               slider              150 to 180 cm, widened to take every height a case
                                              states; starts at the height the chosen line's
                                              case states (160 cm, called an assumption, if none)
reference series          dropdown            a published median, or "enter a median below"
own median (months)       slider              1 to 60 months (checked even when a published
                                              series is chosen: the slider still shows it)
hazard ratio              slider              0.3 to 2.0, widened to take every published HR
========================  ==================  ===================================================

Cycles or a dose reduction for a line without a dose in ``doses.csv`` change nothing; the
reading says so rather than calling the line edited. The explorers of notebooks 02
(:func:`utils.ihc_views.panel_explorer`) and 04 (:func:`utils.lab_charts.lab_explorer`) apply
the same rule to their dropdowns and multiple choices.
"""

from __future__ import annotations

from functools import cached_property

import ipywidgets as widgets
import matplotlib.pyplot as plt
import pandas as pd
from IPython.display import HTML, Image, display

from utils import alternatives, dosing, origins, scenarios, survival, swimmer
from utils.casedata import DAYS_PER_MONTH, CaseData
from utils.controls import ControlError, NumberRange, check_choice, check_flag, refusal
from utils.fastfigure import FastFigure
from utils.plots import OKABE_ITO, case_styles, count_cases, milestone_legend_handles, milestone_marker
from utils.vocabulary import MILESTONE_MARKERS
from utils.timeline import milestones
from utils.widgets import (FIGURE_PX, WIDGET_DPI, Rendering, explorer, explorer_figure, explorer_style, picture_alt,
                           readout_html, tables_html)

AS_REPORTED = "as reported"
#: What the treatment explorer shows for a dose printed in mg of a drug with no per-m2 standard to compare with.
NO_PER_M2 = "printed in mg; no per-m2 standard for this drug in dose_references.csv to compare with"


def refused(error: ValueError) -> Rendering:
    """The rendering of a refused control value or an impossible edit: the message, no picture, no tables."""
    return Rendering(refusal(error), b"")


def show(rendering: Rendering) -> None:
    """Display a rendering: the readout (HTML class ``readout``), the image and the tables, when there are any.

    The image carries its short description (:func:`utils.widgets.picture_alt`) as IPython's ``alt``, stored in
    the output's metadata (``{"image/png": {"alt": ...}}``).
    """
    display(HTML(readout_html(rendering.readout)))
    if rendering.png:
        display(Image(data=rendering.png, format="png", alt=picture_alt(rendering)))
    if rendering.tables:
        display(HTML(tables_html(rendering.tables)))


def _width_px(fig, artist) -> float:
    return artist.get_window_extent(fig.canvas.get_renderer()).width


def _height_px(fig, artist) -> float:
    return artist.get_window_extent(fig.canvas.get_renderer()).height


def _fit_axes(fig, left: float, right: float, top: float, bottom: float, rows_px: float, hspace: float = 0.0) -> None:
    """Size a figure of :data:`utils.widgets.FIGURE_PX` width to its content and place its axes, all in pixels.

    ``rows_px`` is the height of the axes together (gaps between stacked axes included, ``hspace`` as
    in :meth:`~matplotlib.figure.Figure.subplots_adjust`); the figure is as tall as its margins plus that.
    """
    width, height = FIGURE_PX[0], top + rows_px + bottom
    fig.set_size_inches(width / WIDGET_DPI, height / WIDGET_DPI)
    fig.subplots_adjust(left=left / width, right=1 - right / width, top=1 - top / height, bottom=bottom / height,
                        hspace=hspace)


# 1. Time origin ---------------------------------------------------------------------------------
class OriginView:
    """Explorer 1: each case's milestones in months from a chosen origin, and the cohorts' clocks.

    One origin control per case of ``cases.csv``, in its order (the controls and the figure grow with the
    cases); each control offers the origins that case's data can place (:func:`utils.origins.available_origins`).
    """

    #: The origin every case starts from ("as reported": the clock of the marrow series).
    DEFAULT = "bmm_diagnosis"

    def __init__(self, data: CaseData):
        self.data = data
        self.marks = milestones(data.events)
        self.cases = [str(c) for c in data.cases["case_id"]]
        self.styles = case_styles(self.cases)
        self.options = {case_id: origins.available_origins(data.events, data.therapy_lines, case_id) for case_id in self.cases}
        # every case from every origin it can take, computed once: a callback only looks them up and draws
        self.points = {(case_id, origin): origins.intervals(data.events, data.therapy_lines, case_id, origin)
                       for case_id in self.cases for origin in self.options[case_id]}
        self.survival = {(case_id, origin): origins.survival_from(data.cases, data.events, data.therapy_lines, case_id, origin)
                         for case_id in self.cases for origin in self.options[case_id]}
        spans = []
        for (case_id, origin), points in self.points.items():
            days = points.loc[points["milestone"].isin(list(MILESTONE_MARKERS)), "day"].astype(float)
            start, _ = origins.origin_day(data.events, data.therapy_lines, case_id, origin)
            spans += [(days.min() - start) / DAYS_PER_MONTH, (days.max() - start) / DAYS_PER_MONTH]
        n = len(self.cases)
        with explorer_style():
            fig = explorer_figure(FIGURE_PX[0], FIGURE_PX[1])
            self.ax = fig.subplots()
            self.ax.axvline(0, color=OKABE_ITO[7], linestyle="--", linewidth=1.5)
            self.ax.set_yticks(range(n), self.cases)
            self.ax.set_ylim(-0.6, n - 0.4)
            self.ax.set_xlim(min(spans) - 4, max(spans) + 4)
            self.ax.set_xlabel("months from the chosen origin (dashed line)")
            fig.suptitle(f"The same {count_cases(n, 'history')}, measured from the chosen clocks", x=0.02, y=0.99,
                         ha="left", va="top", fontweight="bold")
            legend = fig.legend(handles=milestone_legend_handles(9), loc="lower center", bbox_to_anchor=(0.5, 0.0), ncol=2,
                                handletextpad=0.4, columnspacing=1.2, borderaxespad=0.3)
        # margins in pixels, measured: the longest case name on the left, the axis and the legend below
        names = max(_width_px(fig, t) for t in self.ax.get_yticklabels())
        _fit_axes(fig, left=names + 30, right=16, top=34, bottom=_height_px(fig, legend) + 58, rows_px=max(100, 44 * n))
        self.figure = FastFigure(fig)

    def control_label(self, case_id: str) -> str:
        """The description of a case's origin control (and the name a refused value is reported under)."""
        return f"{case_id} origin"

    def check(self, chosen: dict[str, object]) -> dict[str, str]:
        """An origin for every case (the ones not given start at :attr:`DEFAULT`); ControlError for a bad one."""
        strays = [key for key in chosen if key not in self.options]
        if strays:
            raise ControlError(f"origin: found a control for {strays[0]!r}, which is not a case of cases.csv; "
                               f"expected one of: {', '.join(self.cases)}")
        return {case_id: check_choice(self.control_label(case_id), chosen.get(case_id, self.DEFAULT), self.options[case_id])
                for case_id in self.cases}

    def callback(self, **chosen: str) -> Rendering:
        """``chosen`` maps a case id to an origin of :data:`utils.origins.ORIGIN_CHOICES` (missing cases: :attr:`DEFAULT`)."""
        try:
            chosen = self.check(chosen)
        except ControlError as error:
            return refused(error)
        artists, readouts = [], []
        for row, (case_id, origin) in enumerate(chosen.items()):
            points = self.points[(case_id, origin)]
            marks = points[points["milestone"].isin(list(MILESTONE_MARKERS))]
            style = self.styles[case_id]
            artists += self.ax.plot([marks["months"].min(), marks["months"].max()], [row, row], color=style.colour,
                                    linestyle=style.linestyle, linewidth=3, zorder=1, animated=True)
            artists += [milestone_marker(self.ax, m.months, row, m.milestone, style.colour, animated=True) for m in marks.itertuples()]
            result = self.survival[(case_id, origin)]
            readouts.append(f"{case_id}: {result['months']:g} months from {origins.ORIGIN_CHOICES[origin]}, {result['status']}")
        self.figure.update(artists)
        clocks = origins.cohort_clocks(self.data.literature_survival, chosen)
        if len(set(chosen.values())) == 1:  # one clock for every case: say it once
            alt = f"Timeline of each case's milestones in months from {origins.ORIGIN_CHOICES[next(iter(chosen.values()))]}"
        else:
            alt = ("Timeline of each case's milestones in months from its chosen origin: "
                   + "; ".join(f"{case_id} from {origins.ORIGIN_CHOICES[origin]}" for case_id, origin in chosen.items()))
        return Rendering("; ".join(readouts), self.figure.png(), (clocks,), alt)

    def widget(self):
        controls = {case_id: widgets.Dropdown(options=[(origins.ORIGIN_CHOICES[key], key) for key in self.options[case_id]],
                                              value=self.DEFAULT, description=self.control_label(case_id))
                    for case_id in self.cases}
        box = explorer("Time origin: where does the clock start?", controls, self.callback)
        box.add_class("explorer-origin")  # a stable hook for the browser tests
        return box


# 2. Treatment timeline ----------------------------------------------------------------------------
def line_options(data: CaseData) -> list[tuple[str, str]]:
    """Dropdown options for the anticancer lines of every case that start from day 0 on: (label, therapy_id).

    The categories are :data:`utils.vocabulary.ANTICANCER_CATEGORIES`; lines follow therapy_lines.csv (case by case).
    """
    lines = data.therapy_lines
    own = lines[lines["category"].isin(origins.ANTICANCER_CATEGORIES) & (lines["start_day"] >= 0)]
    return [(f"{r.case_id} {r.therapy_id}: {' + '.join(str(r.agents).split(';'))}", r.therapy_id) for r in own.itertuples()]


def treatment_edit(data: CaseData, therapy_id: str, shift_days: int = 0, length_change_days: int = 0, removed: bool = False,
                   cycles: int | str = AS_REPORTED, reduction_percent: float | str = AS_REPORTED) -> tuple[alternatives.LineEdit, str]:
    """The :class:`~utils.alternatives.LineEdit` the controls ask for, and a note on how it was built.

    A new number of cycles without a length change also resizes the line to cycles x cycle
    length, when ``doses.csv`` gives the cycle length. A line shortened below 0 days is set to 0
    days, and a line without a dose keeps its reported cycles and dose; the note says so.
    """
    line = data.therapy_lines[data.therapy_lines["therapy_id"] == therapy_id]
    if line.empty:
        raise alternatives.EditError(f"no line {therapy_id!r} in therapy_lines")
    line = line.iloc[0]
    cycles_value = None if cycles == AS_REPORTED else int(cycles)
    reduction_value = None if reduction_percent == AS_REPORTED else float(reduction_percent)
    own_doses = data.doses[data.doses["therapy_id"] == therapy_id]
    duration, notes = None, []
    if own_doses.empty and (cycles_value is not None or reduction_value is not None):
        notes.append(f"no dose for {therapy_id} in doses.csv, so cycles and dose reduction change nothing")
        cycles_value = reduction_value = None
    if length_change_days and pd.isna(line["end_day"]):
        notes.append(f"{therapy_id} has no reported end, so its length cannot change")
    elif length_change_days:
        reported = int(line["end_day"]) - int(line["start_day"])
        duration = reported + int(length_change_days)
        if duration < 0:
            notes.append(f"length set to 0 days ({therapy_id} lasts {reported} days, less than {-int(length_change_days)})")
            duration = 0
    if duration is None and cycles_value is not None:
        cycle_days = int(own_doses["cycle_days"].iloc[0])
        duration = cycles_value * cycle_days
        notes.append(f"length set to {cycles_value} cycles of {cycle_days} days")
    edit = alternatives.LineEdit(therapy_id, shift_days=int(shift_days), duration_days=duration, removed=bool(removed),
                                 cycles=cycles_value, reduction_percent=reduction_value)
    return edit, "; ".join(notes)


def _or_as_reported(limits: NumberRange, value: object) -> int | float | str:
    """A dropdown value that is either "as reported" or a number within ``limits``."""
    if isinstance(value, str) and value == AS_REPORTED:
        return value
    try:
        return limits.check(value)
    except ControlError as error:
        raise ControlError(f"{error}, or {AS_REPORTED!r}") from None


#: Longest lane label of the treatment explorer, in characters: longer ones name their first agent and a count.
LANE_CHARS = 26


def _short_lane(label: str) -> str:
    """A swimmer lane label short enough to leave the lanes their width: a combination by its short name
    (``L3 AC``), else, past :data:`LANE_CHARS`, its first agent and how many more (``L1 trastuzumab + 2 more``)."""
    from utils.lab_charts import REGIMEN_SHORT_NAMES

    head, _, agents = label.partition(" ")
    if not (head[:1] == "L" and head[1:].isdigit()):
        return label
    names = [a.strip() for a in agents.split(" + ")]
    short = REGIMEN_SHORT_NAMES.get(frozenset(names))
    if short:
        return f"{head} {short}"
    if len(label) > LANE_CHARS and len(names) > 1:
        return f"{head} {names[0]} + {len(names) - 1} more"
    return label


class TreatmentView:
    """Explorer 2: the reported lanes of a case above an edited copy, and the doses the edit changes.

    The line dropdown offers every anticancer line after day 0 of every case; the weight and the height
    follow the chosen line's case: the measure its report states on or before the start of the line
    (:func:`utils.dosing.body_weight`, :func:`utils.dosing.body_height`), or, when it states none,
    :data:`ASSUMED_WEIGHT_KG` and :data:`ASSUMED_HEIGHT_CM`, which the reading calls assumptions.

    The dose tables are MODELS and say so: a dose per kg in mg at the chosen weight (the loading dose
    too); a flat dose in mg per m2 only for a drug whose standard in ``dose_references`` is per m2
    (paclitaxel, eribulin); for any other drug printed in mg the table says that no per-m2 standard is
    recorded to compare with (it does not claim that the drug is dosed flat). A dose reduction chosen for a line of an anti-HER2 or antibody-drug-conjugate
    category carries a caveat: trastuzumab and pertuzumab are held rather than reduced, and the conjugates
    are reduced in fixed steps, not by a free percentage.
    """

    SHIFT = NumberRange("move by", -84, 84, "days", whole=True)
    LENGTH = NumberRange("lengthen by", -168, 168, "days", whole=True)
    CYCLES = NumberRange("cycles", 1, 12, whole=True)
    REDUCTION = NumberRange("dose reduction", 0, 50, "%")
    #: The usual height slider; :attr:`height_range` widens it to take every height a case's report states.
    HEIGHT_CM = (150.0, 180.0)
    #: The slider's start for a case whose report states no height (an assumption, said in the reading).
    ASSUMED_HEIGHT_CM = 160.0
    #: Line categories whose drugs are held or stopped, or reduced by dose level, rather than reduced by a percentage.
    NOT_REDUCED_BY_PERCENT = ("anti_her2", "antibody_drug_conjugate")
    #: The usual weight slider; :attr:`weight_range` widens it to take every weight a case's report states.
    WEIGHT_KG = (40.0, 80.0)
    #: The slider's start for a case whose report states no weight (an assumption, said in the reading).
    ASSUMED_WEIGHT_KG = 60.0

    def __init__(self, data: CaseData):
        self.data = data
        self.marks = milestones(data.events)
        self.styles = case_styles(data.cases["case_id"])
        self.lines = [therapy_id for _, therapy_id in line_options(data)]
        self.panels: dict[str, tuple[FastFigure, plt.Axes, dict[str, int]]] = {}
        for case_id in dict.fromkeys(data.therapy_lines["case_id"].astype(str)):
            self._panel(case_id)

    def _panel(self, case_id: str):
        """The fixed part of one case's comparison figure, built on first use."""
        if case_id not in self.panels:
            end = swimmer.end_of_followup(self.data.events, case_id) / DAYS_PER_MONTH
            window = (-3.0, end + 3.0)
            rows = swimmer.in_window(swimmer.swimmer_rows(self.data.therapy_lines, self.data.events, case_id), window)
            rows = rows[rows["kind"] == "anticancer"]
            n = rows["lane"].nunique() + 1
            style = self.styles[case_id]
            with explorer_style():
                fig = explorer_figure(FIGURE_PX[0], FIGURE_PX[1])
                top, bottom = fig.subplots(2, 1, sharex=True)
                swimmer.draw_panel(top, rows, self.marks, case_id, window, style=style)
                y_of = swimmer.draw_panel(bottom, rows, self.marks, case_id, window, bars=False, style=style)
                for ax in (top, bottom):  # no notes column beside the lanes: the lanes keep the width
                    for text in list(ax.texts):
                        text.remove()
                    ax.set_yticks(ax.get_yticks(), [_short_lane(t.get_text()) for t in ax.get_yticklabels()], fontsize=12)
                titles = [ax.set_title(text, loc="left", color=style.colour, fontsize=13)
                          for ax, text in ((top, f"{case_id}: as reported"), (bottom, f"{case_id}: alternative (an edited copy)"))]
                fig.supxlabel("months from diagnosis of bone marrow metastasis (day 0)", y=0.01, va="bottom", fontsize=13)
            lanes_px = max(_width_px(fig, t) for ax in (top, bottom) for t in ax.get_yticklabels() if t.get_text())
            gap_px = 34  # the room for the lower panel's title
            row_px = max(18.0, min(21.0, (FIGURE_PX[1] - 30 - 52 - gap_px) / (2 * (n + 0.4))))  # one lane
            panel_px = row_px * (n + 0.4)
            _fit_axes(fig, left=lanes_px + 30, right=78, top=30, bottom=52, rows_px=2 * panel_px + gap_px,
                      hspace=gap_px / panel_px)
            for ax, title in zip((top, bottom), titles):  # the panel titles start at the figure's left edge, above the lanes
                title.set_x(-(ax.get_position().x0 * FIGURE_PX[0] - 12) / (ax.get_position().width * FIGURE_PX[0]))
            lane_of = dict(zip(rows["therapy_ids"], rows["lane"]))
            self.panels[case_id] = (FastFigure(fig), bottom, {tid: y_of[lane] for tid, lane in lane_of.items()})
        return self.panels[case_id]

    def case_of(self, therapy_id: str) -> str:
        """The case a line belongs to."""
        lines = self.data.therapy_lines
        return str(lines.loc[lines["therapy_id"] == therapy_id, "case_id"].iloc[0])

    def stated_weight(self, therapy_id: str) -> dosing.StatedWeight | None:
        """The weight the line's case states for the start of the line (None when its report states none)."""
        line = self.data.therapy_lines[self.data.therapy_lines["therapy_id"] == therapy_id].iloc[0]
        return dosing.body_weight(self.data.observations, str(line["case_id"]), day=int(line["start_day"]))

    def line_weight(self, therapy_id: str) -> float:
        """Where the weight slider starts for a line: its case's stated weight, or :data:`ASSUMED_WEIGHT_KG`."""
        stated = self.stated_weight(therapy_id)
        return self.ASSUMED_WEIGHT_KG if stated is None else stated.kg

    def stated_height(self, therapy_id: str) -> dosing.StatedMeasure | None:
        """The height the line's case states on or before the start of the line (None when its report states none)."""
        line = self.data.therapy_lines[self.data.therapy_lines["therapy_id"] == therapy_id].iloc[0]
        return dosing.body_height(self.data.observations, str(line["case_id"]), day=int(line["start_day"]))

    def line_height(self, therapy_id: str) -> float:
        """Where the height slider starts for a line: its case's stated height, or :data:`ASSUMED_HEIGHT_CM`."""
        stated = self.stated_height(therapy_id)
        return self.ASSUMED_HEIGHT_CM if stated is None else stated.cm

    @cached_property
    def height_range(self) -> NumberRange:
        """The heights the slider and the callback take: :data:`HEIGHT_CM`, widened to every height a case states."""
        observations = self.data.observations
        stated = [self.ASSUMED_HEIGHT_CM, *observations.loc[observations["quantity"] == dosing.BODY_HEIGHT, "value"].astype(float)]
        return NumberRange("height", min(self.HEIGHT_CM[0], *stated), max(self.HEIGHT_CM[1], *stated), "cm")

    def _measure_text(self, therapy_id: str, value: float, stated: dosing.StatedMeasure | None, unit: str) -> str:
        """``61 kg (stated for day 0)`` when ``value`` is the stated measure, else ``an assumed 60 kg``."""
        if stated is not None and value == stated.value:
            return f"{value:g} {unit} (stated for day {stated.day})"
        return f"an assumed {value:g} {unit}"

    @cached_property
    def weight_range(self) -> NumberRange:
        """The weights the slider and the callback take: :data:`WEIGHT_KG`, widened to every weight a case states."""
        observations = self.data.observations
        stated = [self.ASSUMED_WEIGHT_KG, *observations.loc[observations["quantity"] == dosing.BODY_WEIGHT, "value"].astype(float)]
        return NumberRange("weight", min(self.WEIGHT_KG[0], *stated), max(self.WEIGHT_KG[1], *stated), "kg")

    def check(self, therapy_id: object, shift_days: object, length_change_days: object, removed: object, cycles: object,
              reduction_percent: object, weight_kg: object, height_cm: object) -> dict:
        """Every control value checked (see the module docstring); :class:`~utils.controls.ControlError` for the first bad one."""
        return {"therapy_id": check_choice("line", therapy_id, self.lines), "shift_days": self.SHIFT.check(shift_days),
                "length_change_days": self.LENGTH.check(length_change_days), "removed": check_flag("remove the line", removed),
                "cycles": _or_as_reported(self.CYCLES, cycles), "reduction_percent": _or_as_reported(self.REDUCTION, reduction_percent),
                "weight_kg": self.weight_range.check(weight_kg), "height_cm": self.height_range.check(height_cm)}

    def callback(self, therapy_id: str, shift_days: int = 0, length_change_days: int = 0, removed: bool = False,
                 cycles: int | str = AS_REPORTED, reduction_percent: float | str = AS_REPORTED,
                 weight_kg: float | None = None, height_cm: float | None = None) -> Rendering:
        """``weight_kg`` and ``height_cm`` default to what the line's case states (:meth:`line_weight`, :meth:`line_height`)."""
        data = self.data
        try:
            therapy_id = check_choice("line", therapy_id, self.lines)
            values = self.check(therapy_id, shift_days, length_change_days, removed, cycles, reduction_percent,
                                self.line_weight(therapy_id) if weight_kg is None else weight_kg,
                                self.line_height(therapy_id) if height_cm is None else height_cm)
            weight_kg, height_cm = values.pop("weight_kg"), values.pop("height_cm")
            edit, note = treatment_edit(data, **values)
            edited = alternatives.edited_lines(data.therapy_lines, edit)
            readout, tables = self._doses(edit, note, weight_kg, height_cm)
        except ValueError as error:  # a refused control value, or an edit the data cannot support
            return refused(error)
        case_id = self.case_of(therapy_id)
        figure, ax, y_of_id = self._panel(case_id)
        rows = swimmer.swimmer_rows(edited, data.events, case_id)
        rows = rows[rows["therapy_ids"].isin(list(y_of_id))].copy()
        rows["lane"] = rows["therapy_ids"]
        artists = swimmer.draw_bars(ax, rows, y_of_id, animated=True)
        if therapy_id in y_of_id:
            label = "removed" if edit.removed else ("edited" if not edit.is_reported else "")
            artists.append(ax.text(1.01, y_of_id[therapy_id], label, transform=ax.get_yaxis_transform(), va="center",
                                   fontsize=12, fontweight="bold", animated=True))
        figure.update(artists)
        return Rendering(readout, figure.png(), tables, self.alt(case_id, edit))

    @staticmethod
    def alt(case_id: str, edit: alternatives.LineEdit) -> str:
        """The short description of the comparison figure: whose lanes, and what the edit did to the line."""
        changes = []
        if edit.removed:
            changes.append("removed")
        if edit.shift_days:
            changes.append(f"moved by {edit.shift_days:+d} days")
        if edit.duration_days is not None:
            changes.append(f"lasting {edit.duration_days} days")
        if edit.cycles is not None:
            changes.append(f"{edit.cycles} cycles")
        if edit.reduction_percent is not None:
            changes.append(f"dose reduced by {edit.reduction_percent:g} %")
        what = ", ".join(changes) if changes and not edit.is_reported else AS_REPORTED
        return (f"Treatment lanes of {case_id} as reported (top) and as an edited copy (bottom); "
                f"{edit.therapy_id} in the copy: {what}")

    def _doses(self, edit: alternatives.LineEdit, note: str, weight_kg: float, height_cm: float) -> tuple[str, tuple[pd.DataFrame, ...]]:
        """The readout and the dose tables of an edit (cumulative anthracycline, dose intensity, doses by body size)."""
        data, therapy_id = self.data, edit.therapy_id
        readout = f"{therapy_id}: " + (AS_REPORTED if edit.is_reported else "edited copy") + (f"; {note}" if note else "")
        tables = []
        doses = data.doses[data.doses["therapy_id"] == therapy_id]
        for agent in doses["agent"]:
            if agent in ("doxorubicin", "epirubicin"):
                table = alternatives.cumulative_comparison(data.therapy_lines, data.doses, data.dose_references, edit, agent)
                tables.append(table.reset_index())
                readout += f"; cumulative {agent} {table.iloc[0]['edited']:g} mg/m2 (as reported {table.iloc[0]['as reported']:g})"
        if not doses.empty:
            tables.append(alternatives.dose_intensity_comparison(data.therapy_lines, data.doses, edit).reset_index())
        by_weight = doses[doses["dose_unit"].isin([dosing.FLAT, dosing.PER_KG])]
        line = data.therapy_lines[data.therapy_lines["therapy_id"] == therapy_id].iloc[0]
        if not by_weight.empty and self.stated_weight(therapy_id) is None:
            readout += f"; {self.case_of(therapy_id)}'s report states no weight, so {weight_kg:g} kg is an assumption"
        elif not by_weight.empty:  # a weight stated later that differs from the one the slider starts at
            measures = dosing.line_measures(data.observations, self.case_of(therapy_id), float(line["start_day"]))
            readout += "".join(f"; {n}" for n in measures.notes if "->" in n)
        if (not doses.empty and not edit.removed and edit.reduction_percent
                and str(line["category"]) in self.NOT_REDUCED_BY_PERCENT):
            readout += ("; MODEL caveat: a % reduction is arithmetic only here: trastuzumab and pertuzumab are not "
                        "dose-reduced in practice (they are held or stopped), and the conjugates are reduced in "
                        "fixed steps: trastuzumab deruxtecan by dose level (5.4, then 4.4, then 3.2 mg/kg), "
                        "sacituzumab govitecan by 25 %, then 50 %, of its 10 mg/kg")
        weight_text = self._measure_text(therapy_id, weight_kg, self.stated_weight(therapy_id), "kg")
        per_kg = doses[doses["dose_unit"] == dosing.PER_KG]
        if not per_kg.empty:
            column = f"MODEL: mg per administration at {weight_kg:g} kg"
            loading_column = f"MODEL: loading dose in mg at {weight_kg:g} kg"
            tables.append(pd.DataFrame([{"agent": r.agent, "printed dose (mg/kg)": r.dose,
                                         "loading dose (mg/kg)": r.loading_dose if pd.notna(r.loading_dose) else "none",
                                         column: round(dosing.dose_mg(r.dose, unit=dosing.PER_KG, weight_kg=weight_kg), 1),
                                         loading_column: (round(dosing.dose_mg(r.loading_dose, unit=dosing.PER_KG, weight_kg=weight_kg), 1)
                                                          if pd.notna(r.loading_dose) else "none"),
                                         "weight": weight_text}
                                        for r in per_kg.itertuples()]))
        by_auc = doses[doses["dose_unit"] == dosing.AUC]
        for r in by_auc.itertuples():
            readout += (f"; {r.agent} is dosed to a target AUC of {r.dose:g} mg/mL·min: its dose in mg needs the GFR "
                        f"(Calvert formula), which the data do not give")
        fixed = doses[doses["dose_unit"] == dosing.FLAT]
        if not fixed.empty:
            height_text = self._measure_text(therapy_id, height_cm, self.stated_height(therapy_id), "cm")
            column = f"MODEL: mg/m2 at {weight_text} and {height_text}"
            rows = []
            for r in fixed.itertuples():
                if dosing.per_m2_standards(data.dose_references, r.agent).empty:
                    per_m2 = NO_PER_M2
                else:
                    per_m2 = round(alternatives.fixed_dose_at(data.doses, therapy_id, r.agent, weight_kg, height_cm), 2)
                rows.append({"agent": r.agent, "printed dose (mg)": r.dose,
                             "loading dose (mg)": r.loading_dose if pd.notna(r.loading_dose) else "none", column: per_m2})
            tables.append(pd.DataFrame(rows))
        return readout, tuple(tables)

    def widget(self, therapy_id: str = "AK-T06"):
        """The explorer, starting on ``therapy_id``; choosing another line moves the weight to that line's case."""
        def slider(limits: NumberRange, value: float, step: float, kind=widgets.IntSlider):
            return kind(value=value, min=limits.low, max=limits.high, step=step, description=limits.description())

        weight = self.weight_range
        controls = {
            "therapy_id": widgets.Dropdown(options=line_options(self.data), value=therapy_id, description="line"),
            "shift_days": slider(self.SHIFT, 0, 7),
            "length_change_days": slider(self.LENGTH, 0, 7),
            "removed": widgets.Checkbox(value=False, description="remove the line"),
            "cycles": widgets.Dropdown(options=[AS_REPORTED, *range(int(self.CYCLES.low), int(self.CYCLES.high) + 1)],
                                       value=AS_REPORTED, description=self.CYCLES.description()),
            "reduction_percent": widgets.Dropdown(options=[AS_REPORTED, *range(int(self.REDUCTION.low), int(self.REDUCTION.high) + 1, 10)],
                                                  value=AS_REPORTED, description=self.REDUCTION.description()),
            "weight_kg": slider(weight, self.line_weight(therapy_id), 1, widgets.FloatSlider),
            "height_cm": slider(self.height_range, self.line_height(therapy_id), 1, widgets.FloatSlider),
        }
        box = explorer("Treatment timeline: what if a line had been different?", controls, self.callback)

        def follow_case(change) -> None:  # the weight and height of the chosen line's own case
            if change["new"] in self.lines:
                controls["weight_kg"].value = self.line_weight(change["new"])
                controls["height_cm"].value = self.line_height(change["new"])

        controls["therapy_id"].observe(follow_case, names="value")
        box.add_class("explorer-treatment")
        return box


# 3. Survival scenario -------------------------------------------------------------------------------
OWN_MEDIAN = "enter a median below"


class SurvivalView:
    """Explorer 3 (MODEL): a published median, a hazard ratio, and every case of cases.csv on the two curves."""

    HORIZON_MONTHS = 120.0
    OWN_MEDIAN_RANGE = NumberRange("own median", 1.0, 60.0, "months")
    #: The usual hazard-ratio slider; :attr:`hazard_range` widens it to take every published hazard ratio.
    HAZARD_RATIO = (0.3, 2.0)

    def __init__(self, data: CaseData):
        self.data = data
        self.medians = scenarios.reference_medians(data.literature_survival)
        self.presets = scenarios.hazard_ratio_choices(data.hazard_ratios)
        self.hazard_range = NumberRange("hazard ratio", min(self.HAZARD_RATIO[0], *self.presets.values()),
                                        max(self.HAZARD_RATIO[1], *self.presets.values()))
        self.cases = survival.time_to_event(data.cases, data.events)
        self.styles = case_styles(data.cases["case_id"])
        with explorer_style():
            fig = explorer_figure(FIGURE_PX[0], FIGURE_PX[1])
            self.ax = fig.subplots()
            self.ax.axhline(0.5, color="#999999", linewidth=1)
            self.ax.set_xlim(0, self.HORIZON_MONTHS)
            self.ax.set_ylim(0, 1.02)
            self.ax.set_xlabel("months from the origin of the reference series")
            self.ax.set_ylabel("P(surviving at least t)")
            self.ax.set_title("MODEL: constant-hazard curves from a published median")
            handles = [plt.Line2D([], [], color=OKABE_ITO[7], linewidth=3, label="reference model"),
                       plt.Line2D([], [], color=OKABE_ITO[2], linewidth=3, linestyle="--", label="scenario model (hazard ratio applied)")]
            # the course's outcome marks (a cross: died; an open triangle: alive, censored), each case named beside its marks
            outcomes = {bool(case.event) for case in self.cases.itertuples()}
            for died, key, label in ((True, "death", "died"),
                                     (False, "last_contact", "alive at last contact (censored)")):
                if died in outcomes:
                    style = MILESTONE_MARKERS[key]
                    handles.append(plt.Line2D([], [], linestyle="", marker=style["marker"], markersize=11, markeredgewidth=2,
                                              color=OKABE_ITO[7], markerfacecolor="white" if "facecolors" in style else OKABE_ITO[7],
                                              label=label))
            self.ax.legend(handles=handles, loc="upper right")
        _fit_axes(fig, left=72, right=14, top=32, bottom=54, rows_px=300 + 21 * max(0, len(self.cases) - 2))
        self.figure = FastFigure(fig)

    def median(self, reference: str, own_median_months: float) -> float:
        """The reference median in months: the chosen series', or the one entered."""
        if reference == OWN_MEDIAN:
            return float(own_median_months)
        if reference not in self.medians:
            raise ValueError(f"unknown reference {reference!r}; choices: {', '.join(self.medians)}")
        return self.medians[reference]

    def callback(self, reference: str, own_median_months: float, hazard_ratio: float) -> Rendering:
        try:
            reference = check_choice("reference series", reference, [*self.medians, OWN_MEDIAN])
            median = self.median(reference, self.OWN_MEDIAN_RANGE.check(own_median_months))
            hazard_ratio = self.hazard_range.check(hazard_ratio)
            result = scenarios.scenario(median, hazard_ratio, self.HORIZON_MONTHS)
            placed = scenarios.cases_on_curves(self.cases, result)
        except ValueError as error:  # a refused control value, or a median or hazard ratio the model cannot use
            return refused(error)
        artists = self.ax.plot(result.months, result.reference, color=OKABE_ITO[7], linewidth=3, animated=True)
        artists += self.ax.plot(result.months, result.scenario, color=OKABE_ITO[2], linewidth=3, linestyle="--", animated=True)
        for case, (_, row) in zip(self.cases.itertuples(), placed.iterrows()):
            outcome, colour = ("death" if bool(case.event) else "last_contact"), self.styles[case.case_id].colour
            heights = (row["P(T >= months), reference model"], row["P(T >= months), scenario model"])
            for y in heights:
                artists.append(milestone_marker(self.ax, case.months, y, outcome, colour, zorder=3, animated=True))
            # the case named in its colour, below and right of the lower of its two marks (clear of the legend)
            artists.append(self.ax.annotate(str(case.case_id), (case.months, min(heights)), xytext=(8, -10),
                                            textcoords="offset points", ha="left", va="top", color=colour, fontsize=13,
                                            fontweight="bold", zorder=4, animated=True))
        self.figure.update(artists)
        readout = (f"MODEL: reference median {median:g} months; with hazard ratio {hazard_ratio:.2f} "
                   f"the scenario median is {result.scenario_median:.1f} months")
        alt = (f"MODEL survival curves: reference median {median:g} months (solid); hazard ratio {hazard_ratio:.2f}, "
               f"median {result.scenario_median:.1f} months (dashed); cases marked")
        return Rendering(readout, self.figure.png(), (placed,), alt)

    def widget(self):
        hazard = widgets.FloatSlider(value=1.0, min=self.hazard_range.low, max=self.hazard_range.high, step=0.01,
                                     description=self.hazard_range.description(), readout_format=".2f")
        preset = widgets.Dropdown(options=list(self.presets.items()), value=1.0, description="published HR")
        preset.observe(lambda change: setattr(hazard, "value", change["new"]), names="value")
        controls = {
            "reference": widgets.Dropdown(options=[*self.medians, OWN_MEDIAN], value=next(iter(self.medians)),
                                          description="reference series"),
            "own_median_months": widgets.FloatSlider(value=12.0, min=self.OWN_MEDIAN_RANGE.low, max=self.OWN_MEDIAN_RANGE.high,
                                                     step=0.5, description=self.OWN_MEDIAN_RANGE.description()),
            "hazard_ratio": hazard,
        }
        box = explorer("Survival scenario (MODEL): a published median and a hazard ratio", controls, self.callback)
        box.add_control(preset, 0)
        box.reset_button.on_click(lambda _: setattr(preset, "value", 1.0))
        box.add_class("explorer-survival")
        return box
