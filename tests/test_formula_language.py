"""Korean pages write their formulas' words in Korean.

Math is language-neutral except for the words inside ``\\text{…}``: on a Korean page those are
prose and belong in Korean ("그 외", not "otherwise"). The rule, as the failure message states:

English inside ``\\text{}`` (and ``\\textrm``, ``\\textit``, ``\\textbf``, ``\\textsf``,
``\\mbox``) on a Korean page fails, unless the English word is

1. an abbreviation in capitals (``MLE``, ``BLEU``) or a capitalised proper name (``PyTorch``,
   ``Cho``);
2. a label in a subscript or superscript (``W_{\\text{out}}``, ``\\mathrm{tf}_{\\text{raw}}``);
3. example text: the argument of a function, right after ``(`` or ``\\mid``
   (``P(\\text{I study})``), or a word the page itself shows in a quotation or in code
   (``\\text{king} - \\text{man}`` on a page that discusses "man → king").

Function names belong in ``\\operatorname{}`` and other names in ``\\mathrm{}``; neither is
checked. English pages are not checked.
"""

from __future__ import annotations

import re

import pytest

from tests.pages import hook as parser
from tests.pages import localized

RULE = ("write the words inside \\text{} in Korean (e.g. 'otherwise' -> '그 외', or a "
        "condition such as j \\notin \\mathcal{A}). English may stay only as a capitalised "
        "abbreviation or proper name (MLE, PyTorch), a subscript/superscript label "
        "(W_{\\text{out}}), or example text: the argument of P(…)/C(…) or a word the page "
        "quotes. Put function names in \\operatorname{} and other names in \\mathrm{}")

CODE_SPAN = re.compile(r"`[^`\n]*`")
QUOTED = re.compile(r'"([^"\n]*)"|“([^”\n]*)”|‘([^’\n]*)’|「([^」\n]*)」|`([^`\n]*)`')
MATH = re.compile(r"\$\$(.+?)\$\$|\$([^$\n]+?)\$", re.S)
TEXT_COMMAND = re.compile(r"\\(?:text|textrm|textit|textbf|textsf|mbox)\s*\{")
WORD = re.compile(r"[A-Za-z]{2,}")
LABEL_OR_ARGUMENT = ("_{", "^{", "_", "^", "(", "\\mid")


def text_groups(tex: str):
    """``(what precedes, content)`` of every ``\\text{…}`` in ``tex``, braces balanced."""
    for m in TEXT_COMMAND.finditer(tex):
        depth, i = 1, m.end()
        while i < len(tex) and depth:
            depth += {"{": 1, "}": -1}.get(tex[i], 0)
            i += 1
        yield tex[:m.start()].rstrip(), tex[m.end():i - 1]


def english_in_text(markdown: str) -> list[str]:
    """One message per ``\\text{…}`` whose English breaks the rule, with its line number."""
    lines = [line if kind == "text" else "" for _, line, kind, _ in parser._scan(markdown)]
    prose = CODE_SPAN.sub(lambda m: " " * len(m.group(0)), "\n".join(lines))
    quoted = {w.lower() for m in QUOTED.finditer(MATH.sub(" ", "\n".join(lines)))
              for w in WORD.findall(next(g for g in m.groups() if g is not None))}
    found = []
    for m in MATH.finditer(prose):
        tex = m.group(1) or m.group(2)
        line = prose.count("\n", 0, m.start()) + 1
        for before, content in text_groups(tex):
            if before.endswith(LABEL_OR_ARGUMENT):
                continue
            english = [w for w in WORD.findall(content)
                       if not w[0].isupper() and w.lower() not in quoted]
            if english:
                found.append(f"line {line}: \\text{{{content}}} has English {english}")
    return found


@pytest.mark.parametrize("page", localized("ko", (".md",)), ids=lambda p: p.name)
def test_korean_formulas_have_no_english_prose(page):
    found = english_in_text(page.read_text(encoding="utf-8"))
    assert not found, f"{page.name}: English inside a Korean formula:\n  " + \
        "\n  ".join(found) + f"\n{RULE}"


def test_the_check_flags_english_prose_but_not_labels_names_or_examples():
    """Negative controls: each kind of fault fails; each allowed use passes."""
    bad = [r"$$\alpha_j = 0 \text{ where the mask blocks } j$$",
           r"$$x = \begin{cases} 1 & x > 0 \\ 0 & \text{otherwise} \end{cases}$$",
           r"$F \text{ is an immersion}$",
           r"$$p = \textrm{for every } x$$"]
    for tex in bad:
        assert english_in_text(f"본문입니다.\n{tex}\n"), tex
    good = [r"$$0 & \text{그 외}$$", r"$W_{\text{out}}$", r"$a^{\text{forward}}$",
            r"$P(\text{I study ML})$", r"$P(w \mid \text{machine})$", r"$\text{(PyTorch)}$",
            r"$P_{\text{MLE}}$", r"$\operatorname{softmax}(z)$", r"$\mathrm{tf}_{\text{raw}}$",
            r"$\text{BLEU} > 0$"]
    for tex in good:
        assert not english_in_text(f"본문입니다.\n{tex}\n"), tex
    quoted = '"man → king"의 차이\n$\\text{king} - \\text{man}$\n'
    assert not english_in_text(quoted)
    assert english_in_text(quoted.replace('"man → king"', "남자와 왕"))
    assert not english_in_text("```latex\n\\text{otherwise}\n```\n`$\\text{otherwise}$`\n")
    assert english_in_text("$\\text{otherwise}$\n") == [
        "line 1: \\text{otherwise} has English ['otherwise']"]
