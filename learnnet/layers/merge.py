r"""Add and Concatenate: layers that join several inputs (residual connections, branches).

A merge layer's ``forward`` takes a *list* of arrays and its ``backward`` returns a
list of gradients, one per input, in the same order.
"""
import numpy as np

from .._checks import as_float_array, describe
from .base import Layer


class _Merge(Layer):
    """What merge layers share: turning the input list into arrays, with errors that teach."""

    def check_input(self, inputs, name="inputs"):
        """A list of float arrays: batches of the same size, with shapes this layer can merge."""
        kind = type(self).__name__
        if not isinstance(inputs, (list, tuple)):
            raise ValueError(
                f"{kind} '{self.name}' merges a list of arrays, e.g. {kind}()([a, b]); received {describe(inputs)}."
            )
        if len(inputs) == 0:
            raise ValueError(f"{kind} '{self.name}' needs at least 1 input; received an empty list.")
        arrays = [as_float_array(x, f"input {i} of {kind} '{self.name}'", dtype=self.dtype)
                  for i, x in enumerate(inputs)]
        shapes = [a.shape for a in arrays]
        if any(a.ndim < 2 for a in arrays) or len({s[0] for s in shapes}) > 1:
            raise ValueError(
                f"{kind} '{self.name}' needs inputs that are batches of the same size (batch axis first); "
                f"received shapes {shapes}."
            )
        self.compute_output_shape(shapes)  # raises if the shapes cannot merge
        if not self.built:
            self.build([(None,) + s[1:] for s in shapes])
        return arrays


def _unbroadcast(grad, shape):
    """Sum ``grad`` over the axes where an input of ``shape`` was broadcast (size 1) to a larger size."""
    axes = tuple(i for i, (g, s) in enumerate(zip(grad.shape, shape)) if s == 1 and g != 1)
    return grad.sum(axis=axes, keepdims=True) if axes else grad.copy()


class Add(_Merge):
    r"""Element-wise sum of a list of inputs: :math:`y = x_1 + x_2 + \dots + x_k`.

    Backward: :math:`\partial y / \partial x_i = 1`, so each input receives the upstream
    gradient unchanged (a copy each, so that changing one in place cannot change another).
    An input with a size-1 axis is broadcast (repeated) along it, as in NumPy and Keras;
    a value used many times collects all their gradients, so its gradient is summed over
    that axis.

    Input shape: a list of arrays of the same shape (or broadcastable, with the same rank).
    Output shape: that shape.
    """

    def compute_output_shape(self, input_shape):
        shapes = [tuple(s) for s in input_shape]
        if len({len(s) for s in shapes}) > 1:
            raise ValueError(self._shapes_message(shapes))
        out = []
        for sizes in zip(*shapes):
            known = {d for d in sizes if d is not None and d != 1}
            if len(known) > 1:
                raise ValueError(self._shapes_message(shapes))
            out.append(known.pop() if known else (None if None in sizes else 1))
        return tuple(out)

    def _shapes_message(self, shapes):
        return (
            f"Add '{self.name}' adds arrays of the same shape (a size-1 axis may broadcast); received shapes "
            f"{shapes}. The layers feeding it must output the same shape, e.g. the same number of units or filters."
        )

    def forward(self, inputs, training=False):
        arrays = self.check_input(inputs)
        y = arrays[0]
        for x in arrays[1:]:
            y = y + x
        self.cache = [x.shape for x in arrays]
        return y

    def backward(self, upstream_grad):
        return [_unbroadcast(upstream_grad, shape) for shape in self.cache]


class Concatenate(_Merge):
    r"""Join a list of inputs end to end along ``axis``: ``(b, 3)`` and ``(b, 4)`` -> ``(b, 7)``.

    Backward: each input's values went to one slice of the output, so its gradient is
    that slice of the upstream gradient: split :math:`dL/dy` along ``axis`` at the same places.

    Args:
        axis: the axis to join along (default -1, the last: features or channels).

    Input shape: a list of arrays with equal shapes except along ``axis``.
    Output shape: that shape, with the sizes along ``axis`` added up.
    """

    def __init__(self, axis=-1, **kwargs):
        super().__init__(**kwargs)
        if isinstance(axis, bool) or not isinstance(axis, (int, np.integer)):
            raise ValueError(
                f"Concatenate '{self.name}': Received an invalid value for `axis`, expected an integer. "
                f"Received: axis={axis!r}"
            )
        self.axis = int(axis)

    def compute_output_shape(self, input_shape):
        shapes = [tuple(s) for s in input_shape]
        rank = len(shapes[0])
        if any(len(s) != rank for s in shapes) or not -rank <= self.axis < rank:
            raise ValueError(self._shapes_message(shapes))
        axis = self.axis % rank
        others = [s[:axis] + s[axis + 1:] for s in shapes]
        out = []
        for sizes in zip(*others):
            known = {d for d in sizes if d is not None}
            if len(known) > 1:
                raise ValueError(self._shapes_message(shapes))
            out.append(known.pop() if known else None)
        along = [s[axis] for s in shapes]
        out.insert(axis, None if None in along else sum(along))
        return tuple(out)

    def _shapes_message(self, shapes):
        return (
            f"Concatenate '{self.name}' joins arrays along axis {self.axis}, so they need the same number of axes "
            f"and the same sizes on every other axis; received shapes {shapes}."
        )

    def forward(self, inputs, training=False):
        arrays = self.check_input(inputs)
        axis = self.axis % arrays[0].ndim
        self.cache = (axis, [x.shape[axis] for x in arrays])
        return np.concatenate(arrays, axis=axis)

    def backward(self, upstream_grad):
        axis, sizes = self.cache
        return np.split(upstream_grad, np.cumsum(sizes)[:-1], axis=axis)

    def get_config(self):
        return {**super().get_config(), "axis": self.axis}
