"""Every figure of every notebook fits inside its own canvas, with text large enough to project.

utils.plots draws inline figures at their own size (no "tight" cropping, which costs a second
drawing of every figure). The price is that a legend or label placed outside the canvas would
be cut off silently. This test runs each notebook in memory with a probe that measures, for
every figure the kernel renders, how far its content reaches beyond the canvas, and the size of
its smallest visible text (at least MIN_FONT_PT points, so a seminar room can read it).
"""

from pathlib import Path

import nbformat
import pytest
from nbclient import NotebookClient

from utils import course

NOTEBOOKS = sorted((Path(__file__).resolve().parent.parent / "notebooks").glob(course.NOTEBOOK_GLOB))
TOLERANCE_IN = 0.02
MIN_FONT_PT = 11

PROBE = r'''
import sys as _sys
import matplotlib.backend_bases as _backend_bases

_print_figure = _backend_bases.FigureCanvasBase.print_figure

_measured = []

def _probe(self, *args, **kwargs):
    fig = self.figure
    _measured.append(fig)
    box = fig.get_tightbbox(fig.canvas.get_renderer())
    width, height = fig.get_size_inches()
    outside = max(-box.x0, -box.y0, box.x1 - width, box.y1 - height)
    if outside > %(tolerance)s:
        titles = [t for t in [fig._suptitle.get_text() if fig._suptitle else ""] + [a.get_title() or a.get_title(loc="left") for a in fig.axes] if t]
        print(f"OUTSIDE {outside:.2f} in: {titles[:2]}", file=_sys.stderr)
    for text in fig.findobj(lambda artist: hasattr(artist, "get_fontsize") and hasattr(artist, "get_text")):
        if text.get_visible() and text.get_text().strip() and text.get_fontsize() < %(min_font)s:
            print(f"SMALL {text.get_fontsize():g} pt: {text.get_text()[:40]!r}", file=_sys.stderr)
    return _print_figure(self, *args, **kwargs)

_backend_bases.FigureCanvasBase.print_figure = _probe
''' % {"tolerance": TOLERANCE_IN, "min_font": MIN_FONT_PT}


def stored_figures(nb) -> int:
    """How many matplotlib figures the saved notebook shows (their text form is '<Figure size ...>')."""
    return sum("".join(o.get("data", {}).get("text/plain", "")).startswith("<Figure")
               for c in nb.cells if c.cell_type == "code" for o in c.get("outputs", []))


@pytest.mark.parametrize("path", NOTEBOOKS, ids=[p.name for p in NOTEBOOKS])
def test_no_figure_content_outside_its_canvas(path):
    nb = nbformat.read(path, as_version=4)
    expected = stored_figures(nb)
    nb.cells.insert(0, nbformat.v4.new_code_cell(PROBE))
    nb.cells.append(nbformat.v4.new_code_cell("print('MEASURED', len(_measured))"))
    NotebookClient(nb, kernel_name="python3", timeout=300, resources={"metadata": {"path": str(path.parent)}}).execute()
    reports = [o["text"] for c in nb.cells for o in c.get("outputs", []) if o.get("name") == "stderr" and "OUTSIDE" in o.get("text", "")]
    assert not reports, f"{path.name}: figure content outside the canvas (it would be cut off):\n" + "".join(reports)
    small = [o["text"] for c in nb.cells for o in c.get("outputs", []) if o.get("name") == "stderr" and "SMALL" in o.get("text", "")]
    assert not small, f"{path.name}: text smaller than {MIN_FONT_PT} pt cannot be read when projected:\n" + "".join(small)
    measured = int(nb.cells[-1].outputs[0]["text"].split()[1])
    assert measured >= expected, f"the probe saw {measured} figures, the notebook shows {expected}: the probe is not measuring"


#: Notebooks whose case-level figures must also fit with a case added as CSV rows (issue 15, part B).
ANY_CASE_NOTEBOOKS = [p for p in NOTEBOOKS if p.name.startswith(("02_", "04_", "05a_", "05b_"))]


@pytest.mark.parametrize("path", ANY_CASE_NOTEBOOKS, ids=[p.name for p in ANY_CASE_NOTEBOOKS])
def test_figures_fit_with_a_third_case(path, tmp_path, monkeypatch):
    """The same probe on the data with the fictional fixture case merged in (BMM_CASEDATA, read by the kernel):
    figures that grow with the cases still fit their canvas and keep their text readable."""
    from tests.fixture_data import merged_copy

    monkeypatch.setenv("BMM_CASEDATA", str(merged_copy(tmp_path / "casedata")))
    nb = nbformat.read(path, as_version=4)
    expected = stored_figures(nb)
    nb.cells.insert(0, nbformat.v4.new_code_cell(PROBE))
    nb.cells.append(nbformat.v4.new_code_cell("import utils.casedata as _c; print('MEASURED', len(_measured), _c.DATA_DIR)"))
    NotebookClient(nb, kernel_name="python3", timeout=300, resources={"metadata": {"path": str(path.parent)}}).execute()
    stderr = "".join(o.get("text", "") for c in nb.cells for o in c.get("outputs", []) if o.get("name") == "stderr")
    assert "OUTSIDE" not in stderr and "SMALL" not in stderr, f"{path.name} with a third case:\n{stderr}"
    measured, data_dir = nb.cells[-1].outputs[0]["text"].split()[1:3]
    assert data_dir == str(tmp_path / "casedata"), "the kernel did not read the merged copy"
    assert int(measured) >= expected, f"the probe saw {measured} figures, the notebook shows {expected}: the probe is not measuring"
