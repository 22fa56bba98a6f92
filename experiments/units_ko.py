"""Korean in three units (characters, BPE subwords, Kiwi morphemes): bits per character.

One text (the Korean corpus of ``lm_ko``), one split, three ways to cut it into units,
and the same language model for each: a GRU with the same number of parameters, trained
with the same recipe for the same number of updates, each update covering about the same
number of characters. Each is scored on the same held-out text in bits per character:
the negative log2-likelihood of the whole held-out text divided by its number of
characters, whatever the unit.

What makes the three predict the same string:

- **Words and spaces.** The corpus's whitespace is single spaces. Every word is followed
  by one boundary: the space after it, or the end of the text after the last word. The
  character model predicts the boundary as the character " "; the subword and morpheme
  models as the end-of-word marker ``</w>`` fused to the word's last unit. So all three
  spell the same characters and boundaries, and ``N_char`` counts both.
- **Rare characters.** A character seen fewer than ``min_char_count`` times in the
  training part, and any held-out character never seen there, becomes one placeholder
  (U+FFFD) in all three, so all three models learn a probability for "a rare character";
  none has an ``<unk>`` it could use to skip the spelling. The record counts them.
- **Morphemes that give back the characters.** Kiwi's morphemes are not the surface
  text (``한`` is analysed as ``하`` + ``ᆫ``), so the morpheme unit takes only Kiwi's
  *cut points*: each word is cut where a Kiwi token starts or ends inside it, and the
  pieces are the surface characters between the cuts (``한`` stays one piece). Pieces
  seen fewer than ``morph_min_count`` times in training are spelled character by
  character, as BPE spells a word it has no merge for; so the held-out text never
  needs ``<unk>``.
- **The same vocabulary size for both subword units.** BPE learns as many merges as
  make its vocabulary (each character inside and at the end of a word, plus one symbol
  per merge) as large as the morpheme vocabulary. The two then differ only in where
  they cut.

A text can be written in several ways with subword units (``ab`` or ``a`` + ``b``); the
models are scored on the one segmentation the tokenizer gives, so their bits per
character are upper bounds of what the model assigns the text (the character model's
is exact).
"""

from __future__ import annotations

import hashlib
import math
import time
from collections import Counter
from dataclasses import dataclass
from itertools import pairwise

import numpy as np

from experiments._record import Check, sig
from seqcore import (
    END_OF_WORD,
    Optimizer,
    RecurrentLM,
    Vocabulary,
    bits_per_character,
    learn_bpe,
    matched_hidden,
    stream_batches,
    train,
    warmup_cosine_lr,
)
from seqcore.corpora import corpus_text

SEED = 0
UNITS = ("char", "bpe", "morph")
PLACEHOLDER = "\ufffd"
CONFIG = {"corpus": "ko", "held_out_fraction": 0.1, "min_char_count": 2,
          "morph_min_count": 2, "bpe_min_frequency": 2, "cell": "gru", "embed": 32,
          "params": 250_000, "dtype": "float32", "batch": 32, "chars_per_row": 64,
          "partition": "sequential", "updates": 400, "lr": 3e-3, "min_lr": 3e-4,
          "warmup": 50, "clip": 1.0, "eval_every": 50,
          "example": "국회는 국민의 대표기관이다"}
CHECK_UPDATES = 3


@dataclass
class Text:
    """The corpus split at a space, rare characters replaced, and Kiwi's cut points."""

    original: str
    mapped: str            # the same length, rare characters as PLACEHOLDER
    cut: int               # text[cut] is the space between the two parts
    cuts: set[int]         # positions where a Kiwi token starts or ends
    rare_train: int
    rare_held: int

    @property
    def train(self) -> str:
        return self.mapped[:self.cut]

    @property
    def held(self) -> str:
        return self.mapped[self.cut + 1:]


@dataclass
class Units:
    """One unit's vocabulary and id streams: training, and context + held-out."""

    name: str
    vocab: Vocabulary
    train: np.ndarray
    held: np.ndarray
    train_characters: int
    held_characters: int

    def describe(self) -> dict:
        return {"vocabulary": len(self.vocab), "train_tokens": int(self.train.size),
                "held_out_tokens": int(self.held.size - 1),
                "characters_per_token": sig(self.train_characters / self.train.size, 4)}


def kiwi_cuts(text: str) -> set[int]:
    """Every position where a Kiwi token starts or ends (its span in ``text``)."""
    from seqcore.text import _kiwi

    cuts: set[int] = set()
    for token in _kiwi().tokenize(text):
        cuts.update((token.start, token.start + token.len))
    return cuts


def prepare(config: dict) -> Text:
    text = corpus_text(config["corpus"])
    if PLACEHOLDER in text:
        raise ValueError(f"the corpus already contains the placeholder {PLACEHOLDER!r}")
    cut = text.index(" ", round(len(text) * (1 - config["held_out_fraction"])))
    counts = Counter(text[:cut].replace(" ", ""))
    keep = {c for c, n in counts.items() if n >= config["min_char_count"]}
    mapped = "".join(c if c == " " or c in keep else PLACEHOLDER for c in text)
    rare = [i for i, c in enumerate(mapped) if c == PLACEHOLDER]
    return Text(text, mapped, cut, kiwi_cuts(text), sum(i < cut for i in rare),
                sum(i > cut for i in rare))


def morpheme_pieces(text: Text, start: int, end: int) -> list[str]:
    """The words of ``mapped[start:end]`` cut at Kiwi's cut points; ``</w>`` ends each word."""
    out, pos = [], start
    for word in text.mapped[start:end].split(" "):
        bounds = [pos, *(i for i in range(pos + 1, pos + len(word)) if i in text.cuts),
                  pos + len(word)]
        pieces = [text.mapped[a:b] for a, b in pairwise(bounds)]
        pieces[-1] += END_OF_WORD
        out += pieces
        pos += len(word) + 1
    return out


def spell(pieces: list[str], known: set[str]) -> list[str]:
    """Pieces outside ``known`` as their characters, the last keeping the end marker."""
    out = []
    for piece in pieces:
        if piece in known:
            out.append(piece)
            continue
        final = piece.endswith(END_OF_WORD)
        chars = list(piece.removesuffix(END_OF_WORD))
        if final:
            chars[-1] += END_OF_WORD
        out += chars
    return out


def _ids(vocab: Vocabulary, tokens: list[str]) -> np.ndarray:
    ids = np.asarray(vocab.encode(tokens), dtype=np.int64)
    if np.any(ids == vocab.unk_id):
        missing = sorted({t for t, i in zip(tokens, ids, strict=True) if i == vocab.unk_id})
        raise AssertionError(f"units outside the vocabulary: {missing[:10]}")
    return ids


def build_units(text: Text, config: dict) -> tuple[dict[str, Units], dict]:
    """The three unit streams; and what the record says about the segmenters."""
    train, held = text.train, text.held
    n_train, n_held = len(train) + 1, len(held) + 1     # + the final boundary
    alphabet = sorted(set(train.replace(" ", "")))
    base = [*alphabet, *(c + END_OF_WORD for c in alphabet)]
    specials = ("<pad>", "<unk>")

    # characters: the space is a unit; the held-out text is read after the space before it
    chars = Vocabulary([[" ", *alphabet]], specials=specials)
    units = {"char": (chars, list(train + " "), [" ", *held, " "])}

    # morphemes: surface pieces at Kiwi's cut points, rare ones spelled out
    pieces_train = morpheme_pieces(text, 0, text.cut)
    pieces_held = morpheme_pieces(text, text.cut + 1, len(text.mapped))
    counts = Counter(pieces_train)
    known = {p for p, n in counts.items() if n >= config["morph_min_count"]}
    m_vocab = list(dict.fromkeys([*base, *sorted(known)]))
    m_train = spell(pieces_train, known)
    units["morph"] = (Vocabulary([m_vocab], specials=specials), m_train,
                      [m_train[-1], *spell(pieces_held, known)])

    # BPE: as many merges as make its vocabulary as large as the morphemes'
    merges = len(m_vocab) - len(base)
    bpe = learn_bpe(train, merges, min_frequency=config["bpe_min_frequency"])
    b_train, b_held = bpe.encode(train, unknown="error"), bpe.encode(held)
    units["bpe"] = (Vocabulary([bpe.vocabulary], specials=specials), b_train,
                    [b_train[-1], *b_held])

    out = {}
    for name in UNITS:
        vocab, tr, he = units[name]
        out[name] = Units(name, vocab, _ids(vocab, tr), _ids(vocab, he), n_train, n_held)
    about = {
        "bpe": {"merges": len(bpe.merges), "asked": merges,
                "first_merges": [list(m) for m in bpe.merges[:12]],
                "merges_sha256": digest(bpe.merges)},
        "morph": {"kiwipiepy": _version("kiwipiepy"), "pieces_seen": len(counts),
                  "pieces_kept": len(known),
                  "held_out_pieces_spelled": sum(p not in known for p in pieces_held)},
        "example": example(config["example"], bpe, known),
    }
    return out, about


def digest(merges: list[tuple[str, str]]) -> str:
    """SHA-256 of the merges, one ``a b`` per line (subword-nmt's codes, less the header)."""
    return hashlib.sha256("\n".join(" ".join(m) for m in merges).encode()).hexdigest()


def _version(package: str) -> str:
    from importlib.metadata import version

    return version(package)


def example(sentence: str, bpe, known: set[str]) -> dict:
    """One sentence in the three units (its words are in the corpus)."""
    cuts = kiwi_cuts(sentence)
    t = Text(sentence, sentence, len(sentence), cuts, 0, 0)
    return {"text": sentence, "char": list(sentence),
            "bpe": bpe.encode(sentence),
            "morph": spell(morpheme_pieces(t, 0, len(sentence)), known)}


def models(units: dict[str, Units], config: dict) -> dict:
    """A GRU per unit, its hidden width matched to ``params``, all from one seed."""
    out = {}
    for name, u in units.items():
        V, d = len(u.vocab), config["embed"]
        lm = RecurrentLM(config["cell"], V, d, matched_hidden(config["cell"], V, d,
                                                              config["params"]))
        out[name] = (lm, lm.init_params(seed=SEED, dtype=np.dtype(config["dtype"])))
    return out


def steps(u: Units, config: dict) -> int:
    """BPTT length in units: about ``chars_per_row`` characters of text per row."""
    return max(1, round(config["chars_per_row"] * u.train.size / u.train_characters))


def fit(lm, params, u: Units, config: dict, updates: int, progress: bool, evaluate: bool):
    c = config
    return train(
        lm, params, stream_batches(u.train, c["batch"], steps(u, c), c["partition"],
                                   seed=SEED),
        steps=updates, optimizer=Optimizer("adam", lr=c["lr"]),
        schedule=lambda s: warmup_cosine_lr(s, c["lr"], c["warmup"], c["updates"],
                                            c["min_lr"]),
        clip=c["clip"], eval_every=c["eval_every"], progress=progress,
        evaluate=(lambda p: {"bpc": held_out_bpc(lm, p, u)}) if evaluate else None,
        desc=f"units_ko {u.name}")


def held_out_bpc(lm, params, u: Units) -> float:
    return bits_per_character(lm, params, u.held, u.held_characters)


def run(progress: bool = True) -> dict:
    cpu = time.process_time()
    text = prepare(CONFIG)
    units, about = build_units(text, CONFIG)
    results = {"corpus": corpus(text), "segmenters": about,
               "segmenting_cpu_seconds": round(time.process_time() - cpu, 1), "units": {},
               "check": {}}
    for name, (lm, params) in models(units, CONFIG).items():
        u = units[name]
        t0, cpu0 = time.perf_counter(), time.process_time()
        before = held_out_bpc(lm, params, u)
        res = fit(lm, params, u, CONFIG, CONFIG["updates"], progress, evaluate=True)
        k = CONFIG["eval_every"]
        per_char = u.train.size / u.train_characters / math.log(2)   # nats/unit -> bits/char
        results["units"][name] = {
            **u.describe(), "steps": steps(u, CONFIG), "hidden": lm.hidden,
            "params": lm.param_count(),
            "eval_steps": [0, *(s for s, _ in res.evals)],
            "held_out_bpc": [sig(before, 5), *(sig(m["bpc"], 5) for _, m in res.evals)],
            "train_bpc": [None, *(sig(float(np.mean(res.loss[s - k:s])) * per_char, 5)
                                  for s, _ in res.evals)],
            "final_bpc": sig(res.evals[-1][1]["bpc"], 5),
            "seconds": round(time.perf_counter() - t0, 1),
            "cpu_seconds": round(time.process_time() - cpu0, 1)}
        results["check"][name] = {"bpc_before": before, "loss": res.loss[:CHECK_UPDATES]}
    return {"config": CONFIG, "seed": SEED, **results}


def corpus(text: Text) -> dict:
    return {"name": CONFIG["corpus"], "characters": len(text.original),
            "train_characters": len(text.train), "held_out_characters": len(text.held),
            "held_out_words": len(text.held.split(" ")),
            "rare_in_train": text.rare_train, "rare_in_held_out": text.rare_held,
            "placeholder": PLACEHOLDER}


def check(record: dict) -> list[Check]:
    """The split, the units and their vocabularies, the BPE merges, each model's size,
    its held-out bpc before training and the loss of its first updates."""
    config = record["config"]
    text = prepare(config)
    units, about = build_units(text, config)
    checks = [Check("corpus", record["corpus"], corpus(text)),
              Check("BPE merges (sha256)", record["segmenters"]["bpe"]["merges_sha256"],
                    about["bpe"]["merges_sha256"]),
              Check("example", record["segmenters"]["example"], about["example"])]
    for name, (lm, params) in models(units, config).items():
        u, rec = units[name], record["units"][name]
        checks.append(Check(f"{name} units", {k: rec[k] for k in u.describe()}, u.describe()))
        checks.append(Check(f"{name} hidden / params", [rec["hidden"], rec["params"]],
                            [lm.hidden, lm.param_count()]))
        checks.append(Check(f"{name} held-out bpc before training",
                            record["check"][name]["bpc_before"], held_out_bpc(lm, params, u),
                            rtol=1e-5))
        res = fit(lm, params, u, config, CHECK_UPDATES, False, evaluate=False)
        checks.append(Check(f"{name} loss of the first {CHECK_UPDATES} updates",
                            record["check"][name]["loss"], res.loss, rtol=1e-5))
    return checks
