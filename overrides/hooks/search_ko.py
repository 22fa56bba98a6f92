"""Site search per language, and Korean words found inside compounds (kiwipiepy at build time).

How the search index is written here (mkdocs-material 9.8.1, mkdocs-static-i18n 1.3.1 with
``reconfigure_search: true``): Material's ``search`` plugin collects one entry per page section
(``location``, ``title``, ``text``; the text keeps some HTML for the result preview). The i18n
plugin builds the Korean site, then the English one, stacks the entries of both and has Material
write them as *one* file, ``search/search_index.json``, with ``lang: [en, ko]``. Material's
JavaScript always fetches ``<site root>/search/search_index.json``, from every page. So an
English query on an English page also returned Korean pages (they carry English terms in
parentheses, and the API page is English in both) and a Korean query on a Korean page returned
English pages that quote Korean (the errata).

In the browser, Material's worker (lunr.js) splits text on the ``separator`` regex, trims
punctuation, lower-cases, and gives every query term a trailing wildcard: ``벡터`` finds
``벡터를`` (a noun before a particle) but a word inside a compound is never found: ``편차`` does
not find ``표준편차가``. lunr's Korean support (``lunr.ko``) only trims and drops stop words.
Material's default separator is whitespace and hyphens, and Korean glues a gloss or a bracket
to the word (``상태(hidden``); mkdocs.yml therefore also splits at punctuation, and this hook
reads the separator from the index, so that it sees the same words as the worker.

What this hook does, after the i18n plugin wrote the combined index (priority -200 < -100):

1. **One index per language.** Entries under ``en/`` go to ``en/search/search_index.json``
   (``lang: [en]``); the rest stay in ``search/search_index.json``. On a page of a language
   other than the default, ``overrides/main.html`` loads ``search-language.js`` before
   Material's bundle; it points Material's one request at that language's index. Result links
   stay relative to the site root, as Material resolves them.
2. **Korean morphemes as an extra field.** Every Korean entry gets a field ``morphemes``: the
   content morphemes (nouns, verb and adjective stems, roots; two syllables or more) and the
   *base* (the word without its particles and endings: ``가중치`` of ``가중치를``, ``토큰화`` of
   ``토큰화는``) of every Hangul word of its title and text, by kiwipiepy, space-separated and
   each listed once. Material indexes every field of ``config.fields`` but shows only
   ``title`` and ``text``; the index learns that ``표준편차가`` contains ``표준`` and ``편차``.
   Kiwi is told the glossary's words it would cut apart (``역전파`` is 역전/파 to it
   otherwise; ``docs/_data/glossary.yml``), and an entry whose text holds a multi-word
   glossary term also lists it without spaces (``순환 신경망`` → ``순환신경망``), since a
   reader types compounds both ways. The title's morphemes go to a second field,
   ``title_morphemes``, boosted as titles are. The browser reads these lists to strip
   particles from a query safely (``search-language.js``).
3. **Particles cut off.** In title and text, a zero-width space (U+200B, a separator)
   goes between a word's base and its particles: ``어텐션을`` is indexed as ``어텐션`` and
   ``을``. Without it, a page's many ``어텐션을``, ``어텐션의``… were each a rare word that
   the wildcard ``어텐션*`` matched, each with a high weight: the errata, which quote the
   notes, outranked the chapters. The reader sees no change. Only particles, the copula and
   하다/되다 endings are cut, never a compound (``표준편차`` stays a word).
4. **Rank by page kind.** Chapters teach; the reference pages (the ``참고`` section of the
   navigation: errata, API, glossary, question index…) collect and quote. Their entries get
   a lower ``boost`` (Material multiplies every score of a document by it), and the home page
   one in between, so a concept query leads to a chapter, in both languages.
5. **A glossary term leads to its chapter.** The page entry of the chapter that is home to
   a glossary term (the first with a heading that names it or its abbreviation, else the one
   with more than half of its uses: :func:`home_chapters`) lists it in a field ``keywords``,
   boosted as titles are; without it, three chapters with a section on 은닉 상태 tied.
6. **Readable previews.** Formulas in titles and texts become plain text (``hₜ₋₁`` for
   ``\\(h_{t-1}\\)``; ``search_text.py``), in both languages.

The query is not analyzed by Kiwi (that would need an analyzer in the browser, i.e. a download
at run time); ``search-language.js`` only strips a known particle or ending from a Hangul query
word when what remains is a word the index lists, and Material matches the rest by prefix,
against whole words and against morphemes. kiwipiepy is the optional extra ``ko`` of seqcore;
without it the build stops and names the install command. Everything happens at build time;
nothing is fetched at run time.

Build time: analyzing the ~7,400 distinct Korean words takes about 2 s of CPU, and kiwipiepy
holds the GIL. So ``on_pre_build`` of the English build (inside i18n's loop, when the Korean
index is already written) hands the words to a second process (this file run as a script),
which works while the English pages build; ``on_post_build`` takes its answer, and analyzes
in this process whatever is missing (all of it, if that process failed), so the result never
depends on the speed-up.
"""

from __future__ import annotations

import importlib.util
import json
import re
import subprocess
import sys
import tempfile
from collections.abc import Iterable, Mapping
from pathlib import Path
from typing import Any, NamedTuple

#: The field that holds the morphemes of a Korean entry, and its boost (the text's).
FIELD = "morphemes"
FIELD_BOOST = 1.0
#: The field of a Korean entry's title morphemes; boosted as the title is.
TITLE_FIELD = "title_morphemes"
#: The field of a chapter's page entry that lists the glossary terms it is home to
KEY_FIELD = "keywords"
#: Kiwi's tags of content morphemes (``VA-I``: an irregular adjective is a ``VA``).
CONTENT_TAGS = frozenset({"NNG", "NNP", "NR", "VV", "VA", "XR"})
#: Tags that make up a noun as written, before its particles: 가중+치, 토큰+화, 양방향+RNN
NOUN_TAGS = frozenset({"NNG", "NNP", "NR", "XR", "XSN", "XPN", "SL", "SN", "SH"})
#: Kiwi's tags after a noun's base where the index cuts the word: particles (J…), the
#: copula (이다), and the suffixes of 하다/되다 verbs and adjectives (토큰화하는, 중요한)
CUT_BEFORE = ("J", "VCP", "XSV", "XSA")
#: The navigation section (mkdocs.yml) of pages that collect rather than teach
REFERENCE_SECTIONS = frozenset({"참고"})
#: The navigation section of the notebooks, which try out what a chapter teaches
NOTEBOOK_SECTIONS = frozenset({"실습 노트북"})
#: Each page kind's document boost: chapters first, then the notebooks that practise
#: them (a concept's query belongs to the chapter that teaches it), reference pages last
KIND_BOOST = {"chapter": 1.0, "notebook": 0.6, "home": 0.5, "reference": 0.2}
_HANGUL = re.compile(r"[가-힣]")
_MORPHEME = re.compile(r"[가-힣]{2,}")   # one-syllable morphemes would match almost everything
_TAG = re.compile(r"<[^>]+>")
# lunr's trimmer for [en, ko] keeps \w (ASCII in JavaScript) and Hangul syllables
_TRIM = re.compile(r"^[^A-Za-z0-9_가-힣]+|[^A-Za-z0-9_가-힣]+$")
_SPACES = re.compile(r"[\s\-‐-―]+")   # what a compound typed as one word leaves out
_WORD = re.compile(r"[0-9A-Za-z_가-힣]+")   # a written word, as the worker's tokens hold them
_CODE_OR_TAG = re.compile(r"(<(?:pre|code)\b[^>]*>.*?</(?:pre|code)>|<[^>]+>)", re.S | re.I)
ZWSP = "\u200b"
_analyses: dict[str, Analysis] = {}         # word -> its analysis, kept for `mkdocs serve`
_kiwi: dict[tuple[str, ...], Any] = {}      # glossary terms -> the analyzer that knows them
_terms: list[tuple[str, ...]] = [()]        # the glossary's Korean terms, this build


def _sibling(name: str) -> Any:
    """``overrides/hooks/<name>.py``, imported by path (MkDocs and the tests load hooks so)."""
    path = Path(__file__).with_name(f"{name}.py")
    spec = importlib.util.spec_from_file_location(f"seqcore_{name}", path)
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    return module


readable = _sibling("search_text").readable


def tokens(text: str, separator: str) -> list[str]:
    """The words of an index field as Material's worker indexes them.

    Markup is dropped, the text is split on ``separator`` (the index's own regex), and each
    word is trimmed of leading and trailing punctuation and lower-cased, as lunr does.

    Examples
    --------
    >>> tokens("<p>RNN의 은닉 상태(hidden state)는</p>", r"[\\s\\-]+")
    ['rnn의', '은닉', '상태(hidden', 'state)는']
    """
    if not isinstance(text, str):
        raise TypeError(f"tokens: `text` must be a str; got {type(text).__name__}")
    words = (_TRIM.sub("", w).lower() for w in re.split(separator, _TAG.sub(" ", text)))
    return [w for w in words if w]


def _new_kiwi() -> Any:
    try:
        from kiwipiepy import Kiwi
    except ImportError as err:
        from seqcore.text import KIWI_INSTALL

        raise ImportError(f"the Korean search index needs kiwipiepy ({err}). "
                          f"Install it with: {KIWI_INSTALL}") from err
    # The typo and multi-word dictionaries correct and join free text; for splitting
    # written words they change nothing and cost a second of loading.
    return Kiwi(load_typo_dict=False, load_multi_dict=False)


def user_words(terms: Iterable[str], kiwi: Any = None) -> tuple[str, ...]:
    """The words of glossary terms that Kiwi cuts apart, and must therefore be told.

    A Hangul word of a term (two syllables or more) is one word to the glossary; when Kiwi
    reads it as two nouns or more (``역전파``: 역전/파) it becomes a user word. Words Kiwi
    already keeps whole, or reads as something else than nouns (``잘린``: 자르/ㄴ), are left
    to it. ``kiwi`` is the analyzer to ask (a fresh one by default).

    Examples
    --------
    >>> user_words(["시간 역전파", "순환 신경망", "잘린 BPTT"])
    ('역전파',)
    """
    terms = list(terms)
    bad = [t for t in terms if not isinstance(t, str)]
    if bad:
        raise TypeError(f"user_words: `terms` must hold str only; got {bad[0]!r}")
    parts = sorted({w for t in terms for w in _SPACES.split(t) if _MORPHEME.fullmatch(w)})
    kiwi = kiwi or _new_kiwi()
    nouns = ("NNG", "NNP", "NR", "XR")
    return tuple(word for word, analysis in zip(parts, kiwi.tokenize(parts), strict=True)
                 if len(analysis) > 1 and all(t.tag in nouns for t in analysis))


def use_glossary(terms: Iterable[str]) -> None:
    """Analyze with the glossary's Korean ``terms`` from now on (see :func:`user_words`)."""
    terms = tuple(sorted(set(terms)))
    if terms != _terms[0]:
        _terms[0] = terms
        _analyses.clear()         # made without those words


def _analyzer() -> Any:
    terms = _terms[0]
    if terms not in _kiwi:
        kiwi = _new_kiwi()
        for word in user_words(terms, kiwi):
            kiwi.add_user_word(word, "NNG")
        _kiwi.clear()
        _kiwi[terms] = kiwi
    return _kiwi[terms]


def spaceless(term: str) -> str:
    """A multi-word term as a reader types it in one piece: ``순환 신경망`` → ``순환신경망``."""
    return _SPACES.sub("", term).lower()


class Analysis(NamedTuple):
    """What the index needs of one written word."""

    #: its content morphemes (two syllables or more) and its base, lower-cased
    morphemes: tuple[str, ...]
    #: where its particles or endings start (0: nowhere, or nothing to cut)
    cut: int


def _analysis(word: str, analysis: Iterable[Any]) -> Analysis:
    """The content morphemes of one analyzed word, its base, and where its particles start.

    The base is the word as written up to its last noun part, without the particles and
    endings after it: ``가중치`` of ``가중치를`` (Kiwi: 가중 + 치 + 를), ``토큰화`` of
    ``토큰화는``, ``양방향rnn`` of ``양방향RNN의``. The word is cut after its base when a
    particle, the copula, a 하다/되다 ending or the plural 들 follows (``CUT_BEFORE``).
    """
    analysis = list(analysis)
    forms = [t.form for t in analysis if t.tag.split("-")[0] in CONTENT_TAGS]
    end, after = 0, None
    for t in analysis:
        if t.tag.split("-")[0] not in NOUN_TAGS or t.form == "들":   # 벡터들: the plural
            after = t
            break
        end = t.start + t.len
    found = [f for f in forms if _MORPHEME.fullmatch(f)] + [word[:end].lower()]
    kept = tuple(dict.fromkeys(f for f in found if len(f) >= 2 and _HANGUL.search(f)))
    cuts = after is not None and 0 < end < len(word)
    cuts = cuts and (after.tag.startswith(CUT_BEFORE) or after.form == "들")
    return Analysis(kept, end if cuts else 0)


def analyze(words: Iterable[str]) -> dict[str, Analysis]:
    """Each written word's :class:`Analysis`, by Kiwi with the glossary's words.

    Words are analyzed once each, in one batch (kiwipiepy spreads a batch over the cores;
    seqcore's ``morpheme_tokenize`` takes one string at a time, which is several times slower
    for ten thousand words), and remembered for the next build of ``mkdocs serve``.
    Words without Hangul are not analyzed: ``Analysis((), 0)``.
    """
    words = list(words)
    bad = [w for w in words if not isinstance(w, str)]
    if bad:
        raise TypeError(f"morphemes: `words` must hold str only; got {bad[0]!r}")
    todo = sorted({w for w in words if w not in _analyses and _HANGUL.search(w)})
    if todo:
        for word, analysis in zip(todo, _analyzer().tokenize(todo), strict=True):
            _analyses[word] = _analysis(word, analysis)
    return {w: _analyses.get(w, Analysis((), 0)) for w in words}


def morphemes(words: Iterable[str]) -> dict[str, tuple[str, ...]]:
    """Each word's content morphemes and base: ``{"표준편차가": ("표준", "편차", "표준편차")}``."""
    return {w: a.morphemes for w, a in analyze(words).items()}


def words_of(html: str) -> list[str]:
    """The written words with Hangul of an index field (markup dropped), in order."""
    return [w for w in _WORD.findall(_TAG.sub(" ", html)) if _HANGUL.search(w)]


def hangul_words(index: Mapping[str, Any]) -> set[str]:
    """The distinct words with Hangul in the titles and texts of a search index."""
    return {w for e in index["docs"] for w in words_of(f"{e['title']} {e['text']}")}


def cut_particles(html: str, found: Mapping[str, Analysis]) -> str:
    """``html`` with a zero-width space between each word's base and its particles.

    ``어텐션을`` is indexed as ``어텐션`` and ``을`` (the separator splits at U+200B, as
    Material's default does), so a page's many 어텐션을, 어텐션의, 어텐션에서… are one term,
    not rare ones that outweigh the chapter. The reader sees no change. Markup and code are
    left as they are; words ``found`` does not hold are left whole.
    """
    def cut(m: re.Match) -> str:
        word = m[0]
        at = found[word].cut if word in found else 0
        return f"{word[:at]}{ZWSP}{word[at:]}" if at else word

    parts = _CODE_OR_TAG.split(html)
    return "".join(part if i % 2 else _WORD.sub(cut, part) for i, part in enumerate(parts))


def _compounds(text: str, terms: Iterable[str]) -> list[str]:
    """The spaceless forms of the multi-word ``terms`` that ``text`` (HTML) contains."""
    plain = " ".join(_TAG.sub(" ", text).split())
    return [spaceless(t) for t in terms if _SPACES.search(t) and t in plain]


def add_morphemes(index: Mapping[str, Any], terms: Iterable[str] = ()) -> dict[str, Any]:
    """A copy of a Material search index whose entries carry their Korean morphemes.

    Each entry gets ``FIELD``: its title's and text's content morphemes and word bases,
    once each, in order of appearance, then the spaceless forms of the multi-word glossary
    ``terms`` it contains; and ``TITLE_FIELD``: the same for its title alone. A field with
    nothing in it is left out. ``config.fields`` gets both, ``TITLE_FIELD`` with the
    title's boost, so that the worker indexes them. Title and text keep their words, with
    particles cut off by an invisible space (:func:`cut_particles`).
    """
    if not isinstance(index, Mapping) or "docs" not in index or "config" not in index:
        raise ValueError("add_morphemes: `index` must be a search index with 'config' and 'docs'")
    terms = list(terms)
    words = {e["location"]: (words_of(e["title"]), words_of(e["text"])) for e in index["docs"]}
    found = analyze(w for title, text in words.values() for w in title + text)
    docs = []
    for entry in index["docs"]:
        title, text = words[entry["location"]]
        in_title = [m for w in title for m in found[w].morphemes]
        in_title += _compounds(entry["title"], terms)
        in_text = [m for w in text for m in found[w].morphemes] + _compounds(entry["text"], terms)
        fields = {"title": cut_particles(entry["title"], found),
                  "text": cut_particles(entry["text"], found),
                  TITLE_FIELD: " ".join(dict.fromkeys(in_title)),
                  FIELD: " ".join(dict.fromkeys(in_title + in_text))}
        docs.append({**entry, **{k: v for k, v in fields.items() if v or k in entry}})
    title_boost = index["config"]["fields"].get("title", {}).get("boost", 1.0)
    fields = {**index["config"]["fields"], FIELD: {"boost": FIELD_BOOST},
              TITLE_FIELD: {"boost": title_boost}}
    return {**index, "config": {**index["config"], "fields": fields}, "docs": docs}


class PageText(NamedTuple):
    """A chapter as :func:`home_chapters` reads it."""

    location: str                 # its URL path from the site root: "rnn/", "en/rnn/"
    headings: tuple[str, ...]     # the text of its h1–h3 headings
    text: str                     # its text, markup dropped


_HEADING = re.compile(r"<h([1-3])\b[^>]*>(.*?)</h\1>", re.S | re.I)
_PERMALINK = re.compile(r'<a class="headerlink"[^>]*>.*?</a>', re.S)


def page_text(location: str, html: str) -> PageText:
    """A page's headings and text from its HTML (``on_page_content``'s)."""
    html = _PERMALINK.sub("", html)
    headings = tuple(_plain(m[2]) for m in _HEADING.finditer(html))
    return PageText(location, headings, _plain(html))


def _plain(html: str) -> str:
    return " ".join(_TAG.sub(" ", html).split())


def home_chapters(pages: Iterable[PageText], terms: Mapping[str, Iterable[str]],
                  fold_case: bool = False) -> dict[str, str]:
    """``{term: location}``: the chapter a search for each glossary term should lead to.

    ``terms`` maps each term to its other names (an abbreviation: ``시간 역전파`` → BPTT).
    A term's home is the first of ``pages`` (in reading order) with a heading that names
    the term; else the first with a heading that names one of its other names (as a whole
    word); else the page with more than half of the term's uses. Otherwise it has none:
    a term spread over many chapters is left to Material's ranking. ``fold_case`` compares
    lower-cased (English).

    Examples
    --------
    >>> pages = [PageText("a/", ("Intro",), "cell state, cell state"),
    ...          PageText("b/", ("BPTT",), "gates, cell state"),
    ...          PageText("c/", ("Gates",), "gates")]
    >>> home_chapters(pages, {"cell state": [], "time": ["BPTT"], "gates": []}, fold_case=True)
    {'cell state': 'a/', 'time': 'b/', 'gates': 'c/'}
    """
    pages = list(pages)
    fold = (str.lower if fold_case else str)
    homes = {}
    for term, others in terms.items():
        needle = fold(term)
        # a whole word: BPTT in "BPTT와 기울기", not in "TBPTT"
        named = [re.compile(rf"(?<![A-Za-z0-9_-]){re.escape(fold(o))}(?![A-Za-z0-9_-])")
                 for o in others]
        headed = [p for p in pages if any(needle in fold(h) for h in p.headings)]
        headed = headed or [p for p in pages
                            if any(n.search(fold(h)) for n in named for h in p.headings)]
        counts = [fold(p.text).count(needle) for p in pages]
        if headed:
            homes[term] = headed[0].location
        elif counts and 2 * max(counts) > sum(counts):
            homes[term] = pages[counts.index(max(counts))].location
    return homes


def add_keywords(index: Mapping[str, Any], homes: Mapping[str, str],
                 spaceless_too: bool = False) -> dict[str, Any]:
    """A copy of ``index`` whose chapters' page entries list the terms they are home to.

    ``homes`` is :func:`home_chapters`' answer; each term goes to the field ``KEY_FIELD`` of
    the entry whose location is its home (the page's own entry, not a section's), with its
    spaceless form when ``spaceless_too`` (Korean). The field is boosted as titles are.
    """
    keys: dict[str, list[str]] = {}
    for term, location in homes.items():
        keys.setdefault(location, []).append(term)
        if spaceless_too and _SPACES.search(term):
            keys[location].append(spaceless(term))
    docs = [{**e, KEY_FIELD: " ".join(keys[e["location"]])} if e["location"] in keys
            else dict(e) for e in index["docs"]]
    title_boost = index["config"]["fields"].get("title", {}).get("boost", 1.0)
    fields = {**index["config"]["fields"], KEY_FIELD: {"boost": title_boost}}
    return {**index, "config": {**index["config"], "fields": fields}, "docs": docs}


def section_kind(title: str, parent: str) -> str:
    """The kind of the pages in the navigation section ``title`` inside a ``parent`` kind."""
    if title in REFERENCE_SECTIONS:
        return "reference"
    return "notebook" if title in NOTEBOOK_SECTIONS else parent


def page_kinds(nav: Iterable[Any]) -> dict[str, str]:
    """``{source file: kind}`` from mkdocs.yml's ``nav``: ``home``, ``chapter``,
    ``notebook`` or ``reference``.

    A page at the top of the navigation is ``home``; a page in a section named in
    ``REFERENCE_SECTIONS`` (at any depth) is ``reference``, one in ``NOTEBOOK_SECTIONS``
    a ``notebook``; every other page is a chapter.

    Examples
    --------
    >>> page_kinds(["index.md", {"장": ["rnn.md", {"LSTM": "lstm.md"}]}, {"참고": ["api.md"]},
    ...             {"실습 노트북": ["notebooks/rnn.py"]}])  # doctest: +NORMALIZE_WHITESPACE
    {'index.md': 'home', 'rnn.md': 'chapter', 'lstm.md': 'chapter', 'api.md': 'reference',
     'notebooks/rnn.py': 'notebook'}
    """
    kinds: dict[str, str] = {}

    def walk(items: Any, kind: str, top: bool) -> None:
        for item in items if isinstance(items, list) else [items]:
            if isinstance(item, str):
                kinds[item] = "home" if top else kind
            elif isinstance(item, dict):
                for title, value in item.items():
                    if isinstance(value, str):
                        kinds[value] = "home" if top else kind
                    else:
                        walk(value, section_kind(title, kind), False)
            else:
                raise ValueError(f"page_kinds: `nav` holds {item!r}; expected a file name "
                                 f"or a {{title: file or list}} mapping")

    walk(list(nav), "chapter", True)
    return kinds


def boost_by_kind(index: Mapping[str, Any], kinds: Mapping[str, str]) -> dict[str, Any]:
    """A copy of ``index`` whose entries carry their page kind's boost.

    ``kinds`` maps a page's location (``"errata/"``, ``"en/errata/"``, ``""`` for the home
    page) to its kind, a key of ``KIND_BOOST``; an entry's page is its location up to ``#``.
    Entries of pages ``kinds`` does not name keep Material's default (1, a chapter's).
    """
    unknown = sorted({k for k in kinds.values() if k not in KIND_BOOST})
    if unknown:
        raise ValueError(f"boost_by_kind: `kinds` must map to one of {sorted(KIND_BOOST)}; "
                         f"got {unknown[0]!r}")
    docs = []
    for entry in index["docs"]:
        kind = kinds.get(entry["location"].split("#")[0])
        docs.append({**entry, "boost": KIND_BOOST[kind]} if kind else dict(entry))
    return {**index, "docs": docs}


def readable_index(index: Mapping[str, Any]) -> dict[str, Any]:
    """A copy of ``index`` whose titles and texts show formulas as plain text."""
    docs = [{**e, "title": readable(e["title"]), "text": readable(e["text"])}
            for e in index["docs"]]
    return {**index, "docs": docs}


def split_index(index: Mapping[str, Any], prefixes: Mapping[str, str]) -> dict[str, dict]:
    """Split a search index by language: ``{locale: index}``.

    ``prefixes`` maps each locale to the start of its locations (``{"ko": "", "en": "en/"}``);
    an entry belongs to the locale with the longest matching prefix. Each index keeps the
    original configuration, except ``lang``: the default language keeps the original list,
    every other language gets its own code only (its pages are in that language).
    """
    if "" not in prefixes.values():
        raise ValueError(f"split_index: `prefixes` needs one locale with the prefix ''; "
                         f"got {dict(prefixes)!r}")
    bad = [p for p in prefixes.values() if p and not p.endswith("/")]
    if bad:
        raise ValueError(f"split_index: each of `prefixes` must end with '/'; got {bad[0]!r}")
    order = sorted(prefixes.items(), key=lambda kv: -len(kv[1]))
    docs: dict[str, list] = {locale: [] for locale in prefixes}
    for entry in index["docs"]:
        locale = next(loc for loc, p in order if entry["location"].startswith(p))
        docs[locale].append(entry)
    out = {}
    for locale, prefix in prefixes.items():
        config = dict(index["config"])
        if prefix:
            config["lang"] = [locale]
        out[locale] = {**index, "config": config, "docs": docs[locale]}
    return out


def write_indexes(site_dir: Path, prefixes: Mapping[str, str], korean: str = "ko",
                  terms: Iterable[str] = (), kinds: Mapping[str, str] | None = None,
                  homes: Mapping[str, Mapping[str, str]] | None = None) -> dict:
    """Rewrite ``site_dir/search/search_index.json`` as one index per language.

    Every index gets readable formulas, the boosts of ``kinds`` (see :func:`boost_by_kind`)
    and the keywords of ``homes[locale]`` (see :func:`add_keywords`); the locale ``korean``
    also gets its morphemes and the spaceless forms of the glossary's ``terms``.
    Returns ``{locale: path written}``.
    """
    combined = site_dir / "search" / "search_index.json"
    index = boost_by_kind(readable_index(json.loads(combined.read_text(encoding="utf-8"))),
                          kinds or {})
    written = {}
    for locale, part in split_index(index, prefixes).items():
        if locale == korean:
            part = add_morphemes(part, terms)
        part = add_keywords(part, (homes or {}).get(locale, {}), spaceless_too=locale == korean)
        path = site_dir / prefixes[locale] / "search" / "search_index.json"
        path.parent.mkdir(parents=True, exist_ok=True)
        # compact, as Material writes it; Hangul as UTF-8 (a third of the \\u escapes' size)
        path.write_text(json.dumps(part, ensure_ascii=False, separators=(",", ":")),
                        encoding="utf-8")
        written[locale] = path
    return written


def glossary_terms(path: Path) -> list[dict[str, str]]:
    """The terms of the glossary file (``docs/_data/glossary.yml``): ``[{ko, en, abbr}]``."""
    import yaml

    data = yaml.safe_load(path.read_text(encoding="utf-8")) or []
    if not isinstance(data, list) or not all(
            isinstance(e, dict) and e.get("ko") and e.get("en") for e in data):
        raise ValueError(f"{path}: expected a list of terms with 'ko' and 'en'")
    return [{"ko": str(e["ko"]), "en": str(e["en"]), "abbr": str(e.get("abbr") or "")}
            for e in data]


# ---- the MkDocs hook ---------------------------------------------------------------------

try:  # the functions above must import without MkDocs (the tests use them)
    from mkdocs.exceptions import PluginError
    from mkdocs.plugins import event_priority, get_plugin_logger
except ImportError:  # pragma: no cover
    event_priority = None

SOURCE_LISTING = re.compile(r'(<details class="mkdocstrings-source")>')
_LOCALE = re.compile(r"\.[a-z]{2}(?=\.[a-z]+$)")   # rnn.ko.md -> rnn.md

if event_priority is not None:
    log = get_plugin_logger("search_ko")
    _background: list[tuple] = []   # (process, its input, output and error files)
    _nav_kinds: dict[str, str] = {}  # source file of mkdocs.yml's nav -> page kind
    _kinds: dict[str, str] = {}      # page location (both languages) -> page kind
    _glossary: list[dict[str, str]] = []            # the glossary's terms, {ko, en}
    _chapters: dict[str, dict[int, PageText]] = {}  # locale -> nav position -> chapter

    def _locale(config) -> str:
        i18n = config.plugins.get("i18n")
        return i18n.current_language if i18n is not None else config.theme.get("language")

    def _prefixes(i18n) -> dict[str, str]:
        """Each built language and the start of its pages' locations (``""`` for the default)."""
        return {lang.locale: lang.link.strip("/") + "/" if lang.link.strip("/") else ""
                for lang in i18n.config.languages if lang.build and lang.locale != "null"}

    def on_config(config):
        try:
            _glossary[:] = glossary_terms(Path(config.docs_dir) / "_data" / "glossary.yml")
            use_glossary(t["ko"] for t in _glossary)
            _nav_kinds.clear()
            _nav_kinds.update(page_kinds(config.nav or []))
        except (OSError, ValueError) as exc:
            raise PluginError(f"search_ko: {exc}") from exc
        return config

    def on_page_content(html, page, config, files):
        # The API page shows the source of every function (mkdocstrings); searching code
        # is what an editor is for, and the listings were half of each index (0.5 MB of
        # 1.06 MB in Korean). Material's search skips blocks marked data-search-exclude.
        source = _LOCALE.sub("", page.file.src_uri)
        if _nav_kinds.get(source) == "chapter":   # read for home_chapters()
            position = list(_nav_kinds).index(source)
            _chapters.setdefault(_locale(config), {})[position] = page_text(page.url, html)
        return SOURCE_LISTING.sub(r"\1 data-search-exclude>", html)

    def on_page_context(context, page, config, nav):
        # main.html hands search-language.js the index of the page's language
        i18n = config.plugins.get("i18n")
        prefix = _prefixes(i18n).get(i18n.current_language, "") if i18n is not None else ""
        context["language_search_index"] = f"{prefix}search/search_index.json"
        kind = _nav_kinds.get(_LOCALE.sub("", page.file.src_uri))
        if kind:
            _kinds[page.url] = kind
        return context

    def on_pre_build(config):
        """Start analyzing the default language's words in another process.

        Only a speed-up: kiwipiepy holds the GIL, so analyzing ten thousand words here would
        add its seconds to the build; inside i18n's loop the default language's index is
        already written, and another process analyzes its words while the next language
        builds. ``on_post_build`` takes the result, or analyzes whatever is missing itself.
        """
        i18n = config.plugins.get("i18n")
        path = Path(config.site_dir) / "search" / "search_index.json"
        if _background or i18n is None or not getattr(i18n, "building", False):
            return
        if not path.is_file():
            return
        index = readable_index(json.loads(path.read_text("utf-8")))
        words = sorted(hangul_words(index) - _analyses.keys())
        if not words:
            return
        files = [tempfile.TemporaryFile("w+", encoding="utf-8") for _ in range(3)]
        # ASCII JSON: safe whatever the locale's encoding
        json.dump({"terms": list(_terms[0]), "words": words}, files[0])
        files[0].seek(0)
        proc = subprocess.Popen([sys.executable, __file__],
                                stdin=files[0], stdout=files[1], stderr=files[2])
        _background.append((proc, *files))
        log.debug(f"analyzing {len(words)} Korean words in process {proc.pid}")

    def _collect_background() -> None:
        if not _background:
            return
        proc, *files = _background.pop()
        try:
            if proc.wait() == 0:
                files[1].seek(0)
                _analyses.update({w: Analysis(tuple(m), cut)
                                  for w, (m, cut) in json.load(files[1]).items()})
                log.debug(f"took the morphemes of process {proc.pid}")
            else:  # not fatal: on_post_build analyzes the words itself, and says why if it can't
                files[2].seek(0)
                log.info(f"background analysis failed, analyzing here: {files[2].read()[-500:]}")
        finally:
            for f in files:
                f.close()

    @event_priority(-200)  # after mkdocs-static-i18n (-100) wrote the index of all languages
    def on_post_build(config):
        i18n = config.plugins.get("i18n")
        if i18n is not None and getattr(i18n, "building", False):
            return  # a language built inside i18n's loop: the combined index comes later
        _collect_background()
        # without the i18n plugin: one index, in the theme's language
        prefixes = (_prefixes(i18n) if i18n is not None
                    else {config.theme.get("language") or "en": ""})
        try:
            homes = {locale: home_chapters([c for _, c in sorted(chapters.items())],
                                           {t[locale]: [t["abbr"]] if t["abbr"] else []
                                            for t in _glossary if locale in t},
                                           fold_case=locale != "ko")
                     for locale, chapters in _chapters.items()}
            write_indexes(Path(config.site_dir), prefixes, terms=_terms[0], kinds=_kinds,
                          homes=homes)
        except (ImportError, ValueError, KeyError, OSError) as exc:
            raise PluginError(f"search_ko: {exc}") from exc


if __name__ == "__main__":  # the background analysis of on_pre_build: words in, morphemes out
    job = json.load(sys.stdin)
    use_glossary(job["terms"])
    json.dump(analyze(job["words"]), sys.stdout)
