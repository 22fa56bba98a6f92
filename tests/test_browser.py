"""Every built page in real headless Chromium (Debian's package, driven by Playwright).

For each page in both languages: the math is rendered by KaTeX with zero errors,
every Mermaid block became an SVG, a Q&A block opens on click, the language
switch leads to the twin page, no script error is thrown, and not one request
leaves the local server. A full-page screenshot of each page is saved under
build/screenshots/ for a person to look at.
"""

from __future__ import annotations

import functools
import http.server
import shutil
import threading
from pathlib import Path
from urllib.parse import urljoin, urlparse

import pytest

from tests._require import require
from tests.conftest import ROOT, page_urls

PAGES = page_urls()
SHOTS = ROOT / "build" / "screenshots"
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


class QuietHandler(http.server.SimpleHTTPRequestHandler):
    def log_message(self, *args) -> None:  # keep pytest output readable
        pass


@pytest.fixture(scope="module")
def server(built_site: Path):
    handler = functools.partial(QuietHandler, directory=str(built_site))
    httpd = http.server.ThreadingHTTPServer(("127.0.0.1", 0), handler)
    thread = threading.Thread(target=httpd.serve_forever, daemon=True)
    thread.start()
    yield f"http://127.0.0.1:{httpd.server_address[1]}"
    httpd.shutdown()


@pytest.fixture(scope="module")
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


@pytest.fixture
def visit(browser, server):
    """Open a page; record every request to another host and every script error."""
    context = browser.new_context(viewport={"width": 1280, "height": 900})
    context.add_init_script(OPEN_SHADOW_ROOTS)
    outside: list[str] = []
    errors: list[str] = []

    def guard(route):
        host = urlparse(route.request.url).hostname
        if route.request.url.startswith(("data:", "blob:")) or host == "127.0.0.1":
            route.continue_()
        else:
            outside.append(route.request.url)
            route.abort()

    context.route("**/*", guard)
    page = context.new_page()
    page.on("pageerror", lambda exc: errors.append(str(exc)))

    def go(path: str, wait_until: str = "networkidle"):
        page.goto(server + path, wait_until=wait_until)
        return page

    go.outside, go.errors, go.server = outside, errors, server
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


@pytest.mark.browser
@pytest.mark.parametrize(("lang", "name", "url"), PAGES, ids=[f"{p[0]}:{p[1]}" for p in PAGES])
def test_page_in_chromium(visit, lang, name, url):
    page = visit(url)
    source = (ROOT / "docs").glob(f"{name}.{lang}.*")
    text = next(source).read_text(encoding="utf-8")

    wait_for_rendering(page)
    assert page.locator(".katex-error").count() == 0, "KaTeX could not parse a formula"
    unknown = page.evaluate("""() => [...document.querySelectorAll('.katex *')]
        .filter(e => e.style.color === 'rgb(204, 0, 0)').map(e => e.textContent)""")
    assert not unknown, f"KaTeX drew unknown macros in its error colour: {unknown}"
    if "$" in text:
        assert page.locator(".katex").count() > 0, "the page has math but none was rendered"
    mermaid_blocks = text.count("```mermaid")
    assert page.locator("div.mermaid").count() == mermaid_blocks

    details = page.locator("details.question")
    for i in range(details.count()):  # every Q&A block opens on click
        block = details.nth(i)
        if not block.evaluate("d => d.open"):
            block.locator("summary").first.click()
        title = block.locator("summary").first.inner_text()
        assert block.evaluate("d => d.open"), f"the Q&A block {title!r} did not open on click"

    SHOTS.mkdir(parents=True, exist_ok=True)
    page.screenshot(path=str(SHOTS / f"{lang}_{name.replace('/', '_')}.png"), full_page=True)

    assert not visit.errors, f"script errors: {visit.errors}"
    assert not visit.outside, f"requests left the local server: {visit.outside}"


@pytest.mark.browser
@pytest.mark.parametrize(("lang", "name", "url"), PAGES, ids=[f"{p[0]}:{p[1]}" for p in PAGES])
def test_language_switch_leads_to_the_twin(visit, lang, name, url):
    page = visit(url, wait_until="load")  # the page test waits for the network; this needn't
    other = "en" if lang == "ko" else "ko"
    twin = next(u for lng, n, u in PAGES if lng == other and n == name)
    page.locator(".md-header__option .md-select").first.hover()
    link = page.locator(f'a.md-select__link[hreflang="{other}"]').first
    with page.expect_navigation(wait_until="load"):
        link.click()
    assert urlparse(page.url).path == twin, f"switching to {other} led to {page.url}"
    assert page.evaluate("document.documentElement.lang") == other
    assert not visit.outside, f"requests left the local server: {visit.outside}"


@pytest.mark.browser
@pytest.mark.parametrize("lang", ["ko", "en"])
def test_every_question_in_the_index_opens_where_it_leads(visit, lang):
    index = next(u for lng, n, u in PAGES if lng == lang and n == "questions")
    page = visit(index)
    links = page.locator("article a[href*='#q-']")
    hrefs = [links.nth(i).get_attribute("href") for i in range(links.count())]
    assert hrefs, "the question index links to no question"
    base = page.url
    for n, href in enumerate(hrefs):
        if n == 0:  # the first by a real click; the others by going to the same address
            with page.expect_navigation(wait_until="load"):
                page.locator(f'article a[href="{href}"]').first.click()
        else:
            page.goto(urljoin(base, href), wait_until="load")
        qid = href.split("#", 1)[1]
        block = page.locator(f'details[id="{qid}"]')
        assert block.count() == 1, f"{href}: no question block with that id"
        page.wait_for_function("id => document.getElementById(id).open", arg=qid,
                               timeout=5_000)
        if lang == "ko":
            assert "/en/" not in page.url, f"{href}: a Korean index led to an English page"
        else:
            assert "/en/" in page.url, f"{href}: an English index left the English site"
    assert not visit.errors, f"script errors: {visit.errors}"
