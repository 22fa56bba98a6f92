"""A throw-away copy of the repository, for tests that break it on purpose.

The scaffold test and the gates' fault-injection tests work on such a copy: the
files git knows about (tracked, or new and not ignored), nothing built.
"""

from __future__ import annotations

import os
import shutil
import subprocess
import sys
from pathlib import Path

from tests.conftest import ROOT


def copy_of_repo(dest: Path) -> Path:
    files = subprocess.run(["git", "ls-files", "--cached", "--others", "--exclude-standard"],
                           cwd=ROOT, capture_output=True, text=True, check=True).stdout.split()
    for rel in files:
        if (ROOT / rel).is_file():
            (dest / rel).parent.mkdir(parents=True, exist_ok=True)
            shutil.copy2(ROOT / rel, dest / rel)
    return dest


def run(repo: Path, *args: str) -> subprocess.CompletedProcess:
    """Run ``python *args`` in the copy, importing the copy's seqcore and tests."""
    env = {**os.environ, "PYTHONPATH": str(repo), "NO_MKDOCS_2_WARNING": "1"}
    env.pop("SEQCORE_BUILD_STATUS", None)  # the copy builds its own site
    return subprocess.run([sys.executable, *args], cwd=repo, env=env, capture_output=True,
                          text=True, timeout=600)
