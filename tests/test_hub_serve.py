"""``make hub`` as a tutor runs it: ``python -m delivery.hub serve``, its printed banner, and Ctrl+C.

One serve process (JupyterHub's shared-password sign-in, configurable-http-proxy, the idle culler)
runs for the whole module on a free port with a temporary homes folder. The tests read what it
prints and check that each printed value works: the address is loopback on the asked port, the
admin token opens the REST API, the admin's password (and only it) signs the admin in through
the login form, the course link is the nbgitpuller link of this checkout. The last test starts one
resident's server, sends SIGINT as Ctrl+C does, and checks that the command exits 0 and that no
process of the run is alive and none of its ports answers; no password or token may appear on
any of the run's command lines.
"""

from __future__ import annotations

import os
import re
import signal
import subprocess
import sys
import threading
import time
import uuid
from collections.abc import Iterator
from dataclasses import dataclass, field, replace
from pathlib import Path

import psutil
import pytest
import requests

from delivery import hub as seminar_hub
from delivery.processes import (LOOPBACK, MARK_VARIABLE, command_line, describe, free_port, has_mark, is_alive,
                                 listening_ports, port_answers)

BANNER_TIMEOUT_S = 60.0
STOP_TIMEOUT_S = 30.0
READY_LINE = "Stop with Ctrl+C"
RESIDENT = "carol"
LOGIN_COOKIE = "jupyterhub-hub-login"
BANNER = {
    "url": r"Open:\s+(\S+)/hub/login",
    "password": r"Residents:\s+any user name, password (\S+)",
    "admin": r"Admin:\s+(\S+), password \S+",
    "admin_password": r"Admin:\s+\S+, password (\S+)",
    "course_link": r"Course link \(give it to residents\): (\S+)",
    "admin_token": r"Admin API token \(shown once\): (\S+)",
}


@dataclass
class Served:
    """The running ``serve`` command: its process, what it printed, and the values parsed from it."""

    process: subprocess.Popen
    port: int
    mark: str  # in the serve command's environment, so every process of the run carries it
    lines: list[str]
    reader: threading.Thread
    stderr_file: Path
    values: dict[str, str] = field(default_factory=dict)

    def output(self) -> str:
        return "".join(self.lines) + f"\n(stderr)\n{self.stderr_file.read_text(errors='replace')[-4000:]}"

    def api(self, method: str, path: str, **kwargs) -> requests.Response:
        return seminar_hub.hub_api(self.values["url"], self.values["admin_token"], method, path, **kwargs)

    def processes(self) -> list[psutil.Process]:
        """The run's live processes: everything below the serve command, and whatever carries its mark."""
        try:
            found = {p.pid: p for p in psutil.Process(self.process.pid).children(recursive=True)}
        except psutil.Error:
            found = {}
        found.update((p.pid, p) for p in psutil.process_iter() if p.pid not in found and has_mark(p, self.mark))
        found.pop(os.getpid(), None)
        return [p for p in found.values() if is_alive(p)]


@pytest.fixture(scope="module")
def served(hub_proxy: str, tmp_path_factory: pytest.TempPathFactory) -> Iterator[Served]:
    """``python -m delivery.hub serve --port P --homes TMP``, read until it says how to stop it."""
    folder = tmp_path_factory.mktemp("hub-serve")
    port, mark = free_port(), uuid.uuid4().hex
    env = dict(os.environ)
    env[MARK_VARIABLE] = os.pathsep.join([m for m in env.get(MARK_VARIABLE, "").split(os.pathsep) if m] + [mark])
    stderr_file = folder / "stderr.txt"
    with open(stderr_file, "wb") as stderr:
        process = subprocess.Popen([sys.executable, "-m", "delivery.hub", "serve", "--port", str(port),
                                    "--homes", str(folder / "homes")],
                                   cwd=seminar_hub.PROJECT_ROOT, env=env, stdin=subprocess.DEVNULL,
                                   stdout=subprocess.PIPE, stderr=stderr, text=True, start_new_session=True)
    lines: list[str] = []
    ready = threading.Event()

    def read() -> None:
        for line in process.stdout:
            lines.append(line)
            if READY_LINE in line:
                ready.set()
        ready.set()  # end of output: the command exited

    reader = threading.Thread(target=read, daemon=True)
    reader.start()
    run = Served(process=process, port=port, mark=mark, lines=lines, reader=reader, stderr_file=stderr_file)
    try:
        ready.wait(BANNER_TIMEOUT_S)
        text = "".join(lines)
        if READY_LINE not in text:
            pytest.fail(f"`serve` printed no {READY_LINE!r} line within {BANNER_TIMEOUT_S:.0f} s "
                        f"(exit code {process.poll()}):\n{run.output()}", pytrace=False)
        for key, pattern in BANNER.items():
            match = re.search(pattern, text)
            assert match, f"the banner has no {key} ({pattern}):\n{text}"
            run.values[key] = match.group(1)
        yield run
    finally:
        _stop(run)


def _stop(run: Served) -> None:
    """After the tests (or a failure): Ctrl+C if still running, then end by id whatever of the run is left."""
    left = run.processes()
    if run.process.poll() is None:
        run.process.send_signal(signal.SIGINT)
        try:
            run.process.wait(STOP_TIMEOUT_S)
        except subprocess.TimeoutExpired:
            run.process.kill()
            run.process.wait()
    for process in left:
        try:
            process.terminate()
        except psutil.Error:
            pass
    psutil.wait_procs(left, timeout=5)
    run.reader.join(5)
    run.process.stdout.close()


def login(url: str, name: str, password: str) -> tuple[int, bool]:
    """Sign in through the hub's login form as a browser does (the form's _xsrf value and cookie).

    Returns the answer's status and whether the hub set its login cookie.
    """
    session = requests.Session()
    session.trust_env = False
    form = session.get(f"{url}/hub/login", timeout=30)
    form.raise_for_status()
    xsrf = re.search(r'name="_xsrf" value="([^"]+)"', form.text)
    assert xsrf, f"no _xsrf field in the login form:\n{form.text[:2000]}"
    answer = session.post(f"{url}/hub/login", data={"_xsrf": xsrf.group(1), "username": name, "password": password},
                          allow_redirects=False, timeout=30)
    return answer.status_code, LOGIN_COOKIE in session.cookies


def test_the_banner_gives_a_loopback_address_on_the_port_and_this_checkouts_course_link(served: Served) -> None:
    values = served.values
    assert values["url"] == f"http://{LOOPBACK}:{served.port}"
    settings = seminar_hub.load_settings()
    assert values["admin"] == settings.admin
    course = replace(settings, branch=seminar_hub.checkout_branch())
    expected = seminar_hub.pull_link(course, seminar_hub.checkout_repository(), base=values["url"])
    assert values["course_link"] == expected
    assert "repo=file:///" in expected and "git-pull?" in expected
    assert len(values["password"]) >= 12 and len(values["admin_password"]) >= 32 and len(values["admin_token"]) >= 32
    assert len({values["password"], values["admin_password"], values["admin_token"]}) == 3


def test_the_admin_token_opens_the_api_and_only_the_admins_password_signs_the_admin_in(served: Served) -> None:
    values = served.values
    users = served.api("GET", "users")
    assert users.status_code == 200, f"GET /hub/api/users with the printed token: {users.status_code} {users.text[:300]}"
    assert values["admin"] in {user["name"] for user in users.json()}
    wrong_token = requests.Session()
    wrong_token.trust_env = False
    refused = wrong_token.get(f"{values['url']}/hub/api/users", headers={"Authorization": "token not-the-token"},
                              timeout=30)
    assert refused.status_code == 403, f"a wrong token got {refused.status_code}"

    assert login(values["url"], values["admin"], values["admin_password"]) == (302, True), "the admin's password"
    for password in (values["admin_password"] + "x", values["password"]):  # a wrong one; the residents' one
        status, signed_in = login(values["url"], values["admin"], password)
        assert status != 302 and not signed_in, f"the admin signed in with a wrong password ({status})"
    assert login(values["url"], RESIDENT, values["password"]) == (302, True), "the residents' password"


def test_ctrl_c_stops_everything_and_no_secret_is_on_a_command_line(served: Served) -> None:
    """Last in this module: with one resident's server running, SIGINT ends the command and its whole run."""
    assert served.api("POST", f"users/{RESIDENT}").status_code in (201, 409)  # 409: made by the sign-in test
    started = served.api("POST", f"users/{RESIDENT}/server")
    assert started.status_code in (201, 202), f"starting {RESIDENT}'s server: {started.status_code} {started.text[:300]}"
    deadline = time.monotonic() + seminar_hub.load_settings().start_timeout
    while not served.api("GET", f"users/{RESIDENT}").json()["servers"].get("", {}).get("ready"):
        assert time.monotonic() < deadline, f"{RESIDENT}'s server did not become ready:\n{served.output()}"
        time.sleep(0.3)

    processes = served.processes()
    commands = {p.pid: command_line(p) for p in processes}
    joined = " ".join(commands.values())
    for part in ("jupyterhub", "configurable-http-proxy", "jupyterhub-singleuser", "jupyterhub_idle_culler"):
        assert part in joined, f"expected a {part} process in the run, found: {joined}"
    ports = sorted({port for process in processes for port in listening_ports(process)})
    assert served.port in ports and len(ports) >= 4, f"expected the proxy's two ports, the hub's and the server's: {ports}"
    for key in ("password", "admin_password", "admin_token"):
        secret = served.values[key]
        shown = [pid for pid, command in commands.items() if secret in command]
        shown += [served.process.pid] if any(secret in arg for arg in served.process.args) else []
        assert not shown, f"the {key.replace('_', ' ')} is on the command line of pid {shown}"

    served.process.send_signal(signal.SIGINT)
    try:
        code = served.process.wait(STOP_TIMEOUT_S)
    except subprocess.TimeoutExpired:
        pytest.fail(f"`serve` still runs {STOP_TIMEOUT_S:.0f} s after SIGINT:\n{served.output()}", pytrace=False)
    served.reader.join(10)
    assert code == 0, f"`serve` exited with {code} after SIGINT:\n{served.output()}"
    assert "stopped" in "".join(served.lines).split(READY_LINE, 1)[1], f"no 'stopped' after SIGINT:\n{served.output()}"
    alive = [p for p in processes if is_alive(p)]
    assert not alive, "left running after Ctrl+C: " + "; ".join(describe(p) for p in alive)
    answering = [port for port in ports if port_answers(port)]
    assert not answering, f"ports still answering on {LOOPBACK} after Ctrl+C: {answering}"
