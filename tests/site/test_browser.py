"""Every built page in real headless Chromium (Debian's package, driven by Playwright).

For each page in both languages: no request fails (status 400 or more) and nothing
is written to the console as an error; the math is rendered by KaTeX with zero errors,
every Mermaid block became an SVG (and pages without one never load Mermaid),
a Q&A block opens on click, the language switch leads to the twin page, no script
error is thrown, not one request leaves the local server, axe-core (vendored from
npm in tests/site/vendor, injected into the page) finds no serious or critical
accessibility violation, and on a phone-sized viewport nothing, math included,
makes the page scroll sideways. What each page transfers is added up, and the
median must stay under 1 MB.

Screenshots for a person to review, under build/screenshots/: a sample of pages
(browser_kit.SAMPLE; every page with ``SEQCORE_SCREENSHOTS=all``) on a desktop viewport
(``<lang>_<page>.jpg``), on a phone (``phone/``) and in dark mode (``dark/``).
"""

from __future__ import annotations

import json
import statistics
from pathlib import Path
from urllib.parse import unquote, urljoin, urlparse

import pytest

from tests.conftest import ROOT
from tests.site.browser_kit import (
    COMPRESSED,
    PAGES,
    PROBES,
    SAMPLE,
    SHOTS,
    gzipped,
    open_context,
    photograph,
    screenshot_wanted,
    shared_get,
    shared_put,
    wait_for_rendering,
)

AXE = ROOT / "tests" / "site" / "vendor" / "axe-core" / "axe.min.js"
# Reviewed in dark mode: the pages photographed (browser_kit.SAMPLE).
SAMPLE_PAGES = [p for p in PAGES if p[1] in SAMPLE]


def transferred_bytes(site: Path, urls: list[str]) -> tuple[int, int]:
    """Bytes of the files behind these requests: as sent (text gzipped), and uncompressed."""
    sent = raw = 0
    for url in set(urls):
        path = site / unquote(urlparse(url).path).lstrip("/")
        if path.is_dir():
            path = path / "index.html"
        if path.is_file():
            size = path.stat().st_size
            raw += size
            sent += len(gzipped(path, path.stat().st_mtime)) if path.suffix in COMPRESSED \
                else size
    return sent, raw


SERIOUS = r"""async () => {
  const result = await axe.run(document, { resultTypes: ['violations'] });
  return result.violations.filter(v => ['serious', 'critical'].includes(v.impact))
    .map(v => ({ id: v.id, impact: v.impact, help: v.help,
                 where: v.nodes.slice(0, 3).map(n => n.target.join(' ')),
                 why: (v.nodes[0].failureSummary || '').replace(/\s+/g, ' ').slice(0, 240) }));
}"""


def accessibility_violations(page) -> list[str]:
    """axe-core's serious and critical violations on the page as it is now."""
    page.add_script_tag(path=str(AXE))
    found = page.evaluate(SERIOUS)
    return [f"{v['impact']} {v['id']}: {v['help']} at {v['where']} ({v['why']})" for v in found]


SIDEWAYS = (PROBES / "sideways.js").read_text(encoding="utf-8")


# "lang:page" -> ((bytes sent, gzipped as a static host does; bytes uncompressed), requests)
WEIGHTS: dict[str, tuple[tuple[int, int], int]] = {}

@pytest.mark.browser
@pytest.mark.parametrize(("lang", "name", "url"), PAGES, ids=[f"{p[0]}:{p[1]}" for p in PAGES])
def test_page_in_chromium(visit, measure, built_site, lang, name, url):
    # `load`, then KaTeX, Mermaid and the fonts: every request a page makes is made by
    # then (the same set as half a second of network silence gave, on every 4th page
    # over 1.5 s more), 0.5 s a page sooner
    page = visit(url, wait_until="load")
    source = (ROOT / "docs").glob(f"{name}.{lang}.*")
    text = next(source).read_text(encoding="utf-8")

    wait_for_rendering(page)
    measure.record(lang, name, "desktop", page, visit)   # the readability tests read it
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

    if screenshot_wanted(name):
        photograph(page, SHOTS, lang, name)

    assert not visit.errors, f"script errors: {visit.errors}"
    assert not visit.outside, f"requests left the local server: {visit.outside}"
    assert not visit.failed, f"requests that failed (status 400 or more): {visit.failed}"
    assert not visit.console, f"errors in the console: {visit.console}"
    if not mermaid_blocks:
        mermaid = [u for u in visit.local if "mermaid" in u]
        assert not mermaid, f"a page without a diagram loaded the diagram library: {mermaid}"
    WEIGHTS[f"{lang}:{name}"] = (transferred_bytes(built_site, visit.local), len(visit.local))
    shared_put("weights", (lang, name), WEIGHTS[f"{lang}:{name}"])   # for the median below

    violations = accessibility_violations(page)
    assert not violations, "axe-core: serious or critical accessibility violations:\n  " \
        + "\n  ".join(violations)

    # last, as it leaves the page: the language switch leads to the twin (clicked on the
    # sampled pages; on every page its link is read from the HTML, test_language_switch)
    if not screenshot_wanted(name):
        return
    other = "en" if lang == "ko" else "ko"
    twin = next(u for lng, n, u in PAGES if lng == other and n == name)
    page.evaluate("() => window.scrollTo(0, 0)")
    page.locator(".md-header__option .md-select").first.hover()
    link = page.locator(f'a.md-select__link[hreflang="{other}"]').first
    with page.expect_navigation(wait_until="domcontentloaded"):
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


@pytest.mark.browser
@pytest.mark.parametrize(("lang", "name", "url"), PAGES, ids=[f"{p[0]}:{p[1]}" for p in PAGES])
def test_nothing_scrolls_sideways_on_a_phone(measure, lang, name, url):
    found = measure(lang, name, "phone")
    wide = found["sideways"]
    assert not wide["math"], f"formulas run off a 390 px screen: {wide['math']}"
    assert wide["page"] <= 1, f"the page is {wide['page']} px wider than a 390 px screen"
    assert not found.errors, f"script errors: {found.errors}"
    assert not found.failed, f"requests that failed (status 400 or more): {found.failed}"
    assert not found.console, f"errors in the console: {found.console}"


@pytest.mark.browser
@pytest.mark.parametrize(("lang", "name", "url"), SAMPLE_PAGES,
                         ids=[f"{p[0]}:{p[1]}" for p in SAMPLE_PAGES])
def test_dark_mode(visit_dark, lang, name, url):
    page = visit_dark(url)
    wait_for_rendering(page)
    scheme = page.evaluate("document.body.getAttribute('data-md-color-scheme')")
    assert scheme == "slate", f"a dark system got the {scheme!r} scheme"
    photograph(page, SHOTS / "dark", lang, name)
    violations = accessibility_violations(page)  # contrast is checked again on dark colours
    assert not violations, "axe-core in dark mode:\n  " + "\n  ".join(violations)
    assert not visit_dark.errors, f"script errors: {visit_dark.errors}"


@pytest.mark.browser
def test_median_page_transfers_under_one_megabyte(browser, server, built_site):
    """Add up what each page loads with an empty cache; write the table for the record.

    The server compresses text as static hosts do (GitHub Pages, Netlify, nginx with
    gzip on), so "sent" is what crosses the network; the uncompressed size is recorded
    beside it and held under a looser bound, so a heavy library cannot slip in unseen.
    """
    for lang, name, url in PAGES:  # pages the page test did not visit in this run
        if f"{lang}:{name}" not in WEIGHTS and (kept := shared_get("weights", (lang, name))):
            WEIGHTS[f"{lang}:{name}"] = (tuple(kept[0]), kept[1])   # another worker's
        if f"{lang}:{name}" not in WEIGHTS:
            context, go = open_context(browser, server)
            go(url)
            WEIGHTS[f"{lang}:{name}"] = (transferred_bytes(built_site, go.local), len(go.local))
            context.close()
    sent = statistics.median(b[0] for b, _ in WEIGHTS.values())
    raw = statistics.median(b[1] for b, _ in WEIGHTS.values())
    report = {"median_bytes_sent": sent, "median_bytes_uncompressed": raw,
              "pages": {k: {"sent": b[0], "uncompressed": b[1], "requests": n}
                        for k, (b, n) in sorted(WEIGHTS.items())}}
    SHOTS.mkdir(parents=True, exist_ok=True)
    (SHOTS.parent / "page-weights.json").write_text(json.dumps(report, indent=1))
    assert sent < 1_000_000, f"the median page transfers {sent / 1e6:.2f} MB (limit 1 MB)"
    assert raw < 2_000_000, f"the median page is {raw / 1e6:.2f} MB uncompressed (limit 2 MB)"


@pytest.mark.browser
def test_a_failed_request_and_a_console_error_are_recorded(visit):
    """The control for the two assertions above: a visit does record both."""
    page = visit("/")
    page.evaluate("() => fetch('no-such-file.json').catch(() => null)")
    page.evaluate("() => console.error('seqcore: a deliberate error')")
    page.wait_for_timeout(300)
    assert any(f.startswith("404 ") and f.endswith("/no-such-file.json") for f in visit.failed)
    assert "seqcore: a deliberate error" in visit.console


@pytest.mark.browser
def test_the_overflow_check_sees_a_formula_off_the_screen(visit_phone):
    page = visit_phone("/")
    wide = '<span class="katex" style="display:inline-block;width:900px">x</span>'
    page.set_content(f'<p>{wide}</p><div style="overflow-x:auto">{wide}</div>'
                     f'<table style="overflow:auto"><tr><td>{wide}</td></tr></table>')
    found = page.evaluate(SIDEWAYS)
    assert found["math"] == ["x", "x"], found  # the paragraph's and the table's, not the box's
    assert found["page"] > 400
