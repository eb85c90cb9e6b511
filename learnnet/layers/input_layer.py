r"""``Input`` and symbolic tensors: how a functional model records its graph.

In the functional API you describe a network by calling layers on placeholders
instead of arrays::

    inputs = Input(shape=(100,))              # a symbolic tensor of shape (None, 100)
    h = Dense(64, activation="relu")(inputs)  # no numbers are computed here...
    outputs = Dense(10, activation="softmax")(h)
    model = Model(inputs, outputs)            # ...the calls were recorded as a graph

A ``SymbolicTensor`` holds no values, only a ``shape`` (the batch axis is ``None``: any
batch size) and its history: which layer call produced it. Each call of a layer on
symbolic tensors is recorded as a ``Node``::

    node.layer            the layer that was called
    node.input_tensors    the tensors it was called on
    node.output_tensors   the tensors it returned

A layer called twice (a *shared* layer) has two nodes, one per call, and the same
weights. ``Model`` follows the nodes back from its outputs to its inputs to find the
graph it runs: forward through the nodes in order, backward in reverse.

``Layer.__call__`` sends symbolic inputs to ``call_symbolic`` below, which builds the
layer for the input shape (creating its weights), works out the output shape with
``compute_output_shape`` and records the node. Shape errors therefore show up while
the model is being written, naming the layer, not later in the middle of ``fit``.
"""
import numpy as np

from .. import config
from .base import Layer


class SymbolicTensor:
    """A placeholder for the arrays that will flow along one edge of the graph.

    Attributes:
        shape: a tuple with ``None`` for the batch axis (and for any unknown size).
        dtype: the float type of the arrays, ``"float32"`` by default.
        name: a label for error messages.
    """

    _is_symbolic_tensor = True  # what Layer.__call__ looks for

    def __init__(self, shape, dtype=None, name=None, history=None):
        self.shape = tuple(shape)
        self.dtype = np.dtype(dtype or config.floatx()).name
        self.name = name
        # (layer, node_index, tensor_index): the call that produced this tensor, as in Keras
        self._keras_history = history

    @property
    def ndim(self):
        return len(self.shape)

    @property
    def node(self):
        """The ``Node`` (layer call) that produced this tensor."""
        layer, node_index, _ = self._keras_history
        return layer._inbound_nodes[node_index]

    def __repr__(self):
        layer = self._keras_history[0] if self._keras_history else None
        made_by = f", produced by {type(layer).__name__} {layer.name!r}" if layer is not None else ""
        return f"<SymbolicTensor shape={self.shape}, dtype={self.dtype}{made_by}>"

    def __array__(self, *args, **kwargs):
        raise TypeError(
            f"{self!r} is a symbolic placeholder with no values: it only records the graph. "
            "To compute numbers, build a model, e.g. model = Model(inputs, outputs), then call "
            "model.predict(x) on an array."
        )

    def _no_arithmetic(self, *args):
        raise TypeError(
            "Symbolic tensors cannot be combined with +, -, * or @ in learnnet: every step of the graph "
            "must be a layer, so that it has a backward pass. Use a layer instead, e.g. Add()([a, b]) "
            "or Concatenate()([a, b])."
        )

    __add__ = __radd__ = __sub__ = __rsub__ = __mul__ = __rmul__ = __matmul__ = __truediv__ = _no_arithmetic


KerasTensor = SymbolicTensor  # the name Keras gives these placeholders


class Node:
    """One call of a layer on symbolic tensors: an edge-to-edge step of the graph.

    ``takes_list`` remembers whether the layer was called on a list (``Add()([a, b])``),
    so the model calls ``forward`` the same way with arrays; ``returns_list`` likewise
    for the outputs.
    """

    def __init__(self, layer, input_tensors, output_tensors, takes_list, returns_list):
        self.layer = layer
        self.input_tensors = list(input_tensors)
        self.output_tensors = list(output_tensors)
        self.takes_list = takes_list
        self.returns_list = returns_list

    @property
    def is_input(self):
        """True for the node of an ``InputLayer``: the start of the graph, with nothing before it."""
        return not self.input_tensors

    @property
    def parent_nodes(self):
        """The nodes that produced this node's inputs."""
        return [t.node for t in self.input_tensors]

    def __repr__(self):
        ins = ", ".join(str(t.shape) for t in self.input_tensors) or "-"
        outs = ", ".join(str(t.shape) for t in self.output_tensors)
        return f"<Node {self.layer.name}: {ins} -> {outs}>"


class InputLayer(Layer):
    """The layer behind ``Input``: the graph's entry point. It has no weights and computes nothing.

    Args:
        shape: the shape of one sample, without the batch axis, e.g. ``(28, 28, 1)``.
        batch_size: a fixed batch size, or ``None`` (any size; the usual choice).
        batch_shape: the full shape with the batch axis, instead of ``shape`` and ``batch_size``.
        dtype, name: as for every layer.
    """

    def __init__(self, shape=None, batch_size=None, dtype=None, batch_shape=None, name=None, **kwargs):
        super().__init__(name=name, dtype=dtype, **kwargs)
        if batch_shape is None:
            batch_shape = (batch_size,) + _sample_shape(shape)
        elif shape is not None:
            raise ValueError("Give either `shape` or `batch_shape` to Input, not both; "
                             f"received shape={shape!r} and batch_shape={batch_shape!r}.")
        else:
            batch_shape = tuple(batch_shape)
            _sample_shape(batch_shape[1:])  # validates
        if batch_shape[0] is not None and (not isinstance(batch_shape[0], (int, np.integer)) or batch_shape[0] <= 0):
            raise ValueError(f"Received an invalid value for `batch_size`, expected a positive integer or None. "
                             f"Received: batch_size={batch_shape[0]!r}")
        self.batch_shape = tuple(None if d is None else int(d) for d in batch_shape)
        self.input_shape = self.batch_shape
        self.built = True
        output = SymbolicTensor(self.batch_shape, dtype=self.dtype, name=self.name, history=(self, 0, 0))
        self._inbound_nodes.append(Node(self, [], [output], takes_list=False, returns_list=False))
        self.output = output

    def forward(self, x, training=False):
        return x

    def backward(self, upstream_grad):
        return upstream_grad

    def get_config(self):
        return {"name": self.name, "dtype": self.dtype, "batch_shape": list(self.batch_shape)}


def _sample_shape(shape):
    """A sample's shape as a tuple of positive ints (or None), with an error that shows how to write it."""
    if isinstance(shape, (int, np.integer)) and not isinstance(shape, bool):
        raise ValueError(
            f"`shape` must be a tuple, the shape of one sample without the batch axis; received shape={shape!r}. "
            f"Write shape=({shape},) (with the comma) for {shape} features."
        )
    if shape is None:
        raise ValueError("Input needs `shape`, the shape of one sample without the batch axis, "
                         "e.g. Input(shape=(100,)).")
    try:
        dims = tuple(shape)
    except TypeError:
        raise TypeError(f"`shape` must be a tuple of integers, e.g. (28, 28, 1); received {shape!r}") from None
    for d in dims:
        if d is not None and (isinstance(d, bool) or not isinstance(d, (int, np.integer)) or d <= 0):
            raise ValueError(f"`shape` must hold positive integers (or None for an unknown size); "
                             f"received shape={shape!r}")
    return tuple(None if d is None else int(d) for d in dims)


def Input(shape=None, batch_size=None, dtype=None, batch_shape=None, name=None):
    """A symbolic input for a functional model, as ``keras.Input``.

    ``Input(shape=(100,))`` stands for batches of shape ``(None, 100)``: ``None`` is the
    batch axis, whose size is only known when data arrives.

    Returns:
        a ``SymbolicTensor`` whose ``.shape`` is ``(batch_size, *shape)``.
    """
    return InputLayer(shape=shape, batch_size=batch_size, dtype=dtype, batch_shape=batch_shape, name=name).output


def compatible(expected, received):
    """Whether shape ``received`` fits ``expected``, where ``None`` matches any size (lists of shapes too)."""
    if expected is None:
        return True
    if _is_shape_list(expected) or _is_shape_list(received):
        return (_is_shape_list(expected) and _is_shape_list(received) and len(expected) == len(received)
                and all(compatible(e, r) for e, r in zip(expected, received)))
    return len(expected) == len(received) and all(e is None or r is None or e == r for e, r in zip(expected, received))


def _is_shape_list(shape):
    return isinstance(shape, (list, tuple)) and len(shape) > 0 and isinstance(shape[0], (list, tuple))


def call_symbolic(layer, inputs):
    """Record ``layer(inputs)`` on symbolic tensors: build the layer, infer the output shape, add a node.

    Called by ``Layer.__call__``. Nothing is changed if a check fails: the layer is only
    built (its weights created) once the input shapes are known to fit it.
    """
    takes_list = isinstance(inputs, (list, tuple))
    tensors = list(inputs) if takes_list else [inputs]
    shapes = [t.shape for t in tensors]
    input_shape = shapes if takes_list else shapes[0]

    if layer.built:
        # A layer called again (a shared layer) must get inputs of the shape it was built for.
        if not compatible(layer.input_shape, input_shape):
            raise ValueError(layer._shape_message(input_shape) + " (The layer was already built, "
                             f"for inputs of shape {layer.input_shape}: a shared layer needs the same input shape.)")
    else:
        given = getattr(layer, "_input_shape_arg", None)
        if given is not None and not takes_list and not compatible((None,) + tuple(given), input_shape):
            raise ValueError(
                f"{type(layer).__name__} '{layer.name}' was given input_shape={tuple(given)} but is called on a "
                f"tensor of shape {input_shape}. Remove input_shape/input_dim, or make them match."
            )
    output_shape = layer.compute_output_shape(input_shape)  # raises a teaching error on a bad shape
    if not layer.built:
        layer.build(input_shape)

    returns_list = _is_shape_list(output_shape)
    out_shapes = list(output_shape) if returns_list else [output_shape]
    node_index = len(layer._inbound_nodes)
    dtype = getattr(layer, "dtype", None)
    outputs = [SymbolicTensor(s, dtype=dtype, name=f"{layer.name}/{i}", history=(layer, node_index, i))
               for i, s in enumerate(out_shapes)]
    layer._inbound_nodes.append(Node(layer, tensors, outputs, takes_list, returns_list))
    return outputs if returns_list else outputs[0]
