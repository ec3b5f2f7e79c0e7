"""Load test of the seminar hub (``make hub-load``): a benchmark, not a test. Writes build/hub-load.json.

It starts the local seminar hub (:func:`delivery.hub.running_hub`: JupyterHub behind
configurable-http-proxy on 127.0.0.1, temporary homes, this checkout's branch as the course) and
lets N simulated residents do, all at the same time (``asyncio.gather``):

1. **login**: the hub's login form (GET /hub/login for its ``_xsrf`` field, POST name and password);
2. **spawn**: ask for their server (POST /hub/api/users/NAME/server) and follow the hub's progress
   stream until it reports the server ready. *Spawn time* is that request until ready;
3. **pull**: open the course link (nbgitpuller, through /hub/user-redirect/ and the server's OAuth
   handshake, with the login cookie, as a browser does), then run the pull that the link's page
   starts from JavaScript (nbgitpuller's event stream /user/NAME/git-pull/api) until it reports
   ``finished``;
4. **notebook**: every code cell of the resident's pulled copy of notebook 06, in a kernel started
   through the server's sessions API (so that it works in the copy's ``notebooks/`` folder), over
   the kernel's websocket. Messages are built by ``jupyter_client.session.Session``; binary
   frames are read with jupyter_server's own ``deserialize_binary_message``. A cell that sends an
   ``error`` message is a failure. *Notebook 06 time* is measured twice: from the kernel request
   (POST of the session) to the last cell's ``idle``, and from the start of the resident's session
   (before the login) to the same ``idle``;
5. **widget**: the hazard-ratio slider of 06's survival explorer (a ``FloatSliderModel``
   described ``hazard ratio``, found in the ``comm_open`` messages seen while the notebook ran) is
   moved MOVES times over the widget comm, each time to a new valid value; the *widget round
   trip* is from sending the ``comm_msg`` until the kernel reports ``idle`` for it, and a move
   counts only if the explorer's picture (its ``ImageModel``) was updated with new PNG bytes.

Why two credentials: the login cookie carries the resident through the pages a browser opens (the
course link and the server's OAuth handshake); the server's REST API, the pull's event stream and
the kernel websocket are used with an API token made for the resident by the admin token, limited
to that resident's server (``servers!user=NAME``, ``access:servers!user=NAME``). An API client
authenticates with a token; with the cookie it would have to imitate the browser's XSRF handshake,
which the browser test (tests/test_browser_hub.py) covers already.

Meanwhile a sampler (psutil, every 0.2 s) sums the memory of each resident's processes (their
server, its kernels and the git it runs: the processes of the run with JUPYTERHUB_USER set to the
resident) and of the hub, the proxy and the culler (the run's other processes): RSS, PSS (shared
pages split between the processes sharing them) and USS (a process's own pages), keeping each
group's peak; also each group's CPU seconds and how busy the machine's cores are. The widget round
trip is also given for the moves sent once every resident's notebook had finished ("once running").

Bounds: 1 to 100 residents, 1 to 100 moves, an overall deadline (``--timeout``), a timeout per
phase, a cap on HTTP requests (every request, redirect and websocket is counted; past the cap every
further request fails), and loopback only: :meth:`Gate.check` refuses any address whose host is not
127.0.0.1 before anything is sent. Whatever happens (Ctrl+C, an error, the deadline), the residents'
tasks are cancelled first, then the hub stops with everything it started.

Exit status: 0 when every resident got through (targets met or not: they are reported), 1 when
any failed, 2 for wrong arguments or a hub that could not start.

The two remedies the README prescribes can be measured too: ``--stagger S`` starts one resident
every S seconds instead of all at once, and ``--prewarm`` has the admin start every server before
the residents sign in (as a tutor would before the seminar).

Usage: ``python benchmarks/hub_load.py [--users 20] [--moves 20] [--timeout 900] [--stagger S] [--prewarm]``.
"""

from __future__ import annotations

import argparse
import asyncio
import datetime
import json
import math
import os
import platform
import re
import signal
import sys
import threading
import time
from collections.abc import AsyncIterator, Sequence
from dataclasses import asdict, dataclass, field
from importlib.metadata import version
from pathlib import Path
from urllib.parse import parse_qsl, urlencode, urljoin, urlsplit

ROOT = Path(__file__).resolve().parent.parent
sys.path[:0] = [str(ROOT)]  # the delivery package (not installed); pytest gets it from pyproject.toml

import aiohttp  # noqa: E402
import nbformat  # noqa: E402
import numpy as np  # noqa: E402
import psutil  # noqa: E402
from jupyter_client.jsonutil import json_default  # noqa: E402
from jupyter_client.session import Session  # noqa: E402
from jupyter_server.services.kernels.connection.base import deserialize_binary_message  # noqa: E402

from delivery import hub as seminar_hub  # noqa: E402
from delivery.processes import LOOPBACK  # noqa: E402

OUT = ROOT / "build" / "hub-load.json"
NOTEBOOK = "notebooks/06_alternative_timelines.ipynb"
#: The explorer whose slider is moved: notebook 06's survival explorer (utils.explorers.SurvivalView).
SLIDER = {"model": "FloatSliderModel", "description": "hazard ratio"}
PICTURE_MODEL = "ImageModel"
#: The issue's targets (20 residents at once on a 2-core machine).
TARGETS = {"failures": 0, "spawn_p95_s": 10.0, "notebook_p95_s": 30.0, "widget_p95_ms": 300.0,
           "resident_peak_mb": 300.0}
USERS = (1, 100)
MOVES = (1, 100)
STAGGER = (0.0, 60.0)  # seconds between one resident's start and the next
DEFAULT_TIMEOUT_S = 900.0
#: HTTP requests one resident needs (login, token, spawn, the link's redirects, pull, session,
#: websocket: about 15), with room; the cap is this times the residents, plus the admin's.
REQUESTS_PER_RESIDENT = 40
#: Seconds each phase of one resident may take (spawn: the hub's own start timeout plus this).
PHASE_TIMEOUTS = {"login": 60.0, "token": 30.0, "spawn": 30.0, "pull": 300.0, "notebook": 600.0, "widget": 60.0}
MAX_REDIRECTS = 10
SAMPLE_INTERVAL_S = 0.2
MB = 1024 * 1024


class LoadError(Exception):
    """A resident's step went wrong (the message says how)."""


class RefusedAddress(LoadError):
    """An address that is not on 127.0.0.1: never sent."""


class RequestCapReached(LoadError):
    """More HTTP requests than the run may send."""


# Bounds, the one checked place, statistics ---------------------------------------------------------
def check_bounds(users: int, moves: int, timeout: float, max_requests: int | None = None, stagger: float = 0.0) -> None:
    """Refuse a run outside the bounds (ValueError naming the value)."""
    if not STAGGER[0] <= stagger <= STAGGER[1]:
        raise ValueError(f"stagger must be from {STAGGER[0]:g} to {STAGGER[1]:g} s, got {stagger}")
    if not USERS[0] <= users <= USERS[1]:
        raise ValueError(f"users must be from {USERS[0]} to {USERS[1]}, got {users}")
    if not MOVES[0] <= moves <= MOVES[1]:
        raise ValueError(f"moves must be from {MOVES[0]} to {MOVES[1]}, got {moves}")
    if not 0 < timeout <= 3600:
        raise ValueError(f"timeout must be more than 0 and at most 3600 s, got {timeout}")
    if max_requests is not None and max_requests < 1:
        raise ValueError(f"max_requests must be at least 1, got {max_requests}")


class Gate:
    """Every address the load test sends to passes here first: loopback only, and at most ``cap`` requests."""

    SCHEMES = ("http", "ws")

    def __init__(self, cap: int) -> None:
        self.cap = cap
        self.count = 0

    def check(self, url: str) -> str:
        """Return ``url`` if it may be sent (and count it); raise :class:`RefusedAddress` or :class:`RequestCapReached`."""
        parts = urlsplit(url)
        if parts.scheme not in self.SCHEMES or parts.hostname != LOOPBACK or parts.username or parts.password:
            raise RefusedAddress(f"refused, not on {LOOPBACK}: {url[:200]}")
        if self.count >= self.cap:
            raise RequestCapReached(f"request cap of {self.cap} reached")
        self.count += 1
        return url


def percentile(values: Sequence[float], q: float) -> float | None:
    """The ``q``-th percentile (linear interpolation, numpy's default); None for no values."""
    if not values:
        return None
    return float(np.percentile(np.asarray(values, dtype=float), q))


def spread(values: Sequence[float], digits: int = 3) -> dict[str, float | int | None]:
    p50, p95 = percentile(values, 50), percentile(values, 95)
    return {"p50": None if p50 is None else round(p50, digits), "p95": None if p95 is None else round(p95, digits),
            "max": round(max(values), digits) if values else None, "n": len(values)}


def verdict(summary: dict) -> dict[str, dict]:
    """The issue's targets against a summary: measured value, target, and met (False when not measured).

    The widget target holds "once running": it is judged on the moves sent after every resident's
    notebook 06 had finished (the p95 over all moves, some made while others still start, is reported beside it).
    """
    measured = {
        "failures": summary["failures"]["count"],
        "spawn_p95_s": summary["spawn_s"]["p95"],
        "notebook_p95_s": summary["notebook_06_s"]["from_kernel_request"]["p95"],
        "widget_p95_ms": summary["widget_round_trip_ms"]["after_all_notebooks"]["p95"],
        "resident_peak_mb": summary["memory_mb"]["resident_rss"]["max"],
    }
    return {key: {"target": target, "measured": measured[key],
                  "met": measured[key] is not None and measured[key] <= target}
            for key, target in TARGETS.items()}


# One resident's HTTP client ---------------------------------------------------------------------------
@dataclass
class Response:
    status: int
    url: str
    headers: dict[str, str]
    body: bytes

    def json(self):
        return json.loads(self.body)


class Client:
    """One resident's browser-like client: their own cookie jar, every request through the :class:`Gate`."""

    def __init__(self, base: str, gate: Gate) -> None:
        self.base = base
        self.gate = gate
        # The hub's cookies are set for 127.0.0.1, which aiohttp's jar drops unless told (unsafe=True).
        self.session = aiohttp.ClientSession(cookie_jar=aiohttp.CookieJar(unsafe=True), trust_env=False,
                                             timeout=aiohttp.ClientTimeout(total=None, sock_connect=30))
        self.token: str | None = None

    async def close(self) -> None:
        await self.session.close()

    def _headers(self, token: bool, headers: dict | None) -> dict:
        headers = dict(headers or {})
        if token:
            headers["Authorization"] = f"token {self.token}"
        return headers

    async def fetch(self, method: str, path: str, *, token: bool = False, follow: bool = True,
                    headers: dict | None = None, **kwargs) -> Response:
        """A request; redirects are followed here, hop by hop, so that each one is checked and counted."""
        url, headers = urljoin(self.base, path), self._headers(token, headers)
        for _ in range(MAX_REDIRECTS + 1):
            async with self.session.request(method, self.gate.check(url), headers=headers,
                                            allow_redirects=False, **kwargs) as response:
                body = await response.read()
                if not (follow and response.status in (301, 302, 303, 307, 308)):
                    return Response(response.status, url, dict(response.headers), body)
                url = urljoin(url, response.headers["Location"])
                if response.status in (301, 302, 303):
                    method, kwargs = "GET", {}
        raise LoadError(f"more than {MAX_REDIRECTS} redirects from {path}")

    async def events(self, path: str) -> AsyncIterator[dict]:
        """The JSON events of a server-sent event stream (``data: {...}`` lines), with the token."""
        url = self.gate.check(urljoin(self.base, path))
        async with self.session.get(url, headers=self._headers(True, None), allow_redirects=False) as response:
            if response.status != 200:
                raise LoadError(f"GET {path.split('?')[0]}: HTTP {response.status} {(await response.text())[:200]}")
            async for line in response.content:
                if line.startswith(b"data:"):
                    yield json.loads(line[5:])

    async def websocket(self, path: str) -> aiohttp.ClientWebSocketResponse:
        url = self.gate.check(urljoin(self.base.replace("http://", "ws://", 1), path))
        return await self.session.ws_connect(url, headers=self._headers(True, None), max_msg_size=256 * MB,
                                             autoping=True)


# The kernel over its websocket ----------------------------------------------------------------------------
@dataclass
class Pending:
    """What came back for one request: its iopub messages, its reply, its idle."""

    messages: list[dict] = field(default_factory=list)
    reply: dict | None = None
    idle: asyncio.Event = field(default_factory=asyncio.Event)
    wants_reply: bool = True

    def done(self) -> bool:
        return self.idle.is_set() and (self.reply is not None or not self.wants_reply)


class Kernel:
    """A kernel's channels over the server's websocket (the JSON protocol of jupyter_server, no subprotocol)."""

    def __init__(self, ws: aiohttp.ClientWebSocketResponse, username: str) -> None:
        self.ws = ws
        self.session = Session(username=username)
        self.pending: dict[str, Pending] = {}
        self.widgets: dict[str, dict] = {}  # comm_id -> comm_open content (target jupyter.widget)
        self.reader = asyncio.create_task(self._read())
        self.closed: str | None = None

    async def _read(self) -> None:
        try:
            async for frame in self.ws:
                if frame.type == aiohttp.WSMsgType.TEXT:
                    self._handle(json.loads(frame.data))
                elif frame.type == aiohttp.WSMsgType.BINARY:
                    self._handle(deserialize_binary_message(frame.data))
        finally:
            self.closed = f"websocket closed ({self.ws.close_code})"
            for pending in self.pending.values():
                pending.idle.set()

    def _handle(self, msg: dict) -> None:
        msg_type, content = msg["header"]["msg_type"], msg.get("content", {})
        if msg_type == "comm_open" and content.get("target_name") == "jupyter.widget":
            self.widgets[content["comm_id"]] = content
        pending = self.pending.get(msg.get("parent_header", {}).get("msg_id"))
        if pending is None:
            return
        if msg["channel"] == "shell":
            pending.reply = msg
        elif msg["channel"] == "iopub":
            pending.messages.append(msg)
            if msg_type == "status" and content.get("execution_state") == "idle":
                pending.idle.set()

    async def request(self, msg_type: str, content: dict, wants_reply: bool = True) -> Pending:
        """Send a shell message and wait until the kernel is idle for it (and has replied, if it replies)."""
        msg = self.session.msg(msg_type, content)
        msg["channel"] = "shell"
        pending = self.pending[msg["header"]["msg_id"]] = Pending(wants_reply=wants_reply)
        await self.ws.send_str(json.dumps(msg, default=json_default))
        while not pending.done():
            if self.closed:
                raise LoadError(f"{msg_type}: {self.closed}")
            await pending.idle.wait()
            if not pending.done():
                await asyncio.sleep(0.005)  # idle came first; the shell reply is on its way
        if self.closed and not pending.done():
            raise LoadError(f"{msg_type}: {self.closed}")
        del self.pending[msg["header"]["msg_id"]]
        return pending

    async def execute(self, code: str) -> Pending:
        pending = await self.request("execute_request", {"code": code, "silent": False, "store_history": True,
                                                         "user_expressions": {}, "allow_stdin": False,
                                                         "stop_on_error": True})
        errors = [m["content"] for m in pending.messages if m["header"]["msg_type"] == "error"]
        status = pending.reply["content"].get("status")
        if errors or status != "ok":
            error = errors[0] if errors else pending.reply["content"]
            raise LoadError(f"{error.get('ename', status)}: {str(error.get('evalue', ''))[:200]}")
        return pending

    async def close(self) -> None:
        self.reader.cancel()
        await asyncio.gather(self.reader, return_exceptions=True)
        await self.ws.close()


def find_slider(widgets: dict[str, dict]) -> tuple[str, dict, str]:
    """The explorer slider to move (:data:`SLIDER`), its state, and the comm id of its explorer's picture."""
    def state(comm_id: str) -> dict:
        return widgets[comm_id]["data"]["state"]

    sliders = [cid for cid in widgets if state(cid).get("_model_name") == SLIDER["model"]
               and state(cid).get("description") == SLIDER["description"]]
    if not sliders:
        raise LoadError(f"no {SLIDER['model']} described {SLIDER['description']!r} among {len(widgets)} widgets")
    slider = sliders[-1]
    children = {cid: [c.removeprefix("IPY_MODEL_") for c in state(cid).get("children") or []] for cid in widgets}
    parent = {child: cid for cid, kids in children.items() for child in kids}

    def pictures_below(box: str) -> list[str]:
        found, todo = [], [box]
        while todo:
            node = todo.pop(0)
            if node in widgets and state(node).get("_model_name") == PICTURE_MODEL:
                found.append(node)
            todo.extend(children.get(node, []))
        return found

    box = parent.get(slider)
    while box is not None:  # the nearest box around the slider that also holds a picture is its explorer
        pictures = pictures_below(box)
        if pictures:
            return slider, state(slider), pictures[0]
        box = parent.get(box)
    raise LoadError(f"the {SLIDER['description']} slider has no explorer picture next to it")


def slider_values(state: dict, moves: int) -> list[float]:
    """``moves`` different values on the slider's steps, spread over its range, none equal to its current value."""
    low, high, step = float(state["min"]), float(state["max"]), float(state.get("step") or 0.01)
    digits = max(0, -int(np.floor(np.log10(step))) + 1)
    grid = [round(low + i * step, digits) for i in range(int(round((high - low) / step)) + 1)]
    grid = [v for v in grid if low <= v <= high and v != round(float(state["value"]), digits)]
    if len(grid) < moves:
        raise LoadError(f"the slider has only {len(grid)} other values, {moves} moves asked")
    return [grid[int(i)] for i in np.linspace(0, len(grid) - 1, moves).round().astype(int)]


# One resident ---------------------------------------------------------------------------------------------
@dataclass
class Resident:
    name: str
    phase: str = "login"
    started: float = 0.0
    login_s: float | None = None
    spawn_s: float | None = None
    pull_s: float | None = None
    notebook_from_kernel_request_s: float | None = None
    notebook_from_session_start_s: float | None = None
    cells: int = 0
    moves_ms: list[float] = field(default_factory=list)
    failure: str | None = None
    notebook_done_at: float | None = None  # clock readings (time.perf_counter), not written out
    moves_at: list[float] = field(default_factory=list)


@dataclass
class Run:
    """What every resident shares: the hub, the gate, the admin's client, the settings, the course."""

    hub: seminar_hub.RunningHub
    gate: Gate
    settings: seminar_hub.Settings
    moves: int
    admin: Client


async def login(client: Client, name: str, password: str) -> None:
    page = await client.fetch("GET", "/hub/login")
    found = re.search(rb'name="_xsrf"\s+value="([^"]+)"', page.body)
    if page.status != 200 or not found:
        raise LoadError(f"GET /hub/login: HTTP {page.status}, {'no' if not found else 'an'} _xsrf field")
    answer = await client.fetch("POST", "/hub/login", follow=False,
                                data={"username": name, "password": password, "_xsrf": found.group(1).decode()})
    cookies = {cookie.key for cookie in client.session.cookie_jar}
    if answer.status != 302 or "jupyterhub-hub-login" not in cookies:
        raise LoadError(f"POST /hub/login: HTTP {answer.status}, cookies {sorted(cookies)}")


async def resident_token(run: Run, name: str) -> str:
    """An API token for ``name``, made with the admin token, good for that resident's server only."""
    answer = await run.admin.fetch("POST", f"/hub/api/users/{name}/tokens", token=True,
                                   json={"scopes": [f"servers!user={name}", f"access:servers!user={name}"],
                                         "expires_in": 3600, "note": "hub-load benchmark"})
    if answer.status != 201:
        raise LoadError(f"token for {name}: HTTP {answer.status} {answer.body[:200]!r}")
    return answer.json()["token"]


async def spawn(client: Client, name: str) -> None:
    answer = await client.fetch("POST", f"/hub/api/users/{name}/server", token=True)
    if answer.status == 201 or (answer.status == 400 and b"already running" in answer.body):  # pre-warmed
        return
    if answer.status != 202:
        raise LoadError(f"POST /hub/api/users/{name}/server: HTTP {answer.status} {answer.body[:200]!r}")
    async for event in client.events(f"/hub/api/users/{name}/server/progress"):
        if event.get("failed"):
            raise LoadError(f"the hub reports the spawn failed: {event.get('message', '')[:200]}")
        if event.get("ready"):
            return
    raise LoadError("the hub's progress stream ended before the server was ready")


async def pull(client: Client, run: Run, name: str) -> None:
    """Open the course link as a browser does, then run the pull its page starts (nbgitpuller's event stream)."""
    page = await client.fetch("GET", run.hub.pull_link)
    if page.status != 200 or urlsplit(page.url).path != f"/user/{name}/git-pull":
        raise LoadError(f"the course link ended at {urlsplit(page.url).path} with HTTP {page.status}")
    query = dict(parse_qsl(urlsplit(run.hub.pull_link).query))
    api = urlencode({key: query[key] for key in ("repo", "branch", "targetpath")})
    last = {}
    async for last in client.events(f"/user/{name}/git-pull/api?{api}"):
        if last.get("phase") in ("finished", "error"):
            break
    if last.get("phase") != "finished":
        raise LoadError(f"nbgitpuller: {last.get('phase', 'no event')}: {str(last.get('message', ''))[:200]}")


async def run_notebook(client: Client, run: Run, resident: Resident) -> Kernel:
    """Start a kernel for the resident's copy of notebook 06 and run every code cell; returns the kernel."""
    name, folder = resident.name, run.settings.folder
    copy = run.hub.homes / name / folder / NOTEBOOK
    cells = [cell.source for cell in nbformat.read(copy, as_version=4).cells if cell.cell_type == "code"]
    asked = time.perf_counter()
    answer = await client.fetch("POST", f"/user/{name}/api/sessions", token=True,
                                json={"path": f"{folder}/{NOTEBOOK}", "name": Path(NOTEBOOK).name, "type": "notebook",
                                      "kernel": {"name": "python3"}})
    if answer.status != 201:
        raise LoadError(f"POST /user/{name}/api/sessions: HTTP {answer.status} {answer.body[:200]!r}")
    kernel_id = answer.json()["kernel"]["id"]
    kernel = Kernel(await client.websocket(f"/user/{name}/api/kernels/{kernel_id}/channels"), name)
    try:
        await kernel.request("kernel_info_request", {})
        for number, source in enumerate(cells, 1):
            try:
                await kernel.execute(source)
            except LoadError as error:
                raise LoadError(f"code cell {number} of {len(cells)}: {error}") from None
            resident.cells = number
    except BaseException:
        await kernel.close()
        raise
    done = time.perf_counter()
    resident.notebook_from_kernel_request_s = done - asked
    resident.notebook_from_session_start_s = done - resident.started
    resident.notebook_done_at = done
    # Not timed: the kernel must have worked in the copy's notebooks/ folder (the session's path).
    answer = await kernel.request("execute_request", {"code": "", "silent": True, "store_history": False,
                                                      "user_expressions": {"cwd": "__import__('os').getcwd()"},
                                                      "allow_stdin": False, "stop_on_error": True})
    cwd = answer.reply["content"]["user_expressions"]["cwd"].get("data", {}).get("text/plain", "").strip("'\"")
    if Path(cwd).resolve() != copy.parent.resolve():
        await kernel.close()
        raise LoadError(f"the kernel worked in {cwd}, not in the copy's {copy.parent}")
    return kernel


async def move_explorer(kernel: Kernel, resident: Resident, moves: int) -> None:
    slider, state, picture = find_slider(kernel.widgets)
    for number, value in enumerate(slider_values(state, moves), 1):
        sent = time.perf_counter()
        pending = await kernel.request("comm_msg", {"comm_id": slider, "data": {
            "method": "update", "state": {"value": value}, "buffer_paths": []}}, wants_reply=False)
        elapsed_ms = (time.perf_counter() - sent) * 1000
        errors = [m["content"] for m in pending.messages if m["header"]["msg_type"] == "error"]
        if errors:
            raise LoadError(f"move {number} to {value}: {errors[0].get('ename')}: {errors[0].get('evalue', '')[:200]}")
        pictures = [m for m in pending.messages if m["header"]["msg_type"] == "comm_msg"
                    and m["content"].get("comm_id") == picture and m["content"]["data"].get("method") == "update"
                    and ["value"] in m["content"]["data"].get("buffer_paths", []) and any(len(b) for b in m.get("buffers", []))]
        if not pictures:
            raise LoadError(f"move {number} to {value}: no new picture from the explorer")
        resident.moves_ms.append(elapsed_ms)
        resident.moves_at.append(sent)


async def one_resident(run: Run, resident: Resident) -> None:
    """Drive one resident through the five phases; a failure is recorded, never raised (cancellation is)."""
    client = Client(run.hub.url, run.gate)
    kernel = None
    resident.started = time.perf_counter()
    limit = 0.0

    def phase(name: str, seconds: float | None = None):
        nonlocal limit
        resident.phase, limit = name, seconds or PHASE_TIMEOUTS[name]
        return asyncio.timeout(limit)

    try:
        async with phase("login"):
            await login(client, resident.name, run.hub.password)
        resident.login_s = time.perf_counter() - resident.started
        async with phase("token"):
            client.token = await resident_token(run, resident.name)
        async with phase("spawn", run.settings.start_timeout + PHASE_TIMEOUTS["spawn"]):
            asked = time.perf_counter()
            await spawn(client, resident.name)
            resident.spawn_s = time.perf_counter() - asked
        async with phase("pull"):
            asked = time.perf_counter()
            await pull(client, run, resident.name)
            resident.pull_s = time.perf_counter() - asked
        async with phase("notebook"):
            kernel = await run_notebook(client, run, resident)
        async with phase("widget", PHASE_TIMEOUTS["widget"] + run.moves * 5.0):
            await move_explorer(kernel, resident, run.moves)
        resident.phase = "done"
    except TimeoutError as error:
        if isinstance(error, aiohttp.ClientError):  # aiohttp's own connect or read timeout
            resident.failure = f"{type(error).__name__}: {error}"
        else:
            resident.failure = f"timed out (this phase may take {limit:g} s)"
    except Exception as error:  # noqa: BLE001 (any error is this resident's failure, named in the report)
        resident.failure = f"{type(error).__name__}: {error}"
    finally:
        if kernel is not None:
            await kernel.close()
        await client.close()


# Memory ----------------------------------------------------------------------------------------------------
class MemorySampler(threading.Thread):
    """Every ``interval`` seconds: the memory and CPU time of each resident's processes and of the hub's own
    (peaks kept), and how busy the machine's cores are."""

    MEASURES = ("rss", "pss", "uss")

    def __init__(self, hub: seminar_hub.RunningHub, names: Sequence[str], interval: float = SAMPLE_INTERVAL_S):
        super().__init__(name="hub-load memory", daemon=True)
        self.hub, self.names, self.interval = hub, set(names), interval
        self.peaks: dict[str, dict[str, float]] = {measure: {} for measure in (*self.MEASURES, "cpu_s")}
        self.busy: list[float] = []  # percent of all cores busy, per sample
        self.samples = 0
        self.seconds = 0.0  # from the first sample to the last
        self.stopping = threading.Event()
        self._owner: dict[tuple[int, float], str | None] = {}  # (pid, create time) -> resident name or None

    def owner(self, process: psutil.Process) -> str | None:
        key = (process.pid, process.create_time())
        if key not in self._owner:
            user = process.environ().get("JUPYTERHUB_USER")
            self._owner[key] = user if user in self.names else None
        return self._owner[key]

    def sample(self) -> None:
        totals: dict[str, dict[str, float]] = {measure: {} for measure in self.peaks}
        for process in self.hub.processes():
            if process.pid == os.getpid():
                continue
            try:
                group = self.owner(process) or "hub"
                info, cpu = process.memory_full_info(), process.cpu_times()
            except psutil.Error:
                continue
            values = {"rss": info.rss, "pss": info.pss, "uss": info.uss,
                      "cpu_s": cpu.user + cpu.system + cpu.children_user + cpu.children_system}
            for measure, value in values.items():
                totals[measure][group] = totals[measure].get(group, 0) + value
        for measure, groups in totals.items():
            for group, value in groups.items():
                self.peaks[measure][group] = max(self.peaks[measure].get(group, 0), value)
        self.busy.append(psutil.cpu_percent(interval=None))
        self.samples += 1

    def run(self) -> None:
        psutil.cpu_percent(interval=None)  # the first call only starts the count
        began = time.perf_counter()
        while not self.stopping.wait(self.interval):
            self.sample()
            self.seconds = time.perf_counter() - began

    def stop(self) -> None:
        self.stopping.set()
        self.join(timeout=10)


# The run ---------------------------------------------------------------------------------------------------
def versions() -> dict[str, str]:
    package = seminar_hub.HUB_DIR / "node_modules" / "configurable-http-proxy" / "package.json"
    proxy = json.loads(package.read_text())["version"] if package.exists() else None
    return {"jupyterhub": version("jupyterhub"), "configurable-http-proxy": proxy, "nbgitpuller": version("nbgitpuller"),
            "jupyter_server": version("jupyter_server"), "ipywidgets": version("ipywidgets"),
            "python": platform.python_version()}


def resident_record(resident: Resident) -> dict:
    """One resident's figures for the JSON (seconds to 3 decimals, moves in ms to 1)."""
    record = asdict(resident)
    for key in ("started", "notebook_done_at", "moves_at"):  # clock readings, meaningless outside the run
        del record[key]
    for key, value in record.items():
        if key.endswith("_s") and value is not None:
            record[key] = round(value, 3)
    record["moves_ms"] = [round(m, 1) for m in resident.moves_ms]
    return record


def summarize(residents: list[Resident], sampler: MemorySampler | None, moves: int, gate: Gate,
              wall_s: float, hub_start_s: float | None) -> dict:
    names = [r.name for r in residents]
    peaks = sampler.peaks if sampler else {measure: {} for measure in (*MemorySampler.MEASURES, "cpu_s")}

    def per_resident(measure: str, scale: float = MB) -> list[float]:
        return [peaks[measure][n] / scale for n in names if n in peaks[measure]]

    def hub_side(measure: str) -> float | None:
        return round(peaks[measure]["hub"] / MB, 1) if "hub" in peaks[measure] else None

    # "Once running": moves sent after every resident's notebook 06 had finished (no notebook still running).
    finished = [r.notebook_done_at for r in residents if r.notebook_done_at is not None]
    all_running = max(finished) if len(finished) == len(residents) else None
    moves_after = [m for r in residents for m, at in zip(r.moves_ms, r.moves_at)
                   if all_running is not None and at >= all_running]
    busy = sampler.busy if sampler else []
    failures = [f"{r.name}, {r.phase}: {r.failure}" for r in residents if r.failure]
    moves_ms = [m for r in residents for m in r.moves_ms]
    summary = {
        "users": len(residents), "moves": moves, "cores": os.cpu_count(),
        "memory_total_mb": round(psutil.virtual_memory().total / MB), "versions": versions(),
        "date": datetime.datetime.now(datetime.timezone.utc).isoformat(timespec="seconds"),
        "hub_start_s": None if hub_start_s is None else round(hub_start_s, 2),
        "login_s": spread([r.login_s for r in residents if r.login_s is not None]),
        "spawn_s": spread([r.spawn_s for r in residents if r.spawn_s is not None]),
        "pull_s": spread([r.pull_s for r in residents if r.pull_s is not None]),
        "notebook_06_s": {
            "definition": "from_kernel_request: POST of the kernel session until the last code cell's idle; "
                          "from_session_start: the resident's first request (login page) until the same idle",
            "from_kernel_request": spread([r.notebook_from_kernel_request_s for r in residents
                                           if r.notebook_from_kernel_request_s is not None]),
            "from_session_start": spread([r.notebook_from_session_start_s for r in residents
                                          if r.notebook_from_session_start_s is not None]),
        },
        "widget_round_trip_ms": {**spread(moves_ms, 1), "explorer": "survival scenario (notebook 06, explorer 3)",
                                 "slider": {"_model_name": SLIDER["model"], "description": SLIDER["description"]},
                                 "definition": "comm_msg update sent until the kernel's idle for it, with a new picture; "
                                               "each resident moves right after their own notebook 06 finished",
                                 "after_all_notebooks": spread(moves_after, 1)},
        "memory_mb": {
            "resident_rss": spread(per_resident("rss"), 1), "resident_pss": spread(per_resident("pss"), 1),
            "resident_uss": spread(per_resident("uss"), 1),
            "hub_proxy_culler_rss": hub_side("rss"), "hub_proxy_culler_pss": hub_side("pss"),
            "hub_proxy_culler_uss": hub_side("uss"),
            "definition": "peak over the run of the sum over a resident's processes (server, kernels, git); "
                          "p95 and max are across residents. hub_proxy_culler: the hub, the proxy and the culler "
                          "together. RSS counts shared pages in every process, PSS splits them between the "
                          "processes sharing them, USS counts only a process's own pages",
            "samples": sampler.samples if sampler else 0, "interval_s": SAMPLE_INTERVAL_S,
            # On a saturated machine the sampler's thread gets its turn less often than asked.
            "mean_interval_s": round(sampler.seconds / sampler.samples, 3) if sampler and sampler.samples else None,
        },
        "cpu": {
            "resident_cpu_s": spread(per_resident("cpu_s", 1.0), 2),
            "hub_proxy_culler_cpu_s": round(peaks["cpu_s"]["hub"], 2) if "hub" in peaks["cpu_s"] else None,
            "machine_busy_percent": {"mean": round(float(np.mean(busy)), 1) if busy else None,
                                     "samples_over_95_percent": round(100 * float(np.mean(np.array(busy) > 95)), 1)
                                     if busy else None},
            "definition": "CPU seconds (user + system, with waited-for children) of a resident's processes at the end; "
                          "machine_busy_percent: all cores, sampled every interval_s",
        },
        "failures": {"count": len(failures), "lines": failures},
        "requests": {"sent": gate.count, "cap": gate.cap},
        "wall_s": round(wall_s, 2),
        "residents": [resident_record(r) for r in residents],
    }
    summary["targets"] = verdict(summary)
    return summary


async def prewarm(run: Run, names: list[str]) -> None:
    """What a tutor does before the seminar: the admin starts every resident's server (all at once)."""
    answer = await run.admin.fetch("POST", "/hub/api/users", token=True, json={"usernames": names})
    if answer.status not in (201, 409):
        raise LoadError(f"creating the residents: HTTP {answer.status} {answer.body[:200]!r}")
    await asyncio.gather(*(spawn(run.admin, name) for name in names))


async def drive(run: Run, residents: list[Resident], deadline_s: float, stagger: float = 0.0) -> None:
    """All residents at once, or one every ``stagger`` seconds; at the deadline (or on cancellation) every
    unfinished one is cancelled and marked."""

    async def start(number: int, resident: Resident) -> None:
        await asyncio.sleep(number * stagger)
        await one_resident(run, resident)

    tasks = [asyncio.create_task(start(number, resident), name=resident.name) for number, resident in enumerate(residents)]
    try:
        async with asyncio.timeout(deadline_s):
            await asyncio.gather(*tasks)
    except TimeoutError:
        pass
    finally:
        for task in tasks:
            task.cancel()
        await asyncio.gather(*tasks, return_exceptions=True)
        for resident in residents:
            if resident.phase != "done" and not resident.failure:
                resident.failure = f"stopped at the overall deadline ({deadline_s:.0f} s after the hub was up)"


async def run(users: int = 20, moves: int = 20, timeout: float = DEFAULT_TIMEOUT_S, max_requests: int | None = None,
              out: Path | None = OUT, log=print, stagger: float = 0.0, prewarmed: bool = False,
              hub_log: Path | None = None) -> dict:
    """The load test as one call: start the hub, drive ``users`` residents at once, stop the hub; return the summary.

    ``stagger``: seconds between one resident's start and the next (0: all at once). ``prewarmed``: the
    admin starts every resident's server first (not timed as the residents' spawn; its time is reported).

    Writes the summary to ``out`` (unless None). Raises ValueError for a run outside the bounds and
    :class:`delivery.hub.HubError` if the hub cannot start.
    """
    check_bounds(users, moves, timeout, max_requests, stagger)
    settings = seminar_hub.load_settings()
    gate = Gate(max_requests or users * REQUESTS_PER_RESIDENT + 10)
    residents = [Resident(f"resident{number:03d}") for number in range(1, users + 1)]
    began = time.perf_counter()
    log(f"hub-load: starting the hub for {users} resident{'s' * (users > 1)}, {moves} moves each ...")
    sampler = None
    with seminar_hub.running_hub(settings, log_file=hub_log) as hub:
        hub_start_s = time.perf_counter() - began
        admin = Client(hub.url, gate)
        admin.token = hub.admin_token
        sampler = MemorySampler(hub, [r.name for r in residents])
        sampler.start()
        try:
            shared = Run(hub, gate, settings, moves, admin)
            prewarm_s = None
            if prewarmed:
                log(f"hub-load: the admin starts {users} servers first ...")
                asked = time.perf_counter()
                async with asyncio.timeout(timeout - hub_start_s):
                    await prewarm(shared, [r.name for r in residents])
                prewarm_s = round(time.perf_counter() - asked, 2)
            await drive(shared, residents, timeout - (time.perf_counter() - began), stagger)
        finally:
            sampler.stop()
            await admin.close()
        wall_s = time.perf_counter() - began - hub_start_s
    summary = summarize(residents, sampler, moves, gate, wall_s, hub_start_s)
    summary["start"] = {"stagger_s": stagger, "prewarmed": prewarmed, "prewarm_s": prewarm_s,
                        "definition": "stagger_s: seconds between one resident's start and the next (0: all at once); "
                                      "prewarmed: the admin started every server before the residents signed in "
                                      "(prewarm_s, not part of their spawn times)"}
    if out is not None:
        out.parent.mkdir(parents=True, exist_ok=True)
        out.write_text(json.dumps(summary, indent=2) + "\n", encoding="utf-8")
    return summary


# Sizing ----------------------------------------------------------------------------------------------------
#: The Littlest JupyterHub's resource-estimation method ("Estimate Memory / CPU / Disk needed",
#: https://tljh.jupyter.org/en/latest/howto/admin/resource-estimation.html, checked 2026-12-07):
#: memory = concurrent users x the most one user uses (the measured peak plus 20-40 % headroom) + the
#: hub's overhead; CPU = concurrent users x the CPU one user uses + 20 % of a core; disk = users x the
#: most one user stores + 2 GB.
HEADROOM = 0.30
CPU_OVERHEAD_CORES = 0.2
#: A class that starts together meets the targets when each resident's start CPU is spent within the
#: time the targets allow: spawn 10 s + notebook 06 30 s.
START_WINDOW_S = TARGETS["spawn_p95_s"] + TARGETS["notebook_p95_s"]
DISK_BASE_GB = 2.0
DISK_PER_RESIDENT_GB = 0.05  # a 13 MB copy of the course, with room for the resident's own files
SIZING_CLASSES = (20, 40, 80)
#: Measured: 2 cores admitted one new resident every 5 s with every time target met (the staggered run).
STAGGER_ON_TWO_CORES_S = 5.0


def sizing(summary: dict, allowance_mb: float, classes: Sequence[int] = SIZING_CLASSES) -> list[dict]:
    """Memory (GiB), cores, admission time and disk (GB) for each class size, from a run (TLJH's method).

    ``memory_gib``: TLJH's method with the memory each resident is allowed (``allowance_mb``, the
    ``[limits] memory`` of the settings) + the measured hub + proxy + culler (in place of TLJH's
    128 MB): the server never runs out even if every resident uses their allowance.
    ``memory_measured_gib``: the same with the largest measured RSS of one resident plus
    :data:`HEADROOM` (one notebook open each; shared libraries counted in full): enough while
    residents keep to about one notebook at a time. ``cores_together``: the p95 of the CPU seconds
    one resident's start costs, for every resident, spread over :data:`START_WINDOW_S`, + 20 % of a
    core. ``admit_on_two_cores_s``: the time to let everyone in at the measured pace of 2 cores.
    """
    per_resident_mb = summary["memory_mb"]["resident_rss"]["max"] * (1 + HEADROOM)
    hub_mb = summary["memory_mb"]["hub_proxy_culler_rss"]
    cpu_s = summary["cpu"]["resident_cpu_s"]["p95"]
    return [{"residents": n,
             "memory_gib": round((n * allowance_mb + hub_mb) / 1024, 1),
             "memory_measured_gib": round((n * per_resident_mb + hub_mb) / 1024, 1),
             "cores_together": math.ceil(n * cpu_s / START_WINDOW_S + CPU_OVERHEAD_CORES),
             "admit_on_two_cores_s": round(n * STAGGER_ON_TWO_CORES_S),
             "disk_gb": math.ceil(DISK_BASE_GB + n * DISK_PER_RESIDENT_GB)} for n in classes]


def table(summary: dict) -> str:
    def cell(value, unit=""):
        return "-" if value is None else f"{value:g}{unit}"

    targets = summary["targets"]

    def mark(key):
        return "met" if targets[key]["met"] else "NOT met"

    memory = summary["memory_mb"]
    rows = [
        ("spawn (s)", summary["spawn_s"], f"p95 <= {TARGETS['spawn_p95_s']:g} s: {mark('spawn_p95_s')}"),
        ("notebook 06 from kernel request (s)", summary["notebook_06_s"]["from_kernel_request"],
         f"p95 <= {TARGETS['notebook_p95_s']:g} s: {mark('notebook_p95_s')}"),
        ("notebook 06 from session start (s)", summary["notebook_06_s"]["from_session_start"], ""),
        ("widget round trip (ms)", summary["widget_round_trip_ms"],
         f"p95 <= {TARGETS['widget_p95_ms']:g} ms: {mark('widget_p95_ms')}"),
        ("  once every notebook had finished", summary["widget_round_trip_ms"]["after_all_notebooks"], ""),
        ("peak per resident, RSS (MB)", memory["resident_rss"],
         f"max <= {TARGETS['resident_peak_mb']:g} MB: {mark('resident_peak_mb')}"),
        ("peak per resident, PSS (MB)", memory["resident_pss"], ""),
        ("peak per resident, USS (MB)", memory["resident_uss"], ""),
        ("CPU time per resident (s)", summary["cpu"]["resident_cpu_s"], ""),
    ]
    lines = [f"{summary['users']} resident{'s' * (summary['users'] > 1)}, {summary['moves']} moves, {summary['cores']} cores, "
             f"{summary['memory_total_mb']} MB; JupyterHub {summary['versions']['jupyterhub']}, "
             f"configurable-http-proxy {summary['versions']['configurable-http-proxy']}",
             f"{'measure':38} {'p50':>8} {'p95':>8} {'max':>8}  target"]
    lines += [f"{name:38} {cell(s['p50']):>8} {cell(s['p95']):>8} {cell(s['max']):>8}  {target}" for name, s, target in rows]
    start = summary.get("start", {})
    lines.append("start: " + ("all at once" if not start.get("stagger_s") else f"one resident every {start['stagger_s']:g} s")
                 + (f"; servers pre-warmed by the admin in {start['prewarm_s']:g} s" if start.get("prewarmed") else ""))
    lines.append(f"widget: {summary['widget_round_trip_ms']['explorer']}, {SLIDER['model']} {SLIDER['description']!r}")
    lines.append(f"hub + proxy + culler peak: RSS {cell(memory['hub_proxy_culler_rss'])} MB, "
                 f"PSS {cell(memory['hub_proxy_culler_pss'])} MB")
    busy = summary["cpu"]["machine_busy_percent"]
    lines.append(f"cores busy: {cell(busy['mean'])} % on average, over 95 % in {cell(busy['samples_over_95_percent'])} % "
                 f"of samples (one every {cell(memory['mean_interval_s'])} s); hub + proxy + culler CPU "
                 f"{cell(summary['cpu']['hub_proxy_culler_cpu_s'])} s")
    lines.append(f"failures: {summary['failures']['count']} ({mark('failures')}); requests {summary['requests']['sent']}"
                 f" of {summary['requests']['cap']}; wall {summary['wall_s']:g} s (hub start {summary['hub_start_s']} s)")
    lines += [f"  {line}" for line in summary["failures"]["lines"]]
    if summary.get("cpu", {}).get("resident_cpu_s", {}).get("p95") is not None:
        allowance = seminar_hub.load_settings().memory_bytes / MB
        lines.append("sizing (TLJH's method, from this run): "
                     + "; ".join(f"{row['residents']} residents {row['memory_gib']:g} GiB at the limit "
                                 f"({row['memory_measured_gib']:g} at measured use), {row['cores_together']} cores "
                                 f"starting together, {row['disk_gb']} GB disk" for row in sizing(summary, allowance)))
    return "\n".join(lines)


def main(argv: Sequence[str]) -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--users", type=int, default=20, help=f"residents at once ({USERS[0]}-{USERS[1]}, default 20)")
    parser.add_argument("--moves", type=int, default=20, help=f"explorer moves per resident ({MOVES[0]}-{MOVES[1]}, default 20)")
    parser.add_argument("--timeout", type=float, default=DEFAULT_TIMEOUT_S, help="overall deadline in seconds (default 900)")
    parser.add_argument("--max-requests", type=int, default=None,
                        help=f"cap on HTTP requests (default {REQUESTS_PER_RESIDENT} per resident + 10)")
    parser.add_argument("--stagger", type=float, default=0.0,
                        help=f"seconds between one resident's start and the next ({STAGGER[0]:g}-{STAGGER[1]:g}, default 0: all at once)")
    parser.add_argument("--prewarm", action="store_true", help="the admin starts every server before the residents sign in")
    parser.add_argument("--hub-log", type=Path, default=None,
                        help="keep the hub's log (the hub, the proxy and every resident's server) in this file")
    parser.add_argument("--out", type=Path, default=OUT, help="where the JSON goes (default build/hub-load.json)")
    args = parser.parse_args(argv)
    try:
        check_bounds(args.users, args.moves, args.timeout, args.max_requests, args.stagger)
    except ValueError as error:
        parser.error(str(error))

    async def main_task() -> dict:
        # SIGTERM like Ctrl+C: cancel the run, so that the residents stop first and then the hub.
        asyncio.get_running_loop().add_signal_handler(signal.SIGTERM, asyncio.current_task().cancel)
        return await run(args.users, args.moves, args.timeout, args.max_requests, args.out,
                         stagger=args.stagger, prewarmed=args.prewarm, hub_log=args.hub_log)

    try:
        summary = asyncio.run(main_task())
    except (KeyboardInterrupt, asyncio.CancelledError):
        print("hub-load: interrupted; the hub and everything it started are stopped.", file=sys.stderr)
        return 130
    except (seminar_hub.HubError, LoadError) as error:  # a hub that cannot start, or a failed pre-warm
        print(f"hub-load: {error}", file=sys.stderr)
        return 2
    print(table(summary))
    print(f"wrote {args.out}")
    return 1 if summary["failures"]["count"] else 0


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
