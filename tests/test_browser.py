"""The series in a real browser: JupyterLab and Voilà, driven by headless Chromium.

What a learner does, checked end to end: open a notebook, run it, see the explorer, move a slider
with the keyboard, and see the picture change; drag a slider and see the picture follow it. Each
test serves a COPY of notebooks/ from a temporary folder (JupyterLab autosaves what it runs), on
127.0.0.1 at a free port, and stops its server by the server's process id (its process group and
every descendant, kernels included) however the test ends. Screenshots land in test-artifacts/.

Chromium is Debian's (`apt-get install chromium`, /usr/bin/chromium); playwright only drives it
and never downloads a browser. Outside CI the tests skip where no Chromium is found; with CI=true
they fail instead.
"""

import json
import os
import re
import shutil
import signal
import socket
import subprocess
import sys
import time
from contextlib import contextmanager, suppress
from pathlib import Path
from urllib.parse import urlparse

import psutil
import pytest

from scoreedu.widgets import EXPLORERS

ROOT = Path(__file__).resolve().parents[1]
NOTEBOOKS = ROOT / "notebooks"
ARTIFACTS = ROOT / "test-artifacts"
BIN = Path(sys.executable).parent
IN_CI = os.environ.get("CI", "").lower() in ("1", "true", "yes")
CHROMIUM_FLAGS = [
    "--headless",
    "--no-sandbox",
    "--disable-gpu",
    "--disable-dev-shm-usage",
    "--disable-quic",
    "--no-first-run",
    "--disable-background-networking",
    "--disable-component-update",
    "--disable-sync",
]
INSTALL_HINT = (
    "the browser tests need Debian's Chromium at /usr/bin/chromium: "
    "`sudo apt-get install chromium` (playwright drives it and never downloads a browser)"
)
# JupyterLab settings for a quiet, fully rendered notebook: every cell in the DOM (no
# virtualised scrolling), no news or update toasts that would reach for the network.
LAB_SETTINGS = {
    "@jupyterlab/notebook-extension/tracker.jupyterlab-settings": {"windowingMode": "none"},
    "@jupyterlab/apputils-extension/notification.jupyterlab-settings": {
        "fetchNews": "false",
        "checkForUpdates": False,
    },
}
IDLE = "#jp-main-statusbar .jp-StatusBar-TextItem:has-text('| Idle')"
ERROR_OUTPUTS = (
    '.jp-OutputArea-output[data-mime-type="application/vnd.jupyter.stderr"]',
    '.jp-OutputArea-output[data-mime-type="application/vnd.jupyter.error"]',
)

pytestmark = [pytest.mark.browser, pytest.mark.slow]


def unavailable(reason: str):
    """Skip outside CI; in CI the browser tests must run, so fail."""
    if IN_CI:
        pytest.fail(f"CI=true but {reason}")
    pytest.skip(reason)


def find_chromium() -> str | None:
    for candidate in (
        "/usr/bin/chromium",
        shutil.which("chromium"),
        shutil.which("chromium-browser"),
    ):
        if candidate and Path(candidate).is_file() and os.access(candidate, os.X_OK):
            return candidate
    return None


@pytest.fixture(scope="module")
def browser():
    executable = find_chromium()
    if executable is None:
        unavailable(INSTALL_HINT)
    try:
        from playwright.sync_api import sync_playwright
    except ImportError:
        unavailable("the Python package playwright is missing: pip install -r requirements.txt")
    with sync_playwright() as playwright:
        chromium = playwright.chromium.launch(
            executable_path=executable, headless=True, args=CHROMIUM_FLAGS
        )
        try:
            yield chromium
        finally:
            chromium.close()


@pytest.fixture
def page(browser):
    """A 1280×800 page that may reach 127.0.0.1 only (Voilà asks a CDN for fonts)."""
    context = browser.new_context(viewport={"width": 1280, "height": 800})
    context.route("**/*", keep_local)
    page = context.new_page()
    page.set_default_timeout(60_000)
    try:
        yield page
    finally:
        context.close()


def keep_local(route):
    if urlparse(route.request.url).hostname == "127.0.0.1":
        route.continue_()
    else:
        route.abort()


@pytest.fixture
def served_notebooks(tmp_path):
    """A copy of notebooks/: the servers run (and JupyterLab autosaves) there, not here."""
    copy = tmp_path / "notebooks"
    shutil.copytree(NOTEBOOKS, copy, ignore=shutil.ignore_patterns(".ipynb_checkpoints"))
    return copy


def free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return sock.getsockname()[1]


def stop(process: subprocess.Popen) -> None:
    """Stop a server by its process id: its process group and every descendant, TERM then KILL.

    Kernels run in sessions of their own, so they are collected as descendants first.
    """
    try:
        family = [psutil.Process(process.pid)]
        family += family[0].children(recursive=True)
    except psutil.NoSuchProcess:
        family = []
    for sig in (signal.SIGTERM, signal.SIGKILL):
        with suppress(ProcessLookupError, PermissionError):
            os.killpg(process.pid, sig)
        for member in family:
            with suppress(psutil.NoSuchProcess):
                member.send_signal(sig)
        _, family = psutil.wait_procs(family, timeout=5)
        if not family:
            break
    with suppress(subprocess.TimeoutExpired):
        process.wait(timeout=5)


@contextmanager
def screenshot_on_failure(page, path: Path):
    """Keep what the browser showed when a check failed: the first thing one wants to see."""
    try:
        yield
    except BaseException:
        with suppress(Exception):
            page.screenshot(path=path, full_page=True)
        raise


@contextmanager
def server(command: list, cwd: Path, port: int, log: Path, env: dict):
    """Run a web server in its own process group until it listens on port; yield; stop it."""
    env = {
        **os.environ,
        # the kernels import this checkout's scoreedu, whatever copy is installed
        "PYTHONPATH": os.pathsep.join(filter(None, [str(ROOT), os.environ.get("PYTHONPATH")])),
        "JUPYTER_PLATFORM_DIRS": "1",
        **env,
    }
    log.parent.mkdir(parents=True, exist_ok=True)
    with open(log, "w") as out:
        process = subprocess.Popen(
            command, cwd=cwd, env=env, stdout=out, stderr=subprocess.STDOUT, start_new_session=True
        )
        try:
            deadline = time.monotonic() + 60
            while True:
                if process.poll() is not None:
                    pytest.fail(f"{Path(command[0]).name} exited ({process.returncode}): see {log}")
                try:
                    socket.create_connection(("127.0.0.1", port), timeout=1).close()
                    break
                except OSError:
                    if time.monotonic() > deadline:
                        pytest.fail(f"nothing listens on port {port} after 60 s: see {log}")
                    time.sleep(0.2)
            yield f"http://127.0.0.1:{port}"
        finally:
            stop(process)


def jupyter_dirs(tmp_path: Path) -> dict:
    """Private Jupyter folders: no user setting leaks in, nothing is written to the home."""
    dirs = {
        "JUPYTER_CONFIG_DIR": tmp_path / "config",
        "JUPYTER_RUNTIME_DIR": tmp_path / "runtime",
        "JUPYTER_DATA_DIR": tmp_path / "data",  # extensions and kernels stay in sys.prefix
        "JUPYTERLAB_SETTINGS_DIR": tmp_path / "lab-settings",
        "JUPYTERLAB_WORKSPACES_DIR": tmp_path / "lab-workspaces",
    }
    for name, settings in LAB_SETTINGS.items():
        path = dirs["JUPYTERLAB_SETTINGS_DIR"] / name
        path.parent.mkdir(parents=True, exist_ok=True)
        path.write_text(json.dumps(settings))
    return {key: str(value) for key, value in dirs.items()}


def error_outputs(page) -> list[str]:
    """The text of every output that shows an error: tracebacks, stderr, broken widget views."""
    texts = page.locator(", ".join(ERROR_OUTPUTS)).all_inner_texts()
    texts += page.locator(
        ".jp-OutputArea-output", has_text="Error displaying widget"
    ).all_inner_texts()
    return [text[-600:] for text in texts]  # a traceback's end says what went wrong


def move_slider(page, explorer, shots: Path) -> None:
    """Press arrow keys on the explorer's first slider; assert that its picture changes.

    The image (the img's src) must change, and so must the pixels on screen. The image must be
    rendered at twice the size it is shown at (sharp on a screen with device pixel ratio 2),
    and not stretched. Screenshots: shots-before/after.png.
    """
    from playwright.sync_api import expect

    image = explorer.locator("img").first
    expect(image).to_have_attribute("src", re.compile(r"^(data:image/(png|jpeg)|blob:)"))
    image.scroll_into_view_if_needed()
    sizes = image.evaluate(
        "img => [img.naturalWidth, img.naturalHeight,"
        " img.getBoundingClientRect().width, img.getBoundingClientRect().height]"
    )
    natural, shown = sizes[:2], sizes[2:]
    assert all(abs(n - 2 * s) <= 2 for n, s in zip(natural, shown)), (
        f"{shots.name}: a {natural[0]}×{natural[1]} image is shown at "
        f"{shown[0]:.0f}×{shown[1]:.0f} (expected twice the shown size: device pixel ratio 2)"
    )
    before_src = image.get_attribute("src")
    before = image.screenshot(path=f"{shots}-before.png")
    handle = explorer.locator(".widget-slider .noUi-handle").first
    at_max = handle.get_attribute("aria-valuenow") == handle.get_attribute("aria-valuemax")
    handle.focus()
    for _ in range(3):
        page.keyboard.press("ArrowLeft" if at_max else "ArrowRight")
    expect(image).not_to_have_attribute("src", before_src, timeout=15_000)
    after = image.screenshot(path=f"{shots}-after.png")
    assert after != before, f"{shots.name}: the PNG changed but the picture on screen did not"


# In the page: record every frame the explorer's img shows (when, and the control values the
# kernel wrote into the JPEG's comment segment) and every value the slider's handle takes.
RECORD_FRAMES = """([img, handle]) => {
    const log = {frames: [], values: []};
    const comment = bytes => {  // the JPEG COM segment (0xFFFE) before the image data
        for (let i = 2; i + 4 <= bytes.length && bytes[i] === 0xFF; ) {
            const marker = bytes[i + 1], length = (bytes[i + 2] << 8) | bytes[i + 3];
            const body = bytes.slice(i + 4, i + 2 + length);
            if (marker === 0xFE) return new TextDecoder().decode(body);
            if (marker === 0xDA) break;
            i += 2 + length;
        }
        return null;
    };
    new MutationObserver(() => {
        const frame = {t: performance.now(), tag: null};
        log.frames.push(frame);
        fetch(img.src).then(r => r.arrayBuffer())
            .then(buffer => { frame.tag = comment(new Uint8Array(buffer)); })
            .catch(error => { frame.tag = 'unreadable: ' + error; });
    }).observe(img, {attributes: true, attributeFilter: ['src']});
    new MutationObserver(() => log.values.push(
        {t: performance.now(), value: parseFloat(handle.getAttribute('aria-valuenow'))}
    )).observe(handle, {attributes: true, attributeFilter: ['aria-valuenow']});
    window.scoreeduDrag = log;
}"""


def drag_slider(
    page, explorer, shots: Path, control: str, positions: int = 20, label: str | None = None
) -> None:
    """Drag one of the explorer's sliders (the first, or the one whose label has `label`) across
    `positions` points in one second; assert that the picture of the final value appears within
    300 ms of the slider's last change and that every frame shown is of a value the slider took
    on the way, in order (no stale frame after it).

    `control` names the slider in the explorer's controls (the key of the frame's values).
    """
    image = explorer.locator("img").first
    slider = explorer.locator(".widget-slider", has_text=label).first
    handle = slider.locator(".noUi-handle").first
    track = slider.locator(".noUi-base").first
    image.scroll_into_view_if_needed()
    handle.scroll_into_view_if_needed()  # the mouse drags what is on screen
    start_value = float(handle.get_attribute("aria-valuenow"))
    page.evaluate(RECORD_FRAMES, [image.element_handle(), handle.element_handle()])
    box, bar = handle.bounding_box(), track.bounding_box()
    x, y = box["x"] + box["width"] / 2, box["y"] + box["height"] / 2
    end = bar["x"] + 0.9 * bar["width"]  # a long way right of the start, inside the track
    page.mouse.move(x, y)
    page.mouse.down()
    for i in range(1, positions + 1):
        page.mouse.move(x + (end - x) * i / positions, y)
        page.wait_for_timeout(1000 / positions)
    page.mouse.up()
    page.wait_for_timeout(2000)  # longer than any frame: every frame there is has arrived
    log = page.evaluate("window.scoreeduDrag")
    image.screenshot(path=f"{shots}-dragged.png")
    values = [v["value"] for v in log["values"]]
    assert len(set(values)) >= positions // 2, f"the drag moved the slider through {values}"
    final, last_change = values[-1], log["values"][-1]["t"]
    tags = [frame["tag"] for frame in log["frames"]]
    assert tags and all(tag and tag.startswith("{") for tag in tags), f"unreadable frames: {tags}"
    shown = [json.loads(tag)["values"][control] for tag in tags]
    on_the_way = {start_value, *values}
    assert all(any(abs(v - w) < 1e-9 for w in on_the_way) for v in shown), (
        f"frames of values the slider never took: {shown} (slider: {values})"
    )
    assert shown == sorted(shown), f"a stale frame came after a newer one: {shown}"
    assert abs(shown[-1] - final) < 1e-9, f"the last frame shows {shown[-1]}, the slider {final}"
    first_final = next(f["t"] for f, v in zip(log["frames"], shown) if abs(v - final) < 1e-9)
    latency = first_final - last_change
    assert latency <= 300, (
        f"the picture of the final value came {latency:.0f} ms after the slider's last change "
        f"({len(shown)} frames for {len(values)} slider values: {shown})"
    )
    (shots.parent / f"{shots.name}-drag.json").write_text(
        json.dumps({"latency_ms": latency, "frames": shown, "slider": values}, indent=1)
    )


def check_jupyterlab(page, notebooks: Path, name: str, tmp_path: Path, drag=None) -> None:
    """Open notebooks/name in JupyterLab, run all cells, move the first explorer's slider; drag
    it too when `drag` names it (the control's key in the explorer's controls)."""
    port = free_port()
    command = [
        str(BIN / "jupyter"), "lab", "--no-browser", "--allow-root", f"--port={port}",
        "--ServerApp.port_retries=0", "--ServerApp.ip=127.0.0.1", "--IdentityProvider.token=",
        f"--ServerApp.root_dir={notebooks}",
    ]  # fmt: skip
    stem = Path(name).stem
    (ARTIFACTS / f"jupyterlab-{stem}-failure.png").unlink(missing_ok=True)
    with (
        server(
            command, notebooks, port, ARTIFACTS / "jupyterlab.log", jupyter_dirs(tmp_path)
        ) as url,
        screenshot_on_failure(page, ARTIFACTS / f"jupyterlab-{stem}-failure.png"),
    ):
        page.goto(f"{url}/lab/tree/{name}")
        # the notebook's own indicator says idle too early; Run All would then run nothing
        page.locator(IDLE).wait_for()
        for menu, item in (("Edit", "Clear Outputs of All Cells"), ("Run", "Run All Cells")):
            page.locator("#jp-menu-panel .lm-MenuBar-item", has_text=menu).click()
            page.locator(".lm-Menu-itemLabel").get_by_text(item, exact=True).click()
        # done when every code cell has its number, or when one shows an error (Run All stops)
        page.wait_for_function(
            """errors => document.querySelector(errors) || [...document.querySelectorAll(
                   '.jp-Notebook .jp-CodeCell .jp-InputPrompt')]
                   .every(prompt => /^\\[\\d+\\]:$/.test(prompt.textContent.trim()))""",
            arg=", ".join(ERROR_OUTPUTS),
            timeout=90_000,
        )
        page.locator(IDLE).wait_for()
        page.screenshot(path=ARTIFACTS / f"jupyterlab-{stem}.png")
        assert not error_outputs(page), f"{name} shows errors: {error_outputs(page)}"
        explorer = page.locator(".scoreedu-explorer").first
        explorer.wait_for()
        move_slider(page, explorer, ARTIFACTS / f"jupyterlab-{stem}")
        if drag is not None:
            drag_slider(page, explorer, ARTIFACTS / f"jupyterlab-{stem}", drag)


def check_voila(page, notebooks: Path, name: str, expected: int, tmp_path: Path) -> None:
    """Serve notebooks/name with Voilà: no code, `expected` explorers, each one's slider redraws."""
    from playwright.sync_api import expect

    (ARTIFACTS / "voila-failure.png").unlink(missing_ok=True)
    port = free_port()
    command = [
        str(BIN / "voila"), name, "--no-browser", f"--port={port}", "--Voila.ip=127.0.0.1",
        "--show_tracebacks=True",
    ]  # fmt: skip
    with (
        server(command, notebooks, port, ARTIFACTS / "voila.log", jupyter_dirs(tmp_path)) as url,
        screenshot_on_failure(page, ARTIFACTS / "voila-failure.png"),
    ):
        page.goto(url, timeout=90_000)
        # Voilà stops at a cell that fails: wait for every explorer or for an error
        page.wait_for_function(
            """([errors, n]) => document.querySelector(errors)
                || document.querySelectorAll('.scoreedu-explorer img').length >= n""",
            arg=[", ".join(ERROR_OUTPUTS), expected],
            timeout=60_000,
        )
        page.screenshot(path=ARTIFACTS / "voila.png", full_page=True)
        assert not error_outputs(page), f"{name} shows errors under Voilà: {error_outputs(page)}"
        explorers = page.locator(".scoreedu-explorer")
        expect(explorers).to_have_count(expected)
        code = [
            area
            for area in page.locator(".jp-InputArea-editor, .cm-editor").all()
            if area.is_visible()
        ]
        assert not code, f"Voilà shows code: {code[0].inner_text()[:200]}"
        for i in range(expected):
            move_slider(page, explorers.nth(i), ARTIFACTS / f"voila-{i}")
        # the costliest frames: the sampler's chains, dragged up to about 900 steps
        sampler = explorers.filter(has_text="number of steps")
        drag_slider(page, sampler, ARTIFACTS / "voila-sampler", "n_steps", label="number of steps")


# Both tests together take about a minute (two minutes at most). The signal method raises inside
# the test, so the finally blocks still stop the servers; the thread method would exit pytest.
@pytest.mark.timeout(120, method="signal")
def test_jupyterlab_runs_chapter_2_and_the_score_field_follows_a_dragged_slider(
    page, served_notebooks, tmp_path
):
    check_jupyterlab(page, served_notebooks, "02_the_score.ipynb", tmp_path, drag="x1")


@pytest.mark.timeout(90, method="signal")
def test_voila_serves_every_explorer_each_slider_redraws_and_the_sampler_follows_a_drag(
    page, served_notebooks, tmp_path
):
    assert EXPLORERS, "no explorer is registered in scoreedu.widgets.EXPLORERS"
    check_voila(page, served_notebooks, "playground.ipynb", len(EXPLORERS), tmp_path)
