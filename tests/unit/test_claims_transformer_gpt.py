"""The Transformer page's statements about the small GPT, checked against the records.

transformer § "A small GPT, trained": the comparison with the LSTM reads
docs/_data/experiments/gpt_en.json (python -m experiments gpt_en) and lm_en.json; the
statement about the untrained model is computed again here with seqcore.
"""

from __future__ import annotations

import itertools
import json
import re
from pathlib import Path

import numpy as np
import pytest

from experiments import gpt_en, lm_en
from seqcore import char_corpus

RECORDS = Path(__file__).parents[2] / "docs" / "_data" / "experiments"


@pytest.fixture(scope="module")
def record() -> dict:
    return json.loads((RECORDS / "gpt_en.json").read_text(encoding="utf-8"))


@pytest.fixture(scope="module")
def lm() -> dict:
    return json.loads((RECORDS / "lm_en.json").read_text(encoding="utf-8"))


def test_matched_parameter_counts_and_the_lstms_recipe(record, lm):
    """'… that is 96,138 parameters, against the LSTM … with 96,146 … Everything else is
    the LSTM's recipe, taken from its configuration.'"""
    g, s = record["gpt"]["params"], record["lstm"]["params"]
    assert s == lm["models"]["lstm"]["params"] and record["lstm"]["hidden"] == 128
    assert abs(g - s) / s < 0.001
    assert all(record["config"][k] == lm["config"][k] for k in gpt_en.SHARED)
    assert record["config"]["context"] == record["config"]["steps"]   # chunks fit the context


def test_the_rate_kept_is_the_best_of_the_grid(record):
    sweep = record["gpt"]["lr_sweep"]
    assert [s["lr"] for s in sweep] == record["config"]["lr_grid"]
    assert record["gpt"]["lr"] == min(sweep, key=lambda s: s["final_val_ppl"])["lr"]


def test_the_lstm_trained_again_is_the_recorded_one(record, lm):
    """'its curve came out identical to the recorded one'."""
    assert record["lstm"]["lr"] == lm["models"]["lstm"]["lr"]
    assert record["lstm"]["val_ppl"] == lm["models"]["lstm"]["val_ppl"]
    assert record["lstm"]["max_rel_diff_from_lm_en"] == 0


def test_the_whole_experiment_fits_its_budget(record):
    assert record["cpu_seconds"] <= 150


def _at(times: list[float], ppl: list[float], t: float) -> float:
    """Perplexity at time t, linear in log perplexity between the recorded points."""
    i = int(np.searchsorted(times, t))
    if times[i] == t:
        return ppl[i]
    w = (t - times[i - 1]) / (times[i] - times[i - 1])
    return float(np.exp((1 - w) * np.log(ppl[i - 1]) + w * np.log(ppl[i])))


def test_the_table_is_the_curves(record):
    g, s, summary = record["gpt"], record["lstm"], record["summary"]
    assert summary["gpt_val_ppl"] == g["val_ppl"][-1]
    assert summary["lstm_val_ppl"] == s["val_ppl"][-1]
    assert g["eval_steps"][-1] == s["eval_steps"][-1] == summary["updates"]
    equal = min(g["cpu_seconds"][-1], s["cpu_seconds"][-1])
    assert summary["equal_cpu_seconds"] == round(equal, 1)
    for key, run in (("gpt", g), ("lstm", s)):
        want = _at(run["cpu_seconds"], run["val_ppl"], equal)
        assert summary[f"{key}_val_ppl_at_equal_cpu"] == pytest.approx(want, rel=1e-4)


def test_the_lstm_is_ahead_at_equal_updates_and_at_equal_cpu_time(record):
    """'At this size and budget the LSTM is ahead on both axes'."""
    s = record["summary"]
    assert s["lstm_val_ppl"] < s["gpt_val_ppl"]
    assert s["lstm_val_ppl_at_equal_cpu"] < s["gpt_val_ppl_at_equal_cpu"]


def test_a_gpt_update_costs_more_cpu_and_the_gpt_is_still_falling(record):
    """'a GPT update took 1.73 times the LSTM's CPU time'; 'over the last 50 updates its
    perplexity still fell …, and the LSTM's only from … to …'."""
    g, s, summary = record["gpt"], record["lstm"], record["summary"]
    ratio = g["cpu_seconds"][-1] / s["cpu_seconds"][-1]
    assert summary["cpu_per_update_ratio"] == pytest.approx(ratio, rel=1e-2) and ratio > 1
    assert g["eval_steps"][-1] - g["eval_steps"][-2] == record["config"]["eval_every"]
    gpt_drop = g["val_ppl"][-2] - g["val_ppl"][-1]
    assert gpt_drop > 0 and gpt_drop > 2 * (s["val_ppl"][-2] - s["val_ppl"][-1])


def test_the_gpt_visibly_learns(record):
    ppl = record["gpt"]["val_ppl"]
    assert ppl[-1] < ppl[0] / 50 and ppl[-1] < 10
    # it falls at every evaluation
    assert all(b < a for a, b in itertools.pairwise(ppl))


def test_the_untrained_gpt_starts_above_a_uniform_guess_by_predicting_what_it_read(record):
    """'its perplexity before training is 562, against 82 for a uniform guess …: the
    untrained model predicts the character it has just read.' Computed again here."""
    V = record["corpus"]["vocabulary"]
    assert record["gpt"]["val_ppl"][0] > 5 * V
    corpus = char_corpus(record["config"]["corpus"], min_freq=record["config"]["min_freq"])
    gpt = gpt_en.model(record["config"], V)
    params = gpt.init_params(seed=gpt_en.SEED, dtype=np.float32)
    chunk = corpus.valid[:16 * 64].reshape(16, 64).T                 # (T, batch)
    logits, _ = gpt.forward(params, chunk)
    same = np.mean(np.argmax(logits, axis=-1) == chunk)
    assert same > 0.9, same


def _loops(text: str) -> bool:
    """Does some stretch of 8+ characters come back three times in a row?"""
    return re.search(r"(.{8,}?)\1\1", text) is not None


def test_both_models_loop_under_greedy_search(record, lm):
    """'both fall into a loop under greedy search' (and the samples use the same prompt,
    temperatures and seeds)."""
    g, s = record["gpt"]["samples"], lm["models"]["lstm"]["samples"]
    assert _loops(g["greedy"]) and _loops(s["greedy"]["text"])
    assert g["prompt"] == s["prompt"]
    pairs = list(zip(g["sampled"], s["sampled"], strict=False))
    assert len(pairs) == 2 and all(a["temperature"] == b["temperature"] and a["seed"] == b["seed"]
                                   for a, b in pairs)
    # the sampled texts do not loop: the control for the detector
    assert not any(_loops(a["text"]) for a, _ in pairs)


def test_the_shared_recipe_is_read_from_lm_en_not_copied():
    """The GPT's configuration takes lm_en's values: changing lm_en's changes it."""
    assert all(gpt_en.CONFIG[k] is lm_en.CONFIG[k] for k in gpt_en.SHARED)
