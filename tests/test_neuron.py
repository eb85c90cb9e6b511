import math

import numpy as np
import pytest

from learnnet import Neuron


def test_neuron_computes_weighted_sum_then_activation():
    n = Neuron(weights=[0.5, -1.0], bias=0.1, activation="sigmoid")
    a = n([1.0, 2.0])
    assert n.z == pytest.approx(0.5 * 1 - 1.0 * 2 + 0.1)
    assert a == pytest.approx(1 / (1 + math.exp(1.4)))
    assert n.a == a


def test_neuron_on_a_batch_gives_one_output_per_sample():
    n = Neuron([1.0, 1.0], bias=-1.5, activation="relu")
    out = n(np.array([[1, 1], [0, 1], [2, 2]]))
    np.testing.assert_allclose(out, [0.5, 0.0, 2.5])
    np.testing.assert_allclose(n.z, [0.5, -0.5, 2.5])


def test_neuron_default_is_linear():
    assert Neuron([2.0])([3.0]) == pytest.approx(6.0)


@pytest.mark.parametrize("x", [[1.0, 2.0, 3.0], np.ones((2, 3)), np.ones((1, 1, 2))])
def test_wrong_number_of_inputs_is_explained(x):
    with pytest.raises(ValueError, match=r"expects x of shape \(2,\) or \(batch, 2\)"):
        Neuron([1.0, 2.0])(x)


def test_bad_weights_and_inputs_are_explained():
    with pytest.raises(ValueError, match="one per input"):
        Neuron([[1.0, 2.0]])
    with pytest.raises(ValueError, match="single number"):
        Neuron([1.0], bias=[1.0, 2.0])
    with pytest.raises(TypeError, match="numbers"):
        Neuron([1.0])(["one"])
    with pytest.raises(ValueError, match="NaN"):
        Neuron([1.0])([float("nan")])


def test_repr_names_weights_bias_and_activation():
    assert "sigmoid" in repr(Neuron([0.5], 1.0, "sigmoid"))
