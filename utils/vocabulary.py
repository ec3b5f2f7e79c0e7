"""The course's vocabularies, in one place: the enums of ``casedata/datapackage.json`` and how they read.

Every enumerated column (treatment categories, milestones, analytes, markers, specimens, dose units ...) is
declared once, as an ``enum`` in the data package, which the loader enforces. This module reads those lists
(:func:`allowed`) and adds the one thing a descriptor cannot hold: how each value reads in a table or figure,
and the colour and marker it is drawn with. No other module spells out a vocabulary; they import it from
here. ``tests/test_vocabulary.py`` checks that every table below covers exactly its enum, and that no other
module of ``utils/`` lists three or more values of an enum in a literal.

A value a tutor adds to an enum works at once: :func:`label` falls back to the value with underscores as
spaces, :func:`category_colour` to grey. The test then asks the maintainer for a proper label.

>>> allowed("events", "milestone")[:3]
('primary_diagnosis', 'first_distant_metastasis', 'bmm_diagnosis')
>>> label("category", "antibody_drug_conjugate")
'antibody-drug conjugate'
"""

from __future__ import annotations

from functools import cache

from utils.palette import OKABE_ITO


@cache
def _descriptor_enums() -> dict[tuple[str, str], tuple[str, ...]]:
    from utils.casedata import DATA_DIR, _read_descriptor  # the folder the loader reads (BMM_CASEDATA or casedata/)

    _, descriptor = _read_descriptor(DATA_DIR)  # the loader's own reader: a broken descriptor is a CaseDataError
    return {
        (resource["name"], field["name"]): tuple(field["constraints"]["enum"])
        for resource in descriptor["resources"]
        for field in resource["schema"]["fields"]
        if "enum" in field.get("constraints", {})
    }


def allowed(table: str, column: str) -> tuple[str, ...]:
    """The values ``table.column`` may take, in the order the descriptor lists them (which is display order)."""
    try:
        return _descriptor_enums()[(table, column)]
    except KeyError:
        raise KeyError(f"{table}.{column} has no enum in datapackage.json") from None


# How values read --------------------------------------------------------------------------------------------
#: Treatment categories (therapy_lines.category).
CATEGORY_LABELS: dict[str, str] = {
    "chemotherapy": "chemotherapy",
    "endocrine": "endocrine therapy",
    "anti_her2": "anti-HER2 therapy",
    "antibody_drug_conjugate": "antibody-drug conjugate",
    "targeted": "targeted therapy",
    "immunotherapy": "immunotherapy",
    "radiotherapy": "radiotherapy",
    "bone_modifying": "bone-modifying agent",
    "transfusion": "transfusion",
    "growth_factor": "growth factor / TPO-RA",
    "tpo_receptor_agonist": "growth factor / TPO-RA",
    "nutrition": "nutrition",
    "best_supportive_care": "best supportive care",
}
#: Colour of each treatment category in swimmer charts (Okabe-Ito; hatching carries timing, lane labels the agent).
CATEGORY_COLOURS: dict[str, str] = {
    "chemotherapy": OKABE_ITO[5],
    "endocrine": OKABE_ITO[0],
    "anti_her2": OKABE_ITO[3],
    "antibody_drug_conjugate": "#882255",  # Tol's wine: a darker partner of the reddish purple of anti-HER2
    "targeted": OKABE_ITO[2],
    "immunotherapy": "#117733",  # Tol's green, darker than the bluish green of targeted therapy
    "radiotherapy": "#332288",  # Tol's indigo
    "bone_modifying": OKABE_ITO[4],
    "transfusion": "#AA4499",  # Tol's purple
    "growth_factor": OKABE_ITO[1],
    "tpo_receptor_agonist": OKABE_ITO[1],
    "nutrition": OKABE_ITO[6],
    "best_supportive_care": "#999999",
}
#: Categories that treat the cancer itself (the first of them after day 0 starts the "first therapy" clock).
ANTICANCER_CATEGORIES: tuple[str, ...] = ("chemotherapy", "endocrine", "anti_her2", "antibody_drug_conjugate",
                                         "targeted", "immunotherapy")
#: Short lane prefixes of supportive categories in swimmer charts (a subset of the categories).
SUPPORTIVE_PREFIX: dict[str, str] = {
    "bone_modifying": "bone",
    "transfusion": "transfusion",
    "growth_factor": "growth factor",
    "tpo_receptor_agonist": "TPO-RA",
    "nutrition": "nutrition",
    "best_supportive_care": "",
}
#: Why a line stopped (therapy_lines.reason_stopped).
REASON_LABELS: dict[str, str] = {
    "progression": "progression",
    "toxicity": "toxicity",
    "patient_preference": "patient's choice",
    "malnutrition": "malnutrition",
    "planned_switch": "planned switch",
    "completed": "completed",
    "not_needed": "no longer needed",
    "death": "death",
    "ongoing": "ongoing",
    "not_reported": "reason not reported",
}
#: Best response (therapy_lines.response), in the RECIST abbreviations.
RESPONSE_LABELS: dict[str, str] = {
    "complete_response": "CR",
    "partial_response": "PR",
    "stable_disease": "SD",
    "progressive_disease": "PD",
    "not_reported": "response n/r",
}
#: Milestones (events.milestone); the descriptor lists them in clinical order.
MILESTONE_LABELS: dict[str, str] = {
    "primary_diagnosis": "primary diagnosis",
    "first_distant_metastasis": "first distant metastasis",
    "bmm_diagnosis": "marrow metastasis diagnosed",
    "death": "death",
    "last_contact": "last contact (alive)",
}
#: Marker of each milestone in timeline figures; the end of follow-up of a living patient is an open
#: triangle, the usual sign of a censored observation.
MILESTONE_MARKERS: dict[str, dict] = {
    "primary_diagnosis": {"marker": "o", "s": 140},
    "first_distant_metastasis": {"marker": "s", "s": 130},
    "bmm_diagnosis": {"marker": "D", "s": 140},
    "death": {"marker": "X", "s": 200},
    "last_contact": {"marker": ">", "s": 200, "facecolors": "white"},
}
#: Axis labels of the analytes (labs.analyte), in their standard units (utils.units.STANDARD_UNITS).
ANALYTE_LABELS: dict[str, str] = {
    "hemoglobin": "haemoglobin (g/dL)",
    "platelets": "platelets (10$^9$/L)",
    "wbc": "white cells (10$^9$/L)",
    "neutrophils": "neutrophils, ANC (10$^9$/L)",
    "ldh": "LDH (U/L)",
    "cea": "CEA (ng/mL)",
    "ca15_3": "CA 15-3 (U/mL)",
    "ca125": "CA 125 (U/mL)",
}
#: Blood counts drawn on CTCAE grade bands, and the serum tumour markers (both subsets of labs.analyte).
COUNT_ANALYTES: tuple[str, ...] = ("hemoglobin", "platelets", "wbc")
MARKER_ANALYTES: tuple[str, ...] = ("cea", "ca15_3", "ca125")
#: The milestones a survival clock can start from, as a clock reads ("months from ..."), latest first.
ORIGIN_LABELS: dict[str, str] = {
    "bmm_diagnosis": "diagnosis of bone marrow metastasis",
    "first_distant_metastasis": "first distant metastasis",
    "primary_diagnosis": "diagnosis of the primary breast cancer",
}
#: The name of a low count of each blood count (CTCAE v5.0 term, British spelling).
CYTOPENIA_NAMES: dict[str, str] = {"hemoglobin": "anaemia", "platelets": "thrombocytopenia", "wbc": "leukopenia"}
#: How the marrow metastasis presented (cases.bmm_presentation).
PRESENTATION_LABELS: dict[str, str] = {"de_novo": "de novo (at first diagnosis)", "relapsed": "in recurrent disease (not at first diagnosis)"}
#: Specimens of ihc.csv.
SPECIMEN_LABELS: dict[str, str] = {
    "breast_primary": "breast primary",
    "axillary_node": "axillary node",
    "bone_marrow": "bone marrow",
    "other_metastasis": "other metastasis",
    "not_stated": "specimen not stated",
}
#: Dose units of doses.csv, as a reader says them.
DOSE_UNIT_LABELS: dict[str, str] = {
    "mg/m2": "mg/m²",
    "mg": "mg (as printed)",
    "mg/kg": "mg/kg",
    "AUC": "AUC (mg/mL·min)",
}

#: Every label table above and the enum it must cover exactly (``(table, column)``), for the test.
COVERS: dict[str, tuple[str, str]] = {
    "CATEGORY_LABELS": ("therapy_lines", "category"),
    "CATEGORY_COLOURS": ("therapy_lines", "category"),
    "REASON_LABELS": ("therapy_lines", "reason_stopped"),
    "RESPONSE_LABELS": ("therapy_lines", "response"),
    "MILESTONE_LABELS": ("events", "milestone"),
    "MILESTONE_MARKERS": ("events", "milestone"),
    "ANALYTE_LABELS": ("labs", "analyte"),
    "SPECIMEN_LABELS": ("ihc", "specimen"),
    "DOSE_UNIT_LABELS": ("doses", "dose_unit"),
    "PRESENTATION_LABELS": ("cases", "bmm_presentation"),
}
#: Tables that cover part of an enum (their keys must be values of it).
SUBSETS: dict[str, tuple[str, str]] = {
    "ANTICANCER_CATEGORIES": ("therapy_lines", "category"),
    "ORIGIN_LABELS": ("events", "milestone"),
    "CYTOPENIA_NAMES": ("labs", "analyte"),
    "COUNT_ANALYTES": ("labs", "analyte"),
    "MARKER_ANALYTES": ("labs", "analyte"),
    "SUPPORTIVE_PREFIX": ("therapy_lines", "category"),
}

_TABLES: dict[str, dict[str, str]] = {
    "category": CATEGORY_LABELS, "reason_stopped": REASON_LABELS, "response": RESPONSE_LABELS,
    "milestone": MILESTONE_LABELS, "analyte": ANALYTE_LABELS, "specimen": SPECIMEN_LABELS, "dose_unit": DOSE_UNIT_LABELS,
    "bmm_presentation": PRESENTATION_LABELS,
}


def label(kind: str, value: object) -> str:
    """How ``value`` of ``kind`` (category, reason_stopped, response, milestone, analyte, specimen, dose_unit, bmm_presentation)
    reads; a value without a label (added to an enum, not yet here) reads as itself with spaces."""
    text = str(value)
    return _TABLES[kind].get(text, text.replace("_", " "))


def category_colour(category: object) -> str:
    """Colour of a treatment category; grey for one that has none yet."""
    return CATEGORY_COLOURS.get(str(category), "#999999")


def milestones() -> tuple[str, ...]:
    """The milestones in clinical order (the order of the descriptor's enum)."""
    return allowed("events", "milestone")


def markers() -> tuple[str, ...]:
    """The IHC and molecular markers, in display order (the order of the descriptor's enum)."""
    return allowed("ihc", "marker")


def specimens() -> tuple[str, ...]:
    """The specimens of ihc.csv, in display order."""
    return allowed("ihc", "specimen")
