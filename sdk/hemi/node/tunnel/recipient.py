"""A tunnel deposit, and the OP_RETURN that names its recipient (hemilabs/bitcoin-tunnel-contracts
SimpleBitcoinVaultUTXOLogicHelper.sol).

The recipient is the FIRST OP_RETURN among a deposit's first 8 outputs, whose first push is either the 20 raw
address bytes (``6a 14 <addr>``, 22-byte script) or the address as 40 ASCII hex characters, any case, no ``0x``
(``6a 28 <hex>``, 42 bytes). :func:`read_recipient` mirrors ``SimpleBitcoinVault._depositRecipient`` and
``BtcScript.opReturnData`` so Python can say *why* the vault refuses a deposit; :func:`recipient_bytes` checks an
EVM address given by a user before anything is broadcast.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

from eth_utils import is_checksum_address, is_hex_address, to_checksum_address

from hemi.errors import InvalidRecipientError
from hemi.node.tunnel.genesis import MAX_DEPOSIT_OUTPUT_INDEX
from hemi.types import Txid

__all__ = ["Deposit", "read_recipient", "recipient_bytes"]

_OP_RETURN = 0x6A
_HEX_DIGITS = frozenset(b"0123456789abcdefABCDEF")


@dataclass(frozen=True)
class Deposit:
    """A Bitcoin deposit to the vault's custody script (maybe not yet confirmed on either chain)."""

    txid: Txid
    vout: int  # the output paying the custody script (0 when none does: confirm then reverts, saying so)
    sats: int  # that output's value
    recipient: str | None  # the EVM account its OP_RETURN names (checksummed), None when it names none
    wallet: str | None = None  # the hemi.btc wallet that paid, when made by Tunnel.deposit

    def to_json(self) -> dict:
        return {"txid": str(self.txid), "vout": self.vout, "sats": self.sats, "recipient": self.recipient,
                "wallet": self.wallet}

    @classmethod
    def from_json(cls, d: dict) -> Deposit:
        return cls(Txid(d["txid"]), int(d["vout"]), int(d["sats"]), d["recipient"], d.get("wallet"))


def recipient_bytes(recipient: Any) -> bytes:
    """The 20 bytes of an EVM address given as ``0x``-hex (any case; a mixed-case one must be a valid EIP-55
    checksum), a dev account, or 20 raw bytes. Raises :class:`InvalidRecipientError`."""
    if isinstance(recipient, (bytes, bytearray)):
        raw = bytes(recipient)
    elif isinstance(recipient, str):
        s = recipient
        if not is_hex_address(s):
            raise InvalidRecipientError(f"a deposit recipient is a 20-byte EVM address (0x + 40 hex digits), got "
                                        f"{recipient!r}")
        body = s[2:] if s[:2] in ("0x", "0X") else s
        if body != body.lower() and body != body.upper() and not is_checksum_address("0x" + body):
            raise InvalidRecipientError(f"{recipient} has mixed case but a wrong EIP-55 checksum (a typo?)")
        raw = bytes.fromhex(body)
    else:
        raise InvalidRecipientError(f"a deposit recipient is an EVM address string, got {type(recipient).__name__}")
    if len(raw) != 20:
        raise InvalidRecipientError(f"a deposit recipient is 20 bytes, got {len(raw)}")
    if raw == bytes(20):
        raise InvalidRecipientError("the zero address cannot receive hemiBTC (the vault refuses it)")
    return raw


def _op_return_data(script: bytes) -> bytes:
    """The first push after OP_RETURN (BtcScript.opReturnData)."""
    if len(script) < 2 or script[0] != _OP_RETURN:
        return b""
    op, n = script[1], len(script)
    if 0x01 <= op <= 0x4B:
        start, size = 2, op
    elif op in (0x4C, 0x4D, 0x4E):
        width = {0x4C: 1, 0x4D: 2, 0x4E: 4}[op]
        if n < 2 + width:
            return b""
        start, size = 2 + width, int.from_bytes(script[2:2 + width], "little")
    else:
        return b""
    return script[start:start + size]


def read_recipient(scripts: list[bytes]) -> tuple[str | None, str]:
    """The recipient a deposit's output scripts name, as the deployed vault reads it, and a sentence saying why when
    there is none: the FIRST OP_RETURN among the first 8 outputs whose whole script is 22 bytes (bytes 2..21 are the
    address) or 42 bytes (bytes 2..41 are 40 hex characters); OP_RETURNs of other lengths are skipped
    (hemilabs/bitcoin-tunnel-contracts SimpleBitcoinVaultUTXOLogicHelper.checkDepositConfirmationValidity)."""
    skipped = []
    for i, spk in enumerate(scripts[:MAX_DEPOSIT_OUTPUT_INDEX]):
        if not spk or spk[0] != _OP_RETURN:
            continue
        if len(spk) == 22:
            raw = spk[2:22]
        elif len(spk) == 42:
            if not all(c in _HEX_DIGITS for c in spk[2:42]):  # bytes.fromhex alone would skip whitespace
                return None, f"the OP_RETURN of output {i} holds 40 bytes that are not hex characters"
            raw = bytes.fromhex(spk[2:42].decode("ascii"))
        else:
            skipped.append(f"output {i}: a {len(spk)}-byte OP_RETURN script")
            continue
        if raw == bytes(20):
            return None, f"the OP_RETURN of output {i} names the zero address"
        return to_checksum_address(raw), f"output {i} names it"
    extra = " (one after output 7 does not count)" if any(s[:1] == bytes([_OP_RETURN])
                                                        for s in scripts[MAX_DEPOSIT_OUTPUT_INDEX:]) else ""
    seen = f"; skipped {', '.join(skipped)}" if skipped else ""
    return None, (f"no OP_RETURN of 22 or 42 bytes (a 20-byte address or 40 hex characters) among the first "
                  f"{MAX_DEPOSIT_OUTPUT_INDEX} outputs{extra}{seen}")
