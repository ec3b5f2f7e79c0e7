"""The shared time axis: milestones of each case and conversions between days, months and years.

Every table of patient data counts ``day`` from the diagnosis of bone marrow metastasis
(day 0). The milestones (primary diagnosis, first distant metastasis, BMM diagnosis,
death or last contact) are marked in ``events.csv``; the functions here read them, so
no notebook needs to know which event row is which.
"""

from __future__ import annotations

import pandas as pd

from utils import vocabulary
from utils.casedata import DAYS_PER_MONTH, DAYS_PER_YEAR
from utils.vocabulary import MILESTONE_LABELS

#: Milestones in clinical order (the enum of events.milestone); ``death`` and ``last_contact`` both end follow-up.
MILESTONES: tuple[str, ...] = vocabulary.milestones()


def days_to_months(days: float) -> float:
    """Days to months at 30.44 days a month (the convention of casedata/README.md)."""
    return days / DAYS_PER_MONTH


def days_to_years(days: float) -> float:
    """Days to years at 365.25 days a year."""
    return days / DAYS_PER_YEAR


def milestones(events: pd.DataFrame) -> pd.DataFrame:
    """One row per case and milestone: ``case_id, milestone, label, day, day_precision, years``.

    Cases in the order they first appear in ``events`` (events.csv lists them in the order of cases.csv, so a
    case added as rows comes last, and figures drawn from this table keep each case's style), then milestones
    in the clinical order of :data:`MILESTONES`.
    """
    marked = events.loc[events["milestone"].notna(), ["case_id", "milestone", "day", "day_precision"]].copy()
    marked["milestone"] = pd.Categorical(marked["milestone"].astype(str), categories=MILESTONES, ordered=True)
    marked["label"] = marked["milestone"].map(MILESTONE_LABELS).astype(str)
    marked["years"] = marked["day"].astype(float).map(days_to_years).round(2)
    case_order = {case_id: i for i, case_id in enumerate(dict.fromkeys(events["case_id"]))}
    marked["_case"] = marked["case_id"].map(case_order)
    columns = ["case_id", "milestone", "label", "day", "day_precision", "years"]
    return marked.sort_values(["_case", "milestone"], kind="stable")[columns].reset_index(drop=True)
