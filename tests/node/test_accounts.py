"""Dev accounts: the default mnemonic's precomputed table is what deriving gives, and other mnemonics derive."""

from __future__ import annotations

import pytest

from hemi.node import accounts
from hemi.node.accounts import DEFAULT_MNEMONIC, derive_account, derive_accounts


@pytest.mark.parametrize("index", range(len(accounts._DEFAULT_KEYS)))
def test_default_table_matches_the_derivation(index):
    derived = accounts._derive(DEFAULT_MNEMONIC, index)
    tabled = derive_account(DEFAULT_MNEMONIC, index)
    assert (str(tabled), tabled.private_key) == (str(derived), derived.private_key)


def test_accounts_past_the_table_and_other_mnemonics_are_derived():
    past = derive_accounts(count=len(accounts._DEFAULT_KEYS) + 2)[-2:]
    assert [str(a) for a in past] == [str(accounts._derive(DEFAULT_MNEMONIC, i)) for i in (10, 11)]
    mnemonic = "legal winner thank year wave sausage worth useful legal winner thank yellow"
    other = derive_account(mnemonic, 0)
    assert other != derive_account(DEFAULT_MNEMONIC, 0)
    derived = accounts._derive(mnemonic, 0)
    assert (str(other), other.private_key) == (str(derived), derived.private_key)
