"""Callbacks: hooks in Keras's order, History, EarlyStopping, ModelCheckpoint and the progress bar."""
import re

import numpy as np
import pytest

from learnnet import callbacks, optimizers, utils
from learnnet.layers import Dense
from learnnet.models import Sequential, load_model


def model_and_data(n=40, lr=0.05):
    utils.set_random_seed(0)
    rng = np.random.default_rng(0)
    x = rng.normal(size=(n, 3)).astype(np.float32)
    y = (x[:, :1] + x[:, 1:2] > 0).astype(np.float32)
    model = Sequential([Dense(4, input_dim=3, activation="tanh"), Dense(1, activation="sigmoid")])
    model.compile(optimizer=optimizers.SGD(learning_rate=lr), loss="binary_crossentropy", metrics=["accuracy"])
    return model, x, y


def record_hooks(log):
    """A callback that records every hook call as (hook name, argument)."""
    class Recorder(callbacks.Callback):
        pass
    recorder = Recorder()
    for hook in [name for name in dir(callbacks.Callback) if name.startswith("on_")]:
        def make(hook):
            def f(*args, **kwargs):
                log.append((hook,) + tuple(a for a in args if not isinstance(a, dict)))
            return f
        setattr(recorder, hook, make(hook))
    return recorder


def test_hooks_fire_in_kerass_order():
    model, x, y = model_and_data()
    log = []
    model.fit(x, y, batch_size=16, epochs=2, verbose=0, validation_split=0.2, callbacks=[record_hooks(log)])
    # 32 training samples: batches 0 and 1; 8 validation samples: one test batch
    epoch = [("on_train_batch_begin", 0), ("on_train_batch_end", 0),
             ("on_train_batch_begin", 1), ("on_train_batch_end", 1),
             ("on_test_begin",), ("on_test_batch_begin", 0), ("on_test_batch_end", 0), ("on_test_end",)]
    assert log == ([("on_train_begin",)]
                   + [("on_epoch_begin", 0)] + epoch + [("on_epoch_end", 0)]
                   + [("on_epoch_begin", 1)] + epoch + [("on_epoch_end", 1)]
                   + [("on_train_end",)])


def test_lambda_callback_receives_epochs_and_logs():
    model, x, y = model_and_data()
    seen = []
    cb = callbacks.LambdaCallback(on_epoch_end=lambda epoch, logs: seen.append((epoch, sorted(logs))),
                                  on_batch_end=lambda batch, logs: seen.append(batch))
    model.fit(x, y, batch_size=20, epochs=2, verbose=0, callbacks=[cb])
    assert seen == [0, 1, (0, ["accuracy", "loss"]), 0, 1, (1, ["accuracy", "loss"])]
    with pytest.raises(TypeError, match="unknown hook"):
        callbacks.LambdaCallback(on_epoch_ending=print)


def test_history_is_returned_and_kept_on_the_model():
    model, x, y = model_and_data()
    history = model.fit(x, y, epochs=3, verbose=0)
    assert model.history is history and history.epoch == [0, 1, 2]
    assert list(history.history) == ["accuracy", "loss"] and len(history.history["loss"]) == 3


def test_early_stopping_stops_after_patience_and_restores_the_best_weights():
    model, x, y = model_and_data()
    val_losses = iter([0.5, 0.4, 0.45, 0.6, 0.7, 0.8, 0.9])
    weights_at = {}

    class FakeValidation(callbacks.Callback):
        """Pretend validation losses (and remember the weights), so the test knows the best epoch."""
        def on_epoch_end(self, epoch, logs=None):
            logs["val_loss"] = next(val_losses)
            weights_at[epoch] = self.model.get_weights()

    stopper = callbacks.EarlyStopping(monitor="val_loss", patience=2, restore_best_weights=True)
    history = model.fit(x, y, epochs=10, verbose=0, callbacks=[FakeValidation(), stopper])
    assert history.epoch == [0, 1, 2, 3] and stopper.stopped_epoch == 3 and stopper.best_epoch == 1
    for a, b in zip(weights_at[1], model.get_weights()):
        np.testing.assert_array_equal(a, b)


def test_early_stopping_mode_auto_maximises_accuracy_and_min_delta_counts():
    model, x, y = model_and_data()
    stopper = callbacks.EarlyStopping(monitor="accuracy", min_delta=2.0, patience=1)
    history = model.fit(x, y, epochs=10, verbose=0, callbacks=[stopper])
    assert history.epoch == [0, 1]          # no accuracy can improve by 2.0
    assert stopper._sign == 1
    with pytest.warns(UserWarning, match="`val_loss` which is not available"):
        model.fit(x, y, epochs=1, verbose=0, callbacks=[callbacks.EarlyStopping()])


def test_model_checkpoint_keeps_the_best_model(tmp_path):
    model, x, y = model_and_data()
    path = tmp_path / "best.keras"
    checkpoint = callbacks.ModelCheckpoint(path, monitor="val_loss", save_best_only=True)
    history = model.fit(x, y, epochs=4, verbose=0, validation_split=0.25, callbacks=[checkpoint])
    best = min(history.history["val_loss"])
    assert checkpoint.best == best and path.exists()
    loaded = load_model(path)
    assert loaded.evaluate(x[30:], y[30:], verbose=0)[0] == pytest.approx(best, rel=1e-5)
    with pytest.raises(ValueError, match=r"\.keras"):
        callbacks.ModelCheckpoint(tmp_path / "best.npz")
    weights_only = callbacks.ModelCheckpoint(tmp_path / "w-{epoch:02d}.weights.h5", save_weights_only=True,
                                             monitor="loss")
    model.fit(x, y, epochs=2, verbose=0, callbacks=[weights_only])
    assert (tmp_path / "w-01.weights.h5").exists() and (tmp_path / "w-02.weights.h5").exists()


# ----------------------------------------------------------------- progress bar ----

BAR_LINE = r"2/2 ━{20} \d+s \d+(us|ms|s)/step - accuracy: \d\.\d{4} - loss: \d\.\d{4}"


def test_verbose_1_prints_epoch_headers_and_one_finished_bar_per_epoch(capsys):
    model, x, y = model_and_data()
    model.fit(x, y, batch_size=32, epochs=2, verbose=1)
    lines = capsys.readouterr().out.splitlines()
    assert lines[0] == "Epoch 1/2" and lines[2] == "Epoch 2/2" and len(lines) == 4
    assert re.fullmatch(BAR_LINE, lines[1]), lines[1]


def test_a_single_epoch_prints_no_epoch_header_and_validation_is_appended(capsys):
    model, x, y = model_and_data()
    model.fit(x, y, batch_size=32, epochs=1, validation_split=0.2)
    out = capsys.readouterr().out
    assert re.fullmatch(r"1/1 ━{20} \d+s \d+(us|ms|s)/step - accuracy: \S+ - loss: \S+ - val_accuracy: \S+ "
                        r"- val_loss: \S+\n", out), out


def test_verbose_2_prints_one_short_line_per_epoch(capsys):
    model, x, y = model_and_data()
    model.fit(x, y, batch_size=32, epochs=2, verbose=2)
    lines = capsys.readouterr().out.splitlines()
    assert lines[0] == "Epoch 1/2"
    assert re.fullmatch(r"2/2 - \d+s - \d+(us|ms|s)/step - accuracy: \d\.\d{4} - loss: \d\.\d{4}", lines[1]), lines[1]


def test_verbose_0_prints_nothing(capsys):
    model, x, y = model_and_data()
    model.fit(x, y, epochs=2, verbose=0)
    model.evaluate(x, y, verbose=0)
    model.predict(x, verbose=0)
    assert capsys.readouterr().out == ""


def test_in_a_terminal_or_notebook_the_bar_is_redrawn_in_place(capsys, monkeypatch):
    monkeypatch.setattr(callbacks, "_display", lambda: "terminal")
    model, x, y = model_and_data(n=200)
    monkeypatch.setattr(callbacks.Progbar, "__init__", _no_interval(callbacks.Progbar.__init__))
    model.fit(x, y, batch_size=10, epochs=2)
    out = capsys.readouterr().out
    assert out.count("\r") > 2 and "\x1b[32m" in out          # redrawn, with the done part in green
    shown = [line.rsplit("\r", 1)[-1] for line in out.split("\n")]   # what a terminal or notebook keeps
    plain = [re.sub(r"\x1b\[\d+m", "", line) for line in shown if line]
    assert plain[0] == "Epoch 1/2" and plain[2] == "Epoch 2/2" and len(plain) == 4
    assert re.fullmatch(r"20/20 ━{20} \d+s \d+(us|ms|s)/step - accuracy: \S+ - loss: \S+ *", plain[1])


def _no_interval(init):
    def patched(self, *args, **kwargs):
        init(self, *args, **kwargs)
        self.interval = 0.0
    return patched


def test_evaluate_and_predict_show_a_bar_too(capsys):
    model, x, y = model_and_data()
    model.evaluate(x, y)
    model.predict(x)
    lines = capsys.readouterr().out.splitlines()
    assert re.fullmatch(r"2/2 ━{20} \d+s \d+(us|ms|s)/step - accuracy: \S+ - loss: \S+", lines[0])
    assert re.fullmatch(r"2/2 ━{20} \d+s \d+(us|ms|s)/step", lines[1])


def test_small_values_use_scientific_notation():
    assert callbacks._format_value(0.0) == "0.0000e+00" and callbacks._format_value(0.81249) == "0.8125"


def test_in_a_notebook_a_short_epoch_prints_only_its_finished_line(capsys, monkeypatch):
    monkeypatch.setattr(callbacks, "_display", lambda: "notebook")
    model, x, y = model_and_data(n=200)
    model.fit(x, y, batch_size=10, epochs=2)
    out = re.sub(r"\x1b\[\d+m", "", capsys.readouterr().out)
    assert out.count("\r") == 2          # one per epoch: the finished line, no redraws
    lines = [line.rsplit("\r", 1)[-1] for line in out.split("\n")]
    assert lines[0::2] == ["Epoch 1/2", "Epoch 2/2", ""] and lines[1].startswith("20/20 ━━━")


def test_eta_reads_like_keras():
    assert callbacks._format_eta(42.4) == "42s" and callbacks._format_eta(75) == "1:15"
    assert callbacks._format_eta(3725) == "1:02:05"
