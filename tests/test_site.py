"""The built site: strict build, every page in both languages, nothing from other hosts."""

from __future__ import annotations

import re

import pytest

import seqcore
from tests.conftest import page_urls
from tests.pages import source_of

PAGES = page_urls()


def html_of(site, url: str) -> str:
    return (site / url.strip("/") / "index.html").read_text(encoding="utf-8")


@pytest.mark.site
@pytest.mark.parametrize(("lang", "name", "url"), PAGES, ids=[f"{p[0]}:{p[1]}" for p in PAGES])
def test_page_is_built(built_site, lang, name, url):
    html = html_of(built_site, url)
    assert f'<html lang="{lang}"' in html, f"{url} is not marked lang={lang}"


@pytest.mark.site
def test_notebooks_are_pages_in_both_languages(built_site):
    """static-i18n issue #198: without the hook the raw .py is published instead."""
    assert not list(built_site.rglob("*.py")), "a notebook source was published as a file"
    notebooks = [p for p in PAGES if p[1].startswith("notebooks/")]
    assert {lang for lang, _, _ in notebooks} == {"ko", "en"}
    for _, _, url in notebooks:
        html = html_of(built_site, url)
        assert "jp-Notebook" in html or "jp-Cell" in html, f"{url} is not a rendered notebook"
        # the plots are SVG, inlined by overrides/hooks/plots.py
        assert 'class="jp-RenderedSVG' in html and '<svg role="img"' in html, \
            f"{url} shows no executed plot"
        assert "Traceback" not in html and "ename" not in html


@pytest.mark.site
def test_nothing_is_loaded_from_another_host(built_site):
    """Static half of the offline promise (the browser test checks real requests)."""
    loads = re.compile(r'(?:<script[^>]+src|<link[^>]+href|<img[^>]+src|url\()\s*=?\s*["\']?'
                       r'(?P<url>(?:https?:)?//[^"\')\s>]+)', re.I)
    offenders = {}
    for path in built_site.rglob("*"):
        if path.suffix in (".html", ".css") and path.is_file():
            text = path.read_text(encoding="utf-8", errors="replace")
            hits = {m["url"] for m in loads.finditer(text)
                    if not m["url"].startswith(("http://127.0.0.1", "//127.0.0.1"))}
            # <link rel="alternate|canonical"> are references, not loads
            hits = {h for h in hits if not re.search(
                rf'<link[^>]+rel="(?:alternate|canonical)"[^>]+href="{re.escape(h)}', text)}
            if hits:
                offenders[source_of(path.relative_to(built_site).as_posix())] = sorted(hits)[:3]
    assert not offenders, (f"pages that load from another host: {offenders}. The site must work "
                           f"offline: put the file in the site (an image under docs/, a script "
                           f"or font vendored from npm under overrides/assets/vendor) or draw a "
                           f"Mermaid diagram or a plot instead")


@pytest.mark.site
def test_korean_headings_get_readable_anchors(built_site):
    for _lang, _name, url in PAGES:
        ids = re.findall(r'<h[1-6][^>]*\sid="([^"]*)"', html_of(built_site, url))
        numbered = [i for i in ids if re.fullmatch(r"_\d*", i)]
        assert not numbered, f"{url}: headings with empty anchors {numbered}"


@pytest.mark.site
def test_each_formula_links_to_its_code_and_back(built_site):
    for lang, prefix in (("ko", ""), ("en", "en/")):
        api_pages = {p.parent.name: p.read_text(encoding="utf-8")
                     for p in (built_site / prefix / "api").glob("*/index.html")}
        assert api_pages, f"{lang}: no API pages under {prefix}api/"
        api = "\n".join(api_pages.values())
        linked = set()
        for _, _name, url in [p for p in PAGES if p[0] == lang]:
            html = html_of(built_site, url)
            for fid, part, qual in re.findall(
                    r'class="formula-id" href="#([^"]+)".*?class="formula-code" '
                    r'href="[^"#]*api/([\w-]+)/#([^"]+)"', html):
                assert seqcore.FORMULAS[fid] == qual
                assert f'id="{qual}"' in api_pages[part], f"api/{part}/ has no entry {qual}"
                linked.add(fid)
        assert linked == set(seqcore.FORMULAS), (
            f"{lang}: formulas without a code link: {set(seqcore.FORMULAS) - linked}")
        for fid in seqcore.FORMULAS:
            assert f'#{fid}"><code>{fid}</code></a>' in api, f"API pages lack a link to {fid}"


@pytest.mark.site
def test_vendored_katex_readme_is_not_a_page(built_site):
    assert not list((built_site / "assets" / "vendor").rglob("*README*"))
    assert (built_site / "assets" / "vendor" / "katex" / "katex.min.js").is_file()
