"""Bad-input cases for the public functions that had none elsewhere.

``tests/tooling/test_public_api.py`` fails when a public name of seqcore is never
called under ``pytest.raises``; these cases close the gaps it found. Each
asserts the error type and that the message names the offending argument.
"""

from __future__ import annotations

import numpy as np
import pytest

from seqcore import (
    Hypothesis,
    ShapeError,
    bag_of_words,
    circle,
    cross_entropy_grad,
    document_frequency,
    immersion_rank,
    l2_normalize_rows,
    log_softmax,
    rnn_language_model,
    rnn_output,
    skipgram_softmax,
    tanh_derivative_from_output,
)
from tests.unit.errors import assert_error_names


def _lm(**kw):
    rng = np.random.default_rng(0)
    V, d, n = 3, 2, 4
    return rnn_language_model(rng.normal(size=(V, d)), rng.normal(size=(n, d)),
                              rng.normal(size=(n, n)), rng.normal(size=(V, n)), **kw)


@pytest.mark.parametrize(
    ("call", "error", "fragments"),
    [
        (lambda: bag_of_words(["a"], "abc"), TypeError, ["`vocabulary`", "single str"]),
        (lambda: bag_of_words(5, ["a"]), TypeError, ["`docs[0]`", "got int"]),
        (lambda: bag_of_words([1, 2], ["a"]), TypeError, ["`docs[0]`", "str tokens"]),
        (lambda: document_frequency(np.ones(3)), ValueError, ["`X`", "2-D", "(3,)"]),
        (lambda: document_frequency(np.array([[1, -1]])), ValueError, ["`X`", ">= 0", "-1"]),
        (lambda: document_frequency([["a"]]), TypeError, ["`X`", "counts", "<U1"]),
        (lambda: document_frequency(np.zeros((0, 3))), ValueError, ["`X`", "no document"]),
        (lambda: l2_normalize_rows(np.ones(3)), ValueError, ["`X`", "2-D", "(3,)"]),
        (lambda: l2_normalize_rows([["a"]]), TypeError, ["`X`", "<U1"]),
        (lambda: l2_normalize_rows(np.array([[1.0, -2.0]])), ValueError, ["`X`", "-2.0"]),
        (lambda: log_softmax(np.array(1.0)), ValueError, ["`z`", "0-D"]),
        (lambda: log_softmax(np.array([1, 2])), TypeError, ["`z`", "floating", "int64"]),
        (lambda: log_softmax(np.ones(3), axis=1), ValueError, ["`axis`", "[-1, 0]", "1"]),
        (lambda: cross_entropy_grad(np.ones((2, 3)), np.array([0, 1, 2])),
         ShapeError, ["`targets`", "(2,)", "(3,)"]),
        (lambda: cross_entropy_grad(np.ones((2, 3)), np.array([0, 5])),
         ValueError, ["`targets`", "[0, 2]", "5"]),
        (lambda: cross_entropy_grad(np.ones((2, 3), dtype=int), np.array([0, 1])),
         TypeError, ["`logits`", "floating"]),
        (lambda: rnn_output(np.ones(4), np.ones((2, 5))), ShapeError, ["`h`", "hidden=5", "(4,)"]),
        (lambda: rnn_output(np.ones(2, dtype=int), np.ones((2, 2))),
         TypeError, ["`h`", "floating", "int64"]),
        (lambda: skipgram_softmax(np.ones(3), np.ones((4, 2))),
         ShapeError, ["`v_c`", "dim=2", "(3,)"]),
        (lambda: skipgram_softmax(np.ones(2, dtype=int), np.ones((4, 2))),
         TypeError, ["`v_c`", "floating"]),
        (lambda: skipgram_softmax(np.ones(2), np.ones(2)), ShapeError, ["`U`", "2-D"]),
        (lambda: tanh_derivative_from_output(np.array([1, 2])),
         TypeError, ["`y`", "floating", "int64"]),
        (lambda: tanh_derivative_from_output("abc"), TypeError, ["`y`", "floating"]),
        (lambda: rnn_language_model(np.ones(3), np.ones((2, 3)), np.ones((2, 2)),
                                    np.ones((3, 2))),
         ShapeError, ["`E`", "2-D", "(3,)"]),
        (lambda: _lm(bos=5), ValueError, ["`bos`", "5", "0..2"]),
        (lambda: _lm(bos=-1), ValueError, ["`bos`", "-1"]),
        (lambda: _lm()((7,)), ValueError, ["`prefix`", "[0, 2]", "(7,)"]),
        (lambda: _lm()((-1,)), ValueError, ["`prefix`", "-1"]),
        (lambda: _lm()(("a",)), TypeError, ["`prefix`", "integer"]),
        (lambda: immersion_rank(5, np.ones(3)), TypeError, ["`f`", "callable", "int"]),
        (lambda: immersion_rank(circle, np.arange(3)), TypeError, ["`coords[0]`", "floating"]),
        (lambda: immersion_rank(circle, np.ones(3), eps=0.0), ValueError, ["`eps`", "> 0"]),
        (lambda: immersion_rank(circle, np.ones(3), rtol=-1.0), ValueError, ["`rtol`", "-1.0"]),
        (lambda: immersion_rank(circle, np.ones(3), atol=float("nan")),
         ValueError, ["`atol`", "nan"]),
        (lambda: Hypothesis((1,), 0.0), TypeError, ["'score'"]),
    ],
)
def test_bad_input_names_the_argument(call, error, fragments):
    assert_error_names(call, error, fragments)
