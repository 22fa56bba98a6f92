"""Every formula on the built site renders with the KaTeX the site serves.

The browser test sees rendering errors too, but only after a browser has loaded
every page. This check is the fast gate: it hands each formula, exactly as
arithmatex left it in the HTML, to the vendored ``katex.min.js`` under Node with
``throwOnError`` set, so an unknown macro or an unbalanced brace fails with the
page and the formula named.
"""

from __future__ import annotations

import html
import json
import re
import shutil
import subprocess
from pathlib import Path

import pytest

from tests.conftest import ROOT
from tests.pages import source_of

KATEX = ROOT / "overrides" / "assets" / "vendor" / "katex" / "katex.min.js"
RENDER = ROOT / "tests" / "site" / "katex_render.cjs"
# What pymdownx.arithmatex (generic mode) writes: \( … \) inline, \[ … \] display.
MATH = re.compile(r'<(?P<tag>div|span) class="arithmatex">(?P<body>.*?)</(?P=tag)>', re.S)


def katex_errors(items: list[dict]) -> list[dict]:
    """Render ``[{where, tex, display}]`` with Node + KaTeX; return the failures."""
    node = shutil.which("node")
    assert node, "Node.js is needed to check the math: apt-get install -y nodejs"
    proc = subprocess.run([node, str(RENDER), str(KATEX)], input=json.dumps(items),
                          capture_output=True, text=True, timeout=120, check=False)
    assert proc.returncode == 0, f"the KaTeX check itself failed:\n{proc.stderr[-2000:]}"
    return json.loads(proc.stdout)


def formulas_in(site: Path) -> list[dict]:
    items = []
    for page in sorted(site.rglob("*.html")):
        where = page.relative_to(site).as_posix()
        for m in MATH.finditer(page.read_text(encoding="utf-8")):
            body = html.unescape(m["body"]).strip()
            display = body.startswith("\\[")
            items.append({"where": where, "tex": body[2:-2].strip(), "display": display})
    return items


@pytest.mark.site
def test_every_formula_renders_with_the_sites_katex(built_site):
    items = formulas_in(built_site)
    assert len(items) > 20, f"only {len(items)} formulas found: is arithmatex still generic?"
    errors = katex_errors(items)
    report = "\n".join(f"  {source_of(e['where'])}: {e['message']}\n      {e['tex'][:120]}"
                       for e in errors[:20])
    assert not errors, (f"{len(errors)} formula(s) the site's KaTeX cannot render (fix the "
                        f"LaTeX; KaTeX supports fewer macros than LaTeX: "
                        f"https://katex.org/docs/supported):\n{report}")


def test_the_math_check_names_each_broken_formula():
    items = [{"where": "good", "tex": r"h_t = \tanh(W_{hh} h_{t-1})", "display": True},
             {"where": "brace", "tex": r"\frac{1}{2", "display": True},
             {"where": "macro", "tex": r"\softplus(x)", "display": False}]
    errors = katex_errors(items)
    assert [e["where"] for e in errors] == ["brace", "macro"]
    assert "softplus" in errors[1]["message"]
