"""Self-check questions: kept as data beside the notebooks, shown with jupyterquiz.

Each notebook's questions live in ``notebooks/selfcheck/<notebook name>.json``, in the
question format of jupyterquiz (https://github.com/jmshea/jupyterquiz)::

    [{"question": "...", "type": "multiple_choice",
      "answers": [{"answer": "...", "correct": true, "feedback": "why ..."}, ...]}]

``many_choice`` questions (several correct answers) are allowed too. Every answer carries
feedback that explains *why*, right or wrong.

* :func:`load_questions` reads and checks a question file (clear errors naming the file,
  the question and the field);
* :func:`check` says whether a choice is right and returns its feedback (plain Python,
  used by the tests and by anyone working without JavaScript);
* :func:`show` displays the questions as an interactive quiz. jupyterquiz renders with
  inline JavaScript, in JupyterLab, Voila and static HTML. Its container id comes from a
  generator seeded with the notebook name, so the stored output is the same on every run,
  and its one CDN fallback (for MathJax) is removed, so nothing is fetched from the network.

The quiz is made readable without colour and usable without a mouse (:func:`quiz_parts`
adds a small style sheet and script to jupyterquiz's own):

* every text/background pair of :data:`QUIZ_COLOURS` reaches the WCAG AA contrast of 4.5:1
  (tests/test_selfcheck_accessibility.py computes each pair);
* feedback starts with a word, *Correct.* or *Not quite.*, and is announced by screen
  readers (``aria-live``); a chosen option shows a tick or a cross, with the verdict in words
  for screen readers;
* options show a circle (one answer) or a box (``many_choice``: choose all that apply) that
  fills when chosen. jupyterquiz's hidden radio buttons (checkboxes on ``many_choice``
  questions) take the keyboard: Tab reaches a question, the arrow keys move between the
  answers of a one-answer question, Space or Enter chooses.
"""

from __future__ import annotations

import json
import random
import string
from dataclasses import dataclass
from pathlib import Path

from utils import PROJECT_ROOT

#: Where the question files are.
SELF_CHECK_DIR: Path = PROJECT_ROOT / "notebooks" / "selfcheck"
QUESTION_TYPES = ("multiple_choice", "many_choice")
#: The quiz's colours: Okabe-Ito hues (colour-blind safe), darkened where needed so that every text
#: and background pair the quiz uses reaches 4.5:1 (WCAG AA): white text on the question headers
#: and on answered options, and the verdict colours as text on the feedback's white background.
#: Right and wrong also differ by a word and a tick or cross, never by colour alone.
QUIZ_COLOURS = {
    "--jq-multiple-choice-bg": "#0072B2",  # Okabe-Ito blue, 5.2:1 with white
    "--jq-many-choice-bg": "#8E3B75",  # Okabe-Ito reddish purple, darkened: 6.9:1
    "--jq-correct-color": "#00785A",  # bluish green, darkened: 5.5:1 (#009E73 itself is 3.4:1)
    "--jq-incorrect-color": "#B34700",  # vermillion, darkened: 5.5:1 (#D55E00 is 3.9:1)
    "--jq-text-color": "#ffffff",
    "--jq-link-color": "#ffffff",  # links take their surrounding text's colour (see _ACCESS_CSS)
}
#: The feedback's own background, so that its verdict colour keeps its contrast on a dark theme too
#: (jupyterquiz leaves it on the page: JupyterLab's dark theme is #111111, where the verdict colours
#: reach only 3.4:1).
FEEDBACK_BACKGROUND = "#ffffff"
#: The focus ring around an option: Okabe-Ito blue, at least 3:1 (WCAG 1.4.11) on a light page
#: (5.2:1 on white) and on a dark one (3.6:1 on #111111); the near-black it replaces vanished on a dark theme.
FOCUS_RING = "#0072B2"
#: jupyterquiz's own palette, completed by QUIZ_COLOURS (it expects every key).
_JQ_DEFAULT_COLOURS = {
    "--jq-multiple-choice-bg": "#392061", "--jq-mc-button-bg": "#fafafa", "--jq-mc-button-border": "#e0e0e0e0",
    "--jq-mc-button-inset-shadow": "#555555", "--jq-many-choice-bg": "#f75c03ff", "--jq-numeric-bg": "#392061ff",
    "--jq-numeric-input-bg": "#c0c0c0", "--jq-numeric-input-label": "#101010", "--jq-numeric-input-shadow": "#999999",
    "--jq-string-bg": "#4c1a57", "--jq-incorrect-color": "#c80202", "--jq-correct-color": "#009113",
    "--jq-text-color": "#fafafa", "--jq-link-color": "#9abafa",
}
#: The colour of an unanswered option's text (jupyterquiz's ``.MCButton``, fixed in its style sheet).
MC_BUTTON_TEXT = "#333333"
#: The words that open the feedback (the test of the quiz page looks for them).
CUE_RIGHT, CUE_WRONG = "Correct.", "Not quite."


def quiz_colours() -> dict[str, str]:
    """Every colour variable the quiz's style sheet receives (jupyterquiz's defaults, then ours)."""
    return {**_JQ_DEFAULT_COLOURS, **QUIZ_COLOURS}


class QuizError(ValueError):
    """A question file that does not follow the format."""


@dataclass(frozen=True)
class Feedback:
    """The verdict on one choice, and why."""

    correct: bool
    text: str


def load_questions(name: str, folder: Path | str = SELF_CHECK_DIR) -> list[dict]:
    """Read ``<folder>/<name>.json`` and check every question; return the list of questions."""
    path = Path(folder) / f"{name}.json"
    try:
        questions = json.loads(path.read_text(encoding="utf-8"))
    except FileNotFoundError:
        raise QuizError(f"{path}: no such question file") from None
    except json.JSONDecodeError as error:
        raise QuizError(f"{path}, line {error.lineno}: not valid JSON ({error.msg})") from None
    if not isinstance(questions, list) or not questions:
        raise QuizError(f"{path}: expected a non-empty list of questions")
    for number, question in enumerate(questions, start=1):
        _check_question(f"{path}, question {number}", question)
    return questions


def _check_question(where: str, question: dict) -> None:
    if not isinstance(question.get("question"), str) or not question["question"].strip():
        raise QuizError(f"{where}: 'question' must be non-empty text")
    if question.get("type") not in QUESTION_TYPES:
        raise QuizError(f"{where}: 'type' must be one of {', '.join(QUESTION_TYPES)}, found {question.get('type')!r}")
    answers = question.get("answers")
    if not isinstance(answers, list) or len(answers) < 2:
        raise QuizError(f"{where}: 'answers' must list at least two answers")
    for letter, answer in zip("abcdefghij", answers):
        if not isinstance(answer.get("answer"), str) or not isinstance(answer.get("correct"), bool):
            raise QuizError(f"{where}, answer {letter}: needs 'answer' (text) and 'correct' (true or false)")
        if not str(answer.get("feedback", "")).strip():
            raise QuizError(f"{where}, answer {letter}: 'feedback' must explain why the answer is right or wrong")
    correct = sum(a["correct"] for a in answers)
    if question["type"] == "multiple_choice" and correct != 1:
        raise QuizError(f"{where}: a multiple_choice question needs exactly one correct answer, found {correct}")
    if question["type"] == "many_choice" and correct < 2:
        # jupyterquiz shows a question with one right answer as a one-answer question, whatever its type
        raise QuizError(f"{where}: a many_choice question needs at least two correct answers, found {correct} "
                        "(use multiple_choice for one)")


def check(question: dict, chosen: str) -> Feedback:
    """The verdict and feedback for choosing the answer whose text is ``chosen``."""
    for answer in question["answers"]:
        if answer["answer"] == chosen:
            return Feedback(correct=answer["correct"], text=answer["feedback"])
    options = "; ".join(a["answer"] for a in question["answers"])
    raise KeyError(f"{chosen!r} is not one of the answers: {options}")


def show(name: str, folder: Path | str = SELF_CHECK_DIR) -> None:
    """Display the questions of ``name`` as an interactive quiz (answers in a fixed order)."""
    from IPython.display import HTML, Javascript, display

    html, javascript = quiz_parts(name, folder)
    display(HTML(html))
    display(Javascript(javascript))


#: jupyterquiz would fetch MathJax from a CDN when a page has an incomplete MathJax 3;
#: the collection must work offline, so that one statement is removed (see quiz_parts).
_CDN_MATHJAX = "script.src = 'https://cdn.jsdelivr.net/npm/mathjax@3/es5/tex-svg.js';"
_NO_CDN = "return; // utils.selfcheck: never load MathJax from a CDN"
#: jupyterquiz reads ``MathJax.version[0]`` whenever a ``MathJax`` object exists. While MathJax is still
#: loading (Voila loads it alongside the outputs) that object has no version yet, and the quiz's script
#: threw a TypeError. Every such check also asks for the version (the questions hold no mathematics, so a
#: quiz drawn before MathJax is ready loses nothing).
_MATHJAX_CHECKS = ("typeof MathJax != 'undefined'", "typeof MathJax !== 'undefined'")
#: Where the accessibility layer hooks into jupyterquiz's script (its js/static_suffix.js.tpl):
#: its functions are defined just before ``try_show``, and run on the container once
#: ``show_questions`` has drawn the questions.
_TRY_SHOW = "function try_show() {"
_SHOW_CALL = "show_questions(questions{div_id}, {div_id});"
#: The parts of jupyterquiz's script the layer relies on: the options are labels with a hidden radio
#: button, the question and feedback elements and their ids, the classes an answer sets.
_JQ_NAMES_USED = ('lab.className = "MCButton";', 'inp.type = "radio";', "this.wrapper.id = `quizWrap${id}`;",
                  "this.qDiv.id = `quizQn${id}${index}`;", "this.fbDiv.className = 'Feedback';",
                  "this.fbDiv.dataset.numcorrect = numCorrect;", 'label.classList.add("correctButton");',
                  'label.classList.add("incorrectButton");', 'fb.classList.add("correct");', 'fb.classList.add("incorrect");')

#: Added to jupyterquiz's style sheet, for this quiz only (``#@quiz`` becomes its container id).
_ACCESS_CSS = """
/* utils.selfcheck: contrast, markers and focus for jupyterquiz */
#@quiz .JQLink { color: inherit !important; }
#@quiz .sr-only { position: absolute; width: 1px; height: 1px; margin: -1px; padding: 0; border: 0;
  overflow: hidden; clip: rect(0 0 0 0); clip-path: inset(50%); white-space: nowrap; }
#@quiz .MCButton { position: relative; justify-content: flex-start; gap: 0.6em; text-align: left; line-height: 1.3; }
#@quiz .MCButton:focus-within { outline: 3px solid @focus; outline-offset: 2px; }
#@quiz .MCButton::before { content: ""; flex: none; box-sizing: border-box; width: 1.3em; height: 1.3em;
  display: inline-flex; align-items: center; justify-content: center; border: 2px solid currentColor;
  border-radius: 50%; font-weight: bold; font-size: 1.1em; line-height: 1; }
#@quiz .Answer[data-choice="many"] .MCButton::before { border-radius: 3px; }
#@quiz .MCButton.correctButton::before, #@quiz .MCButton.incorrectButton::before {
  background: var(--jq-text-color); border-color: var(--jq-text-color); }
#@quiz .MCButton.correctButton::before { content: "\\2713"; content: "\\2713" / ""; color: var(--jq-correct-color); }
#@quiz .MCButton.incorrectButton::before { content: "\\2717"; content: "\\2717" / ""; color: var(--jq-incorrect-color); }
#@quiz .Feedback { text-align: left; line-height: 1.3; margin-top: 0.4em; }
#@quiz .Feedback:not(:empty) { background: @feedback-bg; color-scheme: light; padding: 0.3em 0.6em; border-radius: 4px; }
#@quiz .Feedback .bmm-cue { font-weight: bold; }
#@quiz .bmm-hint { font-style: italic; }
@media (prefers-reduced-motion: reduce) {
  #@quiz .correctButton, #@quiz .incorrectButton { animation-duration: 1ms; }
}
"""

#: The accessibility layer, run on the quiz once jupyterquiz has drawn it. jupyterquiz resets the
#: options' classes and rewrites the feedback on every click; this runs after it (a listener on the
#: answers, which the click reaches after the option's own handler) and brings the rest in line.
_ACCESS_JS = r"""
// utils.selfcheck: words, markers, keyboard and screen-reader support for jupyterquiz
var BMM_QUIZ_KEYS = /^(Arrow(Up|Down|Left|Right)|Home|End| |Enter)$/;
function bmmQuizAccess(root) {
    if (typeof root === 'string') root = document.getElementById(root);
    if (!root || root.dataset.bmmAccess) return;
    root.dataset.bmmAccess = '1';
    root.querySelectorAll('.Quiz[id^="quizWrap"]').forEach(function (wrap) {
        var answers = wrap.querySelector('.Answer'), fb = wrap.querySelector('.Feedback');
        var question = wrap.querySelector('[id^="quizQn"]');
        if (!answers || !fb) return;
        var many = Number(fb.dataset.numcorrect) > 1;
        answers.dataset.choice = many ? 'many' : 'one';
        answers.setAttribute('role', many ? 'group' : 'radiogroup');
        if (question) {
            answers.setAttribute('aria-labelledby', question.id);
            if (many && !/all that apply/i.test(question.textContent)) {
                var hint = document.createElement('span');
                hint.className = 'bmm-hint';
                hint.textContent = ' (Choose all that apply.)';
                question.appendChild(hint);
            }
        }
        answers.querySelectorAll('label.MCButton').forEach(function (label) {
            var input = label.querySelector('input');
            if (input && many) input.type = 'checkbox';
            var verdict = document.createElement('span');
            verdict.className = 'bmm-verdict sr-only';
            label.appendChild(verdict);
        });
        fb.setAttribute('aria-live', 'polite');
        fb.setAttribute('aria-atomic', 'true');
        answers.addEventListener('click', function () { bmmQuizSync(wrap); });
        answers.addEventListener('keydown', function (event) {
            if (event.target.tagName !== 'INPUT' || !BMM_QUIZ_KEYS.test(event.key)) return;
            if (event.ctrlKey || event.altKey || event.metaKey || event.shiftKey) return;  // Shift+Enter still runs a cell
            event.stopPropagation();  // the option's keys, not JupyterLab's (whose arrows move between cells)
            if (event.key === 'Enter') {
                event.preventDefault();
                event.target.click();
            }
        });
    });
}
function bmmQuizSync(wrap) {
    wrap.querySelectorAll('.Answer label.MCButton').forEach(function (label) {
        var right = label.classList.contains('correctButton'), wrong = label.classList.contains('incorrectButton');
        var input = label.querySelector('input'), verdict = label.querySelector('.bmm-verdict');
        if (input) input.checked = right || wrong;
        if (verdict) verdict.textContent = right ? ' (your choice: correct)' : wrong ? ' (your choice: not right)' : '';
    });
    var fb = wrap.querySelector('.Feedback');
    var right = fb.classList.contains('correct'), wrong = fb.classList.contains('incorrect');
    if (!(right || wrong) || fb.querySelector('.bmm-cue')) return;
    var text = fb.innerHTML.replace(/\s*\[(-?\d+)\/(\d+)\]\s*$/, function (all, found, total) {
        return ' (' + Math.max(0, Number(found)) + ' of ' + total + ' right answers chosen.)';
    });
    fb.innerHTML = '<span class="bmm-cue">' + (right ? '@right' : '@wrong') + '</span> ' + text;
}
"""


def quiz_parts(name: str, folder: Path | str = SELF_CHECK_DIR) -> tuple[str, str]:
    """The HTML and JavaScript of the quiz, built with jupyterquiz's own renderer.

    Built as jupyterquiz's ``display_quiz`` builds them, with these changes: the container id
    comes from a generator seeded with ``name`` (so stored outputs never change); the CDN
    fallback for MathJax is removed; the colours are :data:`QUIZ_COLOURS`; and a small style
    sheet and script (``_ACCESS_CSS``, ``_ACCESS_JS``) add the word cues, markers, keyboard and
    screen-reader support described in the module's docstring. Each change is made on text
    found in jupyterquiz's output; if an upgrade changes that text, this raises instead of
    quietly showing a quiz without them.
    """
    from jupyterquiz.dynamic.loader import load_questions_script
    from jupyterquiz.dynamic.renderer import build_script, build_styles, render_div

    questions = load_questions(name, folder)
    seeded = random.Random(f"selfcheck:{name}")  # one generator for the twelve letters (not one per letter)
    div_id = "".join(seeded.choice(string.ascii_letters) for _ in range(12))
    prefix, static, url = load_questions_script(questions, div_id)
    access_css = (_ACCESS_CSS.replace("#@quiz", f"#{div_id}").replace("@focus", FOCUS_RING)
                  .replace("@feedback-bg", FEEDBACK_BACKGROUND))
    html = (render_div(div_id, False, False, False, 1_000_000, 800, 10, "left") + build_styles(div_id, quiz_colours())
            + f"<style>{access_css}</style>")
    javascript = build_script(prefix, static, url, div_id, True)
    if _CDN_MATHJAX in javascript:
        javascript = javascript.replace(_CDN_MATHJAX, _NO_CDN)
    if not any(check in javascript for check in _MATHJAX_CHECKS):
        raise RuntimeError("jupyterquiz's script no longer checks for MathJax as expected; check utils.selfcheck's "
                           "guard for a MathJax that is still loading after upgrading jupyterquiz")
    for check in _MATHJAX_CHECKS:
        javascript = javascript.replace(check, f"({check} && MathJax.version)")
    if "https://" in javascript or "http://" in javascript.replace('href="http$1"', "").replace(">http$1<", ""):
        raise RuntimeError("jupyterquiz's script refers to the network; check utils.selfcheck after upgrading jupyterquiz")
    show_call = _SHOW_CALL.format(div_id=div_id)
    for text in (_TRY_SHOW, show_call, *_JQ_NAMES_USED):
        if text not in javascript or (text in (_TRY_SHOW, show_call) and javascript.count(text) != 1):
            raise RuntimeError(f"jupyterquiz's script has changed (expected {text!r}); "
                               "check utils.selfcheck's accessibility layer after upgrading jupyterquiz")
    access_js = _ACCESS_JS.replace("@right", CUE_RIGHT).replace("@wrong", CUE_WRONG)
    javascript = javascript.replace(_TRY_SHOW, access_js + _TRY_SHOW)
    javascript = javascript.replace(show_call, f'{show_call}\n    bmmQuizAccess("{div_id}");')
    return html, javascript
