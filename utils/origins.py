"""Time origins: the same history measured from different starting points.

A survival time is only meaningful with its clock: from the primary diagnosis, from the first
distant metastasis, from the diagnosis of marrow metastasis (BMM) or from the start of the
first therapy after it. The functions here re-express a case's milestones from any of these
origins and say which published series count from the same clock, so a comparison across
clocks can be flagged instead of silently made.

Days come from ``events.csv`` (milestones) and ``therapy_lines.csv`` (the first anticancer
line that starts on or after day 0); months are days / 30.44.
"""

from __future__ import annotations

import pandas as pd

from utils import survival, timeline, vocabulary
from utils.casedata import DAYS_PER_MONTH
from utils.vocabulary import ANTICANCER_CATEGORIES

#: How a milestone reads as the start of a clock, where its label (:data:`utils.vocabulary.MILESTONE_LABELS`) does not.
CLOCK_WORDING: dict[str, str] = {"bmm_diagnosis": "diagnosis of marrow metastasis"}
#: The one origin that is not a milestone: the first anticancer line from day 0 on (:func:`first_therapy_after_bmm`).
FIRST_THERAPY = "first_therapy_after_bmm"

#: The origins a resident can choose, in clinical order: every milestone of events.csv's vocabulary that can start
#: a clock (not the end of follow-up, :data:`utils.survival.END_MILESTONES`), then the first therapy after BMM.
ORIGIN_CHOICES: dict[str, str] = {
    **{milestone: CLOCK_WORDING.get(milestone, vocabulary.label("milestone", milestone))
       for milestone in vocabulary.milestones() if milestone not in survival.END_MILESTONES},
    FIRST_THERAPY: "first therapy after marrow diagnosis",
}

#: The class of published time origin (:func:`utils.survival.classify_time_origin`) that counts
#: from the same clock as each choice; origins without an entry have no published match.
SAME_CLOCK: dict[str, str] = {"bmm_diagnosis": "bmm_diagnosis", "first_therapy_after_bmm": "treatment_start"}



def _check_origin(origin: str) -> None:
    if origin not in ORIGIN_CHOICES:
        raise ValueError(f"unknown time origin {origin!r}; expected one of: {', '.join(ORIGIN_CHOICES)}")


def first_therapy_after_bmm(therapy_lines: pd.DataFrame, case_id: str) -> pd.Series:
    """The first anticancer line of a case (a category of :data:`utils.vocabulary.ANTICANCER_CATEGORIES`) that starts on or after day 0."""
    own = therapy_lines[(therapy_lines["case_id"] == case_id) & therapy_lines["category"].isin(ANTICANCER_CATEGORIES)
                        & (therapy_lines["start_day"] >= 0)]
    if own.empty:
        raise ValueError(f"{case_id!r} has no anticancer line (chemotherapy, endocrine, anti-HER2, conjugate, targeted or immunotherapy) starting on or after day 0")
    return own.sort_values("start_day").iloc[0]


def available_origins(events: pd.DataFrame, therapy_lines: pd.DataFrame, case_id: str) -> list[str]:
    """The keys of :data:`ORIGIN_CHOICES` that the data of one case can place (in clinical order).

    Every case has its primary and marrow diagnoses (the loader checks); a first distant metastasis that
    events.csv does not mark, or no anticancer line from day 0 on (a sparse case), leaves that origin out.
    """
    available = []
    for origin in ORIGIN_CHOICES:
        try:
            origin_day(events, therapy_lines, case_id, origin)
        except ValueError:
            continue
        available.append(origin)
    return available


def origin_day(events: pd.DataFrame, therapy_lines: pd.DataFrame, case_id: str, origin: str) -> tuple[int, str]:
    """Day (from BMM diagnosis) and precision of ``origin`` for one case."""
    _check_origin(origin)
    if origin == FIRST_THERAPY:
        line = first_therapy_after_bmm(therapy_lines, case_id)
        return int(line["start_day"]), str(line["start_precision"])
    marks = timeline.milestones(events)
    own = marks[(marks["case_id"] == case_id) & (marks["milestone"] == origin)]
    if own.empty:
        raise ValueError(f"{case_id!r} has no {origin!r} milestone in events.csv")
    return int(own["day"].iloc[0]), str(own["day_precision"].iloc[0])


def intervals(events: pd.DataFrame, therapy_lines: pd.DataFrame, case_id: str, origin: str) -> pd.DataFrame:
    """Every milestone of a case (and the first therapy after BMM, when it has one) in months from ``origin``.

    Columns: ``point`` (label), ``milestone`` (its key in events.csv, or
    ``first_therapy_after_bmm``), ``day, precision, months`` (negative before the origin). Rows in
    day order.
    """
    start, _ = origin_day(events, therapy_lines, case_id, origin)
    marks = timeline.milestones(events)
    own = marks[marks["case_id"] == case_id]
    rows = [{"point": str(r["label"]), "milestone": str(r["milestone"]), "day": int(r["day"]), "precision": str(r["day_precision"])}
            for _, r in own.iterrows()]
    try:
        line = first_therapy_after_bmm(therapy_lines, case_id)
    except ValueError:  # a case with no anticancer line from day 0 on: nothing to place
        line = None
    if line is not None:
        rows.append({"point": f"first therapy after marrow diagnosis ({line['therapy_id']})", "milestone": "first_therapy_after_bmm",
                     "day": int(line["start_day"]), "precision": str(line["start_precision"])})
    table = pd.DataFrame(rows).sort_values("day", kind="stable").reset_index(drop=True)
    table["months"] = ((table["day"] - start) / DAYS_PER_MONTH).round(1)
    return table


def survival_from(cases: pd.DataFrame, events: pd.DataFrame, therapy_lines: pd.DataFrame, case_id: str, origin: str) -> dict:
    """Months from ``origin`` to death or last contact, with the status (died / alive, censored)."""
    start, start_precision = origin_day(events, therapy_lines, case_id, origin)
    end = survival.case_row(survival.time_to_event(cases, events), case_id)
    months = round((int(end["end_day"]) - start) / DAYS_PER_MONTH, 1)
    return {"case_id": case_id, "origin": origin, "months": months, "event": int(end["event"]),
            "status": "died" if end["event"] else "alive at last contact (censored)",
            "precision": "exact" if start_precision == "exact" and end["precision"] == "exact" else "approximate"}


def cohort_clocks(literature: pd.DataFrame, chosen: dict[str, str]) -> pd.DataFrame:
    """For every published series: its clock, and whether it matches the origin chosen for each case.

    ``chosen`` maps case_id to an origin of :data:`ORIGIN_CHOICES`. A match column holds
    ``same clock``, ``different clock`` or ``clock not stated``.
    """
    for origin in chosen.values():
        _check_origin(origin)
    forest = survival.forest_table(literature)
    table = forest[["label", "median", "time_origin", "origin_class"]].copy()
    for case_id, origin in chosen.items():
        wanted = SAME_CLOCK.get(origin)
        table[f"{case_id} ({ORIGIN_CHOICES[origin]})"] = [
            "clock not stated" if cls == "not_stated" else ("same clock" if cls == wanted else "different clock")
            for cls in table["origin_class"]
        ]
    return table.drop(columns="origin_class").rename(columns={"label": "series", "median": "median OS (months)"})
