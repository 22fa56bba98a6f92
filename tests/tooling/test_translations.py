"""The stale-translation check (.ci/translations.py) in a real git repository."""

from __future__ import annotations

import shutil
import subprocess
import sys
from pathlib import Path

import pytest

from tests.conftest import ROOT

PAGE = """# 제목

<div class="formula" id="demo.f" markdown>

$$
y = a x
$$

</div>

```pycon
--8<-- "demo.pycon"
```

??? question "왜?"
    답.
"""


def git(repo: Path, *args: str) -> None:
    subprocess.run(["git", "-c", "user.name=t", "-c", "user.email=t@t", *args], cwd=repo,
                   check=True, capture_output=True)


@pytest.fixture
def repo(tmp_path: Path) -> Path:
    """A repository with the check, its parser and one page pair, committed on `main`."""
    for rel in (".ci/translations.py", "overrides/hooks/formulas.py",
                "overrides/hooks/pagekit.py"):
        (tmp_path / rel).parent.mkdir(parents=True, exist_ok=True)
        shutil.copy(ROOT / rel, tmp_path / rel)
    (tmp_path / "docs").mkdir()
    for lang in ("ko", "en"):
        (tmp_path / "docs" / f"demo.{lang}.md").write_text(PAGE, encoding="utf-8")
    git(tmp_path, "init", "-q", "-b", "main")
    git(tmp_path, "add", "-A")
    git(tmp_path, "commit", "-q", "-m", "pages")
    return tmp_path


def check(repo: Path) -> subprocess.CompletedProcess:
    return subprocess.run([sys.executable, ".ci/translations.py", "main"], cwd=repo,
                          capture_output=True, text=True, timeout=60)


def test_nothing_changed_is_clean(repo):
    proc = check(repo)
    assert proc.returncode == 0 and "no stale translation" in proc.stdout


def test_an_edited_formula_in_one_language_is_named(repo):
    ko = repo / "docs" / "demo.ko.md"
    ko.write_text(PAGE.replace("y = a x", "y = a x + b"), encoding="utf-8")
    proc = check(repo)
    assert proc.returncode == 1
    assert "docs/demo.ko.md changed but docs/demo.en.md did not: formula demo.f edited" \
        in proc.stdout


def test_a_new_snippet_and_question_are_named(repo):
    en = repo / "docs" / "demo.en.md"
    en.write_text(PAGE + '\n```pycon\n--8<-- "more.pycon"\n```\n\n??? question "And?"\n'
                  "    Yes.\n", encoding="utf-8")
    proc = check(repo)
    assert proc.returncode == 1
    assert "snippets: 1 -> 2 (['more.pycon'])" in proc.stdout
    assert "Q&A blocks: 1 -> 2" in proc.stdout


def test_a_wording_change_is_a_reminder_not_a_failure(repo):
    ko = repo / "docs" / "demo.ko.md"
    ko.write_text(PAGE.replace("답.", "더 자세한 답."), encoding="utf-8")
    proc = check(repo)
    assert proc.returncode == 0
    assert "docs/demo.ko.md: wording changed; docs/demo.en.md may need the same edit" \
        in proc.stdout


def test_both_languages_changed_together_is_clean(repo):
    for lang in ("ko", "en"):
        page = repo / "docs" / f"demo.{lang}.md"
        page.write_text(PAGE.replace("y = a x", "y = a x + b"), encoding="utf-8")
    assert check(repo).returncode == 0
