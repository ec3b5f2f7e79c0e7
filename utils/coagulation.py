"""Coagulation: the ISTH score for overt disseminated intravascular coagulation (DIC).

Metastatic carcinoma in the marrow is a classic setting for chronic DIC, and bleeding is one of
the ways these patients die (the sasada_case cited by both reports died of gastrointestinal
bleeding with DIC). The ISTH scoring system (Taylor et al., Thromb Haemost 2001; ``sources.csv``
isth_dic_2001) turns four routine tests into a number; it is used only when an underlying
disorder known to cause DIC is present, which marrow metastasis is.

==============================  ============  =======================  ==============
test                            0 points      1 point                  2 (or 3) points
==============================  ============  =======================  ==============
platelets (x10^9/L)             >= 100        50 to < 100              < 50
fibrin-related marker           no increase                            moderate 2, strong 3
(D-dimer, FDP)
prothrombin time prolonged (s)  < 3           3 to 6                   > 6
fibrinogen (g/L)                >= 1.0        < 1.0
==============================  ============  =======================  ==============

A total of 5 or more is *compatible with overt DIC* (repeat the score daily); below 5 it is
*suggestive, not affirmative* of non-overt DIC (repeat in one to two days). The original
paper writes the platelet and fibrinogen cut-offs as "> 100 / < 100" and "> 1 / < 1"; this
module gives the boundary value itself the lower score, the usual reading in calculators.

Neither report prints a coagulation result, so the course applies the score only to
illustrative values (:func:`score_table` scores several at once).

When a patient with DIC **bleeds**, :func:`bleeding_support` names the components the guidance
suggests, at these cut-offs: platelets when the count is below 50 x10^9/L (BCSH 2009, Levi et al.,
Br J Haematol 2009; ISTH harmonised guidance, Wada et al., J Thromb Haemost 2013; ISTH guidance on
cancer-associated DIC, Thachil et al., J Thromb Haemost 2015); plasma when the prothrombin time or
APTT is prolonged; fibrinogen (cryoprecipitate or a concentrate) when fibrinogen stays below
1.5 g/L despite plasma (ISTH 2013 and 2015, the 2015 thresholds seen in secondary summaries only;
the 2009 BCSH guideline used 1.0 g/L).

When the patient is **not bleeding**, plasma and fibrinogen are not given for the laboratory values alone
unless the bleeding risk is high (an invasive procedure, say). Platelets are different when the
marrow is failing as well: below the prophylactic threshold for hypoproliferative thrombocytopenia
(TT-02 in ``transfusion_thresholds.csv``, the 2025 AABB/ICTMG guideline: below 10 x10^9/L, strict)
they are transfused even without bleeding, and with fever, sepsis or DIC many clinicians use a higher
threshold or larger doses (Triulzi, Hematology Am Soc Hematol Educ Program 2020). The threshold is a
parameter (:func:`prophylactic_platelet_threshold` reads it from the TT-02 row), so a caller can pass
that higher one. Treating the cause comes first in every guideline. This is teaching logic on
illustrative values, not advice for a patient.
"""

from __future__ import annotations

import math
from collections.abc import Mapping
from dataclasses import dataclass

import pandas as pd

#: Points for the fibrin-related marker, by the size of its rise (the laboratory decides what is moderate or strong).
FIBRIN_MARKER_POINTS: dict[str, int] = {"no increase": 0, "moderate increase": 2, "strong increase": 3}
#: A total at or above this is compatible with overt DIC.
OVERT_DIC_FROM: int = 5
#: With bleeding, platelets are given below this count (x10^9/L): the count is kept above it.
BLEEDING_PLATELETS_BELOW: float = 50.0
#: With bleeding, fibrinogen is replaced when it stays below this level (g/L) despite plasma (ISTH 2013 and 2015; BCSH 2009: 1.0).
BLEEDING_FIBRINOGEN_BELOW: float = 1.5
#: The guideline row in ``transfusion_thresholds.csv`` that holds the prophylactic platelet threshold.
PROPHYLACTIC_THRESHOLD_ID: str = "TT-02"
#: Default prophylactic threshold (x10^9/L, strict "below") when no threshold is passed; a test keeps it equal to TT-02.
PROPHYLACTIC_PLATELETS_BELOW: float = 10.0


@dataclass(frozen=True)
class DicScore:
    """The ISTH overt-DIC score: the points of each test, the total and what it means."""

    platelets: int
    fibrin_marker: int
    prothrombin_time: int
    fibrinogen: int

    @property
    def total(self) -> int:
        return self.platelets + self.fibrin_marker + self.prothrombin_time + self.fibrinogen

    @property
    def overt(self) -> bool:
        return self.total >= OVERT_DIC_FROM

    @property
    def reading(self) -> str:
        if self.overt:
            return f"{self.total} points: compatible with overt DIC; repeat the score daily"
        return f"{self.total} points: not overt DIC; suggestive of non-overt DIC at most, repeat in 1-2 days"


def _measured(value: float, what: str, low: float, high: float) -> float:
    if isinstance(value, bool) or not isinstance(value, (int, float)) or math.isnan(value) or not low <= value <= high:
        raise ValueError(f"{what} {value!r} is not a possible value; expected a number from {low:g} to {high:g}")
    return float(value)


def isth_overt_dic_score(platelets: float, fibrin_marker: str, pt_prolonged_by_s: float, fibrinogen_g_l: float) -> DicScore:
    """Score the four tests (platelets in 10^9/L, the rise of a fibrin-related marker, seconds by which the
    prothrombin time exceeds the upper reference limit, fibrinogen in g/L).

    >>> isth_overt_dic_score(40, "strong increase", 4, 0.8).total
    7
    """
    platelets = _measured(platelets, "platelet count", 0, 5000)
    pt = _measured(pt_prolonged_by_s, "prothrombin-time prolongation (s)", 0, 200)
    fibrinogen = _measured(fibrinogen_g_l, "fibrinogen (g/L)", 0, 20)
    if fibrin_marker not in FIBRIN_MARKER_POINTS:
        raise ValueError(f"fibrin-related marker {fibrin_marker!r} is not understood; expected one of {', '.join(FIBRIN_MARKER_POINTS)}")
    return DicScore(
        platelets=0 if platelets >= 100 else 1 if platelets >= 50 else 2,
        fibrin_marker=FIBRIN_MARKER_POINTS[fibrin_marker],
        prothrombin_time=0 if pt < 3 else 1 if pt <= 6 else 2,
        fibrinogen=0 if fibrinogen >= 1.0 else 1,
    )


def score_table(scenarios: Mapping[str, tuple[float, str, float, float]]) -> pd.DataFrame:
    """Score several sets of values at once: one row per named scenario, the four inputs, their points and the reading.

    Each value of ``scenarios`` is the argument tuple of :func:`isth_overt_dic_score`
    (platelets, fibrin-related marker, PT prolongation in s, fibrinogen in g/L).
    """
    rows = []
    for name, values in scenarios.items():
        platelets, marker, pt, fibrinogen = values
        score = isth_overt_dic_score(platelets, marker, pt, fibrinogen)
        rows.append({"scenario": name, "platelets (10^9/L)": platelets, "fibrin marker": marker, "PT prolonged by (s)": pt,
                     "fibrinogen (g/L)": fibrinogen, "points: platelets": score.platelets,
                     "points: fibrin marker": score.fibrin_marker, "points: PT": score.prothrombin_time,
                     "points: fibrinogen": score.fibrinogen, "total": score.total, "overt DIC": score.overt,
                     "reading": score.reading})
    return pd.DataFrame(rows).set_index("scenario")


def prophylactic_platelet_threshold(thresholds: pd.DataFrame, threshold_id: str = PROPHYLACTIC_THRESHOLD_ID) -> float:
    """The prophylactic platelet threshold (x10^9/L) of a guideline row of ``transfusion_thresholds``.

    The row must be a platelet threshold in 10^9/L; its ``below`` is read as strict, as the table defines it.
    """
    rows = thresholds[thresholds["threshold_id"] == threshold_id]
    if len(rows) != 1:
        raise ValueError(f"transfusion_thresholds: expected one row {threshold_id!r}, found {len(rows)}")
    row = rows.iloc[0]
    if row["analyte"] != "platelets" or row["unit"] != "10^9/L":
        raise ValueError(f"transfusion_thresholds, {threshold_id}: expected a platelet threshold in 10^9/L, "
                         f"got {row['analyte']!r} in {row['unit']!r}")
    return float(row["below"])


def bleeding_support(bleeding: bool, platelets: float, pt_or_aptt_prolonged: bool, fibrinogen_g_l: float,
                     prophylactic_platelets_below: float = PROPHYLACTIC_PLATELETS_BELOW) -> list[tuple[str, str]]:
    """The components DIC and platelet guidance suggest for these values, as (component, why) pairs (see the module text).

    ``prophylactic_platelets_below`` is the strict threshold (x10^9/L) below which a patient who is not bleeding,
    with a failing marrow, gets platelets anyway: by default TT-02 (10); pass a higher one for fever, sepsis or DIC.

    >>> [c for c, _ in bleeding_support(True, 20, True, 1.0)]
    ['platelets', 'plasma', 'fibrinogen']
    >>> [c for c, _ in bleeding_support(False, 5, True, 1.0)]
    ['platelets', 'plasma and fibrinogen: none for the values alone']
    >>> [c for c, _ in bleeding_support(False, 60, True, 1.0)]
    ['plasma and fibrinogen: none for the values alone']
    """
    platelets = _measured(platelets, "platelet count", 0, 5000)
    fibrinogen = _measured(fibrinogen_g_l, "fibrinogen (g/L)", 0, 20)
    threshold = _measured(prophylactic_platelets_below, "prophylactic platelet threshold", 1, 100)
    if not isinstance(bleeding, bool) or not isinstance(pt_or_aptt_prolonged, bool):
        raise ValueError(f"bleeding and pt_or_aptt_prolonged must be True or False, got {bleeding!r}, {pt_or_aptt_prolonged!r}")
    if not bleeding:
        support = []
        if platelets < threshold:
            support.append(("platelets", f"not bleeding, but below the prophylactic threshold for a failing marrow (below"
                            f" {threshold:g} x10^9/L; a higher threshold with fever, sepsis or DIC): transfuse platelets"))
        support.append(("plasma and fibrinogen: none for the values alone", "no bleeding: treat the cause and repeat the"
                        " tests; plasma or fibrinogen only if the bleeding risk is high (an invasive procedure, say)"))
        return support
    support = []
    if platelets < BLEEDING_PLATELETS_BELOW:
        support.append(("platelets", f"bleeding with platelets below {BLEEDING_PLATELETS_BELOW:g} x10^9/L: keep the count above it"))
    if pt_or_aptt_prolonged:
        support.append(("plasma", "bleeding with a prolonged PT or APTT"))
    if fibrinogen < BLEEDING_FIBRINOGEN_BELOW:
        support.append(("fibrinogen", f"bleeding with fibrinogen below {BLEEDING_FIBRINOGEN_BELOW:g} g/L: cryoprecipitate or"
                        " concentrate if it stays low despite plasma"))
    return support or [("none of these", "bleeding, but platelets, clotting times and fibrinogen are above the cut-offs:"
                        " look for a local cause")]
