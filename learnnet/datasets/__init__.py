"""Data to learn from, generated on the spot or shipped in the package: nothing is downloaded.

Two-dimensional points (for single neurons, hidden layers, decision boundaries)::

    from learnnet import datasets
    X, y = datasets.playground("spiral", n_samples=500, noise=0.1, seed=0)  # Playground's sets
    X, y = datasets.make_moons(500, noise=0.1, seed=0)
    X, y = datasets.make_spiral(300, n_classes=3, seed=0)
    (x_train, y_train), (x_test, y_test) = datasets.train_test_split(X, y, test_ratio=0.5, seed=0)

Images of printed characters, distorted afresh on every call (an offline MNIST)::

    (x_train, y_train), (x_test, y_test) = datasets.load_digits(n_per_class=500, seed=0)
    x_train.shape, x_train.dtype      # (5000, 28, 28, 1) float32, values in [0, 1]
    datasets.class_names("digits")    # ['0', '1', ..., '9']; also "letters" (A-Z), "all"

Every function takes ``seed``: an int, a ``numpy.random.Generator``, or None for
learnnet's global generator (``learnnet.utils.set_random_seed``). The same seed gives
bit-identical arrays.

Where the data comes from, and licences
---------------------------------------
- ``playground`` and its six generators (``classify_circle``, ``classify_xor``,
  ``classify_two_gauss``, ``classify_spiral``, ``regress_plane``,
  ``regress_gaussian``) reimplement in NumPy the data generators of TensorFlow
  Playground (https://github.com/tensorflow/playground, ``src/dataset.ts``,
  Copyright 2016 Google Inc., Apache License 2.0). No code is copied; shapes,
  scales and noise follow it. Labels are 0/1 where Playground uses -1/+1.
- ``make_moons`` follows scikit-learn's ``make_moons`` (BSD-3-Clause);
  ``make_spiral`` the spiral of Stanford's cs231n course notes.
- ``load_digits`` / ``load_letters`` / ``load_glyphs`` start from
  ``data/glyphs.npz``, rendered by ``scripts/make_glyphs.py`` from fonts that ship
  with matplotlib (``mpl-data/fonts/ttf``):

  * DejaVu Sans, Sans Mono, Serif (12 files): Bitstream Vera Fonts licence
    (Copyright 2003 Bitstream, Inc.; DejaVu changes are in the public domain;
    glyphs from Arev fonts Copyright 2006 Tavmjong Bah, same terms);
  * STIX General (4 files): SIL Open Font License 1.1 (Copyright 2001-2010 the
    STI Pub Companies; Reserved Font Name "STIX Fonts");
  * Computer Modern cmr10, cmb10, cmss10, cmtt10, cmti10 (BaKoMa TrueType
    versions): BaKoMa Fonts Licence (Copyright 1994, 1995 Basil K. Malyshev;
    using the fonts, including rendering them, is permitted without notice).

  The file holds small bitmaps *rendered with* these fonts, not the fonts
  themselves. ``learnnet/datasets/README.md`` in the source tree has the details.
"""
from .glyphs import class_names, glyph_fonts, load_digits, load_glyphs, load_letters
from .points import (
    PLAYGROUND_NAMES,
    classify_circle,
    classify_spiral,
    classify_two_gauss,
    classify_xor,
    make_moons,
    make_spiral,
    playground,
    regress_gaussian,
    regress_plane,
)
from .split import train_test_split

__all__ = [
    "PLAYGROUND_NAMES",
    "class_names",
    "classify_circle",
    "classify_spiral",
    "classify_two_gauss",
    "classify_xor",
    "glyph_fonts",
    "load_digits",
    "load_glyphs",
    "load_letters",
    "make_moons",
    "make_spiral",
    "playground",
    "regress_gaussian",
    "regress_plane",
    "train_test_split",
]
