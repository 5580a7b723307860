"""The SDK's version: written once, as ``version`` in pyproject.toml, and read here from the installed metadata.

A source checkout used without installing (``PYTHONPATH=sdk``) has no metadata; the version then comes from the
checkout's pyproject.toml, or ``0+unknown`` when there is none either. Reading the metadata costs ``import hemi``
one ``importlib.metadata`` lookup (web3, which every devchain imports, loads that module and does the same).
Other modules import ``__version__`` from here (the root package ``hemi`` re-exports it; modules inside ``hemi``
never import the root package).
"""

from __future__ import annotations

from importlib.metadata import PackageNotFoundError, version
from pathlib import Path

DISTRIBUTION = "hemi-sdk"
_PYPROJECT = Path(__file__).resolve().parents[2] / "pyproject.toml"  # sdk/hemi/_version.py -> the checkout's root


def _read_version() -> str:
    try:
        return version(DISTRIBUTION)
    except PackageNotFoundError:
        pass
    import tomllib  # deferred: only a source checkout without metadata reads pyproject.toml

    try:
        project = tomllib.loads(_PYPROJECT.read_text(encoding="utf-8")).get("project", {})
    except (OSError, tomllib.TOMLDecodeError):
        return "0+unknown"
    found = project.get("version") if project.get("name") == DISTRIBUTION else None
    return found if isinstance(found, str) else "0+unknown"


__version__ = _read_version()

__all__ = ["DISTRIBUTION", "__version__"]
