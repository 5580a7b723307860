"""The devchain as an OP-stack chain with hVM system transactions: what opens every L2 block before user transactions.

Order inside a block, as Hemi's op-node and op-geth build it:

1. the L1-attributes deposit (type 0x7E, from the depositor account 0xDeaD…0001 to the L1Block predeploy, gas
   1,000,000, mint 0, not a system tx post-Regolith, calldata ``setL1BlockValuesEcotone()``) — always first
   (ethereum-optimism/optimism ``op-node/rollup/derive/l1_block_info.go``, ``attributes.go``);
2. user deposits from "L1" queued with :meth:`OpStack.deposit` (type 0x7E, ``sourceHash`` of a user deposit);
3. the PoP payout (type 0x7D) on keystone blocks, when enabled (:mod:`hemi.node.pop.payouts`);
4. the Bitcoin-attributes-deposited transaction (type 0x7C) when the block's hVM view added Bitcoin headers
   (hemilabs/op-geth ``core/blockchain.go`` ``GetBitcoinAttributesForNextBlock``; ``miner/worker.go`` commits it after
   the forced transactions and before the mempool's);
5. then the devchain's forced inputs and mempool transactions, as before.

The simulated L1: one L1 block every 12 s of the L2 clock from a fixed L1 genesis number, its hash derived from the
devchain seed, fee parameters from :class:`OpConfig`; the sequence number counts L2 blocks on the same L1 origin,
read back from the L1Block predeploy's storage (so snapshots and reverts need nothing of their own).
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import TYPE_CHECKING, Any, Protocol

from eth_utils import keccak

from hemi.compiler import shipped
from hemi.errors import HemiValueError
from hemi.hvm.engine import GenesisAccount
from hemi.hvm.l1_fee import GAS_PRICE_ORACLE_ADDRESS, L1_BLOCK_ADDRESS
from hemi.hvm.registry import to_address
from hemi.hvm.system_shortcut import StoreShortcut
from hemi.hvm.system_txs import (
    BTC_ATTRIBUTES_TX_TYPE,
    DEPOSITOR_ACCOUNT,
    HVM_SYSTEM_SENDER,
    SystemTx,
    deposit,
    hvm_system_tx,
    l1_info_source_hash,
    user_deposit_source_hash,
)

if TYPE_CHECKING:
    from hemi.hvm.engine import TxRecord
    from hemi.node.bitcoin_view.hvm_view import HvmView
    from hemi.node.context import NodeContext

SET_L1_BLOCK_VALUES_ECOTONE = bytes.fromhex("440a5e20")  # keccak("setL1BlockValuesEcotone()")[:4]
UPDATE_HVM_STATE = bytes.fromhex("c94f1cca")  # keccak("updateHvmState(bytes32,bytes[])")[:4]
L1_INFO_DATA_LENGTH = 164  # the selector, two 4-byte scalars, three 8-byte fields, four 32-byte words
SYSTEM_TX_GAS = 1_000_000  # RegolithSystemTxGas; also the 0x7C builder's gas
SYSTEM_GAS_RESERVE = 2 * SYSTEM_TX_GAS + 5_000_000  # at most: L1 attributes, 0x7C, a PoP payout (hemi.node.pop.payouts)
L1_BLOCK_TIME = 12
L1_GENESIS_NUMBER = 21_525_000  # an Ethereum mainnet height of 2025-01-01, the devchain's genesis day


@dataclass(frozen=True)
class OpConfig:
    """The simulated L1's fee parameters (plausible values; real Hemi's come from its SystemConfig and L1)."""

    l1_base_fee: int = 2_000_000_000
    l1_blob_base_fee: int = 1
    base_fee_scalar: int = 1368
    blob_base_fee_scalar: int = 810_949
    batcher: bytes = keccak(b"hemi-sdk/batcher")[12:]

    def __post_init__(self) -> None:
        for name in ("l1_base_fee", "l1_blob_base_fee", "base_fee_scalar", "blob_base_fee_scalar"):
            v = getattr(self, name)
            if isinstance(v, bool) or not isinstance(v, int) or v < 0 or \
                    (name.endswith("scalar") and v >= 2**32):
                raise HemiValueError(f"{name} must be a non-negative int (scalars below 2**32), got {v!r}")


def predeploy_alloc(config: OpConfig) -> dict[bytes, GenesisAccount]:
    """L1Block and GasPriceOracle (Ecotone mode) at their OP-stack addresses, from the shipped artifacts. L1Block's
    fee parameters are in genesis already, so a transaction checked before block 1 opens is charged what it pays."""
    fees = {1: config.l1_base_fee, 3: (config.base_fee_scalar << 96) | (config.blob_base_fee_scalar << 64),
            7: config.l1_blob_base_fee}
    return {
        L1_BLOCK_ADDRESS: GenesisAccount(code=bytes.fromhex(shipped.load("L1Block").deployed_bytecode[2:]),
                                         storage=fees),
        GAS_PRICE_ORACLE_ADDRESS: GenesisAccount(
            code=bytes.fromhex(shipped.load("GasPriceOracle").deployed_bytecode[2:]), storage={0: 1}),  # isEcotone
    }


def l1_block_stores(data: bytes) -> dict[int, int]:
    """The slots the shipped L1Block's ``setL1BlockValuesEcotone()`` writes and their values: each a slice of the
    packed calldata (``contracts/op/L1Block.sol``; the layout is upstream's)."""

    def word(start: int, end: int) -> int:
        return int.from_bytes(data[start:end], "big")

    return {3: word(4, 20), 0: word(20, 36), 1: word(36, 68), 7: word(68, 100), 2: word(100, 132), 4: word(132, 164)}


def l1_attributes_shortcut() -> StoreShortcut:
    """The L1-attributes deposit applied without the interpreter while L1Block holds the shipped code
    (:mod:`hemi.hvm.system_shortcut`: same state, same receipt)."""
    code = bytes.fromhex(shipped.load("L1Block").deployed_bytecode[2:])
    return StoreShortcut(address=L1_BLOCK_ADDRESS, sender=DEPOSITOR_ACCOUNT, code_hash=keccak(code),
                         selector=SET_L1_BLOCK_VALUES_ECOTONE, length=L1_INFO_DATA_LENGTH, stores=l1_block_stores)


def btc_attributes_data(canonical_tip: bytes, headers: list[bytes]) -> bytes:
    """``updateHvmState(bytes32 canonicalTip, bytes[] headers)`` calldata: each 80-byte header is an ABI ``bytes``
    (length word 0x50, then the header padded to 96 bytes); the tip is in internal byte order (a Go chainhash)."""
    n = len(headers)
    out = UPDATE_HVM_STATE + canonical_tip + (0x40).to_bytes(32, "big") + n.to_bytes(32, "big")
    out += b"".join((32 * n + 128 * i).to_bytes(32, "big") for i in range(n))
    for h in headers:
        if len(h) != 80:
            raise HemiValueError(f"a Bitcoin header is 80 bytes, got {len(h)}")
        out += (80).to_bytes(32, "big") + h + bytes(16)
    return out


class PayoutSource(Protocol):
    """What builds the PoP payout of a block (:class:`hemi.node.pop.payouts.PopPayouts`)."""

    def payout_tx(self, number: int) -> SystemTx | None: ...


class OpStack:
    """``dev.op``: the system transactions of each block, user deposits from L1, the simulated L1 origin."""

    def __init__(self, ctx: NodeContext, config: OpConfig) -> None:
        self.ctx = ctx
        self.config = config
        self.payouts: PayoutSource | None = None  # the PoP payouts of keystone blocks, when enabled
        self._queue: list[SystemTx] = []
        self._log_index = 0  # deposits queued so far: the log index of the next one on its "L1" block

    # ------------------------------------------------------------------ the simulated L1

    def l1_origin(self, l2_timestamp: int) -> tuple[int, int, bytes]:
        """(number, timestamp, hash) of the L1 block an L2 block with ``l2_timestamp`` derives from."""
        genesis = self.ctx.config.genesis_timestamp
        number = L1_GENESIS_NUMBER + max(0, l2_timestamp - genesis) // L1_BLOCK_TIME
        ts = genesis + (number - L1_GENESIS_NUMBER) * L1_BLOCK_TIME
        number, ts = min(number, 2**64 - 1), min(ts, 2**64 - 1)  # L1Block keeps them as uint64
        return number, ts, keccak(b"hemi-sdk/l1/%d/%d" % (self.ctx.config.seed, number))

    def l1_info_tx(self, l2_timestamp: int) -> SystemTx:
        number, ts, block_hash = self.l1_origin(l2_timestamp)
        state = self.ctx.engine.state()
        stored = state.get_storage(L1_BLOCK_ADDRESS, 0)
        prev_number = stored & (2**64 - 1)
        prev_seq = state.get_storage(L1_BLOCK_ADDRESS, 3) & (2**64 - 1)
        seq = prev_seq + 1 if prev_number == number else 0
        c = self.config
        data = (SET_L1_BLOCK_VALUES_ECOTONE + c.base_fee_scalar.to_bytes(4, "big")
                + c.blob_base_fee_scalar.to_bytes(4, "big") + seq.to_bytes(8, "big") + ts.to_bytes(8, "big")
                + number.to_bytes(8, "big") + c.l1_base_fee.to_bytes(32, "big")
                + c.l1_blob_base_fee.to_bytes(32, "big") + block_hash + bytes(12) + c.batcher)
        return deposit(source_hash=l1_info_source_hash(block_hash, seq), sender=DEPOSITOR_ACCOUNT,
                       to=L1_BLOCK_ADDRESS, gas=SYSTEM_TX_GAS, data=data, label="l1-attributes")

    def retimed(self, tx: SystemTx, l2_timestamp: int) -> SystemTx:
        """``tx`` as a block at ``l2_timestamp`` carries it: the L1-attributes deposit names that time's L1 origin
        (read on the state before it, as when a block opens); the other system transactions do not depend on time."""
        return self.l1_info_tx(l2_timestamp) if tx.label == "l1-attributes" else tx

    # ------------------------------------------------------------------ user deposits from L1

    def deposit(self, *, sender: str | bytes, to: str | bytes | None, value: int = 0, mint: int = 0,
                gas: int = 100_000, data: bytes = b"", source_hash: bytes | None = None,
                mine: bool = True) -> bytes:
        """Queue a deposit transaction as if ``sender`` had called the OptimismPortal on L1 (``sender`` is the
        aliased L1 address when that was a contract): it opens the next L2 block, after the L1-attributes deposit.
        ``mint`` wei are created for ``sender`` first; ``to=None`` creates a contract. With automine a block is
        mined at once (``mine=False`` leaves it queued). Returns the transaction hash. HemiValueError for a gas limit
        under the portal's ``minimumGasLimit`` or beyond what the next block leaves; a deposit that passes and still
        cannot run (short of intrinsic gas, value over the balance) is included as a failed deposit, as on Hemi."""
        for name, v in (("value", value), ("mint", mint), ("gas", gas)):
            if isinstance(v, bool) or not isinstance(v, int) or not 0 <= v < 2**256:
                raise HemiValueError(f"{name} must be a non-negative int, got {v!r}")
        if gas < 21_000 or gas > self.ctx.config.gas_limit:
            raise HemiValueError(f"gas must be between 21000 and the block gas limit, got {gas}")
        room = self._deposit_room()
        if gas > room:  # op-geth takes a deposit's whole limit from the block's gas pool, and cannot build the block
            raise HemiValueError(f"gas {gas} exceeds the {room} left in the next block for deposits (its gas limit "
                                 f"less the system transactions' and the {len(self._queue)} queued deposits'): "
                                 f"mine the queued deposits first, or use less gas")
        if not isinstance(data, (bytes, bytearray, memoryview)):  # bytes(5) would be five zero bytes
            raise HemiValueError(f"data must be bytes, got {type(data).__name__}")
        if source_hash is None:
            _, _, l1_hash = self.l1_origin(self.ctx.next_timestamp)
            source_hash = user_deposit_source_hash(l1_hash, self._log_index)
        if not isinstance(source_hash, (bytes, bytearray, memoryview)) or len(source_hash) != 32:
            raise HemiValueError(f"source_hash must be 32 bytes, got {source_hash!r}")
        tx = deposit(source_hash=bytes(source_hash), sender=to_address(sender),
                     to=to_address(to) if to else b"", gas=int(gas), data=bytes(data), value=int(value),
                     mint=int(mint), label="user-deposit")  # an int subclass (an IntEnum) is kept as its value
        # OptimismPortal2.depositTransaction reverts (SmallGasLimit) under minimumGasLimit(data length): no such
        # deposit ever reaches L2. One that passes it and still cannot run (a creation short of its intrinsic gas, a
        # value over the balance) is included as a failed deposit (hemi.hvm.op_execution).
        least = 21_000 + 40 * len(tx.data)
        if gas < least:
            raise HemiValueError(f"gas {gas} is under OptimismPortal's minimumGasLimit for {len(tx.data)} bytes of "
                                 f"calldata: {least} (21000 + 40 per byte)")
        state = self.ctx.engine.state()
        if state.get_nonce(tx.sender) == 2**64 - 1:  # op-geth would wrap it to 0 (uint64)
            raise HemiValueError(f"0x{tx.sender.hex()} is at the last nonce (2**64 - 1, EIP-2681): it cannot send")
        minted = mint + sum(q.mint for q in self._queue if q.sender == tx.sender)
        if minted and state.get_balance(tx.sender) + minted >= 2**256:
            raise HemiValueError(f"mint {mint} would take the balance of 0x{tx.sender.hex()} past 2**256 - 1")
        if any(q.hash == tx.hash for q in self._queue) or self.ctx.engine.tx_record(tx.hash) is not None:
            raise HemiValueError(f"a deposit with source hash 0x{source_hash.hex()} and these fields exists already")
        self._log_index += 1
        self._queue.append(tx)
        if mine and self.ctx.automine:
            self.ctx.mine(1)
        return tx.hash

    def admit(self, tx: Any, sender: bytes) -> None:
        """Refuse (ValueError) a user transaction the block's system transactions leave no room for: one from a
        system sender (impersonated: no key signs for them on Hemi, so none is ever a user transaction's sender; the
        depositor's nonce also moves when a block opens, under a transaction filled before it), or one whose gas
        limit exceeds what the system transactions leave."""
        if sender in (DEPOSITOR_ACCOUNT, HVM_SYSTEM_SENDER):
            role = "L1-attributes depositor" if sender == DEPOSITOR_ACCOUNT else "hVM system sender"
            raise ValueError(f"0x{sender.hex()} is the {role}: only the system transactions that open a block come "
                             f"from it, not user transactions")
        if tx.gas > self.gas_available():
            raise ValueError(f"gas limit {tx.gas} exceeds the block's remaining {self.gas_available()} "
                             f"(after its system transactions)")

    def gas_available(self) -> int:
        """Gas a transaction can still get in the block being built: after what the block's system transactions
        used once it is open, after their gas limits before (reading this does not open the block)."""
        header = self.ctx.engine.pending_header
        if self.ctx.pending_view is not None:
            return int(header.gas_limit - header.gas_used)
        return self._deposit_room()  # the queued deposits open the block, before any user transaction

    def _deposit_room(self) -> int:
        """Gas the next block to open leaves after its system transactions' limits and the queued deposits' (each
        deposit takes its whole limit from the block's gas pool first: hemilabs/op-geth ``preCheck``)."""
        limit = self.ctx.engine.pending_header.gas_limit
        return int(limit - SYSTEM_GAS_RESERVE - sum(q.gas for q in self._queue))

    @property
    def queued(self) -> list[SystemTx]:
        return list(self._queue)

    # ------------------------------------------------------------------ building a block

    def open_block(self, timestamp: int, view: HvmView) -> list[TxRecord]:
        """Apply this block's system transactions to the pending block, in op-geth's order."""
        engine = self.ctx.engine
        records = [engine.apply_system(self.l1_info_tx(timestamp))]
        queued, self._queue = self._queue, []
        records += [engine.apply_system(tx) for tx in queued]
        if self.payouts is not None:
            tx = self.payouts.payout_tx(engine.head_number + 1)
            if tx is not None:
                records.append(engine.apply_system(tx))
        if view.headers_added:
            headers = [self.ctx.btc.header(h).raw for h in view.headers_added]
            data = btc_attributes_data(bytes(view.light_tip_hash), headers)
            records.append(engine.apply_system(hvm_system_tx(BTC_ATTRIBUTES_TX_TYPE, to=HVM_SYSTEM_SENDER,
                                                             gas=SYSTEM_TX_GAS, data=data, label="btc-attributes")))
        return records

    # ------------------------------------------------------------------ snapshots

    def snapshot_state(self) -> tuple:
        return (list(self._queue), self._log_index)

    def restore_state(self, state: tuple) -> None:
        queue, self._log_index = state
        self._queue = list(queue)


def is_system_record(rec: Any) -> bool:
    return getattr(rec.tx, "is_op_system", False)


def user_tx_hashes(engine: Any, number: int) -> list[bytes]:
    """The hashes of block ``number``'s transactions that could have been pending (not system ones: those never
    enter a mempool, so no pending-transaction filter or subscription announces them)."""
    return [h for h in engine.block_record(number).tx_hashes if not is_system_record(engine.tx_record(h))]
