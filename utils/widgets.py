"""One small wiring layer for the collection's widgets.

A widget here only connects controls to a plain, tested function and shows its result;
the clinical logic lives in the other ``utils`` modules. :func:`explorer` builds the
standard layout: a title, the controls, a *Back to as reported* button that restores every
control to the value it started with, and an output area redrawn on every change.

Widgets work on values, never on the curated tables: nothing here can change ``casedata/``.
"""

from __future__ import annotations

from collections.abc import Callable

import ipywidgets as widgets

#: Wide enough for clinical labels such as "HER2 IHC score".
CONTROL_STYLE = {"description_width": "12em"}
CONTROL_LAYOUT = widgets.Layout(width="36em")


class Explorer(widgets.VBox):
    """Controls, a reset button and an output area redrawn by ``render(**values)``."""

    def __init__(self, title: str, controls: dict[str, widgets.ValueWidget], render: Callable[..., None]):
        self.controls = controls
        self.render = render
        self.reported = {name: control.value for name, control in controls.items()}
        self.output = widgets.Output()
        self.reset_button = widgets.Button(description="Back to as reported", icon="undo")
        self.reset_button.on_click(lambda _: self.reset())
        for control in controls.values():
            control.style = CONTROL_STYLE
            control.layout = CONTROL_LAYOUT
            control.observe(lambda _: self.redraw(), names="value")
        super().__init__([widgets.HTML(f"<b>{title}</b>"), *controls.values(), self.reset_button, self.output])
        self.redraw()

    def values(self) -> dict:
        """The current value of every control, by name."""
        return {name: control.value for name, control in self.controls.items()}

    def reset(self) -> None:
        """Put every control back to the value it had when the explorer was made."""
        for name, value in self.reported.items():
            self.controls[name].value = value
        self.redraw()

    def redraw(self) -> None:
        """Clear the output area and call ``render`` with the current values."""
        self.output.clear_output(wait=True)
        with self.output:
            self.render(**self.values())


def explorer(title: str, controls: dict[str, widgets.ValueWidget], render: Callable[..., None]) -> Explorer:
    """Build an :class:`Explorer`; see the module docstring."""
    return Explorer(title, controls, render)
