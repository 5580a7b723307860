"""The pytest plugin's fork fixture: ``fork_devchain``, a devchain forked from a Hemi RPC (docs/fork.md).

Configured by the option ``--hemi-fork-url URL`` (or the ini option ``hemi_fork_url``, or ``$HEMI_FORK_URL``) and
``--hemi-fork-block N`` (``hemi_fork_block``, ``$HEMI_FORK_BLOCK``; default: the remote's latest, pinned when the
fixture is first used). One forked devchain per session and configuration, built on first use; each test runs inside
``with dev.anchor():``, so what it does to the fork is undone afterwards (the remote is never written). Without a URL
the tests that use the fixture are skipped, saying how to set one. Like :mod:`hemi.testing.plugin`, this module
imports only pytest. The plugin registers this module (as ``hemi-fixtures-fork``): ``fork_devchain`` is a
module-level function reading the plugin's state (:mod:`hemi.testing.state`).
"""

from __future__ import annotations

import os
from collections.abc import Callable, Iterator
from typing import Any

import pytest

from hemi.testing.state import plugin_state  # imports only pytest

URL_ENV, BLOCK_ENV = "HEMI_FORK_URL", "HEMI_FORK_BLOCK"


def add_options(parser: pytest.Parser) -> None:
    group = parser.getgroup("hemi", "hemi-sdk devchain")
    group.addoption("--hemi-fork-url", action="store", default=None, dest="hemi_fork_url", metavar="URL",
                    help=f"Hemi JSON-RPC URL the fork_devchain fixture forks (also ini hemi_fork_url, ${URL_ENV})")
    group.addoption("--hemi-fork-block", action="store", type=int, default=None, dest="hemi_fork_block",
                    metavar="N", help=f"block the fork_devchain fixture forks at (also ini hemi_fork_block, "
                                      f"${BLOCK_ENV}; default: the remote's latest)")
    parser.addini("hemi_fork_url", "Hemi JSON-RPC URL the fork_devchain fixture forks", default="")
    parser.addini("hemi_fork_block", "block the fork_devchain fixture forks at (default: latest)", default="")


def fork_settings(config: pytest.Config) -> tuple[str | None, int | None]:
    """(url, block): the command line first, then the ini file, then the environment."""
    url = config.getoption("hemi_fork_url", None) or str(config.getini("hemi_fork_url")).strip() or \
        os.environ.get(URL_ENV) or None
    block: Any = config.getoption("hemi_fork_block", None)
    if block is None:
        block = str(config.getini("hemi_fork_block")).strip() or os.environ.get(BLOCK_ENV) or None
    if block is not None:
        try:
            block = int(str(block), 0)
        except ValueError:
            raise pytest.UsageError(f"the fork block is an integer, got {block!r}") from None
    return url, block


@pytest.fixture
def fork_devchain(request: pytest.FixtureRequest, hemi_devchains: Callable[..., Any]) -> Iterator[Any]:
    """The session's forked devchain, inside ``with dev.anchor():`` (state, old blocks and hVM answers from
    the remote at the fork block; local changes undone after the test)."""
    state = plugin_state(request.config)  # fork_settings(config), read once by the plugin's pytest_configure
    if not state.fork_url:
        pytest.skip(f"fork_devchain needs a fork URL: --hemi-fork-url URL, ini hemi_fork_url or ${URL_ENV}")
    dev = hemi_devchains(fork_url=state.fork_url, fork_block=state.fork_block)
    with dev.anchor():
        yield dev
