"""Dose arithmetic: body-surface area, doses per m2 and absolute, reductions, cumulative dose.

Chemotherapy is dosed per square metre of body-surface area (BSA). The reports print some
doses per m2 and others as absolute milligrams; these functions move between the two and
add doses up over cycles. They take plain numbers and the ``doses`` table of
:mod:`utils.casedata`, and check their input: a negative weight or an unknown unit raises
:class:`DoseError` that says what was wrong.

The BSA formulas (both give m2 from centimetres and kilograms):

* Mosteller RD, N Engl J Med 1987;317:1098, doi:10.1056/NEJM198710223171717
  (sources.csv ``mosteller1987``): ``sqrt(height * weight / 3600)``;
* Du Bois D, Du Bois EF, Arch Intern Med 1916;17:863-871, doi:10.1001/archinte.1916.00080130010002
  (sources.csv ``dubois1916``): ``0.007184 * weight**0.425 * height**0.725``.
"""

from __future__ import annotations

import math
from collections.abc import Callable

import pandas as pd

#: Heights and weights outside these ranges are refused as impossible for an adult.
HEIGHT_RANGE_CM: tuple[float, float] = (100.0, 230.0)
WEIGHT_RANGE_KG: tuple[float, float] = (20.0, 300.0)
DOSE_UNITS: tuple[str, ...] = ("mg/m2", "mg")


class DoseError(ValueError):
    """A dose calculation was given an impossible or unknown input."""


def _check_body(height_cm: float, weight_kg: float) -> None:
    for name, value, (low, high), unit in (
        ("height", height_cm, HEIGHT_RANGE_CM, "cm"),
        ("weight", weight_kg, WEIGHT_RANGE_KG, "kg"),
    ):
        if not isinstance(value, (int, float)) or math.isnan(value) or not low <= value <= high:
            raise DoseError(f"{name} {value!r} {unit} is outside the adult range {low:g} to {high:g} {unit}")


def bsa_mosteller(height_cm: float, weight_kg: float) -> float:
    """Body-surface area in m2 by Mosteller (1987)."""
    _check_body(height_cm, weight_kg)
    return math.sqrt(height_cm * weight_kg / 3600.0)


def bsa_dubois(height_cm: float, weight_kg: float) -> float:
    """Body-surface area in m2 by Du Bois and Du Bois (1916)."""
    _check_body(height_cm, weight_kg)
    return 0.007184 * weight_kg**0.425 * height_cm**0.725


#: The formulas by name, in the order tables show them.
BSA_FORMULAS: dict[str, Callable[[float, float], float]] = {"Mosteller": bsa_mosteller, "DuBois": bsa_dubois}


def _check_positive(name: str, value: float) -> None:
    if not isinstance(value, (int, float)) or math.isnan(value) or value <= 0:
        raise DoseError(f"{name} must be a positive number, got {value!r}")


def dose_mg(dose_per_m2: float, bsa_m2: float) -> float:
    """Absolute dose in mg for a dose in mg/m2 and a body-surface area in m2."""
    _check_positive("dose_per_m2", dose_per_m2)
    _check_positive("bsa_m2", bsa_m2)
    return dose_per_m2 * bsa_m2


def dose_per_m2(dose_mg_: float, bsa_m2: float) -> float:
    """Dose in mg/m2 for an absolute dose in mg and a body-surface area in m2."""
    _check_positive("dose_mg", dose_mg_)
    _check_positive("bsa_m2", bsa_m2)
    return dose_mg_ / bsa_m2


def reduced(dose: float, reduction_percent: float) -> float:
    """The dose after a reduction of ``reduction_percent`` (0 keeps it, 20 gives 80 %)."""
    _check_positive("dose", dose)
    if not 0 <= reduction_percent < 100:
        raise DoseError(f"reduction_percent must be from 0 up to (not including) 100, got {reduction_percent!r}")
    return dose * (1.0 - reduction_percent / 100.0)


def cumulative_dose(dose: float, administrations: int, reduction_percent: float = 0.0) -> float:
    """Total dose over ``administrations`` equal doses, each reduced by ``reduction_percent``."""
    if not isinstance(administrations, int) or administrations < 0:
        raise DoseError(f"administrations must be a whole number of doses, 0 or more, got {administrations!r}")
    return reduced(dose, reduction_percent) * administrations


def dose_intensity_per_week(dose: float, administrations_per_cycle: int, cycle_days: int, reduction_percent: float = 0.0) -> float:
    """Planned dose intensity: dose delivered per week on schedule (same unit as ``dose``, per week)."""
    if cycle_days <= 0 or administrations_per_cycle <= 0:
        raise DoseError(f"cycle_days and administrations_per_cycle must be positive, got {cycle_days!r}, {administrations_per_cycle!r}")
    return reduced(dose, reduction_percent) * administrations_per_cycle * 7.0 / cycle_days


def printed_dose(doses: pd.DataFrame, therapy_id: str, agent: str) -> pd.Series:
    """The one row of the ``doses`` table for a line and agent; a clear error if there is none."""
    row = doses[(doses["therapy_id"] == therapy_id) & (doses["agent"] == agent)]
    if len(row) != 1:
        known = ", ".join(f"{t}/{a}" for t, a in zip(doses["therapy_id"], doses["agent"]))
        raise DoseError(f"no dose for {therapy_id}/{agent} in doses.csv; known: {known}")
    unit = row["dose_unit"].iloc[0]
    if unit not in DOSE_UNITS:
        raise DoseError(f"unknown dose unit {unit!r} for {therapy_id}/{agent}; expected one of {', '.join(DOSE_UNITS)}")
    return row.iloc[0]


def cumulative_for_line(doses: pd.DataFrame, therapy_lines: pd.DataFrame, therapy_id: str, agent: str,
                        cycles: int | None = None, reduction_percent: float | None = None) -> float:
    """Cumulative dose of one agent over a line: printed dose, stated reduction, reported cycles.

    ``cycles`` and ``reduction_percent`` default to what the data say; pass other values to
    ask "what if". The line must report its number of cycles unless ``cycles`` is given.
    """
    row = printed_dose(doses, therapy_id, agent)
    if cycles is None:
        line = therapy_lines[therapy_lines["therapy_id"] == therapy_id]
        cycles = line["cycles"].iloc[0] if len(line) == 1 else pd.NA
        if pd.isna(cycles):
            raise DoseError(f"{therapy_id} reports no number of cycles; pass cycles= to assume one")
        cycles = int(cycles)
    if reduction_percent is None:
        reduction_percent = 0.0 if pd.isna(row["reduction_percent"]) else float(row["reduction_percent"])
    return cumulative_dose(float(row["dose"]), int(row["administrations_per_cycle"]) * cycles, reduction_percent)


def fixed_dose_per_m2_table(dose_mg_: float, heights_cm: list[float], weights_kg: list[float],
                            formula: str = "Mosteller") -> pd.DataFrame:
    """CALCULATION ON ASSUMED HEIGHTS: a fixed dose in mg expressed in mg/m2 for each height and weight.

    Rows are heights, columns are weights; values in mg/m2 rounded to 2 decimals.
    """
    if formula not in BSA_FORMULAS:
        raise DoseError(f"unknown BSA formula {formula!r}; expected one of {', '.join(BSA_FORMULAS)}")
    bsa = BSA_FORMULAS[formula]
    table = pd.DataFrame(
        {f"{w:g} kg": [round(dose_per_m2(dose_mg_, bsa(h, w)), 2) for h in heights_cm] for w in weights_kg},
        index=pd.Index([f"{h:g} cm" for h in heights_cm], name="assumed height"),
    )
    return table


def references(dose_references: pd.DataFrame, agent: str, kind: str) -> pd.DataFrame:
    """The rows of ``dose_references`` for one agent and kind, smallest value first; an error if none."""
    rows = dose_references[(dose_references["agent"] == agent) & (dose_references["kind"] == kind)]
    if rows.empty:
        raise DoseError(f"dose_references.csv has no {kind} for {agent!r}")
    return rows.sort_values("value").reset_index(drop=True)


def anthracycline_readings(dose: float, reduction_percent: float, administrations: int,
                           dose_references: pd.DataFrame, agents: tuple[str, ...] = ("doxorubicin", "epirubicin")) -> pd.DataFrame:
    """Read one printed anthracycline dose as each candidate drug, against that drug's references.

    One row per candidate drug and cumulative threshold: the drug's standard dose per
    administration, the printed dose as a percentage of it, the cumulative dose delivered
    (after the reduction), the threshold with the risk its source states, and the cumulative
    dose as a percentage of the threshold.
    """
    total = cumulative_dose(dose, administrations, reduction_percent)
    rows = []
    for agent in agents:
        standard = references(dose_references, agent, "standard_dose").iloc[0]
        for _, t in references(dose_references, agent, "cumulative_threshold").iterrows():
            rows.append({
                "read as": agent,
                "standard dose (mg/m2)": standard["value"],
                "printed dose, % of standard": round(100 * dose / standard["value"]),
                "cumulative dose (mg/m2)": round(total, 1),
                "threshold (mg/m2)": t["value"],
                "what the threshold means": f"{t['meaning']} ({t['reference_id']})",
                "cumulative, % of threshold": round(100 * total / t["value"]),
            })
    return pd.DataFrame(rows)


def cumulative_by_administration(dose: float, administrations: int, reduction_percent: float = 0.0) -> list[float]:
    """Running total after each administration: ``[d, 2d, ...]`` with ``d`` the reduced dose."""
    per = reduced(dose, reduction_percent)
    if not isinstance(administrations, int) or administrations < 0:
        raise DoseError(f"administrations must be a whole number of doses, 0 or more, got {administrations!r}")
    return [per * (i + 1) for i in range(administrations)]
