"""Laboratory series of one case: values over time, how fast they change, how they recover.

Functions take the ``labs`` table of :mod:`utils.casedata` and return plain values or
DataFrames; they never fill gaps between measured days (no interpolation). Every
recovery measure below is read off the stated values only:

* :func:`lowest_stated` - the lowest stated value in a window of days. It is *not* the
  nadir: a report states a few days, and the true low (a chemotherapy nadir, say) may
  fall between them, so every table names it "lowest stated value";
* :func:`change_from_lowest` - every later stated value against that lowest stated value;
* :func:`first_day_above` - the first stated value at or above a threshold, with the last
  stated value below it, so the crossing is known only to lie between the two days;
* :func:`percent_change` and :func:`percent_change_table` - change between two stated days;
* :func:`recovery_table` - those measures for several analytes in one table;
* :func:`ctcae_steps` and :func:`time_to_thresholds` - the first stated value at or above
  each CTCAE v5.0 grade floor and the LLN;
* :func:`below_thresholds` - every stated value against the transfusion thresholds that apply;
* :func:`unit_check` - printed values converted again by :mod:`utils.units`, beside the
  stored standard values.

Unknown cases, unknown analytes, a window without values and a threshold that is not a
positive number raise :class:`ValueError` naming what was wrong and what was expected.
"""

from __future__ import annotations

import math
from dataclasses import dataclass

import pandas as pd

from utils import units

#: Blood counts graded by CTCAE v5.0 and tumour markers, in the order notebooks show them.
COUNTS: tuple[str, ...] = ("hemoglobin", "platelets", "wbc")
MARKERS: tuple[str, ...] = ("cea", "ca15_3", "ca125")


def check_case_and_analyte(labs: pd.DataFrame, case_id: str, analyte: str) -> None:
    """Raise :class:`ValueError` for a case without any laboratory values or an unknown analyte."""
    cases = sorted(str(c) for c in labs["case_id"].dropna().unique())
    if case_id not in cases:
        raise ValueError(f"unknown case {case_id!r}: no laboratory values; cases with values: {', '.join(cases)}")
    if analyte not in units.STANDARD_UNITS:
        raise ValueError(f"unknown analyte {analyte!r}; expected one of: {', '.join(units.STANDARD_UNITS)}")


def series(labs: pd.DataFrame, case_id: str, analyte: str) -> pd.DataFrame:
    """The measured values of one analyte for one case, in day order (standard units).

    :class:`ValueError` for an unknown case or analyte, and for a known analyte the report
    states no value of ("no ca125 values for akagi2021").
    """
    check_case_and_analyte(labs, case_id, analyte)
    own = labs[(labs["case_id"] == case_id) & (labs["analyte"] == analyte)]
    if own.empty:
        raise ValueError(f"no {analyte} values for {case_id}")
    columns = ["day", "day_precision", "value_std", "unit_std", "printed", "source_locator"]
    return own.sort_values("day")[columns].reset_index(drop=True)


def change_per_day(labs: pd.DataFrame, case_id: str, analyte: str, day_from: int, day_to: int) -> float:
    """Average change per day between two measured days (negative for a fall).

    Both days must have a measured value; nothing is interpolated.
    """
    values = series(labs, case_id, analyte).set_index("day")["value_std"]
    missing = [d for d in (day_from, day_to) if d not in values.index]
    if missing:
        raise ValueError(f"{case_id} has no {analyte} value on day(s) {missing}; measured days: {list(values.index)}")
    if day_to == day_from:
        raise ValueError("day_from and day_to must differ")
    return float((values[day_to] - values[day_from]) / (day_to - day_from))


#: Platelets survive about 9 to 10 days in the circulation (Harker 1977, PMID 912957; sources.csv harker1977).
PLATELET_SURVIVAL_DAYS: tuple[float, float] = (9.0, 10.0)


def count_if_production_stopped(start_value: float, days: float, survival_days: float) -> float:
    """MODEL: the platelet count ``days`` later if production stopped completely at the start.

    Assumes platelets of all ages are evenly represented and each is removed only when it
    reaches ``survival_days`` (pure senescence, no consumption or destruction), so the count
    falls by ``start_value / survival_days`` per day. A measured count far below this floor
    means platelets were also being consumed, destroyed, sequestered or lost.
    """
    if survival_days <= 0 or days < 0:
        raise ValueError(f"survival_days must be positive and days not negative, got {survival_days}, {days}")
    return start_value * max(0.0, 1.0 - days / survival_days)


# Recovery measures ---------------------------------------------------------------------------------


def _window(labs: pd.DataFrame, case_id: str, analyte: str, day_from: int | None, day_to: int | None) -> pd.DataFrame:
    """The stated values of one analyte between two days (both included; ``None`` = open)."""
    values = series(labs, case_id, analyte)
    if day_from is not None and day_to is not None and day_to < day_from:
        raise ValueError(f"day_to ({day_to}) is before day_from ({day_from})")
    keep = pd.Series(True, index=values.index)
    if day_from is not None:
        keep &= values["day"] >= day_from
    if day_to is not None:
        keep &= values["day"] <= day_to
    own = values[keep].reset_index(drop=True)
    if own.empty:
        raise ValueError(f"{case_id} has no {analyte} value between day {day_from} and day {day_to}; "
                         f"measured days: {[int(d) for d in values['day']]}")
    return own


def lowest_stated(labs: pd.DataFrame, case_id: str, analyte: str, day_from: int | None = None,
                  day_to: int | None = None) -> pd.Series:
    """The lowest stated value in the window (the earliest one if several are equally low).

    Returns one row of :func:`series` (day, day_precision, value_std, unit_std, printed,
    source_locator). It is the lowest *stated* value, not the nadir: the true low point may
    have fallen between two measurements, or in a period the report gives no value for.
    """
    own = _window(labs, case_id, analyte, day_from, day_to)
    return own.loc[own["value_std"].idxmin()]


def change_from_lowest(labs: pd.DataFrame, case_id: str, analyte: str, day_from: int | None = None,
                       day_to: int | None = None) -> pd.DataFrame:
    """Every stated value from the lowest stated value of the window onwards, against it.

    Columns: day, day_precision, value_std, unit_std, days_after_lowest, change (same unit)
    and percent (of the lowest stated value; blank when it is 0). The first row is the
    lowest stated value itself.
    """
    own = _window(labs, case_id, analyte, day_from, day_to)
    low = own.loc[own["value_std"].idxmin()]
    after = own[own["day"] >= low["day"]].copy()
    after["days_after_lowest"] = after["day"] - low["day"]
    after["change"] = after["value_std"] - low["value_std"]
    after["percent"] = after["change"] / low["value_std"] * 100 if low["value_std"] > 0 else math.nan
    columns = ["day", "day_precision", "value_std", "unit_std", "days_after_lowest", "change", "percent"]
    return after[columns].reset_index(drop=True)



@dataclass(frozen=True)
class FirstAbove:
    """The first stated value at or above a threshold, and what brackets the crossing."""

    day: int  # day of the first stated value at or above the threshold
    day_precision: str  # exact or approximate, as stored for that value
    value: float  # that value, in standard units
    last_below_day: int | None  # the stated value before it, below the threshold (None: already above at the start)
    start_day: int  # the day the clock starts (the window's lowest stated value unless given)

    @property
    def days_after_start(self) -> int:
        """Days from ``start_day`` to the first stated value at or above the threshold (an upper bound)."""
        return self.day - self.start_day


def first_day_above(labs: pd.DataFrame, case_id: str, analyte: str, threshold: float,
                    day_from: int | None = None, day_to: int | None = None,
                    start_day: int | None = None) -> FirstAbove | None:
    """The first stated value at or above ``threshold`` (standard units) after the clock starts.

    The clock starts at ``start_day`` (default: the day of the window's lowest stated value), and only
    values on or after it count. ``None`` when no stated value reaches the threshold: that
    means "not shown by the stated values", not "never happened". The count crossed the
    threshold somewhere between ``last_below_day`` and ``day``; nothing is interpolated.
    """
    if isinstance(threshold, bool) or not isinstance(threshold, (int, float)) or not math.isfinite(threshold) or threshold <= 0:
        raise ValueError(f"threshold must be a positive number in the standard unit of {analyte}, got {threshold!r}")
    own = _window(labs, case_id, analyte, day_from, day_to)
    start = int(own.loc[own["value_std"].idxmin(), "day"]) if start_day is None else int(start_day)
    own = own[own["day"] >= start]
    previous: int | None = None
    for _, row in own.iterrows():
        if row["value_std"] >= threshold:
            return FirstAbove(day=int(row["day"]), day_precision=str(row["day_precision"]), value=float(row["value_std"]),
                              last_below_day=previous, start_day=start)
        previous = int(row["day"])
    return None


def percent_change(labs: pd.DataFrame, case_id: str, analyte: str, day_from: int, day_to: int) -> float:
    """Change between two stated days as a percentage of the first value (negative for a fall)."""
    values = series(labs, case_id, analyte).set_index("day")["value_std"]
    missing = [d for d in (day_from, day_to) if d not in values.index]
    if missing:
        raise ValueError(f"{case_id} has no {analyte} value on day(s) {missing}; measured days: {[int(d) for d in values.index]}")
    if values[day_from] == 0:
        raise ValueError(f"the {analyte} value of {case_id} on day {day_from} is 0, so a percentage change is undefined")
    return float((values[day_to] - values[day_from]) / values[day_from] * 100)


def percent_change_table(labs: pd.DataFrame, case_id: str, day_from: int, day_to: int,
                         analytes: tuple[str, ...] | list[str] = COUNTS + MARKERS) -> pd.DataFrame:
    """Percentage change of every analyte stated on both days (others are left out, not guessed).

    Columns: analyte, value_from, value_to, unit_std, percent, precision_from, precision_to.
    """
    rows = []
    for analyte in analytes:
        check_case_and_analyte(labs, case_id, analyte)
        own = labs[(labs["case_id"] == case_id) & (labs["analyte"] == analyte)].set_index("day")
        if day_from in own.index and day_to in own.index:
            rows.append({"analyte": analyte, "value_from": own.at[day_from, "value_std"], "value_to": own.at[day_to, "value_std"],
                         "unit_std": own.at[day_from, "unit_std"],
                         "percent": percent_change(labs, case_id, analyte, day_from, day_to),
                         "precision_from": own.at[day_from, "day_precision"], "precision_to": own.at[day_to, "day_precision"]})
    if not rows:
        raise ValueError(f"{case_id}: no analyte among {list(analytes)} is stated on both day {day_from} and day {day_to}")
    return pd.DataFrame(rows)


def crossing_text(found: FirstAbove | None) -> str:
    """Where a threshold was crossed, in words: between two stated days, not reached, or not shown.

    "already at or above at the lowest stated value" means that no stated value lies below
    the threshold; it does not mean the count never fell below it.
    """
    if found is None:
        return "not reached in the stated values"
    if found.last_below_day is None:
        return "already at or above at the lowest stated value"
    return f"day {found.last_below_day} and day {found.day}"


def recovery_table(labs: pd.DataFrame, case_id: str, analytes: tuple[str, ...] | list[str], lln: dict[str, float],
                   day_from: int | None = None, day_to: int | None = None) -> pd.DataFrame:
    """Lowest stated value, last stated value, the change between them and the first stated value at or above the LLN.

    One row per analyte with stated values in the window; ``lln`` gives the lower limit of
    normal (standard units) for each analyte. Columns: analyte, unit_std, lln,
    lowest_stated_day, lowest_stated, last_day, last, change_from_lowest,
    first_at_or_above_lln (blank when no stated value reaches it) and crossed_between
    (:func:`crossing_text`).
    """
    rows = []
    for analyte in analytes:
        if analyte not in lln:
            raise ValueError(f"no lower limit of normal given for {analyte!r}; lln has: {', '.join(lln) or 'nothing'}")
        low = lowest_stated(labs, case_id, analyte, day_from, day_to)
        later = change_from_lowest(labs, case_id, analyte, day_from, day_to)
        last = later.iloc[-1]
        above = first_day_above(labs, case_id, analyte, lln[analyte], day_from, day_to)
        rows.append({
            "analyte": analyte, "unit_std": low["unit_std"], "lln": lln[analyte],
            "lowest_stated_day": int(low["day"]), "lowest_stated": low["value_std"],
            "last_day": int(last["day"]), "last": last["value_std"], "change_from_lowest": last["change"],
            "first_at_or_above_lln": pd.NA if above is None else above.day,
            "crossed_between": crossing_text(above),
        })
    table = pd.DataFrame(rows)
    table["first_at_or_above_lln"] = table["first_at_or_above_lln"].astype("Int64")
    return table


def unit_check(labs: pd.DataFrame, analytes: tuple[str, ...] | list[str] = COUNTS) -> pd.DataFrame:
    """The printed value and unit of each row converted again by :mod:`utils.units`, beside the stored value.

    Columns: case_id, day, analyte, printed, value, unit, factor, converted, unit_std,
    value_std (stored) and agrees. An unknown unit raises :class:`utils.units.UnitError`.
    """
    own = labs[labs["analyte"].isin(analytes)]
    rows = []
    for _, lab in own.iterrows():
        converted, unit_std = units.to_standard(lab["value"], str(lab["unit"]), str(lab["analyte"]))
        rows.append({"case_id": lab["case_id"], "day": lab["day"], "analyte": lab["analyte"], "printed": lab["printed"],
                     "value": lab["value"], "unit": lab["unit"],
                     "factor": units.conversion_factor(str(lab["unit"]), str(lab["analyte"])),
                     "converted": converted, "unit_std": unit_std, "value_std": lab["value_std"],
                     "agrees": units.agrees(lab["value_std"], converted)})
    return pd.DataFrame(rows)


def ctcae_steps(analyte: str, lln: float) -> dict[str, float]:
    """Thresholds worth timing for a count: the lower bound of each CTCAE v5.0 grade, then the LLN.

    Reaching the lower bound of grade g means the count is grade g or better. Keys are
    readable labels, for example ``"grade 2 or better (>= 8)"``.
    """
    from utils.grading import CTCAE_V5

    if analyte not in CTCAE_V5:
        raise ValueError(f"no CTCAE v5.0 grading for {analyte!r}; graded analytes: {', '.join(CTCAE_V5)}")
    if not isinstance(lln, (int, float)) or not math.isfinite(lln) or lln <= 0:
        raise ValueError(f"the lower limit of normal must be a positive number, got {lln!r}")
    _, bounds = CTCAE_V5[analyte]
    steps = {f"grade {grade} or better (>= {bound:g})": bound for grade, bound in reversed(list(enumerate(bounds, start=1)))
             if bound < lln}
    steps[f"normal (>= LLN {lln:g})"] = float(lln)
    return steps


def time_to_thresholds(labs: pd.DataFrame, case_id: str, analyte: str, thresholds: dict[str, float],
                       day_from: int | None = None, day_to: int | None = None) -> pd.DataFrame:
    """For each named threshold, the first stated value at or above it after the window's lowest stated value.

    Columns: threshold, value, first_day, day_precision, last_below_day, days_after_lowest
    (an upper bound: the crossing lies between ``last_below_day`` and ``first_day``) and
    crossed_between (:func:`crossing_text`). Blank when no stated value reaches the
    threshold. A value of 0 in ``days_after_lowest`` means the lowest stated value was
    already at or above the threshold, not that the count never fell below it.
    """
    rows = []
    for name, threshold in thresholds.items():
        found = first_day_above(labs, case_id, analyte, threshold, day_from, day_to)
        rows.append({"threshold": name, "value": threshold,
                     "first_day": pd.NA if found is None else found.day,
                     "day_precision": pd.NA if found is None else found.day_precision,
                     "last_below_day": pd.NA if found is None or found.last_below_day is None else found.last_below_day,
                     "days_after_lowest": pd.NA if found is None else found.days_after_start,
                     "crossed_between": crossing_text(found)})
    table = pd.DataFrame(rows, columns=["threshold", "value", "first_day", "day_precision", "last_below_day", "days_after_lowest",
                                        "crossed_between"])
    for column in ("first_day", "last_below_day", "days_after_lowest"):
        table[column] = table[column].astype("Int64")
    table["day_precision"] = table["day_precision"].astype("string")
    return table


def below_thresholds(labs: pd.DataFrame, thresholds: pd.DataFrame, case_id: str) -> pd.DataFrame:
    """Every stated value of ``case_id`` against every transfusion threshold that applies to it.

    ``thresholds`` is the ``transfusion_thresholds`` table; a threshold applies when it is
    the case's own or a guideline's (no case). ``below`` is True when the value is below
    the threshold (strictly, as the table's ``below`` column defines it). Thresholds are
    converted to the standard unit first (an unknown unit raises
    :class:`utils.units.UnitError`).
    """
    check_case_and_analyte(labs, case_id, COUNTS[0])
    applies = thresholds[thresholds["case_id"].isna() | (thresholds["case_id"] == case_id)]
    rows = []
    for _, threshold in applies.iterrows():
        analyte = str(threshold["analyte"])
        below_std, _ = units.to_standard(float(threshold["below"]), str(threshold["unit"]), analyte)
        own = labs[(labs["case_id"] == case_id) & (labs["analyte"] == analyte)].sort_values("day")
        for _, lab in own.iterrows():
            rows.append({"threshold_id": threshold["threshold_id"], "source_id": threshold["source_id"], "analyte": analyte,
                         "threshold": below_std, "day": lab["day"], "day_precision": lab["day_precision"],
                         "value_std": lab["value_std"], "unit_std": lab["unit_std"], "below": bool(lab["value_std"] < below_std)})
    return pd.DataFrame(rows, columns=["threshold_id", "source_id", "analyte", "threshold", "day", "day_precision",
                                       "value_std", "unit_std", "below"])
