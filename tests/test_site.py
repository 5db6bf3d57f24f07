"""The website in a real browser: every page of build/site/, served on 127.0.0.1, nothing else.

The site is built first (`site/build_site.py`, as `make site` does; incremental, so seconds when
nothing changed), then served by a small HTTP server in this process while headless Chromium
(Debian's, as in tests/test_browser.py) opens each page with every request to another host
aborted. For every page: no console error and no failed request, every image loaded, every
internal link (and its #fragment) resolves, every formula typeset by the site's own MathJax and
no raw TeX left in the text. For every chapter page also: each stored figure shown, the launch
buttons and the "Run it" box open this very notebook on Binder and Colab, previous · contents ·
next and the sidebar follow scoreedu/chapters.py, the exercises carry their note, and at 390 px
(a phone) nothing is wider than the screen. Search works offline. Each page is opened once at
1280×800 and once at 390×844; the screenshots land in test-artifacts/site/.
"""

import functools
import json
import re
import subprocess
import sys
import threading
from contextlib import contextmanager
from http.server import SimpleHTTPRequestHandler, ThreadingHTTPServer
from pathlib import Path
from urllib.parse import unquote, urldefrag, urlparse

import pytest
import test_browser
from test_browser import ARTIFACTS, keep_local

from scoreedu import REPOSITORY
from scoreedu.chapters import CHAPTERS, EXTRAS

ROOT = Path(__file__).resolve().parents[1]
SITE = ROOT / "build" / "site"
SHOTS = ARTIFACTS / "site"
GITHUB_PATH = REPOSITORY.removeprefix("https://github.com/")
NOTEBOOKS = [name for name, _, _ in CHAPTERS + EXTRAS]
PAGES = ["index", "CONTRIBUTING", *(f"notebooks/{Path(name).stem}" for name in NOTEBOOKS)]
# Raw TeX left in the visible text: $$, a control word such as \frac, or \( \[ delimiters.
RAW_TEX = re.compile(r"\$\$|\\[A-Za-z]{2,}|\\[(\[]")

# A page takes a few seconds; the first test also waits for the build (a clean one: about 10 s of
# CPU). The signal method raises inside the test, so the server and browser still close.
pytestmark = [pytest.mark.browser, pytest.mark.slow, pytest.mark.timeout(180, method="signal")]
# Debian's Chromium, launched once per module with the flags the other browser tests use.
browser = test_browser.browser

# Math: wait for MathJax's first typesetting pass, then count what it did. Text inside code,
# scripts and rendered math is skipped: the rest is what a reader sees as prose.
MATH_STATE = """async () => {
    if (window.MathJax && MathJax.startup && MathJax.startup.promise) {
        await MathJax.startup.promise;
    }
    const article = document.querySelector('article') || document.body;
    const math = [...article.querySelectorAll('.math')];
    const walker = document.createTreeWalker(article, NodeFilter.SHOW_TEXT);
    const prose = [];
    while (walker.nextNode()) {
        const parent = walker.currentNode.parentElement;
        if (!parent.closest('pre, code, script, style, mjx-container')) {
            prose.push(walker.currentNode.textContent);
        }
    }
    return {
        math: math.length,
        typeset: math.filter(m => m.querySelector('mjx-container')).length,
        containers: article.querySelectorAll('mjx-container').length,
        errors: [...document.querySelectorAll('mjx-merror')].map(e => e.textContent),
        prose: prose.join(' '),
        loaded: !!(window.MathJax && MathJax.version),
    };
}"""
# Images: load them all (lazy ones too), then report each one's natural width.
IMAGES = """async () => {
    const images = [...document.images];
    images.forEach(image => { image.loading = 'eager'; });
    await Promise.all(images.map(image => image.complete ? null : new Promise(done => {
        image.addEventListener('load', done);
        image.addEventListener('error', done);
    })));
    return images.map(image => [image.currentSrc || image.src, image.naturalWidth]);
}"""
LAYOUT = """() => ({
    page: document.documentElement.scrollWidth,
    screen: window.innerWidth,
    article: document.querySelector('article').getBoundingClientRect().width,
    font: parseFloat(getComputedStyle(document.querySelector('article p')).fontSize),
})"""
# Elements that stick out past the right edge of the screen, unless a box around them scrolls
# sideways on its own (a code cell, a wide table or formula): those leave the page in place.
TOO_WIDE = """() => {
    const scrolls = e => e && e.tagName !== 'ARTICLE' && (
        ['auto', 'scroll', 'hidden'].includes(getComputedStyle(e).overflowX)
        || scrolls(e.parentElement));
    return [...document.querySelectorAll('article *')]
        .filter(e => e.getBoundingClientRect().right > window.innerWidth + 1
                     && !scrolls(e.parentElement))
        .slice(0, 5).map(e => e.tagName + '.' + e.className);
}"""

BOX_BEFORE_CODE = """() => {
    const box = document.querySelector('.run-it'), cell = document.querySelector('.cell');
    const after = Node.DOCUMENT_POSITION_FOLLOWING;
    return !!box && (!cell || !!(box.compareDocumentPosition(cell) & after));
}"""


@pytest.fixture(scope="module")
def site():
    """Build the site (as `make site`) and return its folder."""
    result = subprocess.run(
        [sys.executable, str(ROOT / "site" / "build_site.py")],
        cwd=ROOT,
        capture_output=True,
        text=True,
        timeout=300,
    )
    assert result.returncode == 0, f"the site build failed:\n{result.stdout}\n{result.stderr}"
    assert not result.stderr.strip(), f"the site build warned:\n{result.stderr[-3000:]}"
    assert (SITE / "index.html").exists()
    return SITE


@pytest.fixture(scope="module")
def url(site):
    """Serve the site on 127.0.0.1 at a free port from a thread of this process."""

    class Quiet(SimpleHTTPRequestHandler):
        def log_message(self, *args):
            pass

    server = ThreadingHTTPServer(("127.0.0.1", 0), functools.partial(Quiet, directory=site))
    thread = threading.Thread(target=server.serve_forever, daemon=True)
    thread.start()
    try:
        yield f"http://127.0.0.1:{server.server_address[1]}"
    finally:
        server.shutdown()
        server.server_close()


DESKTOP = {"viewport": {"width": 1280, "height": 800}}
PHONE = {"viewport": {"width": 390, "height": 844}, "is_mobile": True, "has_touch": True}
FETCHED = {}  # address -> (HTTP status, text): each page of the site is fetched once


def notebook(name: str) -> dict:
    return json.loads((ROOT / "notebooks" / name).read_text(encoding="utf-8"))


def stored_figures(name: str) -> int:
    """How many PNG outputs the notebook stores: each must appear on its page."""
    outputs = [o for c in notebook(name)["cells"] for o in c.get("outputs", [])]
    return sum("image/png" in o.get("data", {}) for o in outputs)


def markdown_of(name: str) -> str:
    cells = notebook(name)["cells"]
    return "\n".join("".join(c["source"]) for c in cells if c["cell_type"] == "markdown")


def page_of(name: str) -> str:
    return f"notebooks/{Path(name).stem}"


def expected_launch_urls(name: str) -> set:
    return {
        f"https://mybinder.org/v2/gh/{GITHUB_PATH}/main?urlpath=lab/tree/notebooks/{name}",
        f"https://colab.research.google.com/github/{GITHUB_PATH}/blob/main/notebooks/{name}",
    }


@contextmanager
def opened(browser, url: str, path: str, options: dict):
    """Open url/path.html in a fresh context; yield the page and a list that collects every
    console error, uncaught exception, failed request (remote ones are aborted) and HTTP error."""
    context = browser.new_context(**options)
    context.route("**/*", keep_local)
    page = context.new_page()
    page.set_default_timeout(30_000)
    problems = []
    page.on("console", lambda m: m.type == "error" and problems.append(f"console: {m.text}"))
    page.on("pageerror", lambda error: problems.append(f"uncaught: {error}"))
    page.on("requestfailed", lambda r: problems.append(f"failed: {r.url} {r.failure}"))
    page.on("response", lambda r: r.status >= 400 and problems.append(f"HTTP {r.status}: {r.url}"))
    try:
        page.goto(f"{url}/{path}.html", wait_until="load")
        yield page, problems
    finally:
        context.close()


def fetch(page, address: str) -> tuple:
    if address not in FETCHED:
        response = page.request.get(address)
        FETCHED[address] = (response.status, response.text() if response.ok else "")
    return FETCHED[address]


def broken_links(page, url: str) -> list:
    """Every link to the site itself must answer 200, and its #fragment must name an id there."""
    hrefs = page.eval_on_selector_all("a[href]", "links => links.map(a => a.href)")
    broken = []
    for href in sorted({h for h in hrefs if h.startswith(url + "/")}):
        address, fragment = urldefrag(href)
        status, text = fetch(page, address)
        if status != 200:
            broken.append(f"{href}: HTTP {status}")
        elif fragment and not re.search(rf"\bid=[\"']{re.escape(unquote(fragment))}[\"']", text):
            broken.append(f"{href}: no element has id {unquote(fragment)!r}")
    return broken


def hrefs(page, selector: str) -> list:
    return page.eval_on_selector_all(selector, "links => links.map(a => a.href)")


def site_path(href: str) -> str:
    """http://127.0.0.1:PORT/notebooks/x.html#y -> notebooks/x"""
    return urlparse(urldefrag(href)[0]).path.removeprefix("/").removesuffix(".html")


def paths(page, selector: str) -> list:
    return [site_path(h) for h in hrefs(page, selector)]


def look_at(page, url: str) -> dict:
    """What a reader of this page gets: math, images, links, frame, buttons, navigation."""
    images = page.evaluate(IMAGES)
    return {
        "math": page.evaluate(MATH_STATE),
        "unloaded": [src for src, width in images if width == 0],
        "figures": [src for src, _ in images if "/_images/" in src],
        "broken": broken_links(page, url),
        "launch": hrefs(page, ".dropdown-launch-buttons a"),
        "run_it": hrefs(page, ".run-it a.external"),
        "box_first": page.evaluate(BOX_BEFORE_CODE),
        "code_inputs": page.locator(".cell_input").count(),
        "navs": [
            [site_path(h) for h in nav]
            for nav in page.eval_on_selector_all(
                "article .site-nav",
                "navs => navs.map(n => [...n.querySelectorAll('a')].map(a => a.href))",
            )
        ],  # fmt: skip
        "prev": paths(page, ".prev-next-area a.left-prev"),
        "next": paths(page, ".prev-next-area a.right-next"),
        "contents": paths(page, ".bd-sidebar-primary a.reference"),
        "exercises": page.locator("section#exercises").count(),
        "notes": page.locator("section#exercises .exercise-note").count(),
    }


SEEN = {}  # path -> look_at() at 1280×800: each page is opened once for the tests below


def seen_at_desktop(browser, url: str, path: str) -> dict:
    if path not in SEEN:
        with opened(browser, url, path, DESKTOP) as (page, problems):
            seen = look_at(page, url)
            SHOTS.mkdir(parents=True, exist_ok=True)
            page.screenshot(path=SHOTS / f"{path.rsplit('/', 1)[-1]}-1280.png")
        SEEN[path] = {**seen, "problems": problems}
    return SEEN[path]


@pytest.mark.parametrize("path", PAGES)
def test_page_loads_offline_with_its_images_links_and_math(browser, url, path):
    seen = seen_at_desktop(browser, url, path)
    math = seen["math"]
    assert not seen["problems"], f"{path}: {seen['problems']}"
    assert not seen["unloaded"], f"{path}: images that did not load: {seen['unloaded']}"
    assert not seen["broken"], f"{path}: broken internal links: {seen['broken']}"
    assert math["typeset"] == math["math"], (
        f"{path}: MathJax typeset {math['typeset']} of {math['math']} formulas"
    )
    assert not math["errors"], f"{path}: TeX errors: {math['errors']}"
    raw = sorted(set(RAW_TEX.findall(math["prose"])))
    assert not raw, f"{path}: raw TeX in the text a reader sees: {raw}"


@pytest.mark.parametrize("name", NOTEBOOKS)
def test_chapter_page_has_its_figures_math_frame_and_launch_buttons(browser, url, name):
    seen = seen_at_desktop(browser, url, page_of(name))
    math = seen["math"]
    assert len(seen["figures"]) == stored_figures(name), (
        f"{name}: {len(seen['figures'])} figures on the page, {stored_figures(name)} stored"
    )
    if "$" in markdown_of(name):
        assert math["loaded"] and math["math"] > 0, f"{name} has math but the page has none"
        assert math["containers"] >= math["math"], f"{name}: formulas not typeset"
    assert set(seen["launch"]) == expected_launch_urls(name), f"{name}: {seen['launch']}"
    assert expected_launch_urls(name) <= set(seen["run_it"]), f"{name}: {seen['run_it']}"
    assert seen["box_first"], f"{name}: the Run it box is not above the first code cell"
    voila = name in {n for n, _, _ in EXTRAS}  # shown as Voilà shows it: outputs, no code
    assert (seen["code_inputs"] == 0) == voila, f"{name}: {seen['code_inputs']} code cells"
    has_exercises = bool(re.search(r"^## Exercises", markdown_of(name), re.M))
    assert seen["exercises"] == seen["notes"] == has_exercises, (
        f"{name}: {seen['exercises']} Exercises sections, {seen['notes']} notes on the kernel"
    )


@pytest.mark.parametrize("name", NOTEBOOKS)
def test_chapter_page_navigation_follows_the_chapter_list(browser, url, name):
    """Previous · contents · next and the sidebar follow scoreedu/chapters.py (then EXTRAS)."""
    seen = seen_at_desktop(browser, url, page_of(name))
    order = [page_of(n) for n, _, _ in CHAPTERS + EXTRAS]
    i = order.index(page_of(name))
    assert seen["prev"] == [order[i - 1] if i else "index"], f"{name}: {seen['prev']}"
    assert seen["next"] == [order[i + 1] if i + 1 < len(order) else "CONTRIBUTING"]
    contents = [p for p in seen["contents"] if p.startswith("notebooks/")]
    assert contents == order, f"the table of contents is not scoreedu/chapters.py's: {contents}"
    # the site's own line at the top and the bottom of the page (an extra has Contents only)
    chapters = [page_of(n) for n, _, _ in CHAPTERS]
    j = chapters.index(page_of(name)) if page_of(name) in chapters else None
    expected = ["index"]
    if j is not None:
        expected = chapters[max(j - 1, 0) : j] + expected + chapters[j + 1 : j + 2]
    assert seen["navs"] == [expected] * 2, f"{name}: previous · contents · next {seen['navs']}"


@pytest.mark.parametrize("name", NOTEBOOKS)
def test_chapter_page_reads_on_a_phone(browser, url, name):
    """At 390 px nothing is wider than the screen, the text column fills it, text stays legible."""
    with opened(browser, url, page_of(name), PHONE) as (page, problems):
        page.evaluate(MATH_STATE)  # typeset first: formulas change the widths
        layout = page.evaluate(LAYOUT)
        wide = page.evaluate(TOO_WIDE)
        SHOTS.mkdir(parents=True, exist_ok=True)
        page.screenshot(path=SHOTS / f"{Path(name).stem}-390.png")
    assert not problems, f"{name} on a phone: {problems}"
    assert layout["page"] <= layout["screen"], (
        f"{name}: the page is {layout['page']} px wide on a {layout['screen']} px screen"
    )
    assert not wide, f"{name}: elements wider than the screen: {wide}"
    assert layout["article"] >= 0.85 * layout["screen"], f"{name}: text column {layout}"
    assert layout["font"] >= 14, f"{name}: body text {layout['font']} px"


def test_search_finds_a_chapter_offline(browser, url):
    """Sphinx's search runs in the page from searchindex.js: no server, no network."""
    with opened(browser, url, "search", DESKTOP) as (page, problems):
        page.goto(f"{url}/search.html?q=Hutchinson", wait_until="load")
        page.locator("#search-results li a").first.wait_for()
        found = {site_path(h) for h in hrefs(page, "#search-results li a")}
    assert not problems, f"search: {problems}"
    assert "notebooks/04_trace_cost" in found, f"searching 'Hutchinson' found {found}"
