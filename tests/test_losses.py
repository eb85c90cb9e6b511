"""Losses: Keras 3's values, gradients that are the true derivative of the mean loss, clear errors.

Independent references: arithmetic written out by hand, the values printed in Keras's own
docstrings (keras/src/losses/losses.py), PyTorch (values and autograd gradients, float64)
and central differences.
"""
import math

import numpy as np
import pytest

from learnnet import losses
from learnnet.losses import (
    BinaryCrossentropy,
    CategoricalCrossentropy,
    Huber,
    Loss,
    MeanAbsoluteError,
    MeanSquaredError,
    SparseCategoricalCrossentropy,
)

EPS = 1e-7  # Keras's backend.epsilon()


def sigmoid(z):
    return 1 / (1 + np.exp(-np.asarray(z, dtype=np.float64)))


def softmax(z):
    e = np.exp(z - np.max(z, axis=-1, keepdims=True))
    return e / e.sum(axis=-1, keepdims=True)


# ------------------------------------------------------- numerical gradients ----

def numerical_gradient(loss, y_true, y_pred, h=1e-6):
    """Central differences of the mean loss, one element of y_pred at a time (float64)."""
    y = np.array(y_pred, dtype=np.float64)
    grad = np.zeros_like(y)
    for i in np.ndindex(y.shape):
        old = y[i]
        y[i] = old + h
        up = loss(y_true, y)
        y[i] = old - h
        down = loss(y_true, y)
        y[i] = old
        grad[i] = (up - down) / (2 * h)
    return grad


def relative_error(a, b):
    """||a - b|| / (||a|| + ||b||): about 1e-10 when right, about 1 when wrong."""
    return np.linalg.norm(a - b) / max(np.linalg.norm(a) + np.linalg.norm(b), 1e-300)


def random_case(kind, rng):
    """Random (y_true, y_pred) for one kind of loss, in float64, away from kinks and clip bounds."""
    n = int(rng.integers(1, 6))
    shape = (n, int(rng.integers(1, 4)), int(rng.integers(2, 5))) if rng.random() < 0.3 else (n, int(rng.integers(1, 5)))
    if kind in ("mse", "mae", "huber"):
        t = rng.normal(size=shape)
        e = rng.uniform(0.05, 2.0, size=shape) * rng.choice([-1, 1], size=shape)
        e = np.where(np.abs(np.abs(e) - 0.7) < 0.02, e * 1.1, e)  # keep |e| away from the Huber kink at 0.7
        return t, t + e
    if kind == "bce":
        return rng.uniform(0, 1, size=shape), rng.uniform(0.05, 0.95, size=shape)
    if kind == "bce_logits":
        return rng.uniform(0, 1, size=shape), rng.normal(scale=3, size=shape)
    shape = shape[:-1] + (max(shape[-1], 2),)
    labels = rng.integers(0, shape[-1], size=shape[:-1])
    one_hot = np.eye(shape[-1])[labels]
    soft = rng.dirichlet(np.ones(shape[-1]), size=shape[:-1])
    t = one_hot if rng.random() < 0.5 else soft
    unnormalised = rng.uniform(0.1, 1.0, size=shape)  # Keras divides by the row sum first
    logits = rng.normal(scale=2, size=shape)
    return {
        "cce": (t, unnormalised),
        "cce_logits": (t, logits),
        "sparse": (labels, unnormalised),
        "sparse_logits": (labels, logits),
    }[kind]


CASES = {
    "mse": MeanSquaredError(),
    "mae": MeanAbsoluteError(),
    "huber": Huber(delta=0.7),
    "bce": BinaryCrossentropy(),
    "bce_logits": BinaryCrossentropy(from_logits=True),
    "cce": CategoricalCrossentropy(),
    "cce_logits": CategoricalCrossentropy(from_logits=True),
    "sparse": SparseCategoricalCrossentropy(),
    "sparse_logits": SparseCategoricalCrossentropy(from_logits=True),
}


@pytest.mark.parametrize("seed", range(15))
@pytest.mark.parametrize("kind", list(CASES))
def test_gradient_matches_central_differences_for_random_shapes(kind, seed):
    rng = np.random.default_rng(seed)
    loss = CASES[kind]
    y_true, y_pred = random_case(kind, rng)
    analytic = loss.gradient(y_true, y_pred)
    numeric = numerical_gradient(loss, y_true, y_pred)
    assert analytic.shape == y_pred.shape and analytic.dtype == np.float64
    assert relative_error(analytic, numeric) < 1e-6, (y_pred.shape, analytic, numeric)


@pytest.mark.parametrize("kind", list(CASES))
def test_loss_is_the_mean_of_per_sample_and_a_python_float(kind):
    y_true, y_pred = random_case(kind, np.random.default_rng(7))
    value = CASES[kind](y_true, y_pred)
    assert type(value) is float
    assert value == pytest.approx(float(np.mean(CASES[kind].per_sample(y_true, y_pred))))


@pytest.mark.parametrize("kind", list(CASES))
def test_losses_do_not_change_their_inputs(kind):
    y_true, y_pred = random_case(kind, np.random.default_rng(3))
    t0, y0 = y_true.copy(), y_pred.copy()
    CASES[kind](y_true, y_pred)
    CASES[kind].gradient(y_true, y_pred)
    np.testing.assert_array_equal(y_true, t0)
    np.testing.assert_array_equal(y_pred, y0)


# ---------------------------------------------------- hand-computed values ----

REG_TRUE = [[1.0, 2.0], [3.0, 4.0]]
REG_PRED = [[1.5, 2.0], [2.0, 6.0]]  # errors y_pred - y_true: [[0.5, 0], [-1, 2]]


def test_mean_squared_error_matches_hand_computed_value():
    loss = MeanSquaredError()
    # squares [[0.25, 0], [1, 4]] -> per sample (mean over the last axis) [0.125, 2.5] -> mean 1.3125
    np.testing.assert_allclose(loss.per_sample(REG_TRUE, REG_PRED), [0.125, 2.5])
    assert loss(REG_TRUE, REG_PRED) == pytest.approx(1.3125)
    # dL/dy = 2 e / (N * D) = 2 e / 4
    np.testing.assert_allclose(loss.gradient(REG_TRUE, REG_PRED), [[0.25, 0.0], [-0.5, 1.0]])


def test_mean_absolute_error_matches_hand_computed_value():
    loss = MeanAbsoluteError()
    # |e| = [[0.5, 0], [1, 2]] -> per sample [0.25, 1.5] -> mean 0.875
    np.testing.assert_allclose(loss.per_sample(REG_TRUE, REG_PRED), [0.25, 1.5])
    assert loss(REG_TRUE, REG_PRED) == pytest.approx(0.875)
    # sign(e) / 4, and sign(0) = 0 as in PyTorch
    np.testing.assert_allclose(loss.gradient(REG_TRUE, REG_PRED), [[0.25, 0.0], [-0.25, 0.25]])


def test_huber_matches_hand_computed_value():
    loss = Huber(delta=1.0)
    # |e| <= 1: e^2 / 2 -> 0.125, 0, 0.5 ; |e| = 2 > 1: 1 * 2 - 1/2 = 1.5
    # per sample [(0.125 + 0)/2, (0.5 + 1.5)/2] = [0.0625, 1.0] -> mean 0.53125
    np.testing.assert_allclose(loss.per_sample(REG_TRUE, REG_PRED), [0.0625, 1.0])
    assert loss(REG_TRUE, REG_PRED) == pytest.approx(0.53125)
    # clip(e, -1, 1) / 4
    np.testing.assert_allclose(loss.gradient(REG_TRUE, REG_PRED), [[0.125, 0.0], [-0.25, 0.25]])
    # delta = 0.5: |e| = 0.5 -> 0.125 ; |e| = 1 -> 0.5 - 0.125 = 0.375 ; |e| = 2 -> 1 - 0.125 = 0.875
    np.testing.assert_allclose(Huber(0.5).per_sample(REG_TRUE, REG_PRED), [0.0625, 0.625])


def test_huber_matches_keras_docstring_example():
    # keras.losses.huber([[0, 1], [0, 0]], [[0.6, 0.4], [0.4, 0.6]]) -> 0.155
    # all |e| <= 1: (0.18 + 0.18 + 0.08 + 0.18) / 4 = 0.155
    assert Huber()([[0, 1], [0, 0]], [[0.6, 0.4], [0.4, 0.6]]) == pytest.approx(0.155)


def test_binary_crossentropy_matches_hand_computed_value():
    loss = BinaryCrossentropy()
    y_true, y_pred = [[0, 1], [0, 0]], [[0.6, 0.4], [0.4, 0.6]]
    # Keras's docstring: array([0.916, 0.714])
    # row 1: -(log(1 - 0.6) + log(0.4)) / 2 = -log(0.4) = 0.9163
    # row 2: -(log(1 - 0.4) + log(1 - 0.6)) / 2 = (0.5108 + 0.9163) / 2 = 0.7136
    expected = [-math.log(0.4), -(math.log(0.6) + math.log(0.4)) / 2]
    np.testing.assert_allclose(loss.per_sample(y_true, y_pred), expected)
    np.testing.assert_allclose(loss.per_sample(y_true, y_pred), [0.916, 0.714], atol=1e-3)
    # dl/dp = (p - t) / (p (1 - p)), then / 4: p(1-p) = 0.24 everywhere
    expected_grad = np.array([[0.6, 0.4 - 1], [0.4, 0.6]]) / 0.24 / 4
    np.testing.assert_allclose(loss.gradient(y_true, y_pred), expected_grad)


def test_binary_crossentropy_from_logits_matches_hand_computed_value():
    loss = BinaryCrossentropy(from_logits=True)
    y_true, z = [0, 1, 0, 0], [-18.6, 0.51, 2.94, -12.8]
    # max(z, 0) - z t + log(1 + exp(-|z|)):
    # 8.4e-9 ; 0.51 - 0.51 + log(1 + e^-0.51) = 0.4703 ; 2.94 + log(1 + e^-2.94) = 2.9915 ; 2.8e-6
    per = [math.log1p(math.exp(-18.6)), math.log1p(math.exp(-0.51)), 2.94 + math.log1p(math.exp(-2.94)),
           math.log1p(math.exp(-12.8))]
    assert loss(y_true, z) == pytest.approx(sum(per) / 4)
    assert loss(y_true, z) == pytest.approx(0.8654, abs=1e-4)  # Keras's docstring example
    # 1-D input = 4 samples of one output: dL/dz = (sigmoid(z) - t) / 4
    np.testing.assert_allclose(loss.gradient(y_true, z), (sigmoid(z) - y_true) / 4)


def test_categorical_crossentropy_matches_hand_computed_value():
    loss = CategoricalCrossentropy()
    y_true = [[0, 1, 0], [0, 0, 1]]
    y_pred = [[0.05, 0.95, 0.0], [0.1, 0.8, 0.1]]
    # Keras's docstring: array([0.0513, 2.303]), mean 1.177
    # -sum(t log p) picks the true class: -log(0.95) = 0.0513, -log(0.1) = 2.3026
    np.testing.assert_allclose(loss.per_sample(y_true, y_pred), [-math.log(0.95), -math.log(0.1)])
    assert loss(y_true, y_pred) == pytest.approx(1.177, abs=1e-3)
    # rows sum to 1 (s = 1), so q = y. g = dl/dq = -t / p; dl/dy_k = (g_k - sum_j g_j q_j) / s
    # row 1: g = [0, -1/0.95, 0], sum g q = -1 -> [1, 1 - 1/0.95, 1]
    # row 2: g = [0, 0, -10],     sum g q = -1 -> [1, 1, -9]        ; then / N = 2
    expected = np.array([[1, 1 - 1 / 0.95, 1], [1, 1, -9]]) / 2
    np.testing.assert_allclose(loss.gradient(y_true, y_pred), expected)


def test_categorical_crossentropy_divides_probabilities_by_their_sum_first():
    loss = CategoricalCrossentropy()
    # y = [1, 3]: s = 4, q = [0.25, 0.75] -> loss = -log(0.75)
    assert loss([[0, 1]], [[1.0, 3.0]]) == pytest.approx(-math.log(0.75))
    # g = [0, -4/3], sum g q = -1 -> (g + 1) / s = [1/4, (1 - 4/3)/4] = [0.25, -1/12]
    np.testing.assert_allclose(loss.gradient([[0, 1]], [[1.0, 3.0]]), [[0.25, -1 / 12]])


def test_categorical_crossentropy_from_logits_matches_hand_computed_value():
    loss = CategoricalCrossentropy(from_logits=True)
    z, t = [[1.0, 2.0, 3.0]], [[0, 0, 1]]
    # -log softmax(z)_3 = log(e + e^2 + e^3) - 3 = 0.4076
    assert loss(t, z) == pytest.approx(math.log(math.e + math.e**2 + math.e**3) - 3)
    # softmax(z) - t = [0.0900, 0.2447, 0.6652 - 1]
    np.testing.assert_allclose(loss.gradient(t, z), softmax(np.array(z)) - t)


def test_sparse_categorical_crossentropy_matches_hand_computed_value():
    loss = SparseCategoricalCrossentropy()
    y_pred = [[0.05, 0.95, 0.0], [0.1, 0.8, 0.1]]
    # Keras's docstring: labels [1, 2] -> array([0.0513, 2.303]), mean 1.177
    np.testing.assert_allclose(loss.per_sample([1, 2], y_pred), [-math.log(0.95), -math.log(0.1)])
    np.testing.assert_allclose(loss.per_sample([[1], [2]], y_pred), [-math.log(0.95), -math.log(0.1)])
    # exactly categorical cross-entropy on the one-hot labels
    np.testing.assert_allclose(loss.gradient([1, 2], y_pred),
                               CategoricalCrossentropy().gradient([[0, 1, 0], [0, 0, 1]], y_pred))


def test_sparse_categorical_crossentropy_from_logits_matches_hand_computed_value():
    loss = SparseCategoricalCrossentropy(from_logits=True)
    z = np.array([[1.0, 2.0, 3.0], [0.0, 0.0, 0.0]])
    # row 1: log(e + e^2 + e^3) - 1 ; row 2: uniform -> log 3
    np.testing.assert_allclose(loss.per_sample([0, 2], z),
                               [math.log(math.e + math.e**2 + math.e**3) - 1, math.log(3)])
    # (softmax(z) - onehot) / N
    np.testing.assert_allclose(loss.gradient([0, 2], z), (softmax(z) - [[1, 0, 0], [0, 0, 1]]) / 2)


# ----------------------------------------------------------- clipping (Keras) ----

def test_binary_crossentropy_clips_probabilities_and_the_gradient_is_zero_there():
    loss = BinaryCrossentropy()
    # p = clip([0, 1], 1e-7, 1 - 1e-7); t = [1, 1]: -(log(1e-7) + log(1 - 1e-7)) / 2
    value = loss([[1.0, 1.0]], [[0.0, 1.0]])
    assert value == pytest.approx(-(math.log(EPS) + math.log(1 - EPS)) / 2)
    assert math.isfinite(value)
    np.testing.assert_array_equal(loss.gradient([[1.0, 1.0]], [[0.0, 1.0]]), [[0.0, 0.0]])
    # outside [0, 1] is clipped too, as in Keras
    assert loss([[1.0]], [[-0.5]]) == pytest.approx(-math.log(EPS))


def test_categorical_crossentropy_gradient_is_zero_through_an_active_clip():
    loss = CategoricalCrossentropy()
    y_true, y_pred = [[1.0, 0.0]], [[0.0, 1.0]]  # the true class has probability 0: clipped to 1e-7
    assert loss(y_true, y_pred) == pytest.approx(-math.log(EPS))
    np.testing.assert_array_equal(loss.gradient(y_true, y_pred), [[0.0, 0.0]])
    # and the loss really is flat there
    assert loss(y_true, [[1e-9, 1.0]]) == loss(y_true, y_pred)


# ---------------------------------------------------- PyTorch as a reference ----

def torch_value_and_grad(fn, y_pred):
    torch = pytest.importorskip("torch")
    y = torch.tensor(np.asarray(y_pred, dtype=np.float64), requires_grad=True)
    out = fn(y)
    out.backward()
    return out.item(), y.grad.numpy()


def assert_matches_torch(loss, y_true, y_pred, torch_fn):
    value, grad = torch_value_and_grad(torch_fn, y_pred)
    assert loss(y_true, y_pred) == pytest.approx(value, rel=1e-12, abs=1e-14)
    np.testing.assert_allclose(loss.gradient(y_true, y_pred), grad, rtol=1e-10, atol=1e-15)


@pytest.mark.parametrize("shape", [(5, 3), (4, 2, 3), (6, 1)])
def test_regression_losses_match_pytorch(shape):
    torch = pytest.importorskip("torch")
    F = torch.nn.functional
    rng = np.random.default_rng(0)
    t, y = rng.normal(size=shape), rng.normal(size=shape)
    tt = torch.tensor(t)
    assert_matches_torch(MeanSquaredError(), t, y, lambda p: F.mse_loss(p, tt))
    assert_matches_torch(MeanAbsoluteError(), t, y, lambda p: F.l1_loss(p, tt))
    for delta in (1.0, 0.5):
        assert_matches_torch(Huber(delta), t, y, lambda p, d=delta: F.huber_loss(p, tt, delta=d))


@pytest.mark.parametrize("shape", [(5, 3), (4, 2, 3), (6, 1)])
def test_binary_crossentropy_matches_pytorch(shape):
    torch = pytest.importorskip("torch")
    F = torch.nn.functional
    rng = np.random.default_rng(1)
    t = rng.uniform(0, 1, size=shape)
    p = rng.uniform(0.01, 0.99, size=shape)  # inside Keras's clip, where torch's log-clamp is inactive too
    z = rng.normal(scale=5, size=shape)
    tt = torch.tensor(t)
    assert_matches_torch(BinaryCrossentropy(), t, p, lambda y: F.binary_cross_entropy(y, tt))
    assert_matches_torch(BinaryCrossentropy(from_logits=True), t, z,
                         lambda y: F.binary_cross_entropy_with_logits(y, tt))


def test_categorical_crossentropies_match_pytorch_cross_entropy():
    torch = pytest.importorskip("torch")
    F = torch.nn.functional
    rng = np.random.default_rng(2)
    n, c = 6, 4
    labels = rng.integers(0, c, size=n)
    one_hot = np.eye(c)[labels]
    soft = rng.uniform(0, 1, size=(n, c))  # soft targets that do not sum to 1: gradient is sum(t) softmax - t
    z = rng.normal(scale=3, size=(n, c))
    probs = rng.uniform(0.05, 1.0, size=(n, c))  # unnormalised: softmax(log y) = y / sum(y), Keras's normalisation
    tl, toh, tsoft = torch.tensor(labels), torch.tensor(one_hot), torch.tensor(soft)

    assert_matches_torch(SparseCategoricalCrossentropy(from_logits=True), labels, z, lambda y: F.cross_entropy(y, tl))
    assert_matches_torch(CategoricalCrossentropy(from_logits=True), one_hot, z, lambda y: F.cross_entropy(y, toh))
    assert_matches_torch(CategoricalCrossentropy(from_logits=True), soft, z, lambda y: F.cross_entropy(y, tsoft))
    # probabilities: cross_entropy on log(y) is -log(y_k / sum_j y_j), with autograd through the log
    assert_matches_torch(SparseCategoricalCrossentropy(), labels, probs, lambda y: F.cross_entropy(torch.log(y), tl))
    assert_matches_torch(CategoricalCrossentropy(), one_hot, probs, lambda y: F.cross_entropy(torch.log(y), toh))
    assert_matches_torch(CategoricalCrossentropy(), soft, probs, lambda y: F.cross_entropy(torch.log(y), tsoft))


def test_sequence_cross_entropy_matches_pytorch_over_all_positions():
    torch = pytest.importorskip("torch")
    F = torch.nn.functional
    rng = np.random.default_rng(4)
    z, labels = rng.normal(size=(3, 5, 4)), rng.integers(0, 4, size=(3, 5))
    tl = torch.tensor(labels.reshape(-1))
    # Keras: per-position losses of shape (3, 5), then the mean over all 15 positions
    assert SparseCategoricalCrossentropy(from_logits=True).per_sample(labels, z).shape == (3, 5)
    assert_matches_torch(SparseCategoricalCrossentropy(from_logits=True), labels, z,
                         lambda y: F.cross_entropy(y.reshape(-1, 4), tl))


# ------------------------------------------------------------- stability ----

def test_binary_crossentropy_from_logits_is_stable_at_1e4():
    loss = BinaryCrossentropy(from_logits=True)
    t = [[1.0, 0.0, 0.0, 1.0]]
    for dtype in (np.float32, np.float64):
        z = np.array([[1e4, -1e4, 1e4, -1e4]], dtype=dtype)
        # right answers cost 0; confidently wrong ones cost |z| = 1e4 (no clip at -log(1e-7) = 16.1)
        np.testing.assert_allclose(loss.per_sample(t, z), [5000.0])
        grad = loss.gradient(t, z)
        assert grad.dtype == dtype
        np.testing.assert_allclose(grad, [[0.0, 0.0, 0.25, -0.25]])  # (sigmoid(z) - t) / 4


@pytest.mark.parametrize("cls", [CategoricalCrossentropy, SparseCategoricalCrossentropy])
def test_categorical_crossentropy_from_logits_is_stable_at_1e4(cls):
    loss = cls(from_logits=True)
    z = np.array([[1e4, -1e4, 0.0], [1e4, -1e4, 0.0]])
    labels = [0, 1]
    t = labels if cls is SparseCategoricalCrossentropy else np.eye(3)[labels]
    for dtype in (np.float32, np.float64):
        # softmax(z) = [1, 0, 0]: the right class costs 0, class 1 costs 1e4 - (-1e4) = 2e4
        np.testing.assert_allclose(loss.per_sample(t, z.astype(dtype)), [0.0, 2e4])
        grad = loss.gradient(t, z.astype(dtype))
        assert np.all(np.isfinite(grad)) and grad.dtype == dtype
        np.testing.assert_allclose(grad, [[0, 0, 0], [0.5, -0.5, 0]], atol=1e-12)


def test_probability_losses_stay_finite_at_exact_zeros_and_ones():
    assert math.isfinite(BinaryCrossentropy()([[0.0, 1.0]], [[1.0, 0.0]]))
    assert math.isfinite(CategoricalCrossentropy()([[1.0, 0.0]], [[0.0, 1.0]]))
    assert math.isfinite(SparseCategoricalCrossentropy()([0], [[0.0, 1.0]]))


# ---------------------------------------------------------- shapes and dtypes ----

def test_per_sample_reduces_the_last_axis():
    rng = np.random.default_rng(0)
    assert MeanSquaredError().per_sample(np.zeros((4, 3)), rng.normal(size=(4, 3))).shape == (4,)
    assert MeanSquaredError().per_sample(np.zeros((4, 5, 3)), rng.normal(size=(4, 5, 3))).shape == (4, 5)
    assert BinaryCrossentropy().per_sample(np.zeros(4), np.full(4, 0.5)).shape == (4,)  # 1-D: 4 samples
    assert CategoricalCrossentropy().per_sample(np.eye(3), np.full((3, 3), 1 / 3)).shape == (3,)
    assert SparseCategoricalCrossentropy().per_sample([0, 1, 2], np.full((3, 3), 1 / 3)).shape == (3,)
    assert SparseCategoricalCrossentropy().per_sample([[0], [1], [2]], np.full((3, 3), 1 / 3)).shape == (3,)


def test_targets_of_shape_n_go_with_predictions_of_shape_n_1_as_in_keras():
    loss = MeanSquaredError()
    t, y = np.array([1.0, 2.0, 3.0, 4.0]), np.array([[1.5], [2.0], [2.0], [6.0]])
    assert loss(t, y) == loss(t[:, None], y)
    assert loss.per_sample(t, y).shape == (4,)
    assert loss.gradient(t, y).shape == (4, 1)
    assert loss.gradient(t[:, None], y[:, 0]).shape == (4,)
    # Keras squeezes a trailing axis of 1 from the longer one: (2, 3, 1) with (2, 3) -> per sample (2,)
    assert loss.per_sample(np.zeros((2, 3, 1)), np.ones((2, 3))).shape == (2,)


@pytest.mark.parametrize("kind", list(CASES))
def test_float32_in_float32_out(kind):
    y_true, y_pred = random_case(kind, np.random.default_rng(11))
    loss = CASES[kind]
    y32 = y_pred.astype(np.float32)
    assert loss.gradient(y_true, y32).dtype == np.float32
    assert loss.per_sample(y_true, y32).dtype == np.float32
    np.testing.assert_allclose(loss.gradient(y_true, y32), loss.gradient(y_true, y_pred), rtol=1e-3, atol=1e-6)
    assert loss(y_true, y32) == pytest.approx(loss(y_true, y_pred), rel=1e-4)


def test_integer_predictions_become_float32_as_in_keras():
    assert MeanSquaredError().gradient([[0, 0]], [[1, 2]]).dtype == np.float32


# ----------------------------------------------------------------- errors ----

@pytest.mark.parametrize("loss", list(CASES.values()), ids=list(CASES))
def test_strings_nan_inf_and_empty_inputs_are_refused_clearly(loss):
    with pytest.raises(TypeError, match="y_pred"):
        loss([[1.0]], [["a"]])
    with pytest.raises(TypeError, match="y_true"):
        loss("cat", [[0.5, 0.5]])
    with pytest.raises(ValueError, match="NaN"):
        loss([[0.0, 1.0]], [[np.nan, 0.5]])
    with pytest.raises(ValueError, match="y_pred.*NaN or infinity"):
        loss.gradient([[0.0, 1.0]], [[np.inf, 0.5]])
    with pytest.raises(ValueError, match="empty"):
        loss(np.zeros((0, 2)), np.zeros((0, 2)))
    with pytest.raises(ValueError, match="axes"):
        loss(0.0, 0.5)


@pytest.mark.parametrize("loss", [MeanSquaredError(), MeanAbsoluteError(), Huber(), BinaryCrossentropy(),
                                  CategoricalCrossentropy()])
def test_shape_mismatch_names_both_shapes(loss):
    with pytest.raises(ValueError, match=r"y_true.shape=\(3, 2\).*y_pred.shape=\(3, 3\)"):
        loss(np.zeros((3, 2)), np.full((3, 3), 0.5))
    with pytest.raises(ValueError, match=r"\(3, 2\)"):
        loss.gradient(np.zeros((3, 2)), np.full((2, 2), 0.5))


def test_binary_crossentropy_with_label_vector_for_many_outputs_hints_at_sparse():
    with pytest.raises(ValueError, match="sparse_categorical_crossentropy"):
        BinaryCrossentropy()([0, 1, 2], np.full((3, 3), 0.3))


@pytest.mark.parametrize("labels", [[0, 1], [[0], [1]]])
def test_categorical_crossentropy_with_integer_labels_suggests_sparse(labels):
    with pytest.raises(ValueError, match="use sparse_categorical_crossentropy"):
        CategoricalCrossentropy()(labels, [[0.2, 0.3, 0.5], [0.1, 0.1, 0.8]])


def test_sparse_categorical_crossentropy_with_one_hot_labels_suggests_categorical():
    with pytest.raises(ValueError, match="use categorical_crossentropy"):
        SparseCategoricalCrossentropy()([[0, 0, 1], [1, 0, 0]], [[0.2, 0.3, 0.5], [0.1, 0.1, 0.8]])
    with pytest.raises(ValueError, match=r"\(4, 3\)"):
        SparseCategoricalCrossentropy()([0, 1], np.full((4, 3), 1 / 3))


@pytest.mark.parametrize("bad", [3, -1, 1.5, 7])
def test_sparse_labels_out_of_range_or_non_integer_say_the_valid_range(bad):
    y_pred = np.full((2, 3), 1 / 3)
    for loss in (SparseCategoricalCrossentropy(), SparseCategoricalCrossentropy(from_logits=True)):
        with pytest.raises(ValueError, match=r"\[0, 2\]") as err:
            loss([0, bad], y_pred)
        assert f"{bad:g}" in str(err.value)
        with pytest.raises(ValueError, match=r"\[0, 2\]"):
            loss.gradient([[0], [bad]], y_pred)


def test_categorical_probabilities_that_sum_to_zero_point_to_from_logits():
    with pytest.raises(ValueError, match="from_logits=True"):
        CategoricalCrossentropy()([[0, 1]], [[0.0, 0.0]])
    with pytest.raises(ValueError, match="from_logits=True"):
        SparseCategoricalCrossentropy().gradient([1], [[0.0, 0.0]])


def test_categorical_crossentropy_with_one_class_warns_like_keras():
    with pytest.warns(UserWarning, match="binary_crossentropy"):
        # one class: q = y / y = 1, clipped to 1 - 1e-7, so the loss is -log(1 - 1e-7) whatever y is
        assert CategoricalCrossentropy()([[1.0], [1.0]], [[0.3], [0.9]]) == pytest.approx(-math.log(1 - EPS))


@pytest.mark.parametrize("delta", [0, -1, "big", float("nan")])
def test_huber_delta_must_be_positive(delta):
    with pytest.raises(ValueError, match="delta"):
        Huber(delta)


# -------------------------------------------------------- names and configs ----

@pytest.mark.parametrize("name, cls", [
    ("mse", MeanSquaredError), ("MSE", MeanSquaredError), ("mean_squared_error", MeanSquaredError),
    ("MeanSquaredError", MeanSquaredError),
    ("mae", MeanAbsoluteError), ("mean_absolute_error", MeanAbsoluteError), ("MeanAbsoluteError", MeanAbsoluteError),
    ("huber", Huber), ("huber_loss", Huber), ("Huber", Huber),
    ("binary_crossentropy", BinaryCrossentropy), ("bce", BinaryCrossentropy), ("BinaryCrossentropy", BinaryCrossentropy),
    ("categorical_crossentropy", CategoricalCrossentropy), ("CategoricalCrossentropy", CategoricalCrossentropy),
    ("sparse_categorical_crossentropy", SparseCategoricalCrossentropy),
    ("SparseCategoricalCrossentropy", SparseCategoricalCrossentropy),
])
def test_get_finds_keras_names(name, cls):
    loss = losses.get(name)
    assert type(loss) is cls


def test_names_are_kerass_snake_case_names():
    assert [cls.name for cls in (MeanSquaredError, MeanAbsoluteError, Huber, BinaryCrossentropy,
                                 CategoricalCrossentropy, SparseCategoricalCrossentropy)] == [
        "mean_squared_error", "mean_absolute_error", "huber_loss", "binary_crossentropy",
        "categorical_crossentropy", "sparse_categorical_crossentropy"]


def test_get_returns_objects_as_is_and_instantiates_classes():
    loss = BinaryCrossentropy(from_logits=True)
    assert losses.get(loss) is loss
    assert type(losses.get(Huber)) is Huber
    assert losses.get(None) is None  # as keras.losses.get
    got = losses.get({"class_name": "CategoricalCrossentropy", "config": {"from_logits": True}})
    assert type(got) is CategoricalCrossentropy and got.from_logits


@pytest.mark.parametrize("typo, nearest", [
    ("mean_sqared_error", "mean_squared_error"),
    ("categorical_crossentrophy", "categorical_crossentropy"),
    ("sparse_categorical_cross_entropy", "sparse_categorical_crossentropy"),
    ("MeanSquareError", "MeanSquaredError"),
])
def test_unknown_name_suggests_the_nearest_and_lists_valid_names(typo, nearest):
    with pytest.raises(ValueError) as err:
        losses.get(typo)
    msg = str(err.value)
    assert typo in msg and f"Did you mean {nearest!r}?" in msg
    for name in ("mse", "mae", "huber", "binary_crossentropy", "categorical_crossentropy",
                 "sparse_categorical_crossentropy"):
        assert name in msg


def test_plain_function_is_refused_with_a_hint_about_gradients():
    with pytest.raises(TypeError, match="gradient"):
        losses.get(lambda y_true, y_pred: 0.0)
    with pytest.raises(TypeError):
        losses.get(3)


@pytest.mark.parametrize("loss", [MeanSquaredError(), MeanAbsoluteError(), Huber(delta=2.5),
                                  BinaryCrossentropy(from_logits=True), CategoricalCrossentropy(from_logits=True),
                                  SparseCategoricalCrossentropy()])
def test_serialize_deserialize_round_trip(loss):
    config = losses.serialize(loss)
    assert config == {"class_name": type(loss).__name__, "config": loss.get_config()}
    rebuilt = losses.deserialize(config)
    assert type(rebuilt) is type(loss) and rebuilt.get_config() == loss.get_config()
    assert repr(rebuilt) == repr(loss)


def test_deserialize_unknown_class_suggests_the_nearest():
    with pytest.raises(ValueError, match="Did you mean 'Huber'"):
        losses.deserialize({"class_name": "Hubber", "config": {}})


def test_get_config_holds_the_constructor_arguments():
    assert Huber(delta=0.5).get_config() == {"delta": 0.5}
    assert BinaryCrossentropy(from_logits=True).get_config() == {"from_logits": True}
    assert MeanSquaredError().get_config() == {}


def test_custom_loss_subclass_gets_the_mean_from_per_sample():
    class HalfSquared(Loss):
        name = "half_squared"

        def per_sample(self, y_true, y_pred):
            return 0.5 * np.sum((np.asarray(y_pred) - y_true) ** 2, axis=-1)

    assert HalfSquared()([[0.0, 0.0], [0.0, 0.0]], [[1.0, 1.0], [2.0, 0.0]]) == pytest.approx((1 + 2) / 2)
    assert losses.get(HalfSquared).name == "half_squared"
