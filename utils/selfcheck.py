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
#: Colour-blind-safe feedback colours (Okabe-Ito bluish green and vermillion).
QUIZ_COLOURS = {"--jq-correct-color": "#009E73", "--jq-incorrect-color": "#D55E00", "--jq-multiple-choice-bg": "#0072B2"}
#: jupyterquiz's own palette, completed by QUIZ_COLOURS (it expects every key).
_JQ_DEFAULT_COLOURS = {
    "--jq-multiple-choice-bg": "#392061", "--jq-mc-button-bg": "#fafafa", "--jq-mc-button-border": "#e0e0e0e0",
    "--jq-mc-button-inset-shadow": "#555555", "--jq-many-choice-bg": "#f75c03ff", "--jq-numeric-bg": "#392061ff",
    "--jq-numeric-input-bg": "#c0c0c0", "--jq-numeric-input-label": "#101010", "--jq-numeric-input-shadow": "#999999",
    "--jq-string-bg": "#4c1a57", "--jq-incorrect-color": "#c80202", "--jq-correct-color": "#009113",
    "--jq-text-color": "#fafafa", "--jq-link-color": "#9abafa",
}


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
    if question["type"] == "many_choice" and correct < 1:
        raise QuizError(f"{where}: a many_choice question needs at least one correct answer")


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


def quiz_parts(name: str, folder: Path | str = SELF_CHECK_DIR) -> tuple[str, str]:
    """The HTML and JavaScript of the quiz, built with jupyterquiz's own renderer.

    Built as jupyterquiz's ``display_quiz`` builds them, with two changes: the container
    id comes from a generator seeded with ``name`` (so stored outputs never change), and
    the CDN fallback for MathJax is removed.
    """
    from jupyterquiz.dynamic.loader import load_questions_script
    from jupyterquiz.dynamic.renderer import build_script, build_styles, render_div

    questions = load_questions(name, folder)
    div_id = "".join(random.Random(f"selfcheck:{name}").choice(string.ascii_letters) for _ in range(12))
    prefix, static, url = load_questions_script(questions, div_id)
    html = render_div(div_id, False, False, False, 1_000_000, 800, 10, "left") + build_styles(div_id, {**_JQ_DEFAULT_COLOURS, **QUIZ_COLOURS})
    javascript = build_script(prefix, static, url, div_id, True)
    if _CDN_MATHJAX in javascript:
        javascript = javascript.replace(_CDN_MATHJAX, _NO_CDN)
    if "https://" in javascript or "http://" in javascript.replace('href="http$1"', "").replace(">http$1<", ""):
        raise RuntimeError("jupyterquiz's script refers to the network; check utils.selfcheck after upgrading jupyterquiz")
    return html, javascript
