"""Sources lines a reader can understand: which of the author's notes, and what it is.

Each page ends with a line ``**출처**: `002_d0078795747a3463.txt` §…`` (``**Sources**:`` in
English) naming the seed files it was made from. The files are not published, so a file
name tells a reader nothing. At build time this hook

- replaces each file name in that line with the note's number and a short description
  (``노트 002(전처리·단어 표현·언어 모델, 강의 07 RNN)``) linking to the list of notes
  on the errata page, from ``docs/_data/notes.yml``;
- ends the line by saying the notes are not published and that the errata page records
  every place the page departs from them;
- replaces ``<!-- notes -->`` (on the errata page) with the list of the notes, each with
  its full description and an anchor ``note-000``….

The Markdown keeps the file names, which the errata records (``seed:``) use too. A file
name that ``notes.yml`` does not describe fails the build.
"""

from __future__ import annotations

import re
from pathlib import Path

SOURCES_LINE = re.compile(r"^\*\*(?:출처|Sources)\*\*:.*$", re.M)
SEED = re.compile(r"`(?P<file>(?P<number>\d{3})_[0-9a-f]{16}\.txt)`")
NOTES_MARKER = re.compile(r"^<!-- notes -->[ \t]*$", re.M)

WORDS = {
    "ko": {"note": "노트 {n}", "short": "({text})",
           "tail": (" — 원래 노트는 공개하지 않습니다. 노트와 달라진 곳(정정, 뺀 부분, "
                    "바꾼 그림)은 [정오표]({errata})에 모두 적었습니다."),
           "list": "- **노트 {n}**{{ #note-{n} }}: {text}"},
    "en": {"note": "note {n}", "short": " ({text})",
           "tail": (" — the notes themselves are not published; every place this page departs "
                    "from them (corrections, dropped passages, replaced images) is in the "
                    "[errata]({errata})."),
           "list": "- **Note {n}**{{ #note-{n} }}: {text}"},
}


def load_notes(path: Path) -> dict[str, dict]:
    """``{file name: {ko, en, short_ko, short_en}}`` from ``notes.yml``, validated."""
    import yaml

    data = yaml.safe_load(path.read_text(encoding="utf-8")) or []
    notes = {}
    for i, entry in enumerate(data):
        missing = [k for k in ("file", "ko", "en", "short_ko", "short_en")
                   if not isinstance(entry, dict) or not entry.get(k)]
        if missing:
            raise ValueError(f"{path.name} entry {i + 1}: missing {', '.join(missing)}")
        notes[entry["file"]] = entry
    return notes


def describe_sources(line: str, notes: dict[str, dict], lang: str, errata: str) -> str:
    """A Sources line with each seed file named as a note, and the closing remark."""
    words = WORDS[lang]

    def note(m: re.Match) -> str:
        entry = notes.get(m["file"])
        if entry is None:
            raise ValueError(f"the Sources line names {m['file']}, which docs/_data/notes.yml "
                             "does not describe")
        label = words["note"].format(n=m["number"])
        short = words["short"].format(text=entry[f"short_{lang}"])
        return f"[{label}]({errata}#note-{m['number']}){short}"

    described, count = SEED.subn(note, line)
    return described + words["tail"].format(errata=errata) if count else described


def notes_list(notes: dict[str, dict], lang: str) -> str:
    """The Markdown list of the notes, for the errata page."""
    return "\n".join(WORDS[lang]["list"].format(n=f[:3], text=e[lang])
                     for f, e in sorted(notes.items())) + "\n"


try:  # the functions above must import without MkDocs (the tests use them)
    from mkdocs.exceptions import PluginError
    from mkdocs.utils import get_relative_url
except ImportError:  # pragma: no cover
    PluginError = None

if PluginError is not None:

    def on_page_markdown(markdown, page, config, files):
        has_line, has_list = SOURCES_LINE.search(markdown), NOTES_MARKER.search(markdown)
        if not (has_line or has_list):
            return markdown
        lang = "en" if ".en." in page.file.src_uri else "ko"
        try:
            notes = load_notes(Path(config.docs_dir) / "_data" / "notes.yml")
            errata = get_relative_url(f"errata.{lang}.md", page.file.src_uri)
            markdown = SOURCES_LINE.sub(
                lambda m: describe_sources(m[0], notes, lang, errata), markdown)
        except (ValueError, OSError) as exc:
            raise PluginError(f"{page.file.src_uri}: {exc}") from exc
        return NOTES_MARKER.sub(lambda _: notes_list(notes, lang), markdown)
