"""Example 5: a 2-of-3 P2WSH multisig vault on the embedded Bitcoin chain, spent with two of its three keys.

Run: python examples/05_p2wsh_multisig_vault.py
"""

from hemi.btc import COIN, BitcoinChain
from hemi.btc.script import multisig_script, p2wsh_script
from hemi.btc.spend import spending_tx, with_witness
from hemi.errors import TransactionRejected

btc = BitcoinChain(seed=0)
alice, k1, k2, k3 = (btc.wallet(n) for n in ("alice", "k1", "k2", "k3"))
btc.mine(101, to=alice.address)

vault = multisig_script(2, [k1.pubkey, k2.pubkey, k3.pubkey])  # the witness script
txid = alice.send(p2wsh_script(vault), 5 * COIN)
btc.mine()
vout = next(n for n, o in enumerate(btc.tx(txid).tx.vout) if bytes(o.scriptPubKey) == p2wsh_script(vault))

tx = spending_tx([((txid, vout), 0xFFFFFFFD)], [(alice.script_of(), 5 * COIN - 1_000)])
s1, s3 = k1.sign_segwit_v0(tx, 0, vault, 5 * COIN), k3.sign_segwit_v0(tx, 0, vault, 5 * COIN)
try:
    btc.send_raw(with_witness(tx, 0, [b"", s1, vault]))  # one signature is not enough
except TransactionRejected as err:
    print("one signature:", err.reason)
spend = btc.send_raw(with_witness(tx, 0, [b"", s1, s3, vault]))  # CHECKMULTISIG's dummy, sigs in key order
btc.mine()
print("two signatures: confirmed", btc.confirmations(spend))
