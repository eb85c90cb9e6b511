r"""Conv2D, and the sliding-window helpers that the pooling layers share.

Images are channels-last, ``(batch, height, width, channels)``, as in Keras.

A convolution looks at the image through a small window (``kh x kw`` pixels, all
channels) that slides ``strides`` pixels at a time. The trick that makes it fast,
*im2col*, is to copy every window into one row of a matrix: the convolution is then
a single matrix product, a Dense layer applied to every window at once. The backward
pass runs the same steps in reverse, and *col2im* adds each window's gradient back
onto the pixels it was read from.

Padding (``padding="same"``) follows TensorFlow/Keras exactly: pad just enough that the
output has ``ceil(size / stride)`` rows, split the padding in two, and when the total
is odd put the extra row (column) at the bottom (right).
"""
import numpy as np
from numpy.lib.stride_tricks import as_strided

from .. import activations as activations_module
from .. import initializers
from .._checks import as_float_array, positive_int
from .base import Layer

# ------------------------------------------------------------------ sliding windows


def pair(value, name, who):
    """``3`` -> ``(3, 3)``; ``(3, 2)`` stays. Anything else is a ValueError in Keras's words."""
    items = tuple(value) if isinstance(value, (tuple, list)) else (value, value)
    if len(items) != 2 or any(isinstance(v, bool) or not isinstance(v, (int, np.integer)) or v <= 0 for v in items):
        raise ValueError(
            f"{who}: Received an invalid value for `{name}`, expected a positive integer "
            f"or a tuple of 2 positive integers. Received: {name}={value!r}"
        )
    return tuple(int(v) for v in items)


def check_padding(padding, who):
    """``"valid"`` or ``"same"`` (any case), as Keras accepts them."""
    if not isinstance(padding, str) or padding.lower() not in ("valid", "same"):
        raise ValueError(
            f"{who}: Received an invalid value for `padding`, expected 'valid' or 'same'. Received: padding={padding!r}"
        )
    return padding.lower()


def output_length(size, window, stride, padding):
    """How many windows fit along one axis of length ``size``.

    ``valid``: windows must lie inside the input, ``floor((size - window) / stride) + 1``.
    ``same``:  one window per ``stride`` pixels, ``ceil(size / stride)``.
    """
    if padding == "valid":
        return (size - window) // stride + 1
    return -(-size // stride)


def same_padding(size, window, stride):
    """``(before, after)`` padding for ``padding="same"`` along one axis, as TensorFlow pads.

    Pad just enough for the last window to fit; an odd total puts the extra pixel after.
    """
    total = max((output_length(size, window, stride, "same") - 1) * stride + window - size, 0)
    return total // 2, total - total // 2


def pad_images(x, window, strides, padding, value=0.0):
    """``x`` padded on height and width (``valid`` pads nothing), and the pads used."""
    if padding == "valid":
        return x, ((0, 0), (0, 0))
    pads = (same_padding(x.shape[1], window[0], strides[0]), same_padding(x.shape[2], window[1], strides[1]))
    (top, bottom), (left, right) = pads
    n, h, w, c = x.shape
    shape = (n, top + h + bottom, left + w + right, c)
    padded = np.zeros(shape, dtype=x.dtype) if value == 0 else np.full(shape, value, dtype=x.dtype)   # zeros: faster
    padded[:, top:top + h, left:left + w, :] = x
    return padded, pads


def crop(x, pads):
    """Undo ``pad_images``: drop the padded rows and columns."""
    (top, bottom), (left, right) = pads
    return x[:, top:x.shape[1] - bottom, left:x.shape[2] - right, :]


def sliding_windows(x, window, strides):
    """Every window of ``x`` as a view (nothing is copied): shape ``(batch, out_h, out_w, kh, kw, channels)``.

    ``windows[n, i, j]`` is the patch ``x[n, i*sh : i*sh + kh, j*sw : j*sw + kw, :]``. The view only
    says how far apart the numbers are in memory (its strides): the next window is ``sh`` rows
    (``sw`` columns) further, the next pixel inside a window one row (column) further.
    """
    (kh, kw), (sh, sw) = window, strides
    n, h, w, c = x.shape
    image, row, column, channel = x.strides               # bytes from one image / row / column / channel to the next
    shape = (n, (h - kh) // sh + 1, (w - kw) // sw + 1, kh, kw, c)
    return as_strided(x, shape, (image, sh * row, sw * column, row, column, channel), writeable=False)


def im2col(windows, ones_column=False):
    """X_col: every window copied into one row, shape ``(batch * out_h * out_w, kh * kw * channels)``.

    With ``ones_column``, one more column of 1s: ``[X_col 1] [W_col; b] = X_col W_col + b`` puts the
    bias in the same matrix product (the bias is the weight of an input that is always 1).
    """
    n, out_h, out_w, kh, kw, c = windows.shape
    count, size = n * out_h * out_w, kh * kw * c
    if c > 1:
        cols = np.empty((count, size + ones_column), dtype=windows.dtype)
    else:   # the same matrix, stored column by column: with one channel NumPy copies the windows ~10x faster
        cols = np.empty((size + ones_column, count), dtype=windows.dtype).T
    cols[:, :size].reshape(windows.shape)[...] = windows
    cols[:, size:] = 1
    return cols


def check_images(layer, x):
    """``x`` as a float array of shape ``(batch, height, width, channels)``, or an error saying how to get there."""
    kind = type(layer).__name__
    x = as_float_array(x, f"input of {kind} '{layer.name}'", dtype=layer.dtype)
    if x.ndim != 4:
        hint = {
            3: "For a batch of grayscale images, add a channel axis: x[..., None]; for one color image, "
               "add a batch axis: x[None].",
            2: "For a batch of flat vectors, reshape them into images: x.reshape(-1, height, width, channels).",
        }.get(x.ndim, "Images are channels-last: (batch, height, width, channels).")
        raise ValueError(
            f"{kind} '{layer.name}' expects 4-D input (batch, height, width, channels), "
            f"received shape {x.shape}. {hint}"
        )
    return x


def windows_output_shape(layer, input_shape, window, what):
    """``(out_h, out_w)`` for ``input_shape``, or a ValueError if a ``what`` window cannot fit ("kernel", "pool")."""
    sizes = []
    for size, w, s in zip(input_shape[1:3], window, layer.strides):
        sizes.append(None if size is None else output_length(size, w, s, layer.padding))
    if any(n is not None and n <= 0 for n in sizes):
        raise ValueError(
            f"{type(layer).__name__} '{layer.name}': a {window[0]}x{window[1]} {what} does not fit in a "
            f"{input_shape[1]}x{input_shape[2]} input with padding='valid' (input shape {tuple(input_shape)}); "
            f"the output would be empty. Use a smaller {what}_size, padding='same', or larger images."
        )
    return tuple(sizes)


# --------------------------------------------------------------------------- Conv2D


class Conv2D(Layer):
    r"""2-D convolution: ``filters`` small kernels slid over the image.

    Forward, for output pixel ``(i, j)`` and filter ``f`` (the input padded first if ``padding="same"``):

    .. math:: z_{n,i,j,f} = b_f + \sum_{a < k_h} \sum_{b < k_w} \sum_{c} x_{n,\, i s_h + a,\, j s_w + b,\, c}\, W_{a,b,c,f},
              \qquad y = f(z)

    (Like every deep learning library, this is cross-correlation: the kernel is not flipped.)

    im2col: put every window in one row of a matrix :math:`X_{col}` of shape
    ``(batch * out_h * out_w, kh * kw * channels)`` and the kernel in
    :math:`W_{col}` = ``kernel.reshape(kh * kw * channels, filters)``. Then the layer is
    Dense applied to every window: :math:`Z = X_{col} W_{col} + b`, computed as one product
    :math:`[X_{col}\ 1] \, [W_{col};\ b]`: a column of 1s appended to :math:`X_{col}`, whose weights are the bias.

    Backward, given :math:`g = dL/dy` and with :math:`G = dL/dZ = f'(z) \odot g` in rows:

    .. math::
        dL/dW_{col} = X_{col}^\top G, \qquad
        dL/db = \textstyle\sum_{\text{rows}} G, \qquad
        dL/dX_{col} = G\, W_{col}^\top

    (the first two are one product, :math:`[X_{col}\ 1]^\top G`: its last row sums :math:`G`'s rows),
    and :math:`dL/dx` is col2im of :math:`dL/dX_{col}`: each window's row is added back
    onto the pixels it was read from (overlapping windows add up), then the padding
    is cropped off. Kernel offset :math:`(a, b)` sent pixel :math:`(i s_h + a, j s_w + b)`
    through :math:`W_{a,b}` into output :math:`(i, j)`, so the gradient goes back the same way,
    one offset at a time (the part of :math:`G W_{col}^\top` that belongs to that offset):

    .. math:: dL/dx_{n,\, i s_h + a,\, j s_w + b,\, :} \mathrel{+}= G_{n,i,j,:}\, W_{a,b,:,:}^\top

    Args:
        filters: the number of kernels, i.e. output channels.
        kernel_size: an integer or a tuple ``(kh, kw)``.
        strides: an integer or a tuple ``(sh, sw)``: how far the window moves each step.
        padding: ``"valid"`` (no padding; output ``floor((size - k) / s) + 1``) or ``"same"``
            (zero padding so the output is ``ceil(size / s)``; an odd total padding puts
            the extra row/column at the bottom/right, as TensorFlow does).
        activation, use_bias, kernel_initializer, bias_initializer: as in ``Dense``.

    Input shape: ``(batch, height, width, channels)``.
    Output shape: ``(batch, out_h, out_w, filters)``.
    Weights: ``kernel`` of shape ``(kh, kw, channels, filters)`` and ``bias`` of shape ``(filters,)``.
    """

    def __init__(self, filters, kernel_size, strides=(1, 1), padding="valid", activation=None, use_bias=True,
                 kernel_initializer="glorot_uniform", bias_initializer="zeros", **kwargs):
        super().__init__(**kwargs)
        who = f"Conv2D '{self.name}'"
        self.filters = positive_int(filters, "filters", who)
        self.kernel_size = pair(kernel_size, "kernel_size", who)
        self.strides = pair(strides, "strides", who)
        self.padding = check_padding(padding, who)
        self.activation = activations_module.get(activation)
        self.use_bias = bool(use_bias)
        self.kernel_initializer = initializers.get(kernel_initializer)
        self.bias_initializer = initializers.get(bias_initializer)

    def build(self, input_shape):
        channels = input_shape[-1]
        if len(input_shape) != 4 or channels is None:
            raise ValueError(
                f"Conv2D '{self.name}' needs input shape (batch, height, width, channels) with a known number "
                f"of channels; received input shape {tuple(input_shape)}."
            )
        windows_output_shape(self, input_shape, self.kernel_size, "kernel")  # fail before creating weights
        self.add_weight("kernel", self.kernel_size + (channels, self.filters), self.kernel_initializer)
        if self.use_bias:
            self.add_weight("bias", (self.filters,), self.bias_initializer)
        super().build(input_shape)

    def compute_output_shape(self, input_shape):
        out_h, out_w = windows_output_shape(self, input_shape, self.kernel_size, "kernel")
        return (input_shape[0], out_h, out_w, self.filters)

    def check_input(self, x, name="x"):
        """A 4-D batch whose channels match the kernel; any height and width the kernel fits in."""
        if self.input_is_checked(x):
            return x
        x = check_images(self, x)
        self._build_if_needed(x.shape)                   # build() refuses a kernel that does not fit
        if x.shape[-1] != self.kernel.shape[2]:
            raise ValueError(self._shape_message(x.shape))
        windows_output_shape(self, x.shape, self.kernel_size, "kernel")
        return x

    def _shape_message(self, received):
        channels = self.kernel.shape[2]
        hint = ("It looks channels-first; learnnet, like Keras, is channels-last: x.transpose(0, 2, 3, 1)."
                if received[1] == channels else
                "Check the previous layer's filters, or the images' last axis.")
        return (
            f"Conv2D '{self.name}' expects input with {channels} channels (its kernel is {self.kernel.shape}), "
            f"received shape {received} with {received[-1]} channels. {hint}"
        )

    def forward(self, x, training=False):
        x = self.check_input(x)
        x_pad, pads = pad_images(x, self.kernel_size, self.strides, self.padding)
        windows = sliding_windows(x_pad, self.kernel_size, self.strides)   # (n, out_h, out_w, kh, kw, c), a view
        n, out_h, out_w = windows.shape[:3]
        cols = im2col(windows, ones_column=self.use_bias)                  # [X_col 1]: one row per window
        weights = self.kernel.reshape(-1, self.filters)                    # W_col
        if self.use_bias:
            weights = np.concatenate([weights, self.bias[None, :]])        # [W_col; b]: b is the weight of the 1s
        z = (cols @ weights).reshape(n, out_h, out_w, self.filters)        # Z = X_col W_col + b, one product
        self.cache = (cols, z, x_pad.shape, pads)
        return self.activation.forward(z)

    def backward(self, upstream_grad):
        cols, z, padded_shape, pads = self.cache
        dz = self.activation.backward(z, upstream_grad)                    # G = f'(z) * dL/dy
        rows = dz.reshape(-1, self.filters)                                # one row per window, as X_col
        grads = cols.T @ rows                                              # [dL/dW_col; dL/db] = [X_col 1]^T G
        if self.use_bias:
            grads, self.grads["bias"] = grads[:-1], grads[-1]              # dL/db = 1^T G, the sum of G's rows
        self.grads["kernel"] = grads.reshape(self.kernel.shape)
        if not self.input_gradient_needed:                                 # the model's input: fit needs no dL/dx
            return None
        # col2im of dL/dX_col = G W_col^T, one kernel offset (a, b) at a time: the loop never visits pixels
        (kh, kw), (sh, sw) = self.kernel_size, self.strides
        n, out_h, out_w = dz.shape[:3]
        dx = np.zeros(padded_shape, dtype=dz.dtype)
        for a in range(kh):
            for b in range(kw):
                # offset (a, b) of window (i, j) read pixel (i*sh + a, j*sw + b) through kernel[a, b]
                # (a 2-D product: dz @ kernel with a 4-D dz would run one tiny product per image row)
                pixel_grads = rows @ self.kernel[a, b].T                   # (windows, channels)
                dx[:, a:a + sh * out_h:sh, b:b + sw * out_w:sw, :] += pixel_grads.reshape(n, out_h, out_w, -1)
        return crop(dx, pads)                                              # the padding's gradient is dropped

    def get_config(self):
        return {
            **super().get_config(),
            "filters": self.filters,
            "kernel_size": list(self.kernel_size),
            "strides": list(self.strides),
            "padding": self.padding,
            "activation": activations_module.serialize(self.activation),
            "use_bias": self.use_bias,
            "kernel_initializer": initializers.serialize(self.kernel_initializer),
            "bias_initializer": initializers.serialize(self.bias_initializer),
        }

    @classmethod
    def from_config(cls, config):
        config = dict(config)
        config["activation"] = activations_module.deserialize(config["activation"])
        config["kernel_initializer"] = initializers.deserialize(config["kernel_initializer"])
        config["bias_initializer"] = initializers.deserialize(config["bias_initializer"])
        return cls(**config)
