"""Two-dimensional toy sets: TensorFlow Playground's six, two moons, and a k-arm spiral.

Each function returns ``(X, y)``: ``X`` float32 of shape ``(n_samples, 2)``, the
points' (x1, x2) coordinates, and ``y`` of shape ``(n_samples,)``: int64 class
labels for classification sets, float32 targets for regression sets. Points come
shuffled, so ``train_test_split`` or slicing gives mixed classes.

**Playground sets** (``playground(name, ...)``, or the functions below it) redo the
generators of https://playground.tensorflow.org (``src/dataset.ts``, Apache-2.0):
same shapes, same scales (points in about [-6, 6]^2), same noise.

- Playground's labels are -1 and +1; here the classes are **0 and 1**
  (Playground -1 -> 0, +1 -> 1), ready for a sigmoid output and binary
  cross-entropy. Regression targets keep Playground's scale, about [-1, 1].
- ``noise`` uses Playground's scale: its "Noise" slider (0 to 50) divided by 100,
  so 0 <= noise <= 0.5. What it does depends on the set, as in Playground: it
  widens the two Gaussians, jitters the spiral arms, and for circle, xor, plane
  and multi_gauss it jitters the point *used to compute the label*, so labels near
  the boundary flip while the points stay where they are.

**make_moons** and **make_spiral** are not Playground sets; their ``noise`` is a
plain standard deviation, as in scikit-learn's ``make_moons`` and the cs231n spiral.
"""
import difflib

import numpy as np

from .._checks import positive_int
from ..utils import get_rng
from ._args import check_number

PLAYGROUND_CLASSIFICATION = ("circle", "xor", "gauss", "spiral")
PLAYGROUND_REGRESSION = ("plane", "multi_gauss")
PLAYGROUND_NAMES = PLAYGROUND_CLASSIFICATION + PLAYGROUND_REGRESSION


def _check_noise(noise, who):
    """Playground's noise: a number in [0, 0.5] (the 0-50 slider divided by 100)."""
    return check_number(noise, "noise", who, 0, 0.5, hint=" (Playground's noise slider, 0 to 50, divided by 100)")


def _halves(n_samples):
    """Split n_samples into (positives, negatives); the positives get the odd one."""
    return n_samples - n_samples // 2, n_samples // 2


def _finish(points, labels, rng, label_dtype=np.int64):
    """Shuffle, then cast: X float32 (n, 2), y int64 labels (or float32 targets)."""
    order = rng.permutation(len(labels))
    return points[order].astype(np.float32), labels[order].astype(label_dtype)


def classify_circle(n_samples=500, noise=0.0, seed=None):
    """A disc of class 1 (radius < 2.5) inside a ring of class 0 (radius 3.5 to 5).

    Half the points fall uniformly in radius inside the disc, half in the ring.
    The label is "is the (noise-jittered) point within radius 2.5?", so with noise
    some labels near the gap flip.
    """
    n_samples = positive_int(n_samples, "n_samples", "classify_circle()")
    noise = _check_noise(noise, "classify_circle()")
    rng = get_rng(seed)
    radius = 5.0
    n_in, n_out = _halves(n_samples)
    r = np.concatenate([rng.uniform(0, radius * 0.5, n_in), rng.uniform(radius * 0.7, radius, n_out)])
    angle = rng.uniform(0, 2 * np.pi, n_samples)
    points = np.stack([r * np.sin(angle), r * np.cos(angle)], axis=1)
    jitter = rng.uniform(-radius, radius, (n_samples, 2)) * noise
    labels = np.hypot(*(points + jitter).T) < radius * 0.5
    return _finish(points, labels, rng)


def classify_xor(n_samples=500, noise=0.0, seed=None):
    """Four squares: class 1 where x1 and x2 have the same sign, class 0 where they differ.

    Coordinates are uniform in [-5, 5], pushed 0.3 away from the axes to leave a
    visible gap; the label is ``x1 * x2 >= 0`` of the noise-jittered point.
    """
    n_samples = positive_int(n_samples, "n_samples", "classify_xor()")
    noise = _check_noise(noise, "classify_xor()")
    rng = get_rng(seed)
    points = rng.uniform(-5, 5, (n_samples, 2))
    points += np.where(points > 0, 0.3, -0.3)  # the gap along the axes
    jitter = rng.uniform(-5, 5, (n_samples, 2)) * noise
    labels = np.prod(points + jitter, axis=1) >= 0
    return _finish(points, labels, rng)


def classify_two_gauss(n_samples=500, noise=0.0, seed=None):
    """Two Gaussian blobs: class 1 around (2, 2), class 0 around (-2, -2).

    The variance of each coordinate grows linearly with noise, from 0.5 at
    noise=0 to 4 at noise=0.5, so the blobs overlap more and more.
    """
    n_samples = positive_int(n_samples, "n_samples", "classify_two_gauss()")
    noise = _check_noise(noise, "classify_two_gauss()")
    rng = get_rng(seed)
    variance = 0.5 + noise * (4 - 0.5) / 0.5
    n_pos, n_neg = _halves(n_samples)
    centres = np.repeat([[2.0, 2.0], [-2.0, -2.0]], [n_pos, n_neg], axis=0)
    points = centres + np.sqrt(variance) * rng.standard_normal((n_samples, 2))
    labels = np.repeat([1, 0], [n_pos, n_neg])
    return _finish(points, labels, rng)


def classify_spiral(n_samples=500, noise=0.0, seed=None):
    """Two interleaved spirals, 1.75 turns each: class 1 and, rotated by 180 degrees, class 0.

    Points are evenly spaced along each arm (radius 0 to 5); noise adds a uniform
    jitter in [-noise, noise] to each coordinate.
    """
    n_samples = positive_int(n_samples, "n_samples", "classify_spiral()")
    noise = _check_noise(noise, "classify_spiral()")
    rng = get_rng(seed)
    arms = []
    for count, turn in zip(_halves(n_samples), (0.0, np.pi)):
        step = np.arange(count) / count
        r, t = step * 5, 1.75 * step * 2 * np.pi + turn
        arms.append(np.stack([r * np.sin(t), r * np.cos(t)], axis=1))
    points = np.concatenate(arms)
    points += rng.uniform(-1, 1, points.shape) * noise
    labels = np.repeat([1, 0], [len(arms[0]), len(arms[1])])
    return _finish(points, labels, rng)


def regress_plane(n_samples=500, noise=0.0, seed=None):
    """Target ``(x1 + x2) / 10`` on points uniform in [-6, 6]^2 (a tilted plane, about [-1.2, 1.2]).

    The target is computed at the noise-jittered point, so noise makes it blurry.
    """
    n_samples = positive_int(n_samples, "n_samples", "regress_plane()")
    noise = _check_noise(noise, "regress_plane()")
    rng = get_rng(seed)
    points = rng.uniform(-6, 6, (n_samples, 2))
    jitter = rng.uniform(-6, 6, (n_samples, 2)) * noise
    target = (points + jitter).sum(axis=1) / 10
    return _finish(points, target, rng, label_dtype=np.float32)


def regress_gaussian(n_samples=500, noise=0.0, seed=None):
    """Six bumps in a 3x2 grid, alternately +1 and -1 at their centres, falling to 0 at distance 2.

    Points are uniform in [-6, 6]^2. The target is the bump with the largest
    absolute value at the (noise-jittered) point: ``sign * max(0, 1 - distance / 2)``.
    """
    n_samples = positive_int(n_samples, "n_samples", "regress_gaussian()")
    noise = _check_noise(noise, "regress_gaussian()")
    rng = get_rng(seed)
    points = rng.uniform(-6, 6, (n_samples, 2))
    jitter = rng.uniform(-6, 6, (n_samples, 2)) * noise
    centres = np.array([[-4, 2.5], [0, 2.5], [4, 2.5], [-4, -2.5], [0, -2.5], [4, -2.5]])
    signs = np.array([1, -1, 1, -1, 1, -1])
    distance = np.linalg.norm((points + jitter)[:, None, :] - centres[None], axis=2)  # (n, 6)
    bumps = signs * np.clip(1 - distance / 2, 0, 1)
    target = bumps[np.arange(n_samples), np.argmax(np.abs(bumps), axis=1)]
    return _finish(points, target, rng, label_dtype=np.float32)


_PLAYGROUND = {
    "circle": classify_circle,
    "xor": classify_xor,
    "gauss": classify_two_gauss,
    "spiral": classify_spiral,
    "plane": regress_plane,
    "multi_gauss": regress_gaussian,
}


def playground(name, n_samples=500, noise=0.0, seed=None):
    """One of TensorFlow Playground's data sets: ``(X, y)``.

    Args:
      name: ``"circle"``, ``"xor"``, ``"gauss"``, ``"spiral"`` (classification,
        ``y`` in {0, 1}) or ``"plane"``, ``"multi_gauss"`` (regression, ``y`` float).
      n_samples: number of points (Playground uses 500 for classification).
      noise: Playground's noise slider divided by 100, from 0 to 0.5.
      seed: int, ``numpy.random.Generator``, or None for learnnet's global generator.

    Returns:
      ``X`` float32 ``(n_samples, 2)`` and ``y`` ``(n_samples,)``: int64 labels 0/1
      (Playground's -1 is 0, +1 is 1) or float32 targets in about [-1, 1].
    """
    if name not in _PLAYGROUND:
        close = difflib.get_close_matches(str(name), PLAYGROUND_NAMES, n=1)
        hint = f" Did you mean {close[0]!r}?" if close else ""
        raise ValueError(
            f"Received an invalid value for `name`, expected one of {', '.join(map(repr, PLAYGROUND_NAMES))}. "
            f"Received: name={name!r}.{hint}"
        )
    return _PLAYGROUND[name](n_samples, noise, seed)


def make_moons(n_samples=500, noise=0.1, seed=None):
    """Two interleaving half circles (scikit-learn's ``make_moons``), classes 0 and 1.

    Class 0 is the upper arc ``(cos t, sin t)``, class 1 the lower arc
    ``(1 - cos t, 0.5 - sin t)``, ``t`` evenly spaced in [0, pi]; then Gaussian noise
    with standard deviation ``noise`` is added to every coordinate.
    """
    n_samples = positive_int(n_samples, "n_samples", "make_moons()")
    noise = check_number(noise, "noise", "make_moons()")
    rng = get_rng(seed)
    n_upper = n_samples // 2  # as scikit-learn: the lower moon gets the odd point
    n_lower = n_samples - n_upper
    t_upper, t_lower = np.linspace(0, np.pi, n_upper), np.linspace(0, np.pi, n_lower)
    upper = np.stack([np.cos(t_upper), np.sin(t_upper)], axis=1)
    lower = np.stack([1 - np.cos(t_lower), 0.5 - np.sin(t_lower)], axis=1)
    points = np.concatenate([upper, lower])
    if noise > 0:
        points += noise * rng.standard_normal(points.shape)
    labels = np.repeat([0, 1], [n_upper, n_lower])
    return _finish(points, labels, rng)


def make_spiral(n_samples=300, n_classes=3, noise=0.2, seed=None):
    """``n_classes`` spiral arms around the origin, one class each (the cs231n spiral).

    Arm ``k`` has points at radius ``r`` evenly spaced in [0, 1] and angle
    ``t = 4 * (k + r)`` radians (each arm sweeps 4 radians, the arms start 4 rad
    apart); noise is the standard deviation of Gaussian noise added to the *angle*.
    A point is ``(r sin t, r cos t)``. Classes are balanced (the first classes get
    one more point when ``n_samples`` does not divide evenly). No straight line
    separates the arms: a good first test for a hidden layer.
    """
    who = "make_spiral()"
    n_samples = positive_int(n_samples, "n_samples", who)
    n_classes = positive_int(n_classes, "n_classes", who)
    noise = check_number(noise, "noise", who)
    rng = get_rng(seed)
    counts = np.full(n_classes, n_samples // n_classes) + (np.arange(n_classes) < n_samples % n_classes)
    labels = np.repeat(np.arange(n_classes), counts)
    r = np.concatenate([np.linspace(0, 1, count) for count in counts])
    t = 4 * (labels + r) + noise * rng.standard_normal(n_samples)
    points = np.stack([r * np.sin(t), r * np.cos(t)], axis=1)
    return _finish(points, labels, rng)
