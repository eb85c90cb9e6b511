"""Every widget on the live ipympl canvas, as JupyterLab drives it, without a browser.

In JupyterLab the figure lives in the browser: the kernel sends ``{"type": "draw"}`` to ask for a
redraw, the browser answers with a draw request, and after *every* message the kernel handles,
pyplot redraws each figure still marked stale (``pyplot.draw_all``). A widget that leaves its
figure stale after drawing it therefore keeps the kernel busy forever: draw request, draw, still
stale, draw request... (seen in the browser test, about four full redraws a second with nothing
touched). This test plays the kernel's side of that conversation for every widget, in a separate
Python so that switching matplotlib to the ipympl backend does not leak into other tests.
"""
import importlib.util
import json
import subprocess
import sys
import textwrap

import pytest

# Not importorskip: importing ipympl switches matplotlib to its backend in this whole process
# (ipympl/__init__.py), and the other widget tests draw on Agg. These tests use it in a subprocess.
pytestmark = pytest.mark.skipif(importlib.util.find_spec("ipympl") is None, reason="ipympl is not installed")


def _run(script, timeout=300):
    """Run ``script`` in a new Python (on ipympl's backend) and return the JSON of its last line."""
    out = subprocess.run([sys.executable, "-c", script], capture_output=True, text=True, timeout=timeout)
    assert out.returncode == 0, out.stderr[-4000:]
    return json.loads(out.stdout.strip().splitlines()[-1])

SCRIPT = textwrap.dedent('''
    import importlib, json, pkgutil, sys
    import matplotlib
    matplotlib.use("module://ipympl.backend_nbagg")
    import matplotlib.pyplot as plt
    from matplotlib import _pylab_helpers
    plt.ion()  # what %matplotlib widget leaves on

    import learnnet.widgets as package
    from learnnet.widgets import LessonWidget

    classes = {}
    for info in pkgutil.iter_modules(package.__path__):
        if not info.name.startswith("_"):
            module = importlib.import_module(f"learnnet.widgets.{info.name}")
            for obj in vars(module).values():
                if (isinstance(obj, type) and issubclass(obj, LessonWidget) and obj is not LessonWidget
                        and obj.__module__ == module.__name__ and not obj.__name__.startswith("_")):
                    classes[obj.__name__] = obj

    def first_control(widget):
        for name, control in widget.controls.items():
            if hasattr(control, "min") and hasattr(control, "max"):
                return name, control
        return None, None

    report = {}
    for name, cls in sorted(classes.items()):
        widget = cls()  # with the ipympl backend, a widget is live by default
        if not widget.interactive:  # the Playground draws on Agg and shows a PNG: no pyplot figure
            report[name] = {"after_first_draw": 0, "idle_draw_requests": 0, "stale": False, "moved": "png view"}
            continue
        canvas = widget.fig.canvas
        sent = []
        canvas.send_event = lambda event_type, **kw: sent.append(event_type)
        canvas.send_binary = lambda data: sent.append("image")
        widget.widget  # the layout a notebook displays

        canvas.handle_draw({"type": "draw"})           # the browser asks for the first image
        _pylab_helpers.Gcf.draw_all()                  # what pyplot does after that message
        after_first = sent.count("draw")

        control_name, control = first_control(widget)
        if control is not None:                         # the learner moves the first slider
            span = control.max - control.min
            control.value = control.min + span * (0.3 if control.value > control.min + span / 2 else 0.7)
            if "draw" in sent[after_first:]:            # a full redraw was asked for: the browser answers
                canvas.handle_draw({"type": "draw"})
            _pylab_helpers.Gcf.draw_all()
        sent.clear()
        for _ in range(3):                              # three more messages, nothing changed
            _pylab_helpers.Gcf.draw_all()
        report[name] = {"after_first_draw": after_first, "idle_draw_requests": sent.count("draw"),
                        "stale": bool(widget.fig.stale), "moved": control_name}
        plt.close(widget.fig)
    print(json.dumps(report))
''')


def test_no_widget_keeps_the_kernel_redrawing_when_nothing_changes():
    report = _run(SCRIPT)
    assert len(report) >= 10, report  # every lesson widget was exercised
    looping = {name: r for name, r in report.items() if r["after_first_draw"] or r["idle_draw_requests"] or r["stale"]}
    assert not looping, f"these widgets leave their figure stale, so pyplot keeps asking for redraws: {looping}"


KEY_FRAME_SCRIPT = textwrap.dedent('''
    import asyncio, json
    import matplotlib
    matplotlib.use("module://ipympl.backend_nbagg")
    import matplotlib.pyplot as plt
    plt.ion()
    from learnnet.widgets import NeuronExplorer

    async def main():
        widget = NeuronExplorer()
        canvas = widget.fig.canvas
        modes = []
        canvas.send_event = lambda event_type, **kw: event_type == "image_mode" and modes.append(kw["mode"])
        canvas.send_binary = lambda data: modes.append("image")
        widget.widget
        canvas.handle_draw({"type": "draw"})
        for value in (0.1, 0.2, 0.3, 0.4):          # a quick drag: each change a blit, sent as a diff
            widget.controls["x1"].value = value
        during = list(modes)
        await asyncio.sleep(widget.KEY_FRAME_SECONDS + 0.4)   # the learner stops
        print(json.dumps({"during": during, "after": modes[len(during):]}))

    asyncio.run(main())
''')


def test_a_whole_image_follows_a_burst_of_diff_images_once_the_controls_rest():
    # ipympl sends blits as diffs that the browser paints over what it shows; if the browser
    # drops one (images arriving faster than it loads them), parts of the figure vanish. The
    # widget sends the whole image again once the controls have been still for a moment.
    modes = _run(KEY_FRAME_SCRIPT)
    assert "diff" in modes["during"], modes        # the drag itself is sent cheaply, as diffs
    assert modes["after"] == ["full", "image"], modes  # then exactly one whole image


SIZE_SCRIPT = textwrap.dedent('''
    import json
    import matplotlib
    matplotlib.use("module://ipympl.backend_nbagg")
    import matplotlib.pyplot as plt
    plt.ion()
    from learnnet import widgets

    report = {}
    for name in widgets.__all__:
        cls = getattr(widgets, name)
        if not isinstance(cls, type) or not issubclass(cls, widgets.LessonWidget) or cls is widgets.LessonWidget:
            continue
        widget = cls()
        if not widget.interactive:
            continue
        canvas = widget.fig.canvas
        shown = tuple(float(v) for v in canvas._size)          # what the browser gets with the figure
        announced = []
        canvas.send_json = lambda content: announced.append(content)
        changes = []
        canvas.observe(lambda change: changes.append(change["new"]), names="_size")
        canvas._handle_message(canvas, {"type": "initialized"}, [])   # the browser's first message
        resize = [c["size"] for c in announced if c["type"] == "resize"]
        report[name] = {"shown": shown, "announced": [tuple(map(float, s)) for s in resize],
                        "size_changes": len(changes)}
        plt.close(widget.fig)
    print(json.dumps(report))
''')


def test_every_figure_reaches_the_browser_with_its_size():
    # ipympl's browser side sizes a figure's picture from the canvas's _size when it appears, and
    # again when the kernel answers the browser's first message with a "resize". ipympl fills
    # _size only then, so the picture starts 0 x 0 and depends on that size update arriving before
    # the resize message: once in ~40 widgets in the browser test it did not, and the figure stayed
    # empty. Every widget's figure therefore carries its size from the start, and the first
    # message changes nothing.
    report = _run(SIZE_SCRIPT)
    assert len(report) >= 9, report
    for name, r in report.items():
        assert r["shown"][0] > 100 and r["shown"][1] > 100, (name, r)
        assert r["announced"] == [r["shown"]], (name, r)
        assert r["size_changes"] == 0, (name, r)


DIFF_SCRIPT = textwrap.dedent('''
    import io, json
    import numpy as np
    import matplotlib
    matplotlib.use("module://ipympl.backend_nbagg")
    import matplotlib.pyplot as plt
    from matplotlib.backends.backend_webagg_core import FigureCanvasWebAggCore
    from PIL import Image
    from learnnet.widgets import ConvExplorer, ForwardPassViewer, NeuronExplorer

    def decoded(png):
        return None if png is None else np.asarray(Image.open(io.BytesIO(png)).convert("RGBA"))

    report = []
    for cls in (NeuronExplorer, ForwardPassViewer, ConvExplorer):
        widget = cls()
        canvas = widget.fig.canvas
        canvas.send_json = lambda content: None
        canvas.send_binary = lambda data: None
        ours = canvas.get_diff_image

        def both(canvas=canvas, ours=ours, name=cls.__name__):
            # every image the figure sends, made by matplotlib and by learnnet from the same state
            state = (canvas._last_buff.copy(), canvas._force_full, canvas._png_is_old)
            theirs = decoded(FigureCanvasWebAggCore.get_diff_image(canvas))
            their_mode = canvas._current_image_mode
            canvas._last_buff, canvas._force_full, canvas._png_is_old = state
            png = ours()
            mine = decoded(png)
            same = (mine is None) == (theirs is None) and (mine is None or np.array_equal(mine, theirs))
            report.append({"widget": name, "mode": canvas._current_image_mode, "theirs": their_mode,
                           "changed_pixels": 0 if mine is None else int((mine[..., 3] > 0).sum()),
                           "same": bool(same and canvas._current_image_mode == their_mode)})
            return png
        canvas.get_diff_image = both
        widget.widget
        sliders = [c for c in widget.controls.values() if hasattr(c, "min") and not isinstance(c.value, str)]
        canvas.handle_draw({"type": "draw"})          # the first, whole image
        for i, control in enumerate(sliders[:3] * 2):  # each change is blitted and sent as a diff
            control.value = control.min + (control.max - control.min) * (0.2 + 0.13 * i)
        widget._send_key_frame()                       # and a whole image again
        plt.close(widget.fig)
    print(json.dumps(report))
''')


def test_the_faster_images_sent_to_the_browser_are_matplotlibs_pixel_for_pixel():
    # learnnet encodes the images a live figure sends (diffs after a blit, whole ones after a full
    # draw) itself, without Pillow's row filters; the browser must get exactly the pixels and the
    # image mode matplotlib's own web canvas would send.
    report = _run(DIFF_SCRIPT)
    assert len(report) >= 15, report
    assert all(r["same"] for r in report), [r for r in report if not r["same"]]
    for widget in ("NeuronExplorer", "ForwardPassViewer", "ConvExplorer"):   # both kinds were compared
        sent = [r for r in report if r["widget"] == widget]
        assert {r["mode"] for r in sent} == {"diff", "full"}, sent
        assert any(r["changed_pixels"] > 0 for r in sent if r["mode"] == "diff"), sent
