"""Widget latency as a learner feels it: key press on a slider -> new figure on the screen, in a browser.

``bench_widgets.py`` times the kernel's share (control change -> figure redrawn, on Agg). This adds
what it cannot see: the message from the browser to the kernel, ipympl's PNG of the changed part,
its way back and the paint. It starts JupyterLab over a copy of ``lessons/`` (as
``tests/test_browser.py`` does), runs each lesson with widgets in headless Chromium at 1366x768,
and for every widget with an enabled slider presses the arrow keys on its first slider's handle
(one step each, right then left, alternating), timing each press until the figure in the page
has changed.

    python benchmarks/bench_browser.py [--presses 20] [--lessons 01 02 ...]

Writes ``benchmarks/results/browser_latency.md`` and ``.json``. Needs Playwright's Python
package and Debian's ``chromium``. The figure is compared by reading its pixels (scaled down and
hashed), which itself costs a few milliseconds: that cost is measured and reported beside the
latencies, which include it.
"""
import argparse
import json
import os
import platform
import shutil
import statistics
import sys
import tempfile
import time
from pathlib import Path

REPO = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(REPO / "tests"))

from test_browser import (CHROMIUM_FLAGS, IDLE_KERNEL, SLIDER, VIEWPORT, Lab,  # noqa: E402
                          _chromium, _wait_until_still, run_all)

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


def main():
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--presses", type=int, default=20)
    parser.add_argument("--lessons", nargs="*", default=["01", "02", "03", "04", "05", "06", "09"])
    args = parser.parse_args()
    from playwright.sync_api import sync_playwright

    executable = _chromium()
    if executable is None:
        sys.exit("Chromium is not installed (apt-get install chromium)")
    lessons = sorted(p.name for p in (REPO / "lessons").glob("[0-9][0-9]_*.ipynb")
                     if any(p.name.startswith(prefix) for prefix in args.lessons))
    load_start = os.getloadavg()
    rows = []
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
                browser.close()
        finally:
            lab.close()
    load_end = os.getloadavg()
    machine = (f"{platform.processor() or platform.machine()}, {os.cpu_count()} logical CPUs; load average "
               f"{load_start[0]:.2f} at start, {load_end[0]:.2f} at end; {Path(executable).name}, 1366x768")
    out = REPO / "benchmarks" / "results"
    out.mkdir(parents=True, exist_ok=True)
    (out / "browser_latency.json").write_text(json.dumps({"machine": machine, "rows": rows}, indent=2))
    lines = ["# Widget latency in the browser: arrow key on the first slider -> new figure on the page", "",
             f"- **Machine**: {machine}", f"- **Run**: `python benchmarks/bench_browser.py --presses {args.presses}`, "
             f"{time.strftime('%Y-%m-%d %H:%M UTC', time.gmtime())}", "",
             "| lesson | widget | slider | median ms | p95 ms | max ms | reading the figure, ms | no visible change |",
             "| --- | ---: | --- | ---: | ---: | ---: | ---: | ---: |"]
    lines += [f"| {r['lesson']} | {r['widget']} | {r['slider']} | {r['median_ms']:.0f} | {r['p95_ms']:.0f} | "
              f"{r['max_ms']:.0f} | {r['fingerprint_ms']:.1f} | {r['missed']} of {r['presses']} |" for r in rows]
    lines += ["", "Each time runs from Playwright's key press to the first animation frame whose figure pixels differ, "
              "so it includes the browser-to-kernel message, the kernel's update and redraw, ipympl's image of the "
              "change, its way back, the paint, and the cost of reading the pixels (its own column)."]
    (out / "browser_latency.md").write_text("\n".join(lines) + "\n")
    print("\n".join(lines))


if __name__ == "__main__":
    main()
