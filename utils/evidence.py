"""How current the outside evidence is: the versions cited and the day each was last checked.

Every guideline and trial in ``casedata/sources.csv`` carries a ``version`` and a ``checked_on``
date, and a guideline or trial replaced by a newer one is marked ``superseded`` with the source
that replaces it (``utils.casedata`` refuses a table that still cites it). The course states one
date, "evidence checked as of", on the index, the site and the tutor guide: the *earliest*
``checked_on`` of the guidelines and trials, so the statement holds for every one of them. A row
marked ``unresolved`` was checked on that day but its newest version could not be obtained; the
index lists those rows beside the date, so the date never claims more than was checked.

Re-check before a new teaching year: look up each guideline's latest version and each trial's
latest publication, update the row (or add the new source and mark the old one superseded),
and set ``checked_on`` to the day you checked.
"""

from __future__ import annotations

import pandas as pd

from utils.casedata import DATED_KINDS, UNRESOLVED_MARK


def dated_sources(sources: pd.DataFrame) -> pd.DataFrame:
    """The guidelines and trials of the ``sources`` table, with their version, check date and status."""
    dated = sources[sources["kind"].isin(DATED_KINDS)]
    return dated[["source_id", "kind", "version", "checked_on", "status", "superseded_by"]].reset_index(drop=True)


def checked_as_of(sources: pd.DataFrame) -> pd.Timestamp:
    """The earliest ``checked_on`` of the cited (current or unresolved) guidelines and trials."""
    dated = dated_sources(sources)
    current = dated[dated["status"] != "superseded"]
    if current.empty or current["checked_on"].isna().any():
        raise ValueError("every current guideline and trial needs a checked_on date in sources.csv")
    return current["checked_on"].min()


def checked_as_of_text(sources: pd.DataFrame) -> str:
    """The sentence shown on the index, the site and the tutor guide, for example
    ``"Evidence checked as of 7 December 2026"``."""
    day = checked_as_of(sources)
    return f"Evidence checked as of {day.day} {day:%B %Y}"


def unresolved(sources: pd.DataFrame) -> pd.DataFrame:
    """Sources still cited although a newer version is known or suspected and could not be obtained, with what is missing."""
    rows = sources[sources["status"] == "unresolved"]
    missing = rows["note"].str.split(UNRESOLVED_MARK, n=1).str[1].str.lstrip(" :").str.replace(
        r"^on \d{1,2} \w+ \d{4}:\s*", "", regex=True)
    return pd.DataFrame({"source_id": rows["source_id"], "what could not be obtained": missing}).reset_index(drop=True)


def superseded(sources: pd.DataFrame) -> pd.DataFrame:
    """Sources replaced by a newer version: what replaces each (they may be named in prose, not cited)."""
    rows = sources[sources["status"] == "superseded"]
    return rows[["source_id", "citation", "doi", "superseded_by"]].reset_index(drop=True)
