r"""Gradient checking: prove a backward pass right by comparing it with finite differences.

Backpropagation computes :math:`\partial L / \partial \theta` analytically. A numerical
estimate needs nothing but the forward pass, nudging one number at a time:

.. math:: \frac{\partial L}{\partial \theta_i} \approx \frac{L(\theta + h e_i) - L(\theta - h e_i)}{2h}

(central differences: the error shrinks like :math:`h^2`). Both are computed in float64
and compared with the relative error

.. math:: \text{rel} = \frac{\lVert g_{\text{analytic}} - g_{\text{numeric}} \rVert}
                           {\lVert g_{\text{analytic}} \rVert + \lVert g_{\text{numeric}} \rVert}

which is about 1e-10 for a correct backward pass and about 1 for a wrong one; the
default tolerance is 1e-6. The estimate itself is only good to about 1e-10 (float64's
round-off, 1e-16, divided by h): where the true gradients are that small too (a sigmoid
deep in saturation has slopes near 1e-6), the relative error can pass 1e-6 with nothing
wrong. So a gradient also passes when no entry differs by more than ``ATOL`` = 1e-8.

``check_activation``, ``check_loss``, ``check_layer``, ``check_layers`` (a stack,
e.g. ``model.layers``) and ``check_merge`` (``Add``, ``Concatenate``) return a
``GradcheckReport`` that prints as a table, one row per gradient, and has ``.passed``
and ``.max_rel_error``. ``gradcheck(obj, ...)`` picks the right one. The objects you
pass are never changed: layers are copied into float64.
"""
import copy

import numpy as np

from . import activations as activations_module
from ._checks import as_float_array

H = 1e-6
TOLERANCE = 1e-6
ATOL = 1e-8     # absolute differences below this are within the numerical estimate's noise


class GradcheckReport:
    """The result of a gradient check: one row per gradient (input and each weight)."""

    def __init__(self, title, rows, tolerance):
        self.title, self.rows, self.tolerance = title, rows, tolerance

    @property
    def passed(self):
        return all(r["passed"] for r in self.rows)

    @property
    def max_rel_error(self):
        return max((r["rel_error"] for r in self.rows), default=0.0)

    def __bool__(self):
        return self.passed

    def __str__(self):
        lines = [f"gradcheck {self.title}  (float64, h={H:g}, tolerance={self.tolerance:g})",
                 f"  {'gradient':<18}{'shape':<16}{'max |analytic - numeric|':>26}{'relative error':>17}  result"]
        for r in self.rows:
            lines.append(f"  {r['name']:<18}{str(r['shape']):<16}{r['max_abs_error']:>26.2e}"
                         f"{r['rel_error']:>17.2e}  {'pass' if r['passed'] else 'FAIL'}")
        n_fail = sum(not r["passed"] for r in self.rows)
        lines.append(f"All {len(self.rows)} gradients pass." if not n_fail
                     else f"{n_fail} of {len(self.rows)} gradients FAIL: the backward pass disagrees with the forward pass.")
        return "\n".join(lines)

    __repr__ = __str__


def numerical_gradient(f, x, indices=None, h=H):
    """Central-difference estimate of d f() / d x, where ``f`` reads ``x`` (changed in place and restored).

    ``indices`` limits the estimate to some entries (the others are left 0).
    """
    grad = np.zeros_like(x)
    for i in (np.ndindex(x.shape) if indices is None else indices):
        old = x[i]
        x[i] = old + h
        f_plus = f()
        x[i] = old - h
        f_minus = f()
        x[i] = old
        grad[i] = (f_plus - f_minus) / (2 * h)
    return grad


def _compare(name, analytic, numeric, indices, tolerance):
    if indices is not None:
        picked = tuple(np.array(indices).T)
        analytic, numeric = analytic[picked], numeric[picked]
    diff = np.linalg.norm(analytic - numeric)
    scale = np.linalg.norm(analytic) + np.linalg.norm(numeric)
    rel = 0.0 if scale == 0 else float(diff / scale)
    max_abs = float(np.max(np.abs(analytic - numeric), initial=0.0))
    return {"name": name, "shape": tuple(np.shape(analytic)) if indices is None else f"{len(indices)} entries",
            "max_abs_error": max_abs, "rel_error": rel, "passed": bool(rel < tolerance or max_abs < ATOL)}


def _pick(shape, max_checks, rng):
    """All entries, or ``max_checks`` random ones for a large array."""
    size = int(np.prod(shape))
    if max_checks is None or size <= max_checks:
        return None
    flat = rng.choice(size, max_checks, replace=False)
    return [tuple(int(v) for v in np.unravel_index(k, shape)) for k in flat]


def check_activation(activation, x=None, seed=0, tolerance=TOLERANCE):
    """Check ``activation.backward`` against finite differences of ``activation.forward``.

    ``x`` defaults to a random (4, 5) array kept away from 0, where ReLU-like kinks sit.
    """
    act = activations_module.get(activation)
    rng = np.random.default_rng(seed)
    if x is None:
        x = rng.uniform(0.1, 3, size=(4, 5)) * rng.choice([-1, 1], size=(4, 5))
    x = as_float_array(x, "x", dtype=np.float64).copy()
    upstream = rng.standard_normal(x.shape)
    analytic = act.backward(x, upstream)
    numeric = numerical_gradient(lambda: np.sum(act.forward(x) * upstream), x)
    return GradcheckReport(f"activation {act.name!r}", [_compare("input x", analytic, numeric, None, tolerance)],
                           tolerance)


def check_loss(loss, y_true, y_pred, tolerance=TOLERANCE):
    """Check ``loss.gradient(y_true, y_pred)`` against finite differences of ``loss(y_true, y_pred)``."""
    from . import losses as losses_module
    loss = losses_module.get(loss)
    y_true = as_float_array(y_true, "y_true", dtype=np.float64)
    y_pred = as_float_array(y_pred, "y_pred", dtype=np.float64).copy()
    analytic = loss.gradient(y_true, y_pred)
    numeric = numerical_gradient(lambda: loss(y_true, y_pred), y_pred)
    name = getattr(loss, "name", type(loss).__name__)
    return GradcheckReport(f"loss {name!r}", [_compare("prediction y_pred", analytic, numeric, None, tolerance)],
                           tolerance)


def to_float64(layer):
    """A float64 copy of a layer (its weights cast), leaving the original untouched."""
    twin = copy.deepcopy(layer)
    for sub in _sublayers(twin):
        sub.dtype = "float64"
        for name in sub._names():
            setattr(sub, name, getattr(sub, name).astype(np.float64))
    return twin


def _sublayers(layer):
    """The layer itself, or the layers inside a model/container (anything with ``.layers``)."""
    inner = getattr(layer, "layers", None)
    if inner is None:
        return [layer]
    return [s for sub in inner for s in _sublayers(sub)]


def check_layers(layers, x, training=False, seed=0, max_checks=None, tolerance=TOLERANCE, title=None):
    """Check backpropagation through a stack of layers (a list, or ``model.layers``).

    The scalar checked is ``L = sum(r * output)`` with a fixed random ``r``, so
    ``dL/d(output) = r`` is the upstream gradient fed to the last layer's backward.
    Every layer's weights and the input ``x`` get a row. ``max_checks`` limits how
    many entries of each array are checked numerically (all by default).
    """
    rng = np.random.default_rng(seed)
    stack = [to_float64(layer) for layer in layers]
    x = as_float_array(x, "x", dtype=np.float64).copy()

    def forward():
        out = x
        for layer in stack:
            out = layer.forward(out, training=training)
        return out

    upstream = rng.standard_normal(np.shape(forward()))
    grad = upstream
    for layer in reversed(stack):
        grad = layer.backward(grad)
    scalar = lambda: float(np.sum(forward() * upstream))  # noqa: E731

    rows = []
    idx = _pick(x.shape, max_checks, rng)
    rows.append(_compare("input x", grad, numerical_gradient(scalar, x, idx), idx, tolerance))
    for layer in stack:
        for name, analytic in zip(layer._names(True), layer.get_gradients() if layer._names(True) else []):
            w = getattr(layer, name)
            idx = _pick(w.shape, max_checks, rng)
            label = f"{layer.name}.{name}" if len(stack) > 1 else name
            rows.append(_compare(label, analytic, numerical_gradient(scalar, w, idx), idx, tolerance))
    if title is None:
        title = " -> ".join(f"{type(l).__name__} {l.name!r}" for l in stack)
    return GradcheckReport(title, rows, tolerance)


def check_layer(layer, x, training=False, seed=0, max_checks=None, tolerance=TOLERANCE):
    """Check one layer's backward: dL/dx and dL/d(each weight) against finite differences."""
    return check_layers([layer], x, training=training, seed=seed, max_checks=max_checks, tolerance=tolerance)


def check_merge(layer, inputs, seed=0, max_checks=None, tolerance=TOLERANCE):
    """Check a layer that takes a list of arrays (``Add``, ``Concatenate``): one row per input.

    As in ``check_layers``, ``L = sum(r * layer.forward(inputs))``; ``layer.backward(r)``
    must return the list ``[dL/d(inputs[0]), dL/d(inputs[1]), ...]``.
    """
    rng = np.random.default_rng(seed)
    layer = to_float64(layer)
    xs = [as_float_array(x, f"inputs[{i}]", dtype=np.float64).copy() for i, x in enumerate(inputs)]
    upstream = rng.standard_normal(np.shape(layer.forward(xs)))
    grads = layer.backward(upstream)
    scalar = lambda: float(np.sum(layer.forward(xs) * upstream))  # noqa: E731
    rows = []
    for i, (x, grad) in enumerate(zip(xs, grads)):
        idx = _pick(x.shape, max_checks, rng)
        rows.append(_compare(f"input {i}", grad, numerical_gradient(scalar, x, idx), idx, tolerance))
    return GradcheckReport(f"{type(layer).__name__} {layer.name!r}", rows, tolerance)


def check_model(model, x, training=False, seed=0, max_checks=None, tolerance=TOLERANCE):
    """Check backpropagation through a whole model (``Sequential`` or functional ``Model``).

    As in ``check_layers``, ``L = sum(r * output)`` (summed over the outputs of a model
    with several); ``model.backward`` must give dL/d(each input) and fill every layer's
    gradients, summed over the calls of a shared layer. ``x`` is an array, or a list
    for a model with several inputs. One row per input and per trainable weight.
    """
    rng = np.random.default_rng(seed)
    twin = to_float64(model)
    if not twin.built:
        twin.build((None,) + np.shape(x)[1:])
    several = twin._inputs_are_list
    xs = [as_float_array(v, f"x[{i}]" if several else "x", dtype=np.float64).copy()
          for i, v in enumerate(x if several else [x])]

    def outputs():
        out = twin.forward(xs if several else xs[0], training=training)
        return out if isinstance(out, list) else [out]

    upstream = [rng.standard_normal(np.shape(o)) for o in outputs()]
    in_grads = twin.backward(upstream if twin._outputs_are_list else upstream[0])
    in_grads = in_grads if several else [in_grads]
    scalar = lambda: float(sum(np.sum(o * r) for o, r in zip(outputs(), upstream)))  # noqa: E731

    rows = []
    for i, (v, grad) in enumerate(zip(xs, in_grads)):
        idx = _pick(v.shape, max_checks, rng)
        grad = np.zeros_like(v) if grad is None else grad
        rows.append(_compare(f"input {i}" if several else "input x", grad, numerical_gradient(scalar, v, idx),
                             idx, tolerance))
    for layer in twin._leaf_layers():
        for name, analytic in zip(layer._names(True), layer.get_gradients() if layer._names(True) else []):
            w = getattr(layer, name)
            idx = _pick(w.shape, max_checks, rng)
            rows.append(_compare(f"{layer.name}.{name}", analytic, numerical_gradient(scalar, w, idx), idx,
                                 tolerance))
    return GradcheckReport(f"{type(model).__name__} {model.name!r}", rows, tolerance)


def gradcheck(obj, *args, **kwargs):
    """Check whatever ``obj`` is: an activation (or its name), a loss, a layer, or a list of layers/a model."""
    from . import losses as losses_module
    from .layers.base import Layer
    if isinstance(obj, (str, activations_module.Activation)) and not _is_loss(obj, losses_module):
        return check_activation(obj, *args, **kwargs)
    if _is_loss(obj, losses_module):
        return check_loss(obj, *args, **kwargs)
    if isinstance(obj, Layer) and getattr(obj, "layers", None) is None:
        return check_layer(obj, *args, **kwargs)
    if isinstance(obj, Layer) and hasattr(obj, "_leaf_layers"):   # a Sequential or functional model
        return check_model(obj, *args, **kwargs)
    if isinstance(obj, (list, tuple)) or getattr(obj, "layers", None) is not None:
        return check_layers(getattr(obj, "layers", obj), *args, **kwargs)
    raise TypeError(f"gradcheck does not know how to check {obj!r}: pass an activation, a loss, a layer or a list of layers")


def _is_loss(obj, losses_module):
    if isinstance(obj, losses_module.Loss):
        return True
    if isinstance(obj, str):
        try:
            losses_module.get(obj)
            return True
        except ValueError:
            return False
    return False
