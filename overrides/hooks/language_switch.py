"""The language switch keeps the reader's place: the same section of the twin page.

Heading ids differ by language (``#순전파`` on the Korean page, ``#the-forward-pass`` on the
English one), so a link to the twin page can only name the section if it knows the twin's
ids. After the whole site is built (both languages), this hook writes into every page the
ids of its *sections* in each language, in page order: the headings below the title
(h2–h6) and the question blocks (``details.question``), as JSON in
``<script type="application/json" id="seqcore-sections">``. The translations have the same
skeleton (headings and questions in the same order: tests/test_language_switch.py), so the
n-th section of one page is the n-th of its twin. ``assets/javascripts/language-switch.js``
reads the list when the reader uses the language selector, finds the section being read,
and sends the reader to the twin's section with that position.

Why not the same ids in both languages (``{#forward-pass}`` on every heading)? It would mean
editing every heading line of every page and every link with an anchor, while others edit
those pages; Korean readers would lose readable Korean anchors; and a page added later
would need the same care by hand. Here the pages stay as they are written.
"""

from __future__ import annotations

import json
import re
from collections.abc import Mapping
from pathlib import Path

ARTICLE = re.compile(r'<article class="md-content__inner[^"]*">(?P<body>.*?)</article>', re.S)
SECTION = re.compile(r'<(?:h[2-6]\b|details class="question")[^>]*?\sid="(?P<id>[^"]+)"')
DATA_ID = "seqcore-sections"


def sections(page_html: str) -> list[str]:
    """The ids of a page's sections in order: its h2–h6 headings and question blocks.

    Examples
    --------
    >>> sections('<h1 id="t">T</h1><article class="md-content__inner md-typeset">'
    ...          '<h1 id="t">T</h1><h2 id="a">A</h2><details class="question" id="q-b">'
    ...          '<h3 id="c">C</h3></article><h2 id="footer">')
    ['a', 'q-b', 'c']
    """
    article = ARTICLE.search(page_html)
    return [m["id"] for m in SECTION.finditer(article["body"])] if article else []


def with_sections(page_html: str, by_language: Mapping[str, list[str]]) -> str:
    """``page_html`` with its sections in every language, before ``</body>``.

    A page already given them has them replaced (``mkdocs serve`` builds again).
    """
    data = json.dumps(dict(by_language), ensure_ascii=False).replace("</", "<\\/")
    tag = f'<script type="application/json" id="{DATA_ID}">{data}</script>'
    page_html = re.sub(rf'<script type="application/json" id="{DATA_ID}">.*?</script>', "",
                       page_html, flags=re.S)
    if "</body>" not in page_html:
        raise ValueError("with_sections: `page_html` has no </body>")
    head, _, tail = page_html.rpartition("</body>")
    return f"{head}{tag}</body>{tail}"


def write_sections(site_dir: Path, prefixes: Mapping[str, str]) -> int:
    """Give every page that has a twin the sections of itself and its twins; how many.

    ``prefixes`` maps each language to the start of its pages' paths (``{"ko": "",
    "en": "en/"}``); a page of the language with the empty prefix is
    ``<site>/<path>/index.html``, its twin in another language
    ``<site>/<prefix><path>/index.html``.
    """
    default = [lang for lang, p in prefixes.items() if not p]
    if len(default) != 1:
        raise ValueError(f"write_sections: `prefixes` needs exactly one language with the "
                         f"prefix ''; got {dict(prefixes)!r}")
    others = [p for p in prefixes.values() if p]
    written = 0
    for page in sorted(site_dir.rglob("index.html")):
        rel = page.relative_to(site_dir).as_posix()
        if any(rel.startswith(p) for p in others):
            continue                   # reached from its default-language twin
        twins = {lang: site_dir / f"{p}{rel}" for lang, p in prefixes.items()}
        if not all(path.is_file() for path in twins.values()):
            continue
        html = {lang: path.read_text(encoding="utf-8") for lang, path in twins.items()}
        found = {lang: sections(text) for lang, text in html.items()}
        for lang, path in twins.items():
            path.write_text(with_sections(html[lang], found), encoding="utf-8")
            written += 1
    return written


# ---- the MkDocs hook ---------------------------------------------------------------------

try:  # the functions above must import without MkDocs (the tests use them)
    from mkdocs.exceptions import PluginError
    from mkdocs.plugins import event_priority
except ImportError:  # pragma: no cover
    event_priority = None

if event_priority is not None:

    @event_priority(-200)  # after mkdocs-static-i18n (-100) built every language
    def on_post_build(config):
        i18n = config.plugins.get("i18n")
        if i18n is None or getattr(i18n, "building", False):
            return  # one language, or a language inside i18n's loop: not every twin yet
        prefixes = {lang.locale: lang.link.strip("/") + "/" if lang.link.strip("/") else ""
                    for lang in i18n.config.languages if lang.build and lang.locale != "null"}
        try:
            write_sections(Path(config.site_dir), prefixes)
        except (ValueError, OSError) as exc:
            raise PluginError(f"language_switch: {exc}") from exc
