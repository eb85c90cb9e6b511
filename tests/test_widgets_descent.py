import warnings

import numpy as np
import pytest

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
