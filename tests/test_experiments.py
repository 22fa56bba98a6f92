"""Recorded experiments: every record reproduces, and only `python -m experiments` writes them.

Each experiment's ``check(record)`` re-runs its first steps from the record's own
configuration (the first updates of each training run, the first epoch of skip-gram,
the matrix-product counts of the scaling measurement) and re-measures what a checkpoint
kept; a page can then never show a run that the code no longer produces.
"""

from __future__ import annotations

import copy
import json
import subprocess

import pytest

from experiments import NAMES, _record, module
from experiments.__main__ import parse
from tests.copies import copy_of_repo, run


@pytest.fixture(autouse=True)
def one_thread():
    """As the records were made (python -m experiments): one BLAS thread, one torch thread.

    Several BLAS threads on a busy 2-core machine spend their time waiting for each
    other; and a record's numbers are those of one thread.
    """
    import torch
    from threadpoolctl import threadpool_limits

    threads = torch.get_num_threads()
    torch.set_num_threads(1)
    with threadpool_limits(limits=1):
        yield
    torch.set_num_threads(threads)


@pytest.mark.parametrize("name", list(NAMES))
def test_the_recorded_experiment_reproduces(name):
    record = _record.load(name)
    checks = module(name).check(record)
    assert checks
    bad = [f"{c.what}: recorded {c.recorded!r}, now {c.reproduced!r}" for c in checks
           if not c.ok()]
    assert not bad, (f"{name}: the code no longer produces the recorded run; re-record it "
                     f"with `python -m experiments {name}`:\n  " + "\n  ".join(bad))


def test_a_record_that_the_code_does_not_produce_is_caught():
    """Negative control: one recorded loss moved in its fifth digit fails the check."""
    record = copy.deepcopy(_record.load("clipping"))
    record["check"]["unclipped"]["loss"][2] *= 1.0001
    failed = [c.what for c in module("clipping").check(record) if not c.ok()]
    assert failed == ["unclipped loss of the first 5 updates"]


def test_every_record_says_how_it_was_made_and_the_set_fits_the_budget():
    records = {name: _record.load(name) for name in NAMES}
    for name, r in records.items():
        assert r["machine"]["cpu"] and r["libraries"]["numpy"], name
        assert r["seconds"] > 0 and r["cpu_seconds"] > 0, name
    # one thread throughout: the CPU time is what the set costs on a machine of its own
    assert sum(r["cpu_seconds"] for r in records.values()) < 20 * 60


def test_the_corpora_and_their_licences_are_in_the_records():
    en, ko = _record.load("lm_en"), _record.load("lm_ko")
    assert "gensim" in en["corpus"]["about"] and "LGPL" in en["corpus"]["licence"]
    assert "konlpy" in ko["corpus"]["about"] and "GPL-3.0" in ko["corpus"]["licence"]
    for r in (en, ko):
        params = {m["params"] for m in r["models"].values()}
        assert max(params) / min(params) < 1.01          # matched parameter counts


@pytest.mark.parametrize("argv, message", [(["nope"], "unknown experiment(s) ['nope']"),
                                           (["--out"], "--out needs a folder"),
                                           (["-x"], "unknown option '-x'")])
def test_a_bad_command_line_says_what_is_wrong(argv, message):
    with pytest.raises(SystemExit, match=message.replace("(", r"\(").replace(")", r"\)")
                       .replace("[", r"\[").replace("]", r"\]")):
        parse(argv)


def test_the_command_line_runs_all_or_the_named_ones(tmp_path):
    assert parse([])[2] == list(NAMES)
    assert parse(["--out", str(tmp_path), "clipping", "lm_en"]) == (tmp_path, False,
                                                                    ["clipping", "lm_en"])


@pytest.mark.tooling  # runs a benchmark in a throw-away copy of the repository
def test_a_benchmark_run_leaves_the_checkout_unmodified(tmp_path):
    repo = copy_of_repo(tmp_path)
    git = ["git", "-c", "user.name=t", "-c", "user.email=t@t", "-C", str(repo)]
    subprocess.run([*git, "init", "-q"], check=True)
    subprocess.run([*git, "add", "-A"], check=True)
    subprocess.run([*git, "commit", "-qm", "copy"], check=True)
    # scaling once wrote docs/_data/scaling.json, which a chapter quoted
    proc = run(repo, "-m", "benchmarks", "scaling", "--quick")
    assert proc.returncode == 0, proc.stderr[-3000:]
    status = subprocess.run([*git, "status", "--porcelain", "--untracked-files=all"],
                            capture_output=True, text=True, check=True).stdout
    status = "\n".join(ln for ln in status.splitlines() if "__pycache__" not in ln)
    assert status == "", f"a benchmark run changed the checkout:\n{status}"
    # the control: rewriting a record, as the old benchmark did, is seen
    record = repo / "docs/_data/experiments/scaling.json"
    record.write_text(json.dumps(json.loads(record.read_text())) + "\n")
    status = subprocess.run([*git, "status", "--porcelain"], capture_output=True, text=True,
                            check=True).stdout
    assert "docs/_data/experiments/scaling.json" in status
