"""The colour-blind-safe palette every figure draws from (a leaf module: it imports nothing of the course)."""

from __future__ import annotations

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
