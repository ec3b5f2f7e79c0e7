"""Shared code for the teaching notebooks on bone marrow metastasis of breast cancer.

Import the module you need, by name, so a reader can always see where a helper lives::

    from utils import casedata, plots

Modules
-------
casedata  load and validate the curated tables in ``casedata/`` (the only way notebooks read data)
units     unit normalisation and conversion for laboratory values
plots     the one plotting style of the collection and deterministic PNG output
course    the course map: notebooks, their order, timings and prerequisites
"""

from pathlib import Path

#: Root of the repository (the folder that holds ``casedata/`` and ``notebooks/``).
PROJECT_ROOT: Path = Path(__file__).resolve().parent.parent

__all__ = ["PROJECT_ROOT"]
