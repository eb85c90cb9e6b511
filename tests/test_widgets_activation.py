"""ActivationExplorer and LinearStackExplorer show the engine's activations and layers, nothing else."""
import matplotlib

matplotlib.use("Agg")

import numpy as np
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from learnnet import activations
from learnnet.layers import Dense
from learnnet.widgets import ActivationExplorer, LinearStackExplorer
from learnnet.widgets.activation import ELEMENTWISE


@pytest.fixture
def explorer():
    w = ActivationExplorer()
    yield w
    w.close()


def test_activation_explorer_constructs_with_no_arguments(explorer):
    assert set(explorer.controls) == {"activation", "x"}
    assert explorer.value == pytest.approx(float(activations.sigmoid.forward(np.array(2.0))))
    assert explorer.slope == pytest.approx(float(activations.sigmoid.derivative(np.array(2.0))))


@pytest.mark.parametrize("name", ELEMENTWISE)
@pytest.mark.parametrize("x", [-4.0, -0.5, 0.0, 1.5, 6.0])
def test_value_and_slope_are_the_engines_f_and_f_prime(explorer, name, x):
    explorer.set(activation=name, x=x)
    f = activations.get(name)
    assert explorer.value == pytest.approx(float(f.forward(np.array(x))))
    assert explorer.slope == pytest.approx(float(f.derivative(np.array(x))))
    assert f"f'(x) = {name}'(x) = {explorer.slope:.4f}" in explorer.readout()


def test_tangent_touches_the_curve_with_slope_f_prime(explorer):
    explorer.set(activation="tanh", x=0.7)
    (x0, x1), (y0, y1) = explorer.tangent
    assert (y1 - y0) / (x1 - x0) == pytest.approx(explorer.slope)
    assert np.interp(0.7, [x0, x1], [y0, y1]) == pytest.approx(explorer.value)
    assert np.allclose(explorer.tangent_line.get_xydata(), np.column_stack(explorer.tangent))


def test_curves_drawn_are_the_engines_f_and_f_prime(explorer):
    explorer.controls["activation"].value = "elu"
    xs = explorer.f_line.get_xdata()
    np.testing.assert_allclose(explorer.f_line.get_ydata(), activations.elu.forward(xs))
    np.testing.assert_allclose(explorer.df_line.get_ydata(), activations.elu.derivative(xs))


def test_saturation_bars_show_every_activations_slope_at_x(explorer):
    explorer.set(activation="sigmoid", x=5.0)
    heights = {name: bar.get_height() for name, bar in zip(ELEMENTWISE, explorer.bars)}
    for name in ELEMENTWISE:
        assert heights[name] == pytest.approx(float(activations.get(name).derivative(np.array(5.0))))
    assert heights["sigmoid"] < 0.01 and heights["tanh"] < 0.001 and heights["relu"] == 1.0
    assert "saturated here (|f'(x)| < 0.05): sigmoid, tanh" in explorer.readout()


@settings(max_examples=12, deadline=None)
@given(st.lists(st.one_of(st.tuples(st.just("x"), st.floats(-6, 6)),
                          st.tuples(st.just("activation"), st.sampled_from(ELEMENTWISE))), max_size=10))
def test_activation_explorer_survives_any_sequence_of_changes(changes):
    w = _shared.setdefault("activation", ActivationExplorer())
    for name, value in changes:
        w.controls[name].value = value
        f = activations.get(w.controls["activation"].value)
        assert w.slope == pytest.approx(float(f.derivative(np.array(w.controls["x"].value))))


_shared = {}


# --------------------------------------------------------------------------- LinearStackExplorer
@pytest.fixture
def stack():
    w = LinearStackExplorer()
    yield w
    w.close()


def _run(layers, x):
    for layer in layers:
        x = layer.forward(x)
    return x


def test_linear_stack_is_exactly_one_dense_layer(stack):
    assert stack.controls["activation"].value == "linear"
    assert stack.max_difference < 1e-12
    assert "-> the stack IS one linear layer" in stack.readout()


def test_stack_output_is_the_engine_layers_forward_and_single_layer_is_their_product(stack):
    stack.set(depth=4, seed=3)
    assert len(stack.layers) == 4 and all(isinstance(layer, Dense) for layer in stack.layers)
    np.testing.assert_allclose(stack.stack_output, _run(stack.layers, stack.xs)[:, 0])
    product = stack.layers[0].kernel
    for layer in stack.layers[1:]:
        product = product @ layer.kernel
    assert stack.single_kernel == pytest.approx(float(product[0, 0]))


@pytest.mark.parametrize("activation", ["relu", "tanh", "sigmoid"])
def test_an_activation_between_layers_breaks_the_collapse(stack, activation):
    stack.controls["activation"].value = activation
    assert stack.max_difference > 0.05
    assert "no single linear layer matches" in stack.readout()


def test_one_layer_has_nothing_to_collapse(stack):
    stack.set(depth=1, activation="relu")  # a single (output) layer is linear whatever the setting
    assert stack.max_difference < 1e-12


@settings(max_examples=10, deadline=None)
@given(st.lists(st.one_of(st.tuples(st.just("depth"), st.integers(1, 6)),
                          st.tuples(st.just("seed"), st.integers(0, 20)),
                          st.tuples(st.just("activation"), st.sampled_from(["linear", "relu", "tanh", "sigmoid"]))),
                max_size=8))
def test_linear_stack_survives_any_sequence_of_changes(changes):
    w = _shared.setdefault("stack", LinearStackExplorer())
    for name, value in changes:
        w.controls[name].value = value
        assert np.all(np.isfinite(w.stack_output))
        if w.controls["activation"].value == "linear":
            assert w.max_difference < 1e-9


def assert_blitted_picture_is_a_full_redraw(w):
    """What the learner sees after blitting equals the figure drawn from scratch: no stale artist."""
    blitted = np.asarray(w.fig.canvas.buffer_rgba()).copy()
    w.fig.canvas.draw()
    assert np.array_equal(blitted, np.asarray(w.fig.canvas.buffer_rgba())), "a changed artist was not redrawn"


ACTIVATION_CHANGES = st.lists(st.one_of(st.tuples(st.just("x"), st.floats(-6, 6, allow_nan=False)),
                                        st.tuples(st.just("activation"), st.sampled_from(ELEMENTWISE))),
                              min_size=1, max_size=5)
STACK_CHANGES = st.lists(st.one_of(st.tuples(st.just("depth"), st.integers(1, 6)),
                                   st.tuples(st.just("seed"), st.integers(0, 20)),
                                   st.tuples(st.just("activation"),
                                             st.sampled_from(["linear", "relu", "tanh", "sigmoid"]))),
                         min_size=1, max_size=5)


def apply_and_check_activation(changes):
    w = _shared.setdefault("checked", ActivationExplorer(interactive=False))
    for name, value in changes:
        w.controls[name].value = value
        f = activations.get(w.controls["activation"].value)
        x = np.array(w.controls["x"].value)
        assert w.value == pytest.approx(float(f.forward(x))) and w.slope == pytest.approx(float(f.derivative(x)))
        assert w.slopes == {n: pytest.approx(float(activations.get(n).derivative(x))) for n in ELEMENTWISE}
        assert tuple(w.f_point.get_xydata()[0]) == pytest.approx((w.x, w.value))
        assert tuple(w.df_point.get_xydata()[0]) == pytest.approx((w.x, w.slope))
        (x0, x1), (y0, y1) = w.tangent
        assert (y1 - y0) == pytest.approx(w.slope * (x1 - x0))
        np.testing.assert_allclose(w.f_line.get_ydata(), f.forward(w._xs))
    return w


def apply_and_check_stack(changes):
    w = _shared.setdefault("checked_stack", LinearStackExplorer(interactive=False))
    for name, value in changes:
        w.controls[name].value = value
        assert len(w.layers) == w.controls["depth"].value
        np.testing.assert_allclose(w.stack_output, _run(w.layers, w.xs)[:, 0])
        product = w.layers[0].kernel
        for layer in w.layers[1:]:
            product = product @ layer.kernel
        assert w.single_kernel == pytest.approx(float(product[0, 0]))
        if w.controls["activation"].value == "linear" or w.controls["depth"].value == 1:
            assert w.max_difference < 1e-9 and "IS one linear layer" in w.readout()
    return w


@settings(max_examples=25, deadline=None)
@given(ACTIVATION_CHANGES)
def test_activation_explorer_shows_the_engines_numbers_after_any_changes(changes):
    apply_and_check_activation(changes)


@settings(max_examples=6, deadline=None)  # each example ends with a full redraw, which is slow
@given(ACTIVATION_CHANGES)
def test_activation_explorer_leaves_no_stale_pixels(changes):
    assert_blitted_picture_is_a_full_redraw(apply_and_check_activation(changes))


@settings(max_examples=25, deadline=None)
@given(STACK_CHANGES)
def test_linear_stack_shows_the_engines_layers_after_any_changes(changes):
    apply_and_check_stack(changes)


@settings(max_examples=6, deadline=None)
@given(STACK_CHANGES)
def test_linear_stack_leaves_no_stale_pixels(changes):
    assert_blitted_picture_is_a_full_redraw(apply_and_check_stack(changes))
