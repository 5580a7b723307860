"""The pytest plugin's ``accounts`` fixture, registered (this module is the plugin ``hemi-fixtures-accounts``) only
without ape: under ape, ape's own ``accounts`` fixture serves (on hemi:local the same funded accounts, as ape account
objects). A module of its own so that it can be left out; like the other fixtures, a module-level function."""

from __future__ import annotations

from typing import Any

import pytest


@pytest.fixture
def accounts(devchain: Any) -> list[Any]:
    """The devchain's funded accounts (checksummed address strings with ``.private_key``)."""
    accounts: list[Any] = devchain.accounts
    return accounts
