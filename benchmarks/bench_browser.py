"""Widget latency as a learner feels it: key press on a slider -> new figure on the screen, in a browser.

``bench_widgets.py`` times the kernel's share (control change -> figure redrawn, on Agg). This adds
what it cannot see: the message from the browser to the kernel, ipympl's PNG of the changed part,
its way back and the paint. It starts JupyterLab over a copy of ``lessons/`` (as
``tests/test_browser.py`` does), runs each lesson with widgets in headless Chromium at 1366x768,
and for every widget with an enabled slider presses the arrow keys on its first slider's handle
(one step each, right then left, alternating), timing each press until the figure in the page
has changed.

    python benchmarks/bench_browser.py [--presses 20] [--lessons 01 02 ...] [--play-rounds 3] [--play-seconds 5]

Then lesson 07's Playground plays (``--play-rounds`` rounds of ``--play-seconds`` each; 0 rounds
to skip): after Run All the lesson's first Playground is set back to its default 2-4-2 network
(features x1, x2; hidden layers of 4 and 2 neurons), its play button is pressed, and for the
round's duration the page counts the **new pictures** it shows (each image the widget loads is read
at the next animation frame, scaled down and hashed: a picture counts if its pixels changed), while
the kernel counts its **training steps** (``Playground.frame_seconds``, one entry per redrawn step).
Beside them, the CPU time each process spent per picture (the kernel, the Jupyter server,
Chromium's processes), which is where a frame's time goes on a shared machine.

Writes ``benchmarks/results/browser_latency.md`` and ``.json``. Needs Playwright's Python
package and Debian's ``chromium``. The figure is compared by reading its pixels (scaled down and
hashed), which itself costs a few milliseconds: that cost is measured and reported beside the
latencies, which include it.
"""
import argparse
import json
import os
import platform
import re
import shutil
import statistics
import sys
import tempfile
import time
from pathlib import Path

REPO = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(REPO / "tests"))

from test_browser import (CHROMIUM_FLAGS, IDLE_KERNEL, SLIDER, VIEWPORT, Lab,  # noqa: E402
                          PICTURE_MONITOR, _chromium, _wait_until_still, run_all)

# A cheap fingerprint of the figure's pixels (``FIGURE``'s toDataURL encodes a PNG: tens of ms):
# each canvas scaled into a small one, its bytes hashed. Image views compare their source.
FAST_FIGURE = """(output) => {
    const canvases = [...output.querySelectorAll('canvas')].filter(c => c.width > 0);
    if (!canvases.length) return [...output.querySelectorAll('img')].map(i => i.src).join('|');
    const small = window.__benchCanvas || (window.__benchCanvas = document.createElement('canvas'));
    small.width = 320; small.height = 160;
    const context = small.getContext('2d', {willReadFrequently: true});
    let hash = 0;
    for (const canvas of canvases) {
        context.clearRect(0, 0, 320, 160);
        context.drawImage(canvas, 0, 0, 320, 160);
        const bytes = context.getImageData(0, 0, 320, 160).data;
        for (let i = 0; i < bytes.length; i++) hash = (hash * 31 + bytes[i]) | 0;
    }
    return String(hash);
}"""
# Timed inside the page: from the key press (a capturing listener notes performance.now()) to the
# animation frame in which the figure's pixels are seen to differ.
MARK_KEYS = "() => document.addEventListener('keydown', () => { window.__pressed = performance.now(); }, true)"
CHANGED = """([output, before]) => {
    const t = performance.now(), now = (%s)(output);
    window.__readMs = performance.now() - t;
    if (now && now !== before) { window.__changed = t; return true; }
    return false;
}""" % FAST_FIGURE


def percentile(values, q):
    ordered = sorted(values)
    return ordered[min(len(ordered) - 1, int(round(q / 100 * (len(ordered) - 1))))]


def run_lesson(page, lab, lesson, presses, log):
    notebook = run_all(page, lab, lesson)
    page.evaluate(MARK_KEYS)
    results = []
    widgets = notebook.locator(".jp-OutputArea-output:has(.jupyter-widgets)")
    for index in range(widgets.count()):
        output = widgets.nth(index)
        if not output.locator(SLIDER).count():
            continue
        output.evaluate("(e) => e.scrollIntoView({block: 'start'})")
        handle = output.locator(SLIDER).first.locator(".noUi-handle").first
        label = output.locator(".widget-slider").first.inner_text().split("\n")[0].strip()
        fingerprint_ms = [output.evaluate("(o) => { const t = performance.now(); (%s)(o); return performance.now() - t; }"
                                          % FAST_FIGURE) for _ in range(5)]
        latencies, missed = [], 0
        for press in range(presses):
            page.wait_for_function(IDLE_KERNEL, timeout=60_000)
            _wait_until_still(page, output, quiet=0.3)
            before = output.evaluate(FAST_FIGURE)
            handle.press("ArrowRight" if press % 2 == 0 else "ArrowLeft")
            try:
                page.wait_for_function(CHANGED, arg=[output.element_handle(), before], polling="raf", timeout=5000)
                latencies.append(page.evaluate("() => window.__changed - window.__pressed"))
            except Exception:  # the step changed nothing visible (e.g. already at the end of its range)
                missed += 1
        if latencies:
            row = {"lesson": lesson, "widget": index + 1, "slider": label, "presses": presses, "missed": missed,
                   "median_ms": statistics.median(latencies), "p95_ms": percentile(latencies, 95),
                   "max_ms": max(latencies), "fingerprint_ms": statistics.median(fingerprint_ms)}
            results.append(row)
            log(f"{lesson} widget {index + 1} ({label}): median {row['median_ms']:.0f} ms, "
                f"p95 {row['p95_ms']:.0f} ms (reading the figure {row['fingerprint_ms']:.1f} ms), {missed} missed")
    lab.shut_down_kernels()
    return results


# ------------------------------------------------------------------ the Playground playing
PLAYGROUND = "07_playground.ipynb"
# What the lesson's first Playground is set to before it plays: Playground()'s own network (the lesson's
# cells after it switch it to one neuron on x1^2, x2^2).
DEFAULT_NETWORK = ("playground.set(hidden_layers=2, neurons_1=4, neurons_2=2, x1=True, x2=True, x1_squared=False, "
                   "x2_squared=False, x1_x2=False, sin_x1=False, sin_x2=False); playground.reset()")
class Kernel:
    """A second client of the lesson's kernel (as a console attached to it would be), to run a line of code."""

    def __init__(self, lab):
        from jupyter_client import BlockingKernelClient
        from jupyter_core.paths import jupyter_runtime_dir

        kernel_id = lab.api("GET", "/api/sessions")[0]["kernel"]["id"]
        # the server runs without this process's JUPYTER_* variables (see Lab), so look in both places
        places = [Path(jupyter_runtime_dir()), Path.home() / ".local" / "share" / "jupyter" / "runtime"]
        connection = next(p / f"kernel-{kernel_id}.json" for p in places if (p / f"kernel-{kernel_id}.json").exists())
        self.client = BlockingKernelClient(connection_file=str(connection))
        self.client.load_connection_file()
        self.client.start_channels()

    def run(self, code, timeout=120):
        """Run ``code``; what it printed (an error raises)."""
        msg_id, out = self.client.execute(code), []
        while True:
            msg = self.client.get_iopub_msg(timeout=timeout)
            if msg["parent_header"].get("msg_id") != msg_id:
                continue
            if msg["msg_type"] == "stream":
                out.append(msg["content"]["text"])
            elif msg["msg_type"] == "error":
                raise RuntimeError("\n".join(msg["content"]["traceback"]))
            elif msg["msg_type"] == "status" and msg["content"]["execution_state"] == "idle":
                return "".join(out)

    def close(self):
        self.client.stop_channels()


def _processes(lab):
    """``[(pid, role)]``: the Jupyter server, its kernel, and this benchmark's Chromium processes."""
    import subprocess

    rows = [line.split(None, 2) for line in subprocess.run(["ps", "-e", "-o", "pid=,ppid=,comm="], capture_output=True,
                                                           text=True).stdout.splitlines() if line.strip()]

    def descendants(pid):
        found, todo = [], [pid]
        while todo:
            parent = todo.pop()
            for child, ppid, name in rows:
                if int(ppid) == parent:
                    found.append((int(child), name))
                    todo.append(int(child))
        return found

    return ([(lab.process.pid, "Jupyter server")] + [(pid, "kernel") for pid, _ in descendants(lab.process.pid)]
            + [(pid, "Chromium") for pid, name in descendants(os.getpid()) if "chrom" in name])


def _cpu_seconds(processes):
    """CPU seconds (user + system) per role, from /proc (Linux)."""
    total = {}
    for pid, role in processes:
        try:
            fields = Path(f"/proc/{pid}/stat").read_text().rsplit(")", 1)[1].split()
        except OSError:
            continue
        total[role] = total.get(role, 0.0) + (int(fields[11]) + int(fields[12])) / os.sysconf("SC_CLK_TCK")
    return total


def play_round(page, output, kernel, processes, seconds):
    """Play for ``seconds``: new pictures per second in the page, steps per second in the kernel."""
    page.wait_for_function(IDLE_KERNEL, timeout=60_000)
    _wait_until_still(page, output, quiet=0.5)
    kernel.run("playground.frame_seconds.clear()")
    size = output.evaluate(PICTURE_MONITOR)
    buttons = output.locator("button.jupyter-button")
    load_start, cpu_start = os.getloadavg()[0], _cpu_seconds(processes)
    buttons.filter(has_text=re.compile(r"^\s*play\s*$")).first.click()
    start = page.evaluate("() => performance.now()")
    page.wait_for_timeout(1000 * seconds)
    end = page.evaluate("() => performance.now()")
    buttons.filter(has_text=re.compile(r"^\s*pause\s*$")).first.click()
    cpu_end, load_end = _cpu_seconds(processes), os.getloadavg()[0]
    m = page.evaluate("() => { const m = window.__play; m.running = false; return m; }")
    page.wait_for_timeout(1000)
    step_seconds = json.loads(kernel.run("import json; print(json.dumps(playground.frame_seconds))"))
    elapsed = (end - start) / 1000
    pictures = [t for t in m["pictures"] if start <= t <= end]
    loads = [t for t in m["loads"] if start <= t <= end]
    per_picture = {role: round(1000 * (cpu_end[role] - cpu_start.get(role, 0.0)) / max(1, len(pictures)), 1)
                   for role in cpu_end}
    return {"seconds": round(elapsed, 2), "pictures_per_second": round(len(pictures) / elapsed, 1),
            "images_loaded_per_second": round(len(loads) / elapsed, 1),
            "steps_per_second": round(len(step_seconds) / elapsed, 1),
            "kernel_step_ms_median": round(1000 * statistics.median(step_seconds), 1) if step_seconds else None,
            "reading_a_picture_ms": round(statistics.median(m["readMs"]), 1) if m["readMs"] else None,
            "cpu_ms_per_picture": per_picture, "image_size": size, "load_average": [load_start, load_end]}


def run_playground(page, lab, rounds, seconds, log):
    """Lesson 07's first Playground, at its default 2-4-2 network, playing ``rounds`` times."""
    notebook = run_all(page, lab, PLAYGROUND)
    kernel = Kernel(lab)
    results = []
    try:
        network = kernel.run(DEFAULT_NETWORK + "; print(playground.hidden, playground.features)").strip()
        output = notebook.locator(".jp-OutputArea-output:has(.jupyter-widgets)").first
        output.evaluate("(e) => e.scrollIntoView({block: 'start'})")
        processes = _processes(lab)
        for round_ in range(rounds):
            row = play_round(page, output, kernel, processes, seconds)
            row.update(network=network, round=round_ + 1)
            results.append(row)
            log(f"Playground round {round_ + 1} ({network}): {row['pictures_per_second']} new pictures/s, "
                f"{row['steps_per_second']} steps/s, kernel step {row['kernel_step_ms_median']} ms, CPU ms per "
                f"picture {row['cpu_ms_per_picture']}, load {row['load_average'][0]:.1f}")
    finally:
        kernel.close()
        lab.shut_down_kernels()
    return results


def main():
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--presses", type=int, default=20)
    parser.add_argument("--lessons", nargs="*", default=["01", "02", "03", "04", "05", "06", "09"])
    parser.add_argument("--play-rounds", type=int, default=3, help="rounds of lesson 07's Playground playing (0: none)")
    parser.add_argument("--play-seconds", type=float, default=5.0)
    args = parser.parse_args()
    from playwright.sync_api import sync_playwright

    executable = _chromium()
    if executable is None:
        sys.exit("Chromium is not installed (apt-get install chromium)")
    lessons = sorted(p.name for p in (REPO / "lessons").glob("[0-9][0-9]_*.ipynb")
                     if any(p.name.startswith(prefix) for prefix in args.lessons))
    load_start = os.getloadavg()
    rows, playing = [], []
    with tempfile.TemporaryDirectory() as tmp:
        root = Path(tmp) / "lessons"
        shutil.copytree(REPO / "lessons", root)
        lab = Lab(root)
        try:
            with sync_playwright() as playwright:
                browser = playwright.chromium.launch(executable_path=executable, args=CHROMIUM_FLAGS)
                for lesson in lessons:
                    page = browser.new_context(viewport=VIEWPORT).new_page()
                    rows += run_lesson(page, lab, lesson, args.presses, print)
                    page.context.close()
                if args.play_rounds > 0:
                    page = browser.new_context(viewport=VIEWPORT).new_page()
                    playing = run_playground(page, lab, args.play_rounds, args.play_seconds, print)
                    page.context.close()
                browser.close()
        finally:
            lab.close()
    load_end = os.getloadavg()
    machine = (f"{platform.processor() or platform.machine()}, {os.cpu_count()} logical CPUs; load average "
               f"{load_start[0]:.2f} at start, {load_end[0]:.2f} at end; {Path(executable).name}, 1366x768")
    out = REPO / "benchmarks" / "results"
    out.mkdir(parents=True, exist_ok=True)
    (out / "browser_latency.json").write_text(json.dumps({"machine": machine, "rows": rows, "playground": playing},
                                                                  indent=2))
    lines = ["# Widget latency in the browser: arrow key on the first slider -> new figure on the page", "",
             f"- **Machine**: {machine}", f"- **Run**: `python benchmarks/bench_browser.py --presses {args.presses} "
             f"--lessons {' '.join(args.lessons)} --play-rounds {args.play_rounds} "
             f"--play-seconds {args.play_seconds:g}`, "
             f"{time.strftime('%Y-%m-%d %H:%M UTC', time.gmtime())}", "",
             "| lesson | widget | slider | median ms | p95 ms | max ms | reading the figure, ms | no visible change |",
             "| --- | ---: | --- | ---: | ---: | ---: | ---: | ---: |"]
    lines += [f"| {r['lesson']} | {r['widget']} | {r['slider']} | {r['median_ms']:.0f} | {r['p95_ms']:.0f} | "
              f"{r['max_ms']:.0f} | {r['fingerprint_ms']:.1f} | {r['missed']} of {r['presses']} |" for r in rows]
    lines += ["", "Each time runs from Playwright's key press to the first animation frame whose figure pixels differ, "
              "so it includes the browser-to-kernel message, the kernel's update and redraw, ipympl's image of the "
              "change, its way back, the paint, and the cost of reading the pixels (its own column)."]
    if playing:
        roles = sorted({role for r in playing for role in r["cpu_ms_per_picture"]})
        lines += ["", "## Lesson 07's Playground playing (default network: x1, x2 -> 4 -> 2 -> 1)", "",
                  "| round | new pictures/s (browser) | images loaded/s | training steps/s (kernel) | "
                  "kernel ms per step (median) | " + " | ".join(f"CPU ms per picture: {role}" for role in roles)
                  + " | load average |",
                  "| ---: | ---: | ---: | ---: | ---: | " + " | ".join("---:" for _ in roles) + " | ---: |"]
        lines += [f"| {r['round']} | {r['pictures_per_second']} | {r['images_loaded_per_second']} | "
                  f"{r['steps_per_second']} | {r['kernel_step_ms_median']} | "
                  + " | ".join(str(r["cpu_ms_per_picture"].get(role, "")) for role in roles)
                  + f" | {r['load_average'][0]:.1f}-{r['load_average'][1]:.1f} |" for r in playing]
        lines += ["", f"Each round plays {args.play_seconds:g} s. A picture counts when the page has loaded a new "
                  "image from the kernel and its pixels differ from the last one's (read at the next animation frame, "
                  f"~{statistics.median(r['reading_a_picture_ms'] or 0 for r in playing):.0f} ms each, in the "
                  "page's time); a step is one epoch of training and its redraw, counted by the kernel "
                  "(`Playground.frame_seconds`). One step makes one picture, so steps/s above pictures/s are "
                  "frames the browser replaced before showing them. The CPU columns are each process's user + system "
                  "time during the round divided by the pictures shown: on a 2-core machine the three together "
                  "must stay under 2000 ms per second of playing, shared with whatever else runs (the load average)."]
    (out / "browser_latency.md").write_text("\n".join(lines) + "\n")
    print("\n".join(lines))


if __name__ == "__main__":
    main()
