"""The build's memos (overrides/hooks/buildcache.py) change nothing a build produces.

The site is built again with the memos off (``SEQCORE_BUILD_MEMO=0``) and with them on
(reading the search entries, the API reference and the highlighted blocks the session's
build kept on disk), and every file of both is compared with the session's build. The
notebooks' cell ids are random on every build, memos or not, and are set aside.
"""

from __future__ import annotations

import os
import re
import subprocess
import sys
from pathlib import Path

import pytest

from tests.conftest import ROOT
from tests.pages import load_hook

CELL_ID = re.compile(rb'(cell-id=|"id": ")[0-9a-f]{8}')


def files_of(site: Path) -> dict[str, bytes]:
    return {p.relative_to(site).as_posix(): CELL_ID.sub(rb"\1-", p.read_bytes())
            for p in sorted(site.rglob("*")) if p.is_file()}


def build(site: Path, memo: str) -> None:
    env = {**os.environ, "NO_MKDOCS_2_WARNING": "1", "SEQCORE_BUILD_MEMO": memo}
    proc = subprocess.run([sys.executable, "-m", "mkdocs", "build", "--strict", "-q",
                           "--site-dir", str(site)], cwd=ROOT, env=env, capture_output=True,
                          text=True, timeout=600)
    assert proc.returncode == 0, proc.stderr[-3000:]


@pytest.mark.site
@pytest.mark.tooling  # two more builds of the whole site
def test_a_build_with_and_without_the_memos_writes_the_same_files(built_site, tmp_path):
    expected = files_of(built_site)
    for memo in ("0", "1"):
        build(tmp_path / memo, memo)
        got = files_of(tmp_path / memo)
        assert got.keys() == expected.keys(), (memo, sorted(got.keys() ^ expected.keys())[:10])
        differ = [name for name in expected if got[name] != expected[name]]
        assert not differ, f"SEQCORE_BUILD_MEMO={memo}: these files differ: {differ[:10]}"


def test_the_digest_tells_apart_what_concatenation_would_not():
    memo = load_hook("buildcache")
    assert memo.digest("ab", "c") != memo.digest("a", "bc")
    assert memo.digest("x", 1) == memo.digest("x", "1")
    assert len(memo.digest()) == 64


@pytest.mark.site
def test_the_search_index_holds_no_plot_labels(built_site):
    # the plots are put in the pages after the index is made (plots.py): no SVG text,
    # tick numbers or matplotlib's metadata among the entries
    for index in (built_site / "search" / "search_index.json",
                  built_site / "en" / "search" / "search_index.json"):
        text = index.read_text(encoding="utf-8")
        assert "image/svg+xml" not in text and "matplotlib.org" not in text, index
    html = (built_site / "sparse" / "index.html").read_text(encoding="utf-8")
    assert '<figure class="plot" id="plot-bm25_saturation"><svg' in html
    assert "plot-placeholder" not in html


def test_the_stored_memos_come_back_in_a_new_process_and_a_broken_file_is_ignored(tmp_path):
    code = """
import sys
sys.path.insert(0, sys.argv[1])
import buildcache as m
from pathlib import Path
m._state["memo_dir"] = Path(sys.argv[2])
if sys.argv[3] == "write":
    m._remember("highlight", "k", "<pre>x</pre>")
    m._recall("api", "unused")
    m.store()
print(m._recall("highlight", "k"))
"""
    hooks = str(ROOT / "overrides" / "hooks")

    def run(mode: str) -> str:
        proc = subprocess.run([sys.executable, "-c", code, hooks, str(tmp_path), mode],
                              capture_output=True, text=True, timeout=60)
        assert proc.returncode == 0, proc.stderr[-2000:]
        return proc.stdout.strip()

    assert run("write") == "<pre>x</pre>"
    assert run("read") == "<pre>x</pre>"              # another process, from the disk
    assert not (tmp_path / "api.pickle").exists()      # nothing added: nothing written
    (tmp_path / "highlight.pickle").write_bytes(b"not a pickle")
    assert run("read") == "None"
