"""Figures that redraw in a few milliseconds: the static parts are drawn once, the rest per update.

A widget callback that builds a new matplotlib figure every time spends most of its time
creating axes, ticks and text. :class:`FastFigure` draws the figure once without its
*animated* artists, keeps that picture, and on every update pastes it back and draws only the
artists the update added (matplotlib's "blitting", done off-screen with the Agg canvas). The
result is returned as PNG bytes, ready for an ``ipywidgets`` output.

Usage::

    fig = utils.plots.new_figure((8, 4))  # not registered with pyplot: never shown on its own
    ax = fig.subplots()
    ...                                   # axes, limits, labels, legend: the static parts
    fast = FastFigure(fig)
    fast.update([ax.plot(x, y, animated=True)[0]])
    png = fast.png()

Every artist passed to :meth:`FastFigure.update` must be created with ``animated=True`` so the
static picture does not contain it; the previous update's artists are removed. The axes limits
are frozen when the figure is wrapped, since the kept background shows their ticks.
"""

from __future__ import annotations

import io
from collections.abc import Iterable

import matplotlib.pyplot as plt
import numpy as np
from matplotlib.artist import Artist
from matplotlib.backends.backend_agg import FigureCanvasAgg
from matplotlib.figure import Figure


class FastFigure:
    """A figure whose static background is rendered once; see the module docstring."""

    def __init__(self, fig: Figure):
        self.fig = fig
        for ax in fig.axes:  # later artists must not rescale the axes, or the kept background would be stale
            ax.set_autoscale_on(False)
        self.canvas = FigureCanvasAgg(fig)
        self.canvas.draw()
        self.background = self.canvas.copy_from_bbox(fig.bbox)
        self.dynamic: list[Artist] = []

    def update(self, artists: Iterable[Artist]) -> None:
        """Replace the dynamic artists with ``artists`` (each created with ``animated=True``)."""
        for artist in self.dynamic:
            artist.remove()
        self.dynamic = list(artists)
        not_animated = [a for a in self.dynamic if not a.get_animated()]
        if not_animated:
            raise ValueError(f"{len(not_animated)} artist(s) not created with animated=True: {not_animated[:3]}")

    def png(self) -> bytes:
        """The background with the current dynamic artists, as PNG bytes (fast, low compression)."""
        self.canvas.restore_region(self.background)
        renderer = self.canvas.get_renderer()
        for artist in self.dynamic:
            artist.draw(renderer)
        rgba = np.asarray(self.canvas.buffer_rgba())
        buffer = io.BytesIO()
        plt.imsave(buffer, rgba, format="png", metadata={"Software": None}, pil_kwargs={"compress_level": 1})
        return buffer.getvalue()
