"""Plots drawn at build time (overrides/hooks/plots.py): the hook in a real small build,
its design rule (text size, width, height), and every plot file of the site shown in both
languages, with fonts that end in a generic family."""

from __future__ import annotations

import re
import subprocess
import sys
import textwrap
from pathlib import Path

import pytest

from tests.conftest import DOCS, ROOT, SNIPPETS
from tests.pages import hook, load_hook

PLOT_CODE = '''
import matplotlib.pyplot as plt

def plot(lang):
    fig, ax = plt.subplots(figsize=(3, 2))
    ax.plot([0, 1, 2], [0, 1, 4], label="y")
    ax.set_xlabel({"ko": "시간 간격", "en": "time gap"}[lang])
    ax.legend()
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
    # drawn at its physical size (3 in = 216 pt, less the trimmed margin), scaled by CSS
    width = re.search(r'width="([\d.]+)pt"', svg_tag)
    assert "viewBox" in svg_tag and width and 200 < float(width[1]) <= 216, svg_tag
    assert html.index("before") < html.index("<svg") < html.index("after")
    # the data and the legend are named, so the browser tests can tell them apart
    assert 'id="plot-demo-data-1"' in html and 'id="plot-demo-legend-1"' in html


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


PANELS_CODE = '''
import matplotlib.pyplot as plt

def plot(lang):
    figs = []
    for title in ("left", "right"):
        fig, ax = plt.subplots(figsize=(3.4, 2.8))
        ax.plot([0, 1], [1, 0])
        ax.set_title(title)
        figs.append(fig)
    return figs
'''


@pytest.mark.site
@pytest.mark.tooling  # builds a throw-away site to test the plot hook
def test_a_plot_of_panels_becomes_one_svg_per_panel(tmp_path):
    proc = build_tiny_site(tmp_path, "# t\n\n<!-- plot: demo -->\n", {"demo": PANELS_CODE})
    assert proc.returncode == 0, proc.stderr[-3000:]
    html = (tmp_path / "site" / "index.html").read_text(encoding="utf-8")
    figure = html[html.index('<figure class="plot"'):html.index("</figure>")]
    assert figure.count("<svg") == 2
    assert 'aria-label="left"' in figure and 'aria-label="right"' in figure
    ids = re.findall(r'\bid="([^"]+)"', html)
    assert len(ids) == len(set(ids)), "the two panels repeat ids"


@pytest.mark.site
@pytest.mark.tooling  # builds a throw-away site to test the plot hook
@pytest.mark.parametrize(("code", "expected"), [
    # a label drawn smaller than the rule's 10 pt
    (PLOT_CODE.replace("ax.legend()", "ax.legend(fontsize=7)"),
     "text smaller than 10 pt ('y' at 7 pt)"),
    # a figure too wide to stay legible when a phone shrinks it
    (PLOT_CODE.replace("figsize=(3, 2)", "figsize=(8, 3)"), "in wide after layout, at most"),
    # a figure taller than a screen
    (PLOT_CODE.replace("figsize=(3, 2)", "figsize=(4, 8)"), "in tall, at most 6 in"),
])
def test_a_plot_against_the_design_rule_fails_the_build_and_says_why(tmp_path, code,
                                                                    expected):
    proc = build_tiny_site(tmp_path, "# t\n\n<!-- plot: demo -->\n", {"demo": code})
    assert proc.returncode != 0
    assert "plot_demo.py" in proc.stderr and expected in proc.stderr, proc.stderr[-3000:]


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


def test_every_font_list_ends_in_a_generic_family():
    """matplotlib names only the fonts it measured with; a reader may have none of them."""
    hook_module = load_hook("plots")
    svg = ('<text style="font-family: \'Noto Sans CJK KR\', \'DejaVu Sans\'">a</text>'
           '<tspan style="font-size: 7px; font-family: \'DejaVu Sans\'">b</tspan>'
           '<text style="font-family: \'DejaVu Sans\', sans-serif">c</text>')
    fixed = hook_module.generic_fonts(svg)
    families = re.findall(r"font-family: ([^;\"]+)", fixed)
    assert families == ["'Noto Sans CJK KR', 'DejaVu Sans', sans-serif",
                        "'DejaVu Sans', sans-serif", "'DejaVu Sans', sans-serif"]


@pytest.mark.site
def test_the_built_plots_use_generic_fonts_and_the_notebook_plots_are_inline(built_site):
    pages = {lang: (built_site / ("" if lang == "ko" else "en") / "notebooks"
                    / "rnn_hidden_units" / "index.html").read_text(encoding="utf-8")
             for lang in ("ko", "en")}
    for lang, html in pages.items():
        assert 'src="data:image/svg+xml' not in html, f"{lang}: a notebook plot left as an image"
        assert html.count('<svg role="img"') == 2, f"{lang}: the notebook's two plots inline"
    plots = {lang: "".join(re.findall(r'<svg role="img".*?</svg>', html, re.S))
             for lang, html in pages.items()}          # the code cells hold both languages
    assert "은닉 유닛 값" in plots["ko"] and "hidden unit value" in plots["en"], \
        "the notebook labels its plots in the page's language"
    assert "hidden unit value" not in plots["ko"] and "은닉 유닛 값" not in plots["en"]
    for page in built_site.rglob("index.html"):
        html = page.read_text(encoding="utf-8")
        for figure in re.findall(r'<figure class="plot".*?</figure>', html, re.S):
            for family in re.findall(r"font-family: ([^;\"]+)", figure):
                assert family.rstrip().endswith(("sans-serif", "serif", "monospace")), \
                    f"{page.relative_to(built_site)}: a plot font without a generic family: " \
                    f"{family}"


def _busy_figure(lang: str, scale: float):
    """A panel with what repeats between plots: log ticks (mathtext), a legend, Hangul,
    and one string at two sizes."""
    import matplotlib.pyplot as plt

    fig, ax = plt.subplots(figsize=(3.2, 2.4))
    ax.loglog([1, 10, 100, 1000], [scale, 3 * scale, 20 * scale, 90 * scale], label="$h_t$")
    ax.set_xlabel({"ko": "시간 간격 $T$", "en": "time gap $T$"}[lang])
    ax.set_title({"ko": "기울기", "en": "gradient"}[lang])
    fig.suptitle({"ko": "기울기", "en": "gradient"}[lang], fontsize=14)  # one text, two sizes
    ax.legend()
    return fig


def test_shared_text_measurements_draw_what_matplotlib_draws():
    """svg_of measures each text once per process (tick labels repeat between panels); a
    panel drawn after others, from sizes measured for them, is the SVG matplotlib's own
    savefig writes with a fresh renderer, but for the crop in the header."""
    import io

    import matplotlib
    import matplotlib.pyplot as plt

    matplotlib.use("Agg")
    plots = load_hook("plots")
    with matplotlib.rc_context(plots.FONTS):
        for lang in ("ko", "en"):
            plots.svg_of(_busy_figure(lang, 1.0))             # measures the strings first
        measured = dict(plots._canvas_class().measurer.sizes)
        assert len(measured) >= 8
        for lang in ("ko", "en"):
            ours = plots.svg_of(_busy_figure(lang, 2.0))
            fig = _busy_figure(lang, 2.0)
            buf = io.StringIO()
            fig.savefig(buf, format="svg", metadata={"Date": None})
            plt.close("all")
            theirs = buf.getvalue()
            assert ours.split(">", 1)[1] == theirs[theirs.index("<svg"):].split(">", 1)[1]
        # The second round measured nothing new: every size came from the first.
        assert plots._canvas_class().measurer.sizes.keys() == measured.keys()
