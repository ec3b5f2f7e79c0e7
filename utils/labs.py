"""Laboratory series of one case: values over time and how fast they change.

Functions take the ``labs`` table of :mod:`utils.casedata` and return plain values or
DataFrames; they never fill gaps between measured days (no interpolation).
"""

from __future__ import annotations

import pandas as pd


def series(labs: pd.DataFrame, case_id: str, analyte: str) -> pd.DataFrame:
    """The measured values of one analyte for one case, in day order (standard units)."""
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
