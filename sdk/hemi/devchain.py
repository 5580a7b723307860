"""The public ``hemi.Devchain``: the node's devchain with its in-process faces attached (``dev.w3``).

The restructuring moves the ``w3`` property here so that ``hemi.node`` never imports a face; until then this module
re-exports the node's class.
"""

from __future__ import annotations

from hemi.node.devchain import Devchain

__all__ = ["Devchain"]
