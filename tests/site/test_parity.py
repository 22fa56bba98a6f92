"""Translation parity: the same pages in both languages, with the same skeleton."""

from __future__ import annotations

import pytest

from tests._require import require
from tests.conftest import DOCS
from tests.pages import LANGUAGES, base_name, hook, localized, markdown_pages, twin

PAIRS = [(p, twin(p, "en")) for p in localized("ko")]


def test_every_page_has_both_languages():
    names = {lang: {base_name(p) for p in localized(lang)} for lang in LANGUAGES}
    only_ko = sorted(names["ko"] - names["en"])
    only_en = sorted(names["en"] - names["ko"])
    missing = [f"docs/{n.replace('.', '.en.', 1)} (the English twin of "
               f"docs/{n.replace('.', '.ko.', 1)})" for n in only_ko]
    missing += [f"docs/{n.replace('.', '.ko.', 1)} (the Korean twin of "
                f"docs/{n.replace('.', '.en.', 1)})" for n in only_en]
    assert not missing, ("every page needs both languages; write "
                         + ", ".join(missing)
                         + " with the same formulas, snippets, plots, diagrams and questions")
    assert names["ko"], "no pages found under docs/"


def test_no_unsuffixed_pages():
    """An unsuffixed page would silently serve one language to both."""
    unsuffixed = [p.relative_to(DOCS).as_posix() for p in DOCS.rglob("*.md")
                  if not any(p.name.endswith(f".{lang}.md") for lang in LANGUAGES)]
    assert not unsuffixed, f"pages without .ko/.en suffix: {unsuffixed}"


@pytest.mark.parametrize("ko", [p for p in markdown_pages("ko")], ids=base_name)
def test_same_formulas_snippets_diagrams_and_questions_in_same_order(ko):
    en = twin(ko, "en")
    ko_items = hook.page_structure(ko.read_text(encoding="utf-8"))
    en_items = hook.page_structure(en.read_text(encoding="utf-8"))
    assert ko_items == en_items, structure_difference(ko.name, ko_items, en.name, en_items)


def structure_difference(ko_name: str, ko_items: list, en_name: str, en_items: list) -> str:
    """Where two skeletons part, in words a translator can act on."""
    pairs = zip(ko_items, en_items, strict=False)  # unequal lengths: the shorter one ends
    n = next((i for i, (a, b) in enumerate(pairs) if a != b), min(len(ko_items), len(en_items)))
    ko_at = ko_items[n] if n < len(ko_items) else "(nothing: the page ends)"
    en_at = en_items[n] if n < len(en_items) else "(nothing: the page ends)"
    return (f"{ko_name} and {en_name} differ in structure at item {n + 1} "
            f"(formulas, snippets, plots, diagrams, questions, in order): "
            f"{ko_name} has {ko_at}, {en_name} has {en_at}. Make the twin show the same item "
            f"at the same place (.ci/translations.py main lists every change).\n"
            f"  ko: {ko_items}\n  en: {en_items}")


@pytest.mark.parametrize("ko", [p for p in localized("ko", (".py",))], ids=base_name)
def test_notebooks_run_the_same_code(ko):
    jupytext = require("jupytext")
    en = twin(ko, "en")
    cells = {}
    for path in (ko, en):
        nb = jupytext.read(path)
        cells[path.name] = [c.source.strip() for c in nb.cells if c.cell_type == "code"]
    assert cells[ko.name] == cells[en.name], "the two notebooks run different code"
    assert cells[ko.name], f"{ko.name} has no code cell"


def test_parity_check_detects_a_difference():
    """The structure comparison is not vacuous: a missing formula changes it."""
    page = '<div class="formula" id="a.b" markdown>\n\n$$\nx\n$$\n\n</div>\n'
    question = '??? question "q"\n    a\n'
    assert hook.page_structure(page + question) != hook.page_structure(question)
    assert hook.page_structure(page + question) == [("formula", "a.b"), ("qa", "")]
