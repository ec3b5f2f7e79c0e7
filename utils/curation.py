"""Check a case curated outside ``casedata/``, and hand out the course's own curation of a case.

A resident (or a tutor preparing a new case) fills a folder with the case tables of ``casedata/``: the same
file names and headers, one or more cases (``curation/template/`` is an empty one). Two commands work on it::

    python -m utils.casedata check FOLDER             # every rule of the loader, errors named in FOLDER's files
    python -m utils.casedata extract CASE_ID FOLDER   # the course's rows of one case: the model answer

:func:`check` merges the folder into a temporary copy of the course data (a case whose ``case_id`` is already a
course case, and a source whose ``source_id`` is already a course source, *replaces* the course's rows, so a
resident may curate a report the course already holds), validates the copy with :mod:`utils.casedata`, and
names every problem by the resident's own file, line (as an editor shows it) and column. Nothing is written
into ``casedata/``. The same merge puts the fictional fixture case into the copy that the tests run every
notebook on (``tests/fixture_data.py``).
"""

from __future__ import annotations

import csv
import io
import shutil
import sys
import tempfile
from collections.abc import Sequence
from dataclasses import dataclass
from pathlib import Path

from utils import casedata
from utils.casedata import CaseDataError, Problem

#: The tables a curated case may bring, in the order they are read (``sources`` first: cases cite it).
CASE_FILES: tuple[str, ...] = ("sources", "cases", "events", "labs", "ihc", "therapy_lines", "doses", "observations",
                               "discrepancies", "transfusion_thresholds")
#: The key each table's replaced rows are found by: a row of the course whose key is in the folder is dropped.
_REPLACED_BY: dict[str, str] = {"sources": "source_id"}


@dataclass(frozen=True)
class _Appended:
    """Where a folder's file landed in the merged copy: its line 2 is the copy's line ``first_line``."""

    shown_as: str
    first_line: int


def _read(path: Path, shown_as: str) -> tuple[list[str], list[list[str]], str]:
    raw = path.read_bytes()
    try:
        text = raw.decode("utf-8")
    except UnicodeDecodeError as error:
        line = raw[: error.start].count(b"\n") + 1
        raise CaseDataError([Problem(shown_as, line, None, "is not UTF-8: save the file as UTF-8 (in Excel: CSV UTF-8, then remove the byte-order mark in a text editor)")]) from None
    if text.startswith("\ufeff"):
        raise CaseDataError([Problem(shown_as, 1, None, "starts with a byte-order mark (BOM), which Excel's \"CSV UTF-8\" adds: open the file in a text editor and save it as \"UTF-8\" (without BOM)")])
    rows = list(csv.reader(io.StringIO(text, newline="")))
    if not rows:
        raise CaseDataError([Problem(shown_as, 1, None, "is empty; it needs at least the header line")])
    return rows[0], rows[1:], text


def _header(data_dir: Path, table: str) -> list[str]:
    return _read(data_dir / f"{table}.csv", f"{table}.csv")[0]


def _write(path: Path, header: list[str], rows: Sequence[Sequence[str]]) -> None:
    buffer = io.StringIO()
    csv.writer(buffer, lineterminator="\n").writerows([header, *rows])
    path.write_text(buffer.getvalue(), encoding="utf-8", newline="")


def merge(folder: Path | str, dest: Path | str, base: Path | str | None = None) -> dict[str, _Appended]:
    """Write into ``dest`` a copy of the course data (``base``, by default :data:`utils.casedata.DATA_DIR`) with the
    case tables of ``folder`` appended: course rows of a case (or source) the folder also holds are dropped first.
    Returns, per file, where the folder's rows start in the copy (used to name problems by the folder's lines).
    A folder's file whose header differs from the course's is refused, naming its line 1."""
    folder, dest, base = Path(folder), Path(dest), Path(base or casedata.DATA_DIR)
    shutil.copytree(base, dest, dirs_exist_ok=True, ignore=shutil.ignore_patterns("__pycache__", "*.md"))
    present = {table: folder / f"{table}.csv" for table in CASE_FILES if (folder / f"{table}.csv").is_file()}
    if "cases" not in present:
        raise CaseDataError([Problem(f"{folder}/cases.csv", None, None, "is missing: a curated folder needs cases.csv with one row per case")])
    problems, incoming = [], {}
    for table, path in present.items():
        shown_as = str(path)
        header, rows, _ = _read(path, shown_as)
        expected = _header(base, table)
        if header != expected:
            problems.append(Problem(shown_as, 1, None, f"the header must be exactly the header of casedata/{table}.csv: {', '.join(expected)}"))
            continue
        incoming[table] = (header, rows)
    if problems:
        raise CaseDataError(problems)
    case_ids = {row[0] for row in incoming["cases"][1] if row}
    if not case_ids:
        raise CaseDataError([Problem(str(present["cases"]), None, None, "has no case yet: add one row per case below the header")])
    source_ids = {row[0] for row in incoming.get("sources", ([], []))[1] if row}
    appended = {}
    for table in casedata.TABLES:
        target = dest / f"{table}.csv"
        if not target.is_file():
            continue
        header, rows, _ = _read(target, f"{table}.csv")
        key = _REPLACED_BY.get(table, "case_id")
        if key in header:
            at = header.index(key)
            replaced = source_ids if table == "sources" else case_ids
            rows = [row for row in rows if not (len(row) > at and row[at] in replaced)]
        first_line = 2 + sum(max(1, sum(cell.count("\n") for cell in row) + 1) for row in rows)
        if table in incoming:
            rows = rows + incoming[table][1]
            appended[f"{table}.csv"] = _Appended(str(present[table]), first_line)
        _write(target, header, rows)
    return appended


def _renamed(problem: Problem, appended: dict[str, _Appended]) -> Problem:
    """The problem named by the folder's file and line, when it lies in the folder's rows."""
    place = appended.get(problem.file)
    if place is None:
        return Problem(f"casedata/{problem.file} (the course's rows)", problem.line, problem.column, problem.message)
    if problem.line is None:
        return Problem(place.shown_as, None, problem.column, problem.message)
    if problem.line < place.first_line:
        return Problem(f"casedata/{problem.file} (the course's rows)", problem.line, problem.column, problem.message)
    return Problem(place.shown_as, problem.line - place.first_line + 2, problem.column, problem.message)


def check(folder: Path | str, base: Path | str | None = None) -> list[str]:
    """Validate the cases of ``folder`` against every rule of :mod:`utils.casedata`; return their case ids.

    Raises :class:`~utils.casedata.CaseDataError` whose problems name the folder's files and lines."""
    with tempfile.TemporaryDirectory(prefix="bmm-check-") as scratch:
        merged = Path(scratch) / "casedata"
        appended = merge(folder, merged, base)
        try:
            casedata.validate(merged)
        except CaseDataError as error:
            raise CaseDataError([_renamed(p, appended) for p in error.problems]) from None
        return [row[0] for row in _read(Path(folder) / "cases.csv", "cases.csv")[1] if row]


def extract(case_id: str, dest: Path | str, base: Path | str | None = None) -> list[Path]:
    """Write the course's rows of one case (and its source) into ``dest``, in the layout :func:`check` reads."""
    base, dest = Path(base or casedata.DATA_DIR), Path(dest)
    data = casedata.load_all(base)
    if case_id not in set(data.cases["case_id"]):
        raise KeyError(f"{case_id!r} is not a case of {base}/cases.csv; cases: {', '.join(data.cases['case_id'])}")
    source_id = data.cases.set_index("case_id").at[case_id, "source_id"]
    dest.mkdir(parents=True, exist_ok=True)
    written = []
    for table in CASE_FILES:
        header, rows, _ = _read(base / f"{table}.csv", f"{table}.csv")
        at = header.index("source_id" if table == "sources" else "case_id")
        wanted = source_id if table == "sources" else case_id
        _write(dest / f"{table}.csv", header, [row for row in rows if row[at] == wanted])
        written.append(dest / f"{table}.csv")
    return written


USAGE = """usage:
  python -m utils.casedata check FOLDER            check a curated case folder against every rule of the course
  python -m utils.casedata extract CASE_ID FOLDER  write the course's rows of one case into FOLDER (a model answer)"""


def main(argv: Sequence[str] | None = None) -> int:
    """The command line of ``python -m utils.casedata``; returns the exit status."""
    args = list(sys.argv[1:] if argv is None else argv)
    if len(args) == 2 and args[0] == "check":
        try:
            cases = check(args[1])
        except CaseDataError as error:
            print(f"{args[1]}: {len(error.problems)} problem(s)", file=sys.stderr)
            for problem in error.problems:
                print(f"  - {problem}", file=sys.stderr)
            return 1
        print(f"{args[1]}: {len(cases)} case(s) pass every check ({', '.join(cases)})")
        return 0
    if len(args) == 3 and args[0] == "extract":
        try:
            written = extract(args[1], args[2])
        except (KeyError, CaseDataError) as error:
            print(error, file=sys.stderr)
            return 1
        print(f"wrote {len(written)} files of {args[1]} into {args[2]}")
        return 0
    print(USAGE, file=sys.stderr)
    return 2
