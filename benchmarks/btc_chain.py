"""Benchmark of the embedded Bitcoin chain (hemi.btc). Prints figures and their ratio to the issue's targets.

    python benchmarks/btc_chain.py [--blocks N]

- empty blocks mined per second (coinbase, witness commitment, proof-of-work, indexing);
- blocks per second with 10 signed P2WPKH transfers each, every transfer built and signed by a wallet, accepted to
  the mempool (full policy and script checks), then mined and indexed;
- the cost of a depth-6 reorg of such blocks (disconnect, return txs to the mempool, mine 7 new blocks).
"""

from __future__ import annotations

import argparse
import platform
import statistics
import time

from hemi.btc import COIN, BitcoinChain

TARGET_EMPTY = 3000.0
TARGET_TRANSFERS = 200.0


def best_of(runs: int, fn) -> float:
    return min(fn() for _ in range(runs))


def empty_blocks_per_second(n: int) -> float:
    def run() -> float:
        btc = BitcoinChain()
        t = time.perf_counter()
        btc.mine(n)
        return time.perf_counter() - t

    return n / best_of(3, run)


def funded_chain() -> BitcoinChain:
    """Alice holds 12 mature coins: enough for 10 sends a block, since each send's change confirms with the block.
    (The wallet scans its own outputs on every send, as Bitcoin Core's does, so a wallet of thousands of coins
    would measure coin selection rather than the chain.)"""
    btc = BitcoinChain()
    btc.mine(12, to=btc.wallet("alice").address)
    btc.mine(100)
    return btc


def transfer_blocks_per_second(n: int) -> tuple[float, BitcoinChain]:
    chains = []

    def run() -> float:
        btc = funded_chain()
        alice, bob = btc.wallet("alice"), btc.wallet("bob")
        t = time.perf_counter()
        for _ in range(n):
            for _ in range(10):
                alice.send(bob.address, COIN // 100)
            btc.mine()
        elapsed = time.perf_counter() - t
        assert len(btc.block(-1).txids) == 11 and len(btc.mempool) == 0
        chains.append(btc)
        return elapsed

    return n / best_of(3, run), chains[-1]


def reorg_cost_ms(btc: BitcoinChain) -> float:
    samples = []
    for _ in range(5):
        s = btc.snapshot()
        t = time.perf_counter()
        btc.reorg(6)
        samples.append((time.perf_counter() - t) * 1000)
        btc.revert(s)
    return statistics.median(samples)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--blocks", type=int, default=600, help="blocks per measured run")
    args = parser.parse_args()
    print(f"machine: {platform.machine()} {platform.processor() or ''}, Python {platform.python_version()}")
    empty = empty_blocks_per_second(args.blocks * 5)
    print(f"empty blocks mined:            {empty:8.0f} blocks/s   ({empty / TARGET_EMPTY:.2f}x the 3,000 target)")
    transfers, btc = transfer_blocks_per_second(args.blocks // 3)
    print(f"blocks with 10 P2WPKH txs:     {transfers:8.0f} blocks/s   ({transfers / TARGET_TRANSFERS:.2f}x the 200 "
          f"target; {transfers * 10:.0f} transfers/s)")
    ms = reorg_cost_ms(btc)
    print(f"depth-6 reorg (60 txs back to the mempool, 7 blocks mined): {ms:.1f} ms")


if __name__ == "__main__":
    main()
