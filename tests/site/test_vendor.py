"""The vendored files are exactly what .ci/vendor_assets.py fetched from npm.

Two folders, each with its lock: the site's KaTeX and Mermaid
(overrides/assets/vendor) and the browser tests' axe-core (tests/site/vendor).
"""

from __future__ import annotations

import hashlib
import json

import pytest

from tests.conftest import ROOT

VENDORS = {
    "site": (ROOT / "overrides" / "assets" / "vendor", {"katex", "mermaid"}),
    "tests": (ROOT / "tests" / "site" / "vendor", {"axe-core"}),
}


def lock_of(folder):
    return json.loads((folder / "vendor-lock.json").read_text())


@pytest.mark.parametrize(("folder", "packages"), VENDORS.values(), ids=VENDORS)
def test_lock_names_pinned_versions_and_registry_integrity(folder, packages):
    lock = lock_of(folder)
    assert set(lock) == packages
    for name, entry in lock.items():
        assert entry["version"].count(".") == 2, f"{name} is not pinned to an exact version"
        assert entry["registry_integrity"].startswith("sha512-")


@pytest.mark.parametrize(("folder", "packages"), VENDORS.values(), ids=VENDORS)
def test_every_vendored_file_matches_its_hash(folder, packages):
    for name, entry in lock_of(folder).items():
        for rel, digest in entry["files"].items():
            data = (folder / rel).read_bytes()
            assert hashlib.sha256(data).hexdigest() == digest, (
                f"{rel} differs from {name}@{entry['version']}: run python .ci/vendor_assets.py")


@pytest.mark.parametrize(("folder", "packages"), VENDORS.values(), ids=VENDORS)
def test_no_unlisted_file_in_vendor(folder, packages):
    lock = lock_of(folder)
    listed = {rel for entry in lock.values() for rel in entry["files"]} | {"vendor-lock.json"}
    present = {p.relative_to(folder).as_posix() for p in folder.rglob("*") if p.is_file()}
    assert present == listed, f"unlisted: {present - listed}, missing: {listed - present}"
