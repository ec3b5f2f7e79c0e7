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

None of the two reports prints a coagulation result, so the course applies the score only to
illustrative values.
"""

from __future__ import annotations

import math
from dataclasses import dataclass

#: Points for the fibrin-related marker, by the size of its rise (the laboratory decides what is moderate or strong).
FIBRIN_MARKER_POINTS: dict[str, int] = {"no increase": 0, "moderate increase": 2, "strong increase": 3}
#: A total at or above this is compatible with overt DIC.
OVERT_DIC_FROM: int = 5


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
