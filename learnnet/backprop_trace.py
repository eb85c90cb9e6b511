r"""Backpropagation written out: every gradient of a small network as upstream x local = downstream.

Backpropagation is the chain rule applied from the loss backwards. At every step a
gradient arrives from above (the *upstream* gradient, :math:`\partial L/\partial \text{out}`),
is multiplied by the step's own derivative (the *local* gradient,
:math:`\partial \text{out}/\partial \text{in}`) and goes on below (the *downstream* gradient):

.. math:: \frac{\partial L}{\partial \text{in}} = \frac{\partial L}{\partial \text{out}} \cdot
          \frac{\partial \text{out}}{\partial \text{in}}

For a ``Dense`` layer :math:`z = a W + b,\ y = f(z)` (``a`` its input) the steps are

- activation: :math:`\partial L/\partial z_j = \partial L/\partial y_j \cdot f'(z_j)`;
- weights: :math:`\partial L/\partial W_{ij} = \partial L/\partial z_j \cdot a_i` and
  :math:`\partial L/\partial b_j = \partial L/\partial z_j \cdot 1`;
- inputs: :math:`\partial L/\partial a_i = \sum_j \partial L/\partial z_j \cdot W_{ij}`
  (a sum, because :math:`a_i` feeds every unit ``j``).

``trace_backprop(layers, x, y_true, loss)`` runs the layers' own ``forward`` and
``backward`` on one example and lists each of these multiplications as a ``Term``: the
upstream and local factors, the downstream gradient *the engine computed* (from
``Dense.backward``'s ``grads`` and return value, and the activation's ``backward``), and a
numerical gradient from central differences (as ``learnnet.gradcheck`` does), so every
number can be checked three ways. The layers you pass are not changed: the trace runs on
float64 copies (``trace.layers``).
"""
import numpy as np

from . import losses as losses_module
from ._checks import as_float_array
from .gradcheck import numerical_gradient, to_float64
from .layers.core import Dense


class Term:
    """One multiplication of the chain rule: ``downstream = upstream x local``.

    For a sum over several paths (the gradient of a layer's input), ``upstream`` and
    ``local`` are tuples and ``product`` is their dot product.

    Attributes:
        name: what the downstream gradient is the gradient of, e.g. ``"W2[1,0]"``.
        kind: ``"loss"``, ``"activation"``, ``"kernel"``, ``"bias"`` or ``"input"``.
        layer: the layer's position (1 = first layer; 0 for the loss).
        index: the entry's index in its array, e.g. ``(1, 0)``.
        upstream, local: the two factors (floats, or tuples for a sum).
        upstream_name, local_name: what they are, e.g. ``"∂L/∂z2[0]"`` and ``"a1[1]"``.
        downstream: the gradient the engine's backward pass computed.
        numerical: the same gradient by central differences.
    """

    def __init__(self, name, kind, layer, index, upstream, local, downstream, numerical,
                 upstream_name, local_name):
        self.name, self.kind, self.layer, self.index = name, kind, layer, index
        self.upstream, self.local = upstream, local
        self.upstream_name, self.local_name = upstream_name, local_name
        self.downstream, self.numerical = float(downstream), float(numerical)

    @property
    def product(self):
        """``upstream x local`` (summed over paths for an input): equals ``downstream``."""
        return float(np.dot(self.upstream, self.local))

    def __repr__(self):
        return (f"<Term ∂L/∂{self.name}: {self.upstream_name} x {self.local_name} = "
                f"{self.product:.6g} (engine {self.downstream:.6g}, numerical {self.numerical:.6g})>")


class Stage:
    """One step backwards: all the terms of one kind for one layer, with its formula in LaTeX."""

    def __init__(self, kind, layer, title, formula, terms):
        self.kind, self.layer, self.title, self.formula, self.terms = kind, layer, title, formula, terms

    def __repr__(self):
        return f"<Stage {self.title!r}: {len(self.terms)} terms>"


class BackpropTrace:
    """The forward values and the backward stages of one example through a stack of Dense layers.

    Attributes:
        layers: the float64 copies the trace ran (their ``cache`` and ``grads`` are the ones shown).
        x, y_true, y_pred: the example, its target and the network's output (1-D arrays).
        loss: the loss object; ``loss_value`` the loss.
        inputs: ``inputs[l]`` is the input of layer ``l + 1`` (``inputs[0] = x``), from ``layer.cache``.
        preactivations: ``preactivations[l]`` is ``z`` of layer ``l + 1``, from ``layer.cache``.
        outputs: ``outputs[l]`` is the output ``a`` of layer ``l + 1``.
        stages: the backward steps, from the loss down to the first layer's weights.
    """

    def __init__(self, layers, x, y_true, y_pred, loss, loss_value, stages):
        self.layers, self.x, self.y_true, self.y_pred = layers, x, y_true, y_pred
        self.loss, self.loss_value, self.stages = loss, loss_value, stages
        self.inputs = [layer.cache[0][0] for layer in layers]
        self.preactivations = [layer.cache[1][0] for layer in layers]
        self.outputs = self.inputs[1:] + [y_pred]

    @property
    def terms(self):
        """Every term of every stage, in backward order."""
        return [t for stage in self.stages for t in stage.terms]

    def max_error(self):
        """The largest ``|product - downstream|`` and ``|downstream - numerical|`` over all terms."""
        return max(max(abs(t.product - t.downstream), abs(t.downstream - t.numerical)) for t in self.terms)

    def __repr__(self):
        return f"<BackpropTrace: {len(self.layers)} layers, loss {self.loss_value:.6g}, {len(self.stages)} stages>"


def _check_layers(layers, x):
    layers = list(getattr(layers, "layers", layers))
    if not layers or not all(isinstance(layer, Dense) for layer in layers):
        raise TypeError(f"trace_backprop needs a non-empty list of Dense layers; received {layers!r}")
    for layer in layers:
        if layer.activation.name == "softmax":
            raise ValueError(
                f"Dense '{layer.name}' uses softmax, which mixes all its outputs; trace_backprop shows "
                "element-wise activations only (use a linear output with from_logits=True instead)."
            )
    x = as_float_array(x, "x", dtype=np.float64)
    if x.ndim == 2 and x.shape[0] == 1:
        x = x[0]
    if x.ndim != 1:
        raise ValueError(f"trace_backprop follows one example: `x` must have shape (features,); received {x.shape}.")
    return layers, x


def trace_backprop(layers, x, y_true, loss="mse", numerical=True):
    """Backpropagate one example ``x`` with target ``y_true`` and list every chain-rule step.

    Args:
        layers: a list of ``Dense`` layers (or a model with ``.layers``), element-wise activations.
        x: one example, shape ``(features,)``.
        y_true: its target, shape ``(outputs,)``.
        loss: a loss name or object (default ``"mse"``).
        numerical: whether to compute the numerical gradients (otherwise they are NaN).

    Returns:
        a ``BackpropTrace``.
    """
    layers, x = _check_layers(layers, x)
    layers = [to_float64(layer) for layer in layers]
    loss = losses_module.get(loss)
    y_true = as_float_array(y_true, "y_true", dtype=np.float64).reshape(-1)

    def run_from(start, a):
        """The loss when layer ``start`` (0-based) receives ``a``: the rest of the forward pass."""
        for layer in layers[start:]:
            a = layer.forward(a[None])[0]
        return loss(y_true[None], a[None])

    # Numerical gradients first: each re-runs the forward pass, which overwrites the layers' caches.
    acts, zs = [x], []  # the input of each layer (then the output), and each layer's z
    for layer in layers:
        acts.append(layer.forward(acts[-1][None])[0])  # also builds the layers
        zs.append(layer.cache[1][0].copy())
    nums = {}
    if numerical:
        for l, layer in enumerate(layers):
            nums["kernel", l] = numerical_gradient(lambda: run_from(0, x), layer.kernel)
            if layer.use_bias:
                nums["bias", l] = numerical_gradient(lambda: run_from(0, x), layer.bias)
            a_in, z = acts[l].copy(), zs[l]
            nums["input", l] = numerical_gradient(lambda: run_from(l, a_in), a_in)
            nums["activation", l] = numerical_gradient(lambda: run_from(l + 1, layer.activation.forward(z)), z)
        y_out = acts[-1].copy()
        nums["loss", 0] = numerical_gradient(lambda: run_from(len(layers), y_out), y_out)

    def num(kind, l, index):
        return nums[kind, l][index] if numerical else np.nan

    # The real forward and backward passes, whose caches and grads the terms read.
    a = x[None]  # a batch of one
    for layer in layers:
        a = layer.forward(a)
    y_pred = a[0]
    loss_value = loss(y_true[None], a)
    upstream = loss.gradient(y_true[None], a)[0]  # dL/dy_hat
    n = len(layers)
    stages = [Stage("loss", n, "Loss", r"\partial L/\partial \hat y", [
        Term(f"ŷ[{k}]", "loss", n, (k,), 1.0, float(upstream[k]), upstream[k], num("loss", 0, k),
             "∂L/∂L", f"∂L/∂ŷ[{k}]") for k in range(upstream.size)])]
    for l in reversed(range(n)):
        layer, L = layers[l], l + 1
        a_in, z = layer.cache[0][0], layer.cache[1][0]
        out_name = "ŷ" if L == n else f"a{L}"
        in_name = "x" if L == 1 else f"a{L - 1}"
        dz = layer.activation.backward(z, upstream)  # the engine's activation step, dL/dz
        local = layer.activation.derivative(z)
        stages.append(Stage("activation", L, f"Layer {L}: activation {layer.activation.name}",
                            rf"\partial L/\partial z^{{({L})}}_j = \partial L/\partial a^{{({L})}}_j \cdot f'(z^{{({L})}}_j)", [
            Term(f"z{L}[{j}]", "activation", L, (j,), float(upstream[j]), float(local[j]), dz[j],
                 num("activation", l, j), f"∂L/∂{out_name}[{j}]", f"f'(z{L}[{j}])")
            for j in range(z.size)]))
        downstream = layer.backward(upstream[None])[0]  # fills layer.grads, returns dL/d(input)
        terms = [Term(f"W{L}[{i},{j}]", "kernel", L, (i, j), float(dz[j]), float(a_in[i]),
                      layer.grads["kernel"][i, j], num("kernel", l, (i, j)), f"∂L/∂z{L}[{j}]", f"{in_name}[{i}]")
                 for i in range(a_in.size) for j in range(z.size)]
        if layer.use_bias:
            terms += [Term(f"b{L}[{j}]", "bias", L, (j,), float(dz[j]), 1.0, layer.grads["bias"][j],
                           num("bias", l, j), f"∂L/∂z{L}[{j}]", "1") for j in range(z.size)]
        stages.append(Stage("weights", L, f"Layer {L}: weights and biases",
                            rf"\partial L/\partial W^{{({L})}}_{{ij}} = \partial L/\partial z^{{({L})}}_j \cdot "
                            rf"{'x' if L == 1 else f'a^{{({L - 1})}}'}_i", terms))
        if L > 1:
            stages.append(Stage("input", L, f"Layer {L}: back to layer {L - 1}'s outputs",
                                rf"\partial L/\partial a^{{({L - 1})}}_i = \sum_j \partial L/\partial z^{{({L})}}_j "
                                rf"\cdot W^{{({L})}}_{{ij}}", [
                Term(f"a{L - 1}[{i}]", "input", L, (i,), tuple(float(v) for v in dz),
                     tuple(float(v) for v in layer.kernel[i]), downstream[i], num("input", l, i),
                     f"∂L/∂z{L}", f"W{L}[{i},:]") for i in range(a_in.size)]))
        upstream = downstream
    return BackpropTrace(layers, x, y_true, y_pred, loss, loss_value, stages)
