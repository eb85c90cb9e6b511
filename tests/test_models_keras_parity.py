"""Keras 3 as the reference: same weights give the same predictions, the same training step,
the same summary counts and the same History keys. Skipped if Keras is not installed."""
import os

os.environ["KERAS_BACKEND"] = "torch"   # before keras is imported; torch is the backend installed for tests

import numpy as np  # noqa: E402
import pytest  # noqa: E402

keras = pytest.importorskip("keras")

from learnnet import callbacks as ln_callbacks  # noqa: E402
from learnnet import layers as ln  # noqa: E402
from learnnet import optimizers as ln_optimizers  # noqa: E402
from learnnet.models import Model, Sequential  # noqa: E402
from learnnet.models.summary import summary_text  # noqa: E402

kl = keras.layers
rng = np.random.default_rng(0)
X = rng.normal(size=(32, 100)).astype(np.float32)
Y = np.eye(10, dtype=np.float32)[rng.integers(0, 10, 32)]
IMAGES = rng.normal(size=(16, 8, 8, 2)).astype(np.float32)
IMAGE_Y = np.eye(3, dtype=np.float32)[rng.integers(0, 3, 16)]


def mlp():
    model = Sequential(name="mlp")
    model.add(ln.Dense(64, input_dim=100, activation="relu"))
    model.add(ln.Dense(32, activation="relu"))
    model.add(ln.Dense(10, activation="softmax"))
    return model


def keras_mlp():
    return keras.Sequential([keras.Input((100,)), kl.Dense(64, activation="relu"), kl.Dense(32, activation="relu"),
                             kl.Dense(10, activation="softmax")], name="mlp")


def cnn():
    return Sequential([ln.Input((8, 8, 2)), ln.Conv2D(4, 3, activation="relu"), ln.MaxPooling2D(), ln.Flatten(),
                       ln.Dense(3, activation="softmax")], name="cnn")


def keras_cnn():
    return keras.Sequential([keras.Input((8, 8, 2)), kl.Conv2D(4, 3, activation="relu"), kl.MaxPooling2D(),
                             kl.Flatten(), kl.Dense(3, activation="softmax")], name="cnn")


def bn_model():
    # No bias before BatchNormalization: its gradient is exactly 0 in theory, so float noise (which Adam
    # scales up to full steps) would be all that moves it, differently in each framework.
    return Sequential([ln.Input((100,)), ln.Dense(16, use_bias=False), ln.BatchNormalization(), ln.Activation("relu"),
                       ln.Dense(10, activation="softmax")], name="bn")


def keras_bn_model():
    return keras.Sequential([keras.Input((100,)), kl.Dense(16, use_bias=False), kl.BatchNormalization(),
                             kl.Activation("relu"), kl.Dense(10, activation="softmax")], name="bn")


CASES = {
    "mlp-adam": (mlp, keras_mlp, lambda: ln_optimizers.Adam(), lambda: keras.optimizers.Adam(), X, Y),
    "mlp-sgd-momentum": (mlp, keras_mlp, lambda: ln_optimizers.SGD(0.1, momentum=0.9),
                         lambda: keras.optimizers.SGD(0.1, momentum=0.9), X, Y),
    "cnn-adam": (cnn, keras_cnn, lambda: ln_optimizers.Adam(), lambda: keras.optimizers.Adam(), IMAGES, IMAGE_Y),
    "batchnorm-adam": (bn_model, keras_bn_model, lambda: ln_optimizers.Adam(), lambda: keras.optimizers.Adam(), X, Y),
}


def max_abs_diff(a_list, b_list):
    return max(float(np.max(np.abs(np.asarray(a) - np.asarray(b)))) for a, b in zip(a_list, b_list))


@pytest.mark.parametrize("case", list(CASES))
def test_same_weights_give_the_same_predictions_and_the_same_training_steps(case):
    build, build_keras, optimizer, keras_optimizer, x, y = CASES[case]
    ours, theirs = build(), build_keras()
    theirs.set_weights(ours.get_weights())
    assert max_abs_diff([ours.predict(x, verbose=0)], [theirs.predict(x, verbose=0)]) < 1e-6
    ours.compile(optimizer(), "categorical_crossentropy", metrics=["accuracy"])
    theirs.compile(keras_optimizer(), "categorical_crossentropy", metrics=["accuracy"])
    ours_logs = ours.train_on_batch(x, y, return_dict=True)
    theirs_logs = theirs.train_on_batch(x, y, return_dict=True)
    assert ours_logs == pytest.approx({k: float(v) for k, v in theirs_logs.items()}, rel=1e-5)
    assert max_abs_diff(ours.get_weights(), theirs.get_weights()) < 1e-5
    for _ in range(3):
        ours.train_on_batch(x, y)
        theirs.train_on_batch(x, y)
    for a, b in zip(ours.get_weights(), theirs.get_weights()):
        np.testing.assert_allclose(a, b, rtol=1e-4, atol=1e-5)


@pytest.mark.parametrize("case", ["mlp-adam", "cnn-adam", "batchnorm-adam"])
def test_summary_is_kerass_table(case, monkeypatch):
    monkeypatch.setenv("COLUMNS", "200")   # Keras's text is cut at the console width otherwise
    keras.backend.clear_session()          # Keras names layers dense, dense_1, ... afresh, as learnnet's tests do
    build, build_keras, optimizer, keras_optimizer, x, y = CASES[case]
    ours, theirs = build(), build_keras()
    assert ours.count_params() == theirs.count_params()
    assert len(ours.trainable_weights) == len(theirs.trainable_weights)
    texts = []
    theirs.summary(line_length=88, print_fn=texts.append)
    assert summary_text(ours, line_length=88) == texts[0]


def test_summary_counts_the_optimizer_after_training_as_keras_does(monkeypatch):
    monkeypatch.setenv("COLUMNS", "200")
    ours, theirs = mlp(), keras_mlp()
    for model in (ours, theirs):
        model.compile("adam", "categorical_crossentropy")
        model.fit(X, Y, verbose=0, epochs=1)
    texts = []
    theirs.summary(line_length=88, print_fn=texts.append)
    assert summary_text(ours, line_length=88).splitlines()[-4:] == texts[0].splitlines()[-4:]


def test_functional_summary_has_kerass_connected_to_column(monkeypatch):
    monkeypatch.setenv("COLUMNS", "200")
    def build(api, inputs_fn, **names):
        inputs = inputs_fn((16,), name="x")
        h = api.Dense(16, activation="relu", name="d1")(inputs)
        h = api.Add(name="add")([inputs, api.Dense(16, name="d2")(h)])
        return inputs, api.Dense(3, activation="softmax", name="out")(h)
    ours = Model(*build(ln, ln.Input), name="residual")
    theirs = keras.Model(*build(kl, keras.Input), name="residual")
    texts = []
    theirs.summary(line_length=108, print_fn=texts.append)
    assert summary_text(ours, line_length=108) == texts[0]


def test_history_keys_are_kerass():
    ours, theirs = mlp(), keras_mlp()
    for model in (ours, theirs):
        model.compile("adam", "categorical_crossentropy", metrics=["accuracy", "mse"])
    ours_history = ours.fit(X, Y, epochs=2, validation_split=0.25, verbose=0)
    theirs_history = theirs.fit(X, Y, epochs=2, validation_split=0.25, verbose=0)
    assert list(ours_history.history) == list(theirs_history.history)
    assert ours_history.params == theirs_history.params
    assert ours.metrics_names == theirs.metrics_names
    assert len(ours.evaluate(X, Y, verbose=0)) == len(theirs.evaluate(X, Y, verbose=0))


def _recorder(base):
    log = []

    class Recorder(base):
        pass
    for hook in ["on_train_begin", "on_train_end", "on_epoch_begin", "on_epoch_end", "on_train_batch_begin",
                 "on_train_batch_end", "on_test_begin", "on_test_end", "on_test_batch_begin", "on_test_batch_end"]:
        def make(hook):
            def f(self, *args, **kwargs):
                log.append((hook,) + tuple(a for a in args if isinstance(a, int)))
            return f
        setattr(Recorder, hook, make(hook))
    return Recorder(), log


def test_callback_hooks_fire_in_the_same_order_as_kerass():
    ours, theirs = mlp(), keras_mlp()
    our_recorder, our_log = _recorder(ln_callbacks.Callback)
    their_recorder, their_log = _recorder(keras.callbacks.Callback)
    for model, recorder in ((ours, our_recorder), (theirs, their_recorder)):
        model.compile("adam", "categorical_crossentropy")
        model.fit(X, Y, batch_size=8, epochs=2, validation_split=0.25, verbose=0, callbacks=[recorder])
    assert our_log == their_log
