"""Experiment records as data: one JSON file per experiment under ``docs/_data/experiments``.

A record holds the experiment's own results at the top level (so that a reader of the
file, a plot or a snippet, finds them by name) and an envelope that says how they were
made: :data:`ENVELOPE`. The machine and library versions come from the benchmarks'
helpers, so both kinds of record describe a machine the same way.
"""

from __future__ import annotations

import datetime
import json
import math
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from benchmarks._record import library_versions, machine

SCHEMA = 1
ROOT = Path(__file__).resolve().parent.parent
FOLDER = ROOT / "docs" / "_data" / "experiments"
ENVELOPE = ("schema", "experiment", "about", "command", "date", "seed", "config", "machine",
            "libraries", "seconds", "cpu_seconds")
LIBRARIES = ("numpy", "torch", "gensim", "konlpy", "tqdm")


@dataclass
class Check:
    """One recorded number and the same number computed again."""

    what: str
    recorded: Any
    reproduced: Any
    rtol: float = 1e-6
    atol: float = 0.0

    def ok(self) -> bool:
        return _close(self.recorded, self.reproduced, self.rtol, self.atol)


def _close(a: Any, b: Any, rtol: float, atol: float) -> bool:
    if isinstance(a, list | tuple):
        return isinstance(b, list | tuple) and len(a) == len(b) and all(
            _close(x, y, rtol, atol) for x, y in zip(a, b, strict=True))
    if isinstance(a, float) or isinstance(b, float):
        return math.isclose(float(a), float(b), rel_tol=rtol, abs_tol=atol)
    return a == b


def sig(x: float, digits: int = 6) -> float:
    """``x`` to ``digits`` significant digits (non-finite values as they are)."""
    x = float(x)
    if x == 0 or not math.isfinite(x):
        return x
    return round(x, digits - 1 - math.floor(math.log10(abs(x))))


def document(name: str, about: str, results: dict, seconds: float,
             cpu_seconds: float | None = None) -> dict:
    """The record of experiment ``name``: the envelope, then the results."""
    for key in ("config", "seed"):
        if key not in results:
            raise ValueError(f"experiment {name!r} returned no {key!r}")
    clash = sorted(set(results) & set(ENVELOPE) - {"config", "seed"})
    if clash:
        raise ValueError(f"experiment {name!r} uses reserved keys {clash}")
    versions = library_versions() | {lib: _version(lib) for lib in LIBRARIES}
    return {"schema": SCHEMA, "experiment": name, "about": about,
            "command": f"python -m experiments {name}",
            "date": datetime.date.today().isoformat(), "seed": results["seed"],
            "config": results["config"], "machine": machine(), "libraries": versions,
            "seconds": round(seconds, 1),
            "cpu_seconds": None if cpu_seconds is None else round(cpu_seconds, 1),
            **{k: v for k, v in results.items() if k not in ("config", "seed")}}


def _version(lib: str) -> str | None:
    from importlib.metadata import PackageNotFoundError, version

    try:
        return version(lib)
    except PackageNotFoundError:
        return None


def write(doc: dict, folder: Path = FOLDER) -> Path:
    folder.mkdir(parents=True, exist_ok=True)
    path = folder / f"{doc['experiment']}.json"
    path.write_text(json.dumps(doc, indent=1, ensure_ascii=False, allow_nan=True) + "\n",
                    encoding="utf-8")
    return path


def load(name: str, folder: Path = FOLDER) -> dict:
    """The record of experiment ``name``, its envelope checked."""
    path = folder / f"{name}.json"
    if not path.is_file():
        raise FileNotFoundError(f"{path}: no record (python -m experiments {name} writes it)")
    doc = json.loads(path.read_text(encoding="utf-8"))
    missing = [k for k in ENVELOPE if k not in doc]
    if missing:
        raise ValueError(f"{path}: not an experiment record, missing {', '.join(missing)}")
    if doc["experiment"] != name:
        raise ValueError(f"{path}: holds experiment {doc['experiment']!r}, not {name!r}")
    return doc
