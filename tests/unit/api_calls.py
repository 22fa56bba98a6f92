"""One good call of every public function and method of seqcore, small and fast.

The table-driven validation test (``tests/unit/test_validation.py``) derives its bad calls from
these: it replaces one argument at a time with a value outside the domain the function
declares. ``tests/tooling/test_public_api.py`` checks that every public name has a row here.
A row is ``name -> factory``; the factory returns ``Call(function, args, kwargs)`` (for a
method, the function is bound to a small instance).
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass, field
from typing import Any

import numpy as np

import seqcore as sc


@dataclass
class Call:
    fn: Callable[..., Any]
    args: tuple = ()
    kwargs: dict[str, Any] = field(default_factory=dict)

    def run(self) -> Any:
        return self.fn(*self.args, **self.kwargs)


def r(*shape: int, seed: int = 0) -> np.ndarray:
    return np.random.default_rng(seed).normal(size=shape)


def _probs(*shape: int) -> np.ndarray:
    z = np.exp(r(*shape))
    return z / z.sum(axis=-1, keepdims=True)


def _bigram(prefix: tuple[int, ...]) -> np.ndarray:
    P = np.array([[0.1, 0.6, 0.3], [0.5, 0.1, 0.4], [0.2, 0.2, 0.6]])
    return np.log(P[prefix[-1] if prefix else 0])


DOCS = ["the cat sat", "the dog sat down", "a cat and a dog"]
SENTS = [["a", "b", "a"], ["b", "c"]]
WORDS = ["king", "queen", "man", "woman", "prince"]


def _rnn(d: int = 3, n: int = 4, q: int = 2) -> dict[str, np.ndarray]:
    return {"W_xh": r(n, d, seed=1), "W_hh": r(n, n, seed=2) * 0.5, "b_h": r(n, seed=3),
            "W_hy": r(q, n, seed=4), "b_y": r(q, seed=5)}


def _gates(G: int, d: int = 3, n: int = 4) -> dict[str, np.ndarray]:
    return {"W_ih": r(G * n, d, seed=6), "W_hh": r(G * n, n, seed=7),
            "b_ih": r(G * n, seed=8), "b_hh": r(G * n, seed=9)}


def _block(d: int = 4, ff: int = 6) -> dict[str, np.ndarray]:
    p = {k: r(d, d, seed=i) for i, k in enumerate(("W_q", "W_k", "W_v", "W_o"))}
    p |= {k: r(d, seed=10 + i) for i, k in enumerate(("b_q", "b_k", "b_v", "b_o", "beta_1",
                                                     "beta_2", "gamma_1", "gamma_2"))}
    return p | {"W_1": r(ff, d, seed=20), "b_1": r(ff, seed=21), "W_2": r(d, ff, seed=22),
                "b_2": r(d, seed=23)}


def _mha() -> dict[str, np.ndarray]:
    return {k: v for k, v in _block().items() if k[0] in "Wb" and k[-1] in "qkvo"}


def _sdpa() -> tuple[np.ndarray, ...]:
    Q, K, V = r(2, 3, 4), r(2, 5, 4, seed=1), r(2, 5, 2, seed=2)
    return Q, K, V, sc.scaled_dot_product_attention(Q, K, V)[1]


def _decoder_args() -> dict[str, Any]:
    p = _block() | {f"cross_{k}": v for k, v in _mha().items()}
    return {"params": p | {"gamma_3": r(4, seed=30), "beta_3": r(4, seed=31)},
            "num_heads": 2, "norm_first": True, "mask": np.ones((2, 1, 3), bool),
            "memory_mask": np.ones((2, 1, 5), bool), "causal": True, "eps": 1e-5}


class _FirstStep(sc.KVCache):
    """A cache that forgets the earlier steps: each run of the good call (the table runs it
    several times) is the first step, with the same result."""

    def _write(self, xp: Any, k: Any, v: Any) -> tuple[Any, Any]:
        self.truncate(0)
        return super()._write(xp, k, v)


def _used_cache() -> Any:
    cache = sc.KVCache(4)
    cache.append(np, r(1, 2, 3), r(1, 2, 3))
    return cache


def _bpe() -> Any:
    return sc.BPE([("l", "o"), ("lo", "w</w>"), ("lo", "w")], "low")


def _lm() -> Callable[[tuple[int, ...]], np.ndarray]:
    return sc.rnn_language_model(r(3, 2), r(4, 2, seed=1), r(4, 4, seed=2), r(3, 4, seed=3),
                                 bos=0)


def _tf_idf_counts() -> np.ndarray:
    return np.array([[1, 0, 2], [0, 1, 1], [3, 0, 0]])


GOOD: dict[str, Callable[[], Call]] = {
    # activations
    "softmax": lambda: Call(sc.softmax, (r(2, 3),), {"axis": -1}),
    "log_softmax": lambda: Call(sc.log_softmax, (r(2, 3),), {"axis": 0}),
    "sigmoid": lambda: Call(sc.sigmoid, (r(3),)),
    "tanh_derivative_from_output": lambda: Call(sc.tanh_derivative_from_output,
                                                (np.tanh(r(3)),)),
    # the vanilla RNN and its topologies
    "rnn_step": lambda: Call(sc.rnn_step, (r(2, 3), r(2, 4)),
                             {k: v for k, v in _rnn().items() if k[-1] == "h"}
                             | {"nonlinearity": "relu"}),
    "rnn_forward": lambda: Call(sc.rnn_forward, (r(5, 2, 3),),
                                {k: v for k, v in _rnn().items() if k[-1] == "h"}
                                | {"h0": r(2, 4), "nonlinearity": "tanh"}),
    "rnn_logits": lambda: Call(sc.rnn_logits, (r(5, 4), _rnn()["W_hy"], _rnn()["b_y"])),
    "rnn_output": lambda: Call(sc.rnn_output, (r(4), _rnn()["W_hy"], _rnn()["b_y"])),
    "one_to_one": lambda: Call(sc.one_to_one, (r(2, 3), _rnn()["W_xh"], _rnn()["b_h"],
                                               _rnn()["W_hy"], _rnn()["b_y"])),
    "one_to_many": lambda: Call(sc.one_to_many, (r(2),), {"steps": 3, **_rnn(d=2, q=2),
                                                          "feedback": "output"}),
    "many_to_one": lambda: Call(sc.many_to_one, (r(5, 3),), {**_rnn(), "h0": r(4)}),
    "many_to_many": lambda: Call(sc.many_to_many, (r(5, 2, 3),), _rnn()),
    "encoder_decoder": lambda: Call(sc.encoder_decoder, (r(5, 3), r(4, 2)), {
        "encoder": tuple(_rnn()[k] for k in ("W_xh", "W_hh", "b_h")),
        "decoder": tuple(_rnn(d=2)[k] for k in ("W_xh", "W_hh", "b_h")),
        "W_hy": _rnn()["W_hy"], "b_y": _rnn()["b_y"]}),
    # BPTT
    "cross_entropy": lambda: Call(sc.cross_entropy, (r(5, 2, 3), np.zeros((5, 2), int))),
    "sequence_cross_entropy": lambda: Call(sc.sequence_cross_entropy,
                                           (r(5, 2, 3), np.ones((5, 2), int))),
    "cross_entropy_grad": lambda: Call(sc.cross_entropy_grad, (r(4, 3), np.array([0, 1, 2, 1]))),
    "output_layer_backward": lambda: Call(sc.output_layer_backward,
                                          (r(5, 4), r(5, 2), _rnn()["W_hy"])),
    "rnn_backward": lambda: Call(sc.rnn_backward, (r(5, 3), r(5, 4), r(5, 4), _rnn()["W_xh"],
                                                   _rnn()["W_hh"]),
                                 {"h0": r(4), "dh_T": r(4), "nonlinearity": "tanh"}),
    "rnn_bptt": lambda: Call(sc.rnn_bptt, (r(5, 3), np.zeros(5, int)), {**_rnn(), "h0": r(4)}),
    "truncated_bptt": lambda: Call(sc.truncated_bptt, (r(5, 3), np.zeros(5, int)),
                                   {**_rnn(), "k": 2}),
    # gradients
    "step_jacobian": lambda: Call(sc.step_jacobian, (np.tanh(r(4)), _rnn()["W_hh"])),
    "hidden_jacobian": lambda: Call(sc.hidden_jacobian, (np.tanh(r(5, 4)), _rnn()["W_hh"]),
                                    {"t": 2}),
    "jacobian_norms": lambda: Call(sc.jacobian_norms, (np.tanh(r(5, 4)), _rnn()["W_hh"])),
    "clip_grad_norm": lambda: Call(sc.clip_grad_norm, ([r(3), r(2, 2)],),
                                   {"max_norm": 1.0, "eps": 1e-6}),
    "clip_grad_value": lambda: Call(sc.clip_grad_value, ({"W": r(3)},), {"clip_value": 0.5}),
    # LSTM, GRU, deep
    "lstm_step": lambda: Call(sc.lstm_step, (r(2, 3), r(2, 4), r(2, 4)), _gates(4)),
    "lstm_forward": lambda: Call(sc.lstm_forward, (r(5, 2, 3),),
                                 _gates(4) | {"h0": r(2, 4), "c0": r(2, 4)}),
    "lstm_backward": lambda: Call(sc.lstm_backward, (r(5, 3), r(5, 4)),
                                  _gates(4) | {"h0": r(4), "c0": r(4), "dh_T": r(4),
                                               "dc_T": r(4)}),
    "gru_step": lambda: Call(sc.gru_step, (r(2, 3), r(2, 4)), _gates(3) | {"form": "cho"}),
    "gru_forward": lambda: Call(sc.gru_forward, (r(5, 3),), _gates(3) | {"h0": r(4)}),
    "gru_backward": lambda: Call(sc.gru_backward, (r(5, 3), r(5, 4)),
                                 _gates(3) | {"h0": r(4), "dh_T": r(4)}),
    "deep_rnn": lambda: Call(sc.deep_rnn, (r(5, 2, 3),), {
        "layers": [[tuple(_gates(3).values())], [tuple(_gates(3, d=4).values())]],
        "cell": "gru", "h0": r(2, 2, 4)}),
    "bidirectional_rnn": lambda: Call(sc.bidirectional_rnn, (r(5, 3),), {
        "forward": tuple(_gates(4).values()), "backward": tuple(_gates(4).values()),
        "cell": "lstm", "h0": r(2, 4), "c0": r(2, 4)}),
    "weights_from_torch": lambda: Call(sc.weights_from_torch, (_torch_lstm(),)),
    # decoding
    "teacher_forcing_loss": lambda: Call(sc.teacher_forcing_loss, (_bigram, [1, 2]),
                                         {"reduction": "mean"}),
    "greedy_search": lambda: Call(sc.greedy_search, (_bigram,), {"max_len": 3, "eos": 2,
                                                                 "prefix": (1,)}),
    "beam_search": lambda: Call(sc.beam_search, (_bigram,), {
        "beam_width": 2, "max_len": 3, "eos": 2, "length_penalty": 0.5, "prefix": (0,)}),
    "temperature_softmax": lambda: Call(sc.temperature_softmax, (r(2, 5),),
                                        {"temperature": 0.7}),
    "top_k_softmax": lambda: Call(sc.top_k_softmax, (r(2, 5),), {"k": 2, "temperature": 2.0}),
    "sample_token": lambda: Call(sc.sample_token, (r(5),), {
        "temperature": 0.8, "top_k": 3, "rng": 0, "size": 4}),
    "sample_sequence": lambda: Call(sc.sample_sequence, (_bigram,), {
        "max_len": 3, "temperature": 0.9, "top_k": 2, "eos": 2, "prefix": (1,), "rng": 1}),
    "rnn_language_model": lambda: Call(sc.rnn_language_model, (
        r(3, 2), r(4, 2, seed=1), r(4, 4, seed=2), r(3, 4, seed=3)),
        {"b_h": r(4), "b_y": r(3), "bos": 1}),
    "rnn_language_model.step": lambda: Call(_lm(), ((1, 2),)),
    "Hypothesis": lambda: Call(sc.Hypothesis, ((1, 2), -0.5, -0.25)),
    "power_length_penalty": lambda: Call(sc.power_length_penalty, (3, 0.6)),
    "gnmt_length_penalty": lambda: Call(sc.gnmt_length_penalty, (3,), {"alpha": 0.6}),
    "top_p_softmax": lambda: Call(sc.top_p_softmax, (r(2, 5),), {"p": 0.8,
                                                                 "temperature": 0.7}),
    # attention and the Transformer
    "bahdanau_step": lambda: Call(sc.bahdanau_step, (r(2, 2), r(2, 3), r(2, 4, 5), r(6, 3),
                                                     r(6, 5), r(6), r(9, 7), r(9, 3)),
                                  {"b_ih": r(9), "b_hh": r(9)}),
    "luong_step": lambda: Call(sc.luong_step, (r(2, 2), r(2, 3), r(2, 4, 5), r(9, 2), r(9, 3),
                                               r(6, 8)),
                               {"b_ih": r(9), "b_hh": r(9), "W_a": r(3, 5)}),
    "dot_score": lambda: Call(sc.dot_score, (r(2, 3), r(2, 5, 3))),
    "general_score": lambda: Call(sc.general_score, (r(4), r(5, 3), r(4, 3))),
    "additive_score": lambda: Call(sc.additive_score, (r(2, 4), r(2, 5, 3), r(6, 4), r(6, 3),
                                                       r(6))),
    "attention_weights": lambda: Call(sc.attention_weights, (r(2, 5),),
                                      {"mask": np.array([True, True, False, True, True])}),
    "context_vector": lambda: Call(sc.context_vector, (_probs(2, 5), r(2, 5, 3))),
    "causal_mask": lambda: Call(sc.causal_mask, (3,), {"n_keys": 4}),
    "scaled_dot_product_attention": lambda: Call(sc.scaled_dot_product_attention, (
        r(2, 3, 4), r(2, 3, 4), r(2, 3, 2)), {"mask": np.ones((2, 1, 3), bool), "causal": True}),
    "multi_head_attention": lambda: Call(sc.multi_head_attention, (r(2, 3, 4), r(2, 5, 4),
                                                                   r(2, 5, 4)),
                                         _mha() | {"num_heads": 2, "causal": False,
                                                   "mask": np.ones((2, 3, 5), bool)}),
    "layer_norm": lambda: Call(sc.layer_norm, (r(2, 4), r(4), r(4)), {"eps": 1e-5}),
    "feed_forward": lambda: Call(sc.feed_forward, (r(2, 4), r(6, 4), r(6), r(4, 6), r(4))),
    "positional_encoding": lambda: Call(sc.positional_encoding, (5, 4), {"base": 100.0}),
    "positional_shift": lambda: Call(sc.positional_shift, (2, 4), {"base": 100.0}),
    "transformer_encoder_block": lambda: Call(sc.transformer_encoder_block, (r(2, 3, 4),), {
        "params": _block(), "num_heads": 2, "norm_first": True, "causal": True, "eps": 1e-5}),
    # backward passes of attention and the Transformer
    "softmax_backward": lambda: Call(sc.softmax_backward, (r(2, 5), _probs(2, 5))),
    "scaled_dot_product_attention_backward": lambda: Call(
        sc.scaled_dot_product_attention_backward, (r(2, 3, 2), *_sdpa())),
    "dot_score_backward": lambda: Call(sc.dot_score_backward, (r(2, 5), r(2, 3), r(2, 5, 3))),
    "general_score_backward": lambda: Call(sc.general_score_backward, (r(5), r(4), r(5, 3),
                                                                       r(4, 3))),
    "additive_score_backward": lambda: Call(sc.additive_score_backward, (
        r(2, 5), r(2, 4), r(2, 5, 3), r(6, 4), r(6, 3), r(6))),
    "context_vector_backward": lambda: Call(sc.context_vector_backward, (
        r(2, 3), _probs(2, 5), r(2, 5, 3))),
    "layer_norm_backward": lambda: Call(sc.layer_norm_backward, (r(2, 4), r(2, 4), r(4), r(4)),
                                        {"eps": 1e-5}),
    "feed_forward_backward": lambda: Call(sc.feed_forward_backward, (
        r(2, 4), r(2, 4), r(6, 4), r(6), r(4, 6), r(4))),
    "multi_head_attention_backward": lambda: Call(sc.multi_head_attention_backward, (
        r(2, 3, 4), r(2, 3, 4), r(2, 5, 4), r(2, 5, 4)), _mha() | {
        "num_heads": 2, "causal": False, "mask": np.ones((2, 3, 5), bool)}),
    "transformer_encoder_block_backward": lambda: Call(
        sc.transformer_encoder_block_backward, (r(2, 3, 4), r(2, 3, 4)), {
            "params": _block(), "num_heads": 2, "norm_first": True, "causal": True,
            "mask": np.ones((2, 1, 3), bool), "eps": 1e-5}),
    # the decoder, embeddings with weight tying, the key-value cache
    "transformer_decoder_block": lambda: Call(sc.transformer_decoder_block, (
        r(2, 3, 4), r(2, 5, 4)), _decoder_args()),
    "transformer_decoder_block_backward": lambda: Call(
        sc.transformer_decoder_block_backward, (r(2, 3, 4), r(2, 3, 4), r(2, 5, 4)),
        _decoder_args()),
    "transformer_embedding": lambda: Call(sc.transformer_embedding, (
        np.array([[0, 4], [2, 2]]), r(5, 4)), {"offset": 1, "pe": sc.positional_encoding(6, 4)}),
    "transformer_embedding_backward": lambda: Call(sc.transformer_embedding_backward, (
        r(2, 2, 4), np.array([[0, 4], [2, 2]]), r(5, 4)), {"d_E": r(5, 4)}),
    "tied_output_logits": lambda: Call(sc.tied_output_logits, (r(2, 3, 4), r(5, 4)),
                                       {"b": r(5)}),
    "tied_output_backward": lambda: Call(sc.tied_output_backward, (r(2, 3, 5), r(2, 3, 4),
                                                                   r(5, 4)), {"b": r(5)}),
    "KVCache": lambda: Call(sc.KVCache, (4,)),
    "KVCache.truncate": lambda: Call(_used_cache().truncate, (1,)),
    "KVCache.append": lambda: Call(sc.KVCache(4).append, (np, r(2, 1, 3), r(2, 1, 3))),
    "decoder_block_step": lambda: Call(sc.decoder_block_step, (r(2, 4),), {
        k: a for k, a in _decoder_args().items() if k not in ("mask", "causal")} | {
        "cache": _FirstStep(3), "memory": r(2, 5, 4)}),
    # byte-pair encoding
    "pair_counts": lambda: Call(sc.pair_counts, ({("l", "o", "w</w>"): 5, ("l", "o"): 2},)),
    "merge_pair": lambda: Call(sc.merge_pair, (("a", "a", "a</w>"), ("a", "a"))),
    "learn_bpe": lambda: Call(sc.learn_bpe, ({"low": 5, "lower": 2, "newest": 6},), {
        "num_merges": 3, "min_frequency": 2}),
    "BPE": lambda: Call(sc.BPE, ([("l", "o"), ("lo", "w</w>")], "low")),
    "BPE.segment": lambda: Call(_bpe().segment, ("lowlow",)),
    "BPE.encode": lambda: Call(_bpe().encode, ("low lowlow",), {"unknown": "error"}),
    "BPE.decode": lambda: Call(_bpe().decode, (["lo", "w</w>", "low</w>"],)),
    # why sequence models
    "sequence_log_prob": lambda: Call(sc.sequence_log_prob, (_probs(2, 4, 3),
                                                             np.zeros((2, 4), int))),
    "markov_chain_log_prob": lambda: Call(sc.markov_chain_log_prob, (
        np.array([0, 2, 1]), _probs(3), _probs(3, 3))),
    "ar_simulate": lambda: Call(sc.ar_simulate, (r(6), np.array([0.5, -0.2])),
                                {"c": 0.1, "x_init": r(2)}),
    "ar_predict": lambda: Call(sc.ar_predict, (r(6), np.array([0.5, -0.2])), {"c": 0.1}),
    "ar_fit": lambda: Call(sc.ar_fit, (r(20),), {"p": 2, "intercept": True}),
    "ar_forecast": lambda: Call(sc.ar_forecast, (r(6), np.array([0.5])), {"steps": 3, "c": 0.2}),
    "latent_states": lambda: Call(sc.latent_states, (r(4, 2), lambda h, x: h + x, np.zeros(2))),
    "linear_rnn": lambda: Call(sc.linear_rnn, (r(5, 2),), {"a": 0.5, "b": 2.0, "h0": r(2)}),
    "linear_rnn_impulse_response": lambda: Call(sc.linear_rnn_impulse_response, (0.5, 2.0, 4)),
    "next_items": lambda: Call(sc.next_items, (_probs(2, 5),), {"k": 2, "exclude": [1]}),
    # text
    "normalize_text": lambda: Call(sc.normalize_text, ("Ａ  b",), {"lowercase": True,
                                                                   "form": "NFC"}),
    "clean_text": lambda: Call(sc.clean_text, ("<b>hi</b> http://x.y",), {
        "urls": True, "html": False, "emails": True, "symbols": False}),
    "split_sentences": lambda: Call(sc.split_sentences, ("One. Two!",)),
    "whitespace_tokenize": lambda: Call(sc.whitespace_tokenize, ("a b",)),
    "morpheme_tokenize": lambda: Call(sc.morpheme_tokenize, ("나는 간다",), {
        "tags": True, "drop": ["J"]}),
    "Vocabulary": lambda: Call(sc.Vocabulary, (SENTS,), {"min_freq": 1, "max_size": 2,
                                                        "specials": ["<pad>", "<unk>"]}),
    "Vocabulary.encode": lambda: Call(sc.Vocabulary(SENTS).encode, (["a", "z"],), {
        "bos": True, "eos": False}),
    "Vocabulary.decode": lambda: Call(sc.Vocabulary(SENTS).decode, ([0, 4, 1],),
                                      {"skip_specials": True}),
    "pad_sequences": lambda: Call(sc.pad_sequences, ([[1, 2], [3]],), {
        "maxlen": 3, "padding": "pre", "truncating": "post", "value": 0}),
    # sparse, similarity, BM25
    "one_hot": lambda: Call(sc.one_hot, ([0, 2],), {"size": 3}),
    "document_term_matrix": lambda: Call(sc.document_term_matrix, (DOCS,), {
        "tokenizer": str.split, "lowercase": True, "min_df": 1}),
    "bag_of_words": lambda: Call(sc.bag_of_words, ("the cat", ["cat", "the"])),
    "document_frequency": lambda: Call(sc.document_frequency, (_tf_idf_counts(),)),
    "term_frequency": lambda: Call(sc.term_frequency, (_tf_idf_counts(),), {"variant": "log"}),
    "idf": lambda: Call(sc.idf, (np.array([1, 2, 3]),), {"n_docs": 3, "variant": "plain"}),
    "l2_normalize_rows": lambda: Call(sc.l2_normalize_rows, (_tf_idf_counts(),)),
    "tfidf": lambda: Call(sc.tfidf, (_tf_idf_counts(),), {
        "tf": "length", "idf_variant": "textbook", "norm": "l2", "idf_weights": np.ones(3)}),
    "cosine_similarity": lambda: Call(sc.cosine_similarity, (r(2, 3), r(3)), {"zero": 0.0}),
    "euclidean_distance": lambda: Call(sc.euclidean_distance, (r(3), r(2, 3))),
    "jaccard_similarity": lambda: Call(sc.jaccard_similarity, (["a", "b"], ["b", "c"])),
    "bm25_idf": lambda: Call(sc.bm25_idf, (np.array([1, 2, 3]),), {
        "n_docs": 4, "variant": "okapi", "epsilon": 0.25}),
    "bm25_tf": lambda: Call(sc.bm25_tf, (np.array([0, 1, 3]), np.array([2, 4, 6])), {
        "avgdl": 4.0, "k1": 1.2, "b": 0.75, "variant": "lucene"}),
    "BM25Index": lambda: Call(sc.BM25Index, (DOCS,), {
        "k1": 1.2, "b": 0.5, "variant": "lucene", "epsilon": 0.25, "tokenizer": str.split}),
    "BM25Index.scores": lambda: Call(sc.BM25Index(DOCS).scores, ("cat dog",)),
    "BM25Index.scores_batch": lambda: Call(sc.BM25Index(DOCS).scores_batch, (["cat", "dog"],)),
    "BM25Index.top_k": lambda: Call(sc.BM25Index(DOCS).top_k, ("cat",), {"k": 2}),
    # n-grams
    "ngrams": lambda: Call(sc.ngrams, (["a", "b"],), {"n": 2, "pad": False}),
    "ngram_counts": lambda: Call(sc.ngram_counts, (SENTS,), {"n": 2, "pad": True}),
    "NGramLM": lambda: Call(sc.NGramLM, (SENTS,), {"n": 2, "k": 1.0, "vocab_size": 5}),
    "NGramLM.prob": lambda: Call(sc.NGramLM(SENTS).prob, ("b",), {"context": ["a"]}),
    "NGramLM.sentence_probability": lambda: Call(sc.NGramLM(SENTS).sentence_probability,
                                                 (["a", "b"],)),
    "NGramLM.log_probability": lambda: Call(sc.NGramLM(SENTS).log_probability, (["a", "b"],)),
    "NGramLM.perplexity": lambda: Call(sc.NGramLM(SENTS, k=1.0).perplexity, (SENTS,)),
    # embeddings, GloVe, word2vec
    "embedding_lookup": lambda: Call(sc.embedding_lookup, (r(5, 3), np.array([[0, 4], [2, 2]]))),
    "nearest_neighbors": lambda: Call(sc.nearest_neighbors, (r(5, 3), r(3)), {
        "k": 2, "exclude": [0]}),
    "analogy_3cosadd": lambda: Call(sc.analogy_3cosadd, (r(5, 3), 0, 1, 2), {"k": 1}),
    "analogy_3cosmul": lambda: Call(sc.analogy_3cosmul, (r(5, 3), 0, 1, 2), {
        "k": 2, "epsilon": 1e-3}),
    "WordVectors": lambda: Call(sc.WordVectors, (WORDS, r(5, 3))),
    "WordVectors.index": lambda: Call(sc.WordVectors(WORDS, r(5, 3)).index, ("man",)),
    "WordVectors.most_similar": lambda: Call(sc.WordVectors(WORDS, r(5, 3)).most_similar,
                                             ("king",), {"k": 2}),
    "WordVectors.analogy": lambda: Call(sc.WordVectors(WORDS, r(5, 3)).analogy,
                                        ("man", "king", "woman"), {
                                            "k": 1, "method": "3cosmul", "epsilon": 1e-3}),
    "WordVectors.evaluate_analogies": lambda: Call(
        sc.WordVectors(WORDS, r(5, 3)).evaluate_analogies, ([": x", "man king woman queen"],),
        {"method": "3cosadd", "lowercase": True, "epsilon": 1e-3}),
    "UnknownWordError": lambda: Call(sc.UnknownWordError, ("x",)),
    "glove_weight": lambda: Call(sc.glove_weight, (np.array([[0.0, 3.0], [150.0, 1.0]]),), {
        "x_max": 100.0, "alpha": 0.75}),
    "glove_loss": lambda: Call(sc.glove_loss, (r(3, 2), r(3, 2), r(3), r(3), np.ones((3, 3))), {
        "x_max": 10.0, "alpha": 0.5}),
    "glove_gradients": lambda: Call(sc.glove_gradients, (r(3, 2), r(3, 2), r(3), r(3),
                                                         np.ones((3, 3)))),
    "skipgram_softmax": lambda: Call(sc.skipgram_softmax, (r(2, 3), r(5, 3))),
    "sgns_loss": lambda: Call(sc.sgns_loss, (r(2, 3), r(2, 3), r(2, 4, 3))),
    "sgns_gradients": lambda: Call(sc.sgns_gradients, (r(3), r(3), r(4, 3))),
    "noise_distribution": lambda: Call(sc.noise_distribution, (np.array([5, 1, 0]),),
                                       {"power": 0.75}),
    "subsample_keep_probability": lambda: Call(sc.subsample_keep_probability,
                                               (np.array([50, 1, 3]),), {"sample": 1e-2}),
    "skipgram_pairs": lambda: Call(sc.skipgram_pairs, ([3, 1, 4, 1],), {
        "window": 2, "shrink": np.array([0, 1, 0, 1])}),
    "train_skipgram": lambda: Call(sc.train_skipgram, ([["a", "b", "a", "c"]] * 2,), {
        "dim": 2, "window": 1, "negative": 1, "epochs": 1, "alpha": 0.025, "min_alpha": 1e-4,
        "min_count": 1, "sample": 0.0, "batch_size": 4, "seed": 0, "progress": False}),
    # topology
    "circle": lambda: Call(sc.circle, (r(4),), {"radius": 2.0}),
    "figure_eight": lambda: Call(sc.figure_eight, (r(4),)),
    "klein_bottle": lambda: Call(sc.klein_bottle, (r(4), r(4, seed=1)), {"r": 3.0}),
    "jacobian": lambda: Call(sc.jacobian, (sc.klein_bottle, r(3), r(3, seed=1)), {"eps": 1e-6}),
    "immersion_rank": lambda: Call(sc.immersion_rank, (sc.circle, r(3)), {
        "eps": 1e-6, "rtol": 1e-6, "atol": 1e-8}),
    "self_intersections": lambda: Call(sc.self_intersections, (
        sc.figure_eight(np.linspace(0, 6.2, 50)), np.linspace(0, 6.2, 50)[:, None]), {
        "tol": 0.2, "min_separation": 0.5, "domain": "circle"}),
    # training: the language model, optimizers, batches, the loop, checkpoints, corpora
    "mean_cross_entropy": lambda: Call(sc.mean_cross_entropy, (r(3, 2, 4),
                                                               np.array([[1, -100]] * 3)),
                                       {"ignore_index": -100}),
    "embedding_backward": lambda: Call(sc.embedding_backward, (np.array([[2, 0], [2, 1]]),
                                                               r(2, 2, 3), 4)),
    "RecurrentLM": lambda: Call(sc.RecurrentLM, ("gru",), {"vocab_size": 6, "embed": 3,
                                                          "hidden": 4}),
    "RecurrentLM.shapes": lambda: Call(_rlm().shapes),
    "RecurrentLM.param_count": lambda: Call(_rlm().param_count),
    "RecurrentLM.init_params": lambda: Call(_rlm().init_params, (0,), {"carry_bias": 1.0}),
    "RecurrentLM.zero_state": lambda: Call(_rlm().zero_state, (2, r(3))),
    "RecurrentLM.forward": lambda: Call(_rlm().forward, (_rlm_params(), _ids()),
                                        {"state": (r(2, 4),)}),
    "RecurrentLM.loss_and_grads": lambda: Call(_rlm().loss_and_grads, (
        _rlm_params(), _ids(), (_ids() + 1) % 6)),
    "RecurrentLM.decoder": lambda: Call(_rlm().decoder, (_rlm_params(),)),
    "matched_hidden": lambda: Call(sc.matched_hidden, ("lstm", 10, 4, 500)),
    "GPT": lambda: Call(sc.GPT, (6, 4, 2, 1, 5, 4), {"eps": 1e-6}),
    "GPT.shapes": lambda: Call(_gpt().shapes),
    "GPT.param_count": lambda: Call(_gpt().param_count),
    "GPT.init_params": lambda: Call(_gpt().init_params, (0,)),
    "GPT.zero_state": lambda: Call(_gpt().zero_state, (2, r(3))),
    "GPT.forward": lambda: Call(_gpt().forward, (_gpt_params(), _ids()), {"state": None}),
    "GPT.loss_and_grads": lambda: Call(_gpt().loss_and_grads, (
        _gpt_params(), _ids(), (_ids() + 1) % 6)),
    "GPT.decoder": lambda: Call(_gpt().decoder, (_gpt_params(),)),
    "GPT.generate": lambda: Call(_gpt().generate, (_gpt_params(), [1, 2], 3), {
        "temperature": 0.8, "top_p": 0.9, "greedy": False, "rng": 0}),
    "sgd_step": lambda: Call(sc.sgd_step, ({"w": r(3)}, {"w": r(3, seed=1)}), {
        "lr": 0.1, "momentum": 0.9, "dampening": 0.0, "nesterov": True,
        "weight_decay": 0.01}),
    "adam_step": lambda: Call(sc.adam_step, ({"w": r(3)}, {"w": r(3, seed=1)}), {
        "lr": 0.01, "betas": (0.8, 0.99), "eps": 1e-8, "weight_decay": 0.1}),
    "adamw_step": lambda: Call(sc.adamw_step, ({"w": r(3)}, {"w": r(3, seed=1)}), {
        "lr": 0.01, "betas": (0.8, 0.99), "eps": 1e-8, "weight_decay": 0.1}),
    "warmup_cosine_lr": lambda: Call(sc.warmup_cosine_lr, (3, 0.1, 2, 10), {"min_lr": 0.01}),
    "Optimizer": lambda: Call(sc.Optimizer, ("adamw",), {"lr": 0.01, "weight_decay": 0.1}),
    "Optimizer.step": lambda: Call(sc.Optimizer("sgd", lr=0.1).step, (
        {"w": r(3)}, {"w": r(3, seed=1)}), {"lr": 0.05}),
    "sequential_batches": lambda: Call(sc.sequential_batches, (np.arange(20),), {
        "batch": 2, "steps": 3, "offset": 1}),
    "random_batches": lambda: Call(sc.random_batches, (np.arange(20),), {
        "batch": 2, "steps": 3, "rng": 0}),
    "stream_batches": lambda: Call(sc.stream_batches, (np.arange(20),), {
        "batch": 2, "steps": 3, "partition": "random", "seed": 1}),
    "global_grad_norm": lambda: Call(sc.global_grad_norm, ({"a": r(3), "b": r(2, 2)},)),
    "bits_per_character": lambda: Call(sc.bits_per_character, (
        _rlm(), _rlm_params(), np.arange(12) % 6, 20)),
    "evaluate_perplexity": lambda: Call(sc.evaluate_perplexity, (
        _rlm(), _rlm_params(), np.arange(20) % 6), {"batch": 2, "steps": 3}),
    "train": lambda: Call(sc.train, (_rlm(), _rlm_params(), [  # a list: replayable
        (X, Y, i == 0) for i, (X, Y) in enumerate(sc.sequential_batches(np.arange(40) % 6,
                                                                        2, 3))]), {
        "steps": 2, "optimizer": sc.Optimizer("sgd", lr=0.1), "schedule": lambda s: 0.1,
        "clip": 1.0, "evaluate": lambda p: {}, "eval_every": 1, "progress": False,
        "desc": "t"}),
    "save_checkpoint": lambda: Call(sc.save_checkpoint, (_tmp() / "w.npz", {"W": r(2)}),
                                    {"meta": {"step": 1}}),
    "load_checkpoint": lambda: Call(sc.load_checkpoint, (
        sc.save_checkpoint(_tmp() / "w.npz", {"W": r(2)}),), {"like": {"W": r(2)}}),
    "corpus_text": lambda: Call(sc.corpus_text, ("lee",)),
    "char_corpus": lambda: Call(sc.char_corpus, ("ko",), {"valid_fraction": 0.2,
                                                         "min_freq": 2}),
    # seq2seq with attention, trained; the date task; BLEU
    "bahdanau_step_backward": lambda: Call(sc.bahdanau_step_backward, (
        r(2, 3), r(2, 5), r(2, 2), r(2, 3), r(2, 4, 5), r(6, 3), r(6, 5), r(6), r(9, 7),
        r(9, 3)), {"b_ih": r(9), "b_hh": r(9)}),
    "luong_step_backward": lambda: Call(sc.luong_step_backward, (
        r(2, 4), r(2, 3), r(2, 2), r(2, 3), r(2, 5, 6), r(9, 2), r(9, 3), r(4, 9)),
        {"b_ih": r(9), "b_hh": r(9), "W_a": r(3, 6)}),
    "Seq2Seq": lambda: Call(sc.Seq2Seq, ("bahdanau", 6, 5), {"embed": 3, "hidden": 4}),
    "Seq2Seq.shapes": lambda: Call(_s2s().shapes),
    "Seq2Seq.param_count": lambda: Call(_s2s().param_count),
    "Seq2Seq.init_params": lambda: Call(_s2s().init_params, (0,)),
    "Seq2Seq.zero_state": lambda: Call(_s2s().zero_state, (2, r(3))),
    "Seq2Seq.forward": lambda: Call(_s2s().forward, (_s2s().init_params(0), _ids(),
                                                     _ids()[:, ::-1] % 5)),
    "Seq2Seq.loss_and_grads": lambda: Call(_s2s().loss_and_grads, (
        _s2s().init_params(0), _ids(), _ids() % 5)),
    "Seq2Seq.translate": lambda: Call(_s2s().translate, (_s2s().init_params(0), _ids(), 4)),
    "Seq2Seq.decoder": lambda: Call(_s2s().decoder, (_s2s().init_params(0),
                                                     np.array([1, 2, 3]))),
    "korean_number": lambda: Call(sc.korean_number, (2026,)),
    "korean_date": lambda: Call(sc.korean_date, (2026, 12, 4)),
    "date_splits": lambda: Call(sc.date_splits, (0,), {"train": 3, "validation": 1,
                                                      "test": 1}),
    "modified_precision": lambda: Call(sc.modified_precision, (
        [["a", "b", "a"]], [[["a", "b"], ["b", "a"]]], 2)),
    "brevity_penalty": lambda: Call(sc.brevity_penalty, (8, 10)),
    "corpus_bleu": lambda: Call(sc.corpus_bleu, ([list("18.07.3415")], [[list("18.07.3405")]]),
                                {"max_n": 4, "smoothing": "epsilon", "epsilon": 0.1}),
}


def _s2s() -> Any:
    return sc.Seq2Seq("bahdanau", 6, 5, embed=3, hidden=4)


def _rlm() -> Any:
    return sc.RecurrentLM("gru", vocab_size=6, embed=3, hidden=4)


def _rlm_params() -> dict[str, np.ndarray]:
    return _rlm().init_params(0)


def _gpt() -> Any:
    return sc.GPT(vocab_size=6, d_model=4, num_heads=2, num_layers=1, d_ff=5, context=4)


def _gpt_params() -> dict[str, np.ndarray]:
    return _gpt().init_params(0)


def _ids() -> np.ndarray:
    return np.array([[1, 2], [3, 4], [5, 0]])


def _tmp() -> Any:
    import pathlib
    import tempfile

    return pathlib.Path(tempfile.mkdtemp(prefix="seqcore-api-"))


def _torch_lstm() -> Any:
    import torch

    torch.manual_seed(0)                     # the same weights in every call
    return torch.nn.LSTM(3, 4, num_layers=2, bidirectional=True)
