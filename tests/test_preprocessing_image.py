"""ImageDataGenerator: pixels move where the transformation says, batches as Keras's flow, fit on a flow."""
import inspect
from pathlib import Path

import numpy as np
import pytest

from learnnet import utils
from learnnet.layers import Dense, Flatten
from learnnet.models import Sequential
from learnnet.preprocessing.image import ImageDataGenerator


def dot(shape=(5, 5, 1), at=(0, 2)):
    """A dark image with one bright pixel."""
    x = np.zeros(shape, dtype=np.float32)
    x[at] = 1.0
    return x


def bright(img):
    return [tuple(p) for p in np.argwhere(img[..., 0] > 0.5).tolist()]


# ---------------------------------------------------------------- Keras's API ----

def kerass_legacy_defaults(method):
    """The defaults of Keras 3's legacy ImageDataGenerator, read from its source (importing it needs TensorFlow)."""
    import ast
    import importlib.util
    spec = importlib.util.find_spec("keras")
    if spec is None:
        pytest.skip("keras is not installed")
    path = Path(spec.origin).parent / "src" / "legacy" / "preprocessing" / "image.py"
    if not path.exists():
        pytest.skip("this Keras has no legacy ImageDataGenerator")
    tree = ast.parse(path.read_text())
    cls = next(n for n in ast.walk(tree) if isinstance(n, ast.ClassDef) and n.name == "ImageDataGenerator")
    func = next(n for n in cls.body if isinstance(n, ast.FunctionDef) and n.name == method)
    args = func.args.args[len(func.args.args) - len(func.args.defaults):]
    return {a.arg: ast.literal_eval(d) for a, d in zip(args, func.args.defaults)}


def test_constructor_and_flow_arguments_have_kerass_names_and_defaults():
    theirs = kerass_legacy_defaults("__init__")
    ours = inspect.signature(ImageDataGenerator).parameters
    for name in ["featurewise_center", "samplewise_center", "featurewise_std_normalization",
                 "samplewise_std_normalization", "rotation_range", "width_shift_range", "height_shift_range",
                 "zoom_range", "fill_mode", "cval", "horizontal_flip", "vertical_flip", "rescale",
                 "interpolation_order"]:
        assert ours[name].default == theirs[name], name
    theirs = kerass_legacy_defaults("flow")
    ours = inspect.signature(ImageDataGenerator.flow).parameters
    for name in ["y", "batch_size", "shuffle", "seed"]:
        assert ours[name].default == theirs[name], name


def test_unsupported_keras_arguments_raise_not_implemented_naming_them():
    with pytest.raises(NotImplementedError, match="shear_range"):
        ImageDataGenerator(shear_range=0.2)
    with pytest.raises(NotImplementedError, match="zca_whitening"):
        ImageDataGenerator(zca_whitening=True)
    with pytest.raises(NotImplementedError, match="reflect"):
        ImageDataGenerator(fill_mode="reflect")
    ImageDataGenerator(shear_range=0.0, data_format="channels_last")     # Keras's "off" values are fine
    with pytest.raises(TypeError, match="rotation_rnage"):
        ImageDataGenerator(rotation_rnage=10)


@pytest.mark.parametrize("kwargs, match", [
    ({"fill_mode": "mirror"}, "fill_mode"), ({"rotation_range": -5}, "rotation_range"),
    ({"zoom_range": (1.2, 0.8)}, "zoom_range"), ({"zoom_range": "big"}, "zoom_range"),
    ({"horizontal_flip": "yes"}, "horizontal_flip"), ({"width_shift_range": float("nan")}, "width_shift_range"),
])
def test_bad_arguments_raise_value_errors_that_name_them(kwargs, match):
    with pytest.raises(ValueError, match=match):
        ImageDataGenerator(**kwargs)


# ------------------------------------------------------------- moving pixels ----

def test_flips_mirror_the_image():
    x = dot((4, 6, 1), at=(1, 1))
    gen = ImageDataGenerator()
    assert bright(gen.apply_transform(x, {"flip_horizontal": True})) == [(1, 4)]
    assert bright(gen.apply_transform(x, {"flip_vertical": True})) == [(2, 1)]


def test_horizontal_flip_happens_about_half_the_time():
    x = dot((4, 6, 1), at=(1, 1))
    gen = ImageDataGenerator(horizontal_flip=True)
    seen = [bright(gen.random_transform(x, seed=s)) for s in range(200)]
    flipped = sum(s == [(1, 4)] for s in seen)
    assert sum(s == [(1, 1)] for s in seen) + flipped == 200 and 60 < flipped < 140


def test_shifts_read_from_the_other_side_so_the_picture_moves():
    gen = ImageDataGenerator()
    x = dot((5, 7, 1), at=(2, 3))
    assert bright(gen.apply_transform(x, {"ty": 2})) == [(2, 1)]    # read 2 columns right: moves 2 left
    assert bright(gen.apply_transform(x, {"tx": -1})) == [(3, 3)]   # read 1 row up: moves 1 down


def test_pixel_shift_ranges_move_by_the_allowed_amounts():
    x = dot((5, 9, 1), at=(2, 4))
    gen = ImageDataGenerator(width_shift_range=[3])        # a list: exactly 3 pixels, either way
    assert {bright(gen.random_transform(x, seed=s))[0] for s in range(40)} == {(2, 1), (2, 7)}
    gen = ImageDataGenerator(height_shift_range=2)         # an int n: whole pixels in (-n, n)
    assert {bright(gen.random_transform(x, seed=s))[0] for s in range(60)} == {(1, 4), (2, 4), (3, 4)}


def test_fractional_shift_range_is_a_fraction_of_the_size():
    gen = ImageDataGenerator(width_shift_range=0.25)
    shifts = [gen.get_random_transform((8, 20, 1), seed=s)["ty"] for s in range(200)]
    assert max(np.abs(shifts)) <= 5.0 and max(np.abs(shifts)) > 4.0


def test_rotation_by_90_degrees_turns_a_square_image_a_quarter():
    gen = ImageDataGenerator()
    x = dot((5, 5, 1), at=(0, 2))
    assert bright(gen.apply_transform(x, {"theta": 90})) == [(2, 4)]
    assert bright(gen.apply_transform(x, {"theta": 180})) == [(4, 2)]
    np.testing.assert_allclose(gen.apply_transform(x, {"theta": 360}), x, atol=1e-6)


def test_random_rotation_keeps_the_centre_and_the_distance_from_it():
    gen = ImageDataGenerator(rotation_range=180, interpolation_order=0, fill_mode="constant")
    x = dot((9, 9, 1), at=(4, 4)) + dot((9, 9, 1), at=(4, 8)) * 0.7
    for seed in range(20):
        out = gen.random_transform(x, seed=seed)
        assert out[4, 4, 0] == 1.0
        r, c = np.argwhere(np.isclose(out[..., 0], 0.7))[0]
        assert abs(np.hypot(r - 4, c - 4) - 4) < 0.75


def test_bilinear_sampling_mixes_neighbours_and_nearest_sampling_does_not():
    x = np.arange(12, dtype=np.float32).reshape(3, 4, 1)
    half = ImageDataGenerator().apply_transform(x, {"ty": 0.5})
    np.testing.assert_allclose(half[:, :3, 0], (x[:, :3, 0] + x[:, 1:, 0]) / 2)
    nearest = ImageDataGenerator(interpolation_order=0).apply_transform(x, {"ty": 0.75})
    np.testing.assert_allclose(nearest[:, :3, 0], x[:, 1:, 0])


def test_fill_modes_nearest_repeats_the_edge_and_constant_uses_cval():
    x = np.arange(1, 13, dtype=np.float32).reshape(3, 4, 1)
    nearest = ImageDataGenerator().apply_transform(x, {"ty": 2})
    np.testing.assert_array_equal(nearest[:, 2:, 0], np.repeat(x[:, 3:, 0], 2, axis=1))
    constant = ImageDataGenerator(fill_mode="constant", cval=-1.0).apply_transform(x, {"ty": 2})
    np.testing.assert_array_equal(constant[:, 2:, 0], -1.0)
    np.testing.assert_array_equal(constant[:, :2, 0], x[:, 2:, 0])


def test_zoom_in_spreads_a_pixel_and_zoom_range_draws_factors_in_range():
    x = dot((8, 8, 3), at=(2, 2, 0))
    out = ImageDataGenerator().apply_transform(x, {"zx": 0.5, "zy": 0.5})
    assert out.shape == x.shape and np.count_nonzero(out[..., 0]) > 1 and np.all(out[..., 1:] == 0)
    factors = [ImageDataGenerator(zoom_range=0.2).get_random_transform((8, 8, 1), seed=s) for s in range(50)]
    assert all(0.8 <= f["zx"] <= 1.2 and 0.8 <= f["zy"] <= 1.2 for f in factors)


def test_random_transform_repeats_with_a_seed_and_after_set_random_seed():
    gen = ImageDataGenerator(rotation_range=30, width_shift_range=0.2, zoom_range=0.2, horizontal_flip=True)
    x = np.random.default_rng(0).random((6, 6, 2)).astype(np.float32)
    np.testing.assert_array_equal(gen.random_transform(x, seed=3), gen.random_transform(x, seed=3))
    utils.set_random_seed(5)
    first = gen.random_transform(x)
    utils.set_random_seed(5)
    np.testing.assert_array_equal(first, gen.random_transform(x))
    assert first.shape == x.shape and first.dtype == x.dtype


def test_random_transform_needs_one_image():
    with pytest.raises(ValueError, match="one image"):
        ImageDataGenerator().random_transform(np.zeros((2, 4, 4, 1)))


# ---------------------------------------------------------------- statistics ----

def test_rescale_then_samplewise_standardization():
    x = np.array([[[0.0], [255.0]], [[51.0], [102.0]]])
    np.testing.assert_allclose(ImageDataGenerator(rescale=1 / 255).standardize(x), x / 255, rtol=1e-6)
    out = ImageDataGenerator(samplewise_center=True, samplewise_std_normalization=True).standardize(x)
    assert abs(out.mean()) < 1e-6 and abs(out.std() - 1) < 1e-4


def test_fit_computes_per_channel_statistics_for_featurewise_standardization():
    rng = np.random.default_rng(0)
    x = rng.normal(loc=[3.0, -2.0], scale=[2.0, 0.5], size=(40, 5, 5, 2))
    gen = ImageDataGenerator(featurewise_center=True, featurewise_std_normalization=True)
    with pytest.warns(UserWarning, match="fit"):
        gen.standardize(x[0])
    gen.fit(x)
    assert gen.mean.shape == (1, 1, 2)
    out = np.stack([gen.standardize(image) for image in x])
    np.testing.assert_allclose(out.mean(axis=(0, 1, 2)), 0, atol=1e-5)
    np.testing.assert_allclose(out.std(axis=(0, 1, 2)), 1, atol=1e-4)
    with pytest.raises(ValueError, match="rank|shape"):
        gen.fit(x[0])


# -------------------------------------------------------------------- flow ----

def numbered_images(n=10):
    """Image i is filled with the value i, so a batch says which samples it holds."""
    return np.arange(n, dtype=np.float32)[:, None, None, None] * np.ones((n, 3, 3, 1), np.float32)


def test_flow_gives_len_batches_with_matching_labels():
    x, y = numbered_images(10), np.arange(10)
    flow = ImageDataGenerator().flow(x, y, batch_size=4, seed=0)
    assert len(flow) == 3
    batches = [flow[i] for i in range(len(flow))]
    assert [b[0].shape for b in batches] == [(4, 3, 3, 1), (4, 3, 3, 1), (2, 3, 3, 1)]
    for bx, by in batches:
        np.testing.assert_array_equal(bx[:, 0, 0, 0], by)
    assert sorted(np.concatenate([b[1] for b in batches]).tolist()) == list(range(10))
    assert batches[0][0].dtype == np.float32


def test_flow_reshuffles_each_epoch_and_not_without_shuffle():
    x, y = numbered_images(20), np.arange(20)
    flow = ImageDataGenerator().flow(x, y, batch_size=20, seed=1)
    first = flow[0][1]
    np.testing.assert_array_equal(flow[0][1], first)          # the same epoch: the same order
    flow.on_epoch_end()
    assert not np.array_equal(flow[0][1], first) and sorted(first) == list(range(20))
    ordered = ImageDataGenerator().flow(x, y, batch_size=8, shuffle=False)
    np.testing.assert_array_equal(ordered[1][1], np.arange(8, 16))


def test_flow_repeats_with_a_seed_and_after_set_random_seed():
    x = np.random.default_rng(0).random((12, 6, 6, 1)).astype(np.float32)
    gen = ImageDataGenerator(rotation_range=20, horizontal_flip=True)
    a, b = gen.flow(x, batch_size=5, seed=7), gen.flow(x, batch_size=5, seed=7)
    for i in range(3):
        np.testing.assert_array_equal(a[i], b[i])
    utils.set_random_seed(2)
    first = gen.flow(x, batch_size=5)[0]
    utils.set_random_seed(2)
    np.testing.assert_array_equal(gen.flow(x, batch_size=5)[0], first)


def test_flow_without_y_yields_images_and_iterating_starts_a_new_epoch():
    flow = ImageDataGenerator(rescale=0.5).flow(numbered_images(5), batch_size=2, shuffle=False)
    batch = next(flow)
    assert isinstance(batch, np.ndarray) and batch.shape == (2, 3, 3, 1)
    np.testing.assert_array_equal(batch[:, 0, 0, 0], [0, 0.5])
    seen = [next(flow).shape[0] for _ in range(3)]
    assert seen == [2, 1, 2]            # after the last batch, a new epoch begins


def test_flow_bad_input_raises():
    gen = ImageDataGenerator()
    with pytest.raises(ValueError, match="rank 4"):
        gen.flow(np.zeros((4, 3, 3)))
    with pytest.raises(ValueError, match="same length"):
        gen.flow(np.zeros((4, 3, 3, 1)), np.zeros(3))
    with pytest.raises(ValueError, match="batch_size"):
        gen.flow(np.zeros((4, 3, 3, 1)), batch_size=0)
    with pytest.raises(NotImplementedError, match="save_to_dir"):
        gen.flow(np.zeros((4, 3, 3, 1)), save_to_dir="/tmp")
    with pytest.raises(IndexError):
        gen.flow(np.zeros((4, 3, 3, 1)), batch_size=2)[2]


# -------------------------------------------------------- model.fit on a flow ----

def image_task(n=96, seed=0):
    """Bright-left versus bright-right 6x6 images: learnable, and still learnable when flipped vertically."""
    rng = np.random.default_rng(seed)
    labels = rng.integers(0, 2, n)
    x = rng.random((n, 6, 6, 1)).astype(np.float32) * 0.3
    for i, label in enumerate(labels):
        x[i, :, (0 if label == 0 else 3):(3 if label == 0 else 6)] += 0.7
    return x, utils.to_categorical(labels, 2)


def small_model():
    model = Sequential([Flatten(input_shape=(6, 6, 1)), Dense(8, activation="relu"), Dense(2, activation="softmax")])
    model.compile(optimizer="adam", loss="categorical_crossentropy", metrics=["accuracy"])
    return model


def test_fit_on_a_flow_trains_and_reports_like_arrays():
    utils.set_random_seed(0)
    x, y = image_task()
    datagen = ImageDataGenerator(vertical_flip=True, height_shift_range=1)
    model = small_model()
    history = model.fit(datagen.flow(x, y, batch_size=32), epochs=15, verbose=0)
    assert history.params["steps"] == 3 and len(history.history["loss"]) == 15
    assert history.history["loss"][-1] < history.history["loss"][0]
    assert list(history.history) == list(small_model().fit(x, y, epochs=1, verbose=0).history)
    loss, accuracy = model.evaluate(datagen.flow(x, y, batch_size=32), verbose=0)
    assert accuracy > 0.8
    assert model.predict(ImageDataGenerator().flow(x, batch_size=40, shuffle=False), verbose=0).shape == (96, 2)


def test_fit_on_a_flow_repeats_after_set_random_seed():
    x, y = image_task()
    weights = []
    for _ in range(2):
        utils.set_random_seed(3)
        model = small_model()
        model.fit(ImageDataGenerator(rotation_range=10).flow(x, y, batch_size=16), epochs=2, verbose=0)
        weights.append(model.get_weights())
    for a, b in zip(*weights):
        np.testing.assert_array_equal(a, b)


def test_fit_on_a_flow_refuses_y_batch_size_validation_split_and_unlabelled_batches():
    x, y = image_task(8)
    flow = ImageDataGenerator().flow(x, y, batch_size=4)
    model = small_model()
    with pytest.raises(ValueError, match="`y` argument is not supported"):
        model.fit(flow, y, verbose=0)
    with pytest.raises(ValueError, match="`batch_size` argument is not supported"):
        model.fit(flow, batch_size=4, verbose=0)
    with pytest.raises(ValueError, match="validation_split"):
        model.fit(flow, validation_split=0.2, verbose=0)
    with pytest.raises(ValueError, match=r"\(x_batch, y_batch\)"):
        model.fit(ImageDataGenerator().flow(x, batch_size=4), verbose=0)
    with pytest.raises(ValueError, match="shape"):
        model.fit(ImageDataGenerator().flow(np.zeros((8, 5, 5, 1)), y, batch_size=4), verbose=0)
