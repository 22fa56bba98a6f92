"""The search tree of beam search (width 2) on the toy autocomplete model, drawn from seqcore.

The model is the one of snippets/generation_autocomplete.pycon.
"""

from __future__ import annotations

import matplotlib.pyplot as plt
import numpy as np

from seqcore import beam_search, greedy_search

# A toy bigram model: P(next word | previous word); row "<s>" starts after "I want to".
WORDS = ["go", "eat", "home", "out", "lunch", "</s>"]
START = {"go": 0.40, "eat": 0.35, "home": 0.02, "out": 0.02, "lunch": 0.01, "</s>": 0.20}
NEXT = {
    "go": {"home": 0.32, "out": 0.28, "</s>": 0.25, "lunch": 0.05, "go": 0.05, "eat": 0.05},
    "eat": {"lunch": 0.42, "out": 0.38, "</s>": 0.10, "home": 0.04, "go": 0.03, "eat": 0.03},
    "home": {"</s>": 0.90, "go": 0.02, "eat": 0.02, "home": 0.02, "out": 0.02, "lunch": 0.02},
    "out": {"</s>": 0.90, "go": 0.02, "eat": 0.02, "home": 0.02, "out": 0.02, "lunch": 0.02},
    "lunch": {"</s>": 0.90, "go": 0.02, "eat": 0.02, "home": 0.02, "out": 0.02, "lunch": 0.02},
    "</s>": {w: 1 / 6 for w in WORDS},
}


def log_table() -> np.ndarray:
    rows = [[NEXT[w][v] for v in WORDS] for w in WORDS] + [[START[v] for v in WORDS]]
    return np.log(np.array(rows))


def search(width: int = 2):
    """Run beam search and record every prefix it expanded (the kept ones)."""
    logP = log_table()
    expanded = []

    def step(prefix):
        expanded.append(tuple(prefix))
        return logP[prefix[-1] if prefix else len(WORDS)]

    hyps = beam_search(step, width, 3, eos=WORDS.index("</s>"))
    return logP, sorted(set(expanded), key=lambda p: (len(p), p)), hyps


def plot(lang: str):
    ko = lang == "ko"
    logP, expanded, hyps = search()
    kept = set(expanded)
    best = hyps[0].tokens
    greedy = greedy_search(lambda p: logP[p[-1] if p else len(WORDS)], 3,
                           eos=WORDS.index("</s>"))[0]
    fig, ax = plt.subplots(figsize=(5.2, 5.6))
    pos = {(): (0.0, 0.0)}
    rows: dict[int, list] = {}

    def log_prob(seq):
        return sum(logP[len(WORDS) if i == 0 else seq[i - 1], seq[i]] for i in range(len(seq)))

    for prefix in expanded:                           # children of every expanded prefix
        for w in range(len(WORDS)):
            child = (*prefix, w)
            rows.setdefault(len(child), []).append((child, log_prob(child)))
    for nodes in rows.values():
        nodes.sort(key=lambda c: -c[1])
        # the beam keeps the 2 best children of each depth: the live ones are expanded next,
        # the ones ending in </s> are finished
        kept |= {child for child, _ in nodes[:2]}
    for k in range(1, len(greedy) + 1):               # greedy's path, where the beam left it
        if all(greedy[:k] != c for c, _ in rows.get(k, [])):
            rows.setdefault(k, []).append((greedy[:k], log_prob(greedy[:k])))
    for depth, nodes in rows.items():
        for i, (child, _) in enumerate(nodes):
            pos[child] = (float(depth), -i * (7.0 / max(len(nodes) - 1, 1)))
    for depth, nodes in rows.items():
        for child, lp in nodes:
            x, y = pos[child]
            px, py = pos[child[:-1]]
            on_best = child == best[:len(child)]
            on_greedy = child == greedy[:len(child)]
            color = "C3" if on_best else ("C0" if on_greedy else "0.75")
            ax.plot([px, x], [py, y], color=color, lw=2.2 if on_best or on_greedy else 0.7,
                    zorder=1)
            alive = child in kept
            ax.scatter([x], [y], s=25, color=color if alive else "white",
                       edgecolor=color if alive else "0.6", zorder=2)
            if alive or on_best or on_greedy or depth == 1:
                ax.annotate(f"{WORDS[child[-1]]} {np.exp(lp):.3f}", (x, y), xytext=(5, 0),
                            textcoords="offset points", va="center", zorder=3,
                            bbox=dict(boxstyle="square,pad=0.1", fc="white", ec="none"))
    ax.scatter([0], [0], color="k", s=30)
    ax.annotate("I want to", (0, 0), xytext=(0, 10), textcoords="offset points", ha="center")
    ax.set_xticks([1, 2, 3], ["t = 1", "t = 2", "t = 3"])
    ax.set_yticks([])
    for side in ("left", "right", "top"):
        ax.spines[side].set_visible(False)
    ax.set_xlim(-0.3, 3.9)
    words = " ".join(WORDS[w] for w in best)
    gwords = " ".join(WORDS[w] for w in greedy)
    ax.set_title(
        f"빔 서치(폭 2)\n빨강 = 최선 “{words}”, 파랑 = 탐욕 “{gwords}”\n빈 점 = 잘린 후보"
        if ko else
        f"Beam search (width 2)\nred = best “{words}”, blue = greedy “{gwords}”\n"
        "hollow = pruned")
    return fig
