"""A concept keeps one Korean name: the glossary's ``aka`` names and first uses.

docs/_data/glossary.yml fixes one Korean term per concept; tests/test_glossary.py fails on a
variant listed under ``avoid``. Two more ways a concept gets a second Korean name are caught
here:

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

from tests.pages import hook as parser
from tests.pages import localized
from tests.test_glossary import GLOSSARY, hook, prose_lines


def test_aka_names_are_lists_of_names_no_other_term_uses():
    terms = hook.load_glossary(GLOSSARY)
    variants = [v for t in terms for v in t["avoid"]]
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
def test_korean_pages_give_a_concept_one_name(page):
    terms = hook.load_glossary(GLOSSARY)
    markdown = page.read_text(encoding="utf-8")
    found = synonym_violations(markdown, terms) + first_use_violations(markdown, terms)
    assert not found, (f"{page.name}: a concept with two Korean names "
                       f"(docs/_data/glossary.yml):\n  " + "\n  ".join(found))


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
