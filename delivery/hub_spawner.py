"""The local hub's spawner: one process per resident on 127.0.0.1 (``make hub``, the tests, the load test).

Kept apart from :mod:`delivery.hub` so that reading the settings never imports JupyterHub; the hub
loads it by name (``c.JupyterHub.spawner_class = "delivery.hub_spawner.SeminarSpawner"``).
"""

from __future__ import annotations

import resource

from jupyterhub.spawner import SimpleLocalProcessSpawner

#: Environment variables that size the thread pools of numerical libraries.
THREAD_VARIABLES = ("OMP_NUM_THREADS", "OPENBLAS_NUM_THREADS", "MKL_NUM_THREADS")


class SeminarSpawner(SimpleLocalProcessSpawner):
    """JupyterHub's ``SimpleLocalProcessSpawner`` (its own, meant for testing) with the seminar's limits.

    No system accounts: each resident gets a home folder below the hub's homes folder and no
    isolation beyond the hub's authentication, so this spawner is for one machine's loopback only.
    The memory and CPU limits reach the server as ``MEM_LIMIT`` and ``CPU_LIMIT`` (JupyterHub does
    that); here the CPU limit also caps the threads numerical libraries start, and each process's
    address space is capped at twice the memory limit, so a runaway kernel fails instead of
    taking the machine. A limit on the *sum* of a resident's processes needs cgroups: TLJH's
    systemd spawner and Zero to JupyterHub's Kubernetes spawner enforce the same settings there.
    """

    def get_env(self) -> dict[str, str]:
        env = super().get_env()
        threads = str(max(1, int(self.cpu_limit or 1)))
        env.update(dict.fromkeys(THREAD_VARIABLES, threads))
        return env

    def make_preexec_fn(self, name: str):
        prepare_home = super().make_preexec_fn(name)
        cap = 2 * int(self.mem_limit) if self.mem_limit else None

        def preexec() -> None:
            prepare_home()
            if cap:
                resource.setrlimit(resource.RLIMIT_AS, (cap, cap))

        return preexec
