"""Helpers for real-browser tests: a throw-away JupyterLab server and headless Chromium.

Used by the browser tests (``import servers`` from ``tests/``)::

    with servers.jupyterlab(root) as lab, servers.chromium(chromium_path) as browser:
        page = browser.new_page()
        run = servers.run_notebook_in_lab(page, lab.url_for("notebooks/00_index.ipynb"))

* :func:`jupyterlab` starts ``python -m jupyter lab`` from the *current* interpreter
  (so the kernel is the project's environment) on a free loopback port, with token
  authentication, offline (no update check, no news) and with every piece of
  per-user state (settings, workspaces, runtime files, IPython profile) in a
  temporary folder. It waits for ``/api/status`` and stops the whole process group.
  The token goes through the environment (``JUPYTER_TOKEN``), never the command line.
* :func:`voila` starts Voila as ``make slides`` does (:mod:`delivery.slides`): its settings,
  token included, in a private ``voila.py``, kernels freed and capped
  (:class:`delivery.slides.KernelLimits`); :meth:`VoilaServer.kernels` counts its kernels.
* :func:`chromium` launches a given Chromium binary through Playwright (never a
  browser that Playwright would download).
* :func:`run_notebook_in_lab` opens a notebook in JupyterLab, runs every cell through
  the *Run* menu and reports what happened (:class:`NotebookRun`).
"""

from __future__ import annotations

import http.cookiejar
import json
import os
import secrets
import subprocess
import sys
import tempfile
import time
import uuid
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from dataclasses import dataclass, field
from pathlib import Path
from urllib.parse import quote

import requests
from playwright.sync_api import Browser, ElementHandle, Locator, Page, sync_playwright
from playwright.sync_api import TimeoutError as PlaywrightTimeoutError

from delivery import slides
from delivery.processes import LOOPBACK, free_port, kernel_processes, stop_process_group

STARTUP_TIMEOUT_S = 60.0
SHUTDOWN_TIMEOUT_S = 10.0
LOG_TAIL_CHARS = 4000

#: HTTP to the local server only: ignore proxy variables (a proxy set for package
#: registries must not be asked for 127.0.0.1) and keep no cookies (the server's
#: login cookie would otherwise authenticate later requests made without a token).
_LOCAL_HTTP = requests.Session()
_LOCAL_HTTP.trust_env = False
_LOCAL_HTTP.cookies.set_policy(http.cookiejar.DefaultCookiePolicy(allowed_domains=[]))

#: Chromium flags needed on this machine; without the background-networking ones
#: Chromium's own connections (updates, sync, field trials) are refused noisily.
CHROMIUM_ARGS = (
    "--no-sandbox",
    "--disable-gpu",
    "--disable-quic",
    "--no-first-run",
    "--disable-background-networking",
    "--disable-component-update",
    "--disable-sync",
)

# JupyterLab DOM (checked against JupyterLab 4.6). Cell selectors are used inside
# one notebook panel. All cells are in the DOM: the windowing mode pinned in
# LAB_USER_SETTINGS attaches every cell and lets the browser skip painting.
STDERR_MIME = "application/vnd.jupyter.stderr"
NOTEBOOK_PANEL = ".jp-NotebookPanel"
CODE_CELL = ".jp-Notebook .jp-CodeCell"
CODE_PROMPT = f"{CODE_CELL} .jp-InputArea-prompt"
OUTPUT = ".jp-OutputArea-output"
KERNEL_STATUS = ".jp-NotebookPanel-toolbar .jp-Notebook-ExecutionIndicator"
KERNEL_NAME = ".jp-NotebookPanel-toolbar .jp-KernelName"
DIALOG = ".jp-Dialog"


# Server -------------------------------------------------------------------------
@dataclass(frozen=True)
class LabServer:
    """A running JupyterLab: where it is, how to authenticate, what it serves."""

    base_url: str
    token: str
    root_dir: Path
    log_file: Path = field(repr=False)

    def url_for(self, relative_path: str | Path, fresh_workspace: bool = True) -> str:
        """URL that opens ``relative_path`` (below ``root_dir``) in JupyterLab, token included.

        By default the URL names a new, empty workspace, so that the tabs an earlier
        page left open are not restored next to the notebook.
        """
        path = quote(Path(relative_path).as_posix())
        workspace = f"workspaces/test-{uuid.uuid4().hex[:12]}/" if fresh_workspace else ""
        return f"{self.base_url}lab/{workspace}tree/{path}?token={self.token}"

    def api(self, method: str, path: str, authenticated: bool = True, **kwargs) -> requests.Response:
        """Request to the server (``path`` like ``"api/sessions"``), with the token unless told not to.

        Extra keyword arguments go to :meth:`requests.Session.request`.
        """
        headers = {"Authorization": f"token {self.token}"} if authenticated else {}
        kwargs["headers"] = {**headers, **kwargs.get("headers", {})}
        kwargs.setdefault("timeout", 10)
        return _LOCAL_HTTP.request(method, self.base_url + path, **kwargs)

    def stop_sessions(self) -> None:
        """Shut down every notebook session and its kernel (frees memory between tests)."""
        for session in self.api("GET", "api/sessions").json():
            self.api("DELETE", f"api/sessions/{session['id']}")

    def log(self) -> str:
        """The tail of the server's log, for error messages."""
        return _tail(self.log_file)


def _tail(path: Path, chars: int = LOG_TAIL_CHARS) -> str:
    text = path.read_text(errors="replace") if path.exists() else ""
    return text[-chars:]


#: User settings written into the temporary settings folder. ``fetchNews: "false"``
#: stops the "Would you like to get notified about official Jupyter news?" toast,
#: which the server-side ``news_url=None`` does not suppress. The windowing mode is
#: pinned to JupyterLab 4.6's default, which keeps every cell in the DOM (the
#: "full" and "defer" modes detach off-screen cells, and the cell count would be wrong).
LAB_USER_SETTINGS = {
    "@jupyterlab/apputils-extension/notification.jupyterlab-settings": {
        "fetchNews": "false",
        "checkForUpdates": False,
    },
    "@jupyterlab/notebook-extension/tracker.jupyterlab-settings": {
        "windowingMode": "contentVisibility",
    },
}


def _write_lab_settings(settings_dir: Path) -> None:
    """Write :data:`LAB_USER_SETTINGS` into a JupyterLab user-settings folder."""
    for relative, values in LAB_USER_SETTINGS.items():
        path = settings_dir / relative
        path.parent.mkdir(parents=True, exist_ok=True)
        path.write_text(json.dumps(values, indent=2))


def _isolated_env(state: Path) -> dict[str, str]:
    """Environment whose per-user Jupyter and IPython state lives below ``state``.

    ``JUPYTER_CONFIG_DIR`` only replaces ``~/.jupyter``: the environment's own
    ``<prefix>/etc/jupyter`` (server extensions) and ``<prefix>/share/jupyter``
    (the ``python3`` kernelspec) are still found through ``sys.prefix``.
    """
    dirs = {
        "JUPYTER_CONFIG_DIR": "config",
        "JUPYTER_DATA_DIR": "data",
        "JUPYTER_RUNTIME_DIR": "runtime",
        "JUPYTERLAB_SETTINGS_DIR": "lab-settings",
        "JUPYTERLAB_WORKSPACES_DIR": "lab-workspaces",
        "IPYTHONDIR": "ipython",
    }
    env = dict(os.environ)
    for name, sub in dirs.items():
        (state / sub).mkdir(parents=True, exist_ok=True)
        env[name] = str(state / sub)
    _write_lab_settings(state / dirs["JUPYTERLAB_SETTINGS_DIR"])
    env.pop("JUPYTER_TOKEN", None)
    return env


def _lab_command(root_dir: Path, port: int) -> list[str]:
    """Command line of a quiet, offline JupyterLab on ``127.0.0.1:port`` (its token comes from ``JUPYTER_TOKEN``)."""
    command = [
        sys.executable, "-m", "jupyter", "lab",
        "--no-browser",
        f"--ServerApp.ip={LOOPBACK}",
        f"--ServerApp.port={port}",
        "--ServerApp.port_retries=0",
        f"--ServerApp.root_dir={root_dir}",
        "--LabApp.check_for_updates_class=jupyterlab.NeverCheckForUpdate",
        "--LabApp.news_url=None",  # no news feed, and no "receive news?" prompt
        "--LabApp.extension_manager=readonly",  # never query PyPI for extensions
    ]  # fmt: skip
    if os.geteuid() == 0:
        command.append("--allow-root")
    return command


def _wait_until_up(status_url: str, token: str | None, process: subprocess.Popen, log_file: Path, timeout: float,
                   expected: int = 200) -> None:
    """Poll ``status_url`` (with ``token`` unless None) until it answers ``expected``; raise with the log if it never does."""
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        if process.poll() is not None:
            raise RuntimeError(f"server exited with code {process.returncode}; log:\n{_tail(log_file)}")
        try:
            params = {"token": token} if token else {}
            if _LOCAL_HTTP.get(status_url, params=params, timeout=2, allow_redirects=False).status_code == expected:
                return
        except requests.ConnectionError:
            pass
        time.sleep(0.2)
    raise TimeoutError(f"server did not answer {status_url} within {timeout:.0f} s; log:\n{_tail(log_file)}")


@contextmanager
def _server(command_for: Callable[[Path], list[str]], root_dir: Path, status_url: str, token: str | None, timeout: float,
            name: str, expected: int = 200,
            environment: Callable[[dict[str, str]], dict[str, str]] = dict) -> Iterator[tuple[subprocess.Popen, Path]]:
    """Start ``command_for(state)`` in ``root_dir`` with isolated Jupyter state; wait until ``status_url`` answers ``expected``.

    ``state`` is a private temporary folder (mode 0700, removed afterwards) for the server's settings and
    log; ``environment`` turns the isolated environment into the server's (e.g. adds ``JUPYTER_PATH``).
    Yields the process and its log file.
    """
    with tempfile.TemporaryDirectory(prefix=f"{name}-test-") as tmp:
        state = Path(tmp)
        log_file = state / f"{name}.log"
        command = command_for(state)
        with log_file.open("wb") as log:
            process = subprocess.Popen(
                command,
                cwd=root_dir,
                env=environment(_isolated_env(state)),
                stdin=subprocess.DEVNULL,
                stdout=log,
                stderr=subprocess.STDOUT,
                start_new_session=True,
            )
        try:
            _wait_until_up(status_url, token, process, log_file, timeout, expected)
            yield process, log_file
        finally:
            stop_process_group(process, SHUTDOWN_TIMEOUT_S)


@contextmanager
def jupyterlab(root_dir: Path, timeout: float = STARTUP_TIMEOUT_S) -> Iterator[LabServer]:
    """Run JupyterLab serving ``root_dir`` for the duration of the ``with`` block.

    Token authentication stays on (a fresh random token, passed in ``JUPYTER_TOKEN``). The log goes
    to a file in a temporary folder (never a pipe, which could fill up and block the server).
    """
    root_dir = Path(root_dir).resolve()
    port, token = free_port(), secrets.token_hex(16)
    base_url = f"http://{LOOPBACK}:{port}/"
    with _server(lambda state: _lab_command(root_dir, port), root_dir, base_url + "api/status", token, timeout,
                 "jupyterlab", environment=lambda env: {**env, "JUPYTER_TOKEN": token}) as (_, log_file):
        yield LabServer(base_url=base_url, token=token, root_dir=root_dir, log_file=log_file)


@dataclass(frozen=True)
class VoilaServer:
    """A running Voila serving one notebook as a web app."""

    base_url: str
    token: str
    pid: int
    log_file: Path = field(repr=False)

    @property
    def url(self) -> str:
        """The app's URL, token included."""
        return f"{self.base_url}?token={self.token}"

    def kernels(self) -> int:
        """How many kernels the server runs now."""
        return len(kernel_processes(self.pid))

    def wait_for_kernels(self, count: int, timeout: float) -> int:
        """Wait up to ``timeout`` seconds until the server runs ``count`` kernels; return the last count seen."""
        deadline = time.monotonic() + timeout
        while (seen := self.kernels()) != count and time.monotonic() < deadline:
            time.sleep(0.2)
        return seen

    def log(self) -> str:
        return _tail(self.log_file)


@contextmanager
def voila(notebook: Path, timeout: float = STARTUP_TIMEOUT_S, template: str | None = None,
          jupyter_path: Path | None = None, limits: slides.KernelLimits = slides.KernelLimits()) -> Iterator[VoilaServer]:
    """Run Voila on one notebook (served from its own folder) for the duration of the ``with`` block.

    Settings as ``make slides`` writes them (:func:`delivery.slides.voila_config`): ``template``
    (None: Voila's default), found on ``jupyter_path``; kernels freed and capped by ``limits``.
    """
    notebook = Path(notebook).resolve()
    port, token = free_port(), secrets.token_hex(16)
    base_url = f"http://{LOOPBACK}:{port}/"

    def command(state: Path) -> list[str]:
        slides.write_voila_config(state, slides.voila_config(port, token, state, template, limits))
        return slides.voila_command(notebook, state)

    # Up means: the page answers, and without the token it redirects to the login page (no kernel is started).
    with _server(command, notebook.parent, base_url, None, timeout, "voila", expected=302,
                 environment=lambda env: slides.voila_environment(jupyter_path, env)) as (process, log_file):
        yield VoilaServer(base_url=base_url, token=token, pid=process.pid, log_file=log_file)


# Browser ------------------------------------------------------------------------
@contextmanager
def chromium(executable_path: str | Path, headless: bool = True) -> Iterator[Browser]:
    """Launch the Chromium at ``executable_path`` through Playwright; close it afterwards.

    Playwright never downloads a browser here: the binary is always the given one.
    Each ``browser.new_context()`` / ``browser.new_page()`` gets a fresh in-memory
    profile, so tests do not share cookies or storage.
    """
    with sync_playwright() as playwright:
        browser = playwright.chromium.launch(
            executable_path=str(executable_path), headless=headless, args=list(CHROMIUM_ARGS)
        )
        try:
            yield browser
        finally:
            browser.close()


def close_tab(page: Page, timeout_ms: float = 10_000) -> None:
    """Close ``page`` as a person closes a tab: its ``beforeunload`` and ``pagehide`` handlers run (a
    slides page asks Voila to shut its kernel down); return once the tab is gone."""
    with page.expect_event("close", timeout=timeout_ms):
        page.close(run_before_unload=True)


# Running a notebook through the JupyterLab UI --------------------------------------
@dataclass(frozen=True)
class NotebookRun:
    """What JupyterLab showed after *Run All Cells*.

    ``errors`` holds the text of every output rendered as
    ``application/vnd.jupyter.stderr``: JupyterLab 4 renders both tracebacks and
    stderr streams (warnings included) with that MIME type.
    """

    code_cells: int
    executed: int
    outputs: int
    errors: tuple[str, ...]

    @property
    def ok(self) -> bool:
        """Every code cell ran and nothing was written to stderr."""
        return self.executed == self.code_cells and not self.errors


class _Deadline:
    """One overall timeout, handed to Playwright as remaining milliseconds.

    ``step`` says what the run is waiting for, for the timeout message.
    """

    def __init__(self, seconds: float) -> None:
        self.seconds = seconds
        self.end = time.monotonic() + seconds
        self.step = "start"

    def ms(self) -> float:
        remaining = self.end - time.monotonic()
        if remaining <= 0:
            raise self.expired()
        return remaining * 1000

    def expired(self) -> TimeoutError:
        return TimeoutError(f"not done within {self.seconds:.0f} s; was waiting to {self.step}")


# Before its session starts, a notebook shows "No Kernel" with an *idle* status:
# ready means idle with a kernel name. A dialog also ends the wait (see below).
_KERNEL_READY_OR_DIALOG = """([panel, indicator, name]) => {
    if (document.querySelector(".jp-Dialog") !== null) return true;
    const kernel = panel.querySelector(name)?.textContent.trim();
    return panel.querySelector(indicator)?.dataset.status === "idle"
        && !!kernel && kernel !== "No Kernel";
}"""

_ALL_CLEARED = r"""([panel, prompt]) =>
    [...panel.querySelectorAll(prompt)].every(p => !/\d|\*/.test(p.textContent))
"""

# Done: the kernel is idle, no cell is queued or running ([*]), and at least one
# cell has a number. Outputs were cleared first, so that number is from this run.
# Run All stops at the first error: later cells then keep an empty prompt.
_RUN_FINISHED = r"""([panel, prompt, indicator]) => {
    const texts = [...panel.querySelectorAll(prompt)].map(p => p.textContent);
    return panel.querySelector(indicator)?.dataset.status === "idle"
        && !texts.some(t => t.includes("*"))
        && texts.some(t => /\[\d+\]/.test(t));
}"""


def _menu(page: Page, menu: str, item: str, deadline: _Deadline) -> None:
    """Click ``menu`` in JupyterLab's menu bar, then ``item`` in the menu it opens."""
    page.locator(".lm-MenuBar").get_by_role("menuitem", name=menu, exact=True).click(timeout=deadline.ms())
    page.locator(".lm-Menu").get_by_role("menuitem", name=item, exact=True).click(timeout=deadline.ms())


def _wait(page: Page, script: str, args: list, deadline: _Deadline) -> None:
    """Poll ``script`` (a JS predicate taking ``args``) until true, within the deadline."""
    page.wait_for_function(script, arg=args, polling=200, timeout=deadline.ms())


def _wait_for_kernel(page: Page, panel: ElementHandle, deadline: _Deadline) -> None:
    """Wait until the notebook's kernel is idle, accepting a *Select Kernel* dialog on the way.

    That dialog appears for a notebook without a kernelspec; it preselects the
    server's default kernel (the current environment's ``python3``). Any other
    dialog is unexpected and raised as an error.
    """
    while True:
        _wait(page, _KERNEL_READY_OR_DIALOG, [panel, KERNEL_STATUS, KERNEL_NAME], deadline)
        dialog = page.locator(DIALOG)
        if dialog.count() == 0:
            return
        title = dialog.locator(".jp-Dialog-header").text_content(timeout=deadline.ms()) or ""
        if title.strip() != "Select Kernel":
            raise RuntimeError(f"unexpected JupyterLab dialog: {dialog.inner_text()!r}")
        dialog.locator(".jp-mod-accept").click(timeout=deadline.ms())
        dialog.wait_for(state="detached", timeout=deadline.ms())


def _read_run(panel: Locator) -> NotebookRun:
    """Count code cells, numbered prompts and outputs; collect the stderr outputs' text."""
    prompts = panel.locator(CODE_PROMPT).all_text_contents()
    return NotebookRun(
        code_cells=len(prompts),
        executed=sum(any(c.isdigit() for c in p) for p in prompts),
        outputs=panel.locator(OUTPUT).count(),
        errors=tuple(panel.locator(f'{OUTPUT}[data-mime-type="{STDERR_MIME}"]').all_text_contents()),
    )


def run_notebook_in_lab(page: Page, notebook_url: str | None, timeout: float = 120.0) -> NotebookRun:
    """Open ``notebook_url`` in JupyterLab (``None``: the notebook the page shows), clear it, run all cells
    through the menus, report.

    The clicks are the ones a student makes: *Edit > Clear Outputs of All Cells*, then
    *Run > Run All Cells*. Waits (all within ``timeout`` seconds overall, else
    ``TimeoutError``) until the kernel is idle and no cell is queued. Clearing changes
    the served copy of the notebook (JupyterLab autosaves): serve a copy, never the
    repository's files.
    """
    deadline = _Deadline(timeout)
    try:
        return _run_all(page, notebook_url, deadline)
    except PlaywrightTimeoutError as error:
        raise deadline.expired() from error


def _run_all(page: Page, notebook_url: str | None, deadline: _Deadline) -> NotebookRun:
    """The steps of :func:`run_notebook_in_lab`, each naming itself on ``deadline``."""
    deadline.step = "load JupyterLab and show the notebook"
    if notebook_url is not None:
        page.goto(notebook_url, timeout=deadline.ms())
    panel = page.locator(f"{NOTEBOOK_PANEL}:not(.lm-mod-hidden)")
    panel.locator(".jp-Notebook").wait_for(timeout=deadline.ms())
    handle = panel.element_handle(timeout=deadline.ms())
    deadline.step = "get an idle kernel"
    _wait_for_kernel(page, handle, deadline)
    if panel.locator(CODE_CELL).count() == 0:
        return _read_run(panel)
    deadline.step = "clear all outputs"
    _menu(page, "Edit", "Clear Outputs of All Cells", deadline)
    _wait(page, _ALL_CLEARED, [handle, CODE_PROMPT], deadline)
    deadline.step = "run all cells (kernel idle, no [*] prompt left)"
    _menu(page, "Run", "Run All Cells", deadline)
    _wait(page, _RUN_FINISHED, [handle, CODE_PROMPT, KERNEL_STATUS], deadline)
    return _read_run(panel)


# Driving an explorer in Voila ------------------------------------------------------
#: The readout, the image source and a SHA-256 of the image bytes of one explorer (a box with
#: the CSS class ``explorer-<name>``). An ipywidgets Image gets a new blob URL on every value,
#: so equal pictures are compared by their bytes, not their URLs.
_EXPLORER_STATE = """async (box) => {
    const img = box.querySelector("img");
    const src = img?.getAttribute("src") ?? null;
    let sha = null;
    if (src) {
        const bytes = await (await fetch(src)).arrayBuffer();
        const digest = await crypto.subtle.digest("SHA-256", bytes);
        sha = [...new Uint8Array(digest)].map(b => b.toString(16).padStart(2, "0")).join("");
    }
    return {readout: box.querySelector(".readout")?.textContent ?? null, image: src, sha: sha};
}"""

_EXPLORER_CHANGED = """([box, before]) => {
    const readout = box.querySelector(".readout")?.textContent ?? null;
    const image = box.querySelector("img")?.getAttribute("src") ?? null;
    return readout !== null && image !== null && readout !== before.readout && image !== before.image;
}"""


def explorer_box(page: Page, name: str, timeout_ms: float = 120_000) -> Locator:
    """The explorer ``name`` on a Voila page, once its first reading has been drawn."""
    box = page.locator(f".explorer-{name}")
    box.locator(".readout").wait_for(timeout=timeout_ms)
    box.locator("img").wait_for(timeout=timeout_ms)
    return box


def explorer_state(box: Locator) -> dict:
    """The explorer's current readout text, image ``src`` and image SHA-256."""
    return box.evaluate(_EXPLORER_STATE)


def nudge_slider(page: Page, box: Locator, description: str, key: str = "ArrowRight",
                 timeout_ms: float = 10_000) -> tuple[dict, float]:
    """Press ``key`` on the slider labelled ``description``; wait until readout and image both change.

    Returns the new state and the milliseconds from the key press to the new image in the page.
    """
    before = explorer_state(box)
    handle = box.locator(".widget-hslider", has_text=description).locator(".noUi-handle")
    handle.focus()
    start = time.perf_counter()
    handle.press(key)
    page.wait_for_function(_EXPLORER_CHANGED, arg=[box.element_handle(), before], polling="raf", timeout=timeout_ms)
    elapsed = (time.perf_counter() - start) * 1000
    return explorer_state(box), elapsed


def reset_explorer(box: Locator, wanted: dict, timeout_s: float = 10.0) -> dict:
    """Click *Back to as reported*; wait until readout and image bytes equal ``wanted``'s; return the state."""
    box.get_by_role("button", name="Back to as reported").click()
    deadline = time.monotonic() + timeout_s
    while True:
        state = explorer_state(box)
        if (state["readout"], state["sha"]) == (wanted["readout"], wanted["sha"]) or time.monotonic() > deadline:
            return state
        time.sleep(0.05)
