"""The errata page: ``<!-- errata -->`` becomes the tables of ``docs/_data/errata/*.yml``.

One file per page of the source notes: corrections, dropped passages, replaced
images, each with the notes' words, the site's words in both languages and the page
that holds the corrected text (linked by its title in the page's language).
"""

from __future__ import annotations

import re
from pathlib import Path

from pagekit import build_language, read_yaml, table_cell

H1 = re.compile(r"^#\s+(?P<title>.+?)\s*$", re.M)
KINDS = ("correction", "dropped", "image")


def load_errata(folder: Path) -> list[dict]:
    """Every entry of ``folder/*.yml``, each with the file's page name, validated."""
    entries = []
    for path in sorted(folder.glob("*.yml")):
        data = read_yaml(path) or []
        if not isinstance(data, list):
            raise ValueError(f"{path.name}: expected a list of entries, got {type(data).__name__}")
        for i, entry in enumerate(data):
            where = f"{path.name} entry {i + 1}"
            if not isinstance(entry, dict):
                raise ValueError(f"{where}: expected a mapping, got {entry!r}")
            missing = [k for k in ("kind", "seed", "ko", "en") if not entry.get(k)]
            if missing:
                raise ValueError(f"{where}: missing {', '.join(missing)}")
            if entry["kind"] not in KINDS:
                raise ValueError(f"{where}: kind must be one of {KINDS}, got {entry['kind']!r}")
            entries.append({**entry, "file": path.stem})
    return entries


# In an erratum's own words (the ko/en columns), $…$ is math for KaTeX and `…` is code;
# everything else is prose, where TeX written bare (a^{(t-1)}_{forward}) must keep its
# underscores instead of turning into Markdown emphasis.
ERRATUM_KEPT = re.compile(r"(\$[^$\n]+\$|`[^`\n]+`)")
ERRATUM_ESCAPED = (("\\", "&#92;"), ("_", "&#95;"), ("*", "&#42;"), ("[", "&#91;"),
                   ("]", "&#93;"), ("!", "&#33;"), ("<", "&lt;"), (">", "&gt;"))


def erratum_text(text: str) -> str:
    """A table cell of an erratum: its math and code as written, the rest no Markdown."""
    parts = ERRATUM_KEPT.split(" ".join(str(text).split()))
    for i in range(0, len(parts), 2):          # even parts: prose between math and code
        for ch, entity in ERRATUM_ESCAPED:
            parts[i] = parts[i].replace(ch, entity)
    return "".join(parts).replace("|", "&#124;")


def page_title(markdown: str, fallback: str) -> str:
    """The page's title: its first level-1 heading, or ``fallback``."""
    m = H1.search(markdown)
    return m["title"] if m else fallback


try:  # the functions above must import without MkDocs (the tests use them)
    from mkdocs.exceptions import PluginError
    from mkdocs.utils import get_relative_url
except ImportError:  # pragma: no cover
    PluginError = None

if PluginError is not None:

    def on_page_markdown(markdown, page, config, files):
        if "<!-- errata -->" in markdown:
            markdown = markdown.replace("<!-- errata -->", _errata(page, config))
        return markdown

    def _errata(page, config) -> str:
        lang = build_language(config)
        folder = Path(config.docs_dir) / "_data" / "errata"
        try:
            entries = load_errata(folder)
        except (ValueError, OSError) as exc:
            raise PluginError(f"errata: {exc}") from exc
        titles = {
            "ko": {"correction": "정정", "dropped": "뺀 부분", "image": "바꾼 그림"},
            "en": {"correction": "Corrections", "dropped": "Dropped passages",
                   "image": "Replaced images"},
        }[lang]
        head = {"ko": "| 노트 | 위치 | 원문 | 바로잡은 내용 | 페이지 |",
                "en": "| Note | Where | Original | What the site says instead | Page |"}[lang]
        out = []
        for kind in KINDS:
            rows = [e for e in entries if e["kind"] == kind]
            out.append(f"\n## {titles[kind]} ({len(rows)})\n")
            if not rows:
                out.append("—")
                continue
            out += [head, "|---|---|---|---|---|"]
            for e in rows:
                # Link the page, not a heading: headings' anchors differ per language.
                target = (e.get("page") or "").split("#")[0]
                link = ""
                if target:
                    doc = target.replace(".md", f".{lang}.md")
                    title = _title_of(doc, e["file"], config)
                    link = f"[{table_cell(title)}]({get_relative_url(doc, page.file.src_uri)})"
                cells = [table_cell(e["seed"].split("_")[0]), _verbatim(e.get("where", "")),
                         _verbatim(e.get("original", "")), erratum_text(e[lang]), link]
                out.append("| " + " | ".join(cells) + " |")
        return "\n".join(out) + "\n"

    def _title_of(doc: str, fallback: str, config) -> str:
        """The title of ``doc`` (``rnn.ko.md``) in its language, as its heading gives it."""
        path = Path(config.docs_dir) / doc
        text = path.read_text(encoding="utf-8") if path.is_file() else ""
        return page_title(text, fallback)

    URL = re.compile(r"https?://\S+")

    def _verbatim(text: str) -> str:
        """The notes' own words, shown as written: no math, links or images made of them."""
        cell = table_cell(text)
        for ch, entity in (("$", "&#36;"), ("[", "&#91;"), ("]", "&#93;"), ("!", "&#33;"),
                           ("*", "&#42;"), ("_", "&#95;"), ("`", "&#96;")):
            cell = cell.replace(ch, entity)
        return URL.sub(lambda m: f"<code>{m[0]}</code>", cell)

