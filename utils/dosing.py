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

Any case, any printed unit. The units a dose may be printed in are the enum of ``doses.dose_unit`` in
``casedata/datapackage.json`` (:func:`dose_units`, also ``DOSE_UNITS``, read through :mod:`utils.vocabulary`): per m2 of
body-surface area, per kg of body weight, flat milligrams, or a carboplatin target AUC. :func:`dose_mg`
turns one administration of any of them into milligrams; the AUC of carboplatin goes through the
Calvert formula (:func:`calvert_dose`; by default an estimated GFR is capped at 125 mL/min, the convention
of the FDA notice of October 2010). A loading dose (the first administration, printed in the same unit)
counts once in :func:`cumulative_dose` and the running totals. :func:`case_dose_table` sets every printed
dose of one case side by side in absolute terms, each line at the weight stated at its start, leaving a
cell blank, with the reason in ``note``, where the body data it needs is not given; :func:`body_weight`
(and :func:`body_height`) find the measure a case's own report states on or before a given day, never a
later one and never another case's (:func:`why_not_stated` says why there is none).
"""

from __future__ import annotations

import math
import numbers
import re
from collections.abc import Callable
from dataclasses import dataclass
from itertools import accumulate

import pandas as pd

from utils import vocabulary

#: Heights and weights outside these ranges are refused as impossible for an adult.
HEIGHT_RANGE_CM: tuple[float, float] = (100.0, 230.0)
WEIGHT_RANGE_KG: tuple[float, float] = (20.0, 300.0)
#: The units :func:`dose_mg` converts to milligrams (each one value of ``DOSE_UNITS``).
PER_M2 = "mg/m2"
PER_KG = "mg/kg"
FLAT = "mg"
AUC = "AUC"


class DoseError(ValueError):
    """A dose calculation was given an impossible or unknown input."""


def dose_units() -> tuple[str, ...]:
    """The units a printed dose may take: the enum of ``doses.dose_unit`` in datapackage.json, in its order.

    Also readable as ``dosing.DOSE_UNITS``. It is read on first use, not at import: the vocabulary
    reads the descriptor through :mod:`utils.casedata`, which must be free to import this module.

    >>> dose_units()[:2]
    ('mg/m2', 'mg')
    """
    return vocabulary.allowed("doses", "dose_unit")


def __getattr__(name: str):
    if name == "DOSE_UNITS":  # the enum, read when asked for (see dose_units)
        return dose_units()
    raise AttributeError(f"module {__name__!r} has no attribute {name!r}")


def _is_number(value: object) -> bool:
    """A real, finite number (not a bool, not NaN, not a string)."""
    return isinstance(value, numbers.Real) and not isinstance(value, bool) and math.isfinite(value)


def _blank(value: object) -> bool:
    """None, NaN or pandas' NA: a value the data leave out."""
    if value is None:
        return True
    try:
        return bool(pd.isna(value))
    except (TypeError, ValueError):
        return False


def _shown(value: object) -> str:
    """A value as an error message shows it: numbers plainly (``-70``, ``nan``), anything else as its repr."""
    if isinstance(value, numbers.Real) and not isinstance(value, bool):
        return f"{float(value):g}"
    return repr(value)


def _check_range(name: str, value: object, bounds: tuple[float, float], unit: str) -> None:
    low, high = bounds
    if not _is_number(value) or not low <= value <= high:
        raise DoseError(f"{name} {_shown(value)} {unit} is outside the adult range {low:g} to {high:g} {unit}")


def _check_height(height_cm: float) -> None:
    _check_range("height", height_cm, HEIGHT_RANGE_CM, "cm")


def _check_weight(weight_kg: float, name: str = "weight") -> None:
    _check_range(name, weight_kg, WEIGHT_RANGE_KG, "kg")


def _check_body(height_cm: float, weight_kg: float) -> None:
    _check_height(height_cm)
    _check_weight(weight_kg)


def bsa_mosteller(height_cm: float, weight_kg: float) -> float:
    """Body-surface area in m2 by Mosteller (1987).

    >>> bsa_mosteller(180, 80)
    2.0
    """
    _check_body(height_cm, weight_kg)
    return math.sqrt(height_cm * weight_kg / 3600.0)


def bsa_dubois(height_cm: float, weight_kg: float) -> float:
    """Body-surface area in m2 by Du Bois and Du Bois (1916)."""
    _check_body(height_cm, weight_kg)
    return 0.007184 * weight_kg**0.425 * height_cm**0.725


#: The formulas by name, in the order tables show them.
BSA_FORMULAS: dict[str, Callable[[float, float], float]] = {"Mosteller": bsa_mosteller, "DuBois": bsa_dubois}


def _check_formula(formula: str) -> None:
    if formula not in BSA_FORMULAS:
        raise DoseError(f"unknown BSA formula {formula!r}; expected one of {', '.join(BSA_FORMULAS)}")


def _check_positive(name: str, value: float) -> None:
    if not _is_number(value) or value <= 0:
        raise DoseError(f"{name} must be a positive number, got {_shown(value)}")


def _check_unit(unit: object, where: str = "") -> str:
    """``unit`` if it is one of :func:`dose_units`; otherwise a :class:`DoseError` naming the known ones."""
    known = dose_units()
    if unit not in known:
        raise DoseError(f"unknown dose unit {unit!r}{where}; expected one of {', '.join(known)}")
    return str(unit)


# Carboplatin by target AUC ----------------------------------------------------------------------
#: Non-renal clearance of carboplatin in the Calvert formula (mL/min).
CALVERT_NONRENAL_ML_MIN: float = 25.0
#: The highest estimated GFR the formula uses by default (mL/min): a convention from the FDA notice of October 2010.
CALVERT_GFR_CAP_ML_MIN: float = 125.0


@dataclass(frozen=True)
class CalvertDose:
    """A carboplatin dose by the Calvert formula: mg, the GFR given and the GFR the formula used."""

    mg: float
    gfr_ml_min: float
    gfr_used_ml_min: float

    @property
    def capped(self) -> bool:
        """True when the GFR given was above the cap and the cap was used instead."""
        return self.gfr_used_ml_min < self.gfr_ml_min


def calvert_dose(target_auc: float, gfr_ml_min: float | None, cap_gfr: bool = True) -> CalvertDose:
    """Carboplatin dose for a target AUC (mg/mL x min): ``dose (mg) = target AUC x (GFR + 25)``.

    The formula (sources.csv ``calvert1989``): Calvert AH, Newell DR, Gumbrell LA, et al. Carboplatin
    dosage: prospective evaluation of a simple formula based on renal function. J Clin Oncol
    1989;7(11):1748-1756, doi:10.1200/JCO.1989.7.11.1748. The 25 mL/min is the drug's non-renal
    clearance.

    The GFR must be an **absolute** clearance in mL/min: a measured GFR, or a creatinine clearance
    standing in for it. A laboratory eGFR reported in mL/min/1.73 m2 is normalised to body-surface
    area and must first be multiplied by the patient's BSA / 1.73. A Cockcroft-Gault clearance
    overestimates the true clearance when the serum creatinine is very low (cachexia, little muscle):
    many order templates therefore set a creatinine floor (often 0.7 to 0.8 mg/dL) before the
    estimate. This function takes the GFR as given and checks none of that.

    The cap (``cap_gfr=True``, the default) is a convention taken from the US FDA notice of October
    2010 (sources.csv ``fda2010_carboplatin``): with creatinine measured by the standardised IDMS
    method, a GFR *estimated* from it can read too high, and the notice asks prescribers to
    *consider* capping an estimated GFR at 125 mL/min for a patient with normal renal function, so
    that a dose is at most target AUC x 150 mg. The notice does not apply to a *measured* GFR: pass
    ``cap_gfr=False`` to use the GFR as given.

    Without a GFR the dose cannot be computed: :class:`DoseError` says a GFR (or creatinine
    clearance) is needed. A negative or non-numeric GFR, or a target AUC that is not positive,
    is refused the same way.

    >>> calvert_dose(5, 90).mg
    575.0
    >>> capped = calvert_dose(5, 140)
    >>> capped.mg, capped.gfr_used_ml_min, capped.capped
    (750.0, 125.0, True)
    >>> calvert_dose(5, 140, cap_gfr=False).mg
    825.0
    >>> calvert_dose(5, None)
    Traceback (most recent call last):
    utils.dosing.DoseError: a carboplatin dose by target AUC needs a GFR (or creatinine clearance) in mL/min; none was given
    """
    if _blank(gfr_ml_min):
        raise DoseError("a carboplatin dose by target AUC needs a GFR (or creatinine clearance) in mL/min; none was given")
    _check_positive("target AUC", target_auc)
    if not _is_number(gfr_ml_min) or gfr_ml_min < 0:
        raise DoseError(f"GFR must be a number of 0 mL/min or more, got {_shown(gfr_ml_min)}")
    used = min(float(gfr_ml_min), CALVERT_GFR_CAP_ML_MIN) if cap_gfr else float(gfr_ml_min)
    return CalvertDose(float(target_auc) * (used + CALVERT_NONRENAL_ML_MIN), float(gfr_ml_min), used)


# Doses ------------------------------------------------------------------------------------------
def dose_mg(dose: float, bsa_m2: float | None = None, *, unit: str = PER_M2, weight_kg: float | None = None,
            gfr_ml_min: float | None = None, cap_gfr: bool = True) -> float:
    """Absolute dose in mg of one administration printed as ``dose`` in ``unit`` (one of :func:`dose_units`).

    * ``mg/m2`` (the default): dose x ``bsa_m2``;
    * ``mg/kg``: dose x ``weight_kg``, a weight in the adult range (as for the BSA);
    * ``mg``: the dose itself (a flat dose);
    * ``AUC``: carboplatin by the Calvert formula with ``gfr_ml_min`` (:func:`calvert_dose`, GFR capped at
      125 mL/min unless ``cap_gfr=False``).

    A measure the unit needs and is not given, an impossible one, or an unknown unit raises
    :class:`DoseError` that names it.

    >>> dose_mg(75, 2.0)
    150.0
    >>> dose_mg(6, unit="mg/kg", weight_kg=60)
    360.0
    >>> dose_mg(5, unit="AUC", gfr_ml_min=90)
    575.0
    >>> dose_mg(8, unit="mg/kg")
    Traceback (most recent call last):
    utils.dosing.DoseError: a dose in mg/kg needs the body weight (weight_kg)
    """
    _check_positive("dose", dose)
    if unit == PER_M2:
        if _blank(bsa_m2):
            raise DoseError("a dose in mg/m2 needs the body-surface area (bsa_m2)")
        _check_positive("bsa_m2", bsa_m2)
        return float(dose) * float(bsa_m2)
    if unit == PER_KG:
        if _blank(weight_kg):
            raise DoseError("a dose in mg/kg needs the body weight (weight_kg)")
        _check_weight(weight_kg)
        return float(dose) * float(weight_kg)
    if unit == FLAT:
        return float(dose)
    if unit == AUC:
        return calvert_dose(dose, gfr_ml_min, cap_gfr).mg
    _check_unit(unit)
    raise DoseError(f"no conversion to mg is known for the dose unit {unit!r}")


def dose_per_m2(dose_mg_: float, bsa_m2: float) -> float:
    """Dose in mg/m2 for an absolute dose in mg and a body-surface area in m2."""
    _check_positive("dose_mg", dose_mg_)
    _check_positive("bsa_m2", bsa_m2)
    return dose_mg_ / bsa_m2


def reduced(dose: float, reduction_percent: float) -> float:
    """The dose after a reduction of ``reduction_percent`` (0 keeps it, 20 gives 80 %)."""
    _check_positive("dose", dose)
    if not _is_number(reduction_percent) or not 0 <= reduction_percent < 100:
        raise DoseError(f"reduction_percent must be from 0 up to (not including) 100, got {_shown(reduction_percent)}")
    return dose * (1.0 - reduction_percent / 100.0)


def _check_administrations(administrations: object) -> int:
    if not isinstance(administrations, numbers.Integral) or isinstance(administrations, bool) or administrations < 0:
        raise DoseError(f"administrations must be a whole number of doses, 0 or more, got {administrations!r}")
    return int(administrations)


def _loading(loading_dose: object) -> float | None:
    """The loading dose as a float, or None when there is none (blank); a non-positive one is refused."""
    if _blank(loading_dose):
        return None
    _check_positive("loading_dose", loading_dose)
    return float(loading_dose)


def administration_doses(dose: float, administrations: int, reduction_percent: float = 0.0,
                         loading_dose: float | None = None) -> list[float]:
    """The dose of each administration in turn, in the unit of ``dose``.

    With a ``loading_dose`` (same unit), the first administration is the loading dose and the
    others the maintenance ``dose``. The stated reduction applies to every administration,
    the loading one included (as ``doses.csv`` defines ``reduction_percent``).

    Both are MODELLING conventions, not practice. A percentage reduction suits a cytotoxic drug;
    trastuzumab and pertuzumab are not dose-reduced in practice (they are held or stopped), and
    trastuzumab deruxtecan is reduced by dose level (5.4, then 4.4, then 3.2 mg/kg) and sacituzumab
    govitecan in fixed steps (by 25 %, then 50 %, of its 10 mg/kg), so a curator
    stores a reduced dose of such a drug as printed, not as a percentage. The loading dose is
    counted once, at the first administration; in practice trastuzumab is loaded again after a
    delay of more than a week, and pertuzumab after a delay of six weeks or more, which this
    arithmetic does not model.

    >>> administration_doses(6, 3, loading_dose=8)
    [8.0, 6.0, 6.0]
    >>> administration_doses(100, 2, reduction_percent=20)
    [80.0, 80.0]
    """
    n = _check_administrations(administrations)
    per = reduced(dose, reduction_percent)
    loading = _loading(loading_dose)
    given = [float(per)] * n
    if loading is not None and n:
        given[0] = float(reduced(loading, reduction_percent))
    return given


def cumulative_dose(dose: float, administrations: int, reduction_percent: float = 0.0,
                    loading_dose: float | None = None) -> float:
    """Total dose over ``administrations``, each reduced by ``reduction_percent``; a loading dose counts once.

    The same modelling conventions as :func:`administration_doses`: the reduction applies to the
    loading dose too, and the loading dose is counted once (no re-loading after a delay; no
    dose-level steps for a drug such as trastuzumab deruxtecan).

    >>> cumulative_dose(6, 4, loading_dose=8)  # 8 + 3 x 6
    26.0
    """
    return sum(administration_doses(dose, administrations, reduction_percent, loading_dose))


def dose_intensity_per_week(dose: float, administrations_per_cycle: int, cycle_days: int, reduction_percent: float = 0.0) -> float:
    """Planned dose intensity: dose delivered per week on schedule (same unit as ``dose``, per week)."""
    if not (_is_number(cycle_days) and _is_number(administrations_per_cycle)) or cycle_days <= 0 or administrations_per_cycle <= 0:
        raise DoseError("cycle_days and administrations_per_cycle must be positive, "
                        f"got {_shown(cycle_days)}, {_shown(administrations_per_cycle)}")
    return reduced(dose, reduction_percent) * administrations_per_cycle * 7.0 / cycle_days


def printed_dose(doses: pd.DataFrame, therapy_id: str, agent: str) -> pd.Series:
    """The one row of the ``doses`` table for a line and agent; a clear error if there is none."""
    row = doses[(doses["therapy_id"] == therapy_id) & (doses["agent"] == agent)]
    if len(row) != 1:
        known = ", ".join(f"{t}/{a}" for t, a in zip(doses["therapy_id"], doses["agent"]))
        raise DoseError(f"no dose for {therapy_id}/{agent} in doses.csv; known: {known}")
    _check_unit(row["dose_unit"].iloc[0], f" for {therapy_id}/{agent}")
    return row.iloc[0]


def cumulative_for_line(doses: pd.DataFrame, therapy_lines: pd.DataFrame, therapy_id: str, agent: str,
                        cycles: int | None = None, reduction_percent: float | None = None) -> float:
    """Cumulative dose of one agent over a line: printed dose, stated reduction, reported cycles, loading dose.

    The result is in the printed unit (mg/m2, mg/kg, mg or AUC). ``cycles`` and
    ``reduction_percent`` default to what the data say; pass other values to ask "what if".
    The line must report its number of cycles unless ``cycles`` is given. A printed loading
    dose (``loading_dose``) is the first administration; the reduction applies to it too.
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
    return cumulative_dose(float(row["dose"]), int(row["administrations_per_cycle"]) * cycles, reduction_percent,
                           row.get("loading_dose"))


def fixed_dose_per_m2_table(dose_mg_: float, heights_cm: list[float], weights_kg: list[float],
                            formula: str = "Mosteller") -> pd.DataFrame:
    """CALCULATION ON ASSUMED HEIGHTS: a fixed dose in mg expressed in mg/m2 for each height and weight.

    Rows are heights, columns are weights; values in mg/m2 rounded to 2 decimals.
    """
    _check_formula(formula)
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


def per_m2_standards(dose_references: pd.DataFrame, agent: str) -> pd.DataFrame:
    """The standard doses per m2 of ``dose_references`` for ``agent``: empty for a drug with no per-m2 standard.

    A reference names the agent itself or the agent followed by its form (``eribulin mesylate`` and
    ``eribulin (base)`` for ``eribulin``). An absolute dose in mg of a drug with a per-m2 standard
    (paclitaxel, eribulin) can be read per m2; for another drug (pertuzumab and subcutaneous trastuzumab are
    dosed flat, but carboplatin, capecitabine or docetaxel printed in mg are not) this table simply holds no
    per-m2 standard to compare with.

    >>> refs = pd.DataFrame({"reference_id": ["R1", "R2"], "agent": ["eribulin mesylate", "pertuzumab"],
    ...                      "kind": ["standard_dose"] * 2, "value": [1.4, 420], "unit": ["mg/m2", "mg"]})
    >>> list(per_m2_standards(refs, "eribulin")["reference_id"]), per_m2_standards(refs, "pertuzumab").empty
    (['R1'], True)
    """
    names = dose_references["agent"].astype(str).str.lower()
    wanted = str(agent).strip().lower()
    rows = dose_references[((names == wanted) | names.str.startswith(wanted + " "))
                           & (dose_references["kind"].astype(str) == "standard_dose")]
    return rows[[reference_unit(r) == PER_M2 for _, r in rows.iterrows()]].reset_index(drop=True)


def reference_unit(reference: pd.Series) -> str:
    """The unit of a ``dose_references`` row (its ``unit`` column; mg/m2 for a row without one)."""
    unit = reference.get("unit", PER_M2)
    return PER_M2 if _blank(unit) else _check_unit(unit, f" in dose reference {reference.get('reference_id', '?')}")


def _require_per_m2(rows: pd.DataFrame, what: str) -> None:
    for _, r in rows.iterrows():
        unit = reference_unit(r)
        if unit != PER_M2:
            raise DoseError(f"{what} compares doses per m2, but {r['reference_id']} ({r['agent']}) is in {unit}")


def anthracycline_readings(dose: float, reduction_percent: float, administrations: int,
                           dose_references: pd.DataFrame, agents: tuple[str, ...] = ("doxorubicin", "epirubicin")) -> pd.DataFrame:
    """Read one printed anthracycline dose as each candidate drug, against that drug's references.

    One row per candidate drug and cumulative threshold: the drug's standard dose per
    administration, the printed dose as a percentage of it, the cumulative dose delivered
    (after the reduction), the threshold with the risk its source states, and the cumulative
    dose as a percentage of the threshold. The printed dose and every reference are per m2
    (a reference in another unit raises :class:`DoseError`).
    """
    total = cumulative_dose(dose, administrations, reduction_percent)
    rows = []
    for agent in agents:
        standards = references(dose_references, agent, "standard_dose")
        _require_per_m2(standards, "an anthracycline reading")
        _require_per_m2(references(dose_references, agent, "cumulative_threshold"), "an anthracycline reading")
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


def cumulative_by_administration(dose: float, administrations: int, reduction_percent: float = 0.0,
                                 loading_dose: float | None = None) -> list[float]:
    """Running total after each administration: ``[d, 2d, ...]`` with ``d`` the reduced dose.

    With a loading dose ``L`` (same unit), ``[L, L + d, L + 2d, ...]`` (the reduction applies to both).

    >>> cumulative_by_administration(6, 3, loading_dose=8)
    [8.0, 14.0, 20.0]
    """
    return list(accumulate(administration_doses(dose, administrations, reduction_percent, loading_dose)))


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
    the planned dose per week, the source and what the dose is. The dose columns name the
    standards' unit (``dose per administration (mg/m2)``); standards of one agent in different
    units cannot be set side by side and raise :class:`DoseError`.
    """
    standards = references(dose_references, agent, "standard_dose")
    units = list(dict.fromkeys(reference_unit(r) for _, r in standards.iterrows()))
    if len(units) > 1:
        raise DoseError(f"the standard doses of {agent!r} are in different units ({', '.join(units)}); a table needs one")
    unit = units[0]
    rows = []
    for _, r in standards.iterrows():
        schedule = parse_schedule(r["schedule"])
        rows.append({
            "reference": r["reference_id"],
            f"dose per administration ({unit})": r["value"],
            "schedule": schedule.short,
            "doses per cycle": schedule.administrations_per_cycle,
            "cycle (days)": schedule.cycle_days,
            f"planned dose per week ({unit})": round(per_week(float(r["value"]), schedule), 2),
            "source": r["source_id"],
            "what it is": r["meaning"],
        })
    return pd.DataFrame(rows)


def standard_label(standard: pd.Series, schedule: bool = True) -> str:
    """``paclitaxel 90 mg/m2, days 1, 8, 15 of 28 (DR-11)``: agent, dose and unit, schedule (if asked and known), reference."""
    text = ""
    if schedule and isinstance(standard.get("schedule"), str):
        try:
            text = f", {parse_schedule(standard['schedule']).short}"
        except DoseError:
            text = f", {standard['schedule']}"
    return f"{standard['agent']} {standard['value']:g} {reference_unit(standard)}{text} ({standard['reference_id']})"


def fixed_dose_against_standards(dose_mg_: float, heights_cm: list[float], weights_kg: list[float],
                                 standards: pd.DataFrame, formula: str = "Mosteller",
                                 per_week_of: tuple[int, int] | None = None) -> pd.DataFrame:
    """CALCULATION ON ASSUMED HEIGHTS: a fixed dose in mg/m2, and as % of each standard dose.

    Rows are heights; columns ``<w> kg (mg/m2)`` for each weight, then ``<w> kg, % of <agent>
    <dose> (<reference>)`` for each weight and each row of ``standards`` (rows of
    ``dose_references``, kind ``standard_dose``). By default each administration is compared
    with the standard administration. With ``per_week_of=(administrations per cycle, cycle days)``
    of the fixed dose, the planned doses *per week* are compared instead (each standard's per week
    from its own schedule), and the column names end in ``per week``. Every standard must be per m2.
    """
    _require_per_m2(standards, "a fixed dose against standards")
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
        if _blank(value):
            missing.append(f"{analyte} not printed")
            continue
        if not _is_number(value) or value < 0:
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


# One case's stated weight and height ------------------------------------------------------------
#: The quantities of ``observations.csv`` that hold a stated body weight and height, with their units.
BODY_WEIGHT, BODY_WEIGHT_UNIT = "body_weight", "kg"
BODY_HEIGHT, BODY_HEIGHT_UNIT = "body_height", "cm"


@dataclass(frozen=True, eq=False)
class StatedMeasure:
    """A body measure a case's report states: value and unit, its day, and the ``observations`` row it came from."""

    value: float
    unit: str
    day: int
    row: pd.Series

    @property
    def kg(self) -> float:
        """The value of a weight, in kg (a DoseError for a measure that is not in kg)."""
        if self.unit != BODY_WEIGHT_UNIT:
            raise DoseError(f"this stated measure is in {self.unit}, not kg")
        return self.value

    @property
    def cm(self) -> float:
        """The value of a height, in cm (a DoseError for a measure that is not in cm)."""
        if self.unit != BODY_HEIGHT_UNIT:
            raise DoseError(f"this stated measure is in {self.unit}, not cm")
        return self.value

    @property
    def day_precision(self) -> str:
        return "" if _blank(self.row.get("day_precision")) else str(self.row.get("day_precision"))

    @property
    def source_locator(self) -> str:
        return "" if _blank(self.row.get("source_locator")) else str(self.row.get("source_locator"))

    @property
    def label(self) -> str:
        """``63 kg, stated for day 0 (approximate)``."""
        precision = f" ({self.day_precision})" if self.day_precision else ""
        return f"{self.value:g} {self.unit}, stated for day {self.day}{precision}"


#: What :func:`body_weight` returns (a :class:`StatedMeasure` in kg).
StatedWeight = StatedMeasure


def _own_measures(observations: pd.DataFrame, case_id: str, quantity: str, unit: str, bounds: tuple[float, float],
                  day: float | None) -> pd.DataFrame:
    """The rows of one case and quantity, checked (unit, adult range), smallest day first."""
    missing = [c for c in ("case_id", "day", "quantity", "value", "unit") if c not in observations.columns]
    if missing:
        raise DoseError(f"observations has no column {', '.join(missing)}")
    if day is not None and not _is_number(day):
        raise DoseError(f"day must be a finite number of days, got {_shown(day)}")
    own = observations[(observations["case_id"].astype(str) == str(case_id))
                       & (observations["quantity"].astype(str) == quantity)]
    name = quantity.replace("_", " ")
    for _, row in own.iterrows():
        where = f" ({row['source_locator']})" if not _blank(row.get("source_locator")) else ""
        if str(row["unit"]) != unit:
            raise DoseError(f"{case_id} {name} on day {row['day']} is in {row['unit']!r}, not {unit}{where}")
        _check_range(f"{case_id} {name} on day {row['day']}", row["value"], bounds, unit)
    return own.sort_values("day", kind="stable")


def _measure(row: pd.Series, unit: str) -> StatedMeasure:
    return StatedMeasure(float(row["value"]), unit, int(row["day"]), row)


def _stated(observations: pd.DataFrame, case_id: str, quantity: str, unit: str, bounds: tuple[float, float],
            day: float | None) -> StatedMeasure | None:
    own = _own_measures(observations, case_id, quantity, unit, bounds, day)
    if day is not None:
        own = own[own["day"] <= day]
    if own.empty:
        return None
    return _measure(own.iloc[0] if day is None else own.iloc[-1], unit)


_MEASURES = {BODY_WEIGHT: (BODY_WEIGHT_UNIT, WEIGHT_RANGE_KG), BODY_HEIGHT: (BODY_HEIGHT_UNIT, HEIGHT_RANGE_CM)}


def _quantity(quantity: str) -> tuple[str, tuple[float, float]]:
    if quantity not in _MEASURES:
        raise DoseError(f"unknown body measure {quantity!r}; expected one of {', '.join(_MEASURES)}")
    return _MEASURES[quantity]


def stated_measures(observations: pd.DataFrame, case_id: str, quantity: str = BODY_WEIGHT) -> list[StatedMeasure]:
    """Every weight (or height, ``quantity=BODY_HEIGHT``) ``case_id``'s own report states, smallest day first."""
    unit, bounds = _quantity(quantity)
    return [_measure(row, unit) for _, row in _own_measures(observations, case_id, quantity, unit, bounds, None).iterrows()]


def why_not_stated(observations: pd.DataFrame, case_id: str, day: float | None = None, quantity: str = BODY_WEIGHT) -> str:
    """Why :func:`body_weight` (or :func:`body_height`) gives None for ``case_id`` and ``day``; ``""`` when it does not.

    >>> obs = pd.DataFrame({"case_id": ["a"], "day": [0], "quantity": ["body_weight"], "value": [61.0], "unit": ["kg"]})
    >>> why_not_stated(obs, "a", day=-880)
    'no body weight of a is stated on or before day -880; the first is 61 kg, stated for day 0'
    >>> why_not_stated(obs, "b")
    'the report of b states no body weight'
    >>> why_not_stated(obs, "a", day=3)
    ''
    """
    stated = stated_measures(observations, case_id, quantity)
    name = quantity.replace("_", " ")
    if not stated:
        return f"the report of {case_id} states no {name}"
    if day is None or stated[0].day <= day:
        return ""
    return f"no {name} of {case_id} is stated on or before day {day:g}; the first is {stated[0].label}"


def body_weight(observations: pd.DataFrame, case_id: str, day: float | None = None) -> StatedMeasure | None:
    """The body weight ``case_id``'s own report states, for use on ``day``; None when it states none.

    * ``day`` None: the first stated weight (smallest day), whatever day it was stated for;
    * ``day`` given: the last weight stated on or before ``day``; None when every stated weight is
      later than ``day`` (a weight measured after a dose says nothing about the weight it was given
      at). :func:`why_not_stated` gives the reason, naming the first stated weight.

    Only rows of ``case_id`` are read, so a case without a stated weight gets None, never another
    case's weight. The answer carries the value (``.kg``), its ``day`` and the ``observations`` row
    (``.row``, with its locator). A weight row in a unit other than kg, or outside the adult range,
    raises :class:`DoseError` with its locator; so does a ``day`` that is not a finite number.

    >>> obs = pd.DataFrame({"case_id": ["a", "a", "b"], "day": [0, 200, 0], "quantity": ["body_weight"] * 3,
    ...                     "value": [70.0, 52.0, 80.0], "unit": ["kg"] * 3})
    >>> body_weight(obs, "a", day=150).kg
    70.0
    >>> body_weight(obs, "a", day=200).kg
    52.0
    >>> body_weight(obs, "a", day=-10) is None  # only later weights: none at that day
    True
    >>> body_weight(obs, "c") is None
    True
    """
    return _stated(observations, case_id, BODY_WEIGHT, BODY_WEIGHT_UNIT, WEIGHT_RANGE_KG, day)


def body_height(observations: pd.DataFrame, case_id: str, day: float | None = None) -> StatedMeasure | None:
    """The height ``case_id``'s own report states (``.cm``), chosen as :func:`body_weight` chooses; None when none.

    As for a weight, a height stated only after ``day`` is not used for ``day`` (None, with the reason from
    ``why_not_stated(..., quantity=BODY_HEIGHT)``).
    """
    return _stated(observations, case_id, BODY_HEIGHT, BODY_HEIGHT_UNIT, HEIGHT_RANGE_CM, day)


# One case's doses in absolute terms -------------------------------------------------------------
#: The columns of :func:`case_dose_table`, in order.
CASE_DOSE_COLUMNS: tuple[str, ...] = (
    "therapy_id", "agent", "as printed", "unit", "reduction (%)", "loading dose", "weight used (kg, day stated)",
    "mg per administration", "loading dose (mg)", "mg per m2", "mg per kg", "mg per week", "note",
)
_DOSE_COLUMNS_NEEDED = ("case_id", "therapy_id", "agent", "dose", "dose_unit", "administrations_per_cycle", "cycle_days", "printed")


def _number_or_none(value: object) -> float | None:
    return None if _blank(value) else float(value)


@dataclass(frozen=True)
class LineMeasures:
    """The weight and height one line of a case is worked out at, how the weight is shown, and notes on both."""

    weight_kg: float | None
    height_cm: float | None
    weight_shown: str
    notes: tuple[str, ...]


def _later_weights_note(observations: pd.DataFrame, case_id: str, used: StatedMeasure, start_day: float) -> str:
    """``weight at this line's start (day 120) not stated; 70 kg on day 0 (approximate) -> 52 kg by day 200 (approximate)``."""
    later = [m for m in stated_measures(observations, case_id, BODY_WEIGHT) if m.day > used.day and m.value != used.value]
    if not later:
        return ""
    def when(m: StatedMeasure) -> str:
        return f"{m.day} ({m.day_precision})" if m.day_precision else f"{m.day}"
    chain = " -> ".join(f"{m.value:g} kg by day {when(m)}" for m in later)
    if used.day < start_day:
        return f"weight at this line's start (day {start_day:g}) not stated; {used.value:g} kg on day {when(used)} -> {chain}"
    return f"weight stated at this line's start, {used.value:g} kg on day {when(used)} -> {chain}"


def line_measures(observations: pd.DataFrame | None, case_id: str, start_day: float | None,
                  weight_kg: float | None = None, height_cm: float | None = None) -> LineMeasures:
    """The weight and height one line is worked out at: given ones first, else the case's own, stated by the line's start.

    A ``weight_kg`` (or ``height_cm``) given is used as it is and shown as ``(given)``. Otherwise the
    measure is :func:`body_weight` (:func:`body_height`) on ``start_day``: the last stated on or before the
    line's start, never a later one. The notes say why a measure is missing (:func:`why_not_stated`) and
    when a weight stated later differs from the one used (``70 kg on day 0 (approximate) -> 52 kg by day 200 (approximate)``).
    """
    notes = []
    weight, height = _number_or_none(weight_kg), _number_or_none(height_cm)
    shown = "" if weight is None else f"{weight:g} (given)"
    if weight is not None:
        _check_weight(weight)
    elif observations is not None:
        stated = body_weight(observations, case_id, day=start_day)
        if stated is None:
            reason = why_not_stated(observations, case_id, start_day, BODY_WEIGHT)
            if stated_measures(observations, case_id, BODY_WEIGHT):
                notes.append(reason)
        else:
            weight = stated.kg
            precision = f", {stated.day_precision}" if stated.day_precision else ""
            shown = f"{stated.kg:g} (day {stated.day}{precision})"
            later = _later_weights_note(observations, case_id, stated, start_day if start_day is not None else stated.day)
            if later:
                notes.append(later)
    if height is not None:
        _check_height(height)
    elif observations is not None:
        stated_height = body_height(observations, case_id, day=start_day)
        if stated_height is None:
            if stated_measures(observations, case_id, BODY_HEIGHT):
                notes.append(why_not_stated(observations, case_id, start_day, BODY_HEIGHT))
        else:
            height = stated_height.cm
    return LineMeasures(weight, height, shown, tuple(notes))


def case_dose_table(doses: pd.DataFrame, therapy_lines: pd.DataFrame, case_id: str, weight_kg: float | None = None,
                    height_cm: float | None = None, gfr_ml_min: float | None = None,
                    bsa_formula: str = "Mosteller", observations: pd.DataFrame | None = None) -> pd.DataFrame:
    """Every printed dose of one case in absolute terms: one row per row of ``doses``, in the order of its lines.

    The body measures, line by line (:func:`line_measures`): with ``observations``, each line is worked
    out at the weight (and height) the case's own report states on or before **that line's start**
    (``therapy_lines.start_day``), never at a weight stated later; a ``weight_kg`` or ``height_cm``
    given overrides that for every line (the caller must label it as an assumption if it is one).

    Columns (:data:`CASE_DOSE_COLUMNS`):

    * ``therapy_id``, ``agent``, ``as printed`` (the report's words), ``unit`` (how the unit reads,
      :func:`utils.vocabulary.label`);
    * ``reduction (%)``: the stated reduction, which applies to every administration (blank if none);
    * ``loading dose``: the first dose in the printed unit when it differs (blank if none);
    * ``weight used (kg, day stated)``: ``63 (day 0, approximate)``, or ``60 (given)``; blank without one;
    * ``mg per administration``: the maintenance dose as given (after the reduction) in mg, by
      :func:`dose_mg`; ``loading dose (mg)`` the same for the first dose;
    * ``mg per m2``: the printed dose for a dose printed per m2; for a flat dose in mg, the arithmetic
      mg / BSA (``note`` says it is arithmetic only, not how the report dosed it); blank for a dose per
      kg or to a target AUC (a per-m2 figure means nothing for them);
    * ``mg per kg``: only for a dose printed per kg (the printed dose); blank for every other unit;
    * ``mg per week``: the planned maintenance dose per week, mg x administrations per cycle x 7 / cycle days;
    * ``note``: how a value was reached (a reduction, a capped GFR), which weight was used and whether a
      later one differs, and why a cell is blank.

    A value that needs a measure not known (no weight stated by the line's start, no height, no
    ``gfr_ml_min``) is left blank (NaN) with the reason in ``note``: missing body data never raises. A
    dose printed per m2 still reads per m2 without a height, and one per kg per kg without a weight. A
    measure given but impossible, an unknown BSA formula or unit, or a dose row whose line is not one
    of the case's in ``therapy_lines`` raises :class:`DoseError`. A case with no dose rows gives an
    empty table with these columns.
    """
    missing = [c for c in _DOSE_COLUMNS_NEEDED if c not in doses.columns]
    if missing:
        raise DoseError(f"doses has no column {', '.join(missing)}")
    _check_formula(bsa_formula)
    gfr = None if _blank(gfr_ml_min) else gfr_ml_min
    if gfr is not None:
        if not _is_number(gfr) or gfr < 0:
            raise DoseError(f"GFR must be a number of 0 mL/min or more, got {_shown(gfr)}")
        gfr = float(gfr)
    for given, check in ((weight_kg, _check_weight), (height_cm, _check_height)):
        if not _blank(given):
            check(given)

    own = doses[doses["case_id"].astype(str) == str(case_id)]
    if own.empty:
        return pd.DataFrame(columns=list(CASE_DOSE_COLUMNS))
    case_lines = therapy_lines[therapy_lines["case_id"].astype(str) == str(case_id)]
    line_ids = list(case_lines["therapy_id"].astype(str))
    strays = sorted(set(own["therapy_id"].astype(str)) - set(line_ids))
    if strays:
        raise DoseError(f"doses of {case_id} name therapy lines that therapy_lines does not give for {case_id}: {', '.join(strays)}")
    own = own.assign(_order=own["therapy_id"].astype(str).map(line_ids.index)).sort_values("_order", kind="stable")
    starts = {}
    if "start_day" in case_lines.columns:
        starts = {str(t): _number_or_none(d) for t, d in zip(case_lines["therapy_id"], case_lines["start_day"])}
    measures = {t: line_measures(observations, str(case_id), starts.get(t), weight_kg, height_cm)
                for t in dict.fromkeys(own["therapy_id"].astype(str))}

    rows = []
    for _, d in own.iterrows():
        unit = _check_unit(d["dose_unit"], f" for {d['therapy_id']}/{d['agent']}")
        body = measures[str(d["therapy_id"])]
        weight, height = body.weight_kg, body.height_cm
        bsa = BSA_FORMULAS[bsa_formula](height, weight) if weight is not None and height is not None else None
        no_bsa = "no " + " and ".join(n for n, v in (("height", height), ("weight", weight)) if v is None) + " for a BSA"
        reduction = _number_or_none(d.get("reduction_percent"))
        given = reduced(float(d["dose"]), reduction or 0.0)
        loading = _loading(d.get("loading_dose"))
        loading_given = None if loading is None else reduced(loading, reduction or 0.0)
        notes, blanks = [], {}
        if reduction:
            notes.append(f"after the stated {reduction:g} % reduction")

        if unit == PER_M2 and bsa is None:
            why = no_bsa
        elif unit == PER_KG and weight is None:
            why = "no body weight"
        elif unit == AUC and gfr is None:
            why = "no GFR (or creatinine clearance)"
        elif unit not in (PER_M2, PER_KG, FLAT, AUC):
            why = f"no conversion from {unit} to mg"
        else:
            why = None

        def in_mg(value: float | None) -> float | None:
            if value is None or why is not None:
                return None
            return dose_mg(value, bsa, unit=unit, weight_kg=weight, gfr_ml_min=gfr)

        mg, loading_mg = in_mg(given), in_mg(loading_given)
        if unit == AUC and mg is not None:
            calvert = calvert_dose(given, gfr)
            notes.append(f"Calvert, GFR {gfr:g} mL/min capped at {CALVERT_GFR_CAP_ML_MIN:g}" if calvert.capped
                         else f"Calvert, GFR {gfr:g} mL/min")
        if mg is None:
            blanks.setdefault(why, []).append("mg per administration")
            if loading is not None:
                blanks[why].append("loading dose (mg)")

        per_m2 = None
        if unit == PER_M2:
            per_m2 = given
        elif unit == FLAT:
            if bsa is None:
                blanks.setdefault(no_bsa, []).append("mg per m2")
            else:
                per_m2 = mg / bsa
                notes.append("mg per m2 is arithmetic only: the report printed a dose in mg, not a dose per m2")
        per_kg = given if unit == PER_KG else None

        per_admin, cycle = _number_or_none(d["administrations_per_cycle"]), _number_or_none(d["cycle_days"])
        if mg is None:
            weekly = None
            blanks.setdefault(why, []).append("mg per week")
        elif per_admin is None or cycle is None or per_admin <= 0 or cycle <= 0:
            weekly = None
            blanks.setdefault("no schedule", []).append("mg per week")
        else:
            weekly = mg * per_admin * 7.0 / cycle

        notes += list(body.notes)
        notes += [f"{reason}: {', '.join(columns)} left blank" for reason, columns in blanks.items()]
        rows.append({
            "therapy_id": d["therapy_id"], "agent": d["agent"], "as printed": d["printed"],
            "unit": vocabulary.label("dose_unit", unit), "reduction (%)": reduction, "loading dose": loading,
            "weight used (kg, day stated)": body.weight_shown,
            "mg per administration": _rounded(mg, 2), "loading dose (mg)": _rounded(loading_mg, 2),
            "mg per m2": _rounded(per_m2, 2), "mg per kg": _rounded(per_kg, 3), "mg per week": _rounded(weekly, 2),
            "note": "; ".join(notes),
        })
    table = pd.DataFrame(rows, columns=list(CASE_DOSE_COLUMNS))
    text = ("therapy_id", "agent", "as printed", "unit", "weight used (kg, day stated)", "note")
    numeric = [c for c in CASE_DOSE_COLUMNS if c not in text]
    table[numeric] = table[numeric].astype(float)
    return table.reset_index(drop=True)


def _rounded(value: float | None, digits: int) -> float:
    return math.nan if value is None else round(float(value), digits)
