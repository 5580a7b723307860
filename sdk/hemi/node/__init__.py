"""The devchain node: the Bitcoin indexes the hVM reads (``btc_index``), the L2's view of Bitcoin and the devchain.

Submodules are imported on demand; this package itself imports only hemi._quiet_web3.
"""

import hemi._quiet_web3  # noqa: F401 - before anything imports web3: silences websockets.legacy's warning
