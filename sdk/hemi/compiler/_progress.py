"""One-line progress notes on stderr for the slow, first-time steps of the compiler layer.

Installing solc (a native download, or ``npm install solc`` and a Node wrapper) and compiling with solcjs take
seconds to minutes; without a word the user sees a hung command. Each note is a single line on stderr, written
only when that work actually happens, never on a cached path. ``HEMI_QUIET=1`` silences them.
"""

from __future__ import annotations

import os
import sys

QUIET_ENV = "HEMI_QUIET"


def note(message: str) -> None:
    """Write ``hemi: <message>`` on stderr (a line of its own), unless ``HEMI_QUIET`` is set."""
    if os.environ.get(QUIET_ENV, "").strip() not in ("", "0"):
        return
    try:
        sys.stderr.write(f"hemi: {message}\n")
        sys.stderr.flush()
    except (OSError, ValueError):  # a closed or broken stderr must never fail a compile
        pass
