"""Figures of notebooks 05a and 05b: published survival as a forest plot, Kaplan-Meier curves, constant-hazard models.

Each function takes the tables of :mod:`utils.survival` and returns a figure of fixed size
(no random jitter), drawn in the course style of :mod:`utils.plots`. A case that died is a
filled cross; a case alive at last contact is an open triangle with an arrow to the right
(censored: her survival is at least that long).

Any number of cases: every figure that shows the course's own cases draws each one in its style
of :func:`utils.plots.case_styles`, assigned by the order of ``cases.csv``. Pass that order as
``case_ids`` (``data.cases["case_id"]``) when the table of cases drawn is a subset; by default the
order of the table given is used (:func:`utils.survival.time_to_event` keeps the order of cases.csv).
"""

from __future__ import annotations

from collections.abc import Sequence

import numpy as np
import pandas as pd
from lifelines import KaplanMeierFitter
from matplotlib.axes import Axes
from matplotlib.figure import Figure
from matplotlib.lines import Line2D

from utils.plots import OKABE_ITO, CaseStyle, lay_out, ordered_cases, subplots
from utils.survival import ORIGINS, exponential_survival

INK = OKABE_ITO[7]
GREY = "#7f7f7f"
#: Time origin of a published series, short enough for the margin of the forest plot.
SHORT_ORIGIN: dict[str, str] = {"bmm_diagnosis": "from BMM diagnosis", "treatment_start": "from start of treatment",
                                "not_stated": "origin not stated", "other": "other origin"}
#: Origin colours in the time-origin chart (Okabe-Ito, not the case colours).
#: (In the order of :data:`utils.survival.ORIGINS`: marrow-metastasis diagnosis, first distant metastasis, primary.)
ORIGIN_COLOURS: dict[str, str] = dict(zip(ORIGINS, (OKABE_ITO[2], OKABE_ITO[1], OKABE_ITO[3])))
#: Hatch of each origin's bars in the time-origin chart, so that the clocks differ by more than colour.
ORIGIN_HATCHES: dict[str, str] = dict(zip(ORIGINS, ("", "//", "..")))


def _styles(own_cases: pd.DataFrame, case_ids: Sequence[str] | None) -> dict[str, CaseStyle]:
    """The style of every case drawn, by the order of ``case_ids`` (cases.csv) or, if None, of ``own_cases``."""
    return ordered_cases(own_cases["case_id"], case_ids)[1]


def _case_colour(case_id: str, styles: dict[str, CaseStyle]) -> str:
    return styles[str(case_id)].colour if str(case_id) in styles else INK


def _mark_case(ax: Axes, x: float, y: float, colour: str, event: int, arrow: float) -> None:
    """A died case as a filled cross; a censored case as an open triangle with an arrow to the right."""
    if event:
        ax.scatter(x, y, marker="X", s=260, color=colour, edgecolors="black", linewidths=1, zorder=4)
    else:
        ax.annotate("", xy=(x + arrow, y), xytext=(x, y), arrowprops={"arrowstyle": "-|>", "color": colour, "lw": 2.5}, zorder=3)
        ax.scatter(x, y, marker=">", s=240, facecolors="white", edgecolors=colour, linewidths=2.5, zorder=4)


def _case_legend_handles() -> list[Line2D]:
    """The two outcome symbols, in grey: the case colours are named by the case labels, not the legend."""
    return [
        Line2D([], [], linestyle="", marker="X", markersize=13, color=GREY, markeredgecolor="black", label="case: died"),
        Line2D([], [], linestyle="", marker=">", markersize=13, markerfacecolor="white", markeredgecolor=GREY,
               markeredgewidth=2, label="case: alive at last contact\n(censored; arrow = at least)"),
    ]


def forest_plot(forest: pd.DataFrame, own_cases: pd.DataFrame, title: str, case_ids: Sequence[str] | None = None) -> Figure:
    """Median overall survival of each published series with its interval, and every case below.

    ``forest`` is :func:`utils.survival.forest_table`, ``own_cases`` :func:`utils.survival.time_to_event`.
    A 95% CI is a solid line; where a series gives only its range (shortest to longest
    survival) the line is dashed and grey; no line means the source gives neither. A filled
    square counts from the diagnosis of marrow metastasis, an open square from another or an
    unstated origin. The cases are rows of their own (one per row of ``own_cases``), in their colours
    of :func:`utils.plots.case_styles` by the order of ``case_ids``, with dotted lines up through the series.
    """
    styles = _styles(own_cases, case_ids)
    n_rows = len(forest) + len(own_cases)
    fig, ax = subplots(figsize=(15, 0.6 * n_rows + 3.4))
    far = float(np.nanmax([forest["high"].max(), forest["median"].max(), own_cases["months"].max()]))
    arrow = far * 0.06
    for y, row in enumerate(forest.itertuples()):
        if row.interval == "95% CI":
            ax.plot([row.low, row.high], [y, y], color=INK, linewidth=3, solid_capstyle="butt", zorder=2)
            ax.plot([row.low, row.high], [y, y], linestyle="", marker="|", markersize=14, color=INK, zorder=2)
        elif row.interval == "range":
            ax.plot([row.low, row.high], [y, y], color=GREY, linewidth=2.5, linestyle=(0, (4, 3)), zorder=1)
            ax.plot([row.low, row.high], [y, y], linestyle="", marker="o", markersize=7, markerfacecolor="white", markeredgecolor=GREY, zorder=2)
        filled = row.origin_class == "bmm_diagnosis"
        ax.scatter(row.median, y, marker="s", s=150, facecolors=INK if filled else "white", edgecolors=INK, linewidths=2, zorder=3)
        size = f"n = {row.n}" if pd.notna(row.n) else "n not checked"
        ax.text(1.01, y, f"{size} · {SHORT_ORIGIN[row.origin_class]}", transform=ax.get_yaxis_transform(), va="center", fontsize=12)
    first_case = len(forest) + 0.4
    ax.axhline(len(forest) - 0.3, color=GREY, linewidth=1)
    for i, case in enumerate(own_cases.itertuples()):
        y = first_case + i
        colour = _case_colour(case.case_id, styles)
        ax.plot([case.months, case.months], [-0.5, y], color=colour, linestyle=":", linewidth=2, zorder=1)
        _mark_case(ax, case.months, y, colour, case.event, arrow)
        status = "died" if case.event else "alive at last contact"
        ax.text(1.01, y, f"{case.months:g} months · {status}", transform=ax.get_yaxis_transform(), va="center", fontsize=12, color=colour)
    labels = list(forest["label"]) + [f"case {c}" for c in own_cases["case_id"]]
    ax.set_yticks(list(range(len(forest))) + [first_case + i for i in range(len(own_cases))], labels)
    ax.set_ylim(first_case + len(own_cases) - 0.4, -0.7)
    ax.set_xlim(0, far * 1.1)
    ax.set_xlabel("months from each series' own time origin (cases: from marrow-metastasis diagnosis)")
    ax.set_title(title)
    handles = [
        Line2D([], [], linestyle="", marker="s", markersize=11, color=INK, label="median, from marrow-metastasis diagnosis"),
        Line2D([], [], linestyle="", marker="s", markersize=11, markerfacecolor="white", markeredgecolor=INK, markeredgewidth=2,
               label="median, other or unstated origin"),
        Line2D([], [], color=INK, linewidth=3, label="95% CI of the median"),
        Line2D([], [], color=GREY, linewidth=2.5, linestyle=(0, (4, 3)), label="range (no CI given)"),
        *_case_legend_handles(),
    ]
    fig.legend(handles=handles, loc="lower center", ncol=3, fontsize=12)
    ax.grid(axis="y", visible=False)
    lay_out(fig, rect=(0, 0.1, 1, 1))
    return fig


#: Line styles of Kaplan-Meier curves, in turn (the 50% line is grey and dashed finer).
KM_LINESTYLES: tuple[object, ...] = ("-", (0, (6, 2)), (0, (6, 2, 1.5, 2)), (0, (1.5, 1.5)))


def km_plot(fitters: Sequence[KaplanMeierFitter], title: str, xlabel: str, colours: Sequence[str] | None = None,
            show_ci: Sequence[bool] | None = None, linestyles: Sequence[str] | None = None,
            xmax: float | None = None) -> Figure:
    """Kaplan-Meier curves (lifelines) with their 95% confidence bands and censoring ticks.

    A dashed line marks 50%: where a curve crosses it is the median; where a band crosses it
    are the median's confidence limits. Curves take the line styles of :data:`KM_LINESTYLES` in turn unless
    ``linestyles`` are given, so two curves never differ by colour alone.
    """
    colours = list(colours or OKABE_ITO[: len(fitters)])
    show_ci = list(show_ci if show_ci is not None else [True] * len(fitters))
    linestyles = list(linestyles or [KM_LINESTYLES[i % len(KM_LINESTYLES)] for i in range(len(fitters))])
    fig, ax = subplots(figsize=(11, 6))
    for fitter, colour, ci, style in zip(fitters, colours, show_ci, linestyles):
        fitter.plot_survival_function(ax=ax, ci_show=ci, show_censors=True, color=colour, linestyle=style, linewidth=2.5,
                                      censor_styles={"marker": "|", "ms": 16, "mew": 2.5})
    ax.axhline(0.5, color=GREY, linestyle="--", linewidth=1.5)
    ax.text(0.0, 0.52, " 50% (median)", color=GREY, fontsize=12, transform=ax.get_yaxis_transform())
    ax.set_ylim(0, 1.03)
    ax.set_xlim(0, xmax)
    ax.set_xlabel(xlabel)
    ax.set_ylabel("proportion event-free")
    ax.set_title(title)
    ax.legend(loc="lower left", fontsize=13)
    lay_out(fig)
    return fig


#: Colours of the model curves: Paul Tol's muted scheme (colour-blind safe), apart from the Okabe-Ito colours the
#: cases are drawn in (:func:`utils.plots.case_styles`), so a curve is never mistaken for a case.
MODEL_CURVE_COLOURS: tuple[str, ...] = ("#332288", "#999933", "#882255", "#CC6677", "#888888")
#: Line style of each model curve, so that two curves never differ by colour alone.
MODEL_CURVE_STYLES: tuple[object, ...] = ("-", (0, (6, 2)), (0, (6, 2, 1.5, 2)), (0, (1.5, 1.5)), (0, (10, 3)))
#: Marker of each model curve where a case meets it (and in its legend entry): points that sit close together
#: on two curves are told apart by shape, not only by colour. (Not the case outcome markers X and >.)
MODEL_CURVE_MARKERS: tuple[str, ...] = ("o", "s", "^", "D", "v")
#: Share of the x axis a case label at the top of the model figure is taken to need (labels closer than this
#: are put on separate rows, so that they never overlap).
LABEL_SHARE: float = 0.13


def label_rows(positions: Sequence[float], width: float) -> list[int]:
    """Row (0, 1, ...) of each label centred at ``positions`` so that labels ``width`` wide never overlap.

    Labels are placed left to right; each takes the lowest row whose last label ends before it starts.

    >>> label_rows([8.2, 38.0, 13.1], 10.0)
    [0, 0, 1]
    """
    if width <= 0:
        raise ValueError(f"width must be positive, got {width}")
    rows: list[int] = [0] * len(positions)
    ends: list[float] = []  # right edge of the last label on each row
    for i in sorted(range(len(positions)), key=lambda k: positions[k]):
        left = float(positions[i]) - width / 2
        row = next((r for r, end in enumerate(ends) if end <= left), len(ends))
        if row == len(ends):
            ends.append(0.0)
        ends[row] = left + width
        rows[i] = row
    return rows


def exponential_plot(medians: dict[str, float], own_cases: pd.DataFrame, title: str, horizon: float | None = None,
                     case_ids: Sequence[str] | None = None) -> Figure:
    """MODEL: constant-hazard survival curves built from published medians, with the cases placed on them.

    Each curve is ``S(t) = 2 ** (-t / median)``. Each case is a vertical line at her follow-up
    (solid: died; dashed, with an arrow: alive at last contact), and a point where it meets
    each curve, in that curve's marker (:data:`MODEL_CURVE_MARKERS`): the modelled probability of
    surviving at least that long. Every case of ``own_cases``
    is drawn in its colour (:func:`utils.plots.case_styles` by the order of ``case_ids``) and named
    above its line; names that would overlap go on rows of their own (:func:`label_rows`).
    """
    styles = _styles(own_cases, case_ids)
    horizon = horizon or 1.25 * float(max(max(medians.values()) * 3, own_cases["months"].max()))
    times = np.linspace(0, horizon, 400)
    longest = max((len(str(c)) for c in own_cases["case_id"]), default=9)
    rows = label_rows(list(own_cases["months"].astype(float)), LABEL_SHARE * horizon * max(longest, 6) / 9)
    n_rows = max(rows, default=0) + 1
    step = 0.075
    top = 1.24 + step * (n_rows - 1)
    fig, ax = subplots(figsize=(11, 7.5 + 0.45 * (n_rows - 1)))
    if len(medians) > len(MODEL_CURVE_COLOURS):
        raise ValueError(f"at most {len(MODEL_CURVE_COLOURS)} medians can be drawn apart, got {len(medians)}")
    curves = []  # legend entries: each curve's line style with its marker
    for (label, median), colour, style, marker in zip(medians.items(), MODEL_CURVE_COLOURS, MODEL_CURVE_STYLES, MODEL_CURVE_MARKERS):
        ax.plot(times, exponential_survival(times, median), color=colour, linestyle=style, linewidth=2.5,
                label=f"{label} (median {median:g} mo)")
        curves.append(Line2D([], [], color=colour, linestyle=style, linewidth=2.5, marker=marker, markersize=9,
                             markeredgecolor="black", label=f"{label} (median {median:g} mo)"))
        ax.scatter(own_cases["months"], exponential_survival(own_cases["months"].astype(float).to_numpy(), median), s=80,
                   marker=marker, color=colour, edgecolors="black", zorder=3)
    for case, row in zip(own_cases.itertuples(), rows):
        colour = _case_colour(case.case_id, styles)
        ax.axvline(case.months, color=colour, linewidth=2.5, linestyle="-" if case.event else "--")
        _mark_case(ax, case.months, 1.08, colour, case.event, horizon * 0.05)
        ax.text(case.months, 1.15 + step * row, case.case_id, color=colour, ha="center", fontsize=13, fontweight="bold",
                bbox={"facecolor": "white", "edgecolor": "none", "pad": 1}, zorder=5)
    ax.set_xlim(0, horizon)
    ax.set_ylim(0, top)
    ax.set_yticks([0, 0.25, 0.5, 0.75, 1.0])
    ax.set_xlabel("months from the time origin")
    ax.set_ylabel("MODEL: probability of surviving at least t")
    ax.set_title(title)
    ax.legend(handles=curves, loc="upper center", bbox_to_anchor=(0.5, -0.16), ncol=2, fontsize=12,
              title="constant-hazard model of", title_fontsize=12)
    lay_out(fig)
    return fig


def origin_chart(times: pd.DataFrame, title: str, case_ids: Sequence[str] | None = None) -> Figure:
    """The same follow-up of each case counted from each time origin (:func:`utils.survival.times_from_origins`).

    Bars of a case alive at last contact end in an arrow: the time is at least that long. A
    time whose milestones are not both exact (``<origin>_precision`` is ``approximate``) is
    labelled with "≈". One group of bars per case (the figure grows with their number), named in ink: here
    colour and hatch (:data:`ORIGIN_HATCHES`) tell the clocks apart, not the cases. ``case_ids`` (the order of
    cases.csv) is checked to hold every case shown. The legend sits below the axis, where no bar can reach it.
    """
    _styles(times, case_ids)  # a case missing from case_ids is an error here as in the other figures
    cases = list(times["case_id"])
    origins = list(ORIGINS)
    fig, ax = subplots(figsize=(12, 2.2 * len(cases) + 2.6))
    height = 0.8 / len(origins)
    far = float(times[origins].to_numpy().max())
    for row, case in enumerate(times.itertuples()):
        for k, origin in enumerate(origins):
            y = row + (k - (len(origins) - 1) / 2) * height
            months = getattr(case, origin)
            ax.barh(y, months, height=height * 0.9, color=ORIGIN_COLOURS[origin], edgecolor="black", linewidth=0.8,
                    hatch=ORIGIN_HATCHES[origin], label=f"from {ORIGINS[origin]}" if row == 0 else None)
            if not case.event:
                ax.annotate("", xy=(months + far * 0.05, y), xytext=(months, y),
                            arrowprops={"arrowstyle": "-|>", "color": ORIGIN_COLOURS[origin], "lw": 2.5})
            approximate = getattr(case, f"{origin}_precision", "exact") == "approximate"
            ax.text(months + far * (0.065 if not case.event else 0.01), y, f"{'≈' if approximate else ''}{months:g} mo",
                    va="center", fontsize=12)
    ax.set_yticks(range(len(cases)), [f"{c}\n({'died' if e else 'alive, censored'})" for c, e in zip(cases, times["event"])])
    ax.set_ylim(len(cases) - 0.5, -0.5)
    ax.set_xlim(0, far * 1.2)
    ax.set_xlabel("months to death or last contact (≈ approximate: a milestone day is approximate)")
    ax.set_title(title)
    ax.legend(loc="upper center", bbox_to_anchor=(0.5, -0.16), ncol=2, fontsize=12)
    ax.grid(axis="y", visible=False)
    lay_out(fig)
    return fig
