"""Functional models: graphs of layer calls, and backpropagation through them."""
import numpy as np
import pytest

from learnnet import gradcheck, optimizers, utils
from learnnet.layers import Add, BatchNormalization, Concatenate, Dense, Input, InputLayer
from learnnet.layers.input_layer import SymbolicTensor
from learnnet.models import Model, Sequential


def skip_model(width=6):
    inputs = Input(shape=(width,), name="x")
    h = Dense(width, activation="tanh")(inputs)
    h = Add()([inputs, Dense(width)(h)])          # x + f(x): a residual connection
    outputs = Dense(3, activation="softmax")(h)
    return Model(inputs, outputs)


def shared_model():
    a, b = Input((5,), name="a"), Input((5,), name="b")
    shared = Dense(4, activation="tanh", name="shared")
    joined = Concatenate()([shared(a), shared(b)])      # one layer, two calls, one set of weights
    return Model([a, b], [Dense(1, activation="sigmoid", name="o1")(joined), Dense(2, name="o2")(joined)])


def test_input_is_a_symbolic_tensor_with_a_batch_axis_of_none():
    x = Input(shape=(28, 28, 1))
    assert isinstance(x, SymbolicTensor) and x.shape == (None, 28, 28, 1) and x.dtype == "float32"
    assert Input((3,), batch_size=8).shape == (8, 3)
    with pytest.raises(ValueError, match=r"shape=\(100,\)"):
        Input(100)
    with pytest.raises(TypeError, match="Add\\(\\)"):
        x + x


def test_calling_a_layer_on_a_tensor_builds_it_and_records_a_node():
    x = Input((100,))
    layer = Dense(64)
    y = layer(x)
    assert layer.built and layer.kernel.shape == (100, 64)
    assert y.shape == (None, 64) and y._keras_history == (layer, 0, 0)
    node = layer._inbound_nodes[0]
    assert node.input_tensors == [x] and node.output_tensors == [y]


def test_a_shape_mismatch_is_reported_when_the_graph_is_written():
    layer = Dense(2)
    layer(Input((3,)))
    with pytest.raises(ValueError, match="Dense 'dense' expects 3 input features"):
        layer(Input((4,)))
    assert len(layer._inbound_nodes) == 1


def test_layers_inputs_and_outputs_follow_keras():
    model = skip_model()
    assert [layer.name for layer in model.layers] == ["x", "dense", "dense_1", "add", "dense_2"]
    assert isinstance(model.layers[0], InputLayer)
    assert model.input.shape == (None, 6) and model.output.shape == (None, 3)
    assert model.get_layer("add") is model.layers[3] and model.get_layer(index=-1).name == "dense_2"
    with pytest.raises(ValueError, match="Did you mean 'dense_1'"):
        model.get_layer("dense_11")


def test_forward_through_a_skip_connection_matches_the_formula():
    model = skip_model()
    x = np.random.default_rng(0).normal(size=(4, 6))
    d0, d1, d2 = model.get_layer("dense"), model.get_layer("dense_1"), model.get_layer("dense_2")
    h = np.tanh(x @ d0.kernel + d0.bias)
    s = x + h @ d1.kernel + d1.bias
    z = s @ d2.kernel + d2.bias
    expected = np.exp(z) / np.exp(z).sum(axis=1, keepdims=True)
    np.testing.assert_allclose(model.predict(x, verbose=0), expected, rtol=1e-5)


def test_backprop_through_a_skip_connection_matches_finite_differences():
    report = gradcheck.gradcheck(skip_model(), np.random.default_rng(1).normal(size=(4, 6)))
    assert report.passed, report
    assert len(report.rows) == 7   # input x and 3 kernels and 3 biases


def test_backprop_through_shared_layers_sums_their_gradients():
    rng = np.random.default_rng(2)
    report = gradcheck.check_model(shared_model(), [rng.normal(size=(3, 5)), rng.normal(size=(3, 5))])
    assert report.passed, report
    assert [row["name"] for row in report.rows][:4] == ["input 0", "input 1", "shared.kernel", "shared.bias"]


def test_a_shared_layers_gradient_is_the_sum_over_its_calls():
    model = shared_model()
    rng = np.random.default_rng(3)
    a, b = rng.normal(size=(3, 5)), rng.normal(size=(3, 5))
    upstream = [rng.normal(size=(3, 1)), rng.normal(size=(3, 2))]
    model.forward([a, b])
    model.backward(upstream)
    total = model.get_layer("shared").grads["kernel"]
    # The same sum by hand: backprop with b's branch cut off, then with a's.
    concat_grad = model.get_layer("o1").backward(upstream[0]) + model.get_layer("o2").backward(upstream[1])
    shared = model.get_layer("shared")
    for x, part in ((a, concat_grad[:, :4]), (b, concat_grad[:, 4:])):
        shared.forward(x)
        shared.backward(part)
        total = total - shared.grads["kernel"]
    np.testing.assert_allclose(total, 0, atol=1e-6)


def test_a_model_is_a_layer_and_can_be_nested_and_shared():
    encoder = Sequential([Input((5,)), Dense(3, activation="tanh"), BatchNormalization()], name="encoder")
    x1, x2 = Input((5,)), Input((5,))
    siamese = Model([x1, x2], Dense(1)(Concatenate()([encoder(x1), encoder(x2)])))
    assert [layer.name for layer in siamese.layers][2] == "encoder"
    assert siamese.count_params() == 18 + 12 + 7
    rng = np.random.default_rng(4)
    report = gradcheck.check_model(siamese, [rng.normal(size=(4, 5)), rng.normal(size=(4, 5))], training=True)
    assert report.passed, report


def test_model_trainable_false_freezes_every_layer_inside():
    inner = Sequential([Input((4,)), Dense(3), Dense(2)])
    x = Input((4,))
    model = Model(x, Dense(1)(inner(x)))
    inner.trainable = False
    assert all(not layer.trainable for layer in inner.layers)
    assert len(model.trainable_weights) == 2 and len(model.non_trainable_weights) == 4
    assert len(model.weights) == 6
    inner.trainable = True
    assert len(model.trainable_weights) == 6


def test_frozen_layers_do_not_change_during_fit_and_are_not_backpropagated():
    utils.set_random_seed(0)
    base = Sequential([Input((4,)), Dense(8, activation="relu"), Dense(8, activation="relu")], name="base")
    for layer in base.layers:
        layer.trainable = False
    x = base.output
    outputs = Dense(2, activation="softmax")(Dense(4, activation="relu")(x))
    model = Model(inputs=base.input, outputs=outputs)
    frozen = base.get_weights()
    model.compile(optimizer="adam", loss="sparse_categorical_crossentropy", metrics=["accuracy"])
    rng = np.random.default_rng(5)
    before_head = model.layers[-1].get_weights()
    model.fit(rng.normal(size=(64, 4)), rng.integers(0, 2, 64), epochs=2, verbose=0)
    for a, b in zip(frozen, base.get_weights()):
        np.testing.assert_array_equal(a, b)
    assert not np.array_equal(before_head[0], model.layers[-1].kernel)
    skipped = {node.layer.name for node in model._skip_nodes}
    assert skipped == {layer.name for layer in base.layers}


def test_get_weights_order_is_the_layers_order():
    x = Input((2,))
    second, first = Dense(3, name="second"), Dense(2, name="first")
    model = Model(x, first(second(x)))
    assert [w.shape for w in model.get_weights()] == [(2, 3), (3,), (3, 2), (2,)]


def test_set_weights_checks_everything_before_changing_anything():
    model = skip_model()
    before = model.get_weights()
    wrong = [w + 1 for w in before]
    wrong[-1] = np.zeros(7)
    with pytest.raises(ValueError, match=r"dense_2.*bias.*\(3,\).*\(7,\)"):
        model.set_weights(wrong)
    with pytest.raises(ValueError, match="expects 6 weight arrays"):
        model.set_weights(before[:2])
    for a, b in zip(before, model.get_weights()):
        np.testing.assert_array_equal(a, b)


def test_model_needs_symbolic_tensors_and_a_connected_graph():
    with pytest.raises(TypeError, match="symbolic tensors"):
        Model(np.zeros((2, 3)), np.zeros((2, 1)))
    a, b = Input((3,)), Input((3,))
    out = Add()([a, b])
    with pytest.raises(ValueError, match="Graph disconnected.*input_layer_1"):
        Model(a, out)


def test_several_inputs_and_outputs_train_with_per_output_losses():
    utils.set_random_seed(1)
    model = shared_model()
    model.compile(optimizer=optimizers.Adam(0.01), loss=["binary_crossentropy", "mse"],
                  metrics=[["accuracy"], []])
    rng = np.random.default_rng(6)
    a, b = rng.normal(size=(32, 5)), rng.normal(size=(32, 5))
    history = model.fit([a, b], [(a.sum(1) > 0).astype(float)[:, None], rng.normal(size=(32, 2))],
                        epochs=2, verbose=0, validation_split=0.25)
    assert list(history.history) == ["loss", "o1_accuracy", "o1_loss", "o2_loss",
                                     "val_loss", "val_o1_accuracy", "val_o1_loss", "val_o2_loss"]
    total = history.history["loss"][-1]
    assert total == pytest.approx(history.history["o1_loss"][-1] + history.history["o2_loss"][-1])
    outputs = model.predict({"a": a, "b": b}, verbose=0)
    assert [o.shape for o in outputs] == [(32, 1), (32, 2)]


def test_get_config_and_from_config_rebuild_graph_with_shared_layers():
    model = shared_model()
    clone = Model.from_config(model.get_config())
    assert [layer.name for layer in clone.layers] == [layer.name for layer in model.layers]
    assert clone.get_layer("shared") is not model.get_layer("shared")
    assert len(clone.get_layer("shared")._inbound_nodes) == 2
    clone.set_weights(model.get_weights())
    rng = np.random.default_rng(7)
    x = [rng.normal(size=(2, 5)), rng.normal(size=(2, 5))]
    for a, b in zip(model.predict(x, verbose=0), clone.predict(x, verbose=0)):
        np.testing.assert_array_equal(a, b)


def test_nested_model_config_round_trip():
    inner = Sequential([Input((4,)), Dense(3)], name="inner")
    x = Input((4,))
    model = Model(x, Dense(2)(inner(x)))
    inner.layers[0].trainable = False
    clone = Model.from_config(model.get_config())
    assert type(clone.get_layer("inner")) is Sequential
    assert not clone.get_layer("inner").layers[0].trainable
    assert clone.count_params() == model.count_params()


def test_an_unbuilt_sequential_is_built_when_called_on_a_tensor():
    encoder = Sequential([Dense(4), Dense(2)])
    x = Input((5,))
    model = Model(x, encoder(x))
    assert encoder.built and encoder.input.shape == (None, 5) and model.output.shape == (None, 2)
    assert model.predict(np.zeros((3, 5)), verbose=0).shape == (3, 2)
