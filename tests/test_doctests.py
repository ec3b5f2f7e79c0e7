"""The examples in the docstrings of utils/ are run: a docstring example that no longer holds fails the suite."""

from __future__ import annotations

import doctest
import importlib

import matplotlib
import pytest

from utils import PROJECT_ROOT

matplotlib.use("Agg")

MODULES = sorted(p.stem for p in (PROJECT_ROOT / "utils").glob("*.py") if p.stem != "__init__")


@pytest.mark.parametrize("name", MODULES)
def test_docstring_examples_hold(name):
    module = importlib.import_module(f"utils.{name}")
    result = doctest.testmod(module, optionflags=doctest.ELLIPSIS | doctest.NORMALIZE_WHITESPACE, verbose=False)
    assert result.failed == 0, f"utils.{name}: {result.failed} of {result.attempted} docstring examples fail (python -m doctest -v utils/{name}.py)"


def test_the_examples_are_found():
    found = sum(doctest.testmod(importlib.import_module(f"utils.{n}"), verbose=False, report=False).attempted for n in MODULES)
    assert found >= 40, f"only {found} docstring examples found in utils/"
