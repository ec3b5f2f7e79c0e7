"""Idle culling on the seminar hub: jupyterhub-idle-culler, with the scopes the hub gives it, stops an
idle resident's server and leaves their files.

The hub runs with the settings of ``deploy/hub/seminar.toml`` except the culler's timing (2 s idle,
checked every second instead of an hour and five minutes), so that the test takes seconds. A culler
without the right scopes, or not started, fails it.
"""

from __future__ import annotations

import re
import time
from pathlib import Path

from delivery import hub as seminar_hub

RESIDENT = "dana"
TIMEOUT_S = 60.0


def _server(hub: seminar_hub.RunningHub) -> dict:
    return hub.api("GET", f"users/{RESIDENT}").json()["servers"].get("", {})


def fast_culler_settings(folder: Path) -> Path:
    """A copy of the seminar settings whose culler stops a server idle for 2 s, checking every second."""
    text = seminar_hub.SETTINGS_FILE.read_text(encoding="utf-8")
    text, changed = re.subn(r"(?m)^timeout = \d+$", "timeout = 2", text)
    text, changed_every = re.subn(r"(?m)^every = \d+$", "every = 1", text)
    assert changed == changed_every == 1, "seminar.toml's [culler] keys moved: update this test"
    path = folder / "seminar.toml"
    path.write_text(text, encoding="utf-8")
    settings = seminar_hub.load_settings(path)
    assert (settings.cull_timeout, settings.cull_every) == (2, 1)
    return path


def test_an_idle_residents_server_is_stopped_and_their_files_stay(hub_proxy: str, tmp_path: Path) -> None:
    settings_file = fast_culler_settings(tmp_path)
    with seminar_hub.running_hub(homes=tmp_path / "homes", settings_file=settings_file) as hub:
        culler = [p.cmdline() for p in hub.processes() if "jupyterhub_idle_culler" in " ".join(p.cmdline())]
        assert culler and "--timeout=2" in culler[0], f"the hub did not start the culler from {settings_file}: {culler}"
        assert hub.api("POST", f"users/{RESIDENT}").status_code == 201
        assert hub.api("POST", f"users/{RESIDENT}/server").status_code in (201, 202)
        deadline = time.monotonic() + TIMEOUT_S
        while not _server(hub).get("ready"):
            assert time.monotonic() < deadline, f"{RESIDENT}'s server did not start:\n{hub.log()}"
            time.sleep(0.2)
        work = tmp_path / "homes" / RESIDENT / "my-notes.txt"
        work.write_text("kept\n")
        while _server(hub):
            assert time.monotonic() < deadline, f"the idle culler did not stop {RESIDENT}'s server:\n{hub.log()}"
            time.sleep(0.5)
        assert work.read_text() == "kept\n", "culling a server must leave the resident's files"
        user = hub.api("GET", f"users/{RESIDENT}").json()
        assert user["name"] == RESIDENT, "the culler must stop servers, not delete residents (users = false)"
