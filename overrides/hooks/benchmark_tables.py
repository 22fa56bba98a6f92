"""The benchmarks page: ``<!-- benchmarks: name -->`` becomes the tables of a benchmark record.

``docs/_data/benchmarks/<name>.json`` is written by ``python -m benchmarks --json``
(``benchmarks/_record.py``, schema: ``pagekit.BENCH_KEYS`` and ``BENCH_ROW_KEYS``):
the figures are the file's numbers, never typed by hand. A page with such markers
must show every file of that folder; a missing file or marker fails the build.
``<!-- benchmarks-count -->`` in the text becomes the number of those files, so the
page's "the nine benchmarks" is never kept by hand either.
"""

from __future__ import annotations

import re
from pathlib import Path

from pagekit import BENCH_KEYS, BENCH_ROW_KEYS, build_language, table_cell

BENCH = re.compile(r"^<!-- benchmarks: (?P<name>[a-z0-9_]+) -->[ \t]*$", re.M)
COUNT = "<!-- benchmarks-count -->"


def count_benchmarks(markdown: str, folder: Path) -> str:
    """``markdown`` with every count marker replaced by the number of benchmark files."""
    return markdown.replace(COUNT, str(len(list(folder.glob("*.json")))))


def load_benchmark(folder: Path, name: str) -> dict:
    """``folder/<name>.json`` (written by ``benchmarks/_record.py``), its schema checked."""
    import json

    path = folder / f"{name}.json"
    if not path.is_file():
        raise ValueError(f"{path}: no such file (python -m benchmarks {name} --json {folder} "
                         "--quick writes it)")
    try:
        doc = json.loads(path.read_text(encoding="utf-8"))
    except json.JSONDecodeError as exc:
        raise ValueError(f"{path}: not JSON: {exc}") from exc
    missing = [k for k in BENCH_KEYS if k not in doc] if isinstance(doc, dict) else ["all"]
    if missing:
        raise ValueError(f"{path}: missing {', '.join(missing)}")
    if doc["benchmark"] != name:
        raise ValueError(f"{path}: holds benchmark {doc['benchmark']!r}, not {name!r}")
    for i, row in enumerate(doc["rows"]):
        lacking = [k for k in BENCH_ROW_KEYS if k not in row]
        if lacking:
            raise ValueError(f"{path} row {i + 1}: missing {', '.join(lacking)}")
        if not 0 <= row["section"] < len(doc["sections"]):
            raise ValueError(f"{path} row {i + 1}: section {row['section']} does not exist")
    if not doc["rows"]:
        raise ValueError(f"{path}: no rows")
    return doc


def _num(x) -> str:
    """A number of the file as it is there (4 significant digits at most): no re-rounding."""
    return f"{x:g}" if isinstance(x, float) else str(x)


_BENCH_WORDS = {
    "ko": {"head": "| 측정 대상 | 시간 (ms) | 기준 | 기준 시간 (ms) | 비율 | 목표 "
                   "| 그 밖의 측정값 |",
           "met": "달성", "missed": "미달", "peak": "최대 메모리 {0} MiB (기준 {1} MiB)",
           "diff": "기준과의 최대 차이 {0}", "matmuls": "행렬곱 {0}번 (기준 {1}번)",
           "analogies": "유추 정답 {1}/{0} (기준 {2}/{0})",
           "machine": "측정: {date}, {cpu}, 논리 코어 {cores}개(다른 작업과 함께 쓰는 머신), "
                      "라운드 {rounds}{quick}. {libs}.",
           "quick": ", `--quick`", "sizes": " 줄인 크기: {0}.",
           "notes": "벤치마크가 출력한 메모 (영어 원문)"},
    "en": {"head": "| Measured | Time (ms) | Reference | Reference time (ms) | Ratio | Target "
                   "| Other measurements |",
           "met": "met", "missed": "missed", "peak": "peak memory {0} MiB (reference {1} MiB)",
           "diff": "max difference from the reference {0}",
           "matmuls": "{0} matrix products (reference {1})",
           "analogies": "analogies right {1}/{0} (reference {2}/{0})",
           "machine": "Measured {date} on {cpu}, {cores} logical cores (a machine shared with "
                      "other jobs), {rounds} rounds{quick}. {libs}.",
           "quick": ", `--quick`", "sizes": " Reduced sizes: {0}.",
           "notes": "The benchmark's printed notes"},
}


def _extra(extra: dict, words: dict) -> str:
    """The row's other measurements, in the page's language; unknown keys as ``key = value``."""
    rest, parts = dict(extra), []
    if "peak_mib" in rest and "reference_peak_mib" in rest:
        parts.append(words["peak"].format(_num(rest.pop("peak_mib")),
                                          _num(rest.pop("reference_peak_mib"))))
    if "max_abs_diff" in rest:
        parts.append(words["diff"].format(_num(rest.pop("max_abs_diff"))))
    if "matmuls" in rest and "reference_matmuls" in rest:
        parts.append(words["matmuls"].format(_num(rest.pop("matmuls")),
                                             _num(rest.pop("reference_matmuls"))))
    keys = ("analogies_inside_vocabulary", "analogies_correct", "reference_analogies_correct")
    if all(k in rest for k in keys):
        parts.append(words["analogies"].format(*(_num(rest.pop(k)) for k in keys)))
    rest.pop("n", None)                        # already in the row's name
    parts += [f"{k} = {_num(v)}" for k, v in rest.items()]
    return "; ".join(parts)


def benchmark_tables(doc: dict, lang: str) -> str:
    """The Markdown of one benchmark file: a table per printed section, then the machine."""
    words = _BENCH_WORDS[lang]
    out = []
    for i, section in enumerate(doc["sections"]):
        out.append(f"\n**{_plain(section['title'])}**\n")
        out += [words["head"], "|---|--:|---|--:|--:|---|---|"]
        for row in (r for r in doc["rows"] if r["section"] == i):
            target = ""
            if row["target"] is not None:
                verdict = words["met"] if row["met"] else words["missed"]
                target = f"≤ {_num(row['target'])}× ({verdict})"
            cells = [_plain(row["candidate"]), _num(row["ms"]), _plain(row["reference"]),
                     _num(row["reference_ms"]), f"{_num(row['ratio'])}×", target,
                     _plain(_extra(row["extra"], words))]
            out.append("| " + " | ".join(cells) + " |")
        if section["notes"]:                   # the benchmark's own words, as it printed them
            out.append(f'\n??? note "{words["notes"]}"\n')
            out += [f"    - {_plain(note)}" for note in section["notes"]]
    m = doc["machine"]
    libs = _plain(", ".join(f"{k} {v}" for k, v in doc["libraries"].items() if v))
    out.append("\n" + words["machine"].format(
        date=doc["date"], cpu=_plain(m.get("cpu", "?")), cores=m.get("cores", "?"),
        rounds=doc["rounds"], quick=words["quick"] if doc["quick"] else "", libs=libs)
        + (words["sizes"].format(_plain(doc["sizes"])) if doc["sizes"] else ""))
    return "\n".join(out) + "\n"


def _plain(text: str) -> str:
    """A table cell shown as written: the benchmarks' names (``scores_batch``) are no Markdown."""
    cell = table_cell(text)
    for ch, entity in (("_", "&#95;"), ("*", "&#42;"), ("$", "&#36;"), ("`", "&#96;"),
                       ("[", "&#91;"), ("]", "&#93;")):
        cell = cell.replace(ch, entity)
    return cell


try:  # the functions above must import without MkDocs (the tests use them)
    from mkdocs.exceptions import PluginError
except ImportError:  # pragma: no cover
    PluginError = None

if PluginError is not None:

    def on_page_markdown(markdown, page, config, files):
        if BENCH.search(markdown):
            markdown = _benchmarks(markdown, page, config)
        if COUNT in markdown:
            markdown = count_benchmarks(markdown,
                                        Path(config.docs_dir) / "_data" / "benchmarks")
        return markdown

    def _benchmarks(markdown: str, page, config) -> str:
        lang = build_language(config)
        folder = Path(config.docs_dir) / "_data" / "benchmarks"
        shown = {m["name"] for m in BENCH.finditer(markdown)}
        for path in sorted(folder.glob("*.json")):
            if path.stem not in shown:
                raise PluginError(f"{page.file.src_uri}: {path} is shown nowhere "
                                  f"(add <!-- benchmarks: {path.stem} --> on a line of its own)")

        def table(m: re.Match) -> str:
            try:
                return benchmark_tables(load_benchmark(folder, m["name"]), lang)
            except (ValueError, OSError, KeyError, TypeError) as exc:
                raise PluginError(f"{page.file.src_uri}: benchmarks: {exc!r}") from exc
        return BENCH.sub(table, markdown)

