"""The pytest plugin's ``fork_devchain`` fixture, configured by ``--hemi-fork-url`` or ``$HEMI_FORK_URL``, run in
generated test files (pytester) against our own ``hemi devchain`` server as the remote."""

from __future__ import annotations

import importlib

import pytest

pytest_plugins = ["pytester"]
NO_APE = ("-p", "no:ape_test", "-p", "no:hypothesispytest")  # as tests/testing/test_plugin.py runs them

TEST_FILE = """
def test_forked(fork_devchain):
    dev = fork_devchain
    assert dev.fork is not None and dev.engine.head_number == {block}
    assert dev.w3.eth.get_balance("{whale}") == 5 * 10**18
    dev.set_balance("{whale}", wei=1)  # undone by the fixture's anchor

def test_isolated(fork_devchain):
    assert fork_devchain.w3.eth.get_balance("{whale}") == 5 * 10**18
"""


@pytest.fixture(scope="module", autouse=True)
def _devchain_modules_loaded_once():
    for name in ("hemi.devchain", "hemi.web3.provider", "hemi.node.fork.setup"):
        importlib.import_module(name)


def test_configured_by_option(pytester, remote):
    pytester.makepyfile(TEST_FILE.format(block=remote.fork_block - 1, whale=remote.whale))
    result = pytester.runpytest(*NO_APE, "--hemi-fork-url", remote.url, "--hemi-fork-block",
                                str(remote.fork_block - 1))
    result.assert_outcomes(passed=2)


def test_configured_by_environment(pytester, remote, monkeypatch):
    monkeypatch.setenv("HEMI_FORK_URL", remote.url)
    monkeypatch.setenv("HEMI_FORK_BLOCK", str(remote.fork_block))
    pytester.makepyfile(TEST_FILE.format(block=remote.fork_block, whale=remote.whale))
    pytester.runpytest(*NO_APE).assert_outcomes(passed=2)


def test_skipped_without_a_url(pytester, monkeypatch):
    monkeypatch.delenv("HEMI_FORK_URL", raising=False)
    pytester.makepyfile("def test_needs_fork(fork_devchain):\n    pass\n")
    result = pytester.runpytest(*NO_APE, "-rs")
    result.assert_outcomes(skipped=1)
    result.stdout.fnmatch_lines(["*fork_devchain needs a fork URL*HEMI_FORK_URL*"])
