"""Weight loss, body-mass index and the NICE criteria for a high risk of refeeding problems.

NICE clinical guideline CG32 (Nutrition support for adults, 2006, updated 2017;
sources.csv ``nice_cg32``) names a person at high risk of developing refeeding problems
if they meet **one** major criterion (BMI below 16 kg/m2; unintentional weight loss of more
than 15 % within the last 3-6 months; little or no intake for more than 10 days; low
potassium, phosphate or magnesium before feeding) or **two** minor ones (BMI below
18.5 kg/m2; weight loss of more than 10 % within 3-6 months; little or no intake for more
than 5 days; a history of alcohol misuse or of drugs including insulin, chemotherapy,
antacids or diuretics).

:func:`refeeding_criteria` takes what is known and returns each criterion as met, not met
or unknown, so a notebook can show which facts the report leaves out.

The weights are each case's own: :func:`stated_weights` lists the weights one case's report
states, :func:`body_weight` (from :mod:`utils.dosing`) picks the one for a given day, and
:func:`weight_change` compares the first and the last. A case whose report states no weight gets
an empty table or None, never another case's weight.
"""

from __future__ import annotations

import math
from dataclasses import dataclass

import pandas as pd

from utils.dosing import (BODY_WEIGHT, HEIGHT_RANGE_CM, WEIGHT_RANGE_KG, DoseError, StatedMeasure,  # noqa: F401
                          StatedWeight, body_height, body_weight)  # body_weight and body_height re-exported here

#: NICE CG32 thresholds (see the module docstring).
BMI_MAJOR, BMI_MINOR = 16.0, 18.5
LOSS_MAJOR_PERCENT, LOSS_MINOR_PERCENT = 15.0, 10.0
LOSS_WINDOW_MONTHS: tuple[float, float] = (3.0, 6.0)
INTAKE_MAJOR_DAYS, INTAKE_MINOR_DAYS = 10, 5


def percent_weight_loss(before_kg: float, after_kg: float) -> float:
    """Weight lost as a percentage of the earlier weight (negative for a gain)."""
    for name, value in (("before_kg", before_kg), ("after_kg", after_kg)):
        low, high = WEIGHT_RANGE_KG
        if not isinstance(value, (int, float)) or math.isnan(value) or not low <= value <= high:
            raise DoseError(f"{name} {value!r} kg is outside the adult range {low:g} to {high:g} kg")
    return (before_kg - after_kg) / before_kg * 100.0


def bmi(weight_kg: float, height_cm: float) -> float:
    """Body-mass index in kg/m2."""
    low, high = HEIGHT_RANGE_CM
    if not isinstance(height_cm, (int, float)) or not low <= height_cm <= high:
        raise DoseError(f"height {height_cm!r} cm is outside the adult range {low:g} to {high:g} cm")
    wlow, whigh = WEIGHT_RANGE_KG
    if not isinstance(weight_kg, (int, float)) or not wlow <= weight_kg <= whigh:
        raise DoseError(f"weight {weight_kg!r} kg is outside the adult range {wlow:g} to {whigh:g} kg")
    return weight_kg / (height_cm / 100.0) ** 2


def height_for_bmi(weight_kg: float, target_bmi: float) -> float:
    """The height in cm at which ``weight_kg`` gives exactly ``target_bmi`` (taller means lower BMI)."""
    if not isinstance(target_bmi, (int, float)) or math.isnan(target_bmi) or target_bmi <= 0:
        raise DoseError(f"target_bmi must be positive, got {target_bmi!r}")
    wlow, whigh = WEIGHT_RANGE_KG
    if not isinstance(weight_kg, (int, float)) or not wlow <= weight_kg <= whigh:
        raise DoseError(f"weight {weight_kg!r} kg is outside the adult range {wlow:g} to {whigh:g} kg")
    return 100.0 * math.sqrt(weight_kg / target_bmi)


def stated_weights(observations: pd.DataFrame, case_id: str) -> pd.DataFrame:
    """Every body weight one case's report states, earliest first (an empty table when it states none).

    Columns as in ``observations.csv`` (day, day_precision, value, unit, printed, source_locator ...).
    """
    own = observations[(observations["case_id"].astype(str) == str(case_id))
                       & (observations["quantity"].astype(str) == BODY_WEIGHT)]
    return own.sort_values("day", kind="stable").reset_index(drop=True)


@dataclass(frozen=True)
class WeightChange:
    """The first and the last weight a case states, and the change between them."""

    first: StatedMeasure
    last: StatedMeasure

    @property
    def days(self) -> int:
        return self.last.day - self.first.day

    @property
    def percent_loss(self) -> float:
        """Weight lost as a percentage of the first weight (negative for a gain)."""
        return percent_weight_loss(self.first.kg, self.last.kg)


def weight_change(observations: pd.DataFrame, case_id: str) -> WeightChange | None:
    """First and last stated weight of one case; None when it states fewer than two weights."""
    weights = stated_weights(observations, case_id)
    if len(weights) < 2:
        return None
    first = body_weight(observations, case_id)
    last = body_weight(observations, case_id, day=weights["day"].iloc[-1])
    return WeightChange(first, last)


def _status(value: float | bool | None, test) -> str:
    if value is None:
        return "unknown"
    return "met" if test(value) else "not met"


def refeeding_criteria(*, bmi_value: float | None = None, weight_loss_percent: float | None = None,
                       loss_window_months: float | None = None, days_little_intake: int | None = None,
                       low_electrolytes: bool | None = None, alcohol_or_listed_drugs: bool | None = None) -> pd.DataFrame:
    """Each NICE CG32 criterion as ``met``, ``not met`` or ``unknown`` (None means not reported).

    Weight loss counts only when the loss happened within 3 to 6 months
    (``loss_window_months``); a loss over a longer period is marked ``unknown``, because the
    loss within any 6-month window cannot be read from two weights alone.
    """
    loss = weight_loss_percent
    if loss is not None and loss_window_months is not None and loss_window_months > LOSS_WINDOW_MONTHS[1]:
        loss = None
    rows = [
        ("major", f"BMI below {BMI_MAJOR:g} kg/m2", _status(bmi_value, lambda v: v < BMI_MAJOR)),
        ("major", f"weight loss above {LOSS_MAJOR_PERCENT:g} % within 3-6 months", _status(loss, lambda v: v > LOSS_MAJOR_PERCENT)),
        ("major", f"little or no intake for more than {INTAKE_MAJOR_DAYS} days", _status(days_little_intake, lambda v: v > INTAKE_MAJOR_DAYS)),
        ("major", "low potassium, phosphate or magnesium before feeding", _status(low_electrolytes, bool)),
        ("minor", f"BMI below {BMI_MINOR:g} kg/m2", _status(bmi_value, lambda v: v < BMI_MINOR)),
        ("minor", f"weight loss above {LOSS_MINOR_PERCENT:g} % within 3-6 months", _status(loss, lambda v: v > LOSS_MINOR_PERCENT)),
        ("minor", f"little or no intake for more than {INTAKE_MINOR_DAYS} days", _status(days_little_intake, lambda v: v > INTAKE_MINOR_DAYS)),
        ("minor", "alcohol misuse, or drugs such as insulin, chemotherapy, antacids or diuretics", _status(alcohol_or_listed_drugs, bool)),
    ]
    return pd.DataFrame(rows, columns=["kind", "criterion", "status"])


def refeeding_high_risk(criteria: pd.DataFrame) -> bool:
    """NICE CG32 high risk: at least one major criterion met, or at least two minor ones."""
    met = criteria[criteria["status"] == "met"]
    return bool((met["kind"] == "major").any() or (met["kind"] == "minor").sum() >= 2)
