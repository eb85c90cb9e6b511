"""``Playground``: TensorFlow Playground in a notebook, training a real learnnet model.

Everything Playground has (data sets, noise, train/test split, batch size, the seven input
features, hidden layers and neurons, activation, learning rate, L1/L2 regularisation, play /
pause / step / reset, the output's heat-map, a heat-map per neuron, edges by weight, loss
curves, discretised output), plus an optimizer choice, dropout, your own points, and
``export()`` to continue in code.

The numbers are the engine's:

- the points are ``learnnet.datasets.playground(...)`` (or yours), split by
  ``datasets.train_test_split``; the features are ``datasets.features.playground_features``;
- the network is a ``learnnet.models.Sequential`` of ``Dense`` layers (with
  ``kernel_regularizer`` and ``Dropout`` when asked), compiled with a real optimizer;
- one **step is one epoch**, as in Playground: ``model.fit(x, y, batch_size, epochs=1)`` over the
  training points, shuffled by the widget's own generator (so a seed gives the same run);
- every heat-map is a layer's output over a grid of points, from the layers' own ``forward``.

Playing never blocks the kernel: ``play()`` starts an asyncio task on the kernel's event loop
that runs one step, redraws, and then yields (``await asyncio.sleep``) so that button clicks and
other cells are handled between steps. ``pause()`` cancels the task at once.

The figure is drawn on a plain Agg canvas (blitting only what changes) and shown through an
``ipywidgets.Image``: a JPEG per frame while playing, a PNG when still. With an ipympl canvas each
frame would be a PNG, several times slower to make than a JPEG (HiDPI screens double it again), and
sent only when the browser asks for it; see ``_frames.py``. A frame costs the kernel ~5 ms of training and ~6 ms of drawing and encoding
(the heat-maps are written into the canvas as pixel look-ups, see ``PixelImage``), and the browser
about as much again to receive, decode and paint it; while playing, the text read-out is refreshed
4 times a second rather than every frame, since each new text makes the browser lay the page out.
"""
import asyncio
import base64
import time

import ipywidgets
import numpy as np
from matplotlib.artist import Artist, allow_rasterization
from matplotlib.backends.backend_agg import RendererAgg
from matplotlib.collections import LineCollection
from matplotlib.colors import LinearSegmentedColormap, Normalize, to_rgba
from matplotlib.image import AxesImage
from matplotlib.lines import Line2D
from matplotlib.ticker import MaxNLocator

from .. import losses, metrics, optimizers, regularizers
from ..datasets import PLAYGROUND_NAMES, playground, train_test_split
from ..datasets.features import FEATURE_LABELS, PLAYGROUND_FEATURES, check_feature_names, playground_features
from ..initializers import GlorotUniform
from ..layers import Dense, Dropout, Input
from ..models import Sequential
from ..plotting import NEGATIVE, POSITIVE, weight_colors
from ._base import LessonWidget
from ._frames import canvas_frame

# Playground's choices
DATASETS = {"circle": "circle", "xor": "exclusive or", "gauss": "two gaussians", "spiral": "spiral",
            "plane": "plane (regression)", "multi_gauss": "multi-gaussian (regression)"}
REGRESSION = ("plane", "multi_gauss")
YOURS = "yours"
N_POINTS = {"classification": 500, "regression": 1200}        # as Playground
LEARNING_RATES = (0.00001, 0.0001, 0.001, 0.003, 0.01, 0.03, 0.1, 0.3, 1.0, 3.0, 10.0)
REGULARIZATION_RATES = (0.0, 0.001, 0.003, 0.01, 0.03, 0.1, 0.3, 1.0, 3.0, 10.0)
ACTIVATIONS = ("tanh", "relu", "sigmoid", "linear")
OPTIMIZERS = {"sgd": "SGD", "momentum": "SGD + momentum 0.9", "adam": "Adam"}
REGULARIZATIONS = {"none": "none", "l1": "L1", "l2": "L2", "l1_l2": "L1 + L2"}
FEATURE_CONTROLS = {"x1": "x1", "x2": "x2", "x1_squared": "x1^2", "x2_squared": "x2^2", "x1_x2": "x1*x2",
                    "sin_x1": "sin(x1)", "sin_x2": "sin(x2)"}   # control name -> feature name
MAX_LAYERS, MAX_NEURONS = 6, 8
DOMAIN = 6.0              # Playground draws [-6, 6]^2
GRID = 100                # heat-map resolution (GRID x GRID points); the small pictures use every other one
EDGE_SCALE = 3.0          # |w| that gets the widest edge
FRAME_SECONDS = 1 / 30    # while playing: at most 30 redrawn steps per second
YIELD_SECONDS = 0.002     # ... and always a pause this long, for clicks and other cells
READOUT_SECONDS = 0.25    # ... and the text read-out changes at most 4 times a second


def _tint(colour, amount):
    """``colour`` mixed with white (``amount`` = 0: unchanged, 1: white)."""
    return tuple(amount + (1 - amount) * np.array(to_rgba(colour)[:3]))


# Heat-maps go from a light red (class 0, negative) through white to a light blue (class 1, positive);
# the points are drawn in the full colours, so they stand out on a region of their own class.
PLAYGROUND_CMAP = LinearSegmentedColormap.from_list("playground",
                                                    [_tint(NEGATIVE, 0.3), "#f7f7f7", _tint(POSITIVE, 0.3)])
POINT_CMAP = LinearSegmentedColormap.from_list("playground_points", [NEGATIVE, "#f7f7f7", POSITIVE])
POINT_COLOURS = 9         # regression targets are drawn in 9 bands of colour


def make_optimizer(name, learning_rate):
    """The optimizer behind each choice (a fresh one: no momentum or Adam state yet)."""
    if name == "sgd":
        return optimizers.SGD(learning_rate=learning_rate)
    if name == "momentum":
        return optimizers.SGD(learning_rate=learning_rate, momentum=0.9)
    return optimizers.Adam(learning_rate=learning_rate)


def make_regularizer(kind, rate):
    """``regularizers.L1(rate)``, ``L2(rate)``, ``L1L2(rate, rate)`` or None."""
    if kind == "none" or rate == 0:
        return None
    return {"l1": regularizers.L1, "l2": regularizers.L2}.get(kind, lambda r: regularizers.L1L2(r, r))(rate)


class Playground(LessonWidget):
    """TensorFlow Playground on learnnet: build a small network, train it, and watch every neuron learn.

    Controls (``w.controls[name].value``; ``w.set(name=value, ...)`` changes several at once):

    - data: ``dataset`` (circle, xor, gauss, spiral; plane, multi_gauss for regression; "yours"
      when ``points`` were given), ``noise`` (0-50, Playground's units), ``train_ratio``
      (% of points used for training), ``batch_size``, ``seed``;
    - features: one checkbox per input feature: ``x1``, ``x2``, ``x1_squared``, ``x2_squared``,
      ``x1_x2``, ``sin_x1``, ``sin_x2``;
    - network: ``hidden_layers`` (0-6) and ``neurons_1`` ... ``neurons_6`` (1-8), ``activation``,
      ``dropout`` (rate after each hidden layer);
    - training: ``optimizer`` (sgd, momentum, adam), ``learning_rate``, ``regularization``
      (none, l1, l2, l1_l2) and ``regularization_rate``;
    - view: ``show_test`` (draw the test points too), ``discretize`` (show the output as 0/1).

    Changing the data, the features or the network starts a new network (epoch 0, weights
    drawn from ``seed``); the learning rate, optimizer, regularisation and batch size apply to
    the network being trained, as in Playground.

    Actions: ``step(epochs=1)``, ``play()``, ``pause()``, ``reset()``, ``export()``, ``data()``.

    Shown (readable attributes): ``epoch``, ``train_loss``, ``test_loss`` (the data loss, without the
    penalty, as Playground shows it), ``train_accuracy``/``test_accuracy`` (classification),
    ``loss_history`` (``{"train": [...], "test": [...]}``, one value per epoch from epoch 0),
    ``output_grid`` (the output over the ``GRID x GRID`` grid, row 0 at the bottom),
    ``neuron_grids`` (per hidden layer, ``(units, GRID, GRID)``), ``feature_grids``, ``kernels``,
    ``model`` (the live ``Sequential``), ``diverged`` (a message, or None).

    Args:
        points: your own 2-D points as ``(X, y)``: ``X`` of shape ``(n, 2)``; ``y`` 0/1 labels
            (classification) or numbers (regression). They become the data set "yours".
        The other arguments set the controls' starting values (Playground's defaults).
    """

    figsize = (12.5, 5.6)

    def __init__(self, dataset="circle", noise=0, train_ratio=50, batch_size=10, features=("x1", "x2"),
                 hidden=(4, 2), activation="tanh", learning_rate=0.03, optimizer="sgd", regularization="none",
                 regularization_rate=0.0, dropout=0.0, seed=0, show_test=False, discretize=False, points=None):
        self._points = _check_points(points)
        hidden = tuple(hidden)
        if len(hidden) > MAX_LAYERS or any(not 1 <= int(n) <= MAX_NEURONS for n in hidden):
            raise ValueError(f"`hidden` lists the neurons of each hidden layer: at most {MAX_LAYERS} layers of 1 to "
                             f"{MAX_NEURONS} neurons, e.g. hidden=(4, 2). Received: hidden={hidden!r}")
        features = check_feature_names(features)
        if dataset == YOURS and self._points is None:
            raise ValueError("dataset='yours' needs your points: Playground(points=(X, y)).")
        if dataset not in DATASETS and dataset != YOURS:
            raise ValueError(f"Received an invalid value for `dataset`, expected one of "
                             f"{', '.join(map(repr, PLAYGROUND_NAMES))}. Received: dataset={dataset!r}")
        _check_choice("activation", activation, ACTIVATIONS)
        _check_choice("learning_rate", learning_rate, LEARNING_RATES)
        _check_choice("optimizer", optimizer, tuple(OPTIMIZERS))
        _check_choice("regularization", regularization, tuple(REGULARIZATIONS))
        _check_choice("regularization_rate", regularization_rate, REGULARIZATION_RATES)
        for name, value, low, high in (("noise", noise, 0, 50), ("train_ratio", train_ratio, 10, 90),
                                       ("batch_size", batch_size, 1, 30), ("dropout", dropout, 0, 0.5)):
            if isinstance(value, bool) or not isinstance(value, (int, float, np.integer, np.floating)) \
                    or not low <= value <= high:
                raise ValueError(f"Received an invalid value for `{name}`, expected a number from {low} to {high} "
                                 f"(the slider's range). Received: {name}={value!r}")
        self._start = dict(dataset=YOURS if self._points is not None and dataset == "circle" else dataset,
                           noise=noise, train_ratio=train_ratio, batch_size=batch_size, features=features,
                           hidden=hidden, activation=activation, learning_rate=learning_rate, optimizer=optimizer,
                           regularization=regularization, regularization_rate=regularization_rate, dropout=dropout,
                           seed=seed, show_test=show_test, discretize=discretize)
        self.model = None
        self.epoch = 0
        self.diverged = None
        self._task = None          # the asyncio task while playing
        self._syncing_button = False
        self._data_key = self._model_key = None
        self._version = 0          # counts weight changes (new network, each epoch)
        self._placed = {}          # id(picture) -> where it was last put
        self.frame_seconds = []    # how long each redrawn step took while playing (for measuring)
        self._live_image = None    # the view's picture, once displayed
        self._readout_due = 0.0    # while playing, when the read-out is next refreshed
        super().__init__(interactive=False)      # Agg + an Image widget (see the module docstring)

    # =================================================================== controls
    def _make_controls(self):
        s = self._start
        # labels as wide as "regularization" and "hidden layers" need (seen in the browser test)
        style, wide, half = {"description_width": "104px"}, ipywidgets.Layout(width="265px"), ipywidgets.Layout(
            width="118px")
        options = [(label, name) for name, label in DATASETS.items()]
        if self._points is not None:
            options.append(("your points", YOURS))
        c = {
            "dataset": ipywidgets.Dropdown(options=options, value=s["dataset"], description="data", style=style,
                                           layout=wide),
            "noise": ipywidgets.IntSlider(value=s["noise"], min=0, max=50, step=5, description="noise", style=style,
                                          layout=wide),
            "train_ratio": ipywidgets.IntSlider(value=s["train_ratio"], min=10, max=90, step=10,
                                                description="% training", style=style, layout=wide),
            "batch_size": ipywidgets.IntSlider(value=s["batch_size"], min=1, max=30, description="batch size",
                                               style=style, layout=wide),
            "seed": ipywidgets.BoundedIntText(value=s["seed"], min=0, max=99999, description="seed", style=style,
                                              layout=ipywidgets.Layout(width="170px")),
        }
        for control, feature in FEATURE_CONTROLS.items():
            c[control] = ipywidgets.Checkbox(value=feature in s["features"], description=feature, indent=False,
                                             layout=ipywidgets.Layout(width="80px"))
            c[control].observe(self._keep_one_feature, names="value")   # runs before the update
        c["hidden_layers"] = ipywidgets.IntSlider(value=len(s["hidden"]), min=0, max=MAX_LAYERS,
                                                  description="hidden layers", style=style, layout=wide)
        for i in range(MAX_LAYERS):
            c[f"neurons_{i + 1}"] = ipywidgets.BoundedIntText(
                value=s["hidden"][i] if i < len(s["hidden"]) else 2, min=1, max=MAX_NEURONS,
                description=f"{i + 1}", style={"description_width": "12px"}, layout=ipywidgets.Layout(width="70px"))
        c["activation"] = ipywidgets.Dropdown(options=ACTIVATIONS, value=s["activation"], description="activation",
                                              style=style, layout=wide)
        c["dropout"] = ipywidgets.FloatSlider(value=s["dropout"], min=0, max=0.5, step=0.05, readout_format=".2f",
                                              description="dropout", style=style, layout=wide)
        c["optimizer"] = ipywidgets.Dropdown(options=[(label, name) for name, label in OPTIMIZERS.items()],
                                             value=s["optimizer"], description="optimizer", style=style, layout=wide)
        c["learning_rate"] = ipywidgets.SelectionSlider(options=LEARNING_RATES, value=s["learning_rate"],
                                                        description="learning rate", style=style, layout=wide)
        c["regularization"] = ipywidgets.Dropdown(options=[(label, name) for name, label in REGULARIZATIONS.items()],
                                                  value=s["regularization"], description="regularization",
                                                  style=style, layout=wide)
        c["regularization_rate"] = ipywidgets.SelectionSlider(options=REGULARIZATION_RATES,
                                                              value=s["regularization_rate"], description="reg. rate",
                                                              style=style, layout=wide)
        c["show_test"] = ipywidgets.Checkbox(value=s["show_test"], description="show test data", indent=False,
                                             layout=half)
        c["discretize"] = ipywidgets.Checkbox(value=s["discretize"], description="discretize output", indent=False,
                                              layout=ipywidgets.Layout(width="140px", flex="0 0 auto"))
        return c

    def _layout(self, controls, readout, figure_view):
        c = self.controls
        button = ipywidgets.Layout(width="82px")
        self.play_button = ipywidgets.ToggleButton(value=False, description="play", icon="play", layout=button,
                                                   tooltip="train one epoch after another (pause any time)")
        self.step_button = ipywidgets.Button(description="step", icon="step-forward", layout=button,
                                             tooltip="train one epoch")
        self.reset_button = ipywidgets.Button(description="reset", icon="undo", layout=button,
                                              tooltip="a new network from the seed, epoch 0")
        self.regenerate_button = ipywidgets.Button(description="new data", layout=ipywidgets.Layout(width="90px"),
                                                   tooltip="seed + 1: new points and new starting weights")
        self.play_button.observe(self._on_play_button, names="value")
        self.step_button.on_click(lambda _: self.step())
        self.reset_button.on_click(lambda _: self.reset())
        self.regenerate_button.on_click(lambda _: setattr(c["seed"], "value", c["seed"].value + 1))
        head = lambda text: ipywidgets.HTML(f"<b>{text}</b>")  # noqa: E731
        data = ipywidgets.VBox([head("Data"), c["dataset"], c["noise"], c["train_ratio"], c["batch_size"],
                                ipywidgets.HBox([c["seed"], self.regenerate_button]),
                                ipywidgets.HBox([c["show_test"], c["discretize"]])])
        names = list(FEATURE_CONTROLS)
        features = ipywidgets.VBox([head("Features")] + [ipywidgets.HBox([c[a], c[b]]) for a, b in
                                                         zip(names[0::2], names[1::2])] + [c[names[-1]]],
                                   layout=ipywidgets.Layout(width="175px"))
        self._neuron_boxes = [c[f"neurons_{i + 1}"] for i in range(MAX_LAYERS)]
        network = ipywidgets.VBox([head("Network"), c["hidden_layers"],
                                   ipywidgets.HTML("neurons per hidden layer:"),
                                   ipywidgets.HBox(self._neuron_boxes[:3]), ipywidgets.HBox(self._neuron_boxes[3:]),
                                   c["activation"], c["dropout"]])
        training = ipywidgets.VBox([head("Training"), c["optimizer"], c["learning_rate"], c["regularization"],
                                    c["regularization_rate"]])
        self._sync_neuron_boxes()
        buttons = ipywidgets.HBox([self.play_button, self.step_button, self.reset_button])
        for column in (data, features, network, training):
            column.layout.flex = "0 0 auto"  # a column keeps its width; one that does not fit goes below
        panel = ipywidgets.HBox([data, features, network, training],
                                layout=ipywidgets.Layout(grid_gap="10px 14px", flex_flow="row wrap"))
        return ipywidgets.VBox([buttons, panel, readout, figure_view])

    @property
    def widget(self):
        """Controls, read-out and the figure (an ``ipywidgets.Image`` refreshed after every update)."""
        if self._view is None:
            if self._background is None:
                self.fig.canvas.draw()               # the first full draw (see _render)
            # shown at its own size, one canvas pixel per screen pixel (stretched to the column's width, the
            # browser would rescale every frame, and blur it); narrower on a narrow screen
            self._live_image = ipywidgets.Image(value=canvas_frame(self.fig.canvas, "png"), format="png",
                                                layout=ipywidgets.Layout(max_width="100%", height="auto",
                                                                         align_self="flex-start"))
            self._view = self._layout(list(self.controls.values()), self._readout_html, self._live_image)
        return self._view

    def _repr_mimebundle_(self, **kwargs):
        # As every widget's, but the PNG for static viewers is the canvas as drawn, not the whole
        # figure drawn once more (~0.3 s each time a Playground is shown)
        bundle = self.widget._repr_mimebundle_(**kwargs)
        bundle["text/plain"] = f"{type(self).__name__}\n{self.readout()}"
        bundle["image/png"] = base64.b64encode(canvas_frame(self.fig.canvas, "png")).decode("ascii")
        return bundle

    def _render(self):
        """Redraw (``LessonWidget._render``), once there is a picture to keep up to date: until the Playground
        is shown or its canvas drawn, nothing is drawn, so one made only to be stepped and read (lesson 07's
        runs) costs no drawing (a first full draw is ~0.3 s)."""
        if self._background is None and self._view is None:
            self._needs_full_redraw = True
            return
        super()._render()

    def update(self):
        """Recompute and redraw (``LessonWidget.update``), then send the picture: a JPEG while playing."""
        super().update()
        if self._live_image is not None:
            kind = "jpeg" if self.playing else "png"
            frame = canvas_frame(self.fig.canvas, kind)
            with self._live_image.hold_sync():       # one message for both traits
                self._live_image.format = kind
                self._live_image.value = frame

    def _show_readout(self):
        """While playing, the text read-out is refreshed every ``READOUT_SECONDS``, not after every step: each
        new text makes the browser lay the notebook out again (a quarter to a third of the browser's work per
        frame, measured in Chromium), and numbers that change 20 times a second cannot be read anyway.
        Paused or stepped, it is always up to date.
        """
        if self.playing and time.perf_counter() < self._readout_due:
            return
        super()._show_readout()
        self._readout_due = time.perf_counter() + READOUT_SECONDS

    def _sync_neuron_boxes(self):
        """Only the boxes of existing hidden layers can be changed; noise means nothing for your points."""
        n = self.controls["hidden_layers"].value
        for i, box in enumerate(self.controls[f"neurons_{i + 1}"] for i in range(MAX_LAYERS)):
            box.disabled = i >= n
        self.controls["noise"].disabled = self.controls["dataset"].value == YOURS

    def _keep_one_feature(self, change):
        """A network needs an input: switching off the last feature switches it back on.

        Inside ``set(...)`` the check waits for the end (``_update``), so ``set(x1=False, x1_squared=True)``
        works in any order.
        """
        if not self._batching and not change["new"] and not any(self.controls[n].value for n in FEATURE_CONTROLS):
            change["owner"].value = True

    def _on_play_button(self, change):
        if self._syncing_button:
            return
        if change["new"]:
            self.play()
        else:
            self.pause()

    # ================================================================ settings
    @property
    def features(self):
        """The chosen input features, in Playground's order."""
        return tuple(f for control, f in FEATURE_CONTROLS.items() if self.controls[control].value)

    @property
    def hidden(self):
        """Neurons per hidden layer, e.g. ``(4, 2)``."""
        n = self.controls["hidden_layers"].value
        return tuple(int(self.controls[f"neurons_{i + 1}"].value) for i in range(n))

    @property
    def is_regression(self):
        dataset = self.controls["dataset"].value
        return dataset in REGRESSION or (dataset == YOURS and self._points[2] == "regression")

    def _keys(self):
        c = {name: control.value for name, control in self.controls.items()}
        data = (c["dataset"], c["noise"] if c["dataset"] != YOURS else None, c["train_ratio"], c["seed"])
        model = data + (self.features, self.hidden, c["activation"], c["dropout"])
        return data, model

    # ==================================================================== data
    def _make_data(self):
        """The points (Playground's generator or yours), split into training and test points."""
        c = self.controls
        dataset, seed = c["dataset"].value, int(c["seed"].value)
        rng = np.random.default_rng(seed)
        if dataset == YOURS:
            X, y, _, self.domain = self._points
        else:
            kind = "regression" if dataset in REGRESSION else "classification"
            X, y = playground(dataset, n_samples=N_POINTS[kind], noise=c["noise"].value / 100, seed=rng)
            self.domain = DOMAIN
        (self.x_train, self.y_train), (self.x_test, self.y_test) = train_test_split(
            X, y, test_ratio=1 - c["train_ratio"].value / 100, seed=rng)
        lo, hi = -self.domain, self.domain
        xs = np.linspace(lo, hi, GRID, dtype=np.float32)
        g1, g2 = np.meshgrid(xs, xs)
        self.grid_points = np.column_stack([g1.ravel(), g2.ravel()])    # row 0 of an image is the bottom
        self.feature_grids = {name: playground_features(self.grid_points, [name])[:, 0].reshape(GRID, GRID)
                              for name in PLAYGROUND_FEATURES}

    # =================================================================== model
    def _build_model(self):
        """A new Sequential for the chosen features and layers, its weights drawn from the seed."""
        c = self.controls
        seeds = np.random.default_rng([int(c["seed"].value), 1]).integers(0, 2 ** 31, size=2 * MAX_LAYERS + 4)
        regularizer = make_regularizer(c["regularization"].value, c["regularization_rate"].value)
        model = Sequential(name="playground")
        model.add(Input(shape=(len(self.features),)))
        for i, units in enumerate(self.hidden):
            model.add(Dense(units, activation=c["activation"].value, name=f"hidden_{i + 1}",
                            kernel_initializer=GlorotUniform(seed=int(seeds[2 * i])), kernel_regularizer=regularizer))
            if c["dropout"].value > 0:
                model.add(Dropout(round(float(c["dropout"].value), 2), seed=int(seeds[2 * i + 1]),
                                  name=f"dropout_{i + 1}"))
        model.add(Dense(1, activation=None if self.is_regression else "sigmoid", name="output",
                        kernel_initializer=GlorotUniform(seed=int(seeds[-1])), kernel_regularizer=regularizer))
        self._compile(model)
        self.model = model
        self.dense_layers = [layer for layer in model.layers if isinstance(layer, Dense)]
        self._shuffle_rng = np.random.default_rng([int(c["seed"].value), 2])
        self.loss_fn = losses.get("mse" if self.is_regression else "binary_crossentropy")
        names = self.features
        self.features_train = playground_features(self.x_train, names)
        self.features_test = playground_features(self.x_test, names)
        self.features_grid = playground_features(self.grid_points, names)
        self._targets_train = self.y_train.astype(np.float32)[:, None]
        self.epoch = 0
        self.diverged = None
        self.loss_history = {"train": [], "test": []}
        self._version += 1          # the weights changed: the pictures need computing again
        self._measure()

    def _compile(self, model):
        c = self.controls
        model.compile(optimizer=make_optimizer(c["optimizer"].value, c["learning_rate"].value),
                      loss="mse" if self.is_regression else "binary_crossentropy")
        self._compiled_optimizer = c["optimizer"].value

    def _apply_live_settings(self):
        """Learning rate, optimizer and regularisation change the network being trained, not a new one."""
        c = self.controls
        if c["optimizer"].value != self._compiled_optimizer:
            self._compile(self.model)               # a new optimizer (fresh state); the weights stay
        self.model.optimizer.learning_rate = c["learning_rate"].value
        regularizer = make_regularizer(c["regularization"].value, c["regularization_rate"].value)
        for layer in self.dense_layers:
            layer.kernel_regularizer = regularizer

    # ================================================================ training
    def step(self, epochs=1):
        """Train ``epochs`` epochs (one pass over the training points each, in mini-batches), then redraw."""
        for _ in range(int(epochs)):
            if self.diverged:
                break
            self._train_one_epoch()
        self.update()
        return self

    def _train_one_epoch(self):
        """One step: shuffle the training points (with the widget's own generator), then one epoch of ``fit``."""
        order = self._shuffle_rng.permutation(len(self.features_train))
        try:
            with np.errstate(all="ignore"):
                self.model.fit(self.features_train[order], self._targets_train[order],
                               batch_size=int(self.controls["batch_size"].value), epochs=1, shuffle=False, verbose=0)
        except ValueError as error:
            if "NaN or infinity" not in str(error):
                raise
            self._diverge("a layer received NaN or infinity")    # the weights blew up: training diverged
            return
        self.epoch += 1
        self._version += 1
        self._measure()

    def _diverge(self, why):
        self.diverged = (f"Training diverged at epoch {self.epoch + 1}: the weights grew until {why}. "
                         "Lower the learning rate, then reset.")
        self._stop()

    def _layer_outputs(self, x):
        """Every Dense layer's output for the inputs ``x``, or None if the network has diverged.

        This is the model's own forward pass, written out: each layer's ``forward``
        (``training=False``: no dropout) on the previous layer's output.
        """
        outputs = []
        try:
            with np.errstate(all="ignore"):
                h = x
                for layer in self.model.layers:
                    h = layer(h)
                    if isinstance(layer, Dense):
                        outputs.append(h)
                if not np.all(np.isfinite(h)):
                    raise ValueError("the output is NaN or infinity")
        except ValueError as error:
            if "NaN" not in str(error):
                raise
            self._diverge("a layer received NaN or infinity")
            return None
        return outputs

    def _measure(self):
        """The losses (and accuracies) on every training and test point, after each epoch."""
        outputs = self._layer_outputs(np.concatenate([self.features_train, self.features_test]))
        if outputs is None:
            return
        out = outputs[-1]
        pred_train, pred_test = out[:len(self.features_train)], out[len(self.features_train):]
        self.train_loss = float(self.loss_fn(self._targets_train, pred_train))
        self.test_loss = float(self.loss_fn(self.y_test.astype(np.float32)[:, None], pred_test))
        if self.is_regression:
            self.train_accuracy = self.test_accuracy = None
        else:
            self.train_accuracy = float(np.mean(metrics.binary_accuracy(self.y_train[:, None], pred_train)))
            self.test_accuracy = float(np.mean(metrics.binary_accuracy(self.y_test[:, None], pred_test)))
        self.loss_history["train"].append(self.train_loss)
        self.loss_history["test"].append(self.test_loss)

    def _compute_pictures(self):
        """What the pictures show (only before a redraw): each neuron and the output over the grid, the weights."""
        outputs = self._layer_outputs(self.features_grid)
        if outputs is None:
            return
        self.output_grid = outputs[-1][:, 0].reshape(GRID, GRID)
        self.neuron_grids = [a.T.reshape(-1, GRID, GRID) for a in outputs[:-1]]
        self.kernels = [layer.kernel.copy() for layer in self.dense_layers]
        self.biases = [layer.bias.copy() for layer in self.dense_layers]

    def reset(self):
        """A new network from the seed (epoch 0), with the current controls."""
        self._stop()
        self._model_key = None
        self.update()
        return self

    # ================================================================= playing
    @property
    def playing(self):
        return self._task is not None and not self._task.done()

    def play(self):
        """Train epoch after epoch, redrawing after each, until ``pause()`` (the kernel stays free)."""
        if self.playing or self.diverged:
            return
        try:
            loop = asyncio.get_running_loop()
        except RuntimeError:
            raise RuntimeError("play() animates inside Jupyter, where an event loop is running. In a script, "
                               "train with w.step(100) instead.") from None
        self._task = loop.create_task(self._play_loop())
        self._show_playing(True)

    def pause(self):
        """Stop playing now: no further step runs after this call."""
        if self._stop():
            self.update()        # the numbers come back in the figure

    def _stop(self):
        """Cancel the playing task (if any); True if it was playing."""
        was_playing = self.playing
        if was_playing:
            self._task.cancel()
        self._task = None
        self._show_playing(False)
        return was_playing

    async def _play_loop(self):
        try:
            while not self.diverged:
                start = time.perf_counter()
                self.step()
                spent = time.perf_counter() - start
                self.frame_seconds.append(spent)
                await asyncio.sleep(max(YIELD_SECONDS, FRAME_SECONDS - spent))   # clicks and cells run here
        finally:
            self._task = None
            self._show_playing(False)

    def _show_playing(self, playing):
        """The play button shows the state (one message to the browser for its three traits)."""
        button = getattr(self, "play_button", None)
        if button is None:
            return
        self._syncing_button = True
        try:
            with button.hold_sync():
                button.value = playing
                button.description = button.icon = "pause" if playing else "play"
        finally:
            self._syncing_button = False

    # ================================================================= export
    def export(self):
        """A copy of the network as a compiled learnnet ``Sequential``, to continue training in code.

        Same layers, regularisers and weights; the optimizer has the same settings but starts
        afresh (as after ``compile``). Its inputs are the chosen features: get them with ``data()``.
        """
        model = Sequential.from_config(self.model.get_config())
        model.set_weights(self.model.get_weights())
        c = self.controls
        model.compile(optimizer=make_optimizer(c["optimizer"].value, c["learning_rate"].value),
                      loss="mse" if self.is_regression else "binary_crossentropy",
                      metrics=None if self.is_regression else ["accuracy"])
        return model

    def data(self):
        """``(x_train, y_train), (x_test, y_test)``: the chosen features of the points, and their labels."""
        return (self.features_train.copy(), self.y_train.copy()), (self.features_test.copy(), self.y_test.copy())

    # ================================================================= drawing
    def _draw(self):
        fig = self.fig
        width, height = fig.get_size_inches()
        self.ax_net = fig.add_axes([0.0, 0.0, 0.56, 0.94])
        self._net_size = (0.56 * width, 0.94 * height)          # axes units are inches
        self.ax_net.set_xlim(0, self._net_size[0])
        self.ax_net.set_ylim(0, self._net_size[1])
        self.ax_net.set_axis_off()
        self.ax_net.set_autoscale_on(False)
        out_w = 3.05 / width
        self.ax_out = fig.add_axes([0.595, 0.36, out_w, 3.05 / height])
        self.ax_cbar = fig.add_axes([0.595 + out_w + 0.008, 0.36, 0.010, 3.05 / height])
        self.ax_loss = fig.add_axes([0.623, 0.075, 0.355, 0.18])
        self.cmap = PLAYGROUND_CMAP

        def thumb(vmin=-1, vmax=1):
            """A small picture in the network (a PixelImage, without imshow's autoscaling: much faster to draw)."""
            image = PixelImage(self.ax_net, cmap=self.cmap, norm=Normalize(vmin, vmax), origin="lower",
                            interpolation="nearest", zorder=3)
            image.set_data(np.zeros((2, 2)))
            return self.ax_net.add_image(image)

        # the network: a picture per feature and per neuron, joined by edges
        self.edges = self.ax_net.add_collection(LineCollection([], zorder=1))
        self.feature_images = [thumb() for _ in FEATURE_CONTROLS]
        self.feature_labels = [self.ax_net.text(0, 0, FEATURE_LABELS[f], ha="right", va="center", fontsize=9)
                               for f in FEATURE_CONTROLS.values()]
        self.neuron_images = [[thumb() for _ in range(MAX_NEURONS)] for _ in range(MAX_LAYERS)]
        self.output_thumb = thumb(0, 1)
        # the pictures' frames: one collection of outlines (one artist draws ~10x faster than 57 rectangles)
        self.frames = self.ax_net.add_collection(LineCollection([], lw=0.6, colors="#555555", zorder=4,
                                                                joinstyle="miter"))
        # column titles are pictures of their text, made once per title (see _text_picture)
        self.column_titles = []
        for _ in range(MAX_LAYERS + 2):
            title = PixelImage(self.ax_net, origin="upper", interpolation="nearest", zorder=3)
            title.set_data(np.zeros((1, 1, 4), dtype=np.uint8))
            self.column_titles.append(self.ax_net.add_image(title))
        self._title_pictures = {}
        # the output: heat-map, points, colour bar
        self.output_image = self.ax_out.add_image(PixelImage(self.ax_out, cmap=self.cmap, norm=Normalize(0, 1),
                                                          origin="lower", extent=(-DOMAIN, DOMAIN, -DOMAIN, DOMAIN),
                                                          interpolation="nearest", zorder=1))
        self.output_image.set_data(np.zeros((2, 2)))
        # points as a few marker lines, one per colour (much faster to redraw than a scatter)
        marker = dict(ls="none", marker="o", ms=4.2)
        self.train_markers = [self.ax_out.plot([], [], mec="white", mew=0.6, zorder=3, **marker)[0]
                              for _ in range(POINT_COLOURS)]
        self.test_markers = [self.ax_out.plot([], [], mec="black", mew=0.8, zorder=4, **marker)[0]
                             for _ in range(POINT_COLOURS)]
        self.ax_out.set_xticks([-6, -3, 0, 3, 6])
        self.ax_out.set_yticks([-6, -3, 0, 3, 6])
        self.ax_out.tick_params(labelsize=8, length=2, pad=1.5)
        self.ax_out.set_xlabel("$x_1$", fontsize=9, labelpad=0)
        self.ax_out.set_ylabel("$x_2$", fontsize=9, labelpad=0)
        self.colorbar = fig.colorbar(self.output_image, cax=self.ax_cbar)
        self.ax_cbar.tick_params(labelsize=7.5, length=2, pad=1.5)
        self.output_title = self.ax_out.set_title("", fontsize=9.5, pad=4)
        self.diverged_text = self.ax_out.text(0, 0, "", ha="center", va="center", fontsize=9, color="#b2182b",
                                              zorder=6,
                                              bbox=dict(boxstyle="round,pad=0.4", fc="white", ec="#b2182b"))
        # the loss curves
        (self.train_curve,) = self.ax_loss.plot([], [], color="#333333", lw=1.5, label="training")
        (self.test_curve,) = self.ax_loss.plot([], [], color="#999999", lw=1.5, ls="--", label="test")
        # Its labels and legend are figure text, drawn once in the background: when the axes' limits change,
        # only its ticks and grid are redrawn (text is slow to draw: labels and legend were 2/3 of the axes'
        # time), and a few tick labels are enough.
        fig.text(0.8005, 0.022, "epoch", ha="center", va="bottom", fontsize=8.5)
        fig.text(0.595, 0.165, "loss", ha="center", va="center", rotation=90, fontsize=8.5)
        fig.legend(handles=[self.train_curve, self.test_curve], loc="lower right", bbox_to_anchor=(0.978, 0.257),
                   fontsize=7.5, frameon=False, ncols=2, borderaxespad=0)
        self.ax_loss.xaxis.set_major_locator(MaxNLocator(4, integer=True, steps=[1, 2, 5, 10]))
        self.ax_loss.yaxis.set_major_locator(MaxNLocator(4, steps=[1, 2, 5, 10]))
        self.ax_loss.tick_params(labelsize=7.5, length=2, pad=1.5)
        self.ax_loss.grid(True, alpha=0.3)
        self.ax_loss.set_xlim(0, 50)
        self.ax_loss.set_ylim(0, 1)
        # the numbers: drawn when not playing (text is slow to draw; while playing the read-out shows them)
        self.header = fig.text(0.595, 0.975, "", ha="left", va="top", fontsize=10)
        # what a step changes is redrawn every time; what only the settings change, rarely
        # Redrawn in tiers (see LessonWidget.dynamic), each only when one of its artists changed; a change
        # in tier t redraws tiers t, t-1, ..., 0, so what changes more often sits lower: what a training step
        # changes (0, every time); the numbers (1, each step when not playing); the feature pictures (2, the
        # features); the network's frames and column titles (3, its layers); the output's title (4, the
        # kind of data set); the loss axes (5, when its limits change). The feature labels never change.
        # (the 49 neuron pictures and the 18 marker lines, most of them hidden or empty, each as one artist
        # that draws only those in use: a dynamic artist costs ~0.05 ms to visit even when it draws nothing)
        self.dynamic(self.edges, _InUse([im for column in self.neuron_images for im in column] + [self.output_thumb]),
                     self.output_image, _InUse(self.train_markers + self.test_markers), self.train_curve,
                     self.test_curve)
        self.dynamic(self.header, tier=1)
        self.dynamic(*self.feature_images, tier=2)
        self.dynamic(self.frames, *self.column_titles, tier=3)
        self.dynamic(self.output_title, self.diverged_text, tier=4)
        self.dynamic(self.ax_loss, tier=5)

    def _layout_network(self):
        """Where each picture goes: columns for the features, each hidden layer and the output.

        Rows are spaced for the largest layer allowed, so the feature column never moves, and only the
        pictures in use are placed.
        """
        W, H = self._net_size
        hidden = self.hidden
        columns = [len(FEATURE_CONTROLS)] + list(hidden) + [1]
        xs = np.linspace(0.75, W - 0.55, len(columns))
        top = H - 0.62
        pitch = min(0.62, (top - 0.15) / MAX_NEURONS)
        size = min(0.46, pitch * 0.8)
        self._cells = []            # per column: list of (x0, y0) lower-left corners
        for x, n in zip(xs, columns):
            y_first = top - (pitch - size) / 2 - size - (MAX_NEURONS - n) * pitch / 2
            self._cells.append([(x - size / 2, y_first - i * pitch) for i in range(n)])
        self._size = size

        def place(image, cell):
            x0, y0 = cell
            if self._placed.get(id(image)) != (x0, y0, size):    # moving a picture makes its tier redraw
                self._placed[id(image)] = (x0, y0, size)
                image.set_extent((x0, x0 + size, y0, y0 + size))

        if self.changed("feature column", size):
            for image, label, cell in zip(self.feature_images, self.feature_labels, self._cells[0]):
                place(image, cell)
                label.set_position((cell[0] - 0.06, cell[1] + size / 2))
        for l in range(MAX_LAYERS):
            for i in range(MAX_NEURONS):
                image = self.neuron_images[l][i]
                exists = l < len(hidden) and i < hidden[l]
                if exists:
                    place(image, self._cells[l + 1][i])
                if image.get_visible() != exists:
                    image.set_visible(exists)
        place(self.output_thumb, self._cells[-1][0])
        if self.changed("network frames", hidden):     # not when only the features change: they never move
            self.frames.set_segments([[(x0, y0), (x0 + size, y0), (x0 + size, y0 + size), (x0, y0 + size), (x0, y0)]
                                      for column in self._cells for (x0, y0) in column])
            titles = ["features"] + [f"layer {l + 1}\n{n} neuron{'s' * (n > 1)}" for l, n in enumerate(hidden)] + \
                ["output"]
            dpi = self.fig.dpi
            for l, title in enumerate(self.column_titles):
                if l < len(titles):
                    if titles[l] not in self._title_pictures:
                        self._title_pictures[titles[l]] = _text_picture(titles[l], dpi, fontsize=8.5, linespacing=1.15)
                    picture = self._title_pictures[titles[l]]
                    h, w = picture.shape[:2]
                    x0, y0 = round(xs[l] * dpi - w / 2) / dpi, round((top + 0.08) * dpi) / dpi   # whole pixels
                    title.set_data(picture)
                    title.set_extent((x0, x0 + w / dpi, y0, y0 + h / dpi))
                title.set_visible(l < len(titles))
        self._edge_segments()

    def _edge_segments(self):
        """One segment per weight: from the right of a picture to the left of the next column's."""
        size = self._size
        selected = [i for i, f in enumerate(FEATURE_CONTROLS.values()) if f in self.features]
        sources = [[self._cells[0][i] for i in selected]] + self._cells[1:-1]
        segments = []
        for left, right in zip(sources, self._cells[1:]):
            for (xa, ya) in left:
                for (xb, yb) in right:
                    segments.append([(xa + size, ya + size / 2), (xb, yb + size / 2)])
        self.edges.set_segments(segments)

    # ================================================================== update
    def _update(self):
        if not self.features:       # set() switched every feature off: keep x1, as a click would
            batching, self._batching = self._batching, True
            self.controls["x1"].value = True
            self._batching = batching
        data_key, model_key = self._keys()
        self._sync_neuron_boxes()
        if data_key != self._data_key:
            self._stop()
            self._make_data()
        if model_key != self._model_key:
            self._stop()
            self._build_model()
            if self.changed("layout", self.features, self.hidden):
                self._layout_network()
            self._data_key, self._model_key = data_key, model_key
            self._draw_settings()
        else:
            self._apply_live_settings()
        if self.changed("weights", self._version):
            self._compute_pictures()
        self._draw_state()

    def _draw_settings(self):
        """What changes only with a new network: data points, feature pictures, colour scales, limits."""
        d = self.domain
        regression = self.is_regression
        if self.changed("axes", d, regression):       # new ticks and colour bar: redraw everything once
            norm = (-1, 1) if regression else (0, 1)
            self.output_image.set_extent((-d, d, -d, d))
            self.output_image.set_norm(Normalize(*norm))
            self.output_thumb.set_norm(Normalize(*norm))
            self.colorbar.set_label("output" if regression else "P(class 1)", fontsize=8)
            ticks = np.linspace(-d, d, 5)
            self.ax_out.set_xticks(ticks)
            self.ax_out.set_yticks(ticks)
            self.ax_out.set_xlim(-d, d)
            self.ax_out.set_ylim(-d, d)
            self.request_full_redraw()
        for markers, X, y in ((self.train_markers, self.x_train, self.y_train),
                              (self.test_markers, self.x_test, self.y_test)):
            groups = self._colour_groups(y)
            for i, line in enumerate(markers):
                if i < len(groups):
                    colour, chosen = groups[i]
                    line.set_data(X[chosen, 0], X[chosen, 1])
                    line.set_markerfacecolor(colour)
                else:
                    line.set_data([], [])
        if self.changed("feature pictures", d, self.features):
            for image, label, feature in zip(self.feature_images, self.feature_labels, FEATURE_CONTROLS.values()):
                grid = self.feature_grids[feature]
                scale = float(np.max(np.abs(grid))) or 1.0
                image.set_data(grid[::2, ::2] / scale)         # each feature's own range, -max to +max
                image.set_alpha(1.0 if feature in self.features else 0.25)
        # A new network's loss axis goes from 0 to 1 (where a fresh network starts on Playground's data),
        # or higher if its first loss does not fit: new limits redraw every tier, so they change rarely.
        first = self.loss_history["train"][0]
        needed = 1.0 if np.isfinite(first) and first <= 1.0 else self._loss_ceiling(first)
        top = self.ax_loss.get_ylim()[1]
        if not needed <= top <= 3 * needed:         # keep an axis up to 3x too tall: no flipping between 1 and 1.5
            top = needed
        self.set_limits(self.ax_loss, xlim=(0, 50), ylim=(0, top))

    def _colour_groups(self, y):
        """``[(colour, which points)]``: the two classes, or regression targets in bands of colour."""
        if not self.is_regression:
            return [(NEGATIVE, y == 0), (POSITIVE, y == 1)]
        edges = np.linspace(-1, 1, POINT_COLOURS + 1)
        band = np.clip(np.digitize(y, edges[1:-1]), 0, POINT_COLOURS - 1)
        centres = (edges[:-1] + edges[1:]) / 2
        return [(POINT_CMAP(Normalize(-1, 1)(c)), band == i) for i, c in enumerate(centres)]

    @staticmethod
    def _loss_ceiling(loss):
        """A round upper limit for the loss axis just above ``loss``."""
        if not np.isfinite(loss) or loss <= 0:
            return 1.0
        for ceiling in (0.1, 0.2, 0.3, 0.5, 0.8, 1.0, 1.5, 2.0, 3.0, 5.0, 10.0, 20.0, 50.0, 100.0):
            if loss * 1.1 <= ceiling:
                return ceiling
        return float(loss * 1.2)

    def _draw_state(self):
        """What every step changes: pictures, edges, curves, the header."""
        c = self.controls
        discretize = c["discretize"].value
        output = self.output_grid
        if discretize:
            output = np.where(output >= (0.0 if self.is_regression else 0.5), self.output_image.norm.vmax,
                              self.output_image.norm.vmin)
        self.output_image.set_data(output)
        self.output_thumb.set_data(output[::2, ::2])
        for l, grids in enumerate(self.neuron_grids):
            for i, grid in enumerate(grids):
                self.neuron_images[l][i].set_data(grid[::2, ::2])
        rgba, widths = weight_colors(np.concatenate([k.ravel() for k in self.kernels]), max_abs=EDGE_SCALE)
        self.edges.set_color(rgba)
        self.edges.set_linewidth(widths)
        for line in self.test_markers:
            line.set_visible(bool(c["show_test"].value))
        epochs = np.arange(len(self.loss_history["train"]))
        self.train_curve.set_data(epochs, self.loss_history["train"])
        self.test_curve.set_data(epochs, self.loss_history["test"])
        xmax = self.ax_loss.get_xlim()[1]
        while self.epoch > xmax:                    # double the epoch axis when the curves reach its end
            xmax *= 2
        self.set_limits(self.ax_loss, xlim=(0, xmax))
        top = self.ax_loss.get_ylim()[1]
        worst = max(self.train_loss, self.test_loss)
        if np.isfinite(worst) and worst > top:
            self.set_limits(self.ax_loss, ylim=(0, self._loss_ceiling(worst)))
        header = "" if self.playing else (f"epoch {self.epoch:,}    training loss {self.train_loss:.3f}    "
                                          f"test loss {self.test_loss:.3f}")
        if self.header.get_text() != header:
            self.header.set_text(header)
        # the view's checkboxes show their own state: the title does not repeat it, so ticking one redraws
        # only the output (tier 0), not every tier below the title's
        title = "output" + (" (regression)" if self.is_regression else ": P(class 1)")
        if self.output_title.get_text() != title:
            self.output_title.set_text(title)
        message = self.diverged or ""
        if self.diverged_text.get_text() != message:
            self.diverged_text.set_text(_wrap(message, 42))
            self.diverged_text.set_visible(bool(message))

    def readout(self):
        c = self.controls
        dataset = c["dataset"].value
        name = "your points" if dataset == YOURS else DATASETS[dataset]
        noise = "" if dataset == YOURS else f", noise {c['noise'].value}"
        sizes = " → ".join([", ".join(self.features)] + [f"{n} {c['activation'].value}" for n in self.hidden]
                           + ["1 " + ("linear" if self.is_regression else "sigmoid")])
        reg = c["regularization"].value
        reg_text = "no regularization" if reg == "none" or c["regularization_rate"].value == 0 else \
            f"{REGULARIZATIONS[reg]} {c['regularization_rate'].value:g}"
        lines = [f"epoch {self.epoch}  ·  {name}{noise}  ·  {len(self.x_train)} training / {len(self.x_test)} test "
                 f"points  ·  batch size {c['batch_size'].value}  ·  seed {c['seed'].value}",
                 f"network: {sizes}  ({self.model.count_params()} weights)",
                 f"{OPTIMIZERS[c['optimizer'].value]}, learning rate {c['learning_rate'].value:g}, {reg_text}, "
                 f"dropout {c['dropout'].value:.2f}",
                 f"training loss {self.train_loss:.4f}   test loss {self.test_loss:.4f}"]
        if not self.is_regression:
            lines[-1] += f"   (accuracy: training {self.train_accuracy:.3f}, test {self.test_accuracy:.3f})"
        if self.diverged:
            lines.append(self.diverged)
        return "\n".join(lines)

    def close(self):
        self._stop()
        super().close()


class PixelImage(AxesImage):
    """An ``AxesImage`` drawn nearest-neighbour as pixel look-ups: a neuron's heat-map, a column's title.

    matplotlib draws an image by a general path (a masked copy, normalising, colour-mapping, resampling
    through an affine transform, compositing): ~1 ms for a neuron's 50 x 50 picture and 3-7 ms for the
    100 x 100 output, and the Playground redraws eight of them after every training step while it plays.
    A picture drawn nearest-neighbour onto whole pixels needs none of that: each pixel of the canvas
    shows one value, whose colour is one of the colour map's 256. So on an Agg canvas (the Playground's)
    the picture is written straight into the canvas's pixels, ~0.1-0.5 ms: the value's colour from the
    map's colours as bytes (``cmap(i, bytes=True)``, as matplotlib's), the value a pixel shows from
    where the pixel's centre falls, and the picture's edges rounded to whole pixels as matplotlib rounds
    them. An opaque picture comes out exactly as matplotlib draws it; a transparent one (``alpha``, or
    RGBA bytes like the column titles) is laid over what is below it by its alpha, within one level of
    matplotlib's blending. Anything else (another renderer, a masked or NaN value, a clip path) takes
    matplotlib's own path.
    """

    def __init__(self, ax, **kwargs):
        super().__init__(ax, **kwargs)
        self._values = None          # the picture's values as given (no masked copy)
        self._colours = None         # (colour map, its colours as 32-bit RGBA)
        self._sampling = (None, None)

    def set_data(self, A):
        A = np.array(A)             # a copy, as matplotlib keeps
        values = A.ndim == 2 and A.dtype.kind == "f" and np.isfinite(A).all()
        if values or (A.ndim == 3 and A.shape[2] == 4 and A.dtype == np.uint8):
            self._values = A
            self._A = A              # what get_array() and the fallback see (no NaN: nothing to mask)
            self._imcache = None
            self.stale = True
        else:
            self._values = None
            super().set_data(A)

    @allow_rasterization
    def draw(self, renderer):
        if not self.get_visible():
            self.stale = False
            return
        if not self._draw_pixels(renderer):
            super().draw(renderer)
        self.stale = False

    def _draw_pixels(self, renderer):
        """Write the picture into an Agg renderer's pixels; False (nothing drawn) where this cannot."""
        values = self._values
        if (values is None or not isinstance(renderer, RendererAgg) or self.get_clip_path() is not None
                or self.get_interpolation() != "nearest" or not self.get_transform().is_affine):
            return False
        x0, x1, y0, y1 = self.get_extent()
        (px0, py0), (px1, py1) = self.get_transform().transform([(x0, y0), (x1, y1)])
        if px1 <= px0 or py1 <= py0:
            return False
        # the pixels covered, rounded as matplotlib rounds an image's edges (see Image._make_image)
        c0, c1 = int(np.floor(px0 + 0.5)), int(np.floor(px1 + 0.5 + 1e-8))
        b0, b1 = int(np.ceil(py0 - 0.5 - 1e-8)), int(np.ceil(py1 - 0.5))
        clip = self.get_clip_box()
        if clip is not None:
            c0, c1 = max(c0, int(np.floor(clip.x0 + 0.5))), min(c1, int(np.floor(clip.x1 + 0.5)))
            b0, b1 = max(b0, int(np.ceil(clip.y0 - 0.5))), min(b1, int(np.ceil(clip.y1 - 0.5)))
        buffer = np.asarray(renderer.buffer_rgba())
        height, width = buffer.shape[:2]
        c0, c1, b0, b1 = max(c0, 0), min(c1, width), max(b0, 0), min(b1, height)
        if c1 <= c0 or b1 <= b0:
            return True              # nothing of it is on the canvas
        rows, columns = self._pixel_sampling(values.shape[:2], (px0, px1, py0, py1), (c0, c1, b0, b1), height)
        if values.ndim == 3:         # RGBA bytes
            colour_of_value = values.view(np.uint32)[..., 0]
        else:
            cmap, norm = self.get_cmap(), self.norm
            if self._colours is None or self._colours[0] is not cmap:
                colours = np.ascontiguousarray(cmap(np.arange(cmap.N), bytes=True)).view(np.uint32)[:, 0]
                self._colours = (cmap, colours)
            vmin, vmax = float(norm.vmin), float(norm.vmax)
            # the colour index matplotlib's colour map gives a value: (v - vmin) / (vmax - vmin) * N, then
            # truncated, and values below or above the range get the first or the last colour
            index = ((values - vmin) * (cmap.N / (vmax - vmin))).astype(np.intp)
            np.clip(index, 0, cmap.N - 1, out=index)
            colour_of_value = self._colours[1][index]
        picture = colour_of_value.take(rows, axis=0).take(columns, axis=1)
        region = buffer[height - b1:height - b0, c0:c1]
        alpha = 1.0 if self.get_alpha() is None else float(self.get_alpha())
        if alpha == 1 and (values.ndim == 2 or (values[..., 3] == 255).all()):
            region.view(np.uint32)[..., 0] = picture
        else:                        # "over": what is below shows through by 1 - alpha
            source = picture.view(np.uint8).reshape(picture.shape + (4,)).astype(np.float32)
            below = region.astype(np.float32)
            opacity = source[..., 3:] * (alpha / 255)
            blended = source * opacity + below * (1 - opacity)
            blended[..., 3] = 255 * opacity[..., 0] + below[..., 3] * (1 - opacity[..., 0])
            region[...] = blended + 0.5
        return True

    def _pixel_sampling(self, shape, box, pixels, height):
        """Which row and column of the values each covered pixel shows (kept while the picture stays put)."""
        key = (shape, box, pixels, height, self.origin)
        if self._sampling[0] != key:
            (px0, px1, py0, py1), (c0, c1, b0, b1) = box, pixels
            columns = ((np.arange(c0, c1) + 0.5 - px0) * (shape[1] / (px1 - px0))).astype(np.intp)
            # canvas rows run from the top: the first is the picture's highest pixel row, b1 - 1
            rows = ((np.arange(b1 - 1, b0 - 1, -1) + 0.5 - py0) * (shape[0] / (py1 - py0))).astype(np.intp)
            rows, columns = np.clip(rows, 0, shape[0] - 1), np.clip(columns, 0, shape[1] - 1)
            if self.origin == "upper":
                rows = shape[0] - 1 - rows
            self._sampling = (key, (rows, columns))
        return self._sampling[1]


class _InUse(Artist):
    """Artists redrawn together as one dynamic artist: only those visible and with something to show.

    Made animated or not (``LessonWidget.dynamic``, ``png``), they all are: the figure draws them in
    their own axes when it draws everything, and this draws them over the saved background in a blit.
    """

    def __init__(self, artists):
        super().__init__()
        self.artists = list(artists)

    def set_animated(self, b):
        for artist in self.artists:
            artist.set_animated(b)
        super().set_animated(b)

    def draw(self, renderer):
        for artist in self.artists:
            if artist.get_visible() and not (isinstance(artist, Line2D) and not len(artist.get_xdata(orig=False))):
                artist.draw(renderer)
        self.stale = False


def _text_picture(text, dpi, **text_props):
    """``text`` drawn once, centred line by line, as an RGBA picture (transparent around the letters).

    Matplotlib 3.11 lays out and renders every glyph of a text again each time it is drawn (2-5 ms per
    title); the network's column titles come from a few strings and change only with its layers, so
    they are drawn as these pictures (~0.3 ms each). Units: the network's axes measure inches, so a
    picture of w pixels is w / dpi wide.
    """
    from matplotlib.backends.backend_agg import FigureCanvasAgg
    from matplotlib.figure import Figure

    fig = Figure(figsize=(1, 1), dpi=dpi)
    fig.patch.set_alpha(0)
    canvas = FigureCanvasAgg(fig)
    label = fig.text(0, 0, text, ha="left", va="bottom", multialignment="center", **text_props)
    box = label.get_window_extent(canvas.get_renderer())
    w, h = int(np.ceil(box.width)) + 2, int(np.ceil(box.height)) + 2
    fig.set_size_inches(w / dpi, h / dpi)
    label.set_position((1 / w, 1 / h))            # one pixel of margin
    canvas.draw()
    return np.asarray(canvas.buffer_rgba()).copy()


def _wrap(text, width):
    words, lines, line = text.split(), [], ""
    for word in words:
        if line and len(line) + 1 + len(word) > width:
            lines.append(line)
            line = word
        else:
            line = f"{line} {word}".strip()
    return "\n".join(lines + ([line] if line else []))


def _check_choice(name, value, options):
    """A teaching error for a value the control does not offer (Playground's lists)."""
    if value not in options:
        raise ValueError(f"Received an invalid value for `{name}`, expected one of "
                         f"{', '.join(map(repr, options))} (Playground's choices). Received: {name}={value!r}")


def _check_points(points):
    """Your points as ``(X, y, kind, domain)``, checked; None if there are none."""
    if points is None:
        return None
    if not isinstance(points, (tuple, list)) or len(points) != 2:
        raise ValueError("`points` must be a pair (X, y): X of shape (n, 2), y of shape (n,).")
    X = np.asarray(points[0], dtype=np.float32)
    y = np.asarray(points[1])
    if X.ndim != 2 or X.shape[1] != 2 or len(X) < 4:
        raise ValueError(f"`points`: X must hold at least 4 points of 2 coordinates, shape (n, 2); received shape "
                         f"{X.shape}.")
    if y.shape != (len(X),):
        raise ValueError(f"`points`: y must hold one label or target per point, shape ({len(X)},); received shape "
                         f"{y.shape}.")
    if not (np.all(np.isfinite(X)) and np.all(np.isfinite(y.astype(float)))):
        raise ValueError("`points` contain NaN or infinity.")
    values = set(np.unique(y).tolist())
    if values <= {0, 1}:
        kind, y = "classification", y.astype(np.int64)
    elif values <= {-1, 1}:
        raise ValueError("`points`: y holds -1 and +1 (Playground's labels); learnnet's classes are 0 and 1. "
                         "Pass (y + 1) // 2.")
    else:
        kind, y = "regression", y.astype(np.float32)
    domain = float(np.ceil(np.max(np.abs(X)) * 1.1 * 2) / 2) or 1.0
    return X, y, kind, domain
