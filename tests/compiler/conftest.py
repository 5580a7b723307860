"""Fixtures for the compiler tests.

The solc executable is resolved once per session in the ambient environment (so the solcjs npm install, if it is
needed at all, happens once per machine and is reused); each test that compiles gets its own empty artifact cache.
"""

from __future__ import annotations

from pathlib import Path

import pytest

from hemi.compiler import DEFAULT_SOLC_VERSION, ensure_solc


@pytest.fixture(scope="session")
def solc_path() -> Path:
    return ensure_solc(DEFAULT_SOLC_VERSION)


@pytest.fixture
def cache_dir(tmp_path: Path, monkeypatch: pytest.MonkeyPatch, solc_path: Path) -> Path:
    """An empty HEMI_CACHE_DIR for this test (the session's solc stays registered with py-solc-x)."""
    path = tmp_path / "hemi-cache"
    monkeypatch.setenv("HEMI_CACHE_DIR", str(path))
    return path
