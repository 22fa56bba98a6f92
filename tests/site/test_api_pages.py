"""The API reference: light pages, each entry linked to its line in a served copy of the source.

mkdocstrings used to inline the source of every function (1.17 MB of a 1.95 MB page);
now each entry links to ``source/seqcore/<module>.py.html#L-<line>``
(overrides/hooks/api_source.py). These tests hold every API page under 400 kB, check
that each link lands on the line where the object is defined (read from the source
file itself, not from the hook), that every public module is documented on exactly one
page and listed on the index, and that the docstrings' math is handed to KaTeX.
"""

from __future__ import annotations

import html
import re
from pathlib import Path

import pytest

import seqcore
from tests.conftest import DOCS, ROOT
from tests.pages import load_hook

api_hook = load_hook("api_source")
LIMIT = 400_000
ENTRY = re.compile(r'<h[2-6] id="(?P<id>seqcore(?:\.\w+)*)" class="doc doc-heading">.*?</h[2-6]>'
                   r'<p class="doc-source-link"><a href="(?P<href>[^"]+)">', re.S)
HEADING = re.compile(r'<h[2-6] id="(?P<id>seqcore(?:\.\w+)*)" class="doc doc-heading">')
DIRECTIVE = re.compile(r"^:::\s+(seqcore\.\w+)\s*$", re.M)


def api_pages(site: Path, lang: str) -> list[Path]:
    prefix = site if lang == "ko" else site / "en"
    return sorted((prefix / "api").glob("*/index.html"))


def defines(source_line: str, name: str, following: list[str]) -> bool:
    """Whether a source line starts the definition of ``name`` (decorators first).

    A decorator may span lines; the first ``def``/``class`` after it must be ``name``.
    """
    definition = re.compile(r"\s*(?:async\s+)?(?:def|class)\s+(\w+)")
    if not source_line.lstrip().startswith("@"):
        m = definition.match(source_line)
        return bool(m) and m[1] == name
    for line in following:
        if m := definition.match(line):
            return m[1] == name
    return False


def landing_line(site: Path, page: Path, href: str) -> tuple[Path, int]:
    target, _, anchor = href.partition("#")
    path = (page.parent / target).resolve()
    assert path.is_relative_to(site.resolve()) and path.is_file(), f"{href}: no such file"
    assert re.fullmatch(r"L-\d+", anchor), f"{href}: not a line anchor"
    assert f'id="{anchor}"' in path.read_text(encoding="utf-8"), f"{href}: no such line"
    return path, int(anchor[2:])


@pytest.mark.site
@pytest.mark.parametrize("lang", ["ko", "en"])
def test_every_api_page_is_under_400_kb(built_site, lang):
    pages = api_pages(built_site, lang)
    assert len(pages) >= 5, f"{lang}: the API pages are missing"
    sizes = {p.parent.name: p.stat().st_size for p in pages}
    heavy = {k: v for k, v in sizes.items() if v >= LIMIT}
    assert not heavy, f"{lang}: API pages of 400 kB or more: {heavy} (all: {sizes})"
    for page in pages:
        assert "mkdocstrings-source" not in page.read_text(encoding="utf-8"), \
            f"{page}: source listings are inlined again (show_source)"


@pytest.mark.site
@pytest.mark.parametrize("lang", ["ko", "en"])
def test_each_entry_links_to_the_line_that_defines_it(built_site, lang):
    checked = 0
    for page in api_pages(built_site, lang):
        text = page.read_text(encoding="utf-8")
        headings = HEADING.findall(text)
        linked = ENTRY.findall(text)
        assert [i for i, _ in linked] == headings, \
            f"{page}: entries without a source link: {set(headings) - {i for i, _ in linked}}"
        for qualname, href in linked:
            path, line = landing_line(built_site, page, html.unescape(href))
            module = qualname.split(".")[1]
            source = ROOT / "seqcore" / path.name.removesuffix(".html")
            assert path.name == f"{source.name}.html" and source.is_file(), (qualname, href)
            lines = source.read_text(encoding="utf-8").splitlines()
            name = qualname.rsplit(".", 1)[-1]
            if qualname.count(".") == 1:       # a module: its page opens at the top
                assert line == 1 and name == module, (qualname, href)
            else:
                # decorators may take several lines (a function's declared domains)
                assert defines(lines[line - 1], name, lines[line:line + 12]), \
                    f"{qualname}: {href} points at {lines[line - 1]!r}"
            checked += 1
    assert checked >= 100, f"only {checked} entries checked"


def test_the_line_check_sees_a_wrong_line():
    lines = ["@implements('x',", "            'y')", "def rnn_step(x):", "    return x",
             "def other():"]
    assert defines(lines[0], "rnn_step", lines[1:])
    assert defines(lines[2], "rnn_step", lines[3:])
    assert not defines(lines[4], "rnn_step", [])
    assert not defines(lines[3], "rnn_step", lines[4:])
    assert not defines("@property", "rnn_step", ["def other(self):"])


@pytest.mark.site
def test_the_served_sources_are_the_package_files(built_site):
    for source in sorted((ROOT / "seqcore").glob("*.py")):
        served = built_site / "source" / "seqcore" / f"{source.name}.html"
        assert served.is_file(), f"{source.name} is not served"
        text = html.unescape(re.sub(r"<[^>]+>", "", served.read_text(encoding="utf-8")))
        count = len(source.read_text(encoding="utf-8").splitlines())
        assert f'id="L-{count}"' in served.read_text(encoding="utf-8"), source.name
        for line in source.read_text(encoding="utf-8").splitlines()[:40:7]:
            assert line.strip() in text, f"{source.name}: {line!r} is not in the served copy"


def test_every_public_module_is_on_one_api_page_and_in_the_index():
    documented: dict[str, list[str]] = {}
    for page in sorted((DOCS / "api").glob("*.en.md")):
        for module in DIRECTIVE.findall(page.read_text(encoding="utf-8")):
            documented.setdefault(module, []).append(page.name)
    twice = {m: p for m, p in documented.items() if len(p) > 1}
    assert not twice, f"modules documented on more than one API page: {twice}"
    public = {f"seqcore.{f.stem}" for f in (ROOT / "seqcore").glob("*.py")
              if not f.stem.startswith("_")}
    assert public <= set(documented), f"modules on no API page: {public - set(documented)}"
    for lang in ("ko", "en"):
        index = (DOCS / f"api.{lang}.md").read_text(encoding="utf-8")
        missing = [m for m in documented if f"`{m}`" not in index]
        assert not missing, f"api.{lang}.md does not list {missing}"


def test_docstring_math_becomes_katex_markup():
    text = ('<p>.. math::</p>\n<div class="highlight"><pre><span></span><code>h_t = W x_t'
            '\n</code></pre></div><p>The input :math:<code>x_t</code>.</p>'
            "<code>array, shape ``(T,)``</code>")
    drawn = api_hook.draw_rst_math(text)
    assert '<div class="arithmatex">\\[h_t = W x_t\\]</div>' in drawn
    assert '<span class="arithmatex">\\(x_t\\)</span>' in drawn
    assert "<code>array, shape (T,)</code>" in drawn
    assert ".. math::" not in drawn and ":math:" not in drawn


@pytest.mark.site
def test_no_docstring_math_is_left_as_code(built_site):
    for lang in ("ko", "en"):
        for page in api_pages(built_site, lang):
            text = page.read_text(encoding="utf-8")
            assert ".. math::" not in text, f"{page}: an RST math block left as text"
            assert ":math:<code>" not in text, f"{page}: an RST math role left as code"
    assert seqcore.FORMULAS, "no formulas registered"


@pytest.mark.site
@pytest.mark.parametrize("lang", ["ko", "en"])
def test_each_function_links_back_to_every_formula_it_computes_in_order(built_site, lang):
    """Under each API entry, one note per formula the function computes that a page shows
    (``seqcore.FORMULAS``, read against the built pages), in the registry's order, each
    link landing on that formula."""
    prefix = built_site if lang == "ko" else built_site / "en"
    shown: dict[str, list[Path]] = {}
    for page in sorted(prefix.rglob("index.html")):
        if "/api/" in page.as_posix() or (lang == "ko" and "/en/" in page.as_posix()):
            continue
        for fid in re.findall(r'<div class="formula(?: prose)?" id="([^"]+)"',
                              page.read_text(encoding="utf-8")):
            shown.setdefault(fid, []).append(page)
    expected: dict[str, list[str]] = {}
    for fid, qualname in seqcore.FORMULAS.items():
        if fid in shown:
            expected.setdefault(qualname, []).append(fid)
    assert len(expected) > 50, "too few functions computing a shown formula: the reading broke"
    found: dict[str, list[str]] = {}
    for page in api_pages(built_site, lang):
        text = page.read_text(encoding="utf-8")
        for m in re.finditer(r'<h[2-6] id="(seqcore[\w.]*)" class="doc doc-heading">.*?</h[2-6]>'
                             r'(?P<notes>(?:<p class="[^"]*">.*?</p>)*)', text, re.S):
            notes = re.findall(r'<p class="formula-backlinks">(.*?)</p>', m["notes"], re.S)
            for note in notes:
                hrefs = re.findall(r'href="([^"]+)"', note)
                fids = {h.rpartition("#")[2] for h in hrefs}
                assert len(fids) == 1, f"{m[1]}: one note links two formulas: {note}"
                fid = fids.pop()
                for h in hrefs:       # each link lands on a page that shows the formula
                    target = (page.parent / h.partition("#")[0]).resolve() / "index.html"
                    assert target in {p.resolve() for p in shown.get(fid, [])}, (m[1], h)
                found.setdefault(m[1], []).append(fid)
    assert found == expected


def test_source_pages_from_the_cache_are_the_pages_made_afresh(tmp_path):
    package = Path(seqcore.__file__).parent
    fresh = api_hook.source_pages(package, "seqcore notes")
    assert api_hook.source_pages(package, "seqcore notes", cache=tmp_path) == fresh  # fills it
    assert len(list(tmp_path.glob("*.html"))) == len(fresh) - 1          # one per module
    assert api_hook.source_pages(package, "seqcore notes", cache=tmp_path) == fresh  # reads it
    assert api_hook.source_pages(package, "another name", cache=tmp_path) != fresh
