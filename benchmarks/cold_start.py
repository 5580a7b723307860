"""Cold start: a fresh process that imports hemi, builds a ``Devchain()`` and deploys a first contract through
``dev.w3``, against a fresh process doing the same steps with bare web3 and stock eth-tester (target: at most 1.2x).

    python benchmarks/cold_start.py [--runs 7]

The baseline is the same three steps without hemi: ``import web3``, ``Web3(EthereumTesterProvider())``, deploy the
same bytecode. A third process that only runs ``import web3`` is timed too, for information. The counter
(``contracts/Counter.sol``) is compiled once beforehand and its bytecode handed to every process, so no process
compiles. All three run in new interpreters (imports count), interleaved, after one untimed run of each (OS file
cache warm). The verdict is on the median CPU time of the processes (user + system, ``RUSAGE_CHILDREN``: steadier on
a shared machine than the wall clock, which is printed beside it). Exits 1 when the target is missed.
"""

from __future__ import annotations

import argparse
import json
import resource
import statistics
import subprocess
import sys
import time
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent))

from _targets import Verdicts, environment  # noqa: E402

TARGET_RATIO = 1.2
COUNTER = Path(__file__).resolve().parent / "contracts" / "Counter.sol"

DEPLOY = """
art = json.loads(sys.argv[1])
h = w3.eth.contract(abi=art["abi"], bytecode=art["bytecode"]).constructor().transact({"from": w3.eth.accounts[0]})
assert w3.eth.get_transaction_receipt(h).status == 1
"""
PROGRAMS = {
    "hemi": "import json, sys\nimport hemi\ndev = hemi.Devchain()\nw3 = dev.w3\n" + DEPLOY,
    "web3+eth-tester": "import json, sys\nfrom web3 import EthereumTesterProvider, Web3\n"
                       "w3 = Web3(EthereumTesterProvider())\n" + DEPLOY,
    "import web3": "import web3",
}


def run(code: str, art: str) -> tuple[float, float]:
    """(wall s, CPU s) of one fresh interpreter running ``code``."""
    before = resource.getrusage(resource.RUSAGE_CHILDREN)
    t0 = time.perf_counter()
    subprocess.run([sys.executable, "-c", code, art], check=True)
    wall = time.perf_counter() - t0
    after = resource.getrusage(resource.RUSAGE_CHILDREN)
    return wall, after.ru_utime - before.ru_utime + after.ru_stime - before.ru_stime


def measure(runs: int) -> dict[str, list[float]]:
    """Wall (key ``name``) and CPU (key ``name cpu``) seconds of each program over ``runs`` interleaved rounds."""
    from hemi.compiler import compile  # deferred: the parent compiles once, the timed processes never do

    c = compile(str(COUNTER))["Counter"]
    art = json.dumps({"abi": c.abi, "bytecode": c.bytecode})
    for code in PROGRAMS.values():
        run(code, art)  # untimed: OS file cache, __pycache__
    out: dict[str, list[float]] = {}
    for _ in range(runs):
        for name, code in PROGRAMS.items():
            wall, cpu = run(code, art)
            out.setdefault(name, []).append(wall)
            out.setdefault(f"{name} cpu", []).append(cpu)
    return out


def main() -> int:
    ap = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    ap.add_argument("--runs", type=int, default=7)
    args = ap.parse_args()
    m = {k: statistics.median(xs) for k, xs in measure(max(1, args.runs)).items()}
    print("\n".join(environment()))
    print(f"median of {args.runs} interleaved fresh processes each")
    v = Verdicts()
    for name in PROGRAMS:
        v.info(f"{name}: CPU", m[f"{name} cpu"], " s")
        v.info(f"{name}: wall", m[name], " s")
    v.at_most("hemi / web3+eth-tester, CPU", m["hemi cpu"] / m["web3+eth-tester cpu"], TARGET_RATIO, "x")
    v.info("hemi / web3+eth-tester, wall", m["hemi"] / m["web3+eth-tester"], "x")
    v.info("hemi / bare `import web3`, CPU", m["hemi cpu"] / m["import web3 cpu"], "x")
    v.print()
    return v.exit_code()


if __name__ == "__main__":
    sys.exit(main())
