r"""Hand-made input features for 2-D points: TensorFlow Playground's seven.

A network sees only the numbers it is given. From a point ``(x1, x2)`` Playground can give it
any of seven features; a circle is easy for a network that gets ``x1²`` and ``x2²`` (the
boundary ``x1² + x2² = r²`` is then a straight line in those two inputs), and hard for one
that gets only ``x1`` and ``x2``::

    from learnnet.datasets import features, playground
    X, y = playground("circle", seed=0)
    F = features.playground_features(X, ["x1^2", "x2^2"])     # shape (500, 2): one column per feature

=============  ============================  =============
name           column                        Playground
=============  ============================  =============
``x1``         :math:`x_1`                   X1
``x2``         :math:`x_2`                   X2
``x1^2``       :math:`x_1^2`                 X1²
``x2^2``       :math:`x_2^2`                 X2²
``x1*x2``      :math:`x_1 x_2`               X1X2
``sin(x1)``    :math:`\sin x_1`              sin(X1)
``sin(x2)``    :math:`\sin x_2`              sin(X2)
=============  ============================  =============
"""
import difflib

import numpy as np

from .._checks import as_float_array

# name -> how to compute the column from x1, x2 (in Playground's order)
PLAYGROUND_FEATURES = {
    "x1": lambda x1, x2: x1,
    "x2": lambda x1, x2: x2,
    "x1^2": lambda x1, x2: x1 * x1,
    "x2^2": lambda x1, x2: x2 * x2,
    "x1*x2": lambda x1, x2: x1 * x2,
    "sin(x1)": lambda x1, x2: np.sin(x1),
    "sin(x2)": lambda x1, x2: np.sin(x2),
}

# How the names look in figures (matplotlib mathtext).
FEATURE_LABELS = {"x1": "$x_1$", "x2": "$x_2$", "x1^2": "$x_1^2$", "x2^2": "$x_2^2$", "x1*x2": "$x_1 x_2$",
                  "sin(x1)": r"$\sin x_1$", "sin(x2)": r"$\sin x_2$"}


def check_feature_names(features):
    """The feature names as a tuple, in the order given; a teaching error for an unknown or repeated name."""
    if isinstance(features, str):
        features = [features]
    names = tuple(features)
    if not names:
        raise ValueError("Choose at least one feature, e.g. features=['x1', 'x2']: a network needs an input.")
    for name in names:
        if name not in PLAYGROUND_FEATURES:
            close = difflib.get_close_matches(str(name), PLAYGROUND_FEATURES, n=1)
            hint = f" Did you mean {close[0]!r}?" if close else ""
            raise ValueError(f"Unknown feature {name!r}; the features are {', '.join(map(repr, PLAYGROUND_FEATURES))}."
                             + hint)
    repeated = sorted({n for n in names if names.count(n) > 1})
    if repeated:
        raise ValueError(f"Feature {repeated[0]!r} is listed twice; list each feature once.")
    return names


def playground_features(X, features=("x1", "x2")):
    """The chosen features of each point: an array of shape ``(n, len(features))``, one column per feature.

    Args:
        X: points, shape ``(n, 2)`` (columns ``x1``, ``x2``).
        features: names from ``PLAYGROUND_FEATURES``, in the column order you want.

    Returns:
        float32 array (float64 if ``X`` is float64).
    """
    names = check_feature_names(features)
    X = as_float_array(X, "X")
    if X.ndim != 2 or X.shape[1] != 2:
        raise ValueError(f"`X` must hold 2-D points, shape (n, 2); received shape {X.shape}.")
    x1, x2 = X[:, 0], X[:, 1]
    return np.stack([PLAYGROUND_FEATURES[name](x1, x2) for name in names], axis=1)
