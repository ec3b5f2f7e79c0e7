"""Units of laboratory values: the one place where they are recognised and converted.

Reports print units in many ways ("/μl", "/µL", "x 10^9/L", "g/dl"). This module

* recognises a printed unit (:func:`normalize_unit`),
* knows the standard unit of each analyte used across the collection
  (:data:`STANDARD_UNITS`),
* converts a printed value to that standard unit (:func:`to_standard`), and
* knows the range a value can physically take (:data:`POSSIBLE_RANGE`), to catch
  typing errors such as a haemoglobin of 68 g/dL.

Example
-------
>>> to_standard(4100, "/μl", "wbc")
(4.1, '10^9/L')
"""

from __future__ import annotations

import math

#: Standard unit of each analyte (the ``unit_std`` column of ``casedata/labs.csv``).
STANDARD_UNITS: dict[str, str] = {
    "hemoglobin": "g/dL",
    "platelets": "10^9/L",
    "wbc": "10^9/L",
    "neutrophils": "10^9/L",  # absolute neutrophil count (ANC)
    "ldh": "U/L",
    "cea": "ng/mL",
    "ca15_3": "U/mL",
    "ca125": "U/mL",
}

#: Printed unit (normalised spelling) -> (standard unit, factor that converts to it).
CONVERSIONS: dict[str, tuple[str, float]] = {
    # haemoglobin
    "g/dl": ("g/dL", 1.0),
    "g/l": ("g/dL", 0.1),
    # cell counts: per microlitre and per cubic millimetre are the same volume
    "/ul": ("10^9/L", 1e-3),
    "/mm3": ("10^9/L", 1e-3),
    "cells/ul": ("10^9/L", 1e-3),
    "10^3/ul": ("10^9/L", 1.0),
    "10^9/l": ("10^9/L", 1.0),
    # enzyme activity
    "u/l": ("U/L", 1.0),
    "iu/l": ("U/L", 1.0),
    # tumour markers
    "ng/ml": ("ng/mL", 1.0),
    "ug/l": ("ng/mL", 1.0),
    "u/ml": ("U/mL", 1.0),
    "ku/l": ("U/mL", 1.0),
}

#: Values outside these limits (standard units) cannot be real measurements in a living patient.
POSSIBLE_RANGE: dict[str, tuple[float, float]] = {
    "hemoglobin": (0.0, 25.0),
    "platelets": (0.0, 5000.0),
    "wbc": (0.0, 1000.0),
    "neutrophils": (0.0, 1000.0),
    "ldh": (0.0, 100_000.0),
    "cea": (0.0, 1_000_000.0),
    "ca15_3": (0.0, 1_000_000.0),
    "ca125": (0.0, 1_000_000.0),
}


class UnitError(ValueError):
    """A unit that is unknown, or does not fit the analyte it is printed with."""


def normalize_unit(unit: str) -> str:
    """Return a canonical spelling of a printed unit, for look-up in :data:`CONVERSIONS`.

    Micro signs (Greek mu U+03BC, micro sign U+00B5) become ``u``; case, spaces and a
    leading multiplication sign are dropped ("× 10^9/L" -> "10^9/l"). Case matters once: ``G/L`` (and ``Gpt/L``)
    is giga per litre, a cell count, and ``g/L`` grams per litre.
    """
    text = unit.strip().replace("\u03bc", "u").replace("\u00b5", "u").replace(" ", "")
    text = text.lstrip("×x*")
    if text in ("G/L", "G/l", "Gpt/L", "Gpt/l"):
        return "10^9/l"  # capital G is the SI prefix giga (10^9 cells per litre, common in European reports); g/L is grams
    text = text.replace("10⁹", "10^9").replace("10³", "10^3").replace("10e9", "10^9").replace("10e3", "10^3")
    return text.lower()


def standard_unit(analyte: str) -> str:
    """The standard unit of ``analyte``; :class:`UnitError` for an unknown analyte."""
    try:
        return STANDARD_UNITS[analyte]
    except KeyError:
        known = ", ".join(STANDARD_UNITS)
        raise UnitError(f"unknown analyte {analyte!r}; expected one of: {known}") from None


def conversion_factor(unit: str, analyte: str) -> float:
    """Factor that turns a value printed in ``unit`` into the standard unit of ``analyte``."""
    target = standard_unit(analyte)
    key = normalize_unit(unit)
    if key not in CONVERSIONS:
        known = ", ".join(sorted(CONVERSIONS))
        raise UnitError(f"unknown unit {unit!r}; known units (normalised): {known}")
    std, factor = CONVERSIONS[key]
    if std != target:
        hint = " (a cell count in giga per litre is written G/L, with a capital G)" if key == "g/l" else ""
        raise UnitError(f"unit {unit!r} measures {std}, which does not fit {analyte} (expected a unit convertible to {target}){hint}")
    return factor


def to_standard(value: float, unit: str, analyte: str) -> tuple[float, str]:
    """Convert ``value`` printed in ``unit`` to the standard unit of ``analyte``.

    Returns ``(value_std, unit_std)``, rounded to 10 significant digits so that
    4100 /μl gives exactly 4.1.
    """
    factor = conversion_factor(unit, analyte)
    converted = float(value) * factor
    return (float(f"{converted:.10g}"), standard_unit(analyte))


def agrees(value_std: float, expected: float) -> bool:
    """Whether a stored standard value equals the converted one (to rounding error)."""
    return math.isclose(value_std, expected, rel_tol=1e-9, abs_tol=1e-9)


def is_possible(value_std: float, analyte: str) -> bool:
    """Whether a value in standard units lies within :data:`POSSIBLE_RANGE` for the analyte."""
    low, high = POSSIBLE_RANGE[analyte]
    return low <= value_std <= high
