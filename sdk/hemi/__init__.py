"""hemi-sdk: the devchain and SDK for Hemi smart-contract developers.

``hemi.btc`` is the embedded Bitcoin regtest chain. Heavy modules (the EVM, web3) load only when used.
"""

from hemi.types import BlockHash, Txid

__version__ = "0.1.0"
__all__ = ["BlockHash", "Txid", "__version__"]
