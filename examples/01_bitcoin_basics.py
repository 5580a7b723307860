"""Example 1: the embedded Bitcoin regtest chain in a dozen lines.

Run: python examples/01_bitcoin_basics.py
"""

from hemi.btc import COIN, BitcoinChain, verify_merkle_proof

btc = BitcoinChain(seed=0)
alice, bob = btc.wallet("alice"), btc.wallet("bob")

btc.mine(101, to=alice.address)  # coinbase outputs mature after 100 blocks
txid = alice.send(bob.addresses["p2tr"], 2 * COIN, op_return=b"gm hemi")
print("in mempool:", txid in btc.mempool, "confirmations:", btc.confirmations(txid))

btc.mine()
proof = btc.merkle_proof(txid)
print("confirmed:", btc.confirmations(txid), "proof verifies:", verify_merkle_proof(proof))
print("bob's taproot balance:", btc.balance(bob.addresses["p2tr"]) / COIN, "BTC")

with btc.anchor():  # everything inside is undone on exit
    btc.reorg(1, drop=[txid])
    print("after a reorg that drops it, bob has", bob.balance, "sats")
print("and after the anchor, bob has", bob.balance / COIN, "BTC again")
