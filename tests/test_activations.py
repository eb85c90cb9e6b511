import math

import numpy as np
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from learnnet import activations, gradcheck

ELEMENTWISE = ["linear", "sigmoid", "tanh", "relu", "leaky_relu", "elu", "softplus", "gelu"]
ALL = ELEMENTWISE + ["softmax"]


def test_every_activation_is_reachable_by_name_and_module_attribute():
    for name in ALL:
        assert activations.get(name) is getattr(activations, name)
        assert activations.get(name.upper()) is getattr(activations, name)
    assert activations.get(None) is activations.linear


def test_unknown_activation_name_lists_the_valid_names():
    with pytest.raises(ValueError) as err:
        activations.get("rectifier")
    msg = str(err.value)
    assert "rectifier" in msg
    for name in ALL:
        assert name in msg


def test_plain_function_is_refused_with_a_hint_about_derivatives():
    with pytest.raises(TypeError, match="derivative"):
        activations.get(lambda x: x)


def test_hand_computed_values():
    x = np.array([-2.0, 0.0, 3.0])
    np.testing.assert_allclose(activations.sigmoid(x), [1 / (1 + math.e ** 2), 0.5, 1 / (1 + math.e ** -3)])
    np.testing.assert_allclose(activations.relu(x), [0, 0, 3])
    np.testing.assert_allclose(activations.leaky_relu(x), [-0.4, 0, 3])  # Keras's default slope 0.2
    np.testing.assert_allclose(activations.elu(x), [math.exp(-2) - 1, 0, 3])
    np.testing.assert_allclose(activations.softplus(x), [math.log1p(math.exp(-2)), math.log(2), math.log1p(math.exp(3))])
    np.testing.assert_allclose(activations.gelu(x), [v * 0.5 * (1 + math.erf(v / math.sqrt(2))) for v in x])
    np.testing.assert_allclose(activations.tanh(x), np.tanh(x))
    e = np.exp([1.0, 2.0, 3.0])
    np.testing.assert_allclose(activations.softmax(np.array([[1.0, 2.0, 3.0]])), [e / e.sum()])


def test_hand_computed_derivatives():
    x = np.array([-2.0, 0.5, 3.0])
    s = 1 / (1 + np.exp(-x))
    np.testing.assert_allclose(activations.sigmoid.derivative(x), s * (1 - s))
    np.testing.assert_allclose(activations.tanh.derivative(x), 1 - np.tanh(x) ** 2)
    np.testing.assert_allclose(activations.relu.derivative(x), [0, 1, 1])
    np.testing.assert_allclose(activations.leaky_relu.derivative(x), [0.2, 1, 1])
    np.testing.assert_allclose(activations.softplus.derivative(x), s)


def test_softmax_has_no_elementwise_derivative_but_a_backward():
    with pytest.raises(TypeError, match="backward"):
        activations.softmax.derivative(np.zeros(3))
    s = activations.softmax(np.array([[0.2, -1.0, 0.5]]))
    jacobian = np.diag(s[0]) - np.outer(s[0], s[0])
    g = np.array([[0.3, -0.7, 1.1]])
    np.testing.assert_allclose(activations.softmax.backward(np.array([[0.2, -1.0, 0.5]]), g), g @ jacobian)


@pytest.mark.parametrize("name", ALL)
def test_backward_matches_numerical_gradient(name):
    report = gradcheck.check_activation(name)
    assert report.passed, str(report)
    assert report.max_rel_error < 1e-6


@settings(max_examples=25, deadline=None)
@given(st.integers(1, 6), st.integers(1, 7), st.integers(0, 10_000))
def test_backward_matches_numerical_gradient_for_random_shapes(rows, cols, seed):
    rng = np.random.default_rng(seed)
    x = rng.uniform(0.05, 4, size=(rows, cols)) * rng.choice([-1, 1], size=(rows, cols))  # away from kinks at 0
    for name in ALL:
        report = gradcheck.check_activation(name, x, seed=seed)
        assert report.passed, str(report)


@pytest.mark.parametrize("name", ALL)
@pytest.mark.parametrize("dtype", [np.float32, np.float64])
def test_stable_at_extreme_inputs(name, dtype):
    x = np.array([[-1e4, -50.0, 0.0, 50.0, 1e4]], dtype=dtype)
    y = activations.get(name)(x)
    dx = activations.get(name).backward(x, np.ones_like(x))
    assert np.all(np.isfinite(y)) and np.all(np.isfinite(dx))
    assert y.dtype == dtype


def test_limits_at_extreme_inputs():
    x = np.array([-1e4, 1e4])
    np.testing.assert_allclose(activations.sigmoid(x), [0, 1])
    np.testing.assert_allclose(activations.softplus(x), [0, 1e4])
    np.testing.assert_allclose(activations.elu(x), [-1, 1e4])
    np.testing.assert_allclose(activations.softmax(np.array([[1e4, 0, -1e4]])), [[1, 0, 0]])


def test_activation_rejects_strings_with_a_clear_error():
    with pytest.raises(TypeError, match="numbers"):
        activations.relu(["a", "b"])


def test_against_pytorch():
    torch = pytest.importorskip("torch")
    rng = np.random.default_rng(0)
    x = rng.normal(0, 3, size=(6, 5))
    g = rng.normal(size=(6, 5))
    refs = {
        "sigmoid": torch.sigmoid, "tanh": torch.tanh, "relu": torch.relu,
        "leaky_relu": lambda t: torch.nn.functional.leaky_relu(t, 0.2),
        "elu": torch.nn.functional.elu, "softplus": torch.nn.functional.softplus,
        "gelu": torch.nn.functional.gelu, "softmax": lambda t: torch.softmax(t, dim=-1),
    }
    for name, fn in refs.items():
        t = torch.tensor(x, requires_grad=True)
        out = fn(t)
        out.backward(torch.tensor(g))
        np.testing.assert_allclose(activations.get(name)(x), out.detach().numpy(), rtol=1e-6, atol=1e-6, err_msg=name)
        np.testing.assert_allclose(activations.get(name).backward(x, g), t.grad.numpy(), rtol=1e-6, atol=1e-6, err_msg=name)


def test_stacked_linear_layers_collapse_to_one_linear_map(rng):
    # Without a non-linearity, two layers equal one: (x W1 + b1) W2 + b2 = x (W1 W2) + (b1 W2 + b2).
    x, w1, b1, w2, b2 = rng.normal(size=(4, 3)), rng.normal(size=(3, 5)), rng.normal(size=5), rng.normal(size=(5, 2)), rng.normal(size=2)
    lin = activations.linear
    two = lin(lin(x @ w1 + b1) @ w2 + b2)
    np.testing.assert_allclose(two, x @ (w1 @ w2) + (b1 @ w2 + b2))
    assert not np.allclose(activations.relu(x @ w1 + b1) @ w2 + b2, two)
