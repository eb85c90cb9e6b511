r"""One artificial neuron: the unit every network is made of.

A neuron weighs its inputs, adds a bias and passes the sum through an activation:

.. math:: z = w \cdot x + b = \sum_i w_i x_i + b, \qquad a = f(z)

``Neuron(weights=[0.5, -1.0], bias=0.1, activation="sigmoid")`` computes this for
one sample ``x`` (shape ``(n_inputs,)``) or a batch (shape ``(batch, n_inputs)``), and
keeps the last pre-activation ``z`` and output ``a`` so a lesson can show them.
"""
import numpy as np

from . import activations
from ._checks import as_float_array


class Neuron:
    """A single neuron ``a = f(w · x + b)``.

    Args:
        weights: one weight per input, shape ``(n_inputs,)``.
        bias: a number.
        activation: a name (``"sigmoid"``) or an activation object; ``None`` means linear.

    After a call, ``neuron.z`` is the weighted sum and ``neuron.a`` the output.
    """

    def __init__(self, weights, bias=0.0, activation="linear"):
        w = as_float_array(weights, "weights", dtype=np.float64)
        if w.ndim != 1 or w.size == 0:
            raise ValueError(f"`weights` must be a 1-D list of numbers, one per input; received shape {w.shape}")
        b = as_float_array(bias, "bias", dtype=np.float64)
        if b.ndim != 0:
            raise ValueError(f"`bias` must be a single number; received shape {b.shape}")
        self.weights = w
        self.bias = float(b)
        self.activation = activations.get(activation)
        self.z = None
        self.a = None

    @property
    def n_inputs(self):
        return self.weights.size

    def __call__(self, x):
        """The output ``a = f(w · x + b)`` for one sample ``(n_inputs,)`` or a batch ``(batch, n_inputs)``."""
        x = as_float_array(x, "x", dtype=np.float64)
        if x.ndim not in (1, 2) or x.shape[-1] != self.n_inputs:
            raise ValueError(
                f"This neuron has {self.n_inputs} weights, so it expects x of shape ({self.n_inputs},) "
                f"or (batch, {self.n_inputs}); received shape {x.shape}."
            )
        z = x @ self.weights + self.bias
        a = self.activation.forward(z)
        self.z, self.a = z, a
        return a

    def __repr__(self):
        w = np.array2string(self.weights, precision=3, separator=", ")
        return f"Neuron(weights={w}, bias={self.bias:.3g}, activation={self.activation.name!r})"
