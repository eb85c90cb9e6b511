"""The lessons as a learner meets them: JupyterLab in a real browser.

Unit tests drive the widgets from Python; what they cannot see is the browser side, where widget
packages most often break: "Loading widget..." forever, "Error displaying widget", a slider that
moves but redraws nothing. This test does what a learner does, in headless Chromium:

1. JupyterLab is started on 127.0.0.1 (a free port, a random token) over a temporary copy of
   ``lessons/``, with this environment's Python as the kernel.
2. For each lesson: open it, wait for the kernel, choose *Run > Run All Cells* in JupyterLab's
   menu, and wait until no cell is queued or running.
3. Assert: no error or stderr output; every widget the notebook displays has rendered (as many
   widget views as the notebook has widget outputs, none loading, none failing); for every widget
   with a slider, dragging its first slider with the mouse changes the figure the widget draws,
   and clicking its step button (``step`` / ``next``), where it has one, changes it again; a
   widget with a play button (the Playground) keeps redrawing while it plays and stops on pause.
4. Screenshots at a laptop's size (1366 x 768) go to ``tests/_artifacts/screenshots/`` (or
   ``$LEARNNET_SCREENSHOTS``): the top of each lesson after running, and each widget as it looks
   after the interaction, so a reviewer can look at them.

It needs Playwright's Python package (in the ``test`` extra) and Debian's ``chromium`` package
(``apt-get install chromium``; Playwright's own browser download is not used). Without Chromium
the test skips with that message, unless ``LEARNNET_REQUIRE_BROWSER=1`` (set by ``.ci/run`` once
it has installed Chromium), where it fails instead. ``pytest -m "not browser"`` leaves it out.
"""
import json
import os
import re
import secrets
import shutil
import socket
import subprocess
import sys
import time
import urllib.request
import warnings
from pathlib import Path

import pytest

REPO = Path(__file__).resolve().parent.parent
LESSONS = sorted(p.name for p in (REPO / "lessons").glob("[0-9][0-9]_*.ipynb"))
SHOTS = Path(os.environ.get("LEARNNET_SCREENSHOTS", REPO / "tests" / "_artifacts" / "screenshots"))
VIEWPORT = {"width": 1366, "height": 768}  # a common laptop screen
REQUIRED = os.environ.get("LEARNNET_REQUIRE_BROWSER") == "1"
CHROMIUM_FLAGS = [  # as root in a container, with no network beyond loopback
    "--no-sandbox", "--disable-gpu", "--disable-quic", "--no-first-run", "--disable-background-networking",
    "--disable-component-update", "--disable-sync", "--disable-dev-shm-usage",
]
RUN_TIMEOUT = 240  # seconds for one lesson's Run All (a lesson takes < 20 s in a kernel of its own)

pytestmark = pytest.mark.browser


def _unavailable(why):
    if REQUIRED:
        pytest.fail(f"{why} (LEARNNET_REQUIRE_BROWSER=1, so this is a failure, not a skip)")
    pytest.skip(why)


def _chromium():
    for candidate in (os.environ.get("LEARNNET_CHROMIUM"), "chromium", "chromium-browser"):
        if candidate and shutil.which(candidate):
            return shutil.which(candidate)
    return None


def _free_port():
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


class Lab:
    """A JupyterLab server of this environment over a copy of lessons/, isolated from the user's settings."""

    def __init__(self, root):
        self.root, self.port, self.token = root, _free_port(), secrets.token_hex(16)
        self.url = f"http://127.0.0.1:{self.port}"
        settings = root.parent / "settings"
        # no "Jupyter news?" pop-up over the lesson and no look-ups on the network
        notification = settings / "@jupyterlab" / "apputils-extension" / "notification.jupyterlab-settings"
        notification.parent.mkdir(parents=True)
        notification.write_text(json.dumps({"fetchNews": "false", "checkForUpdates": False}))
        env = {k: v for k, v in os.environ.items() if not k.startswith(("JUPYTER_", "MPLBACKEND"))}
        env["JUPYTER_CONFIG_DIR"] = str(root.parent / "config")
        self.log = open(root.parent / "jupyterlab.log", "w")
        self.process = subprocess.Popen(
            [sys.executable, "-m", "jupyter", "lab", "--no-browser", "--allow-root",
             "--ServerApp.ip=127.0.0.1", f"--ServerApp.port={self.port}", "--ServerApp.port_retries=0",
             f"--IdentityProvider.token={self.token}", f"--ServerApp.root_dir={root}",
             "--LabApp.news_url=None", "--LabApp.check_for_updates_class=jupyterlab.NeverCheckForUpdate",
             "--LabApp.extension_manager=readonly", f"--LabApp.user_settings_dir={settings}",
             f"--LabApp.workspaces_dir={root.parent / 'workspaces'}"],
            cwd=root, env=env, stdout=self.log, stderr=subprocess.STDOUT)
        deadline = time.monotonic() + 90
        while True:
            try:
                self.api("GET", "/api/status")
                return
            except OSError:
                if self.process.poll() is not None or time.monotonic() > deadline:
                    self.close()
                    raise RuntimeError(f"JupyterLab did not start:\n{self.log_text()}")
                time.sleep(0.5)

    def api(self, method, path):
        request = urllib.request.Request(self.url + path, method=method,
                                         headers={"Authorization": f"token {self.token}"})
        with urllib.request.urlopen(request, timeout=10) as response:
            body = response.read()
        return json.loads(body) if body else None

    def shut_down_kernels(self):
        for session in self.api("GET", "/api/sessions"):
            self.api("DELETE", f"/api/sessions/{session['id']}")

    def log_text(self):
        self.log.flush()
        return Path(self.log.name).read_text()[-6000:]

    def close(self):
        self.process.terminate()
        try:
            self.process.wait(timeout=20)
        except subprocess.TimeoutExpired:
            self.process.kill()
        self.log.close()


@pytest.fixture(scope="module")
def lab(tmp_path_factory):
    root = tmp_path_factory.mktemp("browser") / "lessons"
    shutil.copytree(REPO / "lessons", root, ignore=shutil.ignore_patterns(".ipynb_checkpoints"))
    server = Lab(root)
    yield server
    server.close()


@pytest.fixture(scope="module")
def browser():
    try:
        from playwright.sync_api import sync_playwright
    except ImportError:
        _unavailable("Playwright's Python package is not installed: pip install -e '.[test]'")
    executable = _chromium()
    if executable is None:
        _unavailable("Chromium is not installed: on Debian or Ubuntu, apt-get install chromium")
    with sync_playwright() as playwright:
        chromium = playwright.chromium.launch(executable_path=executable, args=CHROMIUM_FLAGS)
        yield chromium
        chromium.close()


def _read(notebook):
    """(code cells JupyterLab will send to the kernel, widget views the notebook displays)."""
    cells = [cell for cell in json.loads(notebook.read_text())["cells"] if cell["cell_type"] == "code"]
    code = sum(bool("".join(cell["source"]).strip()) for cell in cells)
    widgets = sum("application/vnd.jupyter.widget-view+json" in output.get("data", {})
                  for cell in cells for output in cell.get("outputs", []))
    return code, widgets


def _counter(pattern, counts, key):
    """A websocket frame handler that counts the kernel messages of one type (text or binary frames)."""
    regex = re.compile(pattern.encode())

    def count(payload):
        counts[key] += len(regex.findall(payload if isinstance(payload, bytes) else payload.encode()))
    return count


# What the page shows, read in the browser: JupyterLab's prompt reads [*]: for a queued or running cell.
BUSY = "() => [...document.querySelectorAll('.jp-Notebook .jp-InputArea-prompt')].some(e => e.innerText.includes('*'))"
EXECUTE_REQUEST, EXECUTE_REPLY = r'"msg_type":\s*"execute_request"', r'"msg_type":\s*"execute_reply"'
IDLE_KERNEL = "() => /\\| Idle/.test(document.querySelector('.jp-StatusBar-Left')?.innerText || '')"
# A fingerprint of everything a widget's figure shows: the pixels of its ipympl canvases, or the
# PNG of the fallback image.
FIGURE = """(output) => [...output.querySelectorAll('canvas, .widget-image img, img.widget-image')]
    .map(e => e.tagName === 'CANVAS' ? e.toDataURL() : e.src).join('|')"""


# Installed in the page while a Playground plays: every image the widget's <img> loads (one per frame the kernel
# sent and the browser did not replace before loading it) is read at the next animation frame, scaled
# down and hashed; it is a new picture if its pixels changed.
PICTURE_MONITOR = """(output) => {
    const img = output.querySelector('img.widget-image, .widget-image img');
    const small = document.createElement('canvas'); small.width = 150; small.height = 67;
    const context = small.getContext('2d', {willReadFrequently: true});
    const m = window.__play = {loads: [], pictures: [], readMs: [], last: null, pending: false, running: true};
    img.addEventListener('load', () => { if (m.running) { m.loads.push(performance.now()); m.pending = true; } });
    const tick = () => {
        if (!m.running) return;
        if (m.pending && img.complete && img.naturalWidth) {
            m.pending = false;
            const t = performance.now();
            context.drawImage(img, 0, 0, 150, 67);
            const px = context.getImageData(0, 0, 150, 67).data;
            let hash = 0;
            for (let i = 0; i < px.length; i++) hash = (hash * 31 + px[i]) | 0;
            m.readMs.push(performance.now() - t);
            if (hash !== m.last) { m.pictures.push(t); m.last = hash; }
        }
        requestAnimationFrame(tick);
    };
    requestAnimationFrame(tick);
    return [img.naturalWidth, img.naturalHeight, img.clientWidth, img.clientHeight];
}"""

SLIDER = ".widget-slider .noUi-target:not([disabled])"  # a disabled slider (e.g. noise for your own points) is skipped


# The share of a widget's figure that is blank (white or transparent), from a scaled-down copy.
# A figure that loses its background in the browser (a lost diff image) turns mostly blank.
BLANK = """(output) => {
    const views = [...output.querySelectorAll('canvas, .widget-image img, img.widget-image')]
        .filter(e => (e.width || e.naturalWidth) > 0);
    const small = document.createElement('canvas'); small.width = 300; small.height = 150;
    const context = small.getContext('2d', {willReadFrequently: true});
    let blank = 0, all = 0;
    for (const view of views) {
        if (view.tagName === 'CANVAS' && view.style.zIndex && view.style.zIndex !== '0') continue;  // ipympl's overlay
        context.clearRect(0, 0, 300, 150);
        context.drawImage(view, 0, 0, 300, 150);
        const px = context.getImageData(0, 0, 300, 150).data;
        for (let i = 0; i < px.length; i += 4) {
            all++;
            if (px[i + 3] < 10 || (px[i] > 245 && px[i + 1] > 245 && px[i + 2] > 245)) blank++;
        }
    }
    return all ? blank / all : 1;
}"""


def _wait_for_change(page, output, before, timeout=30.0):
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        now = output.evaluate(FIGURE)
        if now and now != before:
            return True
        page.wait_for_timeout(100)
    return False


def _drawn(output):
    """Every figure canvas of the widget has a size (a 0 x 0 canvas reads as 'data:,')."""
    return "data:," not in output.evaluate(FIGURE).split("|")


def _wait_until_still(page, output, quiet=0.6, timeout=15.0):
    last, since, deadline = output.evaluate(FIGURE), time.monotonic(), time.monotonic() + timeout
    while time.monotonic() - since < quiet and time.monotonic() < deadline:
        page.wait_for_timeout(100)
        now = output.evaluate(FIGURE)
        if now != last:
            last, since = now, time.monotonic()


def _drag_first_slider(page, output):
    """Drag the first enabled slider's handle a third of its track, towards the side with more room."""
    slider = output.locator(SLIDER).first
    handle = slider.locator(".noUi-handle").first
    track, knob = slider.bounding_box(), handle.bounding_box()
    x, y = knob["x"] + knob["width"] / 2, knob["y"] + knob["height"] / 2
    room_right = track["x"] + track["width"] - x
    target = x + track["width"] / 3 if room_right > track["width"] / 2 else x - track["width"] / 3
    page.mouse.move(x, y)
    page.mouse.down()
    page.mouse.move(target, y, steps=8)
    page.mouse.up()


def run_all(page, lab, lesson):
    """Open ``lesson`` in a fresh JupyterLab workspace, run all its cells from the Run menu, and wait
    until every code cell has run, the kernel is idle and the widgets have loaded; return the notebook.

    A committed notebook already shows numbered prompts, so the prompts cannot tell that the run has
    finished: the kernel's replies can. Every cell JupyterLab runs is an execute request on the
    kernel's websocket, and it has finished when its reply is back.
    """
    code_cells, _ = _read(REPO / "lessons" / lesson)
    executed = {"requests": 0, "replies": 0}
    page.on("websocket", lambda ws: (ws.on("framesent", _counter(EXECUTE_REQUEST, executed, "requests")),
                                     ws.on("framereceived", _counter(EXECUTE_REPLY, executed, "replies"))))
    # ?reset: a fresh workspace, so tabs from the previous lesson do not come back
    page.goto(f"{lab.url}/lab/tree/{lesson}?reset&token={lab.token}")
    page.wait_for_selector(".jp-Notebook .jp-Cell", timeout=180_000)
    page.wait_for_function(IDLE_KERNEL, timeout=180_000)

    page.click("li.lm-MenuBar-item:has-text('Run')")
    page.click(".lm-Menu-item:has-text('Run All Cells')")
    deadline = time.monotonic() + RUN_TIMEOUT
    while executed["replies"] < code_cells or executed["replies"] < executed["requests"]:
        assert time.monotonic() < deadline, (
            f"{lesson}: Run All did not finish in {RUN_TIMEOUT} s ({executed} of {code_cells} code cells)")
        page.wait_for_timeout(250)
    assert executed["requests"] == code_cells, f"{lesson}: {executed} for {code_cells} code cells"
    page.wait_for_function(f"() => !({BUSY})()", timeout=120_000)
    page.wait_for_function(IDLE_KERNEL, timeout=120_000)

    notebook = page.locator(".jp-NotebookPanel:not(.lm-mod-hidden) .jp-Notebook")
    # widgets render asynchronously after their cell has finished: give them a moment
    deadline = time.monotonic() + 30
    while notebook.get_by_text("Loading widget...").count() and time.monotonic() < deadline:
        page.wait_for_timeout(250)
    return notebook


@pytest.mark.parametrize("lesson", LESSONS)
def test_lesson_runs_and_its_widgets_respond_in_a_real_browser(lab, browser, lesson):
    SHOTS.mkdir(parents=True, exist_ok=True)
    stem = lesson.removesuffix(".ipynb")
    _, expected_widgets = _read(REPO / "lessons" / lesson)
    context = browser.new_context(viewport=VIEWPORT)
    page = context.new_page()
    console_errors, draw_requests = [], []
    page.on("console", lambda message: message.type == "error" and console_errors.append(message.text))
    # the browser's requests for a new image of a figure (ipympl's "draw" message to the kernel)
    page.on("websocket", lambda ws: ws.on("framesent", lambda frame: '"type":"draw"' in str(frame) and
                                          draw_requests.append(time.monotonic())))
    try:
        notebook = run_all(page, lab, lesson)
        page.locator(".jp-NotebookPanel:not(.lm-mod-hidden) .jp-WindowedPanel-outer").evaluate("(e) => e.scrollTop = 0")
        page.screenshot(path=SHOTS / f"{stem}.png")

        errors = notebook.locator(".jp-OutputArea-output[data-mime-type='application/vnd.jupyter.stderr']")
        assert errors.count() == 0, f"{lesson}: error output in the browser:\n" + "\n---\n".join(
            errors.all_inner_texts())[:4000]
        assert notebook.get_by_text("Loading widget...").count() == 0, f"{lesson}: a widget is stuck loading"
        failing = notebook.get_by_text("Error displaying widget")
        assert failing.count() == 0, f"{lesson}: {failing.first.inner_text()}"

        widgets = notebook.locator(".jp-OutputArea-output:has(.jupyter-widgets)")
        assert widgets.count() == expected_widgets, (
            f"{lesson}: {widgets.count()} widget views rendered, the notebook displays {expected_widgets}")

        for index in range(widgets.count()):
            output = widgets.nth(index)
            output.scroll_into_view_if_needed()
            output.evaluate("(e) => e.scrollIntoView({block: 'start'})")
            # scrolled into view, a canvas is laid out (and maybe resized and repainted): let it settle
            page.wait_for_function(IDLE_KERNEL, timeout=120_000)
            _wait_until_still(page, output)
            if not _drawn(output):
                # Rarely (1 widget in ~40 runs here) ipympl's view is created before its figure's
                # size reaches the browser and stays 0 x 0: an empty figure. A learner runs the
                # cell again; so does the test, and it says so. A second failure fails the test.
                warnings.warn(f"{lesson}: widget {index + 1}'s figure was empty (ipympl's view never got its "
                              f"size); ran its cell again")
                output.locator("xpath=ancestor::div[contains(@class, 'jp-CodeCell')]").locator(
                    ".jp-InputArea-editor").click()
                page.keyboard.press("Control+Enter")
                page.wait_for_timeout(1000)
                page.wait_for_function(IDLE_KERNEL, timeout=120_000)
                output = widgets.nth(index)
                output.evaluate("(e) => e.scrollIntoView({block: 'start'})")
                _wait_until_still(page, output)
                assert _drawn(output), f"{lesson}: widget {index + 1}'s figure is empty, even after running its cell again"
            blank_before = output.evaluate(BLANK)
            if output.locator(SLIDER).count():
                before = output.evaluate(FIGURE)
                assert before, f"{lesson}: widget {index + 1} has a slider but no figure was drawn"
                _drag_first_slider(page, output)
                assert _wait_for_change(page, output, before), (
                    f"{lesson}: moving the first slider of widget {index + 1} did not change its figure")
            step = output.locator("button.jupyter-button").filter(has_text="step").or_(
                output.locator("button.jupyter-button").filter(has_text="next"))
            if step.count():
                before = output.evaluate(FIGURE)
                step.first.click()
                assert _wait_for_change(page, output, before), (
                    f"{lesson}: clicking '{step.first.inner_text()}' in widget {index + 1} did not change its figure")
            play = output.locator("button.jupyter-button").filter(has_text=re.compile(r"^\s*play\s*$"))
            if play.count():  # the Playground: play trains and redraws on its own, pause stops it at once
                page.wait_for_function(IDLE_KERNEL, timeout=120_000)
                output.evaluate(PICTURE_MONITOR)
                play.first.click()
                page.wait_for_timeout(4000)
                pause = output.locator("button.jupyter-button").filter(has_text=re.compile(r"^\s*pause\s*$"))
                assert pause.count(), f"{lesson}: the play button of widget {index + 1} did not turn into pause"
                pause.first.click()
                frames = page.evaluate("() => { window.__play.running = false; return window.__play.pictures.length; }")
                print(f"{lesson}: widget {index + 1} playing: {frames / 4:.1f} new pictures a second in the browser")
                # the learner should see it train: >= 20 pictures/s on an idle machine (benchmarks/bench_browser.py),
                # never under 9/s measured at load <= 9 here; 5/s fails only a Playground that stutters
                assert frames >= 20, f"{lesson}: playing widget {index + 1} showed only {frames} new pictures in 4 s"
                page.wait_for_timeout(1000)  # what was already on its way arrives
                paused = output.evaluate(FIGURE)
                page.wait_for_timeout(1500)
                assert output.evaluate(FIGURE) == paused, f"{lesson}: widget {index + 1} kept training after pause"
            # the picture a reviewer sees is the settled one: kernel idle, figure no longer changing
            page.wait_for_function(IDLE_KERNEL, timeout=120_000)
            _wait_until_still(page, output)
            page.screenshot(path=SHOTS / f"{stem}-widget{index + 1}.png")
            blank_after = output.evaluate(BLANK)
            assert blank_after < 0.97, f"{lesson}: widget {index + 1}'s figure is {blank_after:.0%} blank after use"
            if abs(blank_after - blank_before) >= 0.15:
                # seen in CI: a figure nearly blank (98%) until first touched, whole after it; not
                # understood yet (a lost image, and the browser never asks again?): reported, see the note
                warnings.warn(f"{lesson}: widget {index + 1}'s figure went from {blank_before:.0%} to "
                              f"{blank_after:.0%} blank with the interaction")

        # once the learner stops, the kernel settles: no figure keeps asking to be redrawn
        page.wait_for_function(IDLE_KERNEL, timeout=120_000)
        quiet_from = time.monotonic()
        page.wait_for_timeout(3000)  # (the page handles websocket events meanwhile)
        assert not [t for t in draw_requests if t > quiet_from], (
            f"{lesson}: with nothing touched, the browser kept asking the kernel to redraw a figure")
        assert not [e for e in console_errors if "widget" in e.lower() or "matplotlib" in e.lower()], (
            f"{lesson}: the browser console reported widget errors:\n" + "\n".join(console_errors)[:4000])
    finally:
        context.close()
        lab.shut_down_kernels()
