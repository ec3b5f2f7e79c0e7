"""The notebook harness is strict: a changed number or a changed figure fails nbval.

These tests build a small notebook, store its outputs by executing it, then run
nbval on it in a subprocess with this suite's conftest loaded as a plugin
(``-p conftest``), exactly as ``make test`` runs the real notebooks.
"""

import subprocess
import sys
from pathlib import Path

import nbformat
import pytest
import servers
from nbclient import NotebookClient

TESTS = Path(__file__).resolve().parent

CELLS = [
    "from utils import plots\nimport matplotlib.pyplot as plt\nplots.use_course_style()",
    "print(6 * 7)",
    "fig, ax = plt.subplots(figsize=(3, 2))\nax.plot([0, 1], [0, 1], linewidth=2)\nax.set_title('line')\nplt.show()",
    "total = 1 + 1\ntotal;",  # a trailing semicolon hides the result, under nbval too
]


def stored_notebook(folder: Path, cells=CELLS) -> Path:
    """Write and execute a notebook in ``folder`` so that it carries stored outputs."""
    nb = nbformat.v4.new_notebook()
    nb.cells = [nbformat.v4.new_code_cell(src) for src in cells]
    nb.metadata["kernelspec"] = {"name": "python3", "display_name": "Python 3", "language": "python"}
    NotebookClient(nb, timeout=120, kernel_name="python3", resources={"metadata": {"path": str(folder)}}).execute()
    path = folder / "probe.ipynb"
    nbformat.write(nb, path)
    return path


def start_nbval(path: Path) -> subprocess.Popen:
    (path.parent / "pytest.ini").write_text("[pytest]\n")  # keep the project's addopts out
    command = [sys.executable, "-m", "pytest", "-p", "conftest", "-p", "no:cacheprovider", "--nbval",
               "--nbval-current-env", str(path), "-q", "--rootdir", str(path.parent)]
    env = {**__import__("os").environ, "PYTHONPATH": str(TESTS)}
    return subprocess.Popen(command, stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True, env=env, cwd=path.parent)


def changed_copy(notebook: Path, folder: Path, change) -> Path:
    """A copy of the stored ``notebook`` in ``folder`` with ``change(nb)`` applied (outputs left as stored)."""
    nb = nbformat.read(notebook, as_version=4)
    change(nb)
    path = folder / "probe.ipynb"
    nbformat.write(nb, path)
    return path


def _number(nb) -> None:
    nb.cells[1].outputs[0]["text"] = "43\n"


def _plot_parameter(nb) -> None:
    nb.cells[2].source = nb.cells[2].source.replace("linewidth=2", "linewidth=3")  # outputs still from linewidth=2


@pytest.fixture(scope="module")
def notebook(tmp_path_factory) -> Path:
    return stored_notebook(tmp_path_factory.mktemp("nbval"))


@pytest.fixture(scope="module")
def results(notebook, tmp_path_factory) -> dict[str, tuple[int, str]]:
    """(exit code, output) of nbval on the stored notebook and on two changed copies, run at the same time."""
    paths = {"stored": notebook,
             "number": changed_copy(notebook, tmp_path_factory.mktemp("number"), _number),
             "plot": changed_copy(notebook, tmp_path_factory.mktemp("plot"), _plot_parameter)}
    started = {name: start_nbval(path) for name, path in paths.items()}
    return servers.outputs_at_once(started, 300)


def test_stored_notebook_passes(notebook, results):
    nb = nbformat.read(notebook, as_version=4)
    assert any("image/png" in o.get("data", {}) for o in nb.cells[2].outputs), "the probe must store a figure"
    assert nb.cells[3].outputs == [], "the semicolon must hide the result when the notebook is saved"
    code, output = results["stored"]
    assert code == 0, output[-3000:]


def test_changed_number_fails(results):
    code, output = results["number"]
    assert code != 0 and "43" in output, output[-3000:]


def test_changed_plot_parameter_fails(results):
    code, output = results["plot"]
    assert code != 0 and "image/png" in output, output[-3000:]
