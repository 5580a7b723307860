"""The fork flags of ``hemi devchain`` (anvil's names): ``--fork-url``, ``--fork-block-number``, ``--no-fork-cache``.

Kept apart from :mod:`hemi.cli` so the command only wires them: :func:`fork_options` adds the flags and
:func:`apply_fork_options` turns their values into devchain options. docs/fork.md explains fork mode.
"""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

import click

# options whose command-line defaults are an unforked devchain's: on a fork the remote's (chain id) or the fork's
# own defaults (no OP-stack system transactions) apply unless the flag is given
_FORK_OWN_DEFAULTS = ("chain_id", "op_stack")


def fork_options(fn: Callable[..., Any]) -> Callable[..., Any]:
    """Decorate a click command with the fork flags; the command receives them as keyword arguments."""
    options = [
        click.option("--fork-url", "-f", default=None, metavar="URL",
                     help="Fork the EVM state of this Hemi JSON-RPC endpoint (http(s)://...); state, old blocks and "
                          "hVM precompile answers are read from it lazily at the fork block."),
        click.option("--fork-block-number", default=None, type=click.IntRange(min=0), metavar="N",
                     help="Block to fork at [default: the remote's latest, pinned at start]."),
        click.option("--no-fork-cache", "--no-storage-caching", "no_fork_cache", is_flag=True,
                     help="Do not keep the remote's answers in the on-disk cache (nor read them from it); "
                          "--no-storage-caching is anvil's name."),
    ]
    for option in reversed(options):
        fn = option(fn)
    return fn


def apply_fork_options(opts: dict[str, Any], config: dict[str, Any], given: Callable[[str], bool],
                       state_file: str | None) -> None:
    """Move the fork flags out of ``opts`` into the devchain ``config``; ``given(name)`` tells whether a devchain
    option came from the command line (an unforked default is then dropped, see :data:`_FORK_OWN_DEFAULTS`)."""
    url = opts.pop("fork_url", None)
    block = opts.pop("fork_block_number", None)
    no_cache = opts.pop("no_fork_cache", False)
    if url is None:
        if block is not None:
            raise click.UsageError("--fork-block-number needs --fork-url")
        return
    if state_file:
        raise click.UsageError("--state cannot be used with --fork-url: a fork's state lives mostly on the remote")
    config.update(fork_url=url, fork_block=block, fork_cache=not no_cache)
    for name in _FORK_OWN_DEFAULTS:
        source = "no_op_stack" if name == "op_stack" else name
        if not given(source):
            config.pop(name, None)
