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

A standard dose means little without its schedule: weekly paclitaxel has two standards in
``dose_references`` (80 mg/m2 every week, CALGB 9840; 90 mg/m2 on days 1, 8 and 15 of a 28-day
cycle, E2100). :func:`parse_schedule` reads the schedule text of that table, and
:func:`standards_table` sets the standards of one agent side by side, per dose and per week.
:func:`references` returns *every* row of a kind, so a caller that needs one standard dose must
say which (:func:`anthracycline_readings` refuses an agent with more than one).

:func:`retreatment_verdict` applies a count-based retreatment rule (by default the one in the US
paclitaxel label) to printed counts, to show what such a rule says in a marrow replaced by
tumour, where the low counts are the disease rather than the last dose.
"""

from __future__ import annotations

import math
import re
from collections.abc import Callable
from dataclasses import dataclass

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
        standards = references(dose_references, agent, "standard_dose")
        if len(standards) > 1:
            listed = ", ".join(f"{r['reference_id']} ({r['value']:g} mg/m2)" for _, r in standards.iterrows())
            raise DoseError(f"dose_references.csv has {len(standards)} standard doses for {agent!r} ({listed});"
                            " a reading needs exactly one")
        standard = standards.iloc[0]
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


# Schedules --------------------------------------------------------------------------------------
@dataclass(frozen=True)
class Schedule:
    """When a drug is given: the administration days of a cycle (day 1 first) and the cycle length."""

    days: tuple[int, ...]
    cycle_days: int

    @property
    def administrations_per_cycle(self) -> int:
        return len(self.days)

    @property
    def short(self) -> str:
        """A short label: ``weekly``, ``every 21 days`` or ``days 1, 8, 15 of 28``."""
        if self.days == (1,):
            return "weekly" if self.cycle_days == 7 else f"every {self.cycle_days} days"
        return f"days {', '.join(str(d) for d in self.days)} of {self.cycle_days}"


_DAYS_OF_CYCLE = re.compile(r"^days? ([\d ,]+(?:and \d+)?) of an? (\d+)-day cycle\b")
_EVERY = re.compile(r"^every (\d+) days\b")


def parse_schedule(text: str) -> Schedule:
    """Read a schedule as ``dose_references.csv`` writes it.

    Three forms: ``weekly``; ``every 21 days`` (anything may follow, such as ``(AC)``);
    ``days 1, 8 and 15 of a 28-day cycle``. Anything else (``lifetime``, a typo) raises
    :class:`DoseError` naming the forms.
    """
    clean = str(text).strip().lower()
    if clean == "weekly":
        return Schedule((1,), 7)
    every = _EVERY.match(clean)
    days_of = _DAYS_OF_CYCLE.match(clean)
    if every:
        schedule = Schedule((1,), int(every.group(1)))
    elif days_of:
        schedule = Schedule(tuple(int(d) for d in re.findall(r"\d+", days_of.group(1))), int(days_of.group(2)))
    else:
        raise DoseError(f"schedule {text!r} is not one of: 'weekly', 'every N days', 'days 1, 8 and 15 of a 28-day cycle'")
    days = schedule.days
    if schedule.cycle_days <= 0 or days[0] < 1 or days[-1] > schedule.cycle_days or list(days) != sorted(set(days)):
        raise DoseError(f"schedule {text!r}: administration days must rise from day 1 and fit in the cycle")
    return schedule


def per_week(dose: float, schedule: Schedule) -> float:
    """Planned dose per week of a schedule (same unit as ``dose``): dose x doses per cycle x 7 / cycle days."""
    return dose_intensity_per_week(dose, schedule.administrations_per_cycle, schedule.cycle_days)


def standards_table(dose_references: pd.DataFrame, agent: str) -> pd.DataFrame:
    """Every standard dose of one agent with its schedule, per administration and per week.

    One row per ``standard_dose`` row of ``dose_references`` (smallest dose first): reference,
    dose per administration, schedule (short form), administrations per cycle, cycle length,
    the planned dose per week, the source and what the dose is.
    """
    rows = []
    for _, r in references(dose_references, agent, "standard_dose").iterrows():
        schedule = parse_schedule(r["schedule"])
        rows.append({
            "reference": r["reference_id"],
            "dose per administration (mg/m2)": r["value"],
            "schedule": schedule.short,
            "doses per cycle": schedule.administrations_per_cycle,
            "cycle (days)": schedule.cycle_days,
            "planned dose per week (mg/m2)": round(per_week(float(r["value"]), schedule), 2),
            "source": r["source_id"],
            "what it is": r["meaning"],
        })
    return pd.DataFrame(rows)


def standard_label(standard: pd.Series, schedule: bool = True) -> str:
    """``paclitaxel 90 mg/m2, days 1, 8, 15 of 28 (DR-11)``: agent, dose, schedule (if asked and known), reference."""
    text = ""
    if schedule and isinstance(standard.get("schedule"), str):
        try:
            text = f", {parse_schedule(standard['schedule']).short}"
        except DoseError:
            text = f", {standard['schedule']}"
    return f"{standard['agent']} {standard['value']:g} mg/m2{text} ({standard['reference_id']})"


def fixed_dose_against_standards(dose_mg_: float, heights_cm: list[float], weights_kg: list[float],
                                 standards: pd.DataFrame, formula: str = "Mosteller",
                                 per_week_of: tuple[int, int] | None = None) -> pd.DataFrame:
    """CALCULATION ON ASSUMED HEIGHTS: a fixed dose in mg/m2, and as % of each standard dose.

    Rows are heights; columns ``<w> kg (mg/m2)`` for each weight, then ``<w> kg, % of <agent>
    <dose> (<reference>)`` for each weight and each row of ``standards`` (rows of
    ``dose_references``, kind ``standard_dose``). By default each administration is compared
    with the standard administration. With ``per_week_of=(administrations per cycle, cycle days)``
    of the fixed dose, the planned doses *per week* are compared instead (each standard's per week
    from its own schedule), and the column names end in ``per week``.
    """
    per_m2 = fixed_dose_per_m2_table(dose_mg_, heights_cm, weights_kg, formula)
    table = per_m2.add_suffix(" (mg/m2)")
    for w in weights_kg:
        for _, s in standards.iterrows():
            label = f"{w:g} kg, % of {s['agent']} {s['value']:g} ({s['reference_id']})"
            if per_week_of is None:
                table[label] = (100 * per_m2[f"{w:g} kg"] / s["value"]).round().astype(int)
            else:
                given, cycle = per_week_of
                mine = per_m2[f"{w:g} kg"] * dose_intensity_per_week(1.0, given, cycle)
                theirs = per_week(float(s["value"]), parse_schedule(s["schedule"]))
                table[f"{label} per week"] = (100 * mine / theirs).round().astype(int)
    return table


# Count-based retreatment rules ------------------------------------------------------------------
#: The count rule of the US paclitaxel label (Taxol prescribing information, Precautions, Hematology):
#: no further cycle until neutrophils have recovered above 1.5 x10^9/L (1,500/mm3) and platelets
#: above 100 x10^9/L (100,000/mm3). Counts in x10^9/L; a count must be *above* its floor.
PACLITAXEL_RETREATMENT: dict[str, float] = {"neutrophils": 1.5, "platelets": 100.0}

#: The three answers of :func:`retreatment_verdict`.
RULE_MET, RULE_WAIT, RULE_UNKNOWN = "rule met", "rule says wait", "rule cannot be applied"


@dataclass(frozen=True)
class RetreatmentVerdict:
    """What a count rule says about a set of counts, and why."""

    verdict: str
    reasons: tuple[str, ...]


def retreatment_verdict(counts: dict[str, float | None], rule: dict[str, float] = PACLITAXEL_RETREATMENT) -> RetreatmentVerdict:
    """Apply a count rule (analyte -> floor in x10^9/L, each count must be above it) to printed counts.

    * any count at or below its floor: ``rule says wait`` (the label's answer, whatever else is known);
    * otherwise, any count of the rule not printed (missing or None/NaN): ``rule cannot be applied``;
    * otherwise: ``rule met``.

    The rule describes a normal marrow recovering from the last dose; it is applied here to show
    what it says, not what should be done. A negative count raises :class:`DoseError`.
    """
    reasons, missing = [], []
    for analyte, floor in rule.items():
        value = counts.get(analyte)
        if value is None or (isinstance(value, float) and math.isnan(value)):
            missing.append(f"{analyte} not printed")
            continue
        if not isinstance(value, (int, float)) or value < 0:
            raise DoseError(f"{analyte} count must be a number of 0 or more (x10^9/L), got {value!r}")
        if value <= floor:
            reasons.append(f"{analyte} {value:g} not above {floor:g}")
    if reasons:
        return RetreatmentVerdict(RULE_WAIT, tuple(reasons + missing))
    if missing:
        return RetreatmentVerdict(RULE_UNKNOWN, tuple(missing))
    return RetreatmentVerdict(RULE_MET, ())


def retreatment_table(labs: pd.DataFrame, case_id: str, rule: dict[str, float] = PACLITAXEL_RETREATMENT) -> pd.DataFrame:
    """The rule applied on every day a case has a printed count of the rule (counts in x10^9/L).

    Columns: day, day_precision, one column per analyte of the rule (empty where not printed),
    ``what the rule says`` and ``why``.
    """
    own = labs[(labs["case_id"] == case_id) & (labs["analyte"].isin(list(rule)))]
    if own.empty:
        raise DoseError(f"{case_id!r} has no printed {' or '.join(rule)} count in labs.csv")
    own = own.assign(day_precision=own["day_precision"].astype(str), analyte=own["analyte"].astype(str))
    wide = own.pivot_table(index=["day", "day_precision"], columns="analyte", values="value_std", aggfunc="first")
    wide = wide.reindex(columns=list(rule)).reset_index()
    verdicts = [retreatment_verdict({a: (None if pd.isna(row[a]) else float(row[a])) for a in rule}, rule)
                for _, row in wide.iterrows()]
    wide["what the rule says"] = [v.verdict for v in verdicts]
    wide["why"] = ["; ".join(v.reasons) for v in verdicts]
    wide.columns.name = None
    return wide.rename(columns={a: f"{a} (10^9/L)" for a in rule})
