"""Load the curated case data in ``casedata/``, validated, as typed DataFrames.

This is the only way the notebooks read patient data. Every load checks the whole folder, in
stages, and raises at the end of the first stage that finds anything wrong:

1. **The descriptor** ``casedata/datapackage.json``: UTF-8 JSON that uses only what this loader
   reads the same way Frictionless does (CSV tables in UTF-8 at plain relative paths, inline
   schemas of string, integer, number and date columns, the constraints required, enum, minimum,
   maximum and pattern, primary and foreign keys), and keeps the type of every column the rules
   below compute with (:data:`RULE_COLUMNS`).
2. **The files**, each read once. A path must lie inside the data folder: an absolute path, a
   ``..``, a URL or a link to a file outside is refused before anything is opened, and no content
   of such a file is ever shown. Then: UTF-8 without a byte-order mark, well-formed CSV, no control
   characters in a cell (NUL, tab, ESC ...), no blank rows, as many cells per row as the header
   has, the header exactly the schema's columns, and at least one row in every table.
3. **Every cell** against its column: required values, vocabularies (``enum``), integers that fit
   64 bits, dates a DataFrame can hold, and finite numbers (``inf`` and ``NaN`` are refused, in
   optional columns too: a number is finite or the cell is blank).
4. **Frictionless** (ranges, patterns, primary keys, foreign keys to ``cases.csv`` and
   ``sources.csv``); a passing verdict is cached, see :data:`CACHE_DIR`.
5. **Rules a descriptor cannot express**: a unit that fits its analyte, a standard value that
   agrees with the conversion of the printed one, start and end days with their precision, an
   outcome consistent with the events, events for every case (:data:`CASE_TABLES`), row ids that
   start with their case's ``row_prefix`` (:data:`PREFIXED_IDS`), and the vocabularies notebooks read: every IHC result must be readable
   by :mod:`utils.ihc` and shown by :mod:`utils.ihc_views`.

Anything wrong raises :class:`CaseDataError`, and nothing else does: it lists every problem with
the file, the line as an editor shows it (line 1 is the header; a quoted cell that spans several
lines counts all of them), the column, what was found and what was expected. No row is dropped:
a table loads whole or not at all.

Tables (see ``casedata/README.md`` for every column)
------------------------------------------------------
cases                one row per case: tumour biology, presentation, day 0, outcome
labs                 every laboratory value in the report texts, printed and standardised
ihc                  immunohistochemistry and molecular markers, per specimen
therapy_lines        every treatment, supportive care included, with doses as reported
doses                each printed drug dose of a line, per m2 or absolute, with schedule and reduction
events               dated or timed events (diagnoses, imaging, progression, death ...)
observations         vital signs, body weight, tumour size
literature_survival  median survival of published series and single cases
prognostic_factors   laboratory cut-offs that published series link with survival, cited
hazard_ratios        published trial hazard ratios, inputs of survival scenarios, cited
reference_ranges     adult reference ranges (lower limit of normal for grading), cited
marker_patterns      what each immunohistochemical marker says about tumour origin, cited
discrepancies        contradictions inside the reports and the curation decision
sources              every source cited
transfusion_thresholds  counts below which transfusion was given (case) or advised (guideline), cited
dose_references      standard doses and cumulative-dose thresholds, cited

Example
-------
>>> from utils import casedata
>>> data = casedata.load_all()
>>> data.labs.query("analyte == 'platelets'")[["case_id", "day", "value_std"]]  # doctest: +SKIP
"""

from __future__ import annotations

import codecs
import csv
import datetime
import hashlib
import io
import json
import math
import os
import re
from collections import Counter
from itertools import accumulate
from collections.abc import Callable, Iterator
from dataclasses import dataclass, fields
from importlib.metadata import version
from pathlib import Path

import numpy as np
import pandas as pd

from utils import PROJECT_ROOT, ihc, units

#: The curated data folder: ``casedata/`` of the repository, or the folder named by the environment variable
#: ``BMM_CASEDATA`` (read once, when this module is imported; the fixture test runs every notebook on a
#: temporary copy this way). Notebooks only read it.
DATA_DIR: Path = Path(os.environ.get("BMM_CASEDATA") or PROJECT_ROOT / "casedata").resolve()
DESCRIPTOR = "datapackage.json"
#: Months and years are converted to days with these factors (see casedata/README.md).
DAYS_PER_MONTH = 30.44
DAYS_PER_YEAR = 365.25
#: How many problems one error message lists before summarising the rest.
MAX_LISTED = 20


@dataclass(frozen=True)
class Problem:
    """One thing wrong in the data: where it is and what was expected."""

    file: str
    line: int | None  # line in the file as an editor shows it; 1 is the header; None for the whole file
    column: str | None
    message: str

    def __str__(self) -> str:
        where = [self.file]
        if self.line is not None:
            where.append(f"line {self.line}")
        if self.column:
            where.append(f"column {self.column!r}")
        return f"{', '.join(where)}: {self.message}"


class CaseDataError(ValueError):
    """The curated data break the descriptor or a curation rule (the only error a load raises)."""

    def __init__(self, problems: list[Problem]):
        self.problems = problems
        listed = "\n".join(f"  - {p}" for p in problems[:MAX_LISTED])
        more = f"\n  ... and {len(problems) - MAX_LISTED} more" if len(problems) > MAX_LISTED else ""
        super().__init__(f"casedata: {len(problems)} problem(s)\n{listed}{more}")


@dataclass(frozen=True)
class CaseData:
    """All tables of the data package, each a typed DataFrame (fresh copies on every load)."""

    cases: pd.DataFrame
    labs: pd.DataFrame
    ihc: pd.DataFrame
    therapy_lines: pd.DataFrame
    doses: pd.DataFrame
    events: pd.DataFrame
    observations: pd.DataFrame
    literature_survival: pd.DataFrame
    prognostic_factors: pd.DataFrame
    hazard_ratios: pd.DataFrame
    reference_ranges: pd.DataFrame
    marker_patterns: pd.DataFrame
    discrepancies: pd.DataFrame
    sources: pd.DataFrame
    transfusion_thresholds: pd.DataFrame
    dose_references: pd.DataFrame


TABLES: tuple[str, ...] = tuple(f.name for f in fields(CaseData))
#: Every table needs at least one row; every case of cases.csv needs rows in each of these (its milestones).
#: Labs, IHC, treatment and observations may be missing for a sparse case: the views say what is missing.
CASE_TABLES: tuple[str, ...] = ("events",)
#: Tables whose row identifiers start with the case's ``row_prefix`` and a hyphen (AK-T01, AK-E01, AK-01).
#: (Transfusion thresholds are numbered TT-nn across cases and guidelines.)
PREFIXED_IDS: dict[str, str] = {"therapy_lines": "therapy_id", "events": "event_id", "discrepancies": "discrepancy_id"}

#: The columns the curation rules and vocabulary checks compute with: (type, must be required).
#: A descriptor that retypes one, or makes a needed one optional, is refused by name.
RULE_COLUMNS: dict[str, dict[str, tuple[str, bool]]] = {
    "cases": {"case_id": ("string", True), "row_prefix": ("string", True), "vital_status": ("string", True), "cause_of_death": ("string", False),
              "followup_months": ("number", True)},
    "labs": {"case_id": ("string", True), "analyte": ("string", True), "value": ("number", True), "unit": ("string", True),
             "value_std": ("number", True), "unit_std": ("string", True)},
    "ihc": {"case_id": ("string", True), "specimen": ("string", True), "marker": ("string", True),
            "result": ("string", True), "result_value": ("number", False), "source_locator": ("string", False)},
    "therapy_lines": {"case_id": ("string", True), "therapy_id": ("string", True), "setting": ("string", True),
                      "agents": ("string", False), "start_day": ("integer", False), "start_precision": ("string", False),
                      "end_day": ("integer", False), "end_precision": ("string", False), "response": ("string", False)},
    "doses": {"case_id": ("string", True), "therapy_id": ("string", True), "agent": ("string", True)},
    "events": {"case_id": ("string", True), "day": ("integer", True), "milestone": ("string", False)},
    "literature_survival": {"median_os_months": ("number", True),
                            **{c: ("number", False) for c in ("ci_low", "ci_high", "range_low", "range_high")}},
    "hazard_ratios": {c: ("number", True) for c in ("hazard_ratio", "ci_low", "ci_high")},
    "sources": {"source_id": ("string", True), "kind": ("string", True), "version": ("string", False),
                "checked_on": ("date", False), "status": ("string", True), "superseded_by": ("string", False),
                "note": ("string", False)},
}


# Public API ---------------------------------------------------------------------------
def load_all(data_dir: Path | str = DATA_DIR) -> CaseData:
    """Validate ``data_dir`` and return every table, typed."""
    return CaseData(**_validated_frames(Path(data_dir)))


def load(name: str, data_dir: Path | str = DATA_DIR) -> pd.DataFrame:
    """Validate ``data_dir`` and return one table, typed (``name`` as in :data:`TABLES`)."""
    if name not in TABLES:
        raise KeyError(f"unknown table {name!r}; tables are: {', '.join(TABLES)}")
    return _validated_frames(Path(data_dir))[name]


def validate(data_dir: Path | str = DATA_DIR) -> None:
    """Raise :class:`CaseDataError` listing every problem in ``data_dir``; return None when valid."""
    _validated_frames(Path(data_dir))


def describe(name: str, data_dir: Path | str = DATA_DIR) -> pd.DataFrame:
    """The data dictionary of one table: column, type, unit, required, allowed values, meaning."""
    if name not in TABLES:
        raise KeyError(f"unknown table {name!r}; tables are: {', '.join(TABLES)}")
    _, descriptor = _read_descriptor(Path(data_dir))
    resource = next(r for r in descriptor["resources"] if r["name"] == name)
    rows = []
    for field in resource["schema"]["fields"]:
        constraints = field.get("constraints", {})
        rows.append(
            {
                "column": field["name"],
                "type": field["type"],
                "unit": field.get("unit", ""),
                "required": bool(constraints.get("required", False)),
                "allowed values": ", ".join(constraints.get("enum", [])),
                "meaning": field.get("description", ""),
            }
        )
    return pd.DataFrame(rows)


def _validated_frames(data_dir: Path) -> dict[str, pd.DataFrame]:
    descriptor_bytes, descriptor = _read_descriptor(data_dir)
    resources = {r["name"]: r for r in descriptor["resources"]}
    tables, rows = _read_tables(data_dir, resources)
    frames = _typed_frames(tables, rows, resources)
    del rows  # every cell is in the frames now: free the text before Frictionless reads the files again
    _frictionless_check(data_dir, descriptor_bytes, tables)
    problems = _rule_problems(frames, tables)
    if problems:
        raise CaseDataError(problems)
    return frames


def _show(value: object, limit: int = 60) -> str:
    """``repr(value)``, shortened for an error message."""
    text = repr(value)
    return text if len(text) <= limit else f"{text[:limit - 4]}...{text[-1]}"


# 1. The descriptor ----------------------------------------------------------------------------
#: The one profile allowed in ``$schema``: Frictionless ships it, so nothing is fetched.
PROFILE = "https://datapackage.org/profiles/2.0/datapackage.json"
_TYPES = ("string", "integer", "number", "date")
# Keys the loader reads as Frictionless does; any other key (a dialect, missingValues, a field
# format ...) could make Frictionless read a file differently from the loader, so it is refused.
_PACKAGE_KEYS = {"$schema", "name", "title", "description", "version", "licenses", "homepage", "keywords",
                 "contributors", "created", "resources"}
_RESOURCE_KEYS = {"name", "type", "path", "scheme", "format", "mediatype", "encoding", "title", "description", "schema"}
_RESOURCE_FIXED = {"type": "table", "scheme": "file", "format": "csv", "mediatype": "text/csv", "encoding": "utf-8"}
_SCHEMA_KEYS = {"fields", "primaryKey", "foreignKeys"}
_FIELD_KEYS = {"name", "type", "title", "description", "constraints", "unit"}
_CONSTRAINT_KEYS = {"required", "enum", "minimum", "maximum", "pattern"}
#: A resource path: letters, digits, '_', '-', '.' and '/', ending in .csv (no '..', checked apart).
_SAFE_PATH = re.compile(r"[A-Za-z0-9_.-]+(?:/[A-Za-z0-9_.-]+)*\.csv\Z")


class _DuplicateKey(ValueError):
    pass


def _unique_keys(pairs: list[tuple[str, object]]) -> dict:
    repeated = [key for key, count in Counter(key for key, _ in pairs).items() if count > 1]
    if repeated:
        raise _DuplicateKey(repeated[0])
    return dict(pairs)


def _read_descriptor(data_dir: Path) -> tuple[bytes, dict]:
    """The descriptor's bytes and its checked content; :class:`CaseDataError` for anything else."""
    if not data_dir.is_dir():
        raise CaseDataError([Problem(str(data_dir), None, None, "data folder not found")])
    raw = _read_bytes(_resolve_inside(data_dir, DESCRIPTOR), DESCRIPTOR)
    text = _decode(DESCRIPTOR, raw, csv_file=False)
    try:
        descriptor = json.loads(text, object_pairs_hook=_unique_keys)
    except json.JSONDecodeError as error:
        found = repr(text[error.pos]) if error.pos < len(text) else "the end of the file"
        raise CaseDataError([Problem(DESCRIPTOR, error.lineno, None,
                                     f"not valid JSON at column {error.colno}: {error.msg}; found {found}")]) from None
    except _DuplicateKey as error:
        raise CaseDataError([Problem(DESCRIPTOR, None, None, f"key {error.args[0]!r} appears twice in one object;"
                                     " JSON keeps only the last, so delete one")]) from None
    except ValueError as error:  # a number too long to convert (Python's limit on integer digits)
        raise CaseDataError([Problem(DESCRIPTOR, None, None, f"not valid JSON: {error}")]) from None
    except RecursionError:
        raise CaseDataError([Problem(DESCRIPTOR, None, None, "is nested too deeply to be a data package descriptor")]) from None
    problems = _descriptor_problems(descriptor)
    if problems:
        raise CaseDataError(problems)
    return raw, descriptor


def _descriptor_problems(descriptor: object) -> list[Problem]:
    """Everything in the descriptor that this loader would not read as Frictionless does."""
    problems: list[Problem] = []

    def bad(where: str, message: str) -> None:
        problems.append(Problem(DESCRIPTOR, None, None, f"{where}: {message}"))

    if not isinstance(descriptor, dict):
        bad("the descriptor", f"is a JSON {type(descriptor).__name__}; expected an object with a list of resources")
        return problems
    for key in sorted(descriptor.keys() - _PACKAGE_KEYS):
        bad(key, f"not read by this loader; a package may have: {', '.join(sorted(_PACKAGE_KEYS))}")
    if descriptor.get("$schema", PROFILE) != PROFILE:
        bad("$schema", f"{_show(descriptor['$schema'])}; expected {PROFILE!r} (Frictionless would fetch any other profile)")
    resources = descriptor.get("resources")
    if not isinstance(resources, list):
        bad("resources", "missing; expected a list of tables" if resources is None else f"{_show(resources)}; expected a list of tables")
        return problems
    schemas: dict[str, dict] = {}
    for number, resource in enumerate(resources):
        name = resource.get("name") if isinstance(resource, dict) else None
        if name not in TABLES:
            bad(f"resources[{number}]", f"name {_show(name)} is not a table of the collection; expected one of: {', '.join(TABLES)}")
        elif name in schemas:
            bad("resources", f"table {name!r} is described twice")
        else:
            schemas[name] = _resource_problems(resource, f"resource {name!r}", bad)
    missing = [t for t in TABLES if t not in schemas]
    if missing:
        bad("resources", f"no resource for table(s): {', '.join(missing)}")
    columns = {name: _names(schema) for name, schema in schemas.items() if schema is not None}
    for name in columns:
        _foreign_key_problems(schemas[name].get("foreignKeys", []), name, columns, bad)
    return problems


def _names(schema: dict) -> list[str]:
    return [f["name"] for f in schema["fields"]]


def _resource_problems(resource: dict, where: str, bad: Callable[[str, str], None]) -> dict | None:
    """Check one resource; return its schema when the fields can be read, else None."""
    for key in sorted(resource.keys() - _RESOURCE_KEYS):
        bad(f"{where}, {key}", f"not read by this loader; a resource may have: {', '.join(sorted(_RESOURCE_KEYS))}")
    for key, value in _RESOURCE_FIXED.items():
        if key in resource and resource[key] != value:
            bad(f"{where}, {key}", f"{_show(resource[key])}; expected {value!r}")
    path = resource.get("path")
    if not (isinstance(path, str) and _SAFE_PATH.match(path) and ".." not in path.split("/")):
        bad(f"{where}, path", f"{_show(path)} is not a file inside the data folder; expected a relative path such as"
                              " labs.csv or tables/labs.csv (letters, digits, '_', '-', '.', '/'; no '..')")
    schema = resource.get("schema")
    if not isinstance(schema, dict):
        bad(f"{where}, schema", f"{_show(schema)} is not an object; expected the schema written inline")
        return None
    for key in sorted(schema.keys() - _SCHEMA_KEYS):
        bad(f"{where}, schema, {key}", f"not read by this loader; a schema may have: {', '.join(sorted(_SCHEMA_KEYS))}")
    columns = schema.get("fields")
    if not isinstance(columns, list) or not columns:
        bad(f"{where}, schema, fields", "missing; expected a list of columns" if columns is None else f"{_show(columns)}; expected a list of columns")
        return None
    names: list[str] = []
    for number, field in enumerate(columns):
        name = field.get("name") if isinstance(field, dict) else None
        if not isinstance(name, str) or not name or name in names:
            bad(f"{where}, schema, fields[{number}]", f"name {_show(name)}; expected a column name used once")
            return None
        names.append(name)
        _field_problems(field, f"{where}, field {name!r}", bad)
    for name, (kind, required) in RULE_COLUMNS.get(resource["name"], {}).items():
        field = next((f for f in columns if f["name"] == name), None)
        if field is None:
            bad(f"{where}, field {name!r}", f"missing, but the curation rules need it ({kind})")
            continue
        if field.get("type") != kind:
            bad(f"{where}, field {name!r}, type", f"{_show(field.get('type'))}, but the curation rules need {kind!r}")
        if required and not (isinstance(field.get("constraints"), dict) and field["constraints"].get("required") is True):
            bad(f"{where}, field {name!r}, constraints", "the curation rules need it required (\"required\": true)")
    key = schema.get("primaryKey", [])
    for column in [key] if isinstance(key, str) else key if isinstance(key, list) else [key]:
        if column not in names:
            bad(f"{where}, schema, primaryKey", f"{_show(column)} is not a field; expected any of: {', '.join(names)}")
    return schema


def _field_problems(field: dict, where: str, bad: Callable[[str, str], None]) -> None:
    for key in sorted(field.keys() - _FIELD_KEYS):
        bad(f"{where}, {key}", f"not read by this loader; a field may have: {', '.join(sorted(_FIELD_KEYS))}")
    kind = field.get("type")
    if kind not in _TYPES:
        bad(f"{where}, type", f"{_show(kind)} is not a type this loader reads; expected one of: {', '.join(_TYPES)}")
    constraints = field.get("constraints", {})
    if not isinstance(constraints, dict):
        bad(f"{where}, constraints", f"{_show(constraints)}; expected an object")
        return
    for key in sorted(constraints.keys() - _CONSTRAINT_KEYS):
        bad(f"{where}, constraints, {key}", f"not read by this loader; expected any of: {', '.join(sorted(_CONSTRAINT_KEYS))}")
    if not isinstance(constraints.get("required", False), bool):
        bad(f"{where}, constraints, required", f"{_show(constraints['required'])}; expected true or false")
    if "enum" in constraints:
        enum = constraints["enum"]
        if kind != "string" or not isinstance(enum, list) or not enum or not all(isinstance(v, str) and v for v in enum):
            bad(f"{where}, constraints, enum", f"{_show(enum)}; expected a list of words, for a string column")
        else:
            for value in sorted(v for v, count in Counter(enum).items() if count > 1):
                bad(f"{where}, constraints, enum", f"{value!r} is listed twice")
    for bound in ("minimum", "maximum"):
        if bound in constraints:
            value = constraints[bound]
            if isinstance(value, bool) or not isinstance(value, (int, float)) or (isinstance(value, float) and not math.isfinite(value)):
                bad(f"{where}, constraints, {bound}", f"{_show(value)} is not a finite number")
            elif kind not in ("integer", "number"):
                bad(f"{where}, constraints, {bound}", f"only an integer or number column has a {bound}")
    if "pattern" in constraints:
        pattern = constraints["pattern"]
        try:
            usable = kind == "string" and isinstance(pattern, str) and re.compile(pattern) is not None
        except (re.error, RecursionError, OverflowError):
            usable = False
        if not usable:
            bad(f"{where}, constraints, pattern", f"{_show(pattern)}; expected a regular expression, for a string column")


def _foreign_key_problems(keys: object, table: str, columns: dict[str, list[str]], bad: Callable[[str, str], None]) -> None:
    where = f"resource {table!r}, schema, foreignKeys"
    if not isinstance(keys, list):
        bad(where, f"{_show(keys)}; expected a list")
        return
    for number, key in enumerate(keys):
        here = f"{where}[{number}]"
        reference = key.get("reference") if isinstance(key, dict) else None
        if not isinstance(reference, dict):
            bad(here, f"{_show(key)}; expected fields and a reference")
            continue
        target = reference.get("resource")
        if target not in columns:
            bad(f"{here}, reference, resource", f"{_show(target)} is not a table of the collection")
            continue
        own, theirs = _key_list(key.get("fields")), _key_list(reference.get("fields"))
        if not own or not set(own) <= set(columns[table]):
            bad(f"{here}, fields", f"{_show(key.get('fields'))}; expected field(s) of {table}")
        elif not theirs or len(theirs) != len(own) or not set(theirs) <= set(columns[target]):
            bad(f"{here}, reference, fields", f"{_show(reference.get('fields'))}; expected {len(own)} field(s) of {target}")


def _key_list(value: object) -> list[str] | None:
    if isinstance(value, str):
        return [value]
    if isinstance(value, list) and all(isinstance(v, str) for v in value):
        return value
    return None


# 2. The files ---------------------------------------------------------------------------------
_LINE_BREAK = re.compile(r"\r\n|\r|\n")
#: One line with its ending, split where an editor (and ``io.StringIO(newline="")``) splits lines.
_LINE = re.compile(r"[^\r\n]*(?:\r\n|\r|\n)|[^\r\n]+\Z")
#: Characters refused in a cell: C0 and C1 controls except the line breaks of a quoted cell, tab
#: included; the byte-order mark; Unicode line and paragraph separators (they move line numbers).
_CONTROL = re.compile("[\x00-\x09\x0b\x0c\x0e-\x1f\x7f-\x9f\u2028\u2029\ufeff]")
_CONTROL_NAMES = {0x00: "NUL", 0x09: "tab", 0x1B: "ESC", 0x7F: "DEL", 0x2028: "line separator",
                  0x2029: "paragraph separator", 0xFEFF: "byte-order mark"}


@dataclass(frozen=True)
class _CsvFile:
    """One CSV file as read: where it is, a digest of its bytes, its header and where each row stands.

    The cells themselves are handed to typing and then dropped (they would double a load's memory)."""

    file: str  # the path as the descriptor writes it
    path: Path
    digest: bytes  # SHA-256 of the bytes read
    header: list[str]
    starts: list[int]  # the editor line on which each data row starts
    spans: dict[int, list[int]]  # a row whose cells span lines: the line breaks before each of its cells

    def line(self, index: int, column: str | None = None) -> int:
        """Editor line of data row ``index`` (0 is the first), at ``column`` if the row spans several lines."""
        line = self.starts[index]
        if index in self.spans and column in self.header:
            line += self.spans[index][self.header.index(column)]
        return line

    def problem(self, index: int, column: str | None, message: str) -> Problem:
        return Problem(self.file, self.line(index, column), column, message)


def _breaks(text: str) -> int:
    return len(_LINE_BREAK.findall(text))


def _resolve_inside(data_dir: Path, file: str) -> Path:
    """The file ``file`` names, once known to lie inside ``data_dir`` (links followed, nothing opened)."""
    root = data_dir.resolve()
    try:
        target = (root / file).resolve()
    except (OSError, RuntimeError):  # a link that loops
        raise CaseDataError([Problem(file, None, None, "is a link that cannot be followed (it loops)")]) from None
    if root not in target.parents:
        raise CaseDataError([Problem(file, None, None, "is a link to a file outside the data folder; refused without"
                                     " reading it (copy the file into the folder instead)")])
    if not target.exists():
        raise CaseDataError([Problem(file, None, None, "file not found")])
    if not target.is_file():
        raise CaseDataError([Problem(file, None, None, "is not a regular file")])
    return target


def _read_bytes(path: Path, file: str) -> bytes:
    try:
        return path.read_bytes()
    except OSError as error:
        raise CaseDataError([Problem(file, None, None, f"cannot be read ({error.strerror or error})")]) from None


def _decode(file: str, raw: bytes, csv_file: bool = True) -> str:
    """``raw`` as UTF-8 text; a byte-order mark or a byte that is not UTF-8 is named with its line."""
    if raw.startswith(codecs.BOM_UTF8):
        raise CaseDataError([Problem(file, 1, None, "starts with a UTF-8 byte-order mark (BOM), as Excel's 'CSV UTF-8'"
                                     " writes it; save the file as UTF-8 without BOM (in a text editor: encoding"
                                     " 'UTF-8', not 'UTF-8 with BOM')")])
    try:
        return raw.decode("utf-8")
    except UnicodeDecodeError as error:
        before = raw[: error.start].decode("utf-8")
        byte = raw[error.start : error.start + 1]
        shown = byte.decode("cp1252", errors="ignore") or byte.decode("latin-1")
        column = _column_at(before) if csv_file else None
        raise CaseDataError([Problem(file, 1 + _breaks(before), column,
                                     f"byte 0x{byte[0]:02X} is not UTF-8 (it is {shown!r} in Windows-1252 or Latin-1,"
                                     " as Excel's plain 'CSV' saves it); save the file as UTF-8")]) from None


def _column_at(before: str) -> str | None:
    """The CSV column in which the text after ``before`` begins (None on the header line)."""
    sentinel = "\ue000"
    records = list(csv.reader(io.StringIO(before + sentinel, newline="")))
    if len(records) < 2:
        return None
    position = len(records[-1]) - 1
    return records[0][position] if position < len(records[0]) else None


def _read_tables(data_dir: Path, resources: dict[str, dict]) -> tuple[dict[str, _CsvFile], dict[str, list[list[str]]]]:
    """Every table's file, read once and checked as text and as CSV: where it stands, and its rows."""
    tables, rows, problems = {}, {}, []
    for name in TABLES:
        try:
            tables[name], rows[name] = _read_csv(data_dir, resources[name])
        except CaseDataError as error:
            problems += error.problems
    if problems:
        raise CaseDataError(problems)
    return tables, rows


def _read_csv(data_dir: Path, resource: dict) -> tuple[_CsvFile, list[list[str]]]:
    file = resource["path"]
    path = _resolve_inside(data_dir, file)
    raw = _read_bytes(path, file)
    text, digest = _decode(file, raw), hashlib.sha256(raw).digest()
    del raw
    records, starts, ends = _parse(file, text)
    expected = [f["name"] for f in resource["schema"]["fields"]]
    if not records:
        raise CaseDataError([Problem(file, None, None, f"is empty; expected a header line: {', '.join(expected)}")])
    header, rows = records[0], records[1:]
    spans = {i - 1: [0, *accumulate(_breaks(cell) for cell in records[i][:-1])] for i in range(1, len(records)) if ends[i] > starts[i]}
    table = _CsvFile(file, path, digest, header, starts[1:], spans)
    problems = _header_problems(file, header, expected)
    for index, row in enumerate(rows):
        if not any(row):
            problems.append(Problem(file, table.starts[index], None, "blank line; delete it (a table has no empty rows)"))
        elif len(row) != len(header):
            problems.append(Problem(file, table.starts[index], None, f"{len(row)} cells, but the header has"
                                    f" {len(header)}; a cell that contains a comma must be wrapped in double quotes"))
    if _CONTROL.search(text):
        problems += _control_problems(file, records, starts)
    if not rows:
        problems.append(Problem(file, None, None, "has no rows; every table needs at least one (were rows lost when the file was saved?)"))
    if problems:
        raise CaseDataError(problems)
    return table, rows


def _parse(file: str, text: str) -> tuple[list[list[str]], list[int], list[int]]:
    """The CSV records of ``text`` and the editor lines where each starts and ends; malformed quoting is an error."""
    reader = csv.reader((line.group() for line in _LINE.finditer(text)), strict=True)  # lazily: no copy of the text
    records, starts, ends = [], [], []
    while True:
        try:
            record = next(reader)
        except StopIteration:
            return records, starts, ends
        except csv.Error as error:
            raise CaseDataError([Problem(file, (ends[-1] if ends else 0) + 1, None, _csv_message(str(error)))]) from None
        records.append(record)
        starts.append((ends[-1] if ends else 0) + 1)
        ends.append(reader.line_num)


def _csv_message(error: str) -> str:
    quoting = "wrap a cell that contains a comma, quote or line break in double quotes, and double each quote inside it"
    if "unexpected end of data" in error:
        return f"a double quote opened in this row is never closed; {quoting}"
    if "field larger than field limit" in error:
        return f"a cell longer than {csv.field_size_limit()} characters: is a double quote in this row left open? {quoting}"
    if "expected after" in error:
        return f"text follows the closing double quote of a cell; {quoting}"
    return f"not valid CSV ({error}); {quoting}"


def _control_problems(file: str, records: list[list[str]], starts: list[int]) -> list[Problem]:
    problems = []
    header = records[0]
    for record, start in zip(records, starts):
        line = start
        for position, cell in enumerate(record):
            found = _CONTROL.search(cell)
            if found:
                code = ord(found.group())
                name = f"U+{code:04X}" + (f" ({_CONTROL_NAMES[code]})" if code in _CONTROL_NAMES else "")
                column = header[position] if position < len(header) and record is not header else None
                problems.append(Problem(file, line + _breaks(cell[: found.start()]), column,
                                        f"control character {name} in {_show(cell)}; expected visible text"
                                        " (a control character is invisible in an editor, and cuts a cell short in pandas)"))
            line += _breaks(cell)
    return problems


def _header_problems(file: str, header: list[str], expected: list[str]) -> list[Problem]:
    """Compare a CSV header with its schema by name, so a missing column is named as such."""
    if header == expected:
        return []
    order = f"the header must be: {', '.join(expected)}"
    problems = [Problem(file, 1, c, f"column is missing; {order}") for c in expected if c not in header]
    problems += [Problem(file, 1, c, f"unexpected column; {order}") for c in header if c not in expected]
    problems += [Problem(file, 1, c, f"column appears {n} times; {order}") for c, n in Counter(header).items() if n > 1]
    if not problems:
        problems.append(Problem(file, 1, None, f"columns are out of order; {order}"))
    return problems


# 3. Typing: every cell against its column ------------------------------------------------------
_INTEGER = re.compile(r"[+-]?[0-9]+\Z")
_NUMBER = re.compile(r"[+-]?(?:[0-9]+(?:\.[0-9]*)?|\.[0-9]+)(?:[eE][+-]?[0-9]+)?\Z")
_NON_FINITE = re.compile(r"[+-]?(?:inf|infinity|nan)\Z", re.IGNORECASE)
_DATE = re.compile(r"[0-9]{4}-[0-9]{2}-[0-9]{2}\Z")
_INT64 = (-(2**63), 2**63 - 1)
#: The years a pandas timestamp (nanoseconds) can hold in full.
_YEARS = (1678, 2261)


def _typed_frames(tables: dict[str, _CsvFile], rows: dict[str, list[list[str]]],
                  resources: dict[str, dict]) -> dict[str, pd.DataFrame]:
    frames, problems = {}, []
    for name, table in tables.items():
        columns = {}
        for position, field in enumerate(resources[name]["schema"]["fields"]):
            cells = [row[position] for row in rows[name]]
            columns[field["name"]], bad = _typed_column(cells, field)
            problems += [table.problem(index, field["name"], message) for index, message in bad]
        frames[name] = pd.DataFrame(columns, index=pd.RangeIndex(len(rows[name])))
    if problems:
        raise CaseDataError(problems)
    return frames


def _typed_column(cells: list[str], field: dict) -> tuple[object, list[tuple[int, str]]]:
    """The cells of one column as a typed array, and (row, message) for each cell that does not fit."""
    constraints = field.get("constraints", {})
    bad = [(i, "is empty; a value is required") for i, c in enumerate(cells) if not c] if constraints.get("required") else []
    kind = field["type"]
    if kind == "string":
        values = [c or None for c in cells]
        enum = constraints.get("enum")
        if enum is None:
            return pd.array(values, dtype="string"), bad
        allowed = set(enum)
        bad += [(i, f"{_show(c)} is not an allowed value; expected one of: {', '.join(enum)}")
                for i, c in enumerate(cells) if c and c not in allowed]
        return pd.Categorical(values, categories=enum), bad
    read = {"integer": _read_integer, "number": _read_number, "date": _read_date}[kind]
    values = []
    for i, cell in enumerate(cells):
        value, message = read(cell) if cell else (None, None)
        if message:
            bad.append((i, message))
        values.append(value)
    if kind == "integer":
        return pd.array(values, dtype="Int64"), bad
    if kind == "number":
        return np.array([np.nan if v is None else v for v in values], dtype="float64"), bad
    return pd.to_datetime(pd.Series(values, dtype=object), format="%Y-%m-%d"), bad


def _read_integer(cell: str) -> tuple[int | None, str | None]:
    if not _INTEGER.match(cell):
        return None, f"{_show(cell)} is not an integer; expected a whole number such as 12 or -3"
    if len(cell.lstrip("+-").lstrip("0")) > 19 or not _INT64[0] <= int(cell) <= _INT64[1]:  # 19 digits: int() stays cheap
        return None, f"{_show(cell)} is too large; expected an integer from {_INT64[0]} to {_INT64[1]}"
    return int(cell), None


def _read_number(cell: str) -> tuple[float | None, str | None]:
    finite = "expected a finite number such as 2.5 (or a blank cell, where the column may be empty)"
    if _NON_FINITE.match(cell.strip()):
        return None, f"{_show(cell)} is not a finite number; {finite}"
    if not _NUMBER.match(cell):
        return None, f"{_show(cell)} is not a number; expected digits with a point as decimal mark, such as 2.5 or 90000"
    value = float(cell)
    if not math.isfinite(value):
        return None, f"{_show(cell)} is not a finite number (too large); {finite}"
    return value, None


def _read_date(cell: str) -> tuple[str | None, str | None]:
    try:
        date = datetime.date.fromisoformat(cell) if _DATE.match(cell) else None
    except ValueError:
        date = None
    if date is None:
        return None, f"{_show(cell)} is not a date; expected YYYY-MM-DD, such as 2024-06-10"
    if not _YEARS[0] <= date.year <= _YEARS[1]:
        return None, f"{_show(cell)} is outside the dates a DataFrame holds; expected a year from {_YEARS[0]} to {_YEARS[1]}"
    return cell, None


# 4. Frictionless, with its passing verdict cached ------------------------------------------------
# Frictionless validation is the slow part of a load (about a second, mostly importing its
# validators). Its verdict depends only on the descriptor, the files it names and the Frictionless
# version, so a *passing* verdict is remembered under a hash of exactly those, outside casedata/
# (build/cache, or $BMM_CACHE_DIR). Any change to any of them gives a new hash and a full
# validation; failures are never cached, nor a verdict on files that changed while Frictionless
# read them. Everything else above and below runs on every load.
CACHE_DIR: Path = Path(os.environ.get("BMM_CACHE_DIR", PROJECT_ROOT / "build" / "cache"))


def _fingerprint(parts: list[tuple[str, bytes]]) -> str:
    """A hash of the Frictionless version and each (path, SHA-256 of the bytes) the verdict covers."""
    digest = hashlib.sha256(f"frictionless {version('frictionless')}".encode())
    for name, content in parts:
        digest.update(len(name.encode()).to_bytes(8, "big") + name.encode() + content)  # length-prefixed: unambiguous
    return digest.hexdigest()


def _frictionless_check(data_dir: Path, descriptor: bytes, tables: dict[str, _CsvFile]) -> None:
    fingerprint = _fingerprint([(DESCRIPTOR, hashlib.sha256(descriptor).digest()), *((t.file, t.digest) for t in tables.values())])
    if (CACHE_DIR / f"casedata-valid-{fingerprint}").is_file():
        return
    problems = _frictionless_problems(data_dir, tables)
    if problems:
        raise CaseDataError(problems)
    try:
        now = [(name, hashlib.sha256(path.read_bytes()).digest())
               for name, path in [(DESCRIPTOR, data_dir / DESCRIPTOR), *((t.file, t.path) for t in tables.values())]]
        if _fingerprint(now) == fingerprint:
            CACHE_DIR.mkdir(parents=True, exist_ok=True)
            (CACHE_DIR / f"casedata-valid-{fingerprint}").touch()
    except OSError:  # a read-only checkout, or a file gone since: validate in full next time
        pass


def _frictionless_problems(data_dir: Path, tables: dict[str, _CsvFile]) -> list[Problem]:
    from frictionless import FrictionlessException, Package  # imported here: a cached verdict never needs it

    try:
        package = Package(str(data_dir / DESCRIPTOR))
        report = package.validate()
    except FrictionlessException as error:
        return [Problem(DESCRIPTOR, None, None, f"Frictionless cannot read it: {error.error.message}")]
    problems: list[Problem] = []
    for task in report.tasks:
        schema = package.get_resource(task.name).schema
        problems += [_problem_from_error(tables[task.name], schema, error) for error in task.errors]
    problems += [Problem(DESCRIPTOR, None, None, error.message) for error in report.errors]
    return problems


def _problem_from_error(table: _CsvFile, schema, error) -> Problem:
    kind = error.type
    column = getattr(error, "field_name", None) or getattr(error, "label", None)
    cells = getattr(error, "cells", None) or []
    number = getattr(error, "field_number", None)
    cell = cells[number - 1] if number and number <= len(cells) else None
    row = getattr(error, "row_number", None)

    def line(row_number: int | None, at: str | None = None) -> int | None:
        index = row_number - 2 if row_number else -1
        return table.line(index, at) if 0 <= index < len(table.starts) else row_number

    if kind == "type-error":
        return Problem(table.file, line(row, column), column, f"{_show(cell)} is not {_article(schema.get_field(column).type)}")
    if kind == "constraint-error":
        return Problem(table.file, line(row, column), column, _constraint_message(cell, schema.get_field(column), error.note))
    if kind == "primary-key":
        keys = schema.primary_key
        key = tuple(_cell(cells, schema, k) for k in keys)
        first = re.search(r"position (\d+)", error.note)
        if not first:
            return Problem(table.file, line(row), "+".join(keys), f"the key ({', '.join(keys)}) is empty; a key is required")
        return Problem(table.file, line(row), "+".join(keys),
                       f"duplicate key ({', '.join(keys)}) = {key}, first used on line {line(int(first.group(1)))}")
    if kind == "foreign-key":
        failing = list(getattr(error, "field_names", None) or [])
        fk = next((k for k in schema.foreign_keys if _as_list(k["fields"]) == failing), schema.foreign_keys[0])
        columns = _as_list(fk["fields"])
        target = f"{fk['reference']['resource']}.csv"
        if len(columns) == 1:
            value = _cell(cells, schema, columns[0])
            return Problem(table.file, line(row, columns[0]), columns[0],
                           f"{value!r} is not a {_as_list(fk['reference']['fields'])[0]} in {target}")
        values = tuple(_cell(cells, schema, c) for c in columns)
        return Problem(table.file, line(row), "+".join(columns), f"({', '.join(columns)}) = {values} matches no row of {target}")
    return Problem(table.file, line(row, column), column, f"{error.title}: {error.note}")


def _as_list(fields: str | list[str]) -> list[str]:
    return [fields] if isinstance(fields, str) else list(fields)


def _cell(cells: list, schema, column: str) -> str:
    position = schema.field_names.index(column)
    return cells[position] if position < len(cells) else ""


def _constraint_message(cell: str | None, field, note: str) -> str:
    constraints = field.constraints
    if constraints.get("required") and cell in (None, ""):
        return "is empty; a value is required"
    if "enum" in constraints and cell not in constraints["enum"]:
        return f"{_show(cell)} is not an allowed value; expected one of: {', '.join(map(str, constraints['enum']))}"
    return f"{_show(cell)} breaks the rule {note}"


def _article(type_name: str) -> str:
    return {"integer": "an integer", "number": "a number", "date": "a date (YYYY-MM-DD)"}.get(type_name, f"of type {type_name}")


# 5. Curation rules beyond the descriptor, and the vocabularies notebooks read ---------------------
def _rule_problems(frames: dict[str, pd.DataFrame], tables: dict[str, _CsvFile]) -> list[Problem]:
    problems: list[Problem] = []
    problems += _lab_unit_problems(frames["labs"], tables["labs"])
    problems += _therapy_problems(frames["therapy_lines"], tables["therapy_lines"])
    problems += _dose_problems(frames["doses"], frames["therapy_lines"], tables["doses"])
    problems += _outcome_problems(frames["cases"], frames["events"], tables["cases"])
    problems += _milestone_problems(frames["cases"], frames["events"], tables["events"])
    problems += _literature_problems(frames["literature_survival"], tables["literature_survival"])
    problems += _hazard_ratio_problems(frames["hazard_ratios"], tables["hazard_ratios"])
    problems += _source_problems(frames, tables)
    problems += _case_row_problems(frames, tables)
    problems += _row_prefix_problems(frames, tables)
    problems += _ihc_vocabulary_problems(frames["ihc"], tables["ihc"])
    return problems


def _records(frame: pd.DataFrame) -> Iterator[tuple[int, dict]]:
    """(index, row as a dict) for every row: the rules' loop, many times faster than ``iterrows``."""
    columns = list(frame.columns)
    rows = zip(*(frame[column].tolist() for column in columns))
    return zip(frame.index, (dict(zip(columns, row)) for row in rows))


def _lab_unit_problems(labs: pd.DataFrame, src: _CsvFile) -> list[Problem]:
    problems = []
    for i, row in _records(labs):
        analyte = row["analyte"]
        try:
            expected, unit_std = units.to_standard(row["value"], row["unit"], analyte)
        except units.UnitError as error:
            problems.append(src.problem(i, "unit", str(error)))
            continue
        if row["unit_std"] != unit_std:
            problems.append(src.problem(i, "unit_std", f"{row['unit_std']!r} is not the standard unit of {analyte} ({unit_std})"))
        if not units.agrees(row["value_std"], expected):
            problems.append(src.problem(i, "value_std",
                                        f"{row['value_std']:g} disagrees with {row['value']:g} {row['unit']} converted to {unit_std} ({expected:g})"))
        elif not units.is_possible(row["value_std"], analyte):
            low, high = units.POSSIBLE_RANGE[analyte]
            problems.append(src.problem(i, "value_std", f"{row['value_std']:g} {unit_std} is impossible for {analyte} (possible: {low:g} to {high:g})"))
    return problems


def _therapy_problems(therapy: pd.DataFrame, src: _CsvFile) -> list[Problem]:
    problems = []
    for i, row in _records(therapy):
        for day_col, prec_col in (("start_day", "start_precision"), ("end_day", "end_precision")):
            if pd.isna(row[day_col]) != pd.isna(row[prec_col]):
                problems.append(src.problem(i, prec_col, f"{prec_col} must be given exactly when {day_col} is given"))
        if row["setting"] == "metastatic" and pd.isna(row["response"]):
            problems.append(src.problem(i, "response", "a metastatic-setting treatment needs a response (not_reported when the report names none)"))
        if pd.notna(row["start_day"]) and pd.notna(row["end_day"]) and row["end_day"] < row["start_day"]:
            problems.append(src.problem(i, "end_day", f"end_day {row['end_day']} is before start_day {row['start_day']}"))
    return problems


def _dose_problems(doses: pd.DataFrame, therapy: pd.DataFrame, src: _CsvFile) -> list[Problem]:
    """Each dosed agent must be one of the agents listed for its line in therapy_lines.csv."""
    agents = {
        (row["case_id"], row["therapy_id"]): set(str(row["agents"]).split(";")) if pd.notna(row["agents"]) else set()
        for _, row in _records(therapy)
    }
    problems = []
    for i, row in _records(doses):
        listed = agents.get((row["case_id"], row["therapy_id"]))
        if listed is not None and row["agent"] not in listed:
            problems.append(src.problem(i, "agent",
                                        f"{row['agent']!r} is not an agent of {row['therapy_id']} (therapy_lines.csv lists: {', '.join(sorted(listed))})"))
    return problems


def _outcome_problems(cases: pd.DataFrame, events: pd.DataFrame, src: _CsvFile) -> list[Problem]:
    problems = []
    for i, case in _records(cases):
        dead = case["vital_status"] == "dead"
        if dead == pd.isna(case["cause_of_death"]):
            rule = "a dead patient needs a cause_of_death" if dead else "cause_of_death must be blank for a living patient"
            problems.append(src.problem(i, "cause_of_death", rule))
        end = "death" if dead else "last_contact"
        ends = events[(events["case_id"] == case["case_id"]) & (events["milestone"] == end)]
        if len(ends) != 1:
            problems.append(src.problem(i, "vital_status", f"{case['vital_status']} needs exactly one '{end}' milestone in events.csv, found {len(ends)}"))
            continue
        months = ends["day"].iloc[0] / DAYS_PER_MONTH
        if abs(months - case["followup_months"]) > 1:
            problems.append(src.problem(i, "followup_months",
                                        f"{case['followup_months']:g} months disagrees with the '{end}' event on day {ends['day'].iloc[0]} ({months:.1f} months)"))
    return problems


def _milestone_problems(cases: pd.DataFrame, events: pd.DataFrame, src: _CsvFile) -> list[Problem]:
    """Each milestone at most once per case; every case has its diagnoses; BMM diagnosis on day 0."""
    problems = []
    marked = events[events["milestone"].notna()]
    for (case_id, milestone), group in marked.groupby(["case_id", "milestone"], observed=True):
        if len(group) > 1:
            lines = ", ".join(str(src.line(i, "milestone")) for i in group.index)
            problems.append(src.problem(group.index[1], "milestone", f"{milestone!r} is marked {len(group)} times for {case_id} (lines {lines})"))
    for i, row in _records(marked[marked["milestone"] == "bmm_diagnosis"]):
        if row["day"] != 0:
            problems.append(src.problem(i, "day", f"the bmm_diagnosis milestone defines day 0, found day {row['day']}"))
    for case_id in cases["case_id"]:
        have = set(marked.loc[marked["case_id"] == case_id, "milestone"])
        for needed in ("primary_diagnosis", "bmm_diagnosis"):
            if needed not in have:
                problems.append(Problem(src.file, None, "milestone", f"{case_id} has no {needed!r} milestone"))
    return problems


def _literature_problems(lit: pd.DataFrame, src: _CsvFile) -> list[Problem]:
    problems = []
    for i, row in _records(lit):
        for low_col, high_col in (("ci_low", "ci_high"), ("range_low", "range_high")):
            low, high = row[low_col], row[high_col]
            if pd.isna(low) != pd.isna(high):
                problems.append(src.problem(i, high_col, f"{low_col} and {high_col} go together"))
            elif pd.notna(low) and not low <= row["median_os_months"] <= high:
                problems.append(src.problem(i, "median_os_months", f"median {row['median_os_months']:g} lies outside {low_col}-{high_col} {low:g}-{high:g}"))
    return problems


def _hazard_ratio_problems(ratios: pd.DataFrame, src: _CsvFile) -> list[Problem]:
    problems = []
    for i, row in _records(ratios):
        if not row["ci_low"] <= row["hazard_ratio"] <= row["ci_high"]:
            problems.append(src.problem(i, "hazard_ratio",
                                        f"{row['hazard_ratio']:g} lies outside its confidence interval {row['ci_low']:g}-{row['ci_high']:g}"))
    return problems


#: Kinds of source whose currency must be recorded: a version and the day it was last checked.
DATED_KINDS: tuple[str, ...] = ("guideline", "trial")
#: In the note of an ``unresolved`` source, this word introduces what could not be obtained.
UNRESOLVED_MARK = "UNRESOLVED"


def _source_problems(frames: dict[str, pd.DataFrame], tables: dict[str, _CsvFile]) -> list[Problem]:
    """Guidelines and trials carry a version and a checked_on date; a superseded source names its
    replacement and is cited by no other table."""
    sources, src = frames["sources"], tables["sources"]
    status = dict(zip(sources["source_id"], sources["status"]))
    problems = []
    for i, row in _records(sources):
        if row["kind"] in DATED_KINDS:
            for column in ("version", "checked_on"):
                if pd.isna(row[column]):
                    problems.append(src.problem(i, column, f"a {row['kind']} needs a {column} (see casedata/README.md)"))
        replacement = row["superseded_by"]
        if row["status"] == "superseded":
            if pd.isna(replacement):
                problems.append(src.problem(i, "superseded_by", "a superseded source must name the source that replaces it"))
            elif status.get(replacement) != "current":
                problems.append(src.problem(i, "superseded_by", f"{replacement!r} is not a current source in {src.file}"))
        elif pd.notna(replacement):
            problems.append(src.problem(i, "superseded_by", "only a superseded source names a replacement"))
        if row["status"] == "unresolved" and UNRESOLVED_MARK not in str(row["note"]):
            problems.append(src.problem(i, "note", f"an unresolved source must say what could not be obtained, after '{UNRESOLVED_MARK}'"))
    superseded = {source for source, state in status.items() if state == "superseded"}
    for name, frame in frames.items():
        if name == "sources" or "source_id" not in frame:
            continue
        for i, source in frame["source_id"].items():
            if source in superseded:
                problems.append(tables[name].problem(i, "source_id",
                                                     f"{source!r} is superseded by {sources.set_index('source_id').at[source, 'superseded_by']!r}; cite the current source"))
    return problems


def _case_row_problems(frames: dict[str, pd.DataFrame], tables: dict[str, _CsvFile]) -> list[Problem]:
    """Every case has rows in each of :data:`CASE_TABLES`: a case that lost them all is an error."""
    problems = []
    for name in CASE_TABLES:
        present = set(frames[name]["case_id"].dropna())
        for i, case_id in frames["cases"]["case_id"].items():
            if case_id not in present:
                problems.append(tables["cases"].problem(i, "case_id", f"{case_id} has no rows in {tables[name].file}; every case needs some"))
    return problems


def _row_prefix_problems(frames: dict[str, pd.DataFrame], tables: dict[str, _CsvFile]) -> list[Problem]:
    """Each case has its own ``row_prefix``; every row id of a case starts with it and a hyphen."""
    problems = []
    cases = frames["cases"]
    first: dict[str, str] = {}
    for i, row in _records(cases):
        prefix = row["row_prefix"]
        if pd.isna(prefix):
            continue  # required, already refused
        if prefix in first:
            problems.append(tables["cases"].problem(i, "row_prefix", f"{prefix!r} is already the prefix of {first[prefix]}; each case needs its own"))
        else:
            first[prefix] = row["case_id"]
    prefix_of = dict(zip(cases["case_id"], cases["row_prefix"]))
    for name, column in PREFIXED_IDS.items():
        for i, row in _records(frames[name][["case_id", column]]):
            prefix = prefix_of.get(row["case_id"])
            if pd.isna(row["case_id"]) or pd.isna(row[column]) or not isinstance(prefix, str):
                continue  # a guideline threshold, a missing value or an unknown case: not a prefix question
            if not str(row[column]).startswith(f"{prefix}-"):
                problems.append(tables[name].problem(i, column, f"{_show(row[column])} does not start with {prefix}-, the row_prefix of {row['case_id']} in cases.csv"))
    return problems


def _ihc_vocabulary_problems(frame: pd.DataFrame, src: _CsvFile) -> list[Problem]:
    """Each IHC row as notebook 02 reads it: its printed result and the panel value :func:`utils.ihc_views.case_panel`
    passes on are read by :func:`utils.ihc.interpret_panel`; the result, specimen and marker are ones the views show."""
    from utils import ihc_views  # the views of notebook 02 (imported here: they import utils.ihc, not this module)

    problems = []
    for i, row in _records(frame):
        marker, specimen, result = row["marker"], row["specimen"], row["result"]
        if pd.isna(marker) or pd.isna(specimen) or pd.isna(result):
            continue  # a required value, already refused
        if marker not in ihc_views.MARKER_ORDER:
            problems.append(src.problem(i, "marker", f"{marker!r} is not a marker notebook 02 shows; expected one of: {', '.join(ihc_views.MARKER_ORDER)}"))
            continue
        if specimen not in ihc_views.SPECIMEN_ORDER:
            problems.append(src.problem(i, "specimen", f"{specimen!r} is not a specimen notebook 02 shows; expected one of: {', '.join(ihc_views.SPECIMEN_ORDER)}"))
            continue
        panel_value = ihc_views.case_panel(frame.loc[[i]], row["case_id"], specimen)[marker]
        readings = [("result", result, result)]
        if panel_value != result:  # notebook 02 reads the number in result_value instead
            readings.append(("result_value", panel_value, f"{panel_value:g}"))
        for column, value, shown in readings:
            try:
                ihc.interpret_panel({marker: value})
            except ValueError as error:
                problems.append(src.problem(i, column, f"{_show(shown)} cannot be read by utils.ihc: {error}"))
        try:
            ihc_views.result_call(marker, result)
        except ValueError as error:
            problems.append(src.problem(i, "result", f"{_show(result)} cannot be shown in notebook 02's marker panel: {error}"))
    return problems


if __name__ == "__main__":  # python -m utils.casedata check FOLDER | extract CASE_ID FOLDER (see utils.curation)
    import sys

    from utils.curation import main

    sys.exit(main())
