"""Plots drawn at build time by code from ``seqcore``, inlined into the page as SVG.

A page asks for a plot with a line of its own::

    <!-- plot: bm25_saturation -->

and ``snippets/plot_bm25_saturation.py`` defines ``plot(lang) -> matplotlib Figure``
(labels in Korean for ``"ko"``, English for ``"en"``). The hook runs it, saves the
figure as SVG with text kept as text (the page's fonts draw Hangul; the SVG stays
small and searchable) and puts it inline where the marker stood, so both
languages get their own figure without any file juggling by the i18n plugin.

Inline, not ``<img>``: the SVG inherits the page's fonts. A missing plot file, a
missing ``plot`` function or an exception while drawing fails the build with the
file named. The parser (:data:`PLOT`) is shared with the parity test.
"""

from __future__ import annotations

import html
import importlib.util
import io
import re
from pathlib import Path

PLOT = re.compile(r"^<!-- plot: (?P<name>[a-z0-9_]+) -->\s*$")
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


def render_svg(path: Path, lang: str) -> str:
    """Run ``plot(lang)`` from ``path`` and return the figure as an inline ``<svg>``."""
    import matplotlib

    matplotlib.use("Agg")
    import matplotlib.pyplot as plt

    _ensure_cjk_font()

    spec = importlib.util.spec_from_file_location(f"_seqcore_plot_{path.stem}", path)
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    if not callable(getattr(module, "plot", None)):
        raise ValueError(f"{path}: defines no function plot(lang) -> Figure")
    with matplotlib.rc_context({"svg.fonttype": "none", "svg.hashsalt": "seqcore",
                                "font.family": ["Noto Sans CJK KR", "DejaVu Sans"]}):
        fig = module.plot(lang)
        label = accessible_name(fig, path)
        buf = io.StringIO()
        fig.savefig(buf, format="svg", bbox_inches="tight", metadata={"Date": None})
        plt.close(fig)
    svg = buf.getvalue()
    svg = svg[svg.index("<svg"):]                     # drop the XML prolog and doctype
    # Width and height in pt would fix the size; the viewBox lets CSS scale it.
    svg = re.sub(r'^<svg([^>]*?) width="[^"]*" height="[^"]*"', r"<svg\1", svg, count=1)
    svg = scope_ids(svg, path.stem.replace("_", "-"))
    return svg.replace("<svg", f'<svg role="img" aria-label="{html.escape(label)}"', 1)


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
    _cache: dict[tuple[Path, float, str], str] = {}

    def _snippets(config) -> Path:
        return Path(config.config_file_path).parent / "snippets"

    def _lang(page) -> str:
        return "en" if page.file.src_uri.endswith(".en.md") else "ko"

    def on_page_markdown(markdown, page, config, files):
        def mark(m: re.Match) -> str:
            return _PLACEHOLDER.format(name=m["name"])
        lines = [PLOT.sub(mark, ln) for ln in markdown.split("\n")]
        return "\n".join(lines)

    def on_page_content(html_text, page, config, files):
        def inline(m: re.Match) -> str:
            name = m[1]
            path = plot_file(_snippets(config), name)
            if not path.is_file():
                raise PluginError(f"{page.file.src_uri}: plot '{name}' needs {path}")
            key = (path, path.stat().st_mtime, _lang(page))
            if key not in _cache:
                try:
                    _cache[key] = render_svg(path, _lang(page))
                except Exception as exc:  # name the file, then stop the build
                    raise PluginError(f"{path.name}: drawing failed: {exc!r}") from exc
            return (f'<figure class="plot" id="plot-{html.escape(name)}">'
                    f"{_cache[key]}</figure>")
        return _PLACEHOLDER_RE.sub(inline, html_text)
