"""What the attention page says about its translation heatmap, checked on the plot's own data.

attention § the translation example: the states are made by hand; "the", which has no source
counterpart, was given a state that mixes two source directions, so its weight is split
between 카페에서 and 커피를 instead of sitting on one column (second reading, item A2).
"""

from __future__ import annotations

import importlib.util
from pathlib import Path

import numpy as np

PLOT = Path(__file__).parents[2] / "snippets" / "plot_attention_heatmap.py"


def heatmap():
    spec = importlib.util.spec_from_file_location("plot_attention_heatmap_claims", PLOT)
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    return module


def test_the_row_of_the_is_split_between_two_source_words():
    plot = heatmap()
    row = dict(zip(plot.SOURCE, plot.weights()[plot.TARGET.index("the")], strict=True))
    top_two = sorted(row, key=row.get, reverse=True)[:2]
    assert top_two == ["카페에서", "커피를"]
    assert row["카페에서"] < 0.7 and row["커피를"] > 0.2          # split, not on one column
    assert row["카페에서"] + row["커피를"] > 0.85                 # and not spread evenly


def test_words_with_a_counterpart_sit_on_one_column():
    """Control: the rows of words with one counterpart put more than 80 % on it."""
    plot = heatmap()
    W = plot.weights()
    for word in ("I", "drink", "coffee", "cafe"):
        assert np.max(W[plot.TARGET.index(word)]) > 0.8, word
