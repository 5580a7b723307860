"""Benchmark: the cost of ``dev.superfinalize`` for a freshly mined transaction, as a multiple of a plain L2 transfer
measured in the same run. Target (issue 4): under 40 plain transfers (it must mine up to 25 empty L2 blocks and
about 12 Bitcoin blocks).

    python benchmarks/superfinality.py [--runs 5]
"""

from __future__ import annotations

import argparse
import statistics
import time

from hemi.devchain import Devchain

TARGET = 40


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--runs", type=int, default=5)
    args = parser.parse_args()
    dev = Devchain(predeploy_bitcoin_kit=False)
    dev.pop.fund()  # one-time: PoP miners get Bitcoin to publish with (not part of the measured cost)
    w3, a, b = dev.w3, dev.accounts[0], dev.accounts[1]
    for _ in range(10):
        w3.eth.send_transaction({"from": a, "to": b, "value": 1})
    transfer = []
    for _ in range(100):
        t = time.perf_counter()
        w3.eth.send_transaction({"from": a, "to": b, "value": 1})
        transfer.append(time.perf_counter() - t)
    plain = statistics.median(transfer)
    costs = []
    for _ in range(args.runs):
        with dev.anchor():
            h = w3.eth.send_transaction({"from": a, "to": b, "value": 1})
            l2, btc = w3.eth.block_number, dev.btc.height
            t = time.perf_counter()
            fin = dev.superfinalize(h)
            costs.append(time.perf_counter() - t)
            assert fin.superfinal
            mined = (w3.eth.block_number - l2, dev.btc.height - btc)
    cost = statistics.median(costs)
    ratio = cost / plain
    print(f"plain L2 transfer through web3 (median of 100): {plain * 1000:.2f} ms")
    print(f"superfinalize a fresh transfer (median of {args.runs}): {cost * 1000:.1f} ms, mining "
          f"{mined[0]} L2 and {mined[1]} Bitcoin blocks")
    print(f"ratio: {ratio:.1f} plain transfers ({'PASS' if ratio < TARGET else 'MISS'}: target < {TARGET})")


if __name__ == "__main__":
    main()
