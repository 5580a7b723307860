"""The tunnel contracts' events, read straight from L2 block logs (no web3 round trip).

The simulated operator looks at every sealed L2 block for new deposits, withdrawals and challenges, and
``Tunnel.audit`` sums every mint and burn since genesis, so both decode logs themselves: topic 0 is the keccak of
the event signature, indexed arguments are the other topics, the rest is ABI-encoded data. Failed transactions
have no logs, so what is here happened.
"""

from __future__ import annotations

from collections.abc import Iterable, Iterator
from dataclasses import dataclass
from typing import Any

from eth_abi import decode
from eth_utils import keccak, to_checksum_address

from hemi.hvm.engine import EvmEngine, TxRecord, all_logs
from hemi.hvm.registry import to_address
from hemi.node.tunnel.genesis import TUNNEL_MANAGER_ADDRESS

_MANAGER = to_address(TUNNEL_MANAGER_ADDRESS)


def _topic(signature: str) -> int:
    return int.from_bytes(keccak(text=signature), "big")


DEPOSIT_CONFIRMED = _topic("DepositConfirmed(address,address,bytes32,uint256,uint256)")
WITHDRAWAL_INITIATED = _topic("WithdrawalInitiated(address,address,string,uint256,uint256,uint64)")
WITHDRAWAL_CHALLENGED = _topic("WithdrawalChallengeSuccess(address,address,uint64)")


def _addr(topic: int) -> str:
    return to_checksum_address(topic.to_bytes(32, "big")[12:])


@dataclass(frozen=True)
class DepositConfirmedEvent:
    l2_block: int
    tx_hash: bytes
    vault: str
    recipient: str
    txid_display: bytes  # the deposit txid as the contracts take it (display order)
    deposit_sats: int
    net_sats: int


@dataclass(frozen=True)
class WithdrawalInitiatedEvent:
    l2_block: int
    tx_hash: bytes
    vault: str
    withdrawer: str
    amount_sats: int
    net_sats: int
    uuid: int


@dataclass(frozen=True)
class WithdrawalChallengedEvent:
    l2_block: int
    tx_hash: bytes
    vault: str
    withdrawer: str
    uuid: int


TunnelEvent = DepositConfirmedEvent | WithdrawalInitiatedEvent | WithdrawalChallengedEvent


def _decode(n: int, tx_hash: bytes, lg: Any) -> TunnelEvent | None:
    topics = lg.topics
    if not topics:
        return None
    t0 = topics[0]
    if lg.address == _MANAGER:
        if t0 == DEPOSIT_CONFIRMED and len(topics) == 4:
            sats, net = decode(["uint256", "uint256"], lg.data)
            return DepositConfirmedEvent(n, tx_hash, _addr(topics[1]), _addr(topics[2]), topics[3].to_bytes(32, "big"),
                                         sats, net)
        if t0 == WITHDRAWAL_INITIATED and len(topics) == 4:
            amount, net, uuid = decode(["uint256", "uint256", "uint64"], lg.data)
            return WithdrawalInitiatedEvent(n, tx_hash, _addr(topics[1]), _addr(topics[2]), amount, net, uuid)
        if t0 == WITHDRAWAL_CHALLENGED and len(topics) == 4:
            return WithdrawalChallengedEvent(n, tx_hash, _addr(topics[1]), _addr(topics[2]), topics[3])
    return None


def tunnel_events(engine: EvmEngine, numbers: Iterable[int]) -> Iterator[TunnelEvent]:
    """The tunnel events of the given L2 blocks, in block and log order."""
    for n, rec, _i, lg in all_logs(engine, numbers):
        if lg.address == _MANAGER:
            ev = _decode(n, bytes(rec.tx.hash), lg)
            if ev is not None:
                yield ev


def record_events(rec: TxRecord) -> list[TunnelEvent]:
    """The tunnel events one mined transaction emitted, in log order."""
    events = (_decode(rec.block_number, bytes(rec.tx.hash), lg) for lg in rec.receipt.logs if lg.address == _MANAGER)
    return [ev for ev in events if ev is not None]
