"""Targets and verdicts shared by the benchmark scripts: each figure is printed with its target, PASS or MISS.

A script collects its figures in a :class:`Verdicts` and exits with :meth:`Verdicts.exit_code`: nonzero when a
target is missed, so a run can gate a release. Benchmarks are never part of the test suite (they time things).
"""

from __future__ import annotations

import statistics
import time
from collections.abc import Callable
from dataclasses import dataclass, field
from typing import Any


@dataclass
class Verdicts:
    rows: list[tuple[str, str, str, str]] = field(default_factory=list)
    missed: int = 0

    def at_most(self, name: str, measured: float, target: float, unit: str = "") -> None:
        self._add(name, measured, target, unit, measured <= target, "<=")

    def at_least(self, name: str, measured: float, target: float, unit: str = "") -> None:
        self._add(name, measured, target, unit, measured >= target, ">=")

    def info(self, name: str, measured: float, unit: str = "") -> None:
        self.rows.append((name, f"{measured:.3g}{unit}", "", ""))

    def _add(self, name: str, measured: float, target: float, unit: str, ok: bool, op: str) -> None:
        self.rows.append((name, f"{measured:.3g}{unit}", f"{op} {target:g}{unit}", "PASS" if ok else "MISS"))
        self.missed += not ok

    def print(self) -> None:
        widths = [max(len(r[i]) for r in [("figure", "measured", "target", "")] + self.rows) for i in range(4)]
        for row in [("figure", "measured", "target", "")] + self.rows:
            print("  ".join(cell.ljust(w) for cell, w in zip(row, widths, strict=True)).rstrip())

    def exit_code(self) -> int:
        return 1 if self.missed else 0


def median_ms(fn: Callable[[], Any], iterations: int) -> float:
    """Median wall time of ``fn`` in milliseconds over ``iterations`` calls."""
    times = []
    for _ in range(iterations):
        t0 = time.perf_counter()
        fn()
        times.append((time.perf_counter() - t0) * 1000)
    return statistics.median(times)
