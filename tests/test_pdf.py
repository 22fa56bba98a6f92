"""The book as PDF (.ci/pdf.py), on a sample of pages in each language.

The command prints the whole book; this test prints two chapters per language (a
minute in all) and reads the PDF back with pypdf: the text is extractable, the
chapters' titles come in order, a Q&A answer that is closed on the page is printed,
the math is drawn (KaTeX's output, not the TeX source) and so are the diagrams.
"""

from __future__ import annotations

import importlib.util
import re

import pytest

from tests.conftest import DOCS, ROOT
from tests.pages import load_hook

collections = load_hook("collections")
SAMPLE = ["topologies", "bidirectional-deep"]


def pdf_tool():
    spec = importlib.util.spec_from_file_location("seqcore_pdf", ROOT / ".ci" / "pdf.py")
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    return module


def in_order(text: str, titles: list[str]) -> list[str]:
    """The titles not found after the previous one in ``text`` (whitespace ignored)."""
    flat, at, missing = re.sub(r"\s+", "", text), 0, []
    for title in titles:
        found = flat.find(re.sub(r"\s+", "", title), at)
        if found < 0:
            missing.append(title)
        else:
            at = found
    return missing


def test_the_order_check_sees_chapters_out_of_order():
    assert in_order("Chapter A ... Chapter B", ["Chapter A", "Chapter B"]) == []
    assert in_order("Chapter B ... Chapter A", ["Chapter A", "Chapter B"]) == ["Chapter B"]


def test_the_book_is_every_chapter_in_navigation_order():
    pages = pdf_tool().book_pages()
    assert pages[0] == "index" and pages[-2:] == ["glossary", "errata"]
    assert {"rnn", "attention", "transformer"} <= set(pages)
    assert pages.index("rnn") < pages.index("bptt") < pages.index("attention")


@pytest.mark.browser
@pytest.mark.parametrize("lang", ["ko", "en"])
def test_a_sample_of_the_book_prints_with_math_diagrams_and_answers(browser, built_site,
                                                                      tmp_path, lang):
    from pypdf import PdfReader

    out = pdf_tool().print_book(built_site, lang, SAMPLE, tmp_path / f"sample.{lang}.pdf",
                                browser)
    reader = PdfReader(out)
    text = "\n".join(page.extract_text() or "" for page in reader.pages)
    assert len(reader.pages) >= 4 and len(text) > 5_000, "little or no extractable text"

    sources = [(DOCS / f"{n}.{lang}.md").read_text(encoding="utf-8") for n in SAMPLE]
    titles = [collections.page_title(s, n) for s, n in zip(sources, SAMPLE, strict=True)]
    assert not in_order(text, titles), f"chapter titles missing or out of order: {titles}"
    flat = re.sub(r"\s+", "", text)
    assert "\\frac" not in text and "\\mathbf" not in text, "TeX source printed, not math"

    # the first line of the answer of each Q&A block, closed on the page, is printed
    answers = re.findall(r'^\?{3}\+? question "[^"]*"\n\n?(?P<first>    \S[^\n]*)', sources[0],
                         re.M)
    assert answers, "the sample has no Q&A block"
    words = [re.sub(r"[`*]|\[|\]\([^)]*\)", "", re.sub(r"\$[^$]*\$", " ", a)).split()[:3]
             for a in answers]                  # the first words outside math and markup
    missing = [w for w in words if "".join(w) not in flat]
    assert not missing, f"Q&A answers not printed: {missing}"

    # a diagram's label is drawn text in the PDF (Mermaid rendered, not the fence source)
    assert "flowchart" not in text and "graph LR" not in text, "a diagram printed as source"
    outline = [o.title for o in reader.outline if not isinstance(o, list)]
    assert titles[0] in outline or any(titles[0] in t for t in outline), outline
