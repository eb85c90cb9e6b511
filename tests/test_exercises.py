"""The self-checks: right answers pass, usual mistakes are named, learner errors never escape."""
import numpy as np
import pytest

from learnnet import exercises
from learnnet.exercises import Feedback, call, exercise


def sigmoid(z):
    return 1 / (1 + np.exp(-z))


# ------------------------------------------------------------------ framework
def test_feedback_passes_only_when_every_line_passes():
    fb = Feedback("t")
    assert not fb.passed  # nothing checked is not a pass
    fb.ok("a")
    assert fb.passed and bool(fb)
    fb.fail("b", hint="h")
    assert not fb.passed
    text = str(fb)
    assert "✓ a" in text and "✗ b" in text and "hint: h" in text and "1 of 2 checks failed" in text
    assert "color" in fb._repr_html_()


def test_expect_close_names_shape_none_nan_and_known_mistakes():
    fb = Feedback("t")
    assert not fb.expect_close("v", None, [1.0])
    assert not fb.expect_close("v", [1.0, 2.0], [1.0])
    assert not fb.expect_close("v", [np.nan], [1.0])
    assert not fb.expect_close("v", [0.5], [1.0], mistakes={"half of it": [0.5]})
    assert fb.expect_close("v", [1.0 + 1e-9], [1.0])
    messages = [m for _, m, _ in fb.lines]
    assert "returned None" in messages[0]
    assert "shape" in messages[1]
    assert "NaN" in messages[2]
    assert "it looks like half of it" in messages[3]


def test_exercise_decorator_turns_learner_errors_into_feedback():
    @exercise("demo")
    def check(fn, fb):
        fb.expect_close("f(1)", call(fn, 1.0), 2.0)

    def broken(x):
        return x / "a"

    def unfinished(x):
        raise NotImplementedError

    assert check(lambda x: 2 * x).passed
    assert "raised TypeError" in str(check(broken))
    assert "not written yet" in str(check(unfinished))
    assert "Pass the function itself" in str(check(3.0))


# ------------------------------------------------------------------ lesson 01
def test_check_neuron_output_accepts_a_correct_neuron():
    assert exercises.check_neuron_output(lambda x, w, b: sigmoid(np.dot(w, x) + b)).passed


@pytest.mark.parametrize("wrong, named", [
    (lambda x, w, b: np.dot(w, x) + b, "without the sigmoid"),
    (lambda x, w, b: sigmoid(np.dot(w, x)), "without the bias"),
    (lambda x, w, b: sigmoid(w * x + b), "element-wise product"),
])
def test_check_neuron_output_names_the_usual_mistakes(wrong, named):
    fb = exercises.check_neuron_output(wrong)
    assert not fb.passed and named in str(fb)


# ------------------------------------------------------------------ lesson 02
def test_check_sigmoid_derivative_accepts_the_textbook_formula():
    fb = exercises.check_sigmoid_derivative(lambda z: sigmoid(z) * (1 - sigmoid(z)))
    assert fb.passed, str(fb)
    assert len(fb.lines) == 4


@pytest.mark.parametrize("wrong, named", [
    (sigmoid, "σ(0) itself"),
    (lambda z: z * (1 - z), "z(1 - z) with z = 0"),
    (lambda z: sigmoid(z) * (1 + sigmoid(z)), "expected 0.25"),
])
def test_check_sigmoid_derivative_names_the_usual_mistakes(wrong, named):
    fb = exercises.check_sigmoid_derivative(wrong)
    assert not fb.passed and named in str(fb)


def test_check_sigmoid_derivative_reports_overflow_instead_of_crashing():
    def unstable(z):
        e = np.exp(z)  # overflows to inf for z = 1000, giving inf / inf = NaN
        return e / (1 + e) ** 2

    fb = exercises.check_sigmoid_derivative(unstable)
    assert not fb.passed
    assert "NaN or infinity" in str(fb) and "overflow" in str(fb)


def test_check_relu_derivative():
    assert exercises.check_relu_derivative(lambda z: (z > 0).astype(float)).passed
    assert "use z > 0" in str(exercises.check_relu_derivative(lambda z: (z >= 0).astype(float)))


# ------------------------------------------------------------------ lesson 03
def test_check_dense_forward_accepts_relu_of_x_at_w_plus_b():
    assert exercises.check_dense_forward(lambda x, w, b: np.maximum(x @ w + b, 0)).passed


@pytest.mark.parametrize("wrong, named", [
    (lambda x, w, b: x @ w + b, "without relu"),
    (lambda x, w, b: np.maximum(x @ w, 0), "without the bias"),
    (lambda x, w, b: np.maximum(w @ x + b, 0), "raised ValueError"),
])
def test_check_dense_forward_names_the_usual_mistakes(wrong, named):
    fb = exercises.check_dense_forward(wrong)
    assert not fb.passed and named in str(fb)
