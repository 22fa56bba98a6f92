"""What the chapters say about their recorded training runs, checked against the records.

The records are written by ``python -m experiments`` (docs/_data/experiments) and
tests/test_experiments.py checks that the code still produces them; here each test
reads a record and checks one sentence of a page, named with its section. Every check
is a function of the record, and each has a negative control: the same check on a
record altered the way the sentence would be wrong.
"""

from __future__ import annotations

import copy
import json
import math
import re

import numpy as np
import pytest

from tests._require import require
from tests.conftest import DOCS

torch = require("torch")

RECORDS = DOCS / "_data" / "experiments"


def record(name: str) -> dict:
    return json.loads((RECORDS / f"{name}.json").read_text(encoding="utf-8"))


# --- bptt § Clipping on and off in a training run ---------------------------------------

def clipping_story(r: dict) -> list[str]:
    """What the page says of the two runs; the sentences that do not hold."""
    clip, n = r["config"]["clip"], r["config"]["updates"]
    on, off = (np.array(r["runs"][k]["loss"]) for k in ("clipped", "unclipped"))
    g_on, g_off = (np.array(r["runs"][k]["grad_norm"]) for k in ("clipped", "unclipped"))
    start = on[0]
    wrong = []
    if not (off[0] == start and int(np.argmax(off)) < 5 and off.max() > 10 * start):
        wrong.append("unclipped: the loss jumps to its peak within five updates")
    if not np.mean(off > start) > 0.5:
        wrong.append("unclipped: above its starting value for most of the run")
    if not (int(np.argmax(on)) == 2 and np.all(on[20:] < start)):
        wrong.append("clipped: peaks in the third update, then stays below the start")
    if not on[-20:].mean() < off[-20:].mean() - 1:
        wrong.append("clipped ends far below unclipped")
    above_on, above_off = np.flatnonzero(g_on > clip), np.flatnonzero(g_off > clip)
    if not (len(above_on) < 0.1 * n and np.mean(above_on < 30) > 0.5):
        wrong.append("clipped: norm above c in few updates, mostly at the start")
    if not len(above_off) > 0.9 * n:
        wrong.append("unclipped: norm above c in nearly every update")
    return wrong


def test_clipping_keeps_the_loss_bounded_and_acts_only_on_the_spikes():
    """bptt § Clipping on and off in a training run: the unclipped loss jumps to its peak
    within five updates and stays above its start for most of the run; the clipped one
    peaks in the third update and falls; the clipped run's norm exceeds c rarely, mostly
    at the start, the unclipped run's nearly always."""
    r = record("clipping")
    assert clipping_story(r) == []
    # the control: the two runs swapped contradict every sentence about them
    swapped = copy.deepcopy(r)
    swapped["runs"]["clipped"], swapped["runs"]["unclipped"] = (r["runs"]["unclipped"],
                                                                r["runs"]["clipped"])
    assert len(clipping_story(swapped)) >= 4


def test_the_clipping_page_quotes_the_record():
    """bptt § Clipping on and off: the numbers in the text are value markers, not typed."""
    for lang in ("en", "ko"):
        text = (DOCS / f"bptt.{lang}.md").read_text(encoding="utf-8")
        at = text.index("<!-- plot: clipping_runs -->")
        section = text[text.rindex("\n### ", 0, at):text.index("\n## ", at)]
        assert "value: clipping runs.unclipped.max_loss" in section
        assert not re.search(r"\b53\.\d|\b1\.93\b|\b6\.07\b", section), lang


# --- lstm-gru § A long-range dependency -------------------------------------------------

def accuracies(r: dict) -> dict[str, dict[int, float]]:
    return {name: {x["distance"]: x["accuracy"] for x in m["results"]}
            for name, m in r["models"].items()}


def long_range_story(r: dict) -> list[str]:
    """The page's sentences about the accuracy table; the ones that do not hold."""
    acc, chance = accuracies(r), r["chance"]
    near_chance = lambda a: abs(a - chance) < 0.05         # noqa: E731
    wrong = []
    if not all(a[d] == 1.0 for a in acc.values() for d in (2, 5)):
        wrong.append("every model is perfect up to D = 5")
    if not all(acc[m][10] == 1.0 for m in ("lstm", "gru", "lstm_carry1", "gru_carry1")):
        wrong.append("every gated cell is perfect at D = 10")
    if not all(near_chance(acc[m][d]) for m in ("lstm", "gru") for d in (20, 40, 80)):
        wrong.append("PyTorch's initialization: gated cells at chance from D = 20")
    if not all(acc["rnn"][d] > chance + 0.1 for d in (20, 40, 80)):
        wrong.append("the RNN stays above chance up to D = 80")
    if not (all(a >= 0.99 for a in acc["gru_carry1"].values()) and acc["rnn"][80] < 0.5):
        wrong.append("the GRU with bias 1 learns D = 80, where the RNN does not")
    lstm1 = acc["lstm_carry1"]
    if not (chance + 0.1 < lstm1[20] < 0.9 and near_chance(lstm1[40])
            and near_chance(lstm1[80])):
        wrong.append("the LSTM with bias 1: part of the way at D = 20, no further")
    return wrong


def test_the_long_range_table_says_what_the_page_says():
    """lstm-gru § A long-range dependency: all perfect to D = 5, the gated cells to 10;
    with PyTorch's initialization the gated cells fall to chance at 20 while the RNN stays
    above it to 80; the GRU with update bias 1 learns distance 80 where the RNN does not;
    the LSTM with forget bias 1 gets part of the way at 20 and no further."""
    r = record("long_range")
    assert long_range_story(r) == []
    # the control: a GRU with bias 1 that failed at D = 80 breaks the sentence about it
    worse = copy.deepcopy(r)
    worse["models"]["gru_carry1"]["results"][-1]["accuracy"] = 0.3
    assert long_range_story(worse) == [
        "the GRU with bias 1 learns D = 80, where the RNN does not"]


def test_a_gate_bias_of_one_keeps_about_2000_times_more_after_20_steps():
    """lstm-gru § A long-range dependency: σ(0)^20 = 2^-20 is about one millionth, and
    σ(1)^20 is about 2,000 times that."""
    sigma = lambda x: 1 / (1 + math.exp(-x))                # noqa: E731
    kept_at_half, kept_at_bias_1 = sigma(0.0) ** 20, sigma(1.0) ** 20
    assert 0.9e-6 < kept_at_half < 1.0e-6
    assert 1950 < kept_at_bias_1 / kept_at_half < 2050
    assert round(sigma(1.0), 2) == 0.73
    # the control: a bias of 0.5 would give far less than 2,000 times
    assert sigma(0.5) ** 20 / kept_at_half < 200


# --- generation § With a trained model ---------------------------------------------------

def _trained_lstm():
    from seqcore import RecurrentLM, char_corpus, load_checkpoint

    corpus = char_corpus("lee")
    params, meta = load_checkpoint(RECORDS / "checkpoints" / "lm_en_lstm.npz")
    lm = RecurrentLM("lstm", *params["E"].shape, meta["hidden"])
    return corpus, lm, {k: v.astype(np.float64) for k, v in params.items()}


def torch_log_prob(params: dict, ids: list[int]) -> float:
    """log P(ids) by nn.Embedding + nn.LSTM + nn.Linear with the checkpoint's weights: the
    first character from the output layer at the zero state (softmax of b_y), each next
    one from the state after the characters before it."""
    V, d = params["E"].shape
    n = params["W_hh"].shape[1]
    lstm = torch.nn.LSTM(d, n, dtype=torch.float64)
    out = torch.nn.Linear(n, V, dtype=torch.float64)
    with torch.no_grad():
        for name, key in (("weight_ih_l0", "W_ih"), ("weight_hh_l0", "W_hh"),
                          ("bias_ih_l0", "b_ih"), ("bias_hh_l0", "b_hh")):
            getattr(lstm, name).copy_(torch.from_numpy(params[key]))
        out.weight.copy_(torch.from_numpy(params["W_hy"]))
        out.bias.copy_(torch.from_numpy(params["b_y"]))
        x = torch.from_numpy(params["E"])[torch.tensor(ids[:-1])].unsqueeze(1)
        H, _ = lstm(x)
        logp = torch.log_softmax(out(torch.cat([torch.zeros(1, 1, n, dtype=torch.float64),
                                                H])).squeeze(1), dim=-1)
        return float(logp[torch.arange(len(ids)), torch.tensor(ids)].sum())


def test_the_typo_scores_are_the_trained_models_log_probabilities():
    """generation § With a trained model: each candidate's score is log P(sentence) under
    the trained LSTM, the same number PyTorch's LSTM gives with the checkpoint's weights."""
    from seqcore import teacher_forcing_loss

    corpus, lm, params = _trained_lstm()
    step = lm.decoder(params)
    for sentence in ("I am going to the star", "I am gain to the stop"):
        ids = corpus.encode(sentence)
        ours = -teacher_forcing_loss(step, ids)
        assert ours == pytest.approx(torch_log_prob(params, ids), rel=1e-10, abs=1e-9)
    # the control: one character fewer is another (larger) number
    ids = corpus.encode("I am going to the star")
    assert -teacher_forcing_loss(step, ids[:-1]) != pytest.approx(torch_log_prob(params, ids))


def test_the_news_corpus_has_no_store():
    """generation § With a trained model: 'store' is not a word of the training text, so
    it is no candidate; 'star', 'stop' and 'story' are (one edit from 'stor'), and 'going'
    is one edit from 'goin'."""
    from seqcore import char_corpus

    corpus = char_corpus("lee")
    words = set(re.findall(r"[a-z]+", corpus.decode(corpus.train).lower()))
    assert "store" not in words
    # the control: the same extraction does find the words one edit from the typos
    assert {"star", "stop", "story", "going"} <= words
