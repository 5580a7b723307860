"""web3.py's default middleware, re-done for a chain whose id is known and which has no ENS registry.

``dev.w3`` keeps web3's five default middleware under their usual names and with their behaviour, but four of them
spend more of a transaction's time than the devchain itself does, all on requests whose answer the devchain already
knows:

* ``validation`` asks the node for ``eth_chainId`` through the whole middleware stack on every transaction-shaped
  request, to check a transaction's declared ``chainId``. The devchain's id is read straight from the devchain.
* ``gas_price_strategy`` fetches the latest block on every ``eth_sendTransaction``, though it only reads it when a
  transaction gives a priority fee without a fee cap. Here the block is fetched when it is read.
* ``ens_name_to_address`` runs ABI-driven formatters over every request to find ENS names. Here it runs them only
  when a parameter could be a name (a string that is neither 0x-hex nor a block tag).
* ``gas_estimate`` fetches and formats the whole latest block on every ``eth_sendTransaction`` without ``gas``, to
  cap the buffered estimate by the block's gas limit. Here the limit is read straight from the devchain (the same
  number: the head block's header); the estimate itself still goes through ``w3.eth.estimate_gas``, so a revert
  raises the same ``ContractLogicError``.

Each raises the same web3 exceptions, with the same messages, as the middleware it replaces.
"""

from __future__ import annotations

from collections.abc import Iterator, Mapping
from typing import Any, cast

from hexbytes import HexBytes
from web3.exceptions import ExtraDataLengthError, Web3ValidationError, Web3ValueError
from web3.middleware.base import Web3Middleware
from web3.middleware.buffered_gas_estimate import BufferedGasEstimateMiddleware
from web3.middleware.gas_price_strategy import GasPriceStrategyMiddleware, validate_transaction_params
from web3.middleware.names import ENSNameToAddressMiddleware

_TX_METHODS = frozenset({"eth_sendTransaction", "eth_estimateGas", "eth_call", "eth_createAccessList"})
_BLOCK_METHODS = frozenset({"eth_getBlockByHash", "eth_getBlockByNumber"})
_MAX_EXTRADATA_LENGTH = 32  # web3's check for proof-of-authority chains
_BLOCK_TAGS = frozenset({"latest", "pending", "earliest", "safe", "finalized"})
GAS_BUFFER = 100_000  # web3's get_buffered_gas_estimate default (web3/_utils/transactions.py)


def _int(value: Any) -> Any:
    if isinstance(value, str) and value.startswith(("0x", "0X")):
        return int(value, 16)
    return value


class DevchainValidationMiddleware(Web3Middleware):
    """web3's ``validation`` middleware with the chain id taken from the devchain instead of an RPC round trip."""

    def request_processor(self, method: Any, params: Any) -> Any:
        if method in _TX_METHODS and params and isinstance(params[0], Mapping):
            tx = dict(params[0])
            if "chainId" in tx:  # web3 refuses a None chainId too (it is compared as given)
                declared = tx.pop("chainId")
                node = cast(Any, self._w3.provider).chain_id  # a DevchainProvider (install() is only for those)
                if _int(declared) != node:
                    raise Web3ValidationError(
                        f"The transaction declared chain ID {_int(declared)!r}, but the connected node is on {node!r}")
            params = (tx, *params[1:])
        return method, params

    def response_processor(self, method: Any, response: Any) -> Any:
        if method in _BLOCK_METHODS and isinstance(response, Mapping):
            block = response.get("result")
            extra = block.get("extraData") if isinstance(block, Mapping) else None
            if isinstance(extra, (str, int, bytes)) and len(HexBytes(extra)) > _MAX_EXTRADATA_LENGTH:
                raise ExtraDataLengthError(
                    f"The field extraData is {len(HexBytes(extra))} bytes, but should be {_MAX_EXTRADATA_LENGTH}. "
                    f"It is quite likely that you are connected to a POA chain. The full extraData is: "
                    f"{HexBytes(extra)!r}")
        return response


class _LatestBlock(Mapping):
    """The latest block, fetched on first read."""

    def __init__(self, w3: Any) -> None:
        self._w3 = w3
        self._block: Any = None

    def _get(self) -> Any:
        if self._block is None:
            self._block = self._w3.eth.get_block("latest")
        return self._block

    def __getitem__(self, key: str) -> Any:
        return self._get()[key]

    def __iter__(self) -> Iterator[str]:
        return iter(self._get())

    def __len__(self) -> int:
        return len(self._get())


class LazyGasPriceStrategyMiddleware(GasPriceStrategyMiddleware):
    """web3's ``gas_price_strategy`` middleware, fetching the latest block only when the fee check reads it."""

    def request_processor(self, method: Any, params: Any) -> Any:
        if method == "eth_sendTransaction":
            transaction = params[0]
            generated_gas_price = self._w3.eth.generate_gas_price(transaction)
            # web3's check reads the block only for a tip without a fee cap; a lazy Mapping stands in for BlockData
            latest = cast(Any, _LatestBlock(self._w3))
            transaction = validate_transaction_params(transaction, latest, cast(Any, generated_gas_price))
            params = (transaction,)
        return method, params


def _may_name(value: Any) -> bool:
    if isinstance(value, str):
        return not value.startswith(("0x", "0X")) and value not in _BLOCK_TAGS
    if isinstance(value, Mapping):
        return any(_may_name(v) for v in value.values())
    if isinstance(value, (list, tuple)):
        return any(_may_name(v) for v in value)
    return False


class LazyENSNameToAddressMiddleware(ENSNameToAddressMiddleware):
    """web3's ``ens_name_to_address`` middleware, skipped for requests in which no parameter could be a name."""

    def request_processor(self, method: Any, params: Any) -> Any:
        if not _may_name(params):
            return method, params
        return super().request_processor(method, params)


class DevchainGasEstimateMiddleware(BufferedGasEstimateMiddleware):
    """web3's ``gas_estimate`` middleware with the block gas limit read from the devchain, not from a fetched block:
    ``gas`` = min(block gas limit, estimate + 100,000), refused as web3 refuses an estimate above the limit."""

    def request_processor(self, method: Any, params: Any) -> Any:
        if method == "eth_sendTransaction" and "gas" not in params[0]:
            transaction = params[0]
            params = ({**transaction, "gas": hex(self._buffered_estimate(transaction))},)
        return method, params

    def _buffered_estimate(self, transaction: Any) -> int:
        estimate: int = cast(Any, self._w3).eth.estimate_gas(dict(**transaction))  # a sync Web3 here
        limit: int = cast(Any, self._w3.provider).block_gas_limit()
        if estimate > limit:
            raise Web3ValueError(
                "Gas estimate for transaction is higher than current network gas limits. "
                f"Transaction could not be sent. Estimated: {estimate}. "
                f"Current gas limit: {limit}")
        return min(limit, estimate + GAS_BUFFER)


def install(w3: Any) -> None:
    """Swap four middleware in ``w3`` (built on a devchain provider), keeping their names and places."""
    onion = w3.middleware_onion
    onion.replace("gas_estimate", DevchainGasEstimateMiddleware)
    onion.replace("validation", DevchainValidationMiddleware)
    onion.replace("gas_price_strategy", LazyGasPriceStrategyMiddleware)
    onion.replace("ens_name_to_address", LazyENSNameToAddressMiddleware)
