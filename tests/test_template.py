"""The one template of TEACHING.md, read from the notebook JSON of every numbered notebook."""

import json
import re

import nbformat
import pytest

from utils import course

LESSON_PATHS = [course.NOTEBOOK_DIR / lesson.filename for lesson in course.LESSONS]
#: Sections every lesson has, in this order (a heading of any level containing the words).
SECTIONS = ("Learning objectives", "Stop and think", "Self-check", "Key points", "References")
CAPTION = re.compile(r"^\*(Figure\b|What to see:)")


def headings(nb) -> list[str]:
    return [m.group(1) for cell in nb.cells if cell.cell_type == "markdown"
            for m in re.finditer(r"^#{1,6}\s+(.*?)\s*$", cell.source, re.MULTILINE)]


def section_cells(nb, name: str) -> list[str]:
    """Markdown text from the heading containing ``name`` to the next heading of the same or a higher level."""
    text = "\n".join(cell.source for cell in nb.cells if cell.cell_type == "markdown")
    match = re.search(rf"^(#{{1,6}})\s+[^\n]*{re.escape(name)}[^\n]*$", text, re.MULTILINE)
    if not match:
        return []
    level = len(match.group(1))
    end = re.compile(rf"^#{{1,{level}}}\s", re.MULTILINE).search(text, match.end())
    return [text[match.end(): end.start() if end else len(text)]]


def missing_sections(nb) -> list[str]:
    """Template sections not found in order: each is a heading, or for Stop and think also a bold label in a box."""
    text = "\n".join(cell.source for cell in nb.cells if cell.cell_type == "markdown")
    missing, position = [], -1
    for name in SECTIONS:
        pattern = rf"^#{{1,6}}\s+[^\n]*{re.escape(name)}"
        if name == "Stop and think":
            pattern += rf"|\*\*{re.escape(name)}"
        found = re.compile(pattern, re.MULTILINE | re.IGNORECASE).search(text, position + 1)
        if found is None:
            missing.append(name)
        else:
            position = found.start()
    return missing


@pytest.mark.parametrize("path", LESSON_PATHS, ids=lambda p: p.stem)
def test_lesson_has_every_template_section_in_order(path):
    nb = nbformat.read(path, as_version=4)
    assert missing_sections(nb) == [], f"{path.name} lacks (in this order) {SECTIONS}"
    title = nb.cells[0].source.splitlines()[0]
    code = path.name.split("_", 1)[0]
    assert title.startswith(f"# {code} "), f"{path.name}: the first cell starts with '# {code} ' and the title"
    assert "For education only" in nb.cells[0].source


@pytest.mark.parametrize("path", LESSON_PATHS, ids=lambda p: p.stem)
def test_objectives_stop_and_think_and_key_points_have_content(path):
    nb = nbformat.read(path, as_version=4)
    objectives = re.findall(r"^\s*(?:\d+\.|-)\s+\**(\w+)", section_cells(nb, "Learning objectives")[0], re.MULTILINE)
    assert 3 <= len(objectives) <= 5, f"{path.name}: 3-5 learning objectives, found {len(objectives)}"
    answers = sum(cell.source.count("<details>") for cell in nb.cells if cell.cell_type == "markdown")
    assert answers >= 1, f"{path.name}: a Stop-and-think question needs a folded model answer (<details>)"
    points = re.findall(r"^\s*[-*]\s+\S", section_cells(nb, "Key points")[0], re.MULTILINE)
    assert 3 <= len(points) <= 6, f"{path.name}: 3-6 key points, found {len(points)}"
    assert "doi" in section_cells(nb, "References")[0].lower()


@pytest.mark.parametrize("path", LESSON_PATHS, ids=lambda p: p.stem)
def test_self_check_is_data_shown_by_the_shared_component(path):
    nb = nbformat.read(path, as_version=4)
    calls = [cell for cell in nb.cells if cell.cell_type == "code" and f'selfcheck.show("{path.stem}")' in cell.source]
    assert len(calls) == 1, f"{path.name}: one cell calls selfcheck.show({path.stem!r})"
    questions = json.loads((course.NOTEBOOK_DIR / "selfcheck" / f"{path.stem}.json").read_text(encoding="utf-8"))
    assert 3 <= len(questions) <= 5
    for question in questions:
        assert any(answer.get("correct") for answer in question["answers"])
        assert all(answer.get("feedback", "").strip() for answer in question["answers"]), question["question"]


@pytest.mark.parametrize("path", [course.NOTEBOOK_DIR / course.INDEX_FILENAME, *LESSON_PATHS], ids=lambda p: p.stem)
def test_every_figure_has_a_caption_below_it(path):
    nb = nbformat.read(path, as_version=4)
    for index, cell in enumerate(nb.cells):
        if cell.cell_type == "code" and any("image/png" in output.get("data", {}) for output in cell.outputs):
            below = nb.cells[index + 1] if index + 1 < len(nb.cells) else None
            assert below is not None and below.cell_type == "markdown" and CAPTION.match(below.source), \
                f"{path.name}, cell {index}: the figure needs a caption in the Markdown cell below (*Figure: ...*)"
            assert len(below.source.split("\n\n")[0].split()) >= 12, f"{path.name}, cell {index + 1}: say what to see"


def test_the_checks_fail_on_a_notebook_that_breaks_the_template():
    nb = nbformat.v4.new_notebook(cells=[
        nbformat.v4.new_markdown_cell("# 09 Title\n\n## References\n\ndoi"),
        nbformat.v4.new_markdown_cell("## Learning objectives\n\n1. Read\n2. Write"),
        nbformat.v4.new_markdown_cell("## Key points\n\n- one"),
    ])
    assert missing_sections(nb) == ["Stop and think", "Self-check", "References"]
    assert section_cells(nb, "Key points") == ["\n\n- one"]
