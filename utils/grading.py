"""Grading blood counts: reference-range flags, CTCAE v5.0 grades, the cytopenia label, febrile neutropenia.

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
Neutrophil count   < LLN - 1.5 x10^9/L  < 1.5 - 1.0       < 1.0 - 0.5       < 0.5
decreased
=================  ===================  ================  ================  =============

"< 10.0 - 8.0" means below 10.0 down to and including 8.0. Grade 4 anaemia is defined by
its consequences (life-threatening, urgent intervention), not by a value, so a value alone
grades anaemia at most 3. A value at or above the LLN is grade 0.

**CTCAE v6.0** (NCI, July 2025; ``sources.csv`` ctcae_v6) moved two of these scales, and both
versions are in use: NCI-sponsored CTEP studies opened under v5.0 stay on it, and the published
series and case reports of this course used v5.0 or earlier. :func:`ctcae_grade` grades by
v5.0 unless asked for ``version="6.0"``:

* neutrophils: grade 1 from 1.5 (not from the LLN) down to 1.0, grade 2 to 0.5, grade 3 to
  0.1, grade 4 below 0.1 x10^9/L;
* platelets (the term becomes *Thrombocytopenia*): grade 3 runs down to 10 and grade 4 is
  below 10 x10^9/L (instead of 25);
* anaemia and white cells keep their thresholds.

The neutrophil count (absolute neutrophil count, ANC) is graded on its own because it, not
the total white count, sets the risk of infection and the decisions on chemotherapy dosing
and G-CSF: a marrow full of tumour can put nucleated red cells and immature cells into a
normal-looking total. :func:`febrile_neutropenia` applies the two definitions of febrile
neutropenia in use (IDSA 2010 for management, CTCAE v5.0 for reporting; ``sources.csv``
idsa2010_fn and ctcae_v5); :func:`febrile_neutropenia_by_rule` sets them side by side, and
:func:`grades_by_version` grades counts by v5.0 and v6.0 at once.
"""

from __future__ import annotations

from dataclasses import dataclass

import pandas as pd

from utils import vocabulary

#: For each analyte: CTCAE v5.0 term, and the lower bound of grades 1, 2, 3 (grade 4 below the last).
CTCAE_V5: dict[str, tuple[str, tuple[float, ...]]] = {
    "hemoglobin": ("Anemia", (10.0, 8.0)),
    "platelets": ("Platelet count decreased", (75.0, 50.0, 25.0)),
    "wbc": ("White blood cell decreased", (3.0, 2.0, 1.0)),
    "neutrophils": ("Neutrophil count decreased", (1.5, 1.0, 0.5)),
}

#: CTCAE v6.0, where it differs from v5.0: term, fixed upper edge of grade 1 (None: the LLN), grade bounds.
CTCAE_V6_CHANGES: dict[str, tuple[str, float | None, tuple[float, ...]]] = {
    "platelets": ("Thrombocytopenia", None, (75.0, 50.0, 10.0)),
    "neutrophils": ("Neutrophil count decreased", 1.5, (1.0, 0.5, 0.1)),
}
CTCAE_VERSIONS: tuple[str, ...] = ("5.0", "6.0")

#: Cytopenia named by each analyte when it is below the LLN.
CYTOPENIA_NAMES: dict[str, str] = vocabulary.CYTOPENIA_NAMES


def ctcae_grade(analyte: str, value: float, lln: float, version: str = "5.0") -> int:
    """CTCAE grade (0-4) of a low ``value`` in standard units, given the laboratory's ``lln``
    (version ``"5.0"``, the default, or ``"6.0"``).

    >>> ctcae_grade("platelets", 18, lln=150), ctcae_grade("platelets", 18, lln=150, version="6.0")
    (4, 3)
    """
    if version not in CTCAE_VERSIONS:
        raise ValueError(f"unknown CTCAE version {version!r}; expected one of {', '.join(CTCAE_VERSIONS)}")
    if analyte not in CTCAE_V5:
        raise ValueError(f"no CTCAE v{version} grading for {analyte!r}; graded analytes: {', '.join(CTCAE_V5)}")
    if value < 0 or lln <= 0:
        raise ValueError(f"value and LLN must be positive, got value={value}, lln={lln}")
    _, bounds = CTCAE_V5[analyte]
    top = lln
    if version == "6.0" and analyte in CTCAE_V6_CHANGES:
        _, fixed_top, bounds = CTCAE_V6_CHANGES[analyte]
        top = lln if fixed_top is None else fixed_top
    if value >= top:
        return 0
    for grade, lower_bound in enumerate(bounds, start=1):
        if value >= lower_bound:
            return grade
    return len(bounds) + 1


@dataclass(frozen=True)
class FeverNeutropeniaRule:
    """One definition of febrile neutropenia: the fever and the neutrophil count it needs."""

    name: str
    source_id: str
    single_reading_c: float  # one temperature at or above this (IDSA) or above it (CTCAE) is fever
    single_reading_strict: bool  # True: strictly above single_reading_c
    sustained_c: float  # a temperature at or above this for over an hour is fever
    anc_below: float  # neutropenia: ANC below this (10^9/L)
    counts_expected_fall: bool  # an ANC expected to fall below anc_below within 48 h also counts


#: The two definitions in use. IDSA 2010 (Freifeld et al.) guides management; CTCAE v5.0 grades it as an adverse event.
FEBRILE_NEUTROPENIA_RULES: dict[str, FeverNeutropeniaRule] = {
    "IDSA 2010": FeverNeutropeniaRule("IDSA 2010", "idsa2010_fn", 38.3, False, 38.0, 0.5, True),
    "CTCAE v5.0": FeverNeutropeniaRule("CTCAE v5.0", "ctcae_v5", 38.3, True, 38.0, 1.0, False),
}


@dataclass(frozen=True)
class FebrileNeutropeniaCheck:
    """Whether fever and neutrophil count meet one definition, and what to say about it."""

    rule: str
    fever: bool
    neutropenia: bool | None  # None: no neutrophil count available
    verdict: str  # "febrile neutropenia", "fever, ANC unknown", "fever without neutropenia", ...
    explanation: str


def febrile_neutropenia(temperature_c: float, anc: float | None, *, sustained_over_1_hour: bool = False,
                        anc_expected_to_fall: bool = False, rule: str = "IDSA 2010") -> FebrileNeutropeniaCheck:
    """Apply a febrile-neutropenia definition to one temperature (°C) and one ANC (10^9/L, or None if unknown).

    IDSA 2010: one oral reading of 38.3 °C or more, or 38.0 °C or more sustained over an hour, with an
    ANC below 0.5 x10^9/L or expected to fall below it within 48 hours. CTCAE v5.0: one reading above
    38.3 °C, or 38 °C or more for more than an hour, with an ANC below 1.0 x10^9/L. With fever and no
    neutrophil count the verdict is ``"fever, ANC unknown"``: a patient on chemotherapy is managed as
    febrile neutropenia until a count shows otherwise.

    >>> febrile_neutropenia(38.3, 0.4).verdict
    'febrile neutropenia'
    >>> febrile_neutropenia(38.5, None).verdict
    'fever, ANC unknown'
    """
    if rule not in FEBRILE_NEUTROPENIA_RULES:
        raise ValueError(f"unknown febrile neutropenia rule {rule!r}; expected one of {', '.join(FEBRILE_NEUTROPENIA_RULES)}")
    r = FEBRILE_NEUTROPENIA_RULES[rule]
    if not 25.0 <= temperature_c <= 45.0:
        raise ValueError(f"temperature {temperature_c} °C is not a body temperature; expected degrees Celsius (25-45)")
    if anc is not None and not 0.0 <= anc <= 1000.0:
        raise ValueError(f"ANC {anc} is impossible; expected 10^9/L from 0 to 1000, or None when not measured")
    single = temperature_c > r.single_reading_c if r.single_reading_strict else temperature_c >= r.single_reading_c
    fever = single or (sustained_over_1_hour and temperature_c >= r.sustained_c)
    if anc is None:
        neutropenia = None
    else:
        neutropenia = anc < r.anc_below or (r.counts_expected_fall and anc_expected_to_fall)
    limit = f"ANC below {r.anc_below:g} x10^9/L" + (" (or expected to fall below it within 48 h)" if r.counts_expected_fall else "")
    if fever and neutropenia:
        return FebrileNeutropeniaCheck(rule, True, True, "febrile neutropenia",
                                       f"fever with {limit} ({rule}): an emergency; cultures and empirical antibiotics within the hour")
    if fever and neutropenia is None:
        return FebrileNeutropeniaCheck(rule, True, None, "fever, ANC unknown",
                                       "fever with no neutrophil count: on chemotherapy, manage as febrile neutropenia"
                                       " (cultures, empirical antibiotics within the hour) until a count rules it out")
    if fever:
        return FebrileNeutropeniaCheck(rule, True, False, "fever without neutropenia",
                                       f"fever, but not {limit} ({rule}): look for the source; not febrile neutropenia")
    what = {True: "neutropenia without fever", False: "neither", None: "no fever; ANC unknown"}[neutropenia]
    return FebrileNeutropeniaCheck(rule, False, neutropenia, what,
                                   f"no fever by the {rule} definition ({'above' if r.single_reading_strict else 'at least'}"
                                   f" {r.single_reading_c:g} °C once, or {r.sustained_c:g} °C or more for over an hour)")


def febrile_neutropenia_by_rule(scenarios: list[dict], rules: tuple[str, ...] = tuple(FEBRILE_NEUTROPENIA_RULES)) -> pd.DataFrame:
    """Each scenario judged by each definition of febrile neutropenia, to compare the definitions side by side.

    A scenario is a dict of the arguments of :func:`febrile_neutropenia` (``temperature_c`` and ``anc``,
    optionally ``sustained_over_1_hour`` and ``anc_expected_to_fall``, and a ``label`` saying whose
    values they are). One row per scenario with its inputs, then one verdict column per rule. An ANC
    of ``None`` is shown as "not reported".

    >>> febrile_neutropenia_by_rule([{"temperature_c": 38.3, "anc": 0.4}]).iloc[0]["CTCAE v5.0"]
    'neutropenia without fever'
    """
    allowed = {"temperature_c", "anc", "sustained_over_1_hour", "anc_expected_to_fall", "label"}
    rows = []
    for number, scenario in enumerate(scenarios, start=1):
        unknown = sorted(set(scenario) - allowed)
        missing = sorted({"temperature_c", "anc"} - set(scenario))
        if unknown or missing:
            raise ValueError(f"scenario {number}: unknown keys {unknown}, missing keys {missing}; "
                             f"expected temperature_c and anc, optionally sustained_over_1_hour, anc_expected_to_fall "
                             f"and label")
        options = {k: bool(scenario.get(k, False)) for k in ("sustained_over_1_hour", "anc_expected_to_fall")}
        row = {"scenario": scenario["label"]} if any("label" in s for s in scenarios) else {}
        row |= {"temperature (°C)": scenario["temperature_c"], "sustained over 1 h": options["sustained_over_1_hour"],
               "ANC (10^9/L)": "not reported" if scenario["anc"] is None else scenario["anc"],
               "ANC expected to fall within 48 h": options["anc_expected_to_fall"]}
        for rule in rules:
            row[rule] = febrile_neutropenia(scenario["temperature_c"], scenario["anc"], rule=rule, **options).verdict
        rows.append(row)
    return pd.DataFrame(rows)


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
    """Name the combination of low lineages (keys: hemoglobin, platelets, wbc; all three needed).

    Neutrophils are graded on their own (:data:`CTCAE_V5`) but do not enter the label: cytopenia
    names count lineages, and the white count stands for the white-cell lineage.
    """
    missing = set(CYTOPENIA_NAMES) - set(low_lineages)
    if missing:
        raise ValueError(f"need all three lineages to name a cytopenia, missing: {', '.join(sorted(missing))}")
    low = tuple(CYTOPENIA_NAMES[a] for a in CYTOPENIA_NAMES if low_lineages[a])
    label = {0: "no cytopenia", 1: f"isolated {low[0]}" if low else "", 2: "bicytopenia", 3: "pancytopenia"}[len(low)]
    return CytopeniaLabel(low=low, label=label)


def _best_ranges(ranges: pd.DataFrame, source_id: str, population: str) -> pd.DataFrame:
    """One range per analyte from ``source_id`` (index ``analyte``): the one for ``population``, else the one for all adults."""
    own = ranges[ranges["source_id"] == source_id]
    if own.empty:
        raise ValueError(f"no reference ranges from source {source_id!r}")
    ranked = own.assign(rank=own["population"].map({population: 0, "adult": 1})).dropna(subset=["rank"])
    return ranked.sort_values("rank", kind="stable").drop_duplicates("analyte").set_index("analyte")


def lower_limits(ranges: pd.DataFrame, source_id: str, population: str = "adult_female") -> dict[str, float]:
    """The lower limit of normal (LLN) of each analyte by ``source_id``, as the CTCAE grades use it: the range for
    ``population`` where the source gives one, else the one for all adults (the choice :func:`flag_labs` makes).

    >>> ranges = pd.DataFrame({"analyte": ["hemoglobin", "hemoglobin", "platelets"], "population": ["adult_male", "adult_female", "adult"],
    ...                        "lower": [13.0, 11.5, 150.0], "upper": [17.0, 15.5, 400.0], "source_id": ["s"] * 3})
    >>> lower_limits(ranges, "s"), lower_limits(ranges, "s", "adult_male")["hemoglobin"]
    ({'hemoglobin': 11.5, 'platelets': 150.0}, 13.0)
    """
    return {str(analyte): float(lower) for analyte, lower in _best_ranges(ranges, source_id, population)["lower"].dropna().items()}


def flag_labs(labs: pd.DataFrame, ranges: pd.DataFrame, source_id: str, population: str = "adult_female") -> pd.DataFrame:
    """Lab values with the reference range of ``source_id``, a low/normal/high flag and the CTCAE grade.

    ``labs`` and ``ranges`` are the ``labs`` and ``reference_ranges`` tables of
    :mod:`utils.casedata`. A range for ``population`` is preferred to one for all adults.
    Analytes without a range in that source keep the value, with blank range and flag.
    """
    best = _best_ranges(ranges, source_id, population)
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


def grades_by_version(values: pd.DataFrame, lln: dict[str, float],
                      versions: tuple[str, ...] = CTCAE_VERSIONS) -> pd.DataFrame:
    """The counts of ``values`` that CTCAE grades, with their grade in each version (``CTCAE v5.0``, ``CTCAE v6.0``).

    ``values`` has at least ``analyte`` and ``value_std`` (standard units), for example the
    ``labs`` table or the output of :func:`flag_labs`; its other columns are kept. ``lln``
    gives the lower limit of normal per analyte. Rows of analytes CTCAE does not grade, or
    with no LLN in ``lln``, are left out (they have no grade in any version).
    """
    unknown = [v for v in versions if v not in CTCAE_VERSIONS]
    if unknown:
        raise ValueError(f"unknown CTCAE version(s) {unknown}; expected any of {', '.join(CTCAE_VERSIONS)}")
    graded = values[values["analyte"].isin([a for a in CTCAE_V5 if a in lln])].copy()
    for version in versions:
        graded[f"CTCAE v{version}"] = [ctcae_grade(analyte, value, lln[analyte], version=version)
                                       for analyte, value in zip(graded["analyte"], graded["value_std"])]
    return graded.reset_index(drop=True)


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
