"""One vocabulary, one place: the enums of datapackage.json, the label tables of utils.vocabulary, and no copies."""

from __future__ import annotations

import ast
import json
from pathlib import Path

import pytest

from utils import PROJECT_ROOT, casedata, units, vocabulary

#: The enums as the loader's data dictionary reports them (``casedata.describe``): a path independent of
#: ``vocabulary.allowed``, so that the test does not check that function against a copy of itself.
ENUMS = {
    (table, row["column"]): tuple(row["allowed values"].split(", "))
    for table in casedata.TABLES
    for _, row in casedata.describe(table).iterrows()
    if row["allowed values"]
}
#: Enums too generic to be a vocabulary of their own (precision, yes/no-like values, sex).
GENERIC = {("labs", "day_precision"), ("events", "day_precision"), ("observations", "day_precision"),
           ("therapy_lines", "start_precision"), ("therapy_lines", "end_precision"), ("cases", "followup_precision"),
           ("cases", "er"), ("cases", "pr"), ("cases", "her2"), ("cases", "sex"), ("cases", "vital_status"),
           ("literature_survival", "outcome_status"), ("prognostic_factors", "comparison")}
UTILS = sorted((PROJECT_ROOT / "utils").glob("*.py"))


def test_allowed_reads_the_descriptor():
    for key, values in ENUMS.items():
        assert vocabulary.allowed(*key) == values
    with pytest.raises(KeyError, match="labs.value has no enum"):
        vocabulary.allowed("labs", "value")


@pytest.mark.parametrize("name", sorted(vocabulary.COVERS))
def test_every_label_table_covers_exactly_its_enum(name):
    table, column = vocabulary.COVERS[name]
    keys = set(getattr(vocabulary, name))
    enum = set(ENUMS[(table, column)])
    assert keys == enum, f"vocabulary.{name}: missing {sorted(enum - keys)}, not in the enum {sorted(keys - enum)}"


@pytest.mark.parametrize("name", sorted(vocabulary.SUBSETS))
def test_every_partial_table_holds_only_enum_values(name):
    table, column = vocabulary.SUBSETS[name]
    extra = set(getattr(vocabulary, name)) - set(ENUMS[(table, column)])
    assert not extra, f"vocabulary.{name} holds values that are not in {table}.{column}: {sorted(extra)}"


def test_units_cover_exactly_the_analytes_and_standard_units():
    assert set(units.STANDARD_UNITS) == set(ENUMS[("labs", "analyte")])
    assert set(units.POSSIBLE_RANGE) == set(ENUMS[("labs", "analyte")])
    assert set(units.STANDARD_UNITS.values()) == set(ENUMS[("labs", "unit_std")])


def test_the_same_analyte_and_unit_lists_in_every_table_that_has_them():
    for table in ("prognostic_factors", "reference_ranges"):
        assert ENUMS[(table, "analyte")] == ENUMS[("labs", "analyte")]
        assert ENUMS[(table, "unit")] == ENUMS[("labs", "unit_std")]


def test_a_value_without_a_label_still_reads_and_draws():
    assert vocabulary.label("category", "cell_therapy") == "cell therapy"
    assert vocabulary.category_colour("cell_therapy") == "#999999"
    assert vocabulary.label("category", "anti_her2") == "anti-HER2 therapy"


#: Clinical rule sets over part of a vocabulary (which markers are read positive/negative, which analytes a
#: rule grades ...): they are rules, not copies of the vocabulary, and are named here with the reason.
RULE_SETS: dict[str, str] = {
    "ihc.BINARY_MARKERS": "markers read as positive or negative",
    "ihc.PANEL_KEYS": "what a marker panel may hold, ISH included",
    "ihc.ORIGIN_MARKERS": "markers of breast origin",
    "ihc.RECEPTORS": "the receptors ASCO/CAP reads",
    "ihc_views.case_panel": "markers read as numbers",
    "ihc_views.receptor_course": "the sites a receptor course compares",
    "labs.stated_on_day": "the analytes a relapse work-up is expected to state",
}


def _assignments(path: Path):
    """(name, line, literal) for every literal in a module: the name of its assignment at module level, or
    module.function for one inside a function."""
    tree = ast.parse(path.read_text(encoding="utf-8"))
    module = path.stem

    def visit(node, owner):
        for child in ast.iter_child_nodes(node):
            if isinstance(child, (ast.FunctionDef, ast.AsyncFunctionDef, ast.ClassDef)):
                yield from visit(child, f"{module}.{child.name}")
                continue
            if isinstance(child, (ast.Assign, ast.AnnAssign)) and owner == module:
                targets = child.targets if isinstance(child, ast.Assign) else [child.target]
                name = next((f"{module}.{t.id}" for t in targets if isinstance(t, ast.Name)), module)
                for literal in ast.walk(child.value) if child.value is not None else ():
                    if isinstance(literal, (ast.Tuple, ast.List, ast.Set, ast.Dict)):
                        yield name, literal
                continue
            if isinstance(child, (ast.Tuple, ast.List, ast.Set, ast.Dict)):
                yield owner, child
            yield from visit(child, owner)

    yield from visit(tree, module)


def _strings(nodes) -> set[str]:
    return {n.value for n in nodes if isinstance(n, ast.Constant) and isinstance(n.value, str)}


def duplicated_vocabularies(paths) -> list[str]:
    """Literals outside utils.vocabulary that copy a vocabulary: a label or colour table (a dict from three or more
    values of an enum to strings), or a list, tuple or set of three or more values that is not a named rule set.
    A dict from values to other things (thresholds, rules, choices) is a rule table and may live with its rule."""
    found = []
    for path in paths:
        for name, node in _assignments(path):
            if isinstance(node, ast.Dict):
                keys = _strings(k for k in node.keys if k is not None)
                is_label_table = bool(node.values) and all(isinstance(v, (ast.Constant, ast.Subscript, ast.Name, ast.JoinedStr)) and
                                                           not (isinstance(v, ast.Constant) and not isinstance(v.value, str))
                                                           for v in node.values)
                if not is_label_table:
                    continue
            else:
                keys = _strings(node.elts)
                if name in RULE_SETS:
                    continue
            for key, values in ENUMS.items():
                shared = keys & set(values)
                if key not in GENERIC and len(shared) >= 3:
                    found.append(f"{path.name}:{node.lineno} ({name}) repeats {len(shared)} values of {key[0]}.{key[1]}: {sorted(shared)}")
                    break
    return found


def test_no_module_but_vocabulary_spells_out_a_vocabulary():
    others = [p for p in UTILS if p.name not in ("vocabulary.py", "units.py")]  # units.py: the one place for units (tested above)
    found = duplicated_vocabularies(others)
    assert not found, "use utils.vocabulary instead of a literal:\n" + "\n".join(found)


def test_rule_sets_exist():
    names = {name for path in UTILS for name, _ in _assignments(path)}
    assert set(RULE_SETS) <= names, f"RULE_SETS names what no module defines: {sorted(set(RULE_SETS) - names)}"


@pytest.mark.parametrize("text", [
    'LABELS = {"chemotherapy": "chemo", "endocrine": "ET", "radiotherapy": "RT"}\n',
    'ORDER = ("primary_diagnosis", "first_distant_metastasis", "bmm_diagnosis")\n',
    'def f(x):\n    return x in ["chemotherapy", "endocrine", "radiotherapy"]\n',
])
def test_the_duplicate_finder_finds_a_copy(tmp_path, text):
    sneaky = tmp_path / "sneaky.py"
    sneaky.write_text(text, encoding="utf-8")
    assert len(duplicated_vocabularies([sneaky])) == 1


def test_the_duplicate_finder_leaves_a_rule_table_alone(tmp_path):
    rules = tmp_path / "rules.py"
    rules.write_text('LIMITS = {"hemoglobin": (8.0, 10.0), "platelets": (50.0, 75.0), "wbc": (2.0, 3.0)}\n', encoding="utf-8")
    assert duplicated_vocabularies([rules]) == []


def test_a_new_enum_value_reaches_allowed_with_no_code_change(tmp_path, monkeypatch):
    import shutil

    folder = tmp_path / "casedata"
    shutil.copytree(casedata.DATA_DIR, folder, ignore=shutil.ignore_patterns("*.md"))
    descriptor = json.loads((folder / "datapackage.json").read_text(encoding="utf-8"))
    therapy = next(r for r in descriptor["resources"] if r["name"] == "therapy_lines")
    field = next(f for f in therapy["schema"]["fields"] if f["name"] == "category")
    field["constraints"]["enum"].append("cell_therapy")
    (folder / "datapackage.json").write_text(json.dumps(descriptor, indent=2), encoding="utf-8")
    monkeypatch.setattr(casedata, "DATA_DIR", folder)
    vocabulary._descriptor_enums.cache_clear()
    try:
        assert vocabulary.allowed("therapy_lines", "category")[-1] == "cell_therapy"
    finally:
        vocabulary._descriptor_enums.cache_clear()
