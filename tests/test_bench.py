"""The benchmark's own logic (``make bench``): its verdicts against the targets, and that it can import its helpers.

The measurements themselves are not tested here (a benchmark, not a timed test); what is tested is
that a measurement over a target is reported as missing it, that the loader benchmark's generated
table is valid data and its stage timer adds up and cleans up, and that the script starts.
"""

import csv
import runpy
import shutil
import subprocess
import sys
import time
import types

import pytest

from utils import PROJECT_ROOT

BENCH = PROJECT_ROOT / "benchmarks" / "bench.py"


@pytest.fixture(scope="module")
def bench():
    return runpy.run_path(str(BENCH), run_name="bench_under_test")


def report(floor_s=2.0, notebook_s=2.0, peak_mb=200.0, p95_ms=20.0, browser_ms=50.0):
    return {
        "callbacks": {"survival": {"n": 60, "p50_ms": p95_ms / 2, "p95_ms": p95_ms}, "_views_build_ms": 5.0},
        "browser": {"median_ms": browser_ms},
        "floor": {"seconds": floor_s, "peak_mb": 150.0},
        "notebooks": {"05_x.ipynb": {"seconds": notebook_s, "peak_mb": peak_mb}},
    }


def verdict(rows, name):
    matches = [row[2] for row in rows if row[0] == name]
    assert len(matches) == 1, rows
    return matches[0]


def test_within_every_target_meets(bench):
    rows = bench["verdicts"](report(notebook_s=2.9))
    assert [row[2] for row in rows if row[2]] == ["meets"] * 3
    assert not any(row[0].startswith("_") for row in rows)


@pytest.mark.parametrize(("changes", "row"), [
    ({"notebook_s": 3.1}, "05_x.ipynb"),             # 1.55 x the floor
    ({"peak_mb": 251.0}, "05_x.ipynb"),
    ({"p95_ms": 100.5}, "callback survival"),
    ({"browser_ms": 301.0}, "browser slider -> image"),
])
def test_a_measurement_over_its_target_misses(bench, changes, row):
    assert verdict(bench["verdicts"](report(**changes)), row) == "MISSES"


def test_percentile_picks_the_nearest_rank(bench):
    values = list(range(1, 101))
    assert bench["percentile"](values, 95) == 95
    assert bench["percentile"](values, 50) in (50, 51)
    assert bench["percentile"]([7.0], 95) == 7.0


def test_the_script_finds_its_browser_helpers_from_any_folder(tmp_path):
    # make bench runs the file directly, so neither tests/ nor the project root is on the path
    # unless the script puts them there (servers.py imports delivery.processes).
    code = f"import runpy; runpy.run_path({str(BENCH)!r}, run_name='x'); import servers, delivery.processes"
    result = subprocess.run([sys.executable, "-c", code], cwd=tmp_path, capture_output=True, text=True, timeout=120)
    assert result.returncode == 0, result.stderr


def test_the_loader_benchmark_table_is_valid_data(bench, tmp_path, monkeypatch):
    # the benchmark measures a load that succeeds: its generated labs.csv passes every check, row for row
    from utils import casedata

    folder = tmp_path / "casedata"
    shutil.copytree(casedata.DATA_DIR, folder)
    with open(folder / "labs.csv", newline="", encoding="utf-8") as handle:
        rows = list(csv.reader(handle))
    with open(folder / "labs.csv", "w", newline="", encoding="utf-8") as handle:
        csv.writer(handle, lineterminator="\n").writerows(bench["big_labs"](rows, 120))
    monkeypatch.setattr(casedata, "CACHE_DIR", tmp_path / "cache")
    assert len(casedata.load_all(folder).labs) == 120


def test_timed_stages_adds_up_each_stage_and_puts_the_functions_back(bench):
    module = types.SimpleNamespace(_first=lambda: time.sleep(0.01) or 1, _second=lambda x: x + 1)
    originals = (module._first, module._second)
    with bench["timed_stages"](module, {"first": "_first", "second": "_second"}) as seconds:
        assert module._second(module._first()) == 2
    assert seconds["first"] >= 0.01 and 0 <= seconds["second"] < seconds["first"]
    assert (module._first, module._second) == originals


def test_the_loader_gets_a_row_without_a_verdict(bench):
    loader = {"rows": 10_000, "cold_s": 2.0, "cached_s": 0.5, "peak_mb": 30.0,
              "stages_s": {"typing (every cell)": 0.5, "Frictionless (with its cache)": 1.5}}
    rows = bench["verdicts"]({**report(), "loader": loader})
    assert [row for row in rows if row[0].startswith("loader")] == [
        ("loader: labs.csv of 10,000 rows", "2.0 s cold, 0.5 s cached, 30.0 MB; 75% Frictionless", "")]
    assert "Frictionless (with its cache)       1.500 s   75%" in bench["loader_table"](loader)
