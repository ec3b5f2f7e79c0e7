"""The three "what if?" explorers of notebook 06: time origin, treatment timeline, survival scenario.

Each explorer is a *view* built once from the curated data. Its :meth:`callback` takes the
control values and returns a :class:`Rendering` (a one-line readout, a PNG, tables); the
widget made by :func:`utils.widgets.explorer` only shows it. The callbacks are what
``make bench`` times and what the tests call without a kernel.

The clinical logic lives in plain functions elsewhere (:mod:`utils.origins`,
:mod:`utils.alternatives`, :mod:`utils.scenarios`); here it is only wired and drawn. Figures
are drawn once with their fixed parts, and each callback draws only what changed
(:class:`utils.fastfigure.FastFigure`), so a redraw takes milliseconds rather than tenths of a
second. Nothing here changes the curated tables: edits work on copies, and *Back to as
reported* restores the controls.
"""

from __future__ import annotations

from dataclasses import dataclass, field

import ipywidgets as widgets
import matplotlib.pyplot as plt
import pandas as pd
from IPython.display import HTML, Image, display

from utils import alternatives, origins, scenarios, survival, swimmer
from utils.casedata import DAYS_PER_MONTH, CaseData
from utils.fastfigure import FastFigure
from utils.plots import CASE_COLOURS, MILESTONE_MARKERS, OKABE_ITO, milestone_legend_handles, milestone_marker, new_figure
from utils.timeline import milestones
from utils.widgets import CONTROL_LAYOUT, CONTROL_STYLE, explorer, readout_html, tables_html

#: Widget figures are drawn at a lower resolution than notebook figures, to stay small and fast.
WIDGET_DPI = 72
AS_REPORTED = "as reported"


@dataclass(frozen=True)
class Rendering:
    """What one callback produces: a readout sentence, a figure as PNG bytes, and tables."""

    readout: str
    png: bytes
    tables: tuple[pd.DataFrame, ...] = field(default_factory=tuple)


def show(rendering: Rendering) -> None:
    """Display a rendering: the readout (HTML class ``readout``), the image, the tables."""
    display(HTML(readout_html(rendering.readout)))
    display(Image(data=rendering.png, format="png"))
    display(HTML(tables_html(rendering.tables)))


# 1. Time origin ---------------------------------------------------------------------------------
class OriginView:
    """Explorer 1: each case's milestones in months from a chosen origin, and the cohorts' clocks."""

    CASES = ("akagi2021", "tnbc2025")

    def __init__(self, data: CaseData):
        self.data = data
        self.marks = milestones(data.events)
        spans = []
        for case_id in self.CASES:
            days = self.marks.loc[self.marks["case_id"] == case_id, "day"].astype(float)
            for origin in origins.ORIGIN_CHOICES:
                start, _ = origins.origin_day(data.events, data.therapy_lines, case_id, origin)
                spans += [(days.min() - start) / DAYS_PER_MONTH, (days.max() - start) / DAYS_PER_MONTH]
        fig = new_figure((10, 3.6), WIDGET_DPI)
        self.ax = fig.subplots()
        self.ax.axvline(0, color=OKABE_ITO[7], linestyle="--", linewidth=1.5)
        self.ax.set_yticks(range(len(self.CASES)), list(self.CASES))
        self.ax.set_ylim(-0.6, len(self.CASES) - 0.4)
        self.ax.set_xlim(min(spans) - 4, max(spans) + 4)
        self.ax.set_xlabel("months from the chosen origin (dashed line)")
        self.ax.set_title("The same two histories, measured from the chosen clocks", fontsize=15)
        self.ax.legend(handles=milestone_legend_handles(9), loc="upper left", bbox_to_anchor=(1.01, 1.0), fontsize=11)
        fig.subplots_adjust(left=0.17, right=0.68, bottom=0.2, top=0.86)
        self.figure = FastFigure(fig)

    def callback(self, akagi2021: str, tnbc2025: str) -> Rendering:
        chosen = {"akagi2021": akagi2021, "tnbc2025": tnbc2025}
        artists, readouts = [], []
        for row, (case_id, origin) in enumerate(chosen.items()):
            points = origins.intervals(self.data.events, self.data.therapy_lines, case_id, origin)
            marks = points[points["milestone"].isin(list(MILESTONE_MARKERS))]
            colour = CASE_COLOURS[case_id]
            artists += self.ax.plot([marks["months"].min(), marks["months"].max()], [row, row], color=colour, linewidth=3,
                                    zorder=1, animated=True)
            artists += [milestone_marker(self.ax, m.months, row, m.milestone, colour, animated=True) for m in marks.itertuples()]
            result = origins.survival_from(self.data.cases, self.data.events, self.data.therapy_lines, case_id, origin)
            readouts.append(f"{case_id}: {result['months']:g} months from {origins.ORIGIN_CHOICES[origin]}, {result['status']}")
        self.figure.update(artists)
        clocks = origins.cohort_clocks(self.data.literature_survival, chosen)
        return Rendering("; ".join(readouts), self.figure.png(), (clocks,))

    def widget(self):
        options = [(label, key) for key, label in origins.ORIGIN_CHOICES.items()]
        controls = {case_id: widgets.Dropdown(options=options, value="bmm_diagnosis", description=f"{case_id} origin")
                    for case_id in self.CASES}
        box = explorer("Time origin: where does the clock start?", controls, self.callback)
        box.add_class("explorer-origin")  # a stable hook for the browser tests
        return box


# 2. Treatment timeline ----------------------------------------------------------------------------
def line_options(data: CaseData) -> list[tuple[str, str]]:
    """Dropdown options for the chemotherapy and endocrine lines after BMM diagnosis: (label, therapy_id)."""
    lines = data.therapy_lines
    own = lines[lines["category"].isin(origins.ANTICANCER_CATEGORIES) & (lines["start_day"] >= 0)]
    return [(f"{r.case_id} {r.therapy_id}: {' + '.join(str(r.agents).split(';'))}", r.therapy_id) for r in own.itertuples()]


def treatment_edit(data: CaseData, therapy_id: str, shift_days: int = 0, length_change_days: int = 0, removed: bool = False,
                   cycles: int | str = AS_REPORTED, reduction_percent: float | str = AS_REPORTED) -> tuple[alternatives.LineEdit, str]:
    """The :class:`~utils.alternatives.LineEdit` the controls ask for, and a note on how it was built.

    A new number of cycles without a length change also resizes the line to cycles x cycle
    length, when ``doses.csv`` gives the cycle length.
    """
    line = data.therapy_lines[data.therapy_lines["therapy_id"] == therapy_id]
    if line.empty:
        raise alternatives.EditError(f"no line {therapy_id!r} in therapy_lines")
    line = line.iloc[0]
    cycles_value = None if cycles == AS_REPORTED else int(cycles)
    reduction_value = None if reduction_percent == AS_REPORTED else float(reduction_percent)
    duration, note = None, ""
    if length_change_days and pd.notna(line["end_day"]):
        duration = max(0, int(line["end_day"]) - int(line["start_day"]) + int(length_change_days))
    elif cycles_value is not None:
        own_doses = data.doses[data.doses["therapy_id"] == therapy_id]
        if not own_doses.empty:
            cycle_days = int(own_doses["cycle_days"].iloc[0])
            duration = cycles_value * cycle_days
            note = f"length set to {cycles_value} cycles of {cycle_days} days"
    edit = alternatives.LineEdit(therapy_id, shift_days=int(shift_days), duration_days=duration, removed=bool(removed),
                                 cycles=cycles_value, reduction_percent=reduction_value)
    return edit, note


class TreatmentView:
    """Explorer 2: the reported lanes of a case above an edited copy, and the doses the edit changes."""

    def __init__(self, data: CaseData):
        self.data = data
        self.marks = milestones(data.events)
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
            fig = new_figure((12, 0.84 * n + 2.4), WIDGET_DPI)
            top, bottom = fig.subplots(2, 1, sharex=True)
            swimmer.draw_panel(top, rows, self.marks, case_id, window)
            y_of = swimmer.draw_panel(bottom, rows, self.marks, case_id, window, bars=False)
            top.set_title(f"{case_id}: as reported", loc="left", color=CASE_COLOURS[case_id])
            bottom.set_title(f"{case_id}: alternative (an edited copy)", loc="left", color=CASE_COLOURS[case_id])
            bottom.set_xlabel("months from diagnosis of bone marrow metastasis (day 0)")
            fig.subplots_adjust(left=0.3, right=0.74, top=0.94, bottom=1.0 / (0.84 * n + 2.4), hspace=0.3)
            lane_of = dict(zip(rows["therapy_ids"], rows["lane"]))
            self.panels[case_id] = (FastFigure(fig), bottom, {tid: y_of[lane] for tid, lane in lane_of.items()})
        return self.panels[case_id]

    def callback(self, therapy_id: str, shift_days: int = 0, length_change_days: int = 0, removed: bool = False,
                 cycles: int | str = AS_REPORTED, reduction_percent: float | str = AS_REPORTED,
                 weight_kg: float | None = None, height_cm: float = 160.0) -> Rendering:
        """``weight_kg`` defaults to the first recorded weight; ``height_cm`` is always an assumption."""
        data = self.data
        if weight_kg is None:
            weight_kg = self.first_weight()
        edit, note = treatment_edit(data, therapy_id, shift_days, length_change_days, removed, cycles, reduction_percent)
        case_id = str(data.therapy_lines.loc[data.therapy_lines["therapy_id"] == therapy_id, "case_id"].iloc[0])
        figure, ax, y_of_id = self._panel(case_id)
        edited = alternatives.edited_lines(data.therapy_lines, edit)
        rows = swimmer.swimmer_rows(edited, data.events, case_id)
        rows = rows[rows["therapy_ids"].isin(list(y_of_id))].copy()
        rows["lane"] = rows["therapy_ids"]
        artists = swimmer.draw_bars(ax, rows, y_of_id, animated=True)
        if therapy_id in y_of_id:
            label = "removed" if edit.removed else ("edited" if not edit.is_reported else "")
            artists.append(ax.text(1.01, y_of_id[therapy_id], label, transform=ax.get_yaxis_transform(), va="center",
                                   fontsize=13, fontweight="bold", animated=True))
        figure.update(artists)
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
        fixed = doses[doses["dose_unit"] == "mg"]
        if not fixed.empty:
            column = f"MODEL: mg/m2 at {weight_kg:g} kg and an assumed {height_cm:g} cm"
            tables.append(pd.DataFrame([{"agent": r.agent, "printed dose (mg)": r.dose,
                                         column: round(alternatives.fixed_dose_at(data.doses, therapy_id, r.agent, weight_kg, height_cm), 2)}
                                        for r in fixed.itertuples()]))
        return Rendering(readout, figure.png(), tuple(tables))

    def first_weight(self) -> float:
        """The first body weight recorded in observations.csv (the start of the weight slider)."""
        weights = self.data.observations[self.data.observations["quantity"] == "body_weight"].sort_values("day")
        return float(weights["value"].iloc[0])

    def widget(self, therapy_id: str = "AK-T06"):
        controls = {
            "therapy_id": widgets.Dropdown(options=line_options(self.data), value=therapy_id, description="line"),
            "shift_days": widgets.IntSlider(value=0, min=-84, max=84, step=7, description="move by (days)"),
            "length_change_days": widgets.IntSlider(value=0, min=-168, max=168, step=7, description="lengthen by (days)"),
            "removed": widgets.Checkbox(value=False, description="remove the line"),
            "cycles": widgets.Dropdown(options=[AS_REPORTED, *range(1, 13)], value=AS_REPORTED, description="cycles"),
            "reduction_percent": widgets.Dropdown(options=[AS_REPORTED, 0, 10, 20, 30, 40, 50], value=AS_REPORTED,
                                                  description="dose reduction (%)"),
            "weight_kg": widgets.FloatSlider(value=self.first_weight(), min=40, max=80, step=1, description="weight (kg)"),
            "height_cm": widgets.IntSlider(value=160, min=150, max=180, step=5, description="assumed height (cm)"),
        }
        box = explorer("Treatment timeline: what if a line had been different?", controls, self.callback)
        box.add_class("explorer-treatment")
        return box


# 3. Survival scenario -------------------------------------------------------------------------------
OWN_MEDIAN = "enter a median below"


class SurvivalView:
    """Explorer 3 (MODEL): a published median, a hazard ratio, and both cases on the two curves."""

    HORIZON_MONTHS = 120.0

    def __init__(self, data: CaseData):
        self.data = data
        self.medians = scenarios.reference_medians(data.literature_survival)
        self.presets = scenarios.hazard_ratio_choices(data.hazard_ratios)
        self.cases = survival.time_to_event(data.cases, data.events)
        fig = new_figure((10, 4.6), WIDGET_DPI)
        self.ax = fig.subplots()
        self.ax.axhline(0.5, color="#999999", linewidth=1)
        self.ax.set_xlim(0, self.HORIZON_MONTHS)
        self.ax.set_ylim(0, 1.02)
        self.ax.set_xlabel("months from the origin of the reference series")
        self.ax.set_ylabel("P(surviving at least t)")
        self.ax.set_title("MODEL: constant-hazard curves from a published median")
        handles = [plt.Line2D([], [], color=OKABE_ITO[7], linewidth=3, label="reference model"),
                   plt.Line2D([], [], color=OKABE_ITO[2], linewidth=3, linestyle="--", label="scenario model (hazard ratio applied)")]
        for case in self.cases.itertuples():
            died = bool(case.event)
            handles.append(plt.Line2D([], [], linestyle="", marker="X" if died else ">", markersize=11, markeredgewidth=2,
                                      color=CASE_COLOURS[case.case_id], markerfacecolor=CASE_COLOURS[case.case_id] if died else "white",
                                      label=f"{case.case_id} ({'died' if died else 'alive at last contact'})"))
        self.ax.legend(handles=handles, loc="upper right", fontsize=11)
        fig.subplots_adjust(left=0.1, right=0.97, bottom=0.16, top=0.9)
        self.figure = FastFigure(fig)

    def median(self, reference: str, own_median_months: float) -> float:
        """The reference median in months: the chosen series', or the one entered."""
        if reference == OWN_MEDIAN:
            return float(own_median_months)
        if reference not in self.medians:
            raise ValueError(f"unknown reference {reference!r}; choices: {', '.join(self.medians)}")
        return self.medians[reference]

    def callback(self, reference: str, own_median_months: float, hazard_ratio: float) -> Rendering:
        median = self.median(reference, own_median_months)
        result = scenarios.scenario(median, hazard_ratio, self.HORIZON_MONTHS)
        placed = scenarios.cases_on_curves(self.cases, result)
        artists = self.ax.plot(result.months, result.reference, color=OKABE_ITO[7], linewidth=3, animated=True)
        artists += self.ax.plot(result.months, result.scenario, color=OKABE_ITO[2], linewidth=3, linestyle="--", animated=True)
        for case, (_, row) in zip(self.cases.itertuples(), placed.iterrows()):
            died = bool(case.event)
            for y in (row["P(T >= months), reference model"], row["P(T >= months), scenario model"]):
                artists.append(milestone_marker(self.ax, case.months, y, "death" if died else "last_contact",
                                                CASE_COLOURS[case.case_id], zorder=3, animated=True))
        self.figure.update(artists)
        readout = (f"MODEL: reference median {median:g} months; with hazard ratio {hazard_ratio:.2f} "
                   f"the scenario median is {result.scenario_median:.1f} months")
        return Rendering(readout, self.figure.png(), (placed,))

    def widget(self):
        hazard = widgets.FloatSlider(value=1.0, min=0.3, max=2.0, step=0.01, description="hazard ratio", readout_format=".2f")
        preset = widgets.Dropdown(options=list(self.presets.items()), value=1.0, description="published HR",
                                  style=CONTROL_STYLE, layout=CONTROL_LAYOUT)
        preset.observe(lambda change: setattr(hazard, "value", change["new"]), names="value")
        controls = {
            "reference": widgets.Dropdown(options=[*self.medians, OWN_MEDIAN], value=next(iter(self.medians)),
                                          description="reference series"),
            "own_median_months": widgets.FloatSlider(value=12.0, min=1.0, max=60.0, step=0.5, description="own median (months)"),
            "hazard_ratio": hazard,
        }
        box = explorer("Survival scenario (MODEL): a published median and a hazard ratio", controls, self.callback)
        box.children = (*box.children[:1], preset, *box.children[1:])
        box.reset_button.on_click(lambda _: setattr(preset, "value", 1.0))
        box.add_class("explorer-survival")
        return box
