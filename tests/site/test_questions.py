"""Questions (overrides/hooks/questions.py): each block's anchor, and the index of them all."""

from __future__ import annotations

import re

import pytest

from tests.conftest import DOCS
from tests.pages import load_hook, localized

hook = load_hook("questions")


def test_question_ids_are_unique_readable_and_skip_code():
    page = ('??? question "은닉 상태는 메모리인가요?"\n    네.\n'
            '??? question "은닉 상태는 메모리인가요?"\n    또.\n'
            '```markdown\n??? question "not a block"\n```\n'
            '???+ question "Why $\\tanh$ and not ReLU?"\n    Both work.\n')
    assert hook.question_ids(page) == [
        ("은닉 상태는 메모리인가요?", "q-은닉-상태는-메모리인가요"),
        ("은닉 상태는 메모리인가요?", "q-은닉-상태는-메모리인가요-2"),
        ("Why $\\tanh$ and not ReLU?", "q-why-and-not-relu"),
    ]


@pytest.mark.site
@pytest.mark.parametrize("lang", ["ko", "en"])
def test_every_question_has_an_anchor_and_is_in_its_languages_index(built_site, lang):
    prefix = "" if lang == "ko" else "en/"
    index = (built_site / prefix / "questions" / "index.html").read_text(encoding="utf-8")
    listed = set(re.findall(r'href="([^"]*#q-[^"]+)"', index))
    expected = 0
    for source in localized(lang, (".md",)):
        ids = [qid for _, qid in hook.question_ids(source.read_text(encoding="utf-8"))]
        if not ids:
            continue
        expected += len(ids)
        name = source.relative_to(DOCS).as_posix().replace(f".{lang}.md", "")
        built = (built_site / prefix / name / "index.html").read_text(encoding="utf-8")
        for qid in ids:
            assert f'<details class="question" id="{qid}"' in built, f"{name}: no anchor {qid}"
            assert any(h.endswith(f"{name}/#{qid}") for h in listed), f"{qid} not in the index"
    assert expected and len(listed) == expected, (len(listed), expected)
    assert not any("/en/" in h for h in listed) if lang == "ko" else True
