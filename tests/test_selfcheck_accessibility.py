"""The self-check quiz for every resident: contrast of each colour pair, and, in Chromium, word cues,
markers that do not rely on colour, keyboard use and axe-core on the quiz before and after answering.

The browser tests open a static page built from :func:`utils.selfcheck.quiz_parts` (no kernel, no
server): the same HTML and script a notebook stores and the site, JupyterLab and Voila show.
"""

from __future__ import annotations

import json
from collections.abc import Iterator
from pathlib import Path

import pytest
import servers
from matplotlib.colors import to_rgba
from playwright.sync_api import Page

from utils import selfcheck

PROJECT_ROOT = Path(__file__).resolve().parent.parent
REPORT = PROJECT_ROOT / "build" / "accessibility" / "selfcheck.txt"
#: The pages the quiz sits on: JupyterLab's light theme, the offline site and the slides (white), and
#: JupyterLab's dark theme (its --jp-layout-color0 and --jp-ui-font-color1).
LIGHT_PAGE = "#ffffff"
DARK_PAGE, DARK_PAGE_TEXT = "#111111", "#ffffff"
AA_TEXT = 4.5
#: WCAG 2.1 1.4.11: a focus indicator against what is next to it.
NON_TEXT = 3.0


def luminance(colour: str) -> float:
    """WCAG 2.1 relative luminance of an opaque colour."""
    *rgb, alpha = to_rgba(colour)
    assert alpha == 1, f"{colour} is translucent: its contrast depends on what lies beneath"
    linear = [c / 12.92 if c <= 0.04045 else ((c + 0.055) / 1.055) ** 2.4 for c in rgb]
    return 0.2126 * linear[0] + 0.7152 * linear[1] + 0.0722 * linear[2]


def contrast(text: str, background: str) -> float:
    """WCAG 2.1 contrast ratio, 1 to 21."""
    light, dark = sorted((luminance(text), luminance(background)), reverse=True)
    return (light + 0.05) / (dark + 0.05)


def colour_pairs() -> list[tuple[str, str, str]]:
    """Every text/background pair the quiz draws: (where, text colour, background colour)."""
    colours = selfcheck.quiz_colours()
    white_text = colours["--jq-text-color"]
    return [
        ("question on a one-answer header", white_text, colours["--jq-multiple-choice-bg"]),
        ("question on a choose-all header", white_text, colours["--jq-many-choice-bg"]),
        ("option before answering", selfcheck.MC_BUTTON_TEXT, colours["--jq-mc-button-bg"]),
        ("option chosen, right", white_text, colours["--jq-correct-color"]),
        ("option chosen, wrong", white_text, colours["--jq-incorrect-color"]),
        ("tick in a filled marker", colours["--jq-correct-color"], white_text),
        ("cross in a filled marker", colours["--jq-incorrect-color"], white_text),
        ("feedback, right", colours["--jq-correct-color"], selfcheck.FEEDBACK_BACKGROUND),
        ("feedback, wrong", colours["--jq-incorrect-color"], selfcheck.FEEDBACK_BACKGROUND),
    ]


def test_contrast_follows_wcag():
    assert contrast("#000000", "#ffffff") == pytest.approx(21)
    assert contrast("#777777", "#ffffff") == pytest.approx(4.48, abs=0.01)  # the classic just-too-light grey
    assert contrast("#f75c03", "#fafafa") < AA_TEXT  # jupyterquiz's orange header, as axe found it (3.1:1)


@pytest.mark.parametrize(("where", "text", "background"), colour_pairs(), ids=[p[0] for p in colour_pairs()])
def test_every_quiz_colour_pair_reaches_aa(where: str, text: str, background: str):
    ratio = contrast(text, background)
    assert ratio >= AA_TEXT, f"{where}: {text} on {background} is {ratio:.2f}:1, below {AA_TEXT}:1"


@pytest.mark.parametrize("page", [LIGHT_PAGE, DARK_PAGE], ids=["light page", "dark page"])
def test_the_focus_ring_shows_on_a_light_and_a_dark_page(page: str):
    ratio = contrast(selfcheck.FOCUS_RING, page)
    assert ratio >= NON_TEXT, f"focus ring {selfcheck.FOCUS_RING} on {page} is {ratio:.2f}:1, below {NON_TEXT}:1"


# In Chromium -------------------------------------------------------------------------------------------
QUESTIONS = [
    {"question": "Which CTCAE v5.0 grade is a platelet count of 22 × 10^9/L?", "type": "multiple_choice",
     "answers": [{"answer": "Grade 3", "correct": False, "feedback": "Grade 3 stops at 25; see [the table](#ctcae)."},
                 {"answer": "Grade 4", "correct": True, "feedback": "Below 25 × 10^9/L is grade 4."},
                 {"answer": "Grade 2", "correct": False, "feedback": "Grade 2 stops at 50."}]},
    {"question": "Which of these can cause thrombocytopenia?", "type": "many_choice",  # no "choose all": the quiz adds it
     "answers": [{"answer": "Marrow infiltration", "correct": True, "feedback": "Tumour crowds out the marrow (myelophthisis)."},
                 {"answer": "Iron supplements", "correct": False, "feedback": "Iron does not cause thrombocytopenia."},
                 {"answer": "Myelosuppressive chemotherapy", "correct": True, "feedback": "The count is lowest at the nadir."}]},
]
ONE, MANY = 0, 1  # the questions, in the order drawn
#: A question's box (jupyterquiz also gives its links the class Quiz).
QUESTION = "[id^=quizWrap]"


def write_quiz_page(folder: Path, name: str, background: str, text: str, head: str = "") -> Path:
    """A page holding the demo quiz, on ``background`` with ``text`` as the page's own text colour (``head``: more
    of the page's head)."""
    (folder / "demo.json").write_text(json.dumps(QUESTIONS), encoding="utf-8")
    html, javascript = selfcheck.quiz_parts("demo", folder)
    page = folder / name
    page.write_text(f'<!doctype html><html lang="en"><head><meta charset="utf-8"><title>Self-check</title>{head}</head>'
                    f'<body style="background: {background}; color: {text}">'
                    f'<main><h1>Self-check</h1>{html}</div><script>{javascript}</script></main>'
                    # the keys that reach the page, as JupyterLab's shortcuts would see them
                    "<script>window.keysSeen = []; document.addEventListener('keydown', e => keysSeen.push(e.key));"
                    "</script></body></html>",
                    encoding="utf-8")
    return page


@pytest.fixture(scope="module")
def quiz_file(tmp_path_factory: pytest.TempPathFactory) -> Path:
    return write_quiz_page(tmp_path_factory.mktemp("quiz"), "quiz.html", LIGHT_PAGE, "#000000")


@pytest.fixture(scope="module")
def dark_quiz_file(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """The quiz as JupyterLab's dark theme shows it: on #111111, the page's own text white."""
    return write_quiz_page(tmp_path_factory.mktemp("quiz-dark"), "quiz-dark.html", DARK_PAGE, DARK_PAGE_TEXT)


@pytest.fixture(scope="module")
def browser(chromium_path: str, axe_ready: None):
    with servers.chromium(chromium_path) as chromium:
        yield chromium


@pytest.fixture(scope="module")
def quiz_before_mathjax_file(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """The quiz drawn while MathJax is still loading: a MathJax object without a version yet (as in Voila)."""
    return write_quiz_page(tmp_path_factory.mktemp("quiz-mathjax"), "quiz-mathjax.html", LIGHT_PAGE, "#000000",
                           head="<script>window.MathJax = {startup: {typeset: false}};</script>")


def open_quiz(browser, path: Path) -> Iterator[Page]:
    """A fresh copy of the quiz page ``path`` (reduced motion: answered options take their colour at once); no
    script error on it."""
    page = browser.new_page(viewport={"width": 1280, "height": 720}, reduced_motion="reduce")
    errors: list[str] = []
    page.on("pageerror", lambda error: errors.append(str(error)))
    page.goto(path.as_uri())
    # jupyterquiz draws the options and utils.selfcheck's layer runs on them in the same task
    page.wait_for_function("() => document.querySelectorAll('.MCButton').length === 6", timeout=15_000)
    yield page
    page.close()
    assert errors == [], errors


@pytest.fixture
def quiz(browser, quiz_file: Path) -> Iterator[Page]:
    yield from open_quiz(browser, quiz_file)


@pytest.fixture
def dark_quiz(browser, dark_quiz_file: Path) -> Iterator[Page]:
    yield from open_quiz(browser, dark_quiz_file)


def test_a_quiz_drawn_before_mathjax_is_ready_throws_nothing(browser, quiz_before_mathjax_file: Path):
    for page in open_quiz(browser, quiz_before_mathjax_file):  # fails on any script error when the page closes
        page.wait_for_timeout(800)  # jupyterquiz looks at MathJax again after 500 ms
        option(page, ONE, 1).click()
        assert feedback(page, ONE).startswith(selfcheck.CUE_RIGHT)


def option(page, question: int, answer: int):
    return page.locator(QUESTION).nth(question).locator("label.MCButton").nth(answer)


def settled(page) -> None:
    page.evaluate("() => Promise.all(document.getAnimations().map(a => a.finished))")


def feedback(page, question: int) -> str:
    return page.locator(QUESTION).nth(question).locator(".Feedback").inner_text().strip()


def marker(page, question: int, answer: int) -> dict:
    """What the option's marker (its ::before) shows, and whether its input is checked."""
    return option(page, question, answer).evaluate("""label => {
        const style = getComputedStyle(label, '::before');
        return {content: style.content, radius: style.borderTopLeftRadius, fill: style.backgroundColor,
                checked: label.querySelector('input').checked, type: label.querySelector('input').type,
                verdict: label.querySelector('.bmm-verdict').textContent.trim()};
    }""")


def answer_and_check_with_axe(page: Page, where: str) -> list[str]:
    """axe on the quiz unanswered, after one wrong and one right answer, and with the verdicts swapped; returns a
    summary line per state and fails on a critical or serious violation in any."""
    from accessibility import blocking, describe, summary, violations

    states = [(f"self-check{where}, unanswered", violations(page))]
    option(page, ONE, 0).click()  # wrong
    option(page, MANY, 0).click()  # right
    settled(page)
    states.append((f"self-check{where}, one wrong and one right answer", violations(page)))
    option(page, ONE, 1).click()  # right
    option(page, MANY, 1).click()  # wrong
    settled(page)
    states.append((f"self-check{where}, the verdicts swapped", violations(page)))
    lines = [summary(label, found) for label, found in states]
    print("\n".join(lines))
    for line, (_, found) in zip(lines, states):
        assert blocking(found) == [], f"{line}\n{describe(blocking(found))}"
    return lines


def test_quiz_passes_axe_before_and_after_answering(quiz, dark_quiz):
    lines = answer_and_check_with_axe(quiz, "") + answer_and_check_with_axe(dark_quiz, " on a dark theme")
    REPORT.parent.mkdir(parents=True, exist_ok=True)
    REPORT.write_text("\n".join(lines) + "\n", encoding="utf-8")


def test_on_a_dark_theme_the_feedback_and_the_focus_ring_keep_their_contrast(dark_quiz):
    option(dark_quiz, ONE, 0).click()
    shown = dark_quiz.locator(QUESTION).nth(ONE).locator(".Feedback").evaluate(
        "fb => [getComputedStyle(fb).backgroundColor, getComputedStyle(fb).color]")
    assert shown == [rgb(selfcheck.FEEDBACK_BACKGROUND), rgb(selfcheck.quiz_colours()["--jq-incorrect-color"])], shown
    empty = dark_quiz.locator(QUESTION).nth(MANY).locator(".Feedback").evaluate("fb => getComputedStyle(fb).backgroundColor")
    assert empty == "rgba(0, 0, 0, 0)", "an empty feedback area shows no white box"
    option(dark_quiz, MANY, 0).locator("input").focus()
    ring = option(dark_quiz, MANY, 0).evaluate("label => [getComputedStyle(label).outlineStyle, getComputedStyle(label).outlineColor]")
    assert ring == ["solid", rgb(selfcheck.FOCUS_RING)], ring


def rgb(colour: str) -> str:
    """``colour`` as getComputedStyle writes an opaque colour."""
    red, green, blue, _ = (round(c * 255) for c in to_rgba(colour))
    return f"rgb({red}, {green}, {blue})"


def test_a_wrong_answer_is_said_in_words_and_marked(quiz):
    area = quiz.locator(QUESTION).nth(ONE).locator(".Feedback")
    assert area.get_attribute("aria-live") == "polite"  # announced by screen readers
    option(quiz, ONE, 0).click()
    assert feedback(quiz, ONE).startswith(f"{selfcheck.CUE_WRONG} Grade 3 stops at 25")
    wrong = marker(quiz, ONE, 0)
    assert "\u2717" in wrong["content"] and wrong["checked"] and wrong["verdict"] == "(your choice: not right)", wrong
    option(quiz, ONE, 1).click()
    assert feedback(quiz, ONE).startswith(f"{selfcheck.CUE_RIGHT} Below 25")
    right, before = marker(quiz, ONE, 1), marker(quiz, ONE, 0)
    assert "\u2713" in right["content"] and right["checked"] and right["verdict"] == "(your choice: correct)", right
    assert not before["checked"] and before["verdict"] == "" and "\u2717" not in before["content"], before


def test_choose_all_questions_show_boxes_that_fill(quiz):
    question = quiz.locator(QUESTION).nth(MANY)
    assert "(Choose all that apply.)" in question.locator("[id^=quizQn]").inner_text()
    assert question.locator(".Answer").get_attribute("role") == "group"
    assert quiz.locator(QUESTION).nth(ONE).locator(".Answer").get_attribute("role") == "radiogroup"
    one, box = marker(quiz, ONE, 0), marker(quiz, MANY, 0)
    assert (one["type"], one["radius"]) == ("radio", "50%") and (box["type"], box["radius"]) == ("checkbox", "3px")
    empty = box["fill"]
    option(quiz, MANY, 0).click()
    settled(quiz)
    chosen = marker(quiz, MANY, 0)
    assert chosen["checked"] and chosen["fill"] != empty and "\u2713" in chosen["content"], (empty, chosen)
    assert feedback(quiz, MANY).endswith("(1 of 2 right answers chosen.)")
    option(quiz, MANY, 2).click()
    assert feedback(quiz, MANY).endswith("(2 of 2 right answers chosen.)")
    assert marker(quiz, MANY, 0)["checked"] and marker(quiz, MANY, 2)["checked"]
    option(quiz, MANY, 0).click()  # choosing a found answer again keeps it chosen
    assert marker(quiz, MANY, 0)["checked"] and feedback(quiz, MANY).endswith("(2 of 2 right answers chosen.)")


def test_options_work_from_the_keyboard(quiz):
    quiz.keyboard.press("Tab")
    focused = quiz.evaluate("() => [document.activeElement.tagName, document.activeElement.closest('label').id]")
    assert focused == ["INPUT", option(quiz, ONE, 0).get_attribute("id")], focused
    outline = option(quiz, ONE, 0).evaluate("label => getComputedStyle(label).outlineStyle")
    assert outline != "none"  # where the focus is shows
    quiz.evaluate("() => { keysSeen.length = 0; }")
    quiz.keyboard.press("Space")
    assert feedback(quiz, ONE).startswith(selfcheck.CUE_WRONG)
    quiz.keyboard.press("ArrowRight")  # the next option of a one-answer question, as for any radio group
    assert feedback(quiz, ONE).startswith(selfcheck.CUE_RIGHT)
    assert quiz.evaluate("() => keysSeen") == []  # JupyterLab would otherwise move to the next cell
    quiz.keyboard.press("Shift+Enter")  # but its run-the-cell key still reaches it, and chooses nothing
    assert quiz.evaluate("() => keysSeen") == ["Shift", "Enter"] and feedback(quiz, ONE).startswith(selfcheck.CUE_RIGHT)
    quiz.keyboard.press("Tab")  # on to the choose-all question
    quiz.keyboard.press("Enter")
    assert marker(quiz, MANY, 0)["checked"] and feedback(quiz, MANY).startswith(selfcheck.CUE_RIGHT)
