"""Example 7: a taproot output with a script tree (a 2-of-2 CHECKSIGADD leaf and a timelocked recovery leaf),
spent through one leaf by script path. The internal key is BIP 341's unspendable NUMS point.

Run: python examples/07_tapscript_leaf.py
"""

from bitcoin.core.script import OP_CHECKSEQUENCEVERIFY, OP_CHECKSIG, OP_DROP, OP_NUMEQUAL, CScript, CScriptOp

from hemi.btc import COIN, BitcoinChain
from hemi.btc.spend import NUMS_INTERNAL_KEY, spending_tx, taproot_tree, with_witness

OP_CHECKSIGADD = CScriptOp(0xBA)  # BIP 342

btc = BitcoinChain(seed=0)
alice, a, b = btc.wallet("alice"), btc.wallet("a"), btc.wallet("b")
btc.mine(101, to=alice.address)

both = bytes(CScript([a.key.xonly_pubkey, OP_CHECKSIG, b.key.xonly_pubkey, OP_CHECKSIGADD, 2, OP_NUMEQUAL]))
recovery = bytes(CScript([144, OP_CHECKSEQUENCEVERIFY, OP_DROP, alice.key.xonly_pubkey, OP_CHECKSIG]))
tree = taproot_tree(NUMS_INTERNAL_KEY, [both, recovery])
print("vault address:", tree.address)

txid = alice.send(tree.address, 3 * COIN)
btc.mine()
vout = next(n for n, o in enumerate(btc.tx(txid).tx.vout) if bytes(o.scriptPubKey) == tree.script_pubkey)

tx = spending_tx([((txid, vout), 0xFFFFFFFD)], [(alice.script_of(), 3 * COIN - 1_000)])
spent = [(3 * COIN, tree.script_pubkey)]
sig_a = a.sign_tapscript(tx, 0, spent, tree.leaf_hash(both))
sig_b = b.sign_tapscript(tx, 0, spent, tree.leaf_hash(both))
# witness: leaf inputs (last-checked key's signature first), the leaf script, its control block
spend = btc.send_raw(with_witness(tx, 0, [sig_b, sig_a, both, tree.control_block(both)]))
btc.mine()
print("script-path spend confirmed:", btc.confirmations(spend))
