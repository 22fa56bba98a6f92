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
