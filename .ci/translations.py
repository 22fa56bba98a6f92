"""Which translations are stale: pages changed in one language and not in the other.

    python .ci/translations.py [BASE]        (BASE: a git revision, default `main`)

Compares every page pair ``docs/<name>.ko.md`` / ``docs/<name>.en.md`` (and the
notebook pairs) against BASE. When one side changed and its twin did not, it says
what changed, structurally rather than by date: formulas added, removed or edited
(by id), snippets, plots, diagrams, Q&A blocks and section headings. A structural
change in one language only is an error (exit status 1): the twin must follow. A
change of wording only is listed as a reminder and does not fail.

The parity test already fails when the two pages differ in structure *now*; this
names the page that moved and what moved, so the translator knows what to redo.
"""

from __future__ import annotations

import importlib.util
import re
import subprocess
import sys
from dataclasses import dataclass
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
LANGS = ("ko", "en")


def _hook(name: str):
    """``overrides/hooks/<name>.py``, loaded as MkDocs loads it (its folder on sys.path)."""
    hooks = ROOT / "overrides" / "hooks"
    spec = importlib.util.spec_from_file_location(f"seqcore_{name}_parser", hooks / f"{name}.py")
    module = importlib.util.module_from_spec(spec)
    sys.modules[spec.name] = module
    sys.path.insert(0, str(hooks))
    try:
        spec.loader.exec_module(module)
    finally:
        sys.path.remove(str(hooks))
    return module


parser = _hook("formulas")
pagekit = _hook("pagekit")
HEADING = re.compile(r"^(#{1,6})\s")


@dataclass
class Skeleton:
    """What a translation must keep in step: ordered items, formula bodies, heading levels."""

    items: list[tuple[str, str]]
    bodies: dict[str, str]
    headings: list[int]


def skeleton(text: str) -> Skeleton:
    bodies: dict[str, str] = {}
    current, lines = None, []
    for _, line, kind, _ in pagekit.scan(text):
        if kind != "text":
            continue
        ids = [fid for fid, _ in parser._formula_divs(line)]
        if ids:
            current, lines = ids[0], []
        elif current and "</div>" in line:
            bodies[current] = "\n".join(ln.strip() for ln in lines if ln.strip())
            current = None
        elif current:
            lines.append(line)
    headings = [len(m[1]) for _, ln, kind, _ in pagekit.scan(text)
                if kind == "text" and (m := HEADING.match(ln))]
    return Skeleton(parser.page_structure(text), bodies, headings)


def what_changed(old: str | None, new: str | None) -> list[str]:
    """Structural differences between two versions of one page, in words."""
    if old is None:
        return ["the page is new"]
    if new is None:
        return ["the page was deleted"]
    a, b = skeleton(old), skeleton(new)
    out = []
    for fid in sorted(set(a.bodies) | set(b.bodies)):
        if fid not in b.bodies:
            out.append(f"formula {fid} removed")
        elif fid not in a.bodies:
            out.append(f"formula {fid} added")
        elif a.bodies[fid] != b.bodies[fid]:
            out.append(f"formula {fid} edited")
    for kind in ("snippet", "plot", "mermaid", "qa", "prose"):
        before = [v for k, v in a.items if k == kind]
        after = [v for k, v in b.items if k == kind]
        if before != after:
            label = {"qa": "Q&A blocks", "mermaid": "diagrams", "prose": "prose formulas"}.get(
                kind, kind + "s")
            out.append(f"{label}: {len(before)} -> {len(after)}"
                       + (f" ({sorted(set(before) ^ set(after))})" if kind in
                          ("snippet", "plot", "prose") and set(before) ^ set(after) else ""))
    if a.headings != b.headings:
        out.append(f"sections: {len(a.headings)} headings -> {len(b.headings)}")
    if not out and [k for k, _ in a.items] != [k for k, _ in b.items]:
        out.append("the order of formulas, snippets, diagrams or questions changed")
    return out


def _git(*args: str) -> str:
    return subprocess.run(["git", *args], cwd=ROOT, capture_output=True, text=True,
                          check=True).stdout


def _at(base: str, path: str) -> str | None:
    try:
        return _git("show", f"{base}:{path}")
    except subprocess.CalledProcessError:
        return None


def _now(path: str) -> str | None:
    p = ROOT / path
    return p.read_text(encoding="utf-8") if p.is_file() else None


def stale(base: str) -> tuple[list[str], list[str]]:
    """``(errors, reminders)`` for every page pair where only one side changed since ``base``."""
    changed = set(_git("diff", "--name-only", base, "--", "docs").split())
    changed |= set(_git("ls-files", "--others", "--exclude-standard", "--", "docs").split())
    errors, reminders = [], []
    for path in sorted(changed):
        m = re.fullmatch(r"(docs/.+)\.(ko|en)\.(md|py)", path)
        if not m:
            continue
        lang = m[2]
        other = "en" if lang == "ko" else "ko"
        twin = f"{m[1]}.{other}.{m[3]}"
        if twin in changed:
            continue
        if m[3] == "py":
            errors.append(f"{path} changed but {twin} did not: notebooks run the same code "
                          "in both languages")
            continue
        moved = what_changed(_at(base, path), _now(path))
        if moved:
            errors.append(f"{path} changed but {twin} did not: " + "; ".join(moved))
        else:
            reminders.append(f"{path}: wording changed; {twin} may need the same edit")
    return errors, reminders


def main(argv: list[str]) -> int:
    base = argv[0] if argv else "main"
    try:
        errors, reminders = stale(base)
    except subprocess.CalledProcessError as exc:
        print(f"translations: cannot compare with {base!r}: {exc.stderr.strip()}")
        return 2
    for line in reminders:
        print(f"translations: note: {line}")
    for line in errors:
        print(f"translations: STALE: {line}")
    if not errors:
        print(f"translations: no stale translation against {base}")
    return 1 if errors else 0


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
