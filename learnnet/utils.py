"""Small helpers: the global random generator, seeding, one-hot labels.

Every random draw in learnnet (initialisers, shuffling, dropout) takes either an
explicit seed / ``numpy.random.Generator`` or falls back to one global generator.
``set_random_seed(seed)`` resets that generator, so a whole run repeats bit for bit.
"""
import numpy as np

_global_rng = np.random.default_rng()


def set_random_seed(seed):
    """Seed learnnet's global random generator (like ``keras.utils.set_random_seed``).

    After this, initialisers without a seed, ``fit``'s shuffling and Dropout all
    draw from a generator started at ``seed``: the same seed gives the same run.
    """
    global _global_rng
    if isinstance(seed, bool) or not isinstance(seed, (int, np.integer)) or seed < 0:
        raise ValueError(f"`seed` must be a non-negative integer; received seed={seed!r}")
    _global_rng = np.random.default_rng(int(seed))


def get_rng(seed=None):
    """Return a ``numpy.random.Generator``.

    ``seed`` may be ``None`` (the global generator), an integer (a new generator
    started at that seed) or a ``Generator`` (returned as is).
    """
    if seed is None:
        return _global_rng
    if isinstance(seed, np.random.Generator):
        return seed
    if isinstance(seed, bool) or not isinstance(seed, (int, np.integer)) or seed < 0:
        raise ValueError(
            f"`seed` must be None, a non-negative integer or a numpy.random.Generator; received seed={seed!r}"
        )
    return np.random.default_rng(int(seed))


def to_categorical(y, num_classes=None, dtype="float32"):
    """One-hot encode integer class labels, as ``keras.utils.to_categorical``.

    ``to_categorical([0, 2, 1], 3)`` gives ``[[1,0,0],[0,0,1],[0,1,0]]``.
    """
    y = np.asarray(y)
    if y.size and not np.all(np.equal(np.mod(y, 1), 0)):
        raise ValueError(f"`y` must hold integer class labels; received values such as {y.flat[0]!r}")
    y = y.astype(np.int64)
    if y.ndim > 1 and y.shape[-1] == 1:
        y = y[..., 0]
    if y.size and y.min() < 0:
        raise ValueError(f"class labels must be >= 0; received {int(y.min())}")
    if num_classes is None:
        num_classes = int(y.max()) + 1 if y.size else 0
    elif y.size and y.max() >= num_classes:
        raise ValueError(
            f"label {int(y.max())} is out of range for num_classes={num_classes} (labels go from 0 to {num_classes - 1})"
        )
    out = np.zeros(y.shape + (num_classes,), dtype=dtype)
    np.put_along_axis(out, y[..., None], 1, axis=-1)
    return out
