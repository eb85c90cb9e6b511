r"""Activation functions: each one's forward and backward side by side.

An activation ``f`` is applied element by element to the pre-activation ``z``
(softmax is the exception: it mixes a whole row). Each object here has

- ``forward(x)`` (also just ``f(x)``): the value ``f(x)``;
- ``backward(x, upstream_grad)``: the chain rule, ``dL/dx = dL/df * f'(x)``;
- ``derivative(x)``: ``f'(x)`` itself (element-wise activations only).

The module-level names (``relu``, ``sigmoid``, ...) are ready-made instances, so
``activations.relu(x)`` works as in Keras, and ``activations.get("relu")`` finds one by name.
Every formula is written so that ``|x| = 1e4`` gives no overflow and no NaN.
"""
import math

import numpy as np

from ._checks import as_float_array


class Activation:
    """Base class. Subclasses define ``forward`` and ``derivative`` (or ``backward``)."""

    name = "activation"

    def __call__(self, x):
        return self.forward(as_float_array(x, "x", allow_nonfinite=True))

    def forward(self, x):
        raise NotImplementedError

    def derivative(self, x):
        raise NotImplementedError

    def backward(self, x, upstream_grad):
        """Chain rule for an element-wise function: ``dL/dx = upstream_grad * f'(x)``."""
        return upstream_grad * self.derivative(x)

    def get_config(self):
        return {}

    def __repr__(self):
        args = ", ".join(f"{k}={v!r}" for k, v in self.get_config().items())
        return f"{type(self).__name__}({args})"


class Linear(Activation):
    r"""Identity: :math:`f(x) = x`, :math:`f'(x) = 1`."""

    name = "linear"

    def forward(self, x):
        return x

    def derivative(self, x):
        return np.ones_like(x)

    def backward(self, x, upstream_grad):
        return upstream_grad


class Sigmoid(Activation):
    r"""Logistic sigmoid: :math:`\sigma(x) = 1 / (1 + e^{-x})`, :math:`\sigma'(x) = \sigma(x)(1 - \sigma(x))`.

    Computed as :math:`e^{x} / (1 + e^{x})` for negative x so that ``exp`` never overflows.
    """

    name = "sigmoid"

    def forward(self, x):
        e = np.exp(-np.abs(x))  # in (0, 1]: never overflows
        return np.where(x >= 0, 1 / (1 + e), e / (1 + e))

    def derivative(self, x):
        s = self.forward(x)
        return s * (1 - s)


class Tanh(Activation):
    r"""Hyperbolic tangent: :math:`f(x) = \tanh x`, :math:`f'(x) = 1 - \tanh^2 x`."""

    name = "tanh"

    def forward(self, x):
        return np.tanh(x)

    def derivative(self, x):
        return 1 - np.tanh(x) ** 2


class ReLU(Activation):
    r"""Rectified linear unit: :math:`f(x) = \max(0, x)`, :math:`f'(x) = 1` if :math:`x > 0` else 0.

    At exactly 0 the derivative is taken as 0, as in Keras and PyTorch.
    """

    name = "relu"

    def forward(self, x):
        return np.maximum(x, 0)

    def derivative(self, x):
        return (x > 0).astype(x.dtype)

    def backward(self, x, upstream_grad):
        return upstream_grad * (x > 0)


class LeakyReLU(Activation):
    r"""Leaky ReLU: :math:`f(x) = x` if :math:`x > 0` else :math:`\alpha x`; :math:`f'(x) = 1` or :math:`\alpha`.

    ``negative_slope`` :math:`\alpha` defaults to 0.2, Keras's default.
    """

    name = "leaky_relu"

    def __init__(self, negative_slope=0.2):
        self.negative_slope = float(negative_slope)

    def forward(self, x):
        return np.where(x > 0, x, self.negative_slope * x)

    def derivative(self, x):
        return np.where(x > 0, 1, self.negative_slope).astype(x.dtype)

    def get_config(self):
        return {"negative_slope": self.negative_slope}


class ELU(Activation):
    r"""Exponential linear unit: :math:`f(x) = x` if :math:`x > 0` else :math:`\alpha (e^x - 1)`.

    :math:`f'(x) = 1` if :math:`x > 0` else :math:`\alpha e^x`. ``alpha`` defaults to 1.0.
    """

    name = "elu"

    def __init__(self, alpha=1.0):
        self.alpha = float(alpha)

    def forward(self, x):
        return np.where(x > 0, x, self.alpha * np.expm1(np.minimum(x, 0)))

    def derivative(self, x):
        return np.where(x > 0, 1, self.alpha * np.exp(np.minimum(x, 0))).astype(x.dtype)

    def get_config(self):
        return {"alpha": self.alpha}


class Softplus(Activation):
    r"""Softplus, a smooth ReLU: :math:`f(x) = \log(1 + e^x)`, :math:`f'(x) = \sigma(x)`.

    Computed as :math:`\max(x, 0) + \log(1 + e^{-|x|})` so that ``exp`` never overflows.
    """

    name = "softplus"

    def forward(self, x):
        return np.maximum(x, 0) + np.log1p(np.exp(-np.abs(x)))

    def derivative(self, x):
        return sigmoid.forward(x)


_erf = np.vectorize(math.erf, otypes=[np.float64])  # NumPy has no erf; math.erf is exact to double precision


class GELU(Activation):
    r"""Gaussian error linear unit (exact form, Keras's default ``approximate=False``).

    :math:`f(x) = x\,\Phi(x) = \tfrac{x}{2}\,(1 + \mathrm{erf}(x / \sqrt 2))`,
    :math:`f'(x) = \Phi(x) + x\,\varphi(x)` with :math:`\varphi(x) = e^{-x^2/2} / \sqrt{2\pi}`.
    """

    name = "gelu"

    def _cdf(self, x):
        return (0.5 * (1 + _erf(x / math.sqrt(2)))).astype(x.dtype)

    def forward(self, x):
        x = np.asarray(x)
        return x * self._cdf(x)

    def derivative(self, x):
        x = np.asarray(x)
        pdf = np.exp(-0.5 * x * x) / math.sqrt(2 * math.pi)
        return self._cdf(x) + x * pdf


class Softmax(Activation):
    r"""Softmax over the last axis: :math:`s_i = e^{x_i} / \sum_j e^{x_j}`.

    Subtracting :math:`\max_j x_j` first changes nothing mathematically and keeps ``exp`` from overflowing.

    Its Jacobian is :math:`\partial s_i / \partial x_j = s_i(\delta_{ij} - s_j)`, so the
    backward pass (a Jacobian-vector product, no full matrix needed) is
    :math:`dL/dx = s \odot (g - \sum_j g_j s_j)` with :math:`g = dL/ds`.
    """

    name = "softmax"

    def __init__(self, axis=-1):
        self.axis = axis

    def forward(self, x):
        e = np.exp(x - x.max(axis=self.axis, keepdims=True))
        return e / e.sum(axis=self.axis, keepdims=True)

    def derivative(self, x):
        raise TypeError(
            "softmax mixes a whole row, so it has a Jacobian matrix rather than an element-wise "
            "derivative; use softmax.backward(x, upstream_grad) for the chain rule."
        )

    def backward(self, x, upstream_grad):
        s = self.forward(x)
        return s * (upstream_grad - np.sum(upstream_grad * s, axis=self.axis, keepdims=True))

    def get_config(self):
        return {"axis": self.axis}


linear = Linear()
sigmoid = Sigmoid()
tanh = Tanh()
relu = ReLU()
leaky_relu = LeakyReLU()
elu = ELU()
softplus = Softplus()
gelu = GELU()
softmax = Softmax()

ALL = {a.name: a for a in (linear, sigmoid, tanh, relu, leaky_relu, elu, softplus, gelu, softmax)}
_CLASSES = {type(a).__name__: type(a) for a in ALL.values()}


def get(identifier):
    """Return an activation object from a name (``"relu"``), ``None`` (linear) or an activation object.

    Raises ``ValueError`` listing the valid names for an unknown name.
    """
    if identifier is None:
        return linear
    if isinstance(identifier, Activation):
        return identifier
    if isinstance(identifier, type) and issubclass(identifier, Activation):
        return identifier()
    if isinstance(identifier, str):
        key = identifier.lower()
        if key in ALL:
            return ALL[key]
        raise ValueError(
            f"Unknown activation {identifier!r}. Valid names: {', '.join(sorted(ALL))}."
        )
    if callable(identifier):
        raise TypeError(
            f"{identifier!r} is a plain function; learnnet needs its derivative for backpropagation. "
            "Subclass learnnet.activations.Activation with forward(x) and derivative(x), "
            f"or use one of: {', '.join(sorted(ALL))}."
        )
    raise TypeError(f"An activation must be a name, None or an Activation object; received {identifier!r}")


def serialize(activation):
    """A JSON-friendly description of an activation, for saving models."""
    return {"class_name": type(activation).__name__, "config": activation.get_config()}


def deserialize(config):
    """Rebuild an activation from ``serialize``'s output."""
    if isinstance(config, str):
        return get(config)
    cls = _CLASSES.get(config["class_name"])
    if cls is None:
        raise ValueError(f"Unknown activation class {config['class_name']!r}")
    return cls(**config.get("config", {}))
