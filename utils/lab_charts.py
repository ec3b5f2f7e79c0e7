"""Laboratory time courses of one case, and the lab-explorer widget of notebook 04.

:func:`lab_view` is the plain, tested function behind both: given a case, the analytes and
the threshold lines to show, it returns the data to draw (a :class:`LabView`): the stated
values, the analytes the report gives no value for, the chosen transfusion thresholds in
standard units, and the metastatic therapy lines of the period. :func:`lab_chart` draws a
view; :func:`lab_explorer` wires widget controls to :func:`lab_view` and only draws.
:func:`describe` reads a view as Markdown, curated text escaped (:mod:`utils.markup`).

Any case: the chart draws a case in its colour and marker of :func:`utils.plots.case_styles` (by the order of
``cases.csv``, passed as ``case_ids``), and the explorer's case menu lists every case of ``cases.csv``, a case
without any stated value included; its threshold lines follow the chosen case.

How the figure stays honest about sparse data:

* a marker sits only on a stated value: filled when its day is exact, hollow when the day
  is approximate (the report gives months or "about"; how far off it may be is not stated);
* dotted connectors join consecutive stated values only to guide the eye; nothing was
  measured in between, and no value is interpolated;
* connectors are **not drawn across a relapse** (an event of a kind in
  :data:`BREAK_KINDS`, taken from ``events.csv`` when :func:`lab_view` is given the events):
  values before and after a relapse belong to different episodes, and a line between them
  would draw a decline the report does not describe (:func:`connector_segments`). A relapse
  whose ``description`` calls it a clinical diagnosis (:data:`CLINICAL_DIAGNOSIS_MARKER`: taken
  for a relapse without a biopsy) is labelled "clinically diagnosed relapse";
* a therapy line whose start or end is approximate has a dashed edge, an exact edge a
  solid one; the edge sits on the curated day and no width of uncertainty is drawn, since
  the reports give none. A line whose day was placed by assumption (its ``timing_basis``
  says so) is marked with an asterisk;
* regimens known by a short name are labelled with it (:data:`REGIMEN_SHORT_NAMES`);
* blood counts sit on the CTCAE v5.0 grade bands (``sources.csv`` ctcae_v5), tumour
  markers on a log scale, where equal ratios look equally large;
* the legend names the guidelines behind the dashed threshold lines, by version
  (:data:`GUIDELINE_SHORT_NAMES`);
* no two texts overlap: value, threshold, grade-band, therapy-line and relapse labels are placed once
  the layout is fixed, each in the first of its candidate places that is free (a value label with no
  free place is left out; :func:`describe` and the explorer's table give every value).

The explorer draws a compact chart for its place beside the controls (``lab_chart(..., explorer=True)``:
680 px wide, text of 15 px, no value labels) and lists the stated values and the threshold lines in
tables below it (:func:`explorer_reading`); the picture is described in words by :func:`chart_alt`.
"""

from __future__ import annotations

import math
import re
from collections.abc import Callable, Sequence
from contextlib import nullcontext
from dataclasses import dataclass

import pandas as pd
from matplotlib.axes import Axes
from matplotlib.figure import Figure
from matplotlib.lines import Line2D
from matplotlib.patches import Patch
from matplotlib.text import Text
from matplotlib.transforms import Bbox

from utils import units
from utils.grading import CTCAE_V5, ctcae_grade
from utils.labs import COUNTS, MARKERS, check_case_and_analyte
from utils.markup import markdown_text
from utils.plots import GRADE_SHADES, OKABE_ITO, CaseStyle, case_styles, lay_out, subplots
from utils.vocabulary import ANALYTE_LABELS

#: Axis labels of the tumour markers.
MARKER_LABELS: dict[str, str] = {a: ANALYTE_LABELS[a] for a in MARKERS}
#: Axis labels of the count panels, on two lines so that stacked panels do not collide.
COUNT_LABELS: dict[str, str] = {a: label.replace(" (", "\n(") for a, label in ANALYTE_LABELS.items()}
#: Colour and marker shape of each tumour marker in the marker panel.
MARKER_STYLE: dict[str, tuple[str, str]] = {"cea": (OKABE_ITO[2], "s"), "ca15_3": (OKABE_ITO[3], "^"), "ca125": (OKABE_ITO[4], "D")}
#: Where the value label of each marker sits, in points from the marker (apart, so that close values stay legible).
MARKER_LABEL_OFFSETS: dict[str, tuple[int, int]] = {"cea": (-12, -8), "ca15_3": (8, 6), "ca125": (8, 6)}
#: Fill of the therapy lines, alternating so that neighbouring lines stay apart.
LINE_FILLS: tuple[str, ...] = (OKABE_ITO[4], OKABE_ITO[6])
#: Days added on each side of the data so that edge points are not cut.
PAD_SHARE: float = 0.04
#: Opacity of the therapy-line wash behind the data panels (low, so the grade bands stay readable).
WASH_ALPHA: float = 0.10
#: Event kinds (``events.csv`` ``kind``) across which no connector is drawn.
BREAK_KINDS: tuple[str, ...] = ("relapse",)
#: Words in an event's ``description`` that mark a relapse diagnosed on clinical grounds only (no biopsy).
CLINICAL_DIAGNOSIS_MARKER: str = "clinical diagnosis"
#: Short names, with version, of the guidelines a threshold line may come from (``sources.csv`` source_id).
GUIDELINE_SHORT_NAMES: dict[str, str] = {"carson2023_aabb": "AABB 2023", "metcalf2025_aabb_ictmg": "AABB/ICTMG 2025"}
#: Colour of the line that marks a relapse in the data panels.
BREAK_COLOUR: str = "#333333"
#: Words in a therapy line's ``timing_basis`` that mark a day placed by assumption.
ASSUMED_MARKER: str = "by assumption"
#: Short names of combination regimens, keyed by their agents (as listed in ``therapy_lines.csv``).
REGIMEN_SHORT_NAMES: dict[frozenset[str], str] = {
    frozenset({"doxorubicin", "cyclophosphamide"}): "AC",
    frozenset({"epirubicin", "cyclophosphamide"}): "EC",
    frozenset({"tegafur", "gimeracil", "oteracil"}): "S-1",
}


@dataclass(frozen=True)
class LabView:
    """What one chart of one case shows (see :func:`lab_view`)."""

    case_id: str
    analytes: tuple[str, ...]  # as chosen, in order
    points: pd.DataFrame  # analyte, day, day_precision, value_std, unit_std, printed, source_locator
    missing: tuple[str, ...]  # chosen analytes the report states no value of
    thresholds: pd.DataFrame  # threshold_id, kind (case/guideline), analyte, below_std, unit_std, source_id, label
    lines: pd.DataFrame  # metastatic lines: therapy_id, line, regimen, agents, start/end day and precision, assumed
    day_range: tuple[int, int]
    notes: tuple[str, ...]
    breaks: tuple[tuple[int, str], ...] = ()  # (day, event_id) of relapses: no connector is drawn across them
    clinical_breaks: tuple[str, ...] = ()  # event ids of the relapses that were a clinical diagnosis (no biopsy)


def connector_breaks(events: pd.DataFrame, case_id: str, kinds: Sequence[str] = BREAK_KINDS) -> tuple[tuple[int, str], ...]:
    """(day, event_id) of every event of ``case_id`` whose kind is in ``kinds``, in day order.

    ``events`` is the ``events`` table of :mod:`utils.casedata`. Events without a day are
    left out (they cannot be placed on the axis). :class:`ValueError` when a needed column
    is missing.
    """
    needed = {"case_id", "event_id", "day", "kind"}
    if not needed <= set(events.columns):
        raise ValueError(f"events table lacks column(s) {sorted(needed - set(events.columns))}; expected the events table of utils.casedata")
    own = events[(events["case_id"] == case_id) & events["kind"].astype(str).isin(kinds) & events["day"].notna()]
    return tuple((int(row["day"]), str(row["event_id"])) for _, row in own.sort_values(["day", "event_id"]).iterrows())


def connector_segments(days: Sequence[float], breaks: Sequence[float]) -> list[list[int]]:
    """Split stated days (in order) into runs that a connector may join.

    Returns lists of positions into ``days``. Two consecutive values on days ``a`` < ``b``
    are joined only when no break day ``d`` has ``a < d <= b``: a value stated on the day of
    a relapse starts a new run, because it belongs to the new episode. With no breaks every
    value is one run. :class:`ValueError` when ``days`` are not in ascending order.
    """
    days = [float(d) for d in days]
    if any(b < a for a, b in zip(days, days[1:])):
        raise ValueError(f"days must be in ascending order, got {days}")
    runs: list[list[int]] = []
    for i, day in enumerate(days):
        if i == 0 or any(days[i - 1] < d <= day for d in breaks):
            runs.append([i])
        else:
            runs[-1].append(i)
    return runs


def clinical_diagnoses(events: pd.DataFrame, event_ids: Sequence[str]) -> tuple[str, ...]:
    """The ids among ``event_ids`` whose ``description`` calls the event a clinical diagnosis.

    Matched case-insensitively on :data:`CLINICAL_DIAGNOSIS_MARKER`; an events table without a
    ``description`` column marks none.
    """
    if "description" not in events.columns:
        return ()
    wanted = events[events["event_id"].isin(list(event_ids))]
    said = wanted["description"].fillna("").astype(str).str.lower().str.contains(CLINICAL_DIAGNOSIS_MARKER, regex=False)
    return tuple(str(e) for e in wanted.loc[said, "event_id"])


def guideline_legend_label(source_ids: Sequence[str]) -> str:
    """The legend text of the dashed guideline lines, naming each guideline by version (unknown ids as given)."""
    names = list(dict.fromkeys(GUIDELINE_SHORT_NAMES.get(s, s) for s in source_ids))
    return "guideline transfusion threshold" + (f" ({', '.join(names)})" if names else "")


def threshold_population(action: object) -> str:
    """Who a threshold is for and what it does, from its ``action`` text (``transfusion_thresholds.csv``).

    A leading "guideline: " is dropped, and so are the parenthesised notes (recommendation numbers and
    strengths, which the threshold's source gives); every clause is kept, so a second recommendation for
    another population is not lost. A blank action reads "action not stated".

    >>> threshold_population("guideline: transfusion below this in stable adults (Recommendation 1); "
    ...                      "a conditional one covers patients with cancer (Recommendation 2)")
    'transfusion below this in stable adults; a conditional one covers patients with cancer'
    """
    if action is None or pd.isna(action) or not str(action).strip():
        return "action not stated"
    text = str(action).strip()
    if text.lower().startswith("guideline:"):
        text = text[len("guideline:"):].strip()
    text = re.sub(r"\s*\([^()]*\)", "", text)
    return re.sub(r"\s+", " ", text).strip(" ;") or "action not stated"


def threshold_label(threshold_id: str, guideline: bool, source_id: str, analyte: str, below_std: float, unit_std: str,
                    action: object) -> str:
    """One threshold line in words: id, whose rule (this report's, or a guideline's), analyte, value and unit, and
    the population or action it covers (:func:`threshold_population`). Plain text; :func:`describe` escapes it.

    >>> threshold_label("TT-9", True, "g2025", "platelets", 10.0, "10^9/L", "guideline: prophylactic, in non-bleeding adults")
    'TT-9 (guideline, g2025): platelets below 10 ×10^9/L; prophylactic, in non-bleeding adults'
    """
    whose = f"guideline, {source_id}" if guideline else "this report's own threshold"
    name = ANALYTE_LABELS.get(analyte, analyte).split(" (")[0]
    unit = f"×{unit_std}" if str(unit_std).startswith("10^") else str(unit_std)
    return f"{threshold_id} ({whose}): {name} below {below_std:g} {unit}; {threshold_population(action)}"


def applicable_thresholds(labs: pd.DataFrame, thresholds: pd.DataFrame, case_id: str) -> list[str]:
    """Ids of the thresholds that can be drawn for ``case_id``: its own and the guideline ones, on analytes it has values of."""
    check_case_and_analyte(labs, case_id, COUNTS[0])
    stated = set(labs.loc[labs["case_id"] == case_id, "analyte"].astype(str))
    own_or_guideline = thresholds["case_id"].isna() | (thresholds["case_id"] == case_id)
    return [str(row["threshold_id"]) for _, row in thresholds[own_or_guideline].iterrows() if str(row["analyte"]) in stated]


def lab_view(labs: pd.DataFrame, therapy_lines: pd.DataFrame, thresholds: pd.DataFrame, case_id: str,
             analytes: Sequence[str], show_thresholds: Sequence[str] = (), events: pd.DataFrame | None = None) -> LabView:
    """The data of one lab chart: stated values, missing analytes, threshold lines and therapy lines.

    ``labs``, ``therapy_lines`` and ``thresholds`` are the tables of :mod:`utils.casedata`
    (``thresholds`` is ``transfusion_thresholds``); ``show_thresholds`` lists threshold ids.
    Given the ``events`` table, the view records the case's relapses (:func:`connector_breaks`)
    and the chart draws no connector across them; without it (the older call) no break is
    known, and a note says so.
    A chosen analyte without stated values is listed in ``missing`` (and in ``notes``),
    never filled in. :class:`ValueError` (naming what was wrong) for an unknown case or
    analyte, no analyte chosen, an unknown threshold id, a threshold stated in another
    case's report, or a threshold on an analyte without values here;
    :class:`utils.units.UnitError` for a threshold in an unknown or unfitting unit.
    """
    if isinstance(analytes, str):
        analytes = [analytes]
    analytes = tuple(dict.fromkeys(analytes))
    if not analytes:
        raise ValueError(f"choose at least one analyte; expected any of: {', '.join(units.STANDARD_UNITS)}")
    for analyte in analytes:
        check_case_and_analyte(labs, case_id, analyte)
    own = labs[labs["case_id"] == case_id]
    chosen = own[own["analyte"].astype(str).isin(analytes)]
    points = chosen.assign(analyte=chosen["analyte"].astype(str)).sort_values(["analyte", "day"])[
        ["analyte", "day", "day_precision", "value_std", "unit_std", "printed", "source_locator"]].reset_index(drop=True)
    stated = set(points["analyte"])
    missing = tuple(a for a in analytes if a not in stated)

    known = list(thresholds["threshold_id"].astype(str))
    rows = []
    for threshold_id in dict.fromkeys(show_thresholds):
        if threshold_id not in known:
            raise ValueError(f"unknown threshold {threshold_id!r}; expected any of: {', '.join(known)}")
        row = thresholds[thresholds["threshold_id"] == threshold_id].iloc[0]
        analyte = str(row["analyte"])
        owner = None if pd.isna(row["case_id"]) else str(row["case_id"])
        if owner is not None and owner != case_id:
            raise ValueError(f"threshold {threshold_id} is the one stated in the {owner} report; it does not apply to {case_id}")
        if analyte not in stated:
            why = "is not among the chosen analytes" if analyte not in analytes else f"has no stated values for {case_id}"
            raise ValueError(f"threshold {threshold_id} is for {analyte}, which {why}; deselect {threshold_id} or choose {analyte}")
        below_std, unit_std = units.to_standard(float(row["below"]), str(row["unit"]), analyte)
        kind = "guideline" if owner is None else "case"
        rows.append({"threshold_id": threshold_id, "kind": kind, "analyte": analyte, "below_std": below_std, "unit_std": unit_std,
                     "source_id": str(row["source_id"]),
                     "label": threshold_label(threshold_id, owner is None, str(row["source_id"]), analyte, below_std,
                                              unit_std, row.get("action"))})
    chosen_thresholds = pd.DataFrame(rows, columns=["threshold_id", "kind", "analyte", "below_std", "unit_std", "source_id", "label"])

    lab_days = own["day"].astype(int)
    metastatic = therapy_lines[(therapy_lines["case_id"] == case_id) & (therapy_lines["setting"] == "metastatic")
                               & therapy_lines["start_day"].notna()]
    later = metastatic[metastatic["start_day"] >= lab_days.min()]
    ends = later["end_day"].fillna(later["start_day"])
    first, last = int(lab_days.min()), int(max(lab_days.max(), ends.max() if len(ends) else lab_days.max()))
    end_or_start = metastatic["end_day"].fillna(metastatic["start_day"])
    lines = metastatic[((end_or_start > first) | (metastatic["start_day"] >= first)) & (metastatic["start_day"] <= last)]
    basis = lines["timing_basis"] if "timing_basis" in lines.columns else pd.Series("", index=lines.index)
    lines = lines[["therapy_id", "line", "regimen", "agents", "start_day", "start_precision", "end_day", "end_precision"]].assign(
        assumed=basis.fillna("").astype(str).str.lower().str.contains(ASSUMED_MARKER))

    notes = [f"no {a} value is stated in the {case_id} report text" for a in missing]
    case_rows = thresholds["case_id"] == case_id
    if not case_rows.fillna(False).any():
        notes.append(f"the {case_id} report states no transfusion threshold")
    clinical: tuple[str, ...] = ()
    if events is None:
        breaks: tuple[tuple[int, str], ...] = ()
        notes.append("no events table given, so connectors are not broken at relapses")
    else:
        breaks = tuple(b for b in connector_breaks(events, case_id) if first <= b[0] <= last)
        clinical = clinical_diagnoses(events, [event_id for _, event_id in breaks])
        notes += [f"no connector is drawn across the relapse on day {day} ({event_id})" for day, event_id in breaks]
        notes += [f"the relapse on day {day} ({event_id}) was a clinical diagnosis, not shown by a biopsy"
                  for day, event_id in breaks if event_id in clinical]
    if lines["assumed"].any():
        notes.append("a day of " + ", ".join(lines.loc[lines["assumed"], "therapy_id"].astype(str))
                     + " was placed by assumption (therapy_lines.csv, timing_basis)")
    return LabView(case_id=case_id, analytes=analytes, points=points, missing=missing, thresholds=chosen_thresholds,
                   lines=lines.sort_values(["start_day", "therapy_id"]).reset_index(drop=True), day_range=(first, last),
                   notes=tuple(notes), breaks=breaks, clinical_breaks=clinical)


def count_lines(lines: pd.DataFrame) -> tuple[int, int]:
    """(numbered lines of therapy, treatment rows) in ``lines``: a line given in two parts counts once.

    Rows without a line number (none among metastatic lines today) count as lines of their own.
    """
    numbered = lines["line"].dropna()
    return int(numbered.nunique() + lines["line"].isna().sum()), len(lines)


#: How :func:`describe` introduces the threshold lines: drawn for comparison, never an indication for the patient.
THRESHOLD_HEADING: str = (", drawn for comparison (the report's own threshold where it states one; guideline lines for"
                          " the population each names: a yardstick, not an indication for this patient):")


def describe(view: LabView) -> str:
    """A short Markdown reading of a view: what is stated, on which days, and what is not (curated text escaped)."""
    count = len(view.points)
    approximate = int((view.points["day_precision"] == "approximate").sum())
    days = sorted(set(int(d) for d in view.points["day"]))
    shown = ", ".join(f"{a} ({int((view.points['analyte'] == a).sum())})" for a in view.analytes if a not in view.missing)
    lines = [f"**{markdown_text(view.case_id)}**: {count} stated values"
             + (f", {approximate} of them on approximate days" if count else ""),
             f"- analytes with values (number of values): {markdown_text(shown or 'none')}",
             f"- days with a stated value: {', '.join(str(d) for d in days) or 'none'}",
             f"- metastatic therapy lines in the period: {_lines_text(view.lines)}",
             f"- threshold lines{THRESHOLD_HEADING if len(view.thresholds) else ': none chosen'}"]
    lines += [f"    - {markdown_text(label)}" for label in view.thresholds["label"]]
    lines += [f"- {markdown_text(note)}" for note in view.notes]
    return "\n".join(lines)


def _lines_text(lines: pd.DataFrame) -> str:
    numbered, rows = count_lines(lines)
    return str(numbered) if numbered == rows else f"{numbered} ({rows} treatment rows: a line given in parts counts once)"


# Drawing ---------------------------------------------------------------------------------------------

#: Font sizes (points) of the chart's texts, in a notebook (drawn at the course's 100 dpi) and in the explorer
#: (drawn at :data:`utils.widgets.WIDGET_DPI`, where 12 pt is 15 px).
CHART_FONTS: dict[bool, dict[str, float]] = {
    False: {"text": 12, "axis": 14, "track": 13, "empty": 13, "title": 18, "legend": 12},
    True: {"text": 12, "axis": 12, "track": 12, "empty": 12, "title": 13, "legend": 12},
}
#: Heights in pixels of the explorer's chart (:func:`lab_chart` with ``explorer=True``): title, therapy track, a count
#: panel (fewer than three counts, three or more), the marker panel, the time axis below; the legend is measured.
EXPLORER_PX: dict[str, float] = {"title": 30, "track": 38, "count": 80, "counts": 56, "markers": 60, "axis": 46}


class _Labels:
    """Labels placed once the layout is fixed, so that no two texts overlap.

    Each label has candidate places, tried in order: the first whose text box overlaps no text
    already drawn, no label placed before it and no data marker, and lies where it must (inside its
    panel, or beside it for a grade band), is kept. A label with no free place is left out; the
    value it gives is in :func:`describe` and the explorer's table of stated values.
    """

    def __init__(self, fontsize: float, values: bool = True):
        self.fontsize = fontsize
        self.values = values  # False: value labels are not drawn (the explorer lists the values in a table)
        self.wanted: list[tuple[int, Axes, list[tuple[str, tuple, object, tuple[float, float], str, str]], str, dict]] = []
        self.markers: list[tuple[Axes, float, float, float]] = []  # (panel, x, y, radius in points)
        self.bands: list[tuple[Axes, list[tuple[int, float, float]]]] = []  # (count panel, its grade bands)

    def add(self, priority: int, ax: Axes, candidates, where: str = "inside", **style) -> None:
        """``candidates``: (text, xy, xycoords, offset in points, ha, va[, another panel]); ``where``: "inside" the
        panel or "beside" it."""
        self.wanted.append((priority, ax, list(candidates), where, style))

    def grade_bands(self, ax: Axes, bands: Sequence[tuple[int, float, float]]) -> None:
        """Label the grade bands ``(grade, lower, upper)`` of a count panel beside it. Placed before any other
        label and never left out: bands too close on screen for a label of their own share one ("G3-4", see
        :func:`grade_groups`), so that no value sits beside the label of a grade it does not have."""
        self.bands.append((ax, sorted(bands, key=lambda band: band[1])))

    def _place_bands(self, fig: Figure, renderer, taken: list) -> None:
        height = self.fontsize * fig.dpi / 72 * 1.15  # one line of label text, in pixels
        for ax, bands in self.bands:
            def pixels(value: float) -> float:
                return ax.transData.transform((0, value))[1]

            for group in grade_groups(bands, pixels, height):
                grades = sorted(grade for grade, _, _ in group)
                text = f"G{grades[0]}" if len(grades) == 1 else f"G{grades[0]}-{grades[-1]}"
                middle = (group[0][1] + group[-1][2]) / 2
                label = ax.annotate(text, (1.01, middle), xycoords=ax.get_yaxis_transform(), ha="left", va="center",
                                    fontsize=self.fontsize, annotation_clip=False)
                taken.append(label.get_window_extent(renderer))

    def marker(self, ax: Axes, x: float, y: float, size: float) -> None:
        """A data marker of area ``size`` (points squared) that labels must not cover."""
        self.markers.append((ax, x, y, size ** 0.5 / 2 + 2))

    def place(self, fig: Figure) -> list[str]:
        """Place the labels on ``fig`` (laid out and not to be changed after); return the texts left out."""
        fig.draw_without_rendering()  # tick labels and legends take their final places
        renderer = fig.canvas.get_renderer()
        taken = [t.get_window_extent(renderer) for t in drawn_texts(fig)]
        scale = fig.dpi / 72
        for ax, x, y, radius in self.markers:
            cx, cy = ax.transData.transform((x, y))
            r = radius * scale
            taken.append(Bbox([[cx - r, cy - r], [cx + r, cy + r]]))
        self._place_bands(fig, renderer, taken)
        left_out = []
        for _, home, candidates, where, style in sorted(self.wanted, key=lambda w: w[0]):
            for text, xy, xycoords, offset, ha, va, *elsewhere in candidates:
                ax = elsewhere[0] if elsewhere else home
                panel = ax.get_window_extent(renderer)
                label = ax.annotate(text, xy, xycoords=xycoords, xytext=offset, textcoords="offset points", ha=ha, va=va,
                                    fontsize=self.fontsize, annotation_clip=False, **style)
                box = label.get_window_extent(renderer)
                fits = (panel.x0 <= box.x0 and box.x1 <= panel.x1 and panel.y0 <= box.y0 and box.y1 <= panel.y1
                        if where == "inside" else panel.y0 - 2 <= box.y0 and box.y1 <= panel.y1 + 2 and box.x1 <= fig.bbox.x1)
                if fits and not any(box.overlaps(other) for other in taken):
                    taken.append(box)
                    break
                label.remove()
            else:
                left_out.append(candidates[0][0])
        return left_out


def grade_groups(bands: Sequence[tuple[int, float, float]], pixels, height: float) -> list[list[tuple[int, float, float]]]:
    """The grade bands ``(grade, lower, upper)``, from the lowest values up, grouped so that the labels of
    neighbouring groups, each at the middle of its group, are at least ``height`` pixels apart on screen
    (``pixels`` maps a value to its screen height). A band too close to the group below joins it; one label
    per group ("G1-2") keeps every label beside the values it names.

    >>> grade_groups([(4, 0, 25), (3, 25, 50), (2, 50, 75), (1, 75, 150), (0, 150, 400)], lambda v: v / 4, 15)
    [[(4, 0, 25), (3, 25, 50), (2, 50, 75)], [(1, 75, 150)], [(0, 150, 400)]]
    """
    def middle(group: list[tuple[int, float, float]]) -> float:
        return pixels((group[0][1] + group[-1][2]) / 2)

    groups: list[list[tuple[int, float, float]]] = []
    for band in bands:
        groups.append([band])
        while len(groups) > 1 and middle(groups[-1]) - middle(groups[-2]) < height:
            last = groups.pop()
            groups[-1] = groups[-1] + last
    return groups


def drawn_texts(fig: Figure) -> list:
    """Every text of ``fig`` that is drawn: visible, not empty, and (for a tick label) on a tick inside its axis's view."""
    hidden = set()
    for ax in fig.axes:
        for axis in (ax.xaxis, ax.yaxis):
            low, high = sorted(axis.get_view_interval())
            for tick in axis.get_major_ticks() + axis.get_minor_ticks():
                if not low - 1e-9 * max(1.0, abs(high)) <= tick.get_loc() <= high + 1e-9 * max(1.0, abs(high)):
                    hidden.update({id(tick.label1), id(tick.label2)})
    return [t for t in fig.findobj(Text) if t.get_visible() and t.get_text().strip() and id(t) not in hidden
            and (t.axes is None or t.axes.get_visible())]


def line_label(row: pd.Series) -> str:
    """Track label of a therapy line: ``L<n>: <name>``, with an asterisk when a day was placed by assumption.

    The name is the short name of a known combination (:data:`REGIMEN_SHORT_NAMES`), else the
    agents joined by ``+`` (at most two), else the first agent, else the regimen text.
    """
    agents = [a.strip() for a in str(row["agents"]).split(";") if a.strip()] if pd.notna(row["agents"]) else []
    if frozenset(agents) in REGIMEN_SHORT_NAMES:
        name = REGIMEN_SHORT_NAMES[frozenset(agents)]
    elif 1 <= len(agents) <= 2:
        name = " + ".join(agents)
    else:
        name = agents[0] if agents else str(row["regimen"])
    label = f"L{int(row['line'])}: {name}" if pd.notna(row["line"]) else name
    return label + ("*" if bool(row.get("assumed", False)) else "")


def _short_line_label(row: pd.Series) -> str:
    """The track label of a line too narrow for :func:`line_label`: ``L<n>`` (with its asterisk)."""
    if pd.isna(row["line"]):
        return line_label(row)
    return f"L{int(row['line'])}" + ("*" if bool(row.get("assumed", False)) else "")


def _line_span(row: pd.Series) -> tuple[float, float]:
    start = float(row["start_day"])
    return start, float(row["end_day"]) if pd.notna(row["end_day"]) else start


def _edge_style(precision: str) -> str:
    return "--" if precision == "approximate" else "-"


_LABEL_BOX = {"facecolor": "white", "alpha": 0.8, "edgecolor": "none", "pad": 1}


def _therapy_track(ax: Axes, view: LabView, labels: _Labels, fonts: dict[str, float]) -> None:
    for i, (_, row) in enumerate(view.lines.iterrows()):
        start, end = _line_span(row)
        colour = LINE_FILLS[i % len(LINE_FILLS)]
        if end > start:
            ax.axvspan(start, end, color=colour, alpha=0.9, lw=0, zorder=0.5)
            for edge, precision in ((start, row["start_precision"]), (end, row["end_precision"])):
                ax.axvline(edge, color="black", lw=1.6, linestyle=_edge_style(precision), zorder=0.6)
        else:  # a single dose: a mark on its day, not a band of invented width
            ax.axvline(start, color=colour, lw=6, zorder=0.6)
            ax.axvline(start, color="black", lw=1.6, linestyle=_edge_style(row["start_precision"]), zorder=0.7)
        # the full label in the upper or lower half, else the line number alone
        rows = (0.74, 0.26) if i % 2 == 0 else (0.26, 0.74)
        centre = (start + end) / 2
        labels.add(0, ax, [(text, (centre, y), ax.get_xaxis_transform(), (0, 0), "center", "center")
                           for text in (line_label(row), _short_line_label(row)) for y in (*rows, 0.5)],
                   zorder=3, bbox=_LABEL_BOX)
    ax.set_yticks([])
    ax.set_ylim(0, 1)
    ax.grid(False)
    ax.set_ylabel("lines", rotation=0, ha="right", va="center", fontsize=fonts["track"], labelpad=8)


def _background(ax: Axes, view: LabView) -> None:
    """The therapy lines, faintly, behind a data panel, and a line at each relapse."""
    for i, (_, row) in enumerate(view.lines.iterrows()):
        start, end = _line_span(row)
        colour = LINE_FILLS[i % len(LINE_FILLS)]
        if end > start:
            ax.axvspan(start, end, color=colour, alpha=WASH_ALPHA, lw=0, zorder=0.5)
        else:
            ax.axvline(start, color=colour, lw=6, alpha=2 * WASH_ALPHA, zorder=0.5)
    for day, _ in view.breaks:
        ax.axvline(day, color=BREAK_COLOUR, lw=1.4, linestyle="-.", zorder=1)


def _say_gaps(ax: Axes, view: LabView, days: list[int], fonts: dict[str, float], explorer: bool = False) -> None:
    """Name the long stretches without stated values: across a relapse, and after the last value."""
    first, last = view.day_range
    span = max(last - first, 1)
    days = sorted(set(days))
    for a, b in zip(days, days[1:]):
        if b - a > 0.2 * span and any(a < d <= b for d, _ in view.breaks):
            ax.text((a + b) / 2, 0.95, "no value stated", transform=ax.get_xaxis_transform(),
                    ha="center", va="top", fontsize=fonts["text"], style="italic", zorder=5)
    if last - days[-1] > 0.25 * span:
        words = f"no value after day {days[-1]}" if explorer else f"no value stated after day {days[-1]}"
        ax.text((days[-1] + last) / 2, 0.95, words, transform=ax.get_xaxis_transform(),
                ha="center", va="top", fontsize=fonts["text"], style="italic", zorder=5)


#: Where a value label may go, in points from its marker, in the order tried: right, left, above, below.
VALUE_LABEL_PLACES: tuple[tuple[tuple[int, int], str, str], ...] = (
    ((7, 5), "left", "bottom"), ((7, -5), "left", "top"), ((-7, 5), "right", "bottom"), ((-7, -5), "right", "top"),
    ((0, 10), "center", "bottom"), ((0, -10), "center", "top"),
    ((12, 0), "left", "center"), ((-12, 0), "right", "center"), ((0, 20), "center", "bottom"), ((0, -20), "center", "top"),
)


def _plot_points(ax: Axes, points: pd.DataFrame, colour: str, marker: str, labels: _Labels,
                 offset: tuple[int, int] | None = None, breaks: Sequence[int] = ()) -> None:
    points = points.sort_values("day").reset_index(drop=True)
    for run in connector_segments(points["day"].tolist(), breaks):
        if len(run) > 1:
            ax.plot(points.loc[run, "day"], points.loc[run, "value_std"], linestyle=":", color=colour, lw=2, zorder=2)
    places = list(VALUE_LABEL_PLACES)
    if offset is not None:  # a preferred place first
        places.insert(0, (offset, "left" if offset[0] >= 0 else "right", "bottom" if offset[1] >= 0 else "top"))
    for _, p in points.iterrows():
        exact = p["day_precision"] == "exact"
        ax.scatter(p["day"], p["value_std"], s=130, marker=marker, zorder=4, linewidths=2.2,
                   facecolors=colour if exact else "white", edgecolors=colour)
        labels.marker(ax, p["day"], p["value_std"], 130)
        if labels.values:
            labels.add(3, ax, [(f"{p['value_std']:g}", (p["day"], p["value_std"]), "data", shift, ha, va)
                               for shift, ha, va in places], color="black", zorder=5)


def _count_panel(ax: Axes, view: LabView, analyte: str, lln: dict[str, float], colour: str, marker: str,
                 labels: _Labels, fonts: dict[str, float], explorer: bool) -> None:
    own = view.points[view.points["analyte"] == analyte]
    if analyte not in lln:
        raise ValueError(f"no lower limit of normal given for {analyte!r}; lln has: {', '.join(lln) or 'nothing'}")
    low_normal = lln[analyte]
    _, bounds = CTCAE_V5[analyte]
    marks = view.thresholds[view.thresholds["analyte"] == analyte]["below_std"]
    top = max(low_normal * 1.2, own["value_std"].max() * 1.15, *(marks * 1.1))
    if explorer:  # room above the highest value for the notes of the gaps
        top = max(top, own["value_std"].max() * 1.4)
    edges = [low_normal, *bounds, 0.0]
    bottom = -0.04 * top  # room for a marker on a value near zero
    edges[-1] = bottom
    beside = ax.get_yaxis_transform()
    ax.axhspan(low_normal, top, color=GRADE_SHADES[0], zorder=0)
    bands = [(0, low_normal, top)]
    for grade, (upper, lower) in enumerate(zip(edges[:-1], edges[1:]), start=1):
        ax.axhspan(lower, upper, color=GRADE_SHADES[grade], zorder=0)
        bands.append((grade, max(lower, 0.0), upper))
    labels.grade_bands(ax, bands)
    _background(ax, view)
    drawn = view.thresholds[view.thresholds["analyte"] == analyte].sort_values("below_std").reset_index(drop=True)
    for _, t in drawn.iterrows():
        guideline = t["kind"] != "case"
        ax.axhline(t["below_std"], color=OKABE_ITO[7] if guideline else OKABE_ITO[1], linestyle="--" if guideline else "-",
                   lw=2, zorder=3)
        text = f"{t['threshold_id']} < {t['below_std']:g}"
        # above the line or below it: at the right end, else the middle, else the left end (where the data often start)
        labels.add(1, ax, [(text, (x, t["below_std"]), beside, (0, dy), ha, va)
                           for x, ha in ((0.985, "right"), (0.5, "center"), (0.015, "left")) for dy, va in ((2, "bottom"), (-2, "top"))],
                   zorder=5, bbox=_LABEL_BOX)
    _plot_points(ax, own, colour, marker, labels, breaks=[d for d, _ in view.breaks])
    _say_gaps(ax, view, [int(d) for d in own["day"]], fonts, explorer)
    ax.set_ylim(bottom, top)
    if explorer:  # two ticks, clear of the panel's top edge, so that stacked panels' tick labels keep apart
        ax.set_yticks([0, _nice_below(0.8 * top)])
    _panel_label(ax, COUNT_LABELS[analyte], fonts, explorer)
    ax.grid(False)


def _nice_below(value: float) -> float:
    """The largest of 1, 2, 2.5 and 5 times a power of ten that is at most ``value`` (> 0)."""
    power = 10.0 ** math.floor(math.log10(value))
    return max(step * power for step in (1, 2, 2.5, 5, 10) if step * power <= value)


def _panel_label(ax: Axes, text: str, fonts: dict[str, float], explorer: bool) -> None:
    """A panel's y label: along the axis in a notebook, across (reading left to right) in the short explorer panels."""
    if explorer:
        ax.set_ylabel(text, fontsize=fonts["axis"], rotation=0, ha="right", va="center", labelpad=8)
    else:
        ax.set_ylabel(text, fontsize=fonts["axis"])


def _marker_handles(markers: list[str], own: pd.DataFrame) -> list:
    return [Line2D([], [], color=MARKER_STYLE[m][0], marker=MARKER_STYLE[m][1], linestyle=":", markersize=9,
                   label=MARKER_LABELS[m]) for m in markers if (own["analyte"] == m).any()]


def _marker_panel(ax: Axes, view: LabView, markers: list[str], labels: _Labels, fonts: dict[str, float],
                  explorer: bool) -> list:
    """The tumour-marker panel; returns the legend entries of its markers when the figure legend is to carry them
    (the explorer), else draws its own legend and returns none."""
    _background(ax, view)
    own = view.points[view.points["analyte"].isin(markers)]
    if own.empty:
        ax.text(0.5, 0.5, "no tumour-marker value stated in the report text"
                + ("" if explorer else f" ({', '.join(MARKER_LABELS[m] for m in markers)})"),
                transform=ax.transAxes, ha="center", va="center", fontsize=fonts["empty"])
        ax.set_yticks([])
        _panel_label(ax, "tumour\nmarkers" if explorer else "tumour markers", fonts, explorer)
        return []
    for marker in markers:
        colour, shape = MARKER_STYLE[marker]
        mine = own[own["analyte"] == marker]
        if not mine.empty:
            _plot_points(ax, mine, colour, shape, labels, offset=MARKER_LABEL_OFFSETS[marker],
                         breaks=[d for d, _ in view.breaks])
    _say_gaps(ax, view, [int(d) for d in own["day"]], fonts, explorer)
    ax.set_yscale("log")
    low, high = own["value_std"].min(), own["value_std"].max()
    ax.set_ylim(low / 2.5, high * (2.5 if explorer else 4))
    _panel_label(ax, "marker level\n(log scale)", fonts, explorer)
    if explorer:
        return _marker_handles(markers, own)
    ax.legend(handles=_marker_handles(markers, own), loc="lower right", fontsize=fonts["legend"], ncol=1)
    return []


def case_style(case_id: str, case_ids: Sequence[str] | None) -> CaseStyle:
    """The style of ``case_id`` among ``case_ids`` (the order of cases.csv, :func:`utils.plots.case_styles`);
    without an order, a neutral style (ink, circles) that no case owns. :class:`ValueError` for a case not in the order."""
    if case_ids is None:
        return CaseStyle(OKABE_ITO[7], "o", "-")
    styles = case_styles(list(case_ids))
    if str(case_id) not in styles:
        raise ValueError(f"case {case_id!r} is not in case_ids ({', '.join(styles)}); pass the order of cases.csv")
    return styles[str(case_id)]


def _legend_handles(view: LabView, style: CaseStyle, counts: list[str], explorer: bool) -> list:
    """The figure legend's entries; in the explorer, shorter words (the threshold labels name their guidelines)."""
    colour = style.colour
    words = {
        "approximate": "stated value, approximate day" if explorer else "stated value, approximate day (error not stated)",
        "joins": "joins stated values only" if explorer else "joins stated values only (nothing measured between)",
        "line": "therapy line (- - edge: approx. day)" if explorer else "therapy line (dashed edge = approximate day, no error width)",
        "assumed": "* a day placed by assumption" if explorer else "* a start or end day placed by assumption",
        "grades": "CTCAE v5.0 grades (darker = worse)" if explorer else "CTCAE v5.0 grade bands G0-G4 (darker = worse)",
        "case": "threshold stated in the report" if explorer else "transfusion threshold stated in the report",
    }
    handles = [
        Line2D([], [], marker=style.marker, linestyle="", color=colour, markersize=10, label="stated value, exact day"),
        Line2D([], [], marker=style.marker, linestyle="", markerfacecolor="white", markeredgecolor=colour, markeredgewidth=2,
               markersize=10, label=words["approximate"]),
        Line2D([], [], linestyle=":", color=colour, lw=2, label=words["joins"]),
        Patch(facecolor=LINE_FILLS[0], alpha=0.6, edgecolor="black", linestyle="--", label=words["line"]),
    ]
    if view.lines["assumed"].any():
        handles.append(Line2D([], [], linestyle="", label=words["assumed"]))
    if view.breaks:
        if explorer:
            label = "relapse: no connector across it"
        else:
            label = ("relapse (clinically diagnosed, no biopsy): no connector across it" if view.clinical_breaks
                     else "relapse: no connector across it")
        handles.append(Line2D([], [], color=BREAK_COLOUR, lw=1.4, linestyle="-.", label=label))
    if counts:
        handles.append(Patch(facecolor=GRADE_SHADES[3], label=words["grades"]))
    kinds = set(view.thresholds["kind"])
    if "case" in kinds:
        handles.append(Line2D([], [], color=OKABE_ITO[1], lw=2, label=words["case"]))
    if "guideline" in kinds:
        guideline_ids = view.thresholds.loc[view.thresholds["kind"] == "guideline"].sort_values("threshold_id")["source_id"]
        label = "guideline transfusion threshold" if explorer else guideline_legend_label(list(guideline_ids))
        handles.append(Line2D([], [], color=OKABE_ITO[7], lw=2, linestyle="--", label=label))
    return handles


def lab_chart(view: LabView, lln: dict[str, float], title: str | None = None, case_ids: Sequence[str] | None = None,
              explorer: bool = False) -> Figure:
    """Draw a :class:`LabView`: therapy track, one panel per count on CTCAE v5.0 bands, one marker panel.

    The counts are drawn in the case's colour and marker of :func:`utils.plots.case_styles`, by the
    order of ``case_ids`` (``data.cases["case_id"]``), so a case looks the same here as in every other
    figure; without ``case_ids`` in a neutral ink (:func:`case_style`).

    ``lln`` gives the lower limit of normal per count (standard units). Counts without
    stated values get no panel (they are named in the title's note line); a marker panel is
    drawn whenever a marker was chosen, and says so when no marker value is stated.

    Labels (values, threshold lines, grade bands, therapy lines, relapses) are placed once the layout
    is fixed, so that no two texts overlap (:class:`_Labels`); a value label with no free place is left out.

    ``explorer=True`` draws the explorer's compact chart: :data:`utils.widgets.FIGURE_PX` wide at
    :data:`utils.widgets.WIDGET_DPI`, panels of :data:`EXPLORER_PX` pixels, text of 15 px, a shorter legend
    that also carries the markers, and no value labels (the explorer lists the values in a table below).
    """
    fonts = CHART_FONTS[explorer]
    counts = [a for a in view.analytes if a in COUNTS and a not in view.missing]
    markers = [a for a in view.analytes if a in MARKERS]
    if explorer:
        px = EXPLORER_PX
        heights = [px["track"]] + [px["counts"] if len(counts) > 2 else px["count"]] * len(counts) + ([px["markers"]] if markers else [])
        if len(heights) == 1:
            heights.append(px["count"])
    else:
        heights = [0.8] + [2.0 if len(counts) > 2 else 2.6] * len(counts) + ([2.2] if markers else [])
        if len(heights) == 1:
            heights.append(1.5)
    with _explorer_style(explorer):
        fig, axes = _chart_axes(heights, explorer)
        labels = _Labels(fonts["text"], values=not explorer)
        first, last = view.day_range
        span = max(last - first, 10)
        style = case_style(view.case_id, case_ids)
        _therapy_track(axes[0], view, labels, fonts)
        for ax, analyte in zip(axes[1:], counts):
            _count_panel(ax, view, analyte, lln, style.colour, style.marker, labels, fonts, explorer)
        marker_handles = _marker_panel(axes[1 + len(counts)], view, markers, labels, fonts, explorer) if markers else []
        if view.breaks and (counts or markers):
            for day, event_id in view.breaks:  # beside the relapse line, low in the first data panel with room
                name = ("clinical relapse" if explorer else "clinically diagnosed relapse") if event_id in view.clinical_breaks else "relapse"
                labels.add(0, axes[1], [(f"{name} ({event_id})", (day, y), ax.get_xaxis_transform(), (dx, 0), ha, va, ax)
                                        for ax in axes[1:] for y, va in ((0.03, "bottom"), (0.97, "top"))
                                        for dx, ha in ((-4, "right"), (4, "left"))],
                           zorder=5, bbox=_LABEL_BOX)
        elif not counts:
            axes[1].text(0.5, 0.5, "no chosen analyte has a stated value", transform=axes[1].transAxes, ha="center",
                         va="center", fontsize=fonts["empty"])
            axes[1].set_yticks([])
        axes[-1].set_xlim(first - span * PAD_SHARE, last + span * PAD_SHARE)
        axes[-1].set_xlabel("days from diagnosis of bone marrow metastasis (day 0)", fontsize=fonts["axis"] if explorer else None)
        handles = _legend_handles(view, style, counts, explorer) + marker_handles
        legend = fig.legend(handles=handles, loc="lower center", ncol=2, fontsize=fonts["legend"], bbox_to_anchor=(0.5, 0.0),
                            **({"handlelength": 1.8, "handletextpad": 0.5, "columnspacing": 1.0, "borderaxespad": 0.2,
                                "labelspacing": 0.25} if explorer else {}))
        heading = title or (f"{view.case_id}: stated laboratory values" if explorer
                            else f"{view.case_id}: stated laboratory values over time")
        fig.suptitle(heading, fontsize=fonts["title"], fontweight="bold", **({"y": 0.995, "va": "top"} if explorer else {}))
        # room right of the count panels for their grade labels, which are placed after the layout
        spacers = [ax.text(1.01, 0.5, "G0-4", transform=ax.get_yaxis_transform(), fontsize=fonts["text"])
                   for ax in axes[1:1 + len(counts)]]
        if explorer:
            _explorer_layout(fig, axes, heights, legend)
        else:
            legend_rows = (len(handles) + 1) // 2
            lay_out(fig, rect=(0, (0.3 * legend_rows + 0.25) / fig.get_figheight(), 1, 1))
        for spacer in spacers:
            spacer.remove()
        labels.place(fig)
    return fig


def _explorer_style(explorer: bool):
    from utils.widgets import explorer_style

    return explorer_style() if explorer else nullcontext()


def _chart_axes(heights: list[float], explorer: bool) -> tuple[Figure, list[Axes]]:
    """The figure and its stacked panels sharing the time axis (sized and placed later in the explorer)."""
    if not explorer:
        fig, axes = subplots(len(heights), 1, figsize=(12.5, 1.2 + sum(heights)), sharex=True,
                             gridspec_kw={"height_ratios": heights})
        return fig, list(axes)
    from utils.widgets import FIGURE_PX, explorer_figure

    fig = explorer_figure(FIGURE_PX[0], FIGURE_PX[1])
    axes = fig.subplots(len(heights), 1, sharex=True)
    return fig, list(axes)


def _explorer_layout(fig: Figure, axes: list[Axes], heights: list[float], legend) -> None:
    """Place the explorer chart's panels in pixels: :data:`EXPLORER_PX` heights, the figure as tall as its parts.

    The left margin is measured (the widest panel label with its tick labels), the right one leaves room
    for the grade labels; the legend's measured height sits below the time axis.
    """
    from utils.widgets import FIGURE_PX, WIDGET_DPI

    px, gap = EXPLORER_PX, 12.0
    renderer = fig.canvas.get_renderer()
    legend_px = legend.get_window_extent(renderer).height + 6
    width = FIGURE_PX[0]
    height = px["title"] + sum(heights) + gap * (len(heights) - 1) + px["axis"] + legend_px
    fig.set_size_inches(width / WIDGET_DPI, height / WIDGET_DPI)

    def place(left: float) -> None:
        top = height - px["title"]
        for ax, h in zip(axes, heights):
            ax.set_position([left / width, (top - h) / height, (width - left - 48) / width, h / height])  # 48 px: "G2-4"
            top -= h + gap

    place(150)
    overhang = max(ax.get_window_extent(renderer).x0 - ax.yaxis.get_tightbbox(renderer).x0 for ax in axes)
    place(overhang + 8)


# The widget ------------------------------------------------------------------------------------------

#: Choices of the analyte control: (label, analyte).
ANALYTE_CHOICES: tuple[tuple[str, str], ...] = (
    ("haemoglobin", "hemoglobin"), ("platelets", "platelets"), ("white cells", "wbc"),
    ("CEA", "cea"), ("CA 15-3", "ca15_3"), ("CA 125", "ca125"),
)


def threshold_choices(thresholds: pd.DataFrame) -> list[tuple[str, str]]:
    """(label, threshold_id) for every row of ``transfusion_thresholds``; a guideline by its short name and version
    (:data:`GUIDELINE_SHORT_NAMES`), so that a label fits the explorer's column."""
    choices = []
    for _, row in thresholds.iterrows():
        source = str(row["source_id"])
        who = f"{row['case_id']} report" if pd.notna(row["case_id"]) else GUIDELINE_SHORT_NAMES.get(source, f"guideline {source}")
        name = ANALYTE_LABELS.get(str(row["analyte"]), str(row["analyte"])).split(" (")[0]
        unit = str(row["unit"]).replace("10^9/L", "×10⁹/L")
        choices.append((f"{row['threshold_id']}: {name} < {row['below']:g} {unit} ({who})", str(row["threshold_id"])))
    return choices


def _grade_text(analyte: str, value: float, lln: dict[str, float]) -> str:
    """The CTCAE v5.0 grade of a stated count as a table cell; "-" for a value CTCAE does not grade here (a marker)."""
    if analyte not in CTCAE_V5 or analyte not in lln:
        return "-"
    return str(ctcae_grade(analyte, float(value), lln[analyte]))


def values_table(view: LabView, lln: dict[str, float]) -> pd.DataFrame:
    """The stated values of a view as a table, with the CTCAE v5.0 grade of each count (the explorer shows it below
    the chart, which labels no value)."""
    points = view.points
    order = {a: i for i, a in enumerate(view.analytes)}
    rows = points.assign(_order=points["analyte"].map(order)).sort_values(["_order", "day"])
    return pd.DataFrame({
        "analyte": [ANALYTE_LABELS.get(a, a).split(" (")[0] for a in rows["analyte"]],
        "day": rows["day"].astype(int).tolist(),
        "day precision": rows["day_precision"].tolist(),
        "value": [f"{v:g}" for v in rows["value_std"]],
        "unit": rows["unit_std"].tolist(),
        "CTCAE v5.0 grade": [_grade_text(a, v, lln) for a, v in zip(rows["analyte"], rows["value_std"])],
        "as printed": rows["printed"].tolist(),
        "source": rows["source_locator"].tolist(),
    })


def chart_alt(view: LabView) -> str:
    """A short description of the explorer's chart of ``view``, from the view itself (the image's alt text)."""
    def names(analytes) -> str:
        words = [ANALYTE_LABELS.get(a, a).split(" (")[0] for a in analytes]
        return ", ".join(words[:-1]) + (" and " if len(words) > 1 else "") + words[-1] if words else "no analyte"

    shown = [a for a in view.analytes if a not in view.missing]
    numbered, _ = count_lines(view.lines)
    text = (f"Chart of {view.case_id}'s stated {names(shown)} by day from the marrow diagnosis, "
            f"with {numbered} therapy line{'' if numbered == 1 else 's'}")
    if len(view.thresholds):
        text += " and threshold lines " + ", ".join(view.thresholds["threshold_id"])
    if view.missing:
        text += f"; no value stated for {names(view.missing)}"
    return text + "."


def explorer_reading(view: LabView, lln: dict[str, float], case_ids: Sequence[str] | None = None):
    """What the lab explorer shows for a view: the compact chart (:func:`lab_chart` with ``explorer=True``), its
    short description, and the tables of the stated values and of the threshold lines drawn."""
    from utils.widgets import Rendering, figure_png

    png = figure_png(lab_chart(view, lln, case_ids=case_ids, explorer=True))
    tables = [values_table(view, lln)] if len(view.points) else []
    if len(view.thresholds):
        tables.append(pd.DataFrame({"threshold line": view.thresholds["label"].tolist()}))
    return Rendering("", png, tuple(tables), chart_alt(view))


def lab_explorer(labs: pd.DataFrame, therapy_lines: pd.DataFrame, thresholds: pd.DataFrame, lln: dict[str, float],
                 case_id: str, show: Callable[[LabView | str], None] | None = None,
                 title: str = "Choose a case, the analytes and the threshold lines", events: pd.DataFrame | None = None,
                 case_ids: Sequence[str] | None = None):
    """The notebook-04 widget: case, analytes and threshold lines, starting from ``case_id`` with every analyte.

    The case control is a dropdown of ``case_ids`` (pass ``data.cases["case_id"]``: every case of
    cases.csv, in its order, a case added as CSV rows included); without it, of the cases in ``labs``
    in their order there. A case whose report states no laboratory value is offered too, and reads
    as such. The threshold lines follow the case: choosing a case selects the thresholds that apply to
    it (:func:`applicable_thresholds`: its own and the guideline ones); any of them can then be changed.
    Every change calls :func:`lab_view` (with ``events``, so that connectors break at
    relapses) and passes the view (or, for choices that do not fit together, the error
    message as Markdown text) to ``show`` if given; otherwise the explorer shows :func:`explorer_reading` (the
    compact chart of :func:`lab_chart` in the case's style, :func:`case_style`, described for screen readers,
    with the stated values and the threshold lines as tables) or the message.
    The analytes and the threshold lines are check boxes (:class:`utils.widgets.CheckboxGroup`): every option
    shows, and several are chosen without a modifier key. *Back to as reported* restores the start.
    """
    import ipywidgets as widgets

    from utils.controls import ControlError, check_choice, check_choices, refusal
    from utils.widgets import CheckboxGroup, explorer

    with_labs = list(dict.fromkeys(str(c) for c in labs["case_id"].dropna()))
    cases = list(dict.fromkeys(str(c) for c in case_ids)) if case_ids is not None else with_labs
    if case_id not in cases:
        raise ValueError(f"case {case_id!r} is not among the cases offered ({', '.join(cases)})")
    check_case_and_analyte(labs, case_id, COUNTS[0])

    def thresholds_for(case: str) -> list[str]:
        return applicable_thresholds(labs, thresholds, case) if case in with_labs else []

    controls = {
        "case_id": widgets.Dropdown(options=cases, value=case_id, description="case"),
        "analytes": CheckboxGroup(ANALYTE_CHOICES, value=[a for _, a in ANALYTE_CHOICES], description="analytes", columns=2),
        "show_thresholds": CheckboxGroup(threshold_choices(thresholds), value=thresholds_for(case_id),
                                         description="threshold lines"),
    }

    def follow_case(change: dict) -> None:  # runs before the explorer redraws, so the reading sees the new lines
        if change["new"] in cases:
            controls["show_thresholds"].value = thresholds_for(change["new"])

    controls["case_id"].observe(follow_case, names="value")

    def render(case_id: str, analytes: tuple[str, ...], show_thresholds: tuple[str, ...]) -> None:
        try:  # a value no control offers (NaN, None, an unknown id) is refused before anything is read
            check_choice("case", case_id, cases)
            check_choices("analytes", analytes, [a for _, a in ANALYTE_CHOICES])
            check_choices("threshold lines", show_thresholds, [t for _, t in threshold_choices(thresholds)])
            if case_id not in with_labs:
                result: LabView | str = (f"**{markdown_text(case_id)}: the report states no laboratory value**"
                                         " (labs.csv has no row for this case), so there is nothing to draw.")
            else:
                result = lab_view(labs, therapy_lines, thresholds, case_id, analytes, show_thresholds, events)
        except ControlError as error:
            result = f"**{markdown_text(refusal(error))}**"
        except ValueError as error:
            result = f"**These choices do not fit together:** {markdown_text(error)}"
        if show is not None:  # a hook for tests; the explorer then shows nothing itself
            show(result)
            return None
        return result if isinstance(result, str) else explorer_reading(result, lln, cases)

    return explorer(title, controls, render)
