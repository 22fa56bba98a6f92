"""Every example a reader sees runs, and prints what the page shows.

- snippets/*.pycon: doctest files included into both language pages;
- fenced code blocks written directly in docs/**/*.md: pycon/doctest blocks are
  run as doctests, python blocks are executed; other languages must be on an
  allow-list that says why they are not run;
- the examples in seqcore's docstrings (they are rendered on the API page).
"""

from __future__ import annotations

import doctest
import importlib
import pkgutil
import re

import pytest

import seqcore
from tests.conftest import DOCS, SNIPPETS, seqcore_files_run_by
from tests.pages import hook

FLAGS = doctest.NORMALIZE_WHITESPACE | doctest.ELLIPSIS

NOT_EXECUTED = {  # fence language -> why the check does not run it
    "mermaid": "a diagram: the browser test checks that it renders",
    "bash": "a shell command (set-up, serve): run by hand, and by .ci/run itself",
    "console": "a shell session shown for reading",
    "text": "plain text",
    "latex": "LaTeX source shown for reading",
}
PYTHON = {"python", "py", "pycon", "python3"}


def run_doctest(text: str, name: str) -> None:
    parser = doctest.DocTestParser()
    test = parser.get_doctest(text, {}, name, name, 0)
    assert test.examples, f"{name}: no >>> example in it"
    runner = doctest.DocTestRunner(optionflags=FLAGS)
    out: list[str] = []
    runner.run(test, out=out.append)
    failed = runner.summarize(verbose=False).failed
    assert failed == 0, (f"{name}: {failed} example(s) print something other than what the "
                         f"file shows; fix the shown output (or the code) so they agree\n"
                         + "".join(out))


SNIPPET_FILES = sorted(SNIPPETS.glob("*.pycon"))
# What a run of each reads, for the fast check's run of what changed (tests/conftest.py):
# a snippet or a page's code reads the seqcore modules it imports and the records; a
# module's docstring examples, the module and what they import.
THIS = "tests/unit/test_snippets.py"


def _reads(code: str, *paths: str) -> pytest.MarkDecorator:
    return pytest.mark.reads(*paths, *seqcore_files_run_by(code), THIS)


SNIPPET_RUNS = [pytest.param(p, id=p.name, marks=_reads(p.read_text(encoding="utf-8"),
                                                        f"snippets/{p.name}", "docs/_data/"))
                for p in SNIPPET_FILES]


def test_there_are_snippets():
    assert SNIPPET_FILES, "snippets/ holds no .pycon file"


@pytest.mark.parametrize("path", SNIPPET_RUNS)
def test_snippet(path):
    run_doctest(path.read_text(encoding="utf-8"), path.name)


@pytest.mark.parametrize("path", SNIPPET_FILES, ids=lambda p: p.name)
def test_snippet_is_included_in_both_languages(path):
    """A snippet nobody includes is dead code; one included in one language breaks parity."""
    for lang in ("ko", "en"):
        includes = {item for page in DOCS.rglob(f"*.{lang}.md")
                    for kind, item in hook.page_structure(page.read_text(encoding="utf-8"))
                    if kind == "snippet"}
        assert path.name in includes, f"{path.name} is not included in any {lang} page"


def code_blocks():
    fence = re.compile(r"^(?P<indent> *)(?P<fence>`{3,}|~{3,})(?P<info>[^\n]*)\n(?P<body>.*?)"
                       r"^(?P=indent)(?P=fence)[ \t]*$", re.M | re.S)
    for page in sorted(DOCS.rglob("*.md")):
        text = page.read_text(encoding="utf-8")
        for m in fence.finditer(text):
            line = text.count("\n", 0, m.start()) + 1
            info = m["info"].strip().split()[0].lstrip(".{") if m["info"].strip() else ""
            body = "\n".join(ln[len(m["indent"]):] for ln in m["body"].splitlines())
            where = page.relative_to(DOCS).as_posix()
            yield pytest.param(page, line, info, body, id=f"{where}:{line}",
                               marks=_reads(body, f"docs/{where}", "docs/_data/"))


BLOCKS = list(code_blocks())


@pytest.mark.parametrize(("page", "line", "info", "body"), BLOCKS)
def test_page_code_block(page, line, info, body):
    lines = [ln for ln in body.splitlines() if ln.strip()]
    if lines and all(hook.SNIPPET.match(ln) for ln in lines):
        for ln in lines:  # an include: the snippet file is tested on its own
            assert (SNIPPETS / hook.SNIPPET.match(ln)["path"]).is_file()
        return
    where = f"{page.name}:{line}"
    if info in PYTHON:
        if ">>>" in body:
            run_doctest(body, where)
        else:
            try:
                exec(compile(body, where, "exec"), {"__name__": "__page__"})
            except Exception as exc:
                raise AssertionError(
                    f"{page.relative_to(DOCS.parent).as_posix()}:{line}: this python block "
                    f"raises {type(exc).__name__}: {exc}. Every python block on a page runs; "
                    f"fix it, or show it as ```text if it is not meant to run") from exc
        return
    assert info in NOT_EXECUTED, (
        f"{where}: a ```{info or '(no language)'} block is neither run nor on the allow-list "
        f"of languages that are not run ({', '.join(NOT_EXECUTED)}); give it a language")


def seqcore_modules():
    for info in pkgutil.walk_packages(seqcore.__path__, "seqcore."):
        yield importlib.import_module(info.name)


def _examples(module) -> str:
    """The module's own import, then every line of its docstring examples."""
    tests = doctest.DocTestFinder().find(module)
    return "\n".join([f"import {module.__name__}",
                      *(e.source for t in tests for e in t.examples)])


@pytest.mark.parametrize("module", [pytest.param(m, id=m.__name__, marks=_reads(_examples(m)))
                                    for m in seqcore_modules()])
def test_docstring_examples(module):
    finder = doctest.DocTestFinder()
    runner = doctest.DocTestRunner(optionflags=FLAGS)
    out: list[str] = []
    for test in finder.find(module):
        runner.run(test, out=out.append)
    assert runner.summarize(verbose=False).failed == 0, "".join(out)


def test_every_public_function_has_an_example():
    missing = [name for name in seqcore.__all__
               if callable(obj := getattr(seqcore, name)) and not isinstance(obj, type)
               and name != "implements" and ">>>" not in (obj.__doc__ or "")]
    assert not missing, f"public functions without a doctest example: {missing}"
