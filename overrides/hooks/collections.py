"""Pages that collect from all the others: every question, every erratum.

- Each ``??? question "…"`` block gets a stable anchor (``q-`` + the slug of its
  title), so it can be linked; a small script opens a question reached by its
  link (``assets/javascripts/open-question.js``).
- ``<!-- questions -->`` on a page becomes the list of every question of the
  same language, grouped by page in navigation order, each linking to its block.
- ``<!-- errata -->`` becomes the errata tables built from ``docs/_data/errata/*.yml``
  (one file per page: corrections, dropped passages, replaced images).
- ``<!-- glossary -->`` becomes the Korean–English glossary of ``docs/_data/glossary.yml``,
  each term linked to the first page (in reading order) that uses it. The same file
  drives the one-term-per-concept check (``tests/test_glossary.py``).

The question ids are computed from the Markdown sources on both ends (the block
and the index), with :func:`question_ids`, so the links cannot drift.
"""

from __future__ import annotations

import html
import re
from pathlib import Path

QA_TITLE = re.compile(r'^\s*\?{3}\+?\s+question\s+"(?P<title>[^"]*)"')
H1 = re.compile(r"^#\s+(?P<title>.+?)\s*$", re.M)
KINDS = ("correction", "dropped", "image")


def _slugify():
    from pymdownx.slugs import slugify

    return slugify(case="lower")


def question_ids(markdown: str) -> list[tuple[str, str]]:
    """``[(title, anchor id)]`` of the page's question blocks, in order, ids unique."""
    slug, seen, out = _slugify(), set(), []
    in_fence = False
    for line in markdown.splitlines():
        if line.lstrip().startswith(("```", "~~~")):
            in_fence = not in_fence
        if in_fence or not (m := QA_TITLE.match(line)):
            continue
        plain = " ".join(re.sub(r"\$[^$]*\$", "", m["title"]).split())  # math slugs to noise
        base = "q-" + (slug(plain, "-").strip("-") or "question")
        anchor, n = base, 2
        while anchor in seen:
            anchor, n = f"{base}-{n}", n + 1
        seen.add(anchor)
        out.append((m["title"], anchor))
    return out


def load_errata(folder: Path) -> list[dict]:
    """Every entry of ``folder/*.yml``, each with the file's page name, validated."""
    import yaml

    entries = []
    for path in sorted(folder.glob("*.yml")):
        data = yaml.safe_load(path.read_text(encoding="utf-8")) or []
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


def load_glossary(path: Path) -> list[dict]:
    """The glossary entries ``{ko, en, avoid: [...]}``, validated, in file order."""
    import yaml

    data = yaml.safe_load(path.read_text(encoding="utf-8")) or []
    if not isinstance(data, list):
        raise ValueError(f"{path.name}: expected a list of terms, got {type(data).__name__}")
    for i, entry in enumerate(data):
        if not isinstance(entry, dict) or not entry.get("ko") or not entry.get("en"):
            raise ValueError(f"{path.name} entry {i + 1}: needs 'ko' and 'en', got {entry!r}")
        avoid = entry.setdefault("avoid", [])
        if not isinstance(avoid, list) or not all(isinstance(a, str) for a in avoid):
            raise ValueError(f"{path.name} entry {i + 1} ({entry['ko']}): 'avoid' must be a "
                             f"list of strings, got {avoid!r}")
    return data


try:  # the functions above must import without MkDocs (the tests use them)
    from mkdocs.exceptions import PluginError
    from mkdocs.plugins import event_priority
    from mkdocs.utils import get_relative_url
except ImportError:  # pragma: no cover
    event_priority = None

if event_priority is not None:
    _order: list = []   # the current language's pages, in navigation order

    def _lang(config) -> str:
        i18n = config.plugins.get("i18n")
        return i18n.current_language if i18n is not None else "en"

    def on_nav(nav, config, files):
        _order[:] = [p for p in nav.pages if p.file.src_uri.endswith(".md")]
        return nav

    def on_page_markdown(markdown, page, config, files):
        if "<!-- questions -->" in markdown:
            markdown = markdown.replace("<!-- questions -->", _question_index(page, config))
        if "<!-- errata -->" in markdown:
            markdown = markdown.replace("<!-- errata -->", _errata(page, config, files))
        if "<!-- glossary -->" in markdown:
            markdown = markdown.replace("<!-- glossary -->", _glossary(page, config))
        return markdown

    def _glossary(page, config) -> str:
        lang = _lang(config)
        try:
            terms = load_glossary(Path(config.docs_dir) / "_data" / "glossary.yml")
        except (ValueError, OSError) as exc:
            raise PluginError(f"glossary: {exc}") from exc
        head = {"ko": "| 한국어 | English | 처음 나오는 곳 |",
                "en": "| Korean | English | First used in |"}[lang]
        rows = [head, "|---|---|---|"]
        for term in sorted(terms, key=lambda t: t["en"].lower()) if lang == "en" else terms:
            needle = term[lang] if lang == "ko" else term["en"].lower()
            first = ""
            for other in _order:
                text = other.file.content_string
                if other is not page and needle in (text if lang == "ko" else text.lower()):
                    title = m["title"] if (m := H1.search(text)) else other.file.src_uri
                    first = f"[{title}]({get_relative_url(other.file.src_uri, page.file.src_uri)})"
                    break
            rows.append(f"| {_cell(term['ko'])} | {_cell(term['en'])} | {first} |")
        return "\n".join(rows) + "\n"

    def _question_index(page, config) -> str:
        ko = _lang(config) == "ko"
        out = []
        for other in _order:
            qs = question_ids(other.file.content_string)
            if not qs or other is page:
                continue
            title = (m["title"] if (m := H1.search(other.file.content_string))
                     else other.file.src_uri)
            link = get_relative_url(other.file.src_uri, page.file.src_uri)
            out.append(f"\n## [{title}]({link})\n")
            out.extend(f"- [{q}]({link}#{anchor})" for q, anchor in qs)
        if not out:
            return "아직 질문이 없습니다." if ko else "No questions yet."
        return "\n".join(out) + "\n"

    def _errata(page, config, files) -> str:
        lang = _lang(config)
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
                    link = f"[{e['file']}]({get_relative_url(doc, page.file.src_uri)})"
                cells = [_cell(e["seed"].split("_")[0]), _verbatim(e.get("where", "")),
                         _verbatim(e.get("original", "")), _cell(e[lang]), link]
                out.append("| " + " | ".join(cells) + " |")
        return "\n".join(out) + "\n"

    def _cell(text: str) -> str:
        return html.escape(" ".join(str(text).split())).replace("|", "&#124;")

    URL = re.compile(r"https?://\S+")

    def _verbatim(text: str) -> str:
        """The notes' own words, shown as written: no math, links or images made of them."""
        cell = _cell(text)
        for ch, entity in (("$", "&#36;"), ("[", "&#91;"), ("]", "&#93;"), ("!", "&#33;"),
                           ("*", "&#42;"), ("_", "&#95;"), ("`", "&#96;")):
            cell = cell.replace(ch, entity)
        return URL.sub(lambda m: f"<code>{m[0]}</code>", cell)

    DETAILS = re.compile(r'<details class="question"(?P<open> open)?>')

    def on_page_content(html_text, page, config, files):
        ids = iter(question_ids(page.file.content_string))

        def anchor(m: re.Match) -> str:
            _, qid = next(ids, ("", ""))
            return f'<details class="question" id="{qid}"{m["open"] or ""}>' if qid else m[0]

        return DETAILS.sub(anchor, html_text)
