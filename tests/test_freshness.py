"""Stored outputs and casedata/: make test says clearly when the data changed since the outputs were stored."""

from __future__ import annotations

import shutil

from delivery import freshness


def test_stored_outputs_were_computed_from_the_current_casedata():
    found = freshness.changes()
    assert not found, freshness.message(found)


def test_a_change_a_new_file_and_a_removed_file_are_named(tmp_path):
    data, stamp = tmp_path / "casedata", tmp_path / "casedata.sha256"
    shutil.copytree(freshness.DATA_DIR, data)
    assert freshness.changes(data, stamp) == ["no record of the data behind the stored outputs (casedata.sha256 is missing)"]
    freshness.write_stamp(data, stamp)
    assert freshness.changes(data, stamp) == []
    with open(data / "labs.csv", "a", encoding="utf-8") as handle:
        handle.write("x\n")
    (data / "extra.csv").write_text("a\n", encoding="utf-8")
    (data / "hazard_ratios.csv").unlink()
    found = freshness.changes(data, stamp)
    assert found == ["labs.csv changed", "extra.csv is new", "hazard_ratios.csv was removed"]
    assert "Run: make notebooks (it re-executes" in freshness.message(found)


def test_the_command_fails_only_when_stale(monkeypatch, tmp_path, capsys):
    data, stamp = tmp_path / "casedata", tmp_path / "casedata.sha256"
    shutil.copytree(freshness.DATA_DIR, data)
    monkeypatch.setattr(freshness, "DATA_DIR", data)
    monkeypatch.setattr(freshness, "STAMP", stamp)
    monkeypatch.setattr(freshness.changes, "__defaults__", (data, stamp))
    monkeypatch.setattr(freshness.write_stamp, "__defaults__", (data, stamp))
    monkeypatch.setattr(freshness, "PROJECT_ROOT", tmp_path)
    assert freshness.main(["stamp"]) == 0
    assert freshness.main(["check"]) == 0
    (data / "cases.csv").write_text("changed\n", encoding="utf-8")
    assert freshness.main(["check"]) == 1
    assert freshness.main(["warn"]) == 0
    err = capsys.readouterr().err
    assert "cases.csv changed" in err and err.count("make notebooks") == 2 and "WARNING:" in err
