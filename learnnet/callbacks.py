"""Callbacks: code that ``fit`` runs at fixed moments of training, with Keras's hook names.

``fit`` calls every callback's hooks in this order (``logs`` holds the metrics so far)::

    on_train_begin
      on_epoch_begin(epoch)
        on_train_batch_begin(batch) / on_train_batch_end(batch, logs)   once per batch
        on_test_begin / on_test_batch_* / on_test_end                   validation, if any
      on_epoch_end(epoch, logs)        logs: loss, accuracy, val_loss, val_accuracy, ...
    on_train_end

``evaluate`` calls the ``on_test_*`` hooks and ``predict`` the ``on_predict_*`` ones.
A callback sees the model as ``self.model`` and can stop training by setting
``self.model.stop_training = True``.

Here: ``Callback`` (the base), ``History`` (``fit``'s return value), ``ProgbarLogger``
(the progress bar of ``verbose=1``), ``EarlyStopping``, ``ModelCheckpoint`` and
``LambdaCallback``.
"""
import os
import sys
import time
import warnings


class Callback:
    """Base class: every hook does nothing until a subclass overrides it.

    Attributes:
        model: the model being trained (set by ``fit`` through ``set_model``).
        params: ``{"verbose": ..., "epochs": ..., "steps": batches per epoch}``.
    """

    def __init__(self):
        self.params = None
        self.model = None

    def set_params(self, params):
        self.params = params

    def set_model(self, model):
        self.model = model

    def on_train_begin(self, logs=None):
        """Called once at the start of ``fit``."""

    def on_train_end(self, logs=None):
        """Called once at the end of ``fit``; ``logs`` are the last epoch's."""

    def on_epoch_begin(self, epoch, logs=None):
        """Called at the start of each epoch (``epoch`` counts from 0)."""

    def on_epoch_end(self, epoch, logs=None):
        """Called at the end of each epoch, with that epoch's metrics and the ``val_`` ones."""

    def on_batch_begin(self, batch, logs=None):
        """The older name of ``on_train_batch_begin``."""

    def on_batch_end(self, batch, logs=None):
        """The older name of ``on_train_batch_end``."""

    def on_train_batch_begin(self, batch, logs=None):
        """Called before each training batch (``batch`` counts from 0 in each epoch)."""
        self.on_batch_begin(batch, logs=logs)

    def on_train_batch_end(self, batch, logs=None):
        """Called after each training batch; ``logs`` hold the epoch's running metrics."""
        self.on_batch_end(batch, logs=logs)

    def on_test_begin(self, logs=None):
        """Called at the start of ``evaluate`` (and of validation inside ``fit``)."""

    def on_test_end(self, logs=None):
        """Called at the end of ``evaluate`` (and of validation inside ``fit``)."""

    def on_test_batch_begin(self, batch, logs=None):
        pass

    def on_test_batch_end(self, batch, logs=None):
        pass

    def on_predict_begin(self, logs=None):
        pass

    def on_predict_end(self, logs=None):
        pass

    def on_predict_batch_begin(self, batch, logs=None):
        pass

    def on_predict_batch_end(self, batch, logs=None):
        pass


class CallbackList:
    """Calls a hook on every callback in turn. ``fit`` adds ``History`` and, if
    ``verbose``, a ``ProgbarLogger`` after the user's callbacks, as Keras does."""

    def __init__(self, callbacks=None, add_history=False, add_progbar=False, model=None, **params):
        if isinstance(callbacks, Callback):
            callbacks = [callbacks]
        self.callbacks = list(callbacks or [])
        for cb in self.callbacks:
            if not isinstance(cb, Callback):
                raise TypeError(f"`callbacks` must be a list of Callback objects (e.g. EarlyStopping(...)); "
                                f"received {cb!r}")
        self.history = next((cb for cb in self.callbacks if isinstance(cb, History)), None)
        if self.history is None and add_history:
            self.history = History()
            self.callbacks.append(self.history)
        if add_progbar and not any(isinstance(cb, ProgbarLogger) for cb in self.callbacks):
            self.callbacks.append(ProgbarLogger())
        self.params = params
        for cb in self.callbacks:
            cb.set_model(model)
            cb.set_params(params)
        if model is not None and self.history is not None:
            model.history = self.history

    def __getattr__(self, hook):
        """``callback_list.on_epoch_end(epoch, logs)`` calls ``on_epoch_end`` on each callback
        that has one of its own (the others' would do nothing: skipping them keeps batches fast)."""
        if not hook.startswith("on_"):
            raise AttributeError(hook)
        methods = [getattr(cb, hook) for cb in self.callbacks if _overrides(cb, hook)]

        def call_all(*args, **kwargs):
            for method in methods:
                method(*args, **kwargs)
        setattr(self, hook, call_all)   # made once per hook, then found directly
        return call_all


_ALIASES = {"on_train_batch_begin": "on_batch_begin", "on_train_batch_end": "on_batch_end"}


def _overrides(cb, hook):
    """Whether ``cb`` does something on ``hook`` (itself, or through the older alias of a batch hook)."""
    names = [hook] + ([_ALIASES[hook]] if hook in _ALIASES else [])
    return any(name in vars(cb) or getattr(type(cb), name, None) is not getattr(Callback, name, None)
               for name in names)


class History(Callback):
    """Records each epoch's logs: ``history.history == {"loss": [...], "accuracy": [...], ...}``.

    ``fit`` returns it (it is also ``model.history``); ``history.epoch`` lists the epochs run.
    """

    def __init__(self):
        super().__init__()
        self.history = {}
        self.epoch = []

    def on_train_begin(self, logs=None):
        self.epoch = []

    def on_epoch_end(self, epoch, logs=None):
        self.epoch.append(epoch)
        for key, value in (logs or {}).items():
            self.history.setdefault(key, []).append(value)


# -------------------------------------------------------------------- progress bar ----

def _display():
    """Where stdout goes: ``"terminal"`` or ``"notebook"`` (a line can be redrawn with '\\r'), else None."""
    if hasattr(sys.stdout, "isatty") and sys.stdout.isatty():
        return "terminal"
    ipython = sys.modules.get("IPython")      # only look, never import: the engine needs NumPy alone
    shell = ipython.get_ipython() if ipython is not None and hasattr(ipython, "get_ipython") else None
    kernel = any(cls.__name__ == "ZMQInteractiveShell" for cls in type(shell).__mro__)   # Jupyter's (and Colab's)
    return "notebook" if kernel else None


def _format_eta(seconds):
    if seconds > 3600:
        return f"{seconds // 3600:.0f}:{(seconds % 3600) // 60:02.0f}:{seconds % 60:02.0f}"
    if seconds > 60:
        return f"{seconds // 60:.0f}:{seconds % 60:02.0f}"
    return f"{seconds:.0f}s"


def _format_value(value):
    return f"{value:.4f}" if abs(value) > 1e-3 else f"{value:.4e}"


def _format_time_per_step(seconds):
    if seconds >= 1 or seconds == 0:
        return f"{seconds:.0f}s/step"
    if seconds >= 1e-3:
        return f"{seconds * 1e3:.0f}ms/step"
    return f"{seconds * 1e6:.0f}us/step"


class Progbar:
    """Keras's progress bar: ``32/32 ━━━━━━━━━━━━━━━━━━━━ 0s 3ms/step - accuracy: 0.8125 - loss: 0.4123``.

    In a terminal the line is redrawn in place (a ``'\\r'`` then the new text) at most
    every ``interval`` seconds, and finished with a newline. In a Jupyter notebook too,
    but only once an epoch has run for a second, and then twice a second: a short epoch
    prints just its finished line, so a saved notebook holds one line per epoch (and
    Jupyter folds the redraws of a long one into its last). Elsewhere (a file, a pipe,
    a test capturing stdout) only the finished line is printed. ``verbose=2`` prints
    the finished line in the shorter form ``32/32 - 0s - 3ms/step - accuracy: ... - loss: ...``.
    """

    def __init__(self, target, width=20, verbose=1, interval=0.05, stream=None):
        self.target, self.width, self.verbose, self.interval = target, width, verbose, interval
        self.stream = stream
        display = _display()
        self.dynamic = display is not None
        self._start = time.time()
        self._last_update = 0.0
        if display == "notebook":
            self.interval = max(interval, 0.5)
            self._last_update = self._start + 1.0 - self.interval   # the first redraw after 1 s
        self._time_after_first_step = None
        self._previous_width = 0

    def _time_per_step(self, current, now):
        # The first step is often slow (building, caches), so it is left out once there are more.
        if not current:
            return 0.0
        if self._time_after_first_step is not None and current > 1:
            per_step = (now - self._time_after_first_step) / (current - 1)
        else:
            per_step = (now - self._start) / current
        if current == 1:
            self._time_after_first_step = now
        return per_step

    def update(self, current, values=None, finalize=False):
        """Show step ``current`` of ``target`` with ``values`` (a dict of metric values)."""
        now = time.time()
        per_step = self._time_per_step(current, now)
        if self.verbose == 2:
            if finalize:
                self._write(f"{current}/{self.target} - {now - self._start:.0f}s - {_format_time_per_step(per_step)}"
                            + self._metrics(values) + "\n")
            return
        if self.verbose != 1 or not (finalize or (self.dynamic and now - self._last_update >= self.interval)):
            return
        self._last_update = now
        digits = len(str(self.target))
        done = int(self.width * current / self.target) if self.target else self.width
        if self.dynamic:   # colour shows progress: done in green, still to do in grey
            bar = f"\x1b[32m{'━' * done}\x1b[0m\x1b[37m{'━' * (self.width - done)}\x1b[0m"
        else:
            bar = "━" * done + "─" * (self.width - done)
        clock = f"{now - self._start:.0f}s" if finalize else _format_eta(per_step * (self.target - current))
        line = (f"{current:>{digits}}/{self.target} {bar} {clock} {_format_time_per_step(per_step)}"
                + self._metrics(values))
        visible = len(line) - (len(bar) - self.width)
        padding = " " * max(0, self._previous_width - visible)   # wipe the end of a longer previous line
        self._previous_width = visible
        self._write(("\r" if self.dynamic else "") + line + padding + ("\n" if finalize else ""))

    @staticmethod
    def _metrics(values):
        return "".join(f" - {k}: {_format_value(v)}" for k, v in (values or {}).items())

    def _write(self, text):
        stream = self.stream or sys.stdout
        stream.write(text)
        stream.flush()


class ProgbarLogger(Callback):
    """Prints ``Epoch 1/10`` and a progress bar per epoch (``verbose=1``) or one line per epoch (``verbose=2``).

    ``fit(verbose=1)`` adds one itself; validation inside ``fit`` stays silent.
    """

    def __init__(self):
        super().__init__()
        self.progbar = None
        self.verbose, self.epochs, self.target = 1, 1, None
        self._in_fit = False

    def set_params(self, params):
        verbose = params.get("verbose", 1)
        self.verbose = 1 if verbose == "auto" else verbose
        self.epochs = params.get("epochs", 1)
        self.target = params.get("steps")

    def _new_bar(self):
        self.progbar = Progbar(self.target, verbose=self.verbose)

    def on_train_begin(self, logs=None):
        self._in_fit = True

    def on_train_end(self, logs=None):
        self._in_fit = False

    def on_epoch_begin(self, epoch, logs=None):
        self._new_bar()
        if self.verbose and self.epochs > 1:
            self.progbar._write(f"Epoch {epoch + 1}/{self.epochs}\n")

    def on_train_batch_end(self, batch, logs=None):
        self.progbar.update(batch + 1, logs)

    def on_epoch_end(self, epoch, logs=None):
        self.progbar.update(self.target, logs, finalize=True)

    def on_test_begin(self, logs=None):
        if not self._in_fit:
            self._new_bar()

    def on_test_batch_end(self, batch, logs=None):
        if not self._in_fit:
            self.progbar.update(batch + 1, logs)

    def on_test_end(self, logs=None):
        if not self._in_fit:
            self.progbar.update(self.target, logs, finalize=True)

    def on_predict_begin(self, logs=None):
        self._new_bar()

    def on_predict_batch_end(self, batch, logs=None):
        self.progbar.update(batch + 1)

    def on_predict_end(self, logs=None):
        self.progbar.update(self.target, finalize=True)


# ------------------------------------------------------------- monitoring a metric ----

class _MonitorCallback(Callback):
    """What EarlyStopping and ModelCheckpoint share: watching ``monitor`` and knowing which way is better."""

    def __init__(self, monitor="val_loss", mode="auto", baseline=None, min_delta=0):
        super().__init__()
        if mode not in ("auto", "min", "max"):
            warnings.warn(f"{type(self).__name__} mode '{mode}' is unknown, fallback to auto mode.", stacklevel=3)
            mode = "auto"
        self.monitor, self.mode, self.baseline = monitor, mode, baseline
        self.min_delta = abs(min_delta)
        self.best = baseline
        self._sign = None   # +1: bigger is better, -1: smaller is better

    def _direction(self):
        if self.mode != "auto":
            return 1 if self.mode == "max" else -1
        name = self.monitor[4:] if self.monitor.startswith("val_") else self.monitor
        if name == "loss" or name.endswith("_loss"):
            return -1
        for metric in getattr(self.model, "metrics", []):
            if metric.name == name or name.endswith("_" + metric.name):
                return 1 if getattr(metric, "direction", "down") == "up" else -1
        raise ValueError(
            f"{type(self).__name__} callback received monitor={self.monitor}, but learnnet isn't able to "
            "automatically determine whether that metric should be maximized or minimized. Pass `mode='max'` "
            "in order to monitor based on the highest metric value, or pass `mode='min'` in order to use the "
            "lowest value."
        )

    def _is_improvement(self, value, reference):
        """Better than ``reference`` by more than ``min_delta`` (anything beats ``None``)."""
        if reference is None:
            return True
        if self._sign is None:
            self._sign = self._direction()
        return self._sign * (value - reference) > self.min_delta

    def _monitored(self, logs):
        value = (logs or {}).get(self.monitor)
        if value is None:
            warnings.warn(f"{type(self).__name__} is conditioned on metric `{self.monitor}` which is not available. "
                          f"Available metrics are: {','.join(logs or {})}", stacklevel=3)
        return value


class EarlyStopping(_MonitorCallback):
    """Stop training when ``monitor`` has stopped improving, as Keras's ``EarlyStopping``.

    After each epoch the monitored value is compared with the best so far; ``patience``
    epochs without an improvement (by more than ``min_delta``) stop training.

    Args:
        monitor: the logs key to watch, ``"val_loss"`` by default.
        min_delta: the smallest change that counts as an improvement.
        patience: how many epochs without improvement to allow before stopping.
        verbose: 1 prints a line when stopping.
        mode: ``"min"``, ``"max"`` or ``"auto"`` (from the name: losses down, accuracies up).
        baseline: a value to beat; training stops if it is not beaten within ``patience`` epochs.
        restore_best_weights: at the end, put back the weights of the best epoch.
        start_from_epoch: epochs to wait before monitoring at all (a warm-up).
    """

    def __init__(self, monitor="val_loss", min_delta=0, patience=0, verbose=0, mode="auto", baseline=None,
                 restore_best_weights=False, start_from_epoch=0):
        super().__init__(monitor, mode, baseline, min_delta)
        self.patience, self.verbose = patience, verbose
        self.restore_best_weights, self.start_from_epoch = restore_best_weights, start_from_epoch
        self.wait, self.stopped_epoch, self.best_weights, self.best_epoch = 0, 0, None, 0

    def on_train_begin(self, logs=None):
        # A callback can be used for several fits: start afresh.
        self.wait, self.stopped_epoch, self.best, self.best_weights, self.best_epoch = 0, 0, None, None, 0

    def on_epoch_end(self, epoch, logs=None):
        current = self._monitored(logs)
        if current is None or epoch < self.start_from_epoch:
            return
        if self.restore_best_weights and self.best_weights is None:
            self.best_weights, self.best_epoch = self.model.get_weights(), epoch
        self.wait += 1
        if self._is_improvement(current, self.best):
            self.best, self.best_epoch = current, epoch
            if self.restore_best_weights:
                self.best_weights = self.model.get_weights()
            # Only restart the wait if the baseline is beaten too.
            if self.baseline is None or self._is_improvement(current, self.baseline):
                self.wait = 0
            return
        if self.wait >= self.patience and epoch > 0:
            self.stopped_epoch = epoch
            self.model.stop_training = True

    def on_train_end(self, logs=None):
        if self.stopped_epoch > 0 and self.verbose > 0:
            print(f"Epoch {self.stopped_epoch + 1}: early stopping")
        if self.restore_best_weights and self.best_weights is not None:
            if self.verbose > 0:
                print(f"Restoring model weights from the end of the best epoch: {self.best_epoch + 1}.")
            self.model.set_weights(self.best_weights)


class ModelCheckpoint(_MonitorCallback):
    """Save the model (or only its weights) during training, as Keras's ``ModelCheckpoint``.

    Args:
        filepath: where to save; may hold ``{epoch}`` and logs keys, e.g.
            ``"model-{epoch:02d}-{val_loss:.2f}.keras"``. As in Keras, a whole model
            goes to a ``.keras`` file and weights alone to a ``.weights.h5`` file (learnnet
            writes its own format, a zip of JSON and NumPy arrays, whatever the name).
        monitor, mode: what "best" means, as for ``EarlyStopping``.
        verbose: 1 prints a line at each save.
        save_best_only: only save when ``monitor`` improves (so the file holds the best model).
        save_weights_only: save ``model.save_weights`` instead of ``model.save``.
        save_freq: ``"epoch"``, or save every that many batches.
        initial_value_threshold: a value the first save must beat.
    """

    def __init__(self, filepath, monitor="val_loss", verbose=0, save_best_only=False, save_weights_only=False,
                 mode="auto", save_freq="epoch", initial_value_threshold=None):
        super().__init__(monitor, mode, initial_value_threshold)
        self.filepath = os.fspath(filepath)
        self.verbose, self.save_best_only, self.save_weights_only = verbose, save_best_only, save_weights_only
        if save_freq != "epoch" and (isinstance(save_freq, bool) or not isinstance(save_freq, int) or save_freq <= 0):
            raise ValueError(f"Unrecognized save_freq: {save_freq!r}. Expected save_freq are 'epoch' or integer values")
        self.save_freq = save_freq
        ok = (".weights.h5", ".weights.npz") if save_weights_only else (".keras",)
        if not self.filepath.endswith(ok):
            what = "`save_weights_only=True` needs a filepath ending in" if save_weights_only else \
                "The filepath provided must end in"
            raise ValueError(f"{what} {' or '.join(repr(e) for e in ok)}, as in Keras. "
                             f"Received: filepath={self.filepath}")
        self._batches_since_save = 0
        self._epoch = 0

    def on_epoch_begin(self, epoch, logs=None):
        self._epoch = epoch

    def on_train_batch_end(self, batch, logs=None):
        if self.save_freq != "epoch":
            self._batches_since_save += 1
            if self._batches_since_save >= self.save_freq:
                self._batches_since_save = 0
                self._save(self._epoch, batch, logs)

    def on_epoch_end(self, epoch, logs=None):
        if self.save_freq == "epoch":
            self._save(epoch, None, logs)

    def _save(self, epoch, batch, logs):
        logs = logs or {}
        values = {"epoch": epoch + 1, **logs} if batch is None else {"epoch": epoch + 1, "batch": batch + 1, **logs}
        try:
            path = self.filepath.format(**values)
        except KeyError as e:
            raise KeyError(f'Failed to format this callback filepath: "{self.filepath}". Reason: {e}') from None
        if self.save_best_only:
            current = logs.get(self.monitor)
            if current is None:
                warnings.warn(f"Can save best model only with {self.monitor} available.", stacklevel=3)
            else:
                best = "None" if self.best is None else f"{self.best:.5f}"
                if not self._is_improvement(current, self.best):
                    if self.verbose > 0:
                        print(f"\nEpoch {epoch + 1}: {self.monitor} did not improve from {best}")
                    return
                if self.verbose > 0:
                    print(f"\nEpoch {epoch + 1}: {self.monitor} improved from {best} to {current:.5f}, "
                          f"saving model to {path}")
                self.best = current
        elif self.verbose > 0:
            print(f"\nEpoch {epoch + 1}: saving model to {path}")
        folder = os.path.dirname(path)
        if folder:
            os.makedirs(folder, exist_ok=True)
        if self.save_weights_only:
            self.model.save_weights(path, overwrite=True)
        else:
            self.model.save(path, overwrite=True)


class LambdaCallback(Callback):
    """A callback made of plain functions, for quick experiments::

        LambdaCallback(on_epoch_end=lambda epoch, logs: print(epoch, logs["loss"]))

    Args (each optional, with the hook's arguments):
        on_epoch_begin, on_epoch_end: ``f(epoch, logs)``
        on_train_begin, on_train_end: ``f(logs)``
        on_train_batch_begin, on_train_batch_end: ``f(batch, logs)``
        any other hook by name, e.g. ``on_batch_end=f`` or ``on_test_end=f``.
    """

    def __init__(self, on_epoch_begin=None, on_epoch_end=None, on_train_begin=None, on_train_end=None,
                 on_train_batch_begin=None, on_train_batch_end=None, **kwargs):
        super().__init__()
        hooks = {"on_epoch_begin": on_epoch_begin, "on_epoch_end": on_epoch_end, "on_train_begin": on_train_begin,
                 "on_train_end": on_train_end, "on_train_batch_begin": on_train_batch_begin,
                 "on_train_batch_end": on_train_batch_end, **kwargs}
        for name, fn in hooks.items():
            if fn is None:
                continue
            if not name.startswith("on_") or not hasattr(Callback, name):
                raise TypeError(f"LambdaCallback got an unknown hook {name!r}; hooks are named like Callback's "
                                "methods, e.g. on_epoch_end or on_train_batch_end.")
            setattr(self, name, fn)
