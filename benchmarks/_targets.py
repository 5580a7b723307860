"""Targets and verdicts shared by the benchmark scripts: each figure is printed with its target, PASS or MISS.

A script collects its figures in a :class:`Verdicts` and exits with :meth:`Verdicts.exit_code`: nonzero when a
target is missed, so a run can gate a release. Benchmarks are never part of the test suite (they time things).
"""

from __future__ import annotations

import datetime
import os
import platform
import statistics
import subprocess
import time
from collections.abc import Callable
from dataclasses import dataclass, field
from importlib import metadata
from pathlib import Path
from typing import Any

VERSIONS = ("hemi-sdk", "web3", "eth-tester", "py-evm", "eth-account", "rlp", "trie", "coincurve")


@dataclass
class Verdicts:
    rows: list[tuple[str, str, str, str]] = field(default_factory=list)
    missed: int = 0

    def at_most(self, name: str, measured: float, target: float, unit: str = "") -> None:
        self._add(name, measured, target, unit, measured <= target, "<=")

    def at_least(self, name: str, measured: float, target: float, unit: str = "") -> None:
        self._add(name, measured, target, unit, measured >= target, ">=")

    def info(self, name: str, measured: float, unit: str = "") -> None:
        self.rows.append((name, f"{_fmt(measured)}{unit}", "", ""))

    def unmeasured(self, name: str, target: float, unit: str = "", op: str = ">=") -> None:
        """A target whose figure could not be measured (a peer did not run): counted as missed."""
        self.rows.append((name, "n/a", f"{op} {target:g}{unit}", "MISS"))
        self.missed += 1

    def _add(self, name: str, measured: float, target: float, unit: str, ok: bool, op: str) -> None:
        self.rows.append((name, f"{_fmt(measured)}{unit}", f"{op} {target:g}{unit}", "PASS" if ok else "MISS"))
        self.missed += not ok

    def print(self) -> None:
        widths = [max(len(r[i]) for r in [("figure", "measured", "target", "")] + self.rows) for i in range(4)]
        for row in [("figure", "measured", "target", "")] + self.rows:
            print("  ".join(cell.ljust(w) for cell, w in zip(row, widths, strict=True)).rstrip())

    def exit_code(self) -> int:
        return 1 if self.missed else 0

    def throughput(self, labels: dict[str, str], peers: dict[str, dict[str, float] | None], subject: str,
                   rival: str, targets: dict[str, float], *, rival_expected: bool) -> None:
        """Per measure: each peer's rate (info), then ``subject / rival`` against its target (unmeasured, so
        missed, when the rival was expected but did not run), then ``subject`` over every other peer (info)."""
        s, r = peers.get(subject), peers.get(rival)
        for key, label in labels.items():
            for peer, res in peers.items():
                if res is not None:
                    self.info(f"{label}, {peer} (/s)", res[key])
            if s is not None and r is not None:
                self.at_least(f"{label}: {subject} / {rival}", s[key] / r[key], targets[key], "x")
            elif rival_expected:
                self.unmeasured(f"{label}: {subject} / {rival}", targets[key], "x")
            for peer, res in peers.items():
                if s is not None and res is not None and peer not in (subject, rival):
                    self.info(f"{label}: {subject} / {peer}", s[key] / res[key], "x")


def _fmt(x: float) -> str:
    """3 significant digits, without an exponent for large figures (1,234 rather than 1.23e+03)."""
    return f"{x:,.0f}" if abs(x) >= 1000 else f"{x:.3g}"


def median_ms(fn: Callable[[], Any], iterations: int) -> float:
    """Median wall time of ``fn`` in milliseconds over ``iterations`` calls."""
    times = []
    for _ in range(iterations):
        t0 = time.perf_counter()
        fn()
        times.append((time.perf_counter() - t0) * 1000)
    return statistics.median(times)


def environment(extra: str = "") -> list[str]:
    """Date, machine and load average, library versions and the SDK's git commit: printed with every run."""
    cpu = next((line.split(":", 1)[1].strip() for line in Path("/proc/cpuinfo").read_text().splitlines()
                if line.startswith("model name")), platform.processor() or "unknown")
    versions = []
    for dist in VERSIONS:
        try:
            versions.append(f"{dist} {metadata.version(dist)}")
        except metadata.PackageNotFoundError:
            pass
    try:
        import hemi  # deferred: only for where its source is

        src = Path(hemi.__file__).resolve().parent
        commit = subprocess.run(["git", "rev-parse", "--short", "HEAD"], capture_output=True, text=True,
                                cwd=src).stdout.strip() or "?"
        if subprocess.run(["git", "status", "--porcelain", "--", "."], capture_output=True, text=True,
                          cwd=src).stdout.strip():
            commit += " with uncommitted changes in the SDK"
    except (ImportError, OSError):
        commit = "?"
    load = ", ".join(f"{x:.2f}" for x in os.getloadavg())
    return [f"date (UTC) {datetime.datetime.now(datetime.UTC):%Y-%m-%d %H:%M}; {len(os.sched_getaffinity(0))} CPUs "
            f"({cpu}); load average {load}",
            f"Python {platform.python_version()}; " + ", ".join(versions) + f"; SDK git {commit}" +
            (f"; {extra}" if extra else "")]
