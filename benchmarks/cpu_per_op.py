"""CPU time of one operation through ``Devchain().w3``: the engine's own cost, without a peer (no target).

    python benchmarks/cpu_per_op.py [--n 300] [--rounds 5]

The ratio scripts (``devchain.py``, ``server_http.py``) divide by anvil's rate, which moves with the machine's load
more than the devchain's does; to compare two versions of the engine, run this script on each, alternately, and
compare the figures. It times, in this process's CPU time, ``--n`` of each of: automined ETH transfers
(``send_transaction`` then the receipt, as ``devchain.py`` does), ``bump()`` transactions of ``contracts/Counter.sol``,
``count()`` eth_calls, and empty blocks (``dev.mine()``: the L1-attributes deposit and the seal), after the same
warm-up as ``devchain.py``; ``--rounds`` rounds, interleaved, and prints the best round of each (the least disturbed).
"""

from __future__ import annotations

import argparse
import sys
import time
from collections.abc import Callable
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent))

from _targets import Verdicts, environment  # noqa: E402
from devchain import COUNTER_SOURCE, bumps, calls, deploy, transfers, warm_up  # noqa: E402


def main() -> int:
    ap = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    ap.add_argument("--n", type=int, default=300, help="operations of each kind per round")
    ap.add_argument("--rounds", type=int, default=5, help="interleaved rounds; the best is kept")
    args = ap.parse_args()
    n, rounds = max(1, args.n), max(1, args.rounds)

    from hemi.compiler import compile
    from hemi.devchain import Devchain

    art = compile({"Counter.sol": COUNTER_SOURCE})["Counter"]
    dev = Devchain()
    w3, (a, b) = dev.w3, dev.accounts[:2]
    warm_up(w3, [a, b], art)
    counter = deploy(w3, art, a)
    ops: dict[str, Callable[[], object]] = {
        "automined ETH transfer": lambda: transfers(w3, a, b, n),
        "bump() contract transaction": lambda: bumps(w3, counter, a, n),
        "eth_call count()": lambda: calls(counter, n),
        "empty block (dev.mine())": lambda: dev.mine(n),
    }
    best = dict.fromkeys(ops, float("inf"))
    for _ in range(rounds):
        for name, run in ops.items():
            start = time.process_time()
            run()
            best[name] = min(best[name], (time.process_time() - start) / n * 1e3)
    print("\n".join(environment()))
    print(f"CPU time per operation through dev.w3, best of {rounds} interleaved rounds of {n}")
    v = Verdicts()
    for name, ms in best.items():
        v.info(name, ms, " ms")
    v.print()
    return v.exit_code()


if __name__ == "__main__":
    sys.exit(main())
