r"""Weight initialisers, with Keras's names and formulas.

Where the first weights come from matters: too large and activations saturate,
too small and the signal fades layer by layer. The ``glorot``/``he``/``lecun``
families scale the spread by the layer's fan-in and fan-out:

=================  ====================================================
glorot_uniform     U(-l, l),  l = sqrt(6 / (fan_in + fan_out))  (Keras's default for kernels)
glorot_normal      truncated N(0, s),  s = sqrt(2 / (fan_in + fan_out))
he_uniform         U(-l, l),  l = sqrt(6 / fan_in)               (for ReLU)
he_normal          truncated N(0, s),  s = sqrt(2 / fan_in)
lecun_uniform      U(-l, l),  l = sqrt(3 / fan_in)
lecun_normal       truncated N(0, s),  s = sqrt(1 / fan_in)
=================  ====================================================

A "truncated" normal redraws values beyond two standard deviations; as in Keras,
its ``s`` is divided by 0.8796... so the truncated spread is still ``s``.

Every initializer takes ``seed``: an integer, a ``numpy.random.Generator``, or
``None`` for learnnet's global generator (see ``learnnet.utils.set_random_seed``).
"""
import numpy as np

from .utils import get_rng

_TRUNCATED_STD = 0.87962566103423978  # std of a unit normal truncated to [-2, 2]


def compute_fans(shape):
    """fan_in and fan_out of a kernel: ``(in, out)`` for Dense, ``(kh, kw, in, out)`` for Conv2D."""
    shape = tuple(shape)
    if len(shape) == 0:
        return 1, 1
    if len(shape) == 1:
        return shape[0], shape[0]
    if len(shape) == 2:
        return shape[0], shape[1]
    receptive_field = int(np.prod(shape[:-2]))
    return shape[-2] * receptive_field, shape[-1] * receptive_field


class Initializer:
    """Base class: ``init(shape, dtype="float32")`` returns a new array."""

    def __init__(self, seed=None):
        self.seed = seed
        # An integer seed starts one generator that later calls continue, as a Keras seeded initializer
        # gives different (but reproducible) values to each layer that shares it.
        self._rng = None if seed is None else get_rng(seed)

    def rng(self):
        return self._rng if self._rng is not None else get_rng(None)

    def __call__(self, shape, dtype="float32"):
        return np.asarray(self.sample(tuple(shape)), dtype=dtype)

    def sample(self, shape):
        raise NotImplementedError

    def get_config(self):
        return {"seed": self.seed} if isinstance(self.seed, (int, type(None))) else {}

    def __repr__(self):
        return f"{type(self).__name__}({', '.join(f'{k}={v!r}' for k, v in self.get_config().items())})"


class Zeros(Initializer):
    def sample(self, shape):
        return np.zeros(shape)

    def get_config(self):
        return {}


class Ones(Initializer):
    def sample(self, shape):
        return np.ones(shape)

    def get_config(self):
        return {}


class Constant(Initializer):
    def __init__(self, value=0.0):
        super().__init__()
        self.value = float(value)

    def sample(self, shape):
        return np.full(shape, self.value)

    def get_config(self):
        return {"value": self.value}


class RandomNormal(Initializer):
    """N(mean, stddev), Keras defaults mean=0.0, stddev=0.05."""

    def __init__(self, mean=0.0, stddev=0.05, seed=None):
        super().__init__(seed)
        self.mean, self.stddev = float(mean), float(stddev)

    def sample(self, shape):
        return self.rng().normal(self.mean, self.stddev, size=shape)

    def get_config(self):
        return {"mean": self.mean, "stddev": self.stddev, **super().get_config()}


class RandomUniform(Initializer):
    """U(minval, maxval), Keras defaults -0.05 and 0.05."""

    def __init__(self, minval=-0.05, maxval=0.05, seed=None):
        super().__init__(seed)
        self.minval, self.maxval = float(minval), float(maxval)

    def sample(self, shape):
        return self.rng().uniform(self.minval, self.maxval, size=shape)

    def get_config(self):
        return {"minval": self.minval, "maxval": self.maxval, **super().get_config()}


def truncated_normal(rng, stddev, shape):
    """N(0, stddev) with values beyond two standard deviations drawn again."""
    out = rng.standard_normal(shape)
    bad = np.abs(out) > 2
    while bad.any():
        out[bad] = rng.standard_normal(int(bad.sum()))
        bad = np.abs(out) > 2
    return out * stddev


class VarianceScaling(Initializer):
    r"""Keras's VarianceScaling: spread ``scale / n`` where ``n`` is fan_in, fan_out or their mean."""

    def __init__(self, scale=1.0, mode="fan_in", distribution="truncated_normal", seed=None):
        super().__init__(seed)
        if mode not in ("fan_in", "fan_out", "fan_avg"):
            raise ValueError(f"`mode` must be 'fan_in', 'fan_out' or 'fan_avg'; received {mode!r}")
        if distribution not in ("truncated_normal", "untruncated_normal", "uniform"):
            raise ValueError(
                f"`distribution` must be 'truncated_normal', 'untruncated_normal' or 'uniform'; received {distribution!r}"
            )
        self.scale, self.mode, self.distribution = float(scale), mode, distribution

    def sample(self, shape):
        fan_in, fan_out = compute_fans(shape)
        n = {"fan_in": fan_in, "fan_out": fan_out, "fan_avg": (fan_in + fan_out) / 2}[self.mode]
        variance = self.scale / max(1.0, n)
        if self.distribution == "uniform":
            limit = np.sqrt(3.0 * variance)
            return self.rng().uniform(-limit, limit, size=shape)
        if self.distribution == "untruncated_normal":
            return self.rng().normal(0.0, np.sqrt(variance), size=shape)
        return truncated_normal(self.rng(), np.sqrt(variance) / _TRUNCATED_STD, shape)

    def get_config(self):
        return {"scale": self.scale, "mode": self.mode, "distribution": self.distribution, **super().get_config()}


class GlorotUniform(VarianceScaling):
    def __init__(self, seed=None):
        super().__init__(1.0, "fan_avg", "uniform", seed)

    def get_config(self):
        return Initializer.get_config(self)


class GlorotNormal(VarianceScaling):
    def __init__(self, seed=None):
        super().__init__(1.0, "fan_avg", "truncated_normal", seed)

    def get_config(self):
        return Initializer.get_config(self)


class HeUniform(VarianceScaling):
    def __init__(self, seed=None):
        super().__init__(2.0, "fan_in", "uniform", seed)

    def get_config(self):
        return Initializer.get_config(self)


class HeNormal(VarianceScaling):
    def __init__(self, seed=None):
        super().__init__(2.0, "fan_in", "truncated_normal", seed)

    def get_config(self):
        return Initializer.get_config(self)


class LecunUniform(VarianceScaling):
    def __init__(self, seed=None):
        super().__init__(1.0, "fan_in", "uniform", seed)

    def get_config(self):
        return Initializer.get_config(self)


class LecunNormal(VarianceScaling):
    def __init__(self, seed=None):
        super().__init__(1.0, "fan_in", "truncated_normal", seed)

    def get_config(self):
        return Initializer.get_config(self)


_BY_NAME = {
    "zeros": Zeros, "ones": Ones, "constant": Constant,
    "random_normal": RandomNormal, "random_uniform": RandomUniform,
    "glorot_uniform": GlorotUniform, "glorot_normal": GlorotNormal,
    "he_uniform": HeUniform, "he_normal": HeNormal,
    "lecun_uniform": LecunUniform, "lecun_normal": LecunNormal,
    "variance_scaling": VarianceScaling,
}
_CLASSES = {cls.__name__: cls for cls in _BY_NAME.values()}

# Keras also accepts the class names ("GlorotUniform") and a few aliases.
_ALIASES = {"uniform": "random_uniform", "normal": "random_normal", "xavier_uniform": "glorot_uniform",
            "xavier_normal": "glorot_normal"}


def get(identifier):
    """An initializer from a name (``"he_normal"``, ``"HeNormal"``), a class, or an initializer object."""
    if isinstance(identifier, Initializer):
        return identifier
    if isinstance(identifier, type) and issubclass(identifier, Initializer):
        return identifier()
    if isinstance(identifier, str):
        key = _ALIASES.get(identifier.lower(), identifier.lower())
        if key in _BY_NAME:
            return _BY_NAME[key]()
        if identifier in _CLASSES:
            return _CLASSES[identifier]()
        raise ValueError(f"Unknown initializer {identifier!r}. Valid names: {', '.join(sorted(_BY_NAME))}.")
    if callable(identifier):
        return _Callable(identifier)
    raise TypeError(f"An initializer must be a name or an Initializer object; received {identifier!r}")


class _Callable(Initializer):
    """Wraps a plain function ``f(shape, dtype)`` as in Keras."""

    def __init__(self, fn):
        super().__init__()
        self.fn = fn

    def __call__(self, shape, dtype="float32"):
        return np.asarray(self.fn(tuple(shape), dtype=dtype), dtype=dtype)


def serialize(init):
    return {"class_name": type(init).__name__, "config": init.get_config()}


def deserialize(config):
    if isinstance(config, str):
        return get(config)
    return _CLASSES[config["class_name"]](**config.get("config", {}))


# Keras's lower-case function-style names also work: initializers.he_normal(seed=1)
zeros, ones, constant = Zeros, Ones, Constant
random_normal, random_uniform = RandomNormal, RandomUniform
glorot_uniform, glorot_normal = GlorotUniform, GlorotNormal
he_uniform, he_normal = HeUniform, HeNormal
lecun_uniform, lecun_normal = LecunUniform, LecunNormal
