"""Side-by-side summaries of the cases and short views of the curated tables (no typed-in values).

The Markdown views (:func:`discrepancy_markdown`, :func:`event_markdown`) escape every curated
cell with :func:`utils.markup.markdown_text`: a cell shows as written, never as markup.
"""

from __future__ import annotations

import pandas as pd

from utils import dosing
from utils.casedata import CaseData
from utils.markup import markdown_text
from utils.timeline import days_to_years, milestones


#: What the presentation table says when a case has no ``symptom`` event on or before day 0. tnbc2025
#: came with a breast lump (her presenting problem) but no recorded symptom of cytopenia such as fatigue,
#: breathlessness or bleeding; "none recorded" would wrongly suggest that she had no symptoms at all.
NO_SYMPTOMS = "no symptoms of cytopenia recorded"


def presentation_table(data: CaseData) -> pd.DataFrame:
    """The history of each case up to the diagnosis of marrow metastasis, one column per case.

    The ``symptoms`` row lists the case's ``symptom`` events on or before day 0, or
    :data:`NO_SYMPTOMS` when there are none. A milestone that events.csv does not mark for a case (a
    sparse case may lack its first distant metastasis) reads "not recorded".
    """
    marks = milestones(data.events).pivot(index="case_id", columns="milestone", values="day")
    columns = {}
    for _, case in data.cases.iterrows():
        cid = case["case_id"]
        before = data.therapy_lines[(data.therapy_lines["case_id"] == cid) & (data.therapy_lines["start_day"] < 0)]
        lines = before.dropna(subset=["line"])
        vitals = data.observations[(data.observations["case_id"] == cid) & (data.observations["day"] <= 0)
                                   & data.observations["quantity"].isin(["heart_rate", "body_temperature"])]
        symptoms = data.events[(data.events["case_id"] == cid) & (data.events["kind"] == "symptom") & (data.events["day"] <= 0)]
        columns[cid] = {
            "age at marrow metastasis (years)": case["age_at_bmm_diagnosis"],
            "subtype of the primary": case["subtype"],
            "histology": case["histology"],
            "marrow metastasis": case["bmm_presentation"].replace("_", " "),
            "years from primary diagnosis": _years(-_milestone_day(marks, cid, "primary_diagnosis")),
            "years from first distant metastasis": _years(-_milestone_day(marks, cid, "first_distant_metastasis")),
            "metastatic lines before": _lines_text(lines),
            "presenting problem": case["presenting_problem"],
            "symptoms": "; ".join(symptoms["description"]) or NO_SYMPTOMS,
            "vital signs": "; ".join(f"{r['quantity'].replace('_', ' ')} {r['printed']}" for _, r in vitals.iterrows()) or "none reported",
        }
    return pd.DataFrame(columns)


def doses_in_mg(data: CaseData) -> pd.DataFrame:
    """Every printed dose of every case of cases.csv in absolute terms, one block of rows per case (index ``case_id``).

    Each case's block is :func:`utils.dosing.case_dose_table` given that case's own observations, so each
    line is worked out at the weight (and height) stated on or before **that line's start**, never at a weight
    stated later; column ``weight used (kg, day stated)`` shows which, and ``note`` says when a weight stated
    later differs (tnbc2025 lost weight during treatment). Where no measure is stated by a line's start, the
    cells that need it stay blank and ``note`` says why; no GFR is given, so a dose to a target AUC stays blank
    too. A case without a printed dose has no rows.
    """
    blocks = {}
    for case_id in data.cases["case_id"].astype(str):
        table = dosing.case_dose_table(data.doses, data.therapy_lines, case_id, observations=data.observations)
        if not table.empty:
            blocks[case_id] = table
    if not blocks:
        return pd.DataFrame(columns=list(dosing.CASE_DOSE_COLUMNS), index=pd.Index([], name="case_id"))
    return pd.concat(blocks, names=["case_id", None]).droplevel(1)


def _lines_text(lines: pd.DataFrame) -> str:
    if lines.empty:
        return "none"
    agents = "; then ".join(str(a).replace(";", " and ") for a in lines.sort_values("start_day")["agents"])
    return f"{len(lines)}: {agents}"


def _milestone_day(marks: pd.DataFrame, case_id: str, milestone: str) -> float:
    """The day of a case's milestone in the pivoted milestones, NaN when events.csv does not mark it."""
    if milestone not in marks.columns or case_id not in marks.index:
        return float("nan")
    day = marks.at[case_id, milestone]
    return float("nan") if pd.isna(day) else float(day)


def _years(days: float) -> str:
    if pd.isna(days):
        return "not recorded"
    years = days_to_years(days)
    return "under 1 month" if years < 1 / 12 else f"about {years:.0f}"


DISCREPANCY_FIELDS: tuple[str, ...] = ("statement_a", "locator_a", "statement_b", "locator_b", "decision")


def _one_row(table: pd.DataFrame, key: str, value: str, name: str) -> pd.Series:
    """The row of ``table`` whose ``key`` is ``value``; ValueError naming the known values when there is not exactly one."""
    rows = table[table[key].astype(str) == value]
    if len(rows) > 1:
        raise ValueError(f"{key} {value!r} appears {len(rows)} times in the {name} table; expected it once")
    if rows.empty:
        known = ", ".join(sorted(table[key].astype(str)))
        raise ValueError(f"{key} {value!r} is not in the {name} table; expected one of {known}")
    return rows.iloc[0]


def discrepancy_markdown(discrepancies: pd.DataFrame, discrepancy_id: str, rationale: bool = False) -> str:
    """One row of ``discrepancies.csv`` as short Markdown: both statements with their locators, then the decision."""
    row = _one_row(discrepancies, "discrepancy_id", discrepancy_id, "discrepancies").map(markdown_text)
    lines = [f"**{markdown_text(discrepancy_id)}, {row['topic']}**",
             f"- **A:** {row['statement_a']} ({row['locator_a']})",
             f"- **B:** {row['statement_b']} ({row['locator_b']})",
             f"- **Curated:** {row['decision']}"]
    if rationale:
        lines.append(f"- **Why:** {row['rationale']}")
    return "\n".join(lines)


def event_markdown(events: pd.DataFrame, event_id: str, label: str) -> str:
    """One row of ``events.csv`` as a line of Markdown: ``**label (event_id):** description (source_locator)``.

    ``label`` is the notebook's own words (written as Markdown); the cells are escaped.
    """
    row = _one_row(events, "event_id", event_id, "events")
    return (f"**{label} ({markdown_text(event_id)}):** {markdown_text(row['description'])}"
            f" ({markdown_text(row['source_locator'])})")
