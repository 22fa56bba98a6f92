"""The language switch lands on the same section of the twin page.

``overrides/hooks/language_switch.py`` writes each page's section ids in both languages into
the page; ``language-switch.js`` points the language selector at the twin's section with the
position of the one being read. That rests on the translations having the same skeleton
(headings below the title and question blocks, in the same order), which the site test
checks on the built pages; the browser tests scroll a page to a deep section, switch the
language with the selector in the header, and look at what is at the top of the screen.
"""

from __future__ import annotations

import json
import re
from pathlib import Path

import pytest

from tests.pages import load_hook
from tests.unit.errors import assert_error_names

hook = load_hook("language_switch")
DATA = re.compile(r'<script type="application/json" id="seqcore-sections">(.*?)</script>', re.S)
SKELETON = re.compile(r'<(h[2-6])\b[^>]*\sid="[^"]+"|<details class="question"[^>]*\sid="')


def _page(body: str) -> str:
    return (f'<html><body><nav><h2 id="nav">N</h2></nav><article class="md-content__inner '
            f'md-typeset"><h1 id="t">T</h1>{body}</article></body></html>')


# ---- the build ---------------------------------------------------------------------------

def test_sections_are_the_headings_and_questions_of_the_article_in_order():
    page = _page('<h2 id="a">A</h2><details class="question" id="q-x"><summary>?</summary>'
                 '</details><h3 id="b">B</h3><div id="not-a-section"></div>')
    assert hook.sections(page) == ["a", "q-x", "b"]
    assert hook.sections("<html><body><h2 id='a'></h2></body></html>") == []


def test_every_page_with_a_twin_gets_the_sections_of_both(tmp_path):
    (tmp_path / "rnn").mkdir()
    (tmp_path / "en" / "rnn").mkdir(parents=True)
    (tmp_path / "api").mkdir()                               # no English twin: left alone
    (tmp_path / "rnn" / "index.html").write_text(_page('<h2 id="순전파">순전파</h2>'), "utf-8")
    (tmp_path / "en" / "rnn" / "index.html").write_text(
        _page('<h2 id="the-forward-pass">The forward pass</h2>'), "utf-8")
    (tmp_path / "api" / "index.html").write_text(_page('<h2 id="x">x</h2>'), "utf-8")
    assert hook.write_sections(tmp_path, {"ko": "", "en": "en/"}) == 2
    assert hook.write_sections(tmp_path, {"ko": "", "en": "en/"}) == 2   # built again
    for path in (tmp_path / "rnn" / "index.html", tmp_path / "en" / "rnn" / "index.html"):
        found = DATA.findall(path.read_text("utf-8"))
        assert len(found) == 1, "written once, replaced when built again"
        assert json.loads(found[0]) == {"ko": ["순전파"], "en": ["the-forward-pass"]}
    assert "seqcore-sections" not in (tmp_path / "api" / "index.html").read_text("utf-8")


def test_bad_input_names_the_argument(tmp_path):
    assert_error_names(lambda: hook.write_sections(tmp_path, {"ko": "ko/", "en": "en/"}),
                       ValueError, ["write_sections", "`prefixes`", "''"])
    assert_error_names(lambda: hook.with_sections("<html>", {"ko": []}), ValueError,
                       ["with_sections", "`page_html`", "</body>"])


def skeleton_differences(site: Path) -> list[str]:
    """Each twin pair whose sections differ in kind or number (h2, h3…, question)."""
    problems = []
    for page in sorted(site.rglob("index.html")):
        rel = page.relative_to(site).as_posix()
        twin = site / "en" / rel
        if rel.startswith("en/") or not twin.is_file():
            continue
        shapes = []
        for path in (page, twin):
            article = hook.ARTICLE.search(path.read_text("utf-8"))
            shapes.append([m[1] or "question" for m in SKELETON.finditer(article["body"])]
                          if article else [])
        if shapes[0] != shapes[1]:
            problems.append(f"{rel}: ko {shapes[0]} / en {shapes[1]}")
    return problems


def test_the_skeleton_check_sees_a_missing_heading(tmp_path):
    for lang, body in (("", '<h2 id="a">A</h2><h3 id="b">B</h3>'),
                       ("en/", '<h2 id="a">A</h2><h2 id="b">B</h2>')):
        (tmp_path / lang / "rnn").mkdir(parents=True, exist_ok=True)
        (tmp_path / lang / "rnn" / "index.html").write_text(_page(body), "utf-8")
    assert skeleton_differences(tmp_path) == ["rnn/index.html: ko ['h2', 'h3'] / en ['h2', 'h2']"]


@pytest.mark.site
def test_twins_have_the_same_sections_and_carry_them(built_site):
    problems = skeleton_differences(built_site)
    assert not problems, ("a page and its translation must have the same headings and "
                          "questions in the same order (the language switch maps the n-th "
                          "section to the n-th):\n  " + "\n  ".join(problems))
    carried = 0
    for page in sorted(built_site.rglob("index.html")):
        found = DATA.findall(page.read_text("utf-8"))
        if found:
            data = json.loads(found[0])
            assert len(data["ko"]) == len(data["en"]), page
            carried += 1
    assert carried >= 40, f"only {carried} pages carry their sections"
    assert "language-switch.js" in (built_site / "rnn" / "index.html").read_text("utf-8")


SWITCH_LINK = re.compile(r'<a href="(?P<href>[^"]*)" hreflang="(?P<lang>ko|en)" '
                         r'class="md-select__link">')


def switch_problems(url: str, html: str, twin: str) -> list[str]:
    """What is wrong with the language selector of the page at ``url`` (its HTML):
    its link to the other language must lead to ``twin``, its own to the page itself."""
    from urllib.parse import urljoin

    lang = "en" if url.startswith("/en/") else "ko"
    other = "en" if lang == "ko" else "ko"
    links = {m["lang"]: m["href"] for m in SWITCH_LINK.finditer(html)}
    problems = [f"{url}: no link to the {lng} page in the selector"
                for lng in (other, lang) if lng not in links]
    if other in links and urljoin(url, links[other]) != twin:
        problems.append(f"{url}: the {other} link leads to {urljoin(url, links[other])}, "
                        f"not to its twin {twin}")
    if lang in links and urljoin(url, links[lang]) != url:
        problems.append(f"{url}: the {lang} link leads to {urljoin(url, links[lang])}")
    return problems


@pytest.mark.site
def test_every_page_offers_a_switch_to_its_twin(built_site):
    """The selector's link of every page, as written in the HTML, leads to the twin page;
    the browser test follows it by a click on the sampled pages (test_browser.py), and
    the tests below check where language-switch.js points it."""
    from tests.site.browser_kit import PAGES

    twins = {(lang, name): url for lang, name, url in PAGES}
    problems = []
    for lang, name, url in PAGES:
        other = "en" if lang == "ko" else "ko"
        text = (built_site / url.lstrip("/") / "index.html").read_text("utf-8")
        problems += switch_problems(url, text, twins[other, name])
    assert not problems, "\n".join(problems)


def test_the_switch_check_sees_a_wrong_or_missing_link():
    def selector(ko: str, en: str) -> str:
        return (f'<a href="{ko}" hreflang="ko" class="md-select__link">한국어</a>'
                f'<a href="{en}" hreflang="en" class="md-select__link">English</a>')

    assert switch_problems("/rnn/", selector("./", "../en/rnn/"), "/en/rnn/") == []
    assert switch_problems("/en/rnn/", selector("../../rnn/", "./"), "/rnn/") == []
    wrong = switch_problems("/rnn/", selector("./", "../en/bptt/"), "/en/rnn/")
    assert wrong == ["/rnn/: the en link leads to /en/bptt/, not to its twin /en/rnn/"]
    missing = switch_problems("/rnn/", selector("./", "x").split("<a href=\"x\"")[0], "/en/rnn/")
    assert missing == ["/rnn/: no link to the en page in the selector"]
    itself = switch_problems("/rnn/", selector("../bptt/", "../en/rnn/"), "/en/rnn/")
    assert itself == ["/rnn/: the ko link leads to /bptt/"]


# ---- in the browser ----------------------------------------------------------------------

AT_TOP = """(id) => {
  const el = document.getElementById(id);
  const header = document.querySelector('.md-header').getBoundingClientRect().bottom;
  return el ? [el.getBoundingClientRect().top - header, el.tagName] : null;
}"""


def switch_language(page, lang: str) -> None:
    """Use the language selector in the header, as a reader does; wait for the twin."""
    from tests.site.browser_kit import wait_for_rendering

    # The mouse, not Playwright's click: that scrolls its target into view first, which
    # moves the page under a header link and changes the section being read.
    box = page.locator(".md-header__option .md-select").bounding_box()
    page.mouse.move(box["x"] + box["width"] / 2, box["y"] + box["height"] / 2)
    link = page.locator(f".md-select a[hreflang={lang}]")
    link.wait_for(state="visible")
    page.wait_for_timeout(300)       # the menu's opening transition
    box = link.bounding_box()
    with page.expect_navigation():
        page.mouse.click(box["x"] + box["width"] / 2, box["y"] + box["height"] / 2)
    page.wait_for_load_state("networkidle")
    wait_for_rendering(page)
    page.wait_for_timeout(300)       # let the layout settle after KaTeX and Mermaid


def read_until(page, section: str) -> None:
    """Scroll the way a reader does, until ``section`` is at the top of the screen."""
    from tests.site.browser_kit import wait_for_rendering

    wait_for_rendering(page)
    page.evaluate(f"document.getElementById({section!r}).scrollIntoView()")
    page.mouse.wheel(0, -40)         # and back a little, the heading just below the header
    page.wait_for_timeout(300)


@pytest.mark.browser
@pytest.mark.parametrize(("start", "section"), [
    ("/lstm-gru/", "gru"),
    ("/en/lstm-gru/", "gru"),
    ("/rnn/", "rnn-언어-모델"),
    ("/en/rnn/", "the-rnn-language-model"),
    ("/transformer/", "위치-인코딩"),
    ("/en/bptt/", "gradient-clipping"),
    ("/attention/", "마스크"),
])
def test_the_switch_lands_on_the_same_section(visit, start, section):
    page = visit(start)
    read_until(page, section)
    sections = json.loads(page.inner_text("#seqcore-sections"))
    lang = "en" if start.startswith("/en/") else "ko"
    other = "ko" if lang == "en" else "en"
    expected = sections[other][sections[lang].index(section)]
    switch_language(page, other)
    assert page.evaluate("document.documentElement.lang") == other
    assert page.url.endswith("#" + expected) or page.evaluate("decodeURIComponent(location.hash)") \
        == "#" + expected, f"{start}#{section} -> {page.url}, expected #{expected}"
    offset, tag = page.evaluate(AT_TOP, expected)
    assert 0 <= offset <= 60, f"#{expected} is {offset:.0f} px below the header, not at the top"
    assert re.fullmatch(r"H[2-6]", tag), tag
    assert not visit.errors, visit.errors


@pytest.mark.browser
def test_above_the_first_section_the_switch_goes_to_the_top(visit):
    page = visit("/lstm-gru/")
    read_until(page, "gru")
    page.evaluate("window.scrollTo(0, 0)")
    switch_language(page, "en")
    assert page.evaluate("location.hash") == "" and page.evaluate("scrollY") == 0
    assert not visit.errors, visit.errors


@pytest.mark.browser
def test_a_twin_with_another_skeleton_is_not_trusted(visit):
    """Negative control: one section less in the list, and the switch goes to the top."""
    def fewer(route):
        response = route.fetch()
        text = DATA.sub(lambda m: m[0].replace(', "lstm"', "", 1), response.text())
        route.fulfill(response=response, body=text)

    visit.page.route("**/lstm-gru/", fewer)
    page = visit("/lstm-gru/")
    sections = json.loads(page.inner_text("#seqcore-sections"))
    assert len(sections["ko"]) == len(sections["en"]) - 1
    read_until(page, "gru")
    switch_language(page, "en")
    assert page.evaluate("location.hash") == "" and page.evaluate("scrollY") == 0, page.url
    assert not visit.errors, visit.errors
