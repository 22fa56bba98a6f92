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
