"""py-evm's BLS12-381 precompiles load on first use, not on import (hemi.hvm.lazy_bls)."""

from __future__ import annotations

import subprocess
import sys
import textwrap


def _run(code: str) -> str:
    proc = subprocess.run([sys.executable, "-c", textwrap.dedent(code)], capture_output=True, text=True, timeout=120)
    assert proc.returncode == 0, proc.stderr
    return proc.stdout.strip()


def test_a_devchain_does_not_import_py_ecc_bls():
    out = _run("""
        import sys, hemi
        dev = hemi.Devchain()
        dev.w3.eth.send_transaction({"from": dev.accounts[0], "to": dev.accounts[1], "value": 1})
        print(any(m.startswith(("py_ecc.bls", "py_ecc.optimized_bls12_381")) for m in sys.modules))
    """)
    assert out == "False"


def test_the_real_precompile_runs_on_first_call():
    """EIP-2537 G1ADD of the point at infinity with itself is the point at infinity (256 zero bytes in, 128 zero
    bytes out), called on stock eth-tester (py-evm Prague) in a process where a devchain deferred the module."""
    out = _run("""
        import sys, hemi
        hemi.Devchain()
        assert "py_ecc.optimized_bls12_381" not in sys.modules
        from web3 import Web3, EthereumTesterProvider
        w3 = Web3(EthereumTesterProvider())
        result = w3.eth.call({"to": "0x000000000000000000000000000000000000000b", "data": "0x" + "00" * 256})
        print(result.hex() == "00" * 128, "py_ecc.optimized_bls12_381" in sys.modules,
              type(sys.modules["eth.precompiles.bls12_381"]).__name__)
    """)
    assert out == "True True module"


_BN254_CALLS = """
    from web3 import Web3, EthereumTesterProvider
    from py_ecc import optimized_bn128 as bn
    g = (1).to_bytes(32, "big") + (2).to_bytes(32, "big")  # the BN254 G1 generator (EIP-196)
    calls = [("06", g + g), ("07", g + (3).to_bytes(32, "big")), ("08", b"")]
    w3 = Web3(EthereumTesterProvider())
    for address, data in calls:
        tx = {"to": "0x" + "00" * 19 + address, "data": "0x" + data.hex()}
        print(w3.eth.call(tx).hex(), w3.eth.estimate_gas(tx))
    two_g = bn.normalize(bn.double(bn.G1))
    print(int(two_g[0]).to_bytes(32, "big").hex() + int(two_g[1]).to_bytes(32, "big").hex())
"""


def test_bn254_precompiles_are_deferred_and_answer_as_py_evms_own():
    """EIP-196/197's ecadd, ecmul and ecpairing (0x06-0x08) through the deferred modules give the outputs and gas
    (Istanbul's prices, EIP-1108, fixed by partial application) that py-evm gives without the stand-ins."""
    deferred = _run(textwrap.dedent("""
        import sys, hemi
        dev = hemi.Devchain()
        dev.w3.eth.send_transaction({"from": dev.accounts[0], "to": dev.accounts[1], "value": 1})
        print("py_ecc.optimized_bn128" in sys.modules)
    """) + textwrap.dedent(_BN254_CALLS)).splitlines()
    plain = _run("import sys\nprint(False)\n" + textwrap.dedent(_BN254_CALLS)).splitlines()
    assert deferred[0] == "False"
    assert deferred[1:] == plain[1:]
    assert deferred[1].split()[0] == deferred[4]  # G + G = 2G
    assert deferred[3].split()[0] == "00" * 31 + "01"  # the empty pairing product is 1
