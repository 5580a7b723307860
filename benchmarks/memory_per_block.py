"""Memory per 1,000 L2 blocks of one transfer each (target: at most 9 MiB).

    python benchmarks/memory_per_block.py [--blocks 3000]

The process's resident set size (Linux ``/proc/self/statm``, after a garbage collection) is read after a warm-up
of 500 blocks and again after ``--blocks`` more; the growth is scaled to 1,000 blocks. Exits nonzero on a miss.
"""

from __future__ import annotations

import argparse
import gc
import os
import sys
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent))

from _targets import Verdicts, environment  # noqa: E402

import hemi  # noqa: E402

TARGET_MIB = 9.0


def rss_mib() -> float:
    gc.collect()
    with open("/proc/self/statm") as f:
        pages = int(f.read().split()[1])
    return pages * os.sysconf("SC_PAGE_SIZE") / 2**20


def transfers(dev: hemi.Devchain, n: int) -> None:
    w3 = dev.w3
    a, b = w3.eth.accounts[:2]
    for _ in range(n):
        w3.eth.send_transaction({"from": a, "to": b, "value": 1})  # automine: one block each


def main() -> int:
    ap = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    ap.add_argument("--blocks", type=int, default=3000)
    args = ap.parse_args()
    dev = hemi.Devchain()
    transfers(dev, 500)
    before = rss_mib()
    transfers(dev, args.blocks)
    after = rss_mib()
    print("\n".join(environment()))
    v = Verdicts()
    v.info("resident set after the warm-up", before, " MiB")
    v.at_most("growth per 1,000 blocks of one transfer", (after - before) * 1000 / args.blocks, TARGET_MIB, " MiB")
    v.print()
    return v.exit_code()


if __name__ == "__main__":
    sys.exit(main())
