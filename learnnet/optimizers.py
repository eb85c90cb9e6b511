r"""Optimizers: how a gradient becomes a step, with Keras 3's rules and defaults.

Training repeats one move: compute the gradient ``g = dL/dw`` of the loss for each
weight ``w``, then step downhill. The optimizers differ only in how they turn ``g``
into a step (``lr`` is ``learning_rate``; every operation is element by element)::

    SGD       w = w - lr * g                       (momentum: a running velocity)
    RMSprop   v = rho * v + (1 - rho) * g**2       w = w - lr * g / sqrt(v + epsilon)
    Adagrad   a = a + g**2                         w = w - lr * g / sqrt(a + epsilon)
    Adam      m, v = running means of g and g**2   w = w - alpha_t * m / (sqrt(v) + epsilon)

Usage, as in Keras::

    opt = Adam(learning_rate=1e-3)              # or Adam(lr=1e-3), or optimizers.get("adam")
    opt.apply_gradients(layer.grads_and_vars()) # [(gradient, weight), ...]: weights change in place

What every optimizer shares lives in ``Optimizer``:

- ``apply_gradients`` checks every pair first (shapes, finite numbers), so a call that
  fails changes no weight and no state; then it clips the gradients if asked
  (``clipnorm``, ``clipvalue`` or ``global_clipnorm``), calls ``update`` once per weight,
  and adds 1 to ``iterations``.
- Each weight's own memory (momentum, running averages) is a small dict of arrays of the
  weight's shape and dtype, created the first time the weight is seen.
- ``get_config``/``from_config`` save the settings; ``get_state``/``set_state`` save the
  memory, so training can stop and resume exactly where it was.
"""
import difflib
import math
import numbers
import warnings

import numpy as np

from ._checks import as_float_array, describe


def _number(value, name, expected, ok):
    """``float(value)`` if it is a number and ``ok(value)``; otherwise an error in Keras's words."""
    shown = value if isinstance(value, numbers.Number) else repr(value)
    message = f"Received an invalid value for `{name}`, expected {expected}. Received: {name}={shown}"
    if isinstance(value, bool) or not isinstance(value, numbers.Real):
        raise TypeError(message)
    value = float(value)
    if not (math.isfinite(value) and ok(value)):
        raise ValueError(message)
    return value


def _flag(value, name):
    if not isinstance(value, (bool, np.bool_)):
        raise TypeError(f"Received an invalid value for `{name}`, expected True or False. Received: {name}={value!r}")
    return bool(value)


class _Default(float):
    """A default learning rate the user did not type, so that ``lr=`` can tell "both given" apart."""


class Optimizer:
    """Base class: the machinery every optimizer shares.

    A subclass writes two short methods:

    - ``init_state(param)``: a dict of the arrays this optimizer remembers for one weight;
    - ``update(param, grad, state)``: the update rule, changing ``param`` and ``state`` in place.

    Args (taken by every optimizer):
        learning_rate: the step size, a number >= 0.
        lr: another name for ``learning_rate`` (older Keras code writes ``Adam(lr=1e-4)``).
        clipnorm: if set, each gradient ``g`` is rescaled to ``g * clipnorm / max(||g||, clipnorm)``,
            so its own L2 norm is at most ``clipnorm``.
        clipvalue: if set, each gradient is clipped element by element to ``[-clipvalue, clipvalue]``.
        global_clipnorm: if set, all gradients are rescaled by the same factor
            ``global_clipnorm / max(N, global_clipnorm)``, with ``N`` the L2 norm of all of
            them together, so that norm is at most ``global_clipnorm``.
            As in Keras, at most one of the three clipping options may be set.
        name: a name for the optimizer (saved in its config).

    Attributes:
        iterations: how many times ``apply_gradients`` has run (Adam's step ``t`` is ``iterations + 1``).
    """

    def __init__(self, learning_rate, lr=None, clipnorm=None, clipvalue=None, global_clipnorm=None, name=None):
        if lr is not None:
            if not isinstance(learning_rate, _Default):
                raise TypeError(
                    f"`lr` is another name for `learning_rate`; give only one of them. "
                    f"Received: learning_rate={learning_rate}, lr={lr}"
                )
            learning_rate = lr
        self.learning_rate = learning_rate  # checked by the property below
        clips = {"clipnorm": clipnorm, "clipvalue": clipvalue, "global_clipnorm": global_clipnorm}
        if sum(v is not None for v in clips.values()) > 1:
            raise ValueError(
                "Only one of `clipnorm`, `clipvalue` and `global_clipnorm` can be set. "
                f"Received: clipnorm={clipnorm}, clipvalue={clipvalue}, global_clipnorm={global_clipnorm}"
            )
        for key, value in clips.items():
            if value is not None:
                clips[key] = _number(value, key, "a positive number", lambda x: x > 0)
        self.clipnorm, self.clipvalue, self.global_clipnorm = clips.values()
        self.name = name or type(self).__name__.lower()
        self.iterations = 0
        # id(param) -> (param, state). Keeping the param itself alive means its id is never
        # reused by a new array. A dict keeps insertion order: the order params were first seen.
        self._slots = {}
        self._flat_weights = None   # the FlatWeights that holds the state, if fit made one

    # ------------------------------------------------------------ settings
    @property
    def learning_rate(self):
        return self._learning_rate

    @learning_rate.setter
    def learning_rate(self, value):
        self._learning_rate = _number(value, "learning_rate", "a number >= 0", lambda x: x >= 0)

    lr = learning_rate  # the old Keras name, for reading and setting

    def get_config(self):
        """The settings, as a dict of plain Python values: ``type(opt).from_config(config)`` rebuilds it."""
        return {
            "name": self.name,
            "learning_rate": self.learning_rate,
            "clipnorm": self.clipnorm,
            "clipvalue": self.clipvalue,
            "global_clipnorm": self.global_clipnorm,
        }

    # Keras's own configs carry options learnnet does not implement; their "off" values are harmless.
    _KERAS_ONLY = {"weight_decay": None, "use_ema": False, "ema_momentum": 0.99, "ema_overwrite_frequency": None,
                   "loss_scale_factor": None, "gradient_accumulation_steps": None}

    @classmethod
    def from_config(cls, config):
        """A new optimizer (with no state yet) from ``get_config``'s output, or from a Keras config."""
        config = dict(config)
        for key, off in cls._KERAS_ONLY.items():
            if key in config and config.pop(key) not in (off, None):
                raise ValueError(f"learnnet's optimizers do not implement Keras's `{key}`; set it to {off!r}.")
        return cls(**config)

    def __repr__(self):
        return f"{type(self).__name__}({', '.join(f'{k}={v!r}' for k, v in self.get_config().items())})"

    # ------------------------------------------------------------- the rule
    def init_state(self, param):
        """The arrays remembered for ``param`` (all of ``param``'s shape and dtype): none by default."""
        return {}

    def update(self, param, grad, state):
        """Change ``param`` (and ``state``) in place, using this step's ``grad``."""
        raise NotImplementedError

    # ------------------------------------------------------------ the step
    def apply_gradients(self, grads_and_vars, check_finite=True):
        """Update each weight in place from its gradient: ``grads_and_vars = [(grad, param), ...]``.

        Everything is checked before anything changes. Returns ``iterations``.
        ``check_finite=False`` skips looking for NaN or infinity in the gradients: ``fit`` does so,
        since it has already checked that the loss they come from is finite.
        """
        pairs = self._check_pairs(grads_and_vars, check_finite)
        if not pairs:
            return self.iterations
        grads = self._clip([g for g, _ in pairs])
        for grad, (_, param) in zip(grads, pairs):
            self.update(param, grad, self._state_of(param))
        self.iterations += 1
        return self.iterations

    def _check_pairs(self, grads_and_vars, check_finite=True):
        """``[(grad, param), ...]`` with each grad a finite array of its param's shape and dtype.

        As in Keras, a ``None`` gradient skips its parameter, with a warning.
        """
        pairs, seen, missing = [], set(), []
        for i, pair in enumerate(grads_and_vars):
            try:
                grad, param = pair
            except (TypeError, ValueError):
                raise TypeError(
                    f"`apply_gradients` takes a list of (gradient, parameter) pairs; item {i} is {describe(pair)}"
                ) from None
            _check_param(param, i)
            if grad is None:
                missing.append(i)
                continue
            if id(param) in seen:
                raise ValueError(f"Parameter {i} appears twice in the same `apply_gradients` call.")
            seen.add(id(param))
            grad = as_float_array(grad, f"gradient {i}", dtype=param.dtype, allow_nonfinite=True)
            if grad.shape != param.shape:
                raise ValueError(
                    f"Gradient {i} has shape {grad.shape} but its parameter has shape {param.shape}; "
                    "each gradient must have the shape of its parameter."
                )
            if check_finite and not np.isfinite(grad).all():
                where = tuple(int(k) for k in np.argwhere(~np.isfinite(grad))[0])
                raise ValueError(
                    f"Gradient {i} contains NaN or infinity (first at index {where}); no parameter was changed. "
                    "The loss has probably diverged: try a smaller learning_rate, or clip the gradients (clipnorm=1.0)."
                )
            pairs.append((grad, param))
        if missing and not pairs:
            raise ValueError("No gradients provided for any variable.")
        if missing:
            warnings.warn(f"Gradients do not exist for parameters {missing}; they were not updated.", stacklevel=3)
        return pairs

    def _clip(self, grads):
        """Keras's gradient clipping (new arrays; the caller's gradients are left alone)."""
        if self.clipnorm is not None:
            return [g * (self.clipnorm / max(_l2_norm(g), self.clipnorm)) for g in grads]
        if self.global_clipnorm is not None:
            total = math.sqrt(sum(_l2_norm(g) ** 2 for g in grads))
            return [g * (self.global_clipnorm / max(total, self.global_clipnorm)) for g in grads]
        if self.clipvalue is not None:
            return [np.clip(g, -self.clipvalue, self.clipvalue) for g in grads]
        return grads

    def _state_of(self, param):
        if id(param) not in self._slots:
            self._slots[id(param)] = (param, self.init_state(param))
        return self._slots[id(param)][1]

    # ------------------------------------------- many weights in one call
    def flat_weights(self, params):
        """``FlatWeights`` for ``params`` (``fit``'s weights, in the same order every step), or None.

        Only for the built-in rules: each treats every number on its own, so it gives the same
        numbers on all the weights laid end to end in one long array as weight by weight."""
        params = list(params)
        if type(self).update not in _ELEMENTWISE_RULES or len(params) < 2 or len({p.dtype for p in params}) != 1:
            return None
        for i, param in enumerate(params):
            _check_param(param, i)
        current = self._flat_weights
        if (current is not None and current.slots is self._slots and len(current.params) == len(params)
                and all(a is b for a, b in zip(current.params, params))):
            return current                          # the same weights as the last fit: already laid out
        return FlatWeights(self, params)

    # --------------------------------------------------- saving and loading
    def build(self, params):
        """Create the state of ``params`` now, in this order (``apply_gradients`` otherwise does it lazily)."""
        params = list(params)
        for i, param in enumerate(params):
            _check_param(param, i)
        for param in params:
            self._state_of(param)

    @property
    def variables(self):
        """The state arrays themselves (not copies), in the order of ``get_state()[1:]``."""
        return [array for _, state in self._slots.values() for array in state.values()]

    def get_state(self):
        """Everything the optimizer has learned, as a list of arrays (copies) to save with the model.

        ``[iterations, *state of the 1st param, *state of the 2nd param, ...]``: ``iterations`` as a
        0-d int64 array, then each param's arrays (in ``init_state``'s order), params in the order
        they were first seen by ``apply_gradients`` (or given to ``build``). The settings
        (learning rate, ...) are in ``get_config``.
        """
        return [np.array(self.iterations, dtype=np.int64)] + [array.copy() for array in self.variables]

    def set_state(self, state, params=None):
        """Restore ``get_state``'s output. ``params``: the weights it belongs to, in first-seen order.

        A fresh optimizer (say, for a model just loaded from disk) needs ``params``; one that
        already tracks its weights does not. Values are copied into the state arrays in place;
        if any check fails, nothing changes.
        """
        slots = self._slots
        if params is not None:
            params = list(params)
            for i, param in enumerate(params):
                _check_param(param, i)
            if not slots:
                slots = {id(p): (p, self.init_state(p)) for p in params}
            elif [id(p) for p, _ in slots.values()] != [id(p) for p in params]:
                raise ValueError("`params` must be the parameters this optimizer already tracks, in the same order.")
        targets = [array for _, s in slots.values() for array in s.values()]
        state = list(state)
        if len(state) != 1 + len(targets):
            raise ValueError(
                f"This optimizer has {1 + len(targets)} state arrays (iterations + {len(targets)}) "
                f"but received {len(state)}. Was the state saved from the same optimizer settings and model?"
            )
        iterations = np.asarray(state[0])
        if iterations.shape != () or not np.issubdtype(iterations.dtype, np.integer) or iterations < 0:
            raise ValueError(f"state[0] must be the iteration count, an integer >= 0; received {describe(state[0])}")
        values = [as_float_array(v, f"state[{i}]") for i, v in enumerate(state[1:], start=1)]
        for i, (target, value) in enumerate(zip(targets, values), start=1):
            if value.shape != target.shape:
                raise ValueError(f"state[{i}] has shape {value.shape} but the optimizer expects {target.shape}.")
        self._slots = slots
        self.iterations = int(iterations)
        for target, value in zip(targets, values):
            target[...] = value


class FlatWeights:
    """Run an element-by-element rule once on many weights, laid end to end in one array.

    A small model's weights are many small arrays, and NumPy costs about a microsecond per
    call whatever the size: Adam's dozen operations for each of an MLP's six weights cost more
    than the arithmetic. ``fit`` builds one ``FlatWeights`` per run and each step then copies
    the gradients and weights into two long arrays, calls ``update`` *once* on them, and copies
    the weights back: the same operations on the same numbers (the rule treats every number on
    its own), with a fixed handful of NumPy calls. The rule's memory (``m``, ``v``...) lives
    in long arrays too; each weight's state dict holds views of its part, so ``get_state``,
    ``set_state`` and ``apply_gradients`` see the same numbers.
    """

    def __init__(self, optimizer, params):
        self.optimizer, self.params = optimizer, params
        self.shapes = [p.shape for p in params]
        ends = np.cumsum([p.size for p in params]).tolist()
        self.spans = list(zip([0] + ends[:-1], ends))
        dtype = params[0].dtype
        self.param, self.grad = np.empty(ends[-1], dtype), np.empty(ends[-1], dtype)
        self.param_views = [self.param[a:b].reshape(p.shape) for (a, b), p in zip(self.spans, params)]
        states = [optimizer._state_of(p) for p in params]
        self.state = {}
        for key in states[0]:
            arrays = [s[key] for s in states]
            flat = np.concatenate([a.ravel() for a in arrays]).astype(dtype, copy=False)
            for s, (a, b), p in zip(states, self.spans, params):
                s[key] = flat[a:b].reshape(p.shape)     # the same numbers, now a view of the long array
            self.state[key] = flat
        self.slots = optimizer._slots
        optimizer._flat_weights = self              # the latest layout of the state wins

    def usable(self, grads):
        """True if ``grads`` (one per weight) can go through ``apply``: none missing, shapes
        right, and the optimizer still keeps its state in these arrays."""
        optimizer = self.optimizer
        return (optimizer._flat_weights is self and optimizer._slots is self.slots
                and [None if g is None else g.shape for g in grads] == self.shapes)

    def apply(self, grads):
        """``optimizer.apply_gradients(zip(grads, params))`` for checked, finite gradients."""
        grads = self.optimizer._clip(grads)
        np.concatenate([g.ravel() for g in grads], out=self.grad, casting="same_kind")
        np.concatenate([p.ravel() for p in self.params], out=self.param)   # a callback may have set weights
        self.optimizer.update(self.param, self.grad, self.state)
        for param, new in zip(self.params, self.param_views):
            param[...] = new
        self.optimizer.iterations += 1
        return self.optimizer.iterations


def _check_param(param, i):
    """A parameter must be a float NumPy array that can be changed in place."""
    if not isinstance(param, np.ndarray) or param.dtype.kind != "f":   # kind "f": a floating-point dtype
        raise TypeError(
            f"Parameter {i} must be a NumPy array of floats, updated in place; received {describe(param)}"
        )
    if not param.flags.writeable:
        raise ValueError(f"Parameter {i} is a read-only array; an optimizer must change it in place.")


def _l2_norm(g):
    """sqrt(sum of squares), summed in float64 so that large float32 gradients do not overflow."""
    return math.sqrt(float(np.sum(np.square(g, dtype=np.float64))))


class SGD(Optimizer):
    """Gradient descent, with optional (Nesterov) momentum: Keras's ``SGD``.

    With ``momentum == 0``::

        w = w - learning_rate * g

    With ``momentum > 0``, a velocity ``v`` (starting at 0) remembers past steps::

        v = momentum * v - learning_rate * g
        w = w + v

    With ``nesterov=True``, the step looks one velocity ahead::

        v = momentum * v - learning_rate * g
        w = w + momentum * v - learning_rate * g

    Args:
        learning_rate: defaults to 0.01.
        momentum: a number in [0, 1]; 0 (the default) is plain gradient descent.
        nesterov: whether to use Nesterov momentum. Defaults to False.
        lr, clipnorm, clipvalue, global_clipnorm, name: see ``Optimizer``.
    """

    def __init__(self, learning_rate=_Default(0.01), momentum=0.0, nesterov=False, **kwargs):
        super().__init__(learning_rate, **kwargs)
        self.momentum = _number(momentum, "momentum", "a number in [0, 1]", lambda x: 0 <= x <= 1)
        self.nesterov = _flag(nesterov, "nesterov")

    def init_state(self, param):
        return {"momentum": np.zeros_like(param)} if self.momentum > 0 else {}

    def update(self, param, grad, state):
        lr, mu = self.learning_rate, self.momentum
        if mu == 0:
            param -= lr * grad
            return
        v = state["momentum"]
        v *= mu
        v -= lr * grad               # v = mu * v - lr * g
        if self.nesterov:
            param += mu * v - lr * grad
        else:
            param += v

    def get_config(self):
        return {**super().get_config(), "momentum": self.momentum, "nesterov": self.nesterov}


class RMSprop(Optimizer):
    """RMSprop: divide each step by a running root-mean-square of the gradients (Keras's ``RMSprop``).

    A running mean of the squared gradient ``v`` (starting at 0) sets each weight's own scale::

        v = rho * v + (1 - rho) * g**2
        step = learning_rate * g / sqrt(v + epsilon)          # epsilon inside the square root
        w = w - step

    With ``centered=True``, a running mean of the gradient ``a`` is subtracted, so the
    scale is the gradient's variance rather than its second moment::

        a = rho * a + (1 - rho) * g
        step = learning_rate * g / sqrt(v - a**2 + epsilon)

    With ``momentum > 0``, the steps are accumulated (plain momentum, not Nesterov)::

        s = momentum * s + step
        w = w - s

    Args:
        learning_rate: defaults to 0.001.
        rho: how much of the old average to keep, in [0, 1]. Defaults to 0.9.
        momentum: in [0, 1]. Defaults to 0.0.
        epsilon: a small positive number that keeps the division finite. Defaults to 1e-7.
        centered: defaults to False.
        lr, clipnorm, clipvalue, global_clipnorm, name: see ``Optimizer``.
    """

    def __init__(self, learning_rate=_Default(0.001), rho=0.9, momentum=0.0, epsilon=1e-7, centered=False, **kwargs):
        super().__init__(learning_rate, **kwargs)
        self.rho = _number(rho, "rho", "a number in [0, 1]", lambda x: 0 <= x <= 1)
        self.momentum = _number(momentum, "momentum", "a number in [0, 1]", lambda x: 0 <= x <= 1)
        self.epsilon = _number(epsilon, "epsilon", "a positive number", lambda x: x > 0)
        self.centered = _flag(centered, "centered")

    def init_state(self, param):
        state = {"velocity": np.zeros_like(param)}
        if self.momentum > 0:
            state["momentum"] = np.zeros_like(param)
        if self.centered:
            state["average_gradient"] = np.zeros_like(param)
        return state

    def update(self, param, grad, state):
        rho, v = self.rho, state["velocity"]
        v *= rho
        v += (1 - rho) * grad**2
        if self.centered:
            a = state["average_gradient"]
            a *= rho
            a += (1 - rho) * grad
            step = self.learning_rate * grad / np.sqrt(v - a**2 + self.epsilon)
        else:
            step = self.learning_rate * grad / np.sqrt(v + self.epsilon)
        if self.momentum > 0:
            s = state["momentum"]
            s *= self.momentum
            s += step
            param -= s
        else:
            param -= step

    def get_config(self):
        return {**super().get_config(), "rho": self.rho, "momentum": self.momentum,
                "epsilon": self.epsilon, "centered": self.centered}


class Adagrad(Optimizer):
    """Adagrad: each weight's step shrinks as its squared gradients add up (Keras's ``Adagrad``).

    The accumulator ``a`` starts at ``initial_accumulator_value``::

        a = a + g**2
        w = w - learning_rate * g / sqrt(a + epsilon)         # epsilon inside the square root

    Weights that often get large gradients take smaller and smaller steps; rarely
    updated weights keep larger ones.

    Args:
        learning_rate: defaults to 0.001 (Adagrad often wants more; the paper's form is 1.0).
        initial_accumulator_value: the accumulator's start, a number >= 0. Defaults to 0.1.
        epsilon: a small positive number. Defaults to 1e-7.
        lr, clipnorm, clipvalue, global_clipnorm, name: see ``Optimizer``.
    """

    def __init__(self, learning_rate=_Default(0.001), initial_accumulator_value=0.1, epsilon=1e-7, **kwargs):
        super().__init__(learning_rate, **kwargs)
        self.initial_accumulator_value = _number(
            initial_accumulator_value, "initial_accumulator_value", "a number >= 0", lambda x: x >= 0
        )
        self.epsilon = _number(epsilon, "epsilon", "a positive number", lambda x: x > 0)

    def init_state(self, param):
        return {"accumulator": np.full_like(param, self.initial_accumulator_value)}

    def update(self, param, grad, state):
        a = state["accumulator"]
        a += grad**2
        param -= self.learning_rate * grad / np.sqrt(a + self.epsilon)

    def get_config(self):
        return {**super().get_config(), "initial_accumulator_value": self.initial_accumulator_value,
                "epsilon": self.epsilon}


class Adam(Optimizer):
    """Adam: momentum plus RMSprop's per-weight scale, with bias correction (Keras's ``Adam``).

    Running means of the gradient ``m`` and of its square ``v`` start at 0; at step
    ``t = 1, 2, ...`` (``t = iterations + 1``)::

        m = beta_1 * m + (1 - beta_1) * g
        v = beta_2 * v + (1 - beta_2) * g**2
        alpha_t = learning_rate * sqrt(1 - beta_2**t) / (1 - beta_1**t)
        w = w - alpha_t * m / (sqrt(v) + epsilon)               # epsilon outside the square root

    ``alpha_t`` undoes the pull of the zero start towards 0 (the paper's ``m_hat``, ``v_hat``),
    so the very first step moves each weight by about ``learning_rate``. As in Keras,
    ``epsilon`` is the paper's "epsilon hat", added after the correction.

    With ``amsgrad=True``, the largest ``v`` so far is used instead of ``v``::

        v_hat = maximum(v_hat, v)
        w = w - alpha_t * m / (sqrt(v_hat) + epsilon)

    Args:
        learning_rate: defaults to 0.001.
        beta_1: decay of the mean of ``g``, in [0, 1). Defaults to 0.9.
        beta_2: decay of the mean of ``g**2``, in [0, 1). Defaults to 0.999.
        epsilon: a small positive number. Defaults to 1e-7.
        amsgrad: defaults to False.
        lr, clipnorm, clipvalue, global_clipnorm, name: see ``Optimizer``.
    """

    def __init__(self, learning_rate=_Default(0.001), beta_1=0.9, beta_2=0.999, epsilon=1e-7, amsgrad=False,
                 **kwargs):
        super().__init__(learning_rate, **kwargs)
        self.beta_1 = _number(beta_1, "beta_1", "a number in [0, 1)", lambda x: 0 <= x < 1)
        self.beta_2 = _number(beta_2, "beta_2", "a number in [0, 1)", lambda x: 0 <= x < 1)
        self.epsilon = _number(epsilon, "epsilon", "a positive number", lambda x: x > 0)
        self.amsgrad = _flag(amsgrad, "amsgrad")

    def init_state(self, param):
        state = {"momentum": np.zeros_like(param), "velocity": np.zeros_like(param)}
        if self.amsgrad:
            state["velocity_hat"] = np.zeros_like(param)
        return state

    def update(self, param, grad, state):
        m, v = state["momentum"], state["velocity"]
        t = self.iterations + 1
        alpha = self.learning_rate * math.sqrt(1 - self.beta_2**t) / (1 - self.beta_1**t)
        m += (1 - self.beta_1) * (grad - m)       # = beta_1 * m + (1 - beta_1) * g
        v += (1 - self.beta_2) * (grad**2 - v)    # = beta_2 * v + (1 - beta_2) * g**2
        if self.amsgrad:
            np.maximum(state["velocity_hat"], v, out=state["velocity_hat"])
            v = state["velocity_hat"]
        param -= alpha * m / (np.sqrt(v) + self.epsilon)

    def get_config(self):
        return {**super().get_config(), "beta_1": self.beta_1, "beta_2": self.beta_2,
                "epsilon": self.epsilon, "amsgrad": self.amsgrad}


_ELEMENTWISE_RULES = {SGD.update, RMSprop.update, Adagrad.update, Adam.update}   # see Optimizer.flat_weights

# Keras's names: lower-case class names (get and deserialize ignore case).
ALL = {cls.__name__.lower(): cls for cls in (SGD, RMSprop, Adagrad, Adam)}


def get(identifier):
    """An optimizer from a name (``"adam"``, ``"Adam"``, ``"ADAM"``), a class, a config dict or an object.

    An object is returned as it is (with its state); a name or class gives a new one with
    Keras's defaults. ``None`` gives ``None``, as in Keras.
    """
    if identifier is None or isinstance(identifier, Optimizer):
        return identifier
    if isinstance(identifier, type) and issubclass(identifier, Optimizer):
        return identifier()
    if isinstance(identifier, dict):
        return deserialize(identifier)
    if isinstance(identifier, str):
        return _class_named(identifier)()
    raise TypeError(
        f"Could not interpret optimizer identifier: {identifier!r}. "
        "Expected a name such as 'adam', an Optimizer class or object, or a config dict."
    )


def _class_named(name):
    key = name.lower()
    if key in ALL:
        return ALL[key]
    close = difflib.get_close_matches(key, ALL, n=1)
    hint = f" Did you mean {close[0]!r}?" if close else ""
    raise ValueError(f"Unknown optimizer {name!r}. Valid names: {', '.join(sorted(ALL))}.{hint}")


def serialize(optimizer):
    """The optimizer's settings as a JSON-friendly dict (its state is saved with ``get_state``)."""
    return {"class_name": type(optimizer).__name__, "config": optimizer.get_config()}


def deserialize(config):
    """A new optimizer from ``serialize``'s output (or from a name)."""
    if isinstance(config, str):
        return get(config)
    return _class_named(config["class_name"]).from_config(config.get("config", {}))
