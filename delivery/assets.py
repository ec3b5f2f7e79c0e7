"""Browser assets of the offline site and the slides, from the package registry, never a CDN.

The wheels named in ``delivery/assets.txt`` are downloaded once with pip (pinned by hash) into
``build/wheels`` and unpacked into an assets folder:

* ``reveal/``: reveal.js 3.9.2 from the ``rise`` wheel (script, style sheets, notes plugin,
  fonts, licence). Its "simple" theme imports two web fonts from Google; those ``@import``
  lines are removed, so the theme falls back to local fonts and asks nothing of the network.
* ``mathjax/``: MathJax 2.7 from the ``jupyter-server-mathjax`` wheel.

Usage: ``python -m delivery.assets <folder>`` (prints what it wrote).
"""

from __future__ import annotations

import re
import shutil
import subprocess
import sys
import zipfile
from pathlib import Path

from delivery import BUILD_DIR, PROJECT_ROOT

PINS: Path = PROJECT_ROOT / "delivery" / "assets.txt"
WHEEL_DIR: Path = BUILD_DIR / "wheels"

#: Where each asset lives inside its wheel, and where it goes in the assets folder.
REVEAL_PREFIX = "rise/static/reveal.js/"
REVEAL_PARTS = ("js/reveal.js", "css/reveal.css", "css/theme/simple.css", "css/print/", "plugin/notes/notes.js",
                "plugin/notes/notes.html", "lib/font/", "LICENSE")
MATHJAX_PREFIX = "jupyter_server_mathjax/static/"
MATHJAX_CONFIG = "TeX-AMS-MML_HTMLorMML-full"

#: A style sheet line that would fetch from the network (``@import url(https://...)``).
_REMOTE_IMPORT = re.compile(r"^\s*@import\s+url\(\s*['\"]?https?://[^)]*\)\s*;\s*$", re.MULTILINE)


class AssetError(RuntimeError):
    """An asset wheel could not be fetched or does not hold what is expected."""


def pinned_wheels(pins: Path = PINS) -> dict[str, str]:
    """``{distribution name: version}`` of every line of ``assets.txt``."""
    wheels = {}
    for number, line in enumerate(pins.read_text(encoding="utf-8").splitlines(), start=1):
        line = line.split("#", 1)[0].strip()
        if not line:
            continue
        match = re.match(r"^([A-Za-z0-9_.-]+)==([^\s]+)\s+--hash=sha256:[0-9a-f]{64}$", line)
        if not match:
            raise AssetError(f"{pins}:{number}: expected 'name==version --hash=sha256:<64 hex>', got {line!r}")
        wheels[match.group(1)] = match.group(2)
    return wheels


def wheel_path(name: str, wheel_dir: Path = WHEEL_DIR) -> Path:
    """The downloaded wheel of distribution ``name`` (fetching all pinned wheels if it is missing)."""
    version = pinned_wheels()[name]
    stem = f"{name.replace('-', '_')}-{version}-"
    found = sorted(wheel_dir.glob(f"{stem}*.whl")) if wheel_dir.is_dir() else []
    if not found:
        fetch_wheels(wheel_dir)
        found = sorted(wheel_dir.glob(f"{stem}*.whl"))
    if not found:
        raise AssetError(f"pip did not leave a wheel of {name}=={version} in {wheel_dir}")
    return found[0]


def fetch_wheels(wheel_dir: Path = WHEEL_DIR) -> None:
    """Download the pinned wheels (hash-checked by pip) into ``wheel_dir``."""
    wheel_dir.mkdir(parents=True, exist_ok=True)
    command = [sys.executable, "-m", "pip", "download", "--quiet", "--no-deps", "--only-binary=:all:",
               "--require-hashes", "-r", str(PINS), "-d", str(wheel_dir)]
    result = subprocess.run(command, capture_output=True, text=True)
    if result.returncode != 0:
        raise AssetError(f"pip could not download the site assets ({' '.join(command)}):\n{result.stderr[-2000:]}")


def _unpack(wheel: Path, prefix: str, parts: tuple[str, ...] | None, dest: Path) -> list[Path]:
    """Copy the members of ``wheel`` under ``prefix`` (only ``parts``, if given) into ``dest``."""
    written = []
    with zipfile.ZipFile(wheel) as archive:
        for member in archive.namelist():
            if not member.startswith(prefix) or member.endswith("/"):
                continue
            relative = member[len(prefix):]
            if parts is not None and not any(relative == p or (p.endswith("/") and relative.startswith(p)) for p in parts):
                continue
            target = dest / relative
            target.parent.mkdir(parents=True, exist_ok=True)
            target.write_bytes(archive.read(member))
            written.append(target)
    if not written:
        raise AssetError(f"{wheel.name} holds nothing under {prefix!r}")
    return written


def install_reveal(assets: Path) -> Path:
    """Unpack reveal.js into ``assets/reveal`` and make its theme local-only; return the folder."""
    dest = assets / "reveal"
    shutil.rmtree(dest, ignore_errors=True)
    written = _unpack(wheel_path("rise"), REVEAL_PREFIX, REVEAL_PARTS, dest)
    missing = [p for p in REVEAL_PARTS if not any(str(w.relative_to(dest)).startswith(p.rstrip("/")) for w in written)]
    if missing:
        raise AssetError(f"the rise wheel lacks reveal.js parts: {', '.join(missing)}")
    for sheet in dest.rglob("*.css"):
        text = sheet.read_text(encoding="utf-8")
        local = _REMOTE_IMPORT.sub("", text)
        if local != text:
            sheet.write_text(local, encoding="utf-8")
    return dest


def install_mathjax(assets: Path) -> Path:
    """Unpack MathJax 2.7 into ``assets/mathjax``; return the folder."""
    dest = assets / "mathjax"
    shutil.rmtree(dest, ignore_errors=True)
    _unpack(wheel_path("jupyter-server-mathjax"), MATHJAX_PREFIX, None, dest)
    if not (dest / "MathJax.js").is_file() or not (dest / "config" / f"{MATHJAX_CONFIG}.js").is_file():
        raise AssetError(f"the jupyter-server-mathjax wheel lacks MathJax.js or config/{MATHJAX_CONFIG}.js")
    return dest


def mathjax_url(prefix: str) -> str:
    """The script URL of MathJax below ``prefix`` (a relative path such as ``assets/``)."""
    return f"{prefix}mathjax/MathJax.js?config={MATHJAX_CONFIG},Safe"


def install_all(assets: Path) -> list[Path]:
    """Every asset folder, freshly unpacked into ``assets``."""
    assets.mkdir(parents=True, exist_ok=True)
    return [install_reveal(assets), install_mathjax(assets)]


if __name__ == "__main__":
    if len(sys.argv) != 2:
        sys.exit("usage: python -m delivery.assets <assets folder>")
    for folder in install_all(Path(sys.argv[1])):
        print(f"wrote {folder} ({sum(1 for p in folder.rglob('*') if p.is_file())} files)")
