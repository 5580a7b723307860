"""Network parameters every layer shares: addresses, gas figures, intervals and defaults, each with its source.

Plain values only (int, bytes, str), so that any layer can import this module without pulling anything in. A value
that belongs to one module alone stays in that module; a value two layers need lives here.
"""

from __future__ import annotations

# -- Bitcoin (regtest) -------------------------------------------------------------------------------------------
# None here: the regtest parameters live in hemi.btc.params, next to the python-bitcoinlib SelectParams("regtest")
# call that must run before any of them is read; every layer above hemi.btc imports them from there (as node/pop.py
# does for COINBASE_MATURITY), and no layer below hemi.btc needs one.

# -- hVM: precompiles and system contracts -----------------------------------------------------------------------

# -- Hemi protocol: keystones, PoP, finality ---------------------------------------------------------------------

# -- BTC tunnel --------------------------------------------------------------------------------------------------

# -- devchain defaults -------------------------------------------------------------------------------------------
