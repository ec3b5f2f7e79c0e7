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

import re

import matplotlib as mpl
import matplotlib.pyplot as plt
import pandas as pd
from collections.abc import Sequence
from dataclasses import dataclass, replace

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
    # The text form of a figure carries its short alt text (the site and the slides read it from there).
    get_ipython().display_formatter.formatters["text/plain"].for_type(Figure, _pretty_figure)


#: Longest short alt text, in characters (a few words: the caption below the figure says the rest).
ALT_TEXT_CHARS: int = 100


def _plain_title(text: str) -> str:
    """A title as words: mathtext marks dropped (m$^2$ -> m2), lines joined by semicolons, and angle brackets
    written as angle quotation marks (the text form of a figure ends at its ``>``)."""
    text = "; ".join(line.strip() for line in text.splitlines() if line.strip())
    text = re.sub(r"\$([^$]*)\$", lambda math: re.sub(r"\\[a-zA-Z]+|[\\^_{}]", "", math.group(1)), text)
    return " ".join(text.replace("<", "\u2039").replace(">", "\u203a").split())


def figure_alt_text(fig: Figure) -> str:
    """Short alt text of a figure, from its own titles: the suptitle, else the axes titles joined, else
    "figure with N panels". Cut at a word to at most :data:`ALT_TEXT_CHARS` characters.

    >>> fig = new_figure((4, 3)); _ = fig.subplots(1, 2)
    >>> figure_alt_text(fig)
    'figure with 2 panels'
    >>> _ = fig.axes[0].set_title("Counts"), fig.axes[1].set_title("Dose in mg/m$^2$")
    >>> figure_alt_text(fig)
    'Counts; Dose in mg/m2'
    >>> _ = fig.suptitle("Counts on the CTCAE bands (LLN: hoffbrand_eh)\\nMODEL: assumed"); figure_alt_text(fig)
    'Counts on the CTCAE bands (LLN: hoffbrand_eh); MODEL: assumed'
    """
    suptitle = fig.get_suptitle()
    titles = [suptitle] if suptitle.strip() else list(dict.fromkeys(
        t for ax in fig.axes for t in (ax.get_title(loc=loc) for loc in ("left", "center", "right")) if t.strip()))
    if not titles:
        n = len(fig.axes)
        return f"figure with {n} panel{'' if n == 1 else 's'}"
    text = _plain_title("; ".join(titles))
    if len(text) > ALT_TEXT_CHARS:
        text = text[: ALT_TEXT_CHARS - 1].rsplit(" ", 1)[0].rstrip(" ;,:") + "\u2026"
    return text


def figure_text(fig: Figure) -> str:
    """The text form of an inline figure: matplotlib's own, with the short alt text before the closing bracket.

    >>> fig = new_figure((8.64, 4.32), dpi=100); _ = fig.subplots(1, 2), fig.suptitle("Two clocks")
    >>> figure_text(fig)
    '<Figure size 864x432 with 2 Axes: Two clocks>'
    """
    return f"{repr(fig)[:-1]}: {figure_alt_text(fig)}>"


def _pretty_figure(fig: Figure, printer, cycle: bool) -> None:
    printer.text(figure_text(fig))


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


# Colour is never the only cue -------------------------------------------------------------------------------
@dataclass(frozen=True)
class _Series:
    """One series of a figure as the colour-cue check sees it (see :func:`colour_only_pairs`)."""

    kind: str  # "line" (a drawn line), "marker" (marks without a line) or "patch" (bars, cells, legend boxes)
    colour: tuple[float, float, float]
    cues: tuple  # everything but colour that tells it apart: dash pattern, marker shape, hollow or filled, hatch
    name: str
    labelled: bool  # it carries a direct label where it is drawn
    artist: object = None


def _rgb(colour) -> tuple[float, float, float] | None:
    """An RGB triple (alpha dropped), or None for no colour ('none', fully transparent, or an empty array)."""
    try:
        rgba = mpl.colors.to_rgba(colour)
    except (ValueError, TypeError):
        if len(colour) == 0:
            return None
        rgba = mpl.colors.to_rgba(colour[0])
    return None if rgba[3] == 0 else tuple(round(c, 3) for c in rgba[:3])


def _hollow(face) -> bool:
    """A mark or patch drawn as an outline: no fill, or a white fill."""
    rgb = _rgb(face)
    return rgb is None or rgb == (1.0, 1.0, 1.0)


def _marker_shape(marker) -> tuple:
    """The outline of a marker as rounded vertices, so a legend proxy and a scatter of one marker compare equal."""
    style = mpl.markers.MarkerStyle(marker)
    path = style.get_path().transformed(style.get_transform())
    return tuple(map(tuple, path.vertices.round(2)))


def _dashes(artist) -> tuple:
    offset, pattern = getattr(artist, "_unscaled_dash_pattern", (0, None))
    return ("solid",) if not pattern else tuple(round(float(x), 1) for x in pattern)


def _line_series(line, name: str) -> _Series | None:
    draws_line = line.get_linestyle() not in ("None", "", " ", "none") and line.get_linewidth() > 0
    marker = line.get_marker()
    has_marker = marker not in (None, "None", "none", "", " ")
    if not (draws_line or has_marker):
        return None
    hollow = has_marker and (line.get_fillstyle() == "none" or _hollow(line.get_markerfacecolor()))
    if draws_line:
        colour, kind = _rgb(line.get_color()), "line"
    else:
        colour, kind = _rgb(line.get_markeredgecolor() if hollow else line.get_markerfacecolor()), "marker"
    cues = (_dashes(line) if draws_line else None, _marker_shape(marker) if has_marker else None, hollow)
    return None if colour is None else _Series(kind, colour, cues, name, False, line)


def _collection_series(collection, name: str) -> _Series | None:
    paths = collection.get_paths()
    if not paths or len(collection.get_offsets()) == 0:
        return None
    hollow = _hollow(collection.get_facecolor())
    colour = _rgb(collection.get_edgecolor() if hollow else collection.get_facecolor())
    shape = tuple(map(tuple, paths[0].vertices.round(2)))
    return None if colour is None else _Series("marker", colour, (shape, hollow), name, False, collection)


def _patch_series(patch, name: str) -> _Series | None:
    hollow = not patch.get_fill() or _hollow(patch.get_facecolor())
    colour = _rgb(patch.get_edgecolor() if hollow else patch.get_facecolor())
    cues = (patch.get_hatch() or "", hollow, _dashes(patch) if hollow else None)
    return None if colour is None else _Series("patch", colour, cues, name, False, patch)


def _handle_series(handle, name: str) -> _Series | None:
    if isinstance(handle, mpl.lines.Line2D):
        return _line_series(handle, name)
    if isinstance(handle, mpl.collections.PathCollection):
        return _collection_series(handle, name)
    if isinstance(handle, mpl.patches.Patch):
        return _patch_series(handle, name)
    return None


def _named(artist) -> bool:
    label = artist.get_label()
    return bool(label) and not str(label).startswith("_")


def _directly_labelled(series: _Series, ax: Axes, renderer) -> bool:
    """Whether a series says what it is where it is drawn (see :func:`colour_only_pairs`)."""
    texts = [t for t in [*ax.texts, *ax.get_xticklabels(), *ax.get_yticklabels()] if t.get_visible() and t.get_text().strip()]
    if any(_rgb(t.get_color()) == series.colour for t in texts):  # a name or reading written in its own colour
        return True
    if isinstance(series.artist, mpl.patches.Patch):  # a text written inside the bar or cell
        box = series.artist.get_window_extent(renderer)
        for t in ax.texts:
            if t.get_visible() and t.get_text().strip():
                x, y = t.get_transform().transform(t.get_position())
                if box.x0 <= x <= box.x1 and box.y0 <= y <= box.y1:
                    return True
    return _on_a_named_row(series.artist, ax)


def _names(label) -> bool:
    return label.get_visible() and any(ch.isalpha() for ch in label.get_text())


def _on_a_named_row(artist, ax: Axes) -> bool:
    """Whether the series lies on one row (or column) of the axes that a tick label names (a lane, a case): a
    label with a letter in it, not a number of the scale."""
    if isinstance(artist, mpl.lines.Line2D):
        xs, ys = (list(map(float, v)) for v in artist.get_data())
    elif isinstance(artist, mpl.collections.Collection):
        offsets = artist.get_offsets()
        xs, ys = [float(x) for x in offsets[:, 0]], [float(y) for y in offsets[:, 1]]
    elif isinstance(artist, mpl.patches.Rectangle):
        x0, y0, w, h = artist.get_x(), artist.get_y(), artist.get_width(), artist.get_height()
        named_y = [t for t, label in zip(ax.get_yticks(), ax.get_yticklabels()) if _names(label)]
        named_x = [t for t, label in zip(ax.get_xticks(), ax.get_xticklabels()) if _names(label)]
        return (any(min(y0, y0 + h) < t < max(y0, y0 + h) for t in named_y) or
                any(min(x0, x0 + w) < t < max(x0, x0 + w) for t in named_x))
    else:
        return False
    if not ys:
        return False
    for values, ticks, labels in ((ys, ax.get_yticks(), ax.get_yticklabels()), (xs, ax.get_xticks(), ax.get_xticklabels())):
        if max(values) - min(values) < 1e-9 and any(abs(t - values[0]) < 1e-6 and _names(label)
                                                     for t, label in zip(ticks, labels)):
            return True
    return False


def _axes_name(fig: Figure, ax: Axes) -> str:
    title = ax.get_title() or ax.get_title(loc="left") or ax.get_title(loc="right")
    return f"axes {fig.axes.index(ax) + 1}" + (f" ({title.splitlines()[0][:50]!r})" if title else "")


def _data_series(fig: Figure, renderer) -> list[tuple[Axes, _Series]]:
    """Every series drawn in the data of every axes, with whether it is directly labelled."""
    found = []
    for ax in fig.axes:
        data = ax.transData
        lines = [line for line in ax.lines if line.get_visible() and len(line.get_xdata())
                 and (line.get_transform() is data or _named(line))]  # axhline, axvline: references across the axes
        marks = [c for c in ax.collections if isinstance(c, mpl.collections.PathCollection) and c.get_visible()]
        patches = [p for p in ax.patches  # bars and cells; bands across the whole axes (axhspan) are backgrounds
                   if p.get_visible() and p.get_data_transform() is data]
        bar_label = {id(p): c.get_label() for c in ax.containers for p in getattr(c, "patches", [])}
        for artists, make in ((lines, _line_series), (marks, _collection_series), (patches, _patch_series)):
            for number, artist in enumerate(artists, start=1):
                label = str(bar_label.get(id(artist), artist.get_label()))
                name = repr(label) if label and not label.startswith("_") else f"unnamed {type(artist).__name__} {number}"
                series = make(artist, name)
                if series is not None:
                    found.append((ax, replace(series, labelled=_directly_labelled(series, ax, renderer))))
    return found


def _describe_cues(series: _Series) -> str:
    if series.kind == "patch":
        hatch, hollow, _ = series.cues
        return f"{'outlined' if hollow else 'filled'} {series.kind}" + (f", hatch {hatch!r}" if hatch else ", no hatch")
    if series.kind == "line":
        dashes, marker, _ = series.cues
        return f"{'solid' if dashes == ('solid',) else 'dashes ' + str(dashes)} line" + (", same marker" if marker else ", no marker")
    return "same marker"


def _part_of_another(series: _Series, own: list[_Series]) -> bool:
    """Whether an unnamed series is drawn as part of another of its colour in the same axes: marks on a line with a
    legend label (censor ticks, points on a curve), or a bare line joining marks (a line drawn through its points)."""
    if _named(series.artist):
        return False
    same_colour = [s for s in own if s is not series and s.colour == series.colour]
    if series.kind == "marker":
        return any(s.kind == "line" and _named(s.artist) for s in same_colour)
    if series.kind == "line" and series.cues[1] is None:
        return any(s.kind == "marker" for s in same_colour)
    return False


def colour_only_pairs(fig: Figure) -> list[str]:
    """Pairs of series of ``fig`` that differ by colour alone, each described in words (empty: none).

    What is compared:

    * a **series** is a visible line, a set of marks (a scatter, or a line drawn with markers only) or a patch (a
      bar or a cell drawn in the data), and each entry of a legend (its handle). Reference lines and bands drawn
      across the whole axes (``axhline``, ``axvspan``) count only when they carry a legend label;
    * a series **carries meaning** when it is set apart from another of its kind by its colour: the data series
      of one axes are compared with each other, and the entries of one legend with each other. An entry of a
      legend always carries meaning (a key exists to tell things apart), and so does a series with a legend
      label (a label not starting with ``_``);
    * two series **differ by colour alone** when their colours differ and everything else that could tell them
      apart is the same: for lines, the dash pattern and the marker; for marks, the marker shape and whether it
      is hollow; for patches, the hatch and whether it is filled. Alpha is not a cue;
    * a series has a **direct label** when it names itself where it is drawn: a text or tick label of its axes in
      its own colour (a case's name written in the case's colour), a text inside a bar or cell, or a tick label
      on the one row or column it lies on (a lane, a case row). A legend entry has one when every data series
      drawn in its colour has one (or none is: the entry explains a style, not a colour).

    A pair is reported when the two differ by colour alone and neither has a direct label: a reader who cannot
    tell the two colours apart cannot tell which is which. (One labelled series of a pair is enough, since the
    other is then the remaining one.) Two artists of one colour in the same axes may draw one series: unnamed marks
    on a line with a legend label (censor ticks on a Kaplan-Meier curve, points on a model curve) are told apart
    as that line is, and an unnamed line without markers that joins marks of its colour (a line drawn through its
    points) as those marks are; neither is compared on its own.
    """
    renderer = fig.canvas.get_renderer()
    data = _data_series(fig, renderer)
    problems: list[str] = []

    def compare(items: list[_Series], where: str) -> None:
        for i, a in enumerate(items):
            for b in items[i + 1:]:
                if a.kind == b.kind and a.cues == b.cues and a.colour != b.colour and not (a.labelled or b.labelled):
                    problems.append(f"{where}: {a.name} and {b.name} differ by colour alone "
                                    f"({mpl.colors.to_hex(a.colour)} vs {mpl.colors.to_hex(b.colour)}; {_describe_cues(a)})")

    for ax in fig.axes:
        own = [s for owner, s in data if owner is ax]
        compare([s for s in own if not _part_of_another(s, own)], _axes_name(fig, ax))
    legends = [(f"legend of {_axes_name(fig, ax)}", ax.get_legend()) for ax in fig.axes if ax.get_legend() is not None]
    legends += [("figure legend", legend) for legend in fig.legends]
    for where, legend in legends:
        entries = []
        for handle, text in zip(legend.legend_handles, legend.get_texts()):
            series = _handle_series(handle, repr(text.get_text().replace("\n", " ")))
            if series is None:
                continue
            same_colour = [s for _, s in data if s.colour == series.colour]
            labelled = all(s.labelled for s in same_colour)
            entries.append(replace(series, labelled=labelled))
        compare(entries, where)
    return list(dict.fromkeys(problems))


#: How far (inches) a figure's content may reach past its canvas before it counts as cut off.
OUTSIDE_TOLERANCE_IN: float = 0.02
#: Smallest text a projected figure may show, in points.
MIN_FONT_PT: float = 11


def figure_problems(fig: Figure) -> list[str]:
    """What keeps a course figure from being read, one line each (empty: none). The test suite runs this on every
    figure every notebook draws, inline or in an explorer (the probe of tests/test_figures_fit.py):

    * ``OUTSIDE``: content reaching more than :data:`OUTSIDE_TOLERANCE_IN` past the canvas (inline figures are
      drawn at their own size, without "tight" cropping, so it would be cut off);
    * ``SMALL``: visible text under :data:`MIN_FONT_PT` points (too small to read when projected);
    * ``COLOUR``: two series told apart by colour alone (:func:`colour_only_pairs`).
    """
    renderer = fig.canvas.get_renderer()
    titles = [t for t in [fig.get_suptitle()] +
              [a.get_title() or a.get_title(loc="left") for a in fig.axes] if t][:2]
    found = []
    box = fig.get_tightbbox(renderer)
    width, height = fig.get_size_inches()
    outside = max(-box.x0, -box.y0, box.x1 - width, box.y1 - height)
    if outside > OUTSIDE_TOLERANCE_IN:
        found.append(f"OUTSIDE {outside:.2f} in: {titles}")
    for text in fig.findobj(lambda artist: hasattr(artist, "get_fontsize") and hasattr(artist, "get_text")):
        if text.get_visible() and text.get_text().strip() and text.get_fontsize() < MIN_FONT_PT:
            found.append(f"SMALL {text.get_fontsize():g} pt: {text.get_text()[:40]!r}")
    found += [f"COLOUR {titles[:1]}: {pair}" for pair in colour_only_pairs(fig)]
    return found
