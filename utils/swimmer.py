"""Swimmer (Gantt) charts of treatment: every line of a case on the shared day axis.

:func:`swimmer_rows` turns ``therapy_lines`` into one drawable row per lane (plain data,
tested without drawing); :func:`swimmer_figure` draws one panel per case, stacked on the
same axis of months from the diagnosis of marrow metastasis (day 0).

How the chart shows what the data know:

* solid bars: both ends of the line are dated exactly; hatched, paler bars: at least one end
  is approximate (months, "about", or a schedule);
* a diamond: a treatment given once; a short vertical bar: a dated treatment whose duration
  the report does not give;
* an empty outline with an arrow: the report gives a start but no end, so the bar runs to the
  end of follow-up: dashed when the end is simply not reported, solid when the treatment was
  still going on at last contact (hatched inside when the start is approximate);
* the column on the right: response and why the line stopped, as the data record them.

Anticancer lines (adjuvant, metastatic, radiotherapy) get one lane each, in time order;
supportive care and bone-modifying agents share lanes by agent, below them.
The functions work on any copy of ``therapy_lines``, so an edited timeline (notebook 06) is
drawn the same way as the reported one.
"""

from __future__ import annotations

import math
import re
from collections.abc import Mapping, Sequence

import matplotlib.pyplot as plt
import pandas as pd
from matplotlib.axes import Axes
from matplotlib.figure import Figure
from matplotlib.patches import Patch

from utils.casedata import DAYS_PER_MONTH
from utils.plots import OKABE_ITO, CaseStyle, case_styles, milestone_legend_handles, milestone_marker, subplots
from utils import vocabulary
from utils.vocabulary import REASON_LABELS, RESPONSE_LABELS, SUPPORTIVE_PREFIX, category_colour
from utils.timeline import milestones

ANTICANCER_SETTINGS = ("adjuvant", "metastatic")

ROW_COLUMNS = ["lane", "kind", "therapy_ids", "category", "start_day", "end_day", "approximate", "open_end", "ongoing",
               "single_dose", "duration_unknown", "note"]


def _lane_label(row: pd.Series) -> str:
    label = _base_label(row)
    return f"{label} (edited)" if str(row["regimen"]).endswith("(edited)") else label


def _base_label(row: pd.Series) -> str:
    agents = "" if pd.isna(row["agents"]) else " + ".join(str(row["agents"]).split(";"))
    if row["setting"] in ANTICANCER_SETTINGS and row["category"] != "radiotherapy" and pd.notna(row["line"]):
        return f"L{int(row['line'])} {agents}"
    if row["setting"] == "adjuvant":
        return f"adjuvant {agents}"
    if row["category"] == "radiotherapy":
        return "radiotherapy"
    prefix = SUPPORTIVE_PREFIX.get(row["category"], "")
    name = re.sub(r"\s*\(.*?\)", "", agents) or str(row["regimen"])
    if row["category"] == "nutrition" and not agents:
        name = "rehabilitation"
    return f"{prefix}: {name}" if prefix else name


def _note(row: pd.Series, open_end: bool) -> str:
    if row["setting"] == "supportive":
        return "ongoing at last contact" if row["reason_stopped"] == "ongoing" else ("end not reported" if open_end else "")
    response = RESPONSE_LABELS.get(str(row["response"]), "") if pd.notna(row["response"]) else ""
    reason = REASON_LABELS.get(str(row["reason_stopped"]), str(row["reason_stopped"]))
    parts = [p for p in (response, f"stop: {reason}") if p]
    return " · ".join(parts)


def end_of_followup(events: pd.DataFrame, case_id: str) -> int:
    """Day of death or last contact of a case (from the milestones in events.csv)."""
    marks = milestones(events)
    ends = marks[(marks["case_id"] == case_id) & marks["milestone"].isin(["death", "last_contact"])]
    if ends.empty:
        raise ValueError(f"{case_id!r} has no death or last_contact milestone in events.csv")
    return int(ends["day"].iloc[0])


def swimmer_rows(therapy_lines: pd.DataFrame, events: pd.DataFrame, case_id: str) -> pd.DataFrame:
    """One row per bar of the chart, in lane order; days stay days (no rounding, no filling in).

    A case with milestones in ``events`` but no therapy line (a sparse case) has no rows; a case
    with neither is unknown (ValueError naming the known cases).

    Columns: ``lane`` (label), ``kind`` (anticancer or supportive), ``therapy_ids``,
    ``category``, ``start_day``, ``end_day`` (end of follow-up when the data give no end),
    ``approximate`` (either end approximate), ``open_end`` (no end in the data), ``ongoing``
    (still running at last contact), ``single_dose`` (given once), ``duration_unknown`` (start
    and end on the same day but not a single dose), ``note`` (response and reason stopped).
    """
    own = therapy_lines[therapy_lines["case_id"] == case_id]
    if own.empty:
        known_cases = set(events["case_id"].astype(str))
        if case_id not in known_cases:
            known = ", ".join(sorted(known_cases | set(therapy_lines["case_id"].astype(str))))
            raise ValueError(f"no therapy lines for case {case_id!r}; cases: {known}")
        return pd.DataFrame({column: pd.Series(dtype=object) for column in ROW_COLUMNS})
    followup_end = end_of_followup(events, case_id)
    rows = []
    for _, row in own.iterrows():
        if pd.isna(row["start_day"]):
            raise ValueError(f"{case_id} {row['therapy_id']} has no start_day; a swimmer bar needs a start")
        open_end = pd.isna(row["end_day"])
        end = followup_end if open_end else int(row["end_day"])
        approximate = row["start_precision"] == "approximate" or (not open_end and row["end_precision"] == "approximate")
        kind = "supportive" if row["setting"] == "supportive" else "anticancer"
        same_day = bool(not open_end and end == row["start_day"])
        once = same_day and pd.notna(row["cycles"]) and int(row["cycles"]) == 1
        rows.append([_lane_label(row), kind, row["therapy_id"], str(row["category"]), int(row["start_day"]), end,
                     bool(approximate), bool(open_end), bool(open_end and row["reason_stopped"] == "ongoing"),
                     once, same_day and not once, _note(row, open_end)])
    table = pd.DataFrame(rows, columns=ROW_COLUMNS)
    table["order"] = table["kind"].map({"anticancer": 0, "supportive": 1})
    first_start = table.groupby("lane")["start_day"].transform("min")
    table = table.assign(first_start=first_start).sort_values(["order", "first_start", "lane", "start_day"], kind="stable")
    return table.drop(columns=["order", "first_start"]).reset_index(drop=True)


def draw_bars(ax: Axes, rows: pd.DataFrame, y_of: dict, animated: bool = False) -> list:
    """Draw the rows of :func:`swimmer_rows` at the heights ``y_of[lane]``; return the artists drawn."""
    artists = []
    for _, r in rows.iterrows():
        y = y_of[r["lane"]]
        colour = category_colour(r["category"])
        start, end = r["start_day"] / DAYS_PER_MONTH, r["end_day"] / DAYS_PER_MONTH
        if r["single_dose"]:
            artists.append(ax.scatter(start, y, marker="D", s=120, color=colour, edgecolors="black", linewidths=1, zorder=3,
                                      animated=animated))
        elif r["duration_unknown"]:
            artists.append(ax.scatter(start, y, marker="|", s=400, color=colour, linewidths=4, zorder=3, animated=animated))
        elif r["open_end"]:  # no end in the data: an empty outline up to the end of follow-up
            artists += ax.barh(y, end - start, left=start, height=0.6, facecolor="none", edgecolor=colour,
                               linestyle="-" if r["ongoing"] else "--", linewidth=2, hatch="///" if r["approximate"] else None,
                               zorder=2, animated=animated).patches
            artists.append(ax.annotate("", xy=(end + 1.2, y), xytext=(end, y), arrowprops={"arrowstyle": "-|>", "color": colour, "lw": 1.5},
                                       zorder=3, animated=animated))
        else:
            artists += ax.barh(y, end - start, left=start, height=0.6, color=colour, alpha=0.45 if r["approximate"] else 0.95,
                               hatch="///" if r["approximate"] else None, edgecolor="black", linewidth=1, zorder=2,
                               animated=animated).patches
    return artists


def draw_panel(ax: Axes, rows: pd.DataFrame, marks: pd.DataFrame, case_id: str, window: tuple[float, float],
               bars: bool = True, style: CaseStyle | None = None) -> dict[str, int]:
    """One case's lanes on ``ax``: milestones on top, the rows' bars (unless ``bars`` is False) and notes.

    ``style`` is the case's style of :func:`utils.plots.case_styles` (its colour marks the milestones and
    the panel title; grey without one). A case without lines gets its milestone lane and a note saying so.
    Returns the height of each lane, so other bars (an edited copy) can be drawn in the same lanes.
    """
    lanes = list(dict.fromkeys(rows["lane"]))
    y_of = {lane: i + 1 for i, lane in enumerate(lanes)}  # lane 0 holds the milestones
    if bars:
        draw_bars(ax, rows, y_of)
        notes = rows[rows["note"] != ""].groupby("lane", sort=False)["note"].agg(lambda n: " / ".join(dict.fromkeys(n)))
        for lane, y in y_of.items():
            if lane in notes.index:
                ax.text(1.01, y, notes[lane], transform=ax.get_yaxis_transform(), va="center", fontsize=12)
    own = marks[marks["case_id"] == case_id]
    colour = style.colour if style is not None else OKABE_ITO[7]
    if not lanes:  # said in the notes column, beside the milestones
        ax.text(1.01, 0, "no treatment line in the data", transform=ax.get_yaxis_transform(), va="center", fontsize=12)
    for _, m in own.iterrows():
        x = m["day"] / DAYS_PER_MONTH
        ax.axvline(x, color="#555555", linestyle=":", linewidth=1.2, zorder=1)
        milestone_marker(ax, x, 0, m["milestone"], colour, zorder=3)
    ax.set_yticks(range(len(lanes) + 1), ["milestones", *lanes], fontsize=13)
    ax.set_ylim(len(lanes) + 0.7, -0.7)
    ax.set_xlim(*window)
    ax.set_title(case_id, loc="left", color=colour)
    ax.grid(axis="y", visible=False)
    return y_of


def in_window(rows: pd.DataFrame, window_months: tuple[float, float]) -> pd.DataFrame:
    """The rows of :func:`swimmer_rows` that overlap a window of months (for a zoomed chart)."""
    start, end = (m * DAYS_PER_MONTH for m in window_months)
    return rows[(rows["end_day"] >= start) & (rows["start_day"] <= end)].reset_index(drop=True)


def margins(fig: Figure, axes, least: tuple[float, float] = (4.0, 3.9)) -> tuple[float, float]:
    """Inches to keep left of the panels (the longest lane label) and right of them (the longest note).

    At least ``least``; more when a case brings a longer lane label or note, so no text is cut.
    """
    renderer = fig.canvas.get_renderer()
    labels = [t.get_window_extent(renderer).width for ax in axes for t in ax.get_yticklabels() if t.get_text()]
    notes = [t.get_window_extent(renderer).width for ax in axes for t in ax.texts if t.get_position()[0] == 1.01]
    return (max(least[0], max(labels, default=0) / fig.dpi + 0.45), max(least[1], max(notes, default=0) / fig.dpi + 0.35))


def swimmer_figure(therapy_lines: pd.DataFrame, events: pd.DataFrame, case_ids: Sequence[str],
                   window_months: tuple[float, float] | None = None, title: str = "Every treatment on one time axis",
                   styles: Mapping[str, CaseStyle] | None = None) -> Figure:
    """One swimmer panel per case, stacked on a shared axis of months from BMM diagnosis.

    ``case_ids`` are the cases to draw, in order (pass ``data.cases["case_id"]`` for every case); the
    figure grows with their lanes and the legend with the categories drawn. ``styles`` are the cases'
    styles (:func:`utils.plots.case_styles` of the order of cases.csv); by default they are assigned by the
    order of ``case_ids``, which is the same thing when every case is drawn.
    ``window_months`` limits the axis (for example ``(-3, 40)`` to zoom on the marrow years);
    by default it runs from the earliest primary diagnosis to the latest end of follow-up.
    """
    case_ids = [str(c) for c in case_ids]
    if not case_ids:
        raise ValueError("swimmer_figure needs at least one case")
    styles = case_styles(case_ids) if styles is None else styles
    unstyled = [c for c in case_ids if c not in styles]
    if unstyled:
        raise ValueError(f"no style for case(s) {', '.join(unstyled)}; pass plots.case_styles(data.cases['case_id'])")
    marks = milestones(events)
    all_rows = {case_id: swimmer_rows(therapy_lines, events, case_id) for case_id in case_ids}
    hidden = 0
    if window_months is None:
        own = marks[marks["case_id"].isin(case_ids)]
        window_months = (own["day"].min() / DAYS_PER_MONTH - 2, own["day"].max() / DAYS_PER_MONTH + 3)
    else:
        shown = {case_id: in_window(rows, window_months) for case_id, rows in all_rows.items()}
        hidden = sum(len(all_rows[c]) - len(shown[c]) for c in case_ids)
        all_rows = shown
    lane_counts = [all_rows[c]["lane"].nunique() + 1 for c in case_ids]
    used: dict[str, str] = {}  # legend label -> colour, for the categories drawn (two categories may share a label)
    for category in (c for rows in all_rows.values() for c in rows["category"]):
        used.setdefault(vocabulary.label("category", category), vocabulary.category_colour(category))
    handles = [Patch(facecolor=colour, edgecolor="black", label=label) for label, colour in used.items()]
    handles += [
        Patch(facecolor="#bbbbbb", edgecolor="black", label="solid: exact dates"),
        Patch(facecolor="#dddddd", edgecolor="black", hatch="///", label="hatched: approximate timing"),
        Patch(facecolor="none", edgecolor="black", linestyle="--", label="dashed outline: no end reported"),
        Patch(facecolor="none", edgecolor="black", label="solid outline: ongoing at last contact"),
        plt.Line2D([], [], marker="D", linestyle="", color="black", markersize=9, label="single dose"),
        plt.Line2D([], [], marker="|", linestyle="", color="black", markersize=14, markeredgewidth=3, label="date only, duration not reported"),
    ]
    handles += milestone_legend_handles(10)
    legend_rows = math.ceil(len(handles) / 4)
    legend_in, title_in, row_in, gap_in = 0.3 + 0.34 * legend_rows, 0.9, 0.42, 0.9  # the legend grows with its rows
    height = legend_in + title_in + row_in * sum(n + 1.4 for n in lane_counts) + gap_in * (len(case_ids) - 1)
    width = 16.0
    fig, axes = subplots(len(case_ids), 1, figsize=(width, height), sharex=True,
                         gridspec_kw={"height_ratios": [n + 0.6 for n in lane_counts]}, squeeze=False)
    for ax, case_id in zip(axes[:, 0], case_ids):
        draw_panel(ax, all_rows[case_id], marks, case_id, window_months, style=styles[case_id])
    axes[-1, 0].set_xlabel("months from diagnosis of bone marrow metastasis (day 0)")
    fig.legend(handles=handles, loc="lower center", ncol=4, fontsize=12, bbox_to_anchor=(0.5, 0.0))
    if hidden:
        title = f"{title}\n({hidden} treatment(s) outside months {window_months[0]:g} to {window_months[1]:g} not shown)"
    fig.suptitle(title, fontsize=18, fontweight="bold")
    left_in, right_in = margins(fig, axes[:, 0])
    fig.subplots_adjust(left=left_in / width, right=1 - right_in / width, bottom=(legend_in + 0.8) / height,
                        top=1 - (title_in + (0.35 if hidden else 0)) / height, hspace=gap_in / (height / len(case_ids)))
    return fig

