import numpy as np
import pytest

from learnnet.layers import Dense
from learnnet.layers.collapse import collapse_linear


def _stack(activation, seed=0, widths=(2, 4, 3, 1)):
    rng = np.random.default_rng(seed)
    layers = []
    for n_in, n_out in zip(widths[:-1], widths[1:]):
        layer = Dense(n_out, activation=activation, dtype="float64")
        layer.build((None, n_in))
        layer.set_weights([rng.normal(size=(n_in, n_out)), rng.normal(size=n_out)])
        layers.append(layer)
    return layers


def _run(layers, x):
    for layer in layers:
        x = layer.forward(x)
    return x


def test_collapse_linear_equals_the_stack_it_replaces(rng):
    layers = _stack("linear")
    x = rng.normal(size=(7, 2))
    single = collapse_linear(layers)
    assert single.kernel.shape == (2, 1) and single.bias.shape == (1,)
    np.testing.assert_allclose(single.forward(x), _run(layers, x), rtol=1e-12, atol=1e-12)


def test_collapse_linear_of_two_layers_is_the_product_formula():
    first, second = _stack("linear", widths=(2, 3, 2))
    single = collapse_linear([first, second])
    np.testing.assert_allclose(single.kernel, first.kernel @ second.kernel)
    np.testing.assert_allclose(single.bias, first.bias @ second.kernel + second.bias)


def test_collapse_linear_refuses_a_nonlinear_stack_and_names_the_layer():
    layers = _stack("relu")
    with pytest.raises(ValueError, match="activation 'relu'"):
        collapse_linear(layers)


def test_collapse_linear_can_ignore_activations_and_then_differs_from_the_real_stack(rng):
    layers = _stack("relu", seed=3)
    x = rng.normal(size=(50, 2)) * 3
    single = collapse_linear(layers, ignore_activations=True)
    linear_twin = _stack("linear", seed=3)
    np.testing.assert_allclose(single.forward(x), _run(linear_twin, x), rtol=1e-12, atol=1e-12)
    assert np.max(np.abs(single.forward(x) - _run(layers, x))) > 0.1


def test_collapse_linear_needs_built_dense_layers():
    with pytest.raises(ValueError, match="built Dense"):
        collapse_linear([Dense(2)])
    with pytest.raises(ValueError, match="empty"):
        collapse_linear([])
