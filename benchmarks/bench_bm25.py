"""BM25 indexing plus 1,000 queries: seqcore.BM25Index vs bm25s and rank_bm25.

Corpus: the seeded synthetic Zipf corpus of ``bench_tfidf`` (20,000 documents,
50,000 word types), pre-tokenized; 1,000 seeded queries of 2-5 words drawn from
the same Zipf law (so common words appear in queries, as in real search logs).

- against bm25s (its default: Lucene form, float32 weights, NumPy backend):
  seqcore with ``variant="lucene"``, ``dtype=float32``; both compute the full
  score vector of every query (``get_scores``), and the run checks they agree;
- against rank_bm25.BM25Okapi: seqcore with ``variant="okapi"`` (float64), same
  scores checked; rank_bm25 answers the first 100 queries per round (0.05-0.2 s
  each) and its 1,000-query time is taken as 10x that.

Peak memory of building each index is measured with ``tracemalloc``.
"""

from __future__ import annotations

import tracemalloc

import numpy as np

from benchmarks._timing import Figure, median_times, print_figures
from benchmarks.bench_tfidf import N_DOCS, N_WORDS, zipf_corpus
from seqcore import BM25Index

N_QUERIES = 1_000


def make_queries(n: int, seed: int = 2) -> list[list[str]]:
    rng = np.random.default_rng(seed)
    lengths = rng.integers(2, 6, size=n)
    ranks = np.minimum(rng.zipf(1.1, size=int(lengths.sum())), N_WORDS) - 1
    words = [f"w{int(r)}" for r in ranks]
    bounds = np.concatenate([[0], np.cumsum(lengths)])
    return [words[bounds[i]:bounds[i + 1]] for i in range(n)]


def peak_mb(fn) -> tuple[float, object]:
    tracemalloc.start()
    out = fn()
    _, peak = tracemalloc.get_traced_memory()
    tracemalloc.stop()
    return peak / 2**20, out


def run(rounds: int = 15) -> list[Figure]:
    import bm25s
    import rank_bm25

    rounds = max(3, rounds // 3)
    corpus = [d.split() for d in zipf_corpus(N_DOCS, seed=0)]
    queries = make_queries(N_QUERIES)

    def build_bm25s():
        r = bm25s.BM25()                              # lucene, float32, numpy backend
        r.index(corpus, show_progress=False)
        return r

    def build_seqcore_lucene():
        return BM25Index(corpus, variant="lucene", dtype=np.float32)

    ref = build_bm25s()
    ours = build_seqcore_lucene()
    known = [[t for t in q if t in ours.vocabulary] for q in queries]   # bm25s refuses OOV
    worst = max(float(np.max(np.abs(ours.scores(q) - ref.get_scores(q)))) for q in known[:200]
                if q)

    def queries_bm25s():
        for q in known:
            if q:
                ref.get_scores(q)

    def queries_seqcore():
        for q in known:
            if q:
                ours.scores(q)

    t = median_times({
        "bm25s index": build_bm25s,
        "seqcore index": build_seqcore_lucene,
        "bm25s queries": queries_bm25s,
        "seqcore queries": queries_seqcore,
        "seqcore batch": lambda: ours.scores_batch(known),
    }, rounds=rounds, warmup=1)
    total_b = t["bm25s index"] + t["bm25s queries"]
    total_s = t["seqcore index"] + t["seqcore queries"]
    mem_b, _ = peak_mb(build_bm25s)
    mem_s, _ = peak_mb(build_seqcore_lucene)

    # rank_bm25 against the Okapi form of seqcore, interleaved round by round like the
    # others. rank_bm25 costs 0.05-0.2 s per query here, so it answers the first 100 queries
    # and its 1,000-query time is 10x that (its per-query cost is flat: every query
    # term walks all N documents); seqcore answers all 1,000.
    okapi_ref = rank_bm25.BM25Okapi(corpus)
    okapi = BM25Index(corpus, variant="okapi")
    worst_okapi = max(float(np.max(np.abs(okapi.scores(q) - okapi_ref.get_scores(q))))
                      for q in queries[:100])
    sample = queries[:100]
    t_ok = median_times({
        "rank_bm25 index": lambda: rank_bm25.BM25Okapi(corpus),
        "rank_bm25 100 queries": lambda: [okapi_ref.get_scores(q) for q in sample],
        "seqcore okapi index": lambda: BM25Index(corpus, variant="okapi"),
        "seqcore okapi queries": lambda: [okapi.scores(q) for q in queries],
    }, rounds=rounds, warmup=0)
    t_rank_index = t_ok["rank_bm25 index"]
    t_rank_q = 10 * t_ok["rank_bm25 100 queries"]
    total_ok = t_ok["seqcore okapi index"] + t_ok["seqcore okapi queries"]
    total_rank = t_rank_index + t_rank_q
    mem_r, _ = peak_mb(lambda: rank_bm25.BM25Okapi(corpus))
    mem_ok, _ = peak_mb(lambda: BM25Index(corpus, variant="okapi"))

    figures = [
        Figure("seqcore lucene: index + 1,000 queries", total_s, "bm25s: index + 1,000 queries",
               total_s / total_b, target=1.5, extra={"max_abs_diff": worst}),
        Figure("seqcore lucene: index", t["seqcore index"], "bm25s index",
               t["seqcore index"] / t["bm25s index"],
               extra={"peak_mib": mem_s, "reference_peak_mib": mem_b}),
        Figure("seqcore lucene: 1,000 queries (scores)", t["seqcore queries"],
               "bm25s 1,000 get_scores", t["seqcore queries"] / t["bm25s queries"]),
        Figure("seqcore lucene: 1,000 queries (scores_batch)", t["seqcore batch"],
               "bm25s 1,000 get_scores", t["seqcore batch"] / t["bm25s queries"]),
        Figure("seqcore okapi: index + 1,000 queries", total_ok,
               "rank_bm25 BM25Okapi: index + 1,000 queries", total_ok / total_rank,
               target=1 / 50, extra={"max_abs_diff": worst_okapi, "peak_mib": mem_ok,
                                     "reference_peak_mib": mem_r}),
    ]
    n_q = sum(1 for q in known if q)
    print_figures(f"BM25, synthetic Zipf corpus, {N_DOCS:,} docs, {len(ours.terms):,} terms, "
                  f"{N_QUERIES:,} queries", figures, notes=[
        f"bm25s {bm25s.__version__} (method='lucene', float32, numpy backend); median of "
        f"{rounds} interleaved rounds; rank_bm25: index {t_rank_index:.1f} s + 1,000 queries "
        f"{t_rank_q:.1f} s (10x its time on the first 100 queries)",
        f"{n_q} of {N_QUERIES} queries have a word in the corpus (bm25s raises on unknown "
        "words, so both get only the known ones)",
        f"same scores: max |seqcore - bm25s| = {worst:.1e} (float32), "
        f"max |seqcore - rank_bm25| = {worst_okapi:.1e} (float64)",
        f"speed-up over rank_bm25: {total_rank / total_ok:.0f}x (target >= 50x)",
        f"peak memory of building the index (tracemalloc): seqcore lucene/float32 "
        f"{mem_s:.1f} MiB vs bm25s {mem_b:.1f} MiB (ratio {mem_s / mem_b:.2f}); seqcore "
        f"okapi/float64 {mem_ok:.1f} MiB vs rank_bm25 {mem_r:.1f} MiB "
        f"(ratio {mem_ok / mem_r:.2f})",
    ])
    return figures
