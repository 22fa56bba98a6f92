"""Benchmark results as data: one JSON file per benchmark, with the machine that measured it.

``python -m benchmarks --json DIR`` writes ``DIR/<name>.json`` for every benchmark it
runs. Each file holds what the benchmark printed (its tables, as sections with their
notes), one row per printed line, and the machine: absolute times on a shared machine
mean little, the ratios (both sides timed in the same run, interleaved) are the result.
The docs' benchmarks page renders its tables from these files at build time
(``overrides/hooks/benchmark_tables.py``), and ``snippets/plot_bench_<name>.py`` draws them.
"""

from __future__ import annotations

import datetime
import importlib.metadata
import importlib.util
import json
import math
import os
import platform
from pathlib import Path


def _schema():
    """``overrides/hooks/pagekit.py``: the record's keys, defined once for writer and reader."""
    path = Path(__file__).resolve().parent.parent / "overrides" / "hooks" / "pagekit.py"
    spec = importlib.util.spec_from_file_location("seqcore_pagekit_schema", path)
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    return module.BENCH_SCHEMA, module.BENCH_KEYS, module.BENCH_ROW_KEYS


SCHEMA, KEYS, ROW_KEYS = _schema()
LIBRARIES = ("numpy", "scipy", "torch", "scikit-learn", "bm25s", "rank_bm25", "gensim")
#: Said in every file and on the page: the figures are ratios, not absolute speeds.
MEASURED_ON = ("a 2-core machine shared with other jobs; each ratio compares two "
               "implementations timed in the same run, interleaved round by round")


def significant(x: float, digits: int = 4) -> float:
    """``x`` rounded to ``digits`` significant digits: what the file keeps and the page shows."""
    if x == 0 or not math.isfinite(x):
        return float(x)
    return round(float(x), digits - 1 - math.floor(math.log10(abs(x))))


def cpu_model() -> str:
    """The CPU's model name (Linux ``/proc/cpuinfo``), else what ``platform`` knows."""
    try:
        for line in Path("/proc/cpuinfo").read_text(encoding="utf-8").splitlines():
            if line.startswith("model name"):
                return line.split(":", 1)[1].strip()
    except OSError:
        pass
    return platform.processor() or platform.machine()


def machine() -> dict:
    """CPU, cores, thread pools and Python: what a reader needs to weigh the figures."""
    from threadpoolctl import threadpool_info

    try:
        usable = len(os.sched_getaffinity(0))
    except AttributeError:  # pragma: no cover - not Linux
        usable = os.cpu_count()
    try:
        import torch
        torch_threads = torch.get_num_threads()
    except ImportError:  # pragma: no cover
        torch_threads = None
    return {
        "cpu": cpu_model(),
        "cores": os.cpu_count(),
        "usable_cores": usable,
        "shared": True,
        "torch_threads": torch_threads,
        "blas": [{"library": p.get("internal_api"), "threads": p.get("num_threads"),
                  "version": p.get("version")} for p in threadpool_info()],
        "python": platform.python_version(),
        "platform": platform.platform(),
    }


def gpu_name() -> str | None:
    """The CUDA device's name, as torch reports it (None without one)."""
    try:
        import torch
    except ImportError:  # pragma: no cover
        return None
    return torch.cuda.get_device_name(0) if torch.cuda.is_available() else None


def library_versions() -> dict[str, str | None]:
    """Installed version of each library the benchmarks compare with (None: not installed)."""
    out = {}
    for name in LIBRARIES:
        try:
            out[name] = importlib.metadata.version(name)
        except importlib.metadata.PackageNotFoundError:
            out[name] = None
    return out


def rows(sections: list[dict]) -> list[dict]:
    """One row per printed figure; times in milliseconds, 4 significant digits."""
    out = []
    for i, section in enumerate(sections):
        for f in section["figures"]:
            reference_s = f.seconds / f.ratio
            out.append({
                "section": i, "candidate": f.name, "ms": significant(f.seconds * 1e3),
                "reference": f.reference, "reference_ms": significant(reference_s * 1e3),
                "ratio": significant(f.ratio, 3),
                "target": f.target,
                "met": None if f.target is None else bool(f.ratio <= f.target),
                "extra": {k: significant(v) if isinstance(v, float) else v
                          for k, v in f.extra.items()},
            })
    return out


def document(name: str, sections: list[dict], *, rounds: int, quick: bool, about: str,
             wall_seconds: float, sizes: str = "", device: str = "cpu") -> dict:
    """The JSON document of benchmark ``name`` (schema :data:`SCHEMA`); on a GPU it is
    ``<name>-cuda`` and says which GPU measured it."""
    if not sections:
        raise ValueError(f"benchmark {name!r} recorded no figures (nothing to write)")
    on_gpu = device != "cpu"
    return {
        "schema": SCHEMA,
        "benchmark": f"{name}-{device}" if on_gpu else name,
        "about": about,
        "date": datetime.date.today().isoformat(),
        "command": f"python -m benchmarks {name} --json DIR" + (" --quick" if quick else "")
        + (f" --device {device}" if on_gpu else ""),
        "rounds": rounds,
        "quick": quick,
        "sizes": sizes,
        "measured_on": MEASURED_ON,
        "wall_seconds": round(wall_seconds, 1),
        "machine": machine() | ({"gpu": gpu_name()} if on_gpu else {}),
        "libraries": library_versions(),
        "sections": [{"title": s["title"], "notes": s["notes"]} for s in sections],
        "rows": rows(sections),
    }


def write(folder: Path, doc: dict) -> Path:
    """Write ``doc`` to ``folder/<benchmark>.json`` and return the path.

    A document or row that lacks a key of the schema the page reads is refused here,
    before the page's build would refuse it.
    """
    lacking = [k for k in KEYS if k not in doc]
    lacking += sorted({k for row in doc.get("rows", []) for k in ROW_KEYS if k not in row})
    if lacking:
        raise ValueError(f"benchmark document {doc.get('benchmark')!r} lacks {lacking} "
                         "(schema: overrides/hooks/pagekit.py)")
    folder.mkdir(parents=True, exist_ok=True)
    path = folder / f"{doc['benchmark']}.json"
    path.write_text(json.dumps(doc, indent=1, ensure_ascii=False) + "\n", encoding="utf-8")
    return path
