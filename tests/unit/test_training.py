"""Batches of a token stream, the training loop, perplexity, checkpoints and the corpora."""

from __future__ import annotations

import itertools
import math

import numpy as np
import pytest

import seqcore.corpora as corpora
from seqcore import (
    Optimizer,
    RecurrentLM,
    char_corpus,
    clip_grad_norm,
    corpus_text,
    evaluate_perplexity,
    global_grad_norm,
    load_checkpoint,
    random_batches,
    save_checkpoint,
    sequential_batches,
    stream_batches,
    train,
)
from tests._require import require
from tests.unit.errors import assert_error_names

torch = require("torch")


def _torch_example_batches(tokens: np.ndarray, batch: int, steps: int):
    """PyTorch's word-language-model example: ``batchify`` then ``get_batch`` (torch ops)."""
    data = torch.tensor(tokens)
    nbatch = data.size(0) // batch
    data = data.narrow(0, 0, nbatch * batch).view(batch, -1).t().contiguous()   # (L, B)
    out = []
    for i in range(0, data.size(0) - 1, steps):
        n = min(steps, len(data) - 1 - i)
        out.append((data[i:i + n].numpy(), data[i + 1:i + 1 + n].numpy()))
    return out


@pytest.mark.formula("train.sequential-batches")
@pytest.mark.parametrize("n, batch, steps", [(1001, 4, 10), (641, 8, 5), (97, 3, 4)])
def test_sequential_batches_are_pytorchs_batchify_and_get_batch(n, batch, steps):
    # with N - 1 divisible by B the two row lengths agree: ours is ⌊(N-1)/B⌋, theirs ⌊N/B⌋
    tokens = np.random.default_rng(n).integers(0, 50, size=n)
    ours = sequential_batches(tokens, batch, steps)
    theirs = [(x, y) for x, y in _torch_example_batches(tokens[:-1 if (n - 1) % batch == 0
                                                               else None], batch, steps)
              if x.shape[0] == steps]
    if (n - 1) % batch == 0:            # the same rows: every full batch identical
        theirs = _torch_example_batches(tokens, batch, steps)
        theirs = [(x, y) for x, y in theirs if x.shape[0] == steps]
    assert len(ours) >= 1
    for (x, y), (tx, ty) in zip(ours, theirs, strict=False):
        np.testing.assert_array_equal(x, tx)
        np.testing.assert_array_equal(y[:-1], ty[:-1])


@pytest.mark.formula("train.sequential-batches")
def test_each_row_continues_in_the_next_batch():
    tokens = np.arange(10_000) % 997
    batches = sequential_batches(tokens, batch=5, steps=7, offset=3)
    for (x0, y0), (x1, _) in itertools.pairwise(batches):
        np.testing.assert_array_equal(x1[0], y0[-1])       # the next input follows on
        np.testing.assert_array_equal(y0[:-1], x0[1:])     # targets are the shifted inputs
    assert batches[0][0][0, 0] == 3                         # the offset is skipped


def test_random_batches_are_shuffled_chunks_of_the_stream():
    tokens = np.arange(1000)
    batches = random_batches(tokens, batch=4, steps=8, rng=0)
    starts = [int(x[0, b]) for x, _ in batches for b in range(4)]
    assert len(set(starts)) == len(starts)                  # no chunk twice
    assert len({s % 8 for s in starts}) == 1                # one offset per epoch
    assert starts != sorted(starts)                         # shuffled
    for x, y in batches:
        np.testing.assert_array_equal(np.diff(x, axis=0), 1)   # each row a contiguous chunk
        np.testing.assert_array_equal(y, x + 1)
    again = random_batches(tokens, batch=4, steps=8, rng=0)
    assert all(np.array_equal(a[0], b[0]) for a, b in zip(batches, again, strict=True))


def test_stream_batches_reset_the_state_as_each_partition_needs():
    tokens = np.arange(500)
    seq = stream_batches(tokens, 2, 10, "sequential", seed=1)
    flags = [next(seq)[2] for _ in range(60)]
    per_epoch = len(sequential_batches(tokens, 2, 10, offset=0)) - 1  # offsets shorten it
    assert flags[0] and not all(flags) and sum(flags) >= 60 // (per_epoch + 1)
    rnd = stream_batches(tokens, 2, 10, "random", seed=1)
    assert all(next(rnd)[2] for _ in range(30))


def _epochs(stream, count):
    """The first ``count`` epochs of a sequential stream, split where ``reset`` is set."""
    epochs = []
    while True:
        X, Y, reset = next(stream)
        if reset:
            if len(epochs) == count:
                return epochs
            epochs.append([])
        epochs[-1].append((X, Y))


def test_each_sequential_epoch_draws_a_new_offset_when_the_rows_have_room():
    """An epoch is ``sequential_batches`` at an offset in [0, steps); the offset is drawn anew
    each epoch once a row holds two batches' worth (``(n − 1) // batch ≥ 2·steps``), else 0."""
    B, T = 2, 10
    for n, drawn in [(40, False), (41, True), (500, True)]:    # (n − 1) // 2: 19, 20, 249
        offsets = []
        for epoch in _epochs(stream_batches(np.arange(n), B, T, "sequential", seed=3), 8):
            o = int(epoch[0][0][0, 0])
            expected = sequential_batches(np.arange(n), B, T, offset=o)
            assert 0 <= o < T and len(epoch) == len(expected)
            for (X, Y), (X2, Y2) in zip(epoch, expected, strict=True):
                np.testing.assert_array_equal(X, X2)
                np.testing.assert_array_equal(Y, Y2)
            offsets.append(o)
        assert (len(set(offsets)) > 1) == drawn, (n, offsets)


def test_random_epochs_are_random_batches_from_one_seeded_generator():
    tokens = np.arange(300)
    stream = stream_batches(tokens, 3, 7, "random", seed=5)
    gen = np.random.default_rng(5)
    expected = random_batches(tokens, 3, 7, gen) + random_batches(tokens, 3, 7, gen)
    for X2, Y2 in expected:                     # two epochs: a new shuffle each
        X, Y, reset = next(stream)
        assert reset
        np.testing.assert_array_equal(X, X2)
        np.testing.assert_array_equal(Y, Y2)


def test_random_batches_need_exactly_batch_chunks():
    """(batch + 1)·steps tokens give ``batch`` chunks whatever the offset: one batch."""
    for seed in range(5):
        assert len(random_batches(np.arange(4 * 6), 3, 6, rng=seed)) == 1


def _reference_perplexity(lm, params, tokens, batch, steps):
    """exp(mean cross-entropy) from torch.nn, reading the same batches with the state carried."""
    from tests.unit.test_rnnlm import TorchLM

    m, state, total, count = TorchLM(lm, params), None, 0.0, 0
    with torch.no_grad():
        for X, Y in sequential_batches(tokens, batch, steps):
            logits, state = m(torch.tensor(X), state)
            total += torch.nn.functional.cross_entropy(
                logits.reshape(-1, lm.vocab_size), torch.tensor(Y).reshape(-1),
                reduction="sum").item()
            count += Y.size
    return math.exp(total / count)


@pytest.mark.parametrize("cell", ["rnn", "lstm", "gru"])
def test_perplexity_matches_torch_and_is_v_for_a_uniform_model(cell):
    lm = RecurrentLM(cell, 9, 4, 6)
    params = lm.init_params(seed=1)
    tokens = np.random.default_rng(2).integers(0, 9, size=400)
    got = evaluate_perplexity(lm, params, tokens, batch=3, steps=10)
    assert got == pytest.approx(_reference_perplexity(lm, params, tokens, 3, 10), rel=1e-12)
    params["W_hy"][:] = 0
    params["b_y"][:] = 0
    assert evaluate_perplexity(lm, params, tokens, batch=3, steps=10) == pytest.approx(9.0)


def test_training_is_deterministic_and_learns_a_pattern():
    lm = RecurrentLM("gru", 5, 4, 16)
    text = np.array([0, 1, 2, 3, 4, 3, 2, 1] * 60)

    def run():
        return train(lm, lm.init_params(seed=0), stream_batches(text, 4, 12, seed=0), steps=80,
                     optimizer=Optimizer("adam", lr=0.03), clip=1.0,
                     evaluate=lambda p: {"ppl": evaluate_perplexity(lm, p, text, 4, 12)},
                     eval_every=40, progress=False)

    a, b = run(), run()
    assert a.loss == b.loss and a.grad_norm == b.grad_norm
    assert [s for s, _ in a.evals] == [40, 80]
    assert a.loss[-1] < 0.1 < 1.0 < a.loss[0]
    assert a.evals[-1][1]["ppl"] < 1.2


def test_the_loop_evaluates_times_itself_and_draws_its_bar(capsys):
    """Evaluations every ``eval_every`` updates and after the last (only after the last by
    default); the run's seconds; a tqdm bar on stderr, labelled, counting to ``steps`` with
    the loss, and nothing drawn with ``progress=False``."""
    lm = RecurrentLM("rnn", 4, 2, 3)
    text = np.arange(100) % 4

    def run(**kw):
        return train(lm, lm.init_params(seed=0), stream_batches(text, 2, 5), steps=3,
                     optimizer=Optimizer("sgd", lr=0.1), evaluate=lambda p: {"x": 1.0}, **kw)

    quiet = run(eval_every=2, progress=False)
    assert [s for s, _ in quiet.evals] == [2, 3]
    assert [s for s, _ in run(progress=False).evals] == [3]
    assert 0 < quiet.seconds < 60
    assert capsys.readouterr().err == ""
    loud = run(desc="lm-en")
    drawn = capsys.readouterr().err
    assert "lm-en:" in drawn and "3/3" in drawn and f"loss={loud.loss[-1]:.3f}" in drawn


def test_clipping_in_the_loop_is_clip_grad_norm_before_the_update():
    lm = RecurrentLM("rnn", 6, 3, 5)
    p0 = lm.init_params(seed=2)
    text = np.random.default_rng(0).integers(0, 6, size=200)
    run = train(lm, p0, stream_batches(text, 2, 8, seed=0), steps=1,
                optimizer=Optimizer("sgd", lr=0.7), clip=0.01, progress=False)
    X, Y, _ = next(stream_batches(text, 2, 8, seed=0))
    _, grads, _ = lm.loss_and_grads(p0, X, Y)
    clipped, norm = clip_grad_norm(grads, 0.01)
    assert run.grad_norm[0] == pytest.approx(float(norm), rel=1e-12)
    for k in p0:
        np.testing.assert_allclose(run.params[k], p0[k] - 0.7 * clipped[k], atol=1e-15)


def test_a_run_that_blows_up_stops_and_says_where():
    lm = RecurrentLM("lstm", 4, 2, 3)
    params = lm.init_params(seed=0)
    params["W_hy"][0, 0] = np.inf
    text = np.arange(100) % 4
    with np.errstate(invalid="ignore", over="ignore"):
        run = train(lm, params, stream_batches(text, 2, 5), steps=10,
                    optimizer=Optimizer("sgd", lr=0.1), progress=False)
    assert run.diverged_at == 0 and len(run.loss) == 1 and not math.isfinite(run.loss[0])


def test_global_norm_is_torchs():
    rng = np.random.default_rng(0)
    grads = {k: rng.normal(size=s) for k, s in (("a", (3, 4)), ("b", (5,)))}
    ref = torch.nn.utils.get_total_norm([torch.tensor(g) for g in grads.values()])
    assert global_grad_norm(grads) == pytest.approx(ref.item(), rel=1e-14)
    assert math.isinf(global_grad_norm({"a": np.array([np.inf])}))


def test_checkpoints_round_trip_and_refuse_another_model(tmp_path):
    lm = RecurrentLM("gru", 7, 3, 4)
    params = lm.init_params(seed=0)
    path = save_checkpoint(tmp_path / "gru.npz", params, meta={"cell": "gru"})
    back, meta = load_checkpoint(path, like=params)
    assert meta == {"cell": "gru"}
    for k in params:
        np.testing.assert_array_equal(back[k], params[k])
    other = RecurrentLM("gru", 7, 3, 5).init_params(seed=0)
    msg = assert_error_names(lambda: load_checkpoint(path, like=other), ValueError,
                             ["does not fit the model", "W_hh: (12, 4) float64 (expected "
                              "(15, 5) float64)"])
    assert "E:" not in msg                                     # only what differs
    lstm = RecurrentLM("lstm", 7, 3, 4).init_params(seed=0)
    assert_error_names(lambda: load_checkpoint(path, like={**lstm, "h0": np.zeros(4)}),
                       KeyError, [repr(str(path)), "unexpected []", "missing ['h0']"])
    t_path = save_checkpoint(tmp_path / "t.npz", {k: torch.tensor(v) for k, v in params.items()})
    np.testing.assert_array_equal(load_checkpoint(t_path)[0]["E"], params["E"])
    # into folders that do not exist yet; two wrong shapes are both named
    deep = save_checkpoint(tmp_path / "runs" / "gru" / "last.npz", params)
    assert deep.is_file()
    two = {**params, "E": np.zeros((7, 2)), "W_hh": np.zeros((12, 5))}
    assert_error_names(lambda: load_checkpoint(deep, like=two), ValueError,
                       [repr(str(deep)), "E: (7, 3) float64 (expected (7, 2) float64); W_hh:"])


def test_a_checkpoint_is_plain_arrays(tmp_path):
    """An .npz without seqcore's meta loads with empty meta; one holding a pickled object
    is refused (loading it would run code from the file); '__meta__' is reserved."""
    np.savez(tmp_path / "plain.npz", W=np.eye(2))
    params, meta = load_checkpoint(tmp_path / "plain.npz")
    assert meta == {} and params["W"].tolist() == [[1.0, 0.0], [0.0, 1.0]]
    np.savez(tmp_path / "object.npz", W=np.array([{"a": 1}], dtype=object))
    assert_error_names(lambda: load_checkpoint(tmp_path / "object.npz"), ValueError,
                       ["load_checkpoint", "object.npz", "pickled Python objects"])
    assert_error_names(lambda: save_checkpoint(tmp_path / "m.npz", {"__meta__": np.ones(1)}),
                       ValueError, ["save_checkpoint: `params`", "reserved name '__meta__'"])
    missing = tmp_path / "none.npz"
    assert_error_names(lambda: load_checkpoint(missing), FileNotFoundError, [repr(str(missing))])


def test_the_corpora_ship_in_packages_and_split_contiguously():
    lee = char_corpus("lee")
    text = corpus_text("lee")
    assert lee.train.size + lee.valid.size == len(text)
    assert lee.decode(lee.train[:8]) == text[:8] and lee.decode(lee.valid[-8:]) == text[-8:]
    ko = char_corpus("ko", min_freq=2)
    d = ko.describe()
    assert d["language"] == "ko" and "GPL-3.0" in d["licence"] and d["vocabulary"] > 400
    assert "대한민국" in corpus_text("ko")[:20]
    assert ko.encode("헌법") == [ko.vocab.index["헌"], ko.vocab.index["법"]]


def test_a_missing_package_is_named_with_its_install_command(monkeypatch):
    monkeypatch.setitem(corpora.CORPORA, "lee", ("no_such_package_xyz", ["a.txt"], "en", "", ""))
    monkeypatch.setitem(corpora.VERSIONS, "no_such_package_xyz", "no_such_package_xyz==1")
    assert_error_names(lambda: corpus_text("lee"), ModuleNotFoundError,
                       ["ships inside the Python package 'no_such_package_xyz'",
                        "pip install 'no_such_package_xyz==1'"])


def _lm():
    lm = RecurrentLM("rnn", 4, 2, 3)
    return lm, lm.init_params(seed=0)


@pytest.mark.parametrize(
    ("call", "error", "fragments"),
    [
        # the settings' domains are derived in tests/unit/test_validation.py; here, what depends
        # on the data (a stream too short for its batches) and on files
        (lambda: sequential_batches(np.arange(10), 2, 5), ValueError,
         ["sequential_batches: `tokens` is too short", "batch·steps + offset + 1 = 11"]),
        (lambda: sequential_batches(np.arange(3), 2, 2, offset=1), ValueError,
         ["rows of 0 < `steps`=2", "offset=1", "batch·steps + offset + 1 = 6"]),
        (lambda: random_batches(np.arange(10), 4, 5, rng=0), ValueError,
         ["random_batches: `tokens` is too short", "fewer than `batch`=4"]),
        (lambda: stream_batches(np.arange(5), 2, 3), ValueError, ["`tokens` is too short"]),
        (lambda: evaluate_perplexity(*_lm(), np.arange(3) % 4, batch=2, steps=5), ValueError,
         ["`tokens` is too short"]),
        (lambda: global_grad_norm([np.ones(2)]), TypeError,
         ["global_grad_norm: `grads`", "non-empty dict"]),
        (lambda: save_checkpoint("w.pt", {"a": np.ones(2)}), ValueError,
         ["save_checkpoint: `path`", "ending in .npz", "'w.pt'"]),
        (lambda: save_checkpoint("w.npz", {}), TypeError,
         ["save_checkpoint: `params`", "non-empty dict"]),
        (lambda: save_checkpoint("w.npz", {"a": np.ones(1)}, meta={"f": print}), TypeError,
         ["save_checkpoint: `meta`", "JSON-serializable"]),
        (lambda: load_checkpoint("no/such/file.npz"), FileNotFoundError,
         ["load_checkpoint: no checkpoint at"]),
    ],
)
def test_bad_input_names_the_argument(call, error, fragments):
    assert_error_names(call, error, fragments)
