"""``NeuronExplorer``: one neuron, ``z = w · x + b`` and ``a = f(z)``, and what it does to the input plane."""
import ipywidgets
import numpy as np
from matplotlib.ticker import MaxNLocator

from .. import activations
from ..neuron import Neuron
from ..plotting import HIGHLIGHT, SURFACE_CMAP, NetworkDiagram, input_grid, line_in_box
from ._base import LessonWidget

# The element-wise activations a single neuron can use (softmax needs a whole layer).
NEURON_ACTIVATIONS = ["sigmoid", "tanh", "relu", "leaky_relu", "elu", "softplus", "gelu", "linear"]


def _slider(description, value, low=-3.0, high=3.0, step=0.1):
    return ipywidgets.FloatSlider(value=value, min=low, max=high, step=step, description=description,
                                  continuous_update=True, readout_format=".2f",
                                  style={"description_width": "80px"}, layout=ipywidgets.Layout(width="330px"))


class NeuronExplorer(LessonWidget):
    r"""Move a neuron's inputs, weights and bias and watch ``z = w·x + b`` and ``a = f(z)`` respond.

    Three views update together: the neuron drawn with its numbers; the activation curve
    ``a = f(z)`` with the current ``z`` marked; and the neuron's output over the whole input plane
    ``(x1, x2)``, with the decision boundary (the line where ``z = 0``) and the current input.

    Args:
        weights, bias, x, activation: the starting values of the controls.
        interactive: see ``LessonWidget``.

    Shown numbers (attributes): ``z``, ``a`` (floats, from the engine's ``Neuron``), ``threshold``
    (``f(0)``, the output on the boundary), ``surface`` (the output over the plane, rows = x2),
    ``boundary`` (the boundary's end points in the plane). ``neuron`` is the engine object.
    """

    figsize = (10.5, 3.6)
    plane_limits = (-3.0, 3.0)
    resolution = 81

    def __init__(self, weights=(0.5, -1.0), bias=0.1, x=(1.0, 2.0), activation="sigmoid", interactive=None):
        self._start = dict(w1=weights[0], w2=weights[1], b=bias, x1=x[0], x2=x[1], activation=activation)
        self.neuron = Neuron(weights=list(weights), bias=bias, activation=activation)
        self._grid, self._grid_shape = input_grid(self.plane_limits, self.plane_limits, self.resolution)
        super().__init__(interactive=interactive)

    def _make_controls(self):
        s = self._start
        return {
            "x1": _slider("input x₁", s["x1"]),
            "x2": _slider("input x₂", s["x2"]),
            "w1": _slider("weight w₁", s["w1"]),
            "w2": _slider("weight w₂", s["w2"]),
            "b": _slider("bias b", s["b"]),
            "activation": ipywidgets.Dropdown(options=NEURON_ACTIVATIONS, value=s["activation"],
                                              description="activation f", style={"description_width": "80px"},
                                              layout=ipywidgets.Layout(width="330px")),
        }

    def _draw(self):
        fig = self.fig
        self.ax_neuron = fig.add_axes([0.01, 0.06, 0.24, 0.86])
        self.ax_curve = fig.add_axes([0.31, 0.14, 0.25, 0.72])
        self.ax_plane = fig.add_axes([0.64, 0.14, 0.25, 0.72])
        self.ax_colorbar = fig.add_axes([0.905, 0.14, 0.012, 0.72])
        # tier 2 changes with the activation menu only (tier 3 more rarely, tier 1 with the weights)
        self.diagram = NetworkDiagram(self.ax_neuron, [2, 1], node_size=1100, fmt="{:.2f}")
        self.diagram.highlight(nodes=[(1, 0)])
        self.diagram.set_layer_titles(["inputs x", ""])
        self.dynamic(self.diagram.title_texts[1], tier=2)  # "f = ..."
        self.dynamic(*self.diagram.weight_artists, tier=1)
        self.dynamic(*self.diagram.value_artists)
        for i, (x, y) in enumerate(self.diagram.node_xy[0]):
            self.ax_neuron.text(x - 0.3, y, f"x{'₁₂'[i]}", ha="right", va="center", fontsize=11)
        x, y = self.diagram.node_xy[1][0]
        self.bias_text = self.dynamic(self.ax_neuron.text(x, y - 0.45, "", ha="center", va="top", fontsize=9),
                                      tier=1)

        ax = self.ax_curve
        # Only what changes is redrawn, and tick labels are slow to draw: the z axis follows the
        # curve's reach (tier 3, rarely), the a axis the activation (tier 2); the frame stays put.
        # (each with the spines whose ends are placed in its data coordinates)
        self.dynamic(ax.xaxis, ax.spines["top"], ax.spines["bottom"],
                     ax.axvline(0, color="#cccccc", lw=0.8, zorder=0), tier=3)
        self.dynamic(ax.yaxis, ax.spines["left"], ax.spines["right"],
                     ax.axhline(0, color="#cccccc", lw=0.8, zorder=0), tier=2)
        ax.yaxis.set_major_locator(MaxNLocator(3, steps=[1, 2, 5, 10]))
        ax.set_xlabel("z = w·x + b")
        ax.xaxis.set_label_coords(0.5, -0.13)   # a fixed place: no measuring of tick labels per draw
        ax.yaxis.set_label_coords(-0.15, 0.5)
        # the a label is plain text in the background: as the y axis's label it would be redrawn with it
        ax.text(-0.15, 0.5, "a = f(z)", rotation=90, ha="right", va="center", transform=ax.transAxes)
        self.curve_line = self.dynamic(ax.plot([], [], color="#444444", lw=2)[0], tier=2)
        self.curve_guide, self.curve_point = self.dynamic(
            ax.plot([], [], ":", color="#888888", lw=1)[0],
            ax.plot([], [], "o", color=HIGHLIGHT, ms=9, mec="black", zorder=5)[0])
        self.curve_title = self.dynamic(ax.set_title("", fontsize=10))

        ax = self.ax_plane
        lo, hi = self.plane_limits
        self.surface_image, self.boundary_line = self.dynamic(
            ax.imshow(np.zeros(self._grid_shape), origin="lower", extent=(lo, hi, lo, hi),
                      cmap=SURFACE_CMAP, aspect="equal", interpolation="bilinear"),
            ax.plot([], [], "--", color="white", lw=2)[0], tier=1)
        # the colour bar: the colour map over the curve's range of a (the same axis of numbers), made
        # by hand: a matplotlib colorbar rebuilds itself whenever the range changes
        cax = self.ax_colorbar
        self.colorbar_image = self.dynamic(
            cax.imshow(np.zeros((256, 1)), origin="lower", aspect="auto", cmap=SURFACE_CMAP, extent=(0, 1, 0, 1),
                       interpolation="nearest"), tier=2)
        cax.set_xlim(0, 1)
        cax.set_xticks([])
        cax.yaxis.tick_right()
        cax.yaxis.set_major_locator(MaxNLocator(3, steps=[1, 2, 5, 10]))
        self.dynamic(*cax.spines.values(), cax.yaxis, tier=2)
        self.input_point = self.dynamic(ax.plot([], [], "o", color=HIGHLIGHT, ms=10, mec="black", zorder=5)[0])
        ax.set_xlim(lo, hi)
        ax.set_ylim(lo, hi)
        ax.set_xlabel("x₁")
        ax.set_ylabel("x₂", labelpad=1)
        ax.set_title("a = f(w·x + b) over the input plane\n- - - boundary: z = 0", fontsize=10)
        # Text is slow to draw and most of it repeats (numbers that did not move, the a axis of an activation
        # seen before): it is drawn from pictures, and those of every activation's axes are made now.
        self.draw_text_from_pictures(*self.diagram.title_texts, *self.diagram.edge_texts, *self.diagram.node_texts,
                                     self.bias_text, self.ax_curve.xaxis, self.ax_curve.yaxis, self.curve_title,
                                     cax.yaxis)
        for name in NEURON_ACTIVATIONS:
            self._show_activation(activations.get(name))
            self.make_text_pictures(self.ax_curve.yaxis, cax.yaxis, self.diagram.title_texts[1])

    def _update(self):
        c = {name: control.value for name, control in self.controls.items()}
        neuron = self.neuron
        neuron.weights[:] = (c["w1"], c["w2"])
        neuron.bias = float(c["b"])
        neuron.activation = activations.get(c["activation"])
        f = neuron.activation

        # the engine computes every number shown; the output over the plane only when w, b or f
        # changed, and always before the current input, so that neuron.z and neuron.a are the input's
        if self.changed("plane", c["w1"], c["w2"], c["b"], f.name):
            self.surface = neuron(self._grid).reshape(self._grid_shape)
            self.threshold = float(f.forward(np.array(0.0)))
            self.boundary = line_in_box(neuron.weights, neuron.bias, self.plane_limits, self.plane_limits)
            self.surface_image.set_data(self.surface)
            self.boundary_line.set_data(*self.boundary)
            self.diagram.set_weights([neuron.weights.reshape(2, 1)], max_abs=3.0)
            self.diagram.set_edge_labels({(0, 0, 0): f"w₁={neuron.weights[0]:.2f}",
                                          (0, 1, 0): f"w₂={neuron.weights[1]:.2f}"})
            self.bias_text.set_text(f"b = {neuron.bias:.2f}")
        self.x = np.array([c["x1"], c["x2"]])
        self.a = float(neuron(self.x))
        self.z = float(neuron.z)

        # the neuron's numbers, and a = f(z) on the curve (widened in steps of 5 if z leaves it)
        self.diagram.set_values([self.x, [self.a]], value_range=(-3, 3))
        reach = max(7.0, 5.0 * np.ceil((abs(self.z) + 1.0) / 5.0))
        if self.changed("curve", f.name, reach):
            zs = np.linspace(-reach, reach, 401)
            self.curve_line.set_data(zs, f.forward(zs))
            self.set_limits(self.ax_curve, xlim=(-reach, reach))
        self.curve_point.set_data([self.z], [self.a])
        self.curve_guide.set_data([self.z, self.z], [0, self.a])
        self.curve_title.set_text(f"z = {self.z:.2f}  →  a = {self.a:.3f}")
        if self.changed("activation", f.name):
            self._show_activation(f)
        self.input_point.set_data([self.x[0]], [self.x[1]])

    def _show_activation(self, f):
        """The limits, labels and colours that depend on the activation ``f`` only."""
        window = f.forward(np.linspace(-7.0, 7.0, 401))
        low, high = float(window.min()), float(window.max())
        pad = 0.08 * (high - low)
        shown = (low - pad, high + pad)
        self.set_limits(self.ax_curve, ylim=shown)
        # the plane's colours span f over the same window, so colour and curve agree
        self.surface_image.set_clim(low, high)
        self.colorbar_image.set_data(np.linspace(*shown, 256)[:, None])
        self.colorbar_image.set_clim(low, high)
        self.colorbar_image.set_extent((0, 1, *shown))
        self.set_limits(self.ax_colorbar, ylim=shown)
        self.diagram.set_layer_titles(["inputs x", f"neuron\nf = {f.name}"])

    def readout(self):
        w, b = self.neuron.weights, self.neuron.bias
        name = self.neuron.activation.name
        side = "on the boundary" if self.z == 0 else ("on the side where z > 0" if self.z > 0 else "on the side where z < 0")
        return "\n".join([
            f"x = [{self.x[0]:.2f}, {self.x[1]:.2f}]   w = [{w[0]:.2f}, {w[1]:.2f}]   b = {b:.2f}",
            f"z = w·x + b = {self.z:.4f}",
            f"a = {name}(z) = {self.a:.4f}",
            f"boundary: z = 0, where a = {name}(0) = {self.threshold:.4f}; this input is {side}",
        ])
