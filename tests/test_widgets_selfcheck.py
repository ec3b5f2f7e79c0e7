"""utils.widgets (the wiring layer) and utils.selfcheck (question files and quiz display)."""

import json
import random
from unittest import mock

import ipywidgets as widgets
import pytest

from utils import selfcheck
from utils.widgets import explorer


def test_explorer_redraws_on_change_and_resets_to_as_reported():
    calls = []
    slider = widgets.IntSlider(value=3, min=0, max=10)
    box = explorer("Demo", {"cycles": slider}, render=lambda cycles: calls.append(cycles))
    assert calls == [3]  # drawn once when built
    slider.value = 7  # setting a value fires the observers, no kernel needed
    assert calls[-1] == 7 and box.values() == {"cycles": 7}
    box.reset_button.click()
    assert slider.value == 3 and calls[-1] == 3


QUESTION = {
    "question": "Which grade?", "type": "multiple_choice",
    "answers": [{"answer": "1", "correct": False, "feedback": "Too mild because ..."},
                {"answer": "3", "correct": True, "feedback": "Right: below 8.0 g/dL ..."}],
}


def write(tmp_path, questions):
    (tmp_path / "q.json").write_text(json.dumps(questions))
    return tmp_path


def test_check_returns_the_verdict_and_the_reason():
    assert selfcheck.check(QUESTION, "3") == selfcheck.Feedback(True, "Right: below 8.0 g/dL ...")
    assert selfcheck.check(QUESTION, "1").correct is False
    with pytest.raises(KeyError, match="'2' is not one of the answers"):
        selfcheck.check(QUESTION, "2")


@pytest.mark.parametrize(("change", "message"), [
    (lambda q: q["answers"][0].update(correct=True), "needs exactly one correct answer, found 2"),
    (lambda q: q["answers"][1].update(feedback=""), "answer b: 'feedback' must explain"),
    (lambda q: q.update(type="essay"), "'type' must be one of multiple_choice, many_choice"),
    (lambda q: q.update(answers=q["answers"][:1]), "at least two answers"),
    (lambda q: q.update(type="many_choice"), "many_choice question needs at least two correct answers, found 1"),
])
def test_malformed_questions_are_named(tmp_path, change, message):
    question = json.loads(json.dumps(QUESTION))
    change(question)
    with pytest.raises(selfcheck.QuizError, match=rf"q\.json, question 1.*{message}"):
        selfcheck.load_questions("q", write(tmp_path, [question]))


def test_invalid_json_names_the_line(tmp_path):
    (tmp_path / "q.json").write_text('[\n{"question": }\n]')
    with pytest.raises(selfcheck.QuizError, match=r"q\.json, line 2: not valid JSON"):
        selfcheck.load_questions("q", tmp_path)


def test_quiz_is_deterministic_offline_and_leaves_the_global_generator_alone(tmp_path):
    folder = write(tmp_path, [QUESTION])
    random.seed(1234)
    expected_next = random.random()
    random.seed(1234)
    first, second = selfcheck.quiz_parts("q", folder), selfcheck.quiz_parts("q", folder)
    assert first == second
    html, javascript = first
    assert "Which grade?" in javascript and 'data-shuffleanswers="False"' in html
    assert "cdn.jsdelivr" not in javascript and "utils.selfcheck: never load MathJax" in javascript
    assert random.random() == expected_next


def test_quiz_carries_the_accessibility_layer(tmp_path):
    html, javascript = selfcheck.quiz_parts("q", write(tmp_path, [QUESTION]))
    div_id = html.split('"')[1]
    assert f"#{div_id} .MCButton::before" in html and selfcheck.QUIZ_COLOURS["--jq-correct-color"] in html
    assert javascript.index("function bmmQuizAccess") < javascript.index("function try_show()")
    assert f'show_questions(questions{div_id}, {div_id});\n    bmmQuizAccess("{div_id}");' in javascript


def test_each_course_quiz_has_its_own_container_id():
    names = sorted(path.stem for path in selfcheck.SELF_CHECK_DIR.glob("*.json"))
    ids = [selfcheck.quiz_parts(name)[0].split('"')[1] for name in names]
    assert len(names) >= 7 and len(set(ids)) == len(ids), dict(zip(names, ids))
    assert all(len(set(div_id)) > 1 for div_id in ids), ids  # twelve draws, not one letter repeated


@pytest.mark.parametrize("changed", ['lab.className = "MCButton";', 'fb.classList.add("incorrect");', "function try_show() {"])
def test_quiz_fails_loudly_when_jupyterquiz_changes(tmp_path, changed):
    from jupyterquiz.dynamic import renderer

    real = renderer.build_script
    with mock.patch.object(renderer, "build_script", lambda *a: real(*a).replace(changed, "/* changed */")):
        with pytest.raises(RuntimeError, match="jupyterquiz's script has changed"):
            selfcheck.quiz_parts("q", write(tmp_path, [QUESTION]))


def test_show_displays_the_html_then_the_script(tmp_path):
    shown = []
    with mock.patch("IPython.display.display", side_effect=shown.append):
        selfcheck.show("q", write(tmp_path, [QUESTION]))
    assert [type(o).__name__ for o in shown] == ["HTML", "Javascript"]


def test_every_notebook_question_file_is_valid():
    for path in sorted(selfcheck.SELF_CHECK_DIR.glob("*.json")):
        assert selfcheck.load_questions(path.stem), path
