"""What every browser test shares: the static server, Chromium, and one visit per page.

Registered as a pytest plugin by tests/conftest.py, so its fixtures (``server``,
``browser``, ``visit``, ``visit_phone``, ``visit_dark``, ``measure``) reach every test
module without an import.

Readability is measured once per page and viewport: :func:`measure` opens the page
on a laptop (1280 px) or a phone (390 px), waits for KaTeX and Mermaid, then runs
every probe in ``tests/site/probes/*.js`` and returns ``{probe name: result}``. A probe is
one JavaScript function expression, ``() => {...}`` (it may be ``async``), whose
result is JSON. Tests of different subjects (figures, formulas, code…) assert on
the same visit, so a new probe costs no new page load.
"""

from __future__ import annotations

import functools
import gzip
import http.server
import io
import json
import os
import shutil
import sys
import threading
from pathlib import Path
from urllib.parse import urlparse

import pytest

from tests._require import require
from tests.conftest import ROOT, page_urls

PAGES = page_urls()
SHOTS = ROOT / "build" / "screenshots"
PROBES = ROOT / "tests" / "site" / "probes"
DESKTOP = {"viewport": {"width": 1280, "height": 900}}
PHONE = {"viewport": {"width": 390, "height": 844}, "is_mobile": True, "has_touch": True,
         "device_scale_factor": 2}
VIEWPORTS = {"desktop": DESKTOP, "phone": PHONE}
# Screenshots for a person to review: the home page, the pages with the widest math,
# tables, diagrams and plots, and the reference pages. A full-page screenshot costs
# 2 s on a desktop and 4 s on a phone (a 40,000-pixel image at DPR 2), so a test run
# takes these; SEQCORE_SCREENSHOTS=all takes every page.
SAMPLE = ["index", "rnn", "lstm-gru", "attention", "transformer", "sparse", "glossary",
          "questions", "errata", "api", "api/recurrent"]


def photograph(page, folder: Path, lang: str, name: str, timeout: float = 120_000) -> None:
    """A full-page screenshot for a person to review, ``folder/<lang>_<page>.jpg`` (JPEG,
    quality 85).

    PNG took 3.4 s for a long page on a phone (a 780 × 44,000-pixel image at DPR 2),
    JPEG 1.2 s, and 1.2 s against 0.9 s on a desktop; the text stays legible. The
    timeout is generous: on a shared machine a long page at DPR 2 can take more than
    Playwright's default 30 s.
    """
    folder.mkdir(parents=True, exist_ok=True)
    page.screenshot(path=str(folder / f"{lang}_{name.replace('/', '_')}.jpg"), type="jpeg",
                    quality=85, full_page=True, timeout=timeout)


def screenshot_wanted(name: str) -> bool:
    """Whether the page ``name`` is photographed in this run (see :data:`SAMPLE`)."""
    return name in SAMPLE or os.environ.get("SEQCORE_SCREENSHOTS") == "all"
CHROMIUM = shutil.which("chromium") or "/usr/bin/chromium"
ARGS = [
    "--no-sandbox", "--disable-gpu", "--disable-quic", "--no-first-run",
    "--disable-background-networking", "--disable-component-update", "--disable-sync",
    # Chromium resolves Google hosts in the background even with the flags above;
    # mapping every name but the local server to nothing keeps the offline test honest.
    "--host-resolver-rules=MAP * ~NOTFOUND, EXCLUDE 127.0.0.1",
]
# Material draws Mermaid diagrams in a *closed* shadow root; open them so the test can look.
OPEN_SHADOW_ROOTS = """
const attach = Element.prototype.attachShadow;
Element.prototype.attachShadow = function (init) {
  return attach.call(this, Object.assign({}, init, { mode: "open" }));
};
"""
COMPRESSED = {".html", ".css", ".js", ".mjs", ".json", ".svg", ".xml", ".txt"}


@functools.cache
def gzipped(path: Path, mtime: float) -> bytes:
    return gzip.compress(path.read_bytes(), compresslevel=6, mtime=0)


class QuietHandler(http.server.SimpleHTTPRequestHandler):
    """Serves the built site as a static host does: text gzip-compressed on request,
    and the site's 404.html (with status 404) for an address that has no file."""

    def log_message(self, *args) -> None:  # keep pytest output readable
        pass

    def send_error(self, code, message=None, explain=None):
        page = Path(self.directory) / "404.html"
        if code != 404 or not page.is_file():
            return super().send_error(code, message, explain)
        body = page.read_bytes()
        self.send_response(404)
        self.send_header("Content-Type", "text/html; charset=utf-8")
        self.send_header("Content-Length", str(len(body)))
        self.end_headers()
        if self.command != "HEAD":
            self.wfile.write(body)
        return None

    def send_head(self):
        path = Path(self.translate_path(self.path))
        if path.is_dir():
            if not urlparse(self.path).path.endswith("/"):
                return super().send_head()  # its redirect to the address with a slash
            path = path / "index.html"
        wants = "gzip" in self.headers.get("Accept-Encoding", "")
        if not (wants and path.suffix in COMPRESSED and path.is_file()):
            return super().send_head()
        body = gzipped(path, path.stat().st_mtime)
        self.send_response(200)
        self.send_header("Content-Type", self.guess_type(str(path)))
        self.send_header("Content-Encoding", "gzip")
        self.send_header("Content-Length", str(len(body)))
        self.end_headers()
        return io.BytesIO(body)


class QuietServer(http.server.ThreadingHTTPServer):
    def handle_error(self, request, client_address) -> None:
        # A browser that leaves a page cancels what it was still loading; the traceback
        # socketserver prints for the broken pipe is noise in the test log.
        if not isinstance(sys.exc_info()[1], ConnectionError):
            super().handle_error(request, client_address)


@pytest.fixture(scope="session")
def server(built_site: Path):
    handler = functools.partial(QuietHandler, directory=str(built_site))
    httpd = QuietServer(("127.0.0.1", 0), handler)
    thread = threading.Thread(target=httpd.serve_forever, daemon=True)
    thread.start()
    yield f"http://127.0.0.1:{httpd.server_address[1]}"
    httpd.shutdown()


@pytest.fixture(scope="session")
def browser():
    sync_api = require("playwright.sync_api")
    if not Path(CHROMIUM).exists():
        raise RuntimeError("Debian's chromium is not installed: run "
                           "`apt-get update && apt-get install -y chromium fonts-noto-cjk` "
                           "(or bash .ci/setup)")
    with sync_api.sync_playwright() as p:
        browser = p.chromium.launch(executable_path=CHROMIUM, args=ARGS, headless=True)
        yield browser
        browser.close()


def open_context(browser, server, **options):
    """A fresh browser context (empty cache) and its visit function.

    Every request is recorded (the page's and its web workers'): those to another
    host are refused and listed in ``go.outside``, the local ones kept in ``go.local``
    to add up the transfer. Script errors land in ``go.errors``, console errors in
    ``go.console`` and responses with status 400 or more in ``go.failed``.
    """
    context = browser.new_context(**{**DESKTOP, **options})
    context.add_init_script(OPEN_SHADOW_ROOTS)
    outside: list[str] = []
    local: list[str] = []
    errors: list[str] = []
    console: list[str] = []
    failed: list[str] = []

    def guard(route):
        host = urlparse(route.request.url).hostname
        if route.request.url.startswith(("data:", "blob:")):
            route.continue_()
        elif host == "127.0.0.1":
            local.append(route.request.url)
            route.continue_()
        else:
            outside.append(route.request.url)
            route.abort()

    def on_response(response):
        if response.status >= 400:
            failed.append(f"{response.status} {urlparse(response.url).path}")

    def on_console(message):
        if message.type == "error":
            console.append(message.text)

    context.route("**/*", guard)
    context.on("response", on_response)
    page = context.new_page()
    page.on("pageerror", lambda exc: errors.append(str(exc)))
    page.on("console", on_console)

    def go(path: str, wait_until: str = "networkidle"):
        page.goto(server + path, wait_until=wait_until)
        return page

    go.outside, go.local, go.errors, go.server = outside, local, errors, server
    go.console, go.failed, go.page = console, failed, page
    return context, go


@pytest.fixture
def visit(browser, server):
    """Open a page on a desktop viewport; record requests and script errors."""
    context, go = open_context(browser, server)
    yield go
    context.close()


@pytest.fixture
def visit_phone(browser, server):
    """The same on a phone-sized viewport (390 × 844 CSS pixels, touch)."""
    context, go = open_context(browser, server, **PHONE)
    yield go
    context.close()


@pytest.fixture
def visit_dark(browser, server):
    """The same with the system in dark mode (the palette follows prefers-color-scheme)."""
    context, go = open_context(browser, server, color_scheme="dark")
    yield go
    context.close()


UNRENDERED = """() => ({
  math: [...document.querySelectorAll('.arithmatex')]
          .filter(e => !e.querySelector('.katex, .katex-error'))
          .map(e => e.textContent.trim().slice(0, 80)),
  mermaid: document.querySelectorAll('pre.mermaid').length
           + [...document.querySelectorAll('div.mermaid')]
               .filter(d => !(d.shadowRoot && d.shadowRoot.querySelector('svg'))).length })"""
RENDERED = f"""() => {{ const left = ({UNRENDERED})();
                       return left.math.length === 0 && left.mermaid === 0; }}"""


def wait_for_rendering(page) -> None:
    """Wait for KaTeX and Mermaid; on time-out, say which formula or diagram stayed raw."""
    try:
        page.wait_for_function(RENDERED, timeout=15_000)
    except Exception:
        left = page.evaluate(UNRENDERED)
        raise AssertionError(
            f"not rendered after 15 s: formulas left as source {left['math']} "
            f"(an unbalanced brace keeps KaTeX auto-render from finding the end), "
            f"{left['mermaid']} Mermaid block(s) without an SVG") from None


def probes() -> dict[str, str]:
    """``{name: JavaScript function source}`` for every file in tests/site/probes/."""
    return {p.stem: p.read_text(encoding="utf-8") for p in sorted(PROBES.glob("*.js"))}


class Visit(dict):
    """The probes' results for one page in one viewport, plus what the visit recorded."""

    errors: list[str]
    console: list[str]
    failed: list[str]
    outside: list[str]


def probe_results(page, go, sources: dict[str, str]) -> Visit:
    """Run every probe on ``page`` as it is now (rendered, fonts loaded) and keep what
    the visit ``go`` recorded so far."""
    page.evaluate("() => document.fonts.ready.then(() => true)")
    result = Visit({probe: page.evaluate(js) for probe, js in sources.items()})
    result.errors, result.console = list(go.errors), list(go.console)
    result.failed, result.outside = list(go.failed), list(go.outside)
    return result


# ---- results shared by the workers of one run ---------------------------------------------
# `.ci/test` runs the browser tests in two worker processes (`pytest -n 2`), each with its
# own Chromium, and names a fresh folder in SEQCORE_SHARED_RESULTS. A page's probe results
# and its transfer size are written there as they are measured, so a test that reads
# every page (test_record_the_figures, the page-weight median) takes what the other worker
# measured instead of visiting the page again. Without the variable nothing is written.

def _shared_folder(kind: str) -> Path | None:
    folder = os.environ.get("SEQCORE_SHARED_RESULTS")
    return Path(folder) / kind if folder else None


def _shared(kind: str, key: tuple[str, ...]) -> Path | None:
    folder = _shared_folder(kind)
    return folder / ("_".join(key).replace("/", "~") + ".json") if folder else None


def shared_get(kind: str, key: tuple[str, ...]):
    """What a worker of this run stored under ``kind``/``key``, or None."""
    path = _shared(kind, key)
    if path is None or not path.is_file():
        return None
    return json.loads(path.read_text(encoding="utf-8"))


def shared_put(kind: str, key: tuple[str, ...], value) -> None:
    """Store ``value`` (JSON) for the other workers of this run; whole or not at all."""
    path = _shared(kind, key)
    if path is None:
        return
    path.parent.mkdir(parents=True, exist_ok=True)
    part = path.with_suffix(f".{os.getpid()}.part")
    part.write_text(json.dumps(value, ensure_ascii=False), encoding="utf-8")
    part.replace(path)


def shared_all(kind: str) -> list:
    """Every value stored under ``kind`` by the workers of this run."""
    folder = _shared_folder(kind)
    if folder is None or not folder.is_dir():
        return []
    return [json.loads(f.read_text(encoding="utf-8")) for f in sorted(folder.glob("*.json"))]


def _as_json(visit: Visit) -> dict:
    return {"probes": dict(visit), **{k: getattr(visit, k) for k in Visit.__annotations__}}


def _from_json(stored: dict) -> Visit:
    visit = Visit(stored["probes"])
    for k in Visit.__annotations__:
        setattr(visit, k, stored[k])
    return visit


@pytest.fixture(scope="session")
def measure(browser, server):
    """``measure(lang, name, viewport)``: the probes' results, each page visited once.

    ``viewport`` is ``"desktop"`` (1280 × 900) or ``"phone"`` (390 × 844, touch,
    device pixel ratio 2). A phone-sized screenshot of the sampled pages
    (:func:`screenshot_wanted`) is kept under build/screenshots/phone/.

    The visit waits for the page's ``load``, KaTeX and Mermaid, then for its fonts (the
    sizes and widths measured depend on them), not for half a second without network
    traffic: every request is counted by the page test. That test, which opens every
    page on a desktop anyway, hands its rendered page over first
    (``measure.record(lang, name, "desktop", page, go)``), so the desktop probes cost
    no second visit.
    """
    cache: dict[tuple[str, str, str], Visit] = {}
    sources = probes()

    def run(lang: str, name: str, viewport: str) -> Visit:
        key = (lang, name, viewport)
        if key not in cache and (stored := shared_get("probes", key)) is not None:
            cache[key] = _from_json(stored)
        if key not in cache:
            url = next(u for lng, n, u in PAGES if lng == lang and n == name)
            context, go = open_context(browser, server, **VIEWPORTS[viewport])
            try:
                page = go(url, wait_until="load")
                wait_for_rendering(page)
                result = probe_results(page, go, sources)
                if viewport == "phone" and screenshot_wanted(name):
                    photograph(page, SHOTS / "phone", lang, name)
            finally:
                context.close()
            cache[key] = result
            shared_put("probes", key, _as_json(result))
        return cache[key]

    def record(lang: str, name: str, viewport: str, page, go) -> None:
        """Keep the probes' results of a page another test has open in ``viewport``."""
        key = (lang, name, viewport)
        if key not in cache:
            cache[key] = probe_results(page, go, sources)
            shared_put("probes", key, _as_json(cache[key]))

    run.record = record
    return run
