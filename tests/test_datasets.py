"""learnnet.datasets: shapes, scales, determinism, honest splits, clear errors, reproducible data file."""
import importlib.util
import os
import subprocess
import sys
import zipfile

import numpy as np
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from learnnet import datasets
from learnnet.datasets import glyphs
from learnnet.utils import get_rng, set_random_seed

REPO = os.path.dirname(os.path.dirname(os.path.abspath(__file__)))
CLASSIFICATION = ["circle", "xor", "gauss", "spiral"]
REGRESSION = ["plane", "multi_gauss"]
POINT_MAKERS = {
    **{name: (lambda name: lambda **kw: datasets.playground(name, **kw))(name) for name in datasets.PLAYGROUND_NAMES},
    "moons": datasets.make_moons,
    "k_spiral": datasets.make_spiral,
}


# ----------------------------------------------------------------------------- 2-D points


@pytest.mark.parametrize("name", CLASSIFICATION + REGRESSION)
def test_playground_returns_float32_points_and_one_label_per_point(name):
    X, y = datasets.playground(name, n_samples=301, noise=0.2, seed=0)
    assert X.shape == (301, 2) and X.dtype == np.float32
    assert y.shape == (301,)
    assert np.all(np.isfinite(X)) and np.all(np.isfinite(y))
    if name in CLASSIFICATION:
        assert y.dtype == np.int64 and set(np.unique(y)) == {0, 1}
    else:
        assert y.dtype == np.float32


@pytest.mark.parametrize("name", ["circle", "gauss", "spiral"])
def test_playground_classes_are_balanced_with_the_odd_point_in_class_1(name):
    _, y = datasets.playground(name, n_samples=301, seed=0)  # noise 0: labels follow the generator
    assert np.bincount(y).tolist() == [150, 151]


def test_xor_classes_are_roughly_balanced():
    _, y = datasets.playground("xor", n_samples=2000, seed=0)
    assert 0.45 < y.mean() < 0.55


def test_playground_scales_match_tensorflow_playground():
    X, y = datasets.playground("circle", 1000, seed=0)
    r = np.hypot(*X.T)
    assert r.max() <= 5 + 1e-5
    assert np.all((r < 2.5) == (y == 1))  # disc of class 1 ...
    assert np.all((r[y == 0] >= 3.5 - 1e-5))  # ... and a ring of class 0 from 3.5 to 5

    X, y = datasets.playground("xor", 1000, seed=0)
    assert np.all(np.abs(X) >= 0.3 - 1e-6) and np.all(np.abs(X) <= 5.3 + 1e-5)  # the gap along the axes
    np.testing.assert_array_equal(y, (X[:, 0] * X[:, 1] >= 0).astype(np.int64))

    X, y = datasets.playground("gauss", 4000, seed=0)
    np.testing.assert_allclose(X[y == 1].mean(axis=0), [2, 2], atol=0.1)
    np.testing.assert_allclose(X[y == 0].mean(axis=0), [-2, -2], atol=0.1)
    np.testing.assert_allclose(X[y == 1].var(axis=0), [0.5, 0.5], rtol=0.15)  # Playground's variance at noise 0

    X, y = datasets.playground("spiral", 500, seed=0)
    assert np.hypot(*X.T).max() <= 5 + 1e-5
    arm = X[y == 1][np.argsort(np.hypot(*X[y == 1].T))]
    # The two arms are each other turned by 180 degrees.
    other = X[y == 0][np.argsort(np.hypot(*X[y == 0].T))]
    np.testing.assert_allclose(arm, -other, atol=1e-5)

    X, y = datasets.playground("plane", 500, seed=0)
    assert np.abs(X).max() <= 6
    np.testing.assert_allclose(y, X.sum(axis=1) / 10, atol=1e-6)

    X, y = datasets.playground("multi_gauss", 2000, seed=0)
    assert np.abs(X).max() <= 6 and np.abs(y).max() <= 1
    near = np.hypot(X[:, 0] - 4, X[:, 1] - 2.5) < 0.2  # near the +1 bump at (4, 2.5)
    assert near.any() and np.all(y[near] > 0.85)


def test_playground_name_maps_to_its_generator():
    for name, fn in [("circle", datasets.classify_circle), ("xor", datasets.classify_xor),
                     ("gauss", datasets.classify_two_gauss), ("spiral", datasets.classify_spiral),
                     ("plane", datasets.regress_plane), ("multi_gauss", datasets.regress_gaussian)]:
        a, b = datasets.playground(name, 50, 0.1, seed=3), fn(50, 0.1, seed=3)
        np.testing.assert_array_equal(a[0], b[0])
        np.testing.assert_array_equal(a[1], b[1])


@settings(max_examples=30, deadline=None)
@given(name=st.sampled_from(datasets.PLAYGROUND_NAMES), n=st.integers(1, 400), noise=st.floats(0, 0.5),
       seed=st.integers(0, 2**32))
def test_playground_gives_exactly_n_finite_points_for_any_size_and_noise(name, n, noise, seed):
    X, y = datasets.playground(name, n, noise, seed=seed)
    assert X.shape == (n, 2) and y.shape == (n,)
    assert np.all(np.isfinite(X)) and np.all(np.isfinite(y))


def test_make_spiral_has_three_balanced_arms_in_the_unit_disc():
    X, y = datasets.make_spiral(300, n_classes=3, noise=0.2, seed=0)
    assert X.shape == (300, 2) and X.dtype == np.float32 and y.dtype == np.int64
    assert np.bincount(y).tolist() == [100, 100, 100]
    assert np.hypot(*X.T).max() <= 1 + 1e-6  # noise moves the angle, never the radius
    _, y = datasets.make_spiral(301, n_classes=4, seed=0)
    assert np.bincount(y).tolist() == [76, 75, 75, 75]


def test_make_moons_matches_two_half_circles():
    X, y = datasets.make_moons(201, noise=0.0, seed=0)
    assert X.shape == (201, 2) and np.bincount(y).tolist() == [100, 101]
    np.testing.assert_allclose(np.hypot(*X[y == 0].T), 1, atol=1e-6)  # upper moon: unit circle
    np.testing.assert_allclose(np.hypot(X[y == 1, 0] - 1, X[y == 1, 1] - 0.5), 1, atol=1e-6)
    assert X[y == 0, 1].min() >= -1e-6 and X[y == 1, 1].max() <= 0.5 + 1e-6


def _spread(make, noise):
    """Mean distance of each point from where it would be without noise (same seed)."""
    clean, _ = make(noise=0.0, seed=0)
    noisy, _ = make(noise=noise, seed=0)
    return np.linalg.norm(np.sort(noisy, axis=0) - np.sort(clean, axis=0), axis=1).mean()


def test_noise_increases_spread():
    # Gaussian blobs widen with Playground's noise.
    stds = [datasets.playground("gauss", 2000, noise, seed=0)[0].std(axis=0).mean() for noise in (0, 0.25, 0.5)]
    assert stds[0] < stds[1] < stds[2]
    # Spirals and moons move away from their noiseless curves.
    for make, noises in [(lambda **kw: datasets.playground("spiral", 500, **kw), (0.1, 0.3, 0.5)),
                         (lambda **kw: datasets.make_moons(500, **kw), (0.05, 0.15, 0.3)),
                         (lambda **kw: datasets.make_spiral(300, 3, **kw), (0.1, 0.3, 0.6))]:
        spreads = [_spread(make, noise) for noise in noises]
        assert 0 < spreads[0] < spreads[1] < spreads[2]
    # Circle and xor keep their points but flip more labels near the boundary.
    for name, rule in [("circle", lambda X: np.hypot(*X.T) < 2.5), ("xor", lambda X: X[:, 0] * X[:, 1] >= 0)]:
        flipped = []
        for noise in (0.0, 0.1, 0.3, 0.5):
            X, y = datasets.playground(name, 2000, noise, seed=0)
            flipped.append(np.mean(y != rule(X)))
        assert flipped[0] == 0 and flipped[1] < flipped[2] < flipped[3]


@pytest.mark.parametrize("name", sorted(POINT_MAKERS))
def test_point_sets_are_deterministic_given_a_seed(name):
    make = POINT_MAKERS[name]
    a, b, c = make(noise=0.1, seed=7), make(noise=0.1, seed=7), make(noise=0.1, seed=8)
    assert a[0].tobytes() == b[0].tobytes() and a[1].tobytes() == b[1].tobytes()
    assert not np.array_equal(a[0], c[0]) or not np.array_equal(a[1], c[1])
    # A Generator is used as is, and None falls back to the global generator.
    d = make(noise=0.1, seed=np.random.default_rng(7))
    np.testing.assert_array_equal(a[0], d[0])
    set_random_seed(5)
    e = make(noise=0.1)
    set_random_seed(5)
    f = make(noise=0.1)
    np.testing.assert_array_equal(e[0], f[0])
    np.testing.assert_array_equal(e[1], f[1])


def test_train_test_split_partitions_and_keeps_pairs():
    X = np.arange(20).reshape(10, 2)
    y = np.arange(10) * 10
    (x_train, y_train), (x_test, y_test) = datasets.train_test_split(X, y, test_ratio=0.3, seed=0)
    assert len(x_test) == 3 and len(x_train) == 7
    np.testing.assert_array_equal(np.sort(np.concatenate([x_train[:, 0], x_test[:, 0]])), X[:, 0])
    np.testing.assert_array_equal(x_train[:, 0] * 5, y_train)  # pairs stay together
    np.testing.assert_array_equal(x_test[:, 0] * 5, y_test)
    again = datasets.train_test_split(X, y, test_ratio=0.3, seed=0)
    np.testing.assert_array_equal(again[1][0], x_test)
    (_, _), (x_small, _) = datasets.train_test_split(X, y, test_ratio=0.01, seed=0)
    assert len(x_small) == 1  # both parts keep at least one example


# ----------------------------------------------------------------------------- glyph images


@pytest.mark.parametrize("kind, n_classes", [("digits", 10), ("letters", 26), ("all", 36)])
def test_glyphs_look_like_mnist_load_data(kind, n_classes):
    (x_train, y_train), (x_test, y_test) = datasets.load_glyphs(kind, n_per_class=12, n_test_per_class=7, seed=0)
    assert x_train.shape == (12 * n_classes, 28, 28, 1) and x_test.shape == (7 * n_classes, 28, 28, 1)
    assert x_train.dtype == np.float32 and y_train.dtype == np.int64
    assert 0 <= x_train.min() and x_train.max() <= 1 and 0 <= x_test.min() and x_test.max() <= 1
    assert np.bincount(y_train, minlength=n_classes).tolist() == [12] * n_classes
    assert np.bincount(y_test, minlength=n_classes).tolist() == [7] * n_classes
    assert len(datasets.class_names(kind)) == n_classes
    assert not np.all(np.diff(y_train) >= 0)  # shuffled, not sorted by class


def test_class_names_name_the_characters():
    assert datasets.class_names("digits") == list("0123456789")
    assert datasets.class_names("letters") == list("ABCDEFGHIJKLMNOPQRSTUVWXYZ")
    assert datasets.class_names("all") == list("0123456789ABCDEFGHIJKLMNOPQRSTUVWXYZ")


def test_load_digits_and_load_letters_are_load_glyphs():
    for short, kind in [(datasets.load_digits, "digits"), (datasets.load_letters, "letters")]:
        a, b = short(n_per_class=3, n_test_per_class=2, seed=1), datasets.load_glyphs(kind, 3, 2, seed=1)
        for got, want in zip(a[0] + a[1], b[0] + b[1]):
            np.testing.assert_array_equal(got, want)


@pytest.mark.parametrize("size", [16, 28, 48])
def test_image_size_sets_the_side_and_keeps_the_glyph_centred(size):
    (x, _), _ = datasets.load_digits(n_per_class=5, n_test_per_class=1, image_size=size, noise=0.0,
                                      distortion=0.0, seed=0)
    assert x.shape == (50, size, size, 1)
    ink = x[..., 0].sum(axis=0)
    rows, cols = np.indices(ink.shape) + 0.5
    centre = [(rows * ink).sum() / ink.sum(), (cols * ink).sum() / ink.sum()]
    np.testing.assert_allclose(centre, [size / 2, size / 2], atol=0.1 * size)


def test_every_glyph_image_has_visible_ink():
    (x, _), (xt, _) = datasets.load_glyphs("all", n_per_class=30, n_test_per_class=10, seed=0)
    for images in (x, xt):
        bright = np.percentile(images.reshape(len(images), -1), 99, axis=1)
        assert bright.min() > 0.4


def test_glyphs_are_deterministic_given_a_seed():
    a = datasets.load_digits(n_per_class=20, n_test_per_class=5, seed=3)
    b = datasets.load_digits(n_per_class=20, n_test_per_class=5, seed=3)
    c = datasets.load_digits(n_per_class=20, n_test_per_class=5, seed=4)
    for got, want in zip(a[0] + a[1], b[0] + b[1]):
        assert got.tobytes() == want.tobytes()
    assert not np.array_equal(a[0][0], c[0][0])
    set_random_seed(11)
    d = datasets.load_letters(n_per_class=2, n_test_per_class=1)
    set_random_seed(11)
    e = datasets.load_letters(n_per_class=2, n_test_per_class=1)
    np.testing.assert_array_equal(d[0][0], e[0][0])


def test_glyph_noise_increases_background_spread():
    spreads = []
    for noise in (0.0, 0.05, 0.1, 0.2):
        (x, _), _ = datasets.load_digits(n_per_class=20, n_test_per_class=1, noise=noise, seed=0)
        spreads.append(x[:, :3, :3].std())  # corners: background only
    assert spreads == sorted(spreads) and spreads[0] < 0.01 < spreads[-1]


def test_train_and_test_glyphs_come_from_disjoint_fonts():
    train_fonts, test_fonts = datasets.glyph_fonts("train"), datasets.glyph_fonts("test")
    assert not set(train_fonts) & set(test_fonts)
    assert sorted(train_fonts + test_fonts) == sorted(datasets.glyph_fonts("all"))
    assert len(train_fonts) == 16 and len(test_fonts) == 5
    # Without distortion and noise an image is its font's clean template, so each class shows
    # exactly one image per font of its split, and no test image is a training image.
    (x, y), (xt, yt) = datasets.load_digits(n_per_class=32, n_test_per_class=5, noise=0.0, distortion=0.0, seed=0)
    for label in range(10):
        train_set = {img.tobytes() for img in x[y == label]}
        test_set = {img.tobytes() for img in xt[yt == label]}
        assert len(train_set) == 16 and len(test_set) == 5
        assert not train_set & test_set


def _nearest_centroid_accuracy(x, y, xt, yt):
    flat, flat_t = x.reshape(len(x), -1), xt.reshape(len(xt), -1)
    centroids = np.stack([flat[y == k].mean(axis=0) for k in range(y.max() + 1)])
    distances = (flat_t**2).sum(1)[:, None] - 2 * flat_t @ centroids.T + (centroids**2).sum(1)[None]
    return np.mean(distances.argmin(axis=1) == yt)


def _least_squares_accuracy(x, y, xt, yt, ridge=10.0):
    """A linear classifier in closed form: ridge regression of the one-hot labels on the pixels."""
    flat = np.c_[x.reshape(len(x), -1), np.ones(len(x))].astype(np.float64)
    flat_t = np.c_[xt.reshape(len(xt), -1), np.ones(len(xt))].astype(np.float64)
    onehot = np.eye(y.max() + 1)[y]
    weights = np.linalg.solve(flat.T @ flat + ridge * np.eye(flat.shape[1]), flat.T @ onehot)
    return np.mean((flat_t @ weights).argmax(axis=1) == yt)


def test_digits_are_learnable_but_not_linearly_trivial():
    (x, y), (xt, yt) = datasets.load_digits(n_per_class=300, n_test_per_class=100, seed=0)
    centroid = _nearest_centroid_accuracy(x, y, xt, yt)
    linear = _least_squares_accuracy(x, y, xt, yt)
    assert 0.4 < centroid < 0.85  # far above chance (0.1), far below perfect
    assert 0.6 < linear < 0.97  # a linear model does not solve it


def test_without_distortion_a_linear_model_reads_unseen_fonts_well():
    # Sanity check of the split: the difficulty comes from the distortions, not from broken test fonts.
    (x, y), (xt, yt) = datasets.load_digits(n_per_class=64, n_test_per_class=20, noise=0.0, distortion=0.0, seed=0)
    assert _nearest_centroid_accuracy(x, y, xt, yt) > 0.75


# ----------------------------------------------------------------------------- the shipped file


def test_shipped_glyph_file_is_small_and_complete():
    assert os.path.getsize(glyphs.DATA_FILE) < 1_000_000
    with np.load(glyphs.DATA_FILE, allow_pickle=False) as data:
        templates, chars, fonts, licences = data["templates"], data["chars"], data["fonts"], data["licences"]
    assert templates.dtype == np.uint8 and templates.shape == (21, 36, 40, 40)
    assert "".join(chars) == "0123456789ABCDEFGHIJKLMNOPQRSTUVWXYZ"
    assert len(fonts) == len(licences) == 21
    assert {str(lic).split(" ")[0] for lic in licences} == {"Bitstream", "SIL", "BaKoMa"}
    assert templates.reshape(21 * 36, -1).max(axis=1).min() == 255  # every glyph has full ink
    assert templates[:, :, 0, :].max() == 0 and templates[:, :, :, -1].max() == 0  # margins are empty


def test_datasets_work_without_matplotlib_or_scipy():
    code = (
        "import sys\n"
        "sys.modules['matplotlib'] = None\n"  # any import of matplotlib or scipy now fails
        "sys.modules['scipy'] = None\n"
        "from learnnet import datasets\n"
        "(x, y), (xt, yt) = datasets.load_letters(n_per_class=2, n_test_per_class=1, seed=0)\n"
        "X, y = datasets.playground('spiral', 10, seed=0)\n"
        "X, y = datasets.make_moons(10, seed=0)\n"
        "assert x.shape == (52, 28, 28, 1)\n"
        "print('ok')\n"
    )
    result = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, cwd=REPO, timeout=120)
    assert result.returncode == 0, result.stderr
    assert result.stdout.strip() == "ok"


def _load_make_glyphs():
    spec = importlib.util.spec_from_file_location("make_glyphs", os.path.join(REPO, "scripts", "make_glyphs.py"))
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    return module


def test_make_glyphs_script_reproduces_the_shipped_file(tmp_path):
    pytest.importorskip("matplotlib")
    make_glyphs = _load_make_glyphs()
    rebuilt = make_glyphs.build()
    with np.load(glyphs.DATA_FILE) as shipped:
        assert sorted(shipped.files) == sorted(rebuilt)
        for name in ("templates", "chars", "fonts", "licences"):
            np.testing.assert_array_equal(shipped[name], rebuilt[name], err_msg=name)
    # Written twice, the file is byte-for-byte the same (fixed zip timestamps).
    first, second = tmp_path / "a.npz", tmp_path / "b.npz"
    make_glyphs.save_npz(first, rebuilt)
    make_glyphs.save_npz(second, rebuilt)
    assert first.read_bytes() == second.read_bytes()
    assert zipfile.ZipFile(first).namelist() == [name + ".npy" for name in rebuilt]


def test_glyph_rasteriser_fills_a_square_exactly():
    make_glyphs = _load_make_glyphs()
    size = make_glyphs.SIZE
    # A counter-clockwise square from (10, 10) to (20.5, 15.25), in pixel units.
    corners = np.array([[10, 10], [20.5, 10], [20.5, 15.25], [10, 15.25]])
    edges = np.c_[corners, np.roll(corners, -1, axis=0)]
    image = make_glyphs.rasterize(edges)
    assert image.shape == (size, size)
    np.testing.assert_allclose(image.sum(), 10.5 * 5.25)
    assert image[12, 15] == 1 and image[12, 20] == 0.5 and image[9, 15] == 0 and image[15, 15] == 0.25
    # A hole (the inner contour runs the other way) stays empty, as in the letter O.
    hole = np.array([[12, 11], [12, 14], [18, 14], [18, 11]])
    image = make_glyphs.rasterize(np.r_[edges, np.c_[hole, np.roll(hole, -1, axis=0)]])
    assert image[12, 15] == 0 and image[10, 15] == 1


# ----------------------------------------------------------------------------- errors that teach


@pytest.mark.parametrize("bad", [0, -3, 2.5, True, "100", None])
def test_bad_n_samples_is_rejected_in_keras_words(bad):
    for make in (lambda n: datasets.playground("circle", n), datasets.make_moons, datasets.make_spiral):
        with pytest.raises(ValueError, match=r"Received an invalid value for `n_samples`.*expected a positive "
                                             r"integer\. Received: n_samples="):
            make(bad)


def test_playground_noise_outside_the_slider_range_is_rejected_with_a_hint():
    with pytest.raises(ValueError, match=r"`noise`.*between 0 and 0\.5.*slider.*Received: noise=25"):
        datasets.playground("xor", noise=25)
    with pytest.raises(ValueError, match=r"Received an invalid value for `noise`.*Received: noise=-0\.1"):
        datasets.playground("xor", noise=-0.1)
    with pytest.raises(TypeError, match="noise"):
        datasets.make_moons(noise="lots")
    with pytest.raises(ValueError, match=r"`noise` in make_spiral\(\), expected a number >= 0\. Received: noise=nan"):
        datasets.make_spiral(noise=float("nan"))


def test_unknown_playground_name_suggests_the_closest():
    with pytest.raises(ValueError, match=r"Received an invalid value for `name`.*'circle'.*"
                                         r"Received: name='circles'\. Did you mean 'circle'\?"):
        datasets.playground("circles")


def test_bad_glyph_arguments_are_rejected_in_keras_words():
    with pytest.raises(ValueError, match=r"`kind`, expected one of 'digits', 'letters', 'all'\. Received: kind='digit'"):
        datasets.load_glyphs("digit")
    with pytest.raises(ValueError, match=r"`n_per_class`.*positive integer\. Received: n_per_class=0"):
        datasets.load_digits(n_per_class=0)
    with pytest.raises(ValueError, match=r"`n_test_per_class`.*Received: n_test_per_class=-1"):
        datasets.load_letters(n_test_per_class=-1)
    with pytest.raises(ValueError, match=r"`image_size`.*>= 8.*Received: image_size=4"):
        datasets.load_digits(image_size=4)
    for bad in (-1, 2.5):
        with pytest.raises(ValueError, match=rf"`distortion`.*between 0 and 2\. Received: distortion={bad}"):
            datasets.load_digits(distortion=bad)
    with pytest.raises(TypeError, match="`noise`"):
        datasets.load_digits(noise=[0.1])
    with pytest.raises(ValueError, match="seed"):
        datasets.load_digits(seed=-1)
    with pytest.raises(ValueError, match=r"`kind`"):
        datasets.class_names("Letters")
    with pytest.raises(ValueError, match=r"`split`.*Received: split='validation'"):
        datasets.glyph_fonts("validation")


def test_bad_split_arguments_are_rejected():
    X, y = np.zeros((10, 2)), np.zeros(10)
    for ratio in (0, 1, 1.5, -0.2, "half", True):
        with pytest.raises(ValueError, match=r"`test_ratio`.*strictly between 0 and 1.*Received: test_ratio="):
            datasets.train_test_split(X, y, test_ratio=ratio)
    with pytest.raises(ValueError, match=r"same number of examples.*\(10, 2\).*\(9,\)"):
        datasets.train_test_split(X, y[:9])
    with pytest.raises(ValueError, match="at least 2"):
        datasets.train_test_split(X[:1], y[:1])


def test_a_failed_call_does_not_touch_the_global_generator():
    set_random_seed(0)
    expected = get_rng().random()
    set_random_seed(0)
    for bad_call in (lambda: datasets.playground("xor", 0), lambda: datasets.load_digits(image_size=2),
                     lambda: datasets.train_test_split(np.zeros(4), np.zeros(4), test_ratio=2),
                     lambda: datasets.make_spiral(n_classes=0)):
        with pytest.raises(ValueError):
            bad_call()
    assert get_rng().random() == expected
