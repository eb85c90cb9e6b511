"""Argument checks for the data generators, worded like Keras's."""
import numpy as np

from .._checks import describe


def check_number(value, name, who, low=0.0, high=None, hint=""):
    """Return ``value`` as a float if ``low <= value`` (and ``value <= high``); else raise, naming it.

    A non-number is a ``TypeError``; a number out of range (or NaN) is a ``ValueError``
    in Keras's words: "Received an invalid value for `noise` in make_moons(), expected
    a number >= 0. Received: noise=-1".
    """
    if isinstance(value, bool) or not isinstance(value, (int, float, np.integer, np.floating)):
        raise TypeError(f"`{name}` in {who} must be a number; received {describe(value)}")
    if not (low <= value and (high is None or value <= high)):  # also catches NaN
        expected = f"a number >= {low:g}" if high is None else f"a number between {low:g} and {high:g}"
        raise ValueError(
            f"Received an invalid value for `{name}` in {who}, expected {expected}{hint}. Received: {name}={value!r}"
        )
    return float(value)
