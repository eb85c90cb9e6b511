r"""Training: ``compile``, ``fit``, ``evaluate``, ``predict``, shared by every model.

``fit`` is the loop you would write by hand, with Keras's bookkeeping around it::

    for epoch in range(epochs):
        shuffle the samples
        for each batch (x_batch, y_batch):
            y_pred = model.forward(x_batch, training=True)      # forward pass
            loss   = loss_fn(y_batch, y_pred)                   # how wrong
            grad   = loss_fn.gradient(y_batch, y_pred)          # dL/dy_pred
            model.backward(grad)                                # dL/dW for every layer
            optimizer.apply_gradients(model.grads_and_vars())   # W -= step
        (then the validation data, if any, is evaluated)

Three shortcuts keep it fast without changing the numbers: the data is checked once, when
``fit`` receives it, not again by every layer for every batch (``learnnet._checks.checked_data``);
when the last layer's softmax meets categorical cross-entropy, ``fit`` starts the backward
pass from their combined gradient dL/dz = (p - t) / N, as tf.keras does, instead of chaining
the loss's gradient through the softmax's Jacobian; and the optimizer's rule runs once on all
the weights laid end to end (``Optimizer.flat_weights``) instead of once per weight.

Bookkeeping, as Keras 3:

- The epoch's ``loss`` is the mean of the batch losses weighted by batch size (so the
  mean over samples); each metric averages over every sample of the epoch. Both
  describe the weights *as they changed during the epoch*, not the final ones.
- ``validation_split=0.2`` keeps the *last* 20 % of the samples (before any
  shuffling) for validation; ``val_loss``/``val_accuracy`` are computed on them after
  each epoch with the epoch's final weights.
- ``fit`` returns a ``History``: ``history.history["loss"]`` lists the epoch losses.
- Weight penalties (``Dense(kernel_regularizer="l2")``, see ``learnnet.regularizers``) are
  added to the loss that is minimised and reported, and their gradients to dL/dW.
- Shuffling draws from ``learnnet.utils.get_rng()``: after ``set_random_seed(s)`` two
  identical runs give identical weights, bit for bit.

Every argument and array is checked before anything changes: a failed call leaves
the model (and your arrays) as they were, and the error says what to fix.
"""
import math

import numpy as np

from .. import activations as activations_module
from .. import callbacks as callbacks_module
from .. import losses as losses_module
from .. import metrics as metrics_module
from .. import optimizers as optimizers_module
from .._checks import as_float_array, checked_data
from ..utils import get_rng


class Trainer:
    """The training machinery of ``Model`` (and so of ``Sequential``)."""

    def _init_training(self):
        self.compiled = False
        self.optimizer = None
        self.loss = None              # what compile received, as in Keras
        self.stop_training = False
        self.history = None
        self._losses = []             # one Loss object (or None) per output
        self._loss_weights = []
        self._metric_specs = []       # per output: the metric identifiers given to compile
        self._metric_objects = None   # per output: Metric objects, made from the first data seen
        self._loss_tracker = metrics_module.Mean(name="loss")
        self._output_loss_trackers = []
        self._optimizer_params = []   # weights in the order the optimizer first saw them (for saving)
        self._optimizer_seen = set()
        self._train_leaves, self._train_slots, self._train_penalties = [], [], []
        self._softmax_nodes = frozenset()   # output calls where fit takes the softmax + cross-entropy shortcut
        self._data_nodes = frozenset()      # layer calls that read only the model's input (no dL/dx needed)
        self._skip_nodes = frozenset()
        self._flat_weights = False          # fit's weights laid end to end for the optimizer (None: not tried yet)
        self._log_keys = None               # (the metric objects, [(log key, metric)] sorted by key)

    # ----------------------------------------------------------------- compile
    def compile(self, optimizer="rmsprop", loss=None, loss_weights=None, metrics=None, **kwargs):
        """Choose the optimizer, the loss and the metrics to report.

        Args:
            optimizer: a name (``"adam"``, ``"sgd"``, ``"rmsprop"``, ``"adagrad"``) or an optimizer object.
            loss: a name (``"categorical_crossentropy"``, ``"mse"``, ...) or a loss object; for several
                outputs, one for all, a list, or a dict by output name.
            loss_weights: for several outputs, how much each output's loss counts in the total.
            metrics: e.g. ``["accuracy"]``; for several outputs, a list of lists or a dict by output name.
                ``"accuracy"``/``"acc"`` becomes binary, categorical or sparse categorical accuracy
                from the shapes of the targets and outputs, as in Keras.
        """
        ignored = {"run_eagerly", "jit_compile", "steps_per_execution", "auto_scale_loss"}
        unknown = set(kwargs) - ignored
        if unknown:
            raise TypeError(f"compile() got unexpected keyword arguments {sorted(unknown)}. It takes optimizer, "
                            "loss, loss_weights and metrics.")
        names = self._output_names()
        n = len(names)
        optimizer = optimizers_module.get(optimizer)
        if optimizer is None:
            raise ValueError("compile() needs an optimizer, e.g. optimizer='adam'.")
        losses = self._per_output(loss, "loss", names)
        losses = [losses_module.get(item) for item in losses]
        if loss_weights is None:
            weights = [1.0] * n
        else:
            weights = self._per_output(loss_weights, "loss_weights", names, single_ok=False)
            weights = [1.0 if w is None else float(w) for w in weights]
        if metrics is None:
            specs = [[] for _ in range(n)]
        elif isinstance(metrics, dict):
            specs = self._per_output(metrics, "metrics", names)
            specs = [[] if m is None else (list(m) if isinstance(m, (list, tuple)) else [m]) for m in specs]
        elif isinstance(metrics, (list, tuple)) and n > 1:
            if len(metrics) != n or not all(isinstance(m, (list, tuple)) or m is None for m in metrics):
                raise ValueError(
                    f"Invalid `metrics` for a model with {n} outputs {names}: give a list of {n} lists "
                    f"(e.g. metrics=[['accuracy'], []]) or a dict by output name (e.g. metrics={{'{names[0]}': "
                    f"'accuracy'}}). Received: metrics={metrics!r}"
                )
            specs = [list(m or []) for m in metrics]
        else:
            specs = [list(metrics) if isinstance(metrics, (list, tuple)) else [metrics]]
        for spec in specs:
            for identifier in spec:
                if not (isinstance(identifier, str) and identifier.lower() in ("accuracy", "acc")):
                    metrics_module.get(identifier)   # an unknown name fails now, with a suggestion
        # All checked: now change the model.
        self.optimizer, self.loss, self.compiled = optimizer, loss, True
        self._losses, self._loss_weights, self._metric_specs = losses, weights, specs
        self._metric_objects, self._log_keys = None, None
        self._output_loss_trackers = [metrics_module.Mean(name=f"{name}_loss") for name in names] if n > 1 else []
        self._optimizer_params, self._optimizer_seen = [], set()

    def _output_names(self):
        """The output layers' names (Keras names per-output losses and metrics after them)."""
        if not self.outputs:
            return ["output"]
        names = [t._keras_history[0].name for t in self.outputs]
        return [name if names.count(name) == 1 else f"{name}_{i}" for i, name in enumerate(names)]

    @staticmethod
    def _per_output(value, what, names, single_ok=True):
        """One entry per output from a single value, a list, or a dict by output name."""
        n = len(names)
        if isinstance(value, dict):
            unknown = set(value) - set(names)
            if unknown:
                raise ValueError(f"`{what}` has keys {sorted(unknown)} that are not output names; "
                                 f"the outputs are {names}.")
            return [value.get(name) for name in names]
        if isinstance(value, (list, tuple)) and (n > 1 or not single_ok):
            if len(value) != n:
                raise ValueError(f"`{what}` has {len(value)} entries but the model has {n} outputs {names}.")
            return list(value)
        return [value] * n

    def _require_compiled(self, who):
        if not self.compiled:
            raise ValueError(
                f"You must call `compile()` before using the model (here: `{who}()`), e.g. "
                "model.compile(optimizer='adam', loss='categorical_crossentropy', metrics=['accuracy'])."
            )
        if all(loss is None for loss in self._losses):
            raise ValueError("No loss to compute. Provide a `loss` argument in `compile()`, e.g. loss='mse'.")

    # ---------------------------------------------------------- metric objects
    @property
    def metrics(self):
        """The Metric objects: the loss tracker first, then the per-output losses and compiled metrics."""
        if not self.compiled:
            return []
        objects = [m for per_output in (self._metric_objects or []) for m in per_output]
        return [self._loss_tracker] + self._output_loss_trackers + objects

    @property
    def metrics_names(self):
        """As Keras 3: ``['loss', 'compile_metrics']`` (the metrics' own names are the ``History`` keys)."""
        if not self.compiled:
            return []
        names = ["loss"]
        if any(self._metric_specs):
            names.append("compile_metrics")
        return names + [t.name for t in self._output_loss_trackers]

    def _build_metrics(self, ys, out_shapes):
        """Make the Metric objects once the shapes of targets and outputs are known."""
        objects = []
        for spec, y, out_shape in zip(self._metric_specs, ys, out_shapes):
            made = []
            for identifier in spec:
                if isinstance(identifier, str) and identifier.lower() in ("accuracy", "acc"):
                    is_binary = out_shape[-1] == 1
                    is_sparse = y.ndim < len(out_shape) or (y.shape[-1] == 1 and out_shape[-1] != 1)
                    cls = (metrics_module.BinaryAccuracy if is_binary else
                           metrics_module.SparseCategoricalAccuracy if is_sparse else
                           metrics_module.CategoricalAccuracy)
                    metric = cls(name=identifier)
                else:
                    metric = metrics_module.get(identifier)
                    if isinstance(identifier, str):
                        metric.name = identifier   # the History key is what you wrote
                made.append(metric)
            objects.append(made)
        self._metric_objects, self._log_keys = objects, None

    def reset_metrics(self):
        """Start every metric (and the loss average) afresh."""
        for metric in self.metrics:
            metric.reset_state()

    def _logs(self):
        """The current metric values, keys sorted as Keras's logs are."""
        if self._log_keys is None or self._log_keys[0] is not self._metric_objects:   # the keys: once per compile
            trackers = {"loss": self._loss_tracker}
            multi = len(self._losses) > 1
            for tracker in self._output_loss_trackers:
                trackers[tracker.name] = tracker
            names = self._output_names() if multi else [None]    # one output: keys are the metrics' names
            for name, per_output in zip(names, self._metric_objects or []):
                for metric in per_output:
                    trackers[f"{name}_{metric.name}" if multi else metric.name] = metric
            self._log_keys = (self._metric_objects, sorted(trackers.items()))
        return {key: metric.result() for key, metric in self._log_keys[1]}

    def _ordered_values(self, logs):
        """``evaluate``'s list: loss, the per-output losses, then the metrics (Keras's order)."""
        first = ["loss"] + [t.name for t in self._output_loss_trackers]
        if len(self._losses) == 1:
            first += [m.name for m in (self._metric_objects or [[]])[0]]
        values = [logs[k] for k in first if k in logs] + [logs[k] for k in sorted(logs) if k not in first]
        return values[0] if len(values) == 1 else values

    # ------------------------------------------------------------ data checks
    def _prepare_x(self, x, who):
        """The input arrays as a list (one per model input), as float arrays, checked."""
        n_inputs = max(len(self.inputs), 1)
        if x is None:
            raise ValueError(f"{who}() needs input data `x`.")
        if isinstance(x, dict):
            names = [t._keras_history[0].name for t in self.inputs]
            missing = [name for name in names if name not in x]
            if missing:
                raise ValueError(f"`x` is a dict without the inputs {missing}; the model's inputs are {names}.")
            items = [x[name] for name in names]
        elif n_inputs > 1:
            if not isinstance(x, (list, tuple)) or len(x) != n_inputs:
                raise ValueError(f"Model '{self.name}' has {n_inputs} inputs, so `x` must be a list of "
                                 f"{n_inputs} arrays; received {_describe_data(x)}.")
            items = list(x)
        elif isinstance(x, (list, tuple)) and len(x) == 1 and isinstance(x[0], np.ndarray):
            items = [x[0]]
        else:
            items = [x]
        xs = []
        for i, item in enumerate(items):
            name = "x" if len(items) == 1 else f"x[{i}]"
            arr = as_float_array(item, name, dtype=self.dtype)
            if arr.ndim == 0 or arr.shape[0] == 0:
                raise ValueError(f"`{name}` is empty (shape {arr.shape}): {who}() needs at least one sample, "
                                 "with the samples along the first axis.")
            if self.built:
                arr = self._check_input_shape(arr, self.inputs[i], name)
            xs.append(arr)
        return xs

    def _check_input_shape(self, arr, tensor, name):
        expected = tensor.shape
        if arr.ndim == len(expected) - 1 and expected[-1] == 1:
            arr = arr[..., None]            # (N,) for inputs of shape (None, 1), as Keras accepts
        if len(expected) == arr.ndim and all(e is None or e == g for e, g in zip(expected[1:], arr.shape[1:])):
            return arr
        first = next((n.layer for n in self._nodes if any(t is tensor for t in n.input_tensors)), None)
        where = (f"{first._shape_message(arr.shape)} " if first is not None and first.built
                 and not isinstance(first.input_shape[0], (tuple, list)) else "")
        raise ValueError(f"{where}Model '{self.name}' takes inputs of shape {expected} (None = any batch size); "
                         f"`{name}` has shape {arr.shape}.")

    def _prepare_y(self, y, n_samples, out_shapes):
        """The target arrays as a list (one per output), checked against the outputs and the losses."""
        names = self._output_names()
        if y is None:
            raise ValueError("`y` (the targets) is missing: fit/evaluate need y, e.g. model.fit(x_train, y_train).")
        if isinstance(y, dict):
            missing = [name for name, loss in zip(names, self._losses) if name not in y and loss is not None]
            if missing:
                raise ValueError(f"`y` is a dict without targets for the outputs {missing}; outputs are {names}.")
            items = [y.get(name) for name in names]
        elif len(names) > 1:
            if not isinstance(y, (list, tuple)) or len(y) != len(names):
                raise ValueError(f"Model '{self.name}' has {len(names)} outputs {names}, so `y` must be a list of "
                                 f"{len(names)} arrays (or a dict by output name); received {_describe_data(y)}.")
            items = list(y)
        elif isinstance(y, (list, tuple)) and len(y) == 1 and isinstance(y[0], np.ndarray):
            items = [y[0]]
        else:
            items = [y]
        ys = []
        for i, (item, out_shape, loss) in enumerate(zip(items, out_shapes, self._losses)):
            name = "y" if len(items) == 1 else f"y[{i}]"
            if item is None:
                ys.append(None)
                continue
            arr = as_float_array(item, name, dtype=self.dtype)
            if arr.ndim == 0 or arr.shape[0] == 0:
                raise ValueError(f"`{name}` is empty (shape {arr.shape}): it needs one target per sample.")
            if arr.shape[0] != n_samples:
                raise ValueError(f"`x` and `{name}` must have the same number of samples (the first axis): x has "
                                 f"{n_samples} and {name} has {arr.shape[0]} (shape {arr.shape}).")
            _check_targets(arr, out_shape, loss, name, names[i], len(items) > 1)
            ys.append(arr)
        return ys

    def _output_shapes(self, xs):
        """The output shapes, worked out without building anything if the model is not built yet."""
        if self.built:
            return [t.shape for t in self.outputs]
        shape = (None,) + tuple(xs[0].shape[1:])
        for layer in self._layers:
            shape = layer.compute_output_shape(shape)
        return [shape]

    def _prepare(self, x, y, who):
        """Check everything about ``x`` and ``y``; build the metrics on first use. Returns lists of arrays."""
        xs = self._prepare_x(x, who)
        n = xs[0].shape[0]
        for i, arr in enumerate(xs[1:], start=1):
            if arr.shape[0] != n:
                raise ValueError(f"All inputs must have the same number of samples: x[0] has {n}, "
                                 f"x[{i}] has {arr.shape[0]}.")
        out_shapes = self._output_shapes(xs)
        ys = self._prepare_y(y, n, out_shapes)
        if self._metric_objects is None:
            self._build_metrics(ys, out_shapes)
        return xs, ys

    # ------------------------------------------------------------------ steps
    def _begin_training(self):
        """Work out, once per fit, which weights train and which layer calls backward can skip.

        A call needs its backward only if it has trainable weights or feeds one that does
        (through the graph): a frozen base (transfer learning) is then never backpropagated.
        """
        self._train_leaves = self._trainable_leaves()
        self._train_slots = [(leaf, name, getattr(leaf, name))          # (layer, weight name, weight)
                             for leaf in self._train_leaves for name in leaf._names(True)]
        self._train_penalties = self._penalties(self._train_leaves)
        self._softmax_nodes = self._softmax_shortcuts()
        inputs = {id(t) for t in self.inputs}
        self._data_nodes = frozenset(node for node in self._nodes if all(id(t) in inputs for t in node.input_tensors))
        for _, _, param in self._train_slots:
            if id(param) not in self._optimizer_seen:     # the order the optimizer first sees them, for saving
                self._optimizer_seen.add(id(param))
                self._optimizer_params.append(param)
        trainable = {id(leaf) for leaf in self._train_leaves}
        needed = {}
        for node in self._nodes:
            leaves = node.layer._leaf_layers() if hasattr(node.layer, "_leaf_layers") else [node.layer]
            needed[node] = (any(id(leaf) in trainable for leaf in leaves)
                            or any(needed.get(parent, False) for parent in node.parent_nodes))
        self._skip_nodes = frozenset(node for node, need in needed.items() if not need)

    def _forward_checked(self, xs, training):
        """``forward`` on a batch of the data ``_prepare_x`` checked. If the model's input shape is
        fixed (all but the batch size), its layers skip their own per-batch checks (``checked_data``)."""
        inputs = xs if self._inputs_are_list else xs[0]
        if self._free_input_sizes:                          # sizes left free: the layers check them
            return self.forward(inputs, training=training)
        with checked_data():
            return self.forward(inputs, training=training)

    def _train_step(self, xs, ys):
        """One batch: forward, loss, backward, optimizer step. Returns the running logs."""
        n = xs[0].shape[0]
        y_pred = self._forward_checked(xs, training=True)
        preds = y_pred if self._outputs_are_list else [y_pred]
        penalties = self._train_penalties
        with checked_data():                              # ys: checked by fit; preds: the model's outputs
            upstream = self._losses_and_gradients(ys, preds, n, penalties=penalties, softmax_nodes=self._softmax_nodes)
        self._backpropagate(upstream if self._outputs_are_list else upstream[0], skip=self._skip_nodes,
                            from_z=self._softmax_nodes, data_nodes=self._data_nodes)
        for leaf, name, regularizer in penalties:         # d(L + R)/dW = dL/dW + dR/dW
            leaf.grads[name] = leaf.grads[name] + regularizer.gradient(getattr(leaf, name))
        self._apply_gradients()
        return self._logs()

    def _softmax_shortcuts(self):
        """The output calls where ``fit`` can start backpropagating from dL/dz, past a softmax.

        When a softmax meets (sparse) categorical cross-entropy, dL/dz = (p - t) / N
        (``CategoricalCrossentropy.value_and_softmax_gradient``), as tf.keras computes it: that
        layer's backward then starts after its activation (``backward_from_z``). Only for an
        output that no other layer reads, so that nothing else adds a gradient to it.
        """
        found = set()
        for tensor, loss in zip(self.outputs, self._losses):
            node, layer = tensor.node, tensor.node.layer
            activation = getattr(layer, "activation", None)
            if (isinstance(loss, losses_module.CategoricalCrossentropy) and not loss.from_logits
                    and isinstance(activation, activations_module.Softmax)
                    and activation.axis in (-1, len(tensor.shape) - 1)
                    and hasattr(layer, "backward_from_z") and node in self._nodes
                    and not any(t is tensor for other in self._nodes for t in other.input_tensors)):
                found.add(node)
        return frozenset(found)

    @staticmethod
    def _penalties(leaves):
        """The weight penalties (``Dense(kernel_regularizer=...)``): ``[(layer, weight name, regularizer)]``.

        As in Keras, the penalties of trainable weights are added to the loss, and their
        gradients dR/dW to the layers' dL/dW before the optimizer step (``learnnet.regularizers``).
        """
        found = []
        for leaf in leaves:
            for name in leaf._names(True):
                regularizer = getattr(leaf, f"{name}_regularizer", None)   # Keras's names: kernel_regularizer...
                if regularizer is not None:
                    found.append((leaf, name, regularizer))
        return found

    def _losses_and_gradients(self, ys, preds, n, gradients=True, penalties=(), softmax_nodes=frozenset()):
        """Add the batch's loss (with the weight penalties) and metrics to the running averages;
        return dL/d(each output) (dL/dz, before the softmax, for the outputs made by ``softmax_nodes``)."""
        total, upstream = 0.0, []
        for i, (loss, y, pred) in enumerate(zip(self._losses, ys, preds)):
            if loss is None or y is None:
                upstream.append(np.zeros_like(pred))
                continue
            if not gradients:
                value = loss(y, pred)
            elif self.outputs[i].node in softmax_nodes:
                value, grad = loss.value_and_softmax_gradient(y, pred)   # dL/dz = (p - t) / N
            else:
                value, grad = loss.value_and_gradient(y, pred)           # the inputs checked once for both
            if gradients:
                upstream.append(grad if self._loss_weights[i] == 1 else grad * self._loss_weights[i])
            value *= self._loss_weights[i]
            total += value
            if self._output_loss_trackers:
                self._output_loss_trackers[i].update_state(value, sample_weight=n)
            for metric in self._metric_objects[i]:
                metric.update_state(y, pred)
        if penalties:
            total += sum(regularizer(getattr(leaf, name)) for leaf, name, regularizer in penalties)
        if not math.isfinite(total):
            raise ValueError(
                f"The loss is {total} on this batch: the model's outputs hold NaN or infinity, so training has "
                "diverged (the weights grew too large); no weight was changed by this batch. Try a smaller "
                "learning_rate, or clip the gradients (e.g. optimizer=Adam(clipnorm=1.0))."
            )
        self._loss_tracker.update_state(total, sample_weight=n)
        return upstream

    def _apply_gradients(self):
        """``optimizer.apply_gradients`` on every trained weight. Inside ``fit`` the rule runs once on
        all the weights laid end to end (``Optimizer.flat_weights``): the same numbers, fewer NumPy calls."""
        grads = [leaf.grads.get(name) for leaf, name, _ in self._train_slots]
        if self._flat_weights is None and all(g is not None for g in grads):     # fit's first step
            self._flat_weights = self.optimizer.flat_weights([p for _, _, p in self._train_slots]) or False
        if self._flat_weights and self._flat_weights.usable(grads):
            self._flat_weights.apply(grads)                        # the loss was finite: so are the gradients
        else:
            params = [param for _, _, param in self._train_slots]
            self.optimizer.apply_gradients(zip(grads, params), check_finite=False)

    def _test_step(self, xs, ys):
        y_pred = self._forward_checked(xs, training=False)
        with checked_data():
            self._losses_and_gradients(ys, y_pred if self._outputs_are_list else [y_pred], xs[0].shape[0],
                                       gradients=False, penalties=self._penalties(self._trainable_leaves()))
        return self._logs()

    # ---------------------------------------------------------------- batches
    def _batches(self, xs, ys, batch_size, shuffle=False, sequence=None, who="fit"):
        """One epoch's batches, each ``(inputs, targets)`` as lists of arrays: slices of the arrays
        (shuffled first if asked), or the items of a batch sequence, checked as arrays are."""
        if sequence is not None:
            return (self._sequence_batch(sequence, i, who) for i in range(len(sequence)))
        if shuffle:
            order = get_rng().permutation(xs[0].shape[0])
            xs, ys = [a[order] for a in xs], [None if a is None else a[order] for a in ys]
        return (([a[s:s + batch_size] for a in xs], [None if a is None else a[s:s + batch_size] for a in ys])
                for s in range(0, xs[0].shape[0], batch_size))

    def _sequence_batch(self, sequence, i, who):
        """Batch ``i`` of a batch sequence, which must be ``(x_batch, y_batch)``, checked like array inputs."""
        item = sequence[i]
        if not isinstance(item, (tuple, list)) or len(item) != 2:
            raise ValueError(f"{who}() got a batch sequence ({type(sequence).__name__}) whose batch {i} is "
                             f"{_describe_data(item)}; each batch must be a tuple (x_batch, y_batch). "
                             "For ImageDataGenerator.flow, pass the labels: datagen.flow(x, y).")
        return self._prepare(item[0], item[1], who)

    # --------------------------------------------------------------------- fit
    def fit(self, x=None, y=None, batch_size=None, epochs=1, verbose="auto", callbacks=None, validation_split=0.0,
            validation_data=None, shuffle=True, class_weight=None, sample_weight=None, initial_epoch=0,
            steps_per_epoch=None, validation_steps=None, validation_batch_size=None, validation_freq=1):
        """Train for ``epochs`` passes over ``(x, y)`` in batches of ``batch_size`` (32 by default).

        Returns a ``History`` whose ``.history`` dict holds, per epoch, ``loss``, each metric
        and (with validation data) ``val_loss`` and ``val_<metric>``.

        Args:
            x, y: the inputs and targets (arrays, or lists/dicts of arrays for several inputs/outputs); or, as
                ``x`` alone, a batch sequence whose ``x[i]`` is ``(x_batch, y_batch)`` and ``len(x)`` the batches
                per epoch, e.g. ``ImageDataGenerator().flow(x_train, y_train, batch_size=32)`` (y and
                batch_size are then left out).
            batch_size: samples per gradient step (default 32).
            epochs: the epoch to stop at (with ``initial_epoch``, training runs epochs initial_epoch..epochs-1).
            verbose: ``"auto"``/1 a progress bar, 2 one line per epoch, 0 silent.
            callbacks: a list of ``learnnet.callbacks.Callback`` objects.
            validation_split: the fraction of the data, taken from the end, to hold out for validation.
            validation_data: ``(x_val, y_val)`` to evaluate after each epoch (overrides validation_split).
            shuffle: reshuffle the training samples before each epoch.
            initial_epoch: the epoch to start from (to resume a previous fit).
            validation_batch_size, validation_freq: as in Keras.
        """
        self._require_compiled("fit")
        _unsupported(class_weight=class_weight, sample_weight=sample_weight, steps_per_epoch=steps_per_epoch,
                     validation_steps=validation_steps)
        sequence = _batch_sequence(x, y, batch_size, "fit", validation_split=validation_split)
        batch_size = _check_batch_size(batch_size)
        val_batch_size = batch_size if validation_batch_size is None else _check_batch_size(validation_batch_size,
                                                                                            "validation_batch_size")
        epochs = _check_count(epochs, "epochs")
        initial_epoch = _check_count(initial_epoch, "initial_epoch")
        validation_freq = _check_count(validation_freq, "validation_freq", minimum=1)
        verbose = _check_verbose(verbose)
        if isinstance(validation_split, bool) or not isinstance(validation_split, (int, float)) \
                or not 0 <= validation_split < 1:
            raise ValueError(f"`validation_split` must be a number in [0, 1), the fraction of the data held out; "
                             f"received validation_split={validation_split!r}")
        if not isinstance(shuffle, (bool, np.bool_)):
            raise ValueError(f"`shuffle` must be True or False; received shuffle={shuffle!r}")
        xs, ys = self._prepare(x, y, "fit") if sequence is None else self._sequence_batch(sequence, 0, "fit")
        val = None
        if validation_data is not None:
            if not isinstance(validation_data, (list, tuple)) or len(validation_data) != 2:
                raise ValueError("`validation_data` must be a tuple (x_val, y_val); received "
                                 f"{_describe_data(validation_data)}.")
            val_xs = self._prepare_x(validation_data[0], "fit")
            val = (val_xs, self._prepare_y(validation_data[1], val_xs[0].shape[0], self._output_shapes(val_xs)))
        elif validation_split:
            n = xs[0].shape[0]
            split_at = int(math.floor(n * (1.0 - validation_split)))
            if split_at == 0 or split_at == n:
                raise ValueError(f"Training data contains {n} samples, which is not sufficient to split it into a "
                                 f"validation and training set as specified by `validation_split={validation_split}`. "
                                 "Either provide more data, or a different value for the `validation_split` argument.")
            val = ([a[split_at:] for a in xs], [None if a is None else a[split_at:] for a in ys])
            xs, ys = [a[:split_at] for a in xs], [None if a is None else a[:split_at] for a in ys]
        if not self.built:
            self._build_from_data(xs[0])
        # ------------------------------------------------- all checked: train
        steps = math.ceil(xs[0].shape[0] / batch_size) if sequence is None else len(sequence)
        callback_list = callbacks_module.CallbackList(callbacks, add_history=True, add_progbar=verbose != 0,
                                                      model=self, verbose=verbose, epochs=epochs, steps=steps)
        self._begin_training()
        self._flat_weights = None          # decided at the first step (_apply_gradients)
        self.stop_training = False
        callback_list.on_train_begin({})
        epoch_logs = {}
        for epoch in range(initial_epoch, epochs):
            self.reset_metrics()
            callback_list.on_epoch_begin(epoch, {})
            batches = self._batches(xs, ys, batch_size, shuffle, sequence, "fit")
            for step in range(steps):
                callback_list.on_train_batch_begin(step, logs={})
                logs = self._train_step(*next(batches))
                callback_list.on_train_batch_end(step, logs=logs)
                if self.stop_training:
                    break
            if hasattr(sequence, "on_epoch_end"):
                sequence.on_epoch_end()         # as Keras: a PyDataset reshuffles here
            epoch_logs = self._logs()
            if val is not None and (epoch + 1) % validation_freq == 0:
                val_logs = self._run_evaluation(val[0], val[1], val_batch_size, callback_list)
                epoch_logs.update({f"val_{key}": value for key, value in val_logs.items()})
            callback_list.on_epoch_end(epoch, epoch_logs)
            if self.stop_training:
                break
        callback_list.on_train_end(epoch_logs)
        return self.history

    # ---------------------------------------------------------------- evaluate
    def evaluate(self, x=None, y=None, batch_size=None, verbose="auto", sample_weight=None, steps=None,
                 callbacks=None, return_dict=False):
        """The loss and metrics on ``(x, y)`` (no training). Returns ``[loss, metric, ...]`` (just the
        loss if there are no metrics) or, with ``return_dict=True``, a dict."""
        self._require_compiled("evaluate")
        _unsupported(sample_weight=sample_weight, steps=steps)
        sequence = _batch_sequence(x, y, batch_size, "evaluate")
        batch_size = _check_batch_size(batch_size)
        verbose = _check_verbose(verbose)
        xs, ys = self._prepare(x, y, "evaluate") if sequence is None else self._sequence_batch(sequence, 0, "evaluate")
        if not self.built:
            self._build_from_data(xs[0])
        callback_list = callbacks_module.CallbackList(callbacks, add_progbar=verbose != 0, model=self,
                                                      verbose=verbose, epochs=1,
                                                      steps=math.ceil(xs[0].shape[0] / batch_size)
                                                      if sequence is None else len(sequence))
        logs = self._run_evaluation(xs, ys, batch_size, callback_list, sequence)
        return logs if return_dict else self._ordered_values(logs)

    def _run_evaluation(self, xs, ys, batch_size, callback_list, sequence=None):
        self.reset_metrics()
        callback_list.on_test_begin({})
        logs = {}
        for step, (bx, by) in enumerate(self._batches(xs, ys, batch_size, sequence=sequence, who="evaluate")):
            callback_list.on_test_batch_begin(step, logs={})
            logs = self._test_step(bx, by)
            callback_list.on_test_batch_end(step, logs=logs)
        callback_list.on_test_end(logs)
        return logs

    # ----------------------------------------------------------------- predict
    def predict(self, x, batch_size=None, verbose="auto", steps=None, callbacks=None):
        """The model's outputs for ``x``, batch by batch (no compile needed)."""
        _unsupported(steps=steps)
        sequence = _batch_sequence(x, None, batch_size, "predict")
        batch_size = _check_batch_size(batch_size)
        verbose = _check_verbose(verbose)
        xs = self._prepare_x(x if sequence is None else _inputs_of(sequence[0]), "predict")
        if not self.built:
            self._build_from_data(xs[0])
        steps = math.ceil(xs[0].shape[0] / batch_size) if sequence is None else len(sequence)
        callback_list = callbacks_module.CallbackList(callbacks, add_progbar=verbose != 0, model=self,
                                                      verbose=verbose, epochs=1, steps=steps)
        callback_list.on_predict_begin({})
        pieces = []
        for step in range(steps):
            callback_list.on_predict_batch_begin(step, logs={})
            batch = ([a[step * batch_size:(step + 1) * batch_size] for a in xs] if sequence is None
                     else self._prepare_x(_inputs_of(sequence[step]), "predict"))
            out = self._forward_checked(batch, training=False)
            pieces.append(out if self._outputs_are_list else [out])
            callback_list.on_predict_batch_end(step, logs={"outputs": out})
        callback_list.on_predict_end({})
        outputs = [np.concatenate(parts) for parts in zip(*pieces)]
        return outputs if self._outputs_are_list else outputs[0]

    # ------------------------------------------------------------ one batch
    def train_on_batch(self, x, y=None, sample_weight=None, class_weight=None, return_dict=False):
        """One gradient step on this batch. Returns its loss and metrics (as ``evaluate`` does)."""
        self._require_compiled("train_on_batch")
        _unsupported(sample_weight=sample_weight, class_weight=class_weight)
        xs, ys = self._prepare(x, y, "train_on_batch")
        if not self.built:
            self._build_from_data(xs[0])
        self._begin_training()
        self._flat_weights = False
        self.reset_metrics()
        logs = self._train_step(xs, ys)
        return logs if return_dict else self._ordered_values(logs)

    def test_on_batch(self, x, y=None, sample_weight=None, return_dict=False):
        """The loss and metrics on this batch, without training."""
        self._require_compiled("test_on_batch")
        _unsupported(sample_weight=sample_weight)
        xs, ys = self._prepare(x, y, "test_on_batch")
        if not self.built:
            self._build_from_data(xs[0])
        self.reset_metrics()
        logs = self._test_step(xs, ys)
        return logs if return_dict else self._ordered_values(logs)

    def predict_on_batch(self, x):
        """The outputs for this one batch."""
        xs = self._prepare_x(x, "predict_on_batch")
        return self.forward(xs if self._inputs_are_list else xs[0], training=False)


# -------------------------------------------------------------- argument checks ----

def _describe_data(value):
    if isinstance(value, np.ndarray):
        return f"an array of shape {value.shape}"
    if isinstance(value, (list, tuple)):
        return f"a {type(value).__name__} of {len(value)} items"
    return f"{type(value).__name__}"


def _batch_sequence(x, y, batch_size, who, validation_split=0.0):
    """``x`` if it is a batch sequence (Keras's PyDataset: ``len(x)`` batches, ``x[i]`` -> (x_batch, y_batch),
    e.g. ``ImageDataGenerator.flow(x, y)``), after checking the arguments that must then be left out; else None."""
    if isinstance(x, (np.ndarray, list, tuple, dict)) or not (hasattr(x, "__len__") and hasattr(x, "__getitem__")):
        return None
    kind = type(x).__name__
    if y is not None:
        raise ValueError(f"`y` argument is not supported when using a batch sequence ({kind}) as `x`: its batches "
                         f"already hold the targets. Call {who}(sequence) without y.")
    if batch_size is not None:
        raise ValueError(f"`batch_size` argument is not supported when using a batch sequence ({kind}) as `x`: the "
                         f"sequence makes the batches (e.g. datagen.flow(x, y, batch_size=32)). Received: "
                         f"batch_size={batch_size!r}")
    if validation_split:
        raise ValueError(f"`validation_split` is only supported for NumPy arrays, not for a batch sequence ({kind}); "
                         "pass validation_data=(x_val, y_val) instead.")
    if len(x) == 0:
        raise ValueError(f"The batch sequence ({kind}) passed to {who}() has no batches (len 0).")
    return x


def _inputs_of(item):
    """The inputs of a batch from a sequence: ``x_batch`` of ``(x_batch, y_batch)``, or the batch itself."""
    return item[0] if isinstance(item, tuple) else item


def _check_batch_size(batch_size, name="batch_size"):
    if batch_size is None:
        return 32
    if isinstance(batch_size, bool) or not isinstance(batch_size, (int, np.integer)) or batch_size <= 0:
        raise ValueError(f"Received an invalid value for `{name}`, expected a positive integer (samples per "
                         f"gradient step, 32 by default). Received: {name}={batch_size!r}")
    return int(batch_size)


def _check_count(value, name, minimum=0):
    if isinstance(value, bool) or not isinstance(value, (int, np.integer)) or value < minimum:
        raise ValueError(f"Received an invalid value for `{name}`, expected an integer >= {minimum}. "
                         f"Received: {name}={value!r}")
    return int(value)


def _check_verbose(verbose):
    if verbose == "auto":
        return "auto"
    if isinstance(verbose, bool) or verbose not in (0, 1, 2):
        raise ValueError(f"`verbose` must be 'auto', 0 (silent), 1 (progress bar) or 2 (one line per epoch); "
                         f"received verbose={verbose!r}")
    return int(verbose)


def _unsupported(**kwargs):
    for name, value in kwargs.items():
        if value is not None:
            raise NotImplementedError(f"learnnet does not support `{name}` yet; leave it as None.")


def _check_targets(y, out_shape, loss, name, output_name, multi):
    """Teaching errors for targets that do not fit the output or the loss."""
    if loss is None:
        return
    where = f"the output '{output_name}'" if multi else f"the last layer '{output_name}'"
    width = out_shape[-1]
    n = y.shape[0]
    if isinstance(loss, losses_module.SparseCategoricalCrossentropy):
        labels = y[..., 0] if y.ndim == len(out_shape) and y.shape[-1] == 1 else y
        if y.ndim == len(out_shape) and width is not None and y.shape[-1] == width and width > 1:
            raise ValueError(
                f"`{name}` looks one-hot encoded (shape {y.shape}), but sparse_categorical_crossentropy expects one "
                f"integer label per sample, shape ({n},). Use loss='categorical_crossentropy' with one-hot targets, "
                f"or pass the labels: {name}.argmax(axis=-1)."
            )
        if labels.shape[1:] != tuple(out_shape[1:-1]):
            raise ValueError(f"`{name}` has shape {y.shape}, but sparse_categorical_crossentropy needs one integer "
                             f"label per sample for {where} (output shape {out_shape}): shape ({n},).")
        if np.any(labels != np.round(labels)):
            bad = labels[labels != np.round(labels)].flat[0]
            raise ValueError(f"`{name}` must hold integer class labels for sparse_categorical_crossentropy; "
                             f"received values such as {bad:g}.")
        low, high = float(labels.min()), float(labels.max())
        if width is not None and (low < 0 or high >= width):
            one_based = (f" They seem to count from 1: pass {name} - 1 so they count from 0."
                         if low >= 1 and high == width else "")
            raise ValueError(
                f"`{name}` holds class labels from {low:g} to {high:g}, but {where} has {width} units, so labels "
                f"must be in 0..{width - 1}. The last layer needs one unit per class: Dense({int(high) + 1}, "
                f"activation='softmax') for these labels, or check the labels.{one_based}"
            )
    elif isinstance(loss, losses_module.CategoricalCrossentropy):
        if y.ndim == len(out_shape) - 1 or (y.ndim == len(out_shape) and y.shape[-1] == 1 and width != 1):
            raise ValueError(
                f"`{name}` holds integer class labels (shape {y.shape}), but categorical_crossentropy expects "
                f"one-hot rows of shape ({n}, {width}). Use loss='sparse_categorical_crossentropy' with integer "
                f"labels, or one-hot encode them: learnnet.utils.to_categorical({name}, {width})."
            )
        if not _fits(y.shape, out_shape):
            raise ValueError(
                f"`{name}` has shape {y.shape} ({y.shape[-1]} columns), but {where} outputs {width} values per "
                f"sample (output shape {out_shape}). For one-hot labels of {y.shape[-1]} classes the last layer "
                f"needs {y.shape[-1]} units: Dense({y.shape[-1]}, activation='softmax')."
            )
    else:
        squeezed = y.ndim == len(out_shape) - 1 and width == 1 and _fits(y.shape + (1,), out_shape)
        if not (squeezed or _fits(y.shape, out_shape)):
            raise ValueError(
                f"`{name}` has shape {y.shape}, but {where} has output shape {out_shape}: each sample's target must "
                f"have the shape of the model's output. Check the last layer's units ({width}) against the targets."
            )


def _fits(shape, expected):
    return len(shape) == len(expected) and all(e is None or e == s for e, s in zip(expected[1:], shape[1:]))
