"""Widget latency: from a control change to the redrawn figure, for every lesson widget.

A learner drags a slider or picks from a dropdown; the widget recomputes through the engine
and redraws. Here each widget is built on a plain Agg canvas (``interactive=False``, what the
tests use) and driven through its public controls exactly as a front-end would: setting
``control.value``. That call returns only after ``_update`` has run and the figure has been
redrawn (blitted, or fully drawn when the axes changed), so its duration is the latency the
learner waits for, minus the browser's share (sending the image to the page), which is not
measured.

Two clocks: the wall clock, and the CPU time of the thread doing the work (``time.thread_time``).
On a shared machine the wall clock also counts the time spent waiting for a CPU that other jobs
hold; the CPU time is what the widget itself costs, i.e. the latency on an otherwise idle core.
The verdicts use CPU time; both are recorded (``wall_*``), with the load average of the run.

Sliders are swept in small steps, up to the maximum, down to the minimum and back (a drag);
dropdowns, toggle buttons and check boxes visit every option and return. Widgets that cannot
be built are reported with the error, not skipped silently.
"""
import importlib
import inspect
import pkgutil
import time
import traceback

import numpy as np

from bench_common import percentile

SLIDER_POINTS = 10  # positions per sweep of a slider, each way


def widget_classes():
    """Every LessonWidget subclass in learnnet.widgets (exported or not), and modules that fail to import."""
    import learnnet.widgets as package
    from learnnet.widgets import LessonWidget
    found, errors = {}, {}
    for info in pkgutil.iter_modules(package.__path__):
        if info.name.startswith("_"):
            continue
        try:
            module = importlib.import_module(f"learnnet.widgets.{info.name}")
        except Exception as exc:  # someone's half-written module must not stop the benchmark
            errors[info.name] = f"{type(exc).__name__}: {exc}"
            continue
        for obj in vars(module).values():
            if isinstance(obj, type) and issubclass(obj, LessonWidget) and obj is not LessonWidget \
                    and obj.__module__ == module.__name__ and not obj.__name__.startswith("_"):
                found[obj.__name__] = obj
    return found, errors


def _options(control):
    values = getattr(control, "_options_values", None)
    if values is None:
        values = [o[1] if isinstance(o, tuple) else o for o in control.options]
    return list(values)


def control_values(control, points=SLIDER_POINTS):
    """The values a learner would pass through: a sweep for sliders, every option for choices."""
    start = control.value
    if hasattr(control, "options"):
        options = _options(control)
        return [v for v in options if v != start] + [start]
    if isinstance(start, bool):
        return [not start, start] * 3
    if not (hasattr(control, "min") and hasattr(control, "max")):
        return []
    kind = type(control).__name__
    if kind == "FloatLogSlider":
        base = control.base
        exps = np.linspace(control.min, control.max, 2 * points + 1)
        path = np.concatenate([exps, exps[::-1]])
        values = [float(base ** e) for e in path]
    else:
        lo, hi = control.min, control.max
        if isinstance(start, (int, np.integer)) and not isinstance(start, bool):
            step = max(1, (hi - lo) // (2 * points))
            up = list(range(int(start), int(hi) + 1, step))
            values = up + list(range(int(hi), int(lo) - 1, -step)) + list(range(int(lo), int(start) + 1, step))
        else:
            step = (hi - lo) / (2 * points)
            grid = np.round(lo + step * np.arange(2 * points + 1), 6)
            values = [float(v) for v in np.concatenate([grid[grid >= start], grid[::-1], grid[grid <= start]])]
    values.append(start)
    out = []
    for v in values:   # consecutive duplicates would not fire a change
        if not out or out[-1] != v:
            out.append(v)
    return [v for v in out[1:]] if out and out[0] == start else out


def make(cls):
    """The widget on a plain Agg canvas: ``interactive=False`` if it takes that argument (with the Agg
    backend selected, a widget that does not follows it anyway)."""
    if "interactive" in inspect.signature(cls).parameters:
        return cls(interactive=False)
    return cls()


def measure_widget(cls):
    """``{control: [(wall seconds, CPU seconds of this thread), ...]}`` for every change of every control."""
    widget = make(cls)
    try:
        widget.fig.canvas.draw()    # the first draw a front-end would make
        by_control = {}
        for name, control in widget.controls.items():
            if not hasattr(control, "value") or getattr(control, "disabled", False):
                continue
            times = []
            for value in control_values(control):
                if control.value == value:
                    continue
                start, cpu = time.perf_counter(), time.thread_time()
                control.value = value
                times.append((time.perf_counter() - start, time.thread_time() - cpu))
            if times:
                by_control[name] = times
        return by_control
    finally:
        widget.close()
        import matplotlib.pyplot as plt
        plt.close(widget.fig)


def measure_playground(cls, steps):
    """Redrawn training steps per second, if the Playground offers ``step()`` (one training step + redraw)."""
    widget = make(cls)
    try:
        if not callable(getattr(widget, "step", None)):
            return {"skipped": f"{cls.__name__} has no step() method to drive headless"}
        widget.fig.canvas.draw()
        widget.step()
        start, cpu = time.perf_counter(), time.thread_time()
        for _ in range(steps):
            widget.step()
        seconds, cpu_seconds = time.perf_counter() - start, time.thread_time() - cpu
        return {"steps": steps, "seconds": seconds, "cpu_seconds": cpu_seconds,
                "wall_steps_per_second": steps / seconds, "steps_per_second": steps / cpu_seconds}
    finally:
        widget.close()


def run(repeats=1, playground_steps=100):
    """``{"widgets": {name: stats}, "errors": {...}, "playground": {...}}``."""
    import matplotlib
    matplotlib.use("Agg")
    classes, errors = widget_classes()
    results = {}
    for name, cls in sorted(classes.items()):
        try:
            by_control = {}
            for _ in range(repeats):
                for control, times in measure_widget(cls).items():
                    by_control.setdefault(control, []).extend(times)
        except Exception as exc:
            errors[name] = f"{type(exc).__name__}: {exc}\n" + traceback.format_exc(limit=3)
            continue
        if not by_control:
            errors[name] = "no controls to change (nothing to time)"
            continue
        cpu = {c: [t[1] for t in times] for c, times in by_control.items()}
        wall = [t[0] for times in by_control.values() for t in times]
        every = [t for times in cpu.values() for t in times]
        slowest = max(cpu, key=lambda c: np.median(cpu[c]))
        results[name] = {
            "changes": len(every),
            "median_ms": 1e3 * float(np.median(every)),
            "p95_ms": 1e3 * percentile(every, 95),
            "max_ms": 1e3 * max(every),
            "wall_median_ms": 1e3 * float(np.median(wall)),
            "wall_p95_ms": 1e3 * percentile(wall, 95),
            "slowest_control": slowest,
            "slowest_control_median_ms": 1e3 * float(np.median(cpu[slowest])),
            "slowest_control_p95_ms": 1e3 * percentile(cpu[slowest], 95),
            "by_control_median_ms": {c: round(1e3 * float(np.median(t)), 2) for c, t in cpu.items()},
        }
    playground_classes = [cls for name, cls in classes.items() if "playground" in name.lower()]
    if playground_classes:
        try:
            playground = measure_playground(playground_classes[0], playground_steps)
        except Exception as exc:
            playground = {"error": f"{type(exc).__name__}: {exc}"}
        playground["widget"] = playground_classes[0].__name__
    else:
        playground = {"skipped": "no Playground widget in learnnet.widgets yet"}
    return {"widgets": results, "errors": errors, "playground": playground}
