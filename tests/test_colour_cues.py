"""Colour is never the only cue (issue 17, part 7), and every inline figure carries short alt text (part 2).

:func:`utils.plots.colour_only_pairs` is the check the figure probe runs on every figure of every notebook
(tests/test_figures_fit.py, run by tests/test_fixture_case.py). Here it is shown to fail on figures whose series
differ by colour alone and to pass once a dash, a marker, a hatch or a direct label tells them apart; the course
figures it found are checked again on their own. The alt text is read the way the site reads it: from the text
form IPython stores with a figure.
"""

from __future__ import annotations

import matplotlib
import pytest
from matplotlib.lines import Line2D
from matplotlib.patches import Patch

from tests.fixture_data import published  # noqa: F401 (shared fixture)
from utils import plots

BLUE, ORANGE, GREEN, PURPLE = plots.OKABE_ITO[0], plots.OKABE_ITO[1], plots.OKABE_ITO[2], plots.OKABE_ITO[3]


@pytest.fixture(autouse=True)
def course_style():
    with matplotlib.rc_context():
        plots.use_course_style()
        yield


def axes():
    fig, ax = plots.subplots(figsize=(6, 4))
    return fig, ax


# Lines ---------------------------------------------------------------------------------------------------------
def test_two_named_solid_curves_in_two_colours_are_reported_in_the_axes_and_in_the_legend():
    fig, ax = axes()
    ax.plot([0, 1], [1, 0.4], color=ORANGE, label="no tamoxifen")
    ax.plot([0, 1], [1, 0.6], color=GREEN, label="tamoxifen")
    ax.legend()
    found = plots.colour_only_pairs(fig)
    assert len(found) == 2, found
    assert all("'no tamoxifen' and 'tamoxifen' differ by colour alone" in line for line in found)
    assert "axes 1" in found[0] and "legend of axes 1" in found[1]


@pytest.mark.parametrize("second", [{"linestyle": "--"}, {"linestyle": (0, (6, 2))}, {"marker": "s"}],
                         ids=["dashed", "dash pattern", "marker"])
def test_a_dash_or_a_marker_tells_two_curves_apart(second):
    fig, ax = axes()
    ax.plot([0, 1], [1, 0.4], color=ORANGE, label="no tamoxifen")
    ax.plot([0, 1], [1, 0.6], color=GREEN, label="tamoxifen", **second)
    ax.legend()
    assert plots.colour_only_pairs(fig) == []


def test_two_dash_patterns_that_only_differ_in_length_still_count_as_different():
    fig, ax = axes()
    ax.plot([0, 1], [1, 0.4], color=ORANGE, linestyle=(0, (6, 2)), label="a")
    ax.plot([0, 1], [1, 0.6], color=GREEN, linestyle=(0, (10, 3)), label="b")
    assert plots.colour_only_pairs(fig) == []


def test_a_name_written_in_the_curve_colour_is_a_direct_label():
    fig, ax = axes()
    ax.plot([0, 1], [1, 0.4], color=ORANGE, label="no tamoxifen")
    ax.plot([0, 1], [1, 0.6], color=GREEN, label="tamoxifen")
    assert plots.colour_only_pairs(fig)
    ax.text(1.0, 0.6, "tamoxifen", color=GREEN)  # one labelled curve is enough for two
    assert plots.colour_only_pairs(fig) == []


def test_three_curves_need_all_but_one_labelled():
    fig, ax = axes()
    for y, colour in zip((0.2, 0.4, 0.6), (ORANGE, GREEN, PURPLE)):
        ax.plot([0, 1], [1, y], color=colour, label=f"curve {y}")
    ax.text(1.0, 0.6, "curve 0.6", color=PURPLE)
    found = plots.colour_only_pairs(fig)
    assert len(found) == 1 and "'curve 0.2' and 'curve 0.4'" in found[0]


def test_unnamed_reference_lines_are_not_series_but_named_ones_are():
    fig, ax = axes()
    ax.plot([0, 1], [1, 0.4], color=ORANGE, linestyle="--", label="curve")
    ax.axhline(0.5, color="#7f7f7f", linestyle="--")  # the 50% line: a reference across the axes
    assert plots.colour_only_pairs(fig) == []
    ax.axhline(0.3, color=BLUE, linestyle="--", label="threshold")
    assert any("'curve' and 'threshold'" in line for line in plots.colour_only_pairs(fig))


def test_marks_on_a_named_curve_belong_to_it_and_a_bare_line_through_marks_belongs_to_them():
    fig, ax = axes()
    ax.plot([0, 1], [1, 0.4], color=ORANGE, label="no tamoxifen")
    ax.plot([0, 1], [1, 0.6], color=GREEN, linestyle="--", label="tamoxifen")
    ax.plot([0.5], [0.7], linestyle="", marker="|", color=ORANGE)  # censor ticks, one per curve
    ax.plot([0.5], [0.8], linestyle="", marker="|", color=GREEN)
    assert plots.colour_only_pairs(fig) == []
    fig, ax = axes()
    for colour, marker, y in ((BLUE, "o", 1.0), (PURPLE, "s", 2.0)):  # two tumour markers, joined by dotted lines
        ax.plot([0, 1], [y, y + 1], linestyle=":", color=colour)
        ax.scatter([0, 1], [y, y + 1], marker=marker, color=colour)
    assert plots.colour_only_pairs(fig) == []


# Marks ---------------------------------------------------------------------------------------------------------
def test_scatters_with_one_marker_in_two_colours_are_reported_and_two_markers_pass():
    fig, ax = axes()
    ax.scatter([1], [1], color=BLUE)
    ax.scatter([2], [2], color=ORANGE)
    found = plots.colour_only_pairs(fig)
    assert len(found) == 1 and "same marker" in found[0]
    fig, ax = axes()
    ax.scatter([1], [1], color=BLUE, marker="o")
    ax.scatter([2], [2], color=ORANGE, marker="s")
    assert plots.colour_only_pairs(fig) == []


def test_hollow_and_filled_marks_differ_by_more_than_colour():
    fig, ax = axes()
    ax.scatter([1], [1], marker=">", facecolors="white", edgecolors=BLUE)
    ax.scatter([2], [2], marker=">", color=ORANGE)
    assert plots.colour_only_pairs(fig) == []


def test_marks_on_a_named_row_are_directly_labelled():
    fig, ax = axes()
    ax.scatter([1, 2], [0, 0], color=BLUE)
    ax.scatter([1, 3], [1, 1], color=ORANGE)
    ax.set_yticks([0, 1], ["akagi2021", "tnbc2025"])
    assert plots.colour_only_pairs(fig) == []
    ax.set_yticks([0, 1], ["0", "1"])  # numbers of a scale name nothing
    assert plots.colour_only_pairs(fig)


# Bars, cells and legend keys -------------------------------------------------------------------------------------
def test_bars_of_two_meanings_need_a_hatch_or_a_label_inside():
    fig, ax = axes()
    ax.barh(0.2, 5, height=0.3, color=GREEN, label="from the marrow diagnosis")
    ax.barh(0.6, 9, height=0.3, color=PURPLE, label="from the primary")
    ax.legend()
    found = plots.colour_only_pairs(fig)
    assert len(found) == 2 and all("filled patch, no hatch" in line for line in found)
    fig, ax = axes()
    ax.barh(0.2, 5, height=0.3, color=GREEN, label="from the marrow diagnosis")
    ax.barh(0.6, 9, height=0.3, color=PURPLE, hatch="//", label="from the primary")
    ax.legend()
    assert plots.colour_only_pairs(fig) == []
    fig, ax = axes()
    ax.barh(0.2, 5, height=0.3, color=GREEN)
    ax.barh(0.6, 9, height=0.3, color=PURPLE)
    ax.set_xlim(0, 10)
    ax.text(4.5, 0.6, "primary", ha="right", va="center")
    assert plots.colour_only_pairs(fig) == []


def test_a_colour_key_of_proxies_fails_until_its_bars_are_named_on_their_rows():
    fig, ax = axes()
    ax.barh([0, 1], [3, 4], color=[BLUE, ORANGE])
    ax.legend(handles=[Patch(facecolor=BLUE, label="endocrine"), Patch(facecolor=ORANGE, label="chemotherapy")])
    ax.set_yticks([0, 1], ["0", "1"])
    found = plots.colour_only_pairs(fig)
    assert any("legend" in line and "'endocrine' and 'chemotherapy'" in line for line in found), found
    ax.set_yticks([0, 1], ["L1 letrozole", "L2 paclitaxel"])
    assert plots.colour_only_pairs(fig) == []


def test_a_key_entry_for_a_style_rather_than_a_colour_passes():
    fig, ax = axes()
    ax.plot([0, 1], [0, 1], color=BLUE, label="data")
    ax.legend(handles=[Line2D([], [], color="#bbbbbb", label="solid: exact"),
                       Line2D([], [], color=BLUE, label="data")])
    assert plots.colour_only_pairs(fig) == []


def test_background_bands_across_the_axes_are_not_series():
    fig, ax = axes()
    for grade, shade in enumerate(plots.GRADE_SHADES[1:]):
        ax.axhspan(grade, grade + 1, color=shade)
    assert plots.colour_only_pairs(fig) == []


# The course figures the check found ----------------------------------------------------------------------------
def test_the_course_figures_it_found_now_tell_their_series_apart(published):
    import pandas as pd

    from utils import dose_charts, survival, survival_plots

    times = survival.times_from_origins(published.cases, published.events)
    figures = [survival_plots.origin_chart(times, "clocks", case_ids=published.cases["case_id"])]
    fitters = [survival.kaplan_meier([5, 8, 12], [1, 0, 1], "no tamoxifen"), survival.kaplan_meier([6, 9, 14], [1, 1, 0], "tamoxifen")]
    figures.append(survival_plots.km_plot(fitters, "two curves", "months", colours=[ORANGE, GREEN]))
    thresholds = pd.DataFrame({"agent": ["doxorubicin", "doxorubicin", "epirubicin", "epirubicin"], "value": [400, 550, 900, 1000],
                               "meaning": "threshold", "reference_id": ["R1", "R2", "R3", "R4"], "unit": "mg/m2"})
    figures.append(dose_charts.cumulative_chart([100, 200, 300], thresholds, "four thresholds"))
    standards = pd.DataFrame({"agent": ["paclitaxel"] * 2, "value": [80, 90], "unit": "mg/m2", "reference_id": ["S1", "S2"],
                              "schedule": ["weekly", "d1, 8, 15"], "kind": "standard_dose"})
    figures.append(dose_charts.fixed_dose_chart(120, [150, 160, 170], [45, 55, 63], standards, "weekly paclitaxel"))
    for fig in figures:
        assert plots.colour_only_pairs(fig) == [], fig.axes[0].get_title()


def test_reference_looks_are_all_different():
    from utils.dose_charts import reference_looks

    looks = reference_looks(20)
    assert len(set(map(repr, looks))) == 20


# Alt text ------------------------------------------------------------------------------------------------------
@pytest.fixture
def shell():
    """An IPython shell in this process, as a notebook kernel has (removed afterwards)."""
    from IPython.core.interactiveshell import InteractiveShell

    instance = InteractiveShell.instance()
    yield instance
    InteractiveShell.clear_instance()


def test_use_course_style_gives_every_figure_short_alt_text_in_its_text_form(shell):
    plots.use_course_style()
    fig, axs = plots.subplots(1, 2, figsize=(8.64, 4.32))
    formatted = lambda: shell.display_formatter.format(fig)[0]["text/plain"]  # noqa: E731
    assert formatted() == "<Figure size 864x432 with 2 Axes: figure with 2 panels>"
    axs[0].set_title("Counts")
    axs[1].set_title("Doses in mg/m$^2$")
    assert formatted() == "<Figure size 864x432 with 2 Axes: Counts; Doses in mg/m2>"
    fig.suptitle("After the marrow diagnosis\n(4 treatment(s) outside months -2 to 40 not shown)")
    assert formatted() == ("<Figure size 864x432 with 2 Axes: After the marrow diagnosis; "
                           "(4 treatment(s) outside months -2 to 40 not shown)>")
    assert formatted().startswith("<Figure size 864x432 with 2 Axes")  # counters of '<Figure' keep working


def test_alt_text_is_short_and_keeps_out_angle_brackets():
    fig, ax = plots.subplots(figsize=(4, 3))
    ax.set_title("A very long title " * 12 + "with <tags>")
    alt = plots.figure_alt_text(fig)
    assert len(alt) <= plots.ALT_TEXT_CHARS and alt.endswith("\u2026") and "<" not in alt
    ax.set_title("CA 15-3 > 30 U/mL")
    assert plots.figure_text(fig).endswith(": CA 15-3 \u203a 30 U/mL>") and plots.figure_text(fig).count(">") == 1
