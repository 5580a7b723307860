"""Rebuild the shipped artifacts: ``python -m hemi.compiler.build_shipped [--contracts DIR] [--out DIR] [--check]``.

Compiles every ``*.sol`` under the repository's ``contracts/`` (except ``contracts/test/`` and
``contracts/examples/``) with the pinned settings (solc :data:`~hemi.compiler.DEFAULT_SOLC_VERSION`, optimizer on
with 200 runs, EVM ``cancun``), source names relative to ``contracts/``, and writes one ``<ContractName>.json`` per
contract, interface and library into ``sdk/hemi/artifacts/``: sorted keys, two-space indent, trailing newline, no
timestamps, so an unchanged tree rebuilds byte for byte. JSON files there that no longer correspond to a contract
are removed. ``--check`` writes nothing and exits 1 if the files differ from a fresh build.
"""

from __future__ import annotations

import argparse
import sys
from pathlib import Path

from hemi._files import atomic_write_text
from hemi.compiler.artifacts import ContractArtifact
from hemi.compiler.compiling import DEFAULT_EVM_VERSION, DEFAULT_OPTIMIZE_RUNS, compile
from hemi.compiler.resolve import DEFAULT_SOLC_VERSION
from hemi.compiler.shipped import ARTIFACTS_DIR
from hemi.errors import HemiLookupError, HemiValueError

REPO_ROOT = Path(__file__).resolve().parents[3]
CONTRACTS_DIR = REPO_ROOT / "contracts"
EXCLUDED = ("test", "examples")


def contract_files(contracts_dir: Path = CONTRACTS_DIR) -> list[Path]:
    """The ``*.sol`` files to ship, sorted, leaving out ``test/`` and ``examples/``."""
    if not contracts_dir.is_dir():
        raise HemiLookupError(f"no contracts directory at {contracts_dir} (run this from a source checkout)")
    files = []
    for path in sorted(contracts_dir.rglob("*.sol")):
        rel = path.relative_to(contracts_dir)
        if rel.parts[0] in EXCLUDED or not path.is_file():
            continue
        files.append(path)
    return files


def build(contracts_dir: Path = CONTRACTS_DIR, *, cache: bool = True) -> dict[str, ContractArtifact]:
    """Compile the shipped contracts with the pinned settings; artifacts by contract name.

    Raises ``HemiValueError`` if two sources define the same name (the files are named by contract).
    """
    files = contract_files(contracts_dir)
    if not files:
        return {}
    artifacts = compile(
        files,
        base_path=contracts_dir,
        solc_version=DEFAULT_SOLC_VERSION,
        optimize=True,
        optimize_runs=DEFAULT_OPTIMIZE_RUNS,
        evm_version=DEFAULT_EVM_VERSION,
        cache=cache,
    )
    by_name: dict[str, ContractArtifact] = {}
    for art in artifacts.values():
        if art.name in by_name:
            raise HemiValueError(
                f"contract name {art.name!r} is defined in both {by_name[art.name].source_name} and "
                f"{art.source_name}; shipped artifacts are named by contract, so names must be unique"
            )
        by_name[art.name] = art
    return dict(sorted(by_name.items()))


def render(artifact: ContractArtifact) -> str:
    """The exact text of a shipped artifact file."""
    return artifact.to_json() + "\n"


def differences(built: dict[str, ContractArtifact], out_dir: Path = ARTIFACTS_DIR) -> list[str]:
    """What writing ``built`` to ``out_dir`` would change; empty if the directory is up to date."""
    problems = []
    existing = {p.stem: p for p in out_dir.glob("*.json")} if out_dir.is_dir() else {}
    for name, art in built.items():
        path = existing.get(name)
        if path is None:
            problems.append(f"{name}.json is missing")
        elif path.read_text(encoding="utf-8") != render(art):
            problems.append(f"{name}.json is out of date")
    for name in sorted(set(existing) - set(built)):
        problems.append(f"{name}.json has no contract any more")
    return problems


def write(built: dict[str, ContractArtifact], out_dir: Path = ARTIFACTS_DIR) -> list[str]:
    """Write ``built`` into ``out_dir`` (and remove stale files); return the changes made."""
    changes = differences(built, out_dir)
    out_dir.mkdir(parents=True, exist_ok=True)
    for name, art in built.items():
        path = out_dir / f"{name}.json"
        text = render(art)
        if not path.exists() or path.read_text(encoding="utf-8") != text:
            atomic_write_text(path, text)
    for path in out_dir.glob("*.json"):
        if path.stem not in built:
            path.unlink()
    return changes


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(prog="python -m hemi.compiler.build_shipped", description=__doc__.split("\n")[0])
    parser.add_argument(
        "--contracts", type=Path, default=CONTRACTS_DIR, help="contracts directory (default: %(default)s)"
    )
    parser.add_argument("--out", type=Path, default=ARTIFACTS_DIR, help="artifact directory (default: %(default)s)")
    parser.add_argument("--check", action="store_true", help="only compare; exit 1 if the artifacts are stale")
    args = parser.parse_args(argv)
    built = build(args.contracts.resolve())
    if args.check:
        problems = differences(built, args.out)
        for p in problems:
            print(p, file=sys.stderr)
        print("shipped artifacts are up to date" if not problems else "shipped artifacts are stale", file=sys.stderr)
        return 1 if problems else 0
    changes = write(built, args.out)
    for c in changes:
        print(f"updated: {c}")
    print(f"{len(built)} artifact(s) in {args.out}: {', '.join(built) or 'none'}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
