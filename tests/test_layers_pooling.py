import json
import os

import numpy as np
import pytest
from hypothesis import assume, given, settings
from hypothesis import strategies as st

from learnnet import gradcheck
from learnnet.layers import AveragePooling2D, GlobalAveragePooling2D, MaxPooling2D
from learnnet.layers.conv import output_length, same_padding

POOLINGS = [MaxPooling2D, AveragePooling2D]
# (pool_size, strides, padding)
SETTINGS = [(2, None, "valid"), (2, None, "same"), (3, 1, "valid"), (3, 1, "same"), (3, 2, "valid"),
            (3, 2, "same"), ((2, 3), (1, 2), "same"), (2, 1, "same")]


@pytest.fixture(scope="module")
def keras():
    os.environ["KERAS_BACKEND"] = "torch"
    return pytest.importorskip("keras")


def distinct_values(shape, rng):
    """Random values with no ties, so max pooling has one clear arg-max (finite differences need that)."""
    return (rng.permutation(int(np.prod(shape))).reshape(shape) + rng.uniform(0.1, 0.5, shape)) / 10


def reference_pool(x, pool_size, strides, padding, reduce):
    """Pooling the slow, obvious way: loop over output pixels; 'same' windows use only the real cells."""
    (ph, pw), (sh, sw) = pool_size, strides
    n, h, w, c = x.shape
    out_h, out_w = output_length(h, ph, sh, padding), output_length(w, pw, sw, padding)
    top = same_padding(h, ph, sh)[0] if padding == "same" else 0
    left = same_padding(w, pw, sw)[0] if padding == "same" else 0
    y = np.zeros((n, out_h, out_w, c))
    for i in range(out_h):
        for j in range(out_w):
            r0, c0 = i * sh - top, j * sw - left
            window = x[:, max(r0, 0):r0 + ph, max(c0, 0):c0 + pw, :]
            y[:, i, j, :] = reduce(window, axis=(1, 2))
    return y


def test_max_and_average_pooling_hand_computed():
    x = np.array([[1.0, 2.0, 5.0, 6.0],
                  [3.0, 4.0, 8.0, 7.0],
                  [0.0, 0.0, -1.0, -2.0],
                  [0.0, 9.0, -3.0, -4.0]]).reshape(1, 4, 4, 1)
    np.testing.assert_allclose(MaxPooling2D().forward(x)[0, :, :, 0], [[4.0, 8.0], [9.0, -1.0]])
    np.testing.assert_allclose(AveragePooling2D().forward(x)[0, :, :, 0], [[2.5, 6.5], [2.25, -2.5]])


def test_max_pool_backward_routes_the_gradient_to_the_arg_max():
    x = np.array([[1.0, 2.0], [4.0, 3.0]]).reshape(1, 2, 2, 1)
    layer = MaxPooling2D()
    layer.forward(x)
    np.testing.assert_allclose(layer.backward(np.array([[[[5.0]]]]))[0, :, :, 0], [[0.0, 0.0], [5.0, 0.0]])


def test_max_pool_ties_go_to_the_first_max_in_reading_order_as_in_pytorch():
    torch = pytest.importorskip("torch")
    x = np.array([[0.0, 7.0, 1.0, 1.0],
                  [7.0, 7.0, 1.0, 1.0]]).reshape(1, 2, 4, 1)
    layer = MaxPooling2D()
    layer.forward(x)
    dx = layer.backward(np.ones((1, 1, 2, 1)))
    np.testing.assert_allclose(dx[0, :, :, 0], [[0.0, 1.0, 1.0, 0.0], [0.0, 0.0, 0.0, 0.0]])
    tx = torch.tensor(x.transpose(0, 3, 1, 2), requires_grad=True)
    torch.nn.functional.max_pool2d(tx, 2).sum().backward()
    np.testing.assert_allclose(dx, tx.grad.numpy().transpose(0, 2, 3, 1))


def test_overlapping_windows_add_their_gradients():
    x = np.array([[0.0, 0.0, 0.0], [0.0, 9.0, 0.0], [0.0, 0.0, 0.0]]).reshape(1, 3, 3, 1)
    layer = MaxPooling2D(2, strides=1)          # the centre is the max of all 4 windows
    layer.forward(x)
    np.testing.assert_allclose(layer.backward(np.ones((1, 2, 2, 1)))[0, 1, 1, 0], 4.0)


def test_same_average_pooling_divides_by_the_real_cells_only():
    x = np.arange(16.0).reshape(1, 4, 4, 1)
    y = AveragePooling2D(3, strides=2, padding="same").forward(x)[0, :, :, 0]
    # padding (0, 1) on each axis: the last window holds rows/cols 2..3 only -> a 2x2 mean
    np.testing.assert_allclose(y, [[5.0, 6.5], [11.0, 12.5]])


@pytest.mark.parametrize("pool_size, strides, padding", SETTINGS)
@pytest.mark.parametrize("cls", POOLINGS)
def test_pooling_matches_the_obvious_loop(cls, pool_size, strides, padding, rng):
    x = rng.normal(size=(2, 7, 6, 3))
    layer = cls(pool_size, strides, padding, dtype="float64")
    reduce = np.max if cls is MaxPooling2D else np.mean
    expected = reference_pool(x, layer.pool_size, layer.strides, padding, reduce)
    np.testing.assert_allclose(layer.forward(x), expected, rtol=1e-12)


@pytest.mark.parametrize("pool_size, strides, padding", SETTINGS)
@pytest.mark.parametrize("cls", POOLINGS)
def test_pooling_backward_matches_numerical_gradient(cls, pool_size, strides, padding, rng):
    report = gradcheck.check_layer(cls(pool_size, strides, padding), distinct_values((1, 5, 6, 2), rng))
    assert report.passed, str(report)


@settings(max_examples=20, deadline=None)
@given(st.sampled_from(POOLINGS), st.integers(1, 2), st.integers(1, 7), st.integers(1, 7), st.integers(1, 2),
       st.integers(1, 3), st.integers(1, 3), st.integers(1, 3), st.sampled_from(["valid", "same"]),
       st.integers(0, 9999))
def test_pooling_backward_matches_numerical_gradient_for_random_shapes(cls, batch, height, width, channels, ph, pw,
                                                                        stride, padding, seed):
    assume(padding == "same" or (ph <= height and pw <= width))
    x = distinct_values((batch, height, width, channels), np.random.default_rng(seed))
    report = gradcheck.check_layer(cls((ph, pw), stride, padding), x, seed=seed + 1)
    assert report.passed, str(report)


@pytest.mark.parametrize("keepdims", [False, True])
def test_global_average_pooling_is_the_mean_of_each_channel_and_its_gradient_is_shared(keepdims, rng):
    x = rng.normal(size=(3, 4, 5, 2))
    layer = GlobalAveragePooling2D(keepdims=keepdims, dtype="float64")
    y = layer.forward(x)
    np.testing.assert_allclose(y.reshape(3, 2), x.mean(axis=(1, 2)), rtol=1e-12)
    assert y.shape == ((3, 1, 1, 2) if keepdims else (3, 2))
    assert layer.compute_output_shape((None, 4, 5, 2)) == (None,) + y.shape[1:]
    report = gradcheck.check_layer(GlobalAveragePooling2D(keepdims=keepdims), x)
    assert report.passed, str(report)


@pytest.mark.parametrize("pool_size, strides, padding", SETTINGS)
@pytest.mark.parametrize("cls", POOLINGS)
def test_pooling_gradients_match_pytorch_autograd(cls, pool_size, strides, padding, rng):
    torch = pytest.importorskip("torch")
    F = torch.nn.functional
    x = distinct_values((2, 7, 6, 3), rng)
    layer = cls(pool_size, strides, padding, dtype="float64")
    y = layer.forward(x)
    dy = rng.normal(size=y.shape)
    dx = layer.backward(dy)
    (ph, pw), (sh, sw) = layer.pool_size, layer.strides
    pads = (0, 0, 0, 0)
    if padding == "same":
        (top, bottom), (left, right) = same_padding(7, ph, sh), same_padding(6, pw, sw)
        pads = (left, right, top, bottom)
    tx = torch.tensor(x.transpose(0, 3, 1, 2), requires_grad=True)
    if cls is MaxPooling2D:
        ty = F.max_pool2d(F.pad(tx, pads, value=-np.inf), (ph, pw), (sh, sw))
    else:  # sum of the zero-padded window / number of real cells
        counts = F.avg_pool2d(F.pad(torch.ones_like(tx), pads), (ph, pw), (sh, sw))
        ty = F.avg_pool2d(F.pad(tx, pads), (ph, pw), (sh, sw)) / counts
    ty.backward(torch.tensor(dy.transpose(0, 3, 1, 2)))
    np.testing.assert_allclose(y, ty.detach().numpy().transpose(0, 2, 3, 1), rtol=1e-12)
    np.testing.assert_allclose(dx, tx.grad.numpy().transpose(0, 2, 3, 1), rtol=1e-12, atol=1e-15)


def _even_same_padding(size, pool, stride):
    before, after = same_padding(size, pool, stride)
    return before == after


@pytest.mark.parametrize("pool_size, strides, padding", SETTINGS)
@pytest.mark.parametrize("cls", POOLINGS)
def test_pooling_matches_keras(keras, cls, pool_size, strides, padding, rng):
    x = rng.normal(size=(2, 7, 6, 3)).astype("float32")
    ours = cls(pool_size, strides, padding)
    theirs = getattr(keras.layers, cls.__name__)(pool_size, strides, padding)
    for shape in [(None, 7, 6, 3), (None, None, 6, 3)]:
        assert ours.compute_output_shape(shape) == tuple(theirs.compute_output_shape(shape))
    (ph, pw), (sh, sw) = ours.pool_size, ours.strides
    if cls is AveragePooling2D and padding == "same" and not (
            _even_same_padding(7, ph, sh) and _even_same_padding(6, pw, sw)):
        pytest.skip("Keras 3.15's torch backend counts replicated edge cells in uneven 'same' average pooling "
                    "(keras-team/keras#18452); learnnet follows TensorFlow/JAX, see test_pooling_matches_the_obvious_loop")
    np.testing.assert_allclose(ours.forward(x), keras.ops.convert_to_numpy(theirs(x)), rtol=1e-5, atol=1e-6)


def test_global_average_pooling_matches_keras(keras, rng):
    x = rng.normal(size=(2, 5, 4, 3)).astype("float32")
    for keepdims in (False, True):
        theirs = keras.layers.GlobalAveragePooling2D(keepdims=keepdims)
        ours = GlobalAveragePooling2D(keepdims=keepdims)
        np.testing.assert_allclose(ours.forward(x), keras.ops.convert_to_numpy(theirs(x)), rtol=1e-5, atol=1e-6)
        assert ours.compute_output_shape((None, 5, 4, 3)) == tuple(theirs.compute_output_shape((None, 5, 4, 3)))


def test_pooling_keeps_float32_and_float64():
    x = np.ones((1, 4, 4, 2))
    assert MaxPooling2D().forward(x).dtype == np.float32
    assert AveragePooling2D(dtype="float64").forward(x).dtype == np.float64
    assert GlobalAveragePooling2D().forward(x).dtype == np.float32


def test_pooling_accepts_any_channels_and_sizes_after_the_first_call():
    layer = MaxPooling2D()
    layer.forward(np.zeros((1, 4, 4, 3)))
    assert layer.forward(np.zeros((2, 6, 8, 5))).shape == (2, 3, 4, 5)


@pytest.mark.parametrize("cls", POOLINGS + [GlobalAveragePooling2D])
@pytest.mark.parametrize("bad, pattern", [
    (np.zeros((2, 28, 28)), r"expects 4-D input \(batch, height, width, channels\), received shape \(2, 28, 28\)"
                            r".*x\[\.\.\., None\]"),
    (np.zeros((2, 5, 5, 1, 1)), r"expects 4-D input"),
    ([["a"]], "numbers"),
])
def test_bad_input_gets_a_clear_error_and_leaves_the_cache_unchanged(cls, bad, pattern):
    layer = cls()
    layer.forward(np.ones((1, 4, 4, 1)))
    cache = layer.cache
    with pytest.raises((ValueError, TypeError), match=pattern):
        layer.forward(bad)
    assert layer.cache is cache


@pytest.mark.parametrize("cls", POOLINGS)
def test_pool_larger_than_the_input_fails_at_build_time(cls):
    layer = cls(5)
    with pytest.raises(ValueError, match=r"a 5x5 pool does not fit in a 3x3 input with padding='valid'"):
        layer.build((None, 3, 3, 1))
    assert not layer.built
    with pytest.raises(ValueError, match="does not fit"):
        layer.forward(np.zeros((1, 3, 3, 1)))
    assert cls(5, padding="same").forward(np.zeros((1, 3, 3, 1))).shape == (1, 1, 1, 1)


@pytest.mark.parametrize("cls", POOLINGS)
@pytest.mark.parametrize("kwargs, name", [({"pool_size": 0}, "pool_size"), ({"pool_size": (2, 2, 2)}, "pool_size"),
                                          ({"strides": -1}, "strides"), ({"padding": "causal"}, "padding")])
def test_invalid_arguments_are_rejected_in_keras_words(cls, kwargs, name):
    with pytest.raises(ValueError, match=rf"Received an invalid value for `{name}`, expected .*Received: {name}="):
        cls(**kwargs)


@pytest.mark.parametrize("cls", POOLINGS)
def test_pooling_config_is_json_and_rebuilds_the_same_layer(cls):
    layer = cls((3, 2), strides=1, padding="same", name="pool")
    twin = cls.from_config(json.loads(json.dumps(layer.get_config())))
    assert (twin.pool_size, twin.strides, twin.padding, twin.name) == ((3, 2), (1, 1), "same", "pool")
    assert cls().strides == (2, 2)  # strides default to pool_size
    twin = GlobalAveragePooling2D.from_config(GlobalAveragePooling2D(keepdims=True).get_config())
    assert twin.keepdims
