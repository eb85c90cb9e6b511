r"""BatchNormalization: keep each channel's activations centred and of unit spread."""
import numpy as np

from .. import initializers
from .._checks import as_float_array
from .base import Layer


class BatchNormalization(Layer):
    r"""Normalise each channel with the batch's statistics (training) or running ones (inference).

    For each channel (the ``axis``), over the other axes (batch, and height/width for images),
    with :math:`m` values per channel:

    .. math::
        \mu = \tfrac{1}{m} \textstyle\sum x, \qquad
        v = \tfrac{1}{m} \textstyle\sum (x - \mu)^2, \qquad
        \sigma = \sqrt{v + \epsilon}, \qquad
        \hat x = (x - \mu) / \sigma, \qquad
        y = \gamma \hat x + \beta

    **Training** (``training=True`` and the layer trainable) uses the batch's :math:`\mu, v`
    and updates the running statistics, as Keras does:

    .. math::
        \text{moving\_mean} \leftarrow \text{moving\_mean} \cdot \text{momentum} + \mu \,(1 - \text{momentum})

    and the same for ``moving_variance`` with :math:`v`. Keras 3 uses the *biased* batch
    variance :math:`v` (divided by :math:`m`) for both; PyTorch puts the unbiased one
    (divided by :math:`m - 1`) in its running variance.

    **Inference** (``training=False``, or a frozen layer: ``trainable=False``, as in Keras)
    uses ``moving_mean`` and ``moving_variance`` instead, so one sample's output does not
    depend on the rest of its batch.

    Backward, with :math:`g = dL/dy` and sums over the :math:`m` values of a channel:

    .. math::
        dL/d\gamma = \textstyle\sum g \hat x, \qquad dL/d\beta = \textstyle\sum g, \qquad
        \hat g = dL/d\hat x = \gamma g

    At inference :math:`\mu, \sigma` are constants, so :math:`dL/dx = \hat g / \sigma`. In
    training they depend on every :math:`x_k` of the channel too. From
    :math:`\partial\mu/\partial x_k = 1/m` and
    :math:`\partial\sigma/\partial x_k = (x_k - \mu)/(m\sigma) = \hat x_k / m`:

    .. math::
        \frac{\partial \hat x_i}{\partial x_k} = \frac{\delta_{ik} - 1/m}{\sigma}
                                               - \frac{\hat x_i \hat x_k}{m \sigma}
        \quad\Longrightarrow\quad
        dL/dx_k = \sum_i \hat g_i \frac{\partial \hat x_i}{\partial x_k}
                = \frac{1}{\sigma}\left(\hat g_k - \overline{\hat g} - \hat x_k\, \overline{\hat g \hat x}\right)

    where the bars are means over the channel's :math:`m` values.

    Args:
        axis: the channel axis, normalised separately (default -1: the last, channels-last).
        momentum: how slowly the moving statistics follow the batches (default 0.99).
        epsilon: added to the variance so nothing divides by 0 (default 1e-3).
        center: learn the offset :math:`\beta` (else :math:`\beta = 0`).
        scale: learn the scale :math:`\gamma` (else :math:`\gamma = 1`).
        beta_initializer, gamma_initializer, moving_mean_initializer, moving_variance_initializer:
            Keras's defaults are zeros, ones, zeros, ones.

    Input shape: any, with the batch first. Output shape: the same.
    Weights: ``gamma``, ``beta`` (trainable), ``moving_mean``, ``moving_variance``
    (non-trainable), each of shape ``(channels,)``, in that order.
    """

    def __init__(self, axis=-1, momentum=0.99, epsilon=1e-3, center=True, scale=True, beta_initializer="zeros",
                 gamma_initializer="ones", moving_mean_initializer="zeros", moving_variance_initializer="ones",
                 **kwargs):
        super().__init__(**kwargs)
        who = f"BatchNormalization '{self.name}'"
        if isinstance(axis, bool) or not isinstance(axis, (int, np.integer)):
            raise ValueError(f"{who}: Received an invalid value for `axis`, expected an integer. Received: axis={axis!r}")
        if isinstance(momentum, bool) or not isinstance(momentum, (int, float)) or not 0 <= momentum <= 1:
            raise ValueError(
                f"{who}: Received an invalid value for `momentum`, expected a number between 0 and 1. "
                f"Received: momentum={momentum!r}"
            )
        if isinstance(epsilon, bool) or not isinstance(epsilon, (int, float)) or not epsilon > 0:
            raise ValueError(
                f"{who}: Received an invalid value for `epsilon`, expected a positive number. Received: epsilon={epsilon!r}"
            )
        self.axis, self.momentum, self.epsilon = int(axis), float(momentum), float(epsilon)
        self.center, self.scale = bool(center), bool(scale)
        self.beta_initializer = initializers.get(beta_initializer)
        self.gamma_initializer = initializers.get(gamma_initializer)
        self.moving_mean_initializer = initializers.get(moving_mean_initializer)
        self.moving_variance_initializer = initializers.get(moving_variance_initializer)

    def _channel_axis(self, ndim):
        """``axis`` as a non-negative index for inputs with ``ndim`` axes, or None if it is not a channel axis."""
        axis = self.axis + ndim if self.axis < 0 else self.axis
        return axis if 1 <= axis < ndim else None

    def build(self, input_shape):
        axis = self._channel_axis(len(input_shape))
        if axis is None or input_shape[axis] is None:
            raise ValueError(
                f"BatchNormalization '{self.name}' normalises along axis={self.axis}, which is not a known "
                f"non-batch axis of input shape {tuple(input_shape)}. Use axis=-1 for channels-last data."
            )
        shape = (input_shape[axis],)
        if self.scale:
            self.add_weight("gamma", shape, self.gamma_initializer)
        if self.center:
            self.add_weight("beta", shape, self.beta_initializer)
        self.add_weight("moving_mean", shape, self.moving_mean_initializer, trainable=False)
        self.add_weight("moving_variance", shape, self.moving_variance_initializer, trainable=False)
        super().build(input_shape)

    def check_input(self, x, name="x"):
        """Same number of axes and of channels as when built; other sizes are free (any batch, any image size)."""
        if self.input_is_checked(x):
            return x
        x = as_float_array(x, f"input of BatchNormalization '{self.name}'", dtype=self.dtype)
        if x.ndim < 2:
            raise ValueError(
                f"BatchNormalization '{self.name}' expects a batch of samples, received shape {x.shape}. "
                "Add the batch axis for a single sample: x[None]."
            )
        self._build_if_needed(x.shape)
        axis = self._channel_axis(len(self.input_shape))
        if x.ndim != len(self.input_shape) or x.shape[axis] != self.input_shape[axis]:
            raise ValueError(self._shape_message(x.shape))
        return x

    def _shape_message(self, received):
        axis = self._channel_axis(len(self.input_shape))
        return (
            f"BatchNormalization '{self.name}' was built for {len(self.input_shape)}-D input with "
            f"{self.input_shape[axis]} channels on axis {self.axis} (input shape {self.input_shape}), "
            f"received shape {received}. Use a new BatchNormalization layer for data of another shape."
        )

    def _per_channel(self, values, ndim):
        """A ``(channels,)`` vector shaped to broadcast against the input (e.g. ``(1, c, 1, 1)`` for axis=1)."""
        shape = [1] * ndim
        shape[self._channel_axis(ndim)] = -1
        return values.reshape(shape)

    def forward(self, x, training=False):
        x = self.check_input(x)
        axis = self._channel_axis(x.ndim)
        others = tuple(a for a in range(x.ndim) if a != axis)  # the axes the statistics average over
        use_batch_stats = bool(training) and self.trainable
        if use_batch_stats:
            mean, var = x.mean(axis=others), x.var(axis=others)    # biased variance, as Keras
            self.moving_mean[...] = self.moving_mean * self.momentum + mean * (1 - self.momentum)
            self.moving_variance[...] = self.moving_variance * self.momentum + var * (1 - self.momentum)
        else:
            mean, var = self.moving_mean, self.moving_variance
        inv_std = 1 / np.sqrt(self._per_channel(var, x.ndim) + self.epsilon)   # 1 / sigma
        x_hat = (x - self._per_channel(mean, x.ndim)) * inv_std
        y = x_hat * self._per_channel(self.gamma, x.ndim) if self.scale else x_hat.copy()
        if self.center:
            y += self._per_channel(self.beta, x.ndim)
        self.cache = (x_hat, inv_std, others, use_batch_stats)
        return y

    def backward(self, upstream_grad):
        x_hat, inv_std, others, used_batch_stats = self.cache
        if self.scale:
            self.grads["gamma"] = np.sum(upstream_grad * x_hat, axis=others)      # dL/dgamma = sum g x_hat
        if self.center:
            self.grads["beta"] = np.sum(upstream_grad, axis=others)               # dL/dbeta = sum g
        g_hat = upstream_grad * self._per_channel(self.gamma, x_hat.ndim) if self.scale else upstream_grad
        if not used_batch_stats:
            return g_hat * inv_std                                                # mu, sigma were constants
        mean_g = g_hat.mean(axis=others, keepdims=True)
        mean_gx = (g_hat * x_hat).mean(axis=others, keepdims=True)
        return inv_std * (g_hat - mean_g - x_hat * mean_gx)                       # (g_hat - mean - x_hat mean) / sigma

    def get_config(self):
        return {
            **super().get_config(),
            "axis": self.axis,
            "momentum": self.momentum,
            "epsilon": self.epsilon,
            "center": self.center,
            "scale": self.scale,
            "beta_initializer": initializers.serialize(self.beta_initializer),
            "gamma_initializer": initializers.serialize(self.gamma_initializer),
            "moving_mean_initializer": initializers.serialize(self.moving_mean_initializer),
            "moving_variance_initializer": initializers.serialize(self.moving_variance_initializer),
        }

    @classmethod
    def from_config(cls, config):
        config = dict(config)
        for key in ("beta_initializer", "gamma_initializer", "moving_mean_initializer", "moving_variance_initializer"):
            config[key] = initializers.deserialize(config[key])
        return cls(**config)
