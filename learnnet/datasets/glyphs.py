"""Printed digits and letters, distorted on the fly: an offline stand-in for MNIST.

The package ships one small file, ``data/glyphs.npz``: every digit 0-9 and capital
letter A-Z drawn once in each of 21 fonts that come with matplotlib, as 40x40
grayscale *templates* (``scripts/make_glyphs.py`` renders them). Each call here
turns templates into fresh training images, the way data augmentation does:

1. pick a template (a class, and a font from the split's fonts);
2. move it with a random affine map -- rotation, scale, aspect, shear,
   translation -- and read it back with bilinear sampling (``warp``);
3. make the strokes a little thicker or thinner (blend with a 3x3 max or min);
4. vary the ink, add Gaussian pixel noise, clip to [0, 1].

Train and test use **disjoint fonts**: 16 fonts make the training images, the 5
in ``TEST_FONTS`` (one of each family, some bold, some slanted) make the test
images, so test accuracy measures how well a model reads styles it never saw.
The random draws differ too: train and test come one after the other from the
same generator.

Output follows ``keras.datasets.mnist.load_data()``: ``(x_train, y_train), (x_test,
y_test)``, except that ``x`` is already float32 in [0, 1] with a channel axis,
shape ``(n, image_size, image_size, 1)``, and ``y`` holds int64 class indices
(``class_names(kind)[y]`` is the character).
"""
import os

import numpy as np

from .._checks import positive_int
from ..utils import get_rng
from ._args import check_number

DATA_FILE = os.path.join(os.path.dirname(__file__), "data", "glyphs.npz")

KINDS = ("digits", "letters", "all")
TEST_FONTS = (
    "DejaVuSans-Oblique.ttf",
    "DejaVuSansMono-Bold.ttf",
    "DejaVuSerif-BoldItalic.ttf",
    "STIXGeneral.ttf",
    "cmss10.ttf",
)

# Distortion ranges at distortion=1 (uniform draws; the glyph's box is 20 px of a 28 px image).
MAX_ROTATION_DEG = 15.0
SCALE_RANGE = (0.85, 1.15)
MAX_ASPECT = 0.12  # width / height changes by up to +-12 %
MAX_SHEAR = 0.25  # x += shear * y
MAX_SHIFT = 2.5  # pixels at image_size=28
THICKNESS_RANGE = (-0.35, 0.9)  # < 0: blend towards erosion; > 0: towards dilation
INK_RANGE = (0.7, 1.0)

_cache = {}


def _templates():
    """The shipped templates as float32 in [0, 1], (n_fonts, n_chars, 40, 40), plus names."""
    if "templates" not in _cache:
        with np.load(DATA_FILE) as data:
            _cache["templates"] = data["templates"].astype(np.float32) / 255.0
            _cache["chars"] = [str(c) for c in data["chars"]]
            _cache["fonts"] = [str(f) for f in data["fonts"]]
    return _cache["templates"], _cache["chars"], _cache["fonts"]


def _check_kind(kind):
    if kind not in KINDS:
        raise ValueError(
            f"Received an invalid value for `kind`, expected one of {', '.join(map(repr, KINDS))}. "
            f"Received: kind={kind!r}"
        )


def class_names(kind="digits"):
    """The characters behind the labels: ``class_names("letters")[y]`` names label ``y``.

    ``"digits"`` -> ``['0', ..., '9']``, ``"letters"`` -> ``['A', ..., 'Z']``,
    ``"all"`` -> digits then letters (36 classes).
    """
    _check_kind(kind)
    chars = _templates()[1]
    digits = [c for c in chars if c.isdigit()]
    letters = [c for c in chars if c.isalpha()]
    return {"digits": digits, "letters": letters, "all": digits + letters}[kind]


def glyph_fonts(split="train"):
    """File names of the fonts that draw the ``"train"`` or ``"test"`` images (or ``"all"``)."""
    fonts = _templates()[2]
    if split == "train":
        return [f for f in fonts if f not in TEST_FONTS]
    if split == "test":
        return [f for f in fonts if f in TEST_FONTS]
    if split == "all":
        return list(fonts)
    raise ValueError(
        f"Received an invalid value for `split`, expected one of 'train', 'test', 'all'. Received: split={split!r}"
    )


def warp(sources, which, matrices, offsets, out_size):
    """Affine-resample square images with bilinear interpolation.

    Output image ``i`` is drawn from ``sources[which[i]]``: its pixel ``p`` = (row,
    col) reads the source at ``q = matrices[i] @ p + offsets[i]`` (pixel centres at
    +0.5). Between pixels, the four neighbours of ``q`` are blended by distance
    (bilinear sampling); outside the source everything is 0.

    Args:
      sources: (k, h, w) float array of images to draw from.
      which: (n,) integer indices into ``sources``.
      matrices: (n, 2, 2) linear part, output (row, col) -> source (row, col).
      offsets: (n, 2) translation part.
      out_size: side of the square outputs.
    Returns:
      (n, out_size, out_size) float32 array.
    """
    k, h, w = sources.shape
    # A border of zeros makes every neighbour index valid and the outside read 0.
    padded = np.zeros((k, h + 2, w + 2), dtype=np.float32)
    padded[:, 1:-1, 1:-1] = sources
    flat = padded.reshape(-1)
    grid = np.arange(out_size, dtype=np.float32) + 0.5  # pixel centres
    rows, cols = grid[:, None], grid[None, :]
    m = matrices.astype(np.float32)[:, :, :, None, None]
    o = offsets.astype(np.float32)[:, :, None, None]
    # Source position in index units of `padded` (-0.5: centre to index; +1: border).
    r = np.clip(m[:, 0, 0] * rows + m[:, 0, 1] * cols + (o[:, 0] + 0.5), 0, h + 1)
    c = np.clip(m[:, 1, 0] * rows + m[:, 1, 1] * cols + (o[:, 1] + 0.5), 0, w + 1)
    # Top-left neighbour (row h+1 / column w+1, the border, is only ever the 2nd one).
    r0, c0 = np.minimum(np.floor(r), h), np.minimum(np.floor(c), w)
    fr, fc = r - r0, c - c0  # how far towards the next row / column, in [0, 1]
    # Flat index of the top-left neighbour; the others are +1, +(w+2), +(w+3).
    start = np.asarray(which, dtype=np.intp) * ((h + 2) * (w + 2))
    i00 = start[:, None, None] + r0.astype(np.intp) * (w + 2) + c0.astype(np.intp)
    top = np.take(flat, i00) * (1 - fc) + np.take(flat, i00 + 1) * fc
    bottom = np.take(flat, i00 + (w + 2)) * (1 - fc) + np.take(flat, i00 + (w + 3)) * fc
    return top * (1 - fr) + bottom * fr


def _vary_thickness(images, amount):
    """Blend each image towards its 3x3 dilation (amount > 0) or erosion (amount < 0)."""
    grow = amount > 0
    target = np.empty_like(images)
    target[grow] = _filter3x3(images[grow], np.maximum)
    target[~grow] = _filter3x3(images[~grow], np.minimum)
    return images + np.abs(amount)[:, None, None].astype(images.dtype) * (target - images)


def _filter3x3(images, op):
    """3x3 max (dilation) or min (erosion) filter, as a 3x1 then a 1x3 pass (edges use the pixels they have)."""
    out = images.copy()
    op(out[:, 1:], images[:, :-1], out=out[:, 1:])
    op(out[:, :-1], images[:, 1:], out=out[:, :-1])
    rows = out.copy()
    op(out[:, :, 1:], rows[:, :, :-1], out=out[:, :, 1:])
    op(out[:, :, :-1], rows[:, :, 1:], out=out[:, :, :-1])
    return out


def _matrices(a, b, c, d):
    """Stack per-sample 2x2 matrices [[a, b], [c, d]] into shape (n, 2, 2)."""
    return np.stack([np.stack([a, b], axis=-1), np.stack([c, d], axis=-1)], axis=-2)


def _render(templates, which, image_size, distortion, noise, rng, chunk=256):
    """Distorted images of ``templates[which]``: (n, image_size, image_size) float32 in [0, 1]."""
    n, size = len(which), templates.shape[1]
    d = distortion
    angle = np.deg2rad(rng.uniform(-MAX_ROTATION_DEG, MAX_ROTATION_DEG, n)) * d
    scale = 1 + (rng.uniform(*SCALE_RANGE, n) - 1) * d
    aspect = 1 + rng.uniform(-MAX_ASPECT, MAX_ASPECT, n) * d
    shear = rng.uniform(-MAX_SHEAR, MAX_SHEAR, n) * d
    shift = rng.uniform(-MAX_SHIFT, MAX_SHIFT, (n, 2)) * d * image_size / 28
    thickness = rng.uniform(*THICKNESS_RANGE, n) * d
    ink = 1 + (rng.uniform(*INK_RANGE, n) - 1) * d

    # Forward map (template -> image) on (row, col) offsets from the centres: stretch
    # the width by `aspect`, shear (columns move with rows, like italics), rotate,
    # then zoom so the template's 32 px box becomes 20/28 of the image (as in MNIST).
    zoom = scale * (image_size * 20 / 28) / 32
    one, zero, cos, sin = np.ones(n), np.zeros(n), np.cos(angle), np.sin(angle)
    stretch = _matrices(one, zero, zero, aspect)
    slant = _matrices(one, zero, shear, one)
    rotate = _matrices(cos, -sin, sin, cos)
    forward = zoom[:, None, None] * rotate @ slant @ stretch
    # `warp` needs the inverse: image pixel -> template position.
    inverse = np.linalg.inv(forward)
    image_centre = np.full((n, 2), image_size / 2) + shift
    offsets = size / 2 - np.einsum("nij,nj->ni", inverse, image_centre)

    images = np.empty((n, image_size, image_size), dtype=np.float32)
    for start in range(0, n, chunk):  # chunks keep the temporaries small and fast
        part = slice(start, start + chunk)
        warped = warp(templates, which[part], inverse[part], offsets[part], image_size)
        images[part] = _vary_thickness(warped, thickness[part]) * ink[part, None, None].astype(np.float32)
    if noise > 0:
        images += noise * rng.standard_normal(images.shape, dtype=np.float32)
    return np.clip(images, 0.0, 1.0, out=images)


def _make_split(class_ids, font_ids, n_per_class, image_size, distortion, noise, rng):
    """Images and labels of one split: every class from the split's fonts, shuffled."""
    n_classes, n_fonts = len(class_ids), len(font_ids)
    templates = _templates()[0][np.ix_(font_ids, class_ids)]  # (n_fonts, n_classes, 40, 40)
    labels = np.repeat(np.arange(n_classes), n_per_class)
    # Every font appears about equally often in each class (cycled, then shuffled).
    fonts = np.concatenate([rng.permutation(np.resize(np.arange(n_fonts), n_per_class)) for _ in range(n_classes)])
    order = rng.permutation(labels.size)
    labels, fonts = labels[order], fonts[order]
    sources = templates.reshape(n_fonts * n_classes, *templates.shape[2:])
    images = _render(sources, fonts * n_classes + labels, image_size, distortion, noise, rng)
    return images[..., None], labels.astype(np.int64)


def load_glyphs(kind="digits", n_per_class=500, n_test_per_class=100, image_size=28, noise=0.1, distortion=1.0,
                seed=None):
    """Images of printed characters, generated on the fly: ``(x_train, y_train), (x_test, y_test)``.

    Args:
      kind: ``"digits"`` (10 classes, 0-9), ``"letters"`` (26 classes, A-Z) or
        ``"all"`` (36 classes: digits, then letters). See ``class_names(kind)``.
      n_per_class: training images per class.
      n_test_per_class: test images per class.
      image_size: side of the square images in pixels (28 as in MNIST).
      noise: standard deviation of the Gaussian pixel noise (pixels are in [0, 1]).
      distortion: strength of the random affine map, stroke and ink changes, from
        0 to 2: ``1.0`` is the default mix, ``0.0`` gives the clean, centred
        templates, ``2.0`` doubles every range (rotation up to 30 degrees, ...).
      seed: int, ``numpy.random.Generator``, or None for learnnet's global generator.

    Returns:
      ``(x_train, y_train), (x_test, y_test)``: ``x`` float32 in [0, 1] of shape
      ``(n, image_size, image_size, 1)`` (channels last), ``y`` int64 class indices.
      Classes are balanced and the order is shuffled. Training images use the
      fonts ``glyph_fonts("train")``, test images the other fonts,
      ``glyph_fonts("test")``.
    """
    who = "load_glyphs()"
    _check_kind(kind)
    n_per_class = positive_int(n_per_class, "n_per_class", who)
    n_test_per_class = positive_int(n_test_per_class, "n_test_per_class", who)
    image_size = positive_int(image_size, "image_size", who)
    if image_size < 8:
        raise ValueError(
            f"Received an invalid value for `image_size`, expected an integer >= 8 (a glyph needs a few pixels). "
            f"Received: image_size={image_size!r}"
        )
    noise = check_number(noise, "noise", who)
    distortion = check_number(distortion, "distortion", who, 0, 2)
    rng = get_rng(seed)

    chars, fonts = _templates()[1:]
    class_ids = [chars.index(c) for c in class_names(kind)]
    train_fonts = [fonts.index(f) for f in glyph_fonts("train")]
    test_fonts = [fonts.index(f) for f in glyph_fonts("test")]
    train = _make_split(class_ids, train_fonts, n_per_class, image_size, distortion, noise, rng)
    test = _make_split(class_ids, test_fonts, n_test_per_class, image_size, distortion, noise, rng)
    return train, test


def load_digits(n_per_class=500, n_test_per_class=100, image_size=28, noise=0.1, distortion=1.0, seed=None):
    """Printed digits 0-9 as an MNIST-like set; ``load_glyphs(kind="digits", ...)``."""
    return load_glyphs("digits", n_per_class, n_test_per_class, image_size, noise, distortion, seed)


def load_letters(n_per_class=500, n_test_per_class=100, image_size=28, noise=0.1, distortion=1.0, seed=None):
    """Printed capital letters A-Z (26 classes); ``load_glyphs(kind="letters", ...)``.

    Drawn by the same generator as ``load_digits``, so a network trained on digits
    can be transferred to letters with only a few labelled examples per class.
    """
    return load_glyphs("letters", n_per_class, n_test_per_class, image_size, noise, distortion, seed)
