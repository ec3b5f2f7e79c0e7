"""The casebook: one reference page per case, built from ``casedata/`` alone (``make casebook``).

``delivery/casebook_template.py`` walks through one case, end to end, with the course's own
helpers; this module holds the few small pieces that page needs and no lesson does:

* :func:`case_data` - the tables of one case (shared tables, such as the published series and the
  reference ranges, stay whole), so every section of the page reads only that case;
* :func:`coverage` and :func:`missing_markdown` - what the data hold for the case, and the sentence
  a section shows instead of a table or figure when its table has no rows for the case (a sparse
  case: no labs, no IHC, no treatment, no discrepancies). A page never fails on missing data;
* :func:`presentation_markdown` - the case row in words (age, subtype, presentation, day 0), every
  approximate day marked so with its ``timing_basis`` (:func:`approximate_note`);
* :func:`first_counts` and :func:`cytopenia_sentence` - the counts before treatment of the marrow metastasis, flagged and
  graded, and the cytopenia they name (or why none can be named);
* :func:`chart_analytes` - the counts and tumour markers the case has values of;
* :func:`survival_position` - the case's follow-up against each published median that can hold the
  case (:func:`subgroup_fit`; subgroups of another receptor subtype are left out and named by
  :func:`subgroups_left_out`), with both time origins named (a constant-hazard MODEL, as in notebook 05b);
* :func:`dated_lines` - the treatment rows a swimmer chart can draw, naming any without a start day;
* :func:`body_markdown` - the body measures the case's own report states, for the dose table (never
  an assumed one);
* :func:`page_sources` and :func:`references_markdown` - the page's references from ``sources.csv``;
* :func:`index_markdown` - the index notebook's list of pages, one per case of ``cases.csv``.

Every patient value comes from the tables passed in; curated text is escaped for Markdown
(:mod:`utils.markup`). For education only: nothing here is a recommendation for any patient.
"""

from __future__ import annotations

import re
from dataclasses import fields, replace
from pathlib import Path
from urllib.parse import quote

import pandas as pd

from utils.casedata import CaseData
from utils.grading import cytopenia_at, flag_labs
from utils.markup import markdown_text
from utils.timeline import days_to_months
from utils.vocabulary import COUNT_ANALYTES, MARKER_ANALYTES, label

#: The reference ranges the course flags and grades counts by (notebooks 01 and 04; ``reference_ranges.csv``).
REFERENCE_SOURCE: str = "hoffbrand_eh"

#: What each per-case table feeds on the page, for :func:`coverage` and :func:`missing_markdown`.
CASE_TABLE_USES: dict[str, str] = {
    "labs": "first counts, grades and the lab course",
    "ihc": "marker panel and subtype",
    "therapy_lines": "swimmer chart",
    "doses": "dose table",
    "observations": "weight and height for doses per kg",
    "events": "milestones and survival",
    "discrepancies": "the case's own discrepancies",
}


def case_ids(cases: pd.DataFrame) -> list[str]:
    """The case ids of ``cases.csv``, in file order (the order that gives each case its style)."""
    return [str(c) for c in cases["case_id"]]


def check_case(cases: pd.DataFrame, case_id: str) -> pd.Series:
    """The ``cases.csv`` row of ``case_id``; :class:`ValueError` naming the known cases for any other id."""
    rows = cases[cases["case_id"].astype(str) == str(case_id)]
    if rows.empty:
        raise ValueError(f"case_id {case_id!r} is not in cases.csv; expected one of: {', '.join(case_ids(cases))}")
    return rows.iloc[0]


def case_data(data: CaseData, case_id: str) -> CaseData:
    """``data`` with every per-case table cut to the rows of ``case_id``.

    Tables without a ``case_id`` column (published series, reference ranges, sources ...) stay whole;
    transfusion thresholds keep the guideline rows (blank ``case_id``) and the case's own.
    """
    check_case(data.cases, case_id)
    cut = {}
    for field in fields(data):
        table = getattr(data, field.name)
        if "case_id" not in table.columns:
            continue
        own = table["case_id"].astype("string") == case_id
        if field.name == "transfusion_thresholds":
            own = own.fillna(False) | table["case_id"].isna()
        cut[field.name] = table[own.fillna(False)].reset_index(drop=True)
    return replace(data, **cut)


def coverage(own: CaseData) -> pd.DataFrame:
    """Rows per case table for one case (``own`` from :func:`case_data`), and what each feeds on the page."""
    return pd.DataFrame([{"table": f"{name}.csv", "rows for this case": len(getattr(own, name)), "used for": use}
                         for name, use in CASE_TABLE_USES.items()])


def missing_markdown(table: str, case_id: str, consequence: str) -> str:
    """The sentence a section shows when ``casedata/<table>.csv`` has no rows for the case.

    >>> missing_markdown("ihc", "new2026", "no marker panel and no subtype by ASCO/CAP can be shown")
    '**Not in the data:** `casedata/ihc.csv` has no rows for new2026, so no marker panel and no subtype by ASCO/CAP can be shown. The page goes on with the next section.'
    """
    if table not in CASE_TABLE_USES:
        raise ValueError(f"unknown case table {table!r}; expected one of: {', '.join(CASE_TABLE_USES)}")
    return (f"**Not in the data:** `casedata/{table}.csv` has no rows for {markdown_text(case_id)}, so {consequence}."
            " The page goes on with the next section.")


def _text(value: object, blank: str = "not reported") -> str:
    return blank if value is None or pd.isna(value) or not str(value).strip() else markdown_text(str(value))


def approximate_note(row: pd.Series) -> str:
    """``approximate: <timing_basis>`` for a row whose ``day_precision`` is not ``exact``, else ``""``.

    A day the source gives only roughly is never shown as if it were exact; the curated
    ``timing_basis`` says how it was placed (escaped), or "basis not stated" when it is blank.
    A blank precision is not taken for exact.

    >>> approximate_note(pd.Series({"day_precision": "approximate", "timing_basis": "about 7 months before"}))
    'approximate: about 7 months before'
    >>> approximate_note(pd.Series({"day_precision": "exact", "timing_basis": "dated"}))
    ''
    """
    precision = row.get("day_precision")
    if not pd.isna(precision) and str(precision).strip() == "exact":
        return ""
    return f"{_text(precision, 'precision not stated')}: {_text(row.get('timing_basis'), 'basis not stated')}"


def _presentation(value: object) -> str:
    """How the marrow metastasis presented, in words (:func:`utils.vocabulary.label`: "in recurrent disease ...", "de novo ...")."""
    return "not reported" if value is None or pd.isna(value) else markdown_text(label("bmm_presentation", str(value)))


def presentation_markdown(case: pd.Series, events: pd.DataFrame) -> str:
    """The case row of ``cases.csv`` as a short Markdown list, with the milestones before day 0 in months.

    ``events`` holds (at least) the case's events; a milestone the case lacks reads "not in the data",
    and a milestone on an approximate day says so, with its ``timing_basis`` (:func:`approximate_note`).
    """
    marked = events[(events["case_id"].astype(str) == str(case["case_id"])) & events["milestone"].notna()]
    row_of = {str(row["milestone"]): row for _, row in marked.iterrows()}

    def before(milestone: str) -> str:
        if milestone not in row_of:
            return "not in the data"
        row = row_of[milestone]
        day = int(row["day"])
        months = abs(days_to_months(day))
        said = [] if day == 0 else [("under a month" if months < 1 else f"about {months:.0f} months")
                                    + f" {'before' if day < 0 else 'after'} day 0"]
        said += [approximate_note(row)] if approximate_note(row) else []
        return f"day {day}" + (f" ({'; '.join(said)})" if said else "")

    outcome = "died" if case["vital_status"] == "dead" else "alive at last contact"
    cause = f"; cause of death: {_text(case['cause_of_death'])}" if case["vital_status"] == "dead" else ""
    lines = [
        f"- **Age at marrow-metastasis diagnosis:** {_text(case['age_at_bmm_diagnosis'])} years; sex: {_text(case['sex'])}",
        f"- **Histology:** {_text(case['histology'])}; stage of the primary as reported: {_text(case['primary_stage_as_reported'])}",
        f"- **Subtype of the primary (curated):** {_text(case['subtype'])} (ER {_text(case['er'])}, PR {_text(case['pr'])},"
        f" HER2 {_text(case['her2'])})",
        f"- **Marrow metastasis:** {_presentation(case['bmm_presentation'])}; primary diagnosis on"
        f" {before('primary_diagnosis')}; first distant metastasis on {before('first_distant_metastasis')}",
        f"- **Presenting problem:** {_text(case['presenting_problem'])}",
        f"- **Day 0 is:** {_text(case['day0_definition'])}",
        f"- **Follow-up:** {case['followup_months']:g} months ({_text(case['followup_precision'])}), {outcome}{cause}",
        f"- **Source:** {_text(case['source_locator'])}",
    ]
    return "\n".join(lines)


def first_counts(labs: pd.DataFrame, ranges: pd.DataFrame, case_id: str,
                 source_id: str = REFERENCE_SOURCE) -> tuple[pd.DataFrame, str]:
    """The case's laboratory values before treatment of the marrow metastasis (day 0 or earlier), flagged and graded
    by :func:`utils.grading.flag_labs`.

    When the case has values but none before day 0, the values of its first stated day are used
    instead, and the returned sentence says so (with the day's precision: an approximate day is never
    shown as exact; the table keeps ``day_precision``). Returns ``(flagged table, what it holds)``; an
    empty table (with the sentence saying why) when the case has no laboratory values at all.
    """
    own = labs[labs["case_id"].astype(str) == case_id]
    if own.empty:
        return pd.DataFrame(), f"`casedata/labs.csv` has no values for {markdown_text(case_id)}."
    before = own[own["day"] <= 0]
    if before.empty:
        first = int(own["day"].min())
        before = own[own["day"] == first]
        rough = [approximate_note(row) for _, row in before.iterrows() if approximate_note(row)]
        on_day = f"day {first}" + (f" ({rough[0]})" if rough else "")
        said = (f"No value is stated on or before day 0; these are the first stated values, on {on_day}"
                " (after treatment of the marrow metastasis began).")
    else:
        rough = int(sum(bool(approximate_note(row)) for _, row in before.iterrows()))
        said = ("Every value stated on or before day 0, before treatment of the marrow metastasis"
                + (f"; {rough} of them on a day not given as exact (see `day_precision`)." if rough else "."))
    before = before.sort_values(["day", "analyte"])
    flagged = flag_labs(before, ranges, source_id)
    precision = (before["day_precision"].astype("string").fillna("not stated") if "day_precision" in before.columns
                 else pd.Series("not stated", index=before.index))
    flagged.insert(flagged.columns.get_loc("day") + 1, "day_precision", precision.to_numpy())
    return flagged, said


def cytopenia_sentence(flagged: pd.DataFrame) -> str:
    """The cytopenia the counts of ``flagged`` name, from the last stated value of each lineage.

    Says which lineages are missing when haemoglobin, platelets and white count are not all stated
    (:func:`utils.grading.cytopenia_at` then gives no label).
    """
    if flagged.empty:
        return "No counts, so no cytopenia can be named."
    latest = flagged.sort_values("day").drop_duplicates("analyte", keep="last")
    called = cytopenia_at(latest[latest["flag"] != ""])
    if called is None:
        absent = [label("analyte", a).split(" (")[0] for a in COUNT_ANALYTES if a not in set(latest["analyte"])]
        return f"**Cytopenia:** cannot be named: {', '.join(absent)} not stated before treatment of the marrow metastasis."
    low = f" ({', '.join(called.low)})" if called.low else ""
    return f"**Cytopenia:** {called.label}{low}, from the last stated value of each lineage, against `{REFERENCE_SOURCE}`."


def chart_analytes(labs: pd.DataFrame, case_id: str) -> tuple[str, ...]:
    """The blood counts and tumour markers the case has stated values of, in the course's order."""
    stated = set(labs.loc[labs["case_id"].astype(str) == case_id, "analyte"].astype(str))
    return tuple(a for a in (*COUNT_ANALYTES, *MARKER_ANALYTES) if a in stated)


def lab_chart_title(case_id: str, analytes: tuple[str, ...]) -> str:
    """The title of the case's lab chart, naming only what it draws: stated counts, markers, or both.

    >>> lab_chart_title("x2099", ("platelets",)), lab_chart_title("x2099", ("hemoglobin", "cea"))
    ('x2099: stated counts, with treatment lines', 'x2099: stated counts and markers, with treatment lines')
    """
    drawn = [words for words, kind in (("counts", COUNT_ANALYTES), ("markers", MARKER_ANALYTES))
             if any(a in kind for a in analytes)]
    return f"{case_id}: stated {' and '.join(drawn) or 'values'}, with treatment lines"


#: Whether a published series counts from the case's day 0 (marrow-metastasis diagnosis), by the class of its
#: time origin (:func:`utils.survival.classify_time_origin`).
SAME_CLOCK: dict[str, str] = {"bmm_diagnosis": "yes", "not_stated": "unknown: origin not stated", "other": "no"}


#: Columns of the comparison table of :func:`survival_position`.
POSITION_COLUMNS: tuple[str, ...] = ("series", "subgroup fits the case", "median (months)", "series time origin",
                                     "same clock as day 0", "MODEL P(surviving at least the case's follow-up)")


def subgroup_fit(subgroup: object, case_subtype: object) -> str | None:
    """Whether a published subgroup can hold the case: a sentence, or None when it cannot.

    ``all`` (the whole series) always fits. A subgroup that names a receptor subtype of the
    vocabulary (``cases.csv`` ``subtype``, e.g. "HR+/HER2- endocrine therapy") fits only a case of
    that subtype: None for a case of another subtype, or of no curated subtype. Any other subgroup
    (a treatment group, e.g. "endocrine therapy") is kept, with a reminder that it fits only a case
    treated that way. Plain text (a table cell), not Markdown.

    >>> subgroup_fit("all", "triple-negative")
    'yes: the whole series'
    >>> subgroup_fit("HR+/HER2- chemotherapy", "triple-negative") is None
    True
    """
    from utils.vocabulary import allowed

    text = str(subgroup).strip()
    if text == "all":
        return "yes: the whole series"
    named = [s for s in allowed("cases", "subtype") if text.startswith(s)]
    if named:
        if pd.isna(case_subtype) or str(case_subtype) != named[0]:
            return None
        rest = text[len(named[0]):].strip()
        return f"same subtype ({named[0]})" + (f"; fits only if the case was treated with {rest}" if rest else "")
    return f"a treatment subgroup: fits only if the case was treated with {text}"


def survival_position(own: CaseData) -> tuple[pd.DataFrame, pd.DataFrame]:
    """``(follow-up, comparison)`` of one case (``own`` from :func:`case_data`) against the published cohorts.

    ``follow-up`` is :func:`utils.survival.time_to_event` of the case (origin: marrow-metastasis
    diagnosis, day 0). ``comparison`` has one row per cohort series of ``literature_survival.csv``
    that can hold the case (:func:`subgroup_fit`: a subgroup of another receptor subtype is left out,
    see :func:`subgroups_left_out`): whether and how the subgroup fits the case, its median, the
    series' own time origin as published, whether it is the case's clock (:data:`SAME_CLOCK`: yes, no,
    or unknown when the series does not state its origin), and the MODEL probability (constant hazard
    with that median) of surviving at least the case's follow-up.
    """
    from utils import survival  # lifelines: imported only where survival is computed, so the index stays light

    followup = survival.time_to_event(own.cases, own.events)
    forest = survival.forest_table(own.literature_survival)
    if forest.empty:
        return followup, pd.DataFrame(columns=list(POSITION_COLUMNS))
    compared = survival.cohort_comparison(forest, followup)  # one case: one row per series, in forest order
    fits = forest["subgroup"].map(lambda g: subgroup_fit(g, own.cases["subtype"].iloc[0]))
    table = pd.DataFrame({
        "series": forest["label"].to_numpy(),
        "subgroup fits the case": fits.to_numpy(),
        "median (months)": forest["median"].to_numpy(),
        "series time origin": forest["time_origin"].to_numpy(),
        "same clock as day 0": forest["origin_class"].map(lambda o: SAME_CLOCK.get(o, SAME_CLOCK["other"])).to_numpy(),
        "MODEL P(surviving at least the case's follow-up)": compared["p_at_least"].to_numpy(),
    })
    return followup, table[fits.notna().to_numpy()].reset_index(drop=True)


def subgroups_left_out(own: CaseData) -> str:
    """The sentence naming the published subgroups :func:`survival_position` leaves out (another subtype), or ``""``."""
    from utils import survival  # lifelines: imported only where survival is computed, so the index stays light

    forest = survival.forest_table(own.literature_survival)
    if forest.empty:
        return ""
    subtype = own.cases["subtype"].iloc[0]
    out = [str(row.label) for row in forest.itertuples() if subgroup_fit(row.subgroup, subtype) is None]
    if not out:
        return ""
    return (f"Left out of the table: {len(out)} subgroup(s) of another receptor subtype than this case's"
            f" ({_text(subtype)}): {', '.join(markdown_text(o) for o in out)}. The forest plot below still shows them.")


#: Sources every casebook page rests on besides the case report and the published series: the
#: reference ranges and grades, the receptor rules and the response criteria (``sources.csv`` ids).
PAGE_SOURCES: tuple[str, ...] = ("hoffbrand_eh", "ctcae_v5", "asco_cap_erpr_2020", "asco_cap_her2_2023", "recist_1_1")


def page_sources(own: CaseData) -> list[str]:
    """The ``sources.csv`` ids a page of one case cites: its report, the course's rules, the sources of the
    transfusion thresholds its lab section draws, then the cohort series."""
    from utils import survival  # lifelines: imported only where survival is computed, so the index stays light

    cohorts = survival.forest_table(own.literature_survival)["study_id"] if len(own.literature_survival) else []
    stated = set(own.labs["analyte"].astype(str))  # the threshold lines the lab section draws, and whose rule each is
    thresholds = own.transfusion_thresholds[own.transfusion_thresholds["analyte"].astype(str).isin(stated)]
    return list(dict.fromkeys([*own.cases["source_id"].astype(str), *PAGE_SOURCES, *map(str, thresholds["source_id"]),
                               *map(str, cohorts)]))


def references_markdown(sources: pd.DataFrame, source_ids: list[str]) -> str:
    """A numbered Markdown list of ``source_ids`` from ``sources.csv``: citation, version and DOI link (escaped).

    :class:`ValueError` naming any id that ``sources.csv`` does not hold.
    """
    table = sources.assign(source_id=sources["source_id"].astype(str)).drop_duplicates("source_id").set_index("source_id")
    unknown = [s for s in source_ids if s not in table.index]
    if unknown:
        raise ValueError(f"source id(s) {', '.join(unknown)} not in sources.csv")
    lines = []
    for number, source_id in enumerate(source_ids, start=1):
        row = table.loc[source_id]
        version = f" Version cited: {markdown_text(row['version'])}." if pd.notna(row.get("version")) else ""
        doi = (f" doi:[{markdown_text(row['doi'])}](https://doi.org/{quote(str(row['doi']), safe='/')})"
               if pd.notna(row.get("doi")) else "")
        lines.append(f"{number}. `{source_id}`: {markdown_text(row['citation'])}{version}{doi}")
    return "\n".join(lines)


#: Folder of the casebook pages inside the notebooks folder (``notebooks/casebook/<case_id>.ipynb``).
CASEBOOK_FOLDER = "casebook"
#: A case id that can name a page file: letters, digits, hyphens and underscores (a page is made only for such ids).
PAGE_ID = re.compile(r"^[A-Za-z0-9][A-Za-z0-9_-]*$")


def index_markdown(cases: pd.DataFrame, notebook_dir: Path | None = None) -> str:
    """The index's list of casebook pages, one line per case of ``cases.csv`` in file order.

    A case with a stored page (``<notebook_dir>/casebook/<case_id>.ipynb``) is a link to it, with its
    subtype and how the marrow metastasis presented; a case without one says to run ``make casebook``.
    """
    from utils.course import NOTEBOOK_DIR

    folder = Path(notebook_dir or NOTEBOOK_DIR) / CASEBOOK_FOLDER
    lines = []
    for case in cases.itertuples():
        case_id = str(case.case_id)
        about = f"{_text(case.subtype)}, marrow metastasis {_presentation(case.bmm_presentation)}"
        if PAGE_ID.match(case_id) and (folder / f"{case_id}.ipynb").is_file():
            lines.append(f"- [{markdown_text(case_id)}]({CASEBOOK_FOLDER}/{case_id}.ipynb): {about}")
        else:
            lines.append(f"- {markdown_text(case_id)}: {about}; no page yet (run `make casebook`)")
    return "\n".join(lines)



def body_markdown(weight, height) -> str:
    """Which body measures the dose table uses, in one Markdown line: the weight and height the case's own
    report states (:func:`utils.dosing.body_weight` and :func:`utils.dosing.body_height`, each a
    ``StatedMeasure`` or None), never an assumed one."""
    said_weight = (f"weight {markdown_text(weight.label)} ({markdown_text(weight.source_locator)})" if weight is not None
                   else "no weight is stated, so nothing is worked out per kg")
    said_height = (f"height {markdown_text(height.label)} ({markdown_text(height.source_locator)})" if height is not None
                   else "no height is stated, so no body-surface area and no mg from a dose per m2")
    return f"**Body measures the report states:** {said_weight}; {said_height}. No measure is assumed on this page."


def dated_lines(therapy_lines: pd.DataFrame) -> tuple[pd.DataFrame, str]:
    """The treatment rows a swimmer chart can draw (those with a ``start_day``), and a sentence naming any left out."""
    undated = therapy_lines["start_day"].isna()
    if not undated.any():
        return therapy_lines, ""
    ids = ", ".join(markdown_text(t) for t in therapy_lines.loc[undated, "therapy_id"].astype(str))
    return (therapy_lines[~undated],
            f"Not drawn: {int(undated.sum())} treatment row(s) without a start day in `casedata/therapy_lines.csv` ({ids}).")
