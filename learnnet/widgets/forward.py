"""``ForwardPassViewer``: follow an input through a small network, one layer at a time."""
import ipywidgets
import numpy as np

from ..initializers import GlorotUniform, RandomUniform
from ..layers import Dense
from ..plotting import NetworkDiagram
from ._base import LessonWidget

MAX_INPUTS = 4


def default_model(seed=0):
    """The small network the viewer shows when given none: 2 inputs -> 4 relu -> 3 tanh -> 1 sigmoid."""
    layers = []
    n_in = 2
    for name, units, activation in (("hidden_1", 4, "relu"), ("hidden_2", 3, "tanh"), ("output", 1, "sigmoid")):
        layer = Dense(units, activation=activation, name=name, kernel_initializer=GlorotUniform(seed=seed + len(layers)),
                      bias_initializer=RandomUniform(-0.5, 0.5, seed=seed + 10 + len(layers)))
        layer.build((None, n_in))
        layers.append(layer)
        n_in = units
    return layers


def _dense_layers(model):
    layers = list(getattr(model, "layers", model))
    if not layers:
        raise ValueError("ForwardPassViewer needs a model with at least one Dense layer.")
    for layer in layers:
        if not isinstance(layer, Dense):
            raise TypeError(f"ForwardPassViewer draws Dense layers only; {layer!r} is a {type(layer).__name__}. "
                            "Show a small multi-layer perceptron.")
        if not layer.built:
            raise ValueError(f"Dense '{layer.name}' is not built yet: give the first layer input_dim=..., or call "
                             "the model on an input first, so the viewer knows every kernel's shape.")
    if layers[0].kernel.shape[0] > MAX_INPUTS:
        raise ValueError(f"ForwardPassViewer has one slider per input and shows at most {MAX_INPUTS} inputs; "
                         f"this model takes {layers[0].kernel.shape[0]}.")
    return layers


class ForwardPassViewer(LessonWidget):
    r"""A drawn network and the numbers flowing through it, layer by layer.

    Each Dense layer computes ``z = x·W + b`` (``x`` is the previous layer's output, ``W`` its kernel
    of shape ``(in, units)``) and then ``a = f(z)``. Neurons are filled by their value (purple < 0 <
    green); edges are blue for positive weights, red for negative, thicker for larger ``|w|``.

    Controls: one slider per input, ``layer`` (how far the input has travelled: 1 = first Dense
    layer) and ``neuron`` (which neuron of that layer to expand as a sum; 0-based, as in NumPy).

    Args:
        model: a built ``Sequential`` or a list of built ``Dense`` layers (default: ``default_model()``,
            2 -> 4 relu -> 3 tanh -> 1 sigmoid with seeded weights).
        x: the starting input.

    Shown numbers (attributes): ``x``; ``pre_activations[k]`` (z) and ``outputs[k]`` (a) of layer ``k``
    (0-based), from each layer's own ``forward`` (z is the layer's ``cache``); ``output`` (the network's
    output); ``z_neuron`` / ``a_neuron`` for the expanded neuron.
    """

    figsize = (10.0, 4.6)

    def __init__(self, model=None, x=None, interactive=None):
        self.layers = _dense_layers(default_model() if model is None else model)
        n_inputs = self.layers[0].kernel.shape[0]
        self._start_x = [0.5, 1.5, 0.0, 1.0][:n_inputs] if x is None else list(np.ravel(x))
        if len(self._start_x) != n_inputs:
            raise ValueError(f"`x` must have {n_inputs} values, one per input; received {x!r}")
        super().__init__(interactive=interactive)

    def _make_controls(self):
        style, layout = {"description_width": "70px"}, ipywidgets.Layout(width="330px")
        controls = {
            f"x{i + 1}": ipywidgets.FloatSlider(value=v, min=-2.0, max=2.0, step=0.1, description=f"input x{i + 1}",
                                                readout_format=".1f", style=style, layout=layout)
            for i, v in enumerate(self._start_x)
        }
        controls["layer"] = ipywidgets.IntSlider(value=1, min=1, max=len(self.layers), description="layer",
                                                 style=style, layout=layout)
        controls["neuron"] = ipywidgets.IntSlider(value=0, min=0, max=self.layers[0].units - 1,
                                                  description="neuron", style=style, layout=layout)
        return controls

    def _draw(self):
        fig = self.fig
        ax = fig.add_axes([0.0, 0.13, 1.0, 0.77])
        titles = ["input x"] + [f"{layer.name}\n{layer.activation.name}" for layer in self.layers]
        sizes = [self.layers[0].kernel.shape[0]] + [layer.units for layer in self.layers]
        self.diagram = NetworkDiagram(ax, sizes, layer_titles=titles, node_size=950, value_range=(-2, 2))
        self.diagram.set_weights([layer.kernel for layer in self.layers])
        # tiers by what changes them: the title with the layer (2), the highlighted weights with the
        # layer or the neuron (1), the values with everything (0)
        self.title = self.dynamic(fig.text(0.5, 0.975, "", ha="center", va="top", fontsize=11), tier=2)
        self.dynamic(*self.diagram.weight_artists, tier=1)
        self.dynamic(*self.diagram.value_artists)
        self.neuron_line = self.dynamic(fig.text(0.5, 0.03, "", ha="center", va="bottom", fontsize=10))
        # most numbers stay the same from one change to the next (a new layer or neuron moves no value),
        # and every neuron's title and weights are known now: their pictures are made while building
        self.draw_text_from_pictures(self.title, *self.diagram.edge_texts, *self.diagram.node_texts,
                                     self.neuron_line)
        for k, layer in enumerate(self.layers):
            for j in range(layer.units):
                self._focus(k, j)
                self.make_text_pictures(self.title, *self.diagram.edge_texts)

    def _update(self):
        n_inputs = self.layers[0].kernel.shape[0]
        self.x = np.array([self.controls[f"x{i + 1}"].value for i in range(n_inputs)])
        # the engine does the arithmetic: each layer's forward, with z kept in its cache
        self.pre_activations, self.outputs = [], []
        a = self.x[None, :]
        for layer in self.layers:
            a = layer.forward(a)
            self.pre_activations.append(layer.cache[1][0].copy())
            self.outputs.append(a[0].copy())
        self.output = self.outputs[-1]

        k = self.controls["layer"].value - 1
        layer = self.layers[k]
        neuron = self.controls["neuron"]
        if neuron.max != layer.units - 1:  # a new layer: the neuron slider covers its units
            self._batching = True
            try:
                neuron.max = layer.units - 1  # may clamp neuron.value
            finally:
                self._batching = False
        j = neuron.value
        self.step, self.neuron = k + 1, j
        x_in = self.x if k == 0 else self.outputs[k - 1]
        self.z_neuron, self.a_neuron = float(self.pre_activations[k][j]), float(self.outputs[k][j])

        values = [self.x] + [a if i <= k else None for i, a in enumerate(self.outputs)]
        self.diagram.set_values(values)
        f = layer.activation.name
        if self.changed("focus", k, j):
            self._focus(k, j)
        terms = " + ".join(f"{xi:.2f}·({w:.2f})" for xi, w in zip(x_in, layer.kernel[:, j]))
        self.neuron_line.set_text(f"neuron {j}:  z = {terms} + ({layer.bias[j]:.2f}) = {self.z_neuron:.3f},   "
                                  f"a = {f}(z) = {self.a_neuron:.3f}")

    def _focus(self, k, j):
        """Highlight neuron ``j`` of layer ``k`` (0-based) and its incoming weights; title the layer."""
        layer = self.layers[k]
        into_j = [(k, i, j) for i in range(layer.kernel.shape[0])]
        self.diagram.highlight(nodes=[(k + 1, j)], edges=into_j)
        self.diagram.set_edge_labels({e: f"{layer.kernel[e[1], j]:.2f}" for e in into_j})
        self.title.set_text(f"layer {k + 1} of {len(self.layers)}:  z = x·W + b,  a = {layer.activation.name}(z)")

    def readout(self):
        lines = [f"input x = {_vec(self.x)}"]
        for k, layer in enumerate(self.layers[: self.step]):
            f = layer.activation.name
            lines.append(f"layer {k + 1} ({layer.name}, {f}): z = x·W + b = {_vec(self.pre_activations[k])}; "
                         f"a = {f}(z) = {_vec(self.outputs[k])}")
        layer = self.layers[self.step - 1]
        lines.append(f"neuron {self.neuron} of layer {self.step}: z = {self.z_neuron:.4f}, "
                     f"a = {layer.activation.name}(z) = {self.a_neuron:.4f}")
        lines.append(f"network output (all {len(self.layers)} layers) = {_vec(self.output)}")
        return "\n".join(lines)


def _vec(v):
    return "[" + ", ".join(f"{float(x):.3f}" for x in np.ravel(v)) + "]"
