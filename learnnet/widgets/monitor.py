"""``TrainingMonitor``: a callback that draws the loss and the metrics live while ``fit`` runs.

::

    monitor = TrainingMonitor()
    model.fit(x_train, y_train, epochs=10, batch_size=32, validation_split=0.1, callbacks=[monitor])

It is an ordinary ``learnnet.callbacks.Callback``: ``fit`` calls its hooks, and it draws what
``fit`` reports in ``logs``, nothing else. One panel per quantity (``loss``, then each metric):

- a thin line that follows ``on_train_batch_end``'s logs: the running mean over the epoch so far,
  the same number as the progress bar (so it starts afresh with each epoch);
- a dot per epoch from ``on_epoch_end``: the epoch's value (where the thin line ends), and the
  validation value (``val_loss``...) when ``fit`` has validation data.

The figure is drawn once; a redraw changes the lines' data and blits them (see
``LessonWidget``). During an epoch it redraws at most every ``batch_every`` seconds, and never
spends more than about a sixth of the time drawing (on a slow or busy machine it redraws less
often), so drawing barely slows training; at the end of each epoch it always redraws.

Why an image and not a live ipympl canvas: ``fit`` keeps the kernel busy, and an ipympl canvas
needs answers from the browser (its first draw, its size) that a busy kernel only reads after the
cell. A PNG sent to an ``ipywidgets.Image`` needs nothing back, so the curves move during ``fit``
with any matplotlib backend. The PNG is encoded from the canvas's pixels (the blitted buffer),
not by drawing the figure again.
"""
import base64
import time

import ipywidgets
import numpy as np

from ..callbacks import Callback
from ._base import LessonWidget
from ._frames import canvas_frame

TRAIN_COLOUR, VALIDATION_COLOUR = "#2166ac", "#e08214"
MAX_PANELS = 4            # the loss and up to three metrics


class TrainingMonitor(Callback, LessonWidget):
    """Live curves of the loss and the metrics during ``fit`` (pass it in ``callbacks=[...]``).

    Args:
        metrics: which logs to draw, e.g. ``["loss", "accuracy"]``; default: the loss and every
            compiled metric (``model.metrics``' names, as ``fit`` logs them).
        batch_every: redraw during an epoch at most once per this many seconds, and not more often
            than every 5 redraws' time (0: after every batch; ``None``: only at the end of each epoch).
        show: display the figure in the notebook when training begins (unless it is shown already).

    Readable during and after training: ``names`` (the panels), ``epochs_seen``, ``batches_seen``,
    ``batch_curves`` (``{name: (x, values)}``, ``x`` in epochs: 2.5 is half-way through the third
    epoch), ``epoch_values`` and ``val_values`` (``{name: [one value per epoch]}``), ``redraws``.
    """

    figsize = (10.0, 3.3)

    def __init__(self, metrics=None, batch_every=0.25, show=True):
        Callback.__init__(self)
        if batch_every is not None and (isinstance(batch_every, bool) or not isinstance(batch_every, (int, float))
                                        or batch_every < 0):
            raise ValueError(f"Received an invalid value for `batch_every`, expected the least number of seconds "
                             f"between two redraws (>= 0), or None to redraw at epoch ends only. "
                             f"Received: batch_every={batch_every!r}")
        if metrics is not None and (isinstance(metrics, str) or not 1 <= len(metrics) <= MAX_PANELS):
            raise ValueError(f"`metrics` lists the logs to draw (1 to {MAX_PANELS}), e.g. metrics=['loss', "
                             f"'accuracy']; received metrics={metrics!r}")
        self.metrics_wanted = None if metrics is None else list(metrics)
        self.names = list(metrics) if metrics is not None else ["loss"]
        self.batch_every = batch_every
        self.show = show
        self._display_handle = None
        self._live_image = None
        self._reset_data(epochs=1, steps=None)
        LessonWidget.__init__(self, interactive=False)   # its own Agg canvas; see the module docstring

    def _reset_data(self, epochs, steps):
        self.epochs, self.steps = epochs, steps
        self.epochs_seen = self.batches_seen = self.redraws = 0
        self.batch_curves, self.epoch_values, self.val_values = {}, {}, {}
        self.last_logs = {}
        self._epoch = self._batch = self._first_epoch = 0
        self._last_redraw = -np.inf
        self._redraw_seconds = 0.0     # how long the last redraw took

    # --------------------------------------------------------------- drawing
    def _make_controls(self):
        return {}

    def _draw(self):
        """``MAX_PANELS`` panels, made once; ``_arrange`` shows one per name, side by side."""
        fig = self.fig
        self.panels = []          # (axes, batch line, epoch line, validation line)
        for _ in range(MAX_PANELS):
            ax = fig.add_axes([0, 0, 1, 1])
            (batch,) = ax.plot([], [], color=TRAIN_COLOUR, lw=0.9, alpha=0.45, label="during the epoch (running mean)")
            (epoch,) = ax.plot([], [], "o-", color=TRAIN_COLOUR, lw=1.6, ms=4.5, label="training, end of epoch")
            (val,) = ax.plot([], [], "s--", color=VALIDATION_COLOUR, lw=1.4, ms=4.5, label="validation")
            ax.set_xlabel("epoch", fontsize=9, labelpad=1)
            ax.tick_params(labelsize=8)
            ax.grid(True, alpha=0.3)
            self.panels.append((ax, batch, epoch, val))
            self.dynamic(batch, epoch, val)
            # the axes (ticks, title) are redrawn on their own when a value leaves them, not the whole figure
            self.dynamic(ax, tier=1)
        fig.legend(handles=list(self.panels[0][1:]), loc="upper center", ncols=3, fontsize=8.5, frameon=False,
                   bbox_to_anchor=(0.5, 1.0))
        self.status = self.dynamic(fig.text(0.5, 0.015, "", ha="center", va="bottom", fontsize=8.5,
                                            color="#444444"))
        self._arrange()

    def _arrange(self):
        """Give each name in ``self.names`` a panel (title, place, limits); hide the others."""
        n = len(self.names)
        self.axes, self.batch_lines, self.epoch_lines, self.val_lines = {}, {}, {}, {}
        for i, (ax, batch, epoch, val) in enumerate(self.panels):
            ax.set_visible(i < n)
            for line in (batch, epoch, val):
                line.set_visible(i < n)
            if i >= n:
                continue
            name = self.names[i]
            ax.set_position([(i + 0.09) / n, 0.2, 0.84 / n, 0.62])
            ax.set_title(name, fontsize=10, pad=3)
            ax.set_xlim(0, self.epochs)
            ax.set_ylim(*self._initial_ylim(name))
            self.axes[name], self.batch_lines[name] = ax, batch
            self.epoch_lines[name], self.val_lines[name] = epoch, val
        self.request_full_redraw()

    @staticmethod
    def _initial_ylim(name):
        return (0.0, 1.02) if "acc" in name else (0.0, 1.0)

    def _update(self):
        for name in self.names:
            x, values = self.batch_curves.get(name, ([], []))
            self.batch_lines[name].set_data(x, values)
            train, val = self.epoch_values.get(name, []), self.val_values.get(name, [])
            self.epoch_lines[name].set_data(self._first_epoch + np.arange(1, len(train) + 1), train)
            self.val_lines[name].set_data(self._first_epoch + np.arange(1, len(val) + 1), val)
            self._fit_ylim(name, values, train, val)
        self.status.set_text(self._status_text())

    def _fit_ylim(self, name, *series):
        """Grow the y axis to a round number when a value leaves it (rarely: each change redraws all)."""
        finite = [v for s in series for v in s if np.isfinite(v)]
        if not finite:
            return
        low, high = self.axes[name].get_ylim()
        top, bottom = max(finite), min(finite)
        if bottom >= low and top <= high:
            return
        self.set_limits(self.axes[name], ylim=(min(low, -_round_up(-bottom)) if bottom < low else low,
                                               max(high, _round_up(top))))

    def _status_text(self):
        if not self.batches_seen:
            return "waiting for model.fit(..., callbacks=[monitor])"
        values = "   ".join(f"{k} {v:.4f}" for k, v in self.last_logs.items()
                           if k in self.names or k[4:] in self.names)
        return f"epoch {self._epoch + 1}/{self.epochs}    batch {self._batch + 1}/{self.steps}    {values}"

    def readout(self):
        if not self.epochs_seen:
            return self._status_text()
        rows = [(name, self.epoch_values.get(name, [])) for name in self.names]
        rows += [(f"val_{name}", self.val_values[name]) for name in self.names if self.val_values.get(name)]
        width = max(len(label) for label, _ in rows) + 2
        lines = [f"{self.epochs_seen} epoch{'s' * (self.epochs_seen > 1)} of {self.steps} batches; "
                 "the value at the end of each epoch:"]
        lines += [f"{label:<{width}}" + " ".join(f"{v:.4f}" for v in values) for label, values in rows]
        return "\n".join(lines)

    # ------------------------------------------------------------- live view
    @property
    def widget(self):
        """An ``ipywidgets.Image`` of the figure, sent again after every redraw."""
        if self._view is None:
            self._live_image = ipywidgets.Image(value=self.buffer_png(), format="png",
                                                layout=ipywidgets.Layout(max_width="100%"))
            self._view = ipywidgets.VBox([self._live_image])
        return self._view

    def _repr_mimebundle_(self, **kwargs):
        # As every widget's, but the PNG is the canvas as drawn (fit shows it twice: when training begins
        # and when it ends), not the figure drawn once more for it.
        bundle = self.widget._repr_mimebundle_(**kwargs)
        bundle["text/plain"] = f"{type(self).__name__}\n{self.readout()}"
        bundle["image/png"] = base64.b64encode(self.buffer_png()).decode("ascii")
        return bundle

    def buffer_png(self):
        """The canvas as it is now (the last blit included), as PNG bytes, without drawing it again."""
        if self._background is None:
            self._render()
        return canvas_frame(self.fig.canvas, "png")

    def _redraw(self, now):
        self.update()
        self.redraws += 1
        if self._live_image is not None:
            self._live_image.value = self.buffer_png()
        self._last_redraw = time.perf_counter()
        self._redraw_seconds = self._last_redraw - now

    # -------------------------------------------------------------- callback
    def on_train_begin(self, logs=None):
        params = self.params or {}
        self._reset_data(epochs=int(params.get("epochs") or 1), steps=params.get("steps"))
        names = self.metrics_wanted or [m.name for m in getattr(self.model, "metrics", [])][:MAX_PANELS] or ["loss"]
        self.names = names
        self._arrange()
        self._redraw(time.perf_counter())
        if self.show and self._view is None and self._display_handle is None:
            try:
                from IPython import get_ipython
                from IPython.display import display
            except ImportError:
                return
            if get_ipython() is not None:
                self._display_handle = display(self, display_id=True)

    def on_epoch_begin(self, epoch, logs=None):
        self._epoch = epoch
        if not self.epochs_seen:
            self._first_epoch = epoch          # fit(initial_epoch=...) starts further right

    def on_train_batch_end(self, batch, logs=None):
        logs = logs or {}
        self.batches_seen += 1
        self._batch = batch
        x = self._epoch + (batch + 1) / (self.steps or batch + 1)
        for name in self.names:
            if name in logs:
                xs, values = self.batch_curves.setdefault(name, ([], []))
                xs.append(x)
                values.append(float(logs[name]))
        self.last_logs = dict(logs)
        now = time.perf_counter()
        if self.batch_every is not None and now - self._last_redraw >= self._least_gap():
            self._redraw(now)

    def _least_gap(self):
        """Seconds between two redraws in an epoch: ``batch_every``, but at least 5 redraws' time (unless 0)."""
        return 0.0 if self.batch_every == 0 else max(self.batch_every, 5 * self._redraw_seconds)

    def on_epoch_end(self, epoch, logs=None):
        logs = logs or {}
        self.epochs_seen += 1
        for name in self.names:
            if name in logs:
                self.epoch_values.setdefault(name, []).append(float(logs[name]))
            if f"val_{name}" in logs:
                self.val_values.setdefault(name, []).append(float(logs[f"val_{name}"]))
        self.last_logs = dict(logs)
        self._redraw(time.perf_counter())

    def on_train_end(self, logs=None):
        if self._display_handle is not None:
            self._display_handle.update(self)     # a saved notebook keeps the final curves
            self._display_handle = None


def _round_up(value):
    """The smallest of 1, 1.5, 2, 2.5, 3, 4, 5, 7.5 (times a power of ten) that is above ``value`` by 5 %."""
    if value <= 0:
        return 0.0
    target = value * 1.05
    power = 10.0 ** np.floor(np.log10(target))
    return float(next(step * power for step in (1, 1.5, 2, 2.5, 3, 4, 5, 7.5, 10) if step * power >= target))
