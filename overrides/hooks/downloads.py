"""The code one click away, offline: each chapter's examples as a notebook, and seqcore itself.

- **A notebook per chapter.** A page that includes snippets (``--8<-- "name.pycon"``)
  gets ``<page>/<name>.ipynb``: a title cell in the page's language with the line that
  installs seqcore, then, under the heading of the section each snippet sits in, the
  snippet's code without prompts, as code cells, with the output the page shows (the
  doctest's expected output, which CI checks). A line under the page's title links it.
- **The notebook page** (``docs/notebooks/*.py``, jupytext percent format, built by
  mkdocs-jupyter) gets the same line, linking its source converted to ``.ipynb``.
- **The package.** A wheel of seqcore, built from this checkout by setuptools (the
  project's own build backend) in a second process while the pages build, is served at
  ``downloads/seqcore-<version>-py3-none-any.whl``; it is cached by the content of what
  goes into it, so a rebuild does not build it again. ``<!-- install -->`` on a page (a
  line of its own) becomes the one line that installs it, from ``site_url``.

Everything is written at build time; nothing is fetched when the site is read.
"""

from __future__ import annotations

import ast
import doctest
import hashlib
import json
import re
import shutil
import subprocess
import sys
from pathlib import Path

from pagekit import page_language, scan

SNIPPET = re.compile(r'^\s*-{2}8<-{2}\s+"(?P<name>[^"]+\.pycon)"')
HEADING = re.compile(r"^(?P<level>#{1,6})\s+(?P<text>.+?)\s*(?:\{[^}]*\})?\s*$")
TITLE = re.compile(r"^#\s+(?P<title>.+?)\s*$", re.M)
INSTALL = re.compile(r"^<!-- install -->[ \t]*$", re.M)
DOWNLOADS = "downloads"
WHEEL_INPUTS = ("pyproject.toml", "README.md", "LICENSE")  # and seqcore/ itself

WORDS = {
    "ko": {
        "intro": ("seqcore notes의 「[{title}]({url})」 장에 나오는 예제 {n}개를 페이지에 나오는 "
                  "순서대로 모은 노트북입니다. 코드와 출력은 페이지와 같고, 출력은 CI가 "
                  "doctest로 실행해 확인한 값입니다. 위에서부터 차례로 실행하세요."),
        "install": ("먼저 `seqcore`를 설치합니다. NumPy, SciPy 같은 의존 패키지는 pip이 "
                    "PyPI에서 받습니다."),
        "link": "이 장의 예제 {n}개를 주피터 노트북으로 내려받기",
        "notebook": "이 노트북을 내려받기",
        "served": ("사이트가 직접 제공하는 `seqcore` {version} 휠(wheel) 파일을 한 줄로 "
                   "설치합니다. 의존 패키지(NumPy, SciPy 등)는 pip이 PyPI에서 받습니다."),
        "file": ('휠 파일: <a href="{wheel_href}">{wheel}</a>. 내려받은 파일은 '
                 "<code>pip install ./{wheel}</code>로 설치합니다. 소스 코드는 "
                 '<a href="{source_href}">모듈별로 줄 번호를 붙여</a> 이 사이트에서도 볼 수 '
                 "있습니다."),
    },
    "en": {
        "intro": ("The {n} examples of the chapter “[{title}]({url})” of seqcore notes, in "
                  "the order the page shows them. The code and outputs are the page's; CI "
                  "ran them as doctests and checked the outputs. Run the cells from the top."),
        "install": ("First install `seqcore`. pip fetches its dependencies (NumPy, SciPy…) "
                    "from PyPI."),
        "link": "Download this chapter's {n} examples as a Jupyter notebook",
        "notebook": "Download this notebook",
        "served": ("Install `seqcore` {version} with one line, from the wheel this site "
                   "serves. pip fetches its dependencies (NumPy, SciPy…) from PyPI."),
        "file": ('The wheel: <a href="{wheel_href}">{wheel}</a>. Once downloaded, '
                 "<code>pip install ./{wheel}</code> installs it. The source code is on this "
                 'site too, <a href="{source_href}">module by module with line numbers</a>.'),
    },
}


# ---- notebooks from snippets ---------------------------------------------------------------

def snippet_sections(markdown: str) -> list[tuple[str | None, str]]:
    """``[(heading of the section, snippet file name)]`` in page order.

    Headings are read outside code fences; snippet lines are found inside them too
    (they sit in a ```` ```pycon ```` fence). The page title (``#``) is no section.
    """
    out, heading = [], None
    for _, line, kind, _ in scan(markdown):
        if m := SNIPPET.match(line):
            out.append((heading, m["name"]))
        elif kind == "text" and (h := HEADING.match(line)) and len(h["level"]) > 1:
            heading = h["text"]
    return out


def code_cells(pycon: str) -> list[tuple[str, str, str]]:
    """``[(code, output, kind)]``: the examples, one cell per output shown.

    Consecutive examples that print nothing join the next one that does, so each cell
    ends where the page shows an output. ``kind`` is ``"value"`` for the value of a
    final expression (Jupyter's result), ``"stream"`` for printed text, ``"error"``
    for an exception the example raises on purpose (doctest's traceback), ``""`` when
    the cell shows nothing.
    """
    cells, source = [], []
    for ex in doctest.DocTestParser().get_examples(pycon):
        source.append(ex.source)
        if ex.want:
            kind = "error" if ex.exc_msg is not None else (
                "value" if _is_value(ex.source) else "stream")
            cells.append(("".join(source).rstrip("\n"), ex.want, kind))
            source = []
    if source:
        cells.append(("".join(source).rstrip("\n"), "", ""))
    return cells


def _is_value(source: str) -> bool:
    """True when the example is an expression other than a call to print()."""
    try:
        body = ast.parse(source).body
    except SyntaxError:
        return False
    if len(body) != 1 or not isinstance(body[0], ast.Expr):
        return False
    call = body[0].value
    return not (isinstance(call, ast.Call) and getattr(call.func, "id", "") == "print")


def _outputs(want: str, kind: str, count: int) -> list[dict]:
    if kind == "value":
        return [{"output_type": "execute_result", "execution_count": count, "metadata": {},
                 "data": {"text/plain": want.rstrip("\n")}}]
    if kind == "stream":
        return [{"output_type": "stream", "name": "stdout", "text": want}]
    if kind == "error":       # the last line of doctest's traceback: "Name: message"
        lines = want.rstrip("\n").splitlines()
        at = next(i for i, ln in enumerate(lines) if ln and not ln[0].isspace()
                  and not ln.startswith(("Traceback", "...")))
        ename, _, evalue = "\n".join(lines[at:]).partition(":")
        return [{"output_type": "error", "ename": ename, "evalue": evalue.strip(),
                 "traceback": lines}]
    return []


def chapter_notebook(title: str, url: str, lang: str, sections, snippets: Path,
                     install: str) -> dict:
    """The notebook (nbformat 4.5, as a dict) of one page's snippets.

    Written as plain dicts: nbformat's cell constructors validate every cell against
    the schema, a second per language; the tests validate the whole notebook instead.
    """
    words = WORDS[lang]
    cells = [_markdown(
        f"# {title}\n\n" + words["intro"].format(title=title, url=url, n=len(sections))
        + f"\n\n{words['install']}\n\n```bash\n{install}\n```")]
    shown, count = None, 0
    for heading, name in sections:
        if heading and heading != shown:
            cells.append(_markdown(f"## {heading}"))
            shown = heading
        for code, want, kind in code_cells((snippets / name).read_text(encoding="utf-8")):
            count += 1
            # nbclient (and a "run all" that honours the tag) goes on past an error
            tags = {"tags": ["raises-exception"]} if kind == "error" else {}
            cells.append({"cell_type": "code", "execution_count": count, "metadata": tags,
                          "outputs": _outputs(want, kind, count), "source": code})
    for i, cell in enumerate(cells, start=1):
        cell["id"] = f"cell-{i}"
    return {"cells": cells, "nbformat": 4, "nbformat_minor": 5, "metadata": {
        "kernelspec": {"name": "python3", "display_name": "Python 3", "language": "python"},
        "language_info": {"name": "python"}}}


def _markdown(text: str) -> dict:
    return {"cell_type": "markdown", "metadata": {}, "source": text}


def script_notebook(path: Path) -> dict:
    """A jupytext percent-format script (the notebook page's source) as a notebook."""
    import jupytext

    notebook = jupytext.read(path)
    notebook.metadata.pop("jupytext", None)
    notebook.metadata["kernelspec"] = {"name": "python3", "display_name": "Python 3",
                                       "language": "python"}
    return notebook


def as_json(notebook: dict) -> str:
    """The notebook as a file (tests/site/test_downloads.py validates it against nbformat's schema;
    validating here too would cost the build a second per language)."""
    return json.dumps(notebook, indent=1, sort_keys=True, ensure_ascii=False) + "\n"


# ---- the wheel -----------------------------------------------------------------------------

def wheel_key(root: Path) -> str:
    """A hash of everything the wheel is made of: the package's files and its metadata."""
    digest = hashlib.sha256()
    files = sorted((root / "seqcore").rglob("*.py")) + [root / n for n in WHEEL_INPUTS]
    for path in files:
        if path.is_file():
            digest.update(path.relative_to(root).as_posix().encode() + b"\0")
            digest.update(path.read_bytes() + b"\0")
    return digest.hexdigest()[:16]


BACKEND = "setuptools.build_meta"   # pyproject.toml's build-backend (a test keeps them equal)
BUILD_WHEEL = (f"import importlib, sys; "
               f"importlib.import_module({BACKEND!r}).build_wheel(sys.argv[1])")


def start_wheel(root: Path, cache: Path) -> subprocess.Popen | None:
    """Build the wheel into ``cache`` in a second process, unless it is there already.

    setuptools builds from a copy of the package and its metadata, so the checkout
    gets no ``build/lib`` or ``*.egg-info`` of its own.
    """
    if list(cache.glob("seqcore-*.whl")):
        return None
    work = cache.with_name(cache.name + ".src")
    shutil.rmtree(work, ignore_errors=True)
    shutil.copytree(root / "seqcore", work / "seqcore",
                    ignore=shutil.ignore_patterns("__pycache__", "*.pyc"))
    for name in WHEEL_INPUTS:
        if (root / name).is_file():
            shutil.copy2(root / name, work / name)
    # The build backend's PEP 517 hook, called as pip would call it: pip itself (its
    # imports and a process per hook) cost twice the build.
    return subprocess.Popen([sys.executable, "-c", BUILD_WHEEL, str(cache)], cwd=work,
                            stdout=subprocess.PIPE, stderr=subprocess.STDOUT, text=True)


def finish_wheel(process: subprocess.Popen | None, cache: Path) -> Path:
    """Wait for the build and return the wheel; a failed build names pip's output."""
    if process is not None:
        output, _ = process.communicate()
        shutil.rmtree(cache.with_name(cache.name + ".src"), ignore_errors=True)
        if process.returncode != 0:
            raise RuntimeError(f"building the seqcore wheel failed:\n{output[-3000:]}")
    wheels = sorted(cache.glob("seqcore-*.whl"))
    if len(wheels) != 1:
        raise RuntimeError(f"expected one seqcore wheel in {cache}, found {wheels}")
    return wheels[0]


VERSION = re.compile(r'^__version__ = "(?P<version>[^"]+)"$', re.M)


def package_version(root: Path) -> str:
    """``seqcore.__version__``, read from ``seqcore/__init__.py``: the one place the version
    is written (pyproject.toml takes it from there, ``dynamic = ["version"]``)."""
    m = VERSION.search((root / "seqcore" / "__init__.py").read_text(encoding="utf-8"))
    if m is None:
        raise ValueError(f"{root / 'seqcore' / '__init__.py'}: no __version__ = \"…\" line")
    return m["version"]


def wheel_name(root: Path) -> str:
    """The wheel's file name, from the package's version (known before it is built)."""
    return f"seqcore-{package_version(root)}-py3-none-any.whl"


def install_block(site_url: str, root: Path, lang: str, page_url: str) -> str:
    """The Markdown that replaces ``<!-- install -->``: the command and the file itself."""
    from mkdocs.utils import get_relative_url

    wheel = wheel_name(root)
    version = wheel.split("-")[1]
    words = WORDS[lang]
    return (f"{words['served'].format(version=version)}\n\n"
            f"```bash\npip install {site_url}{DOWNLOADS}/{wheel}\n```\n\n"
            + "<p>" + words["file"].format(
                wheel=wheel,
                wheel_href=get_relative_url(f"{DOWNLOADS}/{wheel}", page_url),
                source_href=get_relative_url("source/index.html", page_url)) + "</p>\n")


# ---- MkDocs events -------------------------------------------------------------------------

try:  # the functions above must import without MkDocs (the tests use them)
    from mkdocs.exceptions import PluginError
    from mkdocs.utils import get_relative_url
except ImportError:  # pragma: no cover
    PluginError = None

if PluginError is not None:
    _written: dict[str, str] = {}    # site-relative path -> notebook JSON
    _links: dict[str, str] = {}      # page src_uri -> the download line (HTML)
    _wheel: dict[str, object] = {}   # "process", "key"

    def _root(config) -> Path:
        return Path(config.config_file_path).parent

    def _site_url(config) -> str:
        return (config.site_url or "http://127.0.0.1:8000/").rstrip("/") + "/"

    def _cache(config) -> Path:
        return _root(config) / "build" / ".cache" / "wheel" / wheel_key(_root(config))

    def on_pre_build(config):
        # once for both languages: the English build runs inside the Korean one
        if "process" not in _wheel:
            cache = _cache(config)
            cache.mkdir(parents=True, exist_ok=True)
            _wheel["process"], _wheel["cache"] = start_wheel(_root(config), cache), cache

    def on_page_markdown(markdown, page, config, files):
        lang, root = page_language(page), _root(config)
        if INSTALL.search(markdown):
            block = install_block(_site_url(config), root, lang, page.url)
            markdown = INSTALL.sub(lambda _: block, markdown)
        sections = snippet_sections(markdown)
        if not sections:
            return markdown
        title = m["title"] if (m := TITLE.search(markdown)) else page.file.src_uri
        install = f"pip install {_site_url(config)}{DOWNLOADS}/{wheel_name(root)}"
        try:
            notebook = chapter_notebook(title, _site_url(config) + page.url, lang, sections,
                                        root / "snippets", install)
            text = as_json(notebook)
        except Exception as exc:  # name the page, then stop the build
            raise PluginError(f"{page.file.src_uri}: its notebook: {exc!r}") from exc
        _add(page, text, WORDS[lang]["link"].format(n=len(sections)))
        return markdown

    def _add(page, text: str, words: str) -> None:
        slug = page.url.rstrip("/").rsplit("/", 1)[-1] or "index"
        target = f"{page.url}{slug}.ipynb"
        _written[target] = text
        href = get_relative_url(target, page.url)
        _links[page.file.src_uri] = (
            f'<p class="page-downloads" data-search-exclude><a href="{href}" download>'
            f"{words} ({slug}.ipynb)</a></p>")

    def on_page_content(html_text, page, config, files):
        if page.file.src_uri.endswith(".py"):      # a notebook page (mkdocs-jupyter)
            notebook = script_notebook(Path(page.file.abs_src_path))
            _add(page, as_json(notebook), WORDS[page_language(page)]["notebook"])
        line = _links.get(page.file.src_uri)
        if line is None:
            return html_text
        head = re.search(r"</h1>", html_text)
        at = head.end() if head else 0
        return html_text[:at] + line + html_text[at:]

    def on_post_build(config):
        site = Path(config.site_dir)
        for rel, text in _written.items():
            target = site / rel
            target.parent.mkdir(parents=True, exist_ok=True)
            target.write_text(text, encoding="utf-8")
        if "process" in _wheel:
            wheel = finish_wheel(_wheel.pop("process"), _wheel["cache"])
            (site / DOWNLOADS).mkdir(parents=True, exist_ok=True)
            shutil.copy2(wheel, site / DOWNLOADS / wheel.name)
