"""Where the site is served comes from configuration: site_url, repo_url, the sitemap, 404.

mkdocs.yml reads ``SEQCORE_SITE_URL`` and ``SEQCORE_REPO_URL`` (mkdocs' ``!ENV`` tag);
without them the site is the local one ``mkdocs serve`` gives, http://127.0.0.1:8000/.
The sitemap lists every page under that address (it listed ``Noneapi/`` when
site_url was unset), and the 404 page's links and assets are absolute from it, since
the page is served at any depth.
"""

from __future__ import annotations

import re
from xml.etree import ElementTree

import pytest

from tests.conftest import ROOT, page_urls

DEFAULT = "http://127.0.0.1:8000/"
NS = {"s": "http://www.sitemaps.org/schemas/sitemap/0.9"}


def config(monkeypatch, **env):
    from mkdocs.config import load_config

    for name in ("SEQCORE_SITE_URL", "SEQCORE_REPO_URL"):
        monkeypatch.delenv(name, raising=False)
    for name, value in env.items():
        monkeypatch.setenv(name, value)
    return load_config(str(ROOT / "mkdocs.yml"))


def test_site_and_repository_urls_come_from_the_environment(monkeypatch):
    local = config(monkeypatch)
    assert local.site_url == DEFAULT
    assert not local.repo_url, "no repository link unless one is configured"
    served = config(monkeypatch, SEQCORE_SITE_URL="https://notes.example.org/seqcore/",
                    SEQCORE_REPO_URL="https://git.example.org/seqcore")
    assert served.site_url == "https://notes.example.org/seqcore/"
    assert served.repo_url == "https://git.example.org/seqcore"


def sitemap_problems(xml: str, site_url: str, expected: set[str]) -> list[str]:
    """What is wrong with a sitemap: foreign or broken addresses, pages missing or extra."""
    root = ElementTree.fromstring(xml)
    locs = [e.text or "" for e in root.iterfind("s:url/s:loc", NS)]
    links = [e.get("href", "") for e in root.iter("{http://www.w3.org/1999/xhtml}link")]
    problems = [f"not under {site_url}: {u}" for u in locs + links if not u.startswith(site_url)]
    paths = {"/" + u.removeprefix(site_url) for u in locs + links if u.startswith(site_url)}
    problems += [f"missing: {p}" for p in sorted(expected - paths)]
    problems += [f"no such page: {p}" for p in sorted(paths - expected)]
    return problems


@pytest.mark.site
def test_the_sitemap_lists_every_page_under_site_url(built_site):
    xml = (built_site / "sitemap.xml").read_text(encoding="utf-8")
    expected = {url for _, _, url in page_urls()}
    assert not sitemap_problems(xml, DEFAULT, expected)
    assert "None" not in xml


def test_the_sitemap_check_sees_unset_site_urls():
    broken = ('<urlset xmlns="http://www.sitemaps.org/schemas/sitemap/0.9"><url>'
              "<loc>Noneapi/</loc></url></urlset>")
    assert sitemap_problems(broken, DEFAULT, {"/api/"}) == [
        "not under http://127.0.0.1:8000/: Noneapi/", "missing: /api/"]


@pytest.mark.site
def test_the_404_page_has_both_languages_and_absolute_links(built_site):
    page = (built_site / "404.html").read_text(encoding="utf-8")
    assert 'lang="ko" data-lang="ko"' in page and 'lang="en" data-lang="en"' in page
    assert "페이지를 찾을 수 없습니다" in page and "Page not found" in page
    relative = [u for u in re.findall(r'(?:href|src)="([^"#][^"]*)"', page)
                if not u.startswith(("/", "http://", "https://", "data:"))]
    assert not relative, f"the 404 page is served at any depth; relative links break: " \
                         f"{relative[:5]}"


def test_no_page_links_the_seed_files_readers_cannot_open():
    # the raw seed paths must not reach the site (the notes are not published)
    for source in (ROOT / "docs").glob("*.md"):
        text = source.read_text(encoding="utf-8")
        assert "shared/seeds" not in text, f"{source.name} points readers at ../shared/seeds/"


