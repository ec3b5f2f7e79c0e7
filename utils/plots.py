"""The one plotting style of the collection, and deterministic figure output.

Every notebook calls :func:`use_course_style` once, in its first code cell. It

* sets a colour-blind-safe palette (Okabe-Ito) and fonts large enough to read
  when a notebook is projected in a seminar room;
* fixes the resolution of inline figures and strips the PNG "Software"
  metadata, so the same figure always gives the same bytes. The test suite
  (nbval) compares the stored PNG of every figure, so a figure that changes
  fails the tests.
"""

from __future__ import annotations

import matplotlib as mpl
import seaborn as sns

#: Okabe & Ito (2008) colour-blind-safe palette, https://jfly.uni-koeln.de/color/
OKABE_ITO: tuple[str, ...] = (
    "#0072B2",  # blue
    "#E69F00",  # orange
    "#009E73",  # bluish green
    "#CC79A7",  # reddish purple
    "#56B4E9",  # sky blue
    "#D55E00",  # vermillion
    "#F0E442",  # yellow
    "#000000",  # black
)

#: One colour per case, used in every figure that shows both.
CASE_COLOURS: dict[str, str] = {"akagi2021": OKABE_ITO[0], "tnbc2025": OKABE_ITO[5]}

#: Resolution of every inline figure, in dots per inch.
FIGURE_DPI: int = 100

#: PNG metadata written with every figure: no "Software" entry (it carries a version string).
PNG_METADATA: dict[str, None] = {"Software": None}


def use_course_style() -> None:
    """Apply the course style to matplotlib and seaborn, and make inline PNGs deterministic."""
    sns.set_theme(context="talk", style="whitegrid", palette=list(OKABE_ITO))
    mpl.rcParams.update(
        {
            "figure.dpi": FIGURE_DPI,
            "savefig.dpi": FIGURE_DPI,
            "figure.figsize": (10, 5.5),
            "axes.titleweight": "bold",
            "axes.titlesize": 18,
            "axes.labelsize": 16,
            "legend.frameon": False,
            "svg.hashsalt": "bmm-teaching",
        }
    )
    _configure_inline_backend()


def _configure_inline_backend() -> None:
    """In a Jupyter kernel, make the inline backend write PNGs without version metadata."""
    try:
        from IPython import get_ipython
    except ImportError:  # plain Python: nothing to configure
        return
    if get_ipython() is None:
        return
    from matplotlib_inline.backend_inline import set_matplotlib_formats

    set_matplotlib_formats("png", dpi=FIGURE_DPI, metadata=PNG_METADATA)
