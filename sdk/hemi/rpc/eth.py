"""Ethereum JSON-RPC over a Devchain: a dispatch table (method name -> small adapter), as web3.py's tester has it.

Results are shaped exactly as a node sends them over the wire (hex quantities, 0x data), so the in-process web3
provider and the HTTP server share this one table. Errors are :class:`RPCError` with JSON-RPC codes: -32601 unknown
method, -32602 bad params, 3 execution reverted (with the revert data), -32000 transaction rejected.
"""

from __future__ import annotations

import itertools
from collections.abc import Callable
from typing import Any

from eth_utils import keccak, to_checksum_address

from hemi.errors import HemiError, HemiLookupError, HemiValueError, SnapshotError
from hemi.hvm.engine import AccountOverride, EstimateFailed, TxRecord
from hemi.node.op_stack import user_tx_hashes
from hemi.rpc import op_fields, validation

Handler = Callable[..., Any]
METHODS: dict[str, Handler] = {}


class RPCError(HemiError):
    def __init__(self, code: int, message: str, data: str | None = None) -> None:
        self.code, self.message, self.data = code, message, data
        super().__init__(f"{code}: {message}")

    def to_dict(self) -> dict:
        err: dict[str, Any] = {"code": self.code, "message": self.message}
        if self.data is not None:
            err["data"] = self.data
        return err


def method(*names: str) -> Callable[[Handler], Handler]:
    def deco(fn: Handler) -> Handler:
        for n in names:
            METHODS[n] = fn
        return fn

    return deco


# ---------------------------------------------------------------------------------------------- encoding helpers

def q(n: int) -> str:
    return hex(n)


def d(b: bytes) -> str:
    return "0x" + bytes(b).hex()


def addr(b: bytes | None) -> str | None:
    return None if b is None else to_checksum_address(b)


def parse_q(v: Any, name: str = "value") -> int:
    if isinstance(v, int) and not isinstance(v, bool) and v >= 0:
        return v
    if isinstance(v, str) and v[:2] in ("0x", "0X"):
        try:
            return int(v, 16)
        except ValueError:
            pass
    raise RPCError(-32602, f"invalid {name}: expected a hex quantity, got {v!r}")


def parse_uint256(v: Any, name: str = "value") -> int:
    n = parse_q(v, name)
    if n >= 2**256:
        raise RPCError(-32602, f"invalid {name}: {v!r} does not fit in 256 bits")
    return n


def parse_data(v: Any, name: str = "data") -> bytes:
    if v is None:
        return b""
    if isinstance(v, str) and v[:2] in ("0x", "0X"):
        try:
            return bytes.fromhex(v[2:])
        except ValueError:
            pass
    raise RPCError(-32602, f"invalid {name}: expected 0x-prefixed hex, got {v!r}")


def parse_addr(v: Any, name: str = "address") -> bytes:
    b = parse_data(v, name) if isinstance(v, str) else None
    if b is None or len(b) != 20:
        raise RPCError(-32602, f"invalid {name}: expected a 20-byte address, got {v!r}")
    return b


def parse_hash(v: Any, name: str = "hash") -> bytes:
    b = parse_data(v, name)
    if len(b) != 32:
        raise RPCError(-32602, f"invalid {name}: expected 32 bytes, got {v!r}")
    return b


def parse_access_list(v: Any) -> list[tuple[bytes, tuple[int, ...]]]:
    """EIP-2930's ``[{address, storageKeys}]``; absent or null is empty."""
    if v is None:
        return []
    if not isinstance(v, list) or not all(isinstance(e, dict) and "address" in e for e in v):
        raise RPCError(-32602, "invalid accessList: expected an array of {address, storageKeys}")
    return [(parse_addr(e["address"], "accessList address"),
             tuple(int.from_bytes(parse_hash(k, "accessList storage key"), "big") for k in e.get("storageKeys") or []))
            for e in v]


def parse_authorization_list(v: Any) -> list[dict]:
    """EIP-7702's ``[{chainId, address, nonce, yParity, r, s}]`` (execution-apis ``AuthorizationList``); absent or
    null is empty."""
    if v is None:
        return []
    if not isinstance(v, list) or not all(isinstance(e, dict) for e in v):
        raise RPCError(-32602, "invalid authorizationList: expected an array of {chainId, address, nonce, yParity, "
                               "r, s}")
    try:
        return [{"chain_id": parse_uint256(e["chainId"], "authorization chainId"),
                 "address": parse_addr(e["address"], "authorization address"),
                 "nonce": parse_q(e["nonce"], "authorization nonce"),
                 "y_parity": parse_q(e["yParity"] if "yParity" in e else e["v"], "authorization yParity"),
                 "r": parse_uint256(e["r"], "authorization r"), "s": parse_uint256(e["s"], "authorization s")}
                for e in v]
    except KeyError as err:
        raise RPCError(-32602, f"invalid authorizationList: an authorization lacks {err.args[0]!r}") from None


_OVERRIDE_FIELDS = {"balance", "nonce", "code", "state", "stateDiff"}


def parse_state_overrides(v: Any) -> dict | None:
    """geth's state override set: ``{address: {balance?, nonce?, code?, state? | stateDiff?}}``, for one call."""
    if v is None:
        return None
    if not isinstance(v, dict):
        raise RPCError(-32602, "invalid state overrides: expected an object of address -> account override")
    out = {}
    for key, acct in v.items():
        address = parse_addr(key, "state override address")
        if not isinstance(acct, dict) or not set(acct) <= _OVERRIDE_FIELDS:
            raise RPCError(-32602, f"invalid state override for {key}: expected an object with fields among "
                                   f"{sorted(_OVERRIDE_FIELDS)}, got {acct!r:.120}")
        if acct.get("state") is not None and acct.get("stateDiff") is not None:
            raise RPCError(-32602, f"invalid state override for {key}: both state and stateDiff are set")

        def slots(field: str) -> dict[int, int] | None:
            raw = acct.get(field)
            if raw is None:
                return None
            if not isinstance(raw, dict):
                raise RPCError(-32602, f"invalid {field} override for {key}: expected an object of slot -> value")
            return {int.from_bytes(parse_hash(k, f"{field} slot"), "big"):
                    int.from_bytes(parse_hash(val, f"{field} value"), "big") for k, val in raw.items()}

        nonce = acct.get("nonce")
        out[address] = AccountOverride(
            balance=parse_uint256(acct["balance"], "balance override") if acct.get("balance") is not None else None,
            nonce=parse_q(nonce, "nonce override") if nonce is not None else None,
            code=parse_data(acct["code"], "code override") if acct.get("code") is not None else None,
            state=slots("state"), state_diff=slots("stateDiff"))
        if out[address].nonce is not None and out[address].nonce >= 2**64:
            raise RPCError(-32602, f"invalid nonce override for {key}: above 2**64 - 1")
    return out


class EthApi:
    """The eth_*, net_*, web3_* and devchain-control methods of one Devchain."""

    def __init__(self, dev: Any) -> None:
        self.dev = dev
        self.engine = dev.engine
        self._filters: dict[int, dict] = {}
        self._filter_ids = itertools.count(1)
        self._evm_snapshots: dict[int, Any] = {}
        self._evm_snapshot_ids = itertools.count(1)
        self._block_cache: dict[tuple[bytes, bool], dict] = {}  # mined blocks never change; keyed by hash
        self.tx_listeners: list[Callable[[bytes], None]] = []  # called with each accepted tx's hash (the server's
        # newPendingTransactions subscriptions listen here)

    def request(self, name: str, params: Any) -> Any:
        fn = METHODS.get(name)
        if fn is None:
            raise RPCError(-32601, f"the method {name} does not exist/is not available")
        if params is None:
            params = []
        if not isinstance(params, (list, tuple)):
            raise RPCError(-32602, "params must be an array")
        try:
            validation.check(self, name, params)
        except validation.InvalidParams as err:
            raise RPCError(-32602, str(err)) from None
        try:
            return fn(self, *params)
        except TypeError as err:
            if "positional argument" in str(err) or "required" in str(err):
                raise RPCError(-32602, f"invalid params for {name}: {err}") from None
            raise
        except RPCError:
            raise
        except SnapshotError as err:
            raise RPCError(-32602, str(err)) from None
        except HemiLookupError as err:
            raise RPCError(-32001, str(err)) from None
        except HemiValueError as err:
            raise RPCError(-32602, str(err)) from None

    # ------------------------------------------------------------------ block selection

    def block_number(self, tag: Any) -> int:
        head = self.engine.head_number
        if tag is None or tag in ("latest", "safe", "finalized", "pending"):
            return head
        if tag == "earliest":
            return 0
        n = parse_q(tag, "block number")
        if n > head:
            raise RPCError(-32001, f"block {n} not found (head is {head})")
        return n

    def state_number(self, tag: Any) -> int | None:
        """None means the pending state (with the transactions waiting while automine is off); "latest" is the head
        block's state plus direct edits (anvil_setBalance, ...), as anvil reads it."""
        if tag == "pending":
            return None
        if tag is None or tag in ("latest", "safe", "finalized"):
            return self.engine.head_number
        if isinstance(tag, dict):  # EIP-1898
            if "blockHash" in tag:
                n = self.engine.block_number_of(parse_hash(tag["blockHash"], "blockHash"))
                if n is None:
                    raise RPCError(-32001, "block not found")
                return n
            return self.state_number(tag.get("blockNumber"))
        return self.block_number(tag)

    # ------------------------------------------------------------------ shapes

    def tx_json(self, rec: TxRecord | None, tx: Any = None, sender: bytes | None = None,
                block: Any = None, index: int | None = None) -> dict:
        tx = tx if tx is not None else rec.tx
        block = block if block is not None else (self.engine.block(rec.block_number) if rec else None)
        out = {
            "hash": d(tx.hash),
            "nonce": q(tx.nonce),
            "blockHash": d(block.hash) if block is not None else None,
            "blockNumber": q(block.number) if block is not None else None,
            "blockTimestamp": q(block.header.timestamp) if block is not None else None,  # execution-apis #749
            "transactionIndex": q(rec.index if rec else index) if (rec or index is not None) else None,
            "from": addr(rec.sender if rec else sender),
            "to": addr(tx.to) if tx.to else None,
            "value": q(tx.value),
            "gas": q(tx.gas),
            "input": d(tx.data),
            "type": q(getattr(tx, "type_id", None) or 0),
            "chainId": q(self.engine.chain_id),
            "v": q(tx.y_parity if hasattr(tx, "y_parity") else tx.v),
            "r": q(tx.r),
            "s": q(tx.s),
        }
        if getattr(tx, "type_id", None) == 1:  # EIP-2930: a gas price and an access list, no fee caps
            out["gasPrice"] = q(tx.gas_price)
            out["accessList"] = [{"address": addr(a), "storageKeys": [d(k.to_bytes(32, "big")) for k in keys]}
                                 for a, keys in tx.access_list]
            out["yParity"] = q(tx.y_parity)
        elif hasattr(tx, "max_fee_per_gas") and getattr(tx, "type_id", None):
            out["maxFeePerGas"] = q(tx.max_fee_per_gas)
            out["maxPriorityFeePerGas"] = q(tx.max_priority_fee_per_gas)
            # a mined tx shows the price it paid; a pending one its fee cap (geth's newRPCTransaction)
            out["gasPrice"] = q(min(tx.max_fee_per_gas, block.header.base_fee_per_gas + tx.max_priority_fee_per_gas)
                                if block is not None else tx.max_fee_per_gas)
            out["accessList"] = [{"address": addr(a), "storageKeys": [d(k.to_bytes(32, "big")) for k in keys]}
                                 for a, keys in tx.access_list]
            out["yParity"] = q(tx.y_parity)
        else:
            out["gasPrice"] = q(tx.gas_price)
        op_fields.extend_tx(out, tx, rec)  # EIP-7702 authorizations, OP system-tx fields
        return out

    def block_json(self, n: int, full: bool) -> dict:
        rec = self.engine.block_record(n)
        key = (rec.block.hash, full)
        cached = self._block_cache.get(key)
        if cached is None:
            cached = self._block_cache[key] = self._block_json(rec, full)
            if len(self._block_cache) > 256:
                self._block_cache.clear()
        return dict(cached)

    def _block_json(self, rec: Any, full: bool) -> dict:
        block, h = rec.block, rec.block.header
        txs: list[Any]
        if full:
            txs = [self.tx_json(self.engine.tx_record(t)) for t in rec.tx_hashes]
        else:
            txs = [d(t) for t in rec.tx_hashes]
        extra = {"requestsHash": d(h.requests_hash)} if hasattr(h, "requests_hash") else {}  # Prague (EIP-7685)
        return {**extra,
            "number": q(h.block_number), "hash": d(block.hash), "parentHash": d(h.parent_hash),
            "nonce": d(h.nonce), "sha3Uncles": d(h.uncles_hash), "logsBloom": d(h.bloom.to_bytes(256, "big")),
            "transactionsRoot": d(h.transaction_root), "stateRoot": d(h.state_root),
            "receiptsRoot": d(h.receipt_root), "miner": addr(h.coinbase), "difficulty": q(h.difficulty),
            "totalDifficulty": q(0), "extraData": d(h.extra_data), "size": q(len(_rlp(block))),
            "gasLimit": q(h.gas_limit), "gasUsed": q(h.gas_used), "timestamp": q(h.timestamp),
            "transactions": txs, "uncles": [], "baseFeePerGas": q(h.base_fee_per_gas), "mixHash": d(h.mix_hash),
            "withdrawals": [], "withdrawalsRoot": d(h.withdrawals_root), "blobGasUsed": q(h.blob_gas_used),
            "excessBlobGas": q(h.excess_blob_gas), "parentBeaconBlockRoot": d(h.parent_beacon_block_root),
        }

    def log_json(self, n: int, rec: TxRecord, log_index: int, lg: Any) -> dict:
        block = self.engine.block(n)
        return {
            "address": addr(lg.address), "topics": [d(t.to_bytes(32, "big")) for t in lg.topics],
            "data": d(lg.data), "blockNumber": q(n), "blockHash": d(block.hash),
            "transactionHash": d(rec.tx.hash), "transactionIndex": q(rec.index), "logIndex": q(log_index),
            "removed": False,
        }

    def receipt_json(self, rec: TxRecord) -> dict:
        block = self.engine.block(rec.block_number)
        r, tx = rec.receipt, rec.tx
        base = block.header.base_fee_per_gas
        if getattr(tx, "is_op_system", False):
            price = 0
        elif getattr(tx, "type_id", None):
            price = min(tx.max_fee_per_gas, base + tx.max_priority_fee_per_gas)
        else:
            price = tx.gas_price
        return {
            "transactionHash": d(tx.hash), "transactionIndex": q(rec.index), "blockHash": d(block.hash),
            "blockNumber": q(rec.block_number), "from": addr(rec.sender), "to": addr(tx.to) if tx.to else None,
            "cumulativeGasUsed": q(r.gas_used), "gasUsed": q(rec.gas_used), "effectiveGasPrice": q(price),
            "contractAddress": addr(rec.contract_address),
            "logs": [self.log_json(rec.block_number, rec, rec.log_index_start + i, lg)
                     for i, lg in enumerate(r.logs)],
            "logsBloom": d(r.bloom.to_bytes(256, "big")), "type": q(getattr(tx, "type_id", None) or 0),
            "status": q(0 if rec.error else 1),
            **op_fields.receipt_extra(tx, rec),  # op-geth's L1-fee and deposit-nonce fields
        }

    # ------------------------------------------------------------------ transactions from JSON

    def unsigned_from_json(self, obj: dict, *, default_gas: int | None = None,
                           for_call: bool = False) -> tuple[Any, bytes]:
        if not isinstance(obj, dict):
            raise RPCError(-32602, "transaction must be an object")
        sender = parse_addr(obj["from"], "from") if obj.get("from") else b"\x00" * 20
        to = parse_addr(obj["to"], "to") if obj.get("to") else b""
        data = parse_data(obj.get("input", obj.get("data")), "input")
        value = parse_q(obj.get("value", "0x0"), "value")
        header = self.engine.pending_header
        gas = parse_q(obj["gas"], "gas") if obj.get("gas") is not None else (default_gas or header.gas_limit)
        nonce = parse_q(obj["nonce"], "nonce") if obj.get("nonce") is not None else \
            self.engine.state().get_nonce(sender)
        access_list = parse_access_list(obj.get("accessList"))
        authorizations = parse_authorization_list(obj.get("authorizationList"))
        if authorizations and obj.get("gasPrice") is not None and obj.get("maxFeePerGas") is None:
            raise RPCError(-32602, "a transaction with an authorizationList (EIP-7702, type 4) takes maxFeePerGas and "
                                   "maxPriorityFeePerGas, not gasPrice")
        if obj.get("gasPrice") is not None and obj.get("maxFeePerGas") is None:
            tx = self.engine.build_unsigned(nonce=nonce, gas=gas, to=to, value=value, data=data,
                                            gas_price=parse_q(obj["gasPrice"], "gasPrice"), access_list=access_list)
        else:
            prio = parse_q(obj.get("maxPriorityFeePerGas", "0x0"), "maxPriorityFeePerGas")
            if obj.get("maxFeePerGas") is not None:
                max_fee = parse_q(obj["maxFeePerGas"], "maxFeePerGas")
            else:  # a call or estimate without fees runs for free (base fee 0), as geth's do
                max_fee = prio if for_call else header.base_fee_per_gas * 2 + prio
            try:
                tx = self.engine.build_unsigned(nonce=nonce, gas=gas, to=to, value=value, data=data, max_fee=max_fee,
                                                max_priority_fee=prio, access_list=access_list,
                                                authorization_list=authorizations)
            except ValueError as err:
                raise RPCError(-32602, str(err)) from None
        return tx, sender

    def submit(self, tx: Any, sender: bytes, *, signed: bool) -> bytes:
        dev = self.dev
        # automine off: a tx with the sender and nonce of a pooled one replaces it (or is refused, underpriced)
        tx_hash = txpool.replace_by_fee(self, tx, sender, signed=signed)
        if tx_hash is None:
            try:
                # the block's system transactions come first; validating must not open the block (that takes its
                # Bitcoin step and its forced inputs), so a closed block keeps room for their gas limits
                if dev.op is not None and tx.gas > dev.op.gas_available():
                    raise ValueError(f"gas limit {tx.gas} exceeds the block's remaining {dev.op.gas_available()} "
                                     f"(after its system transactions)")
                self.engine.validate(tx, sender)
            except ValueError as err:
                raise RPCError(-32000, str(err)) from None
            tx_hash = dev.include(tx, sender, signed=signed).tx.hash
        for listener in list(self.tx_listeners):
            listener(tx_hash)
        return tx_hash


def _rlp(block: Any) -> bytes:
    """The block's RLP (for its `size`): typed transactions are byte strings inside it, legacy ones lists."""
    import rlp

    txs = [tx.encode() if getattr(tx, "type_id", None) else rlp.decode(tx.encode()) for tx in block.transactions]
    return rlp.encode([block.header, txs, [], list(getattr(block, "withdrawals", []))])


def revert_error(result: Any) -> RPCError:
    data = d(result.output) if result.output else None
    msg = "execution reverted"
    out = result.output or b""
    if out[:4] == bytes.fromhex("08c379a0") and len(out) >= 68:
        try:
            from eth_abi import decode

            msg += ": " + decode(["string"], out[4:])[0]
        except Exception:  # noqa: BLE001 - a malformed Error(string) keeps the generic message
            pass
    if result.is_revert:
        return RPCError(3, msg, data)
    return RPCError(-32000, result.error or "execution failed", data)


# ====================================================================================== the methods

@method("web3_clientVersion")
def _client_version(api: EthApi) -> str:
    from hemi import __version__

    return f"hemi-sdk/v{__version__}/devchain"


@method("web3_sha3")
def _sha3(api: EthApi, data: str) -> str:
    return d(keccak(parse_data(data)))


@method("net_version")
def _net_version(api: EthApi) -> str:
    return str(api.engine.chain_id)


@method("net_listening")
def _net_listening(api: EthApi) -> bool:
    return True


@method("net_peerCount")
def _peer_count(api: EthApi) -> str:
    return "0x0"


@method("eth_chainId")
def _chain_id(api: EthApi) -> str:
    return q(api.engine.chain_id)


@method("eth_syncing")
def _syncing(api: EthApi) -> bool:
    return False


@method("eth_mining")
def _mining(api: EthApi) -> bool:
    return api.dev.automine


@method("eth_hashrate")
def _hashrate(api: EthApi) -> str:
    return "0x0"


@method("eth_coinbase")
def _coinbase(api: EthApi) -> str:
    return addr(api.engine.coinbase)


@method("eth_accounts")
def _accounts(api: EthApi) -> list[str]:
    return [str(a) for a in api.dev.accounts]


@method("eth_blockNumber")
def _block_number(api: EthApi) -> str:
    return q(api.engine.head_number)


@method("eth_gasPrice")
def _gas_price(api: EthApi) -> str:
    return q(api.engine.pending_header.base_fee_per_gas + 10**9)


@method("eth_maxPriorityFeePerGas")
def _max_priority(api: EthApi) -> str:
    return q(10**9)


@method("eth_blobBaseFee")
def _blob_base_fee(api: EthApi) -> str:
    return q(1)


MAX_FEE_HISTORY_BLOCKS = 1024  # geth's maxBlockCount for eth_feeHistory


def effective_tip(tx: Any, base_fee: int) -> int:
    """What a transaction pays the block producer per gas above the base fee (EIP-1559's effective tip)."""
    if getattr(tx, "type_id", None) and hasattr(tx, "max_fee_per_gas"):
        return max(0, min(tx.max_priority_fee_per_gas, tx.max_fee_per_gas - base_fee))
    return max(0, tx.gas_price - base_fee)


def _block_rewards(api: EthApi, n: int, percentiles: list[float]) -> list[str]:
    """geth's per-block reward percentiles: transactions sorted by effective tip, weighted by the gas each used;
    an empty block rewards 0 at every percentile."""
    rec = api.engine.block_record(n)
    base = rec.block.header.base_fee_per_gas
    txs = sorted(((effective_tip(t.tx, base), t.gas_used) for t in map(api.engine.tx_record, rec.tx_hashes)),
                 key=lambda x: x[0])
    if not txs:
        return [q(0) for _ in percentiles]
    total = sum(g for _, g in txs)
    out, i, cumulative = [], 0, txs[0][1]
    for p in percentiles:
        threshold = total * p / 100
        while cumulative < threshold and i < len(txs) - 1:
            i += 1
            cumulative += txs[i][1]
        out.append(q(txs[i][0]))
    return out


@method("eth_feeHistory")
def _fee_history(api: EthApi, count: Any, newest: Any, percentiles: Any = None) -> dict:
    """As geth: up to 1024 blocks ending at ``newest``; ``baseFeePerGas`` has one more entry, the base fee of the
    block after ``newest``; rewards are the requested percentiles of each block's effective tips."""
    n = parse_q(count, "blockCount")
    if n < 0:
        raise RPCError(-32602, f"invalid blockCount {count!r}")
    n = min(n, MAX_FEE_HISTORY_BLOCKS)
    if percentiles is not None:
        if not isinstance(percentiles, list) or not all(
                isinstance(p, (int, float)) and not isinstance(p, bool) and 0 <= p <= 100 for p in percentiles):
            raise RPCError(-32602, f"invalid rewardPercentiles {percentiles!r}: numbers from 0 to 100")
        if any(b < a for a, b in zip(percentiles, percentiles[1:])):
            raise RPCError(-32602, f"invalid rewardPercentiles {percentiles!r}: not in increasing order")
    last = api.block_number(newest)
    if n == 0:
        return {"oldestBlock": q(0), "baseFeePerGas": [], "gasUsedRatio": [], "baseFeePerBlobGas": [],
                "blobGasUsedRatio": []}
    first = max(0, last - n + 1)
    headers = [api.engine.block(i).header for i in range(first, last + 1)]
    following = api.engine.pending_header if last == api.engine.head_number else api.engine.block(last + 1).header
    out = {
        "oldestBlock": q(first),
        "baseFeePerGas": [q(h.base_fee_per_gas) for h in headers] + [q(following.base_fee_per_gas)],
        "gasUsedRatio": [h.gas_used / h.gas_limit for h in headers],
        "baseFeePerBlobGas": [q(1) for _ in range(len(headers) + 1)],  # excess blob gas stays 0: the minimum
        "blobGasUsedRatio": [0.0 for _ in headers],
    }
    if percentiles is not None:
        out["reward"] = [_block_rewards(api, i, percentiles) for i in range(first, last + 1)]
    return out


@method("eth_getBalance")
def _get_balance(api: EthApi, address: str, tag: Any = "latest") -> str:
    return q(api.engine.state(api.state_number(tag)).get_balance(parse_addr(address)))


@method("eth_getTransactionCount")
def _get_tx_count(api: EthApi, address: str, tag: Any = "latest") -> str:
    return q(api.engine.state(api.state_number(tag)).get_nonce(parse_addr(address)))


@method("eth_getCode")
def _get_code(api: EthApi, address: str, tag: Any = "latest") -> str:
    return d(api.engine.state(api.state_number(tag)).get_code(parse_addr(address)))


@method("eth_getStorageAt")
def _get_storage(api: EthApi, address: str, slot: Any, tag: Any = "latest") -> str:
    value = api.engine.state(api.state_number(tag)).get_storage(parse_addr(address), parse_uint256(slot, "slot"))
    return d(value.to_bytes(32, "big"))


@method("eth_getBlockByNumber")
def _get_block_by_number(api: EthApi, tag: Any, full: bool = False) -> dict | None:
    if tag == "pending":
        return eth_raw.pending_block_json(api, bool(full))
    try:
        n = api.block_number(tag)
    except RPCError as err:
        if err.code == -32001:
            return None
        raise
    return api.block_json(n, bool(full))


@method("eth_getBlockByHash")
def _get_block_by_hash(api: EthApi, block_hash: str, full: bool = False) -> dict | None:
    n = api.engine.block_number_of(parse_hash(block_hash, "block hash"))
    return None if n is None else api.block_json(n, bool(full))


@method("eth_getBlockTransactionCountByNumber")
def _count_by_number(api: EthApi, tag: Any) -> str:
    return q(len(api.engine.block_record(api.block_number(tag)).tx_hashes))


@method("eth_getBlockTransactionCountByHash")
def _count_by_hash(api: EthApi, block_hash: str) -> str | None:
    n = api.engine.block_number_of(parse_hash(block_hash))
    return None if n is None else q(len(api.engine.block_record(n).tx_hashes))


@method("eth_getTransactionByHash")
def _get_tx(api: EthApi, tx_hash: str) -> dict | None:
    h = parse_hash(tx_hash, "transaction hash")
    rec = api.engine.tx_record(h)
    if rec is not None:
        return api.tx_json(rec)
    for rec in api.engine.pending_records:  # automine off: pending, not yet in a block (no index, as geth)
        if rec.tx.hash == h:
            return api.tx_json(None, rec.tx, sender=rec.sender)
    return None


@method("eth_getTransactionByBlockNumberAndIndex")
def _get_tx_by_number_index(api: EthApi, tag: Any, index: Any) -> dict | None:
    hashes = api.engine.block_record(api.block_number(tag)).tx_hashes
    i = parse_q(index, "index")
    return api.tx_json(api.engine.tx_record(hashes[i])) if i < len(hashes) else None


@method("eth_getTransactionByBlockHashAndIndex")
def _get_tx_by_hash_index(api: EthApi, block_hash: str, index: Any) -> dict | None:
    n = api.engine.block_number_of(parse_hash(block_hash))
    if n is None:
        return None
    hashes = api.engine.block_record(n).tx_hashes
    i = parse_q(index, "index")
    return api.tx_json(api.engine.tx_record(hashes[i])) if i < len(hashes) else None


@method("eth_getTransactionReceipt")
def _get_receipt(api: EthApi, tx_hash: str) -> dict | None:
    rec = api.engine.tx_record(parse_hash(tx_hash, "transaction hash"))
    return None if rec is None else api.receipt_json(rec)


@method("eth_getBlockReceipts")
def _get_block_receipts(api: EthApi, block: Any) -> list[dict] | None:
    """Every receipt of a block (by number, tag or hash, as geth's BlockNumberOrHash); null for an unknown block."""
    if isinstance(block, str) and len(block) == 66:
        n = api.engine.block_number_of(parse_hash(block, "block hash"))
    elif isinstance(block, dict):
        try:
            n = api.state_number(block)
        except RPCError:
            return None
        n = api.engine.head_number if n is None else n
    else:
        try:
            n = api.block_number(block)
        except RPCError as err:
            if err.code == -32001:
                return None
            raise
    if n is None:
        return None
    return [api.receipt_json(api.engine.tx_record(h)) for h in api.engine.block_record(n).tx_hashes]


@method("eth_getUncleCountByBlockNumber", "eth_getUncleCountByBlockHash")
def _uncle_count(api: EthApi, block: Any) -> str:
    return q(0)  # a proof-of-stake style chain has no uncles


@method("eth_getUncleByBlockNumberAndIndex", "eth_getUncleByBlockHashAndIndex")
def _uncle(api: EthApi, block: Any, index: Any) -> None:
    return None


@method("eth_call")
def _call(api: EthApi, obj: dict, tag: Any = "latest", overrides: Any = None) -> str:
    n = api.state_number(tag)
    tx, sender = api.unsigned_from_json(obj, for_call=True)
    tx = tx.copy(gas=min(tx.gas, api.engine.pending_header.gas_limit))
    state_overrides = parse_state_overrides(overrides)
    try:
        result = api.engine.call(tx, sender, n, state_overrides)
    finally:
        api.dev._restore_indexer()
    if not result.success:
        raise revert_error(result)
    return d(result.output)


@method("eth_estimateGas")
def _estimate(api: EthApi, obj: dict, tag: Any = "latest", overrides: Any = None) -> str:
    n = api.state_number(tag)
    tx, sender = api.unsigned_from_json(obj, for_call=True)
    state_overrides = parse_state_overrides(overrides)
    try:
        return q(api.engine.estimate_gas(tx, sender, n, state_overrides))
    except EstimateFailed as err:
        raise revert_error(err.result) from None
    finally:
        api.dev._restore_indexer()


@method("eth_sendTransaction")
def _send_transaction(api: EthApi, obj: dict) -> str:
    if not isinstance(obj, dict) or not obj.get("from"):
        raise RPCError(-32602, "eth_sendTransaction needs a `from`")
    sender = parse_addr(obj["from"], "from")
    if obj.get("gas") is None:
        obj = dict(obj, gas=_estimate(api, obj))
    tx, _ = api.unsigned_from_json(obj)
    key = api.dev.key_for(sender)
    if key is not None and not api.dev.is_impersonated(sender):
        signed = api.engine.sign(tx, key.key, sender)
        return d(api.submit(signed, sender, signed=True))
    if api.dev.is_impersonated(sender):
        return d(api.submit(tx, sender, signed=False))
    raise RPCError(-32000, f"unknown account {addr(sender)}: no key and not impersonated")


@method("eth_sendRawTransaction")
def _send_raw(api: EthApi, raw: str) -> str:
    data = parse_data(raw, "raw transaction")
    try:
        tx = api.engine.decode_raw(data)
        sender = tx.sender
    except Exception as err:  # noqa: BLE001 - py-evm raises assorted errors on garbage
        raise RPCError(-32602, f"invalid raw transaction: {err}") from None
    if getattr(tx, "chain_id", api.engine.chain_id) not in (None, api.engine.chain_id):
        raise RPCError(-32000, f"invalid chain id {tx.chain_id} (this chain is {api.engine.chain_id})")
    return d(api.submit(tx, sender, signed=True))


def _matches(api: EthApi, n: int, lg: Any, addresses: set | None, topics: list) -> bool:
    if addresses is not None and lg.address not in addresses:
        return False
    for i, want in enumerate(topics or []):
        if want is None:
            continue
        wants = want if isinstance(want, list) else [want]
        if i >= len(lg.topics) or d(lg.topics[i].to_bytes(32, "big")) not in [w.lower() for w in wants]:
            return False
    return True


def _logs(api: EthApi, flt: dict) -> list[dict]:
    from hemi.hvm.engine import all_logs

    if not isinstance(flt, dict):
        raise RPCError(-32602, "filter must be an object")
    if flt.get("blockHash"):
        n = api.engine.block_number_of(parse_hash(flt["blockHash"]))
        if n is None:
            raise RPCError(-32001, "block not found")
        numbers = range(n, n + 1)
    else:
        lo = api.block_number(flt.get("fromBlock", "latest"))
        hi = api.block_number(flt.get("toBlock", "latest"))
        if lo > hi:  # geth's errInvalidBlockRange (eth/filters/api.go)
            raise RPCError(-32000, "invalid block range params")
        numbers = range(lo, hi + 1)
    a = flt.get("address")
    addresses = None if a is None else {parse_addr(x) for x in (a if isinstance(a, list) else [a])}
    topics = flt.get("topics") or []
    return [api.log_json(n, rec, i, lg) for n, rec, i, lg in all_logs(api.engine, numbers)
            if _matches(api, n, lg, addresses, topics)]


@method("eth_getLogs")
def _get_logs(api: EthApi, flt: dict) -> list[dict]:
    return _logs(api, flt)


@method("eth_newFilter")
def _new_filter(api: EthApi, flt: dict) -> str:
    if not isinstance(flt, dict):
        raise RPCError(-32602, "filter must be an object")
    _logs(api, dict(flt, fromBlock="latest", toBlock="latest"))  # a malformed filter fails here, not at each poll
    fid = next(api._filter_ids)
    api._filters[fid] = {"kind": "logs", "filter": dict(flt), "last": api.engine.head_number}
    return q(fid)


@method("eth_newBlockFilter")
def _new_block_filter(api: EthApi) -> str:
    fid = next(api._filter_ids)
    api._filters[fid] = {"kind": "blocks", "last": api.engine.head_number}
    return q(fid)


@method("eth_newPendingTransactionFilter")
def _new_pending_filter(api: EthApi, *_full: Any) -> str:
    """Hashes of transactions accepted since the last poll: those mined in new blocks and those still pending."""
    fid = next(api._filter_ids)
    api._filters[fid] = {"kind": "pending", "last": api.engine.head_number,
                         "seen": {tx.hash for tx in api.engine.pending_txs}}
    return q(fid)


@method("eth_getFilterChanges")
def _filter_changes(api: EthApi, fid: Any) -> list:
    f = api._filters.get(parse_q(fid, "filter id"))
    if f is None:
        raise RPCError(-32000, "filter not found")
    head, start = api.engine.head_number, f["last"] + 1
    f["last"] = head
    if f["kind"] == "blocks":
        return [d(api.engine.block(n).hash) for n in range(start, head + 1)]
    if f["kind"] == "pending":
        mined = [h for n in range(start, head + 1) for h in user_tx_hashes(api.engine, n)]  # no system txs
        pending = [tx.hash for tx in api.engine.pending_txs if not getattr(tx, "is_op_system", False)]
        new = [h for h in mined + pending if h not in f["seen"]]
        f["seen"] = set(pending)
        return [d(h) for h in new]
    flt = dict(f["filter"], fromBlock=q(start), toBlock=q(head))
    return _logs(api, flt) if start <= head else []


@method("eth_getFilterLogs")
def _filter_logs(api: EthApi, fid: Any) -> list:
    f = api._filters.get(parse_q(fid, "filter id"))
    if f is None or f["kind"] != "logs":
        raise RPCError(-32000, "filter not found")
    return _logs(api, f["filter"])


@method("eth_uninstallFilter")
def _uninstall(api: EthApi, fid: Any) -> bool:
    return api._filters.pop(parse_q(fid, "filter id"), None) is not None


def _dev_key(api: EthApi, address: Any) -> Any:
    key = api.dev.key_for(parse_addr(address))
    if key is None:
        raise RPCError(-32000, f"unknown account {address}: only the dev accounts' keys are held here")
    return key


def _message_bytes(message: Any) -> bytes:
    if isinstance(message, str) and message[:2] in ("0x", "0X"):
        return parse_data(message, "message")
    if isinstance(message, str):
        return message.encode()
    raise RPCError(-32602, f"invalid message: expected 0x-hex or text, got {message!r}")


@method("personal_sign")
def _personal_sign(api: EthApi, message: Any, address: Any, *_password: Any) -> str:
    """EIP-191 signature of ``message`` by a dev account (viem/ethers JSON-RPC accounts' signMessage)."""
    from eth_account import Account
    from eth_account.messages import encode_defunct

    key = _dev_key(api, address)
    return d(Account.sign_message(encode_defunct(primitive=_message_bytes(message)), key.private_key).signature)


@method("eth_sign")
def _eth_sign(api: EthApi, address: Any, message: Any) -> str:
    """Same as ``personal_sign`` with the arguments the other way round (geth's and anvil's eth_sign)."""
    return _personal_sign(api, message, address)


@method("eth_signTypedData_v4", "eth_signTypedData")
def _sign_typed_data(api: EthApi, address: Any, typed: Any) -> str:
    """EIP-712 signature by a dev account; ``typed`` is the object or its JSON text (as MetaMask sends it)."""
    from eth_account import Account
    from eth_account.messages import encode_typed_data

    from hemi.jsontext import loads  # the server's parser: UTF-8 only, nesting bounded (no stack overflow)

    key = _dev_key(api, address)
    if isinstance(typed, str):
        try:
            typed = loads(typed)
        except ValueError as err:
            raise RPCError(-32602, f"invalid typed data: {err}") from None
    if not isinstance(typed, dict):
        raise RPCError(-32602, "typed data is an object {types, primaryType, domain, message}")
    typed_data.validate(typed)
    try:
        signable = encode_typed_data(full_message=typed)
    except Exception as err:  # noqa: BLE001 - eth_account raises assorted errors on malformed typed data
        raise RPCError(-32602, f"invalid typed data: {type(err).__name__}: {err}") from None
    return d(Account.sign_message(signable, key.private_key).signature)


# ------------------------------------------------------------------------ devchain controls (anvil names + aliases)

MAX_MINE_BLOCKS = 10_000  # one request holds the devchain (~2.5 ms a block): a typo'd count must not hang it


def _mine_count(v: Any) -> int:
    n = parse_q(v, "blocks")
    if n > MAX_MINE_BLOCKS:
        raise RPCError(-32602, f"cannot mine {n} blocks in one request (at most {MAX_MINE_BLOCKS}); send several, or "
                               f"move the clock with evm_increaseTime")
    return n


@method("evm_mine", "anvil_mine", "hardhat_mine")
def _evm_mine(api: EthApi, arg: Any = None, interval: Any = None) -> str:
    if isinstance(arg, dict):  # ganache-style {"timestamp": ..., "blocks": ...}
        if arg.get("timestamp") is not None:
            api.dev.set_next_timestamp(parse_q(arg["timestamp"]))
        api.dev.mine(_mine_count(arg.get("blocks", 1)))
    elif arg is not None and isinstance(arg, str) and arg.startswith("0x") and interval is None and \
            parse_q(arg) > api.engine.head.header.timestamp and parse_q(arg) > 10**6:
        api.dev.set_next_timestamp(parse_q(arg))  # evm_mine(timestamp)
        api.dev.mine(1)
    else:
        n = 1 if arg is None else _mine_count(arg)
        if interval is not None:
            step = parse_q(interval, "interval")
            for _ in range(n):
                api.dev.time_travel(seconds=max(0, step - api.dev.config.block_time))
                api.dev.mine(1)
        else:
            api.dev.mine(n)
    return "0x0"


@method("evm_snapshot", "anvil_snapshot")
def _evm_snapshot(api: EthApi) -> str:
    sid = next(api._evm_snapshot_ids)
    api._evm_snapshots[sid] = api.dev.snapshot()
    return q(sid)


@method("evm_revert", "anvil_revert")
def _evm_revert(api: EthApi, sid: Any) -> bool:
    n = parse_q(sid, "snapshot id")
    s = api._evm_snapshots.pop(n, None)
    if s is None:
        return False
    # reverting uses the snapshot up, and every later one (as on anvil): let the devchain forget them all, or each
    # test of an ape/Hardhat-style suite would leave one behind
    for later in [k for k in api._evm_snapshots if k > n]:
        api.dev.discard(api._evm_snapshots.pop(later))
    api.dev.revert(s)
    api.dev.discard(s)
    return True


@method("evm_increaseTime", "anvil_increaseTime")
def _increase_time(api: EthApi, seconds: Any) -> str:
    s = seconds if isinstance(seconds, int) else parse_q(seconds, "seconds")
    api.dev.time_travel(seconds=s)
    return q(s)


@method("evm_setNextBlockTimestamp", "anvil_setNextBlockTimestamp")
def _set_next_ts(api: EthApi, ts: Any) -> None:
    api.dev.set_next_timestamp(ts if isinstance(ts, int) else parse_q(ts, "timestamp"))


@method("anvil_getAutomine", "hardhat_getAutomine")
def _get_automine(api: EthApi) -> bool:
    return bool(api.dev.automine)


@method("evm_setAutomine", "anvil_setAutomine")
def _set_automine(api: EthApi, on: bool) -> None:
    if not isinstance(on, bool):  # a stray value must not switch the pool on: "latest" would stop seeing sends
        raise RPCError(-32602, f"invalid automine flag {on!r}: expected true or false")
    api.dev.automine = on


@method("anvil_setBalance", "hardhat_setBalance")
def _set_balance(api: EthApi, address: str, value: Any) -> None:
    api.dev.set_balance(parse_addr(address), wei=parse_uint256(value, "balance"))


@method("anvil_setNonce", "hardhat_setNonce", "evm_setAccountNonce")
def _set_nonce(api: EthApi, address: str, nonce: Any) -> None:
    api.dev.set_nonce(parse_addr(address), parse_q(nonce, "nonce"))


@method("anvil_setCode", "hardhat_setCode")
def _set_code(api: EthApi, address: str, code: str) -> None:
    api.dev.set_code(parse_addr(address), parse_data(code, "code"))


@method("anvil_setStorageAt", "hardhat_setStorageAt")
def _set_storage(api: EthApi, address: str, slot: Any, value: str) -> bool:
    raw = parse_data(value, "value")
    if len(raw) > 32:
        raise RPCError(-32602, f"invalid value: {len(raw)} bytes, a storage word holds 32")
    api.dev.set_storage(parse_addr(address), parse_uint256(slot, "slot"), int.from_bytes(raw, "big"))
    return True


@method("anvil_impersonateAccount", "hardhat_impersonateAccount")
def _impersonate(api: EthApi, address: str) -> None:
    api.dev.impersonate(parse_addr(address))


@method("anvil_stopImpersonatingAccount", "hardhat_stopImpersonatingAccount")
def _stop_impersonating(api: EthApi, address: str) -> None:
    api.dev.stop_impersonating(parse_addr(address))


# these register their methods in METHODS and need this module's helpers first
from hemi.rpc import (  # noqa: E402,F401
    debug_raw,
    debug_trace,
    eth_access,
    eth_proof,
    eth_raw,
    eth_simulate,
    hemi_methods,  # noqa: E402,F401 - kss_*, optimism_*, hemi_*: every devchain's w3 answers them
    txpool,
    typed_data,
)
