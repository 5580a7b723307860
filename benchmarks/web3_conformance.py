"""web3.py's own module test suites (EthModuleTest, NetModuleTest, Web3ModuleTest) against three backends, scores
side by side: the in-process devchain (``dev.w3``), ``hemi devchain`` over HTTP, and anvil over HTTP (npm
``@foundry-rs/anvil``, installed into hemi-sdk's cache by benchmarks/_anvil.py).

    python benchmarks/web3_conformance.py          # prints the table; exits 1 if hemi scores below anvil on a path

The suites are the ones in tests/conformance (run by the test suite too, where known failures are marked xfail);
here every backend runs with ``--runxfail``, so the counts are raw passes. A test is counted once per parameter set,
as pytest counts it.
"""

from __future__ import annotations

import os
import re
import subprocess
import sys
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent))

from _anvil import start_anvil  # noqa: E402

ROOT = Path(__file__).resolve().parent.parent
SUITES = ROOT / "tests" / "conformance"
CHAIN_ID, BALANCE_ETH = "131277322940537", "1000000"  # as tests/conformance/conftest.py: eth-tester's values


def run_suite(test_file: str, env_extra: dict[str, str]) -> tuple[int, int, list[str]]:
    """(passed, total, failed test ids) of one pytest run of ``test_file``."""
    env = dict(os.environ, **env_extra)
    proc = subprocess.run([sys.executable, "-m", "pytest", "-q", "-p", "no:cacheprovider", "-p", "no:xdist",
                           "--runxfail", "-rfE", "-o", "addopts=", str(SUITES / test_file)],
                          cwd=ROOT, env=env, capture_output=True, text=True)
    out = proc.stdout
    counts = {k: int(v) for v, k in re.findall(r"(\d+) (passed|failed|errors?|skipped)", out.splitlines()[-1])}
    passed = counts.get("passed", 0)
    total = passed + counts.get("failed", 0) + counts.get("error", 0) + counts.get("errors", 0) \
        + counts.get("skipped", 0)
    failed = [m.split("::")[-1].split(" ")[0] for m in re.findall(r"^(?:FAILED|ERROR) (\S+)", out, re.M)]
    return passed, total, failed


def main() -> int:
    results = {"hemi in-process (dev.w3)": run_suite("test_web3_suite_inprocess.py", {}),
               "hemi devchain over HTTP": run_suite("test_web3_suite_http.py", {})}
    with start_anvil(extra_args=["--chain-id", CHAIN_ID, "--balance", BALANCE_ETH]) as node:
        results["anvil over HTTP"] = run_suite("test_web3_suite_http.py", {"HEMI_WEB3_SUITE_URL": node.url})
    anvil_passed = results["anvil over HTTP"][0]
    print(f"{'backend':<28} {'passed':>7} {'of':>5}")
    for name, (passed, total, _) in results.items():
        print(f"{name:<28} {passed:>7} {total:>5}")
    anvil_failed = set(results["anvil over HTTP"][2])
    for name, (_, _, failed) in results.items():
        if name.startswith("hemi"):
            worse = sorted(set(failed) - anvil_failed)
            print(f"\n{name}: fails where anvil passes ({len(worse)}):")
            for t in worse:
                print(f"  {t}")
    ok = all(p >= anvil_passed for n, (p, _, _) in results.items() if n.startswith("hemi"))
    print("\ntarget hemi >= anvil on both paths:", "PASS" if ok else "MISS")
    return 0 if ok else 1


if __name__ == "__main__":
    sys.exit(main())
