"""Playground: a real learnnet Sequential trained by fit, readable state, and play / pause / step / reset / export."""
import asyncio
import base64
import os
import subprocess
import sys
import textwrap

import matplotlib

matplotlib.use("Agg")

import numpy as np
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st
from matplotlib.backends.backend_agg import FigureCanvasAgg

from learnnet import losses, optimizers, regularizers
from learnnet.datasets import playground as make_points
from learnnet.datasets import train_test_split
from learnnet.datasets.features import playground_features
from learnnet.layers import Dense
from learnnet.models import Sequential
from learnnet.widgets._frames import canvas_frame
from learnnet.widgets.playground import FEATURE_CONTROLS, GRID, MAX_LAYERS, READOUT_SECONDS, PixelImage, Playground


@pytest.fixture
def pg():
    w = Playground()
    yield w
    w.close()


def dense_sizes(model):
    return [(layer.kernel.shape, layer.activation.__class__.__name__) for layer in model.layers
            if isinstance(layer, Dense)]


# ------------------------------------------------------------------ defaults: Playground's
def test_constructs_with_no_arguments_with_playgrounds_defaults(pg):
    assert isinstance(pg.fig.canvas, FigureCanvasAgg)
    assert pg.epoch == 0 and pg.diverged is None
    c = pg.controls
    data = (c["dataset"].value, c["noise"].value, c["train_ratio"].value, c["batch_size"].value)
    assert data == ("circle", 0, 50, 10)
    assert (c["learning_rate"].value, c["activation"].value, c["regularization"].value) == (0.03, "tanh", "none")
    assert pg.features == ("x1", "x2") and pg.hidden == (4, 2)
    assert isinstance(pg.model, Sequential)
    assert [layer.kernel.shape for layer in pg.dense_layers] == [(2, 4), (4, 2), (2, 1)]
    assert len(pg.x_train) == len(pg.x_test) == 250
    assert pg.loss_history == {"train": [pg.train_loss], "test": [pg.test_loss]}


def test_points_are_the_datasets_generator_split_by_train_test_split(pg):
    rng = np.random.default_rng(0)
    X, y = make_points("circle", n_samples=500, noise=0.0, seed=rng)
    (x_train, y_train), (x_test, y_test) = train_test_split(X, y, test_ratio=0.5, seed=rng)
    np.testing.assert_array_equal(pg.x_train, x_train)
    np.testing.assert_array_equal(pg.y_test, y_test)


# ---------------------------------------------------------------- the numbers are the engine's
def test_a_step_is_one_epoch_of_the_engines_fit_on_shuffled_points(pg):
    twin = pg.export()                                 # the same network at epoch 0
    twin.compile(optimizer=optimizers.SGD(learning_rate=0.03), loss="binary_crossentropy")
    shuffle = np.random.default_rng([0, 2])
    (x, y), _ = pg.data()
    for _ in range(3):
        order = shuffle.permutation(len(x))
        twin.fit(x[order], y[order, None].astype("float32"), batch_size=10, epochs=1, shuffle=False, verbose=0)
    pg.step(3)
    assert pg.epoch == 3
    for mine, theirs in zip(pg.model.get_weights(), twin.get_weights()):
        np.testing.assert_array_equal(mine, theirs)


def test_losses_and_heat_maps_are_the_models_outputs(pg):
    pg.step(2)
    (x_train, y_train), (x_test, y_test) = pg.data()
    bce = losses.BinaryCrossentropy()
    assert pg.train_loss == pytest.approx(bce(y_train[:, None].astype("float32"), pg.model.predict(x_train, verbose=0)),
                                          rel=1e-5)
    assert pg.test_loss == pytest.approx(bce(y_test[:, None].astype("float32"), pg.model.predict(x_test, verbose=0)),
                                         rel=1e-5)
    assert pg.loss_history["train"][-1] == pg.train_loss and len(pg.loss_history["test"]) == 3
    grid = playground_features(pg.grid_points, pg.features)
    np.testing.assert_allclose(pg.output_grid.ravel(), pg.model.predict(grid, verbose=0)[:, 0], rtol=1e-5, atol=1e-6)
    first = pg.model.layers[0].forward(grid)
    np.testing.assert_allclose(pg.neuron_grids[0][3].ravel(), first[:, 3], rtol=1e-5, atol=1e-6)
    assert pg.output_grid.shape == (GRID, GRID) and pg.neuron_grids[1].shape == (2, GRID, GRID)
    # row 0 of a heat-map is the bottom of the plane (x2 = -6), column 0 its left (x1 = -6)
    assert tuple(pg.grid_points[0]) == (-6.0, -6.0) and tuple(pg.grid_points[GRID - 1]) == (6.0, -6.0)


def test_same_seed_same_run_and_another_seed_another(pg):
    other = Playground()
    pg.step(4)
    other.step(4)
    for a, b in zip(pg.model.get_weights(), other.model.get_weights()):
        np.testing.assert_array_equal(a, b)
    other.controls["seed"].value = 1
    assert other.epoch == 0
    assert not np.array_equal(other.x_train, pg.x_train)
    assert not np.array_equal(other.model.get_weights()[0], Playground().model.get_weights()[0])
    other.close()


def test_reset_goes_back_to_epoch_zero_and_the_same_starting_weights(pg):
    start = pg.model.get_weights()
    pg.step(5)
    assert pg.epoch == 5
    pg.reset()
    assert pg.epoch == 0 and len(pg.loss_history["train"]) == 1
    for a, b in zip(start, pg.model.get_weights()):
        np.testing.assert_array_equal(a, b)


def test_circle_is_learned(pg):
    pg.step(60)
    assert pg.test_accuracy > 0.9 and pg.test_loss < pg.loss_history["test"][0] / 2


# ----------------------------------------------------------------------------- controls
def test_features_are_the_models_inputs_in_playgrounds_order(pg):
    pg.set(x1_squared=True, sin_x2=True, x1=False)
    assert pg.features == ("x2", "x1^2", "sin(x2)")
    assert pg.model.layers[0].kernel.shape == (3, 4)
    (x_train, _), _ = pg.data()
    np.testing.assert_allclose(x_train, playground_features(pg.x_train, ["x2", "x1^2", "sin(x2)"]))
    assert len(pg.edges.get_segments()) == 3 * 4 + 4 * 2 + 2 * 1
    alphas = [image.get_alpha() for image in pg.feature_images]
    assert alphas == [0.25, 1.0, 1.0, 0.25, 0.25, 0.25, 1.0]


def test_the_last_feature_cannot_be_switched_off(pg):
    pg.controls["x1"].value = False
    pg.controls["x2"].value = False
    assert pg.controls["x2"].value is True and pg.features == ("x2",)
    assert pg.model.layers[0].kernel.shape == (1, 4)
    pg.set(x2=False, x1_squared=True)            # in set(), order does not matter
    assert pg.features == ("x1^2",)
    pg.set(x1_squared=False)
    assert pg.features == ("x1",)


def test_hidden_layers_and_neurons_build_the_network(pg):
    pg.set(hidden_layers=3, neurons_1=8, neurons_2=1, neurons_3=5, activation="relu")
    assert pg.hidden == (8, 1, 5)
    assert [layer.kernel.shape for layer in pg.dense_layers] == [(2, 8), (8, 1), (1, 5), (5, 1)]
    assert all(layer.activation.__class__.__name__.lower() == "relu" for layer in pg.dense_layers[:-1])
    assert [len(g) for g in pg.neuron_grids] == [8, 1, 5]
    visible = [[image.get_visible() for image in column] for column in pg.neuron_images]
    assert [sum(column) for column in visible] == [8, 1, 5, 0, 0, 0]
    assert [box.disabled for box in (pg.controls[f"neurons_{i + 1}"] for i in range(MAX_LAYERS))] == \
        [False, False, False, True, True, True]
    pg.set(hidden_layers=0)                  # no hidden layer: logistic regression
    assert [layer.kernel.shape for layer in pg.dense_layers] == [(2, 1)]
    pg.step(2)
    assert pg.neuron_grids == []


def test_changing_the_data_or_network_starts_again_but_live_settings_do_not(pg):
    pg.step(3)
    weights = pg.model.get_weights()
    pg.set(learning_rate=0.3, batch_size=20, regularization="l2", regularization_rate=0.01)
    assert pg.epoch == 3
    assert pg.model.optimizer.learning_rate == 0.3
    assert all(isinstance(layer.kernel_regularizer, regularizers.L2) and layer.kernel_regularizer.l2 == 0.01
               for layer in pg.dense_layers)
    pg.controls["optimizer"].value = "adam"
    assert pg.epoch == 3 and isinstance(pg.model.optimizer, optimizers.Adam)
    for a, b in zip(weights, pg.model.get_weights()):
        np.testing.assert_array_equal(a, b)
    pg.controls["regularization"].value = "none"
    assert all(layer.kernel_regularizer is None for layer in pg.dense_layers)
    for name, value in (("noise", 10), ("train_ratio", 70), ("activation", "relu"), ("dropout", 0.2), ("x1_x2", True),
                        ("neurons_1", 3), ("dataset", "xor")):
        pg.step(1)
        pg.controls[name].value = value
        assert pg.epoch == 0, name


def test_momentum_and_l1_l2_choices_are_the_engines(pg):
    pg.set(optimizer="momentum", regularization="l1_l2", regularization_rate=0.003)
    assert isinstance(pg.model.optimizer, optimizers.SGD) and pg.model.optimizer.momentum == 0.9
    reg = pg.dense_layers[0].kernel_regularizer
    assert isinstance(reg, regularizers.L1L2) and (reg.l1, reg.l2) == (0.003, 0.003)
    pg.controls["regularization_rate"].value = 0.0
    assert pg.dense_layers[0].kernel_regularizer is None


def test_l2_regularization_keeps_weights_smaller(pg):
    free = Playground(learning_rate=0.1)
    penalised = Playground(learning_rate=0.1, regularization="l2", regularization_rate=0.03)
    free.step(20)
    penalised.step(20)
    norm = lambda w: sum(float(np.sum(k ** 2)) for k in w.kernels)   # noqa: E731
    assert norm(penalised) < 0.7 * norm(free)
    free.close()
    penalised.close()


def test_dropout_adds_dropout_layers_that_train_only(pg):
    pg.controls["dropout"].value = 0.25
    kinds = [type(layer).__name__ for layer in pg.model.layers]
    assert kinds == ["Dense", "Dropout", "Dense", "Dropout", "Dense"]
    assert pg.model.layers[1].rate == 0.25
    pg.step(2)
    grid = playground_features(pg.grid_points, pg.features)    # the heat-map is the model at inference
    np.testing.assert_allclose(pg.output_grid.ravel(), pg.model.predict(grid, verbose=0)[:, 0], rtol=1e-5, atol=1e-6)


def test_regression_sets_use_a_linear_output_and_mse():
    w = Playground(dataset="plane")
    assert w.is_regression and w.dense_layers[-1].activation.__class__.__name__.lower() == "linear"
    assert len(w.x_train) == 600
    w.step(3)
    (x, y), _ = w.data()
    assert w.train_loss == pytest.approx(losses.MeanSquaredError()(y[:, None], w.model.predict(x, verbose=0)),
                                         rel=1e-5)
    assert w.train_accuracy is None and "accuracy" not in w.readout()
    assert w.output_image.norm.vmin == -1
    w.close()


def test_discretize_and_show_test_change_only_the_view(pg):
    pg.step(3)
    loss = pg.train_loss
    assert not any(line.get_visible() for line in pg.test_markers)
    pg.set(discretize=True, show_test=True)
    assert set(np.unique(pg.output_image.get_array())) <= {0.0, 1.0}
    assert all(line.get_visible() for line in pg.test_markers)
    assert pg.epoch == 3 and pg.train_loss == loss


def test_edges_follow_weight_sign_and_magnitude(pg):
    pg.step(5)
    kernels = np.concatenate([k.ravel() for k in pg.kernels])
    colours = pg.edges.get_colors()
    widths = pg.edges.get_linewidths()
    blue = colours[:, 2] > colours[:, 0]
    np.testing.assert_array_equal(blue, kernels >= 0)
    assert widths[np.argmax(np.abs(kernels))] == max(widths)


# --------------------------------------------------------------------------- your points
def test_your_points_become_a_data_set():
    rng = np.random.default_rng(3)
    X = rng.uniform(-2, 2, (80, 2))
    y = (X[:, 0] > X[:, 1]).astype(int)
    w = Playground(points=(X, y))
    assert w.controls["dataset"].value == "yours" and w.controls["noise"].disabled
    assert len(w.x_train) + len(w.x_test) == 80 and not w.is_regression
    assert w.domain == pytest.approx(2.5, abs=0.3)
    w.step(30)
    assert w.train_accuracy > 0.8
    w.controls["dataset"].value = "xor"
    assert w.domain == 6.0
    w.close()
    r = Playground(points=(X, X[:, 0] * 0.3))
    assert r.is_regression
    r.close()


@pytest.mark.parametrize("points, message", [
    ((np.zeros((10, 3)), np.zeros(10)), r"shape \(n, 2\)"),
    ((np.zeros((10, 2)), np.zeros(9)), "one label"),
    ((np.zeros((10, 2)), np.where(np.arange(10) % 2, 1, -1)), r"\(y \+ 1\) // 2"),
    ((np.full((10, 2), np.nan), np.zeros(10)), "NaN"),
    ("not points", "pair"),
])
def test_bad_points_get_teaching_errors(points, message):
    with pytest.raises(ValueError, match=message):
        Playground(points=points)


def test_bad_arguments_get_teaching_errors():
    with pytest.raises(ValueError, match="at most 6 layers"):
        Playground(hidden=(4, 9))
    with pytest.raises(ValueError, match="Did you mean"):
        Playground(features=["x1", "sin(x3)"])
    with pytest.raises(ValueError, match="yours"):
        Playground(dataset="yours")
    with pytest.raises(ValueError, match="dataset"):
        Playground(dataset="moons")
    with pytest.raises(ValueError, match="Playground's choices.*learning_rate=0.05"):
        Playground(learning_rate=0.05)
    with pytest.raises(ValueError, match="activation"):
        Playground(activation="softplus")
    with pytest.raises(ValueError, match="from 0 to 50"):
        Playground(noise=60)


# ----------------------------------------------------------------------------- export
def test_export_is_a_compiled_independent_copy_to_continue_in_code(pg):
    pg.set(regularization="l2", regularization_rate=0.001, dropout=0.1)
    pg.step(5)
    model = pg.export()
    assert isinstance(model, Sequential) and model.compiled and model is not pg.model
    assert [type(layer).__name__ for layer in model.layers] == ["Dense", "Dropout", "Dense", "Dropout", "Dense"]
    assert isinstance(model.layers[0].kernel_regularizer, regularizers.L2)
    (x_train, y_train), (x_test, y_test) = pg.data()
    np.testing.assert_allclose(model.predict(x_test, verbose=0), pg.model.predict(x_test, verbose=0))
    before = pg.model.get_weights()
    history = model.fit(x_train, y_train, epochs=2, batch_size=10, verbose=0)
    assert set(history.history) == {"loss", "accuracy"}
    for a, b in zip(before, pg.model.get_weights()):      # training the copy leaves the widget alone
        np.testing.assert_array_equal(a, b)
    loss, accuracy = model.evaluate(x_test, y_test, verbose=0)
    assert 0 <= accuracy <= 1


# ------------------------------------------------------------------------ divergence
def test_divergence_is_reported_not_raised():
    w = Playground(dataset="plane", activation="linear", learning_rate=10.0, hidden=(8, 8))
    w.step(30)
    assert w.diverged and "Lower the learning rate" in w.diverged
    assert w.diverged_text.get_visible() and "diverged" in w.readout()
    epoch = w.epoch
    w.step()
    assert w.epoch == epoch
    w.png()                                       # still draws
    w.controls["learning_rate"].value = 0.01
    w.reset()
    assert w.diverged is None and w.epoch == 0
    w.close()


# ------------------------------------------------------------------ play / pause (asyncio)
def test_play_trains_until_pause_and_nothing_runs_after_pause(pg):
    async def scenario():
        pg.play()
        assert pg.playing
        await asyncio.sleep(0.6)
        assert pg.header.get_text() == ""          # while playing, the read-out shows the numbers
        pg.pause()
        stopped = pg.epoch
        await asyncio.sleep(0.3)
        return stopped

    stopped = asyncio.run(scenario())
    assert stopped >= 2 and pg.epoch == stopped and not pg.playing
    assert len(pg.frame_seconds) >= stopped - 1
    assert pg.header.get_text().startswith(f"epoch {stopped}")


def test_play_button_starts_and_pauses(pg):
    pg.widget                                      # builds the buttons

    async def scenario():
        pg.play_button.value = True                # what a click does
        assert pg.playing and pg.play_button.description == "pause"
        await asyncio.sleep(0.4)
        pg.play_button.value = False
        return pg.epoch

    stopped = asyncio.run(scenario())
    assert stopped >= 1 and not pg.playing and pg.play_button.description == "play"
    pg.step_button.click()
    assert pg.epoch == stopped + 1
    pg.reset_button.click()
    assert pg.epoch == 0
    seed = pg.controls["seed"].value
    pg.regenerate_button.click()
    assert pg.controls["seed"].value == seed + 1


def test_the_view_shows_jpeg_frames_while_playing_and_a_png_when_still(pg):
    view = pg.widget
    image = pg._live_image
    assert image in view.children and image.format == "png" and image.value[:4] == b"\x89PNG"

    async def scenario():
        pg.play()
        await asyncio.sleep(0.5)
        playing = (image.format, image.value[:2])
        pg.pause()
        return playing

    assert asyncio.run(scenario()) == ("jpeg", b"\xff\xd8")
    assert image.format == "png" and image.value[:4] == b"\x89PNG"
    before = image.value
    pg.controls["show_test"].value = True
    assert image.value != before


def test_while_playing_the_readout_changes_at_most_every_readout_seconds_and_is_current_after_pause(pg):
    # each new read-out text makes the browser lay the page out again: while playing it is refreshed a few
    # times a second, not after every step
    pg.widget
    texts = []
    pg._readout_html.observe(lambda change: texts.append(change["new"]), names="value")

    async def scenario():
        pg.play()
        await asyncio.sleep(1.2)
        steps = pg.epoch
        pg.pause()
        return steps

    steps = asyncio.run(scenario())
    assert steps >= 6, "too few steps to tell"
    assert len(texts) <= 1.2 / READOUT_SECONDS + 2 < steps
    assert f"epoch {pg.epoch} " in pg._readout_html.value      # paused: the numbers are the network's


def test_a_frame_shows_the_canvas_exactly_as_png_and_closely_as_jpeg(pg):
    import io

    from PIL import Image
    pg.widget
    pg.step()
    pixels = np.asarray(pg.fig.canvas.buffer_rgba())
    png = np.asarray(Image.open(io.BytesIO(canvas_frame(pg.fig.canvas, "png"))))
    np.testing.assert_array_equal(png, pixels)
    jpeg = Image.open(io.BytesIO(canvas_frame(pg.fig.canvas, "jpeg")))
    assert jpeg.format == "JPEG" and jpeg.size == (pixels.shape[1], pixels.shape[0])
    error = np.abs(np.asarray(jpeg.convert("RGB"), dtype=float) - pixels[..., :3])
    assert error.mean() < 3, error.mean()               # quality 92: a close copy, not another picture


def _drawn(image_class, data, alpha=None, origin="lower", extent=(0.13, 2.71, 0.27, 1.93), **kwargs):
    """The pixels of a figure with one image (data, at ``extent``) drawn by ``image_class`` over a grey square."""
    from matplotlib.figure import Figure
    from matplotlib.patches import Rectangle

    fig = Figure(figsize=(3, 2), dpi=72)
    canvas = FigureCanvasAgg(fig)
    ax = fig.add_axes([0, 0, 1, 1], xlim=(0, 3), ylim=(0, 2))
    ax.add_patch(Rectangle((0.5, 0.5), 1.5, 1, color="#999999"))
    image = image_class(ax, cmap="RdBu", norm=matplotlib.colors.Normalize(-1, 1), origin=origin,
                        interpolation="nearest", alpha=alpha, **kwargs)
    image.set_data(data)
    image.set_extent(extent)
    ax.add_image(image)
    canvas.draw()
    return np.asarray(canvas.buffer_rgba()).astype(int), image


@pytest.mark.parametrize("shape", [(50, 50), (100, 100), (7, 13)])
@pytest.mark.parametrize("origin", ["lower", "upper"])
def test_a_pixel_image_draws_what_matplotlib_draws(shape, origin):
    from matplotlib.image import AxesImage

    values = np.random.default_rng(0).uniform(-1.3, 1.3, size=shape)     # some below and above the colour range
    fast, image = _drawn(PixelImage, values, origin=origin)
    slow, _ = _drawn(AxesImage, values, origin=origin)
    assert image._values is not None                # drawn as pixel look-ups, not by matplotlib's path
    assert np.array_equal(fast, slow)               # opaque: the very same pixels
    # transparent (the faded feature pictures; the column titles' RGBA pictures): within a level or two
    fast, _ = _drawn(PixelImage, values, alpha=0.25, origin=origin)
    slow, _ = _drawn(AxesImage, values, alpha=0.25, origin=origin)
    assert np.abs(fast - slow).max() <= 2
    rgba = np.random.default_rng(1).integers(0, 256, size=shape + (4,), dtype=np.uint8)
    fast, _ = _drawn(PixelImage, rgba, origin=origin)
    slow, _ = _drawn(AxesImage, rgba, origin=origin)
    assert np.abs(fast - slow).max() <= 2


def test_a_pixel_image_with_values_it_cannot_look_up_is_drawn_by_matplotlib():
    from matplotlib.image import AxesImage

    values = np.random.default_rng(0).uniform(-1, 1, size=(20, 20))
    values[3, 4] = np.nan                           # NaN: matplotlib's "bad" colour, transparent
    fast, image = _drawn(PixelImage, values)
    slow, _ = _drawn(AxesImage, values)
    assert image._values is None and np.array_equal(fast, slow)


def test_changing_the_network_while_playing_pauses(pg):
    async def scenario():
        pg.play()
        await asyncio.sleep(0.3)
        pg.controls["neurons_1"].value = 6
        return pg.playing

    assert asyncio.run(scenario()) is False
    assert pg.epoch == 0 and pg.hidden == (6, 2)


def test_play_outside_an_event_loop_says_what_to_do(pg):
    with pytest.raises(RuntimeError, match=r"step\(100\)"):
        pg.play()


# --------------------------------------------------------------------------- display
def redrawn_tiers(widget, **change):
    """Which tiers a change redraws: 'full' for the whole figure, else the sorted tiers drawn again."""
    widget.fig.canvas.draw()
    drawn = []
    original = widget._draw_tiers
    widget._draw_tiers = lambda tiers: (drawn.extend(tiers), original(tiers))
    full = widget.fig.canvas.mpl_connect("draw_event", lambda event: drawn.append("full"))
    try:
        widget.set(**change)
    finally:
        widget._draw_tiers = original
        widget.fig.canvas.mpl_disconnect(full)
    return "full" if "full" in drawn else sorted(drawn)


def test_a_control_change_redraws_only_what_it_changes(pg):
    # Redrawing is what a learner waits for: each kind of change redraws its own tier and those below it
    # (the header's numbers are tier 1, what a step changes tier 0), never the whole figure.
    pg.step(2)
    assert redrawn_tiers(pg, learning_rate=0.1) == []                       # only tier 0: the same network
    assert redrawn_tiers(pg, show_test=True) == []                          # the view's checkboxes: tier 0
    assert redrawn_tiers(pg, discretize=True) == []
    assert redrawn_tiers(pg, activation="relu") == [1]                      # a new network: its numbers
    assert redrawn_tiers(pg, x1_squared=True) == [1, 2]                     # + the feature pictures
    assert redrawn_tiers(pg, neurons_1=5) == [1, 2, 3]                      # + the frames and column titles


def test_a_new_network_keeps_the_loss_axis_while_its_first_loss_fits():
    # New limits redraw every tier, so the loss axis changes only when a new network's first loss does not
    # fit it or it is over 3x too tall (regression networks start anywhere from 0.1 to 3 on these seeds).
    w = Playground(dataset="plane")
    try:
        changes, top = 0, w.ax_loss.get_ylim()[1]
        for seed in range(1, 11):
            w.controls["seed"].value = seed
            first, new_top = w.loss_history["train"][0], w.ax_loss.get_ylim()[1]
            assert first <= new_top <= 3 * max(1.0, 2 * first)
            changes += new_top != top
            top = new_top
        assert changes <= 5
    finally:
        w.close()


def test_png_and_mimebundle_show_the_numbers(pg):
    pg.step(2)
    png = pg.png()
    assert png[:4] == b"\x89PNG"
    bundle = pg._repr_mimebundle_()
    assert base64.b64decode(bundle["image/png"])[:4] == b"\x89PNG"
    assert bundle["text/plain"].startswith("Playground\nepoch 2")
    assert "training loss" in pg.readout() and "x1, x2 → 4 tanh → 2 tanh → 1 sigmoid" in pg.readout()


controls = st.sampled_from(["dataset", "noise", "train_ratio", "batch_size", "seed", "hidden_layers", "neurons_1",
                            "neurons_2", "activation", "learning_rate", "optimizer", "regularization",
                            "regularization_rate", "dropout", "discretize", "show_test", *FEATURE_CONTROLS])
_shared = {}


@settings(max_examples=12, deadline=None)
@given(st.lists(st.tuples(controls, st.integers(0, 10_000)), max_size=4), st.integers(0, 1))
def test_survives_any_sequence_of_control_changes_and_steps(changes, epochs):
    w = _shared.setdefault("pg", Playground())
    for name, pick in changes:
        control = w.controls[name]
        if hasattr(control, "options"):
            options = [o[1] if isinstance(o, tuple) else o for o in control.options]
            control.value = options[pick % len(options)]
        elif isinstance(control.value, bool):
            control.value = bool(pick % 2)
        elif isinstance(control.value, float):
            control.value = control.min + (pick % 11) / 10 * (control.max - control.min)
        else:
            control.value = control.min + pick % (control.max - control.min + 1)
        w.step(epochs)
        assert len(w.features) >= 1 and w.model.layers[0].kernel.shape[0] == len(w.features)
        assert w.epoch == len(w.loss_history["train"]) - 1 or w.diverged
        assert f"epoch {w.epoch}" in w.readout()


# ---------------------------------------------------------------- in a real kernel
def test_pause_works_while_playing_in_a_real_kernel(tmp_path):
    """A browser's clicks, sent as comm messages to a kernel: play, run a cell meanwhile, pause."""
    pytest.importorskip("jupyter_client")
    script = tmp_path / "drive.py"
    script.write_text(textwrap.dedent(f"""
        import json, sys, time
        from jupyter_client.manager import start_new_kernel
        km, kc = start_new_kernel(kernel_name="python3")
        def run(code):
            msg_id = kc.execute(code)
            out = []
            while True:
                msg = kc.get_iopub_msg(timeout=60)
                if msg["parent_header"].get("msg_id") != msg_id:
                    continue
                if msg["msg_type"] == "stream":
                    out.append(msg["content"]["text"])
                elif msg["msg_type"] == "error":
                    raise RuntimeError("\\n".join(msg["content"]["traceback"]))
                elif msg["msg_type"] == "status" and msg["content"]["execution_state"] == "idle":
                    return "".join(out).strip()
        def click(value):
            content = {{"comm_id": button, "data": {{"method": "update", "state": {{"value": value}},
                                                   "buffer_paths": []}}}}
            kc.shell_channel.send(kc.session.msg("comm_msg", content))
        try:
            run("import sys; sys.path.insert(0, {os.getcwd()!r})\\n"
                "from learnnet.widgets.playground import Playground\\npg = Playground()\\ndisplay(pg)")
            button = run("print(pg.play_button.model_id)")
            click(True)
            time.sleep(1.5)
            during = run("print(pg.epoch, pg.playing)")      # a cell runs while it plays
            click(False)
            time.sleep(0.5)
            after = run("print(pg.epoch, pg.playing)")
            time.sleep(0.5)
            later = run("print(pg.epoch, pg.playing)")
            print(json.dumps([during, after, later]))
        finally:
            kc.stop_channels()
            km.shutdown_kernel(now=True)
    """))
    result = subprocess.run([sys.executable, str(script)], capture_output=True, text=True, timeout=180,
                            cwd=os.getcwd())
    assert result.returncode == 0, result.stderr[-2000:]
    import json
    during, after, later = json.loads(result.stdout.strip().splitlines()[-1])
    epoch_during, playing_during = during.split()
    assert int(epoch_during) >= 1 and playing_during == "True"
    assert after.endswith("False") and after == later           # paused, and no step after the pause
