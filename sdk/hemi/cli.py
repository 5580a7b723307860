"""The ``hemi`` command line: a thin face over the public API."""

from __future__ import annotations

import click


@click.group()
@click.version_option(package_name="hemi-sdk")
def main() -> None:
    """hemi-sdk: devchain and tools for Hemi smart-contract developers."""


@main.command()
@click.option("--seed", default=0, show_default=True, help="Chain seed: same seed, same blocks and txids.")
def demo(seed: int) -> None:
    """Run the main demo on the embedded devchain."""
    from hemi.demo import main as run

    run(seed=seed)


if __name__ == "__main__":
    main()
