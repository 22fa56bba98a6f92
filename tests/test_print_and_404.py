"""In Chromium: printing shows every Q&A answer; the 404 page speaks the address's language.

- Print: a closed ``<details>`` keeps its answer out of the layout, so a printed page
  lost every answer. With print media the site's stylesheet shows the answer of every
  closed block (the control: on screen it stays hidden), and ``beforeprint`` opens the
  blocks themselves (Material's handler).
- 404: static hosts serve the root 404.html for any missing address (the test server
  does as they do); under /en/ it shows the English text and says lang="en", elsewhere
  the Korean one, with every stylesheet and script loading from any depth.
"""

from __future__ import annotations

import pytest

QA_PAGE = "/rnn/"     # a chapter with several Q&A blocks

HIDDEN_ANSWERS = """() => [...document.querySelectorAll('details.question:not([open])')]
  .map(d => [...d.children].filter(c => c.tagName !== 'SUMMARY'))
  .filter(parts => parts.length && parts.every(p => !p.checkVisibility()))
  .length"""
CLOSED = "() => document.querySelectorAll('details.question:not([open])').length"


@pytest.mark.browser
def test_print_media_shows_every_answer(visit):
    page = visit(QA_PAGE)
    closed = page.evaluate(CLOSED)
    assert closed >= 2, f"{QA_PAGE} has only {closed} closed Q&A blocks to test with"
    assert page.evaluate(HIDDEN_ANSWERS) == closed, \
        "the control failed: on screen a closed block's answer should be hidden"
    page.emulate_media(media="print")
    assert page.evaluate(HIDDEN_ANSWERS) == 0, "printing would drop Q&A answers"
    assert page.evaluate(CLOSED) == closed, "print CSS alone, blocks untouched"


@pytest.mark.browser
def test_beforeprint_opens_every_question_and_afterprint_closes_them(visit):
    page = visit(QA_PAGE)
    closed = page.evaluate(CLOSED)
    page.evaluate("() => window.dispatchEvent(new Event('beforeprint'))")
    page.wait_for_function("() => !document.querySelector('details.question:not([open])')",
                           timeout=5_000)
    page.evaluate("() => window.dispatchEvent(new Event('afterprint'))")
    page.wait_for_function(f"() => ({CLOSED})() === {closed}", timeout=5_000)


@pytest.mark.browser
@pytest.mark.parametrize(("path", "lang", "text"), [
    ("/no-such-page/", "ko", "페이지를 찾을 수 없습니다"),
    ("/rnn/no/such/depth/", "ko", "페이지를 찾을 수 없습니다"),
    ("/en/no-such-page/", "en", "Page not found"),
    ("/en/rnn/deeper/still/", "en", "Page not found"),
])
def test_the_404_page_speaks_the_language_of_the_address(visit, path, lang, text):
    response = visit.page.goto(visit.server + path, wait_until="networkidle")
    assert response.status == 404
    page = visit.page
    assert page.evaluate("document.documentElement.lang") == lang
    assert page.locator(f".seqcore-404[data-lang={lang}] h1").inner_text().endswith(text)
    other = "en" if lang == "ko" else "ko"
    assert not page.locator(f".seqcore-404[data-lang={other}]").is_visible()
    styled = page.evaluate("getComputedStyle(document.querySelector('.md-header')).position")
    assert styled in ("sticky", "fixed"), "Material's stylesheet did not load at this depth"
    others = [f for f in visit.failed if not f.endswith(path)]
    assert not others, f"requests that failed besides the page itself: {others}"
    assert not visit.errors, visit.errors
