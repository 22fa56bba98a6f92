"""A throw-away copy of the repository, for tests that break it on purpose.

The scaffold test and the gates' fault-injection tests work on such a copy: the files
git tracks, as they are staged (``git checkout-index``), nothing built. Not the working
tree: a contributor who has just scaffolded a note (``.ci/new_note.py``) has its
unfinished files there, and in a copy of them the checks' own tests would fail beside
the note's intended failures. A change to a check is tested once it is staged
(``git add``).
"""

from __future__ import annotations

import os
import subprocess
import sys
from pathlib import Path

from tests.conftest import ROOT


def copy_of_repo(dest: Path, source: Path = ROOT) -> Path:
    """The files ``source`` tracks, at their staged content, written under ``dest``."""
    dest.mkdir(parents=True, exist_ok=True)
    subprocess.run(["git", "checkout-index", "--all", "--force", f"--prefix={dest}/"],
                   cwd=source, capture_output=True, text=True, check=True)
    return dest


def run(repo: Path, *args: str) -> subprocess.CompletedProcess:
    """Run ``python *args`` in the copy, importing the copy's seqcore and tests."""
    env = {**os.environ, "PYTHONPATH": str(repo), "NO_MKDOCS_2_WARNING": "1"}
    env.pop("SEQCORE_BUILD_STATUS", None)  # the copy builds its own site
    # the fast check's list of changed files is about this checkout, not the copy: with it,
    # the copy's pytest would skip the tests marked reads(...) of the files it changed
    env.pop("SEQCORE_CHANGED", None)
    env.pop("SEQCORE_SHARED_RESULTS", None)   # and the browser workers' folder is this run's
    return subprocess.run([sys.executable, *args], cwd=repo, env=env, capture_output=True,
                          text=True, timeout=600)
