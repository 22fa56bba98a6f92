"""TF-IDF fit and transform: seqcore vs scikit-learn's TfidfVectorizer, sparse all the way.

Corpora:

- a seeded synthetic corpus of 20,000 documents whose words follow a Zipf law
  (vocabulary 50,000 word types, 10-200 tokens per document);
- real text shipped inside a registry package: gensim's test data
  ``head500.noblanks.cor`` (250 stemmed Wikipedia articles, 331,339 tokens) cut into
  16-token documents (20,709 documents), and ``lee_background.cor`` (300 news
  articles, lower-cased and split on whitespace).

Both libraries get the same tokenizer (``str.split``, no lower-casing) so that
they build the same matrix; the run checks that they do (max |difference|).
"Fit" is counting + IDF + TF-IDF + L2 on the corpus; "transform" applies the
fitted vocabulary and IDF to 5,000 new documents. Peak memory is measured with
``tracemalloc`` (which sees NumPy's and SciPy's buffers) in a separate run.
"""

from __future__ import annotations

import tracemalloc
from pathlib import Path

import numpy as np

from benchmarks._timing import Figure, median_times, print_figures
from seqcore import document_frequency, document_term_matrix, idf, tfidf

N_DOCS, N_WORDS = 20_000, 50_000


def zipf_corpus(n_docs: int, n_words: int = N_WORDS, seed: int = 0) -> list[str]:
    """Seeded synthetic documents: word ranks drawn from a Zipf law (exponent 1.1)."""
    rng = np.random.default_rng(seed)
    words = np.array([f"w{i}" for i in range(n_words)])
    lengths = rng.integers(10, 201, size=n_docs)
    ranks = np.minimum(rng.zipf(1.1, size=int(lengths.sum())), n_words) - 1
    tokens = words[ranks]
    bounds = np.concatenate([[0], np.cumsum(lengths)])
    return [" ".join(tokens[bounds[i]:bounds[i + 1]]) for i in range(n_docs)]


def gensim_corpus(name: str) -> Path:
    import gensim

    return Path(gensim.__file__).parent / "test" / "test_data" / name


def real_corpora() -> dict[str, tuple[list[str], list[str]]]:
    """name -> (fit documents, new documents to transform)."""
    words = gensim_corpus("head500.noblanks.cor").read_text(encoding="utf-8").split()
    chunks = [" ".join(words[i:i + 16]) for i in range(0, len(words), 16)]
    lee = [line.lower() for line in
           gensim_corpus("lee_background.cor").read_text(encoding="utf-8").splitlines()
           if line.strip()]
    return {
        f"head500 (gensim) in 16-token docs, {len(chunks):,} docs": (chunks, chunks[::4]),
        f"lee_background (gensim), {len(lee)} docs": (lee, lee[::3]),
    }


def seqcore_fit(docs: list[str]):
    """Fit: the TF-IDF matrix, plus the state a fitted model keeps (vocabulary, IDF)."""
    X, terms = document_term_matrix(docs)
    w = idf(document_frequency(X), X.shape[0], "smooth")
    return tfidf(X, idf_weights=w), terms, w


def seqcore_transform(docs: list[str], vocabulary: dict[str, int], w: np.ndarray):
    Y, _ = document_term_matrix(docs, vocabulary=vocabulary)
    return tfidf(Y, idf_weights=w)


def sklearn_vectorizer():
    from sklearn.feature_extraction.text import TfidfVectorizer

    return TfidfVectorizer(tokenizer=str.split, token_pattern=None, lowercase=False)


def peak_mb(fn) -> float:
    tracemalloc.start()
    fn()
    _, peak = tracemalloc.get_traced_memory()
    tracemalloc.stop()
    return peak / 2**20


def bench_corpus(title: str, docs: list[str], new: list[str], rounds: int) -> list[Figure]:
    import sklearn

    W, terms, w = seqcore_fit(docs)
    vocabulary = {t: j for j, t in enumerate(terms)}   # kept once, as sklearn keeps its own
    vec = sklearn_vectorizer()
    R = vec.fit_transform(docs)
    assert terms == list(vec.get_feature_names_out())
    diff_fit = abs(W - R).max()
    diff_new = abs(seqcore_transform(new, vocabulary, w) - vec.transform(new)).max()
    assert diff_fit < 1e-12 and diff_new < 1e-12, (diff_fit, diff_new)

    t = median_times({
        "sklearn fit": lambda: sklearn_vectorizer().fit_transform(docs),
        "seqcore fit": lambda: seqcore_fit(docs),
        "sklearn transform": lambda: vec.transform(new),
        "seqcore transform": lambda: seqcore_transform(new, vocabulary, w),
    }, rounds=rounds, warmup=1)
    mem = {"seqcore": peak_mb(lambda: seqcore_fit(docs)),
           "sklearn": peak_mb(lambda: sklearn_vectorizer().fit_transform(docs))}
    n_tokens = sum(int(v) for v in np.diff(W.indptr))
    figures = [
        Figure("seqcore fit (DTM + IDF + TF-IDF + L2)", t["seqcore fit"],
               "TfidfVectorizer.fit_transform", t["seqcore fit"] / t["sklearn fit"], target=1.0,
               extra={"peak_mib": mem["seqcore"], "reference_peak_mib": mem["sklearn"],
                      "max_abs_diff": float(diff_fit)}),
        Figure(f"seqcore transform ({len(new):,} docs)", t["seqcore transform"],
               "TfidfVectorizer.transform", t["seqcore transform"] / t["sklearn transform"],
               target=1.0, extra={"max_abs_diff": float(diff_new)}),
    ]
    print_figures(title, figures, notes=[
        f"{W.shape[0]:,} docs x {W.shape[1]:,} terms, {W.nnz:,} stored entries "
        f"({100 * W.nnz / (W.shape[0] * W.shape[1]):.3f}% dense; {n_tokens:,} nonzeros); "
        f"dense float64 would be {W.shape[0] * W.shape[1] * 8 / 2**30:.2f} GiB",
        f"same numbers: max |seqcore - sklearn| = {diff_fit:.1e} (fit), {diff_new:.1e} "
        f"(transform); scikit-learn {sklearn.__version__}; median of {rounds} rounds",
        f"peak memory of a fit (tracemalloc): seqcore {mem['seqcore']:.1f} MiB, "
        f"scikit-learn {mem['sklearn']:.1f} MiB (ratio {mem['seqcore'] / mem['sklearn']:.2f})",
    ])
    return figures


def run(rounds: int = 15) -> list[Figure]:
    # this shared machine is noisy: many short interleaved rounds beat few long ones
    figures = []
    docs = zipf_corpus(N_DOCS, seed=0)
    new = zipf_corpus(5_000, seed=1)
    figures += bench_corpus(f"TF-IDF, synthetic Zipf corpus, {N_DOCS:,} docs, seed 0",
                            docs, new, rounds)
    for title, (fit_docs, new_docs) in real_corpora().items():
        figures += bench_corpus(f"TF-IDF, real text: {title}", fit_docs, new_docs, rounds)
    return figures
