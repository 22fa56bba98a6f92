"""Plots drawn at build time by code from ``seqcore``, inlined into the page as SVG.

A page asks for a plot with a line of its own::

    <!-- plot: bm25_saturation -->

and ``snippets/plot_bm25_saturation.py`` defines ``plot(lang)`` returning a matplotlib
Figure, or a list of Figures for a figure of several panels (labels in Korean for
``"ko"``, English for ``"en"``). The hook runs it, saves each panel as SVG with text
kept as text (the page's fonts draw Hangul; the SVG stays small and searchable) and
puts it inline where the marker stood, so both languages get their own figure without
any file juggling by the i18n plugin.

Readable at 1280 px and at 390 px by one design rule, set here for every plot
(:data:`FONTS`, :func:`check_design`): each panel is shown at its physical size
(1 in = 96 CSS px), at most :data:`MAX_WIDTH_IN` wide and :data:`MAX_HEIGHT_IN` tall,
with no text under :data:`FONT_PT`; panels sit side by side where the column has room
and one under another on a phone (overrides/assets/stylesheets/figures.css). A panel
that breaks the rule fails the build and says what to change.

Inline, not ``<img>``: the SVG inherits the page's fonts. A missing plot file, a
missing ``plot`` function or an exception while drawing fails the build with the
file named. The marker (``pagekit.PLOT``) is the one the parity test reads.
:func:`render_svg` is the one entry point from a plot file to the final markup.
"""

from __future__ import annotations

import base64
import functools
import html
import importlib.util
import io
import os
import re
from pathlib import Path
from typing import ClassVar

from pagekit import PLOT, language_of, page_language, text_lines

_PLACEHOLDER = '<div class="plot-placeholder" data-plot="{name}"></div>'
_PLACEHOLDER_RE = re.compile(r'(?:<p>)?<div class="plot-placeholder" data-plot="([a-z0-9_]+)">'
                             r"</div>(?:</p>)?")


def plot_file(snippets: Path, name: str) -> Path:
    """``snippets/plot_<name>.py``: where the code of plot ``name`` lives."""
    return snippets / f"plot_{name}.py"


def _ensure_cjk_font() -> None:
    """Register Noto Sans CJK if matplotlib's font cache predates its installation.

    The text stays text in the SVG (the browser draws it), but matplotlib still
    measures it for the layout, which needs a font with Hangul glyphs.
    """
    from matplotlib import font_manager

    if any(f.name == "Noto Sans CJK KR" for f in font_manager.fontManager.ttflist):
        return
    for path in font_manager.findSystemFonts():
        if Path(path).name.startswith("NotoSansCJK"):
            font_manager.fontManager.addfont(path)


def scope_ids(svg: str, prefix: str) -> str:
    """Prefix every id of ``svg`` (and each reference to it) so two plots on a page differ.

    matplotlib names its groups ``figure_1``, ``axes_1``…, the same in every figure;
    inline, two figures on one page would repeat ids and clip each other's paths.
    """
    ids = set(re.findall(r'\bid="([^"]+)"', svg))
    if not ids:
        return svg
    pattern = "|".join(re.escape(i) for i in sorted(ids, key=len, reverse=True))
    svg = re.sub(rf'\bid="({pattern})"', rf'id="{prefix}-\1"', svg)
    return re.sub(rf'(url\(#|href="#)({pattern})(?=[)"])', rf"\1{prefix}-\2", svg)


# ---- the design rule every plot is drawn by -------------------------------------------
# A plot is shown at its physical size: its SVG keeps matplotlib's width in points, so
# one inch of ``figsize`` is 96 CSS px and a 10 pt label is 13.3 px on a laptop. The
# page's column is 688 px wide at 1280 px and 358 px on a 390 px phone, where a panel
# wider than the column shrinks with it. Hence, for every panel (one Figure):
FONT_PT = 10.0        # the smallest text: 13.3 px on a laptop, >= 9 px on a phone (below)
MAX_WIDTH_IN = 5.2    # figsize; 5.3 in (509 px) drawn: a phone shrinks it to 358 / 509,
LIMIT_WIDTH_IN = 5.3  # so 10 pt is still 9.4 px there
HALF_WIDTH_IN = 3.4   # two such panels (334 px drawn) sit side by side in the 688 px column
MAX_HEIGHT_IN = 6.0   # 576 px: shorter than a laptop's screen (900 px) and a phone's (844)
FONTS = {
    # Hangul needs Noto Sans CJK to be measured for the layout; the browser draws the
    # text, falling back to the reader's sans-serif where these fonts are missing.
    "font.family": ["Noto Sans CJK KR", "sans-serif"],
    "font.sans-serif": ["DejaVu Sans"],
    "font.size": FONT_PT,
    **{f"{k}": FONT_PT for k in ("axes.labelsize", "xtick.labelsize", "ytick.labelsize",
                                 "legend.fontsize", "legend.title_fontsize")},
    "axes.titlesize": FONT_PT + 1, "figure.titlesize": FONT_PT + 1,
    "figure.figsize": (MAX_WIDTH_IN, 3.4),
    "figure.constrained_layout.use": True,   # labels kept inside the panel's width
    "legend.framealpha": 0.9,
    "savefig.pad_inches": 0.04,
    "svg.fonttype": "none", "svg.hashsalt": "seqcore",
}
GENERIC = ("sans-serif", "serif", "monospace", "cursive", "fantasy", "system-ui")


def render_svg(path: Path, lang: str) -> str:
    """Run ``plot(lang)`` from ``path`` and return the figure as inline ``<svg>`` markup.

    ``plot`` returns one Figure, or a list of them: the panels of one figure, each
    drawn as its own SVG so that the page sets them side by side where they fit and
    one under another on a phone. Every panel must keep the design rule above; one
    that does not fails the build with what to change.
    """
    import matplotlib

    matplotlib.use("Agg")
    import matplotlib.pyplot as plt

    _ensure_cjk_font()

    spec = importlib.util.spec_from_file_location(f"_seqcore_plot_{path.stem}", path)
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    if not callable(getattr(module, "plot", None)):
        raise ValueError(f"{path}: defines no function plot(lang) -> Figure")
    svgs = []
    with matplotlib.rc_context(FONTS):
        drawn = module.plot(lang)
        panels = list(drawn) if isinstance(drawn, list | tuple) else [drawn]
        for k, fig in enumerate(panels, start=1):
            label = accessible_name(fig, path)
            tag_marks(fig)
            svg = svg_of(fig)
            small = small_text(fig)                       # after the draw: ticks exist then
            plt.close(fig)
            where = f"{path.name}" + (f", panel {k}" if len(panels) > 1 else "")
            check_design(where, svg, small)
            prefix = path.stem.replace("_", "-") + (f"-{k}" if k > 1 else "")
            svg = scope_ids(generic_fonts(svg), prefix)
            svgs.append(svg.replace("<svg", f'<svg role="img" aria-label="{html.escape(label)}"',
                                    1))
    return "\n".join(svgs)


def svg_of(fig) -> str:
    """``fig`` as ``<svg>`` markup, cropped to what it draws plus ``savefig.pad_inches``.

    What ``savefig(format="svg", bbox_inches="tight")`` gives, from one draw instead of
    two: savefig draws once to place the constrained layout and find the crop, then
    again to write. Here the one draw writes the SVG (the layout engine runs inside
    it), the crop is measured with the renderer that drew (its text sizes cached),
    and the viewBox is moved onto it; the figure's background outside is clipped.
    """
    import matplotlib

    canvas = _canvas_class()(fig)
    drew = []
    listener = canvas.mpl_connect("draw_event", lambda event: drew.append(event.renderer))
    buf = io.StringIO()
    canvas.print_svg(buf, metadata={"Date": None})   # sets fig.dpi to 72: 1 unit = 1 pt
    canvas.mpl_disconnect(listener)
    crop = fig.get_tightbbox(drew[0]).padded(matplotlib.rcParams["savefig.pad_inches"])
    height = fig.get_figheight() * 72
    x, y = crop.x0 * 72, height - crop.y1 * 72      # SVG's y axis points down
    w, h = crop.width * 72, crop.height * 72
    svg = buf.getvalue()
    svg = svg[svg.index("<svg"):]                     # drop the XML prolog and doctype
    head, rest = svg.split(">", 1)
    head, found = re.subn(r'width="[\d.]+pt" height="[\d.]+pt" viewBox="[^"]*"',
                          f'width="{w:.3f}pt" height="{h:.3f}pt" '
                          f'viewBox="{x:.3f} {y:.3f} {w:.3f} {h:.3f}"', head)
    if found != 1:
        raise ValueError(f"matplotlib's SVG header changed; cannot crop it: {head[:200]}")
    return head + ">" + rest


@functools.cache
def _canvas_class():
    """An SVG canvas whose renderers share what they measure, for the whole process.

    matplotlib gives every renderer its own text measurer and caches text sizes per
    renderer, and the constrained layout and the draw of each panel use a renderer each.
    Over the site's 68 renders, 84% of the text measurements (tick labels such as
    ``10^2``, legends) repeat one made before, and every line of text laid out reads its
    font's line heights from the font's tables again. Kept once per process, the plot
    workers draw the same SVG (the test compares it with savefig's) in 29% less time. A
    text's size depends only on the string, its font properties and whether it is
    mathtext: SVG renderers all measure at 72 dpi.
    """
    from matplotlib.backends.backend_mixed import MixedModeRenderer
    from matplotlib.backends.backend_svg import FigureCanvasSVG, RendererSVG
    from matplotlib.font_manager import fontManager, get_font
    from matplotlib.textpath import TextToPath

    class MeasuredOnce(TextToPath):
        sizes: ClassVar[dict] = {}

        def get_text_width_height_descent(self, s, prop, ismath):
            key = (s, prop.copy(), ismath)     # FontProperties hashes on its state
            if key not in self.sizes:
                self.sizes[key] = super().get_text_width_height_descent(s, prop, ismath)
            return self.sizes[key]

    class SharedRenderer(RendererSVG):
        heights: ClassVar[dict] = {}

        def __init__(self, *args, **kwargs):
            super().__init__(*args, **kwargs)
            self._text2path = SharedCanvas.measurer

        def _get_font_height_metrics(self, prop):
            """``(ascent, descent, line gap)`` of the font, as ``Text._get_layout`` reads
            them from its OS/2 or hhea table when the renderer has none (the figure is at
            72 dpi while an SVG draws), computed the same way."""
            key = prop.copy()
            if key not in self.heights:
                font = get_font(fontManager._find_fonts_by_props(prop))
                self.heights[key] = None, None, None
                for name, gap, ascent, descent in (
                        ("OS/2", "sTypoLineGap", "sTypoAscender", "sTypoDescender"),
                        ("hhea", "lineGap", "ascent", "descent")):
                    if (table := font.get_sfnt_table(name)) is not None:
                        # matplotlib's expression, dpi = 72 included: "· 72 / 72" is not
                        # always an exact no-op in floating point, and the SVG must match
                        scale = 1 / font.get_sfnt_table("head")["unitsPerEm"] \
                            * prop.get_size_in_points() * 72 / 72
                        self.heights[key] = (table[ascent] * scale, -table[descent] * scale,
                                             table[gap] * scale)
                        break
            return self.heights[key]

    class SharedCanvas(FigureCanvasSVG):
        measurer = MeasuredOnce()

        def print_svg(self, filename, *, metadata=None, **_):
            """``FigureCanvasSVG.print_svg`` with the shared renderer (the layout engine
            asks for its renderer through here too, with a binary stream)."""
            fh = filename if isinstance(filename, io.TextIOBase) else \
                io.TextIOWrapper(filename, encoding="utf-8")
            dpi, self.figure.dpi = self.figure.dpi, 72
            width, height = self.figure.get_size_inches()
            svg = SharedRenderer(width * 72, height * 72, fh, image_dpi=dpi, metadata=metadata)
            renderer = MixedModeRenderer(self.figure, width, height, dpi, svg)
            self.figure.draw(renderer)
            renderer.finalize()

    return SharedCanvas


def small_text(fig) -> list[str]:
    """The visible labels of ``fig`` drawn smaller than :data:`FONT_PT`."""
    from matplotlib.text import Text

    return [f"'{t.get_text()[:40]}' at {t.get_fontsize():g} pt"
            for t in fig.findobj(Text)
            if t.get_visible() and t.get_text().strip() and t.get_fontsize() < FONT_PT - 1e-6]


def check_design(where: str, svg: str, small: list[str]) -> None:
    """Fail with what to change when a panel breaks the design rule."""
    box = re.search(r'viewBox="[-\d.]+ [-\d.]+ ([\d.]+) ([\d.]+)"', svg)
    width_in, height_in = float(box[1]) / 72, float(box[2]) / 72
    wrong = []
    if small:
        wrong.append(f"text smaller than {FONT_PT:g} pt ({', '.join(small[:3])}): leave "
                     "the size to the plot hook (no fontsize=) or draw fewer labels")
    if width_in > LIMIT_WIDTH_IN:
        wrong.append(f"{width_in:.2f} in wide after layout, at most {LIMIT_WIDTH_IN:g} in "
                     f"(figsize at most {MAX_WIDTH_IN:g} in; {HALF_WIDTH_IN:g} in for panels "
                     "meant to sit side by side): make figsize narrower, or return the "
                     "panels as a list of Figures")
    if height_in > MAX_HEIGHT_IN + 0.05:
        wrong.append(f"{height_in:.2f} in tall, at most {MAX_HEIGHT_IN:g} in: make it "
                     "shorter or split it into panels")
    if wrong:
        raise ValueError(f"{where}: " + "; ".join(wrong))


def tag_marks(fig) -> None:
    """Name the data and the legends in the SVG (``data-<n>``, ``legend-<n>``).

    The browser tests look for a legend drawn over the data by these ids; an artist
    that already has a gid keeps it.
    """
    n = 0
    legends = list(fig.legends)
    for ax in fig.axes:
        spines = set(ax.spines.values())
        marks = [*ax.lines, *ax.collections, *ax.images,
                 *(p for p in ax.patches if p not in spines)]
        for artist in marks:
            if artist.get_gid() is None:
                n += 1
                artist.set_gid(f"data-{n}")
        if ax.get_legend() is not None:
            legends.append(ax.get_legend())
    for k, legend in enumerate(legends, start=1):
        if legend.get_gid() is None:
            legend.set_gid(f"legend-{k}")


def generic_fonts(svg: str) -> str:
    """End every font list with a generic family, so a reader without it gets sans-serif.

    matplotlib names only the font it measured with (mathtext names one per glyph).
    """
    def finish(m: re.Match) -> str:
        families = m[1].strip()
        last = families.rsplit(",", 1)[-1].strip().strip("'\"")
        return m[0] if last in GENERIC else f"font-family: {families}, sans-serif"
    return re.sub(r"font-family: ([^;\"]+)", finish, svg)


_NOTEBOOK_SVG = re.compile(r'<img alt="[^"]*" '
                           r'src="data:image/svg\+xml;base64,([A-Za-z0-9+/=]+)"\s*/?>')


def inline_notebook_svgs(html_text: str, prefix: str) -> str:
    """A notebook's SVG plots inline, as the other plots, instead of ``<img src=data:…>``.

    nbconvert wraps an SVG output in an image, whose text the page's fonts cannot
    draw and the browser tests cannot measure. Inline, each gets ids of its own, fonts
    that end in a generic family, and a name for screen readers made of its labels;
    the search index leaves its text out, as it does the other plots'.
    """
    count = 0

    def inline(m: re.Match) -> str:
        nonlocal count
        count += 1
        svg = base64.b64decode(m[1]).decode("utf-8")
        svg = svg[svg.index("<svg"):]
        # its words: plain labels are <text>, mathtext ones are named in a comment
        words = [w.strip() for w in re.findall(r"<!-- (.*?) -->|>([^<>]+)</text>", svg)
                 for w in w if w]
        words = list(dict.fromkeys(w for w in words if sum(c.isalpha() for c in w) >= 3
                                   and "\\mathdefault" not in w))
        label = "; ".join(words)[:300]
        svg = scope_ids(generic_fonts(svg), f"{prefix}-{count}")
        # data-search-exclude: Material's search index skips its labels and tick numbers
        return svg.replace("<svg", f'<svg role="img" aria-label="{html.escape(label)}" '
                                   "data-search-exclude", 1)

    return _NOTEBOOK_SVG.sub(inline, html_text)


def accessible_name(fig, path: Path) -> str:
    """What a screen reader says for the plot: its titles, in the page's language.

    The figure's suptitle and every axes title, joined; a plot with no title at all
    is named after its file, which is worse, so plots should carry titles.
    """
    suptitle = fig._suptitle.get_text() if getattr(fig, "_suptitle", None) else ""
    titles = [suptitle, *(ax.get_title() for ax in fig.axes)]
    words = [" ".join(t.split()) for t in titles if t and t.strip()]
    return "; ".join(words) or path.stem.removeprefix("plot_").replace("_", " ")


try:  # the parsing above must import without MkDocs (the tests use it)
    from mkdocs.exceptions import PluginError
    from mkdocs.plugins import event_priority
except ImportError:  # pragma: no cover
    event_priority = None

if event_priority is not None:
    from concurrent.futures import Future

    import plotcache

    _depth = [0]                               # 1 in the default language's build, 2 inside
    _drawings: dict[tuple[str, str], Future | str] = {}   # (name, lang) -> SVG or its future
    _workers: list[plotcache.Workers] = []

    def _root(config) -> Path:
        return Path(config.config_file_path).resolve().parent

    def _snippets(config) -> Path:
        return _root(config) / "snippets"

    def _package(config) -> Path:
        """The seqcore the plots import: the repository's own, else the installed one."""
        here = _root(config) / "seqcore"
        if here.is_dir():
            return here
        spec = importlib.util.find_spec("seqcore")
        return Path(spec.origin).parent if spec and spec.origin else here

    def _asked_for(config) -> list[tuple[str, str]]:
        """``(plot name, language)`` of every plot marker of every page, in file order."""
        asked = []
        for page in sorted(Path(config.docs_dir).rglob("*.md")):
            lang = language_of(page.name)
            text = page.read_text(encoding="utf-8")
            if "<!-- plot:" in text:
                asked += [(m["name"], lang) for _, line in text_lines(text)
                          if (m := PLOT.match(line))]
        return list(dict.fromkeys(asked))

    def _start_drawing(config) -> None:
        """Look every plot up in the cache; hand the missing ones to the workers at once."""
        cache, package = plotcache.Cache(_root(config)), _package(config)
        count = plotcache.worker_count()
        for name, lang in _asked_for(config):
            script = plot_file(_snippets(config), name)
            if not script.is_file():
                continue                       # the page that shows it names the file
            key = plotcache.content_key(script, lang, package)
            if (svg := cache.get(key)) is not None:
                _drawings[name, lang] = svg
            elif count:
                if not _workers:
                    _workers.append(plotcache.Workers(_root(config), count))
                future = _workers[0].submit(script, lang)
                future.add_done_callback(lambda f, key=key: f.cancelled() or
                                         _store(cache, key, f.result()))
                _drawings[name, lang] = future

    def _store(cache: plotcache.Cache, key: str, answer: dict) -> None:
        if "svg" in answer:
            cache.put(key, answer["svg"], answer["data"])

    _command = ["build"]
    _filled: list[tuple[Path, str]] = []       # (output file, language) with placeholders

    def on_startup(command, dirty):
        _command[0] = command

    def on_pre_build(config):
        _depth[0] += 1
        if _depth[0] == 1:                     # once for both languages
            _drawings.clear()
            _filled.clear()
            _start_drawing(config)

    @event_priority(-110)   # after i18n's, which builds the other language inside it
    def on_post_build(config):
        _depth[0] -= 1
        if _depth[0] != 0:
            return
        try:
            for dest, lang in _filled:         # the plots go in last: see on_page_content
                page_html = dest.read_text(encoding="utf-8")
                dest.write_text(_PLACEHOLDER_RE.sub(
                    lambda m, lang=lang: _figure(m[1], lang, config), page_html), encoding="utf-8")
        finally:
            for workers in _workers:
                workers.close()
            _workers.clear()

    def on_build_error(error):
        _depth[0] = 0
        for workers in _workers:
            workers.close()
        _workers.clear()

    def _drawing(name: str, path: Path, lang: str, config) -> str:
        """The SVG of plot ``name`` in ``lang``: drawn by a worker, from the cache, or here.

        A plot no worker has started yet is drawn here, rather than waited for, in a
        build (in ``mkdocs serve`` this process holds the seqcore it started with).
        """
        found = _drawings.get((name, lang))
        if isinstance(found, Future) and _command[0] != "serve" and found.cancel():
            found = None
        if found is None:                      # no worker (SEQCORE_PLOT_WORKERS=0), or taken
            found = plotcache.draw(path, lang, _root(config), render_svg)
            if "svg" in found:
                key = plotcache.content_key(path, lang, _package(config))
                plotcache.Cache(_root(config)).put(key, found["svg"], found["data"])
        elif isinstance(found, Future):
            found = found.result()
        if isinstance(found, dict):
            if "error" in found:
                raise PluginError(f"{path.name}: drawing failed: {found['error']}")
            found = found["svg"]
        _drawings[name, lang] = found
        return found

    def _figure(name: str, lang: str, config) -> str:
        svg = _drawing(name, plot_file(_snippets(config), name), lang, config)
        return f'<figure class="plot" id="plot-{html.escape(name)}">{svg}</figure>'

    def on_page_markdown(markdown, page, config, files):
        # A notebook's plots are drawn by its own kernel, which mkdocs-jupyter starts
        # while rendering this page and which inherits the environment: tell it the
        # page's language, so the Korean notebook labels its plots in Korean.
        if page.file.src_uri.endswith(".py"):
            os.environ["SEQCORE_LANG"] = page_language(page)

        def mark(m: re.Match) -> str:
            return _PLACEHOLDER.format(name=m["name"])
        lines = [PLOT.sub(mark, ln) for ln in markdown.split("\n")]
        return "\n".join(lines)

    def on_page_content(html_text, page, config, files):
        if page.file.src_uri.endswith(".py"):           # a notebook (mkdocs-jupyter)
            return inline_notebook_svgs(html_text, "nb-" + Path(page.file.src_uri).stem)
        names = _PLACEHOLDER_RE.findall(html_text)
        for name in names:
            path = plot_file(_snippets(config), name)
            if not path.is_file():
                raise PluginError(f"{page.file.src_uri}: plot '{name}' needs {path}")
        if names:
            # The placeholders stay in the page until the end of the build, when the
            # drawings are put in the written file (on_post_build): the pages render
            # while the workers draw, and no one waits for a plot before then. The
            # search index and the other hooks never read an SVG's labels as text.
            _filled.append((Path(page.file.abs_dest_path), page_language(page)))
        return html_text
