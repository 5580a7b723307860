"""JSON-RPC faces of the devchain (eth_* today; Bitcoin Core RPC lives in hemi.btc.rpc)."""
