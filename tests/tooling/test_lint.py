"""The code is ruff-clean (style is part of the suite, so it cannot drift)."""

from __future__ import annotations

import shutil
import subprocess
import sys
from pathlib import Path

from tests.conftest import ROOT


def test_ruff_is_clean():
    ruff = shutil.which("ruff", path=str(Path(sys.executable).parent)) or shutil.which("ruff")
    assert ruff, "ruff is not installed: .venv/bin/pip install ruff (or bash .ci/setup)"
    proc = subprocess.run([ruff, "check", "seqcore", "tests", "benchmarks", "overrides", ".ci"],
                          cwd=ROOT, capture_output=True, text=True)
    assert proc.returncode == 0, proc.stdout + proc.stderr


SPELLED = ["README.md", "CONTRIBUTING.md", "docs", "snippets", "seqcore", "tests", "benchmarks",
           ".ci"]


def test_english_is_spelled_right():
    """codespell over the English pages, code and comments (settings in pyproject.toml)."""
    codespell = shutil.which("codespell", path=str(Path(sys.executable).parent)) \
        or shutil.which("codespell")
    assert codespell, "codespell is not installed: .venv/bin/pip install codespell"
    proc = subprocess.run([codespell, *SPELLED], cwd=ROOT, capture_output=True, text=True)
    assert proc.returncode == 0, "misspelled words (fix them, or add a real word to " \
        "[tool.codespell] ignore-words-list):\n" + proc.stdout + proc.stderr
