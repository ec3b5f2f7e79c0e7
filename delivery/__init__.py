"""Seminar and self-study delivery: navigation, slides, the offline site and its browser assets.

Maintainer tooling, not imported by the notebooks (they import :mod:`utils`). Each module
has a command line: ``python -m delivery.navigation``, ``python -m delivery.site``, ...
(the Makefile targets call them).
"""

from pathlib import Path

PROJECT_ROOT: Path = Path(__file__).resolve().parent.parent
BUILD_DIR: Path = PROJECT_ROOT / "build"
