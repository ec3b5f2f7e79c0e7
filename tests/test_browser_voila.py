"""Real-browser test of notebook 06 served by Voila: a slider changes the reading, reset restores it.

Voila runs on a free loopback port with a token and serves a temporary copy of the
notebook; Playwright drives Debian's Chromium. The survival-scenario explorer is used:
moving its hazard-ratio slider must change both the text readout and the plotted image,
and *Back to as reported* must bring both back exactly.
"""

from __future__ import annotations

import shutil
from collections.abc import Iterator
from pathlib import Path

import pytest
import servers
from playwright.sync_api import Error as PlaywrightError
from playwright.sync_api import Page

PROJECT_ROOT = Path(__file__).resolve().parent.parent
NOTEBOOK = "06_alternative_timelines.ipynb"


@pytest.fixture(scope="module")
def app(tmp_path_factory: pytest.TempPathFactory) -> Iterator[servers.VoilaServer]:
    root = tmp_path_factory.mktemp("voila-root")
    shutil.copytree(PROJECT_ROOT / "notebooks", root / "notebooks", ignore=shutil.ignore_patterns(".ipynb_checkpoints"))
    with servers.voila(root / "notebooks" / NOTEBOOK) as server:
        yield server


@pytest.fixture
def page(chromium_path: str, app: servers.VoilaServer) -> Iterator[Page]:
    with servers.chromium(chromium_path) as browser:
        page = browser.new_page(viewport={"width": 1366, "height": 900})
        page.goto(app.url, wait_until="commit", timeout=120_000)
        yield page


def explorer(page: Page, app: servers.VoilaServer, name: str, tmp_path: Path):
    """The explorer once drawn; on a timeout, fail with a screenshot and the server log."""
    try:
        return servers.explorer_box(page, name, timeout_ms=90_000)
    except PlaywrightError as error:
        shot = tmp_path / "voila.png"
        page.screenshot(path=shot, full_page=True)
        pytest.fail(f"explorer {name!r} not drawn: {error}\nscreenshot: {shot}\nserver log (tail):\n{app.log()}", pytrace=False)


def test_voila_requires_the_token(app: servers.VoilaServer) -> None:
    response = servers._LOCAL_HTTP.get(app.base_url, timeout=10, allow_redirects=False)
    assert response.status_code in (302, 403), response.status_code
    assert "token" not in response.headers.get("Location", "")


def test_slider_changes_readout_and_image_and_reset_restores_them(page: Page, app: servers.VoilaServer, tmp_path: Path) -> None:
    box = explorer(page, app, "survival", tmp_path)
    reported = servers.explorer_state(box)
    assert "hazard ratio 1.00" in reported["readout"]
    changed, _ = servers.nudge_slider(page, box, "hazard ratio", "ArrowLeft")
    assert "hazard ratio 0.99" in changed["readout"]
    assert changed["sha"] != reported["sha"]  # a different picture, not only a new URL
    restored = servers.reset_explorer(box, reported)
    assert (restored["readout"], restored["sha"]) == (reported["readout"], reported["sha"])


def test_every_explorer_draws_in_the_browser(page: Page, app: servers.VoilaServer, tmp_path: Path) -> None:
    for name in ("origin", "treatment", "survival"):
        state = servers.explorer_state(explorer(page, app, name, tmp_path))
        assert state["readout"] and state["image"].startswith(("data:image/png", "blob:")) and state["sha"]
