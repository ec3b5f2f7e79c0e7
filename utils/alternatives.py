"""Alternative treatment timelines: edit a copy of the reported lines and recompute what changes.

The "what if?" explorer of notebook 06 calls these functions. Each takes the curated tables
and a :class:`LineEdit`, and returns **new** DataFrames: the loaded tables and ``casedata/``
are never changed, so "back to as reported" is simply the original tables again.

Derived quantities that an edit can change:

* the cumulative dose of an agent over a line (cycles x doses per cycle x reduction), set
  against the cited cumulative thresholds of ``dose_references.csv``;
* planned dose intensity (dose per week on schedule);
* a fixed dose in mg expressed per m2 at a chosen weight and an assumed height.
"""

from __future__ import annotations

from dataclasses import dataclass

import pandas as pd

from utils import dosing, vocabulary


class EditError(ValueError):
    """An edit names a line that does not exist or asks for something impossible."""


@dataclass(frozen=True)
class LineEdit:
    """One change to one line; the defaults leave the line as reported."""

    therapy_id: str
    shift_days: int = 0
    duration_days: int | None = None
    removed: bool = False
    cycles: int | None = None
    reduction_percent: float | None = None

    @property
    def is_reported(self) -> bool:
        return (self.shift_days == 0 and self.duration_days is None and not self.removed
                and self.cycles is None and self.reduction_percent is None)


def _line(therapy_lines: pd.DataFrame, therapy_id: str) -> pd.Series:
    rows = therapy_lines[therapy_lines["therapy_id"] == therapy_id]
    if len(rows) != 1:
        raise EditError(f"no line {therapy_id!r} in therapy_lines; lines: {', '.join(map(str, therapy_lines['therapy_id']))}")
    return rows.iloc[0]


def edited_lines(therapy_lines: pd.DataFrame, edit: LineEdit) -> pd.DataFrame:
    """A copy of ``therapy_lines`` with one line moved, shortened or lengthened, or removed.

    ``shift_days`` moves start and end together; ``duration_days`` sets the length from the
    (shifted) start; ``removed`` drops the line. An edited line is marked in ``regimen`` and
    its timing is approximate by construction.
    """
    _line(therapy_lines, edit.therapy_id)
    if edit.duration_days is not None and edit.duration_days < 0:
        raise EditError(f"duration_days must be 0 or more, got {edit.duration_days}")
    lines = therapy_lines.copy()
    if edit.removed:
        return lines[lines["therapy_id"] != edit.therapy_id].reset_index(drop=True)
    if edit.shift_days == 0 and edit.duration_days is None:
        return lines
    at = lines.index[lines["therapy_id"] == edit.therapy_id][0]
    start = int(lines.at[at, "start_day"]) + edit.shift_days
    end = lines.at[at, "end_day"]
    if edit.duration_days is not None:
        end = start + edit.duration_days
    elif pd.notna(end):
        end = int(end) + edit.shift_days
    lines.at[at, "start_day"] = start
    lines.at[at, "end_day"] = end
    lines.at[at, "start_precision"] = "approximate"
    if pd.notna(end):
        lines.at[at, "end_precision"] = "approximate"
    lines.at[at, "regimen"] = f"{lines.at[at, 'regimen']} (edited)"
    return lines


def cumulative_comparison(therapy_lines: pd.DataFrame, doses: pd.DataFrame, dose_references: pd.DataFrame,
                          edit: LineEdit, agent: str, readings: tuple[str, ...] = ("doxorubicin", "epirubicin")) -> pd.DataFrame:
    """Cumulative dose of ``agent`` over the edited line against each reading's thresholds, reported beside edited.

    Index ``quantity``: the cumulative dose in the printed dose's own unit (``cumulative dose (mg/m²)``,
    the unit as :data:`utils.vocabulary.DOSE_UNIT_LABELS` says it), then that dose as % of each threshold;
    columns ``as reported`` and ``edited``. Both totals come from
    :func:`utils.dosing.cumulative_for_line` (printed dose, stated reduction, reported cycles). A threshold
    in another unit than the printed dose cannot be compared with it and raises :class:`EditError`.
    """
    try:
        unit = str(dosing.printed_dose(doses, edit.therapy_id, agent)["dose_unit"])
        reported_total = dosing.cumulative_for_line(doses, therapy_lines, edit.therapy_id, agent)
        edited_total = 0.0 if edit.removed else dosing.cumulative_for_line(
            doses, therapy_lines, edit.therapy_id, agent, cycles=edit.cycles, reduction_percent=edit.reduction_percent)
    except dosing.DoseError as error:
        raise EditError(f"the cumulative dose of {edit.therapy_id} is unknown: {error}") from error
    shown = vocabulary.label("dose_unit", unit)
    rows = [{"quantity": f"cumulative dose ({shown})", "as reported": round(reported_total, 1), "edited": round(edited_total, 1)}]
    for reading in readings:
        for _, t in dosing.references(dose_references, reading, "cumulative_threshold").iterrows():
            if dosing.reference_unit(t) != unit:
                raise EditError(f"{t['reference_id']} ({reading}) is in {dosing.reference_unit(t)}, but {edit.therapy_id}/{agent} "
                                f"is printed in {unit}: a cumulative dose cannot be set against it")
            rows.append({"quantity": f"% of {reading} {t['value']:g} {shown} ({t['reference_id']})",
                         "as reported": round(100 * reported_total / t["value"]),
                         "edited": round(100 * edited_total / t["value"])})
    return pd.DataFrame(rows).set_index("quantity")


def dose_intensity_comparison(therapy_lines: pd.DataFrame, doses: pd.DataFrame, edit: LineEdit) -> pd.DataFrame:
    """Planned dose intensity (per week) of every agent of the line, reported beside edited.

    Each ``quantity`` names the dose's own unit as :data:`utils.vocabulary.DOSE_UNIT_LABELS` says it
    (``paclitaxel per week (mg/m²)``, ``trastuzumab per week (mg/kg)``); a loading dose is not counted.
    """
    _line(therapy_lines, edit.therapy_id)
    own = doses[doses["therapy_id"] == edit.therapy_id]
    rows = []
    for _, d in own.iterrows():
        reported_reduction = 0.0 if pd.isna(d["reduction_percent"]) else float(d["reduction_percent"])
        reduction = reported_reduction if edit.reduction_percent is None else edit.reduction_percent
        args = (float(d["dose"]), int(d["administrations_per_cycle"]), int(d["cycle_days"]))
        rows.append({"quantity": f"{d['agent']} per week ({vocabulary.label('dose_unit', d['dose_unit'])})",
                     "as reported": round(dosing.dose_intensity_per_week(*args, reported_reduction), 2),
                     "edited": 0.0 if edit.removed else round(dosing.dose_intensity_per_week(*args, reduction), 2)})
    return pd.DataFrame(rows, columns=["quantity", "as reported", "edited"]).set_index("quantity")


def fixed_dose_at(doses: pd.DataFrame, therapy_id: str, agent: str, weight_kg: float, height_cm: float,
                  formula: str = "Mosteller") -> float:
    """CALCULATION ON AN ASSUMED HEIGHT: a dose printed in mg, per m2 at the given weight and height."""
    printed = dosing.printed_dose(doses, therapy_id, agent)
    if printed["dose_unit"] != "mg":
        raise EditError(f"{therapy_id}/{agent} is printed in {printed['dose_unit']}, not as a fixed dose in mg")
    if formula not in dosing.BSA_FORMULAS:
        raise EditError(f"unknown BSA formula {formula!r}; expected one of {', '.join(dosing.BSA_FORMULAS)}")
    return dosing.dose_per_m2(float(printed["dose"]), dosing.BSA_FORMULAS[formula](height_cm, weight_kg))
