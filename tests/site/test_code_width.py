"""Every line of code a reader sees fits in 88 columns.

At 88 columns a block fits the content column of a 1280 px screen without sideways
scrolling (text.css sizes the code font for that; tests/site/probes/code.js measures it in
Chromium). The lines checked here are the ones the site shows as code: the snippets
(snippets/*.pycon, prompts included), the fenced blocks of the pages and of
CONTRIBUTING.md (which the contributing page includes), and the code cells of the
notebooks. A wide character (Hangul, CJK) takes two columns, as in a terminal.
A long line is split, or its trailing comment moves to a line of its own above it.
"""

from __future__ import annotations

import re
import unicodedata
from pathlib import Path

import pytest

from tests.conftest import DOCS, ROOT, SNIPPETS
from tests.pages import pagekit

LIMIT = 88
NOT_SHOWN = {"mermaid"}  # a diagram's source is drawn, not shown as code


def columns(line: str) -> int:
    """Display width of ``line`` in monospace columns: wide characters count two."""
    return sum(2 if unicodedata.east_asian_width(ch) in "WF" else 1 for ch in line)


def fenced_lines(text: str) -> list[tuple[int, str]]:
    """``(line number, line)`` for each line inside a fenced block that is shown as code.

    The fence's own indentation (a block inside an admonition or a list) is not shown,
    so it is not counted.
    """
    found: list[tuple[int, str]] = []
    fence = None  # (fence characters, indentation, shown?)
    for number, line in enumerate(text.splitlines(), start=1):
        m = pagekit.FENCE.match(line)
        if fence is None:
            if m:
                language = m["info"].strip().lstrip(".{").split(" ")[0]
                fence = (m["fence"], len(m["indent"]), language not in NOT_SHOWN)
            continue
        if m and m["fence"].startswith(fence[0][0]) and len(m["fence"]) >= len(fence[0]) \
                and not m["info"].strip():
            fence = None
        elif fence[2]:
            found.append((number, line[fence[1]:]))
    return found


def notebook_code_lines(text: str) -> list[tuple[int, str]]:
    """``(line number, line)`` for each line of a jupytext (percent format) code cell."""
    found: list[tuple[int, str]] = []
    code = False
    for number, line in enumerate(text.splitlines(), start=1):
        if line.startswith("# %%"):
            code = "[markdown]" not in line
        elif code:
            found.append((number, line))
    return found


def shown_code() -> list[tuple[Path, list[tuple[int, str]]]]:
    """Every file the site shows code from, with the lines it shows."""
    files = [(p, list(enumerate(p.read_text(encoding="utf-8").splitlines(), start=1)))
             for p in sorted(SNIPPETS.glob("*.pycon"))]
    for page in [*sorted(DOCS.rglob("*.md")), ROOT / "CONTRIBUTING.md"]:
        files.append((page, fenced_lines(page.read_text(encoding="utf-8"))))
    for notebook in sorted((DOCS / "notebooks").glob("*.py")):
        files.append((notebook, notebook_code_lines(notebook.read_text(encoding="utf-8"))))
    return files


def too_wide(lines: list[tuple[int, str]], limit: int = LIMIT) -> list[tuple[int, int]]:
    """``(line number, columns)`` of the lines wider than ``limit``."""
    return [(n, w) for n, line in lines if (w := columns(line.rstrip())) > limit]


def report(path: Path, wide: list[tuple[int, int]]) -> str:
    where = path.relative_to(ROOT).as_posix()
    return "\n".join(f"  {where}:{n}: {w} columns" for n, w in wide)


FILES = shown_code()


def test_the_site_shows_code_from_these_files():
    names = {p.name for p, lines in FILES if lines}
    assert {"softmax_stable.pycon", "CONTRIBUTING.md", "rnn_hidden_units.en.py"} <= names


@pytest.mark.parametrize(("path", "lines"), FILES,
                         ids=[p.relative_to(ROOT).as_posix() for p, _ in FILES])
def test_code_lines_fit_in_88_columns(path, lines):
    wide = too_wide(lines)
    assert not wide, (f"{len(wide)} line(s) of code wider than {LIMIT} columns (at 1280 px "
                      f"they would scroll sideways; split the line, or move its trailing "
                      f"comment to a line of its own above it):\n" + report(path, wide))


def docstring_example_lines() -> list[tuple[Path, list[tuple[int, str]]]]:
    """The examples of seqcore's docstrings as the API page shows them: each ``>>>`` line
    and the output under it, up to the blank line (or the docstring's end) that closes it."""
    files = []
    for module in sorted((ROOT / "seqcore").glob("*.py")):
        examples, indent = [], None
        for n, line in enumerate(module.read_text(encoding="utf-8").splitlines(), start=1):
            if PROMPT.match(line.strip()):
                indent = len(line) - len(line.lstrip())
            elif indent is not None and (not line.strip() or '"""' in line):
                indent = None
            if indent is not None:
                examples.append((n, line[indent:] if line[:indent].isspace() else line.strip()))
        files.append((module, examples))
    return files


PROMPT = re.compile(r"^(>>>|\.\.\.)( |$)")


def test_docstring_example_output_counts_too():
    module = ROOT / "seqcore" / "bpe.py"
    lines = dict(docstring_example_lines())[module]
    assert any(text.startswith("[(('l', 'o'), 7)") for _, text in lines), lines[:5]
    assert not any(text.startswith("Examples") for _, text in lines)


def test_docstring_examples_fit_in_88_columns():
    wide = [report(path, found) for path, lines in docstring_example_lines()
            if (found := too_wide(lines))]
    assert not wide, "docstring example lines wider than 88 columns:\n" + "\n".join(wide)


# ---- the check can fail ------------------------------------------------------------------

PAGE = "\n".join([
    "# A page", "",
    "```pycon",
    ">>> x = 1",
    ">>> y = 1  # " + "c" * 76,          # 89 columns: too wide
    "```", "",
    "    ```python",
    "    z = 1  # " + "c" * 79,          # 88 once the admonition's indent is gone
    "    ```", "",
    "```mermaid",
    "graph LR; " + "A --> B; " * 10,     # a diagram's source is not shown as code
    "```", "",
    "```text",
    "가" * 44,                            # 88 columns
    "가" * 45,                            # 90 columns: too wide
    "```",
    "# " + "prose " * 20,                 # not code
])


def test_the_width_check_names_each_line_too_wide():
    wide = too_wide(fenced_lines(PAGE))
    # the 89-column pycon line and 45 Hangul syllables (90 columns); not the indented
    # 88-column line, nor 44 syllables, nor the diagram source, nor the prose
    assert wide == [(5, 89), (18, 90)], wide
    assert "page.md:5: 89 columns" in report(ROOT / "page.md", wide)


def test_notebook_cells_are_read_as_code_and_markdown_is_not():
    notebook = "# %% [markdown]\n# " + "prose " * 20 + "\n\n# %%\nx = 1  " + "#" * 90 + "\n"
    assert too_wide(notebook_code_lines(notebook)) == [(5, 97)]
