"""Testing helpers for Hemi contracts: assertions about both chains, and the pytest plugin.

``from hemi.testing import assert_btc_confirmed, assert_superfinal, ...`` works with or without pytest. The plugin
(``hemi.testing.plugin``, registered through the ``pytest11`` entry point ``hemi``) adds the fixtures ``devchain``,
``w3``, ``btc``, ``bitcoin_kit``, ``tunnel`` and (without ape) ``accounts``, and the ``btc_reorg`` and ``hemi``
markers; under ape they are views of ape's ``hemi:local`` chain. See its docstring and docs/testing.md.
"""

from hemi.testing.assertions import (
    assert_btc_confirmed,
    assert_not_superfinal,
    assert_ordered_after,
    assert_superfinal,
    resolve_l2_block,
)

__all__ = ["assert_btc_confirmed", "assert_not_superfinal", "assert_ordered_after", "assert_superfinal",
           "resolve_l2_block"]
