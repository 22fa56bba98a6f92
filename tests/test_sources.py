"""Sources lines say what each note is (overrides/hooks/sources.py, docs/_data/notes.yml).

Each page's "출처 / Sources" line names seed files, which readers cannot open. On the
site each becomes "note 002 (…)" with a short description, linked to the list of the
notes on the errata page, and the line says the notes are not published and where
the departures from them are recorded.
"""

from __future__ import annotations

import re

import pytest

from tests.conftest import DOCS, ROOT, page_urls
from tests.pages import load_hook

hook = load_hook("sources")
NOTES = DOCS / "_data" / "notes.yml"
SEEDS = ROOT.parent / "shared" / "seeds"


def test_every_note_named_on_a_page_is_described_in_both_languages():
    notes = hook.load_notes(NOTES)
    named = {m["file"] for p in DOCS.glob("*.md")
             for line in hook.SOURCES_LINE.findall(p.read_text(encoding="utf-8"))
             for m in hook.SEED.finditer(line)}
    assert named, "no Sources line names a note"
    assert named <= set(notes), f"notes without a description: {named - set(notes)}"
    if SEEDS.is_dir():   # the descriptions are of files that exist
        assert set(notes) <= {p.name for p in SEEDS.glob("*.txt")}


def test_an_unknown_note_fails_the_build():
    with pytest.raises(ValueError, match=r"999_0123456789abcdef\.txt"):
        hook.describe_sources("**Sources**: `999_0123456789abcdef.txt` §x", {}, "en", "e.md")


def test_a_sources_line_reads_as_notes_and_says_they_are_unpublished():
    notes = hook.load_notes(NOTES)
    line = "**출처**: `002_d0078795747a3463.txt` §TF-IDF; `001_a16e90b7a08617cf.txt` §RNN"
    out = hook.describe_sources(line, notes, "ko", "errata.md")
    assert ".txt" not in out
    assert "[노트 002](errata.md#note-002)(" in out and "[노트 001](errata.md#note-001)(" in out
    assert "공개하지 않습니다" in out and "[정오표](errata.md)" in out


@pytest.mark.site
@pytest.mark.parametrize(("lang", "name", "url"), page_urls(),
                         ids=[f"{p[0]}:{p[1]}" for p in page_urls()])
def test_built_sources_lines_name_notes_not_files(built_site, lang, name, url):
    page = (built_site / url.strip("/") / "index.html").read_text(encoding="utf-8")
    line = re.search(r"<p><strong>(?:출처|Sources)</strong>:(.*?)</p>", page, re.S)
    if line is None or "—" == re.sub(r"<[^>]+>", "", line[1]).strip():
        return                                      # a page made from no note
    assert not re.search(r"\d{3}_[0-9a-f]{16}\.txt", line[1]), f"{url}: a seed file name"
    errata = built_site / ("" if lang == "ko" else "en") / "errata" / "index.html"
    anchors = set(re.findall(r'id="(note-\d{3})"', errata.read_text(encoding="utf-8")))
    for target in re.findall(r'href="[^"]*errata/#(note-\d{3})"', line[1]):
        assert target in anchors, f"{url}: links {target}, which the errata page lacks"
    assert re.search(r'href="[^"]*errata/"', line[1]), f"{url}: no link to the errata page"
