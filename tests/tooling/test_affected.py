"""What the fast check runs for a change (.ci/affected.py, and the ``reads`` marker)."""

from __future__ import annotations

import importlib.util
import os
import subprocess
import sys

import pytest

from tests.conftest import ROOT, seqcore_files_run_by

_spec = importlib.util.spec_from_file_location("affected", ROOT / ".ci" / "affected.py")
affected = importlib.util.module_from_spec(_spec)
_spec.loader.exec_module(affected)


def chosen(*changed: str) -> dict:
    return affected.select(list(changed))


def names(selection: dict) -> set[str]:
    return {t.rsplit("/", 1)[-1] for t in selection["tests"]}


def test_a_module_selects_the_tests_that_import_it_and_not_the_others():
    picked = chosen("seqcore/bm25.py")
    assert {"test_bm25.py", "test_claims_sparse.py"} <= names(picked)
    assert not {"test_lstm.py", "test_gru.py", "test_gpt.py"} & names(picked)
    assert picked["build"] and not picked["everything"] and not picked["tooling"]


def test_a_module_used_by_others_selects_their_tests_too():
    # the deep RNNs call the LSTM; BM25 does not
    picked = names(chosen("seqcore/lstm.py"))
    assert {"test_lstm.py", "test_deep.py"} <= picked and "test_bm25.py" not in picked
    # _validate is imported by nearly every module: nearly every unit test
    assert len(names(chosen("seqcore/_validate.py"))) > 3 * len(picked) // 2


def test_a_page_selects_its_claims_and_the_tests_of_every_page_not_other_chapters():
    picked = chosen("docs/rnn.ko.md", "docs/rnn.en.md")
    assert {"test_claims_rnn.py", "test_snippets.py", "test_parity.py"} <= names(picked)
    assert not {"test_claims_sparse.py", "test_bm25.py", "test_lstm.py"} & names(picked)
    assert picked["build"]


def test_a_record_selects_the_tests_that_name_it():
    picked = names(chosen("docs/_data/experiments/seq2seq.json"))
    assert "test_bleu.py" in picked and "test_lstm.py" not in picked


def test_an_experiment_selects_the_test_that_runs_experiments_by_name():
    assert "test_experiments.py" in names(chosen("experiments/seq2seq.py"))


def test_a_test_file_selects_itself_only():
    picked = chosen("tests/unit/test_bm25.py")
    assert names(picked) == {"test_bm25.py"} and not picked["build"]


def test_what_every_test_stands_on_selects_everything():
    for path in ("tests/conftest.py", "pyproject.toml", ".ci/affected.py"):
        assert chosen(path)["everything"], path
    assert not chosen("seqcore/bm25.py")["everything"]


def test_a_hook_asks_for_the_build_and_the_checks_own_tests():
    picked = chosen("overrides/hooks/plots.py")
    assert picked["build"] and picked["tooling"]


def collected(env_changed: str | None, *args: str) -> set[str]:
    env = {k: v for k, v in os.environ.items() if k != "SEQCORE_CHANGED"}
    if env_changed is not None:
        env["SEQCORE_CHANGED"] = env_changed
    proc = subprocess.run([sys.executable, "-m", "pytest", "--co", "-q", "-p", "no:cacheprovider",
                           *args], cwd=ROOT, env=env, capture_output=True, text=True, timeout=300)
    assert proc.returncode == 0, proc.stdout[-3000:] + proc.stderr[-3000:]
    return {ln for ln in proc.stdout.splitlines() if "::" in ln}


@pytest.mark.tooling  # a second pytest process collects the snippet tests
def test_a_test_marked_reads_runs_only_when_what_it_reads_changed():
    target = "tests/unit/test_snippets.py"
    everything = collected(None, target)
    page = collected("docs/rnn.ko.md", target)
    module = collected("seqcore/bm25.py", target)
    assert page < everything and module <= everything
    assert any("rnn.ko.md:" in t for t in page)                  # the page's own code blocks
    assert not any("sparse.ko.md:" in t or "test_snippet[" in t for t in page)
    assert any("test_snippet[" in t for t in module)             # seqcore: every snippet
    assert any("test_docstring_examples" in t for t in module)
    assert not any("test_docstring_examples" in t for t in page)


def test_a_doctest_session_is_read_without_its_prompts_and_outputs():
    """The fast check's reading of a snippet (tests/conftest.py): the code after ``>>>``
    and ``...``, not the printed lines; code that does not parse counts as all of it."""
    session = (">>> from seqcore import bm25_tf\n>>> for k in (1, 2):\n...     print(k)\n"
               "1\n2\n>>> bm25_tf(1, 1.5)  # doctest: +ELLIPSIS\n2.5...\n")
    reads = seqcore_files_run_by(session)
    assert "seqcore/bm25.py" in reads and "seqcore/rnn.py" not in reads
    assert seqcore_files_run_by(">>> def broken(:\n") == ("seqcore/",)
