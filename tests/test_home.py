"""The home page says what is true of the site: how many formulas run, and every chapter.

docs/index.{ko,en}.md: the formula counts come from the build (count markers filled by
overrides/hooks/formulas.py); the chapter table and the sentence that groups the chapters
must cover the navigation's chapters, in order, each once.
"""

from __future__ import annotations

import html
import re

import pytest

from tests.conftest import DOCS, ROOT
from tests.pages import hook, markdown_pages

SAYS = {"ko": r"수식 (\d+)개 가운데 (\d+)개는 실행됩니다.*?나머지 (\d+)개는",
        "en": r"Of the (\d+) formulas on this site, (\d+) run.*?The other (\d+) only"}
RANGES = {"ko": r"(\d+)(?:–(\d+))?장", "en": r"[Cc]hapters? (\d+)(?:–(\d+))?"}


def _text(page_html: str) -> str:
    return html.unescape(re.sub(r"<[^>]+>", "", page_html))


@pytest.mark.site
@pytest.mark.parametrize("lang", ["ko", "en"])
def test_the_home_page_counts_the_formulas_of_the_pages(built_site, lang):
    """Issue 13, item 12: 'every formula runs' was false (11 of 129 are prose only); the
    page now states the counts, filled in by the build."""
    index = built_site / ("index.html" if lang == "ko" else "en/index.html")
    text = _text(index.read_text(encoding="utf-8"))
    assert "<!-- formulas:" not in index.read_text(encoding="utf-8")
    said = re.search(SAYS[lang], text, re.S)
    assert said, f"the {lang} home page no longer states the formula counts"
    counts = hook.formula_counts([p.read_text(encoding="utf-8") for p in markdown_pages(lang)])
    assert tuple(map(int, said.groups())) == (counts["total"], counts["computed"],
                                              counts["prose"])
    assert counts["prose"] > 0 and counts["computed"] + counts["prose"] == counts["total"]


def test_count_markers_are_filled_and_unknown_ones_named():
    counts = {"total": 5, "computed": 4, "prose": 1}
    filled, unknown = hook.fill_counts(
        "<!-- formulas: total --> / <!-- formulas: prose --> / <!-- formulas: prse -->", counts)
    assert filled.startswith("5 / 1 / ") and unknown == ["prse"]
    page = ('<div class="formula" id="a.b" markdown>\n\n$$\nx\n$$\n\n</div>\n'
            '<div class="formula prose" id="a.c" markdown>\n\n$$\ny\n$$\n\n</div>\n')
    assert hook.formula_counts([page, page]) == {"total": 4, "computed": 2, "prose": 2}


def _nav_chapters() -> list[str]:
    """The chapter pages of mkdocs.yml's navigation, in order."""
    nav = (ROOT / "mkdocs.yml").read_text(encoding="utf-8").split("\nnav:", 1)[1]
    block = re.search(r"\n  - 장:\n((?:      - .*\n)+)", nav)
    assert block, "mkdocs.yml: no '장' (chapters) section in nav"
    return re.findall(r"- ([\w-]+\.md)", block[1])


@pytest.mark.parametrize("lang", ["ko", "en"])
def test_the_home_page_lists_and_groups_every_chapter(lang):
    """Issue 13, item 12: the grouping sentence left chapters 1, 15 and 16 out."""
    source = (DOCS / f"index.{lang}.md").read_text(encoding="utf-8")
    chapters = _nav_chapters()
    rows = re.findall(r"^\| (\d+)\. \[[^\]]+\]\(([\w-]+\.md)\)", source, re.M)
    assert [int(n) for n, _ in rows] == list(range(1, len(chapters) + 1))
    assert [page for _, page in rows] == chapters, "the chapter table is out of nav order"
    grouping = next(p for p in source.split("\n\n") if re.search(RANGES[lang], p)
                    and "1" in p and len(re.findall(RANGES[lang], p)) >= 3)
    covered: list[int] = []
    after_the_advice = grouping.split(". ", 1)[1]    # "read from chapter 1 in order. …"
    for start, end in re.findall(RANGES[lang], after_the_advice):
        covered += range(int(start), int(end or start) + 1)
    assert sorted(covered) == list(range(1, len(chapters) + 1)), \
        f"the grouping sentence covers chapters {sorted(covered)}"
