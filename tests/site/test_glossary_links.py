"""The glossary's definitions and first uses, and the chapters' links to it.

``overrides/hooks/glossary.py`` links the first use of each term in every chapter to the
glossary (tooltip: the definition) and fills the glossary with each term's definition and
a link to its first use in reading order. The unit tests give the hook small pages whose
answer is known; the site tests read the built pages: every first-use link must land on a
chapter, on an element that holds the term, and every chapter link on a glossary row.
"""

from __future__ import annotations

import html
import re
from pathlib import Path
from urllib.parse import urljoin, urlparse

import pytest

from tests.conftest import DOCS
from tests.pages import load_hook
from tests.unit.errors import assert_error_names

hook = load_hook("glossary")
GLOSSARY = DOCS / "_data" / "glossary.yml"


def _terms(*pairs: tuple[str, str]) -> list:
    return [hook.Term(ko, en, {"ko": f"{ko}의 뜻.", "en": f"What {en} means."})
            for ko, en in pairs]


# ---- definitions -------------------------------------------------------------------------

def test_every_term_has_a_one_line_definition_in_both_languages():
    terms = hook.load_terms(GLOSSARY)
    missing = [f"{t.ko} ({lang})" for t in terms for lang in ("ko", "en")
               if not t.definition[lang].strip()]
    assert not missing, ("glossary terms without a definition (def_ko / def_en in "
                         f"docs/_data/glossary.yml): {missing}")
    for t in terms:
        for lang in ("ko", "en"):
            text = t.definition[lang]
            assert "\n" not in text and len(text) <= 160, f"{t.ko} ({lang}): one short line"
            assert text.rstrip().endswith("."), f"{t.ko} ({lang}): a sentence ends with '.'"
        assert re.search(r"[가-힣]", t.definition["ko"]), f"{t.ko}: def_ko is not Korean"
        assert not re.search(r"[가-힣]", t.definition["en"]), f"{t.ko}: def_en has Hangul"


def test_the_glossary_file_is_checked():
    def load(tmp: Path, text: str):
        path = tmp / "glossary.yml"
        path.write_text(text, encoding="utf-8")
        return lambda: hook.load_terms(path)

    import tempfile

    with tempfile.TemporaryDirectory() as tmp:
        assert_error_names(load(Path(tmp), "- {ko: 은닉 상태}\n"), ValueError,
                           ["entry 1", "'ko' and 'en'"])
        assert_error_names(load(Path(tmp), "- {ko: 셀 상태, en: cell state, def_en: [a]}\n"),
                           ValueError, ["셀 상태", "'def_en'", "one line of text", "['a']"])
        assert_error_names(load(Path(tmp), "- {ko: 가, en: Cell state}\n"
                                           "- {ko: 나, en: cell-state}\n"),
                           ValueError, ["two terms share the id", "'cell-state'"])
        terms = load(Path(tmp), "- {ko: 셀 상태, en: cell state}\n")()
        assert terms[0].definition == {"ko": "", "en": ""} and terms[0].slug == "cell-state"


# ---- where a term is used ----------------------------------------------------------------

PAGE = """<h1 id="x">셀 상태와 은닉 상태</h1>
<p class="admonition-title">은닉 상태</p>
<p>여기서 <code>은닉 상태</code>와 <span class="arithmatex">\\(h_t\\)</span>,
<a href="#">은닉 상태</a>, **원문**: "은닉 상태가 기억한다" 다음에야
새 은닉 상태를 만듭니다. 셀프 어텐션은 어텐션의 한 종류.</p>
<pre class="mermaid"><code>은닉 상태</code></pre>
<details class="question"><summary>은닉 상태란?</summary>
<p>은닉 상태는 셀 상태와 다릅니다.</p></details>
"""


def test_only_prose_counts_as_a_use():
    spans = hook.text_spans(PAGE)
    prose = "".join(PAGE[a:b] for a, b in spans)
    assert "셀 상태와 은닉" not in prose               # the heading
    assert "h_t" not in prose and "flowchart" not in prose
    assert "은닉 상태는 셀 상태와 다릅니다" in prose       # a question's answer is prose
    assert "은닉 상태란" not in prose                   # its title is not


def test_the_first_use_is_the_first_in_prose_outside_quotes_and_longer_terms():
    terms = _terms(("은닉 상태", "hidden state"), ("셀 상태", "cell state"),
                   ("어텐션", "attention"), ("셀프 어텐션", "self-attention"),
                   ("트랜스포머", "Transformer"))
    out, slugs = hook.link_first_uses(PAGE, terms, "ko", "../glossary/")
    assert slugs == ["attention", "cell-state", "hidden-state", "self-attention"]
    links = re.findall(r'<a class="glossary-term" id="g-([^"]+)" href="([^"]+)" '
                       r'title="([^"]+)">([^<]+)</a>', out)
    assert links == [
        ("hidden-state", "../glossary/#term-hidden-state", "은닉 상태의 뜻.", "은닉 상태"),
        ("self-attention", "../glossary/#term-self-attention", "셀프 어텐션의 뜻.",
         "셀프 어텐션"),
        ("attention", "../glossary/#term-attention", "어텐션의 뜻.", "어텐션"),
        ("cell-state", "../glossary/#term-cell-state", "셀 상태의 뜻.", "셀 상태")]
    # the link sits on "새 은닉 상태를": after the code, math, link and quotation
    assert "새 <a class=\"glossary-term\" id=\"g-hidden-state\"" in out
    assert "셀프 어텐션</a>은 <a class=\"glossary-term\" id=\"g-attention\"" in out
    assert re.sub(r'<a class="glossary-term"[^>]*>(.*?)</a>', r"\1", out) == PAGE  # only links


def test_english_terms_match_whole_words_in_any_case_with_a_plural():
    terms = _terms(("어텐션", "attention"), ("은닉 상태", "hidden state"))
    page = "<p>Self-attention first, then Hidden States and attention.</p>"
    out, slugs = hook.link_first_uses(page, terms, "en", "../glossary/")
    assert slugs == ["attention", "hidden-state"]
    assert ">Hidden States</a>" in out and "Self-attention first" in out
    assert 'title="What attention means.">attention</a>.' in out
    with pytest.raises(ValueError, match="`lang` must be one of"):
        hook.link_first_uses(page, terms, "fr", "")


def test_a_korean_term_is_not_found_inside_a_longer_word():
    pattern = hook.term_pattern("온도", "ko")
    assert pattern.search("온도를 높이면") and not pattern.search("기온도 오르고")
    assert hook.term_pattern("양방향 RNN", "ko").search("양방향 RNN은")
    assert not hook.term_pattern("양방향 RNN", "ko").search("양방향 RNNs")


def test_the_table_shows_each_definition_and_first_use():
    terms = _terms(("은닉 상태", "hidden state"), ("셀 상태", "cell state"))
    table = hook.glossary_table(terms, "en", {"hidden-state": ("../rnn/#g-hidden-state",
                                                               "Recurrent <b>nets</b>")})
    rows = re.findall(r'<tr id="term-([^"]+)">(.*?)</tr>', table)
    assert [slug for slug, _ in rows] == ["cell-state", "hidden-state"]   # A to Z in English
    assert rows[1][1] == ('<td><strong>hidden state</strong><br>은닉 상태</td>'
                          '<td>What hidden state means.<br><span class="glossary-first-use">'
                          'First used in: <a href="../rnn/#g-hidden-state">Recurrent '
                          '&lt;b&gt;nets&lt;/b&gt;</a></span></td>')
    assert rows[0][1] == ("<td><strong>cell state</strong><br>셀 상태</td>"
                          "<td>What cell state means.</td>")                # no first use
    ko = hook.glossary_table(terms, "ko", {})
    assert re.findall(r'<tr id="term-([^"]+)">', ko) == ["hidden-state", "cell-state"]
    assert "<th>뜻</th>" in ko and "<strong>은닉 상태</strong><br>hidden state" in ko
    with pytest.raises(ValueError, match="`lang` must be one of"):
        hook.glossary_table(terms, "fr", {})


# ---- the built site ----------------------------------------------------------------------

GLOSSARY_PAGES = {"ko": "glossary/index.html", "en": "en/glossary/index.html"}
CHAPTER_LINK = re.compile(r'<a class="glossary-term" id="g-(?P<slug>[^"]+)" '
                          r'href="(?P<href>[^"]+)" title="(?P<title>[^"]*)">(?P<text>.*?)</a>')
ROW = re.compile(r'<tr id="term-(?P<slug>[^"]+)"><td><strong>(?P<name>.*?)</strong><br>'
                 r'(?P<other>.*?)</td><td>(?P<definition>.*?)(?:<br><span class="glossary-'
                 r'first-use">[^<]*(?P<use><a href="[^"]+">.*?</a>)</span>)?</td></tr>')


def first_use_problems(site: Path, lang: str, chapters: set[str]) -> list[str]:
    """Each glossary row whose first-use link is missing, or does not land on the term.

    The link must lead to a chapter (a path of ``chapters``), to an element with the
    anchor's id whose text is the term as that language writes it.
    """
    page = GLOSSARY_PAGES[lang]
    problems = []
    for row in ROW.finditer((site / page).read_text("utf-8")):
        term = html.unescape(row["name"])
        href = re.search(r'href="([^"]+)"', row["use"] or "")
        if not href:
            problems.append(f"{term}: no first use")
            continue
        url = urlparse(urljoin(f"http://site.invalid/{page}", href[1]))
        if url.path not in chapters:
            problems.append(f"{term}: first use on {url.path}, not a chapter")
            continue
        target = (site / url.path.lstrip("/") / "index.html").read_text("utf-8")
        at = re.search(rf'id="{re.escape(url.fragment)}"[^>]*>(.*?)</a>', target)
        if not at or not hook.term_pattern(term, lang).fullmatch(html.unescape(at[1])):
            problems.append(f"{term}: {url.path}#{url.fragment} does not hold the term")
    return problems


def _chapters(lang: str) -> set[str]:
    import yaml

    from tests.conftest import ROOT

    nav = yaml.load((ROOT / "mkdocs.yml").read_text("utf-8"), Loader=yaml.BaseLoader)["nav"]
    kinds = load_hook("search_ko").page_kinds(nav)
    prefix = "/" if lang == "ko" else "/en/"
    return {prefix + re.sub(r"\.(md|py)$", "/", src) for src, k in kinds.items()
            if k in hook.TEACHING}


def test_the_first_use_check_fails_on_a_link_to_a_page_without_the_term(tmp_path):
    (tmp_path / "glossary").mkdir()
    (tmp_path / "rnn").mkdir()
    use = '<br><span class="glossary-first-use">처음 나오는 곳: <a href="{}">장</a></span>'
    rows = [("cell-state", "셀 상태", use.format("../rnn/#g-cell-state")),
            ("hidden-state", "은닉 상태", use.format("../rnn/#g-hidden-state")),
            ("attention", "어텐션", use.format("../")), ("gate", "게이트", "")]
    (tmp_path / "glossary" / "index.html").write_text("".join(
        f'<tr id="term-{slug}"><td><strong>{ko}</strong><br>x</td><td>뜻.{link}</td></tr>'
        for slug, ko, link in rows), encoding="utf-8")
    (tmp_path / "rnn" / "index.html").write_text(
        '<a class="glossary-term" id="g-hidden-state" href="#">은닉 상태</a>'
        '<a class="glossary-term" id="g-cell-state" href="#">입력</a>', encoding="utf-8")
    assert first_use_problems(tmp_path, "ko", {"/rnn/"}) == [
        "셀 상태: /rnn/#g-cell-state does not hold the term",
        "어텐션: first use on /, not a chapter",
        "게이트: no first use"]


@pytest.mark.site
@pytest.mark.parametrize("lang", ["ko", "en"])
def test_every_term_links_to_its_first_use_in_a_chapter(built_site, lang):
    terms = hook.load_terms(GLOSSARY)
    rows = list(ROW.finditer((built_site / GLOSSARY_PAGES[lang]).read_text("utf-8")))
    assert len(rows) == len(terms)
    for row, term in zip(rows if lang == "ko" else sorted(rows, key=lambda r: r["slug"]),
                         terms if lang == "ko" else sorted(terms, key=lambda t: t.slug),
                         strict=True):
        assert html.unescape(row["definition"]) == term.definition[lang]
    problems = first_use_problems(built_site, lang, _chapters(lang))
    assert not problems, f"glossary first uses ({lang}):\n  " + "\n  ".join(problems)


@pytest.mark.site
@pytest.mark.parametrize("lang", ["ko", "en"])
def test_every_chapter_links_its_terms_to_the_glossary(built_site, lang):
    terms = {t.slug: t for t in hook.load_terms(GLOSSARY)}
    glossary = (built_site / GLOSSARY_PAGES[lang]).read_text("utf-8")
    rows = set(re.findall(r'<tr id="(term-[^"]+)">', glossary))
    for chapter in sorted(_chapters(lang)):
        page = (built_site / chapter.lstrip("/") / "index.html").read_text("utf-8")
        links = list(CHAPTER_LINK.finditer(page))
        assert links, f"{chapter}: no term is linked to the glossary"
        slugs = [m["slug"] for m in links]
        assert len(slugs) == len(set(slugs)), f"{chapter}: a term linked twice"
        for m in links:
            term = terms[m["slug"]]
            assert html.unescape(m["title"]) == term.definition[lang], f"{chapter}: tooltip"
            assert hook.term_pattern(term.name(lang), lang).fullmatch(html.unescape(m["text"]))
            url = urlparse(urljoin(f"http://site.invalid{chapter}", m["href"]))
            assert url.path == ("/glossary/" if lang == "ko" else "/en/glossary/")
            assert url.fragment in rows, f"{chapter}: {m['href']} has no glossary row"
        # never inside a heading, code or math
        for block in re.findall(r"<h[1-6].*?</h[1-6]>|<code.*?</code>|"
                                r'class="arithmatex">.*?</(?:span|div)>', page, re.S):
            assert "glossary-term" not in block, f"{chapter}: a term linked in {block[:80]}"
