"""A matplotlib figure that a notebook shows by itself.

Plots are drawn on :class:`matplotlib.figure.Figure` directly, never through ``pyplot`` (no
global state, no window, no backend to choose), so Jupyter's inline backend never hears of
them: without ``%matplotlib inline`` a returned figure read ``<Figure size 900x340 with 2
Axes>``. This subclass carries its own PNG for the notebook; with the inline backend active,
its formatter answers first, so the figure still shows once. Import it where a plot is drawn:
matplotlib loads with it.
"""

from __future__ import annotations

from matplotlib.figure import Figure as MatplotlibFigure

from deeprecipe._html import png_bytes


class Figure(MatplotlibFigure):
    """A :class:`matplotlib.figure.Figure` with a notebook display of its own."""

    def _repr_png_(self) -> bytes:
        return png_bytes(self)
