"""utils.casedata: the curated tables load typed and whole, and bad input is named precisely."""

import csv
import re
import shutil
import subprocess
import sys
from pathlib import Path

import pandas as pd
import pytest
from frictionless import Package

from utils import casedata

ROOT = Path(__file__).resolve().parent.parent
DATA = ROOT / "casedata"


# The real data ----------------------------------------------------------------------------
@pytest.fixture(scope="module")
def data():
    return casedata.load_all()


def test_frictionless_validates_the_package():
    report = Package(str(DATA / "datapackage.json")).validate()
    assert report.valid, report.flatten(["rowNumber", "fieldName", "type", "note"])


def test_frictionless_command_line_validates_the_package():
    cli = Path(sys.executable).parent / "frictionless"
    result = subprocess.run([str(cli), "validate", str(DATA / "datapackage.json")], capture_output=True, text=True)
    assert result.returncode == 0, result.stdout + result.stderr


def csv_rows(path):
    with open(path, newline="", encoding="utf-8") as handle:
        return list(csv.reader(handle))


@pytest.mark.parametrize("table", casedata.TABLES)
def test_every_row_is_loaded(data, table):
    frame = getattr(data, table)
    rows = csv_rows(DATA / f"{table}.csv")
    assert list(frame.columns) == rows[0]
    assert len(frame) == len(rows) - 1


def test_types_follow_the_descriptor(data):
    assert str(data.labs["day"].dtype) == "Int64"
    assert isinstance(data.labs["analyte"].dtype, pd.CategoricalDtype)
    assert "ca125" in data.labs["analyte"].cat.categories  # vocabulary, even where no row uses it
    assert data.labs["value_std"].dtype == "float64"
    assert str(data.therapy_lines["end_day"].dtype) == "Int64"
    assert data.therapy_lines["end_day"].isna().any()  # blanks stay missing, not 0
    assert data.cases["day0_date"].dtype.kind == "M"


def test_loads_are_independent_copies():
    first = casedata.load("labs")
    first.loc[0, "value_std"] = -1.0
    assert casedata.load("labs").loc[0, "value_std"] != -1.0


def test_every_case_table_row_has_a_source_locator(data):
    for table in ("cases", "labs", "ihc", "therapy_lines", "doses", "events", "observations", "literature_survival", "transfusion_thresholds", "dose_references"):
        locators = getattr(data, table)["source_locator"]
        assert locators.notna().all() and (locators.str.len() > 10).all(), table


def test_discrepancy_references_in_locators_exist(data):
    known = set(data.discrepancies["discrepancy_id"])
    for table in ("labs", "ihc", "therapy_lines", "events", "observations"):
        for locator in getattr(data, table)["source_locator"]:
            for ref in re.findall(r"discrepancies\.csv, ([A-Z]{2}-\d{2})", locator):
                assert ref in known, f"{table}: {locator!r} cites {ref}, which is not in discrepancies.csv"


def test_ids_carry_their_case_prefix(data):
    prefix = {"akagi2021": "AK-", "tnbc2025": "TN-"}
    for table, column in (("therapy_lines", "therapy_id"), ("events", "event_id"), ("discrepancies", "discrepancy_id")):
        frame = getattr(data, table)
        wrong = frame[[not i.startswith(prefix[c]) for c, i in zip(frame["case_id"], frame[column])]]
        assert wrong.empty, wrong[[column, "case_id"]]


def test_describe_lists_every_column_with_its_meaning():
    dictionary = casedata.describe("labs")
    assert list(dictionary["column"]) == csv_rows(DATA / "labs.csv")[0]
    assert dictionary["meaning"].str.len().gt(0).all()


def test_data_dictionary_documents_every_column():
    readme = (DATA / "README.md").read_text(encoding="utf-8")
    for table in casedata.TABLES:
        section = readme.split(f"### `{table}.csv`", 1)
        assert len(section) == 2, f"casedata/README.md has no section for {table}.csv"
        body = section[1].split("\n### ", 1)[0]
        documented = set(re.findall(r"^\| `([a-z0-9_]+)` \|", body, flags=re.M))
        assert documented == set(csv_rows(DATA / f"{table}.csv")[0]), table


def test_unknown_table_name():
    with pytest.raises(KeyError, match="unknown table 'lab'"):
        casedata.load("lab")


# Bad input, on copies in a temporary folder -------------------------------------------------
@pytest.fixture
def copy(tmp_path):
    target = tmp_path / "casedata"
    shutil.copytree(DATA, target)
    return target


def edit(folder, table, change):
    """Apply ``change(rows)`` to the rows (header first) of one CSV in the copy."""
    path = folder / f"{table}.csv"
    rows = csv_rows(path)
    change(rows)
    with open(path, "w", newline="", encoding="utf-8") as handle:
        csv.writer(handle, lineterminator="\n").writerows(rows)


def set_cell(rows, line, column, value):
    rows[line - 1][rows[0].index(column)] = value


def problems(folder):
    with pytest.raises(casedata.CaseDataError) as caught:
        casedata.load_all(folder)
    return [str(p) for p in caught.value.problems]


def find_line(folder, table, **match):
    """File line (header = 1) of the first row whose columns equal ``match``."""
    rows = csv_rows(folder / f"{table}.csv")
    for number, row in enumerate(rows[1:], start=2):
        if all(row[rows[0].index(column)] == value for column, value in match.items()):
            return number
    raise AssertionError(f"no row in {table}.csv with {match}")


def lab_line(folder, analyte):
    return find_line(folder, "labs", case_id="akagi2021", day="0", analyte=analyte)


def test_missing_column(copy):
    def drop_unit(rows):
        position = rows[0].index("unit")
        for row in rows:
            row.pop(position)
    edit(copy, "labs", drop_unit)
    found = problems(copy)
    assert any(p.startswith("labs.csv, line 1, column 'unit'") and "column is missing" in p for p in found), found


BAD_LAB_CELLS = {
    "unknown analyte": ("ldh", "analyte", "ferritin",
                        "column 'analyte': 'ferritin' is not an allowed value; expected one of: hemoglobin, platelets, wbc, neutrophils, ldh, cea, ca15_3, ca125"),
    "unit that does not fit the analyte": ("hemoglobin", "unit", "/μl", "column 'unit': unit '/μl' measures 10^9/L, which does not fit hemoglobin"),
    "unknown unit": ("cea", "unit", "ng/furlong", "column 'unit': unknown unit 'ng/furlong'"),
    "non-numeric value": ("platelets", "value", "90,000", "column 'value': '90,000' is not a number"),
    "value_std that disagrees with the conversion": ("wbc", "value_std", "41", "column 'value_std': 41 disagrees with {value:g} {unit} converted to 10^9/L ({value_std:g})"),
    "negative count": ("platelets", "value_std", "-92", "column 'value_std': '-92' breaks the rule"),
}


@pytest.mark.parametrize("case", BAD_LAB_CELLS)
def test_bad_lab_cell(copy, case):
    analyte, column, value, message = BAD_LAB_CELLS[case]
    line = lab_line(copy, analyte)
    row = dict(zip(csv_rows(copy / "labs.csv")[0], csv_rows(copy / "labs.csv")[line - 1]))
    message = message.format(value=float(row["value"]), unit=row["unit"], value_std=float(row["value_std"]))
    edit(copy, "labs", lambda rows: set_cell(rows, line, column, value))
    found = problems(copy)
    assert any(p.startswith(f"labs.csv, line {line}, {message}") for p in found), found


def test_duplicate_key(copy):
    edit(copy, "labs", lambda rows: rows.append(list(rows[1])))
    rows = csv_rows(copy / "labs.csv")
    found = problems(copy)
    assert any(p.startswith(f"labs.csv, line {len(rows)}, column 'case_id+day+analyte': duplicate key") and p.endswith("first used on line 2") for p in found), found


def test_impossible_value(copy):
    line = lab_line(copy, "hemoglobin")
    def change(rows):
        set_cell(rows, line, "value", "68")
        set_cell(rows, line, "value_std", "68")
    edit(copy, "labs", change)
    assert f"labs.csv, line {line}, column 'value_std': 68 g/dL is impossible for hemoglobin (possible: 0 to 25)" in problems(copy)


def test_blank_line_is_not_dropped_silently(copy):
    edit(copy, "events", lambda rows: rows.insert(3, []))
    assert any(p.startswith("events.csv, line 4") and "blank" in p.lower() for p in problems(copy))


def test_dead_patient_needs_a_death_event(copy):
    edit(copy, "events", lambda rows: rows.__setitem__(slice(None), [r for r in rows if "death" not in r]))
    assert any("needs exactly one 'death' milestone in events.csv, found 0" in p for p in problems(copy))


def test_error_message_names_file_line_and_column(copy):
    line = lab_line(copy, "ldh")
    edit(copy, "labs", lambda rows: set_cell(rows, line, "analyte", "ferritin"))
    with pytest.raises(casedata.CaseDataError, match=rf"labs\.csv, line {line}, column 'analyte'"):
        casedata.validate(copy)


# One cell changed, one error naming file, line and column ---------------------------------------
#: (table, the row to change: a line number or the values that find it, column, new value,
#:  the start of the expected error; "{line}" stands for the row's line number)
ONE_CELL_ERRORS = {
    "unknown case_id": ("events", 2, "case_id", "smith2019",
                        "events.csv, line {line}, column 'case_id': 'smith2019' is not a case_id in cases.csv"),
    "missing locator": ("ihc", 3, "source_locator", "",
                        "ihc.csv, line {line}, column 'source_locator': is empty; a value is required"),
    "day without precision": ("therapy_lines", 2, "end_precision", "",
                              "therapy_lines.csv, line {line}, column 'end_precision': end_precision must be given exactly when end_day is given"),
    "treatment ends before it starts": ("therapy_lines", 2, "end_day", "-3000",
                                        "therapy_lines.csv, line {line}, column 'end_day': end_day -3000 is before start_day"),
    "follow-up disagrees with the last event": ("cases", 2, "followup_months", "30",
                                                "cases.csv, line {line}, column 'followup_months': 30 months disagrees"),
    "median outside its confidence interval": ("literature_survival", 3, "median_os_months", "12",
                                               "literature_survival.csv, line {line}, column 'median_os_months': median 12 lies outside ci_low-ci_high"),
    "milestone marked twice": ("events", 3, "milestone", "primary_diagnosis",
                               "events.csv, line {line}, column 'milestone': 'primary_diagnosis' is marked 2 times for akagi2021"),
    "bmm diagnosis is not day 0": ("events", {"milestone": "bmm_diagnosis"}, "day", "4",
                                   "events.csv, line {line}, column 'day': the bmm_diagnosis milestone defines day 0, found day 4"),
    "metastatic treatment without a response": ("therapy_lines", {"setting": "metastatic"}, "response", "",
                                                "therapy_lines.csv, line {line}, column 'response': a metastatic-setting treatment needs a response"),
    "dose for a line that does not exist": ("doses", {"agent": "docetaxel"}, "therapy_id", "AK-T99",
                                            "doses.csv, line {line}, column 'case_id+therapy_id': (case_id, therapy_id) = ('akagi2021', 'AK-T99') matches no row of therapy_lines.csv"),
    "dose of an agent the line does not list": ("doses", {"agent": "docetaxel"}, "agent", "paclitaxel",
                                                "doses.csv, line {line}, column 'agent': 'paclitaxel' is not an agent of"),
    "dose in an unknown unit": ("doses", {"agent": "eribulin"}, "dose_unit", "mcg",
                                "doses.csv, line {line}, column 'dose_unit': 'mcg' is not an allowed value; expected one of: mg/m2, mg"),
    "negative dose": ("doses", {"agent": "eribulin"}, "dose", "-1.9",
                      "doses.csv, line {line}, column 'dose': '-1.9' breaks the rule"),
    "threshold for an unknown case": ("transfusion_thresholds", {"threshold_id": "TT-01"}, "case_id", "smith2019",
                                      "transfusion_thresholds.csv, line {line}, column 'case_id': 'smith2019' is not a case_id in cases.csv"),
    "dose reference with an unknown source": ("dose_references", 2, "source_id", "nosuch",
                                              "dose_references.csv, line {line}, column 'source_id': 'nosuch' is not a source_id in sources.csv"),
    "hazard ratio outside its interval": ("hazard_ratios", 2, "hazard_ratio", "1.5",
                                          "hazard_ratios.csv, line {line}, column 'hazard_ratio': 1.5 lies outside its confidence interval"),
}


@pytest.mark.parametrize(("table", "row", "column", "value", "expected"), ONE_CELL_ERRORS.values(), ids=ONE_CELL_ERRORS.keys())
def test_one_bad_cell_gets_an_error_naming_file_line_and_column(copy, table, row, column, value, expected):
    line = row if isinstance(row, int) else find_line(copy, table, **row)
    edit(copy, table, lambda rows: set_cell(rows, line, column, value))
    found = problems(copy)
    assert any(p.startswith(expected.format(line=line)) for p in found), found


# The cache of Frictionless verdicts ---------------------------------------------------------
def test_only_a_passing_verdict_is_cached_and_any_change_revalidates(copy, tmp_path, monkeypatch):
    cache = tmp_path / "cache"
    monkeypatch.setattr(casedata, "CACHE_DIR", cache)
    casedata.validate(copy)
    assert len(list(cache.iterdir())) == 1  # the passing verdict, under the folder's hash
    edit(copy, "labs", lambda rows: set_cell(rows, 2, "day_precision", "roughly"))  # only Frictionless catches this
    found = problems(copy)
    assert any("'roughly' is not an allowed value" in p for p in found), found
    assert len(list(cache.iterdir())) == 1  # the failing folder left no verdict behind
