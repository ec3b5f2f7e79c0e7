"""utils.timeline, utils.course and utils.plots."""

import io
import re

import matplotlib
import matplotlib.pyplot as plt
import pandas as pd
import pytest

from utils import casedata, course, plots, timeline


def events(rows):
    return pd.DataFrame(rows, columns=["case_id", "milestone", "day", "day_precision"]).astype({"day": "Int64"})


def test_milestones_are_ordered_clinically_and_converted_to_years():
    table = timeline.milestones(events([
        ["b", "death", 731, "approximate"],
        ["b", "bmm_diagnosis", 0, "exact"],
        ["b", None, 12, "exact"],
        ["a", "primary_diagnosis", -365, "approximate"],
        ["b", "primary_diagnosis", -3652, "approximate"],
    ]))
    # cases in the order events.csv first lists them (the order of cases.csv), milestones in clinical order
    assert list(zip(table["case_id"], table["milestone"])) == [
        ("b", "primary_diagnosis"), ("b", "bmm_diagnosis"), ("b", "death"), ("a", "primary_diagnosis")]
    assert list(table["years"]) == [-10.0, 0.0, 2.0, -1.0]
    assert table.loc[2, "label"] == "death"


def test_milestones_of_the_curated_cases_start_at_primary_diagnosis_and_end_at_follow_up():
    table = timeline.milestones(casedata.load("events"))
    for case_id, own in table.groupby("case_id"):
        assert own["milestone"].iloc[0] == "primary_diagnosis"
        assert own["milestone"].iloc[-1] in {"death", "last_contact"}
        assert own["day"].is_monotonic_increasing


@pytest.mark.parametrize(("days", "months"), [(30.44, 1.0), (0, 0.0), (-60.88, -2.0)])
def test_days_to_months(days, months):
    assert timeline.days_to_months(days) == pytest.approx(months)


def test_course_map_links_written_notebooks_and_marks_the_others(tmp_path):
    first = course.LESSONS[0]
    (tmp_path / first.filename).write_text("{}")
    table = course.course_map_markdown(tmp_path)
    assert f"[{first.title}]({first.filename})" in table
    assert f"{course.LESSONS[1].title} *(coming)*" in table
    assert len(table.splitlines()) == len(course.LESSONS) + 2


def test_lessons_are_numbered_in_order_with_earlier_prerequisites():
    codes = [lesson.code for lesson in course.LESSONS]
    assert codes == sorted(codes) and len(set(codes)) == len(codes)
    # two digits counting up from 01; a letter only for the parts of one topic (05a, 05b)
    topics = sorted({int(code[:2]) for code in codes})
    assert topics == list(range(1, len(topics) + 1))
    for code in codes:
        assert re.fullmatch(r"\d\d[a-z]?", code), code
        if code[2:]:
            parts = [c for c in codes if c[:2] == code[:2]]
            assert parts == [code[:2] + letter for letter in "abcdefgh"[:len(parts)]], parts
    for at, lesson in enumerate(course.LESSONS):
        assert set(lesson.prerequisites) <= set(codes[:at]), lesson


def test_a_lesson_is_found_by_its_code():
    assert course.lesson_by_code("03").slug == "treatment_lines"
    with pytest.raises(KeyError, match="notebook 99 is not in utils.course.LESSONS"):
        course.lesson_by_code("99")


def render(linewidth=2.0):
    fig, ax = plt.subplots(figsize=(3, 2))
    ax.plot([0, 1], [0, 1], linewidth=linewidth)
    buffer = io.BytesIO()
    fig.savefig(buffer, format="png", dpi=plots.FIGURE_DPI, metadata=plots.PNG_METADATA)
    plt.close(fig)
    return buffer.getvalue()


def test_figures_are_deterministic_and_carry_no_software_stamp():
    plots.use_course_style()
    first, second = render(), render()
    assert first == second
    assert b"Software" not in first and matplotlib.__version__.encode() not in first
    assert render(linewidth=3.0) != first


def test_course_style_sets_projection_sized_fonts_and_the_colour_blind_palette():
    plots.use_course_style()
    assert matplotlib.rcParams["figure.dpi"] == plots.FIGURE_DPI
    assert matplotlib.rcParams["axes.labelsize"] >= 16
    colours = [matplotlib.colors.to_hex(c) for c in matplotlib.rcParams["axes.prop_cycle"].by_key()["color"]]
    assert colours[:3] == [c.lower() for c in plots.OKABE_ITO[:3]]


def test_milestone_chart_draws_one_row_per_case():
    plots.use_course_style()
    table = timeline.milestones(casedata.load("events"))
    fig = plots.milestone_chart(table)
    ax = fig.axes[0]
    assert [t.get_text() for t in ax.get_yticklabels()] == list(casedata.load("cases")["case_id"])
    assert "years" in ax.get_xlabel()
    plt.close(fig)


def test_grade_ladder_has_one_panel_per_graded_analyte_and_draws_every_value():
    plots.use_course_style()
    values = pd.DataFrame({"case_id": ["a", "a", "b", "b"], "day": [0, 0, -7, -3],
                           "analyte": ["hemoglobin", "platelets", "platelets", "platelets"], "value_std": [7.0, 90.0, 95.0, 20.0]})
    fig = plots.grade_ladder(values, {"hemoglobin": 11.5, "platelets": 150.0}, "title")
    assert [ax.get_ylabel() for ax in fig.axes] == [plots.ANALYTE_LABELS["hemoglobin"], plots.ANALYTE_LABELS["platelets"]]
    drawn = sorted(y for ax in fig.axes for collection in ax.collections for _, y in collection.get_offsets())
    assert drawn == sorted(values["value_std"])
    labels = [t.get_text() for t in fig.axes[1].texts if t.get_text()]
    assert sorted(labels) == [f"grade {g}" for g in range(5)]
    plt.close(fig)


def test_frozen_theme_equals_seaborns():
    """plots.SEABORN_TALK_WHITEGRID must keep matching seaborn.set_theme (checked against seaborn itself)."""
    import matplotlib as mpl
    import seaborn as sns

    from utils import plots

    with mpl.rc_context():
        plots.use_course_style()
        ours = dict(mpl.rcParams)
    with mpl.rc_context():
        sns.set_theme(context="talk", style="whitegrid", palette=list(plots.OKABE_ITO))
        plots.use_course_style()  # the course's own settings on top, as in a notebook
        theirs = dict(mpl.rcParams)
    different = {k for k in theirs if k != "image.cmap" and theirs[k] != ours[k]}
    assert not different, sorted(different)


def test_course_figures_stay_outside_pyplot_and_are_laid_out_once():
    """A course figure is shown as its cell's value, drawn once; pyplot never holds it (no leaked figures)."""
    plots.use_course_style()
    before = plt.get_fignums()
    fig = plots.milestone_chart(timeline.milestones(casedata.load("events")))
    assert plt.get_fignums() == before
    assert fig.get_layout_engine() is None  # no engine left to re-run the layout at every save
    assert fig.dpi == plots.FIGURE_DPI
    fig, axes = plots.subplots(2, 1, figsize=(4, 3), sharex=True)
    assert len(axes) == 2 and plt.get_fignums() == before
    buffer = io.BytesIO()
    fig.savefig(buffer, format="png")
    assert buffer.getvalue().startswith(b"\x89PNG")


def test_the_name_pattern_and_the_glob_find_exactly_the_course_notebooks():
    names = [course.INDEX_FILENAME, *(lesson.filename for lesson in course.LESSONS)]
    assert [course.NOTEBOOK_NAME.match(lesson.filename).group(1) for lesson in course.LESSONS] == [lesson.code for lesson in course.LESSONS]
    assert sorted(path.name for path in course.NOTEBOOK_DIR.glob(course.NOTEBOOK_GLOB)) == sorted(names)
    assert not course.NOTEBOOK_NAME.match("5_short.ipynb") and not course.NOTEBOOK_NAME.match("05ab_two_letters.ipynb")
