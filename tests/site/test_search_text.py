"""Formulas in search previews as plain text (``overrides/hooks/search_text.py``).

The reference is KaTeX itself, the copy the site serves: for every formula on the site,
the letters and digits a reader sees in KaTeX's rendering (its MathML, in reading order)
must be the letters and digits of the plain text, once Unicode sub- and superscripts and
double-struck letters are read as their base characters. So nothing is dropped, added or
reordered; only the layout (fractions, scripts, spacing) is rewritten.
"""

from __future__ import annotations

import html
import json
import shutil
import subprocess
import unicodedata

import pytest

from tests.conftest import ROOT
from tests.pages import load_hook
from tests.site.test_math import KATEX, formulas_in
from tests.unit.errors import assert_error_names

text = load_hook("search_text")
SHOWN = ROOT / "tests" / "site" / "katex_text.cjs"
BASE = ({v: k for k, v in text.SUP.items()} | {v: k for k, v in text.SUB.items()}
        | {v: k for k, v in text.DOUBLE_STRUCK.items()} | {"ᵀ": "T", "⊤": "T"})


def skeleton(shown: str) -> str:
    """The letters and digits of a formula as shown, in order, scripts as base characters."""
    plain = unicodedata.normalize("NFD", "".join(BASE.get(c, c) for c in shown))
    return "".join(c for c in plain if unicodedata.category(c)[0] in "LN")


def katex_shows(texs: list[str]) -> list[str | None]:
    node = shutil.which("node")
    assert node, "Node.js is needed to check the math: apt-get install -y nodejs"
    proc = subprocess.run([node, str(SHOWN), str(KATEX)], input=json.dumps(texs),
                          capture_output=True, text=True, timeout=120, check=False)
    assert proc.returncode == 0, f"the KaTeX check itself failed:\n{proc.stderr[-2000:]}"
    return [None if s is None else html.unescape(s) for s in json.loads(proc.stdout)]


def disagreements(texs: list[str], convert=text.tex_to_text) -> list[str]:
    """The formulas whose plain text does not hold what KaTeX shows."""
    out = []
    for tex, shown in zip(texs, katex_shows(texs), strict=True):
        if shown is not None and skeleton(convert(tex)) != skeleton(shown):
            out.append(f"{tex[:80]!r} -> {convert(tex)[:80]!r} (KaTeX shows {shown[:60]!r})")
    return out


@pytest.mark.parametrize(("tex", "plain"), [
    (r"h_t = \tanh\left(W_{xh}\, x_t + W_{hh}\, h_{t-1} + b_h\right)",
     "hₜ = tanh(Wₓₕ xₜ + Wₕₕ hₜ₋₁ + bₕ)"),
    (r"\frac{\partial L}{\partial W_{hh}}", "∂L/∂Wₕₕ"),
    (r"\sigma(z) = \frac{1}{1 + e^{-z}}", "σ(z) = 1/(1 + e⁻ᶻ)"),
    (r"\operatorname{softmax}(z)_k", "softmax(z)ₖ"),
    (r"x \in \mathbb{R}^{d}, \quad W^\top", "x ∈ ℝᵈ, Wᵀ"),
    (r"\hat{y}_t \odot \tilde{c}_t", "ŷₜ ⊙ c̃ₜ"),
    (r"h^{(\ell)}_t", "hₜ^(ℓ)"),                       # subscript first; ℓ has no superscript
    (r"x_{<t}", "x_(<t)"),
    (r"\sqrt{d_k}", "√dₖ"),
    (r"\lVert g \rVert_2 \le c", "‖g‖₂ ≤ c"),
    (r"a = 1 \\[1ex] b = 2", "a = 1; b = 2"),
    (r"\begin{aligned} a &= b \end{aligned}", "a = b"),
])
def test_formulas_read_as_plain_text(tex, plain):
    assert text.tex_to_text(tex) == plain


def test_only_formulas_outside_code_are_rewritten():
    field = (r"<p>상태 \(h_{t-1}\)와 $x_t$, \[a^2\]</p> <code>\(h_t\) $x$</code>"
             r"<pre>$$y$$</pre> <p>가격 $5와 $6, 부등식 \(a &lt; b\)</p>")
    assert text.readable(field) == (
        r"<p>상태 hₜ₋₁와 xₜ, a²</p> <code>\(h_t\) $x$</code>"
        r"<pre>$$y$$</pre> <p>가격 $5와 $6, 부등식 a &lt; b</p>")


def test_bad_input_names_the_argument():
    assert_error_names(lambda: text.tex_to_text(None), TypeError,
                       ["tex_to_text", "`tex`", "str", "NoneType"])
    assert_error_names(lambda: text.readable(3), TypeError, ["readable", "`field`", "int"])


def test_the_katex_check_sees_a_dropped_or_reordered_character():
    texs = [r"h_{t-1}", r"\frac{a}{b}", r"x^2_i"]
    assert disagreements(texs) == []
    assert len(disagreements(texs, lambda t: t.split("_")[0].replace(r"\frac", ""))) == 2
    assert len(disagreements(texs, lambda t: "ba" if "frac" in t else text.tex_to_text(t))) == 1


@pytest.mark.site
def test_every_formula_on_the_site_keeps_what_katex_shows(built_site):
    texs = sorted({item["tex"] for item in formulas_in(built_site)})
    assert len(texs) > 300, f"only {len(texs)} formulas found"
    found = disagreements(texs)
    assert not found, (f"{len(found)} formula(s) whose search text differs from what KaTeX "
                       f"shows (overrides/hooks/search_text.py):\n  " + "\n  ".join(found[:20]))
