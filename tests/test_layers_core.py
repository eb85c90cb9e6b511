import numpy as np
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from learnnet import gradcheck, initializers
from learnnet.layers import Activation, Dense

ACTIVATIONS = ["linear", "sigmoid", "tanh", "relu", "leaky_relu", "elu", "softplus", "gelu", "softmax"]


def test_dense_forward_is_x_times_kernel_plus_bias_then_activation():
    layer = Dense(2, activation="relu")
    x = np.array([[1.0, 2.0, 3.0]])
    layer.forward(x)  # builds
    layer.set_weights([np.array([[1.0, -1.0], [0.5, 0.0], [-1.0, 2.0]]), np.array([0.5, -0.5])])
    # z = [1 + 1 - 3 + 0.5, -1 + 0 + 6 - 0.5] = [-0.5, 4.5]; relu -> [0, 4.5]
    np.testing.assert_allclose(layer.forward(x), [[0.0, 4.5]])


def test_dense_backward_hand_computed():
    layer = Dense(1, activation=None)
    x = np.array([[1.0, 2.0], [3.0, 4.0]])
    layer.forward(x)
    layer.set_weights([np.array([[0.5], [-1.0]]), np.array([0.25])])
    layer.forward(x)
    dy = np.array([[1.0], [2.0]])
    dx = layer.backward(dy)
    np.testing.assert_allclose(layer.grads["kernel"], x.T @ dy)       # [[7], [10]]
    np.testing.assert_allclose(layer.grads["bias"], [3.0])
    np.testing.assert_allclose(dx, [[0.5, -1.0], [1.0, -2.0]])
    kernel_grad, bias_grad = layer.get_gradients()
    np.testing.assert_allclose(kernel_grad, [[7.0], [10.0]])


def test_weights_follow_keras_order_and_shapes():
    layer = Dense(4, input_dim=3)
    layer.forward(np.zeros((2, 3)))
    kernel, bias = layer.get_weights()
    assert kernel.shape == (3, 4) and bias.shape == (4,)
    assert layer.count_params() == 16
    assert Dense(4, use_bias=False)(np.zeros((1, 3))).shape == (1, 4)


def test_get_weights_returns_copies_and_set_weights_writes_in_place():
    layer = Dense(2)
    layer.forward(np.zeros((1, 3)))
    kernel_object = layer.kernel
    weights = layer.get_weights()
    weights[0][...] = 7.0
    assert not np.any(layer.kernel == 7.0)
    layer.set_weights(weights)
    assert layer.kernel is kernel_object and np.all(layer.kernel == 7.0)


def test_set_weights_with_wrong_shapes_changes_nothing():
    layer = Dense(2)
    layer.forward(np.zeros((1, 3)))
    before = layer.get_weights()
    with pytest.raises(ValueError, match=r"kernel.*\(3, 2\).*\(2, 3\)"):
        layer.set_weights([np.zeros((2, 3)), np.zeros(2)])
    with pytest.raises(ValueError, match="expects 2 weight arrays"):
        layer.set_weights([np.zeros((3, 2))])
    for a, b in zip(before, layer.get_weights()):
        np.testing.assert_array_equal(a, b)


@pytest.mark.parametrize("activation", ACTIVATIONS)
def test_dense_backward_matches_numerical_gradient(activation, rng):
    layer = Dense(3, activation=activation, kernel_initializer=initializers.GlorotUniform(seed=1))
    x = rng.normal(size=(5, 4))
    report = gradcheck.check_layer(layer, x)
    assert report.passed, str(report)
    assert [r["name"] for r in report.rows] == ["input x", "kernel", "bias"]


@settings(max_examples=20, deadline=None)
@given(st.integers(1, 5), st.integers(1, 6), st.integers(1, 6), st.sampled_from(ACTIVATIONS), st.integers(0, 9999))
def test_dense_backward_matches_numerical_gradient_for_random_shapes(batch, n_in, units, activation, seed):
    rng = np.random.default_rng(seed)
    layer = Dense(units, activation=activation, kernel_initializer=initializers.RandomNormal(stddev=1.0, seed=seed),
                  bias_initializer=initializers.RandomNormal(stddev=1.0, seed=seed + 1))
    x = rng.normal(size=(batch, n_in))
    report = gradcheck.check_layer(layer, x, seed=seed)
    assert report.passed, str(report)


def test_stack_of_dense_layers_backprop_matches_numerical_gradient(rng):
    layers = [Dense(5, "tanh"), Dense(4, "relu"), Dense(3, "softmax")]
    report = gradcheck.check_layers(layers, rng.normal(size=(6, 2)))
    assert report.passed, str(report)
    assert len(report.rows) == 1 + 2 * 3


def test_dense_matches_pytorch_linear():
    torch = pytest.importorskip("torch")
    rng = np.random.default_rng(3)
    x, dy = rng.normal(size=(4, 3)), rng.normal(size=(4, 2))
    layer = Dense(2, activation="tanh", dtype="float64")
    layer.forward(x)
    kernel, bias = rng.normal(size=(3, 2)), rng.normal(size=2)
    layer.set_weights([kernel, bias])
    y = layer.forward(x)
    dx = layer.backward(dy)
    tx = torch.tensor(x, requires_grad=True)
    tw = torch.tensor(kernel.T.copy(), requires_grad=True)  # torch stores (out, in)
    tb = torch.tensor(bias, requires_grad=True)
    ty = torch.tanh(torch.nn.functional.linear(tx, tw, tb))
    ty.backward(torch.tensor(dy))
    np.testing.assert_allclose(y, ty.detach().numpy(), rtol=1e-12)
    np.testing.assert_allclose(dx, tx.grad.numpy(), rtol=1e-12)
    np.testing.assert_allclose(layer.grads["kernel"], tw.grad.numpy().T, rtol=1e-12)
    np.testing.assert_allclose(layer.grads["bias"], tb.grad.numpy(), rtol=1e-12)


def test_float32_by_default_and_float64_on_request():
    x = np.ones((2, 3))  # float64 input is cast to the layer's dtype, as Keras does
    assert Dense(2).forward(x).dtype == np.float32
    layer = Dense(2, dtype="float64")
    assert layer.forward(x).dtype == np.float64 and layer.kernel.dtype == np.float64


def test_keras_style_automatic_names():
    assert [Dense(1).name, Dense(1).name, Activation("relu").name] == ["dense", "dense_1", "activation"]


@pytest.mark.parametrize(
    "bad, error, pattern",
    [
        (np.ones((2, 5)), ValueError, r"Dense 'dense' expects 4 input features, received shape \(2, 5\)"),
        (np.ones(4), ValueError, r"batch.*received shape \(4,\).*x\[None\]"),
        ([["a", "b", "c", "d"]], TypeError, "numbers"),
        (np.array([[1.0, np.nan, 0.0, 0.0]]), ValueError, "NaN"),
        (np.array([[1.0, np.inf, 0.0, 0.0]]), ValueError, "infinity"),
    ],
)
def test_bad_input_gets_a_clear_error_and_leaves_the_layer_unchanged(bad, error, pattern):
    layer = Dense(3, input_dim=4)
    good = np.ones((2, 4))
    layer.forward(good)
    before, cache = layer.get_weights(), layer.cache
    with pytest.raises(error, match=pattern):
        layer.forward(bad)
    for a, b in zip(before, layer.get_weights()):
        np.testing.assert_array_equal(a, b)
    assert layer.cache is cache


def test_input_dim_is_enforced_on_first_call():
    with pytest.raises(ValueError, match="expects 4 input features"):
        Dense(3, input_dim=4).forward(np.ones((2, 5)))


@pytest.mark.parametrize("units", [0, -3, 2.5, "8", True])
def test_invalid_units_are_rejected_in_keras_words(units):
    with pytest.raises(ValueError, match=r"Received an invalid value for `units`, expected a positive integer"):
        Dense(units)


def test_unknown_activation_in_dense_lists_valid_names():
    with pytest.raises(ValueError, match="Valid names"):
        Dense(3, activation="rleu")


def test_activation_layer_backward_matches_numerical_gradient(rng):
    for name in ACTIVATIONS:
        report = gradcheck.check_layer(Activation(name), rng.uniform(0.1, 2, (3, 4)) * rng.choice([-1, 1], (3, 4)))
        assert report.passed, str(report)


def test_dense_config_round_trip_rebuilds_the_same_layer():
    layer = Dense(7, activation="elu", use_bias=False, name="hidden")
    twin = Dense.from_config(layer.get_config())
    assert (twin.units, twin.activation.name, twin.use_bias, twin.name) == (7, "elu", False, "hidden")
