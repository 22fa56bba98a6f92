"""Each gate of the checks, proven on a broken copy of the repository.

Every test here injects one fault a contributor could make into a temporary copy,
runs the real checks there (pytest over the copy's own test files, and for the
site gates the copy's own strict build), and asserts that the check named in the
gate fails with a message that says what to fix. Faults that need no build share
one copy and one run; the three that need the built site share another. Each
fault sits in its own page, file or formula, so no fault can hide another.

Marked ``tooling``: the full suite always runs these; the fast check runs them
when the checks themselves change (see .ci/check).
"""

from __future__ import annotations

import re
import xml.etree.ElementTree as ET
from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path

import pytest

from tests.tooling.copies import copy_of_repo, run

pytestmark = pytest.mark.tooling


@dataclass(frozen=True)
class Gate:
    name: str
    inject: Callable[[Path], None]
    check: str  # "<test module>::<test name or prefix…>" expected to fail
    says: tuple[str, ...]  # what the failure message must contain


def edit(path: Path, change: Callable[[str], str]) -> None:
    text = path.read_text(encoding="utf-8")
    changed = change(text)
    assert changed != text, f"the fault was not injected into {path}"
    path.write_text(changed, encoding="utf-8")


def append(path: Path, text: str) -> None:
    edit(path, lambda old: old.rstrip("\n") + "\n\n" + text)


def delete(path: Path) -> None:
    path.unlink()


# --- faults found without building the site --------------------------------------------------

def missing_twin(repo: Path) -> None:
    delete(repo / "docs/study-log.en.md")


def drifted_twin(repo: Path) -> None:  # a diagram added to the Korean page only
    append(repo / "docs/bptt.ko.md", "```mermaid\ngraph LR\n  A --> B\n```\n")


def wrong_snippet_output(repo: Path) -> None:
    edit(repo / "snippets/attention_masks.pycon",
         lambda t: t.replace("[[0.214 0.786", "[[0.215 0.785", 1))


def raising_python_block(repo: Path) -> None:
    append(repo / "docs/generation.en.md",
           "```python\nimport seqcore\n\nseqcore.no_such_function()\n```\n")


def formula_without_implementation(repo: Path) -> None:
    block = ('<div class="formula" id="sparse.made-up" markdown>\n\n$$\n'
             r"\mathrm{made}(t) = t^2" "\n$$\n\n</div>\n")
    for lang in ("ko", "en"):
        append(repo / f"docs/sparse.{lang}.md", block)


def implementation_without_test(repo: Path) -> None:
    edit(repo / "tests/unit/test_attention.py",
         lambda t: t.replace('@pytest.mark.formula("attention.general")\n', "", 1))


def glossary_violation(repo: Path) -> None:
    append(repo / "docs/rnn.ko.md", "숨겨진 상태를 한 번 더 봅니다.\n")


SOURCE_GATES = [
    Gate("a page without its twin", missing_twin,
         "test_parity::test_every_page_has_both_languages",
         ("docs/study-log.en.md (the English twin of docs/study-log.ko.md)",
          "same formulas, snippets, plots, diagrams and questions")),
    Gate("a twin that drifted in structure", drifted_twin,
         "test_parity::test_same_formulas_snippets_diagrams_and_questions_in_same_order[bptt.md]",
         ("bptt.ko.md has ('mermaid', '')", "bptt.en.md has (nothing: the page ends)",
          "Make the twin show the same item")),
    Gate("a snippet whose shown output is wrong", wrong_snippet_output,
         "test_snippets::test_snippet[attention_masks.pycon]",
         ("attention_masks.pycon", "fix the shown output", "Expected:", "0.215 0.785",
          "Got:", "0.214 0.786")),
    Gate("a Python block that raises", raising_python_block,
         "test_snippets::test_page_code_block[generation.en.md:",
         ("docs/generation.en.md:", "raises AttributeError", "no_such_function",
          "fix it, or show it as ```text")),
    Gate("a formula without an implementation", formula_without_implementation,
         "test_traceability::test_every_computed_formula_has_an_implementation",
         ("('sparse.en.md', 'sparse.made-up')", "decorate it @implements",
          'class=\\"formula prose\\"')),
    Gate("an implementation without a test", implementation_without_test,
         "test_traceability::test_every_implementation_has_a_marked_test",
         ("attention.general", "independent reference", "@pytest.mark.formula")),
    Gate("a glossary violation", glossary_violation,
         "test_glossary::test_korean_pages_use_the_glossary_term[rnn.ko.md]",
         ("rnn.ko.md", "'숨겨진 상태' -> write '은닉 상태' (hidden state)")),
]
SOURCE_TESTS = ["tests/site/test_parity.py", "tests/unit/test_snippets.py",
                "tests/tooling/test_traceability.py", "tests/site/test_glossary.py"]


# --- faults found in the built site ----------------------------------------------------------

def latex_that_does_not_render(repo: Path) -> None:
    # \operatorname is KaTeX's; \operatornamewithlimitz is nobody's.
    edit(repo / "docs/rnn.en.md",
         lambda t: t.replace("$$\n", "$$\n\\operatornamewithlimitz{f} + ", 1))


def external_image_and_script(repo: Path) -> None:
    append(repo / "docs/bptt.en.md",
           "![a figure](https://example.org/figure.png)\n\n"
           '<script src="https://cdn.example.net/lib.js"></script>\n')


def dead_link_and_anchor(repo: Path) -> None:
    append(repo / "docs/topologies.en.md",
           "See [the backward pass](lstm-gru.md#the-lstm-backward-pass) and "
           '<a href="../no-such-page/">this page</a>.\n')


SITE_GATES = [
    Gate("LaTeX that does not render", latex_that_does_not_render,
         "test_math::test_every_formula_renders_with_the_sites_katex",
         ("docs/rnn.en.md", "operatornamewithlimitz", "cannot render (fix the LaTeX")),
    Gate("an external image or script", external_image_and_script,
         "test_site::test_nothing_is_loaded_from_another_host",
         ("docs/bptt.en.md", "https://example.org/figure.png", "https://cdn.example.net/lib.js",
          "must work offline")),
    Gate("a dead internal link or anchor", dead_link_and_anchor,
         "test_links::test_every_internal_link_and_anchor_resolves",
         ("docs/topologies.en.md", "no id 'the-lstm-backward-pass' in en/lstm-gru/index.html",
          "did you mean #the-lstms-backward-pass?", "../no-such-page/ -> no such file")),
]
SITE_TESTS = ["tests/site/test_math.py", "tests/site/test_site.py", "tests/site/test_links.py"]


def failures(report: Path) -> dict[str, str]:
    """``{"test_module::test_name[param]": failure text}`` from a JUnit XML report."""
    failed = {}
    for case in ET.parse(report).getroot().iter("testcase"):
        for bad in (*case.iter("failure"), *case.iter("error")):
            key = f"{case.get('classname', '').split('.')[-1]}::{case.get('name')}"
            failed[key] = f"{bad.get('message', '')}\n{bad.text or ''}"
    return failed


def broken_copy(tmp: Path, gates: list[Gate], tests: list[str]) -> dict[str, str]:
    repo = copy_of_repo(tmp)
    for gate in gates:
        gate.inject(repo)
    proc = run(repo, "-m", "pytest", "-q", "-p", "no:cacheprovider", "-o", "addopts=",
               "--junitxml=gates.xml", *tests)
    assert proc.returncode == 1, f"the checks did not fail on the broken copy:\n" \
        f"{proc.stdout[-3000:]}{proc.stderr[-2000:]}"
    return failures(repo / "gates.xml")


@pytest.fixture(scope="module")
def source_failures(tmp_path_factory) -> dict[str, str]:
    return broken_copy(tmp_path_factory.mktemp("source"), SOURCE_GATES, SOURCE_TESTS)


@pytest.fixture(scope="module")
def site_failures(tmp_path_factory) -> dict[str, str]:
    return broken_copy(tmp_path_factory.mktemp("site"), SITE_GATES, SITE_TESTS)


def assert_gate_fails(gate: Gate, failed: dict[str, str]) -> None:
    hits = [key for key in failed if key == gate.check
            or (gate.check.endswith(("[", ":")) and key.startswith(gate.check))]
    assert hits, f"{gate.name}: {gate.check} did not fail; failed were {sorted(failed)}"
    message = failed[hits[0]]
    missing = [part for part in gate.says if part not in message]
    assert not missing, f"{gate.name}: the message lacks {missing}:\n{message[-3000:]}"


@pytest.mark.parametrize("gate", SOURCE_GATES, ids=lambda g: g.name)
def test_gate_without_a_build(gate, source_failures):
    assert_gate_fails(gate, source_failures)


@pytest.mark.parametrize("gate", SITE_GATES, ids=lambda g: g.name)
def test_gate_on_the_built_site(gate, site_failures):
    assert_gate_fails(gate, site_failures)


def test_the_build_stays_clean_of_the_site_faults(site_failures):
    """The site faults break the checks, not the build: each gate, not mkdocs, catches them."""
    assert not any("mkdocs build --strict failed" in m for m in site_failures.values()), \
        re.sub(r"\s+", " ", next(iter(site_failures.values())))[:2000]
