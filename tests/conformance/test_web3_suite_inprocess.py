"""web3.py's own module suites against the in-process devchain (``hemi.Devchain().w3``), unmodified.

Wired as the HTTP suite is (see tests/conformance/conftest.py ``prepare_chain``), so that both paths run the same
tests on the same chain."""

from __future__ import annotations

import pytest
from web3._utils.module_testing import EthModuleTest, NetModuleTest, Web3ModuleTest
from web3_suite_setup import SUITE_BALANCE_ETH, SUITE_CHAIN_ID, isolate_test, prepare_chain

from hemi.devchain import Devchain

BACKEND = "inprocess"


@pytest.fixture(scope="module")
def prepared_w3():
    _w3 = Devchain(chain_id=SUITE_CHAIN_ID, balance=SUITE_BALANCE_ETH * 10**18, op_stack=False).w3
    prepare_chain(_w3)
    return _w3


@pytest.fixture
def w3(prepared_w3):
    yield from isolate_test(prepared_w3)


class TestHemiInProcessWeb3Module(Web3ModuleTest):
    def _check_web3_client_version(self, client_version):
        assert client_version.startswith("hemi-sdk/")


class TestHemiInProcessEthModule(EthModuleTest):
    pass


class TestHemiInProcessNetModule(NetModuleTest):
    pass
