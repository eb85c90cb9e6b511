"""Drawing helpers shared by the widgets and the lessons (matplotlib only; no numerics of their own).

- ``new_figure(figsize)``: a figure that is live under ``%matplotlib widget`` (ipympl) and a
  plain Agg figure everywhere else (tests, scripts, the inline backend).
- ``figure_png(fig)``: the figure as PNG bytes (static fallback for committed notebooks).
- ``input_grid``, ``line_in_box``, ``tangent_segment``: where to draw things (geometry only).
- ``NetworkDiagram``: a fully connected network drawn as circles and edges, with node values,
  edge colours by weight sign/magnitude, highlights and edge labels.
- The colour conventions every lesson shares: ``POSITIVE``, ``NEGATIVE``, ``HIGHLIGHT``,
  ``VALUE_CMAP``, ``SURFACE_CMAP``.
"""
from .figures import (HIGHLIGHT, NEGATIVE, NEUTRAL, POSITIVE, SURFACE_CMAP, VALUE_CMAP, figure_png,
                      is_ipympl_backend, new_figure, weight_colors)
from .geometry import input_grid, line_in_box, tangent_segment
from .network import NetworkDiagram

__all__ = [
    "new_figure", "figure_png", "is_ipympl_backend", "weight_colors",
    "input_grid", "line_in_box", "tangent_segment", "NetworkDiagram",
    "POSITIVE", "NEGATIVE", "NEUTRAL", "HIGHLIGHT", "VALUE_CMAP", "SURFACE_CMAP",
]
