"""Survival scenarios: a reference median, a hazard ratio, and where the cases fall. MODELS ONLY.

Under a constant hazard (exponential model, see :mod:`utils.survival`) a hazard ratio HR
divides the median: ``median_new = median / HR``, and ``S_new(t) = S_ref(t) ** HR``. These
functions return the curves and the cases placed on them as plain data; every label says
"model". They answer "what would this cohort look like if a treatment with that hazard ratio
applied to it?", not "how long will this patient live?".
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np
import pandas as pd

from utils import survival


@dataclass(frozen=True)
class Scenario:
    """Two model curves on a shared time grid (months)."""

    reference_median: float
    hazard_ratio: float
    scenario_median: float
    months: np.ndarray
    reference: np.ndarray
    scenario: np.ndarray


def scenario(reference_median: float, hazard_ratio: float, horizon_months: float, points: int = 200) -> Scenario:
    """MODEL: the reference constant-hazard curve and the curve after applying ``hazard_ratio``."""
    if horizon_months <= 0:
        raise ValueError(f"horizon_months must be positive, got {horizon_months}")
    months = np.linspace(0.0, float(horizon_months), points)
    new_median = survival.median_with_hazard_ratio(reference_median, hazard_ratio)
    return Scenario(float(reference_median), float(hazard_ratio), new_median, months,
                    survival.exponential_survival(months, reference_median), survival.exponential_survival(months, new_median))


def cases_on_curves(case_times: pd.DataFrame, result: Scenario) -> pd.DataFrame:
    """MODEL: each case's probability, under both curves, of surviving at least as long as she did.

    ``case_times`` has ``case_id, months, event`` (for example :func:`utils.survival.time_to_event`).
    For a censored case the probability is that of being alive at her last contact.
    """
    rows = []
    for case in case_times.itertuples():
        rows.append({
            "case": case.case_id,
            "months": case.months,
            "status": "died" if case.event else "alive at last contact (censored)",
            "P(T >= months), reference model": round(float(survival.exponential_survival(case.months, result.reference_median)), 3),
            "P(T >= months), scenario model": round(float(survival.exponential_survival(case.months, result.scenario_median)), 3),
        })
    return pd.DataFrame(rows)


def reference_medians(literature: pd.DataFrame) -> dict[str, float]:
    """Choices for the reference median: every published row with a median, labelled by study and subgroup."""
    forest = survival.forest_table(literature)
    singles = survival.forest_table(literature, design="case_report")
    return {f"{r.label} ({r.median:g} mo)": float(r.median) for r in pd.concat([forest, singles]).itertuples()}


def hazard_ratio_choices(hazard_ratios: pd.DataFrame) -> dict[str, float]:
    """Choices for the hazard ratio: none (1.0) and every curated trial hazard ratio."""
    choices = {"none (hazard ratio 1.0)": 1.0}
    for r in hazard_ratios.itertuples():
        choices[f"{r.trial}: {r.comparison}, {r.endpoint} ({r.hazard_ratio:g})"] = float(r.hazard_ratio)
    return choices
