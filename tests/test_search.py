"""Site search: one index per language, and Korean words found inside compounds.

The build hook ``overrides/hooks/search_ko.py`` splits Material's one search index by
language and gives each Korean entry the content morphemes of its words (kiwipiepy). The unit
tests check the segmentation against what a Korean reader knows the words are made of; the site
tests read the real built indexes; the browser tests type queries into Material's search box in
headless Chromium and read the results it shows.

The queries are words of the pages: ``편차`` occurs only inside ``표준편차가`` / ``표준편차``
(docs/attention.ko.md, docs/why-sequence-models.ko.md), so without the morphemes no page has a
word that starts with it; ``벡터`` occurs on docs/bptt.ko.md only before particles (``벡터를``,
``벡터는``), so an exact query (a quoted word, which Material does not wildcard) needs them too;
``단어`` is Korean text also quoted on English pages, and ``attention`` an English word also
on Korean pages, so the combined index mixed languages for both.
"""

from __future__ import annotations

import json
import re
from pathlib import Path
from urllib.parse import urlparse

import pytest

from tests.conftest import ROOT, page_urls
from tests.errors import assert_error_names
from tests.pages import load_hook

hook = load_hook("search_ko")
SEPARATOR = r"[\s\-]+"


# ---- segmentation ------------------------------------------------------------------------

def test_tokens_are_the_words_lunr_indexes():
    text = "<p>RNN의 은닉 상태(hidden state)는 <code>h_t</code>-벡터를</p>"
    assert hook.tokens(text, SEPARATOR) == ["rnn의", "은닉", "상태(hidden", "state)는", "h_t",
                                            "벡터를"]
    assert hook.tokens(text, r"[\s\-()]+") == ["rnn의", "은닉", "상태", "hidden", "state", "는",
                                               "h_t", "벡터를"]


def test_compounds_and_particles_are_split_into_their_content_words():
    found = hook.morphemes(["트랜스포머모델은", "벡터를", "표준편차가", "언어모델을"])
    assert "모델" in found["트랜스포머모델은"]          # a noun inside a compound
    assert "트랜스포머" in found["트랜스포머모델은"]
    assert found["벡터를"] == ("벡터",)                  # the particle 를 is not content
    assert {"표준", "편차"} <= set(found["표준편차가"])
    assert {"언어", "모델"} <= set(found["언어모델을"])


def test_particles_endings_and_english_are_not_morphemes():
    found = hook.morphemes(["은", "를", "했습니다", "attention", "h_t", "RNN"])
    assert found == {"은": (), "를": (), "했습니다": (), "attention": (), "h_t": (), "RNN": ()}


@pytest.mark.tooling  # the hook's speed-up machinery, run in a second process
def test_the_background_process_answers_as_the_hook_does():
    # on_pre_build runs this file as a script while the English pages build
    import subprocess
    import sys

    words = ["표준편차가", "트랜스포머모델은", "벡터를", "attention"]
    proc = subprocess.run([sys.executable, str(ROOT / "overrides" / "hooks" / "search_ko.py")],
                          input=json.dumps(words), capture_output=True, text=True, timeout=120)
    assert proc.returncode == 0, proc.stderr[-2000:]
    answer = {w: tuple(m) for w, m in json.loads(proc.stdout).items()}
    assert answer == hook.morphemes(words)
    assert "편차" in answer["표준편차가"] and answer["attention"] == ()


def _index(docs):
    return {"config": {"lang": ["en", "ko"], "separator": SEPARATOR, "pipeline": ["stemmer"],
                       "fields": {"title": {"boost": 1000.0}, "text": {"boost": 1.0}}},
            "docs": docs}


def test_korean_entries_get_morphemes_and_keep_their_text():
    ko = {"location": "transformer/#x", "title": "트랜스포머모델은",
          "text": "<p>입력 벡터를 표준편차로 나눕니다.</p>"}
    en = {"location": "en/transformer/#x", "title": "The model",
          "text": "<p>Divide the vectors by the standard deviation.</p>"}
    out = hook.add_morphemes(_index([ko, en]))
    first, second = out["docs"]
    assert {"트랜스포머", "모델", "입력", "벡터", "표준", "편차"} <= set(first[hook.FIELD].split())
    assert not {"은", "를", "로"} & set(first[hook.FIELD].split())
    assert (first["title"], first["text"]) == (ko["title"], ko["text"])  # the preview as it was
    assert second == en                                                  # English untouched
    assert out["config"]["fields"][hook.FIELD] == {"boost": hook.FIELD_BOOST}
    assert out["config"]["fields"]["title"] == {"boost": 1000.0}


def test_the_index_is_split_by_the_start_of_each_location():
    docs = [{"location": loc, "title": "t", "text": ""}
            for loc in ("", "rnn/", "en/", "en/rnn/#h", "english/")]
    parts = hook.split_index(_index(docs), {"ko": "", "en": "en/"})
    assert [d["location"] for d in parts["ko"]["docs"]] == ["", "rnn/", "english/"]
    assert [d["location"] for d in parts["en"]["docs"]] == ["en/", "en/rnn/#h"]
    assert parts["ko"]["config"]["lang"] == ["en", "ko"]
    assert parts["en"]["config"]["lang"] == ["en"]


def test_bad_input_names_the_argument():
    assert_error_names(lambda: hook.split_index(_index([]), {"en": "en/"}), ValueError,
                       ["split_index", "`prefixes`", "''", "{'en': 'en/'}"])
    assert_error_names(lambda: hook.split_index(_index([]), {"ko": "", "en": "en"}),
                       ValueError, ["`prefixes`", "end with '/'", "'en'"])
    assert_error_names(lambda: hook.add_morphemes({"docs": []}), ValueError,
                       ["add_morphemes", "`index`", "'config'"])
    assert_error_names(lambda: hook.morphemes(["벡터", 3]), TypeError,
                       ["morphemes", "`words`", "str", "3"])
    assert_error_names(lambda: hook.tokens(None, SEPARATOR), TypeError,
                       ["tokens", "`text`", "str", "NoneType"])


# ---- the built indexes -------------------------------------------------------------------

def _load(site: Path, prefix: str) -> dict:
    return json.loads((site / prefix / "search" / "search_index.json").read_text("utf-8"))


def _pages_matching(index: dict, query: str) -> set[str]:
    """Pages with an entry that matches one query word as Material's worker matches it.

    Material gives a word a trailing wildcard, unless it is quoted, and searches every
    field of ``config.fields``: a word matches an entry when a token of one of its fields
    starts with it (is it, when quoted).
    """
    exact = query.startswith('"') and query.endswith('"')
    word = query.strip('"').lower()
    separator = index["config"]["separator"]
    pages = set()
    for entry in index["docs"]:
        for field in index["config"]["fields"]:
            found = hook.tokens(str(entry.get(field, "")), separator)
            if any(t == word if exact else t.startswith(word) for t in found):
                pages.add(entry["location"].split("#")[0])
    return pages


@pytest.mark.site
def test_each_language_has_its_own_index_with_every_page(built_site):
    ko, en = _load(built_site, ""), _load(built_site, "en")
    assert ko["docs"] and en["docs"]
    assert not [d["location"] for d in ko["docs"] if d["location"].startswith("en/")]
    assert not [d["location"] for d in en["docs"] if not d["location"].startswith("en/")]
    for lang, index in (("ko", ko), ("en", en)):
        pages = {"/" + d["location"].split("#")[0] for d in index["docs"]}
        missing = [url for lng, _, url in page_urls() if lng == lang and url not in pages]
        assert not missing, f"pages of {lang} missing from its search index: {missing}"
    assert hook.FIELD in ko["config"]["fields"] and hook.FIELD not in en["config"]["fields"]
    assert not [d for d in en["docs"] if hook.FIELD in d], "English entries got morphemes"


@pytest.mark.site
def test_a_korean_query_finds_a_word_inside_a_compound_in_the_built_index(built_site):
    ko, en = _load(built_site, ""), _load(built_site, "en")
    assert {"attention/", "why-sequence-models/"} <= _pages_matching(ko, "편차")
    # …and only through the morphemes: on those pages no word of a title or a text starts
    # with 편차 (the contributing guide quotes `편차` itself, so it is found by the word)
    words_only = {**ko, "config": {**ko["config"], "fields": {"title": {}, "text": {}}}}
    assert not {"attention/", "why-sequence-models/"} & _pages_matching(words_only, "편차")
    assert "bptt/" in _pages_matching(ko, '"벡터"')          # only 벡터를, 벡터는… on the page
    assert "bptt/" not in _pages_matching(words_only, '"벡터"')
    assert _pages_matching(ko, "단어") and _pages_matching(en, "단어")  # in both languages
    assert not [p for p in _pages_matching(ko, "단어") if p.startswith("en/")]
    assert "attention/" in _pages_matching(ko, "attention")              # and in both
    assert "en/attention/" in _pages_matching(en, "attention")
    assert not [p for p in _pages_matching(en, "attention") if not p.startswith("en/")]


@pytest.mark.site
def test_each_page_asks_for_the_index_of_its_language(built_site):
    pattern = (r'<script src="([^"]*search-language\.js)"\s+data-shared="([^"]*)"\s+'
               r'data-own="([^"]*)"')
    english = (built_site / "en" / "rnn" / "index.html").read_text("utf-8")
    korean = (built_site / "rnn" / "index.html").read_text("utf-8")
    tag = re.search(pattern, english)
    assert tag, "an English page does not load search-language.js"
    assert tag.group(2) == "../../search/search_index.json"
    assert tag.group(3) == "../search/search_index.json"          # /en/search/…
    assert english.index("search-language.js") < english.index("bundle.")  # before Material
    tag = re.search(pattern, korean)
    assert tag, "a Korean page does not load search-language.js"
    assert tag.group(2) == tag.group(3) == "../search/search_index.json"


# ---- in the browser ----------------------------------------------------------------------

RESULTS = """() => {
  const meta = document.querySelector('.md-search-result__meta');
  return document.querySelectorAll('.md-search-result__item').length > 0
         || (meta && /없습니다|No matching/.test(meta.textContent));
}"""


def search(page, query: str) -> list[tuple[str, str]]:
    """Type ``query`` into Material's search box; ``[(path, text)]`` of the results shown."""
    box = page.locator("input.md-search__input")
    box.click()
    box.type(query)
    page.keyboard.press("End")  # Material reads the query on keyup; typed Hangul fires none
    page.wait_for_function(RESULTS, timeout=15_000)
    links = page.locator(".md-search-result__item a.md-search-result__link")
    return [(urlparse(links.nth(i).get_attribute("href")).path, links.nth(i).inner_text())
            for i in range(links.count())]


@pytest.mark.browser
@pytest.mark.parametrize(("query", "expected"), [
    ("편차", "/attention/"),      # 표준편차가: a word inside a compound, before a particle
    ('"벡터"', "/bptt/"),         # an exact word: on that page only as 벡터를, 벡터는…
    ("단어", None),               # also quoted on English pages: must not lead there
])
def test_a_korean_query_on_a_korean_page_finds_korean_pages(visit, query, expected):
    page = visit("/rnn/")
    results = search(page, query)
    assert results, f"{query}: no result"
    english = [path for path, _ in results if path.startswith("/en/")]
    assert not english, f"{query}: a Korean search led to English pages {english}"
    if expected:
        assert expected in [path for path, _ in results], f"{query}: {expected} not found"
    if query == "편차":  # the preview is the page's own Korean text
        assert any("표준편차" in text for _, text in results)
    assert not visit.errors, f"script errors: {visit.errors}"
    assert not visit.outside, f"requests left the local server: {visit.outside}"


@pytest.mark.browser
@pytest.mark.parametrize(("query", "expected"), [
    ("attention", "/en/attention/"),     # also in the Korean pages' glosses: 어텐션(attention)
    ("hidden state", "/en/rnn/"),
])
def test_an_english_query_on_an_english_page_finds_english_pages(visit, query, expected):
    page = visit("/en/rnn/")
    results = search(page, query)
    assert results, f"{query}: no result"
    korean = [path for path, _ in results if not path.startswith("/en/")]
    assert not korean, f"{query}: an English search led to Korean pages {korean}"
    assert expected in [path for path, _ in results], f"{query}: {expected} not found"
    assert not visit.errors, f"script errors: {visit.errors}"
    assert not visit.outside, f"requests left the local server: {visit.outside}"


@pytest.mark.browser
@pytest.mark.parametrize(("url", "index"), [("/rnn/", "/search/search_index.json"),
                                            ("/en/rnn/", "/en/search/search_index.json")])
def test_the_index_loads_only_when_the_reader_turns_to_search(visit, url, index):
    page = visit(url)  # waits until the network is idle
    loaded = [urlparse(u).path for u in visit.local if u.endswith("search_index.json")]
    assert not loaded, f"the page loaded the search index before anyone searched: {loaded}"
    with page.expect_response(lambda r: urlparse(r.url).path == index):
        page.locator("input.md-search__input").click()
    assert search(page, "rnn"), "no result once the index arrived"
    assert not visit.errors, f"script errors: {visit.errors}"
