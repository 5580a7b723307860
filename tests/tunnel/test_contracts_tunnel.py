"""The Bitcoin tunnel contracts (contracts/tunnel/) on a devchain without the tunnel predeploy, set up by hand.

Runtime code is written at the Hemi mainnet addresses (hemiBTC, BitcoinTunnelManager) and at the hemi-sdk vault
address, then `SimpleBitcoinVault.initialize(custodyScript, operator)` and `BitcoinTunnelManager.initialize(vault)`
run once. Every check of the contracts reads the embedded Bitcoin chain through hBK (hemi-protocol.md §3.1).
"""

from __future__ import annotations

from pathlib import Path

import pytest
from bitcoin.core import COutPoint, CMutableTransaction, CTxIn, CTxOut
from bitcoin.core.script import CScript
from eth_utils import keccak, to_checksum_address
from web3.exceptions import ContractLogicError
from web3.logs import DISCARD

from hemi.btc import COIN
from hemi.btc.script import op_return_script
from hemi.compiler import compile as compile_sol
from hemi.node.devchain import HBK_ADDRESS, Devchain
from hemi.types import Txid

ROOT = Path(__file__).resolve().parents[2]
CONTRACTS = ROOT / "contracts"

MANAGER = "0xEAcA824F46c000fB89403846Bb57e6b913321081"
HEMI_BTC = "0xAA40c0c7644e0b2B224509571e10ad20d9C4ef28"
VAULT = "0x84000000000000000000000000000000000000B7"
MIN_SATS = 1_000_000
GRACE = 12 * 3600
DEPOSIT_FEE = 1_000
WITHDRAWAL_FEE = 10_000


@pytest.fixture(scope="module")
def arts():
    return compile_sol([CONTRACTS / "tunnel"], base_path=CONTRACTS)


@pytest.fixture(scope="module")
def world(arts):
    dev = Devchain(predeploy_tunnel=False)
    btc, w3 = dev.btc, dev.w3
    for addr, name in ((HEMI_BTC, "HemiBitcoin"), (MANAGER, "BitcoinTunnelManager"), (VAULT, "SimpleBitcoinVault")):
        dev.set_code(addr, arts[name].deployed_bytecode)
    token = w3.eth.contract(address=HEMI_BTC, abi=arts["HemiBitcoin"].abi)
    manager = w3.eth.contract(address=MANAGER, abi=arts["BitcoinTunnelManager"].abi)
    vault = w3.eth.contract(address=VAULT, abi=arts["SimpleBitcoinVault"].abi)
    operator = btc.wallet("operator")
    btc.mine(101, to=btc.wallet("alice").address)
    btc.mine(5, to=operator.address)  # the operator's custody wallet also holds coins of its own
    btc.mine(100)
    dev.sync_btc()
    admin, op_account = dev.accounts[0], dev.accounts[9]
    vault.functions.initialize(operator.script_of(), op_account).transact({"from": admin})
    manager.functions.initialize(VAULT).transact({"from": admin})
    return dev, token, manager, vault


def bury(dev, blocks: int) -> None:
    dev.btc.mine(blocks)
    dev.sync_btc()


def deposit(dev, sats: int, recipient_data, *, to=None) -> Txid:
    btc = dev.btc
    custody = to if to is not None else btc.wallet("operator").address
    pay = btc.wallet("alice").build_tx(outputs=[(custody, sats)], op_return=recipient_data)
    return btc.send_raw(pay)


def confirm(dev, manager, txid: Txid, vout: int = 0, sender=None):
    h = manager.functions.confirmDeposit(0, txid.display_bytes, vout, b"").transact(
        {"from": sender or dev.accounts[5]})
    return dev.w3.eth.get_transaction_receipt(h)


def reverts(reason: str):
    return pytest.raises(ContractLogicError, match=reason)


def funded(dev, manager, account, sats: int) -> None:
    txid = deposit(dev, sats + DEPOSIT_FEE, bytes.fromhex(account[2:]))
    bury(dev, 4)
    confirm(dev, manager, txid)


# ------------------------------------------------------------------------------------------------ setup


def test_setup_and_getters(world):
    dev, token, manager, vault = world
    assert token.functions.name().call() == "Hemi Bitcoin"
    assert token.functions.symbol().call() == "hemiBTC"
    assert token.functions.decimals().call() == 8
    assert token.functions.totalSupply().call() == 0
    assert token.functions.tunnelManager().call() == MANAGER
    assert manager.functions.vaults(0).call() == VAULT
    assert manager.functions.vaults(1).call() == "0x" + "00" * 20
    assert manager.functions.vaultCounter().call() == 1
    assert manager.functions.btcTokenContract().call() == HEMI_BTC
    assert manager.functions.originalBitcoinKitContract().call() == HBK_ADDRESS
    assert manager.functions.globalConfig().call() == "0x" + "00" * 20
    assert vault.functions.custodyScript().call() == dev.btc.wallet("operator").script_of()
    assert vault.functions.operator().call() == dev.accounts[9]
    assert vault.functions.depositFeeSats().call() == DEPOSIT_FEE
    assert vault.functions.withdrawalFeeSats().call() == WITHDRAWAL_FEE
    assert vault.functions.initialized().call() is True


def test_initialize_runs_once(world):
    dev, _, manager, vault = world
    with reverts("tunnel manager already initialized"):
        manager.functions.initialize(VAULT).transact({"from": dev.accounts[1]})
    with reverts("vault already initialized"):
        vault.functions.initialize(b"\x51", dev.accounts[1]).transact({"from": dev.accounts[1]})


def test_manager_refuses_an_uninitialized_vault(arts):
    dev = Devchain(predeploy_tunnel=False)
    dev.set_code(MANAGER, arts["BitcoinTunnelManager"].deployed_bytecode)
    dev.set_code(VAULT, arts["SimpleBitcoinVault"].deployed_bytecode)
    manager = dev.w3.eth.contract(address=MANAGER, abi=arts["BitcoinTunnelManager"].abi)
    with reverts("vault not initialized"):
        manager.functions.initialize(VAULT).transact({"from": dev.accounts[0]})
    with reverts("vault has no code"):
        manager.functions.initialize(dev.accounts[3]).transact({"from": dev.accounts[0]})
    with reverts("unknown vault"):
        manager.functions.confirmDeposit(0, b"\x01" * 32, 0, b"").transact({"from": dev.accounts[0]})


def test_only_the_manager_mints_burns_and_drives_the_vault(world):
    dev, token, _, vault = world
    user = dev.accounts[1]
    with reverts("caller is not the tunnel manager"):
        token.functions.mintBTC(user, 1).transact({"from": user})
    with reverts("caller is not the tunnel manager"):
        token.functions.burnBTC(user, 0).transact({"from": user})
    with reverts("caller is not the tunnel manager"):
        vault.functions.confirmDeposit(b"\x01" * 32, 0, b"").transact({"from": user})
    with reverts("caller is not the tunnel manager"):
        vault.functions.initiateWithdrawal(b"\x00" * 22, MIN_SATS, user).transact({"from": user})
    with reverts("caller is not the tunnel manager"):
        vault.functions.challengeWithdrawal(1, b"").transact({"from": user})
    with reverts("caller is not the operator"):
        vault.functions.setFees(0, 0).transact({"from": user})


def test_preconfirmation_is_not_used(world):
    dev, _, manager, _ = world
    with reverts("deposit preconfirmation is not used"):
        manager.functions.preconfirmDeposit(0, b"\x01" * 32, 0, b"").call()


# ------------------------------------------------------------------------------------------------ deposits


@pytest.mark.parametrize("form", ["raw20", "hex-checksummed", "hex-lower", "hex-upper"])
def test_deposit_mints_net_sats_to_the_op_return_recipient(world, form):
    dev, token, manager, vault = world
    recipient = dev.accounts[2]
    data = {
        "raw20": bytes.fromhex(recipient[2:]),
        "hex-checksummed": recipient[2:].encode(),
        "hex-lower": recipient[2:].lower().encode(),
        "hex-upper": recipient[2:].upper().encode(),
    }[form]
    with dev.anchor():
        sats = 2 * MIN_SATS + 123
        txid = deposit(dev, sats, data)
        bury(dev, 4)
        assert dev.bitcoin_kit.functions.getTxConfirmations(txid.display_bytes).call() == 4
        assert vault.functions.isDepositConfirmed(txid.display_bytes).call() is False
        rcpt = confirm(dev, manager, txid)
        (ev,) = manager.events.DepositConfirmed().process_receipt(errors=DISCARD, txn_receipt=rcpt)
        assert ev.args.vault == VAULT and ev.args.recipient == recipient
        assert ev.args.depositTxId == txid.display_bytes
        assert ev.args.depositSats == sats and ev.args.netSatsAfterFee == sats - DEPOSIT_FEE
        (mint,) = token.events.Transfer().process_receipt(errors=DISCARD, txn_receipt=rcpt)
        assert mint.args["from"] == "0x" + "00" * 20 and mint.args.to == recipient
        assert token.functions.balanceOf(recipient).call() == sats - DEPOSIT_FEE
        assert token.functions.totalSupply().call() == sats - DEPOSIT_FEE
        assert vault.functions.isDepositConfirmed(txid.display_bytes).call() is True
        rec = vault.functions.getDeposit(txid.display_bytes).call()
        assert rec[:5] == [recipient, 0, sats, DEPOSIT_FEE, sats - DEPOSIT_FEE] or \
            tuple(rec[:5]) == (recipient, 0, sats, DEPOSIT_FEE, sats - DEPOSIT_FEE)
        assert vault.functions.totals().call() == [sats, DEPOSIT_FEE, sats - DEPOSIT_FEE, 0, 0, 0,
                                                   sats - DEPOSIT_FEE]
        with reverts("deposit already confirmed"):
            confirm(dev, manager, txid)


def test_deposit_needs_four_confirmations(world):
    dev, _, manager, _ = world
    with dev.anchor():
        txid = deposit(dev, MIN_SATS, bytes.fromhex(dev.accounts[2][2:]))
        bury(dev, 3)
        assert dev.bitcoin_kit.functions.getTxConfirmations(txid.display_bytes).call() == 3
        with reverts("not enough bitcoin confirmations"):
            confirm(dev, manager, txid)
        bury(dev, 1)
        confirm(dev, manager, txid)


def test_unknown_or_unconfirmed_deposit_tx(world):
    dev, _, manager, _ = world
    with dev.anchor():
        with reverts("deposit transaction not found"):
            confirm(dev, manager, Txid(b"\x42" * 32))
        txid = deposit(dev, MIN_SATS, bytes.fromhex(dev.accounts[2][2:]))  # in the mempool only
        with reverts("deposit transaction not found"):
            confirm(dev, manager, txid)


def test_deposit_below_minimum(world):
    dev, _, manager, _ = world
    with dev.anchor():
        txid = deposit(dev, MIN_SATS - 1, bytes.fromhex(dev.accounts[2][2:]))
        bury(dev, 4)
        with reverts("below minimum deposit"):
            confirm(dev, manager, txid)


def test_deposit_to_another_script_or_output(world):
    dev, _, manager, _ = world
    with dev.anchor():
        other = deposit(dev, 2 * MIN_SATS, bytes.fromhex(dev.accounts[2][2:]), to=dev.btc.wallet("bob").address)
        # same key, other kind: a different script is a different custody
        p2tr = deposit(dev, 2 * MIN_SATS, bytes.fromhex(dev.accounts[2][2:]),
                       to=dev.btc.wallet("operator").address_of("p2tr"))
        good = deposit(dev, 2 * MIN_SATS, bytes.fromhex(dev.accounts[2][2:]))
        bury(dev, 4)
        for txid in (other, p2tr):
            with reverts("deposit output does not pay the custody script"):
                confirm(dev, manager, txid)
        with reverts("deposit output does not pay the custody script"):
            confirm(dev, manager, good, vout=1)  # the OP_RETURN output
        with reverts("deposit output index out of range"):
            confirm(dev, manager, good, vout=5)
        with reverts("deposit output index must be below 8"):
            confirm(dev, manager, good, vout=8)
        confirm(dev, manager, good, vout=0)


@pytest.mark.parametrize("data", [
    None,  # no OP_RETURN at all
    b"hemi",  # neither 20 nor 40 bytes
    b"\x00" * 20,  # the zero address
    b"zz" + b"11" * 19,  # 40 characters, not all hex
    b"0x" + b"11" * 19,  # 40 characters with a 0x prefix
    b"\x11" * 21,
    b"\x11" * 19,
])
def test_deposit_with_a_bad_recipient(world, data):
    dev, _, manager, _ = world
    with dev.anchor():
        txid = deposit(dev, 2 * MIN_SATS, data)
        bury(dev, 4)
        with reverts("invalid deposit recipient"):
            confirm(dev, manager, txid)


def _raw_deposit(dev, outputs):
    """A deposit with exactly these (scriptPubKey, sats) outputs, mined directly (relay policy would refuse a second
    OP_RETURN); returns its txid after 4 confirmations."""
    alice = dev.btc.wallet("alice")
    (u,) = [x for x in alice.utxos if x.mature and x.value >= 10 * COIN][:1]
    outs = [CTxOut(v, CScript(spk)) for spk, v in outputs]
    outs.append(CTxOut(u.value - sum(v for _, v in outputs) - 10_000, CScript(alice.script_of())))
    tx = CMutableTransaction([CTxIn(COutPoint(bytes(u.txid), u.vout), CScript(), 0xFFFFFFFD)], outs, 0, 2)
    signed = alice.sign(tx, [(u.value, u.script_pubkey)])
    dev.btc.mine(1, txs=[signed])
    bury(dev, 3)
    return Txid(signed.GetTxid())


def test_the_first_op_return_names_the_recipient(world):
    dev, token, manager, _ = world
    custody = dev.btc.wallet("operator").script_of()
    a, b = dev.accounts[3], dev.accounts[4]
    with dev.anchor():
        txid = _raw_deposit(dev, [(op_return_script(bytes.fromhex(a[2:])), 0), (custody, 3 * MIN_SATS),
                                  (op_return_script(bytes.fromhex(b[2:])), 0)])
        confirm(dev, manager, txid, vout=1)
        assert token.functions.balanceOf(a).call() == 3 * MIN_SATS - DEPOSIT_FEE
        assert token.functions.balanceOf(b).call() == 0
    with dev.anchor():  # a malformed first OP_RETURN is not skipped
        txid = _raw_deposit(dev, [(custody, 3 * MIN_SATS), (op_return_script(b"junk"), 0),
                                  (op_return_script(bytes.fromhex(b[2:])), 0)])
        with reverts("invalid deposit recipient"):
            confirm(dev, manager, txid)
    with dev.anchor():  # only the first 8 outputs count
        filler = [(dev.btc.wallet("bob").script_of(), 10_000)] * 8
        txid = _raw_deposit(dev, [(custody, 3 * MIN_SATS)] + filler + [(op_return_script(bytes.fromhex(b[2:])), 0)])
        with reverts("invalid deposit recipient"):
            confirm(dev, manager, txid)


def test_operator_fee_changes(world):
    dev, token, manager, vault = world
    op = dev.accounts[9]
    with dev.anchor():
        with reverts("fee too high"):
            vault.functions.setFees(MIN_SATS, 0).transact({"from": op})
        vault.functions.setFees(MIN_SATS - 1, 0).transact({"from": op})
        txid = deposit(dev, MIN_SATS - 1, bytes.fromhex(dev.accounts[2][2:]))
        exact = deposit(dev, MIN_SATS, bytes.fromhex(dev.accounts[2][2:]))
        bury(dev, 4)
        with reverts("below minimum deposit"):
            confirm(dev, manager, txid)
        confirm(dev, manager, exact)
        assert token.functions.balanceOf(dev.accounts[2]).call() == 1


# ------------------------------------------------------------------------------------------------ hemiBTC


def test_erc20_transfers_and_allowances(world):
    dev, token, manager, _ = world
    a, b, c = dev.accounts[2], dev.accounts[3], dev.accounts[4]
    with dev.anchor():
        funded(dev, manager, a, 5 * MIN_SATS)
        rcpt = dev.w3.eth.get_transaction_receipt(token.functions.transfer(b, MIN_SATS).transact({"from": a}))
        (ev,) = token.events.Transfer().process_receipt(errors=DISCARD, txn_receipt=rcpt)
        assert (ev.args["from"], ev.args.to, ev.args.value) == (a, b, MIN_SATS)
        with reverts("transfer amount exceeds balance"):
            token.functions.transfer(c, MIN_SATS + 1).transact({"from": b})
        with reverts("transfer to the zero address"):
            token.functions.transfer("0x" + "00" * 20, 1).transact({"from": a})
        rcpt = dev.w3.eth.get_transaction_receipt(token.functions.approve(c, 300).transact({"from": a}))
        (ev,) = token.events.Approval().process_receipt(errors=DISCARD, txn_receipt=rcpt)
        assert (ev.args.owner, ev.args.spender, ev.args.value) == (a, c, 300)
        token.functions.transferFrom(a, b, 200).transact({"from": c})
        assert token.functions.allowance(a, c).call() == 100
        with reverts("insufficient allowance"):
            token.functions.transferFrom(a, b, 101).transact({"from": c})
        token.functions.approve(c, 2**256 - 1).transact({"from": a})
        token.functions.transferFrom(a, c, 1000).transact({"from": c})
        assert token.functions.allowance(a, c).call() == 2**256 - 1
        assert token.functions.balanceOf(a).call() == 4 * MIN_SATS - 1200
        assert token.functions.balanceOf(b).call() == MIN_SATS + 200
        assert token.functions.balanceOf(c).call() == 1000
        assert token.functions.totalSupply().call() == 5 * MIN_SATS


# ------------------------------------------------------------------------------------------------ withdrawals


def withdraw(dev, manager, account, btc_address: str, amount: int):
    h = manager.functions.initiateWithdrawal(0, btc_address, amount).transact({"from": account})
    rcpt = dev.w3.eth.get_transaction_receipt(h)
    (ev,) = manager.events.WithdrawalInitiated().process_receipt(errors=DISCARD, txn_receipt=rcpt)
    return ev, rcpt


def test_initiate_withdrawal_burns_and_records(world):
    dev, token, manager, vault = world
    user = dev.accounts[2]
    carol = dev.btc.wallet("carol")
    with dev.anchor():
        funded(dev, manager, user, 3 * MIN_SATS)
        amount = 2 * MIN_SATS
        fee, uuid = manager.functions.initiateWithdrawal(0, carol.address, amount).call({"from": user})
        assert (fee, uuid) == (WITHDRAWAL_FEE, 1)
        ev, rcpt = withdraw(dev, manager, user, carol.address, amount)
        assert ev.args.vault == VAULT and ev.args.withdrawer == user
        assert ev.args.btcAddress == keccak(text=carol.address)  # an indexed string is its hash
        assert (ev.args.withdrawalSats, ev.args.netSatsAfterFee, ev.args.uuid) == (amount, amount - fee, 1)
        (burn,) = token.events.Transfer().process_receipt(errors=DISCARD, txn_receipt=rcpt)
        assert (burn.args["from"], burn.args.to, burn.args.value) == (user, "0x" + "00" * 20, amount)
        assert token.functions.balanceOf(user).call() == MIN_SATS
        w = vault.functions.getWithdrawal(1).call()
        assert (w[0], w[1], w[2], w[3]) == (user, amount, fee, carol.script_of())
        assert w[4] == dev.w3.eth.get_block(rcpt.blockNumber).timestamp and w[5] == 1 and w[6] == b"\x00" * 32
        assert vault.functions.pendingWithdrawals().call() == 1
        assert vault.functions.withdrawalCounter().call() == 1
        # other address kinds convert through hBK too
        _, _ = withdraw(dev, manager, user, carol.address_of("p2tr"), MIN_SATS)
        assert vault.functions.getWithdrawal(2).call()[3] == carol.script_of("p2tr")
        assert token.functions.totalSupply().call() == 0
        assert vault.functions.outstandingSats().call() == 0


def test_initiate_withdrawal_checks(world):
    dev, token, manager, vault = world
    user = dev.accounts[2]
    carol = dev.btc.wallet("carol").address
    with dev.anchor():
        funded(dev, manager, user, 7 * MIN_SATS)
        with reverts("below minimum withdrawal"):
            manager.functions.initiateWithdrawal(0, carol, MIN_SATS - 1).transact({"from": user})
        with reverts("insufficient hemiBTC balance"):
            manager.functions.initiateWithdrawal(0, carol, MIN_SATS).transact({"from": dev.accounts[3]})
        with reverts("unknown vault"):
            manager.functions.initiateWithdrawal(1, carol, MIN_SATS).transact({"from": user})
        for bad in ("not an address", "", "bc1qar0srrr7xfkvy5l643lydnw9re59gtzzwf5mdq",  # mainnet
                    "1BoatSLRHtKNngkdXEeobR76b53LETtpyT", carol[:-1] + ("q" if carol[-1] != "q" else "p")):
            with reverts("invalid bitcoin address"):
                manager.functions.initiateWithdrawal(0, bad, MIN_SATS).transact({"from": user})
        for _ in range(5):
            withdraw(dev, manager, user, carol, MIN_SATS)
        with reverts("withdrawal queue full"):
            manager.functions.initiateWithdrawal(0, carol, MIN_SATS).transact({"from": user})
        assert token.functions.balanceOf(user).call() == 2 * MIN_SATS


def test_challenge_after_the_grace_period_remints(world):
    dev, token, manager, vault = world
    user = dev.accounts[2]
    with dev.anchor():
        funded(dev, manager, user, 2 * MIN_SATS)
        ev, _ = withdraw(dev, manager, user, dev.btc.wallet("carol").address, 2 * MIN_SATS)
        uuid = ev.args.uuid
        assert token.functions.balanceOf(user).call() == 0
        with reverts("withdrawal grace period not over"):
            manager.functions.challengeWithdrawal(uuid, b"").transact({"from": dev.accounts[6]})
        dev.time_travel(seconds=GRACE + 1)
        dev.mine()
        h = manager.functions.challengeWithdrawal(uuid, b"").transact({"from": dev.accounts[6]})
        rcpt = dev.w3.eth.get_transaction_receipt(h)
        (c,) = manager.events.WithdrawalChallengeSuccess().process_receipt(errors=DISCARD, txn_receipt=rcpt)
        assert (c.args.vault, c.args.withdrawer, c.args.uuid) == (VAULT, user, uuid)
        assert token.functions.balanceOf(user).call() == 2 * MIN_SATS
        assert vault.functions.getWithdrawal(1).call()[5] == 3  # CHALLENGED
        assert vault.functions.pendingWithdrawals().call() == 0
        assert vault.functions.totals().call() == [2 * MIN_SATS + DEPOSIT_FEE, DEPOSIT_FEE, 2 * MIN_SATS,
                                                   2 * MIN_SATS, 2 * MIN_SATS, 0, 2 * MIN_SATS]
        assert token.functions.totalSupply().call() == vault.functions.outstandingSats().call()
        with reverts("withdrawal already challenged"):
            manager.functions.challengeWithdrawal(uuid, b"").transact({"from": dev.accounts[6]})
        with reverts("unknown withdrawal"):
            manager.functions.challengeWithdrawal(uuid + 1, b"").transact({"from": dev.accounts[6]})
        with reverts("unknown vault"):
            manager.functions.challengeWithdrawal((1 << 32) | uuid, b"").transact({"from": dev.accounts[6]})


def payout(dev, *, dest_script: bytes, sats: int, uuid_data: bytes, change: bool = True, extra_input=False,
           change_script=None, mine=True, wallet=None):
    """The operator's Bitcoin payout: spends one custody output; out0 to the withdrawer, optional change, then an
    OP_RETURN carrying the vault uuid."""
    op = dev.btc.wallet("operator")
    payer = wallet or op
    utxos = [u for u in payer.utxos if u.mature and u.script_pubkey == payer.script_of()]
    # big enough for the payout, non-coinbase first (hBK cannot read coinbase transactions)
    utxos = [u for u in utxos if u.value >= sats + 3_000]
    utxos.sort(key=lambda u: (u.coinbase, -u.value))
    spent = utxos[:2] if extra_input else utxos[:1]
    total = sum(u.value for u in spent)
    outs = [CTxOut(sats, CScript(dest_script))]
    if change:
        outs.append(CTxOut(total - sats - 2_000, CScript(change_script or op.script_of())))
    outs.append(CTxOut(0, CScript(op_return_script(uuid_data))))
    tx = CMutableTransaction([CTxIn(COutPoint(bytes(u.txid), u.vout), CScript(), 0xFFFFFFFD) for u in spent],
                             outs, 0, 2)
    signed = payer.sign(tx, [(u.value, u.script_pubkey) for u in spent])
    if mine:
        dev.btc.mine(1, txs=[signed])
    return Txid(signed.GetTxid())


def test_finalize_withdrawal_with_a_real_payout(world):
    dev, token, manager, vault = world
    user, carol = dev.accounts[2], dev.btc.wallet("carol")
    with dev.anchor():
        funded(dev, manager, user, 3 * MIN_SATS)
        ev, _ = withdraw(dev, manager, user, carol.address, 2 * MIN_SATS)
        uuid = ev.args.uuid
        assert uuid == 1
        net = 2 * MIN_SATS - WITHDRAWAL_FEE
        idx = uuid & 0xFFFFFFFF
        dest = carol.script_of()
        tag = idx.to_bytes(4, "big")
        wrong = {
            "payout amount mismatch": payout(dev, dest_script=dest, sats=net + 1, uuid_data=tag),
            "payout destination mismatch": payout(dev, dest_script=carol.script_of("p2tr"), sats=net, uuid_data=tag),
            "payout OP_RETURN does not carry the withdrawal uuid": payout(dev, dest_script=dest, sats=net,
                                                                          uuid_data=(idx + 1).to_bytes(4, "big")),
            "payout change must return to the custody script": payout(
                dev, dest_script=dest, sats=net, uuid_data=tag, change_script=dev.btc.wallet("bob").script_of()),
            "payout must spend exactly one input": payout(dev, dest_script=dest, sats=net, uuid_data=tag,
                                                          extra_input=True),
        }
        short_tag = payout(dev, dest_script=dest, sats=net, uuid_data=tag[:3])
        bury(dev, 3)
        for reason, txid in wrong.items():
            with reverts(reason):
                vault.functions.finalizeWithdrawal(txid.display_bytes, idx).transact({"from": dev.accounts[7]})
        with reverts("payout OP_RETURN does not carry the withdrawal uuid"):
            vault.functions.finalizeWithdrawal(short_tag.display_bytes, idx).transact({"from": dev.accounts[7]})

        # a payout from a wallet that is not the custody
        bob = dev.btc.wallet("bob")
        dev.btc.wallet("alice").send(bob.address, COIN)
        dev.btc.mine(1)
        foreign = payout(dev, dest_script=dest, sats=net, uuid_data=tag, wallet=bob)
        bury(dev, 3)
        with reverts("payout must spend a custody output"):
            vault.functions.finalizeWithdrawal(foreign.display_bytes, idx).transact({"from": dev.accounts[7]})

        # the deployed hBK reads coinbase transactions too (their outputs; the hVM cannot describe their input)
        op = dev.btc.wallet("operator")
        cb = [u for u in op.utxos if u.coinbase and u.mature][0]
        assert dev.bitcoin_kit.functions.transactionExists(bytes(cb.txid)[::-1]).call() is True
        out = dev.bitcoin_kit.functions.getSpecificTxOutput(bytes(cb.txid)[::-1], cb.vout).call()
        assert (out[0], out[1]) == (cb.value, bytes(cb.script_pubkey))

        good = payout(dev, dest_script=dest, sats=net, uuid_data=tag + b"extra")
        bury(dev, 2)
        with reverts("not enough bitcoin confirmations"):
            vault.functions.finalizeWithdrawal(good.display_bytes, idx).transact({"from": dev.accounts[7]})
        with reverts("payout transaction not found"):
            vault.functions.finalizeWithdrawal(b"\x42" * 32, idx).transact({"from": dev.accounts[7]})
        bury(dev, 1)
        h = vault.functions.finalizeWithdrawal(good.display_bytes, idx).transact({"from": dev.accounts[7]})
        (fin,) = vault.events.WithdrawalFinalized().process_receipt(errors=DISCARD, txn_receipt=dev.w3.eth.get_transaction_receipt(h))
        assert (fin.args.withdrawalIndex, fin.args.payoutTxId, fin.args.withdrawer, fin.args.netSats) == \
            (idx, good.display_bytes, user, net)
        w = vault.functions.getWithdrawal(idx).call()
        assert w[5] == 2 and w[6] == good.display_bytes
        assert vault.functions.isPayoutUsed(good.display_bytes).call() is True
        assert vault.functions.pendingWithdrawals().call() == 0
        assert dev.btc.balance(carol.address) >= net
        with reverts("withdrawal already finalized"):
            vault.functions.finalizeWithdrawal(good.display_bytes, idx).transact({"from": dev.accounts[7]})
        dev.time_travel(seconds=GRACE + 1)
        dev.mine()
        with reverts("withdrawal already finalized"):
            manager.functions.challengeWithdrawal(uuid, b"").transact({"from": dev.accounts[7]})
        # the same payout cannot serve a second withdrawal
        ev2, _ = withdraw(dev, manager, user, carol.address, MIN_SATS)
        with reverts("payout transaction already used"):
            vault.functions.finalizeWithdrawal(good.display_bytes, ev2.args.uuid).transact({"from": dev.accounts[7]})
        totals = vault.functions.totals().call()
        assert totals[3] == 3 * MIN_SATS and totals[5] == 2 * MIN_SATS
        assert token.functions.totalSupply().call() == vault.functions.outstandingSats().call() == 0


def test_finalize_without_change_output(world):
    dev, _, manager, vault = world
    user, carol = dev.accounts[2], dev.btc.wallet("carol")
    op = dev.btc.wallet("operator")
    with dev.anchor():
        funded(dev, manager, user, 2 * MIN_SATS)
        withdraw(dev, manager, user, carol.address_of("p2pkh"), 2 * MIN_SATS)
        # the deposit's custody output (2 BTC-cents + fee) is spent whole: payout + OP_RETURN, rest is miner fee
        (u,) = [x for x in op.utxos if x.value == 2 * MIN_SATS + DEPOSIT_FEE]
        net = 2 * MIN_SATS - WITHDRAWAL_FEE
        tx = CMutableTransaction([CTxIn(COutPoint(bytes(u.txid), u.vout), CScript(), 0xFFFFFFFD)],
                                 [CTxOut(net, CScript(carol.script_of("p2pkh"))),
                                  CTxOut(0, CScript(op_return_script((1).to_bytes(4, "big"))))], 0, 2)
        txid = dev.btc.send_raw(op.sign(tx, [(u.value, u.script_pubkey)]))
        bury(dev, 4)
        vault.functions.finalizeWithdrawal(txid.display_bytes, 1).transact({"from": dev.accounts[7]})
        assert vault.functions.getWithdrawal(1).call()[5] == 2


def test_finalize_unknown_withdrawal(world):
    dev, _, _, vault = world
    with reverts("unknown withdrawal"):
        vault.functions.finalizeWithdrawal(b"\x01" * 32, 7).transact({"from": dev.accounts[7]})


def test_addresses_are_checksummed_constants(arts):
    for a in (MANAGER, HEMI_BTC, VAULT, HBK_ADDRESS):
        assert to_checksum_address(a) == a
    assert len(bytes.fromhex(arts["SimpleBitcoinVault"].deployed_bytecode.removeprefix("0x"))) < 24_576
