"""The Node program that lets the ``solc`` npm package (solcjs) stand in for a native solc executable.

The program is ``js/solc_wrapper.js`` (package data); :mod:`hemi.compiler.solcjs` writes it next to the npm
installation with the module path and version filled in (the ``__SOLC_MODULE__`` and ``__SOLC_VERSION__``
placeholders, as JSON strings). It answers the command-line
forms py-solc-x and ape-solidity use:

* ``--version`` (printed without loading the compiler, so version checks stay fast), ``--help``;
* ``--standard-json [file]`` reading the JSON input from stdin (or the file), with ``--base-path``,
  ``--include-path`` (repeatable) and ``--allow-paths`` governing which files imports may read from disk;
* ``--combined-json <outputs>`` over source files or ``-`` (stdin, named ``<stdin>``), with ``prefix=target``
  remappings, ``--optimize``, ``--optimize-runs``, ``--evm-version``, ``--metadata-hash``, ``--metadata-literal``,
  ``--via-ir``, ``--output-dir`` and ``--overwrite``.

Anything else is refused the way native solc refuses it (``unrecognised option '...'``, exit status 1).
"""

from __future__ import annotations

import json
from importlib.resources import files

WRAPPER_RESOURCE = "js/solc_wrapper.js"


def wrapper_template() -> str:
    """The wrapper program with its two placeholders (``__SOLC_MODULE__``, ``__SOLC_VERSION__``)."""
    return files("hemi.compiler").joinpath(WRAPPER_RESOURCE).read_text(encoding="utf-8")


def render_wrapper(solc_module: str, solc_version: str) -> str:
    """The wrapper program for the solc npm package at ``solc_module`` that reports ``solc_version``."""
    return wrapper_template().replace("__SOLC_MODULE__", json.dumps(solc_module)).replace(
        "__SOLC_VERSION__", json.dumps(solc_version)
    )
