"""Where to draw things: grids over the input plane, a line clipped to a box, a tangent segment.

These are drawing coordinates only; every value a widget *shows* comes from the engine.
"""
import numpy as np


def input_grid(xlim=(-3, 3), ylim=(-3, 3), resolution=101):
    """Points covering a rectangle of the input plane, for drawing a neuron's output over it.

    Returns ``(points, shape)``: ``points`` has shape ``(resolution**2, 2)`` (one input per row,
    ready for ``neuron(points)``) and ``shape = (resolution, resolution)`` turns a result back
    into an image whose row ``i`` is ``y = ylim[0] + ...`` (``origin="lower"``).
    """
    xs = np.linspace(xlim[0], xlim[1], resolution)
    ys = np.linspace(ylim[0], ylim[1], resolution)
    xx, yy = np.meshgrid(xs, ys)
    return np.column_stack([xx.ravel(), yy.ravel()]), xx.shape


def line_in_box(weights, bias, xlim, ylim):
    """The part of the line ``w1*x1 + w2*x2 + b = 0`` inside the box, as ``(xs, ys)`` (two points).

    Returns empty arrays when the line misses the box or is undefined (``w1 = w2 = 0``).
    """
    w1, w2 = (float(v) for v in weights)
    b = float(bias)
    (x0, x1), (y0, y1) = xlim, ylim
    points = []
    if abs(w2) > 1e-12:  # crossings with the left and right edges
        for x in (x0, x1):
            y = -(w1 * x + b) / w2
            if y0 - 1e-9 <= y <= y1 + 1e-9:
                points.append((x, y))
    if abs(w1) > 1e-12:  # crossings with the bottom and top edges
        for y in (y0, y1):
            x = -(w2 * y + b) / w1
            if x0 - 1e-9 <= x <= x1 + 1e-9:
                points.append((x, y))
    points = sorted(set((round(x, 12), round(y, 12)) for x, y in points))
    if len(points) < 2:
        return np.array([]), np.array([])
    (xa, ya), (xb, yb) = points[0], points[-1]
    return np.array([xa, xb]), np.array([ya, yb])


def tangent_segment(x0, y0, slope, half_width=1.0):
    """Two points of the tangent line ``y = y0 + slope * (x - x0)``, ``half_width`` either side of ``x0``.

    The segment has the same horizontal reach whatever the slope, as a ruler laid on the curve.
    """
    xs = np.array([x0 - half_width, x0 + half_width])
    return xs, y0 + slope * (xs - x0)
