"""hemi's pytest plugin, exercised through generated test files (pytester): fixtures on one isolated session
devchain, the btc_reorg marker, options, standing down under ape, and a cheap import."""

from __future__ import annotations

import importlib
import importlib.util
import subprocess
import sys

import pytest

from hemi.testing.plugin import parse_devchain_config

pytest_plugins = ["pytester"]

# ape's pytest plugin is loaded by every pytest run where eth-ape is installed (this repo's `.[ape]` extra), and the
# hemi plugin stands down under it; the generated runs block it, as a user without ape would have it. Hypothesis's
# plugin is blocked for speed: pytester drops modules first imported by an in-process run, so every run would
# import (and assertion-rewrite) all of hypothesis again.
NO_APE = ("-p", "no:ape_test", "-p", "no:hypothesispytest")


@pytest.fixture(scope="module", autouse=True)
def _devchain_modules_loaded_once():
    """Import the devchain's modules here, so that pytester keeps them between the in-process runs below."""
    for name in ("hemi.devchain", "hemi.web3.provider"):
        importlib.import_module(name)


def run(pytester: pytest.Pytester, *args: str) -> pytest.RunResult:
    return pytester.runpytest(*NO_APE, "--strict-markers", *args)


def test_fixtures_are_views_of_one_devchain(pytester):
    pytester.makepyfile("""
        from hemi.btc.chain import BitcoinChain

        def test_views(devchain, w3, btc, accounts):
            assert w3 is devchain.w3 and btc is devchain.btc
            assert isinstance(btc, BitcoinChain)
            assert len(accounts) == 10 and accounts == devchain.accounts
            assert w3.eth.chain_id == 31337
            h = w3.eth.send_transaction({"from": accounts[0], "to": accounts[1], "value": 5})
            assert w3.eth.get_transaction_receipt(h).status == 1
            btc.mine(3)
            assert btc.height == 3

        def test_bitcoin_kit_is_lazy(request, devchain):
            try:
                kit = request.getfixturevalue("bitcoin_kit")
            except RuntimeError as e:  # until the hBK artifact ships
                assert "has no code at 0x7007dd1C09527B92AEcd8Ae6570B73d09E0B8F12" in str(e)
            else:
                assert kit.address == "0x7007dd1C09527B92AEcd8Ae6570B73d09E0B8F12"
    """)
    result = run(pytester)
    result.assert_outcomes(passed=2)
    result.stdout.fnmatch_lines(["hemi: devchain fixtures on (seed=0)"])


def test_tunnel_fixture_is_isolated(pytester):
    pytester.makepyfile("""
        def test_1_deposits(tunnel, btc, accounts):
            alice = btc.wallet("alice")
            btc.mine(101, to=alice.address)
            tunnel.confirm(tunnel.deposit(alice, 2_000_000, recipient=accounts[1]))
            assert tunnel.balance_of(accounts[1]) == 2_000_000 - tunnel.deposit_fee(2_000_000)
            assert len(tunnel.deposits()) == 1

        def test_2_sees_none(tunnel, devchain, accounts):
            assert tunnel is devchain.tunnel
            assert tunnel.total_supply == 0 and tunnel.deposits() == []
    """)
    run(pytester).assert_outcomes(passed=2)


def test_each_test_is_isolated_on_the_one_session_devchain(pytester):
    pytester.makepyfile("""
        seen = {}

        def test_1_changes_both_chains(devchain, w3, btc, accounts):
            seen["dev"] = devchain
            seen["balance"] = w3.eth.get_balance(accounts[1])
            btc.mine(7)
            devchain.mine(4)
            w3.eth.send_transaction({"from": accounts[0], "to": accounts[1], "value": 10**18})
            devchain.automine = False
            assert btc.height == 7 and w3.eth.block_number == 5

        def test_2_sees_the_original_heights(devchain, w3, btc, accounts, devchain_session):
            assert devchain is seen["dev"] is devchain_session  # one Devchain per session
            assert btc.height == 0 and w3.eth.block_number == 0
            assert devchain.hvm_view().light_tip_height == 0
            assert w3.eth.get_balance(accounts[1]) == seen["balance"]
            assert devchain.automine

        def test_3_no_fixture_no_devchain():
            pass
    """)
    result = run(pytester, "-p", "no:randomly")
    result.assert_outcomes(passed=3)


def test_btc_reorg_marker_parametrises_over_depths(pytester):
    pytester.makepyfile("""
        import pytest

        DEPTHS = []

        @pytest.mark.btc_reorg(depths=(1, 3, 6))
        def test_reorg(btc, btc_reorg_depth):
            btc.mine(btc_reorg_depth + 2)
            tip = btc.tip
            btc.reorg(btc_reorg_depth)
            assert btc.tip != tip and btc.height == btc_reorg_depth + 3
            DEPTHS.append(btc_reorg_depth)

        @pytest.mark.btc_reorg
        def test_default_depths_without_the_argument():
            pass

        @pytest.mark.btc_reorg(2, 4)
        class TestPositional:
            def test_it(self, btc_reorg_depth):
                assert btc_reorg_depth in (2, 4)

        def test_zz_every_depth_ran():
            assert DEPTHS == [1, 3, 6]
    """)
    rec = pytester.inline_run(*NO_APE, "--strict-markers")
    ids = [r.nodeid.split("::", 1)[1] for r in rec.getreports("pytest_runtest_logreport") if r.when == "call"]
    assert ids == ["test_reorg[btc_reorg1]", "test_reorg[btc_reorg3]", "test_reorg[btc_reorg6]",
                   "test_default_depths_without_the_argument[btc_reorg1]",
                   "test_default_depths_without_the_argument[btc_reorg3]",
                   "test_default_depths_without_the_argument[btc_reorg6]",
                   "TestPositional::test_it[btc_reorg2]", "TestPositional::test_it[btc_reorg4]",
                   "test_zz_every_depth_ran"]
    rec.assertoutcome(passed=9)


def test_btc_reorg_misuse_is_reported(pytester):
    pytester.makepyfile("""
        import pytest

        @pytest.mark.btc_reorg(depths=(0, 2))
        def test_bad_depth():
            pass

        def test_depth_without_marker(btc_reorg_depth):
            pass
    """)
    result = run(pytester)
    result.stdout.fnmatch_lines(["*btc_reorg depths must be positive ints, got (0, 2)*"])
    assert result.ret != 0


def test_seed_and_config_options(pytester):
    pytester.makeini("""
        [pytest]
        hemi_seed = 5
        hemi_devchain_config =
            hvm_indexer_lag=0
            block_time = 3
    """)
    pytester.makepyfile("""
        import pytest

        def test_configured(devchain, pytestconfig):
            want = pytestconfig.getoption("hemi_seed") or 5
            assert devchain.config.seed == want
            assert devchain.config.hvm_indexer_lag == 0 and devchain.config.block_time == 3

        @pytest.mark.hemi(seed=9, hvm_indexer_lag=1)
        def test_marker_config(devchain, devchain_session):
            assert devchain is not devchain_session
            assert devchain.config.seed == 9 and devchain.config.hvm_indexer_lag == 1
            assert devchain.config.block_time == 3  # the ini settings still apply

        @pytest.mark.hemi(no_such_setting=1)
        def test_unknown_setting(devchain):
            pass
    """)
    result = run(pytester)
    result.assert_outcomes(passed=2, errors=1)
    result.stdout.fnmatch_lines(["hemi: devchain fixtures on (seed=5 hvm_indexer_lag=0 block_time=3)",
                                 "*hemi devchain configuration*HemiValueError: unknown Devchain setting "
                                 "'no_such_setting'*"])
    result = run(pytester, "--hemi-seed", "11", "-k", "configured")
    result.assert_outcomes(passed=1)
    result.stdout.fnmatch_lines(["hemi: devchain fixtures on (seed=11 *"])


def test_a_misspelt_ini_setting_names_the_closest_settings(pytester):
    """ini `hemi_devchain_config = hvm_indexr_lag=0` was a bare TypeError from DevchainConfig.__init__."""
    pytester.makeini("""
        [pytest]
        hemi_devchain_config = hvm_indexr_lag=0
    """)
    pytester.makepyfile("""
        def test_t(devchain):
            pass
    """)
    result = run(pytester)
    result.assert_outcomes(errors=1)
    result.stdout.fnmatch_lines(["*HemiValueError: unknown Devchain setting 'hvm_indexr_lag' (did you mean "
                                 "'hvm_indexer_lag'*[[]ini hemi_devchain_config: {'hvm_indexr_lag': 0}[]]*"])
    assert "TypeError" not in result.stdout.str() and "During handling" not in result.stdout.str()


def test_parse_devchain_config():
    assert parse_devchain_config(["hvm_indexer_lag=0", "automine = false", "", "# note",
                                  "chain_id=0x7a69, accounts=3 hvm_profile=deployed",
                                  "mnemonic = test test junk  # words"]) == {
        "hvm_indexer_lag": 0, "automine": False, "chain_id": 31337, "accounts": 3, "hvm_profile": "deployed",
        "mnemonic": "test test junk"}
    with pytest.raises(pytest.UsageError, match="expected key=value"):
        parse_devchain_config(["hvm_indexer_lag"])


def test_importing_the_plugin_loads_nothing_heavy():
    code = ("import sys, hemi.testing.plugin, hemi.testing; "
            "bad = sorted(m for m in sys.modules if m.split('.')[0] in ('web3', 'eth', 'eth_tester', 'eth_abi', "
            "'eth_utils', 'solcx', 'ape', 'bitcoin') or m.startswith(('hemi.node', 'hemi.hvm', 'hemi.web3', "
            "'hemi.btc', 'hemi.testing.fixtures'))); print(bad); assert not bad, bad")
    subprocess.run([sys.executable, "-c", code], check=True)


# ------------------------------------------------------------------------------------- off, warnings, xdist

def test_fixtures_can_be_turned_off_and_the_summary_says_so_under_q(pytester):
    pytester.makepyfile("""
        import pytest

        def test_uses_devchain(devchain):
            pass

        @pytest.mark.btc_reorg(depths=(1, 2))
        def test_markers_still_registered(btc_reorg_depth):
            assert btc_reorg_depth in (1, 2)
    """)
    result = run(pytester, "-q", "-o", "hemi_fixtures=off")
    result.assert_outcomes(passed=2, errors=1)
    # -q hides the report header; the terminal summary line is what the user sees
    result.stdout.fnmatch_lines(["*fixture 'devchain' not found*", "hemi: devchain fixtures off: hemi_fixtures = off"])


def test_a_users_run_sees_no_deprecation_warning_from_hemi_or_web3(pytester):
    """web3 7 imports websockets.legacy (deprecated since websockets 14); building the fixtures' devchain must not
    surface that, or any other DeprecationWarning, in the user's run."""
    pytester.makepyfile("""
        def test_w3(w3, btc, accounts):
            w3.eth.send_transaction({"from": accounts[0], "to": accounts[1], "value": 1})
            btc.mine(1)
    """)
    result = pytester.runpytest_subprocess(*NO_APE, "-p", "no:cacheprovider", "-W", "error::DeprecationWarning",
                                           "-W", "error::PendingDeprecationWarning")
    result.assert_outcomes(passed=1)
    assert "Deprecat" not in result.stdout.str(), result.stdout.str()


def test_no_fixture_is_a_method_of_a_plugin_instance(pytester):
    """pytest 9 deprecates session-scoped fixtures defined as instance methods (PytestRemovedIn10Warning, an error
    under ``-W error``); this repo's pytest 8 does not warn, so check the shape directly: every fixture hemi registers
    is a plain module-level function, not bound to a plugin object."""
    pytester.makepyfile("""
        HEMI = ("hemi_devchains", "devchain_session", "devchain", "w3", "btc", "bitcoin_kit", "tunnel",
                "btc_reorg_depth", "accounts", "fork_devchain")

        def test_shapes(request):
            found = {}
            for name in HEMI:
                for fd in request._fixturemanager.getfixturedefs(name, request.node) or ():
                    found[name] = fd.func
            assert sorted(found) == sorted(HEMI)
            bound = {n: f for n, f in found.items() if hasattr(f, "__self__")}
            assert not bound, bound
            assert {f.__module__ for f in found.values()} <= {
                "hemi.testing.fixtures", "hemi.testing.fork_fixture", "hemi.testing.accounts_fixture"}
    """)
    run(pytester).assert_outcomes(passed=1)


@pytest.mark.skipif(importlib.util.find_spec("xdist") is None, reason="pytest-xdist is not installed")
def test_xdist_workers_each_get_their_own_deterministic_devchain(pytester):
    """``pytest -n 2``: each worker process builds its own session devchain from the same seed, so every test sees
    the same block hashes on either worker, and what one test does never reaches another."""
    pytester.makepyfile(**{f"test_w{i}": """
        import os, pathlib

        def test_same_chain_everywhere(devchain, btc, w3, accounts):
            assert btc.height == 0 and w3.eth.block_number == 0  # isolated: each test starts from genesis
            btc.mine(2, to=btc.wallet("alice").address)
            w3.eth.send_transaction({"from": accounts[0], "to": accounts[1], "value": 7})
            out = pathlib.Path(__file__).with_suffix(".out")
            out.write_text(f"{os.environ['PYTEST_XDIST_WORKER']} {os.getpid()} {btc.tip} "
                           f"{w3.eth.get_block('latest')['hash'].hex()}")
    """ for i in range(4)})
    result = pytester.runpytest_subprocess(*NO_APE, "-p", "no:cacheprovider", "-n", "2", "-q")
    result.assert_outcomes(passed=4)
    runs = [p.read_text().split() for p in sorted(pytester.path.glob("test_w*.out"))]
    assert len(runs) == 4
    assert {r[0] for r in runs} == {"gw0", "gw1"} and len({r[1] for r in runs}) == 2  # two worker processes
    assert len({tuple(r[2:]) for r in runs}) == 1, runs  # the same chains, block for block, on both
