"""Example 6: a hash-time-locked contract: Bob claims with the preimage, or Alice takes a refund after an
absolute lock (CLTV) or, from a second output, after a relative lock of 6 blocks (CSV).

Run: python examples/06_htlc_cltv_csv.py
"""

import hashlib

from bitcoin.core.script import OP_CHECKLOCKTIMEVERIFY as CLTV
from bitcoin.core.script import OP_CHECKSEQUENCEVERIFY as CSV
from bitcoin.core.script import OP_CHECKSIG, OP_DROP, OP_ELSE, OP_ENDIF, OP_EQUALVERIFY, OP_IF, OP_SHA256, CScript

from hemi.btc import COIN, BitcoinChain
from hemi.btc.script import p2wsh_script
from hemi.btc.spend import spending_tx, with_witness
from hemi.errors import TransactionRejected

btc = BitcoinChain(seed=0)
alice, bob = btc.wallet("alice"), btc.wallet("bob")
btc.mine(101, to=alice.address)
secret = b"hemi" * 8
refund_at = btc.height + 20


def htlc(lock: list) -> bytes:
    return bytes(CScript([OP_IF, OP_SHA256, hashlib.sha256(secret).digest(), OP_EQUALVERIFY, bob.pubkey,
                          OP_CHECKSIG, OP_ELSE, *lock, OP_DROP, alice.pubkey, OP_CHECKSIG, OP_ENDIF]))


def fund(script: bytes):
    txid = alice.send(p2wsh_script(script), COIN)
    btc.mine()
    return txid, next(n for n, o in enumerate(btc.tx(txid).tx.vout) if bytes(o.scriptPubKey) == p2wsh_script(script))


absolute, relative = htlc([refund_at, CLTV]), htlc([6, CSV])
claim_op, cltv_op, csv_op = fund(absolute), fund(absolute), fund(relative)

claim = spending_tx([(claim_op, 0xFFFFFFFD)], [(bob.script_of(), COIN - 1_000)])
claim = with_witness(claim, 0, [bob.sign_segwit_v0(claim, 0, absolute, COIN), secret, b"\x01", absolute])
print("bob claims with the preimage:", btc.send_raw(claim) in btc.mempool)

refund = spending_tx([(cltv_op, 0xFFFFFFFD)], [(alice.script_of(), COIN - 1_000)], locktime=refund_at)
refund = with_witness(refund, 0, [alice.sign_segwit_v0(refund, 0, absolute, COIN), b"", absolute])
try:
    btc.send_raw(refund)
except TransactionRejected as err:
    print("CLTV refund too early:", err.reason)
btc.mine_until(refund_at)
print("CLTV refund at height", btc.height, "accepted:", btc.send_raw(refund) in btc.mempool)

late = spending_tx([(csv_op, 6)], [(alice.script_of(), COIN - 1_000)])
late = with_witness(late, 0, [alice.sign_segwit_v0(late, 0, relative, COIN), b"", relative])
print("CSV refund after", btc.confirmations(csv_op[0]), "confirmations accepted:", btc.send_raw(late) in btc.mempool)
