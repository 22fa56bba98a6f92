"""Figures readable on a laptop and a phone: every plot and diagram, every page, both widths.

The probe tests/site/probes/figures.js measures each plot (inline SVG drawn by
overrides/hooks/plots.py, or a notebook's output) and each Mermaid diagram as
Chromium draws it at 1280 px and at 390 px. The rules:

- the smallest label is at least 11 CSS px on screen at 1280 px and 9 px at 390 px
  (a label's sub- and superscripts at least 70 % of that, as in the body's formulas);
- a figure wider than its column sits in a box that scrolls sideways and shows a
  visible cue (``.scroll-cue``), so it keeps its size instead of shrinking;
- no figure is taller than the screen;
- no two labels are drawn over each other, and no legend over the data or a label;
- a notebook's plot is an SVG with text as text (a raster image cannot be measured);
- a diagram writes its indices one way, as HTML (``h<sub>t−1</sub>``), not as TeX
  (``c_{t-1}``) or Unicode subscripts (a check of the page sources, no browser).

Negative controls show that each rule can fail: hand-made pages (tiny text, labels on
top of each other, a legend over a line, a figure too tall, a wide one without a cue),
a real matplotlib plot whose legend covers its lines, and a real Mermaid diagram too
wide for the screen, which must keep its text size and scroll with a visible cue.

Every measurement is written to build/readability-figures.json (smallest plot and
diagram label per page and width) so the numbers can be quoted.
"""

from __future__ import annotations

import fcntl
import json
import re

import pytest

from tests.conftest import ROOT
from tests.pages import load_hook
from tests.site.browser_kit import (
    PAGES,
    PROBES,
    SHOTS,
    VIEWPORTS,
    open_context,
    shared_all,
    shared_put,
    wait_for_rendering,
)

MIN_PX = {"desktop": 11.0, "phone": 9.0}
SCRIPT_SHARE = 0.7            # sub/superscripts: KaTeX and matplotlib draw them at 70 %
VIEWPORT_H = {"desktop": 900, "phone": 844}
PROBE = (PROBES / "figures.js").read_text(encoding="utf-8")
RECORD = SHOTS.parent / "readability-figures.json"
MEASURED: dict[str, dict[str, dict]] = {"desktop": {}, "phone": {}}


def figure_problems(figures: list[dict], viewport: str) -> list[str]:
    """What the rules above find wrong in the probe's measurements, one line a figure."""
    least = MIN_PX[viewport]
    problems = []
    for f in figures:
        where = f["name"] if f["name"].startswith(f["kind"]) else f"{f['kind']} {f['name']}"
        if f.get("raster"):
            problems.append(f"{where}: a raster image; draw it as SVG with text kept as text "
                            "(%config InlineBackend.figure_formats = ['svg'])")
            continue
        if f["label_px"] is not None and f["label_px"] < least:
            problems.append(f"{where}: smallest label \"{f['smallest']}\" is {f['label_px']} px "
                            f"on screen (needs >= {least:g} px)")
        if f["glyph_px"] is not None and f["glyph_px"] < SCRIPT_SHARE * least - 0.05:
            problems.append(f"{where}: a sub/superscript is {f['glyph_px']} px "
                            f"(needs >= {SCRIPT_SHARE * least:.1f} px)")
        if f["taller"]:
            problems.append(f"{where}: {f['height']} px tall, taller than the "
                            f"{VIEWPORT_H[viewport]} px screen")
        if f["wide"] and not (f["scrolls"] and f["cue"]):
            how = "in a box that scrolls but shows no cue" if f["scrolls"] else "and no box scrolls"
            problems.append(f"{where}: {f['width']} px wide, runs past its column {how}")
        if f["overlaps"]:
            problems.append(f"{where}: labels drawn over each other: {'; '.join(f['overlaps'])}")
        problems += [f"{where}: {what}" for what in f["legends"]]
    return problems


def smallest(figures: list[dict], kinds: tuple[str, ...]) -> float | None:
    sizes = [f["label_px"] for f in figures if f["kind"] in kinds and f["label_px"] is not None]
    return min(sizes) if sizes else None


def record(lang: str, name: str, viewport: str, figures: list[dict]) -> None:
    """Add this page's numbers to build/readability-figures.json (rewritten each time)."""
    entry = {
        "plot_px": smallest(figures, ("plot", "notebook")),
        "diagram_px": smallest(figures, ("diagram",)),
        "figures": [{k: f.get(k) for k in ("kind", "name", "label_px", "glyph_px", "smallest",
                                           "width", "height", "scrolls")} for f in figures],
    }
    MEASURED[viewport][f"{lang}:{name}"] = entry
    # with `pytest -n` the other worker's pages too (browser_kit.shared_put), so that the
    # file holds every page whichever worker writes it last
    shared_put("figures", (viewport, lang, name), [viewport, f"{lang}:{name}", entry])
    RECORD.parent.mkdir(parents=True, exist_ok=True)
    with open(RECORD.with_suffix(".lock"), "w") as lock:   # one writer at a time
        fcntl.flock(lock, fcntl.LOCK_EX)
        for where, page, kept in shared_all("figures"):
            MEASURED[where].setdefault(page, kept)
        RECORD.write_text(json.dumps(MEASURED, indent=1, ensure_ascii=False), encoding="utf-8")


@pytest.mark.browser
@pytest.mark.parametrize("viewport", ["desktop", "phone"])
@pytest.mark.parametrize(("lang", "name", "url"), PAGES, ids=[f"{p[0]}:{p[1]}" for p in PAGES])
def test_figures_are_readable(measure, lang, name, url, viewport):
    figures = measure(lang, name, viewport)["figures"]["figures"]
    record(lang, name, viewport, figures)
    problems = figure_problems(figures, viewport)
    width = "1280" if viewport == "desktop" else "390"
    assert not problems, f"{lang}:{name} at {width} px:\n  " + "\n  ".join(problems)


# ---- one notation in the diagrams' labels ----------------------------------------------

MERMAID = re.compile(r"^```mermaid\n(?P<body>.*?)^```$", re.S | re.M)
# TeX-style indices (h_t, c_{t-1}, W^e, E^T) and Unicode sub/superscripts (h₁, ℝⁿ, Wᵀ):
# a diagram writes every index as HTML, h<sub>t−1</sub>, as the rendered formulas look.
OTHER_NOTATION = re.compile(r"[A-Za-z)\]][_^][A-Za-z0-9{(]"
                            r"|[\u2080-\u209c\u2070-\u207f\u1d40-\u1d6a]")


def notation_problems(markdown: str) -> list[str]:
    """Indices in a diagram written otherwise than ``<sub>``/``<sup>``, with the block."""
    found = []
    for n, m in enumerate(MERMAID.finditer(markdown), start=1):
        found += [f"diagram {n}: {hit!r}" for hit in OTHER_NOTATION.findall(m["body"])]
    return found


def test_diagrams_write_indices_one_way():
    found = {page.name: notation_problems(page.read_text(encoding="utf-8"))
             for page in sorted((ROOT / "docs").glob("*.md"))}
    found = {page: hits for page, hits in found.items() if hits}
    assert not found, ("write indices in diagrams as HTML, h<sub>t−1</sub>, "
                       f"W<sub>hh</sub><sup>⊤</sup>: {found}")


def test_the_notation_check_sees_tex_and_unicode_indices():
    block = "```mermaid\nflowchart LR\n  a[\"{}\"] --> b\n```\n"
    assert notation_problems(block.format("h<sub>t−1</sub> W<sub>hh</sub><sup>⊤</sup>")) == []
    for label in ("c_{t-1}", "W^e_hh", "h₁", "ℝⁿ", "Wᵀ", "E^T e"):
        assert notation_problems(block.format(label)), label


# ---- the probe and the rules can fail: pages built by hand, measured the same way ----

COLUMN = '<article style="width:{w}px;margin:0 8px;font:16px sans-serif">{body}</article>'


def tiny_plot(font: float, view: float = 2000, extra: str = "") -> str:
    """An inline SVG plot whose labels are ``font`` units in a viewBox ``view`` wide."""
    return (f'<figure class="plot" id="plot-demo" style="margin:0"><svg viewBox="0 0 {view} 200" '
            f'style="width:100%;height:auto"><g id="plot-demo-axes_1">'
            f'<text x="10" y="100" style="font-size:{font}px">tiny label</text>'
            f'<text x="1200" y="100" style="font-size:{font}px">far away</text>{extra}'
            f"</g></svg></figure>")


def probe_page(browser, body: str, viewport: str = "desktop") -> list[dict]:
    width = {"desktop": 1280, "phone": 390}[viewport]
    page = browser.new_page(viewport={"width": width, "height": VIEWPORT_H[viewport]})
    try:
        page.set_content("<!doctype html><html><body style='margin:0'>"
                         + COLUMN.format(w=width - 16, body=body) + "</body></html>")
        return page.evaluate(PROBE)["figures"]
    finally:
        page.close()


@pytest.mark.browser
def test_the_probe_finds_tiny_text_and_names_its_size(browser):
    # 12-unit text in a 2000-unit viewBox drawn 1264 px wide: 12 * 1264 / 2000 = 7.6 px
    figures = probe_page(browser, tiny_plot(12))
    assert figures[0]["label_px"] == pytest.approx(12 * 1264 / 2000, abs=0.1)
    problems = figure_problems(figures, "desktop")
    assert any('"tiny label" is 7.6 px' in p for p in problems), problems
    # the same figure with text large enough passes: the rule is not always failing
    assert figure_problems(probe_page(browser, tiny_plot(20)), "desktop") == []


@pytest.mark.browser
def test_the_probe_finds_overlaps_a_legend_over_data_and_a_figure_too_tall(browser):
    over = ('<text x="14" y="104" style="font-size:20px">on top</text>'
            '<g id="plot-demo-data-1"><path d="M 0 20 L 2000 20" style="stroke:black;fill:none"/>'
            '</g><g id="plot-demo-legend-1"><rect x="900" y="5" width="200" height="30" '
            'style="fill:white"/><text x="910" y="28" style="font-size:20px">legend</text></g>')
    problems = figure_problems(probe_page(browser, tiny_plot(20, extra=over)), "desktop")
    assert any("labels drawn over each other" in p and '"on top"' in p for p in problems)
    assert any("legend over the data (data-1)" in p for p in problems), problems
    tall = ('<figure class="plot" id="plot-tall"><svg viewBox="0 0 100 400" '
            'style="width:100%;height:auto"><text x="5" y="50" style="font-size:5px">t</text>'
            "</svg></figure>")
    problems = figure_problems(probe_page(browser, tall, "phone"), "phone")
    assert any("taller than the 844 px screen" in p for p in problems), problems


@pytest.mark.browser
def test_a_wide_figure_passes_only_in_a_box_that_shows_it_scrolls(browser):
    wide = ('<svg viewBox="0 0 900 100" style="width:900px"><text x="5" y="50" '
            'style="font-size:14px">wide</text></svg>')
    bare = f'<figure class="plot" id="plot-w">{wide}</figure>'
    boxed = f'<div style="overflow-x:auto"><figure class="plot" id="plot-w">{wide}</figure></div>'
    cued = ('<div style="overflow-x:auto"><span class="scroll-cue">scroll</span>'
            f'<figure class="plot" id="plot-w">{wide}</figure></div>')
    assert any("no box scrolls" in p for p in figure_problems(
        probe_page(browser, bare, "phone"), "phone"))
    assert any("shows no cue" in p for p in figure_problems(
        probe_page(browser, boxed, "phone"), "phone"))
    assert figure_problems(probe_page(browser, cued, "phone"), "phone") == []


WIDE_DIAGRAM = "flowchart LR\n  " + " --> ".join(f'n{i}["step {i}"]' for i in range(12))
# Render a diagram the way Material does (a div.mermaid, a shadow root, then `fn`), with
# the page's own window.mermaid: the loader of overrides/assets/javascripts/.
DRAW_LIKE_MATERIAL = """async (source) => {
  const { svg, fn } = await window.mermaid.render('wide-test', source);
  const host = document.createElement('div');
  host.className = 'mermaid';
  const root = host.attachShadow({ mode: 'open' });
  root.innerHTML = svg;
  const article = document.querySelector('article');
  article.querySelectorAll('figure, div.mermaid, .scroll-cue').forEach((e) => e.remove());
  article.append(host);
  if (fn) fn(root);
  await new Promise((done) => requestAnimationFrame(() => requestAnimationFrame(done)));
}"""


@pytest.mark.browser
@pytest.mark.parametrize(("viewport", "least"), [("phone", 9.0), ("desktop", 11.0)])
def test_a_diagram_too_wide_keeps_its_text_and_scrolls_with_a_cue(browser, server, viewport,
                                                                   least):
    """The loader's rule on a real page: twelve boxes in a row never shrink below the
    minimum; their box scrolls sideways and the cue above it shows."""
    context, go = open_context(browser, server, **VIEWPORTS[viewport])
    try:
        page = go(next(u for lang, n, u in PAGES if lang == "en" and n == "rnn"))
        wait_for_rendering(page)
        page.evaluate(DRAW_LIKE_MATERIAL, WIDE_DIAGRAM)
        (wide,) = [f for f in page.evaluate(PROBE)["figures"] if f["kind"] == "diagram"]
        cue = page.locator(".scroll-cue").first
        assert wide["scrolls"] and wide["cue"], wide
        assert least <= wide["label_px"] < least + 1.5, wide  # shrunk as far as allowed
        assert cue.is_visible() and "Scroll sideways" in cue.inner_text()
        assert figure_problems([wide], viewport) == []
    finally:
        context.close()


LEGEND_OVER_DATA = '''
import matplotlib.pyplot as plt

def plot(lang):
    fig, ax = plt.subplots(figsize=(4, 3))
    ax.plot([0, 1], [0, 1], label="rising")
    ax.plot([0, 1], [1, 0], label="falling")
    ax.set_title("crossing")
    ax.legend(loc="center")                  # right where the two lines cross
    return fig
'''


@pytest.mark.browser
def test_a_real_plot_with_its_legend_on_the_lines_fails(browser, tmp_path):
    """The plot hook's names for data and legends, read by the probe, on real matplotlib."""
    code = tmp_path / "plot_crossing.py"
    code.write_text(LEGEND_OVER_DATA, encoding="utf-8")
    svg = load_hook("plots").render_svg(code, "en")
    figure = f'<figure class="plot" id="plot-crossing">{svg}</figure>'
    problems = figure_problems(probe_page(browser, figure), "desktop")
    assert any("legend over the data" in p for p in problems), problems
    moved = LEGEND_OVER_DATA.replace('ax.legend(loc="center")',
                                     'fig.legend(loc="outside lower center", ncols=2)')
    code.write_text(moved, encoding="utf-8")
    figure = f'<figure class="plot" id="plot-crossing">{load_hook("plots").render_svg(code, "en")}'
    assert figure_problems(probe_page(browser, figure + "</figure>"), "desktop") == []
