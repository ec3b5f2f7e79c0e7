"""The suite fails when anything it runs changes casedata/ or notebooks/ (guard in conftest.py).

Each case runs a small suite in its own pytest process; the three processes run at once (each spends
most of its seven seconds starting Python and the plugins)."""

import os
import subprocess
import sys
from pathlib import Path

import pytest
import servers

TESTS = Path(__file__).resolve().parent
SUITES = {
    "writes": "from pathlib import Path\n\ndef test_writes():\n    Path('casedata/cases.csv').write_text('case_id\\ny\\n')\n",
    "adds": "from pathlib import Path\n\ndef test_adds():\n    Path('notebooks/new.ipynb').write_text('{}')\n",
    "reads": "from pathlib import Path\n\ndef test_reads():\n    assert Path('casedata/cases.csv').read_text().startswith('case_id')\n",
}


def start_guarded(root: Path, test_source: str) -> subprocess.Popen:
    (root / "casedata").mkdir(exist_ok=True)
    (root / "notebooks").mkdir(exist_ok=True)
    (root / "casedata" / "cases.csv").write_text("case_id\nx\n")
    (root / "pytest.ini").write_text("[pytest]\n")
    (root / "test_probe.py").write_text(test_source)
    env = {**os.environ, "PYTHONPATH": str(TESTS), "PROTECTED_ROOT": str(root)}
    command = [sys.executable, "-m", "pytest", "-p", "conftest", "-p", "no:cacheprovider", "-q", "test_probe.py"]
    return subprocess.Popen(command, cwd=root, env=env, stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True)


@pytest.fixture(scope="module")
def results(tmp_path_factory) -> dict[str, tuple[int, str]]:
    """(exit code, output) of each small suite of SUITES, run at the same time."""
    started = {name: start_guarded(tmp_path_factory.mktemp(name), source) for name, source in SUITES.items()}
    return servers.outputs_at_once(started, 120)


def test_a_suite_that_writes_into_casedata_fails(results):
    code, output = results["writes"]
    assert code == pytest.ExitCode.TESTS_FAILED, output
    assert "the test suite changed casedata/: cases.csv" in output


def test_a_suite_that_adds_a_notebook_fails(results):
    code, output = results["adds"]
    assert code == pytest.ExitCode.TESTS_FAILED, output
    assert "the test suite changed notebooks/: new.ipynb" in output


def test_a_suite_that_only_reads_passes(results):
    code, output = results["reads"]
    assert code == 0, output
