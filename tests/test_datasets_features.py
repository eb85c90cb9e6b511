"""Playground's input features: each column is its formula, in the order asked for."""
import numpy as np
import pytest

from learnnet.datasets import features
from learnnet.datasets.features import PLAYGROUND_FEATURES, playground_features


def test_each_feature_is_its_formula():
    X = np.array([[1.0, 2.0], [-0.5, 3.0]])
    F = playground_features(X, list(PLAYGROUND_FEATURES))
    x1, x2 = X[:, 0], X[:, 1]
    expected = np.stack([x1, x2, x1 ** 2, x2 ** 2, x1 * x2, np.sin(x1), np.sin(x2)], axis=1)
    np.testing.assert_allclose(F, expected)


def test_columns_follow_the_order_given_and_keep_float32():
    X = np.arange(6, dtype=np.float32).reshape(3, 2)
    F = playground_features(X, ["x2^2", "x1"])
    assert F.shape == (3, 2) and F.dtype == np.float32
    np.testing.assert_allclose(F[:, 0], X[:, 1] ** 2)
    np.testing.assert_allclose(F[:, 1], X[:, 0])


def test_unknown_repeated_or_no_feature_is_a_teaching_error():
    X = np.zeros((2, 2))
    with pytest.raises(ValueError, match="Did you mean 'x1\\^2'"):
        playground_features(X, ["x1^3"])
    with pytest.raises(ValueError, match="twice"):
        playground_features(X, ["x1", "x1"])
    with pytest.raises(ValueError, match="at least one feature"):
        playground_features(X, [])
    with pytest.raises(ValueError, match=r"shape \(n, 2\)"):
        playground_features(np.zeros((2, 3)), ["x1"])


def test_every_feature_has_a_label():
    assert set(features.FEATURE_LABELS) == set(PLAYGROUND_FEATURES)
