"""Sequential: a stack of layers, built as soon as its input shape is known."""
import time

import numpy as np
import pytest

from learnnet import datasets, optimizers, utils
from learnnet.layers import Dense, Dropout, Input
from learnnet.layers.input_layer import SymbolicTensor
from learnnet.models import Model, Sequential


def mlp():
    model = Sequential()
    model.add(Dense(64, input_dim=100, activation="relu"))
    model.add(Dense(32, activation="relu"))
    model.add(Dense(10, activation="softmax"))
    return model


def test_input_dim_on_the_first_layer_builds_the_model_at_once():
    model = mlp()
    assert model.built and isinstance(model, Model)
    assert isinstance(model.input, SymbolicTensor) and model.input.shape == (None, 100)
    assert model.output.shape == (None, 10)
    assert model.inputs == [model.input] and model.outputs == [model.output]
    assert [layer.name for layer in model.layers] == ["dense", "dense_1", "dense_2"]
    assert [w.shape for w in model.get_weights()] == [(100, 64), (64,), (64, 32), (32,), (32, 10), (10,)]
    assert model.count_params() == 8874


def test_an_input_first_works_like_input_dim():
    model = Sequential([Input(shape=(100,)), Dense(64, activation="relu"), Dense(10, activation="softmax")])
    assert model.built and model.input.shape == (None, 100)
    assert [layer.name for layer in model.layers] == ["dense", "dense_1"]   # no InputLayer, as in Keras


def test_without_an_input_shape_the_model_builds_on_the_first_batch():
    model = Sequential([Dense(4, activation="relu"), Dense(2)])
    assert not model.built
    with pytest.raises(ValueError, match="not been built"):
        model.output
    out = model.predict(np.ones((3, 5)), verbose=0)
    assert out.shape == (3, 2) and model.built and model.input.shape == (None, 5)
    assert model.layers[0].kernel.shape == (5, 4)


def test_forward_is_the_layers_one_after_the_other():
    model = mlp()
    x = np.random.default_rng(0).normal(size=(7, 100)).astype(np.float32)
    expected = x
    for layer in model.layers:
        expected = layer.forward(expected)
    np.testing.assert_allclose(model.predict(x, verbose=0), expected, rtol=1e-6)
    np.testing.assert_allclose(model(x), expected, rtol=1e-6)


def test_backward_is_the_layers_in_reverse():
    model = Sequential([Dense(3, input_dim=4, activation="tanh"), Dense(2)])
    x = np.random.default_rng(1).normal(size=(5, 4))
    model.forward(x)
    dy = np.ones((5, 2))
    dx = model.backward(dy)
    first, second = model.layers
    expected = first.backward(second.backward(dy))
    np.testing.assert_allclose(dx, expected)


def test_adding_a_layer_of_the_wrong_shape_fails_and_leaves_the_model_unchanged():
    model = mlp()
    model.add(Dense(5))
    weights = model.get_weights()
    wrong = Dense(3)
    wrong.forward(np.zeros((1, 7)))        # built for 7 inputs, but the model's last layer gives 5
    with pytest.raises(ValueError, match=r"Dense 'dense_4' expects 7 input features"):
        model.add(wrong)
    assert len(model.layers) == 4 and model.output.shape == (None, 5)
    for a, b in zip(weights, model.get_weights()):
        np.testing.assert_array_equal(a, b)


def test_add_takes_only_layers():
    with pytest.raises(TypeError, match="takes a layer"):
        Sequential().add("dense")
    with pytest.raises(TypeError, match="list"):
        Sequential(Dense(3))


def test_pop_removes_the_last_layer():
    model = mlp()
    layer = model.pop()
    assert layer.name == "dense_2" and model.output.shape == (None, 32) and len(model.layers) == 2


def test_xor_is_learned_to_100_percent_quickly():
    utils.set_random_seed(0)
    x = np.array([[0, 0], [0, 1], [1, 0], [1, 1]], dtype=np.float32)
    y = np.array([[0], [1], [1], [0]], dtype=np.float32)
    model = Sequential([Dense(8, input_dim=2, activation="tanh"), Dense(1, activation="sigmoid")])
    model.compile(optimizer=optimizers.Adam(learning_rate=0.05), loss="binary_crossentropy", metrics=["accuracy"])
    start = time.perf_counter()
    history = model.fit(x, y, epochs=300, verbose=0)
    seconds = time.perf_counter() - start
    assert history.history["accuracy"][-1] == 1.0
    np.testing.assert_array_equal(model.predict(x, verbose=0) > 0.5, y > 0.5)
    assert seconds < 3.0, f"XOR took {seconds:.2f} s"   # ~0.3 s here; generous for loaded machines


def test_three_class_spiral_is_learned_to_95_percent_quickly():
    x, y = datasets.make_spiral(n_samples=300, n_classes=3, seed=0)
    utils.set_random_seed(0)
    model = Sequential([Dense(64, input_dim=2, activation="relu"), Dense(3, activation="softmax")])
    model.compile(optimizer=optimizers.Adam(learning_rate=0.02), loss="sparse_categorical_crossentropy",
                  metrics=["accuracy"])
    start = time.perf_counter()
    model.fit(x, y, epochs=30, batch_size=32, verbose=0)   # 98.7 %
    seconds = time.perf_counter() - start
    loss, accuracy = model.evaluate(x, y, verbose=0)
    assert accuracy >= 0.95
    assert seconds < 5.0, f"spiral took {seconds:.2f} s"


def test_get_config_and_from_config_rebuild_the_same_architecture():
    model = mlp()
    model.add(Dropout(0.5))
    clone = Sequential.from_config(model.get_config())
    assert [type(layer).__name__ for layer in clone.layers] == ["Dense", "Dense", "Dense", "Dropout"]
    assert clone.input.shape == (None, 100) and clone.count_params() == model.count_params()
    clone.set_weights(model.get_weights())
    x = np.random.default_rng(2).normal(size=(3, 100))
    np.testing.assert_array_equal(clone.predict(x, verbose=0), model.predict(x, verbose=0))


def test_the_same_layer_twice_shares_its_weights_and_sums_their_gradients():
    from learnnet import gradcheck
    layer = Dense(4, activation="tanh")
    model = Sequential([Input((4,)), layer, layer])
    assert model.count_params() == 20 and len(model.layers) == 2
    report = gradcheck.gradcheck(model, np.random.default_rng(3).normal(size=(3, 4)))
    assert report.passed, report
