"""tests/ by kind, and the mutation run selecting by folder.

- ``tests/unit/``: seqcore against independent references (and the adversarial
  cross-check), its snippets and doctests, the pages' claims, the public API's input
  validation, with their helpers (the good calls, the derived bad calls, the references);
- ``tests/site/``: the pages, the build and its hooks, and the browser tests;
- ``tests/tooling/``: the checks' own tests and the checks over the whole repository
  (fault injection, the scaffold, the stale-translation check, lint, the contributing
  guide's commands, traceability, the notes' coverage map, the validation-to-math ratio,
  every public function in the validation table).

A new test module belongs in one of them; one left at ``tests/`` fails here, so a
branch that adds one is told where it goes.
"""

from __future__ import annotations

import re
import subprocess
import sys
from pathlib import Path

import tomllib

from tests.conftest import ROOT

TESTS = ROOT / "tests"
KINDS = ("unit", "site", "tooling")
SHARED = {"__init__.py", "conftest.py", "pages.py", "_require.py"}   # used by every kind


def misplaced(tests: Path) -> list[str]:
    """Test modules and Python helpers at the top of ``tests``, and folders of no kind."""
    wrong = [p.name for p in tests.glob("*.py") if p.name not in SHARED]
    wrong += [p.name + "/" for p in tests.iterdir()
              if p.is_dir() and p.name not in KINDS and not p.name.startswith((".", "__"))]
    return sorted(wrong)


def test_every_test_module_sits_in_the_folder_of_its_kind():
    assert misplaced(TESTS) == [], (
        "move these into tests/unit (seqcore and references), tests/site (pages, build, "
        "browser) or tests/tooling (the checks' own tests)")
    for kind in KINDS:
        assert list((TESTS / kind).glob("test_*.py")), f"tests/{kind}/ holds no test module"


def ignored_by_git(paths: list[Path], repo: Path) -> list[str]:
    """Those of ``paths`` that .gitignore hides from ``git add``: a clean clone lacks them."""
    proc = subprocess.run(["git", "check-ignore", "--no-index", "--stdin"], cwd=repo,
                          input="\n".join(p.relative_to(repo).as_posix() for p in paths),
                          capture_output=True, text=True)
    return sorted(proc.stdout.split())


def test_no_test_or_hook_file_is_hidden_from_git_by_the_ignore_rules():
    """A pattern such as ``site/`` (meant for MkDocs' output at the top) also matched
    ``tests/site/``: a new test module there never reached CI's clean clone."""
    files = [p for folder in (TESTS, ROOT / "overrides", ROOT / "seqcore", ROOT / ".ci")
             for p in folder.rglob("*") if p.is_file() and p.suffix in (".py", ".js", ".cjs")
             and "__pycache__" not in p.parts]
    assert len(files) > 100
    assert ignored_by_git(files, ROOT) == []


def test_the_ignore_check_sees_an_ignored_file(tmp_path):
    """Negative control: under a pattern like the old ``site/``, a test file is hidden."""
    subprocess.run(["git", "init", "-q"], cwd=tmp_path, check=True)
    (tmp_path / ".gitignore").write_text("site/\n")
    test = tmp_path / "tests" / "site" / "test_new.py"
    test.parent.mkdir(parents=True)
    test.write_text("")
    assert ignored_by_git([test], tmp_path) == ["tests/site/test_new.py"]


def test_a_test_module_at_the_top_is_named(tmp_path):
    """Negative control: the check finds a module and a folder placed at the top."""
    for kind in KINDS:
        (tmp_path / kind).mkdir()
    (tmp_path / "conftest.py").write_text("")
    (tmp_path / "unit" / "test_rnn.py").write_text("")
    (tmp_path / "test_new_chapter.py").write_text("")
    (tmp_path / "browser").mkdir()
    assert misplaced(tmp_path) == ["browser/", "test_new_chapter.py"]


def test_the_mutation_run_selects_the_unit_folder():
    """mutmut runs tests/unit/ (the tests that can kill a seqcore mutant), by folder."""
    config = tomllib.loads((ROOT / "pyproject.toml").read_text(encoding="utf-8"))
    selection = config["tool"]["mutmut"]["pytest_add_cli_args_test_selection"]
    assert selection == ["tests/unit/"]


# Two pytest sessions in one process, as mutmut runs them (the list of tests, the clean run,
# each forked mutant): the node ids of a parametrized test whose id holds a non-ASCII char.
_TWO_SESSIONS = """
import sys, pytest
class Ids:
    def pytest_collection_modifyitems(self, items):
        print("IDS", [item.nodeid for item in items])
for _ in range(2):
    pytest.main(["-qq", "--collect-only", "-p", "no:cacheprovider", "--noconftest",
                 "--rootdir", sys.argv[1], sys.argv[1]], plugins=[Ids()])
"""


def _ids_in_two_sessions(folder: Path, addopts: str) -> list[str]:
    (folder / "test_ids.py").write_text(
        "import pytest\n"
        "@pytest.mark.parametrize('x', ['1e\u00b1200', 'plain'], ids=lambda x: f'near {x}')\n"
        "def test_x(x):\n    pass\n", encoding="utf-8")
    out = subprocess.run([sys.executable, "-c", _TWO_SESSIONS, str(folder)], cwd=folder,
                         capture_output=True, text=True, env={"PYTEST_ADDOPTS": addopts,
                                                              "PATH": "/usr/bin:/bin"})
    return [line for line in out.stdout.splitlines() if line.startswith("IDS")]


def test_the_mutation_run_sees_the_same_test_ids_in_every_session(tmp_path):
    """The ids mutmut collected in one session must name the same tests in the next: with
    the options .ci/mutation gives pytest, an id holding "\u00b1" is the same in both (without
    them pytest escapes it a second time, and the clean run stopped with "not found")."""
    script = (ROOT / ".ci" / "mutation").read_text(encoding="utf-8")
    addopts = re.search(r'^export PYTEST_ADDOPTS="\$\{PYTEST_ADDOPTS:-\} (.+)"$', script, re.M)
    assert addopts, ".ci/mutation no longer sets PYTEST_ADDOPTS"
    first, second = _ids_in_two_sessions(tmp_path, addopts[1])
    assert first == second and "1e\u00b1200" in first
    # Negative control: pytest's default, escaping, gives the second session other ids.
    first, second = _ids_in_two_sessions(tmp_path, "")
    assert first != second and "1e\\\\xb1200" in first, (first, second)
