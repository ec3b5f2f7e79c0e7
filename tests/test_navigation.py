"""Navigation: every notebook's previous / index / next links come from utils.course and work."""

import shutil

import nbformat
import pytest

from delivery import navigation
from utils import course


def test_every_notebook_has_current_navigation_and_no_broken_link():
    problems = navigation.stale_navigation() + navigation.broken_links()
    assert not problems, "\n".join(map(str, problems))


def test_navigation_follows_the_course_order():
    for at, lesson in enumerate(course.LESSONS):
        top = navigation.top_markdown(lesson.code)
        assert f"[Index]({course.INDEX_FILENAME})" in top
        assert f"{lesson.reading_minutes} min reading + {lesson.exercise_minutes} min exercises" in top
        if at > 0:
            assert f"Previous: [{course.LESSONS[at - 1].short_title}]({course.LESSONS[at - 1].filename})" in top
        else:
            assert "Previous" not in top
        if at + 1 < len(course.LESSONS):
            assert f"Next: [{course.LESSONS[at + 1].short_title}]({course.LESSONS[at + 1].filename})" in top
        else:
            assert "Next" not in top and "last notebook" in navigation.bottom_markdown(lesson.code)
    assert course.LESSONS[0].filename in navigation.top_markdown(navigation.INDEX_CODE)


@pytest.fixture
def course_copy(tmp_path):
    """The notebooks and docs copied to a scratch folder, with the same layout (notebooks/, docs/)."""
    shutil.copytree(course.NOTEBOOK_DIR, tmp_path / "notebooks", ignore=shutil.ignore_patterns(".ipynb_checkpoints"))
    shutil.copytree(course.NOTEBOOK_DIR.parent / "docs", tmp_path / "docs")
    (tmp_path / "casedata").mkdir()
    shutil.copy(course.NOTEBOOK_DIR.parent / "casedata" / "README.md", tmp_path / "casedata")
    return tmp_path / "notebooks"


def _edit(path, change):
    nb = nbformat.read(path, as_version=4)
    change(nb)
    nbformat.write(nb, path)


def test_a_missing_navigation_cell_is_reported_and_rewritten(course_copy):
    path = course_copy / course.LESSONS[2].filename
    _edit(path, lambda nb: nb.cells.pop())  # the closing navigation cell
    problems = navigation.stale_navigation(course_copy)
    assert [p.path.name for p in problems] == [path.name]
    assert "expected 2 cells tagged 'navigation', found 1" in str(problems[0])
    assert navigation.write_all(course_copy) == [path]
    assert navigation.stale_navigation(course_copy) == []
    assert navigation.write_all(course_copy) == []  # idempotent


def test_a_hand_edited_link_is_reported(course_copy):
    path = course_copy / course.LESSONS[0].filename

    def swap_next(nb):
        nb.cells[1].source = nb.cells[1].source.replace(course.LESSONS[1].filename, course.LESSONS[3].filename)

    _edit(path, swap_next)
    assert [p.path.name for p in navigation.stale_navigation(course_copy)] == [path.name]


def test_a_broken_link_names_notebook_cell_and_target(course_copy):
    path = course_copy / course.LESSONS[1].filename
    cell = next(i for i, c in enumerate(nbformat.read(path, as_version=4).cells) if i > 1 and c.cell_type == "markdown")

    def add_links(nb):
        nb.cells[cell].source += "\n\nSee [the missing one](07_missing.ipynb), [an anchor](01_presentation.ipynb#No-such-heading)" \
                              " and [a real one](01_presentation.ipynb#Learning-objectives)."

    _edit(path, add_links)
    problems = navigation.broken_links(course_copy)
    assert [(p.path.name, p.cell) for p in problems] == [(path.name, cell), (path.name, cell)]
    assert "07_missing.ipynb" in str(problems[0]) and "does not exist" in str(problems[0])
    assert "no heading 'No such heading'" in str(problems[1])


def test_a_notebook_outside_the_course_map_is_reported(course_copy):
    shutil.copy(course_copy / course.LESSONS[0].filename, course_copy / "07_extra.ipynb")
    problems = navigation.stale_navigation(course_copy)
    assert [p.path.name for p in problems] == ["07_extra.ipynb"]


def test_links_are_found_in_markdown_and_html():
    text = 'A [md](01_a.ipynb) link, an [external](https://doi.org/10.1/x) one and <a href="../docs/x.md">html</a>.'
    assert navigation.links(text) == ["01_a.ipynb", "https://doi.org/10.1/x", "../docs/x.md"]
