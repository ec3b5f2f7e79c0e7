"""Fuzzing utils.casedata (issue 18): a corrupted copy of casedata/ loads whole, or raises CaseDataError.

Each example copies casedata/ into a temporary folder, applies one to three changes (a corrupted
cell, raw bytes, whole rows, a descriptor field, or a file swapped for a link, a folder or nothing;
or, harmless, a table saved with other line endings and quoting, or with its rows reordered) and
loads the copy. The load must either

* succeed with every table intact: the header and as many rows as the file has records, every
  record accounting for its lines, and every cell read back as written (text as text, an integer
  or a finite number equal to the one written, a blank cell missing and no other); or
* raise :class:`utils.casedata.CaseDataError` whose problems each name a file (and a line from 1 on,
  if any), and whose message never shows a line of a file outside the data folder.

Any other exception fails the test. The corruptions never write through a link, and never copy the
content of a file outside the copy into it: links point only at decoys beside the copies.

Budget: the hypothesis profile ``ci`` (tests/conftest.py) runs a fixed, derandomised set of 100
examples in about ten seconds; ``pytest --slow tests/test_casedata_fuzz.py`` selects the profile
``slow``: 2,000 examples from a new seed each run (a failure prints the ``@reproduce_failure`` line
that replays it). Frictionless verdicts go to a cache in the test's own temporary folder, never to
build/cache, and every copy is deleted as soon as it has been loaded.
"""

from __future__ import annotations

import csv
import io
import json
import math
import os
import re
import shutil
import tempfile
from pathlib import Path

import pandas as pd
import pytest
from hypothesis import event, given, note
from hypothesis import strategies as st

from utils import casedata

DATA = Path(__file__).resolve().parent.parent / "casedata"
DESCRIPTOR = casedata.DESCRIPTOR
TABLE_FILES = [f"{table}.csv" for table in casedata.TABLES]
#: Written into a file outside the data folder: no error message may ever show it.
SECRET = "SECRET-LINE-OUTSIDE-THE-DATA-FOLDER"
LINE_BREAK = re.compile(r"\r\n|\r|\n")

ODD_CELLS = [
    "", " ", "inf", "-inf", "NaN", "nan", "Infinity", "1e999", "99999999999999999999999", "-0", "0", "1.5", "1e5",
    "\u0661\u0662", "1_000", " 7", "90,000", "0001-01-01", "2024-02-30", "9999-12-31", "2024-06-10",
    "\x00", "partial\x00mastectomy", "\t", "\x1b[31m", "\x7f", "\ufeff", "\u2028", "x\ny", "x\r\ny", '"', 'a"b', "a,b",
    "<1%", "positive (3+)", "CPS high", "CPS 150", "not tested", "weak", "high", "150", "-5", "ferritin", "mg", "/μl",
    "smith2019", "dead", "alive", "metastatic", "death", "bmm_diagnosis", "superseded", "unresolved", "=1+1", "é", "x" * 300,
]
ODD_JSON = [
    None, True, 0, 5, -1, 1.5, 10**400, float("nan"), float("inf"), "", "x", "string", "integer", "number", "date", "boolean",
    "labs.csv", "events.csv", "../outside.csv", "/etc/passwd", "~labs.csv", "$HOME/labs.csv", "sub/../labs.csv",
    "http://127.0.0.1:9/labs.csv", "file:///etc/passwd", "latin-1", "utf-8", "csv", "xlsx", "labs", "cases", "[",
    [], {}, ["x"], ["case_id"], ["case_id", "case_id"], {"delimiter": ";"}, {"required": True}, {"enum": ["a", "a"]},
    {"minimum": "abc"}, {"pattern": "("}, {"fields": "case_id", "reference": {"resource": "cases", "fields": "case_id"}},
]
BYTES = [b"\x00", b"\xe9", b"\xff", b"\xc3", b"\xef\xbb\xbf", b'"', b",", b"\n", b"\r", b"\r\n", b"{", b"}", b"]", b":", b"\\"]


# Reading the copy back (the oracle: plain csv and json, independent of the loader) ----------------
def records(path: Path) -> list[list[str]] | None:
    """The CSV records of a file, or None if it is not UTF-8 CSV at all."""
    try:
        return list(csv.reader(io.StringIO(path.read_bytes().decode("utf-8"), newline="")))
    except (OSError, UnicodeDecodeError, csv.Error):
        return None


def own_records(path: Path) -> list[list[str]] | None:
    """The records of a file of the copy itself, for a corruption to change: None for a link, so that no
    content of a file outside the copy is ever written into it (that would be the test leaking, not the loader)."""
    return None if path.is_symlink() else records(path)


def replace_file(path: Path, content: bytes) -> None:
    """Write ``content`` as a new regular file at ``path``: a link there is replaced, never written through
    (the copy may hold links to files outside it, and a fuzz test must not change them)."""
    if path.is_symlink():
        path.unlink()
    if path.is_dir():
        return
    handle = os.open(path, os.O_WRONLY | os.O_CREAT | os.O_TRUNC | os.O_NOFOLLOW, 0o644)
    with os.fdopen(handle, "wb") as file:
        file.write(content)


def write_records(path: Path, rows: list[list[str]], ending: str) -> None:
    text = io.StringIO(newline="")
    csv.writer(text, lineterminator=ending).writerows(rows)
    replace_file(path, text.getvalue().encode("utf-8"))


def same(value: object, cell: str, kind: str) -> bool:
    if kind == "integer":
        return value == int(cell)
    if kind == "number":
        return math.isfinite(value) and value == float(cell)
    if kind == "date":
        return value == pd.Timestamp(cell)
    return str(value) == cell


def assert_intact(folder: Path, data: casedata.CaseData) -> None:
    """Every table as its file has it: header, one row per record, every cell read back as written."""
    descriptor = json.loads((folder / DESCRIPTOR).read_text(encoding="utf-8"))
    for resource in descriptor["resources"]:
        frame = getattr(data, resource["name"])
        text = (folder / resource["path"]).read_bytes().decode("utf-8")
        rows = records(folder / resource["path"])
        header, body = rows[0], rows[1:]
        assert list(frame.columns) == header, resource["name"]
        assert len(frame) == len(body), f"{resource['name']}: {len(frame)} rows loaded, {len(body)} in the file"
        # every line of the file belongs to exactly one record: none was swallowed or skipped
        lines = len(LINE_BREAK.split(text[:-2] if text.endswith("\r\n") else text.rstrip("\r\n")))
        assert sum(1 + len(LINE_BREAK.findall(",".join(r))) for r in rows) == lines, resource["name"]
        for position, field in enumerate(resource["schema"]["fields"]):
            for number, (value, row) in enumerate(zip(frame[field["name"]], body)):
                cell = row[position]
                where = f"{resource['name']} row {number} column {field['name']}: {cell!r} loaded as {value!r}"
                assert pd.isna(value) if cell == "" else (not pd.isna(value) and same(value, cell, field["type"])), where


def assert_named(folder: Path, error: casedata.CaseDataError) -> None:
    """Problems name a file and a real line; nothing from outside the folder is shown."""
    assert error.problems
    for problem in error.problems:
        assert isinstance(problem, casedata.Problem) and problem.file and problem.message, problem
        assert problem.line is None or problem.line >= 1, problem
    shown = str(error) + "".join(p.message for p in error.problems)
    assert SECRET not in shown and "root:x:" not in shown, shown


# Corruptions: each takes the copy and hypothesis' draw -------------------------------------------
def corrupt_cell(folder: Path, draw) -> None:
    file = draw(st.sampled_from(TABLE_FILES), label="file")
    rows = own_records(folder / file)
    if not rows:
        return
    line = draw(st.integers(0, len(rows) - 1), label="record (0 = header)")
    if not rows[line]:
        return
    position = draw(st.integers(0, len(rows[line]) - 1), label="cell")
    neighbours = [r[position] for r in rows[1:] if position < len(r)] or [""]
    rows[line][position] = draw(st.one_of(st.sampled_from(ODD_CELLS), st.sampled_from(neighbours), st.text(max_size=8),
                                          st.from_regex(r"-?[0-9]{1,5}(\.[0-9]{1,3})?", fullmatch=True)), label="value")
    write_records(folder / file, rows, draw(st.sampled_from(["\n", "\r\n"]), label="line ending"))


def corrupt_bytes(folder: Path, draw) -> None:
    file = draw(st.sampled_from([*TABLE_FILES, DESCRIPTOR]), label="file")
    path = folder / file
    if path.is_symlink() or not path.is_file():
        return
    raw = path.read_bytes()
    at = draw(st.integers(0, len(raw)), label="position")
    new = draw(st.one_of(st.sampled_from(BYTES), st.binary(min_size=1, max_size=3)), label="bytes")
    how = draw(st.sampled_from(["insert", "replace", "delete", "truncate", "bom"]), label="how")
    changed = {"insert": raw[:at] + new + raw[at:], "replace": raw[:at] + new + raw[at + len(new):],
               "delete": raw[:at] + raw[at + len(new):], "truncate": raw[:at], "bom": b"\xef\xbb\xbf" + raw}[how]
    replace_file(path, changed)


def corrupt_rows(folder: Path, draw) -> None:
    file = draw(st.sampled_from(TABLE_FILES), label="file")
    rows = own_records(folder / file)
    if not rows:
        return
    i, j = (draw(st.integers(0, len(rows) - 1), label=label) for label in ("row", "other row"))
    how = draw(st.sampled_from(["delete", "duplicate", "blank", "commas", "swap", "drop cell", "add cell", "keep header",
                                "drop a case"]), label="how")
    if how == "delete":
        del rows[i]
    elif how == "duplicate":
        rows.insert(j, list(rows[i]))
    elif how == "blank":
        rows.insert(i, [])
    elif how == "commas":
        rows.insert(i, [""] * max(2, len(rows[0])))
    elif how == "swap":
        rows[i], rows[j] = rows[j], rows[i]
    elif how == "drop cell" and rows[i]:
        rows[i].pop()
    elif how == "add cell":
        rows[i].append("extra")
    elif how == "keep header":
        del rows[1:]
    elif how == "drop a case":
        rows[1:] = [r for r in rows[1:] if "tnbc2025" not in r]
    write_records(folder / file, rows, "\n")


def corrupt_descriptor(folder: Path, draw) -> None:
    path = folder / DESCRIPTOR
    if path.is_symlink() or not path.is_file():
        return
    try:
        descriptor = json.loads(path.read_text(encoding="utf-8"))
        change_descriptor(descriptor, draw)
    except (ValueError, LookupError, TypeError, AttributeError):
        return  # too broken already (by an earlier corruption) for this change
    replace_file(path, json.dumps(descriptor, indent=2).encode("utf-8"))


def change_descriptor(descriptor: dict, draw) -> None:
    """Set one key of the package, a resource, its schema, a field or its constraints to an odd value."""
    resources = descriptor["resources"]
    resource = resources[draw(st.integers(0, len(resources) - 1), label="resource")]
    fields = resource["schema"]["fields"]
    field = fields[draw(st.integers(0, len(fields) - 1), label="field")]
    value = draw(st.sampled_from(ODD_JSON), label="value")
    where = draw(st.sampled_from(["package", "resource", "schema", "field", "constraints", "enum", "drop"]), label="where")
    if where == "package":
        descriptor[draw(st.sampled_from(["$schema", "resources", "name", "profile", "licenses"]), label="key")] = value
    elif where == "resource":
        resource[draw(st.sampled_from(["path", "name", "encoding", "format", "schema", "dialect", "scheme", "type"]), label="key")] = value
    elif where == "schema":
        resource["schema"][draw(st.sampled_from(["primaryKey", "foreignKeys", "fields", "missingValues"]), label="key")] = value
    elif where == "field":
        field[draw(st.sampled_from(["type", "name", "constraints", "format", "description"]), label="key")] = value
    elif where == "constraints":
        field["constraints"][draw(st.sampled_from(["required", "minimum", "maximum", "pattern", "enum", "unique"]), label="key")] = value
    elif where == "enum":
        enum = field["constraints"]["enum"]
        how = draw(st.sampled_from(["drop", "repeat", "add"]), label="how")
        enum.pop(0) if how == "drop" else enum.append(enum[0] if how == "repeat" else "added_value")
    else:
        resources.remove(resource)


def corrupt_file(folder: Path, draw) -> None:
    file = draw(st.sampled_from([*TABLE_FILES, DESCRIPTOR]), label="file")
    path = folder / file
    how = draw(st.sampled_from(["delete", "folder", "link outside", "link to a system file", "link inside", "loop", "dangling"]), label="how")
    if path.is_symlink() or path.is_file():
        path.unlink()
    elif path.is_dir():
        shutil.rmtree(path)
    if how == "folder":
        path.mkdir()
    elif how == "link outside":
        path.symlink_to(folder.parent.parent / "outside.csv")
    elif how == "link to a system file":  # a decoy beside the copies: the test never links to a real system file
        path.symlink_to(folder.parent.parent / "passwd")
    elif how == "link inside":
        path.symlink_to(draw(st.sampled_from(TABLE_FILES), label="target"))
    elif how == "loop":
        path.symlink_to(path.name)
    elif how == "dangling":
        path.symlink_to("no-such-file.csv")


def reformat(folder: Path, draw) -> None:
    """Not a corruption: the same table with other line endings and quoting, as spreadsheets save it."""
    file = draw(st.sampled_from(TABLE_FILES), label="file")
    rows = own_records(folder / file)
    if rows:
        text = io.StringIO(newline="")
        quoting = draw(st.sampled_from([csv.QUOTE_MINIMAL, csv.QUOTE_ALL]), label="quoting")
        csv.writer(text, lineterminator=draw(st.sampled_from(["\n", "\r\n", "\r"]), label="line ending"), quoting=quoting).writerows(rows)
        replace_file(folder / file, text.getvalue().encode("utf-8"))


def reorder(folder: Path, draw) -> None:
    """Not a corruption: the same rows of a table in another order."""
    file = draw(st.sampled_from(TABLE_FILES), label="file")
    rows = own_records(folder / file)
    if rows:
        write_records(folder / file, rows[:1] + draw(st.permutations(rows[1:]), label="rows"), "\n")


CORRUPTIONS = [corrupt_cell, corrupt_bytes, corrupt_rows, corrupt_descriptor, corrupt_file, reformat, reorder]


# The property ------------------------------------------------------------------------------------
@pytest.fixture(scope="module")
def workspace():
    """A temporary folder for the copies, with a file outside them and the verdict cache; removed afterwards."""
    with tempfile.TemporaryDirectory(prefix="casedata-fuzz-") as base, pytest.MonkeyPatch.context() as patch:
        base = Path(base)
        (base / "outside.csv").write_text((DATA / "labs.csv").read_text(encoding="utf-8") + f"{SECRET},1\n", encoding="utf-8")
        (base / "passwd").write_text(f"root:x:0:0:root:/root:/bin/bash\n{SECRET}:x:1:1::/:/bin/sh\n", encoding="utf-8")
        outside = {name: (base / name).read_bytes() for name in ("outside.csv", "passwd")}
        patch.setattr(casedata, "CACHE_DIR", base / "cache")  # verdicts on fuzzed copies never reach build/cache
        yield base
        assert {name: (base / name).read_bytes() for name in outside} == outside  # files outside the copies unchanged
        assert sorted(p.name for p in base.iterdir()) in (["outside.csv", "passwd"], ["cache", "outside.csv", "passwd"])  # no copy left
        assert all(p.name.startswith("casedata-valid-") for p in (base / "cache").glob("*"))


@given(data=st.data())
def test_a_corrupted_copy_loads_whole_or_raises_casedataerror(workspace, data):
    with tempfile.TemporaryDirectory(dir=workspace) as tmp:
        folder = Path(tmp) / "casedata"
        shutil.copytree(DATA, folder)
        for _ in range(data.draw(st.integers(1, 3), label="corruptions")):
            data.draw(st.sampled_from(CORRUPTIONS), label="corruption")(folder, data.draw)
        cached = set(os.listdir(casedata.CACHE_DIR)) if casedata.CACHE_DIR.is_dir() else set()
        try:
            loaded = casedata.load_all(folder)
        except casedata.CaseDataError as error:
            note(str(error))
            event("refused: CaseDataError")
            assert_named(folder, error)
            return
        event("loaded whole")
        assert_intact(folder, loaded)
        if casedata.CACHE_DIR.is_dir() and set(os.listdir(casedata.CACHE_DIR)) == cached:
            # the verdict came from the cache: a full validation must agree (the cache cannot be poisoned)
            with pytest.MonkeyPatch.context() as patch:
                patch.setattr(casedata, "CACHE_DIR", Path(tmp) / "fresh-cache")
                casedata.validate(folder)
