"""The main demo: what the embedded devchain does, in one run (``hemi demo`` or ``python -m hemi.demo``).

1. Bitcoin: mine, fund wallets, send to every address kind, prove a payment with a merkle proof, reorganise the
   chain under a payment and show where each transaction ended up.
2. hVM: a Solidity contract (hBK, at its Hemi mainnet address) reads that Bitcoin chain through the precompiles,
   under Hemi's lagging view.
3. Proof-of-Proof: a contract call that consumed a Bitcoin payment is driven to superfinality, and its provenance
   (Bitcoin proof, Hemi ordering, PoP anchoring) is printed and verified.
"""

from __future__ import annotations

import time

from eth_typing import HexStr
from rich.console import Console
from rich.table import Table

from hemi.btc import COIN, BitcoinChain, verify_merkle_proof


def btc_amount(sats: int) -> str:
    return f"{sats / COIN:,.8f} BTC"


def run_bitcoin_demo(console: Console, *, seed: int = 0) -> BitcoinChain:
    t0 = time.perf_counter()
    btc = BitcoinChain(seed=seed)
    alice, bob = btc.wallet("alice"), btc.wallet("bob")
    console.rule("[bold]Embedded Bitcoin regtest chain")
    console.print(f"genesis {btc.tip} (the real regtest genesis), seed={seed}")

    btc.mine(101, to=alice.address)
    console.print(f"mined 101 blocks to alice {alice.address}: spendable {btc_amount(alice.balance)}, "
                  f"immature {btc_amount(alice.immature_balance)} (coinbase maturity 100)")

    table = Table(title="alice pays bob on every address kind")
    for col in ("kind", "bob's address", "txid", "confirmations"):
        table.add_column(col)
    sent = {}
    for kind, address in bob.addresses.items():
        sent[kind] = alice.send(address, 2 * COIN, op_return=f"hemi:{kind}" if kind == "p2tr" else None)
    console.print(f"mempool: {len(btc.mempool)} txs, fee rates "
                  f"{sorted(round(t.fee_rate, 2) for t in btc.mempool)} sat/vB")
    (block,) = btc.mine()
    for kind, txid in sent.items():
        table.add_row(kind, bob.addresses[kind], str(txid)[:16] + "…", str(btc.confirmations(txid)))
    console.print(table)

    spend = bob.send(alice.addresses["p2tr"], 9 * COIN)  # needs all five of bob's outputs, one of each kind
    btc.mine()
    info = btc.tx(spend)
    console.print(f"bob spent {len(info.tx.vin)} inputs, one per address kind (legacy, BIP 143 and BIP 341 "
                  f"signatures) in {spend}, "
                  f"fee {info.fee} sats")

    proof = btc.merkle_proof(sent["p2wpkh"])
    console.print(f"merkle proof of {proof.txid} in block {proof.block_hash} at index {proof.index}: "
                  f"{len(proof.branch)} hashes, verifies={verify_merkle_proof(proof)}")

    console.rule("[bold]A reorg under bob's payment")
    old_tip, victim, keep = btc.tip, spend, sent["p2wpkh"]
    new = btc.reorg(2, drop=[victim])
    console.print(f"replaced the top 2 blocks (old tip {old_tip}) with {len(new)} heavier blocks; "
                  f"new tip {btc.tip} at height {btc.height}")
    for label, txid in (("alice→bob p2wpkh", keep), ("bob→alice (dropped)", victim)):
        try:
            where = f"{btc.confirmations(txid)} confirmations, block {btc.tx(txid).height}"
        except Exception as err:  # noqa: BLE001 - the demo shows what a user would see
            where = f"gone: {type(err).__name__}"
        console.print(f"  {label}: {where}")
    console.print(f"  chain tips: {[(t.height, t.status) for t in btc.chain_tips()]}")
    console.print(f"  bob's balance back to {btc_amount(bob.balance)}")

    with btc.anchor():
        btc.mine(50)
    console.print(f"anchor(): mined 50 blocks inside, reverted to height {btc.height} on exit")
    console.print(f"[green]done in {(time.perf_counter() - t0) * 1000:.0f} ms")
    return btc


def run_hvm_demo(console: Console, *, seed: int = 0) -> None:
    from hemi.devchain import Devchain  # deferred: the Bitcoin demo runs without py-evm and web3

    t0 = time.perf_counter()
    console.rule("[bold]A contract reads Bitcoin (hVM + hBK)")
    dev = Devchain(seed=seed)
    btc, kit = dev.btc, dev.bitcoin_kit
    alice, shop = btc.wallet("alice"), btc.wallet("shop")
    btc.mine(101, to=alice.address)
    pay = alice.send(shop.address, COIN // 4, op_return=b"order #42")
    btc.mine(3)
    blocks = dev.sync_btc()
    view = dev.hvm_view()
    console.print(f"{blocks} L2 blocks carried {view.light_tip_height} Bitcoin headers into the hVM; light tip "
                  f"{view.light_tip_height}, indexed tip {view.indexed_height} (lag 2, as on Hemi)")
    console.print(f"hBK at {kit.address}: getBitcoinAddressBalance(shop) = "
                  f"{kit.functions.getBitcoinAddressBalance(shop.address).call()} sats")
    console.print(f"hBK getTxConfirmations(pay) = {kit.functions.getTxConfirmations(pay.display_bytes).call()}")
    tx = kit.functions.getTransactionByTxId(pay.display_bytes).call()
    for i, out in enumerate(tx[6]):
        console.print(f"  output {i}: {out[0]} sats, script {out[1].hex()[:24]}…, OP_RETURN: {out[3]}"
                      + (f" data {out[4]!r}" if out[3] else ""))
    header = kit.functions.getLastHeader().call()
    console.print(f"hBK getLastHeader(): height {header[0]}, hash {header[1].hex()}")

    console.rule("[bold]Proof-of-Proof: superfinality and provenance")
    call = dev.w3.eth.send_transaction({"from": dev.accounts[0], "to": "0x0000000000000000000000000000000000000043",
                                        "data": HexStr("0x" + pay.display_bytes.hex()), "gas": 100_000})
    fin = dev.superfinalize(call)
    assert fin.keystone is not None and fin.keystone_publication is not None  # superfinalize publishes it
    console.print(f"EVM tx {call.hex()[:18]}… read the payment; keystone {fin.keystone.l2_block_number} published "
                  f"in Bitcoin block {fin.keystone_publication.height}; effective confirmations "
                  f"{fin.effective_confirmations}: superfinal={fin.superfinal}")
    prov = dev.provenance(call).verify()
    console.print(prov)
    console.print(f"[green]verified all three links; hVM part done in {(time.perf_counter() - t0) * 1000:.0f} ms")

    console.rule("[bold]The Bitcoin tunnel: BTC in, hemiBTC out, BTC back")
    tunnel, holder = dev.tunnel, dev.accounts[2]
    deposit = tunnel.deposit(alice, COIN, recipient=holder)
    receipt = tunnel.confirm(deposit)  # Bitcoin confirmations, the hVM view, then confirmDeposit checked via hBK
    console.print(f"alice locked {btc_amount(deposit.sats)} in Bitcoin tx {str(deposit.txid)[:16]}…; confirmDeposit "
                  f"in L2 block {receipt['blockNumber']} minted {tunnel.balance_of(holder)} hemiBTC sats to {holder}")
    withdrawal = tunnel.withdraw(holder, COIN // 2, btc_address=shop.address)
    btc.mine(4)
    dev.sync_btc()
    dev.mine(2)  # the simulated operator paid on Bitcoin; once confirmed, the vault finalises through hBK
    done = tunnel.withdrawal(withdrawal.uuid)
    console.print(f"withdrawal {done.uuid}: {btc_amount(done.net_sats)} paid to shop in Bitcoin tx "
                  f"{str(done.payout_txid)[:16]}…, status {done.status}")
    audit = tunnel.audit()
    console.print(f"audit: hemiBTC supply {tunnel.total_supply} sats backed by the vault: {audit.ok}")


def main(seed: int = 0) -> None:
    console = Console()
    run_bitcoin_demo(console, seed=seed)
    run_hvm_demo(console, seed=seed)


if __name__ == "__main__":
    main()
