import numpy as np
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

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


def assert_blitted_picture_is_a_full_redraw(w):
    """What the learner sees after blitting equals the figure drawn from scratch: no stale artist."""
    blitted = np.asarray(w.fig.canvas.buffer_rgba()).copy()
    w.fig.canvas.draw()
    assert np.array_equal(blitted, np.asarray(w.fig.canvas.buffer_rgba())), "a changed artist was not redrawn"


_shared = {}
LOSS_CHANGES = st.lists(st.one_of(st.tuples(st.just("prediction"), st.floats(-4, 4, allow_nan=False)),
                                  st.tuples(st.just("target"), st.floats(-2, 2, allow_nan=False)),
                                  st.tuples(st.just("delta"), st.floats(0.1, 3, allow_nan=False))),
                        min_size=1, max_size=5)
CE_CHANGES = st.lists(st.one_of(st.tuples(st.sampled_from([f"logit_{n}" for n in CLASS_NAMES]),
                                          st.floats(-6, 6, allow_nan=False)),
                                st.tuples(st.just("true_class"), st.integers(0, len(CLASS_NAMES) - 1))),
                      min_size=1, max_size=5)


def apply_and_check_losses(changes):
    w = _shared.setdefault("loss", LossExplorer(interactive=False))
    for name, value in changes:
        w.controls[name].value = value
        y, p, delta = (w.controls[k].value for k in ("target", "prediction", "delta"))
        expected = {"mse": losses.MeanSquaredError(), "mae": losses.MeanAbsoluteError(), "huber": losses.Huber(delta)}
        for key, loss in expected.items():
            assert w.losses[key] == pytest.approx(loss([[y]], [[p]]))
            assert w.gradients[key] == pytest.approx(float(loss.gradient(np.array([[y]]), np.array([[p]]))[0, 0]))
            assert tuple(w.dots[key].get_xydata()[0]) == pytest.approx((p, w.losses[key]))
        assert w.error == pytest.approx(p - y)
        assert "nan" not in w.readout()
    return w


def apply_and_check_cross_entropy(changes):
    w = _shared.setdefault("ce", CrossEntropyExplorer(interactive=False))
    for name, value in changes:
        w.controls[name].value = value
        z = np.array([[w.controls[f"logit_{n}"].value for n in CLASS_NAMES]])
        y = np.eye(len(CLASS_NAMES))[[w.controls["true_class"].value]]
        p = activations.softmax(z)
        cce = losses.CategoricalCrossentropy(from_logits=True)
        np.testing.assert_allclose(w.probabilities, p[0])
        assert w.loss == pytest.approx(cce(y, z)) and np.isfinite(w.loss)
        np.testing.assert_allclose(w.gradient, (p - y)[0], atol=1e-12)
        assert w.p_true == pytest.approx(float(p[0, w.true_class]))
        assert [bar.get_height() for bar in w.prob_bars] == pytest.approx(list(p[0]))
        assert "nan" not in w.readout()
    return w


@settings(max_examples=25, deadline=None)
@given(LOSS_CHANGES)
def test_loss_explorer_shows_the_engines_losses_after_any_changes(changes):
    apply_and_check_losses(changes)


@settings(max_examples=6, deadline=None)  # each example ends with a full redraw, which is slow
@given(LOSS_CHANGES)
def test_loss_explorer_leaves_no_stale_pixels(changes):
    assert_blitted_picture_is_a_full_redraw(apply_and_check_losses(changes))


@settings(max_examples=25, deadline=None)
@given(CE_CHANGES)
def test_cross_entropy_explorer_shows_the_engines_numbers_after_any_changes(changes):
    apply_and_check_cross_entropy(changes)


@settings(max_examples=6, deadline=None)
@given(CE_CHANGES)
def test_cross_entropy_explorer_leaves_no_stale_pixels(changes):
    assert_blitted_picture_is_a_full_redraw(apply_and_check_cross_entropy(changes))
