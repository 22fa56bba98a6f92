"""Which tests a change can break: what the fast check (``.ci/check``) runs.

    python .ci/affected.py [BASE]      the files changed against BASE (default: main) and
                                       what to run for them, as shell assignments
                                       (changed, affected_tests, affected_build...)

A test file is affected by a change when:

- it changed itself;
- it imports, directly or through the tests' helper modules (``tests/unit/errors.py``...)
  and seqcore's own imports, a module of ``seqcore``, ``experiments`` or ``benchmarks``
  that changed. A name imported from the package (``from seqcore import BM25Index``)
  counts as the module that defines it, as for the plot cache (``plotcache.py``);
  ``experiments`` and ``benchmarks`` also run modules by name, so a test whose source
  names one of them counts as importing all of it;
- it reads every page or snippet (its source globs them) and one changed, or it names
  the page, snippet or record that changed (``docs/rnn.``, ``_data/experiments/seq2seq``):
  a chapter's claims tests name their page.

Anything the whole suite stands on (``tests/conftest.py`` and the other files at the top
of ``tests/``, ``pyproject.toml``, this file, ``.ci/check``) selects every test. A change
to what the site is built from (pages, snippets, records, hooks, ``mkdocs.yml``, seqcore
for the API reference and the plots) also asks for the strict build and the site tests
(``tests/site/``) that read it. The checks' own tests (marker ``tooling``) run when a
check, a hook or the build configuration changed, as before.

The full suite (``bash .ci/test``, CI) runs everything; this only decides what a
contributor waits for before a push.
"""

from __future__ import annotations

import ast
import functools
import subprocess
import sys
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT / "overrides" / "hooks"))
from plotcache import seqcore_modules  # noqa: E402  (the same import reading as the plots)

PACKAGES = ("seqcore", "experiments", "benchmarks")
EVERYTHING = ("tests/conftest.py", "tests/pages.py", "tests/_require.py", "tests/__init__.py",
              "pyproject.toml", ".ci/affected.py", ".ci/check")
SITE_INPUTS = ("docs/", "snippets/", "overrides/", "mkdocs.yml", "seqcore/", "README.md",
               "CONTRIBUTING.md")
# A test that reads every page (or every snippet) names one of these in its source.
READS_EVERY_PAGE = ("markdown_pages(", "localized(", "DOCS.glob", "DOCS.rglob", "rglob(\"*.md\")",
                    "glob(\"*.md\")", "SNIPPETS")
TOOLING_INPUTS = ("tests/", "overrides/hooks/", ".ci/", "mkdocs.yml", "pyproject.toml",
                  "benchmarks/", "experiments/")


def changed_files(base: str) -> list[str]:
    """Files changed against ``base`` (committed or not), and new files git does not ignore."""
    def git(*args: str) -> list[str]:
        out = subprocess.run(["git", *args], cwd=ROOT, capture_output=True, text=True)
        return out.stdout.split() if out.returncode == 0 else []
    return sorted(set(git("diff", "--name-only", base)) |
                  set(git("ls-files", "--others", "--exclude-standard")))


def _helper_imports(source: str) -> set[str]:
    """The tests' own helper modules ``source`` imports, as paths (``tests/unit/errors.py``)."""
    found = set()
    for node in ast.walk(ast.parse(source)):
        names = []
        if isinstance(node, ast.ImportFrom) and node.module and node.level == 0:
            names = [node.module] + [f"{node.module}.{a.name}" for a in node.names]
        elif isinstance(node, ast.Import):
            names = [a.name for a in node.names]
        for name in names:
            if name.startswith("tests."):
                path = name.replace(".", "/") + ".py"
                if (ROOT / path).is_file():
                    found.add(path)
    return found


@functools.cache
def _direct(path: str) -> tuple[frozenset[str], frozenset[str]]:
    """``(package files, test helpers)`` that the file ``path`` itself imports."""
    source = (ROOT / path).read_text(encoding="utf-8")
    files = {p.relative_to(ROOT).as_posix() for package in PACKAGES if package in source
             for p in seqcore_modules(source, ROOT / package)}
    return frozenset(files), frozenset(_helper_imports(source) - {path})


def dependencies(path: str) -> set[str]:
    """The files of the packages and the tests' helpers that ``path`` imports, transitively."""
    out, todo, seen = set(), [path], set()
    while todo:
        here = todo.pop()
        if here in seen:
            continue
        seen.add(here)
        files, helpers = _direct(here)
        out |= files | helpers
        todo += helpers
    return out


def test_files() -> list[str]:
    return sorted(p.relative_to(ROOT).as_posix() for p in (ROOT / "tests").rglob("test_*.py"))


def select(changed: list[str]) -> dict[str, object]:
    """``{"tests": [...], "everything": bool, "build": bool, "tooling": bool}``."""
    everything = any(c in EVERYTHING for c in changed)
    build = any(c.startswith(SITE_INPUTS) for c in changed)
    tooling = any(c.startswith(TOOLING_INPUTS) for c in changed)
    pages = any(c.startswith(("docs/", "snippets/")) and not c.startswith("docs/_data/")
                for c in changed)
    # what a test names when it reads one page, snippet or record: "docs/rnn.", "bm25_demo",
    # "_data/experiments/seq2seq"
    named = {f"docs/{Path(c).name.split('.')[0]}." for c in changed
             if c.startswith("docs/") and not c.startswith("docs/_data/")}
    named |= {Path(c).stem for c in changed if c.startswith("snippets/")}
    named |= {Path(c).with_suffix("").as_posix().removeprefix("docs/") for c in changed
              if c.startswith("docs/_data/")}
    code = {c for c in changed if c.endswith(".py")}
    # experiments and benchmarks are also run by name (`python -m experiments seq2seq`),
    # which no import shows: a test that names the package counts as using all of it
    dynamic = {c.split("/")[0] for c in code if c.startswith(("experiments/", "benchmarks/"))}
    chosen = []
    for test in test_files():
        if test.startswith("tests/site/"):
            hit = build or test in changed
        else:
            source = (ROOT / test).read_text(encoding="utf-8")
            hit = test in changed or bool(dependencies(test) & code) or \
                (pages and any(word in source for word in READS_EVERY_PAGE)) or \
                any(name in source for name in named) or \
                any(package in source for package in dynamic)
        if hit:
            chosen.append(test)
    return {"tests": chosen, "everything": everything, "build": build or everything,
            "tooling": tooling or everything}


def main(argv: list[str]) -> int:
    base = argv[1] if len(argv) > 1 else "main"
    changed = changed_files(base)
    chosen = select(changed)
    print(f"changed=({' '.join(changed)})")
    print(f"affected_tests=({' '.join(chosen['tests'])})")
    for flag in ("everything", "build", "tooling"):
        print(f"affected_{flag}={'yes' if chosen[flag] else 'no'}")
    return 0


if __name__ == "__main__":
    sys.exit(main(sys.argv))
