"""Every notebook is saved from one clean top-to-bottom run and keeps the course's rules."""

import json
import re
from pathlib import Path

import pytest

NOTEBOOKS = sorted((Path(__file__).resolve().parent.parent / "notebooks").glob("*.ipynb"))
EXEMPTING_TAGS = {"nbval-ignore-output", "nbval-skip"}


def code_cells(path):
    notebook = json.loads(path.read_text(encoding="utf-8"))
    return notebook, [c for c in notebook["cells"] if c["cell_type"] == "code" and "".join(c["source"]).strip()]


@pytest.mark.parametrize("path", NOTEBOOKS, ids=[p.name for p in NOTEBOOKS])
def test_saved_from_one_clean_run(path):
    _, cells = code_cells(path)
    counts = [c["execution_count"] for c in cells]
    assert counts == list(range(1, len(cells) + 1)), f"{path.name}: execution counts {counts}; re-run with `make notebooks`"


@pytest.mark.parametrize("path", NOTEBOOKS, ids=[p.name for p in NOTEBOOKS])
def test_uses_the_project_kernel_and_no_path_hacks(path):
    notebook, cells = code_cells(path)
    assert notebook["metadata"]["kernelspec"]["name"] == "python3"
    for cell in cells:
        source = "".join(cell["source"])
        assert not re.search(r"sys\.path\.(append|insert)|%cd\b|os\.chdir", source), f"{path.name}: {source[:80]!r}"


@pytest.mark.parametrize("path", NOTEBOOKS, ids=[p.name for p in NOTEBOOKS])
def test_output_exemptions_say_why(path):
    _, cells = code_cells(path)
    for cell in cells:
        source = "".join(cell["source"])
        exempt = EXEMPTING_TAGS & set(cell["metadata"].get("tags", [])) or re.search(r"#\s*NBVAL_(IGNORE_OUTPUT|SKIP)", source)
        if exempt:
            reason = cell["metadata"].get("nbval_reason", "")
            assert len(reason) > 10, f"{path.name}: cell {source[:60]!r} is exempt from nbval without an nbval_reason"


@pytest.mark.parametrize("path", NOTEBOOKS, ids=[p.name for p in NOTEBOOKS])
def test_no_execution_timestamps(path):
    """Timestamps in cell metadata change on every run and only add noise to diffs (`make notebooks` omits them)."""
    notebook = json.loads(path.read_text(encoding="utf-8"))
    stamped = [i for i, c in enumerate(notebook["cells"]) if "execution" in c.get("metadata", {})]
    assert not stamped, f"{path.name}: cells {stamped} carry execution timestamps; re-run `make notebooks`"
