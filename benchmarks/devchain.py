"""``Devchain().w3`` in-process against anvil over HTTP (and stock eth-tester): one web3.py script, the issue's targets.

    python benchmarks/devchain.py [--n 200] [--repeat 3] [--skip-anvil] [--profile] [--cold-runs 3]

One web3.py script runs against three peers in one process: ``Devchain().w3`` (in-process); anvil over HTTP on a
loopback port (npm ``@foundry-rs/anvil``, pinned in ``benchmarks/_anvil.py``, installed into the hemi-sdk cache if
absent); stock eth-tester through web3's ``EthereumTesterProvider`` (py-evm backend), for reference. The script, with
web3's auto-filled transactions (no explicit gas, fees or nonce): N ETH transfers (``w3.eth.send_transaction``),
deploy ``contracts/Counter.sol`` (compiled with ``hemi.compiler.compile``), N ``bump().transact`` contract
transactions, N ``count().call()`` eth_calls; 10 of each first as a warm-up. ``--repeat R`` timed rounds run on the
same chains, interleaved across the peers (a change in the machine's load hits all of them alike); each figure is the
median of the rounds, in wall-clock time (anvil works in another process, so CPU time of this one would not count it).

Targets: in-process devchain / anvil over HTTP >= 4x on transfers, >= 3x on contract transactions, >= 6x on
eth_call. The script exits 1 when one is missed or could not be measured (anvil unavailable; ``--skip-anvil``
judges nothing). For information: the eth-tester ratios, snapshot + revert after a few transactions (targets at
10,000 blocks: ``snapshot_revert.py``), cold start to the first deployed contract (``--cold-runs``; 0 skips it;
target: ``cold_start.py``) and an hBK read. ``--profile`` prints a cProfile of the devchain transfer and bump() loops.
"""

from __future__ import annotations

import argparse
import cProfile
import io
import os
import pstats
import statistics
import sys
import time
from collections import defaultdict
from pathlib import Path
from typing import Any

sys.path.insert(0, str(Path(__file__).resolve().parent))

import _anvil  # noqa: E402  (benchmarks/_anvil.py)
from _targets import Verdicts, environment, median_ms  # noqa: E402

TARGETS = {"transfer": 4.0, "bump": 3.0, "call": 6.0}  # devchain / anvil
LABELS = {"transfer": "ETH transfers", "bump": "contract tx bump()", "call": "eth_call count()"}
WARMUP = 10
COUNTER_SOURCE = (Path(__file__).resolve().parent / "contracts" / "Counter.sol").read_text()


# ---------------------------------------------------------------------------------------------- the web3 script


def deploy(w3, art, sender: str):
    h = w3.eth.contract(abi=art.abi, bytecode=art.bytecode).constructor().transact({"from": sender})
    receipt = w3.eth.wait_for_transaction_receipt(h)
    if receipt.status != 1:
        raise RuntimeError(f"counter deployment failed: {receipt}")
    return w3.eth.contract(address=receipt.contractAddress, abi=art.abi)


def transfers(w3, a: str, b: str, n: int) -> None:
    h = None
    for _ in range(n):
        h = w3.eth.send_transaction({"from": a, "to": b, "value": 1})
    if h is not None:  # anvil may answer before it has mined; wait for the last one (instant in-process)
        w3.eth.wait_for_transaction_receipt(h)


def bumps(w3, c, a: str, n: int) -> None:
    h = None
    for _ in range(n):
        h = c.functions.bump().transact({"from": a})
    if h is not None:
        w3.eth.wait_for_transaction_receipt(h)


def calls(c, n: int) -> int:
    v = 0
    for _ in range(n):
        v = c.functions.count().call()
    return v


def warm_up(w3, accounts: list[str], art) -> None:
    """10 of each, and one deployment."""
    a, b = accounts[0], accounts[1]
    transfers(w3, a, b, WARMUP)
    c = deploy(w3, art, a)
    bumps(w3, c, a, WARMUP)
    calls(c, WARMUP)


def timed_round(w3, accounts: list[str], art, n: int) -> dict[str, float]:
    """The timed script: n transfers, one deployment, n bump() transactions, n count() calls; rates per second."""
    a, b = accounts[0], accounts[1]
    t0 = time.perf_counter()
    transfers(w3, a, b, n)
    t1 = time.perf_counter()
    c = deploy(w3, art, a)
    t2 = time.perf_counter()
    bumps(w3, c, a, n)
    t3 = time.perf_counter()
    value = calls(c, n)
    t4 = time.perf_counter()
    if value != n:
        raise RuntimeError(f"count() returned {value} after {n} bump() transactions")
    return {"transfer": n / (t1 - t0), "deploy_ms": (t2 - t1) * 1e3, "bump": n / (t3 - t2), "call": n / (t4 - t3)}


def run_rounds(peers: dict[str, tuple[Any, list[str]]], art, n: int, repeat: int,
               notes: list[str]) -> dict[str, dict[str, float]]:
    """``repeat`` rounds interleaved across the peers; the median of the rounds for each figure and peer."""
    rounds: dict[str, list[dict[str, float]]] = {name: [] for name in peers}
    for r in range(repeat):
        for name in list(peers):
            print(f"round {r + 1}/{repeat}: {name}, {n} of each ...", flush=True)
            try:
                rounds[name].append(timed_round(*peers[name], art, n))
            except Exception as exc:  # noqa: BLE001 - reported; the other peers go on
                notes.append(f"{name} failed: {type(exc).__name__}: {exc}")
                del peers[name], rounds[name]
    return {name: {k: statistics.median(r[k] for r in rs) for k in rs[0]} for name, rs in rounds.items() if rs}


def testing_snapshot_revert(w3, accounts: list[str], iterations: int) -> float:
    """Median ms of ``w3.testing.snapshot()`` + ``revert(s)`` (evm_snapshot / evm_revert) after a few transfers."""
    transfers(w3, accounts[0], accounts[1], 5)
    return median_ms(lambda: w3.testing.revert(w3.testing.snapshot()), iterations)


def devchain_snapshot_revert(dev, iterations: int) -> float:
    transfers(dev.w3, dev.accounts[0], dev.accounts[1], 5)

    def once() -> None:
        s = dev.snapshot()
        dev.revert(s)
        dev.discard(s)

    return median_ms(once, iterations)


def hbk_read(dev, iterations: int) -> tuple[float | None, str]:
    kit = dev.bitcoin_kit
    try:
        if not dev.w3.eth.get_code(kit.address):
            return None, f"no code at the hBK address {kit.address}"
        kit.functions.getLastHeader().call()  # warm-up, and the error if it fails
        return median_ms(lambda: kit.functions.getLastHeader().call(), iterations), ""
    except Exception as exc:  # noqa: BLE001 - reported, not raised
        return None, f"{type(exc).__name__}: {exc}"


# ---------------------------------------------------------------------------------------------- profile


def _package_of(filename: str) -> str:
    if filename.startswith(("~", "<")):
        return "builtins / C"
    parts = Path(filename).parts
    for marker in ("site-packages", "dist-packages"):
        if marker in parts:
            top = parts[parts.index(marker) + 1] if parts.index(marker) + 1 < len(parts) else "?"
            return {"eth": "py-evm (eth/)"}.get(top, top)
    if "hemi" in parts:
        i = len(parts) - 1 - parts[::-1].index("hemi")
        sub = parts[i + 1] if i + 1 < len(parts) - 1 else ""
        return f"hemi/{sub}" if sub else "hemi"
    if "lib" in parts and "python3" in "".join(parts):
        return "stdlib"
    return Path(filename).name


def _cumulative(raw: pstats.Stats, path_suffix: str, func: str) -> float:
    """Cumulative time of one (non-recursive) function, matched by the end of its file path and its name."""
    return sum(ct for (filename, _line, name), (_cc, _nc, _tt, ct, _callers) in raw.stats.items()
               if name == func and filename.replace(os.sep, "/").endswith(path_suffix))


def profile_loop(art, n: int, kind: str) -> str:
    """cProfile of n devchain transfers (kind "transfer") or bump() transactions (kind "bump") through dev.w3."""
    from hemi.devchain import Devchain

    dev = Devchain()
    w3, (a, b) = dev.w3, dev.accounts[:2]
    warm_up(w3, [a, b], art)
    c = deploy(w3, art, a)
    prof = cProfile.Profile()
    prof.enable()
    if kind == "transfer":
        transfers(w3, a, b, n)
    else:
        bumps(w3, c, a, n)
    prof.disable()
    out = io.StringIO()
    pstats.Stats(prof, stream=out).strip_dirs().sort_stats("cumulative").print_stats(25)
    raw = pstats.Stats(prof)
    total = raw.total_tt
    out.write(f"where the time goes ({n} {kind}s, {total:.2f} s profiled, {total / n * 1e3:.2f} ms each under "
              "cProfile; cumulative, overlapping):\n")
    node = _cumulative(raw, "hemi/web3/provider.py", "make_request")
    for label, value in (
            ("devchain side (hemi.web3 provider, all RPC methods)", node),
            ("  Devchain.include (eth_sendTransaction: validate, apply, seal)",
             _cumulative(raw, "hemi/node/devchain.py", "include")),
            ("    open_block (L1-attributes deposit, hVM view)",
             _cumulative(raw, "hemi/node/op_stack.py", "open_block")),
            ("    py-evm apply_transaction (every transaction, deposits included)",
             _cumulative(raw, "eth/vm/base.py", "apply_transaction")),
            ("    py-evm VM.finalize_block (state root of the block)",
             _cumulative(raw, "eth/vm/base.py", "finalize_block")),
            ("  estimate_gas (eth_estimateGas)", _cumulative(raw, "hemi/hvm/calls.py", "estimate_gas")),
            ("    call (EVM runs for estimates/eth_call)", _cumulative(raw, "hemi/hvm/calls.py", "call")),
            ("web3.py client side (middleware, auto-fill, validation, formatting)", total - node)):
        out.write(f"  {value / total * 100:5.1f} %  {value:7.3f} s  {label}\n")
    by_pkg: dict[str, float] = defaultdict(float)
    for (filename, _line, _func), (_cc, _nc, tt, _ct, _callers) in raw.stats.items():
        by_pkg[_package_of(filename)] += tt
    out.write("self time by package:\n")
    for pkg, tt in sorted(by_pkg.items(), key=lambda kv: -kv[1])[:12]:
        out.write(f"  {tt / total * 100:5.1f} %  {tt:7.3f} s  {pkg}\n")
    return out.getvalue()


# ---------------------------------------------------------------------------------------------- main


def start_peers(skip_anvil: bool, notes: list[str]) -> tuple[dict[str, tuple[Any, list[str]]], Any, Any, str]:
    """(peers by name, the devchain, the anvil node, anvil's version); a peer that cannot start is noted."""
    from web3 import EthereumTesterProvider, Web3

    from hemi.devchain import Devchain

    dev = Devchain()
    peers: dict[str, tuple[Any, list[str]]] = {"devchain": (dev.w3, list(dev.accounts))}
    node, anvil_ver = None, "not run (--skip-anvil)"
    if not skip_anvil:
        node, anvil_ver = _anvil.join_peers(peers, notes)
    w3 = Web3(EthereumTesterProvider())
    peers["eth-tester"] = (w3, list(w3.eth.accounts))
    return peers, dev, node, anvil_ver


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--n", type=int, default=200, help="transfers, contract calls and eth_calls per round")
    parser.add_argument("--repeat", type=int, default=3, help="timed rounds per peer, interleaved; medians kept")
    parser.add_argument("--skip-anvil", action="store_true", help="do not install or run anvil (nothing judged)")
    parser.add_argument("--profile", action="store_true", help="cProfile the devchain transfer and bump() loops")
    parser.add_argument("--cold-runs", type=int, default=3, help="cold-start subprocesses (median); 0 skips")
    args = parser.parse_args()
    n, repeat = max(1, args.n), max(1, args.repeat)

    from hemi.compiler import compile

    art = compile({"Counter.sol": COUNTER_SOURCE})["Counter"]
    notes: list[str] = []
    print("setting up and warming up the peers ...", flush=True)
    peers, dev, node, anvil_ver = start_peers(args.skip_anvil, notes)
    try:
        for name in list(peers):
            try:
                warm_up(*peers[name], art)
            except Exception as exc:  # noqa: BLE001
                notes.append(f"{name} failed in the warm-up: {type(exc).__name__}: {exc}")
                del peers[name]
        results = run_rounds(peers, art, n, repeat, notes)
        print("snapshot + revert ...", flush=True)
        snaps = {name: devchain_snapshot_revert(dev, n) if name == "devchain" else testing_snapshot_revert(*p, n)
                 for name, p in peers.items()}
    finally:
        if node is not None:
            node.stop()
    hbk_ms, hbk_why = hbk_read(dev, min(n, 200))
    cold = None
    if args.cold_runs > 0:
        print(f"cold start: {args.cold_runs} fresh subprocess(es) ...", flush=True)
        from cold_start import measure  # benchmarks/cold_start.py

        cold = measure(args.cold_runs)

    print()
    print("\n".join(environment(f"anvil {anvil_ver}")))
    print(f"N = {n} of each per round, warm-up {WARMUP} of each, median of {repeat} interleaved round(s); "
          "web3 auto-filled transactions; wall clock")
    v = Verdicts()
    d, a, e = results.get("devchain"), results.get("anvil"), results.get("eth-tester")
    v.throughput(LABELS, {"devchain": d, "anvil": a, "eth-tester": e}, "devchain", "anvil", TARGETS,
                 rival_expected=not args.skip_anvil)
    for peer, r in (("devchain", d), ("anvil", a), ("eth-tester", e)):
        if r is not None:
            v.info(f"deploy the counter, {peer}", r["deploy_ms"], " ms")
    for peer, ms in snaps.items():
        v.info(f"snapshot + revert after 5 txs, {peer}", ms, " ms")
    if cold is not None:
        v.info("cold start: import hemi, Devchain(), first deploy (wall)", statistics.median(cold["hemi"]), " s")
    if hbk_ms is not None:
        v.info("hBK getLastHeader().call() through dev.w3", hbk_ms, " ms")
    else:
        notes.append(f"hBK read: {hbk_why}")
    v.print()
    for note in notes:
        print("note:", note)
    if args.profile:
        print("\nprofiling the devchain transfer and bump() loops ...", flush=True)
        for kind in ("transfer", "bump"):
            print(f"cProfile of {n} devchain {kind}s through dev.w3, top 25 by cumulative time:")
            print(profile_loop(art, n, kind))
    return v.exit_code()


if __name__ == "__main__":
    sys.exit(main())
