"""Hold out part of a data set for testing."""
import numpy as np

from .._checks import describe
from ..utils import get_rng


def train_test_split(x, y, test_ratio=0.5, seed=None):
    """Shuffle ``(x, y)`` and cut it into a training part and a test part.

    A model is judged on examples it never trained on: the test part. Playground
    splits its points the same way ("Ratio of training to test data", 50 % by
    default).

    Args:
      x: array with one example per row (first axis).
      y: labels or targets, the same number of rows as ``x``.
      test_ratio: fraction of the examples that go to the test part, in (0, 1);
        the count is rounded, and both parts keep at least one example.
      seed: int, ``numpy.random.Generator``, or None for learnnet's global generator.

    Returns:
      ``(x_train, y_train), (x_test, y_test)``, in the layout of
      ``keras.datasets.*.load_data()`` (not scikit-learn's four-tuple).
    """
    x, y = np.asarray(x), np.asarray(y)
    if x.ndim == 0 or y.ndim == 0 or len(x) != len(y):
        raise ValueError(
            "train_test_split() needs `x` and `y` with the same number of examples (rows); "
            f"received x: {describe(x)}, y: {describe(y)}."
        )
    n = len(x)
    if n < 2:
        raise ValueError(f"train_test_split() needs at least 2 examples to make two parts; received {n}.")
    if isinstance(test_ratio, bool) or not isinstance(test_ratio, (int, float, np.integer, np.floating)) \
            or not 0 < test_ratio < 1:
        raise ValueError(
            "Received an invalid value for `test_ratio`, expected a number strictly between 0 and 1 "
            f"(the fraction of examples to hold out). Received: test_ratio={test_ratio!r}"
        )
    rng = get_rng(seed)
    n_test = min(max(int(round(n * test_ratio)), 1), n - 1)
    order = rng.permutation(n)
    test, train = order[:n_test], order[n_test:]
    return (x[train], y[train]), (x[test], y[test])
