"""The casebook: one reference page per case, rendered with papermill (``make casebook``).

``delivery/casebook_template.py`` is a parameterised notebook kept as plain text in jupytext's
"percent" format (each ``# %%`` line starts a cell; its ``tags=["parameters"]`` cell sets ``case_id``;
``cell_id=`` gives each cell its fixed id), so that a change to the page reads as a plain diff and no
unexecuted notebook sits in the repository; :func:`read_template` turns it into a notebook. :func:`render` runs it once per case of ``cases.csv`` (or the cases asked for) in a
fresh ``python3`` kernel and writes ``notebooks/casebook/<case_id>.ipynb`` with its outputs, so
a case added to ``casedata/`` as CSV rows gets its page with no code change. Pages of cases no
longer in the data are removed.

The stored pages are compared by strict nbval like every notebook, so they are written
deterministically: papermill's timings, paths and environment and nbclient's execution
timestamps are dropped (papermill's record keeps only the parameters, ``{"case_id": ...}``),
and every cell keeps a fixed id (the template's, and ``injected-parameters`` for the cell
papermill adds).

``data_dir`` sets ``BMM_CASEDATA`` for the kernels (:mod:`utils.casedata`), so a page can be
rendered from a copy of the data (the tests do; never store such a page in ``notebooks/``).

Usage: ``python -m delivery.casebook [case_id ...]`` (default: every case).
"""

from __future__ import annotations

import contextlib
import os
import sys
from collections.abc import Iterator, Sequence
from pathlib import Path

import nbformat

from delivery import PROJECT_ROOT
from utils.casebook import PAGE_ID

TEMPLATE: Path = PROJECT_ROOT / "delivery" / "casebook_template.py"
OUT_DIR: Path = PROJECT_ROOT / "notebooks" / "casebook"
KERNEL = "python3"
#: A case id that can name a file: letters, digits, hyphens and underscores (cases.csv's ids are such).
SAFE_ID = PAGE_ID
#: Metadata papermill and nbclient add that changes from run to run (timings, paths, timestamps).
VOLATILE_CELL_KEYS = ("papermill", "execution")
VOLATILE_NOTEBOOK_KEYS = ("papermill",)
INJECTED_ID = "injected-parameters"


class CasebookError(ValueError):
    """A case that cannot have a page (unknown to the data, or an id that cannot name a file)."""


@contextlib.contextmanager
def _casedata_env(data_dir: Path | None) -> Iterator[None]:
    """Set ``BMM_CASEDATA`` to ``data_dir`` for the kernels started inside the block (restored after)."""
    if data_dir is None:
        yield
        return
    before = os.environ.get("BMM_CASEDATA")
    os.environ["BMM_CASEDATA"] = str(Path(data_dir).resolve())
    try:
        yield
    finally:
        if before is None:
            os.environ.pop("BMM_CASEDATA", None)
        else:
            os.environ["BMM_CASEDATA"] = before


def data_case_ids(data_dir: Path | None = None) -> list[str]:
    """The case ids of ``cases.csv`` in ``data_dir`` (default: the folder :mod:`utils.casedata` reads), validated."""
    from utils import casedata

    cases = casedata.load("cases", data_dir or casedata.DATA_DIR)
    return [str(c) for c in cases["case_id"]]


def page_path(case_id: str, out_dir: Path = OUT_DIR) -> Path:
    """Where the page of ``case_id`` is stored; :class:`CasebookError` for an id that cannot name a file."""
    if not SAFE_ID.match(str(case_id)):
        raise CasebookError(f"case_id {case_id!r} cannot name a casebook page; expected letters, digits, '-' and '_'")
    return Path(out_dir) / f"{case_id}.ipynb"


def clean(nb) -> None:
    """Drop what changes from run to run (papermill's timings, paths and environment; execution timestamps),
    keep papermill's ``parameters``, and give papermill's injected cell a fixed id, in place."""
    parameters = nb.metadata.get("papermill", {}).get("parameters")
    for key in VOLATILE_NOTEBOOK_KEYS:
        nb.metadata.pop(key, None)
    if parameters is not None:  # the one stable part of papermill's record: which case the page shows
        nb.metadata["papermill"] = {"parameters": dict(parameters)}
    for cell in nb.cells:
        for key in VOLATILE_CELL_KEYS:
            cell.metadata.pop(key, None)
        if INJECTED_ID in cell.metadata.get("tags", []):
            cell["id"] = INJECTED_ID


def read_template(template: Path = TEMPLATE) -> nbformat.NotebookNode:
    """The template as a notebook: read with jupytext, each cell given the id its ``cell_id=`` names."""
    import jupytext

    nb = jupytext.read(template, fmt="py:percent")
    nb.metadata.pop("jupytext", None)  # how the text is laid out; not part of a page
    for index, cell in enumerate(nb.cells):
        if "cell_id" not in cell.metadata:
            raise CasebookError(f"{template}: cell {index + 1} has no cell_id= in its '# %%' line; every cell needs a fixed id")
        cell["id"] = str(cell.metadata.pop("cell_id"))
    return nb


def render_one(case_id: str, out_dir: Path = OUT_DIR, template: Path = TEMPLATE, execute: bool = True) -> Path:
    """Execute the template for one case (``BMM_CASEDATA`` as set by the caller) and store the cleaned page.

    ``execute=False`` stores the page with its parameters injected but no cell run (papermill's
    ``prepare_only``): the cells a run would execute, without outputs or the kernel's ``language_info``."""
    import papermill

    target = page_path(case_id, out_dir)
    target.parent.mkdir(parents=True, exist_ok=True)
    executed = papermill.execute_notebook(
        read_template(template), None, parameters={"case_id": case_id}, kernel_name=KERNEL, progress_bar=False,
        log_output=False, cwd=str(target.parent), request_save_on_cell_execute=False, prepare_only=not execute)
    nb = nbformat.from_dict(executed)
    clean(nb)
    nbformat.write(nb, target)
    return target


def render(case_ids: Sequence[str] | None = None, data_dir: Path | str | None = None, out_dir: Path | str = OUT_DIR,
           template: Path | str = TEMPLATE, execute: bool = True) -> list[Path]:
    """Render the page of every case of ``cases.csv`` (or of ``case_ids``) into ``out_dir``; return the paths written
    (``execute=False``: prepared, not run; see :func:`render_one`).

    ``data_dir`` names the data folder (default: the one :mod:`utils.casedata` reads; given, it is
    passed to the kernels as ``BMM_CASEDATA``). Pages in ``out_dir`` of cases no longer in the data
    are removed. :class:`CasebookError` for a requested case the data do not hold.
    """
    data_dir = Path(data_dir).resolve() if data_dir is not None else None
    out_dir, template = Path(out_dir), Path(template)
    known = data_case_ids(data_dir)
    wanted = known if case_ids is None else list(dict.fromkeys(str(c) for c in case_ids))
    unknown = [c for c in wanted if c not in known]
    if unknown:
        raise CasebookError(f"no case {', '.join(map(repr, unknown))} in cases.csv; cases: {', '.join(known)}")
    for case_id in known:
        page_path(case_id, out_dir)  # every id must name a file before anything is written
    written = []
    with _casedata_env(data_dir):
        for case_id in wanted:
            written.append(render_one(case_id, out_dir, template, execute))
    if out_dir.is_dir():
        for stale in sorted(out_dir.glob("*.ipynb")):
            if stale.stem not in known:
                stale.unlink()
    return written


def main(argv: list[str]) -> int:
    if any(a.startswith("-") for a in argv):
        print("usage: python -m delivery.casebook [case_id ...]   (default: every case of cases.csv)", file=sys.stderr)
        return 2
    try:
        written = render(argv or None)
    except CasebookError as error:
        print(error, file=sys.stderr)
        return 1
    for path in written:
        print(f"wrote {path.relative_to(PROJECT_ROOT) if path.is_relative_to(PROJECT_ROOT) else path}")
    return 0


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
