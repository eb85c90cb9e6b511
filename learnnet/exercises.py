"""Self-check exercises: call a check on your own function and get instant feedback.

Each lesson ends with an exercise such as::

    def my_sigmoid_derivative(z):
        ...

    learnnet.exercises.check_sigmoid_derivative(my_sigmoid_derivative)

A check calls your function on a few inputs, compares what it returns with the engine (the
reference is always learnnet's own code), and answers with a ``Feedback``: one line per thing
checked, ✓ or ✗, and for a mistake what was expected, what you returned and a hint about the
usual cause. A check never raises because of your code: an exception inside your function is
reported as feedback too.

Writing a check (for lesson authors)::

    @exercise("Lesson 02 · the derivative of the sigmoid")
    def check_sigmoid_derivative(fn, fb):
        got = call(fn, np.array([0.0]))                 # a learner error stops the check politely
        if fb.expect_close("σ'(0)", got, [0.25], hint="σ'(0) = σ(0)(1 - σ(0))"):
            ...

``fb`` is the ``Feedback`` being built: ``fb.ok(msg)``, ``fb.fail(msg, hint)`` and
``fb.expect_close(what, got, expected, hint=..., mistakes={...})`` add lines.
"""
import functools
import html

import numpy as np

from . import activations
from .layers import Dense

PASS, FAIL = "✓", "✗"


class Feedback:
    """The result of a self-check: a title and one ✓/✗ line per thing checked.

    ``bool(feedback)`` / ``feedback.passed`` is True when every line passed. It prints as text
    and shows in colour in a notebook.
    """

    def __init__(self, title):
        self.title = title
        self.lines = []  # (passed, message, hint or None)

    def ok(self, message):
        self.lines.append((True, message, None))
        return True

    def fail(self, message, hint=None):
        self.lines.append((False, message, hint))
        return False

    @property
    def passed(self):
        return bool(self.lines) and all(p for p, _, _ in self.lines)

    def __bool__(self):
        return self.passed

    def expect_close(self, what, got, expected, rtol=1e-5, atol=1e-6, hint=None, mistakes=None):
        """Add a line saying whether ``got`` matches ``expected`` (same shape, values within tolerance).

        ``mistakes`` maps a description of a common error to what that error would return,
        e.g. ``{"you returned σ(z) itself": sigmoid(z)}``; if ``got`` matches one of them, the
        line names the mistake instead of just printing numbers.
        """
        expected = np.asarray(expected, dtype=float)
        try:
            got_arr = np.asarray(got, dtype=float)
        except (TypeError, ValueError):
            return self.fail(f"{what}: expected numbers, but your function returned {_short(got)}.", hint)
        if got is None:
            return self.fail(f"{what}: your function returned None. Did you forget `return`?", hint)
        mistake = next((name for name, wrong in (mistakes or {}).items()
                        if np.shape(wrong) == got_arr.shape and np.all(np.isfinite(got_arr))
                        and np.allclose(got_arr, np.asarray(wrong, dtype=float), rtol=rtol, atol=atol)), None)
        if got_arr.shape != expected.shape:
            return self.fail(f"{what}: expected shape {expected.shape}, your function returned shape "
                             f"{got_arr.shape}" + (f": it looks like {mistake}." if mistake else "."), hint)
        if not np.all(np.isfinite(got_arr)):
            return self.fail(f"{what}: your function returned NaN or infinity ({_fmt(got_arr)}); "
                             f"expected {_fmt(expected)}.", hint or "Look for overflow in exp() for large |z|.")
        if np.allclose(got_arr, expected, rtol=rtol, atol=atol):
            return self.ok(f"{what}: {_fmt(got_arr)}")
        if mistake:
            return self.fail(f"{what}: expected {_fmt(expected)}, got {_fmt(got_arr)}: it looks like {mistake}.",
                             hint)
        return self.fail(f"{what}: expected {_fmt(expected)}, got {_fmt(got_arr)}.", hint)

    def __str__(self):
        lines = [self.title]
        for passed, message, hint in self.lines:
            lines.append(f"  {PASS if passed else FAIL} {message}")
            if hint and not passed:
                lines.append(f"      hint: {hint}")
        n_fail = sum(not p for p, _, _ in self.lines)
        if not self.lines:
            lines.append("  (nothing was checked)")
        elif n_fail:
            lines.append(f"{n_fail} of {len(self.lines)} checks failed. Fix the first ✗ and run the check again.")
        else:
            lines.append(f"All {len(self.lines)} checks passed. Well done!")
        return "\n".join(lines)

    __repr__ = __str__

    def _repr_html_(self):
        rows = [f"<b>{html.escape(self.title)}</b>"]
        for passed, message, hint in self.lines:
            color = "#1a7f37" if passed else "#cf222e"
            row = f"<span style='color:{color}'>{PASS if passed else FAIL}</span> {html.escape(message)}"
            if hint and not passed:
                row += f"<br><span style='margin-left:1.5em; color:#57606a'>hint: {html.escape(hint)}</span>"
            rows.append(row)
        summary = str(self).splitlines()[-1]
        rows.append(f"<i>{html.escape(summary)}</i>")
        return "<div style='font-family: monospace; line-height: 1.5'>" + "<br>".join(rows) + "</div>"


class _StopCheck(Exception):
    """Raised inside a check when the learner's function cannot be called; ends the check."""


def call(fn, *args, what=None):
    """Call the learner's ``fn(*args)``; if it raises, stop the check with a message that says so."""
    try:
        with np.errstate(all="ignore"):  # overflow in the learner's code shows up as inf/NaN feedback
            return fn(*args)
    except NotImplementedError:
        raise _StopCheck(f"{_name(fn)} is not written yet (it raises NotImplementedError): "
                         "replace its body with your code.") from None
    except Exception as exc:  # any learner error becomes feedback, never a traceback
        shown = what or f"{_name(fn)}({', '.join(_short(a) for a in args)})"
        raise _StopCheck(f"calling {shown} raised {type(exc).__name__}: {exc}") from None


def exercise(title):
    """Turn ``check(fn, fb)`` into ``check(fn) -> Feedback`` that never raises because of ``fn``."""
    def decorate(check):
        @functools.wraps(check)
        def run(your_function):
            fb = Feedback(title)
            if not callable(your_function):
                fb.fail(f"expected a function, received {_short(your_function)}. Pass the function itself, "
                        "without calling it: check(my_function), not check(my_function()).")
                return fb
            try:
                check(your_function, fb)
            except _StopCheck as stop:
                fb.fail(str(stop))
            return fb
        return run
    return decorate


def _name(fn):
    return getattr(fn, "__name__", "your function")


def _short(value):
    if isinstance(value, np.ndarray):
        return f"array of shape {value.shape}"
    text = repr(value)
    return text if len(text) <= 60 else text[:57] + "..."


def _fmt(a):
    a = np.asarray(a, dtype=float)
    if a.ndim == 0:
        return f"{float(a):.4g}"
    text = np.array2string(a, precision=4, separator=", ", suppress_small=True, max_line_width=10_000)
    return " ".join(text.split())  # one line, even for a matrix


# =========================================================================== lesson 01
@exercise("Lesson 01 · one neuron: a = sigmoid(w · x + b)")
def check_neuron_output(fn, fb):
    """Check ``fn(x, w, b)`` returns a sigmoid neuron's output ``sigmoid(w · x + b)`` for one sample."""
    from .neuron import Neuron

    cases = [
        ([1.0, 2.0], [0.5, -1.0], 0.1),
        ([0.0, 0.0], [3.0, 3.0], -1.0),
        ([2.0, -1.0, 0.5], [0.2, 0.4, -0.6], 0.3),
    ]
    for x, w, b in cases:
        x_, w_ = np.array(x), np.array(w)
        expected = Neuron(weights=w, bias=b, activation="sigmoid")(x_)
        z = float(np.dot(w_, x_) + b)
        got = call(fn, x_, w_, b)
        ok = fb.expect_close(
            f"x={x}, w={w}, b={b}", got, expected,
            mistakes={
                "the weighted sum z without the sigmoid": z,
                "sigmoid(w · x) without the bias b": activations.sigmoid(np.array(np.dot(w_, x_))),
                "the element-wise product w * x, not the sum w · x": activations.sigmoid(w_ * x_ + b),
            },
            hint="z = np.dot(w, x) + b, then a = 1 / (1 + np.exp(-z)).",
        )
        if not ok:
            return


# =========================================================================== lesson 02
@exercise("Lesson 02 · the derivative of the sigmoid")
def check_sigmoid_derivative(fn, fb):
    """Check ``fn(z)`` returns σ'(z) = σ(z)(1 - σ(z)) element-wise, also for large |z|."""
    s = activations.sigmoid
    z = np.array([-2.0, -0.5, 0.0, 0.5, 2.0])
    got0 = call(fn, np.array(0.0))
    if not fb.expect_close("σ'(0)", got0, s.derivative(np.array(0.0)),
                           mistakes={"σ(0) itself": 0.5, "1 - σ(0)": 0.5, "z(1 - z) with z = 0": 0.0},
                           hint="σ'(z) = σ(z) · (1 - σ(z)), and σ(0) = 0.5, so σ'(0) = 0.25."):
        return
    got = call(fn, z)
    if not fb.expect_close(f"σ'(z) for z = {_fmt(z)}", got, s.derivative(z),
                           mistakes={"σ(z) itself, not its derivative": s.forward(z),
                                     "z(1 - z): the formula applied to z instead of to σ(z)": z * (1 - z),
                                     "σ(z)(1 + σ(z))": s.forward(z) * (1 + s.forward(z))},
                           hint="Compute s = σ(z) first, then return s * (1 - s)."):
        return
    if not fb.expect_close("symmetry σ'(-z) = σ'(z)", call(fn, -z), got):
        return
    big = np.array([-1000.0, -50.0, 50.0, 1000.0])
    got_big = call(fn, big)
    fb.expect_close("saturation: σ'(z) for z = ±50, ±1000 (≈ 0)", got_big, s.derivative(big), atol=1e-12,
                    hint="np.exp(1000) overflows to inf; 1 / (1 + np.exp(-z)) is fine for z > 0 and "
                         "np.exp(z) / (1 + np.exp(z)) for z < 0.")


@exercise("Lesson 02 · the derivative of ReLU")
def check_relu_derivative(fn, fb):
    """Check ``fn(z)`` returns ReLU'(z): 1 where z > 0, else 0 (0 at z = 0, as Keras and PyTorch)."""
    z = np.array([-3.0, -0.5, 0.0, 0.5, 3.0])
    fb.expect_close(f"ReLU'(z) for z = {_fmt(z)}", call(fn, z), activations.relu.derivative(z),
                    mistakes={"ReLU(z) itself": activations.relu.forward(z),
                              "1 at z = 0 (use z > 0, not z >= 0)": (z >= 0).astype(float)},
                    hint="np.where(z > 0, 1.0, 0.0) or (z > 0).astype(float).")


# =========================================================================== lesson 03
@exercise("Lesson 03 · a Dense layer's forward pass: relu(x @ W + b)")
def check_dense_forward(fn, fb):
    """Check ``fn(x, kernel, bias)`` returns ``relu(x @ kernel + bias)`` for a batch ``x`` of shape (batch, in)."""
    rng = np.random.default_rng(3)
    x = rng.normal(size=(4, 3)).round(2)
    layer = Dense(2, activation="relu", dtype="float64")
    layer.build((None, 3))
    layer.set_weights([rng.normal(size=(3, 2)).round(2), np.array([0.5, -0.25])])
    kernel, bias = layer.kernel.copy(), layer.bias.copy()
    expected = layer.forward(x)
    z = layer.cache[1]
    got = call(fn, x.copy(), kernel.copy(), bias.copy())
    fb.expect_close("a batch of 4 samples, 3 inputs -> 2 neurons", got, expected,
                    mistakes={"z = x @ W + b without relu": z,
                              "relu(x @ W) without the bias": activations.relu.forward(x @ kernel),
                              "relu(b) missing x @ W": np.broadcast_to(activations.relu.forward(bias), z.shape)},
                    hint="x has shape (batch, in) and W has shape (in, units): x @ W has shape (batch, units).")
    if fb.passed:
        one = call(fn, x[:1].copy(), kernel.copy(), bias.copy())
        fb.expect_close("a batch of 1 sample (shape (1, 3))", one, expected[:1])


# =========================================================================== lesson 04
@exercise("Lesson 04 · categorical cross-entropy from logits")
def check_cross_entropy(fn, fb):
    """Check ``fn(logits, y_true)`` returns -log softmax(logits)[true class] for one sample (a float).

    ``logits`` has shape (classes,), ``y_true`` is one-hot of the same shape. Large logits must
    not overflow: subtract the largest logit before ``exp``.
    """
    from .losses import CategoricalCrossentropy

    cce = CategoricalCrossentropy(from_logits=True)
    cases = [([2.0, 1.0, -1.0], [1.0, 0.0, 0.0]),
             ([0.5, 2.5, -1.0], [1.0, 0.0, 0.0]),
             ([-1.0, 0.0, 3.0, 0.5], [0.0, 0.0, 0.0, 1.0])]
    for z, y in cases:
        z, y = np.array(z), np.array(y)
        p = activations.softmax(z)
        expected = cce(y[None], z[None])
        got = call(fn, z.copy(), y.copy())
        if not fb.expect_close(
            f"logits={_fmt(z)}, y_true={_fmt(y)}", got, expected,
            mistakes={"log p without the minus sign": -expected,
                      "the probability p of the true class, not -log p": float(np.dot(p, y)),
                      "-log of the largest probability, not of the true class's": float(-np.log(p.max())),
                      "-sum of log p over every class, not just the true one": float(-np.sum(np.log(p)))},
            hint="p = exp(z) / sum(exp(z)) (softmax), then loss = -sum(y_true * log(p)).",
        ):
            return
    z, y = np.array([1000.0, 0.0, -1000.0]), np.array([0.0, 0.0, 1.0])
    fb.expect_close("large logits [1000, 0, -1000], true class 2 (a very confident mistake)", call(fn, z, y),
                    cce(y[None], z[None]), rtol=1e-6,
                    hint="exp(1000) overflows. Use log p = (z - max z) - log(sum(exp(z - max z))), "
                         "which is exact and never overflows.")


# =========================================================================== lesson 05
@exercise("Lesson 05 · backward pass of a Dense layer with a sigmoid")
def check_dense_backward(fn, fb):
    """Check ``fn(x, kernel, bias, upstream_grad)`` returns ``(dL/dkernel, dL/dbias, dL/dx)``.

    The layer is ``y = sigmoid(x @ kernel + bias)``; ``upstream_grad`` is dL/dy, shape (batch, units).
    The reference is ``Dense(units, activation="sigmoid").backward``.
    """
    rng = np.random.default_rng(5)
    x = rng.normal(size=(3, 2)).round(2)
    layer = Dense(2, activation="sigmoid", dtype="float64")
    layer.build((None, 2))
    layer.set_weights([rng.normal(size=(2, 2)).round(2), np.array([0.1, -0.2])])
    upstream = rng.normal(size=(3, 2)).round(2)
    layer.forward(x)
    z = layer.cache[1]
    dx = layer.backward(upstream)
    dz = upstream * activations.sigmoid.derivative(z)
    got = call(fn, x.copy(), layer.kernel.copy(), layer.bias.copy(), upstream.copy())
    if not isinstance(got, (tuple, list)) or len(got) != 3:
        fb.fail(f"expected a tuple (dL_dkernel, dL_dbias, dL_dx); your function returned {_short(got)}.",
                "End with: return dL_dkernel, dL_dbias, dL_dx")
        return
    d_kernel, d_bias, d_x = got
    sig = activations.sigmoid.forward(z)
    fb.expect_close("dL/dkernel (shape (in, units))", d_kernel, layer.grads["kernel"],
                    mistakes={"x.T @ upstream_grad: the local gradient f'(z) is missing": x.T @ upstream,
                              "x.T @ (upstream_grad * sigmoid(z)): sigmoid(z) instead of its derivative":
                                  x.T @ (upstream * sig)},
                    hint="First dL/dz = upstream_grad * s * (1 - s) with s = sigmoid(z); then dL/dW = x.T @ dL/dz.")
    fb.expect_close("dL/dbias (shape (units,))", d_bias, layer.grads["bias"],
                    mistakes={"dL/dz itself: the sum over the batch is missing": dz,
                              "the mean over the batch instead of the sum": dz.mean(axis=0)},
                    hint="Every sample adds its own dL/dz to the bias gradient: dL/db = dL_dz.sum(axis=0).")
    fb.expect_close("dL/dx (shape (batch, in))", d_x, dx,
                    mistakes={"dL/dz @ W without the transpose": dz @ layer.kernel,
                              "upstream_grad @ W.T: the local gradient f'(z) is missing": upstream @ layer.kernel.T},
                    hint="dL/dx = dL/dz @ W.T: each input sums its weight times each unit's dL/dz.")


# =========================================================================== lesson 06
@exercise("Lesson 06 · gradient descent on a loss surface")
def check_gradient_descent(fn, fb):
    """Check ``fn(gradient, start, learning_rate, steps)`` returns the path of plain gradient descent.

    ``gradient(w)`` gives dL/dw for a point ``w`` of shape (2,); the answer has shape
    (steps + 1, 2): the start, then the point after each step ``w = w - learning_rate * gradient(w)``.
    The reference is ``landscapes.descend(surface, optimizers.SGD(learning_rate), start, steps)``.
    """
    from . import landscapes, optimizers

    for surface, start, lr, steps in (("bowl", [1.5, -1.0], 0.1, 5), ("ravine", [-4.0, 1.0], 0.3, 8)):
        s = landscapes.get(surface)
        expected = landscapes.descend(s, optimizers.SGD(learning_rate=lr), start=start, steps=steps).path
        ascent = [np.array(start)]
        for _ in range(steps):
            ascent.append(ascent[-1] + lr * s.gradient(ascent[-1]))
        got = call(fn, s.gradient, np.array(start, dtype=float), lr, steps)
        if not fb.expect_close(
            f"{s.title}: {steps} steps from {start} with learning rate {lr}", got, expected,
            mistakes={"gradient ascent: w + learning_rate * gradient (walk downhill: minus)": np.array(ascent),
                      "the path without its start point": expected[1:],
                      "only the last point, not the whole path": expected[-1]},
            hint="path = [start]; repeat steps times: w = w - learning_rate * gradient(w); path.append(w). "
                 "Copy w (w = w - ...) rather than changing it in place after appending it.",
        ):
            return


# =========================================================================== lesson 07
@exercise("Lesson 07 · the L2 penalty and its gradient")
def check_l2_penalty(fn, fb):
    """Check ``fn(kernel, rate)`` returns ``(penalty, gradient)`` of L2 regularisation.

    ``penalty = rate * sum(w ** 2)`` (a number) and ``gradient = 2 * rate * kernel`` (the kernel's
    shape). The reference is ``learnnet.regularizers.L2(rate)``: its value and its ``gradient``.
    """
    from .regularizers import L2

    kernel = np.array([[0.5, -1.25], [2.0, 0.0], [-0.75, 1.5]])
    for rate in (0.01, 0.3):
        reg = L2(rate)
        got = call(fn, kernel.copy(), rate)
        if not isinstance(got, (tuple, list)) or len(got) != 2:
            fb.fail(f"expected a pair (penalty, gradient); your function returned {_short(got)}.",
                    "End with: return penalty, gradient")
            return
        penalty, gradient = got
        penalty_ok = fb.expect_close(
            f"penalty for rate {rate}", penalty, reg(kernel),
            mistakes={"Σ w² without the rate": np.sum(kernel ** 2),
                      "the mean of w² instead of their sum": rate * np.mean(kernel ** 2),
                      "½ · rate · Σ w² (some books halve it; Keras and learnnet do not)":
                          0.5 * rate * np.sum(kernel ** 2),
                      "rate · Σ |w|: that is the L1 penalty": rate * np.sum(np.abs(kernel))},
            hint="penalty = rate * np.sum(kernel ** 2): one number for the whole kernel.")
        gradient_ok = fb.expect_close(
            f"gradient dR/dW for rate {rate} (the kernel's shape)", gradient, reg.gradient(kernel),
            mistakes={"rate · W: the 2 from d(w²)/dw = 2w is missing": rate * kernel,
                      "rate · sign(W): that is the L1 gradient": rate * np.sign(kernel),
                      "2 · W without the rate": 2 * kernel},
            hint="Each weight's own derivative: d(rate · w²)/dw = 2 · rate · w, so gradient = 2 * rate * kernel.")
        if not (penalty_ok and gradient_ok):
            return


# =========================================================================== lesson 08
@exercise("Lesson 08 · a confusion matrix")
def check_confusion_matrix(fn, fb):
    """Check ``fn(y_true, y_pred, num_classes)`` returns the counts: ``[i, j]`` = true class i predicted as j.

    The reference is ``learnnet.plotting.classification.confusion_matrix``.
    """
    from .plotting.classification import confusion_matrix

    cases = [(np.array([0, 0, 1, 1, 1, 2, 2, 2, 2, 0]), np.array([0, 1, 1, 1, 2, 2, 0, 2, 2, 0]), 3),
             (np.array([1, 1, 0, 2]), np.array([1, 0, 0, 1]), 4)]     # class 3 never appears: still a row
    for y_true, y_pred, n in cases:
        expected = confusion_matrix(y_true, y_pred, n)
        got = call(fn, y_true.copy(), y_pred.copy(), n)
        if not fb.expect_close(
            f"{len(y_true)} samples, {n} classes", got, expected,
            mistakes={"rows and columns swapped: rows are the TRUE class, columns the predicted one": expected.T,
                      "only the right answers (the diagonal)": np.diag(np.diag(expected)),
                      "only the mistakes (the diagonal is missing)": expected - np.diag(np.diag(expected))},
            hint="counts = np.zeros((num_classes, num_classes), dtype=int); then for each sample "
                 "counts[true, predicted] += 1.",
        ):
            return
    fb.ok("each row sums to the number of samples of that class, and the diagonal counts the right answers")


# =========================================================================== lesson 09
@exercise("Lesson 09 · a convolution by hand: slide, multiply, sum")
def check_conv2d(fn, fb):
    """Check ``fn(image, kernel, stride)`` returns the ``"valid"`` feature map of a 2-D image.

    ``image`` is ``(h, w)``, ``kernel`` is ``(kh, kw)``; the answer has shape
    ``((h - kh) // stride + 1, (w - kw) // stride + 1)`` and ``out[i, j]`` is the sum of the window
    at ``(i * stride, j * stride)`` times the kernel. The reference is ``Conv2D(1, kernel.shape,
    strides=stride, use_bias=False)`` with ``set_weights``.
    """
    from .layers import Conv2D

    def engine(image, kernel, stride):
        conv = Conv2D(1, kernel.shape, strides=stride, use_bias=False, dtype="float64", name="check_conv2d")
        conv.build((None,) + image.shape + (1,))
        conv.set_weights([kernel[:, :, None, None]])
        return conv.forward(image[None, :, :, None])[0, :, :, 0]

    rng = np.random.default_rng(9)
    cases = [(rng.integers(0, 4, (5, 5)).astype(float), np.array([[1.0, 0.0, -1.0], [2.0, 0.0, -2.0],
                                                                 [1.0, 0.0, -1.0]]), 1),
             (rng.integers(-2, 3, (6, 7)).astype(float), rng.integers(-2, 3, (3, 3)).astype(float), 2),
             (rng.integers(0, 5, (5, 6)).astype(float), np.array([[1.0, 2.0, 0.0], [-1.0, 0.0, 3.0]]), 1)]
    for image, kernel, stride in cases:
        expected = engine(image, kernel, stride)
        got = call(fn, image.copy(), kernel.copy(), stride)
        if not fb.expect_close(
            f"a {image.shape[0]}x{image.shape[1]} image, a {kernel.shape[0]}x{kernel.shape[1]} kernel, "
            f"stride {stride} -> {expected.shape[0]}x{expected.shape[1]}", got, expected,
            mistakes={"the kernel flipped (a mathematician's convolution; deep learning does not flip)":
                          engine(image, kernel[::-1, ::-1].copy(), stride),
                      "stride 1: the windows must start every `stride` pixels": engine(image, kernel, 1)},
            hint="out = np.zeros(((h - kh) // stride + 1, (w - kw) // stride + 1)); then "
                 "out[i, j] = np.sum(image[i*stride : i*stride + kh, j*stride : j*stride + kw] * kernel).",
        ):
            return


# =========================================================================== lesson 10
@exercise("Lesson 10 · fine-tuning: unfreeze the top blocks only")
def check_unfreeze_top(fn, fb):
    """Check ``fn(base_model, n_blocks)`` leaves exactly the top ``n_blocks`` VGG blocks of a base trainable.

    ``base_model`` is a frozen ``MiniVGG(include_top=False)`` (layers ``block1_conv1`` ...
    ``block3_pool``). Afterwards ``base_model.trainable`` must be True (so that
    ``base_model.trainable_weights`` lists what will train) and a layer with weights must be
    trainable exactly when its block is one of the top ``n_blocks``: for 1, ``block3``; for 2,
    ``block2`` and ``block3``; for 0, none.
    """
    from . import utils
    from .applications import MiniVGG

    rng = utils.get_rng()
    state = rng.bit_generator.state      # building the base draws initial weights: leave the learner's seed alone
    try:
        base_model = MiniVGG(weights=None, include_top=False, input_shape=(28, 28, 1))
    finally:
        rng.bit_generator.state = state
    with_weights = [layer for layer in base_model.layers if layer.weights]
    blocks = sorted({int(layer.name[len("block")]) for layer in with_weights})
    for n_blocks in (1, 2, 0, len(blocks)):
        base_model.trainable = False                                   # as after the first round of training
        call(fn, base_model, n_blocks)
        expected = [layer.name for layer in with_weights if int(layer.name[len("block")]) > len(blocks) - n_blocks]
        got = [layer.name for layer in with_weights if layer.trainable]
        bottom = [layer.name for layer in with_weights if int(layer.name[len("block")]) <= n_blocks]
        what = f"n_blocks={n_blocks}: trainable layers"
        if got != expected:
            if got == bottom and n_blocks not in (0, len(blocks)):
                fb.fail(f"{what} {got}: these are the BOTTOM {n_blocks} block(s); fine-tuning unfreezes the top "
                        f"ones, expected {expected}.",
                        "The top of the base is the last block (block3): it holds the most task-specific "
                        "features. Unfreeze blocks whose number is greater than 3 - n_blocks.")
            else:
                fb.fail(f"{what} {got}, expected {expected}.",
                        "Set base_model.trainable = True (every layer unfreezes), then set layer.trainable = False "
                        "for each layer of base_model.layers below the top n_blocks blocks.")
            return
        if not base_model.trainable:
            fb.fail(f"{what} {got}, but base_model.trainable is still False, so base_model.trainable_weights is "
                    "empty: a frozen model trains none of its layers, whatever each layer says.",
                    "Start with base_model.trainable = True, then freeze the lower layers one by one.")
            return
        fb.ok(f"{what} {got or 'none'} ({len(base_model.trainable_weights)} weight arrays)")
