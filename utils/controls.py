"""Checks for the values that reach an explorer's callback: a number in its range, a choice among options.

An explorer (:mod:`utils.widgets`) passes its controls' values to a plain function. The widgets
usually send only what they offer, but not always: an ipywidgets ``FloatSlider`` takes NaN, a
dropdown's value can be set from code, and a callback is also called directly (in the
notebooks, the tests and ``make bench``). Every callback therefore checks every value with these
helpers before it computes or draws anything, and shows a :class:`ControlError` as its reading,
prefixed with :data:`REFUSED`, instead of raising or drawing a wrong picture.

The rule, the same for every explorer:

* NaN, +inf and -inf are **refused**, never clamped: NaN has no nearest value, and an infinite
  value has no meaning for any control;
* a finite number outside the control's range is **refused**, naming the range. (A slider moved
  by hand cannot leave its range: ipywidgets clamps it to its ends, and the clamped value is the
  one shown on the slider and in the reading, so nothing is hidden.)
* a whole number (days, cycles) with a fraction is refused rather than truncated;
* a value that is not among a dropdown's options is refused, with the options named;
* a check box takes True or False only (``bool(nan)`` is True, which would remove a line).

Each message names the control as its widget shows it, what was found and what was expected.
Which controls clamp a derived quantity instead (with a note in the reading) is listed in
:mod:`utils.explorers`.
"""

from __future__ import annotations

import math
import numbers
from collections.abc import Iterable, Sequence
from dataclasses import dataclass

import numpy as np

#: The first words of every refused reading (the tests look for it).
REFUSED = "Not shown:"


class ControlError(ValueError):
    """A control value an explorer cannot draw; the message names the control, the value found and what was expected."""


def refusal(error: ValueError) -> str:
    """The reading shown instead of a picture for a refused value."""
    return f"{REFUSED} {error}"


@dataclass(frozen=True)
class NumberRange:
    """The numbers one control accepts: finite, from ``low`` to ``high`` (both included), whole if ``whole``.

    ``label`` and ``unit`` also make the widget's description (:meth:`description`), so the
    message names the control as the resident sees it.
    """

    label: str
    low: float
    high: float
    unit: str = ""
    whole: bool = False

    def description(self) -> str:
        return f"{self.label} ({self.unit})" if self.unit else self.label

    def expected(self) -> str:
        kind = "a whole number" if self.whole else "a number"
        unit = "" if not self.unit else self.unit if self.unit == "%" else f" {self.unit}"
        return f"{kind} from {self.low:g} to {self.high:g}{unit}"

    def check(self, value: object) -> float | int:
        """``value`` as a float (an int if ``whole``); :class:`ControlError` if it is not one this control accepts."""
        if isinstance(value, bool) or not isinstance(value, numbers.Real):
            raise ControlError(f"{self.label}: found {value!r}; expected {self.expected()}")
        number = float(value)
        if not math.isfinite(number):
            raise ControlError(f"{self.label}: found {value!r}, which is not a finite number; expected {self.expected()}")
        if not self.low <= number <= self.high:
            raise ControlError(f"{self.label}: found {value!r}, outside the range; expected {self.expected()}")
        if self.whole and not number.is_integer():
            raise ControlError(f"{self.label}: found {value!r}, which is not whole; expected {self.expected()}")
        return int(number) if self.whole else number


def _same(value: object, option: object) -> bool:
    """Equal, and not a bool standing in for a number (``False == 0`` in Python)."""
    return isinstance(value, bool) == isinstance(option, bool) and bool(value == option)


def check_choice(label: str, value: object, options: Iterable[object]) -> object:
    """``value`` if it is one of ``options``; otherwise :class:`ControlError` naming the options."""
    options = list(options)
    try:
        if any(_same(value, option) for option in options):
            return value
    except (TypeError, ValueError):  # an array or another value that cannot be compared
        pass
    raise ControlError(f"{label}: found {value!r}; expected one of: {', '.join(map(str, options))}")


def check_choices(label: str, values: object, options: Iterable[object]) -> tuple:
    """A multiple choice: every element one of ``options`` (a single string counts as one element)."""
    if isinstance(values, str):
        values = (values,)
    if not isinstance(values, Sequence):
        raise ControlError(f"{label}: found {values!r}; expected a selection (a tuple) from: {', '.join(map(str, options))}")
    options = list(options)
    return tuple(check_choice(label, value, options) for value in values)


def check_flag(label: str, value: object) -> bool:
    """A check box: True or False only."""
    if not isinstance(value, (bool, np.bool_)):
        raise ControlError(f"{label}: found {value!r}; expected True or False")
    return bool(value)
