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
* Explorers in Voila (:func:`explorer_box`, :func:`nudge_slider`, :func:`reset_explorer`) and
  reveal.js decks, live or static (:func:`slide_positions`, :func:`walk_right`, :func:`show_slide`,
  :func:`measure_fit`, :func:`unhide_slides`), at the projector size :data:`PROJECTOR`.
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

    def url_for(self, notebook: str) -> str:
        """The URL of ``notebook`` (a file name) when the server serves a folder, token included."""
        return f"{self.base_url}voila/render/{quote(notebook)}?token={self.token}"

    def kernels(self) -> int:
        """How many kernels the server runs now."""
        return len(kernel_processes(self.pid))

    def wait_for_kernels(self, count: int, timeout: float) -> int:
        """Wait up to ``timeout`` seconds until the server runs ``count`` kernels; return the last count seen."""
        deadline = time.monotonic() + timeout
        while (seen := self.kernels()) != count and time.monotonic() < deadline:
            time.sleep(0.2)
        return seen

    def settled_kernels(self, quiet_s: float = 2.0, timeout: float = 30.0) -> int:
        """The number of kernels once it has not changed for ``quiet_s`` seconds (or after ``timeout``)."""
        deadline = time.monotonic() + timeout
        count, since = self.kernels(), time.monotonic()
        while time.monotonic() - since < quiet_s and time.monotonic() < deadline:
            time.sleep(0.2)
            if (now := self.kernels()) != count:
                count, since = now, time.monotonic()
        return count

    def log(self) -> str:
        return _tail(self.log_file)


@contextmanager
def voila(notebook: Path, timeout: float = STARTUP_TIMEOUT_S, template: str | None = None,
          jupyter_path: Path | None = None, limits: slides.KernelLimits = slides.KernelLimits()) -> Iterator[VoilaServer]:
    """Run Voila on one notebook (served from its own folder), or on a folder of notebooks
    (:meth:`VoilaServer.url_for`), for the duration of the ``with`` block.

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
    #: The text of a JupyterLab dialog left open after the run (empty: none), to explain an odd count.
    dialog: str = ""

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

#: How long the number of rendered outputs must stay the same after a run, and how long to wait for that at most.
OUTPUTS_SETTLE_MS = 800
OUTPUTS_WAIT_MS = 15_000
# Settled: at least one output, and their number unchanged for ``ms`` (state kept on ``window`` between polls).
_OUTPUTS_SETTLED = r"""([panel, output, ms]) => {
    const count = panel.querySelectorAll(output).length, now = performance.now();
    const seen = window.__courseOutputs ??= {count: -1, since: now};
    if (count !== seen.count) { seen.count = count; seen.since = now; return false; }
    return count > 0 && now - seen.since >= ms;
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
        dialog=" | ".join(text.strip() for text in panel.page.locator(DIALOG).all_inner_texts()),
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
    deadline.step = "let the outputs settle"
    _settle_outputs(page, handle, deadline)
    return _read_run(panel)


def _settle_outputs(page: Page, panel: ElementHandle, deadline: _Deadline) -> None:
    """Wait until the notebook shows at least one output and their number has not changed for
    :data:`OUTPUTS_SETTLE_MS`, for at most :data:`OUTPUTS_WAIT_MS` (then read what is there: a run that
    rendered nothing is reported by the caller, not hidden by this wait).

    A cell's number can show before its outputs are drawn (execution count and outputs travel on
    different kernel channels), so reading at once could undercount them on a busy machine."""
    page.evaluate("() => { delete window.__courseOutputs; }")
    try:
        page.wait_for_function(_OUTPUTS_SETTLED, arg=[panel, OUTPUT, OUTPUTS_SETTLE_MS], polling=200,
                               timeout=max(1.0, min(OUTPUTS_WAIT_MS, deadline.ms())))
    except PlaywrightTimeoutError:
        pass


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


# Reveal.js decks: the live slides (Voila, reveal.js 6) and the static ones (site, reveal.js 3.9) ------
#: The projector the slides are made for, in CSS pixels (a Playwright viewport).
PROJECTOR = {"width": 1280, "height": 720}

#: [horizontal, vertical] of every slide, in document order (reveal.js's "linear" order).
_POSITIONS = """() => [...document.querySelectorAll(".reveal .slides > section")].flatMap((stack, h) => {
    const leaves = stack.querySelectorAll(":scope > section").length;
    return leaves ? [...Array(leaves).keys()].map(v => [h, v]) : [[h, 0]];
})"""
#: [horizontal, vertical] of the slide shown now (reveal.js marks it "present").
_CURRENT = """() => {
    const stacks = [...document.querySelectorAll(".reveal .slides > section")];
    const h = stacks.findIndex(s => s.classList.contains("present"));
    const v = h < 0 ? -1 : [...stacks[h].querySelectorAll(":scope > section")].findIndex(s => s.classList.contains("present"));
    return [h, Math.max(v, 0)];
}"""
#: The slide (leaf section) shown now, and whether it has come to rest at the top left of the window.
_SETTLED = """([h, v]) => {
    const stack = document.querySelectorAll(".reveal .slides > section")[h];
    const leaf = stack && (stack.querySelectorAll(":scope > section")[v] || stack);
    if (!leaf || !leaf.classList.contains("present") || !stack.classList.contains("present")) return false;
    const box = leaf.getBoundingClientRect();
    return Math.abs(box.left) < 1 && Math.abs(box.top) < 1;
}"""
#: Every figure of the slide shown now: width on screen, natural width, and whether it is an explorer's.
_FIGURES = """() => {
    const stack = document.querySelector(".reveal .slides > section.present");
    const leaf = stack && (stack.querySelector(":scope > section.present") || stack);
    return leaf ? [...leaf.querySelectorAll("img")].filter(img => img.naturalWidth > 0 && img.getBoundingClientRect().width > 0)
        .map(img => ({shown: img.getBoundingClientRect().width, natural: img.naturalWidth,
                      explorer: !!img.closest(".explorer, .static-widget"), alt: (img.alt || img.title || "").slice(0, 60)})) : [];
}"""


def slide_positions(page: Page) -> list[tuple[int, int]]:
    """[horizontal, vertical] of every slide of the deck, in document order."""
    return [tuple(p) for p in page.evaluate(_POSITIONS)]


def current_slide(page: Page) -> tuple[int, int]:
    """[horizontal, vertical] of the slide shown now."""
    return tuple(page.evaluate(_CURRENT))


def slide_of(element: Locator) -> tuple[int, int]:
    """[horizontal, vertical] of the slide that holds ``element``."""
    return tuple(element.evaluate("""(element) => {
        const leaf = element.closest(".reveal .slides > section > section") || element.closest(".reveal .slides > section");
        const stack = leaf.parentElement.closest("section") || leaf;
        const stacks = [...document.querySelectorAll(".reveal .slides > section")];
        return [stacks.indexOf(stack), stack === leaf ? 0 : [...stack.querySelectorAll(":scope > section")].indexOf(leaf)];
    }"""))


def show_slide(page: Page, position: tuple[int, int], timeout_ms: float = 10_000) -> None:
    """Show the slide at ``position`` (through the URL, as a bookmark would) and wait until it is at rest."""
    page.evaluate(f"location.hash = '#/{position[0]}/{position[1]}'")
    page.wait_for_function(_SETTLED, arg=list(position), polling="raf", timeout=timeout_ms)


def figures_shown(page: Page) -> list[dict]:
    """The figures of the slide shown now: ``shown`` and ``natural`` width (pixels), ``explorer``, ``alt``."""
    return page.evaluate(_FIGURES)


def walk_right(page: Page, on_slide: Callable[[tuple[int, int]], None] | None = None) -> list[tuple[int, int]]:
    """From the first slide, press the right arrow key until the last slide; return the slides shown, in order.

    A slide shown for several presses in a row (its fragments appearing one by one) is listed once.
    ``on_slide(position)`` is called on each newly shown slide.
    """
    show_slide(page, (0, 0))
    page.evaluate("() => document.activeElement && document.activeElement.blur()")  # the keys go to reveal.js, not a widget
    presses = len(slide_positions(page)) + page.locator(".reveal .slides .fragment").count() + 1
    seen = [current_slide(page)]
    if on_slide:
        on_slide(seen[-1])
    for _ in range(presses):
        page.keyboard.press("ArrowRight")
        position = current_slide(page)
        if position != seen[-1]:
            seen.append(position)
            if on_slide:
                on_slide(position)
    return seen


#: Where an explorer sits on the slide shown now: its controls, figures and readout (left, top, right,
#: bottom in CSS pixels), and the elements that reach past the right edge of the window (those inside a
#: box that scrolls or clips by itself, such as a wide table, excepted).
_FIT = """(box) => {
    const width = window.innerWidth;
    const shown = e => { const r = e.getBoundingClientRect(); return r.width > 0 && r.height > 0 && getComputedStyle(e).visibility !== "hidden"; };
    const rect = e => { const r = e.getBoundingClientRect(); return [r.left, r.top, r.right, r.bottom].map(x => Math.round(x * 10) / 10); };
    const name = e => e.tagName.toLowerCase() + (e.className && typeof e.className === "string" ? "." + e.className.trim().split(/\\s+/).slice(0, 3).join(".") : "")
        + " '" + (e.textContent || e.alt || "").trim().slice(0, 30) + "'";
    const clippedInside = e => {
        for (let up = e.parentElement; up && up !== box; up = up.parentElement) {
            if (getComputedStyle(up).overflowX !== "visible" && up.getBoundingClientRect().right <= width + 0.5) return true;
        }
        return false;
    };
    const controls = [...box.querySelectorAll("input, select, button, textarea, [role=slider], label, .widget-label, .widget-readout")].filter(shown);
    return {
        controls: controls.map(e => ({name: name(e), rect: rect(e)})),
        figures: [...box.querySelectorAll("img")].filter(shown).map(e => ({name: name(e), rect: rect(e)})),
        readouts: [...box.querySelectorAll(".readout")].filter(shown).map(e => ({name: name(e), rect: rect(e)})),
        past_right: [...box.querySelectorAll("*")].filter(e => shown(e) && e.getBoundingClientRect().right > width + 0.5 && !clippedInside(e)).map(name),
        font_px: controls.map(e => parseFloat(getComputedStyle(e).fontSize)),
        viewport: [window.innerWidth, window.innerHeight],
    };
}"""


def measure_fit(box: Locator) -> dict:
    """Where the explorer ``box`` sits on the slide shown now (see :data:`_FIT`): ``controls``, ``figures`` and
    ``readouts`` (each ``{"name", "rect"}``), ``past_right`` (names), ``font_px`` of the controls, ``viewport``."""
    return box.evaluate(_FIT)


def outside(items: list[dict], viewport: list[float]) -> list[str]:
    """The items of :func:`measure_fit` whose box is not wholly inside the window."""
    width, height = viewport
    return [f"{item['name']} at {item['rect']}" for item in items
            if item["rect"][0] < -0.5 or item["rect"][1] < -0.5 or item["rect"][2] > width + 0.5 or item["rect"][3] > height + 0.5]


#: Reveal.js shows one slide and hides the others (display, visibility, aria-hidden), and axe-core checks only
#: what is shown. For one check of the whole deck this lays every slide out, one under the other, all fragments
#: shown, with the deck's own style sheets; the deck can no longer be presented afterwards (reload it).
_UNHIDE = """() => {
    const style = document.createElement("style");
    style.textContent = `
      *, *::before, *::after { transition: none !important; animation: none !important; }
      html, body, main, #rendered_cells, .reveal-viewport, .reveal, .reveal .slides {
        height: auto !important; overflow: visible !important; position: static !important; transform: none !important; zoom: 1 !important; }
      .reveal .slides section { display: block !important; visibility: visible !important; opacity: 1 !important;
        position: relative !important; transform: none !important; top: auto !important; left: auto !important;
        height: auto !important; overflow: visible !important; }
      .reveal .slides .fragment { opacity: 1 !important; visibility: visible !important; transform: none !important; }
      .reveal .backgrounds { display: none !important; }`;
    document.head.appendChild(style);
    document.querySelectorAll(".reveal .slides section").forEach(s => { s.hidden = false; s.removeAttribute("aria-hidden"); s.removeAttribute("inert"); });
    return document.querySelectorAll(".reveal .slides section").length;
}"""


def unhide_slides(page: Page) -> int:
    """Lay every slide of the deck out for one accessibility check (see :data:`_UNHIDE`); return the sections.

    Returns after two animation frames, so that the page's own scripts have seen the new layout (resize
    observers run once per frame)."""
    sections = page.evaluate(_UNHIDE)
    page.evaluate("() => new Promise(done => requestAnimationFrame(() => requestAnimationFrame(done)))")
    return sections


#: Smallest figure text a resident at the back of the room reads, in CSS pixels on the projected slide.
MIN_TEXT_PX_ON_SCREEN = 14
#: Where the accessibility tests leave their counts for a maintainer to read.
ACCESSIBILITY_REPORTS = Path(__file__).resolve().parent.parent / "build" / "accessibility"


def figure_min_scale(figure: dict) -> float:
    """The smallest shown/natural width ratio that keeps a figure's smallest text at :data:`MIN_TEXT_PX_ON_SCREEN`.

    A notebook figure's smallest text is ``MIN_FONT_PT`` points at ``FIGURE_DPI`` (:mod:`utils.plots`); an
    explorer's, ``MIN_TEXT_PX`` pixels at its natural size (:mod:`utils.widgets`). Both are checked where
    the figures are drawn (tests/test_figures_fit.py); here, how large the slide shows them.
    """
    from utils.plots import FIGURE_DPI, MIN_FONT_PT
    from utils.widgets import MIN_TEXT_PX

    natural_px = MIN_TEXT_PX if figure["explorer"] else MIN_FONT_PT * FIGURE_DPI / 72
    return MIN_TEXT_PX_ON_SCREEN / natural_px


def small_figures(page: Page, position: tuple[int, int]) -> list[str]:
    """The figures of the slide shown now whose smallest text is under :data:`MIN_TEXT_PX_ON_SCREEN` pixels."""
    return [f"slide {position}: {f['alt']!r} shown at {f['shown']:.0f} of {f['natural']} px (needs "
            f"{figure_min_scale(f):.2f} of it)" for f in figures_shown(page) if f["shown"] / f["natural"] < figure_min_scale(f) - 0.005]


def arrow_walk_problems(page: Page, label: str) -> list[str]:
    """Walk the deck shown in ``page`` with the right arrow key (:func:`walk_right`); return the problems:
    slides not shown in the deck's order, and figures whose text shows under 14 px (:func:`small_figures`)."""
    small: list[str] = []
    start = time.perf_counter()
    seen = walk_right(page, lambda position: small.extend(small_figures(page, position)))
    expected = slide_positions(page)
    print(f"{label}: {len(seen)} slides shown by the right arrow in {time.perf_counter() - start:.1f} s")
    problems = [] if seen == expected else [f"the right arrow showed {seen}, the deck has {expected}"]
    return problems + [f"figure text under 14 px on the projected slide: {line}" for line in small]


def explorers_on_their_slides(page: Page, boxes: Locator, label: str) -> tuple[list[str], list[str], list[dict], list[tuple]]:
    """Check every explorer of ``boxes`` on its slide (:func:`explorer_slide_problems`); return the problems, axe's
    summary lines, its blocking violations, and ``(box, where)`` of each explorer for further checks."""
    from accessibility import blocking, summary

    problems, lines, blocked, checked = [], [], [], []
    for index in range(boxes.count()):
        box, where = boxes.nth(index), f"{label}, explorer {index + 1}"
        found, axe = explorer_slide_problems(page, box, where)
        problems += found
        lines.append(summary(f"{where}, on its slide", axe))
        blocked += blocking(axe)
        checked.append((box, where))
    return problems, lines, blocked, checked


def deck_axe_blocking(page: Page, label: str, report: str) -> list[dict]:
    """axe-core on a deck as opened (its first slide) and with every slide laid out (:func:`unhide_slides`; the
    deck cannot be presented afterwards); write both summaries to the report ``report``; return the critical
    and serious violations of both."""
    from accessibility import blocking, summary, violations

    show_slide(page, (0, 0))
    opened = violations(page)
    sections = unhide_slides(page)
    every = violations(page)
    write_report(report, [summary(f"{label}, as opened", opened), summary(f"{label}, all {sections} sections laid out", every)])
    return blocking(opened) + blocking(every)


_MORE_BELOW = """() => {
    const leaf = document.querySelector(".reveal .slides > section.present > section.present");
    return leaf.scrollHeight - leaf.clientHeight - leaf.scrollTop > 2;
}"""


def explorer_slide_problems(page: Page, box: Locator, where: str) -> tuple[list[str], list[dict]]:
    """Show the explorer ``box`` on its slide and check it as a projector shows it.

    Returns the problems (a control, figure or readout outside the window; anything past the right
    edge; control text under 14 px; no controls; more below the bottom edge without the "more below"
    cue, or the cue with nothing below) and axe-core's violations on the slide as shown.
    """
    from accessibility import violations

    position = slide_of(box)
    show_slide(page, position)
    fit = measure_fit(box)
    problems = []
    for kind in ("controls", "figures", "readouts"):
        problems += [f"{where}: {kind[:-1]} outside the window: {item}" for item in outside(fit[kind], fit["viewport"])]
    problems += [f"{where}: past the right edge: {name}" for name in fit["past_right"]]
    problems += [f"{where}: control text {px:g} px" for px in fit["font_px"] if px < MIN_TEXT_PX_ON_SCREEN]
    if not fit["controls"]:
        problems.append(f"{where}: no controls found")
    more_below = page.evaluate(_MORE_BELOW)
    try:  # the cue follows the slide within a second (and on every scroll and slide change)
        page.wait_for_function("(want) => !document.querySelector('.bmm-more-below').hidden === want", arg=more_below,
                               timeout=5_000)
    except PlaywrightTimeoutError:
        problems.append(f"{where}: {'more' if more_below else 'nothing'} below the bottom edge, but the cue says otherwise")
    print(f"{where}: {len(fit['controls'])} controls, figures at {[f['rect'] for f in fit['figures']]}, "
          f"more below: {more_below}")
    return problems, violations(page, ".reveal .slides > section.present > section.present")


def write_report(name: str, lines: list[str]) -> None:
    """Print ``lines`` and keep them in ``build/accessibility/<name>.txt``."""
    ACCESSIBILITY_REPORTS.mkdir(parents=True, exist_ok=True)
    (ACCESSIBILITY_REPORTS / f"{name}.txt").write_text("\n".join(lines) + "\n", encoding="utf-8")
    print("\n" + "\n".join(lines))


#: An explorer's reading as the page shows it: the text of its reading column (readout or Markdown) and a
#: SHA-256 of its picture's bytes (an ipywidgets Image gets a new blob URL on every value).
_READING = """async (box) => {
    const reading = box.querySelector(".explorer-reading") || box;
    const img = reading.querySelector("img");
    const src = img && getComputedStyle(img).display !== "none" ? img.getAttribute("src") : null;
    let sha = null;
    if (src) {
        const digest = await crypto.subtle.digest("SHA-256", await (await fetch(src)).arrayBuffer());
        sha = [...new Uint8Array(digest)].map(b => b.toString(16).padStart(2, "0")).join("");
    }
    return {text: reading.innerText.trim(), sha: sha};
}"""


def explorer_reading(box: Locator) -> dict:
    """The ``text`` of the explorer's reading and the ``sha`` of its picture (None without one)."""
    return box.evaluate(_READING)


def wait_for_reading(box: Locator, wanted: Callable[[dict], bool], timeout_s: float = 15.0) -> dict:
    """Poll the explorer's reading until ``wanted(reading)``; return the last reading seen."""
    deadline = time.monotonic() + timeout_s
    while True:
        reading = explorer_reading(box)
        if wanted(reading) or time.monotonic() > deadline:
            return reading
        time.sleep(0.05)


def press_in_first_control(box: Locator) -> str:
    """Change the explorer's first menu (else its first slider) with the keyboard; return what was pressed where.

    A menu (closed, focused) gets ArrowDown, or ArrowUp on its last option; a slider's handle gets the
    arrow key away from its end. Either key would turn the slide if it reached reveal.js.
    """
    menu = box.locator("select:not([disabled])")
    if menu.count():
        first = menu.first
        key = "ArrowUp" if first.evaluate("s => s.selectedIndex === s.options.length - 1") else "ArrowDown"
        first.focus()
        first.press(key)
        return f"{key} on menu {first.evaluate('s => s.labels.length ? s.labels[0].textContent : s.id')!r}"
    handle = box.locator(".noUi-handle[role=slider]").first
    key = "ArrowRight" if handle.get_attribute("aria-valuenow") == handle.get_attribute("aria-valuemin") else "ArrowLeft"
    handle.focus()
    handle.press(key)
    return f"{key} on slider {handle.get_attribute('aria-labelledby')}"


def outputs_at_once(started: dict[str, subprocess.Popen], timeout_s: float) -> dict[str, tuple[int, str]]:
    """Wait for processes started together; return ``(exit code, stdout)`` by name (each killed after ``timeout_s``)."""
    done = {}
    for name, process in started.items():
        try:
            stdout, _ = process.communicate(timeout=timeout_s)
        finally:
            process.kill()
        done[name] = (process.returncode, stdout)
    return done
