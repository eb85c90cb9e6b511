"""Input checks shared by the engine, so bad input gets a message that teaches.

Every public entry point turns what the learner passed into a NumPy array here,
and says clearly what was expected and what was received when it cannot.
"""
import numpy as np

_data_checked = False   # True while a model runs data it checked at its entry (see checked_data)


class checked_data:
    """``with checked_data():`` while a model runs data that ``fit``/``evaluate``/``predict`` have
    already checked (once, at the model's entry). Each batch is a slice of that data and the
    model built every layer for exactly its shapes and dtype, so the layers' ``check_input`` and
    the losses' input checks need not look at every batch again: ``data_is_checked()`` says so.
    Called on their own, layers and losses check everything and explain what is wrong.
    """

    def __enter__(self):
        global _data_checked
        self.previous, _data_checked = _data_checked, True

    def __exit__(self, *exc_info):
        global _data_checked
        _data_checked = self.previous


def data_is_checked():
    """True inside ``checked_data``."""
    return _data_checked


def describe(x):
    """A short description of a value for error messages: shape and dtype for arrays."""
    if isinstance(x, np.ndarray):
        return f"array of shape {x.shape} and dtype {x.dtype}"
    return f"{type(x).__name__} {x!r}"[:120]


def as_float_array(x, name="x", dtype=None, allow_nonfinite=False):
    """Convert ``x`` to a floating-point NumPy array, or raise a clear error.

    - strings, objects and other non-numbers raise ``TypeError`` naming ``name``;
    - NaN or infinity raise ``ValueError`` with the position of the first one
      (unless ``allow_nonfinite``);
    - ``dtype`` (e.g. ``"float32"``) casts; otherwise floats keep their precision
      and integers/booleans become float32 as in Keras.
    """
    if type(x) is np.ndarray and x.dtype.kind == "f" and (dtype is None or x.dtype == dtype):
        arr = x   # already floats of the right type: only the finiteness check below is left
    else:
        arr = _to_float_array(x, name, dtype)
    if not allow_nonfinite and not np.isfinite(arr).all():
        name = f"`{name}`" if name.isidentifier() else name
        bad = np.argwhere(~np.isfinite(arr))[0]
        where = tuple(int(i) for i in bad)
        raise ValueError(
            f"{name} contains NaN or infinity (first at index {where}: {arr[where]}); "
            "a network cannot learn from non-finite numbers. Clean or impute the data first."
        )
    return arr


def _to_float_array(x, name, dtype):
    """``x`` as a float array (cast to ``dtype`` if given), or a ``TypeError`` naming ``name``."""
    name = f"`{name}`" if name.isidentifier() else name
    try:
        arr = np.asarray(x)
    except Exception as exc:  # ragged lists and the like
        raise TypeError(f"{name} must be an array of numbers; received {describe(x)} ({exc})") from None
    if arr.dtype == object:
        try:
            arr = arr.astype(np.float64)
        except (TypeError, ValueError):
            raise TypeError(
                f"{name} must be an array of numbers; received an array of Python objects "
                f"(first item: {arr.flat[0]!r})" if arr.size else f"{name} must be an array of numbers"
            ) from None
    if not (np.issubdtype(arr.dtype, np.number) or arr.dtype == bool):
        raise TypeError(
            f"{name} must be an array of numbers; received dtype {arr.dtype}"
            + (f" (first item: {arr.flat[0]!r})" if arr.size else "")
        )
    if np.iscomplexobj(arr):
        raise TypeError(f"{name} must hold real numbers; received complex dtype {arr.dtype}")
    if dtype is not None:
        arr = arr.astype(dtype, copy=False)
    elif not np.issubdtype(arr.dtype, np.floating):
        arr = arr.astype(np.float32)
    return arr


def check_rank(arr, min_ndim, name, who, hint=""):
    """Raise ``ValueError`` if ``arr`` has fewer than ``min_ndim`` axes."""
    if arr.ndim < min_ndim:
        raise ValueError(
            f"{who} expects `{name}` with at least {min_ndim} axes (batch first); "
            f"received shape {arr.shape}." + (f" {hint}" if hint else "")
        )


def positive_int(value, name, who):
    """Validate a positive integer argument in Keras's words."""
    if isinstance(value, bool) or not isinstance(value, (int, np.integer)) or value <= 0:
        raise ValueError(
            f"{who}: Received an invalid value for `{name}`, expected a positive integer. "
            f"Received: {name}={value!r}"
        )
    return int(value)


def nonnegative_float(value, name, who):
    """Validate a non-negative, finite float argument."""
    try:
        out = float(value)
    except (TypeError, ValueError):
        raise TypeError(f"`{name}` in {who} must be a number; received {describe(value)}") from None
    if not np.isfinite(out) or out < 0:
        raise ValueError(f"`{name}` in {who} must be a finite number >= 0; received {name}={value!r}")
    return out
