"""A glossary term is linked where it means what the glossary says (second reading, ch15-16-home
findings 3 and 4).

길이 정규화 is the beam-search term; BM25's correction is its own, longer term, 문서 길이
정규화, which holds the shorter one (the hook counts a term inside a longer term as the longer
term's use). 문맥 벡터 is the attention term; the word2vec page says "context words' input
vectors" for CBOW. So the first use of each, and its tooltip, is in the chapter it belongs to.
"""

from __future__ import annotations

import re

import pytest

from tests.conftest import DOCS
from tests.pages import load_hook

hook = load_hook("glossary")
TERMS = hook.load_terms(DOCS / "_data" / "glossary.yml")
FIRST_USE = {"length-normalization": "generation", "document-length-normalization": "sparse",
             "context-vector": "attention"}


def linked(html_text: str, lang: str) -> list[str]:
    return hook.link_first_uses(html_text, TERMS, lang, "../glossary/")[1]


@pytest.mark.parametrize(("lang", "text"), [
    ("ko", "<p><strong>문서 길이 정규화</strong>: 긴 문서는 점수가 낮아집니다.</p>"),
    ("en", "<p><strong>Document length normalization</strong>: a long document …</p>")])
def test_bm25s_length_correction_is_not_the_beam_search_term(lang, text):
    assert linked(text, lang) == ["document-length-normalization"]


@pytest.mark.parametrize(("lang", "text"), [
    ("ko", "<p><strong>길이 정규화</strong>: 긴 문서는 점수가 낮아집니다.</p>"),
    ("en", "<p><strong>Length normalization</strong>: a long document …</p>")])
def test_the_old_wording_would_link_the_beam_search_term(lang, text):
    """Negative control: the sparse page's former wording matches the beam-search term."""
    assert linked(text, lang) == ["length-normalization"]


@pytest.mark.site
@pytest.mark.parametrize("lang", ["ko", "en"])
def test_each_terms_first_use_is_in_its_own_chapter(built_site, lang):
    prefix = "" if lang == "ko" else "en/"
    glossary = (built_site / prefix / "glossary" / "index.html").read_text("utf-8")
    for slug, chapter in FIRST_USE.items():
        row = re.search(rf'<tr id="term-{slug}">.*?</tr>', glossary, re.S)
        assert row, slug
        assert f"../{chapter}/#g-{slug}" in row[0], f"{slug}: first use not in {chapter}"
    for page, slug in (("sparse", "length-normalization"), ("embeddings", "context-vector")):
        html_text = (built_site / prefix / page / "index.html").read_text("utf-8")
        assert f'id="g-{slug}"' not in html_text, f"{page} links {slug}"
