import numpy as np
import pytest

from learnnet.backprop_trace import trace_backprop
from learnnet.layers import Dense


def tiny_network(activation="sigmoid", output_activation="sigmoid"):
    hidden = Dense(2, activation=activation, input_dim=2, dtype="float64")
    out = Dense(1, activation=output_activation, dtype="float64")
    hidden.build((None, 2))
    out.build((None, 2))
    hidden.set_weights([np.array([[0.5, -0.3], [0.8, 0.2]]), np.array([0.1, -0.1])])
    out.set_weights([np.array([[0.7], [-0.4]]), np.array([0.2])])
    return [hidden, out]


@pytest.mark.parametrize("activation", ["sigmoid", "tanh", "relu", "linear"])
def test_every_term_is_upstream_times_local_and_matches_the_numerical_gradient(activation):
    trace = trace_backprop(tiny_network(activation), [1.0, 0.5], [1.0])
    for term in trace.terms:
        assert term.product == pytest.approx(term.downstream, rel=1e-12, abs=1e-15), term
        assert term.downstream == pytest.approx(term.numerical, rel=1e-6, abs=1e-9), term
    assert trace.max_error() < 1e-8


def test_stages_go_backwards_from_the_loss_to_the_first_layer():
    trace = trace_backprop(tiny_network(), [1.0, 0.5], [1.0])
    assert [(s.kind, s.layer) for s in trace.stages] == [
        ("loss", 2), ("activation", 2), ("weights", 2), ("input", 2), ("activation", 1), ("weights", 1)]
    names = [t.name for t in trace.stages[-1].terms]
    assert names == ["W1[0,0]", "W1[0,1]", "W1[1,0]", "W1[1,1]", "b1[0]", "b1[1]"]


def test_weight_terms_are_the_dense_layers_own_gradients():
    trace = trace_backprop(tiny_network(), [1.0, 0.5], [1.0])
    hidden, out = trace.layers
    kernel_terms = {t.index: t.downstream for t in trace.terms if t.kind == "kernel" and t.layer == 1}
    for (i, j), value in kernel_terms.items():
        assert value == hidden.grads["kernel"][i, j]
    assert [t.downstream for t in trace.terms if t.kind == "bias" and t.layer == 2] == [out.grads["bias"][0]]


def test_hand_computed_chain_rule_for_the_output_weight():
    x, target = np.array([1.0, 0.5]), 1.0
    sig = lambda z: 1 / (1 + np.exp(-z))  # noqa: E731
    a1 = sig(x @ np.array([[0.5, -0.3], [0.8, 0.2]]) + [0.1, -0.1])
    y = sig(a1 @ [0.7, -0.4] + 0.2)
    dL_dz2 = 2 * (y - target) * y * (1 - y)  # MSE of one output, then sigmoid'
    trace = trace_backprop(tiny_network(), x, [target])
    term = next(t for t in trace.terms if t.name == "W2[1,0]")
    assert term.upstream == pytest.approx(dL_dz2, rel=1e-12)
    assert term.local == pytest.approx(a1[1], rel=1e-12)
    assert trace.loss_value == pytest.approx((y - target) ** 2, rel=1e-12)


def test_matches_pytorch_autograd():
    torch = pytest.importorskip("torch")
    layers = tiny_network("tanh")
    trace = trace_backprop(layers, [0.3, -1.2], [0.25])
    w1 = torch.tensor(layers[0].kernel, requires_grad=True)
    b1 = torch.tensor(layers[0].bias, requires_grad=True)
    w2 = torch.tensor(layers[1].kernel, requires_grad=True)
    b2 = torch.tensor(layers[1].bias, requires_grad=True)
    y = torch.sigmoid(torch.tanh(torch.tensor([[0.3, -1.2]], dtype=torch.float64) @ w1 + b1) @ w2 + b2)
    ((y - 0.25) ** 2).mean().backward()
    by_name = {t.name: t.downstream for t in trace.terms}
    np.testing.assert_allclose([by_name[f"W1[{i},{j}]"] for i in range(2) for j in range(2)],
                               w1.grad.numpy().ravel(), rtol=1e-12)
    np.testing.assert_allclose(by_name["b2[0]"], b2.grad.numpy()[0], rtol=1e-12)


def test_the_layers_passed_in_are_not_changed():
    layers = tiny_network()
    before = [w.copy() for layer in layers for w in layer.get_weights()]
    trace_backprop(layers, [1.0, 0.5], [1.0])
    after = [w for layer in layers for w in layer.get_weights()]
    for a, b in zip(before, after):
        np.testing.assert_array_equal(a, b)
    assert layers[0].grads == {}


def test_forward_values_are_read_from_the_layer_caches():
    trace = trace_backprop(tiny_network(), [1.0, 0.5], [1.0])
    np.testing.assert_array_equal(trace.inputs[0], [1.0, 0.5])
    np.testing.assert_allclose(trace.preactivations[0], np.array([1.0, 0.5]) @ trace.layers[0].kernel
                               + trace.layers[0].bias)
    np.testing.assert_array_equal(trace.outputs[-1], trace.y_pred)


def test_numerical_can_be_skipped():
    trace = trace_backprop(tiny_network(), [1.0, 0.5], [1.0], numerical=False)
    assert all(np.isnan(t.numerical) for t in trace.terms)


def test_bad_inputs_get_teaching_errors():
    with pytest.raises(ValueError, match="one example"):
        trace_backprop(tiny_network(), [[1.0, 0.5], [0.0, 0.0]], [1.0])
    with pytest.raises(TypeError, match="Dense"):
        trace_backprop(["not a layer"], [1.0], [1.0])
    with pytest.raises(ValueError, match="softmax"):
        trace_backprop([Dense(2, activation="softmax", input_dim=2)], [1.0, 0.5], [1.0, 0.0])
