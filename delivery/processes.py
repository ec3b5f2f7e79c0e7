"""Local server processes: a free loopback port, and stopping a server with everything it started.

Shared by the slides command (:mod:`delivery.slides`) and the browser tests (``tests/servers.py``).
"""

from __future__ import annotations

import os
import signal
import socket
import subprocess

LOOPBACK = "127.0.0.1"


def free_port() -> int:
    """A TCP port on 127.0.0.1 that is free right now (the OS picks it)."""
    with socket.socket(socket.AF_INET, socket.SOCK_STREAM) as sock:
        sock.bind((LOOPBACK, 0))
        return sock.getsockname()[1]


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
