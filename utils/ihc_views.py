"""Views of ``casedata/ihc.csv`` for notebook 02, and its marker-panel explorer widget.

Tables (tidy, panel grid and its figure, coverage, results per specimen, subtype per
specimen, receptor course) read the ``ihc`` table of :mod:`utils.casedata`;
:func:`discrepancy_markdown` shows one row of ``discrepancies.csv``; :func:`case_panel` turns
one case's rows into the mapping :func:`utils.ihc.interpret_panel` reads;
:func:`panel_explorer` wires widget controls to that same tested function (through
:mod:`utils.widgets`), and :func:`case_panel_explorer` adds a case and a specimen menu built from the data,
the marker menus following the chosen panel. :func:`metastatic_lines_before` and :func:`destiny_breast06_position` read
``casedata/therapy_lines.csv`` to place a case in DESTINY-Breast06's line of therapy. The
clinical rules live in :mod:`utils.ihc`.

Text for Markdown (:func:`coverage_summary`, the explorer's messages) escapes every curated value
with :func:`utils.markup.markdown_text`.

Any case: every view takes ``case_ids`` (pass ``data.cases["case_id"]``) and shows the cases in that order
(:func:`case_order`), a case added to cases.csv as CSV rows included; the panel grid gives a case without any
IHC row a row of its own. Markers and specimens come in the order of their enums (:mod:`utils.vocabulary`).

A marker a report does not mention is shown as *not reported*: the reports tell only what
they report, and a stain may have been run and left out.

For education only: nothing here is a treatment recommendation for any patient.
"""

from __future__ import annotations

import numbers
import re
from collections.abc import Callable, Mapping, Sequence

import pandas as pd

from utils.ihc import (
    NEGATIVE,
    NOT_REPORTED,
    POSITIVE,
    ISH_RESULTS,
    RECEPTORS,
    LineCheck,
    check_panel_keys,
    destiny_breast06_line_check,
    explain_markdown,
    interpret_panel,
    read_her2,
)
from utils import vocabulary
from utils.markup import markdown_text
from utils.vocabulary import SPECIMEN_LABELS

#: Order of specimens and markers in tables and figures: the order of their enums in datapackage.json.
SPECIMEN_ORDER: tuple[str, ...] = vocabulary.specimens()
MARKER_ORDER: tuple[str, ...] = vocabulary.markers()
#: Categories of a printed result, used to colour the panel figure.
CALLS: tuple[str, ...] = ("positive", "negative", "value", NOT_REPORTED)


# Views of casedata/ihc.csv ---------------------------------------------------------------------------------
def _plain(ihc: pd.DataFrame) -> pd.DataFrame:
    needed = {"case_id", "specimen", "marker", "result", "result_value", "source_locator"}
    absent = sorted(needed - set(ihc.columns))
    if absent:
        raise ValueError(f"the ihc table lacks column(s) {', '.join(absent)}; pass casedata.load_all().ihc")
    frame = ihc.copy()
    for column in ("case_id", "specimen", "marker", "result", "source_locator"):
        frame[column] = frame[column].astype(str)
    return frame


def case_order(ihc: pd.DataFrame, case_ids: Sequence[str] | None = None) -> list[str]:
    """The cases of a table in display order: ``case_ids`` (pass ``data.cases["case_id"]``, the order of
    cases.csv, so a case added as CSV rows comes where it stands there), or without it the order in which
    the cases first appear in ``ihc``. :class:`ValueError` when ``ihc`` holds a case ``case_ids`` lacks."""
    if case_ids is None:
        return list(dict.fromkeys(ihc["case_id"].astype(str)))
    from utils.plots import ordered_cases  # (matplotlib is imported only when a view is drawn or ordered)

    ordered_cases(ihc["case_id"], case_ids)  # refuses a case of the table that case_ids lacks
    return list(dict.fromkeys(str(c) for c in case_ids))


def result_call(marker: str, result: str) -> str:
    """Category of a printed result for the panel figure: positive, negative, or value (a number such as 50% or CPS 3).

    A HER2 IHC score is read by the HER2 rules (:func:`utils.ihc.read_her2`): 3+ is positive, 0 and 1+ are
    negative, 2+ (equivocal without ISH) stays a printed value; an amplified final HER2 ISH call is positive.
    """
    text = str(result).strip().lower()
    if marker == "HER2" and text not in (POSITIVE, NEGATIVE):
        try:
            status = read_her2(result).status
        except ValueError:
            status = None
        if status in (POSITIVE, NEGATIVE):
            return status
    if text in (POSITIVE, "amplified"):
        return "positive"
    if text in (NEGATIVE, "no mutation detected", "not amplified"):
        return "negative"
    if text and any(ch.isdigit() for ch in text):
        return "value"
    raise ValueError(f"{marker} result {result!r} is not understood; expected 'positive', 'negative',"
                     " 'no mutation detected', 'amplified', 'not amplified' or a printed value such as '50%' or 'CPS 3'")


def tidy_table(ihc: pd.DataFrame, case_ids: Sequence[str] | None = None) -> pd.DataFrame:
    """One row per case, specimen and marker, cases in :func:`case_order`, specimens and markers in clinical
    order, with the source locator last."""
    frame = _plain(ihc)
    frame["case_id"] = pd.Categorical(frame["case_id"], categories=case_order(frame, case_ids), ordered=True)
    frame["specimen"] = pd.Categorical(frame["specimen"], categories=SPECIMEN_ORDER, ordered=True)
    frame["marker"] = pd.Categorical(frame["marker"], categories=MARKER_ORDER, ordered=True)
    frame["call"] = [result_call(m, r) for m, r in zip(frame["marker"].astype(str), frame["result"])]
    columns = ["case_id", "specimen", "marker", "marker_as_printed", "method", "result", "call", "source_locator"]
    tidy = frame.sort_values(["case_id", "specimen", "marker"])[columns].reset_index(drop=True)
    for column in ("case_id", "specimen", "marker"):
        tidy[column] = tidy[column].astype(str)
    return tidy


def _row_label(case_id: str, specimen: str) -> str:
    return f"{case_id} · {SPECIMEN_LABELS.get(specimen, specimen)}"


#: Short cell texts of printed results that are not a bare positive/negative (a score or a call keeps its words).
_SHORT_TEXT: dict[str, str] = {"no mutation detected": "no mut.", "amplified": "amp.", "not amplified": "not amp."}


def _cell_text(call: str, result: str) -> str:
    text = result.strip().lower()
    if call == "value":
        return result
    if text in _SHORT_TEXT:
        return _SHORT_TEXT[text]
    if text in (POSITIVE, NEGATIVE):
        return "+" if call == "positive" else "\u2212"
    return result.strip()  # a HER2 score read as positive or negative (3+, 1+, 0): the score says more than a sign


#: Row label of a case that has no row in ihc.csv (a sparse case), in place of a specimen.
NOTHING_REPORTED: str = "no marker reported"


def panel_matrix(ihc: pd.DataFrame, case_ids: Sequence[str] | None = None) -> tuple[pd.DataFrame, pd.DataFrame]:
    """Specimen x marker grids for the panel figure: ``(calls, texts)``.

    Rows are ``"case · specimen"`` labels, cases in :func:`case_order`; given ``case_ids`` (every case
    of cases.csv), a case without any IHC row gets one row ``"case · no marker reported"``, so every
    case shows. Columns are the markers of :data:`MARKER_ORDER` (the enum of ihc.marker);
    ``calls`` holds one of :data:`CALLS` and ``texts`` the short text shown in the cell.
    """
    tidy = tidy_table(ihc, case_ids)
    rows = []
    for case_id in case_order(ihc, case_ids):
        own = tidy[tidy["case_id"] == case_id]
        rows += [_row_label(case_id, sp) for sp in dict.fromkeys(own["specimen"])] or [f"{case_id} · {NOTHING_REPORTED}"]
    calls = pd.DataFrame(NOT_REPORTED, index=rows, columns=list(MARKER_ORDER))
    texts = pd.DataFrame("", index=rows, columns=list(MARKER_ORDER))
    for _, row in tidy.iterrows():
        label = _row_label(row["case_id"], row["specimen"])
        calls.loc[label, row["marker"]] = row["call"]
        texts.loc[label, row["marker"]] = _cell_text(row["call"], row["result"])
    calls.index.name = texts.index.name = "case · specimen"
    return calls, texts


def marker_panel_figure(ihc: pd.DataFrame, case_ids: Sequence[str] | None = None):
    """The specimen x marker figure of :func:`panel_matrix` (every case of ``case_ids``), drawn by
    :func:`utils.plots.marker_panel`."""
    from utils import plots

    return plots.marker_panel(*panel_matrix(ihc, case_ids))


def coverage_table(ihc: pd.DataFrame, case_ids: Sequence[str] | None = None) -> pd.DataFrame:
    """How much was reported per case and specimen: markers, receptor results, and how many carry a number
    (cases in :func:`case_order`)."""
    tidy = tidy_table(ihc, case_ids)
    records = []
    for (case_id, specimen), own in tidy.groupby(["case_id", "specimen"], sort=False):
        receptors = own[own["marker"].isin(RECEPTORS)]
        records.append({"case_id": case_id, "specimen": SPECIMEN_LABELS[specimen], "markers reported": len(own),
                        "ER/PR/HER2 results": len(receptors),
                        # a printed number (50%, 3+), whatever the call it makes
                        "of which with a percentage or score": int(receptors["result"].str.contains(r"\d").sum())})
    return pd.DataFrame(records)


def coverage_summary(ihc: pd.DataFrame, case_ids: Sequence[str] | None = None) -> str:
    """:func:`coverage_table` in two sentences of Markdown, for a figure caption; given ``case_ids``, a case
    without any IHC row is named as such."""
    table = coverage_table(ihc, case_ids)
    per_case = "; ".join(
        f"{markdown_text(case_id)}: "
        + ", ".join(f"{markdown_text(row['specimen'])} {row['markers reported']}" for _, row in own.iterrows())
        for case_id, own in table.groupby("case_id", sort=False))
    silent = [c for c in case_order(ihc, case_ids) if c not in set(table["case_id"])]
    if silent:
        per_case += "; " + "; ".join(f"{markdown_text(c)}: none" for c in silent)
    receptors = int(table["ER/PR/HER2 results"].sum())
    numbered = int(table["of which with a percentage or score"].sum())
    return (f"Markers reported per specimen ({per_case}). Of the {receptors} ER, PR and HER2 results,"
            f" {numbered} {'carries' if numbered == 1 else 'carry'} a percentage or an IHC score.")


def specimen_table(ihc: pd.DataFrame, case_ids: Sequence[str] | None = None) -> pd.DataFrame:
    """One row per case and specimen: every result as printed, in clinical order (cases in :func:`case_order`),
    with the source locators."""
    tidy = tidy_table(ihc, case_ids)
    records = []
    for (case_id, specimen), own in tidy.groupby(["case_id", "specimen"], sort=False):
        records.append({"case_id": case_id, "specimen": SPECIMEN_LABELS[specimen],
                        "results as reported": "; ".join(f"{m} {r}" for m, r in zip(own["marker"], own["result"])),
                        "source_locator": " | ".join(dict.fromkeys(own["source_locator"]))})
    return pd.DataFrame(records)


def case_panel(ihc: pd.DataFrame, case_id: str, specimens: str | Sequence[str]) -> dict[str, object]:
    """The results of one case on the given specimen(s), as input for :func:`interpret_panel`.

    ER/PR and PD-L1 use the numeric ``result_value`` where one is printed, otherwise the
    printed word. A marker present on two of the chosen specimens is an error.
    """
    frame = _plain(ihc)
    if case_id not in set(frame["case_id"]):
        raise ValueError(f"case_id {case_id!r} is not in the ihc table; expected one of {', '.join(sorted(set(frame['case_id'])))}")
    wanted = [specimens] if isinstance(specimens, str) else list(specimens)
    unknown = [s for s in wanted if s not in SPECIMEN_ORDER]
    if unknown:
        raise ValueError(f"specimen(s) {', '.join(map(repr, unknown))} unknown; expected any of: {', '.join(SPECIMEN_ORDER)}")
    rows = frame[(frame["case_id"] == case_id) & frame["specimen"].isin(wanted)]
    panel: dict[str, object] = {}
    for _, row in rows.iterrows():
        marker = row["marker"]
        if marker in panel:
            raise ValueError(f"{case_id}: {marker} appears on more than one of {', '.join(wanted)}; choose one specimen")
        value = row["result_value"]
        if marker in ("ER", "PR", "PD-L1") and pd.notna(value):
            panel[marker] = float(value)
        else:
            panel[marker] = row["result"]
    return panel


#: The markers a subtype is read from: the receptors and the HER2 ISH call (amplified alone is HER2-positive).
SUBTYPE_MARKERS: tuple[str, ...] = RECEPTORS + ("HER2 ISH",)


def subtype_table(ihc: pd.DataFrame, case_ids: Sequence[str] | None = None) -> pd.DataFrame:
    """Subtype and gaps for every specimen with an ER, PR or HER2 (IHC or ISH) result, with locators
    (cases in :func:`case_order`)."""
    frame = _plain(ihc)
    records = []
    for case_id in case_order(frame, case_ids):
        for specimen in SPECIMEN_ORDER:
            own = frame[(frame["case_id"] == case_id) & (frame["specimen"] == specimen)]
            if not set(own["marker"]) & set(SUBTYPE_MARKERS):
                continue
            reading = interpret_panel({m: v for m, v in case_panel(ihc, case_id, specimen).items() if m in SUBTYPE_MARKERS})
            locators = own.loc[own["marker"].isin(SUBTYPE_MARKERS), "source_locator"]
            records.append({
                "case_id": case_id,
                "specimen": SPECIMEN_LABELS[specimen],
                "ER": reading.er.label.removeprefix("ER "),
                "PR": reading.pr.label.removeprefix("PR "),
                "HER2": reading.her2.category,
                "subtype": reading.subtype,
                "what is missing": " | ".join(_short_missing(m) for m in reading.missing),
                "source_locator": " | ".join(dict.fromkeys(locators)),
            })
    return pd.DataFrame(records)


def _short_missing(text: str) -> str:
    """The first clause of a 'missing' message (before the first colon or full stop)."""
    return re.split(r"[:.]", text, maxsplit=1)[0]


def receptor_course(ihc: pd.DataFrame, case_ids: Sequence[str] | None = None) -> pd.DataFrame:
    """ER, PR and HER2 across breast primary, axillary node and bone marrow, case by case (cases in
    :func:`case_order`; cases without any IHC row are left out); a HER2 ISH row is added for a case that has one.

    ``reading`` compares the primary with the marrow: concordant, not reported for the
    marrow, not reported for the primary, or the direction of a conversion.
    """
    frame = _plain(ihc)
    sites = ("breast_primary", "axillary_node", "bone_marrow")
    records = []
    for case_id in [c for c in case_order(frame, case_ids) if (frame["case_id"] == c).any()]:
        has_ish = ((frame["case_id"] == case_id) & (frame["marker"] == "HER2 ISH")).any()
        for marker in RECEPTORS + (("HER2 ISH",) if has_ish else ()):
            own = frame[(frame["case_id"] == case_id) & (frame["marker"] == marker)]
            result = {s: own.loc[own["specimen"] == s, "result"].iloc[0] if (own["specimen"] == s).any() else NOT_REPORTED
                      for s in sites}
            primary, marrow = result["breast_primary"], result["bone_marrow"]
            if primary == NOT_REPORTED:
                reading = "not reported for the primary"
            elif marrow == NOT_REPORTED:
                reading = "not reported for the marrow"
            elif result_call(marker, primary) == result_call(marker, marrow):
                reading = "concordant (primary and marrow)"
            else:
                reading = f"conversion: {primary} in the primary, {marrow} in the marrow"
            records.append({"case_id": case_id, "marker": marker,
                            **{SPECIMEN_LABELS[s]: result[s] for s in sites}, "primary vs marrow": reading})
    return pd.DataFrame(records)


# Line of therapy (casedata/therapy_lines.csv) -----------------------------------------------------------
def metastatic_lines_before(therapy_lines: pd.DataFrame, case_id: str, day: float) -> pd.DataFrame:
    """The numbered lines given for metastatic disease that started before ``day`` (days from the case's day 0).

    Supportive treatment, radiotherapy and adjuvant therapy carry no line number and are left out. Columns:
    therapy_id, line, category, regimen, start_day, start_precision, source_locator.
    """
    needed = {"case_id", "therapy_id", "line", "setting", "category", "regimen", "start_day", "start_precision",
              "source_locator"}
    absent = sorted(needed - set(therapy_lines.columns))
    if absent:
        raise ValueError(f"the therapy_lines table lacks column(s) {', '.join(absent)}; pass casedata.load_all().therapy_lines")
    cases = set(therapy_lines["case_id"].astype(str))
    if case_id not in cases:
        raise ValueError(f"case_id {case_id!r} is not in the therapy_lines table; expected one of {', '.join(sorted(cases))}")
    own = therapy_lines[(therapy_lines["case_id"].astype(str) == case_id)
                        & (therapy_lines["setting"].astype(str) == "metastatic")
                        & therapy_lines["line"].notna()
                        & (therapy_lines["start_day"].astype(float) < float(day))]
    columns = ["therapy_id", "line", "category", "regimen", "start_day", "start_precision", "source_locator"]
    return own.sort_values(["start_day", "line"])[columns].reset_index(drop=True)


def destiny_breast06_position(therapy_lines: pd.DataFrame, case_id: str, day: float, **flags: bool) -> LineCheck:
    """:func:`utils.ihc.destiny_breast06_line_check` for the lines of :func:`metastatic_lines_before`.

    Endocrine and chemotherapy lines are counted by their distinct line numbers; ``flags`` are passed on
    (``early_progression_on_first_line_cdk46``, ``adjuvant_relapse_within_24_months``).
    """
    before = metastatic_lines_before(therapy_lines, case_id, day)
    counts = {kind: before.loc[before["category"].astype(str) == kind, "line"].nunique()
              for kind in ("endocrine", "chemotherapy")}
    return destiny_breast06_line_check(counts["endocrine"], counts["chemotherapy"], **flags)


# The widget ---------------------------------------------------------------------------------------------
RECEPTOR_CHOICES: tuple[tuple[str, object], ...] = (
    ("negative (% not given)", NEGATIVE), ("positive (% not given)", POSITIVE),
    ("0%", 0.0), ("0.5%", 0.5), ("1%", 1.0), ("5%", 5.0), ("10%", 10.0), ("11%", 11.0), ("50%", 50.0),
    ("95%", 95.0), ("not reported", NOT_REPORTED),
)
HER2_CHOICES: tuple[tuple[str, object], ...] = (
    ("negative (score not given)", NEGATIVE), ("IHC 0 (null or ultralow not said)", "0"), ("IHC 0, null", "0 (null)"),
    ("IHC 0, ultralow", "0 (ultralow)"), ("IHC 1+", "1+"), ("IHC 2+", "2+"), ("IHC 3+", "3+"),
    ("positive (score not given)", POSITIVE), ("not reported", NOT_REPORTED),
)
ISH_CHOICES: tuple[tuple[str, object], ...] = tuple((v, v) for v in ISH_RESULTS)
BINARY_CHOICES: tuple[tuple[str, object], ...] = ((POSITIVE, POSITIVE), (NEGATIVE, NEGATIVE), (NOT_REPORTED, NOT_REPORTED))
CPS_CHOICES: tuple[tuple[str, object], ...] = (
    ("not reported", NOT_REPORTED), ("CPS 0", 0.0), ("CPS 1", 1.0), ("CPS 5", 5.0), ("CPS 9", 9.0), ("CPS 10", 10.0),
    ("CPS 20", 20.0), ("CPS 50", 50.0),
)
#: Controls of the explorer: panel key -> (description, choices).
EXPLORER_CONTROLS: dict[str, tuple[str, tuple[tuple[str, object], ...]]] = {
    "pan-CK": ("pan-CK (AE1/AE3)", BINARY_CHOICES),
    "CK7": ("CK7", BINARY_CHOICES),
    "CK20": ("CK20", BINARY_CHOICES),
    "MUM1": ("MUM1", BINARY_CHOICES),
    "GATA3": ("GATA3 (added?)", BINARY_CHOICES),
    "TRPS1": ("TRPS1 (added?)", BINARY_CHOICES),
    "mammaglobin": ("mammaglobin (added?)", BINARY_CHOICES),
    "SOX10": ("SOX10 (added?)", BINARY_CHOICES),
    "ER": ("ER", RECEPTOR_CHOICES),
    "PR": ("PR", RECEPTOR_CHOICES),
    "HER2": ("HER2 IHC", HER2_CHOICES),
    "HER2 ISH": ("HER2 ISH", ISH_CHOICES),
    "PD-L1": ("PD-L1 CPS", CPS_CHOICES),
}


def _choice_label(key: str, value: object) -> str:
    if key == "PD-L1":
        return f"CPS {value:g} (as reported)"
    if isinstance(value, float):
        return f"{value:g}% (as reported)"
    return f"{value} (as reported)"


def explorer_start(reported: Mapping[str, object]) -> dict[str, object]:
    """Start values of every explorer control from a reported panel (missing markers: not reported)."""
    check_panel_keys(reported)
    start: dict[str, object] = {}
    for key in EXPLORER_CONTROLS:
        value = reported.get(key)
        if value is None:
            value = "not done" if key == "HER2 ISH" else NOT_REPORTED
        elif isinstance(value, numbers.Real) and not isinstance(value, bool):
            value = float(value)
        start[key] = value
    return start


def explorer_choices(key: str, start: object) -> list[tuple[str, object]]:
    """The choices of one control, with the reported value added when it is not among them."""
    description_choices = EXPLORER_CONTROLS[key][1]
    choices = list(description_choices)
    if start not in [value for _, value in choices]:
        choices.insert(0, (_choice_label(key, start), start))
    return choices


def panel_explorer(reported: Mapping[str, object], show: Callable[[str], None] | None = None,
                   title: str = "Change a marker result and watch the reading change"):
    """The notebook-02 widget: one dropdown per marker, starting from ``reported``.

    Every change calls :func:`interpret_panel` on the current values (plus any reported
    markers without a control, such as BRCA1/2) and passes :func:`explain_markdown` of the
    result to ``show`` if given, else shows it as Markdown in the explorer. *Back to as reported* restores
    every control. Nothing here touches ``casedata/``.
    """
    import ipywidgets as widgets  # imported here so the rest of the module works without ipywidgets

    from utils.controls import ControlError, check_choice, refusal
    from utils.widgets import explorer

    start = explorer_start(reported)
    fixed = {k: v for k, v in reported.items() if k not in EXPLORER_CONTROLS}
    for key, value in start.items():  # fail now, with a clear message, if a reported value is unreadable
        interpret_panel({key: value})
    choices = {key: explorer_choices(key, start[key]) for key in EXPLORER_CONTROLS}
    controls = {
        key: widgets.Dropdown(options=choices[key], value=start[key], description=description)
        for key, (description, _) in EXPLORER_CONTROLS.items()
    }

    def render(**values: object) -> None:
        try:
            for key, value in values.items():  # a value no dropdown offers (NaN, None, ...) is refused, not read
                check_choice(EXPLORER_CONTROLS[key][0].split(" (")[0], value, [choice for _, choice in choices[key]])
            text = explain_markdown(interpret_panel({**fixed, **values}))
        except ControlError as error:
            text = f"**{markdown_text(refusal(error))}**"
        except ValueError as error:  # a contradictory choice, e.g. HER2 'negative' with amplified ISH
            text = f"**These choices contradict each other:** {markdown_text(error)}"
        if show is not None:  # a hook for tests; the explorer then shows nothing itself
            show(text)
            return None
        return text

    return explorer(title, controls, render)


# The explorer of any case ---------------------------------------------------------------------------------
#: The specimen a report leaves unnamed: offered on its own and together with each named specimen of the case
#: (PD-L1 and BRCA results often come without one, yet belong to the reading of a panel).
UNNAMED_SPECIMEN: str = "not_stated"


def specimen_choices(ihc: pd.DataFrame, case_id: str) -> list[tuple[str, tuple[str, ...]]]:
    """(label, specimens) a panel of ``case_id`` can be read from: each specimen it has, in clinical order, and
    each named specimen together with the unnamed one (:data:`UNNAMED_SPECIMEN`) when the case has it and no
    marker appears on both. A case without any IHC row has one choice, ``("no marker reported", ())``."""
    frame = _plain(ihc)
    own = frame[frame["case_id"] == str(case_id)]
    present = [s for s in SPECIMEN_ORDER if (own["specimen"] == s).any()]
    if not present:
        return [(NOTHING_REPORTED, ())]
    choices = [(SPECIMEN_LABELS.get(s, s), (s,)) for s in present]
    if UNNAMED_SPECIMEN in present:
        unnamed = set(own.loc[own["specimen"] == UNNAMED_SPECIMEN, "marker"])
        for s in present:
            if s != UNNAMED_SPECIMEN and not unnamed & set(own.loc[own["specimen"] == s, "marker"]):
                choices.append((f"{SPECIMEN_LABELS.get(s, s)} + {SPECIMEN_LABELS[UNNAMED_SPECIMEN]}", (s, UNNAMED_SPECIMEN)))
    return choices


def reported_panel(ihc: pd.DataFrame, case_id: str, specimens: Sequence[str]) -> dict[str, object]:
    """:func:`case_panel`, or an empty panel for a case (or a choice) without any IHC row."""
    if not specimens or not (_plain(ihc)["case_id"] == str(case_id)).any():
        return {}
    return case_panel(ihc, case_id, list(specimens))


def case_panel_explorer(ihc: pd.DataFrame, case_id: str, specimens: str | Sequence[str],
                        case_ids: Sequence[str] | None = None, show: Callable[[str], None] | None = None,
                        title: str = "Choose a case and a specimen, then change a marker and watch the reading change"):
    """The notebook-02 widget for any case: a case dropdown, a specimen dropdown, and one dropdown per marker.

    The case dropdown lists ``case_ids`` (pass ``data.cases["case_id"]``: every case of cases.csv, in its
    order, a case added as CSV rows included; without it, the cases of ``ihc``). The specimen dropdown
    follows the case (:func:`specimen_choices`), and the marker dropdowns follow the case and specimen:
    each starts from the panel as reported there (:func:`reported_panel`; reported markers without a control,
    such as BRCA1/2, still count). Every change calls :func:`interpret_panel` and passes
    :func:`explain_markdown` of the result to ``show`` if given, else shows it as Markdown. *Back to as
    reported* restores the starting case, specimen and panel. Nothing here touches ``casedata/``.
    """
    import ipywidgets as widgets

    from utils.controls import ControlError, check_choice, refusal
    from utils.widgets import explorer

    cases = case_order(ihc, case_ids)
    if str(case_id) not in cases:
        raise ValueError(f"case {case_id!r} is not among the cases offered ({', '.join(cases)})")
    start_specimens = (specimens,) if isinstance(specimens, str) else tuple(specimens)
    offered = specimen_choices(ihc, case_id)
    if start_specimens not in [value for _, value in offered]:
        raise ValueError(f"{case_id}: specimens {start_specimens} are not offered; expected one of: "
                         + ", ".join(str(value) for _, value in offered))
    state: dict = {"updating": False, "box": None, "fixed": {}, "choices": {}, "specimens": offered}
    controls: dict = {
        "case_id": widgets.Dropdown(options=cases, value=str(case_id), description="case"),
        "specimens": widgets.Dropdown(options=offered, value=start_specimens, description="specimen"),
    }

    def load_panel(case: str, chosen: tuple[str, ...]) -> dict[str, object]:
        reported = reported_panel(ihc, case, chosen)
        start = explorer_start(reported)
        state["fixed"] = {k: v for k, v in reported.items() if k not in EXPLORER_CONTROLS}
        state["choices"] = {key: explorer_choices(key, start[key]) for key in EXPLORER_CONTROLS}
        return start

    start = load_panel(str(case_id), start_specimens)
    for key, (description, _) in EXPLORER_CONTROLS.items():
        controls[key] = widgets.Dropdown(options=state["choices"][key], value=start[key], description=description)

    def follow(case: str, chosen: tuple[str, ...]) -> None:
        """Put every marker control at the reported panel of ``case`` on ``chosen``, drawing once at the end."""
        state["updating"] = True
        try:
            values = load_panel(case, chosen)
            for key in EXPLORER_CONTROLS:
                controls[key].options = state["choices"][key]
                controls[key].value = values[key]
        finally:
            state["updating"] = False
        if state["box"] is not None:
            state["box"].redraw()

    def on_case(change: dict) -> None:
        if change["new"] not in cases:
            return
        state["updating"] = True
        try:
            state["specimens"] = specimen_choices(ihc, change["new"])
            controls["specimens"].options = state["specimens"]
            controls["specimens"].value = state["specimens"][0][1]
        finally:
            state["updating"] = False
        follow(change["new"], controls["specimens"].value)

    def on_specimens(change: dict) -> None:
        if not state["updating"] and change["new"] in [value for _, value in state["specimens"]]:
            follow(controls["case_id"].value, change["new"])

    controls["case_id"].observe(on_case, names="value")
    controls["specimens"].observe(on_specimens, names="value")

    def render(case_id: str, specimens: tuple[str, ...], **values: object) -> None:
        if state["updating"]:  # the controls are being set to a new case or specimen; draw once they are
            return None
        try:  # a value no dropdown offers (NaN, None, ...) is refused, not read
            check_choice("case", case_id, cases)
            check_choice("specimen", specimens, [value for _, value in state["specimens"]])
            for key, value in values.items():
                check_choice(EXPLORER_CONTROLS[key][0].split(" (")[0], value, [choice for _, choice in state["choices"][key]])
            text = explain_markdown(interpret_panel({**state["fixed"], **values}))
        except ControlError as error:
            text = f"**{markdown_text(refusal(error))}**"
        except ValueError as error:  # a contradictory choice, e.g. HER2 'negative' with amplified ISH
            text = f"**These choices contradict each other:** {markdown_text(error)}"
        heading = f"*{markdown_text(case_id)}, {markdown_text(' + '.join(SPECIMEN_LABELS.get(s, s) for s in specimens) or NOTHING_REPORTED)}:*\n\n"
        if show is not None:  # a hook for tests; the explorer then shows nothing itself
            show(heading + text)
            return None
        return heading + text

    box = explorer(title, controls, render)
    state["box"] = box
    return box
