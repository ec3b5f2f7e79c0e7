"""The guides: required sections and numbers that agree with the course map; the curation guide, template and data
dictionary agree with the data, the descriptor and the check."""

import codecs
import csv
import io
import json
import re
import shutil

import pytest

from utils import PROJECT_ROOT, casedata, course, curation

DOCS = PROJECT_ROOT / "docs"
TUTOR_SECTIONS = ("Timings", "A 90-minute seminar", "Discussion prompts", "Common misconceptions",
                  "Running the seminar", "Projecting", "Clinical accuracy", "Curation exercise")
SELF_STUDY_SECTIONS = ("Suggested order", "Working offline", "Checking yourself", "When something looks wrong")


def section(text: str, heading: str) -> str:
    """The body of a second-level section (up to the next ``## ``)."""
    match = re.search(rf"^## {re.escape(heading)}\s*$(.*?)(?=^## |\Z)", text, re.MULTILINE | re.DOTALL)
    assert match, f"no '## {heading}' section"
    return match.group(1)


def table_rows(text: str) -> list[list[str]]:
    """Data rows of the Markdown tables in ``text`` (header and rule rows skipped)."""
    rows = [[cell.strip() for cell in line.strip().strip("|").split("|")] for line in text.splitlines() if line.startswith("|")]
    return [row for row in rows[1:] if not set("".join(row)) <= set("-: ")]


@pytest.fixture(scope="module")
def tutor():
    return (DOCS / "tutor-guide.md").read_text(encoding="utf-8")


@pytest.mark.parametrize(("name", "headings"), [("tutor-guide.md", TUTOR_SECTIONS), ("self-study.md", SELF_STUDY_SECTIONS)])
def test_guides_have_their_sections(name, headings):
    text = (DOCS / name).read_text(encoding="utf-8")
    for heading in headings:
        assert section(text, heading).strip(), f"{name}: '## {heading}' is empty"


def test_timings_are_the_course_maps(tutor):
    rows = table_rows(section(tutor, "Timings"))
    listed = {row[0]: (int(row[2]), int(row[3])) for row in rows}
    assert listed == {lesson.code: (lesson.reading_minutes, lesson.exercise_minutes) for lesson in course.LESSONS}


def test_the_seminar_plan_fills_ninety_minutes(tutor):
    minutes = [row[0] for row in table_rows(section(tutor, "A 90-minute seminar"))]
    assert minutes and all(m.isdigit() for m in minutes), minutes
    assert sum(map(int, minutes)) == 90


def test_every_notebook_has_discussion_prompts_with_expected_points(tutor):
    prompts = section(tutor, "Discussion prompts")
    for lesson in course.LESSONS:
        match = re.search(rf"^### {lesson.code} .*?$(.*?)(?=^### |\Z)", prompts, re.MULTILINE | re.DOTALL)
        assert match, f"no prompts for notebook {lesson.code}"
        expected = match.group(1).count("Expected points")
        assert 2 <= expected <= 4, f"notebook {lesson.code}: {expected} prompts with expected points"


def test_helpers_read_the_tables_they_are_given():
    text = "## Timings\n\n| # | a |\n|---|---|\n| 01 | x |\n\n## Next\n"
    assert table_rows(section(text, "Timings")) == [["01", "x"]]
    with pytest.raises(AssertionError, match="no '## Missing' section"):
        section(text, "Missing")


# The curation exercise (docs/curation.md, curation/template/) and the data dictionary -------------------------
CURATION = DOCS / "curation.md"
TEMPLATE = PROJECT_ROOT / "curation" / "template"
DATA = PROJECT_ROOT / "casedata"


def csv_rows(text: str) -> list[list[str]]:
    return list(csv.reader(io.StringIO(text, newline="")))


def test_the_curation_template_has_every_case_table_with_the_course_header_and_no_rows():
    assert sorted(path.stem for path in TEMPLATE.glob("*.csv")) == sorted(curation.CASE_FILES)
    for table in curation.CASE_FILES:
        raw = (TEMPLATE / f"{table}.csv").read_bytes()
        assert not raw.startswith(codecs.BOM_UTF8) and raw.endswith(b"\n") and b"\r" not in raw, table
        course_header = csv_rows((DATA / f"{table}.csv").read_text(encoding="utf-8"))[0]
        assert csv_rows(raw.decode("utf-8")) == [course_header], f"curation/template/{table}.csv"


def test_the_template_readme_names_the_check_command():
    readme = (TEMPLATE / "README.md").read_text(encoding="utf-8")
    assert "python -m utils.casedata check" in readme


def test_the_worked_examples_are_rows_of_the_course_data():
    blocks = re.findall(r"^```csv\n(.*?)^```", CURATION.read_text(encoding="utf-8"), re.MULTILINE | re.DOTALL)
    assert len(blocks) >= 2, "docs/curation.md shows fewer than two worked examples"
    by_header = {tuple(csv_rows((DATA / f"{t}.csv").read_text(encoding="utf-8"))[0]): t for t in casedata.TABLES}
    for block in blocks:
        header, *rows = csv_rows(block)
        table = by_header.get(tuple(header))
        assert table, f"a worked example's header is not the header of any casedata table: {header}"
        course = csv_rows((DATA / f"{table}.csv").read_text(encoding="utf-8"))[1:]
        for row in rows:
            assert row in course, f"docs/curation.md shows a {table}.csv row that casedata/ does not hold: {row}"


def test_the_curation_guide_links_resolve():
    for path in (CURATION, TEMPLATE / "README.md"):
        text = path.read_text(encoding="utf-8")
        headings = {re.sub(r"[^a-z0-9 -]", "", h.lower()).replace(" ", "-") for h in re.findall(r"^#+ (.*)$", text, re.MULTILINE)}
        for target in re.findall(r"\]\(([^)\s]+)\)", text):
            file_part, _, anchor = target.partition("#")
            if re.match(r"^[a-z]+:", file_part):
                continue
            if file_part:
                assert (path.parent / file_part).exists(), f"{path.name}: link to missing {target}"
            elif anchor:
                assert anchor in headings, f"{path.name}: no heading for #{anchor}"


#: Each mistake of the guide's table, made once on the model answer of tnbc2025 (as ``extract`` writes it):
#: (file, line, column, new value or a function of the curated value), or a function that spoils the file's bytes.
#: A mistake made on a patient's value is written as a function of the curated cell, never as the number itself.
MISTAKES = {
    "cell count in g/L": ("labs", 2, "unit", "g/L"),
    "value_std per microlitre": ("labs", 2, "value_std", lambda value: f"{float(value) * 1000:g}"),
    "decimal comma": ("cases", 2, "followup_months", lambda value: value.replace(".", ",")),
    "abbreviated vocabulary": ("events", 2, "day_precision", "approx"),
    "event id without prefix": ("events", 2, "event_id", "E01"),
    "biopsy off day 0": ("events", 9, "day", "-3"),
    "follow-up in calendar months": ("cases", 2, "followup_months", "7"),
    "European date": ("cases", 2, "day0_date", lambda value: "/".join(reversed(value.split("-")))),
    "category in own words": ("therapy_lines", 2, "category", "chemo"),
    "metastatic line without response": ("therapy_lines", 2, "response", ""),
    "agent spelt differently": ("doses", 2, "agent", "Paclitaxel"),
    "missing locator": ("ihc", 3, "source_locator", ""),
    "HER2 score with its method": ("ihc", 4, "result", "IHC 0"),
    "primary diagnosis without milestone": ("events", 3, "milestone", ""),
    "Excel plain CSV": ("observations", lambda raw: raw.decode("utf-8").encode("cp1252")),
    "Excel CSV UTF-8": ("labs", lambda raw: codecs.BOM_UTF8 + raw),
}


def documented_messages() -> list[str]:
    body = section(CURATION.read_text(encoding="utf-8"), "Common mistakes and what the check says")
    return [row[1].strip("`") for row in table_rows(body)]


@pytest.fixture(scope="module")
def model_answer(tmp_path_factory):
    folder = tmp_path_factory.mktemp("model") / "tnbc2025"
    curation.extract("tnbc2025", folder)
    return folder


@pytest.mark.parametrize("mistake", MISTAKES)
def test_each_documented_mistake_gets_the_documented_message(mistake, model_answer, tmp_path, monkeypatch):
    monkeypatch.setattr(casedata, "CACHE_DIR", tmp_path / "cache")
    folder = tmp_path / "mine"
    shutil.copytree(model_answer, folder)
    table, *change = MISTAKES[mistake]
    path = folder / f"{table}.csv"
    if len(change) == 1:
        path.write_bytes(change[0](path.read_bytes()))
    else:
        line, column, value = change
        rows = csv_rows(path.read_text(encoding="utf-8"))
        cell = rows[0].index(column)
        rows[line - 1][cell] = value(rows[line - 1][cell]) if callable(value) else value
        with open(path, "w", newline="", encoding="utf-8") as handle:
            csv.writer(handle, lineterminator="\n").writerows(rows)
    with pytest.raises(casedata.CaseDataError) as caught:
        curation.check(folder)
    shown = [str(p).removeprefix(f"{folder}/") for p in caught.value.problems]
    assert len(shown) == 1 and shown[0] in documented_messages(), shown


def test_every_documented_message_belongs_to_one_mistake():
    messages = documented_messages()
    assert len(messages) == len(set(messages)) == len(MISTAKES), messages


def test_the_model_answer_passes_the_check(model_answer, tmp_path, monkeypatch):
    monkeypatch.setattr(casedata, "CACHE_DIR", tmp_path / "cache")
    assert curation.check(model_answer) == ["tnbc2025"]


def dictionary_row(field: dict) -> str:
    """How casedata/README.md lists a column of the descriptor (meaning, unit and allowed values as datapackage.json says)."""
    meaning = field["description"] + (f" (unit: {field['unit']})" if field.get("unit") else "")
    allowed = field.get("constraints", {}).get("enum")
    if allowed:
        meaning += "; one of: " + ", ".join(f"`{value}`" for value in allowed)
    required = "yes" if field.get("constraints", {}).get("required") else ""
    return f"| `{field['name']}` | {field['type']} | {required} | {meaning} |"


def test_the_data_dictionary_column_tables_are_the_descriptor():
    """Every column table of casedata/README.md says what datapackage.json says, allowed values included; the message
    gives the row to paste."""
    readme = (DATA / "README.md").read_text(encoding="utf-8")
    descriptor = json.loads((DATA / "datapackage.json").read_text(encoding="utf-8"))
    for resource in descriptor["resources"]:
        body = readme.split(f"### `{resource['name']}.csv`", 1)[1].split("\n### ", 1)[0]
        listed = [line for line in body.splitlines() if line.startswith("| `")]
        expected = [dictionary_row(field) for field in resource["schema"]["fields"]]
        for have, want in zip(listed, expected):
            assert have == want, f"casedata/README.md, {resource['name']}.csv: write\n{want}\nin place of\n{have}"
        assert len(listed) == len(expected), resource["name"]


def test_the_data_dictionary_states_the_per_case_requirements():
    how_to = section((DATA / "README.md").read_text(encoding="utf-8"), "How to add a third case")
    for table in casedata.CASE_TABLES:
        assert f"`{table}.csv`" in how_to
    assert "row_prefix" in how_to and "python -m utils.casedata check" in how_to
