#!/usr/bin/env python3
"""Refresh the vendored front-end assets (KaTeX, Mermaid; axe-core for the tests) from npm.

The site must work offline and load nothing from another host, so the math and
diagram libraries are served by the site itself from ``overrides/assets/vendor``.
This script is the only way those files change: it runs ``npm pack`` for the
pinned versions below, copies the files the site needs, and writes
``vendor-lock.json`` with the registry's tarball integrity and a SHA-256 of every
copied file. ``tests/site/test_vendor.py`` checks the files against that lock.
axe-core is not part of the site: the browser tests inject it into each page to
check accessibility, so it lives in ``tests/site/vendor`` with a lock of its own.

Usage:  python .ci/vendor_assets.py        (needs node/npm and the npm registry)
"""

from __future__ import annotations

import hashlib
import json
import shutil
import subprocess
import tarfile
import tempfile
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
VENDOR = ROOT / "overrides" / "assets" / "vendor"
TEST_VENDOR = ROOT / "tests" / "site" / "vendor"

# package -> (version, {path inside the tarball's package/ folder: path under vendor/})
PACKAGES: dict[str, tuple[str, dict[str, str]]] = {
    "katex": ("0.19.1", {
        "dist/katex.min.js": "katex/katex.min.js",
        "dist/katex.min.css": "katex/katex.min.css",
        "dist/contrib/auto-render.min.js": "katex/contrib/auto-render.min.js",
        "dist/fonts/*.woff2": "katex/fonts/",
        "LICENSE": "katex/LICENSE",
    }),
    "mermaid": ("11.17.2", {
        # The ES-module build: a 30 KB entry that imports only the chunks a diagram type
        # needs (a flowchart: about 0.86 MB), where mermaid.min.js is 3.6 MB on every page.
        "dist/mermaid.esm.min.mjs": "mermaid/mermaid.esm.min.mjs",
        "dist/chunks/mermaid.esm.min/*.mjs": "mermaid/chunks/mermaid.esm.min/",
        "LICENSE": "mermaid/LICENSE",
    }),
}
TEST_PACKAGES: dict[str, tuple[str, dict[str, str]]] = {
    "axe-core": ("4.14.1", {
        "axe.min.js": "axe-core/axe.min.js",
        "LICENSE": "axe-core/LICENSE",
    }),
}


def sha256(path: Path) -> str:
    return hashlib.sha256(path.read_bytes()).hexdigest()


def npm_pack(name: str, version: str, dest: Path) -> dict:
    out = subprocess.run(
        ["npm", "pack", f"{name}@{version}", "--json", "--pack-destination", str(dest)],
        check=True, capture_output=True, text=True,
    ).stdout
    return json.loads(out)[0]


def copy_from(tarball: Path, mapping: dict[str, str], vendor: Path) -> list[str]:
    copied = []
    with tarfile.open(tarball) as tar, tempfile.TemporaryDirectory() as tmp:
        tar.extractall(tmp, filter="data")
        pkg = Path(tmp) / "package"
        for pattern, target in mapping.items():
            sources = sorted(pkg.glob(pattern))
            if not sources:
                raise SystemExit(f"{tarball.name}: nothing matches {pattern}")
            for src in sources:
                rel = target + src.name if target.endswith("/") else target
                dst = vendor / rel
                dst.parent.mkdir(parents=True, exist_ok=True)
                shutil.copyfile(src, dst)
                copied.append(rel)
    return copied


def refresh(vendor: Path, packages: dict[str, tuple[str, dict[str, str]]]) -> None:
    """Replace ``vendor`` with the pinned packages' files and write its lock."""
    if vendor.exists():
        shutil.rmtree(vendor)
    vendor.mkdir(parents=True)
    lock: dict[str, dict] = {}
    with tempfile.TemporaryDirectory() as tmp:
        for name, (version, mapping) in packages.items():
            meta = npm_pack(name, version, Path(tmp))
            files = copy_from(Path(tmp) / meta["filename"], mapping, vendor)
            lock[name] = {
                "version": version,
                "registry_integrity": meta["integrity"],
                "files": {rel: sha256(vendor / rel) for rel in sorted(files)},
            }
            print(f"{name}@{version}: {len(files)} files")
    (vendor / "vendor-lock.json").write_text(json.dumps(lock, indent=2) + "\n")


def main() -> None:
    refresh(VENDOR, PACKAGES)
    refresh(TEST_VENDOR, TEST_PACKAGES)


if __name__ == "__main__":
    main()
