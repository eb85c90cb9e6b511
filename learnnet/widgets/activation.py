"""Activation functions up close: ``ActivationExplorer`` (f, f', tangent, saturation) and
``LinearStackExplorer`` (without activations, a deep stack is one linear layer)."""
import ipywidgets
import numpy as np
from matplotlib.ticker import MaxNLocator

from .. import activations
from ..initializers import RandomNormal
from ..layers import Dense
from ..layers.collapse import collapse_linear
from ..plotting import HIGHLIGHT, NEUTRAL, POSITIVE, tangent_segment
from ._base import LessonWidget

# Element-wise activations (softmax mixes a whole row, so it has no f'(x) to draw).
ELEMENTWISE = ["sigmoid", "tanh", "relu", "leaky_relu", "elu", "softplus", "gelu", "linear"]
_LABEL = {"control": {"description_width": "90px"}, "layout": ipywidgets.Layout(width="360px")}


class ActivationExplorer(LessonWidget):
    r"""Any activation ``f`` and its derivative ``f'`` side by side, at a point ``x`` you move.

    Left: ``f`` with the point ``(x, f(x))`` and the tangent line of slope ``f'(x)``. Middle: ``f'``
    with the point ``(x, f'(x))``. Right: the slope ``f'(x)`` of *every* activation at the same ``x``,
    so you can see which ones saturate (slope near 0) far from 0 — where learning stalls.

    Shown numbers (attributes): ``x``, ``value`` (f(x)), ``slope`` (f'(x)), ``slopes`` (``{name: f'(x)}``
    for all element-wise activations), ``tangent`` (the drawn segment's two points). All come from
    ``learnnet.activations``.
    """

    figsize = (10.5, 3.5)
    x_range = (-6.0, 6.0)

    def __init__(self, activation="sigmoid", x=2.0, interactive=None):
        self._start = dict(activation=activation, x=x)
        self._xs = np.linspace(*self.x_range, 481)
        super().__init__(interactive=interactive)

    def _make_controls(self):
        return {
            "activation": ipywidgets.Dropdown(options=ELEMENTWISE, value=self._start["activation"],
                                              description="activation f", style=_LABEL["control"],
                                              layout=_LABEL["layout"]),
            "x": ipywidgets.FloatSlider(value=self._start["x"], min=self.x_range[0], max=self.x_range[1], step=0.1,
                                        description="input x", readout_format=".1f", style=_LABEL["control"],
                                        layout=_LABEL["layout"]),
        }

    def _draw(self):
        fig = self.fig
        self.ax_f = fig.add_axes([0.07, 0.15, 0.25, 0.70])
        self.ax_df = fig.add_axes([0.39, 0.15, 0.25, 0.70])
        self.ax_bars = fig.add_axes([0.715, 0.27, 0.27, 0.58])
        for ax in (self.ax_f, self.ax_df):
            ax.axvline(0, color="#cccccc", lw=0.8, zorder=0)
            ax.set_xlim(*self.x_range)
            ax.set_xlabel("x")
            ax.yaxis.set_major_locator(MaxNLocator(3, steps=[1, 2, 5, 10]))
            ax.yaxis.set_label_coords(-0.15, 0.5)  # a fixed place: no measuring of tick labels per draw
            # tier 2 changes with the activation menu only: the y axis (limits, numbers, label), the
            # line y = 0 and the curves; the x axis never changes, so it stays in the background
            # (with the left and right spines, whose ends are placed in y's data coordinates)
            self.dynamic(ax.yaxis, ax.spines["left"], ax.spines["right"],
                         ax.axhline(0, color="#cccccc", lw=0.8, zorder=0), tier=2)
        self.f_line, self.df_line = self.dynamic(self.ax_f.plot([], [], color="#444444", lw=2)[0],
                                                 self.ax_df.plot([], [], color=POSITIVE, lw=2)[0], tier=2)
        self.tangent_line, self.f_point = self.dynamic(
            self.ax_f.plot([], [], color=HIGHLIGHT, lw=2.5)[0],
            self.ax_f.plot([], [], "o", color=HIGHLIGHT, ms=9, mec="black", zorder=5)[0])
        self.df_guide, self.df_point = self.dynamic(
            self.ax_df.plot([], [], ":", color="#888888", lw=1)[0],
            self.ax_df.plot([], [], "o", color=HIGHLIGHT, ms=9, mec="black", zorder=5)[0])
        self.f_title = self.dynamic(self.ax_f.set_title("", fontsize=10))
        self.df_title = self.dynamic(self.ax_df.set_title("", fontsize=10))

        ax = self.ax_bars
        positions = np.arange(len(ELEMENTWISE))
        self.bars = ax.bar(positions, np.zeros(len(ELEMENTWISE)), color=NEUTRAL, width=0.7)
        self.dynamic(*self.bars)
        ax.set_xticks(positions, ELEMENTWISE, rotation=40, ha="right", fontsize=8.5)
        ax.axhline(0, color="#999999", lw=0.8)
        ax.set_yticks([0.0, 0.5, 1.0])
        ax.set_ylim(-0.15, 1.3)  # a little below 0: GELU's slope is negative for x below about -0.75
        ax.set_xlim(-0.6, len(ELEMENTWISE) - 0.4)
        ax.set_ylabel("slope f'(x)", labelpad=1)
        ax.set_title("slope f'(x) of every activation\nat the same x (orange: f)", fontsize=10)
        # Text is slow to draw: the titles and every activation's y axes (numbers and label) are drawn from
        # pictures, those of the axes made now, so that the menu only copies them
        self.draw_text_from_pictures(self.ax_f.yaxis, self.ax_df.yaxis, self.f_title, self.df_title)
        for name in ELEMENTWISE:
            self._show_activation(activations.get(name))
            self.make_text_pictures(self.ax_f.yaxis, self.ax_df.yaxis)

    def _update(self):
        f = activations.get(self.controls["activation"].value)
        self.x = float(self.controls["x"].value)
        x = np.array(self.x)
        self.value = float(f.forward(x))
        self.slope = float(f.derivative(x))
        self.slopes = {name: float(activations.get(name).derivative(x)) for name in ELEMENTWISE}
        self.tangent = tangent_segment(self.x, self.value, self.slope, half_width=1.5)

        if self.changed("activation", f.name):
            self._show_activation(f)

        self.tangent_line.set_data(*self.tangent)
        self.f_point.set_data([self.x], [self.value])
        self.df_point.set_data([self.x], [self.slope])
        self.df_guide.set_data([self.x, self.x], [0, self.slope])
        self.f_title.set_text(f"x = {self.x:.1f}:  f(x) = {self.value:.4f}")
        self.df_title.set_text(f"f'(x) = {self.slope:.4f}  (slope of the tangent)")
        for bar, name in zip(self.bars, ELEMENTWISE):
            bar.set_height(self.slopes[name])
            bar.set_color(HIGHLIGHT if name == f.name else NEUTRAL)

    def _show_activation(self, f):
        """The curves of ``f`` and ``f'``, their limits and labels (what depends on f only)."""
        fx, dfx = f.forward(self._xs), f.derivative(self._xs)
        self.f_line.set_data(self._xs, fx)
        self.df_line.set_data(self._xs, dfx)
        for ax, ys in ((self.ax_f, fx), (self.ax_df, dfx)):
            low, high = min(ys.min(), 0.0), max(ys.max(), 0.0)
            pad = 0.1 * ((high - low) or 1.0)
            self.set_limits(ax, ylim=(low - pad, high + pad))
        self.ax_f.set_ylabel(f"{f.name}(x)")
        self.ax_df.set_ylabel(f"{f.name}'(x)")

    def readout(self):
        f = self.controls["activation"].value
        saturated = [n for n, s in self.slopes.items() if abs(s) < 0.05]
        return "\n".join([
            f"x = {self.x:.2f}",
            f"f(x)  = {f}(x)  = {self.value:.4f}",
            f"f'(x) = {f}'(x) = {self.slope:.4f}   (the tangent's slope)",
            "slopes here: " + ", ".join(f"{n} {s:.3f}" for n, s in self.slopes.items()),
            "saturated here (|f'(x)| < 0.05): " + (", ".join(saturated) if saturated else "none"),
        ])


class LinearStackExplorer(LessonWidget):
    r"""Stack Dense layers with or without an activation and compare with *one* linear layer.

    A stack ``1 -> 3 -> 3 -> ... -> 1`` (``depth`` Dense layers, random weights from ``seed``) maps
    a number ``x`` to ``y``. The solid curve is what the stack computes (``layer.forward``); the
    dashed line is the single Dense layer ``learnnet.layers.collapse.collapse_linear`` builds from the
    same weights with the activations removed. With ``activation = linear`` they coincide exactly,
    whatever the depth; with a non-linear activation the stack bends away from any straight line.

    Shown numbers (attributes): ``xs``, ``stack_output``, ``single_output``, ``max_difference``,
    ``single_kernel``, ``single_bias``; ``layers`` are the engine layers.
    """

    figsize = (7.0, 3.4)
    x_range = (-3.0, 3.0)
    width = 3

    def __init__(self, depth=3, activation="linear", seed=6, interactive=None):
        self._start = dict(depth=depth, activation=activation, seed=seed)
        self.xs = np.linspace(*self.x_range, 241)[:, None]
        super().__init__(interactive=interactive)

    def _make_controls(self):
        s = self._start
        return {
            "depth": ipywidgets.IntSlider(value=s["depth"], min=1, max=6, description="Dense layers",
                                          style=_LABEL["control"], layout=_LABEL["layout"]),
            "activation": ipywidgets.Dropdown(options=["linear", "relu", "tanh", "sigmoid"], value=s["activation"],
                                              description="activation", style=_LABEL["control"],
                                              layout=_LABEL["layout"]),
            "seed": ipywidgets.IntSlider(value=s["seed"], min=0, max=20, description="weights seed",
                                         style=_LABEL["control"], layout=_LABEL["layout"]),
        }

    def _draw(self):
        ax = self.ax = self.fig.add_axes([0.11, 0.15, 0.60, 0.72])
        ax.axhline(0, color="#cccccc", lw=0.8, zorder=0)
        ax.axvline(0, color="#cccccc", lw=0.8, zorder=0)
        ax.set_xlim(*self.x_range)
        ax.set_ylim(-4.0, 4.0)  # fixed, so that moving a control never rescales (steep lines leave the view)
        ax.set_xlabel("input x")
        ax.set_ylabel("output y", labelpad=1)
        self.stack_line, self.single_line = self.dynamic(
            ax.plot([], [], color=POSITIVE, lw=2.5, label="the stack of layers")[0],
            ax.plot([], [], "--", color=HIGHLIGHT, lw=2, label="one Dense layer\n(collapse_linear)")[0])
        ax.legend(loc="upper left", bbox_to_anchor=(1.02, 1.0), fontsize=8.5, frameon=False)
        self.title = self.dynamic(ax.set_title("", fontsize=10))
        self.note = self.dynamic(self.fig.text(0.735, 0.45, "", fontsize=9, va="top", family="monospace"))
        self.draw_text_from_pictures(self.title, self.note)  # text is slow to draw, and most of it repeats

    def _update(self):
        depth = self.controls["depth"].value
        activation = self.controls["activation"].value
        seed = self.controls["seed"].value
        rng = np.random.default_rng(seed)
        widths = [1] + [self.width] * (depth - 1) + [1]
        self.layers = []
        for n_in, n_out in zip(widths[:-1], widths[1:]):
            is_last = len(self.layers) == depth - 1
            layer = Dense(n_out, activation="linear" if is_last else activation, dtype="float64",
                          kernel_initializer=RandomNormal(stddev=0.9 / np.sqrt(n_in), seed=rng),
                          bias_initializer=RandomNormal(stddev=0.5, seed=rng))
            layer.build((None, n_in))
            self.layers.append(layer)
        y = self.xs
        for layer in self.layers:
            y = layer.forward(y)
        self.stack_output = y[:, 0]
        single = collapse_linear(self.layers, ignore_activations=True)
        self.single_output = single.forward(self.xs)[:, 0]
        self.single_kernel, self.single_bias = float(single.kernel[0, 0]), float(single.bias[0])
        self.max_difference = float(np.max(np.abs(self.stack_output - self.single_output)))

        self.stack_line.set_data(self.xs[:, 0], self.stack_output)
        self.single_line.set_data(self.xs[:, 0], self.single_output)
        between = "" if depth == 1 else f", {activation} between them"
        self.title.set_text(f"{depth} Dense layer{'s' if depth > 1 else ''}{between}")
        self.note.set_text(f"one layer:\ny = {self.single_kernel:.3f}·x\n    {self.single_bias:+.3f}\n\n"
                           f"largest gap:\n{_gap(self.max_difference).replace(' (', chr(10) + '(')}")

    def readout(self):
        same = self.max_difference < 1e-9
        return "\n".join([
            f"{len(self.layers)} Dense layers (1 -> {self.width} -> ... -> 1), activation between them: "
            f"{self.controls['activation'].value}",
            ("collapsed into one Dense layer" if self.controls["activation"].value == "linear" or len(self.layers) == 1
             else "without the activations they would collapse into one Dense layer")
            + f": y = {self.single_kernel:.4f}·x + ({self.single_bias:.4f})",
            f"largest |stack(x) - one_layer(x)| for x in [-3, 3]: {_gap(self.max_difference)}",
            "-> the stack IS one linear layer" if same else "-> no single linear layer matches the stack",
        ])


def _gap(difference):
    # below 1e-9 the gap is floating-point rounding, whose digits vary from machine to machine
    return "< 1e-9 (rounding only)" if difference < 1e-9 else f"{difference:.3g}"
