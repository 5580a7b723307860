"""``dependencies: [{hemi_sdk: installed}]``: the Solidity shipped inside the installed hemi-sdk as an ape dependency.

hemi-sdk ships hBK's interface, the hVM precompile library and the tunnel contracts in its package
(:mod:`hemi.compiler.solidity_sources`). ape-solidity resolves ``import "@hemi/..."`` through ape's dependency
mechanism: a dependency named ``hemi`` is unpacked into ``contracts/.cache/hemi/<version>`` and remapped as
``@hemi``. ape's own ``site_package:`` dependency cannot reach it (it looks the package up by distribution name,
``hemi-sdk``, and expects a folder of that name), so this is a ``local:`` dependency whose path is filled in from the
installed package, wherever it is::

    dependencies:
      - hemi_sdk: installed     # name defaults to "hemi", version to hemi-sdk's

The hemi package folder is the dependency's project and its ``contracts/`` (the shipped ``.sol`` files) its
contracts folder.
"""

from __future__ import annotations

from importlib.metadata import PackageNotFoundError, version
from typing import Any

from ape_pm.dependency import LocalDependency
from pydantic import model_validator


def _hemi_version() -> str:
    try:
        return version("hemi-sdk")
    except PackageNotFoundError:  # a source checkout on PYTHONPATH
        return "local"


class HemiSdkDependency(LocalDependency):
    """The ``hemi_sdk:`` dependency type (its value is informational: the installed package is what is used)."""

    hemi_sdk: str = "installed"

    @model_validator(mode="before")
    @classmethod
    def _installed_package(cls, model: Any) -> Any:
        # deferred: hemi is only needed when a project declares this dependency
        from hemi.compiler import hemi_contracts_root

        model = dict(model)
        model.setdefault("name", "hemi")
        model.setdefault("version", _hemi_version())
        model["local"] = str(hemi_contracts_root().parent)
        override = dict(model.get("config_override") or {})
        override.setdefault("contracts_folder", "contracts")
        model["config_override"] = override
        return model
