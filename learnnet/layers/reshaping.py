r"""Flatten and Reshape: the same numbers, arranged in a different shape.

Reshaping moves no value and changes none, so the backward pass only has to put the
gradient back in the input's shape: :math:`dL/dx = \text{reshape}(dL/dy, \text{shape of } x)`.
"""
import numpy as np

from .base import Layer


def _sample_size(shape):
    """How many numbers one sample holds, or None if a size is unknown."""
    return None if any(d is None for d in shape) else int(np.prod(shape, dtype=np.int64))


class Flatten(Layer):
    """Flatten each sample into a vector: ``(batch, d1, d2, ...)`` -> ``(batch, d1 * d2 * ...)``.

    The order is NumPy's (row by row, channels last), as Keras's default ``channels_last``.
    Typically sits between the convolutional part of a network and its Dense layers.
    No weights.
    """

    def compute_output_shape(self, input_shape):
        return (input_shape[0], _sample_size(input_shape[1:]))

    def _shape_message(self, received):
        return (
            f"Flatten '{self.name}' was built for samples of shape {self.input_shape[1:]}, received shape "
            f"{received}. The Dense layer after it has a fixed input width: give every batch the same sample shape."
        )

    def forward(self, x, training=False):
        x = self.check_input(x)
        self.cache = x.shape
        return x.reshape(x.shape[0], -1)

    def backward(self, upstream_grad):
        return upstream_grad.reshape(self.cache)


class Reshape(Layer):
    """Give each sample the shape ``target_shape``: ``(batch, ...)`` -> ``(batch,) + target_shape``.

    One entry of ``target_shape`` may be ``-1``: it is worked out from the sample size,
    as in ``numpy.reshape``. The batch axis is never touched. No weights.

    Args:
        target_shape: a tuple of positive integers, at most one of them -1.
    """

    def __init__(self, target_shape, **kwargs):
        super().__init__(**kwargs)
        shape = tuple(target_shape) if isinstance(target_shape, (tuple, list)) else None
        if shape is None or any(isinstance(d, bool) or not isinstance(d, (int, np.integer)) or (d <= 0 and d != -1)
                                for d in shape):
            raise ValueError(
                f"Reshape '{self.name}': Received an invalid value for `target_shape`, expected a tuple of positive "
                f"integers (one of them may be -1). Received: target_shape={target_shape!r}"
            )
        if shape.count(-1) > 1:
            raise ValueError(
                f"Reshape '{self.name}': There must be at most one unknown dimension (-1) in `target_shape`. "
                f"Received: target_shape={target_shape!r}"
            )
        self.target_shape = tuple(int(d) for d in shape)

    def _resolve(self, sample_shape):
        """``target_shape`` with its -1 worked out for samples of ``sample_shape`` (or a ValueError)."""
        size = _sample_size(sample_shape)
        if size is None:
            return self.target_shape if -1 not in self.target_shape else \
                tuple(None if d == -1 else d for d in self.target_shape)
        known = int(np.prod([d for d in self.target_shape if d != -1], dtype=np.int64))
        if -1 in self.target_shape and size % known == 0:
            return tuple(size // known if d == -1 else d for d in self.target_shape)
        if -1 not in self.target_shape and size == known:
            return self.target_shape
        raise ValueError(
            f"Reshape '{self.name}' cannot give samples of shape {tuple(sample_shape)} ({size} numbers each) "
            f"the shape {self.target_shape} ({'a multiple of ' if -1 in self.target_shape else ''}{known} numbers): "
            "reshaping keeps every number. Check target_shape against the previous layer's output shape."
        )

    def build(self, input_shape):
        self._resolve(input_shape[1:])  # fail now if the sizes cannot match
        super().build(input_shape)

    def compute_output_shape(self, input_shape):
        return (input_shape[0],) + self._resolve(input_shape[1:])

    def _shape_message(self, received):
        return (
            f"Reshape '{self.name}' was built for samples of shape {self.input_shape[1:]}, received shape "
            f"{received}. Its target_shape {self.target_shape} fixes how many numbers a sample holds."
        )

    def forward(self, x, training=False):
        x = self.check_input(x)
        self.cache = x.shape
        return x.reshape((x.shape[0],) + self._resolve(x.shape[1:]))

    def backward(self, upstream_grad):
        return upstream_grad.reshape(self.cache)

    def get_config(self):
        return {**super().get_config(), "target_shape": list(self.target_shape)}
