"""``BackpropStepper``: walk backpropagation backwards, one layer step at a time.

A 2-2-1 network of ``Dense`` layers sees one example. Step 0 is the forward pass; each
further step is one stage of ``learnnet.backprop_trace.trace_backprop``: the loss, then for
each layer (last first) its activation, its weights and the way back to the layer below.
Every gradient is shown as upstream x local = downstream, beside its numerical gradient:
the gradient check made visible.
"""
import ipywidgets
import numpy as np

from .. import activations
from ..backprop_trace import trace_backprop
from ..layers import Dense
from ..plotting import HIGHLIGHT, NetworkDiagram
from ._base import LessonWidget

HIDDEN_ACTIVATIONS = ["sigmoid", "tanh", "relu", "linear"]
# Round numbers a learner can follow by hand: kernel (in, out) and bias of each layer.
START_WEIGHTS = [
    (np.array([[0.5, -0.3], [0.8, 0.2]]), np.array([0.1, -0.1])),
    (np.array([[0.7], [-0.4]]), np.array([0.2])),
]
STYLE = {"description_width": "80px"}
WIDTH = ipywidgets.Layout(width="330px")


def _signed(value, decimals=4):
    """``value`` with its sign, as ``+0.1250`` or ``-0.1250``; one that rounds to zero is ``0.0000``, with no
    sign (a ReLU that is off passes back a gradient of -0.0, or a tiny negative number)."""
    text = f"{value:+.{decimals}f}"
    return text[1:] if float(text) == 0 else text


def _slider(description, value, low, high, step=0.05):
    return ipywidgets.FloatSlider(value=value, min=low, max=high, step=step, description=description,
                                  readout_format=".2f", style=STYLE, layout=WIDTH)


class BackpropStepper(LessonWidget):
    """Step through backpropagation on a tiny network: upstream x local = downstream, checked numerically.

    Controls: ``x1``, ``x2`` (the example), ``target`` (its label y), ``activation`` (of the
    hidden layer; the output layer is a sigmoid), ``step`` (0 = forward pass, then one stage of
    the backward pass per step). The buttons "◀ back" and "next ▶" move ``step``.

    Shown (readable attributes): ``trace`` (the engine's ``BackpropTrace``), ``loss_value``,
    ``prediction``, ``stage`` (the current ``Stage``, None at step 0) and ``rows``: one dict per
    term of the stage, with ``name``, ``upstream``, ``local``, ``product``, ``engine`` (what
    ``Dense.backward`` computed) and ``numerical``.
    """

    figsize = (7.0, 4.2)

    def __init__(self, x=(1.0, 0.5), target=1.0, activation="sigmoid", step=0, interactive=None):
        self._start = dict(x1=x[0], x2=x[1], target=target, activation=activation, step=step)
        self.layers = [Dense(2, activation=activation, input_dim=2, dtype="float64", name="hidden"),
                       Dense(1, activation="sigmoid", dtype="float64", name="output")]
        for layer, (kernel, bias), width in zip(self.layers, START_WEIGHTS, (2, 2)):
            layer.build((None, width))
            layer.set_weights([kernel, bias])
        self.n_stages = len(trace_backprop(self.layers, [0.0, 0.0], [0.0], numerical=False).stages)
        self._trace_key = None
        super().__init__(interactive=interactive)
        self._make_title_pictures()

    def _make_title_pictures(self):
        """Draw every step's title once, now, as a picture (see ``draw_text_from_pictures``): a mathtext
        formula is parsed the first time it is drawn (~40 ms each here) and its letters rendered every time
        (~10 ms), which made changing the step the slowest control."""
        shown = self.title.get_text()
        for k, stage in enumerate(self.trace.stages, start=1):
            self.title.set_text(self._step_title(k, stage))
            self.make_text_pictures(self.title)
        self.title.set_text(shown)

    # ------------------------------------------------------------------ controls
    def _make_controls(self):
        s = self._start
        return {
            "x1": _slider("input x₁", s["x1"], -2.0, 2.0),
            "x2": _slider("input x₂", s["x2"], -2.0, 2.0),
            "target": _slider("target y", s["target"], 0.0, 1.0),
            "activation": ipywidgets.Dropdown(options=HIDDEN_ACTIVATIONS, value=s["activation"],
                                              description="hidden f", style=STYLE, layout=WIDTH),
            "step": ipywidgets.IntSlider(value=s["step"], min=0, max=self.n_stages, description="step",
                                         style=STYLE, layout=WIDTH),
        }

    def _layout(self, controls, readout, figure_view):
        self.back_button = ipywidgets.Button(description="◀ back", layout=ipywidgets.Layout(width="100px"))
        self.next_button = ipywidgets.Button(description="next ▶", layout=ipywidgets.Layout(width="100px"))
        self.back_button.on_click(lambda _: self.back())
        self.next_button.on_click(lambda _: self.next())
        buttons = ipywidgets.HBox([self.back_button, self.next_button])
        return super()._layout(controls + [buttons], readout, figure_view)

    def next(self):
        """One stage further back (what the "next ▶" button does)."""
        step = self.controls["step"]
        step.value = min(step.value + 1, step.max)

    def back(self):
        """One stage back towards the forward pass (the "◀ back" button)."""
        step = self.controls["step"]
        step.value = max(step.value - 1, step.min)

    # ------------------------------------------------------------------- drawing
    def _draw(self):
        fig = self.fig
        self.ax_net = fig.add_axes([0.0, 0.0, 1.0, 0.80])
        # one text for the step's title and its formula (each text costs a few ms to redraw)
        self.title = fig.text(0.01, 0.975, "", ha="left", va="top", fontsize=11, linespacing=1.9)
        self.diagram = NetworkDiagram(self.ax_net, [2, 2, 1], node_size=1000, fmt="{:.3f}",
                                      layer_titles=["input x", "hidden", "output ŷ"])
        self.ax_net.set_xlim(-0.45, 2.75)
        # Every edge label a third of the way along its edge: labels of crossing edges then sit at
        # different heights instead of meeting where the edges cross.
        for (l, i, j), text in zip(self.diagram.edges, self.diagram.edge_texts):
            (xa, ya), (xb, yb) = self.diagram.node_xy[l][i], self.diagram.node_xy[l + 1][j]
            text.set_position((xa + 0.36 * (xb - xa), ya + 0.36 * (yb - ya)))
        # one gradient read-out under every neuron, and the loss beside the output
        self.grad_texts = {}
        for l, i in self.diagram.nodes:
            x, y = self.diagram.node_xy[l][i]
            self.grad_texts[l, i] = self.ax_net.text(x, y - 0.3, "", ha="center", va="top", fontsize=7.5,
                                                     color="#8c2d04")
        out_x, out_y = self.diagram.node_xy[2][0]
        self.loss_text = self.ax_net.text(out_x + 0.3, out_y, "", ha="left", va="center", fontsize=8.5,
                                          bbox=dict(boxstyle="round,pad=0.3", fc="#fff7e6", ec=HIGHLIGHT))
        # The table of terms is the read-out beside the controls (text is slow to draw in a figure).
        # Tiers by what changes them, so that a change redraws only the texts it changes: the step's
        # title (with its mathtext formula) changes with the step (tier 3); the edges and their labels
        # with the step, or with the example once the labels are gradients (tier 2); the neurons, their
        # values and gradients, the loss and the hidden column's title (its activation) with the
        # example (tier 1). The edge labels sit between the circles, so the circles can be drawn after.
        self.dynamic(self.title, tier=3)
        self.dynamic(self.diagram.edge_artist, *self.diagram.edge_texts, tier=2)
        self.dynamic(self.diagram.node_artist, *self.diagram.node_texts, *self.grad_texts.values(),
                     self.loss_text, self.diagram.title_texts[1], tier=1)
        # and each text is drawn from a picture made once (most of them repeat from one step to another)
        self.draw_text_from_pictures(self.title, *self.diagram.edge_texts, *self.diagram.node_texts,
                                     *self.grad_texts.values(), self.loss_text, self.diagram.title_texts[1])

    # -------------------------------------------------------------------- update
    def _update(self):
        c = {name: control.value for name, control in self.controls.items()}
        key = (c["x1"], c["x2"], c["target"], c["activation"])
        if key != self._trace_key:  # a new example or activation: run the engine again
            self.layers[0].activation = activations.get(c["activation"])
            self.trace = trace_backprop(self.layers, [c["x1"], c["x2"]], [c["target"]], loss="mse")
            self._trace_key = key
        trace = self.trace
        self.step = c["step"]
        self.loss_value = trace.loss_value
        self.prediction = float(trace.y_pred[0])
        self.stage = trace.stages[self.step - 1] if self.step > 0 else None
        self.rows = [] if self.stage is None else [
            dict(name=t.name, kind=t.kind, upstream=t.upstream, local=t.local, product=t.product,
                 engine=t.downstream, numerical=t.numerical, upstream_name=t.upstream_name,
                 local_name=t.local_name) for t in self.stage.terms]
        self._draw_network(trace)
        self._draw_text(trace)

    def _draw_network(self, trace):
        d = self.diagram
        f = self.layers[0].activation.name
        d.set_layer_titles(["input x", f"hidden\n{f}", "output ŷ\nsigmoid"])  # redrawn only if changed
        if self.changed("forward", id(trace)):  # a new trace: new values in the circles
            d.set_values([trace.x, trace.outputs[0], trace.outputs[1]], value_range=(-2, 2))
            self.loss_text.set_text(f"y = {trace.y_true[0]:.2f}\nL = {trace.loss_value:.4f}")

        # the gradient under each neuron: the latest one computed at or before this step
        shown = {}
        for stage in trace.stages[:self.step]:
            for t in stage.terms:
                if t.kind in ("loss", "activation"):
                    shown[(stage.layer, t.index[0])] = (f"∂L/∂{'ŷ' if t.kind == 'loss' else 'z'}", t.downstream)
                elif t.kind == "input":
                    shown[(stage.layer - 1, t.index[0])] = ("∂L/∂a", t.downstream)
        for node, text in self.grad_texts.items():
            text.set_text(f"{shown[node][0]}={_signed(shown[node][1])}" if node in shown else "")

        # highlights change with the step only, edge labels with the step and the numbers: an artist
        # is redrawn only when it changed (set_text with the same text changes nothing)
        stage = self.stage
        gap = None if stage is None else stage.layer - 1
        edges = [e for e in d.edges if e[0] == gap]
        if self.changed("highlight", self.step, *[layer.kernel for layer in trace.layers]):
            d.set_weights([layer.kernel for layer in trace.layers], max_abs=1.0)
            if stage is None:
                d.highlight()
            elif stage.kind in ("loss", "activation"):
                d.highlight(nodes=[(stage.layer, t.index[0]) for t in stage.terms])
            elif stage.kind == "weights":
                d.highlight(nodes=[(gap, i) for i in range(d.layer_sizes[gap])], edges=edges)
            else:
                d.highlight(nodes=[(gap, t.index[0]) for t in stage.terms], edges=edges)
        if stage is None:
            d.set_edge_labels({(l, i, j): _signed(layer.kernel[i, j], 2) for l, layer in enumerate(trace.layers)
                               for i in range(layer.kernel.shape[0]) for j in range(layer.kernel.shape[1])})
        elif stage.kind in ("loss", "activation"):
            d.set_edge_labels({})
        elif stage.kind == "weights":
            d.set_edge_labels({(gap, *t.index): _signed(t.downstream) for t in stage.terms if t.kind == "kernel"})
        else:  # back to the inputs: each edge carries upstream x weight
            d.set_edge_labels({(gap, t.index[0], j): _signed(u * w)
                               for t in stage.terms for j, (u, w) in enumerate(zip(t.upstream, t.local))})

    def _draw_text(self, trace):
        if self.stage is None:
            self.title.set_text(f"Step 0 of {self.n_stages}: the forward pass\n"
                                r"$z = a W + b,\quad a_{\mathrm{next}} = f(z),\quad L = (\hat y - y)^2$")
        else:
            self.title.set_text(self._step_title(self.step, self.stage))

    def _step_title(self, step, stage):
        return f"Step {step} of {self.n_stages}: {stage.title}\n${stage.formula}$"

    def _table_text(self):
        trace = self.trace
        if self.stage is None:
            lines = ["Forward pass (numbers inside the circles):", ""]
            for l, layer in enumerate(trace.layers, start=1):
                z, a = trace.preactivations[l - 1], trace.outputs[l - 1]
                lines.append(f"layer {l}: z{l} = [{', '.join(_signed(v) for v in z)}]")
                lines.append(f"         a{l} = {layer.activation.name}(z{l}) = [{', '.join(_signed(v) for v in a)}]")
            lines += ["", f"loss L = (ŷ - y)² = ({self.prediction:.4f} - {trace.y_true[0]:.2f})² = {self.loss_value:.5f}",
                      "", "Press next ▶ to send the gradient backwards."]
            return "\n".join(lines)
        lines = [f"{'gradient':<12}{'upstream':>9}   {'local':>8}   {'backprop':>9}  {'numerical':>9}"]
        for r in self.rows:
            if isinstance(r["upstream"], tuple):  # a sum over the paths through the layer above
                pairs = list(zip(r["upstream"], r["local"]))
            else:
                pairs = [(r["upstream"], r["local"])]
            for k, (u, w) in enumerate(pairs):
                name = f"∂L/∂{r['name']}" if k == 0 else "  +"
                tail = ""
                if k == len(pairs) - 1:
                    tail = f" = {_signed(r['product'], 5):>9}  {_signed(r['numerical'], 5):>9} {self._check(r)}"
                lines.append(f"{name:<12}{_signed(u):>9} × {_signed(w):>8}{tail}")
        return "\n".join(lines)

    @staticmethod
    def _check(row):
        """✓ when backprop's gradient agrees with the numerical one (as gradcheck would say)."""
        close = abs(row["engine"] - row["numerical"]) <= 1e-6 * max(1.0, abs(row["numerical"]))
        return "✓" if close else "✗"

    def readout(self):
        head = [f"x = [{self.trace.x[0]:.2f}, {self.trace.x[1]:.2f}]   y = {self.trace.y_true[0]:.2f}   "
                f"ŷ = {self.prediction:.4f}   L = {self.loss_value:.5f}",
                f"step {self.step} of {self.n_stages}: " + (self.stage.title if self.stage else "the forward pass"), ""]
        if self.stage is None:
            return "\n".join(head + self._table_text().splitlines()[2:])
        rules = []
        for r in self.rows:
            if isinstance(r["upstream"], tuple):
                rules.append(f"∂L/∂{r['name']} = Σ_j {r['upstream_name']}[j] × {r['local_name'].replace(':', 'j')}")
            else:
                rules.append(f"∂L/∂{r['name']} = {r['upstream_name']} × {r['local_name']}")
        return "\n".join(head + rules + [""] + self._table_text().splitlines())
