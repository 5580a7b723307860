"""hemi's pytest fixtures with ape's pytest plugin active (eth-ape installed: its ``pytest11`` entry point loads it
into plain ``pytest`` runs too). One chain: hemi's ``devchain`` is ape's ``chain.provider.devchain``, ape's
``accounts`` and ``chain`` are ape's, ape's per-test snapshot undoes Bitcoin blocks as well; with another network the
fixtures skip and a summary line that ``-q`` keeps says why. Each run is a subprocess, as a user's is."""

from __future__ import annotations

import importlib.util
import sys
from pathlib import Path

import pytest

pytest_plugins = ["pytester"]

pytestmark = pytest.mark.skipif(importlib.util.find_spec("ape") is None or importlib.util.find_spec("ape_hemi") is None,
                                reason="eth-ape and ape-hemi are not installed")

ONE_CHAIN_TESTS = """
    import pytest

    def test_1_one_chain(devchain, chain, accounts, w3, btc, tunnel):
        assert chain.provider.devchain is devchain and w3 is devchain.w3 and btc is devchain.btc
        assert tunnel is devchain.tunnel
        assert type(accounts).__module__.startswith("ape")  # ape's accounts fixture, not shadowed
        assert [a.address for a in accounts[:3]] == devchain.accounts[:3]
        btc.mine(4)
        devchain.sync_btc()
        accounts[0].transfer(accounts[1], "1 ether")
        assert btc.height == 4 and devchain.hvm_view().light_tip_height == 4

    def test_2_ape_isolation_undid_both_chains(devchain, btc, accounts):
        assert btc.height == 0 and devchain.hvm_view().light_tip_height == 0
        assert accounts[1].balance == 10_000 * 10**18

    def test_3_assertion_helpers(devchain, accounts):
        from hemi.testing import assert_superfinal
        receipt = accounts[0].transfer(accounts[1], 1)
        devchain.superfinalize(receipt.txn_hash)
        assert_superfinal(devchain, receipt.txn_hash)
"""


def run(pytester: pytest.Pytester, *args: str) -> pytest.RunResult:
    return pytester.runpytest_subprocess("-q", "-p", "no:cacheprovider", "-p", "no:hypothesispytest",
                                         "-p", "no:randomly", *args)


def test_plain_pytest_and_ape_test_without_network_run_hemi_fixtures_on_apes_chain(pytester):
    """Used to be: plain pytest had no hemi fixtures (the plugin stood down, silently under -q), and `ape test`
    without --network crashed on `'LocalProvider' object has no attribute 'devchain'`."""
    pytester.makepyfile(ONE_CHAIN_TESTS)
    result = run(pytester)
    result.assert_outcomes(passed=3)
    # the network was chosen for the user (no --network, no default_ecosystem: hemi): said under -q
    result.stdout.fnmatch_lines(["hemi: ape's network for this run is hemi:local (tests use hemi fixtures*"])
    ape = pytester.run(str(Path(sys.executable).with_name("ape")), "test", "-q", "-p", "no:cacheprovider",
                       "-p", "no:hypothesispytest", "-p", "no:randomly")
    ape.assert_outcomes(passed=3)
    assert "AttributeError" not in ape.stdout.str()


def test_default_ecosystem_hemi_needs_no_option_and_the_old_forcing_option_still_gives_one_chain(pytester):
    # `-o hemi_fixtures=on` used to build a second devchain under ape and shadow ape's accounts
    pytester.makefile(".yaml", **{"ape-config": "name: my-dapp\ndefault_ecosystem: hemi\n"})
    pytester.makepyfile(ONE_CHAIN_TESTS)
    result = run(pytester, "-o", "hemi_fixtures=on")
    result.assert_outcomes(passed=3)
    assert "hemi:" not in result.stdout.str()  # nothing was chosen for the user


def test_another_network_makes_the_fixtures_skip_saying_why_under_q(pytester):
    pytester.makepyfile("""
        def test_hemi(devchain):
            pass

        def test_plain_ape(accounts, chain):
            assert chain.provider.network.name == "local" and accounts[0].balance > 0
    """)
    result = run(pytester, "--network", "ethereum:local")
    result.assert_outcomes(passed=1, skipped=1)
    result.stdout.fnmatch_lines(["hemi: devchain fixtures off: ape's network is ethereum:local*, not hemi:local*"
                                 "--network hemi:local*default_ecosystem: hemi*"])
