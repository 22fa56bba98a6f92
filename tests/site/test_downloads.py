"""The code one click away (overrides/hooks/downloads.py): notebooks per chapter, the wheel.

- every page that includes snippets offers ``<page>/<name>.ipynb``, linked under its
  title; the notebook is valid nbformat 4, its code cells are the snippets' code in page
  order without a prompt, its outputs are the ones the snippets show, its text is in
  the page's language; executed in order in a fresh interpreter, every cell prints
  what the notebook records;
- the notebook page offers its own source as ``.ipynb``;
- the wheel of seqcore is served under ``downloads/``, the home page and the API index
  give the one line that installs it from ``site_url``, and the wheel installs with
  ``pip install --no-deps`` into a throw-away virtual environment and imports from there.
"""

from __future__ import annotations

import doctest
import html
import json
import re
import subprocess
import sys
import sysconfig
import zipfile
from pathlib import Path

import pytest

from tests.conftest import DOCS, ROOT, SNIPPETS, page_urls, seqcore_files_run_by
from tests.pages import hook as formulas_hook
from tests.pages import load_hook

downloads = load_hook("downloads")
CHECKER = doctest.OutputChecker()
FLAGS = doctest.NORMALIZE_WHITESPACE | doctest.ELLIPSIS


def site_url() -> str:
    from mkdocs.config import load_config

    return load_config(str(ROOT / "mkdocs.yml")).site_url


def chapters_with_snippets() -> list[tuple[str, str, str, list[str]]]:
    """(lang, name, url, [snippet files]) for each page that includes snippets.

    Read with the formula hook's scanner (what the snippet check uses), not with the
    downloads hook's own parser, so that the two readings are compared.
    """
    out = []
    for lang, name, url in page_urls():
        source = DOCS / f"{name}.{lang}.md"
        if not source.is_file():
            continue
        files = [m["path"] for line in source.read_text(encoding="utf-8").splitlines()
                 if (m := formulas_hook.SNIPPET.match(line)) and m["path"].endswith(".pycon")]
        if files:
            out.append((lang, name, url, files))
    return out


CHAPTERS = chapters_with_snippets()


def notebook_of(site: Path, url: str) -> dict:
    slug = url.rstrip("/").rsplit("/", 1)[-1] or "index"
    path = site / url.strip("/") / f"{slug}.ipynb"
    assert path.is_file(), f"{url}: no notebook at {path.relative_to(site)}"
    return json.loads(path.read_text(encoding="utf-8"))


def test_there_are_chapters_with_snippets():
    assert len(CHAPTERS) >= 20, f"only {len(CHAPTERS)} pages include snippets"


@pytest.mark.site
@pytest.mark.parametrize(("lang", "name", "url", "files"), CHAPTERS,
                         ids=[f"{c[0]}:{c[1]}" for c in CHAPTERS])
def test_each_chapter_offers_its_snippets_as_a_notebook(built_site, lang, name, url, files):
    import nbformat

    raw = notebook_of(built_site, url)
    nbformat.validate(nbformat.from_dict(raw))          # raises on a schema violation
    page = (built_site / url.strip("/") / "index.html").read_text(encoding="utf-8")
    slug = url.rstrip("/").rsplit("/", 1)[-1]
    assert re.search(rf'class="page-downloads"[^>]*><a href="{slug}\.ipynb" download>', page), \
        f"{url}: no download line linking {slug}.ipynb"

    code = [c for c in raw["cells"] if c["cell_type"] == "code"]
    expected = [ex for f in files
                for ex in doctest.DocTestParser().get_examples(
                    (SNIPPETS / f).read_text(encoding="utf-8"))]
    assert "".join("".join(c["source"]) + "\n" for c in code).split() == \
        "".join(ex.source for ex in expected).split(), \
        f"{url}: the code cells are not the snippets' code in page order"
    assert not any(">>>" in "".join(c["source"]) for c in code), "a prompt in a code cell"
    shown = [_output_text(c) for c in code if c["outputs"]]
    assert shown == [ex.want for ex in expected if ex.want], \
        f"{url}: the outputs are not the ones the snippets show"

    intro = "".join(raw["cells"][0]["source"])
    hangul = re.search(r"[가-힣]", intro)
    assert bool(hangul) == (lang == "ko"), f"{url}: the notebook's text is not in {lang}"
    assert f"pip install {site_url()}downloads/seqcore-" in intro


def _output_text(cell: dict) -> str:
    """What the cell shows, as the snippet shows it (an error: doctest's traceback)."""
    out = cell["outputs"][0]
    text = {"stream": lambda: out["text"], "execute_result": lambda: out["data"]["text/plain"],
            "error": lambda: "\n".join(out["traceback"])}[out["output_type"]]()
    text = "".join(text)
    return text if text.endswith("\n") else text + "\n"


def _recorded(cell: dict) -> str:
    """What running the cell must print: its output, or for an error "Name: message"."""
    if not cell["outputs"]:
        return ""
    out = cell["outputs"][0]
    if out["output_type"] == "error":
        return f"{out['ename']}: {out['evalue']}\n"
    return _output_text(cell)


# Runs each notebook's code cells in order in one fresh namespace, as a kernel would,
# and prints, per cell, what it wrote and the repr of a final expression's value.
RUNNER = r"""
import ast, contextlib, io, json, sys, traceback
cells = json.load(sys.stdin)
results = []
for notebook in cells:
    namespace, outs = {"__name__": "__main__"}, []
    for source in notebook:
        tree = ast.parse(source)
        last = tree.body[-1] if tree.body and isinstance(tree.body[-1], ast.Expr) else None
        if last is not None:
            tree.body.pop()
        buf = io.StringIO()
        with contextlib.redirect_stdout(buf):
            try:
                exec(compile(tree, "<cell>", "exec"), namespace)
                if last is not None:
                    value = eval(compile(ast.Expression(last.value), "<cell>", "eval"),
                                 namespace)
                    if value is not None:
                        print(repr(value))
            except Exception as exc:   # a cell that raises on purpose: doctest's last line
                print(traceback.format_exception_only(type(exc), exc)[-1], end="")
        outs.append(buf.getvalue())
    results.append(outs)
json.dump(results, sys.stdout)
"""


def run_cells(notebooks: list[list[str]]) -> list[list[str]]:
    proc = subprocess.run([sys.executable, "-c", RUNNER], input=json.dumps(notebooks),
                          capture_output=True, text=True, cwd=ROOT, timeout=600)
    assert proc.returncode == 0, f"a notebook cell raised:\n{proc.stderr[-4000:]}"
    return json.loads(proc.stdout)


def mismatches(notebook: dict, printed: list[str]) -> list[str]:
    """Cells whose run printed something other than the notebook records (doctest's rules)."""
    cells = [c for c in notebook["cells"] if c["cell_type"] == "code"]
    bad = []
    for cell, got in zip(cells, printed, strict=True):
        want = _recorded(cell)
        if cell["outputs"] and cell["outputs"][0]["output_type"] == "error" \
                and "raises-exception" not in cell["metadata"].get("tags", []):
            bad.append(f"{''.join(cell['source'])[:80]!r}: raises without its tag")
        if not CHECKER.check_output(want, got, FLAGS):
            bad.append(f"{''.join(cell['source'])[:80]!r}: recorded {want!r}, printed {got!r}")
    return bad


KOREAN_CHAPTERS = [(name, url) for lang, name, url, _ in CHAPTERS if lang == "ko"]


@pytest.fixture(scope="module")
def notebook_runs(request, built_site) -> dict[str, tuple[dict, list[str]]]:
    """``{chapter: (its Korean notebook, what each code cell printed)}``, for the chapters
    this session tests: their notebooks run one after another in one process."""
    test = "test_the_notebook_runs_and_prints_what_it_records"
    wanted = {item.callspec.params["name"] for item in request.session.items
              if getattr(item, "originalname", "") == test}
    chosen = [(name, url) for name, url in KOREAN_CHAPTERS if name in wanted]
    notebooks = [notebook_of(built_site, url) for _, url in chosen]
    printed = run_cells([["".join(c["source"]) for c in nb["cells"] if c["cell_type"] == "code"]
                         for nb in notebooks])
    return {name: (nb, out) for (name, _), nb, out in zip(chosen, notebooks, printed, strict=True)}


def _notebook_reads(name: str) -> pytest.MarkDecorator:
    """What a chapter's notebook is made of: its page, its snippets, the seqcore modules
    they import, the records and the hook (for the fast check, tests/conftest.py)."""
    snippets = [s for _, s in downloads.snippet_sections(
        (DOCS / f"{name}.ko.md").read_text(encoding="utf-8"))]
    code = "\n".join((SNIPPETS / s).read_text(encoding="utf-8") for s in snippets)
    return pytest.mark.reads(f"docs/{name}.", *(f"snippets/{s}" for s in snippets),
                             *seqcore_files_run_by(code), "docs/_data/",
                             "overrides/hooks/downloads.py", "tests/site/test_downloads.py")


@pytest.mark.site
@pytest.mark.parametrize("name", [pytest.param(name, id=name, marks=_notebook_reads(name))
                                  for name, _ in KOREAN_CHAPTERS])
def test_the_notebook_runs_and_prints_what_it_records(notebook_runs, built_site, name):
    notebook, printed = notebook_runs[name]
    english = notebook_of(built_site, f"/en/{name}/")       # the same code in English
    assert [c["source"] for c in english["cells"] if c["cell_type"] == "code"] == \
        [c["source"] for c in notebook["cells"] if c["cell_type"] == "code"], name
    bad = mismatches(notebook, printed)
    assert not bad, f"{name}: notebook cells print something else than they record: {bad}"


def test_a_notebook_that_records_a_wrong_output_is_caught():
    notebook = {"cells": [{"cell_type": "code", "source": ["x = 2\n", "x + 1"], "metadata": {},
                           "outputs": [{"output_type": "execute_result",
                                        "data": {"text/plain": "4"}}]}]}
    printed = run_cells([["x = 2\nx + 1"]])[0]
    assert printed == ["3\n"]
    assert mismatches(notebook, printed), "the check let a wrong recorded output pass"


def test_cells_end_where_an_output_is_shown():
    pycon = (">>> a = 1\n>>> b = 2\n>>> a + b\n3\n>>> for i in range(2):\n...     print(i)\n"
             "0\n1\n>>> c = 3\n")
    assert downloads.code_cells(pycon) == [
        ("a = 1\nb = 2\na + b", "3\n", "value"),
        ("for i in range(2):\n    print(i)", "0\n1\n", "stream"),
        ("c = 3", "", "")]
    raising = ">>> int('x')\nTraceback (most recent call last):\n    ...\nValueError: bad\n"
    assert downloads.code_cells(raising)[0][2] == "error"


@pytest.mark.site
@pytest.mark.parametrize("lang", ["ko", "en"])
def test_the_notebook_page_offers_its_ipynb(built_site, lang):
    import jupytext
    import nbformat

    source = DOCS / "notebooks" / f"rnn_hidden_units.{lang}.py"
    url = ("/" if lang == "ko" else "/en/") + "notebooks/rnn_hidden_units/"
    raw = notebook_of(built_site, url)
    nbformat.validate(nbformat.from_dict(raw))
    expected = jupytext.read(source)
    assert [c["source"] if isinstance(c["source"], str) else "".join(c["source"])
            for c in raw["cells"]] == [c.source for c in expected.cells]
    page = (built_site / url.strip("/") / "index.html").read_text(encoding="utf-8")
    assert 'href="rnn_hidden_units.ipynb" download' in page


def served_wheel(site: Path) -> Path:
    wheels = list((site / "downloads").glob("seqcore-*-py3-none-any.whl"))
    assert len(wheels) == 1, f"expected one wheel under downloads/, found {wheels}"
    return wheels[0]


@pytest.mark.site
def test_the_wheel_holds_the_package_and_its_version(built_site):
    import seqcore

    wheel = served_wheel(built_site)
    # setuptools names the wheel from pyproject's dynamic version: the package's own
    assert wheel.name == f"seqcore-{seqcore.__version__}-py3-none-any.whl"
    metadata = next(n for n in zipfile.ZipFile(wheel).namelist() if n.endswith("METADATA"))
    assert f"\nVersion: {seqcore.__version__}\n" in zipfile.ZipFile(wheel).read(metadata).decode()
    names = set(zipfile.ZipFile(wheel).namelist())
    modules = {f"seqcore/{p.name}" for p in (ROOT / "seqcore").glob("*.py")}
    assert modules <= names, f"modules missing from the wheel: {sorted(modules - names)}"
    for module in modules:            # built from this checkout, not from an older copy
        assert zipfile.ZipFile(wheel).read(module) == (ROOT / module).read_bytes(), module


def test_the_wheel_is_built_by_the_projects_own_backend():
    import tomllib

    project = tomllib.loads((ROOT / "pyproject.toml").read_text(encoding="utf-8"))
    assert downloads.BACKEND == project["build-system"]["build-backend"]


@pytest.mark.site
def test_the_wheels_metadata_lists_the_projects_dependencies(built_site):
    import tomllib

    project = tomllib.loads((ROOT / "pyproject.toml").read_text(encoding="utf-8"))["project"]
    wheel = zipfile.ZipFile(served_wheel(built_site))
    metadata = wheel.read(next(n for n in wheel.namelist() if n.endswith("METADATA"))).decode()
    required = {line.removeprefix("Requires-Dist: ").replace(" ", "")
                for line in metadata.splitlines() if line.startswith("Requires-Dist: ")}
    assert {d.replace(" ", "") for d in project["dependencies"]} <= required, metadata[:800]
    assert f"Requires-Python: {project['requires-python']}" in metadata


@pytest.mark.site
@pytest.mark.parametrize(("lang", "page"), [("ko", ""), ("en", "en/"), ("ko", "api/"),
                                            ("en", "en/api/")])
def test_the_install_line_names_the_served_wheel(built_site, lang, page):
    wheel = served_wheel(built_site)
    text = (built_site / page / "index.html").read_text(encoding="utf-8")
    shown = html.unescape(re.sub(r"<[^>]+>", "", text))      # the code block's text
    assert f"pip install {site_url()}downloads/{wheel.name}" in shown
    href = re.search(rf'href="([^"]*downloads/{re.escape(wheel.name)})"', text)
    assert href, f"/{page}: no link to the wheel itself"
    assert (built_site / page / href[1]).resolve() == wheel.resolve()


@pytest.mark.site
def test_the_wheel_installs_into_a_fresh_venv_and_imports(built_site, tmp_path):
    wheel = served_wheel(built_site)
    venv = tmp_path / "venv"
    subprocess.run([sys.executable, "-m", "venv", "--without-pip", str(venv)], check=True)
    python = venv / "bin" / "python"
    probe = ["-c", "import seqcore, numpy as np; print(seqcore.__file__); "
                   "print(seqcore.rnn_step(np.ones(2), np.zeros(3), np.ones((3, 2)), "
                   "np.zeros((3, 3)), np.zeros(3)).round(4))"]
    # The new environment sees the test environment's NumPy, SciPy… (the wheel's
    # dependencies; a .pth adds a path but runs none of that folder's own .pth files,
    # so the editable seqcore of the test environment stays out of reach).
    packages = Path(sysconfig.get_paths()["purelib"])
    site_dir = next((venv / "lib").glob("python3*/site-packages"))
    (site_dir / "dependencies.pth").write_text(f"{packages}\n")

    before = subprocess.run([str(python), *probe], cwd=tmp_path, capture_output=True, text=True)
    assert before.returncode != 0 and "No module named 'seqcore'" in before.stderr, \
        "seqcore imports before the wheel is installed: the check would prove nothing"
    subprocess.run([sys.executable, "-m", "pip", "--python", str(python), "install", "-q",
                    "--no-deps", "--disable-pip-version-check", str(wheel)], check=True)
    after = subprocess.run([str(python), *probe], cwd=tmp_path, capture_output=True, text=True)
    assert after.returncode == 0, after.stderr
    where, value = after.stdout.splitlines()
    assert Path(where).is_relative_to(venv), f"seqcore was imported from {where}"
    assert value == "[0.964 0.964 0.964]"          # tanh(1 + 1 + 0): the code runs
