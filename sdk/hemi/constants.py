"""Network parameters every layer shares: addresses, gas figures, intervals and defaults, each with its source.

Plain values only (int, bytes, str), so that any layer can import this module without pulling anything in. A value
that belongs to one module alone stays in that module; a value two layers need lives here.
"""

from __future__ import annotations

# -- Bitcoin (regtest) -------------------------------------------------------------------------------------------

# -- hVM: precompiles and system contracts -----------------------------------------------------------------------

# -- Hemi protocol: keystones, PoP, finality ---------------------------------------------------------------------

# -- BTC tunnel --------------------------------------------------------------------------------------------------

# -- devchain defaults -------------------------------------------------------------------------------------------
