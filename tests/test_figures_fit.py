"""The figure probe: every figure every notebook draws fits its canvas, is readable when projected, and never tells
two series apart by colour alone.

utils.plots draws inline figures at their own size (no "tight" cropping, which costs a second drawing of every
figure), so a legend or label placed outside the canvas would be cut off silently. :data:`PROBE` is a cell put
before a notebook's first cell: it wraps ``FigureCanvasBase.print_figure`` (every inline figure and every figure
an explorer saves as PNG) and ``FastFigure.png`` (the explorers that redraw by blitting) and prints, for every
figure drawn, what :func:`utils.plots.figure_problems` finds: content past the canvas (``OUTSIDE``), text under
``plots.MIN_FONT_PT`` points (``SMALL``), two series differing by colour alone (``COLOUR``).

The notebooks are run with the probe once, by tests/test_fixture_case.py, on the copy of the data with the fictional
third case merged in (a superset of the course's cases, so every figure that grows with the cases is at its
largest); the assertions on those runs are there. This module holds the probe and the tests of the probe itself.
"""

from __future__ import annotations

import matplotlib
import nbformat
import pytest

from utils import plots


@pytest.fixture(autouse=True)
def course_style():
    """The fonts of the course, as every notebook sets them (the rest of the session keeps its own)."""
    with matplotlib.rc_context():
        plots.use_course_style()
        yield

PROBE = r'''
import sys as _sys
import matplotlib.backend_bases as _backend_bases
from utils import fastfigure as _fastfigure, plots as _plots

_print_figure = _backend_bases.FigureCanvasBase.print_figure
_fast_png = _fastfigure.FastFigure.png
_measured = []

def _report(fig):
    _measured.append(fig)
    for line in _plots.figure_problems(fig):
        print(line, file=_sys.stderr)

def _probe(self, *args, **kwargs):
    _report(self.figure)
    return _print_figure(self, *args, **kwargs)

def _probe_fast(self):
    _report(self.fig)
    return _fast_png(self)

_backend_bases.FigureCanvasBase.print_figure = _probe
_fastfigure.FastFigure.png = _probe_fast
'''

#: The last cell: how many figures the probe saw, and which data the kernel read.
COUNT = "import utils.casedata as _c; print('MEASURED', len(_measured), _c.DATA_DIR)"
#: What the probe prints, by kind.
KINDS = ("OUTSIDE", "SMALL", "COLOUR")


def with_probe(notebook: nbformat.NotebookNode) -> nbformat.NotebookNode:
    """``notebook`` with the probe as its first cell and the count as its last (changed in place, returned)."""
    notebook.cells.insert(0, nbformat.v4.new_code_cell(PROBE))
    notebook.cells.append(nbformat.v4.new_code_cell(COUNT))
    return notebook


def probe_reports(notebook: nbformat.NotebookNode, kind: str) -> list[str]:
    """The lines of one kind (``OUTSIDE``, ``SMALL``, ``COLOUR``) the probe printed in an executed notebook."""
    stderr = "".join(o.get("text", "") for c in notebook.cells for o in c.get("outputs", []) if o.get("name") == "stderr")
    return [line for line in stderr.splitlines() if line.startswith(kind + " ")]


def probe_count(notebook: nbformat.NotebookNode) -> tuple[int, str]:
    """How many figures the probe saw in an executed notebook, and the data folder its kernel read."""
    text = "".join(o.get("text", "") for o in notebook.cells[-1].get("outputs", []))
    assert text.startswith("MEASURED"), f"the probe's count cell printed {text!r}"
    _, count, data_dir = text.split()[:3]
    return int(count), data_dir


def shown_figures(notebook: nbformat.NotebookNode) -> int:
    """How many matplotlib figures a notebook shows as outputs (their text form starts with '<Figure')."""
    return sum("".join(o.get("data", {}).get("text/plain", "")).startswith("<Figure")
               for c in notebook.cells if c.cell_type == "code" for o in c.get("outputs", []))


# The probe itself, on figures made here (no notebook is run) --------------------------------------------------
def run_probe(figures) -> tuple[list, str]:
    """Run the probe's code in this process on ``figures`` (saved to PNG); return what it measured and printed."""
    import contextlib
    import io
    from matplotlib import backend_bases
    from utils import fastfigure

    saved = backend_bases.FigureCanvasBase.print_figure, fastfigure.FastFigure.png
    namespace: dict = {}
    stderr = io.StringIO()
    try:
        exec(PROBE, namespace)
        with contextlib.redirect_stderr(stderr):
            for fig in figures:
                fig.savefig(io.BytesIO(), format="png")
    finally:
        backend_bases.FigureCanvasBase.print_figure, fastfigure.FastFigure.png = saved
    return namespace["_measured"], stderr.getvalue()


def test_the_probe_reports_a_cut_legend_small_text_and_colour_only_curves():
    fig, ax = plots.subplots(figsize=(4, 3))
    ax.plot([0, 1], [0, 1], color=plots.OKABE_ITO[1], label="no hormonal therapy")
    ax.plot([0, 1], [1, 0], color=plots.OKABE_ITO[2], label="hormonal therapy")
    ax.legend(loc="upper left", bbox_to_anchor=(1.2, 1.0))
    ax.text(0.5, 0.5, "tiny", fontsize=8)
    measured, printed = run_probe([fig])
    assert measured == [fig]
    for kind in KINDS:
        assert kind + " " in printed, f"the probe did not report {kind}:\n{printed}"
    assert "'no hormonal therapy' and 'hormonal therapy' differ by colour alone" in printed


def test_the_probe_is_silent_on_a_figure_that_fits_and_tells_its_curves_apart():
    fig, ax = plots.subplots(figsize=(6, 4))
    ax.plot([0, 1], [0, 1], color=plots.OKABE_ITO[1], label="no hormonal therapy")
    ax.plot([0, 1], [1, 0], color=plots.OKABE_ITO[2], linestyle="--", label="hormonal therapy")
    ax.set_title("Two curves")
    ax.legend(loc="center", fontsize=12)
    plots.lay_out(fig)
    measured, printed = run_probe([fig])
    assert measured == [fig] and printed == ""


def test_the_probe_sees_an_explorer_that_redraws_by_blitting():
    from utils.fastfigure import FastFigure

    fig, ax = plots.subplots(figsize=(6, 4))
    ax.set_xlim(0, 1)
    ax.set_ylim(0, 1)
    plots.lay_out(fig)
    fast = FastFigure(fig)
    saved = FastFigure.png
    namespace: dict = {}
    try:
        exec(PROBE, namespace)
        fast.update([ax.scatter([0.2], [0.5], color=plots.OKABE_ITO[0], animated=True),
                     ax.scatter([0.8], [0.5], color=plots.OKABE_ITO[5], animated=True)])
        import contextlib
        import io
        stderr = io.StringIO()
        with contextlib.redirect_stderr(stderr):
            assert FastFigure.png(fast).startswith(b"\x89PNG")
    finally:
        FastFigure.png = saved
    assert namespace["_measured"] == [fig]
    assert "COLOUR" in stderr.getvalue() and "differ by colour alone" in stderr.getvalue()
