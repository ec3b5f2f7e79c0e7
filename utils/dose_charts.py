"""Figures about doses: cumulative dose against cumulative thresholds, fixed doses per m2.

Each function takes plain numbers (computed by :mod:`utils.dosing`) and the cited reference
rows, and returns a matplotlib Figure in the course style. Titles say when a figure rests on an
assumption (heights that the report does not give). Nothing here knows which case it draws:
the unit of an axis comes from the caller or the reference rows, and a drug, weight or standard
beyond the first few takes the next colour or line style in turn rather than being dropped.
"""

from __future__ import annotations

from itertools import cycle

import pandas as pd
from matplotlib.figure import Figure

from utils.dosing import BSA_FORMULAS, PER_M2, DoseError, dose_per_m2, reference_unit, standard_label
from utils.plots import OKABE_ITO, lay_out, subplots

#: Colour of each anthracycline's threshold lines; any other drug takes the next of :data:`OTHER_AGENT_COLOURS`.
AGENT_COLOURS: dict[str, str] = {"doxorubicin": OKABE_ITO[5], "epirubicin": OKABE_ITO[0]}
OTHER_AGENT_COLOURS: tuple[str, ...] = (OKABE_ITO[3], OKABE_ITO[2], OKABE_ITO[1], OKABE_ITO[4])
#: Colours of the weight lines of :func:`fixed_dose_chart`, in turn.
WEIGHT_COLOURS: tuple[str, ...] = (OKABE_ITO[0], OKABE_ITO[5], OKABE_ITO[2], OKABE_ITO[3], OKABE_ITO[1], OKABE_ITO[4])
#: Markers of the weight lines of :func:`fixed_dose_chart`, in turn with the colours (colour is never the only cue).
WEIGHT_MARKERS: tuple[str, ...] = ("o", "s", "^", "D", "v", "P")
#: Line styles of reference lines, in turn.
REFERENCE_STYLES: tuple[str, ...] = ("--", ":", "-.", (0, (5, 1, 1, 1, 1, 1)))
#: Markers added at both ends of a reference line once the line styles have all been used.
REFERENCE_MARKERS: tuple[str, ...] = ("o", "s", "^", "D")
_UNIT_AXIS = {PER_M2: "mg/m$^2$"}


def _axis_unit(unit: str) -> str:
    return _UNIT_AXIS.get(unit, unit)


def reference_looks(n: int) -> list[tuple[object, str | None]]:
    """Line style and marker of ``n`` reference lines, no two alike up to twenty: the styles of
    :data:`REFERENCE_STYLES` first, then the same styles with a marker of :data:`REFERENCE_MARKERS` at each end.

    >>> reference_looks(5)[3:]
    [((0, (5, 1, 1, 1, 1, 1)), None), ('--', 'o')]
    """
    looks = []
    for i in range(n):
        round_, k = divmod(i, len(REFERENCE_STYLES))
        looks.append((REFERENCE_STYLES[k], None if round_ == 0 else REFERENCE_MARKERS[(round_ - 1) % len(REFERENCE_MARKERS)]))
    return looks


def agent_colours(agents: list[str]) -> dict[str, str]:
    """A colour for each agent: the fixed anthracycline colours, then the others in turn (order kept)."""
    others = cycle(OTHER_AGENT_COLOURS)
    return {agent: AGENT_COLOURS.get(agent) or next(others) for agent in dict.fromkeys(agents)}


def cumulative_chart(running_totals: list[float], thresholds: pd.DataFrame, title: str, ax=None,
                     unit: str = PER_M2) -> Figure:
    """Step chart of the cumulative dose after each administration, with each threshold as a line.

    ``running_totals`` come from :func:`utils.dosing.cumulative_by_administration` (a loading dose
    counted once); ``unit`` is theirs. ``thresholds`` are rows of ``dose_references`` (kind
    ``cumulative_threshold``): agent, value, meaning, reference_id and (when present) unit, which
    must be ``unit``: a threshold in another unit raises :class:`~utils.dosing.DoseError` rather
    than being drawn on the wrong scale.
    """
    for _, t in thresholds.iterrows():
        if reference_unit(t) != unit:
            raise DoseError(f"threshold {t['reference_id']} is in {reference_unit(t)}, the doses in {unit}")
    if ax is None:
        _, ax = subplots(figsize=(13, 6))
    n = len(running_totals)
    xs = list(range(0, n + 1))
    ax.step(xs, [0.0, *running_totals], where="post", color=OKABE_ITO[7], linewidth=3, label="cumulative dose delivered")
    ax.scatter(range(1, n + 1), running_totals, color=OKABE_ITO[7], s=50, zorder=3)
    colours = agent_colours(list(thresholds["agent"]))
    ordered = [t for _, rows in thresholds.groupby("agent", sort=False) for _, t in rows.sort_values("value").iterrows()]
    for (style, marker), t in zip(reference_looks(len(ordered)), ordered):  # each threshold its own look, not only a colour
        ax.axhline(t["value"], color=colours[t["agent"]], linestyle=style, marker=marker, markersize=9, linewidth=2.5,
                   label=f"{t['agent']} {t['value']:g} {unit} ({t['reference_id']})")
    ax.set_xlim(0, max(n, 1) + 0.5)
    ax.set_ylim(0, max([*running_totals, *thresholds["value"], 1.0]) * 1.12)
    ax.set_xlabel("administrations given")
    ax.set_ylabel(f"cumulative dose ({_axis_unit(unit)})")
    ax.set_title(title)
    ax.legend(loc="upper left", bbox_to_anchor=(1.01, 1.0), fontsize=12)
    lay_out(ax.figure)
    return ax.figure


def fixed_dose_chart(dose_mg: float, heights_cm: list[float], weights_kg: list[float],
                     standards: pd.DataFrame, agent_label: str, formula: str = "Mosteller", ax=None) -> Figure:
    """CALCULATION ON ASSUMED HEIGHTS: a fixed dose in mg/m2 against height, one line per weight.

    ``standards`` are rows of ``dose_references`` (kind ``standard_dose``, per m2) drawn as
    horizontal reference lines, each labelled with its dose, schedule (when the row has one) and
    reference, so two standards of one drug (weekly paclitaxel) can be told apart. Every weight and
    every standard is drawn (colours and line styles repeat in turn past the first few).
    """
    if formula not in BSA_FORMULAS:
        raise DoseError(f"unknown BSA formula {formula!r}; expected one of {', '.join(BSA_FORMULAS)}")
    for _, s in standards.iterrows():
        if reference_unit(s) != PER_M2:
            raise DoseError(f"a fixed dose per m2 is compared with standards per m2, but {s['reference_id']} is in {reference_unit(s)}")
    if ax is None:
        _, ax = subplots(figsize=(11, 6))
    bsa = BSA_FORMULAS[formula]
    drawn = list(standards["value"])
    for colour, marker, weight in zip(cycle(WEIGHT_COLOURS), cycle(WEIGHT_MARKERS), weights_kg):
        values = [dose_per_m2(dose_mg, bsa(h, weight)) for h in heights_cm]
        drawn += values
        ax.plot(heights_cm, values, color=colour, linewidth=3, marker=marker, markersize=10, label=f"at {weight:g} kg")
    span = (max(drawn) - min(drawn)) or max(abs(max(drawn)), 1.0)
    ax.set_ylim(min(drawn) - 0.08 * span, max(drawn) + 0.08 * span)
    for (style, marker), (_, s) in zip(reference_looks(len(standards)), standards.iterrows()):
        ax.axhline(s["value"], color=OKABE_ITO[7], linestyle=style, marker=marker, markersize=9, linewidth=2,
                   label=f"standard: {standard_label(s)}")
    ax.set_xlabel("assumed height (cm): not reported")
    ax.set_ylabel("dose (mg/m$^2$)")
    ax.set_title(f"{agent_label} {dose_mg:g} mg as mg/m$^2$ ({formula} BSA)\nMODEL: calculation on assumed heights")
    ax.legend(loc="upper center", bbox_to_anchor=(0.5, -0.2), ncol=2, fontsize=12)
    lay_out(ax.figure)
    return ax.figure
