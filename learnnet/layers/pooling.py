r"""Pooling: shrink an image by summarising each window with one number per channel.

``MaxPooling2D`` keeps each window's largest value, ``AveragePooling2D`` its mean, and
``GlobalAveragePooling2D`` averages the whole image down to one value per channel.
Pooling has no weights and works on each channel separately. The windows and the
``"same"`` padding are the ones ``Conv2D`` uses (see ``conv.py``).
"""
import numpy as np

from .base import Layer
from .conv import check_images, check_padding, crop, pad_images, pair, sliding_windows, windows_output_shape


def put_back(cell_grads, padded_shape, strides):
    """Each window's gradient back onto the pixels it was read from; ``cell_grads[a, b]`` is cell ``(a, b)``.

    ``cell_grads`` has shape ``(kh, kw, batch, out_h, out_w, channels)``: cell by cell, each a
    contiguous block (so NumPy writes it fast). When the windows tile the image exactly
    (stride = window, no pixel left over) each pixel is in exactly one window, and putting
    the cells back in image order is one transpose: pixel ``(i*kh + a, j*kw + b)`` is cell
    ``(a, b)`` of window ``(i, j)``. Otherwise ``add_windows`` adds them up (overlaps, gaps).
    """
    kh, kw, n, out_h, out_w, c = cell_grads.shape
    if tuple(strides) == (kh, kw) and tuple(padded_shape) == (n, kh * out_h, kw * out_w, c):
        return cell_grads.transpose(2, 3, 0, 4, 1, 5).reshape(padded_shape)   # (n, out_h, kh, out_w, kw, c)
    return add_windows(cell_grads.transpose(2, 3, 4, 0, 1, 5), padded_shape, strides)


def add_windows(window_grads, padded_shape, strides):
    """col2im, the reverse of ``sliding_windows``: add each window's gradient back where it was read.

    ``window_grads`` has shape ``(batch, out_h, out_w, kh, kw, channels)``. When windows
    overlap (stride < window) a pixel collects the gradient of every window it was in.
    The loop runs over the ``kh * kw`` offsets in a window only: each step moves one
    value of every window (a whole ``(batch, out_h, out_w, channels)`` block) at once.
    """
    _, out_h, out_w, kh, kw, _ = window_grads.shape
    sh, sw = strides
    grad = np.zeros(padded_shape, dtype=window_grads.dtype)
    for a in range(kh):
        for b in range(kw):
            # offset (a, b) of window (i, j) is pixel (i*sh + a, j*sw + b)
            grad[:, a:a + sh * out_h:sh, b:b + sw * out_w:sw, :] += window_grads[:, :, :, a, b, :]
    return grad


class _Pooling2D(Layer):
    """What MaxPooling2D and AveragePooling2D share: arguments, shapes and input checks."""

    def __init__(self, pool_size=(2, 2), strides=None, padding="valid", **kwargs):
        super().__init__(**kwargs)
        who = f"{type(self).__name__} '{self.name}'"
        self.pool_size = pair(pool_size, "pool_size", who)
        self.strides = self.pool_size if strides is None else pair(strides, "strides", who)
        self.padding = check_padding(padding, who)

    def build(self, input_shape):
        windows_output_shape(self, input_shape, self.pool_size, "pool")
        super().build(input_shape)

    def compute_output_shape(self, input_shape):
        out_h, out_w = windows_output_shape(self, input_shape, self.pool_size, "pool")
        return (input_shape[0], out_h, out_w, input_shape[3])

    def check_input(self, x, name="x"):
        """Any 4-D batch of images the pool fits in (pooling has no weights, so no channel count is fixed)."""
        if self.input_is_checked(x):
            return x
        x = check_images(self, x)
        windows_output_shape(self, x.shape, self.pool_size, "pool")
        self._build_if_needed(x.shape)
        return x

    def get_config(self):
        return {**super().get_config(), "pool_size": list(self.pool_size), "strides": list(self.strides),
                "padding": self.padding}


class MaxPooling2D(_Pooling2D):
    r"""Max pooling: each output is the largest value of its window, channel by channel.

    Forward: :math:`y_{n,i,j,c} = \max_{a < p_h,\, b < p_w} x_{n,\, i s_h + a,\, j s_w + b,\, c}`.

    Backward: the max passes on only the value it picked, so the whole gradient of an
    output goes to the input cell that held the max (the arg-max) and the other cells
    of the window get 0. With overlapping windows a cell can win several windows and
    collects all their gradients. Ties: the *first* max in reading order (row by row)
    wins, as PyTorch does; the tests check that.

    The forward pass takes the max in two passes over whole image rows (down each window's
    rows, then across its columns), far faster in NumPy than visiting every window; the
    backward pass then looks, cell by cell, for the first cell of each window that holds it,
    and ``put_back`` puts the cells' gradients back in image order.

    ``padding="same"`` pads with :math:`-\infty`, so padding is never the max.

    Args:
        pool_size: an integer or a tuple ``(ph, pw)``; default ``(2, 2)``.
        strides: an integer or a tuple; ``None`` (default) means ``pool_size`` (windows side by side).
        padding: ``"valid"`` or ``"same"``, as in ``Conv2D``.

    Input shape: ``(batch, height, width, channels)``.
    Output shape: ``(batch, out_h, out_w, channels)``.
    """

    def forward(self, x, training=False):
        x = self.check_input(x)
        x_pad, pads = pad_images(x, self.pool_size, self.strides, self.padding, value=-np.inf)
        (ph, pw), (sh, sw) = self.pool_size, self.strides
        out_h, out_w = (x_pad.shape[1] - ph) // sh + 1, (x_pad.shape[2] - pw) // sw + 1
        # A window's max is the max over its rows of each row's max: two passes over whole
        # image rows instead of one visit per window. Down the ph rows of every window first ...
        rows = x_pad[:, 0:sh * out_h:sh]
        for a in range(1, ph):
            rows = np.maximum(rows, x_pad[:, a:a + sh * out_h:sh])      # (n, out_h, width, c)
        # ... then across its pw columns.
        y = rows[:, :, 0:sw * out_w:sw]
        for b in range(1, pw):
            y = np.maximum(y, rows[:, :, b:b + sw * out_w:sw])          # (n, out_h, out_w, c)
        self.cache = (x_pad, y, pads)   # backward finds the cell that held each max
        return y if ph * pw > 1 else y.copy()    # a 1x1 pool must not hand back a view of its input

    def backward(self, upstream_grad):
        x_pad, y, pads = self.cache
        windows = sliding_windows(x_pad, self.pool_size, self.strides)   # (n, out_h, out_w, ph, pw, c), a view
        ph, pw = self.pool_size
        cell_grads = np.empty((ph, pw) + y.shape, dtype=upstream_grad.dtype)   # [a, b]: cell (a, b) of every window
        unclaimed = np.ones(y.shape, dtype=bool)              # windows whose max no cell has claimed yet
        for a in range(ph):
            for b in range(pw):                                # cell (a, b) of every window, in reading order
                wins = windows[:, :, :, a, b] == y
                wins &= unclaimed                              # the first cell holding the max takes the gradient
                unclaimed ^= wins
                np.multiply(upstream_grad, wins, out=cell_grads[a, b])
        return crop(put_back(cell_grads, x_pad.shape, self.strides), pads)


class AveragePooling2D(_Pooling2D):
    r"""Average pooling: each output is the mean of its window, channel by channel.

    Forward: :math:`y_{n,i,j,c} = \frac{1}{m_{ij}} \sum_{a,b} x_{n,\, i s_h + a,\, j s_w + b,\, c}`,
    where :math:`m_{ij}` counts the window's real (non-padding) cells: :math:`p_h p_w`
    with ``padding="valid"``, fewer at the edges with ``"same"``, where Keras (like
    TensorFlow) averages over the valid cells only.

    Backward: every cell of a window contributed :math:`1/m_{ij}` of the output, so it
    gets :math:`dL/dy_{n,i,j,c} / m_{ij}`; overlapping windows add up.

    (Keras 3 makes ``pool_size`` a required argument here; the default ``(2, 2)`` is
    tf.keras's and MaxPooling2D's. Keras 3.15's torch backend counts replicated
    padding cells when the ``"same"`` padding is uneven; learnnet follows TensorFlow,
    JAX and Keras's documentation.)

    Args, input and output shapes: as ``MaxPooling2D``.
    """

    def _cell_counts(self, height, width):
        """m_ij, shape ``(out_h, out_w, 1)``: the same pooling's *sum* over an image of ones padded with zeros."""
        ones = np.ones((1, height, width, 1), dtype=self.dtype)
        ones_pad, _ = pad_images(ones, self.pool_size, self.strides, self.padding)
        return sliding_windows(ones_pad, self.pool_size, self.strides).sum(axis=(3, 4))[0]

    def forward(self, x, training=False):
        x = self.check_input(x)
        x_pad, pads = pad_images(x, self.pool_size, self.strides, self.padding)
        windows = sliding_windows(x_pad, self.pool_size, self.strides)  # (n, out_h, out_w, ph, pw, c), a view
        counts = self._cell_counts(x.shape[1], x.shape[2])
        self.cache = (counts, x_pad.shape, pads)
        return windows.sum(axis=(3, 4)) / counts

    def backward(self, upstream_grad):
        counts, padded_shape, pads = self.cache
        share = upstream_grad / counts                                  # what each cell of a window receives
        n, out_h, out_w, c = share.shape
        window_grads = np.broadcast_to(share[:, :, :, None, None, :], (n, out_h, out_w) + self.pool_size + (c,))
        return crop(add_windows(window_grads, padded_shape, self.strides), pads)


class GlobalAveragePooling2D(Layer):
    r"""The mean of each channel over the whole image: ``(batch, h, w, c)`` -> ``(batch, c)``.

    Forward: :math:`y_{n,c} = \frac{1}{hw} \sum_{i,j} x_{n,i,j,c}`.
    Backward: every pixel contributed :math:`1/(hw)`, so :math:`dL/dx_{n,i,j,c} = dL/dy_{n,c} / (hw)`.

    Often replaces ``Flatten`` before the classifier of a convolutional network: it
    works for any image size and adds no weights.

    Args:
        keepdims: if True the output keeps the spatial axes, ``(batch, 1, 1, channels)``.
    """

    def __init__(self, keepdims=False, **kwargs):
        super().__init__(**kwargs)
        self.keepdims = bool(keepdims)

    def compute_output_shape(self, input_shape):
        if self.keepdims:
            return (input_shape[0], 1, 1, input_shape[3])
        return (input_shape[0], input_shape[3])

    def check_input(self, x, name="x"):
        if self.input_is_checked(x):
            return x
        x = check_images(self, x)
        self._build_if_needed(x.shape)
        return x

    def forward(self, x, training=False):
        x = self.check_input(x)
        self.cache = x.shape
        return x.mean(axis=(1, 2), keepdims=self.keepdims)

    def backward(self, upstream_grad):
        n, h, w, c = self.cache
        share = upstream_grad.reshape(n, 1, 1, c) / (h * w)
        return np.broadcast_to(share, (n, h, w, c)).copy()

    def get_config(self):
        return {**super().get_config(), "keepdims": self.keepdims}
