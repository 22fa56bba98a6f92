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
   content morphemes (nouns, verb and adjective stems, roots; two syllables or more) of every
   Hangul word of its title and text, by kiwipiepy, space-separated and each listed once.
   Material indexes every field of ``config.fields`` but shows only ``title`` and ``text``, so
   the preview stays the original Korean; only the index learns that ``표준편차가`` contains
   ``표준`` and ``편차``. Because all content morphemes are listed, not only the ones the
   wildcard cannot reach, an exact query (``+벡터`` or a quoted phrase, which Material does not
   wildcard) also finds ``벡터를``.

Why not rewrite the text itself (zero-width spaces between morphemes, as Material does for
Chinese with jieba): the whole word would stop being a token, so ``표준편차`` typed as one word,
or ``벡터를`` typed with its particle, would no longer match. The extra field adds to the
index and takes nothing away.

The query is not segmented (that would need an analyzer in the browser, i.e. a download at run
time); a query word is matched as it is typed, against whole words by prefix and against
morphemes. kiwipiepy is the optional extra ``ko`` of seqcore; without it the build stops and
names the install command. Everything happens at build time; nothing is fetched at run time.

Build time: analyzing the ~7,400 distinct Korean words takes about 2 s of CPU, and kiwipiepy
holds the GIL. So ``on_pre_build`` of the English build (inside i18n's loop, when the Korean
index is already written) hands the words to a second process (this file run as a script),
which works while the English pages build; ``on_post_build`` takes its answer, and analyzes
in this process whatever is missing (all of it, if that process failed), so the result never
depends on the speed-up.
"""

from __future__ import annotations

import json
import re
import subprocess
import sys
import tempfile
from collections.abc import Iterable, Mapping
from pathlib import Path
from typing import Any

#: The field that holds the morphemes of a Korean entry, and its boost (the text's).
FIELD = "morphemes"
FIELD_BOOST = 1.0
#: Kiwi's tags of content morphemes (``VA-I``: an irregular adjective is a ``VA``).
CONTENT_TAGS = frozenset({"NNG", "NNP", "NR", "VV", "VA", "XR"})
_HANGUL = re.compile(r"[가-힣]")
_MORPHEME = re.compile(r"[가-힣]{2,}")   # one-syllable morphemes would match almost everything
_TAG = re.compile(r"<[^>]+>")
# lunr's trimmer for [en, ko] keeps \w (ASCII in JavaScript) and Hangul syllables
_TRIM = re.compile(r"^[^A-Za-z0-9_가-힣]+|[^A-Za-z0-9_가-힣]+$")
_analyses: dict[str, tuple[str, ...]] = {}   # word -> its content morphemes, for `mkdocs serve`
_kiwi: list[Any] = []


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


def _analyzer() -> Any:
    if not _kiwi:
        try:
            from kiwipiepy import Kiwi
        except ImportError as err:
            from seqcore.text import KIWI_INSTALL

            raise ImportError(f"the Korean search index needs kiwipiepy ({err}). "
                              f"Install it with: {KIWI_INSTALL}") from err
        # The typo and multi-word dictionaries correct and join free text; for splitting
        # written words they change nothing and cost a second of loading.
        _kiwi.append(Kiwi(load_typo_dict=False, load_multi_dict=False))
    return _kiwi[0]


def morphemes(words: Iterable[str]) -> dict[str, tuple[str, ...]]:
    """The content morphemes of each word: ``{"표준편차가": ("표준", "편차")}``.

    Words are analyzed once each, in one batch (kiwipiepy spreads a batch over the cores;
    seqcore's ``morpheme_tokenize`` takes one string at a time, which is several times slower
    for ten thousand words), and remembered for the next build of ``mkdocs serve``.
    Words without Hangul are not analyzed and map to ``()``.
    """
    words = list(words)
    bad = [w for w in words if not isinstance(w, str)]
    if bad:
        raise TypeError(f"morphemes: `words` must hold str only; got {bad[0]!r}")
    todo = sorted({w for w in words if w not in _analyses and _HANGUL.search(w)})
    if todo:
        for word, analysis in zip(todo, _analyzer().tokenize(todo), strict=True):
            forms = (t.form for t in analysis if t.tag.split("-")[0] in CONTENT_TAGS)
            _analyses[word] = tuple(dict.fromkeys(f for f in forms if _MORPHEME.fullmatch(f)))
    return {w: _analyses.get(w, ()) for w in words}


def hangul_words(index: Mapping[str, Any]) -> set[str]:
    """The distinct words with Hangul in the titles and texts of a search index."""
    separator = index["config"]["separator"]
    return {w for e in index["docs"] for w in tokens(f"{e['title']} {e['text']}", separator)
            if _HANGUL.search(w)}


def add_morphemes(index: Mapping[str, Any]) -> dict[str, Any]:
    """A copy of a Material search index whose entries carry their Korean morphemes.

    Each entry gets ``FIELD``: its title's and text's content morphemes, once each, in order
    of appearance (absent when it has none); ``config.fields`` gets ``FIELD`` so that the
    worker indexes it. Title and text are left as they were.
    """
    if not isinstance(index, Mapping) or "docs" not in index or "config" not in index:
        raise ValueError("add_morphemes: `index` must be a search index with 'config' and 'docs'")
    separator = index["config"]["separator"]
    words = {e["location"]: tokens(f"{e['title']} {e['text']}", separator)
             for e in index["docs"]}
    found = morphemes(w for ws in words.values() for w in ws)
    docs = []
    for entry in index["docs"]:
        forms = dict.fromkeys(m for w in words[entry["location"]] for m in found[w])
        docs.append({**entry, FIELD: " ".join(forms)} if forms else dict(entry))
    fields = {**index["config"]["fields"], FIELD: {"boost": FIELD_BOOST}}
    return {**index, "config": {**index["config"], "fields": fields}, "docs": docs}


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


def write_indexes(site_dir: Path, prefixes: Mapping[str, str], korean: str = "ko") -> dict:
    """Rewrite ``site_dir/search/search_index.json`` as one index per language.

    The locale ``korean`` also gets its morphemes. Returns ``{locale: path written}``.
    """
    combined = site_dir / "search" / "search_index.json"
    index = json.loads(combined.read_text(encoding="utf-8"))
    written = {}
    for locale, part in split_index(index, prefixes).items():
        if locale == korean:
            part = add_morphemes(part)
        path = site_dir / prefixes[locale] / "search" / "search_index.json"
        path.parent.mkdir(parents=True, exist_ok=True)
        # compact, as Material writes it; Hangul as UTF-8 (a third of the \\u escapes' size)
        path.write_text(json.dumps(part, ensure_ascii=False, separators=(",", ":")),
                        encoding="utf-8")
        written[locale] = path
    return written


# ---- the MkDocs hook ---------------------------------------------------------------------

try:  # the functions above must import without MkDocs (the tests use them)
    from mkdocs.exceptions import PluginError
    from mkdocs.plugins import event_priority, get_plugin_logger
except ImportError:  # pragma: no cover
    event_priority = None

SOURCE_LISTING = re.compile(r'(<details class="mkdocstrings-source")>')

if event_priority is not None:
    log = get_plugin_logger("search_ko")
    _background: list[tuple] = []   # (process, its input, output and error files)

    def _prefixes(i18n) -> dict[str, str]:
        """Each built language and the start of its pages' locations (``""`` for the default)."""
        return {lang.locale: lang.link.strip("/") + "/" if lang.link.strip("/") else ""
                for lang in i18n.config.languages if lang.build and lang.locale != "null"}

    def on_page_content(html, page, config, files):
        # The API page shows the source of every function (mkdocstrings); searching code
        # is what an editor is for, and the listings were half of each index (0.5 MB of
        # 1.06 MB in Korean). Material's search skips blocks marked data-search-exclude.
        return SOURCE_LISTING.sub(r"\1 data-search-exclude>", html)

    def on_page_context(context, page, config, nav):
        # main.html hands search-language.js the index of the page's language
        i18n = config.plugins.get("i18n")
        prefix = _prefixes(i18n).get(i18n.current_language, "") if i18n is not None else ""
        context["language_search_index"] = f"{prefix}search/search_index.json"
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
        words = sorted(hangul_words(json.loads(path.read_text("utf-8"))) - _analyses.keys())
        if not words:
            return
        files = [tempfile.TemporaryFile("w+", encoding="utf-8") for _ in range(3)]
        json.dump(words, files[0])      # ASCII JSON: safe whatever the locale's encoding
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
                _analyses.update({w: tuple(m) for w, m in json.load(files[1]).items()})
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
            write_indexes(Path(config.site_dir), prefixes)
        except (ImportError, ValueError, KeyError, OSError) as exc:
            raise PluginError(f"search_ko: {exc}") from exc


if __name__ == "__main__":  # the background analysis of on_pre_build: words in, morphemes out
    json.dump(morphemes(json.load(sys.stdin)), sys.stdout)
