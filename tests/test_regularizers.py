"""Regularizers: Keras's penalties and their exact gradients, and fit/evaluate adding them as Keras does."""
import numpy as np
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st
from hypothesis.extra import numpy as hnp

from learnnet import regularizers
from learnnet.layers import Dense, Input
from learnnet.models import Sequential, load_model

W = np.array([[0.5, -2.0], [0.0, 3.0]])


@pytest.mark.parametrize("reg, penalty, gradient", [
    (regularizers.L1(0.1), 0.1 * 5.5, 0.1 * np.sign(W)),
    (regularizers.L2(0.1), 0.1 * (0.25 + 4 + 9), 0.2 * W),
    (regularizers.L1L2(l1=0.1, l2=0.01), 0.1 * 5.5 + 0.01 * 13.25, 0.1 * np.sign(W) + 0.02 * W),
])
def test_penalty_and_gradient_match_the_formulas(reg, penalty, gradient):
    assert reg(W) == pytest.approx(penalty)
    np.testing.assert_allclose(reg.gradient(W), gradient)


def test_l1_gradient_is_zero_at_zero_as_in_tensorflow():
    assert regularizers.L1(1.0).gradient(np.zeros(3)).tolist() == [0.0, 0.0, 0.0]


@settings(max_examples=40, deadline=None)
@given(hnp.arrays(np.float64, hnp.array_shapes(min_dims=1, max_dims=3, max_side=4),
                  elements=st.floats(-3, 3).filter(lambda v: abs(v) > 1e-3)),
       st.floats(0, 1), st.floats(0, 1))
def test_gradient_matches_central_differences(w, a, b):
    reg = regularizers.L1L2(l1=a, l2=b)
    eps = 1e-6
    numeric = np.zeros_like(w)
    for i in np.ndindex(w.shape):
        step = np.zeros_like(w)
        step[i] = eps
        numeric[i] = (reg(w + step) - reg(w - step)) / (2 * eps)
    np.testing.assert_allclose(reg.gradient(w), numeric, rtol=1e-5, atol=1e-6)


def test_gradient_keeps_the_weights_dtype():
    w = np.ones((2, 2), dtype=np.float32)
    for reg in (regularizers.L1(), regularizers.L2(), regularizers.L1L2(0.1, 0.1)):
        assert reg.gradient(w).dtype == np.float32


def test_keras_names_defaults_and_get():
    assert regularizers.l1 is regularizers.L1 and regularizers.l2 is regularizers.L2
    assert regularizers.l1_l2 is regularizers.L1L2
    assert regularizers.get("l2").get_config() == {"l2": 0.01}
    assert regularizers.get("L1").get_config() == {"l1": 0.01}
    assert regularizers.get("l1_l2").get_config() == {"l1": 0.01, "l2": 0.01}
    assert regularizers.L1L2().get_config() == {"l1": 0.0, "l2": 0.0}
    assert regularizers.get(None) is None
    reg = regularizers.L2(0.3)
    assert regularizers.get(reg) is reg


@pytest.mark.parametrize("bad", [-0.1, float("nan"), float("inf"), "0.1", True])
def test_negative_or_non_numeric_factors_are_rejected_with_keras_message(bad):
    with pytest.raises(ValueError, match="expected a non-negative float"):
        regularizers.L2(bad)


def test_plain_function_is_refused_because_its_gradient_is_unknown():
    with pytest.raises(TypeError, match="gradient"):
        regularizers.get(lambda w: 0.01 * np.sum(w ** 2))
    with pytest.raises(ValueError, match="Valid names"):
        regularizers.get("l3")


def test_serialize_round_trip():
    for reg in (regularizers.L1(0.2), regularizers.L2(0.003), regularizers.L1L2(0.1, 0.2)):
        config = regularizers.serialize(reg)
        assert config["class_name"] == type(reg).__name__
        again = regularizers.deserialize(config)
        assert type(again) is type(reg) and again.get_config() == reg.get_config()
    assert regularizers.serialize(None) is None and regularizers.deserialize(None) is None


def test_dense_accepts_and_serializes_regularizers():
    layer = Dense(3, kernel_regularizer="l2", bias_regularizer=regularizers.L1(0.5))
    config = layer.get_config()
    assert config["kernel_regularizer"] == {"class_name": "L2", "config": {"l2": 0.01}}
    assert config["bias_regularizer"] == {"class_name": "L1", "config": {"l1": 0.5}}
    again = Dense.from_config(config)
    assert isinstance(again.kernel_regularizer, regularizers.L2)
    assert again.bias_regularizer.l1 == 0.5
    assert Dense(2).get_config()["kernel_regularizer"] is None


def _model(kernel_regularizer=None, bias_regularizer=None, seed=0):
    model = Sequential([Input(shape=(3,)),
                        Dense(4, activation="tanh", kernel_regularizer=kernel_regularizer,
                              bias_regularizer=bias_regularizer, kernel_initializer="glorot_uniform", dtype="float64"),
                        Dense(1, dtype="float64")])
    rng = np.random.default_rng(seed)
    model.set_weights([rng.normal(size=w.shape) for w in model.get_weights()])
    model.compile(optimizer="sgd", loss="mse")
    return model


def _data():
    rng = np.random.default_rng(1)
    return rng.normal(size=(8, 3)), rng.normal(size=(8, 1))


def test_train_step_adds_penalty_to_loss_and_its_gradient_to_dl_dw():
    x, y = _data()
    reg = regularizers.L1L2(l1=0.01, l2=0.1)
    plain, penalised = _model(), _model(kernel_regularizer=reg)
    kernel_before = penalised.layers[0].kernel.copy()
    plain_loss = plain.train_on_batch(x, y)
    loss = penalised.train_on_batch(x, y)
    assert loss == pytest.approx(plain_loss + reg(kernel_before))
    # the same data gradient, plus dR/dW, times the learning rate (SGD, 0.01)
    step_plain = kernel_before - plain.layers[0].kernel
    step_penalised = kernel_before - penalised.layers[0].kernel
    np.testing.assert_allclose(step_penalised - step_plain, 0.01 * reg.gradient(kernel_before), atol=1e-12)
    # the layer without a regularizer moves exactly as without one
    np.testing.assert_allclose(plain.layers[1].kernel, penalised.layers[1].kernel, atol=1e-12)


def test_total_gradient_matches_numerical_gradient_of_loss_plus_penalty():
    x, y = _data()
    reg = regularizers.L2(0.05)
    model = _model(kernel_regularizer=reg, bias_regularizer=regularizers.L2(0.2))
    layer = model.layers[0]

    def total_loss():
        return model.test_on_batch(x, y)

    w0 = layer.kernel.copy()
    numeric = np.zeros_like(w0)
    for i in np.ndindex(w0.shape):
        for sign in (1, -1):
            layer.kernel[...] = w0
            layer.kernel[i] += sign * 1e-6
            numeric[i] += sign * total_loss() / 2e-6
    layer.kernel[...] = w0
    model.compile(optimizer="sgd", loss="mse")           # a fresh optimizer, learning rate 0.01
    model.train_on_batch(x, y)
    analytic = (w0 - layer.kernel) / 0.01
    np.testing.assert_allclose(analytic, numeric, rtol=1e-5, atol=1e-7)


def test_evaluate_and_fit_history_include_the_penalty_as_keras():
    x, y = _data()
    reg = regularizers.L2(0.1)
    model = _model(kernel_regularizer=reg)
    plain = _model()
    expected = plain.evaluate(x, y, verbose=0) + reg(model.layers[0].kernel)
    assert model.evaluate(x, y, verbose=0) == pytest.approx(expected)
    history = model.fit(x, y, epochs=1, batch_size=8, shuffle=False, verbose=0)
    assert history.history["loss"][0] == pytest.approx(expected)


def test_frozen_layer_penalty_is_not_counted():
    x, y = _data()
    model = _model(kernel_regularizer=regularizers.L2(0.1))
    plain = _model()
    model.layers[0].trainable = False
    model.compile(optimizer="sgd", loss="mse")
    plain.layers[0].trainable = False
    plain.compile(optimizer="sgd", loss="mse")
    assert model.train_on_batch(x, y) == pytest.approx(plain.train_on_batch(x, y))


def test_regularizers_survive_save_and_load(tmp_path):
    model = _model(kernel_regularizer=regularizers.L1(0.02))
    model.save(tmp_path / "m.keras")
    again = load_model(tmp_path / "m.keras")
    assert isinstance(again.layers[0].kernel_regularizer, regularizers.L1)
    assert again.layers[0].kernel_regularizer.l1 == 0.02
