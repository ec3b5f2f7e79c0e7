"""One small wiring layer for the collection's widgets.

A widget here only connects controls to a plain, tested function and shows its result;
the clinical logic lives in the other ``utils`` modules. :func:`explorer` builds the
standard layout: a title, the controls, a *Back to as reported* button that restores every
control to the value it started with, and an output area redrawn on every change.
:func:`image_explorer` does the same for a callback that returns a reading (a readout, a PNG and
tables), shown by setting widget values instead of capturing output (notebook 06).

Widgets work on values, never on the curated tables: nothing here can change ``casedata/``.
"""

from __future__ import annotations

import html
from collections.abc import Callable

import ipywidgets as widgets

#: Wide enough for clinical labels such as "HER2 IHC score".
CONTROL_STYLE = {"description_width": "12em"}
CONTROL_LAYOUT = widgets.Layout(width="36em")


class Explorer(widgets.VBox):
    """Controls, a reset button and an output area redrawn by ``render(**values)``."""

    def __init__(self, title: str, controls: dict[str, widgets.ValueWidget], render: Callable[..., None],
                 views: tuple[widgets.Widget, ...] | None = None):
        self.controls = controls
        self.render = render
        self.reported = {name: control.value for name, control in controls.items()}
        self.reset_button = widgets.Button(description="Back to as reported", icon="undo")
        self.reset_button.on_click(lambda _: self.reset())
        for control in controls.values():
            control.style = CONTROL_STYLE
            control.layout = CONTROL_LAYOUT
            control.observe(lambda _: self.redraw(), names="value")
        if views is None:
            self.output = widgets.Output()
            views = (self.output,)
        super().__init__([widgets.HTML(f"<b>{title}</b>"), *controls.values(), self.reset_button, *views])
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


class ImageExplorer(Explorer):
    """An explorer whose callback returns a reading (``readout``, ``png``, ``tables``) shown in widgets.

    Instead of capturing output, it sets the value of three widgets: an HTML readout (CSS
    class ``readout``), an image and an HTML block of tables. Updating widget values is
    cheaper than re-rendering an output area, works the same in JupyterLab, Voila and a
    static page with embedded widget state, and stores no captured output in the notebook.
    """

    def __init__(self, title: str, controls: dict[str, widgets.ValueWidget], callback: Callable[..., object]):
        self.callback = callback
        self.readout = widgets.HTML()
        self.image = widgets.Image(format="png")
        self.tables = widgets.HTML()
        super().__init__(title, controls, render=callback, views=(self.readout, self.image, self.tables))

    def redraw(self) -> None:
        """Call the callback with the current values and show its reading."""
        reading = self.callback(**self.values())
        self.readout.value = f'<p class="readout"><b>{html.escape(reading.readout)}</b></p>'
        self.image.value = reading.png
        self.tables.value = "".join(table.to_html(index=False, border=0) for table in reading.tables)


def explorer(title: str, controls: dict[str, widgets.ValueWidget], render: Callable[..., None]) -> Explorer:
    """Build an :class:`Explorer`; see the module docstring."""
    return Explorer(title, controls, render)


def image_explorer(title: str, controls: dict[str, widgets.ValueWidget], callback: Callable[..., object]) -> ImageExplorer:
    """Build an :class:`ImageExplorer` around a callback that returns a reading."""
    return ImageExplorer(title, controls, callback)
