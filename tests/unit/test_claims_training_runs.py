"""What the chapters say about their recorded training runs, checked against the records.

The records are written by ``python -m experiments`` (docs/_data/experiments) and
tests/unit/test_experiments.py checks that the code still produces them; here each test
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


# --- rnn § Watching an RNN language model learn -----------------------------------------

def test_untrained_perplexity_is_about_the_number_of_symbols_and_korean_overfits():
    """rnn § Watching an RNN language model learn: before training the validation
    perplexity is close to the number of symbols; on English the training perplexity ends
    close to the validation one, on the six times shorter Korean text far below it."""
    en, ko = record("lm_en"), record("lm_ko")
    for r in (en, ko):
        assert 0.8 < r["models"]["rnn"]["val_ppl"][0] / r["corpus"]["vocabulary"] < 1.25
    gap = lambda r: (r["models"]["rnn"]["final_val_ppl"]                  # noqa: E731
                     / r["models"]["rnn"]["train_ppl"][-1])
    assert gap(en) < 1.15 and gap(ko) > 2
    assert 5.5 < en["corpus"]["train_characters"] / ko["corpus"]["train_characters"] < 6.5
    # the control: the trained model is far from the uniform guess
    assert en["models"]["rnn"]["final_val_ppl"] < en["corpus"]["vocabulary"] / 10


def loops(text: str, least: int = 8, times: int = 3) -> bool:
    """Whether some piece of at least `least` characters repeats `times` times in a row."""
    return re.search(rf"(.{{{least},}}?)\1{{{times - 1}}}", text, flags=re.S) is not None


def repeats(text: str, least: int = 10) -> bool:
    """Whether some piece of at least `least` characters occurs twice."""
    return re.search(rf"(.{{{least}}}).*\1", text, flags=re.S) is not None


def test_greedy_and_beam_repeat_sampling_does_not():
    """rnn § Text from the trained RNN: greedy search falls into a loop in both languages,
    beam search of width 4 repeats too; sampling does not loop."""
    for name in ("lm_en", "lm_ko"):
        s = record(name)["models"]["rnn"]["samples"]
        assert loops(s["greedy"]["text"]), name
        assert repeats(s["beam"]["text"]), name
        assert not any(loops(x["text"]) for x in s["sampled"]), name
        assert not loops(s["nucleus"]["text"]), name
    # the control: the checks see a loop and a repeat where there is one, and none where not
    assert loops("to the state " * 3) and not loops("to the state, said the government")
    assert repeats("of the company of the company") and not repeats("abcdefghijklmnop")


def real_word_shares(name: str, cell: str) -> dict[str, float]:
    """The share of a sample's words (the first and last, maybe cut, left out) that are
    words of the training text: per temperature, and for top-p."""
    from seqcore import char_corpus

    r = record(name)
    corpus = char_corpus(r["config"]["corpus"])
    text = corpus.decode(corpus.train)
    if name == "lm_en":
        split = lambda t: re.findall(r"[a-z]+", t.lower())          # noqa: E731
    else:
        split = str.split
    known = set(split(text))
    samples = r["models"][cell]["samples"]
    out = {}
    for key, sample in [(f"tau={x['temperature']}", x) for x in samples["sampled"]] + \
            [("top-p", samples["nucleus"])]:
        words = split(sample["text"])[1:-1]
        out[key] = sum(w in known for w in words) / len(words)
    return out


@pytest.mark.parametrize("name", ["lm_en", "lm_ko"])
def test_the_lower_the_temperature_the_more_real_words(name):
    """rnn § Text from the trained RNN: at τ = 0.5 most words are words of the training
    text, at τ = 1.5 most are not, top-p lies in between; the share falls with the
    temperature for every cell (lstm-gru § side by side shows the others' samples)."""
    rnn = real_word_shares(name, "rnn")
    assert rnn["tau=0.5"] > 0.5 > rnn["tau=1.5"]
    assert rnn["tau=1.5"] < rnn["top-p"] < rnn["tau=0.5"]
    for cell in ("rnn", "lstm", "gru"):
        assert falls_with_temperature(real_word_shares(name, cell)), cell
    # the control: the same shares with the temperatures swapped do not fall
    swapped = dict(rnn, **{"tau=0.5": rnn["tau=1.5"], "tau=1.5": rnn["tau=0.5"]})
    assert not falls_with_temperature(swapped)


def falls_with_temperature(share: dict[str, float]) -> bool:
    return share["tau=0.5"] > share["tau=1.0"] > share["tau=1.5"]


# --- lstm-gru § LSTM, GRU and RNN trained side by side ----------------------------------

def side_by_side_story(en: dict, ko: dict) -> list[str]:
    """The sentences of the section; the ones that do not hold."""
    wrong = []
    final = lambda r, c: r["models"][c]["final_val_ppl"]            # noqa: E731
    for r in (en, ko):
        for cell, m in r["models"].items():
            best = min(m["lr_sweep"], key=lambda s: s["final_val_ppl"])
            if not (best["lr"] == m["lr"] and best["final_val_ppl"] == m["final_val_ppl"]):
                wrong.append(f"{cell}: the kept run is the sweep's best")
        params = [m["params"] for m in r["models"].values()]
        if not max(params) / min(params) < 1.01:
            wrong.append("matched parameter counts")
    if not en["models"]["lstm"]["lr_sweep"][0]["final_val_ppl"] > \
            1.15 * en["models"]["rnn"]["lr_sweep"][0]["final_val_ppl"]:
        wrong.append("at 0.003 the English LSTM is far behind the RNN")
    if not (abs(final(en, "lstm") - final(en, "gru")) < 0.05
            and max(final(en, "lstm"), final(en, "gru")) < 0.9 * final(en, "rnn")):
        wrong.append("English: LSTM and GRU level, well below the RNN")
    spread = lambda r: (max(final(r, c) for c in r["models"])          # noqa: E731
                        / min(final(r, c) for c in r["models"]))
    if not (max(final(ko, "lstm"), final(ko, "gru")) < final(ko, "rnn")
            and spread(ko) < 1.1 < spread(en)):
        wrong.append("Korean: gated cells ahead, the three close together")
    if not (ko["lstm_forget_bias_1"]["final_val_ppl"] < final(ko, "lstm")
            and en["lstm_forget_bias_1"]["final_val_ppl"] > final(en, "lstm")):
        wrong.append("forget bias 1 helps the Korean LSTM and costs the English one")
    grid = en["config"]["lr_grid"]
    if not (en["models"]["lstm"]["lr"] == ko["models"]["lstm"]["lr"] == max(grid)
            and en["models"]["rnn"]["lr"] == min(grid)):
        wrong.append("the LSTM's best rate is the grid's largest, the English RNN's smallest")
    return wrong


def test_each_cell_at_its_own_rate_the_gated_cells_come_out_ahead():
    """lstm-gru § LSTM, GRU and RNN trained side by side: each cell keeps its best run of
    the rate sweep; at 0.003 the LSTM trails; at their own rates LSTM and GRU end level in
    English, well below the RNN, and all three close together in Korean; forget bias 1
    helps the Korean LSTM and costs the English one; the LSTM's best rate is the grid's
    largest and the English RNN's its smallest."""
    en, ko = record("lm_en"), record("lm_ko")
    assert side_by_side_story(en, ko) == []
    # the control: the old recording's outcome (one rate for all) contradicts the section
    one_rate = copy.deepcopy(en)
    for m in one_rate["models"].values():
        m["lr"], m["final_val_ppl"] = m["lr_sweep"][0]["lr"], m["lr_sweep"][0]["final_val_ppl"]
    assert "English: LSTM and GRU level, well below the RNN" in side_by_side_story(one_rate, ko)


# --- generation § With a trained model (autocomplete) ---------------------------------

def test_unnormalized_autocomplete_prefers_shorter_words_and_going_always_wins():
    """generation § With a trained model: without length normalization the suggested words
    are shorter than with α = 1; 'going' beats 'gain' and 'join' whatever the last word."""
    from seqcore import beam_search, teacher_forcing_loss

    corpus, lm, params = _trained_lstm()
    step = lm.decoder(params)
    prompt, space = corpus.encode("I want to "), corpus.encode(" ")[0]
    mean_len = {}
    for alpha in (0.0, 1.0):
        hyps = beam_search(step, beam_width=5, max_len=12, eos=space, prefix=prompt,
                           length_penalty=alpha)
        assert all(h.tokens[-1] == space for h in hyps)     # every candidate a whole word
        mean_len[alpha] = np.mean([len(h.tokens) for h in hyps])
    assert mean_len[0.0] < mean_len[1.0]
    for noun in ("star", "stop", "storm", "story"):
        score = {w: -teacher_forcing_loss(step, corpus.encode(f"I am {w} to the {noun}"))
                 for w in ("going", "gain", "join")}
        assert max(score, key=score.get) == "going", (noun, score)
