r"""Weight penalties (regularisers), with Keras's names: ``L1``, ``L2`` and ``L1L2``.

A regulariser adds a penalty :math:`R(W)` on a layer's weights to the loss the optimizer
minimises, so large weights cost something even when they fit the training data::

    Dense(8, activation="tanh", kernel_regularizer=regularizers.l2(0.01))

.. math:: L_\text{total} = L(y, \hat y) + \sum_\text{weights} R(W)

Training then needs :math:`dL_\text{total}/dW = dL/dW + dR/dW`: backpropagation gives the first
term, the regulariser's ``gradient`` the second, and ``fit`` adds them before the optimizer step.

=========  ================================  =======================================
           penalty :math:`R(W)`              gradient :math:`dR/dW`
=========  ================================  =======================================
``L1``     :math:`l_1 \sum |w|`              :math:`l_1 \operatorname{sign}(W)`
``L2``     :math:`l_2 \sum w^2`              :math:`2 l_2 W`
``L1L2``   both added                        both added
=========  ================================  =======================================

- **L2** ("weight decay") pulls every weight towards 0 in proportion to its size: large
  weights shrink fast, small ones barely move, so the network prefers many small weights
  and smoother functions.
- **L1** pulls every weight towards 0 by the same amount whatever its size, so weights that
  the data does not need reach 0 and stay there: a *sparse* network.

As in Keras (and TensorFlow, where ``d|w|/dw`` is 0 at ``w = 0``), the sum has no ``1/2`` and
is not divided by the batch size; the penalty is part of the ``loss`` that ``fit`` and
``evaluate`` report.
"""
import math

import numpy as np


def _check_factor(value, name):
    """A penalty factor: a finite number >= 0 (Keras's message)."""
    if isinstance(value, bool) or not isinstance(value, (int, float, np.integer, np.floating)) \
            or not math.isfinite(value) or value < 0:
        raise ValueError(f"Invalid value for argument {name}: expected a non-negative float. "
                         f"Received: {name}={value!r}")
    return float(value)


class Regularizer:
    """Base class: ``regularizer(W)`` is the penalty (a float), ``regularizer.gradient(W)`` is dR/dW."""

    def __call__(self, x):
        """The penalty for the weights ``x``."""
        return 0.0

    def gradient(self, x):
        """dR/dx, an array of ``x``'s shape and dtype."""
        return np.zeros_like(x)

    def get_config(self):
        raise NotImplementedError(f"{type(self).__name__} does not implement get_config()")

    @classmethod
    def from_config(cls, config):
        return cls(**config)

    def __repr__(self):
        return f"{type(self).__name__}({', '.join(f'{k}={v!r}' for k, v in self.get_config().items())})"


class L1L2(Regularizer):
    r"""Both penalties: :math:`R(W) = l_1 \sum |w| + l_2 \sum w^2`.

    Gradient: :math:`dR/dW = l_1 \operatorname{sign}(W) + 2 l_2 W`.

    Args:
        l1: the L1 factor (default 0: none).
        l2: the L2 factor (default 0: none).
    """

    def __init__(self, l1=0.0, l2=0.0):
        self.l1 = _check_factor(0.0 if l1 is None else l1, "l1")
        self.l2 = _check_factor(0.0 if l2 is None else l2, "l2")

    def __call__(self, x):
        x = np.asarray(x)
        return float(self.l1 * np.sum(np.abs(x)) + self.l2 * np.sum(np.square(x)))

    def gradient(self, x):
        x = np.asarray(x)
        return (self.l1 * np.sign(x) + (2 * self.l2) * x).astype(x.dtype, copy=False)

    def get_config(self):
        return {"l1": self.l1, "l2": self.l2}


class L1(Regularizer):
    r"""The L1 penalty: :math:`R(W) = l_1 \sum |w|`, gradient :math:`l_1 \operatorname{sign}(W)`.

    Args:
        l1: the factor (Keras's default 0.01).
    """

    def __init__(self, l1=0.01):
        self.l1 = _check_factor(0.01 if l1 is None else l1, "l1")

    def __call__(self, x):
        return float(self.l1 * np.sum(np.abs(x)))

    def gradient(self, x):
        x = np.asarray(x)
        return (self.l1 * np.sign(x)).astype(x.dtype, copy=False)    # sign(0) = 0, as TensorFlow

    def get_config(self):
        return {"l1": self.l1}


class L2(Regularizer):
    r"""The L2 penalty: :math:`R(W) = l_2 \sum w^2`, gradient :math:`2 l_2 W`.

    Args:
        l2: the factor (Keras's default 0.01).
    """

    def __init__(self, l2=0.01):
        self.l2 = _check_factor(0.01 if l2 is None else l2, "l2")

    def __call__(self, x):
        return float(self.l2 * np.sum(np.square(x)))

    def gradient(self, x):
        x = np.asarray(x)
        return ((2 * self.l2) * x).astype(x.dtype, copy=False)

    def get_config(self):
        return {"l2": self.l2}


# Keras's lower-case names: regularizers.l2(0.01) is L2(0.01)
l1, l2, l1_l2 = L1, L2, L1L2

_CLASSES = {"L1": L1, "L2": L2, "L1L2": L1L2}


def get(identifier):
    """A regulariser from ``None``, a name (``"l1"``, ``"l2"``, ``"l1_l2"``), a config dict or an object.

    As in Keras, the names give the default factors: ``"l1"`` and ``"l2"`` are 0.01, and
    ``"l1_l2"`` is ``L1L2(l1=0.01, l2=0.01)``.
    """
    if identifier is None or isinstance(identifier, Regularizer):
        return identifier
    if isinstance(identifier, dict):
        return deserialize(identifier)
    if isinstance(identifier, str):
        key = identifier.lower()
        if key == "l1":
            return L1()
        if key == "l2":
            return L2()
        if key in ("l1_l2", "l1l2"):
            return L1L2(l1=0.01, l2=0.01)
        raise ValueError(f"Unknown regularizer {identifier!r}. Valid names: 'l1', 'l2', 'l1_l2' "
                         "(or an object: regularizers.L2(0.001)).")
    if callable(identifier):
        raise TypeError("learnnet needs a regularizer's gradient as well as its value: instead of a plain function, "
                        "subclass learnnet.regularizers.Regularizer and write __call__(w) (the penalty) and "
                        "gradient(w) (dR/dw).")
    raise TypeError(f"A regularizer must be None, a name ('l2') or a Regularizer object; received {identifier!r}")


def serialize(regularizer):
    """``{"class_name": "L2", "config": {"l2": 0.01}}`` (or None), as Keras writes it."""
    if regularizer is None:
        return None
    return {"class_name": type(regularizer).__name__, "config": regularizer.get_config()}


def deserialize(config):
    if config is None:
        return None
    if isinstance(config, str):
        return get(config)
    name = config.get("class_name")
    if name not in _CLASSES:
        raise ValueError(f"Unknown regularizer class {name!r}; learnnet has {', '.join(_CLASSES)}.")
    return _CLASSES[name].from_config(config.get("config", {}))
