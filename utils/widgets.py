"""One small wiring layer for the collection's widgets.

A widget here only connects controls to a plain, tested function and shows its result;
the clinical logic lives in the other ``utils`` modules. :func:`explorer` builds the
standard layout: a title, the controls, a *Back to as reported* button that restores every
control to the value it started with, and a reading (text, a figure, or a readout with a
picture and tables) redrawn on every change by setting widget values.

The layout fits a projector and a phone. Under the title, the controls and the reset button make
a column on the left (:data:`COLUMN_WIDTH`), and the readout with the figure sits to its right; the
two wrap onto separate rows when the page is narrower than both (a phone). Tables follow below.
Explorer figures are drawn for that place (:data:`FIGURE_PX`, at :data:`WIDGET_DPI` in the style
of :func:`explorer_style`) and shown at their natural size, never stretched, so their smallest text
stays at least :data:`MIN_TEXT_PX` pixels high on screen; at 1280x720 (JupyterLab with its side bar
closed, or a slide) the title, the controls, the button, the readout and the whole figure are in
view together.

Every control has a description (its accessible name; a control built without one is described by
its key), and the picture's ``tooltip`` carries a short description of the current reading
(:class:`DescribedImage`), which the browser shows as the image's title (its name for a screen
reader) and the static site uses as its alt text; it is cleared when there is no picture. A multiple
choice is a :class:`CheckboxGroup`: every option in view, each box named by its option.

Widgets work on values, never on the curated tables: nothing here can change ``casedata/``.
"""

from __future__ import annotations

import html
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from dataclasses import dataclass, field

import ipywidgets as widgets
from traitlets import Tuple, Unicode

#: Description column of every control: wide enough for clinical labels such as "mammaglobin (added?)", and never
#: more than about half the control, so that a slider keeps its track in a phone's narrow column.
CONTROL_STYLE = {"description_width": "min(12em, 47%)"}
#: Every control fills the width of the controls column, and never more.
CONTROL_LAYOUT: dict[str, str] = {"width": "auto", "max_width": "100%"}  # values, not a widget: importing makes no widget
#: Width of the controls column, in em of the widget font: it starts from the first, grows up to the second when
#: the row has room, and narrows to the page on a phone. (A basis below the widest keeps the figure beside the
#: controls when a page sets a larger widget font.)
COLUMN_WIDTH: tuple[str, str] = ("21em", "27em")
#: Room for a reading's figure beside the controls at 1280x720, in CSS pixels (width, greatest height): JupyterLab
#: shows about 600 px of a notebook at that size, which leaves this much under the title and a readout.
FIGURE_PX: tuple[int, int] = (680, 520)
#: Resolution of explorer figures: one point of text is 1.25 pixels, so 12 pt text is 15 px on screen.
WIDGET_DPI = 90
#: Smallest text in an explorer figure, in pixels at natural size.
MIN_TEXT_PX = 14
#: The font sizes (points) of explorer figures: at :data:`WIDGET_DPI`, 12 pt is 15 px.
EXPLORER_RC = {
    "font.size": 12.0, "axes.labelsize": 13.0, "axes.titlesize": 14.0, "figure.titlesize": 14.0,
    "xtick.labelsize": 12.0, "ytick.labelsize": 12.0, "legend.fontsize": 12.0, "legend.title_fontsize": 12.0,
    "lines.linewidth": 2.0, "axes.linewidth": 1.25, "grid.linewidth": 1.0,
}


@contextmanager
def explorer_style() -> Iterator[None]:
    """Matplotlib's settings for building an explorer figure (:data:`EXPLORER_RC` over the course style).

    Text takes its size when it is created, so build the whole figure (axes, labels, legend) inside.
    """
    import matplotlib as mpl

    with mpl.rc_context(EXPLORER_RC):
        yield


def explorer_figure(width_px: float, height_px: float):
    """A new figure (:func:`utils.plots.new_figure`) of the given size in pixels at :data:`WIDGET_DPI`."""
    from utils.plots import new_figure

    return new_figure((width_px / WIDGET_DPI, height_px / WIDGET_DPI), WIDGET_DPI)


@dataclass(frozen=True)
class Rendering:
    """What one callback produces: a readout sentence, a figure as PNG bytes, tables, and the figure's
    short description (``alt``; without one the picture is described by its readout)."""

    readout: str
    png: bytes
    tables: tuple = field(default_factory=tuple)
    alt: str = ""


class DescribedImage(widgets.Image):
    """An ipywidgets Image whose ``tooltip`` becomes the picture's title in the browser.

    ipywidgets 8.1 sets a widget's title from its tooltip only when the widget's description is
    empty, and reads that description without checking that there is one; an Image has none, so its
    tooltip never reached the page. This image carries an always-empty description to make it work.
    """

    description = Unicode("", help="Always empty: lets ipywidgets show the tooltip as the image's title.").tag(sync=True)


class CheckboxGroup(widgets.VBox):
    """A multiple choice shown as check boxes under a label: ``value`` is the tuple of the checked options' values.

    Used instead of ipywidgets' SelectMultiple, whose list box hides options in a narrow column and
    needs Ctrl+click to choose several; every check box is named by its option's label. ``value`` is
    not validated here (an explorer's callback checks it, :mod:`utils.controls`): a value that is no
    option simply leaves every box unchecked. ``options`` are (label, value) pairs; ``columns`` lays
    the boxes out in that many columns.
    """

    value = Tuple()

    def __init__(self, options, value=(), description: str = "", columns: int = 1, **kwargs):
        self.options = [(str(label), choice) for label, choice in options]
        self.description = description
        self._syncing = False
        self.boxes = [widgets.Checkbox(value=False, description=label, indent=False,
                                       layout=widgets.Layout(width="auto", max_width="100%")) for label, _ in self.options]
        grid = widgets.GridBox(self.boxes, layout=widgets.Layout(grid_template_columns=f"repeat({columns}, minmax(0, 1fr))",
                                                                 width="100%"))
        label = widgets.Label(description, layout=widgets.Layout(margin="2px 0 0 4px"))
        super().__init__([label, grid], **kwargs)
        self.add_class("checkbox-group")
        for box in self.boxes:
            box.observe(self._from_boxes, names="value")
        self.observe(self._to_boxes, names="value")
        self.value = tuple(value)
        self._to_boxes({"new": self.value})

    def _to_boxes(self, change: dict) -> None:
        self._syncing = True
        try:
            chosen = change["new"]
            for box, (_, option) in zip(self.boxes, self.options):
                box.value = any(type(option) is type(v) and option == v for v in chosen)
        finally:
            self._syncing = False

    def _from_boxes(self, _change: dict) -> None:
        if not self._syncing:
            self.value = tuple(option for box, (_, option) in zip(self.boxes, self.options) if box.value)


def readout_html(text: str) -> str:
    """A reading's one-line readout as HTML (CSS class ``readout``, which the browser tests look for)."""
    return f'<p class="readout"><b>{html.escape(text)}</b></p>'


def tables_html(tables) -> str:
    """A reading's tables as one block of HTML."""
    return "".join(table.to_html(index=False, border=0) for table in tables)


def picture_alt(reading: Rendering) -> str:
    """The short description of a reading's picture: its own ``alt``, else "Figure: " and the readout."""
    return reading.alt or (f"Figure: {reading.readout}" if reading.readout else "Figure drawn by the explorer")


def _markdown_to_html(text: str) -> str:
    import mistune  # imported on first use: only explorers that show Markdown need it

    # escape=True: raw HTML in the text is shown as text (curated cells are escaped as Markdown too)
    return mistune.create_markdown(escape=True, plugins=["table", "strikethrough"])(text)


def figure_png(fig) -> bytes:
    """A matplotlib figure as PNG bytes at its own resolution and size (not cropped); the figure is closed."""
    import io

    import matplotlib.pyplot as plt

    from utils.plots import PNG_METADATA

    buffer = io.BytesIO()
    fig.savefig(buffer, format="png", dpi=fig.dpi, metadata=PNG_METADATA)
    plt.close(fig)  # closed at once, so the inline backend never shows it a second time
    return buffer.getvalue()


def _figure_title(fig) -> str:
    from utils.plots import figure_alt_text

    return figure_alt_text(fig)


class Explorer(widgets.VBox):
    """Controls, a reset button, and a reading redrawn from ``render(**values)`` on every change.

    ``title`` is plain text (escaped). ``render`` returns what to show: Markdown text (its raw HTML
    is escaped; curated cells in it must be escaped with :func:`utils.markup.markdown_text`), a
    matplotlib figure, a :class:`Rendering` (or any object with ``readout``, ``png`` and ``tables``;
    see :mod:`utils.explorers`; the readout is escaped, pandas escapes the tables), or None to show nothing.
    The reading is shown by setting the value of an HTML widget and an image widget, never by
    capturing output: executors such as nbclient and Voila stall now and then on output captured
    inside a widget while a cell runs, and widget values also survive in a static page.

    Children: the title (first), then :attr:`body` (an HBox that wraps: :attr:`column` with the controls
    and the reset button, :attr:`reading` with the readout and the image), then the tables.
    """

    def __init__(self, title: str, controls: dict[str, widgets.ValueWidget], render: Callable[..., object]):
        self.controls = controls
        self.render = render
        self.reported = {name: control.value for name, control in controls.items()}
        self.reset_button = widgets.Button(description="Back to as reported", icon="undo",
                                           tooltip="Put every control back to its value as reported",
                                           layout=widgets.Layout(width="auto", max_width="100%", margin="6px 2px",
                                                                 align_self="flex-start"))
        self.reset_button.on_click(lambda _: self.reset())
        for name, control in controls.items():
            self._fit(control, name)
            control.observe(lambda _: self.redraw(), names="value")
        self.readout = widgets.HTML(layout=widgets.Layout(max_width="100%"))
        self.image = DescribedImage(format="png", layout=widgets.Layout(display="none", max_width="100%", height="auto",
                                                                         align_self="flex-start"))
        self.tables = widgets.HTML(layout=widgets.Layout(max_width="100%", overflow="auto"))
        heading = widgets.HTML(f"<b>{html.escape(title, quote=False)}</b>")
        self.column = widgets.VBox([*controls.values(), self.reset_button],
                                   layout=widgets.Layout(flex=f"1 1 {COLUMN_WIDTH[0]}", max_width=f"min({COLUMN_WIDTH[1]}, 100%)",
                                                         margin="0 16px 8px 0", overflow="visible"))
        self.column.add_class("explorer-controls")
        self.reading = widgets.VBox([self.readout, self.image],
                                    layout=widgets.Layout(flex=f"1 1 {FIGURE_PX[0]}px", min_width="0", max_width="100%",
                                                          overflow="visible"))
        self.reading.add_class("explorer-reading")
        self.body = widgets.HBox([self.column, self.reading],
                                 layout=widgets.Layout(flex_flow="row wrap", align_items="flex-start", width="100%",
                                                       overflow="visible"))
        self.body.add_class("explorer-body")
        super().__init__([heading, self.body, self.tables], layout=widgets.Layout(max_width="100%"))
        self.add_class("explorer")  # a stable hook for the site's style sheets and the browser tests
        self.redraw()

    @staticmethod
    def _fit(control: widgets.Widget, name: str) -> None:
        """Give a control the column's width and the shared description width; a control without a description
        (its accessible name and visible label) is described by its name."""
        if not getattr(control, "description", ""):
            control.description = name
        if control.has_trait("style"):
            control.style = CONTROL_STYLE
        control.layout = widgets.Layout(**CONTROL_LAYOUT)

    def add_control(self, control: widgets.Widget, position: int = 0) -> None:
        """Put a widget that is not passed to ``render`` (a helper such as a preset menu) into the controls column."""
        self._fit(control, "control")
        children = list(self.column.children)
        children.insert(position, control)
        self.column.children = tuple(children)

    def find(self, description: str) -> widgets.Widget:
        """The widget in the controls column whose description is ``description``; KeyError if none."""
        for child in self.column.children:
            if getattr(child, "description", None) == description:
                return child
        raise KeyError(f"no control described {description!r} in this explorer")

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
        readout, png, tables, alt = "", b"", "", ""
        if isinstance(reading, str):
            readout = _markdown_to_html(reading)
        elif hasattr(reading, "savefig"):  # a matplotlib figure
            alt = f"Figure: {_figure_title(reading)}"
            png = figure_png(reading)
        elif reading is not None:
            readout = readout_html(reading.readout) if reading.readout else ""
            png, tables = reading.png, tables_html(reading.tables)
            alt = picture_alt(reading) if png else ""
        self.readout.value = readout
        self.image.value = png
        self.image.tooltip = alt or None
        self.image.layout.display = "" if png else "none"
        # JupyterLab's (and Voila's) class for rendered HTML output, so the tables look like the notebook's own
        self.tables.value = f'<div class="jp-RenderedHTMLCommon explorer-tables">{tables}</div>' if tables else ""


def explorer(title: str, controls: dict[str, widgets.ValueWidget], render: Callable[..., object]) -> Explorer:
    """Build an :class:`Explorer`; see the module docstring."""
    return Explorer(title, controls, render)
