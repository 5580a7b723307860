"""What the faces (rpc, web3, server, testing, cli, ape plugin) use from the engine, re-exported by the node.

Faces never import :mod:`hemi.hvm` directly (import-linter contract in pyproject.toml); the engine names they need
are listed here, each helper in its own section.
"""

from __future__ import annotations

# faces helper section: the server's call deadline and its error, the CLI banner's 0x45 mode
from hemi.hvm.deadline import CallTimeout, time_limit
from hemi.hvm.precompiles import default_header_n

__all__ = ["CallTimeout", "default_header_n", "time_limit"]
