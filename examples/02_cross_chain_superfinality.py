"""Example 2: the seed's cross-chain action, end to end.

A user sends BTC; a contract on Hemi acts on it (ordered by the sequencer only once the payment is in the hVM
view); the test drives it to superfinality and prints its provenance (Bitcoin proof, Hemi ordering, PoP anchoring);
then Bitcoin reorganises under the PoP publication, superfinality is lost, and regained after re-publication.

Run: python examples/02_cross_chain_superfinality.py
"""

import pathlib

from rich.console import Console

import hemi
from hemi.btc import COIN
from hemi.compiler import compile as compile_sol

console = Console()
dev = hemi.Devchain()
w3, btc = dev.w3, dev.btc

# the contract that acts on Bitcoin payments
art = compile_sol(pathlib.Path(__file__).parent / "contracts" / "PaymentRegistry.sol")["PaymentRegistry"]
deploy = w3.eth.contract(abi=art.abi, bytecode=art.bytecode).constructor().transact({"from": dev.accounts[0]})
registry = w3.eth.contract(address=w3.eth.get_transaction_receipt(deploy).contractAddress, abi=art.abi)

# 1. a user pays 0.5 BTC to the shop
user, shop = btc.wallet("user"), btc.wallet("shop")
btc.mine(101, to=user.address)
payment = user.send(shop.address, COIN // 2)
console.print(f"BTC payment {payment} broadcast")

# 2. the sequencer orders the contract call only once the payment is in the hVM view
call = registry.functions.record(payment.display_bytes, 0, 3).build_transaction(
    {"from": dev.accounts[1], "gas": 200_000})
input_id = dev.sequencer.submit({k: call[k] for k in ("from", "to", "data")}, depends_on=[payment],
                                label="record payment")
console.print(f"waiting: {dev.sequencer.waiting()[0][1]}")
btc.mine(3)
dev.sync_btc()
evm_tx = dev.sequencer.tx_of(input_id)
console.print(f"ordered in L2 block {dev.sequencer.ordering(evm_tx).l2_block}; recorded "
              f"{registry.functions.paid(payment.display_bytes).call()} sats")

# 3. drive it to superfinality and show the chain of trust
fin = dev.superfinalize(evm_tx)
console.print(f"superfinal: {fin.superfinal} (effective confirmations {fin.effective_confirmations}, "
              f"keystone {fin.keystone.l2_block_number})")
prov = dev.provenance(evm_tx).verify()
console.print(prov)

# 4. Bitcoin reorganises under the PoP publication: superfinality is lost...
pub = fin.keystone_publication
depth = btc.height - pub.height + 1
btc.reorg(depth, drop=[pub.txid])
after = dev.finality(evm_tx)
console.print(f"after a depth-{depth} Bitcoin reorg dropping the publication: superfinal: {after.superfinal} "
              f"(publication: {after.keystone_publication})")

# ...and regained once a PoP miner publishes again and Bitcoin confirms it
again = dev.superfinalize(evm_tx)
console.print(f"re-published in Bitcoin block {again.keystone_publication.height}: superfinal: {again.superfinal}")
