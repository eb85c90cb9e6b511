import json
import os

import numpy as np
import pytest
from hypothesis import assume, given, settings
from hypothesis import strategies as st

from learnnet import gradcheck, initializers
from learnnet.layers import Conv2D
from learnnet.layers.conv import output_length, same_padding

STRIDES_AND_PADDINGS = [(s, p) for s in (1, 2) for p in ("valid", "same")]


@pytest.fixture(scope="module")
def keras():
    os.environ["KERAS_BACKEND"] = "torch"
    return pytest.importorskip("keras")


def random_conv(filters, kernel_size, strides=1, padding="valid", seed=0, **kwargs):
    """A Conv2D whose bias is not zero, so that the bias gradient is checked on real numbers."""
    return Conv2D(filters, kernel_size, strides, padding, kernel_initializer=initializers.RandomNormal(seed=seed),
                  bias_initializer=initializers.RandomNormal(seed=seed + 1), **kwargs)


def test_conv2d_forward_hand_computed():
    x = np.arange(9.0).reshape(1, 3, 3, 1)      # [[0,1,2],[3,4,5],[6,7,8]]
    layer = Conv2D(1, 2)
    layer.forward(x)
    layer.set_weights([np.array([[1.0, 0.0], [0.0, -1.0]]).reshape(2, 2, 1, 1), np.array([0.5])])
    # each output: top-left minus bottom-right of its 2x2 window, plus 0.5 -> 0 - 4 + 0.5 = -3.5 everywhere
    np.testing.assert_allclose(layer.forward(x)[0, :, :, 0], np.full((2, 2), -3.5))


def test_same_padding_puts_the_odd_pixel_at_the_bottom_and_right_as_tensorflow():
    assert same_padding(5, 3, 1) == (1, 1)
    assert same_padding(5, 2, 1) == (0, 1)
    assert same_padding(4, 3, 2) == (0, 1)   # strides > 1: padding depends on the size, as in TF
    assert same_padding(5, 3, 2) == (1, 1)
    assert same_padding(6, 1, 2) == (0, 0)
    layer = Conv2D(1, 2, padding="same", kernel_initializer="ones")
    y = layer.forward(np.ones((1, 2, 2, 1)))
    np.testing.assert_allclose(y[0, :, :, 0], [[4.0, 2.0], [2.0, 1.0]])  # zeros were added below and right


@pytest.mark.parametrize("size, kernel, stride, padding, expected", [
    (28, 3, 1, "valid", 26), (28, 3, 1, "same", 28), (28, 3, 2, "valid", 13), (28, 3, 2, "same", 14),
    (7, 2, 2, "valid", 3), (7, 2, 2, "same", 4), (5, 5, 1, "valid", 1), (1, 3, 3, "same", 1),
])
def test_output_length_follows_keras_formulas(size, kernel, stride, padding, expected):
    assert output_length(size, kernel, stride, padding) == expected


@pytest.mark.parametrize("strides, padding", STRIDES_AND_PADDINGS)
@pytest.mark.parametrize("height, width, channels, kernel_size", [(5, 5, 1, 3), (6, 4, 3, 3), (5, 6, 2, (2, 3))])
def test_conv2d_backward_matches_numerical_gradient(strides, padding, height, width, channels, kernel_size, rng):
    layer = random_conv(3, kernel_size, strides, padding, activation="tanh")
    report = gradcheck.check_layer(layer, rng.normal(size=(2, height, width, channels)))
    assert report.passed, str(report)
    assert [r["name"] for r in report.rows] == ["input x", "kernel", "bias"]


@settings(max_examples=20, deadline=None)
@given(st.integers(1, 2), st.integers(1, 7), st.integers(1, 7), st.integers(1, 3), st.integers(1, 3),
       st.integers(1, 4), st.integers(1, 4), st.integers(1, 3), st.sampled_from(["valid", "same"]),
       st.booleans(), st.integers(0, 9999))
def test_conv2d_backward_matches_numerical_gradient_for_random_shapes(batch, height, width, channels, filters, kh,
                                                                       kw, stride, padding, use_bias, seed):
    assume(padding == "same" or (kh <= height and kw <= width))
    rng = np.random.default_rng(seed)
    layer = random_conv(filters, (kh, kw), stride, padding, seed=seed, use_bias=use_bias)
    report = gradcheck.check_layer(layer, rng.normal(size=(batch, height, width, channels)), seed=seed + 1)
    assert report.passed, str(report)


@pytest.mark.parametrize("strides, padding", STRIDES_AND_PADDINGS + [((2, 3), "same"), (3, "valid")])
@pytest.mark.parametrize("height, width, kernel_size", [(7, 7, 3), (8, 6, 3), (6, 7, 2), (9, 8, (4, 3))])
def test_conv2d_matches_keras(keras, strides, padding, height, width, kernel_size):
    rng = np.random.default_rng(0)
    x = rng.normal(size=(2, height, width, 3)).astype("float32")
    theirs = keras.layers.Conv2D(4, kernel_size, strides=strides, padding=padding, activation="relu")
    ours = Conv2D(4, kernel_size, strides=strides, padding=padding, activation="relu")
    theirs(x), ours.forward(x)
    weights = [rng.normal(size=w.shape).astype("float32") for w in ours.get_weights()]
    theirs.set_weights(weights)
    ours.set_weights(weights)
    np.testing.assert_allclose(ours.forward(x), keras.ops.convert_to_numpy(theirs(x)), rtol=1e-5, atol=1e-5)
    for shape in [(None, height, width, 3), (None, None, width, 3)]:
        assert ours.compute_output_shape(shape) == tuple(theirs.compute_output_shape(shape))
    assert [w.shape for w in ours.get_weights()] == [tuple(w.shape) for w in theirs.get_weights()]
    assert ours.count_params() == theirs.count_params()


@pytest.mark.parametrize("strides, padding", STRIDES_AND_PADDINGS + [(3, "same")])
@pytest.mark.parametrize("height, width, kernel_size", [(7, 6, 3), (6, 6, 2), (5, 8, (2, 3))])
def test_conv2d_gradients_match_pytorch_autograd(strides, padding, height, width, kernel_size):
    torch = pytest.importorskip("torch")
    rng = np.random.default_rng(1)
    layer = random_conv(4, kernel_size, strides, padding, activation="sigmoid", dtype="float64")
    x = rng.normal(size=(2, height, width, 3))
    y = layer.forward(x)
    dy = rng.normal(size=y.shape)
    dx = layer.backward(dy)
    kh, kw = layer.kernel_size
    tx = torch.tensor(x.transpose(0, 3, 1, 2), requires_grad=True)           # torch is channels-first
    tk = torch.tensor(layer.kernel.transpose(3, 2, 0, 1).copy(), requires_grad=True)  # (out, in, kh, kw)
    tb = torch.tensor(layer.bias, requires_grad=True)
    if padding == "same":
        (top, bottom), (left, right) = same_padding(height, kh, layer.strides[0]), same_padding(width, kw, layer.strides[1])
        tx_in = torch.nn.functional.pad(tx, (left, right, top, bottom))
    else:
        tx_in = tx
    ty = torch.sigmoid(torch.nn.functional.conv2d(tx_in, tk, tb, stride=layer.strides))
    ty.backward(torch.tensor(dy.transpose(0, 3, 1, 2)))
    np.testing.assert_allclose(y, ty.detach().numpy().transpose(0, 2, 3, 1), rtol=1e-10)
    np.testing.assert_allclose(dx, tx.grad.numpy().transpose(0, 2, 3, 1), rtol=1e-9, atol=1e-12)
    np.testing.assert_allclose(layer.grads["kernel"], tk.grad.numpy().transpose(2, 3, 1, 0), rtol=1e-9)
    np.testing.assert_allclose(layer.grads["bias"], tb.grad.numpy(), rtol=1e-9)


def test_kernel_is_kh_kw_in_out_and_float32_by_default():
    layer = Conv2D(8, (3, 2))
    y = layer.forward(np.zeros((1, 5, 5, 3)))
    assert layer.kernel.shape == (3, 2, 3, 8) and layer.bias.shape == (8,)
    assert y.dtype == np.float32 and y.shape == (1, 3, 4, 8)
    assert Conv2D(2, 3, dtype="float64").forward(np.zeros((1, 4, 4, 1))).dtype == np.float64


def test_a_built_conv2d_accepts_other_image_sizes_as_keras_does():
    layer = Conv2D(2, 3, padding="same")
    layer.forward(np.zeros((1, 8, 8, 1)))
    assert layer.forward(np.zeros((3, 5, 7, 1))).shape == (3, 5, 7, 2)


@pytest.mark.parametrize("bad, pattern", [
    (np.zeros((2, 28, 28)), r"Conv2D 'conv2d' expects 4-D input \(batch, height, width, channels\), "
                            r"received shape \(2, 28, 28\).*x\[\.\.\., None\]"),
    (np.zeros((2, 784)), r"expects 4-D input.*x\.reshape\(-1, height, width, channels\)"),
    (np.zeros((2, 28, 28, 3)), r"expects input with 1 channels \(its kernel is \(3, 3, 1, 4\)\), "
                               r"received shape \(2, 28, 28, 3\) with 3 channels"),
    (np.zeros((2, 1, 28, 28)), r"channels-first.*x\.transpose\(0, 2, 3, 1\)"),
    (np.zeros((2, 2, 2, 1)), r"a 3x3 kernel does not fit in a 2x2 input with padding='valid'"),
    (np.full((2, 28, 28, 1), np.nan), "NaN"),
])
def test_bad_input_gets_a_clear_error_and_leaves_the_layer_unchanged(bad, pattern):
    layer = Conv2D(4, 3)
    layer.forward(np.ones((2, 28, 28, 1)))
    before, cache = layer.get_weights(), layer.cache
    with pytest.raises(ValueError, match=pattern):
        layer.forward(bad)
    for a, b in zip(before, layer.get_weights()):
        np.testing.assert_array_equal(a, b)
    assert layer.cache is cache


def test_wrong_rank_on_the_first_call_creates_no_weights():
    layer = Conv2D(4, 3)
    with pytest.raises(ValueError, match="x\\[\\.\\.\\., None\\]"):
        layer.forward(np.zeros((2, 28, 28)))
    assert not layer.built and layer.weights == []


def test_kernel_larger_than_the_input_fails_at_build_time():
    layer = Conv2D(4, 5)
    with pytest.raises(ValueError, match=r"5x5 kernel does not fit in a 3x3 input.*padding='same'"):
        layer.build((None, 3, 3, 1))
    assert not layer.built and layer.weights == []
    assert Conv2D(4, 5, padding="same").forward(np.zeros((1, 3, 3, 1))).shape == (1, 3, 3, 4)


@pytest.mark.parametrize("kwargs, name", [
    ({"filters": 0}, "filters"), ({"filters": -1}, "filters"), ({"filters": 2.5}, "filters"),
    ({"filters": "8"}, "filters"), ({"filters": True}, "filters"),
    ({"kernel_size": 0}, "kernel_size"), ({"kernel_size": (3,)}, "kernel_size"), ({"kernel_size": (3, 0)}, "kernel_size"),
    ({"strides": 0}, "strides"), ({"strides": (1, 2, 3)}, "strides"), ({"padding": "full"}, "padding"),
])
def test_invalid_arguments_are_rejected_in_keras_words(kwargs, name):
    args = {"filters": 4, "kernel_size": 3, **kwargs}
    value = repr(kwargs[name]).replace("(", r"\(").replace(")", r"\)").replace(".", r"\.")
    with pytest.raises(ValueError, match=rf"Received an invalid value for `{name}`, expected .*Received: {name}={value}"):
        Conv2D(**args)


def test_filters_error_is_exactly_keras_wording():
    with pytest.raises(ValueError, match=r"Received an invalid value for `filters`, expected a positive integer\. "
                                         r"Received: filters=0"):
        Conv2D(0, 3)


def test_conv2d_config_is_json_and_rebuilds_the_same_layer():
    layer = Conv2D(6, (3, 2), strides=2, padding="same", activation="relu", use_bias=False, name="features")
    config = json.loads(json.dumps(layer.get_config()))
    twin = Conv2D.from_config(config)
    assert (twin.filters, twin.kernel_size, twin.strides, twin.padding, twin.activation.name, twin.use_bias,
            twin.name) == (6, (3, 2), (2, 2), "same", "relu", False, "features")
