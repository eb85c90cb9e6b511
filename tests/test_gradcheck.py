import numpy as np
import pytest

from learnnet import gradcheck
from learnnet.layers import Dense


class WrongDense(Dense):
    """A Dense whose backward forgets to transpose the kernel correctly for the bias: a planted bug."""

    def backward(self, upstream_grad):
        dx = super().backward(upstream_grad)
        self.grads["bias"] = self.grads["bias"] * 2  # wrong on purpose
        return dx


def test_gradcheck_catches_a_wrong_backward(rng):
    report = gradcheck.check_layer(WrongDense(3, activation="tanh"), rng.normal(size=(4, 2)))
    assert not report.passed
    verdicts = {row["name"]: row["passed"] for row in report.rows}
    assert verdicts == {"input x": True, "kernel": True, "bias": False}
    assert "FAIL" in str(report) and report.max_rel_error > 0.1



def _saturated_sigmoid_dense(layer_class=Dense):
    # a unit deep in saturation: z = x.w + b is about -12, its slope about 6e-6 (found by hypothesis)
    from learnnet import initializers
    rng = np.random.default_rng(6)
    layer = layer_class(1, activation="sigmoid", kernel_initializer=initializers.RandomNormal(stddev=1.0, seed=6),
                        bias_initializer=initializers.RandomNormal(stddev=1.0, seed=7))
    return layer, rng.normal(size=(1, 6))


def test_a_saturated_unit_passes_when_its_gradients_agree_within_the_estimates_noise():
    layer, x = _saturated_sigmoid_dense()
    report = gradcheck.check_layer(layer, x)
    # the relative error is over the tolerance, only because the gradients are as small as the noise
    assert report.max_rel_error > gradcheck.TOLERANCE
    assert max(row["max_abs_error"] for row in report.rows) < gradcheck.ATOL
    assert report.passed, str(report)


def test_a_wrong_backward_still_fails_on_a_saturated_unit():
    class NoSlope(Dense):   # forgets the activation's slope: dL/dz taken as dL/da
        def backward(self, upstream_grad):
            return self.backward_from_z(upstream_grad)
    layer, x = _saturated_sigmoid_dense(NoSlope)
    report = gradcheck.check_layer(layer, x)
    assert not report.passed and report.max_rel_error > 0.1

def test_gradcheck_does_not_change_the_layer_it_checks(rng):
    layer = Dense(2)
    x = rng.normal(size=(3, 4))
    layer.forward(x)
    before = layer.get_weights()
    gradcheck.check_layer(layer, x)
    for a, b in zip(before, layer.get_weights()):
        np.testing.assert_array_equal(a, b)
    assert layer.kernel.dtype == np.float32


def test_numerical_gradient_of_a_known_function():
    x = np.array([1.0, -2.0, 3.0])
    grad = gradcheck.numerical_gradient(lambda: float(np.sum(x ** 3)), x)
    np.testing.assert_allclose(grad, 3 * np.array([1.0, 4.0, 9.0]), rtol=1e-8)
    np.testing.assert_array_equal(x, [1.0, -2.0, 3.0])  # restored


def test_max_checks_samples_entries_of_large_arrays(rng):
    report = gradcheck.check_layer(Dense(30), rng.normal(size=(8, 40)), max_checks=10)
    assert report.passed
    assert all(row["shape"] == "10 entries" for row in report.rows)


def test_gradcheck_dispatches_on_what_it_is_given(rng):
    assert gradcheck.gradcheck("tanh").passed
    assert gradcheck.gradcheck(Dense(2), rng.normal(size=(2, 3))).passed
    assert gradcheck.gradcheck([Dense(2), Dense(1)], rng.normal(size=(2, 3))).passed
    with pytest.raises(TypeError, match="does not know how to check"):
        gradcheck.gradcheck(42)
