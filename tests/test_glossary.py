"""One Korean term per concept across the site, as docs/_data/glossary.yml fixes it.

Three checks keep a concept from getting a second Korean name:

- ``avoid``: variants that must not appear on Korean pages (outside code and quotations);
- ``aka``: another Korean name in real use. It may appear once per page, as a stated synonym,
  on a line that also names the glossary term ("인코더–디코더 어텐션(교차 어텐션이라고도
  합니다)"); anywhere else the glossary term must be written;
- first use: a Korean page introduces a term as "한국어(English)"; when the English is a
  glossary term, the Korean before the parenthesis must be the glossary's name (or an
  ``aka``). This catches a second name nobody has listed yet.
"""

from __future__ import annotations

import re

import pytest

from tests.conftest import DOCS
from tests.pages import hook as parser
from tests.pages import load_hook, localized

hook = load_hook("collections")

GLOSSARY = DOCS / "_data" / "glossary.yml"
# What is not the site's own wording: inline code, quotations of the notes, URLs.
QUOTED = re.compile(r'`[^`\n]*`|"[^"\n]*"|“[^”\n]*”|‘[^’\n]*’|「[^」\n]*」|https?://\S+')


def prose_lines(markdown: str):
    """``(line number, text)`` of a page's own prose: no code, no quotations."""
    for number, line, kind, _ in parser._scan(markdown):
        if kind == "text":
            yield number, QUOTED.sub(" ", line)


def violations(markdown: str, terms: list[dict]) -> list[str]:
    found = []
    for number, text in prose_lines(markdown):
        for term in terms:
            for variant in term["avoid"]:
                if variant in text:
                    found.append(f"line {number}: '{variant}' -> write '{term['ko']}' "
                                 f"({term['en']})")
    return found


def test_the_glossary_is_well_formed_and_has_one_entry_per_term():
    terms = hook.load_glossary(GLOSSARY)
    assert len(terms) >= 40
    for key in ("ko", "en"):
        seen = [t[key] for t in terms]
        assert len(seen) == len(set(seen)), f"a {key} term appears twice in the glossary"
    variants = [v for t in terms for v in t["avoid"]]
    clash = sorted({v for v in variants if v in {t["ko"] for t in terms}})
    assert not clash, f"a preferred term is also listed to avoid: {clash}"
    for t in terms:
        aka = t.get("aka", [])
        assert isinstance(aka, list) and all(isinstance(a, str) for a in aka), \
            f"glossary.yml ({t['ko']}): 'aka' must be a list of Korean names, got {aka!r}"
        taken = sorted(set(aka) & ({u["ko"] for u in terms} | set(variants)))
        assert not taken, (f"glossary.yml ({t['ko']}): an 'aka' name is also a glossary term "
                           f"or listed to avoid: {taken}")


CODE_SPAN = re.compile(r"`[^`\n]*`")
QUOTATION = re.compile(r'"[^"\n]*"|“[^”\n]*”|‘[^’\n]*’|「[^」\n]*」')
QUOTE_MARK = "\x00"   # a quotation right before "(": the page discusses a word ("수열"(sequence))


def synonym_violations(markdown: str, terms: list[dict]) -> list[str]:
    """Each ``aka`` name: once per page, on a line that also writes the glossary term."""
    found = []
    for term in terms:
        for aka in term.get("aka", []):
            stated = False
            for number, text in prose_lines(markdown):
                for _ in range(text.count(aka)):
                    if term["ko"] in text and not stated:
                        stated = True              # the one mention, beside the glossary term
                        continue
                    found.append(
                        f"line {number}: '{aka}' is a second Korean name for {term['en']}; "
                        f"write '{term['ko']}' (name '{aka}' at most once per page, as a "
                        f"synonym on the line that writes '{term['ko']}')")
    return found


def first_use_violations(markdown: str, terms: list[dict]) -> list[str]:
    """"X(English)" with a glossary term's English: X must be that term's Korean name."""
    found = []
    for number, line, kind, _ in parser._scan(markdown):
        if kind != "text":
            continue
        text = QUOTATION.sub(QUOTE_MARK, CODE_SPAN.sub(" ", line))   # quotes are the notes'
        for term in terms:
            pattern = r"\(\s*" + re.escape(term["en"]) + r"\s*[),;]"
            for m in re.finditer(pattern, text, re.IGNORECASE):
                before = text[:m.start()].rstrip()
                names = (term["ko"], *term.get("aka", []))
                if before.endswith((QUOTE_MARK, *names)):
                    continue
                shown = " ".join(before.split()[-2:])
                found.append(f"line {number}: '…{shown}({term['en']}…' introduces "
                             f"{term['en']} under another Korean name; write '{term['ko']}' "
                             f"before the parenthesis (docs/_data/glossary.yml)")
    return found


@pytest.mark.parametrize("page", localized("ko", (".md", ".py")), ids=lambda p: p.name)
def test_korean_pages_use_the_glossary_term(page):
    found = violations(page.read_text(encoding="utf-8"), hook.load_glossary(GLOSSARY))
    assert not found, f"{page.name}: one Korean term per concept (docs/_data/glossary.yml):\n  " \
        + "\n  ".join(found)


@pytest.mark.parametrize("page", localized("ko", (".md", ".py")), ids=lambda p: p.name)
def test_korean_pages_give_a_concept_one_name(page):
    terms = hook.load_glossary(GLOSSARY)
    markdown = page.read_text(encoding="utf-8")
    found = synonym_violations(markdown, terms) + first_use_violations(markdown, terms)
    assert not found, (f"{page.name}: a concept with two Korean names "
                       f"(docs/_data/glossary.yml):\n  " + "\n  ".join(found))


def test_every_glossary_term_is_used_in_both_languages():
    terms = hook.load_glossary(GLOSSARY)
    ko = "\n".join(p.read_text(encoding="utf-8") for p in localized("ko", (".md", ".py")))
    en = "\n".join(p.read_text(encoding="utf-8") for p in localized("en", (".md", ".py"))).lower()
    unused = [t["ko"] for t in terms if t["ko"] not in ko.replace("<!-- glossary -->", "")]
    unused += [t["en"] for t in terms if t["en"].lower() not in en]
    assert not unused, f"glossary terms no page uses (drop them or use them): {unused}"


def test_the_check_flags_a_variant_but_not_a_quotation_or_code():
    terms = [{"ko": "은닉 상태", "en": "hidden state", "avoid": ["숨겨진 상태"]}]
    page = ('숨겨진 상태를 씁니다.\n'
            '**원문**: "숨겨진 상태가 기억한다"\n'
            '`숨겨진 상태`\n'
            '```text\n숨겨진 상태\n```\n')
    assert violations(page, terms) == ["line 1: '숨겨진 상태' -> write '은닉 상태' (hidden state)"]


def test_the_one_name_checks_flag_a_second_name_but_not_a_stated_synonym():
    """Negative controls: each rule fires on its fault, and lets the right text through."""
    terms = [{"ko": "인코더–디코더 어텐션", "en": "encoder–decoder attention",
              "aka": ["교차 어텐션"], "avoid": []},
             {"ko": "기울기 소실", "en": "vanishing gradient", "avoid": []}]
    stated = "인코더–디코더 어텐션(교차 어텐션이라고도 합니다)은 디코더가 인코더를 읽습니다.\n"
    assert synonym_violations(stated, terms) == []
    again = stated + "교차 어텐션의 쿼리는 디코더 상태입니다.\n"
    assert synonym_violations(again, terms) == [
        "line 2: '교차 어텐션' is a second Korean name for encoder–decoder attention; write "
        "'인코더–디코더 어텐션' (name '교차 어텐션' at most once per page, as a synonym on the "
        "line that writes '인코더–디코더 어텐션')"]
    alone = "교차 어텐션을 씁니다. `교차 어텐션`\n**원문**: \"교차 어텐션\"\n"
    assert len(synonym_violations(alone, terms)) == 1        # code and quotations are not prose
    assert first_use_violations("기울기 소실(vanishing gradient)이 생깁니다.\n", terms) == []
    assert first_use_violations('"경사 소멸"(vanishing gradient)이라는 말\n', terms) == []
    assert first_use_violations("```text\n경사 소멸(vanishing gradient)\n```\n", terms) == []
    assert first_use_violations("이것이 경사 소멸(Vanishing Gradient, VG)입니다.\n", terms) == [
        "line 1: '…경사 소멸(vanishing gradient…' introduces vanishing gradient under another "
        "Korean name; write '기울기 소실' before the parenthesis (docs/_data/glossary.yml)"]
