"""Property tests: no input a contract can send makes an hVM precompile raise (hemilabs/op-geth
core/vm/hvm_precompile_recover_test.go).

OPG-T2 (``hvm_precompile_recover_test.go``) pins that hVM precompiles never crash the node: malformed input is the
empty success, a panic is recovered into it. Here random bytes, and random bytes around real txids and addresses,
are thrown at every precompile under both profiles; ``run_precompile`` must always return ``(bool, bytes)``.
"""

from __future__ import annotations

import logging

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from hemi.btc import BitcoinChain
from hemi.hvm.precompiles import HVM_PRECOMPILES, PROFILES, PrecompileFailure, run_precompile
from hemi.node.bitcoin_view.btc_index import BitcoinIndexer

ADDRESSES = sorted(HVM_PRECOMPILES)


@pytest.fixture(scope="module")
def env():
    btc = BitcoinChain(seed=5)
    alice, bob = btc.wallet("alice"), btc.wallet("bob")
    btc.mine(101, to=alice.address)
    txids = [alice.send(bob.addresses[k], 100_000 + i, op_return=b"x" * i)
             for i, k in enumerate(("p2wpkh", "p2sh-p2wpkh", "p2pkh", "p2wsh", "p2tr"))]
    btc.mine(1)
    spend = bob.build_tx(alice.address, 300_000, inputs=bob.utxos)
    btc.send_raw(spend)
    btc.mine(2)
    ix = BitcoinIndexer(btc)
    ix.index_to(bytes(btc.block_hash(btc.height - 1)))
    known = [t.display_bytes for t in txids] + [spend.GetTxid()[::-1], btc.block(1).txs[0].GetTxid()[::-1]]
    addrs = [a.encode() for w in (alice, bob) for a in w.addresses.values()]
    return ix, known, addrs


def check(address: int, data: bytes, reader, profile: str) -> None:
    result = run_precompile(address, data, reader, profile)
    assert isinstance(result, tuple) and len(result) == 2
    success, out = result
    assert isinstance(success, bool) and isinstance(out, bytes)
    if not success:
        assert out == b""
        # the only raw-error paths (op-geth contracts.go: btcTxConfirmations, btcAddrToScript)
        assert address in (0x43, 0x46)
    # Stronger: the function itself raises nothing but PrecompileFailure (the recover path is for real bugs only).
    try:
        direct = HVM_PRECOMPILES[address].fn(data, reader, profile)
    except PrecompileFailure:
        assert not success
    else:
        assert success and direct == out


_settings = settings(max_examples=150, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture])


@_settings
@given(address=st.sampled_from(ADDRESSES), data=st.binary(max_size=120), profile=st.sampled_from(PROFILES),
       light=st.integers(min_value=0, max_value=2**32))
def test_random_bytes_never_raise(env, address, data, profile, light):
    ix, _, _ = env
    check(address, data, ix.reader(light), profile)


@_settings
@given(address=st.sampled_from(ADDRESSES), pick=st.integers(min_value=0), tail=st.binary(max_size=8),
       profile=st.sampled_from(PROFILES))
def test_real_txids_with_random_tails_never_raise(env, address, pick, tail, profile):
    ix, known, _ = env
    check(address, known[pick % len(known)] + tail, ix.reader(ix.tip.height + 2), profile)


@_settings
@given(address=st.sampled_from(ADDRESSES), pick=st.integers(min_value=0), cut=st.integers(min_value=0, max_value=70),
       tail=st.binary(max_size=6), profile=st.sampled_from(PROFILES))
def test_mangled_addresses_never_raise(env, address, pick, cut, tail, profile):
    ix, _, addrs = env
    addr = addrs[pick % len(addrs)]
    check(address, addr[:cut] + tail, ix.reader(ix.tip.height), profile)


@_settings
@given(text=st.text(alphabet="0123456789abcdefABCDEFbcrt1qpzry9x8gf2tvdw0s3jn54khce6mua7lmn", min_size=20,
                    max_size=140), profile=st.sampled_from(PROFILES))
def test_address_like_strings_decode_or_fail_cleanly(env, text, profile):
    ix, _, _ = env
    for address in (0x40, 0x41, 0x46):
        check(address, text.encode(), ix.reader(0), profile)


def test_properties_logged_no_unexpected_exceptions(env, caplog):
    """Nothing above should even reach the recover path: warnings would mean a precompile raised internally."""
    ix, known, addrs = env
    with caplog.at_level(logging.WARNING, logger="hemi.hvm.precompiles"):
        for address in ADDRESSES:
            for data in (b"", b"\x00" * 36, known[0] + b"\xff" * 6, addrs[0] + b"\xff\xff\xff\xff", b"\xff" * 200):
                for profile in PROFILES:
                    check(address, data, ix.reader(ix.tip.height), profile)
    assert not caplog.records, [r.getMessage() for r in caplog.records]
