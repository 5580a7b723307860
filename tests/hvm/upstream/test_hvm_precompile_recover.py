"""Vectors of hemilabs/op-geth core/vm/hvm_precompile_recover_test.go (@a87ec50b) that a contract can observe:
gas, names, addresses, the recovered panic and the input-length guards (Go-internal seams are not ported)."""

from __future__ import annotations

import pytest
from upstream_synthetic import Vectors, indexed

from hemi.btc import BitcoinChain
from hemi.hvm import precompiles as P

GAS = {0x40: 50_000, 0x41: 100_000, 0x42: 25_000, 0x43: 5_000, 0x44: 5_000, 0x45: 6_000, 0x46: 25_000}
NAMES = {0x40: "BTC Balance Address", 0x41: "BTC UTXOs Address List", 0x42: "BTC TX by TXID",
         0x43: "BTC TX Confirmations", 0x44: "BTC Last Header", 0x45: "BTC Header N", 0x46: "BTC Addr to Script",
         0x47: "BTC Input by TXID", 0x48: "BTC Output by TXID", 0x49: "BTC TX Get Input Witness"}


@pytest.fixture(scope="module")
def v() -> Vectors:
    return Vectors(indexed(BitcoinChain()))


def test_addresses_names_and_gas(v):
    """TestHvmPrecompileAddressesDistinct, TestHvmPrecompileNameDistinctAndNonEmpty,
    TestHvmPrecompileRequiredGasInputInvariance (hvm_precompile_recover_test.go; gas from params/protocol_params.go,
    0x47-0x49 unpublished: only non-zero is pinned)."""
    v.eq(sorted(P.HVM_PRECOMPILES), list(range(0x40, 0x4A)), "exactly 0x40..0x49")
    for a in range(0x40, 0x4A):
        v.eq(P.HVM_PRECOMPILES[a].name, NAMES[a], f"Name() of 0x{a:02x}")
        v.eq(P.HVM_PRECOMPILES[a].gas == GAS[a] if a in GAS else P.HVM_PRECOMPILES[a].gas > 0, True, f"gas 0x{a:02x}")
    v.eq(len({i.gas for i in P.HVM_PRECOMPILES.values()}) > 1, True, "not one shared gas value")


def test_recovered_panic_is_an_empty_success(v):
    """TestRunPrecompileRecoversHVMPanic (hvm_precompile_recover_test.go): a fault inside an hVM precompile becomes
    the empty successful no-op."""
    reader = v.ix.reader(0)

    class Faulty:
        """A reader whose every answer faults, as a corrupt index would."""

        def __getattr__(self, name):
            raise RuntimeError("simulated invalid Bitcoin data")

    v.eq(P.run_precompile(0x44, b"", Faulty()), (True, b""), "recovered fault -> (nil, nil)")
    v.eq(P.run_precompile(0x44, b"", reader)[0], True, "healthy node answers")


@pytest.mark.parametrize("address,valid,kind", [(0x45, 4, "ne"), (0x43, 32, "ne"), (0x47, 36, "ne"),
                                                (0x40, 24, "lt"), (0x46, 24, "lt"), (0x41, 28, "lt"),
                                                (0x42, 36, "ne"), (0x48, 36, "ne"), (0x49, 38, "ne")])
def test_input_length_guards(v, address, valid, kind):
    """TestHvmPrecompileInputLengthGuards and TestHvmPrecompileInputGuardsRemaining (hvm_precompile_recover_test.go):
    wrong lengths -> ErrHVMInvalidPrecompileInput, which the EVM turns into the empty success."""
    bad = [0, valid - 1] if kind == "lt" else [0, valid - 1, valid + 1, 64]
    for n in bad:
        v.eq(v.run(address, bytes(n)), (True, b""), f"0x{address:02x} len {n}")
