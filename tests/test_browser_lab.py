"""Real-browser smoke test: every course notebook runs in JupyterLab as a student runs it.

One JupyterLab server and one headless Chromium serve the whole module. The server
serves a temporary *copy* of ``notebooks/`` (JupyterLab autosaves, and the run
clears outputs first), so the repository's notebooks are never written.

Each notebook is opened in a fresh workspace, cleared with *Edit > Clear Outputs of
All Cells* and run with *Run > Run All Cells* (see ``servers.run_notebook_in_lab``).
A failure names the problems and the screenshot saved in the test's ``tmp_path``.
"""

from __future__ import annotations

import shutil
from collections.abc import Iterator
from pathlib import Path
from typing import NoReturn

import nbformat
import pytest
import servers
from playwright.sync_api import Browser, Page
from playwright.sync_api import Error as PlaywrightError

from utils import course

PROJECT_ROOT = Path(__file__).resolve().parent.parent
NOTEBOOKS = sorted((PROJECT_ROOT / "notebooks").glob(course.NOTEBOOK_GLOB))
SERVED_DIR = "notebooks"  # the copy sits at <served root>/notebooks, as in the repository
RUN_TIMEOUT_S = 300.0  # per notebook, like nbval's cell timeout in pyproject.toml
VIEWPORT = {"width": 1366, "height": 900}
PYTHON3_KERNELSPEC = {"name": "python3", "display_name": "Python 3 (ipykernel)", "language": "python"}


# Fixtures -------------------------------------------------------------------------
@pytest.fixture(scope="module")
def served_root(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """A temporary folder holding a copy of the repository's ``notebooks/``."""
    root = tmp_path_factory.mktemp("lab-root")
    ignore = shutil.ignore_patterns(".ipynb_checkpoints", "__pycache__")
    shutil.copytree(PROJECT_ROOT / "notebooks", root / SERVED_DIR, ignore=ignore)
    return root


@pytest.fixture(scope="module")
def lab(served_root: Path) -> Iterator[servers.LabServer]:
    """One JupyterLab for the module, serving the copy."""
    with servers.jupyterlab(served_root) as server:
        yield server


@pytest.fixture(scope="module")
def browser(chromium_path: str) -> Iterator[Browser]:
    """One headless Chromium for the module (skipped when Chromium is missing)."""
    with servers.chromium(chromium_path) as launched:
        yield launched


@pytest.fixture
def page(browser: Browser, lab: servers.LabServer) -> Iterator[Page]:
    """A fresh browser context per test; its kernels are shut down afterwards."""
    context = browser.new_context(viewport=VIEWPORT)
    try:
        yield context.new_page()
    finally:
        context.close()
        lab.stop_sessions()


# Helpers --------------------------------------------------------------------------
def fail_with_screenshot(page: Page, tmp_path: Path, message: str) -> NoReturn:
    """Save a screenshot of ``page`` into ``tmp_path`` and fail, naming it."""
    shot = tmp_path / "jupyterlab.png"
    try:
        page.screenshot(path=shot)
        saved = f"screenshot: {shot}"
    except PlaywrightError as error:
        saved = f"no screenshot ({error})"
    pytest.fail(f"{message}\n{saved}", pytrace=False)


def run_in_lab(page: Page, lab: servers.LabServer, relative: str, tmp_path: Path) -> servers.NotebookRun:
    """Run ``relative`` (below the served root) in JupyterLab; on a timeout, fail with a screenshot."""
    try:
        return servers.run_notebook_in_lab(page, lab.url_for(relative), timeout=RUN_TIMEOUT_S)
    except (PlaywrightError, TimeoutError) as error:
        problem = f"could not run {relative} in JupyterLab: {error}"
    fail_with_screenshot(page, tmp_path, f"{problem}\nserver log (tail):\n{lab.log()}")


def write_notebook(path: Path, sources: list[str], kernelspec: bool = True) -> str:
    """Write a notebook of code cells at ``path``; return its name."""
    notebook = nbformat.v4.new_notebook(cells=[nbformat.v4.new_code_cell(s) for s in sources])
    if kernelspec:
        notebook.metadata["kernelspec"] = PYTHON3_KERNELSPEC
    nbformat.write(notebook, path)
    return path.name


# Tests ------------------------------------------------------------------------------
@pytest.mark.parametrize("notebook", NOTEBOOKS, ids=[p.name for p in NOTEBOOKS])
def test_notebook_runs_in_jupyterlab(notebook: Path, page: Page, lab: servers.LabServer, tmp_path: Path) -> None:
    """Run All Cells executes every code cell, renders output, and writes nothing to stderr."""
    run = run_in_lab(page, lab, f"{SERVED_DIR}/{notebook.name}", tmp_path)
    problems = []
    if run.executed != run.code_cells:
        problems.append(f"only {run.executed} of {run.code_cells} code cells executed")
    if run.outputs == 0:
        problems.append("no output was rendered")
    problems += [f"error/stderr output:\n{text}" for text in run.errors]
    if problems:
        fail_with_screenshot(page, tmp_path, f"{notebook.name} in JupyterLab: " + "\n".join(problems))


def test_detector_reports_a_raised_error(page: Page, lab: servers.LabServer, tmp_path: Path) -> None:
    """A cell that raises is reported; Run All Cells stops there, so the next cell never runs."""
    name = write_notebook(
        lab.root_dir / SERVED_DIR / "zz_deliberate_failure.ipynb",
        ["print('before')", "raise ValueError('deliberate failure')", "print('never runs')"],
    )
    run = run_in_lab(page, lab, f"{SERVED_DIR}/{name}", tmp_path)
    if not any("ValueError: deliberate failure" in text for text in run.errors):
        fail_with_screenshot(page, tmp_path, f"the raised ValueError was not reported: {run}")
    if (run.code_cells, run.executed, run.ok) != (3, 2, False):
        fail_with_screenshot(page, tmp_path, f"expected 3 code cells, 2 executed, not ok; got {run}")


def test_select_kernel_dialog_is_handled(page: Page, lab: servers.LabServer, tmp_path: Path) -> None:
    """A notebook without a kernelspec asks for a kernel; the runner accepts the default and runs."""
    name = write_notebook(lab.root_dir / SERVED_DIR / "zz_no_kernelspec.ipynb", ["6 * 7"], kernelspec=False)
    run = run_in_lab(page, lab, f"{SERVED_DIR}/{name}", tmp_path)
    if not (run.ok and run.code_cells == 1 and run.outputs == 1):
        fail_with_screenshot(page, tmp_path, f"expected one cell run with one output and no error; got {run}")


def test_server_requires_the_token(lab: servers.LabServer) -> None:
    """Token authentication is on: the contents API refuses requests without the right token."""
    for label, params in (("no token", {}), ("a wrong token", {"token": "0" * 32})):
        answer = lab.api("GET", "api/contents", authenticated=False, params=params, allow_redirects=False)
        refused = answer.status_code == 403 or (
            answer.is_redirect and "/login" in answer.headers.get("Location", "")
        )
        assert refused, f"GET /api/contents with {label} answered {answer.status_code}; expected 403 or /login"
    answer = lab.api("GET", "api/contents", authenticated=False, params={"token": lab.token})
    assert answer.status_code == 200, f"GET /api/contents?token=<token> answered {answer.status_code}, expected 200"
