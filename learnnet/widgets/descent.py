"""``GradientDescentExplorer``: optimizers racing down a 2-parameter loss surface.

The surface and every step come from the engine: ``learnnet.landscapes`` gives the loss and
its gradient, and each path is a ``landscapes.Trajectory``, a real ``learnnet.optimizers``
optimizer calling ``apply_gradients`` on a 2-vector. The widget only decides how many steps
to show and draws them.

Animation never blocks the kernel: the "play" button is an ``ipywidgets.Play`` that moves the
``step`` slider from the browser, one step per tick, and each tick is one ordinary update.
"""
import ipywidgets
import numpy as np
from matplotlib.ticker import FuncFormatter, LogLocator, MaxNLocator, NullLocator

from .. import landscapes, optimizers
from ..plotting import HIGHLIGHT, SURFACE_CMAP
from ._base import LessonWidget

MAX_STEPS = 150
STYLE = {"description_width": "90px"}
WIDTH = ipywidgets.Layout(width="340px")

SUPERSCRIPT = str.maketrans("-0123456789", "⁻⁰¹²³⁴⁵⁶⁷⁸⁹")


def _power_of_ten(value, position=None):
    """A log axis's tick label as plain text, 10⁻⁴ (matplotlib's default is slower mathtext)."""
    exponent = np.log10(value) if value > 0 else np.nan
    if not np.isfinite(exponent) or abs(exponent - round(exponent)) > 1e-9:
        return f"{value:.3g}"
    return "10" + str(int(round(exponent))).translate(SUPERSCRIPT)


# name -> (label, colour, how to make a fresh optimizer for a learning rate)
OPTIMIZERS = {
    "sgd": ("SGD", "#e41a1c", lambda lr: optimizers.SGD(learning_rate=lr)),
    "momentum": ("SGD + momentum 0.9", "#ff7f00", lambda lr: optimizers.SGD(learning_rate=lr, momentum=0.9)),
    "rmsprop": ("RMSprop", "#4daf4a", lambda lr: optimizers.RMSprop(learning_rate=lr)),
    "adam": ("Adam", "#984ea3", lambda lr: optimizers.Adam(learning_rate=lr)),
}


class GradientDescentExplorer(LessonWidget):
    """Contours of a 2-parameter loss, the paths of SGD, momentum, RMSprop and Adam, and their loss curves.

    Controls: ``surface`` (linear regression's MSE, bowl, ravine, saddle, Rosenbrock),
    ``learning_rate`` (log scale, shared by every optimizer), ``start_w1``/``start_w2`` (the
    starting point; clicking the contour plot sets it too), one checkbox per optimizer
    (``sgd``, ``momentum``, ``rmsprop``, ``adam``) and ``step`` (how many steps are shown).
    Buttons: "step" (+1), "reset" (back to step 0) and a play button that animates ``step``.

    Shown (readable attributes): ``trajectories`` (name -> ``landscapes.Trajectory``, shown
    optimizers only), ``points`` (name -> the point after ``step`` steps, or fewer if it
    diverged), ``losses`` (name -> the loss there), ``steps_shown`` (name -> how many steps are
    drawn) and ``diverged`` (name -> the divergence message, or None).
    """

    figsize = (11.0, 4.5)

    def __init__(self, surface="linear_regression", learning_rate=0.1, start=None, step=0,
                 show=("sgd", "momentum", "rmsprop", "adam"), interactive=None):
        self.surfaces = {name: landscapes.get(name) for name in landscapes.SURFACES}
        first = self.surfaces[surface]
        self._start = dict(surface=surface, learning_rate=learning_rate, step=step, show=set(show),
                           start=first.start if start is None else start)
        self._run_key = None
        self.trajectories = {}
        super().__init__(interactive=interactive)
        self.fig.canvas.mpl_connect("button_press_event", self._on_click)

    # ------------------------------------------------------------------ controls
    def _make_controls(self):
        s = self._start
        surface = self.surfaces[s["surface"]]
        (a, b), (c, d) = surface.bounds
        controls = {
            "surface": ipywidgets.Dropdown(options=[(x.title, name) for name, x in self.surfaces.items()],
                                           value=s["surface"], description="surface", style=STYLE, layout=WIDTH),
            "learning_rate": ipywidgets.FloatLogSlider(value=s["learning_rate"], base=10, min=-4, max=1,
                                                       step=0.05, readout_format=".4f",
                                                       description="learning rate", style=STYLE, layout=WIDTH),
            "start_w1": ipywidgets.FloatSlider(value=s["start"][0], min=a, max=b, step=0.05, readout_format=".2f",
                                               description=f"start {surface.param_names[0]}", style=STYLE,
                                               layout=WIDTH),
            "start_w2": ipywidgets.FloatSlider(value=s["start"][1], min=c, max=d, step=0.01, readout_format=".2f",
                                               description=f"start {surface.param_names[1]}", style=STYLE,
                                               layout=WIDTH),
        }
        for name, (label, _, _) in OPTIMIZERS.items():
            controls[name] = ipywidgets.Checkbox(value=name in s["show"], description=label, indent=False,
                                                 layout=ipywidgets.Layout(width="170px"))
        controls["step"] = ipywidgets.IntSlider(value=s["step"], min=0, max=MAX_STEPS, description="step",
                                                style=STYLE, layout=WIDTH)
        # observed before the update that every control triggers: a new surface brings its own start
        controls["surface"].observe(self._on_surface_change, names="value")
        return controls

    def _on_surface_change(self, change):
        """Fit the start sliders to the new surface's region and put them on its default start."""
        surface = self.surfaces[change["new"]]
        batching, self._batching = self._batching, True  # one update, after this, not one per slider
        try:
            for slider, (lo, hi), value, label in zip((self.controls["start_w1"], self.controls["start_w2"]),
                                                      surface.bounds, surface.start, surface.param_names):
                slider.min, slider.max = min(lo, slider.min), max(hi, slider.max)  # never min > max midway
                slider.value = value
                slider.min, slider.max = lo, hi
                slider.description = f"start {label}"
        finally:
            self._batching = batching

    def _layout(self, controls, readout, figure_view):
        c = self.controls
        self.play = ipywidgets.Play(value=c["step"].value, min=0, max=MAX_STEPS, step=1, interval=120,
                                    description="play")
        # A kernel-side link (not jslink), so it also works where front-end links do not.
        self._play_link = ipywidgets.link((self.play, "value"), (c["step"], "value"))
        self.step_button = ipywidgets.Button(description="step", layout=ipywidgets.Layout(width="70px"))
        self.reset_button = ipywidgets.Button(description="reset", layout=ipywidgets.Layout(width="70px"))
        self.step_button.on_click(lambda _: self.step_once())
        self.reset_button.on_click(lambda _: self.reset())
        rows = [c["surface"], c["learning_rate"], c["start_w1"], c["start_w2"],
                ipywidgets.HBox([c["sgd"], c["momentum"]]), ipywidgets.HBox([c["rmsprop"], c["adam"]]),
                c["step"], ipywidgets.HBox([self.play, self.step_button, self.reset_button])]
        return super()._layout(rows, readout, figure_view)

    def step_once(self):
        """Show one more step (the "step" button)."""
        step = self.controls["step"]
        step.value = min(step.value + 1, step.max)

    def reset(self):
        """Back to step 0 (the "reset" button)."""
        if getattr(self, "play", None) is not None:
            self.play.playing = False
        self.controls["step"].value = 0

    def _on_click(self, event):
        """A click on the contour plot moves the start there (live ipympl figures only)."""
        if event.inaxes is self.ax_map and event.xdata is not None:
            self.set(start_w1=float(event.xdata), start_w2=float(event.ydata), step=0)

    # ------------------------------------------------------------------- drawing
    def _draw(self):
        fig = self.fig
        self.ax_map = fig.add_axes([0.06, 0.12, 0.40, 0.76])
        self.ax_loss = fig.add_axes([0.57, 0.12, 0.41, 0.76])
        self.formula_text = fig.text(0.06, 0.975, "", ha="left", va="top", fontsize=11)  # changes with the surface
        self.title = fig.text(0.775, 0.955, "", ha="center", va="top", fontsize=10)     # changes every step
        self.contours = {}  # surface name -> its filled contours, made the first time it is shown
        self._contour_range = {}  # surface name -> the lowest and highest loss on its grid
        self.lines, self.heads, self.curves, self.curve_heads = {}, {}, {}, {}
        for name, (label, color, _) in OPTIMIZERS.items():
            (self.lines[name],) = self.ax_map.plot([], [], "-o", color=color, lw=1.6, ms=2.5, zorder=4, label=label)
            (self.heads[name],) = self.ax_map.plot([], [], "o", color=color, ms=8, mec="white", mew=1.2, zorder=6)
            (self.curves[name],) = self.ax_loss.plot([], [], color=color, lw=1.8, label=label)
            (self.curve_heads[name],) = self.ax_loss.plot([], [], "o", color=color, ms=6, zorder=5)
        (self.start_marker,) = self.ax_map.plot([], [], "X", color="white", mec="black", ms=11, zorder=7)
        (self.minimum_marker,) = self.ax_map.plot([], [], "*", color=HIGHLIGHT, mec="black", ms=15, zorder=5)
        self.diverged_text = self.ax_map.text(0.02, 0.02, "", transform=self.ax_map.transAxes, ha="left",
                                              va="bottom", fontsize=8.5, color="#b2182b",
                                              bbox=dict(boxstyle="round,pad=0.3", fc="white", ec="#b2182b",
                                                        alpha=0.9))
        self.step_line = self.ax_loss.axvline(0, color="#999999", lw=1, ls=":")
        self.ax_loss.set_yscale("log")
        self.ax_loss.set_xlim(0, MAX_STEPS)
        self.ax_loss.set_xlabel("step")
        # the axis label is a plain text in the background: as the axis's label it would be redrawn with
        # the axis (whose range follows the surface), and a long rotated text costs several ms
        self.ax_loss.text(-0.09, 0.5, "loss after each step (log scale)", rotation=90, ha="right", va="center",
                          transform=self.ax_loss.transAxes)
        self.ax_loss.grid(True, which="major", alpha=0.3)
        self.legend = self.ax_loss.legend(loc="upper right", fontsize=8, framealpha=0.9)
        # A new surface changes the map's axes, the formula, the loss axis's range and the contours
        # (tier 3, each contour set registered when made): only those are redrawn, not the figure.
        # The loss axis keeps a few labelled decades (log tick labels are slow mathtext).
        self.ax_loss.yaxis.set_major_locator(LogLocator(base=10, numticks=4))
        self.ax_loss.yaxis.set_minor_locator(NullLocator())
        self.ax_loss.yaxis.set_major_formatter(FuncFormatter(_power_of_ten))
        for axis in (self.ax_map.xaxis, self.ax_map.yaxis):
            axis.set_major_locator(MaxNLocator(4, steps=[1, 2, 5, 10]))
        # labels at fixed places: an axis with an automatic label place measures every tick label per draw
        self.ax_map.xaxis.set_label_coords(0.5, -0.08)
        self.ax_map.yaxis.set_label_coords(-0.1, 0.5)
        self.dynamic(self.formula_text, self.ax_map.xaxis, self.ax_map.yaxis, self.ax_loss.yaxis,
                     self.ax_loss.spines["left"], self.ax_loss.spines["right"], tier=3)
        # what changes with every step is redrawn on its own, over the contours (matplotlib blitting)
        self.dynamic(self.start_marker, self.minimum_marker, rarely=True)  # they change with the settings only
        # every surface's contours are made now (~15 ms each), hidden until chosen, so that choosing one
        # in the menu only shows them
        for name in self.surfaces:
            self._contour(name).set_visible(False)
        self.dynamic(*self.lines.values(), *self.heads.values(), *self.curves.values(), *self.curve_heads.values(),
                     self.diverged_text, self.step_line, self.title)
        # Text is slow to draw (a formula most): every surface's formula and axes are drawn once now, as
        # pictures, so that choosing a surface only copies them
        axes_text = (self.formula_text, self.ax_map.xaxis, self.ax_map.yaxis, self.ax_loss.yaxis)
        self.draw_text_from_pictures(*axes_text, self.title, self.diverged_text)
        for name in self.surfaces:
            self._switch_surface(name)
            self.make_text_pictures(*axes_text)

    def _contour(self, name):
        """The filled contours of surface ``name`` (made once, then shown or hidden)."""
        if name not in self.contours:
            surface = self.surfaces[name]
            W1, W2, L = surface.grid(101)
            low = max(float(L.min()), 1e-3)
            levels = np.geomspace(low, float(L.max()), 22)  # log-spaced: the valley floor gets contours too
            self._contour_range[name] = (float(L.min()), float(L.max()))
            self.contours[name] = self.ax_map.contourf(W1, W2, np.maximum(L, low), levels=levels,
                                                       cmap=SURFACE_CMAP, norm="log", alpha=0.85, zorder=1)
            self.dynamic(self.contours[name], tier=3)
            # the map's frame goes on top of the contours: registered (again) after them
            spines = list(self.ax_map.spines.values())
            self._tiers[3] = [a for a in self._tiers[3] if all(a is not s for s in spines)]
            self.dynamic(*spines, tier=3)
        return self.contours[name]

    # -------------------------------------------------------------------- update
    def _update(self):
        name = self.controls["surface"].value
        self.surface = self.surfaces[name]
        if getattr(self, "_shown_surface", None) != name:
            self._switch_surface(name)  # may move the start sliders, so read the controls after it
        c = {key: control.value for key, control in self.controls.items()}
        self.learning_rate = float(c["learning_rate"])
        self.start = np.array([c["start_w1"], c["start_w2"]])
        self.step = int(c["step"])
        self.shown = [n for n in OPTIMIZERS if c[n]]

        # the engine runs each optimizer; a run is kept and extended until a setting changes
        key = (name, self.learning_rate, tuple(self.start))
        if key != self._run_key:
            self.trajectories, self._run_key = {}, key
        for n in self.shown:
            if n not in self.trajectories:
                self.trajectories[n] = landscapes.Trajectory(self.surface, OPTIMIZERS[n][2](self.learning_rate),
                                                             self.start)
            t = self.trajectories[n]
            if t.steps < self.step:
                t.run(self.step - t.steps)  # stops by itself if it diverges
        self.trajectories = {n: t for n, t in self.trajectories.items() if n in self.shown}

        self.points, self.losses, self.steps_shown, self.diverged = {}, {}, {}, {}
        for n in OPTIMIZERS:
            visible = n in self.shown
            for artist in (self.lines[n], self.heads[n], self.curves[n], self.curve_heads[n]):
                artist.set_visible(visible)
            if not visible:
                continue
            t = self.trajectories[n]
            k = min(self.step, t.steps)
            path, losses = t.path[:k + 1], t.losses[:k + 1]
            self.points[n], self.losses[n], self.steps_shown[n] = path[-1], float(losses[-1]), k
            self.diverged[n] = t.reason if (t.diverged and k == t.steps and self.step > t.steps) else None
            self.lines[n].set_data(path[:, 0], path[:, 1])
            self.heads[n].set_data([path[-1, 0]], [path[-1, 1]])
            self.curves[n].set_data(np.arange(k + 1), losses)
            self.curve_heads[n].set_data([k], [losses[-1]])
        self._draw_annotations()

    def _switch_surface(self, name):
        """Show ``name``'s contours, its region and its minima."""
        self._contour(name)
        for other, artist in self.contours.items():
            artist.set_visible(other == name)
        surface = self.surfaces[name]
        (a, b), (c, d) = surface.bounds
        self.set_limits(self.ax_map, xlim=(a, b), ylim=(c, d))  # its axes are redrawn with the contours
        self.ax_map.set_xlabel(surface.param_names[0])
        self.ax_map.set_ylabel(surface.param_names[1], labelpad=1)
        self.formula_text.set_text(f"{surface.title}:  ${surface.formula}$")  # mathtext: parsed once per surface
        minima = np.array(surface.minima)
        self.minimum_marker.set_data(minima[:, 0], minima[:, 1])
        # the loss axis is fitted to the surface (not to a run), so neither playing nor a new
        # start or learning rate rescales it
        low, high = self._contour_range[name]
        self.set_limits(self.ax_loss, ylim=(max(low, high * 1e-8) / 2, high * 30))
        self._shown_surface = name

    def _draw_annotations(self):
        self.title.set_text(f"step {self.step} · learning rate {self.learning_rate:.4g}")  # short: redrawn every step
        if self.changed("start", *self.start):
            self.start_marker.set_data([self.start[0]], [self.start[1]])
        self.step_line.set_xdata([self.step, self.step])
        messages = [f"{OPTIMIZERS[n][0]} diverged after {self.steps_shown[n]} step{'' if self.steps_shown[n] == 1 else 's'}"
                    for n in self.shown if self.diverged[n]]
        self.diverged_text.set_text("\n".join(messages))
        self.diverged_text.set_visible(bool(messages))

    def readout(self):
        lines = [f"{self.surface.title}, learning rate {self.learning_rate:.4g}, start "
                 f"({self.start[0]:.2f}, {self.start[1]:.2f}), step {self.step}"]
        p1, p2 = self.surface.param_names
        for n in self.shown:
            point, loss = self.points[n], self.losses[n]
            state = f"DIVERGED after {self.steps_shown[n]} steps" if self.diverged[n] else f"loss {loss:.4g}"
            lines.append(f"{OPTIMIZERS[n][0]:<20} {p1} = {point[0]:+.3f}  {p2} = {point[1]:+.3f}  {state}")
        if not self.shown:
            lines.append("(tick an optimizer to see its path)")
        return "\n".join(lines)
