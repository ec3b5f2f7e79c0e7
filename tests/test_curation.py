"""The curation check: a resident's folder of case CSVs gets every rule of the loader, named in its own files."""

from __future__ import annotations

import csv
import io
import shutil
from pathlib import Path

import pytest

from tests.fixture_data import FIXTURE_CASE, FIXTURE_DIR
from delivery import freshness
from utils import casedata, curation


@pytest.fixture
def resident(tmp_path) -> Path:
    folder = tmp_path / "my_case"
    shutil.copytree(FIXTURE_DIR, folder)
    return folder


def rewrite(path: Path, edit) -> None:
    rows = list(csv.reader(io.StringIO(path.read_text(encoding="utf-8"))))
    edit(rows)
    buffer = io.StringIO()
    csv.writer(buffer, lineterminator="\n").writerows(rows)
    path.write_text(buffer.getvalue(), encoding="utf-8")


def test_the_fixture_passes_and_the_command_says_so(capsys):
    before = freshness.fingerprints(casedata.DATA_DIR)
    assert curation.main(["check", str(FIXTURE_DIR)]) == 0
    assert f"1 case(s) pass every check ({FIXTURE_CASE})" in capsys.readouterr().out
    assert freshness.fingerprints(casedata.DATA_DIR) == before, "the check wrote into casedata/"


def test_a_bad_cell_is_named_by_the_residents_file_line_and_column(resident, capsys):
    rewrite(resident / "labs.csv", lambda rows: rows[2].__setitem__(rows[0].index("unit"), "bananas"))
    with pytest.raises(casedata.CaseDataError) as error:
        curation.check(resident)
    shown = [str(p) for p in error.value.problems]
    assert any(s.startswith(f"{resident / 'labs.csv'}, line 3, column 'unit': ") and "bananas" in s for s in shown), shown
    assert curation.main(["check", str(resident)]) == 1
    assert f"{resident / 'labs.csv'}, line 3, column 'unit'" in capsys.readouterr().err


def test_a_cross_table_rule_is_named_in_the_residents_file(resident):
    rewrite(resident / "therapy_lines.csv", lambda rows: rows[2].__setitem__(rows[0].index("therapy_id"), "AK-T99"))
    rewrite(resident / "doses.csv", lambda rows: [r.__setitem__(1, "AK-T99") for r in rows[1:] if r[1] == "FX-T02"])
    with pytest.raises(casedata.CaseDataError) as error:
        curation.check(resident)
    shown = [str(p) for p in error.value.problems]
    assert any(s.startswith(f"{resident / 'therapy_lines.csv'}, line 3, column 'therapy_id': 'AK-T99' does not start with FX-") for s in shown), shown


def test_a_header_that_differs_is_refused_at_line_1(resident):
    rewrite(resident / "events.csv", lambda rows: rows[0].__setitem__(2, "Day"))
    with pytest.raises(casedata.CaseDataError, match=r"events.csv, line 1: the header must be exactly the header of casedata/events.csv"):
        curation.check(resident)


def test_an_empty_template_says_what_to_do(tmp_path):
    (tmp_path / "cases.csv").write_text((casedata.DATA_DIR / "cases.csv").read_text(encoding="utf-8").splitlines()[0] + "\n", encoding="utf-8")
    with pytest.raises(casedata.CaseDataError, match="has no case yet"):
        curation.check(tmp_path)
    with pytest.raises(casedata.CaseDataError, match="cases.csv: is missing"):
        curation.check(tmp_path / "nothing_here")


def test_the_model_answer_round_trips(tmp_path):
    answer = tmp_path / "model_answer"
    curation.extract("tnbc2025", answer)
    course = casedata.load_all()
    for table in ("events", "labs", "ihc", "therapy_lines", "observations", "discrepancies"):
        rows = list(csv.reader(io.StringIO((answer / f"{table}.csv").read_text(encoding="utf-8"))))
        assert len(rows) - 1 == int((getattr(course, table)["case_id"] == "tnbc2025").sum()), table
    assert curation.check(answer) == ["tnbc2025"]


def test_a_residents_version_of_a_course_case_replaces_it(tmp_path):
    answer = tmp_path / "attempt"
    curation.extract("tnbc2025", answer)
    rewrite(answer / "events.csv", lambda rows: rows.__setitem__(slice(None), [r for r in rows if r[rows[0].index("milestone")] != "bmm_diagnosis"]))
    with pytest.raises(casedata.CaseDataError) as error:
        curation.check(answer)
    assert [str(p) for p in error.value.problems] == [f"{answer / 'events.csv'}, column 'milestone': tnbc2025 has no 'bmm_diagnosis' milestone"]


def test_extract_refuses_an_unknown_case(tmp_path, capsys):
    assert curation.main(["extract", "nobody1999", str(tmp_path)]) == 1
    assert "not a case" in capsys.readouterr().err
    assert curation.main(["frobnicate"]) == 2
