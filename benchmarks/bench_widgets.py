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
dropdowns, toggle buttons and check boxes visit every option and return. Buttons that are not
controls (step, reset, next, back...) are found in the widget's layout and clicked, as the
browser would; only clicks that changed something count (a "back" at step 0 does nothing and
costs nothing), so between them the other buttons are clicked, untimed, to make room (next
until the end, then back...). An ``ipywidgets.Play`` is ticked through its whole range, one
value per tick, as it plays. Toggle buttons outside the controls (the Playground's play) start
background tasks and are not clicked. Widgets that cannot be built are reported with the error,
not skipped silently.

The sweeps come back over values already shown (a drag does too), and the lesson widgets draw their
text from pictures made once per string, so a value shown again is cheaper than a first one: each
slider and menu also reports the median over its first visits only (values not yet shown by that
widget), the latency of a control the learner has not touched yet.

The target is per control: every control's median under 50 ms, its p95 not far over.
``run()`` returns, per widget, the statistics over all its changes (as before) plus ``controls``:
one entry per control with its median, p95 and max by CPU time and by the wall clock.
Run on its own (``python benchmarks/bench_widgets.py [repeats]``), it writes that table to
``benchmarks/results/widget_controls.md`` and ``.json``.
"""
import importlib
import inspect
import json
import pkgutil
import sys
import time
import traceback
from pathlib import Path

import numpy as np

sys.path.insert(0, str(Path(__file__).resolve().parent))
from bench_common import load_average, machine_info, percentile  # noqa: E402

SLIDER_POINTS = 10  # positions per sweep of a slider, each way
BUTTON_CLICKS = 12  # clicks that change something, per button and repeat
ROOM_CLICKS = 6     # untimed clicks of each other button when a button has nothing left to do
TARGET_MS = 50.0    # the target for a control's median
P95_FAR_OVER_MS = 75.0


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


def control_kind(control):
    """What a learner touches: slider, dropdown, toggle buttons, checkbox, button or play."""
    import ipywidgets
    if isinstance(control, ipywidgets.Play):
        return "play"
    if isinstance(control, ipywidgets.Button):
        return "button"
    if hasattr(control, "options"):
        return "toggle buttons" if isinstance(control, ipywidgets.ToggleButtons) else "dropdown"
    if isinstance(getattr(control, "value", None), bool):
        return "checkbox"
    return "slider"


def layout_extras(widget):
    """The buttons and play widgets of the widget's layout that are not among its controls.

    The layout is built with a placeholder where the figure goes, so that building it neither draws
    nor turns on the PNG view (which would add an image encoding to every update).
    """
    import ipywidgets
    controls = {id(c) for c in widget.controls.values()}
    view = widget._layout(list(widget.controls.values()), widget._readout_html, ipywidgets.HTML())
    widget._view = view  # closed with the widget
    found, seen, stack = {}, set(), [view]
    while stack:
        node = stack.pop(0)
        if id(node) in seen:
            continue
        seen.add(id(node))
        if id(node) not in controls and isinstance(node, (ipywidgets.Button, ipywidgets.Play)):
            label = node.description.strip() or type(node).__name__.lower()
            name = f"[{label}]" if isinstance(node, ipywidgets.Button) else f"{label} (ticks)"
            found[name] = node
        stack.extend(getattr(node, "children", ()))
    return found


def _click_changes(widget, button):
    """Click; True if the widget updated (the click did something)."""
    before = widget.update_count
    button.click()
    return widget.update_count != before


def measure_buttons(widget, buttons, clicks=BUTTON_CLICKS):
    """``{name: [(wall, cpu), ...]}``: each button clicked until ``clicks`` clicks changed something.

    A click that changed nothing is not counted; the other buttons are then clicked (untimed, at most
    ``ROOM_CLICKS`` each, until they too change nothing) to give it something to do again.
    """
    out = {}
    for name, button in buttons.items():
        times, misses = [], 0
        while len(times) < clicks and misses < 3:
            before = widget.update_count
            start, cpu = time.perf_counter(), time.thread_time()
            button.click()
            wall, cpu = time.perf_counter() - start, time.thread_time() - cpu
            if widget.update_count != before:
                times.append((wall, cpu))
                continue
            misses += 1
            for other_name, other in buttons.items():
                if other is not button:
                    for _ in range(ROOM_CLICKS):
                        if not _click_changes(widget, other):
                            break
        if times:
            out[name] = times
    return out


def measure_play(widget, play):
    """Every tick of a play widget, from its minimum to its maximum: ``[(wall, cpu), ...]``."""
    play.value = play.min  # untimed: rewind
    times = []
    for value in range(play.min + play.step, play.max + 1, play.step):
        start, cpu = time.perf_counter(), time.thread_time()
        play.value = value
        times.append((time.perf_counter() - start, time.thread_time() - cpu))
    play.value = play.min
    return times


def measure_widget(cls, extras=None):
    """``{control: [(wall seconds, CPU seconds of this thread, first visit), ...]}`` for every change of every
    control; ``first visit`` says whether the control's value had not been shown before by this widget
    (None for buttons and play widgets).

    With ``extras`` (a dict), buttons and play widgets of the layout are timed too, and ``extras``
    receives ``"kinds"``: ``{name: kind}`` for every timed control (and ``"error"`` if the layout
    could not be built).
    """
    widget = make(cls)
    try:
        widget.fig.canvas.draw()    # the first draw a front-end would make
        by_control = {}
        for name, control in widget.controls.items():
            if not hasattr(control, "value") or getattr(control, "disabled", False):
                continue
            times, seen = [], {control.value}
            for value in control_values(control):
                if control.value == value:
                    continue
                start, cpu = time.perf_counter(), time.thread_time()
                control.value = value
                times.append((time.perf_counter() - start, time.thread_time() - cpu, value not in seen))
                seen.add(value)
            if times:
                by_control[name] = times
        if extras is not None:
            try:
                found = layout_extras(widget)
            except Exception as exc:
                extras["error"] = f"layout not built, buttons not timed: {type(exc).__name__}: {exc}"
                found = {}
            buttons = {n: b for n, b in found.items() if control_kind(b) == "button"}
            by_control.update(measure_buttons(widget, buttons))
            for name, play in found.items():
                if control_kind(play) == "play":
                    by_control[name] = measure_play(widget, play)
            every = {**widget.controls, **found}
            extras.setdefault("kinds", {}).update({n: control_kind(every[n]) for n in by_control})
        return by_control
    finally:
        widget.close()
        import matplotlib.pyplot as plt
        plt.close(widget.fig)


def control_stats(times):
    """Median, p95 and max of ``[(wall, cpu[, first visit]), ...]`` in ms, by CPU time and (``wall_*``) by the
    wall clock, and the CPU median over first visits (``first_median_ms``, None when not known)."""
    cpu, wall = [t[1] for t in times], [t[0] for t in times]
    first = [t[1] for t in times if len(t) > 2 and t[2]]
    return {"changes": len(times),
            "median_ms": round(1e3 * float(np.median(cpu)), 2), "p95_ms": round(1e3 * percentile(cpu, 95), 2),
            "max_ms": round(1e3 * max(cpu), 2),
            "first_changes": len(first),
            "first_median_ms": round(1e3 * float(np.median(first)), 2) if first else None,
            "wall_median_ms": round(1e3 * float(np.median(wall)), 2),
            "wall_p95_ms": round(1e3 * percentile(wall, 95), 2)}


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
    """``{"widgets": {name: stats}, "errors": {...}, "playground": {...}}``.

    ``stats`` summarises all the widget's changes (``median_ms``, ``p95_ms``...) and has ``controls``:
    ``{control: {"kind", "changes", "median_ms", "p95_ms", "max_ms", "wall_median_ms", "wall_p95_ms"}}``
    for every control, button and play widget, and ``load_average`` at the widget's start and end.
    """
    import matplotlib
    matplotlib.use("Agg")
    classes, errors = widget_classes()
    results = {}
    for name, cls in sorted(classes.items()):
        load_before = load_average()
        try:
            by_control, extras = {}, {}
            for _ in range(repeats):
                for control, times in measure_widget(cls, extras).items():
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
        kinds = extras.get("kinds", {})
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
            "controls": {c: {"kind": kinds.get(c), **control_stats(times)} for c, times in by_control.items()},
            "load_average": {"start": load_before, "end": load_average()},
        }
        if "error" in extras:
            results[name]["buttons_error"] = extras["error"]
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


def verdict(stats):
    if stats["median_ms"] > TARGET_MS:
        return "❌ median over"
    if stats["p95_ms"] > P95_FAR_OVER_MS:
        return "⚠️ p95 far over"
    return "✅"


def control_table(result, machine, repeats, seconds):
    """The per-control table as Markdown."""
    load = machine.get("load_average_at_start")
    lines = [
        "# Widget latency per control",
        "",
        f"`python benchmarks/bench_widgets.py {repeats}` at git {machine['git']['commit']}, {machine['date']}, "
        f"{seconds:.0f} s. {machine['cpu']}, {machine['usable_cpus']} usable CPUs, matplotlib "
        f"{machine['matplotlib']}, Agg canvas (`interactive=False`).",
        f"Load average (1, 5, 15 min): {load} at start, {load_average()} at end; the machine is shared, so "
        "the verdicts use the CPU time of the thread doing the work (`time.thread_time`), and the wall "
        "clock is shown beside it.",
        "",
        f"Target: every control's median ≤ {TARGET_MS:.0f} ms; ⚠️ marks a p95 above {P95_FAR_OVER_MS:.0f} ms. "
        "Sliders are swept (a drag up, down and back), dropdowns and check boxes visit every option, "
        "buttons are clicked (only clicks that changed something count) and play widgets tick through "
        f"their whole range; everything {repeats} times.",
        "",
        "The first-visit median counts only the changes to a value the widget had not shown yet (text seen "
        "before is drawn from a picture, so later visits are cheaper); — for buttons and play widgets.",
        "",
        "| widget | control | kind | changes | CPU median ms | CPU p95 ms | CPU max ms | CPU median, first visits ms "
        "| wall median ms | wall p95 ms | |",
        "| --- | --- | --- | ---: | ---: | ---: | ---: | ---: | ---: | ---: | --- |",
    ]
    for name, stats in result["widgets"].items():
        for control, c in stats["controls"].items():
            first = "—" if c.get("first_median_ms") is None else f"{c['first_median_ms']:.1f} ({c['first_changes']})"
            lines.append(f"| {name} | {control} | {c['kind']} | {c['changes']} | {c['median_ms']:.1f} | "
                         f"{c['p95_ms']:.1f} | {c['max_ms']:.1f} | {first} | {c['wall_median_ms']:.1f} | "
                         f"{c['wall_p95_ms']:.1f} | {verdict(c)} |")
    worst = sorted(((c["median_ms"], w, n, c) for w, s in result["widgets"].items()
                    for n, c in s["controls"].items()), key=lambda t: t[0], reverse=True)[:5]
    lines += ["", "Slowest controls (CPU median): " + "; ".join(
        f"{w}.{n} {m:.1f} ms (p95 {c['p95_ms']:.1f})" for m, w, n, c in worst) + "."]
    notes = [f"- {w}: {s['buttons_error']}" for w, s in result["widgets"].items() if "buttons_error" in s]
    notes += [f"- {w}: not timed: {e.splitlines()[0]}" for w, e in result["errors"].items()]
    if notes:
        lines += ["", "Not timed:", ""] + notes
    return "\n".join(lines) + "\n"


def main(argv):
    repeats = int(argv[1]) if len(argv) > 1 else 3
    machine = machine_info()
    start = time.perf_counter()
    result = run(repeats=repeats, playground_steps=20)
    seconds = time.perf_counter() - start
    out = Path(__file__).resolve().parent / "results"
    out.mkdir(exist_ok=True)
    table = control_table(result, machine, repeats, seconds)
    (out / "widget_controls.md").write_text(table)
    doc = {"machine": machine, "load_average_at_end": load_average(), "repeats": repeats, "seconds": seconds,
           "target_median_ms": TARGET_MS, "p95_far_over_ms": P95_FAR_OVER_MS,
           "widgets": {name: {"controls": stats["controls"], "load_average": stats["load_average"]}
                       for name, stats in result["widgets"].items()},
           "errors": result["errors"]}
    (out / "widget_controls.json").write_text(json.dumps(doc, indent=1, ensure_ascii=False) + "\n")
    print(table)


if __name__ == "__main__":
    main(sys.argv)
