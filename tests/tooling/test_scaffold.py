"""The new-note scaffold (.ci/new_note.py), run in a copy of the repository.

What it writes must be wired in (pages, nav, exports, API page, traceability)
and must *fail* the checks until the contributor fills it in.
"""

from __future__ import annotations

from pathlib import Path

import pytest

from tests.tooling.copies import copy_of_repo, run

pytestmark = pytest.mark.tooling


@pytest.fixture(scope="module")
def scaffolded(tmp_path_factory) -> Path:
    repo = copy_of_repo(tmp_path_factory.mktemp("repo"))
    proc = run(repo, ".ci/new_note.py", "demo-note", "--formula", "demo.double",
               "--function", "double_it")
    assert proc.returncode == 0, proc.stderr
    return repo


def test_the_scaffold_writes_every_part_of_a_note(scaffolded):
    for rel in ("docs/demo-note.ko.md", "docs/demo-note.en.md", "snippets/demo-note.pycon",
                "seqcore/demo_note.py", "tests/unit/test_demo_note.py"):
        assert (scaffolded / rel).is_file(), f"{rel} was not created"
    assert "- demo-note.md" in (scaffolded / "mkdocs.yml").read_text(encoding="utf-8")
    assert "from .demo_note import *" in (scaffolded / "seqcore/__init__.py").read_text("utf-8")
    for lang in ("ko", "en"):
        api = (scaffolded / f"docs/api.{lang}.md").read_text(encoding="utf-8")
        assert "::: seqcore.demo_note" in api


def test_an_unfinished_note_fails_the_checks_and_says_what_to_write(scaffolded):
    proc = run(scaffolded, "-m", "pytest", "-q", "-p", "no:cacheprovider",
               "tests/unit/test_demo_note.py", "tests/unit/test_snippets.py",
               "tests/tooling/test_traceability.py", "tests/site/test_parity.py")
    out = proc.stdout
    assert proc.returncode == 1, out[-3000:]
    failed = sorted(line.split(" - ")[0] for line in out.splitlines()
                    if line.startswith("FAILED"))
    assert failed == [
        "FAILED tests/unit/test_demo_note.py::test_double_it_matches_its_reference",
        "FAILED tests/unit/test_snippets.py::test_docstring_examples[seqcore.demo_note]",
        "FAILED tests/unit/test_snippets.py::test_snippet[demo-note.pycon]",
    ], out[-3000:]
    assert "write the reference test for demo.double (double_it)" in out
    assert "double_it: write the formula demo.double" in out


def test_the_scaffold_refuses_to_overwrite(scaffolded):
    proc = run(scaffolded, ".ci/new_note.py", "demo-note", "--formula", "demo.other",
               "--function", "other")
    assert proc.returncode == 2
    assert "docs/demo-note.ko.md exists already" in proc.stderr


def test_the_scaffold_rejects_a_bad_formula_id(scaffolded):
    proc = run(scaffolded, ".ci/new_note.py", "x", "--formula", "Bad Id", "--function", "f")
    assert proc.returncode == 2 and "formula id must look like 'topic.name'" in proc.stderr
