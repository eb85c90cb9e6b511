"""TrainingMonitor: a Callback that draws exactly what fit logs, per batch (throttled) and per epoch."""
import matplotlib

matplotlib.use("Agg")

import numpy as np
import pytest

from learnnet.callbacks import Callback, History
from learnnet.layers import Dense
from learnnet.models import Sequential
from learnnet.utils import set_random_seed, to_categorical
from learnnet.widgets.monitor import MAX_PANELS, TrainingMonitor


def small_model(metrics=("accuracy",)):
    set_random_seed(0)
    model = Sequential([Dense(8, input_dim=4, activation="relu"), Dense(3, activation="softmax")])
    model.compile(optimizer="adam", loss="categorical_crossentropy", metrics=list(metrics))
    return model


def data(n=96):
    rng = np.random.default_rng(0)
    x = rng.normal(size=(n, 4)).astype("float32")
    y = to_categorical((x[:, 0] > 0).astype(int) + (x[:, 1] > 1).astype(int), 3)
    return x, y


class Recorder(Callback):
    """What fit hands to every callback, for comparison."""

    def __init__(self):
        super().__init__()
        self.batch_logs, self.epoch_logs = [], []

    def on_train_batch_end(self, batch, logs=None):
        self.batch_logs.append(dict(logs))

    def on_epoch_end(self, epoch, logs=None):
        self.epoch_logs.append(dict(logs))


def test_is_a_learnnet_callback_and_constructs_with_no_arguments():
    monitor = TrainingMonitor()
    assert isinstance(monitor, Callback)
    assert monitor.names == ["loss"] and monitor.epochs_seen == 0
    assert "waiting for model.fit" in monitor.readout()
    assert monitor.png()[:4] == b"\x89PNG"


def test_draws_exactly_what_fit_logs_per_batch_and_per_epoch():
    x, y = data()
    model, monitor, recorder = small_model(), TrainingMonitor(batch_every=0), Recorder()
    history = model.fit(x, y, epochs=3, batch_size=16, validation_split=0.25, verbose=0,
                        callbacks=[monitor, recorder])
    assert monitor.names == ["loss", "accuracy"]            # the loss and the compiled metric, by default
    assert monitor.epochs_seen == 3 and monitor.batches_seen == 3 * 5
    for name in monitor.names:
        assert monitor.epoch_values[name] == pytest.approx(history.history[name])
        assert monitor.val_values[name] == pytest.approx(history.history[f"val_{name}"])
        xs, values = monitor.batch_curves[name]
        assert values == pytest.approx([logs[name] for logs in recorder.batch_logs])
        assert xs[:5] == pytest.approx([0.2, 0.4, 0.6, 0.8, 1.0])   # in epochs: batch 2 of 5 is at 0.4
        assert xs[-1] == pytest.approx(3.0)
    # the artists show the same numbers
    np.testing.assert_allclose(monitor.epoch_lines["loss"].get_ydata(), history.history["loss"])
    np.testing.assert_allclose(monitor.epoch_lines["loss"].get_xdata(), [1, 2, 3])
    np.testing.assert_allclose(monitor.val_lines["accuracy"].get_ydata(), history.history["val_accuracy"])
    np.testing.assert_allclose(monitor.batch_lines["loss"].get_ydata(), monitor.batch_curves["loss"][1])
    assert monitor.axes["loss"].get_xlim() == (0, 3)
    assert f"{history.history['loss'][-1]:.4f}" in monitor.readout()


def test_per_batch_redraws_are_throttled_but_every_epoch_end_redraws():
    x, y = data(256)
    every = TrainingMonitor(batch_every=0)
    rarely = TrainingMonitor(batch_every=3600)
    epochs_only = TrainingMonitor(batch_every=None)
    model = small_model()
    model.fit(x, y, epochs=2, batch_size=8, verbose=0, callbacks=[every, rarely, epochs_only])
    batches = 2 * 32
    assert every.redraws == 1 + batches + 2                 # train begin, each batch, each epoch end
    assert rarely.redraws == 1 + 2
    assert epochs_only.redraws == 1 + 2
    assert rarely.batch_curves["loss"][1] == every.batch_curves["loss"][1]   # the data is all kept


def test_drawing_takes_at_most_a_sixth_of_the_time():
    monitor = TrainingMonitor(batch_every=0.001)
    monitor._redraw_seconds = 0.05                 # as if a redraw took 50 ms (a slow machine)
    assert monitor._least_gap() == pytest.approx(0.25)
    monitor.batch_every = 1.0
    assert monitor._least_gap() == 1.0
    monitor.batch_every = 0
    assert monitor._least_gap() == 0.0


def test_chosen_metrics_and_a_model_without_metrics():
    x, y = data()
    monitor = TrainingMonitor(metrics=["loss"])
    small_model().fit(x, y, epochs=1, batch_size=32, verbose=0, callbacks=[monitor])
    assert list(monitor.axes) == ["loss"]
    assert [ax.get_visible() for ax, *_ in monitor.panels] == [True] + [False] * (MAX_PANELS - 1)
    plain = TrainingMonitor()
    small_model(metrics=()).fit(x, y, epochs=1, batch_size=32, verbose=0, callbacks=[plain])
    assert plain.names == ["loss"] and plain.val_values == {}


def test_reused_for_a_second_fit_starts_afresh_and_follows_initial_epoch():
    x, y = data()
    model, monitor = small_model(), TrainingMonitor()
    model.fit(x, y, epochs=2, batch_size=32, verbose=0, callbacks=[monitor])
    model.fit(x, y, epochs=5, initial_epoch=2, batch_size=32, verbose=0, callbacks=[monitor])
    assert monitor.epochs_seen == 3
    np.testing.assert_allclose(monitor.epoch_lines["loss"].get_xdata(), [3, 4, 5])
    assert monitor.batch_curves["loss"][0][0] == pytest.approx(2 + 1 / 3)


def test_y_axis_grows_to_a_round_number_when_the_loss_is_above_it():
    x, y = data()
    y_big = y * 40.0                                          # a large mse loss
    set_random_seed(0)
    model = Sequential([Dense(3, input_dim=4)])
    model.compile(optimizer="sgd", loss="mse")
    monitor = TrainingMonitor()
    model.fit(x, y_big, epochs=1, batch_size=32, verbose=0, callbacks=[monitor])
    top = monitor.axes["loss"].get_ylim()[1]
    assert max(monitor.batch_curves["loss"][1]) <= top < 2.2 * max(monitor.batch_curves["loss"][1])
    mantissa = top / 10 ** np.floor(np.log10(top))
    assert mantissa in (1, 1.5, 2, 2.5, 3, 4, 5, 7.5)        # a round number


def test_live_view_is_an_image_updated_after_each_redraw():
    x, y = data()
    monitor = TrainingMonitor(batch_every=None)
    view = monitor.widget
    first = monitor._live_image.value
    small_model().fit(x, y, epochs=2, batch_size=32, verbose=0, callbacks=[monitor])
    assert monitor._live_image.value != first and monitor._live_image.value[:4] == b"\x89PNG"
    assert view is monitor.widget


def test_bad_arguments_are_teaching_errors():
    with pytest.raises(ValueError, match="batch_every"):
        TrainingMonitor(batch_every=-1)
    with pytest.raises(ValueError, match="metrics"):
        TrainingMonitor(metrics="loss")


def test_works_with_history_and_the_progress_bar(capsys):
    x, y = data()
    monitor = TrainingMonitor()
    history = small_model().fit(x, y, epochs=2, batch_size=32, verbose=2, callbacks=[monitor, History()])
    assert monitor.epoch_values["loss"] == pytest.approx(history.history["loss"])
    assert "3/3" in capsys.readouterr().out
