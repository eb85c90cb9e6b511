"""Confusion matrix (counting) and the figures of a classifier's mistakes."""
import matplotlib

matplotlib.use("Agg")

import numpy as np
import pytest

from learnnet.plotting.classification import (confusion_matrix, plot_confusion_matrix, plot_examples,
                                               plot_misclassified)


def test_confusion_matrix_counts_true_rows_against_predicted_columns():
    y_true = [0, 0, 1, 2, 2, 2]
    y_pred = [0, 1, 1, 2, 0, 2]
    counts = confusion_matrix(y_true, y_pred, num_classes=3)
    np.testing.assert_array_equal(counts, [[1, 1, 0], [0, 1, 0], [1, 0, 2]])
    assert counts.sum(axis=1).tolist() == [2, 1, 3]          # each row: the samples of that class
    assert np.trace(counts) == 4                              # the right answers
    assert confusion_matrix(y_true, y_pred).shape == (3, 3)
    assert confusion_matrix([0], [0], num_classes=4).shape == (4, 4)


def test_confusion_matrix_matches_a_plain_loop():
    rng = np.random.default_rng(0)
    y_true, y_pred = rng.integers(0, 5, 200), rng.integers(0, 5, 200)
    loop = np.zeros((5, 5), int)
    for t, p in zip(y_true, y_pred):
        loop[t, p] += 1
    np.testing.assert_array_equal(confusion_matrix(y_true, y_pred, 5), loop)


@pytest.mark.parametrize("y_true, y_pred, message", [
    (np.eye(3), [0, 1, 2], "argmax"),
    ([0, 1], [0, 1, 1], "one label per sample"),
    ([0, 1.5], [0, 1], "class labels"),
    ([0, 3], [0, 1], "num_classes=3"),
])
def test_confusion_matrix_errors_teach(y_true, y_pred, message):
    with pytest.raises(ValueError, match=message):
        confusion_matrix(y_true, y_pred, num_classes=3 if message == "num_classes=3" else None)


def test_plot_confusion_matrix_labels_cells_and_names():
    counts = np.array([[5, 1], [2, 7]])
    fig = plot_confusion_matrix(counts, ["cat", "dog"])
    ax = fig.axes[0]
    assert [t.get_text() for t in ax.texts] == ["5", "1", "2", "7"]
    assert [t.get_text() for t in ax.get_xticklabels()] == ["cat", "dog"]
    assert "12 of 15 right" in ax.get_title()


def test_plot_misclassified_shows_only_the_mistakes_with_true_and_predicted():
    images = np.arange(5 * 4 * 4, dtype=float).reshape(5, 16) / 80
    fig = plot_misclassified(images, [0, 1, 2, 1, 0], [0, 2, 2, 0, 0], class_names=["a", "b", "c"],
                             probabilities=np.full((5, 3), 1 / 3), image_shape=(4, 4))
    assert list(fig.mistakes) == [1, 3]
    assert [ax.get_title() for ax in fig.axes] == ["b → c (33%)", "b → a (33%)"]
    assert fig._suptitle.get_text() == "2 of 5 misclassified, titled true → predicted"
    none = plot_misclassified(np.zeros((2, 3, 3, 1)), [0, 1], [0, 1])
    assert len(none.mistakes) == 0
    with pytest.raises(ValueError, match="grey images"):
        plot_misclassified(np.zeros((2, 9)), [0, 1], [1, 0])


def test_plot_examples_titles_each_image_with_its_class():
    fig = plot_examples(np.zeros((20, 3, 3, 1)), np.arange(20) % 3, class_names=["a", "b", "c"], max_images=5)
    assert [ax.get_title() for ax in fig.axes] == ["a", "b", "c", "a", "b"]
    assert fig._suptitle.get_text() == "5 of 20 images"
