"""Formula ids: parse them from pages, link each formula to its code and back.

A display formula on a page is written in plain pymdownx syntax inside a
``md_in_html`` block that carries its stable id::

    <div class="formula" id="rnn.hidden" markdown>

    $$
    h_t = \\phi(W_{xh} x_t + W_{hh} h_{t-1} + b_h)
    $$

    </div>

``class="formula prose"`` marks a formula that only defines or explains and
has nothing to compute. At build time this hook adds a caption under each
formula (its id, and a link to the ``seqcore`` function that claims it via
``@implements``) and, on the API page, a link from each function back to the
pages that show its formulas. An id with no implementation is a warning, which
``mkdocs build --strict`` turns into a failed build.

A page can show how many formulas the site has: ``<!-- formulas: total -->``,
``<!-- formulas: computed -->`` and ``<!-- formulas: prose -->`` are replaced at
build time by the counts over the pages of the language being built (the home page
says so), so the number on a page can never fall behind the pages.

The parsing functions at the top are also what the tests use
(``tests/pages.py``) for the traceability and translation-parity checks, so
the build and the checks read pages the same way: through the one page scanner,
``pagekit.scan`` (``overrides/hooks/pagekit.py``).
"""

from __future__ import annotations

import html
import re
from dataclasses import dataclass

from pagekit import PLOT, build_language, scan

DIV_OPEN = re.compile(r"<div\b(?P<attrs>[^>]*)>")
ATTR = re.compile(r'(?P<name>[\w-]+)\s*=\s*"(?P<value>[^"]*)"')
SNIPPET = re.compile(r'^\s*-{2}8<-{2}\s+"(?P<path>[^"]+)"')
QA = re.compile(r"^\s*\?{3}\+?\s+question\b")
DISPLAY_MATH = re.compile(r"^\s*\$\$")


@dataclass(frozen=True)
class Formula:
    id: str
    prose: bool
    line: int


def _attrs(tag_attrs: str) -> dict[str, str]:
    return {m["name"]: m["value"] for m in ATTR.finditer(tag_attrs)}


def _formula_divs(line: str):
    """``(id, prose)`` for each ``<div class="formula…">`` opened on ``line``."""
    for d in DIV_OPEN.finditer(line):
        a = _attrs(d["attrs"])
        classes = a.get("class", "").split()
        if "formula" in classes:
            yield a.get("id", ""), "prose" in classes


def page_structure(markdown: str) -> list[tuple[str, str]]:
    """The ordered items two translations of a page must share.

    ``("formula", id)``, ``("prose", id)``, ``("snippet", path)``,
    ``("mermaid", "")``, ``("plot", name)`` and ``("qa", "")``, in page order.
    """
    items: list[tuple[str, str]] = []
    for _, line, kind, info in scan(markdown):
        if kind == "fence":
            if info.startswith("mermaid"):
                items.append(("mermaid", ""))
        elif (s := SNIPPET.match(line)):  # included in a fence or standing alone
            items.append(("snippet", s["path"]))
        elif kind == "text":
            if QA.match(line):
                items.append(("qa", ""))
            if (p := PLOT.match(line)):
                items.append(("plot", p["name"]))
            items.extend(("prose" if prose else "formula", fid)
                         for fid, prose in _formula_divs(line))
    return items


def formulas(markdown: str) -> list[Formula]:
    """Every formula block of a page, with its id and whether it is prose-only."""
    return [Formula(fid, prose, number)
            for number, line, kind, _ in scan(markdown) if kind == "text"
            for fid, prose in _formula_divs(line)]


COUNT_MARKER = re.compile(r"<!-- formulas: (?P<what>[\w-]+) -->")
COUNTS = ("total", "computed", "prose")


def formula_counts(pages: list[str]) -> dict[str, int]:
    """How many formula blocks the pages hold: all, computed by code, prose-only."""
    found = [f for markdown in pages for f in formulas(markdown)]
    prose = sum(f.prose for f in found)
    return {"total": len(found), "computed": len(found) - prose, "prose": prose}


def fill_counts(markdown: str, counts: dict[str, int]) -> tuple[str, list[str]]:
    """The page with each count marker replaced, and the names of unknown markers."""
    unknown = [m["what"] for m in COUNT_MARKER.finditer(markdown) if m["what"] not in counts]
    filled = COUNT_MARKER.sub(lambda m: str(counts.get(m["what"], m[0])), markdown)
    return filled, unknown


def stray_display_math(markdown: str) -> list[int]:
    """Line numbers of ``$$`` display math that is not inside a formula block.

    Each formula block must hold exactly one display formula; math outside any
    block would be a formula without an id.
    """
    stray: list[int] = []
    inside = False     # inside <div class="formula">…</div>
    in_math = False
    math_in_block = 0
    for number, line, kind, _ in scan(markdown):
        if kind != "text":
            continue
        if any(True for _ in _formula_divs(line)):
            inside, math_in_block = True, 0
        if DISPLAY_MATH.match(line):
            opens_and_closes = line.strip() != "$$" and line.strip().endswith("$$") \
                and len(line.strip()) > 4
            if not in_math:
                math_in_block += 1
                if not inside or math_in_block > 1:
                    stray.append(number)
                in_math = not opens_and_closes
            else:
                in_math = False
        if "</div>" in line and not in_math:
            inside = False
    return stray


# ---- the MkDocs hook ---------------------------------------------------------------------

try:  # the parsing above must import without MkDocs (the tests use it)
    from mkdocs.plugins import event_priority, get_plugin_logger
    from mkdocs.utils import get_relative_url
except ImportError:  # pragma: no cover
    event_priority = None

if event_priority is not None:
    log = get_plugin_logger("seqcore-formulas")
    _pages_of: dict[str, list[tuple[str, str]]] = {}   # formula id -> [(page url, title)]
    _counts: dict[str, int] = {}
    _api_url: dict[str, str] = {}   # module documented (``::: seqcore.rnn``) -> its API page
    API_DIRECTIVE = re.compile(r"^:::\s+(?P<module>[\w.]+)\s*$", re.M)

    def _is_api(src_uri: str) -> bool:
        """The API pages: ``api.<lang>.md`` and the pages under ``api/``."""
        return src_uri.split(".")[0] == "api" or src_uri.startswith("api/")

    def _api_page_of(qualname: str) -> str | None:
        """The URL of the API page that documents ``qualname`` (its longest module prefix)."""
        parts = qualname.split(".")
        for cut in range(len(parts), 0, -1):
            if ".".join(parts[:cut]) in _api_url:
                return _api_url[".".join(parts[:cut])]
        return None

    def _registry() -> dict[str, str]:
        import seqcore
        return seqcore.FORMULAS

    @event_priority(-120)  # after i18n: `files` is the language being built
    def on_files(files, config):
        _pages_of.clear()
        _api_url.clear()
        sources = []
        for file in files.documentation_pages():
            if not file.src_uri.endswith(".md"):
                continue
            if _is_api(file.src_uri):
                for m in API_DIRECTIVE.finditer(file.content_string):
                    _api_url[m["module"]] = file.url
            sources.append(file.content_string)
            for f in formulas(file.content_string):
                _pages_of.setdefault(f.id, []).append((file.url, file.src_uri))
        _counts.clear()
        _counts.update(formula_counts(sources))
        return files

    def on_page_markdown(markdown, page, config, files):
        if "<!-- formulas:" not in markdown:
            return markdown
        filled, unknown = fill_counts(markdown, _counts)
        for name in unknown:
            log.warning(f"{page.file.src_uri}: unknown count marker '<!-- formulas: {name} -->' "
                        f"(known: {', '.join(COUNTS)})")
        return filled

    def _caption(formula_id: str, prose: bool, page, config) -> str:
        ko = build_language(config) == "ko"
        anchor = f'<a class="formula-id" href="#{html.escape(formula_id)}">{formula_id}</a>'
        if prose:
            note = "설명용 수식 (계산할 것이 없음)" if ko else "prose only (nothing to compute)"
            return f'<div class="formula-caption">{anchor}<span>{note}</span></div>'
        qualname = _registry().get(formula_id)
        if qualname is None:
            log.warning(f"{page.file.src_uri}: formula '{formula_id}' has no seqcore "
                        "implementation (no function is decorated @implements"
                        f"('{formula_id}'))")
            return f'<div class="formula-caption">{anchor}</div>'
        label = "구현" if ko else "code"
        link = qualname
        if (api_url := _api_page_of(qualname)) is not None:
            href = get_relative_url(api_url, page.url) + "#" + qualname
            link = f'<a class="formula-code" href="{href}"><code>{qualname}</code></a>'
        return f'<div class="formula-caption">{anchor}<span>{label}: {link}</span></div>'

    FORMULA_BLOCK = re.compile(
        r'(?P<open><div\b(?P<attrs>[^>]*\bclass="formula(?: prose)?"[^>]*)>\s*'
        r'<div class="arithmatex">.*?</div>)', re.S)

    def on_page_content(html_text, page, config, files):
        def add_caption(m: re.Match) -> str:
            a = _attrs(m["attrs"])
            prose = "prose" in a.get("class", "").split()
            return m["open"] + _caption(a.get("id", ""), prose, page, config)

        html_text = FORMULA_BLOCK.sub(add_caption, html_text)
        if _is_api(page.file.src_uri):
            html_text = _backlinks(html_text, page, config)
        return html_text

    HEADING_WITH_ID = re.compile(r'<h[1-6][^>]*\bid="(?P<id>[^"]+)"[^>]*>.*?</h[1-6]>', re.S)

    def _backlinks(html_text: str, page, config) -> str:
        """After the heading of each function that computes a formula shown on a page,
        the links to where it is shown; one pass over the page's headings."""
        ko = build_language(config) == "ko"
        label = "이 함수가 계산하는 수식" if ko else "Formula computed here"
        notes: dict[str, list[str]] = {}            # heading id (qualname) -> its notes
        for formula_id, qualname in _registry().items():
            shown = _pages_of.get(formula_id, [])
            if not shown:
                continue
            links = ", ".join(
                f'<a href="{get_relative_url(url, page.url)}#{formula_id}"><code>{formula_id}'
                "</code></a>" for url, _ in shown)
            notes.setdefault(qualname, []).append(
                f'<p class="formula-backlinks">{label}: {links}</p>')

        def add(m: re.Match) -> str:
            return m[0] + "".join(notes.pop(m["id"], []))

        return HEADING_WITH_ID.sub(add, html_text)
