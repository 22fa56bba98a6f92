"""Import a tool the suite needs, or fail with the command that installs it.

The design rule: nothing is skipped silently because a tool is missing.
"""

from __future__ import annotations

import importlib
from types import ModuleType

INSTALL = "bash .ci/setup   (or: .venv/bin/pip install -e '.[docs,test,lint,ko]' torch==2.13.0)"


def require(module: str) -> ModuleType:
    try:
        return importlib.import_module(module)
    except ImportError as err:
        raise RuntimeError(
            f"the test suite needs the Python module {module!r}, which is not installed "
            f"({err}). Install everything with: {INSTALL}"
        ) from err
