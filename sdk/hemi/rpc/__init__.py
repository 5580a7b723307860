"""JSON-RPC faces of the devchain (eth_* today; Bitcoin Core RPC lives in hemi.btc.rpc)."""

import hemi._quiet_web3  # noqa: F401 - before anything imports web3: silences websockets.legacy's warning
