"""What the generation page (chapter 12) and its errata claim in words, checked by computation.

Each test names the section it backs. Beam search is compared with exhaustive search in
test_decoding.py; edit distances come from NLTK, not from seqcore.
"""

from __future__ import annotations

import doctest
from pathlib import Path

import pytest

from seqcore import beam_search, greedy_search
from tests._require import require
from tests.unit.test_decoding import bigram_table, exhaustive, table_step

edit_distance = require("nltk.metrics.distance").edit_distance
SNIPPET = Path(__file__).parents[2] / "snippets" / "generation_typo.pycon"


def snippet_candidates() -> dict[str, list[str]]:
    """The `nearby` table of the typo snippet, read by running the snippet up to it."""
    env: dict = {}
    for example in doctest.DocTestParser().get_examples(SNIPPET.read_text(encoding="utf-8")):
        exec(example.source, env)                               # the snippet, as CI runs it
        if "nearby" in env:
            return env["nearby"]
    raise AssertionError("generation_typo.pycon defines no `nearby` table")


def test_every_typo_candidate_is_one_edit_away():
    """generation § typo correction: "every candidate is one edit away", so the noisy-channel
    term P(typed | intended) is taken as equal and the language model alone ranks."""
    for typed, candidates in snippet_candidates().items():
        assert [edit_distance(typed, c) for c in candidates] == [1] * len(candidates), typed


def test_the_edit_distance_sees_a_two_edit_candidate():
    """Negative control for the test above: the candidate the first version used, "gong",
    is two edits from the typo, and the same check reports it."""
    assert edit_distance("goin", "gong") == 2                   # codespell:ignore goin


@pytest.mark.formula("generation.beam-score", "generation.greedy")
def test_a_narrow_beam_is_exact_on_some_models_but_not_guaranteed():
    """errata generation.yml, Beam Search: width V^(T−1) guarantees the best for every model
    (tested in test_decoding.py), but on a given model a narrower beam, even greedy search,
    may find it; on others it does not."""
    V, T = 3, 3
    greedy_exact = []
    for seed in range(30):
        logP = bigram_table(V, seed)
        best = exhaustive(logP, T, None, 0.0)[0][1]
        greedy_exact.append(greedy_search(table_step(logP), T)[0] == best)
        assert beam_search(table_step(logP), V ** (T - 1), T)[0].tokens == best
    assert any(greedy_exact) and not all(greedy_exact)
