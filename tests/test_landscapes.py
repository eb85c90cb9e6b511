import warnings

import numpy as np
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from learnnet import landscapes, optimizers
from learnnet.gradcheck import numerical_gradient
from learnnet.landscapes import (Bowl, LinearRegressionMSE, Ravine, Rosenbrock, Saddle, Trajectory,
                                 descend)

ALL_NAMES = list(landscapes.SURFACES)
coords = st.floats(-3, 3, allow_nan=False)


@pytest.mark.parametrize("name", ALL_NAMES)
@settings(max_examples=25, deadline=None)
@given(w1=coords, w2=coords)
def test_gradient_matches_numerical_gradient(name, w1, w2):
    surface = landscapes.get(name)
    w = np.array([w1, w2])
    numeric = numerical_gradient(lambda: surface.value(w), w)
    np.testing.assert_allclose(surface.gradient(w), numeric, rtol=1e-5, atol=1e-5)


def test_values_match_hand_computed_formulas():
    assert Bowl().value([1.0, -2.0]) == 5.0
    assert Ravine().value([1.0, 1.0]) == pytest.approx(2.1)
    assert Saddle().value([0.0, 0.0]) == 0.25
    assert Rosenbrock().value([0.0, 0.0]) == 1.0
    np.testing.assert_allclose(Rosenbrock().gradient([0.0, 0.0]), [-2.0, 0.0])


def test_linear_regression_value_is_learnnet_mse_of_the_line():
    surface = LinearRegressionMSE(n=15, seed=3)
    w, b = 1.5, -0.25
    expected = np.mean((w * surface.x + b - surface.y) ** 2)
    assert surface.value([w, b]) == pytest.approx(expected, rel=1e-12)


def test_linear_regression_minimum_is_least_squares_and_gradient_vanishes_there():
    surface = LinearRegressionMSE()
    slope, intercept = np.polyfit(surface.x, surface.y, 1)
    np.testing.assert_allclose(surface.minima[0], [slope, intercept], rtol=1e-9)
    np.testing.assert_allclose(surface.gradient(surface.minima[0]), [0.0, 0.0], atol=1e-12)


def test_linear_regression_data_is_seeded():
    np.testing.assert_array_equal(LinearRegressionMSE(seed=1).y, LinearRegressionMSE(seed=1).y)
    assert not np.array_equal(LinearRegressionMSE(seed=1).y, LinearRegressionMSE(seed=2).y)


@pytest.mark.parametrize("name", ALL_NAMES)
def test_gradient_is_zero_at_every_minimum(name):
    surface = landscapes.get(name)
    for point in surface.minima:
        np.testing.assert_allclose(surface.gradient(point), [0.0, 0.0], atol=1e-10)


@pytest.mark.parametrize("name", ALL_NAMES)
def test_grid_matches_pointwise_values(name):
    surface = landscapes.get(name)
    W1, W2, L = surface.grid(7)
    assert W1.shape == W2.shape == L.shape == (7, 7)
    (a, b), (c, d) = surface.bounds
    assert W1.min() == a and W1.max() == b and W2.min() == c and W2.max() == d
    assert L[3, 5] == pytest.approx(surface.value([W1[3, 5], W2[3, 5]]), rel=1e-12)


def test_value_and_gradient_accept_a_batch_of_points():
    surface = LinearRegressionMSE()
    points = np.array([[0.0, 1.0], [2.0, -1.0], [1.0, 0.5]])
    np.testing.assert_allclose(surface.value(points), [surface.value(p) for p in points])
    np.testing.assert_allclose(surface.gradient(points), [surface.gradient(p) for p in points])


def test_wrong_shape_names_the_expected_shape():
    with pytest.raises(ValueError, match=r"shape \(2,\)"):
        Bowl().value([1.0, 2.0, 3.0])


def test_get_unknown_name_lists_valid_names():
    with pytest.raises(ValueError, match="bowl"):
        landscapes.get("volcano")


def test_descend_takes_exactly_the_optimizer_steps():
    lr = 0.1
    t = descend("bowl", optimizers.SGD(learning_rate=lr), start=[1.0, -2.0], steps=3)
    expected = [np.array([1.0, -2.0])]
    for _ in range(3):
        expected.append(expected[-1] - lr * 2 * expected[-1])  # w - lr * 2w
    np.testing.assert_allclose(t.path, expected)
    np.testing.assert_allclose(t.losses, [Bowl().value(p) for p in expected])
    assert t.steps == 3 and not t.diverged and t.reason is None


def test_descend_does_not_change_the_start_it_was_given():
    start = np.array([1.0, 1.0])
    descend("bowl", optimizers.SGD(0.1), start=start, steps=5)
    np.testing.assert_array_equal(start, [1.0, 1.0])


@pytest.mark.parametrize("optimizer", [optimizers.SGD(0.1), optimizers.SGD(0.05, momentum=0.9),
                                       optimizers.RMSprop(0.05), optimizers.Adam(0.1)])
def test_every_optimizer_finds_the_least_squares_line(optimizer):
    surface = LinearRegressionMSE()
    t = descend(surface, optimizer, steps=600)
    np.testing.assert_allclose(t.path[-1], surface.minima[0], atol=0.05)
    assert t.losses[-1] < t.losses[0]


def test_momentum_beats_plain_sgd_along_the_ravine():
    plain = descend("ravine", optimizers.SGD(0.1), steps=50)
    momentum = descend("ravine", optimizers.SGD(0.1, momentum=0.9), steps=50)
    assert momentum.losses[-1] < plain.losses[-1]


@pytest.mark.parametrize("name", ALL_NAMES)
@pytest.mark.parametrize("make", [lambda lr: optimizers.SGD(lr), lambda lr: optimizers.SGD(lr, momentum=0.9),
                                  lambda lr: optimizers.RMSprop(lr), lambda lr: optimizers.Adam(lr)])
def test_huge_learning_rates_stop_cleanly_without_warnings(name, make):
    with warnings.catch_warnings():
        warnings.simplefilter("error")
        for lr in (10.0, 1e3, 1e8, 1e200):
            t = descend(name, make(lr), steps=200)
            assert np.all(np.isfinite(t.path)) and np.all(np.isfinite(t.losses))
            assert len(t.path) == len(t.losses) == t.steps + 1


def test_divergence_is_flagged_with_a_reason_and_the_run_stops():
    t = descend("bowl", optimizers.SGD(learning_rate=1.5), steps=100)
    assert t.diverged
    assert "smaller learning rate" in t.reason
    assert t.steps < 100
    assert t.step() is False and t.run(10).steps == t.steps


def test_learning_rate_at_the_edge_oscillates_but_does_not_diverge():
    t = descend("bowl", optimizers.SGD(learning_rate=1.0), start=[1.0, 1.0], steps=10)
    assert not t.diverged
    np.testing.assert_allclose(t.losses, 2.0)  # w -> -w every step


def test_trajectory_grows_step_by_step_like_descend():
    a = Trajectory("saddle", optimizers.Adam(0.05))
    for _ in range(20):
        a.step()
    b = descend("saddle", optimizers.Adam(0.05), steps=20)
    np.testing.assert_array_equal(a.path, b.path)


def test_descend_rejects_a_bad_start_and_a_bad_optimizer():
    with pytest.raises(ValueError, match="shape"):
        descend("bowl", optimizers.SGD(0.1), start=[1.0, 2.0, 3.0])
    with pytest.raises(TypeError, match="optimizer"):
        descend("bowl", "sgd")
    with pytest.raises(ValueError, match="steps"):
        descend("bowl", optimizers.SGD(0.1), steps=-1)
