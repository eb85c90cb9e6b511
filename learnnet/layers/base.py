"""The ``Layer`` base class: what every layer has in common.

A layer is three methods:

- ``build(input_shape)``: create the weights once the input's shape is known;
- ``forward(x, training=False)``: compute the output and keep in ``self.cache``
  what the backward pass will need;
- ``backward(upstream_grad)``: receive dL/d(output), store dL/d(weights) in
  ``self.grads`` and return dL/d(input).

Weights are plain NumPy arrays, created with ``add_weight`` and kept as attributes
(``self.kernel``, ``self.bias``). ``get_weights``/``set_weights`` list them in Keras's
order and shapes; an optimizer updates them in place.

Called on its own, a layer checks its input and explains what is wrong with it. Inside
``fit``/``evaluate``/``predict`` the model has checked the data once, at its entry, so its
layers do not check every batch again (see ``learnnet._checks.checked_data``).
"""
import re

import numpy as np

from .. import config, initializers
from .._checks import as_float_array, data_is_checked

_name_counts = {}


def to_snake_case(name):
    """``"MaxPooling2D"`` -> ``"max_pooling2d"``, as Keras names its layers."""
    name = re.sub(r"\W+", "", name)
    name = re.sub("(.)([A-Z][a-z]+)", r"\1_\2", name)
    name = re.sub("([a-z])([A-Z])", r"\1_\2", name)
    return name.lower()


def unique_name(base):
    """``dense``, then ``dense_1``, ``dense_2``... as Keras does."""
    n = _name_counts.get(base, 0)
    _name_counts[base] = n + 1
    return base if n == 0 else f"{base}_{n}"


def clear_session():
    """Restart layer naming from ``dense``, ``dense_1``... (like ``keras.backend.clear_session``)."""
    _name_counts.clear()


def _is_symbolic(inputs):
    items = inputs if isinstance(inputs, (list, tuple)) else [inputs]
    return bool(items) and all(getattr(t, "_is_symbolic_tensor", False) for t in items)


class Layer:
    """Base class of all layers.

    Args:
        name: a unique name; by default the snake-case class name (``dense_1``).
        trainable: if False, the optimizer leaves this layer's weights alone.
        dtype: ``"float32"`` (default, see ``learnnet.config.floatx``) or ``"float64"``.
        input_shape / input_dim: the shape of one sample (without the batch axis),
            to give the first layer of a ``Sequential`` model, as in Keras.
    """

    # ``fit`` sets this to False on a layer, for the time of one backward call, when the layer reads
    # the model's own input: the data needs no gradient, so a layer may skip computing dL/d(input)
    # and return None (Conv2D does: for a first convolution that is a large part of its backward).
    input_gradient_needed = True

    def __init__(self, name=None, trainable=True, dtype=None, input_shape=None, input_dim=None):
        if name is not None and (not isinstance(name, str) or not name):
            raise ValueError(f"`name` must be a non-empty string; received name={name!r}")
        self.name = name or unique_name(to_snake_case(type(self).__name__))
        self.trainable = bool(trainable)
        self.dtype = np.dtype(dtype or config.floatx()).name
        if input_dim is not None and input_shape is None:
            input_shape = (input_dim,)
        if input_shape is not None:
            input_shape = tuple(int(d) if d is not None else None for d in np.atleast_1d(input_shape).tolist()) \
                if not isinstance(input_shape, (tuple, list)) else tuple(input_shape)
        self._input_shape_arg = input_shape  # a sample's shape, as the user gave it
        self.built = False
        self.input_shape = None   # (None, ...) once built
        self._weight_specs = []   # [(attribute name, trainable)] in creation order
        self.grads = {}           # attribute name -> dL/d(weight), set by backward
        self.cache = None         # what forward keeps for backward
        self._inbound_nodes = []  # filled when the layer is called on symbolic tensors

    # ----------------------------------------------------------------- weights
    def add_weight(self, name, shape, initializer="zeros", trainable=True):
        """Create a weight array, keep it as ``self.<name>`` and return it."""
        value = initializers.get(initializer)(tuple(shape), dtype=self.dtype)
        setattr(self, name, value)
        self._weight_specs.append((name, trainable))
        return value

    def _names(self, trainable=None):
        specs = [s for s in self._weight_specs if s[1]] + [s for s in self._weight_specs if not s[1]]
        return [n for n, t in specs if trainable is None or t == trainable]

    @property
    def weights(self):
        """All weights, trainable ones first, as Keras orders them."""
        return [getattr(self, n) for n in self._names()]

    @property
    def trainable_weights(self):
        return [getattr(self, n) for n in self._names(True)] if self.trainable else []

    @property
    def non_trainable_weights(self):
        if not self.trainable:
            return self.weights
        return [getattr(self, n) for n in self._names(False)]

    def get_weights(self):
        """Copies of the weights, in Keras's order and shapes (Dense: ``[kernel (in, out), bias (out,)]``)."""
        return [w.copy() for w in self.weights]

    def set_weights(self, weights):
        """Replace the weights (in place) by ``weights``, given in ``get_weights`` order.

        Checks every shape before changing anything, so a wrong list leaves the layer as it was.
        """
        names = self._names()
        weights = list(weights)
        if len(weights) != len(names):
            raise ValueError(
                f"Layer '{self.name}' expects {len(names)} weight arrays {names}, received {len(weights)}."
            )
        new = []
        for n, w in zip(names, weights):
            w = as_float_array(w, f"weights for {self.name}.{n}")
            cur = getattr(self, n)
            if w.shape != cur.shape:
                raise ValueError(
                    f"Layer '{self.name}' weight '{n}' has shape {cur.shape}; received shape {w.shape}."
                )
            new.append((cur, w))
        for cur, w in new:
            cur[...] = w

    def get_gradients(self):
        """dL/d(weight) from the last backward, in the order of the trainable weights."""
        missing = [n for n in self._names(True) if n not in self.grads]
        if missing:
            raise RuntimeError(f"Layer '{self.name}' has no gradients yet: call forward then backward first.")
        return [self.grads[n] for n in self._names(True)]

    def grads_and_vars(self):
        """``[(gradient, weight), ...]`` for the trainable weights: what ``optimizer.apply_gradients`` takes."""
        if not self.trainable:
            return []
        return list(zip(self.get_gradients(), [getattr(self, n) for n in self._names(True)]))

    def count_params(self):
        return int(sum(w.size for w in self.weights))

    # --------------------------------------------------------------- building
    def build(self, input_shape):
        """Create the weights for inputs of ``input_shape`` (batch axis first, as ``None``)."""
        self.input_shape = tuple(input_shape)
        self.built = True

    def compute_output_shape(self, input_shape):
        """The output shape for ``input_shape`` (batch axis included, as ``None``)."""
        return tuple(input_shape)

    def _build_if_needed(self, input_shape):
        if not self.built:
            sample_shape = self._input_shape_arg if self._input_shape_arg is not None else input_shape[1:]
            self.build((None,) + tuple(sample_shape))

    def input_is_checked(self, x):
        """True if ``x`` comes from data the running model has checked (``checked_data``) and
        is already an array of this layer's dtype: ``check_input`` has nothing left to do."""
        return data_is_checked() and self.built and type(x) is np.ndarray and x.dtype == self.dtype

    def check_input(self, x, name="x"):
        """Turn ``x`` into an array of this layer's dtype, build the layer if needed, and
        make sure its shape is one this layer accepts. Raise a teaching error if not."""
        if self.input_is_checked(x):
            return x
        x = as_float_array(x, f"input of {type(self).__name__} '{self.name}'", dtype=self.dtype)
        if x.ndim < 2:
            expect = self.input_shape or ((None,) + tuple(self._input_shape_arg) if self._input_shape_arg else None)
            raise ValueError(
                f"{type(self).__name__} '{self.name}' expects a batch of samples"
                + (f" of shape {expect}" if expect else "")
                + f", received shape {x.shape}. Add the batch axis for a single sample: x[None] or x.reshape(1, -1)."
            )
        self._build_if_needed(x.shape)
        expected = self.input_shape[1:]
        if len(expected) != x.ndim - 1 or any(e is not None and e != g for e, g in zip(expected, x.shape[1:])):
            raise ValueError(self._shape_message(x.shape))
        return x

    def _shape_message(self, received):
        return (
            f"{type(self).__name__} '{self.name}' expects input of shape {self.input_shape} "
            f"(None = any batch size), received shape {received}."
        )

    # ------------------------------------------------------------ computation
    def forward(self, x, training=False):
        raise NotImplementedError

    def backward(self, upstream_grad):
        raise NotImplementedError

    def __call__(self, inputs, training=False):
        """``layer(x)`` runs ``forward`` on arrays, or adds the layer to a graph on ``Input`` tensors."""
        if _is_symbolic(inputs):
            from .input_layer import call_symbolic
            return call_symbolic(self, inputs)
        return self.forward(inputs, training=training)

    # ---------------------------------------------------------------- config
    def get_config(self):
        """The constructor arguments, JSON-friendly, so the layer can be rebuilt (for saving)."""
        config = {"name": self.name, "trainable": self.trainable, "dtype": self.dtype}
        if self._input_shape_arg is not None:
            config["input_shape"] = list(self._input_shape_arg)
        return config

    @classmethod
    def from_config(cls, config):
        return cls(**config)

    def __repr__(self):
        return f"<{type(self).__name__} name={self.name!r}, built={self.built}>"
