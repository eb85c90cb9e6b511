"""The shortcuts that make fit fast change no number and no teaching error.

- fit checks its data once, at the model's entry (``learnnet._checks.checked_data``): a layer or a
  loss called on its own still checks everything;
- fit takes each batch's loss and gradient in one call, and starts backward from dL/dz = (p - t)/N
  when a softmax meets categorical cross-entropy (``value_and_softmax_gradient``);
- layers that read the model's input skip dL/dx during fit (``Layer.input_gradient_needed``);
- Conv2D and MaxPooling2D compute the same numbers as the obvious loops (ties included);
- fit runs the optimizer's rule once on all the weights laid end to end (``Optimizer.flat_weights``),
  with the numbers of the weight-by-weight ``apply_gradients``, bit for bit.
"""
import numpy as np
import pytest

import learnnet
from learnnet import losses
from learnnet._checks import checked_data, data_is_checked
from learnnet.activations import softmax
from learnnet.layers import Conv2D, Dense, Flatten, MaxPooling2D
from learnnet.models import Sequential


def one_hot(labels, n):
    return np.eye(n, dtype=np.float32)[labels]


# ------------------------------------------------------------------ checked data

def test_checked_data_is_scoped_and_restored_after_an_error():
    assert not data_is_checked()
    with pytest.raises(RuntimeError):
        with checked_data():
            assert data_is_checked()
            raise RuntimeError
    assert not data_is_checked()


def test_a_layer_called_on_its_own_still_checks_its_input():
    layer = Dense(3)
    layer.forward(np.ones((2, 4), np.float32))
    with pytest.raises(ValueError, match="NaN or infinity"):
        layer.forward(np.array([[1.0, np.nan, 0.0, 0.0]], np.float32))
    with pytest.raises(ValueError, match="expects 4 input features"):
        layer.forward(np.ones((2, 5), np.float32))


def test_inside_checked_data_a_built_layer_takes_an_array_of_its_dtype_as_it_is():
    layer = Dense(3)
    x = np.ones((2, 4), np.float32)
    layer.forward(x)
    with checked_data():
        assert layer.check_input(x) is x
        other = x.astype(np.float64)              # another dtype is still converted
        assert layer.check_input(other).dtype == np.float32


def test_fit_still_rejects_bad_data_at_its_entry():
    model = Sequential([Dense(2, input_dim=3, activation="softmax")])
    model.compile(optimizer="sgd", loss="categorical_crossentropy")
    x = np.ones((4, 3), np.float32)
    x[1, 2] = np.inf
    with pytest.raises(ValueError, match="`x` contains NaN or infinity"):
        model.fit(x, one_hot([0, 1, 0, 1], 2), verbose=0)


def test_a_diverging_fit_raises_before_changing_any_weight():
    learnnet.utils.set_random_seed(0)
    model = Sequential([Dense(4, input_dim=2, activation="relu"), Dense(1)])
    model.compile(optimizer=learnnet.optimizers.SGD(learning_rate=1.0), loss="mse")
    x = np.random.default_rng(0).normal(size=(64, 2)).astype(np.float32) * 1e3
    y = x.sum(axis=1, keepdims=True) ** 3
    with pytest.raises(ValueError, match="NaN or infinity") as error, np.errstate(all="ignore"):
        model.fit(x, y, batch_size=8, epochs=50, verbose=0)
    assert "learning_rate" in str(error.value)
    assert all(np.all(np.isfinite(w)) for w in model.get_weights())


# ------------------------------------------------------------ loss and gradient

@pytest.mark.parametrize("loss", [losses.MeanSquaredError(), losses.Huber(), losses.BinaryCrossentropy(),
                                  losses.CategoricalCrossentropy(), losses.CategoricalCrossentropy(from_logits=True)])
def test_value_and_gradient_is_the_loss_and_its_gradient(loss):
    rng = np.random.default_rng(1)
    y_pred = rng.uniform(0.05, 0.95, size=(6, 3)).astype(np.float32)
    y_true = one_hot(rng.integers(0, 3, 6), 3)
    value, grad = loss.value_and_gradient(y_true, y_pred)
    assert value == loss(y_true, y_pred)
    np.testing.assert_array_equal(grad, loss.gradient(y_true, y_pred))


@pytest.mark.parametrize("loss", [losses.CategoricalCrossentropy(), losses.SparseCategoricalCrossentropy()])
def test_softmax_shortcut_is_the_chained_gradient_and_the_same_loss(loss):
    rng = np.random.default_rng(2)
    z = rng.normal(size=(8, 5)).astype(np.float32)
    p = softmax.forward(z)
    labels = rng.integers(0, 5, 8)
    y_true = labels if isinstance(loss, losses.SparseCategoricalCrossentropy) else one_hot(labels, 5)
    value, dz = loss.value_and_softmax_gradient(y_true, p)
    assert value == loss(y_true, p)
    chained = softmax.backward(z, loss.gradient(y_true, p))
    np.testing.assert_allclose(dz, chained, atol=1e-7)
    np.testing.assert_allclose(dz, (p - one_hot(labels, 5)) / 8, atol=1e-7)


def test_softmax_shortcut_with_soft_labels_follows_the_math():
    rng = np.random.default_rng(3)
    z = rng.normal(size=(4, 3))
    t = rng.uniform(size=(4, 3))                  # not one-hot, rows do not sum to 1
    loss = losses.CategoricalCrossentropy()
    _, dz = loss.value_and_softmax_gradient(t, softmax.forward(z))
    np.testing.assert_allclose(dz, softmax.backward(z, loss.gradient(t, softmax.forward(z))), atol=1e-12)


def mlp(seed):
    learnnet.utils.set_random_seed(seed)
    model = Sequential([Dense(16, input_dim=6, activation="relu"), Dense(4, activation="softmax")])
    model.compile(optimizer="adam", loss="categorical_crossentropy")
    return model


def test_fit_with_the_softmax_shortcut_trains_as_the_chained_gradients_do():
    rng = np.random.default_rng(4)
    x = rng.normal(size=(64, 6)).astype(np.float32)
    y = one_hot(rng.integers(0, 4, 64), 4)
    fast, reference = mlp(0), mlp(0)
    fast.fit(x, y, batch_size=16, epochs=3, shuffle=False, verbose=0)
    assert fast._softmax_nodes                    # the shortcut was taken
    optimizer = reference.optimizer
    for _ in range(3):                            # the same steps, by the textbook loop
        for start in range(0, 64, 16):
            xb, yb = x[start:start + 16], y[start:start + 16]
            y_pred = reference.forward(xb, training=True)
            reference.backward(losses.CategoricalCrossentropy().gradient(yb, y_pred))
            optimizer.apply_gradients(reference.grads_and_vars())
    for a, b in zip(fast.get_weights(), reference.get_weights()):
        np.testing.assert_allclose(a, b, rtol=1e-4, atol=1e-6)


def test_no_shortcut_when_the_softmax_output_also_feeds_another_layer():
    inputs = learnnet.layers.Input(shape=(3,))
    probabilities = Dense(3, activation="softmax")(inputs)
    other = Dense(1)(probabilities)
    model = learnnet.models.Model(inputs, [probabilities, other])
    model.compile(optimizer="sgd", loss=["categorical_crossentropy", "mse"])
    model._begin_training()
    assert not model._softmax_nodes


# ------------------------------------------------------------- input gradients

def test_the_first_convolution_skips_its_input_gradient_only_inside_fit():
    rng = np.random.default_rng(5)
    x = rng.uniform(size=(4, 6, 6, 1)).astype(np.float32)
    learnnet.utils.set_random_seed(0)
    model = Sequential([Conv2D(2, 3, padding="same", activation="relu", input_shape=(6, 6, 1)), Flatten(),
                        Dense(3, activation="softmax")])
    model.compile(optimizer="sgd", loss="categorical_crossentropy")
    model.fit(x, one_hot([0, 1, 2, 0], 3), verbose=0)
    conv = model.layers[0]
    assert conv.input_gradient_needed              # restored after fit
    conv.forward(x)
    dx = conv.backward(np.ones((4, 6, 6, 2), np.float32))
    assert dx.shape == x.shape                     # on its own, backward returns dL/dx


def test_the_first_dense_layer_skips_its_input_gradient_only_inside_fit():
    rng = np.random.default_rng(6)
    x = rng.normal(size=(8, 4)).astype(np.float32)
    learnnet.utils.set_random_seed(0)
    model = Sequential([Dense(5, input_dim=4, activation="relu"), Dense(3, activation="softmax")])
    model.compile(optimizer="sgd", loss="categorical_crossentropy")
    first = model.layers[0]
    seen = []
    original = first.backward
    first.backward = lambda g: seen.append(original(g)) or seen[-1]
    model.fit(x, one_hot(rng.integers(0, 3, 8), 3), batch_size=4, verbose=0)
    assert seen == [None, None]                    # inside fit: no dL/dx for the data
    del first.backward
    assert first.input_gradient_needed             # restored after fit
    first.forward(x)
    assert first.backward(np.ones((8, 5), np.float32)).shape == x.shape   # on its own: dL/dx


# ------------------------------------------------------ convolution and pooling

def test_conv2d_matches_the_obvious_loop_forward_and_backward():
    rng = np.random.default_rng(6)
    for channels, stride, padding in [(1, 1, "same"), (3, 2, "valid"), (2, 2, "same")]:
        layer = Conv2D(4, 3, strides=stride, padding=padding, dtype="float64")
        x = rng.normal(size=(2, 7, 7, channels))
        y = layer.forward(x)
        x_pad, pads = learnnet.layers.conv.pad_images(x, (3, 3), (stride, stride), padding)
        expected = np.zeros_like(y)
        for i in range(y.shape[1]):
            for j in range(y.shape[2]):
                patch = x_pad[:, i * stride:i * stride + 3, j * stride:j * stride + 3, :]
                expected[:, i, j, :] = np.tensordot(patch, layer.kernel, axes=3) + layer.bias
        np.testing.assert_allclose(y, expected, atol=1e-12)
        g = rng.normal(size=y.shape)
        dx = layer.backward(g)
        dx_pad = np.zeros_like(x_pad)
        for i in range(y.shape[1]):
            for j in range(y.shape[2]):
                dx_pad[:, i * stride:i * stride + 3, j * stride:j * stride + 3, :] += \
                    np.tensordot(g[:, i, j, :], layer.kernel, axes=([1], [3]))
        np.testing.assert_allclose(dx, learnnet.layers.conv.crop(dx_pad, pads), atol=1e-12)
        np.testing.assert_allclose(layer.grads["bias"], g.sum(axis=(0, 1, 2)), atol=1e-10)


def test_max_pooling_sends_each_gradient_to_the_first_max_in_reading_order():
    x = np.array([[1, 5, 2, 2],
                  [5, 0, 2, 2],
                  [0, 0, 3, 9],
                  [0, 0, 9, 1]], dtype=np.float32)[None, :, :, None]
    layer = MaxPooling2D()
    np.testing.assert_array_equal(layer.forward(x)[0, :, :, 0], [[5, 2], [0, 9]])
    grad = layer.backward(np.array([[1, 2], [3, 4]], np.float32)[None, :, :, None])[0, :, :, 0]
    np.testing.assert_array_equal(grad, [[0, 1, 2, 0],
                                         [0, 0, 0, 0],
                                         [3, 0, 0, 4],
                                         [0, 0, 0, 0]])


def test_a_one_by_one_pool_does_not_hand_back_its_input():
    x = np.arange(8, dtype=np.float32).reshape(1, 2, 2, 2)
    y = MaxPooling2D(pool_size=1).forward(x)
    y += 1
    assert x[0, 0, 0, 0] == 0


def _first_max_loop(x, pool_size, strides, padding, upstream):
    """MaxPooling2D's backward the obvious way: window by window, np.argmax picks the first max in reading order."""
    (ph, pw), (sh, sw) = pool_size, strides
    x_pad, pads = learnnet.layers.conv.pad_images(x, pool_size, strides, padding, value=-np.inf)
    grad = np.zeros_like(x_pad)
    for n in range(x.shape[0]):
        for i in range(upstream.shape[1]):
            for j in range(upstream.shape[2]):
                for c in range(x.shape[3]):
                    window = x_pad[n, i * sh:i * sh + ph, j * sw:j * sw + pw, c]
                    a, b = np.unravel_index(np.argmax(window), window.shape)
                    grad[n, i * sh + a, j * sw + b, c] += upstream[n, i, j, c]
    return learnnet.layers.conv.crop(grad, pads)


@pytest.mark.parametrize("shape, pool_size, strides, padding", [
    ((2, 8, 6, 3), 2, None, "valid"),        # windows tile the image: the cells are put back by one transpose
    ((2, 7, 5, 3), 2, None, "valid"),        # odd sizes: the last row and column are in no window
    ((2, 7, 5, 3), 2, None, "same"),         # odd sizes padded with -inf
    ((1, 9, 6, 2), (3, 2), None, "valid"),   # tiled, not square
    ((2, 7, 7, 2), 3, 2, "valid"),           # overlapping windows: a pixel can win several of them
    ((2, 6, 6, 2), 2, 3, "valid"),           # gaps between the windows
])
def test_max_pooling_backward_is_the_window_by_window_loop_including_ties(shape, pool_size, strides, padding):
    rng = np.random.default_rng(7)
    x = np.maximum(rng.integers(-3, 3, size=shape), 0).astype(np.float32)   # mostly ties, as after a relu
    layer = MaxPooling2D(pool_size, strides, padding)
    y = layer.forward(x)
    upstream = rng.normal(size=y.shape).astype(np.float32)
    expected = _first_max_loop(x, layer.pool_size, layer.strides, padding, upstream)
    np.testing.assert_array_equal(layer.backward(upstream), expected)


@pytest.mark.parametrize("pool_size, strides, padded_shape", [
    ((2, 2), (2, 2), (2, 6, 8, 3)), ((3, 2), (3, 2), (1, 9, 4, 2)),    # tiled: one transpose
    ((2, 2), (2, 2), (2, 7, 8, 3)), ((3, 3), (1, 1), (1, 5, 5, 2)),    # a row left over; overlaps: add_windows
])
def test_put_back_puts_each_cell_where_the_window_read_it(pool_size, strides, padded_shape):
    from learnnet.layers.conv import output_length
    from learnnet.layers.pooling import put_back
    rng = np.random.default_rng(8)
    n, h, w, c = padded_shape
    out_h, out_w = (output_length(s, k, st, "valid") for s, k, st in zip((h, w), pool_size, strides))
    cell_grads = rng.normal(size=pool_size + (n, out_h, out_w, c))
    expected = np.zeros(padded_shape)
    for a in range(pool_size[0]):
        for b in range(pool_size[1]):
            for i in range(out_h):
                for j in range(out_w):
                    expected[:, i * strides[0] + a, j * strides[1] + b, :] += cell_grads[a, b, :, i, j, :]
    np.testing.assert_array_equal(put_back(cell_grads, padded_shape, strides), expected)


@pytest.mark.parametrize("channels", [1, 3])
@pytest.mark.parametrize("ones_column", [False, True])
def test_im2col_copies_every_window_into_one_row_and_can_append_the_bias_input(channels, ones_column):
    from learnnet.layers.conv import im2col, sliding_windows
    x = np.random.default_rng(9).normal(size=(2, 5, 6, channels)).astype(np.float32)
    windows = sliding_windows(x, (3, 2), (1, 2))
    cols = im2col(windows, ones_column=ones_column)
    size = 3 * 2 * channels
    assert cols.shape == (2 * 3 * 3, size + ones_column)
    np.testing.assert_array_equal(cols[:, :size], windows.reshape(-1, size))
    if ones_column:
        np.testing.assert_array_equal(cols[:, size], 1)


def test_conv2d_without_bias_has_no_ones_column_and_no_bias_gradient():
    layer = Conv2D(3, 2, use_bias=False, dtype="float64")
    x = np.random.default_rng(10).normal(size=(2, 4, 4, 2))
    y = layer.forward(x)
    expected = np.einsum("nijabc,abcf->nijf", learnnet.layers.conv.sliding_windows(x, (2, 2), (1, 1)), layer.kernel)
    np.testing.assert_allclose(y, expected, rtol=1e-12)
    layer.backward(np.ones_like(y))
    assert set(layer.grads) == {"kernel"} and layer.grads["kernel"].shape == layer.kernel.shape


# ------------------------------------------------------- the optimizer's flat step

def _mlp(optimizer):
    learnnet.utils.set_random_seed(3)
    model = Sequential([Dense(8, input_dim=5, activation="relu"), Dense(3, activation="softmax")])
    model.compile(optimizer=optimizer, loss="categorical_crossentropy")
    return model


@pytest.mark.parametrize("make", [
    lambda: learnnet.optimizers.Adam(), lambda: learnnet.optimizers.Adam(amsgrad=True, clipnorm=0.1),
    lambda: learnnet.optimizers.SGD(0.1, momentum=0.9, nesterov=True), lambda: learnnet.optimizers.RMSprop(centered=True),
    lambda: learnnet.optimizers.Adagrad(), lambda: learnnet.optimizers.SGD(global_clipnorm=0.01),
], ids=["adam", "amsgrad-clipnorm", "nesterov", "rmsprop-centered", "adagrad", "sgd-global-clipnorm"])
def test_fit_with_all_weights_in_one_array_gives_the_numbers_of_weight_by_weight_steps(make):
    rng = np.random.default_rng(0)
    x, y = rng.normal(size=(70, 5)).astype(np.float32), one_hot(rng.integers(0, 3, 70), 3)
    results = []
    for flat in (True, False):
        model = _mlp(make())
        if not flat:
            model.optimizer.flat_weights = lambda params: None     # the plain apply_gradients, weight by weight
        history = model.fit(x, y, batch_size=16, epochs=3, verbose=0)
        model.fit(x, y, batch_size=16, epochs=1, verbose=0)        # a second fit reuses the layout
        results.append((model.get_weights(), history.history["loss"], model.optimizer.get_state()))
    (w1, loss1, s1), (w2, loss2, s2) = results
    assert loss1 == loss2
    assert all(np.array_equal(a, b) for a, b in zip(w1, w2))
    assert len(s1) == len(s2) and all(np.array_equal(a, b) for a, b in zip(s1, s2))


def test_after_a_fit_the_optimizer_state_is_still_per_weight_and_apply_gradients_still_works():
    model = _mlp("adam")
    rng = np.random.default_rng(1)
    x, y = rng.normal(size=(40, 5)).astype(np.float32), one_hot(rng.integers(0, 3, 40), 3)
    model.fit(x, y, batch_size=8, epochs=1, verbose=0)
    opt = model.optimizer
    shapes = [a.shape for a in opt.variables]
    assert shapes == [w.shape for w in model.trainable_weights for _ in range(2)]   # momentum, velocity per weight
    kernel = model.layers[0].kernel
    before = kernel.copy()
    opt.apply_gradients([(np.ones_like(kernel), kernel)])
    assert np.all(kernel < before)
    model.fit(x, y, batch_size=8, epochs=1, verbose=0)     # the flat state still holds what apply_gradients did
    assert opt.iterations == 5 + 1 + 5


def test_weights_set_between_steps_are_the_ones_the_flat_step_updates():
    from learnnet.callbacks import Callback
    model = _mlp("sgd")
    rng = np.random.default_rng(2)
    x, y = rng.normal(size=(32, 5)).astype(np.float32), one_hot(rng.integers(0, 3, 32), 3)

    class Zero(Callback):
        def on_train_batch_end(self, batch, logs=None):
            self.model.set_weights([np.zeros_like(w) for w in self.model.get_weights()])

    model.fit(x, y, batch_size=16, epochs=1, verbose=0, callbacks=[Zero()])
    assert all(np.all(w == 0) for w in model.get_weights())
