"""Performance benchmark of the collection (``make bench``): prints a table, writes build/bench.json.

A benchmark, not a test: it measures and compares with the targets of the project, and exits
non-zero only if a measurement could not be taken. What it measures:

* ``callbacks``: every explorer callback of notebook 06, in process on the Agg backend, over at
  least 50 varied inputs each (seeded, so runs are comparable): ``p50_ms`` and ``p95_ms``.
  Target: p95 <= 100 ms.
* ``browser``: Voila serving notebook 06 in Debian's Chromium; the hazard-ratio slider is moved
  with the keyboard and the time from key press to the new picture in the page is taken
  (median of several moves). Target: <= 300 ms.
* ``notebooks``: each notebook executed top to bottom in a fresh kernel (nbclient), wall
  ``seconds`` from kernel start to the last cell, and the kernel's ``peak_mb`` (VmHWM).
  Targets: <= 1.5 x the floor's seconds and <= 250 MB.
* ``floor``: the same for a notebook that only imports the stack.
* ``seminar``: 10 kernels running notebook 06 at the same time on this machine: total wall
  time and the sum of the kernels' peak memory, for sizing a JupyterHub.
* ``loader``: loading and validating casedata/ with a labs.csv of 10,000 rows (utils.casedata):
  wall time with the Frictionless verdict not yet cached (``cold_s``) and cached (``cached_s``),
  peak memory of the load (``peak_mb``, tracemalloc) and where the cold time goes, stage by stage
  (descriptor, files, typing, Frictionless, rules). No target: it shows where the time goes.

Usage: ``python benchmarks/bench.py [--quick | --loader]`` (``--quick`` skips the browser and the
seminar; ``--loader`` measures the loader only).
"""

from __future__ import annotations

import argparse
import csv
import io
import json
import os
import platform
import random
import shutil
import statistics
import sys
import tempfile
import time
import tracemalloc
from collections.abc import Iterator
from concurrent.futures import ThreadPoolExecutor
from contextlib import contextmanager
from pathlib import Path
from types import ModuleType

import matplotlib

matplotlib.use("Agg")

import nbformat
from nbclient import NotebookClient

ROOT = Path(__file__).resolve().parent.parent
NOTEBOOK_DIR = ROOT / "notebooks"
OUT = ROOT / "build" / "bench.json"
# The browser helpers shared with the browser tests (tests/servers.py), and the project root for
# the delivery package they use; pytest gets the same two entries from pyproject.toml.
sys.path[:0] = [str(ROOT / "tests"), str(ROOT)]

TARGETS = {"callback_p95_ms": 100.0, "browser_ms": 300.0, "notebook_vs_floor": 1.5, "notebook_peak_mb": 250.0}
FLOOR_SOURCE = """import pandas, numpy, matplotlib.pyplot, seaborn, ipywidgets, lifelines, frictionless
import utils"""
SEMINAR_KERNELS = 10
INPUTS_PER_CALLBACK = 60
LOADER_ROWS = 10_000
#: The stages of one load: functions of utils.casedata, called in this order, each timed.
LOADER_STAGES = {"descriptor": "_read_descriptor", "files (read, decode, CSV checks)": "_read_tables",
                 "typing (every cell)": "_typed_frames", "Frictionless (with its cache)": "_frictionless_check",
                 "rules and vocabularies": "_rule_problems"}


# Callbacks ----------------------------------------------------------------------------------------
def callback_inputs(views: dict, rng: random.Random) -> dict[str, list[dict]]:
    """At least 50 varied inputs per callback, drawn with a seeded generator."""
    from utils import explorers, origins

    origin_keys = list(origins.ORIGIN_CHOICES)
    origin = [{"akagi2021": a, "tnbc2025": t} for a in origin_keys for t in origin_keys] * 4
    lines = [value for _, value in explorers.line_options(views["treatment"].data)]
    treatment = [{
        "therapy_id": rng.choice(lines),
        "shift_days": rng.choice(range(-84, 85, 7)),
        "length_change_days": rng.choice([0, 0, -28, 28, 84]),
        "removed": rng.random() < 0.1,
        "cycles": rng.choice([explorers.AS_REPORTED, 2, 4, 6, 8, 12]),
        "reduction_percent": rng.choice([explorers.AS_REPORTED, 0, 10, 20, 30, 50]),
        "weight_kg": float(rng.randint(40, 80)),
        "height_cm": float(rng.choice(range(150, 181, 5))),
    } for _ in range(INPUTS_PER_CALLBACK)]
    references = [*views["survival"].medians, explorers.OWN_MEDIAN]
    survival = [{
        "reference": rng.choice(references),
        "own_median_months": rng.choice([3.0, 6.0, 12.0, 24.0, 48.0]),
        "hazard_ratio": round(rng.uniform(0.3, 2.0), 2),
    } for _ in range(INPUTS_PER_CALLBACK)]
    return {"origin": origin, "treatment": treatment, "survival": survival}


def percentile(values: list[float], q: float) -> float:
    ordered = sorted(values)
    index = min(len(ordered) - 1, max(0, round(q / 100 * (len(ordered) - 1))))
    return ordered[index]


def bench_callbacks() -> dict:
    from utils import casedata, explorers, plots

    plots.use_course_style()
    data = casedata.load_all()
    start = time.perf_counter()
    views = {"origin": explorers.OriginView(data), "treatment": explorers.TreatmentView(data), "survival": explorers.SurvivalView(data)}
    build_ms = (time.perf_counter() - start) * 1000
    results = {}
    for name, inputs in callback_inputs(views, random.Random(20261121)).items():
        times = []
        for values in inputs:
            t0 = time.perf_counter()
            views[name].callback(**values)
            times.append((time.perf_counter() - t0) * 1000)
        results[name] = {"n": len(times), "p50_ms": round(statistics.median(times), 1), "p95_ms": round(percentile(times, 95), 1),
                         "max_ms": round(max(times), 1)}
    results["_views_build_ms"] = round(build_ms, 1)
    return results


# Browser ------------------------------------------------------------------------------------------
def bench_browser(moves: int = 12) -> dict:
    import servers

    chromium = Path("/usr/bin/chromium")
    if not chromium.exists():
        return {"skipped": "Chromium not installed (/usr/bin/chromium)"}
    with tempfile.TemporaryDirectory() as tmp:
        shutil.copytree(NOTEBOOK_DIR, Path(tmp) / "notebooks")
        with servers.voila(Path(tmp) / "notebooks" / "06_alternative_timelines.ipynb") as app, servers.chromium(chromium) as browser:
            page = browser.new_page(viewport={"width": 1366, "height": 900})
            t0 = time.perf_counter()
            page.goto(app.url, wait_until="commit", timeout=120_000)
            box = servers.explorer_box(page, "survival")
            load_s = time.perf_counter() - t0
            times = []
            for i in range(moves):
                _, elapsed = servers.nudge_slider(page, box, "hazard ratio", "ArrowLeft" if i % 2 else "ArrowRight")
                times.append(elapsed)
    return {"median_ms": round(statistics.median(times), 1), "max_ms": round(max(times), 1), "moves": moves,
            "page_ready_s": round(load_s, 1)}


# Notebooks ----------------------------------------------------------------------------------------
def peak_mb(pid: int) -> float:
    """Peak resident memory (VmHWM) of a process, in MB."""
    for line in Path(f"/proc/{pid}/status").read_text().splitlines():
        if line.startswith("VmHWM:"):
            return int(line.split()[1]) / 1024
    raise RuntimeError(f"no VmHWM for process {pid}")


def run_notebook(path: Path) -> dict:
    """Execute a notebook in a fresh python3 kernel; wall seconds from kernel start to last cell, kernel peak MB."""
    nb = nbformat.read(path, as_version=4)
    client = NotebookClient(nb, kernel_name="python3", timeout=600, resources={"metadata": {"path": str(NOTEBOOK_DIR)}})
    t0 = time.perf_counter()
    with client.setup_kernel():
        pid = client.km.provisioner.pid
        for index, cell in enumerate(nb.cells):
            client.execute_cell(cell, index)
        seconds = time.perf_counter() - t0
        peak = peak_mb(pid)
    return {"seconds": round(seconds, 2), "peak_mb": round(peak, 1)}


def floor_notebook(folder: Path) -> Path:
    nb = nbformat.v4.new_notebook(cells=[nbformat.v4.new_code_cell(FLOOR_SOURCE)])
    nb.metadata["kernelspec"] = {"name": "python3", "display_name": "Python 3 (ipykernel)", "language": "python"}
    path = folder / "floor.ipynb"
    nbformat.write(nb, path)
    return path


def bench_notebooks(repeats: int = 5) -> tuple[dict, dict]:
    """Each notebook (and the floor) run ``repeats`` times; the fastest run is kept (least disturbed)."""
    with tempfile.TemporaryDirectory() as tmp:
        floor_path = floor_notebook(Path(tmp))
        floor = min((run_notebook(floor_path) for _ in range(repeats)), key=lambda r: r["seconds"])
    from utils import course

    notebooks = {}
    for path in sorted(NOTEBOOK_DIR.glob(course.NOTEBOOK_GLOB)):
        notebooks[path.name] = min((run_notebook(path) for _ in range(repeats)), key=lambda r: r["seconds"])
    return notebooks, floor


def bench_seminar(kernels: int = SEMINAR_KERNELS) -> dict:
    path = NOTEBOOK_DIR / "06_alternative_timelines.ipynb"
    t0 = time.perf_counter()
    with ThreadPoolExecutor(max_workers=kernels) as pool:
        runs = list(pool.map(lambda _: run_notebook(path), range(kernels)))
    wall = time.perf_counter() - t0
    return {"kernels": kernels, "notebook": path.name, "total_wall_s": round(wall, 1),
            "slowest_kernel_s": max(r["seconds"] for r in runs), "sum_peak_mb": round(sum(r["peak_mb"] for r in runs)),
            "per_kernel_peak_mb": round(max(r["peak_mb"] for r in runs), 1), "cpus": os.cpu_count()}


# Loader ---------------------------------------------------------------------------------------------
def big_labs(rows: list[list[str]], count: int) -> list[list[str]]:
    """``count`` valid rows of labs.csv (header first) made from its real rows: each round of copies is moved
    100,000 days on, so every key (case_id, day, analyte) stays unique and every rule still holds."""
    header, body = rows[0], rows[1:]
    day = header.index("day")
    made = [header]
    for k in range(count):
        row = list(body[k % len(body)])
        row[day] = str(int(row[day]) + 100_000 * (k // len(body)))
        made.append(row)
    return made


@contextmanager
def timed_stages(module: ModuleType, stages: dict[str, str] = LOADER_STAGES) -> Iterator[dict[str, float]]:
    """Add up the wall time spent in each stage function of ``module`` while the block runs."""
    seconds = dict.fromkeys(stages, 0.0)
    originals = {name: getattr(module, function) for name, function in stages.items()}

    def timed(name: str, function):
        def wrapper(*args, **kwargs):
            start = time.perf_counter()
            try:
                return function(*args, **kwargs)
            finally:
                seconds[name] += time.perf_counter() - start
        return wrapper

    for name, function in originals.items():
        setattr(module, stages[name], timed(name, function))
    try:
        yield seconds
    finally:
        for name, function in originals.items():
            setattr(module, stages[name], function)


def bench_loader(rows: int = LOADER_ROWS, repeats: int = 3) -> dict:
    """Load and validate a copy of casedata/ whose labs.csv has ``rows`` rows: the fastest of ``repeats``
    cold loads (the Frictionless verdict not cached) with its time per stage, cached loads, and peak memory."""
    from utils import casedata

    casedata.load_all()  # imports (Frictionless's too) are not part of the measurement
    original_cache = casedata.CACHE_DIR
    with tempfile.TemporaryDirectory() as tmp:
        folder = Path(tmp) / "casedata"
        shutil.copytree(casedata.DATA_DIR, folder)
        labs = list(csv.reader(io.StringIO((folder / "labs.csv").read_text(encoding="utf-8"), newline="")))
        text = io.StringIO(newline="")
        csv.writer(text, lineterminator="\n").writerows(big_labs(labs, rows))
        (folder / "labs.csv").write_text(text.getvalue(), encoding="utf-8")
        try:
            cold = []
            for i in range(repeats):
                casedata.CACHE_DIR = Path(tmp) / f"cache-{i}"  # empty: a full validation
                with timed_stages(casedata) as stages:
                    start = time.perf_counter()
                    loaded = len(casedata.load_all(folder).labs)
                    cold.append((time.perf_counter() - start, dict(stages)))
            cached = []
            for _ in range(repeats):  # CACHE_DIR now holds the passing verdict
                start = time.perf_counter()
                casedata.load_all(folder)
                cached.append(time.perf_counter() - start)
            casedata.CACHE_DIR = Path(tmp) / "cache-memory"
            tracemalloc.start()
            casedata.load_all(folder)
            peak = tracemalloc.get_traced_memory()[1]
            tracemalloc.stop()
        finally:
            casedata.CACHE_DIR = original_cache
    seconds, stages = min(cold, key=lambda run: run[0])
    return {"rows": rows, "loaded_rows": loaded, "cold_s": round(seconds, 2), "cached_s": round(min(cached), 2),
            "peak_mb": round(peak / 2**20, 1), "stages_s": {name: round(s, 3) for name, s in stages.items()}}


# Report -------------------------------------------------------------------------------------------
def verdicts(report: dict) -> list[tuple[str, str, str]]:
    rows = []
    for name, r in report["callbacks"].items():
        if not name.startswith("_"):
            ok = r["p95_ms"] <= TARGETS["callback_p95_ms"]
            rows.append((f"callback {name}", f"p50 {r['p50_ms']} ms, p95 {r['p95_ms']} ms (n={r['n']})", "meets" if ok else "MISSES"))
    browser = report.get("browser", {})
    if "median_ms" in browser:
        ok = browser["median_ms"] <= TARGETS["browser_ms"]
        rows.append(("browser slider -> image", f"median {browser['median_ms']} ms", "meets" if ok else "MISSES"))
    floor = report["floor"]["seconds"]
    rows.append(("floor (imports only)", f"{floor} s, {report['floor']['peak_mb']} MB", ""))
    for name, r in report["notebooks"].items():
        ok = r["seconds"] <= TARGETS["notebook_vs_floor"] * floor and r["peak_mb"] <= TARGETS["notebook_peak_mb"]
        rows.append((name, f"{r['seconds']} s ({r['seconds'] / floor:.2f} x floor), {r['peak_mb']} MB", "meets" if ok else "MISSES"))
    loader = report.get("loader", {})
    if "cold_s" in loader:
        slowest = max(loader["stages_s"], key=loader["stages_s"].get)
        share = loader["stages_s"][slowest] / loader["cold_s"] if loader["cold_s"] else 0.0
        rows.append((f"loader: labs.csv of {loader['rows']:,} rows",
                     f"{loader['cold_s']} s cold, {loader['cached_s']} s cached, {loader['peak_mb']} MB; {share:.0%} {slowest.split(' (')[0]}", ""))
    seminar = report.get("seminar", {})
    if "total_wall_s" in seminar:
        rows.append((f"seminar: {seminar['kernels']} kernels on notebook 06",
                     f"{seminar['total_wall_s']} s wall, {seminar['sum_peak_mb']} MB in total", ""))
    return rows


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--quick", action="store_true", help="skip the browser and the seminar measurements")
    parser.add_argument("--loader", action="store_true", help="measure the loader only (about half a minute)")
    args = parser.parse_args()
    report = {"machine": {"python": platform.python_version(), "cpus": os.cpu_count(), "platform": platform.platform()},
              "targets": TARGETS}
    report["loader"] = bench_loader()
    if args.loader:
        print(loader_table(report["loader"]))
        return 0
    report["callbacks"] = bench_callbacks()
    report["notebooks"], report["floor"] = bench_notebooks()
    if not args.quick:
        report["browser"] = bench_browser()
        report["seminar"] = bench_seminar()
    OUT.parent.mkdir(parents=True, exist_ok=True)
    OUT.write_text(json.dumps(report, indent=2) + "\n")
    rows = verdicts(report)
    width = max(len(r[0]) for r in rows)
    for name, value, verdict in rows:
        print(f"{name:<{width}}  {value:<45}  {verdict}")
    print(f"\n{loader_table(report['loader'])}")
    print(f"\nwritten: {OUT.relative_to(ROOT)}")
    return 0


def loader_table(loader: dict) -> str:
    """Where a cold load of the loader benchmark spends its time, stage by stage."""
    lines = [f"loader, labs.csv of {loader['rows']:,} rows: {loader['cold_s']} s cold (verdict not cached),"
             f" {loader['cached_s']} s cached, peak {loader['peak_mb']} MB (tracemalloc)"]
    for name, seconds in loader["stages_s"].items():
        share = seconds / loader["cold_s"] if loader["cold_s"] else 0.0
        lines.append(f"  {name:<34} {seconds:6.3f} s  {share:4.0%}")
    return "\n".join(lines)


if __name__ == "__main__":
    sys.exit(main())
