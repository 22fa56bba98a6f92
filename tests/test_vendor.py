"""The vendored KaTeX and Mermaid files are exactly what .ci/vendor_assets.py fetched."""

from __future__ import annotations

import hashlib
import json

from tests.conftest import ROOT

VENDOR = ROOT / "overrides" / "assets" / "vendor"
LOCK = json.loads((VENDOR / "vendor-lock.json").read_text())


def test_lock_names_pinned_versions_and_registry_integrity():
    assert set(LOCK) == {"katex", "mermaid"}
    for name, entry in LOCK.items():
        assert entry["version"].count(".") == 2, f"{name} is not pinned to an exact version"
        assert entry["registry_integrity"].startswith("sha512-")


def test_every_vendored_file_matches_its_hash():
    for name, entry in LOCK.items():
        for rel, digest in entry["files"].items():
            data = (VENDOR / rel).read_bytes()
            assert hashlib.sha256(data).hexdigest() == digest, (
                f"{rel} differs from {name}@{entry['version']}: run python .ci/vendor_assets.py")


def test_no_unlisted_file_in_vendor():
    listed = {rel for entry in LOCK.values() for rel in entry["files"]} | {"vendor-lock.json"}
    present = {p.relative_to(VENDOR).as_posix() for p in VENDOR.rglob("*") if p.is_file()}
    assert present == listed, f"unlisted: {present - listed}, missing: {listed - present}"
