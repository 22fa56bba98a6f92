"""The site's pages as the checks see them: pairs of translations and their structure.

The parsing itself lives in the build hooks (``overrides/hooks/formulas.py``, and the
page scanner in ``overrides/hooks/pagekit.py``) so that the build and the checks read a
page in exactly the same way.
"""

from __future__ import annotations

import importlib.util
import sys
from pathlib import Path

from tests.conftest import DOCS, ROOT

LANGUAGES = ("ko", "en")


HOOKS = ROOT / "overrides" / "hooks"


def load_hook(name: str):
    """Import ``overrides/hooks/<name>.py`` as MkDocs does: its folder on ``sys.path`` while
    it runs, so that it finds ``pagekit`` (the hooks' shared module)."""
    spec = importlib.util.spec_from_file_location(f"seqcore_{name}_hook", HOOKS / f"{name}.py")
    module = importlib.util.module_from_spec(spec)
    sys.modules[spec.name] = module  # dataclasses look their module up while defining
    assert spec.loader is not None
    sys.path.insert(0, str(HOOKS))
    try:
        spec.loader.exec_module(module)
    finally:
        sys.path.remove(str(HOOKS))
    return module


hook = load_hook("formulas")
pagekit = load_hook("pagekit")


def localized(lang: str, suffixes: tuple[str, ...] = (".md", ".py")) -> list[Path]:
    """Every page source of one language under docs/."""
    return sorted(p for p in DOCS.rglob(f"*.{lang}.*") if p.suffix in suffixes)


def base_name(path: Path) -> str:
    """``docs/rnn.ko.md`` -> ``rnn.md``: the name shared by both translations."""
    rel = path.relative_to(DOCS).as_posix()
    for lang in LANGUAGES:
        rel = rel.replace(f".{lang}.", ".")
    return rel


def twin(path: Path, lang: str) -> Path:
    for other in LANGUAGES:
        if path.name.endswith(f".{other}{path.suffix}"):
            return path.with_name(path.name.replace(f".{other}{path.suffix}",
                                                    f".{lang}{path.suffix}"))
    raise ValueError(f"{path} has no language suffix")


def markdown_pages(lang: str) -> list[Path]:
    return localized(lang, (".md",))


def source_of(built: str) -> str:
    """``en/rnn/index.html`` -> ``docs/rnn.en.md``: the file a contributor edits.

    Pages built from notebooks come from ``.py`` sources; anything else that is not
    a page (the API page's assets, the 404 page) is returned as it was given.
    """
    lang, rel = ("en", built[3:]) if built.startswith("en/") else ("ko", built)
    name = rel.removesuffix("index.html").rstrip("/") or "index"
    for suffix in (".md", ".py"):
        if (DOCS / f"{name}.{lang}{suffix}").is_file():
            return f"docs/{name}.{lang}{suffix}"
    return built
