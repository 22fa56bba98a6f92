"""Formulas as plain text, for the search index (used by ``search_ko.py``, not a hook itself).

Material's search shows a few lines of an entry's text under each result. Pages write their
math as TeX, which KaTeX draws in the page, but the index holds the source: a result read
``\\(h_t = \\tanh\\left(W_{xh}\\, x_t + \\dots\\)``. :func:`readable` rewrites every formula of
an index field as the plain text a reader would type or read aloud, ``hₜ = tanh(Wₓₕ xₜ + …)``:
Greek letters and operators as their Unicode characters, sub- and superscripts as Unicode
sub- and superscripts where every character has one (``_{t-1}`` → ``ₜ₋₁``, else ``_(<t)``),
fractions as ``a/b``, and sizing, spacing and font commands dropped. Code (``<code>``,
``<pre>``) is left exactly as written: there, TeX is what the reader is shown.

The words of a formula stay searchable (``tanh``, ``softmax``); its layout does not.
"""

from __future__ import annotations

import functools
import html
import re
import unicodedata

SYMBOLS = {
    # Greek
    "alpha": "α", "beta": "β", "gamma": "γ", "delta": "δ", "epsilon": "ϵ", "varepsilon": "ε",
    "zeta": "ζ", "eta": "η", "theta": "θ", "iota": "ι", "kappa": "κ", "lambda": "λ",
    "mu": "μ", "nu": "ν", "xi": "ξ", "pi": "π", "rho": "ρ", "sigma": "σ", "tau": "τ",
    "phi": "ϕ", "varphi": "φ", "chi": "χ", "psi": "ψ", "omega": "ω", "Gamma": "Γ",
    "Delta": "Δ", "Theta": "Θ", "Lambda": "Λ", "Pi": "Π", "Sigma": "Σ", "Phi": "Φ",
    "Psi": "Ψ", "Omega": "Ω",
    # operators and relations
    "partial": "∂", "nabla": "∇", "sum": "∑", "prod": "∏", "odot": "⊙", "otimes": "⊗",
    "oplus": "⊕", "top": "⊤", "mid": "|", "in": "∈", "notin": "∉", "times": "×",
    "cdot": "·", "ast": "∗", "pm": "±", "to": "→", "rightarrow": "→", "leftarrow": "←",
    "mapsto": "↦", "iff": "⇔", "implies": "⇒", "le": "≤", "leq": "≤", "ge": "≥",
    "geq": "≥", "lesssim": "≲", "gtrsim": "≳", "ne": "≠", "neq": "≠", "approx": "≈",
    "sim": "∼", "propto": "∝",
    "equiv": "≡", "ll": "≪", "gg": "≫", "infty": "∞", "ell": "ℓ", "forall": "∀",
    "exists": "∃", "cap": "∩", "cup": "∪", "subset": "⊂", "subseteq": "⊆",
    "emptyset": "∅", "langle": "⟨", "rangle": "⟩", "lVert": "‖", "rVert": "‖", "Vert": "‖",
    "lvert": "|", "rvert": "|", "dots": "…", "ldots": "…", "cdots": "⋯", "vdots": "⋮",
    "circ": "∘", "sqrt": "√", "prime": "′", "lfloor": "⌊", "rfloor": "⌋",
    "lceil": "⌈", "rceil": "⌉",
    # spacing and line breaks
    ",": " ", ";": " ", ":": " ", "!": "", " ": " ", "quad": " ", "qquad": "; ",
    "\\": "; ", "{": "{", "}": "}", "_": "_", "%": "%", "&": "&", "#": "#", "|": "‖",
}
FUNCTIONS = {"tanh", "sinh", "cosh", "sin", "cos", "tan", "log", "ln", "exp", "max", "min",
             "arg", "argmax", "argmin", "dim", "det", "lim", "sup", "inf", "Pr", "deg"}
#: Commands that only size or style what follows: dropped, their argument kept
DROPPED = {"left", "right", "big", "Big", "bigg", "Bigg", "bigl", "bigr", "Bigl", "Bigr",
           "biggl", "biggr", "middle", "displaystyle", "textstyle", "scriptstyle", "limits",
           "nolimits"}
#: Commands whose one argument is shown as its plain letters
FONTS = {"mathbf", "mathrm", "mathit", "mathsf", "mathtt", "text", "textbf", "textit",
         "textrm", "texttt", "operatorname", "boldsymbol", "bm", "mathcal", "substack", "pmb"}
DOUBLE_STRUCK = {"R": "ℝ", "N": "ℕ", "Z": "ℤ", "Q": "ℚ", "C": "ℂ", "E": "𝔼", "P": "ℙ"}
ACCENTS = {"hat": "\u0302", "widehat": "\u0302", "tilde": "\u0303", "widetilde": "\u0303",
           "bar": "\u0304", "overline": "\u0305", "dot": "\u0307", "ddot": "\u0308",
           "vec": "\u20d7", "overrightarrow": "\u20d7", "overleftarrow": "\u20d6"}
FRACTIONS = {"frac", "dfrac", "tfrac", "cfrac"}
#: Symbols written against what follows them
PREFIXES = {"partial", "nabla", "alpha", "beta", "gamma", "delta", "epsilon", "varepsilon",
            "eta", "theta", "lambda", "mu", "pi", "rho", "sigma", "tau", "phi", "varphi",
            "omega", "Delta", "Sigma", "ell", "sqrt", "lVert", "langle", "lvert"}
#: Closing delimiters, written against what precedes them
CLOSERS = {"rVert", "rangle", "rvert"}
SUB = dict(zip("0123456789+-=()aehijklmnoprstuvxβγρφχ",
               "₀₁₂₃₄₅₆₇₈₉₊₋₌₍₎ₐₑₕᵢⱼₖₗₘₙₒₚᵣₛₜᵤᵥₓᵦᵧᵨᵩᵪ", strict=True))
SUP = dict(zip("0123456789+-=()abcdefghijklmnoprstuvwxyzT⊤′*",
               "⁰¹²³⁴⁵⁶⁷⁸⁹⁺⁻⁼⁽⁾ᵃᵇᶜᵈᵉᶠᵍʰⁱʲᵏˡᵐⁿᵒᵖʳˢᵗᵘᵛʷˣʸᶻᵀᵀ′*", strict=True))

_COMMAND = re.compile(r"\\([A-Za-z]+|.)")


class _Reader:
    """Reads TeX left to right: a command, a braced group, or one character at a time."""

    def __init__(self, tex: str) -> None:
        self.tex, self.i = tex, 0

    def done(self) -> bool:
        return self.i >= len(self.tex)

    def group(self) -> str:
        """The source of the braced group at the cursor (without its braces)."""
        depth, start = 0, self.i
        while not self.done():
            ch = self.tex[self.i]
            if ch == "\\":
                self.i += 2
                continue
            depth += {"{": 1, "}": -1}.get(ch, 0)
            self.i += 1
            if depth == 0:
                return self.tex[start + 1:self.i - 1]
        return self.tex[start + 1:]          # unbalanced: take the rest

    def argument(self) -> str:
        """The source of the next argument: a group, a command, or one character."""
        while not self.done() and self.tex[self.i] == " ":
            self.i += 1
        if self.done():
            return ""
        if self.tex[self.i] == "{":
            return self.group()
        if m := _COMMAND.match(self.tex, self.i):
            self.i = m.end()
            return m[0]
        self.i += 1
        return self.tex[self.i - 1]


def _script(text: str, table: dict[str, str], mark: str) -> str:
    """``text`` as Unicode sub- or superscript characters, or ``_x`` / ``_(x y)``."""
    text = text.strip()
    if text and all(ch in table for ch in text):
        return "".join(table[ch] for ch in text)
    bracketed = len(text) == 1 or (text[0] + text[-1] == "()" and ")" not in text[1:-1])
    return f"{mark}{text}" if bracketed else f"{mark}({text})"


def _scripts(r: _Reader) -> str:
    """A sub- and/or superscript at the cursor, the subscript first (``h^{(l)}_t`` → hₜ⁽ˡ⁾)."""
    found = {}
    while not r.done() and r.tex[r.i] in "_^" and r.tex[r.i] not in found:
        mark = r.tex[r.i]
        r.i += 1
        found[mark] = tex_to_text(r.argument())
    return "".join(_script(found[m], SUB if m == "_" else SUP, m) for m in "_^" if m in found)


def tex_to_text(tex: str) -> str:
    r"""A TeX formula (without its delimiters) as plain, readable text.

    Examples
    --------
    >>> tex_to_text(r"h_t = \tanh\left(W_{xh}\, x_t + W_{hh} h_{t-1} + b_h\right)")
    'hₜ = tanh(Wₓₕ xₜ + Wₕₕ hₜ₋₁ + bₕ)'
    >>> tex_to_text(r"\frac{\partial L}{\partial h_t} \in \mathbb{R}^{d}, \quad x_{<t}")
    '∂L/∂hₜ ∈ ℝᵈ, x_(<t)'
    """
    if not isinstance(tex, str):
        raise TypeError(f"tex_to_text: `tex` must be a str; got {type(tex).__name__}")
    out: list[str] = []
    r = _Reader(tex)
    while not r.done():
        ch = r.tex[r.i]
        if ch in "_^":
            out.append(_scripts(r))
        elif ch == "{":
            out.append(tex_to_text(r.group()))
        elif ch in "}&~":
            r.i += 1
            out.append(" " if ch == "~" else "")
        elif ch == "\\":
            if _COMMAND.match(r.tex, r.i)[1] in CLOSERS:   # ‖g‖, not ‖ g ‖
                out = ["".join(out).rstrip()]
            out.append(_command(r))
        else:
            out.append(ch)
            r.i += 1
    text = unicodedata.normalize("NFC", re.sub(r"\s+", " ", "".join(out)))
    scripts = "".join(SUB.values()) + "".join(SUP.values())
    text = re.sub(rf"\b({'|'.join(FUNCTIONS)}) (?=[(\[|‖_^{scripts}])", r"\1", text)
    return re.sub(r"\s+([;,.])", r"\1", re.sub(r"([;,])(\s*[;,])+", r"\1", text)).strip()


def _command(r: _Reader) -> str:
    m = _COMMAND.match(r.tex, r.i)
    r.i = m.end()
    name = m[1]
    if name == "\\" and r.tex[r.i:r.i + 1] == "[":       # \\[1ex]: a line break's spacing
        r.i = r.tex.find("]", r.i) + 1 or len(r.tex)
    if name in ("begin", "end"):
        r.argument()                          # the environment's name
        return " "
    if name in DROPPED:
        if name in ("left", "right") and r.tex[r.i:r.i + 1] == ".":
            r.i += 1                          # \left. is an invisible delimiter
        return ""
    if name in FRACTIONS:
        top, bottom = tex_to_text(r.argument()), tex_to_text(r.argument())
        return f"{_operand(top)}/{_operand(bottom)}"
    if name == "sqrt":
        return "√" + _operand(tex_to_text(r.argument()))
    if name == "mathbb":
        arg = tex_to_text(r.argument())
        return "".join(DOUBLE_STRUCK.get(c, c) for c in arg)
    if name in FONTS:
        return tex_to_text(r.argument())
    if name in ACCENTS:
        arg = tex_to_text(r.argument())
        return arg + ACCENTS[name] if len(arg) == 1 else f"{arg}{ACCENTS[name]}"
    if name in FUNCTIONS:
        return name + " "                     # tanh z; tanh( is joined again below
    if name in PREFIXES:                      # ∂L, not ∂ L: TeX ignores the space
        while r.tex[r.i:r.i + 1] == " ":
            r.i += 1
    return SYMBOLS.get(name, name)           # an unknown command: its name, not its backslash


def _operand(text: str) -> str:
    """A numerator, denominator or root: in parentheses when it is more than one term."""
    return f"({text})" if re.search(r"[\s+\-=×·/,]", text) else text



# Math as the index holds it: arithmatex's \( \) and \[ \], and $ $ / $$ $$ (notebooks)
MATH = re.compile(r"\\\((?P<a>.+?)\\\)|\\\[(?P<b>.+?)\\\]|\$\$(?P<c>.+?)\$\$"
                  r"|\$(?P<d>[^$\s](?:[^$<]*?[^$\s\\])?)\$", re.S)
CODE = re.compile(r"(<(pre|code)\b[^>]*>.*?</\2>)", re.S | re.I)


def readable(field: str) -> str:
    r"""An index field with every formula outside ``<code>``/``<pre>`` as plain text.

    The field is HTML (Material keeps some markup for the preview), so a formula's ``&lt;``
    is read as ``<`` and written back escaped.

    Examples
    --------
    >>> readable(r"<p>직전 은닉 상태 \(h_{t-1}\)을 받아</p> <code>\(x\)</code>")
    '<p>직전 은닉 상태 hₜ₋₁을 받아</p> <code>\\(x\\)</code>'
    """
    if not isinstance(field, str):
        raise TypeError(f"readable: `field` must be a str; got {type(field).__name__}")
    return _readable(field)


@functools.lru_cache(maxsize=8192)   # a rebuild under `mkdocs serve` repeats most fields
def _readable(field: str) -> str:
    parts = CODE.split(field)
    out = []
    for i, part in enumerate(parts):
        kind = i % 3                 # split() with two groups: text, code block, tag name
        if kind == 2:
            continue
        if kind == 1:
            out.append(part)
            continue
        out.append(MATH.sub(lambda m: html.escape(tex_to_text(html.unescape(
            next(g for g in m.groups() if g is not None))), quote=False), part))
    return "".join(out)
