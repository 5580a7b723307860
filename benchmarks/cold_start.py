"""Cold start: a fresh process that imports hemi, builds a Devchain and deploys a first contract through ``dev.w3``,
against a fresh process that only imports web3 (issue 17's target: at most 1.2x).

    python benchmarks/cold_start.py [--runs 5]

Both run in new interpreters (so imports count), interleaved, and the medians compare. The contract's bytecode is
compiled once beforehand (hemi's compile cache then serves it), so the figure is imports + devchain + deploy, not solc.
Exits nonzero when the target is missed.
"""

from __future__ import annotations

import argparse
import statistics
import subprocess
import sys
import time
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent))

from _targets import Verdicts  # noqa: E402

TARGET_RATIO = 1.2
COUNTER = Path(__file__).resolve().parent / "contracts" / "Counter.sol"

HEMI = f"""
import hemi
from hemi.compiler import compile
dev = hemi.Devchain()
art = compile({str(COUNTER)!r})["Counter"]
w3 = dev.w3
h = w3.eth.contract(abi=art.abi, bytecode=art.bytecode).constructor().transact({{"from": w3.eth.accounts[0]}})
assert w3.eth.get_transaction_receipt(h).status == 1
"""
WEB3 = "import web3"


def run(code: str) -> float:
    t0 = time.perf_counter()
    subprocess.run([sys.executable, "-c", code], check=True)
    return time.perf_counter() - t0


def main() -> int:
    ap = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    ap.add_argument("--runs", type=int, default=5)
    args = ap.parse_args()
    run(HEMI)  # warm the compile cache and the OS file cache
    hemi_s, web3_s = [], []
    for _ in range(args.runs):
        web3_s.append(run(WEB3))
        hemi_s.append(run(HEMI))
    v = Verdicts()
    v.info("bare `import web3`, median", statistics.median(web3_s), " s")
    v.info("import hemi + Devchain() + first deploy via dev.w3, median", statistics.median(hemi_s), " s")
    v.at_most("ratio", statistics.median(hemi_s) / statistics.median(web3_s), TARGET_RATIO, "x")
    v.print()
    return v.exit_code()


if __name__ == "__main__":
    sys.exit(main())
