"""Laboratory series of one case: values over time, how fast they change, how they recover.

Functions take the ``labs`` table of :mod:`utils.casedata` and return plain values or
DataFrames; they never fill gaps between measured days (no interpolation).
:func:`printed_counts` says how many values of each count a report prints (0 included:
neither report prints a neutrophil count). Every
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
  stored standard values;
* :func:`stated_on_day` - what a report prints on one day, and which expected analytes it
  leaves out (no ANC, say);
* :func:`count_if_production_stopped` and :func:`days_to_fall_if_production_stopped` - MODELS
  of how fast a count can fall if the marrow stops making the cells altogether;
* :func:`cycle_position` - where in a chemotherapy cycle a day falls (which cycle, which day
  of it, how long after the last dose).

Unknown cases, unknown analytes, a window without values and a threshold that is not a
positive number raise :class:`ValueError` naming what was wrong and what was expected.
"""

from __future__ import annotations

import math
from collections.abc import Sequence
from dataclasses import dataclass

import pandas as pd

from utils import units
from utils.vocabulary import COUNT_ANALYTES, MARKER_ANALYTES

#: Blood counts graded by CTCAE v5.0 and tumour markers, in the order notebooks show them.
COUNTS: tuple[str, ...] = COUNT_ANALYTES
MARKERS: tuple[str, ...] = MARKER_ANALYTES
#: The counts CTCAE grades: the three lineages and the absolute neutrophil count (ANC).
GRADED_COUNTS: tuple[str, ...] = COUNTS + ("neutrophils",)


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


def printed_counts(labs: pd.DataFrame, analytes: tuple[str, ...] | list[str] = GRADED_COUNTS,
                   day_from: int | None = None, day_to: int | None = None,
                   cases: list[str] | pd.Series | None = None) -> pd.DataFrame:
    """How many values of each analyte each report prints between two days (both included; ``None`` = open).

    One row per case (``cases``, default: every case with laboratory values), one column per
    analyte, 0 included: a 0 says that the report prints no such value in the window. It cannot
    say whether the test was not done or done and not reported.
    """
    for analyte in analytes:
        if analyte not in units.STANDARD_UNITS:
            raise ValueError(f"unknown analyte {analyte!r}; expected one of: {', '.join(units.STANDARD_UNITS)}")
    if day_from is not None and day_to is not None and day_to < day_from:
        raise ValueError(f"day_to ({day_to}) is before day_from ({day_from})")
    keep = labs["analyte"].isin(list(analytes))
    if day_from is not None:
        keep &= labs["day"] >= day_from
    if day_to is not None:
        keep &= labs["day"] <= day_to
    rows = [str(c) for c in (labs["case_id"].dropna().unique() if cases is None else cases)]
    table = pd.DataFrame(0, index=pd.Index(rows, name="case_id"), columns=pd.Index(list(analytes), name="analyte"))
    for (case_id, analyte), count in labs[keep].groupby(["case_id", "analyte"], observed=True).size().items():
        if str(case_id) in table.index:
            table.at[str(case_id), str(analyte)] = int(count)
    return table


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
#: Red cells survive about 115 to 120 days (Franco 2012, PMID 23801920; Hoffbrand, sources.csv hoffbrand_eh).
RED_CELL_SURVIVAL_DAYS: tuple[float, float] = (115.0, 120.0)


def count_if_production_stopped(start_value: float, days: float, survival_days: float) -> float:
    """MODEL: the count (platelets, or red cells as haemoglobin) ``days`` later if production stopped completely at the start.

    Assumes platelets of all ages are evenly represented and each is removed only when it
    reaches ``survival_days`` (pure senescence, no consumption or destruction), so the count
    falls by ``start_value / survival_days`` per day. A measured count far below this floor
    means platelets were also being consumed, destroyed, sequestered or lost.
    """
    if survival_days <= 0 or days < 0:
        raise ValueError(f"survival_days must be positive and days not negative, got {survival_days}, {days}")
    return start_value * max(0.0, 1.0 - days / survival_days)


def days_to_fall_if_production_stopped(start_value: float, end_value: float, survival_days: float) -> float:
    """MODEL: the fewest days a count needs to fall from ``start_value`` to ``end_value`` by senescence alone.

    The inverse of :func:`count_if_production_stopped`: production stops completely and each
    cell is removed only at the end of its lifespan, so the count falls by
    ``start_value / survival_days`` per day. A fall in fewer days means cells were also lost
    (bleeding), destroyed (haemolysis) or consumed; a fall over more days fits production
    that was reduced rather than stopped. :class:`ValueError` unless
    ``0 <= end_value <= start_value``, ``start_value > 0`` and ``survival_days > 0``.
    """
    if survival_days <= 0 or start_value <= 0 or not 0 <= end_value <= start_value:
        raise ValueError(f"need survival_days > 0 and 0 <= end_value <= start_value (> 0), got survival_days={survival_days},"
                         f" start_value={start_value}, end_value={end_value}")
    return survival_days * (1.0 - end_value / start_value)


@dataclass(frozen=True)
class CyclePosition:
    """Where a day falls in a course of chemotherapy given in cycles of equal length."""

    cycle: int  # the cycle whose dose was the last one on or before the day (1 = the first)
    day_of_cycle: int  # day 1 is the dosing day of that cycle
    days_after_last_dose: int
    after_last_cycle: bool  # the planned cycles are all given and the day lies past the end of the last one


def cycle_position(day: int, start_day: int, cycle_days: int, cycles: int | None = None) -> CyclePosition:
    """Place ``day`` in a course that started on ``start_day`` with one dose every ``cycle_days`` days.

    With ``cycles`` (the number given), the last dose is that of cycle ``cycles`` even for a day
    long after it, and ``after_last_cycle`` says whether the day lies past the end of that
    cycle. Assumes every cycle ran on schedule: a delayed cycle moves every later dose.

    >>> cycle_position(8, 1, 21)
    CyclePosition(cycle=1, day_of_cycle=8, days_after_last_dose=7, after_last_cycle=False)

    :class:`ValueError` for a day before the first dose, a cycle length below 1 or fewer than one cycle.
    """
    if cycle_days < 1:
        raise ValueError(f"cycle_days must be at least 1, got {cycle_days}")
    if cycles is not None and cycles < 1:
        raise ValueError(f"cycles must be at least 1 when given, got {cycles}")
    if day < start_day:
        raise ValueError(f"day {day} is before the first dose on day {start_day}")
    cycle = (day - start_day) // cycle_days + 1
    if cycles is not None:
        cycle = min(cycle, cycles)
    since = day - (start_day + (cycle - 1) * cycle_days)
    return CyclePosition(cycle=int(cycle), day_of_cycle=int(since + 1), days_after_last_dose=int(since),
                         after_last_cycle=bool(since >= cycle_days))


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


def stated_on_day(labs: pd.DataFrame, case_id: str, day: int, expected: Sequence[str] = (*COUNTS, "neutrophils", "cea", "ca15_3")
                  ) -> pd.DataFrame:
    """Every value ``case_id`` states on ``day``, and a row "not printed" for each ``expected`` analyte it leaves out.

    Columns: analyte, printed, value_std, unit_std, status ("printed" or "not printed") and
    source_locator; printed analytes first, in ``expected`` order, then any others. The
    missing rows are what a reader would want on that day and the report does not give: an
    absence, not a value. :class:`ValueError` for an unknown case or expected analyte.
    """
    check_case_and_analyte(labs, case_id, COUNTS[0])
    for analyte in expected:
        check_case_and_analyte(labs, case_id, analyte)
    own = labs[(labs["case_id"] == case_id) & (labs["day"] == day)].copy()
    own["analyte"] = own["analyte"].astype(str)
    order = {a: i for i, a in enumerate(expected)}
    own = own.assign(_order=own["analyte"].map(order).fillna(len(order))).sort_values(["_order", "analyte"])
    rows = [{"analyte": r["analyte"], "printed": r["printed"], "value_std": r["value_std"], "unit_std": r["unit_std"],
             "status": "printed", "source_locator": r["source_locator"]} for _, r in own.iterrows()]
    rows += [{"analyte": a, "printed": pd.NA, "value_std": pd.NA, "unit_std": units.STANDARD_UNITS[a], "status": "not printed",
              "source_locator": pd.NA} for a in expected if a not in set(own["analyte"])]
    return pd.DataFrame(rows, columns=["analyte", "printed", "value_std", "unit_std", "status", "source_locator"])


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
