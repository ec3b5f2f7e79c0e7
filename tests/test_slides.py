"""The slide rules of :mod:`delivery.slides`, its offline Voila template and its command line.

Rules are checked on small synthetic notebooks (one behaviour each) and, where the rule is
about the course's own structure, on the real notebooks read from ``notebooks/`` (never
written). The template is prepared into a temporary folder and searched for network URLs;
``serve`` is started on a one-cell notebook to check the token (required, and on no command
line), the page's sources, that kernels are freed and capped, and Ctrl-C.
"""

from __future__ import annotations

import json
import os
import re
import shutil
import signal
import subprocess
import sys
import time
from pathlib import Path
from urllib.parse import urljoin, urlsplit

import nbformat
import psutil
import pytest
import requests
from nbformat.v4 import new_code_cell, new_markdown_cell, new_notebook, new_output
from traitlets.config.loader import PyFileConfigLoader

from delivery import PROJECT_ROOT, navigation, processes, slides
from utils import course as course_map

WIDGET = {slides.WIDGET_MIME: {"model_id": "0" * 32, "version_major": 2, "version_minor": 0}, "text/plain": "Box()"}
FIGURE = {"image/png": "iVBORw0KGgo=", "text/plain": "<Figure>"}
TABLE = {"text/html": "<table></table>", "text/plain": "table"}


def code(*data: dict, stream: str | None = None) -> nbformat.NotebookNode:
    """A code cell with one display output per mapping in ``data`` (and a stdout stream if given)."""
    outputs = [new_output("display_data", data=d) for d in data]
    if stream is not None:
        outputs.append(new_output("stream", name="stdout", text=stream))
    return new_code_cell("x", outputs=outputs)


def types(*cells: nbformat.NotebookNode) -> list[str]:
    return slides.slide_types(new_notebook(cells=list(cells)))


# Rules ------------------------------------------------------------------------------------
def test_headings_start_slides_and_subslides() -> None:
    assert types(new_markdown_cell("# Title\n\ntext"), new_markdown_cell("## Section"), new_markdown_cell("### Part"),
                 new_markdown_cell("#### Deeper"), new_markdown_cell("\n\n## After blank lines")) == \
        ["slide", "slide", "subslide", "subslide", "slide"]


def test_text_that_only_mentions_a_heading_continues() -> None:
    assert types(new_markdown_cell("## Section"), new_markdown_cell("#hashtag is not a heading"),
                 new_markdown_cell("Prose first.\n\n## a heading later does not count")) == ["slide", "-", "-"]


def test_a_caption_stays_with_its_figure_and_the_next_figure_gets_its_own_screen() -> None:
    assert types(new_markdown_cell("## Section"), code(FIGURE), new_markdown_cell("*Figure: what to look at.*"),
                 code(TABLE), new_markdown_cell("*Source: `casedata/x.csv`.*"), code(stream="printed text"),
                 new_markdown_cell("Interpretation.")) == ["slide", "-", "-", "subslide", "-", "-", "-"]


def test_text_outputs_never_start_a_screen() -> None:
    markdown_output = {"text/markdown": "**note**", "text/plain": "note"}
    assert types(new_markdown_cell("## S"), code(TABLE), code(markdown_output), code(stream="x")) == ["slide", "-", "-", "-"]


def test_a_new_heading_resets_the_one_display_per_screen_count() -> None:
    assert types(new_markdown_cell("## A"), code(FIGURE), new_markdown_cell("## B"), code(FIGURE),
                 new_markdown_cell("### B.1"), code(TABLE)) == ["slide", "-", "slide", "-", "subslide", "-"]


def test_stop_and_think_opens_a_screen_unless_it_opens_as_a_caption() -> None:
    box = "### Stop and think\n\nWhy?\n\n<details><summary>Model answer</summary>\n\nBecause.\n\n</details>"
    assert types(new_markdown_cell("## S"), code(FIGURE), new_markdown_cell("What the figure shows.\n\n" + box),
                 code(TABLE), new_markdown_cell("*Source: x.*\n\n" + box)) == ["slide", "-", "subslide", "-", "-"]


def test_a_cell_that_is_only_a_model_answer_is_a_fragment() -> None:
    assert types(new_markdown_cell("> **Stop and think 1.** Why?"),
                 new_markdown_cell("<details><summary>Model answer</summary>\n\nBecause.\n</details>"),
                 new_markdown_cell("> <DETAILS><summary>Model answer</summary>\n> Because.\n> </details>")) == \
        ["-", "fragment", "fragment"]


def test_an_explorer_gets_a_screen_of_its_own_after_its_instructions() -> None:
    # the instructions open a screen, and the explorer the next one, so its controls and whole figure fit 1280x720
    assert types(new_markdown_cell("## Try it"), code(FIGURE), new_markdown_cell("Things to try: move the slider."),
                 code(WIDGET), new_markdown_cell("What you saw.")) == ["slide", "-", "subslide", "subslide", "-"]


def test_an_explorer_after_a_caption_starts_its_own_screen() -> None:
    assert types(new_markdown_cell("## Try it"), code(FIGURE), new_markdown_cell("*What to see:* the reading."),
                 code(WIDGET)) == ["slide", "-", "-", "subslide"]


def test_an_explorer_right_under_a_heading_shares_its_screen() -> None:
    assert types(new_markdown_cell("## Try it"), code(WIDGET)) == ["slide", "-"]


def test_navigation_cells_are_skipped_and_do_not_count_as_a_screen() -> None:
    def navigation() -> nbformat.NotebookNode:
        return new_markdown_cell("**Next: [02](02_x.ipynb)**", metadata={"tags": ["navigation"]})

    assert types(new_markdown_cell("# Title"), navigation(), new_markdown_cell("## Last"), navigation()) == \
        ["slide", "skip", "slide", "skip"]


def test_source_as_a_list_of_lines_is_read_like_text() -> None:
    nb = {"nbformat": 4, "cells": [{"cell_type": "markdown", "metadata": {}, "source": ["## Sec", "tion\n", "text"]}]}
    assert slides.slide_types(nb) == ["slide"]


# Applying the rules -----------------------------------------------------------------------
def test_apply_sets_metadata_keeps_other_metadata_and_is_idempotent() -> None:
    nb = new_notebook(cells=[new_markdown_cell("# T", metadata={"tags": ["keep"]}), code(FIGURE), code(TABLE)])
    assert slides.apply_slide_metadata(nb) is True
    assert [c.metadata["slideshow"] for c in nb.cells] == [{"slide_type": t} for t in ("slide", "-", "subslide")]
    assert nb.cells[0].metadata["tags"] == ["keep"]
    before = json.dumps(nb, sort_keys=True)
    assert slides.apply_slide_metadata(nb) is False
    assert json.dumps(nb, sort_keys=True) == before
    assert slides.differences(nb) == []


def test_apply_replaces_stale_metadata_and_differences_name_the_cell() -> None:
    nb = new_notebook(cells=[new_markdown_cell("# T"), new_markdown_cell("text", metadata={"slideshow": {"slide_type": "slide"}})])
    slides.apply_slide_metadata(nb)
    nb.cells[1].metadata["slideshow"] = {"slide_type": "notes"}
    assert slides.differences(nb) == ["cell 1: slideshow is {'slide_type': 'notes'}, the rules give {'slide_type': '-'}"]
    assert slides.apply_slide_metadata(nb) is True
    assert nb.cells[1].metadata["slideshow"] == {"slide_type": "-"}


@pytest.mark.parametrize(("nb", "message"), [
    ([], "expected a notebook (a mapping with a 'cells' list, nbformat 4), got list"),
    ({"metadata": {}}, "expected a notebook (a mapping with a 'cells' list, nbformat 4), got dict with keys ['metadata']"),
    ({"nbformat": 3, "cells": []}, "expected nbformat 4, got nbformat 3"),
    ({"cells": ["## text"]}, "cell 0: expected a mapping, got str"),
    ({"cells": [{"cell_type": "markdown", "source": ""}, {"cell_type": "heading", "source": "x"}]},
     "cell 1: cell_type 'heading' is not one of markdown, code, raw"),
    ({"cells": [{"cell_type": "markdown", "source": 3}]}, "cell 0: 'source' must be text or a list of lines, got int"),
    ({"cells": [{"cell_type": "code", "source": "", "metadata": []}]}, "cell 0: 'metadata' must be a mapping, got list"),
])
def test_a_bad_notebook_gives_a_clear_error(nb: object, message: str) -> None:
    with pytest.raises(slides.SlideError) as error:
        slides.slide_types(nb)
    assert str(error.value) == message
    with pytest.raises(slides.SlideError):
        slides.apply_slide_metadata(nb)


# The real notebooks (read only) ----------------------------------------------------------
@pytest.fixture(scope="module")
def course() -> dict[str, nbformat.NotebookNode]:
    paths = slides.course_notebooks()
    assert [navigation.notebook_code(p) for p in paths] == ["00", *(lesson.code for lesson in course_map.LESSONS)]
    assert len(paths) >= 8
    return {p.name: nbformat.read(p, as_version=4) for p in paths}


def test_every_notebook_opens_on_its_title_and_skips_only_navigation(course: dict) -> None:
    for name, nb in course.items():
        kinds = slides.slide_types(nb)
        assert kinds[0] == "slide", name
        skipped = [i for i, k in enumerate(kinds) if k == "skip"]
        assert skipped == [i for i, c in enumerate(nb.cells) if "navigation" in c.metadata.get("tags", [])], name
        sections = [i for i, c in enumerate(nb.cells) if c.cell_type == "markdown" and c.source.startswith("## ")]
        assert sections and all(kinds[i] == "slide" for i in sections), name


def test_every_explorer_of_the_course_is_on_a_screen_it_opens(course: dict) -> None:
    explorers = 0
    for name, nb in course.items():
        kinds = slides.slide_types(nb)
        for i, cell in enumerate(nb.cells):
            if slides.WIDGET_MIME in {m for o in cell.get("outputs", []) for m in o.get("data", {})}:
                explorers += 1
                opened = kinds[i] == "subslide" or kinds[i - 1] in ("slide", "subslide")
                assert opened and kinds[i] != "skip", f"{name} cell {i}: {kinds[i - 1]!r}, {kinds[i]!r}"
    assert explorers >= 3  # notebook 06 alone has three


def test_the_self_check_and_references_stay_in_the_slides(course: dict) -> None:
    for name, nb in course.items():
        kinds = slides.slide_types(nb)
        for i, cell in enumerate(nb.cells):
            if cell.cell_type == "code" and "selfcheck.show(" in cell.source or re.match(r"## (\d+\. )?References", cell.source):
                assert kinds[i] != "skip", f"{name} cell {i}"


def test_course_notebooks_carry_the_slide_metadata_of_the_rules() -> None:
    problems = slides.check(slides.course_notebooks())
    assert not problems, "\n".join(problems)


# The offline template ---------------------------------------------------------------------
def _fingerprint(*folders: Path) -> dict[str, tuple[int, int]]:
    return {str(p): (p.stat().st_size, p.stat().st_mtime_ns) for f in folders for p in f.rglob("*")
            if p.is_file() and "__pycache__" not in p.parts}


def test_prepare_template_writes_only_below_the_given_folder(tmp_path: Path) -> None:
    watched = [PROJECT_ROOT / d for d in ("delivery", "notebooks", "utils", "casedata", "tests")]
    before = _fingerprint(*watched)
    root = slides.prepare_template(tmp_path / "jupyter")
    assert _fingerprint(*watched) == before
    assert root == tmp_path / "jupyter"
    template = root / "voila" / "templates" / slides.TEMPLATE_NAME
    written = {p.relative_to(template).as_posix() for p in template.rglob("*") if p.is_file()}
    assert {"conf.json", "index.html.j2", "static/bmm-slides.css", "static/reveal/dist/reveal.css",
            "static/reveal/dist/theme/simple.css", "static/reveal/LICENSE"} <= written
    assert not any(name.startswith(("static/reveal/js/", "static/reveal/css/")) for name in written)
    assert json.loads((template / "conf.json").read_text())["base_template"] == "reveal"
    # A second run replaces the folder instead of adding to it.
    (template / "static" / "stale.css").write_text("x")
    slides.prepare_template(root)
    assert not (template / "static" / "stale.css").exists()


def test_prepared_template_names_no_network_url(tmp_path: Path) -> None:
    root = slides.prepare_template(tmp_path / "jupyter")
    assert slides.network_references(root) == []
    sheets = "\n".join(p.read_text(encoding="utf-8") for p in root.rglob("*.css"))
    assert "@import" not in sheets and "fonts.googleapis" not in sheets


def test_network_references_finds_urls_outside_comments(tmp_path: Path) -> None:
    (tmp_path / "a.css").write_text("/* licence: http://hakim.se */\n@import url(https://fonts.example/x.css);\n")
    (tmp_path / "b.html.j2").write_text('{# see https://docs.example #}\n<script src="//cdn.example/x.js"></script>\n')
    (tmp_path / "c.json").write_text('{"url_prefix": "http://unpkg.example/reveal.js"}')
    (tmp_path / "font.woff").write_bytes(b"https://not.scanned/binary")
    assert slides.network_references(tmp_path) == [
        "a.css: https://fonts.example/x.css", "b.html.j2: //cdn.example/x.js", "c.json: http://unpkg.example/reveal.js"]


def test_prepare_template_refuses_a_template_with_a_network_url(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    source = tmp_path / "source"
    shutil.copytree(slides.TEMPLATE_SOURCE, source)
    (source / "static" / "bmm-slides.css").write_text("@import url(https://cdn.example/theme.css);")
    monkeypatch.setattr(slides, "TEMPLATE_SOURCE", source)
    with pytest.raises(RuntimeError, match=r"static/bmm-slides.css: https://cdn.example/theme.css"):
        slides.prepare_template(tmp_path / "jupyter")


def test_voila_config_binds_loopback_frees_kernels_and_never_runs_without_a_token(tmp_path: Path) -> None:
    config = slides.voila_config(8999, "abc", tmp_path)
    assert config["Voila"] == {"ip": "127.0.0.1", "port": 8999, "port_retries": 0, "open_browser": False, "token": "abc",
                               "connection_dir_root": str(tmp_path)}
    assert config["VoilaConfiguration"] == {"template": slides.TEMPLATE_NAME}
    assert config["MappingKernelManager"] == {"cull_idle_timeout": 60, "cull_interval": 15, "cull_connected": False,
                                              "cull_busy": False}
    assert config["SlidesKernelManager"] == {"max_kernels": 4}
    assert "VoilaConfiguration" not in slides.voila_config(8999, "abc", tmp_path, template=None)
    with pytest.raises(ValueError, match="empty token"):
        slides.voila_config(8999, "", tmp_path)
    for bad in ({"idle_timeout_s": 0}, {"max_kernels": 0}, {"max_kernels": 2.5}, {"max_kernels": True}):
        with pytest.raises(ValueError, match="must be a whole number of at least 1"):
            slides.KernelLimits(**bad)
    env = slides.voila_environment(Path("/tmp/jp"), {"JUPYTER_PATH": "/other", "HOME": "/root"})
    assert env == {"JUPYTER_PATH": os.pathsep.join(["/tmp/jp", "/other"]), "PYTHONPATH": str(PROJECT_ROOT), "HOME": "/root"}
    assert "JUPYTER_PATH" not in slides.voila_environment(None, {})


def test_voila_settings_are_a_private_file_and_not_on_the_command_line(tmp_path: Path) -> None:
    path = slides.write_voila_config(tmp_path, slides.voila_config(8999, "s3cret", tmp_path))
    assert path == tmp_path / "voila.py" and path.stat().st_mode & 0o777 == 0o600
    command = slides.voila_command(Path("x.ipynb"), tmp_path)
    assert "s3cret" not in " ".join(command) and command[-1] == f"--Voila.config_file_paths={tmp_path}"
    loaded = PyFileConfigLoader("voila.py", path=str(tmp_path)).load_config()  # what Voila reads
    assert loaded.Voila.token == "s3cret" and loaded.Voila.ip == "127.0.0.1"
    assert loaded.VoilaConfiguration.multi_kernel_manager_class.__name__ == "SlidesKernelManager"
    assert loaded.VoilaConfiguration.prelaunch_hook.__name__ == "set_xsrf_cookie"
    assert loaded.MappingKernelManager.cull_idle_timeout == 60 and loaded.SlidesKernelManager.max_kernels == 4
    with pytest.raises(FileExistsError):  # never written over (nor through a link planted in its place)
        slides.write_voila_config(tmp_path, slides.voila_config(8999, "other", tmp_path))


# Command line -------------------------------------------------------------------------------
def test_check_and_apply_commands_on_a_copy(tmp_path: Path, capsys: pytest.CaptureFixture) -> None:
    copy = tmp_path / "06.ipynb"
    shutil.copy(PROJECT_ROOT / "notebooks" / "06_alternative_timelines.ipynb", copy)
    nb = nbformat.read(copy, as_version=4)
    for cell in nb.cells:
        cell.metadata.pop("slideshow", None)
    nbformat.write(nb, copy)
    assert slides.main(["check", str(copy)]) == 1
    out = capsys.readouterr().out
    assert f"{copy}: {len(nb.cells)} cells differ from the slide rules" in out and "cell 0: slideshow is None" in out
    assert slides.main(["apply", str(copy)]) == 0
    assert slides.main(["check", str(copy)]) == 0
    assert "follows the rules" in capsys.readouterr().out
    mtime = copy.stat().st_mtime_ns
    assert slides.apply([copy]) == [] and copy.stat().st_mtime_ns == mtime  # nothing to write, nothing written


def test_commands_name_a_file_that_is_not_a_notebook(tmp_path: Path, capsys: pytest.CaptureFixture) -> None:
    broken = tmp_path / "broken.ipynb"
    broken.write_text("{not json")
    assert slides.main(["check", str(broken)]) == 2
    assert f"error: {broken}: not a readable notebook" in capsys.readouterr().err
    assert slides.main(["serve", str(tmp_path / "missing.ipynb")]) == 2
    assert "missing.ipynb: expected an existing .ipynb file" in capsys.readouterr().err


# The server ----------------------------------------------------------------------------------
_LOCAL = requests.Session()
_LOCAL.trust_env = False  # never ask a proxy for 127.0.0.1


def _read_url(process: subprocess.Popen, log: Path, timeout: float = 90.0) -> str:
    """The ``Open: <url>`` line the serve command prints (into ``log``) once Voila answers."""
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline and process.poll() is None:
        opened = [line for line in log.read_text().splitlines() if line.startswith("Open: ")]
        if opened:
            return opened[0].removeprefix("Open: ").strip()
        time.sleep(0.2)
    raise AssertionError("serve printed no URL:\n" + log.read_text())


SERVE_IDLE_TIMEOUT_S = 2  # short, so that a test sees the idle culler at work
KERNEL_GONE_S = 20.0  # idle timeout + culler interval + a margin for a busy machine


@pytest.fixture(scope="module")
def served(tmp_path_factory: pytest.TempPathFactory):
    """``python -m delivery.slides serve`` on a two-slide notebook, one kernel at most; yields (process, url)."""
    folder = tmp_path_factory.mktemp("slides-serve")
    nb = new_notebook(cells=[new_markdown_cell("# One title"), new_markdown_cell("## Second slide"), new_code_cell("print(6 * 7)")])
    slides.apply_slide_metadata(nb)
    nbformat.write(nb, folder / "tiny.ipynb")
    log = folder / "serve.log"  # a file, not a pipe that nobody reads and Voila's messages would fill
    with log.open("wb") as output:
        process = subprocess.Popen([sys.executable, "-m", "delivery.slides", "serve", str(folder / "tiny.ipynb"),
                                    "--idle-timeout", str(SERVE_IDLE_TIMEOUT_S), "--max-kernels", "1"],
                                   cwd=PROJECT_ROOT, stdout=output, stderr=subprocess.STDOUT)
    try:
        yield process, _read_url(process, log)
    finally:
        if process.poll() is None:
            process.terminate()  # serve stops Voila on SIGTERM too
            process.wait(timeout=30)


def _voila(process: subprocess.Popen) -> psutil.Process:
    """The one Voila that the serve command runs."""
    voila = [p for p in psutil.Process(process.pid).children() if " -m voila " in " ".join(p.cmdline())]
    assert len(voila) == 1, "the serve command should run exactly one Voila"
    return voila[0]


def _page(url: str, status: int = 200) -> requests.Response:
    """GET the slides (the server runs the notebook in a new kernel); the answer must have ``status``."""
    response = _LOCAL.get(url, timeout=60)
    assert response.status_code == status, f"{response.status_code} (expected {status}):\n{response.text[-2000:]}"
    return response


def _kernels_after(process: subprocess.Popen, count: int, timeout: float) -> int:
    """The number of kernels below ``process`` once it is ``count``, or after ``timeout`` seconds."""
    deadline = time.monotonic() + timeout
    while len(processes.kernel_processes(process.pid)) != count and time.monotonic() < deadline:
        time.sleep(0.2)
    return len(processes.kernel_processes(process.pid))


def test_serve_prints_a_loopback_url_with_a_random_token(served) -> None:
    _, url = served
    parts = urlsplit(url)
    assert (parts.scheme, parts.hostname) == ("http", "127.0.0.1")
    assert re.fullmatch(r"token=[0-9a-f]{32}", parts.query)
    without = _LOCAL.get(url.split("?")[0], timeout=10, allow_redirects=False)
    assert without.status_code in (302, 403) and "token=" not in without.headers.get("Location", "")


def test_the_token_is_on_no_command_line_only_in_a_private_file(served) -> None:
    process, url = served
    token = urlsplit(url).query.removeprefix("token=")
    tree = [psutil.Process(process.pid), *psutil.Process(process.pid).children(recursive=True)]
    assert not [p.pid for p in tree if token in " ".join(p.cmdline())], "the token shows in `ps`"
    config_dir = Path(next(a for a in _voila(process).cmdline() if a.startswith("--Voila.config_file_paths=")).split("=", 1)[1])
    assert config_dir.stat().st_mode & 0o777 == 0o700
    assert (config_dir / "voila.py").stat().st_mode & 0o777 == 0o600
    assert f"c.Voila.token = '{token}'" in (config_dir / "voila.py").read_text()


def test_served_page_takes_every_asset_from_the_server(served) -> None:
    _, url = served
    page = _LOCAL.get(url, timeout=60)
    assert page.status_code == 200 and "Second slide" in page.text and "42" in page.text
    sources = re.findall(r"<(?:link|script|img)\b[^>]*\b(?:href|src)=\"([^\"]+)\"", page.text)
    assert any(s.endswith("/static/reveal/dist/reveal.css") for s in sources)
    assert any("/static/reveal/dist/theme/simple.css" in s for s in sources)
    for source in sources:
        absolute = urljoin(url, source)
        assert urlsplit(absolute).hostname == "127.0.0.1", source
        if "/templates/" in source:
            assert _LOCAL.get(absolute, timeout=10).status_code == 200, source


def test_a_page_fetched_without_a_browser_does_not_keep_its_kernel(served) -> None:
    process, url = served
    assert _kernels_after(process, 0, KERNEL_GONE_S) == 0
    _page(url)  # runs the notebook; nothing ever connects to the kernel
    assert len(processes.kernel_processes(process.pid)) == 1
    assert _kernels_after(process, 0, KERNEL_GONE_S) == 0, f"the kernel was not culled within {KERNEL_GONE_S:.0f} s"


def test_one_page_beyond_the_kernel_limit_is_turned_away_with_a_clear_message(served) -> None:
    process, url = served
    assert _kernels_after(process, 0, KERNEL_GONE_S) == 0
    _page(url)  # the one kernel allowed (--max-kernels 1)
    refused = _page(url, 503)
    assert "runs 1 kernels, one per open page, and that is its limit (max_kernels=1)" in refused.text
    assert "Close a page you no longer need, then reload this one" in refused.text
    assert len(processes.kernel_processes(process.pid)) == 1
    assert _kernels_after(process, 0, KERNEL_GONE_S) == 0  # the idle culler frees the first page's kernel ...
    _page(url)  # ... and a new page gets one


def test_ctrl_c_stops_the_server_and_its_kernels(served) -> None:
    process, url = served
    voila = _voila(process)
    config_dir = Path(next(a for a in voila.cmdline() if a.startswith("--Voila.config_file_paths=")).split("=", 1)[1])
    process.send_signal(signal.SIGINT)
    assert process.wait(timeout=30) is not None
    with pytest.raises(requests.ConnectionError):
        _LOCAL.get(url, timeout=5)
    assert not voila.is_running() or voila.status() == psutil.STATUS_ZOMBIE, "Voila outlived the serve command"
    assert not config_dir.exists(), "the private settings folder outlived the serve command"
