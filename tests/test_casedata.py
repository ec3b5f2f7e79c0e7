"""utils.casedata: the curated tables load typed and whole, and bad input is named precisely."""

import codecs
import csv
import json
import os
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
    prefix = dict(zip(data.cases["case_id"], data.cases["row_prefix"]))
    assert len(set(prefix.values())) == len(prefix)
    for table, column in casedata.PREFIXED_IDS.items():
        frame = getattr(data, table)
        wrong = frame[[not i.startswith(f"{prefix[c]}-") for c, i in zip(frame["case_id"], frame[column])]]
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
def copy(tmp_path, monkeypatch):
    """A copy of casedata/ in a temporary folder, with its own verdict cache (nothing left in build/cache)."""
    target = tmp_path / "casedata"
    shutil.copytree(DATA, target)
    monkeypatch.setattr(casedata, "CACHE_DIR", tmp_path / "cache")
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


# Hostile and careless input (issue 18): one error type, editor lines, nothing outside, nothing lost -----
def write_bytes(folder, file, change):
    path = folder / file
    path.write_bytes(change(path.read_bytes()))


def edit_descriptor(folder, change):
    path = folder / "datapackage.json"
    descriptor = json.loads(path.read_text(encoding="utf-8"))
    change(descriptor)
    path.write_text(json.dumps(descriptor, indent=2), encoding="utf-8")


def resource(descriptor, table):
    return next(r for r in descriptor["resources"] if r["name"] == table)


def field(descriptor, table, column):
    return next(f for f in resource(descriptor, table)["schema"]["fields"] if f["name"] == column)


def test_a_latin1_byte_names_its_line_and_column_and_says_save_as_utf8(copy):
    line = find_line(copy, "events", event_id="AK-E02")
    edit(copy, "events", lambda rows: set_cell(rows, line, "description", "partial mastectomy (café)"))
    write_bytes(copy, "events.csv", lambda raw: raw.replace("café".encode(), "café".encode("latin-1")))
    found = problems(copy)
    assert len(found) == 1 and found[0].startswith(f"events.csv, line {line}, column 'description': byte 0xE9 is not UTF-8"), found
    assert "save the file as UTF-8" in found[0]


def test_a_byte_order_mark_is_named_as_such(copy):
    write_bytes(copy, "labs.csv", lambda raw: codecs.BOM_UTF8 + raw)
    found = problems(copy)
    assert len(found) == 1 and found[0].startswith("labs.csv, line 1: ") and "byte-order mark (BOM)" in found[0], found
    assert "\ufeff" not in found[0] and "unexpected column" not in found[0]


def test_a_broken_descriptor_names_its_line_and_column(copy):
    write_bytes(copy, "datapackage.json", lambda raw: raw.replace(b'"name": "labs",', b'"name": "labs"', 1))
    with pytest.raises(json.JSONDecodeError) as broken:
        json.loads((copy / "datapackage.json").read_text(encoding="utf-8"))
    where = f"datapackage.json, line {broken.value.lineno}: not valid JSON at column {broken.value.colno}: Expecting ',' delimiter"
    assert any(p.startswith(where) for p in problems(copy)), problems(copy)
    with pytest.raises(casedata.CaseDataError, match="not valid JSON"):
        casedata.describe("labs", copy)


def test_a_number_too_long_for_json_in_the_descriptor(copy):
    write_bytes(copy, "datapackage.json", lambda raw: raw.replace(b'"minimum": 0', b'"minimum": ' + b"9" * 5000, 1))
    found = problems(copy)
    assert len(found) == 1 and found[0].startswith("datapackage.json: not valid JSON: ") and "4300 digits" in found[0], found


def test_a_huge_integer_bound_is_a_bound(copy):
    edit_descriptor(copy, lambda d: field(d, "labs", "value_std")["constraints"].__setitem__("minimum", 10**400))
    line = lab_line(copy, "ldh")
    assert any(p.startswith(f"labs.csv, line {line}, column 'value_std': ") and "breaks the rule" in p for p in problems(copy))


def test_lines_are_counted_as_an_editor_shows_them(copy):
    # a quoted cell with two line breaks on line 2 moves every later row two lines down
    edit(copy, "events", lambda rows: set_cell(rows, 2, "description", "first\nsecond\nthird"))
    edit(copy, "events", lambda rows: set_cell(rows, 8, "case_id", "smith2019"))  # the 8th record of the file
    lines = (copy / "events.csv").read_text(encoding="utf-8").split("\n")
    assert lines[9].startswith("smith2019,")  # line 10 in an editor
    found = problems(copy)
    assert any(p.startswith("events.csv, line 10, column 'case_id': 'smith2019' is not a case_id in cases.csv") for p in found), found


def test_a_cell_after_a_multiline_cell_is_on_its_own_line(copy):
    def change(rows):
        set_cell(rows, 2, "description", "first\nsecond\nthird")  # lines 2-4; source_locator follows on line 4
        set_cell(rows, 2, "source_locator", "")
    edit(copy, "events", change)
    assert "events.csv, line 4, column 'source_locator': is empty; a value is required" in problems(copy)


def test_an_integer_too_large_for_a_dataframe(copy):
    edit(copy, "events", lambda rows: set_cell(rows, 3, "day", "99999999999999999999999"))
    found = problems(copy)
    assert any(p.startswith("events.csv, line 3, column 'day': '99999999999999999999999' is too large") for p in found), found


@pytest.mark.parametrize("blank", [[], [""] * 9], ids=["empty line", "only commas"])
def test_a_blank_row_gets_one_clear_message(copy, blank):
    edit(copy, "events", lambda rows: rows.insert(3, list(blank)))
    found = problems(copy)
    assert len(found) == 1 and found[0].startswith("events.csv, line 4: blank line"), found


def test_a_row_with_a_cell_too_many(copy):
    edit(copy, "events", lambda rows: rows[4].append("extra"))
    found = problems(copy)
    assert found == ["events.csv, line 5: 10 cells, but the header has 9; "
                     "a cell that contains a comma must be wrapped in double quotes"], found


def test_an_unclosed_quote_is_named_where_it_opens(copy):
    write_bytes(copy, "events.csv", lambda raw: raw.replace(b",partial mastectomy", b',"partial mastectomy', 1))
    line = find_line(DATA.parent / "casedata", "events", event_id="AK-E02")
    found = problems(copy)
    assert any(p.startswith(f"events.csv, line {line}: ") and "quote" in p for p in found), found


# Nothing outside the folder: refused before anything is opened, no content echoed
SECRET = "SECRET-CONTENT-OUTSIDE"


@pytest.fixture
def outside(tmp_path):
    """A file outside the data folder: a valid labs.csv, except for a line no error may echo."""
    path = tmp_path / "outside.csv"
    path.write_text((DATA / "labs.csv").read_text(encoding="utf-8") + f"{SECRET},1\n", encoding="utf-8")
    return path


def refused(folder):
    with pytest.raises(casedata.CaseDataError) as caught:
        casedata.load_all(folder)
    assert SECRET not in str(caught.value) and "root:" not in str(caught.value)
    return [str(p) for p in caught.value.problems]


@pytest.mark.parametrize("path", ["/etc/passwd", "../outside.csv", "../../../../../../../etc/passwd", "sub/../../outside.csv",
                                  "~labs.csv", "$HOME/labs.csv", "http://127.0.0.1:9/labs.csv", "C:\\labs.csv"])
def test_a_path_that_leaves_the_folder_is_refused(copy, outside, path):
    shutil.copy(copy / "labs.csv", copy / "~labs.csv")
    edit_descriptor(copy, lambda d: resource(d, "labs").__setitem__("path", path))
    found = refused(copy)
    assert any(p.startswith("datapackage.json: resource 'labs', path: ") and "inside the data folder" in p for p in found), found


def test_a_link_to_a_file_outside_the_folder_is_refused(copy, outside):
    (copy / "labs.csv").unlink()
    os.symlink(outside, copy / "labs.csv")  # a valid table, but outside: refused without reading it
    assert refused(copy) == ["labs.csv: is a link to a file outside the data folder; refused without reading it "
                             "(copy the file into the folder instead)"]


def test_a_link_inside_the_folder_is_followed(copy):
    (copy / "tables").mkdir()
    (copy / "labs.csv").rename(copy / "tables" / "labs.csv")
    os.symlink(Path("tables") / "labs.csv", copy / "labs.csv")
    assert len(casedata.load_all(copy).labs) == len(csv_rows(DATA / "labs.csv")) - 1


# No silent loss
@pytest.mark.parametrize("char", ["\x00", "\x1b", "\x7f", "\t", "\u2028"], ids=["NUL", "ESC", "DEL", "tab", "line separator"])
def test_a_control_character_in_a_cell_is_refused(copy, char):
    line = find_line(copy, "events", event_id="AK-E02")
    edit(copy, "events", lambda rows: set_cell(rows, line, "description", f"partial{char}mastectomy"))
    found = problems(copy)
    assert any(p.startswith(f"events.csv, line {line}, column 'description': control character U+{ord(char):04X}") for p in found), found


@pytest.mark.parametrize("table", casedata.TABLES)
def test_a_table_that_lost_every_row_is_an_error(copy, table):
    edit(copy, table, lambda rows: rows.__delitem__(slice(1, None)))
    found = problems(copy)
    assert f"{table}.csv: has no rows; every table needs at least one (were rows lost when the file was saved?)" in found, found


@pytest.mark.parametrize("table", casedata.CASE_TABLES)
def test_a_case_that_lost_every_row_of_a_patient_table_is_an_error(copy, table):
    drop = lambda rows: rows.__setitem__(slice(None), [r for r in rows if r[0] != "tnbc2025"])
    edit(copy, table, drop)
    line = find_line(copy, "cases", case_id="tnbc2025")
    found = problems(copy)
    assert f"cases.csv, line {line}, column 'case_id': tnbc2025 has no rows in {table}.csv; every case needs some" in found, found


NON_FINITE = {
    "inf in a required number": ("observations", 3, "value", "inf"),
    "Infinity in a confidence limit": ("hazard_ratios", 2, "ci_high", "Infinity"),
    "overflow to infinity": ("observations", 3, "value", "1e999"),
    "NaN in a required number": ("labs", 2, "value", "NaN"),
    "nan in an optional number": ("literature_survival", 3, "median_pfs_months", "nan"),
    "-inf in an optional number": ("doses", 2, "reduction_percent", "-inf"),
}


@pytest.mark.parametrize(("table", "line", "column", "value"), NON_FINITE.values(), ids=NON_FINITE.keys())
def test_a_number_is_finite_or_blank(copy, table, line, column, value):
    edit(copy, table, lambda rows: set_cell(rows, line, column, value))
    found = problems(copy)
    assert any(p.startswith(f"{table}.csv, line {line}, column '{column}': '{value}' is not a finite number") for p in found), found


def test_a_date_a_dataframe_cannot_hold(copy):
    line = find_line(copy, "cases", case_id="tnbc2025")
    edit(copy, "cases", lambda rows: set_cell(rows, line, "day0_date", "0001-06-10"))
    found = problems(copy)
    assert any(p.startswith(f"cases.csv, line {line}, column 'day0_date': '0001-06-10' is outside") for p in found), found


#: (row of ihc.csv, column, printed value): each is read by utils.ihc or the notebook-02 panel figure, and fails there
IHC_UNREADABLE = {
    "ER '<1%'": ({"case_id": "tnbc2025", "specimen": "breast_primary", "marker": "ER"}, "result", "<1%"),
    "HER2 'positive (3+)'": ({"case_id": "tnbc2025", "specimen": "bone_marrow", "marker": "HER2"}, "result", "positive (3+)"),
    "PD-L1 'CPS high'": ({"case_id": "tnbc2025", "marker": "PD-L1"}, "result", "CPS high"),
    "CK7 'weak'": ({"case_id": "tnbc2025", "marker": "CK7"}, "result", "weak"),
    "Ki-67 'high' (panel figure)": ({"case_id": "tnbc2025", "specimen": "axillary_node", "marker": "Ki-67"}, "result", "high"),
    "ER percentage above 100": ({"case_id": "tnbc2025", "specimen": "breast_primary", "marker": "ER"}, "result_value", "150"),
}


@pytest.mark.parametrize(("row", "column", "value"), IHC_UNREADABLE.values(), ids=IHC_UNREADABLE.keys())
def test_an_ihc_result_the_notebooks_cannot_read_fails_at_load(copy, row, column, value):
    line = find_line(copy, "ihc", **row)
    edit(copy, "ihc", lambda rows: set_cell(rows, line, column, value))
    found = problems(copy)
    assert any(p.startswith(f"ihc.csv, line {line}, column '{column}': {value!r}") for p in found), found


# A descriptor that asks for more than the loader reads is refused, by name
DESCRIPTOR_ERRORS = {
    "not an object": (lambda d: d.clear(), "datapackage.json: resources: missing; expected a list of tables"),
    "no fields": (lambda d: resource(d, "labs")["schema"].pop("fields"), "resource 'labs', schema, fields: missing"),
    "schema by path": (lambda d: resource(d, "labs").__setitem__("schema", "../../etc/passwd"), "resource 'labs', schema: "),
    "path not text": (lambda d: resource(d, "labs").__setitem__("path", 5), "resource 'labs', path: 5 is not"),
    "rule column retyped": (lambda d: field(d, "events", "day").__setitem__("type", "string"),
                            "resource 'events', field 'day', type: 'string', but the curation rules need 'integer'"),
    "rule column no longer required": (lambda d: field(d, "events", "day")["constraints"].pop("required"),
                                       "resource 'events', field 'day', constraints: the curation rules need it required"),
    "unknown type": (lambda d: field(d, "labs", "unit").__setitem__("type", "strin"), "field 'unit', type: 'strin' is not"),
    "duplicate vocabulary value": (lambda d: field(d, "labs", "analyte")["constraints"]["enum"].append("ldh"),
                                   "field 'analyte', constraints, enum: 'ldh' is listed twice"),
    "minimum not a number": (lambda d: field(d, "labs", "value_std")["constraints"].__setitem__("minimum", "abc"),
                             "field 'value_std', constraints, minimum: 'abc' is not a finite number"),
    "a dialect the loader does not read": (lambda d: resource(d, "labs").__setitem__("dialect", {"delimiter": ";"}),
                                           "resource 'labs', dialect: not read by this loader"),
    "other missing values": (lambda d: resource(d, "labs")["schema"].__setitem__("missingValues", ["", "NA"]),
                             "resource 'labs', schema, missingValues: not read by this loader"),
    "another encoding": (lambda d: resource(d, "labs").__setitem__("encoding", "latin-1"),
                         "resource 'labs', encoding: 'latin-1'; expected 'utf-8'"),
    "a profile fetched from elsewhere": (lambda d: d.__setitem__("$schema", "https://example.org/profile.json"), "$schema: "),
    "a table twice": (lambda d: d["resources"].append(dict(resource(d, "labs"))), "resources: table 'labs' is described twice"),
    "a primary key on no column": (lambda d: resource(d, "labs")["schema"].__setitem__("primaryKey", ["case_id", "nosuch"]),
                                   "resource 'labs', schema, primaryKey: 'nosuch' is not a field"),
    "a foreign key to no table": (lambda d: resource(d, "labs")["schema"]["foreignKeys"][0]["reference"].__setitem__("resource", "patients"),
                                  "resource 'labs', schema, foreignKeys[0], reference, resource: 'patients' is not a table"),
}


@pytest.mark.parametrize(("change", "expected"), DESCRIPTOR_ERRORS.values(), ids=DESCRIPTOR_ERRORS.keys())
def test_a_descriptor_the_loader_cannot_follow_is_refused(copy, change, expected):
    edit_descriptor(copy, change)
    found = problems(copy)
    assert any(expected in p and p.startswith("datapackage.json") for p in found), found


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


def test_a_verdict_covers_exactly_the_files_the_descriptor_names(copy, tmp_path):
    # a table in a subfolder is part of the verdict: changing it revalidates
    (copy / "tables").mkdir()
    (copy / "labs.csv").rename(copy / "tables" / "labs.csv")
    edit_descriptor(copy, lambda d: resource(d, "labs").__setitem__("path", "tables/labs.csv"))
    casedata.validate(copy)
    line = 2
    path = copy / "tables" / "labs.csv"
    rows = csv_rows(path)
    set_cell(rows, line, "value_std", "-92")  # only Frictionless (minimum 0) catches this
    with open(path, "w", newline="", encoding="utf-8") as handle:
        csv.writer(handle, lineterminator="\n").writerows(rows)
    assert any(p.startswith(f"tables/labs.csv, line {line}, column 'value_std': '-92' breaks the rule") for p in problems(copy))


def test_a_file_the_descriptor_does_not_name_is_never_read(copy):
    os.mkfifo(copy / "pipe")  # reading a FIFO would block: the load must not touch it
    (copy / "notes.txt").symlink_to("/nonexistent/notes.txt")
    casedata.validate(copy)


def test_a_row_id_without_its_case_prefix_is_refused(copy):
    line = find_line(copy, "events", event_id="AK-E02")
    edit(copy, "events", lambda rows: set_cell(rows, line, "event_id", "TN-E99"))
    found = problems(copy)
    assert f"events.csv, line {line}, column 'event_id': 'TN-E99' does not start with AK-, the row_prefix of akagi2021 in cases.csv" in found, found


def test_two_cases_cannot_share_a_prefix(copy):
    line = find_line(copy, "cases", case_id="tnbc2025")
    edit(copy, "cases", lambda rows: set_cell(rows, line, "row_prefix", "AK"))
    found = problems(copy)
    assert f"cases.csv, line {line}, column 'row_prefix': 'AK' is already the prefix of akagi2021; each case needs its own" in found, found


def test_a_sparse_case_loads(copy):
    """A case with events only (no labs, IHC, treatment, observations, doses) is valid: the views say what is missing."""
    for table in ("labs", "ihc", "therapy_lines", "doses", "observations"):
        edit(copy, table, lambda rows: rows.__setitem__(slice(None), [r for r in rows if r[0] != "tnbc2025"]))
    edit(copy, "transfusion_thresholds", lambda rows: rows.__setitem__(slice(None), [r for r in rows if r[1] != "tnbc2025"]))
    data = casedata.load_all(copy)
    assert "tnbc2025" in set(data.cases["case_id"]) and "tnbc2025" not in set(data.labs["case_id"])
