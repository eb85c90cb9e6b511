"""ForwardPassViewer: the numbers in the drawing are each Dense layer's own forward pass."""
import matplotlib

matplotlib.use("Agg")

import numpy as np
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from learnnet import activations
from learnnet.layers import Dense
from learnnet.widgets import ForwardPassViewer
from learnnet.widgets.forward import default_model


@pytest.fixture
def viewer():
    w = ForwardPassViewer()
    yield w
    w.close()


def test_constructs_with_no_arguments_and_a_seeded_default_model(viewer):
    assert set(viewer.controls) == {"x1", "x2", "layer", "neuron"}
    assert [layer.name for layer in viewer.layers] == ["hidden_1", "hidden_2", "output"]
    again = ForwardPassViewer()
    np.testing.assert_array_equal(again.output, viewer.output)  # same seed, same numbers
    again.close()


def test_every_layers_numbers_are_its_own_forward(viewer):
    viewer.set(x1=-0.7, x2=1.2)
    a = np.array([[-0.7, 1.2]], dtype="float32")
    for k, layer in enumerate(viewer.layers):
        z = a @ layer.kernel + layer.bias
        a = layer.activation.forward(z)
        np.testing.assert_allclose(viewer.pre_activations[k], z[0], rtol=1e-6)
        np.testing.assert_allclose(viewer.outputs[k], a[0], rtol=1e-6)
    np.testing.assert_allclose(viewer.output, a[0], rtol=1e-6)


def test_layer_slider_reveals_the_network_one_layer_at_a_time(viewer):
    shown = lambda: [t.get_text() != "" for t in viewer.diagram.node_texts]  # noqa: E731
    sizes = viewer.diagram.layer_sizes
    for step in (1, 2, 3):
        viewer.controls["layer"].value = step
        visible_columns = [all(shown()[sum(sizes[:c]):sum(sizes[:c + 1])]) for c in range(len(sizes))]
        assert visible_columns == [c <= step for c in range(len(sizes))]
        assert f"layer {step} (" in viewer.readout().splitlines()[step]


def test_neuron_slider_expands_that_neurons_sum_with_the_engines_numbers(viewer):
    viewer.set(layer=2, neuron=1)
    layer, x_in = viewer.layers[1], viewer.outputs[0]
    z = float(x_in @ layer.kernel[:, 1] + layer.bias[1])
    assert viewer.z_neuron == pytest.approx(z, rel=1e-5)
    assert viewer.a_neuron == pytest.approx(float(activations.tanh.forward(np.array(z))), rel=1e-5)
    labels = {e: t.get_text() for e, t in zip(viewer.diagram.edges, viewer.diagram.edge_texts) if t.get_visible()}
    assert labels == {(1, i, 1): f"{layer.kernel[i, 1]:.2f}" for i in range(4)}
    assert viewer.diagram.highlighted_nodes == {(2, 1)}


def test_neuron_slider_follows_the_width_of_the_chosen_layer(viewer):
    viewer.set(layer=1, neuron=3)
    viewer.controls["layer"].value = 3  # the output layer has one neuron
    assert viewer.controls["neuron"].max == 0 and viewer.controls["neuron"].value == 0
    assert viewer.neuron == 0 and viewer.a_neuron == pytest.approx(float(viewer.output[0]))


def test_input_sliders_change_the_output(viewer):
    before = viewer.output.copy()
    viewer.controls["x1"].value = -1.5
    assert not np.allclose(before, viewer.output)
    assert viewer.diagram.node_texts[0].get_text() == "-1.50"


def test_accepts_a_list_of_built_dense_layers():
    first = Dense(2, activation="relu", dtype="float64")
    first.build((None, 3))
    second = Dense(1, dtype="float64")
    second.build((None, 2))
    w = ForwardPassViewer([first, second], x=[1.0, 0.0, -1.0])
    assert set(w.controls) == {"x1", "x2", "x3", "layer", "neuron"}
    expected = second.forward(first.forward(np.array([[1.0, 0.0, -1.0]])))
    np.testing.assert_allclose(w.output, expected[0])
    w.close()


def test_accepts_a_model_with_layers_attribute():
    class Model:  # anything with .layers, as Sequential has
        layers = default_model(seed=5)
    w = ForwardPassViewer(Model())
    assert w.layers == Model.layers
    w.close()


def test_refuses_what_it_cannot_draw_with_a_clear_message():
    with pytest.raises(ValueError, match="not built"):
        ForwardPassViewer([Dense(3)])
    wide = Dense(2)
    wide.build((None, 10))
    with pytest.raises(ValueError, match="at most 4"):
        ForwardPassViewer([wide])


_shared = {}


@settings(max_examples=12, deadline=None)
@given(st.lists(st.one_of(st.tuples(st.sampled_from(["x1", "x2"]), st.floats(-2, 2)),
                          st.tuples(st.just("layer"), st.integers(1, 3)),
                          st.tuples(st.just("neuron"), st.integers(0, 3))), max_size=12))
def test_survives_any_sequence_of_control_changes(changes):
    w = _shared.setdefault("viewer", ForwardPassViewer())
    for name, value in changes:
        control = w.controls[name]
        control.value = min(max(value, control.min), control.max)
        k = w.controls["layer"].value - 1
        assert 0 <= w.neuron < w.layers[k].units
        assert w.a_neuron == pytest.approx(float(w.outputs[k][w.neuron]))


def assert_blitted_picture_is_a_full_redraw(w):
    """What the learner sees after blitting equals the figure drawn from scratch: no stale artist."""
    blitted = np.asarray(w.fig.canvas.buffer_rgba()).copy()
    w.fig.canvas.draw()
    assert np.array_equal(blitted, np.asarray(w.fig.canvas.buffer_rgba())), "a changed artist was not redrawn"


FORWARD_CHANGES = st.lists(st.one_of(st.tuples(st.sampled_from(["x1", "x2"]), st.floats(-2, 2, allow_nan=False)),
                                     st.tuples(st.just("layer"), st.integers(1, 3)),
                                     st.tuples(st.just("neuron"), st.integers(0, 3))), min_size=1, max_size=5)


def apply_and_check(changes):
    w = _shared.setdefault("checked", ForwardPassViewer(interactive=False))
    for name, value in changes:
        control = w.controls[name]
        control.value = min(max(value, control.min), control.max)
        x = np.array([w.controls["x1"].value, w.controls["x2"].value])
        np.testing.assert_array_equal(w.x, x)
        a = x[None, :]
        for k, layer in enumerate(w.layers):  # the layer's math, by hand, beside what the widget shows
            z = a @ layer.kernel + layer.bias
            a = layer.activation.forward(z)
            np.testing.assert_allclose(w.pre_activations[k], z[0], rtol=1e-5, atol=1e-6)
            np.testing.assert_allclose(w.outputs[k], a[0], rtol=1e-5, atol=1e-6)
        k, j = w.controls["layer"].value - 1, w.controls["neuron"].value
        assert (w.step, w.neuron) == (k + 1, j) and 0 <= j < w.layers[k].units
        assert w.controls["neuron"].max == w.layers[k].units - 1
        assert w.z_neuron == pytest.approx(float(w.pre_activations[k][j]))
        assert w.a_neuron == pytest.approx(float(w.outputs[k][j]))
        assert f"= {w.z_neuron:.3f}" in w.neuron_line.get_text()
    return w


@settings(max_examples=25, deadline=None)
@given(FORWARD_CHANGES)
def test_any_sequence_of_changes_shows_each_layers_own_forward(changes):
    apply_and_check(changes)


@settings(max_examples=6, deadline=None)  # each example ends with a full redraw, which is slow
@given(FORWARD_CHANGES)
def test_any_sequence_of_changes_leaves_no_stale_pixels(changes):
    assert_blitted_picture_is_a_full_redraw(apply_and_check(changes))
