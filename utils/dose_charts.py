"""Figures about doses: cumulative anthracycline against cardiac thresholds, fixed doses per m2.

Each function takes plain numbers (computed by :mod:`utils.dosing`) and the cited reference
rows, and returns a matplotlib Figure in the course style. Titles say when a figure rests on an
assumption (heights that the report does not give).
"""

from __future__ import annotations

import pandas as pd
from matplotlib.figure import Figure

from utils.dosing import BSA_FORMULAS, dose_per_m2, standard_label
from utils.plots import OKABE_ITO, lay_out, subplots

#: Colour of each anthracycline's threshold lines.
AGENT_COLOURS: dict[str, str] = {"doxorubicin": OKABE_ITO[5], "epirubicin": OKABE_ITO[0]}


def cumulative_chart(running_totals: list[float], thresholds: pd.DataFrame, title: str, ax=None) -> Figure:
    """Step chart of the cumulative dose after each administration, with each threshold as a line.

    ``thresholds`` are rows of ``dose_references`` (kind ``cumulative_threshold``): agent,
    value, meaning, reference_id.
    """
    if ax is None:
        _, ax = subplots(figsize=(13, 6))
    n = len(running_totals)
    xs = list(range(0, n + 1))
    ax.step(xs, [0.0, *running_totals], where="post", color=OKABE_ITO[7], linewidth=3, label="cumulative dose delivered")
    ax.scatter(range(1, n + 1), running_totals, color=OKABE_ITO[7], s=50, zorder=3)
    styles = ["--", ":"]
    for agent, rows in thresholds.groupby("agent", sort=False):
        for style, (_, t) in zip(styles, rows.sort_values("value").iterrows()):
            ax.axhline(t["value"], color=AGENT_COLOURS.get(agent, OKABE_ITO[3]), linestyle=style, linewidth=2.5,
                       label=f"{agent} {t['value']:g} mg/m2 ({t['reference_id']})")
    ax.set_xlim(0, max(n, 1) + 0.5)
    ax.set_ylim(0, max([*running_totals, *thresholds["value"]]) * 1.12)
    ax.set_xlabel("administrations given")
    ax.set_ylabel("cumulative dose (mg/m$^2$)")
    ax.set_title(title)
    ax.legend(loc="upper left", bbox_to_anchor=(1.01, 1.0), fontsize=12)
    lay_out(ax.figure)
    return ax.figure


def fixed_dose_chart(dose_mg: float, heights_cm: list[float], weights_kg: list[float],
                     standards: pd.DataFrame, agent_label: str, formula: str = "Mosteller", ax=None) -> Figure:
    """CALCULATION ON ASSUMED HEIGHTS: a fixed dose in mg/m2 against height, one line per weight.

    ``standards`` are rows of ``dose_references`` (kind ``standard_dose``) drawn as horizontal
    reference lines, each labelled with its dose, schedule (when the row has one) and reference,
    so two standards of one drug (weekly paclitaxel) can be told apart.
    """
    if ax is None:
        _, ax = subplots(figsize=(11, 6))
    bsa = BSA_FORMULAS[formula]
    drawn = list(standards["value"])
    for colour, weight in zip((OKABE_ITO[0], OKABE_ITO[5], OKABE_ITO[2]), weights_kg):
        values = [dose_per_m2(dose_mg, bsa(h, weight)) for h in heights_cm]
        drawn += values
        ax.plot(heights_cm, values, color=colour, linewidth=3, marker="o", label=f"at {weight:g} kg")
    span = max(drawn) - min(drawn)
    ax.set_ylim(min(drawn) - 0.08 * span, max(drawn) + 0.08 * span)
    for style, (_, s) in zip(("--", ":", "-."), standards.iterrows()):
        ax.axhline(s["value"], color=OKABE_ITO[7], linestyle=style, linewidth=2, label=f"standard: {standard_label(s)}")
    ax.set_xlabel("assumed height (cm): not reported")
    ax.set_ylabel("dose (mg/m$^2$)")
    ax.set_title(f"{agent_label} {dose_mg:g} mg as mg/m$^2$ ({formula} BSA)\nMODEL: calculation on assumed heights")
    ax.legend(loc="upper center", bbox_to_anchor=(0.5, -0.2), ncol=2, fontsize=12)
    lay_out(ax.figure)
    return ax.figure
