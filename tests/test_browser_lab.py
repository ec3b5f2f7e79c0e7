"""Real-browser smoke test: every notebook with an explorer runs in JupyterLab as a student runs it.

One JupyterLab server and one headless Chromium serve the whole module. The server
serves a temporary *copy* of ``notebooks/`` (JupyterLab autosaves, and the run
clears outputs first), so the repository's notebooks are never written.

Each notebook is opened in a fresh workspace, cleared with *Edit > Clear Outputs of
All Cells* and run with *Run > Run All Cells* (see ``servers.run_notebook_in_lab``).
A failure names the problems and the screenshot saved in the test's ``tmp_path``.

In the same page, a notebook with explorers is then looked at as on a projector (1280x720, left side bar
closed): each explorer, scrolled to the top, must show its title, every control, the whole label of its
reset button and its whole figure (at its natural size) at once (issue 17, part 6).
"""

from __future__ import annotations

import shutil
from collections.abc import Iterator
from pathlib import Path
from typing import NoReturn

import nbformat
import pytest
import servers
from playwright.sync_api import Browser, BrowserContext, Page
from playwright.sync_api import Error as PlaywrightError

from utils import course

PROJECT_ROOT = Path(__file__).resolve().parent.parent
ALL_NOTEBOOKS = sorted((PROJECT_ROOT / "notebooks").glob(course.NOTEBOOK_GLOB))


def _has_explorer(path: Path) -> bool:
    """Whether the stored notebook shows a live widget (an explorer)."""
    nb = nbformat.read(path, as_version=4)
    return any("application/vnd.jupyter.widget-view+json" in output.get("data", {})
               for cell in nb.cells if cell.cell_type == "code" for output in cell.get("outputs", []))


#: Run in JupyterLab: every notebook with an explorer. The start page is run in JupyterLab by the hub's browser
#: test (tests/test_browser_hub.py, as each resident lands on it). The others' outputs are rendered in Chromium by
#: the live-slides test (Voila runs them in a kernel with the same widget manager and fails on a page error), and
#: nbval runs every notebook; a JupyterLab run of each would add about 45 s to the suite.
NOTEBOOKS = [p for p in ALL_NOTEBOOKS if _has_explorer(p)]
SERVED_DIR = "notebooks"
NOTEBOOK_PANEL_SHOWN = f"{servers.NOTEBOOK_PANEL}:not(.lm-mod-hidden)"  # the copy sits at <served root>/notebooks, as in the repository
RUN_TIMEOUT_S = 300.0  # per notebook, like nbval's cell timeout in pyproject.toml
VIEWPORT = {"width": 1366, "height": 900}
#: A projector: JupyterLab at 1280x720 with the left side bar closed (issue 17, part 6).
PROJECTOR = {"width": 1280, "height": 720}


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


@pytest.fixture(scope="module")
def context(browser: Browser) -> Iterator[BrowserContext]:
    """One browser context for the module, so JupyterLab's scripts come from its cache after the first page."""
    context = browser.new_context(viewport=VIEWPORT)
    yield context
    context.close()


@pytest.fixture
def page(context: BrowserContext, lab: servers.LabServer) -> Iterator[Page]:
    """A fresh page per test (each opens its notebook in a workspace of its own); its kernels are shut down afterwards."""
    page = context.new_page()
    try:
        yield page
    finally:
        page.close()
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


def write_notebook(path: Path, sources: list[str]) -> str:
    """Write a notebook of code cells, without a kernelspec (JupyterLab then asks for a kernel), at ``path``;
    return its name."""
    nbformat.write(nbformat.v4.new_notebook(cells=[nbformat.v4.new_code_cell(s) for s in sources]), path)
    return path.name


#: For one explorer (a box with the CSS class ``explorer``, :class:`utils.widgets.Explorer`) scrolled to the top of
#: the notebook: which of its title, controls and image lie outside the notebook's visible area or past the right
#: edge of the controls column, whether the reset button cuts its label, and the image's natural and shown widths.
_EXPLORER_FIT = """(box) => {
    const area = box.closest('.jp-WindowedPanel-outer').getBoundingClientRect();
    const column = box.querySelector('.explorer-controls').getBoundingClientRect();
    const name = (el) => (el.querySelector('label')?.textContent || el.textContent || el.className).trim().slice(0, 40);
    const problems = [];
    const check = (label, el, within) => {
        const r = el.getBoundingClientRect();
        if (r.top < within.top - 1 || r.bottom > within.bottom + 1 || r.left < within.left - 1 || r.right > within.right + 1) {
            problems.push(`${label} at [${Math.round(r.left)}, ${Math.round(r.top)}, ${Math.round(r.right)}, ${Math.round(r.bottom)}]`
                          + ` is outside [${Math.round(within.left)}, ${Math.round(within.top)}, ${Math.round(within.right)}, ${Math.round(within.bottom)}]`);
        }
    };
    check('the title', box.firstElementChild, area);
    for (const control of box.querySelectorAll('.explorer-controls > *')) {
        check(`control ${name(control)}`, control, area);
        check(`control ${name(control)} (its column)`, control, column);
    }
    const image = box.querySelector('.explorer-reading img');
    const shown = image && image.getBoundingClientRect().height > 0;
    if (shown) { check('the image', image, area); }
    const button = [...box.querySelectorAll('button')].find(b => b.textContent.includes('Back to as reported'));
    if (!button) { problems.push('no "Back to as reported" button'); }
    else if (button.scrollWidth > button.clientWidth) {
        problems.push(`the reset button cuts its label (${button.scrollWidth} px wide in ${button.clientWidth} px)`);
    }
    if (shown && Math.abs(image.getBoundingClientRect().width - image.naturalWidth) > 1) {
        problems.push(`the image is shown ${Math.round(image.getBoundingClientRect().width)} px wide, not at its natural ${image.naturalWidth} px`);
    }
    return problems;
}"""


def close_left_sidebar(page: Page) -> None:
    """Close JupyterLab's left side bar, as a tutor does before projecting (click its open tab)."""
    current = page.locator(".jp-SideBar.jp-mod-left .lm-TabBar-tab.lm-mod-current")
    if current.count():
        current.first.click()
    page.locator("#jp-left-stack").wait_for(state="hidden", timeout=10_000)


def explorer_fit_problems(page: Page) -> list[str]:
    """At :data:`PROJECTOR` size, scroll each explorer of the open notebook to the top of the notebook and report
    what of its title, controls, reset button and whole image is not in view (empty: everything fits)."""
    page.set_viewport_size(PROJECTOR)
    close_left_sidebar(page)
    problems = []
    boxes = page.locator(f"{NOTEBOOK_PANEL_SHOWN} .jp-OutputArea-output .explorer")
    for i in range(boxes.count()):
        box = boxes.nth(i)
        for _ in range(2):  # the first scroll can land short while the notebook settles at its new size
            box.evaluate("b => b.scrollIntoView({block: 'start'})")
            page.wait_for_timeout(250)
        problems += [f"explorer {i + 1}: {problem}" for problem in box.evaluate(_EXPLORER_FIT)]
    return problems


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
    if run.dialog:
        problems.append(f"a dialog is open: {run.dialog}")
    problems += [f"error/stderr output:\n{text}" for text in run.errors]
    if problems:
        fail_with_screenshot(page, tmp_path, f"{notebook.name} in JupyterLab: " + "\n".join(problems))
    # on a projector, each explorer's title, controls, reset button and whole figure are in view together
    if page.locator(f"{NOTEBOOK_PANEL_SHOWN} .explorer").count():
        problems = explorer_fit_problems(page)
        if problems:
            fail_with_screenshot(page, tmp_path, f"{notebook.name} at {PROJECTOR['width']}x{PROJECTOR['height']}: "
                                 + "\n".join(problems))


def test_runner_accepts_the_kernel_dialog_and_reports_a_raised_error(page: Page, lab: servers.LabServer,
                                                                      tmp_path: Path) -> None:
    """The runner itself, on a notebook without a kernelspec whose second cell raises: JupyterLab asks for a kernel
    and the runner accepts the default; the raised error is reported, and Run All Cells stops there, so the third
    cell never runs."""
    name = write_notebook(
        lab.root_dir / SERVED_DIR / "zz_deliberate_failure.ipynb",
        ["print('before')", "raise ValueError('deliberate failure')", "print('never runs')"],
    )
    run = run_in_lab(page, lab, f"{SERVED_DIR}/{name}", tmp_path)
    if not any("ValueError: deliberate failure" in text for text in run.errors):
        fail_with_screenshot(page, tmp_path, f"the raised ValueError was not reported: {run}")
    if (run.code_cells, run.executed, run.ok, run.dialog) != (3, 2, False, ""):
        fail_with_screenshot(page, tmp_path, f"expected 3 code cells, 2 executed, not ok, no dialog left; got {run}")
    if run.outputs < 2:  # the print and the traceback
        fail_with_screenshot(page, tmp_path, f"expected the printed line and the traceback; got {run}")


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
