"""Shared pytest configuration: nbval strictness, browser availability, data protection.

Three things are fixed here once, for the whole suite:

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

Browser tests take the ``chromium_path`` fixture: skipped, with the reason
printed, when Debian's Chromium is missing; a failure when ``REQUIRE_BROWSER=1``.
"""

from __future__ import annotations

import hashlib
import os
from pathlib import Path

import pytest
from nbval.kernel import RunningKernel
from nbval.plugin import IPyNbFile

PROJECT_ROOT = Path(__file__).resolve().parent.parent
CHROMIUM = Path("/usr/bin/chromium")
PROTECTED_DIRS = ("casedata", "notebooks")
COMPARED_IMAGE_TYPES = ("image/png",)


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


def pytest_sessionstart(session):
    root = protected_root()
    session.config._protected = {d: fingerprint(root / d) for d in PROTECTED_DIRS}


def pytest_sessionfinish(session, exitstatus):
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


# Browser --------------------------------------------------------------------------
@pytest.fixture(scope="session")
def chromium_path() -> str:
    """Path to Debian's Chromium; skip (or fail under REQUIRE_BROWSER=1) when absent."""
    if CHROMIUM.is_file() and os.access(CHROMIUM, os.X_OK):
        return str(CHROMIUM)
    reason = f"browser test needs Debian's Chromium at {CHROMIUM} (apt-get install chromium)"
    if os.environ.get("REQUIRE_BROWSER") == "1":
        pytest.fail(f"{reason}; REQUIRE_BROWSER=1 makes a missing browser a failure", pytrace=False)
    pytest.skip(reason)
