"""Metrics: per-sample functions and the objects that average them over batches."""
import numpy as np
import pytest

from learnnet import metrics


def test_binary_accuracy_thresholds_at_one_half():
    y_true = np.array([[1], [0], [1], [0]])
    y_pred = np.array([[0.7], [0.2], [0.5], [0.51]])      # 0.5 is not above the threshold
    np.testing.assert_array_equal(metrics.binary_accuracy(y_true, y_pred), [1, 1, 0, 0])
    np.testing.assert_array_equal(metrics.binary_accuracy(y_true[:, 0], y_pred), [1, 1, 0, 0])
    np.testing.assert_array_equal(metrics.binary_accuracy(y_true, y_pred, threshold=0.6), [1, 1, 0, 1])


def test_categorical_accuracy_compares_argmaxes():
    y_true = np.eye(3)[[0, 2, 1]]
    y_pred = np.array([[0.8, 0.1, 0.1], [0.3, 0.3, 0.4], [0.5, 0.2, 0.3]])
    np.testing.assert_array_equal(metrics.categorical_accuracy(y_true, y_pred), [1, 1, 0])


def test_sparse_categorical_accuracy_takes_labels_as_n_or_n_by_1():
    y_pred = np.array([[0.8, 0.1, 0.1], [0.3, 0.3, 0.4], [0.5, 0.2, 0.3]])
    np.testing.assert_array_equal(metrics.sparse_categorical_accuracy([0, 2, 1], y_pred), [1, 1, 0])
    np.testing.assert_array_equal(metrics.sparse_categorical_accuracy([[0], [2], [1]], y_pred), [1, 1, 0])


def test_mse_and_mae_are_per_sample_means():
    y_true = np.array([[1.0, 2.0], [0.0, 0.0]])
    y_pred = np.array([[2.0, 4.0], [1.0, -1.0]])
    np.testing.assert_allclose(metrics.mse(y_true, y_pred), [2.5, 1.0])
    np.testing.assert_allclose(metrics.mae(y_true, y_pred), [1.5, 1.0])


def test_a_metric_object_averages_over_every_sample_seen():
    acc = metrics.CategoricalAccuracy()
    acc.update_state(np.eye(2)[[0, 1, 1]], np.eye(2)[[0, 1, 0]])     # 2 of 3
    acc.update_state(np.eye(2)[[0]], np.eye(2)[[0]])                 # 1 of 1
    assert acc.result() == pytest.approx(0.75) and acc.name == "categorical_accuracy"
    acc.reset_state()
    assert acc.result() == 0.0


def test_mean_weights_each_value():
    mean = metrics.Mean(name="loss")
    mean.update_state(2.0, sample_weight=32)
    mean.update_state(4.0, sample_weight=8)
    assert mean.result() == pytest.approx((2 * 32 + 4 * 8) / 40)


def test_get_finds_metrics_by_keras_names_and_suggests_on_typos():
    assert isinstance(metrics.get("mse"), metrics.MeanSquaredError)
    assert isinstance(metrics.get("MeanAbsoluteError"), metrics.MeanAbsoluteError)
    assert isinstance(metrics.get("accuracy"), metrics.Accuracy)
    assert metrics.get("sparse_categorical_accuracy").direction == "up"
    assert metrics.get("mae").direction == "down"
    wrapped = metrics.get(lambda t, p: np.abs(t - p).max(axis=-1))
    wrapped.update_state(np.zeros((2, 2)), np.ones((2, 2)))
    assert wrapped.result() == 1.0
    with pytest.raises(ValueError, match="Did you mean 'binary_accuracy'"):
        metrics.get("binary_acuracy")
    with pytest.raises(TypeError):
        metrics.get(3)


def test_serialize_round_trip():
    metric = metrics.BinaryAccuracy(threshold=0.3)
    again = metrics.deserialize(metrics.serialize(metric))
    assert isinstance(again, metrics.BinaryAccuracy) and again.threshold == 0.3
