"""Grading blood counts: reference-range flags, CTCAE v5.0 grades and the cytopenia label.

CTCAE v5.0 (NCI, 27 November 2017; ``sources.csv`` ctcae_v5) grades a low count by fixed
thresholds below the lower limit of normal (LLN) of the laboratory:

=================  ===================  ================  ================  =============
term               grade 1              grade 2           grade 3           grade 4
=================  ===================  ================  ================  =============
Anemia             < LLN - 10.0 g/dL    < 10.0 - 8.0      < 8.0             (clinical)
Platelet count     < LLN - 75 x10^9/L   < 75 - 50         < 50 - 25         < 25
decreased
White blood cell   < LLN - 3.0 x10^9/L  < 3.0 - 2.0       < 2.0 - 1.0       < 1.0
decreased
=================  ===================  ================  ================  =============

"< 10.0 - 8.0" means below 10.0 down to and including 8.0. Grade 4 anaemia is defined by
its consequences (life-threatening, urgent intervention), not by a value, so a value alone
grades anaemia at most 3. A value at or above the LLN is grade 0.
"""

from __future__ import annotations

from dataclasses import dataclass

import pandas as pd

#: For each analyte: CTCAE v5.0 term, and the lower bound of grades 1, 2, 3 (grade 4 below the last).
CTCAE_V5: dict[str, tuple[str, tuple[float, ...]]] = {
    "hemoglobin": ("Anemia", (10.0, 8.0)),
    "platelets": ("Platelet count decreased", (75.0, 50.0, 25.0)),
    "wbc": ("White blood cell decreased", (3.0, 2.0, 1.0)),
}

#: Cytopenia named by each analyte when it is below the LLN.
CYTOPENIA_NAMES: dict[str, str] = {"hemoglobin": "anaemia", "platelets": "thrombocytopenia", "wbc": "leukopenia"}


def ctcae_grade(analyte: str, value: float, lln: float) -> int:
    """CTCAE v5.0 grade (0-4) of a low ``value`` in standard units, given the laboratory's ``lln``.

    >>> ctcae_grade("platelets", 18, lln=150)
    4
    """
    if analyte not in CTCAE_V5:
        raise ValueError(f"no CTCAE v5.0 grading for {analyte!r}; graded analytes: {', '.join(CTCAE_V5)}")
    if value < 0 or lln <= 0:
        raise ValueError(f"value and LLN must be positive, got value={value}, lln={lln}")
    if value >= lln:
        return 0
    _, bounds = CTCAE_V5[analyte]
    for grade, lower_bound in enumerate(bounds, start=1):
        if value >= lower_bound:
            return grade
    return len(bounds) + 1


def flag(value: float, lower: float | None, upper: float | None) -> str:
    """``low``, ``normal`` or ``high`` against a reference range (either limit may be missing)."""
    if lower is not None and not pd.isna(lower) and value < lower:
        return "low"
    if upper is not None and not pd.isna(upper) and value > upper:
        return "high"
    return "normal"


@dataclass(frozen=True)
class CytopeniaLabel:
    """Which lineages are low, and the word for the combination."""

    low: tuple[str, ...]  # e.g. ("anaemia", "thrombocytopenia")
    label: str  # "no cytopenia", "isolated anaemia", "bicytopenia" or "pancytopenia"


def classify_cytopenia(low_lineages: dict[str, bool]) -> CytopeniaLabel:
    """Name the combination of low lineages (keys: hemoglobin, platelets, wbc; all three needed)."""
    missing = set(CYTOPENIA_NAMES) - set(low_lineages)
    if missing:
        raise ValueError(f"need all three lineages to name a cytopenia, missing: {', '.join(sorted(missing))}")
    low = tuple(CYTOPENIA_NAMES[a] for a in CYTOPENIA_NAMES if low_lineages[a])
    label = {0: "no cytopenia", 1: f"isolated {low[0]}" if low else "", 2: "bicytopenia", 3: "pancytopenia"}[len(low)]
    return CytopeniaLabel(low=low, label=label)


def flag_labs(labs: pd.DataFrame, ranges: pd.DataFrame, source_id: str, population: str = "adult_female") -> pd.DataFrame:
    """Lab values with the reference range of ``source_id``, a low/normal/high flag and the CTCAE grade.

    ``labs`` and ``ranges`` are the ``labs`` and ``reference_ranges`` tables of
    :mod:`utils.casedata`. A range for ``population`` is preferred to one for all adults.
    Analytes without a range in that source keep the value, with blank range and flag.
    """
    own = ranges[ranges["source_id"] == source_id]
    if own.empty:
        raise ValueError(f"no reference ranges from source {source_id!r}")
    ranked = own.assign(rank=own["population"].map({population: 0, "adult": 1})).dropna(subset=["rank"])
    best = ranked.sort_values("rank").drop_duplicates("analyte").set_index("analyte")
    rows = []
    for _, lab in labs.iterrows():
        analyte = str(lab["analyte"])
        has_range = analyte in best.index
        lower = best.at[analyte, "lower"] if has_range else None
        upper = best.at[analyte, "upper"] if has_range else None
        graded = has_range and analyte in CTCAE_V5 and pd.notna(lower)
        rows.append({
            "case_id": lab["case_id"], "day": lab["day"], "analyte": analyte, "printed": lab["printed"],
            "value_std": lab["value_std"], "unit_std": lab["unit_std"],
            "reference_range": _range_text(lower, upper) if has_range else "",
            "flag": flag(lab["value_std"], lower, upper) if has_range else "",
            "ctcae_v5_grade": ctcae_grade(analyte, lab["value_std"], lower) if graded else pd.NA,
            "source_locator": lab["source_locator"],
        })
    table = pd.DataFrame(rows)
    table["ctcae_v5_grade"] = table["ctcae_v5_grade"].astype("Int64")
    return table


def cytopenia_at(flagged: pd.DataFrame) -> CytopeniaLabel | None:
    """The cytopenia label of one set of counts flagged by :func:`flag_labs`.

    ``None`` when haemoglobin, platelets and WBC are not all present: a label such as
    "isolated thrombocytopenia" cannot be given when the other lineages were not reported.
    """
    flags = dict(zip(flagged["analyte"], flagged["flag"]))
    if not set(CYTOPENIA_NAMES) <= set(flags):
        return None
    return classify_cytopenia({analyte: flags[analyte] == "low" for analyte in CYTOPENIA_NAMES})


def _range_text(lower: float | None, upper: float | None) -> str:
    if lower is None or pd.isna(lower):
        return f"< {upper:g}"
    return f"{lower:g}-{upper:g}"
