"""``LessonWidget``: what every learnnet widget has in common.

A widget is a *view over engine objects*: it holds no numerics of its own. It has

- controls (ipywidgets sliders, dropdowns...), declared together in ``_make_controls``;
- one matplotlib figure whose artists are created once, in ``_draw``;
- one ``_update`` path: read the controls, call the engine, keep the numbers it shows as
  attributes (so Python, and tests, can read them), and change the existing artists
  (``set_data``, ``set_array``, ``set_text``). ``update`` then asks the canvas to redraw.

Everything a widget shows can be read without a browser::

    w = NeuronExplorer()
    w.controls["x1"].value = 2.0     # what a learner's slider does
    w.z, w.a                          # the numbers now on screen
    print(w.readout())                # the same numbers as text

Redrawing is fast because only what changes is redrawn (matplotlib's blitting). ``_draw``
registers the artists ``_update`` changes with ``dynamic``; everything else is drawn once and
kept as a background image. Dynamic artists come in tiers: tier 0 (the default) is redrawn on
every update; higher tiers hold what changes less often (tier 1: a surface only the weights
change; tier 2: a whole axes whose limits follow the activation menu) and are kept in saved
images, redrawn only when one of their artists actually changed (matplotlib marks a changed
artist ``stale``). A whole ``Axes`` can be a dynamic artist: its ticks and labels are then redrawn
with its tier, instead of the whole figure; so can one ``Axis`` (``ax.yaxis``), when only that
axis's limits change (its tick labels are text, the slowest thing to draw). ``changed(key, *values)`` lets ``_update`` skip work
(and artist updates) whose inputs did not change. A change to anything not registered (a static
title, another axes' limits) calls ``request_full_redraw``. Text is slow to draw in matplotlib
3.11 (a few ms per label), so a widget keeps its tier-0 text short, and can draw its text from
pictures made once per string (``draw_text_from_pictures``, ``make_text_pictures``).

Displayed in a notebook, a widget shows its controls and a live figure (ipympl, under
``%matplotlib widget``) or, without ipympl, a PNG image that is refreshed on every change.
Its output also carries a PNG and a text read-out, so a committed notebook read statically
(GitHub, nbviewer) still shows the figure and the numbers.
"""
import asyncio
import base64
import html
import math
import weakref
from collections import OrderedDict

import ipywidgets
import numpy as np

from ..plotting import figure_png, is_ipympl_backend, new_figure


def _running_loop():
    """The kernel's event loop, or None outside a kernel (scripts, tests)."""
    try:
        return asyncio.get_running_loop()
    except RuntimeError:
        return None


class TextPictures:
    """Pictures of lines of text, for ``LessonWidget.draw_text_from_pictures``: at most ``max_bytes`` of them
    (8 MB: some 3000 numbers, or 150 long lines), the least recently drawn going first."""

    def __init__(self, max_bytes=8_000_000):
        self.max_bytes, self.bytes = max_bytes, 0
        self.pictures = OrderedDict()    # (line, font, colour, angle, dpi...) -> (RGBA array, corner offset)
        self.sizes = {}                  # (line, font, dpi...) -> its width, height and descent
        self._renderers = weakref.WeakKeyDictionary()

    def renderer(self, renderer):
        """``renderer`` (an Agg renderer) drawing its text from these pictures; other renderers unchanged."""
        from matplotlib.backends.backend_agg import RendererAgg

        if not isinstance(renderer, RendererAgg):
            return renderer  # a PDF or SVG keeps its text as text
        if renderer not in self._renderers:
            self._renderers[renderer] = _PictureTextRenderer(renderer, self)
        return self._renderers[renderer]

    def get(self, key, make):
        picture = self.pictures.get(key)
        if picture is None:
            picture = self.pictures[key] = make()
            self.bytes += picture[0].nbytes
            while self.bytes > self.max_bytes and len(self.pictures) > 1:
                _, (image, _) = self.pictures.popitem(last=False)  # the least recently drawn
                self.bytes -= image.nbytes
        else:
            self.pictures.move_to_end(key)
        return picture


class _PictureTextRenderer:
    """An Agg renderer that draws each line of text as a picture made once (everything else it forwards)."""

    def __init__(self, renderer, pictures):
        self._renderer, self._pictures = renderer, pictures

    def __getattr__(self, name):
        return getattr(self._renderer, name)

    def get_text_width_height_descent(self, s, prop, ismath):
        # kept: matplotlib measures a line before each draw (its own cache is per canvas), and making
        # its picture needs the size again
        sizes, key = self._pictures.sizes, (s, hash(prop), ismath, self._renderer.dpi)
        if key not in sizes:
            if len(sizes) > 10_000:
                sizes.clear()
            sizes[key] = self._renderer.get_text_width_height_descent(s, prop, ismath)
        return sizes[key]

    def draw_text(self, gc, x, y, s, prop, angle, ismath=False, mtext=None):
        if ismath == "TeX" or gc.get_alpha() != 1.0:
            return self._renderer.draw_text(gc, x, y, s, prop, angle, ismath=ismath, mtext=mtext)
        key = (s, ismath, angle, hash(prop), tuple(gc.get_rgb()), gc.get_antialiased(), self._renderer.dpi,
               None if mtext is None else (tuple(mtext.get_fontfeatures() or ()), mtext.get_language()))
        image, (left, top) = self._pictures.get(key, lambda: self._picture(gc, s, prop, angle, ismath, mtext))
        # (x, y): where the line starts, y downwards; draw_image takes the lower left corner, y upwards
        self._renderer.draw_image(gc, round(x) + left, self._renderer.height - (round(y) + top) - image.shape[0],
                                  image)

    def _picture(self, gc, s, prop, angle, ismath, mtext):
        """The line drawn alone on a transparent canvas just big enough, and where its start is on it."""
        from matplotlib.backends.backend_agg import RendererAgg

        width, height, descent = self.get_text_width_height_descent(s, prop, ismath)
        a = math.radians(angle)
        box = np.array([[0, -descent], [width, -descent], [width, height - descent], [0, height - descent]])
        box = box @ np.array([[math.cos(a), math.sin(a)], [-math.sin(a), math.cos(a)]])  # y upwards
        pad = 3  # pixels: letters reach a little beyond their box
        x0, y0 = np.floor(box.min(axis=0)) - pad
        x1, y1 = np.ceil(box.max(axis=0)) + pad
        canvas = RendererAgg(int(x1 - x0), int(y1 - y0), self._renderer.dpi)
        canvas.mathtext_parser = self._renderer.mathtext_parser  # formulas parsed once, not once per canvas
        plain = canvas.new_gc()
        plain.copy_properties(gc)
        plain.set_clip_rectangle(None)
        plain.set_clip_path(None)
        canvas.draw_text(plain, -x0, y1, s, prop, angle, ismath=ismath, mtext=mtext)
        plain.restore()
        image = np.asarray(canvas.buffer_rgba())[::-1].copy()  # rows from the bottom up, as draw_image takes them
        return image, (int(x0), int(-y1))


class LessonWidget:
    """Base class of learnnet's widgets.

    Subclasses set ``figsize`` and implement ``_make_controls``, ``_draw``, ``_update`` and
    ``readout``. Every public widget must construct with no arguments.

    Args:
        interactive: ``True`` for a live ipympl figure, ``False`` for a plain Agg figure
            (tests, scripts), ``None`` (default) to follow matplotlib's current backend.
    """

    figsize = (8.0, 4.0)

    def __init__(self, interactive=None):
        if interactive is None:
            interactive = is_ipympl_backend()
        self.interactive = bool(interactive)
        self.controls = self._make_controls()
        self.fig = new_figure(self.figsize, interactive=self.interactive)
        self._tiers = {0: []}       # tier -> artists; tier 0 is redrawn on every update
        self._memo = {}             # for changed()
        self._background = None     # the figure without dynamic artists
        self._snapshots = {}        # tier t -> the image with tiers >= t drawn (t >= 1)
        self._needs_full_redraw = True
        self._saving = False
        self._key_frame = None      # the pending "send the whole image" (see _schedule_key_frame)
        self._text_pictures = TextPictures()  # for draw_text_from_pictures
        self.fig.canvas.mpl_connect("draw_event", self._on_full_draw)
        self._draw()
        self._batching = False
        self._view = None          # the ipywidgets layout, built on first display
        self._image = None         # the PNG fallback view when there is no ipympl canvas
        self._readout_html = ipywidgets.HTML()
        self.update_count = 0      # how many times _update has run (handy in tests)
        for control in self.controls.values():
            control.observe(self._on_control_change, names="value")
        self.update()

    # ------------------------------------------------------- what subclasses write
    def _make_controls(self):
        """Return ``{name: ipywidget}``, in the order they are shown."""
        raise NotImplementedError

    def _draw(self):
        """Create the axes and every artist on ``self.fig`` (once)."""
        raise NotImplementedError

    def _update(self):
        """Read the controls, call the engine, store the shown numbers, change the artists."""
        raise NotImplementedError

    # ---------------------------------------------------------- helpers for _draw
    def dynamic(self, *artists, tier=0, rarely=False):
        """Mark artists that ``_update`` changes; they are redrawn over the saved background.

        ``tier=0`` (default): redrawn on every update. ``tier=1, 2, ...``: artists that change less
        often (a surface only the weights set; an axes whose limits only the activation menu
        changes); higher tiers are drawn first (below) and redrawn only when one of their artists
        changed. Artists are drawn in registration order within a tier, so register an ``Axes``
        before the lines in it. ``rarely=True`` is the same as ``tier=1``.
        Returns the artist, or the artists as a tuple.
        """
        if rarely:
            tier = max(tier, 1)
        for artist in artists:
            artist.set_animated(True)
            self._tiers.setdefault(int(tier), []).append(artist)
        return artists[0] if len(artists) == 1 else artists

    def draw_text_from_pictures(self, *artists):
        """Draw the text in ``artists`` (texts, or an axis or axes with its tick labels) from pictures.

        Matplotlib 3.11 lays out and renders every letter of a text each time it is drawn (1-2 ms for a
        short number, 10 ms for a long line); a widget redraws the same texts again and again. Each line
        of text is rendered once into a small picture, kept (per widget) with its string, font, colour and
        angle, and later draws of that line copy the picture (~0.3 ms). A line lands on whole pixels: it
        may sit up to half a pixel from where matplotlib would put it, the same in every redraw.
        Returns the artist, or the artists as a tuple.
        """
        for artist in artists:
            draw = artist.draw
            artist.draw = lambda renderer, draw=draw: draw(self._text_pictures.renderer(renderer))
        return artists[0] if len(artists) == 1 else artists

    def make_text_pictures(self, *artists):
        """Make now the pictures of the text that ``artists`` show now (``draw_text_from_pictures``).

        A widget calls it while it is built, once per state of a menu (each surface, each activation), so
        that choosing one later only copies pictures. The artists are drawn on a scratch canvas.
        """
        from matplotlib.backends.backend_agg import RendererAgg

        width, height = self.fig.canvas.get_width_height(physical=True)
        scratch = RendererAgg(width, height, self.fig.dpi)
        for artist in artists:
            stale = artist.stale
            artist.draw(scratch)
            artist.stale = stale  # not drawn on the canvas: still to be drawn there if it changed

    def _is_dynamic(self, artist):
        return any(artist in group for group in self._tiers.values())

    def changed(self, key, *values):
        """True if ``values`` differ from those last passed with ``key`` (always True the first time).

        ``if self.changed("plane", w1, w2, b, name): ...`` recomputes and redraws only when needed.
        """
        signature = tuple(np.asarray(v).tobytes() + str(np.asarray(v).dtype).encode() if isinstance(v, np.ndarray)
                          else v for v in values)
        if self._memo.get(key) == signature:
            return False
        self._memo[key] = signature
        return True

    def request_full_redraw(self):
        """Say that ``_update`` changed something outside the dynamic artists (limits, ticks, colour bar)."""
        self._needs_full_redraw = True

    def set_limits(self, ax, xlim=None, ylim=None):
        """Set axis limits, asking for a full redraw only when they really change.

        No full redraw is needed when the axes, or that one axis (``ax.xaxis``, ``ax.yaxis``), is a
        dynamic artist: it is redrawn with its tier (with the artists that follow the limits).
        """
        for axis, current, new, setter in ((ax.xaxis, ax.get_xlim(), xlim, ax.set_xlim),
                                           (ax.yaxis, ax.get_ylim(), ylim, ax.set_ylim)):
            if new is not None and tuple(map(float, new)) != tuple(map(float, current)):
                setter(*new)
                if not (self._is_dynamic(ax) or self._is_dynamic(axis)):
                    self.request_full_redraw()

    def readout(self):
        """The numbers the widget shows, as a few lines of text."""
        raise NotImplementedError

    # ------------------------------------------------------------ the update path
    def _on_control_change(self, change):
        if not self._batching:
            self.update()

    def update(self):
        """Recompute everything from the controls and redraw the figure in place."""
        self._update()
        self.update_count += 1
        self._show_readout()
        self._render()
        if self._image is not None:
            self._image.value = self.png()

    def _show_readout(self):
        """Put ``readout()`` in the text box beside the figure."""
        # a long line wraps between words (JupyterLab's own style for <pre> breaks it anywhere)
        self._readout_html.value = (
            "<pre style='font-size: 12px; line-height: 1.35; margin: 0; white-space: pre-wrap; "
            "word-break: normal'>" + html.escape(self.readout()) + "</pre>"
        )

    def _render(self):
        """Redraw: the dynamic artists over the saved background, or the whole figure if needed."""
        canvas = self.fig.canvas
        if self._background is None or self._needs_full_redraw:
            # _on_full_draw saves the new background and draws the dynamic artists. The ipympl
            # front-end asks for that draw itself (once), a plain Agg canvas draws right away.
            self._needs_full_redraw = False
            if self.interactive:
                canvas.draw_idle()
            else:
                canvas.draw()
            return
        rare = sorted((t for t in self._tiers if t > 0), reverse=True)
        stale = [t for t in rare if any(artist.stale for artist in self._tiers[t])]
        if stale:  # redraw from the rarest changed tier up, over the image just below it
            start = stale[0]
            below = self._snapshots.get(min((t for t in rare if t > start), default=None))
            canvas.restore_region(below if below is not None else self._background)
            self._draw_tiers([t for t in rare if t <= start])
        else:
            canvas.restore_region(self._snapshots[rare[-1]] if rare else self._background)
        for artist in self._tiers[0]:
            self.fig.draw_artist(artist)
        canvas.blit(self.fig.bbox)
        self._mark_drawn()
        if self.interactive:
            self._schedule_key_frame()

    # ipympl sends each blit to the browser as a "diff" image (only the pixels that changed),
    # which the browser paints over what it shows. When the kernel sends images faster than
    # the browser loads them (dragging a slider), the browser can drop one, and every later
    # diff lands on the wrong picture: parts of the figure vanish (seen in the browser test).
    # So once the controls have been still for KEY_FRAME_SECONDS, the whole image goes again.
    KEY_FRAME_SECONDS = 0.3

    def _schedule_key_frame(self):
        loop = _running_loop()
        if loop is None:
            return
        if self._key_frame is not None:
            self._key_frame.cancel()  # the controls moved again: wait for them to rest
        self._key_frame = loop.call_later(self.KEY_FRAME_SECONDS, self._send_key_frame)

    def _send_key_frame(self):
        canvas = self.fig.canvas
        if getattr(canvas, "manager", None) is None or not hasattr(canvas, "_force_full"):
            return
        canvas._force_full = True   # matplotlib's web canvas: the next image is whole, not a diff
        canvas._png_is_old = True
        canvas.manager.refresh_all()

    def _mark_drawn(self):
        # What the canvas shows is now up to date. Without this the figure stays "stale" (its
        # dynamic artists changed), and pyplot, after every message the kernel handles, asks the
        # browser for a full redraw of every stale figure: the browser answers with a message,
        # which makes it ask again, and the kernel stays busy forever.
        self.fig.stale = False

    def _draw_tiers(self, tiers):
        for t in tiers:  # rarest first; keep an image after each for the next update
            for artist in self._tiers[t]:
                self.fig.draw_artist(artist)
                artist.stale = False  # an invisible artist is not drawn, so say it is up to date
            self._snapshots[t] = self.fig.canvas.copy_from_bbox(self.fig.bbox)

    def _on_full_draw(self, event):
        # Any full draw (ours, or one the ipympl front-end asks for) leaves out animated artists:
        # keep the result as the background, then draw the dynamic artists on top.
        if self._saving:
            return
        self._background = self.fig.canvas.copy_from_bbox(self.fig.bbox)
        self._draw_tiers(sorted((t for t in self._tiers if t > 0), reverse=True))
        for artist in self._tiers[0]:
            self.fig.draw_artist(artist)
        self._needs_full_redraw = False
        self._mark_drawn()

    def png(self, dpi=None):
        """The whole figure, dynamic artists included, as PNG bytes."""
        self._saving = True
        every = [artist for t in self._tiers for artist in self._tiers[t]]
        for artist in every:
            artist.set_animated(False)
        try:
            return figure_png(self.fig, dpi=dpi)
        finally:
            for artist in every:
                artist.set_animated(True)
            self._saving = False
            self._needs_full_redraw = True  # saving drew into the canvas's buffer

    def set(self, **values):
        """Set several controls at once (``w.set(x1=1, w1=-2)``), redrawing once at the end."""
        unknown = sorted(set(values) - set(self.controls))
        if unknown:
            raise KeyError(f"{type(self).__name__} has no control {unknown[0]!r}; its controls are "
                           f"{', '.join(self.controls)}")
        self._batching = True
        try:
            for name, value in values.items():
                self.controls[name].value = value
        finally:
            self._batching = False
        self.update()
        return self

    # ------------------------------------------------------------------- display
    @property
    def widget(self):
        """The ipywidgets layout (controls, read-out and figure), built on first use."""
        if self._view is None:
            if self.interactive:
                figure_view = self.fig.canvas
            else:
                self._image = ipywidgets.Image(value=self.png(), format="png")
                figure_view = self._image
            self._view = self._layout(list(self.controls.values()), self._readout_html, figure_view)
        return self._view

    def _layout(self, controls, readout, figure_view):
        """Controls and read-out side by side above the figure. Override for another arrangement."""
        panel = ipywidgets.HBox(
            [ipywidgets.VBox(controls, layout=ipywidgets.Layout(min_width="340px")), readout],
            layout=ipywidgets.Layout(align_items="flex-start", grid_gap="24px"),
        )
        return ipywidgets.VBox([panel, figure_view])

    def _repr_mimebundle_(self, **kwargs):
        # Live front-ends render the widget; static viewers fall back to the PNG; the text is
        # the read-out, which is also what nbval compares.
        bundle = self.widget._repr_mimebundle_(**kwargs)
        bundle["text/plain"] = f"{type(self).__name__}\n{self.readout()}"
        bundle["image/png"] = base64.b64encode(self.png()).decode("ascii")
        loop = _running_loop()
        if self.interactive and loop is not None:  # the browser's view appears after this
            for seconds in (1.0, 3.0):
                loop.call_later(seconds, self._send_key_frame)
        return bundle

    def savefig(self, path, dpi=None):
        """Save the current figure as a PNG file, e.g. for a handout."""
        with open(path, "wb") as f:
            f.write(self.png(dpi=dpi))

    def close(self):
        """Close the controls and the figure (frees the front-end models)."""
        for control in self.controls.values():
            control.close()
        if self._view is not None:
            self._view.close()
        if self.interactive:
            import matplotlib.pyplot as plt

            plt.close(self.fig)

    def __repr__(self):
        return f"{type(self).__name__}({', '.join(f'{k}={c.value!r}' for k, c in self.controls.items())})"
