"""hemi-sdk: the devchain and SDK for Hemi smart-contract developers.

``hemi.Devchain()`` is the in-process hVM devchain (EVM + embedded Bitcoin); ``hemi.btc`` the Bitcoin regtest chain
alone. Heavy modules (py-evm, web3) load only when first used, so ``import hemi`` stays cheap.
"""

from typing import TYPE_CHECKING, Any

from hemi.types import BlockHash, Txid

if TYPE_CHECKING:
    from hemi._version import __version__  # pyproject.toml's version, through the metadata

__all__ = ["BitcoinChain", "BlockHash", "Devchain", "Txid", "__version__"]


def __getattr__(name: str) -> Any:
    if name == "__version__":
        # deferred: finding the installed metadata scans sys.path (about 2 ms), and few programs ask
        from hemi._version import __version__

        return __version__
    if name == "Devchain":
        # deferred: py-evm and web3 load on first use, so `import hemi` stays cheap
        from hemi.devchain import Devchain  # the node's devchain with its in-process web3 face (dev.w3)

        return Devchain
    if name == "BitcoinChain":
        from hemi.btc.chain import BitcoinChain  # deferred: as above (python-bitcoinlib, coincurve)

        return BitcoinChain
    raise AttributeError(f"module 'hemi' has no attribute {name!r}")
