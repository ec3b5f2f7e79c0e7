"""The one plotting style of the collection, and deterministic figure output.

Every notebook calls :func:`use_course_style` once, in its first code cell. It

* sets a colour-blind-safe palette (Okabe-Ito) and fonts large enough to read
  when a notebook is projected in a seminar room;
* fixes the resolution of inline figures and strips the PNG "Software"
  metadata, so the same figure always gives the same bytes. The test suite
  (nbval) compares the stored PNG of every figure, so a figure that changes
  fails the tests.
"""

from __future__ import annotations

import matplotlib as mpl
import matplotlib.pyplot as plt
import pandas as pd
from collections.abc import Sequence
from dataclasses import dataclass

from cycler import cycler
from matplotlib.axes import Axes
from matplotlib.backends.backend_agg import FigureCanvasAgg
from matplotlib.figure import Figure

from utils.palette import OKABE_ITO
from utils.vocabulary import ANALYTE_LABELS, MILESTONE_LABELS, MILESTONE_MARKERS


@dataclass(frozen=True)
class CaseStyle:
    """How one case is drawn in every figure: colour, marker and line style (so colour is never the only cue)."""

    colour: str
    marker: str
    linestyle: str


#: Case colours in the order cases are assigned them (Okabe-Ito without yellow, too pale on white).
CASE_COLOUR_ORDER: tuple[str, ...] = (OKABE_ITO[0], OKABE_ITO[5], OKABE_ITO[2], OKABE_ITO[3], OKABE_ITO[1], OKABE_ITO[4], OKABE_ITO[7])
CASE_MARKER_ORDER: tuple[str, ...] = ("o", "s", "^", "D", "v", "P", "X")
CASE_LINESTYLE_ORDER: tuple[str, ...] = ("-", "--", "-.", ":")


def case_styles(case_ids: Sequence[str]) -> dict[str, CaseStyle]:
    """One :class:`CaseStyle` per case, by position in ``case_ids`` (pass the order of ``cases.csv``, so that
    a case keeps its style in every figure). Never keyed by a known case id: a case added as CSV rows gets the
    next style. Past seven cases colours and markers repeat, with another line style.

    >>> styles = case_styles(["akagi2021", "tnbc2025", "new2026"])
    >>> styles["tnbc2025"].colour, styles["new2026"].marker
    ('#D55E00', '^')
    """
    ids = list(dict.fromkeys(str(c) for c in case_ids))
    return {
        case_id: CaseStyle(CASE_COLOUR_ORDER[i % len(CASE_COLOUR_ORDER)], CASE_MARKER_ORDER[i % len(CASE_MARKER_ORDER)],
                           CASE_LINESTYLE_ORDER[(i // len(CASE_COLOUR_ORDER)) % len(CASE_LINESTYLE_ORDER)])
        for i, case_id in enumerate(ids)
    }

#: Resolution of every inline figure, in dots per inch.
FIGURE_DPI: int = 100

#: PNG metadata written with every figure: no "Software" entry (it carries a version string).
PNG_METADATA: dict[str, None] = {"Software": None}


#: What ``seaborn.set_theme(context="talk", style="whitegrid", palette=OKABE_ITO)`` sets, frozen
#: here (seaborn 0.13.2) so that a notebook does not pay 0.7 s to import seaborn and SciPy's
#: statistics only to set a theme. seaborn stays installed for residents who want it; calling
#: its set_theme with these arguments gives the same figures. (seaborn's 'rocket' colour map is
#: left out: no course figure uses a colour map.)
SEABORN_TALK_WHITEGRID: dict = {
    "axes.axisbelow": True, "axes.edgecolor": ".8", "axes.grid": True, "axes.labelcolor": ".15",
    "axes.labelsize": 18.0, "axes.linewidth": 1.875, "axes.titlesize": 18.0,
    "axes.prop_cycle": cycler(color=[mpl.colors.to_rgb(c) for c in OKABE_ITO]),
    "font.sans-serif": ["Arial", "DejaVu Sans", "Liberation Sans", "Bitstream Vera Sans", "sans-serif"],
    "font.size": 18.0, "grid.color": ".8", "grid.linewidth": 1.5,
    "legend.fontsize": 16.5, "legend.title_fontsize": 18.0,
    "lines.linewidth": 2.25, "lines.markersize": 9.0, "lines.solid_capstyle": "round",
    "patch.edgecolor": "w", "patch.force_edgecolor": True, "patch.linewidth": 1.5,
    "text.color": ".15", "xtick.bottom": False, "xtick.color": ".15", "xtick.labelsize": 16.5,
    "xtick.major.size": 9.0, "xtick.major.width": 1.875, "xtick.minor.size": 6.0, "xtick.minor.width": 1.5,
    "ytick.color": ".15", "ytick.labelsize": 16.5, "ytick.left": False,
    "ytick.major.size": 9.0, "ytick.major.width": 1.875, "ytick.minor.size": 6.0, "ytick.minor.width": 1.5,
}


def use_course_style() -> None:
    """Apply the course style to matplotlib, and make inline PNGs deterministic."""
    mpl.rcParams.update(SEABORN_TALK_WHITEGRID)
    mpl.rcParams.update(
        {
            "figure.dpi": FIGURE_DPI,
            "savefig.dpi": FIGURE_DPI,
            "figure.figsize": (10, 5.5),
            "axes.titleweight": "bold",
            "axes.titlesize": 18,
            "axes.labelsize": 16,
            "legend.frameon": False,
            "svg.hashsalt": "bmm-teaching",
        }
    )
    _configure_inline_backend()


def _configure_inline_backend() -> None:
    """In a Jupyter kernel, make the inline backend write PNGs without version metadata."""
    try:
        from IPython import get_ipython
    except ImportError:  # plain Python: nothing to configure
        return
    if get_ipython() is None:
        return
    from matplotlib_inline.backend_inline import set_matplotlib_formats

    # bbox_inches=None: draw each figure once at its own size. IPython's default ("tight") draws it
    # twice to crop it; course figures keep everything inside their canvas instead (a test checks).
    set_matplotlib_formats("png", dpi=FIGURE_DPI, metadata=PNG_METADATA, bbox_inches=None)


def new_figure(figsize: tuple[float, float], dpi: float | None = None) -> Figure:
    """A figure on its own Agg canvas, not registered with pyplot.

    Course figures are built this way and returned: a notebook shows one as the value of its
    cell, drawn once. A pyplot figure would be drawn twice in a notebook (once by pyplot's
    redraw after the cell, then again for the inline PNG) and would stay open until the end
    of the cell; a widget that redraws can build as many of these as it likes without
    leaking figures. ``dpi`` defaults to the course's (``figure.dpi``).
    """
    fig = Figure(figsize=figsize, dpi=dpi if dpi is not None else mpl.rcParams["figure.dpi"])
    FigureCanvasAgg(fig)
    return fig


def subplots(nrows: int = 1, ncols: int = 1, *, figsize: tuple[float, float], **kwargs):
    """Like ``plt.subplots``, on :func:`new_figure`: returns ``(fig, axes)``."""
    fig = new_figure(figsize)
    return fig, fig.subplots(nrows, ncols, **kwargs)


def lay_out(fig: Figure, rect: tuple[float, float, float, float] | None = None) -> Figure:
    """Fit the axes and their labels inside the canvas once (matplotlib's tight layout), then fix them.

    The layout is computed now and not again at every draw, which saves a layout pass each time
    the figure is rendered. ``rect`` keeps part of the canvas free (a figure legend, for example).
    """
    fig.tight_layout(rect=rect)
    fig.set_layout_engine(None)  # tight_layout leaves a placeholder engine, which costs a draw per save
    return fig




def milestone_marker(ax: Axes, x: float, y: float, milestone: str, colour: str, zorder: int = 2, **kwargs):
    """Draw one milestone with its marker of :data:`MILESTONE_MARKERS` in ``colour``; return the artist."""
    style = {"facecolors": colour, **MILESTONE_MARKERS[milestone]}
    return ax.scatter(x, y, edgecolors=colour, linewidths=2, zorder=zorder, **style, **kwargs)


def milestone_legend_handles(markersize: float) -> list:
    """Legend entries for every milestone marker, in black (open for the end of follow-up when alive)."""
    return [
        plt.Line2D([], [], linestyle="", color=OKABE_ITO[7], markerfacecolor="white" if "facecolors" in style else OKABE_ITO[7],
                   marker=style["marker"], markersize=markersize, label=MILESTONE_LABELS[key])
        for key, style in MILESTONE_MARKERS.items()
    ]


#: Number words for titles ("The two cases at a glance"); past ten, digits.
_NUMBER_WORDS: tuple[str, ...] = ("no", "one", "two", "three", "four", "five", "six", "seven", "eight", "nine", "ten")


def count_cases(n: int, noun: str = "case") -> str:
    """``n`` cases in words, for a title that counts what it shows: ``count_cases(3) == 'three cases'``.

    >>> count_cases(1), count_cases(2, "history"), count_cases(12)
    ('one case', 'two histories', '12 cases')
    """
    if n < 0:
        raise ValueError(f"a number of cases cannot be negative, got {n}")
    word = _NUMBER_WORDS[n] if n < len(_NUMBER_WORDS) else str(n)
    if n == 1:
        return f"{word} {noun}"
    plural = noun[:-1] + "ies" if noun.endswith("y") and noun[-2:-1] not in "aeiou" else noun + "s"
    return f"{word} {plural}"


def ordered_cases(present: Sequence[str], case_ids: Sequence[str] | None) -> tuple[list[str], dict[str, CaseStyle]]:
    """The cases to draw (those of ``case_ids`` present in the data, in that order) and their styles.

    ``case_ids`` is the order of ``cases.csv`` (``data.cases["case_id"]``): styles are assigned by it, so a
    case keeps its style whichever cases a figure shows. Without it, the order in which cases appear.
    """
    present = list(dict.fromkeys(str(c) for c in present))
    order = present if case_ids is None else [str(c) for c in case_ids]
    missing = [c for c in present if c not in order]
    if missing:
        raise ValueError(f"case(s) {', '.join(missing)} in the data are not in case_ids ({', '.join(order)}); "
                         "pass the order of cases.csv (data.cases['case_id'])")
    styles = case_styles(order)
    return [c for c in order if c in present], styles


def milestone_chart(milestones: pd.DataFrame, ax: Axes | None = None, case_ids: Sequence[str] | None = None) -> Figure:
    """Every case on one axis of years from the diagnosis of marrow metastasis, one row per case.

    ``milestones`` is the table returned by :func:`utils.timeline.milestones`; ``case_ids`` the order of
    ``cases.csv`` (rows and case styles follow it; without it, the order of the table). Each case's line
    has its colour and line style of :func:`case_styles`; the height grows with the number of cases.
    """
    cases, styles = ordered_cases(milestones["case_id"], case_ids)
    if ax is None:
        _, ax = subplots(figsize=(11, max(3.8, 2.2 + 0.8 * len(cases))))
    for row, case_id in enumerate(cases):
        own = milestones[milestones["case_id"] == case_id]
        style = styles[case_id]
        ax.plot([own["years"].min(), own["years"].max()], [row, row], color=style.colour, linestyle=style.linestyle,
                linewidth=3, zorder=1)
        for _, point in own.iterrows():
            milestone_marker(ax, point["years"], row, point["milestone"], style.colour)
    ax.axvline(0, color=OKABE_ITO[7], linestyle="--", linewidth=1.5)
    ax.set_yticks(range(len(cases)), cases)
    ax.set_ylim(-0.7, len(cases) - 0.3)
    ax.set_xlabel("years from diagnosis of bone marrow metastasis (day 0)")
    ax.set_title(f"The {count_cases(len(cases))} at a glance")
    ax.legend(handles=milestone_legend_handles(11), loc="upper left", bbox_to_anchor=(1.01, 1.0), fontsize=13)
    lay_out(ax.figure)
    return ax.figure


#: Background of the CTCAE grade bands, lightest (grade 0) to darkest (grade 4).
GRADE_SHADES: tuple[str, ...] = ("#ffffff", "#eeeeee", "#d4d4d4", "#b3b3b3", "#8c8c8c")


def grade_ladder(values: pd.DataFrame, lln: dict[str, float], title: str, case_ids: Sequence[str] | None = None) -> Figure:
    """Blood counts placed on the CTCAE v5.0 grade bands, one panel per analyte, one column per case.

    ``values`` has ``case_id, day, analyte, value_std`` (standard units); ``lln`` gives the
    lower limit of normal per analyte. Points of one case on several days are joined by an
    arrow in day order, so a fall is visible. A panel with no value says so ("no value printed").
    ``case_ids`` is the order of ``cases.csv``: columns and case styles (colour and marker) follow it;
    the cases shown are those with a value. The figure widens until every case name fits under its column.
    """
    from utils.grading import CTCAE_V5

    analytes = [a for a in CTCAE_V5 if a in lln]
    cases, styles = ordered_cases(values["case_id"], case_ids)
    fig, axes = subplots(1, len(analytes), figsize=(4.5 * len(analytes), 5.5), squeeze=False)
    axes = axes[0]
    for ax, analyte in zip(axes, analytes):
        _, bounds = CTCAE_V5[analyte]
        edges = [lln[analyte], *bounds, 0.0]
        top = max(lln[analyte] * 1.25, values.loc[values["analyte"] == analyte, "value_std"].max() * 1.1)
        ax.axhspan(lln[analyte], top, color=GRADE_SHADES[0], zorder=0)
        for grade, (upper, lower) in enumerate(zip(edges[:-1], edges[1:]), start=1):
            ax.axhspan(lower, upper, color=GRADE_SHADES[grade], zorder=0)
            ax.text(1.02, (lower + upper) / 2, f"grade {grade}", transform=ax.get_yaxis_transform(), va="center", fontsize=12)
        ax.text(1.02, (lln[analyte] + top) / 2, "grade 0", transform=ax.get_yaxis_transform(), va="center", fontsize=12)
        own = values[values["analyte"] == analyte].sort_values("day")
        for position, case_id in enumerate(cases):
            points = own[own["case_id"] == case_id]
            colour = styles[case_id].colour
            ax.scatter([position] * len(points), points["value_std"], s=150, color=colour, marker=styles[case_id].marker,
                       edgecolors="black", zorder=3)
            for (_, a), (_, b) in zip(points.iloc[:-1].iterrows(), points.iloc[1:].iterrows()):
                ax.annotate("", xy=(position, b["value_std"]), xytext=(position, a["value_std"]),
                            arrowprops={"arrowstyle": "->", "color": colour, "lw": 2.5}, zorder=2)
        if own.empty:
            ax.text(0.5, 0.5, "no value printed", transform=ax.transAxes, ha="center", va="center", fontsize=14,
                    bbox={"facecolor": "white", "edgecolor": OKABE_ITO[7]})
        ax.set_xticks(range(len(cases)), cases)
        for label, case_id in zip(ax.get_xticklabels(), cases):
            label.set_color(styles[case_id].colour)
        ax.tick_params(axis="x", labelsize=13)
        ax.set_xlim(-0.6, len(cases) - 0.4)
        ax.set_ylim(0, top)
        ax.set_ylabel(ANALYTE_LABELS[analyte])
        ax.grid(False)
    fig.suptitle(title, fontsize=18, fontweight="bold")
    lay_out(fig)
    _widen_for_tick_labels(fig, axes, len(cases))
    return fig


def _widen_for_tick_labels(fig: Figure, axes, columns: int, gap_in: float = 0.25) -> None:
    """Widen ``fig`` (and lay it out again) until each of ``columns`` x-tick labels fits its column with a gap."""
    renderer = fig.canvas.get_renderer()
    widest = max((t.get_window_extent(renderer).width for ax in axes for t in ax.get_xticklabels() if t.get_text()), default=0)
    needed = columns * (widest / fig.dpi + gap_in)  # inches of axis each panel needs
    have = min(ax.get_window_extent(renderer).width for ax in axes) / fig.dpi
    if needed > have:
        fig.set_size_inches(fig.get_figwidth() + (needed - have) * len(axes), fig.get_figheight())
        lay_out(fig)


#: Fill and text colour of each cell category in the marker-panel figure (Okabe-Ito).
PANEL_STYLE: dict[str, tuple[str, str, str]] = {
    # category: (fill, text colour, legend label)
    "positive": (OKABE_ITO[0], "white", "positive (+)"),
    "negative": (OKABE_ITO[1], "black", "negative (\u2212)"),
    "value": ("#D9D9D9", "black", "printed value (percentage, CPS)"),
    "not reported": ("white", OKABE_ITO[7], "not reported"),
}


def marker_panel(calls: pd.DataFrame, texts: pd.DataFrame | None = None, ax: Axes | None = None) -> Figure:
    """Specimen x marker grid: one coloured, labelled cell per result (see ``utils.ihc_views.panel_matrix``).

    ``calls`` holds one of the keys of :data:`PANEL_STYLE` per cell; ``texts`` the short text
    written in the cell (defaults to none). Colour and text both carry the result, so the
    figure reads in greyscale and for colour-blind viewers.
    """
    unknown = sorted(set(calls.to_numpy().ravel()) - set(PANEL_STYLE))
    if unknown:
        raise ValueError(f"unknown cell categories {unknown}; expected any of: {', '.join(PANEL_STYLE)}")
    if texts is not None and (list(texts.index) != list(calls.index) or list(texts.columns) != list(calls.columns)):
        raise ValueError("texts must have the same rows and columns as calls")
    n_rows, n_cols = calls.shape
    if ax is None:
        _, ax = subplots(figsize=(max(8.0, 1.15 * n_cols + 4.5), 0.75 * n_rows + 2.6))
    for i, row in enumerate(calls.index):
        for j, column in enumerate(calls.columns):
            fill, ink, _ = PANEL_STYLE[calls.loc[row, column]]
            ax.add_patch(mpl.patches.Rectangle((j, i), 1, 1, facecolor=fill, edgecolor="#808080", linewidth=1))
            if texts is not None and texts.loc[row, column]:
                text = texts.loc[row, column]
                ax.text(j + 0.5, i + 0.5, text, ha="center", va="center", color=ink,
                        fontsize=20 if len(text) == 1 else 13, fontweight="bold")
    ax.set_xlim(0, n_cols)
    ax.set_ylim(n_rows, 0)
    ax.set_xticks([j + 0.5 for j in range(n_cols)], list(calls.columns), rotation=30, ha="right")
    ax.set_yticks([i + 0.5 for i in range(n_rows)], list(calls.index))
    ax.tick_params(length=0)
    ax.grid(False)
    ax.set_xlabel("marker")
    ax.set_ylabel(calls.index.name or "specimen")
    ax.set_title("Every marker on every specimen, as reported")
    handles = [mpl.patches.Patch(facecolor=fill, edgecolor="#808080", label=label) for fill, _, label in PANEL_STYLE.values()]
    ax.legend(handles=handles, loc="upper center", bbox_to_anchor=(0.5, -0.24), ncol=len(handles), fontsize=12,
              handlelength=1.2, columnspacing=1.2)
    lay_out(ax.figure)
    return ax.figure
