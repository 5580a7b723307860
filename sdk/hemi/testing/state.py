"""What hemi's pytest plugin decided at configure time, kept in ``config.stash[STATE]``.

A module of its own so that the plugin (:mod:`hemi.testing.plugin`) and its fixture modules
(:mod:`hemi.testing.fixtures`, :mod:`hemi.testing.fork_fixture`, :mod:`hemi.testing.accounts_fixture`) share it
without importing each other: the fixtures are module-level functions that read this state through
``request.config``, never methods of a plugin object (pytest 9 deprecates session-scoped fixtures defined as
instance methods). Imports only pytest.
"""

from __future__ import annotations

from typing import Any

import pytest


class HemiPluginState:
    """What the plugin decided at configure time (``config.stash``), and notes for the end of the run."""

    def __init__(self, seed: int, devchain_config: dict[str, Any], enabled: bool, reason: str,
                 ape: str | None = None, fork_url: str | None = None, fork_block: int | None = None) -> None:
        self.seed = seed
        self.devchain_config = devchain_config
        self.enabled = enabled
        self.reason = reason
        self.ape = ape  # name of ape's active pytest plugin: the fixtures then follow ape's chain
        self.fork_url = fork_url  # fork_devchain's remote (hemi.testing.fork_fixture.fork_settings)
        self.fork_block = fork_block
        self.notes: list[str] = []  # shown in the terminal summary (kept by -q)

    def note(self, line: str) -> None:
        if line not in self.notes:
            self.notes.append(line)


STATE = pytest.StashKey[HemiPluginState]()


def plugin_state(config: pytest.Config) -> HemiPluginState:
    """The session's :class:`HemiPluginState` (set by the plugin's ``pytest_configure``)."""
    return config.stash[STATE]
