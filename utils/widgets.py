"""One small wiring layer for the collection's widgets.

A widget here only connects controls to a plain, tested function and shows its result;
the clinical logic lives in the other ``utils`` modules. :func:`explorer` builds the
standard layout: a title, the controls, a *Back to as reported* button that restores every
control to the value it started with, and a reading (text, a figure, or a readout with a
picture and tables) redrawn on every change by setting widget values.

Widgets work on values, never on the curated tables: nothing here can change ``casedata/``.
"""

from __future__ import annotations

import html
from collections.abc import Callable

import ipywidgets as widgets

#: Wide enough for clinical labels such as "HER2 IHC score".
CONTROL_STYLE = {"description_width": "12em"}
CONTROL_LAYOUT = widgets.Layout(width="36em")


def readout_html(text: str) -> str:
    """A reading's one-line readout as HTML (CSS class ``readout``, which the browser tests look for)."""
    return f'<p class="readout"><b>{html.escape(text)}</b></p>'


def tables_html(tables) -> str:
    """A reading's tables as one block of HTML."""
    return "".join(table.to_html(index=False, border=0) for table in tables)


def _markdown_to_html(text: str) -> str:
    import mistune  # imported on first use: only explorers that show Markdown need it

    # escape=True: raw HTML in the text is shown as text (curated cells are escaped as Markdown too)
    return mistune.create_markdown(escape=True, plugins=["table", "strikethrough"])(text)


def _figure_png(fig) -> bytes:
    import io

    import matplotlib.pyplot as plt

    from utils.plots import FIGURE_DPI, PNG_METADATA

    buffer = io.BytesIO()
    fig.savefig(buffer, format="png", dpi=FIGURE_DPI, metadata=PNG_METADATA, bbox_inches="tight")
    plt.close(fig)  # closed at once, so the inline backend never shows it a second time
    return buffer.getvalue()


class Explorer(widgets.VBox):
    """Controls, a reset button, and a reading redrawn from ``render(**values)`` on every change.

    ``title`` is plain text (escaped). ``render`` returns what to show: Markdown text (its raw HTML
    is escaped; curated cells in it must be escaped with :func:`utils.markup.markdown_text`), a
    matplotlib figure, an object with ``readout``, ``png`` and ``tables`` (see
    :mod:`utils.explorers`; the readout is escaped, pandas escapes the tables), or None to show nothing.
    The reading is shown by setting the value of an HTML widget and an image widget, never by
    capturing output: executors such as nbclient and Voila stall now and then on output captured
    inside a widget while a cell runs, and widget values also survive in a static page.
    """

    def __init__(self, title: str, controls: dict[str, widgets.ValueWidget], render: Callable[..., object]):
        self.controls = controls
        self.render = render
        self.reported = {name: control.value for name, control in controls.items()}
        self.reset_button = widgets.Button(description="Back to as reported", icon="undo")
        self.reset_button.on_click(lambda _: self.reset())
        for control in controls.values():
            control.style = CONTROL_STYLE
            control.layout = CONTROL_LAYOUT
            control.observe(lambda _: self.redraw(), names="value")
        self.readout = widgets.HTML()
        self.image = widgets.Image(format="png", layout=widgets.Layout(display="none"))
        self.tables = widgets.HTML()
        heading = widgets.HTML(f"<b>{html.escape(title, quote=False)}</b>")
        super().__init__([heading, *controls.values(), self.reset_button, self.readout, self.image, self.tables])
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
        """Call ``render`` with the current values and show what it returns."""
        self.show(self.render(**self.values()))

    def show(self, reading: object) -> None:
        """Show a reading (see the class docstring) in the explorer's widgets."""
        readout, png, tables = "", b"", ""
        if isinstance(reading, str):
            readout = _markdown_to_html(reading)
        elif hasattr(reading, "savefig"):  # a matplotlib figure
            png = _figure_png(reading)
        elif reading is not None:
            readout, png, tables = readout_html(reading.readout), reading.png, tables_html(reading.tables)
        self.readout.value = readout
        self.image.value = png
        self.image.layout.display = "" if png else "none"
        self.tables.value = tables


def explorer(title: str, controls: dict[str, widgets.ValueWidget], render: Callable[..., object]) -> Explorer:
    """Build an :class:`Explorer`; see the module docstring."""
    return Explorer(title, controls, render)
