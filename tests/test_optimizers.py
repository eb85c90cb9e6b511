"""Optimizers, read as specifications.

1. Each update rule, step by step, against Keras 3's published rules written out again
   here (plain, non-in-place NumPy), and against numbers Keras itself publishes.
2. PyTorch, where its optimizers compute the same thing (and where they do not).
3. The machinery: in-place updates, dtypes, state save/restore, errors that change nothing.
"""
import json
import math

import numpy as np
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st
from hypothesis.extra import numpy as hnp

from learnnet import optimizers
from learnnet.optimizers import SGD, Adagrad, Adam, RMSprop

W0 = np.array([1.0, -2.0, 0.5])
GRADS = [
    np.array([0.5, -1.0, 2.0]),
    np.array([0.3, 0.2, -1.5]),
    np.array([-0.4, 0.05, 1.0]),
    np.array([1.0, -0.5, 0.25]),
]


def trajectory(opt, grads=GRADS, w0=W0):
    """The weights after each of ``opt``'s steps on one parameter."""
    w = np.array(w0, dtype=float)
    path = []
    for g in grads:
        opt.apply_gradients([(g, w)])
        path.append(w.copy())
    return np.array(path)


# ---------------------------------------------------------------------------------------------
# 1. Keras's update rules, written out again (new arrays at each step, no in-place tricks).
# ---------------------------------------------------------------------------------------------

def keras_sgd(grads, w, learning_rate, momentum=0.0, nesterov=False):
    v, path = np.zeros_like(w), []
    for g in grads:
        if momentum == 0:
            w = w - learning_rate * g
        else:
            v = momentum * v - learning_rate * g
            w = w + momentum * v - learning_rate * g if nesterov else w + v
        path.append(w)
    return np.array(path)


def keras_rmsprop(grads, w, learning_rate, rho=0.9, momentum=0.0, epsilon=1e-7, centered=False):
    ms, mg, mom, path = np.zeros_like(w), np.zeros_like(w), np.zeros_like(w), []
    for g in grads:
        ms = rho * ms + (1 - rho) * g * g
        mg = rho * mg + (1 - rho) * g
        variance = ms - mg * mg if centered else ms
        step = learning_rate * g / np.sqrt(variance + epsilon)  # Keras: epsilon inside the root
        mom = momentum * mom + step
        w = w - (mom if momentum > 0 else step)
        path.append(w)
    return np.array(path)


def keras_adagrad(grads, w, learning_rate, initial_accumulator_value=0.1, epsilon=1e-7):
    acc, path = np.full_like(w, initial_accumulator_value), []
    for g in grads:
        acc = acc + g * g
        w = w - learning_rate * g / np.sqrt(acc + epsilon)  # Keras: epsilon inside the root
        path.append(w)
    return np.array(path)


def keras_adam(grads, w, learning_rate, beta_1=0.9, beta_2=0.999, epsilon=1e-7, amsgrad=False):
    """Written in the paper's bias-corrected form. Keras's ``alpha_t * m / (sqrt(v) + eps)``
    equals ``lr * m_hat / (sqrt(v_hat) + eps / sqrt(1 - beta_2**t))``: the same rule, so this
    is an independent check of the ``alpha_t`` form."""
    m, v, v_max, path = np.zeros_like(w), np.zeros_like(w), np.zeros_like(w), []
    for t, g in enumerate(grads, start=1):
        m = beta_1 * m + (1 - beta_1) * g
        v = beta_2 * v + (1 - beta_2) * g * g
        v_max = np.maximum(v_max, v)
        m_hat = m / (1 - beta_1**t)
        v_hat = (v_max if amsgrad else v) / (1 - beta_2**t)
        w = w - learning_rate * m_hat / (np.sqrt(v_hat) + epsilon / math.sqrt(1 - beta_2**t))
        path.append(w)
    return np.array(path)


RULES = [
    ("sgd", SGD(learning_rate=0.1), lambda: keras_sgd(GRADS, W0, 0.1)),
    ("sgd_momentum", SGD(0.1, momentum=0.9), lambda: keras_sgd(GRADS, W0, 0.1, momentum=0.9)),
    ("sgd_nesterov", SGD(0.1, momentum=0.9, nesterov=True),
     lambda: keras_sgd(GRADS, W0, 0.1, momentum=0.9, nesterov=True)),
    ("rmsprop", RMSprop(0.01), lambda: keras_rmsprop(GRADS, W0, 0.01)),
    ("rmsprop_momentum", RMSprop(0.01, momentum=0.5), lambda: keras_rmsprop(GRADS, W0, 0.01, momentum=0.5)),
    ("rmsprop_centered", RMSprop(0.01, rho=0.8, centered=True),
     lambda: keras_rmsprop(GRADS, W0, 0.01, rho=0.8, centered=True)),
    ("rmsprop_centered_momentum", RMSprop(0.01, momentum=0.3, centered=True, epsilon=1e-3),
     lambda: keras_rmsprop(GRADS, W0, 0.01, momentum=0.3, centered=True, epsilon=1e-3)),
    ("adagrad", Adagrad(0.1), lambda: keras_adagrad(GRADS, W0, 0.1)),
    ("adagrad_custom", Adagrad(0.5, initial_accumulator_value=0.0, epsilon=1e-3),
     lambda: keras_adagrad(GRADS, W0, 0.5, initial_accumulator_value=0.0, epsilon=1e-3)),
    ("adam", Adam(0.1), lambda: keras_adam(GRADS, W0, 0.1)),
    ("adam_custom", Adam(0.1, beta_1=0.5, beta_2=0.9, epsilon=1e-2),
     lambda: keras_adam(GRADS, W0, 0.1, beta_1=0.5, beta_2=0.9, epsilon=1e-2)),
    ("adam_amsgrad", Adam(0.1, amsgrad=True), lambda: keras_adam(GRADS, W0, 0.1, amsgrad=True)),
]


@pytest.mark.parametrize("name, opt, expected", RULES, ids=[r[0] for r in RULES])
def test_each_step_follows_keras_update_rule(name, opt, expected):
    np.testing.assert_allclose(trajectory(opt), expected(), rtol=1e-12, atol=1e-12)


def test_first_step_by_hand():
    # SGD: 1 - 0.1 * 0.5
    np.testing.assert_allclose(trajectory(SGD(0.1), [np.array([0.5])], [1.0]), [[0.95]])
    # SGD momentum, two steps of g = 1: v = -0.1, then v = 0.9 * -0.1 - 0.1 = -0.19
    np.testing.assert_allclose(trajectory(SGD(0.1, momentum=0.9), [np.ones(1)] * 2, [0.0]), [[-0.1], [-0.29]])
    # Nesterov, same: w += 0.9 * v - 0.1 * g, so -0.19 then -0.19 + 0.9 * -0.19 - 0.1
    np.testing.assert_allclose(trajectory(SGD(0.1, momentum=0.9, nesterov=True), [np.ones(1)] * 2, [0.0]),
                               [[-0.19], [-0.19 - 0.271]])
    # Adagrad: acc = 0.1 + 4, step = 0.1 * 2 / sqrt(4.1 + 1e-7)
    np.testing.assert_allclose(trajectory(Adagrad(0.1), [np.array([2.0])], [0.0]), [[-0.2 / math.sqrt(4.1 + 1e-7)]])


def test_first_adam_step_moves_each_weight_by_about_the_learning_rate():
    g = np.array([0.01, -5.0, 300.0])  # large enough that epsilon is negligible
    w = trajectory(Adam(learning_rate=0.01), [g], np.zeros(3))[0]
    np.testing.assert_allclose(w, -0.01 * np.sign(g), rtol=1e-3)


def test_keras_documented_rmsprop_example():
    # keras.optimizers.RMSprop docstring: loss = var**2 / 2 from var = 10, one minimize step -> 9.683772
    var = np.array(10.0)
    RMSprop(learning_rate=0.1).apply_gradients([(var.copy(), var)])
    assert float(var) == pytest.approx(9.683772, abs=1e-6)


# Single steps published in Keras's own test-suite: lr 0.5, grads [1, 6, 7, 2] on weights [1, 2, 3, 4].
KERAS_SINGLE_STEPS = [
    (SGD, [0.5, -1.0, -0.5, 3.0]),
    (RMSprop, [-0.5811, 0.4189, 1.4189, 2.4189]),
    (Adagrad, [0.5233, 1.5007, 2.5005, 3.5061]),
    (Adam, [0.5, 1.5, 2.5, 3.5]),
]


@pytest.mark.parametrize("cls, expected", KERAS_SINGLE_STEPS, ids=[c.__name__ for c, _ in KERAS_SINGLE_STEPS])
def test_single_step_matches_keras_published_values(cls, expected):
    w = np.array([1.0, 2.0, 3.0, 4.0], dtype="float32")
    cls(learning_rate=0.5).apply_gradients([(np.array([1.0, 6.0, 7.0, 2.0]), w)])
    np.testing.assert_allclose(w, expected, atol=1e-4)


# Five-step "golden" values published in Keras's test-suite: weights 1, a first gradient of 0.01,
# then gradients 0.1, 0.2, ..., 1.0 (one per weight).
KERAS_GOLDEN = [
    (SGD(nesterov=True), [[0.9999] * 10,
                          [0.9989, 0.9979, 0.9969, 0.9959, 0.9949, 0.9939, 0.9929, 0.9919, 0.9909, 0.9899],
                          [0.9979, 0.9959, 0.9939, 0.9919, 0.9899, 0.9879, 0.9859, 0.9839, 0.9819, 0.9799],
                          [0.9969, 0.9939, 0.9909, 0.9879, 0.9849, 0.9819, 0.9789, 0.9759, 0.9729, 0.9699],
                          [0.9959, 0.9919, 0.9879, 0.9839, 0.9799, 0.9759, 0.9719, 0.9679, 0.9639, 0.9599]]),
    (Adagrad(learning_rate=0.2, initial_accumulator_value=0.3, epsilon=1e-6),
     [[0.9963] * 10,
      [0.9604, 0.9278, 0.9003, 0.8784, 0.8615, 0.8487, 0.8388, 0.8313, 0.8255, 0.8209],
      [0.9251, 0.8629, 0.8137, 0.7768, 0.7497, 0.7298, 0.7151, 0.704, 0.6956, 0.6891],
      [0.8903, 0.8012, 0.7342, 0.6862, 0.6521, 0.6277, 0.6099, 0.5967, 0.5867, 0.579],
      [0.856, 0.7422, 0.6604, 0.6037, 0.5644, 0.5367, 0.5168, 0.5021, 0.491, 0.4825]]),
    (RMSprop(centered=True), [[v] * 10 for v in (0.9967, 0.9933, 0.9908, 0.9885, 0.9864)]),
    (Adam(amsgrad=True), [[v] * 10 for v in (0.999, 0.9982, 0.9974, 0.9965, 0.9955)]),
]


@pytest.mark.parametrize("opt, golden", KERAS_GOLDEN,
                         ids=["sgd_nesterov", "adagrad", "rmsprop_centered", "adam_amsgrad"])
def test_five_steps_match_keras_golden_values(opt, golden):
    x = np.ones(10, dtype="float32")
    opt.apply_gradients([(np.full(10, 0.01), x)])
    for expected in golden:
        np.testing.assert_allclose(x, expected, rtol=5e-4, atol=5e-4)
        opt.apply_gradients([(np.arange(1, 11) / 10, x)])


# --------------------------------------------------------------------------- gradient clipping

def one_sgd_step_from_zero(opt, grads):
    """With SGD(learning_rate=1) from w = 0, the new weights are minus the (clipped) gradients."""
    ws = [np.zeros_like(np.asarray(g, dtype=float)) for g in grads]
    opt.apply_gradients(list(zip(grads, ws)))
    return [-w for w in ws]


def test_clipnorm_rescales_each_gradient_to_its_own_norm():
    big, small = np.array([100.0, 100.0]), np.array([0.3, 0.4])  # norms 141.4 and 0.5
    clipped = one_sgd_step_from_zero(SGD(1.0, clipnorm=1.0), [big, small])
    np.testing.assert_allclose(clipped[0], [2**0.5 / 2, 2**0.5 / 2])  # Keras's own test value
    np.testing.assert_allclose(clipped[1], small)  # already shorter than clipnorm: untouched


def test_global_clipnorm_rescales_all_gradients_by_one_factor():
    a, b = np.array([3.0, 4.0]), np.array([12.0])  # global norm sqrt(9 + 16 + 144) = 13
    clipped = one_sgd_step_from_zero(SGD(1.0, global_clipnorm=1.0), [a, b])
    np.testing.assert_allclose(clipped[0], a / 13)
    np.testing.assert_allclose(clipped[1], b / 13)
    clipped = one_sgd_step_from_zero(SGD(1.0, global_clipnorm=20.0), [a, b])
    np.testing.assert_allclose(clipped[0], a)


def test_clipvalue_clips_each_element():
    clipped = one_sgd_step_from_zero(SGD(1.0, clipvalue=1.0), [np.array([100.0, -3.0, 0.5])])
    np.testing.assert_allclose(clipped[0], [1.0, -1.0, 0.5])


def test_a_zero_gradient_is_not_changed_by_norm_clipping():
    for opt in (SGD(1.0, clipnorm=1.0), SGD(1.0, global_clipnorm=1.0)):
        clipped = one_sgd_step_from_zero(opt, [np.zeros(3)])
        np.testing.assert_array_equal(clipped[0], 0.0)


@pytest.mark.parametrize("clip", [{"clipnorm": 0.5}, {"clipvalue": 0.3}, {"global_clipnorm": 0.5}])
def test_clipping_happens_before_the_update_rule(clip):
    def clipped(g):
        if "clipvalue" in clip:
            return np.clip(g, -0.3, 0.3)
        return g * 0.5 / max(np.linalg.norm(g), 0.5)  # one parameter: global norm = its norm

    clipped_grads = [clipped(g) for g in GRADS]
    np.testing.assert_allclose(trajectory(Adam(0.1, **clip)), keras_adam(clipped_grads, W0, 0.1), rtol=1e-12)
    np.testing.assert_allclose(trajectory(SGD(0.1, momentum=0.9, **clip)),
                               keras_sgd(clipped_grads, W0, 0.1, momentum=0.9), rtol=1e-12)


def test_clipping_does_not_modify_the_callers_gradients():
    g = np.array([100.0, -100.0])
    SGD(1.0, clipnorm=1.0).apply_gradients([(g, np.zeros(2))])
    np.testing.assert_array_equal(g, [100.0, -100.0])


@settings(max_examples=60, deadline=None)
@given(g=hnp.arrays(np.float64, hnp.array_shapes(max_dims=3, max_side=4),
                    elements=st.floats(-1e6, 1e6, allow_nan=False)),
       clipnorm=st.floats(1e-3, 1e3))
def test_clipnorm_never_lets_a_gradient_longer_than_clipnorm_through(g, clipnorm):
    (clipped,) = one_sgd_step_from_zero(SGD(1.0, clipnorm=clipnorm), [g])
    assert np.linalg.norm(clipped) <= clipnorm * (1 + 1e-9)
    if np.linalg.norm(g) <= clipnorm:
        np.testing.assert_allclose(clipped, g, rtol=1e-12, atol=0)


# ---------------------------------------------------------------------------------------------
# 2. PyTorch: the same algorithms, computed independently.
# ---------------------------------------------------------------------------------------------

def torch_trajectory(make_optimizer, grads, w0):
    torch = pytest.importorskip("torch")
    w = torch.tensor(w0, dtype=torch.float64, requires_grad=True)
    opt = make_optimizer([w])
    path = []
    for g in grads:
        w.grad = torch.tensor(g, dtype=torch.float64)
        opt.step()
        path.append(w.detach().numpy().copy())
    return np.array(path)


def random_grads(steps=25, size=5, seed=0):
    rng = np.random.default_rng(seed)
    return [rng.normal(size=size) for _ in range(steps)], rng.normal(size=size)


@pytest.mark.parametrize("momentum, nesterov", [(0.0, False), (0.9, False), (0.9, True), (0.5, True)])
def test_sgd_matches_torch(momentum, nesterov):
    # torch keeps b = momentum * b + g and steps w -= lr * b; Keras keeps v = momentum * v - lr * g.
    # With a constant learning rate v = -lr * b, so the weights follow the same path.
    torch = pytest.importorskip("torch")
    grads, w0 = random_grads()
    ours = trajectory(SGD(0.05, momentum=momentum, nesterov=nesterov), grads, w0)
    theirs = torch_trajectory(lambda p: torch.optim.SGD(p, lr=0.05, momentum=momentum, nesterov=nesterov), grads, w0)
    np.testing.assert_allclose(ours, theirs, rtol=1e-12, atol=1e-12)


def test_adagrad_matches_torch_when_epsilon_is_negligible():
    # Keras: w -= lr * g / sqrt(acc + eps); torch: w -= lr * g / (sqrt(acc) + eps).
    # With acc >= 0.1 and eps = 1e-10 the two differ by about 1e-10 relatively.
    torch = pytest.importorskip("torch")
    grads, w0 = random_grads()
    ours = trajectory(Adagrad(0.1, initial_accumulator_value=0.1, epsilon=1e-10), grads, w0)
    theirs = torch_trajectory(lambda p: torch.optim.Adagrad(p, lr=0.1, initial_accumulator_value=0.1, eps=1e-10),
                              grads, w0)
    np.testing.assert_allclose(ours, theirs, rtol=1e-8, atol=1e-9)


@pytest.mark.parametrize("momentum, centered", [(0.0, False), (0.8, False), (0.0, True), (0.8, True)])
def test_rmsprop_matches_torch_when_epsilon_is_negligible(momentum, centered):
    # Keras puts epsilon inside the square root, torch outside; with eps = 1e-14 neither matters.
    # torch's momentum buffer is b = momentum * b + g / sqrt(...), stepped by lr * b: the same path.
    torch = pytest.importorskip("torch")
    grads, w0 = random_grads()
    ours = trajectory(RMSprop(0.01, rho=0.9, momentum=momentum, epsilon=1e-14, centered=centered), grads, w0)
    theirs = torch_trajectory(
        lambda p: torch.optim.RMSprop(p, lr=0.01, alpha=0.9, momentum=momentum, eps=1e-14, centered=centered),
        grads, w0)
    np.testing.assert_allclose(ours, theirs, rtol=1e-8, atol=1e-9)


@pytest.mark.parametrize("amsgrad", [False, True])
def test_adam_matches_torch_when_epsilon_is_negligible(amsgrad):
    torch = pytest.importorskip("torch")
    grads, w0 = random_grads()
    ours = trajectory(Adam(0.01, epsilon=1e-14, amsgrad=amsgrad), grads, w0)
    theirs = torch_trajectory(lambda p: torch.optim.Adam(p, lr=0.01, eps=1e-14, amsgrad=amsgrad), grads, w0)
    np.testing.assert_allclose(ours, theirs, rtol=1e-8, atol=1e-10)


def test_adam_epsilon_differs_from_torch_by_the_bias_correction():
    # Where they differ: Keras's epsilon is the paper's "epsilon hat", added to sqrt(v) before the
    # bias correction; torch adds its eps after. At step t, Keras's eps equals torch's
    # eps / sqrt(1 - beta_2**t). It shows when gradients are as small as epsilon.
    torch = pytest.importorskip("torch")
    g, w0 = [np.array([1e-7, -3e-7])], np.zeros(2)
    ours = trajectory(Adam(0.01, epsilon=1e-7), g, w0)
    same_eps = torch_trajectory(lambda p: torch.optim.Adam(p, lr=0.01, eps=1e-7), g, w0)
    converted = torch_trajectory(lambda p: torch.optim.Adam(p, lr=0.01, eps=1e-7 / math.sqrt(1 - 0.999)), g, w0)
    assert not np.allclose(ours, same_eps, rtol=1e-3)
    np.testing.assert_allclose(ours, converted, rtol=1e-12)


# ---------------------------------------------------------------------------------------------
# 3. The machinery.
# ---------------------------------------------------------------------------------------------

ALL_KINDS = [
    lambda: SGD(0.1),
    lambda: SGD(0.1, momentum=0.9, nesterov=True),
    lambda: RMSprop(0.01, momentum=0.5, centered=True),
    lambda: Adagrad(0.1),
    lambda: Adam(0.01, amsgrad=True),
    lambda: Adam(0.01, global_clipnorm=1.0),
]
KIND_IDS = ["sgd", "sgd_nesterov", "rmsprop_centered_momentum", "adagrad", "adam_amsgrad", "adam_global_clipnorm"]


def two_params(dtype="float64", seed=0):
    rng = np.random.default_rng(seed)
    return [rng.normal(size=(2, 3)).astype(dtype), rng.normal(size=3).astype(dtype)]


def grads_for(params, step):
    rng = np.random.default_rng(100 + step)
    return [rng.normal(size=p.shape) for p in params]


def train(opt, params, steps, start=0):
    for step in range(start, start + steps):
        opt.apply_gradients(list(zip(grads_for(params, step), params)))


@pytest.mark.parametrize("make", ALL_KINDS, ids=KIND_IDS)
def test_parameters_are_updated_in_place(make):
    class Layer:  # weights are plain array attributes, as in learnnet.layers
        pass

    layer = Layer()
    buffer = np.ones(10)
    layer.kernel, layer.bias = np.ones((3, 2)), buffer[:4]  # the bias is a view into a bigger array
    kernel, bias = layer.kernel, layer.bias
    opt = make()
    for step in range(3):
        opt.apply_gradients([(np.full((3, 2), 0.5), layer.kernel), (np.full(4, -0.5), layer.bias)])
    assert layer.kernel is kernel and layer.bias is bias
    assert np.shares_memory(layer.bias, buffer)
    assert np.all(buffer[:4] > 1) and np.all(buffer[4:] == 1)  # changed through the view, and only there
    assert np.all(layer.kernel < 1)


@pytest.mark.parametrize("make", ALL_KINDS, ids=KIND_IDS)
def test_state_arrays_keep_their_identity_between_steps(make):
    opt, params = make(), two_params()
    train(opt, params, 1)
    before = opt.variables
    train(opt, params, 2, start=1)
    assert all(a is b for a, b in zip(before, opt.variables))


@pytest.mark.parametrize("make", ALL_KINDS, ids=KIND_IDS)
def test_float32_parameters_and_state_stay_float32(make):
    opt, params = make(), two_params("float32")
    train(opt, params, 3)  # the gradients are float64
    assert all(p.dtype == np.float32 for p in params)
    assert all(a.dtype == np.float32 for a in opt.variables)


def test_float32_is_not_computed_through_float64():
    # The same steps in float32 and float64 agree to float32 precision only: float32 was really used.
    grads, w0 = random_grads(steps=5)
    w32 = trajectory(Adam(0.01), grads, w0.astype("float32"))
    w64 = trajectory(Adam(0.01), grads, w0)
    np.testing.assert_allclose(w32, w64, rtol=1e-5, atol=1e-6)
    assert not np.array_equal(w32, w64)


@pytest.mark.parametrize("make", ALL_KINDS, ids=KIND_IDS)
def test_saved_state_continues_the_exact_same_trajectory(make, tmp_path):
    opt, params = make(), two_params()
    train(opt, params, 3)

    # Save: settings as JSON, state and weights as .npz, as a model's save would.
    config = json.dumps(optimizers.serialize(opt))
    np.savez(tmp_path / "optimizer.npz", *opt.get_state())
    saved_params = [p.copy() for p in params]

    # Load into a fresh optimizer and fresh weight arrays.
    restored = optimizers.deserialize(json.loads(config))
    with np.load(tmp_path / "optimizer.npz") as f:
        restored.set_state([f[f"arr_{i}"] for i in range(len(f.files))], saved_params)
    assert restored.iterations == opt.iterations == 3

    train(opt, params, 3, start=3)
    train(restored, saved_params, 3, start=3)
    for a, b in zip(params, saved_params):
        np.testing.assert_array_equal(a, b)
    for a, b in zip(opt.get_state(), restored.get_state()):
        np.testing.assert_array_equal(a, b)


def test_state_is_ordered_by_the_order_params_were_first_seen():
    a, b = np.zeros(2), np.zeros(3)
    opt = Adam(0.1)
    opt.apply_gradients([(np.ones(3), b)])
    opt.apply_gradients([(np.ones(2), a), (np.ones(3), b)])
    state = opt.get_state()
    assert state[0] == 2 and state[0].dtype == np.int64          # iterations
    assert [s.shape for s in state[1:]] == [(3,), (3,), (2,), (2,)]  # b's momentum, velocity; then a's


def test_get_state_returns_copies_and_build_fixes_the_order():
    a, b = np.zeros(2), np.zeros(3)
    opt = SGD(0.1, momentum=0.9)
    opt.build([a, b])
    opt.apply_gradients([(np.ones(3), b), (np.ones(2), a)])
    state = opt.get_state()
    assert [s.shape for s in state[1:]] == [(2,), (3,)]
    state[1][:] = 123.0
    assert not np.any(opt.variables[0] == 123.0)


def test_set_state_rejects_mismatched_state_and_changes_nothing():
    opt, params = Adam(0.1), two_params()
    train(opt, params, 2)
    before = opt.get_state()
    good = opt.get_state()
    with pytest.raises(ValueError, match="state arrays"):
        opt.set_state(good[:-1])
    with pytest.raises(ValueError, match=r"state\[2\] has shape"):
        opt.set_state(good[:2] + [np.zeros(7)] + good[3:])
    with pytest.raises(ValueError, match="iteration"):
        opt.set_state([np.array(1.5)] + good[1:])
    with pytest.raises(ValueError, match="same order"):
        opt.set_state(good, params[::-1])
    for x, y in zip(before, opt.get_state()):
        np.testing.assert_array_equal(x, y)
    fresh = Adam(0.1)
    with pytest.raises(ValueError, match="state arrays"):
        fresh.set_state(good)  # a fresh optimizer must be told which params the state belongs to
    assert fresh.get_state()[1:] == [] and fresh.iterations == 0


def test_iterations_counts_apply_gradients_calls_not_parameters():
    opt, params = Adam(0.1), two_params()
    assert opt.iterations == 0
    train(opt, params, 3)
    assert opt.iterations == 3
    assert opt.apply_gradients([(np.ones(3), params[1])]) == 4


@pytest.mark.parametrize("cls", [SGD, RMSprop, Adagrad, Adam])
def test_lr_is_another_name_for_learning_rate(cls):
    opt = cls(lr=0.0001)
    assert opt.learning_rate == 0.0001 and opt.lr == 0.0001
    assert opt.get_config()["learning_rate"] == 0.0001 and "lr" not in opt.get_config()
    opt.lr = 0.5
    assert opt.learning_rate == 0.5
    with pytest.raises(TypeError, match="only one"):
        cls(learning_rate=0.1, lr=0.1)
    with pytest.raises(TypeError, match="only one"):
        cls(0.1, lr=0.2)


def test_keras_3_defaults():
    assert SGD().get_config() == {**SGD().get_config(), "learning_rate": 0.01, "momentum": 0.0, "nesterov": False}
    assert RMSprop().get_config() == {**RMSprop().get_config(), "learning_rate": 0.001, "rho": 0.9,
                                      "momentum": 0.0, "epsilon": 1e-7, "centered": False}
    assert Adagrad().get_config() == {**Adagrad().get_config(), "learning_rate": 0.001,
                                      "initial_accumulator_value": 0.1, "epsilon": 1e-7}
    assert Adam().get_config() == {**Adam().get_config(), "learning_rate": 0.001, "beta_1": 0.9, "beta_2": 0.999,
                                   "epsilon": 1e-7, "amsgrad": False}
    assert type(SGD().learning_rate) is float


# --------------------------------------------------------------------- errors that change nothing

def assert_nothing_changed(opt, params, params_before, state_before):
    for p, q in zip(params, params_before):
        np.testing.assert_array_equal(p, q)
    state = opt.get_state()
    assert len(state) == len(state_before)
    for x, y in zip(state, state_before):
        np.testing.assert_array_equal(x, y)


@pytest.mark.parametrize("make", ALL_KINDS, ids=KIND_IDS)
def test_wrong_gradient_shape_names_both_shapes_and_changes_nothing(make):
    opt, params = make(), two_params()
    for trained in (False, True):
        if trained:
            train(opt, params, 2)
        before, state = [p.copy() for p in params], opt.get_state()
        with pytest.raises(ValueError) as err:
            opt.apply_gradients([(np.ones((2, 3)), params[0]), (np.ones((3, 1)), params[1])])
        assert "Gradient 1" in str(err.value) and "(3, 1)" in str(err.value) and "(3,)" in str(err.value)
        assert_nothing_changed(opt, params, before, state)


@pytest.mark.parametrize("bad", [np.nan, np.inf, -np.inf])
@pytest.mark.parametrize("make", ALL_KINDS, ids=KIND_IDS)
def test_non_finite_gradient_is_refused_and_changes_nothing(make, bad):
    opt, params = make(), two_params()
    train(opt, params, 1)
    before, state = [p.copy() for p in params], opt.get_state()
    g = np.ones(3)
    g[2] = bad
    with pytest.raises(ValueError, match=r"Gradient 1 contains NaN or infinity \(first at index \(2,\)\)"):
        opt.apply_gradients([(np.ones((2, 3)), params[0]), (g, params[1])])
    assert_nothing_changed(opt, params, before, state)


def test_bad_pairs_and_parameters_are_refused_before_anything_changes():
    w = np.ones(3)
    opt = SGD(0.1, momentum=0.9)
    cases = [
        (TypeError, [(np.ones(3), w), (np.ones(3), [1.0, 2.0, 3.0])]),  # a list cannot change in place
        (TypeError, [(np.ones(3), w), (np.ones(3), np.ones(3, dtype=int))]),
        (TypeError, [(np.ones(3), w), (["a", "b", "c"], np.ones(3))]),
        (TypeError, [(np.ones(3), w), np.ones(3)]),  # not a pair
        (ValueError, [(np.ones(3), w), (np.ones(3), w)]),  # the same weight twice
    ]
    read_only = np.ones(3)
    read_only.flags.writeable = False
    cases.append((ValueError, [(np.ones(3), w), (np.ones(3), read_only)]))
    for error, pairs in cases:
        with pytest.raises(error):
            opt.apply_gradients(pairs)
        np.testing.assert_array_equal(w, 1.0)
        assert opt.iterations == 0 and opt.get_state()[1:] == []


def test_none_gradient_skips_its_parameter_with_a_warning_as_in_keras():
    a, b = np.ones(2), np.ones(2)
    opt = SGD(0.5)
    with pytest.warns(UserWarning, match="Gradients do not exist"):
        opt.apply_gradients([(None, a), (np.ones(2), b)])
    np.testing.assert_array_equal(a, 1.0)
    np.testing.assert_array_equal(b, 0.5)
    with pytest.raises(ValueError, match="No gradients provided"):
        opt.apply_gradients([(None, a)])


def test_an_empty_list_is_a_no_op():
    opt = Adam()
    assert opt.apply_gradients([]) == 0


def test_integer_gradients_are_cast_to_the_parameter_dtype():
    w = np.zeros(2, dtype="float32")
    SGD(0.5).apply_gradients([([1, 2], w)])
    np.testing.assert_array_equal(w, [-0.5, -1.0])
    assert w.dtype == np.float32


# ------------------------------------------------------------------------- argument validation

def test_negative_learning_rate_error_uses_keras_wording():
    with pytest.raises(ValueError) as err:
        SGD(learning_rate=-1)
    assert str(err.value) == (
        "Received an invalid value for `learning_rate`, expected a number >= 0. Received: learning_rate=-1"
    )


@pytest.mark.parametrize("make, error, name", [
    (lambda: Adam(learning_rate="fast"), TypeError, "learning_rate"),
    (lambda: Adam(learning_rate=True), TypeError, "learning_rate"),
    (lambda: Adam(learning_rate=float("nan")), ValueError, "learning_rate"),
    (lambda: Adam(lr=-0.1), ValueError, "learning_rate"),
    (lambda: SGD(momentum=1.5), ValueError, "momentum"),
    (lambda: SGD(momentum=-0.1), ValueError, "momentum"),
    (lambda: SGD(momentum="0.9"), TypeError, "momentum"),
    (lambda: SGD(nesterov="yes"), TypeError, "nesterov"),
    (lambda: RMSprop(rho=1.1), ValueError, "rho"),
    (lambda: RMSprop(momentum=2.0), ValueError, "momentum"),
    (lambda: RMSprop(epsilon=0), ValueError, "epsilon"),
    (lambda: RMSprop(centered=1), TypeError, "centered"),
    (lambda: Adagrad(initial_accumulator_value=-1), ValueError, "initial_accumulator_value"),
    (lambda: Adagrad(epsilon=-1e-7), ValueError, "epsilon"),
    (lambda: Adam(beta_1=1.0), ValueError, "beta_1"),
    (lambda: Adam(beta_2=-0.5), ValueError, "beta_2"),
    (lambda: Adam(beta_2=None), TypeError, "beta_2"),
    (lambda: Adam(amsgrad=None), TypeError, "amsgrad"),
    (lambda: Adam(clipnorm=0), ValueError, "clipnorm"),
    (lambda: Adam(clipvalue=-1.0), ValueError, "clipvalue"),
    (lambda: Adam(global_clipnorm="1"), TypeError, "global_clipnorm"),
])
def test_invalid_arguments_name_the_argument_and_the_value(make, error, name):
    with pytest.raises(error, match=f"Received an invalid value for `{name}`, expected .* Received: {name}="):
        make()


def test_boundary_values_are_accepted():
    SGD(learning_rate=0, momentum=1.0)
    SGD(learning_rate=1, momentum=0)  # integers are numbers too
    RMSprop(rho=0.0, momentum=1.0)
    Adam(beta_1=0.0, beta_2=0.0)
    Adagrad(initial_accumulator_value=0.0)


def test_only_one_clipping_option_as_in_keras():
    with pytest.raises(ValueError, match="Only one of `clipnorm`, `clipvalue` and `global_clipnorm` can be set"):
        SGD(clipnorm=1.0, global_clipnorm=1.0)
    with pytest.raises(ValueError, match="Only one of"):
        Adam(clipnorm=1.0, clipvalue=0.5)


def test_setting_a_bad_learning_rate_later_is_refused():
    opt = Adam()
    with pytest.raises(ValueError, match="learning_rate=-0.5"):
        opt.learning_rate = -0.5
    assert opt.learning_rate == 0.001


def test_unknown_keyword_is_a_type_error():
    with pytest.raises(TypeError):
        Adam(learning_rat=0.1)


# ------------------------------------------------------------------------------- convergence

@pytest.mark.parametrize("opt, steps", [
    (SGD(0.05), 300),
    (SGD(0.02, momentum=0.9), 300),
    (SGD(0.02, momentum=0.9, nesterov=True), 300),
    (RMSprop(0.01), 600),
    (RMSprop(0.01, momentum=0.5, centered=True), 600),
    (Adagrad(0.5), 600),
    (Adam(0.05), 600),
    (Adam(0.05, amsgrad=True), 600),
], ids=["sgd", "momentum", "nesterov", "rmsprop", "rmsprop_centered", "adagrad", "adam", "amsgrad"])
def test_minimising_an_ill_conditioned_quadratic_converges(opt, steps):
    # f(w) = 1/2 * sum(a * (w - c)**2), curvatures 1 and 20; gradient a * (w - c); minimum at c.
    a, c = np.array([1.0, 20.0]), np.array([3.0, -1.0])
    w = np.zeros(2)
    loss = lambda: 0.5 * np.sum(a * (w - c) ** 2)  # noqa: E731
    start = loss()
    for _ in range(steps):
        opt.apply_gradients([(a * (w - c), w)])
    assert loss() < 1e-4 * start
    np.testing.assert_allclose(w, c, atol=0.02)


# --------------------------------------------------------------- get, serialize, deserialize

@pytest.mark.parametrize("name, cls", [("sgd", SGD), ("SGD", SGD), ("rmsprop", RMSprop), ("RMSprop", RMSprop),
                                       ("adagrad", Adagrad), ("Adagrad", Adagrad), ("adam", Adam), ("ADAM", Adam)])
def test_get_finds_optimizers_by_name_in_any_case(name, cls):
    opt = optimizers.get(name)
    assert type(opt) is cls
    assert opt.get_config() == cls().get_config()


def test_get_accepts_objects_classes_configs_and_none():
    opt = Adam(0.1)
    assert optimizers.get(opt) is opt
    assert type(optimizers.get(RMSprop)) is RMSprop
    from_dict = optimizers.get({"class_name": "SGD", "config": {"learning_rate": 0.5, "momentum": 0.9}})
    assert (type(from_dict), from_dict.learning_rate, from_dict.momentum) == (SGD, 0.5, 0.9)
    assert optimizers.get(None) is None


def test_unknown_name_lists_valid_names_and_suggests_the_nearest():
    with pytest.raises(ValueError) as err:
        optimizers.get("adma")
    msg = str(err.value)
    assert "'adma'" in msg and "Did you mean 'adam'?" in msg
    for name in ("sgd", "rmsprop", "adagrad", "adam"):
        assert name in msg
    with pytest.raises(TypeError, match="Could not interpret optimizer identifier"):
        optimizers.get(3)


@pytest.mark.parametrize("opt", [SGD(0.3, momentum=0.5, nesterov=True, clipnorm=2.0),
                                 RMSprop(0.2, rho=0.8, momentum=0.1, epsilon=1e-5, centered=True, clipvalue=1.0),
                                 Adagrad(0.4, initial_accumulator_value=0.2, epsilon=1e-5, global_clipnorm=3.0),
                                 Adam(0.5, beta_1=0.5, beta_2=0.67, epsilon=1e-5, amsgrad=True, name="my_adam")],
                         ids=["sgd", "rmsprop", "adagrad", "adam"])
def test_config_round_trips_through_json(opt):
    config = json.loads(json.dumps(optimizers.serialize(opt)))
    again = optimizers.deserialize(config)
    assert type(again) is type(opt) and again.get_config() == opt.get_config()
    assert type(opt).from_config(opt.get_config()).get_config() == opt.get_config()
    assert repr(again) == repr(opt)


def test_a_keras_config_with_its_default_extras_can_be_loaded():
    keras_config = {"name": "adam", "learning_rate": 0.001, "weight_decay": None, "clipnorm": None,
                    "global_clipnorm": None, "clipvalue": None, "use_ema": False, "ema_momentum": 0.99,
                    "ema_overwrite_frequency": None, "loss_scale_factor": None, "gradient_accumulation_steps": None,
                    "beta_1": 0.9, "beta_2": 0.999, "epsilon": 1e-07, "amsgrad": False}
    opt = optimizers.deserialize({"class_name": "Adam", "config": keras_config})
    assert opt.get_config() == Adam().get_config()
    with pytest.raises(ValueError, match="weight_decay"):
        Adam.from_config({**keras_config, "weight_decay": 0.01})
