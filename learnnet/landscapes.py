r"""Loss landscapes: losses of just two parameters, so gradient descent can be watched on a map.

A real network has thousands of weights, so its loss cannot be drawn. With two
parameters :math:`w = (w_1, w_2)` it can: a contour map, with the optimizer's path on it.
Each surface here has

- ``value(w)``: the loss :math:`L(w)`, for one point ``w`` of shape ``(2,)`` or a grid of
  points of shape ``(..., 2)``;
- ``gradient(w)``: :math:`\nabla L = (\partial L/\partial w_1, \partial L/\partial w_2)`, same shapes;
- ``grid(n)``: the loss on an ``n`` x ``n`` grid over the surface's ``bounds``, for a contour plot;
- ``start``, ``minima``, ``bounds``, ``formula`` (LaTeX): where to begin, where the bottom is,
  what region to draw, and the math.

The surfaces (``SURFACES`` maps names to classes, ``get("ravine")`` makes one):

- ``LinearRegressionMSE``: the MSE of a line :math:`\hat y = w x + b` on a small seeded dataset;
- ``Bowl``: :math:`w_1^2 + w_2^2`, the easy case;
- ``Ravine``: a long narrow valley, where plain gradient descent zig-zags;
- ``Saddle``: a saddle point between two valleys, where the gradient almost vanishes;
- ``Rosenbrock``: a curved banana-shaped valley, a classic hard test.

``descend(surface, optimizer, start, steps)`` runs a real ``learnnet.optimizers`` optimizer
on a 2-vector (``optimizer.apply_gradients([(gradient, w)])``, the call ``fit`` makes for
every weight) and returns its ``Trajectory``: the path, the loss at each step, and whether
it diverged. Divergence (a learning rate too large) stops the run cleanly: the path ends
at the last finite point and ``trajectory.diverged`` says why; no NaN, no overflow warning.
"""
import numpy as np

from ._checks import as_float_array, positive_int
from .losses import MeanSquaredError
from .utils import get_rng

DIVERGENCE_BOUND = 1e6  # a parameter further than this from 0 means the run has diverged


def _as_points(w, who):
    """``w`` as a float64 array of shape (..., 2), or a clear error."""
    w = as_float_array(w, "w", dtype=np.float64, allow_nonfinite=True)
    if w.ndim == 0 or w.shape[-1] != 2:
        raise ValueError(
            f"{who} has two parameters, so `w` must have shape (2,) (one point) or (..., 2) "
            f"(a grid of points); received shape {w.shape}."
        )
    return w


class Surface:
    """Base class: a loss :math:`L(w_1, w_2)` with its gradient.

    Subclasses define ``_value(w1, w2)`` and ``_gradient(w1, w2)`` on arrays (broadcast
    element by element), and the attributes below.

    Attributes:
        name: the short name used by ``get``.
        title: a human-readable title.
        formula: the loss in LaTeX.
        bounds: ``((w1_min, w1_max), (w2_min, w2_max))``, the region worth drawing.
        start: a default starting point, shape ``(2,)``.
        minima: the lowest points, shape ``(k, 2)``.
        param_names: what the two parameters are called, for axis labels.
    """

    name = "surface"
    title = "surface"
    formula = ""
    bounds = ((-2.0, 2.0), (-2.0, 2.0))
    start = (1.5, 1.5)
    minima = ((0.0, 0.0),)
    param_names = ("w1", "w2")

    def value(self, w):
        """The loss at ``w`` (shape ``(2,)`` gives a float, ``(..., 2)`` an array of shape ``(...)``)."""
        w = _as_points(w, type(self).__name__)
        out = self._value(w[..., 0], w[..., 1])
        return float(out) if w.ndim == 1 else out

    __call__ = value

    def gradient(self, w):
        r"""The gradient :math:`\nabla L(w)`, shaped like ``w``."""
        w = _as_points(w, type(self).__name__)
        g1, g2 = self._gradient(w[..., 0], w[..., 1])
        return np.stack(np.broadcast_arrays(g1, g2), axis=-1).astype(np.float64)

    def grid(self, n=101):
        """``(W1, W2, L)``: an ``n`` x ``n`` grid over ``bounds`` and the loss at each point."""
        n = positive_int(n, "n", f"{type(self).__name__}.grid")
        (a, b), (c, d) = self.bounds
        W1, W2 = np.meshgrid(np.linspace(a, b, n), np.linspace(c, d, n))
        return W1, W2, self._value(W1, W2)

    def _value(self, w1, w2):
        raise NotImplementedError

    def _gradient(self, w1, w2):
        raise NotImplementedError

    def __repr__(self):
        return f"{type(self).__name__}()"


class Bowl(Surface):
    r"""A round bowl: :math:`L = w_1^2 + w_2^2`, :math:`\nabla L = (2 w_1,\ 2 w_2)`.

    Every direction curves the same way, so the gradient points straight at the bottom.
    Plain gradient descent multiplies :math:`w` by :math:`1 - 2\eta` each step: it converges
    for a learning rate :math:`\eta < 1` and diverges above.
    """

    name = "bowl"
    title = "Bowl"
    formula = r"L = w_1^2 + w_2^2"
    bounds = ((-2.0, 2.0), (-2.0, 2.0))
    start = (-1.6, 1.2)

    def _value(self, w1, w2):
        return w1**2 + w2**2

    def _gradient(self, w1, w2):
        return 2 * w1, 2 * w2


class Ravine(Surface):
    r"""A long narrow valley: :math:`L = 0.1\,w_1^2 + 2\,w_2^2`, :math:`\nabla L = (0.2\,w_1,\ 4\,w_2)`.

    The walls (:math:`w_2`) are 20 times steeper than the floor (:math:`w_1`). A learning
    rate small enough for the walls (:math:`\eta < 0.5`) crawls along the floor, and one
    close to the limit bounces from wall to wall: the zig-zag that momentum smooths out.
    """

    name = "ravine"
    title = "Ravine"
    formula = r"L = 0.1\,w_1^2 + 2\,w_2^2"
    bounds = ((-5.0, 5.0), (-2.0, 2.0))
    start = (-4.5, 1.2)

    def _value(self, w1, w2):
        return 0.1 * w1**2 + 2 * w2**2

    def _gradient(self, w1, w2):
        return 0.2 * w1, 4 * w2


class Saddle(Surface):
    r"""A saddle point between two valleys: :math:`L = \tfrac12 w_1^2 + \tfrac14 (w_2^2 - 1)^2`.

    :math:`\nabla L = (w_1,\ w_2^3 - w_2)`. At :math:`(0, 0)` the gradient is zero, yet it
    is no minimum: :math:`L` curves up along :math:`w_1` and down along :math:`w_2`. The two
    minima are :math:`(0, \pm 1)`, with :math:`L = 0`. Starting near :math:`w_2 = 0` the
    gradient is tiny in the escape direction, so plain gradient descent lingers at the saddle.
    """

    name = "saddle"
    title = "Saddle"
    formula = r"L = \frac{1}{2} w_1^2 + \frac{1}{4} (w_2^2 - 1)^2"
    bounds = ((-2.0, 2.0), (-1.6, 1.6))
    start = (-1.8, 0.02)
    minima = ((0.0, -1.0), (0.0, 1.0))

    def _value(self, w1, w2):
        return 0.5 * w1**2 + 0.25 * (w2**2 - 1) ** 2

    def _gradient(self, w1, w2):
        return w1, w2**3 - w2


class Rosenbrock(Surface):
    r"""Rosenbrock's banana valley: :math:`L = (1 - w_1)^2 + 100\,(w_2 - w_1^2)^2`.

    :math:`\partial L/\partial w_1 = -2(1 - w_1) - 400\,w_1 (w_2 - w_1^2)`,
    :math:`\partial L/\partial w_2 = 200\,(w_2 - w_1^2)`.

    The valley floor :math:`w_2 = w_1^2` is easy to reach and hard to follow: it is flat and
    curved, its walls steep. The minimum is :math:`(1, 1)`, with :math:`L = 0`.
    """

    name = "rosenbrock"
    title = "Rosenbrock"
    formula = r"L = (1 - w_1)^2 + 100\,(w_2 - w_1^2)^2"
    bounds = ((-2.0, 2.0), (-1.0, 3.0))
    start = (-1.2, 1.0)
    minima = ((1.0, 1.0),)

    def _value(self, w1, w2):
        return (1 - w1) ** 2 + 100 * (w2 - w1**2) ** 2

    def _gradient(self, w1, w2):
        return -2 * (1 - w1) - 400 * w1 * (w2 - w1**2), 200 * (w2 - w1**2)


class LinearRegressionMSE(Surface):
    r"""The loss of linear regression: fit :math:`\hat y = w x + b` to ``n`` points by mean squared error.

    .. math:: L(w, b) = \frac1N \sum_{n=1}^{N} (w x_n + b - y_n)^2

    computed with ``learnnet.losses.MeanSquaredError`` on the predictions. By the chain rule,
    with :math:`\partial L/\partial \hat y_n = 2(\hat y_n - y_n)/N` (the loss's own derivative),

    .. math:: \frac{\partial L}{\partial w} = \sum_n \frac{\partial L}{\partial \hat y_n} x_n, \qquad
              \frac{\partial L}{\partial b} = \sum_n \frac{\partial L}{\partial \hat y_n}.

    The data: ``x`` uniform in [0, 2] and ``y = 2x - 1 + noise`` (std 0.3), drawn from ``seed``.
    Because the ``x`` are all positive, ``w`` and ``b`` trade off against each other: the
    contours are tilted ellipses, a ravine that standardising ``x`` would make round.

    Args:
        n: how many data points (default 20).
        seed: the random seed of the data (default 0).
    """

    name = "linear_regression"
    title = "Linear regression (MSE)"
    formula = r"L(w, b) = \frac{1}{N}\sum_n (w x_n + b - y_n)^2"
    bounds = ((-2.0, 5.0), (-4.0, 3.0))
    start = (-1.0, 2.0)
    param_names = ("w", "b")

    def __init__(self, n=20, seed=0):
        self.n = positive_int(n, "n", "LinearRegressionMSE")
        rng = get_rng(seed)
        self.seed = seed
        self.x = rng.uniform(0.0, 2.0, size=self.n)
        self.y = 2.0 * self.x - 1.0 + 0.3 * rng.standard_normal(self.n)
        self.loss = MeanSquaredError()
        design = np.stack([self.x, np.ones(self.n)], axis=1)
        self.minima = (tuple(np.linalg.lstsq(design, self.y, rcond=None)[0]),)  # the least-squares line

    def predict(self, w, b):
        """:math:`\\hat y = w x + b` for every data point (shape ``(..., N)``)."""
        return np.asarray(w)[..., None] * self.x + np.asarray(b)[..., None]

    def _value(self, w, b):
        y_pred = self.predict(w, b)
        rows = y_pred.reshape(-1, self.n)  # one row of predictions per point (w, b)
        y_true = np.broadcast_to(self.y, rows.shape)
        return self.loss.per_sample(y_true, rows).reshape(np.shape(y_pred)[:-1])

    def _gradient(self, w, b):
        y_pred = self.predict(w, b)
        dL_dpred = self.loss.derivative(self.y, y_pred) / self.n  # dL/dy_hat_n = 2(y_hat_n - y_n)/N
        return np.sum(dL_dpred * self.x, axis=-1), np.sum(dL_dpred, axis=-1)

    def __repr__(self):
        return f"LinearRegressionMSE(n={self.n}, seed={self.seed!r})"


SURFACES = {cls.name: cls for cls in (LinearRegressionMSE, Bowl, Ravine, Saddle, Rosenbrock)}


def get(identifier):
    """A surface from its name (``"bowl"``, ``"ravine"``, ...) or a ``Surface`` object (returned as is)."""
    if isinstance(identifier, Surface):
        return identifier
    if isinstance(identifier, str) and identifier.lower() in SURFACES:
        return SURFACES[identifier.lower()]()
    raise ValueError(f"Unknown surface {identifier!r}. Valid names: {', '.join(SURFACES)}.")


class Trajectory:
    """The path of an optimizer over a surface, grown one step at a time.

    ``params`` is the live 2-vector the optimizer updates in place. ``path[k]`` is the point
    after ``k`` steps (``path[0]`` is the start) and ``losses[k]`` its loss.

    A step is refused once the run has stopped. It stops (``diverged = True``, with the
    reason in ``reason``) when the gradient or the new point is not finite, or the point
    leaves the box ``|w_i| <= bound``: beyond it, values would soon overflow.

    Args:
        surface: a ``Surface`` or its name.
        optimizer: a ``learnnet.optimizers`` optimizer (a fresh one: it keeps state).
        start: the starting point, shape ``(2,)``; defaults to ``surface.start``.
        bound: how far from 0 a parameter may go before the run counts as diverged.
    """

    def __init__(self, surface, optimizer, start=None, bound=DIVERGENCE_BOUND):
        self.surface = get(surface)
        if not hasattr(optimizer, "apply_gradients"):
            raise TypeError(
                f"`optimizer` must be a learnnet optimizer such as optimizers.SGD(0.1); received {optimizer!r}"
            )
        self.optimizer = optimizer
        start = self.surface.start if start is None else start
        params = as_float_array(start, "start", dtype=np.float64)
        if params.shape != (2,):
            raise ValueError(f"`start` must be one point (w1, w2) of shape (2,); received shape {params.shape}.")
        self.bound = float(bound)
        self.params = params.copy()
        self._path = [self.params.copy()]
        self._losses = [self.surface.value(self.params)]
        self.diverged = False
        self.reason = None

    @property
    def path(self):
        """Every point visited, shape ``(steps + 1, 2)``."""
        return np.array(self._path)

    @property
    def losses(self):
        """The loss at every point of ``path``, shape ``(steps + 1,)``."""
        return np.array(self._losses)

    @property
    def steps(self):
        """How many steps were taken."""
        return len(self._path) - 1

    def step(self):
        """One optimizer step. Returns False (and changes nothing) if the run has stopped."""
        if self.diverged:
            return False
        with np.errstate(over="ignore", invalid="ignore"):  # overflow is detected below, not warned about
            grad = self.surface.gradient(self.params)
            if not np.all(np.isfinite(grad)):
                return self._stop(f"the gradient became non-finite after {self.steps} steps")
            self.optimizer.apply_gradients([(grad, self.params)])
            if not np.all(np.isfinite(self.params)) or np.max(np.abs(self.params)) > self.bound:
                return self._stop(f"the parameters left |w| <= {self.bound:g} at step {self.steps + 1}")
            loss = self.surface.value(self.params)
            if not np.isfinite(loss):
                return self._stop(f"the loss overflowed at step {self.steps + 1}")
        self._path.append(self.params.copy())
        self._losses.append(loss)
        return True

    def run(self, steps):
        """Take up to ``steps`` more steps (fewer if it diverges). Returns ``self``."""
        if isinstance(steps, bool) or not isinstance(steps, (int, np.integer)) or steps < 0:
            raise ValueError(f"Received an invalid value for `steps`, expected an integer >= 0. Received: steps={steps!r}")
        for _ in range(int(steps)):
            if not self.step():
                break
        return self

    def _stop(self, reason):
        self.diverged = True
        self.reason = f"Diverged: {reason}. Try a smaller learning rate."
        return False

    def __repr__(self):
        state = f"diverged ({self.reason})" if self.diverged else f"loss {self._losses[-1]:.4g}"
        return f"<Trajectory {type(self.optimizer).__name__} on {self.surface.name}: {self.steps} steps, {state}>"


def descend(surface, optimizer, start=None, steps=100, bound=DIVERGENCE_BOUND):
    """Run ``optimizer`` on ``surface`` from ``start`` for ``steps`` steps; return the ``Trajectory``.

    Each step is exactly what training does to every weight::

        grad = surface.gradient(w)
        optimizer.apply_gradients([(grad, w)])   # w changes in place

    Example::

        t = descend("ravine", optimizers.SGD(learning_rate=0.4, momentum=0.9), steps=50)
        t.path, t.losses, t.diverged
    """
    return Trajectory(surface, optimizer, start, bound=bound).run(steps)
