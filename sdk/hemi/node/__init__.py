"""The devchain node: the Bitcoin indexes the hVM reads (``btc_index``), the L2's view of Bitcoin and the devchain.

Submodules are imported on demand; this package itself imports nothing.
"""
