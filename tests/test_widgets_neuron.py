"""NeuronExplorer: every number it shows is the engine's Neuron, and it survives any control changes."""
import base64
import importlib.util
import os
import subprocess
import sys
import textwrap

import matplotlib

matplotlib.use("Agg")

import numpy as np
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st
from matplotlib.backends.backend_agg import FigureCanvasAgg

from learnnet import Neuron, activations
from learnnet.widgets import NeuronExplorer
from learnnet.widgets.neuron import NEURON_ACTIVATIONS


@pytest.fixture
def explorer():
    w = NeuronExplorer()
    yield w
    w.close()


def engine(w1, w2, b, activation, x):
    n = Neuron(weights=[w1, w2], bias=b, activation=activation)
    a = float(n(np.array(x, dtype=float)))
    return float(n.z), a


def test_constructs_with_no_arguments_on_an_agg_canvas(explorer):
    assert isinstance(explorer.fig.canvas, FigureCanvasAgg)
    assert set(explorer.controls) == {"x1", "x2", "w1", "w2", "b", "activation"}
    assert explorer.update_count == 1


def test_default_numbers_are_the_engines_neuron(explorer):
    z, a = engine(0.5, -1.0, 0.1, "sigmoid", [1.0, 2.0])
    assert explorer.z == pytest.approx(z) == pytest.approx(-1.4)
    assert explorer.a == pytest.approx(a)
    assert "z = w·x + b = -1.4000" in explorer.readout()
    assert "a = sigmoid(z) = 0.1978" in explorer.readout()


@pytest.mark.parametrize("name, value", [("x1", -2.0), ("x2", 0.7), ("w1", 2.5), ("w2", -0.3), ("b", 1.2)])
def test_each_slider_changes_z_and_a_as_the_engine_says(explorer, name, value):
    explorer.controls[name].value = value
    c = {k: explorer.controls[k].value for k in ("x1", "x2", "w1", "w2", "b")}
    z, a = engine(c["w1"], c["w2"], c["b"], "sigmoid", [c["x1"], c["x2"]])
    assert explorer.z == pytest.approx(z)
    assert explorer.a == pytest.approx(a)
    assert f"{z:.4f}" in explorer.readout()


@pytest.mark.parametrize("name", NEURON_ACTIVATIONS)
def test_activation_dropdown_applies_that_activation_to_the_same_z(explorer, name):
    z_before = explorer.z
    explorer.controls["activation"].value = name
    assert explorer.z == pytest.approx(z_before)
    assert explorer.a == pytest.approx(float(activations.get(name).forward(np.array(z_before))))
    assert explorer.threshold == pytest.approx(float(activations.get(name).forward(np.array(0.0))))
    assert f"a = {name}(z)" in explorer.readout()


def test_surface_is_the_engines_output_over_the_plane(explorer):
    explorer.set(w1=1.5, w2=0.5, b=-0.5, activation="tanh")
    n = Neuron(weights=[1.5, 0.5], bias=-0.5, activation="tanh")
    lo, hi = explorer.plane_limits
    # corners of the image: row 0 is the bottom (x2 = lo), column 0 the left (x1 = lo)
    assert explorer.surface[0, 0] == pytest.approx(float(n(np.array([lo, lo]))))
    assert explorer.surface[-1, -1] == pytest.approx(float(n(np.array([hi, hi]))))
    assert explorer.surface[0, -1] == pytest.approx(float(n(np.array([hi, lo]))))
    assert np.array_equal(explorer.surface_image.get_array(), explorer.surface)


def test_decision_boundary_is_where_z_is_zero(explorer):
    explorer.set(w1=1.0, w2=2.0, b=0.5)
    xs, ys = explorer.boundary
    assert len(xs) == 2
    np.testing.assert_allclose(1.0 * xs + 2.0 * ys + 0.5, 0, atol=1e-9)
    assert np.array_equal(explorer.boundary_line.get_xdata(), xs)


def test_no_boundary_is_drawn_when_both_weights_are_zero(explorer):
    explorer.set(w1=0.0, w2=0.0)
    assert len(explorer.boundary[0]) == 0
    assert explorer.z == pytest.approx(explorer.controls["b"].value)


def test_input_point_and_curve_point_follow_the_numbers(explorer):
    explorer.set(x1=-1.5, x2=2.5)
    assert tuple(explorer.input_point.get_xydata()[0]) == pytest.approx((-1.5, 2.5))
    assert tuple(explorer.curve_point.get_xydata()[0]) == pytest.approx((explorer.z, explorer.a))


def test_set_changes_several_controls_with_one_update(explorer):
    before = explorer.update_count
    explorer.set(x1=0.0, x2=0.0, b=0.3)
    assert explorer.update_count == before + 1
    assert explorer.z == pytest.approx(0.3)
    with pytest.raises(KeyError, match="no control 'bias'"):
        explorer.set(bias=1.0)


controls = st.sampled_from(["x1", "x2", "w1", "w2", "b", "activation"])


_shared = {}


@settings(max_examples=12, deadline=None)
@given(st.lists(st.tuples(controls, st.floats(-3, 3), st.sampled_from(NEURON_ACTIVATIONS)), max_size=12))
def test_survives_any_sequence_of_control_changes(changes):
    w = _shared.setdefault("explorer", NeuronExplorer())  # one widget: the sequences run on after each other
    for name, number, activation in changes:
        w.controls[name].value = activation if name == "activation" else number
        c = {k: w.controls[k].value for k in ("x1", "x2", "w1", "w2", "b")}
        z, a = engine(c["w1"], c["w2"], c["b"], w.controls["activation"].value, [c["x1"], c["x2"]])
        assert w.z == pytest.approx(z) and w.a == pytest.approx(a)
        assert np.all(np.isfinite(w.surface))


def test_display_bundle_has_live_widget_static_png_and_the_readout_as_text(explorer):
    bundle = explorer._repr_mimebundle_()
    assert "application/vnd.jupyter.widget-view+json" in bundle
    assert bundle["text/plain"].startswith("NeuronExplorer\n")
    assert "a = sigmoid(z) = 0.1978" in bundle["text/plain"]
    assert base64.b64decode(bundle["image/png"])[:8] == b"\x89PNG\r\n\x1a\n"


def test_static_png_includes_the_moving_parts(explorer):
    before = explorer.png()
    explorer.controls["x1"].value = -2.0
    assert explorer.png() != before


def test_without_ipympl_the_widget_shows_a_png_that_follows_the_controls(explorer):
    view = explorer.widget
    image = view.children[-1]
    first = image.value
    explorer.controls["w2"].value = 2.0
    assert image.value != first


def test_under_ipympl_the_figure_is_a_live_canvas_in_the_layout():
    if importlib.util.find_spec("ipympl") is None:  # importing ipympl would switch this process's backend
        pytest.skip("ipympl is not installed")
    code = textwrap.dedent("""
        import matplotlib
        from learnnet.widgets import NeuronExplorer
        w = NeuronExplorer()
        assert w.interactive, matplotlib.get_backend()
        assert type(w.fig.canvas).__module__.startswith("ipympl"), type(w.fig.canvas)
        assert w.widget.children[-1] is w.fig.canvas
        w.controls["x1"].value = -1.0
        print(round(w.z, 6))
    """)
    env = dict(os.environ, MPLBACKEND="module://ipympl.backend_nbagg")
    out = subprocess.run([sys.executable, "-c", code], env=env, capture_output=True, text=True, timeout=120)
    assert out.returncode == 0, out.stderr
    assert out.stdout.strip() == "-2.4"


def assert_blitted_picture_is_a_full_redraw(w):
    """What the learner sees after blitting equals the figure drawn from scratch: no stale artist."""
    blitted = np.asarray(w.fig.canvas.buffer_rgba()).copy()
    w.fig.canvas.draw()
    assert np.array_equal(blitted, np.asarray(w.fig.canvas.buffer_rgba())), "a changed artist was not redrawn"


NEURON_CHANGES = st.lists(st.one_of(
    st.tuples(st.sampled_from(["x1", "x2", "w1", "w2", "b"]), st.floats(-3, 3, allow_nan=False)),
    st.tuples(st.just("activation"), st.sampled_from(NEURON_ACTIVATIONS))), min_size=1, max_size=5)


def apply_and_check(changes):
    """Apply the changes to one shared widget (sequences run on after each other), checking every number."""
    w = _shared.setdefault("checked", NeuronExplorer(interactive=False))
    for name, value in changes:
        w.controls[name].value = value
        c = {k: w.controls[k].value for k in ("x1", "x2", "w1", "w2", "b")}
        f = w.controls["activation"].value
        z, a = engine(c["w1"], c["w2"], c["b"], f, [c["x1"], c["x2"]])
        assert (w.z, w.a) == (pytest.approx(z), pytest.approx(a))
        assert w.threshold == pytest.approx(float(activations.get(f).forward(np.array(0.0))))
        n = Neuron(weights=[c["w1"], c["w2"]], bias=c["b"], activation=f)
        np.testing.assert_allclose(w.surface.ravel(), n(w._grid), rtol=1e-6, atol=1e-7)
        assert tuple(w.input_point.get_xydata()[0]) == pytest.approx((c["x1"], c["x2"]))
        assert tuple(w.curve_point.get_xydata()[0]) == pytest.approx((w.z, w.a))
        text = w.readout()
        assert f"z = w·x + b = {z:.4f}" in text and f"a = {f}(z) = {a:.4f}" in text
    return w


@settings(max_examples=25, deadline=None)
@given(NEURON_CHANGES)
def test_any_sequence_of_changes_shows_the_engines_numbers(changes):
    apply_and_check(changes)


@settings(max_examples=6, deadline=None)  # each example ends with a full redraw, which is slow
@given(NEURON_CHANGES)
def test_any_sequence_of_changes_leaves_no_stale_pixels(changes):
    assert_blitted_picture_is_a_full_redraw(apply_and_check(changes))


def test_text_drawn_from_its_picture_is_matplotlibs_text_on_whole_pixels():
    # NeuronExplorer (like every lesson widget) draws its changing text from pictures, the shared helper in
    # learnnet/widgets/_base.py: a text at a whole-pixel place must come out exactly as matplotlib draws it
    from matplotlib.figure import Figure

    from learnnet.widgets._base import TextPictures

    fig = Figure(figsize=(4, 2), dpi=100)
    FigureCanvasAgg(fig)
    texts = [fig.text(0.125, 0.75, "z = 1.53·(0.02) + (0.12) = 0.345"),
             fig.text(0.125, 0.5, "w₁=0.50", color="#b2182b", fontsize=8),
             fig.text(0.125, 0.25, r"$L = w_1^2 + w_2^2$", fontsize=11)]
    pictures = TextPictures()

    def drawn(from_pictures):
        fig.canvas.draw()  # the texts drawn by matplotlib, over a white figure
        renderer = fig.canvas.get_renderer()
        if from_pictures:
            fig.patch.draw(renderer)
            for text in texts:
                text.draw(pictures.renderer(renderer))
        return np.asarray(fig.canvas.buffer_rgba()).copy()

    assert np.array_equal(drawn(True), drawn(False))
    assert np.array_equal(drawn(True), drawn(False))  # again, from the pictures kept
    assert len(pictures.pictures) == 3
    texts[1].set_text("w₁=-0.50")     # a new string, then a new colour: new pictures, still exact
    texts[2].set_color("#2166ac")
    assert np.array_equal(drawn(True), drawn(False))
    assert len(pictures.pictures) == 5


def test_text_pictures_keep_to_their_memory_budget_dropping_the_least_recently_drawn():
    from matplotlib.figure import Figure

    from learnnet.widgets._base import TextPictures

    fig = Figure(figsize=(4, 2), dpi=100)
    FigureCanvasAgg(fig)
    fig.canvas.draw()
    text = fig.text(0.125, 0.5, "")
    pictures = TextPictures(max_bytes=20_000)
    renderer = pictures.renderer(fig.canvas.get_renderer())
    for value in range(40):  # a slider dragged through 40 new numbers
        text.set_text(f"{value / 10:.2f}")
        text.draw(renderer)
    assert 0 < pictures.bytes <= 20_000
    assert pictures.bytes == sum(image.nbytes for image, _ in pictures.pictures.values())
    assert "3.90" in [key[0] for key in pictures.pictures] and "0.00" not in [key[0] for key in pictures.pictures]
