import numpy as np
import pytest
from matplotlib.colors import to_rgb

from learnnet.plotting.transfer import plot_few_shot, plot_runs


def test_plot_runs_draws_each_curve_from_its_first_epoch_and_each_test_accuracy_as_a_bar():
    curves = {"transfer": [0.2, 0.6, 0.9], "from scratch": [0.1, 0.1, 0.12], "fine-tuning": [0.95, 1.0]}
    fig = plot_runs(curves, test_accuracy={"transfer": 0.8, "from scratch": 0.14, "fine-tuning": 0.85},
                    first_epoch={"fine-tuning": 4}, chance=0.1)
    ax, bars = fig.axes
    lines = {line.get_label(): line for line in ax.get_lines() if not line.get_label().startswith("_")}
    assert list(lines) == list(curves)
    np.testing.assert_array_equal(lines["transfer"].get_xdata(), [1, 2, 3])
    np.testing.assert_array_equal(lines["fine-tuning"].get_xdata(), [4, 5])
    np.testing.assert_allclose(lines["from scratch"].get_ydata(), curves["from scratch"])
    assert [p.get_height() for p in bars.patches] == pytest.approx([0.8, 0.14, 0.85])
    assert [t.get_text() for t in bars.texts] == ["80.0%", "14.0%", "85.0%"]
    assert any(list(line.get_ydata()) == [0.1, 0.1] for line in bars.get_lines())  # the chance line
    # a run's colour is the same in both plots
    assert bars.patches[2].get_facecolor()[:3] == pytest.approx(to_rgb(lines["fine-tuning"].get_color()))


def test_plot_runs_without_test_accuracies_has_one_axes():
    fig = plot_runs({"run": [0.5, 0.7]})
    assert len(fig.axes) == 1


def test_plot_few_shot_puts_each_class_in_its_own_column():
    images = np.zeros((5, 4, 4, 1))
    images[:, 1, 2, 0] = [0.1, 0.2, 0.3, 0.4, 0.5]   # one marked pixel per image
    labels = np.array([2, 0, 2, 0, 2])                  # class 0 twice, class 2 three times
    fig = plot_few_shot(images, labels, class_names=["a", "b", "c"])
    ax = fig.axes[0]
    picture = ax.get_images()[0].get_array().filled(np.nan)
    gap = 1
    assert picture.shape == (3 * 4 + 2 * gap, 2 * 4 + gap)       # 3 rows (class 2), 2 columns
    column = [picture[r * (4 + gap) + 1, 2] for r in range(3)]          # class 0: 0.2, 0.4, then empty
    assert column[:2] == [0.2, 0.4] and np.isnan(column[2])
    assert [picture[r * (4 + gap) + 1, 4 + gap + 2] for r in range(3)] == [0.1, 0.3, 0.5]
    assert [t.get_text() for t in ax.get_xticklabels()] == ["a", "c"]
