"""Immunohistochemistry of breast cancer: receptor calls, HER2 categories, subtype, panel reading.

The rules and the reading of one marker panel; tables over ``casedata/ihc.csv`` and the widget
live in :mod:`utils.ihc_views`.

Notebook 02 asks two questions of a marker panel: *where do the cells in the marrow come
from?* and *which receptor subtype is this?* The functions here answer both from plain
values, so they can be tested at every threshold and wired to a widget. They return data
(small frozen dataclasses, DataFrames, strings); they print nothing.

Rules encoded here (cite the sources, not this module)
-------------------------------------------------------
* **ER** (ASCO/CAP 2020; Allison et al., J Clin Oncol 2020): fewer than 1 % of tumour
  nuclei stained is *negative*; 1-100 % is *positive*. Results of 1-10 % are reported in a
  separate category, **ER Low Positive**, which is a subset of positive: it counts as
  positive for the subtype, but the guideline notes limited data on endocrine benefit.
  :func:`receptor_status` returns ``"low positive"`` for them and ``"positive"`` above 10 %.
* **PR** (same guideline): negative below 1 %, positive from 1 %. There is **no low
  category for PR**; PR is used mainly for prognosis in ER-positive cancer.
* **HER2** (ASCO/CAP 2018 focused update, affirmed in 2023; Wolff et al.): IHC 3+ is
  positive; IHC 2+ is equivocal until in situ hybridisation (ISH) decides (amplified:
  positive; not amplified: negative); IHC 0 and 1+ are negative. IHC 1+ means faint,
  incomplete membrane staining in more than 10 % of invasive tumour cells. IHC 1+ and
  2+ with non-amplified ISH are called **HER2-low**: a therapy concept taken from the
  entry criteria of DESTINY-Breast04 (Modi et al., N Engl J Med 2022), not a guideline
  result category. "ISH" here is the final ISH call after the 2018 work-up of ISH groups 1-5.
* **HER2-ultralow and HER2-null** (DESTINY-Breast06; Bardia et al., N Engl J Med 2024):
  IHC 0 splits in two. *Ultralow* is faint, incomplete membrane staining in more than 0 and
  at most 10 % of tumour cells; *null* is no membrane staining at all. DESTINY-Breast06
  showed longer progression-free survival with trastuzumab deruxtecan than with
  chemotherapy in HR+ HER2-low metastatic disease after endocrine therapy and before any
  chemotherapy for metastatic disease, and a consistent result in its smaller, exploratory
  HER2-ultralow group. In that setting only HER2-null falls outside the trastuzumab deruxtecan
  evidence; after chemotherapy for metastatic disease (DESTINY-Breast04 required HER2-low) or in
  HR-negative disease, HER2-ultralow is outside it too. ASCO/CAP 2023 created no
  new result categories (it asks for a careful call at the low end), so the split is a
  therapy concept like HER2-low. A report that prints "IHC 0" without saying which cannot be
  placed (:func:`her2_zero_reading` encodes the cut-offs; :func:`destiny_breast06_line_check`
  the trial's line-of-therapy position).
* **Subtype**: hormone-receptor positive (HR+) when ER or PR is positive (>= 1 %); HER2
  as above. The labels are those of ``casedata/cases.csv``.
* **PD-L1**: the combined positive score (CPS) is grouped at 1 and 10, the cut-offs of
  KEYNOTE-355 (Cortes et al., Lancet 2020; N Engl J Med 2022). In untreated triple-negative
  disease the CPS also sorts the first-line trials of TROP2-directed antibody-drug conjugates:
  ASCENT-04 (sacituzumab govitecan with pembrolizumab, CPS >= 10; N Engl J Med 2026), and
  ASCENT-03 (sacituzumab govitecan; N Engl J Med 2025) and TROPION-Breast02 (datopotamab
  deruxtecan; ESMO 2025) for patients who cannot have a PD-1/PD-L1 inhibitor, a CPS below 10
  being the commonest reason.

Reports often print only "positive" or "negative". The subtype can usually still be
derived, but every call says what is missing (the percentage, the HER2 score) and why
that matters now. A marker the report does not mention is *not reported*, never "not
tested": a report only tells what it reports.

Main entry points
-----------------
receptor_status(percent, marker)    ER or PR status from the percentage of stained nuclei
read_receptor(marker, result)       the same from a printed result ("positive", "35%", 35.0)
her2_category(score, ish)           HER2 from the IHC score and the ISH call
read_her2(result, ish)              the same from a printed result ("negative", "2+")
subtype(er, pr, her2)               the receptor subtype
pdl1_group(cps)                     the KEYNOTE-355 CPS group
first_line_adc_evidence(cps)        the first-line TROP2 antibody-drug conjugate trials a CPS points to (TNBC)
receptor_rules_table, her2_rules_table
                                    the rules applied to illustrative values (for teaching)
er_low_only(er, pr)                 ER Low Positive is the only positive receptor (evidence from both sides)
her2_zero_reading(percent)          IHC 0 (null), 0 (ultralow) or 1+ from the share of faintly stained cells
tdxd_evidence_group(her2)           which trastuzumab deruxtecan trial covers a HER2 call (HR+ disease)
destiny_breast06_line_check(...)    whether a line-of-therapy history sits where DESTINY-Breast06 enrolled
interpret_panel(results)            subtype, what is missing, origin reading, evidence to weigh
explain_markdown(interpretation)    the same as Markdown, for notebooks and the widget

Views of ``casedata/ihc.csv`` and the notebook-02 explorer widget are in :mod:`utils.ihc_views`.

For education only: nothing here is a treatment recommendation for any patient.
"""

from __future__ import annotations

import math
import numbers
import re
from collections.abc import Mapping, Sequence
from dataclasses import asdict, dataclass

import pandas as pd


# Thresholds ---------------------------------------------------------------------------
#: ER and PR: below this percentage of stained tumour nuclei the result is negative.
NEGATIVE_BELOW: float = 1.0
#: ER only: up to and including this percentage a positive result is reported as ER Low Positive.
ER_LOW_POSITIVE_UP_TO: float = 10.0
#: PD-L1 combined positive score cut-offs used in KEYNOTE-355.
CPS_CUTOFFS: tuple[float, float] = (1.0, 10.0)

# Vocabularies -----------------------------------------------------------------------------
NEGATIVE, LOW_POSITIVE, POSITIVE, NOT_REPORTED = "negative", "low positive", "positive", "not reported"
#: Accepted as input for a marker without a result; read as :data:`NOT_REPORTED`.
NO_RESULT_WORDS: tuple[str, ...] = (NOT_REPORTED, "not tested")
HER2_SCORES: tuple[str, ...] = ("0", "1+", "2+", "3+")
#: IHC 0 split by the staining seen (DESTINY-Breast06): no membrane staining, or faint incomplete staining in <= 10 %.
HER2_NULL, HER2_ULTRALOW = "0 (null)", "0 (ultralow)"
#: Every IHC score text accepted and returned: "0" alone leaves null versus ultralow unknown.
HER2_SCORE_TEXTS: tuple[str, ...] = ("0", HER2_NULL, HER2_ULTRALOW, "1+", "2+", "3+")
#: Faint, incomplete membrane staining above 0 % and up to this percentage of tumour cells is HER2-ultralow; above it, IHC 1+.
ULTRALOW_UP_TO: float = 10.0
ISH_RESULTS: tuple[str, ...] = ("not done", "not amplified", "amplified")
EQUIVOCAL = "equivocal"
UNDETERMINED = "undetermined"
BRCA_RESULTS: tuple[str, ...] = ("mutation detected", "no mutation detected")

#: Markers read as positive/negative only.
BINARY_MARKERS: tuple[str, ...] = ("pan-CK", "CK7", "CK20", "MUM1", "GATA3", "TRPS1", "mammaglobin", "SOX10")
#: Every key :func:`interpret_panel` accepts.
PANEL_KEYS: tuple[str, ...] = BINARY_MARKERS + ("ER", "PR", "HER2", "HER2 ISH", "Ki-67", "PD-L1", "BRCA1/2")
#: Site-of-origin markers a pathologist may add (reported in neither case).
ORIGIN_MARKERS: tuple[str, ...] = ("GATA3", "TRPS1", "mammaglobin", "SOX10")

RECEPTORS: tuple[str, ...] = ("ER", "PR", "HER2")
_PERCENT_TEXT = re.compile(r"^\s*(\d+(?:\.\d+)?)\s*%\s*$")
_CPS_TEXT = re.compile(r"^\s*(?:CPS\s*)?(\d+(?:\.\d+)?)\s*$", re.IGNORECASE)


# ER and PR ----------------------------------------------------------------------------------
def _number(value: object, what: str, expected: str) -> float:
    """``value`` as a float, or a ValueError naming it and what was expected."""
    if isinstance(value, bool) or not isinstance(value, numbers.Real):
        raise ValueError(f"{what} {value!r} is not a number; expected {expected}")
    number = float(value)
    if math.isnan(number):
        raise ValueError(f"{what} is NaN; expected {expected}")
    return number


def _percent(value: object, what: str) -> float:
    number = _number(value, what, "a percentage of stained cells from 0 to 100")
    if not 0.0 <= number <= 100.0:
        raise ValueError(f"{what} {number:g} is outside 0-100; expected a percentage of stained cells from 0 to 100")
    return number


def _is_no_result(value: object) -> bool:
    return value is None or (isinstance(value, str) and value.strip().lower() in NO_RESULT_WORDS)


def receptor_status(percent: float, marker: str) -> str:
    """ER or PR status from the percentage of stained tumour nuclei (ASCO/CAP 2020).

    Both receptors are ``"negative"`` below 1 % and positive from 1 %. For **ER** a result
    of 1 to 10 % inclusive is returned as ``"low positive"`` (the guideline's *ER Low
    Positive* reporting category, a subset of positive) and above 10 % as ``"positive"``.
    **PR** has no low category: 1 % or more is ``"positive"``.

    >>> [receptor_status(p, "ER") for p in (0.9, 1, 10, 10.1)]
    ['negative', 'low positive', 'low positive', 'positive']
    >>> [receptor_status(p, "PR") for p in (0.9, 1, 10, 10.1)]
    ['negative', 'positive', 'positive', 'positive']
    """
    if marker not in ("ER", "PR"):
        raise ValueError(f"marker {marker!r} is not a hormone receptor; expected 'ER' or 'PR'")
    value = _percent(percent, f"{marker} percent")
    if value < NEGATIVE_BELOW:
        return NEGATIVE
    if marker == "ER" and value <= ER_LOW_POSITIVE_UP_TO:
        return LOW_POSITIVE
    return POSITIVE


@dataclass(frozen=True)
class ReceptorCall:
    """ER or PR on one specimen: the status, the percentage if printed, and what is missing."""

    marker: str
    status: str
    percent: float | None = None
    missing: tuple[str, ...] = ()

    @property
    def positive(self) -> bool | None:
        """True for positive (ER Low Positive included), False for negative, None when not reported."""
        if self.status == NOT_REPORTED:
            return None
        return self.status != NEGATIVE

    @property
    def label(self) -> str:
        """Short readable call, for example ``"ER low positive (5%)"``."""
        if self.status == NOT_REPORTED:
            return f"{self.marker} not reported"
        amount = f"{self.percent:g}%" if self.percent is not None else "% not reported"
        return f"{self.marker} {self.status} ({amount})"


def _missing_percentage(marker: str, status: str) -> str:
    if marker == "ER" and status == POSITIVE:
        return ("ER percentage not reported: 'positive' covers 1-100 %, so an ER Low Positive result (1-10 %)"
                " cannot be told from a higher one. ASCO/CAP 2020 reports 1-10 % separately because data on"
                " endocrine benefit at that level are limited.")
    if marker == "PR" and status == POSITIVE:
        return ("PR percentage not reported: PR has no low category (positive from 1 %), so the subtype is"
                " settled; the percentage adds prognostic detail in ER-positive cancer (ASCO/CAP 2020).")
    if marker == "ER":
        return ("ER percentage not reported: 'negative' should mean fewer than 1 % of nuclei stained;"
                " an ER Low Positive result (1-10 %) reported as negative would change the subtype.")
    return ("PR percentage not reported: 'negative' should mean fewer than 1 % of nuclei stained;"
            " a PR of 1 % or more reported as negative would change the subtype of an ER-negative tumour.")


def read_receptor(marker: str, result: object) -> ReceptorCall:
    """ER or PR from a printed result.

    ``result`` may be a percentage (a number, or text such as ``"35%"``), the bare words
    ``"positive"`` or ``"negative"`` (no percentage printed), or ``None`` / ``"not reported"``
    (``"not tested"`` is read the same way).
    """
    if marker not in ("ER", "PR"):
        raise ValueError(f"marker {marker!r} is not a hormone receptor; expected 'ER' or 'PR'")
    if _is_no_result(result):
        return ReceptorCall(marker, NOT_REPORTED, None, (f"{marker} not reported for this specimen.",))
    if isinstance(result, str):
        text = result.strip().lower()
        if text in (POSITIVE, NEGATIVE):
            return ReceptorCall(marker, text, None, (_missing_percentage(marker, text),))
        match = _PERCENT_TEXT.match(text)
        if not match:
            raise ValueError(f"{marker} result {result!r} is not understood; expected a percentage (0-100, "
                             "for example 35 or '35%'), 'positive', 'negative', or None for not reported")
        result = float(match.group(1))
    percent = _percent(result, f"{marker} percent")
    return ReceptorCall(marker, receptor_status(percent, marker), percent)


# HER2 -------------------------------------------------------------------------------------------
@dataclass(frozen=True)
class Her2Call:
    """HER2 on one specimen: status, readable category, HER2-low flag, gaps and caveats."""

    status: str
    category: str
    score: str | None = None
    ish: str = "not done"
    her2_low: bool | None = None
    missing: tuple[str, ...] = ()
    notes: tuple[str, ...] = ()
    ultralow: bool | None = None  # IHC 0 only: True ultralow, False null, None not said (or not IHC 0)

    @property
    def positive(self) -> bool | None:
        """True or False once decided; None when equivocal or not reported."""
        return {POSITIVE: True, NEGATIVE: False}.get(self.status)


_WHY_THE_SCORE = ("Trastuzumab deruxtecan evidence now reaches HER2-low (DESTINY-Breast04,"
                  " 2022, after chemotherapy for metastatic disease) and, in HR+ disease after endocrine therapy"
                  " and before any chemotherapy for metastatic disease, HER2-ultralow (DESTINY-Breast06, 2024):"
                  " in that setting only HER2-null is left out, while after chemotherapy for metastatic disease or"
                  " in HR-negative disease HER2-ultralow is left out too. The score is needed and, for IHC 0,"
                  " whether any faint, incomplete membrane staining was seen (ASCO/CAP 2023 asks for a careful"
                  " call at the low end), ideally on a recent sample of the metastasis.")
_MISSING_SCORE = ("HER2 IHC score not reported: 'negative' covers IHC 0 (null or ultralow), 1+ and 2+ with"
                  " non-amplified ISH. " + _WHY_THE_SCORE)
_MISSING_ZERO = ("IHC 0 reported without saying whether faint, incomplete membrane staining was seen in up to 10 %"
                 " of tumour cells (HER2-ultralow) or none at all (HER2-null): since DESTINY-Breast06 (2024)"
                 " this decides whether trastuzumab deruxtecan evidence applies in HR+ disease.")
#: ISH amplified, no IHC score: the score would not change the positive call.
_MISSING_IHC_WITH_AMPLIFIED_ISH = ("HER2 IHC score not reported; it does not change a positive call: a final ISH call of"
                                   " amplified (for ISH groups 2-4, made after the concurrent IHC review ASCO/CAP 2018,"
                                   " affirmed 2023, requires) is HER2-positive.")
#: ISH not amplified, no IHC score: one message, the negative call and why the score is still needed.
_MISSING_IHC_WITH_ISH = ("HER2 IHC score not reported: a final ISH call (for ISH groups 2-4, made after the concurrent"
                         " IHC review ASCO/CAP 2018, affirmed 2023, requires) decides positive or negative, so this"
                         " HER2 is negative; the IHC score is still needed to tell HER2-low or -ultralow from HER2-null. " + _WHY_THE_SCORE)
_DISCORDANT = "IHC and ISH disagree: review both tests as the ASCO/CAP 2018 work-up describes."


#: Other ways of writing the split IHC 0 that are read as :data:`HER2_NULL` or :data:`HER2_ULTRALOW`.
_ZERO_ALIASES: dict[str, str] = {"null": HER2_NULL, "ultralow": HER2_ULTRALOW, "0 null": HER2_NULL,
                                 "0 ultralow": HER2_ULTRALOW, "0+": HER2_ULTRALOW}


def _score(score: object) -> str:
    expected = f"expected one of {', '.join(HER2_SCORE_TEXTS)}"
    if isinstance(score, bool):
        raise ValueError(f"HER2 IHC score {score!r} is not understood; {expected}")
    if isinstance(score, numbers.Integral) and 0 <= int(score) <= 3:
        return HER2_SCORES[int(score)]
    if isinstance(score, str):
        text = " ".join(score.strip().lower().split())
        if text in HER2_SCORE_TEXTS:
            return text
        if text in _ZERO_ALIASES:
            return _ZERO_ALIASES[text]
    raise ValueError(f"HER2 IHC score {score!r} is not understood; {expected}")


def her2_zero_reading(faint_incomplete_percent: float) -> str:
    """The IHC score for faint, incomplete membrane staining in ``faint_incomplete_percent`` of tumour cells
    (no stronger staining): ``"0 (null)"`` at 0 %, ``"0 (ultralow)"`` above 0 and up to 10 %, ``"1+"`` above 10 %.

    >>> [her2_zero_reading(p) for p in (0, 0.5, 10, 10.1)]
    ['0 (null)', '0 (ultralow)', '0 (ultralow)', '1+']
    """
    value = _percent(faint_incomplete_percent, "percentage of tumour cells with faint, incomplete membrane staining")
    if value == 0:
        return HER2_NULL
    return HER2_ULTRALOW if value <= ULTRALOW_UP_TO else "1+"


def _ish(ish: object) -> str:
    if ish is None:
        return "not done"
    if isinstance(ish, str) and ish.strip().lower() in ISH_RESULTS:
        return ish.strip().lower()
    raise ValueError(f"HER2 ISH result {ish!r} is not understood; expected one of {', '.join(ISH_RESULTS)} (or None)")


def her2_category(score: object, ish: object = "not done") -> Her2Call:
    """HER2 from the IHC score (one of :data:`HER2_SCORE_TEXTS`) and the final ISH call.

    3+ is positive; 2+ needs ISH (amplified: positive, not amplified: negative and HER2-low);
    1+ is negative and HER2-low; 0 is negative and not HER2-low, and splits into
    ``"0 (ultralow)"`` and ``"0 (null)"`` (``ultralow`` True or False); a bare ``"0"`` leaves
    ``ultralow`` unknown and says so in ``missing``. An amplified ISH makes the tumour
    positive whatever the score, with a note that the two tests disagree.
    """
    score, ish = _score(score), _ish(ish)
    zero = score in ("0", HER2_NULL, HER2_ULTRALOW)
    if score == "3+":
        notes = (_DISCORDANT,) if ish == "not amplified" else ()
        return Her2Call(POSITIVE, "HER2-positive (IHC 3+)", score, ish, False, (), notes)
    if ish == "amplified":
        category = f"HER2-positive (IHC {'0' if zero else score}, ISH amplified)"
        notes = () if score == "2+" else (_DISCORDANT,)
        return Her2Call(POSITIVE, category, score, ish, False, (), notes)
    if score == "2+":
        if ish == "not amplified":
            return Her2Call(NEGATIVE, "HER2-low (IHC 2+, ISH not amplified)", score, ish, True)
        return Her2Call(EQUIVOCAL, "HER2 equivocal (IHC 2+): ISH needed", score, ish, None,
                        ("HER2 ISH result: IHC 2+ is equivocal until in situ hybridisation decides (ASCO/CAP 2018).",))
    if score == "1+":
        return Her2Call(NEGATIVE, "HER2-low (IHC 1+)", score, ish, True)
    if score == HER2_ULTRALOW:
        return Her2Call(NEGATIVE, "HER2-ultralow (IHC 0, faint staining in <= 10 % of cells)", score, ish, False,
                        ultralow=True)
    if score == HER2_NULL:
        return Her2Call(NEGATIVE, "HER2-null (IHC 0, no membrane staining)", score, ish, False, ultralow=False)
    return Her2Call(NEGATIVE, "HER2 0 (IHC 0, null or ultralow not said)", score, ish, False, (_MISSING_ZERO,))


def read_her2(result: object, ish: object = "not done") -> Her2Call:
    """HER2 from a printed result: an IHC score, the bare words ``"negative"``/``"positive"``,
    or ``None`` / ``"not reported"``; ``ish`` is the final ISH call if one was reported.

    ``ish`` is taken as the final ISH call (for ISH groups 2-4, the call made after the concurrent IHC
    review ASCO/CAP 2018 requires). With no IHC result, that final call still decides: amplified is
    HER2-positive and not amplified HER2-negative (ASCO/CAP 2018, affirmed 2023), with the missing IHC
    score named once (it does not change a positive call; it is needed to tell HER2-low or -ultralow
    from HER2-0 in a negative one); without either, HER2 is not reported.
    """
    if _is_no_result(result):
        ish = _ish(ish)
        if ish == "amplified":  # a final ISH call of amplified is HER2-positive (ASCO/CAP 2018, affirmed 2023)
            return Her2Call(POSITIVE, "HER2-positive (ISH amplified, IHC score not reported)", None, ish, False,
                            (_MISSING_IHC_WITH_AMPLIFIED_ISH,))
        if ish == "not amplified":  # a final ISH call: HER2-negative, but HER2-low needs the IHC score
            return Her2Call(NEGATIVE, "HER2-negative (ISH not amplified, IHC score not reported)", None, ish, None,
                            (_MISSING_IHC_WITH_ISH,))
        return Her2Call(NOT_REPORTED, "HER2 not reported", None, ish, None, ("HER2 not reported for this specimen.",))
    if isinstance(result, str) and result.strip().lower() == NEGATIVE:
        ish = _ish(ish)
        if ish == "amplified":
            raise ValueError("HER2 printed as 'negative' with an amplified ISH result is contradictory;"
                             " expected ISH 'not done' or 'not amplified' for a negative HER2")
        return Her2Call(NEGATIVE, "HER2-negative (IHC score not reported)", None, ish, None, (_MISSING_SCORE,))
    if isinstance(result, str) and result.strip().lower() == POSITIVE:
        return Her2Call(POSITIVE, "HER2-positive (IHC score and ISH not reported)", None, _ish(ish), False,
                        ("HER2 basis not reported (IHC 3+ or ISH amplification).",))
    return her2_category(result, ish)


# Subtype and PD-L1 ----------------------------------------------------------------------------------
def subtype(er: ReceptorCall, pr: ReceptorCall, her2: Her2Call) -> str:
    """Receptor subtype: ``HR+/HER2-``, ``HR+/HER2+``, ``HR-/HER2+``, ``triple-negative`` or ``undetermined``.

    HR+ needs ER or PR positive (ER Low Positive counts); HR- needs both reported and
    negative. The subtype is undetermined while HER2 is equivocal or not reported, or while
    the hormone-receptor status cannot be decided.
    """
    for call, kind in ((er, ReceptorCall), (pr, ReceptorCall), (her2, Her2Call)):
        if not isinstance(call, kind):
            raise ValueError(f"{call!r} is not a {kind.__name__}; build it with read_receptor or read_her2")
    if er.positive or pr.positive:
        hormone = "HR+"
    elif er.positive is False and pr.positive is False:
        hormone = "HR-"
    else:
        return UNDETERMINED
    if her2.positive is None:
        return UNDETERMINED
    if her2.positive:
        return f"{hormone}/HER2+"
    return "HR+/HER2-" if hormone == "HR+" else "triple-negative"


def _cps(value: object) -> float:
    if isinstance(value, str):
        match = _CPS_TEXT.match(value)
        if not match:
            raise ValueError(f"PD-L1 CPS {value!r} is not understood; expected a number from 0 to 100 or text such as 'CPS 3'")
        value = float(match.group(1))
    number = _number(value, "PD-L1 CPS", "a combined positive score from 0 to 100")
    if not 0.0 <= number <= 100.0:
        raise ValueError(f"PD-L1 CPS {number:g} is outside 0-100; expected a combined positive score from 0 to 100 (it is capped at 100)")
    return number


def pdl1_group(cps: object) -> str:
    """The KEYNOTE-355 group of a PD-L1 combined positive score: ``"CPS < 1"``,
    ``"1 <= CPS < 10"`` or ``"CPS >= 10"``.

    >>> [pdl1_group(c) for c in (0.9, 1, 9.9, 10)]
    ['CPS < 1', '1 <= CPS < 10', '1 <= CPS < 10', 'CPS >= 10']
    """
    value = _cps(cps)
    low, high = CPS_CUTOFFS
    if value < low:
        return "CPS < 1"
    if value < high:
        return "1 <= CPS < 10"
    return "CPS >= 10"


# Rule tables for teaching ---------------------------------------------------------------------------
def receptor_rules_table(percentages: Sequence[float] = (0, 0.9, 1, 5, 10, 10.1, 60)) -> pd.DataFrame:
    """ER and PR calls side by side for illustrative percentages around the 1 % and 10 % thresholds.

    The last column says whether the result makes the tumour hormone-receptor positive:
    it does from 1 % for both receptors, ER Low Positive included.
    """
    rows = []
    for p in percentages:
        er, pr = receptor_status(p, "ER"), receptor_status(p, "PR")
        rows.append({"% of tumour nuclei stained": float(p),
                     "ER (ASCO/CAP 2020)": "positive, reported as ER Low Positive" if er == LOW_POSITIVE else er,
                     "PR (ASCO/CAP 2020)": pr,
                     "counts as HR-positive": "no" if er == NEGATIVE else "yes"})
    return pd.DataFrame(rows)


#: IHC score and ISH combinations shown in the HER2 rules table.
HER2_RULE_CASES: tuple[tuple[str, str], ...] = (
    ("0", "not done"), (HER2_NULL, "not done"), (HER2_ULTRALOW, "not done"), ("1+", "not done"), ("2+", "not done"), ("2+", "not amplified"), ("2+", "amplified"), ("3+", "not done"),
)


def her2_rules_table(cases: Sequence[tuple[str, str]] = HER2_RULE_CASES) -> pd.DataFrame:
    """Status, category and trastuzumab deruxtecan evidence group for each (IHC score, ISH) pair."""
    rows = []
    for score, ish in cases:
        call = her2_category(score, ish)
        rows.append({"IHC score": score, "ISH": ish, "HER2 status": call.status, "category": call.category,
                     "T-DXd trial evidence (HR+ disease)": tdxd_evidence_group(call)})
    return pd.DataFrame(rows)


def tdxd_evidence_group(her2: Her2Call) -> str:
    """Which trastuzumab deruxtecan trial covers a HER2 call in HR+ metastatic disease (short label).

    HER2-low: DESTINY-Breast04 (after 1-2 chemotherapy lines) and DESTINY-Breast06 (after endocrine therapy,
    before chemotherapy); HER2-ultralow: DESTINY-Breast06 only; HER2-null: neither; positive: HER2-directed
    evidence (outside this notebook); otherwise what is still needed.
    """
    if her2.status == POSITIVE:
        return "HER2-positive: HER2-directed therapy"
    if her2.status == EQUIVOCAL:
        return "not yet known: ISH needed"
    if her2.status == NOT_REPORTED:
        return "not known: HER2 not reported"
    if her2.her2_low:
        return "DESTINY-Breast04 and -06"
    if her2.ultralow:
        return "DESTINY-Breast06"
    if her2.ultralow is False:
        return "none (HER2-null)"
    if her2.score is None:
        return "not known: IHC score not reported"
    return "not known: null or ultralow not said"


@dataclass(frozen=True)
class LineCheck:
    """Whether a treatment history sits in a trial's line-of-therapy position, and why (see :func:`destiny_breast06_line_check`)."""

    fits: bool
    endocrine_lines: int
    chemotherapy_lines: int
    reason: str


def _count(value: object, what: str) -> int:
    if isinstance(value, bool) or not isinstance(value, numbers.Integral) or int(value) < 0:
        raise ValueError(f"{what} {value!r} is not understood; expected a whole number of lines, 0 or more")
    return int(value)


#: What :func:`destiny_breast06_line_check` does not check, appended to every reason.
DB06_OTHER_CRITERIA = ("The other entry criteria are separate: HR+ disease, HER2-low or HER2-ultralow on central testing of"
                       " a sample from the metastatic setting, and adequate organ and bone marrow function as the protocol"
                       " defined it.")


def destiny_breast06_line_check(endocrine_lines: int, chemotherapy_lines: int, *,
                                early_progression_on_first_line_cdk46: bool = False,
                                adjuvant_relapse_within_24_months: bool = False) -> LineCheck:
    """Whether a metastatic-setting treatment history matches DESTINY-Breast06's line-of-therapy criterion.

    The trial (Bardia et al., N Engl J Med 2024; NCT04494425) enrolled HR+ metastatic disease with **no
    chemotherapy for metastatic disease** and **either** progression on at least two endocrine-based lines in the
    metastatic setting, **or** progression within 6 months of starting first-line endocrine therapy with a CDK4/6
    inhibitor. A relapse within the first 24 months of adjuvant endocrine therapy counted as one endocrine line.
    ``endocrine_lines`` and ``chemotherapy_lines`` count lines given for metastatic disease before the decision.
    Only this criterion is checked; see :data:`DB06_OTHER_CRITERIA`.

    >>> [destiny_breast06_line_check(e, c).fits for e, c in ((1, 0), (2, 0), (2, 1))]
    [False, True, False]
    """
    endocrine = _count(endocrine_lines, "endocrine_lines")
    chemotherapy = _count(chemotherapy_lines, "chemotherapy_lines")
    if early_progression_on_first_line_cdk46 and endocrine == 0:
        raise ValueError("early_progression_on_first_line_cdk46 is True but endocrine_lines is 0; expected the"
                         " first-line endocrine therapy with a CDK4/6 inhibitor to be counted as a line")
    counted = endocrine + (1 if adjuvant_relapse_within_24_months else 0)
    if chemotherapy > 0:
        fits, why = False, "it enrolled patients before any chemotherapy for metastatic disease"
    elif counted >= 2:
        extra = ", the early adjuvant relapse counted as one" if adjuvant_relapse_within_24_months else ""
        fits, why = True, f"at least two endocrine lines{extra}, and no chemotherapy for metastatic disease"
    elif early_progression_on_first_line_cdk46:
        fits, why = True, ("progression within 6 months of first-line endocrine therapy with a CDK4/6 inhibitor,"
                           " and no chemotherapy for metastatic disease")
    else:
        fits, why = False, ("fewer than two endocrine lines, and no early progression on first-line endocrine therapy"
                            " with a CDK4/6 inhibitor")
    place = "inside" if fits else "outside"
    reason = (f"{endocrine} endocrine and {chemotherapy} chemotherapy line(s) for metastatic disease: {place}"
              f" DESTINY-Breast06's line of therapy ({why}). {DB06_OTHER_CRITERIA}")
    return LineCheck(fits, endocrine, chemotherapy, reason)


# Panel interpretation ----------------------------------------------------------------------------------
@dataclass(frozen=True)
class PanelInterpretation:
    """What a marker panel says: subtype, receptor calls, origin, gaps, next markers, evidence."""

    subtype: str
    er: ReceptorCall
    pr: ReceptorCall
    her2: Her2Call
    origin: tuple[str, ...]
    missing: tuple[str, ...]
    next_markers: tuple[str, ...]
    evidence: tuple[str, ...]
    pdl1: str | None = None

    def as_dict(self) -> dict:
        """Plain nested dict (for tables and JSON)."""
        return asdict(self)


def _binary(marker: str, value: object) -> str:
    if _is_no_result(value):
        return NOT_REPORTED
    if isinstance(value, str) and value.strip().lower() in (POSITIVE, NEGATIVE):
        return value.strip().lower()
    raise ValueError(f"{marker} result {value!r} is not understood; expected 'positive', 'negative' or None (not reported)")


def _brca(value: object) -> str:
    if _is_no_result(value):
        return NOT_REPORTED
    if isinstance(value, str) and value.strip().lower() in BRCA_RESULTS:
        return value.strip().lower()
    raise ValueError(f"BRCA1/2 result {value!r} is not understood; expected one of {', '.join(BRCA_RESULTS)} or None")


def check_panel_keys(results: Mapping[str, object]) -> None:
    if not isinstance(results, Mapping):
        raise ValueError(f"results must be a mapping of marker to result, got {type(results).__name__}")
    unknown = sorted(set(results) - set(PANEL_KEYS))
    if unknown:
        raise ValueError(f"unknown marker(s) {', '.join(map(repr, unknown))}; expected any of: {', '.join(PANEL_KEYS)}")


#: Specificity caveats of the site-of-origin markers (sources: notebook 02 and casedata/marker_patterns.csv).
TRPS1_NOT_SPECIFIC = ("TRPS1 is not breast-specific: some salivary, gynaecological, prostatic and urothelial carcinomas"
                      " and some soft-tissue sarcomas also stain")
GATA3_T_CELLS = "in a marrow count only tumour nuclei, because T cells also stain for GATA3"


def _origin(calls: dict[str, str], er: ReceptorCall, pr: ReceptorCall) -> list[str]:
    lines = []
    pan = calls["pan-CK"]
    if pan == POSITIVE:
        lines.append("pan-CK positive: the infiltrating cells make keratins, so they are epithelial (carcinoma);"
                     " blood-forming marrow cells do not. This says 'metastatic carcinoma', not where from.")
    elif pan == NEGATIVE:
        lines.append("pan-CK negative: carcinoma is not supported; think of lymphoma, myeloma, melanoma or sarcoma,"
                     " and of a failed stain (check the internal control).")
    else:
        lines.append("pan-CK not reported: the epithelial nature of the cells rests on morphology and on the other markers.")
    ck7, ck20 = calls["CK7"], calls["CK20"]
    patterns = {
        (POSITIVE, NEGATIVE): "CK7+/CK20-: the keratin pattern of breast, lung, thyroid, ovarian (non-mucinous) and"
                              " endometrial carcinomas among others; it argues against colorectal cancer (usually"
                              " CK7-/CK20+) but cannot single out the breast.",
        (POSITIVE, POSITIVE): "CK7+/CK20+: suggests urothelial, pancreatic, biliary, gastric or mucinous ovarian origin;"
                              " unusual for breast.",
        (NEGATIVE, POSITIVE): "CK7-/CK20+: the colorectal pattern; very unusual for breast.",
        (NEGATIVE, NEGATIVE): "CK7-/CK20-: suggests prostate, kidney, liver or adrenal origin; unusual for breast.",
    }
    if (ck7, ck20) in patterns:
        lines.append(patterns[(ck7, ck20)])
    elif NOT_REPORTED in (ck7, ck20) and (ck7, ck20) != (NOT_REPORTED, NOT_REPORTED):
        lines.append("Only one of CK7 and CK20 reported: the two are read as a pair; one alone narrows little.")
    mum1 = calls["MUM1"]
    if mum1 == NEGATIVE:
        lines.append("MUM1 negative: argues against a plasma-cell neoplasm (myeloma), whose cells carry MUM1/IRF4,"
                     " and against several lymphomas; it excludes a haematological mimic rather than pointing to the breast.")
    elif mum1 == POSITIVE:
        lines.append("MUM1 positive: expected in plasma cells, myeloma and many lymphomas, not in breast carcinoma;"
                     " check which cells stain (scattered normal plasma cells are expected in a marrow).")
    if er.positive or pr.positive:
        lines.append("ER or PR positive: in a keratin-positive carcinoma of a woman with breast cancer this supports"
                     " breast origin, although hormone receptors alone are not specific for the breast.")
    elif er.positive is False and pr.positive is not True:
        lines.append("ER negative: does not argue against breast origin (triple-negative cancers lack the receptors"
                     " by definition); site-of-origin markers carry more weight here.")
    readings = {
        "GATA3": (f"GATA3 positive: supports breast (or urothelial) origin; {GATA3_T_CELLS}.",
                  "GATA3 negative: does not exclude breast, least of all a triple-negative cancer."),
        "TRPS1": (f"TRPS1 positive: supports breast origin, triple-negative cancers included; but {TRPS1_NOT_SPECIFIC},"
                  " so read it with the history and the morphology.",
                  "TRPS1 negative: argues against most breast carcinomas (apocrine triple-negative ones are the exception)."),
        "mammaglobin": ("mammaglobin positive: supports breast origin (occasionally endometrial).",
                        "mammaglobin negative: excludes little; about a quarter of breast carcinomas lack it."),
        "SOX10": ("SOX10 positive: in a keratin-positive, ER-negative carcinoma it favours triple-negative breast;"
                  " a SOX10-positive tumour is not automatically melanoma.",
                  "SOX10 negative: common in breast cancer (luminal types are usually negative); excludes little."),
    }
    for marker, (if_positive, if_negative) in readings.items():
        if calls[marker] == POSITIVE:
            lines.append(if_positive)
        elif calls[marker] == NEGATIVE:
            lines.append(if_negative)
    return lines


def _next_markers(calls: dict[str, str], er: ReceptorCall, pr: ReceptorCall) -> list[str]:
    if calls["pan-CK"] == NEGATIVE:
        return ["a haematolymphoid and melanocytic work-up (outside this notebook): the cells are not shown to be carcinoma"]
    if any(calls[m] == POSITIVE for m in ORIGIN_MARKERS):
        return []
    not_reported = [m for m in ORIGIN_MARKERS if calls[m] == NOT_REPORTED]
    if not not_reported:
        return ["origin markers all negative: consider other primaries and molecular tests"]
    if (er.positive or pr.positive) and not er_low_only(er, pr):
        if (calls["CK7"], calls["CK20"]) == (POSITIVE, NEGATIVE):
            return ["GATA3, only if the origin is in doubt: a receptor-positive, CK7+/CK20- carcinoma in a woman"
                    " with breast cancer already fits a breast origin"]
        return ["GATA3 (with CK7 and CK20), only if the origin is in doubt: receptor positivity and the history"
                " already fit a breast origin"]
    suggestions = []
    if "TRPS1" in not_reported:
        suggestions.append("TRPS1: positive in almost all triple-negative carcinomas of no special type in one series;"
                           " not breast-specific (some salivary, gynaecological, prostatic and urothelial carcinomas and"
                           " sarcomas stain)")
    if "GATA3" in not_reported:
        suggestions.append("GATA3: widely available; less sensitive in triple-negative cancer; marrow T cells also stain")
    if "SOX10" in not_reported:
        suggestions.append("SOX10: positive in about two thirds of basal-like/triple-negative carcinomas")
    return suggestions


def _pdl1_line(cps: float | None) -> str:
    if cps is None:
        return ("PD-L1 CPS not reported: needed before KEYNOTE-355 (pembrolizumab with first-line chemotherapy)"
                " can be weighed.")
    if pdl1_group(cps) == "CPS >= 10":
        return ("PD-L1 CPS >= 10: the group in which KEYNOTE-355 showed longer overall survival when pembrolizumab"
                " was added to first-line chemotherapy.")
    return (f"PD-L1 CPS {cps:g} ({pdl1_group(cps)}): outside the CPS >= 10 group in which KEYNOTE-355 showed"
            " an overall-survival benefit.")


def first_line_adc_evidence(cps: object) -> str:
    """The first-line trials of TROP2-directed antibody-drug conjugates in triple-negative disease that a CPS points to.

    ``cps`` is a PD-L1 combined positive score (a number, or text such as ``"CPS 3"``) or ``None`` when not
    reported. CPS >= 10: ASCENT-04 (sacituzumab govitecan with pembrolizumab; Tolaney et al., N Engl J Med 2026);
    below 10, which rules out a PD-1/PD-L1 inhibitor: ASCENT-03 (sacituzumab govitecan; Cortes et al., N Engl J
    Med 2025) and TROPION-Breast02 (datopotamab deruxtecan; Dent et al., ESMO 2025); not reported: both routes.
    Every line says that marrow-failure eligibility was not checked. Reasoning for teaching, not a recommendation.

    >>> [first_line_adc_evidence(c).split(":")[0] for c in (9.9, 10)]
    ['Untreated triple-negative disease, CPS 9.9 (below 10, so no PD-1/PD-L1 inhibitor)', 'Untreated triple-negative disease, CPS >= 10']
    """
    cps = None if _is_no_result(cps) else _cps(cps)
    if cps is None:
        return ("Untreated triple-negative disease: the CPS also decides which first-line trial of a TROP2-directed"
                " antibody-drug conjugate applies, ASCENT-04 (with pembrolizumab, CPS >= 10) or ASCENT-03 and"
                " TROPION-Breast02 (when a PD-1/PD-L1 inhibitor is not an option)." + FIRST_LINE_ADC_CAUTION)
    if pdl1_group(cps) == "CPS >= 10":
        return ("Untreated triple-negative disease, CPS >= 10: in ASCENT-04 (published 2026) sacituzumab govitecan"
                " with pembrolizumab gave longer progression-free survival than chemotherapy with pembrolizumab;"
                " overall survival was immature. Sacituzumab govitecan causes neutropenia and diarrhoea above all,"
                " and whether the trial admitted patients with marrow failure was not checked.")
    return (f"Untreated triple-negative disease, CPS {cps:g} (below 10, so no PD-1/PD-L1 inhibitor): two trials tested"
            " TROP2-directed antibody-drug conjugates before any treatment for advanced disease. ASCENT-03"
            " (sacituzumab govitecan, published 2025): longer progression-free survival than chemotherapy, overall"
            " survival immature. TROPION-Breast02 (datopotamab deruxtecan, reported 2025): longer progression-free"
            " and overall survival." + FIRST_LINE_ADC_CAUTION)


#: The caution every first-line antibody-drug conjugate line ends with.
FIRST_LINE_ADC_CAUTION = (" Both drugs have serious toxicity (sacituzumab govitecan above all neutropenia and diarrhoea),"
                          " and whether either trial admitted patients with marrow failure was not checked.")


#: ASCENT's entry criterion, in the words used by the evidence lines.
ASCENT_ENTRY = ("after at least two chemotherapy regimens for advanced disease (one of them could be (neo)adjuvant"
                " treatment if the cancer came back within 12 months of it)")


def er_low_only(er: ReceptorCall, pr: ReceptorCall) -> bool:
    """True when ER is the only positive receptor and it is ER Low Positive (1-10 %)."""
    return er.status == LOW_POSITIVE and pr.positive is not True


def _evidence(kind: str, er: ReceptorCall, pr: ReceptorCall, her2: Her2Call, cps: float | None, brca: str) -> list[str]:
    lines = []
    if kind == UNDETERMINED:
        return ["Subtype undetermined: complete the missing tests before weighing subtype-specific trials."]
    er_low = kind == "HR+/HER2-" and er_low_only(er, pr)
    if er_low:
        lines.append("ER Low Positive (1-10 %) with PR not positive: formally HR+, but ASCO/CAP 2020 notes limited data"
                     " on endocrine benefit at this level and describes these tumours as heterogeneous, many resembling"
                     " ER-negative cancers in gene-expression studies. Neither body of trial evidence below fits"
                     " cleanly: weigh both.")
    if kind == "HR+/HER2-":
        lines.append("HR+/HER2-: a CDK4/6 inhibitor with an aromatase inhibitor was tested first line (PALOMA-2,"
                     " palbociclib, which excluded relapse on or soon after an adjuvant aromatase inhibitor: longer"
                     " progression-free survival, but no significant overall-survival gain in its final analysis;"
                     " MONALEESA-2, ribociclib: longer overall survival), and after progression on endocrine therapy"
                     " (PALOMA-3, palbociclib with fulvestrant: longer progression-free survival, overall-survival gain"
                     " not significant). Marrow failure may be a visceral crisis, for which the ABC consensus calls"
                     " for the fastest-acting effective treatment (current references: ABC 6 and 7, and the ESMO living"
                     " guideline). That need not be chemotherapy: in RIGHT Choice (premenopausal women, first line, clinically aggressive disease)"
                     " ribociclib with endocrine therapy gave longer progression-free survival than combination"
                     " chemotherapy, but whether it admitted patients with marrow failure could not be confirmed.")
        lines.append("HR+/HER2- after endocrine therapy: test for ESR1 mutations (ctDNA at progression; elacestrant in"
                     " EMERALD, imlunestrant in EMBER-3) and for PIK3CA, AKT1 and PTEN alterations (alpelisib in"
                     " SOLAR-1, capivasertib in CAPItello-291, inavolisib in INAVO120) before choosing the next"
                     " endocrine-based line.")
    if kind.endswith("HER2+"):
        lines.append("HER2-positive: HER2-directed treatment evidence applies (outside this notebook).")
    hormone_positive = kind == "HR+/HER2-"
    if her2.her2_low:
        cohort = (" Its hormone-receptor-negative cohort was small (58 patients) and exploratory."
                  if kind == "triple-negative" or er_low else "")
        lines.append("HER2-low: DESTINY-Breast04 (published 2022) tested trastuzumab deruxtecan after 1-2 chemotherapy"
                     f" lines for metastatic disease.{cohort}")
        if hormone_positive:
            lines.append("HER2-low, HR+: DESTINY-Breast06 (published 2024) tested trastuzumab deruxtecan earlier, after"
                         " endocrine therapy and before any chemotherapy for metastatic disease.")
    elif her2.ultralow:
        lines.append("HER2-ultralow, HR+: DESTINY-Breast06 (published 2024) included IHC 0 with faint, incomplete"
                     " staining in up to 10 % of cells, an exploratory group, and tested trastuzumab deruxtecan after"
                     " endocrine therapy and before any chemotherapy for metastatic disease. Once chemotherapy for"
                     " metastatic disease has been given, no trial covers ultralow: DESTINY-Breast04 required"
                     " HER2-low." if hormone_positive else
                     "HER2-ultralow, HR-negative: DESTINY-Breast06 enrolled HR+ disease only, so no trial of"
                     " trastuzumab deruxtecan covers this tumour.")
    elif her2.ultralow is False and her2.status == NEGATIVE:
        lines.append("HER2-null (no membrane staining): outside the trastuzumab deruxtecan trials for HER2-low and"
                     " HER2-ultralow disease.")
    elif her2.status == NEGATIVE and her2.score is not None and not hormone_positive:
        lines.append("HER2 IHC 0: outside DESTINY-Breast04, which required HER2-low; whether it was null or ultralow"
                     " does not change that here, since DESTINY-Breast06 enrolled HR+ disease only.")
    elif her2.status == NEGATIVE:
        needed = "the IHC score" if her2.score is None else "whether IHC 0 was null or ultralow"
        trials = ("DESTINY-Breast04 or DESTINY-Breast06" if hormone_positive else "DESTINY-Breast04")
        unknown = "HER2-low and ultralow status unknown" if hormone_positive else "HER2-low status unknown"
        lines.append(f"{unknown}: whether {trials} applies cannot be judged until {needed} is known.")
    if kind == "triple-negative" or er_low:
        flag = ("Trial definition excluded ER-low: triple-negative trials such as ASCENT required ER and PR below 1 %,"
                " so the next lines are borrowed evidence for this tumour. " if er_low else "")
        lines.append(flag + _pdl1_line(cps))
        lines.append(first_line_adc_evidence(cps))
        lines.append("Pretreated triple-negative disease: ASCENT tested sacituzumab govitecan (a TROP2-directed"
                     f" antibody-drug conjugate) {ASCENT_ENTRY}.")
    if kind in ("HR+/HER2-", "triple-negative"):
        if brca == "mutation detected":
            lines.append("BRCA1/2 mutation: OlympiAD (olaparib) enrolled carriers of a germline mutation and lengthened"
                         " progression-free, not overall, survival; confirm the test was germline.")
        elif brca == "no mutation detected":
            lines.append("No BRCA1/2 mutation found: OlympiAD (olaparib) enrolled germline carriers, so its evidence does"
                         " not apply if the test was germline; a tumour-only test would need a germline test.")
        else:
            lines.append("Germline BRCA1/2 status not reported: needed before OlympiAD (olaparib) can be weighed.")
    return lines


def interpret_panel(results: Mapping[str, object]) -> PanelInterpretation:
    """Read a marker panel: subtype, receptor calls, origin, what is missing, next markers, evidence.

    ``results`` maps marker names (see :data:`PANEL_KEYS`) to printed results. Markers not
    given count as not reported. Values: ``"positive"``/``"negative"`` for
    :data:`BINARY_MARKERS`; a percentage or ``"positive"``/``"negative"`` for ER and PR; an
    IHC score or ``"negative"``/``"positive"`` for HER2, with ``"HER2 ISH"`` one of
    :data:`ISH_RESULTS`; a CPS number (or ``"CPS 3"``) for PD-L1; one of
    :data:`BRCA_RESULTS` for BRCA1/2; Ki-67 is accepted and not interpreted (it measures
    proliferation, not origin). ``None`` or ``"not reported"`` (or ``"not tested"``) means
    no result.
    """
    check_panel_keys(results)
    calls = {m: _binary(m, results.get(m)) for m in BINARY_MARKERS}
    er = read_receptor("ER", results.get("ER"))
    pr = read_receptor("PR", results.get("PR"))
    her2 = read_her2(results.get("HER2"), results.get("HER2 ISH", "not done"))
    cps_value = results.get("PD-L1")
    cps = None if _is_no_result(cps_value) else _cps(cps_value)
    brca = _brca(results.get("BRCA1/2"))
    kind = subtype(er, pr, her2)
    pr_missing = pr.missing
    if er.positive and pr.status in (NOT_REPORTED, NEGATIVE) and pr.percent is None:
        # ER positive already makes the tumour HR+, so the PR gap cannot change the subtype
        gap = "not reported for this specimen" if pr.status == NOT_REPORTED else "percentage not reported"
        pr_missing = (f"PR {gap}: it cannot change the subtype here (ER positive already makes the tumour HR+);"
                      " PR adds prognostic information (ASCO/CAP 2020).",)
    missing = list(er.missing + pr_missing + her2.missing)
    return PanelInterpretation(
        subtype=kind,
        er=er,
        pr=pr,
        her2=her2,
        origin=tuple(_origin(calls, er, pr)),
        missing=tuple(missing),
        next_markers=tuple(_next_markers(calls, er, pr)),
        evidence=tuple(_evidence(kind, er, pr, her2, cps, brca)),
        pdl1=None if cps is None else pdl1_group(cps),
    )


def explain_markdown(interpretation: PanelInterpretation) -> str:
    """The interpretation as Markdown: subtype first, then origin, gaps, next markers, evidence."""
    it = interpretation

    def bullets(lines: Sequence[str], empty: str) -> str:
        return "\n".join(f"- {line}" for line in lines) if lines else f"- {empty}"

    her2_notes = "".join(f" {note}" for note in it.her2.notes)
    return "\n".join([
        f"**Subtype: {it.subtype}** ({it.er.label}; {it.pr.label}; {it.her2.category}).{her2_notes}",
        "",
        "**Where the cells come from**",
        bullets(it.origin, "no origin markers given"),
        "",
        "**What is missing**",
        bullets(it.missing, "nothing essential for the subtype"),
        "",
        "**Marker to add**",
        bullets(it.next_markers, "none needed: a site-of-origin marker is already positive"),
        "",
        "**Evidence to weigh** (reasoning for teaching, not a recommendation)",
        bullets(it.evidence, "none"),
    ])
