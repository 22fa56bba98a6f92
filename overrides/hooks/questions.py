"""Questions: a stable anchor for every Q&A block, and the index of them all.

- Each ``??? question "…"`` block gets a stable anchor (``q-`` + the slug of its
  title), so it can be linked; a small script opens a question reached by its
  link (``assets/javascripts/open-question.js``).
- ``<!-- questions -->`` on a page becomes the list of every question of the
  same language, grouped by page in navigation order, each linking to its block.

The question ids are computed from the Markdown sources on both ends (the block
and the index), with :func:`question_ids`, so the links cannot drift.
"""

from __future__ import annotations

import re

from pagekit import build_language, text_lines

QA_TITLE = re.compile(r'^\s*\?{3}\+?\s+question\s+"(?P<title>[^"]*)"')
H1 = re.compile(r"^#\s+(?P<title>.+?)\s*$", re.M)


def _slugify():
    from pymdownx.slugs import slugify

    return slugify(case="lower")


def question_ids(markdown: str) -> list[tuple[str, str]]:
    """``[(title, anchor id)]`` of the page's question blocks, in order, ids unique."""
    slug, seen, out = _slugify(), set(), []
    for _, line in text_lines(markdown):
        if not (m := QA_TITLE.match(line)):
            continue
        plain = " ".join(re.sub(r"\$[^$]*\$", "", m["title"]).split())  # math slugs to noise
        base = "q-" + (slug(plain, "-").strip("-") or "question")
        anchor, n = base, 2
        while anchor in seen:
            anchor, n = f"{base}-{n}", n + 1
        seen.add(anchor)
        out.append((m["title"], anchor))
    return out


try:  # the functions above must import without MkDocs (the tests use them)
    from mkdocs.plugins import event_priority
    from mkdocs.utils import get_relative_url
except ImportError:  # pragma: no cover
    event_priority = None

if event_priority is not None:
    _order: list = []   # the current language's pages, in navigation order

    def on_nav(nav, config, files):
        _order[:] = [p for p in nav.pages if p.file.src_uri.endswith(".md")]
        return nav

    def on_page_markdown(markdown, page, config, files):
        if "<!-- questions -->" in markdown:
            markdown = markdown.replace("<!-- questions -->", _question_index(page, config))
        return markdown

    def _question_index(page, config) -> str:
        ko = build_language(config) == "ko"
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

    DETAILS = re.compile(r'<details class="question"(?P<open> open)?>')

    def on_page_content(html_text, page, config, files):
        ids = iter(question_ids(page.file.content_string))

        def anchor(m: re.Match) -> str:
            _, qid = next(ids, ("", ""))
            return f'<details class="question" id="{qid}"{m["open"] or ""}>' if qid else m[0]

        return DETAILS.sub(anchor, html_text)
