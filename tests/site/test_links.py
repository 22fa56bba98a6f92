"""Every internal link and anchor of the built site resolves.

MkDocs only validates links written as ``.md`` paths, and only warns about
anchors it can see in Markdown; links made by hooks, by mkdocstrings and by the
theme are checked nowhere else. This reads the built HTML as a browser would.
"""

from __future__ import annotations

import difflib
import html
import re
from functools import cache
from pathlib import Path
from urllib.parse import unquote, urldefrag, urljoin, urlparse

import pytest

from tests.pages import source_of

LINK = re.compile(r'<(?:a|link)\b[^>]*?\bhref="(?P<url>[^"]*)"', re.I)
ID = re.compile(r'\b(?:id|name)="(?P<id>[^"]+)"')
# Not documents: the theme's feeds/search endpoints and language alternates to the site root.
IGNORED_SCHEMES = ("mailto:", "javascript:", "data:", "tel:")


@cache
def ids_of(page: Path) -> frozenset[str]:
    return frozenset(html.unescape(m["id"]) for m in ID.finditer(page.read_text("utf-8")))


def target_file(site: Path, url_path: str) -> Path | None:
    """The file a site-relative URL path serves (``a/b/`` -> ``a/b/index.html``)."""
    path = site / unquote(url_path).lstrip("/")
    if url_path.endswith("/") or path.is_dir():
        path = path / "index.html"
    return path if path.is_file() else None


def broken_links(site: Path) -> list[str]:
    problems = []
    for page in sorted(site.rglob("*.html")):
        rel = page.relative_to(site).as_posix()
        base = "http://site.invalid/" + rel
        for m in LINK.finditer(page.read_text(encoding="utf-8")):
            raw = html.unescape(m["url"]).strip()
            if not raw or raw.startswith(IGNORED_SCHEMES):
                continue
            url = urlparse(urljoin(base, raw))
            if url.netloc != "site.invalid":
                continue  # another host: test_site forbids loading, not linking
            doc, fragment = urldefrag(url.geturl())
            target = target_file(site, urlparse(doc).path)
            if target is None:
                problems.append(f"{rel}: {raw} -> no such file")
            elif fragment and target.suffix == ".html" and unquote(fragment) not in ids_of(target):
                near = difflib.get_close_matches(unquote(fragment), ids_of(target), n=1)
                hint = f" (did you mean #{near[0]}?)" if near else ""
                problems.append(f"{rel}: {raw} -> no id '{unquote(fragment)}' in "
                                f"{target.relative_to(site).as_posix()}{hint}")
    return problems


@pytest.mark.site
def test_every_internal_link_and_anchor_resolves(built_site):
    problems = broken_links(built_site)
    named = [f"{source_of(p.split(':', 1)[0])}:{p.split(':', 1)[1]}" for p in problems]
    assert not named, (f"{len(problems)} broken internal link(s); link to a page as "
                       f"other-page.md#anchor, with an anchor that page has (a heading's id, "
                       f"or a formula or question id):\n  " + "\n  ".join(named[:30]))


def test_the_link_check_finds_a_dead_link_and_a_dead_anchor(tmp_path):
    (tmp_path / "a").mkdir()
    (tmp_path / "a" / "index.html").write_text('<h2 id="x">x</h2>', encoding="utf-8")
    (tmp_path / "index.html").write_text(
        '<a href="a/#x">ok</a><a href="a/#y">bad anchor</a><a href="b/">bad page</a>'
        '<a href="https://example.org/">elsewhere</a><a href="#top">self</a>', encoding="utf-8")
    problems = broken_links(tmp_path)
    assert problems == ["index.html: a/#y -> no id 'y' in a/index.html",
                        "index.html: b/ -> no such file",
                        "index.html: #top -> no id 'top' in index.html"]
