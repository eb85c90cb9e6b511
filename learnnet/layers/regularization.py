r"""Dropout: switch random units off while training, so the network cannot rely on any one of them."""
import numpy as np

from ..utils import get_rng
from .base import Layer


class Dropout(Layer):
    r"""Inverted dropout: in training, zero each input with probability ``rate`` and scale the rest up.

    Forward in training, with a fresh random mask :math:`k` (each entry 1 with probability
    :math:`1 - \text{rate}`, else 0):

    .. math:: y = x \odot k \,/\, (1 - \text{rate})

    Dividing by :math:`1 - \text{rate}` keeps the expected value of every output equal to
    its input, so at inference (``training=False``) the layer is simply the identity,
    :math:`y = x`, with nothing to rescale.

    Backward: the mask is a constant, so :math:`dL/dx = dL/dy \odot k / (1 - \text{rate})`
    with the *same* mask as the forward pass (and :math:`dL/dx = dL/dy` at inference).

    Args:
        rate: the fraction of inputs to drop, between 0 and 1.
        noise_shape: the mask's shape, to drop whole rows, channels...: e.g. ``(None, 1, 1, c)``
            keeps or drops each channel of an image at once. ``None`` entries take the
            input's size. Default: the input's shape (each number independently).
        seed: an integer, to draw a reproducible sequence of masks, or ``None`` to draw
            from learnnet's global generator (see ``learnnet.utils.set_random_seed``).
    """

    def __init__(self, rate, noise_shape=None, seed=None, **kwargs):
        super().__init__(**kwargs)
        who = f"Dropout '{self.name}'"
        if isinstance(rate, bool) or not isinstance(rate, (int, float)) or not 0 <= rate <= 1:
            raise ValueError(
                f"{who}: Received an invalid value for `rate`, expected a number between 0 and 1. Received: rate={rate!r}"
            )
        if noise_shape is not None:
            dims = tuple(noise_shape) if isinstance(noise_shape, (tuple, list)) else None
            if dims is None or any(d is not None and (isinstance(d, bool) or not isinstance(d, (int, np.integer))
                                                      or d <= 0) for d in dims):
                raise ValueError(
                    f"{who}: Received an invalid value for `noise_shape`, expected a tuple of positive integers "
                    f"or None. Received: noise_shape={noise_shape!r}"
                )
            noise_shape = tuple(None if d is None else int(d) for d in dims)
        self.rate = float(rate)
        self.noise_shape = noise_shape
        self.seed = seed
        # An integer seed starts one generator that later calls continue: a new mask each call,
        # the same sequence of masks for every Dropout(seed=...) made with that seed.
        self._rng = None if seed is None else get_rng(seed)

    def _mask_shape(self, shape):
        if self.noise_shape is None:
            return shape
        mask_shape = tuple(s if d is None else d for d, s in zip(self.noise_shape, shape))
        if len(mask_shape) != len(shape) or any(d not in (1, s) for d, s in zip(mask_shape, shape)):
            raise ValueError(
                f"Dropout '{self.name}' has noise_shape={self.noise_shape}, which does not broadcast to the input "
                f"shape {shape}: each entry must be None, 1 or the input's size on that axis."
            )
        return mask_shape

    def forward(self, x, training=False):
        x = self.check_input(x)
        if not training or self.rate == 0:
            self.cache = None                                  # identity: nothing to remember
            return x
        mask_shape = self._mask_shape(x.shape)
        rng = self._rng if self._rng is not None else get_rng(None)
        keep = rng.random(mask_shape) >= self.rate             # True with probability 1 - rate
        scale = 1 / (1 - self.rate) if self.rate < 1 else 0.0  # rate=1 drops everything, as in Keras
        mask = (keep * scale).astype(x.dtype)
        self.cache = mask
        return x * mask

    def backward(self, upstream_grad):
        mask = self.cache
        return upstream_grad if mask is None else upstream_grad * mask

    def get_config(self):
        noise_shape = None if self.noise_shape is None else list(self.noise_shape)
        seed = self.seed if isinstance(self.seed, (int, type(None))) else None
        return {**super().get_config(), "rate": self.rate, "noise_shape": noise_shape, "seed": seed}
