"""Previous / index / next links of every notebook, generated from the course map.

The order of the course is written once, in :data:`utils.course.LESSONS`. This module writes
two Markdown cells into each notebook from it, each tagged ``navigation``:

* at the top, right after the title cell: time, prerequisites, previous, index, next;
* at the very end: previous, index, next (a resident who finishes wants the next step).

Nobody edits those cells by hand: ``python -m delivery.navigation`` rewrites them (``make
navigation``), and ``python -m delivery.navigation --check`` lists notebooks whose cells are
missing or stale, and every relative link in any notebook that points at nothing (the tests
run the same checks).
"""

from __future__ import annotations

import re
import sys
from dataclasses import dataclass
from pathlib import Path

import nbformat

from utils import course

TAG = "navigation"
INDEX_CODE = "00"
TUTOR_GUIDE = "[tutor guide](../docs/tutor-guide.md)"
SELF_STUDY = "[self-study guide](../docs/self-study.md)"

#: Markdown links ``[text](target)`` and HTML ``href="target"``.
_LINK = re.compile(r"\]\(\s*<?([^)\s>]+)>?(?:\s+\"[^\"]*\")?\s*\)|href=\"([^\"]+)\"")
#: A link with a scheme (https:, mailto:, data: ...) or protocol-relative: not a file of the project.
EXTERNAL = re.compile(r"^(?:[a-z][a-z0-9+.-]*:|//)", re.IGNORECASE)


def _link(lesson: course.Lesson) -> str:
    return f"[{lesson.short_title}]({lesson.filename})"


def _neighbours(code: str) -> tuple[course.Lesson | None, course.Lesson | None]:
    at = course.LESSONS.index(course.lesson_by_code(code))
    previous = course.LESSONS[at - 1] if at > 0 else None
    following = course.LESSONS[at + 1] if at + 1 < len(course.LESSONS) else None
    return previous, following


def top_markdown(code: str) -> str:
    """The navigation line under the title of notebook ``code`` (``00`` is the index)."""
    if code == INDEX_CODE:
        first = course.LESSONS[0]
        return f"*Time: {course.INDEX_MINUTES} min · Prerequisites: none · Start: {_link(first)} · {TUTOR_GUIDE} · {SELF_STUDY}*"
    lesson = course.lesson_by_code(code)
    previous, following = _neighbours(code)
    prerequisites = ", ".join(_link(course.lesson_by_code(c)) for c in lesson.prerequisites) or "none"
    parts = [f"Time: {lesson.reading_minutes} min reading + {lesson.exercise_minutes} min exercises",
             f"Prerequisites: {prerequisites}"]
    if previous:
        parts.append(f"Previous: {_link(previous)}")
    parts.append(f"[Index]({course.INDEX_FILENAME})")
    if following:
        parts.append(f"Next: {_link(following)}")
    return "*" + " · ".join(parts) + "*"


def bottom_markdown(code: str) -> str:
    """The closing navigation line of notebook ``code``."""
    if code == INDEX_CODE:
        return f"**Start with {_link(course.LESSONS[0])}.** Tutors: {TUTOR_GUIDE}; alone: {SELF_STUDY}."
    previous, following = _neighbours(code)
    parts = []
    if following:
        parts.append(f"**Next: {_link(following)}**")
    else:
        parts.append("**This is the last notebook of the course.**")
    if previous:
        parts.append(f"Previous: {_link(previous)}")
    parts.append(f"[Index]({course.INDEX_FILENAME})")
    return " · ".join(parts)


def notebook_code(path: Path) -> str:
    """``03`` of ``03_treatment_lines.ipynb``, ``05a`` of ``05a_survival_methods.ipynb``; a clear error for any other name."""
    match = course.NOTEBOOK_NAME.match(path.name)
    if not match:
        raise ValueError(f"{path.name}: a course notebook is named NN_slug.ipynb (or NNa_slug.ipynb for a part)")
    return match.group(1)


def _navigation_cells(nb) -> list[int]:
    return [i for i, cell in enumerate(nb.cells) if TAG in cell.get("metadata", {}).get("tags", [])]


def _nav_cell(source: str, place: str):
    cell = nbformat.v4.new_markdown_cell(source, metadata={"tags": [TAG], "slideshow": {"slide_type": "skip"}})
    cell["id"] = f"{TAG}-{place}"  # a fixed id: rewriting the cell does not churn the notebook file
    return cell


def apply(nb, code: str) -> bool:
    """Put the two navigation cells of notebook ``code`` into ``nb``; return whether it changed."""
    wanted = [top_markdown(code), bottom_markdown(code)]
    at = _navigation_cells(nb)
    if len(at) == 2 and at[0] == 1 and at[1] == len(nb.cells) - 1 and [nb.cells[i].source for i in at] == wanted:
        return False
    for i in reversed(at):
        del nb.cells[i]
    nb.cells.insert(1, _nav_cell(wanted[0], "top"))
    nb.cells.append(_nav_cell(wanted[1], "bottom"))
    return True


def course_notebooks(notebook_dir: Path = course.NOTEBOOK_DIR) -> list[Path]:
    """The index and every lesson notebook, in course order; an error names any that is missing."""
    paths = [notebook_dir / course.INDEX_FILENAME, *(notebook_dir / lesson.filename for lesson in course.LESSONS)]
    missing = [p.name for p in paths if not p.is_file()]
    if missing:
        raise FileNotFoundError(f"utils.course lists notebooks that do not exist in {notebook_dir}: {', '.join(missing)}")
    return paths


@dataclass(frozen=True)
class Problem:
    """Something wrong with navigation or links: where, and what."""

    path: Path
    cell: int | None
    message: str

    def __str__(self) -> str:
        where = f"{self.path.name}, cell {self.cell}" if self.cell is not None else self.path.name
        return f"{where}: {self.message}"


def stale_navigation(notebook_dir: Path = course.NOTEBOOK_DIR) -> list[Problem]:
    """Notebooks whose navigation cells are missing, misplaced or differ from the course map."""
    problems = []
    for path in course_notebooks(notebook_dir):
        nb = nbformat.read(path, as_version=4)
        at = _navigation_cells(nb)
        if len(at) != 2:
            problems.append(Problem(path, None, f"expected 2 cells tagged {TAG!r}, found {len(at)}; run `make navigation`"))
        elif apply(nb, notebook_code(path)):
            problems.append(Problem(path, at[0], "navigation cells are out of date or out of place; run `make navigation`"))
    unlisted = sorted(p.name for p in notebook_dir.glob(course.NOTEBOOK_GLOB) if p not in course_notebooks(notebook_dir))
    problems += [Problem(notebook_dir / name, None, "not in utils.course.LESSONS, so no other notebook links to it") for name in unlisted]
    return problems


def _anchors(path: Path) -> set[str]:
    """Heading anchors of a notebook as JupyterLab makes them (spaces become hyphens)."""
    nb = nbformat.read(path, as_version=4)
    anchors = set()
    for cell in nb.cells:
        if cell.cell_type == "markdown":
            for line in cell.source.splitlines():
                heading = re.match(r"^#{1,6}\s+(.*?)\s*$", line)
                if heading:
                    anchors.add(heading.group(1).replace(" ", "-"))
    return anchors


def links(text: str) -> list[str]:
    """Every link target in a Markdown or HTML text."""
    return [markdown or html for markdown, html in _LINK.findall(text)]


def link_problem(target: str, base: Path) -> str | None:
    """Why the relative link ``target`` from folder ``base`` is broken, or None if it works (external links are not checked)."""
    if EXTERNAL.match(target) or target.startswith("#"):
        return None
    file_part, _, anchor = target.partition("#")
    path = (base / file_part).resolve()
    if not path.exists():
        return f"link {target!r} points at {path}, which does not exist"
    if anchor and path.suffix == ".ipynb" and anchor not in _anchors(path):
        return f"link {target!r}: {path.name} has no heading {anchor.replace('-', ' ')!r}"
    return None


def broken_links(notebook_dir: Path = course.NOTEBOOK_DIR) -> list[Problem]:
    """Relative links in the Markdown cells of every notebook in ``notebook_dir`` that point at nothing."""
    problems = []
    for path in sorted(notebook_dir.glob("*.ipynb")):
        nb = nbformat.read(path, as_version=4)
        for index, cell in enumerate(nb.cells):
            if cell.cell_type != "markdown":
                continue
            for target in links(cell.source):
                why = link_problem(target, path.parent)
                if why:
                    problems.append(Problem(path, index, why))
    return problems


def write_all(notebook_dir: Path = course.NOTEBOOK_DIR) -> list[Path]:
    """Rewrite the navigation cells of every course notebook; return the notebooks that changed."""
    changed = []
    for path in course_notebooks(notebook_dir):
        nb = nbformat.read(path, as_version=4)
        if apply(nb, notebook_code(path)):
            nbformat.write(nb, path)
            changed.append(path)
    return changed


def main(argv: list[str]) -> int:
    if argv == ["--check"]:
        problems = stale_navigation() + broken_links()
        for problem in problems:
            print(problem)
        return 1 if problems else 0
    if argv:
        print("usage: python -m delivery.navigation [--check]", file=sys.stderr)
        return 2
    for path in write_all():
        print(f"updated {path.name}")
    return 0


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
