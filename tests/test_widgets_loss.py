import numpy as np
import pytest

from learnnet import activations, losses
from learnnet.widgets.loss import CLASS_NAMES, CrossEntropyExplorer, LossExplorer


@pytest.fixture
def explorer():
    w = LossExplorer(interactive=False)
    yield w
    w.close()


@pytest.fixture
def ce():
    w = CrossEntropyExplorer(interactive=False)
    yield w
    w.close()


def test_loss_explorer_constructs_with_defaults_and_shows_all_three_losses(explorer):
    assert set(explorer.losses) == set(explorer.gradients) == {"mse", "mae", "huber"}
    assert explorer.error == pytest.approx(1.5)
    assert "MSE" in explorer.readout() and "Huber" in explorer.readout()


def test_prediction_slider_moves_every_loss_as_the_engine_computes_it(explorer):
    explorer.controls["prediction"].value = -2.0
    explorer.controls["target"].value = 0.5
    t, y = [[0.5]], [[-2.0]]
    assert explorer.losses["mse"] == pytest.approx(losses.MeanSquaredError()(t, y))
    assert explorer.losses["mae"] == pytest.approx(losses.MeanAbsoluteError()(t, y))
    assert explorer.losses["huber"] == pytest.approx(losses.Huber(delta=1.0)(t, y))
    assert explorer.gradients["mse"] == pytest.approx(float(losses.MeanSquaredError().gradient(t, y)[0, 0]))
    assert explorer.losses["mse"] == pytest.approx(6.25)  # hand-computed: (-2 - 0.5)^2
    assert explorer.gradients["mae"] == pytest.approx(-1.0)


def test_huber_delta_switches_between_squared_and_absolute(explorer):
    explorer.set(prediction=0.5, target=0.0, delta=2.0)  # |error| <= delta: half the squared error
    assert explorer.losses["huber"] == pytest.approx(0.5 * 0.25)
    explorer.controls["delta"].value = 0.2  # |error| > delta: linear, gradient clipped at delta
    assert explorer.losses["huber"] == pytest.approx(0.2 * 0.5 - 0.5 * 0.04)
    assert explorer.gradients["huber"] == pytest.approx(0.2)


def test_drawn_curves_match_the_engine_at_every_prediction(explorer):
    explorer.set(target=1.0, delta=0.7)
    xs, ys = explorer.curves["huber"].get_data()
    expected = [losses.Huber(delta=0.7)([[1.0]], [[x]]) for x in xs[::40]]
    np.testing.assert_allclose(ys[::40], expected, rtol=1e-6)
    xs, gs = explorer.grad_curves["mse"].get_data()
    np.testing.assert_allclose(gs[::40], 2 * (xs[::40] - 1.0), rtol=1e-6)
    assert explorer.dots["mse"].get_data()[1][0] == pytest.approx(explorer.losses["mse"])


def test_cross_entropy_shows_the_engines_softmax_loss_and_gradient(ce):
    ce.set(logit_cat=0.5, logit_dog=2.5, logit_bird=-1.0, true_class=1)
    z = np.array([[0.5, 2.5, -1.0]])
    y = np.array([[0.0, 1.0, 0.0]])
    np.testing.assert_allclose(ce.probabilities, activations.softmax(z)[0])
    cce = losses.CategoricalCrossentropy(from_logits=True)
    assert ce.loss == pytest.approx(cce(y, z))
    np.testing.assert_allclose(ce.gradient, cce.gradient(y, z)[0])
    np.testing.assert_allclose(ce.gradient, ce.probabilities - y[0], atol=1e-7)  # p - y
    assert ce.loss == pytest.approx(-np.log(ce.p_true))
    heights = [bar.get_height() for bar in ce.prob_bars]
    np.testing.assert_allclose(heights, ce.probabilities)


def test_each_logit_slider_moves_its_probability(ce):
    for i, name in enumerate(CLASS_NAMES):
        before = ce.probabilities[i]
        ce.controls[f"logit_{name}"].value = ce.controls[f"logit_{name}"].value + 1.0
        assert ce.probabilities[i] > before


def test_a_confident_mistake_costs_far_more_than_an_unsure_one(ce):
    ce.set(logit_cat=0.0, logit_dog=0.3, logit_bird=0.0, true_class=0)
    unsure = ce.loss
    ce.set(logit_cat=-4.0, logit_dog=5.0, logit_bird=-4.0)
    assert ce.loss > 5 * unsure
    assert ce.verdict.startswith("a confident mistake")
    ce.controls["true_class"].value = 1
    assert ce.verdict.startswith("right")


@pytest.mark.parametrize("widget_class", [LossExplorer, CrossEntropyExplorer])
def test_survives_extreme_and_repeated_control_changes(widget_class):
    w = widget_class(interactive=False)
    for name, control in w.controls.items():
        options = [o[1] if isinstance(o, tuple) else o for o in getattr(control, "options", [])]
        for value in options or [control.min, control.max, control.min]:
            control.value = value
            assert "nan" not in w.readout() and "inf" not in w.readout()
    w.close()
