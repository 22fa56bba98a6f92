"""The glossary: what each term means, where it is first used, and links from the chapters.

``docs/_data/glossary.yml`` holds each concept's Korean and English term and a one-line
definition in each language (``def_ko``, ``def_en``).

- **In every chapter** (a page of mkdocs.yml's navigation outside the ``참고`` section and
  the home page; the notebooks, which come after the chapters, count as chapters here),
  the first use of each term becomes a link to its row of the glossary,
  with the definition as its tooltip (``title``) and an id, ``g-<slug of the English
  term>``, the same in both languages. A use counts where a reader reads it: not in a
  heading, an admonition's or a question's title, code, math, a diagram, a link, or a
  quotation of the notes ("…"); a term inside a longer glossary term (어텐션 in 셀프
  어텐션) is that longer term's use. This runs on the HTML (``on_page_content``), where
  all of those are marked.
- **The glossary page**: ``<!-- glossary -->`` becomes the table of every term with its
  definition in the page's language and a link to its first use: the first chapter in
  reading order that uses it, at the very word (``…/#g-<slug>``). MkDocs renders every
  page's content before it builds any page, so when the glossary page is built
  (``on_page_context``, before Material's search reads it) every chapter has been read.

Korean terms match as written, particles after them included (은닉 상태를 → 은닉 상태);
English terms match as whole words, case-insensitively, with a plural s.
"""

from __future__ import annotations

import bisect
import functools
import html
import re
import runpy
from collections.abc import Iterable, Mapping
from pathlib import Path
from typing import Any, NamedTuple

from pagekit import build_language, read_yaml

MARKER = "<!-- glossary -->"
GLOSSARY_PAGE = "glossary.md"        # the page that shows the glossary, as nav names it
LANGUAGES = ("ko", "en")
#: The page kinds (search_ko.page_kinds) whose text links its terms: the pages that teach
TEACHING = frozenset({"chapter", "notebook"})
#: Elements whose text is not a use: headings, titles, code, links, scripts
SKIP_TAGS = frozenset({"h1", "h2", "h3", "h4", "h5", "h6", "a", "code", "pre", "kbd", "samp",
                       "script", "style", "svg", "math", "summary", "button", "textarea",
                       "abbr", "label", "title", "head", "nav", "figcaption", "select"})
#: …and classes that mark the same: math, diagrams, admonition titles, notebook code cells
SKIP_CLASSES = frozenset({"arithmatex", "mermaid", "admonition-title", "headerlink",
                          "jp-CodeCell", "jp-OutputArea", "highlight"})
VOID = frozenset({"area", "base", "br", "col", "embed", "hr", "img", "input", "link", "meta",
                  "source", "track", "wbr"})
# a quotation, never across two pieces of text (first_uses joins them with "<")
QUOTED = re.compile(r'"[^"<]*"|“[^”<]*”|‘[^’<]*’|「[^」<]*」')
_PIECE = re.compile(r"<!--.*?-->|<[^>]*>|[^<]+", re.S)
_TAG = re.compile(r"<\s*(/)?\s*([A-Za-z][\w-]*)([^>]*?)(/)?\s*>", re.S)
_CLASS = re.compile(r"""\bclass\s*=\s*(?:"([^"]*)"|'([^']*)')""")
_LOCALE = re.compile(r"\.[a-z]{2}(?=\.[a-z]+$)")   # rnn.ko.md -> rnn.md


class Term(NamedTuple):
    """One glossary entry, as the pages use it."""

    ko: str
    en: str
    definition: dict[str, str]      # {"ko": ..., "en": ...}; "" where none is written yet

    @property
    def slug(self) -> str:
        """The term's id, the same in both languages: ``hidden state`` → ``hidden-state``."""
        return re.sub(r"[^a-z0-9]+", "-", self.en.lower()).strip("-")

    def name(self, lang: str) -> str:
        return self.ko if lang == "ko" else self.en


def load_glossary(path: Path) -> list[dict]:
    """The glossary entries ``{ko, en, avoid: [...]}``, validated, in file order."""
    data = read_yaml(path) or []
    if not isinstance(data, list):
        raise ValueError(f"{path.name}: expected a list of terms, got {type(data).__name__}")
    for i, entry in enumerate(data):
        if not isinstance(entry, dict) or not entry.get("ko") or not entry.get("en"):
            raise ValueError(f"{path.name} entry {i + 1}: needs 'ko' and 'en', got {entry!r}")
        avoid = entry.setdefault("avoid", [])
        if not isinstance(avoid, list) or not all(isinstance(a, str) for a in avoid):
            raise ValueError(f"{path.name} entry {i + 1} ({entry['ko']}): 'avoid' must be a "
                             f"list of strings, got {avoid!r}")
    return data


def load_terms(path: Path) -> list[Term]:
    """The glossary file's terms, in file order, each checked for a name in both languages.

    A missing definition is ``""`` (the build shows none; ``tests/site/test_glossary_links.py``
    asks for one); a definition that is not text is an error naming the term.
    """
    data = read_yaml(path) or []
    if not isinstance(data, list):
        raise ValueError(f"{path.name}: expected a list of terms, got {type(data).__name__}")
    terms = []
    for i, entry in enumerate(data):
        if not isinstance(entry, dict) or not entry.get("ko") or not entry.get("en"):
            raise ValueError(f"{path.name} entry {i + 1}: needs 'ko' and 'en', got {entry!r}")
        definition = {lang: entry.get(f"def_{lang}") or "" for lang in LANGUAGES}
        bad = [k for k, v in definition.items() if not isinstance(v, str)]
        if bad:
            raise ValueError(f"{path.name} entry {i + 1} ({entry['ko']}): 'def_{bad[0]}' must "
                             f"be one line of text, got {definition[bad[0]]!r}")
        terms.append(Term(str(entry["ko"]), str(entry["en"]), definition))
    slugs = [t.slug for t in terms]
    twice = sorted({s for s in slugs if slugs.count(s) > 1})
    if twice:
        raise ValueError(f"{path.name}: two terms share the id {twice[0]!r}")
    return terms


@functools.lru_cache(maxsize=1024)
def term_pattern(term: str, lang: str) -> re.Pattern:
    """How a term is found in running text of ``lang``.

    Korean: as written, any spacing between its words, not inside a longer word on the
    left (particles follow on the right). English: a whole word, any case, a plural s.
    A hyphen and a dash are the same mark (document-term, document–term).

    Examples
    --------
    >>> bool(term_pattern("은닉 상태", "ko").search("새 은닉 상태를"))
    True
    >>> english = term_pattern("attention", "en")
    >>> [bool(english.search(s)) for s in ("Attention is", "self-attention")]
    [True, False]
    """
    words = r"\s+".join(re.escape(w) for w in term.split())
    words = re.sub(r"(?:\\-|[‐‑–—])", "[-‐‑–—]", words)   # document-term = document–term
    if lang == "ko":
        tail = r"(?![A-Za-z0-9])" if re.search(r"[A-Za-z0-9]$", term) else ""
        return re.compile(rf"(?<![가-힣A-Za-z0-9]){words}{tail}")
    return re.compile(rf"(?<![\w-]){words}(?:e?s)?(?![\w-])", re.I)


def text_spans(page_html: str) -> list[tuple[int, int]]:
    """``(start, end)`` of each piece of text in ``page_html`` a reader reads as prose."""
    spans, stack = [], []            # stack: (tag, skips) of the open elements
    skipping = 0                     # how many open elements skip their text
    for m in _PIECE.finditer(page_html):
        piece = m[0]
        if piece[0] != "<":
            if not skipping:
                spans.append(m.span())
            continue
        if piece.startswith("<!--"):
            continue
        tag = _TAG.match(piece)
        if not tag:
            continue
        closing, name, attrs, self_closing = tag[1], tag[2].lower(), tag[3], tag[4]
        if closing:
            while stack:
                opened, skips = stack.pop()
                skipping -= skips
                if opened == name:
                    break
        elif name not in VOID and not self_closing:
            skips = name in SKIP_TAGS or bool(_classes(attrs) & SKIP_CLASSES)
            stack.append((name, skips))
            skipping += skips
    return spans


def _classes(attrs: str) -> set[str]:
    m = _CLASS.search(attrs)
    return set((m[1] or m[2] or "").split()) if m else set()


def first_uses(page_html: str, patterns: Mapping[str, re.Pattern]) -> dict[str, tuple[int, int]]:
    """``{key: (start, end)}``: where each pattern's term is first used in ``page_html``.

    Only prose counts (:func:`text_spans`), not text inside a quotation, and not a match
    that lies inside a match of another, longer term. Two first uses never overlap.
    """
    # The prose is joined into one text that each pattern scans once (a scan per span
    # and pattern was most of 1.25 million regex scans a build). `<` joins the spans, as a tag's
    # bracket does in the page: no term and no quotation runs across two.
    spans = text_spans(page_html)
    joined = "<".join(page_html[s:e] for s, e in spans)
    offsets = [0]                                     # where each span starts in `joined`
    for s, e in spans[:-1]:
        offsets.append(offsets[-1] + e - s + 1)
    quoted = [q.span() for q in QUOTED.finditer(joined)]
    quote_starts = [a for a, _ in quoted]
    found: list[tuple[int, int, str]] = []
    for key, pattern in patterns.items():
        for m in pattern.finditer(joined):
            q = bisect.bisect_right(quote_starts, m.start()) - 1
            if q >= 0 and m.start() < quoted[q][1]:
                continue                              # inside a quotation
            i = bisect.bisect_right(offsets, m.start()) - 1
            shift = spans[i][0] - offsets[i]
            found.append((m.start() + shift, m.end() + shift, key))
    found.sort()
    first: dict[str, tuple[int, int]] = {}
    for i, (s, e, key) in enumerate(found):
        # a longer match holding this one starts at most a term's length before it
        near = found[max(0, i - 64):i + 64]
        if any(k2 != key and s2 <= s and e <= e2 and e2 - s2 > e - s for s2, e2, k2 in near):
            continue
        if key not in first and not any(s < b and a < e for a, b in first.values()):
            first[key] = (s, e)
    return first


@functools.lru_cache(maxsize=1024)
def _words(term: str) -> list[str]:
    """The runs of letters and digits in ``term``, case-folded: each is in any text the
    term's pattern matches (its case-insensitive match folds to the same letters)."""
    return [w.casefold() for w in re.findall(r"[^\W_]+", term)]


def link_first_uses(page_html: str, terms: Iterable[Term], lang: str,
                    glossary_href: str) -> tuple[str, list[str]]:
    """``page_html`` with each term's first use linked to the glossary; the slugs linked.

    ``glossary_href`` is the glossary page relative to this page (``../glossary/``).
    """
    if lang not in LANGUAGES:
        raise ValueError(f"link_first_uses: `lang` must be one of {LANGUAGES}; got {lang!r}")
    by_slug = {t.slug: t for t in terms}
    # a term whose words are not all in the page cannot match: no scan for it
    folded = page_html.casefold()
    uses = first_uses(page_html, {s: term_pattern(t.name(lang), lang) for s, t in by_slug.items()
                                  if all(w in folded for w in _words(t.name(lang)))})
    out, at = [], 0
    for slug, (start, end) in sorted(uses.items(), key=lambda kv: kv[1]):
        title = html.escape(by_slug[slug].definition[lang] or by_slug[slug].name(lang))
        out += [page_html[at:start],
                f'<a class="glossary-term" id="g-{slug}" href="{glossary_href}#term-{slug}" '
                f'title="{title}">{page_html[start:end]}</a>']
        at = end
    return "".join([*out, page_html[at:]]), sorted(uses)


WORDS = {"ko": {"term": "용어", "definition": "뜻", "first": "처음 나오는 곳"},
         "en": {"term": "Term", "definition": "Definition", "first": "First used in"}}


def glossary_table(terms: Iterable[Term], lang: str,
                   first_use: Mapping[str, tuple[str, str]]) -> str:
    """The glossary as an HTML table: each term, its definition and its first use.

    Two columns, so that it reads on a phone too: the term in the page's language above
    its translation, then the definition with the link to the first use below it.
    ``first_use`` maps a slug to ``(href, chapter title)``; a term without one gets none.
    Korean lists the terms in the file's order (reading order), English alphabetically.
    """
    if lang not in LANGUAGES:
        raise ValueError(f"glossary_table: `lang` must be one of {LANGUAGES}; got {lang!r}")
    terms = list(terms)
    if lang == "en":
        terms.sort(key=lambda t: t.en.lower())
    words = WORDS[lang]
    rows = ["<table>", f"<thead><tr><th>{words['term']}</th><th>{words['definition']}</th>"
            "</tr></thead>", "<tbody>"]
    for t in terms:
        other = t.en if lang == "ko" else t.ko
        term = f'<strong>{html.escape(t.name(lang))}</strong><br>{html.escape(other)}'
        text = html.escape(t.definition[lang])
        href, title = first_use.get(t.slug, ("", ""))
        if href:
            text += (f'<br><span class="glossary-first-use">{words["first"]}: '
                     f'<a href="{href}">{html.escape(title)}</a></span>')
        rows.append(f'<tr id="term-{t.slug}"><td>{term}</td><td>{text}</td></tr>')
    return "\n".join([*rows, "</tbody>", "</table>"])


# ---- the MkDocs hook ---------------------------------------------------------------------

try:  # the functions above must import without MkDocs (the tests use them)
    from mkdocs.exceptions import PluginError
    from mkdocs.plugins import event_priority
    from mkdocs.utils import get_relative_url
except ImportError:  # pragma: no cover
    event_priority = None

#: The page kinds (search_ko.page_kinds) whose text a term's first use is found in
TEACHING = ("chapter", "notebook")

if event_priority is not None:
    _terms: list[Term] = []
    _chapters: list[str] = []         # chapter sources in reading order ("rnn.md")
    _glossary_url: list[str] = [""]   # the glossary page of the language being built
    _uses: dict[str, dict[int, tuple[Any, list[str]]]] = {}  # lang -> position -> (page, slugs)

    def on_config(config):
        try:
            _terms[:] = load_terms(Path(config.docs_dir) / "_data" / "glossary.yml")
        except (OSError, ValueError) as exc:
            raise PluginError(f"glossary: {exc}") from exc
        # which pages teach (the chapters, and the notebooks that practise them): one rule
        # for search and glossary, in search_ko.py
        page_kinds = runpy.run_path(str(Path(__file__).with_name("search_ko.py")))["page_kinds"]
        kinds = page_kinds(config.nav or [])
        _chapters[:] = [src for src, kind in kinds.items() if kind in TEACHING]
        _uses.clear()
        return config

    _linked: dict[tuple, tuple[str, list[str]]] = {}

    def on_nav(nav, config, files):
        pages = [p for p in nav.pages if _LOCALE.sub("", p.file.src_uri) == GLOSSARY_PAGE]
        _glossary_url[0] = pages[0].url if pages else ""
        return nav

    def on_page_content(page_html, page, config, files):
        source = _LOCALE.sub("", page.file.src_uri)
        if source not in _chapters or not _glossary_url[0] or not _terms:
            return page_html
        lang = build_language(config)
        href = get_relative_url(_glossary_url[0], page.url)
        # A pure function of its inputs, kept across `mkdocs serve`'s rebuilds (a hook
        # module lives as long as the process): an edit re-links only the page it changed.
        key = (page_html, lang, href, repr(_terms))
        if key not in _linked:
            if len(_linked) > 4 * len(_chapters) + 8:
                _linked.clear()
            _linked[key] = link_first_uses(page_html, _terms, lang, href)
        page_html, slugs = _linked[key]
        _uses.setdefault(lang, {})[_chapters.index(source)] = (page, slugs)
        return page_html

    @event_priority(50)  # before Material's search reads the page (priority 0)
    def on_page_context(context, page, config, nav):
        if MARKER not in (page.content or ""):
            return context
        lang = build_language(config)
        first: dict[str, tuple[str, str]] = {}
        for _, (chapter, slugs) in sorted(_uses.get(lang, {}).items(), key=lambda kv: kv[0]):
            for slug in slugs:
                href = f"{get_relative_url(chapter.url, page.url)}#g-{slug}"
                first.setdefault(slug, (href, chapter.title or chapter.url))
        page.content = page.content.replace(MARKER, glossary_table(_terms, lang, first))
        return context
