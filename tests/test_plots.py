"""Plots drawn at build time (overrides/hooks/plots.py): the hook in a real small build,
and every plot file of the site shown in both languages."""

from __future__ import annotations

import re
import subprocess
import sys
import textwrap
from pathlib import Path

import pytest

from tests.conftest import DOCS, ROOT, SNIPPETS
from tests.pages import hook

PLOT_CODE = '''
import matplotlib.pyplot as plt

def plot(lang):
    fig, ax = plt.subplots(figsize=(3, 2))
    ax.plot([0, 1, 2], [0, 1, 4])
    ax.set_xlabel({"ko": "시간 간격", "en": "time gap"}[lang])
    return fig
'''


def build_tiny_site(tmp_path: Path, page: str,
                    plots: dict[str, str]) -> subprocess.CompletedProcess:
    """A real ``mkdocs build --strict`` of one page with the plot hook and nothing else."""
    (tmp_path / "docs").mkdir()
    (tmp_path / "docs" / "index.md").write_text(page, encoding="utf-8")
    (tmp_path / "snippets").mkdir()
    for name, code in plots.items():
        (tmp_path / "snippets" / f"plot_{name}.py").write_text(code, encoding="utf-8")
    hook_path = ROOT / "overrides" / "hooks" / "plots.py"
    (tmp_path / "mkdocs.yml").write_text(textwrap.dedent(f"""\
        site_name: t
        site_dir: site
        strict: true
        plugins: []
        hooks: ["{hook_path.as_posix()}"]
        """), encoding="utf-8")
    return subprocess.run([sys.executable, "-m", "mkdocs", "build", "--strict", "-q"],
                          cwd=tmp_path, capture_output=True, text=True, timeout=120)


@pytest.mark.site
@pytest.mark.tooling  # builds a throw-away site to test the plot hook
def test_a_plot_marker_becomes_an_inline_svg_with_text_kept_as_text(tmp_path):
    proc = build_tiny_site(tmp_path, "# t\n\nbefore\n\n<!-- plot: demo -->\n\nafter\n",
                           {"demo": PLOT_CODE})
    assert proc.returncode == 0, proc.stderr[-3000:]
    html = (tmp_path / "site" / "index.html").read_text(encoding="utf-8")
    assert '<figure class="plot" id="plot-demo"><svg' in html
    assert "시간 간격" in html, "the Korean label should be SVG text, not paths"
    assert "plot-placeholder" not in html and "<!-- plot:" not in html
    svg_tag = html[html.index("<svg"):html.index(">", html.index("<svg"))]
    assert "viewBox" in svg_tag and " width=" not in svg_tag, "the SVG must scale with CSS"
    assert html.index("before") < html.index("<svg") < html.index("after")


@pytest.mark.site
@pytest.mark.tooling  # builds a throw-away site to test the plot hook
def test_two_plots_on_one_page_share_no_id(tmp_path):
    proc = build_tiny_site(tmp_path, "# t\n\n<!-- plot: one -->\n\n<!-- plot: two -->\n",
                           {"one": PLOT_CODE, "two": PLOT_CODE})
    assert proc.returncode == 0, proc.stderr[-3000:]
    html = (tmp_path / "site" / "index.html").read_text(encoding="utf-8")
    ids = re.findall(r'\bid="([^"]+)"', html)
    repeated = sorted({i for i in ids if ids.count(i) > 1})
    assert not repeated, f"ids repeated across the two plots: {repeated[:5]}"
    for ref in re.findall(r'url\(#([^)]+)\)|href="#([^"]+)"', html):
        target = ref[0] or ref[1]
        assert target in ids, f"a reference to #{target} points at no id"


@pytest.mark.site
@pytest.mark.tooling
@pytest.mark.parametrize(("plots", "expected"), [
    ({}, "plot_demo.py"),                                         # the file is missing
    ({"demo": "def draw(lang):\n    pass\n"}, "defines no function plot"),
    ({"demo": "def plot(lang):\n    raise RuntimeError('boom')\n"}, "boom"),
])
def test_a_broken_plot_fails_the_build_and_names_the_file(tmp_path, plots, expected):
    proc = build_tiny_site(tmp_path, "# t\n\n<!-- plot: demo -->\n", plots)
    assert proc.returncode != 0
    assert expected in proc.stderr, proc.stderr[-3000:]


def test_every_plot_file_is_shown_in_both_languages():
    """A plot nobody shows is dead code; one shown in one language breaks parity."""
    shown = {lang: {item for page in DOCS.rglob(f"*.{lang}.md")
                    for kind, item in hook.page_structure(page.read_text(encoding="utf-8"))
                    if kind == "plot"} for lang in ("ko", "en")}
    for path in sorted(SNIPPETS.glob("plot_*.py")):
        name = path.stem.removeprefix("plot_")
        for lang in ("ko", "en"):
            assert name in shown[lang], f"{path.name} is not shown on any {lang} page"
    for lang, names in shown.items():
        missing = sorted(n for n in names if not (SNIPPETS / f"plot_{n}.py").is_file())
        assert not missing, f"{lang} pages ask for plots without a file: {missing}"
