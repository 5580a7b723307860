"""The seed's cross-chain action in ape: a contract acts on a Bitcoin payment it reads through the hVM, and the
transaction that did so is driven to superfinality (heminetwork ``service/bfg/bfg.go``: effective confirmations
>= 10)."""

import ape

from hemi.btc import COIN
from hemi.testing import assert_not_superfinal, assert_superfinal


def pay_shop(btc, devchain, *, confirmations):
    user, shop = btc.wallet("user"), btc.wallet("shop")
    btc.mine(101, to=user.address)
    payment = user.send(shop.address, COIN // 2)
    btc.mine(confirmations)
    devchain.sync_btc()
    return payment


def test_records_a_confirmed_payment_and_reaches_superfinality(registry, owner, btc, devchain):
    payment = pay_shop(btc, devchain, confirmations=3)

    receipt = registry.record(payment.display_bytes, 0, 3, sender=owner)

    assert registry.paid(payment.display_bytes) == COIN // 2
    (event,) = receipt.decode_logs(registry.PaymentRecorded)
    assert (event.sats, event.confirmations) == (COIN // 2, 3)
    assert_not_superfinal(devchain, receipt.txn_hash)

    devchain.superfinalize(receipt.txn_hash)  # keystone, PoP publication, Bitcoin confirmations

    assert_superfinal(devchain, receipt.txn_hash)


def test_refuses_a_payment_without_enough_confirmations(registry, owner, btc, devchain):
    payment = pay_shop(btc, devchain, confirmations=3)

    with ape.reverts("not enough confirmations"):
        registry.record(payment.display_bytes, 0, 6, sender=owner)
    assert registry.paid(payment.display_bytes) == 0
