"""Live seminar slides: which cell starts a slide, and a Voila reveal.js server that needs no network.

The slide rules (:func:`slide_types`) read a notebook's own structure; every cell gets one
``slideshow.slide_type``:

* a Markdown cell opening with a ``# `` or ``## `` heading starts a **slide**; one opening with
  ``### `` (or deeper) starts a **subslide** (below the slide, reached with the down arrow);
* one figure, table or widget per screen: a code cell that shows one starts a **subslide** when
  the current screen already shows one (text outputs and Markdown stay where they fall, so a
  caption stays with its figure);
* a Markdown cell holding a *Stop and think* box (``<details>`` with a model answer) starts a
  **subslide**, so the room pauses on a fresh screen, unless it opens as a caption (``*Figure:``,
  ``*Source:``, ``*What to see:*`` ...), which stays with its figure or table;
* a live widget (an explorer) opens a **subslide** of its own, so that its controls and its whole
  figure are in view together on a 1280 x 720 projector (unless it sits right under a heading,
  which is its title); the instructions right above it ("Things to try ...") open the screen just
  before it (a **subslide**), unless they are a caption or a heading;
* a cell that is only a folded model answer (``<details>`` first) is a **fragment**;
* the ``navigation`` cells (links to the other notebooks, which one Voila app cannot follow) are
  **skipped**;
* everything else continues the current slide (``-``). The self-check and the references stay
  in: the tutor can run the quiz with the room and show the sources when asked.

:func:`apply_slide_metadata` writes those types into the cells' metadata, and :func:`check`
lists notebooks whose stored types differ from the rules.

The server (:func:`serve`) runs Voila with the ``bmm-reveal`` template (``delivery/voila_reveal``),
a child of Voila's ``reveal`` template whose style sheets come from the template's own
``static/`` folder instead of CDNs. :func:`prepare_template` writes that template, with
reveal.js's style sheets from the pinned ``rise`` wheel (:mod:`delivery.assets`), into
``build/slides/``, which Voila finds through ``JUPYTER_PATH``. Voila binds to 127.0.0.1 and
requires a fresh random token. Its settings, the token among them, are in a ``voila.py`` that
only its owner can read (mode 0600, in a private temporary folder removed at exit), never on
its command line, which every local user can read (``ps``). Voila frees kernels (see
:mod:`delivery.voila_kernels` and :class:`KernelLimits`): a page's kernel stops when the page
closes, a kernel no page is connected to stops after ``--idle-timeout`` seconds idle, and at
most ``--max-kernels`` run at once.

Usage::

    python -m delivery.slides serve notebooks/06_alternative_timelines.ipynb [--port N]
                                    [--idle-timeout SECONDS] [--max-kernels N]
    python -m delivery.slides check [notebook ...]     # exit 1 if slide metadata differs from the rules
    python -m delivery.slides apply notebook ...       # write the rules' slide metadata into notebooks
"""

from __future__ import annotations

import argparse
import os
import re
import secrets
import shutil
import signal
import socket
import subprocess
import sys
import tempfile
import time
from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from pathlib import Path

import nbformat

from delivery import BUILD_DIR, PROJECT_ROOT, assets
from delivery.navigation import course_notebooks
from delivery.processes import LOOPBACK, free_port, stop_process_group, write_private

SLIDE, SUBSLIDE, FRAGMENT, CONTINUE, SKIP = "slide", "subslide", "fragment", "-", "skip"
SKIPPED_TAG = "navigation"
WIDGET_MIME = "application/vnd.jupyter.widget-view+json"
#: Outputs that fill a screen: tables and widgets (and every ``image/*``).
DISPLAY_MIMES = ("text/html", WIDGET_MIME)
CELL_TYPES = ("markdown", "code", "raw")

TEMPLATE_NAME = "bmm-reveal"
TEMPLATE_SOURCE: Path = PROJECT_ROOT / "delivery" / "voila_reveal"
#: The folder put on ``JUPYTER_PATH``; Voila finds the template in ``voila/templates/<name>/`` below it.
SLIDES_DIR: Path = BUILD_DIR / "slides"

_HEADING = re.compile(r"^(#{1,6})\s")
_ANSWER = re.compile(r"^(?:>\s*)*<details\b", re.IGNORECASE)
_CAPTION = re.compile(r"^\*(?![*\s])")  # "*Figure: ...*", not "**bold**" nor a "* item" list
_COMMENTS = re.compile(r"/\*.*?\*/|\{#.*?#\}", re.DOTALL)
_NETWORK_URL = re.compile(r"(?:\b(?:https?|wss?|ftp):|(?<=[\"'(]))//[a-z0-9][^\s\"')>]*", re.IGNORECASE)
_TEXT_SUFFIXES = {".css", ".js", ".j2", ".json", ".html"}


class SlideError(ValueError):
    """A notebook (or cell) that the slide rules cannot read."""


# The rules ----------------------------------------------------------------------------
def _source(cell: Mapping, index: int) -> str:
    source = cell.get("source", "")
    if isinstance(source, list) and all(isinstance(part, str) for part in source):
        return "".join(source)
    if not isinstance(source, str):
        raise SlideError(f"cell {index}: 'source' must be text or a list of lines, got {type(source).__name__}")
    return source


def _cells(nb: Mapping) -> list[Mapping]:
    """The cells of ``nb``, checked: a list of cells, each with a known ``cell_type``."""
    if not isinstance(nb, Mapping) or not isinstance(nb.get("cells"), list):
        raise SlideError(f"expected a notebook (a mapping with a 'cells' list, nbformat 4), got {type(nb).__name__}"
                         + ("" if not isinstance(nb, Mapping) else f" with keys {sorted(nb)[:6]}"))
    if nb.get("nbformat", 4) != 4:
        raise SlideError(f"expected nbformat 4, got nbformat {nb.get('nbformat')!r}")
    for index, cell in enumerate(nb["cells"]):
        if not isinstance(cell, Mapping):
            raise SlideError(f"cell {index}: expected a mapping, got {type(cell).__name__}")
        if cell.get("cell_type") not in CELL_TYPES:
            raise SlideError(f"cell {index}: cell_type {cell.get('cell_type')!r} is not one of {', '.join(CELL_TYPES)}")
        if not isinstance(cell.get("metadata", {}), Mapping):
            raise SlideError(f"cell {index}: 'metadata' must be a mapping, got {type(cell.get('metadata')).__name__}")
        _source(cell, index)
    return nb["cells"]


def _first_line(cell: Mapping, index: int) -> str:
    return next((line.strip() for line in _source(cell, index).splitlines() if line.strip()), "")


def _heading_level(cell: Mapping, index: int) -> int:
    """1-6 for a Markdown cell that opens with a heading, else 0."""
    if cell["cell_type"] != "markdown":
        return 0
    match = _HEADING.match(_first_line(cell, index))
    return len(match.group(1)) if match else 0


def _outputs(cell: Mapping) -> set[str]:
    """The MIME types of a code cell's stored outputs."""
    return {mime for output in cell.get("outputs", []) for mime in output.get("data", {})} if cell["cell_type"] == "code" else set()


def _has_widget(cell: Mapping) -> bool:
    """A code cell whose stored output is a live widget (an explorer)."""
    return WIDGET_MIME in _outputs(cell)


def _has_display(cell: Mapping) -> bool:
    """A code cell that shows a figure, a table or a widget (not only text)."""
    return any(mime.startswith("image/") or mime in DISPLAY_MIMES for mime in _outputs(cell))


def _cell_type(cells: list[Mapping], index: int, shown: bool) -> str:
    """The slide type of ``cells[index]``; ``shown``: the current (sub)slide already holds a display.

    The rules of the module docstring, in this order.
    """
    cell = cells[index]
    following = cells[index + 1] if index + 1 < len(cells) else None
    if SKIPPED_TAG in cell.get("metadata", {}).get("tags", []):
        return SKIP
    level = _heading_level(cell, index)
    if level:
        return SLIDE if level <= 2 else SUBSLIDE
    if cell["cell_type"] == "markdown":
        first = _first_line(cell, index)
        if _ANSWER.match(first):
            return FRAGMENT
        caption = bool(_CAPTION.match(first))
        if not caption and following is not None and _has_widget(following):
            return SUBSLIDE  # the instructions open the screen before the explorer's
        if not caption and "<details" in _source(cell, index).lower():
            return SUBSLIDE  # a Stop and think box: pause on a fresh screen
        return CONTINUE
    if _has_widget(cell) and not (index > 0 and _heading_level(cells[index - 1], index - 1)):
        return SUBSLIDE  # an explorer: a screen of its own
    return SUBSLIDE if shown and _has_display(cell) else CONTINUE


def slide_types(nb: Mapping) -> list[str]:
    """The ``slideshow.slide_type`` the rules give each cell of ``nb``, in order.

    Raises :class:`SlideError` naming the cell and what was expected if ``nb`` is not a
    readable nbformat-4 notebook.
    """
    cells = _cells(nb)
    types: list[str] = []
    shown = False
    for index, cell in enumerate(cells):
        kind = _cell_type(cells, index, shown)
        if kind in (SLIDE, SUBSLIDE):
            shown = False
        if kind != SKIP and _has_display(cell):
            shown = True
        types.append(kind)
    return types


def apply_slide_metadata(nb: Mapping) -> bool:
    """Set ``metadata["slideshow"] = {"slide_type": ...}`` on every cell; True if anything changed.

    Idempotent: a second call changes nothing and returns False. Other metadata is kept.
    """
    changed = False
    for cell, wanted in zip(_cells(nb), slide_types(nb)):
        metadata = cell.setdefault("metadata", {})
        if metadata.get("slideshow") != {"slide_type": wanted}:
            metadata["slideshow"] = {"slide_type": wanted}
            changed = True
    return changed


def differences(nb: Mapping) -> list[str]:
    """One line per cell whose stored slide metadata is not what the rules give."""
    lines = []
    for index, (cell, wanted) in enumerate(zip(_cells(nb), slide_types(nb))):
        stored = cell.get("metadata", {}).get("slideshow")
        if stored != {"slide_type": wanted}:
            lines.append(f"cell {index}: slideshow is {stored!r}, the rules give {{'slide_type': {wanted!r}}}")
    return lines


def read_notebook(path: Path) -> nbformat.NotebookNode:
    """The notebook at ``path``; a :class:`SlideError` naming the file if it is not one."""
    try:
        return nbformat.read(path, as_version=nbformat.NO_CONVERT)
    except (OSError, ValueError, nbformat.reader.NotJSONError) as error:
        raise SlideError(f"{path}: not a readable notebook ({error})") from error


# The offline template ---------------------------------------------------------------------
def network_references(folder: Path) -> list[str]:
    """Every http(s)/ws/ftp or protocol-relative URL in the text files below ``folder``, comments excluded.

    Comments (``/* */`` in style sheets, ``{# #}`` in templates) may name sites, as licence
    headers do; anything else that names one could make the browser fetch it.
    """
    found = []
    for path in sorted(folder.rglob("*")):
        if path.suffix in _TEXT_SUFFIXES and path.is_file():
            text = _COMMENTS.sub("", path.read_text(encoding="utf-8", errors="replace"))
            found += [f"{path.relative_to(folder)}: {url}" for url in _NETWORK_URL.findall(text)]
    return found


def prepare_template(root: Path = SLIDES_DIR) -> Path:
    """Write the ``bmm-reveal`` Voila template below ``root``; return ``root`` (for ``JUPYTER_PATH``).

    The template is ``delivery/voila_reveal`` plus, in its ``static/reveal/``, reveal.js's
    style sheets and fonts unpacked from the pinned rise wheel (``css/`` renamed ``dist/``, the
    layout nbconvert's reveal template links to). reveal.js's own script is not needed: Voila
    brings its own. Raises :class:`RuntimeError` if anything written names a network URL.
    """
    template = root / "voila" / "templates" / TEMPLATE_NAME
    shutil.rmtree(template, ignore_errors=True)
    shutil.copytree(TEMPLATE_SOURCE, template, ignore=shutil.ignore_patterns("__pycache__", ".ipynb_checkpoints"))
    # one script for the static and the live slides: the "more below" cue, wide figures at a readable size
    shutil.copy(PROJECT_ROOT / "delivery" / "static" / "slide-aids.js", template / "static" / "slide-aids.js")
    reveal = assets.install_reveal(template / "static")
    (reveal / "css").rename(reveal / "dist")
    for unused in ("js", "plugin"):
        shutil.rmtree(reveal / unused)
    remote = network_references(root)
    if remote:
        raise RuntimeError("the slides template would fetch from the network:\n  " + "\n  ".join(remote))
    return root


# The server ---------------------------------------------------------------------------------
@dataclass(frozen=True)
class KernelLimits:
    """How Voila frees kernels (about 220 MB each for notebook 06; see :mod:`delivery.voila_kernels`).

    ``idle_timeout_s``: a kernel that no page is connected to (a tab closed without the browser
    saying so, a page fetched without a browser) stops after this many seconds idle; the culler
    looks every ``cull_interval_s``. ``max_kernels``: the most kernels alive at once; one more
    page gets an error naming the limit. A page that stays open keeps its kernel (one whose
    connection broke off, a laptop that slept, needs a reload).
    """

    idle_timeout_s: int = 60
    max_kernels: int = 4

    def __post_init__(self) -> None:
        for name in ("idle_timeout_s", "max_kernels"):
            value = getattr(self, name)
            if not isinstance(value, int) or isinstance(value, bool) or value < 1:
                raise ValueError(f"KernelLimits.{name} must be a whole number of at least 1, got {value!r}")

    @property
    def cull_interval_s(self) -> int:
        return max(1, self.idle_timeout_s // 4)


def voila_config(port: int, token: str, run_dir: Path, template: str | None = TEMPLATE_NAME,
                 limits: KernelLimits = KernelLimits()) -> dict[str, dict[str, object]]:
    """Voila's settings (traitlets sections) for serving on ``127.0.0.1:port`` with ``token`` (never empty).

    Connection files go below ``run_dir``; ``template`` None keeps Voila's default (lab) template.
    """
    if not token:
        raise ValueError("an empty token would turn authentication off")
    config: dict[str, dict[str, object]] = {
        "Voila": {"ip": LOOPBACK, "port": port, "port_retries": 0, "open_browser": False, "token": token,
                  "connection_dir_root": str(run_dir)},
        "MappingKernelManager": {"cull_idle_timeout": limits.idle_timeout_s, "cull_interval": limits.cull_interval_s,
                                 "cull_connected": False, "cull_busy": False},
        "SlidesKernelManager": {"max_kernels": limits.max_kernels},
    }
    if template:
        config["VoilaConfiguration"] = {"template": template}
    return config


def write_voila_config(folder: Path, config: Mapping[str, Mapping[str, object]]) -> Path:
    """Write ``config`` as ``folder/voila.py`` (mode 0600) with the kernel cap and close hook of
    :mod:`delivery.voila_kernels`; return the file."""
    lines = ['"""Voila settings of one slides server (written by delivery.slides; readable by its owner only)."""',
             "from delivery import voila_kernels", "",
             "c.VoilaConfiguration.multi_kernel_manager_class = voila_kernels.SlidesKernelManager",
             "c.VoilaConfiguration.prelaunch_hook = voila_kernels.set_xsrf_cookie"]
    lines += [f"c.{section}.{key} = {value!r}" for section, values in config.items() for key, value in values.items()]
    return write_private(Path(folder) / "voila.py", "\n".join(lines) + "\n")


def voila_command(notebook: Path, config_dir: Path) -> list[str]:
    """Voila serving ``notebook`` with the settings in ``config_dir/voila.py`` (port, token: see :func:`voila_config`)."""
    return [sys.executable, "-m", "voila", str(notebook), f"--Voila.config_file_paths={config_dir}"]


def voila_environment(root: Path | None, base: Mapping[str, str] | None = None) -> dict[str, str]:
    """``base`` (default: this process's environment) with ``root`` (unless None: the template) first on
    ``JUPYTER_PATH`` and the project first on ``PYTHONPATH`` (Voila imports :mod:`delivery.voila_kernels`)."""
    env = dict(os.environ if base is None else base)
    for name, first in (("JUPYTER_PATH", root), ("PYTHONPATH", PROJECT_ROOT)):
        if first is not None:
            env[name] = os.pathsep.join(p for p in (str(first), env.get(name, "")) if p)
    return env


def _wait_for_port(port: int, process: subprocess.Popen, timeout: float = 60.0) -> bool:
    """True once something accepts connections on ``127.0.0.1:port``; False if ``process`` ends or time runs out."""
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline and process.poll() is None:
        with socket.socket(socket.AF_INET, socket.SOCK_STREAM) as sock:
            sock.settimeout(1.0)
            if sock.connect_ex((LOOPBACK, port)) == 0:
                return True
        time.sleep(0.2)
    return False


def _interrupt(signum: int, frame: object) -> None:
    raise KeyboardInterrupt(signal.Signals(signum).name)


def serve(notebook: Path, port: int | None = None, limits: KernelLimits = KernelLimits()) -> int:
    """Prepare the template and run Voila on ``notebook`` until Ctrl-C; return Voila's exit code.

    Voila runs in its own session, so Ctrl-C reaches only this process, which then stops Voila
    and its kernels. So do SIGTERM and SIGHUP (a closed terminal): Voila never outlives this
    process, and its private settings folder goes with it.
    """
    for sig in (signal.SIGINT, signal.SIGTERM, signal.SIGHUP):
        signal.signal(sig, _interrupt)
    notebook = Path(notebook).resolve()
    if notebook.suffix != ".ipynb" or not notebook.is_file():
        raise SlideError(f"{notebook}: expected an existing .ipynb file")
    read_notebook(notebook)
    root = prepare_template()
    port = port or free_port()
    token = secrets.token_hex(16)
    run_dir = Path(tempfile.mkdtemp(prefix="bmm-slides-"))  # mode 0700
    process = None
    try:
        write_voila_config(run_dir, voila_config(port, token, run_dir, limits=limits))
        process = subprocess.Popen(voila_command(notebook, run_dir), cwd=notebook.parent, stdin=subprocess.DEVNULL,
                                   env=voila_environment(root), start_new_session=True)
        if not _wait_for_port(port, process):
            print(f"error: Voila did not start on {LOOPBACK}:{port} (see its messages above)", file=sys.stderr)
            return 1
        print(f"\nSlides of {notebook.name} (Voila + reveal.js, nothing fetched from the network).\n"
              f"Open: http://{LOOPBACK}:{port}/?token={token}\n"
              f"Each open page has its own kernel (at most {limits.max_kernels}); closing a page frees it.\n"
              f"Stop with Ctrl-C.\n", flush=True)
        return process.wait()
    except KeyboardInterrupt:
        return stop_process_group(process) if process is not None else 130
    finally:
        if process is not None:
            stop_process_group(process)
        shutil.rmtree(run_dir, ignore_errors=True)


# Command line ---------------------------------------------------------------------------
def check(paths: Sequence[Path], shown: int = 5) -> list[str]:
    """One report per notebook of ``paths`` whose slide metadata differs from the rules (at most ``shown`` cells each)."""
    reports = []
    for path in paths:
        lines = differences(read_notebook(path))
        if lines:
            more = [f"  ... and {len(lines) - shown} more"] if len(lines) > shown else []
            reports.append("\n".join([f"{path}: {len(lines)} cells differ from the slide rules "
                                       f"(fix: python -m delivery.slides apply {path})"]
                                      + [f"  {line}" for line in lines[:shown]] + more))
    return reports


def apply(paths: Sequence[Path]) -> list[Path]:
    """Write the rules' slide metadata into the notebooks at ``paths``; return those that changed."""
    changed = []
    for path in paths:
        nb = read_notebook(path)
        if apply_slide_metadata(nb):
            nbformat.write(nb, path)
            changed.append(path)
    return changed


def _at_least_one(text: str) -> int:
    """A command-line whole number of at least 1."""
    try:
        value = int(text)
    except ValueError:
        raise argparse.ArgumentTypeError(f"expected a whole number, got {text!r}") from None
    if value < 1:
        raise argparse.ArgumentTypeError(f"expected at least 1, got {value}")
    return value


def main(argv: Sequence[str]) -> int:
    parser = argparse.ArgumentParser(prog="python -m delivery.slides", description=__doc__.split("\n\n")[0])
    commands = parser.add_subparsers(dest="command", required=True)
    serve_parser = commands.add_parser("serve", help="serve one notebook as live slides on 127.0.0.1")
    serve_parser.add_argument("notebook", type=Path)
    serve_parser.add_argument("--port", type=int, default=None, help="default: a free port")
    serve_parser.add_argument("--idle-timeout", type=_at_least_one, default=KernelLimits.idle_timeout_s, metavar="SECONDS",
                              help="stop a kernel no page is connected to after this long idle (default: %(default)s)")
    serve_parser.add_argument("--max-kernels", type=_at_least_one, default=KernelLimits.max_kernels, metavar="N",
                              help="most kernels (open pages) at once (default: %(default)s)")
    check_parser = commands.add_parser("check", help="list cells whose slide metadata differs from the rules")
    check_parser.add_argument("notebooks", type=Path, nargs="*", help="default: every notebooks/NN_*.ipynb")
    apply_parser = commands.add_parser("apply", help="write the rules' slide metadata into notebooks")
    apply_parser.add_argument("notebooks", type=Path, nargs="+")
    args = parser.parse_args(argv)
    try:
        if args.command == "serve":
            return serve(args.notebook, args.port, KernelLimits(args.idle_timeout, args.max_kernels))
        if args.command == "apply":
            for path in apply(args.notebooks):
                print(f"wrote slide metadata into {path}")
            return 0
        paths = args.notebooks or course_notebooks()
        problems = check(paths)
        print("\n".join(problems) if problems else f"slide metadata of {len(paths)} notebooks follows the rules")
        return 1 if problems else 0
    except (SlideError, RuntimeError) as error:  # RuntimeError: the template or its assets (assets.AssetError)
        print(f"error: {error}", file=sys.stderr)
        return 2


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
