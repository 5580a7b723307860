"""Example 3: the treasury. A treasury locks 100 BTC in Hemi through the Bitcoin tunnel, and anyone can check where
its hemiBTC came from.

1. The treasury sends 100 BTC to the tunnel vault's custody address on Bitcoin, with an OP_RETURN naming its Hemi
   account (the BTC lock).
2. The sequencer orders the deposit's confirmation only once the hVM view holds the lock with 4 confirmations;
   the vault checks everything through hBK and the manager mints hemiBTC (the Hemi ordering).
3. A PoP miner publishes the keystone covering that L2 block to Bitcoin; Bitcoin buries it (the PoP anchoring) until
   the mint is superfinal.
4. The three-link provenance (BTC lock proof, Hemi ordering, PoP anchoring) is printed and verified from raw bytes,
   and the tunnel's books are audited.

Run: python examples/03_treasury.py
"""

from rich.console import Console

import hemi
from hemi.btc import COIN

console = Console(soft_wrap=True)  # long lines stay whole (full hashes), never wrapped or cropped
# a tree is drawn to its console's width and crops what does not fit, so the provenance tree gets a console wide
# enough for its longest line (two full hashes)
wide = Console(width=240, soft_wrap=True)
dev = hemi.Devchain()
btc, tunnel = dev.btc, dev.tunnel

# the treasury: a Bitcoin wallet holding 150 BTC, and an account on Hemi
treasury_btc = btc.wallet("treasury")
treasury = dev.accounts[1]
btc.mine(3, to=treasury_btc.address)  # three 50 BTC coinbases...
btc.mine(100)  # ...spendable once 100 more blocks are on top
console.rule("[bold]1. The BTC lock")
console.print(f"treasury wallet {treasury_btc.address} holds {treasury_btc.balance / COIN} BTC; "
              f"its Hemi account is {treasury}")
lock = tunnel.deposit(treasury_btc, 100 * COIN, recipient=treasury)
tx = btc.tx(lock.txid).tx
console.print(f"locked {lock.sats / COIN} BTC in Bitcoin tx {lock.txid}")
console.print(f"  output {lock.vout}: {tx.vout[lock.vout].nValue} sats to the vault's custody address "
              f"{tunnel.custody_address}")
console.print(f"  output 1: OP_RETURN {bytes(tx.vout[1].scriptPubKey).hex()} (the recipient, 20 raw bytes)")

console.rule("[bold]2. The sequencer orders the deposit; hemiBTC is minted")
receipt = tunnel.confirm(lock)  # mines the Bitcoin confirmations and the hVM view, then confirmDeposit
order = dev.sequencer.ordering(receipt.transactionHash)
console.print(f"hBK counts {dev.bitcoin_kit.functions.getTxConfirmations(lock.txid.display_bytes).call()} "
              f"confirmations of the lock (Bitcoin height {btc.height})")
console.print(f"confirmDeposit ordered in L2 block {order.l2_block} at position {order.position} as a "
              f"{order.kind} input depending on {', '.join(str(t) for t in order.depends_on)}, under the hVM view "
              f"light tip {order.view.light_tip_height} / indexed tip {order.view.indexed_height}")
fee = tunnel.deposit_fee(lock.sats)  # the vault state's calculateDepositFee: basis points with a minimum
console.print(f"hemiBTC minted to the treasury: {tunnel.balance_of(treasury)} sats "
              f"({tunnel.balance_of(treasury) / COIN} hemiBTC, after the vault's {fee}-sat deposit fee)")

console.rule("[bold]3. A PoP miner anchors the keystone in Bitcoin")
before = dev.finality(receipt.transactionHash)
keystone_number = dev.keystones.keystone_number_for(order.l2_block)
console.print(f"before: L2 block {order.l2_block} waits for keystone {keystone_number} "
              f"(L2 head {dev.w3.eth.block_number}); superfinal: {before.superfinal}")
fin = dev.superfinalize(receipt.transactionHash)
pub = fin.keystone_publication
console.print(f"keystone L2 block {fin.keystone.l2_block_number} ({fin.keystone.hash}) published by PoP miner "
              f"{pub.miner!r} in Bitcoin tx {pub.txid}, block {pub.height}")
console.print(f"superfinal: {fin.superfinal} (effective confirmations {fin.effective_confirmations}, "
              f"threshold {fin.superfinality_threshold})")

console.rule("[bold]4. The token's origin, checked from public data")
prov = dev.provenance(receipt.transactionHash).verify()
wide.print(prov)
(link,) = prov.bitcoin
console.print(f"provenance verified: the lock {link.txid} is proven by a {len(link.proof.branch)}-hash merkle branch "
              f"to Bitcoin block {link.proof.block_hash}; the mint is tx {order.position} of L2 block "
              f"{prov.ordering.l2_block} (0x{prov.ordering.l2_block_hash.hex()}); its keystone is in Bitcoin block "
              f"{prov.anchoring.publication_height}")
report = tunnel.audit()
console.print(str(report))
console.print(f"audit ok: {report.ok}")
