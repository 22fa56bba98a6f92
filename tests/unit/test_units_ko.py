"""Bits per character, and the three Korean units of ``python -m experiments units_ko``.

``bits_per_character`` is compared with the same sum computed by ``torch.nn`` (the
model rebuilt from ``nn.Embedding``, ``nn.GRU``/``nn.LSTM``/``nn.RNN`` and ``nn.Linear``,
``log_softmax`` summed over the whole held-out stream in one row). The units are checked
for what makes the comparison fair: each of the three streams spells exactly the same
characters and word boundaries, none needs ``<unk>``, both subword vocabularies have
the same size, and the BPE of the experiment is subword-nmt's on the same training text.
"""

from __future__ import annotations

import math

import numpy as np
import pytest

from experiments import units_ko
from seqcore import END_OF_WORD, RecurrentLM, bits_per_character
from tests._require import require
from tests.unit.errors import assert_error_names

torch = require("torch")
require("kiwipiepy")


def reference_bpc(lm: RecurrentLM, params: dict, tokens: np.ndarray, characters: int):
    from tests.unit.test_rnnlm import TorchLM

    x = torch.tensor(tokens[:-1])[:, None]
    with torch.no_grad():
        logits, _ = TorchLM(lm, params)(x)
        logp = torch.log_softmax(logits[:, 0], dim=-1)
        total = -logp[torch.arange(len(tokens) - 1), torch.tensor(tokens[1:])].sum().item()
    return total / math.log(2) / characters


@pytest.mark.formula("lm.bits-per-char")
@pytest.mark.parametrize("cell", ["rnn", "lstm", "gru"])
def test_bits_per_character_is_the_log2_likelihood_torch_computes(cell):
    lm = RecurrentLM(cell, 13, 4, 9)
    params = lm.init_params(seed=5)
    tokens = np.random.default_rng(1).integers(0, 13, size=300)
    got = bits_per_character(lm, params, tokens, characters=700)
    assert got == pytest.approx(reference_bpc(lm, params, tokens, 700), rel=1e-12)
    # per unit it is log2 of the perplexity; twice the characters, half the bits each
    assert bits_per_character(lm, params, tokens, 1400) == pytest.approx(got / 2, rel=1e-14)


@pytest.mark.formula("lm.bits-per-char")
def test_a_uniform_model_spends_log2_v_bits_per_unit():
    lm = RecurrentLM("gru", 8, 3, 5)
    params = lm.init_params(seed=0)
    params["W_hy"][:] = 0
    params["b_y"][:] = 0
    tokens = np.arange(101) % 8                      # 100 predicted units, 3 bits each
    assert bits_per_character(lm, params, tokens, characters=300) == pytest.approx(1.0)
    # the first token is context: not scored (a control: scoring it would change N)
    assert bits_per_character(lm, params, tokens[:2], characters=3) == pytest.approx(1.0)


@pytest.fixture(scope="module")
def made():
    text = units_ko.prepare(units_ko.CONFIG)
    units, about = units_ko.build_units(text, units_ko.CONFIG)
    return text, units, about


def spelled(u: units_ko.Units, ids: np.ndarray) -> str:
    """The string a unit stream stands for: each </w> a boundary, written as a space."""
    return "".join(u.vocab.decode(ids)).replace(END_OF_WORD, " ")


def test_the_three_units_spell_the_same_characters_and_boundaries(made):
    text, units, _ = made
    for name, u in units.items():
        assert spelled(u, u.train) == text.train + " ", name
        # the context unit comes from the training part; the rest is the held-out text
        assert spelled(u, u.held[1:]) == text.held + " ", name
        assert spelled(u, u.held[:1]) == spelled(u, u.train[-1:])
        assert u.held_characters == len(text.held) + 1 == len(spelled(u, u.held[1:]))
        assert not np.any(u.train == u.vocab.unk_id) and not np.any(u.held == u.vocab.unk_id)
    held = [units[n].held.size - 1 for n in units_ko.UNITS]
    assert held[0] > held[2] > held[1]              # characters > morpheme pieces > BPE


def test_rare_characters_are_one_placeholder_everywhere(made):
    text, _, _ = made
    assert len(text.mapped) == len(text.original)
    changed = [(a, b) for a, b in zip(text.original, text.mapped, strict=True) if a != b]
    assert {b for _, b in changed} == {units_ko.PLACEHOLDER}
    assert len(changed) == text.rare_train + text.rare_held > 0
    assert text.rare_held > 0                         # some held-out characters are new


def test_morpheme_pieces_are_the_surface_text_cut_where_kiwi_cuts(made):
    _, units, about = made
    sentence = "유구한 역사와 전통에 빛나는"                 # the constitution's first words
    t = units_ko.Text(sentence, sentence, len(sentence), units_ko.kiwi_cuts(sentence), 0, 0)
    # Kiwi: 유구/XR 하/XSA ᆫ/ETM, 역사/NNG 와/JC, ...: 하 and ᆫ share the syllable 한
    assert units_ko.morpheme_pieces(t, 0, len(sentence)) == \
        ["유구", "한</w>", "역사", "와</w>", "전통", "에</w>", "빛나", "는</w>"]
    assert len(units["bpe"].vocab) == len(units["morph"].vocab)
    assert about["bpe"]["merges"] == about["bpe"]["asked"]


def test_the_experiments_bpe_is_subword_nmts(made):
    from tests.unit.test_bpe import reference_merges

    text, _, about = made
    expected = reference_merges(text.train, about["bpe"]["asked"])
    assert units_ko.digest(expected) == about["bpe"]["merges_sha256"]
    assert [list(m) for m in expected[:12]] == about["bpe"]["first_merges"]


def test_the_record_backs_the_pages_words():
    """§ Korean in three units: the character model wins on this text, the subword models
    memorize (training bpc below the character model's, held-out above), and the subword
    models' hidden layers are the narrower ones."""
    from experiments import _record

    r = _record.load("units_ko")["units"]
    assert r["char"]["final_bpc"] < min(r["bpe"]["final_bpc"], r["morph"]["final_bpc"])
    for unit in ("bpe", "morph"):
        assert r[unit]["train_bpc"][-1] < r["char"]["train_bpc"][-1]
        assert r[unit]["hidden"] < r["char"]["hidden"]
    params = [u["params"] for u in r.values()]
    assert max(params) / min(params) < 1.01                      # matched parameter counts


def _record():
    from experiments import _record

    return _record.load("units_ko")


def test_a_piece_is_harder_to_guess_than_a_character():
    """§ Korean in three units: "perplexity cannot say ... a piece of two or three
    characters is harder to guess than one character": per unit, the subword models
    need more bits than the character model, though per character they are close."""
    r = _record()
    held = r["corpus"]["held_out_characters"] + 1                 # + the final boundary
    per_unit = {n: u["final_bpc"] * held / u["held_out_tokens"] for n, u in r["units"].items()}
    assert per_unit["char"] == pytest.approx(r["units"]["char"]["final_bpc"])
    assert min(per_unit["bpe"], per_unit["morph"]) > 1.5 * per_unit["char"]
    assert 2 <= r["units"]["bpe"]["characters_per_token"] <= 3        # "two or three"


def test_the_two_tables_take_most_of_a_subword_models_parameters():
    """§ Korean in three units: "the embedding and output tables take most of the
    parameters" of the subword models (not of the character model: the control)."""
    r = _record()
    share = {}
    for name, u in r["units"].items():
        lm = RecurrentLM(r["config"]["cell"], u["vocabulary"], r["config"]["embed"],
                         u["hidden"])
        p = lm.init_params(seed=0)
        assert lm.param_count() == u["params"]
        share[name] = sum(p[k].size for k in ("E", "W_hy", "b_y")) / u["params"]
    assert share["bpe"] > 0.8 and share["morph"] > 0.8 and share["char"] < 0.5


def test_many_subword_units_occur_only_a_few_times_in_training(made):
    """§ Korean in three units: "many units occur only a few times in training"."""
    _, units, _ = made
    few, median = {}, {}
    for name, u in units.items():
        counts = np.bincount(u.train, minlength=len(u.vocab))[2:]  # not <pad>, <unk>
        few[name], median[name] = np.mean(counts < 5), np.median(counts)
    for unit in ("bpe", "morph"):
        assert few[unit] > 1 / 3 and few[unit] > 1.5 * few["char"]
        assert median[unit] < median["char"] / 3


def test_the_rules_the_section_states_are_the_configuration():
    """§ Korean in three units: characters and morpheme pieces "seen only once" are
    replaced or spelled out (a minimum count of 2), the models have "about" the
    configured size, and BPE and the morpheme pieces "end close together"."""
    r = _record()
    c = r["config"]
    assert c["min_char_count"] == c["morph_min_count"] == 2
    assert all(abs(u["params"] / c["params"] - 1) < 0.01 for u in r["units"].values())
    final = {n: u["final_bpc"] for n, u in r["units"].items()}
    gap = min(final["bpe"], final["morph"]) - final["char"]
    assert abs(final["bpe"] - final["morph"]) < gap / 5


def test_a_subword_model_scores_one_of_several_spellings(made):
    """§ Korean in three units: "a text can be spelled by more than one sequence of
    subword units ... their bpc is an upper bound (the character model's is exact)".
    The probability of a held-out word, summed over every sequence of BPE units that
    spells it, is larger than that of the tokenizer's one sequence; characters spell
    a text one way only."""
    _, units, _ = made
    bpe, chars = units["bpe"], units["char"]
    assert all(len(t) == 1 for t in chars.vocab.tokens[2:])        # one spelling only
    index = {t: i for i, t in enumerate(bpe.vocab.tokens) if i >= 2}

    def spellings(rest: str) -> list[list[int]]:
        if not rest:
            return [[]]
        out = []
        for k in range(1, len(rest) + 1):
            piece = rest[:k] + (END_OF_WORD if k == len(rest) else "")
            if piece in index:
                out += [[index[piece], *tail] for tail in spellings(rest[k:])]
        return out

    # the held-out words in turn, until one can be spelled in more than one way
    start = 1
    for end, i in enumerate(bpe.held[1:], 1):
        if bpe.vocab.tokens[i].endswith(END_OF_WORD):
            context, ids = bpe.held[start - 1], [int(i) for i in bpe.held[start:end + 1]]
            word = "".join(bpe.vocab.tokens[i] for i in ids).removesuffix(END_OF_WORD)
            every = spellings(word)
            assert ids in every
            if len(every) > 1:
                break
            start = end + 1
    assert len(every) > 1 and start < 20, (word, every)
    lm = RecurrentLM("gru", len(bpe.vocab), 4, 6)
    params = lm.init_params(seed=0)

    def probability(seq: list[int]) -> float:                    # bits over 1 "character"
        return 2.0 ** -bits_per_character(lm, params, np.array([context, *seq]), 1)

    total = sum(probability(s) for s in every)
    assert total > probability(ids) * (1 + 1e-6)


@pytest.mark.parametrize(
    ("call", "error", "fragments"),
    [
        (lambda: bits_per_character(RecurrentLM("rnn", 4, 2, 3),
                                    RecurrentLM("rnn", 4, 2, 3).init_params(seed=0),
                                    np.array([1]), 5), ValueError,
         ["bits_per_character: `tokens` is too short", "context token"]),
        (lambda: bits_per_character(RecurrentLM("rnn", 4, 2, 3),
                                    RecurrentLM("rnn", 4, 2, 3).init_params(seed=0),
                                    np.array([1, 2, 3]), 0), ValueError,
         ["`characters` must be an integer"]),
        (lambda: bits_per_character(RecurrentLM("rnn", 4, 2, 3),
                                    RecurrentLM("rnn", 4, 2, 3).init_params(seed=0),
                                    np.array([1.0, 2.0]), 2), TypeError,
         ["`tokens`", "integer dtype"]),
    ],
)
def test_bad_input_names_the_argument(call, error, fragments):
    assert_error_names(call, error, fragments)
