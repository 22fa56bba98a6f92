"""The copy the checks' own tests work on (tests/tooling/copies.py) is what git tracks."""

from __future__ import annotations

import subprocess
from pathlib import Path

import pytest

from tests.tooling.copies import copy_of_repo

pytestmark = pytest.mark.tooling


def git(repo: Path, *args: str) -> None:
    subprocess.run(["git", "-c", "user.name=t", "-c", "user.email=t@t", *args], cwd=repo,
                   check=True, capture_output=True)


def test_the_copy_holds_the_tracked_files_as_staged_and_nothing_else(tmp_path):
    """After a contributor scaffolds a note, its unfinished files (new, and edits of
    tracked ones) stay out of the copy; a staged change is in it."""
    repo = tmp_path / "repo"
    (repo / "docs").mkdir(parents=True)
    (repo / "mkdocs.yml").write_text("nav: [index.md]\n")
    (repo / "docs" / "index.md").write_text("# home\n")
    (repo / "tests").mkdir()
    (repo / "tests" / "test_check.py").write_text("old\n")
    git(repo, "init", "-q")
    git(repo, "add", "-A")
    git(repo, "commit", "-qm", "one")
    (repo / "docs" / "demo-note.ko.md").write_text("# unfinished\n")      # new, untracked
    (repo / "mkdocs.yml").write_text("nav: [index.md, demo-note.md]\n")    # edited, unstaged
    (repo / "tests" / "test_check.py").write_text("new\n")
    git(repo, "add", "tests/test_check.py")                                # a staged change

    copy = copy_of_repo(tmp_path / "copy", source=repo)
    assert (repo / "docs" / "demo-note.ko.md").is_file()     # the working tree has it ...
    assert not (copy / "docs" / "demo-note.ko.md").exists()  # ... the copy does not
    assert (copy / "mkdocs.yml").read_text() == "nav: [index.md]\n"
    assert (copy / "tests" / "test_check.py").read_text() == "new\n"
    assert (copy / "docs" / "index.md").read_text() == "# home\n"
