r"""Metrics: numbers that tell *you* how the model is doing (the loss is what it optimises).

A metric compares targets ``y_true`` with predictions ``y_pred``, like a loss, but it
needs no gradient: accuracy, say, is what we care about but is flat almost everywhere,
so training follows the loss while we watch the accuracy.

Two forms, as in Keras:

- functions giving one value per sample: ``binary_accuracy``, ``categorical_accuracy``,
  ``sparse_categorical_accuracy``, ``mean_squared_error`` (``mse``), ``mean_absolute_error`` (``mae``);
- ``Metric`` objects that *accumulate* over batches: ``update_state(y_true, y_pred)``
  adds a batch, ``result()`` is the mean over every sample seen so far, ``reset_state()``
  starts again. ``fit`` resets them at each epoch, so the ``accuracy`` it reports for an
  epoch is (correct predictions) / (samples seen) over that epoch.

Which accuracy? ``compile(metrics=["accuracy"])`` picks one from the shapes, as Keras:
one output column -> ``BinaryAccuracy`` (threshold 0.5); integer labels ->
``SparseCategoricalAccuracy``; one-hot labels -> ``CategoricalAccuracy`` (argmax).
"""
import difflib

import numpy as np


# ------------------------------------------------------------ per-sample functions ----

def _match_ranks(y_true, y_pred):
    """Squeeze or add a trailing size-1 axis so both have the same rank (``(N,)`` vs ``(N, 1)``)."""
    if y_true.ndim == y_pred.ndim + 1 and y_true.shape[-1] == 1:
        y_true = y_true[..., 0]
    elif y_pred.ndim == y_true.ndim + 1 and y_pred.shape[-1] == 1:
        y_pred = y_pred[..., 0]
    return y_true, y_pred


def _per_sample(values):
    """Average everything but the batch axis: one number per sample."""
    return values.reshape(values.shape[0], -1).mean(axis=1) if values.ndim > 1 else values


def binary_accuracy(y_true, y_pred, threshold=0.5):
    """1 where ``(y_pred > threshold)`` equals the 0/1 target, else 0 (averaged over a sample's outputs)."""
    y_true, y_pred = _match_ranks(np.asarray(y_true), np.asarray(y_pred))
    return _per_sample((y_true == (y_pred > threshold)).astype(np.float64))


def categorical_accuracy(y_true, y_pred):
    """1 where the most probable class (``argmax`` of ``y_pred``) is the one-hot target's class."""
    y_true, y_pred = np.asarray(y_true), np.asarray(y_pred)
    return (np.argmax(y_true, axis=-1) == np.argmax(y_pred, axis=-1)).astype(np.float64)


def sparse_categorical_accuracy(y_true, y_pred):
    """1 where the most probable class equals the integer label ``y_true`` (shape ``(N,)`` or ``(N, 1)``)."""
    y_true, y_pred = np.asarray(y_true), np.asarray(y_pred)
    if y_true.ndim == y_pred.ndim and y_true.shape[-1] == 1:
        y_true = y_true[..., 0]
    return (y_true == np.argmax(y_pred, axis=-1)).astype(np.float64)


def accuracy(y_true, y_pred):
    """1 where ``y_pred`` equals ``y_true`` exactly (Keras's plain ``Accuracy``; see the module doc for "accuracy")."""
    y_true, y_pred = _match_ranks(np.asarray(y_true), np.asarray(y_pred))
    return _per_sample((y_true == y_pred).astype(np.float64))


def mean_squared_error(y_true, y_pred):
    """``mean((y_pred - y_true)**2)`` over a sample's outputs."""
    y_true, y_pred = _match_ranks(np.asarray(y_true), np.asarray(y_pred))
    return _per_sample(np.square(y_pred - y_true, dtype=np.float64))


def mean_absolute_error(y_true, y_pred):
    """``mean(|y_pred - y_true|)`` over a sample's outputs."""
    y_true, y_pred = _match_ranks(np.asarray(y_true), np.asarray(y_pred))
    return _per_sample(np.abs(y_pred - y_true, dtype=np.float64))


mse = mean_squared_error
mae = mean_absolute_error


# ------------------------------------------------------------------ Metric objects ----

class Metric:
    """Base class: a value accumulated over batches.

    Subclasses define ``update_state`` (add a batch) and ``result`` (the value so far).
    ``direction`` is ``"up"`` if bigger is better (accuracy) and ``"down"`` if smaller is
    (errors): ``EarlyStopping(mode="auto")`` uses it.
    """

    direction = "down"

    def __init__(self, name=None):
        self.name = name or _snake(type(self).__name__)
        self.reset_state()

    def reset_state(self):
        raise NotImplementedError

    def update_state(self, *args, **kwargs):
        raise NotImplementedError

    def result(self):
        raise NotImplementedError

    def get_config(self):
        return {"name": self.name}

    def __repr__(self):
        return f"<{type(self).__name__} name={self.name}>"


class Mean(Metric):
    """The running (weighted) mean of the values given: ``sum(w * v) / sum(w)``.

    ``fit`` keeps the epoch's ``loss`` with one: each batch's mean loss weighted by the
    batch size, so the epoch loss is the mean over samples even if the last batch is smaller.
    """

    def reset_state(self):
        self.total, self.count = 0.0, 0.0

    def update_state(self, values, sample_weight=None):
        if isinstance(values, float) and isinstance(sample_weight, (int, float)):   # fit's loss: one number
            self.total += values * sample_weight
            self.count += sample_weight
            return
        values = np.asarray(values, dtype=np.float64)
        if sample_weight is None:
            self.total += float(np.sum(values))
            self.count += values.size
        else:
            self.total += float(np.sum(values * sample_weight))
            self.count += float(np.sum(sample_weight * np.ones_like(values)))

    def result(self):
        return self.total / self.count if self.count else 0.0


class MeanMetricWrapper(Mean):
    """Turns a per-sample function ``fn(y_true, y_pred)`` into a metric: the mean over all samples seen."""

    def __init__(self, fn, name=None, direction=None, **fn_kwargs):
        self.fn, self.fn_kwargs = fn, fn_kwargs
        if direction is not None:
            self.direction = direction
        super().__init__(name=name or fn.__name__)

    def update_state(self, y_true, y_pred):
        values = self.fn(y_true, y_pred, **self.fn_kwargs)   # one number per sample
        self.total += float(np.sum(values))
        self.count += np.size(values)


class BinaryAccuracy(MeanMetricWrapper):
    """How often ``y_pred > threshold`` matches a 0/1 target."""

    direction = "up"

    def __init__(self, name="binary_accuracy", threshold=0.5):
        self.threshold = threshold
        super().__init__(binary_accuracy, name=name, threshold=threshold)

    def get_config(self):
        return {"name": self.name, "threshold": self.threshold}


class CategoricalAccuracy(MeanMetricWrapper):
    """How often the predicted class (argmax) matches the one-hot target."""

    direction = "up"

    def __init__(self, name="categorical_accuracy"):
        super().__init__(categorical_accuracy, name=name)


class SparseCategoricalAccuracy(MeanMetricWrapper):
    """How often the predicted class (argmax) matches the integer label."""

    direction = "up"

    def __init__(self, name="sparse_categorical_accuracy"):
        super().__init__(sparse_categorical_accuracy, name=name)


class Accuracy(MeanMetricWrapper):
    """How often predictions equal targets exactly (for already-rounded predictions)."""

    direction = "up"

    def __init__(self, name="accuracy"):
        super().__init__(accuracy, name=name)


class MeanSquaredError(MeanMetricWrapper):
    """The mean of ``(y_pred - y_true)**2`` over all samples seen."""

    def __init__(self, name="mean_squared_error"):
        super().__init__(mean_squared_error, name=name)


class MeanAbsoluteError(MeanMetricWrapper):
    """The mean of ``|y_pred - y_true|`` over all samples seen."""

    def __init__(self, name="mean_absolute_error"):
        super().__init__(mean_absolute_error, name=name)


# -------------------------------------------------------------------------- lookup ----

_CLASSES = {cls.__name__: cls for cls in (Accuracy, BinaryAccuracy, CategoricalAccuracy,
                                          SparseCategoricalAccuracy, MeanSquaredError, MeanAbsoluteError, Mean)}
_BY_NAME = {
    "accuracy": Accuracy, "binary_accuracy": BinaryAccuracy, "categorical_accuracy": CategoricalAccuracy,
    "sparse_categorical_accuracy": SparseCategoricalAccuracy,
    "mean_squared_error": MeanSquaredError, "mse": MeanSquaredError,
    "mean_absolute_error": MeanAbsoluteError, "mae": MeanAbsoluteError,
}


def _snake(name):
    out = "".join("_" + c.lower() if c.isupper() else c for c in name).lstrip("_")
    return out


def get(identifier):
    """A ``Metric`` object from a name (``"mse"``, ``"categorical_accuracy"``, ``"BinaryAccuracy"``),
    a ``Metric`` class or object, or a per-sample function.

    Note: ``"accuracy"`` alone means exact equality (Keras's ``Accuracy``); inside
    ``compile(metrics=["accuracy"])`` it is resolved to the right accuracy for the data.
    An unknown name raises ``ValueError`` suggesting the nearest valid one.
    """
    if isinstance(identifier, Metric):
        return identifier
    if isinstance(identifier, type) and issubclass(identifier, Metric):
        return identifier()
    if isinstance(identifier, str):
        cls = _BY_NAME.get(identifier.lower()) or _CLASSES.get(identifier)
        if cls is None:
            raise unknown_metric(identifier)
        return cls()
    if callable(identifier):
        return MeanMetricWrapper(identifier)
    raise TypeError(f"A metric must be a name, a Metric object or a function; received {identifier!r}")


def unknown_metric(identifier):
    """The ``ValueError`` for an unknown metric name, suggesting the nearest valid one."""
    close = (difflib.get_close_matches(str(identifier), sorted(set(_BY_NAME) | {"acc"}), n=1)
             or difflib.get_close_matches(str(identifier), sorted(_CLASSES), n=1))
    hint = f" Did you mean {close[0]!r}?" if close else ""
    return ValueError(f"Could not interpret metric identifier: {identifier!r}.{hint} "
                      f"Valid names: {', '.join(sorted(_BY_NAME))}, or 'accuracy'/'acc' to pick the right accuracy.")


def serialize(metric):
    """A JSON-friendly description of a metric object (class name and config)."""
    return {"class_name": type(metric).__name__, "config": metric.get_config()}


def deserialize(config):
    if isinstance(config, str):
        return get(config)
    cls = _CLASSES.get(config.get("class_name"))
    if cls is None:
        raise unknown_metric(config.get("class_name"))
    return cls(**config.get("config", {}))
