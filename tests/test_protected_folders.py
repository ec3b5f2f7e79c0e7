"""The suite fails when anything it runs changes casedata/ or notebooks/ (guard in conftest.py)."""

import os
import subprocess
import sys
from pathlib import Path

import pytest

TESTS = Path(__file__).resolve().parent


def run_guarded(root: Path, test_source: str) -> subprocess.CompletedProcess:
    (root / "casedata").mkdir(exist_ok=True)
    (root / "notebooks").mkdir(exist_ok=True)
    (root / "casedata" / "cases.csv").write_text("case_id\nx\n")
    (root / "pytest.ini").write_text("[pytest]\n")
    (root / "test_probe.py").write_text(test_source)
    env = {**os.environ, "PYTHONPATH": str(TESTS), "PROTECTED_ROOT": str(root)}
    command = [sys.executable, "-m", "pytest", "-p", "conftest", "-p", "no:cacheprovider", "-q", "test_probe.py"]
    return subprocess.run(command, cwd=root, env=env, capture_output=True, text=True, timeout=120)


def test_a_suite_that_writes_into_casedata_fails(tmp_path):
    result = run_guarded(tmp_path, "from pathlib import Path\n\ndef test_writes():\n"
                                   "    Path('casedata/cases.csv').write_text('case_id\\ny\\n')\n")
    assert result.returncode == pytest.ExitCode.TESTS_FAILED, result.stdout
    assert "the test suite changed casedata/: cases.csv" in result.stdout


def test_a_suite_that_adds_a_notebook_fails(tmp_path):
    result = run_guarded(tmp_path, "from pathlib import Path\n\ndef test_adds():\n"
                                   "    Path('notebooks/new.ipynb').write_text('{}')\n")
    assert result.returncode == pytest.ExitCode.TESTS_FAILED, result.stdout
    assert "the test suite changed notebooks/: new.ipynb" in result.stdout


def test_a_suite_that_only_reads_passes(tmp_path):
    result = run_guarded(tmp_path, "from pathlib import Path\n\ndef test_reads():\n"
                                   "    assert Path('casedata/cases.csv').read_text().startswith('case_id')\n")
    assert result.returncode == 0, result.stdout
