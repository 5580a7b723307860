"""PoP miners and the publication index (heminetwork ``hemi/pop/pop.go``
``EncodeToOpReturn`` / ``ParseTransactionL2FromOpReturn``, ``bitcoin/wallet PoPTransactionCreate``, TBC
``keystoneindex.go``): the exact OP_RETURN bytes and transaction shape, policies, several miners, malformed
OP_RETURNs ignored, the first publication following Bitcoin reorgs."""

from __future__ import annotations

import pytest
from bitcoin.core import CMutableTransaction, COutPoint, CScript, CTxIn, CTxOut

from hemi.btc import params
from hemi.devchain import Devchain
from hemi.errors import HemiValueError
from hemi.node.pop.keystones import L2Keystone
from hemi.node.pop.publications import POP_TX_SIZE_ESTIMATE, UnknownMinerError, parse_pop_script, pop_script


def setup(**kw):
    """A devchain with its own wired PoP network (``default_miner`` / ``auto_fund`` go to its config)."""
    dev = Devchain(predeploy_bitcoin_kit=False, **{f"pop_{k}": v for k, v in kw.items()})
    return dev, dev.keystones, dev.pop


def test_op_return_script_is_exactly_6a4c50_HEMI_abbreviation():
    k = L2Keystone(1, 25, 25, b"\x11" * 32, bytes(32), b"\x22" * 32, b"\x33" * 32)
    spk = pop_script(k)
    assert spk == bytes.fromhex("6a4c50") + b"HEMI" + k.abbreviated()
    assert len(spk) == 83 == params.MAX_OP_RETURN_RELAY  # just fits Bitcoin Core's default -datacarriersize
    assert parse_pop_script(spk) == k.abbreviate()


def test_publication_tx_has_the_popm_shape():
    dev, ks, pop = setup()
    pop.fund()
    m = pop.miner("default")
    dev.mine(25)
    (entry,) = list(dev.btc.mempool)
    tx = entry.tx
    assert tx.nVersion == 2 and tx.nLockTime == dev.btc.height
    assert len(tx.vin) == 1
    spent = dev.btc.tx(tx.vin[0].prevout.hash[::-1].hex())  # display-order hex
    assert bytes(spent.tx.vout[tx.vin[0].prevout.n].scriptPubKey) == m.script
    assert m.address == m.wallet.address_of("p2pkh") and m.wallet.owns(m.script)
    assert [bytes(o.scriptPubKey) for o in tx.vout] == [m.script, pop_script(ks.get(25))]  # change, then OP_RETURN
    assert tx.vout[1].nValue == 0
    assert entry.fee == POP_TX_SIZE_ESTIMATE * 2 == 568  # 284 bytes at the default 2 sat/vB
    assert pop.mempool_publications(ks.get(25).hash) == [entry.txid]
    assert m.txids() == [entry.txid]


def test_fee_rate_per_miner_and_lazy_funding_is_deterministic():
    runs = []
    for _ in range(2):
        dev, ks, pop = setup()
        pop.add_miner("rich", fee_rate=5.0)
        dev.mine(25)  # funds both lazily (one maturity round), then both publish
        by_miner = {}
        for e in dev.btc.mempool:
            for name in ("default", "rich"):
                if e.txid in pop.miner(name).txids():
                    by_miner[name] = e.fee
        runs.append((dev.btc.height, str(dev.btc.tip), sorted(str(t) for t in dev.btc.mempool.txids)))
        assert by_miner == {"default": 568, "rich": 1420}
        assert dev.btc.height == 102  # one block to each miner, then 100 for coinbase maturity
    assert runs[0] == runs[1]


def test_several_miners_publish_the_same_keystone():
    dev, ks, pop = setup()
    pop.add_miner("alice")
    pop.add_miner("bob")
    pop.fund()
    dev.mine(25)
    k = ks.get(25)
    assert len(pop.mempool_publications(k.hash)) == 3
    dev.btc.mine(1)
    pubs = pop.publications(k.hash)
    assert sorted(p.miner for p in pubs) == ["alice", "bob", "default"]
    assert {p.height for p in pubs} == {dev.btc.height}
    assert pop.first_publication(k.hash) == pubs[0]
    assert pubs[0].tx_index == min(p.tx_index for p in pubs)


def test_first_publication_is_the_lowest_height():
    dev, ks, pop = setup(default_miner=False)
    pop.add_miner("alice", policy="offline")
    pop.add_miner("bob", policy="offline")
    pop.fund()
    dev.mine(25)
    assert len(dev.btc.mempool) == 0  # offline miners never publish by themselves
    k = ks.get(25)
    pop.publish(miner="alice")  # by hand: ignores the policy; None = latest keystone
    dev.btc.mine(1)
    first_height = dev.btc.height
    pop.publish(k.hash, miner="bob")
    dev.btc.mine(1)
    assert [p.miner for p in pop.publications(k)] == ["alice", "bob"]
    assert pop.first_publication(k).height == first_height and pop.first_publication(k).miner == "alice"


def test_delay_policy_waits_for_k_more_bitcoin_blocks():
    dev, ks, pop = setup()
    pop.set_policy("default", "offline")
    pop.add_miner("slow", policy="delay", after_btc_blocks=3)
    pop.fund()
    dev.mine(25)
    k = ks.get(25)
    assert pop.mempool_publications(k.hash) == [] and bytes(k.hash) in pop.miner("slow").pending
    dev.btc.mine(2)
    assert pop.poll() == []
    dev.btc.mine(1)
    (txid,) = pop.poll()
    assert pop.mempool_publications(k.hash) == [txid] and pop.miner("slow").pending == {}
    # the L2 block hook polls too
    dev.mine(25)
    dev.btc.mine(3)
    dev.mine(1)
    assert len(pop.mempool_publications(ks.get(50).hash)) == 1


def test_malformed_op_returns_are_ignored_like_the_real_indexer():
    dev, ks, pop = setup(default_miner=False)
    dev.mine(25)
    k = ks.get(25)
    alice = dev.btc.wallet("alice")
    dev.btc.mine(101, to=alice.address)
    abrev = k.abbreviated()
    bad_version = b"\x02" + abrev[1:]
    scripts = [
        bytes.fromhex("6a4c50") + b"HEMX" + abrev,  # wrong magic
        bytes.fromhex("6a04") + b"HEMI",  # data shorter than 5 bytes
        bytes.fromhex("6a05") + b"HEMI\x01",  # magic then a too-short keystone
        bytes.fromhex("6a4c4f") + b"HEMI" + abrev[:75],  # 75-byte keystone
        bytes.fromhex("6a4c50") + b"HEMI" + bad_version,  # unsupported version
        bytes.fromhex("6a4c60") + b"HEMI" + abrev,  # truncated push (says 96 bytes)
        bytes.fromhex("6aac"),  # OP_RETURN OP_CHECKSIG: no data
        bytes.fromhex("6a"),  # bare OP_RETURN
        b"\xff\xfe\x00garbage",  # not even an OP_RETURN
        bytes.fromhex("4c50") + b"HEMI" + abrev,  # the push without OP_RETURN
        bytes.fromhex("6a4d5000") + b"HEMI" + abrev,  # PUSHDATA2 encoding: btcd's tokenizer accepts it
        pop_script(k),  # the real one
    ]
    assert [parse_pop_script(s) is not None for s in scripts] == [False] * 10 + [True, True]
    coin = next(u for u in alice.utxos if u.mature)
    outs = [CTxOut(0, CScript(s)) for s in scripts] + [CTxOut(coin.value - 10_000, CScript(alice.script_of()))]
    tx = alice.sign(CMutableTransaction([CTxIn(COutPoint(bytes(coin.txid), coin.vout))], outs),
                    [(coin.value, coin.script_pubkey)])
    dev.btc.mine(1, txs=[tx])  # consensus accepts what relay policy would not
    pubs = pop.publications(k.hash)
    assert len(pubs) == 2 and {p.txid for p in pubs} == {dev.btc.block(-1).txids[1]}
    assert all(p.miner is None for p in pubs)  # not one of our miners
    assert set(pop.published_keystones()) == {k.hash}


def test_first_publication_follows_bitcoin_reorgs():
    dev, ks, pop = setup()
    dev.mine(25)
    k = ks.get(25)
    (txid,) = pop.mempool_publications(k.hash)
    dev.btc.mine(3)
    first = pop.first_publication(k.hash)
    assert first.txid == txid and first.height == dev.btc.height - 2
    # a reorg that re-mines the tx elsewhere: same tx, new block
    dev.btc.reorg(3)
    moved = pop.first_publication(k.hash)
    assert moved.txid == txid and moved.block_hash != first.block_hash and moved.block_hash in [
        dev.btc.block_hash(h) for h in range(dev.btc.height - 3, dev.btc.height + 1)]
    # a reorg that drops it: gone from the canonical chain and the mempool
    depth = dev.btc.height - moved.height + 1
    dev.btc.reorg(depth, drop=[txid])
    assert pop.first_publication(k.hash) is None and pop.publications(k.hash) == []
    assert pop.mempool_publications(k.hash) == []
    again = pop.publish(k)
    dev.btc.mine(1)
    assert pop.first_publication(k.hash).txid == again and pop.first_publication(k.hash).height == dev.btc.height


def test_miner_management_errors_and_snapshot_state():
    dev, ks, pop = setup()
    pop.add_miner("alice", policy="delay", after_btc_blocks=2, fee_rate=3)
    with pytest.raises(HemiValueError):
        pop.add_miner("alice")
    with pytest.raises(HemiValueError):
        pop.add_miner("x", policy="sometimes")
    with pytest.raises(HemiValueError):
        pop.add_miner("x", fee_rate=0.5)
    with pytest.raises(UnknownMinerError):
        pop.publish(miner="nobody")
    with pytest.raises(UnknownMinerError):
        pop.remove_miner("nobody")
    dev.mine(25)  # default publishes; alice starts waiting
    state = pop.snapshot_state()
    pop.remove_miner("alice")
    pop.set_policy("default", "offline")
    pop.add_miner("bob")
    assert list(pop.miners) == ["default", "bob"]
    pop.restore_state(state)
    assert list(pop.miners) == ["default", "alice"]
    a = pop.miner("alice")
    assert (a.policy, a.after_btc_blocks, a.fee_rate) == ("delay", 2, 3.0) and len(a.pending) == 1
    assert pop.miner("default").policy == "immediate" and len(pop.miner("default").txids()) == 1
    assert [m.name for m in pop.online_miners] == ["default", "alice"]


def test_a_failed_automatic_publication_never_breaks_l2_mining():
    dev, ks, pop = setup(auto_fund=False)
    dev.mine(26)  # the default miner has no coins: recorded, the block is sealed anyway
    assert dev.engine.head_number == 26
    (f,) = pop.failures
    assert f.miner == "default" and f.l2_block_number == 25 and "InsufficientFunds" in f.error
    with pytest.raises(Exception, match="no P2PKH coin"):
        pop.publish(25)
