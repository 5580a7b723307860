"""The architecture rules that import-linter's contracts do not express, as plain functions.

``make check`` (and so ``make test``) runs them over the whole package; a contributor can run them over one
sub-package while restructuring it: ``python tests/architecture_rules.py hemi.btc``. The rules (docs/architecture.md):

- no import cycle between modules, counting imports made only for type hints (``if TYPE_CHECKING:``);
- no module over 500 lines;
- imports at module top, except a deliberately deferred one, whose line (or the line above it) says ``deferred``
  and why.
"""

from __future__ import annotations

import ast
import sys
from collections.abc import Iterator
from pathlib import Path

import grimp

ROOT = Path(__file__).resolve().parents[1]
SOURCES = {"hemi": ROOT / "sdk" / "hemi", "ape_hemi": ROOT / "plugins" / "ape-hemi" / "ape_hemi"}
MAX_LINES = 500


def module_files(prefix: str = "hemi") -> Iterator[tuple[str, Path]]:
    """(dotted module name, path) for every module under ``prefix``."""
    top = prefix.split(".")[0]
    base = SOURCES[top]
    for path in sorted(base.rglob("*.py")):
        rel = path.relative_to(base).with_suffix("")
        parts = [top, *rel.parts]
        if parts[-1] == "__init__":
            parts.pop()
        name = ".".join(parts)
        if name == prefix or name.startswith(prefix + "."):
            yield name, path


def import_cycles(prefix: str = "hemi") -> list[list[str]]:
    """Strongly connected groups of modules under ``prefix`` that import each other (Tarjan's algorithm)."""
    graph = grimp.build_graph(prefix.split(".")[0], cache_dir=None)
    nodes = sorted(m for m in graph.modules if m == prefix or m.startswith(prefix + "."))
    edges = {m: sorted(x for x in graph.find_modules_directly_imported_by(m) if x in set(nodes)) for m in nodes}
    index: dict[str, int] = {}
    low: dict[str, int] = {}
    stack: list[str] = []
    on_stack: set[str] = set()
    groups: list[list[str]] = []
    counter = 0

    def visit(start: str) -> None:  # iterative, so a deep graph cannot hit the recursion limit
        nonlocal counter
        work = [(start, iter(edges[start]))]
        index[start] = low[start] = counter
        counter += 1
        stack.append(start)
        on_stack.add(start)
        while work:
            node, children = work[-1]
            child = next(children, None)
            if child is None:
                work.pop()
                if work:
                    low[work[-1][0]] = min(low[work[-1][0]], low[node])
                if low[node] == index[node]:
                    group = []
                    while True:
                        top = stack.pop()
                        on_stack.discard(top)
                        group.append(top)
                        if top == node:
                            break
                    if len(group) > 1:
                        groups.append(sorted(group))
            elif child not in index:
                index[child] = low[child] = counter
                counter += 1
                stack.append(child)
                on_stack.add(child)
                work.append((child, iter(edges[child])))
            elif child in on_stack:
                low[node] = min(low[node], index[child])

    for n in nodes:
        if n not in index:
            visit(n)
    return groups


def long_modules(prefix: str = "hemi") -> list[tuple[str, int]]:
    """Modules over ``MAX_LINES`` lines."""
    out = []
    for name, path in module_files(prefix):
        n = len(path.read_text(encoding="utf-8").splitlines())
        if n > MAX_LINES:
            out.append((name, n))
    return out


def undeclared_deferred_imports(prefix: str = "hemi") -> list[str]:
    """Imports inside functions whose line, or the line above, does not say ``deferred``."""
    out = []
    for _name, path in module_files(prefix):
        text = path.read_text(encoding="utf-8")
        lines = text.splitlines()
        for func in ast.walk(ast.parse(text)):
            if not isinstance(func, ast.FunctionDef | ast.AsyncFunctionDef):
                continue
            for node in ast.walk(func):
                if isinstance(node, ast.Import | ast.ImportFrom):
                    here = lines[node.lineno - 1]
                    above = lines[node.lineno - 2] if node.lineno > 1 else ""
                    if "deferred" not in here and "deferred" not in above:
                        out.append(f"{path.relative_to(ROOT)}:{node.lineno}: {here.strip()}")
    return sorted(set(out))


def main(argv: list[str]) -> int:
    prefixes = argv or ["hemi", "ape_hemi"]
    failed = False
    for prefix in prefixes:
        for group in import_cycles(prefix):
            failed = True
            print("cycle:", " <-> ".join(group))
        for name, n in long_modules(prefix):
            failed = True
            print(f"too long: {name} ({n} lines > {MAX_LINES})")
        for where in undeclared_deferred_imports(prefix):
            failed = True
            print("import inside a function without a 'deferred' reason:", where)
    return 1 if failed else 0


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
