"""The whole book as one PDF per language, printed by the headless Chromium of the tests.

    .venv/bin/python .ci/pdf.py                       both languages, after a strict build
    .venv/bin/python .ci/pdf.py --no-build            from the site already in build/site
    .venv/bin/python .ci/pdf.py --lang en --pages rnn,attention     a sample

Writes build/pdf/seqcore-notes.<lang>.pdf. Not part of the site build: it takes a
minute or two and needs Chromium (Debian's `chromium`, as the browser tests do).

How: the home page, the chapters (in navigation order), the glossary and the errata
are taken from the built site and put one after another into a single print-friendly
page (each chapter starts a new sheet; ids are prefixed with the chapter's name so
anchors stay unique, and links between chapters become links inside the book). That
page is opened with the site's own stylesheets and scripts, so KaTeX draws the math
and Mermaid the diagrams exactly as on the site; every Q&A block is opened; then
Chromium prints it with print media (the site's print stylesheet applies) to A4,
with page numbers and an outline of the headings.
"""

from __future__ import annotations

import argparse
import functools
import html
import http.server
import os
import re
import subprocess
import sys
import threading
from pathlib import Path
from urllib.parse import urljoin

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

from tests.browser_kit import (  # noqa: E402  (the same Chromium set-up as the tests)
    ARGS,
    CHROMIUM,
    OPEN_SHADOW_ROOTS,
    RENDERED,
    QuietHandler,
)

SITE = ROOT / "build" / "site"
OUT = ROOT / "build" / "pdf"
APPENDICES = ("glossary", "errata")
ARTICLE = re.compile(r'(<article class="md-content__inner md-typeset">)(?P<body>.*?)(</article>)',
                     re.S)
ATTR_URL = re.compile(r'(?P<attr>\s(?:href|src))="(?P<url>[^"]*)"')
ID = re.compile(r'(\sid)="(?P<id>[^"]+)"')
SVG = re.compile(r"(<svg\b.*?</svg>)", re.S)
TITLE = {"ko": "seqcore notes — 시퀀스 모델 학습 노트", "en": "seqcore notes — sequence models"}
BOOK_CSS = """
<style>
  .book-chapter + .book-chapter { break-before: page; }
  .book-chapter h1 { break-after: avoid; }
  .md-typeset figure, .md-typeset .mermaid, .md-typeset table, .md-typeset pre,
  .md-typeset .formula { break-inside: avoid; }
  @media print { .md-content__button, .headerlink { display: none !important; } }
</style>
"""


def book_pages(config_file: Path = ROOT / "mkdocs.yml") -> list[str]:
    """The pages of the book, in order: the home page, every chapter, the appendices."""
    from mkdocs.config import load_config

    nav = load_config(str(config_file)).nav
    chapters = next(item for item in nav if isinstance(item, dict) and "장" in item)["장"]
    return ["index", *(p.removesuffix(".md") for p in chapters), *APPENDICES]


def page_url(lang: str, name: str) -> str:
    """``/rnn/`` or ``/en/rnn/``; the home page is ``/`` or ``/en/``."""
    prefix = "/" if lang == "ko" else "/en/"
    return prefix if name == "index" else f"{prefix}{name}/"


def chapter_html(site: Path, lang: str, name: str, names: list[str]) -> str:
    """One page's article, ids prefixed with ``name--``, links pointed into the book."""
    url = page_url(lang, name)
    text = (site / url.lstrip("/") / "index.html").read_text(encoding="utf-8")
    inside = {page_url(lang, n): n for n in names}
    # Plots keep their ids: they are unique already (overrides/hooks/plots.py scopes
    # them), and their paths refer to them in ways a rewrite could miss.
    parts = SVG.split(ARTICLE.search(text)["body"])
    return (f'<section class="book-chapter" id="{name}">'
            + "".join(part if part.startswith("<svg") else _scoped(part, name, url, inside)
                      for part in parts) + "</section>")


def _scoped(body: str, name: str, url: str, inside: dict[str, str]) -> str:
    body = ID.sub(lambda m: f'{m[1]}="{name}--{m["id"]}"', body)

    def relink(m: re.Match) -> str:
        target = m["url"]
        if target.startswith(("data:", "mailto:")) or re.match(r"^[a-z]+://", target):
            return m[0]
        if target.startswith("#"):
            return f'{m["attr"]}="#{name}--{target[1:]}"'
        absolute = urljoin(url, target)
        path, _, fragment = absolute.partition("#")
        if path in inside:                       # a link to another page of the book
            where = f"{inside[path]}--{fragment}" if fragment else inside[path]
            return f'{m["attr"]}="#{where}"'
        return f'{m["attr"]}="{absolute}"'       # anything else: from the site's root

    return ATTR_URL.sub(relink, body)


def book_html(site: Path, lang: str, names: list[str]) -> str:
    """The print page: a chapter page's head and scripts around every page of the book."""
    # A page one level below the language's root, as the book is (/book/, /en/book/),
    # so that its relative links to stylesheets and scripts hold; one that draws
    # diagrams, so that it loads Mermaid (main.html adds the loader only there).
    shells = [(site / page_url(lang, n).lstrip("/") / "index.html").read_text(encoding="utf-8")
              for n in [*names, "errata"] if n != "index"]
    template = next((s for s in shells if "mermaid-loader.js" in s), shells[-1])
    chapters = "\n".join(chapter_html(site, lang, n, names) for n in names)
    page = ARTICLE.sub(lambda m: m[1] + chapters + m[3], template, count=1)
    page = re.sub(r"<title>.*?</title>", f"<title>{html.escape(TITLE[lang])}</title>", page,
                  count=1, flags=re.S)
    return page.replace("</head>", BOOK_CSS + "</head>", 1)


def serve(site: Path) -> tuple[http.server.ThreadingHTTPServer, str]:
    handler = functools.partial(QuietHandler, directory=str(site))
    httpd = http.server.ThreadingHTTPServer(("127.0.0.1", 0), handler)
    threading.Thread(target=httpd.serve_forever, daemon=True).start()
    return httpd, f"http://127.0.0.1:{httpd.server_address[1]}"


FOOTER = ('<div style="font-size:8px;width:100%;text-align:center;color:#555">'
          '<span class="pageNumber"></span> / <span class="totalPages"></span></div>')


def print_book(site: Path, lang: str, names: list[str], out: Path, browser=None,
               timeout_ms: int = 120_000) -> Path:
    """Print ``names`` of language ``lang`` as one PDF at ``out``; return its path.

    ``browser`` is a Playwright Chromium already running (the tests' session one);
    without it, one is started for this book and closed after.
    """
    if browser is None:
        from playwright.sync_api import sync_playwright

        with sync_playwright() as p:
            own = p.chromium.launch(executable_path=CHROMIUM, args=ARGS, headless=True)
            try:
                return print_book(site, lang, names, out, own, timeout_ms)
            finally:
                own.close()

    book = book_html(site, lang, names)
    book_url = "/book/" if lang == "ko" else "/en/book/"
    httpd, base = serve(site)
    context = browser.new_context(viewport={"width": 1100, "height": 1400})
    try:
        context.add_init_script(OPEN_SHADOW_ROOTS)
        context.route(f"{base}{book_url}", lambda route: route.fulfill(
            status=200, content_type="text/html; charset=utf-8", body=book))
        context.route(re.compile(r"^https?://(?!127\.0\.0\.1)"), lambda r: r.abort())
        page = context.new_page()
        errors: list[str] = []
        page.on("pageerror", lambda exc: errors.append(str(exc)))
        page.goto(base + book_url, wait_until="networkidle", timeout=timeout_ms)
        page.wait_for_function(RENDERED, timeout=timeout_ms)
        page.evaluate("() => document.querySelectorAll('details').forEach(d => d.open = true)")
        page.emulate_media(media="print")
        if errors:
            raise RuntimeError(f"script errors while rendering the book: {errors}")
        out.parent.mkdir(parents=True, exist_ok=True)
        page.pdf(path=str(out), format="A4", print_background=True, outline=True, tagged=True,
                 display_header_footer=True, header_template="<div></div>",
                 footer_template=FOOTER,
                 margin={"top": "16mm", "bottom": "18mm", "left": "14mm", "right": "14mm"})
    finally:
        context.close()
        httpd.shutdown()
    return out


def build_site() -> None:
    env = {**os.environ, "NO_MKDOCS_2_WARNING": "1"}
    subprocess.run([sys.executable, "-m", "mkdocs", "build", "--strict", "--site-dir",
                    str(SITE)], cwd=ROOT, env=env, check=True)


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--lang", choices=("ko", "en"), action="append",
                        help="a language to print (default: both)")
    parser.add_argument("--pages", help="comma-separated page names (default: the whole book)")
    parser.add_argument("--no-build", action="store_true", help="use build/site as it is")
    parser.add_argument("--out", type=Path, default=OUT, help="folder for the PDFs")
    args = parser.parse_args(argv)
    if not args.no_build:
        build_site()
    names = args.pages.split(",") if args.pages else book_pages()
    for lang in args.lang or ["ko", "en"]:
        out = print_book(SITE, lang, names, args.out / f"seqcore-notes.{lang}.pdf")
        print(f"{out.relative_to(ROOT) if out.is_relative_to(ROOT) else out}: "
              f"{out.stat().st_size / 1e6:.2f} MB")
    return 0


if __name__ == "__main__":
    sys.exit(main())
