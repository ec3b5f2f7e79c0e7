"""Shared pytest configuration: nbval strictness, browser availability, data protection.

Five things are fixed here once, for the whole suite:

1. nbval 0.11 executes cells with ``store_history=False``. IPython decides whether
   a trailing ``;`` silences a cell's result by looking at the last cell stored in
   history, so under nbval the semicolon is judged on the *previous* cell. We run
   cells with history on, as Jupyter does.
2. nbval skips ``image/png`` when comparing outputs (unless nbdime is used). We
   compare it: a figure that changes by one pixel fails. A cell that must be
   exempt (output drawn inside a widget) carries the ``nbval-ignore-output``
   tag and says why in its metadata (``nbval_reason``).
3. Nothing in the suite may change ``casedata/`` or ``notebooks/``: both are
   fingerprinted when the session starts and checked when it ends.
4. The suite leaves nothing behind: a :class:`delivery.processes.RunGuard` marks
   every process the session starts and gives it a private temporary folder. When
   the session ends (after ``LEFTOVER_GRACE_S`` seconds for kernels on their way
   out), any server, kernel or other process it started that still runs (with the
   ports it listens on) and anything left in that folder fails the run; they are
   then stopped and removed. pytest's own ``tmp_path`` folders stay where pytest
   keeps them.
5. Property-based tests (hypothesis) run the deterministic ``ci`` profile; ``--slow``
   selects the ``slow`` profile with many more examples from a new seed.

Browser tests take the ``chromium_path`` fixture, and tests that run the seminar hub the
``hub_proxy`` fixture (configurable-http-proxy, installed by ``make hub-setup``): skipped, with
the reason printed, when the program is missing; a failure when ``REQUIRE_BROWSER=1``.
"""

from __future__ import annotations

import functools
import hashlib
import http.server
import os
import sys
import tempfile
import threading
from pathlib import Path

import pytest
from hypothesis import settings as hypothesis_settings
from hypothesis.configuration import set_hypothesis_home_dir
from nbval.kernel import RunningKernel
from nbval.plugin import IPyNbFile

PROJECT_ROOT = Path(__file__).resolve().parent.parent
if str(PROJECT_ROOT) not in sys.path:  # a nested run (`-p conftest`, PYTHONPATH=tests) still finds delivery/
    sys.path.append(str(PROJECT_ROOT))
from delivery.processes import RunGuard  # noqa: E402
CHROMIUM = Path("/usr/bin/chromium")
PROTECTED_DIRS = ("casedata", "notebooks")
COMPARED_IMAGE_TYPES = ("image/png",)
#: Seconds a process or temporary folder of the session may take to go once the session ends.
LEFTOVER_GRACE_S = float(os.environ.get("BMM_LEFTOVER_GRACE_S", "10"))


# 1. Trailing semicolons --------------------------------------------------------
def _execute_with_history(self, cell_input, allow_stdin=None):
    return self.kc.execute(cell_input, store_history=True, allow_stdin=allow_stdin, stop_on_error=False)


RunningKernel.execute_cell_input = _execute_with_history


# 2. Compare figures --------------------------------------------------------------
def pytest_collection_modifyitems(session, config, items):
    for item in items:
        notebook = item.parent
        if isinstance(notebook, IPyNbFile):
            notebook.skip_compare = tuple(k for k in notebook.skip_compare if k not in COMPARED_IMAGE_TYPES)


# 3. Protected folders --------------------------------------------------------------
def fingerprint(folder: Path) -> dict[str, str]:
    """SHA-256 of every file below ``folder`` (checkpoint folders excluded)."""
    return {
        str(p.relative_to(folder)): hashlib.sha256(p.read_bytes()).hexdigest()
        for p in sorted(folder.rglob("*"))
        if p.is_file() and ".ipynb_checkpoints" not in p.parts and "__pycache__" not in p.parts
    }


def protected_root() -> Path:
    """The folder whose casedata/ and notebooks/ are guarded (overridable for the guard's own test)."""
    return Path(os.environ.get("PROTECTED_ROOT", PROJECT_ROOT))


def pytest_report_header(config):
    """First thing make test prints: whether the stored notebook outputs show the current casedata/."""
    from delivery import freshness

    if getattr(config, "_freshness_reported", False):  # this file is loaded twice (as conftest and as -p conftest)
        return None
    config._freshness_reported = True
    found = freshness.changes()
    return "stored outputs: current with casedata/" if not found else f"STORED OUTPUTS ARE STALE: {freshness.message(found)}"


def pytest_sessionstart(session):
    root = protected_root()
    session.config._protected = {d: fingerprint(root / d) for d in PROTECTED_DIRS}
    start_run_guard(session.config)


def pytest_sessionfinish(session, exitstatus):
    check_run_guard(session)
    before = getattr(session.config, "_protected", None)
    if before is None:
        return
    for name, prints in before.items():
        after = fingerprint(protected_root() / name)
        changed = sorted(k for k in set(prints) | set(after) if prints.get(k) != after.get(k))
        if changed:
            reporter = session.config.pluginmanager.get_plugin("terminalreporter")
            message = f"the test suite changed {name}/: {', '.join(changed)}"
            if reporter:
                reporter.write_line(f"FAILED (protected folder) {message}", red=True, bold=True)
            session.exitstatus = pytest.ExitCode.TESTS_FAILED


# 4. Nothing left behind --------------------------------------------------------------
def start_run_guard(config: pytest.Config) -> None:
    """Mark the processes this session starts and give it a private temporary folder (once per session)."""
    if getattr(config, "_run_guard", None) is None:
        # pytest's tmp_path folders stay in the usual temporary folder, where pytest keeps and prunes them.
        os.environ.setdefault("PYTEST_DEBUG_TEMPROOT", tempfile.gettempdir())
        config._run_guard = RunGuard(prefix="bmm-pytest-").start()


def check_run_guard(session: pytest.Session) -> None:
    """Fail the session if a process it started still runs or its temporary folder is not empty; then clean up."""
    guard = session.config.__dict__.pop("_run_guard", None)
    if guard is None:
        return
    try:
        left = guard.leftovers(grace=LEFTOVER_GRACE_S)
    finally:
        guard.finish()
    if left:
        reporter = session.config.pluginmanager.get_plugin("terminalreporter")
        if reporter:
            reporter.write_sep("=", "left behind", red=True, bold=True)
            for line in left:
                reporter.write_line(f"FAILED (left behind) the test suite {line}", red=True, bold=True)
            reporter.write_line("(stopped and removed now; the test or fixture that started it should have)", red=True)
        if session.exitstatus in (pytest.ExitCode.OK, pytest.ExitCode.NO_TESTS_COLLECTED):
            session.exitstatus = pytest.ExitCode.TESTS_FAILED


# Browser --------------------------------------------------------------------------
def _required_program(path: Path, reason: str) -> str:
    """``path`` if it is an executable file; else skip with ``reason``, or fail under REQUIRE_BROWSER=1 (CI)."""
    if path.is_file() and os.access(path, os.X_OK):
        return str(path)
    if os.environ.get("REQUIRE_BROWSER") == "1":
        pytest.fail(f"{reason}; REQUIRE_BROWSER=1 makes it a failure", pytrace=False)
    pytest.skip(reason)


@pytest.fixture(scope="session")
def chromium_path() -> str:
    """Path to Debian's Chromium; skip (or fail under REQUIRE_BROWSER=1) when absent."""
    return _required_program(CHROMIUM, f"browser test needs Debian's Chromium at {CHROMIUM} (apt-get install chromium)")


@pytest.fixture(scope="session")
def hub_proxy() -> str:
    """Path to the seminar hub's configurable-http-proxy; skip (or fail under REQUIRE_BROWSER=1) when absent."""
    from delivery.hub import PROXY_COMMAND

    return _required_program(PROXY_COMMAND, f"needs configurable-http-proxy at {PROXY_COMMAND}: make hub-setup, "
                                            "Node.js 20 or newer")


@pytest.fixture(scope="session")
def axe_ready() -> None:
    """axe-core for the accessibility tests (tests/accessibility.py); skip (or fail under REQUIRE_BROWSER=1) when absent."""
    from accessibility import AXE_SCRIPT

    if AXE_SCRIPT.is_file():
        return
    reason = f"accessibility test needs axe-core at {AXE_SCRIPT} (make test installs it with npm ci)"
    if os.environ.get("REQUIRE_BROWSER") == "1":
        pytest.fail(f"{reason}; REQUIRE_BROWSER=1 makes it a failure", pytrace=False)
    pytest.skip(reason)


# The offline site, built once per test session (tests/test_site.py, the accessibility and phone tests) ----------
@pytest.fixture(scope="session")
def built(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """The offline site (delivery.site) built from the repository into a temporary folder."""
    from delivery import site

    folder = tmp_path_factory.mktemp("site") / "site"
    site.build(folder)
    return folder


class _QuietHandler(http.server.SimpleHTTPRequestHandler):
    def log_message(self, *args) -> None:  # keep the test output clean
        pass


@pytest.fixture(scope="session")
def served(built: Path):
    """The built site on a loopback HTTP server; yields its base URL."""
    server = http.server.ThreadingHTTPServer(("127.0.0.1", 0), functools.partial(_QuietHandler, directory=str(built)))
    thread = threading.Thread(target=server.serve_forever, daemon=True)
    thread.start()
    try:
        yield f"http://127.0.0.1:{server.server_address[1]}/"
    finally:
        server.shutdown()
        server.server_close()


# Property-based tests (hypothesis) ------------------------------------------------------------
# CI: a small derandomised budget (the same examples every run), no deadline (timings vary on shared
# runners), no example database. `pytest --slow` selects the "slow" profile: many more examples
# from a new seed each run. Hypothesis keeps its caches in build/hypothesis, not in the working tree.
if not os.environ.get("HYPOTHESIS_STORAGE_DIRECTORY"):
    set_hypothesis_home_dir(PROJECT_ROOT / "build" / "hypothesis")
hypothesis_settings.register_profile("ci", max_examples=100, derandomize=True, deadline=None, database=None, print_blob=True,
                                     report_multiple_bugs=False)
hypothesis_settings.register_profile("slow", max_examples=2000, deadline=None, database=None, print_blob=True)


def pytest_addoption(parser):
    try:
        parser.addoption("--slow", action="store_true", default=False,
                         help="property-based tests: hypothesis profile 'slow' (many more examples, a new seed each run)")
    except ValueError:  # this file is loaded twice: as the plugin `-p conftest` and as the conftest of tests/
        pass


def pytest_configure(config):
    if config.getoption("--slow"):
        hypothesis_settings.load_profile("slow")
    elif not config.getoption("hypothesis_profile", None):
        hypothesis_settings.load_profile("ci")
