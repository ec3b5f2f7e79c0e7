"""The course map: which notebooks exist, in what order, what each teaches and how long it takes.

The index notebook shows this map; navigation links and the tutor guide are built from it,
so the order of the course is written down once, here.
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from pathlib import Path

from utils import PROJECT_ROOT

NOTEBOOK_DIR: Path = PROJECT_ROOT / "notebooks"
#: File names of course notebooks: ``00_index.ipynb``, ``03_treatment_lines.ipynb``, ``05a_survival_methods.ipynb``.
NOTEBOOK_GLOB = "[0-9][0-9]*_*.ipynb"
#: The same names exactly; group 1 is the notebook's code (``03``, ``05a``).
NOTEBOOK_NAME = re.compile(r"^(\d\d[a-z]?)_[a-z0-9_]+\.ipynb$")


@dataclass(frozen=True)
class Lesson:
    """One notebook of the course.

    ``code`` is the number shown to residents: two digits, plus a letter for a topic taught in
    two notebooks (``05a``, ``05b``). ``prerequisites`` are codes of earlier notebooks.
    """

    code: str
    slug: str
    title: str
    teaches: str
    reading_minutes: int
    exercise_minutes: int
    prerequisites: tuple[str, ...] = ()

    @property
    def filename(self) -> str:
        return f"{self.code}_{self.slug}.ipynb"

    @property
    def short_title(self) -> str:
        """Code and the part of the title before the colon, for links: ``03 Treatment lines``."""
        return f"{self.code} {self.title.split(':', 1)[0]}"


#: The index notebook (00): reading time of the course map, in minutes.
INDEX_FILENAME = "00_index.ipynb"
INDEX_MINUTES = 10

LESSONS: tuple[Lesson, ...] = (
    Lesson("01", "presentation", "Presentation: marrow failure in a patient with breast cancer",
           "classify and grade the cytopenias (CTCAE v5.0, v6.0 beside it), neutrophils and febrile neutropenia, the differential diagnosis, when and how to biopsy", 40, 25),
    Lesson("02", "ihc_interpretation", "Immunohistochemistry: where do the cells in the marrow come from?",
           "read the marker panel, receptor subtype by ASCO/CAP, HER2-low and ultralow, receptor conversion", 50, 25, ("01",)),
    Lesson("03", "treatment_lines", "Treatment lines: what was given, when, and at what dose",
           "swimmer charts, dosing in marrow failure, the anthracycline question, choosing intensity and schedule", 45, 25, ("01", "02")),
    Lesson("04", "lab_recovery", "Lab recovery curves: how the marrow answered",
           "blood counts and tumour markers over time, read honestly from sparse data; a febrile second episode questioned", 55, 25, ("03",)),
    Lesson("05a", "survival_methods", "Survival methods: censoring, Kaplan-Meier and the clock",
           "censoring, Kaplan-Meier and the log-rank test with lifelines, time origins and the bias of a mismatched one", 20, 10, ("01",)),
    Lesson("05b", "survival_comparison", "Survival against published series: where do these patients sit?",
           "medians and their intervals, single case reports, constant-hazard models, prognostic factors, prognosis in words", 35, 20, ("03", "05a")),
    Lesson("06", "alternative_timelines", "Alternative timelines: what if?",
           "widgets to change the time origin, the treatment timeline and the reference cohort", 30, 25, ("03", "05a", "05b")),
)


def lesson_by_code(code: str) -> Lesson:
    """The lesson with this code; a clear error for any other."""
    for item in LESSONS:
        if item.code == code:
            return item
    raise KeyError(f"notebook {code} is not in utils.course.LESSONS ({', '.join(item.code for item in LESSONS)})")


def is_available(lesson: Lesson, notebook_dir: Path = NOTEBOOK_DIR) -> bool:
    """Whether the lesson's notebook has been written."""
    return (notebook_dir / lesson.filename).is_file()


def course_map_markdown(notebook_dir: Path = NOTEBOOK_DIR) -> str:
    """The course map as a Markdown table; written notebooks are links, the others say *coming*."""
    lines = [
        "| # | notebook | you will learn to | time (reading + exercises) | before this |",
        "|---|---|---|---|---|",
    ]
    for lesson in LESSONS:
        name = f"[{lesson.title}]({lesson.filename})" if is_available(lesson, notebook_dir) else f"{lesson.title} *(coming)*"
        before = ", ".join(lesson.prerequisites) or "none"
        time = f"{lesson.reading_minutes} + {lesson.exercise_minutes} min"
        lines.append(f"| {lesson.code} | {name} | {lesson.teaches} | {time} | {before} |")
    return "\n".join(lines)
