"""One Korean term per concept across the site, as docs/_data/glossary.yml fixes it."""

from __future__ import annotations

import re

import pytest

from tests.conftest import DOCS
from tests.pages import load_hook, localized, pagekit

hook = load_hook("glossary")

GLOSSARY = DOCS / "_data" / "glossary.yml"
# What is not the site's own wording: inline code, quotations of the notes, URLs.
QUOTED = re.compile(r'`[^`\n]*`|"[^"\n]*"|“[^”\n]*”|‘[^’\n]*’|「[^」\n]*」|https?://\S+')


def prose_lines(markdown: str):
    """``(line number, text)`` of a page's own prose: no code, no quotations."""
    for number, line, kind, _ in pagekit.scan(markdown):
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


@pytest.mark.parametrize("page", localized("ko", (".md", ".py")), ids=lambda p: p.name)
def test_korean_pages_use_the_glossary_term(page):
    found = violations(page.read_text(encoding="utf-8"), hook.load_glossary(GLOSSARY))
    assert not found, f"{page.name}: one Korean term per concept (docs/_data/glossary.yml):\n  " \
        + "\n  ".join(found)


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
