"""The self-check quiz for every resident: contrast of each colour pair, and, in Chromium, word cues,
markers that do not rely on colour, keyboard use and axe-core on the quiz before and after answering.

The browser tests open a static page built from :func:`utils.selfcheck.quiz_parts` (no kernel, no
server): the same HTML and script a notebook stores and the site, JupyterLab and Voila show.
"""

from __future__ import annotations

import json
from pathlib import Path

import pytest
import servers
from matplotlib.colors import to_rgba

from utils import selfcheck

PROJECT_ROOT = Path(__file__).resolve().parent.parent
REPORT = PROJECT_ROOT / "build" / "accessibility" / "selfcheck.txt"
#: The quiz sits on a white page: JupyterLab's light theme, the offline site and the slides.
PAGE_BACKGROUND = "#ffffff"
AA_TEXT = 4.5


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
        ("feedback, right", colours["--jq-correct-color"], PAGE_BACKGROUND),
        ("feedback, wrong", colours["--jq-incorrect-color"], PAGE_BACKGROUND),
    ]


def test_contrast_follows_wcag():
    assert contrast("#000000", "#ffffff") == pytest.approx(21)
    assert contrast("#777777", "#ffffff") == pytest.approx(4.48, abs=0.01)  # the classic just-too-light grey
    assert contrast("#f75c03", "#fafafa") < AA_TEXT  # jupyterquiz's orange header, as axe found it (3.1:1)


@pytest.mark.parametrize(("where", "text", "background"), colour_pairs(), ids=[p[0] for p in colour_pairs()])
def test_every_quiz_colour_pair_reaches_aa(where: str, text: str, background: str):
    ratio = contrast(text, background)
    assert ratio >= AA_TEXT, f"{where}: {text} on {background} is {ratio:.2f}:1, below {AA_TEXT}:1"


# In Chromium -------------------------------------------------------------------------------------------
QUESTIONS = [
    {"question": "Which CTCAE v5.0 grade is a platelet count of 22 × 10^9/L?", "type": "multiple_choice",
     "answers": [{"answer": "Grade 3", "correct": False, "feedback": "Grade 3 stops at 25; see [the table](#ctcae)."},
                 {"answer": "Grade 4", "correct": True, "feedback": "Below 25 × 10^9/L is grade 4."},
                 {"answer": "Grade 2", "correct": False, "feedback": "Grade 2 stops at 50."}]},
    {"question": "Which of these lower the platelet count?", "type": "many_choice",  # no "choose all": the quiz adds it
     "answers": [{"answer": "Marrow infiltration", "correct": True, "feedback": "Less room for megakaryocytes."},
                 {"answer": "Iron supplements", "correct": False, "feedback": "Iron does not lower platelets."},
                 {"answer": "Myelosuppressive chemotherapy", "correct": True, "feedback": "The usual nadir."}]},
]
ONE, MANY = 0, 1  # the questions, in the order drawn
#: A question's box (jupyterquiz also gives its links the class Quiz).
QUESTION = "[id^=quizWrap]"


@pytest.fixture(scope="module")
def quiz_file(tmp_path_factory: pytest.TempPathFactory) -> Path:
    folder = tmp_path_factory.mktemp("quiz")
    (folder / "demo.json").write_text(json.dumps(QUESTIONS), encoding="utf-8")
    html, javascript = selfcheck.quiz_parts("demo", folder)
    page = folder / "quiz.html"
    page.write_text('<!doctype html><html lang="en"><head><meta charset="utf-8"><title>Self-check</title></head>'
                    f'<body><main><h1>Self-check</h1>{html}</div><script>{javascript}</script></main>'
                    # the keys that reach the page, as JupyterLab's shortcuts would see them
                    "<script>window.keysSeen = []; document.addEventListener('keydown', e => keysSeen.push(e.key));"
                    "</script></body></html>",
                    encoding="utf-8")
    return page


@pytest.fixture(scope="module")
def browser(chromium_path: str, axe_ready: None):
    with servers.chromium(chromium_path) as chromium:
        yield chromium


@pytest.fixture
def quiz(browser, quiz_file: Path):
    """A fresh copy of the quiz page (reduced motion: answered options take their colour at once)."""
    page = browser.new_page(viewport={"width": 1280, "height": 720}, reduced_motion="reduce")
    errors: list[str] = []
    page.on("pageerror", lambda error: errors.append(str(error)))
    page.goto(quiz_file.as_uri())
    # jupyterquiz draws the options and utils.selfcheck's layer runs on them in the same task
    page.wait_for_function("() => document.querySelectorAll('.MCButton').length === 6", timeout=15_000)
    yield page
    page.close()
    assert errors == [], errors


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


def test_quiz_passes_axe_before_and_after_answering(quiz):
    from accessibility import blocking, describe, summary, violations

    lines = []
    before = violations(quiz)
    lines.append(summary("self-check, unanswered", before))
    option(quiz, ONE, 0).click()  # wrong
    option(quiz, MANY, 0).click()  # right
    settled(quiz)
    after_some = violations(quiz)
    lines.append(summary("self-check, one wrong and one right answer", after_some))
    option(quiz, ONE, 1).click()  # right
    option(quiz, MANY, 1).click()  # wrong
    settled(quiz)
    after_more = violations(quiz)
    lines.append(summary("self-check, the verdicts swapped", after_more))
    REPORT.parent.mkdir(parents=True, exist_ok=True)
    REPORT.write_text("\n".join(lines) + "\n", encoding="utf-8")
    print("\n".join(lines))
    for line, found in zip(lines, (before, after_some, after_more)):
        assert blocking(found) == [], f"{line}\n{describe(blocking(found))}"


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
