"""web3.py's own module suites over HTTP, unmodified: against ``hemi devchain`` started as a subprocess, or against
the node at ``HEMI_WEB3_SUITE_URL`` (``benchmarks/web3_conformance.py`` points it at anvil to compare scores).

One node per module, prepared and isolated per test as tests/conformance/conftest.py ``prepare_chain`` says."""

from __future__ import annotations

import os
import subprocess
import sys

import pytest
from web3 import Web3
from web3._utils.module_testing import EthModuleTest, NetModuleTest, Web3ModuleTest
from web3_suite_setup import SUITE_BALANCE_ETH, SUITE_CHAIN_ID, isolate_test, prepare_chain

BACKEND = "external" if os.environ.get("HEMI_WEB3_SUITE_URL") else "http"
EXTERNAL_URL = os.environ.get("HEMI_WEB3_SUITE_URL")


def _start_hemi_devchain():
    proc = subprocess.Popen([sys.executable, "-m", "hemi.cli", "devchain", "--port", "0", "--no-btc-rpc", "--quiet",
                             "--chain-id", str(SUITE_CHAIN_ID), "--balance", str(SUITE_BALANCE_ETH),
                             "--no-op-stack"],
                            stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True)
    line = proc.stdout.readline()
    if not line.startswith("http "):
        proc.kill()
        raise RuntimeError(f"hemi devchain did not start: {line!r} {proc.stderr.read()}")
    return proc, line.split()[1]


@pytest.fixture(scope="module")
def node_url():
    if EXTERNAL_URL:
        yield EXTERNAL_URL
        return
    proc, url = _start_hemi_devchain()
    try:
        yield url
    finally:
        proc.terminate()
        try:
            proc.wait(timeout=10)
        except subprocess.TimeoutExpired:
            proc.kill()


@pytest.fixture(scope="module")
def prepared_w3(node_url):
    _w3 = Web3(Web3.HTTPProvider(node_url, request_kwargs={"timeout": 30}))
    prepare_chain(_w3)
    return _w3


@pytest.fixture
def w3(prepared_w3):
    yield from isolate_test(prepared_w3)


class TestHemiHttpWeb3Module(Web3ModuleTest):
    def _check_web3_client_version(self, client_version):
        assert client_version.startswith("anvil/" if EXTERNAL_URL else "hemi-sdk/")


class TestHemiHttpEthModule(EthModuleTest):
    pass


class TestHemiHttpNetModule(NetModuleTest):
    pass
