"""The hub load test (``make hub-load``, benchmarks/hub_load.py): its bounds, its one checked place, its
statistics and verdicts, and one real run with one resident.

The pure parts are checked in a few milliseconds: percentiles, the refusal of 0 or 101 residents,
an address off 127.0.0.1 refused before anything is sent (also when a redirect points there), the
request cap, the slider and picture found among widget messages, and the targets verdict. Then one
resident runs the whole benchmark (a real hub on 127.0.0.1, two explorer moves) as a function
call: no failure, and every measure present and plausible.
"""

from __future__ import annotations

import asyncio
import importlib.util
import json
import sys
import time

import pytest
from aiohttp import web

from delivery import hub as seminar_hub
from utils import PROJECT_ROOT

SCRIPT = PROJECT_ROOT / "benchmarks" / "hub_load.py"


@pytest.fixture(scope="module")
def hub_load():
    spec = importlib.util.spec_from_file_location("hub_load_under_test", SCRIPT)
    module = importlib.util.module_from_spec(spec)
    sys.modules[spec.name] = module  # dataclasses look their module up by name
    try:
        spec.loader.exec_module(module)
        yield module
    finally:
        sys.modules.pop(spec.name, None)


# Statistics ----------------------------------------------------------------------------------------------
def test_percentiles_interpolate_and_handle_few_values(hub_load):
    assert hub_load.percentile([4.0, 1.0, 3.0, 2.0], 50) == pytest.approx(2.5)
    assert hub_load.percentile([1.0, 2.0, 3.0, 4.0], 95) == pytest.approx(3.85)
    assert hub_load.percentile(list(range(1, 101)), 95) == pytest.approx(95.05)
    assert hub_load.percentile([7.0], 95) == 7.0
    assert hub_load.percentile([], 50) is None
    assert hub_load.spread([]) == {"p50": None, "p95": None, "max": None, "n": 0}
    assert hub_load.spread([1.0, 2.0, 3.0]) == {"p50": 2.0, "p95": 2.9, "max": 3.0, "n": 3}


# Bounds ---------------------------------------------------------------------------------------------------
@pytest.mark.parametrize("users, moves, timeout", [(0, 20, 900), (101, 20, 900), (-1, 20, 900), (20, 0, 900),
                                                   (20, 101, 900), (20, 20, 0), (20, 20, 3601)])
def test_runs_outside_the_bounds_are_refused(hub_load, users, moves, timeout):
    with pytest.raises(ValueError):
        hub_load.check_bounds(users, moves, timeout)
    with pytest.raises(ValueError):  # before any hub is started
        asyncio.run(hub_load.run(users=users, moves=moves, timeout=timeout, out=None, log=lambda _: None))


def test_the_bounds_themselves_are_allowed(hub_load):
    hub_load.check_bounds(1, 1, 1)
    hub_load.check_bounds(100, 100, 3600, max_requests=1, stagger=60)


@pytest.mark.parametrize("stagger", [-1.0, 60.5])
def test_a_stagger_outside_0_to_60_seconds_is_refused(hub_load, stagger):
    with pytest.raises(ValueError, match="stagger"):
        hub_load.check_bounds(20, 20, 900, stagger=stagger)


@pytest.mark.parametrize("users", ["0", "101"])
def test_the_command_line_refuses_0_and_101_residents(hub_load, users, capsys):
    with pytest.raises(SystemExit) as stopped:
        hub_load.main(["--users", users])
    assert stopped.value.code == 2
    assert "users must be from 1 to 100" in capsys.readouterr().err


# Loopback only, and a cap on requests ----------------------------------------------------------------
@pytest.mark.parametrize("url", ["http://example.org/hub/login", "http://localhost:8000/hub/", "http://127.0.0.2:8000/",
                                 "http://127.0.0.1.example.org/", "http://127.0.0.1@example.org/",
                                 "http://user:secret@127.0.0.1:8000/", "https://127.0.0.1:8000/", "file:///etc/passwd",
                                 "ws://[::1]:8000/", "//example.org/"])
def test_an_address_off_loopback_is_refused_and_not_counted(hub_load, url):
    gate = hub_load.Gate(cap=10)
    with pytest.raises(hub_load.RefusedAddress):
        gate.check(url)
    assert gate.count == 0


def test_loopback_addresses_pass_and_count_up_to_the_cap(hub_load):
    gate = hub_load.Gate(cap=2)
    assert gate.check("http://127.0.0.1:8000/hub/login") == "http://127.0.0.1:8000/hub/login"
    gate.check("ws://127.0.0.1:8000/user/a/api/kernels/k/channels")
    with pytest.raises(hub_load.RequestCapReached):
        gate.check("http://127.0.0.1:8000/hub/api")
    assert gate.count == 2


def test_a_redirect_off_loopback_is_refused_before_it_is_followed(hub_load):
    """The client follows redirects itself, so every hop passes the gate: the outside one is never sent."""
    seen = []

    async def away(request: web.Request) -> web.Response:
        seen.append(request.path)
        raise web.HTTPFound("http://example.org/stolen")

    async def scenario() -> int:
        app = web.Application()
        app.router.add_get("/away", away)
        runner = web.AppRunner(app)
        await runner.setup()
        site = web.TCPSite(runner, "127.0.0.1", 0)
        await site.start()
        port = runner.addresses[0][1]
        gate = hub_load.Gate(cap=10)
        client = hub_load.Client(f"http://127.0.0.1:{port}", gate)
        try:
            with pytest.raises(hub_load.RefusedAddress):
                await client.fetch("GET", "/away")
            with pytest.raises(hub_load.RefusedAddress):  # an absolute address elsewhere: refused at once
                await client.fetch("GET", "http://example.org/")
            with pytest.raises(hub_load.RefusedAddress):
                await client.websocket("http://example.org/api/kernels/k/channels")
        finally:
            await client.close()
            await runner.cleanup()
        return gate.count

    assert asyncio.run(scenario()) == 1  # the one request to /away; nothing after it
    assert seen == ["/away"]


# The explorer's slider and picture among the widgets --------------------------------------------------
def widget(comm_id: str, **state) -> tuple[str, dict]:
    return comm_id, {"comm_id": comm_id, "target_name": "jupyter.widget", "data": {"state": state, "buffer_paths": []}}


def survival_widgets(value=1.0) -> dict[str, dict]:
    return dict([
        widget("other", _model_name="FloatSliderModel", description="weight (kg)", min=30, max=150, step=1, value=60),
        widget("hr", _model_name="FloatSliderModel", description="hazard ratio", min=0.3, max=2.0, step=0.01, value=value),
        widget("pic", _model_name="ImageModel", format="png"),
        widget("otherpic", _model_name="ImageModel", format="png"),
        widget("box", _model_name="VBoxModel", children=["IPY_MODEL_hr", "IPY_MODEL_pic"]),
        widget("otherbox", _model_name="VBoxModel", children=["IPY_MODEL_other", "IPY_MODEL_otherpic"]),
    ])


def test_the_hazard_ratio_slider_and_its_explorers_picture_are_found(hub_load):
    slider, state, picture = hub_load.find_slider(survival_widgets())
    assert (slider, picture) == ("hr", "pic")
    assert state["description"] == "hazard ratio"
    widgets = survival_widgets()
    del widgets["hr"]
    with pytest.raises(hub_load.LoadError, match="no FloatSliderModel described 'hazard ratio'"):
        hub_load.find_slider(widgets)


def test_slider_values_are_distinct_valid_steps_away_from_the_current_value(hub_load):
    state = survival_widgets()["hr"]["data"]["state"]
    values = hub_load.slider_values(state, 20)
    assert len(values) == len(set(values)) == 20
    assert all(0.3 <= v <= 2.0 and v != 1.0 for v in values)
    assert all(abs(round(v / 0.01) * 0.01 - v) < 1e-9 for v in values)  # on the slider's steps
    assert values[0] == 0.3 and values[-1] == 2.0
    with pytest.raises(hub_load.LoadError):  # 171 steps, one taken by the current value
        hub_load.slider_values(state, 171)


# The targets verdict -----------------------------------------------------------------------------------------
def summary(hub_load, failures=0, spawn=8.0, notebook=25.0, widget_ms=250.0, peak_mb=280.0) -> dict:
    """A summary whose widget round trip is ``widget_ms`` once running, and 900 ms over all moves (not judged)."""
    def s(value):
        return {"p50": value, "p95": value, "max": value, "n": 1 if value is not None else 0}

    return {"failures": {"count": failures}, "spawn_s": s(spawn),
            "notebook_06_s": {"from_kernel_request": s(notebook)},
            "widget_round_trip_ms": {**s(900.0), "after_all_notebooks": s(widget_ms)},
            "memory_mb": {"resident_rss": s(peak_mb)}}


def test_the_verdict_meets_targets_only_within_them(hub_load):
    within = hub_load.verdict(summary(hub_load))
    assert set(within) == set(hub_load.TARGETS)
    assert all(entry["met"] for entry in within.values())
    at_limit = hub_load.verdict(summary(hub_load, 0, 10.0, 30.0, 300.0, 300.0))
    assert all(entry["met"] for entry in at_limit.values())
    over = {"failures": 1, "spawn": 10.5, "notebook": 31.0, "widget_ms": 301.0, "peak_mb": 420.0}
    names = {"failures": "failures", "spawn": "spawn_p95_s", "notebook": "notebook_p95_s",
             "widget_ms": "widget_p95_ms", "peak_mb": "resident_peak_mb"}
    for key, value in over.items():
        result = hub_load.verdict(summary(hub_load, **{key: value}))
        assert not result[names[key]]["met"] and result[names[key]]["measured"] == value
        assert all(entry["met"] for name, entry in result.items() if name != names[key])
    unmeasured = hub_load.verdict(summary(hub_load, spawn=None, widget_ms=None))
    assert not unmeasured["spawn_p95_s"]["met"] and not unmeasured["widget_p95_ms"]["met"]


# One real resident --------------------------------------------------------------------------------------------
def test_one_resident_runs_the_whole_load_test(hub_load, tmp_path, hub_proxy):
    """A real hub on 127.0.0.1, one resident, two moves: no failure, every measure present and plausible."""
    out = tmp_path / "hub-load.json"
    began = time.perf_counter()
    result = asyncio.run(hub_load.run(users=1, moves=2, timeout=300, out=out, log=lambda _: None))
    took = time.perf_counter() - began
    assert json.loads(out.read_text()) == result
    assert result["failures"] == {"count": 0, "lines": []}, result["failures"]
    assert result["users"] == 1 and result["moves"] == 2 and result["cores"] >= 1
    assert result["versions"]["jupyterhub"] and result["versions"]["configurable-http-proxy"]
    resident = result["residents"][0]
    assert resident["phase"] == "done" and resident["cells"] >= 5
    spawn, notebook = result["spawn_s"], result["notebook_06_s"]
    assert spawn["n"] == 1 and 0 < spawn["p50"] <= spawn["p95"] < 150
    assert notebook["from_kernel_request"]["n"] == notebook["from_session_start"]["n"] == 1
    assert 0.5 < notebook["from_kernel_request"]["p95"] < notebook["from_session_start"]["p95"] < took
    # The resident's session holds the login, the spawn and the pull before the kernel is asked for.
    assert notebook["from_session_start"]["p95"] > spawn["p95"] + notebook["from_kernel_request"]["p95"]
    widget = result["widget_round_trip_ms"]
    assert widget["n"] == 2 and len(resident["moves_ms"]) == 2 and 1 < widget["p50"] <= widget["p95"] < 30_000
    assert widget["slider"] == {"_model_name": "FloatSliderModel", "description": "hazard ratio"}
    memory = result["memory_mb"]
    assert memory["samples"] >= 5
    # A server and a kernel that has pandas, matplotlib and the case data loaded: well above 100 MB, far below 2 GB.
    assert 100 < memory["resident_pss"]["max"] <= memory["resident_rss"]["max"] < 2048
    assert 0 < memory["resident_uss"]["max"] <= memory["resident_pss"]["max"]
    assert 30 < memory["hub_proxy_culler_pss"] <= memory["hub_proxy_culler_rss"] < 2048
    # One resident's CPU: at least the kernel's imports and the notebook; the moves come after every notebook.
    assert 1 < result["cpu"]["resident_cpu_s"]["max"] < took * result["cores"]
    assert 0 < result["cpu"]["machine_busy_percent"]["mean"] <= 100
    assert widget["after_all_notebooks"]["n"] == 2
    assert 10 <= result["requests"]["sent"] <= result["requests"]["cap"]
    assert 0 < result["hub_start_s"] < 60 and 0 < result["wall_s"] < took
    assert set(result["targets"]) == set(hub_load.TARGETS) and result["targets"]["failures"]["met"]
    assert "hazard ratio" in hub_load.table(result)


# The README quotes the committed runs ------------------------------------------------------------------
RESULTS = PROJECT_ROOT / "benchmarks" / "results"
README = PROJECT_ROOT / "README.md"


def _readme_section() -> str:
    text = README.read_text(encoding="utf-8")
    return text[text.index("### Measured load and sizing"):text.index("## For self-study")]


def test_the_readme_sizing_table_is_computed_from_the_committed_run(hub_load):
    run = json.loads((RESULTS / "hub-load-20-at-once.json").read_text())
    section = _readme_section()
    allowance_mb = seminar_hub.load_settings().memory_bytes / hub_load.MB
    assert f"each at the {seminar_hub.load_settings().memory}B limit" in section.replace(" GB limit", "GB limit")
    for row in hub_load.sizing(run, allowance_mb):
        expected = (f"| {row['residents']} | {row['memory_gib']:g} GiB | {row['memory_measured_gib']:g} GiB | "
                    f"{row['cores_together']} | {row['admit_on_two_cores_s']} s | {row['disk_gb']} GB |")
        assert expected in section, f"README sizing row for {row['residents']} should read {expected}"


def test_the_readme_measurements_are_those_of_the_committed_runs_and_the_stagger_claim_holds(hub_load):
    section = _readme_section()
    columns = ["hub-load-20-at-once", "hub-load-20-stagger-5s", "hub-load-20-prewarmed", "hub-load-20-prewarmed-rerun",
               "hub-load-5-at-once"]
    runs = [json.loads((RESULTS / f"{name}.json").read_text()) for name in columns]
    for label, cells in [("failures", [str(r["failures"]["count"]) for r in runs]),
                         ("spawn p95", [f"{r['spawn_s']['p95']:.1f} s" for r in runs]),
                         ("notebook 06 finished p95 (from the kernel request)",
                          [f"{r['notebook_06_s']['from_kernel_request']['p95']:.1f} s" for r in runs]),
                         ("peak memory per resident, RSS (server + kernel)",
                          [f"{r['memory_mb']['resident_rss']['max']:.1f} MB" for r in runs])]:
        assert f"| {label} | " + " | ".join(cells) + " |" in section, f"README row {label!r} differs from the runs"
    staggered = runs[1]
    assert staggered["start"]["stagger_s"] == hub_load.STAGGER_ON_TWO_CORES_S and staggered["users"] == 20
    assert all(staggered["targets"][key]["met"] for key in ("failures", "spawn_p95_s", "notebook_p95_s", "widget_p95_ms"))
