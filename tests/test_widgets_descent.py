import warnings

import numpy as np
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from learnnet import landscapes, optimizers
from learnnet.widgets.descent import MAX_STEPS, OPTIMIZERS, GradientDescentExplorer


@pytest.fixture
def explorer():
    w = GradientDescentExplorer(interactive=False)
    yield w
    w.close()


def test_constructs_on_linear_regression_at_step_zero(explorer):
    assert explorer.surface.name == "linear_regression"
    assert explorer.step == 0
    assert set(explorer.points) == set(OPTIMIZERS)
    for point in explorer.points.values():
        np.testing.assert_array_equal(point, explorer.surface.start)


def test_step_shows_exactly_the_engines_trajectory(explorer):
    explorer.set(learning_rate=0.05, step=25)
    for name, (_, _, make) in OPTIMIZERS.items():
        expected = landscapes.descend("linear_regression", make(0.05), start=explorer.start, steps=25)
        np.testing.assert_allclose(explorer.points[name], expected.path[-1], rtol=1e-12)
        assert explorer.losses[name] == pytest.approx(expected.losses[-1], rel=1e-12)
        xs, ys = explorer.lines[name].get_data()
        np.testing.assert_allclose(np.column_stack([xs, ys]), expected.path)


def test_step_button_and_reset(explorer):
    explorer.step_once()
    explorer.step_once()
    assert explorer.step == 2 and all(k == 2 for k in explorer.steps_shown.values())
    explorer.reset()
    assert explorer.step == 0


def test_learning_rate_changes_the_paths(explorer):
    explorer.controls["step"].value = 10
    before = dict(explorer.losses)
    explorer.controls["learning_rate"].value = 0.01
    assert all(explorer.losses[n] > before[n] for n in ("sgd", "momentum"))  # smaller steps: less progress


def test_start_sliders_move_the_start(explorer):
    explorer.set(start_w1=3.0, start_w2=-2.0, step=5)
    np.testing.assert_array_equal(explorer.start, [3.0, -2.0])
    assert explorer.trajectories["adam"].path[0].tolist() == [3.0, -2.0]


def test_surface_change_brings_its_own_start_and_region(explorer):
    explorer.controls["surface"].value = "rosenbrock"
    assert explorer.surface.name == "rosenbrock"
    np.testing.assert_array_equal(explorer.start, landscapes.Rosenbrock.start)
    assert explorer.ax_map.get_xlim() == landscapes.Rosenbrock.bounds[0]
    assert explorer.controls["start_w2"].max == landscapes.Rosenbrock.bounds[1][1]


def test_unticked_optimizers_are_hidden_and_not_run(explorer):
    explorer.set(sgd=False, rmsprop=False, step=3)
    assert set(explorer.points) == {"momentum", "adam"}
    assert not explorer.lines["sgd"].get_visible() and explorer.lines["adam"].get_visible()


def test_large_learning_rate_shows_divergence_without_warnings_or_errors(explorer):
    with warnings.catch_warnings():
        warnings.simplefilter("error")
        explorer.set(surface="bowl", learning_rate=10.0, step=MAX_STEPS)
    assert explorer.diverged["sgd"] and "smaller learning rate" in explorer.diverged["sgd"]
    assert explorer.diverged_text.get_visible() and "SGD diverged" in explorer.diverged_text.get_text()
    assert "DIVERGED" in explorer.readout()
    assert all(np.all(np.isfinite(explorer.points[n])) for n in explorer.points)


def test_momentum_is_faster_than_sgd_in_the_ravine(explorer):
    explorer.set(surface="ravine", learning_rate=0.1, step=60)
    assert explorer.losses["momentum"] < explorer.losses["sgd"]


def test_play_widget_drives_the_step_slider(explorer):
    explorer.widget  # builds the layout with the Play widget, linked to the step slider
    explorer.play.value = 7
    assert explorer.controls["step"].value == 7 and explorer.step == 7


def test_survives_any_sequence_of_control_changes():
    w = GradientDescentExplorer(interactive=False)
    rng = np.random.default_rng(1)
    with warnings.catch_warnings():
        warnings.simplefilter("error", RuntimeWarning)
        for _ in range(30):
            name = str(rng.choice(list(w.controls)))
            c = w.controls[name]
            if name == "surface":
                c.value = str(rng.choice([v for _, v in c.options]))
            elif name in OPTIMIZERS:
                c.value = bool(rng.integers(0, 2))
            elif name == "step":
                c.value = int(rng.integers(0, MAX_STEPS + 1))
            elif name == "learning_rate":
                c.value = float(10 ** rng.uniform(-4, 1))
            else:
                c.value = float(rng.uniform(c.min, c.max))
    for n in w.points:
        assert np.all(np.isfinite(w.points[n]))
    w.close()


def test_optimizers_are_learnnets_own():
    assert isinstance(OPTIMIZERS["adam"][2](0.1), optimizers.Adam)
    assert OPTIMIZERS["momentum"][2](0.1).momentum == 0.9


def assert_blitted_picture_is_a_full_redraw(w):
    """What the learner sees after blitting equals the figure drawn from scratch: no stale artist."""
    blitted = np.asarray(w.fig.canvas.buffer_rgba()).copy()
    w.fig.canvas.draw()
    assert np.array_equal(blitted, np.asarray(w.fig.canvas.buffer_rgba())), "a changed artist was not redrawn"


_shared = {}
DESCENT_ACTIONS = st.lists(st.one_of(
    st.tuples(st.just("surface"), st.sampled_from(list(landscapes.SURFACES))),
    st.tuples(st.just("learning_rate"), st.floats(-4, 1).map(lambda e: float(10 ** e))),
    st.tuples(st.sampled_from(["start_w1", "start_w2"]), st.floats(0, 1)),  # a fraction of the slider's range
    st.tuples(st.sampled_from(list(OPTIMIZERS)), st.booleans()),
    st.tuples(st.just("step"), st.integers(0, MAX_STEPS)),
    st.tuples(st.just("play"), st.integers(1, 8)),                          # that many ticks of the play button
    st.tuples(st.just("click"), st.sampled_from(["step", "reset"]))), min_size=1, max_size=5)


def apply_and_check(actions):
    import ipywidgets
    if "explorer" not in _shared:
        w = _shared["explorer"] = GradientDescentExplorer(interactive=False)
        w._layout(list(w.controls.values()), w._readout_html, ipywidgets.HTML())  # its buttons and play widget
    w = _shared["explorer"]
    with warnings.catch_warnings():
        warnings.simplefilter("error")  # an overflow warning is a failure: divergence must be caught, and shown
        for name, value in actions:
            c = w.controls.get(name)
            if name in ("start_w1", "start_w2"):
                c.value = c.min + value * (c.max - c.min)
            elif name == "play":
                for _ in range(value):
                    w.play.value = min(w.play.value + 1, MAX_STEPS)
            elif name == "click":
                before = w.step
                (w.step_button if value == "step" else w.reset_button).click()
                assert w.step == (min(before + 1, MAX_STEPS) if value == "step" else 0)
            else:
                c.value = value
            check_against_fresh_runs(w)
    return w


def check_against_fresh_runs(w):
    """Every shown point is where a fresh optimizer gets in that many steps; divergence is shown, not hidden."""
    c = {k: control.value for k, control in w.controls.items()}
    assert w.shown == [n for n in OPTIMIZERS if c[n]] and w.step == c["step"]
    start = np.array([c["start_w1"], c["start_w2"]])
    for n in w.shown:
        fresh = landscapes.Trajectory(landscapes.get(c["surface"]), OPTIMIZERS[n][2](c["learning_rate"]), start)
        fresh.run(w.step)
        k = min(w.step, fresh.steps)
        assert w.steps_shown[n] == k
        np.testing.assert_array_equal(w.points[n], fresh.path[k])
        assert np.all(np.isfinite(w.points[n])) and np.isfinite(w.losses[n])
        if fresh.diverged and w.step > fresh.steps:
            assert w.diverged[n] and f"{OPTIMIZERS[n][0]:<20}" in w.readout() and "DIVERGED" in w.readout()
            assert w.diverged_text.get_visible() and OPTIMIZERS[n][0] in w.diverged_text.get_text()
        else:
            assert w.diverged[n] is None
    assert len(w.readout().splitlines()) == 1 + max(len(w.shown), 1)


@settings(max_examples=25, deadline=None)
@given(DESCENT_ACTIONS)
def test_any_sequence_of_changes_and_clicks_shows_the_engines_paths_and_divergence(actions):
    apply_and_check(actions)


@settings(max_examples=6, deadline=None)  # each example ends with a full redraw, which is slow
@given(DESCENT_ACTIONS)
def test_any_sequence_of_changes_and_clicks_leaves_no_stale_pixels(actions):
    assert_blitted_picture_is_a_full_redraw(apply_and_check(actions))
