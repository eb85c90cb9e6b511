r"""Loss functions: how wrong is the network, and which way should each output move?

Training needs one number that says how far the predictions ``y_pred`` are from the
targets ``y_true``: the loss. Gradient descent then nudges every weight against
:math:`\partial L / \partial w`, and backpropagation gets there by the chain rule,
starting from :math:`\partial L / \partial y_{pred}`. So each loss here has two halves,
side by side:

- ``loss(y_true, y_pred)``: the mean loss over the batch, a Python float;
- ``loss.gradient(y_true, y_pred)``: :math:`\partial L / \partial y_{pred}` of that same
  mean, an array shaped like ``y_pred`` (the first step of backpropagation);
- ``loss.per_sample(y_true, y_pred)``: one loss per sample, before the mean.

The numbers are Keras 3's. Each sample's loss is reduced over the last axis (a mean
for mse/mae/huber/binary cross-entropy, a sum over classes for categorical
cross-entropy), then the batch is averaged (Keras's ``"sum_over_batch_size"``). Because
:math:`L = \frac{1}{N}\sum_n \ell_n`, every gradient carries a factor :math:`1/N`.

Which loss? Regression: ``MeanSquaredError`` (``"mse"``), ``MeanAbsoluteError``
(``"mae"``) or ``Huber`` (between the two). Classification: ``BinaryCrossentropy`` for
yes/no outputs, ``CategoricalCrossentropy`` for one-hot targets,
``SparseCategoricalCrossentropy`` for integer labels. With ``from_logits=True`` the
cross-entropies take raw scores (no sigmoid/softmax on the last layer) and fuse the
activation into the loss: more accurate, and the gradient becomes simply
``prediction - target``. ``get("mse")`` finds a loss by name.
"""
import difflib
import warnings

import numpy as np

from ._checks import as_float_array, check_rank, data_is_checked
from .activations import sigmoid, softmax

EPSILON = 1e-7  # Keras's backend.epsilon(): probabilities are clipped to [EPSILON, 1 - EPSILON]


class Loss:
    """Base class. Subclasses define ``per_sample`` and ``gradient``; the loss itself is their mean."""

    name = "loss"

    def __call__(self, y_true, y_pred):
        r"""The loss: :math:`L = \frac{1}{N}\sum_n \ell_n`, the mean of ``per_sample``, as a Python float."""
        return float(np.mean(self.per_sample(y_true, y_pred)))

    def per_sample(self, y_true, y_pred):
        raise NotImplementedError

    def gradient(self, y_true, y_pred):
        raise NotImplementedError

    def value_and_gradient(self, y_true, y_pred):
        """``(loss(y_true, y_pred), gradient(y_true, y_pred))``: what ``fit`` needs for every batch.
        The built-in losses check their inputs once for both."""
        return self(y_true, y_pred), self.gradient(y_true, y_pred)

    def get_config(self):
        return {}

    def __repr__(self):
        args = ", ".join(f"{k}={v!r}" for k, v in self.get_config().items())
        return f"{type(self).__name__}({args})"


def _mean(per_sample):
    """The batch mean as a Python float: ``float(np.mean(per_sample))``, the same number, computed
    with less overhead (``fit`` takes it for every batch)."""
    return float(per_sample.sum() / per_sample.size)


# ---------------------------------------------------------------- input checks ----

def _arrays(y_true, y_pred, who):
    """Both as float arrays in ``y_pred``'s precision, with a batch axis and something in them."""
    if data_is_checked() and type(y_pred) is type(y_true) is np.ndarray and y_true.dtype == y_pred.dtype:
        return y_true, y_pred   # inside fit: y_true was checked at its entry, y_pred is the model's output
    y = as_float_array(y_pred, "y_pred")
    t = as_float_array(y_true, "y_true", dtype=y.dtype)
    check_rank(y, 1, "y_pred", who)
    check_rank(t, 1, "y_true", who)
    if y.size == 0 or t.size == 0:
        raise ValueError(
            f"{who} received an empty batch (y_true.shape={t.shape}, y_pred.shape={y.shape}); "
            "a loss needs at least one sample."
        )
    return t, y


def _shape_error(who, t, y, hint=""):
    return ValueError(
        f"{who} needs `y_true` and `y_pred` of the same shape; received "
        f"y_true.shape={t.shape} and y_pred.shape={y.shape}." + (f" {hint}" if hint else "")
    )


def _same_shape_inputs(y_true, y_pred, who):
    """Targets and predictions of one shape, with at least two axes (batch, outputs).

    As in Keras, the ranks may differ by one if the longer one ends in an axis of size 1:
    ``y_true`` of shape (N,) goes with ``y_pred`` of shape (N, 1). A 1-D pair is taken as
    N samples of one output each.
    """
    t, y = _arrays(y_true, y_pred, who)
    t0, y0 = t, y
    if t.ndim == y.ndim + 1 and t.shape[-1] == 1:
        t = t[..., 0]
    elif y.ndim == t.ndim + 1 and y.shape[-1] == 1:
        y = y[..., 0]
    if t.shape != y.shape:
        hint = ""
        if t0.ndim == y0.ndim - 1 and t0.shape == y0.shape[:-1]:
            hint = "If `y_true` holds integer class labels, use sparse_categorical_crossentropy."
        raise _shape_error(who, t0, y0, hint)
    if y.ndim == 1:
        t, y = t[:, None], y[:, None]
    return t, y


def _check_row_sums_nonzero(y, who):
    """Probabilities are divided by their row sum, so no row may sum to zero."""
    sums = y.sum(axis=-1)
    if (sums == 0).any():
        row = tuple(int(i) for i in np.argwhere(sums == 0)[0])
        raise ValueError(
            f"{who}: the probabilities in `y_pred` at index {row} sum to 0, so they cannot be "
            "normalised. If `y_pred` holds raw scores (logits), pass from_logits=True."
        )


# ------------------------------------------- element-wise losses: regression ----

class _ElementwiseLoss(Loss):
    r"""A loss :math:`\ell(t, y)` per element, averaged over the last axis, then over the batch.

    With M elements in all, :math:`L = \frac{1}{M}\sum_i \ell(t_i, y_i)`, so
    :math:`\partial L / \partial y_i = \ell'(t_i, y_i) / M`. Subclasses give
    ``elementwise(t, y)`` and its ``derivative(t, y)`` with respect to ``y``.
    """

    def per_sample(self, y_true, y_pred):
        t, y = _same_shape_inputs(y_true, y_pred, self.name)
        return np.mean(self.elementwise(t, y), axis=-1)

    def gradient(self, y_true, y_pred):
        t, y = _same_shape_inputs(y_true, y_pred, self.name)
        grad = self.derivative(t, y) / y.size  # each element weighs 1/M in the mean
        return grad.astype(y.dtype, copy=False).reshape(np.shape(y_pred))

    def value_and_gradient(self, y_true, y_pred):
        t, y = _same_shape_inputs(y_true, y_pred, self.name)
        value = _mean(np.mean(self.elementwise(t, y), axis=-1))
        grad = self.derivative(t, y) / y.size
        return value, grad.astype(y.dtype, copy=False).reshape(np.shape(y_pred))

    def elementwise(self, t, y):
        raise NotImplementedError

    def derivative(self, t, y):
        raise NotImplementedError


class MeanSquaredError(_ElementwiseLoss):
    r"""Mean squared error: :math:`\ell = (y - t)^2`, :math:`\partial\ell/\partial y = 2(y - t)`.

    Big errors count a lot (squared), so outliers dominate. ``get("mse")``.
    """

    name = "mean_squared_error"

    def elementwise(self, t, y):
        return (y - t) ** 2

    def derivative(self, t, y):
        return 2 * (y - t)


class MeanAbsoluteError(_ElementwiseLoss):
    r"""Mean absolute error: :math:`\ell = |y - t|`, :math:`\partial\ell/\partial y = \operatorname{sign}(y - t)`.

    Every error pulls with the same force, so outliers matter less. At :math:`y = t` the
    derivative is taken as 0 (as in PyTorch). ``get("mae")``.
    """

    name = "mean_absolute_error"

    def elementwise(self, t, y):
        return np.abs(y - t)

    def derivative(self, t, y):
        return np.sign(y - t)


class Huber(_ElementwiseLoss):
    r"""Huber loss: squared for small errors, absolute for large ones. With :math:`e = y - t`:

    .. math:: \ell = \tfrac12 e^2 \text{ if } |e| \le \delta \text{ else } \delta |e| - \tfrac12 \delta^2,
              \qquad \partial\ell/\partial y = \operatorname{clip}(e, -\delta, \delta).

    ``delta`` (default 1.0) is where the two pieces meet. Keras calls it ``"huber_loss"``.
    """

    name = "huber_loss"

    def __init__(self, delta=1.0):
        try:
            delta_value = float(delta)
        except (TypeError, ValueError):
            delta_value = float("nan")
        if not np.isfinite(delta_value) or delta_value <= 0:
            raise ValueError(
                f"Received an invalid value for `delta`, expected a positive number. Received: delta={delta!r}"
            )
        self.delta = delta_value

    def elementwise(self, t, y):
        e = np.abs(y - t)
        return np.where(e <= self.delta, 0.5 * e**2, self.delta * e - 0.5 * self.delta**2)

    def derivative(self, t, y):
        return np.clip(y - t, -self.delta, self.delta)

    def get_config(self):
        return {"delta": self.delta}


# -------------------------------------------------------- classification losses ----

class BinaryCrossentropy(_ElementwiseLoss):
    r"""Binary cross-entropy, for outputs that answer yes (t = 1) or no (t = 0).

    Probabilities (``from_logits=False``): as Keras, :math:`p = \operatorname{clip}(y, \epsilon, 1-\epsilon)`
    with :math:`\epsilon = 10^{-7}`, and

    .. math:: \ell = -[t \log p + (1-t) \log(1-p)], \qquad
              \partial\ell/\partial y = \frac{p - t}{p(1-p)} \text{ where } \epsilon \le y \le 1-\epsilon, \text{ else } 0.

    The clip keeps the log finite, but where it is active the gradient is zero: a sigmoid
    output saturated at 0 or 1 stops learning. Hence ``from_logits=True``.

    Logits (``from_logits=True``), :math:`p = \sigma(z)`: since :math:`\log\sigma(z) = -\operatorname{softplus}(-z)`,
    :math:`\log(1-\sigma(z)) = -\operatorname{softplus}(z)` and :math:`\operatorname{softplus}(-z) = \operatorname{softplus}(z) - z`,

    .. math:: \ell = \operatorname{softplus}(z) - t z = \max(z, 0) - t z + \log(1 + e^{-|z|}), \qquad
              \partial\ell/\partial z = \sigma(z) - t,

    finite for any z (no clip). Both are averaged over the last axis, then the batch:
    for N samples of D outputs the gradient is :math:`(\sigma(z) - t)/(ND)`.
    """

    name = "binary_crossentropy"

    def __init__(self, from_logits=False):
        self.from_logits = bool(from_logits)

    def elementwise(self, t, y):
        if self.from_logits:
            return np.maximum(y, 0) - y * t + np.log1p(np.exp(-np.abs(y)))
        p = np.clip(y, EPSILON, 1 - EPSILON)
        return -(t * np.log(p) + (1 - t) * np.log(1 - p))

    def derivative(self, t, y):
        if self.from_logits:
            return sigmoid.forward(y) - t
        p = np.clip(y, EPSILON, 1 - EPSILON)
        return np.where(p == y, (p - t) / (p * (1 - p)), 0)  # zero where the clip is active

    def get_config(self):
        return {"from_logits": self.from_logits}


def _log_softmax(z):
    """:math:`z_j - \\log\\sum_k e^{z_k}`, shifted by the row maximum so nothing overflows."""
    shifted = z - np.max(z, axis=-1, keepdims=True)
    return shifted - np.log(np.sum(np.exp(shifted), axis=-1, keepdims=True))


class CategoricalCrossentropy(Loss):
    r"""Categorical cross-entropy: :math:`\ell = -\sum_j t_j \log p_j` over the classes j.

    ``y_true`` is one-hot (or any distribution), shaped like ``y_pred``: (N, C).

    Probabilities (``from_logits=False``), as Keras: divide by the row sum, then clip,

    .. math:: s = \sum_k y_k, \quad q = y / s, \quad p = \operatorname{clip}(q, \epsilon, 1 - \epsilon).

    Backward, first through the log and the clip, then through the division
    (:math:`\partial q_j / \partial y_k = (\delta_{jk} - q_j)/s`):

    .. math:: g_j = \partial\ell/\partial q_j = -t_j / p_j \text{ (0 where the clip is active)}, \qquad
              \partial\ell/\partial y_k = \Big(g_k - \sum_j g_j q_j\Big) / s.

    Logits (``from_logits=True``): :math:`\log p_j = z_j - \operatorname{logsumexp}(z)`, so
    :math:`\ell = (\sum_j t_j) \operatorname{logsumexp}(z) - \sum_j t_j z_j` and

    .. math:: \partial\ell/\partial z_k = (\textstyle\sum_j t_j)\, \operatorname{softmax}(z)_k - t_k
              = \operatorname{softmax}(z)_k - t_k \text{ for one-hot } t.

    The batch mean divides both by N.
    """

    name = "categorical_crossentropy"

    def __init__(self, from_logits=False):
        self.from_logits = bool(from_logits)

    def _inputs(self, y_true, y_pred, check_sums=True):
        """Targets as a (…, C) array shaped like ``y_pred`` (whose rows must not sum to 0, unless
        ``check_sums=False``: a softmax's rows sum to 1)."""
        t, y = _arrays(y_true, y_pred, self.name)
        check_rank(y, 2, "y_pred", self.name, "Expected shape (batch_size, num_classes).")
        if t.shape != y.shape:
            if t.shape in (y.shape[:-1], y.shape[:-1] + (1,)):
                raise _shape_error(
                    self.name, t, y,
                    "`y_true` looks like integer class labels: use sparse_categorical_crossentropy, "
                    "or one-hot encode the labels.",
                )
            raise _shape_error(self.name, t, y)
        if y.shape[-1] == 1:
            warnings.warn(
                f"{self.name} expects y_pred of shape (batch_size, num_classes) with num_classes > 1; "
                f"received y_pred.shape={y.shape}: one class always has probability 1, so nothing can be learned. "
                "With 2 classes and one output, use binary_crossentropy.",
                stacklevel=3,
            )
        if check_sums and not self.from_logits:
            _check_row_sums_nonzero(y, self.name)
        return t, y

    def per_sample(self, y_true, y_pred):
        t, y = self._inputs(y_true, y_pred)
        if self.from_logits:
            return -np.sum(t * _log_softmax(y), axis=-1)
        p = np.clip(y / np.sum(y, axis=-1, keepdims=True), EPSILON, 1 - EPSILON)
        return -np.sum(t * np.log(p), axis=-1)

    def gradient(self, y_true, y_pred):
        t, y = self._inputs(y_true, y_pred)
        n_samples = y.size // y.shape[-1]
        if self.from_logits:
            grad = np.sum(t, axis=-1, keepdims=True) * softmax.forward(y) - t
        else:
            s = np.sum(y, axis=-1, keepdims=True)
            q = y / s
            p = np.clip(q, EPSILON, 1 - EPSILON)
            g = np.where(p == q, -t / p, 0)  # zero where the clip is active
            grad = (g - np.sum(g * q, axis=-1, keepdims=True)) / s
        return (grad / n_samples).astype(y.dtype, copy=False)

    def value_and_gradient(self, y_true, y_pred):
        return _mean(self.per_sample(y_true, y_pred)), self.gradient(y_true, y_pred)

    def value_and_softmax_gradient(self, y_true, y_pred):
        r"""The loss, and its gradient with respect to ``z`` when ``y_pred = softmax(z)``.

        Chained, the loss's :math:`-t_j / p_j` and the softmax's Jacobian :math:`p_j(\delta_{jk} - p_k)`
        cancel into the famous shortcut

        .. math:: \partial L/\partial z_k = \big((\textstyle\sum_j t_j)\, p_k - t_k\big) / N
                  = (p_k - t_k) / N \text{ for one-hot } t,

        the gradient of ``from_logits=True``. ``fit`` uses it when the last layer's activation is
        softmax, as tf.keras does: two cheap operations instead of the clip, the division by the
        row sum and the softmax's backward pass. The two ways differ only where the clip to
        :math:`[\epsilon, 1-\epsilon]` is active: chained, the gradient is 0 there (learning stops);
        here it is not.
        """
        t, p = self._inputs(y_true, y_pred, check_sums=False)   # a softmax's rows sum to 1
        n_samples = p.size // p.shape[-1]
        dz = (t.sum(axis=-1, keepdims=True) * p - t) / n_samples
        q = np.minimum(np.maximum(p / p.sum(axis=-1, keepdims=True), EPSILON), 1 - EPSILON)   # per_sample's clip
        return -_mean((t * np.log(q)).sum(axis=-1)), dz   # = per_sample's mean (negating is exact)

    def get_config(self):
        return {"from_logits": self.from_logits}


class SparseCategoricalCrossentropy(CategoricalCrossentropy):
    r"""Categorical cross-entropy with integer labels: :math:`\ell = -\log p_{y_{true}}`.

    ``y_true`` holds one class index per sample, shape (N,) or (N, 1), each in
    ``0 .. C-1``. It is exactly ``CategoricalCrossentropy`` on the one-hot labels, so
    the math (and the gradient :math:`(\operatorname{softmax}(z) - \text{onehot}) / N`
    for logits) is the same.
    """

    name = "sparse_categorical_crossentropy"

    def _inputs(self, y_true, y_pred, check_sums=True):
        labels, y = _arrays(y_true, y_pred, self.name)
        check_rank(y, 2, "y_pred", self.name, "Expected shape (batch_size, num_classes).")
        n_classes = y.shape[-1]
        if labels.ndim == y.ndim and labels.shape[-1] == 1:
            labels = labels[..., 0]
        if labels.shape != y.shape[:-1]:
            hint = ""
            if labels.shape == y.shape:
                hint = "`y_true` looks one-hot encoded: use categorical_crossentropy, or pass the class indices."
            raise ValueError(
                f"{self.name} needs one integer label per sample: `y_true` of shape {y.shape[:-1]} "
                f"(or {y.shape[:-1] + (1,)}) for y_pred.shape={y.shape}; received "
                f"y_true.shape={np.shape(y_true)}." + (f" {hint}" if hint else "")
            )
        bad = (labels != np.round(labels)) | (labels < 0) | (labels >= n_classes)
        if np.any(bad):
            where = tuple(int(i) for i in np.argwhere(bad)[0])
            raise ValueError(
                f"{self.name} needs integer class labels in the range [0, {n_classes - 1}] "
                f"(y_pred has {n_classes} classes); received y_true[{', '.join(map(str, where))}]"
                f"={labels[where].item():g}."
            )
        if check_sums and not self.from_logits:
            _check_row_sums_nonzero(y, self.name)
        one_hot = (labels[..., None] == np.arange(n_classes)).astype(y.dtype)
        return one_hot, y


# ------------------------------------------------------------------ lookup ----

ALL = {
    cls.name: cls
    for cls in (MeanSquaredError, MeanAbsoluteError, Huber, BinaryCrossentropy,
                CategoricalCrossentropy, SparseCategoricalCrossentropy)
}
_CLASSES = {cls.__name__: cls for cls in ALL.values()}
_ALIASES = {"mse": MeanSquaredError, "mae": MeanAbsoluteError, "huber": Huber, "bce": BinaryCrossentropy}
_NAMES = {**_ALIASES, **ALL, **_CLASSES}  # every string get() accepts (case-insensitive)


def _unknown(kind, identifier, choices, listed):
    """The error for an unknown name, suggesting the nearest of ``choices`` and listing ``listed``."""
    by_lower = {}
    for c in choices:
        by_lower.setdefault(c.lower(), c)
    close = difflib.get_close_matches(identifier.lower(), list(by_lower), n=1)
    hint = f" Did you mean {by_lower[close[0]]!r}?" if close else ""
    return ValueError(f"Unknown {kind} {identifier!r}.{hint} Valid names: {', '.join(listed)}.")


def get(identifier):
    """Return a loss object from a name (``"mse"``, ``"categorical_crossentropy"``,
    ``"MeanSquaredError"``), a config dict, a ``Loss`` subclass or a ``Loss`` object.

    Names are those of Keras, case-insensitive. ``None`` gives ``None``, as in Keras.
    An unknown name raises ``ValueError`` suggesting the nearest valid one.
    """
    if identifier is None or isinstance(identifier, Loss):
        return identifier
    if isinstance(identifier, type) and issubclass(identifier, Loss):
        return identifier()
    if isinstance(identifier, dict):
        return deserialize(identifier)
    if isinstance(identifier, str):
        by_lower = {k.lower(): cls for k, cls in _NAMES.items()}
        cls = _NAMES.get(identifier) or by_lower.get(identifier.lower())
        if cls is None:
            raise _unknown("loss", identifier, list(_NAMES),
                           [*_ALIASES, *ALL, "or a class name such as 'MeanSquaredError'"])
        return cls()
    if callable(identifier):
        raise TypeError(
            f"{identifier!r} is a plain function; learnnet also needs its gradient for backpropagation. "
            "Subclass learnnet.losses.Loss with per_sample(y_true, y_pred) and gradient(y_true, y_pred), "
            f"or use one of: {', '.join(ALL)}."
        )
    raise TypeError(f"A loss must be a name, a Loss object or a Loss class; received {identifier!r}")


def serialize(loss):
    """A JSON-friendly description of a loss, for saving models: class name and config."""
    return {"class_name": type(loss).__name__, "config": loss.get_config()}


def deserialize(config):
    """Rebuild a loss from ``serialize``'s output (or from a name)."""
    if isinstance(config, str):
        return get(config)
    cls = _CLASSES.get(config.get("class_name"))
    if cls is None:
        raise _unknown("loss class", str(config.get("class_name")), list(_CLASSES), list(_CLASSES))
    return cls(**config.get("config", {}))
