"""Proof-of-Proof: how Hemi anchors its history in Bitcoin.

- :mod:`.keystones`: every ``keystone_interval``-th L2 block is a keystone; its abbreviated form is what PoP
  miners publish.
- :mod:`.publications`: simulated PoP miners that publish keystones in Bitcoin transactions.
- :mod:`.finality`: Bitcoin finality of an L2 block (effective confirmations, superfinality) and ``superfinalize``.
- :mod:`.finality_wire`: the finality answers in the wire forms of op-node's RPC and the BFG's HTTP API.
- :mod:`.payouts`: the 0x7D PoP payout transaction keystone blocks carry.
"""
