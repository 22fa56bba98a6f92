"""The API page links each entry to its source, served by the site, instead of inlining it.

mkdocstrings' ``show_source`` put a highlighted copy of every function under its entry:
1.17 MB of the API page's 1.95 MB, in each language. Instead this hook

1. writes one page per module of ``seqcore/`` under ``source/seqcore/<module>.py.html``
   (Pygments, every line numbered and anchored ``#L-<n>``), once for both languages,
   with an index at ``source/``: the code stays one click away, offline;
2. puts under each heading of the API page a link to the line where the object is
   defined (``Source: seqcore/rnn.py, line 40``);
3. draws the docstrings' math: seqcore writes its docstrings in NumPy style with
   reStructuredText math (``.. math::`` blocks and ``:math:`x``` roles), which the
   Markdown renderer shows as code. They become arithmatex blocks for KaTeX, as on
   every other page. Double backquotes (RST literals) in the type column lose their
   quotes.

The line numbers come from ``inspect`` on the imported package (the code being built),
the same files the served copies are made from.
"""

from __future__ import annotations

import functools
import html
import importlib
import inspect
import os
import re
from pathlib import Path

SOURCE_DIR = "source"
HEADING = re.compile(r'<h(?P<level>[1-6]) id="(?P<id>seqcore(?:\.\w+)*)" '
                     r'class="doc doc-heading">.*?</h(?P=level)>', re.S)
RST_BLOCK = re.compile(r'<p>\.\. math::</p>\s*<div class="highlight"><pre><span></span>'
                       r"<code>(?P<tex>.*?)</code></pre></div>", re.S)
RST_ROLE = re.compile(r":math:<code>(?P<tex>[^<]*)</code>")
RST_LITERAL = re.compile(r"<code>(?P<text>[^<]*``[^<]*)</code>")
# Whitespace-sensitive elements, kept as they are when the page is compacted.
VERBATIM = re.compile(r"(<(pre|textarea|script)\b.*?</\2>)", re.S)


@functools.cache
def where_defined(qualname: str) -> tuple[str, int] | None:
    """``("seqcore/rnn.py", first line)`` of an object of the package, or None.

    Kept per name for the life of the process: it reads the imported modules, which a
    process imports once (``mkdocs serve`` shows the lines of the code it started with).
    """
    parts = qualname.split(".")
    for cut in range(len(parts), 0, -1):
        try:
            obj = importlib.import_module(".".join(parts[:cut]))
        except ImportError:
            continue
        for name in parts[cut:]:
            obj = getattr(obj, name, None)
        if obj is None:
            return None
        if isinstance(obj, property):           # a property: where its getter is defined
            obj = obj.fget
        try:
            path = Path(inspect.getsourcefile(inspect.unwrap(obj)))
            line = 1 if inspect.ismodule(obj) else inspect.getsourcelines(inspect.unwrap(obj))[1]
        except (TypeError, OSError):
            return None
        package = Path(importlib.import_module(parts[0]).__file__).parent
        return f"{parts[0]}/{path.relative_to(package).as_posix()}", line
    return None


def source_url(relpath: str, line: int) -> str:
    """Where the served copy of ``relpath`` shows ``line``, from the site's root."""
    return f"{SOURCE_DIR}/{relpath}.html#L-{line}"


def draw_rst_math(text: str) -> str:
    """The docstrings' reStructuredText math as arithmatex markup, their literals unquoted."""
    text = RST_BLOCK.sub(lambda m: f'<div class="arithmatex">\\[{m["tex"].strip()}\\]</div>',
                         text)
    text = RST_ROLE.sub(lambda m: f'<span class="arithmatex">\\({m["tex"]}\\)</span>', text)
    return RST_LITERAL.sub(lambda m: f"<code>{m['text'].replace('``', '')}</code>", text)


def compact(text: str) -> str:
    """Runs of blanks between tags shortened to one newline, outside ``<pre>`` and scripts.

    mkdocstrings' templates indent every tag; on the API page that indentation was
    a fifth of the HTML. One newline renders exactly as the run it replaces.
    """
    parts = VERBATIM.split(text)
    # split() returns text, (whole match, tag name), text, …: compact only the text.
    out = []
    for i in range(0, len(parts), 3):
        out.append(re.sub(r">\s{2,}<", ">\n<", parts[i]))
        if i + 1 < len(parts):
            out.append(parts[i + 1])
    return "".join(out)


_PAGE = """<!doctype html>
<html lang="en"><head><meta charset="utf-8">
<meta name="viewport" content="width=device-width, initial-scale=1">
<title>{title} · {site}</title>
<style>
body {{ font: 15px/1.5 system-ui, sans-serif; margin: 0 auto; max-width: 62rem;
        padding: 0 1rem 3rem; color: #1f2328; background: #fff; }}
a {{ color: #2b4bb3; }}
nav {{ margin: 1rem 0; }}
h1 {{ font-size: 1.3rem; }}
pre {{ font: 13px/1.45 ui-monospace, "DejaVu Sans Mono", monospace; overflow-x: auto;
       padding: .6rem 0; }}
.linenos {{ color: #57606a; display: inline-block; min-width: 3.2em; padding-right: 1em;
            text-align: right; user-select: none; }}
pre a[href] {{ text-decoration: none; }}
pre a[id]:target + a {{ background: #fff1a8; }}
{css}
@media (prefers-color-scheme: dark) {{
  body {{ color: #e6edf3; background: #161b22; }}
  a {{ color: #8aabf0; }}
  .linenos {{ color: #9ba5b0; }}
  pre a[id]:target + a {{ background: #5c4a00; }}
  {dark}
}}
</style></head>
<body><nav>{nav}</nav><main><h1>{title}</h1>
{body}</main></body></html>
"""


@functools.cache
def _styles() -> tuple[str, str]:
    from pygments.formatters import HtmlFormatter

    light = HtmlFormatter(style="default").get_style_defs(".highlight")
    dark = HtmlFormatter(style="github-dark").get_style_defs(".highlight")
    return light, dark


def _nav(depth: int) -> str:
    up = "../" * depth
    return (f'<a href="{up}api/">API (한국어)</a> · <a href="{up}en/api/">API (English)</a> · '
            f'<a href="{up}{SOURCE_DIR}/">seqcore/</a>')


def source_page(path: Path, package: Path, site_name: str) -> str:
    """The page of one module of ``package``: its code highlighted, every line numbered."""
    from pygments import highlight
    from pygments.formatters import HtmlFormatter
    from pygments.lexers import PythonLexer

    light, dark = _styles()
    formatter = HtmlFormatter(linenos="inline", anchorlinenos=True, lineanchors="L",
                              wrapcode=True)
    rel = _rel(path, package)
    code = highlight(path.read_text(encoding="utf-8"), PythonLexer(stripnl=False), formatter)
    return _PAGE.format(title=rel, site=html.escape(site_name), css=light, dark=dark,
                        nav=_nav(rel.count("/") + 1), body=code)


def _rel(path: Path, package: Path) -> str:
    return f"{package.name}/{path.relative_to(package).as_posix()}"


def source_index(package: Path, site_name: str) -> str:
    """The page that lists the modules' pages."""
    rows = [f'<li><a href="{_rel(p, package)}.html">{_rel(p, package)}</a></li>'
            for p in sorted(package.rglob("*.py"))]
    return _PAGE.format(title=f"{package.name}/", site=html.escape(site_name), css="",
                        dark="", nav=_nav(1), body="<ul>\n" + "\n".join(rows) + "\n</ul>")


def source_pages(package: Path, site_name: str, cache: Path | None = None) -> dict[str, str]:
    """``{path under the site: html}``: each module of ``package``, numbered, and an index.

    With ``cache`` (a folder), each module's page is kept there under a hash of what
    makes it (the module, the site's name, this file, Pygments' version), so an edit of
    one module highlights that module again and no other.
    """
    import hashlib

    import pygments

    made_by = Path(__file__).read_bytes() + pygments.__version__.encode()
    pages = {}
    for path in sorted(package.rglob("*.py")):
        key = hashlib.sha256(b"\0".join([made_by, site_name.encode(),
                                         _rel(path, package).encode(), path.read_bytes()]))
        kept = cache / f"{key.hexdigest()[:24]}.html" if cache is not None else None
        if kept is not None and kept.is_file():
            page = kept.read_text(encoding="utf-8")
        else:
            page = source_page(path, package, site_name)
            if kept is not None:
                kept.parent.mkdir(parents=True, exist_ok=True)
                part = kept.with_suffix(f".{os.getpid()}.part")
                part.write_text(page, encoding="utf-8")
                part.replace(kept)
        pages[f"{SOURCE_DIR}/{_rel(path, package)}.html"] = page
    pages[f"{SOURCE_DIR}/index.html"] = source_index(package, site_name)
    return pages


try:  # the functions above must import without MkDocs (the tests use them)
    from mkdocs.utils import get_relative_url
except ImportError:  # pragma: no cover
    get_relative_url = None

if get_relative_url is not None:

    def _is_api(page) -> bool:
        """A page of the API reference: ``api/<part>.<lang>.md`` (the index has no entries)."""
        return page.file.src_uri.startswith("api/")

    def on_page_content(html_text, page, config, files):
        if not _is_api(page):
            return html_text
        ko = page.file.src_uri.endswith(".ko.md")

        def link(m: re.Match) -> str:
            found = where_defined(m["id"])
            if found is None:
                return m[0]
            relpath, line = found
            href = get_relative_url(source_url(relpath, line), page.url)
            words = f"소스: {relpath}, {line}행" if ko else f"Source: {relpath}, line {line}"
            return m[0] + f'<p class="doc-source-link"><a href="{href}">{words}</a></p>'

        return draw_rst_math(HEADING.sub(link, html_text))

    def on_post_page(output, page, config):
        return compact(output) if _is_api(page) else output

    def on_post_build(config):
        # Highlighting every module takes seconds: each module's page is kept under
        # build/.cache/source/, so the second language's build and every rebuild
        # highlight only the modules that changed.
        import seqcore

        root = Path(config.config_file_path).parent
        pages = source_pages(Path(seqcore.__file__).parent, config.site_name,
                             cache=root / "build" / ".cache" / "source")
        for rel, text in pages.items():
            (Path(config.site_dir) / rel).parent.mkdir(parents=True, exist_ok=True)
            (Path(config.site_dir) / rel).write_text(text, encoding="utf-8")
