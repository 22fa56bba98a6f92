"""The benchmarks page: ``python -m benchmarks --json`` files and the tables built from them.

No timing here: the writer is tested on figures made by hand, the tables on the
committed files (the numbers shown must be the file's numbers, not re-rounded),
and the build on a tiny site with the benchmarks-page hook alone.
"""

from __future__ import annotations

import json
import re
import subprocess
import sys
import textwrap
from pathlib import Path

import pytest

from benchmarks import _record, _timing
from benchmarks.__main__ import parse
from tests.conftest import DOCS, ROOT
from tests.pages import load_hook

hook = load_hook("benchmark_tables")
DATA = DOCS / "_data" / "benchmarks"
BENCH_NAMES = sorted(p.stem.removeprefix("bench_")
                     for p in (ROOT / "benchmarks").glob("bench_*.py"))


def hand_made_doc(name: str = "demo") -> dict:
    """A benchmark document from two printed sections of figures whose values are chosen."""
    _timing.take_sections()
    _timing.print_figures("first table", [
        _timing.Figure("fast thing", 0.0123456, "slow thing", 0.5, target=2.0,
                       extra={"peak_mib": 12.34567, "reference_peak_mib": 1.0,
                              "max_abs_diff": 1.2345678e-15}),
        _timing.Figure("slow thing", 0.0246912, "floor", 1.23456),
    ], notes=["a note"])
    _timing.print_figures("second table", [
        _timing.Figure("too slow", 3.0, "fast", 3.0, target=1.5, extra={"matmuls": 129,
                                                                         "reference_matmuls": 4}),
    ])
    sections = _timing.take_sections()
    assert not _timing.SECTIONS, "take_sections must empty the record"
    return _record.document(name, sections, rounds=5, quick=True, about="a demo",
                            wall_seconds=1.234, sizes="")


def test_the_writer_keeps_the_printed_figures_as_rows_of_the_schema(tmp_path):
    path = _record.write(tmp_path / "out", hand_made_doc())
    assert path == tmp_path / "out" / "demo.json"
    doc = hook.load_benchmark(tmp_path / "out", "demo")      # the page's reader accepts it
    assert doc["schema"] == 1 and doc["rounds"] == 5 and doc["quick"] is True
    assert re.fullmatch(r"\d{4}-\d\d-\d\d", doc["date"])
    assert "shared" in doc["measured_on"] and "same run" in doc["measured_on"]
    assert set(doc["libraries"]) == {"numpy", "scipy", "torch", "scikit-learn", "bm25s",
                                     "rank_bm25", "gensim"}
    import numpy
    assert doc["libraries"]["numpy"] == numpy.__version__
    m = doc["machine"]
    assert m["cores"] >= 1 and m["cpu"] and m["shared"] is True
    assert [s["title"] for s in doc["sections"]] == ["first table", "second table"]
    assert doc["sections"][0]["notes"] == ["a note"]
    assert doc["rows"] == [
        {"section": 0, "candidate": "fast thing", "ms": 12.35, "reference": "slow thing",
         "reference_ms": 24.69, "ratio": 0.5, "target": 2.0, "met": True,
         "extra": {"peak_mib": 12.35, "reference_peak_mib": 1.0, "max_abs_diff": 1.235e-15}},
        {"section": 0, "candidate": "slow thing", "ms": 24.69, "reference": "floor",
         "reference_ms": 20.0, "ratio": 1.23, "target": None, "met": None, "extra": {}},
        {"section": 1, "candidate": "too slow", "ms": 3000.0, "reference": "fast",
         "reference_ms": 1000.0, "ratio": 3.0, "target": 1.5, "met": False,
         "extra": {"matmuls": 129, "reference_matmuls": 4}},
    ]


def test_a_benchmark_that_printed_nothing_is_refused_by_name():
    with pytest.raises(ValueError, match="'quiet' recorded no figures"):
        _record.document("quiet", [], rounds=5, quick=True, about="", wall_seconds=0.0)


@pytest.mark.parametrize(("argv", "expected"), [
    (["--quick", "--json", "out", "rnn"], (True, Path("out"), ["rnn"], "cpu")),
    (["--json=out", "tfidf", "bm25"], (False, Path("out"), ["tfidf", "bm25"], "cpu")),
    (["attention"], (False, None, ["attention"], "cpu")),
    (["--device", "cuda", "attention"], (False, None, ["attention"], "cuda")),
    (["--device=cpu", "--quick"], (True, None, [], "cpu")),
])
def test_the_command_line(argv, expected):
    assert parse(argv) == expected


@pytest.mark.parametrize(("argv", "message"), [
    (["--json"], "--json needs a folder"),
    (["--json", "--quick"], "--json needs a folder"),
    (["--fast"], "unknown option '--fast'"),
    (["--device", "tpu"], "--device must be one of cpu, cuda; got 'tpu'"),
    (["--device"], "--device must be one of cpu, cuda; got ''"),
])
def test_a_bad_command_line_says_what_is_wrong(argv, message):
    with pytest.raises(SystemExit, match=message):
        parse(argv)


def test_device_cuda_says_what_it_skipped(monkeypatch, capsys):
    """Without CUDA, nothing runs and the reason is printed; with it, the benchmarks that
    have no GPU variant are named and skipped (their ``run`` is never called)."""
    from benchmarks import __main__ as cli

    monkeypatch.setattr(cli, "cuda_available", lambda: False)
    cli.main(["--device", "cuda", "attention"])
    assert "torch sees no CUDA device" in capsys.readouterr().out

    called = []
    monkeypatch.setattr(cli, "cuda_available", lambda: True)
    monkeypatch.setattr(cli, "discover", lambda: {
        "gpu": type("M", (), {"run": staticmethod(lambda rounds, device: called.append(device)),
                              "__doc__": "x"}),
        "cpu_only": type("M", (), {"run": staticmethod(lambda rounds: called.append("cpu"))})})
    monkeypatch.setattr(cli._timing, "take_sections", lambda: [])
    cli.main(["--device", "cuda"])
    assert called == ["cuda"] and "cpu_only: no cuda variant, skipped" in capsys.readouterr().out
    from benchmarks import bench_attention, bench_kv_cache, bench_tfidf
    assert cli.takes_device(bench_attention) and cli.takes_device(bench_kv_cache)
    assert not cli.takes_device(bench_tfidf)


def test_a_gpu_record_is_named_for_its_device_and_names_the_gpu(monkeypatch):
    monkeypatch.setattr(_record, "gpu_name", lambda: "Some GPU")
    doc = hand_made_doc()
    gpu = _record.document("demo", [{"title": "t", "notes": [], "figures": []}], rounds=5,
                           quick=True, about="", wall_seconds=1.0, device="cuda")
    assert gpu["benchmark"] == "demo-cuda" and gpu["machine"]["gpu"] == "Some GPU"
    assert gpu["command"].endswith("--device cuda")
    assert doc["benchmark"] == "demo" and "gpu" not in doc["machine"]


def table_rows(markdown: str) -> list[list[str]]:
    """The data rows of every table of ``markdown`` (header and rule lines left out)."""
    lines = [ln for ln in markdown.splitlines() if ln.startswith("| ")]
    rows = [[c.strip() for c in ln.strip("|").split(" | ")] for ln in lines]
    return [r for r in rows if r[1] not in ("시간 (ms)", "Time (ms)")]


@pytest.mark.parametrize("name", BENCH_NAMES)
@pytest.mark.parametrize("lang", ["ko", "en"])
def test_every_benchmark_has_a_file_whose_numbers_the_table_shows_exactly(name, lang):
    doc = hook.load_benchmark(DATA, name)
    raw = json.loads((DATA / f"{name}.json").read_text(encoding="utf-8"))
    assert doc["quick"] is True and doc["rounds"] == 5 and doc["machine"]["cores"] >= 1
    shown = table_rows(hook.benchmark_tables(doc, lang))
    assert len(shown) == len(raw["rows"])
    for cells, row in zip(shown, raw["rows"], strict=True):
        assert float(cells[1]) == row["ms"] and float(cells[3]) == row["reference_ms"]
        assert float(cells[4].removesuffix("×")) == row["ratio"]
        assert cells[0] == hook._plain(row["candidate"])
        if row["target"] is not None:
            assert cells[5].startswith(f"≤ {row['target']:g}×")
        for key, value in row["extra"].items():
            if key != "n":                     # the length is in the row's name already
                assert f"{value:g}" in cells[6], (key, value, cells[6])
    assert doc["date"] in hook.benchmark_tables(doc, lang)


def test_both_pages_show_every_benchmark_file_and_no_other():
    files = sorted(p.stem for p in DATA.glob("*.json"))
    assert files == BENCH_NAMES
    for lang in ("ko", "en"):
        page = (DOCS / f"benchmarks.{lang}.md").read_text(encoding="utf-8")
        assert sorted(m["name"] for m in hook.BENCH.finditer(page)) == files, lang
        plots = re.findall(r"^<!-- plot: bench_(\w+) -->$", page, re.M)
        assert sorted(plots) == files, lang


def test_the_count_of_benchmarks_is_the_number_of_files_not_a_word_kept_by_hand():
    """'It reproduces what the N benchmarks in the benchmarks/ folder measured': N comes
    from the folder (the hook's count marker), in both languages."""
    assert hook.count_benchmarks(f"the {hook.COUNT} benchmarks", DATA) == \
        f"the {len(BENCH_NAMES)} benchmarks"
    for lang in ("ko", "en"):
        intro = (DOCS / f"benchmarks.{lang}.md").read_text(encoding="utf-8").split("\n## ")[0]
        assert intro.count(hook.COUNT) == 1, lang
        assert not SPELLED.search(intro), (lang, SPELLED.search(intro))
    # the control: the old, hand-kept wording is caught
    assert SPELLED.search("what the seven benchmarks in the folder measured")
    assert SPELLED.search("폴더의 벤치마크 일곱 개가 잰 값")


#: a count of benchmarks written out in words
SPELLED = re.compile(r"\b(?:seven|eight|nine|ten|eleven|twelve) benchmarks|"
                     r"벤치마크 (?:일곱|여덟|아홉|열|열한|열두) ?개")


#: the benchmarks that time the fastest round (the others take the median)
FASTEST = {"scaling", "kv_cache"}


def test_the_reading_guide_names_every_benchmark_that_takes_the_fastest_round():
    """'Times are medians over rounds … (5 rounds; a long benchmark runs fewer, and its
    notes give the count). Two benchmarks take the fastest round instead, … (scaling)
    and … (kv_cache)': what each record's notes say it did."""
    kinds = {}
    for name in BENCH_NAMES:
        doc = json.loads((DATA / f"{name}.json").read_text(encoding="utf-8"))
        notes = " ".join(n for s in doc["sections"] for n in s["notes"])
        kinds[name] = "fastest" if "fastest of" in notes else \
            "median" if "median" in notes else "unsaid"
        counts = [int(k) for k in re.findall(r"(?:median|fastest)[a-zA-Z ]* of ≤?(\d+)", notes)]
        assert all(k <= doc["rounds"] for k in counts), (name, counts)
    assert {k for k, v in kinds.items() if v == "fastest"} == FASTEST
    assert "unsaid" not in kinds.values(), kinds
    for lang, marker in (("ko", "**시간은 라운드들의 중앙값입니다.**"),
                         ("en", "**Times are medians over rounds.**")):
        page = (DOCS / f"benchmarks.{lang}.md").read_text(encoding="utf-8")
        guide = next(line for line in page.splitlines() if marker in line)
        assert named_in(guide) == FASTEST, (lang, named_in(guide))
    # the control: the guide as it was, naming scaling alone, fails
    assert named_in("Only the cost-by-length benchmark (scaling) takes the fastest round") \
        != FASTEST


def named_in(guide: str) -> set[str]:
    """The benchmark names a line gives in parentheses, ``(kv_cache)``."""
    return set(re.findall(r"\(([a-z0-9_]+)\)", guide))


@pytest.mark.parametrize(("text", "message"), [
    (None, "no such file"),
    ("{", "not JSON"),
    ('{"schema": 1}', "missing benchmark"),
])
def test_a_missing_or_broken_file_is_named(tmp_path, text, message):
    if text is not None:
        (tmp_path / "demo.json").write_text(text, encoding="utf-8")
    with pytest.raises(ValueError, match=message) as err:
        hook.load_benchmark(tmp_path, "demo")
    assert "demo.json" in str(err.value)


def build_tiny_site(tmp_path: Path, page: str,
                    files: dict[str, dict]) -> subprocess.CompletedProcess:
    """A real ``mkdocs build --strict`` of one page with the benchmarks-page hook alone."""
    folder = tmp_path / "docs" / "_data" / "benchmarks"
    folder.mkdir(parents=True)
    (tmp_path / "docs" / "index.md").write_text(page, encoding="utf-8")
    for name, doc in files.items():
        (folder / f"{name}.json").write_text(json.dumps(doc), encoding="utf-8")
    hook_path = ROOT / "overrides" / "hooks" / "benchmark_tables.py"
    (tmp_path / "mkdocs.yml").write_text(textwrap.dedent(f"""\
        site_name: t
        site_dir: site
        strict: true
        plugins: []
        exclude_docs: _data/
        markdown_extensions: [tables, admonition, pymdownx.details]
        hooks: ["{hook_path.as_posix()}"]
        """), encoding="utf-8")
    return subprocess.run([sys.executable, "-m", "mkdocs", "build", "--strict", "-q"],
                          cwd=tmp_path, capture_output=True, text=True, timeout=120)


@pytest.mark.site
@pytest.mark.tooling  # builds a throw-away site to test the marker
def test_the_marker_becomes_the_table_and_a_missing_file_or_marker_fails_the_build(tmp_path):
    doc = hand_made_doc()
    ok = build_tiny_site(tmp_path / "ok", "# t\n\nThe <!-- benchmarks-count --> of them.\n\n"
                         "<!-- benchmarks: demo -->\n", {"demo": doc})
    assert ok.returncode == 0, ok.stderr[-3000:]
    html = (tmp_path / "ok" / "site" / "index.html").read_text(encoding="utf-8")
    cells = re.findall(r"<td[^>]*>([^<]*)</td>", html)
    assert ["fast thing", "12.35", "slow thing", "24.69", "0.5×"] == cells[:5]
    assert "benchmarks:" not in html and "benchmarks-count" not in html
    assert "The 1 of them." in html                   # one file in the folder: the count

    no_file = build_tiny_site(tmp_path / "no_file", "# t\n\n<!-- benchmarks: other -->\n",
                              {"demo": doc})
    assert no_file.returncode != 0 and "demo.json is shown nowhere" in no_file.stderr
    missing = build_tiny_site(tmp_path / "missing", "# t\n\n<!-- benchmarks: other -->\n", {})
    assert missing.returncode != 0 and "other.json: no such file" in missing.stderr
