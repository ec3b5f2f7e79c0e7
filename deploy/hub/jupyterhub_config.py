# JupyterHub configuration of the local seminar hub (`make hub`, the browser test, `make hub-load`).
# Every value comes from deploy/hub/seminar.toml through delivery.hub.configure; the run's private
# values (state folder, port, password, admin token) come from the environment that
# `python -m delivery.hub` sets. Do not start jupyterhub with this file by hand: use `make hub`.
import faulthandler
import os
import signal
import sys
from pathlib import Path

# SIGUSR2 writes every thread's traceback to the hub's log: delivery.hub.stop asks for it when the hub
# does not stop on SIGTERM, before killing it (a diagnosis, not a way to stop the hub).
faulthandler.register(signal.SIGUSR2, all_threads=True)
# A hub started where Ctrl+C is ignored (a background job of a script, as CI may run it) would pass
# that on to the processes it starts before its own handlers are set (the idle culler), and
# JupyterHub stops a process with SIGINT first and then waits 30 s: restore the default here.
signal.signal(signal.SIGINT, signal.SIG_DFL)

sys.path.insert(0, str(Path(__file__).resolve().parents[2]))  # the project: delivery/ is not installed

from delivery import hub  # noqa: E402

settings = hub.load_settings(Path(os.environ.get(hub.ENV_SETTINGS) or hub.SETTINGS_FILE))
hub.configure(c, settings)  # noqa: F821 (c is JupyterHub's config object)
