"""The L1 data fee an OP-stack chain charges every transaction that did not come from L1, Ecotone formula.

op-geth reads the fee parameters straight from the L1Block predeploy's storage (slot 1 ``basefee``, slot 3 the two
32-bit scalars at byte offsets 12 and 8 from the right, slot 7 ``blobBaseFee``), counts the transaction's binary
encoding (``MarshalBinary``: the signed RLP, typed envelope included) as 4 gas per zero byte and 16 per other byte, and
charges ``calldataGas * (16 * l1BaseFee * baseFeeScalar + blobBaseFee * blobBaseFeeScalar) / 16e6`` wei on top of
the L2 gas, up front with the gas purchase; the fee goes to the L1FeeVault predeploy. Deposits and Hemi's 0x7C/0x7D
system transactions pay none. Source: hemilabs/op-geth ``core/types/rollup_cost.go`` (``NewL1CostFunc``,
``newL1CostFuncEcotone``, the slot constants), ``core/state_transition.go`` (``buyGas``), receipt fields from
``core/types/receipt.go`` ``DeriveFields``.

Not modelled: Fjord's FastLZ-based size estimate (newer op-geth uses it once Fjord is active; see docs/op-stack.md).
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

L1_BLOCK_ADDRESS = bytes.fromhex("4200000000000000000000000000000000000015")
GAS_PRICE_ORACLE_ADDRESS = bytes.fromhex("420000000000000000000000000000000000000f")
L1_FEE_VAULT_ADDRESS = bytes.fromhex("420000000000000000000000000000000000001a")
BASE_FEE_SLOT, SCALARS_SLOT, BLOB_BASE_FEE_SLOT = 1, 3, 7
_ECOTONE_DIVISOR = 16 * 10**6


@dataclass(frozen=True, slots=True)
class L1Fee:
    """What op-geth's receipt says about a transaction's L1 data fee."""

    fee: int
    gas_used: int  # calldata gas of the signed transaction's encoding
    l1_base_fee: int
    l1_blob_base_fee: int
    base_fee_scalar: int
    blob_base_fee_scalar: int

    def rpc_fields(self) -> dict:
        return {"l1Fee": hex(self.fee), "l1GasUsed": hex(self.gas_used), "l1GasPrice": hex(self.l1_base_fee),
                "l1BaseFeeScalar": hex(self.base_fee_scalar), "l1BlobBaseFee": hex(self.l1_blob_base_fee),
                "l1BlobBaseFeeScalar": hex(self.blob_base_fee_scalar)}


def calldata_gas(encoded: bytes) -> int:
    zeros = encoded.count(0)
    return zeros * 4 + (len(encoded) - zeros) * 16


def l1_fee(state: Any, encoded: bytes) -> L1Fee:
    """The Ecotone L1 fee of a transaction whose binary encoding is ``encoded``, with the parameters the L1Block
    predeploy holds in ``state`` (a py-evm state)."""
    base = state.get_storage(L1_BLOCK_ADDRESS, BASE_FEE_SLOT)
    blob = state.get_storage(L1_BLOCK_ADDRESS, BLOB_BASE_FEE_SLOT)
    scalars = state.get_storage(L1_BLOCK_ADDRESS, SCALARS_SLOT)
    base_scalar = (scalars >> 96) & 0xFFFFFFFF  # bytes [16:20] of the slot
    blob_scalar = (scalars >> 64) & 0xFFFFFFFF  # bytes [20:24]
    gas = calldata_gas(encoded)
    fee = gas * (16 * base * base_scalar + blob * blob_scalar) // _ECOTONE_DIVISOR
    return L1Fee(fee, gas, base, blob, base_scalar, blob_scalar)


class L1CostModel:
    """Whether (and how) a devchain charges the L1 fee: a plain object so the engine that holds it can be saved."""

    def fee_for(self, state: Any, tx: Any) -> L1Fee | None:
        if getattr(tx, "is_op_system", False):
            return None
        inner = getattr(tx, "_tx", tx)  # an impersonated tx wraps its placeholder-signed original
        return l1_fee(state, inner.encode())
