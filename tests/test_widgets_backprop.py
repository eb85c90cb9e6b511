import re

import matplotlib.text
import numpy as np
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from learnnet.backprop_trace import trace_backprop
from learnnet.widgets.backprop import BackpropStepper


@pytest.fixture
def stepper():
    w = BackpropStepper(interactive=False)
    yield w
    w.close()


def test_constructs_at_the_forward_pass(stepper):
    assert stepper.step == 0 and stepper.stage is None and stepper.rows == []
    assert stepper.n_stages == 6
    assert stepper.controls["step"].max == 6
    assert "forward pass" in stepper.readout()


def test_each_step_shows_the_next_stage_backwards(stepper):
    kinds = []
    for _ in range(stepper.n_stages):
        stepper.next()
        kinds.append((stepper.stage.kind, stepper.stage.layer))
    assert kinds == [("loss", 2), ("activation", 2), ("weights", 2), ("input", 2), ("activation", 1),
                     ("weights", 1)]
    stepper.next()  # already at the last step: stays there
    assert stepper.step == 6
    stepper.back()
    assert stepper.step == 5


def test_every_row_is_upstream_times_local_and_matches_the_numerical_gradient(stepper):
    for step in range(1, stepper.n_stages + 1):
        stepper.controls["step"].value = step
        for row in stepper.rows:
            assert row["product"] == pytest.approx(row["engine"], rel=1e-12, abs=1e-15)
            assert row["engine"] == pytest.approx(row["numerical"], rel=1e-6, abs=1e-9)
    assert "✗" not in stepper.readout()


def test_shown_numbers_are_the_engines_for_the_current_inputs(stepper):
    stepper.set(x1=-0.8, x2=1.3, target=0.2, activation="tanh", step=6)
    trace = trace_backprop(stepper.layers, [-0.8, 1.3], [0.2])
    assert stepper.loss_value == trace.loss_value
    assert stepper.prediction == trace.y_pred[0]
    expected = {t.name: t.downstream for t in trace.stages[-1].terms}
    assert {r["name"]: r["engine"] for r in stepper.rows} == expected


def test_each_input_control_changes_the_loss(stepper):
    for name, value in (("x1", -1.5), ("x2", 2.0), ("target", 0.0), ("activation", "relu")):
        before = stepper.loss_value
        stepper.controls[name].value = value
        assert stepper.loss_value != before, name


def test_relu_with_a_negative_preactivation_passes_no_gradient(stepper):
    stepper.set(activation="relu", x1=1.0, x2=0.5, step=6)  # hidden unit 1 has z = -0.3
    grads = {r["name"]: r["engine"] for r in stepper.rows}
    assert grads["W1[0,1]"] == 0.0 and grads["b1[1]"] == 0.0


SIGNED_ZERO = re.compile(r"[+-]0\.0+(?![0-9])")   # -0.0000 or +0.0000, not -0.00012
ZERO = re.compile(r"(?<![0-9.+-])0\.0000(?![0-9])")


def shown_texts(w):
    """Every text in the figure and every line of the read-out."""
    return [t.get_text() for t in w.fig.findobj(matplotlib.text.Text) if t.get_visible()] + w.readout().splitlines()


def test_a_gradient_of_zero_is_shown_as_zero_without_a_sign(stepper):
    # relu with the first hidden unit below zero: every gradient through it is 0 (some of them -0.0, or a
    # tiny negative number that rounds to zero), which must read 0.0000, not -0.0000 or +0.0000
    stepper.set(activation="relu", x1=-1.0, x2=-0.5)
    zeros = 0
    for step in range(stepper.n_stages + 1):
        stepper.controls["step"].value = step
        for text in shown_texts(stepper):
            assert not SIGNED_ZERO.search(text), f"step {step}: {text!r}"
            zeros += len(ZERO.findall(text))
    assert zeros > 0


def test_the_diagram_highlights_the_weights_of_the_current_stage(stepper):
    stepper.controls["step"].value = 3  # layer 2 weights
    assert stepper.diagram.highlighted_edges == {(1, 0, 0), (1, 1, 0)}
    labels = {k: t.get_text() for k, t in zip(stepper.diagram.edges, stepper.diagram.edge_texts) if t.get_visible()}
    assert labels[(1, 1, 0)] == f"{stepper.rows[1]['engine']:+.4f}"
    stepper.controls["step"].value = 2  # layer 2 activation: a neuron, no edges
    assert stepper.diagram.highlighted_nodes == {(2, 0)} and not stepper.diagram.highlighted_edges


def test_survives_any_sequence_of_control_changes():
    w = BackpropStepper(interactive=False)
    rng = np.random.default_rng(0)
    for _ in range(40):
        name = rng.choice(list(w.controls))
        c = w.controls[name]
        if name == "activation":
            c.value = rng.choice(c.options)
        elif name == "step":
            c.value = int(rng.integers(0, c.max + 1))
        else:
            c.value = float(rng.uniform(c.min, c.max))
    assert np.isfinite(w.loss_value)
    w.close()


def assert_blitted_picture_is_a_full_redraw(w):
    """What the learner sees after blitting equals the figure drawn from scratch: no stale artist."""
    blitted = np.asarray(w.fig.canvas.buffer_rgba()).copy()
    w.fig.canvas.draw()
    assert np.array_equal(blitted, np.asarray(w.fig.canvas.buffer_rgba())), "a changed artist was not redrawn"


def buttons(w):
    """The layout's buttons by label (the layout built with a placeholder for the figure: no PNG view)."""
    import ipywidgets
    w._layout(list(w.controls.values()), w._readout_html, ipywidgets.HTML())
    return {"◀ back": w.back_button, "next ▶": w.next_button}


_shared = {}
BACKPROP_ACTIONS = st.lists(st.one_of(
    st.tuples(st.sampled_from(["x1", "x2"]), st.floats(-2, 2, allow_nan=False)),
    st.tuples(st.just("target"), st.floats(0, 1, allow_nan=False)),
    st.tuples(st.just("activation"), st.sampled_from(["sigmoid", "tanh", "relu", "linear"])),
    st.tuples(st.just("step"), st.integers(0, 6)),
    st.tuples(st.just("click"), st.sampled_from(["◀ back", "next ▶"]))), min_size=1, max_size=6)


def apply_and_check(actions):
    if "stepper" not in _shared:
        w = _shared["stepper"] = BackpropStepper(interactive=False)
        _shared["buttons"] = buttons(w)
    w, clickable = _shared["stepper"], _shared["buttons"]
    for name, value in actions:
        step_before = w.controls["step"].value
        if name == "click":
            clickable[value].click()
            assert w.step == (min(step_before + 1, 6) if value == "next ▶" else max(step_before - 1, 0))
        else:
            w.controls[name].value = value
        c = {k: w.controls[k].value for k in ("x1", "x2", "target", "step")}
        trace = trace_backprop(w.layers, [c["x1"], c["x2"]], [c["target"]])
        assert w.step == c["step"] and w.loss_value == pytest.approx(trace.loss_value)
        assert w.prediction == pytest.approx(float(trace.y_pred[0]))
        if w.step == 0:
            assert w.stage is None and w.rows == []
        else:
            expected = {t.name: t.downstream for t in trace.stages[w.step - 1].terms}
            assert {r["name"]: r["engine"] for r in w.rows} == pytest.approx(expected)
            for r in w.rows:
                assert r["product"] == pytest.approx(r["engine"], rel=1e-12, abs=1e-15)
                assert r["engine"] == pytest.approx(r["numerical"], rel=1e-5, abs=1e-8)
        assert np.isfinite(w.loss_value) and "nan" not in w.readout()
    return w


@settings(max_examples=25, deadline=None)
@given(BACKPROP_ACTIONS)
def test_any_sequence_of_changes_and_clicks_shows_the_engines_gradients(actions):
    apply_and_check(actions)


@settings(max_examples=6, deadline=None)  # each example ends with a full redraw, which is slow
@given(BACKPROP_ACTIONS)
def test_any_sequence_of_changes_and_clicks_leaves_no_stale_pixels(actions):
    assert_blitted_picture_is_a_full_redraw(apply_and_check(actions))
