"""Bitcoin finality as BFG v2 computes it (heminetwork ``service/bfg/bfg.go``
``handleKeystoneFinality``/``calculateFinality``, ``bfgapi.BitcoinSuperFinality = 10``; legacy v1
``hemi.L2BTCFinalityFromBfgd``): effective confirmations, the superfinality edge, the v1 number, descendants,
reorgs, target resolution, and ``superfinalize`` with its typed failures."""

from __future__ import annotations

import pytest

from hemi.devchain import Devchain
from hemi.errors import HemiError, HemiLookupError, HemiValueError
from hemi.node.pop.finality import FutureBlockError, NotSuperfinalizable, UnknownFinalityTarget
from hemi.node.pop.keystones import UnknownKeystoneError


def setup(threshold: int = 10, **pop_kw):
    """The devchain's own wired keystones, PoP network and finality service (``dev.finality`` uses them)."""
    dev = Devchain(predeploy_bitcoin_kit=False, superfinality_threshold=threshold,
                   **{f"pop_{k}": v for k, v in pop_kw.items()})
    return dev, dev.keystones, dev.pop, dev._finality


def test_unpublished_and_unmined_keystones():
    dev, ks, pop, fin = setup()
    pop.set_policy("default", "offline")
    dev.mine(30)
    f = fin.finality(10)
    assert f.keystone == ks.get(25) and f.publication is None
    assert (f.effective_confirmations, f.superfinal, f.btc_finality) == (0, False, -9)
    assert f.to_legacy()["btc_finality"] == -9 and f.to_legacy()["btc_pub_height"] == -1
    g = fin.finality(26)  # keystone 50 is not mined yet: no keystone, not an error
    assert g.keystone is None and g.publication is None and g.btc_finality == -9 and not g.superfinal
    assert g.to_bfg_v2()["l2_keystone"] is None


def test_superfinal_at_exactly_ten_effective_confirmations_and_v1_numbers():
    dev, ks, pop, fin = setup()
    dev.mine(25)
    dev.btc.mine(1)  # the publication block
    p = dev.btc.height
    f = fin.finality(25)
    assert f.publication.height == p and f.effective_confirmations == 0 and f.btc_finality == -8
    dev.btc.mine(8)  # 9 blocks including the publication block
    f = fin.finality(25)
    assert (f.effective_confirmations, f.btc_finality, f.superfinal) == (8, 0, False)
    dev.btc.mine(1)
    f = fin.finality(25)
    assert (f.effective_confirmations, f.btc_finality, f.superfinal) == (9, 1, False)
    dev.btc.mine(1)
    f = fin.finality(1)  # every block up to the keystone shares its finality
    assert (f.effective_confirmations, f.btc_finality, f.superfinal) == (10, 2, True)
    assert f.btc_tip_height == dev.btc.height == p + 10
    dev.btc.mine(200)
    assert fin.finality(25).btc_finality == 100  # v1 cap
    assert fin.finality(25).effective_confirmations == 210


def test_output_shapes():
    dev, ks, pop, fin = setup()
    dev.mine(25)
    dev.btc.mine(10)
    f = fin.finality(20)
    v2 = f.to_bfg_v2()
    assert list(v2) == ["l2_keystone", "block_hash", "block_height", "effective_confirmations", "super_finality"]
    assert v2["l2_keystone"] == ks.get(25).to_json() and v2["block_height"] == f.publication.height
    # internal byte order: api.ByteSlice(chainhash[:]) (heminetwork service/bfg/bfg.go calculateFinality)
    assert v2["block_hash"] == bytes(f.publication.block_hash).hex() and v2["effective_confirmations"] == 9
    legacy = f.to_legacy()
    assert list(legacy) == ["l2_keystone", "btc_pub_height", "btc_pub_header_hash", "btc_finality"]
    assert legacy["btc_pub_height"] == f.publication.height and legacy["btc_finality"] == 1
    j = f.to_json()
    assert j["l2_block"] == 20 and j["keystone_hash"] == ks.get(25).hash.hex and j["publication"]["miner"] == "default"


def test_a_descendants_publication_gives_finality():
    dev, ks, pop, fin = setup()
    pop.set_policy("default", "offline")
    pop.fund()
    dev.mine(75)
    pop.publish(50)  # keystone 25 itself is never published
    dev.btc.mine(12)
    f = fin.finality(3)
    assert f.keystone == ks.get(25) and f.keystone_publication is None
    assert f.publication.l2_block_number == 50 and f.effective_confirmations == 11 and f.superfinal
    assert f.btc_finality == 12 - 9 + 1 - 1  # tip - effectiveHeight - 9 + 1, effectiveHeight = descendant's
    assert fin.finality(60).publication is None  # keystone 75: no publication at or after it


def test_later_pages_start_only_from_a_published_descendant():
    """heminetwork service/bfg/bfg.go:559-577: the cursor for the next kss_getKeystone page is set only by a keystone
    TBC found (published, at or below the tip); with none on the first page, BFG stops there."""
    dev, ks, pop, fin = setup()
    pop.set_policy("default", "offline")
    pop.fund()
    dev.mine(25 * 14)
    pop.publish(25 * 13)  # the 12th descendant of keystone 25: beyond the first page (the keystone + 10)
    dev.btc.mine(3)
    assert fin.finality(25).effective_confirmations == 0 and fin.finality(25).to_bfg_v2()["block_hash"] == ""
    assert fin.finality(25 * 13).effective_confirmations == 2
    pop.publish(25 * 11)  # the 10th descendant, on the first page: now the second page is read from it
    dev.btc.mine(1)
    f = fin.finality(25)
    assert f.effective_confirmations == 3 and f.publication.l2_block_number == 25 * 13


def test_a_reorg_that_removes_the_publication_lowers_finality_and_republishing_regains_it():
    dev, ks, pop, fin = setup()
    dev.mine(25)
    (txid,) = pop.mempool_publications(ks.get(25).hash)
    dev.btc.mine(11)
    assert fin.finality(25).superfinal
    dev.btc.reorg(11, drop=[txid])
    f = fin.finality(25)
    assert f.publication is None and f.effective_confirmations == 0 and not f.superfinal and f.btc_finality == -9
    pop.publish(25)
    dev.btc.mine(1)
    assert fin.finality(25).effective_confirmations == 0 and fin.finality(25).publication is not None
    dev.btc.mine(10)
    assert fin.finality(25).superfinal


def test_targets_block_hash_tx_hash_and_typed_errors():
    dev, ks, pop, fin = setup()
    acct = dev.accounts[0]
    tx_hash = dev.w3.eth.send_transaction({"from": acct, "to": dev.accounts[1], "value": 1})
    n = dev.w3.eth.get_transaction_receipt(tx_hash)["blockNumber"]
    dev.mine(30)
    bhash = bytes(dev.engine.block(n).hash)
    assert fin.finality(bytes(tx_hash)).l2_block == n
    assert fin.finality("0x" + bytes(tx_hash).hex()).l2_block == n
    assert fin.finality(bhash).l2_block == n and fin.finality(bhash.hex()).l2_block == n
    assert fin.finality(bhash).l2_block_hash == bhash
    assert fin.finality().l2_block == dev.engine.head_number
    with pytest.raises(UnknownFinalityTarget, match="neither an L2 block hash nor"):
        fin.finality(b"\x42" * 32)
    with pytest.raises(FutureBlockError, match="future"):
        fin.finality(dev.engine.head_number + 1)
    with pytest.raises(HemiLookupError):
        fin.finality("0x" + "ab" * 32)
    with pytest.raises(HemiValueError):
        fin.finality("0x1234")
    with pytest.raises(HemiValueError):
        fin.finality(-1)
    with pytest.raises(UnknownKeystoneError):
        fin.keystone_finality("00" * 32)
    assert fin.keystone_finality(ks.get(25).hash).l2_block == 25


def test_superfinalize_drives_both_chains():
    dev, ks, pop, fin = setup()
    f = fin.superfinalize(3)
    assert f.superfinal and f.effective_confirmations == 10 and f.keystone == ks.get(25)
    assert dev.engine.head_number >= 25
    assert dev.hvm_view().light_tip_height == dev.btc.height  # the hVM view is synced
    assert fin.superfinalize(3) == fin.finality(3)  # already superfinal: nothing more to do


def test_superfinalize_with_a_delayed_miner_and_a_configurable_threshold():
    dev, ks, pop, fin = setup(threshold=3)
    pop.set_policy("default", "delay", after_btc_blocks=4)
    f = fin.superfinalize(30)
    assert f.superfinal and f.effective_confirmations == 3 and f.keystone.l2_block_number == 50
    assert f.publication.miner == "default"


def test_superfinalize_raises_typed_errors_naming_the_cause():
    dev, ks, pop, fin = setup()
    pop.set_policy("default", "offline")
    pop.add_miner("alice", policy="offline")
    head = dev.engine.head_number
    with pytest.raises(NotSuperfinalizable, match="no PoP miner is online: miners default, alice are offline"):
        fin.superfinalize(10)
    assert dev.engine.head_number == head and dev.btc.height == 0  # raised before driving anything
    pop.set_policy("alice", "immediate")
    with pytest.raises(NotSuperfinalizable, match="max_l2_blocks"):
        fin.superfinalize(100, max_l2_blocks=10)
    pop.remove_miner("default")
    pop.remove_miner("alice")
    with pytest.raises(NotSuperfinalizable, match="no PoP miners"):
        fin.superfinalize(10)
    assert issubclass(NotSuperfinalizable, HemiError)


def test_superfinalize_reports_a_publication_that_never_confirms():
    dev, ks, pop, fin = setup(auto_fund=False)  # the miner cannot pay: every attempt fails
    with pytest.raises(NotSuperfinalizable, match="publication never confirmed.*InsufficientFunds"):
        fin.superfinalize(5, max_btc_blocks=5)
    assert dev.btc.height == 5  # bounded


def test_a_web3_receipt_is_a_target_everywhere_the_assertions_take_one():
    """The walkthrough: `dev.superfinalize(receipt)` refused the receipt `assert_superfinal` accepts, dumping the
    whole receipt into the message. Both take it now (hemi.types.l2_target), and a refused value is shown short."""
    from hemi.testing import assert_not_superfinal, assert_superfinal

    dev, ks, pop, fin = setup()
    w3 = dev.w3
    receipt = w3.eth.wait_for_transaction_receipt(
        w3.eth.send_transaction({"from": dev.accounts[0], "to": dev.accounts[1], "value": 1}))
    n = receipt["blockNumber"]
    assert dev.finality(receipt).l2_block == n
    assert_not_superfinal(dev, receipt)
    f = dev.superfinalize(receipt)
    assert f.superfinal and f.l2_block == n
    assert_superfinal(dev, receipt)
    assert dev.finality(dict(receipt)).l2_block == n  # a plain dict with transactionHash too
    assert w3.hemi.finality(receipt)["l2_block"] == n and w3.hemi.finality(receipt)["superfinal"]  # over JSON-RPC
    assert dev.finality("earliest").l2_block == 0 and dev.finality("safe").l2_block == dev.engine.head_number
    block = w3.eth.get_block(n)  # no transactionHash: refused, and shown in at most ~100 characters
    with pytest.raises(HemiValueError) as e:
        dev.finality(block)
    assert "AttributeDict" in str(e.value) and len(str(e.value)) < 300 and "logsBloom" not in str(e.value)


def test_the_finality_errors_are_hemi_errors_and_documented():
    """README: superfinalize raises NotSuperfinalizable, and bad input gets typed errors from hemi.errors."""
    import pathlib

    import hemi.errors
    from hemi.node.pop import finality

    for name in ("NotSuperfinalizable", "UnknownFinalityTarget", "FutureBlockError"):
        cls = getattr(hemi.errors, name)
        assert getattr(finality, name) is cls and issubclass(cls, HemiError)  # the old import path still works
    doc = (pathlib.Path(__file__).resolve().parents[3] / "docs" / "errors.md").read_text()
    public = [n for n, c in vars(hemi.errors).items() if isinstance(c, type) and issubclass(c, HemiError)]
    assert [n for n in public if f"| `{n}` |" not in doc] == []
