import json
import os

import numpy as np
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from learnnet import gradcheck, utils
from learnnet.layers import Add, Concatenate, Dropout, Flatten, Reshape


@pytest.fixture(scope="module")
def keras():
    os.environ["KERAS_BACKEND"] = "torch"
    return pytest.importorskip("keras")


# ------------------------------------------------------------------ Flatten, Reshape

def test_flatten_keeps_numpy_order_and_backward_restores_the_shape(rng):
    x = rng.normal(size=(2, 3, 4, 5))
    layer = Flatten(dtype="float64")
    y = layer.forward(x)
    np.testing.assert_array_equal(y, x.reshape(2, 60))
    np.testing.assert_array_equal(layer.backward(y), x)


@pytest.mark.parametrize("target_shape, expected", [((6, 2), (6, 2)), ((-1, 3), (4, 3)), ((2, -1, 2), (2, 3, 2)),
                                                    ((12,), (12,))])
def test_reshape_gives_each_sample_the_target_shape(target_shape, expected, rng):
    x = rng.normal(size=(5, 3, 4))
    layer = Reshape(target_shape)
    y = layer.forward(x)
    assert y.shape == (5,) + expected
    np.testing.assert_array_equal(layer.backward(y), x.astype("float32"))
    assert layer.compute_output_shape((None, 3, 4)) == (None,) + expected


@pytest.mark.parametrize("layer, shape", [(Flatten(), (3, 2, 3, 2)), (Reshape((-1, 2)), (3, 4, 3)),
                                          (Reshape((2, 3, 1)), (2, 6))])
def test_reshaping_backward_matches_numerical_gradient(layer, shape, rng):
    report = gradcheck.check_layer(layer, rng.normal(size=shape))
    assert report.passed, str(report)


@settings(max_examples=20, deadline=None)
@given(st.lists(st.integers(1, 4), min_size=1, max_size=4), st.integers(1, 3), st.integers(0, 9999))
def test_flatten_then_reshape_back_is_the_identity_for_random_shapes(sample_shape, batch, seed):
    x = np.random.default_rng(seed).normal(size=(batch, *sample_shape))
    flat = Flatten(dtype="float64").forward(x)
    np.testing.assert_array_equal(Reshape(tuple(sample_shape), dtype="float64").forward(flat), x)
    report = gradcheck.check_layers([Flatten(), Reshape((-1, sample_shape[-1]))], x, seed=seed + 1)
    assert report.passed, str(report)


def test_reshaping_output_shapes_match_keras(keras):
    for ours, theirs, shape in [(Flatten(), keras.layers.Flatten(), (None, 3, 4, 2)),
                                (Reshape((-1, 2)), keras.layers.Reshape((-1, 2)), (None, 3, 4)),
                                (Reshape((-1, 2)), keras.layers.Reshape((-1, 2)), (None, None, 4)),
                                (Reshape((4, 3)), keras.layers.Reshape((4, 3)), (None, 12))]:
        assert ours.compute_output_shape(shape) == tuple(theirs.compute_output_shape(shape))
    x = np.arange(24, dtype="float32").reshape(2, 3, 4)
    np.testing.assert_array_equal(Flatten().forward(x), keras.ops.convert_to_numpy(keras.layers.Flatten()(x)))


def test_reshape_with_a_size_that_cannot_fit_explains_why_and_stays_unbuilt():
    layer = Reshape((5,))
    with pytest.raises(ValueError, match=r"Reshape 'reshape' cannot give samples of shape \(3, 3\) \(9 numbers each\) "
                                         r"the shape \(5,\) \(5 numbers\)"):
        layer.forward(np.ones((2, 3, 3)))
    assert not layer.built
    with pytest.raises(ValueError, match=r"a multiple of 2 numbers"):
        Reshape((-1, 2)).forward(np.ones((2, 3, 3)))


def test_built_flatten_and_reshape_reject_another_sample_shape_and_keep_their_cache():
    for layer in (Flatten(), Reshape((-1,))):
        layer.forward(np.ones((2, 3, 4)))
        cache = layer.cache
        with pytest.raises(ValueError, match=r"was built for samples of shape \(3, 4\), received shape \(2, 4, 3\)"):
            layer.forward(np.ones((2, 4, 3)))
        assert layer.cache is cache


@pytest.mark.parametrize("target_shape", [(0, 2), (-2, 3), (2.5,), "12", (-1, -1), None])
def test_invalid_target_shape_is_rejected_in_keras_words(target_shape):
    with pytest.raises(ValueError, match=r"`target_shape`"):
        Reshape(target_shape)


def test_reshape_config_is_json_and_rebuilds_the_same_layer():
    twin = Reshape.from_config(json.loads(json.dumps(Reshape((-1, 3), name="r").get_config())))
    assert (twin.target_shape, twin.name) == ((-1, 3), "r")
    assert Flatten.from_config(Flatten(name="f").get_config()).name == "f"


# --------------------------------------------------------------------------- Dropout

def test_dropout_is_the_identity_at_inference_and_with_rate_zero(rng):
    x = rng.normal(size=(4, 5)).astype("float32")
    np.testing.assert_array_equal(Dropout(0.5).forward(x), x)
    layer = Dropout(0.0)
    np.testing.assert_array_equal(layer.forward(x, training=True), x)
    np.testing.assert_array_equal(layer.backward(x), x)


def test_dropout_in_training_drops_the_expected_fraction_and_scales_the_rest():
    x = np.ones((200, 500))
    y = Dropout(0.3, seed=1).forward(x, training=True)
    dropped = np.mean(y == 0)
    assert abs(dropped - 0.3) < 0.01                          # 100 000 draws: std of the fraction ~0.0015
    np.testing.assert_allclose(y[y != 0], 1 / 0.7, rtol=1e-6)  # inverted dropout: survivors scaled by 1/(1-rate)
    assert abs(y.mean() - 1.0) < 0.02                          # so the expected value is unchanged


def test_same_seed_gives_the_same_masks_and_calls_draw_new_ones():
    x = np.ones((3, 8))
    a, b = Dropout(0.5, seed=7), Dropout(0.5, seed=7)
    first, second = a.forward(x, training=True), a.forward(x, training=True)
    np.testing.assert_array_equal(first, b.forward(x, training=True))
    np.testing.assert_array_equal(second, b.forward(x, training=True))
    assert not np.array_equal(first, second)


def test_set_random_seed_makes_unseeded_dropout_repeat():
    x = np.ones((4, 10))
    utils.set_random_seed(3)
    first = Dropout(0.5).forward(x, training=True)
    utils.set_random_seed(3)
    np.testing.assert_array_equal(Dropout(0.5).forward(x, training=True), first)


def test_dropout_backward_uses_the_forward_mask(rng):
    x, dy = rng.normal(size=(6, 7)), rng.normal(size=(6, 7))
    layer = Dropout(0.4, seed=0, dtype="float64")
    y = layer.forward(x, training=True)
    dx = layer.backward(dy)
    kept = y != 0
    np.testing.assert_allclose(dx[kept], dy[kept] / 0.6)
    np.testing.assert_array_equal(dx[~kept], 0.0)
    np.testing.assert_allclose(dx, dy * (y / x))  # the same mask and scale as the forward pass


def test_dropout_backward_matches_numerical_gradient_at_inference(rng):
    report = gradcheck.check_layer(Dropout(0.5), rng.normal(size=(3, 4)))
    assert report.passed, str(report)


def test_noise_shape_drops_whole_channels():
    x = np.ones((2, 3, 3, 4))
    y = Dropout(0.5, noise_shape=(None, 1, 1, 4), seed=2).forward(x, training=True)
    for n in range(2):
        for c in range(4):
            assert len(np.unique(y[n, :, :, c])) == 1   # each channel of each image is all kept or all dropped
    with pytest.raises(ValueError, match=r"noise_shape=\(None, 2, 1, 4\).*does not broadcast"):
        Dropout(0.5, noise_shape=(None, 2, 1, 4)).forward(x, training=True)


def test_rate_one_drops_everything_as_keras():
    assert not Dropout(1.0).forward(np.ones((2, 3)), training=True).any()


@pytest.mark.parametrize("kwargs, name", [({"rate": -0.1}, "rate"), ({"rate": 1.5}, "rate"), ({"rate": "half"}, "rate"),
                                          ({"rate": 0.5, "noise_shape": (None, 0)}, "noise_shape"),
                                          ({"rate": 0.5, "noise_shape": "channels"}, "noise_shape")])
def test_invalid_dropout_arguments_are_rejected_in_keras_words(kwargs, name):
    with pytest.raises(ValueError, match=rf"Received an invalid value for `{name}`, expected .*Received: {name}="):
        Dropout(**kwargs)


def test_dropout_config_is_json_and_rebuilds_the_same_layer():
    layer = Dropout(0.25, noise_shape=(None, 1), seed=5, name="drop")
    twin = Dropout.from_config(json.loads(json.dumps(layer.get_config())))
    assert (twin.rate, twin.noise_shape, twin.seed, twin.name) == (0.25, (None, 1), 5, "drop")


# ------------------------------------------------------------------ Add, Concatenate

def test_add_sums_its_inputs_and_gives_each_the_upstream_gradient(rng):
    a, b, c = (rng.normal(size=(2, 3)) for _ in range(3))
    layer = Add(dtype="float64")
    np.testing.assert_allclose(layer.forward([a, b, c]), a + b + c)
    dy = rng.normal(size=(2, 3))
    grads = layer.backward(dy)
    assert len(grads) == 3
    for g in grads:
        np.testing.assert_array_equal(g, dy)
    grads[0] += 1.0                      # each input gets its own copy
    np.testing.assert_array_equal(grads[1], dy)


def test_add_broadcasts_size_one_axes_and_sums_their_gradient(rng):
    a, b = rng.normal(size=(2, 3)), rng.normal(size=(2, 1))
    layer = Add(dtype="float64")
    np.testing.assert_allclose(layer.forward([a, b]), a + b)
    grads = layer.backward(np.ones((2, 3)))
    assert grads[1].shape == (2, 1)
    np.testing.assert_allclose(grads[1], [[3.0], [3.0]])
    assert layer.compute_output_shape([(None, 3), (None, 1)]) == (None, 3)


def test_concatenate_joins_along_the_axis_and_splits_the_gradient_back(rng):
    a, b = rng.normal(size=(2, 3, 2)), rng.normal(size=(2, 3, 4))
    layer = Concatenate(dtype="float64")
    y = layer.forward([a, b])
    np.testing.assert_array_equal(y, np.concatenate([a, b], axis=-1))
    da, db = layer.backward(y)
    np.testing.assert_array_equal(da, a)
    np.testing.assert_array_equal(db, b)
    assert Concatenate(axis=1).forward([a, a]).shape == (2, 6, 2)


@pytest.mark.parametrize("layer, shapes", [
    (Add(), [(2, 3), (2, 3)]), (Add(), [(2, 3, 4), (2, 1, 4), (2, 3, 1)]),
    (Concatenate(), [(2, 3), (2, 5)]), (Concatenate(axis=1), [(2, 1, 3), (2, 4, 3), (2, 2, 3)]),
    (Concatenate(axis=-2), [(3, 2, 2), (3, 1, 2)]),
])
def test_merge_backward_matches_numerical_gradient(layer, shapes, rng):
    report = gradcheck.check_merge(layer, [rng.normal(size=s) for s in shapes])
    assert report.passed, str(report)
    assert [r["name"] for r in report.rows] == [f"input {i}" for i in range(len(shapes))]


@settings(max_examples=20, deadline=None)
@given(st.integers(1, 3), st.lists(st.integers(1, 4), min_size=1, max_size=3), st.lists(st.integers(1, 4), min_size=1,
       max_size=4), st.integers(0, 9999))
def test_concatenate_backward_matches_numerical_gradient_for_random_shapes(batch, sample_shape, sizes, seed):
    rng = np.random.default_rng(seed)
    axis = int(rng.integers(1, len(sample_shape) + 1))
    inputs = []
    for size in sizes:
        shape = [batch, *sample_shape]
        shape[axis] = size
        inputs.append(rng.normal(size=shape))
    report = gradcheck.check_merge(Concatenate(axis=axis), inputs, seed=seed + 1)
    assert report.passed, str(report)


def test_merge_layers_match_keras(keras, rng):
    a, b = rng.normal(size=(2, 3, 4)).astype("float32"), rng.normal(size=(2, 3, 4)).astype("float32")
    c = rng.normal(size=(2, 3, 1)).astype("float32")
    for ours, theirs, inputs in [(Add(), keras.layers.Add(), [a, b]), (Add(), keras.layers.Add(), [a, c]),
                                 (Concatenate(), keras.layers.Concatenate(), [a, c]),
                                 (Concatenate(axis=1), keras.layers.Concatenate(axis=1), [a, b])]:
        np.testing.assert_allclose(ours.forward(inputs), keras.ops.convert_to_numpy(theirs(inputs)), rtol=1e-6)
        shapes = [(None,) + x.shape[1:] for x in inputs]
        assert ours.compute_output_shape(shapes) == tuple(theirs.compute_output_shape(shapes))


TWO = [np.ones((2, 3)), np.ones((2, 3))]


@pytest.mark.parametrize("make, good, bad, pattern", [
    (Add, TWO, np.ones((2, 3)), r"Add 'add' merges a list of arrays, e\.g\. Add\(\)\(\[a, b\]\); received array of shape"),
    (Add, TWO, [], r"needs at least 1 input"),
    (Add, TWO, [np.ones((2, 3)), np.ones((2, 4))], r"adds arrays of the same shape.*received shapes \[\(2, 3\), \(2, 4\)\]"),
    (Add, TWO, [np.ones((2, 3)), np.ones((3, 3))], r"batches of the same size.*\[\(2, 3\), \(3, 3\)\]"),
    (Add, TWO, [np.ones((2, 3)), np.ones((2, 3, 1))], r"adds arrays of the same shape"),
    (Concatenate, TWO, [np.ones((2, 3, 1)), np.ones((2, 4, 1))],
     r"Concatenate 'concatenate' joins arrays along axis -1, so they need .* the same sizes on every other axis; "
     r"received shapes \[\(2, 3, 1\), \(2, 4, 1\)\]"),
    (lambda: Concatenate(axis=2), [np.ones((2, 3, 1))] * 2, TWO, r"along axis 2.*same number of axes"),
    (Concatenate, TWO, [np.ones((2, 3)), [["a", "b", "c"], ["d", "e", "f"]]], r"input 1 of Concatenate"),
])
def test_bad_merge_inputs_get_a_clear_error_and_leave_the_cache_unchanged(make, good, bad, pattern):
    layer = make()
    layer.forward(good)
    cache = layer.cache
    with pytest.raises((ValueError, TypeError), match=pattern):
        layer.forward(bad)
    assert layer.cache is cache


@pytest.mark.parametrize("axis", [1.0, "last", None])
def test_invalid_concatenate_axis_is_rejected_in_keras_words(axis):
    with pytest.raises(ValueError, match=r"Received an invalid value for `axis`, expected an integer"):
        Concatenate(axis=axis)


def test_merge_config_is_json_and_rebuilds_the_same_layer():
    twin = Concatenate.from_config(json.loads(json.dumps(Concatenate(axis=1, name="join").get_config())))
    assert (twin.axis, twin.name) == (1, "join")
    assert Add.from_config(Add(name="plus").get_config()).name == "plus"
