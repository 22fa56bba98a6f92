"""Recorded experiments: training runs and measurements whose results the pages show.

``python -m experiments [name ...]`` runs each experiment and records it as JSON in
``docs/_data/experiments/<name>.json`` (configuration, seed, library versions, machine,
curves, samples, run time). Pages, plots and quoted numbers read those files; the site
build never trains. ``tests/unit/test_experiments.py`` re-runs the first steps of every
recorded experiment and checks that they reproduce the recorded numbers.

Each experiment is a module of this package with

- ``run(progress: bool) -> dict``: the results (plus ``config`` and ``seed``);
- ``check(record: dict) -> list[Check]``: a cheap re-computation of the first steps
  from the record's own configuration, each paired with the recorded value.
"""

from __future__ import annotations

import importlib
from types import ModuleType

#: name -> module, in the order ``python -m experiments`` runs them
NAMES = {
    "lm_en": "experiments.lm_en",
    "lm_ko": "experiments.lm_ko",
    "units_ko": "experiments.units_ko",
    "clipping": "experiments.clipping",
    "long_range": "experiments.long_range",
    "word2vec_lee": "experiments.word2vec_lee",
    "scaling": "experiments.scaling",
    "kv_cache": "experiments.kv_cache",
    "seq2seq": "experiments.seq2seq",
    "gpt_en": "experiments.gpt_en",
}


def module(name: str) -> ModuleType:
    """The module of experiment ``name``."""
    if name not in NAMES:
        raise KeyError(f"unknown experiment {name!r}; known: {', '.join(NAMES)}")
    return importlib.import_module(NAMES[name])
