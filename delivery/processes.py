"""Local server processes: a free loopback port, a private file for a server's secrets, stopping a
server with everything it started, its kernels, and finding what a run left behind.

Shared by the slides command (:mod:`delivery.slides`) and the tests (``tests/servers.py``, and
``tests/conftest.py``, whose session-end check is a :class:`RunGuard`).
"""

from __future__ import annotations

import os
import shutil
import signal
import socket
import subprocess
import tempfile
import time
import uuid
from pathlib import Path

import psutil  # a dependency of IPython, so present wherever a kernel runs

LOOPBACK = "127.0.0.1"
#: Environment variable that marks every process a :class:`RunGuard` run started (``os.pathsep``-separated marks).
MARK_VARIABLE = "BMM_RUN_MARKS"
#: What a Jupyter kernel process runs (``python -m ipykernel_launcher -f <connection file>``).
KERNEL_MODULE = "ipykernel_launcher"


def free_port() -> int:
    """A TCP port on 127.0.0.1 that is free right now (the OS picks it)."""
    with socket.socket(socket.AF_INET, socket.SOCK_STREAM) as sock:
        sock.bind((LOOPBACK, 0))
        return sock.getsockname()[1]


def write_private(path: Path, text: str) -> Path:
    """Write ``text`` to a new file at ``path`` that only its owner can read (mode 0600); never overwrites."""
    descriptor = os.open(path, os.O_WRONLY | os.O_CREAT | os.O_EXCL, 0o600)
    with os.fdopen(descriptor, "w", encoding="utf-8") as handle:
        handle.write(text)
    return Path(path)


def stop_process_group(process: subprocess.Popen, timeout: float = 15.0) -> int:
    """SIGTERM the process group of ``process`` (a Jupyter server shuts its kernels down), SIGKILL
    it if it lingers past ``timeout`` seconds; return the exit code. The process must have been
    started with ``start_new_session=True``."""
    if process.poll() is not None:
        return process.returncode
    for sig in (signal.SIGTERM, signal.SIGKILL):
        try:
            os.killpg(process.pid, sig)
        except ProcessLookupError:
            break
        try:
            return process.wait(timeout=timeout)
        except subprocess.TimeoutExpired:
            continue
    return process.wait()


def is_alive(process: psutil.Process) -> bool:
    """True while ``process`` runs (a zombie does not count)."""
    try:
        return process.is_running() and process.status() != psutil.STATUS_ZOMBIE
    except psutil.Error:
        return False


def command_line(process: psutil.Process) -> str:
    """The command line of ``process`` as one string (empty when it cannot be read)."""
    try:
        return " ".join(process.cmdline())
    except psutil.Error:
        return ""


def has_mark(process: psutil.Process, mark: str) -> bool:
    """True if ``process`` carries ``mark`` in its ``BMM_RUN_MARKS`` environment variable."""
    try:
        return mark in process.environ().get(MARK_VARIABLE, "").split(os.pathsep)
    except psutil.Error:
        return False


def carrying(mark: str) -> list[psutil.Process]:
    """Every live process that carries ``mark`` (a run's servers, kernels, proxies ...), this one excluded."""
    return [p for p in psutil.process_iter() if p.pid != os.getpid() and has_mark(p, mark) and is_alive(p)]


def port_answers(port: int, host: str = LOOPBACK) -> bool:
    """True if something accepts a TCP connection on ``host:port`` (within a second)."""
    with socket.socket(socket.AF_INET, socket.SOCK_STREAM) as sock:
        sock.settimeout(1)
        return sock.connect_ex((host, port)) == 0


def kernel_processes(pid: int) -> list[psutil.Process]:
    """The live Jupyter kernels below process ``pid`` (a server; kernels run in their own sessions)."""
    try:
        below = psutil.Process(pid).children(recursive=True)
    except psutil.Error:
        return []
    return [p for p in below if is_alive(p) and KERNEL_MODULE in command_line(p)]


def listening_ports(process: psutil.Process) -> list[int]:
    """The TCP ports ``process`` listens on."""
    try:
        return sorted({c.laddr.port for c in process.net_connections(kind="tcp") if c.status == psutil.CONN_LISTEN})
    except psutil.Error:
        return []


def describe(process: psutil.Process) -> str:
    """``pid 123: python -m voila ... (listening on 127.0.0.1:4567)`` for a report."""
    ports = listening_ports(process)
    where = f" (listening on port{'s' if len(ports) > 1 else ''} {', '.join(map(str, ports))})" if ports else ""
    command = command_line(process)
    return f"pid {process.pid}: {command[:300]}{' ...' if len(command) > 300 else ''}{where}"


class RunGuard:
    """Finds whatever a run (the test session) started and left behind: processes, their ports, temporary folders.

    :meth:`start` adds a fresh mark to ``BMM_RUN_MARKS`` in this process's environment, which every
    process started afterwards inherits (servers, their kernels, browsers, nested runs), and points
    the temporary folder (``TMPDIR`` and :mod:`tempfile`) at a new private folder. :meth:`leftovers`
    names every process still alive that carries the mark or (with ``descendants``) runs below
    this process (this process excluded), with the ports it listens on, and every entry left in
    the private folder, after giving them ``grace`` seconds to go (a kernel being shut down).
    Processes of other runs (another mark, or none) are never named. :meth:`finish` ends the
    processes named (by their ids), removes the folder and restores the environment.
    """

    def __init__(self, prefix: str = "bmm-run-", descendants: bool = True) -> None:
        self.mark = uuid.uuid4().hex
        self.prefix = prefix
        self.descendants = descendants
        self.folder: Path | None = None
        self._saved: dict[str, str | None] = {}
        self._saved_tempdir: str | None = None

    def start(self) -> RunGuard:
        """Mark the environment and move the temporary folder; returns ``self``."""
        self.folder = Path(tempfile.mkdtemp(prefix=self.prefix))
        self._saved = {name: os.environ.get(name) for name in (MARK_VARIABLE, "TMPDIR")}
        self._saved_tempdir = tempfile.tempdir
        marks = [m for m in (self._saved[MARK_VARIABLE] or "").split(os.pathsep) if m]
        os.environ[MARK_VARIABLE] = os.pathsep.join([*marks, self.mark])
        os.environ["TMPDIR"] = str(self.folder)
        tempfile.tempdir = str(self.folder)
        return self

    def marked(self, process: psutil.Process) -> bool:
        """True if ``process`` carries this run's mark in its environment."""
        return has_mark(process, self.mark)

    def processes(self) -> list[psutil.Process]:
        """Live processes that this run started: marked, or (unless ``descendants`` is off) below this process."""
        me = psutil.Process()
        found = {p.pid: p for p in me.children(recursive=True)} if self.descendants else {}
        found.update((p.pid, p) for p in psutil.process_iter() if p.pid not in found and self.marked(p))
        found.pop(me.pid, None)
        return sorted((p for p in found.values() if is_alive(p)), key=lambda p: p.pid)

    def folders(self) -> list[Path]:
        """What is left in the private temporary folder."""
        return sorted(self.folder.iterdir()) if self.folder and self.folder.is_dir() else []

    def leftovers(self, grace: float = 10.0) -> list[str]:
        """One line per process or temporary entry still there after up to ``grace`` seconds."""
        deadline = time.monotonic() + grace
        while (self.processes() or self.folders()) and time.monotonic() < deadline:
            time.sleep(0.2)
        return ([f"left running: {describe(p)}" for p in self.processes()]
                + [f"left a temporary {'folder' if p.is_dir() else 'file'}: {p}" for p in self.folders()])

    def finish(self, timeout: float = 5.0) -> None:
        """End what is left (SIGTERM, then SIGKILL), remove the private folder, restore the environment."""
        left = self.processes()
        for process in left:
            try:
                process.terminate()
            except psutil.Error:
                pass
        _, lingering = psutil.wait_procs(left, timeout=timeout)
        for process in lingering:
            try:
                process.kill()
            except psutil.Error:
                pass
        if self.folder is not None:
            shutil.rmtree(self.folder, ignore_errors=True)
        for name, value in self._saved.items():
            if value is None:
                os.environ.pop(name, None)
            else:
                os.environ[name] = value
        tempfile.tempdir = self._saved_tempdir
