"""Formula ↔ implementation ↔ test: every display formula on the site is computed and tested.

- every formula block on a page has an id, the same in both languages;
- no display math stands outside a formula block;
- every non-prose id is claimed by exactly one seqcore function (``@implements``);
- every claimed id is shown on a page (no implementation of an invisible formula);
- every claimed id has a test marked ``@pytest.mark.formula(id)``.
"""

from __future__ import annotations

import ast
from collections import Counter
from pathlib import Path

import seqcore
from tests.conftest import ROOT
from tests.pages import LANGUAGES, hook, markdown_pages

TESTS = ROOT / "tests"


def page_formulas(lang: str) -> list[tuple[str, object]]:
    found = []
    for page in markdown_pages(lang):
        for f in hook.formulas(page.read_text(encoding="utf-8")):
            found.append((page.name, f))
    return found


def marked_formula_ids() -> dict[str, list[str]]:
    """Formula ids named in ``pytest.mark.formula(...)`` marks, read from the test sources."""
    ids: dict[str, list[str]] = {}
    for path in sorted(TESTS.rglob("test_*.py")):
        tree = ast.parse(path.read_text(encoding="utf-8"))
        for node in ast.walk(tree):
            if isinstance(node, ast.FunctionDef):
                for deco in node.decorator_list:
                    call = deco if isinstance(deco, ast.Call) else None
                    if call is None or not isinstance(call.func, ast.Attribute):
                        continue
                    if call.func.attr == "formula" and ast.unparse(call.func).endswith(
                            "mark.formula"):
                        for arg in call.args:
                            if isinstance(arg, ast.Constant) and isinstance(arg.value, str):
                                ids.setdefault(arg.value, []).append(f"{path.name}::{node.name}")
    return ids


def test_every_formula_block_has_a_valid_id():
    bad = [(page, f.line, f.id) for lang in LANGUAGES for page, f in page_formulas(lang)
           if not seqcore._trace.ID_PATTERN.match(f.id)]
    assert not bad, f"formula blocks with a missing or malformed id: {bad}"


def test_no_display_math_outside_formula_blocks():
    stray = {}
    for lang in LANGUAGES:
        for page in markdown_pages(lang):
            lines = hook.stray_display_math(page.read_text(encoding="utf-8"))
            if lines:
                stray[page.name] = lines
    assert not stray, (f"display math ($$) outside a <div class=\"formula\" id=…> block, "
                       f"or two formulas in one block (file: lines): {stray}")


def test_ids_are_unique_per_language():
    for lang in LANGUAGES:
        counts = Counter(f.id for _, f in page_formulas(lang))
        repeated = [i for i, n in counts.items() if n > 1]
        assert not repeated, f"{lang}: formula ids shown more than once: {repeated}"


def test_every_computed_formula_has_an_implementation():
    missing = sorted({(page, f.id) for lang in LANGUAGES for page, f in page_formulas(lang)
                      if not f.prose and f.id not in seqcore.FORMULAS})
    assert not missing, (
        f"formulas with no @implements function in seqcore: {missing}. Write the function "
        f"that computes each one in seqcore/ and decorate it @implements(\"<id>\"), or, if "
        f"there is nothing to compute, write the block as <div class=\"formula prose\" …>")


def test_every_implementation_is_shown_on_a_page():
    shown = {f.id for lang in LANGUAGES for _, f in page_formulas(lang) if not f.prose}
    orphans = sorted(set(seqcore.FORMULAS) - shown)
    assert not orphans, f"seqcore claims formula ids that no page shows: {orphans}"


def test_prose_formulas_are_not_claimed_by_code():
    prose = {f.id for lang in LANGUAGES for _, f in page_formulas(lang) if f.prose}
    claimed = sorted(prose & set(seqcore.FORMULAS))
    assert not claimed, f"formulas marked prose but implemented (drop 'prose'): {claimed}"


def test_every_implementation_has_a_marked_test():
    tested = marked_formula_ids()
    untested = sorted(set(seqcore.FORMULAS) - set(tested))
    assert not untested, (
        f"implementations with no test marked @pytest.mark.formula(id): "
        f"{[(i, seqcore.FORMULAS[i]) for i in untested]}. Write a test in tests/ that compares "
        f"the function with an independent reference (PyTorch, SciPy, scikit-learn, "
        f"hand-worked numbers) and mark it @pytest.mark.formula(\"<id>\")")
    unknown = sorted(set(tested) - set(seqcore.FORMULAS))
    assert not unknown, f"tests mark formula ids that nothing implements: {unknown}"


def test_the_checks_can_fail(tmp_path: Path):
    """The parser sees a formula outside a block and a block without id."""
    page = "$$\nx\n$$\n\n<div class=\"formula\" markdown>\n\n$$\ny\n$$\n\n</div>\n"
    assert hook.stray_display_math(page) == [1]
    assert [f.id for f in hook.formulas(page)] == [""]
