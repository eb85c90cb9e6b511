"""Figures that work live in JupyterLab (ipympl) and headless (Agg), plus shared colours.

Under ``%matplotlib widget`` a figure's canvas *is* an ipywidget, so it can sit in a layout next
to sliders and redraw in place. Anywhere else (a test, a script, ``%matplotlib inline``, no
ipympl installed) we make a plain ``Figure`` on an Agg canvas: it draws to PNG, never to a window.
"""
import io
import struct
import zlib

import matplotlib
import numpy as np
from matplotlib.backends.backend_agg import FigureCanvasAgg
from matplotlib.colors import to_rgba
from matplotlib.figure import Figure

POSITIVE = "#2166ac"   # positive weights: blue
NEGATIVE = "#d6604d"   # negative weights: red
NEUTRAL = "#7f7f7f"    # zero / inactive
HIGHLIGHT = "#f2a900"  # what the lesson is pointing at: amber
VALUE_CMAP = "PRGn"    # neuron values (diverging around 0: purple < 0 < green)
SURFACE_CMAP = "viridis"  # a neuron's output over the input plane


def is_ipympl_backend():
    """True when matplotlib's backend is ipympl (``%matplotlib widget`` / ``ipympl``)."""
    backend = matplotlib.get_backend().lower()
    return "ipympl" in backend or backend == "widget"


# The widest figure that fits beside JupyterLab's file browser on a 1366-pixel laptop screen
# (tests/test_browser.py looks at the lessons at that size): a wider figure is drawn at a lower dpi,
# so it is the same picture, a little smaller, instead of one cut off at the right.
MAX_WIDTH_PIXELS = 900


def new_figure(figsize=(8, 4), interactive=None, dpi=100):
    """A new figure: an ipympl canvas if ``interactive`` (default: when the backend is ipympl), else Agg.

    A figure wider than ``MAX_WIDTH_PIXELS`` at ``dpi`` gets a lower dpi, to fit a laptop screen.

    The ipympl figure is made with pyplot's interactive mode off, so it is not shown on its own at
    the end of the cell: the widget that owns it places ``fig.canvas`` in its layout instead.
    """
    if interactive is None:
        interactive = is_ipympl_backend()
    dpi = min(dpi, MAX_WIDTH_PIXELS / figsize[0])
    if interactive:
        import matplotlib.pyplot as plt

        with plt.ioff():
            fig = plt.figure(figsize=figsize, dpi=dpi)
        # The widget decides when to redraw. pyplot's auto-redraw (a full draw whenever an artist
        # changes) would undo the blitting, and an artist that moves itself while it is drawn
        # (an annotation's arrow, say) would keep the kernel drawing forever.
        fig.stale_callback = None
        canvas = fig.canvas
        canvas.header_visible = False
        canvas.footer_visible = False
        canvas.resizable = False
        canvas.toolbar_visible = False
        # The figure's size in the browser's (CSS) pixels, known before the figure is shown. ipympl
        # sets it only when the browser's first message arrives, and its browser side sizes the
        # picture from it when the figure appears and again when the kernel's "resize" message
        # comes: if that message overtakes the size, the picture stays 0 x 0 (seen in the browser
        # test), and a size arriving late clears what was already painted.
        canvas._size = (fig.bbox.width / canvas.device_pixel_ratio, fig.bbox.height / canvas.device_pixel_ratio)
        canvas.get_diff_image = lambda: _diff_image(canvas)
        return fig
    fig = Figure(figsize=figsize, dpi=dpi)
    FigureCanvasAgg(fig)
    return fig


def _diff_image(canvas):
    """What matplotlib's web canvas sends the browser after a change, as ``get_diff_image`` makes it,
    encoded faster.

    The browser paints each image over the one it shows. After a blit only the changed pixels are
    sent ("diff" mode; every other pixel transparent); after a full draw, or when the size changed
    or the figure has transparent pixels, the whole picture ("full" mode). matplotlib encodes it
    with Pillow, whose PNG encoder tries five row filters on every row: 11-15 ms for a 900 x 300
    diff that is mostly zeros, a third of a control's whole answer. ``rgba_png`` takes 2-4 ms.
    """
    if not canvas._png_is_old:
        return None
    pixels = np.asarray(canvas.get_renderer().buffer_rgba())
    buff = pixels.view(np.uint32).squeeze(2)    # one uint32 per pixel: compared in one call
    full = (canvas._force_full or buff.shape != canvas._last_buff.shape or (pixels[:, :, 3] != 255).any())
    canvas.set_image_mode("full" if full else "diff")
    output = buff if full else np.where(buff != canvas._last_buff, buff, 0)
    canvas._last_buff = buff.copy()
    canvas._force_full = False
    canvas._png_is_old = False
    return rgba_png(output.view(np.uint8).reshape(*output.shape, 4))


def rgba_png(rgba, level=1):
    """An (height, width, 4) uint8 array as PNG bytes: every row unfiltered, zlib at ``level``.

    A PNG is a signature and three chunks (length, tag, data, CRC): the size and pixel format
    (IHDR: 8 bits, colour type 6 = RGBA), the compressed rows, each led by its filter byte (0 = none;
    IDAT), and the end (IEND). Unfiltered rows make larger files than Pillow's for photographs, not
    for figures, whose rows are mostly flat colour, and encode (and decode) several times faster.
    """
    height, width, _ = rgba.shape
    rows = np.zeros((height, 1 + 4 * width), np.uint8)
    rows[:, 1:] = rgba.reshape(height, -1)

    def chunk(tag, data):
        return struct.pack(">I", len(data)) + tag + data + struct.pack(">I", zlib.crc32(tag + data))
    return (b"\x89PNG\r\n\x1a\n" + chunk(b"IHDR", struct.pack(">IIBBBBB", width, height, 8, 6, 0, 0, 0))
            + chunk(b"IDAT", zlib.compress(rows.tobytes(), level)) + chunk(b"IEND", b""))


def figure_png(fig, dpi=None):
    """The figure rendered to PNG bytes (at the figure's own dpi unless ``dpi`` is given)."""
    buf = io.BytesIO()
    fig.savefig(buf, format="png", dpi=dpi or "figure")
    return buf.getvalue()


def weight_colors(weights, max_abs=None, min_width=0.5, max_width=4.0):
    """Edge colours and widths for weights: blue if positive, red if negative, width by |w|.

    Returns ``(rgba, widths)`` with one row / value per weight (``weights`` is flattened).
    ``max_abs`` fixes the weight that gets ``max_width`` (default: the largest |w|).
    """
    w = np.asarray(weights, dtype=float).ravel()
    scale = float(max_abs) if max_abs else (float(np.max(np.abs(w))) if w.size else 1.0)
    scale = scale or 1.0
    strength = np.clip(np.abs(w) / scale, 0, 1)
    rgba = np.where((w >= 0)[:, None], to_rgba(POSITIVE), to_rgba(NEGATIVE))
    rgba[:, 3] = 0.25 + 0.75 * strength
    widths = min_width + (max_width - min_width) * strength
    return rgba, widths
