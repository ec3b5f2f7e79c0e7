"""The session-end check (``RunGuard`` of :mod:`delivery.processes`, wired in ``conftest.py``) and
the small process helpers it shares with the slides server.

The check is called directly on a guard of the test's own (which sees only what the test starts
while it is active), and end to end: a nested pytest run whose only test starts a server and a
temporary folder and forgets both must fail, naming them, and leave neither behind; one whose
test stops its server must pass.
"""

from __future__ import annotations

import os
import re
import subprocess
import sys
import tempfile
import time
from pathlib import Path

import psutil
import pytest

from delivery import processes

TESTS = Path(__file__).resolve().parent
SERVER = [sys.executable, "-m", "http.server", "--bind", "127.0.0.1", "0"]


def start_server() -> subprocess.Popen:
    """A dummy server on a free loopback port, in its own session (as the suite's servers are)."""
    return subprocess.Popen(SERVER, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL, start_new_session=True)


def wait_listening(process: subprocess.Popen, timeout: float = 10.0) -> list[int]:
    deadline = time.monotonic() + timeout
    while not (ports := processes.listening_ports(psutil.Process(process.pid))) and time.monotonic() < deadline:
        time.sleep(0.05)
    return ports


@pytest.fixture
def guard():
    """A guard of this test's own: it sees what the test starts while it is active (its mark), nothing else."""
    active = processes.RunGuard(prefix="guard-test-", descendants=False).start()
    yield active
    active.finish()


def test_write_private_makes_a_new_owner_only_file(tmp_path: Path) -> None:
    path = processes.write_private(tmp_path / "secret", "token")
    assert path.read_text() == "token" and path.stat().st_mode & 0o777 == 0o600
    with pytest.raises(FileExistsError):
        processes.write_private(path, "other")
    assert 0 < processes.free_port() < 65536


def test_a_server_left_running_and_a_folder_left_behind_are_reported_then_removed(guard) -> None:
    outer_tempdir = guard._saved_tempdir
    server = start_server()
    port = wait_listening(server)
    folder = Path(tempfile.mkdtemp(prefix="forgotten-"))
    assert folder.parent == guard.folder  # the run's temporary folder is the guard's own
    left = guard.leftovers(grace=0.5)
    assert left == [f"left running: pid {server.pid}: {' '.join(SERVER)} (listening on port {port[0]})",
                    f"left a temporary folder: {folder}"]
    mark_before = os.environ[processes.MARK_VARIABLE]
    guard.finish()
    assert server.wait(timeout=10) is not None  # finish() stopped it
    assert not guard.folder.exists()
    assert tempfile.tempdir == outer_tempdir and guard.mark not in os.environ.get(processes.MARK_VARIABLE, "")
    assert mark_before.endswith(guard.mark)


def test_a_process_on_its_way_out_gets_the_grace_period(guard) -> None:
    short = subprocess.Popen([sys.executable, "-c", "import time; time.sleep(1.0)"])
    start = time.monotonic()
    assert guard.leftovers(grace=20.0) == []
    assert 0.5 < time.monotonic() - start < 20.0
    short.wait()


def test_processes_the_run_did_not_start_are_not_reported(guard) -> None:
    unmarked = {k: v for k, v in os.environ.items() if k != processes.MARK_VARIABLE}
    foreign = subprocess.Popen(SERVER, env=unmarked, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
    try:
        wait_listening(foreign)
        assert not guard.marked(psutil.Process(foreign.pid))
        assert guard.leftovers(grace=0.2) == []  # neither this pytest process nor a process without the mark
        everything = processes.RunGuard(descendants=True)  # the session's view: below this process counts too
        assert os.getpid() not in [p.pid for p in everything.processes()]
        assert foreign.pid in [p.pid for p in everything.processes()]
    finally:
        foreign.terminate()
        foreign.wait(timeout=10)


def test_kernel_processes_finds_kernels_below_a_server(tmp_path: Path) -> None:
    script = ("import subprocess, sys, time; subprocess.Popen([sys.executable, '-c', 'import time; time.sleep(30)', "
              "'ipykernel_launcher']); time.sleep(30)")
    parent = subprocess.Popen([sys.executable, "-c", script])
    try:
        deadline = time.monotonic() + 10
        while not processes.kernel_processes(parent.pid) and time.monotonic() < deadline:
            time.sleep(0.05)
        assert len(processes.kernel_processes(parent.pid)) == 1
    finally:
        for child in psutil.Process(parent.pid).children(recursive=True):
            child.terminate()
        parent.terminate()
        parent.wait(timeout=10)
    assert processes.kernel_processes(parent.pid) == []


# End to end: the conftest check on a nested run ---------------------------------------------
def run_nested(root: Path, test_source: str) -> subprocess.CompletedProcess:
    """Run ``test_source`` as a pytest session with this suite's conftest (as test_protected_folders does)."""
    for folder in ("casedata", "notebooks"):
        (root / folder).mkdir(exist_ok=True)
    (root / "pytest.ini").write_text("[pytest]\n")
    (root / "test_probe.py").write_text(test_source)
    env = {**os.environ, "PYTHONPATH": str(TESTS), "PROTECTED_ROOT": str(root), "BMM_LEFTOVER_GRACE_S": "1"}
    command = [sys.executable, "-m", "pytest", "-p", "conftest", "-p", "no:cacheprovider", "-q", "test_probe.py"]
    return subprocess.run(command, cwd=root, env=env, capture_output=True, text=True, timeout=120)


PROBE = """import subprocess, sys, tempfile, time

def test_probe():
    server = subprocess.Popen({server!r}, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL, start_new_session=True)
    time.sleep(0.5)
    tempfile.mkdtemp(prefix="forgotten-")
    print("SERVER", server.pid)
    {stop}
"""


def test_a_session_that_leaves_a_server_and_a_folder_fails_and_cleans_up(tmp_path: Path) -> None:
    result = run_nested(tmp_path, PROBE.format(server=SERVER, stop="pass"))
    assert result.returncode == pytest.ExitCode.TESTS_FAILED, result.stdout + result.stderr
    running = re.search(r"FAILED \(left behind\) the test suite left running: pid (\d+): .*-m http\.server "
                        r"--bind 127\.0\.0\.1 0 \(listening on port \d+\)", result.stdout)
    assert running, result.stdout
    folder = re.search(r"FAILED \(left behind\) the test suite left a temporary folder: (\S+/forgotten-\w+)", result.stdout)
    assert folder, result.stdout
    assert not psutil.pid_exists(int(running.group(1))) or psutil.Process(int(running.group(1))).status() == psutil.STATUS_ZOMBIE
    assert not Path(folder.group(1)).exists() and not Path(folder.group(1)).parent.exists()


def test_a_session_that_stops_what_it_started_passes(tmp_path: Path) -> None:
    source = PROBE.format(server=SERVER, stop="server.terminate(); server.wait()").replace(
        'tempfile.mkdtemp(prefix="forgotten-")', 'tempfile.TemporaryDirectory(prefix="cleaned-").cleanup()')
    result = run_nested(tmp_path, source)
    assert result.returncode == 0, result.stdout + result.stderr
    assert "left behind" not in result.stdout
