"""Load the curated case data in ``casedata/``, validated, as typed DataFrames.

This is the only way the notebooks read patient data. Every load first checks the
whole folder:

1. against its Frictionless descriptor ``casedata/datapackage.json`` (column names,
   types, vocabularies, required values, primary keys, foreign keys to ``cases.csv``);
2. against rules a descriptor cannot express (a unit that fits its analyte, a
   standard value that agrees with the conversion of the printed one, start and
   end days with their precision, an outcome consistent with the events).

Anything wrong raises :class:`CaseDataError`, which names the file, the line
(line 1 is the header), the column and what was expected. No row is dropped:
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

import csv
import hashlib
import json
import os
from dataclasses import dataclass, fields
from pathlib import Path

import pandas as pd
from importlib.metadata import version

from utils import PROJECT_ROOT, units

#: The curated data folder of the repository.
DATA_DIR: Path = PROJECT_ROOT / "casedata"
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
    line: int | None  # line in the file; 1 is the header; None for the whole file
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
    """The curated data break the descriptor or a curation rule."""

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


# Public API ---------------------------------------------------------------------------
def load_all(data_dir: Path | str = DATA_DIR) -> CaseData:
    """Validate ``data_dir`` and return every table, typed."""
    data_dir = Path(data_dir)
    frames = _validated_frames(data_dir)
    return CaseData(**frames)


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
    resource = _resource_descriptor(Path(data_dir), name)
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


# Validation -----------------------------------------------------------------------------
def _descriptor(data_dir: Path) -> dict:
    path = data_dir / DESCRIPTOR
    if not path.is_file():
        raise CaseDataError([Problem(str(path), None, None, "data package descriptor not found")])
    return json.loads(path.read_text(encoding="utf-8"))


def _resource_descriptor(data_dir: Path, name: str) -> dict:
    for resource in _descriptor(data_dir)["resources"]:
        if resource["name"] == name:
            return resource
    raise KeyError(f"table {name!r} is not described in {data_dir / DESCRIPTOR}")


def _validated_frames(data_dir: Path) -> dict[str, pd.DataFrame]:
    descriptor = _descriptor(data_dir)
    missing = sorted(set(TABLES) - {r["name"] for r in descriptor["resources"]})
    if missing:
        raise CaseDataError([Problem(DESCRIPTOR, None, None, f"no resource for table(s): {', '.join(missing)}")])
    problems = _header_problems(data_dir, descriptor["resources"])
    if problems:  # with columns missing or moved, cell-by-cell checks would only add noise
        raise CaseDataError(problems)
    fingerprint = _fingerprint(data_dir)
    if not _known_valid(fingerprint):
        problems = _frictionless_problems(data_dir)
        if problems:
            raise CaseDataError(problems)
        _remember_valid(fingerprint)
    resources = {r["name"]: r for r in descriptor["resources"]}
    frames = {name: _typed_frame(data_dir, resources[name]) for name in TABLES}
    problems = _rule_problems(frames, resources)
    if problems:
        raise CaseDataError(problems)
    return frames


def _header_problems(data_dir: Path, resources: list[dict]) -> list[Problem]:
    """Compare each CSV header with its schema by name, so a missing column is named as such."""
    problems = []
    for resource in resources:
        file = resource["path"]
        path = data_dir / file
        if not path.is_file():
            problems.append(Problem(file, None, None, "file not found"))
            continue
        with open(path, newline="", encoding="utf-8") as handle:
            header = next(csv.reader(handle), [])
        expected = [f["name"] for f in resource["schema"]["fields"]]
        order = f"the header must be: {', '.join(expected)}"
        problems += [Problem(file, 1, c, f"column is missing; {order}") for c in expected if c not in header]
        problems += [Problem(file, 1, c, f"unexpected column; {order}") for c in header if c not in expected]
        if sorted(header) == sorted(expected) and header != expected:
            problems.append(Problem(file, 1, None, f"columns are out of order; {order}"))
    return problems


# Frictionless validation is the slow part of a load (about a second, mostly importing its
# validators). Its verdict depends only on the bytes of the folder and the Frictionless version,
# so a *passing* verdict is remembered under a hash of both, outside casedata/ (build/cache, or
# $BMM_CACHE_DIR). Any change to any file gives a new hash and a full validation; failures are
# never cached. The curation rules and the typing below always run.
CACHE_DIR: Path = Path(os.environ.get("BMM_CACHE_DIR", PROJECT_ROOT / "build" / "cache"))


def _fingerprint(data_dir: Path) -> str:
    digest = hashlib.sha256(f"frictionless {version('frictionless')}".encode())
    for path in sorted(p for p in data_dir.iterdir() if p.is_file()):
        digest.update(path.name.encode() + b"\0" + path.read_bytes() + b"\0")
    return digest.hexdigest()


def _known_valid(fingerprint: str) -> bool:
    return (CACHE_DIR / f"casedata-valid-{fingerprint}").is_file()


def _remember_valid(fingerprint: str) -> None:
    try:
        CACHE_DIR.mkdir(parents=True, exist_ok=True)
        (CACHE_DIR / f"casedata-valid-{fingerprint}").touch()
    except OSError:  # a read-only checkout: validate in full every time
        pass


def _frictionless_problems(data_dir: Path) -> list[Problem]:
    from frictionless import Package  # imported here: a load whose verdict is cached never needs it

    package = Package(str(data_dir / DESCRIPTOR))
    report = package.validate()
    problems: list[Problem] = []
    for task in report.tasks:
        resource = package.get_resource(task.name)
        file = resource.path or task.name
        schema = resource.schema
        for error in task.errors:
            problems.append(_problem_from_error(file, schema, error))
    for error in report.errors:  # package-level problems (unreadable descriptor ...)
        problems.append(Problem(DESCRIPTOR, None, None, error.message))
    return problems


def _problem_from_error(file: str, schema, error) -> Problem:
    kind = error.type
    line = getattr(error, "row_number", None)
    column = getattr(error, "field_name", None) or getattr(error, "label", None)
    cells = getattr(error, "cells", None) or []
    number = getattr(error, "field_number", None)
    cell = cells[number - 1] if number and number <= len(cells) else None
    if kind in {"missing-label", "extra-label", "incorrect-label", "duplicate-label", "blank-label"}:
        expected = ", ".join(schema.field_names)
        return Problem(file, 1, column, f"{error.title.lower()}: the header must be: {expected}")
    if kind == "type-error":
        field = schema.get_field(column)
        return Problem(file, line, column, f"{cell!r} is not {_article(field.type)}")
    if kind == "constraint-error":
        return Problem(file, line, column, _constraint_message(cell, schema.get_field(column), error.note))
    if kind == "primary-key":
        keys = schema.primary_key
        key = tuple(_cell(cells, schema, k) for k in keys)
        first = error.note.rsplit(" ", 1)[-1]
        return Problem(file, line, "+".join(keys), f"duplicate key ({', '.join(keys)}) = {key}, first used on line {first}")
    if kind == "foreign-key":
        failing = list(getattr(error, "field_names", None) or [])
        fk = next((k for k in schema.foreign_keys if _as_list(k["fields"]) == failing), schema.foreign_keys[0])
        columns = _as_list(fk["fields"])
        target = f"{fk['reference']['resource']}.csv"
        if len(columns) == 1:
            value = _cell(cells, schema, columns[0])
            return Problem(file, line, columns[0], f"{value!r} is not a {_as_list(fk['reference']['fields'])[0]} in {target}")
        values = tuple(_cell(cells, schema, c) for c in columns)
        names = ", ".join(columns)
        return Problem(file, line, "+".join(columns), f"({names}) = {values} matches no row of {target}")
    return Problem(file, line, column, f"{error.title}: {error.note}")


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
        return f"{cell!r} is not an allowed value; expected one of: {', '.join(map(str, constraints['enum']))}"
    return f"{cell!r} breaks the rule {note}"


def _article(type_name: str) -> str:
    return {"integer": "an integer", "number": "a number", "date": "a date (YYYY-MM-DD)"}.get(type_name, f"of type {type_name}")


# Typing --------------------------------------------------------------------------------------
def _typed_frame(data_dir: Path, resource: dict) -> pd.DataFrame:
    path = data_dir / resource["path"]
    raw = pd.read_csv(path, dtype=str, keep_default_na=False, encoding="utf-8", skip_blank_lines=False)
    frame = pd.DataFrame(index=raw.index)
    for field in resource["schema"]["fields"]:
        frame[field["name"]] = _typed_column(raw[field["name"]], field)
    return frame


def _typed_column(values: pd.Series, field: dict) -> pd.Series:
    blank = values.eq("")
    kind = field["type"]
    enum = field.get("constraints", {}).get("enum")
    if kind == "integer":
        return pd.array([pd.NA if b else int(v) for v, b in zip(values, blank)], dtype="Int64")
    if kind == "number":
        return pd.to_numeric(values.mask(blank), errors="raise").astype("float64")
    if kind == "date":
        return pd.to_datetime(values.mask(blank), format="%Y-%m-%d")
    if enum:
        return pd.Categorical(values.mask(blank), categories=enum)
    return values.mask(blank).astype("string")


# Curation rules beyond the descriptor ----------------------------------------------------------
def _rule_problems(frames: dict[str, pd.DataFrame], resources: dict[str, dict]) -> list[Problem]:
    problems: list[Problem] = []
    problems += _lab_unit_problems(frames["labs"], resources["labs"]["path"])
    problems += _therapy_problems(frames["therapy_lines"], resources["therapy_lines"]["path"])
    problems += _dose_problems(frames["doses"], frames["therapy_lines"], resources["doses"]["path"])
    problems += _outcome_problems(frames["cases"], frames["events"], resources["cases"]["path"])
    problems += _milestone_problems(frames["cases"], frames["events"], resources["events"]["path"])
    problems += _literature_problems(frames["literature_survival"], resources["literature_survival"]["path"])
    problems += _hazard_ratio_problems(frames["hazard_ratios"], resources["hazard_ratios"]["path"])
    problems += _source_problems(frames, resources)
    return problems


def _line(index: int) -> int:
    return int(index) + 2  # header is line 1, first data row line 2


def _lab_unit_problems(labs: pd.DataFrame, file: str) -> list[Problem]:
    problems = []
    for i, row in labs.iterrows():
        analyte = row["analyte"]
        try:
            expected, unit_std = units.to_standard(row["value"], row["unit"], analyte)
        except units.UnitError as error:
            problems.append(Problem(file, _line(i), "unit", str(error)))
            continue
        if row["unit_std"] != unit_std:
            problems.append(Problem(file, _line(i), "unit_std", f"{row['unit_std']!r} is not the standard unit of {analyte} ({unit_std})"))
        if not units.agrees(row["value_std"], expected):
            problems.append(
                Problem(file, _line(i), "value_std",
                        f"{row['value_std']:g} disagrees with {row['value']:g} {row['unit']} converted to {unit_std} ({expected:g})")
            )
        elif not units.is_possible(row["value_std"], analyte):
            low, high = units.POSSIBLE_RANGE[analyte]
            problems.append(Problem(file, _line(i), "value_std", f"{row['value_std']:g} {unit_std} is impossible for {analyte} (possible: {low:g} to {high:g})"))
    return problems


def _therapy_problems(therapy: pd.DataFrame, file: str) -> list[Problem]:
    problems = []
    for i, row in therapy.iterrows():
        for day_col, prec_col in (("start_day", "start_precision"), ("end_day", "end_precision")):
            if pd.isna(row[day_col]) != pd.isna(row[prec_col]):
                problems.append(Problem(file, _line(i), prec_col, f"{prec_col} must be given exactly when {day_col} is given"))
        if row["setting"] == "metastatic" and pd.isna(row["response"]):
            problems.append(Problem(file, _line(i), "response", "a metastatic-setting treatment needs a response (not_reported when the report names none)"))
        if pd.notna(row["start_day"]) and pd.notna(row["end_day"]) and row["end_day"] < row["start_day"]:
            problems.append(Problem(file, _line(i), "end_day", f"end_day {row['end_day']} is before start_day {row['start_day']}"))
    return problems


def _dose_problems(doses: pd.DataFrame, therapy: pd.DataFrame, file: str) -> list[Problem]:
    """Each dosed agent must be one of the agents listed for its line in therapy_lines.csv."""
    agents = {
        (row["case_id"], row["therapy_id"]): set(str(row["agents"]).split(";")) if pd.notna(row["agents"]) else set()
        for _, row in therapy.iterrows()
    }
    problems = []
    for i, row in doses.iterrows():
        listed = agents.get((row["case_id"], row["therapy_id"]))
        if listed is not None and row["agent"] not in listed:
            problems.append(Problem(file, _line(i), "agent",
                                    f"{row['agent']!r} is not an agent of {row['therapy_id']} (therapy_lines.csv lists: {', '.join(sorted(listed))})"))
    return problems


def _outcome_problems(cases: pd.DataFrame, events: pd.DataFrame, file: str) -> list[Problem]:
    problems = []
    for i, case in cases.iterrows():
        dead = case["vital_status"] == "dead"
        if dead == pd.isna(case["cause_of_death"]):
            rule = "a dead patient needs a cause_of_death" if dead else "cause_of_death must be blank for a living patient"
            problems.append(Problem(file, _line(i), "cause_of_death", rule))
        end = "death" if dead else "last_contact"
        ends = events[(events["case_id"] == case["case_id"]) & (events["milestone"] == end)]
        if len(ends) != 1:
            problems.append(Problem(file, _line(i), "vital_status", f"{case['vital_status']} needs exactly one '{end}' milestone in events.csv, found {len(ends)}"))
            continue
        months = ends["day"].iloc[0] / DAYS_PER_MONTH
        if abs(months - case["followup_months"]) > 1:
            problems.append(Problem(file, _line(i), "followup_months",
                                    f"{case['followup_months']:g} months disagrees with the '{end}' event on day {ends['day'].iloc[0]} ({months:.1f} months)"))
    return problems


def _milestone_problems(cases: pd.DataFrame, events: pd.DataFrame, file: str) -> list[Problem]:
    """Each milestone at most once per case; every case has its diagnoses; BMM diagnosis on day 0."""
    problems = []
    marked = events[events["milestone"].notna()]
    for (case_id, milestone), group in marked.groupby(["case_id", "milestone"], observed=True):
        if len(group) > 1:
            lines = ", ".join(str(_line(i)) for i in group.index)
            problems.append(Problem(file, _line(group.index[1]), "milestone", f"{milestone!r} is marked {len(group)} times for {case_id} (lines {lines})"))
    for i, row in marked[marked["milestone"] == "bmm_diagnosis"].iterrows():
        if row["day"] != 0:
            problems.append(Problem(file, _line(i), "day", f"the bmm_diagnosis milestone defines day 0, found day {row['day']}"))
    for case_id in cases["case_id"]:
        have = set(marked.loc[marked["case_id"] == case_id, "milestone"])
        for needed in ("primary_diagnosis", "bmm_diagnosis"):
            if needed not in have:
                problems.append(Problem(file, None, "milestone", f"{case_id} has no {needed!r} milestone"))
    return problems


def _literature_problems(lit: pd.DataFrame, file: str) -> list[Problem]:
    problems = []
    for i, row in lit.iterrows():
        for low_col, high_col in (("ci_low", "ci_high"), ("range_low", "range_high")):
            low, high = row[low_col], row[high_col]
            if pd.isna(low) != pd.isna(high):
                problems.append(Problem(file, _line(i), high_col, f"{low_col} and {high_col} go together"))
            elif pd.notna(low) and not low <= row["median_os_months"] <= high:
                problems.append(Problem(file, _line(i), "median_os_months", f"median {row['median_os_months']:g} lies outside {low_col}-{high_col} {low:g}-{high:g}"))
    return problems


def _hazard_ratio_problems(ratios: pd.DataFrame, file: str) -> list[Problem]:
    problems = []
    for i, row in ratios.iterrows():
        if not row["ci_low"] <= row["hazard_ratio"] <= row["ci_high"]:
            problems.append(Problem(file, _line(i), "hazard_ratio",
                                    f"{row['hazard_ratio']:g} lies outside its confidence interval {row['ci_low']:g}-{row['ci_high']:g}"))
    return problems


#: Kinds of source whose currency must be recorded: a version and the day it was last checked.
DATED_KINDS: tuple[str, ...] = ("guideline", "trial")
#: In the note of an ``unresolved`` source, this word introduces what could not be obtained.
UNRESOLVED_MARK = "UNRESOLVED"


def _source_problems(frames: dict[str, pd.DataFrame], resources: dict[str, dict]) -> list[Problem]:
    """Guidelines and trials carry a version and a checked_on date; a superseded source names its
    replacement and is cited by no other table."""
    sources, file = frames["sources"], resources["sources"]["path"]
    status = dict(zip(sources["source_id"], sources["status"]))
    problems = []
    for i, row in sources.iterrows():
        if row["kind"] in DATED_KINDS:
            for column in ("version", "checked_on"):
                if pd.isna(row[column]):
                    problems.append(Problem(file, _line(i), column, f"a {row['kind']} needs a {column} (see casedata/README.md)"))
        replacement = row["superseded_by"]
        if row["status"] == "superseded":
            if pd.isna(replacement):
                problems.append(Problem(file, _line(i), "superseded_by", "a superseded source must name the source that replaces it"))
            elif status.get(replacement) != "current":
                problems.append(Problem(file, _line(i), "superseded_by", f"{replacement!r} is not a current source in {file}"))
        elif pd.notna(replacement):
            problems.append(Problem(file, _line(i), "superseded_by", "only a superseded source names a replacement"))
        if row["status"] == "unresolved" and UNRESOLVED_MARK not in str(row["note"]):
            problems.append(Problem(file, _line(i), "note", f"an unresolved source must say what could not be obtained, after '{UNRESOLVED_MARK}'"))
    superseded = {source for source, state in status.items() if state == "superseded"}
    for name, frame in frames.items():
        if name == "sources" or "source_id" not in frame:
            continue
        for i, source in frame["source_id"].items():
            if source in superseded:
                problems.append(Problem(resources[name]["path"], _line(i), "source_id",
                                        f"{source!r} is superseded by {sources.set_index('source_id').at[source, 'superseded_by']!r}; cite the current source"))
    return problems
