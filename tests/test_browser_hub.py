"""The seminar on a real JupyterHub, in Chromium: two residents, one course link, nothing left behind.

One local hub (``delivery.hub.running_hub``: JupyterHub behind configurable-http-proxy on 127.0.0.1,
DummyAuthenticator with a random password, one local process per resident) serves a temporary
clone of this repository as the course. Two residents sign in through Chromium from the course
link (nbgitpuller), one right after the other, so that the hub starts their servers together; each gets their
own copy and runs notebook 00 in JupyterLab. Then:

* resident A's browser asks for resident B's server and files, and is refused;
* A's edit survives the course being updated and pulled again, and the update arrives;
* once the hub is stopped, no process of the run is alive and none of its ports answers.
"""

from __future__ import annotations

import re
import signal
import subprocess
import time
from collections.abc import Iterator
from contextlib import ExitStack
from dataclasses import replace
from pathlib import Path

import pytest
import servers
from playwright.sync_api import Browser, BrowserContext, Page

from delivery import hub as seminar_hub
from delivery.processes import LOOPBACK, command_line, is_alive, listening_ports, port_answers

RESIDENTS = ("alice", "bob")
VIEWPORT = {"width": 1280, "height": 720}
TIMEOUT_MS = 120_000
RUN_TIMEOUT_S = 180.0
EDIT = "\nMy own note on this course (resident A).\n"
NEWS_PROMPT = "notified about official Jupyter news"


def git(folder: Path, *args: str) -> str:
    result = subprocess.run(["git", "-C", str(folder), *args], capture_output=True, text=True, check=True)
    return result.stdout.strip()


@pytest.fixture(scope="module")
def course(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """A clone of this repository to serve as the course (the test commits an update to it later)."""
    folder = tmp_path_factory.mktemp("course") / "upstream"
    subprocess.run(["git", "clone", "--quiet", "--no-hardlinks", seminar_hub.checkout_repository(), str(folder)],
                   check=True, capture_output=True)
    git(folder, "config", "user.email", "tutor@example.org")
    git(folder, "config", "user.name", "Tutor")
    return folder


@pytest.fixture(scope="module")
def hub(course: Path, chromium_path: str, hub_proxy: str) -> Iterator[seminar_hub.RunningHub]:
    """The local seminar hub serving ``course`` (Chromium and the proxy are checked first: no hub without them).

    Started with Ctrl+C ignored, as a background job of a script (CI) starts it: the hub must still
    stop everything promptly (the last test), which once took it over 30 s.
    """
    settings = replace(seminar_hub.load_settings(), branch=git(course, "rev-parse", "--abbrev-ref", "HEAD"))
    with ExitStack() as stack:
        previous = signal.signal(signal.SIGINT, signal.SIG_IGN)  # inherited by the hub it starts
        try:
            running = stack.enter_context(seminar_hub.running_hub(settings, repository=course.as_uri()))
        finally:
            signal.signal(signal.SIGINT, previous)
        yield running


@pytest.fixture(scope="module")
def browser(chromium_path: str) -> Iterator[Browser]:
    with servers.chromium(chromium_path) as launched:
        yield launched


@pytest.fixture(scope="module")
def residents(browser: Browser, hub: seminar_hub.RunningHub) -> Iterator[dict[str, BrowserContext]]:
    """One browser context (own cookies) per resident."""
    contexts = {name: browser.new_context(viewport=VIEWPORT) for name in RESIDENTS}
    yield contexts
    for context in contexts.values():
        context.close()


def sign_in(page: Page, hub: seminar_hub.RunningHub, name: str) -> None:
    """Follow the course link as a resident does and sign in (the hub then starts the server and the pull)."""
    page.goto(hub.url + hub.pull_link, timeout=TIMEOUT_MS)
    if "/hub/login" in page.url:
        page.fill("#username_input", name)
        page.fill("#password_input", hub.password)
        page.click("#login_submit")


def wait_for_course(page: Page, name: str) -> None:
    """Wait until the resident, signed in, has landed in the course's start page in JupyterLab."""
    start_page = seminar_hub.load_settings().start_page
    page.wait_for_url(re.compile(rf"/user/{name}/lab/tree/.*{re.escape(start_page)}"), timeout=TIMEOUT_MS)


def shot(page: Page, tmp_path: Path, label: str) -> str:
    path = tmp_path / f"{label}.png"
    try:
        page.screenshot(path=path)
        return f"screenshot: {path}"
    except Exception as error:  # noqa: BLE001 (the screenshot is only a help)
        return f"no screenshot ({error})"


def test_two_residents_open_the_course_from_the_link_and_run_notebook_00(
        hub: seminar_hub.RunningHub, residents: dict[str, BrowserContext], tmp_path: Path) -> None:
    settings = seminar_hub.load_settings()
    pages = {name: context.new_page() for name, context in residents.items()}
    for name, page in pages.items():  # both sign in before either is in: the hub starts their servers together
        try:
            sign_in(page, hub, name)
        except Exception as error:
            pytest.fail(f"{name}: {error}\n{shot(page, tmp_path, name)}\nhub log (tail):\n{hub.log()}", pytrace=False)
    for name, page in pages.items():
        try:
            wait_for_course(page, name)
            run = servers.run_notebook_in_lab(page, None, timeout=RUN_TIMEOUT_S)
        except Exception as error:
            pytest.fail(f"{name}: {error}\n{shot(page, tmp_path, name)}\nhub log (tail):\n{hub.log()}", pytrace=False)
        problems = ([f"only {run.executed} of {run.code_cells} code cells executed"] if run.executed != run.code_cells else [])
        problems += ["no output was rendered"] if run.outputs == 0 else []
        problems += [f"a dialog is open: {run.dialog}"] if run.dialog else []
        if page.get_by_text(NEWS_PROMPT).count():  # the course's JupyterLab defaults (deploy/jupyterlab/overrides.json)
            problems.append(f"JupyterLab asked {NEWS_PROMPT!r}: the course's settings did not reach the resident's server")
        problems += [f"error output: {text}" for text in run.errors]
        if run.code_cells == 0 or problems:
            pytest.fail(f"{name}, notebook 00 on the hub: {run}\n" + "\n".join(problems) + f"\n{shot(page, tmp_path, name)}",
                        pytrace=False)
        copy = hub.homes / name / settings.folder
        assert (copy / settings.start_page).is_file(), f"{name}'s own copy is missing at {copy}"
        assert git(copy, "rev-parse", "HEAD"), f"{name}'s copy is not a git checkout"
    users = {user["name"]: user for user in hub.api("GET", "users").json()}
    for name in RESIDENTS:
        assert users[name]["servers"][""]["ready"], f"{name}'s server is not running: {users[name]}"
        assert not users[name]["admin"], f"{name} must be an ordinary user"
    assert users[settings.admin]["admin"], f"{settings.admin} must be the hub's admin"


def test_a_resident_cannot_reach_another_residents_server(
        hub: seminar_hub.RunningHub, residents: dict[str, BrowserContext]) -> None:
    alice, bob = RESIDENTS
    request = residents[alice].request
    own = request.get(f"{hub.url}/user/{alice}/api/contents/", timeout=30_000)
    assert own.status == 200, f"{alice}'s own files answered {own.status}: her session is not signed in"
    for path in (f"/user/{bob}/api/contents/", f"/user/{bob}/api/kernels", f"/user/{bob}/lab"):
        answer = request.get(hub.url + path, timeout=30_000)
        body = answer.text()
        assert answer.status == 403, f"{alice} asking for {path} got {answer.status} (at {answer.url}), expected 403"
        assert "00_index" not in body and '"kernels"' not in body, f"{path} leaked {bob}'s content to {alice}"
    created = request.post(f"{hub.url}/user/{bob}/api/kernels", timeout=30_000)
    assert created.status == 403, f"{alice} starting a kernel on {bob}'s server got {created.status}, expected 403"


def test_pulling_again_keeps_the_residents_edit_and_brings_the_update(
        hub: seminar_hub.RunningHub, residents: dict[str, BrowserContext], course: Path, tmp_path: Path) -> None:
    name = RESIDENTS[0]
    copy = hub.homes / name / seminar_hub.load_settings().folder
    readme = copy / "README.md"
    readme.write_text(readme.read_text() + EDIT)
    (course / "docs" / "seminar-update.md").write_text("# A page the tutor added after the seminar began\n")
    with (course / "README.md").open("a") as handle:
        handle.write("\nA line the tutor added to the course.\n")
    git(course, "add", "docs/seminar-update.md", "README.md")
    git(course, "commit", "--quiet", "-m", "Tutor's update during the seminar")
    page = residents[name].new_page()
    try:
        sign_in(page, hub, name)
        wait_for_course(page, name)
    except Exception as error:
        pytest.fail(f"second pull: {error}\n{shot(page, tmp_path, 'second-pull')}", pytrace=False)
    text = readme.read_text()
    assert EDIT.strip() in text, f"{name}'s edit to README.md was lost when she pulled again"
    assert (copy / "docs" / "seminar-update.md").is_file(), "the tutor's new page did not arrive with the second pull"


def test_stopping_the_hub_leaves_no_process_or_port(hub: seminar_hub.RunningHub) -> None:
    """Last in this module: stop the hub while both residents' servers and notebook kernels run; nothing is left."""
    users = {user["name"]: user for user in hub.api("GET", "users").json()}
    assert all(users[name]["servers"].get("", {}).get("ready") for name in RESIDENTS), "the residents' servers stopped early"
    processes = hub.processes()
    ports = sorted({port for process in processes for port in listening_ports(process)})
    commands = " ".join(command_line(p) for p in processes)
    for part in ("jupyterhub", "configurable-http-proxy", "jupyterhub-singleuser", "jupyterhub_idle_culler",
                 "ipykernel_launcher"):
        assert part in commands, f"expected a {part} process in the run, found: {commands}"
    assert len(ports) >= 2 + len(RESIDENTS), f"expected the proxy's two ports and one per resident's server, found {ports}"
    began = time.monotonic()
    forced = seminar_hub.stop(hub)
    took = time.monotonic() - began
    assert not forced, (f"the hub did not stop these itself (SIGTERM; stopping took {took:.1f} s, hub exit code "
                        f"{hub.process.returncode}):\n" + "\n".join(forced) + f"\nhub log (tail):\n{hub.log()}")
    alive = [p for p in processes if is_alive(p)]
    assert not alive, "left running after the hub stopped: " + "; ".join(seminar_hub.describe(p) for p in alive)
    answering = [port for port in ports if port_answers(port)]
    assert not answering, f"ports still answering on {LOOPBACK} after the hub stopped: {answering}"
