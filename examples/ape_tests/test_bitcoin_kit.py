"""Solidity reads Bitcoin through hBK, driven from ape: a payment on the embedded Bitcoin chain becomes visible to
contracts once the hVM's view holds its block (hemilabs/op-geth ``core/blockchain.go``; hBK as docs/hbk.md
describes it)."""

from hemi.btc import COIN


def test_hbk_is_predeployed_at_its_mainnet_address(hbk, chain):
    assert len(chain.provider.get_code(hbk.address)) > 0


def test_hbk_reads_a_bitcoin_payment(hbk, btc, devchain):
    alice, shop = btc.wallet("alice"), btc.wallet("shop")
    btc.mine(101, to=alice.address)
    txid = alice.send(shop.address, 3 * COIN // 2)
    assert hbk.getBitcoinAddressBalance(shop.address) == 0  # broadcast, not mined

    btc.mine(3)
    devchain.sync_btc()  # L2 blocks carry the new headers into the hVM's view

    view = devchain.hvm_view()
    assert view.light_tip_height == btc.height
    # UTXO, balance and header reads see the indexed tip, 2 blocks behind the light tip (op-geth ``hVMIndexerTipLag``)
    assert hbk.getLastHeader().height == view.indexed_height == btc.height - 2
    assert hbk.getBitcoinAddressBalance(shop.address) == 3 * COIN // 2
    # confirmations count from the light tip: the payment's block and the two above it
    assert hbk.getTxConfirmations(txid.display_bytes) == 3
