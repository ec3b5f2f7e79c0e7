"""The tutor guide and the self-study page: required sections, and numbers that agree with the course map."""

import re

import pytest

from utils import PROJECT_ROOT, course

DOCS = PROJECT_ROOT / "docs"
TUTOR_SECTIONS = ("Timings", "A 90-minute seminar", "Discussion prompts", "Common misconceptions",
                  "Running the seminar", "Clinical accuracy")
SELF_STUDY_SECTIONS = ("Suggested order", "Working offline", "Checking yourself", "When something looks wrong")


def section(text: str, heading: str) -> str:
    """The body of a second-level section (up to the next ``## ``)."""
    match = re.search(rf"^## {re.escape(heading)}\s*$(.*?)(?=^## |\Z)", text, re.MULTILINE | re.DOTALL)
    assert match, f"no '## {heading}' section"
    return match.group(1)


def table_rows(text: str) -> list[list[str]]:
    """Data rows of the Markdown tables in ``text`` (header and rule rows skipped)."""
    rows = [[cell.strip() for cell in line.strip().strip("|").split("|")] for line in text.splitlines() if line.startswith("|")]
    return [row for row in rows[1:] if not set("".join(row)) <= set("-: ")]


@pytest.fixture(scope="module")
def tutor():
    return (DOCS / "tutor-guide.md").read_text(encoding="utf-8")


@pytest.mark.parametrize(("name", "headings"), [("tutor-guide.md", TUTOR_SECTIONS), ("self-study.md", SELF_STUDY_SECTIONS)])
def test_guides_have_their_sections(name, headings):
    text = (DOCS / name).read_text(encoding="utf-8")
    for heading in headings:
        assert section(text, heading).strip(), f"{name}: '## {heading}' is empty"


def test_timings_are_the_course_maps(tutor):
    rows = table_rows(section(tutor, "Timings"))
    listed = {row[0]: (int(row[2]), int(row[3])) for row in rows}
    assert listed == {lesson.code: (lesson.reading_minutes, lesson.exercise_minutes) for lesson in course.LESSONS}


def test_the_seminar_plan_fills_ninety_minutes(tutor):
    minutes = [row[0] for row in table_rows(section(tutor, "A 90-minute seminar"))]
    assert minutes and all(m.isdigit() for m in minutes), minutes
    assert sum(map(int, minutes)) == 90


def test_every_notebook_has_discussion_prompts_with_expected_points(tutor):
    prompts = section(tutor, "Discussion prompts")
    for lesson in course.LESSONS:
        match = re.search(rf"^### {lesson.code} .*?$(.*?)(?=^### |\Z)", prompts, re.MULTILINE | re.DOTALL)
        assert match, f"no prompts for notebook {lesson.code}"
        expected = match.group(1).count("Expected points")
        assert 2 <= expected <= 4, f"notebook {lesson.code}: {expected} prompts with expected points"


def test_helpers_read_the_tables_they_are_given():
    text = "## Timings\n\n| # | a |\n|---|---|\n| 01 | x |\n\n## Next\n"
    assert table_rows(section(text, "Timings")) == [["01", "x"]]
    with pytest.raises(AssertionError, match="no '## Missing' section"):
        section(text, "Missing")
