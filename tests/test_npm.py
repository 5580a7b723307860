"""hemi._npm: the pinned-npm-package installer shared by the benchmarks (anvil) and the real-client tests (cast,
viem, hemi-viem). The installs themselves run in tests/server (real npm); here, what needs no network."""

from __future__ import annotations

import json

import pytest

from hemi import _npm
from hemi.errors import NpmUnavailable


def test_a_finished_install_is_recognised_only_for_the_same_versions(tmp_path):
    (tmp_path / "node_modules").mkdir()
    (tmp_path / "hemi-npm.json").write_text(json.dumps({"packages": {"viem": "2.57.1"}}))
    assert _npm.installed(tmp_path, {"viem": "2.57.1"})
    assert not _npm.installed(tmp_path, {"viem": "2.57.2"})
    assert not _npm.installed(tmp_path, {"viem": "2.57.1", "hemi-viem": "2.6.2"})
    (tmp_path / "hemi-npm.json").write_text("{half a file")  # an interrupted write is no install
    assert not _npm.installed(tmp_path, {"viem": "2.57.1"})


def test_without_npm_the_error_says_so(tmp_path, monkeypatch):
    monkeypatch.setattr(_npm.shutil, "which", lambda name: None)
    assert _npm.npm_missing() == "node and npm not found on PATH"
    with pytest.raises(NpmUnavailable, match="not found on PATH"):
        _npm.ensure_packages("x", {"viem": "2.57.1"}, root=tmp_path / "x")
    assert not (tmp_path / "x").exists()


def test_a_cached_install_needs_no_npm(tmp_path, monkeypatch):
    """Once installed, the packages are used without npm on PATH (CI caches; a native cast needs no node)."""
    root = tmp_path / "cast"
    plat = _npm.foundry_platform()
    if plat is None:
        pytest.skip("no Foundry binaries for this platform")
    exe = root / "node_modules" / "@foundry-rs" / f"cast-{plat}" / "bin" / "cast"
    exe.parent.mkdir(parents=True)
    exe.write_text("#!/bin/sh\n")
    exe.chmod(0o755)
    (root / "hemi-npm.json").write_text(json.dumps({"packages": {"@foundry-rs/cast": "1.7.1"}}))
    monkeypatch.setattr(_npm.shutil, "which", lambda name: None)
    assert _npm.foundry_binary("cast", "1.7.1", root=root) == exe
    with pytest.raises(NpmUnavailable):  # another version is not there
        _npm.foundry_binary("cast", "1.7.2", root=root)
