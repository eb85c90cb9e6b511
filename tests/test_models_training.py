"""compile / fit / evaluate / predict: Keras's semantics, and errors that teach."""
import numpy as np
import pytest

from learnnet import losses, metrics, optimizers, utils
from learnnet.callbacks import LambdaCallback
from learnnet.layers import Dense, Dropout, Input
from learnnet.models import Model, Sequential


def classifier(loss="categorical_crossentropy", optimizer="adam", metrics_=("accuracy",), dropout=0.0):
    layers = [Dense(16, input_dim=8, activation="relu")]
    if dropout:
        layers.append(Dropout(dropout))
    model = Sequential(layers + [Dense(4, activation="softmax")])
    model.compile(optimizer=optimizer, loss=loss, metrics=list(metrics_))
    return model


def data(n=50, seed=0):
    rng = np.random.default_rng(seed)
    x = rng.normal(size=(n, 8)).astype(np.float32)
    labels = rng.integers(0, 4, n)
    return x, labels, np.eye(4, dtype=np.float32)[labels]


# ------------------------------------------------------------------- bookkeeping ----

def test_history_has_kerass_keys_in_kerass_order():
    x, _, y = data()
    history = classifier().fit(x, y, epochs=3, verbose=0, validation_split=0.2)
    assert list(history.history) == ["accuracy", "loss", "val_accuracy", "val_loss"]
    assert all(len(v) == 3 for v in history.history.values())
    assert history.epoch == [0, 1, 2] and history.params == {"verbose": 0, "epochs": 3, "steps": 2}


def test_epoch_loss_is_the_batch_losses_weighted_by_batch_size():
    # With a learning rate of 0 the weights never change, so the weighted mean of the
    # batch losses (batches of 32 and 18) must equal the loss over all 50 samples.
    x, _, y = data()
    model = classifier(optimizer=optimizers.SGD(learning_rate=0.0))
    history = model.fit(x, y, batch_size=32, epochs=1, verbose=0, shuffle=False)
    loss, accuracy = model.evaluate(x, y, verbose=0)
    assert history.history["loss"][0] == pytest.approx(loss, rel=1e-6)
    assert history.history["accuracy"][0] == pytest.approx(accuracy)
    y_pred = model.predict(x, verbose=0)
    assert loss == pytest.approx(losses.CategoricalCrossentropy()(y, y_pred), rel=1e-6)


def test_validation_split_holds_out_the_last_samples_before_shuffling():
    x, _, y = data()
    model = classifier(optimizer=optimizers.SGD(learning_rate=0.0))
    history = model.fit(x, y, epochs=1, verbose=0, validation_split=0.2)
    assert history.history["val_loss"][0] == pytest.approx(model.evaluate(x[40:], y[40:], verbose=0)[0], rel=1e-6)
    assert history.params["steps"] == 2   # 40 training samples in batches of 32


def test_validation_data_is_evaluated_after_each_epoch():
    x, _, y = data()
    calls = []
    model = classifier()
    model.fit(x[:40], y[:40], epochs=2, verbose=0, validation_data=(x[40:], y[40:]),
              callbacks=[LambdaCallback(on_test_end=lambda logs: calls.append(logs))])
    assert len(calls) == 2 and set(calls[0]) == {"loss", "accuracy"}


def test_set_random_seed_makes_fit_bit_identical():
    def run():
        utils.set_random_seed(42)
        x, _, y = data()
        model = classifier(dropout=0.5)
        model.fit(x, y, epochs=3, batch_size=8, verbose=0)   # shuffling and dropout both draw
        return model.get_weights()

    for a, b in zip(run(), run()):
        np.testing.assert_array_equal(a, b)


def test_accuracy_is_picked_from_the_shapes_as_keras_does():
    x, labels, y = data()
    one_hot = classifier()
    one_hot.fit(x, y, epochs=1, verbose=0)
    sparse = classifier(loss="sparse_categorical_crossentropy", metrics_=("acc",))
    history = sparse.fit(x, labels, epochs=1, verbose=0)
    binary = Sequential([Dense(1, input_dim=8, activation="sigmoid")])
    binary.compile("sgd", "binary_crossentropy", metrics=["accuracy"])
    binary.fit(x, labels[:, None] % 2, epochs=1, verbose=0)
    assert isinstance(one_hot.metrics[-1], metrics.CategoricalAccuracy)
    assert isinstance(sparse.metrics[-1], metrics.SparseCategoricalAccuracy) and "acc" in history.history
    assert isinstance(binary.metrics[-1], metrics.BinaryAccuracy)


def test_evaluate_predict_and_single_batch_methods_return_what_keras_returns():
    x, _, y = data()
    model = classifier()
    assert model.metrics_names == ["loss", "compile_metrics"]
    loss, accuracy = model.evaluate(x, y, verbose=0)
    as_dict = model.evaluate(x, y, verbose=0, return_dict=True)
    assert list(as_dict) == ["accuracy", "loss"] and as_dict["loss"] == loss
    assert model.predict(x, batch_size=7, verbose=0).shape == (50, 4)
    np.testing.assert_allclose(model.predict_on_batch(x), model.predict(x, verbose=0), rtol=1e-6)
    assert model.test_on_batch(x, y) == pytest.approx([loss, accuracy])
    before = model.get_weights()
    result = model.train_on_batch(x, y, return_dict=True)
    assert result["loss"] == pytest.approx(loss, rel=1e-6)    # measured before the step
    assert not np.array_equal(before[0], model.get_weights()[0])
    regression = Sequential([Dense(1, input_dim=8)])
    regression.compile("sgd", "mse")
    assert isinstance(regression.evaluate(x, y[:, :1], verbose=0), float)   # only the loss: a number


def test_a_callback_can_stop_training():
    x, _, y = data()
    model = classifier()

    def stop(batch, logs):
        if batch == 1:
            model.stop_training = True

    history = model.fit(x, y, epochs=5, batch_size=10, verbose=0, callbacks=[LambdaCallback(on_train_batch_end=stop)])
    assert history.epoch == [0]


def test_initial_epoch_resumes_the_epoch_count():
    x, _, y = data()
    history = classifier().fit(x, y, epochs=4, initial_epoch=2, verbose=0)
    assert history.epoch == [2, 3]


def test_one_dimensional_inputs_are_accepted_for_a_one_feature_model():
    x = np.linspace(-1, 1, 20)
    model = Sequential([Dense(1, input_dim=1)])
    model.compile(optimizer=optimizers.SGD(0.5), loss="mse")
    model.fit(x, 3 * x + 1, epochs=60, verbose=0)
    np.testing.assert_allclose(model.predict(np.array([0.5]), verbose=0), [[2.5]], atol=0.05)


# --------------------------------------------------------------- errors that teach ----

def unchanged(model, arrays):
    """Run the body; afterwards the model's weights and the arrays must be exactly as before."""
    class Check:
        def __enter__(self):
            self.weights = model.get_weights() if model.built else None
            self.arrays = [np.array(a, copy=True) for a in arrays]
            return self

        def __exit__(self, *exc):
            if self.weights is not None:
                for a, b in zip(self.weights, model.get_weights()):
                    np.testing.assert_array_equal(a, b)
            for a, b in zip(self.arrays, arrays):
                np.testing.assert_array_equal(a, b)
            return False
    return Check()


def test_fit_before_compile():
    x, _, y = data()
    model = Sequential([Dense(4, input_dim=8)])
    with unchanged(model, [x, y]), pytest.raises(ValueError, match=r"must call `compile\(\)`.*model.compile\("):
        model.fit(x, y)


def test_integer_labels_with_categorical_crossentropy_suggest_the_sparse_loss():
    x, labels, _ = data()
    model = classifier()
    with unchanged(model, [x, labels]), pytest.raises(ValueError, match="sparse_categorical_crossentropy"):
        model.fit(x, labels, verbose=0)


def test_one_hot_labels_with_the_sparse_loss_suggest_categorical_crossentropy():
    x, _, y = data()
    model = classifier(loss="sparse_categorical_crossentropy")
    with unchanged(model, [x, y]), pytest.raises(ValueError, match="one-hot.*loss='categorical_crossentropy'"):
        model.fit(x, y, verbose=0)


def test_labels_out_of_range_for_the_output_width():
    x, labels, _ = data()
    labels = labels.copy()
    labels[3] = 7
    model = classifier(loss="sparse_categorical_crossentropy")
    with unchanged(model, [x, labels]), pytest.raises(
            ValueError, match=r"labels from 0 to 7.*'dense_1' has 4 units.*0\.\.3.*Dense\(8"):
        model.fit(x, labels, verbose=0)


def test_target_width_must_match_the_output_width():
    x, _, y = data()
    y5 = np.hstack([y, np.zeros((50, 1), np.float32)])
    model = classifier()
    with unchanged(model, [x, y5]), pytest.raises(ValueError, match=r"5 columns.*outputs 4.*Dense\(5"):
        model.fit(x, y5, verbose=0)
    regression = Sequential([Dense(2, input_dim=8)])
    regression.compile("sgd", "mse")
    with pytest.raises(ValueError, match=r"shape \(50, 3\).*output shape \(None, 2\)"):
        regression.fit(x, np.zeros((50, 3)), verbose=0)


@pytest.mark.parametrize("bad", [np.nan, np.inf])
def test_nan_or_inf_in_x_or_y(bad):
    x, _, y = data()
    x_bad, y_bad = x.copy(), y.copy()
    x_bad[4, 2] = bad
    y_bad[1, 0] = bad
    model = classifier()
    with unchanged(model, [x_bad, y]), pytest.raises(ValueError, match=r"`x` contains NaN or infinity.*\(4, 2\)"):
        model.fit(x_bad, y, verbose=0)
    with unchanged(model, [x, y_bad]), pytest.raises(ValueError, match=r"`y` contains NaN or infinity"):
        model.evaluate(x, y_bad, verbose=0)


def test_empty_arrays():
    model = classifier()
    with pytest.raises(ValueError, match="`x` is empty"):
        model.fit(np.zeros((0, 8)), np.zeros((0, 4)), verbose=0)
    with pytest.raises(ValueError, match="`x` is empty"):
        model.predict(np.zeros((0, 8)), verbose=0)


def test_x_and_y_lengths_must_match():
    x, _, y = data()
    model = classifier()
    with unchanged(model, [x, y]), pytest.raises(ValueError, match="x has 50 and y has 40"):
        model.fit(x, y[:40], verbose=0)


@pytest.mark.parametrize("batch_size", [0, -3, 2.5, True])
def test_batch_size_must_be_a_positive_integer(batch_size):
    x, _, y = data()
    model = classifier()
    with unchanged(model, [x, y]), pytest.raises(ValueError, match="batch_size"):
        model.fit(x, y, batch_size=batch_size, verbose=0)


def test_unknown_names_suggest_the_nearest_valid_one():
    model = Sequential([Dense(4, input_dim=8, activation="softmax")])
    with pytest.raises(ValueError, match="Did you mean 'adam'"):
        model.compile(optimizer="adamm", loss="mse")
    with pytest.raises(ValueError, match="Did you mean 'categorical_crossentropy'"):
        model.compile(optimizer="adam", loss="categorical_crossentropyy")
    with pytest.raises(ValueError, match="Did you mean 'mean_squared_error'"):
        model.compile(optimizer="adam", loss="mse", metrics=["mean_sqared_error"])
    assert not model.compiled


def test_wrong_input_width_names_the_layer_and_the_fix():
    x, _, y = data()
    model = classifier()
    wide = np.zeros((32, 64), np.float32)
    with unchanged(model, [wide]), pytest.raises(
            ValueError, match=r"Dense 'dense' expects 8 input features, received shape \(32, 64\)"):
        model.fit(wide, y[:32], verbose=0)
    with pytest.raises(ValueError, match=r"Dense 'dense' expects 8 input features"):
        model.predict(wide, verbose=0)


def test_strings_in_x_are_a_type_error():
    model = classifier()
    with pytest.raises(TypeError, match="`x` must be an array of numbers"):
        model.predict([["a", "b"]], verbose=0)


def test_bad_fit_arguments():
    x, _, y = data()
    model = classifier()
    with pytest.raises(ValueError, match="validation_split"):
        model.fit(x, y, validation_split=1.5, verbose=0)
    with pytest.raises(ValueError, match="verbose"):
        model.fit(x, y, verbose=3)
    with pytest.raises(ValueError, match="not sufficient to split"):
        model.fit(x[:1], y[:1], validation_split=0.1, verbose=0)


def test_a_model_with_two_inputs_needs_a_list_of_two_arrays():
    a, b = Input((3,), name="a"), Input((2,), name="b")
    from learnnet.layers import Concatenate
    model = Model([a, b], Dense(1)(Concatenate()([a, b])))
    model.compile("sgd", "mse")
    with pytest.raises(ValueError, match="2 inputs.*list of 2 arrays"):
        model.fit(np.zeros((4, 3)), np.zeros((4, 1)), verbose=0)
    with pytest.raises(ValueError, match=r"without the inputs \['b'\]"):
        model.predict({"a": np.zeros((4, 3))}, verbose=0)
