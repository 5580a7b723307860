"""The tunnel contracts' own rules, driven directly (not through dev.tunnel's checks): payout shapes the vault
refuses, the recipient OP_RETURN rule, fees with delayed increases, pauses, collateral and liquidation, and a vault
created with createVault going through its life cycle. The rules are those of hemilabs/bitcoin-tunnel-contracts
(SimpleBitcoinVault.sol, SimpleBitcoinVaultState.sol, SimpleBitcoinVaultUTXOLogicHelper.sol, BitcoinTunnelManager.sol).
"""

from __future__ import annotations

import pytest
from bitcoin.core import CMutableTransaction, COutPoint, CTxIn, CTxOut
from bitcoin.core.script import CScript
from web3.exceptions import ContractLogicError

from hemi.btc import COIN
from hemi.btc.script import op_return_script
from hemi.compiler import shipped
from hemi.node.tunnel.genesis import COLLATERAL_TOKEN_ADDRESS, MIN_COLLATERAL_ASSET_AMOUNT
from hemi.types import Txid


def reverts(reason: str):
    return pytest.raises(ContractLogicError, match=reason)


def _funded_withdrawal(dev, alice, sats=COIN):
    """A confirmed deposit (the sweep UTXO) and a pending withdrawal the operator does not pay (policy never)."""
    t = dev.tunnel
    t.set_operator_policy("never")
    user = dev.accounts[1]
    t.confirm(t.deposit(alice, t.gross_for_net(net_sats=2 * sats), recipient=user))
    return t.withdraw(user, sats, btc_address=dev.btc.wallet("carol").address)


def _payout(dev, w, *, vout_shift=0, amount_delta=0, uuid=None, change_script=None, extra_output=False,
            spend=None):
    """A payout of ``w`` signed by the operator, with one thing wrong at a time; mined and buried."""
    t = dev.tunnel
    sweep, vout, value = t.operator.sweep_utxo() if spend is None else spend
    custody = t.custody_script
    net = w.net_sats + amount_delta
    tag = op_return_script((w.index if uuid is None else uuid).to_bytes(4, "big"))
    extra = 1_000 if extra_output else 0
    outs = [CTxOut(net, CScript(w.destination_script)),
            CTxOut(value - net - 2_000 - extra, CScript(custody if change_script is None else change_script))]
    if extra_output:
        outs.append(CTxOut(extra, CScript(custody)))
    outs.append(CTxOut(0, CScript(tag)))
    tx = CMutableTransaction([CTxIn(COutPoint(bytes(sweep), vout + vout_shift), CScript(), 0xFFFFFFFD)], outs, 0, 2)
    raw = t.operator.wallet.sign(tx, [(value, custody)])
    dev.btc.mine(1, txs=[raw])
    txid = Txid(raw.GetTxid())
    t._bury(dev.btc.tx(txid).height)
    dev.mine(1)
    return txid


@pytest.mark.parametrize("wrong, reason", [
    (dict(amount_delta=-1), "must exactly match net after fees"),
    (dict(uuid=7), "does not match withdrawal index"),
    (dict(change_script=b"\x00\x14" + b"\x11" * 20), "does not return change to this vault's custody script"),
    (dict(extra_output=True), "two or three outputs"),
])
def test_the_vault_refuses_malformed_payouts(dev, alice, wrong, reason):
    w = _funded_withdrawal(dev, alice)
    txid = _payout(dev, w, **wrong)
    fn = dev.tunnel.vault.functions.finalizeWithdrawal(txid.display_bytes, w.index)
    with reverts(reason):
        fn.call({"from": dev.accounts[3]})


def test_a_payout_must_spend_the_current_sweep_utxo(dev, alice):
    t = dev.tunnel
    w = _funded_withdrawal(dev, alice)
    other = t.deposit(alice, 3 * COIN, recipient=dev.accounts[2])  # a custody coin that is not the sweep UTXO
    dev.btc.mine(1)
    txid = _payout(dev, w, spend=(other.txid, other.vout, other.sats))
    with reverts("must consume the current sweep utxo"):
        t.vault.functions.finalizeWithdrawal(txid.display_bytes, w.index).call({"from": dev.accounts[3]})
    good = _payout(dev, w)  # spending the sweep UTXO: accepted, by anyone
    t.vault.functions.finalizeWithdrawal(good.display_bytes, w.index).transact({"from": dev.accounts[3]})
    assert t.vault_state.functions.isWithdrawalFulfilled(w.index).call()
    assert t.operator.sweep_utxo()[:2] == (good, 1)
    with reverts("must not already be fulfilled"):
        t.vault.functions.finalizeWithdrawal(good.display_bytes, w.index).call({"from": dev.accounts[3]})


def test_other_op_return_sizes_are_skipped_when_reading_the_recipient(dev, alice):
    """BTC-TC SimpleBitcoinVaultUTXOLogicHelper lines 55-72: only 22- or 42-byte OP_RETURN scripts name the
    recipient; a 6-byte one before it is skipped."""
    t = dev.tunnel
    a = dev.accounts[3]
    (u,) = [x for x in alice.utxos if x.mature and x.value >= 10 * COIN][:1]
    outs = [CTxOut(0, CScript(op_return_script(b"hemi"))), CTxOut(2 * COIN, CScript(t.custody_script)),
            CTxOut(0, CScript(op_return_script(bytes.fromhex(a[2:])))),
            CTxOut(u.value - 2 * COIN - 10_000, CScript(alice.script_of()))]
    tx = alice.sign(CMutableTransaction([CTxIn(COutPoint(bytes(u.txid), u.vout), CScript(), 0xFFFFFFFD)], outs, 0, 2),
                    [(u.value, u.script_pubkey)])
    dev.btc.mine(1, txs=[tx])
    d = t.deposit_of(Txid(tx.GetTxid()))
    assert (d.vout, d.recipient) == (1, a)
    t.confirm(d)
    assert t.balance_of(a) == 2 * COIN - t.deposit_fee(2 * COIN)


def test_fee_decreases_apply_at_once_and_increases_after_the_delay(dev):
    t = dev.tunnel
    st, op = t.vault_state.functions, t.operator.address
    assert (st.depositFeeBps().call(), st.minDepositFeeSats().call()) == (10, 10_000)
    assert t.deposit_fee(COIN) == COIN * 10 // 10_000 and t.deposit_fee(1_000_000) == 10_000
    with reverts("outside the bounds of the config"):
        st.changeDepositFeeBps(5).call({"from": op})
    with reverts("caller is not the operator admin"):
        st.changeDepositFeeBps(50).call({"from": dev.accounts[1]})
    st.changeDepositFeeBps(50).transact({"from": op})  # an increase on a live vault: pending for 4 hours
    assert st.depositFeeBps().call() == 10 and st.pendingDepositFeeBps().call() == 50
    with reverts("not enough time has elapsed"):
        st.finalizeDepositFeeBpsUpdate().call()
    dev.time_travel(seconds=st.DEPOSIT_FEE_INCREASE_DELAY_SECONDS().call(), blocks=1)
    st.finalizeDepositFeeBpsUpdate().transact({"from": dev.accounts[2]})
    assert t.deposit_fee(COIN) == COIN * 50 // 10_000
    st.changeDepositFeeBps(20).transact({"from": op})  # a decrease applies at once
    assert st.depositFeeBps().call() == 20 and st.pendingDepositFeeBps().call() == 0


def test_paused_withdrawals_and_the_whitelist(dev, alice):
    t = dev.tunnel
    user, op = dev.accounts[1], t.operator.address
    t.confirm(t.deposit(alice, 2 * COIN, recipient=user))
    cfg, m = t.global_config.functions, t.manager.functions
    carol = dev.btc.wallet("carol").address
    with reverts("caller is not the config admin"):
        cfg.setWithdrawalsPaused(True).call({"from": user})
    cfg.setWithdrawalsPaused(True).transact({"from": op})
    with reverts("withdrawals are paused"):
        m.initiateWithdrawal(0, carol, COIN).call({"from": user})
    cfg.setWithdrawalsPaused(False).transact({"from": op})
    cfg.setWithdrawalWhitelistEnabled(True).transact({"from": op})
    with reverts("not whitelisted to withdraw"):
        m.initiateWithdrawal(0, carol, COIN).call({"from": user})
    cfg.setWithdrawalWhitelisted(user, True).transact({"from": op})
    fee, uuid = m.initiateWithdrawal(0, carol, COIN).call({"from": user})
    assert (fee, uuid) == (t.withdrawal_fee(COIN), 0)


def test_soft_collateral_threshold_limits_deposits_and_hard_threshold_allows_liquidation(dev, alice):
    t = dev.tunnel
    st, cfg, op = t.vault_state.functions, t.global_config.functions, t.operator.address
    user = dev.accounts[1]
    t.confirm(t.deposit(alice, 2 * COIN, recipient=user))
    collateral = st.getOperatorCollateralDeposited().call()
    price = t.global_config.functions.collateralAtomicUnitsPerBTC().call()
    held = st.getTotalDepositsHeld().call()
    assert st.getUtilizedCollateralSoft().call() == held * price * 150 // 100 // COIN
    assert st.getFreeCollateral().call() == collateral - st.getUtilizedCollateralSoft().call()
    with reverts("hard collateral threshold has not been surpassed"):
        st.beginFullCollateralLiquidation().call()
    # a price at which the collateral covers the deposits below 150 %: new deposits are refused
    cfg.setCollateralPrice(collateral * COIN * 100 // 140 // held).transact({"from": op})
    assert st.doesDepositExceedSoftCollateralThreshold(1_000_000).call() is True
    late = t.deposit(alice, 1_000_000, recipient=user)
    with pytest.raises(Exception, match="exceed soft collateralization threshold"):
        t.confirm(late)
    # below 120 %: anyone may start the full liquidation and buy collateral with hemiBTC
    cfg.setCollateralPrice(collateral * COIN * 100 // 110 // held).transact({"from": op})
    st.beginFullCollateralLiquidation().transact({"from": dev.accounts[4]})
    assert st.isFullLiquidationStarted().call() and st.isFullCollateralLiquidationAllowed().call()
    price_now = st.getCurrentFullLiquidationCollateralPrice().call()
    t.token.functions.approve(t.vault_state.address, COIN).transact({"from": user})
    supply = t.total_supply
    st.purchaseCollateralDuringFullLiquidation(COIN, user).transact({"from": user})
    col = dev.w3.eth.contract(address=COLLATERAL_TOKEN_ADDRESS, abi=shipped.load("TunnelCollateral").abi)
    assert col.functions.balanceOf(user).call() == COIN * price_now // COIN
    assert t.total_supply == supply - COIN and st.getTotalDepositsHeld().call() == held - COIN
    with reverts("being fully liquidated"):
        t.manager.functions.initiateWithdrawal(0, dev.btc.wallet("carol").address, 1_000_000).call({"from": user})


def test_create_vault_life_cycle(dev):
    """createVault -> CREATED; collateral -> INITIALIZING; custody address; goLive -> LIVE; the operator fees of
    the first deposit can be minted; a wound-down vault goes CLOSING_INIT."""
    t, m = dev.tunnel, dev.tunnel.manager.functions
    op = dev.accounts[6]
    receipt = dev.w3.eth.get_transaction_receipt(m.createVault(dev.accounts[0], op, 0, b"").transact(
        {"from": dev.accounts[0]}))
    (ev,) = t.manager.events.VaultCreated().process_receipt(receipt)
    assert m.vaultCounter().call() == 2 and m.vaults(1).call() == ev.args.vaultAddress
    assert m.vaultList(ev.args.vaultAddress).call() is True
    vault = dev.w3.eth.contract(address=ev.args.vaultAddress, abi=shipped.load("SimpleBitcoinVault").abi)
    v = vault.functions
    state = dev.w3.eth.contract(address=v.vaultStateChild().call(), abi=shipped.load("SimpleBitcoinVaultState").abi)
    assert v.getStatus().call() == 0 and v.hasNeverGoneLive().call() is True
    assert state.functions.getParentSimpleBitcoinVault().call() == vault.address
    assert state.functions.depositFeeBps().call() == 10  # the config's minimum
    col = dev.w3.eth.contract(address=COLLATERAL_TOKEN_ADDRESS, abi=shipped.load("TunnelCollateral").abi)
    amount = MIN_COLLATERAL_ASSET_AMOUNT * 10
    col.functions.mint(op, amount).transact({"from": op})
    col.functions.approve(vault.address, amount).transact({"from": op})
    with reverts("caller is not the operator admin"):
        v.depositCollateral(amount).call({"from": dev.accounts[1]})
    v.depositCollateral(amount).transact({"from": op})
    assert v.getStatus().call() == 1
    with reverts("custodianship address must be set"):
        v.goLive().call({"from": op})
    with reverts("custody script already used"):  # vault 0's custody address
        v.setBtcCustodianshipAddress(t.custody_address).call({"from": op})
    v.setBtcCustodianshipAddress(dev.btc.wallet("operator-6").address).transact({"from": op})
    v.goLive().transact({"from": op})
    assert v.getStatus().call() == 2 and v.bitcoinCustodyAddress().call() == dev.btc.wallet("operator-6").address
    with reverts("there are no pending fees to mint"):
        m.mintOperatorFees(1, 1).call({"from": op})
    v.windDownVault().transact({"from": op})
    assert v.isWindingDown().call() is True
    dev.time_travel(seconds=v.WIND_DOWN_DEPOSIT_GRACE_PERIOD().call(), blocks=1)
    v.finalizeWindDown().transact({"from": dev.accounts[2]})
    assert v.getStatus().call() == 3  # CLOSING_INIT
    with reverts("vault must be live to accept deposits"):
        m.confirmDeposit(1, b"\x01" * 32, 0, b"").call()


def test_operator_fees_are_minted_as_hemibtc(dev, alice):
    """The first deposit's fee is the operator's at once (it is the sweep UTXO); mintOperatorFees mints it."""
    t = dev.tunnel
    d = t.deposit(alice, 2 * COIN, recipient=dev.accounts[1])
    t.confirm(d)
    fees = t.vault.functions.pendingOperatorFees().call()
    assert fees == t.deposit_fee(2 * COIN)
    with reverts("only the operator admin"):
        t.manager.functions.mintOperatorFees(0, fees).call({"from": dev.accounts[1]})
    t.manager.functions.mintOperatorFees(0, fees).transact({"from": t.operator.address})
    assert t.balance_of(t.operator.address) == fees
    assert t.vault.functions.getNetDeposits().call() == t.total_supply == 2 * COIN
    report = t.audit()
    assert report.operator_fee_sats == fees and report.reconciles and report.ok


def test_a_spend_of_the_sweep_utxo_outside_the_protocol_is_reportable(dev, alice):
    """BTC-TC reportInvalidSweepSpend: a transaction spending the sweep UTXO that is neither a payout of a pending
    withdrawal nor a sweep proves misbehaviour; the vault becomes open to full liquidation."""
    t = dev.tunnel
    st = t.vault_state.functions
    t.confirm(t.deposit(alice, 2 * COIN, recipient=dev.accounts[1]))
    sweep, vout, value = t.operator.sweep_utxo()
    steal = CMutableTransaction([CTxIn(COutPoint(bytes(sweep), vout), CScript(), 0xFFFFFFFD)],
                                [CTxOut(value - 5_000, CScript(dev.btc.wallet("bob").script_of()))], 0, 2)
    txid = dev.btc.send_raw(t.operator.wallet.sign(steal, [(value, t.custody_script)]))
    dev.btc.mine(1)
    t._bury(dev.btc.tx(txid).height)
    dev.mine(1)
    with reverts("does not spend the current sweep utxo"):  # the deposit itself spends alice's coin
        t.vault.functions.reportInvalidSweepSpend(sweep.display_bytes, 0).call()
    assert st.isFullCollateralLiquidationAllowed().call() is False
    t.vault.functions.reportInvalidSweepSpend(txid.display_bytes, 0).transact({"from": dev.accounts[5]})
    assert st.isFullCollateralLiquidationAllowed().call() is True
    st.beginFullCollateralLiquidation().transact({"from": dev.accounts[5]})  # no price drop needed now
    assert st.isFullLiquidationStarted().call() is True


def test_a_payout_of_a_pending_withdrawal_is_not_reportable(dev, alice):
    w = _funded_withdrawal(dev, alice)
    txid = _payout(dev, w)
    assert dev.tunnel.vault.functions.reportInvalidSweepSpend(txid.display_bytes, 0).call() is False
