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
